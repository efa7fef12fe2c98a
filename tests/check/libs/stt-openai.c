/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The OpenAI Realtime (transcription) adapter as a pure function:
 * session.update first, base64 audio in text messages, items cut by the
 * service's voice detector, completions that arrive out of order posted
 * in the order of the audio (previous_item_id), the end-of-stream commit
 * answered by one more item or by "nothing to commit". */

#include <gst/check/gstcheck.h>
#include <string.h>

#include "stt-backend.h"

#define KEY "sk-openai-0123456789"
#define RATE 24000
#define FRAME_BYTES (RATE / 10 * 2)     /* 100 ms */

static GstSttSettings
default_settings (void)
{
  GstSttSettings s = {
    .backend = GST_STT_BACKEND_OPENAI,
    .api_key = KEY,
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
  g_error_free (err);
  g_ptr_array_unref (events);
}

static guint
count (GPtrArray * events)
{
  guint n = events->len;

  g_ptr_array_unref (events);
  return n;
}

static GstSttEvent *
event (GPtrArray * events, guint i)
{
  fail_unless (i < events->len, "event %u of %u", i, events->len);
  return g_ptr_array_index (events, i);
}

static void
send_frames (GstSttAdapter * a, guint n)
{
  static guint8 pcm[FRAME_BYTES];
  guint i;

  for (i = 0; i < n; i++) {
    gboolean is_text = FALSE;
    GBytes *frame = gst_stt_adapter_frame_audio (a, pcm, sizeof (pcm),
        &is_text);

    fail_unless (is_text);
    g_bytes_unref (frame);
  }
}

static gchar *
msg (const gchar * type, const gchar * item, const gchar * rest)
{
  return g_strdup_printf ("{\"type\": \"%s\", \"event_id\": \"event_1\", "
      "\"item_id\": \"%s\"%s%s}", type, item, rest ? ", " : "",
      rest ? rest : "");
}

static GPtrArray *
parse_msg (GstSttAdapter * a, const gchar * type, const gchar * item,
    const gchar * rest)
{
  gchar *json = msg (type, item, rest);
  GPtrArray *events = parse_ok (a, json);

  g_free (json);
  return events;
}

#define STARTED "input_audio_buffer.speech_started"
#define STOPPED "input_audio_buffer.speech_stopped"
#define COMMITTED "input_audio_buffer.committed"
#define DELTA "conversation.item.input_audio_transcription.delta"
#define COMPLETED "conversation.item.input_audio_transcription.completed"
#define FAILED "conversation.item.input_audio_transcription.failed"

GST_START_TEST (test_session_update_and_audio)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  const GstSttRequest *r = gst_stt_adapter_get_request (a);
  guint8 pcm[4] = { 0x01, 0x02, 0xfe, 0xff };
  gboolean is_text = FALSE;
  GBytes *frame;
  gchar *eos;

  fail_unless_equals_string (r->url,
      "wss://api.openai.com/v1/realtime?intent=transcription");
  fail_unless_equals_string (r->display_url,
      "wss://api.openai.com/v1/realtime");
  fail_unless_equals_string (g_array_index (r->headers, GstSttHeader,
          0).value, "Bearer " KEY);
  fail_unless_equals_string (r->first_message,
      "{\"type\":\"session.update\",\"session\":{\"type\":\"transcription\","
      "\"audio\":{\"input\":{\"format\":{\"type\":\"audio/pcm\","
      "\"rate\":24000},\"transcription\":{\"model\":"
      "\"gpt-4o-transcribe\"}}}}}");

  frame = gst_stt_adapter_frame_audio (a, pcm, sizeof (pcm), &is_text);
  fail_unless (is_text);
  fail_unless_equals_int (g_bytes_get_size (frame),
      strlen ("{\"type\":\"input_audio_buffer.append\",\"audio\":"
          "\"AQL+/w==\"}"));
  fail_unless (memcmp (g_bytes_get_data (frame, NULL),
          "{\"type\":\"input_audio_buffer.append\",\"audio\":\"AQL+/w==\"}",
          g_bytes_get_size (frame)) == 0);
  g_bytes_unref (frame);

  eos = gst_stt_adapter_eos_message (a);
  fail_unless_equals_string (eos, "{\"type\":\"input_audio_buffer.commit\"}");
  g_free (eos);
  gst_stt_adapter_free (a);

  /* model, language as ISO-639-1, extra merged into the session, a url
   * of one's own gets the transcription intent */
  s.model = "whisper-1";
  s.language = "de-AT";
  s.url = "ws://127.0.0.1:9/v1/realtime";
  s.extra = "{\"audio\": {\"input\": {\"turn_detection\": null, "
      "\"noise_reduction\": {\"type\": \"near_field\"}}}, "
      "\"include\": [\"item.input_audio_transcription.logprobs\"]}";
  a = adapter_new (&s);
  r = gst_stt_adapter_get_request (a);
  fail_unless_equals_string (r->url,
      "ws://127.0.0.1:9/v1/realtime?intent=transcription");
  fail_unless_equals_string (r->first_message,
      "{\"type\":\"session.update\",\"session\":{\"type\":\"transcription\","
      "\"audio\":{\"input\":{\"format\":{\"type\":\"audio/pcm\","
      "\"rate\":24000},\"transcription\":{\"model\":\"whisper-1\","
      "\"language\":\"de\"},\"turn_detection\":null,\"noise_reduction\":"
      "{\"type\":\"near_field\"}}},\"include\":"
      "[\"item.input_audio_transcription.logprobs\"]}}");
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_only_24khz_mono)
{
  GstSttSettings s = default_settings ();
  GError *err = NULL;

  s.rate = 16000;
  fail_if (gst_stt_adapter_new (&s, &err));
  fail_unless_equals_string (err->message,
      "OpenAI takes audio at 24000 Hz only, not 16000 Hz");
  g_clear_error (&err);
  s = default_settings ();
  s.channels = 2;
  fail_if (gst_stt_adapter_new (&s, &err));
  g_clear_error (&err);
}

