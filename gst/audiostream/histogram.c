/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "histogram.h"

#include <string.h>

void
gst_as_histogram_reset (GstAsHistogram * hist)
{
  memset (hist, 0, sizeof (*hist));
}

void
gst_as_histogram_add (GstAsHistogram * hist, gint64 value_us)
{
  gint64 bin;

  if (value_us < 0)
    value_us = 0;
  bin = MIN (value_us / GST_AS_HISTOGRAM_BIN_US, GST_AS_HISTOGRAM_BINS);
  hist->bins[bin]++;
  hist->count++;
  hist->max_us = MAX (hist->max_us, value_us);
}

/**
 * gst_as_histogram_quantile:
 * @q: in [0, 1]
 *
 * Returns: the upper edge of the bin holding the @q quantile, never more than
 * the largest value seen; 0 when empty.
 */
gint64
gst_as_histogram_quantile (const GstAsHistogram * hist, gdouble q)
{
  guint64 rank, seen = 0;
  guint i;

  if (hist->count == 0)
    return 0;

  q = CLAMP (q, 0.0, 1.0);
  rank = (guint64) (q * (hist->count - 1)) + 1;
  for (i = 0; i < GST_AS_HISTOGRAM_BINS; i++) {
    seen += hist->bins[i];
    if (seen >= rank)
      return MIN ((gint64) (i + 1) * GST_AS_HISTOGRAM_BIN_US, hist->max_us);
  }
  return hist->max_us;
}
