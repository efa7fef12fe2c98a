/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-stttranscriber
 * @title: stttranscriber
 *
 * Transcribes raw S16LE audio with a streaming speech-to-text service and
 * outputs the text as a stream: `text/x-raw, format=utf8` buffers on its
 * src pad, one per final, timestamped with the running time of the words'
 * audio, so that stock elements take it from there: `webvttenc` and
 * `srtenc` write subtitles, `textoverlay` shows captions, `tttocea608`
 * makes CEA-608.
 *
 * It speaks to the same services through the same session as
 * sttpushsink (backends, properties, reconnection with replay, the finish
 * at EOS) and posts the same element messages, named
 * `stttranscriber-final`, `stttranscriber-partial`,
 * `stttranscriber-session` … (docs/messages.md describes every field).
 *
 * # Timestamps
 *
 * The src pad's segment is a TIME segment from 0 whose times are running
 * times: a buffer's PTS is the running time of the final's first audio
 * on the sink pad, its duration that of its audio (from the service's
 * word times). Downstream synchronises text and video by running time,
 * so this holds across segments and seeks.
 *
 * # Latency, GAP events and late text
 *
 * A service sends a final some time after the audio it covers (an
 * utterance, plus the service's own delay). `latency-ms` is how long the
 * element lets text take: it adds it to the latency it answers upstream's
 * in LATENCY queries (live), and, once the clock runs, it sends GAP
 * events up to the running time now minus `latency-ms`, every 100 ms, so
 * that downstream (`textoverlay`, an aggregator) knows there is no text
 * before then and keeps flowing in silence. A final whose audio started
 * before the text already went out is *late*: it is pushed at once, its
 * PTS moved to the end of what went out (its duration kept), and counted
 * in the `late` and `max-late-ms` stats, as the lateness handling of
 * gst-plugins-rs' transcribers does. Set `latency-ms` above the longest
 * utterance plus the service's delay (the `lag-ms` of finals shows it).
 *
 * # Partials
 *
 * With `interim=partial`, partial hypotheses become buffers too, flagged
 * GST_BUFFER_FLAG_DELTA_UNIT: each restates the unfinished text from its
 * PTS on, and the next partial or final replaces it. They never make a
 * final late (they do not move the position); their PTS is not before
 * the last final's end. `interim=partial` asks the service for partials
 * even when `interim-results` is off. Subtitle encoders cannot tell them
 * apart: leave `interim=none` (the default) for subtitles.
 *
 * # End of stream
 *
 * At EOS the element sends the backend's end-of-stream message, waits for
 * its last reply (at most `finish-timeout-ms`), pushes every final, then
 * EOS: a subtitle file is complete when EOS reaches the sink.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=talk.wav ! wavparse ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=16000,channels=1 ! stttranscriber backend=vosk url=ws://127.0.0.1:2700 ! webvttenc ! filesink location=talk.vtt
 * ]| Subtitles for a recording, through the stock WebVTT encoder, from a
 * local Vosk-protocol server.
 *
 * |[
 * DEEPGRAM_API_KEY=… gst-launch-1.0 autovideosrc ! videoconvert ! textoverlay name=o ! videoconvert ! autovideosink  autoaudiosrc ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=16000,channels=1 ! stttranscriber latency-ms=5000 ! o.text_sink
 * ]| Live captions over the camera picture.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gststttranscriber.h"

#include <string.h>

#include "stt-backend.h"
#include "stt-properties.h"
#include "stt-session.h"
#include "stt-timeline.h"

GST_DEBUG_CATEGORY_STATIC (gst_stt_transcriber_debug);
#define GST_CAT_DEFAULT gst_stt_transcriber_debug

#define DEFAULT_LATENCY_MS 8000
#define DEFAULT_INTERIM GST_STT_TRANSCRIBER_INTERIM_NONE

/* how often the src task looks at the clock for GAP events, and the
 * shortest GAP it sends */
#define GAP_TICK (100 * GST_MSECOND)

#define SINK_CAPS \
  "audio/x-raw, format = (string) S16LE, layout = (string) interleaved, " \
  "rate = (int) [ 8000, 48000 ], channels = (int) [ 1, 8 ]"
