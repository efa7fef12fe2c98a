/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The Deepgram adapter as a pure function: settings in, request out;
 * server messages in, events out. The message sequences follow what the
 * service sends for a short utterance (see STT-PROTOCOLS.md). */

#include <gst/check/gstcheck.h>
#include <string.h>

#include "stt-backend.h"

#define KEY "dg-secret-0123456789"

static GstSttSettings
default_settings (void)
{
  GstSttSettings s = {
    .backend = GST_STT_BACKEND_DEEPGRAM,
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
events_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) gst_stt_event_free);
}

/* Parses one message that must be accepted; returns its events. */
static GPtrArray *
parse_ok (GstSttAdapter * a, const gchar * json)
{
  GPtrArray *events = events_new ();
  GError *err = NULL;

  fail_unless (gst_stt_adapter_parse (a, json, strlen (json), events, &err),
      "%s: %s", json, err ? err->message : "?");
  return events;
}

static void
parse_refused (GstSttAdapter * a, const gchar * data, gsize size,
    GstSttError code)
{
  GPtrArray *events = events_new ();
  GError *err = NULL;

  fail_if (gst_stt_adapter_parse (a, data, size, events, &err));
  fail_unless (g_error_matches (err, GST_STT_ERROR, code), "%s",
      err ? err->message : "no error");
  fail_unless_equals_int (events->len, 0);
  g_error_free (err);
  g_ptr_array_unref (events);
}

static GstSttEvent *
event (GPtrArray * events, guint i)
{
  fail_unless (i < events->len);
  return g_ptr_array_index (events, i);
}

static const GstSttWord *
word (GstSttEvent * ev, guint i)
{
  fail_unless (i < ev->words->len);
  return &g_array_index (ev->words, GstSttWord, i);
}

static const gchar *
header (const GstSttRequest * r, const gchar * name)
{
  guint i;

  for (i = 0; i < r->headers->len; i++)
    if (g_ascii_strcasecmp (g_array_index (r->headers, GstSttHeader,
                i).name, name) == 0)
      return g_array_index (r->headers, GstSttHeader, i).value;
  return NULL;
}

GST_START_TEST (test_request_query_and_auth)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  const GstSttRequest *r;

  s.language = "en-US";
  s.model = "nova-3";
  s.diarize = TRUE;
  a = adapter_new (&s);
  r = gst_stt_adapter_get_request (a);

  fail_unless_equals_string (r->url,
      "wss://api.deepgram.com/v1/listen?encoding=linear16&sample_rate=16000"
      "&channels=1&model=nova-3&language=en-US&interim_results=true"
      "&diarize=true&smart_format=true&vad_events=true"
      "&utterance_end_ms=1000");
  fail_unless_equals_string (r->display_url,
      "wss://api.deepgram.com/v1/listen");
  fail_unless_equals_string (header (r, "Authorization"), "Token " KEY);
  fail_unless_equals_int (r->headers->len, 1);
  fail_unless (r->first_message == NULL);
  fail_if (strstr (r->url, KEY));
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_request_without_interim_results)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  const gchar *url;

  s.interim_results = FALSE;
  s.channels = 2;
  s.rate = 48000;
  a = adapter_new (&s);
  url = gst_stt_adapter_get_request (a)->url;
  fail_unless (strstr (url, "&interim_results=false&") != NULL, "%s", url);
  fail_unless (strstr (url, "sample_rate=48000&channels=2") != NULL);
  /* UtteranceEnd needs interim results */
  fail_if (strstr (url, "utterance_end_ms"));
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_url_override_keeps_its_query)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  const GstSttRequest *r;

  s.url = "ws://user:pw@[::1]:8080/v1/listen?tier=enhanced";
  s.api_key = NULL;
  a = adapter_new (&s);
  r = gst_stt_adapter_get_request (a);
  fail_unless (g_str_has_prefix (r->url,
          "ws://user:pw@[::1]:8080/v1/listen?tier=enhanced&encoding="),
      "%s", r->url);
  /* no user info, no query: nothing secret in what people read */
  fail_unless_equals_string (r->display_url, "ws://[::1]:8080/v1/listen");
  /* a self-hosted endpoint needs no key */
  fail_unless_equals_int (r->headers->len, 0);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* A key never goes over plain ws:// to another machine; to this one, or
 * over wss://, it does. */
