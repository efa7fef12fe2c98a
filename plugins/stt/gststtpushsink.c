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
 * `render()` only copies audio into a bounded queue of `queue-ms`; one
 * network thread, shared by every speech-to-text element of the process
 * and running its own GMainContext, owns the WebSockets and sends
 * `chunk-ms` frames as they fill. A non-live upstream (a file) waits
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

#include <string.h>

#include "audiostream/netsink.h"
#include "audiostream/propbind.h"

#include "stt-backend.h"
#include "stt-element.h"
#include "stt-session.h"
#include "stt-transcript.h"

GST_DEBUG_CATEGORY_STATIC (gst_stt_push_sink_debug);
#define GST_CAT_DEFAULT gst_stt_push_sink_debug

#define DEFAULT_TRANSCRIPT_LOCATION NULL
#define DEFAULT_TRANSCRIPT_FORMAT GST_STT_TRANSCRIPT_AUTO

enum
{
  PROP_0,
  PROP_TRANSCRIPT_LOCATION,
  PROP_TRANSCRIPT_FORMAT,
  PROP_STATS,
  PROP_STT_FIRST,               /* the shared ones (stt-properties.h) */
};

/* Properties, copied when the element starts: the session thread, which
 * writes the transcript, reads the copy without the object lock. */
typedef struct
{
  gchar *transcript_location;
  GstSttTranscriptFormat transcript_format;
} Settings;

/* Lock order: the object lock, then the session's lock (stats), never the
 * other way round; the session's lock is a leaf (stt-session.h). The
 * format is the element session's (stt-element.h). */
struct _GstSttPushSink
{
  GstBaseSink parent;

  /* properties, under the object lock */
  GstSttProperties props;
  gchar *transcript_location;
  GstSttTranscriptFormat transcript_format;

  /* the session: created in start(), freed in stop() (stt-element.h
   * says what is under which lock) */
  GstSttElementSession es;
  Settings settings;            /* copied in start() */

  /* the transcript file: opened in start(), written by the session
   * thread (as finals are posted), closed when EOS goes on or in stop() */
  GstSttTranscriptFile transcript;
};

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

/* the GstBaseSink half (netsink.h), at the end */
static const GstAsNetSinkOps sink_ops;

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
static void read_stats (GObject * object, GValue * value);
static GstCaps *gst_stt_push_sink_get_caps (GstBaseSink * bsink,
    GstCaps * filter);
static gboolean gst_stt_push_sink_query (GstBaseSink * bsink,
    GstQuery * query);

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
  gst_as_net_sink_class_init (basesink_class, &sink_ops);

  gst_stt_properties_install (gobject_class, PROP_STT_FIRST);
  gst_as_prop_bind_slots (gobject_class, PROP_STT_FIRST, GST_STT_N_PROPS,
      G_STRUCT_OFFSET (GstSttPushSink, props),
      (GstAsPropSetFunc) gst_stt_properties_set,
      (GstAsPropGetFunc) gst_stt_properties_get);
  gst_as_prop_install_field (gobject_class, PROP_TRANSCRIPT_LOCATION,
      g_param_spec_string ("transcript-location", "Transcript location",
          "File to write every final to as well, as it arrives (NULL: "
          "none); it is complete when EOS is posted. The format is "
          "transcript-format", DEFAULT_TRANSCRIPT_LOCATION, rw_ready),
      G_STRUCT_OFFSET (GstSttPushSink, transcript_location), 0);
  gst_as_prop_install_field (gobject_class, PROP_TRANSCRIPT_FORMAT,
      g_param_spec_enum ("transcript-format", "Transcript format",
          "Format of transcript-location: JSON Lines (an object per "
          "final, with words), WebVTT or SubRip; auto picks by extension "
          "(.vtt, .srt, else JSON Lines)",
          GST_TYPE_STT_PUSH_SINK_TRANSCRIPT_FORMAT,
          DEFAULT_TRANSCRIPT_FORMAT, rw_ready),
      G_STRUCT_OFFSET (GstSttPushSink, transcript_format), 0);
  gst_as_prop_install_reader (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "sttpushsink-stats: state, bytes-sent, audio-sent-ms, "
          "audio-replayed-ms, unreplayed-ms, queue-level-ms, dropped-ms, "
          "overflows, messages-received, messages-skipped (malformed or "
          "oversized), partials, finals, reconnects, keepalives-sent, "
          "connect-failures (attempts to open a session that failed), "
          "transcript-entries, lag-ms and max-lag-ms (how long after its "
          "audio's capture the last and the slowest final came; -1 until "
          "measured: live upstreams only), lag-warnings",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS),
      read_stats);

  gst_element_class_add_static_pad_template (element_class,
      &gst_stt_sink_template);
  gst_element_class_set_static_metadata (element_class,
      "Speech-to-text push sink", "Sink/Network/Audio",
      "Streams audio over a WebSocket to a speech-to-text service "
      "(Deepgram, AssemblyAI, Speechmatics, OpenAI, Vosk) and posts "
      "transcripts as bus messages",
      "gst-audiostream developers");

  basesink_class->get_caps = GST_DEBUG_FUNCPTR (gst_stt_push_sink_get_caps);
  basesink_class->query = GST_DEBUG_FUNCPTR (gst_stt_push_sink_query);
}

