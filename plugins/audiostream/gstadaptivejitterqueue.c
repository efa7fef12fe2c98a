/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-adaptivejitterqueue
 * @title: adaptivejitterqueue
 *
 * A receive-side jitter buffer for raw audio whose delay follows the
 * network: as small as the jitter allows, larger when it must be. It takes
 * any raw interleaved audio (format, rate and channel count) from an
 * irregular source, typically `tcpserversrc ! rawaudioparse`, and gives
 * downstream continuous audio with contiguous timestamps, paced by the
 * pipeline clock, like a live source.
 *
 * Each buffer's arrival is timed on the pipeline clock and compared with its
 * place in the stream (samples received ÷ rate). The element tracks the
 * baseline of that delay, the transit time of the fastest arrivals, and the
 * drift between the sender's and the receiver's clocks (±200 ppm and more),
 * so that drift neither fills nor drains the queue. The target delay is the
 * `quantile` (default 0.97) of the recent delays beyond the baseline: it
 * rises at once when the network gets worse and decays with a 20 s
 * half-life when it gets better, within [`min-latency-ms`,
 * `max-latency-ms`]. Stalls that recur (three or more, each within 20 s
 * of the one before) are held: the target stays at their height until
 * they stop coming, so each one after the third is bridged.
 *
 * A task on the source pad sends one 5 ms buffer per 5 ms of the clock.
 * When the queue is about to run dry, a pitch period is played again to
 * bridge the wait. When the audio it needs has not arrived at all, it
 * conceals the gap: the last pitch period is repeated with a fade, then
 * silence, counted in `concealed-ms` and `concealment-events`; when the
 * audio arrives it is faded in and nothing is skipped. The delay moves towards the target
 * without audible jumps: by time-scaling (WSOLA: whole pitch periods are
 * repeated or skipped, with crossfades, at most 4 % of the time), or by
 * dropping or repeating audio in quiet stretches; `stretched-ms` counts it.
 * A delay beyond `max-latency-ms` is cut at once (the oldest audio is
 * dropped, counted in `dropped-ms`).
 *
 * The latency query answers with the current target; when the target has
 * moved far enough (by 20 ms and 25 %, at most every 5 s), a LATENCY
 * message asks the application to recalculate the pipeline latency, so that
 * live sinks re-synchronise (gst-launch-1.0 does this). The element then
 * shifts its own output schedule by the same amount in a quiet moment,
 * compensating inside its queue, so the audio delay itself does not jump.
 * `fixed-latency-ms` keeps the reported latency constant for pipelines
 * that must not change their latency.
 *
 * Output timestamps are the running time at which the audio would have
 * arrived over a network without jitter; the reported latency is how long
 * after that it is played. Flushes empty the queue; EOS is sent after the
 * queued audio has played out. The element returns NO_PREROLL: like a live
 * source, it produces data in PLAYING only.
 *
 * ## Messages
 *
 * `adaptivejitterqueue-stats` every `stats-interval-ms` of running time:
 * the fields of the `stats` property. `adaptivejitterqueue-resize` when the
 * target moves by 10 ms and 20 % (at most once a second): `old-ms`,
 * `new-ms`, `jitter-ms`, `reason` (`underrun`, `jitter-increase` or
 * `jitter-decrease`).
 * docs/messages.md describes every field.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 tcpserversrc host=0.0.0.0 port=4953 ! rawaudioparse format=pcm pcm-format=s16le sample-rate=48000 num-channels=2 ! adaptivejitterqueue ! autoaudiosink
 * ]| Plays raw PCM received over TCP, for example from audiostreamsink, with
 * as little delay as the network allows.
 *
 * |[
 * gst-launch-1.0 -m tcpserversrc port=4953 ! rawaudioparse format=pcm pcm-format=s16le sample-rate=48000 num-channels=2 ! adaptivejitterqueue min-latency-ms=40 max-latency-ms=500 stats-interval-ms=5000 ! audioconvert ! wavenc ! filesink location=received.wav
 * ]| Records the received stream, printing the statistics every 5 s.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstadaptivejitterqueue.h"

#include <gst/audio/audio.h>

#include "audiostream/clockwait.h"
#include "audiostream/runningtime.h"
#include "audiostream/playout-engine.h"

