/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-sttpushsink
 * @title: sttpushsink
 *
 * Streams raw S16LE audio over a WebSocket to a streaming speech-to-text
 * service and posts what it hears on the bus as element messages:
 * `sttpushsink-partial` for interim hypotheses, `sttpushsink-final` for
 * committed text, `sttpushsink-speaker-turn`, `sttpushsink-utterance-end`,
 * `sttpushsink-metadata` and `sttpushsink-session`. Times are milliseconds
 * from the start of the stream, plus `running-time` in nanoseconds.
 *
 * The `backend` property picks the protocol: `deepgram` (Deepgram's
 * /v1/listen), `assemblyai` (AssemblyAI Universal Streaming v3),
 * `speechmatics` (Speechmatics real-time v2), `openai` (OpenAI Realtime,
 * transcription sessions: 24 kHz mono only, so put audioresample before
 * it) or `vosk` (a Vosk server, or the project's offline reference
 * server). The sink pad accepts the rates and channel counts the backend
 * does; the read-only `capabilities` property says what it supports.
 *
 * Keys come from `api-key` or the backend's environment variable
 * (`DEEPGRAM_API_KEY` …). The property is write-only and the key never
 * appears in logs, messages or gst-inspect output. A key is required for a
 * cloud endpoint, not when `url` points elsewhere (a self-hosted service).
 *
 * `render()` only copies audio into a bounded queue of `queue-ms`; a
 * thread of the element with its own GMainContext owns the WebSocket and
 * sends `chunk-ms` frames as they fill. A non-live upstream (a file) waits
 * when the queue is full; a live one never waits: its oldest unsent audio
 * is dropped and counted (`stats`). Audio sent but not yet committed by a
 * final stays in the queue: when the connection drops, the element
 * reconnects with backoff and replays it, so transcripts continue on one
 * timeline without a gap. A refused key (HTTP 401/403, or the service's
 * own way of saying so) is fatal; HTTP 429 waits as Retry-After asks (at
 * most 60 s) and tries again. A service that takes no audio for
 * `send-timeout-ms` while audio waits counts as gone: the element warns,
 * reconnects and replays. A non-live upstream waits for room at most
 * twice that long, then loses its oldest queued audio (counted) rather
 * than hold the pipeline. A key never goes over plain ws:// to another
 * machine.
 *
 * Audio goes out as fast as the service reads it, except to services that
 * refuse audio faster than real time (AssemblyAI): a file is then paced to
 * real time. `max-speed` sets a limit of its own.
 *
 * `transcript-location` writes every final to a file as well, as JSON
 * Lines, WebVTT or SubRip (`transcript-format`, or the file's extension),
 * each one as it arrives; the file is complete when EOS is posted.
 *
 * At EOS the element sends the backend's end-of-stream message, waits for
 * its last reply (at most `finish-timeout-ms` from EOS), posts every final,
 * and only then lets EOS through: an application that waits for EOS has
 * every final.
 *
 * docs/sttpushsink.md and docs/messages.md describe every message field.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m filesrc location=speech.wav ! wavparse ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=16000,channels=1 ! sttpushsink backend=vosk url=ws://127.0.0.1:2700
 * ]| Transcribes a file with a local Vosk-protocol server (such as the
 * project's pocketsphinx reference server) and prints every transcript
 * message as it arrives.
 *
 * |[
 * DEEPGRAM_API_KEY=… gst-launch-1.0 -m autoaudiosrc ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=16000,channels=1 ! sttpushsink backend=deepgram language=en diarize=true
 * ]| Live captions from the microphone with Deepgram, speakers labelled.
 *
 * |[
 * OPENAI_API_KEY=… gst-launch-1.0 filesrc location=talk.wav ! wavparse ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=24000,channels=1 ! sttpushsink backend=openai transcript-location=talk.vtt
 * ]| Subtitles for a recording with OpenAI, written to talk.vtt.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gststtpushsink.h"

#include <gst/audio/audio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#ifdef __linux__
#include <sys/ioctl.h>
#include <linux/sockios.h>
#endif

#include "audiostream/backoff.h"
#include "audiostream/pacer.h"
#include "audiostream/ratelimit.h"
#include "audiostream/tcpinfo.h"
#include "stt-backend.h"
#include "stt-queue.h"
#include "stt-timeline.h"
#include "stt-transcript.h"

GST_DEBUG_CATEGORY_STATIC (gst_stt_push_sink_debug);
#define GST_CAT_DEFAULT gst_stt_push_sink_debug

#define DEFAULT_BACKEND GST_STT_BACKEND_DEEPGRAM
#define DEFAULT_URL NULL
#define DEFAULT_API_KEY NULL
#define DEFAULT_LANGUAGE NULL
#define DEFAULT_MODEL NULL
#define DEFAULT_DIARIZE FALSE
#define DEFAULT_INTERIM_RESULTS TRUE
#define DEFAULT_CHUNK_MS 100
#define DEFAULT_EXTRA NULL
#define DEFAULT_FINISH_TIMEOUT_MS 10000
#define DEFAULT_KEEPALIVE_INTERVAL_MS 4000
#define DEFAULT_SEND_TIMEOUT_MS 5000
#define DEFAULT_QUEUE_MS 20000
#define DEFAULT_MAX_SPEED 0.0
#define DEFAULT_TRANSCRIPT_LOCATION NULL
#define DEFAULT_TRANSCRIPT_FORMAT GST_STT_TRANSCRIPT_AUTO

#define MIN_CHUNK_MS 10
#define MAX_CHUNK_MS 1000
#define MIN_QUEUE_MS 1000
#define MAX_QUEUE_MS 600000
#define MAX_MAX_SPEED 100.0

/* Above GST_STT_MAX_MESSAGE_SIZE a message is counted and skipped; this is
 * only libsoup's hard limit, beyond which it closes the connection. */
#define MAX_INCOMING_PAYLOAD (16 * 1024 * 1024)
#define CONNECT_TIMEOUT_MS 15000
/* the longest a Retry-After (HTTP 429) makes the element wait */
#define MAX_RETRY_AFTER_MS 60000
#define RECONNECT_MIN_MS 500
#define RECONNECT_MAX_MS 10000
#define KEEPALIVE_TICK_MS 250
/* how often an open session checks that the service still reads */
#define STALL_TICK_MAX_MS 250
#define SERVICE_ERRORS_PER_SECOND 1.0
/* stop(): how long the close handshake may take before the thread leaves */
#define STOP_CLOSE_TIMEOUT_MS 500

#define SINK_CAPS \
  "audio/x-raw, format = (string) S16LE, layout = (string) interleaved, " \
  "rate = (int) [ 8000, 48000 ], channels = (int) [ 1, 8 ]"

enum
{
  PROP_0,
  PROP_BACKEND,
  PROP_URL,
  PROP_API_KEY,
  PROP_LANGUAGE,
  PROP_MODEL,
  PROP_DIARIZE,
  PROP_INTERIM_RESULTS,
  PROP_CHUNK_MS,
  PROP_EXTRA,
  PROP_FINISH_TIMEOUT_MS,
  PROP_KEEPALIVE_INTERVAL_MS,
  PROP_SEND_TIMEOUT_MS,
  PROP_QUEUE_MS,
  PROP_MAX_SPEED,
  PROP_TRANSCRIPT_LOCATION,
  PROP_TRANSCRIPT_FORMAT,
  PROP_CAPABILITIES,
  PROP_STATS,
};

/* The network thread's view of the session. */
typedef enum
{
  NET_IDLE,                     /* waiting for the audio format */
  NET_CONNECTING,
  NET_OPEN,
  NET_FINISHING,                /* end-of-stream sent, last reply awaited */
  NET_WAITING,                  /* before a reconnection attempt */
  NET_DONE,                     /* finished or failed: nothing more to do */
} NetState;

/* Properties, copied when the element starts so that the network thread
 * never touches them. */
typedef struct
{
  GstSttBackend backend;
  gchar *url;
  gchar *api_key;               /* the property, else the environment */
  gchar *language;
  gchar *model;
  gboolean diarize;
  gboolean interim_results;
  guint chunk_ms;
  gchar *extra;
  guint finish_timeout_ms;
  guint keepalive_interval_ms;
  guint send_timeout_ms;
  guint queue_ms;
  gdouble max_speed;
  gchar *transcript_location;
  GstSttTranscriptFormat transcript_format;
} Settings;

/* Lock order: the object lock and self->lock are never held together.
 * self->lock is held only for copies and bookkeeping, never across I/O, a
 * bus post or a call into the network thread's GMainContext, so render()
 * never waits on the network. */
struct _GstSttPushSink
{
  GstBaseSink parent;

  /* properties, under the object lock */
  GstSttBackend backend;
  gchar *url;
  gchar *api_key;               /* write-only: never logged, never read back */
  gchar *language;
  gchar *model;
  gboolean diarize;
  gboolean interim_results;
  guint chunk_ms;
  gchar *extra;
  guint finish_timeout_ms;
  guint keepalive_interval_ms;
  guint send_timeout_ms;
  guint queue_ms;
  gdouble max_speed;
  gchar *transcript_location;
  GstSttTranscriptFormat transcript_format;
  gboolean running;             /* between start() and stop() */
  gboolean caps_error_posted;   /* the wrong-format ERROR, once a run */

  /* streaming state, under self->lock */
  GMutex lock;
  GCond cond;                   /* queue space or a flag changed */
  GstSttQueue queue;
  GstSttClockMap clock_map;
  gint rate;
  gint channels;
  guint bpf;
  guint chunk_frames;
  gboolean have_format;
  gboolean live_known;
  gboolean upstream_live;
  gboolean flushing;            /* unlock(): render and EOS must return */
  gboolean stopping;            /* stop(): the thread must leave */
  gboolean eos;                 /* EOS received: finish the session */
  gboolean finished;            /* every final of the stream is posted */
  gboolean failed;              /* fatal error: render must fail */
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
  guint64 frames_unreplayed;
  guint64 transcript_entries;
  guint64 commit_pos;           /* end of the last final (or flush), frames */
  gint64 send_timeout_us;
  gint64 drained_us;            /* when new audio last left the queue */
  guint64 sent_high;            /* the furthest send position so far */
  gboolean render_gave_up;      /* a blocked render stopped waiting */

  /* owned by the network thread while it runs */
  Settings settings;
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GSource *wake;                /* render/EOS/stop → thread, any thread */
  GstSttAdapter *adapter;
  SoupSession *session;
  SoupMessage *msg;             /* the handshake being made */
  GCancellable *connect_cancellable;
  SoupWebsocketConnection *conn;
  NetState state;
  guint attempt;
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
  GSource *keepalive_source;
  GSource *writable_source;
  GSource *stall_source;
  GSource *quit_source;
  GSocket *socket;              /* the session's TCP socket, if known */
  guint64 net_bytes_out;        /* audio handed to libsoup, all sessions */
  guint64 stall_mark;           /* progress counter at the last check */
  gint64 progress_us;           /* when the service last took data */
  guint stalls;                 /* stalled sessions since the last final */
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

  /* the transcript file, owned like the network state: opened in start(),
   * written by the network thread, closed at the end of the stream or in
   * stop() */
  FILE *transcript;
  GstSttTranscriptFormat transcript_resolved;
  gboolean transcript_failed;
};

GType
gst_stt_push_sink_backend_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_STT_BACKEND_DEEPGRAM, "Deepgram streaming (/v1/listen)", "deepgram"},
    {GST_STT_BACKEND_ASSEMBLYAI, "AssemblyAI Universal Streaming (v3)",
        "assemblyai"},
    {GST_STT_BACKEND_SPEECHMATICS, "Speechmatics real-time (v2)",
        "speechmatics"},
    {GST_STT_BACKEND_OPENAI, "OpenAI Realtime transcription (24 kHz mono)",
        "openai"},
    {GST_STT_BACKEND_VOSK, "Vosk server protocol (also the offline "
          "pocketsphinx reference server)", "vosk"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSttPushSinkBackend", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_stt_push_sink_transcript_format_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_STT_TRANSCRIPT_AUTO, "From the file name: .vtt WebVTT, .srt "
          "SubRip, else JSON Lines", "auto"},
    {GST_STT_TRANSCRIPT_JSONL, "JSON Lines: an object per final", "jsonl"},
    {GST_STT_TRANSCRIPT_VTT, "WebVTT subtitles", "vtt"},
    {GST_STT_TRANSCRIPT_SRT, "SubRip subtitles", "srt"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSttPushSinkTranscriptFormat",
        values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (SINK_CAPS));

