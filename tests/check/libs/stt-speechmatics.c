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
  /* held for a mark that may follow; the next final releases it */
  fail_unless_equals_int (ev->len, 0);
  drop (ev);
  ev = parse_ok (a, "{\"message\": \"AddTranscript\", \"metadata\": "
      "{\"start_time\": 1, \"end_time\": 2}, \"results\": []}");
  fail_unless_equals_string (event (ev, 0)->text, "hi");
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

/* Fix 1. The Realtime API reference takes output_locale only for en-GB,
 * en-US, en-AU, cmn-Hans and cmn-Hant; other regions are dropped (the
 * language alone), Chinese is "cmn". */
GST_START_TEST (test_language_and_output_locale)
{
  static const struct
  {
    const gchar *language;
    const gchar *expected;
  } cases[] = {
    {"en-US", "\"language\":\"en\",\"output_locale\":\"en-US\""},
    {"en-gb", "\"language\":\"en\",\"output_locale\":\"en-GB\""},
    {"en-AU", "\"language\":\"en\",\"output_locale\":\"en-AU\""},
    {"en-IN", "\"language\":\"en\",\"enable_partials\""},
    {"de-DE", "\"language\":\"de\",\"enable_partials\""},
    {"fr-FR", "\"language\":\"fr\",\"enable_partials\""},
    {"zh-CN", "\"language\":\"cmn\",\"output_locale\":\"cmn-Hans\""},
    {"zh-TW", "\"language\":\"cmn\",\"output_locale\":\"cmn-Hant\""},
    {"zh", "\"language\":\"cmn\",\"enable_partials\""},
    {"cmn-Hant", "\"language\":\"cmn\",\"output_locale\":\"cmn-Hant\""},
    {"yue", "\"language\":\"yue\",\"enable_partials\""},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstSttSettings s = default_settings ();
    GstSttAdapter *a;
    const gchar *first;

    s.language = cases[i].language;
    a = adapter_new (&s);
    first = gst_stt_adapter_get_request (a)->first_message;
    fail_unless (strstr (first, cases[i].expected) != NULL, "%s: %s",
        cases[i].language, first);
    gst_stt_adapter_free (a);
  }
}

GST_END_TEST;

/* Fix 2. A mark in an AddTranscript of its own (attaches_to: previous, no
 * word in the message) belongs to the last word of the previous final:
 * that final is held until the next message, and goes out with it. */