GST_DEBUG_CATEGORY_STATIC (gst_adaptive_jitter_queue_debug);
#define GST_CAT_DEFAULT gst_adaptive_jitter_queue_debug

#define DEFAULT_QUANTILE 0.97
#define DEFAULT_MIN_LATENCY_MS 10
#define DEFAULT_MAX_LATENCY_MS 1000
#define DEFAULT_FIXED_LATENCY_MS -1
#define DEFAULT_STATS_INTERVAL_MS 1000

#define LATENCY_LIMIT_MS 10000

#define AUDIO_CAPS \
  "audio/x-raw, format = (string) " GST_AUDIO_FORMATS_ALL ", " \
  "layout = (string) interleaved, rate = (int) [ 1, MAX ], " \
  "channels = (int) [ 1, MAX ]"

enum
{
  PROP_0,
  PROP_QUANTILE,
  PROP_MIN_LATENCY_MS,
  PROP_MAX_LATENCY_MS,
  PROP_FIXED_LATENCY_MS,
  PROP_STATS_INTERVAL_MS,
  PROP_STATS,
};

/* The properties as the streaming threads use them. */
typedef struct
{
  GstAsPlayoutSettings engine;
  guint stats_interval_ms;
} Settings;

/* Lock order: the object lock may be taken inside self->lock, never the
 * other way round. self->lock is held while the engine works (memcpy,
 * signal processing of a few ms of audio, bookkeeping); never across a
 * clock wait or a push. */
struct _GstAdaptiveJitterQueue
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, under the object lock */
  Settings props;

  /* the last caps refused, so that the same caps re-sent (upstream re-sends
   * a sticky event with every buffer it tries) give one ERROR, not one per
   * buffer; only touched from the sink pad's streaming thread */
  GstCaps *refused_caps;

  /* everything below, under self->lock */
  GMutex lock;
  GCond cond;                   /* data, EOS, a flag or the state changed */
  gboolean flushing;
  gboolean blocked;             /* not PLAYING: no clock to pace on */
  GstFlowReturn srcresult;
  GstAsClockWait wait;          /* the task's */

  /* input, estimation, output decisions, output buffers */
  GstAsPlayoutEngine *engine;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (AUDIO_CAPS));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (AUDIO_CAPS));

#define gst_adaptive_jitter_queue_parent_class parent_class
G_DEFINE_TYPE (GstAdaptiveJitterQueue, gst_adaptive_jitter_queue,
    GST_TYPE_ELEMENT);

static void
element_init_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (gst_adaptive_jitter_queue_debug,
        "adaptivejitterqueue", 0, "Adaptive jitter buffer for raw audio");
    g_once_init_leave (&done, 1);
  }
}

GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (adaptivejitterqueue,
    "adaptivejitterqueue", GST_RANK_NONE, GST_TYPE_ADAPTIVE_JITTER_QUEUE,
    element_init_once ());

static void gst_adaptive_jitter_queue_finalize (GObject * object);
static void gst_adaptive_jitter_queue_set_property (GObject * object,
    guint prop_id, const GValue * value, GParamSpec * pspec);
