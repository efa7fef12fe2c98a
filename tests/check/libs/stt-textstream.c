/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* stttranscriber's text stream without a pipeline: text buffers from
 * transcript structures, and the output queue with its GAPs, late finals
 * and flushes, on a fake clock. */

#include <gst/check/gstcheck.h>

#include "stt-textstream.h"

typedef struct
{
  GstClockTime now;
  guint asked;
} FakeClock;

static GstClockTime
fake_now (gpointer user_data)
{
  FakeClock *clock = user_data;

  clock->asked++;
  return clock->now;
}

static GstStructure *
transcript (const gchar * name, const gchar * text, guint64 start_ms,
    guint64 end_ms, GstClockTime running_time)
{
  GstStructure *s = gst_structure_new (name, "start-ms", G_TYPE_UINT64,
      start_ms, "end-ms", G_TYPE_UINT64, end_ms, NULL);

  if (text != NULL)
    gst_structure_set (s, "text", G_TYPE_STRING, text, NULL);
  if (running_time != GST_CLOCK_TIME_NONE)
    gst_structure_set (s, "running-time", G_TYPE_UINT64, running_time, NULL);
  return s;
}

static GstBuffer *
text_at (GstClockTime pts, GstClockTime duration, gboolean partial)
{
  GstBuffer *buf = gst_buffer_new_memdup ("hi", 2);

  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = duration;
  if (partial)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  return buf;
}

static void
item_clear (GstSttTextItem * item)
{
  if (item->gap_before)
    gst_event_unref (item->gap_before);
  if (item->obj)
    gst_mini_object_unref (item->obj);
  if (item->gap_after)
    gst_event_unref (item->gap_after);
  memset (item, 0, sizeof (*item));
}

static void
assert_gap (GstEvent * gap, GstClockTime start, GstClockTime duration)
{
  GstClockTime s, d;

  fail_unless (gap != NULL);
  fail_unless_equals_int (GST_EVENT_TYPE (gap), GST_EVENT_GAP);
  gst_event_parse_gap (gap, &s, &d);
  fail_unless_equals_uint64 (s, start);
  fail_unless_equals_uint64 (d, duration);
}

/* A text stream that lets text take @latency, on a fake clock, and the
 * last item taken from it. */
typedef struct
{
  GstSttTextStream ts;
  FakeClock clock;
  GstSttTextItem item;
} Fixture;

static Fixture *
fixture_new (GstClockTime latency, GstClockTime now)
{
  Fixture *f = g_new0 (Fixture, 1);

  gst_stt_text_stream_init (&f->ts);
  gst_stt_text_stream_reset (&f->ts, latency);
  f->clock.now = now;
  return f;
}

static void
fixture_free (Fixture * f)
{
  item_clear (&f->item);
  gst_stt_text_stream_clear (&f->ts);
  g_free (f);
}

/* Takes the next item (dropping the one before) without waiting. */
static GstSttTextNext
pop (Fixture * f)
{
  item_clear (&f->item);
  return gst_stt_text_stream_pop (&f->ts, fake_now, &f->clock, &f->item);
}

static gboolean
push (Fixture * f, gpointer obj)
{
  return gst_stt_text_stream_push (&f->ts, GST_MINI_OBJECT_CAST (obj));
}

static GstEvent *
time_segment (void)
{
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  return gst_event_new_segment (&segment);
}

/* A started stream: its segment went out, with the GAP at 0 after it. */
static void
start_stream (Fixture * f)
{
  fail_unless (push (f, time_segment ()));
  fail_unless_equals_int (pop (f), GST_STT_TEXT_ITEM);
  fail_unless (GST_IS_EVENT (f->item.obj));
  fail_unless_equals_int (GST_EVENT_TYPE (f->item.obj), GST_EVENT_SEGMENT);
  fail_unless (f->item.gap_before == NULL);
  assert_gap (f->item.gap_after, 0, 0);
}

static guint64
stats_uint64 (Fixture * f, const gchar * field)
{
  GstStructure *s = gst_structure_new_empty ("stats");
  guint64 v = G_MAXUINT64;

  gst_stt_text_stream_add_stats (&f->ts, s);
  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s", field);
  gst_structure_free (s);
  return v;
}

