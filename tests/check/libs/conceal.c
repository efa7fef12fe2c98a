/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/check/gstcheck.h>

#include "audiostream/conceal.h"

#define RATE 48000
#define PERIOD 240              /* 200 Hz */
#define HIST 1920

static void
sine (gfloat * x, guint channels, guint64 first, guint n)
{
  guint i, c;

  for (i = 0; i < n; i++)
    for (c = 0; c < channels; c++)
      x[i * channels + c] = (gfloat) (0.5 * sin (2 * G_PI * (first + i) *
              200.0 / RATE + c));
}

/* A periodic sound continues where it stopped, fades out over the fade
 * length, and then is silence. */
GST_START_TEST (test_repeat_then_fade)
{
  GstAsConceal cc;
  gfloat hist[HIST * 2], out[9600 * 2], expect[9600 * 2];
  guint i, fade = 4800, glide = 48;
  gdouble err = 0.0;

  sine (hist, 2, 0, HIST);
  sine (expect, 2, HIST, 9600);
  gst_as_conceal_init (&cc, 2, 2048);
  gst_as_conceal_start (&cc, hist, HIST, PERIOD, fade, glide);
  fail_if (gst_as_conceal_is_silent (&cc));
  /* generated in pieces, as an element does */
  gst_as_conceal_generate (&cc, out, 100);
  gst_as_conceal_generate (&cc, out + 200, 9500);

  /* after the glide: the sine, scaled by the fade */
  for (i = glide; i < fade; i++) {
    gfloat g = 0.5f + 0.5f * cosf ((gfloat) G_PI * i / fade);

    err = MAX (err, fabs (out[2 * i] - g * expect[2 * i]));
    err = MAX (err, fabs (out[2 * i + 1] - g * expect[2 * i + 1]));
  }
  fail_unless (err < 1e-3, "error %.5f", err);
  for (i = fade; i < 9600; i++)
    fail_unless (out[2 * i] == 0.0f && out[2 * i + 1] == 0.0f);
  fail_unless (gst_as_conceal_is_silent (&cc));
  gst_as_conceal_clear (&cc);
}

GST_END_TEST;

/* The first frames glide from the last sample played: no step, even when
 * the repetition starts elsewhere. */
GST_START_TEST (test_glide_has_no_step)
{
  GstAsConceal cc;
  gfloat hist[HIST], out[480];
  guint i;

  sine (hist, 1, 0, HIST);
  hist[HIST - 1] = 0.9f;        /* not where the period would continue */
  gst_as_conceal_init (&cc, 1, 2048);
  gst_as_conceal_start (&cc, hist, HIST, PERIOD, 4800, 48);
  gst_as_conceal_generate (&cc, out, 480);
  fail_unless (fabs (out[0] - 0.9f) < 0.05f, "first %.3f", out[0]);
  for (i = 1; i < 48; i++)
    fail_unless (fabs (out[i] - out[i - 1]) < 0.05f, "step at %u", i);
  gst_as_conceal_clear (&cc);
}

GST_END_TEST;

/* Without a period (nothing played yet, or a period of 0): a short fade
 * from the last sample to silence. */
GST_START_TEST (test_silence_with_fade)
{
  GstAsConceal cc;
  gfloat hist[4] = { 0.0f, 0.2f, 0.4f, 0.8f }, out[100];
  guint i;

  gst_as_conceal_init (&cc, 1, 2048);
  gst_as_conceal_start (&cc, hist, 4, 0, 4800, 10);
  gst_as_conceal_generate (&cc, out, 100);
  fail_unless (out[0] > 0.7f && out[0] < 0.8f);
  for (i = 1; i < 10; i++)
    fail_unless (out[i] < out[i - 1]);
  for (i = 10; i < 100; i++)
    fail_unless (out[i] == 0.0f);

  gst_as_conceal_start (&cc, NULL, 0, PERIOD, 4800, 0);
  gst_as_conceal_generate (&cc, out, 100);
  for (i = 0; i < 100; i++)
    fail_unless (out[i] == 0.0f);
  fail_unless (gst_as_conceal_is_silent (&cc));
  gst_as_conceal_clear (&cc);
}

GST_END_TEST;

static Suite *
conceal_suite (void)
{
  Suite *s = suite_create ("conceal");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_repeat_then_fade);
  tcase_add_test (tc, test_glide_has_no_step);
  tcase_add_test (tc, test_silence_with_fade);
  return s;
}

GST_CHECK_MAIN (conceal);
