/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The playout engine of adaptivejitterqueue; playout-engine.h says what it
 * does. The element (plugins/audiostream/gstadaptivejitterqueue.c) gives
 * it buffers with their arrival times and asks it for output when that is
 * due; docs/adaptivejitterqueue.md describes the algorithms. */

#include "playout-engine.h"

#include <math.h>
#include <string.h>

#include "conceal.h"
#include "drift.h"
#include "framering.h"
#include "jitter.h"
#include "playout.h"
#include "stretch.h"

GST_DEBUG_CATEGORY_STATIC (playout_engine_debug);
#define GST_CAT_DEFAULT playout_engine_debug

/* output: one buffer per CHUNK_US */
#define CHUNK_US 5000

/* the target decays with this half-life; the delay histogram forgets
 * with its own, shorter one so that a worse network shows at once */
#define TARGET_DECAY_HALF_LIFE_US (20 * G_USEC_PER_SEC)
#define HISTOGRAM_HALF_LIFE_US (G_USEC_PER_SEC / 2)
#define HISTOGRAM_BIN_US 250

/* recurring stalls: a need at least twice the quantile and 40 ms above
 * it is a peak; late chunks within 1 s are the same one; three peaks, each
 * up to 20 s after the one before, are a pattern, whose height the target
 * holds (jitter.h). Two are not: a loaded machine has the odd spike. */
#define PEAK_MIN_RATIO 2.0
#define PEAK_MIN_ABOVE_US 40000
#define PEAK_MERGE_US G_USEC_PER_SEC
#define PEAK_MAX_PERIOD_US (20 * G_USEC_PER_SEC)
#define PEAK_MIN_COUNT 3

/* drift: minima of 2 s segments, over the last 128 s */
#define DRIFT_SEGMENT (2 * GST_SECOND)
#define DRIFT_SEGMENTS 64
#define DRIFT_MAX_SLOPE 1e-3

/* the queue holds this much beyond max-latency-ms, for bursts */
#define HEADROOM_MS 1000

/* memory a format may take: a 64-channel F64 stream at 192 kHz with
 * max-latency-ms=10000 needs a little over 1 GiB */
#define FORMAT_MEMORY_LIMIT (G_GUINT64_CONSTANT (2) << 30)
#define MAX_ARRIVALS 4096

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

/* Frames of one format in a ring. Positions count frames since the reset
 * and only grow; the ring holds [read, write). Writing more than it holds
 * overwrites the oldest. Both the input queue (read moves as input is
 * played) and the output history (only the newest frames matter) are
 * one. */
typedef struct
{
  guint8 *data;
  guint64 cap;                  /* frames */
  guint bpf;
  guint64 read;
  guint64 write;
} FrameRing;

typedef struct
{
  guint64 end;                  /* frames received once this buffer was in */
  GstClockTime at;              /* its arrival, running time; NONE: untimed */
} Arrival;

struct _GstAsPlayoutEngine
{
  /* format */
  gboolean have_format;
  GstAudioInfo info;
  guint rate;
  guint channels;
  guint bpf;
  guint chunk;                  /* frames per output buffer */
  GstBufferPool *pool;          /* of output buffers; set_output() only */
  gboolean new_segment;         /* the output timeline starts again */

  /* input: native frames; positions count frames since the stream began */
  FrameRing queue;
  Arrival *arrivals;            /* ring, oldest first */
  guint arr_head;
  guint arr_len;
  /* the start of a frame whose end is in the next buffer: upstream need
   * not cut its buffers at frame boundaries (tcpserversrc does not) */
  guint8 *partial;
  guint partial_len;
  gboolean eos;

  /* signal processing; every buffer is allocated with the format */
  FrameRing tail;               /* the last output frames */
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
  GstAsPeaks peaks;
  GstAsPlayout playout;
  gint64 jitter_us;             /* the last quantile */

  /* output timeline, running time */
  gboolean started;
  gboolean discont;
  GstClockTime pts_origin;      /* PTS of output frame 0 */
  GstClockTime pace;            /* sent this long after the PTS */
  GstClockTime reported;        /* latency the queries answer */
  guint64 out_frames;           /* frames output since the origin */
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

  GstAsPlayoutCounters n;
};

/* ------------------------------------------------------------------------ */
/* Frame rings                                                               */

static void
ring_alloc (FrameRing * r, guint64 cap, guint bpf)
{
  r->data = g_malloc0 (cap * bpf);
  /* the task's first pass would fault it in page by page */
  gst_as_prefault (r->data, cap * bpf);
  r->cap = cap;
  r->bpf = bpf;
  r->read = r->write = 0;
}

static void
ring_free (FrameRing * r)
{
  g_clear_pointer (&r->data, g_free);
  r->cap = 0;
}

static guint64
ring_level (const FrameRing * r)
{
  return r->write - r->read;
}

/* Copies @n frames from position @pos (which the ring holds) to @dest. */
static void
ring_copy_out (const FrameRing * r, guint64 pos, guint8 * dest, guint64 n)
{
  guint64 at = pos % r->cap;
  guint64 first = MIN (n, r->cap - at);

  memcpy (dest, r->data + at * r->bpf, first * r->bpf);
  if (first < n)
    memcpy (dest + first * r->bpf, r->data, (n - first) * r->bpf);
}

/* Appends @n frames, overwriting the oldest when full. Returns how many
 * frames that were still held are lost. */
static guint64
ring_write (FrameRing * r, const guint8 * src, guint64 n)
{
  guint64 lost = 0, at, first;

  if (n > r->cap) {
    /* only the newest frames fit */
    src += (n - r->cap) * r->bpf;
    r->write += n - r->cap;
    n = r->cap;
  }
  if (r->write + n - r->read > r->cap) {
    /* at most the level, since n <= cap */
    lost = r->write + n - r->cap - r->read;
    r->read += lost;
  }
  at = r->write % r->cap;
  first = MIN (n, r->cap - at);
  memcpy (r->data + at * r->bpf, src, first * r->bpf);
  if (first < n)
    memcpy (r->data, src + first * r->bpf, (n - first) * r->bpf);
  r->write += n;
  return lost;
}

/* ------------------------------------------------------------------------ */
/* Units                                                                     */

static GstClockTime
frames_to_ns (GstAsPlayoutEngine * e, guint64 frames)
{
  return gst_util_uint64_scale_int (frames, GST_SECOND, e->rate);
}

static guint
us_to_frames (GstAsPlayoutEngine * e, gint64 us)
{
  return (guint) gst_util_uint64_scale_int (MAX (us, 0), e->rate,
      G_USEC_PER_SEC);
}

static gdouble
frames_to_ms (GstAsPlayoutEngine * e, guint64 frames)
{
  if (e->rate == 0)
    return 0.0;
  return frames * 1000.0 / e->rate;
}

/* ------------------------------------------------------------------------ */
/* The input queue: native frames with random access                        */

static guint64
queue_level (GstAsPlayoutEngine * e)
{
  return ring_level (&e->queue);
}

static void
queue_peek (GstAsPlayoutEngine * e, guint64 offset, guint8 * dest,
    guint n)
{
  ring_copy_out (&e->queue, e->queue.read + offset, dest, n);
}

/* Frames of the input are gone (played, skipped or dropped): forget the
 * arrival records that covered only them. */
static void
forget_arrivals (GstAsPlayoutEngine * e)
{
  while (e->arr_len > 1 &&
      e->arrivals[e->arr_head].end <= e->queue.read) {
    e->arr_head = (e->arr_head + 1) % MAX_ARRIVALS;
    e->arr_len--;
  }
}

static void
queue_consume (GstAsPlayoutEngine * e, guint64 n)
{
  e->queue.read += MIN (n, queue_level (e));
  forget_arrivals (e);
}

/* Input that does not fit pushes out the oldest: dropped. */
static void
queue_write (GstAsPlayoutEngine * e, const guint8 * src, guint64 n)
{
  guint64 lost = ring_write (&e->queue, src, n);

  if (lost > 0) {
    e->n.dropped += lost;
    forget_arrivals (e);
  }
}