GST_END_TEST;

GST_START_TEST (test_completions_out_of_order)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  GstSttEvent *e;
  gchar *eos;

  fail_unless_equals_int (count (parse_ok (a, "{\"type\": "
              "\"session.created\", \"session\": {\"type\": "
              "\"transcription\"}}")), 1);

  /* item_1: 0.5-1.8 s */
  send_frames (a, 20);
  fail_unless_equals_int (count (parse_msg (a, STARTED, "item_1",
              "\"audio_start_ms\": 500")), 0);
  ev = parse_msg (a, STOPPED, "item_1", "\"audio_end_ms\": 1800");
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_UTTERANCE_END);
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 1800);
  g_ptr_array_unref (ev);
  fail_unless_equals_int (count (parse_msg (a, COMMITTED, "item_1",
              "\"previous_item_id\": null")), 0);

  /* item_2: 2.2-3.0 s */
  send_frames (a, 12);
  fail_unless_equals_int (count (parse_msg (a, STARTED, "item_2",
              "\"audio_start_ms\": 2200")), 0);
  g_ptr_array_unref (parse_msg (a, STOPPED, "item_2",
          "\"audio_end_ms\": 3000"));
  fail_unless_equals_int (count (parse_msg (a, COMMITTED, "item_2",
              "\"previous_item_id\": \"item_1\"")), 0);

  /* deltas of item_1 are partials */
  ev = parse_msg (a, DELTA, "item_1", "\"content_index\": 0, \"delta\": "
      "\"Hello\"");
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_PARTIAL);
  fail_unless_equals_string (e->text, "Hello");
  fail_unless_equals_int64 (e->start_ms, 500);
  fail_unless_equals_int64 (e->end_ms, 1800);
  g_ptr_array_unref (ev);
  ev = parse_msg (a, DELTA, "item_1", "\"content_index\": 0, \"delta\": "
      "\" there\"");
  fail_unless_equals_string (event (ev, 0)->text, "Hello there");
  g_ptr_array_unref (ev);

  /* item_2 completes first: held */
  fail_unless_equals_int (count (parse_msg (a, COMPLETED, "item_2",
              "\"content_index\": 0, \"transcript\": \"How are you?\"")), 0);

  /* item_1 completes: both, in the order of the audio */
  ev = parse_msg (a, COMPLETED, "item_1", "\"content_index\": 0, "
      "\"transcript\": \"Hello there.\", \"usage\": {\"type\": "
      "\"tokens\", \"total_tokens\": 9}");
  fail_unless_equals_int (ev->len, 2);
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_FINAL);
  fail_unless_equals_string (e->text, "Hello there.");
  fail_unless_equals_int64 (e->start_ms, 500);
  fail_unless_equals_int64 (e->end_ms, 1800);
  fail_unless_equals_int (e->words->len, 0);
  e = event (ev, 1);
  fail_unless_equals_string (e->text, "How are you?");
  fail_unless_equals_int64 (e->start_ms, 2200);
  fail_unless_equals_int64 (e->end_ms, 3000);
  g_ptr_array_unref (ev);

  /* end of stream: the tail (speech that never stopped) is committed by
   * us and ends where the audio does (3.2 s sent) */
  fail_unless_equals_int (count (parse_msg (a, STARTED, "item_3",
              "\"audio_start_ms\": 3100")), 0);
  eos = gst_stt_adapter_eos_message (a);
  g_free (eos);
  fail_if (gst_stt_adapter_is_finished (a));
  fail_unless_equals_int (count (parse_msg (a, COMMITTED, "item_3",
              "\"previous_item_id\": \"item_2\"")), 0);
  fail_if (gst_stt_adapter_is_finished (a));
  ev = parse_msg (a, COMPLETED, "item_3", "\"content_index\": 0, "
      "\"transcript\": \"Bye.\"");
  fail_unless_equals_string (event (ev, 0)->text, "Bye.");
  fail_unless_equals_int64 (event (ev, 0)->start_ms, 3100);
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 3200);
  g_ptr_array_unref (ev);
  fail_unless (gst_stt_adapter_is_finished (a));
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_committed_out_of_order)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;

  send_frames (a, 30);
  g_ptr_array_unref (parse_msg (a, STARTED, "b", "\"audio_start_ms\": 1500"));
  g_ptr_array_unref (parse_msg (a, STOPPED, "b", "\"audio_end_ms\": 2500"));
  g_ptr_array_unref (parse_msg (a, STARTED, "a", "\"audio_start_ms\": 100"));
  g_ptr_array_unref (parse_msg (a, STOPPED, "a", "\"audio_end_ms\": 900"));
  /* b names a as before it, and comes first */
  g_ptr_array_unref (parse_msg (a, COMMITTED, "b",
          "\"previous_item_id\": \"a\""));
  g_ptr_array_unref (parse_msg (a, COMMITTED, "a",
          "\"previous_item_id\": null"));
  fail_unless_equals_int (count (parse_msg (a, COMPLETED, "b",
              "\"transcript\": \"second\"")), 0);
  ev = parse_msg (a, COMPLETED, "a", "\"transcript\": \"first\"");
  fail_unless_equals_int (ev->len, 2);
  fail_unless_equals_string (event (ev, 0)->text, "first");
  fail_unless_equals_string (event (ev, 1)->text, "second");
  g_ptr_array_unref (ev);

  /* a repeat of a completion changes nothing */
  fail_unless_equals_int (count (parse_msg (a, COMPLETED, "a",
              "\"transcript\": \"first\"")), 0);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_nothing_left_to_commit)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  gchar *eos;

  send_frames (a, 10);
  g_ptr_array_unref (parse_msg (a, STARTED, "x", "\"audio_start_ms\": 0"));
  g_ptr_array_unref (parse_msg (a, STOPPED, "x", "\"audio_end_ms\": 900"));
  eos = gst_stt_adapter_eos_message (a);
  g_free (eos);
  /* the detector's own commit after our commit went: not the answer */
  g_ptr_array_unref (parse_msg (a, COMMITTED, "x",
          "\"previous_item_id\": null"));
  /* the answer: an error, expected, not passed on */
  ev = parse_ok (a, "{\"type\": \"error\", \"event_id\": \"e\", \"error\": "
      "{\"type\": \"invalid_request_error\", \"code\": "
      "\"input_audio_buffer_commit_empty\", \"message\": \"Error committing "
      "input audio buffer: buffer too small.\", \"param\": null}}");
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);
  fail_if (gst_stt_adapter_is_finished (a));
  ev = parse_msg (a, FAILED, "x", "\"content_index\": 0, \"error\": "
      "{\"type\": \"server_error\", \"code\": \"oops\", \"message\": "
      "\"transcription failed\"}");
  /* said, and an empty final keeps the order */
  fail_unless_equals_int (ev->len, 2);
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_ERROR);
  fail_if (event (ev, 0)->fatal);
  fail_unless_equals_int (event (ev, 1)->type, GST_STT_EVENT_FINAL);
  fail_unless_equals_string (event (ev, 1)->text, "");
  g_ptr_array_unref (ev);
  fail_unless (gst_stt_adapter_is_finished (a));
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_errors)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;

  ev = parse_ok (a, "{\"type\": \"error\", \"error\": {\"type\": "
      "\"invalid_request_error\", \"code\": \"invalid_api_key\", "
      "\"message\": \"Incorrect API key provided\"}}");
  fail_unless (event (ev, 0)->fatal && event (ev, 0)->auth);
  g_ptr_array_unref (ev);
  ev = parse_ok (a, "{\"type\": \"error\", \"error\": {\"type\": "
      "\"invalid_request_error\", \"code\": \"unknown_parameter\", "
      "\"message\": \"Unknown parameter: 'session.foo'.\"}}");
  fail_if (event (ev, 0)->fatal);
  fail_unless_equals_string (event (ev, 0)->kind, "unknown_parameter");
  g_ptr_array_unref (ev);

  parse_refused (a, "{\"item_id\": \"x\"}");
  parse_refused (a, "{\"type\": \"" COMMITTED "\"}");
  parse_refused (a, "{\"type\": \"" COMPLETED "\", \"item_id\": \"x\"}");
  parse_refused (a, "{\"type\": \"" STARTED "\", \"item_id\": \"x\"}");
  fail_unless_equals_int (count (parse_ok (a, "{\"type\": "
              "\"rate_limits.updated\"}")), 0);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_bounded_memory)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  guint i;

  gsize at_cap = 0, held;

  /* A server naming endless items is not remembered without bound: past
   * 256 items (the cap), more items add nothing. Unbounded, 10,000 items
   * would hold some 1 MB. */
  fail_unless_equals_int (gst_stt_adapter_held_bytes (a), 0);
  for (i = 0; i < 10000; i++) {
    gchar *id = g_strdup_printf ("i%u", i);

    g_ptr_array_unref (parse_msg (a, DELTA, id, "\"delta\": \"w\""));
    g_free (id);
    if (i == 255)
      at_cap = gst_stt_adapter_held_bytes (a);
  }
  held = gst_stt_adapter_held_bytes (a);
  fail_unless (at_cap > 256 * 3, "%" G_GSIZE_FORMAT, at_cap);
  fail_unless_equals_int (held, at_cap);

  /* Nor endless deltas to one item: its text stops at 64 kB (here 100 kB
   * were sent). */
  for (i = 0; i < 20000; i++)
    g_ptr_array_unref (parse_msg (a, DELTA, "i0", "\"delta\": \"word \""));
  held = gst_stt_adapter_held_bytes (a);
  fail_unless (held > at_cap + 60 * 1024, "%" G_GSIZE_FORMAT, held);
  fail_unless (held <= at_cap + 2 * 64 * 1024, "%" G_GSIZE_FORMAT, held);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

