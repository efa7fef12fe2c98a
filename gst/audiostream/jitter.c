/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "jitter.h"

#include <math.h>
#include <string.h>

/* Sample weights grow as 2^(t / half_life); renormalise long before a
 * double overflows. Bins that have faded below this fraction of the total
 * are cleared so that they never become (slow) denormals. */
#define RENORMALISE_ABOVE 1e100
#define NEGLIGIBLE_FRACTION 1e-15

G_STATIC_ASSERT (GST_AS_JITTER_WORDS == 64);

/* A word with at least this many bins in use is walked bin by bin: adding a
 * bin costs less than finding the next bit (bench/jitter-quantile). */
#define DENSE_WORD 24

/* the index of the highest bit set in @x, which is not 0 */
static inline guint
highest_bit (guint64 x)
{
#if defined (__GNUC__)
  return 63 - (guint) __builtin_clzll (x);
#else
  guint i = 0;

  while (x >>= 1)
    i++;
  return i;
#endif
}

static inline guint
count_bits (guint64 x)
{
#if defined (__GNUC__)
  return (guint) __builtin_popcountll (x);
#else
  guint n = 0;

  for (; x != 0; x &= x - 1)
    n++;
  return n;
#endif
}

static inline void
mark_used (GstAsJitter * jitter, guint i)
{
  jitter->used[i / 64] |= G_GUINT64_CONSTANT (1) << (i % 64);
  jitter->used_words |= G_GUINT64_CONSTANT (1) << (i / 64);
}

static void
clear_used (GstAsJitter * jitter)
{
  memset (jitter->used, 0, sizeof (jitter->used));
  jitter->used_words = 0;
}

/* After bins moved: a bit for every non-zero (or NaN) bin. */
static void
mark_all_used (GstAsJitter * jitter)
{
  guint i;

  clear_used (jitter);
  for (i = 0; i < jitter->n_bins; i++)
    if (jitter->bins[i] != 0.0)
      mark_used (jitter, i);
}

void
gst_as_jitter_init (GstAsJitter * jitter, gint64 bin_us, guint n_bins,
    gint64 half_life_us)
{
  g_return_if_fail (bin_us > 0);
  g_return_if_fail (n_bins > 0 && n_bins <= GST_AS_JITTER_MAX_BINS);

  jitter->bin_us = bin_us;
  jitter->n_bins = n_bins;
  jitter->half_life_us = MAX (half_life_us, 0);
  gst_as_jitter_reset (jitter);
}

void
gst_as_jitter_reset (GstAsJitter * jitter)
{
  memset (jitter->bins, 0, sizeof (jitter->bins));
  jitter->total = 0.0;
  jitter->scale = 1.0;
  jitter->last_us = 0;
  jitter->have_time = FALSE;
  jitter->shift_rem_us = 0;
  jitter->count = 0;
  clear_used (jitter);
}

static void
renormalise (GstAsJitter * jitter)
{
  gdouble factor = 1.0 / jitter->scale;
  gdouble total = 0.0;
  guint i;

  clear_used (jitter);
  for (i = 0; i < jitter->n_bins; i++) {
    gdouble b = jitter->bins[i] * factor;

    if (b < jitter->total * factor * NEGLIGIBLE_FRACTION)
      b = 0.0;
    jitter->bins[i] = b;
    total += b;
    if (b != 0.0)
      mark_used (jitter, i);
  }
  jitter->total = total;
  jitter->scale = 1.0;
}

static guint
bin_of (const GstAsJitter * jitter, gint64 stored_us)
{
  if (stored_us <= 0)
    return 0;
  return (guint) MIN (stored_us / jitter->bin_us, jitter->n_bins - 1);
}

/**
 * gst_as_jitter_add:
 * @now_us: the sample's time (any monotonic time base), for forgetting
 * @value_us: the sample; negative values count as 0, values beyond the range
 *   as the top bin
 * @weight: how much the sample counts, > 0
 */
void
gst_as_jitter_add (GstAsJitter * jitter, gint64 now_us, gint64 value_us,
    gdouble weight)
{
  gdouble w;
  guint bin;

  if (weight <= 0.0)
    return;

  if (jitter->have_time && jitter->half_life_us > 0 &&
      now_us > jitter->last_us) {
    jitter->scale *= exp2 ((gdouble) (now_us - jitter->last_us) /
        jitter->half_life_us);
    if (jitter->scale > RENORMALISE_ABOVE)
      renormalise (jitter);
  }
  if (!jitter->have_time || now_us > jitter->last_us)
    jitter->last_us = now_us;
  jitter->have_time = TRUE;

  w = weight * jitter->scale;
  bin = bin_of (jitter, value_us - jitter->shift_rem_us);
  jitter->bins[bin] += w;
  mark_used (jitter, bin);
  jitter->total += w;
  jitter->count++;
}

/**
 * gst_as_jitter_shift:
 * @delta_us: added to every stored value
 *
 * Values pushed below 0 or beyond the range pile up in the end bins.
 */