static void
arrival_append (GstAsPlayoutEngine * e, guint64 end, GstClockTime at)
{
  if (e->arr_len == MAX_ARRIVALS) {
    /* tiny buffers: merge into the newest record, keeping the later (safe)
     * arrival time */
    Arrival *last = &e->arrivals[(e->arr_head + e->arr_len - 1) %
        MAX_ARRIVALS];

    last->end = end;
    last->at = at;
    return;
  }
  e->arrivals[(e->arr_head + e->arr_len) % MAX_ARRIVALS].end = end;
  e->arrivals[(e->arr_head + e->arr_len) % MAX_ARRIVALS].at = at;
  e->arr_len++;
}

/* An incomplete frame cannot be played: it counts as received and
 * dropped, so that the totals still add up. Returns whether there was one. */
static gboolean
drop_partial (GstAsPlayoutEngine * e)
{
  if (e->partial_len == 0)
    return FALSE;
  GST_DEBUG ("dropping %u bytes of an incomplete frame",
      e->partial_len);
  e->partial_len = 0;
  e->n.received++;
  e->n.dropped++;
  return TRUE;
}

/* Queues the whole frames of @size bytes of input, completing the frame
 * the previous buffer began and keeping the start of the next one. Returns
 * the frames queued. */
static guint64
queue_input (GstAsPlayoutEngine * e, const guint8 * data, gsize size)
{
  guint64 frames, queued = 0;
  gsize rest;

  if (e->partial_len > 0) {
    gsize k = MIN (size, (gsize) (e->bpf - e->partial_len));

    memcpy (e->partial + e->partial_len, data, k);
    e->partial_len += k;
    data += k;
    size -= k;
    if (e->partial_len < e->bpf)
      return 0;
    queue_write (e, e->partial, 1);
    e->partial_len = 0;
    queued = 1;
  }
  frames = size / e->bpf;
  if (frames > 0)
    queue_write (e, data, frames);
  rest = size - frames * e->bpf;
  memcpy (e->partial, data + frames * e->bpf, rest);
  e->partial_len = rest;
  return queued + frames;
}

/* When input frame @frame arrived (running time), NONE if unknown. */
static GstClockTime
arrival_of (GstAsPlayoutEngine * e, guint64 frame)
{
  guint i;

  for (i = 0; i < e->arr_len; i++) {
    const Arrival *a = &e->arrivals[(e->arr_head + i) % MAX_ARRIVALS];

    if (a->end > frame)
      return a->at;
  }
  return GST_CLOCK_TIME_NONE;
}

/* ------------------------------------------------------------------------ */
/* Native <-> float                                                          */

/* Unpacks @n frames of the element's format into floats in [-1, 1). */
static void
to_float (GstAsPlayoutEngine * e, const guint8 * src, gfloat * dest,
    guint n)
{
  const GstAudioFormatInfo *finfo = e->info.finfo;
  guint i, len = n * e->channels;

  finfo->unpack_func (finfo, GST_AUDIO_PACK_FLAG_NONE, e->unpacked, src,
      len);
  if (finfo->unpack_format == GST_AUDIO_FORMAT_F64) {
    const gdouble *u = e->unpacked;

    for (i = 0; i < len; i++)
      dest[i] = (gfloat) u[i];
  } else {
    const gint32 *u = e->unpacked;

    for (i = 0; i < len; i++)
      dest[i] = u[i] * (1.0f / 2147483648.0f);
  }
}

/* Packs floats into the element's format, rounding at its depth. */
static void
from_float (GstAsPlayoutEngine * e, const gfloat * src, guint8 * dest,
    guint n)
{
  const GstAudioFormatInfo *finfo = e->info.finfo;
  guint i, len = n * e->channels;

  if (finfo->unpack_format == GST_AUDIO_FORMAT_F64) {
    gdouble *u = e->unpacked;

    for (i = 0; i < len; i++)
      u[i] = src[i];
  } else {
    gint32 *u = e->unpacked;
    guint depth = CLAMP (finfo->depth, 1, 32);
    gdouble scale = ldexp (1.0, depth - 1);
    gint64 hi = (gint64) scale - 1, lo = -(gint64) scale;

    for (i = 0; i < len; i++) {
      gint64 v = llrint (src[i] * scale);

      v = CLAMP (v, lo, hi);
      u[i] = (gint32) ((guint32) v << (32 - depth));
    }
  }
  finfo->pack_func (finfo, 0, e->unpacked, dest, len);
}

/* ------------------------------------------------------------------------ */
/* Output history and carry                                                  */

static void
tail_append (GstAsPlayoutEngine * e, const guint8 * src, guint n)
{
  ring_write (&e->tail, src, n);
}

/* The last @n frames played, as floats, into @dest; returns how many there
 * were (fewer at the start of the stream). */
static guint
tail_to_float (GstAsPlayoutEngine * e, gfloat * dest, guint n)
{
  n = (guint) MIN ((guint64) n, ring_level (&e->tail));
  ring_copy_out (&e->tail, e->tail.write - n, e->native, n);
  to_float (e, e->native, dest, n);
  return n;
}

/* Decided output goes to the carry, and into the history at once: later
 * decisions continue from it. */
static void
carry_put_float (GstAsPlayoutEngine * e, const gfloat * src, guint n)
{
  guint8 *dest;

  g_assert (e->carry_len == 0 && n <= e->carry_cap);
  dest = e->carry;
  from_float (e, src, dest, n);
  tail_append (e, dest, n);
  e->carry_off = 0;
  e->carry_len = n;
}

/* ------------------------------------------------------------------------ */
/* Estimation                                                                */

static gint64
media_ns (GstAsPlayoutEngine * e, guint64 frame)
{
  return (gint64) frames_to_ns (e, frame);
}

/* The earliest the input frame @frame could have arrived: its place in the
 * stream plus the baseline of the transit delay. */
static gint64
earliest_arrival (GstAsPlayoutEngine * e, guint64 frame)
{
  gint64 t = media_ns (e, frame);

  return t + gst_as_drift_base (&e->drift, t);
}

/* The baseline moved by @delta_ns. Up: the network is slower than it
 * was, which the delays measured since have already shown, so the values
 * kept relative to the baseline move down with it and the target stays
 * where it is in absolute terms. Down: audio arrives earlier than ever
 * (a faster route, a sender catching up): the relative target stays, so
 * the absolute one comes down with the baseline and the excess is played
 * out. */
static void
follow_baseline (GstAsPlayoutEngine * e, gint64 delta_ns)
{
  if (delta_ns <= 0)
    return;
  gst_as_jitter_shift (&e->jitter, -delta_ns / 1000);
  gst_as_jitter_target_shift (&e->target, -delta_ns / 1000);
  gst_as_peaks_shift (&e->peaks, -delta_ns / 1000);
}

/* Running time of the next output frame to be decided. */
static GstClockTime
output_time (GstAsPlayoutEngine * e, guint fill)
{
  return e->pts_origin + e->pace + frames_to_ns (e,
      e->out_frames + fill);
}

/* Playout delay of the next input frame if it were played at output frame
 * @fill of the current chunk: how long after the fastest possible arrival
 * it plays. */
static gint64
current_delay (GstAsPlayoutEngine * e, guint fill)
{
  return (gint64) output_time (e, fill) - earliest_arrival (e,
      e->queue.read);
}

static void
update_target (GstAsPlayoutEngine * e, const GstAsPlayoutSettings * s,
    gint64 now_us)
{
  gint64 hold;

  e->jitter_us = gst_as_jitter_quantile (&e->jitter, s->quantile);
  hold = gst_as_peaks_hold (&e->peaks, now_us);
  gst_as_jitter_target_set_limits (&e->target,
      (gint64) s->min_latency_ms * 1000, (gint64) s->max_latency_ms * 1000);
  gst_as_jitter_target_update (&e->target, now_us, MAX (e->jitter_us, hold));
}