static void
gst_stt_push_sink_init (GstSttPushSink * self)
{
  gst_stt_properties_init (&self->props);
  self->transcript_location = g_strdup (DEFAULT_TRANSCRIPT_LOCATION);
  self->transcript_format = DEFAULT_TRANSCRIPT_FORMAT;
  gst_stt_element_session_init (&self->es);
  gst_as_net_sink_init (GST_BASE_SINK (self));
}

static void
gst_stt_push_sink_finalize (GObject * object)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (object);

  gst_stt_properties_clear (&self->props);
  gst_stt_element_session_clear (&self->es);
  g_free (self->transcript_location);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* the stats property: the session's counters */
static void
read_stats (GObject * object, GValue * value)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (object);

  g_value_take_boxed (value, gst_stt_element_session_stats (&self->es,
          GST_ELEMENT (self), g_atomic_int_get (&self->transcript.entries)));
}

/* ------------------------------------------------------------------------ */
/* Settings                                                                  */

static void
settings_clear (Settings * s)
{
  g_free (s->transcript_location);
  memset (s, 0, sizeof (*s));
}

static void
settings_copy (GstSttPushSink * self, Settings * s)
{
  GST_OBJECT_LOCK (self);
  s->transcript_location = g_strdup (self->transcript_location);
  s->transcript_format = self->transcript_format;
  GST_OBJECT_UNLOCK (self);
}


/* ------------------------------------------------------------------------ */
/* Transcript file                                                           */

static void
transcript_close (GstSttPushSink * self)
{
  GError *err = NULL;

  if (!gst_stt_transcript_file_close (&self->transcript, &err)) {
    GST_ELEMENT_WARNING (self, RESOURCE, CLOSE,
        ("Could not finish writing the transcript to %s.",
            self->settings.transcript_location), ("%s", err->message));
    g_error_free (err);
  }
}

/* A write error is said once; the bus messages go on. */
static void
write_transcript (GstSttPushSink * self, const GstStructure * final)
{
  GError *err = NULL;

  if (!gst_stt_transcript_file_write (&self->transcript, final, &err)) {
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Could not write the transcript to %s: no more finals go there.",
            self->settings.transcript_location), ("%s", err->message));
    g_error_free (err);
  }
}

/* ------------------------------------------------------------------------ */
/* The session's callbacks (on its thread)                                   */

/* a final is in the file before it is on the bus */
static void
on_session_post (GstElement * element, GstStructure * s, gboolean final)
{
  if (final)
    write_transcript (GST_STT_PUSH_SINK (element), s);
}