static void gst_adaptive_jitter_queue_get_property (GObject * object,
    guint prop_id, GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_adaptive_jitter_queue_change_state (GstElement
    * element, GstStateChange transition);
static GstFlowReturn gst_adaptive_jitter_queue_chain (GstPad * pad,
    GstObject * parent, GstBuffer * buffer);
static gboolean gst_adaptive_jitter_queue_sink_event (GstPad * pad,
    GstObject * parent, GstEvent * event);
static gboolean gst_adaptive_jitter_queue_src_query (GstPad * pad,
    GstObject * parent, GstQuery * query);
static gboolean gst_adaptive_jitter_queue_src_activate_mode (GstPad * pad,
    GstObject * parent, GstPadMode mode, gboolean active);
static void gst_adaptive_jitter_queue_loop (GstPad * pad);

static void
gst_adaptive_jitter_queue_class_init (GstAdaptiveJitterQueueClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  element_init_once ();

  gobject_class->finalize = gst_adaptive_jitter_queue_finalize;
  gobject_class->set_property = gst_adaptive_jitter_queue_set_property;
  gobject_class->get_property = gst_adaptive_jitter_queue_get_property;

  g_object_class_install_property (gobject_class, PROP_QUANTILE,
      g_param_spec_double ("quantile", "Quantile",
          "The target delay covers this fraction of the recent delays "
          "beyond the fastest arrivals; the rest is concealed", 0.5, 0.999,
          DEFAULT_QUANTILE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MIN_LATENCY_MS,
      g_param_spec_uint ("min-latency-ms", "Minimum latency",
          "Lowest target delay, in ms", 0, LATENCY_LIMIT_MS,
          DEFAULT_MIN_LATENCY_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_LATENCY_MS,
      g_param_spec_uint ("max-latency-ms", "Maximum latency",
          "Highest target delay, in ms; a delay beyond it is cut by "
          "dropping the oldest audio. Changes apply from the next start",
          1, LATENCY_LIMIT_MS, DEFAULT_MAX_LATENCY_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_FIXED_LATENCY_MS,
      g_param_spec_int ("fixed-latency-ms", "Fixed latency",
          "Answer latency queries with this constant, in ms, and never post "
          "a LATENCY message; -1: follow the target", -1, LATENCY_LIMIT_MS,
          DEFAULT_FIXED_LATENCY_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STATS_INTERVAL_MS,
      g_param_spec_uint ("stats-interval-ms", "Stats interval",
          "Post an adaptivejitterqueue-stats element message this often, in "
          "ms of running time (0 = never)", 0, 3600000,
          DEFAULT_STATS_INTERVAL_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "adaptivejitterqueue-stats structure: level-ms, delay-ms, "
          "target-ms, latency-ms, jitter-ms, drift-ppm, concealed-ms, "
          "concealment-events, dropped-ms, stretched-ms, late-buffers, "
          "relatencies, received-samples, played-samples, output-samples, "
          "concealed-samples, dropped-samples, inserted-samples, "
          "removed-samples (totals since the element started)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Adaptive jitter queue", "Generic/Audio",
      "Receive-side jitter buffer for raw audio whose delay follows the "
      "network's jitter, with concealment and time-scaling",
      "gst-audiostream developers");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_adaptive_jitter_queue_change_state);
}

static void
gst_adaptive_jitter_queue_init (GstAdaptiveJitterQueue * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_adaptive_jitter_queue_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_adaptive_jitter_queue_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_query_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_adaptive_jitter_queue_src_query));
  gst_pad_set_activatemode_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_adaptive_jitter_queue_src_activate_mode));
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->props.engine.quantile = DEFAULT_QUANTILE;
  self->props.engine.min_latency_ms = DEFAULT_MIN_LATENCY_MS;
  self->props.engine.max_latency_ms = DEFAULT_MAX_LATENCY_MS;
  self->props.engine.fixed_latency_ms = DEFAULT_FIXED_LATENCY_MS;
  self->props.stats_interval_ms = DEFAULT_STATS_INTERVAL_MS;

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->flushing = TRUE;
  self->blocked = TRUE;
  self->srcresult = GST_FLOW_FLUSHING;
  self->engine = gst_as_playout_engine_new ();
}

static void
gst_adaptive_jitter_queue_finalize (GObject * object)
{
  GstAdaptiveJitterQueue *self = GST_ADAPTIVE_JITTER_QUEUE (object);

  gst_clear_caps (&self->refused_caps);
  g_clear_pointer (&self->engine, gst_as_playout_engine_free);
  gst_as_clock_wait_clear (&self->wait);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
settings_copy (GstAdaptiveJitterQueue * self, Settings * s)
{
  GST_OBJECT_LOCK (self);
  *s = self->props;
  GST_OBJECT_UNLOCK (self);
  gst_as_playout_settings_clamp (&s->engine);
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                  */

static void
post_messages (GstAdaptiveJitterQueue * self, GstStructure * stats,
    GstStructure * resize, gboolean latency)
{
  if (resize)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), resize));
  if (stats)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), stats));
  if (latency)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
}

/* ------------------------------------------------------------------------ */
/* Sink pad                                                                  */

