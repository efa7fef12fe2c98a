/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

/* The backend registry: what each service accepts, and the adapter that
 * speaks its protocol, chosen by backend. What the element and the
 * session use. */

#include <gst/gst.h>

#include "stt-adapter.h"
#include "stt-event.h"
#include "stt-json.h"
#include "stt-request.h"

G_BEGIN_DECLS

const GstSttBackendInfo * gst_stt_backend_get_info (GstSttBackend backend);

/**
 * GstSttSettings:
 *
 * Everything a backend needs to open a session. Borrowed pointers: the
 * adapter copies what it keeps.
 */
typedef struct
{
  GstSttBackend backend;
  const gchar *url;             /* endpoint override, or NULL */
  const gchar *api_key;         /* NULL or empty: none */
  const gchar *language;        /* NULL or empty: the service's default */
  const gchar *model;           /* NULL or empty: the service's default */
  gboolean diarize;
  gboolean interim_results;
  const gchar *extra;           /* a JSON object, or NULL */
  gint rate;
  gint channels;
  const gchar *vocabulary;      /* comma-separated terms, or NULL */
  guint end_of_turn_silence_ms; /* 0: the service's default */
  guint max_delay_ms;           /* 0: the service's default */
} GstSttSettings;


GstSttAdapter *  gst_stt_adapter_new              (const GstSttSettings * s,
                                                   GError ** error);
void             gst_stt_adapter_free             (GstSttAdapter * adapter);
const GstSttBackendInfo * gst_stt_adapter_get_info (GstSttAdapter * adapter);
const GstSttRequest * gst_stt_adapter_get_request (GstSttAdapter * adapter);

void             gst_stt_adapter_start_session    (GstSttAdapter * adapter);
gboolean         gst_stt_adapter_may_send_audio   (GstSttAdapter * adapter);
GBytes *         gst_stt_adapter_frame_audio      (GstSttAdapter * adapter,
                                                   const guint8 * data,
                                                   gsize size,
                                                   gboolean * is_text);
gchar *          gst_stt_adapter_keepalive_message (GstSttAdapter * adapter);
gchar *          gst_stt_adapter_eos_message      (GstSttAdapter * adapter);
gboolean         gst_stt_adapter_parse            (GstSttAdapter * adapter,
                                                   const gchar * data,
                                                   gsize size,
                                                   GPtrArray * events,
                                                   GError ** error);
gboolean         gst_stt_adapter_is_finished      (GstSttAdapter * adapter);
gchar *          gst_stt_adapter_describe_close   (GstSttAdapter * adapter,
                                                   gushort code,
                                                   const gchar * reason,
                                                   gboolean * fatal);
gboolean         gst_stt_adapter_close_is_auth    (GstSttAdapter * adapter,
                                                   gushort code);
gsize            gst_stt_adapter_held_bytes       (GstSttAdapter * adapter);

GstStructure *   gst_stt_backend_capabilities     (const GstSttBackendInfo *
                                                   info);
GstCaps *        gst_stt_backend_caps             (const GstSttBackendInfo *
                                                   info);
gchar *          gst_stt_backend_explain_format   (const GstSttBackendInfo *
                                                   info, gint rate,
                                                   gint channels);

G_END_DECLS