static void
probe_resolve (GstAsPlayoutEngine * e, const GstAsPlayoutSettings * s,
    GstClockTime at)
{
  gint64 need = (gint64) at - e->probe_earliest;
  gint64 now_us = (gint64) at / 1000;

  e->probe_pending = FALSE;
  /* measured against the quantile before this sample */
  if (gst_as_peaks_add (&e->peaks, now_us, need / 1000, e->jitter_us))
    GST_LOG ("peak: needed %.1f ms, quantile %.1f ms", need / 1e6,
        e->jitter_us / 1e3);
  gst_as_jitter_add (&e->jitter, now_us, need / 1000, e->chunk);
  update_target (e, s, now_us);
}

/* A chunk starts playing input frame e->queue.read: what would it have
 * needed to play all of its frames? The answer comes when its last frame
 * has arrived: at once usually, later when the chunk runs dry, and then it
 * is the measure of how late the network was. One probe at a time, and
 * one per starting frame: a gap concealed over several chunks counts
 * once. */
static void
probe_chunk (GstAsPlayoutEngine * e, const GstAsPlayoutSettings * s)
{
  GstClockTime at;

  if (!e->probe_pending && (e->queue.read > e->probe_last_start ||
          e->probe_last_start == G_MAXUINT64)) {
    e->probe_pending = TRUE;
    e->probe_frame = e->queue.read + e->chunk - 1;
    e->probe_earliest = earliest_arrival (e, e->queue.read);
    e->probe_last_start = e->queue.read;
  }
  if (!e->probe_pending || e->queue.write <= e->probe_frame)
    return;
  at = arrival_of (e, e->probe_frame);
  if (GST_CLOCK_TIME_IS_VALID (at))
    probe_resolve (e, s, at);
  else
    e->probe_pending = FALSE;
}

/* ------------------------------------------------------------------------ */
/* Building the output                                                       */

static gboolean
is_quiet (GstAsPlayoutEngine * e, gdouble mean_square)
{
  return mean_square < QUIET_MEAN_SQUARE ||
      mean_square < e->loudness * QUIET_RELATIVE;
}

static void
track_loudness (GstAsPlayoutEngine * e, gdouble mean_square)
{
  gint64 now_us = (gint64) (output_time (e, 0) / 1000);

  if (now_us > e->loudness_at_us)
    e->loudness *= exp2 (-(gdouble) (now_us - e->loudness_at_us) /
        LOUDNESS_HALF_LIFE_US);
  e->loudness_at_us = now_us;
  e->loudness = MAX (e->loudness, mean_square);
}

/* Loads the timeline [history | lookahead] as floats into e->y.
 * Returns the number of history frames (the index of "now"). */
static guint
load_timeline (GstAsPlayoutEngine * e, guint hist, guint ahead)
{
  guint h = tail_to_float (e, e->y, hist);

  if (ahead > 0) {
    queue_peek (e, 0, e->native, ahead);
    to_float (e, e->native, e->y + (gsize) h * e->channels,
        ahead);
  }
  return h;
}

/* Plays @skip fewer input frames than it has: a crossfade from the next
 * input frames to those @skip further on. */
static void
splice_forward (GstAsPlayoutEngine * e, const gfloat * y, guint now,
    guint skip, guint xfade)
{
  const gfloat *from = y + (gsize) now * e->channels;
  const gfloat *to = y + (gsize) (now + skip) * e->channels;

  gst_as_stretch_crossfade (e->fx, from, to, e->channels, xfade);
  carry_put_float (e, e->fx, xfade);
  queue_consume (e, skip + xfade);
  e->n.played += xfade;
}

/* Plays @back frames of the history again: a crossfade from the next input
 * frames into the history @back frames ago, then the rest of that history;
 * the input continues after it. */
static void
splice_back (GstAsPlayoutEngine * e, const gfloat * y, guint now,
    guint back, guint xfade)
{
  guint ch = e->channels;
  const gfloat *from = y + (gsize) now * ch;
  const gfloat *to = y + (gsize) (now - back) * ch;

  gst_as_stretch_crossfade (e->fx, from, to, ch, xfade);
  memcpy (e->fx + (gsize) xfade * ch, to + (gsize) xfade * ch,
      (gsize) (back - xfade) * ch * sizeof (gfloat));
  carry_put_float (e, e->fx, back);
}

/* What a splice may work with, in frames. */
typedef struct
{
  guint avail;                  /* input it may look at */
  guint tmpl;                   /* the waveform matched */
  guint pmin;                   /* pitch periods considered */
  guint pmax;
  guint want;                   /* the change asked for */
} SpliceSizes;

static void
splice_sizes (GstAsPlayoutEngine * e, gint64 amount_ns, SpliceSizes * z)
{
  z->avail = (guint) MIN (queue_level (e), e->scratch_frames / 2);
  z->tmpl = us_to_frames (e, TEMPLATE_US);
  z->pmin = MAX (us_to_frames (e, PERIOD_MIN_US), 1);
  z->pmax = us_to_frames (e, PERIOD_MAX_US);
  z->want = us_to_frames (e, amount_ns / 1000);
}

/* Voiced audio is time-scaled within the stretch budget only. */
static guint
within_budget (GstAsPlayoutEngine * e, guint want)
{
  return MIN (want, us_to_frames (e, (gint64) e->playout.budget_ns / 1000));
}

/* A splice of @frames was decided: it spends the budget (unless quiet). */
static void
splice_done (GstAsPlayoutEngine * e, const gchar * what, guint frames,
    gboolean quiet, gdouble corr)
{
  gst_as_playout_spent (&e->playout, frames_to_ns (e, frames), quiet);
  GST_LOG ("%s by %u frames (%s, correlation %.2f)", what, frames,
      quiet ? "quiet" : "voiced", corr);
}

/* Tries to shorten the playout by up to @amount_ns. */
static gboolean
try_shrink (GstAsPlayoutEngine * e, gint64 amount_ns)
{
  SpliceSizes z;
  guint now, skip, xfade, ahead;
  gboolean quiet;
  gdouble corr = 0.0;

  splice_sizes (e, amount_ns, &z);
  /* keep a chunk in the queue after the splice */
  if (z.avail <= e->chunk + z.pmin)
    return FALSE;
  z.avail -= e->chunk;

  ahead = MIN (z.avail, 2 * z.pmax + z.tmpl);
  now = load_timeline (e, z.tmpl, ahead);
  quiet = is_quiet (e, gst_as_stretch_mean_square (e->y, e->channels,
          now + ahead));

  if (quiet) {
    xfade = MIN (us_to_frames (e, QUIET_XFADE_US), z.avail / 2);
    skip = MIN (MIN (z.want, us_to_frames (e, QUIET_STEP_MAX_US)),
        z.avail - xfade);
    if (skip == 0 || xfade == 0)
      return FALSE;
  } else {
    gint off;

    z.want = within_budget (e, z.want);
    z.pmax = MIN (MIN (z.pmax, z.want), z.avail / 2);
    if (z.pmax < z.pmin || now < z.tmpl)
      return FALSE;
    off = gst_as_stretch_search (&e->stretch, e->y, now + 2 * z.pmax,
        now, z.tmpl, z.pmin, z.pmax, &corr);
    if (off <= 0 || corr < SPLICE_MIN_CORRELATION)
      return FALSE;
    skip = xfade = (guint) off;
  }

  splice_forward (e, e->y, now, skip, xfade);
  e->n.removed += skip;
  splice_done (e, "shrink", skip, quiet, corr);
  return TRUE;
}

