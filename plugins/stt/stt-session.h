/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/gst.h>
#include <libsoup/soup.h>

#include "stt-backend.h"

G_BEGIN_DECLS

/**
 * GstSttSession:
 *
 * One speech-to-text stream over a WebSocket, as sttpushsink needs it,
 * with no GstElement in sight (the model is rtpmanager's rtpsession.c):
 * the audio ring between the streaming thread and a thread of its own
 * (the sinks' shared front half, sinkfront.h, with its frame ring)
 * with its own GMainContext, which owns the WebSocket: handshake,
 * keep-alive, stall detection, reconnection with backoff and replay of
 * what the service had not committed, and the finish (the backend's
 * end-of-stream message, a bounded wait for the last reply). What the
 * application must learn goes out through the callbacks, as the element
 * messages (sttpushsink-session, -partial, -final …) to post and the
 * problems (WARNINGs, and the fatal ERROR) to report.
 *
 * # Threads and locks
 *
 * The streaming thread calls set_format(), write(), finish(), flush()
 * and unlock(); any thread calls get_stats(); the session thread calls
 * the callbacks. The audio goes through the front's lock-free ring:
 * write() is its producer, the session thread its consumer.
 * session->lock guards the clock map, the flags and the counters; it is
 * a leaf, held only for bookkeeping, never across I/O, a callback, a
 * wait for room or a call into the session's GMainContext, so write()
 * never waits on the network. The front's lock is a leaf too, and never
 * taken together with session->lock.
 */
typedef struct _GstSttSession GstSttSession;

/**
 * GstSttSessionConfig:
 *
 * The settings of a session. Borrowed pointers: the session copies them.
 */
typedef struct
{
  GstSttBackend backend;
  const gchar *url;
  const gchar *api_key;         /* the property, else the environment */
  const gchar *language;
  const gchar *model;
  gboolean diarize;
  gboolean interim_results;
  const gchar *extra;
  guint finish_timeout_ms;
  guint keepalive_interval_ms;
  guint send_timeout_ms;
  gdouble max_speed;
  const gchar *vocabulary;      /* comma-separated terms, or NULL */
  guint end_of_turn_silence_ms; /* 0: the service's default */
  guint max_delay_ms;           /* 0: the service's default */
  guint reconnect_min_ms;
  guint reconnect_max_ms;
  gint max_reconnect_attempts;  /* -1: for ever */
  guint lag_warning_ms;         /* 0: never warn */
} GstSttSessionConfig;

/**
 * GstSttSessionCallbacks:
 * @post: an element message to post (sttpushsink-session, -partial,
 *   -final, -speaker-turn, -utterance-end, -metadata); takes @s
 * @problem: a WARNING (@fatal FALSE) or the ERROR that ends the session;
 *   takes @text and @debug, as gst_element_message_full() does
 *
 * Called on the session thread, except @problem, which write() may call
 * from the streaming thread (a non-live upstream that stopped waiting).
 */
typedef struct
{
  void (*post) (GstStructure * s, gpointer user_data);
  void (*problem) (gboolean fatal, GQuark domain, gint code, gchar * text,
      gchar * debug, const gchar * file, const gchar * function, gint line,
      gpointer user_data);
} GstSttSessionCallbacks;

/**
 * GstSttSessionConnectFunc:
 *
 * How a session opens its WebSocket: by default libsoup's handshake over
 * the network. A unit test hands back a connection it made itself (over a
 * socket pair, say): it calls gst_stt_session_connected() on the session
 * thread (from this function, or later on the session's context).
 */
typedef void (*GstSttSessionConnectFunc) (GstSttSession * session,
    const GstSttRequest * request, gpointer user_data);

/**
 * GstSttSessionClockFunc:
 *
 * A monotonic clock in microseconds.
 */
typedef gint64 (*GstSttSessionClockFunc) (gpointer user_data);

/**
 * GstSttSessionStats:
 *
 * A snapshot of the counters, in frames unless the name says otherwise.
 */
typedef struct
{
  const gchar *state;
  gint rate;
  guint64 bytes_sent;
  guint64 frames_sent;
  guint64 frames_replayed;
  guint64 frames_unreplayed;
  guint64 frames_queued;
  guint64 frames_dropped;
  guint64 overflows;
  guint64 messages_received;
  guint64 messages_skipped;
  guint64 partials;
  guint64 finals;
  guint64 reconnects;
  guint64 keepalives;
} GstSttSessionStats;

typedef enum
{
  GST_STT_FINISH_DONE,          /* every final is out */
  GST_STT_FINISH_FAILED,        /* the session failed: no EOS */
  GST_STT_FINISH_INTERRUPTED,   /* unlock() or stop() */
} GstSttFinishResult;

GstSttSession * gst_stt_session_new      (const GstSttSessionConfig * config,
                                          GstObject * owner,
                                          const GstSttSessionCallbacks * cb,
                                          gpointer user_data);
void     gst_stt_session_free            (GstSttSession * session);
gboolean gst_stt_session_check_config    (const GstSttSessionConfig * config,
                                          GError ** error);
void     gst_stt_session_set_connect_func (GstSttSession * session,
                                          GstSttSessionConnectFunc func,
                                          gpointer user_data);
void     gst_stt_session_set_clock       (GstSttSession * session,
                                          GstSttSessionClockFunc func,
                                          gpointer user_data);
gboolean gst_stt_session_start           (GstSttSession * session,
                                          GError ** error);
void     gst_stt_session_stop            (GstSttSession * session);

/* streaming thread */
gboolean gst_stt_session_set_format      (GstSttSession * session, gint rate,
                                          guint bpf, guint chunk_frames,
                                          guint64 capacity_frames);
gboolean gst_stt_session_upstream_live   (GstSttSession * session);
GstFlowReturn gst_stt_session_write      (GstSttSession * session,
                                          const guint8 * data, gsize size,
                                          gboolean live,
                                          GstClockTime running_time);
GstSttFinishResult gst_stt_session_finish (GstSttSession * session);
void     gst_stt_session_flush           (GstSttSession * session);
void     gst_stt_session_unlock          (GstSttSession * session);
void     gst_stt_session_unlock_stop     (GstSttSession * session);

/* any thread */
void     gst_stt_session_get_stats       (GstSttSession * session,
                                          GstSttSessionStats * stats);
gboolean gst_stt_session_has_format      (GstSttSession * session);
GstStructure * gst_stt_session_stats_to_structure (
                                          const GstSttSessionStats * stats,
                                          guint64 transcript_entries);

/* session thread, from a GstSttSessionConnectFunc */
void     gst_stt_session_connected       (GstSttSession * session,
                                          SoupWebsocketConnection * conn);
GMainContext * gst_stt_session_get_context (GstSttSession * session);

G_END_DECLS