#define gst_stt_push_sink_parent_class parent_class
G_DEFINE_TYPE (GstSttPushSink, gst_stt_push_sink, GST_TYPE_BASE_SINK);

static void
element_init_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (gst_stt_push_sink_debug, "sttpushsink", 0,
        "Streaming speech-to-text sink");
    gst_type_mark_as_plugin_api (GST_TYPE_STT_PUSH_SINK_BACKEND, 0);
    gst_type_mark_as_plugin_api (GST_TYPE_STT_PUSH_SINK_TRANSCRIPT_FORMAT, 0);
    g_once_init_leave (&done, 1);
  }
}

GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (sttpushsink, "sttpushsink",
    GST_RANK_NONE, GST_TYPE_STT_PUSH_SINK, element_init_once ());

static void gst_stt_push_sink_finalize (GObject * object);
static void gst_stt_push_sink_set_property (GObject * object,
    guint prop_id, const GValue * value, GParamSpec * pspec);
static void gst_stt_push_sink_get_property (GObject * object,
    guint prop_id, GValue * value, GParamSpec * pspec);
static gboolean gst_stt_push_sink_start (GstBaseSink * bsink);
static gboolean gst_stt_push_sink_stop (GstBaseSink * bsink);
static gboolean gst_stt_push_sink_unlock (GstBaseSink * bsink);
static gboolean gst_stt_push_sink_unlock_stop (GstBaseSink * bsink);
static GstCaps *gst_stt_push_sink_get_caps (GstBaseSink * bsink,
    GstCaps * filter);
static gboolean gst_stt_push_sink_set_caps (GstBaseSink * bsink,
    GstCaps * caps);
static gboolean gst_stt_push_sink_event (GstBaseSink * bsink,
    GstEvent * event);
static gboolean gst_stt_push_sink_query (GstBaseSink * bsink,
    GstQuery * query);
static GstFlowReturn gst_stt_push_sink_render (GstBaseSink * bsink,
    GstBuffer * buffer);