GST_START_TEST (test_key_not_sent_in_clear_text)
{
  const gchar *refused[] = { "ws://192.0.2.1:8080/v1/listen",
    "ws://stt.example.com/v1/listen", "WS://[2001:db8::1]/v1/listen",
  };
  const gchar *allowed[] = { "ws://127.0.0.1:8080/v1/listen",
    "ws://127.3.4.5/v1/listen", "ws://[::1]:8080/v1/listen",
    "ws://localhost:8080/v1/listen", "wss://192.0.2.1/v1/listen",
  };
  GstSttSettings s = default_settings ();
  GError *err = NULL;
  GstSttAdapter *a;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (refused); i++) {
    s.url = refused[i];
    a = gst_stt_adapter_new (&s, &err);
    fail_unless (a == NULL, "%s accepted with a key", refused[i]);
    fail_unless (g_error_matches (err, GST_STT_ERROR,
            GST_STT_ERROR_CLEARTEXT_KEY), "%s", err ? err->message : "");
    fail_unless (strstr (err->message, "clear text") != NULL);
    fail_if (strstr (err->message, KEY));
    g_clear_error (&err);
  }
  for (i = 0; i < G_N_ELEMENTS (allowed); i++) {
    s.url = allowed[i];
    a = gst_stt_adapter_new (&s, &err);
    fail_unless (a != NULL, "%s: %s", allowed[i], err ? err->message : "");
    fail_unless_equals_string (header (gst_stt_adapter_get_request (a),
            "Authorization"), "Token " KEY);
    gst_stt_adapter_free (a);
  }
  /* without a key, any ws:// will do */
  s.url = refused[0];
  s.api_key = NULL;
  a = gst_stt_adapter_new (&s, &err);
  fail_unless (a != NULL);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_extra_merged_into_query)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  const gchar *url;

  s.extra = "{\"endpointing\": 300, \"keywords\": [\"snap cast\", \"a&b\"],"
      " \"smart_format\": null, \"punctuate\": true, \"model\": \"nova-2\","
      " \"utterance_end_ms\": 1500.5}";
  s.model = "nova-3";
  a = adapter_new (&s);
  url = gst_stt_adapter_get_request (a)->url;
  /* (not fail_unless_equals_string: the expected text has '%' in it) */
  fail_unless (g_str_equal (url,
          "wss://api.deepgram.com/v1/listen?encoding=linear16"
          "&sample_rate=16000&channels=1&model=nova-2&interim_results=true"
          "&vad_events=true&utterance_end_ms=1500.5&endpointing=300"
          "&keywords=snap%20cast&keywords=a%26b&punctuate=true"),
      "got %s", url);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_settings_refused)
{
  GstSttSettings s = default_settings ();
  GError *err = NULL;

  /* a cloud endpoint without a key */
  s.api_key = "";
  fail_if (gst_stt_adapter_new (&s, &err));
  fail_unless (g_error_matches (err, GST_STT_ERROR, GST_STT_ERROR_NO_KEY));
  fail_unless (strstr (err->message, "DEEPGRAM_API_KEY") != NULL);
  g_clear_error (&err);

  s = default_settings ();
  s.rate = 96000;
  fail_if (gst_stt_adapter_new (&s, &err));
  fail_unless (g_error_matches (err, GST_STT_ERROR, GST_STT_ERROR_SETTINGS));
  fail_unless_equals_string (err->message,
      "Deepgram takes audio at 8000 to 48000 Hz, not 96000 Hz");
  g_clear_error (&err);

  s = default_settings ();
  s.channels = 9;
  fail_if (gst_stt_adapter_new (&s, &err));
  fail_unless (g_error_matches (err, GST_STT_ERROR, GST_STT_ERROR_SETTINGS));
  g_clear_error (&err);

  s = default_settings ();
  s.extra = "{\"nested\": {\"a\": 1}}";
  fail_if (gst_stt_adapter_new (&s, &err));
  fail_unless (strstr (err->message, "\"nested\"") != NULL, "%s",
      err->message);
  g_clear_error (&err);

  s = default_settings ();
  s.extra = "{\"open\": ";
  fail_if (gst_stt_adapter_new (&s, &err));
  fail_unless (strstr (err->message, "extra is not valid JSON") != NULL);
  g_clear_error (&err);

  s = default_settings ();
  s.url = "https://api.deepgram.com/v1/listen";
  fail_if (gst_stt_adapter_new (&s, &err));
  fail_unless (strstr (err->message, "ws://") != NULL);
  g_clear_error (&err);

  s = default_settings ();
  s.backend = 99;
  fail_if (gst_stt_adapter_new (&s, &err));
  fail_unless (g_error_matches (err, GST_STT_ERROR, GST_STT_ERROR_SETTINGS));
  g_clear_error (&err);
}

