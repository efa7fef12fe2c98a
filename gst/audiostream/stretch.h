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
 * GstAsStretch:
 *
 * The signal side of time-scaling by waveform similarity (WSOLA), on
 * interleaved float audio. Audio is lengthened or shortened by whole
 * "periods": the output jumps back (to repeat) or forward (to skip) to the
 * point of the timeline whose preceding waveform best matches what was just
 * played, and a raised-cosine crossfade covers the jump. For voiced speech
 * and most music the best jump is a multiple of the pitch period and the
 * splice is inaudible; in silence any jump is.
 *
 * The search runs on a decimated mono mix (about 4 kHz) and is refined at
 * the full rate around the best lag, so it costs a few thousand
 * multiply-adds. Scratch memory is allocated once by init.
 */
typedef struct
{
  guint rate;
  guint channels;
  guint decim;
  guint max_frames;
  gfloat *mono;                 /* decimated mono timeline */
} GstAsStretch;

void    gst_as_stretch_init        (GstAsStretch * stretch, guint rate,
                                    guint channels, guint max_frames);
void    gst_as_stretch_clear       (GstAsStretch * stretch);

gint    gst_as_stretch_search      (GstAsStretch * stretch, const gfloat * y,
                                    guint n_frames, guint now, guint tlen,
                                    gint min_off, gint max_off,
                                    gdouble * corr);

void    gst_as_stretch_crossfade   (gfloat * out, const gfloat * from,
                                    const gfloat * to, guint channels,
                                    guint n_frames);
gdouble gst_as_stretch_mean_square (const gfloat * x, guint channels,
                                    guint n_frames);

G_END_DECLS
