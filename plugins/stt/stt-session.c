/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The WebSocket side of sttpushsink: see stt-session.h. Everything the
 * session thread does is in the net_* and on_* functions; the public
 * functions at the end are the streaming thread's. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "stt-session.h"

#include <string.h>
#ifdef __linux__
#include <sys/ioctl.h>
#include <linux/sockios.h>
#endif

#include "audiostream/backoff.h"
#include "audiostream/pacer.h"
#include "audiostream/ratelimit.h"
#include "audiostream/tcpinfo.h"
#include "audiostream/sinkfront.h"
#include "stt-context.h"
#include "stt-timeline.h"

#ifndef VERSION
#define VERSION "0"
#endif

/* The element's category: GST_DEBUG=sttpushsink:5 shows the session too. */
GST_DEBUG_CATEGORY_STATIC (stt_session_debug);
#define GST_CAT_DEFAULT stt_session_debug

/* Above GST_STT_MAX_MESSAGE_SIZE a message is counted and skipped; this is
 * only libsoup's hard limit, beyond which it closes the connection. */
#define MAX_INCOMING_PAYLOAD (16 * 1024 * 1024)
#define CONNECT_TIMEOUT_MS 15000
/* the longest a Retry-After (HTTP 429) makes the element wait */
#define MAX_RETRY_AFTER_MS 60000
/* reconnect_min_ms / reconnect_max_ms when the config leaves them 0 */
#define RECONNECT_MIN_MS 500
#define RECONNECT_MAX_MS 10000
/* the shared thread's tick: one wake-up for every session's checks */
#define KEEPALIVE_TICK_MS GST_STT_TICK_MS
/* how often an open session checks that the service still reads */
#define STALL_TICK_MAX_MS GST_STT_TICK_MS
#define SERVICE_ERRORS_PER_SECOND 1.0
/* stop: how long the close handshake may take before the session leaves */
#define STOP_CLOSE_TIMEOUT_MS 500
/* the grid that wake-ups of the shared thread are aligned on */
#define WAKE_GRID_US 4000

/* The session thread's view of the session. */
typedef enum
{
  NET_IDLE,                     /* waiting for the audio format */
  NET_CONNECTING,
  NET_OPEN,
  NET_FINISHING,                /* end-of-stream sent, last reply awaited */
  NET_WAITING,                  /* before a reconnection attempt */
  NET_DONE,                     /* finished or failed: nothing more to do */
} NetState;

/* A connection attempt in flight, as libsoup's callback finds it: @self
 * is cleared when the session leaves before the attempt completes. */
typedef struct
{
  GstSttSession *self;
} ConnectLink;

/* Lock order: self->lock is a leaf (see stt-session.h). */
struct _GstSttSession
{
  GstObject *owner;             /* for the debug log only */
  GstSttSessionCallbacks cb;
  gpointer user_data;
  GstSttSessionConnectFunc connect_func;
  gpointer connect_data;
  GstSttSessionClockFunc clock_func;
  gpointer clock_data;
  GstSttSessionConfig config;   /* copied: the strings are the session's */

  /* streaming state, under self->lock */
  GMutex lock;
  GCond cond;                   /* a flag changed */
  GstAsSinkFront front;         /* the ring between write() and the thread */
  GstSttClockMap clock_map;
  gint rate;
  guint bpf;
  guint chunk_frames;
  gboolean have_format;
  gboolean flushing;            /* unlock(): write and finish must return */
  gboolean stopping;            /* stop(): the session must leave */
  gboolean left;                /* nothing of it remains on the context */
  gboolean eos;                 /* finish the session */
  gboolean finished;            /* every final of the stream is posted */
  gboolean failed;              /* fatal error: writes must fail */
  const gchar *session_state;   /* static string, for stats */
  guint64 bytes_sent;
  guint64 frames_sent;
  guint64 frames_replayed;
  guint64 messages_received;
  guint64 messages_skipped;
  guint64 partials;
  guint64 finals;
  guint64 reconnects;
  guint64 keepalives;
  guint64 connect_failures;
  guint64 frames_unreplayed;
  guint64 commit_pos;           /* end of the last final (or flush), frames */
  gint64 send_timeout_us;

  /* owned by the shared thread (stt-context.h) while the session runs */
  GstSttContext *shared;
  GMainContext *context;        /* the shared thread's */
  GSource *wake;                /* write/EOS/stop → thread, any thread */
  GstSttAdapter *adapter;
  SoupSession *session;
  SoupMessage *msg;             /* the handshake being made */
  ConnectLink *link;            /* of the attempt in flight */
  GCancellable *connect_cancellable;
  SoupWebsocketConnection *conn;
  NetState state;
  guint attempt;
  guint failures;               /* attempts in a row that did not open */
  gchar *last_failure;          /* why the last one did not */
  gboolean ever_opened;
  gboolean connect_timed_out;
  gboolean eos_seen;
  guint skipped_this_session;
  gchar *unreadable;            /* why libsoup refused a message, if so */
  guint unreadable_sessions;    /* sessions lost so in a row */
  gint64 opened_us;             /* when the current session opened */
  GstAsBackoff backoff;
  GSource *connect_timeout_source;
  GSource *retry_source;
  GSource *finish_source;
  GstSttTicker *keepalive_tick;
  GSource *writable_source;
  GstSttTicker *stall_tick;
  GSource *quit_source;
  GSocket *socket;              /* the session's TCP socket, if known */
  guint64 net_bytes_out;        /* audio handed to libsoup, all sessions */
  guint64 stall_mark;           /* progress counter at the last check */
  gint64 progress_us;           /* when the service last took data */
  guint stalls;                 /* stalled sessions since the last final */
  guint stall_episodes;         /* runs of stalls, each ended by a final */
  gboolean lost_warned;         /* unreplayed audio said, this episode */
  guint rate_limited;           /* HTTP 429 in a row */
  GstSttSessionMap session_map;
  GstSttSpeakerTracker speakers;
  gint net_rate;
  guint net_bpf;
  guint net_chunk;
  guint8 *send_buf;
  guint send_buf_frames;
  gint64 last_send_us;
  guint retry_in_ms;            /* for sttpushsink-session */
  guint64 resume_pos;
  guint64 session_replayed;
  guint64 session_lost;
  gdouble pace_speed;           /* 0: not paced */
  GstAsPacer pacer;
  GSource *pace_source;
  GstAsRateLimit error_limit;   /* WARNINGs for in-band service errors */
};

/* The session thread's clock for keep-alive, stall and unreadable-message
 * decisions, in µs: monotonic, or a test's. */
static gint64
session_now (GstSttSession * self)
{
  if (self->clock_func != NULL)
    return self->clock_func (self->clock_data);
  return g_get_monotonic_time ();
}

/* A problem for a person, through the owner: a WARNING, or the ERROR. */
static void
session_problem (GstSttSession * self, gboolean fatal, GQuark domain,
    gint code, gchar * text, gchar * debug, const gchar * file,
    const gchar * function, gint line)
{
  self->cb.problem (fatal, domain, code, text, debug, file, function, line,
      self->user_data);
}

#define SESSION_PROBLEM(self, fatal, domain, code, text, debug)         \
  G_STMT_START {                                                        \
    gchar *__txt = _gst_element_error_printf text;                      \
    gchar *__dbg = _gst_element_error_printf debug;                     \
    session_problem (self, fatal, GST_##domain##_ERROR,                 \
        GST_##domain##_ERROR_##code, __txt, __dbg, __FILE__,            \
        GST_FUNCTION, __LINE__);                                        \
  } G_STMT_END
#define SESSION_WARNING(self, domain, code, text, debug)                \
  SESSION_PROBLEM (self, FALSE, domain, code, text, debug)
#define SESSION_ERROR(self, domain, code, text, debug)                  \
  SESSION_PROBLEM (self, TRUE, domain, code, text, debug)

static GstSttAdapter *
make_adapter (const GstSttSessionConfig * c, gint rate, gint channels,
    GError ** error)
{
  GstSttSettings as = {
    .backend = c->backend,
    .url = c->url,
    .api_key = c->api_key,
    .language = c->language,
    .model = c->model,
    .diarize = c->diarize,
    .interim_results = c->interim_results,
    .extra = c->extra,
    .rate = rate,
    .channels = channels,
    .vocabulary = c->vocabulary,
    .end_of_turn_silence_ms = c->end_of_turn_silence_ms,
    .max_delay_ms = c->max_delay_ms,
  };

  return gst_stt_adapter_new (&as, error);
}

/**
 * gst_stt_session_check_config:
 *
 * Whether a session with @config can start: the backend exists and takes
 * these settings (key, url, extra), tried with a format it accepts, so
 * that a problem shows when the element starts, not with the first audio.
 */