GST_START_TEST (test_text_buffer)
{
  GstStructure *s;
  GstBuffer *buf;
  gsize size;
  gchar *text;

  /* the running time of the words' audio, their duration */
  s = transcript ("sttpushsink-final", "hello world", 1000, 2500,
      7 * GST_SECOND);
  buf = gst_stt_text_buffer_new (s, FALSE);
  fail_unless (buf != NULL);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), 7 * GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf), 1500 * GST_MSECOND);
  fail_if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT));
  gst_buffer_extract_dup (buf, 0, -1, (gpointer *) & text, &size);
  fail_unless_equals_int (size, strlen ("hello world"));
  fail_unless (memcmp (text, "hello world", size) == 0);
  g_free (text);
  gst_buffer_unref (buf);
  gst_structure_free (s);

  /* without timestamps upstream: the stream time; a partial is flagged */
  s = transcript ("sttpushsink-partial", "hel", 1000, 1200,
      GST_CLOCK_TIME_NONE);
  buf = gst_stt_text_buffer_new (s, TRUE);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf), 200 * GST_MSECOND);
  fail_unless (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT));
  gst_buffer_unref (buf);
  gst_structure_free (s);

  /* an end before the start lasts nothing */
  s = transcript ("sttpushsink-final", "x", 2000, 1000, GST_CLOCK_TIME_NONE);
  buf = gst_stt_text_buffer_new (s, FALSE);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf), 0);
  gst_buffer_unref (buf);
  gst_structure_free (s);

  /* no text, empty text, no times: no buffer */
  s = transcript ("sttpushsink-final", NULL, 0, 100, GST_CLOCK_TIME_NONE);
  fail_unless (gst_stt_text_buffer_new (s, FALSE) == NULL);
  gst_structure_free (s);
  s = transcript ("sttpushsink-final", "", 0, 100, GST_CLOCK_TIME_NONE);
  fail_unless (gst_stt_text_buffer_new (s, FALSE) == NULL);
  gst_structure_free (s);
  s = gst_structure_new ("sttpushsink-final", "text", G_TYPE_STRING, "x",
      NULL);
  fail_unless (gst_stt_text_buffer_new (s, FALSE) == NULL);
  gst_structure_free (s);
}

GST_END_TEST;

GST_START_TEST (test_rename_prefix)
{
  GstStructure *s = gst_structure_new ("sttpushsink-final", "text",
      G_TYPE_STRING, "a", NULL);

  gst_stt_structure_rename_prefix (s, "sttpushsink-", "stttranscriber-");
  fail_unless_equals_string (gst_structure_get_name (s),
      "stttranscriber-final");
  fail_unless_equals_string (gst_structure_get_string (s, "text"), "a");
  /* other names stay */
  gst_structure_set_name (s, "other-final");
  gst_stt_structure_rename_prefix (s, "sttpushsink-", "stttranscriber-");
  fail_unless_equals_string (gst_structure_get_name (s), "other-final");
  gst_structure_free (s);
}

GST_END_TEST;

/* Before its segment, a stream makes no GAP whatever the clock says; then
 * the clock makes GAPs up to now - latency, each at least a tick long. */
GST_START_TEST (test_gaps_follow_the_clock)
{
  Fixture *f = fixture_new (8 * GST_SECOND, 30 * GST_SECOND);

  fail_unless_equals_int (pop (f), GST_STT_TEXT_NONE);
  fail_unless_equals_int (f->clock.asked, 0);
  start_stream (f);
  fail_unless_equals_int (f->clock.asked, 0);

  /* the clock does not run, or runs less than the latency: no GAP */
  f->clock.now = GST_CLOCK_TIME_NONE;
  fail_unless_equals_int (pop (f), GST_STT_TEXT_NONE);
  f->clock.now = 8 * GST_SECOND;
  fail_unless_equals_int (pop (f), GST_STT_TEXT_NONE);
  fail_unless_equals_int (f->clock.asked, 2);

  f->clock.now = 9 * GST_SECOND;
  fail_unless_equals_int (pop (f), GST_STT_TEXT_ITEM);
  assert_gap (GST_EVENT_CAST (f->item.obj), 0, GST_SECOND);
  fail_unless (f->item.gap_before == NULL && f->item.gap_after == NULL);

  /* less than a tick later: nothing; a tick later: the next GAP */
  f->clock.now += GST_STT_GAP_TICK - 1;
  fail_unless_equals_int (pop (f), GST_STT_TEXT_NONE);
  f->clock.now += 1;
  fail_unless_equals_int (pop (f), GST_STT_TEXT_ITEM);
  assert_gap (GST_EVENT_CAST (f->item.obj), GST_SECOND, GST_STT_GAP_TICK);

  fail_unless_equals_uint64 (stats_uint64 (f, "gaps-pushed"), 2);
  fail_unless_equals_uint64 (stats_uint64 (f, "buffers-pushed"), 0);
  fixture_free (f);
}

