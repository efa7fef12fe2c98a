/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "conceal.h"

#include <math.h>
#include <string.h>

void
gst_as_conceal_init (GstAsConceal * conceal, guint channels,
    guint max_period)
{
  g_return_if_fail (channels > 0 && max_period > 0);

  memset (conceal, 0, sizeof (*conceal));
  conceal->channels = channels;
  conceal->max_period = max_period;
  conceal->cycle = g_new0 (gfloat, (gsize) max_period * channels);
  conceal->last = g_new0 (gfloat, channels);
}

void
gst_as_conceal_clear (GstAsConceal * conceal)
{
  g_clear_pointer (&conceal->cycle, g_free);
  g_clear_pointer (&conceal->last, g_free);
}

/**
 * gst_as_conceal_start:
 * @history: the audio played just before the gap, oldest first
 * @period: frames to repeat, clipped to what @history holds; 0 plays
 *   silence (after the glide)
 * @fade_frames: the repetition fades to silence over this many frames
 * @glide_frames: the first frames move from the last sample played to the
 *   repetition
 */
void
gst_as_conceal_start (GstAsConceal * conceal, const gfloat * history,
    guint hist_frames, guint period, guint fade_frames, guint glide_frames)
{
  guint ch = conceal->channels;

  period = MIN (MIN (period, hist_frames), conceal->max_period);
  conceal->period = period;
  conceal->pos = 0;
  conceal->produced = 0;
  conceal->fade_frames = period > 0 ? fade_frames : 0;
  conceal->glide_frames = glide_frames;

  if (hist_frames > 0)
    memcpy (conceal->last, history + (gsize) (hist_frames - 1) * ch,
        ch * sizeof (gfloat));
  else
    memset (conceal->last, 0, ch * sizeof (gfloat));
  if (period > 0)
    memcpy (conceal->cycle, history + (gsize) (hist_frames - period) * ch,
        (gsize) period * ch * sizeof (gfloat));
}

static gfloat
fade_gain (const GstAsConceal * conceal, guint64 k)
{
  if (k >= conceal->fade_frames)
    return 0.0f;
  return 0.5f + 0.5f * cosf ((gfloat) G_PI * k / conceal->fade_frames);
}

void
gst_as_conceal_generate (GstAsConceal * conceal, gfloat * out,
    guint n_frames)
{
  guint ch = conceal->channels;
  guint i, c;

  for (i = 0; i < n_frames; i++) {
    guint64 k = conceal->produced++;
    gfloat *o = out + (gsize) i * ch;
    gfloat g = fade_gain (conceal, k);

    if (g > 0.0f) {
      const gfloat *s = conceal->cycle + (gsize) conceal->pos * ch;

      for (c = 0; c < ch; c++)
        o[c] = s[c] * g;
      conceal->pos = (conceal->pos + 1) % conceal->period;
    } else {
      for (c = 0; c < ch; c++)
        o[c] = 0.0f;
    }

    if (k < conceal->glide_frames) {
      gfloat w = (gfloat) (k + 1) / (conceal->glide_frames + 1);

      for (c = 0; c < ch; c++)
        o[c] = conceal->last[c] * (1.0f - w) + o[c] * w;
    }
  }
}

/* Everything from now on is silence. */
gboolean
gst_as_conceal_is_silent (const GstAsConceal * conceal)
{
  return conceal->produced >= MAX (conceal->fade_frames,
      conceal->glide_frames);
}