/* Tries to lengthen the playout by up to @amount_ns. */
static gboolean
try_grow (GstAsPlayoutEngine * e, gint64 amount_ns)
{
  SpliceSizes z;
  guint now, back, xfade, ahead, before;
  gboolean quiet;
  gdouble corr = 0.0;

  splice_sizes (e, amount_ns, &z);
  if (z.avail == 0)
    return FALSE;
  ahead = MIN (z.avail, z.pmax);
  now = load_timeline (e, (guint) e->tail.cap, ahead);
  before = MIN (now, z.tmpl);
  quiet = is_quiet (e, gst_as_stretch_mean_square (e->y +
          (gsize) (now - before) * e->channels, e->channels, before + ahead));

  if (quiet) {
    back = MIN (MIN (z.want, us_to_frames (e, QUIET_STEP_MAX_US)), now);
    xfade = MIN (MIN (us_to_frames (e, QUIET_XFADE_US), back), z.avail);
    if (back == 0 || xfade == 0)
      return FALSE;
  } else {
    gint off;

    z.want = within_budget (e, z.want);
    z.pmax = MIN (z.pmax, z.want);
    if (z.pmax < z.pmin || now < z.tmpl + z.pmax)
      return FALSE;
    off = gst_as_stretch_search (&e->stretch, e->y, now, now, z.tmpl,
        -(gint) z.pmax, -(gint) z.pmin, &corr);
    if (off >= 0 || corr < SPLICE_MIN_CORRELATION)
      return FALSE;
    back = (guint) (-off);
    /* a period's crossfade when there is that much input, shorter when the
     * queue is about to run dry */
    xfade = MIN (back, z.avail);
    if (xfade < us_to_frames (e, MIN_XFADE_US))
      return FALSE;
  }

  splice_back (e, e->y, now, back, xfade);
  e->n.inserted += back;
  splice_done (e, "grow", back, quiet, corr);
  return TRUE;
}

/* Cuts @n input frames at once with a short crossfade: over the maximum
 * delay, or to compensate a later output schedule. Returns the frames cut. */
static guint
cut_input (GstAsPlayoutEngine * e, guint64 n)
{
  guint64 avail = queue_level (e);
  guint xfade = us_to_frames (e, QUIET_XFADE_US);
  guint now;

  if (avail <= xfade)
    return 0;
  n = MIN (n, avail - xfade);
  if (n == 0)
    return 0;
  if (n + xfade > e->scratch_frames / 2) {
    /* more than the scratch holds: drop the bulk, crossfade the end */
    guint64 bulk = n - (e->scratch_frames / 2 - xfade);

    queue_consume (e, bulk);
    n -= bulk;
    now = load_timeline (e, 0, (guint) n + xfade);
    splice_forward (e, e->y, now, (guint) n, xfade);
    return (guint) (n + bulk);
  }
  now = load_timeline (e, 0, (guint) n + xfade);
  splice_forward (e, e->y, now, (guint) n, xfade);
  return (guint) n;
}

static void
start_concealment (GstAsPlayoutEngine * e, gboolean filler)
{
  guint tmpl = us_to_frames (e, TEMPLATE_US);
  guint pmin = MAX (us_to_frames (e, PERIOD_MIN_US), 1);
  guint pmax = us_to_frames (e, PERIOD_MAX_US);
  guint now = load_timeline (e, (guint) e->tail.cap, 0);
  guint period = pmin, fade;
  gdouble corr = 0.0;

  if (now >= tmpl + pmax) {
    gint off = gst_as_stretch_search (&e->stretch, e->y, now, now,
        tmpl, -(gint) pmax, -(gint) pmin, &corr);

    if (off < 0)
      period = (guint) (-off);
  }
  fade = us_to_frames (e, corr >= CONCEAL_VOICED_CORRELATION && !filler ?
      CONCEAL_FADE_VOICED_US : CONCEAL_FADE_OTHER_US);
  gst_as_conceal_start (&e->conceal, e->y, now, period, fade,
      us_to_frames (e, CONCEAL_GLIDE_US));
  e->concealing = TRUE;
  e->filling = filler;
  if (!filler) {
    e->n.events++;
    e->underrun_since_resize = TRUE;
  }
  GST_DEBUG ("%s: repeating %u frames (correlation %.2f)",
      filler ? "latency filler" : "underrun", period, corr);
}

/* Ends a concealment with a crossfade into the input. */
static void
resume (GstAsPlayoutEngine * e)
{
  guint xfade = MIN (us_to_frames (e, RESUME_XFADE_US),
      (guint) queue_level (e));
  guint ch = e->channels;

  xfade = MIN (xfade, e->carry_cap);
  gst_as_conceal_generate (&e->conceal, e->fx, xfade);
  queue_peek (e, 0, e->native, xfade);
  to_float (e, e->native, e->y, xfade);
  gst_as_stretch_crossfade (e->y, e->fx, e->y, ch, xfade);
  carry_put_float (e, e->y, xfade);
  queue_consume (e, xfade);
  e->n.played += xfade;
  e->concealing = FALSE;
  e->filling = FALSE;
  e->rescued = FALSE;
}

/* Writes @n frames of concealment to @dest. */
static void
emit_concealment (GstAsPlayoutEngine * e, guint8 * dest, guint n)
{
  guint done = 0;

  while (done < n) {
    guint k = MIN (n - done, e->scratch_frames);

    gst_as_conceal_generate (&e->conceal, e->fx, k);
    from_float (e, e->fx, dest + (gsize) done * e->bpf, k);
    tail_append (e, dest + (gsize) done * e->bpf, k);
    done += k;
  }
  if (e->filling) {
    e->n.inserted += n;
    e->fill_left -= MIN (e->fill_left, n);
  } else {
    e->n.concealed += n;
  }
}

/* Moves the output schedule to the wanted pace, compensating inside the
 * queue so that the delay of the audio stays what it was: a later schedule
 * cuts as much input, an earlier one plays as much filler. Called at a
 * quiet moment, or when it has waited long enough. */
static gboolean
apply_pace (GstAsPlayoutEngine * e)
{
  gint64 delta = (gint64) e->pace_wanted - (gint64) e->pace;
  guint64 n = gst_util_uint64_scale_int (ABS (delta), e->rate, GST_SECOND);

  if (delta > 0) {
    if (queue_level (e) < n + us_to_frames (e, QUIET_XFADE_US) +
        e->chunk)
      return FALSE;             /* not enough input yet: later */
    n = cut_input (e, n);
    e->n.removed += n;
  } else if (delta < 0) {
    start_concealment (e, TRUE);
    e->fill_left = n;
  }
  e->pace = e->pace_wanted;
  e->pace_pending = FALSE;
  GST_INFO ("output schedule now %" GST_TIME_FORMAT
      " after the timestamps", GST_TIME_ARGS (e->pace));
  return delta != 0;
}

/* Called at a decision point: is now a good moment to move the schedule? */
static gboolean
pace_due (GstAsPlayoutEngine * e)
{
  GstClockTime now = output_time (e, 0);
  guint n = MIN ((guint) queue_level (e), us_to_frames (e,
          TEMPLATE_US));
  guint h;

  if (!e->pace_pending || now < e->pace_pending_since)
    return FALSE;
  if (now - e->pace_pending_since >= RELATENCY_QUIET_WAIT)
    return TRUE;
  h = load_timeline (e, us_to_frames (e, TEMPLATE_US), n);
  return is_quiet (e, gst_as_stretch_mean_square (e->y,
          e->channels, h + n));
}

/* Copies output that a splice already decided. Returns the frames. */
static guint
emit_carry (GstAsPlayoutEngine * e, guint8 * dest, guint room)
{
  guint k = MIN (e->carry_len, room);

  memcpy (dest, e->carry + (gsize) e->carry_off * e->bpf,
      (gsize) k * e->bpf);
  e->carry_off += k;
  e->carry_len -= k;
  return k;
}

/* Plays input as it is. Returns the frames. */
static guint
play_input (GstAsPlayoutEngine * e, guint8 * dest, guint room)
{
  guint k = (guint) MIN (queue_level (e), (guint64) room);

  queue_peek (e, 0, dest, k);
  tail_append (e, dest, k);
  queue_consume (e, k);
  e->n.played += k;
  return k;
}

/* While concealing: go on, or fade back into the input once enough of it
 * is there. Returns the frames written; sets @end when the stream is over. */
static guint
conceal_step (GstAsPlayoutEngine * e, guint8 * dest, guint room,
    gboolean * end)
{
  guint64 avail = queue_level (e);
  guint resume_at = e->chunk + us_to_frames (e, RESUME_XFADE_US);
  guint k;

  if (e->filling && e->fill_left == 0) {
    if (avail > 0) {
      resume (e);
      return 0;
    }
    if (e->eos) {
      *end = TRUE;
      return 0;
    }
    /* the filler is done and nothing came: now it is an underrun */
    e->filling = FALSE;
    e->n.events++;
    e->underrun_since_resize = TRUE;
  }
  if (!e->filling) {
    if (avail >= resume_at || (e->eos && avail > 0)) {
      resume (e);
      return 0;
    }
    if (e->eos) {
      *end = TRUE;
      return 0;
    }
  }

  k = room;
  if (e->filling)
    k = (guint) MIN ((guint64) k, e->fill_left);
  emit_concealment (e, dest, k);
  return k;
}