static void
gst_stt_push_sink_class_init (GstSttPushSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);
  const GParamFlags rw_ready = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  element_init_once ();

  gobject_class->finalize = gst_stt_push_sink_finalize;
  gobject_class->set_property = gst_stt_push_sink_set_property;
  gobject_class->get_property = gst_stt_push_sink_get_property;

  g_object_class_install_property (gobject_class, PROP_BACKEND,
      g_param_spec_enum ("backend", "Backend",
          "Speech-to-text service protocol to speak",
          GST_TYPE_STT_PUSH_SINK_BACKEND, DEFAULT_BACKEND, rw_ready));
  g_object_class_install_property (gobject_class, PROP_URL,
      g_param_spec_string ("url", "URL",
          "Endpoint to connect to instead of the backend's (ws:// or wss://); "
          "the element appends the backend's query parameters. With a url, "
          "an API key is optional (self-hosted services)",
          DEFAULT_URL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_API_KEY,
      g_param_spec_string ("api-key", "API key",
          "Key for the service (write-only, never logged); when unset, the "
          "backend's environment variable: DEEPGRAM_API_KEY, "
          "ASSEMBLYAI_API_KEY, SPEECHMATICS_API_KEY or OPENAI_API_KEY",
          DEFAULT_API_KEY, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LANGUAGE,
      g_param_spec_string ("language", "Language",
          "Language of the speech (BCP-47, such as en or en-US); unset: the "
          "service's default", DEFAULT_LANGUAGE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Recognition model (such as nova-3 for Deepgram); unset: the "
          "service's default", DEFAULT_MODEL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_DIARIZE,
      g_param_spec_boolean ("diarize", "Diarize",
          "Ask the service to label speakers (when it can: see "
          "capabilities); speaker changes are posted as "
          "sttpushsink-speaker-turn", DEFAULT_DIARIZE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_INTERIM_RESULTS,
      g_param_spec_boolean ("interim-results", "Interim results",
          "Post interim hypotheses (sttpushsink-partial) as well as finals",
          DEFAULT_INTERIM_RESULTS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_CHUNK_MS,
      g_param_spec_uint ("chunk-ms", "Chunk",
          "Audio per WebSocket frame, in ms (kept within what the backend "
          "accepts: 20-250 ms for Deepgram, 50-1000 ms for AssemblyAI)",
          MIN_CHUNK_MS, MAX_CHUNK_MS,
          DEFAULT_CHUNK_MS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_EXTRA,
      g_param_spec_string ("extra", "Extra settings",
          "A JSON object merged into the backend's configuration: query "
          "parameters for Deepgram and AssemblyAI ({\"endpointing\": 300, "
          "\"keywords\": [\"GStreamer\"]}; null removes one), the "
          "StartRecognition message for Speechmatics ({\"transcription_"
          "config\": {\"operating_point\": \"enhanced\"}}), the session of "
          "OpenAI's session.update, the config message for Vosk "
          "({\"phrase_list\": [...]}); objects merge member by member",
          DEFAULT_EXTRA, rw_ready));
  g_object_class_install_property (gobject_class, PROP_FINISH_TIMEOUT_MS,
      g_param_spec_uint ("finish-timeout-ms", "Finish timeout",
          "How long EOS may wait, from the moment it reaches the element, "
          "for the remaining audio to be sent and the service's last reply; "
          "then EOS goes on with a warning (0 = do not wait)",
          0, 600000, DEFAULT_FINISH_TIMEOUT_MS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_KEEPALIVE_INTERVAL_MS,
      g_param_spec_uint ("keepalive-interval-ms", "Keep-alive interval",
          "When no audio has been sent for this long, send the backend's "
          "keep-alive (Deepgram closes after 10 s without either); backends "
          "without keep-alive ignore it (0 = never)", 0, 60000,
          DEFAULT_KEEPALIVE_INTERVAL_MS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_SEND_TIMEOUT_MS,
      g_param_spec_uint ("send-timeout-ms", "Send timeout",
          "A service that accepts no audio for this long, in ms, while "
          "there is audio to send counts as gone: the element warns, "
          "reconnects and replays what it had not committed. A non-live "
          "upstream waits for room at most twice this long without "
          "progress, then loses its oldest queued audio (counted) instead "
          "of holding the pipeline", 100, 600000, DEFAULT_SEND_TIMEOUT_MS,
          rw_ready));
  g_object_class_install_property (gobject_class, PROP_QUEUE_MS,
      g_param_spec_uint ("queue-ms", "Queue",
          "Audio held between capture and service, in ms, replay history "
          "included: when full, a live upstream loses its oldest unsent "
          "audio and a non-live upstream waits", MIN_QUEUE_MS, MAX_QUEUE_MS,
          DEFAULT_QUEUE_MS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MAX_SPEED,
      g_param_spec_double ("max-speed", "Maximum speed",
          "At most this many times real time, for audio that is there "
          "ahead of time (a file, a backlog after an outage). 0: as fast "
          "as the service reads it, except for services that refuse audio "
          "faster than real time (AssemblyAI), which never get more than "
          "they allow whatever the value", 0.0, MAX_MAX_SPEED,
          DEFAULT_MAX_SPEED, rw_ready));
  g_object_class_install_property (gobject_class, PROP_TRANSCRIPT_LOCATION,
      g_param_spec_string ("transcript-location", "Transcript location",
          "File to write every final to as well, as it arrives (NULL: "
          "none); it is complete when EOS is posted. The format is "
          "transcript-format", DEFAULT_TRANSCRIPT_LOCATION, rw_ready));
  g_object_class_install_property (gobject_class, PROP_TRANSCRIPT_FORMAT,
      g_param_spec_enum ("transcript-format", "Transcript format",
          "Format of transcript-location: JSON Lines (an object per "
          "final, with words), WebVTT or SubRip; auto picks by extension "
          "(.vtt, .srt, else JSON Lines)",
          GST_TYPE_STT_PUSH_SINK_TRANSCRIPT_FORMAT,
          DEFAULT_TRANSCRIPT_FORMAT, rw_ready));
  g_object_class_install_property (gobject_class, PROP_CAPABILITIES,
      g_param_spec_boxed ("capabilities", "Capabilities",
          "What the selected backend supports: sttpushsink-capabilities with "
          "backend, supported (implemented here), partials, diarization, "
          "word-times, keep-alive, needs-key, realtime-only (booleans), "
          "max-speed (double, 0 = no limit), rates, channels and chunk-ms "
          "(ranges, or an int when fixed)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "sttpushsink-stats: state, bytes-sent, audio-sent-ms, "
          "audio-replayed-ms, unreplayed-ms, queue-level-ms, dropped-ms, "
          "overflows, messages-received, messages-skipped (malformed or "
          "oversized), partials, finals, reconnects, keepalives-sent, "
          "transcript-entries",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "Speech-to-text push sink", "Sink/Network/Audio",
      "Streams audio over a WebSocket to a speech-to-text service "
      "(Deepgram, AssemblyAI, Speechmatics, OpenAI, Vosk) and posts "
      "transcripts as bus messages",
      "gst-audiostream developers");

  basesink_class->start = GST_DEBUG_FUNCPTR (gst_stt_push_sink_start);
  basesink_class->stop = GST_DEBUG_FUNCPTR (gst_stt_push_sink_stop);
  basesink_class->unlock = GST_DEBUG_FUNCPTR (gst_stt_push_sink_unlock);
  basesink_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_stt_push_sink_unlock_stop);
  basesink_class->get_caps = GST_DEBUG_FUNCPTR (gst_stt_push_sink_get_caps);
  basesink_class->set_caps = GST_DEBUG_FUNCPTR (gst_stt_push_sink_set_caps);
  basesink_class->event = GST_DEBUG_FUNCPTR (gst_stt_push_sink_event);
  basesink_class->query = GST_DEBUG_FUNCPTR (gst_stt_push_sink_query);
  basesink_class->render = GST_DEBUG_FUNCPTR (gst_stt_push_sink_render);
}

static void
gst_stt_push_sink_init (GstSttPushSink * self)
{
  self->backend = DEFAULT_BACKEND;
  self->url = g_strdup (DEFAULT_URL);
  self->api_key = g_strdup (DEFAULT_API_KEY);
  self->language = g_strdup (DEFAULT_LANGUAGE);
  self->model = g_strdup (DEFAULT_MODEL);
  self->diarize = DEFAULT_DIARIZE;
  self->interim_results = DEFAULT_INTERIM_RESULTS;
  self->chunk_ms = DEFAULT_CHUNK_MS;
  self->extra = g_strdup (DEFAULT_EXTRA);
  self->finish_timeout_ms = DEFAULT_FINISH_TIMEOUT_MS;
  self->keepalive_interval_ms = DEFAULT_KEEPALIVE_INTERVAL_MS;
  self->send_timeout_ms = DEFAULT_SEND_TIMEOUT_MS;
  self->queue_ms = DEFAULT_QUEUE_MS;
  self->max_speed = DEFAULT_MAX_SPEED;
  self->transcript_location = g_strdup (DEFAULT_TRANSCRIPT_LOCATION);
  self->transcript_format = DEFAULT_TRANSCRIPT_FORMAT;

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->session_state = "stopped";
  gst_stt_session_map_init (&self->session_map);
  gst_stt_speaker_tracker_init (&self->speakers);

  /* The service, not buffer timestamps, sets the pace. */
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
}

/* Frees a string that may hold a secret, wiping it first. */
static void
free_secret (gchar * secret)
{
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  g_free (secret);
}

static void
gst_stt_push_sink_finalize (GObject * object)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (object);

  g_free (self->url);
  free_secret (self->api_key);
  g_free (self->language);
  g_free (self->model);
  g_free (self->extra);
  g_free (self->transcript_location);
  gst_stt_queue_clear (&self->queue);
  gst_stt_session_map_clear (&self->session_map);
  gst_stt_speaker_tracker_clear (&self->speakers);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_stt_push_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BACKEND:
      self->backend = g_value_get_enum (value);
      break;
    case PROP_URL:
      g_free (self->url);
      self->url = g_value_dup_string (value);
      break;
    case PROP_API_KEY:
      free_secret (self->api_key);
      self->api_key = g_value_dup_string (value);
      break;
    case PROP_LANGUAGE:
      g_free (self->language);
      self->language = g_value_dup_string (value);
      break;
    case PROP_MODEL:
      g_free (self->model);
      self->model = g_value_dup_string (value);
      break;
    case PROP_DIARIZE:
      self->diarize = g_value_get_boolean (value);
      break;
    case PROP_INTERIM_RESULTS:
      self->interim_results = g_value_get_boolean (value);
      break;
    case PROP_CHUNK_MS:
      self->chunk_ms = g_value_get_uint (value);
      break;
    case PROP_EXTRA:
      g_free (self->extra);
      self->extra = g_value_dup_string (value);
      break;
    case PROP_FINISH_TIMEOUT_MS:
      self->finish_timeout_ms = g_value_get_uint (value);
      break;
    case PROP_KEEPALIVE_INTERVAL_MS:
      self->keepalive_interval_ms = g_value_get_uint (value);
      break;
    case PROP_SEND_TIMEOUT_MS:
      self->send_timeout_ms = g_value_get_uint (value);
      break;
    case PROP_QUEUE_MS:
      self->queue_ms = g_value_get_uint (value);
      break;
    case PROP_MAX_SPEED:
      self->max_speed = g_value_get_double (value);
      break;
    case PROP_TRANSCRIPT_LOCATION:
      g_free (self->transcript_location);
      self->transcript_location = g_value_dup_string (value);
      break;
    case PROP_TRANSCRIPT_FORMAT:
      self->transcript_format = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static GstStructure *
build_capabilities (GstSttBackend backend)
{
  const GstSttBackendInfo *info = gst_stt_backend_get_info (backend);
  GstStructure *s = gst_structure_new ("sttpushsink-capabilities",
      "backend", G_TYPE_STRING, info->name,
      "supported", G_TYPE_BOOLEAN, info->implemented,
      "partials", G_TYPE_BOOLEAN, info->partials,
      "diarization", G_TYPE_BOOLEAN, info->diarization,
      "word-times", G_TYPE_BOOLEAN, info->word_times,
      "keep-alive", G_TYPE_BOOLEAN, info->keepalive,
      "needs-key", G_TYPE_BOOLEAN, info->key_env != NULL,
      "realtime-only", G_TYPE_BOOLEAN, info->max_speed > 0,
      "max-speed", G_TYPE_DOUBLE, info->max_speed,
      "chunk-ms", GST_TYPE_INT_RANGE, (gint) info->min_chunk_ms,
      (gint) info->max_chunk_ms, NULL);

  if (info->min_rate == info->max_rate)
    gst_structure_set (s, "rates", G_TYPE_INT, info->min_rate, NULL);
  else
    gst_structure_set (s, "rates", GST_TYPE_INT_RANGE, info->min_rate,
        info->max_rate, NULL);
  if (info->max_channels == 1)
    gst_structure_set (s, "channels", G_TYPE_INT, 1, NULL);
  else
    gst_structure_set (s, "channels", GST_TYPE_INT_RANGE, 1,
        info->max_channels, NULL);
  return s;
}

/* called with self->lock held */
static guint64
frames_to_ms (GstSttPushSink * self, guint64 frames)
{
  if (self->rate <= 0)
    return 0;
  return gst_util_uint64_scale_int (frames, 1000, self->rate);
}

/* called with self->lock held */
static GstStructure *
build_stats (GstSttPushSink * self)
{
  return gst_structure_new ("sttpushsink-stats",
      "state", G_TYPE_STRING, self->session_state,
      "bytes-sent", G_TYPE_UINT64, self->bytes_sent,
      "audio-sent-ms", G_TYPE_UINT64, frames_to_ms (self, self->frames_sent),
      "audio-replayed-ms", G_TYPE_UINT64,
      frames_to_ms (self, self->frames_replayed),
      "unreplayed-ms", G_TYPE_UINT64,
      frames_to_ms (self, self->frames_unreplayed),
      "queue-level-ms", G_TYPE_UINT64,
      frames_to_ms (self, self->have_format ?
          gst_stt_queue_unsent (&self->queue) : 0),
      "dropped-ms", G_TYPE_UINT64, frames_to_ms (self, self->queue.dropped),
      "overflows", G_TYPE_UINT64, self->queue.overflows,
      "messages-received", G_TYPE_UINT64, self->messages_received,
      "messages-skipped", G_TYPE_UINT64, self->messages_skipped,
      "partials", G_TYPE_UINT64, self->partials,
      "finals", G_TYPE_UINT64, self->finals,
      "reconnects", G_TYPE_UINT64, self->reconnects,
      "keepalives-sent", G_TYPE_UINT64, self->keepalives,
      "transcript-entries", G_TYPE_UINT64, self->transcript_entries, NULL);
}

static void
gst_stt_push_sink_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (object);

  if (prop_id == PROP_STATS) {
    g_mutex_lock (&self->lock);
    g_value_take_boxed (value, build_stats (self));
    g_mutex_unlock (&self->lock);
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BACKEND:
      g_value_set_enum (value, self->backend);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_LANGUAGE:
      g_value_set_string (value, self->language);
      break;
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    case PROP_DIARIZE:
      g_value_set_boolean (value, self->diarize);
      break;
    case PROP_INTERIM_RESULTS:
      g_value_set_boolean (value, self->interim_results);
      break;
    case PROP_CHUNK_MS:
      g_value_set_uint (value, self->chunk_ms);
      break;
    case PROP_EXTRA:
      g_value_set_string (value, self->extra);
      break;
    case PROP_FINISH_TIMEOUT_MS:
      g_value_set_uint (value, self->finish_timeout_ms);
      break;
    case PROP_KEEPALIVE_INTERVAL_MS:
      g_value_set_uint (value, self->keepalive_interval_ms);
      break;
    case PROP_SEND_TIMEOUT_MS:
      g_value_set_uint (value, self->send_timeout_ms);
      break;
    case PROP_QUEUE_MS:
      g_value_set_uint (value, self->queue_ms);
      break;
    case PROP_MAX_SPEED:
      g_value_set_double (value, self->max_speed);
      break;
    case PROP_TRANSCRIPT_LOCATION:
      g_value_set_string (value, self->transcript_location);
      break;
    case PROP_TRANSCRIPT_FORMAT:
      g_value_set_enum (value, self->transcript_format);
      break;
    case PROP_CAPABILITIES:
      g_value_take_boxed (value, build_capabilities (self->backend));
      break;
    default:
      /* api-key is write-only: GObject never asks for it. */
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------ */
/* Settings                                                                  */

static void
settings_clear (Settings * s)
{
  g_free (s->url);
  free_secret (s->api_key);
  g_free (s->language);
  g_free (s->model);
  g_free (s->extra);
  g_free (s->transcript_location);
  memset (s, 0, sizeof (*s));
}

static void
settings_copy (GstSttPushSink * self, Settings * s)
{
  const GstSttBackendInfo *info;

  GST_OBJECT_LOCK (self);
  s->backend = self->backend;
  s->url = g_strdup (self->url);
  s->api_key = g_strdup (self->api_key);
  s->language = g_strdup (self->language);
  s->model = g_strdup (self->model);
  s->diarize = self->diarize;
  s->interim_results = self->interim_results;
  s->chunk_ms = self->chunk_ms;
  s->extra = g_strdup (self->extra);
  s->finish_timeout_ms = self->finish_timeout_ms;
  s->keepalive_interval_ms = self->keepalive_interval_ms;
  s->send_timeout_ms = self->send_timeout_ms;
  s->queue_ms = self->queue_ms;
  s->max_speed = self->max_speed;
  s->transcript_location = g_strdup (self->transcript_location);
  s->transcript_format = self->transcript_format;
  GST_OBJECT_UNLOCK (self);

  info = gst_stt_backend_get_info (s->backend);
  if ((s->api_key == NULL || s->api_key[0] == '\0') && info->key_env) {
    free_secret (s->api_key);
    s->api_key = g_strdup (g_getenv (info->key_env));
  }
}

static GstSttAdapter *
make_adapter (const Settings * s, gint rate, gint channels, GError ** error)
{
  GstSttSettings as = {
    .backend = s->backend,
    .url = s->url,
    .api_key = s->api_key,
    .language = s->language,
    .model = s->model,
    .diarize = s->diarize,
    .interim_results = s->interim_results,
    .extra = s->extra,
    .rate = rate,
    .channels = channels,
  };

  return gst_stt_adapter_new (&as, error);
}

/* ------------------------------------------------------------------------ */
/* Messages (posted from the network thread)                                 */

static guint64 pos_to_ms (GstSttPushSink * self, guint64 pos);

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
post_structure (GstSttPushSink * self, GstStructure * s)
{
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* Sets the session state and posts sttpushsink-session, with what the
 * application may want to know about that step: how long until the next
 * attempt, where a new session resumes, what it replays and what the lost
 * one took with it. */
static void
net_set_state (GstSttPushSink * self, NetState state, gboolean failed,
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

  GST_INFO_OBJECT (self, "session %s (attempt %u)%s%s", name, self->attempt,
      error ? ": " : "", error ? error : "");
  post_structure (self, gst_structure_new ("sttpushsink-session",
          "state", G_TYPE_STRING, name,
          "backend", G_TYPE_STRING,
          gst_stt_backend_get_info (self->settings.backend)->name,
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
session_ms_to_pos (GstSttPushSink * self, gint64 ms)
{
  guint64 frame;

  if (ms < 0)
    frame = self->session_map.session_frames;
  else
    frame = gst_util_uint64_scale_int (ms, self->net_rate, 1000);
  return gst_stt_session_map_to_stream (&self->session_map, frame);
}

static guint64
pos_to_ms (GstSttPushSink * self, guint64 pos)
{
  return gst_util_uint64_scale_int (pos, 1000, self->net_rate);
}

static GstClockTime
pos_to_running_time (GstSttPushSink * self, guint64 pos)
{
  GstClockTime rt;

  g_mutex_lock (&self->lock);
  rt = gst_stt_clock_map_lookup (&self->clock_map, pos);
  g_mutex_unlock (&self->lock);
  return rt;
}

static void
set_words (GstSttPushSink * self, GstStructure * s, GArray * words)
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
build_transcript (GstSttPushSink * self, const gchar * name,
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
post_turns (GstSttPushSink * self, const GstSttEvent * final)
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

static void net_fail (GstSttPushSink * self, const gchar * reason);
static void net_mark_failed (GstSttPushSink * self);

/* A fatal problem: session "failed", the ERROR, then the element refuses
 * data. */
#define NET_ERROR(self, reason, domain, code, text, debug)  \
  G_STMT_START {                                             \
    net_fail (self, reason);                                 \
    GST_ELEMENT_ERROR (self, domain, code, text, debug);     \
    net_mark_failed (self);                                  \
  } G_STMT_END

/* ------------------------------------------------------------------------ */
/* Transcript file                                                           */

/* Opens transcript-location for this run. Returns FALSE with @error set
 * when it cannot be written. */
static gboolean
transcript_open (GstSttPushSink * self, GError ** error)
{
  const gchar *path = self->settings.transcript_location;
  const gchar *header;

  self->transcript_failed = FALSE;
  if (path == NULL || path[0] == '\0')
    return TRUE;
  self->transcript_resolved =
      gst_stt_transcript_format_for_path (self->settings.transcript_format,
      path);
  self->transcript = g_fopen (path, "wb");
  if (self->transcript == NULL) {
    gint errsv = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
        "%s", g_strerror (errsv));
    return FALSE;
  }
  header = gst_stt_transcript_header (self->transcript_resolved);
  if (header != NULL && (fputs (header, self->transcript) == EOF ||
          fflush (self->transcript) != 0)) {
    gint errsv = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
        "%s", g_strerror (errsv));
    fclose (self->transcript);
    self->transcript = NULL;
    return FALSE;
  }
  return TRUE;
}

static void
transcript_close (GstSttPushSink * self)
{
  if (self->transcript == NULL)
    return;
  if (fclose (self->transcript) != 0 && !self->transcript_failed)
    GST_ELEMENT_WARNING (self, RESOURCE, CLOSE,
        ("Could not finish writing the transcript to %s.",
            self->settings.transcript_location), ("%s", g_strerror (errno)));
  self->transcript = NULL;
}

/* Appends one final, flushed at once so that a reader (or a crash) sees
 * every final that was posted. A write error is said once; the bus
 * messages go on. */
static void
net_write_transcript (GstSttPushSink * self, const GstStructure * final)
{
  gchar *entry;
  guint64 index;
  gboolean ok;

  if (self->transcript == NULL || self->transcript_failed)
    return;
  g_mutex_lock (&self->lock);
  index = ++self->transcript_entries;
  g_mutex_unlock (&self->lock);

  entry = gst_stt_transcript_entry (self->transcript_resolved, (guint) index,
      final);
  ok = fputs (entry, self->transcript) != EOF &&
      fflush (self->transcript) == 0;
  g_free (entry);
  if (!ok) {
    self->transcript_failed = TRUE;
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Could not write the transcript to %s: no more finals go there.",
            self->settings.transcript_location), ("%s", g_strerror (errno)));
  }
}

/* Posts what one event means to the application. */
static void
net_handle_event (GstSttPushSink * self, const GstSttEvent * ev)
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
      g_mutex_lock (&self->lock);
      gst_stt_queue_release (&self->queue, end);
      self->commit_pos = MAX (self->commit_pos, end);
      g_cond_broadcast (&self->cond);   /* room for a render that keeps */
      if (!empty)
        self->finals++;
      g_mutex_unlock (&self->lock);
      if (ev->start_ms >= 0)
        gst_stt_session_map_forget (&self->session_map,
            gst_util_uint64_scale_int (ev->start_ms, self->net_rate, 1000));
      if (empty)
        break;
      self->stalls = 0;
      post_turns (self, ev);
      final = build_transcript (self, "sttpushsink-final", ev);
      net_write_transcript (self, final);
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
          GST_ELEMENT_WARNING (self, RESOURCE, FAILED,
              ("%s reported an error: %s.", info->title, ev->text),
              ("code: %s; %u similar warnings suppressed before this one",
                  GST_STR_NULL (ev->kind), suppressed));
        else
          GST_DEBUG_OBJECT (self, "service error (not repeated as a "
              "warning): %s", ev->text);
      }
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

static GSource *
net_add_timeout (GstSttPushSink * self, guint ms, GSourceFunc func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

static void
wake_thread (GstSttPushSink * self)
{
  if (self->wake != NULL)
    g_source_set_ready_time (self->wake, 0);
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
net_drop_connection (GstSttPushSink * self, gushort code)
{
  SoupWebsocketConnection *conn = self->conn;

  net_clear_source (&self->writable_source);
  net_clear_source (&self->keepalive_source);
  net_clear_source (&self->pace_source);
  net_clear_source (&self->stall_source);
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
net_can_send (GstSttPushSink * self)
{
  return self->conn != NULL &&
      soup_websocket_connection_get_state (self->conn) ==
      SOUP_WEBSOCKET_STATE_OPEN;
}

static void
net_quit_if_idle (GstSttPushSink * self)
{
  if (self->msg == NULL && self->conn == NULL)
    g_main_loop_quit (self->loop);
}

/* Ends the session for good and says why in sttpushsink-session. */
static void
net_fail (GstSttPushSink * self, const gchar * reason)
{
  net_clear_source (&self->retry_source);
  net_clear_source (&self->finish_source);
  net_clear_source (&self->connect_timeout_source);
  net_clear_source (&self->keepalive_source);
  net_drop_connection (self, SOUP_WEBSOCKET_CLOSE_NORMAL);
  net_set_state (self, NET_DONE, TRUE, reason);
}

/* From now on render() fails and EOS stops waiting. Called after the
 * element's ERROR is posted, so that the upstream "data flow error" this
 * causes never reaches the bus before the reason. */
static void
net_mark_failed (GstSttPushSink * self)
{
  g_mutex_lock (&self->lock);
  self->failed = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}


/* Every final is posted: EOS may go on. */
static void
net_finish (GstSttPushSink * self)
{
  if (self->state == NET_DONE)
    return;
  net_clear_source (&self->retry_source);
  net_clear_source (&self->finish_source);
  net_clear_source (&self->connect_timeout_source);
  if (self->connect_cancellable != NULL)
    g_cancellable_cancel (self->connect_cancellable);
  net_drop_connection (self, SOUP_WEBSOCKET_CLOSE_NORMAL);
  /* every final is in the file before EOS is */
  transcript_close (self);
  net_set_state (self, NET_DONE, FALSE, NULL);

  g_mutex_lock (&self->lock);
  self->finished = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void net_connect (GstSttPushSink * self);
static void net_pump (GstSttPushSink * self);

static gboolean
on_retry (gpointer user_data)
{
  GstSttPushSink *self = user_data;

  net_clear_source (&self->retry_source);
  net_connect (self);
  return G_SOURCE_REMOVE;
}

/* A recoverable loss of the connection: try again after a backoff. Audio
 * keeps queuing meanwhile. */
static void
net_schedule_reconnect_in (GstSttPushSink * self, const gchar * reason,
    guint wait_ms)
{
  net_drop_connection (self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  self->retry_in_ms = wait_ms;
  net_set_state (self, NET_WAITING, FALSE, reason);
  GST_INFO_OBJECT (self, "reconnecting in %u ms", wait_ms);
  net_clear_source (&self->retry_source);
  self->retry_source = net_add_timeout (self, wait_ms, on_retry);
}

static void
net_schedule_reconnect (GstSttPushSink * self, const gchar * reason)
{
  net_schedule_reconnect_in (self, reason,
      gst_as_backoff_next_ms (&self->backoff));
}

/* The stream ended before any session opened: the audio went nowhere. An
 * EOS now would pass an empty transcript off as the whole of it. */
static void
net_fail_never_opened (GstSttPushSink * self)
{
  const GstSttBackendInfo *info =
      gst_stt_backend_get_info (self->settings.backend);
  const gchar *url = self->adapter != NULL ?
      gst_stt_adapter_get_request (self->adapter)->display_url :
      info->default_url;

  NET_ERROR (self, "no session before the end of the stream", RESOURCE,
      OPEN_WRITE, ("Could not open a %s session at %s before the end of "
          "the stream: nothing was transcribed.", info->title,
          GST_STR_NULL (url)),
      ("session state: %s after finish-timeout-ms (%u ms), attempt %u",
          state_name (self->state, FALSE), self->settings.finish_timeout_ms,
          self->attempt));
}

static gboolean
on_finish_timeout (gpointer user_data)
{
  GstSttPushSink *self = user_data;
  guint timeout_ms = self->settings.finish_timeout_ms;

  net_clear_source (&self->finish_source);
  if (self->state != NET_DONE && !self->ever_opened) {
    net_fail_never_opened (self);
  } else if (self->state != NET_DONE) {
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("%s did not send its last reply within finish-timeout-ms "
            "(%u ms): the end of the transcript may be missing.",
            gst_stt_backend_get_info (self->settings.backend)->title,
            timeout_ms), ("session state: %s",
            state_name (self->state, FALSE)));
    net_finish (self);
  }
  return G_SOURCE_REMOVE;
}

static gboolean
on_keepalive_tick (gpointer user_data)
{
  GstSttPushSink *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gchar *text;

  if (self->state != NET_OPEN || !net_can_send (self) ||
      now - self->last_send_us <
      (gint64) self->settings.keepalive_interval_ms * 1000)
    return G_SOURCE_CONTINUE;

  text = gst_stt_adapter_keepalive_message (self->adapter);
  if (text != NULL) {
    GST_LOG_OBJECT (self, "keep-alive");
    soup_websocket_connection_send_text (self->conn, text);
    self->last_send_us = now;
    g_mutex_lock (&self->lock);
    self->keepalives++;
    g_mutex_unlock (&self->lock);
    g_free (text);
  }
  return G_SOURCE_CONTINUE;
}

/* Whether data waits to go out to the service, and a counter that moves
 * whenever the service takes some: the bytes its kernel acknowledged
 * (TCP_INFO), else the bytes libsoup took from us. A service that stops
 * reading keeps the first true and the second still. */
static gboolean
net_send_pending (GstSttPushSink * self, guint64 * progress)
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

static void net_schedule_reconnect (GstSttPushSink * self,
    const gchar * reason);

/* A service that takes nothing for send-timeout-ms while audio waits is
 * gone, even if its socket is open: the audio would only pile up (and a
 * live source lose it) while the session looks healthy. */
static gboolean
on_stall_tick (gpointer user_data)
{
  GstSttPushSink *self = user_data;
  gint64 now = g_get_monotonic_time ();
  guint timeout_ms = self->settings.send_timeout_ms;
  guint64 mark;
  GIOStream *io;
  gchar *reason;

  if (self->conn == NULL)
    return G_SOURCE_CONTINUE;
  if (!net_send_pending (self, &mark) || mark != self->stall_mark) {
    self->stall_mark = mark;
    self->progress_us = now;
    return G_SOURCE_CONTINUE;
  }
  if (now - self->progress_us < (gint64) timeout_ms * 1000)
    return G_SOURCE_CONTINUE;

  reason = g_strdup_printf ("the service read nothing for %u ms",
      timeout_ms);
  /* Said once until the service transcribes again; every attempt still
   * shows in sttpushsink-session. */
  if (self->stalls++ == 0)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("%s stopped reading audio for %u ms (send-timeout-ms): "
            "reconnecting, and replaying what it had not transcribed.",
            gst_stt_adapter_get_info (self->adapter)->title, timeout_ms),
        ("url: %s",
            gst_stt_adapter_get_request (self->adapter)->display_url));
  /* No close handshake through a socket that takes nothing: cut it. */
  io = g_object_ref (soup_websocket_connection_get_io_stream (self->conn));
  net_schedule_reconnect (self, reason);
  g_io_stream_close (io, NULL, NULL);
  g_object_unref (io);
  g_free (reason);
  return G_SOURCE_REMOVE;
}

static void
on_ws_message (SoupWebsocketConnection * conn, gint type, GBytes * message,
    gpointer user_data)
{
  GstSttPushSink *self = user_data;
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
    GST_DEBUG_OBJECT (self, "skipped a server message: %s", err->message);
    /* One warning per session; the rest are counted in stats. */
    if (self->skipped_this_session++ == 0)
      GST_ELEMENT_WARNING (self, STREAM, DECODE,
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
    GST_DEBUG_OBJECT (self, "last reply received");
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
  GstSttPushSink *self = user_data;

  GST_DEBUG_OBJECT (self, "WebSocket error: %s", error->message);
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
net_lost_to_unreadable (GstSttPushSink * self)
{
  const GstSttBackendInfo *info = gst_stt_adapter_get_info (self->adapter);
  gchar *what = self->unreadable, *reason;

  self->unreadable = NULL;
  reason = g_strdup_printf ("the service sent %s", what);
  if (g_get_monotonic_time () - self->opened_us >= UNREADABLE_FORGIVEN_US)
    self->unreadable_sessions = 0;
  if (++self->unreadable_sessions >= 2) {
    NET_ERROR (self, reason, STREAM, DECODE,
        ("%s sent %s, which cannot be read, again after reconnecting: "
            "giving up.", info->title, what),
        ("url: %s; %u sessions lost so", gst_stt_adapter_get_request
            (self->adapter)->display_url, self->unreadable_sessions));
  } else {
    GST_ELEMENT_WARNING (self, STREAM, DECODE,
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
  GstSttPushSink *self = user_data;
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
    net_quit_if_idle (self);
    return;
  }

  reason = gst_stt_adapter_describe_close (self->adapter, code, data, &fatal);
  GST_INFO_OBJECT (self, "connection closed in state %s: %s",
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
              gst_stt_backend_get_info (self->settings.backend)->title,
              reason), ("url: %s",
              gst_stt_adapter_get_request (self->adapter)->display_url));
    } else {
      GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
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
  GstSttPushSink *self = user_data;

  net_clear_source (&self->writable_source);
  net_pump (self);
  return G_SOURCE_REMOVE;
}

/* Whether the socket takes more data now. When it does not, libsoup's
 * own queue is not empty either: more audio would only pile up there,
 * unbounded, instead of in the element's bounded queue. */
static gboolean
net_writable (GstSttPushSink * self)
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
net_chunk_size (GstSttPushSink * self, guint64 unsent, gboolean eos)
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
net_take_chunk (GstSttPushSink * self, guint64 * pos, gboolean * eos)
{
  guint64 unsent, n = 0;

  g_mutex_lock (&self->lock);
  unsent = gst_stt_queue_unsent (&self->queue);
  *eos = self->eos;
  if (unsent >= self->net_chunk || (self->eos && unsent > 0)) {
    n = net_chunk_size (self, unsent, self->eos);
    *pos = self->queue.send_pos;
    gst_stt_queue_peek (&self->queue, self->send_buf, n);
    /* Sent from here on: if the send fails, the replay covers it. */
    gst_stt_queue_advance (&self->queue, n);
    /* a replay going out again is no sign the service reads */
    if (self->queue.send_pos > self->sent_high) {
      self->sent_high = self->queue.send_pos;
      self->drained_us = g_get_monotonic_time ();
      self->render_gave_up = FALSE;
    }
    g_cond_broadcast (&self->cond);
  }
  *eos = *eos && unsent == n;
  g_mutex_unlock (&self->lock);
  return (guint) n;
}

/* Whether a chunk is ready to go (without taking it). */
static gboolean
net_chunk_ready (GstSttPushSink * self)
{
  guint64 unsent;
  gboolean eos;

  g_mutex_lock (&self->lock);
  unsent = gst_stt_queue_unsent (&self->queue);
  eos = self->eos;
  g_mutex_unlock (&self->lock);
  return unsent >= self->net_chunk || (eos && unsent > 0);
}

static gboolean
on_pace (gpointer user_data)
{
  GstSttPushSink *self = user_data;

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
net_pace_allows (GstSttPushSink * self)
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
net_pad_short_frame (GstSttPushSink * self, guint frames)
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
net_pump (GstSttPushSink * self)
{
  while (self->state == NET_OPEN && net_can_send (self)) {
    guint64 pos = 0;
    gboolean eos, is_text;
    guint frames;
    GBytes *frame;

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
      self->last_send_us = g_get_monotonic_time ();
      g_mutex_lock (&self->lock);
      self->bytes_sent += (guint64) wire * self->net_bpf;
      self->frames_sent += frames;
      g_mutex_unlock (&self->lock);
      continue;
    }

    if (eos) {
      gchar *text = gst_stt_adapter_eos_message (self->adapter);

      GST_DEBUG_OBJECT (self, "all audio sent, end of stream");
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
retry_after_ms (GstSttPushSink * self, SoupMessageHeaders * headers)
{
  const gchar *value = soup_message_headers_get_one (headers, "Retry-After");
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
  return (guint) CLAMP (ms, RECONNECT_MIN_MS, MAX_RETRY_AFTER_MS);
}

/* How a refused handshake reads to a person; never shows the key. */
static void
net_handshake_failed (GstSttPushSink * self, GError * err)
{
  const GstSttBackendInfo *info = gst_stt_adapter_get_info (self->adapter);
  const GstSttRequest *req = gst_stt_adapter_get_request (self->adapter);
  guint status = soup_message_get_status (self->msg);
  const gchar *phrase = soup_message_get_reason_phrase (self->msg);
  const gchar *detail = NULL;
  gchar *reason;
  gboolean retry;

  if (info->error_header != NULL)
    detail = soup_message_headers_get_one (soup_message_get_response_headers
        (self->msg), info->error_header);
  if (self->connect_timed_out)
    reason = g_strdup_printf ("no answer within %d s",
        CONNECT_TIMEOUT_MS / 1000);
  else if (status >= 100)
    reason = g_strdup_printf ("HTTP %u %s", status, GST_STR_NULL (phrase));
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
    guint wait_ms = retry_after_ms (self,
        soup_message_get_response_headers (self->msg));

    if (self->rate_limited++ == 0)
      GST_ELEMENT_WARNING (self, RESOURCE, BUSY,
          ("%s is limiting requests (HTTP 429): trying again in %.1f s.",
              info->title, wait_ms / 1000.0),
          ("handshake with %s refused: %s%s%s", req->display_url, reason,
              detail ? "; " : "", detail ? detail : ""));
    net_schedule_reconnect_in (self, reason, wait_ms);
    goto out;
  }

  /* A first attempt that fails is a setup problem to report; later ones
   * are an outage to ride out, unless the service refuses the request
   * itself (a 4xx other than timeouts and rate limits). */
  retry = self->ever_opened &&
      !(status >= 400 && status < 500 && status != 408 && status != 429);
  if (retry) {
    net_schedule_reconnect (self, reason);
    goto out;
  }

  if (status >= 100)
    NET_ERROR (self, reason, RESOURCE, OPEN_WRITE,
        ("Could not open a %s session at %s: %s.", info->title,
            req->display_url, reason),
        ("%s%s%s", err->message, detail ? "; " : "", detail ? detail : ""));
  else
    NET_ERROR (self, reason, RESOURCE, OPEN_WRITE,
        ("Could not connect to %s: %s.", req->display_url, reason),
        ("%s", err->message));

out:
  g_free (reason);
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  GstSttPushSink *self = user_data;

  net_clear_source (&self->connect_timeout_source);
  self->connect_timed_out = TRUE;
  g_cancellable_cancel (self->connect_cancellable);
  return G_SOURCE_REMOVE;
}

/* The session is open: replay what was sent but never committed, then
 * stream. */
static void
net_session_opened (GstSttPushSink * self, SoupWebsocketConnection * conn)
{
  const GstSttRequest *req = gst_stt_adapter_get_request (self->adapter);
  const GstSttBackendInfo *info = gst_stt_adapter_get_info (self->adapter);
  guint64 replay, lost;

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
  self->opened_us = g_get_monotonic_time ();

  /* What the lost session received but never committed is sent again,
   * from the queue's replay history. What the history no longer holds
   * (a live source filled the queue during a long outage) is gone: its
   * words may be missing, and it is counted. */
  g_mutex_lock (&self->lock);
  lost = self->queue.keep_pos > self->commit_pos ?
      gst_stt_session_map_sent_between (&self->session_map, self->commit_pos,
      self->queue.keep_pos) : 0;
  replay = gst_stt_queue_rewind (&self->queue);
  self->resume_pos = self->queue.send_pos;
  self->frames_replayed += replay;
  self->frames_unreplayed += lost;
  if (self->ever_opened)
    self->reconnects++;
  g_mutex_unlock (&self->lock);
  gst_stt_session_map_reset (&self->session_map);
  self->session_replayed = replay;
  self->session_lost = lost;
  if (replay > 0)
    GST_INFO_OBJECT (self, "replaying %" G_GUINT64_FORMAT " uncommitted "
        "frames", replay);
  if (lost > 0)
    GST_WARNING_OBJECT (self, "%" G_GUINT64_FORMAT " uncommitted frames "
        "of the lost session are no longer queued: not replayed", lost);

  if (self->pace_speed > 0) {
    /* a chunk ahead of real time from the start, never more */
    gst_as_pacer_init (&self->pacer,
        (guint) MAX (1.0, self->net_rate * self->pace_speed + 0.5), 100);
    gst_as_pacer_start (&self->pacer, net_now () -
        gst_util_uint64_scale_int (self->net_chunk, GST_SECOND,
            self->net_rate));
  }

  self->rate_limited = 0;
  /* A service that opens sessions only to stop reading again waits ever
   * longer; it earns a short wait back with its next final. */
  if (self->ever_opened && self->stalls == 0)
    gst_as_backoff_reset (&self->backoff);
  self->ever_opened = TRUE;
  self->last_send_us = g_get_monotonic_time ();
  if (req->first_message != NULL && net_can_send (self))
    soup_websocket_connection_send_text (conn, req->first_message);

  if (gst_stt_adapter_get_info (self->adapter)->keepalive &&
      self->settings.keepalive_interval_ms > 0)
    self->keepalive_source = net_add_timeout (self, KEEPALIVE_TICK_MS,
        on_keepalive_tick);
  self->progress_us = g_get_monotonic_time ();
  self->stall_source = net_add_timeout (self,
      CLAMP (self->settings.send_timeout_ms / 4, 1, STALL_TICK_MAX_MS),
      on_stall_tick);

  net_set_state (self, NET_OPEN, FALSE, NULL);
  net_pump (self);
}

/* Keeps the session's TCP socket, to tell a service that stopped reading
 * from one that is only slow (on_stall_tick). */
static void
on_network_event (SoupMessage * msg, GSocketClientEvent event,
    GIOStream * connection, gpointer user_data)
{
  GstSttPushSink *self = user_data;

  if (event == G_SOCKET_CLIENT_CONNECTED &&
      G_IS_SOCKET_CONNECTION (connection))
    g_set_object (&self->socket,
        g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)));
}

static void
on_connected (GObject * source, GAsyncResult * result, gpointer user_data)
{
  GstSttPushSink *self = user_data;
  SoupWebsocketConnection *conn;
  GError *err = NULL;
  gboolean stopping;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
      &err);
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
    GST_DEBUG_OBJECT (self, "connection attempt cancelled");
  } else {
    net_handshake_failed (self, err);
  }

  g_clear_error (&err);
  g_clear_object (&self->msg);
  g_clear_object (&self->connect_cancellable);
  if (stopping)
    net_quit_if_idle (self);
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
net_connect (GstSttPushSink * self)
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

    self->adapter = make_adapter (&self->settings, self->net_rate,
        self->net_bpf / 2, &err);
    if (self->adapter == NULL)
      goto no_adapter;
    /* room for a chunk and a tail merged into it, or padded */
    info = gst_stt_adapter_get_info (self->adapter);
    self->send_buf_frames = MAX (self->net_chunk,
        gst_util_uint64_scale_int (info->max_chunk_ms, self->net_rate, 1000));
    self->send_buf = g_malloc ((gsize) self->send_buf_frames *
        self->net_bpf);
    self->pace_speed = effective_speed (self->settings.max_speed,
        info->max_speed);
    GST_INFO_OBJECT (self, "%s session at %s, %d Hz, %u channel(s), "
        "%u frames per chunk", gst_stt_adapter_get_info (self->adapter)->name,
        gst_stt_adapter_get_request (self->adapter)->display_url,
        self->net_rate, self->net_bpf / 2, self->net_chunk);
  }
  req = gst_stt_adapter_get_request (self->adapter);

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
  soup_session_websocket_connect_async (self->session, self->msg, NULL, NULL,
      G_PRIORITY_DEFAULT, self->connect_cancellable, on_connected, self);
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
net_begin_eos (GstSttPushSink * self, gboolean have_format)
{
  guint timeout_ms;

  self->eos_seen = TRUE;
  if (!have_format) {
    /* No audio ever came: nothing to transcribe. */
    net_finish (self);
    return;
  }
  if (self->settings.finish_timeout_ms == 0) {
    if (self->ever_opened)
      net_finish (self);
    else
      net_fail_never_opened (self);
    return;
  }
  timeout_ms = self->settings.finish_timeout_ms;
  if (self->pace_speed > 0 && self->net_rate > 0) {
    guint64 unsent;

    /* paced audio takes its time to go out: that is not the service's
     * delay */
    g_mutex_lock (&self->lock);
    unsent = gst_stt_queue_unsent (&self->queue);
    g_mutex_unlock (&self->lock);
    timeout_ms += (guint) MIN (G_MAXUINT / 2, pos_to_ms (self, unsent) /
        self->pace_speed);
  }
  self->finish_source = net_add_timeout (self, timeout_ms,
      on_finish_timeout);
}

static gboolean
on_stop_timeout (gpointer user_data)
{
  GstSttPushSink *self = user_data;

  net_clear_source (&self->quit_source);
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

/* stop(): close politely, but do not wait for long. */
static void
net_shutdown (GstSttPushSink * self)
{
  if (self->quit_source != NULL)
    return;
  net_clear_source (&self->retry_source);
  net_clear_source (&self->finish_source);
  net_clear_source (&self->keepalive_source);
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
  net_quit_if_idle (self);
}

/* Something changed on the streaming side: audio, format, EOS or stop. */
static gboolean
on_wake (gpointer user_data)
{
  GstSttPushSink *self = user_data;
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

static gpointer
net_thread_func (gpointer user_data)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (user_data);
  guint i;

  g_main_context_push_thread_default (self->context);

  /* libsoup objects belong to the thread (and context) that made them. */
  self->session = soup_session_new_with_options ("user-agent",
      "gst-audiostream/" VERSION " sttpushsink", NULL);
  self->state = NET_IDLE;
  gst_as_backoff_init (&self->backoff, RECONNECT_MIN_MS, RECONNECT_MAX_MS,
      GST_AS_BACKOFF_DEFAULT_JITTER, g_random_int ());

  /* Catch up with anything that happened before the loop ran. */
  g_source_set_ready_time (self->wake, 0);

  g_main_loop_run (self->loop);

  g_source_destroy (self->wake);
  net_clear_source (&self->connect_timeout_source);
  net_clear_source (&self->retry_source);
  net_clear_source (&self->finish_source);
  net_clear_source (&self->quit_source);
  net_drop_connection (self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  g_clear_object (&self->msg);
  g_clear_object (&self->connect_cancellable);
  soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_pointer (&self->unreadable, g_free);
  gst_as_backoff_clear (&self->backoff);

  /* Let libsoup finish closing what it was closing (bounded: a source
   * that keeps firing must not keep the thread). */
  for (i = 0; i < 100 && g_main_context_iteration (self->context, FALSE); i++);

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* GstBaseSink                                                               */

static gboolean
gst_stt_push_sink_start (GstBaseSink * bsink)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);
  GstSttAdapter *probe;
  GError *err = NULL;
  const GstSttBackendInfo *info;

  settings_clear (&self->settings);
  settings_copy (self, &self->settings);
  info = gst_stt_backend_get_info (self->settings.backend);

  /* Settings problems show now, not when the first audio arrives: try
   * them with a format the backend accepts. */
  probe = make_adapter (&self->settings, info->min_rate, 1, &err);
  if (probe == NULL)
    goto bad_settings;
  gst_stt_adapter_free (probe);
  if (self->settings.diarize && !info->diarization)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("%s does not label speakers: diarize is ignored.", info->title),
        (NULL));
  if (!transcript_open (self, &err))
    goto no_transcript;

  g_mutex_lock (&self->lock);
  self->have_format = FALSE;
  self->live_known = FALSE;
  self->upstream_live = FALSE;
  self->flushing = FALSE;
  self->stopping = FALSE;
  self->eos = FALSE;
  self->finished = FALSE;
  self->failed = FALSE;
  self->session_state = "idle";
  self->bytes_sent = self->frames_sent = self->frames_replayed = 0;
  self->messages_received = self->messages_skipped = 0;
  self->partials = self->finals = 0;
  self->reconnects = self->keepalives = 0;
  self->frames_unreplayed = self->transcript_entries = 0;
  self->commit_pos = 0;
  self->send_timeout_us = (gint64) self->settings.send_timeout_ms * 1000;
  self->drained_us = g_get_monotonic_time ();
  self->sent_high = 0;
  self->render_gave_up = FALSE;
  gst_stt_queue_clear (&self->queue);
  g_mutex_unlock (&self->lock);

  GST_OBJECT_LOCK (self);
  self->running = TRUE;
  self->caps_error_posted = FALSE;
  GST_OBJECT_UNLOCK (self);

  self->state = NET_IDLE;
  self->attempt = 0;
  self->ever_opened = FALSE;
  self->eos_seen = FALSE;
  self->stalls = 0;
  self->rate_limited = 0;
  self->unreadable_sessions = 0;
  self->retry_in_ms = 0;
  self->resume_pos = self->session_replayed = self->session_lost = 0;
  self->pace_speed = 0;
  gst_as_rate_limit_init (&self->error_limit, SERVICE_ERRORS_PER_SECOND);
  gst_stt_session_map_reset (&self->session_map);
  gst_stt_speaker_tracker_clear (&self->speakers);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->wake = g_source_new (&wake_funcs, sizeof (GSource));
  g_source_set_static_name (self->wake, "sttpushsink wake");
  g_source_set_ready_time (self->wake, -1);
  g_source_set_callback (self->wake, on_wake, self, NULL);
  g_source_attach (self->wake, self->context);

  self->thread = g_thread_try_new ("sttpushsink", net_thread_func, self,
      &err);
  if (self->thread == NULL)
    goto no_thread;
  return TRUE;

bad_settings:
  if (g_error_matches (err, GST_STT_ERROR, GST_STT_ERROR_NOT_SUPPORTED))
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The %s backend is not supported in this build.", info->name),
        ("%s", err->message));
  else if (g_error_matches (err, GST_STT_ERROR, GST_STT_ERROR_NO_KEY))
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        ("No API key for %s: set the api-key property or %s.", info->title,
            info->key_env), ("%s", err->message));
  else if (g_error_matches (err, GST_STT_ERROR, GST_STT_ERROR_CLEARTEXT_KEY))
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Refusing to send the %s API key in clear text over ws:// to "
            "another machine: use a wss:// url; if this server needs no "
            "key, unset api-key and %s.", info->title, info->key_env),
        ("%s", err->message));
  else
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid settings for %s: %s.", info->title, err->message), (NULL));
  g_error_free (err);
  settings_clear (&self->settings);
  return FALSE;

no_transcript:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
      ("Could not open the transcript file %s for writing.",
          self->settings.transcript_location), ("%s", err->message));
  g_error_free (err);
  settings_clear (&self->settings);
  return FALSE;

no_thread:
  GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
      ("Could not start the network thread."), ("%s", err->message));
  g_error_free (err);
  transcript_close (self);
  g_source_destroy (self->wake);
  g_source_unref (self->wake);
  self->wake = NULL;
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  return FALSE;
}

static gboolean
gst_stt_push_sink_stop (GstBaseSink * bsink)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (self->thread != NULL) {
    wake_thread (self);
    g_thread_join (self->thread);
    self->thread = NULL;
  }
  if (self->wake != NULL) {
    g_source_unref (self->wake);
    self->wake = NULL;
  }
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  g_clear_pointer (&self->adapter, gst_stt_adapter_free);
  g_clear_pointer (&self->send_buf, g_free);
  transcript_close (self);
  settings_clear (&self->settings);

  g_mutex_lock (&self->lock);
  self->session_state = "stopped";
  g_mutex_unlock (&self->lock);
  GST_OBJECT_LOCK (self);
  self->running = FALSE;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_stt_push_sink_unlock (GstBaseSink * bsink)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);

  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
gst_stt_push_sink_unlock_stop (GstBaseSink * bsink)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);

  g_mutex_lock (&self->lock);
  self->flushing = FALSE;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* The fixed integer @field of the first structure of @caps, or 0. */
static gint
fixed_int (const GstCaps * caps, const gchar * field)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  gint v = 0;

  if (!gst_structure_get_int (s, field, &v))
    return 0;
  return v;
}

/* Upstream offers only audio the backend does not take: say what to put
 * in between, once a run, before the generic "not-negotiated" that
 * follows. Only for a format upstream cannot change (a fixed rate or
 * channel count), so that asking what the sink takes never fails a
 * negotiation that could still succeed. */
static void
explain_refused_format (GstSttPushSink * self, const GstSttBackendInfo * info,
    GstCaps * filter)
{
  gint rate, channels;
  gchar *text = NULL;
  gboolean post;

  if (gst_caps_is_empty (filter) || gst_caps_is_any (filter) ||
      !gst_structure_has_name (gst_caps_get_structure (filter, 0),
          "audio/x-raw"))
    return;
  rate = fixed_int (filter, "rate");
  channels = fixed_int (filter, "channels");

  if (rate > 0 && (rate < info->min_rate || rate > info->max_rate)) {
    if (info->min_rate == info->max_rate)
      text = g_strdup_printf ("%s takes audio at %d Hz only, not %d Hz: put "
          "audioresample before sttpushsink (… ! audioconvert ! "
          "audioresample ! audio/x-raw,rate=%d,channels=1 ! sttpushsink).",
          info->title, info->min_rate, rate, info->min_rate);
    else
      text = g_strdup_printf ("%s takes audio at %d to %d Hz, not %d Hz: "
          "put audioresample before sttpushsink.", info->title,
          info->min_rate, info->max_rate, rate);
  } else if (channels > info->max_channels) {
    text = g_strdup_printf ("%s takes at most %d channel%s, not %d: put "
        "audioconvert before sttpushsink.", info->title, info->max_channels,
        info->max_channels == 1 ? "" : "s", channels);
  }
  if (text == NULL)
    return;

  GST_OBJECT_LOCK (self);
  post = self->running && !self->caps_error_posted;
  if (post)
    self->caps_error_posted = TRUE;
  GST_OBJECT_UNLOCK (self);

  if (post)
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("%s", text),
        ("upstream offers %" GST_PTR_FORMAT, filter));
  else
    GST_DEBUG_OBJECT (self, "%s", text);
  g_free (text);
}

static GstCaps *
gst_stt_push_sink_get_caps (GstBaseSink * bsink, GstCaps * filter)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);
  const GstSttBackendInfo *info;
  GstCaps *caps, *result;
  GstStructure *s;

  GST_OBJECT_LOCK (self);
  info = gst_stt_backend_get_info (self->backend);
  GST_OBJECT_UNLOCK (self);

  s = gst_structure_new ("audio/x-raw",
      "format", G_TYPE_STRING, "S16LE",
      "layout", G_TYPE_STRING, "interleaved", NULL);
  if (info->min_rate == info->max_rate)
    gst_structure_set (s, "rate", G_TYPE_INT, info->min_rate, NULL);
  else
    gst_structure_set (s, "rate", GST_TYPE_INT_RANGE, info->min_rate,
        info->max_rate, NULL);
  if (info->max_channels == 1)
    gst_structure_set (s, "channels", G_TYPE_INT, 1, NULL);
  else
    gst_structure_set (s, "channels", GST_TYPE_INT_RANGE, 1,
        info->max_channels, NULL);
  caps = gst_caps_new_full (s, NULL);

  if (filter == NULL)
    return caps;
  result = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref (caps);
  if (gst_caps_is_empty (result))
    explain_refused_format (self, info, filter);
  return result;
}

