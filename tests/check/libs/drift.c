/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/check/gstcheck.h>

#include "audiostream/drift.h"

#define MS GST_MSECOND
#define PACKET (10 * MS)

static void
drift_init (GstAsDrift * d)
{
  gst_as_drift_init (d, 2 * GST_SECOND, 64, 1e-3);
}

/* Jitter: |N(0, sigma)| from a seeded generator, in ns. */
static gint64
jitter (GRand * rand, gdouble sigma_ms)
{
  gdouble u1 = g_rand_double_range (rand, 1e-12, 1.0);
  gdouble u2 = g_rand_double (rand);

  return (gint64) (fabs (sqrt (-2 * log (u1)) * cos (2 * G_PI * u2)) *
      sigma_ms * MS);
}

/* A sender whose clock runs @ppm fast sends 10 ms packets; each takes
 * 20 ms plus jitter. Returns the fraction of arrivals below the baseline
 * by more than 1 ms (there should be none). */
static gdouble
feed (GstAsDrift * d, gdouble ppm, gdouble sigma_ms, guint seconds,
    guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  guint n = seconds * 100, i, below = 0;

  for (i = 0; i < n; i++) {
    gint64 media = (gint64) (i + 1) * PACKET;
    gint64 sent = (gint64) (media / (1.0 + ppm * 1e-6));
    gint64 arrival = GST_SECOND + sent + 20 * MS + jitter (rand, sigma_ms);

    gst_as_drift_add (d, arrival, media);
    if (i > n / 2 && arrival - media < gst_as_drift_base (d, media) - MS)
      below++;
  }
  g_rand_free (rand);
  return (gdouble) below / n;
}

GST_START_TEST (test_constant_delay)
{
  GstAsDrift d;

  drift_init (&d);
  fail_if (gst_as_drift_is_valid (&d));
  feed (&d, 0.0, 0.0, 60, 1);
  fail_unless (gst_as_drift_is_valid (&d));
  fail_unless_equals_int64 (gst_as_drift_base (&d, 30 * GST_SECOND),
      GST_SECOND + 20 * MS);
  fail_unless (gst_as_drift_slope (&d) == 0.0);
}

GST_END_TEST;

/* The slope is the drift, to a few ppm under 5 ms of jitter, and the line
 * stays under the arrivals. The sign: a fast sender's audio arrives ever
 * earlier against its own timeline. */
GST_START_TEST (test_drift_tracked)
{
  static const struct
  {
    gdouble ppm;
    gdouble sigma_ms;
    gdouble tolerance_ppm;
  } cases[] = {
    {200.0, 5.0, 20.0},
    {-200.0, 5.0, 20.0},
    {50.0, 1.0, 10.0},
    {0.0, 20.0, 60.0},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstAsDrift d;
    gdouble below, slope_ppm;

    drift_init (&d);
    below = feed (&d, cases[i].ppm, cases[i].sigma_ms, 300, 42 + i);
    slope_ppm = gst_as_drift_slope (&d) * 1e6;
    fail_unless (fabs (slope_ppm + cases[i].ppm) < cases[i].tolerance_ppm,
        "case %u: slope %.1f ppm for a %+.0f ppm sender", i, slope_ppm,
        cases[i].ppm);
    fail_unless (below < 0.001, "case %u: %.4f below the baseline", i,
        below);
  }
}

GST_END_TEST;

/* A faster arrival lowers the baseline at once, and says by how much. */
GST_START_TEST (test_faster_arrival_lowers)
{
  GstAsDrift d;
  gint64 moved;

  drift_init (&d);
  fail_unless_equals_int64 (gst_as_drift_add (&d, 100 * MS, 10 * MS), 0);
  fail_unless_equals_int64 (gst_as_drift_add (&d, 120 * MS, 20 * MS), 0);
  fail_unless_equals_int64 (gst_as_drift_base (&d, 20 * MS), 90 * MS);
  moved = gst_as_drift_add (&d, 115 * MS, 30 * MS);
  fail_unless_equals_int64 (moved, -5 * MS);
  fail_unless_equals_int64 (gst_as_drift_base (&d, 30 * MS), 85 * MS);
}

GST_END_TEST;

/* A route 50 ms longer: the baseline follows once the faster segments
 * have left the window (128 s), and not before. */
GST_START_TEST (test_step_up_followed)
{
  GstAsDrift d;
  guint i;

  drift_init (&d);
  for (i = 0; i < 40000; i++) {
    gint64 media = (gint64) (i + 1) * PACKET;
    gint64 delay = (i < 10000 ? 20 : 70) * MS + (i % 7) * MS;

    gst_as_drift_add (&d, GST_SECOND + media + delay, media);
    if (i == 12000)
      fail_unless (gst_as_drift_base (&d, media) < GST_SECOND + 25 * MS);
  }
  fail_unless (ABS (gst_as_drift_base (&d, 400 * GST_SECOND) -
          (GST_SECOND + 70 * MS)) < 2 * MS);
  fail_unless (fabs (gst_as_drift_slope (&d)) < 5e-6);
}

GST_END_TEST;

/* Absurd drift is clamped to the maximum slope. */
GST_START_TEST (test_slope_clamped)
{
  GstAsDrift d;

  drift_init (&d);
  feed (&d, 5000.0, 0.0, 100, 7);
  fail_unless (fabs (gst_as_drift_slope (&d) + 1e-3) < 1e-9);
}

GST_END_TEST;

GST_START_TEST (test_set_base)
{
  GstAsDrift d;

  drift_init (&d);
  gst_as_drift_set_base (&d, GST_SECOND, 3 * MS);
  fail_unless (gst_as_drift_is_valid (&d));
  fail_unless_equals_int64 (gst_as_drift_base (&d, 5 * GST_SECOND), 3 * MS);
  gst_as_drift_reset (&d);
  fail_if (gst_as_drift_is_valid (&d));
}

GST_END_TEST;

static Suite *
drift_suite (void)
{
  Suite *s = suite_create ("drift");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_constant_delay);
  tcase_add_test (tc, test_drift_tracked);
  tcase_add_test (tc, test_faster_arrival_lowers);
  tcase_add_test (tc, test_step_up_followed);
  tcase_add_test (tc, test_slope_clamped);
  tcase_add_test (tc, test_set_base);
  return s;
}

GST_CHECK_MAIN (drift);