/* A decision point, with input to play: move the output schedule, cut an
 * excess or time-scale towards the target. Returns TRUE when it decided
 * some output (or changed the input), so the caller looks again. */
static gboolean
steer (GstAsPlayoutEngine * e, const GstAsPlayoutSettings * s, guint fill)
{
  gint64 target_ns = gst_as_jitter_target_get (&e->target) * 1000;
  gint64 max_ns = (gint64) s->max_latency_ms * GST_MSECOND;
  gint64 delay, amount = 0;
  GstAsPlayoutAction action;
  guint cut;

  if (e->pace_pending && pace_due (e) && apply_pace (e))
    return TRUE;
  if (!gst_as_drift_is_valid (&e->drift))
    return FALSE;               /* no timed arrival since resuming */

  delay = current_delay (e, fill);
  if (e->resync) {
    /* back from PAUSED: what piled up meanwhile is stale */
    e->resync = FALSE;
    if (delay > target_ns + BAND_MIN_US * GST_USECOND) {
      cut = cut_input (e, gst_util_uint64_scale_int (delay - target_ns,
              e->rate, GST_SECOND));
      e->n.dropped += cut;
      GST_DEBUG ("resumed: dropped %u stale frames", cut);
      return cut > 0;
    }
  }

  action = gst_as_playout_decide (&e->playout, delay, target_ns, max_ns,
      TRUE, &amount);
  switch (action) {
    case GST_AS_PLAYOUT_DROP:
      cut = cut_input (e, gst_util_uint64_scale_int (amount, e->rate,
              GST_SECOND));
      e->n.dropped += cut;
      GST_DEBUG ("delay over the maximum: dropped %u frames",
          cut);
      return cut > 0;
    case GST_AS_PLAYOUT_SHRINK:
      return !e->eos && try_shrink (e, amount);
    case GST_AS_PLAYOUT_GROW:
      return !e->eos && try_grow (e, amount);
    case GST_AS_PLAYOUT_NORMAL:
    default:
      return FALSE;
  }
}

/* Fills @dest with @n output frames. Returns the frames written: fewer only
 * at the end of the stream. */
static guint
fill_chunk (GstAsPlayoutEngine * e, const GstAsPlayoutSettings * s, guint8 * dest,
    guint n)
{
  guint fill = 0;

  probe_chunk (e, s);
  if (queue_level (e) >= n)
    e->rescued = FALSE;

  while (fill < n) {
    guint8 *d = dest + (gsize) fill * e->bpf;
    gboolean end = FALSE;

    if (e->carry_len > 0) {
      fill += emit_carry (e, d, n - fill);
    } else if (e->concealing) {
      fill += conceal_step (e, d, n - fill, &end);
      if (end)
        break;
    } else if (queue_level (e) == 0) {
      if (e->eos)
        break;
      start_concealment (e, FALSE);
    } else if (queue_level (e) < n - fill && !e->eos &&
        !e->rescued && try_grow (e, PERIOD_MAX_US * GST_USECOND)) {
      /* about to run dry: a period played again may bridge the wait, and
       * is less audible than a gap (NetEQ's preemptive expand) */
      e->rescued = TRUE;
    } else if (!steer (e, s, fill)) {
      fill += play_input (e, d, n - fill);
    }
  }

  gst_as_playout_played (&e->playout, frames_to_ns (e, fill));
  return fill;
}

/* ------------------------------------------------------------------------ */
/* Reports                                                                   */

void
gst_as_playout_engine_get_stats (GstAsPlayoutEngine * e,
    GstAsPlayoutStats * st)
{
  memset (st, 0, sizeof (*st));
  st->latency_ms = e->reported / 1e6;
  st->n = e->n;
  /* without a format (READY), the last stream's estimates */
  if (e->started && gst_as_drift_is_valid (&e->drift))
    st->delay_ms = current_delay (e, 0) / 1e6;
  st->level_ms = frames_to_ms (e, queue_level (e));
  st->target_ms = gst_as_jitter_target_get (&e->target) / 1000.0;
  st->jitter_ms = e->jitter_us / 1000.0;
  st->drift_ppm = gst_as_drift_slope (&e->drift) * 1e6;
  st->concealed_ms = frames_to_ms (e, e->n.concealed);
  st->dropped_ms = frames_to_ms (e, e->n.dropped);
  st->stretched_ms = frames_to_ms (e, e->n.inserted + e->n.removed);
  st->decided_frames = e->carry_len;
}

/* After a chunk: has @interval_ms of output passed since the last stats? */
gboolean
gst_as_playout_engine_stats_due (GstAsPlayoutEngine * e, guint interval_ms)
{
  GstClockTime now = output_time (e, 0);

  if (interval_ms == 0)
    return FALSE;
  if (GST_CLOCK_TIME_IS_VALID (e->stats_last) &&
      now < e->stats_last + interval_ms * GST_MSECOND)
    return FALSE;
  e->stats_last = now;
  return TRUE;
}

/* After a chunk: has the target moved enough to say so? */
gboolean
gst_as_playout_engine_take_resize (GstAsPlayoutEngine * e,
    GstAsPlayoutResize * resize)
{
  gint64 target = gst_as_jitter_target_get (&e->target);
  GstClockTime now = output_time (e, 0);

  if (!gst_as_playout_moved_enough (e->resize_posted_us, target,
          RESIZE_MIN_CHANGE_US, RESIZE_MIN_FRACTION))
    return FALSE;
  if (GST_CLOCK_TIME_IS_VALID (e->resize_last) &&
      now < e->resize_last + RESIZE_MIN_INTERVAL)
    return FALSE;

  if (target < e->resize_posted_us)
    resize->reason = "jitter-decrease";
  else if (e->underrun_since_resize)
    resize->reason = "underrun";
  else
    resize->reason = "jitter-increase";
  resize->old_ms = e->resize_posted_us / 1000.0;
  resize->new_ms = target / 1000.0;
  resize->jitter_ms = e->jitter_us / 1000.0;
  e->resize_posted_us = target;
  e->resize_last = now;
  e->underrun_since_resize = FALSE;
  return TRUE;
}

GstClockTime
gst_as_playout_engine_latency (GstAsPlayoutEngine * e)
{
  return e->reported;
}

/* The latency wanted now, whole milliseconds. */
static GstClockTime
wanted_latency (GstAsPlayoutEngine * e, const GstAsPlayoutSettings * s)
{
  gint64 target_us;

  if (s->fixed_latency_ms >= 0)
    return s->fixed_latency_ms * GST_MSECOND;
  target_us = gst_as_jitter_target_get (&e->target);
  return (GstClockTime) ((target_us + 999) / 1000) * GST_MSECOND;
}

/* Follows the target with the reported latency. An increase is announced
 * first and the schedule moves later; a decrease moves the schedule first
 * and is announced once done. Either way the schedule is never later than
 * the latency downstream was told. */
static void
follow_latency (GstAsPlayoutEngine * e, const GstAsPlayoutSettings * s)
{
  GstClockTime now = output_time (e, 0);
  GstClockTime want = wanted_latency (e, s);

  if (e->pace_pending)
    return;

  /* a decrease that has been applied: announce it */
  if (e->pace < e->reported) {
    e->reported = e->pace;
    e->post_latency = TRUE;
    e->last_relatency = now;
    return;
  }

  if (want == e->reported)
    return;
  if (s->fixed_latency_ms < 0) {
    if (!gst_as_playout_moved_enough (e->reported, want,
            RELATENCY_MIN_CHANGE, RELATENCY_MIN_FRACTION))
      return;
    if (GST_CLOCK_TIME_IS_VALID (e->last_relatency) &&
        now < e->last_relatency + RELATENCY_MIN_INTERVAL)
      return;
  }

  e->pace_wanted = want;
  e->pace_pending = TRUE;
  if (want > e->reported) {
    e->reported = want;
    e->post_latency = TRUE;
    e->last_relatency = now;
    /* give the application a moment to pass it on to the sinks */
    e->pace_pending_since = now + RELATENCY_SETTLE;
  } else {
    e->pace_pending_since = now;
  }
}