/* Upstream proposing caps the backend refuses (a CAPS event's check)
 * learns what to put in between. */
static gboolean
gst_stt_push_sink_query (GstBaseSink * bsink, GstQuery * query)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);
  gboolean ret = GST_BASE_SINK_CLASS (parent_class)->query (bsink, query);

  if (GST_QUERY_TYPE (query) == GST_QUERY_ACCEPT_CAPS) {
    GstCaps *caps;
    gboolean accepted = FALSE;

    gst_query_parse_accept_caps (query, &caps);
    gst_query_parse_accept_caps_result (query, &accepted);
    if (ret && !accepted && caps != NULL) {
      const GstSttBackendInfo *info;

      GST_OBJECT_LOCK (self);
      info = gst_stt_backend_get_info (self->backend);
      GST_OBJECT_UNLOCK (self);
      explain_refused_format (self, info, caps);
    }
  }
  return ret;
}

/* Frames per WebSocket frame: chunk-ms, within what the backend takes. */
static guint
fit_chunk (GstSttPushSink * self, guint chunk_ms, gint rate,
    const GstSttBackendInfo * info)
{
  guint ms = CLAMP (chunk_ms, info->min_chunk_ms, info->max_chunk_ms);

  if (ms != chunk_ms)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("%s takes %u to %u ms of audio per frame: sending %u ms chunks "
            "instead of chunk-ms=%u.", info->title, info->min_chunk_ms,
            info->max_chunk_ms, ms, chunk_ms), (NULL));
  return MAX (1, gst_util_uint64_scale_int (ms, rate, 1000));
}

