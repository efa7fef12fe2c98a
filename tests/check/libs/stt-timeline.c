/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/check/gstcheck.h>

#include "stt-timeline.h"

#define RATE 16000

GST_START_TEST (test_contiguous_session)
{
  GstSttSessionMap map;
  guint i;

  gst_stt_session_map_init (&map);
  /* before anything was sent, session and stream agree */
  fail_unless_equals_int64 (gst_stt_session_map_to_stream (&map, 5), 5);
  for (i = 0; i < 100; i++)
    gst_stt_session_map_sent (&map, 1600 * i, 1600);
  fail_unless_equals_int (map.runs->len, 1);
  fail_unless_equals_int64 (map.session_frames, 160000);
  fail_unless_equals_int64 (gst_stt_session_map_to_stream (&map, 12345),
      12345);
  gst_stt_session_map_clear (&map);
}

GST_END_TEST;

/* A reconnection replays from the last committed position (stream frame
 * 32000): the new session's time 0 is stream 2 s. Then the queue dropped
 * 8000 frames while the connection was stuck. */
GST_START_TEST (test_replay_and_drop)
{
  GstSttSessionMap map;

  gst_stt_session_map_init (&map);
  gst_stt_session_map_sent (&map, 32000, 1600);
  gst_stt_session_map_sent (&map, 33600, 1600);
  gst_stt_session_map_sent (&map, 43200, 1600);  /* 8000 dropped */
  gst_stt_session_map_sent (&map, 0, 0);        /* nothing: ignored */
  fail_unless_equals_int (map.runs->len, 2);

  fail_unless_equals_int64 (gst_stt_session_map_to_stream (&map, 0), 32000);
  fail_unless_equals_int64 (gst_stt_session_map_to_stream (&map, 3199),
      35199);
  fail_unless_equals_int64 (gst_stt_session_map_to_stream (&map, 3200),
      43200);
  /* a service rounding past what it got: after the last run */
  fail_unless_equals_int64 (gst_stt_session_map_to_stream (&map, 5000),
      45000);

  /* committed up to session frame 3300: the first run can go */
  gst_stt_session_map_forget (&map, 3300);
  fail_unless_equals_int (map.runs->len, 1);
  fail_unless_equals_int64 (gst_stt_session_map_to_stream (&map, 3300),
      43300);
  /* asked about a forgotten time anyway: clamped to the first kept run */
  fail_unless_equals_int64 (gst_stt_session_map_to_stream (&map, 100),
      43200);
  /* the last run is never forgotten */
  gst_stt_session_map_forget (&map, 1000000);
  fail_unless_equals_int (map.runs->len, 1);

  gst_stt_session_map_reset (&map);
  fail_unless_equals_int64 (map.session_frames, 0);
  gst_stt_session_map_clear (&map);
}

GST_END_TEST;

/* After a lost session: of the audio it never committed, what it had
 * sent (and a new session can no longer replay) is counted. */
GST_START_TEST (test_sent_between)
{
  GstSttSessionMap map;

  gst_stt_session_map_init (&map);
  gst_stt_session_map_sent (&map, 1000, 2000);  /* 1000-3000 */
  gst_stt_session_map_sent (&map, 5000, 1000);  /* 5000-6000, a drop */
  fail_unless_equals_int64 (gst_stt_session_map_sent_between (&map, 0,
          10000), 3000);
  fail_unless_equals_int64 (gst_stt_session_map_sent_between (&map, 2500,
          5500), 1000);
  fail_unless_equals_int64 (gst_stt_session_map_sent_between (&map, 3000,
          5000), 0);
  fail_unless_equals_int64 (gst_stt_session_map_sent_between (&map, 4000,
          4000), 0);
  fail_unless_equals_int64 (gst_stt_session_map_sent_between (&map, 6000,
          100), 0);
  gst_stt_session_map_clear (&map);
}

GST_END_TEST;

GST_START_TEST (test_many_runs_lookup)
{
  GstSttSessionMap map;
  guint i;

  gst_stt_session_map_init (&map);
  /* every other chunk dropped */
  for (i = 0; i < 1000; i++)
    gst_stt_session_map_sent (&map, 320 * 2 * i, 320);
  fail_unless_equals_int (map.runs->len, 1000);
  for (i = 0; i < 1000; i++) {
    fail_unless_equals_int64 (gst_stt_session_map_to_stream (&map,
            320 * i + 17), 640 * i + 17);
  }
  gst_stt_session_map_clear (&map);
}