/* ------------------------------------------------------------------------ */
/* Streaming state                                                           */

static void
reset_stream (GstAsPlayoutEngine * e, const GstAsPlayoutSettings * s)
{
  gint64 max_us = (gint64) s->max_latency_ms * 1000;
  gint64 bin_us = MAX (HISTOGRAM_BIN_US,
      (max_us + GST_AS_JITTER_MAX_BINS - 1) / GST_AS_JITTER_MAX_BINS);

  e->queue.write = e->queue.read = 0;
  e->arr_head = e->arr_len = 0;
  e->partial_len = 0;
  e->tail.read = e->tail.write = 0;
  e->carry_len = e->carry_off = 0;
  e->concealing = FALSE;
  e->resync = FALSE;
  e->rescued = FALSE;
  e->filling = FALSE;
  e->fill_left = 0;
  e->loudness = 0.0;
  e->loudness_at_us = 0;
  e->eos = FALSE;

  gst_as_drift_init (&e->drift, DRIFT_SEGMENT, DRIFT_SEGMENTS,
      DRIFT_MAX_SLOPE);
  gst_as_jitter_init (&e->jitter, bin_us,
      (guint) MIN (max_us / bin_us + 1, GST_AS_JITTER_MAX_BINS),
      HISTOGRAM_HALF_LIFE_US);
  gst_as_jitter_target_init (&e->target,
      (gint64) s->min_latency_ms * 1000, max_us, TARGET_DECAY_HALF_LIFE_US);
  gst_as_jitter_target_reset (&e->target,
      (gint64) s->min_latency_ms * 1000);
  gst_as_peaks_init (&e->peaks, PEAK_MIN_RATIO, PEAK_MIN_ABOVE_US,
      PEAK_MERGE_US, PEAK_MAX_PERIOD_US, PEAK_MIN_COUNT);
  gst_as_playout_init (&e->playout, STRETCH_MAX_RATE,
      STRETCH_BUDGET_MAX_US * GST_USECOND, BAND_MIN_US * GST_USECOND,
      BAND_FRACTION);
  e->jitter_us = 0;

  e->probe_pending = FALSE;
  e->probe_last_start = G_MAXUINT64;
  e->started = FALSE;
  e->discont = TRUE;
  e->pts_origin = 0;
  e->out_frames = 0;
  e->pace_pending = FALSE;
  e->post_latency = FALSE;
  e->last_relatency = GST_CLOCK_TIME_NONE;
  e->pace = e->reported = wanted_latency (e, s);
  e->resize_posted_us = gst_as_jitter_target_get (&e->target);
  e->resize_last = GST_CLOCK_TIME_NONE;
  e->underrun_since_resize = FALSE;
  e->stats_last = GST_CLOCK_TIME_NONE;
}

/* The bytes the buffers of a format take, G_MAXUINT64 if that does not
 * even fit in 64 bits. */
static guint64
memory_needed (const GstAudioInfo * info, guint max_latency_ms)
{
  guint rate = GST_AUDIO_INFO_RATE (info);
  guint64 q_frames = gst_util_uint64_scale_int (max_latency_ms + HEADROOM_MS,
      rate, 1000);
  guint64 chunk = gst_util_uint64_scale_int (CHUNK_US, rate, G_USEC_PER_SEC);
  guint64 scratch = gst_util_uint64_scale_int (SCRATCH_US, rate,
      G_USEC_PER_SEC);
  guint64 frames, bytes, floats;

  /* queue, tail, carry, native scratch and the element's output pool */
  frames = q_frames + 16 * chunk + 3 * scratch + 64 + 16;
  if (!g_uint64_checked_mul (&bytes, frames, GST_AUDIO_INFO_BPF (info)))
    return G_MAXUINT64;
  /* unpacked, y and fx: a float or a double a sample */
  if (!g_uint64_checked_mul (&floats, scratch + 64,
          GST_AUDIO_INFO_CHANNELS (info)) ||
      !g_uint64_checked_mul (&floats, floats, 16) ||
      !g_uint64_checked_add (&bytes, bytes, floats))
    return G_MAXUINT64;
  return bytes;
}

/* Whether the buffers of a format can be allocated: caps such as
 * channels=100000000 would need terabytes. */
gboolean
gst_as_playout_engine_check_format (const GstAudioInfo * info,
    const GstAsPlayoutSettings * s, GError ** error)
{
  guint64 memory = memory_needed (info, s->max_latency_ms);

  if (memory <= FORMAT_MEMORY_LIMIT)
    return TRUE;
  g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
      "Refusing an audio format that would need %.1f GiB of buffers: %d "
      "channels, %d bytes a frame at %d Hz, for a queue of %u ms.",
      memory / 1073741824.0, GST_AUDIO_INFO_CHANNELS (info),
      GST_AUDIO_INFO_BPF (info), GST_AUDIO_INFO_RATE (info),
      s->max_latency_ms + HEADROOM_MS);
  return FALSE;
}

/* Frees the buffers of the format; what was queued is gone. */
void
gst_as_playout_engine_clear_format (GstAsPlayoutEngine * e)
{
  ring_free (&e->queue);
  ring_free (&e->tail);
  g_clear_pointer (&e->arrivals, g_free);
  g_clear_pointer (&e->partial, g_free);
  g_clear_pointer (&e->carry, g_free);
  g_clear_pointer (&e->native, g_free);
  g_clear_pointer (&e->unpacked, g_free);
  g_clear_pointer (&e->y, g_free);
  g_clear_pointer (&e->fx, g_free);
  if (e->have_format) {
    gst_as_stretch_clear (&e->stretch);
    gst_as_conceal_clear (&e->conceal);
  }
  if (e->pool) {
    gst_buffer_pool_set_active (e->pool, FALSE);
    gst_clear_object (&e->pool);
  }
  e->have_format = FALSE;
}

/* The format changed: what is queued in the old one is dropped. */
void
gst_as_playout_engine_forget_format (GstAsPlayoutEngine * e)
{
  if (!e->have_format)
    return;
  if (queue_level (e) > 0) {
    GST_WARNING ("format changed: dropping %" G_GUINT64_FORMAT
        " queued frames", queue_level (e));
    e->n.dropped += queue_level (e);
  }
  drop_partial (e);
  gst_as_playout_engine_clear_format (e);
}

gboolean
gst_as_playout_engine_has_format (GstAsPlayoutEngine * e,
    const GstAudioInfo * info)
{
  return e->have_format && (info == NULL ||
      gst_audio_info_is_equal (info, &e->info));
}

/* Allocates the buffers of a new format (the caller checked it with
 * gst_as_playout_engine_check_format()) and starts a new stream. */