static gboolean
gst_stt_push_sink_set_caps (GstBaseSink * bsink, GstCaps * caps)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);
  const GstSttBackendInfo *info;
  GstAudioInfo ainfo;
  guint chunk_ms, queue_ms, chunk;
  guint64 capacity;
  gint rate, channels;

  if (!gst_audio_info_from_caps (&ainfo, caps))
    goto invalid_caps;
  rate = GST_AUDIO_INFO_RATE (&ainfo);
  channels = GST_AUDIO_INFO_CHANNELS (&ainfo);

  GST_OBJECT_LOCK (self);
  info = gst_stt_backend_get_info (self->backend);
  chunk_ms = self->chunk_ms;
  queue_ms = self->queue_ms;
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->lock);
  if (self->have_format) {
    gboolean same = self->rate == rate && self->channels == channels;
    gint old_rate = self->rate, old_channels = self->channels;

    g_mutex_unlock (&self->lock);
    if (same)
      return TRUE;
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("The audio format cannot change during a session (was %d Hz, %d "
            "channels; now %d Hz, %d channels).", old_rate, old_channels,
            rate, channels), ("new caps: %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  g_mutex_unlock (&self->lock);

  chunk = fit_chunk (self, chunk_ms, rate, info);
  capacity = MAX (gst_util_uint64_scale_int (queue_ms, rate, 1000),
      2 * (guint64) chunk);

  g_mutex_lock (&self->lock);
  gst_stt_queue_clear (&self->queue);
  gst_stt_queue_init (&self->queue, GST_AUDIO_INFO_BPF (&ainfo), capacity);
  gst_stt_clock_map_reset (&self->clock_map, rate);
  self->rate = rate;
  self->channels = channels;
  self->bpf = GST_AUDIO_INFO_BPF (&ainfo);
  self->chunk_frames = chunk;
  self->have_format = TRUE;
  self->drained_us = g_get_monotonic_time ();
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  GST_INFO_OBJECT (self, "%d Hz, %d channel(s), chunks of %u frames, queue "
      "of %" G_GUINT64_FORMAT " frames", rate, channels, chunk, capacity);
  wake_thread (self);
  return TRUE;

invalid_caps:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Could not parse the audio format."), ("caps: %" GST_PTR_FORMAT, caps));
  return FALSE;
}

/* Blocks until every final of the stream is posted, or there is no point
 * waiting any more (failure, flush, stop). The network thread bounds the
 * wait by finish-timeout-ms. Returns FALSE when the session failed. */
static gboolean
wait_finished (GstSttPushSink * self)
{
  gboolean failed;

  g_mutex_lock (&self->lock);
  self->eos = TRUE;
  g_mutex_unlock (&self->lock);
  wake_thread (self);

  g_mutex_lock (&self->lock);
  while (!self->finished && !self->failed && !self->flushing &&
      !self->stopping)
    g_cond_wait (&self->cond, &self->lock);
  failed = self->failed;
  g_mutex_unlock (&self->lock);
  return !failed;
}

static gboolean
gst_stt_push_sink_event (GstBaseSink * bsink, GstEvent * event)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      GST_DEBUG_OBJECT (self, "EOS: finishing the session");
      if (!wait_finished (self)) {
        /* An EOS now would tell the application it has every final. */
        GST_DEBUG_OBJECT (self, "session failed: EOS not posted");
        gst_event_unref (event);
        return FALSE;
      }
      GST_DEBUG_OBJECT (self, "EOS: finished");
      break;
    case GST_EVENT_FLUSH_STOP:
      /* What was queued belongs to the old position. */
      g_mutex_lock (&self->lock);
      if (self->have_format) {
        gst_stt_queue_discard (&self->queue);
        /* flushed on purpose: not a loss if a session drops */
        self->commit_pos = self->queue.write_pos;
      }
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}