GST_END_TEST;

GST_START_TEST (test_clock_map)
{
  GstSttClockMap map;
  guint i;

  gst_stt_clock_map_reset (&map, RATE);
  fail_unless_equals_uint64 (gst_stt_clock_map_lookup (&map, 0),
      GST_CLOCK_TIME_NONE);

  /* live capture that started 5 s into the running time */
  gst_stt_clock_map_record (&map, 0, 5 * GST_SECOND);
  /* contiguous buffers, with 1 ms of jitter: no new anchors */
  for (i = 1; i < 100; i++)
    gst_stt_clock_map_record (&map, 320 * i, 5 * GST_SECOND +
        i * 20 * GST_MSECOND + (i % 2) * GST_MSECOND);
  fail_unless_equals_int (map.count, 1);
  fail_unless_equals_uint64 (gst_stt_clock_map_lookup (&map, 16000),
      6 * GST_SECOND);

  /* a gap of 3 s in capture */
  gst_stt_clock_map_record (&map, 32000, 10 * GST_SECOND);
  fail_unless_equals_int (map.count, 2);
  fail_unless_equals_uint64 (gst_stt_clock_map_lookup (&map, 31999),
      5 * GST_SECOND + gst_util_uint64_scale_int (31999, GST_SECOND, RATE));
  fail_unless_equals_uint64 (gst_stt_clock_map_lookup (&map, 40000),
      10500 * GST_MSECOND);
  /* going back is ignored, invalid times too */
  gst_stt_clock_map_record (&map, 100, 0);
  gst_stt_clock_map_record (&map, 48000, GST_CLOCK_TIME_NONE);
  fail_unless_equals_int (map.count, 2);

  /* many gaps: the oldest anchors go, older positions extrapolate back
   * from the oldest kept */
  for (i = 0; i < 100; i++)
    gst_stt_clock_map_record (&map, 100000 + 16000 * i,
        100 * GST_SECOND + 2 * i * GST_SECOND);
  fail_unless_equals_int (map.count, GST_STT_CLOCK_MAP_SIZE);
  fail_unless_equals_uint64 (gst_stt_clock_map_lookup (&map,
          100000 + 16000 * 99 + 8000), 298500 * GST_MSECOND);
  fail_unless (GST_CLOCK_TIME_IS_VALID (gst_stt_clock_map_lookup (&map, 0)));
}

GST_END_TEST;

/* A lag past the threshold is said once an episode: a second slow final
 * stays quiet, one back under the threshold ends the episode, the next
 * slow one is said again; 0 never warns; max and last follow. */
GST_START_TEST (test_lag_warns_once_an_episode)
{
  GstSttLag lag;

  gst_stt_lag_reset (&lag);
  fail_unless_equals_int64 (lag.last_ms, -1);
  fail_unless_equals_int64 (lag.max_ms, -1);

  fail_if (gst_stt_lag_observe (&lag, 800, 1000));
  fail_unless (gst_stt_lag_observe (&lag, 1500, 1000));
  fail_if (gst_stt_lag_observe (&lag, 2500, 1000));
  fail_if (gst_stt_lag_observe (&lag, 1200, 1000));
  fail_if (gst_stt_lag_observe (&lag, 900, 1000));
  fail_unless (gst_stt_lag_observe (&lag, 1100, 1000));
  fail_unless_equals_int64 (lag.last_ms, 1100);
  fail_unless_equals_int64 (lag.max_ms, 2500);
  fail_unless_equals_uint64 (lag.warnings, 2);
  fail_unless_equals_uint64 (lag.measured, 6);

  /* exactly at the threshold is not past it */
  gst_stt_lag_reset (&lag);
  fail_if (gst_stt_lag_observe (&lag, 1000, 1000));
  /* no threshold: never */
  fail_if (gst_stt_lag_observe (&lag, 100000, 0));
  fail_unless_equals_uint64 (lag.warnings, 0);
}

GST_END_TEST;

/* The text stream's position: a final after it gets a GAP before it, one
 * before it is late (moved to the position, counted, duration kept);
 * partials never go before it nor move it; the clock's GAPs run
 * latency behind and never go back. */