gboolean
gst_stt_session_check_config (const GstSttSessionConfig * config,
    GError ** error)
{
  const GstSttBackendInfo *info = gst_stt_backend_get_info (config->backend);
  GstSttAdapter *probe = make_adapter (config, info->min_rate, 1, error);

  if (probe == NULL)
    return FALSE;
  gst_stt_adapter_free (probe);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Messages (posted from the session thread)                                 */

static guint64 pos_to_ms (GstSttSession * self, guint64 pos);

static const gchar *
state_name (NetState state, gboolean failed)
{
  switch (state) {
    case NET_IDLE:
      return "idle";
    case NET_CONNECTING:
      return "connecting";
    case NET_OPEN:
      return "open";
    case NET_FINISHING:
      return "finishing";
    case NET_WAITING:
      return "reconnecting";
    case NET_DONE:
      return failed ? "failed" : "closed";
  }
  return "unknown";
}

static void
post_structure (GstSttSession * self, GstStructure * s)
{
  self->cb.post (s, self->user_data);
}

/* Sets the session state and posts sttpushsink-session, with what the
 * application may want to know about that step: how long until the next
 * attempt, where a new session resumes, what it replays and what the lost
 * one took with it. */
static void
net_set_state (GstSttSession * self, NetState state, gboolean failed,
    const gchar * error)
{
  const gchar *name = state_name (state, failed);
  gboolean waiting = state == NET_WAITING, open = state == NET_OPEN;
  guint64 resume_ms = 0, replayed_ms = 0, lost_ms = 0;

  self->state = state;
  g_mutex_lock (&self->lock);
  self->session_state = name;
  g_mutex_unlock (&self->lock);

  if (open && self->net_rate > 0) {
    resume_ms = pos_to_ms (self, self->resume_pos);
    replayed_ms = pos_to_ms (self, self->session_replayed);
    lost_ms = pos_to_ms (self, self->session_lost);
  }

  GST_INFO_OBJECT (self->owner, "session %s (attempt %u)%s%s", name, self->attempt,
      error ? ": " : "", error ? error : "");
  post_structure (self, gst_structure_new ("sttpushsink-session",
          "state", G_TYPE_STRING, name,
          "backend", G_TYPE_STRING,
          gst_stt_backend_get_info (self->config.backend)->name,
          "attempt", G_TYPE_UINT, self->attempt,
          "error", G_TYPE_STRING, error,
          "retry-in-ms", G_TYPE_UINT, waiting ? self->retry_in_ms : 0,
          "resume-ms", G_TYPE_UINT64, resume_ms,
          "replayed-ms", G_TYPE_UINT64, replayed_ms,
          "lost-ms", G_TYPE_UINT64, lost_ms, NULL));
}

/* The stream position of a session time in ms (GST_STT_TIME_NONE: the
 * end of what the session has sent). */
static guint64
session_ms_to_pos (GstSttSession * self, gint64 ms)
{
  guint64 frame;

  if (ms < 0)
    frame = self->session_map.session_frames;
  else
    frame = gst_util_uint64_scale_int (ms, self->net_rate, 1000);
  return gst_stt_session_map_to_stream (&self->session_map, frame);
}

static guint64
pos_to_ms (GstSttSession * self, guint64 pos)
{
  return gst_util_uint64_scale_int (pos, 1000, self->net_rate);
}

static GstClockTime
pos_to_running_time (GstSttSession * self, guint64 pos)
{
  GstClockTime rt;

  g_mutex_lock (&self->lock);
  rt = gst_stt_clock_map_lookup (&self->clock_map, pos);
  g_mutex_unlock (&self->lock);
  return rt;
}

static void
set_words (GstSttSession * self, GstStructure * s, GArray * words)
{
  GValue list = G_VALUE_INIT;
  guint i;

  gst_value_list_init (&list, words->len);
  for (i = 0; i < words->len; i++) {
    const GstSttWord *w = &g_array_index (words, GstSttWord, i);
    GValue v = G_VALUE_INIT;

    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, gst_structure_new ("word",
            "text", G_TYPE_STRING, w->text,
            "start-ms", G_TYPE_UINT64,
            pos_to_ms (self, session_ms_to_pos (self, w->start_ms)),
            "end-ms", G_TYPE_UINT64,
            pos_to_ms (self, session_ms_to_pos (self, w->end_ms)),
            "confidence", G_TYPE_DOUBLE, w->confidence,
            "speaker", G_TYPE_STRING, w->speaker, NULL));
    gst_value_list_append_and_take_value (&list, &v);
  }
  gst_structure_take_value (s, "words", &list);
}

static GstStructure *
build_transcript (GstSttSession * self, const gchar * name,
    const GstSttEvent * ev)
{
  guint64 start = session_ms_to_pos (self, ev->start_ms);
  guint64 end = session_ms_to_pos (self, ev->end_ms);
  GstStructure *s = gst_structure_new (name,
      "text", G_TYPE_STRING, ev->text,
      "start-ms", G_TYPE_UINT64, pos_to_ms (self, start),
      "end-ms", G_TYPE_UINT64, pos_to_ms (self, MAX (start, end)),
      "running-time", G_TYPE_UINT64, pos_to_running_time (self, start),
      NULL);

  if (ev->type == GST_STT_EVENT_FINAL)
    gst_structure_set (s, "confidence", G_TYPE_DOUBLE, ev->confidence,
        "speaker", G_TYPE_STRING, ev->speaker, NULL);
  set_words (self, s, ev->words);
  return s;
}

static void
post_turns (GstSttSession * self, const GstSttEvent * final)
{
  GArray *turns = g_array_new (FALSE, FALSE, sizeof (GstSttTurn));
  guint i;

  g_array_set_clear_func (turns, (GDestroyNotify) gst_stt_turn_clear);
  gst_stt_speaker_tracker_feed (&self->speakers, final, turns);
  for (i = 0; i < turns->len; i++) {
    const GstSttTurn *t = &g_array_index (turns, GstSttTurn, i);
    guint64 pos = session_ms_to_pos (self, t->at_ms);

    post_structure (self, gst_structure_new ("sttpushsink-speaker-turn",
            "speaker", G_TYPE_STRING, t->speaker,
            "at-ms", G_TYPE_UINT64, pos_to_ms (self, pos),
            "running-time", G_TYPE_UINT64, pos_to_running_time (self, pos),
            NULL));
  }
  g_array_unref (turns);
}

static void net_fail (GstSttSession * self, const gchar * reason);
static void net_mark_failed (GstSttSession * self);
static gboolean net_can_send (GstSttSession * self);

/* A fatal problem: session "failed", the ERROR, then the element refuses
 * data. */
#define NET_ERROR(self, reason, domain, code, text, debug)  \
  G_STMT_START {                                             \
    net_fail (self, reason);                                 \
    SESSION_ERROR (self, domain, code, text, debug);     \
    net_mark_failed (self);                                  \
  } G_STMT_END

/* Posts what one event means to the application. */
static void
net_handle_event (GstSttSession * self, const GstSttEvent * ev)
{
  const GstSttBackendInfo *info = gst_stt_adapter_get_info (self->adapter);

  switch (ev->type) {
    case GST_STT_EVENT_PARTIAL:
      g_mutex_lock (&self->lock);
      self->partials++;
      g_mutex_unlock (&self->lock);
      post_structure (self, build_transcript (self, "sttpushsink-partial",
              ev));
      break;
    case GST_STT_EVENT_FINAL:{
      guint64 end = session_ms_to_pos (self, ev->end_ms);
      gboolean empty = ev->text == NULL || ev->text[0] == '\0';
      GstStructure *final;

      /* Committed: a new session need not replay what this covers. */
      gst_as_frame_ring_release (&self->front.ring, end);
      /* room for a render that keeps the history floor */
      gst_as_sink_front_notify_space (&self->front);
      g_mutex_lock (&self->lock);
      self->commit_pos = MAX (self->commit_pos, end);
      if (!empty)
        self->finals++;
      g_mutex_unlock (&self->lock);
      if (ev->start_ms >= 0)
        gst_stt_session_map_forget (&self->session_map,
            gst_util_uint64_scale_int (ev->start_ms, self->net_rate, 1000));
      /* Any final, silence too, shows the service transcribing again: the
       * episode of trouble is over, the next one is said again. */
      self->stalls = 0;
      self->lost_warned = FALSE;
      if (empty)
        break;
      post_turns (self, ev);
      final = build_transcript (self, "sttpushsink-final", ev);
      post_structure (self, final);
      break;
    }
    case GST_STT_EVENT_UTTERANCE_END:{
      guint64 pos = session_ms_to_pos (self, ev->end_ms);

      post_structure (self, gst_structure_new ("sttpushsink-utterance-end",
              "at-ms", G_TYPE_UINT64, pos_to_ms (self, pos),
              "running-time", G_TYPE_UINT64, pos_to_running_time (self, pos),
              NULL));
      break;
    }
    case GST_STT_EVENT_METADATA:
      post_structure (self, gst_structure_new ("sttpushsink-metadata",
              "backend", G_TYPE_STRING, info->name,
              "type", G_TYPE_STRING, ev->kind,
              "json", G_TYPE_STRING, ev->json, NULL));
      break;
    case GST_STT_EVENT_ERROR:
      if (ev->auth) {
        NET_ERROR (self, ev->text, RESOURCE, NOT_AUTHORIZED,
            ("%s authentication failed: check api-key%s%s.", info->title,
                info->key_env ? " or " : "",
                info->key_env ? info->key_env : ""),
            ("%s (code %s)", ev->text, GST_STR_NULL (ev->kind)));
      } else if (ev->fatal) {
        NET_ERROR (self, ev->text, RESOURCE, FAILED,
            ("%s reported an error: %s.", info->title, ev->text),
            ("code: %s", GST_STR_NULL (ev->kind)));
      } else {
        guint suppressed = 0;

        /* A service that keeps its socket open (OpenAI) may answer every
         * message with the same error: said at most once a second. */
        if (gst_as_rate_limit_allow (&self->error_limit,
                g_get_monotonic_time (), &suppressed))
          SESSION_WARNING (self, RESOURCE, FAILED,
              ("%s reported an error: %s.", info->title, ev->text),
              ("code: %s; %u similar warnings suppressed before this one",
                  GST_STR_NULL (ev->kind), suppressed));
        else
          GST_DEBUG_OBJECT (self->owner, "service error (not repeated as a "
              "warning): %s", ev->text);
      }
      break;
    case GST_STT_EVENT_SESSION_END:
      /* The service ended the session on its own (a duration limit) while
       * the stream goes on: close, and on_ws_closed() reconnects, with a
       * WARNING that says how it ended (the adapter's describe_close). */
      if (net_can_send (self))
        soup_websocket_connection_close (self->conn,
            SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      break;
  }
}

/* ------------------------------------------------------------------------ */
/* Network thread                                                            */

static void
net_clear_source (GSource ** source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_source_unref (*source);
    *source = NULL;
  }
}

static void
net_clear_ticker (GstSttSession * self, GstSttTicker ** ticker)
{
  if (*ticker != NULL) {
    gst_stt_context_remove_ticker (self->shared, *ticker);
    *ticker = NULL;
  }
}