GST_END_TEST;

/* A short utterance as the service streams it: speech detected, two
 * interim hypotheses, the final with punctuation and an endpoint, the
 * utterance end; then CloseStream, the last final, Metadata. */
GST_START_TEST (test_utterance_sequence)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  GstSttEvent *e;
  gchar *eos;

  ev = parse_ok (a, "{\"type\":\"SpeechStarted\",\"channel\":[0],"
      "\"timestamp\":0.52}");
  fail_unless_equals_int (ev->len, 1);
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_METADATA);
  fail_unless_equals_string (e->kind, "SpeechStarted");
  fail_unless (strstr (e->json, "\"timestamp\":0.52") != NULL);
  g_ptr_array_unref (ev);

  ev = parse_ok (a, "{\"type\":\"Results\",\"channel_index\":[0,1],"
      "\"duration\":1.02,\"start\":0.0,\"is_final\":false,"
      "\"speech_final\":false,\"channel\":{\"alternatives\":[{"
      "\"transcript\":\"hello\",\"confidence\":0.71,\"words\":[{"
      "\"word\":\"hello\",\"start\":0.56,\"end\":0.98,\"confidence\":0.71,"
      "\"punctuated_word\":\"Hello\"}]}]},\"metadata\":{\"request_id\":"
      "\"a1\",\"model_info\":{\"name\":\"general-nova-3\"}},"
      "\"from_finalize\":false}");
  fail_unless_equals_int (ev->len, 1);
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_PARTIAL);
  fail_unless_equals_string (e->text, "hello");
  fail_unless_equals_int64 (e->start_ms, 0);
  fail_unless_equals_int64 (e->end_ms, 1020);
  fail_unless_equals_string (word (e, 0)->text, "Hello");
  g_ptr_array_unref (ev);

  ev = parse_ok (a, "{\"type\":\"Results\",\"duration\":2.04,\"start\":0.0,"
      "\"is_final\":false,\"channel\":{\"alternatives\":[{\"transcript\":"
      "\"hello world\",\"confidence\":0.8,\"words\":[]}]}}");
  e = event (ev, 0);
  fail_unless_equals_string (e->text, "hello world");
  fail_unless_equals_int64 (e->end_ms, 2040);
  g_ptr_array_unref (ev);

  ev = parse_ok (a, "{\"type\":\"Results\",\"duration\":1.74,\"start\":0.0,"
      "\"is_final\":true,\"speech_final\":true,\"channel\":{"
      "\"alternatives\":[{\"transcript\":\"Hello, world.\","
      "\"confidence\":0.9921875,\"words\":["
      "{\"word\":\"hello\",\"start\":0.56,\"end\":0.96,"
      "\"confidence\":0.99,\"punctuated_word\":\"Hello,\"},"
      "{\"word\":\"world\",\"start\":1.04,\"end\":1.5,"
      "\"confidence\":0.98,\"punctuated_word\":\"world.\"}]}]}}");
  fail_unless_equals_int (ev->len, 1);
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_FINAL);
  fail_unless_equals_string (e->text, "Hello, world.");
  fail_unless_equals_int64 (e->start_ms, 0);
  fail_unless_equals_int64 (e->end_ms, 1740);
  fail_unless_equals_float (e->confidence, 0.9921875);
  fail_unless (e->speaker == NULL);
  fail_unless_equals_int (e->words->len, 2);
  fail_unless_equals_string (word (e, 1)->text, "world.");
  fail_unless_equals_int64 (word (e, 1)->start_ms, 1040);
  fail_unless_equals_int64 (word (e, 1)->end_ms, 1500);
  fail_unless_equals_float (word (e, 1)->confidence, 0.98);
  g_ptr_array_unref (ev);

  ev = parse_ok (a, "{\"type\":\"UtteranceEnd\",\"channel\":[0,1],"
      "\"last_word_end\":1.5}");
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_UTTERANCE_END);
  fail_unless_equals_int64 (e->end_ms, 1500);
  g_ptr_array_unref (ev);

  /* Metadata before end-of-stream is just metadata */
  ev = parse_ok (a, "{\"type\":\"Metadata\",\"request_id\":\"a1\"}");
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_METADATA);
  fail_if (gst_stt_adapter_is_finished (a));
  g_ptr_array_unref (ev);

  fail_unless (gst_stt_adapter_may_send_audio (a));
  eos = gst_stt_adapter_eos_message (a);
  fail_unless_equals_string (eos, "{\"type\":\"CloseStream\"}");
  g_free (eos);
  fail_if (gst_stt_adapter_may_send_audio (a));
  /* no keep-alive once the stream is closing */
  fail_unless (gst_stt_adapter_keepalive_message (a) == NULL);

  ev = parse_ok (a, "{\"type\":\"Results\",\"duration\":0.6,\"start\":1.74,"
      "\"is_final\":true,\"from_finalize\":true,\"channel\":{"
      "\"alternatives\":[{\"transcript\":\"Bye.\",\"confidence\":0.97,"
      "\"words\":[{\"word\":\"bye\",\"start\":1.9,\"end\":2.2,"
      "\"confidence\":0.97,\"punctuated_word\":\"Bye.\"}]}]}}");
  fail_unless_equals_string (event (ev, 0)->text, "Bye.");
  fail_unless_equals_int64 (event (ev, 0)->start_ms, 1740);
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 2340);
  fail_if (gst_stt_adapter_is_finished (a));
  g_ptr_array_unref (ev);

  ev = parse_ok (a, "{\"type\":\"Metadata\",\"transaction_key\":"
      "\"deprecated\",\"request_id\":\"8c8ebea9\",\"sha256\":\"e3b0\","
      "\"created\":\"2024-08-29T22:37:55.202Z\",\"duration\":2.34,"
      "\"channels\":1}");
  fail_unless_equals_string (event (ev, 0)->kind, "Metadata");
  fail_unless (gst_stt_adapter_is_finished (a));
  g_ptr_array_unref (ev);

  /* a new session starts over */
  gst_stt_adapter_start_session (a);
  fail_if (gst_stt_adapter_is_finished (a));
  fail_unless (gst_stt_adapter_may_send_audio (a));
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_empty_and_disabled_results)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  const gchar *empty_interim = "{\"type\":\"Results\",\"duration\":1.0,"
      "\"start\":3.0,\"is_final\":false,\"channel\":{\"alternatives\":"
      "[{\"transcript\":\"\",\"confidence\":0.0,\"words\":[]}]}}";
  const gchar *empty_final = "{\"type\":\"Results\",\"duration\":1.0,"
      "\"start\":3.0,\"is_final\":true,\"channel\":{\"alternatives\":"
      "[{\"transcript\":\"\",\"confidence\":0.0,\"words\":[]}]}}";
  const gchar *interim = "{\"type\":\"Results\",\"duration\":1.0,"
      "\"start\":3.0,\"is_final\":false,\"channel\":{\"alternatives\":"
      "[{\"transcript\":\"so\"}]}}";

  /* silence: nothing to show, but the final still commits its span */
  ev = parse_ok (a, empty_interim);
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);
  ev = parse_ok (a, empty_final);
  fail_unless_equals_int (ev->len, 1);
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_FINAL);
  fail_unless_equals_string (event (ev, 0)->text, "");
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 4000);
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);

  /* interim results off: a stray interim is dropped */
  s.interim_results = FALSE;
  a = adapter_new (&s);
  ev = parse_ok (a, interim);
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_diarized_words)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  GPtrArray *ev;
  GstSttEvent *e;

  s.diarize = TRUE;
  a = adapter_new (&s);
  ev = parse_ok (a, "{\"type\":\"Results\",\"duration\":2.0,\"start\":10.0,"
      "\"is_final\":true,\"channel\":{\"alternatives\":[{\"transcript\":"
      "\"yes no\",\"confidence\":0.9,\"words\":["
      "{\"word\":\"yes\",\"start\":10.1,\"end\":10.4,\"confidence\":0.9,"
      "\"speaker\":1,\"speaker_confidence\":0.7},"
      "{\"word\":\"no\",\"start\":11.0,\"end\":11.3,\"confidence\":0.9,"
      "\"speaker\":0,\"speaker_confidence\":0.6}]}]}}");
  e = event (ev, 0);
  fail_unless_equals_string (e->speaker, "1");
  fail_unless_equals_string (word (e, 0)->speaker, "1");
  fail_unless_equals_string (word (e, 1)->speaker, "0");
  /* no punctuated_word: the plain word */
  fail_unless_equals_string (word (e, 1)->text, "no");
  fail_unless_equals_int64 (word (e, 0)->start_ms, 10100);
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_malformed_messages_refused)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  const gchar *bad_json[] = {
    "", "not json", "{\"type\":", "[1,2]", "\"Results\"", "42", "null",
  };
  const gchar *bad_shape[] = {
    "{\"type\":\"Results\"}",
    "{\"type\":\"Results\",\"channel\":{\"alternatives\":[]}}",
    "{\"type\":\"Results\",\"channel\":{\"alternatives\":[17]}}",
    "{\"type\":\"UtteranceEnd\"}",
    "{\"type\":\"UtteranceEnd\",\"last_word_end\":\"soon\"}",
    "{\"is_final\":true}",
    "{\"type\":42}",
  };
  gchar *deep, *big;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad_json); i++)
    parse_refused (a, bad_json[i], strlen (bad_json[i]),
        GST_STT_ERROR_MALFORMED);
  for (i = 0; i < G_N_ELEMENTS (bad_shape); i++)
    parse_refused (a, bad_shape[i], strlen (bad_shape[i]),
        GST_STT_ERROR_MALFORMED);

  /* not UTF-8, embedded NUL */
  parse_refused (a, "{\"type\":\"\xff\"}", 11, GST_STT_ERROR_MALFORMED);
  parse_refused (a, "{\"type\":\"a\0b\"}", 14, GST_STT_ERROR_MALFORMED);

  /* nested far too deep for a recursive parser */
  deep = g_strnfill (200000, '[');
  parse_refused (a, deep, 200000, GST_STT_ERROR_MALFORMED);
  g_free (deep);
  /* brackets inside strings do not count */
  {
    gchar *str = g_strdup_printf ("{\"type\":\"Metadata\",\"x\":\"%s\"}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        "\\\"[[[[[[[[[");
    GPtrArray *ev = parse_ok (a, str);

    fail_unless_equals_int (ev->len, 1);
    g_ptr_array_unref (ev);
    g_free (str);
  }

  big = g_strnfill (GST_STT_MAX_MESSAGE_SIZE + 1, ' ');
  parse_refused (a, big, GST_STT_MAX_MESSAGE_SIZE + 1,
      GST_STT_ERROR_OVERSIZED);
  g_free (big);

  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* Odd but valid messages: tolerated, never a crash, never a critical. */