#define SEGMENT "conversation.item.input_audio_transcription.segment"

/* Fix 3. The diarizing model's segment messages (openai-python:
 * ConversationItemInputAudioTranscriptionSegment) are read, not errors:
 * they become the final's words with their speakers. */
GST_START_TEST (test_diarized_segments)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  GPtrArray *ev;
  GstSttEvent *e;

  s.model = "gpt-4o-transcribe-diarize";
  a = adapter_new (&s);
  send_frames (a, 40);
  g_ptr_array_unref (parse_msg (a, STARTED, "item_1",
          "\"audio_start_ms\": 1000"));
  g_ptr_array_unref (parse_msg (a, STOPPED, "item_1",
          "\"audio_end_ms\": 3500"));
  fail_unless_equals_int (count (parse_msg (a, COMMITTED, "item_1",
              "\"previous_item_id\": null")), 0);
  ev = parse_msg (a, SEGMENT, "item_1", "\"content_index\": 0, \"id\": "
      "\"seg_0\", \"text\": \"Hi Bob.\", \"speaker\": \"A\", \"start\": 0.1, "
      "\"end\": 0.9");
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);
  ev = parse_msg (a, SEGMENT, "item_1", "\"content_index\": 0, \"id\": "
      "\"seg_1\", \"text\": \" Hi Alice.\", \"speaker\": \"B\", \"start\": "
      "1.2, \"end\": 2.0");
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);
  ev = parse_msg (a, COMPLETED, "item_1", "\"content_index\": 0, "
      "\"transcript\": \"Hi Bob. Hi Alice.\"");
  fail_unless_equals_int (ev->len, 1);
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_FINAL);
  fail_unless_equals_string (e->text, "Hi Bob. Hi Alice.");
  fail_unless_equals_int (e->words->len, 2);
  fail_unless_equals_string (g_array_index (e->words, GstSttWord, 0).speaker,
      "A");
  fail_unless_equals_string (g_array_index (e->words, GstSttWord, 1).text,
      "Hi Alice.");
  fail_unless_equals_string (g_array_index (e->words, GstSttWord, 1).speaker,
      "B");
  fail_unless_equals_int64 (g_array_index (e->words, GstSttWord,
          1).start_ms, 2200);
  fail_unless_equals_int64 (g_array_index (e->words, GstSttWord, 1).end_ms,
      3000);
  fail_unless_equals_string (e->speaker, "A");
  g_ptr_array_unref (ev);

  /* a segment without text is malformed, one past the bound ignored */
  parse_refused (a, "{\"type\": \"" SEGMENT "\", \"item_id\": \"item_2\"}");
  gst_stt_adapter_free (a);
}

