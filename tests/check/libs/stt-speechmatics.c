/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The Speechmatics (real-time v2) adapter as a pure function:
 * StartRecognition first, no audio before RecognitionStarted, frames
 * counted and acknowledged by AudioAdded, partials and additive finals
 * whose punctuation marks are glued to their words, EndOfUtterance,
 * EndOfStream with last_seq_no → EndOfTranscript. */

#include <gst/check/gstcheck.h>
#include <string.h>

#include "stt-backend.h"

#define KEY "sm-secret-0123456789"
#define FRAME_BYTES 3200        /* 100 ms at 16 kHz mono */

static GstSttSettings
default_settings (void)
{
  GstSttSettings s = {
    .backend = GST_STT_BACKEND_SPEECHMATICS,
    .api_key = KEY,
    .interim_results = TRUE,
    .rate = 16000,
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

static GPtrArray *
parse_ok (GstSttAdapter * a, const gchar * json)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_stt_event_free);
  GError *err = NULL;

  fail_unless (gst_stt_adapter_parse (a, json, strlen (json), events, &err),
      "%s: %s", json, err ? err->message : "?");
  return events;
}

static void
parse_refused (GstSttAdapter * a, const gchar * json)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_stt_event_free);
  GError *err = NULL;

  fail_if (gst_stt_adapter_parse (a, json, strlen (json), events, &err),
      "accepted: %s", json);
  fail_unless (g_error_matches (err, GST_STT_ERROR, GST_STT_ERROR_MALFORMED));
  g_error_free (err);
  g_ptr_array_unref (events);
}

static void
drop (GPtrArray * events)
{
  g_ptr_array_unref (events);
}

static GstSttEvent *
event (GPtrArray * events, guint i)
{
  fail_unless (i < events->len, "event %u of %u", i, events->len);
  return g_ptr_array_index (events, i);
}

static const GstSttWord *
word (GstSttEvent * ev, guint i)
{
  fail_unless (i < ev->words->len, "word %u of %u", i, ev->words->len);
  return &g_array_index (ev->words, GstSttWord, i);
}

static void
send_frame (GstSttAdapter * a)
{
  static guint8 pcm[FRAME_BYTES];
  gboolean is_text = TRUE;
  GBytes *frame;

  fail_unless (gst_stt_adapter_may_send_audio (a));
  frame = gst_stt_adapter_frame_audio (a, pcm, sizeof (pcm), &is_text);
  fail_if (is_text);
  fail_unless_equals_int (g_bytes_get_size (frame), FRAME_BYTES);
  g_bytes_unref (frame);
}

#define RESULT(type, start, end, content, extra) \
  "{\"type\": \"" type "\", \"start_time\": " start ", \"end_time\": " end \
  ", " extra "\"alternatives\": [{\"content\": \"" content "\", " \
  "\"confidence\": 0.9, \"language\": \"en\", \"speaker\": \"S1\"}]}"

#define WORD(start, end, content) RESULT ("word", start, end, content, "")
#define MARK(at, content, attaches) \
  RESULT ("punctuation", at, at, content, \
      "\"is_eos\": false, \"attaches_to\": \"" attaches "\", ")

