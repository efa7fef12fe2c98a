/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/check/gstcheck.h>

#include "audiostream/stretch.h"

#define RATE 48000
#define N 4800                  /* 100 ms */

/* A voiced sound: f0 and five harmonics. */
static void
voiced (gfloat * x, guint channels, guint n, gdouble f0, guint64 first)
{
  guint i, c, h;

  for (i = 0; i < n; i++) {
    gdouble v = 0.0;

    for (h = 1; h <= 6; h++)
      v += sin (2 * G_PI * h * f0 * (first + i) / RATE) / h;
    for (c = 0; c < channels; c++)
      x[i * channels + c] = (gfloat) (0.3 * v * (c ? 0.5 : 1.0));
  }
}

/* The best jump, back into the history or forward into the lookahead, is a
 * whole number of periods of the pitch. */
GST_START_TEST (test_finds_the_period)
{
  static const struct
  {
    gdouble f0;
    guint channels;
    gint min_off, max_off;
    gdouble period;
  } cases[] = {
    {200.0, 1, -720, -120, 240},
    {200.0, 1, 120, 720, 240},
    {120.0, 1, -720, -120, 400},
    {120.0, 2, 120, 720, 400},
    {80.0, 2, -720, -120, 600},
    {310.0, 1, 100, 720, 48000 / 310.0},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstAsStretch st;
    gfloat *y = g_new (gfloat, N * cases[i].channels);
    gdouble corr;
    gint off;

    gst_as_stretch_init (&st, RATE, cases[i].channels, N);
    voiced (y, cases[i].channels, N, cases[i].f0, 0);
    off = gst_as_stretch_search (&st, y, N, N / 2, 480, cases[i].min_off,
        cases[i].max_off, &corr);
    {
      gdouble periods = ABS (off) / cases[i].period;

      fail_unless (off != 0 && (off < 0) == (cases[i].max_off < 0));
      fail_unless (fabs (periods - round (periods)) * cases[i].period <= 1.0,
          "case %u: jump %d is not a whole number of %.1f-frame periods", i,
          off, cases[i].period);
    }
    fail_unless (corr > 0.99, "case %u: correlation %.3f", i, corr);
    gst_as_stretch_clear (&st);
    g_free (y);
  }
}

GST_END_TEST;

/* Candidates that do not fit in the timeline are not considered. */
GST_START_TEST (test_out_of_range)
{
  GstAsStretch st;
  gfloat y[1000] = { 0 };
  gdouble corr = 5.0;

  gst_as_stretch_init (&st, RATE, 1, 1000);
  /* nothing after "now" */
  fail_unless_equals_int (gst_as_stretch_search (&st, y, 500, 500, 100, 10,
          200, &corr), 0);
  fail_unless (corr == 0.0);
  /* not enough history for a template */
  fail_unless_equals_int (gst_as_stretch_search (&st, y, 1000, 50, 100, -40,
          -10, &corr), 0);
  /* longer than the scratch */
  fail_unless_equals_int (gst_as_stretch_search (&st, y, 2000, 500, 100, 10,
          200, &corr), 0);
  gst_as_stretch_clear (&st);
}

GST_END_TEST;

GST_START_TEST (test_crossfade)
{
  gfloat a[200], b[200], out[200];
  guint i;

  for (i = 0; i < 200; i++) {
    a[i] = 1.0f;
    b[i] = -1.0f;
  }
  gst_as_stretch_crossfade (out, a, b, 2, 100);
  fail_unless (out[0] > 0.99f && out[1] > 0.99f);
  fail_unless (out[198] < -0.99f && out[199] < -0.99f);
  for (i = 2; i < 200; i += 2)
    fail_unless (out[i] <= out[i - 2]);
  /* equal inputs pass unchanged, in place */
  gst_as_stretch_crossfade (a, a, a, 2, 100);
  for (i = 0; i < 200; i++)
    fail_unless (a[i] == 1.0f);
}

GST_END_TEST;

GST_START_TEST (test_mean_square)
{
  gfloat x[4800];
  guint i;

  for (i = 0; i < 4800; i++)
    x[i] = (gfloat) sin (2 * G_PI * 1000.0 * i / RATE);
  fail_unless (fabs (gst_as_stretch_mean_square (x, 1, 4800) - 0.5) < 1e-3);
  fail_unless (gst_as_stretch_mean_square (x, 1, 0) == 0.0);
}

GST_END_TEST;

/* The point of it all: skipping the jump the search finds, with a crossfade
 * over it, leaves a periodic sound as it was, without a click. */
GST_START_TEST (test_splice_is_seamless)
{
  GstAsStretch st;
  gfloat y[N], out[N];
  gdouble corr, max_step = 0.0, step_before = 0.0;
  guint now = 1200, i, n_out;
  gint off;

  voiced (y, 1, N, 150.0, 0);
  for (i = 1; i < N; i++)
    step_before = MAX (step_before, fabs (y[i] - y[i - 1]));

  gst_as_stretch_init (&st, RATE, 1, N);
  off = gst_as_stretch_search (&st, y, N, now, 480, 120, 720, &corr);
  fail_unless (off > 0 && corr > 0.99);

  /* played: y[0, now); then crossfade y[now..] into y[now + off..]; then
   * y[now + 2 off..] */
  memcpy (out, y, now * sizeof (gfloat));
  gst_as_stretch_crossfade (out + now, y + now, y + now + off, 1, off);
  n_out = now + off;
  memcpy (out + n_out, y + now + 2 * off, (N - now - 2 * off) *
      sizeof (gfloat));
  n_out += N - now - 2 * off;
  for (i = 1; i < n_out; i++)
    max_step = MAX (max_step, fabs (out[i] - out[i - 1]));

  fail_unless_equals_int (n_out, N - off);
  fail_unless (max_step < step_before * 1.05, "step %.4f, before %.4f",
      max_step, step_before);
  gst_as_stretch_clear (&st);
}

GST_END_TEST;

static Suite *
stretch_suite (void)
{
  Suite *s = suite_create ("stretch");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_finds_the_period);
  tcase_add_test (tc, test_out_of_range);
  tcase_add_test (tc, test_crossfade);
  tcase_add_test (tc, test_mean_square);
  tcase_add_test (tc, test_splice_is_seamless);
  return s;
}

GST_CHECK_MAIN (stretch);
