/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* stttranscriber with GstHarness and its test clock against the
 * in-process Vosk-protocol peer (stt-vosk-peer.h): the text stream's
 * contract. tests/stt/test_stttranscriber.py runs it with stock elements
 * downstream. */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <string.h>

#include "stt-vosk-peer.h"

#include "../common/unmappable.h"

#define RATE 16000
#define CAPS "audio/x-raw,format=S16LE,layout=interleaved,rate=16000," \
  "channels=1"
#define BUFFER_FRAMES 1600      /* 100 ms */
#define silence(first_frame, frames) \
  stt_test_silence (RATE, first_frame, frames)

/* The element on the peer, with @props ("name=value name=value") set
 * before it starts, in a harness. */
static GstHarness *
transcriber_harness (VoskPeer * peer, const gchar * props)
{
  GstElement *t = gst_element_factory_make ("stttranscriber", NULL);
  gchar *url = vosk_peer_url (peer);
  GstHarness *h;

  fail_unless (t != NULL);
  gst_util_set_object_arg (G_OBJECT (t), "backend", "vosk");
  g_object_set (t, "url", url, NULL);
  g_free (url);
  if (props != NULL) {
    gchar **pairs = g_strsplit (props, " ", -1), **kv;

    for (kv = pairs; *kv != NULL; kv++) {
      gchar **pair = g_strsplit (*kv, "=", 2);

      gst_util_set_object_arg (G_OBJECT (t), pair[0], pair[1]);
      g_strfreev (pair);
    }
    g_strfreev (pairs);
  }
  h = gst_harness_new_with_element (t, "sink", "src");
  gst_object_unref (t);
  return h;
}

static gchar *
buffer_text (GstBuffer * buf)
{
  GstMapInfo map;
  gchar *text;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  text = g_strndup ((const gchar *) map.data, map.size);
  gst_buffer_unmap (buf, &map);
  return text;
}

static void
push_audio (GstHarness * h, guint n_buffers)
{
  guint n;

  for (n = 0; n < n_buffers; n++)
    fail_unless_equals_int (gst_harness_push (h, silence (n * BUFFER_FRAMES,
                BUFFER_FRAMES)), GST_FLOW_OK);
}

GST_START_TEST (test_defaults_and_pads)
{
  GstElement *t = gst_element_factory_make ("stttranscriber", NULL);
  GstPad *src;
  GstCaps *caps, *expected;
  guint latency;
  gint interim;

  fail_unless (t != NULL);
  g_object_get (t, "latency-ms", &latency, "interim", &interim, NULL);
  fail_unless_equals_int (latency, 8000);
  fail_unless_equals_int (interim, 0);
  src = gst_element_get_static_pad (t, "src");
  caps = gst_pad_query_caps (src, NULL);
  expected = gst_caps_from_string ("text/x-raw, format=utf8");
  fail_unless (gst_caps_is_equal (caps, expected));
  gst_caps_unref (expected);
  gst_caps_unref (caps);
  gst_object_unref (src);
  gst_object_unref (t);
}

GST_END_TEST;

/* Each final of the peer becomes one buffer: its text, PTS the running
 * time of its first word, duration that of its words, no DELTA_UNIT; the
 * last one (the reply to end-of-stream) comes before EOS. */
GST_START_TEST (test_finals_become_buffers_before_eos)
{
  VoskPeer *peer = vosk_peer_new (FALSE);
  GstHarness *h = transcriber_harness (peer, NULL);
  GstBuffer *buf = NULL;
  GstCaps *caps, *expected;
  guint index = 0;
  gboolean last_seen = FALSE;

  gst_harness_set_src_caps_str (h, CAPS);
  push_audio (h, 30);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  while (gst_harness_pull_until_eos (h, &buf) && buf != NULL) {
    gchar *text = buffer_text (buf);
    gchar *want = g_strdup_printf ("w%u", index);

    fail_if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT));
    if (g_str_equal (text, "last")) {
      last_seen = TRUE;
    } else {
      fail_if (last_seen, "%s after the last final", text);
      fail_unless_equals_string (text, want);
      fail_unless_equals_uint64 (GST_BUFFER_PTS (buf),
          index * 500 * GST_MSECOND);
      fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf),
          400 * GST_MSECOND);
      index++;
    }
    g_free (want);
    g_free (text);
    gst_buffer_unref (buf);
  }
  /* 30 frames: a final every 5, then the reply to {"eof" : 1} */
  fail_unless_equals_int (index, 6);
  fail_unless (last_seen);

  caps = gst_pad_get_current_caps (h->sinkpad);
  expected = gst_caps_from_string ("text/x-raw, format=utf8");
  fail_unless (caps != NULL && gst_caps_is_equal (caps, expected));
  gst_caps_unref (expected);
  gst_caps_unref (caps);

  gst_harness_teardown (h);
  vosk_peer_free (peer);
}