static GSource *
net_add_timeout (GstSttSession * self, guint ms, GSourceFunc func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

/* Wakes the session on the shared thread now (format, EOS, stop). */
static void
wake_thread (GstSttSession * self)
{
  if (self->wake != NULL)
    g_source_set_ready_time (self->wake, 0);
}

/* The front's wake function: audio reached the level the thread armed.
 * The session runs at the next WAKE_GRID_US of the monotonic clock: the
 * audio wake-ups of all sessions within one slot cost the shared thread
 * one pass over its sources, not one each, and one already set for the
 * slot costs nothing (not even a write to the context's eventfd). A few
 * ms do not matter to a transcription. */
static void
front_wake (gpointer user_data)
{
  GstSttSession *self = user_data;
  gint64 now;

  if (self->wake == NULL)
    return;
  now = g_get_monotonic_time ();
  g_source_set_ready_time (self->wake, now - now % WAKE_GRID_US +
      WAKE_GRID_US);
}

static gboolean
wake_dispatch (GSource * source, GSourceFunc callback, gpointer user_data)
{
  /* Reset first: a wake-up that comes during the callback is not lost. */
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs wake_funcs = {
  NULL, NULL, wake_dispatch, NULL, NULL, NULL,
};

/* Closes and forgets the connection without waiting. */
static void
net_drop_connection (GstSttSession * self, gushort code)
{
  SoupWebsocketConnection *conn = self->conn;

  net_clear_source (&self->writable_source);
  net_clear_ticker (self, &self->keepalive_tick);
  net_clear_source (&self->pace_source);
  net_clear_ticker (self, &self->stall_tick);
  g_clear_object (&self->socket);
  if (conn == NULL)
    return;
  self->conn = NULL;
  g_signal_handlers_disconnect_by_data (conn, self);
  if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (conn, code, NULL);
  g_object_unref (conn);
}

/* Whether the connection takes messages: not once either side started
 * closing (libsoup refuses them, loudly). */
static gboolean
net_can_send (GstSttSession * self)
{
  return self->conn != NULL &&
      soup_websocket_connection_get_state (self->conn) ==
      SOUP_WEBSOCKET_STATE_OPEN;
}

static void net_leave (GstSttSession * self);

/* stop(): the session leaves once its handshake and connection are gone. */
static void
net_leave_if_idle (GstSttSession * self)
{
  if (self->msg == NULL && self->conn == NULL)
    net_leave (self);
}

/* Ends the session for good and says why in sttpushsink-session. */
static void
net_fail (GstSttSession * self, const gchar * reason)
{
  net_clear_source (&self->retry_source);
  net_clear_source (&self->finish_source);
  net_clear_source (&self->connect_timeout_source);
  net_clear_ticker (self, &self->keepalive_tick);
  net_drop_connection (self, SOUP_WEBSOCKET_CLOSE_NORMAL);
  net_set_state (self, NET_DONE, TRUE, reason);
}

/* From now on render() fails and EOS stops waiting. Called after the
 * element's ERROR is posted, so that the upstream "data flow error" this
 * causes never reaches the bus before the reason. */
static void
net_mark_failed (GstSttSession * self)
{
  g_mutex_lock (&self->lock);
  self->failed = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  gst_as_sink_front_fail (&self->front, NULL);
}


/* Every final is posted: EOS may go on. */
static void
net_finish (GstSttSession * self)
{
  if (self->state == NET_DONE)
    return;
  net_clear_source (&self->retry_source);
  net_clear_source (&self->finish_source);
  net_clear_source (&self->connect_timeout_source);
  if (self->connect_cancellable != NULL)
    g_cancellable_cancel (self->connect_cancellable);
  net_drop_connection (self, SOUP_WEBSOCKET_CLOSE_NORMAL);
  net_set_state (self, NET_DONE, FALSE, NULL);

  g_mutex_lock (&self->lock);
  self->finished = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void net_connect (GstSttSession * self);
static void net_pump (GstSttSession * self);

static gboolean
on_retry (gpointer user_data)
{
  GstSttSession *self = user_data;

  net_clear_source (&self->retry_source);
  net_connect (self);
  return G_SOURCE_REMOVE;
}

/* A recoverable loss of the connection: try again after a backoff. Audio
 * keeps queuing meanwhile. */
static void
net_schedule_reconnect_in (GstSttSession * self, const gchar * reason,
    guint wait_ms)
{
  net_drop_connection (self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  self->retry_in_ms = wait_ms;
  net_set_state (self, NET_WAITING, FALSE, reason);
  GST_INFO_OBJECT (self->owner, "reconnecting in %u ms", wait_ms);
  net_clear_source (&self->retry_source);
  self->retry_source = net_add_timeout (self, wait_ms, on_retry);
}

static void
net_schedule_reconnect (GstSttSession * self, const gchar * reason)
{
  net_schedule_reconnect_in (self, reason,
      gst_as_backoff_next_ms (&self->backoff));
}

/* The stream ended before any session opened: the audio went nowhere. An
 * EOS now would pass an empty transcript off as the whole of it. */
static void
net_fail_never_opened (GstSttSession * self)
{
  const GstSttBackendInfo *info =
      gst_stt_backend_get_info (self->config.backend);
  const gchar *url = self->adapter != NULL ?
      gst_stt_adapter_get_request (self->adapter)->display_url :
      info->default_url;

  NET_ERROR (self, "no session before the end of the stream", RESOURCE,
      OPEN_WRITE, ("Could not open a %s session at %s before the end of "
          "the stream: nothing was transcribed.", info->title,
          GST_STR_NULL (url)),
      ("session state: %s after finish-timeout-ms (%u ms), attempt %u; "
          "last failure: %s", state_name (self->state, FALSE),
          self->config.finish_timeout_ms, self->attempt,
          self->last_failure ? self->last_failure : "none"));
}

static gboolean
on_finish_timeout (gpointer user_data)
{
  GstSttSession *self = user_data;
  guint timeout_ms = self->config.finish_timeout_ms;

  net_clear_source (&self->finish_source);
  if (self->state != NET_DONE && !self->ever_opened) {
    net_fail_never_opened (self);
  } else if (self->state != NET_DONE) {
    SESSION_WARNING (self, RESOURCE, READ,
        ("%s did not send its last reply within finish-timeout-ms "
            "(%u ms): the end of the transcript may be missing.",
            gst_stt_backend_get_info (self->config.backend)->title,
            timeout_ms), ("session state: %s",
            state_name (self->state, FALSE)));
    net_finish (self);
  }
  return G_SOURCE_REMOVE;
}

static void
on_keepalive_tick (gpointer user_data)
{
  GstSttSession *self = user_data;
  gint64 now = session_now (self);
  gchar *text;

  if (self->state != NET_OPEN || !net_can_send (self) ||
      now - self->last_send_us <
      (gint64) self->config.keepalive_interval_ms * 1000)
    return;

  text = gst_stt_adapter_keepalive_message (self->adapter);
  if (text != NULL) {
    GST_LOG_OBJECT (self->owner, "keep-alive");
    soup_websocket_connection_send_text (self->conn, text);
    self->last_send_us = now;
    g_mutex_lock (&self->lock);
    self->keepalives++;
    g_mutex_unlock (&self->lock);
    g_free (text);
  }
}

/* Whether data waits to go out to the service, and a counter that moves
 * whenever the service takes some: the bytes its kernel acknowledged
 * (TCP_INFO), else the bytes libsoup took from us. A service that stops
 * reading keeps the first true and the second still. */
static gboolean
net_send_pending (GstSttSession * self, guint64 * progress)
{
#ifdef __linux__
  if (self->socket != NULL) {
    gint fd = g_socket_get_fd (self->socket);
    GstAsTcpInfo info;
    int outq = 0;

    if (gst_as_tcp_info_get (fd, &info, NULL) &&
        ioctl (fd, SIOCOUTQ, &outq) == 0) {
      *progress = info.bytes_acked;
      return outq > 0 || self->writable_source != NULL;
    }
  }
#endif
  *progress = self->net_bytes_out;
  return self->writable_source != NULL;
}

static void net_schedule_reconnect (GstSttSession * self,
    const gchar * reason);

/* A service that takes nothing for send-timeout-ms while audio waits is
 * gone, even if its socket is open: the audio would only pile up (and a
 * live source lose it) while the session looks healthy. */
static void
on_stall_tick (gpointer user_data)
{
  GstSttSession *self = user_data;
  gint64 now = session_now (self);
  guint timeout_ms = self->config.send_timeout_ms;
  guint64 mark;
  GIOStream *io;
  GSocket *socket;
  gchar *reason;

  if (self->conn == NULL)
    return;
  if (!net_send_pending (self, &mark) || mark != self->stall_mark) {
    self->stall_mark = mark;
    self->progress_us = now;
    return;
  }
  if (now - self->progress_us < (gint64) timeout_ms * 1000)
    return;

  reason = g_strdup_printf ("the service read nothing for %u ms",
      timeout_ms);
  /* Said once per episode, until the service transcribes again (a final,
   * even of silence); every attempt still shows in sttpushsink-session. */
  if (self->stalls++ == 0)
    SESSION_WARNING (self, RESOURCE, WRITE,
        ("%s stopped reading audio for %u ms (send-timeout-ms): "
            "reconnecting, and replaying what it had not transcribed.",
            gst_stt_adapter_get_info (self->adapter)->title, timeout_ms),
        ("url: %s; stall episode %u",
            gst_stt_adapter_get_request (self->adapter)->display_url,
            ++self->stall_episodes));
  /* No close handshake through a socket that takes nothing: cut it, and
   * without waiting, on the thread every session shares (a TLS close would
   * wait to send its close_notify to a peer that reads nothing). */
  socket = self->socket != NULL ? g_object_ref (self->socket) : NULL;
  io = g_object_ref (soup_websocket_connection_get_io_stream (self->conn));
  net_schedule_reconnect (self, reason);
  if (socket != NULL)
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
  else
    g_io_stream_close_async (io, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&socket);
  g_object_unref (io);
  g_free (reason);
}

static void
on_ws_message (SoupWebsocketConnection * conn, gint type, GBytes * message,
    gpointer user_data)
{
  GstSttSession *self = user_data;
  GPtrArray *events;
  GError *err = NULL;
  gsize size;
  const gchar *data = g_bytes_get_data (message, &size);
  guint i;

  g_mutex_lock (&self->lock);
  self->messages_received++;
  g_mutex_unlock (&self->lock);

  events = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_stt_event_free);
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    g_set_error (&err, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
        "binary message of %" G_GSIZE_FORMAT " bytes", size);
  else
    gst_stt_adapter_parse (self->adapter, data, size, events, &err);

  if (err != NULL) {
    g_mutex_lock (&self->lock);
    self->messages_skipped++;
    g_mutex_unlock (&self->lock);
    GST_DEBUG_OBJECT (self->owner, "skipped a server message: %s", err->message);
    /* One warning per session; the rest are counted in stats. */
    if (self->skipped_this_session++ == 0)
      SESSION_WARNING (self, STREAM, DECODE,
          ("Skipped a message from the service that could not be read; "
              "further ones are counted in the stats property."),
          ("%s", err->message));
    g_clear_error (&err);
  }

  for (i = 0; i < events->len && self->state != NET_DONE; i++)
    net_handle_event (self, g_ptr_array_index (events, i));
  g_ptr_array_unref (events);

  if (self->state == NET_DONE)
    return;
  if (gst_stt_adapter_is_finished (self->adapter)) {
    GST_DEBUG_OBJECT (self->owner, "last reply received");
    net_finish (self);
    return;
  }
  /* A reply may be what a backend waited for before more audio. */
  net_pump (self);
}

static void
on_ws_error (SoupWebsocketConnection * conn, GError * error,
    gpointer user_data)
{
  GstSttSession *self = user_data;

  GST_DEBUG_OBJECT (self->owner, "WebSocket error: %s", error->message);
  /* libsoup itself refuses text that is not UTF-8 and messages over
   * MAX_INCOMING_PAYLOAD, and closes the session: a message the service
   * sent and the element never saw, to count like any unreadable one. */
  if (error->domain == SOUP_WEBSOCKET_ERROR &&
      (error->code == SOUP_WEBSOCKET_CLOSE_BAD_DATA ||
          error->code == SOUP_WEBSOCKET_CLOSE_TOO_BIG) &&
      self->unreadable == NULL) {
    self->unreadable = g_strdup (error->code == SOUP_WEBSOCKET_CLOSE_BAD_DATA
        ? "text that is not UTF-8" : "a message over 16 MB");
    g_mutex_lock (&self->lock);
    self->messages_received++;
    self->messages_skipped++;
    g_mutex_unlock (&self->lock);
  }
}

/* A session that lived this long before an unreadable message broke it
 * does not count towards giving up. */
#define UNREADABLE_FORGIVEN_US (30 * G_TIME_SPAN_SECOND)

/* The session died of a message libsoup could not take (on_ws_error).
 * Reconnecting skips it; a service that sends such a message again soon
 * after (one that sends one in every session) would make that a loop of
 * reconnections: the second session in a row lost so is fatal. */
static void
net_lost_to_unreadable (GstSttSession * self)
{
  const GstSttBackendInfo *info = gst_stt_adapter_get_info (self->adapter);
  gchar *what = self->unreadable, *reason;

  self->unreadable = NULL;
  reason = g_strdup_printf ("the service sent %s", what);
  if (session_now (self) - self->opened_us >= UNREADABLE_FORGIVEN_US)
    self->unreadable_sessions = 0;
  if (++self->unreadable_sessions >= 2) {
    NET_ERROR (self, reason, STREAM, DECODE,
        ("%s sent %s, which cannot be read, again after reconnecting: "
            "giving up.", info->title, what),
        ("url: %s; %u sessions lost so", gst_stt_adapter_get_request
            (self->adapter)->display_url, self->unreadable_sessions));
  } else {
    SESSION_WARNING (self, STREAM, DECODE,
        ("%s sent %s, which cannot be read and ends the session: skipped "
            "(messages-skipped), reconnecting.", info->title, what),
        ("url: %s", gst_stt_adapter_get_request (self->adapter)->display_url));
    net_schedule_reconnect (self, reason);
  }
  g_free (reason);
  g_free (what);
}

static void
on_ws_closed (SoupWebsocketConnection * conn, gpointer user_data)
{
  GstSttSession *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (conn);
  const gchar *data = soup_websocket_connection_get_close_data (conn);
  gboolean fatal = FALSE, stopping;
  gchar *reason;

  g_mutex_lock (&self->lock);
  stopping = self->stopping;
  g_mutex_unlock (&self->lock);

  g_object_ref (conn);
  net_drop_connection (self, SOUP_WEBSOCKET_CLOSE_NORMAL);
  if (stopping) {
    g_object_unref (conn);
    net_leave_if_idle (self);
    return;
  }

  reason = gst_stt_adapter_describe_close (self->adapter, code, data, &fatal);
  GST_INFO_OBJECT (self->owner, "connection closed in state %s: %s",
      state_name (self->state, FALSE), reason);

  if (self->unreadable != NULL &&
      (self->state == NET_OPEN || self->state == NET_FINISHING)) {
    net_lost_to_unreadable (self);
    g_free (reason);
    g_object_unref (conn);
    return;
  }

  /* After end-of-stream, a normal close is the service saying it is done:
   * everything it had to say came before. */
  if (self->state == NET_FINISHING &&
      (code == SOUP_WEBSOCKET_CLOSE_NORMAL ||
          gst_stt_adapter_is_finished (self->adapter))) {
    net_finish (self);
  } else if ((self->state == NET_OPEN || self->state == NET_FINISHING) &&
      gst_stt_adapter_close_is_auth (self->adapter, code)) {
    const GstSttBackendInfo *info = gst_stt_adapter_get_info (self->adapter);

    NET_ERROR (self, reason, RESOURCE, NOT_AUTHORIZED,
        ("%s authentication failed: check api-key%s%s.", info->title,
            info->key_env ? " or " : "", info->key_env ? info->key_env : ""),
        ("%s closed the session: %s",
            gst_stt_adapter_get_request (self->adapter)->display_url,
            reason));
  } else if (self->state == NET_OPEN || self->state == NET_FINISHING) {
    if (fatal) {
      NET_ERROR (self, reason, RESOURCE, WRITE,
          ("%s closed the session: %s.",
              gst_stt_backend_get_info (self->config.backend)->title,
              reason), ("url: %s",
              gst_stt_adapter_get_request (self->adapter)->display_url));
    } else {
      SESSION_WARNING (self, RESOURCE, WRITE,
          ("Lost the connection to %s: %s; reconnecting.",
              gst_stt_adapter_get_request (self->adapter)->display_url,
              reason), (NULL));
      net_schedule_reconnect (self, reason);
    }
  }

  g_free (reason);
  g_object_unref (conn);
}

static gboolean
on_writable (GObject * stream, gpointer user_data)
{
  GstSttSession *self = user_data;

  net_clear_source (&self->writable_source);
  net_pump (self);
  return G_SOURCE_REMOVE;
}

/* Whether the socket takes more data now. When it does not, libsoup's
 * own queue is not empty either: more audio would only pile up there,
 * unbounded, instead of in the element's bounded queue. */
static gboolean
net_writable (GstSttSession * self)
{
  GIOStream *io = soup_websocket_connection_get_io_stream (self->conn);
  GOutputStream *out = g_io_stream_get_output_stream (io);
  GPollableOutputStream *pollable;

  if (!G_IS_POLLABLE_OUTPUT_STREAM (out))
    return TRUE;
  pollable = G_POLLABLE_OUTPUT_STREAM (out);
  if (!g_pollable_output_stream_can_poll (pollable) ||
      g_pollable_output_stream_is_writable (pollable))
    return TRUE;

  if (self->writable_source == NULL) {
    self->writable_source = g_pollable_output_stream_create_source (pollable,
        NULL);
    g_source_set_callback (self->writable_source, G_SOURCE_FUNC (on_writable),
        self, NULL);
    g_source_attach (self->writable_source, self->context);
  }
  return FALSE;
}

/* How many of @unsent frames the next frame takes: a chunk, or at the end
 * of the stream what is left. A backend that refuses short frames
 * (AssemblyAI) never gets a short tail: it goes with the chunk before it
 * when that fits, else it is padded (net_pump). */
static guint64
net_chunk_size (GstSttSession * self, guint64 unsent, gboolean eos)
{
  const GstSttBackendInfo *info = gst_stt_adapter_get_info (self->adapter);
  guint64 n = MIN (unsent, self->net_chunk);
  guint64 min_frames, max_frames;

  if (!eos || !info->strict_chunks || n == unsent)
    return n;
  min_frames = gst_util_uint64_scale_int (info->min_chunk_ms, self->net_rate,
      1000);
  max_frames = MIN (self->send_buf_frames,
      gst_util_uint64_scale_int (info->max_chunk_ms, self->net_rate, 1000));
  if (unsent - n < min_frames && unsent <= max_frames)
    return unsent;
  return n;
}

/* Takes the next frame out of the queue into send_buf. At EOS the tail
 * goes out even if shorter than a chunk. Returns the frames taken. */
static guint
net_take_chunk (GstSttSession * self, guint64 * pos, gboolean * eos)
{
  GstAsFrameRingRead info;
  guint64 unsent, n = 0;
  gboolean at_eos;

  g_mutex_lock (&self->lock);
  at_eos = self->eos;
  g_mutex_unlock (&self->lock);

  unsent = gst_as_frame_ring_unsent (&self->front.ring);
  /* too little: the write that brings a chunk wakes the thread (checked
   * again after arming, so that no write is missed) */
  if (unsent < self->net_chunk && !at_eos &&
      gst_as_sink_front_arm_wake (&self->front, self->net_chunk))
    unsent = gst_as_frame_ring_unsent (&self->front.ring);
  if (unsent >= self->net_chunk || (at_eos && unsent > 0)) {
    n = net_chunk_size (self, unsent, at_eos);
    /* Sent from here on: if the send fails, the replay covers it. */
    n = gst_as_sink_front_read (&self->front, self->send_buf, n, &info);
    *pos = info.pos;
    if (info.history_lost > 0) {
      g_mutex_lock (&self->lock);
      self->frames_unreplayed += info.history_lost;
      g_mutex_unlock (&self->lock);
    }
  }
  *eos = at_eos && gst_as_frame_ring_unsent (&self->front.ring) == 0;
  return (guint) n;
}

/* Whether a chunk is ready to go (without taking it). */
static gboolean
net_chunk_ready (GstSttSession * self)
{
  guint64 unsent;
  gboolean eos;

  g_mutex_lock (&self->lock);
  eos = self->eos;
  g_mutex_unlock (&self->lock);
  unsent = gst_as_frame_ring_unsent (&self->front.ring);
  return unsent >= self->net_chunk || (eos && unsent > 0);
}

static gboolean
on_pace (gpointer user_data)
{
  GstSttSession *self = user_data;

  net_clear_source (&self->pace_source);
  net_pump (self);
  return G_SOURCE_REMOVE;
}

static GstClockTime
net_now (void)
{
  return (GstClockTime) g_get_monotonic_time () * GST_USECOND;
}

/* Whether pacing lets the next chunk go now; if not, the pump runs again
 * when it does. */
static gboolean
net_pace_allows (GstSttSession * self)
{
  GstClockTime now, when;

  if (self->pace_speed <= 0)
    return TRUE;
  if (self->pace_source != NULL)
    return FALSE;
  now = net_now ();
  when = gst_as_pacer_next_send_time (&self->pacer, self->net_chunk);
  if (when <= now)
    return TRUE;
  self->pace_source = net_add_timeout (self,
      (guint) MAX (1, (when - now + GST_MSECOND - 1) / GST_MSECOND), on_pace);
  return FALSE;
}

/* A stream shorter than the shortest frame a backend takes (AssemblyAI:
 * 50 ms) gets silence after its end, which moves no time. Returns the
 * frames that go on the wire. */
static guint
net_pad_short_frame (GstSttSession * self, guint frames)
{
  const GstSttBackendInfo *info = gst_stt_adapter_get_info (self->adapter);
  guint min_frames;

  if (!info->strict_chunks)
    return frames;
  min_frames = gst_util_uint64_scale_int (info->min_chunk_ms, self->net_rate,
      1000);
  if (frames >= min_frames || min_frames > self->send_buf_frames)
    return frames;
  memset (self->send_buf + (gsize) frames * self->net_bpf, 0,
      (gsize) (min_frames - frames) * self->net_bpf);
  return min_frames;
}

/* Sends what is due, as long as the socket and the backend take it; at the
 * end of the stream, the backend's end-of-stream message. */
static void
net_pump (GstSttSession * self)
{
  while (self->state == NET_OPEN && net_can_send (self)) {
    guint64 pos = 0;
    gboolean eos, is_text;
    guint frames;
    GBytes *frame;
    gchar *text;

    if (!gst_stt_adapter_may_send_audio (self->adapter) ||
        !net_writable (self))
      return;
    if (net_chunk_ready (self) && !net_pace_allows (self))
      return;

    frames = net_take_chunk (self, &pos, &eos);
    if (frames > 0) {
      guint wire = net_pad_short_frame (self, frames);

      if (self->pace_speed > 0)
        gst_as_pacer_sent (&self->pacer, wire,
            gst_as_pacer_next_send_time (&self->pacer, self->net_chunk),
            net_now ());
      frame = gst_stt_adapter_frame_audio (self->adapter, self->send_buf,
          (gsize) wire * self->net_bpf, &is_text);
      soup_websocket_connection_send_message (self->conn,
          is_text ? SOUP_WEBSOCKET_DATA_TEXT : SOUP_WEBSOCKET_DATA_BINARY,
          frame);
      self->net_bytes_out += g_bytes_get_size (frame);
      g_bytes_unref (frame);
      gst_stt_session_map_sent (&self->session_map, pos, frames);
      /* a backend's own follow-up (OpenAI's commit without server VAD) */
      if ((text = gst_stt_adapter_after_audio_message (self->adapter))) {
        soup_websocket_connection_send_text (self->conn, text);
        g_free (text);
      }
      self->last_send_us = session_now (self);
      g_mutex_lock (&self->lock);
      self->bytes_sent += (guint64) wire * self->net_bpf;
      self->frames_sent += frames;
      g_mutex_unlock (&self->lock);
      continue;
    }

    if (eos) {
      text = gst_stt_adapter_eos_message (self->adapter);

      GST_DEBUG_OBJECT (self->owner, "all audio sent, end of stream");
      /* The state first: whatever the send leads to finds it finishing. */
      net_set_state (self, NET_FINISHING, FALSE, NULL);
      soup_websocket_connection_send_text (self->conn, text);
      g_free (text);
    }
    return;
  }
}

/* GIO says "Could not connect to HOST: REASON"; the element names the URL
 * itself, so keep only the reason. */
static const gchar *
connect_failure_reason (const GError * err)
{
  const gchar *sep;

  if (g_str_has_prefix (err->message, "Could not connect to ") &&
      (sep = strstr (err->message, ": ")) != NULL)
    return sep + 2;
  return err->message;
}

/* How long a refusal's Retry-After header asks to wait (seconds or an
 * HTTP date), within MAX_RETRY_AFTER_MS; else the next backoff. */
static guint
retry_after_ms (GstSttSession * self, SoupMessageHeaders * headers)
{
  const gchar *value = headers != NULL ?
      soup_message_headers_get_one (headers, "Retry-After") : NULL;
  guint backoff = gst_as_backoff_next_ms (&self->backoff);
  gint64 ms = -1;
  gchar *end = NULL;

  if (value != NULL) {
    guint64 secs = g_ascii_strtoull (value, &end, 10);

    if (end != value && *end == '\0') {
      ms = (gint64) MIN (secs, G_MAXINT64 / 1000) * 1000;
    } else {
      GDateTime *when = soup_date_time_new_from_http_string (value);

      if (when != NULL) {
        GDateTime *now = g_date_time_new_now_utc ();

        ms = g_date_time_difference (when, now) / 1000;
        g_date_time_unref (now);
        g_date_time_unref (when);
      }
    }
  }
  if (ms < 0)
    return backoff;
  return (guint) CLAMP (ms, MIN (self->backoff.min_ms, MAX_RETRY_AFTER_MS),
      MAX_RETRY_AFTER_MS);
}

/* The ERROR for a connection that could not be made, after @attempts
 * attempts in a row. */
static void
net_refused (GstSttSession * self, guint status, const gchar * reason,
    const GError * err, const gchar * detail, guint attempts)
{
  const GstSttBackendInfo *info = gst_stt_adapter_get_info (self->adapter);
  const GstSttRequest *req = gst_stt_adapter_get_request (self->adapter);
  gchar *gave_up = attempts > 1 ? g_strdup_printf ("; gave up after %u "
      "attempts in a row (max-reconnect-attempts)", attempts) : g_strdup ("");

  if (status >= 100)
    NET_ERROR (self, reason, RESOURCE, OPEN_WRITE,
        ("Could not open a %s session at %s: %s%s.", info->title,
            req->display_url, reason, gave_up),
        ("%s%s%s", err->message, detail ? "; " : "", detail ? detail : ""));
  else
    NET_ERROR (self, reason, RESOURCE, OPEN_WRITE,
        ("Could not connect to %s: %s%s.", req->display_url, reason,
            gave_up), ("%s", err->message));
  g_free (gave_up);
}

/* An attempt failed in a way that may pass (refused, timed out, a server
 * error): try again after the backoff, at the start as after a lost
 * session, up to max_reconnect_attempts times in a row (-1: for ever).
 * 0 means no retry for a first connection (it is the ERROR at once, as
 * before there was a retry), while a lost session still reconnects until
 * it opens again: a limit of 0 never turns a passing outage of a working
 * service into an ERROR. One WARNING when the first connection fails;
 * each attempt after that shows only in sttpushsink-session and the
 * connect-failures count (a WARNING per attempt would be a storm). Audio
 * keeps queuing meanwhile, within the queue's bound, for the session that
 * opens. */
static void
net_attempt_failed (GstSttSession * self, guint status, const gchar * reason,
    const GError * err, const gchar * detail)
{
  const GstSttRequest *req = gst_stt_adapter_get_request (self->adapter);
  gint limit = self->config.max_reconnect_attempts;
  guint wait_ms;

  self->failures++;
  g_free (self->last_failure);
  self->last_failure = g_strdup (reason);
  g_mutex_lock (&self->lock);
  self->connect_failures++;
  g_mutex_unlock (&self->lock);

  if (limit >= 0 && self->failures > (guint) limit &&
      (limit > 0 || !self->ever_opened)) {
    net_refused (self, status, reason, err, detail, self->failures);
    return;
  }

  wait_ms = gst_as_backoff_next_ms (&self->backoff);
  if (!self->ever_opened && self->failures == 1) {
    gchar *tries = limit < 0 ? g_strdup ("for ever") :
        g_strdup_printf ("%d more times", limit);

    SESSION_WARNING (self, RESOURCE, OPEN_WRITE,
        ("Could not connect to %s: %s; trying again in %.1f s, %s "
            "(max-reconnect-attempts).", req->display_url, reason,
            wait_ms / 1000.0, tries),
        ("%s%s%s", err->message, detail ? "; " : "", detail ? detail : ""));
    g_free (tries);
  }
  net_schedule_reconnect_in (self, reason, wait_ms);
}

/* How a refused handshake reads to a person, and what follows: the
 * ERROR, or another attempt. @status is the HTTP answer (0: none), with
 * its @headers if there are any. Never shows the key. */
static void
net_handshake_failed (GstSttSession * self, const GError * err, guint status,
    const gchar * phrase, SoupMessageHeaders * headers)
{
  const GstSttBackendInfo *info = gst_stt_adapter_get_info (self->adapter);
  const GstSttRequest *req = gst_stt_adapter_get_request (self->adapter);
  const gchar *detail = NULL;
  gchar *reason;

  if (info->error_header != NULL && headers != NULL)
    detail = soup_message_headers_get_one (headers, info->error_header);
  if (self->connect_timed_out)
    reason = g_strdup_printf ("no answer within %d s",
        CONNECT_TIMEOUT_MS / 1000);
  else if (status >= 100)
    reason = g_strdup_printf ("HTTP %u %s", status, phrase != NULL ? phrase :
        soup_status_get_phrase (status));
  else
    reason = g_strdup (connect_failure_reason (err));

  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN) {
    NET_ERROR (self, reason, RESOURCE, NOT_AUTHORIZED,
        ("%s authentication failed (HTTP %u): check api-key%s%s.",
            info->title, status, info->key_env ? " or " : "",
            info->key_env ? info->key_env : ""),
        ("handshake with %s refused: %s%s%s", req->display_url, reason,
            detail ? "; " : "", detail ? detail : ""));
    goto out;
  }

  /* Too many requests is the one answer that says "later", even to a
   * first attempt: wait as asked (bounded), and say so once in a row. */
  if (status == 429) {      /* Too Many Requests */
    guint wait_ms = retry_after_ms (self, headers);

    if (self->rate_limited++ == 0)
      SESSION_WARNING (self, RESOURCE, BUSY,
          ("%s is limiting requests (HTTP 429): trying again in %.1f s.",
              info->title, wait_ms / 1000.0),
          ("handshake with %s refused: %s%s%s", req->display_url, reason,
              detail ? "; " : "", detail ? detail : ""));
    net_schedule_reconnect_in (self, reason, wait_ms);
    goto out;
  }

  /* An answer that asking again will not change: the service refuses the
   * request itself (a 4xx other than timeouts and rate limits), or the
   * server is not what the url says (its certificate, or not TLS). */
  if ((status >= 400 && status < 500 && status != 408) ||
      g_error_matches (err, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) ||
      g_error_matches (err, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS)) {
    net_refused (self, status, reason, err, detail, 1);
    goto out;
  }

  net_attempt_failed (self, status, reason, err, detail);

out:
  g_free (reason);
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  GstSttSession *self = user_data;

  net_clear_source (&self->connect_timeout_source);
  self->connect_timed_out = TRUE;
  g_cancellable_cancel (self->connect_cancellable);
  return G_SOURCE_REMOVE;
}

/* The session is open: replay what was sent but never committed, then
 * stream. */
static void
net_session_opened (GstSttSession * self, SoupWebsocketConnection * conn)
{
  const GstSttRequest *req = gst_stt_adapter_get_request (self->adapter);
  const GstSttBackendInfo *info = gst_stt_adapter_get_info (self->adapter);
  guint64 replay, lost, keep_pos;

  self->conn = conn;
  soup_websocket_connection_set_max_incoming_payload_size (conn,
      MAX_INCOMING_PAYLOAD);
  /* pings only for services that need them (Speechmatics) */
  soup_websocket_connection_set_keepalive_interval (conn,
      info->ping_interval_s);
  g_signal_connect (conn, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (conn, "error", G_CALLBACK (on_ws_error), self);
  g_signal_connect (conn, "closed", G_CALLBACK (on_ws_closed), self);

  gst_stt_adapter_start_session (self->adapter);
  self->skipped_this_session = 0;
  g_clear_pointer (&self->unreadable, g_free);
  self->opened_us = session_now (self);

  /* What the lost session received but never committed is sent again,
   * from the queue's replay history. What the history no longer holds
   * (a live source filled the queue during a long outage) is gone: its
   * words may be missing, and it is counted. */
  /* past what a live writer overwrote meanwhile, counted by the ring */
  gst_as_frame_ring_skip_lost (&self->front.ring, NULL);
  keep_pos = gst_as_frame_ring_keep_pos (&self->front.ring);
  g_mutex_lock (&self->lock);
  lost = keep_pos > self->commit_pos ?
      gst_stt_session_map_sent_between (&self->session_map, self->commit_pos,
      keep_pos) : 0;
  replay = gst_as_frame_ring_replay (&self->front.ring);
  self->resume_pos = gst_as_frame_ring_send_pos (&self->front.ring);
  self->frames_replayed += replay;
  self->frames_unreplayed += lost;
  if (self->ever_opened)
    self->reconnects++;
  g_mutex_unlock (&self->lock);
  gst_stt_session_map_reset (&self->session_map);
  self->session_replayed = replay;
  self->session_lost = lost;
  if (replay > 0)
    GST_INFO_OBJECT (self->owner, "replaying %" G_GUINT64_FORMAT " uncommitted "
        "frames", replay);
  /* Once per episode (until a final); the total is unreplayed-ms. */
  if (lost > 0 && !self->lost_warned) {
    self->lost_warned = TRUE;
    SESSION_WARNING (self, RESOURCE, WRITE,
        ("%" G_GUINT64_FORMAT " ms of audio %s had received but not "
            "transcribed were no longer queued when the new session opened: "
            "their words may be missing (unreplayed-ms in stats; a longer "
            "queue-ms rides out longer outages).", pos_to_ms (self, lost),
            info->title), ("%" G_GUINT64_FORMAT " frames not replayed",
            lost));
  }

  if (self->pace_speed > 0) {
    /* a chunk ahead of real time from the start, never more */
    gst_as_pacer_init (&self->pacer,
        (guint) MAX (1.0, self->net_rate * self->pace_speed + 0.5), 100);
    gst_as_pacer_start (&self->pacer, net_now () -
        gst_util_uint64_scale_int (self->net_chunk, GST_SECOND,
            self->net_rate));
  }

  self->rate_limited = 0;
  self->failures = 0;
  g_clear_pointer (&self->last_failure, g_free);
  /* A service that opens sessions only to stop reading again waits ever
   * longer; it earns a short wait back with its next final. */
  if (self->ever_opened && self->stalls == 0)
    gst_as_backoff_reset (&self->backoff);
  self->ever_opened = TRUE;
  self->last_send_us = session_now (self);
  if (req->first_message != NULL && net_can_send (self))
    soup_websocket_connection_send_text (conn, req->first_message);

  if (gst_stt_adapter_get_info (self->adapter)->keepalive &&
      self->config.keepalive_interval_ms > 0)
    self->keepalive_tick = gst_stt_context_add_ticker (self->shared,
        KEEPALIVE_TICK_MS, on_keepalive_tick, self);
  self->progress_us = session_now (self);
  self->stall_tick = gst_stt_context_add_ticker (self->shared,
      CLAMP (self->config.send_timeout_ms / 4, 1, STALL_TICK_MAX_MS),
      on_stall_tick, self);

  net_set_state (self, NET_OPEN, FALSE, NULL);
  net_pump (self);
}

/* Keeps the session's TCP socket, to tell a service that stopped reading
 * from one that is only slow (on_stall_tick). */
static void
on_network_event (SoupMessage * msg, GSocketClientEvent event,
    GIOStream * connection, gpointer user_data)
{
  GstSttSession *self = user_data;

  if (event == G_SOCKET_CLIENT_CONNECTED &&
      G_IS_SOCKET_CONNECTION (connection))
    g_set_object (&self->socket,
        g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)));
}

static void
on_connected (GObject * source, GAsyncResult * result, gpointer user_data)
{
  ConnectLink *link = user_data;
  GstSttSession *self = link->self;
  SoupWebsocketConnection *conn;
  GError *err = NULL;
  gboolean stopping;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
      &err);
  g_free (link);
  if (self == NULL) {
    /* the session left meanwhile */
    g_clear_object (&conn);
    g_clear_error (&err);
    return;
  }
  self->link = NULL;
  net_clear_source (&self->connect_timeout_source);

  g_mutex_lock (&self->lock);
  stopping = self->stopping;
  g_mutex_unlock (&self->lock);

  if (stopping || self->state == NET_DONE) {
    g_clear_object (&conn);
  } else if (conn != NULL) {
    net_session_opened (self, conn);
  } else if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !self->connect_timed_out) {
    GST_DEBUG_OBJECT (self->owner, "connection attempt cancelled");
  } else {
    net_handshake_failed (self, err, soup_message_get_status (self->msg),
        soup_message_get_reason_phrase (self->msg),
        soup_message_get_response_headers (self->msg));
  }

  g_clear_error (&err);
  if (self->msg != NULL)
    g_signal_handlers_disconnect_by_data (self->msg, self);
  g_clear_object (&self->msg);
  g_clear_object (&self->connect_cancellable);
  if (stopping)
    net_leave_if_idle (self);
}