GST_START_TEST (test_text_out)
{
  GstSttTextOut out;
  GstClockTime pts, gs = 0, gd = 0;

  gst_stt_text_out_reset (&out);
  /* nothing out yet: no GAP before the first final, no clock GAP */
  fail_if (gst_stt_text_out_due_gap (&out, 5 * GST_SECOND, GST_SECOND, 0,
          &gs, &gd));
  pts = 2 * GST_SECOND;
  fail_if (gst_stt_text_out_final (&out, &pts, GST_SECOND, &gs, &gd));
  fail_unless_equals_uint64 (out.position, 3 * GST_SECOND);

  /* the clock: 4.5 s now, 1 s latency: no text before 3.5 s */
  fail_unless (gst_stt_text_out_due_gap (&out, 4500 * GST_MSECOND,
          GST_SECOND, 100 * GST_MSECOND, &gs, &gd));
  fail_unless_equals_uint64 (gs, 3 * GST_SECOND);
  fail_unless_equals_uint64 (gd, 500 * GST_MSECOND);
  /* not again for the same time, nor for an earlier one */
  fail_if (gst_stt_text_out_due_gap (&out, 4500 * GST_MSECOND, GST_SECOND, 0,
          &gs, &gd));
  /* nor for a clock that moved less than the step: a caller asking again
   * at once must not get a GAP of the few µs that passed */
  fail_if (gst_stt_text_out_due_gap (&out, 4500 * GST_MSECOND + 5000,
          GST_SECOND, 100 * GST_MSECOND, &gs, &gd));
  fail_if (gst_stt_text_out_due_gap (&out, 4599 * GST_MSECOND,
          GST_SECOND, 100 * GST_MSECOND, &gs, &gd));
  fail_unless_equals_uint64 (out.position, 3500 * GST_MSECOND);
  fail_if (gst_stt_text_out_due_gap (&out, 4 * GST_SECOND, GST_SECOND, 0,
          &gs, &gd));
  /* a clock before the latency: nothing */
  fail_if (gst_stt_text_out_due_gap (&out, 500 * GST_MSECOND, GST_SECOND, 0,
          &gs, &gd));

  /* a partial from 3 s goes out at 3.5 s and leaves the position */
  fail_unless_equals_uint64 (gst_stt_text_out_partial (&out,
          3 * GST_SECOND), 3500 * GST_MSECOND);
  fail_unless_equals_uint64 (gst_stt_text_out_partial (&out,
          4 * GST_SECOND), 4 * GST_SECOND);
  fail_unless_equals_uint64 (out.position, 3500 * GST_MSECOND);

  /* a final from 3 s is late by 500 ms */
  pts = 3 * GST_SECOND;
  fail_if (gst_stt_text_out_final (&out, &pts, GST_SECOND, &gs, &gd));
  fail_unless_equals_uint64 (pts, 3500 * GST_MSECOND);
  fail_unless_equals_uint64 (out.position, 4500 * GST_MSECOND);
  fail_unless_equals_uint64 (out.late, 1);
  fail_unless_equals_uint64 (out.max_late, 500 * GST_MSECOND);

  /* a final from 6 s: a GAP covers 4.5-6 s first */
  pts = 6 * GST_SECOND;
  fail_unless (gst_stt_text_out_final (&out, &pts, GST_SECOND, &gs, &gd));
  fail_unless_equals_uint64 (gs, 4500 * GST_MSECOND);
  fail_unless_equals_uint64 (gd, 1500 * GST_MSECOND);
  fail_unless_equals_uint64 (pts, 6 * GST_SECOND);
  fail_unless_equals_uint64 (out.late, 1);
}

GST_END_TEST;

static Suite *
stt_timeline_suite (void)
{
  Suite *s = suite_create ("stt-timeline");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_contiguous_session);
  tcase_add_test (tc, test_replay_and_drop);
  tcase_add_test (tc, test_sent_between);
  tcase_add_test (tc, test_many_runs_lookup);
  tcase_add_test (tc, test_clock_map);
  tcase_add_test (tc, test_lag_warns_once_an_episode);
  tcase_add_test (tc, test_text_out);
  return s;
}

GST_CHECK_MAIN (stt_timeline);
