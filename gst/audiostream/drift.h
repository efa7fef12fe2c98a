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

#define GST_AS_DRIFT_MAX_SEGMENTS 64

/**
 * GstAsDrift:
 *
 * Tracks the baseline of a stream's transit delay: the delay of the fastest
 * arrivals, as a line `base(t) = base0 + slope * (t - t0)` of media time @t.
 * Each arrival gives a raw delay `d = arrival - media` (both in ns, any
 * offset); the relative delay of an arrival is `d - base(media)`, never much
 * below 0.
 *
 * The slope is the clock drift between sender and receiver: +100e-6 means
 * the receiver's clock runs 100 ppm faster than the sender's, so audio
 * arrives 100 us later per second of media. It is estimated from the minima
 * of consecutive segments of media time (the arrivals least disturbed by
 * jitter) with a Theil-Sen fit, the median of the slopes between pairs of
 * segments far enough apart: robust against a segment of pure jitter and
 * against a step in the network delay. The line is then lowered to touch the
 * lowest minimum in the window, so it is a lower envelope.
 *
 * A faster arrival than the baseline lowers the baseline at once. A step up
 * of the network delay raises it once the faster segments have left the
 * window (@n_segments x @segment_ns of media).
 *
 * Every change of the baseline at the newest media time is returned, so
 * whoever keeps values relative to it (a #GstAsJitter) can follow.
 */
typedef struct
{
  /* configuration */
  gint64 segment_ns;
  guint n_segments;
  gdouble max_slope;

  /* closed segments, oldest first in ring order */
  gint64 seg_t[GST_AS_DRIFT_MAX_SEGMENTS];
  gint64 seg_d[GST_AS_DRIFT_MAX_SEGMENTS];
  guint n_seg;
  guint head;                   /* index of the oldest */

  /* the open segment */
  gint64 cur_start;
  gint64 cur_t;
  gint64 cur_d;
  gboolean cur_valid;

  /* the baseline */
  gboolean valid;
  gint64 t0;
  gint64 base0;
  gdouble slope;
  gint64 last_t;

  /* scratch for the median, no allocation on the real-time path */
  gdouble pair_slopes[GST_AS_DRIFT_MAX_SEGMENTS * GST_AS_DRIFT_MAX_SEGMENTS
      / 2];
} GstAsDrift;

void     gst_as_drift_init      (GstAsDrift * drift, gint64 segment_ns,
                                 guint n_segments, gdouble max_slope);
void     gst_as_drift_reset     (GstAsDrift * drift);
gint64   gst_as_drift_add       (GstAsDrift * drift, gint64 arrival_ns,
                                 gint64 media_ns);
void     gst_as_drift_set_base  (GstAsDrift * drift, gint64 media_ns,
                                 gint64 base_ns);
gboolean gst_as_drift_is_valid  (const GstAsDrift * drift);
gint64   gst_as_drift_base      (const GstAsDrift * drift, gint64 media_ns);
gdouble  gst_as_drift_slope     (const GstAsDrift * drift);

G_END_DECLS