GST_END_TEST;

/* A final after a hole gets a GAP before it; one whose audio started
 * before what went out is late: moved to the end of it, duration kept,
 * counted. A partial never goes back and never moves the position. */
GST_START_TEST (test_finals_partials_and_late)
{
  Fixture *f = fixture_new (8 * GST_SECOND, GST_CLOCK_TIME_NONE);

  start_stream (f);
  fail_unless (push (f, text_at (2 * GST_SECOND, GST_SECOND, FALSE)));
  fail_unless_equals_int (pop (f), GST_STT_TEXT_ITEM);
  assert_gap (f->item.gap_before, 0, 2 * GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (f->item.obj), 2 * GST_SECOND);
  fail_unless_equals_uint64 (f->item.late_from, GST_CLOCK_TIME_NONE);

  /* a partial from before the position goes out at the position */
  push (f, text_at (GST_SECOND, GST_SECOND, TRUE));
  pop (f);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (f->item.obj), 3 * GST_SECOND);
  fail_unless (f->item.gap_before == NULL);

  /* a late final: at 3 s (the position; the partial did not move it) */
  push (f, text_at (GST_SECOND / 2, 700 * GST_MSECOND, FALSE));
  pop (f);
  fail_unless (f->item.gap_before == NULL);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (f->item.obj), 3 * GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (f->item.obj),
      700 * GST_MSECOND);
  fail_unless_equals_uint64 (f->item.late_from, GST_SECOND / 2);

  /* right after it: no GAP, not late */
  push (f, text_at (3700 * GST_MSECOND, GST_SECOND, FALSE));
  pop (f);
  fail_unless (f->item.gap_before == NULL);
  fail_unless_equals_uint64 (f->item.late_from, GST_CLOCK_TIME_NONE);

  fail_unless_equals_uint64 (stats_uint64 (f, "buffers-pushed"), 4);
  fail_unless_equals_uint64 (stats_uint64 (f, "gaps-pushed"), 1);
  fail_unless_equals_uint64 (stats_uint64 (f, "late"), 1);
  fail_unless_equals_uint64 (stats_uint64 (f, "max-late-ms"), 2500);

  /* a new run counts from 0 */
  gst_stt_text_stream_reset (&f->ts, 0);
  fail_unless_equals_uint64 (stats_uint64 (f, "buffers-pushed"), 0);
  fail_unless_equals_uint64 (stats_uint64 (f, "late"), 0);
  fail_unless_equals_uint64 (stats_uint64 (f, "max-late-ms"), 0);
  fixture_free (f);
}

GST_END_TEST;

/* A flush drops text and segment but keeps the sticky events a pad keeps
 * (stream-start, caps, tags), in order; after it the stream starts again
 * from its next segment. */
GST_START_TEST (test_flush_keeps_sticky_events)
{
  Fixture *f = fixture_new (GST_SECOND, 20 * GST_SECOND);
  GstEventType expect[] = { GST_EVENT_STREAM_START, GST_EVENT_CAPS,
    GST_EVENT_TAG
  };
  guint i;

  start_stream (f);
  push (f, gst_event_new_stream_start ("s"));
  push (f, gst_event_new_caps (gst_caps_new_empty_simple ("text/x-raw")));
  push (f, time_segment ());
  push (f, text_at (0, GST_SECOND, FALSE));
  push (f, gst_event_new_tag (gst_tag_list_new_empty ()));
  push (f, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
          gst_structure_new_empty ("x")));

  gst_stt_text_stream_set_flushing (&f->ts, TRUE);
  fail_unless_equals_int (pop (f), GST_STT_TEXT_FLUSHING);
  fail_unless_equals_int (gst_stt_text_stream_wait (&f->ts, fake_now,
          &f->clock, &f->item), GST_STT_TEXT_FLUSHING);
  /* what comes while flushing is dropped */
  fail_if (push (f, text_at (0, GST_SECOND, FALSE)));

  gst_stt_text_stream_set_flushing (&f->ts, FALSE);
  for (i = 0; i < G_N_ELEMENTS (expect); i++) {
    fail_unless_equals_int (pop (f), GST_STT_TEXT_ITEM);
    fail_unless (GST_IS_EVENT (f->item.obj));
    fail_unless_equals_int (GST_EVENT_TYPE (f->item.obj), expect[i]);
  }
  /* not started again yet: no GAP from the clock */
  fail_unless_equals_int (pop (f), GST_STT_TEXT_NONE);
  fail_unless_equals_int (f->clock.asked, 0);
  /* the position starts again at 0 with the next segment */
  start_stream (f);

  /* deactivation keeps nothing */
  push (f, gst_event_new_stream_start ("s"));
  gst_stt_text_stream_set_flushing (&f->ts, TRUE);
  gst_stt_text_stream_drop (&f->ts);
  gst_stt_text_stream_set_flushing (&f->ts, FALSE);
  fail_unless_equals_int (pop (f), GST_STT_TEXT_NONE);
  fixture_free (f);
}

