/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/check/gstcheck.h>

#include "audiostream/histogram.h"

GST_START_TEST (test_empty)
{
  GstAsHistogram h;

  gst_as_histogram_reset (&h);
  fail_unless_equals_int64 (gst_as_histogram_quantile (&h, 0.99), 0);
}

GST_END_TEST;

GST_START_TEST (test_quantiles_within_one_bin)
{
  GstAsHistogram h;
  gint i;

  gst_as_histogram_reset (&h);
  /* 1000 values: 0, 1, ..., 999 us */
  for (i = 0; i < 1000; i++)
    gst_as_histogram_add (&h, i);

  fail_unless (ABS (gst_as_histogram_quantile (&h, 0.5) - 500) <=
      GST_AS_HISTOGRAM_BIN_US);
  fail_unless (ABS (gst_as_histogram_quantile (&h, 0.99) - 990) <=
      GST_AS_HISTOGRAM_BIN_US);
  fail_unless_equals_int64 (gst_as_histogram_quantile (&h, 1.0), 999);
  fail_unless_equals_int64 (h.max_us, 999);
}

GST_END_TEST;

GST_START_TEST (test_outliers_and_negatives)
{
  GstAsHistogram h;
  gint i;

  gst_as_histogram_reset (&h);
  for (i = 0; i < 98; i++)
    gst_as_histogram_add (&h, -5);      /* early counts as on time */
  gst_as_histogram_add (&h, 50000);     /* 50 ms, beyond the last bin */
  gst_as_histogram_add (&h, 70000);

  /* on-time values report the first bin's upper edge */
  fail_unless_equals_int64 (gst_as_histogram_quantile (&h, 0.5),
      GST_AS_HISTOGRAM_BIN_US);
  fail_unless_equals_int64 (gst_as_histogram_quantile (&h, 0.98),
      GST_AS_HISTOGRAM_BIN_US);
  /* the p99 of 100 values is the 99th, beyond the last bin: reported as the
   * largest value seen, never under-stated */
  fail_unless_equals_int64 (gst_as_histogram_quantile (&h, 0.99), 70000);
  fail_unless_equals_int64 (h.max_us, 70000);
}

GST_END_TEST;

static Suite *
histogram_suite (void)
{
  Suite *s = suite_create ("histogram");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_empty);
  tcase_add_test (tc, test_quantiles_within_one_bin);
  tcase_add_test (tc, test_outliers_and_negatives);
  return s;
}

GST_CHECK_MAIN (histogram);
