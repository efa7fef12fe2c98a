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
 * `max-latency-ms`].
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
#include <math.h>
#include <string.h>

#include "audiostream/conceal.h"
#include "audiostream/drift.h"
#include "audiostream/jitter.h"
#include "audiostream/playout.h"
#include "audiostream/stretch.h"

GST_DEBUG_CATEGORY_STATIC (gst_adaptive_jitter_queue_debug);
#define GST_CAT_DEFAULT gst_adaptive_jitter_queue_debug

#define DEFAULT_QUANTILE 0.97
#define DEFAULT_MIN_LATENCY_MS 10
#define DEFAULT_MAX_LATENCY_MS 1000
#define DEFAULT_FIXED_LATENCY_MS -1
#define DEFAULT_STATS_INTERVAL_MS 1000

#define LATENCY_LIMIT_MS 10000

/* output: one buffer per CHUNK_US */
#define CHUNK_US 5000

/* the target decays with this half-life; the delay histogram forgets
 * with its own, shorter one so that a worse network shows at once */
#define TARGET_DECAY_HALF_LIFE_US (20 * G_USEC_PER_SEC)
#define HISTOGRAM_HALF_LIFE_US (G_USEC_PER_SEC / 2)
#define HISTOGRAM_BIN_US 250

/* drift: minima of 2 s segments, over the last 128 s */
#define DRIFT_SEGMENT (2 * GST_SECOND)
#define DRIFT_SEGMENTS 64
#define DRIFT_MAX_SLOPE 1e-3

/* the queue holds this much beyond max-latency-ms, for bursts */
#define HEADROOM_MS 1000
#define MAX_ARRIVALS 4096

/* memory a format may take: a 64-channel F64 stream at 192 kHz with
 * max-latency-ms=10000 needs a little over 1 GiB */
#define FORMAT_MEMORY_LIMIT (G_GUINT64_CONSTANT (2) << 30)

/* signal processing, in microseconds of audio */
#define TAIL_US 40000           /* output kept for concealment and splices */
#define TEMPLATE_US 10000       /* waveform matched by a splice */
#define PERIOD_MIN_US 2500      /* pitch periods considered: 66..400 Hz */
#define PERIOD_MAX_US 15000
#define QUIET_STEP_MAX_US 20000 /* largest drop or repeat in a quiet stretch */
#define QUIET_XFADE_US 2500
#define RESUME_XFADE_US 5000
#define MIN_XFADE_US 500
#define CONCEAL_GLIDE_US 1000
#define CONCEAL_FADE_VOICED_US 40000
#define CONCEAL_FADE_OTHER_US 8000
#define SCRATCH_US 120000

#define SPLICE_MIN_CORRELATION 0.6
#define CONCEAL_VOICED_CORRELATION 0.7
#define QUIET_MEAN_SQUARE 1e-5  /* -50 dBFS */
#define QUIET_RELATIVE 1e-3     /* 30 dB below recent loud audio */
#define LOUDNESS_HALF_LIFE_US (10 * G_USEC_PER_SEC)

/* time-scaling budget */
#define STRETCH_MAX_RATE 0.04
#define STRETCH_BUDGET_MAX_US 20000
#define BAND_MIN_US 2000
#define BAND_FRACTION 0.1

/* reported latency: hysteresis and rate limit */
#define RELATENCY_MIN_CHANGE (20 * GST_MSECOND)
#define RELATENCY_MIN_FRACTION 0.25
#define RELATENCY_MIN_INTERVAL (5 * GST_SECOND)
#define RELATENCY_SETTLE (200 * GST_MSECOND)
#define RELATENCY_QUIET_WAIT (1 * GST_SECOND)

/* resize messages */
#define RESIZE_MIN_CHANGE_US 10000
#define RESIZE_MIN_FRACTION 0.2
#define RESIZE_MIN_INTERVAL GST_SECOND

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

typedef struct
{
  guint64 end;                  /* frames received once this buffer was in */
  GstClockTime at;              /* its arrival, running time; NONE: untimed */
} Arrival;

/* The properties as the streaming threads use them. */
typedef struct
{
  gdouble quantile;
  guint min_latency_ms;
  guint max_latency_ms;
  gint fixed_latency_ms;
  guint stats_interval_ms;
} Settings;

typedef struct
{
  guint64 received;             /* frames that came in */
  guint64 played;               /* input frames that went out, time-scaled
                                 * or not */
  guint64 output;               /* frames pushed */
  guint64 concealed;            /* frames of concealment pushed */
  guint64 events;               /* underruns */
  guint64 dropped;              /* input frames dropped (overrun) */
  guint64 inserted;             /* frames added by time-scaling */
  guint64 removed;              /* input frames skipped by time-scaling */
  guint64 late_buffers;         /* buffers that came while we concealed */
  guint64 relatencies;          /* LATENCY messages posted */
} Counters;

/* Lock order: the object lock may be taken inside self->lock, never the
 * other way round. self->lock is held for memcpy, signal processing of a
 * few ms of audio and bookkeeping; never across a clock wait or a push. */
struct _GstAdaptiveJitterQueue
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, under the object lock */
  Settings props;

  /* everything below, under self->lock */
  GMutex lock;
  GCond cond;                   /* data, EOS, a flag or the state changed */
  gboolean flushing;
  gboolean blocked;             /* not PLAYING: no clock to pace on */
  gboolean eos;
  GstFlowReturn srcresult;
  GstClockID clock_id;          /* the task's pending wait */
  GstClock *id_clock;           /* the clock clock_id was made for */

  /* format */
  gboolean have_format;
  GstAudioInfo info;
  guint rate;
  guint channels;
  guint bpf;
  guint chunk;                  /* frames per output buffer */
  GstBufferPool *pool;

  /* input: native frames; positions count frames since the stream began */
  guint8 *q_data;
  guint64 q_cap;
  guint64 q_write;
  guint64 q_read;
  Arrival *arrivals;            /* ring, oldest first */
  guint arr_head;
  guint arr_len;
  /* the start of a frame whose end is in the next buffer: upstream need
   * not cut its buffers at frame boundaries (tcpserversrc does not) */
  guint8 *partial;
  guint partial_len;

  /* signal processing; every buffer is allocated with the format */
  guint tail_cap;               /* frames of output history kept */
  guint8 *tail;                 /* ring of the last output frames */
  guint64 tail_written;
  guint carry_cap;
  guint8 *carry;                /* output decided but not yet sent */
  guint carry_off;
  guint carry_len;
  guint scratch_frames;
  guint8 *native;
  gpointer unpacked;
  gfloat *y;
  gfloat *fx;
  GstAsStretch stretch;
  GstAsConceal conceal;
  gboolean concealing;
  gboolean resync;              /* PLAYING again after PAUSED */
  gboolean rescued;             /* a period was repeated to bridge a wait */
  gboolean filling;             /* concealment as latency filler */
  guint64 fill_left;
  gdouble loudness;             /* recent loud mean square */
  gint64 loudness_at_us;

  /* estimation */
  GstAsDrift drift;
  GstAsJitter jitter;
  GstAsJitterTarget target;
  GstAsPlayout playout;
  gint64 jitter_us;             /* the last quantile */

  /* output timeline, running time */
  gboolean started;
  gboolean discont;
  gboolean need_segment;
  GstClockTime pts_origin;      /* PTS of output frame 0 */
  GstClockTime pace;            /* sent this long after the PTS */
  GstClockTime reported;        /* latency the queries answer */
  guint64 out_frames;           /* frames pushed since the origin */
  /* what a chunk needs: the arrival of its last input frame, measured
   * from the earliest arrival of its first one */
  gboolean probe_pending;
  guint64 probe_frame;          /* the frame whose arrival we wait for */
  gint64 probe_earliest;
  guint64 probe_last_start;

  /* reported latency changes */
  gboolean pace_pending;        /* pace must move to pace_wanted */
  GstClockTime pace_wanted;
  GstClockTime pace_pending_since;
  GstClockTime last_relatency;
  gboolean post_latency;

  /* messages */
  gint64 resize_posted_us;
  GstClockTime resize_last;
  gboolean underrun_since_resize;
  GstClockTime stats_last;

  Counters n;
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
static void clear_clock_id (GstAdaptiveJitterQueue * self);

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

  self->props.quantile = DEFAULT_QUANTILE;
  self->props.min_latency_ms = DEFAULT_MIN_LATENCY_MS;
  self->props.max_latency_ms = DEFAULT_MAX_LATENCY_MS;
  self->props.fixed_latency_ms = DEFAULT_FIXED_LATENCY_MS;
  self->props.stats_interval_ms = DEFAULT_STATS_INTERVAL_MS;

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->flushing = TRUE;
  self->blocked = TRUE;
  self->srcresult = GST_FLOW_FLUSHING;
  gst_audio_info_init (&self->info);
}

