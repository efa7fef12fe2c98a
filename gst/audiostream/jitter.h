/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GST_AS_JITTER_MAX_BINS 4096
#define GST_AS_JITTER_WORDS (GST_AS_JITTER_MAX_BINS / 64)

/**
 * GstAsJitter:
 *
 * Quantiles of recent delay samples, with exponential forgetting: a
 * histogram whose older samples weigh less, halving every @half_life_us of
 * sample time. Samples are non-negative values in microseconds (a relative
 * delay, a lateness, a fill level); each carries a weight, e.g. the duration
 * of audio it stands for, so that quantiles are fractions of audio rather
 * than of buffers.
 *
 * Instead of multiplying every bin at every sample, new samples get a weight
 * that grows by 2^(dt / half_life); the bins are renormalised when those
 * weights get large. Adding a sample is O(1) and never allocates, so it sits
 * on the real-time path. A quantile sums the bins from the top, but skips
 * the empty ones, found through a two-level bitmap (a bit per bin, a bit
 * per 64 bins): its cost follows the bins in use above the answer, not the
 * range, and skipping empty bins (adding 0.0) leaves the sum, and so the
 * result, exactly as a full walk would.
 *
 * gst_as_jitter_shift() moves every stored value at once, for when the
 * reference the values are measured against moves (the baseline of a delay
 * tracker); fractions of a bin are carried over, so many small shifts add up
 * exactly.
 */
typedef struct
{
  /* configuration */
  gint64 bin_us;
  guint n_bins;
  gint64 half_life_us;

  /* state */
  gdouble bins[GST_AS_JITTER_MAX_BINS];
  gdouble total;                /* sum of bins */
  gdouble scale;                /* weight of a sample added now */
  gint64 last_us;               /* time of the last sample */
  gboolean have_time;
  gint64 shift_rem_us;          /* shift not yet applied, |rem| < bin_us */
  guint64 count;                /* samples ever added */
  /* bins that may be non-zero: bit i % 64 of used[i / 64]; bit w of
   * used_words when used[w] != 0. Every non-zero bin has its bit. */
  guint64 used[GST_AS_JITTER_WORDS];
  guint64 used_words;
} GstAsJitter;

void    gst_as_jitter_init        (GstAsJitter * jitter, gint64 bin_us,
                                   guint n_bins, gint64 half_life_us);
void    gst_as_jitter_reset       (GstAsJitter * jitter);
void    gst_as_jitter_add         (GstAsJitter * jitter, gint64 now_us,
                                   gint64 value_us, gdouble weight);
void    gst_as_jitter_shift       (GstAsJitter * jitter, gint64 delta_us);
gint64  gst_as_jitter_quantile    (const GstAsJitter * jitter, gdouble q);
gdouble gst_as_jitter_fraction_above (const GstAsJitter * jitter,
                                   gint64 value_us);
gint64  gst_as_jitter_range_us    (const GstAsJitter * jitter);

/**
 * GstAsJitterTarget:
 *
 * Turns a stream of wanted values (a quantile) into a target that rises at
 * once and falls slowly: when the wanted value is above the target, the
 * target jumps to it; when below, the target decays towards it with a
 * half-life of @decay_half_life_us. Clamped to [@min_us, @max_us].
 *
 * Holding peaks this way is what lets a jitter buffer ride out stalls that
 * recur every few seconds, which a quantile over a short window forgets in
 * between.
 */
typedef struct
{
  gint64 min_us;
  gint64 max_us;
  gint64 decay_half_life_us;

  gdouble target_us;
  gint64 last_us;
  gboolean valid;
} GstAsJitterTarget;

void    gst_as_jitter_target_init   (GstAsJitterTarget * target,
                                     gint64 min_us, gint64 max_us,
                                     gint64 decay_half_life_us);
void    gst_as_jitter_target_reset  (GstAsJitterTarget * target,
                                     gint64 initial_us);
void    gst_as_jitter_target_set_limits (GstAsJitterTarget * target,
                                     gint64 min_us, gint64 max_us);
gint64  gst_as_jitter_target_update (GstAsJitterTarget * target,
                                     gint64 now_us, gint64 wanted_us);
void    gst_as_jitter_target_shift  (GstAsJitterTarget * target,
                                     gint64 delta_us);
gint64  gst_as_jitter_target_get    (const GstAsJitterTarget * target);

#define GST_AS_PEAKS_MAX 8

/**
 * GstAsPeaks:
 *
 * Recurring peaks of a delay: a path that stalls every few seconds (a
 * retransmission timeout, a Wi-Fi scan, a proxy that stops reading) needs
 * its delay to cover the stalls all the time, while a quantile over a short
 * window forgets them in between and a decaying target has come down a
 * little by the next one, which is then partly concealed.
 *
 * A sample is a peak when it is at least @min_ratio times and @min_above_us
 * more than the level (the quantile the target otherwise follows); peaks
 * closer than @merge_us are one (a stall gives several late samples). Once
 * @min_peaks peaks have come, each no more than @max_period_us after the
 * one before, the peaks are a pattern, and gst_as_peaks_hold() gives the
 * highest of the last %GST_AS_PEAKS_MAX until twice the longest interval
 * between them has passed without a new one. This is the idea of WebRTC
 * NetEQ's peak detector.
 */
typedef struct
{
  /* configuration */
  gdouble min_ratio;
  gint64 min_above_us;
  gint64 merge_us;
  gint64 max_period_us;
  guint min_peaks;

  /* state: the last peaks, oldest first */
  gint64 at_us[GST_AS_PEAKS_MAX];
  gint64 height_us[GST_AS_PEAKS_MAX];
  guint len;
} GstAsPeaks;

void     gst_as_peaks_init  (GstAsPeaks * peaks, gdouble min_ratio,
                             gint64 min_above_us, gint64 merge_us,
                             gint64 max_period_us, guint min_peaks);
void     gst_as_peaks_reset (GstAsPeaks * peaks);
gboolean gst_as_peaks_add   (GstAsPeaks * peaks, gint64 now_us,
                             gint64 value_us, gint64 level_us);
gint64   gst_as_peaks_hold  (const GstAsPeaks * peaks, gint64 now_us);
void     gst_as_peaks_shift (GstAsPeaks * peaks, gint64 delta_us);

G_END_DECLS