#define SRC_CAPS "text/x-raw, format = (string) utf8"

#define MESSAGE_PREFIX "sttpushsink-"

enum
{
  PROP_0,
  PROP_LATENCY_MS,
  PROP_INTERIM,
  PROP_STATS,
  PROP_STT_FIRST,               /* the shared ones (stt-properties.h) */
};

#define IS_STT_PROP(id) \
  ((id) >= PROP_STT_FIRST && (id) < PROP_STT_FIRST + GST_STT_N_PROPS)

/* Lock order: out_lock, then the object lock (the src task reads the
 * clock), then the session's lock; out_lock is held for queue bookkeeping
 * only, never across a push, a session call or a message post. */
struct _GstSttTranscriber
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, under the object lock */
  GstSttProperties props;
  guint latency_ms;
  GstSttTranscriberInterim interim;

  /* the session: made in READY→PAUSED, freed in PAUSED→READY */
  GstSttElementSession es;
  GstClockTime latency;         /* latency-ms, as started */
  GstSttTranscriberInterim settings_interim;

  /* streaming thread only */
  GstSegment in_segment;
  gint live;                    /* -1 not known yet, 0, 1 */

  /* the output: what the session thread and the sink pad's streaming
   * thread hand to the src pad's task, under out_lock */
  GMutex out_lock;
  GCond out_cond;
  GQueue out_queue;             /* GstBuffer and serialised GstEvent */
  gboolean out_flushing;        /* the task must leave */
  gboolean out_started;         /* the segment went out: GAPs may follow */
  gboolean out_eos;             /* EOS went out: nothing more */
  GstSttTextOut out;
  guint64 buffers_pushed;
  guint64 gaps_pushed;
};

GType
gst_stt_transcriber_interim_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_STT_TRANSCRIBER_INTERIM_NONE, "Finals only", "none"},
    {GST_STT_TRANSCRIBER_INTERIM_PARTIAL, "Partials too, flagged "
          "GST_BUFFER_FLAG_DELTA_UNIT", "partial"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSttTranscriberInterim", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (SINK_CAPS));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (SRC_CAPS));

#define gst_stt_transcriber_parent_class parent_class
G_DEFINE_TYPE (GstSttTranscriber, gst_stt_transcriber, GST_TYPE_ELEMENT);

static void
element_init_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (gst_stt_transcriber_debug, "stttranscriber", 0,
        "Streaming speech-to-text to text/x-raw");
    gst_type_mark_as_plugin_api (GST_TYPE_STT_PUSH_SINK_BACKEND, 0);
    gst_type_mark_as_plugin_api (GST_TYPE_STT_TRANSCRIBER_INTERIM, 0);
    g_once_init_leave (&done, 1);
  }
}

GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (stttranscriber, "stttranscriber",
    GST_RANK_NONE, GST_TYPE_STT_TRANSCRIBER, element_init_once ());

static void gst_stt_transcriber_finalize (GObject * object);
static void gst_stt_transcriber_set_property (GObject * object,
    guint prop_id, const GValue * value, GParamSpec * pspec);