/* called with self->lock held, or when no thread runs */
static void
free_format (GstAdaptiveJitterQueue * self)
{
  if (self->pool) {
    gst_buffer_pool_set_active (self->pool, FALSE);
    gst_clear_object (&self->pool);
  }
  g_clear_pointer (&self->q_data, g_free);
  g_clear_pointer (&self->arrivals, g_free);
  g_clear_pointer (&self->partial, g_free);
  g_clear_pointer (&self->tail, g_free);
  g_clear_pointer (&self->carry, g_free);
  g_clear_pointer (&self->native, g_free);
  g_clear_pointer (&self->unpacked, g_free);
  g_clear_pointer (&self->y, g_free);
  g_clear_pointer (&self->fx, g_free);
  if (self->have_format) {
    gst_as_stretch_clear (&self->stretch);
    gst_as_conceal_clear (&self->conceal);
  }
  self->have_format = FALSE;
}

static void
gst_adaptive_jitter_queue_finalize (GObject * object)
{
  GstAdaptiveJitterQueue *self = GST_ADAPTIVE_JITTER_QUEUE (object);

  free_format (self);
  clear_clock_id (self);
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
  s->max_latency_ms = MAX (s->max_latency_ms, 1);
  s->min_latency_ms = MIN (s->min_latency_ms, s->max_latency_ms);
}

/* ------------------------------------------------------------------------ */
/* Units                                                                     */

static GstClockTime
frames_to_ns (GstAdaptiveJitterQueue * self, guint64 frames)
{
  return gst_util_uint64_scale_int (frames, GST_SECOND, self->rate);
}

static guint
us_to_frames (GstAdaptiveJitterQueue * self, gint64 us)
{
  return (guint) gst_util_uint64_scale_int (MAX (us, 0), self->rate,
      G_USEC_PER_SEC);
}

static gdouble
frames_to_ms (GstAdaptiveJitterQueue * self, guint64 frames)
{
  if (self->rate == 0)
    return 0.0;
  return frames * 1000.0 / self->rate;
}

/* ------------------------------------------------------------------------ */
/* The input queue: native frames with random access                        */

/* called with self->lock held */
static guint64
queue_level (GstAdaptiveJitterQueue * self)
{
  return self->q_write - self->q_read;
}

static void
queue_peek (GstAdaptiveJitterQueue * self, guint64 offset, guint8 * dest,
    guint n)
{
  guint64 pos = (self->q_read + offset) % self->q_cap;
  guint64 first = MIN (n, self->q_cap - pos);

  memcpy (dest, self->q_data + pos * self->bpf, first * self->bpf);
  if (first < n)
    memcpy (dest + first * self->bpf, self->q_data,
        (n - first) * self->bpf);
}

/* Frames of the input are gone (played, skipped or dropped): forget the
 * arrival records that covered only them. */
static void
queue_consume (GstAdaptiveJitterQueue * self, guint64 n)
{
  self->q_read += MIN (n, queue_level (self));
  while (self->arr_len > 1 &&
      self->arrivals[self->arr_head].end <= self->q_read) {
    self->arr_head = (self->arr_head + 1) % MAX_ARRIVALS;
    self->arr_len--;
  }
}

static void
queue_write (GstAdaptiveJitterQueue * self, const guint8 * src, guint64 n)
{
  guint64 pos, first;

  if (n > self->q_cap) {
    /* only the newest frames fit */
    src += (n - self->q_cap) * self->bpf;
    self->q_write += n - self->q_cap;
    n = self->q_cap;
  }
  if (self->q_write + n - self->q_read > self->q_cap) {
    guint64 lost = self->q_write + n - self->q_cap - self->q_read;

    self->n.dropped += lost;
    queue_consume (self, lost);
  }
  pos = self->q_write % self->q_cap;
  first = MIN (n, self->q_cap - pos);
  memcpy (self->q_data + pos * self->bpf, src, first * self->bpf);
  if (first < n)
    memcpy (self->q_data, src + first * self->bpf, (n - first) * self->bpf);
  self->q_write += n;
}

static void
arrival_append (GstAdaptiveJitterQueue * self, guint64 end, GstClockTime at)
{
  if (self->arr_len == MAX_ARRIVALS) {
    /* tiny buffers: merge into the newest record, keeping the later (safe)
     * arrival time */
    Arrival *last = &self->arrivals[(self->arr_head + self->arr_len - 1) %
        MAX_ARRIVALS];

    last->end = end;
    last->at = at;
    return;
  }
  self->arrivals[(self->arr_head + self->arr_len) % MAX_ARRIVALS].end = end;
  self->arrivals[(self->arr_head + self->arr_len) % MAX_ARRIVALS].at = at;
  self->arr_len++;
}

/* An incomplete frame cannot be played: it counts as received and
 * dropped, so that the totals still add up. Returns whether there was one.
 * called with self->lock held */
static gboolean
drop_partial (GstAdaptiveJitterQueue * self)
{
  if (self->partial_len == 0)
    return FALSE;
  GST_DEBUG_OBJECT (self, "dropping %u bytes of an incomplete frame",
      self->partial_len);
  self->partial_len = 0;
  self->n.received++;
  self->n.dropped++;
  return TRUE;
}

/* Queues the whole frames of @size bytes of input, completing the frame
 * the previous buffer began and keeping the start of the next one. Returns
 * the frames queued. called with self->lock held */
static guint64
queue_input (GstAdaptiveJitterQueue * self, const guint8 * data, gsize size)
{
  guint64 frames, queued = 0;
  gsize rest;

  if (self->partial_len > 0) {
    gsize k = MIN (size, (gsize) (self->bpf - self->partial_len));

    memcpy (self->partial + self->partial_len, data, k);
    self->partial_len += k;
    data += k;
    size -= k;
    if (self->partial_len < self->bpf)
      return 0;
    queue_write (self, self->partial, 1);
    self->partial_len = 0;
    queued = 1;
  }
  frames = size / self->bpf;
  if (frames > 0)
    queue_write (self, data, frames);
  rest = size - frames * self->bpf;
  memcpy (self->partial, data + frames * self->bpf, rest);
  self->partial_len = rest;
  return queued + frames;
}

/* When input frame @frame arrived (running time), NONE if unknown. */
static GstClockTime
arrival_of (GstAdaptiveJitterQueue * self, guint64 frame)
{
  guint i;

  for (i = 0; i < self->arr_len; i++) {
    const Arrival *a = &self->arrivals[(self->arr_head + i) % MAX_ARRIVALS];

    if (a->end > frame)
      return a->at;
  }
  return GST_CLOCK_TIME_NONE;
}

/* ------------------------------------------------------------------------ */
/* Native <-> float                                                          */

/* Unpacks @n frames of the element's format into floats in [-1, 1). */
static void
to_float (GstAdaptiveJitterQueue * self, const guint8 * src, gfloat * dest,
    guint n)
{
  const GstAudioFormatInfo *finfo = self->info.finfo;
  guint i, len = n * self->channels;

  finfo->unpack_func (finfo, GST_AUDIO_PACK_FLAG_NONE, self->unpacked, src,
      len);
  if (finfo->unpack_format == GST_AUDIO_FORMAT_F64) {
    const gdouble *u = self->unpacked;

    for (i = 0; i < len; i++)
      dest[i] = (gfloat) u[i];
  } else {
    const gint32 *u = self->unpacked;

    for (i = 0; i < len; i++)
      dest[i] = u[i] * (1.0f / 2147483648.0f);
  }
}

/* Packs floats into the element's format, rounding at its depth. */
static void
from_float (GstAdaptiveJitterQueue * self, const gfloat * src, guint8 * dest,
    guint n)
{
  const GstAudioFormatInfo *finfo = self->info.finfo;
  guint i, len = n * self->channels;

  if (finfo->unpack_format == GST_AUDIO_FORMAT_F64) {
    gdouble *u = self->unpacked;

    for (i = 0; i < len; i++)
      u[i] = src[i];
  } else {
    gint32 *u = self->unpacked;
    guint depth = CLAMP (finfo->depth, 1, 32);
    gdouble scale = ldexp (1.0, depth - 1);
    gint64 hi = (gint64) scale - 1, lo = -(gint64) scale;

    for (i = 0; i < len; i++) {
      gint64 v = llrint (src[i] * scale);

      v = CLAMP (v, lo, hi);
      u[i] = (gint32) ((guint32) v << (32 - depth));
    }
  }
  finfo->pack_func (finfo, 0, self->unpacked, dest, len);
}