/* The pace audio goes at, in times real time (0: unpaced): the user's
 * limit, never above the service's own. */
static gdouble
effective_speed (gdouble user, gdouble service)
{
  if (user <= 0)
    return service;
  if (service <= 0)
    return user;
  return MIN (user, service);
}

/* Starts a connection attempt; the format is known. */
static void
net_connect (GstSttSession * self)
{
  const GstSttBackendInfo *info;
  const GstSttRequest *req;
  SoupMessageHeaders *headers;
  GError *err = NULL;
  guint i;

  if (self->adapter == NULL) {
    g_mutex_lock (&self->lock);
    self->net_rate = self->rate;
    self->net_bpf = self->bpf;
    self->net_chunk = self->chunk_frames;
    g_mutex_unlock (&self->lock);

    self->adapter = make_adapter (&self->config, self->net_rate,
        self->net_bpf / 2, &err);
    if (self->adapter == NULL)
      goto no_adapter;
    /* room for a chunk and a tail merged into it, or padded */
    info = gst_stt_adapter_get_info (self->adapter);
    self->send_buf_frames = MAX (self->net_chunk,
        gst_util_uint64_scale_int (info->max_chunk_ms, self->net_rate, 1000));
    self->send_buf = g_malloc ((gsize) self->send_buf_frames *
        self->net_bpf);
    self->pace_speed = effective_speed (self->config.max_speed,
        info->max_speed);
    GST_INFO_OBJECT (self->owner, "%s session at %s, %d Hz, %u channel(s), "
        "%u frames per chunk", gst_stt_adapter_get_info (self->adapter)->name,
        gst_stt_adapter_get_request (self->adapter)->display_url,
        self->net_rate, self->net_bpf / 2, self->net_chunk);
  }
  req = gst_stt_adapter_get_request (self->adapter);
  /* made here, on the shared thread: libsoup objects belong to the
   * context they were made in */
  if (self->session == NULL && self->connect_func == NULL)
    self->session = soup_session_new_with_options ("user-agent",
        "gst-audiostream/" VERSION " sttpushsink", NULL);

  self->msg = soup_message_new (SOUP_METHOD_GET, req->url);
  if (self->msg == NULL)
    goto bad_url;
  g_clear_object (&self->socket);
  g_signal_connect (self->msg, "network-event",
      G_CALLBACK (on_network_event), self);
  headers = soup_message_get_request_headers (self->msg);
  for (i = 0; i < req->headers->len; i++) {
    const GstSttHeader *h = &g_array_index (req->headers, GstSttHeader, i);

    soup_message_headers_replace (headers, h->name, h->value);
  }

  self->attempt++;
  self->connect_timed_out = FALSE;
  self->connect_cancellable = g_cancellable_new ();
  self->connect_timeout_source = net_add_timeout (self, CONNECT_TIMEOUT_MS,
      on_connect_timeout);
  net_set_state (self, NET_CONNECTING, FALSE, NULL);
  if (self->connect_func != NULL) {
    self->connect_func (self, req, self->connect_data);
    return;
  }
  self->link = g_new0 (ConnectLink, 1);
  self->link->self = self;
  soup_session_websocket_connect_async (self->session, self->msg, NULL, NULL,
      G_PRIORITY_DEFAULT, self->connect_cancellable, on_connected,
      self->link);
  return;

no_adapter:
  NET_ERROR (self, err->message, RESOURCE, SETTINGS,
      ("Cannot start a speech-to-text session: %s.", err->message), (NULL));
  g_error_free (err);
  return;

bad_url:
  NET_ERROR (self, "invalid url", RESOURCE, SETTINGS,
      ("Invalid url %s.", req->display_url), (NULL));
}