static GstFlowReturn
gst_adaptive_jitter_queue_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer)
{
  GstAdaptiveJitterQueue *self = GST_ADAPTIVE_JITTER_QUEUE (parent);
  GstClockTime at = GST_CLOCK_TIME_NONE;
  GstFlowReturn ret;
  gboolean timed, cut = FALSE;
  guint64 frames = 0;
  Settings s;

  g_mutex_lock (&self->lock);
  timed = !self->blocked;
  g_mutex_unlock (&self->lock);
  /* arrival is taken before anything else, outside the lock */
  if (timed)
    at = gst_as_running_time_now (GST_ELEMENT (self));

  settings_copy (self, &s);
  g_mutex_lock (&self->lock);
  if (self->flushing)
    ret = GST_FLOW_FLUSHING;
  else if (self->srcresult != GST_FLOW_OK)
    ret = self->srcresult;
  else
    ret = gst_as_playout_engine_push_buffer (self->engine, &s.engine, buffer,
        at, &frames, &cut);
  if (frames > 0)
    g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  gst_buffer_unref (buffer);

  if (ret == GST_FLOW_ERROR)
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Could not read a buffer."),
        (NULL));
  if (cut)
    GST_ELEMENT_WARNING (self, STREAM, DECODE,
        ("Dropped an incomplete audio frame before a discontinuity."),
        ("the input is not cut at frame boundaries and a buffer was lost "
            "upstream"));
  return ret;
}

static gboolean
handle_caps (GstAdaptiveJitterQueue * self, GstEvent * event)
{
  GstCaps *caps;
  GstAudioInfo info;
  Settings s;
  GError *err = NULL;
  gboolean ok;

  gst_event_parse_caps (event, &caps);
  if (self->refused_caps != NULL && gst_caps_is_equal (caps,
          self->refused_caps)) {
    GST_DEBUG_OBJECT (self, "caps refused already: %" GST_PTR_FORMAT, caps);
    gst_event_unref (event);
    return FALSE;
  }
  if (!gst_audio_info_from_caps (&info, caps) ||
      GST_AUDIO_INFO_LAYOUT (&info) != GST_AUDIO_LAYOUT_INTERLEAVED)
    goto invalid_caps;

  settings_copy (self, &s);
  if (!gst_as_playout_engine_check_format (&info, &s.engine, &err))
    goto too_big;

  g_mutex_lock (&self->lock);
  ok = gst_as_playout_engine_set_output (self->engine, &info, caps,
      &s.engine);
  g_mutex_unlock (&self->lock);
  if (!ok)
    goto no_pool;
  gst_clear_caps (&self->refused_caps);

  /* sent before the next buffer the task pushes, in order */
  gst_pad_store_sticky_event (self->srcpad, event);
  gst_event_unref (event);
  return TRUE;

invalid_caps:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Could not parse the audio format."), ("caps: %" GST_PTR_FORMAT, caps));
  gst_caps_replace (&self->refused_caps, caps);
  gst_event_unref (event);
  return FALSE;

too_big:
  /* whatever is queued was in the old format, and buffers in the new one
   * are refused (not-negotiated) */
  g_mutex_lock (&self->lock);
  gst_as_playout_engine_forget_format (self->engine);
  g_mutex_unlock (&self->lock);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("%s", err->message),
      ("check the caps upstream, or lower max-latency-ms; caps: %"
          GST_PTR_FORMAT, caps));
  g_error_free (err);
  gst_caps_replace (&self->refused_caps, caps);
  gst_event_unref (event);
  return FALSE;

no_pool:
  GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
      ("Could not set up output buffers."), ("caps: %" GST_PTR_FORMAT, caps));
  gst_event_unref (event);
  return FALSE;
}

/* Wakes the task from its clock wait and its condition wait.
 * called with self->lock held */
static void
wake_task (GstAdaptiveJitterQueue * self)
{
  gst_as_clock_wait_unschedule (&self->wait);
  g_cond_broadcast (&self->cond);
}

static void
set_flushing (GstAdaptiveJitterQueue * self, gboolean flushing)
{
  g_mutex_lock (&self->lock);
  self->flushing = flushing;
  self->srcresult = flushing ? GST_FLOW_FLUSHING : GST_FLOW_OK;
  if (flushing)
    wake_task (self);
  g_mutex_unlock (&self->lock);
}

