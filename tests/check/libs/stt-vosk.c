/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The Vosk adapter as a pure function. Vosk answers every audio frame
 * with exactly one message, so the adapter knows which audio each reply
 * covers; the sequences below are what vosk-server sends for 250 ms
 * frames of "one two three" followed by end-of-stream. */

#include <gst/check/gstcheck.h>
#include <string.h>

#include "stt-backend.h"

#define RATE 16000
#define FRAME_BYTES (RATE / 4 * 2)      /* 250 ms, mono S16LE */

static GstSttSettings
default_settings (void)
{
  GstSttSettings s = {
    .backend = GST_STT_BACKEND_VOSK,
    .interim_results = TRUE,
    .rate = RATE,
    .channels = 1,
  };
  return s;
}

static GstSttAdapter *
adapter_new (const GstSttSettings * s)
{
  GError *err = NULL;
  GstSttAdapter *a = gst_stt_adapter_new (s, &err);

  fail_unless (a != NULL, "%s", err ? err->message : "?");
  gst_stt_adapter_start_session (a);
  return a;
}

static void
send_frame (GstSttAdapter * a)
{
  static guint8 pcm[FRAME_BYTES];
  gboolean is_text = TRUE;
  GBytes *frame = gst_stt_adapter_frame_audio (a, pcm, sizeof (pcm),
      &is_text);

  fail_if (is_text);
  fail_unless_equals_int (g_bytes_get_size (frame), FRAME_BYTES);
  g_bytes_unref (frame);
}

static GPtrArray *
reply (GstSttAdapter * a, const gchar * json)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_stt_event_free);
  GError *err = NULL;

  fail_unless (gst_stt_adapter_parse (a, json, strlen (json), events, &err),
      "%s: %s", json, err ? err->message : "?");
  return events;
}

static GstSttEvent *
event (GPtrArray * events, guint i)
{
  fail_unless (i < events->len, "event %u of %u", i, events->len);
  return g_ptr_array_index (events, i);
}

GST_START_TEST (test_request_and_config)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  const GstSttRequest *r = gst_stt_adapter_get_request (a);

  fail_unless_equals_string (r->url, "ws://localhost:2700");
  fail_unless_equals_string (r->display_url, "ws://localhost:2700");
  fail_unless_equals_int (r->headers->len, 0);
  fail_unless_equals_string (r->first_message,
      "{\"config\":{\"sample_rate\":16000,\"words\":true}}");
  gst_stt_adapter_free (a);

  /* extra goes into the config; null removes; the url is taken as is */
  s.url = "ws://10.0.0.2:2800/asr";
  s.extra = "{\"phrase_list\": [\"one\", \"two\", \"[unk]\"], "
      "\"max_alternatives\": 0, \"words\": null}";
  /* no key needed, and a key given is not sent anywhere */
  s.api_key = "unused";
  a = adapter_new (&s);
  r = gst_stt_adapter_get_request (a);
  fail_unless_equals_string (r->url, "ws://10.0.0.2:2800/asr");
  fail_unless_equals_int (r->headers->len, 0);
  fail_unless_equals_string (r->first_message,
      "{\"config\":{\"sample_rate\":16000,\"phrase_list\":[\"one\",\"two\","
      "\"[unk]\"],\"max_alternatives\":0}}");
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_mono_only)
{
  GstSttSettings s = default_settings ();
  GError *err = NULL;

  s.channels = 2;
  fail_if (gst_stt_adapter_new (&s, &err));
  fail_unless_equals_string (err->message,
      "Vosk takes at most 1 channel, not 2");
  g_error_free (err);
}

GST_END_TEST;

