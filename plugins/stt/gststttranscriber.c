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

#include "stt-element.h"
#include "stt-session.h"
#include "stt-textstream.h"

GST_DEBUG_CATEGORY_STATIC (gst_stt_transcriber_debug);
#define GST_CAT_DEFAULT gst_stt_transcriber_debug

#define DEFAULT_LATENCY_MS 8000
#define DEFAULT_INTERIM GST_STT_TRANSCRIBER_INTERIM_NONE

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

/* Lock order: the text stream's lock, then the object lock (the src task
 * reads the clock), then the session's lock; the text stream's lock is
 * held for queue bookkeeping only, never across a push, a session call or
 * a message post (stt-textstream.h). */
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
  GstSttTranscriberInterim settings_interim;

  /* streaming thread only */
  GstSegment in_segment;
  gint live;                    /* -1 not known yet, 0, 1 */

  /* the output: what the session thread and the sink pad's streaming
   * thread hand to the src pad's task */
  GstSttTextStream text;
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

  gst_element_class_add_static_pad_template (element_class,
      &gst_stt_sink_template);
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
  self->sinkpad = gst_pad_new_from_static_template (&gst_stt_sink_template,
      "sink");
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
  gst_stt_text_stream_init (&self->text);
  gst_segment_init (&self->in_segment, GST_FORMAT_TIME);
  self->live = -1;
}