/* ------------------------------------------------------------------------ */
/* GstBaseSink                                                               */

static gboolean
gst_stt_push_sink_start (GstBaseSink * bsink)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);
  GError *err = NULL;

  settings_clear (&self->settings);
  settings_copy (self, &self->settings);
  if (!gst_stt_element_session_start (&self->es, GST_ELEMENT (self),
          &self->props, FALSE, on_session_post))
    goto no_session;
  /* no final comes before the format is known: the file is open by then */
  if (!gst_stt_transcript_file_open (&self->transcript,
          self->settings.transcript_location,
          self->settings.transcript_format, &err))
    goto no_transcript;
  return TRUE;

no_session:
  settings_clear (&self->settings);
  return FALSE;

no_transcript:
  GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
      ("Could not open the transcript file %s for writing.",
          self->settings.transcript_location), ("%s", err->message));
  g_error_free (err);
  gst_stt_element_session_stop (&self->es, GST_ELEMENT (self));
  settings_clear (&self->settings);
  return FALSE;
}

static gboolean
gst_stt_push_sink_stop (GstBaseSink * bsink)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);

  gst_stt_element_session_stop (&self->es, GST_ELEMENT (self));
  transcript_close (self);
  settings_clear (&self->settings);
  return TRUE;
}

static GstCaps *
gst_stt_push_sink_get_caps (GstBaseSink * bsink, GstCaps * filter)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);

  return gst_stt_element_sink_caps (&self->es, GST_ELEMENT (self),
      &self->props, filter);
}

/* Upstream proposing caps the backend refuses (a CAPS event's check)
 * learns what to put in between. */
static gboolean
gst_stt_push_sink_query (GstBaseSink * bsink, GstQuery * query)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);

  return gst_stt_element_accept_caps (&self->es, GST_ELEMENT (self),
      &self->props, query, GST_BASE_SINK_CLASS (parent_class)->query (bsink,
          query));
}

static gboolean
gst_stt_push_sink_set_caps (GstBaseSink * bsink, GstCaps * caps)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);

  return gst_stt_element_session_set_format (&self->es, GST_ELEMENT (self),
      caps);
}

/* EOS: every final is on the bus and in the file before EOS is. */
static gboolean
finish (GstBaseSink * bsink)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);

  GST_DEBUG_OBJECT (self, "EOS: finishing the session");
  if (gst_stt_session_finish (self->es.session) == GST_STT_FINISH_FAILED) {
    /* An EOS now would tell the application it has every final. */
    GST_DEBUG_OBJECT (self, "session failed: EOS not posted");
    return FALSE;
  }
  transcript_close (self);
  GST_DEBUG_OBJECT (self, "EOS: finished");
  return TRUE;
}

static void
flush (GstBaseSink * bsink)
{
  gst_stt_session_flush (GST_STT_PUSH_SINK (bsink)->es.session);
}

/* the session exists from start() to stop() */
static void
unlock (GstBaseSink * bsink, gboolean unlocked)
{
  GstSttSession *session = GST_STT_PUSH_SINK (bsink)->es.session;

  if (session != NULL && unlocked)
    gst_stt_session_unlock (session);
  else if (session != NULL)
    gst_stt_session_unlock_stop (session);
}

/* render(): the bytes and their running time to the session */
static GstFlowReturn
write_audio (GstBaseSink * bsink, GstBuffer * buffer, const guint8 * data,
    gsize size)
{
  GstSttPushSink *self = GST_STT_PUSH_SINK (bsink);

  return gst_stt_element_session_write_mapped (&self->es, &bsink->segment,
      buffer, data, size, gst_stt_session_upstream_live (self->es.session));
}

static const GstAsNetSinkOps sink_ops = {
  gst_stt_push_sink_start, gst_stt_push_sink_stop,
  gst_stt_push_sink_set_caps, write_audio, finish, flush, unlock,
};
