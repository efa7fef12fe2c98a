/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/check/gstcheck.h>

#include "audiostream/quality.h"
#include "audiostream/ratelimit.h"

/* A healthy loopback stream: what the sender sees on a quiet LAN. */
static GstAsQualityInput
healthy (void)
{
  GstAsQualityInput in = { 0 };

  in.pacing_p99_ms = 0.2;
  in.jitter_ms = 5;
  in.buffer_level_ms = 1000;
  in.buffer_target_ms = 1000;
  in.connected = TRUE;
  in.rtt_ms = 0.1;
  in.rtt_var_ms = 0.05;
  return in;
}

typedef struct
{
  const gchar *what;
  void (*apply) (GstAsQualityInput * in);
  guint expected;
} Case;

static void
late_pacing (GstAsQualityInput * in)
{
  in->pacing_p99_ms = 1.5;      /* -15 instead of -2 */
}

static void
jittery (GstAsQualityInput * in)
{
  in->jitter_ms = 120;          /* -10 */
}

static void
half_empty (GstAsQualityInput * in)
{
  in->buffer_level_ms = 600;    /* -10 */
}

static void
underruns (GstAsQualityInput * in)
{
  in->underruns = 5;            /* capped at -20 */
}

static void
overflow (GstAsQualityInput * in)
{
  in->overflows = 1;            /* -10 */
}

static void
far_away (GstAsQualityInput * in)
{
  in->rtt_ms = 120;             /* -10 */
  in->rtt_var_ms = 60;          /* capped at -10 */
}

static void
lossy (GstAsQualityInput * in)
{
  in->retransmits = 4;          /* -12 */
}

static void
backlog (GstAsQualityInput * in)
{
  in->unsent_ms = 200;          /* -10 */
}

static void
everything_wrong (GstAsQualityInput * in)
{
  late_pacing (in);
  jittery (in);
  half_empty (in);
  underruns (in);
  overflow (in);
  far_away (in);
  lossy (in);
  backlog (in);
}

static void
disconnected (GstAsQualityInput * in)
{
  in->connected = FALSE;
}

static void
nothing (GstAsQualityInput * in)
{
}

/* Each row: the healthy stream with one thing wrong, and the score the
 * documented formula gives (100 minus the healthy pacing penalty of 2). */
static const Case cases[] = {
  {"healthy", nothing, 98},
  {"late pacing", late_pacing, 85},
  {"jitter", jittery, 88},
  {"buffer 60 % full", half_empty, 88},
  {"underruns", underruns, 78},
  {"one overflow", overflow, 88},
  {"long, unsteady rtt", far_away, 78},
  {"retransmissions", lossy, 86},
  {"unsent backlog", backlog, 88},
  {"everything wrong", everything_wrong, 0},
  {"disconnected", disconnected, 0},
};

GST_START_TEST (test_score_table)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstAsQualityInput in = healthy ();
    guint score;

    cases[i].apply (&in);
    score = gst_as_quality_score (&in);
    fail_unless (score == cases[i].expected, "%s: score %u, expected %u",
        cases[i].what, score, cases[i].expected);
  }
}

GST_END_TEST;

/* Worse inputs never raise the score. */
GST_START_TEST (test_score_is_monotonic)
{
  guint prev = 101, i;

  for (i = 0; i <= 400; i += 10) {
    GstAsQualityInput in = healthy ();
    guint score;

    in.rtt_ms = i;
    in.jitter_ms = i / 2.0;
    in.unsent_ms = i;
    score = gst_as_quality_score (&in);
    fail_unless (score <= prev, "rtt %u: %u after %u", i, score, prev);
    prev = score;
  }
  fail_unless (prev < 60);
}

GST_END_TEST;

GST_START_TEST (test_ratings)
{
  fail_unless_equals_string (gst_as_rating_nick (gst_as_quality_rating (100)),
      "excellent");
  fail_unless_equals_string (gst_as_rating_nick (gst_as_quality_rating (90)),
      "excellent");
  fail_unless_equals_string (gst_as_rating_nick (gst_as_quality_rating (89)),
      "good");
  fail_unless_equals_string (gst_as_rating_nick (gst_as_quality_rating (70)),
      "good");
  fail_unless_equals_string (gst_as_rating_nick (gst_as_quality_rating (69)),
      "fair");
  fail_unless_equals_string (gst_as_rating_nick (gst_as_quality_rating (50)),
      "fair");
  fail_unless_equals_string (gst_as_rating_nick (gst_as_quality_rating (49)),
      "poor");
  fail_unless_equals_string (gst_as_rating_nick (gst_as_quality_rating (0)),
      "poor");
}

GST_END_TEST;

GST_START_TEST (test_buffer_health)
{
  fail_unless (gst_as_quality_buffer_health (0, 1000) == 0.0);
  fail_unless (gst_as_quality_buffer_health (250, 1000) == 0.25);
  fail_unless (gst_as_quality_buffer_health (3000, 1000) == 1.0);
  fail_unless (gst_as_quality_buffer_health (10, 0) == 1.0);
}

GST_END_TEST;

/* 5 a second: a burst of 5 goes through, then one every 200 ms, and the
 * next allowed event learns how many were held back. */
GST_START_TEST (test_rate_limit)
{
  GstAsRateLimit limit;
  guint i, allowed = 0, suppressed = 0;
  gint64 t;

  gst_as_rate_limit_init (&limit, 5);
  for (i = 0; i < 20; i++)
    allowed += gst_as_rate_limit_allow (&limit, 0, NULL);
  fail_unless_equals_int (allowed, 5);

  fail_unless (!gst_as_rate_limit_allow (&limit, 100000, NULL));
  fail_unless (gst_as_rate_limit_allow (&limit, 200000, &suppressed));
  fail_unless_equals_int (suppressed, 16);

  /* a steady flood of 1000/s for 10 s lets about 50 through */
  allowed = 0;
  for (t = 1000000; t < 11000000; t += 1000)
    allowed += gst_as_rate_limit_allow (&limit, t, NULL);
  fail_unless (allowed >= 50 && allowed <= 56, "%u", allowed);
}

GST_END_TEST;

static Suite *
quality_suite (void)
{
  Suite *s = suite_create ("quality");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_score_table);
  tcase_add_test (tc, test_score_is_monotonic);
  tcase_add_test (tc, test_ratings);
  tcase_add_test (tc, test_buffer_health);
  tcase_add_test (tc, test_rate_limit);
  return s;
}

GST_CHECK_MAIN (quality);