/* The streaming thread received EOS: bound the wait for the last reply. */
static void
net_begin_eos (GstSttSession * self, gboolean have_format)
{
  guint timeout_ms;

  self->eos_seen = TRUE;
  if (!have_format) {
    /* No audio ever came: nothing to transcribe. */
    net_finish (self);
    return;
  }
  if (self->config.finish_timeout_ms == 0) {
    if (self->ever_opened)
      net_finish (self);
    else
      net_fail_never_opened (self);
    return;
  }
  timeout_ms = self->config.finish_timeout_ms;
  if (self->pace_speed > 0 && self->net_rate > 0) {
    guint64 unsent;

    /* paced audio takes its time to go out: that is not the service's
     * delay */
    unsent = gst_as_frame_ring_unsent (&self->front.ring);
    timeout_ms += (guint) MIN (G_MAXUINT / 2, pos_to_ms (self, unsent) /
        self->pace_speed);
  }
  self->finish_source = net_add_timeout (self, timeout_ms,
      on_finish_timeout);
}

static gboolean
on_stop_timeout (gpointer user_data)
{
  GstSttSession *self = user_data;

  net_clear_source (&self->quit_source);
  net_leave (self);
  return G_SOURCE_REMOVE;
}

/* stop(): close politely, but do not wait for long. */
static void
net_shutdown (GstSttSession * self)
{
  if (self->quit_source != NULL)
    return;
  net_clear_source (&self->retry_source);
  net_clear_source (&self->finish_source);
  net_clear_ticker (self, &self->keepalive_tick);
  net_clear_source (&self->writable_source);
  net_clear_source (&self->pace_source);
  if (self->connect_cancellable != NULL)
    g_cancellable_cancel (self->connect_cancellable);
  if (self->conn != NULL &&
      soup_websocket_connection_get_state (self->conn) ==
      SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->conn,
        SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  self->quit_source = net_add_timeout (self, STOP_CLOSE_TIMEOUT_MS,
      on_stop_timeout);
  net_leave_if_idle (self);
}

/* Something changed on the streaming side: audio, format, EOS or stop. */
static gboolean
on_wake (gpointer user_data)
{
  GstSttSession *self = user_data;
  gboolean stopping, have_format, eos;

  g_mutex_lock (&self->lock);
  stopping = self->stopping;
  have_format = self->have_format;
  eos = self->eos;
  g_mutex_unlock (&self->lock);

  if (stopping) {
    net_shutdown (self);
    return G_SOURCE_CONTINUE;
  }
  /* Connect before looking at EOS: a short file can bring its format,
   * all its audio and EOS before this thread first runs. */
  if (self->state == NET_IDLE && have_format)
    net_connect (self);
  if (self->state == NET_DONE)
    return G_SOURCE_CONTINUE;
  if (eos && !self->eos_seen)
    net_begin_eos (self, have_format);
  if (self->state == NET_OPEN)
    net_pump (self);
  return G_SOURCE_CONTINUE;
}

/* Takes everything of the session off the shared context: after this, no
 * callback of it runs, and stop() returns. What libsoup still has to close
 * it closes on the context, with no handler of the session left. */
static void
net_leave (GstSttSession * self)
{
  gboolean left;

  g_mutex_lock (&self->lock);
  left = self->left;
  g_mutex_unlock (&self->lock);
  if (left)
    return;

  self->state = NET_DONE;
  g_source_destroy (self->wake);
  net_clear_source (&self->connect_timeout_source);
  net_clear_source (&self->retry_source);
  net_clear_source (&self->finish_source);
  net_clear_source (&self->quit_source);
  /* an attempt in flight completes into nothing */
  if (self->link != NULL)
    self->link->self = NULL;
  self->link = NULL;
  if (self->connect_cancellable != NULL)
    g_cancellable_cancel (self->connect_cancellable);
  g_clear_object (&self->connect_cancellable);
  if (self->msg != NULL)
    g_signal_handlers_disconnect_by_data (self->msg, self);
  g_clear_object (&self->msg);
  net_drop_connection (self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_pointer (&self->unreadable, g_free);

  /* last: stop() may free the session as soon as it sees this */
  g_mutex_lock (&self->lock);
  self->left = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                                */

static void
config_clear (GstSttSessionConfig * c)
{
  g_free ((gchar *) c->url);
  gst_stt_free_secret ((gchar *) c->api_key);
  g_free ((gchar *) c->language);
  g_free ((gchar *) c->model);
  g_free ((gchar *) c->extra);
  g_free ((gchar *) c->vocabulary);
  memset (c, 0, sizeof (*c));
}

/**
 * gst_stt_session_new:
 * @owner: (nullable): the element, for the debug log
 *
 * A session with @config, idle until started and given a format.
 */
GstSttSession *
gst_stt_session_new (const GstSttSessionConfig * config, GstObject * owner,
    const GstSttSessionCallbacks * cb, gpointer user_data)
{
  static gsize debug_once = 0;
  GstSttSession *self = g_new0 (GstSttSession, 1);

  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (stt_session_debug, "sttpushsink", 0,
        "Streaming speech-to-text sink");
    g_once_init_leave (&debug_once, 1);
  }
  self->owner = owner;
  self->cb = *cb;
  self->user_data = user_data;
  self->config = *config;
  self->config.url = g_strdup (config->url);
  self->config.api_key = g_strdup (config->api_key);
  self->config.language = g_strdup (config->language);
  self->config.model = g_strdup (config->model);
  self->config.extra = g_strdup (config->extra);
  self->config.vocabulary = g_strdup (config->vocabulary);

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->session_state = "idle";
  self->send_timeout_us = (gint64) config->send_timeout_ms * 1000;
  /* the element, for the front's latency query and log lines */
  gst_as_sink_front_init (&self->front, GST_IS_BASE_SINK (owner) ?
      GST_BASE_SINK (owner) : NULL, front_wake, self);
  gst_as_sink_front_reset (&self->front);
  self->state = NET_IDLE;
  /* a first connection that fails waits as a lost one does */
  gst_as_backoff_init (&self->backoff, config->reconnect_min_ms ?
      config->reconnect_min_ms : RECONNECT_MIN_MS, config->reconnect_max_ms ?
      config->reconnect_max_ms : RECONNECT_MAX_MS,
      GST_AS_BACKOFF_DEFAULT_JITTER, g_random_int ());
  gst_as_rate_limit_init (&self->error_limit, SERVICE_ERRORS_PER_SECOND);
  gst_stt_session_map_init (&self->session_map);
  gst_stt_speaker_tracker_init (&self->speakers);
  return self;
}

void
gst_stt_session_free (GstSttSession * self)
{
  if (self == NULL)
    return;
  gst_stt_session_stop (self);
  gst_as_backoff_clear (&self->backoff);
  g_free (self->last_failure);
  g_clear_pointer (&self->adapter, gst_stt_adapter_free);
  g_clear_pointer (&self->send_buf, g_free);
  gst_as_sink_front_clear (&self->front);
  gst_stt_session_map_clear (&self->session_map);
  gst_stt_speaker_tracker_clear (&self->speakers);
  config_clear (&self->config);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

/**
 * gst_stt_session_set_connect_func:
 *
 * Replaces libsoup's handshake over the network (unit tests). Call before
 * gst_stt_session_start().
 */
void
gst_stt_session_set_connect_func (GstSttSession * self,
    GstSttSessionConnectFunc func, gpointer user_data)
{
  self->connect_func = func;
  self->connect_data = user_data;
}

/**
 * gst_stt_session_set_clock:
 *
 * Replaces the monotonic clock (µs) the session thread decides keep-alives
 * and stalls by (unit tests). Call before gst_stt_session_start().
 */
void
gst_stt_session_set_clock (GstSttSession * self, GstSttSessionClockFunc func,
    gpointer user_data)
{
  self->clock_func = func;
  self->clock_data = user_data;
}

GMainContext *
gst_stt_session_get_context (GstSttSession * self)
{
  return self->context;
}

/**
 * gst_stt_session_connected:
 * @conn: (transfer full): the open WebSocket
 *
 * What a #GstSttSessionConnectFunc calls, on the session thread, once its
 * connection is open.
 */
void
gst_stt_session_connected (GstSttSession * self,
    SoupWebsocketConnection * conn)
{
  net_clear_source (&self->connect_timeout_source);
  g_clear_object (&self->msg);
  g_clear_object (&self->connect_cancellable);
  if (self->state == NET_DONE) {
    g_object_unref (conn);
    return;
  }
  net_session_opened (self, conn);
}

/**
 * gst_stt_session_start:
 *
 * Joins the process's shared STT thread (stt-context.h), starting it if
 * this is the first session; the session connects once it has a format.
 */
/**
 * gst_stt_session_connect_failed:
 * @status: the HTTP status of the refusal, or 0 (no answer: @error says
 *   why, as GIO would, "Could not connect to HOST: REASON")
 *
 * What a #GstSttSessionConnectFunc calls, on the session thread, when its
 * connection could not be made: the session reacts as to a failed
 * handshake (retry, or the ERROR).
 */
void
gst_stt_session_connect_failed (GstSttSession * self, guint status,
    const GError * error)
{
  net_clear_source (&self->connect_timeout_source);
  if (self->state != NET_DONE)
    net_handshake_failed (self, error, status, NULL, NULL);
  g_clear_object (&self->msg);
  g_clear_object (&self->connect_cancellable);
}

gboolean
gst_stt_session_start (GstSttSession * self, GError ** error)
{
  self->shared = gst_stt_context_acquire (error);
  if (self->shared == NULL)
    return FALSE;
  self->context = gst_stt_context_get_main_context (self->shared);
  self->wake = g_source_new (&wake_funcs, sizeof (GSource));
  g_source_set_static_name (self->wake, "sttpushsink wake");
  g_source_set_callback (self->wake, on_wake, self, NULL);
  /* catch up with anything that happened before the source was there */
  g_source_set_ready_time (self->wake, 0);
  g_source_attach (self->wake, self->context);
  return TRUE;
}

/**
 * gst_stt_session_stop:
 *
 * Closes the connection (politely, but without waiting long) and takes the
 * session off the shared thread, which goes on serving the others. When
 * this returns, no callback of the session runs any more. Called on the
 * shared thread itself (from a callback of another session), it closes
 * without waiting for the peer.
 */
void
gst_stt_session_stop (GstSttSession * self)
{
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  /* a waiting write() returns */
  gst_as_sink_front_stop_worker (&self->front);

  if (self->shared != NULL) {
    if (gst_stt_context_is_current (self->shared)) {
      net_leave (self);
    } else {
      gst_stt_context_hurry (self->shared, TRUE);
      wake_thread (self);
      g_mutex_lock (&self->lock);
      while (!self->left)
        g_cond_wait (&self->cond, &self->lock);
      g_mutex_unlock (&self->lock);
      gst_stt_context_hurry (self->shared, FALSE);
    }
    g_clear_pointer (&self->wake, g_source_unref);
    self->context = NULL;
    g_clear_pointer (&self->shared, gst_stt_context_release);
  }

  g_mutex_lock (&self->lock);
  self->session_state = "stopped";
  g_mutex_unlock (&self->lock);
}

/* ------------------------------------------------------------------------ */
/* The streaming thread                                                      */

/**
 * gst_stt_session_set_format:
 *
 * The audio format, once: the session connects when it knows it. Returns
 * FALSE for a different format once one is set (a session cannot change
 * its format).
 */
gboolean
gst_stt_session_set_format (GstSttSession * self, gint rate, guint bpf,
    guint chunk_frames, guint64 capacity_frames)
{
  g_mutex_lock (&self->lock);
  if (self->have_format) {
    gboolean same = self->rate == rate && self->bpf == bpf;

    g_mutex_unlock (&self->lock);
    return same;
  }
  /* the thread reads the ring only once have_format is set */
  gst_as_sink_front_set_format (&self->front, rate, bpf, capacity_frames);
  /* A non-live write waits for room as long as the service takes audio,
   * and leaves half the ring for the replay of audio the service took
   * but has not transcribed yet: a stalled service loses none of it.
   * When nothing has left the ring for twice send-timeout-ms (the service
   * stopped reading, and reconnecting did not help), waiting any longer
   * would hold the pipeline hostage: an EOS or a state change sent to the
   * source waits for the streaming thread. The oldest unsent audio is
   * then lost instead, counted, and write() warns once. */
  gst_as_sink_front_set_hold (&self->front,
      2 * self->send_timeout_us * GST_USECOND, capacity_frames / 2);
  gst_stt_clock_map_reset (&self->clock_map, rate);
  self->rate = rate;
  self->bpf = bpf;
  self->chunk_frames = chunk_frames;
  self->have_format = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  wake_thread (self);
  return TRUE;
}

gboolean
gst_stt_session_has_format (GstSttSession * self)
{
  gboolean have;

  g_mutex_lock (&self->lock);
  have = self->have_format;
  g_mutex_unlock (&self->lock);
  return have;
}

/**
 * gst_stt_session_upstream_live:
 *
 * Whether upstream is live, asked once (a latency query through the
 * element the session was made for) and then remembered: a live source
 * keeps capturing whatever happens, so a full ring drops the oldest
 * audio; a file waits.
 */
gboolean
gst_stt_session_upstream_live (GstSttSession * self)
{
  gboolean known;
  gboolean live = gst_as_sink_front_is_live (&self->front, &known);

  if (G_UNLIKELY (!known))
    live = gst_as_sink_front_detect_live (&self->front);
  return live;
}

/**
 * gst_stt_session_write:
 * @live: whether upstream is live: then the oldest unsent audio makes
 *   room; else the call waits for room (bounded, see
 *   gst_stt_session_set_format())
 * @running_time: of the first frame, or GST_CLOCK_TIME_NONE
 *
 * Queues whole frames of @data for the session thread. Takes no lock the
 * session thread holds across anything but a few loads and stores.
 */
GstFlowReturn
gst_stt_session_write (GstSttSession * self, const guint8 * data, gsize size,
    gboolean live, GstClockTime running_time)
{
  GstFlowReturn ret;
  gboolean gave_up = FALSE;

  g_mutex_lock (&self->lock);
  if (G_UNLIKELY (!self->have_format))
    goto not_negotiated;
  if (G_UNLIKELY (self->failed))
    goto failed;
  gst_stt_clock_map_record (&self->clock_map,
      gst_as_frame_ring_write_pos (&self->front.ring), running_time);
  g_mutex_unlock (&self->lock);

  gst_as_sink_front_set_live (&self->front, live);
  ret = gst_as_sink_front_render_full (&self->front, data, size, &gave_up);
  if (gave_up)
    SESSION_WARNING (self, RESOURCE, WRITE,
        ("The service took no audio for %" G_GINT64_FORMAT " ms: the "
            "oldest queued audio is dropped (dropped-ms in stats) until it "
            "reads again.", self->send_timeout_us / 500),
        ("twice send-timeout-ms without progress; upstream is not live"));
  return ret;

not_negotiated:
  g_mutex_unlock (&self->lock);
  return GST_FLOW_NOT_NEGOTIATED;

failed:
  g_mutex_unlock (&self->lock);
  return GST_FLOW_ERROR;
}

/**
 * gst_stt_session_finish:
 *
 * At EOS: sends what is queued and the backend's end-of-stream message,
 * and blocks until every final of the stream is posted, or there is no
 * point waiting any more (failure, unlock, stop). The session thread
 * bounds the wait by finish-timeout-ms.
 */
GstSttFinishResult
gst_stt_session_finish (GstSttSession * self)
{
  GstSttFinishResult result;

  g_mutex_lock (&self->lock);
  self->eos = TRUE;
  g_mutex_unlock (&self->lock);
  wake_thread (self);

  g_mutex_lock (&self->lock);
  while (!self->finished && !self->failed && !self->flushing &&
      !self->stopping)
    g_cond_wait (&self->cond, &self->lock);
  if (self->failed)
    result = GST_STT_FINISH_FAILED;
  else if (self->finished)
    result = GST_STT_FINISH_DONE;
  else
    result = GST_STT_FINISH_INTERRUPTED;
  g_mutex_unlock (&self->lock);
  return result;
}

/* What was queued belongs to the old position (FLUSH_STOP). */
void
gst_stt_session_flush (GstSttSession * self)
{
  guint64 pos = gst_as_sink_front_flush (&self->front);

  g_mutex_lock (&self->lock);
  if (self->have_format) {
    /* flushed on purpose: not a loss if a session drops */
    self->commit_pos = pos;
  }
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* Releases a waiting write() or finish(), until unlock_stop(). */
void
gst_stt_session_unlock (GstSttSession * self)
{
  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  gst_as_sink_front_unlock (&self->front);
}

void
gst_stt_session_unlock_stop (GstSttSession * self)
{
  g_mutex_lock (&self->lock);
  self->flushing = FALSE;
  g_mutex_unlock (&self->lock);
  gst_as_sink_front_unlock_stop (&self->front);
}

void
gst_stt_session_get_stats (GstSttSession * self, GstSttSessionStats * stats)
{
  GstAsFrameRingStats ring;

  memset (&ring, 0, sizeof (ring));
  if (g_atomic_int_get (&self->front.configured))
    gst_as_frame_ring_get_stats (&self->front.ring, &ring);
  g_mutex_lock (&self->lock);
  stats->state = self->session_state;
  stats->rate = self->rate;
  stats->bytes_sent = self->bytes_sent;
  stats->frames_sent = self->frames_sent;
  stats->frames_replayed = self->frames_replayed;
  stats->frames_unreplayed = self->frames_unreplayed;
  stats->frames_queued = ring.unsent;
  stats->frames_dropped = ring.dropped;
  stats->overflows = ring.overflows;
  stats->messages_received = self->messages_received;
  stats->messages_skipped = self->messages_skipped;
  stats->partials = self->partials;
  stats->finals = self->finals;
  stats->reconnects = self->reconnects;
  stats->keepalives = self->keepalives;
  stats->connect_failures = self->connect_failures;
  g_mutex_unlock (&self->lock);
}

/**
 * gst_stt_session_stats_to_structure:
 * @transcript_entries: the element's count of transcript-file entries
 *
 * sttpushsink-stats, as the element's `stats` property shows it.
 */
GstStructure *
gst_stt_session_stats_to_structure (const GstSttSessionStats * st,
    guint64 transcript_entries)
{
  gint rate = st->rate;

  return gst_structure_new ("sttpushsink-stats",
      "state", G_TYPE_STRING, st->state,
      "bytes-sent", G_TYPE_UINT64, st->bytes_sent,
      "audio-sent-ms", G_TYPE_UINT64,
      gst_as_frames_to_ms (st->frames_sent, rate),
      "audio-replayed-ms", G_TYPE_UINT64,
      gst_as_frames_to_ms (st->frames_replayed, rate),
      "unreplayed-ms", G_TYPE_UINT64,
      gst_as_frames_to_ms (st->frames_unreplayed, rate),
      "queue-level-ms", G_TYPE_UINT64,
      gst_as_frames_to_ms (st->frames_queued, rate),
      "dropped-ms", G_TYPE_UINT64,
      gst_as_frames_to_ms (st->frames_dropped, rate),
      "overflows", G_TYPE_UINT64, st->overflows,
      "messages-received", G_TYPE_UINT64, st->messages_received,
      "messages-skipped", G_TYPE_UINT64, st->messages_skipped,
      "partials", G_TYPE_UINT64, st->partials,
      "finals", G_TYPE_UINT64, st->finals,
      "reconnects", G_TYPE_UINT64, st->reconnects,
      "keepalives-sent", G_TYPE_UINT64, st->keepalives,
      "connect-failures", G_TYPE_UINT64, st->connect_failures,
      "transcript-entries", G_TYPE_UINT64, transcript_entries, NULL);
}