GST_START_TEST (test_odd_values_tolerated)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  GstSttEvent *e;

  /* an unknown message type is not an error */
  ev = parse_ok (a, "{\"type\":\"SomethingNew\",\"x\":1}");
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);

  /* wrong types, absurd numbers, missing fields */
  ev = parse_ok (a, "{\"type\":\"Results\",\"start\":\"zero\","
      "\"duration\":1e308,\"is_final\":\"yes\",\"channel\":{"
      "\"alternatives\":[{\"transcript\":7,\"confidence\":\"high\","
      "\"words\":[null,{\"word\":3},{\"word\":\"x\",\"start\":-5,"
      "\"end\":1e400,\"speaker\":-1},{\"punctuated_word\":\"Y\","
      "\"speaker\":\"S2\"}]}]}}");
  /* is_final was not a boolean: an interim; transcript not a string: "" */
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);

  /* odd shapes and negative times are tolerated (0) */
  ev = parse_ok (a, "{\"type\":\"Results\",\"start\":-1,"
      "\"duration\":2,\"is_final\":true,\"channel\":{"
      "\"alternatives\":[{\"transcript\":\"x Y\",\"words\":[null,"
      "{\"word\":3},{\"word\":\"x\",\"start\":-5,\"end\":0.5,"
      "\"speaker\":-1},{\"punctuated_word\":\"Y\",\"speaker\":\"S2\"}]}]}}");
  e = event (ev, 0);
  fail_unless_equals_int64 (e->start_ms, 0);
  fail_unless (e->end_ms > 0);
  fail_unless_equals_float (e->confidence, GST_STT_CONFIDENCE_NONE);
  fail_unless_equals_int (e->words->len, 2);
  fail_unless_equals_int64 (word (e, 0)->start_ms, 0);
  fail_unless (word (e, 0)->speaker == NULL);
  fail_unless_equals_string (word (e, 1)->speaker, "S2");
  g_ptr_array_unref (ev);

  /* Defect F: a time no audio sent can have (1e308 s, clamped to a year,
   * once sorted first in SRT/VTT) refuses the whole message */
  {
    const gchar *far = "{\"type\":\"Results\",\"start\":0,"
        "\"duration\":1,\"is_final\":true,\"channel\":{"
        "\"alternatives\":[{\"transcript\":\"x\",\"words\":[{\"word\":"
        "\"x\",\"start\":1e308,\"end\":1e308}]}]}}";

    parse_refused (a, far, strlen (far), GST_STT_ERROR_MALFORMED);
  }

  /* an in-band error is reported, not fatal */
  ev = parse_ok (a, "{\"type\":\"Error\",\"variant\":\"x\","
      "\"description\":\"too fast\"}");
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_ERROR);
  fail_unless_equals_string (e->text, "too fast");
  fail_if (e->fatal);
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* Found by the fuzzer: a JSON escape of a lone surrogate passes the UTF-8
 * check of the raw message, and json-glib decodes it to invalid UTF-8. Such
 * messages are refused now; paired surrogates are fine. And a word may end
 * before it starts: times come out ordered. */