GST_END_TEST;

static void
send_level (GstSttAdapter * a, guint n, gint16 level, guint * commits)
{
  static gint16 pcm[FRAME_BYTES / 2];
  guint i, j;

  for (j = 0; j < G_N_ELEMENTS (pcm); j++)
    pcm[j] = (j % 2) ? level : -level;
  for (i = 0; i < n; i++) {
    gboolean is_text = FALSE;
    GBytes *frame = gst_stt_adapter_frame_audio (a, (guint8 *) pcm,
        sizeof (pcm), &is_text);
    gchar *after = gst_stt_adapter_after_audio_message (a);

    g_bytes_unref (frame);
    if (after != NULL) {
      fail_unless_equals_string (after,
          "{\"type\":\"input_audio_buffer.commit\"}");
      (*commits)++;
      g_free (after);
    }
  }
}

/* Fix 4. With turn_detection null the service never commits: the adapter
 * commits after speech and silence (end-of-turn-silence-ms, else 500 ms),
 * or after 10 s, and the items end where its commits did. With server
 * VAD, it never commits on its own. */
GST_START_TEST (test_client_commits_without_server_vad)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  GPtrArray *ev;
  guint commits = 0;

  /* server VAD: no commits of ours */
  a = adapter_new (&s);
  send_level (a, 30, 8000, &commits);
  send_level (a, 30, 0, &commits);
  fail_unless_equals_int (commits, 0);
  gst_stt_adapter_free (a);

  s.extra = "{\"audio\": {\"input\": {\"turn_detection\": null}}}";
  a = adapter_new (&s);
  fail_unless (strstr (gst_stt_adapter_get_request (a)->first_message,
          "\"turn_detection\":null") != NULL);
  /* 1 s of speech, then silence: the commit after 500 ms of it */
  send_level (a, 10, 8000, &commits);
  send_level (a, 4, 0, &commits);
  fail_unless_equals_int (commits, 0);
  send_level (a, 1, 0, &commits);
  fail_unless_equals_int (commits, 1);
  /* more silence alone commits nothing */
  send_level (a, 30, 0, &commits);
  fail_unless_equals_int (commits, 1);
  /* speech that never pauses: a commit at the latest 10 s after the last */
  send_level (a, 100, 8000, &commits);
  fail_unless_equals_int (commits, 2);

  /* the service's items end where the commits did: 1.5 s, then 11.5 s
   * (10 s after the first) */
  g_ptr_array_unref (parse_msg (a, COMMITTED, "item_1",
          "\"previous_item_id\": null"));
  g_ptr_array_unref (parse_msg (a, COMMITTED, "item_2",
          "\"previous_item_id\": \"item_1\""));
  ev = parse_msg (a, COMPLETED, "item_1", "\"content_index\": 0, "
      "\"transcript\": \"one\"");
  fail_unless_equals_int64 (event (ev, 0)->start_ms, 0);
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 1500);
  g_ptr_array_unref (ev);
  ev = parse_msg (a, COMPLETED, "item_2", "\"content_index\": 0, "
      "\"transcript\": \"two\"");
  fail_unless_equals_int64 (event (ev, 0)->start_ms, 1500);
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 11500);
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);

  /* at end of stream: a commit of ours still unanswered is answered
   * before the one the end of the stream sends, and keeps its place */
  commits = 0;
  a = adapter_new (&s);
  send_level (a, 10, 8000, &commits);
  send_level (a, 5, 0, &commits);
  fail_unless_equals_int (commits, 1);
  send_level (a, 10, 8000, &commits);
  g_free (gst_stt_adapter_eos_message (a));
  g_ptr_array_unref (parse_msg (a, COMMITTED, "item_1",
          "\"previous_item_id\": null"));
  fail_if (gst_stt_adapter_is_finished (a));
  g_ptr_array_unref (parse_msg (a, COMMITTED, "item_2",
          "\"previous_item_id\": \"item_1\""));
  ev = parse_msg (a, COMPLETED, "item_1", "\"content_index\": 0, "
      "\"transcript\": \"one\"");
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 1500);
  g_ptr_array_unref (ev);
  fail_if (gst_stt_adapter_is_finished (a));
  ev = parse_msg (a, COMPLETED, "item_2", "\"content_index\": 0, "
      "\"transcript\": \"two\"");
  fail_unless_equals_int64 (event (ev, 0)->start_ms, 1500);
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 2500);
  g_ptr_array_unref (ev);
  fail_unless (gst_stt_adapter_is_finished (a));
  gst_stt_adapter_free (a);

  /* the silence that ends a turn is end-of-turn-silence-ms */
  s.end_of_turn_silence_ms = 1000;
  commits = 0;
  a = adapter_new (&s);
  send_level (a, 5, 8000, &commits);
  send_level (a, 9, 0, &commits);
  fail_unless_equals_int (commits, 0);
  send_level (a, 1, 0, &commits);
  fail_unless_equals_int (commits, 1);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* vocabulary → transcription.prompt; end-of-turn-silence-ms → server
 * VAD's silence_duration_ms. */