static void gst_stt_transcriber_get_property (GObject * object,
    guint prop_id, GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_stt_transcriber_change_state (GstElement *
    element, GstStateChange transition);
static GstFlowReturn gst_stt_transcriber_chain (GstPad * pad,
    GstObject * parent, GstBuffer * buffer);
static gboolean gst_stt_transcriber_sink_event (GstPad * pad,
    GstObject * parent, GstEvent * event);
static gboolean gst_stt_transcriber_sink_query (GstPad * pad,
    GstObject * parent, GstQuery * query);
static gboolean gst_stt_transcriber_src_query (GstPad * pad,
    GstObject * parent, GstQuery * query);
static gboolean gst_stt_transcriber_src_activate_mode (GstPad * pad,
    GstObject * parent, GstPadMode mode, gboolean active);

static void
gst_stt_transcriber_class_init (GstSttTranscriberClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  element_init_once ();

  gobject_class->finalize = gst_stt_transcriber_finalize;
  gobject_class->set_property = gst_stt_transcriber_set_property;
  gobject_class->get_property = gst_stt_transcriber_get_property;

  gst_stt_properties_install (gobject_class, PROP_STT_FIRST);
  g_object_class_install_property (gobject_class, PROP_LATENCY_MS,
      g_param_spec_uint ("latency-ms", "Latency",
          "How long text may take after its audio, in ms: added to the "
          "latency answered in LATENCY queries (live upstream), and GAP "
          "events go out up to the running time now minus this. A final "
          "whose audio started before what already went out is late: "
          "pushed at once at the end of what went out, and counted (late "
          "in stats)", 0, 600000, DEFAULT_LATENCY_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_INTERIM,
      g_param_spec_enum ("interim", "Interim text",
          "Whether partial hypotheses become buffers too: none (finals "
          "only), or partial (flagged GST_BUFFER_FLAG_DELTA_UNIT; each "
          "replaces the previous partial, and the final replaces them; "
          "asks the service for partials even with interim-results off)",
          GST_TYPE_STT_TRANSCRIBER_INTERIM, DEFAULT_INTERIM,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "stttranscriber-stats: the fields of sttpushsink-stats (state, "
          "bytes-sent, audio-sent-ms, audio-replayed-ms, unreplayed-ms, "
          "queue-level-ms, dropped-ms, overflows, messages-received, "
          "messages-skipped, partials, finals, reconnects, keepalives-sent, "
          "connect-failures, "
          "lag-ms, max-lag-ms, lag-warnings) and buffers-pushed, "
          "gaps-pushed, late (finals pushed later than latency-ms allowed) "
          "and max-late-ms (by how much the latest was)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Speech-to-text transcriber", "Filter/Audio/Text",
      "Transcribes audio with a streaming speech-to-text service "
      "(Deepgram, AssemblyAI, Speechmatics, OpenAI, Vosk) into "
      "timestamped text/x-raw", "gst-audiostream developers");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_stt_transcriber_change_state);
}

static void
gst_stt_transcriber_init (GstSttTranscriber * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_stt_transcriber_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_stt_transcriber_sink_event));
  gst_pad_set_query_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_stt_transcriber_sink_query));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (self->srcpad);
  gst_pad_set_query_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_stt_transcriber_src_query));
  gst_pad_set_activatemode_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_stt_transcriber_src_activate_mode));
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  gst_stt_properties_init (&self->props);
  self->latency_ms = DEFAULT_LATENCY_MS;
  self->interim = DEFAULT_INTERIM;
  gst_stt_element_session_init (&self->es);

  g_mutex_init (&self->out_lock);
  g_cond_init (&self->out_cond);
  g_queue_init (&self->out_queue);
  gst_stt_text_out_reset (&self->out);
  gst_segment_init (&self->in_segment, GST_FORMAT_TIME);
  self->live = -1;
}

