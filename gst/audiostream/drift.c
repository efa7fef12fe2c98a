/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "drift.h"

#include <math.h>
#include <string.h>

/* Below this many closed segments the slope is not estimated: a handful of
 * minima a few seconds apart says more about jitter than about drift. */
#define MIN_SEGMENTS_FOR_SLOPE 8

/* Only pairs of segments at least this fraction of the window apart vote on
 * the slope; close pairs have a large error for the same jitter. */
#define MIN_PAIR_SPAN_FRACTION (1.0 / 3.0)

void
gst_as_drift_init (GstAsDrift * drift, gint64 segment_ns, guint n_segments,
    gdouble max_slope)
{
  g_return_if_fail (segment_ns > 0);
  g_return_if_fail (n_segments >= 2 &&
      n_segments <= GST_AS_DRIFT_MAX_SEGMENTS);

  drift->segment_ns = segment_ns;
  drift->n_segments = n_segments;
  drift->max_slope = fabs (max_slope);
  gst_as_drift_reset (drift);
}

void
gst_as_drift_reset (GstAsDrift * drift)
{
  drift->n_seg = 0;
  drift->head = 0;
  drift->cur_valid = FALSE;
  drift->valid = FALSE;
  drift->t0 = 0;
  drift->base0 = 0;
  drift->slope = 0.0;
  drift->last_t = 0;
}

gboolean
gst_as_drift_is_valid (const GstAsDrift * drift)
{
  return drift->valid;
}

gint64
gst_as_drift_base (const GstAsDrift * drift, gint64 media_ns)
{
  if (!drift->valid)
    return 0;
  return drift->base0 + (gint64) llround (drift->slope *
      (gdouble) (media_ns - drift->t0));
}

gdouble
gst_as_drift_slope (const GstAsDrift * drift)
{
  return drift->slope;
}

/**
 * gst_as_drift_set_base:
 *
 * Starts (or moves) the baseline so that it passes through (@media_ns,
 * @base_ns), keeping the slope. For a stream whose first arrivals cannot be
 * timed (they came before the clock ran).
 */
void
gst_as_drift_set_base (GstAsDrift * drift, gint64 media_ns, gint64 base_ns)
{
  if (!drift->valid)
    drift->slope = 0.0;
  drift->valid = TRUE;
  drift->t0 = media_ns;
  drift->base0 = base_ns;
  drift->last_t = MAX (drift->last_t, media_ns);
}

static void
swap (gdouble * a, gdouble * b)
{
  gdouble t = *a;

  *a = *b;
  *b = t;
}

/* Hoare's selection: the k-th smallest of v[0..n), reordering v. */
static gdouble
select_kth (gdouble * v, gint n, gint k)
{
  gint lo = 0, hi = n - 1;

  while (lo < hi) {
    gdouble pivot = v[lo + (hi - lo) / 2];
    gint i = lo, j = hi;

    while (i <= j) {
      while (v[i] < pivot)
        i++;
      while (v[j] > pivot)
        j--;
      if (i <= j) {
        swap (&v[i], &v[j]);
        i++;
        j--;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      break;
  }
  return v[k];
}

static guint
seg_index (const GstAsDrift * drift, guint i)
{
  return (drift->head + i) % GST_AS_DRIFT_MAX_SEGMENTS;
}

static void
fit_slope (GstAsDrift * drift)
{
  gint64 first_t, last_t, min_span;
  guint n = 0, i, j;

  if (drift->n_seg < MIN_SEGMENTS_FOR_SLOPE)
    return;

  first_t = drift->seg_t[seg_index (drift, 0)];
  last_t = drift->seg_t[seg_index (drift, drift->n_seg - 1)];
  min_span = (gint64) ((last_t - first_t) * MIN_PAIR_SPAN_FRACTION);
  if (min_span <= 0)
    return;

  for (i = 0; i < drift->n_seg; i++) {
    guint a = seg_index (drift, i);

    for (j = i + 1; j < drift->n_seg; j++) {
      guint b = seg_index (drift, j);
      gint64 dt = drift->seg_t[b] - drift->seg_t[a];

      if (dt < min_span)
        continue;
      drift->pair_slopes[n++] = (gdouble) (drift->seg_d[b] -
          drift->seg_d[a]) / (gdouble) dt;
    }
  }
  if (n == 0)
    return;
  drift->slope = CLAMP (select_kth (drift->pair_slopes, (gint) n,
          (gint) n / 2),
      -drift->max_slope, drift->max_slope);
}

/* Lowers the line of the current slope onto the lowest point of the
 * window, anchored at the newest media time. */
static void
fit_offset (GstAsDrift * drift)
{
  gint64 t = drift->last_t;
  gdouble lowest = G_MAXDOUBLE;
  guint i;

  for (i = 0; i < drift->n_seg; i++) {
    guint k = seg_index (drift, i);
    gdouble v = drift->seg_d[k] + drift->slope *
        (gdouble) (t - drift->seg_t[k]);

    lowest = MIN (lowest, v);
  }
  if (drift->cur_valid)
    lowest = MIN (lowest, drift->cur_d + drift->slope *
        (gdouble) (t - drift->cur_t));
  if (lowest == G_MAXDOUBLE)
    return;
  drift->t0 = t;
  drift->base0 = (gint64) llround (lowest);
}

static void
close_segment (GstAsDrift * drift)
{
  guint k;

  if (drift->n_seg == drift->n_segments) {
    drift->head = (drift->head + 1) % GST_AS_DRIFT_MAX_SEGMENTS;
    drift->n_seg--;
  }
  k = seg_index (drift, drift->n_seg);
  drift->seg_t[k] = drift->cur_t;
  drift->seg_d[k] = drift->cur_d;
  drift->n_seg++;
  drift->cur_valid = FALSE;

  fit_slope (drift);
  fit_offset (drift);
}

/**
 * gst_as_drift_add:
 * @arrival_ns: when the audio arrived (receiver clock)
 * @media_ns: its position in the stream (sender's media time)
 *
 * Returns: how much the baseline at @media_ns moved because of this arrival
 * (0 for the first): negative when it was lowered.
 */
gint64
gst_as_drift_add (GstAsDrift * drift, gint64 arrival_ns, gint64 media_ns)
{
  gint64 d = arrival_ns - media_ns;
  gint64 before, after;

  if (!drift->valid) {
    drift->valid = TRUE;
    drift->slope = 0.0;
    drift->t0 = media_ns;
    drift->base0 = d;
    drift->last_t = media_ns;
    drift->cur_valid = TRUE;
    drift->cur_start = drift->cur_t = media_ns;
    drift->cur_d = d;
    return 0;
  }

  before = gst_as_drift_base (drift, media_ns);
  drift->last_t = MAX (drift->last_t, media_ns);

  if (drift->cur_valid && media_ns - drift->cur_start >= drift->segment_ns)
    close_segment (drift);

  if (!drift->cur_valid) {
    drift->cur_valid = TRUE;
    drift->cur_start = drift->cur_t = media_ns;
    drift->cur_d = d;
  } else if (d < drift->cur_d) {
    drift->cur_t = media_ns;
    drift->cur_d = d;
  }

  /* faster than the baseline: the baseline was too high */
  if (d < gst_as_drift_base (drift, media_ns)) {
    drift->t0 = media_ns;
    drift->base0 = d;
  }

  after = gst_as_drift_base (drift, media_ns);
  return after - before;
}