GST_START_TEST (test_escapes_and_reversed_times_normalised)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  const gchar *lone = "{\"type\":\"Results\",\"is_final\":true,"
      "\"channel\":{\"alternatives\":[{\"transcript\":\"a\\ud800b\"}]}}";
  GPtrArray *ev;
  GstSttEvent *e;

  parse_refused (a, lone, strlen (lone), GST_STT_ERROR_MALFORMED);

  ev = parse_ok (a, "{\"type\":\"Results\",\"start\":2.0,\"duration\":-1.5,"
      "\"is_final\":true,\"channel\":{\"alternatives\":[{\"transcript\":"
      "\"ok \\ud83d\\ude00 \\u00e9\",\"words\":[{\"word\":\"ok\","
      "\"start\":3.0,\"end\":2.5}]}]}}");
  e = event (ev, 0);
  fail_unless_equals_string (e->text, "ok \xf0\x9f\x98\x80 \xc3\xa9");
  /* the segment and the word end where they start, not before */
  fail_unless_equals_int64 (e->start_ms, 2000);
  fail_unless_equals_int64 (e->end_ms, 2000);
  fail_unless_equals_int64 (word (e, 0)->start_ms, 3000);
  fail_unless_equals_int64 (word (e, 0)->end_ms, 3000);
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_keepalive_and_frames)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  guint8 pcm[640] = { 0, };
  gboolean is_text = TRUE;
  GBytes *frame;
  gchar *ka;

  ka = gst_stt_adapter_keepalive_message (a);
  fail_unless_equals_string (ka, "{\"type\":\"KeepAlive\"}");
  g_free (ka);

  frame = gst_stt_adapter_frame_audio (a, pcm, sizeof (pcm), &is_text);
  fail_if (is_text);
  fail_unless_equals_int (g_bytes_get_size (frame), sizeof (pcm));
  g_bytes_unref (frame);
  /* never an empty frame */
  fail_unless (gst_stt_adapter_frame_audio (a, pcm, 0, &is_text) == NULL);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_close_codes_read_as_reasons)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  gboolean fatal = TRUE;
  gchar *text, *long_reason;

  text = gst_stt_adapter_describe_close (a, 1011,
      "NET-0001: no audio received within the timeout window", &fatal);
  fail_unless_equals_string (text, "Deepgram received no audio or "
      "KeepAlive in time (close code 1011: NET-0001: no audio received "
      "within the timeout window)");
  fail_if (fatal);
  g_free (text);

  text = gst_stt_adapter_describe_close (a, 1008, "DATA-0000: bad", &fatal);
  fail_unless (g_str_has_prefix (text, "Deepgram could not decode the "
          "audio"));
  fail_unless (fatal);
  g_free (text);

  text = gst_stt_adapter_describe_close (a, 0, NULL, &fatal);
  fail_unless_equals_string (text,
      "the connection dropped without a close frame");
  fail_if (fatal);
  g_free (text);

  text = gst_stt_adapter_describe_close (a, 1013, "", &fatal);
  fail_unless_equals_string (text, "the service is overloaded, try again "
      "later (close code 1013)");
  g_free (text);

  text = gst_stt_adapter_describe_close (a, 4321, "custom", &fatal);
  fail_unless_equals_string (text, "the service closed the session "
      "(close code 4321: custom)");
  g_free (text);

  long_reason = g_strnfill (1000, 'r');
  text = gst_stt_adapter_describe_close (a, 1001, long_reason, &fatal);
  fail_unless (strlen (text) < 300);
  g_free (text);
  g_free (long_reason);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_backend_table)
{
  const GstSttBackendInfo *dg = gst_stt_backend_get_info
      (GST_STT_BACKEND_DEEPGRAM);
  const GstSttBackendInfo *oa = gst_stt_backend_get_info
      (GST_STT_BACKEND_OPENAI);

  fail_unless_equals_string (dg->name, "deepgram");
  fail_unless_equals_string (dg->key_env, "DEEPGRAM_API_KEY");
  fail_unless (dg->implemented && dg->keepalive && dg->diarization);
  fail_unless_equals_int (dg->min_chunk_ms, 20);
  fail_unless_equals_int (dg->max_chunk_ms, 250);
  fail_unless_equals_int (oa->min_rate, 24000);
  fail_unless_equals_int (oa->max_rate, 24000);
  fail_unless (oa->implemented);
  fail_unless (gst_stt_backend_get_info (99) == NULL);
}