static void
detect_upstream_live (GstSttPushSink * self)
{
  gboolean upstream_live = FALSE;

  if (!gst_base_sink_query_latency (GST_BASE_SINK (self), NULL,
          &upstream_live, NULL, NULL))
    upstream_live = FALSE;

  GST_INFO_OBJECT (self, "upstream is %s: %s when the queue is full",
      upstream_live ? "live" : "not live",
      upstream_live ? "drop the oldest audio" : "wait");
  g_mutex_lock (&self->lock);
  self->upstream_live = upstream_live;
  self->live_known = TRUE;
  g_mutex_unlock (&self->lock);
}

/* called with self->lock held; waits for room instead of dropping, as
 * long as the service takes audio. When nothing has left the queue for
 * twice send-timeout-ms (the service stopped reading, and reconnecting did
 * not help), waiting any longer would hold the pipeline hostage: an EOS or
 * a state change sent to the source waits for this thread. The oldest
 * unsent audio is then lost instead, counted, and @gave_up says so once. */
static GstFlowReturn
write_blocking (GstSttPushSink * self, const guint8 * data, guint64 frames,
    gboolean * gave_up)
{
  /* Half the queue stays for the replay of audio the service took but
   * has not transcribed yet: a stalled service loses none of it. */
  guint64 keep = self->queue.capacity / 2;

  while (frames > 0) {
    guint64 n = gst_stt_queue_write_keeping (&self->queue, data, frames,
        keep);
    gint64 deadline;

    data += n * self->bpf;
    frames -= n;
    if (frames == 0)
      break;
    if (self->flushing)
      return GST_FLOW_FLUSHING;
    if (self->failed)
      return GST_FLOW_ERROR;
    deadline = self->drained_us + 2 * self->send_timeout_us;
    if (g_get_monotonic_time () >= deadline) {
      gst_stt_queue_write_overwrite (&self->queue, data, frames);
      *gave_up = !self->render_gave_up;
      self->render_gave_up = TRUE;
      break;
    }
    /* Full: make sure the thread is sending, then wait for it. */
    g_mutex_unlock (&self->lock);
    wake_thread (self);
    g_mutex_lock (&self->lock);
    if (gst_stt_queue_space_keeping (&self->queue, keep) == 0 &&
        !self->flushing && !self->failed)
      g_cond_wait_until (&self->cond, &self->lock, deadline);
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_stt_push_sink_render (GstBaseSink * bsink, GstBuffer * buffer)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);
  GstFlowReturn ret = GST_FLOW_OK;
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  GstMapInfo map;
  guint64 frames, lost;
  gboolean live_known, wake, gave_up = FALSE;

  g_mutex_lock (&self->lock);
  live_known = self->live_known;
  g_mutex_unlock (&self->lock);
  if (G_UNLIKELY (!live_known))
    detect_upstream_live (self);

  if (GST_BUFFER_PTS_IS_VALID (buffer))
    running_time = gst_segment_to_running_time (&bsink->segment,
        GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    goto map_failed;

  g_mutex_lock (&self->lock);
  if (G_UNLIKELY (!self->have_format))
    goto not_negotiated;
  if (G_UNLIKELY (self->failed))
    goto failed;

  frames = map.size / self->bpf;
  gst_stt_clock_map_record (&self->clock_map, self->queue.write_pos,
      running_time);
  if (self->upstream_live) {
    lost = gst_stt_queue_write_overwrite (&self->queue, map.data, frames);
    if (lost > 0)
      GST_DEBUG_OBJECT (self, "queue full: dropped %" G_GUINT64_FORMAT
          " oldest frames", lost);
  } else {
    ret = write_blocking (self, map.data, frames, &gave_up);
  }
  wake = gst_stt_queue_unsent (&self->queue) >= self->chunk_frames;
  g_mutex_unlock (&self->lock);

  gst_buffer_unmap (buffer, &map);
  if (gave_up)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("The service took no audio for %" G_GINT64_FORMAT " ms: the "
            "oldest queued audio is dropped (dropped-ms in stats) until it "
            "reads again.", self->send_timeout_us / 500),
        ("twice send-timeout-ms without progress; upstream is not live"));
  if (wake)
    wake_thread (self);
  return ret;

map_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Could not read the buffer."),
      (NULL));
  return GST_FLOW_ERROR;

not_negotiated:
  g_mutex_unlock (&self->lock);
  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_NOT_NEGOTIATED;

failed:
  g_mutex_unlock (&self->lock);
  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_ERROR;
}
