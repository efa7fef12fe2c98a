/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What a backend module (stt-deepgram.c, stt-vosk.c …) is made of: the
 * types it fills in and the table of its protocol functions. The
 * backends and the registry (stt-backend.c) both include it; the registry
 * fetches each backend's table, and the one helper the backends call lives
 * in stt-adapter.c, not in the registry, so there is no circle. */

#pragma once

#include <json-glib/json-glib.h>

#include "stt-event.h"
#include "stt-request.h"

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

typedef struct _GstSttAdapter GstSttAdapter;


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
  /* a text message to send right after an audio frame (OpenAI's commit
   * without server VAD), or NULL */
  gchar *   (*after_audio)     (GstSttAdapter * adapter);
  gboolean  (*parse)           (GstSttAdapter * adapter, JsonObject * msg,
                                const gchar * raw, GPtrArray * events,
                                GError ** error);
  /* a hint for a close code, or NULL; sets *fatal when reconnecting is
   * pointless */
  const gchar * (*close_hint)  (gushort code, gboolean * fatal);
  /* whether a close code means the key was refused */
  gboolean  (*close_is_auth)   (gushort code);
  /* bytes the state holds for what the server said, NULL: nothing that
   * grows */
  gsize     (*held_bytes)      (gpointer state);
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
  gchar **vocabulary;           /* the terms, trimmed; NULL when none */
  guint end_of_turn_silence_ms; /* 0: the service's default */
  guint max_delay_ms;           /* 0: the service's default */

  GstSttRequest request;
  gboolean eos_sent;            /* this session */
  guint64 sent_frames;          /* audio framed this session */
  gboolean finished;            /* the reply to EOS came, this session */
  gchar *ended;                 /* the service ended this session on its
                                 * own, before our end of stream: what it
                                 * said, for the close that follows */
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

/* For the backends (stt-adapter.c): the service ended the session on its own (a duration
 * limit) while the stream goes on. Reconnecting resumes the stream; the
 * session closes the connection (the event) and says why (@what). */
void gst_stt_adapter_server_ended (GstSttAdapter * adapter,
    const gchar * what, GPtrArray * events);

G_END_DECLS
