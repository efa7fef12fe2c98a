/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Shared by the backend modules (stt-deepgram.c, stt-vosk.c …) and
 * stt-backend.c; not for the element. */

#pragma once

#include <json-glib/json-glib.h>

#include "stt-backend.h"

G_BEGIN_DECLS

/**
 * GstSttBackendOps:
 *
 * One backend's protocol. Every function is pure: it reads the adapter's
 * settings and state and fills in results, with no I/O. NULL members fall
 * back to a default (binary audio frames, no keep-alive, always ready).
 */
typedef struct
{
  /* fill adapter->request and adapter->state */
  gboolean  (*init)            (GstSttAdapter * adapter, GError ** error);
  void      (*state_free)      (gpointer state);
  void      (*start_session)   (GstSttAdapter * adapter);
  gboolean  (*may_send_audio)  (GstSttAdapter * adapter);
  GBytes *  (*frame_audio)     (GstSttAdapter * adapter, const guint8 * data,
                                gsize size, gboolean * is_text);
  gchar *   (*keepalive)       (GstSttAdapter * adapter);
  gchar *   (*eos)             (GstSttAdapter * adapter);
  gboolean  (*parse)           (GstSttAdapter * adapter, JsonObject * msg,
                                const gchar * raw, GPtrArray * events,
                                GError ** error);
  /* a hint for a close code, or NULL; sets *fatal when reconnecting is
   * pointless */
  const gchar * (*close_hint)  (gushort code, gboolean * fatal);
  /* whether a close code means the key was refused */
  gboolean  (*close_is_auth)   (gushort code);
} GstSttBackendOps;

struct _GstSttAdapter
{
  const GstSttBackendInfo *info;
  const GstSttBackendOps *ops;

  /* settings, copied */
  gchar *url;
  gchar *api_key;
  gchar *language;
  gchar *model;
  gboolean diarize;
  gboolean interim_results;
  JsonObject *extra;            /* NULL when none */
  gint rate;
  gint channels;

  GstSttRequest request;
  gboolean eos_sent;            /* this session */
  gboolean finished;            /* the reply to EOS came, this session */
  gpointer state;               /* the backend's */
};

/* Functions, not exported tables: the library is linked into the plugin
 * and into tests that load the plugin, and a global defined twice is an
 * ODR violation. */
const GstSttBackendOps * gst_stt_deepgram_get_ops (void);
const GstSttBackendOps * gst_stt_assemblyai_get_ops (void);
const GstSttBackendOps * gst_stt_speechmatics_get_ops (void);
const GstSttBackendOps * gst_stt_openai_get_ops (void);
const GstSttBackendOps * gst_stt_vosk_get_ops (void);

/* An ordered list of query parameters. */
typedef struct
{
  GPtrArray *names;
  GPtrArray *values;
} GstSttQuery;

void      gst_stt_query_init        (GstSttQuery * q);
void      gst_stt_query_clear       (GstSttQuery * q);
void      gst_stt_query_add         (GstSttQuery * q, const gchar * name,
                                     const gchar * value);
void      gst_stt_query_set         (GstSttQuery * q, const gchar * name,
                                     const gchar * value);
void      gst_stt_query_remove      (GstSttQuery * q, const gchar * name);
gboolean  gst_stt_query_merge_json  (GstSttQuery * q, JsonObject * extra,
                                     GError ** error);

gboolean  gst_stt_request_set_url   (GstSttRequest * request,
                                     const gchar * base,
                                     const GstSttQuery * query,
                                     GError ** error);
void      gst_stt_request_add_header (GstSttRequest * request,
                                     const gchar * name, const gchar * value);

/* Typed member access: NULL / FALSE when absent or of another type, never
 * a critical, whatever the server sent. */
const gchar * gst_stt_json_string   (JsonObject * o, const gchar * name);
gboolean  gst_stt_json_double       (JsonObject * o, const gchar * name,
                                     gdouble * value);
gboolean  gst_stt_json_boolean      (JsonObject * o, const gchar * name,
                                     gboolean * value);
gboolean  gst_stt_json_int          (JsonObject * o, const gchar * name,
                                     gint64 * value);
JsonObject * gst_stt_json_object    (JsonObject * o, const gchar * name);
JsonArray * gst_stt_json_array      (JsonObject * o, const gchar * name);
JsonObject * gst_stt_json_array_object (JsonArray * a, guint index);
gchar *   gst_stt_json_scalar_to_string (JsonNode * node);
void      gst_stt_json_merge        (JsonObject * dest, JsonObject * src);
gchar *   gst_stt_json_object_to_string (JsonObject * o);

/* Helpers several backends share. */
void      gst_stt_add_metadata      (GPtrArray * events, const gchar * type,
                                     const gchar * raw);
GstSttEvent * gst_stt_add_error     (GPtrArray * events, const gchar * text,
                                     const gchar * code);
gdouble   gst_stt_mean_confidence   (const GstSttEvent * event);
void      gst_stt_event_span_words  (GstSttEvent * event);

G_END_DECLS