static void
gst_stt_transcriber_finalize (GObject * object)
{
  GstSttTranscriber *self = GST_STT_TRANSCRIBER (object);

  gst_stt_properties_clear (&self->props);
  gst_stt_element_session_clear (&self->es);
  g_queue_clear_full (&self->out_queue, (GDestroyNotify) gst_mini_object_unref);
  g_mutex_clear (&self->out_lock);
  g_cond_clear (&self->out_cond);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_stt_transcriber_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstSttTranscriber *self = GST_STT_TRANSCRIBER (object);

  GST_OBJECT_LOCK (self);
  if (IS_STT_PROP (prop_id)) {
    gst_stt_properties_set (&self->props, prop_id - PROP_STT_FIRST, value);
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_LATENCY_MS:
      self->latency_ms = g_value_get_uint (value);
      break;
    case PROP_INTERIM:
      self->interim = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static GstStructure *
make_stats (GstSttTranscriber * self)
{
  GstStructure *s;
  GstSttTextOut out;
  guint64 buffers, gaps;

  g_mutex_lock (&self->out_lock);
  out = self->out;
  buffers = self->buffers_pushed;
  gaps = self->gaps_pushed;
  g_mutex_unlock (&self->out_lock);

  s = gst_stt_element_session_stats (&self->es, GST_ELEMENT (self), 0);
  gst_structure_set_name (s, "stttranscriber-stats");
  gst_structure_remove_field (s, "transcript-entries");
  gst_structure_set (s, "buffers-pushed", G_TYPE_UINT64, buffers,
      "gaps-pushed", G_TYPE_UINT64, gaps,
      "late", G_TYPE_UINT64, out.late,
      "max-late-ms", G_TYPE_UINT64, out.max_late / GST_MSECOND, NULL);
  return s;
}

static void
gst_stt_transcriber_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstSttTranscriber *self = GST_STT_TRANSCRIBER (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return;
  }

  GST_OBJECT_LOCK (self);
  if (IS_STT_PROP (prop_id)) {
    gst_stt_properties_get (&self->props, prop_id - PROP_STT_FIRST, value);
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_LATENCY_MS:
      g_value_set_uint (value, self->latency_ms);
      break;
    case PROP_INTERIM:
      g_value_set_enum (value, self->interim);
      break;
    default:
      /* api-key is write-only: GObject never asks for it. */
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------ */
/* The output queue                                                          */

/* Hands @obj to the src task (takes it). FALSE when flushing. */
static gboolean
out_enqueue (GstSttTranscriber * self, GstMiniObject * obj)
{
  g_mutex_lock (&self->out_lock);
  if (self->out_flushing || self->out_eos) {
    g_mutex_unlock (&self->out_lock);
    gst_mini_object_unref (obj);
    return FALSE;
  }
  g_queue_push_tail (&self->out_queue, obj);
  g_cond_broadcast (&self->out_cond);
  g_mutex_unlock (&self->out_lock);
  return TRUE;
}

/* A flush drops the queued text and events but the sticky events a flush
 * keeps on a pad (stream-start, caps, tags …; not segment, not EOS), so
 * that the stream still starts right. Called with out_lock held. */
static void
out_drop_flushed (GstSttTranscriber * self)
{
  GQueue kept = G_QUEUE_INIT;
  GstMiniObject *obj;

  while ((obj = g_queue_pop_head (&self->out_queue)) != NULL) {
    if (GST_IS_EVENT (obj) && GST_EVENT_IS_STICKY (obj) &&
        GST_EVENT_TYPE (obj) != GST_EVENT_SEGMENT &&
        GST_EVENT_TYPE (obj) != GST_EVENT_EOS)
      g_queue_push_tail (&kept, obj);
    else
      gst_mini_object_unref (obj);
  }
  self->out_queue = kept;
}

static void
out_set_flushing (GstSttTranscriber * self, gboolean flushing)
{
  g_mutex_lock (&self->out_lock);
  self->out_flushing = flushing;
  if (flushing) {
    out_drop_flushed (self);
  } else {
    /* a new stream, or the same after a flush: a segment comes first */
    self->out_started = FALSE;
    self->out_eos = FALSE;
    self->out.position = GST_CLOCK_TIME_NONE;
  }
  g_cond_broadcast (&self->out_cond);
  g_mutex_unlock (&self->out_lock);
}

/* A text buffer of @text for [@pts, @pts + @duration). */
static GstBuffer *
text_buffer (const gchar * text, GstClockTime pts, GstClockTime duration)
{
  gsize len = strlen (text);
  GstBuffer *buf = gst_buffer_new_memdup (text, len);

  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = duration;
  return buf;
}

/* The running time of the audio of a -final or -partial structure, and
 * its duration. Without timestamps upstream, the stream time. */
static gboolean
transcript_times (const GstStructure * s, GstClockTime * pts,
    GstClockTime * duration)
{
  guint64 rt = GST_CLOCK_TIME_NONE, start_ms, end_ms;

  if (!gst_structure_get_uint64 (s, "start-ms", &start_ms) ||
      !gst_structure_get_uint64 (s, "end-ms", &end_ms))
    return FALSE;
  gst_structure_get_uint64 (s, "running-time", &rt);
  *pts = GST_CLOCK_TIME_IS_VALID (rt) ? rt : start_ms * GST_MSECOND;
  *duration = (MAX (end_ms, start_ms) - start_ms) * GST_MSECOND;
  return TRUE;
}

/* On the session thread: a final or a partial for the src task. */
static void
queue_transcript (GstSttTranscriber * self, const GstStructure * s,
    gboolean partial)
{
  const gchar *text = gst_structure_get_string (s, "text");
  GstClockTime pts, duration;
  GstBuffer *buf;

  if (text == NULL || text[0] == '\0' || !transcript_times (s, &pts,
          &duration))
    return;
  buf = text_buffer (text, pts, duration);
  if (partial)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  GST_LOG_OBJECT (self, "%s \"%s\" at %" GST_TIME_FORMAT,
      partial ? "partial" : "final", text, GST_TIME_ARGS (pts));
  out_enqueue (self, GST_MINI_OBJECT_CAST (buf));
}

/* ------------------------------------------------------------------------ */
/* The src pad's task                                                        */

/* The running time now, or GST_CLOCK_TIME_NONE while the clock does not
 * run for us (not PLAYING, no clock). */
static GstClockTime
running_time_now (GstSttTranscriber * self)
{
  GstClock *clock;
  GstClockTime now, base;

  GST_OBJECT_LOCK (self);
  if (GST_STATE (self) != GST_STATE_PLAYING ||
      GST_ELEMENT_CLOCK (self) == NULL) {
    GST_OBJECT_UNLOCK (self);
    return GST_CLOCK_TIME_NONE;
  }
  clock = gst_object_ref (GST_ELEMENT_CLOCK (self));
  base = GST_ELEMENT_CAST (self)->base_time;
  GST_OBJECT_UNLOCK (self);

  now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  return now > base ? now - base : 0;
}

/* What to push next: an item of the queue (with the GAP that goes before
 * a final, or after a segment: downstream sinks preroll on it, the first
 * text may be far off), or a GAP the clock makes due. Called with out_lock
 * held. */
static GstMiniObject *
out_next (GstSttTranscriber * self, GstEvent ** gap_before,
    GstEvent ** gap_after)
{
  GstClockTime gap_start, gap_duration;
  GstMiniObject *obj = g_queue_pop_head (&self->out_queue);

  *gap_before = *gap_after = NULL;
  if (obj == NULL) {
    if (self->out_started && gst_stt_text_out_due_gap (&self->out,
            running_time_now (self), self->latency, GAP_TICK, &gap_start,
            &gap_duration)) {
      self->gaps_pushed++;
      return GST_MINI_OBJECT_CAST (gst_event_new_gap (gap_start,
              gap_duration));
    }
    return NULL;
  }

  if (GST_IS_BUFFER (obj)) {
    GstBuffer *buf = GST_BUFFER_CAST (obj);
    GstClockTime pts = GST_BUFFER_PTS (buf);

    buf = gst_buffer_make_writable (buf);
    if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT)) {
      GST_BUFFER_PTS (buf) = gst_stt_text_out_partial (&self->out, pts);
    } else {
      guint64 late = self->out.late;

      if (gst_stt_text_out_final (&self->out, &pts,
              GST_BUFFER_DURATION (buf), &gap_start, &gap_duration)) {
        *gap_before = gst_event_new_gap (gap_start, gap_duration);
        self->gaps_pushed++;
      }
      if (self->out.late != late)
        GST_INFO_OBJECT (self, "late final: %" GST_TIME_FORMAT " moved to %"
            GST_TIME_FORMAT, GST_TIME_ARGS (GST_BUFFER_PTS (buf)),
            GST_TIME_ARGS (pts));
      GST_BUFFER_PTS (buf) = pts;
    }
    self->buffers_pushed++;
    return GST_MINI_OBJECT_CAST (buf);
  }

  switch (GST_EVENT_TYPE (obj)) {
    case GST_EVENT_SEGMENT:
      /* the text position starts with the stream (and stays where it is
       * when upstream repeats its segment) */
      self->out_started = TRUE;
      if (!GST_CLOCK_TIME_IS_VALID (self->out.position))
        self->out.position = 0;
      *gap_after = gst_event_new_gap (self->out.position, 0);
      break;
    case GST_EVENT_EOS:
      self->out_eos = TRUE;
      break;
    default:
      break;
  }
  return obj;
}

static void
gst_stt_transcriber_loop (gpointer user_data)
{
  GstSttTranscriber *self = user_data;
  GstMiniObject *obj;
  GstEvent *gap_before, *gap_after;
  GstFlowReturn ret = GST_FLOW_OK;

  g_mutex_lock (&self->out_lock);
  for (;;) {
    if (self->out_flushing)
      goto flushing;
    if (self->out_eos)
      goto eos;
    obj = out_next (self, &gap_before, &gap_after);
    if (obj != NULL)
      break;
    g_cond_wait_until (&self->out_cond, &self->out_lock,
        g_get_monotonic_time () + GAP_TICK / GST_USECOND);
  }
  g_mutex_unlock (&self->out_lock);

  if (gap_before != NULL)
    gst_pad_push_event (self->srcpad, gap_before);
  if (GST_IS_BUFFER (obj))
    ret = gst_pad_push (self->srcpad, GST_BUFFER_CAST (obj));
  else
    gst_pad_push_event (self->srcpad, GST_EVENT_CAST (obj));
  if (gap_after != NULL)
    gst_pad_push_event (self->srcpad, gap_after);

  /* an unlinked text pad is not the audio's problem */
  if (ret == GST_FLOW_OK || ret == GST_FLOW_NOT_LINKED)
    return;
  GST_DEBUG_OBJECT (self, "pausing: %s", gst_flow_get_name (ret));
  if (ret < GST_FLOW_EOS)
    GST_ELEMENT_FLOW_ERROR (self, ret);
  gst_pad_pause_task (self->srcpad);
  return;

flushing:
  g_mutex_unlock (&self->out_lock);
  GST_DEBUG_OBJECT (self, "flushing: pausing");
  gst_pad_pause_task (self->srcpad);
  return;

eos:
  g_mutex_unlock (&self->out_lock);
  GST_DEBUG_OBJECT (self, "EOS out: pausing");
  gst_pad_pause_task (self->srcpad);
}

static gboolean
start_task (GstSttTranscriber * self)
{
  out_set_flushing (self, FALSE);
  return gst_pad_start_task (self->srcpad, gst_stt_transcriber_loop, self,
      NULL);
}

/* Deactivation: the task stops and nothing of this stream is kept. */
static gboolean
stop_task (GstSttTranscriber * self)
{
  gboolean ret;

  out_set_flushing (self, TRUE);
  ret = gst_pad_stop_task (self->srcpad);
  g_mutex_lock (&self->out_lock);
  g_queue_clear_full (&self->out_queue,
      (GDestroyNotify) gst_mini_object_unref);
  g_mutex_unlock (&self->out_lock);
  return ret;
}

static gboolean
gst_stt_transcriber_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstSttTranscriber *self = GST_STT_TRANSCRIBER (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  return active ? start_task (self) : stop_task (self);
}

/* ------------------------------------------------------------------------ */
/* The session's callbacks (on its thread)                                   */

/* sttpushsink-final → stttranscriber-final */
static void
rename_message (GstStructure * s)
{
  const gchar *name = gst_structure_get_name (s);
  gchar *renamed;

  if (!g_str_has_prefix (name, MESSAGE_PREFIX))
    return;
  renamed = g_strconcat ("stttranscriber-", name + strlen (MESSAGE_PREFIX),
      NULL);
  gst_structure_set_name (s, renamed);
  g_free (renamed);
}

static void
on_session_post (GstStructure * s, gpointer user_data)
{
  GstSttTranscriber *self = user_data;

  /* the text is on its way downstream before the message is on the bus */
  if (gst_structure_has_name (s, MESSAGE_PREFIX "final")) {
    gst_stt_lag_meter_final (&self->es.lag, GST_ELEMENT (self), s,
        self->es.settings.lag_warning_ms);
    queue_transcript (self, s, FALSE);
  } else if (gst_structure_has_name (s, MESSAGE_PREFIX "partial") &&
      self->settings_interim == GST_STT_TRANSCRIBER_INTERIM_PARTIAL) {
    queue_transcript (self, s, TRUE);
  }
  rename_message (s);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static const GstSttSessionCallbacks session_callbacks = {
  on_session_post,
  gst_stt_element_problem,
};

/* ------------------------------------------------------------------------ */
/* Life cycle                                                                */

static gboolean
start_session (GstSttTranscriber * self)
{
  gboolean partials;

  GST_OBJECT_LOCK (self);
  self->latency = self->latency_ms * GST_MSECOND;
  self->settings_interim = self->interim;
  GST_OBJECT_UNLOCK (self);
  partials = self->settings_interim == GST_STT_TRANSCRIBER_INTERIM_PARTIAL;

  self->live = -1;
  gst_segment_init (&self->in_segment, GST_FORMAT_TIME);
  g_mutex_lock (&self->out_lock);
  gst_stt_text_out_reset (&self->out);
  self->buffers_pushed = self->gaps_pushed = 0;
  g_mutex_unlock (&self->out_lock);
  return gst_stt_element_session_start (&self->es, GST_ELEMENT (self),
      &self->props, partials, &session_callbacks, self);
}

static GstStateChangeReturn
gst_stt_transcriber_change_state (GstElement * element,
    GstStateChange transition)
{
  GstSttTranscriber *self = GST_STT_TRANSCRIBER (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!start_session (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* a chain() waiting for room or an EOS waiting for finals returns,
       * so the pads can deactivate */
      if (self->es.session != NULL)
        gst_stt_session_unlock (self->es.session);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (ret == GST_STATE_CHANGE_FAILURE)
        gst_stt_element_session_stop (&self->es, element);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      gst_stt_element_session_stop (&self->es, element);
      break;
    default:
      break;
  }
  return ret;
}

/* ------------------------------------------------------------------------ */
/* The sink pad                                                              */

static gboolean
gst_stt_transcriber_sink_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstSttTranscriber *self = GST_STT_TRANSCRIBER (parent);

  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS) {
    GstCaps *filter, *caps;

    gst_query_parse_caps (query, &filter);
    caps = gst_stt_element_sink_caps (&self->es, GST_ELEMENT (self),
        &self->props, filter);
    gst_query_set_caps_result (query, caps);
    gst_caps_unref (caps);
    return TRUE;
  }
  if (GST_QUERY_TYPE (query) == GST_QUERY_ACCEPT_CAPS) {
    gboolean ret = gst_pad_query_default (pad, parent, query), accepted;
    GstCaps *caps;

    /* a CAPS event's check: upstream learns what to put in between */
    gst_query_parse_accept_caps (query, &caps);
    gst_query_parse_accept_caps_result (query, &accepted);
    if (ret && !accepted && caps != NULL)
      gst_stt_element_explain_format (&self->es, GST_ELEMENT (self),
          &self->props, caps);
    return ret;
  }
  return gst_pad_query_default (pad, parent, query);
}

/* Upstream's latency, as a LATENCY query through the sink pad finds it. */
static gboolean
query_upstream_latency (GstSttTranscriber * self, gboolean * live,
    GstClockTime * min, GstClockTime * max)
{
  GstQuery *q = gst_query_new_latency ();
  gboolean ok = gst_pad_peer_query (self->sinkpad, q);

  if (ok)
    gst_query_parse_latency (q, live, min, max);
  gst_query_unref (q);
  return ok;
}

/* The text stream's own segment: running times from 0. */
static void
queue_segment (GstSttTranscriber * self)
{
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  out_enqueue (self, GST_MINI_OBJECT_CAST (gst_event_new_segment (&segment)));
}

static gboolean
finish (GstSttTranscriber * self, GstEvent * event)
{
  GstSttFinishResult result;

  GST_DEBUG_OBJECT (self, "EOS: finishing the session");
  result = gst_stt_session_finish (self->es.session);
  if (result != GST_STT_FINISH_DONE) {
    /* the ERROR is posted; an EOS now would say every final is out */
    GST_DEBUG_OBJECT (self, "session %s: no EOS",
        result == GST_STT_FINISH_FAILED ? "failed" : "interrupted");
    gst_event_unref (event);
    return FALSE;
  }
  GST_DEBUG_OBJECT (self, "EOS: every final is queued");
  return out_enqueue (self, GST_MINI_OBJECT_CAST (event));
}

static gboolean
gst_stt_transcriber_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstSttTranscriber *self = GST_STT_TRANSCRIBER (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gboolean first = self->es.rate == 0;

      gst_event_parse_caps (event, &caps);
      if (!gst_stt_element_session_set_format (&self->es, GST_ELEMENT (self),
              caps)) {
        gst_event_unref (event);
        return FALSE;
      }
      gst_event_unref (event);
      if (first)
        out_enqueue (self, GST_MINI_OBJECT_CAST (gst_event_new_caps
                (gst_static_pad_template_get_caps (&src_template))));
      return TRUE;
    }
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &self->in_segment);
      if (self->in_segment.format != GST_FORMAT_TIME) {
        GST_ELEMENT_ERROR (self, STREAM, FORMAT,
            ("Audio in a %s segment: stttranscriber needs time.",
                gst_format_get_name (self->in_segment.format)), (NULL));
        gst_event_unref (event);
        return FALSE;
      }
      gst_event_unref (event);
      queue_segment (self);
      return TRUE;
    case GST_EVENT_GAP:
      /* the clock makes GAPs downstream; the next buffer's running time
       * tells the session about the hole */
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_EOS:
      return finish (self, event);
    case GST_EVENT_FLUSH_START:
      gst_stt_session_unlock (self->es.session);
      out_set_flushing (self, TRUE);
      gst_pad_push_event (self->srcpad, event);
      gst_pad_pause_task (self->srcpad);
      return TRUE;
    case GST_EVENT_FLUSH_STOP:
      gst_stt_session_flush (self->es.session);
      gst_stt_session_unlock_stop (self->es.session);
      gst_pad_push_event (self->srcpad, event);
      /* upstream sends a new segment, which goes out as ours */
      return start_task (self);
    default:
      break;
  }

  if (GST_EVENT_IS_SERIALIZED (event))
    return out_enqueue (self, GST_MINI_OBJECT_CAST (event)) ||
        !GST_EVENT_IS_STICKY (event);
  return gst_pad_event_default (pad, parent, event);
}

