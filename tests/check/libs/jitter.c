/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/check/gstcheck.h>

#include "audiostream/jitter.h"

#define MS 1000                 /* values are in us */
#define SEC 1000000

GST_START_TEST (test_empty)
{
  GstAsJitter j;

  gst_as_jitter_init (&j, 250, 4000, SEC);
  fail_unless_equals_int64 (gst_as_jitter_quantile (&j, 0.97), 0);
  fail_unless (gst_as_jitter_fraction_above (&j, 0) == 0.0);
}

GST_END_TEST;

/* Without forgetting, quantiles of 0, 1, ..., 999 ms are right to the
 * millisecond. */
GST_START_TEST (test_quantiles_of_uniform)
{
  static const struct
  {
    gdouble q;
    gint64 expected_ms;
  } cases[] = {
    {0.5, 500}, {0.9, 900}, {0.97, 970}, {0.99, 990}, {1.0, 1000},
  };
  GstAsJitter j;
  guint i;

  gst_as_jitter_init (&j, 250, 4096, 0);
  for (i = 0; i < 1000; i++)
    gst_as_jitter_add (&j, i * MS, i * MS, 1.0);

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gint64 v = gst_as_jitter_quantile (&j, cases[i].q);

    fail_unless (ABS (v - cases[i].expected_ms * MS) <= MS,
        "q %.2f: %" G_GINT64_FORMAT " us", cases[i].q, v);
  }
}

GST_END_TEST;

/* Weights are shares of audio: 97 % of the weight at 10 ms. */
GST_START_TEST (test_weights)
{
  GstAsJitter j;

  gst_as_jitter_init (&j, 250, 4096, 0);
  gst_as_jitter_add (&j, 0, 10 * MS, 97.0);
  gst_as_jitter_add (&j, 0, 100 * MS, 3.0);
  fail_unless_equals_int64 (gst_as_jitter_quantile (&j, 0.96), 10250);
  fail_unless_equals_int64 (gst_as_jitter_quantile (&j, 0.98), 100250);
  fail_unless (fabs (gst_as_jitter_fraction_above (&j, 50 * MS) - 0.03) <
      1e-9);
}

GST_END_TEST;

/* With a 1 s half-life, what happened 10 s ago weighs 2^-10 of what happens
 * now: a network that got better is seen as better. */
GST_START_TEST (test_forgetting)
{
  GstAsJitter j;
  gint i;

  gst_as_jitter_init (&j, 250, 4096, SEC);
  for (i = 0; i < 1000; i++)
    gst_as_jitter_add (&j, i * 10 * MS, 200 * MS, 1.0);
  for (i = 1000; i < 2000; i++)
    gst_as_jitter_add (&j, i * 10 * MS, 20 * MS, 1.0);

  fail_unless (gst_as_jitter_fraction_above (&j, 100 * MS) < 0.002);
  fail_unless_equals_int64 (gst_as_jitter_quantile (&j, 0.99), 20250);

  /* one second later, 100 new samples at 200 ms count for half */
  for (i = 2000; i < 2100; i++)
    gst_as_jitter_add (&j, i * 10 * MS, 200 * MS, 1.0);
  fail_unless (gst_as_jitter_fraction_above (&j, 100 * MS) > 0.45);
  fail_unless_equals_int64 (gst_as_jitter_quantile (&j, 0.97), 200250);
}

GST_END_TEST;

/* Weights grow as 2^(t / half-life): over hours they are renormalised and
 * the quantile stays right. */
GST_START_TEST (test_renormalisation)
{
  GstAsJitter j;
  gint i;

  gst_as_jitter_init (&j, 250, 4096, SEC);
  for (i = 0; i < 20000; i++)
    gst_as_jitter_add (&j, (gint64) i * SEC, (i % 2 ? 30 : 40) * MS, 1.0);
  fail_unless (isfinite (j.total) && j.total > 0.0);
  fail_unless_equals_int64 (gst_as_jitter_quantile (&j, 0.9), 40250);
  fail_unless_equals_int64 (gst_as_jitter_quantile (&j, 0.1), 30250);
}

GST_END_TEST;

/* Shifting moves every value; sub-bin shifts add up. */
GST_START_TEST (test_shift)
{
  GstAsJitter j;
  gint i;

  gst_as_jitter_init (&j, 250, 4096, 0);
  gst_as_jitter_add (&j, 0, 20 * MS, 1.0);
  gst_as_jitter_shift (&j, 5 * MS);
  fail_unless_equals_int64 (gst_as_jitter_quantile (&j, 1.0), 25250);

  for (i = 0; i < 4; i++)
    gst_as_jitter_shift (&j, 125);
  fail_unless_equals_int64 (gst_as_jitter_quantile (&j, 1.0), 25750);

  /* new values are taken as they are, old ones keep their shift */
  gst_as_jitter_add (&j, 0, 10 * MS, 1.0);
  fail_unless_equals_int64 (gst_as_jitter_quantile (&j, 0.4), 10250);

  /* below zero piles up at the bottom, beyond the range at the top */
  gst_as_jitter_shift (&j, -40 * MS);
  fail_unless (gst_as_jitter_quantile (&j, 1.0) <= 250);
  gst_as_jitter_shift (&j, 10 * SEC);
  fail_unless (gst_as_jitter_quantile (&j, 0.01) >=
      gst_as_jitter_range_us (&j) - 250);
}

GST_END_TEST;