static void
gst_stt_transcriber_finalize (GObject * object)
{
  GstSttTranscriber *self = GST_STT_TRANSCRIBER (object);

  gst_stt_properties_clear (&self->props);
  gst_stt_element_session_clear (&self->es);
  gst_stt_text_stream_clear (&self->text);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_stt_transcriber_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstSttTranscriber *self = GST_STT_TRANSCRIBER (object);

  if (gst_stt_properties_set_property (&self->props, object, PROP_STT_FIRST,
          prop_id, value))
    return;
  GST_OBJECT_LOCK (self);
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

/* sttpushsink-stats without the transcript file, and the text's */
static GstStructure *
make_stats (GstSttTranscriber * self)
{
  GstStructure *s;

  s = gst_stt_element_session_stats (&self->es, GST_ELEMENT (self), 0);
  gst_structure_set_name (s, "stttranscriber-stats");
  gst_structure_remove_field (s, "transcript-entries");
  gst_stt_text_stream_add_stats (&self->text, s);
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

  if (gst_stt_properties_get_property (&self->props, object, PROP_STT_FIRST,
          prop_id, value))
    return;
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LATENCY_MS:
      g_value_set_uint (value, self->latency_ms);
      break;
    case PROP_INTERIM:
      g_value_set_enum (value, self->interim);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Hands @obj (a buffer or an event) to the src task. FALSE, and @obj
 * dropped, while flushing or after EOS. */
static gboolean
queue_out (GstSttTranscriber * self, gpointer obj)
{
  return gst_stt_text_stream_push (&self->text, GST_MINI_OBJECT_CAST (obj));
}

/* ------------------------------------------------------------------------ */
/* The src pad's task                                                        */

/* The running time now, or GST_CLOCK_TIME_NONE while the clock does not
 * run for us (not PLAYING, no clock): the text stream's GstSttNowFunc. */
static GstClockTime
running_time_now (gpointer user_data)
{
  GstSttTranscriber *self = user_data;
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

static void
gst_stt_transcriber_loop (gpointer user_data)
{
  GstSttTranscriber *self = user_data;
  GstSttTextItem item;
  GstFlowReturn ret = GST_FLOW_OK;

  switch (gst_stt_text_stream_wait (&self->text, running_time_now, self,
          &item)) {
    case GST_STT_TEXT_FLUSHING:
      goto flushing;
    case GST_STT_TEXT_EOS:
      goto eos;
    default:
      break;
  }
  if (GST_CLOCK_TIME_IS_VALID (item.late_from))
    GST_INFO_OBJECT (self, "late final: %" GST_TIME_FORMAT " moved to %"
        GST_TIME_FORMAT, GST_TIME_ARGS (item.late_from),
        GST_TIME_ARGS (GST_BUFFER_PTS (item.obj)));

  if (item.gap_before != NULL)
    gst_pad_push_event (self->srcpad, item.gap_before);
  if (GST_IS_BUFFER (item.obj))
    ret = gst_pad_push (self->srcpad, GST_BUFFER_CAST (item.obj));
  else
    gst_pad_push_event (self->srcpad, GST_EVENT_CAST (item.obj));
  if (item.gap_after != NULL)
    gst_pad_push_event (self->srcpad, item.gap_after);

  /* an unlinked text pad is not the audio's problem */
  if (ret == GST_FLOW_OK || ret == GST_FLOW_NOT_LINKED)
    return;
  GST_DEBUG_OBJECT (self, "pausing: %s", gst_flow_get_name (ret));
  if (ret < GST_FLOW_EOS)
    GST_ELEMENT_FLOW_ERROR (self, ret);
  gst_pad_pause_task (self->srcpad);
  return;

flushing:
  GST_DEBUG_OBJECT (self, "flushing: pausing");
  gst_pad_pause_task (self->srcpad);
  return;

eos:
  GST_DEBUG_OBJECT (self, "EOS out: pausing");
  gst_pad_pause_task (self->srcpad);
}

static gboolean
start_task (GstSttTranscriber * self)
{
  gst_stt_text_stream_set_flushing (&self->text, FALSE);
  return gst_pad_start_task (self->srcpad, gst_stt_transcriber_loop, self,
      NULL);
}

/* Deactivation: the task stops and nothing of this stream is kept. */
static gboolean
stop_task (GstSttTranscriber * self)
{
  gboolean ret;

  gst_stt_text_stream_set_flushing (&self->text, TRUE);
  ret = gst_pad_stop_task (self->srcpad);
  gst_stt_text_stream_drop (&self->text);
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

/* A final, or a partial with interim=partial, goes downstream as text
 * before its message is on the bus; the message is the element's own
 * (sttpushsink-final → stttranscriber-final). */
static void
on_session_post (GstElement * element, GstStructure * s, gboolean final)
{
  GstSttTranscriber *self = GST_STT_TRANSCRIBER (element);
  GstBuffer *buf = NULL;

  if (final)
    buf = gst_stt_text_buffer_new (s, FALSE);
  else if (self->settings_interim == GST_STT_TRANSCRIBER_INTERIM_PARTIAL &&
      gst_structure_has_name (s, MESSAGE_PREFIX "partial"))
    buf = gst_stt_text_buffer_new (s, TRUE);
  if (buf != NULL) {
    GST_LOG_OBJECT (self, "%s \"%s\" at %" GST_TIME_FORMAT,
        final ? "final" : "partial", gst_structure_get_string (s, "text"),
        GST_TIME_ARGS (GST_BUFFER_PTS (buf)));
    queue_out (self, buf);
  }
  gst_stt_structure_rename_prefix (s, MESSAGE_PREFIX, "stttranscriber-");
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                                */

static gboolean
start_session (GstSttTranscriber * self)
{
  GstClockTime latency;
  gboolean partials;

  GST_OBJECT_LOCK (self);
  latency = self->latency_ms * GST_MSECOND;
  self->settings_interim = self->interim;
  GST_OBJECT_UNLOCK (self);
  partials = self->settings_interim == GST_STT_TRANSCRIBER_INTERIM_PARTIAL;

  self->live = -1;
  gst_segment_init (&self->in_segment, GST_FORMAT_TIME);
  gst_stt_text_stream_reset (&self->text, latency);
  return gst_stt_element_session_start (&self->es, GST_ELEMENT (self),
      &self->props, partials, on_session_post);
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
  return gst_stt_element_accept_caps (&self->es, GST_ELEMENT (self),
      &self->props, query, gst_pad_query_default (pad, parent, query));
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
  queue_out (self, gst_event_new_segment (&segment));
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
  return queue_out (self, event);
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
        queue_out (self, gst_event_new_caps (gst_static_pad_template_get_caps
                (&src_template)));
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
      gst_stt_text_stream_set_flushing (&self->text, TRUE);
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
    return queue_out (self, event) || !GST_EVENT_IS_STICKY (event);
  return gst_pad_event_default (pad, parent, event);
}

static GstFlowReturn
gst_stt_transcriber_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer)
{
  GstSttTranscriber *self = GST_STT_TRANSCRIBER (parent);
  GstFlowReturn ret;

  if (G_UNLIKELY (self->live < 0)) {
    gboolean live = FALSE;

    query_upstream_latency (self, &live, NULL, NULL);
    self->live = live;
    GST_INFO_OBJECT (self, "upstream is %slive", live ? "" : "not ");
  }
  ret = gst_stt_element_session_write (&self->es, GST_ELEMENT (self),
      &self->in_segment, buffer, self->live);
  gst_buffer_unref (buffer);
  return ret;
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
