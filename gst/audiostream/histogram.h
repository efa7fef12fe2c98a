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

#define GST_AS_HISTOGRAM_BINS 1000
#define GST_AS_HISTOGRAM_BIN_US 10

/**
 * GstAsHistogram:
 *
 * Fixed-size histogram of non-negative durations in microseconds: 10 us bins
 * up to 10 ms, one overflow bin above. Adding a sample never allocates, so it
 * can sit on the real-time path; quantiles are exact to one bin.
 */
typedef struct
{
  guint32 bins[GST_AS_HISTOGRAM_BINS + 1];
  guint64 count;
  gint64 max_us;
} GstAsHistogram;

void    gst_as_histogram_reset    (GstAsHistogram * hist);
void    gst_as_histogram_add      (GstAsHistogram * hist, gint64 value_us);
gint64  gst_as_histogram_quantile (const GstAsHistogram * hist, gdouble q);

G_END_DECLS
