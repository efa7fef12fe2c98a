/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include <string.h>

#include "audiostream/tuning.h"
#include "../common/freshprocess.h"

/* Unset: the defaults the code documents */
GST_START_TEST (test_defaults)
{
  gboolean valid = FALSE;

  fail_unless_equals_uint64 (gst_as_tuning_parse (GST_AS_TUNING_IO_URING,
          NULL, &valid), 1);
  fail_unless (valid);
  fail_unless_equals_uint64 (gst_as_tuning_parse (GST_AS_TUNING_PHASE_GRID,
          NULL, NULL), 1);
  fail_unless_equals_uint64 (gst_as_tuning_parse (GST_AS_TUNING_PHASE_GROUP,
          NULL, NULL), 64);
  fail_unless_equals_uint64 (gst_as_tuning_parse
      (GST_AS_TUNING_SCHED_WINDOW_US, NULL, NULL), 100);
  fail_unless_equals_uint64 (gst_as_tuning_parse
      (GST_AS_TUNING_SCHED_THREADS, NULL, NULL), 0);
}

GST_END_TEST;

GST_START_TEST (test_values_in_range)
{
  const struct
  {
    GstAsTuning knob;
    const gchar *text;
    guint64 value;
  } good[] = {
    {GST_AS_TUNING_IO_URING, "0", 0},
    {GST_AS_TUNING_SCHED_WINDOW_US, "1000", 1000},
    {GST_AS_TUNING_SCHED_WINDOW_US, "0", 0},
    {GST_AS_TUNING_PHASE_GROUP, "1000", 1000},
    {GST_AS_TUNING_SCHED_THREADS, "4", 4},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (good); i++) {
    gboolean valid = FALSE;

    fail_unless_equals_uint64 (gst_as_tuning_parse (good[i].knob,
            good[i].text, &valid), good[i].value);
    fail_unless (valid, "%s=%s refused",
        gst_as_tuning_name (good[i].knob), good[i].text);
  }
}

GST_END_TEST;

/* A typo falls back to the default and says so, never a half-parsed
 * number ("1ms" was 1 with strtoll) or a wrapped one ("-1") */
GST_START_TEST (test_unusable_values)
{
  const gchar *bad[] = { "", "abc", "1ms", "-1", " 5", "1e3", "2" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    gboolean valid = TRUE;

    /* "2" is a number, but IO_URING is 0 or 1 */
    fail_unless_equals_uint64 (gst_as_tuning_parse (GST_AS_TUNING_IO_URING,
            bad[i], &valid), 1);
    fail_if (valid, "\"%s\" accepted", bad[i]);
  }
  {
    gboolean valid = TRUE;

    /* a group of 0 streams would divide by zero */
    fail_unless_equals_uint64 (gst_as_tuning_parse
        (GST_AS_TUNING_PHASE_GROUP, "0", &valid), 64);
    fail_if (valid);
    /* a window over a second is not a window */
    fail_unless_equals_uint64 (gst_as_tuning_parse
        (GST_AS_TUNING_SCHED_WINDOW_US, "2000000", &valid), 100);
    fail_if (valid);
  }
}

GST_END_TEST;

/* The process's values come from the environment, read once: main() sets
 * two variables before anything reads them */
GST_START_TEST (test_read_from_environment)
{
  fail_unless_equals_string (gst_as_tuning_name
      (GST_AS_TUNING_SCHED_WINDOW_US), "GST_AUDIOSTREAM_SCHED_WINDOW_US");
  fail_unless_equals_uint64 (gst_as_tuning_get
      (GST_AS_TUNING_SCHED_WINDOW_US), 250);
  fail_unless_equals_uint64 (gst_as_tuning_get (GST_AS_TUNING_PHASE_GRID),
      0);
  /* unset: the default */
  fail_unless_equals_uint64 (gst_as_tuning_get (GST_AS_TUNING_PHASE_GROUP),
      64);
  /* read once: a later change is not seen */
  g_setenv ("GST_AUDIOSTREAM_SCHED_WINDOW_US", "300", TRUE);
  fail_unless_equals_uint64 (gst_as_tuning_get
      (GST_AS_TUNING_SCHED_WINDOW_US), 250);
}

GST_END_TEST;

/* A value the process cannot use says so on stderr, once, and the
 * default holds. In a fresh process (this program with --probe): the
 * knobs are read once, and gstcheck makes warnings fatal. */
GST_START_TEST (test_unusable_value_warns)
{
  gchar *out = NULL, *err = NULL;

  fail_unless_equals_int (test_fresh_process_run ("--probe",
          "GST_AUDIOSTREAM_SCHED_WINDOW_US", "1ms", &out, &err), 0);
  /* the probe prints the window it got: the default */
  fail_unless_equals_string (out, "100\n");
  fail_unless (strstr (err, "GST_AUDIOSTREAM_SCHED_WINDOW_US=1ms is not a "
          "whole number from 0 to 1000000: using 100") != NULL,
      "stderr: %s", err);
  /* once, however often the knob is asked for */
  fail_unless (strstr (strstr (err, "1ms") + 1, "1ms") == NULL,
      "stderr: %s", err);
  g_free (out);
  g_free (err);
}

GST_END_TEST;

static Suite *
tuning_suite (void)
{
  Suite *s = suite_create ("tuning");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_defaults);
  tcase_add_test (tc, test_values_in_range);
  tcase_add_test (tc, test_unusable_values);
  tcase_add_test (tc, test_read_from_environment);
  tcase_add_test (tc, test_unusable_value_warns);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  test_fresh_process_init (argv[0]);
  if (argc > 1 && strcmp (argv[1], "--probe") == 0) {
    /* for test_unusable_value_warns: the window this environment gives,
     * asked for twice */
    gst_as_tuning_get (GST_AS_TUNING_SCHED_WINDOW_US);
    g_print ("%" G_GUINT64_FORMAT "\n",
        gst_as_tuning_get (GST_AS_TUNING_SCHED_WINDOW_US));
    return 0;
  }
  g_setenv ("GST_AUDIOSTREAM_SCHED_WINDOW_US", "250", TRUE);
  g_setenv ("GST_AUDIOSTREAM_PHASE_GRID", "0", TRUE);
  g_unsetenv ("GST_AUDIOSTREAM_PHASE_GROUP");
  gst_check_init (&argc, &argv);
  s = tuning_suite ();
  return gst_check_run_suite (s, "tuning", __FILE__);
}
