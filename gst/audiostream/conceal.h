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

/**
 * GstAsConceal:
 *
 * Fills a gap in interleaved float audio: the last pitch period of what was
 * played is repeated with a gain that fades to silence over @fade_frames,
 * then silence follows. The first frames glide from the last sample played
 * into the repetition, so the gap starts without a step. Ending the gap (a
 * crossfade from the concealment into the real audio) is the caller's job:
 * it keeps generating while it fades in.
 *
 * With a period found by gst_as_stretch_search() on voiced speech this is
 * the classic packet-loss concealment of G.711 Appendix I; with a poor
 * period and a short fade it is silence with short fades.
 */
typedef struct
{
  guint channels;
  guint max_period;
  gfloat *cycle;                /* one period, interleaved */
  gfloat *last;                 /* the last frame played */
  guint period;
  guint pos;
  guint64 produced;
  guint fade_frames;
  guint glide_frames;
} GstAsConceal;

void     gst_as_conceal_init     (GstAsConceal * conceal, guint channels,
                                  guint max_period);
void     gst_as_conceal_clear    (GstAsConceal * conceal);
void     gst_as_conceal_start    (GstAsConceal * conceal,
                                  const gfloat * history, guint hist_frames,
                                  guint period, guint fade_frames,
                                  guint glide_frames);
void     gst_as_conceal_generate (GstAsConceal * conceal, gfloat * out,
                                  guint n_frames);
gboolean gst_as_conceal_is_silent (const GstAsConceal * conceal);

G_END_DECLS