GST_END_TEST;

/* A live upstream's latency plus latency-ms. */
GST_START_TEST (test_latency_query)
{
  VoskPeer *peer = vosk_peer_new (FALSE);
  GstHarness *h = transcriber_harness (peer, "latency-ms=1500");

  gst_harness_set_src_caps_str (h, CAPS);
  gst_harness_set_upstream_latency (h, 40 * GST_MSECOND);
  fail_unless_equals_uint64 (gst_harness_query_latency (h),
      1540 * GST_MSECOND);

  gst_harness_teardown (h);
  vosk_peer_free (peer);
}

GST_END_TEST;

/* Pulls events until a GAP that ends at @end (at most 5 s); FALSE if none
 * does. Checks that GAPs never go back. */
static gboolean
wait_gap_until (GstHarness * h, GstClockTime end, GstClockTime * last_end)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  while (g_get_monotonic_time () < deadline) {
    GstEvent *ev = gst_harness_try_pull_event (h);
    GstClockTime ts, dur;

    if (ev == NULL) {
      g_usleep (10000);
      continue;
    }
    if (GST_EVENT_TYPE (ev) == GST_EVENT_GAP) {
      gst_event_parse_gap (ev, &ts, &dur);
      fail_unless (ts >= *last_end || ts + dur == 0, "GAP went back");
      *last_end = MAX (*last_end, ts + dur);
      if (ts + dur == end) {
        gst_event_unref (ev);
        return TRUE;
      }
      fail_unless (ts + dur < end, "GAP past %" GST_TIME_FORMAT,
          GST_TIME_ARGS (end));
    }
    gst_event_unref (ev);
  }
  return FALSE;
}

/* In silence, GAP events follow the clock latency-ms behind it: up to
 * 2 s at 3 s, up to 5 s at 6 s, never further. */
GST_START_TEST (test_gaps_follow_the_clock)
{
  VoskPeer *peer = vosk_peer_new (FALSE);
  GstHarness *h = transcriber_harness (peer, "latency-ms=1000");
  GstClockTime last_end = 0;

  gst_harness_use_testclock (h);
  gst_harness_set_src_caps_str (h, CAPS);
  push_audio (h, 3);

  gst_harness_set_time (h, 3 * GST_SECOND);
  fail_unless (wait_gap_until (h, 2 * GST_SECOND, &last_end));
  gst_harness_set_time (h, 6 * GST_SECOND);
  fail_unless (wait_gap_until (h, 5 * GST_SECOND, &last_end));
  fail_unless_equals_uint64 (last_end, 5 * GST_SECOND);

  gst_harness_teardown (h);
  vosk_peer_free (peer);
}

GST_END_TEST;

/* interim=partial: the peer's partials are DELTA_UNIT buffers between
 * the unflagged finals. */
GST_START_TEST (test_partials_flagged)
{
  VoskPeer *peer = vosk_peer_new (FALSE);
  GstHarness *h = transcriber_harness (peer, "interim=partial");
  GstBuffer *buf = NULL;
  guint partials = 0, finals = 0;

  gst_harness_set_src_caps_str (h, CAPS);
  push_audio (h, 10);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  while (gst_harness_pull_until_eos (h, &buf) && buf != NULL) {
    gchar *text = buffer_text (buf);

    if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT)) {
      fail_unless_equals_string (text, "w");
      partials++;
    } else {
      fail_unless ((text[0] == 'w' && text[1] != '\0') ||
          g_str_equal (text, "last"), "%s", text);
      finals++;
    }
    g_free (text);
    gst_buffer_unref (buf);
  }
  /* 10 frames: 8 partials, 2 finals, and the last one */
  fail_unless_equals_int (partials, 8);
  fail_unless_equals_int (finals, 3);

  gst_harness_teardown (h);
  vosk_peer_free (peer);
}

GST_END_TEST;

/* A refused handshake is an ERROR that says so, and EOS does not go
 * downstream (the text would pass for complete). */
