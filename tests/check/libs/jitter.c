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

/* The quantile as it was first written: a walk over every bin from the top.
 * gst_as_jitter_quantile() skips the empty bins and must give exactly this
 * for every state. */
static gint64
reference_quantile (const GstAsJitter * j, gdouble q)
{
  gdouble limit, acc = 0.0;
  gint i;
  gint64 v;

  if (j->total <= 0.0)
    return 0;
  q = CLAMP (q, 0.0, 1.0);
  limit = (1.0 - q) * j->total;
  for (i = j->n_bins - 1; i > 0; i--) {
    acc += j->bins[i];
    if (acc > limit)
      break;
  }
  v = (gint64) (i + 1) * j->bin_us + j->shift_rem_us;
  return MAX (v, 0);
}

static const gdouble fixed_q[] = {
  0.0, 1e-12, 0.01, 0.1, 0.5, 0.9, 0.95, 0.97, 0.99, 0.999, 1.0 - 1e-12, 1.0,
  -0.5, 1.5,
};

/* Compares at the fixed quantiles, at @n_random random ones and, with
 * @ties, for each non-empty bin, at the quantiles that put the running sum
 * from the top exactly on, just below and just above the limit: where a
 * walk that added differently would stop one bin off. Returns how many
 * were compared. */
static guint
check_same (const GstAsJitter * j, GRand * rand, guint n_random,
    gboolean ties, const gchar * what)
{
  gdouble acc = 0.0;
  guint i, checked = 0;

  for (i = 0; i < G_N_ELEMENTS (fixed_q) + n_random; i++) {
    gdouble q = i < G_N_ELEMENTS (fixed_q) ? fixed_q[i] :
        g_rand_double (rand);

    fail_unless_equals_int64 (gst_as_jitter_quantile (j, q),
        reference_quantile (j, q));
    checked++;
  }
  if (!ties || j->total <= 0.0)
    return checked;
  for (i = j->n_bins - 1; i > 0; i--) {
    gdouble q, qs[3];
    guint k;

    if (j->bins[i] == 0.0)
      continue;
    acc += j->bins[i];
    q = 1.0 - acc / j->total;
    qs[0] = q;
    qs[1] = nextafter (q, -1.0);
    qs[2] = nextafter (q, 2.0);
    for (k = 0; k < 3; k++) {
      gint64 got = gst_as_jitter_quantile (j, qs[k]);
      gint64 want = reference_quantile (j, qs[k]);

      fail_unless (got == want, "%s: bin %u, q %.17g: %" G_GINT64_FORMAT
          " against %" G_GINT64_FORMAT, what, i, qs[k], got, want);
      checked++;
    }
  }
  return checked;
}

/* A value drawn from a mix: mostly near 0 (a good network), a tail, the
 * odd one far beyond the range or below 0. */
static gint64
random_value (GRand * rand, const GstAsJitter * j)
{
  gint64 range = j->bin_us * j->n_bins;

  switch (g_rand_int_range (rand, 0, 10)) {
    case 0:
      return g_rand_int_range (rand, -3, 1) * j->bin_us;
    case 1:
      return range + g_rand_int_range (rand, 0, 1000);
    case 2:
    case 3:
      return (gint64) (g_rand_double (rand) * range);
    default:
      return (gint64) (g_rand_double (rand) * g_rand_double (rand) *
          g_rand_double (rand) * 20 * j->bin_us);
  }
}

/* Random sequences of samples, forgetting (with renormalisations that clear
 * faded bins), shifts of every size and resets, on histograms of several
 * shapes: the quantile equals the full walk after every step. */
GST_START_TEST (test_quantile_matches_full_walk)
{
  static const struct
  {
    gint64 bin_us;
    guint n_bins;
    gint64 half_life_us;
  } shapes[] = {
    {5000, 4096, 2 * SEC},      /* audiostreamsink's network and capture */
    {250, 4000, SEC},
    {1000, 1, SEC},             /* one bin: bin 0 only */
    {100, 64, 0},               /* exactly one word */
    {100, 65, 0},               /* one bin into the second word */
    {7, 4095, 500},             /* fast forgetting, many renormalisations */
    {1, 4096, 0},
  };
  GRand *rand = g_rand_new_with_seed (20261204);
  guint64 checked = 0;
  guint s;

  for (s = 0; s < G_N_ELEMENTS (shapes); s++) {
    GstAsJitter j;
    gint64 now = 0;
    guint step;

    gst_as_jitter_init (&j, shapes[s].bin_us, shapes[s].n_bins,
        shapes[s].half_life_us);
    for (step = 0; step < 3000; step++) {
      guint op = g_rand_int_range (rand, 0, 100);

      if (op < 80) {
        gdouble weight = g_rand_int_range (rand, 0, 8) == 0 ?
            exp2 (g_rand_int_range (rand, -60, 60)) : 0.01;

        now += g_rand_int_range (rand, 0, 8) == 0 ?
            g_rand_int_range (rand, 0, 300) * shapes[s].half_life_us :
            g_rand_int_range (rand, -1000, 20000);
        gst_as_jitter_add (&j, now, random_value (rand, &j), weight);
      } else if (op < 97) {
        gint64 range = j.bin_us * j.n_bins;
        gint64 delta;

        switch (g_rand_int_range (rand, 0, 4)) {
          case 0:              /* less than a bin: only the remainder */
            delta = g_rand_int_range (rand, -(gint32) j.bin_us,
                (gint32) j.bin_us);
            break;
          case 1:              /* a few bins */
            delta = g_rand_int_range (rand, -5, 6) * j.bin_us +
                g_rand_int_range (rand, 0, (gint32) j.bin_us);
            break;
          case 2:              /* anything up to the range */
            delta = (gint64) ((g_rand_double (rand) * 2 - 1) * range);
            break;
          default:             /* beyond the range: all in one end bin */
            delta = (g_rand_boolean (rand) ? 1 : -1) * (range +
                g_rand_int_range (rand, 0, 1000));
            break;
        }
        gst_as_jitter_shift (&j, delta);
      } else {
        gst_as_jitter_reset (&j);
      }
      /* the ties walk every bin in use: not at every step (ASan) */
      checked += check_same (&j, rand, 4, step % 8 == 0, "random");
    }
  }
  GST_INFO ("%" G_GUINT64_FORMAT " quantiles compared", checked);
  fail_unless (checked > 50000);
  g_rand_free (rand);
}