GST_END_TEST;

GST_START_TEST (test_eos_ends_the_stream)
{
  Fixture *f = fixture_new (GST_SECOND, 20 * GST_SECOND);

  start_stream (f);
  push (f, text_at (0, GST_SECOND, FALSE));
  fail_unless (push (f, gst_event_new_eos ()));

  /* the final first, then EOS, then nothing (no GAP after EOS) */
  fail_unless_equals_int (pop (f), GST_STT_TEXT_ITEM);
  fail_unless (GST_IS_BUFFER (f->item.obj));
  fail_unless_equals_int (pop (f), GST_STT_TEXT_ITEM);
  fail_unless_equals_int (GST_EVENT_TYPE (f->item.obj), GST_EVENT_EOS);
  fail_unless_equals_int (pop (f), GST_STT_TEXT_EOS);
  fail_unless_equals_int (gst_stt_text_stream_wait (&f->ts, fake_now,
          &f->clock, &f->item), GST_STT_TEXT_EOS);
  fail_if (push (f, text_at (0, GST_SECOND, FALSE)));
  fail_unless_equals_int (f->clock.asked, 0);

  /* a flush after EOS starts a new stream */
  gst_stt_text_stream_set_flushing (&f->ts, TRUE);
  gst_stt_text_stream_set_flushing (&f->ts, FALSE);
  fail_unless (push (f, text_at (0, GST_SECOND, FALSE)));
  fixture_free (f);
}

GST_END_TEST;

static gpointer
wait_thread (gpointer data)
{
  Fixture *f = data;

  return GINT_TO_POINTER (gst_stt_text_stream_wait (&f->ts, fake_now,
          &f->clock, &f->item));
}

/* The src task's wait returns with what another thread hands over, and
 * when a flush starts. */
GST_START_TEST (test_wait_wakes_up)
{
  Fixture *f = fixture_new (GST_SECOND, GST_CLOCK_TIME_NONE);
  GThread *thread;

  thread = g_thread_new ("waiter", wait_thread, f);
  push (f, text_at (0, GST_SECOND, FALSE));
  fail_unless_equals_int (GPOINTER_TO_INT (g_thread_join (thread)),
      GST_STT_TEXT_ITEM);
  fail_unless (GST_IS_BUFFER (f->item.obj));
  item_clear (&f->item);

  thread = g_thread_new ("waiter", wait_thread, f);
  gst_stt_text_stream_set_flushing (&f->ts, TRUE);
  fail_unless_equals_int (GPOINTER_TO_INT (g_thread_join (thread)),
      GST_STT_TEXT_FLUSHING);
  fail_unless (f->item.obj == NULL);
  fixture_free (f);
}

GST_END_TEST;

static Suite *
stt_textstream_suite (void)
{
  Suite *s = suite_create ("stt-textstream");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_text_buffer);
  tcase_add_test (tc, test_rename_prefix);
  tcase_add_test (tc, test_gaps_follow_the_clock);
  tcase_add_test (tc, test_finals_partials_and_late);
  tcase_add_test (tc, test_flush_keeps_sticky_events);
  tcase_add_test (tc, test_eos_ends_the_stream);
  tcase_add_test (tc, test_wait_wakes_up);
  return s;
}

GST_CHECK_MAIN (stt_textstream);
