/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/check/gstcheck.h>

#include "audiostream/pacer.h"

#define DAY (G_GUINT64_CONSTANT (86400) * GST_SECOND)

/* origin + frame / rate seconds, rounded down, in plain integer arithmetic:
 * frame * 10^9 stays below 2^64 for a day at up to 192 kHz. */
static GstClockTime
exact_deadline (GstClockTime origin, guint64 frame, guint rate)
{
  return origin + frame * GST_SECOND / rate;
}

GST_START_TEST (test_first_deadlines)
{
  GstAsPacer p;

  gst_as_pacer_init (&p, 48000, 100);
  gst_as_pacer_start (&p, 5 * GST_SECOND);
  fail_unless_equals_uint64 (gst_as_pacer_next_deadline (&p), 5 * GST_SECOND);
  fail_unless_equals_uint64 (gst_as_pacer_deadline_for (&p, 480),
      5 * GST_SECOND + 10 * GST_MSECOND);
  fail_unless_equals_uint64 (gst_as_pacer_deadline_for (&p, 48000),
      6 * GST_SECOND);
}

GST_END_TEST;

/* A day of 480-frame chunks at 44.1 kHz, where a chunk lasts a non-integer
 * number of nanoseconds (10884353.74...): every deadline is exact, and the
 * last one lands on origin + 24 h to the nanosecond. */
static void
check_day (guint rate, guint chunk)
{
  const GstClockTime origin = 123456789;
  GstAsPacer p;
  GstClockTime naive = origin, naive_step;
  guint64 chunks = 0;

  gst_as_pacer_init (&p, rate, 100);
  gst_as_pacer_start (&p, origin);
  naive_step = gst_util_uint64_scale_int (chunk, GST_SECOND, rate);

  while (p.frames + chunk <= (guint64) rate * 86400) {
    GstClockTime due = gst_as_pacer_next_deadline (&p);

    /* fail_unless is too slow for millions of iterations */
    if (due != exact_deadline (origin, p.frames, rate))
      fail ("frame %" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT " != %"
          G_GUINT64_FORMAT, p.frames, due,
          exact_deadline (origin, p.frames, rate));
    gst_as_pacer_sent (&p, chunk, due, due);
    naive += naive_step;
    chunks++;
  }
  /* finish the day with a partial chunk */
  gst_as_pacer_sent (&p, (guint64) rate * 86400 - p.frames, origin + DAY,
      origin + DAY);
  fail_unless_equals_uint64 (gst_as_pacer_next_deadline (&p), origin + DAY);

  GST_INFO ("%u Hz, %u-frame chunks: %" G_GUINT64_FORMAT " chunks; summing "
      "rounded chunk durations would be off by %" G_GINT64_FORMAT " ns",
      rate, chunk, chunks, GST_CLOCK_DIFF (exact_deadline (origin,
              chunks * chunk, rate), naive));
}

GST_START_TEST (test_day_without_accumulated_error)
{
  check_day (44100, 480);
  check_day (48000, 441);
  check_day (8000, 160);
  check_day (192000, 1024);
}

GST_END_TEST;

/* The case the frame counter exists for: adding per-chunk durations drifts by
 * milliseconds a day, the counter does not drift at all. */
GST_START_TEST (test_naive_sum_would_drift)
{
  const guint rate = 44100, chunk = 480;
  guint64 chunks = (guint64) rate * 86400 / chunk;
  GstClockTime step = gst_util_uint64_scale_int (chunk, GST_SECOND, rate);
  GstAsPacer p;

  gst_as_pacer_init (&p, rate, 100);
  gst_as_pacer_start (&p, 0);
  gst_as_pacer_sent (&p, chunks * chunk, 0, 0);
  fail_unless (GST_CLOCK_DIFF (chunks * step,
          gst_as_pacer_next_deadline (&p)) > GST_MSECOND);
  fail_unless_equals_uint64 (gst_as_pacer_next_deadline (&p),
      exact_deadline (0, chunks * chunk, rate));
}

GST_END_TEST;

GST_START_TEST (test_on_schedule_sends_at_deadlines)
{
  GstAsPacer p;
  guint i;

  gst_as_pacer_init (&p, 48000, 150);
  gst_as_pacer_start (&p, GST_SECOND);
  for (i = 0; i < 100; i++) {
    GstClockTime due = gst_as_pacer_next_send_time (&p, 480);

    fail_unless_equals_uint64 (due, GST_SECOND + i * 10 * GST_MSECOND);
    /* sent a little late: the next deadline does not move */
    gst_as_pacer_sent (&p, 480, due, due + 200 * GST_USECOND);
  }
}

GST_END_TEST;

/* After a 1 s stall the backlog goes out 1.5x faster than real time, and
 * once the schedule is caught up, deadlines rule again. */
