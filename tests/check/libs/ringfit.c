/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* How audiostreamsink's sizes fit its ring: plain values in and out. */

#include <gst/check/gstcheck.h>

#include "audiostream/ringfit.h"

#define RATE 48000

GST_START_TEST (test_chunk)
{
  gchar *text;

  /* a ring of 1000 frames takes chunks up to 500 */
  fail_unless_equals_int (gst_as_fit_chunk (480, 1000, &text), 480);
  fail_unless (text == NULL);
  fail_unless_equals_int (gst_as_fit_chunk (500, 1000, &text), 500);
  fail_unless (text == NULL);
  fail_unless_equals_int (gst_as_fit_chunk (501, 1000, &text), 500);
  fail_unless (text != NULL);
  fail_unless (strstr (text, "chunk-samples (501)") != NULL);
  fail_unless (strstr (text, "chunks of 500 frames") != NULL);
  g_free (text);
  /* even a one-frame ring sends something */
  fail_unless_equals_int (gst_as_fit_chunk (16, 1, &text), 1);
  g_free (text);
}

GST_END_TEST;

GST_START_TEST (test_prefill)
{
  gchar *text;
  guint64 frames;

  /* 1 s of prefill in a 5 s ring fits */
  frames = gst_as_fit_prefill (1000, RATE, 480, 5000, 5 * RATE, &text);
  fail_unless_equals_uint64 (frames, RATE);
  fail_unless (text == NULL);

  /* a ring of exactly the prefill leaves no room for a chunk: one chunk
   * less, said with what to change */
  frames = gst_as_fit_prefill (1000, RATE, 480, 1000, RATE, &text);
  fail_unless_equals_uint64 (frames, RATE - 480);
  fail_unless (text != NULL);
  fail_unless (strstr (text, "prefill-ms (1000)") != NULL);
  fail_unless (strstr (text, "ring-buffer-ms (1000)") != NULL);
  fail_unless (strstr (text, "prefilling 990 ms") != NULL);
  g_free (text);
}

GST_END_TEST;

typedef struct
{
  guint64 frames, prefill;
  gboolean sending;
  GstAsFitVerdict verdict;
  guint64 prefill_after;
  const gchar *says;
} UpstreamCase;

/* ring 48000 frames (1 s), chunk 480 */
static const UpstreamCase upstream_cases[] = {
  /* fits with the prefill */
  {4800, 24000, FALSE, GST_AS_FIT_OK, 24000, NULL},
  {24000, 24000, TRUE, GST_AS_FIT_OK, 24000, NULL},
  /* no room for prefill and buffer before sending: the prefill gives */
  {28800, 24000, FALSE, GST_AS_FIT_WARNING, 19200,
      "prefilling 400 ms instead"},
  /* the same once sending: only a warning, the prefill stays */
  {28800, 24000, TRUE, GST_AS_FIT_WARNING, 24000,
      "Upstream now delivers 600 ms"},
  /* more than the ring minus a chunk: cannot work */
  {47600, 0, FALSE, GST_AS_FIT_ERROR, 0, "at least 1002"},
  {48000, 24000, TRUE, GST_AS_FIT_ERROR, 24000, "more than ring-buffer-ms"},
};

GST_START_TEST (test_upstream_buffer)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (upstream_cases); i++) {
    const UpstreamCase *c = &upstream_cases[i];
    guint64 prefill = c->prefill;
    gchar *text;
    GstAsFitVerdict v;

    v = gst_as_fit_upstream_buffer (c->frames, 480, RATE, RATE, c->sending,
        &prefill, &text);
    fail_unless_equals_int_hex (v, c->verdict);
    fail_unless_equals_uint64 (prefill, c->prefill_after);
    if (c->says == NULL) {
      fail_unless (text == NULL, "case %u: %s", i, text);
    } else {
      fail_unless (text != NULL && strstr (text, c->says) != NULL,
          "case %u: \"%s\" does not say \"%s\"", i, text, c->says);
    }
    g_free (text);
  }
}

GST_END_TEST;

static Suite *
ringfit_suite (void)
{
  Suite *s = suite_create ("ringfit");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_chunk);
  tcase_add_test (tc, test_prefill);
  tcase_add_test (tc, test_upstream_buffer);
  return s;
}

GST_CHECK_MAIN (ringfit);