/* The target rises at once and decays with its half-life. */
GST_START_TEST (test_target_rise_and_decay)
{
  static const struct
  {
    gint64 at_s;
    gint64 wanted_ms;
    gint64 expected_ms;
  } steps[] = {
    {0, 10, 10},
    {1, 100, 100},              /* rise: at once */
    {21, 10, 55},               /* one half-life: half of the excess left */
    {41, 10, 32},               /* two: a quarter (32.5) */
    {42, 200, 200},
    {43, 2000, 500},            /* clamped to the maximum */
    {44, 0, 483},               /* to the minimum, after 1 s of decay */
  };
  GstAsJitterTarget t;
  guint i;

  gst_as_jitter_target_init (&t, 5 * MS, 500 * MS, 20 * SEC);
  gst_as_jitter_target_reset (&t, -1);
  for (i = 0; i < G_N_ELEMENTS (steps); i++) {
    gint64 v = gst_as_jitter_target_update (&t, steps[i].at_s * SEC,
        steps[i].wanted_ms * MS);

    fail_unless (ABS (v - steps[i].expected_ms * MS) <= MS,
        "step %u: %" G_GINT64_FORMAT " us", i, v);
  }
}

GST_END_TEST;

GST_START_TEST (test_target_limits_and_shift)
{
  GstAsJitterTarget t;

  gst_as_jitter_target_init (&t, 20 * MS, 300 * MS, 20 * SEC);
  gst_as_jitter_target_reset (&t, 10 * MS);
  fail_unless_equals_int64 (gst_as_jitter_target_get (&t), 20 * MS);
  gst_as_jitter_target_update (&t, 0, 100 * MS);
  gst_as_jitter_target_shift (&t, 30 * MS);
  fail_unless_equals_int64 (gst_as_jitter_target_get (&t), 130 * MS);
  gst_as_jitter_target_set_limits (&t, 0, 50 * MS);
  fail_unless_equals_int64 (gst_as_jitter_target_get (&t), 50 * MS);
}

GST_END_TEST;

/* Peaks that recur are held; a single one, or two, are not; the hold
 * ends when the peaks stop coming; late samples of one stall are one
 * peak; a sample has to stand out from the level to be a peak. */
GST_START_TEST (test_peaks)
{
  GstAsPeaks p;

  gst_as_peaks_init (&p, 2.0, 40 * MS, SEC, 20 * SEC, 3);
  /* not a peak: under twice the level, or under the level + 40 ms */
  fail_if (gst_as_peaks_add (&p, 0, 150 * MS, 80 * MS));
  fail_if (gst_as_peaks_add (&p, 0, 30 * MS, 10 * MS));
  fail_unless_equals_int64 (gst_as_peaks_hold (&p, 0), 0);

  /* a 250 ms stall every 3 s, seen by two late samples each */
  fail_unless (gst_as_peaks_add (&p, 3 * SEC, 240 * MS, 10 * MS));
  fail_unless (gst_as_peaks_add (&p, 3 * SEC + 200 * MS, 150 * MS, 10 * MS));
  fail_unless (gst_as_peaks_add (&p, 6 * SEC, 250 * MS, 10 * MS));
  /* two peaks: maybe a coincidence */
  fail_unless_equals_int64 (gst_as_peaks_hold (&p, 7 * SEC), 0);
  fail_unless (gst_as_peaks_add (&p, 9 * SEC, 255 * MS, 10 * MS));
  fail_unless (gst_as_peaks_add (&p, 9 * SEC + 100 * MS, 260 * MS,
          10 * MS));
  /* three: held at the highest, however low the level meanwhile */
  fail_unless_equals_int64 (gst_as_peaks_hold (&p, 10 * SEC), 260 * MS);
  fail_unless_equals_int64 (gst_as_peaks_hold (&p, 14 * SEC), 260 * MS);
  /* until twice the longest interval (3 s, between the first samples of
   * the peaks) has passed without one */
  fail_unless_equals_int64 (gst_as_peaks_hold (&p, 15 * SEC), 260 * MS);
  fail_unless_equals_int64 (gst_as_peaks_hold (&p, 16 * SEC), 0);

  /* the baseline moved up by 50 ms: the peaks are that much lower */
  gst_as_peaks_shift (&p, -50 * MS);
  fail_unless (gst_as_peaks_add (&p, 12 * SEC, 200 * MS, 10 * MS));
  fail_unless_equals_int64 (gst_as_peaks_hold (&p, 13 * SEC), 210 * MS);

  /* a peak long after the last one starts a new pattern */
  fail_unless (gst_as_peaks_add (&p, 40 * SEC, 300 * MS, 10 * MS));
  fail_unless (gst_as_peaks_add (&p, 43 * SEC, 300 * MS, 10 * MS));
  fail_unless_equals_int64 (gst_as_peaks_hold (&p, 44 * SEC), 0);

  /* only the last GST_AS_PEAKS_MAX count */
  gst_as_peaks_reset (&p);
  fail_unless (gst_as_peaks_add (&p, 0, 500 * MS, 10 * MS));
  {
    guint i;

    for (i = 1; i <= GST_AS_PEAKS_MAX; i++)
      fail_unless (gst_as_peaks_add (&p, i * 2 * SEC, 100 * MS, 10 * MS));
  }
  fail_unless_equals_int64 (gst_as_peaks_hold (&p, 17 * SEC), 100 * MS);
}

GST_END_TEST;

static Suite *
jitter_suite (void)
{
  Suite *s = suite_create ("jitter");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_empty);
  tcase_add_test (tc, test_quantiles_of_uniform);
  tcase_add_test (tc, test_weights);
  tcase_add_test (tc, test_forgetting);
  tcase_add_test (tc, test_renormalisation);
  tcase_add_test (tc, test_shift);
  tcase_add_test (tc, test_target_rise_and_decay);
  tcase_add_test (tc, test_target_limits_and_shift);
  tcase_add_test (tc, test_peaks);
  return s;
}

GST_CHECK_MAIN (jitter);