void
gst_as_playout_engine_set_format (GstAsPlayoutEngine * e,
    const GstAudioInfo * info, const GstAsPlayoutSettings * s)
{
  guint rate = GST_AUDIO_INFO_RATE (info);
  guint channels = GST_AUDIO_INFO_CHANNELS (info);
  guint bpf = GST_AUDIO_INFO_BPF (info);
  guint unpack_size = GST_AUDIO_FORMAT_INFO_IS_FLOAT (info->finfo) ?
      sizeof (gdouble) : sizeof (gint32);

  gst_as_playout_engine_forget_format (e);

  e->info = *info;
  e->rate = rate;
  e->channels = channels;
  e->bpf = bpf;
  e->chunk = MAX (us_to_frames (e, CHUNK_US), 1);
  ring_alloc (&e->queue, gst_util_uint64_scale_int (s->max_latency_ms +
          HEADROOM_MS, rate, 1000) + 4 * e->chunk, bpf);
  e->arrivals = g_new0 (Arrival, MAX_ARRIVALS);
  e->partial = g_malloc0 (bpf);
  ring_alloc (&e->tail, MAX (us_to_frames (e, TAIL_US), 16), bpf);
  e->scratch_frames = MAX (us_to_frames (e, SCRATCH_US), 64);
  e->carry_cap = e->scratch_frames;
  e->carry = g_malloc0 ((gsize) e->carry_cap * bpf);
  e->native = g_malloc0 ((gsize) e->scratch_frames * bpf);
  e->unpacked = g_malloc0 ((gsize) e->scratch_frames * channels *
      unpack_size);
  e->y = g_new0 (gfloat, (gsize) e->scratch_frames * channels);
  e->fx = g_new0 (gfloat, (gsize) e->scratch_frames * channels);
  gst_as_stretch_init (&e->stretch, rate, channels, e->scratch_frames);
  gst_as_conceal_init (&e->conceal, channels, (guint) e->tail.cap);
  e->have_format = TRUE;
  e->new_segment = TRUE;

  reset_stream (e, s);
  GST_INFO ("%u Hz, %u channels, %u bytes per frame; queue of "
      "%" G_GUINT64_FORMAT " frames", rate, channels, bpf, e->queue.cap);
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                                */

GstAsPlayoutEngine *
gst_as_playout_engine_new (void)
{
  static gsize debug_done = 0;

  if (g_once_init_enter (&debug_done)) {
    /* the element's category: GST_DEBUG=adaptivejitterqueue:5 shows both */
    GST_DEBUG_CATEGORY_INIT (playout_engine_debug, "adaptivejitterqueue", 0,
        "Adaptive jitter buffer for raw audio");
    g_once_init_leave (&debug_done, 1);
  }
  return g_new0 (GstAsPlayoutEngine, 1);
}

void
gst_as_playout_engine_free (GstAsPlayoutEngine * e)
{
  if (e == NULL)
    return;
  gst_as_playout_engine_clear_format (e);
  g_free (e);
}

guint
gst_as_playout_engine_chunk_frames (GstAsPlayoutEngine * e)
{
  return e->have_format ? e->chunk : 0;
}

guint
gst_as_playout_engine_bpf (GstAsPlayoutEngine * e)
{
  return e->have_format ? e->bpf : 0;
}

/* A new run (READY to PAUSED): the counters start from zero. */
void
gst_as_playout_engine_begin (GstAsPlayoutEngine * e,
    const GstAsPlayoutSettings * s)
{
  memset (&e->n, 0, sizeof (e->n));
  e->new_segment = TRUE;
  if (e->have_format)
    reset_stream (e, s);
  else
    e->reported = s->fixed_latency_ms >= 0 ?
        s->fixed_latency_ms * GST_MSECOND : s->min_latency_ms * GST_MSECOND;
}

/* A flush: the queue is emptied and the stream starts again; the counters
 * go on. */
void
gst_as_playout_engine_reset (GstAsPlayoutEngine * e,
    const GstAsPlayoutSettings * s)
{
  if (!e->have_format)
    return;
  reset_stream (e, s);
  e->new_segment = TRUE;
}

/* PLAYING again after PAUSED: what arrived while paused was not timed, and
 * the running time stood still while the sender went on: the baseline
 * starts again from the next arrival, and the audio that piled up is
 * dropped down to the target. */
void
gst_as_playout_engine_resume (GstAsPlayoutEngine * e)
{
  if (e->have_format && e->started) {
    gst_as_drift_reset (&e->drift);
    e->resync = TRUE;
  }
}

/* ------------------------------------------------------------------------ */
/* Input                                                                     */

/* @size bytes of input arrived at running time @at (NONE: not timed).
 * @discont: something was lost before them, so an incomplete frame from
 * before cannot be completed (@dropped_partial says if there was one).
 * Returns the whole frames queued. */
guint64
gst_as_playout_engine_push (GstAsPlayoutEngine * e,
    const GstAsPlayoutSettings * s, const guint8 * data, gsize size,
    gboolean discont, GstClockTime at, gboolean * dropped_partial)
{
  guint64 frames;
  gboolean cut = FALSE;

  g_return_val_if_fail (e->have_format, 0);

  if (discont)
    cut = drop_partial (e);
  if (dropped_partial)
    *dropped_partial = cut;
  frames = queue_input (e, data, size);
  if (frames == 0)
    return 0;

  if (e->concealing && !e->filling)
    e->n.late_buffers++;
  e->n.received += frames;
  arrival_append (e, e->queue.write, at);
  if (GST_CLOCK_TIME_IS_VALID (at)) {
    follow_baseline (e, gst_as_drift_add (&e->drift, (gint64) at,
            media_ns (e, e->queue.write)));
    if (e->probe_pending && e->queue.write > e->probe_frame)
      probe_resolve (e, s, at);
  }
  return frames;
}

/* The end of the stream: what is queued plays out, then output ends.
 * Returns the bytes of an incomplete last frame, which are dropped. */
guint
gst_as_playout_engine_end (GstAsPlayoutEngine * e)
{
  guint partial = e->partial_len;

  e->eos = TRUE;
  drop_partial (e);
  return partial;
}

gboolean
gst_as_playout_engine_is_eos (GstAsPlayoutEngine * e)
{
  return e->eos;
}

/* ------------------------------------------------------------------------ */
/* Output                                                                    */

/* At the end of the stream, and everything played. */
gboolean
gst_as_playout_engine_is_drained (GstAsPlayoutEngine * e)
{
  if (!e->eos)
    return FALSE;
  if (!e->have_format)
    return TRUE;
  return queue_level (e) == 0 && e->carry_len == 0 &&
      !(e->concealing && e->filling);
}

/* Output has begun, or can begin: there is input. */
gboolean
gst_as_playout_engine_can_play (GstAsPlayoutEngine * e)
{
  return e->have_format && (e->started || queue_level (e) > 0);
}

gboolean
gst_as_playout_engine_is_started (GstAsPlayoutEngine * e)
{
  return e->started;
}

/* Output begins with the first input, @now (running time). */
void
gst_as_playout_engine_start (GstAsPlayoutEngine * e, GstClockTime now)
{
  gint64 first_ns = media_ns (e, e->queue.read);
  gint64 target_ns, start;

  g_return_if_fail (gst_as_playout_engine_can_play (e) && !e->started);

  /* until the network has shown more: as long as the first buffer, the
   * least that can play without a gap */
  gst_as_jitter_target_reset (&e->target, (gint64) frames_to_ns (e,
          e->arrivals[e->arr_head].end - e->queue.read) / 1000);
  e->resize_posted_us = gst_as_jitter_target_get (&e->target);
  target_ns = gst_as_jitter_target_get (&e->target) * 1000;

  if (!gst_as_drift_is_valid (&e->drift))
    /* arrivals before PLAYING were not timed: take them as just in */
    gst_as_drift_set_base (&e->drift, first_ns,
        (gint64) now - target_ns - first_ns);

  start = earliest_arrival (e, e->queue.read) + target_ns;
  start = MAX (start, (gint64) now);
  e->pace = e->reported;
  start = MAX (start, (gint64) e->pace);
  e->pts_origin = (GstClockTime) start - e->pace;
  e->out_frames = 0;
  e->started = TRUE;
  e->discont = TRUE;
  GST_INFO ("output starts at %" GST_TIME_FORMAT ", target %"
      GST_TIME_FORMAT ", latency %" GST_TIME_FORMAT, GST_TIME_ARGS (start),
      GST_TIME_ARGS (target_ns), GST_TIME_ARGS (e->pace));
}

/* The running time at which the next chunk is due. */
GstClockTime
gst_as_playout_engine_next_due (GstAsPlayoutEngine * e)
{
  return output_time (e, 0);
}

/* Makes the next chunk of up to @n frames (a chunk: see
 * gst_as_playout_engine_chunk_frames()) into @dest and describes it in
 * @chunk; FALSE when there was nothing to play (the end of the stream). */
gboolean
gst_as_playout_engine_render (GstAsPlayoutEngine * e,
    const GstAsPlayoutSettings * s, guint8 * dest, guint n,
    GstAsPlayoutChunk * chunk)
{
  GstClockTime pts;
  guint frames;

  g_return_val_if_fail (e->started, FALSE);

  frames = fill_chunk (e, s, dest, n);
  if (frames > 0) {
    to_float (e, dest, e->fx, frames);
    track_loudness (e, gst_as_stretch_mean_square (e->fx, e->channels,
            frames));
  }
  if (frames == 0)
    return FALSE;

  GST_LOG ("chunk at %" GST_TIME_FORMAT ": %u frames, delay %.2f ms, "
      "target %.2f ms, level %.2f ms", GST_TIME_ARGS (output_time (e, 0)),
      frames, gst_as_drift_is_valid (&e->drift) ?
      current_delay (e, frames) / 1e6 : 0.0,
      gst_as_jitter_target_get (&e->target) / 1e3,
      frames_to_ms (e, queue_level (e)));

  pts = e->pts_origin + frames_to_ns (e, e->out_frames);
  chunk->frames = frames;
  chunk->pts = pts;
  chunk->duration = e->pts_origin + frames_to_ns (e, e->out_frames + frames)
      - pts;
  chunk->offset = e->out_frames;
  chunk->discont = e->discont;
  e->discont = FALSE;
  e->out_frames += frames;
  e->n.output += frames;

  follow_latency (e, s);
  chunk->relatency = e->post_latency;
  e->post_latency = FALSE;
  if (chunk->relatency)
    e->n.relatencies++;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* The same, as GStreamer objects                                            */

/* What the element's properties allow but the engine cannot use: a
 * maximum of 0, a minimum above the maximum. */
void
gst_as_playout_settings_clamp (GstAsPlayoutSettings * s)
{
  s->max_latency_ms = MAX (s->max_latency_ms, 1);
  s->min_latency_ms = MIN (s->min_latency_ms, s->max_latency_ms);
}

/* The format of @caps (@info), with a pool of output buffers of one
 * chunk, recycled: the output path does not allocate. Nothing changes if
 * the format is the same. FALSE (and no format) if the pool cannot be set
 * up. */
gboolean
gst_as_playout_engine_set_output (GstAsPlayoutEngine * e,
    const GstAudioInfo * info, GstCaps * caps, const GstAsPlayoutSettings * s)
{
  GstStructure *config;

  if (gst_as_playout_engine_has_format (e, info))
    return TRUE;
  gst_as_playout_engine_set_format (e, info, s);
  e->pool = gst_buffer_pool_new ();
  config = gst_buffer_pool_get_config (e->pool);
  gst_buffer_pool_config_set_params (config, caps, e->chunk * e->bpf, 4, 0);
  if (!gst_buffer_pool_set_config (e->pool, config) ||
      !gst_buffer_pool_set_active (e->pool, TRUE)) {
    gst_as_playout_engine_clear_format (e);
    return FALSE;
  }
  return TRUE;
}

/* The output buffers of the current format (a new reference), or NULL;
 * another pool after a format change. */
GstBufferPool *
gst_as_playout_engine_ref_pool (GstAsPlayoutEngine * e)
{
  return e->pool ? gst_object_ref (e->pool) : NULL;
}

/* TRUE once after the output timeline started again (a new run, a flush,
 * a new format): the element sends a new segment. */
gboolean
gst_as_playout_engine_take_new_segment (GstAsPlayoutEngine * e)
{
  gboolean take = e->new_segment;

  e->new_segment = FALSE;
  return take;
}

/* Queues @buf's audio (the caller keeps @buf), arrived at @at; @frames:
 * the whole frames it completed. GST_FLOW_EOS after the end,
 * NOT_NEGOTIATED without a format, ERROR when @buf cannot be read. */
GstFlowReturn
gst_as_playout_engine_push_buffer (GstAsPlayoutEngine * e,
    const GstAsPlayoutSettings * s, GstBuffer * buf, GstClockTime at,
    guint64 * frames, gboolean * dropped_partial)
{
  GstMapInfo map;

  *frames = 0;
  *dropped_partial = FALSE;
  if (e->eos)
    return GST_FLOW_EOS;
  if (!e->have_format)
    return GST_FLOW_NOT_NEGOTIATED;
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_FLOW_ERROR;
  /* what began before a discontinuity will not be completed by it */
  *frames = gst_as_playout_engine_push (e, s, map.data, map.size,
      GST_BUFFER_IS_DISCONT (buf), at, dropped_partial);
  gst_buffer_unmap (buf, &map);
  return GST_FLOW_OK;
}

/* Fills @buf (one chunk's size) with the next chunk and stamps it; FALSE
 * when there was nothing to play (the end of the stream). @relatency: the
 * reported latency changed. */
gboolean
gst_as_playout_engine_render_buffer (GstAsPlayoutEngine * e,
    const GstAsPlayoutSettings * s, GstBuffer * buf, gboolean * relatency)
{
  guint n = gst_as_playout_engine_chunk_frames (e);
  GstAsPlayoutChunk chunk;
  GstMapInfo map;
  gboolean produced;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  produced = gst_as_playout_engine_render (e, s, map.data, n, &chunk);
  gst_buffer_unmap (buf, &map);
  if (!produced)
    return FALSE;
  if (chunk.frames < n)
    gst_buffer_resize (buf, 0,
        (gssize) chunk.frames * gst_as_playout_engine_bpf (e));

  GST_BUFFER_PTS (buf) = chunk.pts;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = chunk.duration;
  GST_BUFFER_OFFSET (buf) = chunk.offset;
  GST_BUFFER_OFFSET_END (buf) = chunk.offset + chunk.frames;
  if (chunk.discont)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  *relatency = chunk.relatency;
  return TRUE;
}

/* The adaptivejitterqueue-stats fields (and the stats property). */
GstStructure *
gst_as_playout_engine_stats_structure (GstAsPlayoutEngine * e)
{
  GstAsPlayoutStats st;

  gst_as_playout_engine_get_stats (e, &st);
  return gst_structure_new ("adaptivejitterqueue-stats",
      "level-ms", G_TYPE_DOUBLE, st.level_ms,
      "delay-ms", G_TYPE_DOUBLE, st.delay_ms,
      "target-ms", G_TYPE_DOUBLE, st.target_ms,
      "latency-ms", G_TYPE_DOUBLE, st.latency_ms,
      "jitter-ms", G_TYPE_DOUBLE, st.jitter_ms,
      "drift-ppm", G_TYPE_DOUBLE, st.drift_ppm,
      "concealed-ms", G_TYPE_DOUBLE, st.concealed_ms,
      "concealment-events", G_TYPE_UINT64, st.n.events,
      "dropped-ms", G_TYPE_DOUBLE, st.dropped_ms,
      "stretched-ms", G_TYPE_DOUBLE, st.stretched_ms,
      "late-buffers", G_TYPE_UINT64, st.n.late_buffers,
      "relatencies", G_TYPE_UINT64, st.n.relatencies,
      "received-samples", G_TYPE_UINT64, st.n.received,
      "played-samples", G_TYPE_UINT64, st.n.played,
      "output-samples", G_TYPE_UINT64, st.n.output,
      "concealed-samples", G_TYPE_UINT64, st.n.concealed,
      "dropped-samples", G_TYPE_UINT64, st.n.dropped,
      "inserted-samples", G_TYPE_UINT64, st.n.inserted,
      "removed-samples", G_TYPE_UINT64, st.n.removed, NULL);
}

/* After a chunk: an adaptivejitterqueue-resize structure when the target
 * moved enough to say so, else NULL. */
GstStructure *
gst_as_playout_engine_resize_structure (GstAsPlayoutEngine * e)
{
  GstAsPlayoutResize r;

  if (!gst_as_playout_engine_take_resize (e, &r))
    return NULL;
  return gst_structure_new ("adaptivejitterqueue-resize",
      "old-ms", G_TYPE_DOUBLE, r.old_ms,
      "new-ms", G_TYPE_DOUBLE, r.new_ms,
      "jitter-ms", G_TYPE_DOUBLE, r.jitter_ms,
      "reason", G_TYPE_STRING, r.reason, NULL);
}