GST_START_TEST (test_catch_up_is_bounded)
{
  GstAsPacer p;
  GstClockTime now, gap = gst_util_uint64_scale (10 * GST_MSECOND, 100, 150);
  guint sent_early = 0;

  gst_as_pacer_init (&p, 48000, 150);
  gst_as_pacer_start (&p, 0);
  gst_as_pacer_sent (&p, 480, 0, 0);

  /* the network stalls for a second */
  now = GST_SECOND;
  fail_unless_equals_int64 (gst_as_pacer_lag (&p, now),
      GST_SECOND - 10 * GST_MSECOND);
  gst_as_pacer_sent (&p, 480, gst_as_pacer_next_send_time (&p, 480), now);

  for (;;) {
    GstClockTime due = gst_as_pacer_next_send_time (&p, 480);
    GstClockTime deadline = gst_as_pacer_next_deadline (&p);

    if (due == deadline && deadline >= now + gap)
      break;
    fail_unless_equals_uint64 (due, now + gap);
    now = due;
    gst_as_pacer_sent (&p, 480, due, now);
    sent_early++;
  }
  /* 1 s behind, gaining 1/3 of each 10 ms chunk: about 3 s to catch up */
  fail_unless (sent_early > 280 && sent_early < 310, "%u", sent_early);
  fail_unless (gst_as_pacer_lag (&p, now) <= 0);
}

GST_END_TEST;

GST_START_TEST (test_restart_resets_schedule)
{
  GstAsPacer p;

  gst_as_pacer_init (&p, 16000, 100);
  gst_as_pacer_start (&p, 0);
  gst_as_pacer_sent (&p, 16000, GST_SECOND, GST_SECOND);
  gst_as_pacer_start (&p, 10 * GST_SECOND);
  fail_unless_equals_uint64 (p.frames, 0);
  fail_unless_equals_uint64 (gst_as_pacer_next_send_time (&p, 160),
      10 * GST_SECOND);
}

GST_END_TEST;

/* Late wake-ups while catching up must not add up: with every chunk sent
 * 4 ms after it was meant to go (more than the third of a chunk that the
 * catch-up gains), a 1 s backlog is still caught up in about 3 s. Counting
 * from the actual send time, it would fall further behind for ever. */
GST_START_TEST (test_late_wakeups_do_not_accumulate)
{
  GstAsPacer p;
  GstClockTime now = 0, wakeup_latency = 4 * GST_MSECOND;
  guint i;

  gst_as_pacer_init (&p, 48000, 150);
  gst_as_pacer_start (&p, 0);
  now = GST_SECOND;             /* a 1 s stall before the first send */
  gst_as_pacer_sent (&p, 480, 0, now);
  for (i = 0; i < 1000 && gst_as_pacer_lag (&p, now) > 0; i++) {
    GstClockTime due = gst_as_pacer_next_send_time (&p, 480);

    now = MAX (now, due + wakeup_latency);
    gst_as_pacer_sent (&p, 480, due, now);
  }
  fail_unless (gst_as_pacer_lag (&p, now) <= (GstClockTimeDiff)
      wakeup_latency, "still %" G_GINT64_FORMAT " ns behind",
      gst_as_pacer_lag (&p, now));
  fail_unless (now < 5 * GST_SECOND, "caught up only at %" GST_TIME_FORMAT,
      GST_TIME_ARGS (now));
}

GST_END_TEST;

/* Dropped frames move the schedule on; resent frames move it back. */
GST_START_TEST (test_skip_and_rewind)
{
  GstAsPacer p;

  gst_as_pacer_init (&p, 1000, 150);
  gst_as_pacer_start (&p, 0);
  gst_as_pacer_sent (&p, 100, 0, 0);
  gst_as_pacer_skip (&p, 400);
  fail_unless_equals_uint64 (gst_as_pacer_next_deadline (&p),
      500 * GST_MSECOND);
  gst_as_pacer_rewind (&p, 50);
  fail_unless_equals_uint64 (gst_as_pacer_next_deadline (&p),
      450 * GST_MSECOND);
  /* never before the start */
  gst_as_pacer_rewind (&p, 10000);
  fail_unless_equals_uint64 (gst_as_pacer_next_deadline (&p), 0);
}

GST_END_TEST;

/* Shifting the schedule moves every later deadline by the same amount and
 * keeps them exact. */
GST_START_TEST (test_shift)
{
  GstAsPacer p;

  gst_as_pacer_init (&p, 48000, 150);
  gst_as_pacer_start (&p, GST_SECOND);
  gst_as_pacer_sent (&p, 480, GST_SECOND, GST_SECOND);
  gst_as_pacer_shift (&p, 200 * GST_USECOND);
  fail_unless_equals_uint64 (gst_as_pacer_next_deadline (&p),
      GST_SECOND + 10 * GST_MSECOND + 200 * GST_USECOND);
  gst_as_pacer_shift (&p, -400 * GST_USECOND);
  fail_unless_equals_uint64 (gst_as_pacer_deadline_for (&p, 48000),
      2 * GST_SECOND - 200 * GST_USECOND);
  gst_as_pacer_shift (&p, -10 * (GstClockTimeDiff) GST_SECOND);
  fail_unless_equals_uint64 (gst_as_pacer_deadline_for (&p, 0), 0);
}

GST_END_TEST;

static Suite *
pacer_suite (void)
{
  Suite *s = suite_create ("pacer");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_first_deadlines);
  tcase_add_test (tc, test_day_without_accumulated_error);
  tcase_add_test (tc, test_naive_sum_would_drift);
  tcase_add_test (tc, test_on_schedule_sends_at_deadlines);
  tcase_add_test (tc, test_catch_up_is_bounded);
  tcase_add_test (tc, test_restart_resets_schedule);
  tcase_add_test (tc, test_skip_and_rewind);
  tcase_add_test (tc, test_shift);
  tcase_add_test (tc, test_late_wakeups_do_not_accumulate);
  return s;
}

GST_CHECK_MAIN (pacer);