/* ------------------------------------------------------------------------ */
/* Output history and carry                                                  */

static void
tail_append (GstAdaptiveJitterQueue * self, const guint8 * src, guint n)
{
  while (n > 0) {
    guint pos = self->tail_written % self->tail_cap;
    guint k = MIN (n, self->tail_cap - pos);

    memcpy (self->tail + (gsize) pos * self->bpf, src, (gsize) k * self->bpf);
    self->tail_written += k;
    src += (gsize) k * self->bpf;
    n -= k;
  }
}

/* The last @n frames played, as floats, into @dest; returns how many there
 * were (fewer at the start of the stream). */
static guint
tail_to_float (GstAdaptiveJitterQueue * self, gfloat * dest, guint n)
{
  guint have = (guint) MIN (self->tail_written, (guint64) self->tail_cap);
  guint64 start;
  guint i;

  n = MIN (n, have);
  start = self->tail_written - n;
  for (i = 0; i < n;) {
    guint pos = (start + i) % self->tail_cap;
    guint k = MIN (n - i, self->tail_cap - pos);

    memcpy (self->native + (gsize) i * self->bpf,
        self->tail + (gsize) pos * self->bpf, (gsize) k * self->bpf);
    i += k;
  }
  to_float (self, self->native, dest, n);
  return n;
}

/* Decided output goes to the carry, and into the history at once: later
 * decisions continue from it. */
static void
carry_put_float (GstAdaptiveJitterQueue * self, const gfloat * src, guint n)
{
  guint8 *dest;

  g_assert (self->carry_len == 0 && n <= self->carry_cap);
  dest = self->carry;
  from_float (self, src, dest, n);
  tail_append (self, dest, n);
  self->carry_off = 0;
  self->carry_len = n;
}

/* ------------------------------------------------------------------------ */
/* Estimation                                                                */

static gint64
media_ns (GstAdaptiveJitterQueue * self, guint64 frame)
{
  return (gint64) frames_to_ns (self, frame);
}

/* The earliest the input frame @frame could have arrived: its place in the
 * stream plus the baseline of the transit delay. */
static gint64
earliest_arrival (GstAdaptiveJitterQueue * self, guint64 frame)
{
  gint64 t = media_ns (self, frame);

  return t + gst_as_drift_base (&self->drift, t);
}

/* The baseline moved by @delta_ns. Up: the network is slower than it
 * was, which the delays measured since have already shown, so the values
 * kept relative to the baseline move down with it and the target stays
 * where it is in absolute terms. Down: audio arrives earlier than ever
 * (a faster route, a sender catching up): the relative target stays, so
 * the absolute one comes down with the baseline and the excess is played
 * out. */
static void
follow_baseline (GstAdaptiveJitterQueue * self, gint64 delta_ns)
{
  if (delta_ns <= 0)
    return;
  gst_as_jitter_shift (&self->jitter, -delta_ns / 1000);
  gst_as_jitter_target_shift (&self->target, -delta_ns / 1000);
}

/* Running time of the next output frame to be decided. */
static GstClockTime
output_time (GstAdaptiveJitterQueue * self, guint fill)
{
  return self->pts_origin + self->pace + frames_to_ns (self,
      self->out_frames + fill);
}

/* Playout delay of the next input frame if it were played at output frame
 * @fill of the current chunk: how long after the fastest possible arrival
 * it plays. */
static gint64
current_delay (GstAdaptiveJitterQueue * self, guint fill)
{
  return (gint64) output_time (self, fill) - earliest_arrival (self,
      self->q_read);
}

static void
update_target (GstAdaptiveJitterQueue * self, const Settings * s,
    gint64 now_us)
{
  self->jitter_us = gst_as_jitter_quantile (&self->jitter, s->quantile);
  gst_as_jitter_target_set_limits (&self->target,
      (gint64) s->min_latency_ms * 1000, (gint64) s->max_latency_ms * 1000);
  gst_as_jitter_target_update (&self->target, now_us, self->jitter_us);
}

static void
probe_resolve (GstAdaptiveJitterQueue * self, const Settings * s,
    GstClockTime at)
{
  gint64 need = (gint64) at - self->probe_earliest;
  gint64 now_us = (gint64) at / 1000;

  self->probe_pending = FALSE;
  gst_as_jitter_add (&self->jitter, now_us, need / 1000, self->chunk);
  update_target (self, s, now_us);
}

/* A chunk starts playing input frame self->q_read: what would it have
 * needed to play all of its frames? The answer comes when its last frame
 * has arrived: at once usually, later when the chunk runs dry, and then it
 * is the measure of how late the network was. One probe at a time, and
 * one per starting frame: a gap concealed over several chunks counts
 * once. */
static void
probe_chunk (GstAdaptiveJitterQueue * self, const Settings * s)
{
  GstClockTime at;

  if (!self->probe_pending && (self->q_read > self->probe_last_start ||
          self->probe_last_start == G_MAXUINT64)) {
    self->probe_pending = TRUE;
    self->probe_frame = self->q_read + self->chunk - 1;
    self->probe_earliest = earliest_arrival (self, self->q_read);
    self->probe_last_start = self->q_read;
  }
  if (!self->probe_pending || self->q_write <= self->probe_frame)
    return;
  at = arrival_of (self, self->probe_frame);
  if (GST_CLOCK_TIME_IS_VALID (at))
    probe_resolve (self, s, at);
  else
    self->probe_pending = FALSE;
}

/* ------------------------------------------------------------------------ */
/* Building the output                                                       */

static gboolean
is_quiet (GstAdaptiveJitterQueue * self, gdouble mean_square)
{
  return mean_square < QUIET_MEAN_SQUARE ||
      mean_square < self->loudness * QUIET_RELATIVE;
}

static void
track_loudness (GstAdaptiveJitterQueue * self, gdouble mean_square)
{
  gint64 now_us = (gint64) (output_time (self, 0) / 1000);

  if (now_us > self->loudness_at_us)
    self->loudness *= exp2 (-(gdouble) (now_us - self->loudness_at_us) /
        LOUDNESS_HALF_LIFE_US);
  self->loudness_at_us = now_us;
  self->loudness = MAX (self->loudness, mean_square);
}

/* Loads the timeline [history | lookahead] as floats into self->y.
 * Returns the number of history frames (the index of "now"). */
static guint
load_timeline (GstAdaptiveJitterQueue * self, guint hist, guint ahead)
{
  guint h = tail_to_float (self, self->y, hist);

  if (ahead > 0) {
    queue_peek (self, 0, self->native, ahead);
    to_float (self, self->native, self->y + (gsize) h * self->channels,
        ahead);
  }
  return h;
}

/* Plays @skip fewer input frames than it has: a crossfade from the next
 * input frames to those @skip further on. */
static void
splice_forward (GstAdaptiveJitterQueue * self, const gfloat * y, guint now,
    guint skip, guint xfade)
{
  const gfloat *from = y + (gsize) now * self->channels;
  const gfloat *to = y + (gsize) (now + skip) * self->channels;

  gst_as_stretch_crossfade (self->fx, from, to, self->channels, xfade);
  carry_put_float (self, self->fx, xfade);
  queue_consume (self, skip + xfade);
  self->n.played += xfade;
}

/* Plays @back frames of the history again: a crossfade from the next input
 * frames into the history @back frames ago, then the rest of that history;
 * the input continues after it. */
static void
splice_back (GstAdaptiveJitterQueue * self, const gfloat * y, guint now,
    guint back, guint xfade)
{
  guint ch = self->channels;
  const gfloat *from = y + (gsize) now * ch;
  const gfloat *to = y + (gsize) (now - back) * ch;

  gst_as_stretch_crossfade (self->fx, from, to, ch, xfade);
  memcpy (self->fx + (gsize) xfade * ch, to + (gsize) xfade * ch,
      (gsize) (back - xfade) * ch * sizeof (gfloat));
  carry_put_float (self, self->fx, back);
}

