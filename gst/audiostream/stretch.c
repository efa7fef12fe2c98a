/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "stretch.h"

#include <math.h>

/* The coarse search runs at about this rate: enough for pitch up to 1 kHz. */
#define SEARCH_RATE 4000

void
gst_as_stretch_init (GstAsStretch * stretch, guint rate, guint channels,
    guint max_frames)
{
  g_return_if_fail (rate > 0 && channels > 0);

  stretch->rate = rate;
  stretch->channels = channels;
  stretch->decim = MAX (rate / SEARCH_RATE, 1);
  stretch->max_frames = max_frames;
  stretch->mono = g_new0 (gfloat, max_frames / stretch->decim + 1);
}

void
gst_as_stretch_clear (GstAsStretch * stretch)
{
  g_clear_pointer (&stretch->mono, g_free);
  stretch->max_frames = 0;
}

/* Normalised correlation of a[0..n) and b[0..n), stride 1. */
static gdouble
ncc (const gfloat * a, const gfloat * b, guint n)
{
  gdouble ab = 0.0, aa = 0.0, bb = 0.0;
  guint i;

  for (i = 0; i < n; i++) {
    ab += (gdouble) a[i] * b[i];
    aa += (gdouble) a[i] * a[i];
    bb += (gdouble) b[i] * b[i];
  }
  if (aa <= 0.0 || bb <= 0.0)
    return 0.0;
  return ab / sqrt (aa * bb);
}

/* Same over interleaved frames, all channels at once. */
static gdouble
ncc_frames (const gfloat * a, const gfloat * b, guint channels, guint n)
{
  return ncc (a, b, n * channels);
}

/**
 * gst_as_stretch_search:
 * @y: a timeline of @n_frames interleaved frames: what was played, then what
 *   is still to be played
 * @now: index in @y of the next frame to be played
 * @tlen: length of the template, the @tlen frames before @now
 * @min_off: smallest jump, in frames (negative: back, into what was played)
 * @max_off: largest jump
 * @corr: (out): the normalised correlation of the best match, -1..1
 *
 * Finds the jump @off in [@min_off, @max_off] such that the @tlen frames
 * before `now + off` look most like the @tlen frames before @now, so that
 * playing on from `now + off` continues the waveform.
 *
 * Returns: the best jump; 0 with @corr = 0 when no candidate fits in @y.
 */
gint
gst_as_stretch_search (GstAsStretch * stretch, const gfloat * y,
    guint n_frames, guint now, guint tlen, gint min_off, gint max_off,
    gdouble * corr)
{
  guint decim = stretch->decim, ch = stretch->channels;
  guint nd, tlen_d, now_d;
  gint lo, hi, off, best = 0;
  gdouble best_c = -2.0;
  guint i, c;

  *corr = 0.0;
  /* every candidate window y[now + off - tlen, now + off) must lie in y */
  lo = MAX (min_off, (gint) tlen - (gint) now);
  hi = MIN (max_off, (gint) n_frames - (gint) now);
  if (lo > hi || tlen == 0 || n_frames > stretch->max_frames)
    return 0;

  /* coarse search on the decimated mono mix */
  nd = n_frames / decim;
  for (i = 0; i < nd; i++) {
    gfloat sum = 0.0f;
    const gfloat *f = y + (gsize) i * decim * ch;

    for (c = 0; c < decim * ch; c++)
      sum += f[c];
    stretch->mono[i] = sum;
  }
  tlen_d = tlen / decim;
  now_d = now / decim;
  if (tlen_d >= 4 && now_d >= tlen_d) {
    const gfloat *tmpl = stretch->mono + now_d - tlen_d;
    gint lo_d = (lo + (gint) decim - 1) / (gint) decim;
    gint hi_d = hi / (gint) decim;

    if (lo < 0)
      lo_d = -((-lo) / (gint) decim);
    if (hi < 0)
      hi_d = -((-hi + (gint) decim - 1) / (gint) decim);
    for (off = lo_d; off <= hi_d; off++) {
      gint end = (gint) now_d + off;
      gdouble cc;

      if (off == 0 || end < (gint) tlen_d || end > (gint) nd)
        continue;
      cc = ncc (tmpl, stretch->mono + end - tlen_d, tlen_d);
      if (cc > best_c) {
        best_c = cc;
        best = off * (gint) decim;
      }
    }
  }

  /* refine at full rate around the coarse best (or everywhere when the
   * coarse search could not run) */
  {
    gint r_lo = lo, r_hi = hi;
    const gfloat *tmpl = y + (gsize) (now - tlen) * ch;

    if (best_c > -2.0) {
      r_lo = MAX (lo, best - (gint) decim);
      r_hi = MIN (hi, best + (gint) decim);
    }
    best_c = -2.0;
    for (off = r_lo; off <= r_hi; off++) {
      gdouble cc;

      if (off == 0)
        continue;
      cc = ncc_frames (tmpl, y + (gsize) ((gint) now + off - (gint) tlen) * ch,
          ch, tlen);
      if (cc > best_c) {
        best_c = cc;
        best = off;
      }
    }
  }
  if (best_c <= -2.0)
    return 0;
  *corr = best_c;
  return best;
}

/**
 * gst_as_stretch_crossfade:
 * @out: may be the same as @from or @to
 *
 * Raised-cosine crossfade: @out starts as @from and ends as @to.
 */
void
gst_as_stretch_crossfade (gfloat * out, const gfloat * from,
    const gfloat * to, guint channels, guint n_frames)
{
  guint i, c;

  for (i = 0; i < n_frames; i++) {
    gfloat w = 0.5f - 0.5f * cosf ((gfloat) G_PI * (i + 0.5f) / n_frames);

    for (c = 0; c < channels; c++) {
      gsize k = (gsize) i * channels + c;

      out[k] = from[k] * (1.0f - w) + to[k] * w;
    }
  }
}

gdouble
gst_as_stretch_mean_square (const gfloat * x, guint channels, guint n_frames)
{
  gdouble sum = 0.0;
  gsize i, n = (gsize) n_frames * channels;

  if (n == 0)
    return 0.0;
  for (i = 0; i < n; i++)
    sum += (gdouble) x[i] * x[i];
  return sum / n;
}
