/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/check/gstcheck.h>

#include "audiostream/playout.h"

#define MS GST_MSECOND

static void
playout_init (GstAsPlayout * p)
{
  /* 4 % of the audio, bursts of 20 ms, a band of 2 ms or 10 % */
  gst_as_playout_init (p, 0.04, 20 * MS, 2 * MS, 0.1);
}

/* One decision from a fresh state with a full budget. */
GST_START_TEST (test_decisions)
{
  static const struct
  {
    gint64 delay_ms, target_ms, max_ms;
    gboolean quiet;
    GstAsPlayoutAction action;
    gint64 amount_ms;           /* -1: do not check */
  } cases[] = {
    /* within the band: leave it */
    {101, 100, 1000, FALSE, GST_AS_PLAYOUT_NORMAL, 0},
    {91, 100, 1000, FALSE, GST_AS_PLAYOUT_NORMAL, 0},
    {11, 10, 1000, FALSE, GST_AS_PLAYOUT_NORMAL, 0},
    /* too long: shrink to half a band above the target, within the
     * budget */
    {115, 100, 1000, FALSE, GST_AS_PLAYOUT_SHRINK, 10},
    {150, 100, 1000, FALSE, GST_AS_PLAYOUT_SHRINK, 20},
    {13, 10, 1000, FALSE, GST_AS_PLAYOUT_SHRINK, 2},
    /* quiet: no budget needed */
    {150, 100, 1000, TRUE, GST_AS_PLAYOUT_SHRINK, 45},
    /* too short: grow, up to half the band beyond */
    {80, 100, 1000, FALSE, GST_AS_PLAYOUT_GROW, 20},
    {50, 100, 1000, TRUE, GST_AS_PLAYOUT_GROW, 55},
    /* over the maximum: cut down to the target at once */
    {1200, 100, 1000, FALSE, GST_AS_PLAYOUT_DROP, 1100},
    {1200, 100, 1000, TRUE, GST_AS_PLAYOUT_DROP, 1100},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstAsPlayout p;
    gint64 amount = -5;
    GstAsPlayoutAction a;

    playout_init (&p);
    gst_as_playout_played (&p, 10 * GST_SECOND);
    a = gst_as_playout_decide (&p, cases[i].delay_ms * MS,
        cases[i].target_ms * MS, cases[i].max_ms * MS, cases[i].quiet,
        &amount);
    fail_unless_equals_int (a, cases[i].action);
    if (cases[i].amount_ms >= 0)
      fail_unless_equals_int64 (amount, cases[i].amount_ms * MS);
  }
}

GST_END_TEST;

/* The budget fills at 4 % of what plays, up to 20 ms; voiced splices spend
 * it, quiet ones do not. */
GST_START_TEST (test_budget)
{
  GstAsPlayout p;
  gint64 amount;

  playout_init (&p);
  fail_unless_equals_int (gst_as_playout_decide (&p, 150 * MS, 100 * MS,
          1000 * MS, FALSE, &amount), GST_AS_PLAYOUT_NORMAL);

  gst_as_playout_played (&p, 250 * MS);
  fail_unless_equals_int (gst_as_playout_decide (&p, 150 * MS, 100 * MS,
          1000 * MS, FALSE, &amount), GST_AS_PLAYOUT_SHRINK);
  fail_unless_equals_int64 (amount, 10 * MS);   /* all of the budget */

  gst_as_playout_spent (&p, 8 * MS, FALSE);
  gst_as_playout_decide (&p, 142 * MS, 100 * MS, 1000 * MS, FALSE, &amount);
  fail_unless_equals_int64 (amount, 2 * MS);

  gst_as_playout_spent (&p, 30 * MS, TRUE);
  gst_as_playout_decide (&p, 142 * MS, 100 * MS, 1000 * MS, FALSE, &amount);
  fail_unless_equals_int64 (amount, 2 * MS);

  gst_as_playout_played (&p, 100 * GST_SECOND);
  gst_as_playout_decide (&p, 142 * MS, 100 * MS, 1000 * MS, FALSE, &amount);
  fail_unless_equals_int64 (amount, 20 * MS);
}

GST_END_TEST;

/* Outside the band the delay is moved back to the target (half a band
 * above it when shrinking), not just into the band. */
GST_START_TEST (test_hysteresis)
{
  static const struct
  {
    gint64 delay_ms;
    GstAsPlayoutAction action;
  } steps[] = {
    {109, GST_AS_PLAYOUT_NORMAL},
    {111, GST_AS_PLAYOUT_SHRINK},
    {108, GST_AS_PLAYOUT_SHRINK},
    {106, GST_AS_PLAYOUT_SHRINK},
    {105, GST_AS_PLAYOUT_NORMAL},
    {108, GST_AS_PLAYOUT_NORMAL},
    {89, GST_AS_PLAYOUT_GROW},
    {99, GST_AS_PLAYOUT_GROW},
    {100, GST_AS_PLAYOUT_NORMAL},
  };
  GstAsPlayout p;
  guint i;

  playout_init (&p);
  for (i = 0; i < G_N_ELEMENTS (steps); i++) {
    gint64 amount;

    gst_as_playout_played (&p, GST_SECOND);
    fail_unless_equals_int (gst_as_playout_decide (&p,
            steps[i].delay_ms * MS, 100 * MS, 1000 * MS, FALSE, &amount),
        steps[i].action);
  }
}

GST_END_TEST;

GST_START_TEST (test_moved_enough)
{
  static const struct
  {
    gint64 old_ms, new_ms;
    gboolean expected;
  } cases[] = {
    {100, 119, FALSE},
    {100, 125, TRUE},
    {100, 75, TRUE},
    {100, 80, FALSE},
    {10, 29, FALSE},            /* 20 ms at least */
    {10, 30, TRUE},
    {400, 480, FALSE},          /* 25 % at least */
    {400, 500, TRUE},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    fail_unless_equals_int (gst_as_playout_moved_enough (cases[i].old_ms *
            MS, cases[i].new_ms * MS, 20 * MS, 0.25), cases[i].expected);
}

GST_END_TEST;

static Suite *
playout_suite (void)
{
  Suite *s = suite_create ("playout");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_decisions);
  tcase_add_test (tc, test_budget);
  tcase_add_test (tc, test_hysteresis);
  tcase_add_test (tc, test_moved_enough);
  return s;
}

GST_CHECK_MAIN (playout);