void
gst_as_jitter_shift (GstAsJitter * jitter, gint64 delta_us)
{
  gint64 k;
  guint n = jitter->n_bins;
  guint i;

  jitter->shift_rem_us += delta_us;
  k = jitter->shift_rem_us / jitter->bin_us;
  if (k == 0)
    return;
  jitter->shift_rem_us -= k * jitter->bin_us;

  if (k >= (gint64) n || -k >= (gint64) n) {
    /* everything lands in one end bin */
    memset (jitter->bins, 0, n * sizeof (gdouble));
    jitter->bins[k > 0 ? n - 1 : 0] = jitter->total;
    mark_all_used (jitter);
    return;
  }

  if (k > 0) {
    gdouble top = 0.0;

    for (i = n - (guint) k; i < n; i++)
      top += jitter->bins[i];
    memmove (jitter->bins + k, jitter->bins, (n - k) * sizeof (gdouble));
    memset (jitter->bins, 0, k * sizeof (gdouble));
    jitter->bins[n - 1] += top;
  } else {
    guint m = (guint) (-k);
    gdouble bottom = 0.0;

    for (i = 0; i <= m; i++)
      bottom += jitter->bins[i];
    memmove (jitter->bins, jitter->bins + m, (n - m) * sizeof (gdouble));
    memset (jitter->bins + n - m, 0, m * sizeof (gdouble));
    jitter->bins[0] = bottom;
  }
  mark_all_used (jitter);
}

/**
 * gst_as_jitter_quantile:
 * @q: in [0, 1]
 *
 * Returns: the value below which a fraction @q of the (weighted, faded)
 * samples lie, rounded up to a bin edge, so it errs on the side of a longer
 * delay; 0 when there are no samples.
 */
gint64
gst_as_jitter_quantile (const GstAsJitter * jitter, gdouble q)
{
  gdouble limit, acc = 0.0;
  guint64 words;
  guint i = 0;
  gint64 v;

  if (jitter->total <= 0.0)
    return 0;

  q = CLAMP (q, 0.0, 1.0);
  limit = (1.0 - q) * jitter->total;
  /* Sum the bins from the top down to bin 1 and stop where the sum first
   * exceeds the limit (bin 0 when it never does), visiting only the words
   * that have bins in use: an empty bin would add 0.0, which changes
   * neither the sum nor the comparison. In a sparse word only the bins in
   * use are visited; a dense one is walked bin by bin, which is quicker
   * than finding each bit. */
  words = jitter->used_words;
  while (words != 0 && i == 0) {
    guint w = highest_bit (words);
    guint64 bits = jitter->used[w];

    if (w == 0)
      bits &= ~G_GUINT64_CONSTANT (1);  /* bin 0 is never summed */
    if (count_bits (bits) >= DENSE_WORD) {
      guint b, first = w == 0 ? 1 : w * 64;

      for (b = w * 64 + highest_bit (bits); b >= first; b--) {
        acc += jitter->bins[b];
        if (acc > limit) {
          i = b;
          break;
        }
      }
    } else {
      while (bits != 0) {
        guint b = highest_bit (bits);

        acc += jitter->bins[w * 64 + b];
        if (acc > limit) {
          i = w * 64 + b;
          break;
        }
        bits &= ~(G_GUINT64_CONSTANT (1) << b);
      }
    }
    words &= ~(G_GUINT64_CONSTANT (1) << w);
  }
  v = (gint64) (i + 1) * jitter->bin_us + jitter->shift_rem_us;
  return MAX (v, 0);
}

/**
 * gst_as_jitter_fraction_above:
 *
 * Returns: the (weighted, faded) fraction of samples in bins that lie
 * entirely above @value_us.
 */
gdouble
gst_as_jitter_fraction_above (const GstAsJitter * jitter, gint64 value_us)
{
  gdouble above = 0.0;
  gint64 stored = value_us - jitter->shift_rem_us;
  guint first, i;

  if (jitter->total <= 0.0)
    return 0.0;
  if (stored < 0)
    return 1.0;
  first = (guint) MIN ((stored + jitter->bin_us - 1) / jitter->bin_us,
      (gint64) jitter->n_bins);
  for (i = first; i < jitter->n_bins; i++)
    above += jitter->bins[i];
  return MIN (above / jitter->total, 1.0);
}

gint64
gst_as_jitter_range_us (const GstAsJitter * jitter)
{
  return jitter->bin_us * jitter->n_bins;
}

/* ------------------------------------------------------------------------ */

void
gst_as_jitter_target_init (GstAsJitterTarget * target, gint64 min_us,
    gint64 max_us, gint64 decay_half_life_us)
{
  target->min_us = MAX (min_us, 0);
  target->max_us = MAX (max_us, target->min_us);
  target->decay_half_life_us = MAX (decay_half_life_us, 0);
  target->target_us = target->min_us;
  target->last_us = 0;
  target->valid = FALSE;
}

/**
 * gst_as_jitter_target_reset:
 * @initial_us: the target until the first update; negative: no target, the
 *   first update sets it
 */
void
gst_as_jitter_target_reset (GstAsJitterTarget * target, gint64 initial_us)
{
  target->valid = initial_us >= 0;
  target->target_us = CLAMP (initial_us, target->min_us, target->max_us);
  target->last_us = 0;
}