GST_END_TEST;

/* The edges: empty, everything in one bin (bottom, top, the first and
 * last of a word), only the two end bins, every bin full, bins faded to
 * nothing by a renormalisation, and equal weights whose running sums hit
 * the limit exactly. */
GST_START_TEST (test_quantile_matches_full_walk_at_edges)
{
  static const guint one_bin[] = { 0, 1, 63, 64, 65, 127, 128, 4031, 4032,
    4094, 4095
  };
  GRand *rand = g_rand_new_with_seed (4096);
  GstAsJitter j;
  guint i;

  gst_as_jitter_init (&j, 5000, 4096, 2 * SEC);
  check_same (&j, rand, 10, TRUE, "empty");

  for (i = 0; i < G_N_ELEMENTS (one_bin); i++) {
    gst_as_jitter_reset (&j);
    gst_as_jitter_add (&j, 0, (gint64) one_bin[i] * 5000 + 17, 0.01);
    gst_as_jitter_add (&j, 1000, (gint64) one_bin[i] * 5000, 3.0);
    check_same (&j, rand, 10, TRUE, "one bin");
  }

  gst_as_jitter_reset (&j);
  gst_as_jitter_add (&j, 0, -1, 0.5);
  gst_as_jitter_add (&j, 0, G_MAXINT64 / 2, 0.5);
  check_same (&j, rand, 10, TRUE, "end bins");

  gst_as_jitter_reset (&j);
  for (i = 0; i < 4096; i++)
    gst_as_jitter_add (&j, i, (gint64) i * 5000, 0.1);
  check_same (&j, rand, 10, TRUE, "every bin, equal");
  gst_as_jitter_reset (&j);
  for (i = 0; i < 4096; i++)
    gst_as_jitter_add (&j, i * 100, (gint64) i * 5000, 1.0 / (1 + i % 7));
  check_same (&j, rand, 10, TRUE, "every bin");

  /* a renormalisation clears bins faded below 1e-15 of the total: those of
   * time 0 against the one of 200 s, 2^100 times heavier */
  gst_as_jitter_reset (&j);
  for (i = 0; i < 4096; i += 3)
    gst_as_jitter_add (&j, 0, (gint64) i * 5000, 1.0);
  gst_as_jitter_add (&j, 200 * SEC, 10 * 5000, 1.0);
  check_same (&j, rand, 10, TRUE, "faded before renormalising");
  gst_as_jitter_add (&j, 700 * SEC, 20 * 5000, 1.0);
  fail_unless (j.scale < 1e100);
  fail_unless (j.bins[4095] == 0.0 && j.bins[0] == 0.0);
  fail_unless (j.bins[10] > 0.0);
  check_same (&j, rand, 10, TRUE, "faded and cleared");
  fail_unless_equals_int64 (gst_as_jitter_quantile (&j, 0.5), 21 * 5000);

  /* equal weights: sums from the top hit (1 - q) * total exactly */
  gst_as_jitter_init (&j, 1, 4096, 0);
  for (i = 0; i < 4096; i++)
    gst_as_jitter_add (&j, 0, i, 1.0);
  for (i = 0; i <= 4096; i++) {
    gdouble q = i / 4096.0;

    fail_unless_equals_int64 (gst_as_jitter_quantile (&j, q),
        reference_quantile (&j, q));
  }
  g_rand_free (rand);
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
  tcase_add_test (tc, test_quantile_matches_full_walk);
  tcase_add_test (tc, test_quantile_matches_full_walk_at_edges);
  tcase_add_test (tc, test_target_rise_and_decay);
  tcase_add_test (tc, test_target_limits_and_shift);
  tcase_add_test (tc, test_peaks);
  return s;
}

GST_CHECK_MAIN (jitter);
