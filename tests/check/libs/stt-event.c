/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/check/gstcheck.h>
#include <math.h>

#include "stt-event.h"

static GstSttEvent *
final_with (const gchar * const *speakers, guint n, gint64 t0)
{
  GstSttEvent *ev = gst_stt_event_new (GST_STT_EVENT_FINAL);
  guint i;

  ev->start_ms = t0;
  for (i = 0; i < n; i++)
    gst_stt_event_add_word (ev, "w", t0 + 100 * i, t0 + 100 * i + 80, 0.9,
        speakers[i]);
  return ev;
}

static GArray *
turns_new (void)
{
  GArray *turns = g_array_new (FALSE, FALSE, sizeof (GstSttTurn));

  g_array_set_clear_func (turns, (GDestroyNotify) gst_stt_turn_clear);
  return turns;
}

GST_START_TEST (test_turns_only_on_change)
{
  const gchar *a[] = { "0", "0", "1", "1" };
  const gchar *b[] = { "1", "1", NULL, "1" };
  const gchar *c[] = { "1", "0" };
  GstSttSpeakerTracker tracker;
  GArray *turns = turns_new ();
  GstSttEvent *ev;
  GstSttTurn *t;

  gst_stt_speaker_tracker_init (&tracker);

  ev = final_with (a, 4, 1000);
  fail_unless_equals_int (gst_stt_speaker_tracker_feed (&tracker, ev, turns),
      2);
  gst_stt_event_free (ev);
  t = &g_array_index (turns, GstSttTurn, 0);
  fail_unless_equals_string (t->speaker, "0");
  fail_unless_equals_int64 (t->at_ms, 1000);
  t = &g_array_index (turns, GstSttTurn, 1);
  fail_unless_equals_string (t->speaker, "1");
  fail_unless_equals_int64 (t->at_ms, 1200);

  /* the same speaker goes on in the next final: no turn; a word without
   * a speaker changes nothing */
  ev = final_with (b, 4, 2000);
  fail_unless_equals_int (gst_stt_speaker_tracker_feed (&tracker, ev, turns),
      0);
  gst_stt_event_free (ev);

  /* partials never make turns */
  ev = final_with (c, 2, 3000);
  ev->type = GST_STT_EVENT_PARTIAL;
  fail_unless_equals_int (gst_stt_speaker_tracker_feed (&tracker, ev, turns),
      0);
  ev->type = GST_STT_EVENT_FINAL;
  fail_unless_equals_int (gst_stt_speaker_tracker_feed (&tracker, ev, turns),
      1);
  gst_stt_event_free (ev);
  t = &g_array_index (turns, GstSttTurn, 2);
  fail_unless_equals_string (t->speaker, "0");
  fail_unless_equals_int64 (t->at_ms, 3100);

  /* a turn-based final: no words, a speaker */
  ev = gst_stt_event_new (GST_STT_EVENT_FINAL);
  ev->speaker = g_strdup ("B");
  ev->start_ms = 4000;
  fail_unless_equals_int (gst_stt_speaker_tracker_feed (&tracker, ev, turns),
      1);
  fail_unless_equals_int64 (g_array_index (turns, GstSttTurn, 3).at_ms,
      4000);
  gst_stt_event_free (ev);

  g_array_unref (turns);
  gst_stt_speaker_tracker_clear (&tracker);
}

GST_END_TEST;

GST_START_TEST (test_seconds_to_ms)
{
  fail_unless_equals_int64 (gst_stt_seconds_to_ms (1.2345), 1235);
  fail_unless_equals_int64 (gst_stt_seconds_to_ms (0.0004), 0);
  fail_unless_equals_int64 (gst_stt_seconds_to_ms (-3.0), 0);
  fail_unless_equals_int64 (gst_stt_seconds_to_ms (NAN), 0);
  fail_unless_equals_int64 (gst_stt_seconds_to_ms (INFINITY),
      366LL * 24 * 3600 * 1000);
  fail_unless_equals_int64 (gst_stt_seconds_to_ms (1e300),
      366LL * 24 * 3600 * 1000);
}

GST_END_TEST;

GST_START_TEST (test_event_defaults)
{
  GstSttEvent *ev = gst_stt_event_new (GST_STT_EVENT_UTTERANCE_END);

  fail_unless_equals_int64 (ev->start_ms, GST_STT_TIME_NONE);
  fail_unless_equals_int64 (ev->end_ms, GST_STT_TIME_NONE);
  fail_unless_equals_float (ev->confidence, GST_STT_CONFIDENCE_NONE);
  fail_unless (ev->words != NULL && ev->words->len == 0);
  fail_unless_equals_string (gst_stt_event_type_name (ev->type),
      "utterance-end");
  gst_stt_event_free (ev);
  gst_stt_event_free (NULL);
}

GST_END_TEST;

GST_START_TEST (test_normalize)
{
  GstSttEvent *ev = gst_stt_event_new (GST_STT_EVENT_FINAL);

  ev->text = g_strdup ("a\xed\xa0\x80" "b");
  ev->speaker = g_strdup ("\xff");
  ev->start_ms = 500;
  ev->end_ms = 100;
  gst_stt_event_add_word (ev, "ok\xc3", 300, 200, 0.5, "s\x80");
  gst_stt_event_normalize (ev);
  fail_unless (g_utf8_validate (ev->text, -1, NULL));
  fail_unless (g_str_has_prefix (ev->text, "a\xef\xbf\xbd"));
  fail_unless (g_utf8_validate (ev->speaker, -1, NULL));
  fail_unless_equals_int64 (ev->end_ms, 500);
  fail_unless (g_utf8_validate (g_array_index (ev->words, GstSttWord,
              0).text, -1, NULL));
  fail_unless (g_utf8_validate (g_array_index (ev->words, GstSttWord,
              0).speaker, -1, NULL));
  fail_unless_equals_int64 (g_array_index (ev->words, GstSttWord, 0).end_ms,
      300);
  gst_stt_event_free (ev);
}

GST_END_TEST;

static Suite *
stt_event_suite (void)
{
  Suite *s = suite_create ("stt-event");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_turns_only_on_change);
  tcase_add_test (tc, test_seconds_to_ms);
  tcase_add_test (tc, test_event_defaults);
  tcase_add_test (tc, test_normalize);
  return s;
}

GST_CHECK_MAIN (stt_event);