GST_END_TEST;

/* Fix 5. Without a model Deepgram would use its old base model: the
 * adapter asks for the current one, nova-3. */
GST_START_TEST (test_default_model_is_current)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  const gchar *url = gst_stt_adapter_get_request (a)->url;

  fail_unless (strstr (url, "&channels=1&model=nova-3&interim_results=")
      != NULL, "%s", url);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* Fix 5 and the vocabulary mapping: nova-3 takes `keyterm` (one per term,
 * several words each), older models `keywords`; end-of-turn silence is
 * `endpointing`. The model extra sets decides. */
GST_START_TEST (test_vocabulary_and_endpointing)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  const gchar *url;

  s.vocabulary = "snap cast, GStreamer";
  s.end_of_turn_silence_ms = 300;
  a = adapter_new (&s);
  url = gst_stt_adapter_get_request (a)->url;
  fail_unless (g_str_has_suffix (url, "&utterance_end_ms=1000"
          "&endpointing=300&keyterm=snap%20cast&keyterm=GStreamer"),
      "%s", url);
  fail_if (strstr (url, "keywords="));
  gst_stt_adapter_free (a);

  s.model = "nova-3-medical";
  a = adapter_new (&s);
  url = gst_stt_adapter_get_request (a)->url;
  fail_unless (strstr (url, "&keyterm=GStreamer") != NULL, "%s", url);
  gst_stt_adapter_free (a);

  s.model = NULL;
  s.extra = "{\"model\": \"nova-2\"}";
  a = adapter_new (&s);
  url = gst_stt_adapter_get_request (a)->url;
  fail_unless (g_str_has_suffix (url,
          "&keywords=snap%20cast&keywords=GStreamer"), "%s", url);
  fail_if (strstr (url, "keyterm="));
  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* Fix 9. With multichannel=true each channel is transcribed apart and its
 * results name it in channel_index: the event carries the channel, and
 * speakers are per channel. */