/* Tries to shorten the playout by up to @amount_ns. */
static gboolean
try_shrink (GstAdaptiveJitterQueue * self, gint64 amount_ns)
{
  guint avail = (guint) MIN (queue_level (self), self->scratch_frames / 2);
  guint tmpl = us_to_frames (self, TEMPLATE_US);
  guint pmin = MAX (us_to_frames (self, PERIOD_MIN_US), 1);
  guint pmax = us_to_frames (self, PERIOD_MAX_US);
  guint want = us_to_frames (self, amount_ns / 1000);
  guint now, skip, xfade;
  gboolean quiet;
  gdouble corr = 0.0;

  /* keep a chunk in the queue after the splice */
  if (avail <= self->chunk + pmin)
    return FALSE;
  avail -= self->chunk;

  now = load_timeline (self, tmpl, MIN (avail, 2 * pmax + tmpl));
  quiet = is_quiet (self, gst_as_stretch_mean_square (self->y,
          self->channels, now + MIN (avail, 2 * pmax + tmpl)));

  if (quiet) {
    xfade = MIN (us_to_frames (self, QUIET_XFADE_US), avail / 2);
    skip = MIN (MIN (want, us_to_frames (self, QUIET_STEP_MAX_US)),
        avail - xfade);
    if (skip == 0 || xfade == 0)
      return FALSE;
  } else {
    gint off;

    want = MIN (want, us_to_frames (self,
            (gint64) self->playout.budget_ns / 1000));
    pmax = MIN (MIN (pmax, want), avail / 2);
    if (pmax < pmin || now < tmpl)
      return FALSE;
    off = gst_as_stretch_search (&self->stretch, self->y, now + 2 * pmax,
        now, tmpl, pmin, pmax, &corr);
    if (off <= 0 || corr < SPLICE_MIN_CORRELATION)
      return FALSE;
    skip = xfade = (guint) off;
  }

  splice_forward (self, self->y, now, skip, xfade);
  self->n.removed += skip;
  gst_as_playout_spent (&self->playout, frames_to_ns (self, skip), quiet);
  GST_LOG_OBJECT (self, "shrink by %u frames (%s, correlation %.2f)", skip,
      quiet ? "quiet" : "voiced", corr);
  return TRUE;
}

/* Tries to lengthen the playout by up to @amount_ns. */
static gboolean
try_grow (GstAdaptiveJitterQueue * self, gint64 amount_ns)
{
  guint avail = (guint) MIN (queue_level (self), self->scratch_frames / 2);
  guint tmpl = us_to_frames (self, TEMPLATE_US);
  guint pmin = MAX (us_to_frames (self, PERIOD_MIN_US), 1);
  guint pmax = us_to_frames (self, PERIOD_MAX_US);
  guint want = us_to_frames (self, amount_ns / 1000);
  guint xmax = us_to_frames (self, QUIET_STEP_MAX_US);
  guint now, back, xfade;
  gboolean quiet;
  gdouble corr = 0.0;

  if (avail == 0)
    return FALSE;
  now = load_timeline (self, self->tail_cap, MIN (avail, pmax));
  quiet = is_quiet (self, gst_as_stretch_mean_square (self->y +
          (gsize) (now - MIN (now, tmpl)) * self->channels, self->channels,
          MIN (now, tmpl) + MIN (avail, pmax)));

  if (quiet) {
    back = MIN (MIN (want, xmax), now);
    xfade = MIN (MIN (us_to_frames (self, QUIET_XFADE_US), back), avail);
    if (back == 0 || xfade == 0)
      return FALSE;
  } else {
    gint off;

    want = MIN (want, us_to_frames (self,
            (gint64) self->playout.budget_ns / 1000));
    pmax = MIN (pmax, want);
    if (pmax < pmin || now < tmpl + pmax)
      return FALSE;
    off = gst_as_stretch_search (&self->stretch, self->y, now, now, tmpl,
        -(gint) pmax, -(gint) pmin, &corr);
    if (off >= 0 || corr < SPLICE_MIN_CORRELATION)
      return FALSE;
    back = (guint) (-off);
    /* a period's crossfade when there is that much input, shorter when the
     * queue is about to run dry */
    xfade = MIN (back, avail);
    if (xfade < us_to_frames (self, MIN_XFADE_US))
      return FALSE;
  }

  splice_back (self, self->y, now, back, xfade);
  self->n.inserted += back;
  gst_as_playout_spent (&self->playout, frames_to_ns (self, back), quiet);
  GST_LOG_OBJECT (self, "grow by %u frames (%s, correlation %.2f)", back,
      quiet ? "quiet" : "voiced", corr);
  return TRUE;
}

/* Cuts @n input frames at once with a short crossfade: over the maximum
 * delay, or to compensate a later output schedule. Returns the frames cut. */
static guint
cut_input (GstAdaptiveJitterQueue * self, guint64 n)
{
  guint64 avail = queue_level (self);
  guint xfade = us_to_frames (self, QUIET_XFADE_US);
  guint now;

  if (avail <= xfade)
    return 0;
  n = MIN (n, avail - xfade);
  if (n == 0)
    return 0;
  if (n + xfade > self->scratch_frames / 2) {
    /* more than the scratch holds: drop the bulk, crossfade the end */
    guint64 bulk = n - (self->scratch_frames / 2 - xfade);

    queue_consume (self, bulk);
    n -= bulk;
    now = load_timeline (self, 0, (guint) n + xfade);
    splice_forward (self, self->y, now, (guint) n, xfade);
    return (guint) (n + bulk);
  }
  now = load_timeline (self, 0, (guint) n + xfade);
  splice_forward (self, self->y, now, (guint) n, xfade);
  return (guint) n;
}

static void
start_concealment (GstAdaptiveJitterQueue * self, gboolean filler)
{
  guint tmpl = us_to_frames (self, TEMPLATE_US);
  guint pmin = MAX (us_to_frames (self, PERIOD_MIN_US), 1);
  guint pmax = us_to_frames (self, PERIOD_MAX_US);
  guint now = load_timeline (self, self->tail_cap, 0);
  guint period = pmin, fade;
  gdouble corr = 0.0;

  if (now >= tmpl + pmax) {
    gint off = gst_as_stretch_search (&self->stretch, self->y, now, now,
        tmpl, -(gint) pmax, -(gint) pmin, &corr);

    if (off < 0)
      period = (guint) (-off);
  }
  fade = us_to_frames (self, corr >= CONCEAL_VOICED_CORRELATION && !filler ?
      CONCEAL_FADE_VOICED_US : CONCEAL_FADE_OTHER_US);
  gst_as_conceal_start (&self->conceal, self->y, now, period, fade,
      us_to_frames (self, CONCEAL_GLIDE_US));
  self->concealing = TRUE;
  self->filling = filler;
  if (!filler) {
    self->n.events++;
    self->underrun_since_resize = TRUE;
  }
  GST_DEBUG_OBJECT (self, "%s: repeating %u frames (correlation %.2f)",
      filler ? "latency filler" : "underrun", period, corr);
}

/* Ends a concealment with a crossfade into the input. */
static void
resume (GstAdaptiveJitterQueue * self)
{
  guint xfade = MIN (us_to_frames (self, RESUME_XFADE_US),
      (guint) queue_level (self));
  guint ch = self->channels;

  xfade = MIN (xfade, self->carry_cap);
  gst_as_conceal_generate (&self->conceal, self->fx, xfade);
  queue_peek (self, 0, self->native, xfade);
  to_float (self, self->native, self->y, xfade);
  gst_as_stretch_crossfade (self->y, self->fx, self->y, ch, xfade);
  carry_put_float (self, self->y, xfade);
  queue_consume (self, xfade);
  self->n.played += xfade;
  self->concealing = FALSE;
  self->filling = FALSE;
  self->rescued = FALSE;
}

/* Writes @n frames of concealment to @dest. */
static void
emit_concealment (GstAdaptiveJitterQueue * self, guint8 * dest, guint n)
{
  guint done = 0;

  while (done < n) {
    guint k = MIN (n - done, self->scratch_frames);

    gst_as_conceal_generate (&self->conceal, self->fx, k);
    from_float (self, self->fx, dest + (gsize) done * self->bpf, k);
    tail_append (self, dest + (gsize) done * self->bpf, k);
    done += k;
  }
  if (self->filling) {
    self->n.inserted += n;
    self->fill_left -= MIN (self->fill_left, n);
  } else {
    self->n.concealed += n;
  }
}

/* Moves the output schedule to the wanted pace, compensating inside the
 * queue so that the delay of the audio stays what it was: a later schedule
 * cuts as much input, an earlier one plays as much filler. Called at a
 * quiet moment, or when it has waited long enough. */
