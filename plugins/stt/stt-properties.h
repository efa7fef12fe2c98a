/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

/* The properties sttpushsink and stttranscriber share, written once: the
 * backend and session properties (installed on either class under ids the
 * element chooses), their values, the session config made from them and
 * the ERROR for settings a session cannot start with. What the elements
 * do the same way with their session is stt-element.h. */

#include <gst/gst.h>

#include "stt-backend.h"
#include "stt-session.h"

G_BEGIN_DECLS

#define GST_TYPE_STT_PUSH_SINK_BACKEND (gst_stt_push_sink_backend_get_type ())
GType gst_stt_push_sink_backend_get_type (void);

/**
 * GstSttProp:
 *
 * The shared properties, numbered from 0: an element installs them from
 * an id of its own on (gst_stt_properties_install()) and hands
 * `prop_id - first_id` to gst_stt_properties_set() / _get().
 */
typedef enum
{
  GST_STT_PROP_BACKEND,
  GST_STT_PROP_URL,
  GST_STT_PROP_API_KEY,
  GST_STT_PROP_LANGUAGE,
  GST_STT_PROP_MODEL,
  GST_STT_PROP_DIARIZE,
  GST_STT_PROP_INTERIM_RESULTS,
  GST_STT_PROP_CHUNK_MS,
  GST_STT_PROP_EXTRA,
  GST_STT_PROP_VOCABULARY,
  GST_STT_PROP_END_OF_TURN_SILENCE_MS,
  GST_STT_PROP_MAX_DELAY_MS,
  GST_STT_PROP_FINISH_TIMEOUT_MS,
  GST_STT_PROP_KEEPALIVE_INTERVAL_MS,
  GST_STT_PROP_SEND_TIMEOUT_MS,
  GST_STT_PROP_QUEUE_MS,
  GST_STT_PROP_MAX_SPEED,
  GST_STT_PROP_MAX_RECONNECT_ATTEMPTS,
  GST_STT_PROP_RECONNECT_MIN_MS,
  GST_STT_PROP_RECONNECT_MAX_MS,
  GST_STT_PROP_LAG_WARNING_MS,
  GST_STT_PROP_CAPABILITIES,
  GST_STT_N_PROPS,
} GstSttProp;

/**
 * GstSttProperties:
 *
 * The shared properties' values. The element keeps one under its object
 * lock and copies it (gst_stt_properties_copy()) when it starts, so the
 * session thread never touches the live one.
 */
typedef struct
{
  GstSttBackend backend;
  gchar *url;
  gchar *api_key;               /* write-only: never logged, never read back */
  gchar *language;
  gchar *model;
  gboolean diarize;
  gboolean interim_results;
  guint chunk_ms;
  gchar *extra;
  gchar *vocabulary;
  guint end_of_turn_silence_ms;
  guint max_delay_ms;
  guint finish_timeout_ms;
  guint keepalive_interval_ms;
  guint send_timeout_ms;
  guint queue_ms;
  gdouble max_speed;
  gint max_reconnect_attempts;
  guint reconnect_min_ms;
  guint reconnect_max_ms;
  guint lag_warning_ms;
} GstSttProperties;

void     gst_stt_properties_install   (GObjectClass * klass, guint first_id);
void     gst_stt_properties_init      (GstSttProperties * props);
void     gst_stt_properties_clear     (GstSttProperties * props);
void     gst_stt_properties_set       (GstSttProperties * props, guint id,
                                       const GValue * value);
void     gst_stt_properties_get       (const GstSttProperties * props,
                                       guint id, GValue * value);
void     gst_stt_properties_copy      (GstSttProperties * dest,
                                       const GstSttProperties * src);
void     gst_stt_properties_to_config (const GstSttProperties * props,
                                       GstSttSessionConfig * config);
gboolean gst_stt_properties_check     (GstElement * element,
                                       const GstSttProperties * props,
                                       const GstSttSessionConfig * config);
gboolean gst_stt_properties_set_property (GstSttProperties * props,
                                       GObject * object, guint first_id,
                                       guint prop_id, const GValue * value);
gboolean gst_stt_properties_get_property (const GstSttProperties * props,
                                       GObject * object, guint first_id,
                                       guint prop_id, GValue * value);

G_END_DECLS