GST_START_TEST (test_multichannel_results)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  GPtrArray *ev;
  GstSttEvent *e;

  s.channels = 2;
  s.diarize = TRUE;
  s.extra = "{\"multichannel\": true}";
  a = adapter_new (&s);
  fail_unless (strstr (gst_stt_adapter_get_request (a)->url,
          "&multichannel=true") != NULL);
  ev = parse_ok (a, "{\"type\":\"Results\",\"channel_index\":[1,2],"
      "\"duration\":1.0,\"start\":0.0,\"is_final\":true,\"speech_final\":"
      "true,\"channel\":{\"alternatives\":[{\"transcript\":\"right side\","
      "\"confidence\":0.9,\"words\":[{\"word\":\"right\",\"start\":0.1,"
      "\"end\":0.4,\"confidence\":0.9,\"speaker\":0},{\"word\":\"side\","
      "\"start\":0.4,\"end\":0.8,\"confidence\":0.9,\"speaker\":0}]}]}}");
  e = event (ev, 0);
  fail_unless_equals_int (e->channel, 1);
  fail_unless_equals_string (e->speaker, "ch1:0");
  fail_unless_equals_string (word (e, 1)->speaker, "ch1:0");
  g_ptr_array_unref (ev);

  ev = parse_ok (a, "{\"type\":\"Results\",\"channel_index\":[0,2],"
      "\"duration\":1.0,\"start\":0.0,\"is_final\":true,\"channel\":"
      "{\"alternatives\":[{\"transcript\":\"left\",\"words\":[{\"word\":"
      "\"left\",\"start\":0.2,\"end\":0.5}]}]}}");
  fail_unless_equals_int (event (ev, 0)->channel, 0);
  fail_unless_equals_string (event (ev, 0)->speaker, "ch0");
  g_ptr_array_unref (ev);

  /* one channel, or a malformed index: no channel */
  ev = parse_ok (a, "{\"type\":\"Results\",\"channel_index\":[0,1],"
      "\"is_final\":true,\"channel\":{\"alternatives\":[{\"transcript\":"
      "\"x\"}]}}");
  fail_unless_equals_int (event (ev, 0)->channel, -1);
  fail_unless (event (ev, 0)->speaker == NULL);
  g_ptr_array_unref (ev);
  ev = parse_ok (a, "{\"type\":\"Results\",\"channel_index\":[5,2],"
      "\"is_final\":true,\"channel\":{\"alternatives\":[{\"transcript\":"
      "\"x\"}]}}");
  fail_unless_equals_int (event (ev, 0)->channel, -1);
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

static Suite *
stt_deepgram_suite (void)
{
  Suite *s = suite_create ("stt-deepgram");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_request_query_and_auth);
  tcase_add_test (tc, test_request_without_interim_results);
  tcase_add_test (tc, test_url_override_keeps_its_query);
  tcase_add_test (tc, test_key_not_sent_in_clear_text);
  tcase_add_test (tc, test_extra_merged_into_query);
  tcase_add_test (tc, test_settings_refused);
  tcase_add_test (tc, test_utterance_sequence);
  tcase_add_test (tc, test_empty_and_disabled_results);
  tcase_add_test (tc, test_diarized_words);
  tcase_add_test (tc, test_malformed_messages_refused);
  tcase_add_test (tc, test_odd_values_tolerated);
  tcase_add_test (tc, test_escapes_and_reversed_times_normalised);
  tcase_add_test (tc, test_keepalive_and_frames);
  tcase_add_test (tc, test_close_codes_read_as_reasons);
  tcase_add_test (tc, test_backend_table);
  tcase_add_test (tc, test_default_model_is_current);
  tcase_add_test (tc, test_vocabulary_and_endpointing);
  tcase_add_test (tc, test_multichannel_results);
  return s;
}

GST_CHECK_MAIN (stt_deepgram);
