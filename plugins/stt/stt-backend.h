/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <glib.h>

#include "stt-event.h"

G_BEGIN_DECLS

/**
 * GstSttBackend:
 *
 * The streaming speech-to-text services sttpushsink speaks. The values are
 * those of the element's `backend` enum.
 */
typedef enum
{
  GST_STT_BACKEND_DEEPGRAM,
  GST_STT_BACKEND_ASSEMBLYAI,
  GST_STT_BACKEND_SPEECHMATICS,
  GST_STT_BACKEND_OPENAI,
  GST_STT_BACKEND_VOSK,
} GstSttBackend;

#define GST_STT_BACKEND_LAST GST_STT_BACKEND_VOSK

#define GST_STT_ERROR (gst_stt_error_quark ())
GQuark gst_stt_error_quark (void);

/**
 * GstSttError:
 * @GST_STT_ERROR_NOT_SUPPORTED: the backend is not implemented yet
 * @GST_STT_ERROR_SETTINGS: a setting the backend cannot use
 * @GST_STT_ERROR_NO_KEY: the service needs an API key and there is none
 * @GST_STT_ERROR_MALFORMED: a server message that is not what the protocol
 *   says (not JSON, not an object, nested absurdly deep)
 * @GST_STT_ERROR_OVERSIZED: a server message above GST_STT_MAX_MESSAGE_SIZE
 * @GST_STT_ERROR_CLEARTEXT_KEY: the key would go to another machine over
 *   plain ws://
 */
typedef enum
{
  GST_STT_ERROR_NOT_SUPPORTED,
  GST_STT_ERROR_SETTINGS,
  GST_STT_ERROR_NO_KEY,
  GST_STT_ERROR_MALFORMED,
  GST_STT_ERROR_OVERSIZED,
  GST_STT_ERROR_CLEARTEXT_KEY,
} GstSttError;

/* The largest server message parsed. The services send a few kB at most;
 * anything bigger is a broken or hostile peer. */
#define GST_STT_MAX_MESSAGE_SIZE (1024 * 1024)

/* Deeper JSON is refused before it reaches the (recursive) parser; at
 * most this. */
#define GST_STT_MAX_JSON_DEPTH 64

/**
 * GstSttBackendInfo:
 *
 * What a backend is and accepts, as the services document it.
 */
typedef struct
{
  GstSttBackend backend;
  const gchar *name;            /* the enum nick: "deepgram" */
  const gchar *title;           /* for people: "Deepgram" */
  const gchar *default_url;
  const gchar *key_env;         /* environment variable with the key */
  const gchar *error_header;    /* response header explaining a refusal */
  gboolean implemented;
  gboolean partials;
  gboolean diarization;
  gboolean word_times;
  gboolean keepalive;           /* needs keep-alive while no audio flows */
  gint min_rate;
  gint max_rate;
  gint max_channels;
  guint min_chunk_ms;
  guint max_chunk_ms;
  gdouble max_speed;            /* times real time the service takes audio
                                 * at, 0: as fast as it reads it */
  gboolean strict_chunks;       /* refuses frames outside the chunk range,
                                 * the last one included */
  guint ping_interval_s;        /* WebSocket pings needed, 0: none */
} GstSttBackendInfo;

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
} GstSttSettings;

typedef struct
{
  gchar *name;
  gchar *value;
} GstSttHeader;

/**
 * GstSttRequest:
 *
 * How to open a session. @headers may hold the key: never log their
 * values. @display_url is @url without user info and query, for messages.
 */
typedef struct
{
  gchar *url;
  gchar *display_url;
  GArray *headers;              /* of GstSttHeader */
  gchar *first_message;         /* text to send once open, or NULL */
} GstSttRequest;

typedef struct _GstSttAdapter GstSttAdapter;

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

gboolean         gst_stt_json_check               (const gchar * data,
                                                   gsize size,
                                                   guint max_depth,
                                                   GError ** error);

G_END_DECLS