static GstFlowReturn
gst_stt_transcriber_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer)
{
  GstSttTranscriber *self = GST_STT_TRANSCRIBER (parent);
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  GstFlowReturn ret;
  GstMapInfo map;

  if (G_UNLIKELY (self->live < 0)) {
    gboolean live = FALSE;

    query_upstream_latency (self, &live, NULL, NULL);
    self->live = live;
    g_atomic_int_set (&self->es.lag.live, live);
    GST_INFO_OBJECT (self, "upstream is %slive", live ? "" : "not ");
  }
  if (GST_BUFFER_PTS_IS_VALID (buffer))
    running_time = gst_segment_to_running_time (&self->in_segment,
        GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    goto map_failed;
  ret = gst_stt_session_write (self->es.session, map.data, map.size,
      self->live, running_time);
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
  return ret;

map_failed:
  gst_buffer_unref (buffer);
  GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Could not read the buffer."),
      (NULL));
  return GST_FLOW_ERROR;
}

/* ------------------------------------------------------------------------ */
/* The src pad                                                               */

static gboolean
gst_stt_transcriber_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstSttTranscriber *self = GST_STT_TRANSCRIBER (parent);

  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    GstClockTime min = 0, max = GST_CLOCK_TIME_NONE, ours;
    gboolean live = FALSE;

    if (!query_upstream_latency (self, &live, &min, &max))
      return FALSE;
    GST_OBJECT_LOCK (self);
    ours = self->latency_ms * GST_MSECOND;
    GST_OBJECT_UNLOCK (self);
    if (live) {
      min += ours;
      if (GST_CLOCK_TIME_IS_VALID (max))
        max += ours;
    }
    GST_DEBUG_OBJECT (self, "latency: live %d, min %" GST_TIME_FORMAT
        ", max %" GST_TIME_FORMAT, live, GST_TIME_ARGS (min),
        GST_TIME_ARGS (max));
    gst_query_set_latency (query, live, min, max);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}