GST_START_TEST (test_utterance_sequence)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  GstSttEvent *e;
  gchar *eof;
  guint i;

  for (i = 0; i < 6; i++)
    send_frame (a);

  /* replies to frames 1-3: silence, then partial hypotheses */
  ev = reply (a, "{\n  \"partial\" : \"\"\n}");
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);
  ev = reply (a, "{\n  \"partial\" : \"one\"\n}");
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_PARTIAL);
  fail_unless_equals_string (e->text, "one");
  fail_unless_equals_int64 (e->start_ms, 0);
  fail_unless_equals_int64 (e->end_ms, 500);    /* end of frame 2 */
  g_ptr_array_unref (ev);
  ev = reply (a, "{\n  \"partial\" : \"one two\"\n}");
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 750);
  g_ptr_array_unref (ev);

  /* frame 4: the recogniser ends the utterance */
  ev = reply (a, "{\n  \"result\" : [{\n      \"conf\" : 1.000000,\n"
      "      \"end\" : 0.450000,\n      \"start\" : 0.120000,\n"
      "      \"word\" : \"one\"\n    }, {\n      \"conf\" : 0.900000,\n"
      "      \"end\" : 0.810000,\n      \"start\" : 0.480000,\n"
      "      \"word\" : \"two\"\n    }],\n  \"text\" : \"one two\"\n}");
  fail_unless_equals_int (ev->len, 2);
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_FINAL);
  fail_unless_equals_string (e->text, "one two");
  fail_unless_equals_int64 (e->start_ms, 120);
  fail_unless_equals_int64 (e->end_ms, 810);
  fail_unless_equals_float (e->confidence, 0.95);
  fail_unless (e->speaker == NULL);
  fail_unless_equals_int (e->words->len, 2);
  fail_unless_equals_string (g_array_index (e->words, GstSttWord, 1).text,
      "two");
  fail_unless_equals_int64 (g_array_index (e->words, GstSttWord,
          1).start_ms, 480);
  e = event (ev, 1);
  fail_unless_equals_int (e->type, GST_STT_EVENT_UTTERANCE_END);
  fail_unless_equals_int64 (e->end_ms, 810);
  g_ptr_array_unref (ev);

  /* frame 5: a new partial starts after the final */
  ev = reply (a, "{\"partial\" : \"three\"}");
  fail_unless_equals_int64 (event (ev, 0)->start_ms, 810);
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 1250);
  g_ptr_array_unref (ev);

  /* at most 8 frames unanswered: 1 in flight now */
  fail_unless (gst_stt_adapter_may_send_audio (a));
  eof = gst_stt_adapter_eos_message (a);
  fail_unless_equals_string (eof, "{\"eof\" : 1}");
  g_free (eof);
  fail_if (gst_stt_adapter_may_send_audio (a));

  /* frame 6, then the answer to eof: the last result */
  ev = reply (a, "{\"partial\" : \"three\"}");
  fail_if (gst_stt_adapter_is_finished (a));
  g_ptr_array_unref (ev);
  ev = reply (a, "{\"result\" : [{\"conf\" : 0.8, \"end\" : 1.4, "
      "\"start\" : 1.05, \"word\" : \"three\"}], \"text\" : \"three\"}");
  fail_unless_equals_string (event (ev, 0)->text, "three");
  fail_unless_equals_int64 (event (ev, 0)->start_ms, 1050);
  fail_unless (gst_stt_adapter_is_finished (a));
  g_ptr_array_unref (ev);

  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_results_without_words)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  GstSttEvent *e;
  gchar *eof;

  send_frame (a);
  send_frame (a);
  /* silence ends an utterance with nothing in it: commits, no end */
  ev = reply (a, "{\"text\" : \"\"}");
  fail_unless_equals_int (ev->len, 1);
  e = event (ev, 0);
  fail_unless_equals_string (e->text, "");
  fail_unless_equals_int64 (e->end_ms, 250);
  g_ptr_array_unref (ev);
  /* words off: times from the frames the reply covers */
  ev = reply (a, "{\"text\" : \"hello\"}");
  e = event (ev, 0);
  fail_unless_equals_int64 (e->start_ms, 250);
  fail_unless_equals_int64 (e->end_ms, 500);
  fail_unless_equals_float (e->confidence, GST_STT_CONFIDENCE_NONE);
  g_ptr_array_unref (ev);

  /* eof right away: an empty FinalResult ends the session */
  eof = gst_stt_adapter_eos_message (a);
  g_free (eof);
  ev = reply (a, "{\"text\" : \"\"}");
  fail_unless (gst_stt_adapter_is_finished (a));
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_alternatives)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  GstSttEvent *e;

  send_frame (a);
  ev = reply (a, "{\"alternatives\" : [{\"confidence\" : 232.9, "
      "\"result\" : [{\"end\" : 0.2, \"start\" : 0.05, \"word\" : \"hi\"}], "
      "\"text\" : \"hi\"}, {\"confidence\" : 200.1, \"text\" : \"high\"}]}");
  e = event (ev, 0);
  fail_unless_equals_string (e->text, "hi");
  fail_unless_equals_int64 (e->start_ms, 50);
  /* an alternative's confidence is a score, not a probability */
  fail_unless_equals_float (e->confidence, GST_STT_CONFIDENCE_NONE);
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_in_flight_bound)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  guint i;

  for (i = 0; i < 8; i++) {
    fail_unless (gst_stt_adapter_may_send_audio (a));
    send_frame (a);
  }
  fail_if (gst_stt_adapter_may_send_audio (a));
  ev = reply (a, "{\"partial\" : \"\"}");
  g_ptr_array_unref (ev);
  fail_unless (gst_stt_adapter_may_send_audio (a));

  /* a new session forgets what the old one had in flight */
  for (i = 0; i < 1; i++)
    send_frame (a);
  fail_if (gst_stt_adapter_may_send_audio (a));
  gst_stt_adapter_start_session (a);
  fail_unless (gst_stt_adapter_may_send_audio (a));
  send_frame (a);
  ev = reply (a, "{\"partial\" : \"x\"}");
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 250);
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_interim_results_off)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  GPtrArray *ev;

  s.interim_results = FALSE;
  a = adapter_new (&s);
  send_frame (a);
  send_frame (a);
  ev = reply (a, "{\"partial\" : \"one\"}");
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);
  /* but the reply still counted: the next one covers frame 2 */
  ev = reply (a, "{\"text\" : \"one\"}");
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 500);
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_malformed_replies_skipped)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  const gchar *bad[] = {
    "{\"foo\": 1}", "[]", "{\"partial\": 3}", "{\"text\": null}", "}{",
  };
  GPtrArray *ev = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_stt_event_free);
  GError *err = NULL;
  guint i;

  send_frame (a);
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    fail_if (gst_stt_adapter_parse (a, bad[i], strlen (bad[i]), ev, &err),
        "%s accepted", bad[i]);
    fail_unless (g_error_matches (err, GST_STT_ERROR,
            GST_STT_ERROR_MALFORMED));
    g_clear_error (&err);
  }
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);

  /* garbage consumed no reply slot: the real reply still covers frame 1 */
  ev = reply (a, "{\"partial\" : \"ok\"}");
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 250);
  g_ptr_array_unref (ev);
  /* a reply nobody waits for covers nothing new */
  ev = reply (a, "{\"partial\" : \"ok too\"}");
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 250);
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_no_keepalive)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);

  fail_unless (gst_stt_adapter_keepalive_message (a) == NULL);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* A long session: the in-flight queue does not grow without bound. */