static gboolean
apply_pace (GstAdaptiveJitterQueue * self)
{
  gint64 delta = (gint64) self->pace_wanted - (gint64) self->pace;
  guint64 n = gst_util_uint64_scale_int (ABS (delta), self->rate, GST_SECOND);

  if (delta > 0) {
    if (queue_level (self) < n + us_to_frames (self, QUIET_XFADE_US) +
        self->chunk)
      return FALSE;             /* not enough input yet: later */
    n = cut_input (self, n);
    self->n.removed += n;
  } else if (delta < 0) {
    start_concealment (self, TRUE);
    self->fill_left = n;
  }
  self->pace = self->pace_wanted;
  self->pace_pending = FALSE;
  GST_INFO_OBJECT (self, "output schedule now %" GST_TIME_FORMAT
      " after the timestamps", GST_TIME_ARGS (self->pace));
  return delta != 0;
}

/* Called at a decision point: is now a good moment to move the schedule? */
static gboolean
pace_due (GstAdaptiveJitterQueue * self)
{
  GstClockTime now = output_time (self, 0);
  guint n = MIN ((guint) queue_level (self), us_to_frames (self,
          TEMPLATE_US));
  guint h;

  if (!self->pace_pending || now < self->pace_pending_since)
    return FALSE;
  if (now - self->pace_pending_since >= RELATENCY_QUIET_WAIT)
    return TRUE;
  h = load_timeline (self, us_to_frames (self, TEMPLATE_US), n);
  return is_quiet (self, gst_as_stretch_mean_square (self->y,
          self->channels, h + n));
}

/* Copies output that a splice already decided. Returns the frames. */
static guint
emit_carry (GstAdaptiveJitterQueue * self, guint8 * dest, guint room)
{
  guint k = MIN (self->carry_len, room);

  memcpy (dest, self->carry + (gsize) self->carry_off * self->bpf,
      (gsize) k * self->bpf);
  self->carry_off += k;
  self->carry_len -= k;
  return k;
}

/* Plays input as it is. Returns the frames. */
static guint
play_input (GstAdaptiveJitterQueue * self, guint8 * dest, guint room)
{
  guint k = (guint) MIN (queue_level (self), (guint64) room);

  queue_peek (self, 0, dest, k);
  tail_append (self, dest, k);
  queue_consume (self, k);
  self->n.played += k;
  return k;
}

/* While concealing: go on, or fade back into the input once enough of it
 * is there. Returns the frames written; sets @end when the stream is over. */
static guint
conceal_step (GstAdaptiveJitterQueue * self, guint8 * dest, guint room,
    gboolean * end)
{
  guint64 avail = queue_level (self);
  guint resume_at = self->chunk + us_to_frames (self, RESUME_XFADE_US);
  guint k;

  if (self->filling && self->fill_left == 0) {
    if (avail > 0) {
      resume (self);
      return 0;
    }
    if (self->eos) {
      *end = TRUE;
      return 0;
    }
    /* the filler is done and nothing came: now it is an underrun */
    self->filling = FALSE;
    self->n.events++;
    self->underrun_since_resize = TRUE;
  }
  if (!self->filling) {
    if (avail >= resume_at || (self->eos && avail > 0)) {
      resume (self);
      return 0;
    }
    if (self->eos) {
      *end = TRUE;
      return 0;
    }
  }

  k = room;
  if (self->filling)
    k = (guint) MIN ((guint64) k, self->fill_left);
  emit_concealment (self, dest, k);
  return k;
}

/* A decision point, with input to play: move the output schedule, cut an
 * excess or time-scale towards the target. Returns TRUE when it decided
 * some output (or changed the input), so the caller looks again. */
static gboolean
steer (GstAdaptiveJitterQueue * self, const Settings * s, guint fill)
{
  gint64 target_ns = gst_as_jitter_target_get (&self->target) * 1000;
  gint64 max_ns = (gint64) s->max_latency_ms * GST_MSECOND;
  gint64 delay, amount = 0;
  GstAsPlayoutAction action;
  guint cut;

  if (self->pace_pending && pace_due (self) && apply_pace (self))
    return TRUE;
  if (!gst_as_drift_is_valid (&self->drift))
    return FALSE;               /* no timed arrival since resuming */

  delay = current_delay (self, fill);
  if (self->resync) {
    /* back from PAUSED: what piled up meanwhile is stale */
    self->resync = FALSE;
    if (delay > target_ns + BAND_MIN_US * GST_USECOND) {
      cut = cut_input (self, gst_util_uint64_scale_int (delay - target_ns,
              self->rate, GST_SECOND));
      self->n.dropped += cut;
      GST_DEBUG_OBJECT (self, "resumed: dropped %u stale frames", cut);
      return cut > 0;
    }
  }

  action = gst_as_playout_decide (&self->playout, delay, target_ns, max_ns,
      TRUE, &amount);
  switch (action) {
    case GST_AS_PLAYOUT_DROP:
      cut = cut_input (self, gst_util_uint64_scale_int (amount, self->rate,
              GST_SECOND));
      self->n.dropped += cut;
      GST_DEBUG_OBJECT (self, "delay over the maximum: dropped %u frames",
          cut);
      return cut > 0;
    case GST_AS_PLAYOUT_SHRINK:
      return !self->eos && try_shrink (self, amount);
    case GST_AS_PLAYOUT_GROW:
      return !self->eos && try_grow (self, amount);
    case GST_AS_PLAYOUT_NORMAL:
    default:
      return FALSE;
  }
}

/* Fills @dest with @n output frames. Returns the frames written: fewer only
 * at the end of the stream. */
