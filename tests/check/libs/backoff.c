/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/check/gstcheck.h>

#include "audiostream/backoff.h"

GST_START_TEST (test_doubles_up_to_max)
{
  GstAsBackoff b;
  const guint expected[] = { 2000, 4000, 8000, 16000, 32000, 60000, 60000 };
  guint i;

  gst_as_backoff_init (&b, 2000, 60000, 0.0, 1);
  for (i = 0; i < G_N_ELEMENTS (expected); i++)
    fail_unless_equals_int (gst_as_backoff_next_ms (&b), expected[i]);
  /* a long outage never overflows */
  for (i = 0; i < 100; i++)
    fail_unless_equals_int (gst_as_backoff_next_ms (&b), 60000);
  gst_as_backoff_clear (&b);
}

GST_END_TEST;

GST_START_TEST (test_reset_after_success)
{
  GstAsBackoff b;

  gst_as_backoff_init (&b, 100, 1000, 0.0, 1);
  gst_as_backoff_next_ms (&b);
  gst_as_backoff_next_ms (&b);
  fail_unless_equals_int (gst_as_backoff_next_ms (&b), 400);
  gst_as_backoff_reset (&b);
  fail_unless_equals_int (gst_as_backoff_next_ms (&b), 100);
  gst_as_backoff_clear (&b);
}

GST_END_TEST;

/* Jitter stays within its bounds and really spreads the waits: two senders
 * with different seeds do not retry in lockstep. */
GST_START_TEST (test_jitter_bounds_and_spread)
{
  GstAsBackoff a, b;
  guint i, same = 0;
  gdouble sum = 0;

  for (i = 0; i < 1000; i++) {
    guint wa, wb;

    gst_as_backoff_init (&a, 2000, 60000, 0.2, 1 + i);
    gst_as_backoff_init (&b, 2000, 60000, 0.2, 5000 + i);
    wa = gst_as_backoff_next_ms (&a);
    wb = gst_as_backoff_next_ms (&b);
    fail_unless (wa >= 1600 && wa <= 2400, "%u", wa);
    if (ABS ((gint) wa - (gint) wb) < 20)
      same++;
    sum += wa;
    gst_as_backoff_clear (&a);
    gst_as_backoff_clear (&b);
  }
  /* uniform over 800 ms: about 5 % of pairs fall within 20 ms */
  fail_unless (same < 100, "%u of 1000 pairs in lockstep", same);
  /* centred on the base wait */
  fail_unless (ABS (sum / 1000 - 2000) < 50, "mean %f", sum / 1000);
}

GST_END_TEST;

GST_START_TEST (test_degenerate_settings)
{
  GstAsBackoff b;

  /* max below min: min wins, and a zero min still waits */
  gst_as_backoff_init (&b, 500, 100, 0.0, 1);
  fail_unless_equals_int (gst_as_backoff_next_ms (&b), 500);
  fail_unless_equals_int (gst_as_backoff_next_ms (&b), 500);
  gst_as_backoff_clear (&b);
  gst_as_backoff_init (&b, 0, 0, 0.0, 1);
  fail_unless_equals_int (gst_as_backoff_next_ms (&b), 1);
  gst_as_backoff_clear (&b);
}

GST_END_TEST;

static Suite *
backoff_suite (void)
{
  Suite *s = suite_create ("backoff");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_doubles_up_to_max);
  tcase_add_test (tc, test_reset_after_success);
  tcase_add_test (tc, test_jitter_bounds_and_spread);
  tcase_add_test (tc, test_degenerate_settings);
  return s;
}

GST_CHECK_MAIN (backoff);