GST_START_TEST (test_long_session)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  guint i;

  for (i = 0; i < 20000; i++) {
    send_frame (a);
    ev = reply (a, "{\"partial\" : \"x\"}");
    fail_unless_equals_int64 (event (ev, 0)->end_ms, (i + 1) * 250LL);
    g_ptr_array_unref (ev);
  }
  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* Fix 6. The C++ server (websocket-cpp/asr_server.cpp) answers every
 * message, the config too (fed to the recogniser as audio: a partial).
 * Its replies run one behind: the reply to the last frame arrives where
 * the eof's answer was expected. A partial there is not the end: the
 * session waits for the eof's result, and keeps its words. */
GST_START_TEST (test_cpp_server_answers_the_config)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  gchar *eos;

  send_frame (a);
  send_frame (a);
  send_frame (a);
  eos = gst_stt_adapter_eos_message (a);
  fail_unless_equals_string (eos, "{\"eof\" : 1}");
  g_free (eos);

  /* to the config, then to the three frames: partials */
  g_ptr_array_unref (reply (a, "{\n  \"partial\" : \"\"\n}"));
  g_ptr_array_unref (reply (a, "{\n  \"partial\" : \"one\"\n}"));
  g_ptr_array_unref (reply (a, "{\n  \"partial\" : \"one two\"\n}"));
  fail_if (gst_stt_adapter_is_finished (a));
  ev = reply (a, "{\n  \"partial\" : \"one two three\"\n}");
  fail_if (gst_stt_adapter_is_finished (a), "the last frame's reply taken "
      "for the eof's answer");
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_PARTIAL);
  g_ptr_array_unref (ev);

  /* the eof's answer: the last result, then the end */
  ev = reply (a, "{\n  \"result\" : [{\"conf\" : 1.0, \"end\" : 0.4, "
      "\"start\" : 0.1, \"word\" : \"one\"}, {\"conf\" : 1.0, \"end\" : 0.7, "
      "\"start\" : 0.4, \"word\" : \"two\"}, {\"conf\" : 1.0, \"end\" : "
      "0.74, \"start\" : 0.7, \"word\" : \"three\"}],\n  \"text\" : "
      "\"one two three\"\n}");
  fail_unless (gst_stt_adapter_is_finished (a));
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_FINAL);
  fail_unless_equals_string (event (ev, 0)->text, "one two three");
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* vocabulary → the Python server's phrase_list. */
GST_START_TEST (test_vocabulary_is_phrase_list)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;

  s.vocabulary = "open the door, close the door";
  a = adapter_new (&s);
  fail_unless_equals_string (gst_stt_adapter_get_request (a)->first_message,
      "{\"config\":{\"sample_rate\":16000,\"words\":true,\"phrase_list\":"
      "[\"open the door\",\"close the door\"]}}");
  gst_stt_adapter_free (a);
}

GST_END_TEST;

static Suite *
stt_vosk_suite (void)
{
  Suite *s = suite_create ("stt-vosk");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_request_and_config);
  tcase_add_test (tc, test_mono_only);
  tcase_add_test (tc, test_utterance_sequence);
  tcase_add_test (tc, test_results_without_words);
  tcase_add_test (tc, test_alternatives);
  tcase_add_test (tc, test_in_flight_bound);
  tcase_add_test (tc, test_interim_results_off);
  tcase_add_test (tc, test_malformed_replies_skipped);
  tcase_add_test (tc, test_no_keepalive);
  tcase_add_test (tc, test_long_session);
  tcase_add_test (tc, test_cpp_server_answers_the_config);
  tcase_add_test (tc, test_vocabulary_is_phrase_list);
  return s;
}

GST_CHECK_MAIN (stt_vosk);