static guint
fill_chunk (GstAdaptiveJitterQueue * self, const Settings * s, guint8 * dest,
    guint n)
{
  guint fill = 0;

  probe_chunk (self, s);
  if (queue_level (self) >= n)
    self->rescued = FALSE;

  while (fill < n) {
    guint8 *d = dest + (gsize) fill * self->bpf;
    gboolean end = FALSE;

    if (self->carry_len > 0) {
      fill += emit_carry (self, d, n - fill);
    } else if (self->concealing) {
      fill += conceal_step (self, d, n - fill, &end);
      if (end)
        break;
    } else if (queue_level (self) == 0) {
      if (self->eos)
        break;
      start_concealment (self, FALSE);
    } else if (queue_level (self) < n - fill && !self->eos &&
        !self->rescued && try_grow (self, PERIOD_MAX_US * GST_USECOND)) {
      /* about to run dry: a period played again may bridge the wait, and
       * is less audible than a gap (NetEQ's preemptive expand) */
      self->rescued = TRUE;
    } else if (!steer (self, s, fill)) {
      fill += play_input (self, d, n - fill);
    }
  }

  gst_as_playout_played (&self->playout, frames_to_ns (self, fill));
  return fill;
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                  */

/* called with self->lock held; the caller owns the result */
static GstStructure *
build_stats (GstAdaptiveJitterQueue * self)
{
  gdouble delay_ms = 0.0;

  if (self->started && gst_as_drift_is_valid (&self->drift))
    delay_ms = current_delay (self, 0) / 1e6;

  return gst_structure_new ("adaptivejitterqueue-stats",
      "level-ms", G_TYPE_DOUBLE, frames_to_ms (self, queue_level (self)),
      "delay-ms", G_TYPE_DOUBLE, delay_ms,
      "target-ms", G_TYPE_DOUBLE,
      gst_as_jitter_target_get (&self->target) / 1000.0,
      "latency-ms", G_TYPE_DOUBLE, self->reported / 1e6,
      "jitter-ms", G_TYPE_DOUBLE, self->jitter_us / 1000.0,
      "drift-ppm", G_TYPE_DOUBLE,
      gst_as_drift_slope (&self->drift) * 1e6,
      "concealed-ms", G_TYPE_DOUBLE, frames_to_ms (self, self->n.concealed),
      "concealment-events", G_TYPE_UINT64, self->n.events,
      "dropped-ms", G_TYPE_DOUBLE, frames_to_ms (self, self->n.dropped),
      "stretched-ms", G_TYPE_DOUBLE,
      frames_to_ms (self, self->n.inserted + self->n.removed),
      "late-buffers", G_TYPE_UINT64, self->n.late_buffers,
      "relatencies", G_TYPE_UINT64, self->n.relatencies,
      "received-samples", G_TYPE_UINT64, self->n.received,
      "played-samples", G_TYPE_UINT64, self->n.played,
      "output-samples", G_TYPE_UINT64, self->n.output,
      "concealed-samples", G_TYPE_UINT64, self->n.concealed,
      "dropped-samples", G_TYPE_UINT64, self->n.dropped,
      "inserted-samples", G_TYPE_UINT64, self->n.inserted,
      "removed-samples", G_TYPE_UINT64, self->n.removed, NULL);
}

/* called with self->lock held, after a chunk */
static GstStructure *
maybe_stats (GstAdaptiveJitterQueue * self, const Settings * s)
{
  GstClockTime now = output_time (self, 0);

  if (s->stats_interval_ms == 0)
    return NULL;
  if (GST_CLOCK_TIME_IS_VALID (self->stats_last) &&
      now < self->stats_last + s->stats_interval_ms * GST_MSECOND)
    return NULL;
  self->stats_last = now;
  return build_stats (self);
}

/* called with self->lock held, after a chunk */
static GstStructure *
maybe_resize (GstAdaptiveJitterQueue * self)
{
  gint64 target = gst_as_jitter_target_get (&self->target);
  GstClockTime now = output_time (self, 0);
  const gchar *reason;
  GstStructure *st;

  if (!gst_as_playout_moved_enough (self->resize_posted_us, target,
          RESIZE_MIN_CHANGE_US, RESIZE_MIN_FRACTION))
    return NULL;
  if (GST_CLOCK_TIME_IS_VALID (self->resize_last) &&
      now < self->resize_last + RESIZE_MIN_INTERVAL)
    return NULL;

  if (target < self->resize_posted_us)
    reason = "jitter-decrease";
  else if (self->underrun_since_resize)
    reason = "underrun";
  else
    reason = "jitter-increase";
  st = gst_structure_new ("adaptivejitterqueue-resize",
      "old-ms", G_TYPE_DOUBLE, self->resize_posted_us / 1000.0,
      "new-ms", G_TYPE_DOUBLE, target / 1000.0,
      "jitter-ms", G_TYPE_DOUBLE, self->jitter_us / 1000.0,
      "reason", G_TYPE_STRING, reason, NULL);
  self->resize_posted_us = target;
  self->resize_last = now;
  self->underrun_since_resize = FALSE;
  return st;
}

/* The latency wanted now, whole milliseconds. called with self->lock held */
static GstClockTime
wanted_latency (GstAdaptiveJitterQueue * self, const Settings * s)
{
  gint64 target_us;

  if (s->fixed_latency_ms >= 0)
    return s->fixed_latency_ms * GST_MSECOND;
  target_us = gst_as_jitter_target_get (&self->target);
  return (GstClockTime) ((target_us + 999) / 1000) * GST_MSECOND;
}

/* Follows the target with the reported latency. An increase is announced
 * first and the schedule moves later; a decrease moves the schedule first
 * and is announced once done. Either way the schedule is never later than
 * the latency downstream was told. called with self->lock held */
static void
follow_latency (GstAdaptiveJitterQueue * self, const Settings * s)
{
  GstClockTime now = output_time (self, 0);
  GstClockTime want = wanted_latency (self, s);

  if (self->pace_pending)
    return;

  /* a decrease that has been applied: announce it */
  if (self->pace < self->reported) {
    self->reported = self->pace;
    self->post_latency = TRUE;
    self->last_relatency = now;
    return;
  }

  if (want == self->reported)
    return;
  if (s->fixed_latency_ms < 0) {
    if (!gst_as_playout_moved_enough (self->reported, want,
            RELATENCY_MIN_CHANGE, RELATENCY_MIN_FRACTION))
      return;
    if (GST_CLOCK_TIME_IS_VALID (self->last_relatency) &&
        now < self->last_relatency + RELATENCY_MIN_INTERVAL)
      return;
  }

  self->pace_wanted = want;
  self->pace_pending = TRUE;
  if (want > self->reported) {
    self->reported = want;
    self->post_latency = TRUE;
    self->last_relatency = now;
    /* give the application a moment to pass it on to the sinks */
    self->pace_pending_since = now + RELATENCY_SETTLE;
  } else {
    self->pace_pending_since = now;
  }
}

/* ------------------------------------------------------------------------ */
/* Streaming state                                                           */

/* called with self->lock held */
static void
reset_stream (GstAdaptiveJitterQueue * self, const Settings * s)
{
  gint64 max_us = (gint64) s->max_latency_ms * 1000;
  gint64 bin_us = MAX (HISTOGRAM_BIN_US,
      (max_us + GST_AS_JITTER_MAX_BINS - 1) / GST_AS_JITTER_MAX_BINS);

  self->q_write = self->q_read = 0;
  self->arr_head = self->arr_len = 0;
  self->partial_len = 0;
  self->tail_written = 0;
  self->carry_len = self->carry_off = 0;
  self->concealing = FALSE;
  self->resync = FALSE;
  self->rescued = FALSE;
  self->filling = FALSE;
  self->fill_left = 0;
  self->loudness = 0.0;
  self->loudness_at_us = 0;
  self->eos = FALSE;

  gst_as_drift_init (&self->drift, DRIFT_SEGMENT, DRIFT_SEGMENTS,
      DRIFT_MAX_SLOPE);
  gst_as_jitter_init (&self->jitter, bin_us,
      (guint) MIN (max_us / bin_us + 1, GST_AS_JITTER_MAX_BINS),
      HISTOGRAM_HALF_LIFE_US);
  gst_as_jitter_target_init (&self->target,
      (gint64) s->min_latency_ms * 1000, max_us, TARGET_DECAY_HALF_LIFE_US);
  gst_as_jitter_target_reset (&self->target,
      (gint64) s->min_latency_ms * 1000);
  gst_as_playout_init (&self->playout, STRETCH_MAX_RATE,
      STRETCH_BUDGET_MAX_US * GST_USECOND, BAND_MIN_US * GST_USECOND,
      BAND_FRACTION);
  self->jitter_us = 0;

  self->probe_pending = FALSE;
  self->probe_last_start = G_MAXUINT64;
  self->started = FALSE;
  self->discont = TRUE;
  self->need_segment = TRUE;
  self->pts_origin = 0;
  self->out_frames = 0;
  self->pace_pending = FALSE;
  self->post_latency = FALSE;
  self->last_relatency = GST_CLOCK_TIME_NONE;
  self->pace = self->reported = wanted_latency (self, s);
  self->resize_posted_us = gst_as_jitter_target_get (&self->target);
  self->resize_last = GST_CLOCK_TIME_NONE;
  self->underrun_since_resize = FALSE;
  self->stats_last = GST_CLOCK_TIME_NONE;
}

/* The bytes the buffers of a format take, G_MAXUINT64 if that does not
 * even fit in 64 bits. */
static guint64
format_memory (guint rate, guint channels, guint bpf, guint max_latency_ms)
{
  guint64 q_frames = gst_util_uint64_scale_int (max_latency_ms + HEADROOM_MS,
      rate, 1000);
  guint64 chunk = gst_util_uint64_scale_int (CHUNK_US, rate, G_USEC_PER_SEC);
  guint64 scratch = gst_util_uint64_scale_int (SCRATCH_US, rate,
      G_USEC_PER_SEC);
  guint64 frames, bytes, floats;

  /* queue, tail, carry, native scratch and the output pool */
  frames = q_frames + 16 * chunk + 3 * scratch + 64 + 16;
  if (!g_uint64_checked_mul (&bytes, frames, bpf))
    return G_MAXUINT64;
  /* unpacked, y and fx: a float or a double a sample */
  if (!g_uint64_checked_mul (&floats, scratch + 64, channels) ||
      !g_uint64_checked_mul (&floats, floats, 16) ||
      !g_uint64_checked_add (&bytes, bytes, floats))
    return G_MAXUINT64;
  return bytes;
}

/* The format changed: what is queued in the old one is dropped.
 * called with self->lock held */
static void
forget_format (GstAdaptiveJitterQueue * self)
{
  if (!self->have_format)
    return;
  if (queue_level (self) > 0) {
    GST_WARNING_OBJECT (self, "format changed: dropping %" G_GUINT64_FORMAT
        " queued frames", queue_level (self));
    self->n.dropped += queue_level (self);
  }
  drop_partial (self);
  free_format (self);
}

/* called with self->lock held */
static gboolean
setup_format (GstAdaptiveJitterQueue * self, const GstAudioInfo * info,
    GstCaps * caps, const Settings * s)
{
  guint rate = GST_AUDIO_INFO_RATE (info);
  guint channels = GST_AUDIO_INFO_CHANNELS (info);
  guint bpf = GST_AUDIO_INFO_BPF (info);
  guint unpack_size = GST_AUDIO_FORMAT_INFO_IS_FLOAT (info->finfo) ?
      sizeof (gdouble) : sizeof (gint32);
  GstStructure *config;

  if (self->have_format && gst_audio_info_is_equal (info, &self->info))
    return TRUE;
  forget_format (self);

  self->info = *info;
  self->rate = rate;
  self->channels = channels;
  self->bpf = bpf;
  self->chunk = MAX (us_to_frames (self, CHUNK_US), 1);
  self->q_cap = gst_util_uint64_scale_int (s->max_latency_ms + HEADROOM_MS,
      rate, 1000) + 4 * self->chunk;
  self->q_data = g_malloc0 (self->q_cap * bpf);
  self->arrivals = g_new0 (Arrival, MAX_ARRIVALS);
  self->partial = g_malloc0 (bpf);
  self->tail_cap = MAX (us_to_frames (self, TAIL_US), 16);
  self->tail = g_malloc0 ((gsize) self->tail_cap * bpf);
  self->scratch_frames = MAX (us_to_frames (self, SCRATCH_US), 64);
  self->carry_cap = self->scratch_frames;
  self->carry = g_malloc0 ((gsize) self->carry_cap * bpf);
  self->native = g_malloc0 ((gsize) self->scratch_frames * bpf);
  self->unpacked = g_malloc0 ((gsize) self->scratch_frames * channels *
      unpack_size);
  self->y = g_new0 (gfloat, (gsize) self->scratch_frames * channels);
  self->fx = g_new0 (gfloat, (gsize) self->scratch_frames * channels);
  gst_as_stretch_init (&self->stretch, rate, channels, self->scratch_frames);
  gst_as_conceal_init (&self->conceal, channels, self->tail_cap);
  self->have_format = TRUE;

  /* buffers are recycled: the output path does not allocate */
  self->pool = gst_buffer_pool_new ();
  config = gst_buffer_pool_get_config (self->pool);
  gst_buffer_pool_config_set_params (config, caps, self->chunk * bpf, 4, 0);
  if (!gst_buffer_pool_set_config (self->pool, config) ||
      !gst_buffer_pool_set_active (self->pool, TRUE)) {
    free_format (self);
    return FALSE;
  }

  reset_stream (self, s);
  GST_INFO_OBJECT (self, "%u Hz, %u channels, %u bytes per frame; queue of "
      "%" G_GUINT64_FORMAT " frames", rate, channels, bpf, self->q_cap);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Sink pad                                                                  */

/* The running time now, NONE when the clock does not run for us. */
static GstClockTime
running_time_now (GstAdaptiveJitterQueue * self)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockTime now, base;

  if (clock == NULL)
    return GST_CLOCK_TIME_NONE;
  now = gst_clock_get_time (clock);
  base = gst_element_get_base_time (GST_ELEMENT (self));
  gst_object_unref (clock);
  return now > base ? now - base : 0;
}

static GstFlowReturn
gst_adaptive_jitter_queue_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer)
{
  GstAdaptiveJitterQueue *self = GST_ADAPTIVE_JITTER_QUEUE (parent);
  GstClockTime at = GST_CLOCK_TIME_NONE;
  GstFlowReturn ret;
  GstMapInfo map;
  gboolean timed, cut = FALSE;
  guint64 frames;

  g_mutex_lock (&self->lock);
  timed = !self->blocked;
  g_mutex_unlock (&self->lock);
  /* arrival is taken before anything else, outside the lock */
  if (timed)
    at = running_time_now (self);

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    goto map_failed;

  g_mutex_lock (&self->lock);
  if (self->flushing) {
    ret = GST_FLOW_FLUSHING;
    goto out;
  }
  if (self->srcresult != GST_FLOW_OK) {
    ret = self->srcresult;
    goto out;
  }
  if (self->eos) {
    ret = GST_FLOW_EOS;
    goto out;
  }
  if (!self->have_format) {
    ret = GST_FLOW_NOT_NEGOTIATED;
    goto out;
  }

  /* what began before a discontinuity will not be completed by it */
  if (GST_BUFFER_IS_DISCONT (buffer))
    cut = drop_partial (self);
  frames = queue_input (self, map.data, map.size);
  if (frames > 0) {
    if (self->concealing && !self->filling)
      self->n.late_buffers++;
    self->n.received += frames;
    arrival_append (self, self->q_write, at);
    if (GST_CLOCK_TIME_IS_VALID (at)) {
      Settings s;

      follow_baseline (self, gst_as_drift_add (&self->drift, (gint64) at,
              media_ns (self, self->q_write)));
      if (self->probe_pending && self->q_write > self->probe_frame) {
        settings_copy (self, &s);
        probe_resolve (self, &s, at);
      }
    }
    g_cond_broadcast (&self->cond);
  }
  ret = GST_FLOW_OK;

out:
  g_mutex_unlock (&self->lock);
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
  if (cut)
    GST_ELEMENT_WARNING (self, STREAM, DECODE,
        ("Dropped an incomplete audio frame before a discontinuity."),
        ("the input is not cut at frame boundaries and a buffer was lost "
            "upstream"));
  return ret;

map_failed:
  gst_buffer_unref (buffer);
  GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Could not read a buffer."),
      (NULL));
  return GST_FLOW_ERROR;
}

