/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "playout.h"

void
gst_as_playout_init (GstAsPlayout * playout, gdouble max_rate,
    gint64 budget_max_ns, gint64 band_min_ns, gdouble band_fraction)
{
  playout->max_rate = CLAMP (max_rate, 0.0, 1.0);
  playout->budget_max_ns = MAX (budget_max_ns, 0);
  playout->band_min_ns = MAX (band_min_ns, 0);
  playout->band_fraction = MAX (band_fraction, 0.0);
  gst_as_playout_reset (playout);
}

void
gst_as_playout_reset (GstAsPlayout * playout)
{
  playout->budget_ns = 0.0;
  playout->direction = 0;
}

/* @played_ns of audio went out: the budget for stretching grows. */
void
gst_as_playout_played (GstAsPlayout * playout, gint64 played_ns)
{
  playout->budget_ns = MIN (playout->budget_ns +
      playout->max_rate * MAX (played_ns, 0), playout->budget_max_ns);
}

/**
 * gst_as_playout_decide:
 * @delay_ns: the current playout delay
 * @target_ns: where it should be
 * @max_ns: above this, cut at once
 * @quiet: the audio about to be played is quiet
 * @amount_ns: (out): for SHRINK and GROW, the most the delay may move now;
 *   for DROP, how much to drop
 */
GstAsPlayoutAction
gst_as_playout_decide (GstAsPlayout * playout, gint64 delay_ns,
    gint64 target_ns, gint64 max_ns, gboolean quiet, gint64 * amount_ns)
{
  gint64 err = delay_ns - target_ns;
  gint64 band = MAX (playout->band_min_ns,
      (gint64) (playout->band_fraction * MAX (target_ns, 0)));
  gint64 allowed;

  *amount_ns = 0;
  if (delay_ns > max_ns) {
    playout->direction = 0;
    *amount_ns = MAX (delay_ns - target_ns, 0);
    return GST_AS_PLAYOUT_DROP;
  }

  if (playout->direction > 0 && err <= band / 2)
    playout->direction = 0;
  else if (playout->direction < 0 && err >= 0)
    playout->direction = 0;
  if (playout->direction == 0) {
    if (err > band)
      playout->direction = 1;
    else if (err < -band)
      playout->direction = -1;
  }
  if (playout->direction == 0)
    return GST_AS_PLAYOUT_NORMAL;

  /* shrinking stops half a band above the target: right at it, a
   * fraction (1 - quantile) of the audio would come too late; growing may
   * overshoot by as much */
  allowed = playout->direction > 0 ? err - band / 2 : -err + band / 2;
  if (!quiet)
    allowed = MIN (allowed, (gint64) playout->budget_ns);
  *amount_ns = allowed;
  if (allowed <= 0)
    return GST_AS_PLAYOUT_NORMAL;
  return playout->direction > 0 ? GST_AS_PLAYOUT_SHRINK : GST_AS_PLAYOUT_GROW;
}

/* The delay moved by @amount_ns through time-scaling. */
void
gst_as_playout_spent (GstAsPlayout * playout, gint64 amount_ns,
    gboolean quiet)
{
  if (!quiet)
    playout->budget_ns = MAX (playout->budget_ns - ABS (amount_ns), 0.0);
}

/**
 * gst_as_playout_moved_enough:
 *
 * Hysteresis for announcing a new value (a latency, a resize message): TRUE
 * when @new_ns differs from the last announced @old_ns by at least
 * max(@min_change_ns, @min_fraction x @old_ns).
 */
gboolean
gst_as_playout_moved_enough (gint64 old_ns, gint64 new_ns,
    gint64 min_change_ns, gdouble min_fraction)
{
  gint64 threshold = MAX (min_change_ns,
      (gint64) (min_fraction * MAX (old_ns, 0)));

  return ABS (new_ns - old_ns) >= threshold;
}