GST_START_TEST (test_refused_is_error_without_eos)
{
  VoskPeer *peer = vosk_peer_new (TRUE);
  GstHarness *h = transcriber_harness (peer, NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GstEvent *ev;
  GError *err = NULL;

  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, CAPS);
  push_audio (h, 2);
  msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (strstr (err->message, "403") != NULL ||
      strstr (err->message, "authentication") != NULL ||
      strstr (err->message, "refused") != NULL, "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);

  fail_if (gst_harness_push_event (h, gst_event_new_eos ()));
  while ((ev = gst_harness_try_pull_event (h)) != NULL) {
    fail_if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS);
    gst_event_unref (ev);
  }

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  vosk_peer_free (peer);
}

GST_END_TEST;

/* A flush (a seek) drops what was queued and the text goes on: after
 * FLUSH_START/STOP and a new segment, text flows again, and EOS still comes
 * after the last final. */
GST_START_TEST (test_flush_then_eos)
{
  VoskPeer *peer = vosk_peer_new (FALSE);
  GstHarness *h = transcriber_harness (peer, NULL);
  GstBuffer *buf = NULL;
  GstSegment segment;
  gboolean last_seen = FALSE, eos;

  gst_harness_set_src_caps_str (h, CAPS);
  push_audio (h, 10);
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  push_audio (h, 10);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  while ((eos = gst_harness_pull_until_eos (h, &buf)) && buf != NULL) {
    gchar *text = buffer_text (buf);

    last_seen = g_str_equal (text, "last");
    g_free (text);
    gst_buffer_unref (buf);
  }
  fail_unless (eos);
  fail_unless (last_seen);

  gst_harness_teardown (h);
  vosk_peer_free (peer);
}

GST_END_TEST;

/* Upstream offers only a rate the backend does not take: an ERROR says
 * what to put before the element, naming this element, once. */
GST_START_TEST (test_wrong_rate_says_what_to_add)
{
  GstElement *t = gst_element_factory_make ("stttranscriber", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstMessage *msg;
  GError *err = NULL;

  gst_util_set_object_arg (G_OBJECT (t), "backend", "openai");
  g_object_set (t, "url", "ws://127.0.0.1:9/", NULL);
  gst_element_set_bus (t, bus);
  h = gst_harness_new_with_element (t, "sink", "src");
  gst_harness_set_src_caps_str (h, CAPS);       /* 16 kHz */
  fail_unless_equals_int (gst_harness_push (h, silence (0, BUFFER_FRAMES)),
      GST_FLOW_NOT_NEGOTIATED);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_CORE_ERROR,
          GST_CORE_ERROR_NEGOTIATION));
  fail_unless (g_str_has_prefix (err->message, "OpenAI takes audio at "
          "24000 Hz only, not 16000 Hz: put audioresample before "
          "stttranscriber"), "%s", err->message);
  fail_if (strstr (err->message, "sttpushsink") != NULL, "%s",
      err->message);
  g_error_free (err);
  gst_message_unref (msg);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);

  gst_element_set_bus (t, NULL);
  gst_harness_teardown (h);
  gst_object_unref (t);
  gst_object_unref (bus);
}

GST_END_TEST;

/* Audio that cannot be read is an ERROR that says what to put before the
 * element, as in the sinks. */
GST_START_TEST (test_unreadable_buffer_is_an_error_to_act_on)
{
  VoskPeer *peer = vosk_peer_new (FALSE);
  GstHarness *h = transcriber_harness (peer, NULL);
  GstBus *bus = gst_bus_new ();
  GstBuffer *buf = test_unmappable_buffer_new (3200);

  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) = 100 * GST_MSECOND;
  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, CAPS);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_ERROR);

  test_check_unreadable_error (bus, 3200);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  vosk_peer_free (peer);
}

GST_END_TEST;

static Suite *
stttranscriber_suite (void)
{
  Suite *s = suite_create ("stttranscriber");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_defaults_and_pads);
  tcase_add_test (tc, test_finals_become_buffers_before_eos);
  tcase_add_test (tc, test_latency_query);
  tcase_add_test (tc, test_gaps_follow_the_clock);
  tcase_add_test (tc, test_partials_flagged);
  tcase_add_test (tc, test_refused_is_error_without_eos);
  tcase_add_test (tc, test_flush_then_eos);
  tcase_add_test (tc, test_wrong_rate_says_what_to_add);
  tcase_add_test (tc, test_unreadable_buffer_is_an_error_to_act_on);
  return s;
}

GST_CHECK_MAIN (stttranscriber);