static gboolean
handle_caps (GstAdaptiveJitterQueue * self, GstEvent * event)
{
  GstCaps *caps;
  GstAudioInfo info;
  Settings s;
  gboolean ok;
  guint64 memory;

  gst_event_parse_caps (event, &caps);
  if (!gst_audio_info_from_caps (&info, caps) ||
      GST_AUDIO_INFO_LAYOUT (&info) != GST_AUDIO_LAYOUT_INTERLEAVED)
    goto invalid_caps;

  settings_copy (self, &s);
  memory = format_memory (GST_AUDIO_INFO_RATE (&info),
      GST_AUDIO_INFO_CHANNELS (&info), GST_AUDIO_INFO_BPF (&info),
      s.max_latency_ms);
  if (memory > FORMAT_MEMORY_LIMIT)
    goto too_big;

  g_mutex_lock (&self->lock);
  ok = setup_format (self, &info, caps, &s);
  g_mutex_unlock (&self->lock);
  if (!ok)
    goto no_pool;

  /* sent before the next buffer the task pushes, in order */
  gst_pad_store_sticky_event (self->srcpad, event);
  gst_event_unref (event);
  return TRUE;

invalid_caps:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Could not parse the audio format."), ("caps: %" GST_PTR_FORMAT, caps));
  gst_event_unref (event);
  return FALSE;

too_big:
  /* whatever is queued was in the old format, and buffers in the new one
   * are refused (not-negotiated) */
  g_mutex_lock (&self->lock);
  forget_format (self);
  g_mutex_unlock (&self->lock);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Refusing an audio format that would need %.1f GiB of buffers: %d "
          "channels, %d bytes a frame at %d Hz, for a queue of %u ms.",
          memory / 1073741824.0, GST_AUDIO_INFO_CHANNELS (&info),
          GST_AUDIO_INFO_BPF (&info), GST_AUDIO_INFO_RATE (&info),
          s.max_latency_ms + HEADROOM_MS),
      ("at most %" G_GUINT64_FORMAT " bytes; check the caps upstream, or "
          "lower max-latency-ms; caps: %" GST_PTR_FORMAT,
          FORMAT_MEMORY_LIMIT, caps));
  gst_event_unref (event);
  return FALSE;

no_pool:
  GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
      ("Could not set up output buffers."), ("caps: %" GST_PTR_FORMAT, caps));
  gst_event_unref (event);
  return FALSE;
}