GST_START_TEST (test_settings_mapping)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;

  s.vocabulary = "GStreamer,PipeWire";
  s.end_of_turn_silence_ms = 700;
  a = adapter_new (&s);
  fail_unless_equals_string (gst_stt_adapter_get_request (a)->first_message,
      "{\"type\":\"session.update\",\"session\":{\"type\":\"transcription\","
      "\"audio\":{\"input\":{\"format\":{\"type\":\"audio/pcm\",\"rate\":"
      "24000},\"transcription\":{\"model\":\"gpt-4o-transcribe\",\"prompt\":"
      "\"GStreamer, PipeWire\"},\"turn_detection\":{\"type\":\"server_vad\","
      "\"silence_duration_ms\":700}}}}}");
  gst_stt_adapter_free (a);
}

GST_END_TEST;

static Suite *
stt_openai_suite (void)
{
  Suite *s = suite_create ("stt-openai");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_session_update_and_audio);
  tcase_add_test (tc, test_only_24khz_mono);
  tcase_add_test (tc, test_completions_out_of_order);
  tcase_add_test (tc, test_committed_out_of_order);
  tcase_add_test (tc, test_nothing_left_to_commit);
  tcase_add_test (tc, test_errors);
  tcase_add_test (tc, test_bounded_memory);
  tcase_add_test (tc, test_diarized_segments);
  tcase_add_test (tc, test_client_commits_without_server_vad);
  tcase_add_test (tc, test_settings_mapping);
  return s;
}

GST_CHECK_MAIN (stt_openai);