GST_START_TEST (test_mark_in_its_own_transcript)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  GstSttEvent *e;

  drop (parse_ok (a, "{\"message\": \"RecognitionStarted\"}"));
  ev = parse_ok (a, "{\"message\": \"AddTranscript\", \"format\": \"2.9\", "
      "\"metadata\": {\"start_time\": 0.0, \"end_time\": 1.3, \"transcript\":"
      " \"Hello world\"}, \"results\": [" WORD ("0.2", "0.6", "Hello") ", "
      WORD ("0.7", "1.2", "world") "]}");
  /* ends with a word: held */
  fail_unless_equals_int (ev->len, 0);
  drop (ev);

  ev = parse_ok (a, "{\"message\": \"AddTranscript\", \"format\": \"2.9\", "
      "\"metadata\": {\"start_time\": 1.3, \"end_time\": 1.4, \"transcript\":"
      " \".\"}, \"results\": [" MARK ("1.2", ".", "previous") "]}");
  fail_unless_equals_int (ev->len, 2);
  e = event (ev, 0);
  fail_unless_equals_string (e->text, "Hello world.");
  fail_unless_equals_string (word (e, 1)->text, "world.");
  fail_unless_equals_int64 (e->start_ms, 0);
  fail_unless_equals_int64 (e->end_ms, 1300);
  /* the mark's own message: no words, it commits its span */
  fail_unless_equals_string (event (ev, 1)->text, "");
  fail_unless_equals_int64 (event (ev, 1)->end_ms, 1400);
  drop (ev);

  /* EndOfUtterance and EndOfTranscript release a held final first */
  ev = parse_ok (a, "{\"message\": \"AddTranscript\", \"metadata\": "
      "{\"start_time\": 2.0, \"end_time\": 2.6}, \"results\": ["
      WORD ("2.1", "2.5", "again") "]}");
  fail_unless_equals_int (ev->len, 0);
  drop (ev);
  ev = parse_ok (a, "{\"message\": \"EndOfUtterance\", \"metadata\": "
      "{\"start_time\": 2.6, \"end_time\": 2.6}}");
  fail_unless_equals_int (ev->len, 2);
  fail_unless_equals_string (event (ev, 0)->text, "again");
  fail_unless_equals_int (event (ev, 1)->type, GST_STT_EVENT_UTTERANCE_END);
  drop (ev);

  ev = parse_ok (a, "{\"message\": \"AddTranscript\", \"metadata\": "
      "{\"start_time\": 3.0, \"end_time\": 3.6}, \"results\": ["
      WORD ("3.1", "3.5", "bye") "]}");
  drop (ev);
  g_free (gst_stt_adapter_eos_message (a));
  ev = parse_ok (a, "{\"message\": \"EndOfTranscript\"}");
  fail_unless_equals_string (event (ev, 0)->text, "bye");
  fail_unless_equals_string (event (ev, 1)->kind, "EndOfTranscript");
  fail_unless (gst_stt_adapter_is_finished (a));
  drop (ev);

  /* after our EndOfStream nothing is held: a service that closes without
   * EndOfTranscript does not take the last words with it */
  gst_stt_adapter_start_session (a);
  drop (parse_ok (a, "{\"message\": \"RecognitionStarted\"}"));
  g_free (gst_stt_adapter_eos_message (a));
  ev = parse_ok (a, "{\"message\": \"AddTranscript\", \"metadata\": "
      "{\"start_time\": 0.0, \"end_time\": 0.6}, \"results\": ["
      WORD ("0.1", "0.5", "last") "]}");
  fail_unless_equals_int (ev->len, 1);
  fail_unless_equals_string (event (ev, 0)->text, "last");
  drop (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* Fix 7. EndOfTranscript before our EndOfStream: the service ended the
 * session (a duration limit). Not finished: a SESSION_END event, and the
 * close that follows says so. */
GST_START_TEST (test_service_ends_session)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  gboolean fatal = TRUE;
  gchar *text;

  drop (parse_ok (a, "{\"message\": \"RecognitionStarted\"}"));
  send_frame (a);
  ev = parse_ok (a, "{\"message\": \"EndOfTranscript\"}");
  fail_if (gst_stt_adapter_is_finished (a));
  fail_unless_equals_int (ev->len, 2);
  fail_unless_equals_int (event (ev, 1)->type, GST_STT_EVENT_SESSION_END);
  drop (ev);
  text = gst_stt_adapter_describe_close (a, 1000, NULL, &fatal);
  fail_if (fatal);
  fail_unless (g_str_has_prefix (text, "Speechmatics ended the session "
          "before the end of the stream (EndOfTranscript)"), "%s", text);
  g_free (text);

  /* a new session forgets it */
  gst_stt_adapter_start_session (a);
  text = gst_stt_adapter_describe_close (a, 1000, NULL, &fatal);
  fail_unless_equals_string (text, "the service ended the session (close "
      "code 1000)");
  g_free (text);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* Fix 8. Errors and closes a new session would meet again are fatal and
 * say what to change; a quota (concurrency) is not. */
GST_START_TEST (test_permanent_errors_are_fatal)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  gboolean fatal;
  gchar *text;

  ev = parse_ok (a, "{\"message\": \"Error\", \"type\": \"invalid_language\","
      " \"reason\": \"lang pack xx not supported\"}");
  fail_unless (event (ev, 0)->fatal);
  fail_if (event (ev, 0)->auth);
  fail_unless (strstr (event (ev, 0)->text, "set language") != NULL, "%s",
      event (ev, 0)->text);
  drop (ev);
  ev = parse_ok (a, "{\"message\": \"Error\", \"type\": "
      "\"timelimit_exceeded\", \"reason\": \"Time limit exceeded\"}");
  fail_unless (event (ev, 0)->fatal);
  fail_unless (strstr (event (ev, 0)->text, "time allowance") != NULL);
  drop (ev);
  ev = parse_ok (a, "{\"message\": \"Error\", \"type\": \"job_error\", "
      "\"reason\": \"try again\"}");
  fail_if (event (ev, 0)->fatal);
  drop (ev);

  text = gst_stt_adapter_describe_close (a, 4004, NULL, &fatal);
  fail_unless (fatal);
  fail_unless (strstr (text, "language") != NULL, "%s", text);
  g_free (text);
  text = gst_stt_adapter_describe_close (a, 4006, NULL, &fatal);
  fail_unless (fatal);
  fail_unless (strstr (text, "time allowance") != NULL, "%s", text);
  g_free (text);
  text = gst_stt_adapter_describe_close (a, 4005, NULL, &fatal);
  fail_if (fatal);
  g_free (text);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* vocabulary → additional_vocab, end-of-turn-silence-ms →
 * conversation_config.end_of_utterance_silence_trigger (s), max-delay-ms
 * → max_delay (s). */
GST_START_TEST (test_settings_mapping)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;

  s.vocabulary = "GStreamer, Speechmatics ,,";
  s.end_of_turn_silence_ms = 1200;
  s.max_delay_ms = 2500;
  a = adapter_new (&s);
  fail_unless_equals_string (gst_stt_adapter_get_request (a)->first_message,
      "{\"message\":\"StartRecognition\",\"audio_format\":{\"type\":\"raw\","
      "\"encoding\":\"pcm_s16le\",\"sample_rate\":16000},"
      "\"transcription_config\":{\"language\":\"en\","
      "\"enable_partials\":true,\"additional_vocab\":[{\"content\":"
      "\"GStreamer\"},{\"content\":\"Speechmatics\"}],\"max_delay\":2.5,"
      "\"conversation_config\":{\"end_of_utterance_silence_trigger\":1.2}}}");
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
  tcase_add_test (tc, test_language_and_output_locale);
  tcase_add_test (tc, test_mark_in_its_own_transcript);
  tcase_add_test (tc, test_service_ends_session);
  tcase_add_test (tc, test_permanent_errors_are_fatal);
  tcase_add_test (tc, test_settings_mapping);
  return s;
}

GST_CHECK_MAIN (stt_speechmatics);