static void
start_task (GstAdaptiveJitterQueue * self)
{
  gst_pad_start_task (self->srcpad,
      (GstTaskFunction) gst_adaptive_jitter_queue_loop, self->srcpad, NULL);
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

    case GST_EVENT_EOS:{
      guint partial, bpf;

      g_mutex_lock (&self->lock);
      self->eos = TRUE;
      partial = self->partial_len;
      bpf = self->bpf;
      drop_partial (self);
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

    case GST_EVENT_FLUSH_START:
      gst_pad_push_event (self->srcpad, event);
      g_mutex_lock (&self->lock);
      self->flushing = TRUE;
      self->srcresult = GST_FLOW_FLUSHING;
      if (self->clock_id)
        gst_clock_id_unschedule (self->clock_id);
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      gst_pad_pause_task (self->srcpad);
      return TRUE;

    case GST_EVENT_FLUSH_STOP:
      gst_pad_push_event (self->srcpad, event);
      settings_copy (self, &s);
      g_mutex_lock (&self->lock);
      if (self->have_format)
        reset_stream (self, &s);
      self->flushing = FALSE;
      self->srcresult = GST_FLOW_OK;
      g_mutex_unlock (&self->lock);
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
      latency = self->reported;
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

  if (active) {
    g_mutex_lock (&self->lock);
    self->flushing = FALSE;
    self->srcresult = GST_FLOW_OK;
    g_mutex_unlock (&self->lock);
    start_task (self);
    return TRUE;
  }

  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  self->srcresult = GST_FLOW_FLUSHING;
  if (self->clock_id)
    gst_clock_id_unschedule (self->clock_id);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return gst_pad_stop_task (pad);
}

/* called with self->lock held: output begins with the first input */
static void
start_output (GstAdaptiveJitterQueue * self, const Settings * s,
    GstClockTime now)
{
  gint64 first_ns = media_ns (self, self->q_read);
  gint64 target_ns, start;

  /* until the network has shown more: as long as the first buffer, the
   * least that can play without a gap */
  gst_as_jitter_target_reset (&self->target, (gint64) frames_to_ns (self,
          self->arrivals[self->arr_head].end - self->q_read) / 1000);
  self->resize_posted_us = gst_as_jitter_target_get (&self->target);
  target_ns = gst_as_jitter_target_get (&self->target) * 1000;

  if (!gst_as_drift_is_valid (&self->drift))
    /* arrivals before PLAYING were not timed: take them as just in */
    gst_as_drift_set_base (&self->drift, first_ns,
        (gint64) now - target_ns - first_ns);

  start = earliest_arrival (self, self->q_read) + target_ns;
  start = MAX (start, (gint64) now);
  self->pace = self->reported;
  start = MAX (start, (gint64) self->pace);
  self->pts_origin = (GstClockTime) start - self->pace;
  self->out_frames = 0;
  self->started = TRUE;
  self->discont = TRUE;
  GST_INFO_OBJECT (self, "output starts at %" GST_TIME_FORMAT ", target %"
      GST_TIME_FORMAT ", latency %" GST_TIME_FORMAT, GST_TIME_ARGS (start),
      GST_TIME_ARGS (target_ns), GST_TIME_ARGS (self->pace));
}

/* called with self->lock held, or when no thread runs */
static void
clear_clock_id (GstAdaptiveJitterQueue * self)
{
  if (self->clock_id)
    gst_clock_id_unref (self->clock_id);
  self->clock_id = NULL;
  gst_clear_object (&self->id_clock);
}

/* called with self->lock held */
static GstClockID
prepare_wait (GstAdaptiveJitterQueue * self, GstClock * clock,
    GstClockTime at)
{
  if (self->clock_id && self->id_clock != clock)
    clear_clock_id (self);
  if (self->clock_id == NULL) {
    self->clock_id = gst_clock_new_single_shot_id (clock, at);
    self->id_clock = gst_object_ref (clock);
  } else
    gst_clock_single_shot_id_reinit (clock, self->clock_id, at);
  return gst_clock_id_ref (self->clock_id);
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
    if (self->eos && queue_level (self) == 0 && self->carry_len == 0 &&
        !(self->concealing && self->filling))
      return READY_EOS;
    if (!self->have_format || self->blocked ||
        (!self->started && queue_level (self) == 0)) {
      g_cond_wait (&self->cond, &self->lock);
      continue;
    }
    g_mutex_unlock (&self->lock);
    *clock = gst_element_get_clock (GST_ELEMENT (self));
    *now = running_time_now (self);
    g_mutex_lock (&self->lock);
    if (*clock == NULL) {
      /* PLAYING without a clock: wait for one */
      g_cond_wait_until (&self->cond, &self->lock,
          g_get_monotonic_time () + 10 * G_TIME_SPAN_MILLISECOND);
      continue;
    }
    if (self->flushing || self->blocked || !self->have_format) {
      gst_clear_object (clock);
      continue;
    }
    return READY_TO_PLAY;
  }
}

/* Fills @buf with the next chunk and stamps it; FALSE when there was
 * nothing to play (the end of the stream).
 * called with self->lock held */
static gboolean
produce_chunk (GstAdaptiveJitterQueue * self, const Settings * s,
    GstBuffer * buf)
{
  GstClockTime pts;
  GstMapInfo map;
  guint frames;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  frames = fill_chunk (self, s, map.data, self->chunk);
  if (frames > 0) {
    to_float (self, map.data, self->fx, frames);
    track_loudness (self, gst_as_stretch_mean_square (self->fx,
            self->channels, frames));
  }
  gst_buffer_unmap (buf, &map);
  if (frames == 0)
    return FALSE;
  if (frames < self->chunk)
    gst_buffer_resize (buf, 0, (gssize) frames * self->bpf);

  GST_LOG_OBJECT (self, "chunk at %" GST_TIME_FORMAT ": %u frames, delay "
      "%.2f ms, target %.2f ms, level %.2f ms",
      GST_TIME_ARGS (output_time (self, 0)), frames,
      gst_as_drift_is_valid (&self->drift) ?
      current_delay (self, frames) / 1e6 : 0.0,
      gst_as_jitter_target_get (&self->target) / 1e3,
      frames_to_ms (self, queue_level (self)));

  pts = self->pts_origin + frames_to_ns (self, self->out_frames);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = self->pts_origin +
      frames_to_ns (self, self->out_frames + frames) - pts;
  GST_BUFFER_OFFSET (buf) = self->out_frames;
  GST_BUFFER_OFFSET_END (buf) = self->out_frames + frames;
  if (self->discont)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  self->discont = FALSE;
  self->out_frames += frames;
  self->n.output += frames;
  return TRUE;
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
  GstBufferPool *pool;
  GstClock *clock = NULL;
  GstClockTime now = 0;
  GstClockID id;
  GstBuffer *buf = NULL;
  GstFlowReturn ret;
  gboolean latency, produced;
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
  if (!self->started)
    start_output (self, &s, now);
  id = prepare_wait (self, clock, gst_element_get_base_time (GST_ELEMENT
          (self)) + output_time (self, 0));
  pool = gst_object_ref (self->pool);
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
  produced = !self->flushing && !self->blocked && self->started &&
      pool == self->pool && produce_chunk (self, &s, buf);
  gst_object_unref (pool);
  if (!produced) {
    g_mutex_unlock (&self->lock);
    gst_buffer_unref (buf);
    goto done;
  }
  follow_latency (self, &s);
  latency = self->post_latency;
  self->post_latency = FALSE;
  if (latency)
    self->n.relatencies++;
  resize = maybe_resize (self);
  stats = maybe_stats (self, &s);
  if (self->need_segment) {
    GstSegment seg;

    gst_segment_init (&seg, GST_FORMAT_TIME);
    segment = gst_event_new_segment (&seg);
    self->need_segment = FALSE;
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
      memset (&self->n, 0, sizeof (self->n));
      if (self->have_format)
        reset_stream (self, &s);
      else
        self->reported = s.fixed_latency_ms >= 0 ?
            s.fixed_latency_ms * GST_MSECOND :
            s.min_latency_ms * GST_MSECOND;
      self->blocked = TRUE;
      g_mutex_unlock (&self->lock);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      g_mutex_lock (&self->lock);
      /* what arrived while paused was not timed, and the running time
       * stood still while the sender went on: the baseline starts again
       * from the next arrival, and the audio that piled up is dropped down
       * to the target */
      if (self->started) {
        gst_as_drift_reset (&self->drift);
        self->resync = TRUE;
      }
      self->blocked = FALSE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      g_mutex_lock (&self->lock);
      self->blocked = TRUE;
      if (self->clock_id)
        gst_clock_id_unschedule (self->clock_id);
      g_cond_broadcast (&self->cond);
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
      clear_clock_id (self);
      free_format (self);
      g_mutex_unlock (&self->lock);
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
      self->props.quantile = g_value_get_double (value);
      break;
    case PROP_MIN_LATENCY_MS:
      self->props.min_latency_ms = g_value_get_uint (value);
      break;
    case PROP_MAX_LATENCY_MS:
      self->props.max_latency_ms = g_value_get_uint (value);
      break;
    case PROP_FIXED_LATENCY_MS:
      self->props.fixed_latency_ms = g_value_get_int (value);
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
    st = build_stats (self);
    g_mutex_unlock (&self->lock);
    g_value_take_boxed (value, st);
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_QUANTILE:
      g_value_set_double (value, self->props.quantile);
      break;
    case PROP_MIN_LATENCY_MS:
      g_value_set_uint (value, self->props.min_latency_ms);
      break;
    case PROP_MAX_LATENCY_MS:
      g_value_set_uint (value, self->props.max_latency_ms);
      break;
    case PROP_FIXED_LATENCY_MS:
      g_value_set_int (value, self->props.fixed_latency_ms);
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