GST_START_TEST (test_start_recognition)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  const GstSttRequest *r = gst_stt_adapter_get_request (a);

  fail_unless_equals_string (r->url, "wss://eu.rt.speechmatics.com/v2");
  fail_unless_equals_string (g_array_index (r->headers, GstSttHeader,
          0).name, "Authorization");
  fail_unless_equals_string (g_array_index (r->headers, GstSttHeader,
          0).value, "Bearer " KEY);
  fail_unless_equals_string (r->first_message,
      "{\"message\":\"StartRecognition\",\"audio_format\":{\"type\":\"raw\","
      "\"encoding\":\"pcm_s16le\",\"sample_rate\":16000},"
      "\"transcription_config\":{\"language\":\"en\","
      "\"enable_partials\":true,\"conversation_config\":"
      "{\"end_of_utterance_silence_trigger\":0.75}}}");
  gst_stt_adapter_free (a);

  /* settings, and extra merged member by member */
  s.language = "de";
  s.model = "enhanced";
  s.diarize = TRUE;
  s.interim_results = FALSE;
  s.extra = "{\"transcription_config\": {\"max_delay\": 2, "
      "\"conversation_config\": null, \"additional_vocab\": "
      "[{\"content\": \"GStreamer\"}]}}";
  a = adapter_new (&s);
  fail_unless_equals_string (gst_stt_adapter_get_request (a)->first_message,
      "{\"message\":\"StartRecognition\",\"audio_format\":{\"type\":\"raw\","
      "\"encoding\":\"pcm_s16le\",\"sample_rate\":16000},"
      "\"transcription_config\":{\"language\":\"de\","
      "\"operating_point\":\"enhanced\",\"enable_partials\":false,"
      "\"diarization\":\"speaker\",\"max_delay\":2,\"additional_vocab\":"
      "[{\"content\":\"GStreamer\"}]}}");
  gst_stt_adapter_free (a);

  /* a region is the output locale */
  s = default_settings ();
  s.language = "en-US";
  a = adapter_new (&s);
  fail_unless (strstr (gst_stt_adapter_get_request (a)->first_message,
          "\"language\":\"en\",\"output_locale\":\"en-US\"") != NULL);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_audio_waits_for_recognition_and_acks)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  gchar *eos;
  guint i;

  /* nothing before RecognitionStarted */
  fail_if (gst_stt_adapter_may_send_audio (a));
  ev = parse_ok (a, "{\"message\": \"RecognitionStarted\", \"id\": "
      "\"807670e9-14af-4fa2-9e8f-5d525c22156e\", \"orchestrator_version\": "
      "\"2024.12.1\"}");
  fail_unless_equals_string (event (ev, 0)->kind, "RecognitionStarted");
  drop (ev);

  /* at most 50 frames unacknowledged */
  for (i = 0; i < 50; i++)
    send_frame (a);
  fail_if (gst_stt_adapter_may_send_audio (a));
  drop (parse_ok (a, "{\"message\": \"AudioAdded\", \"seq_no\": 10}"));
  fail_unless (gst_stt_adapter_may_send_audio (a));
  for (i = 0; i < 10; i++)
    send_frame (a);
  fail_if (gst_stt_adapter_may_send_audio (a));
  /* an ack beyond what was sent cannot unbound it */
  drop (parse_ok (a, "{\"message\": \"AudioAdded\", \"seq_no\": 9999}"));
  fail_unless (gst_stt_adapter_may_send_audio (a));
  parse_refused (a, "{\"message\": \"AudioAdded\"}");

  /* EndOfStream names the last frame sent */
  eos = gst_stt_adapter_eos_message (a);
  fail_unless_equals_string (eos,
      "{\"message\":\"EndOfStream\",\"last_seq_no\":60}");
  g_free (eos);
  fail_if (gst_stt_adapter_is_finished (a));
  ev = parse_ok (a, "{\"message\": \"EndOfTranscript\"}");
  fail_unless (gst_stt_adapter_is_finished (a));
  drop (ev);

  /* a new session starts from scratch */
  gst_stt_adapter_start_session (a);
  fail_if (gst_stt_adapter_may_send_audio (a));
  drop (parse_ok (a, "{\"message\": \"RecognitionStarted\"}"));
  send_frame (a);
  eos = gst_stt_adapter_eos_message (a);
  fail_unless_equals_string (eos,
      "{\"message\":\"EndOfStream\",\"last_seq_no\":1}");
  g_free (eos);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_punctuation_attached)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  GstSttEvent *e;

  drop (parse_ok (a, "{\"message\": \"RecognitionStarted\"}"));

  ev = parse_ok (a, "{\"message\": \"AddPartialTranscript\", \"format\": "
      "\"2.9\", \"metadata\": {\"start_time\": 0.5, \"end_time\": 1.2, "
      "\"transcript\": \"Hello\"}, \"results\": [" WORD ("0.55", "0.95",
          "Hello") "]}");
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_PARTIAL);
  fail_unless_equals_string (e->text, "Hello");
  fail_unless_equals_int64 (e->start_ms, 500);
  fail_unless_equals_int64 (e->end_ms, 1200);
  drop (ev);

  ev = parse_ok (a, "{\"message\": \"AddTranscript\", \"format\": \"2.9\", "
      "\"metadata\": {\"start_time\": 0.5, \"end_time\": 2.4, \"transcript\":"
      " \"Hello, world. \"}, \"results\": [" WORD ("0.55", "0.95", "Hello") ", "
      MARK ("0.95", ",", "previous") ", " WORD ("1.1", "1.6", "world") ", "
      MARK ("1.6", ".", "previous") "]}");
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_FINAL);
  fail_unless_equals_string (e->text, "Hello, world.");
  fail_unless_equals_int (e->words->len, 2);
  fail_unless_equals_string (word (e, 0)->text, "Hello,");
  fail_unless_equals_int64 (word (e, 0)->start_ms, 550);
  fail_unless_equals_int64 (word (e, 0)->end_ms, 950);
  fail_unless_equals_string (word (e, 1)->text, "world.");
  fail_unless_equals_string (word (e, 1)->speaker, "S1");
  fail_unless_equals_string (e->speaker, "S1");
  fail_unless_equals_int64 (e->start_ms, 500);
  fail_unless_equals_int64 (e->end_ms, 2400);
  fail_unless_equals_float (e->confidence, 0.9);
  drop (ev);

  /* marks that open (next), join (both) or stand alone (none) */
  ev = parse_ok (a, "{\"message\": \"AddTranscript\", \"metadata\": "
      "{\"start_time\": 2.4, \"end_time\": 4.0}, \"results\": ["
      MARK ("2.5", "\\u00bf", "next") ", " WORD ("2.5", "2.8", "well") ", "
      MARK ("2.8", "-", "both") ", " WORD ("2.8", "3.2", "known") ", "
      MARK ("3.2", "?", "previous") ", " MARK ("3.3", "\\u2026", "none")
      "]}");
  e = event (ev, 0);
  fail_unless_equals_string (e->text, "\xc2\xbfwell-known?\xe2\x80\xa6");
  fail_unless_equals_int (e->words->len, 1);
  fail_unless_equals_int64 (word (e, 0)->start_ms, 2500);
  fail_unless_equals_int64 (word (e, 0)->end_ms, 3200);
  drop (ev);

  /* an empty final commits its span; an empty partial says nothing */
  ev = parse_ok (a, "{\"message\": \"AddTranscript\", \"metadata\": "
      "{\"start_time\": 4.0, \"end_time\": 5.0, \"transcript\": \"\"}, "
      "\"results\": []}");
  fail_unless_equals_int (ev->len, 1);
  fail_unless_equals_string (event (ev, 0)->text, "");
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 5000);
  drop (ev);
  ev = parse_ok (a, "{\"message\": \"AddPartialTranscript\", \"metadata\": "
      "{\"start_time\": 5.0, \"end_time\": 5.5}, \"results\": []}");
  fail_unless_equals_int (ev->len, 0);
  drop (ev);

  ev = parse_ok (a, "{\"message\": \"EndOfUtterance\", \"format\": \"2.9\", "
      "\"metadata\": {\"start_time\": 3.2, \"end_time\": 3.2}}");
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_UTTERANCE_END);
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 3200);
  drop (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_partials_off_and_unknown_speaker)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  GPtrArray *ev;

  s.interim_results = FALSE;
  a = adapter_new (&s);
  ev = parse_ok (a, "{\"message\": \"AddPartialTranscript\", \"metadata\": "
      "{\"start_time\": 0, \"end_time\": 1}, \"results\": ["
      WORD ("0.1", "0.4", "hi") "]}");
  fail_unless_equals_int (ev->len, 0);
  drop (ev);
  ev = parse_ok (a, "{\"message\": \"AddTranscript\", \"metadata\": "
      "{\"start_time\": 0, \"end_time\": 1}, \"results\": [{\"type\": "
      "\"word\", \"start_time\": 0.1, \"end_time\": 0.4, \"alternatives\": "
      "[{\"content\": \"hi\", \"confidence\": 1.0, \"speaker\": \"UU\"}]}]}");
  fail_unless (event (ev, 0)->speaker == NULL);
  drop (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_errors_and_close_codes)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  gboolean fatal;
  gchar *text;

  ev = parse_ok (a, "{\"message\": \"Error\", \"type\": \"not_authorised\", "
      "\"reason\": \"Permission Denied\"}");
  fail_unless (event (ev, 0)->fatal && event (ev, 0)->auth);
  fail_unless_equals_string (event (ev, 0)->kind, "not_authorised");
  fail_unless_equals_string (event (ev, 0)->text, "Permission Denied");
  drop (ev);
  ev = parse_ok (a, "{\"message\": \"Error\", \"type\": \"invalid_model\", "
      "\"reason\": \"unsupported language xx\"}");
  fail_unless (event (ev, 0)->fatal);
  fail_if (event (ev, 0)->auth);
  drop (ev);
  ev = parse_ok (a, "{\"message\": \"Error\", \"type\": \"quota_exceeded\", "
      "\"reason\": \"Quota exceeded\"}");
  fail_if (event (ev, 0)->fatal);
  drop (ev);
  ev = parse_ok (a, "{\"message\": \"Warning\", \"type\": "
      "\"duration_limit_exceeded\", \"reason\": \"...\"}");
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_METADATA);
  drop (ev);

  fail_unless (gst_stt_adapter_close_is_auth (a, 4001));
  fail_if (gst_stt_adapter_close_is_auth (a, 4005));
  text = gst_stt_adapter_describe_close (a, 4005, "quota_exceeded", &fatal);
  fail_unless_equals_string (text, "Speechmatics quota exceeded (close code "
      "4005: quota_exceeded)");
  fail_if (fatal);
  g_free (text);

  parse_refused (a, "{\"type\": \"AddTranscript\"}");
  parse_refused (a, "{\"message\": \"AddTranscript\", \"results\": []}");
  parse_refused (a, "{\"message\": \"EndOfUtterance\", \"metadata\": {}}");
  /* odd shapes inside are tolerated */
  drop (parse_ok (a, "{\"message\": \"AddTranscript\", \"metadata\": "
          "{\"start_time\": 1, \"end_time\": 0}, \"results\": [null, 1, "
          "{\"type\": \"punctuation\", \"alternatives\": [{\"content\": "
          "\".\"}]}, {\"type\": \"word\", \"alternatives\": []}, {\"type\": "
          "\"word\", \"alternatives\": [{\"content\": 5}]}]}"));
  gst_stt_adapter_free (a);
}

GST_END_TEST;

static Suite *
stt_speechmatics_suite (void)
{
  Suite *s = suite_create ("stt-speechmatics");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_start_recognition);
  tcase_add_test (tc, test_audio_waits_for_recognition_and_acks);
  tcase_add_test (tc, test_punctuation_attached);
  tcase_add_test (tc, test_partials_off_and_unknown_speaker);
  tcase_add_test (tc, test_errors_and_close_codes);
  return s;
}

GST_CHECK_MAIN (stt_speechmatics);