static void
start_task (GstAdaptiveJitterQueue * self)
{
  gst_pad_start_task (self->srcpad,
      (GstTaskFunction) gst_adaptive_jitter_queue_loop, self->srcpad, NULL);
}

static gboolean
handle_eos (GstAdaptiveJitterQueue * self, GstEvent * event)
{
  guint partial, bpf;

  g_mutex_lock (&self->lock);
  partial = gst_as_playout_engine_end (self->engine);
  bpf = gst_as_playout_engine_bpf (self->engine);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (partial > 0)
    GST_ELEMENT_WARNING (self, STREAM, DECODE,
        ("The stream ended with an incomplete audio frame (%u of %u "
            "bytes); it was dropped.", partial, bpf),
        ("the sender stopped in the middle of a frame"));
  GST_DEBUG_OBJECT (self, "EOS: playing out what is queued");
  gst_event_unref (event);
  return TRUE;
}

static gboolean
gst_adaptive_jitter_queue_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstAdaptiveJitterQueue *self = GST_ADAPTIVE_JITTER_QUEUE (parent);
  Settings s;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      return handle_caps (self, event);

    case GST_EVENT_SEGMENT:
      /* the output has a timeline of its own */
      gst_event_unref (event);
      return TRUE;

    case GST_EVENT_GAP:
      /* missing audio is concealed when it is due */
      gst_event_unref (event);
      return TRUE;

    case GST_EVENT_EOS:
      return handle_eos (self, event);

    case GST_EVENT_FLUSH_START:
      gst_pad_push_event (self->srcpad, event);
      set_flushing (self, TRUE);
      gst_pad_pause_task (self->srcpad);
      return TRUE;

    case GST_EVENT_FLUSH_STOP:
      gst_pad_push_event (self->srcpad, event);
      settings_copy (self, &s);
      g_mutex_lock (&self->lock);
      gst_as_playout_engine_reset (self->engine, &s.engine);
      g_mutex_unlock (&self->lock);
      set_flushing (self, FALSE);
      if (GST_PAD_MODE (self->srcpad) == GST_PAD_MODE_PUSH)
        start_task (self);
      return TRUE;

    default:
      if (GST_EVENT_IS_STICKY (event)) {
        gst_pad_store_sticky_event (self->srcpad, event);
        gst_event_unref (event);
        return TRUE;
      }
      return gst_pad_push_event (self->srcpad, event);
  }
}

/* ------------------------------------------------------------------------ */
/* Source pad                                                                */