void
gst_as_jitter_target_set_limits (GstAsJitterTarget * target, gint64 min_us,
    gint64 max_us)
{
  target->min_us = MAX (min_us, 0);
  target->max_us = MAX (max_us, target->min_us);
  target->target_us = CLAMP (target->target_us, target->min_us,
      target->max_us);
}

/**
 * gst_as_jitter_target_update:
 * @now_us: monotonic time of the update
 * @wanted_us: the value the target should follow (e.g. a quantile)
 *
 * Returns: the new target.
 */
gint64
gst_as_jitter_target_update (GstAsJitterTarget * target, gint64 now_us,
    gint64 wanted_us)
{
  gdouble wanted = CLAMP (wanted_us, target->min_us, target->max_us);

  if (!target->valid || wanted >= target->target_us) {
    target->target_us = wanted;
  } else if (target->decay_half_life_us == 0) {
    target->target_us = wanted;
  } else if (now_us > target->last_us) {
    gdouble k = exp2 (-(gdouble) (now_us - target->last_us) /
        target->decay_half_life_us);

    target->target_us = wanted + (target->target_us - wanted) * k;
  }
  if (!target->valid || now_us > target->last_us)
    target->last_us = now_us;
  target->valid = TRUE;
  return gst_as_jitter_target_get (target);
}

/* The reference the target is measured against moved by -@delta_us. */
void
gst_as_jitter_target_shift (GstAsJitterTarget * target, gint64 delta_us)
{
  target->target_us = CLAMP (target->target_us + delta_us, target->min_us,
      target->max_us);
}

gint64
gst_as_jitter_target_get (const GstAsJitterTarget * target)
{
  return (gint64) llround (target->target_us);
}

/* ------------------------------------------------------------------------ */

void
gst_as_peaks_init (GstAsPeaks * peaks, gdouble min_ratio,
    gint64 min_above_us, gint64 merge_us, gint64 max_period_us,
    guint min_peaks)
{
  peaks->min_ratio = MAX (min_ratio, 1.0);
  peaks->min_above_us = MAX (min_above_us, 0);
  peaks->merge_us = MAX (merge_us, 0);
  peaks->max_period_us = MAX (max_period_us, 0);
  peaks->min_peaks = CLAMP (min_peaks, 2, GST_AS_PEAKS_MAX);
  gst_as_peaks_reset (peaks);
}

void
gst_as_peaks_reset (GstAsPeaks * peaks)
{
  peaks->len = 0;
}

/**
 * gst_as_peaks_add:
 * @now_us: time of the sample, monotonic
 * @value_us: the sample (a delay needed)
 * @level_us: what the delay follows without peaks, e.g. its quantile
 *
 * Returns: whether the sample was a peak.
 */
gboolean
gst_as_peaks_add (GstAsPeaks * peaks, gint64 now_us, gint64 value_us,
    gint64 level_us)
{
  gint64 threshold = MAX ((gint64) (peaks->min_ratio * MAX (level_us, 0)),
      level_us + peaks->min_above_us);

  if (value_us < threshold)
    return FALSE;

  if (peaks->len > 0) {
    guint last = peaks->len - 1;

    if (now_us - peaks->at_us[last] <= peaks->merge_us) {
      /* the same stall, seen by a later sample */
      peaks->height_us[last] = MAX (peaks->height_us[last], value_us);
      return TRUE;
    }
    if (now_us - peaks->at_us[last] > peaks->max_period_us)
      /* too long ago to be the same pattern */
      peaks->len = 0;
  }
  if (peaks->len == GST_AS_PEAKS_MAX) {
    memmove (peaks->at_us, peaks->at_us + 1,
        (GST_AS_PEAKS_MAX - 1) * sizeof (gint64));
    memmove (peaks->height_us, peaks->height_us + 1,
        (GST_AS_PEAKS_MAX - 1) * sizeof (gint64));
    peaks->len--;
  }
  peaks->at_us[peaks->len] = now_us;
  peaks->height_us[peaks->len] = value_us;
  peaks->len++;
  return TRUE;
}

/**
 * gst_as_peaks_hold:
 *
 * Returns: the height of the recurring peaks while they recur, else 0.
 */
gint64
gst_as_peaks_hold (const GstAsPeaks * peaks, gint64 now_us)
{
  gint64 longest = 0, height = 0;
  guint i;

  if (peaks->len < peaks->min_peaks)
    return 0;
  for (i = 0; i < peaks->len; i++) {
    height = MAX (height, peaks->height_us[i]);
    if (i > 0)
      longest = MAX (longest, peaks->at_us[i] - peaks->at_us[i - 1]);
  }
  if (now_us - peaks->at_us[peaks->len - 1] > 2 * longest)
    return 0;
  return height;
}

/* The reference the peaks are measured against moved by -@delta_us. */
void
gst_as_peaks_shift (GstAsPeaks * peaks, gint64 delta_us)
{
  guint i;

  for (i = 0; i < peaks->len; i++)
    peaks->height_us[i] = MAX (peaks->height_us[i] + delta_us, 0);
}