static gboolean
gst_adaptive_jitter_queue_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstAdaptiveJitterQueue *self = GST_ADAPTIVE_JITTER_QUEUE (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:{
      GstClockTime latency, max = GST_CLOCK_TIME_NONE;

      /* upstream's latency is already in the arrival times the output
       * timestamps come from; only ours counts */
      g_mutex_lock (&self->lock);
      latency = gst_as_playout_engine_latency (self->engine);
      g_mutex_unlock (&self->lock);
      GST_DEBUG_OBJECT (self, "latency %" GST_TIME_FORMAT,
          GST_TIME_ARGS (latency));
      gst_query_set_latency (query, TRUE, latency, max);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static gboolean
gst_adaptive_jitter_queue_src_activate_mode (GstPad * pad,
    GstObject * parent, GstPadMode mode, gboolean active)
{
  GstAdaptiveJitterQueue *self = GST_ADAPTIVE_JITTER_QUEUE (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;

  set_flushing (self, !active);
  if (active) {
    start_task (self);
    return TRUE;
  }
  return gst_pad_stop_task (pad);
}

static void
push_eos (GstAdaptiveJitterQueue * self)
{
  GST_DEBUG_OBJECT (self, "all queued audio played: EOS");
  gst_pad_push_event (self->srcpad, gst_event_new_eos ());
  g_mutex_lock (&self->lock);
  self->srcresult = GST_FLOW_EOS;
  g_mutex_unlock (&self->lock);
  gst_pad_pause_task (self->srcpad);
}

typedef enum
{
  READY_TO_PLAY,
  READY_FLUSHING,
  READY_EOS,
} Readiness;

/* Waits until there is something to play and a clock to play it on.
 * called with self->lock held; on READY_TO_PLAY, @clock holds a ref */
static Readiness
wait_ready (GstAdaptiveJitterQueue * self, GstClock ** clock,
    GstClockTime * now)
{
  for (;;) {
    if (self->flushing)
      return READY_FLUSHING;
    if (gst_as_playout_engine_is_drained (self->engine))
      return READY_EOS;
    if (self->blocked || !gst_as_playout_engine_can_play (self->engine)) {
      g_cond_wait (&self->cond, &self->lock);
      continue;
    }
    g_mutex_unlock (&self->lock);
    *clock = gst_element_get_clock (GST_ELEMENT (self));
    *now = gst_as_running_time_now (GST_ELEMENT (self));
    g_mutex_lock (&self->lock);
    if (*clock == NULL) {
      /* PLAYING without a clock: wait for one */
      g_cond_wait_until (&self->cond, &self->lock,
          g_get_monotonic_time () + 10 * G_TIME_SPAN_MILLISECOND);
      continue;
    }
    if (self->flushing || self->blocked ||
        !gst_as_playout_engine_has_format (self->engine, NULL)) {
      gst_clear_object (clock);
      continue;
    }
    return READY_TO_PLAY;
  }
}

static void
handle_push_error (GstAdaptiveJitterQueue * self, GstFlowReturn ret)
{
  g_mutex_lock (&self->lock);
  if (!self->flushing)
    self->srcresult = ret;
  g_mutex_unlock (&self->lock);
  GST_DEBUG_OBJECT (self, "push failed: %s, pausing",
      gst_flow_get_name (ret));
  gst_pad_pause_task (self->srcpad);
  if (ret == GST_FLOW_EOS) {
    gst_pad_push_event (self->srcpad, gst_event_new_eos ());
  } else if (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS) {
    GST_ELEMENT_FLOW_ERROR (self, ret);
    gst_pad_push_event (self->srcpad, gst_event_new_eos ());
  }
}

/* One iteration: wait until the next chunk is due, build it, push it. */
static void
gst_adaptive_jitter_queue_loop (GstPad * pad)
{
  GstAdaptiveJitterQueue *self =
      GST_ADAPTIVE_JITTER_QUEUE (gst_pad_get_parent (pad));
  GstStructure *stats = NULL, *resize = NULL;
  GstEvent *segment = NULL;
  GstBufferPool *pool, *current;
  GstClock *clock = NULL;
  GstClockTime now = 0;
  GstClockID id;
  GstBuffer *buf = NULL;
  GstFlowReturn ret;
  gboolean latency = FALSE, produced;
  Settings s;

  if (self == NULL)
    return;
  settings_copy (self, &s);

  g_mutex_lock (&self->lock);
  switch (wait_ready (self, &clock, &now)) {
    case READY_FLUSHING:
      g_mutex_unlock (&self->lock);
      gst_pad_pause_task (pad);
      goto done;
    case READY_EOS:
      g_mutex_unlock (&self->lock);
      push_eos (self);
      goto done;
    case READY_TO_PLAY:
      break;
  }
  if (!gst_as_playout_engine_is_started (self->engine))
    gst_as_playout_engine_start (self->engine, now);
  id = gst_as_clock_wait_prepare (&self->wait, clock,
      gst_element_get_base_time (GST_ELEMENT (self)) +
      gst_as_playout_engine_next_due (self->engine));
  pool = gst_as_playout_engine_ref_pool (self->engine);
  g_mutex_unlock (&self->lock);

  /* the only wait of the output: for the time the next chunk is due */
  ret = gst_clock_id_wait (id, NULL) == GST_CLOCK_UNSCHEDULED ?
      GST_FLOW_FLUSHING : gst_buffer_pool_acquire_buffer (pool, &buf, NULL);
  gst_clock_id_unref (id);
  gst_object_unref (clock);
  if (ret != GST_FLOW_OK) {
    gst_object_unref (pool);
    goto done;                  /* flushing or paused: look again */
  }

  g_mutex_lock (&self->lock);
  /* the format may have changed while we waited */
  current = gst_as_playout_engine_ref_pool (self->engine);
  produced = !self->flushing && !self->blocked &&
      gst_as_playout_engine_is_started (self->engine) &&
      pool == current && gst_as_playout_engine_render_buffer
      (self->engine, &s.engine, buf, &latency);
  gst_object_unref (pool);
  gst_clear_object (&current);
  if (!produced) {
    g_mutex_unlock (&self->lock);
    gst_buffer_unref (buf);
    goto done;
  }
  resize = gst_as_playout_engine_resize_structure (self->engine);
  if (gst_as_playout_engine_stats_due (self->engine, s.stats_interval_ms))
    stats = gst_as_playout_engine_stats_structure (self->engine);
  if (gst_as_playout_engine_take_new_segment (self->engine)) {
    GstSegment seg;

    gst_segment_init (&seg, GST_FORMAT_TIME);
    segment = gst_event_new_segment (&seg);
  }
  g_mutex_unlock (&self->lock);

  if (segment) {
    gst_pad_store_sticky_event (self->srcpad, segment);
    gst_event_unref (segment);
  }
  post_messages (self, stats, resize, latency);

  ret = gst_pad_push (self->srcpad, buf);
  if (ret != GST_FLOW_OK)
    handle_push_error (self, ret);

done:
  gst_object_unref (self);
}

/* ------------------------------------------------------------------------ */
/* Element                                                                   */

static GstStateChangeReturn
gst_adaptive_jitter_queue_change_state (GstElement * element,
    GstStateChange transition)
{
  GstAdaptiveJitterQueue *self = GST_ADAPTIVE_JITTER_QUEUE (element);
  GstStateChangeReturn ret;
  Settings s;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      settings_copy (self, &s);
      g_mutex_lock (&self->lock);
      gst_as_playout_engine_begin (self->engine, &s.engine);
      self->blocked = TRUE;
      g_mutex_unlock (&self->lock);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      g_mutex_lock (&self->lock);
      gst_as_playout_engine_resume (self->engine);
      self->blocked = FALSE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      g_mutex_lock (&self->lock);
      self->blocked = TRUE;
      wake_task (self);
      g_mutex_unlock (&self->lock);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      /* we produce data in PLAYING only, like a live source */
      ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      g_mutex_lock (&self->lock);
      gst_as_clock_wait_clear (&self->wait);
      gst_as_playout_engine_clear_format (self->engine);
      g_mutex_unlock (&self->lock);
      /* the sink pad is deactivated: no streaming thread touches it */
      gst_clear_caps (&self->refused_caps);
      break;
    default:
      break;
  }
  return ret;
}

/* ------------------------------------------------------------------------ */
/* Properties                                                                */

static void
gst_adaptive_jitter_queue_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAdaptiveJitterQueue *self = GST_ADAPTIVE_JITTER_QUEUE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_QUANTILE:
      self->props.engine.quantile = g_value_get_double (value);
      break;
    case PROP_MIN_LATENCY_MS:
      self->props.engine.min_latency_ms = g_value_get_uint (value);
      break;
    case PROP_MAX_LATENCY_MS:
      self->props.engine.max_latency_ms = g_value_get_uint (value);
      break;
    case PROP_FIXED_LATENCY_MS:
      self->props.engine.fixed_latency_ms = g_value_get_int (value);
      break;
    case PROP_STATS_INTERVAL_MS:
      self->props.stats_interval_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_adaptive_jitter_queue_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAdaptiveJitterQueue *self = GST_ADAPTIVE_JITTER_QUEUE (object);

  if (prop_id == PROP_STATS) {
    GstStructure *st;

    g_mutex_lock (&self->lock);
    st = gst_as_playout_engine_stats_structure (self->engine);
    g_mutex_unlock (&self->lock);
    g_value_take_boxed (value, st);
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_QUANTILE:
      g_value_set_double (value, self->props.engine.quantile);
      break;
    case PROP_MIN_LATENCY_MS:
      g_value_set_uint (value, self->props.engine.min_latency_ms);
      break;
    case PROP_MAX_LATENCY_MS:
      g_value_set_uint (value, self->props.engine.max_latency_ms);
      break;
    case PROP_FIXED_LATENCY_MS:
      g_value_set_int (value, self->props.engine.fixed_latency_ms);
      break;
    case PROP_STATS_INTERVAL_MS:
      g_value_set_uint (value, self->props.stats_interval_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}
