/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The AssemblyAI (Universal Streaming v3) adapter as a pure function, over
 * the message sequence the service documents for "Hi my name is Sonny. I
 * am a voice agent.": Begin, partial turns restated whole, an ended turn
 * sent twice with format_turns (unformatted, then formatted, same
 * turn_order), Terminate → remaining turns, Termination. */

#include <gst/check/gstcheck.h>
#include <string.h>

#include "stt-backend.h"

#define KEY "aai-secret-0123456789"

static GstSttSettings
default_settings (void)
{
  GstSttSettings s = {
    .backend = GST_STT_BACKEND_ASSEMBLYAI,
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
  fail_unless_equals_int (events->len, 0);
  g_error_free (err);
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

/* A Turn as the service sends it: words "text@start-end" with times in
 * ms, the last one not final unless the turn ended. */
static gchar *
turn (gint order, gboolean end, gboolean formatted, const gchar * transcript,
    const gchar * speaker, const gchar * const *words)
{
  GString *s = g_string_new (NULL);
  guint i, n = words ? g_strv_length ((gchar **) words) : 0;

  g_string_append_printf (s, "{\"turn_order\": %d, \"turn_is_formatted\": "
      "%s, \"end_of_turn\": %s, \"transcript\": \"%s\", "
      "\"end_of_turn_confidence\": 0.5, \"words\": [", order,
      formatted ? "true" : "false", end ? "true" : "false", transcript);
  for (i = 0; i < n; i++) {
    gchar **parts = g_strsplit_set (words[i], "@-", 3);

    g_string_append_printf (s, "%s{\"start\": %s, \"end\": %s, \"text\": "
        "\"%s\", \"confidence\": 0.8, \"word_is_final\": %s}",
        i ? ", " : "", parts[1], parts[2], parts[0],
        end || i + 1 < n ? "true" : "false");
    g_strfreev (parts);
  }
  g_string_append (s, "], \"utterance\": \"\"");
  if (speaker)
    g_string_append_printf (s, ", \"speaker_label\": \"%s\"", speaker);
  g_string_append (s, ", \"type\": \"Turn\"}");
  return g_string_free (s, FALSE);
}

static GPtrArray *
parse_turn (GstSttAdapter * a, gint order, gboolean end, gboolean formatted,
    const gchar * transcript, const gchar * speaker,
    const gchar * const *words)
{
  gchar *json = turn (order, end, formatted, transcript, speaker, words);
  GPtrArray *events = parse_ok (a, json);

  g_free (json);
  return events;
}

GST_START_TEST (test_request)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  const GstSttRequest *r = gst_stt_adapter_get_request (a);
  gchar *eos;

  fail_unless_equals_string (r->url,
      "wss://streaming.assemblyai.com/v3/ws?sample_rate=16000&"
      "encoding=pcm_s16le&speech_model=universal-streaming-english&"
      "format_turns=true");
  fail_unless_equals_string (r->display_url,
      "wss://streaming.assemblyai.com/v3/ws");
  /* the key as is: no scheme */
  fail_unless_equals_string (header (r, "Authorization"), KEY);
  fail_unless (r->first_message == NULL);
  fail_unless (gst_stt_adapter_keepalive_message (a) == NULL);
  eos = gst_stt_adapter_eos_message (a);
  fail_unless_equals_string (eos, "{\"type\":\"Terminate\"}");
  g_free (eos);
  gst_stt_adapter_free (a);

  /* another language picks the multilingual model; diarize asks for
   * speaker labels; extra adds and replaces parameters */
  s.language = "es";
  s.diarize = TRUE;
  s.extra = "{\"format_turns\": false, \"keyterms_prompt\": [\"Snapcast\", "
      "\"GStreamer\"], \"max_turn_silence\": 800}";
  s.url = "ws://127.0.0.1:9/v3/ws";
  a = adapter_new (&s);
  r = gst_stt_adapter_get_request (a);
  fail_unless_equals_string (r->url,
      "ws://127.0.0.1:9/v3/ws?sample_rate=16000&encoding=pcm_s16le&"
      "speech_model=universal-streaming-multilingual&format_turns=false&"
      "speaker_labels=true&keyterms_prompt=Snapcast&"
      "keyterms_prompt=GStreamer&max_turn_silence=800");
  gst_stt_adapter_free (a);

  s = default_settings ();
  s.model = "universal-streaming-multilingual";
  a = adapter_new (&s);
  fail_unless (strstr (gst_stt_adapter_get_request (a)->url,
          "speech_model=universal-streaming-multilingual") != NULL);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_settings_refused)
{
  GstSttSettings s = default_settings ();
  GError *err = NULL;

  /* the model is required by the service */
  s.extra = "{\"speech_model\": null}";
  fail_if (gst_stt_adapter_new (&s, &err));
  fail_unless (strstr (err->message, "speech_model") != NULL);
  g_clear_error (&err);

  s = default_settings ();
  s.channels = 2;
  fail_if (gst_stt_adapter_new (&s, &err));
  fail_unless_equals_string (err->message,
      "AssemblyAI takes at most 1 channel, not 2");
  g_clear_error (&err);

  s = default_settings ();
  s.api_key = NULL;
  fail_if (gst_stt_adapter_new (&s, &err));
  fail_unless (g_error_matches (err, GST_STT_ERROR, GST_STT_ERROR_NO_KEY));
  fail_unless (strstr (err->message, "ASSEMBLYAI_API_KEY") != NULL);
  g_clear_error (&err);
}

GST_END_TEST;

GST_START_TEST (test_formatted_turn_posted_once)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  const gchar *const w1[] = { "hi@1920-2000", NULL };
  const gchar *const w2[] = { "hi@1920-2000", "my@2800-2880", NULL };
  const gchar *const w_end[] = { "hi@1920-2000", "my@2800-2880",
    "name@2960-3200", "is@3280-3360", "sonny@3440-3920", NULL
  };
  const gchar *const w_fmt[] = { "Hi@1920-2000", "my@2800-2880",
    "name@2960-3200", "is@3280-3360", "Sonny.@3440-3920", NULL
  };
  GPtrArray *ev;
  GstSttEvent *e;

  ev = parse_ok (a, "{\"type\": \"Begin\", \"id\": "
      "\"de5d9927-73a6-4be8-b52d-b4c07be37e6b\", \"expires_at\": "
      "1759796682}");
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_METADATA);
  fail_unless_equals_string (event (ev, 0)->kind, "Begin");
  g_ptr_array_unref (ev);

  /* partials restate the whole turn, non-final words included */
  ev = parse_turn (a, 0, FALSE, FALSE, "", NULL, w1);
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_PARTIAL);
  fail_unless_equals_string (e->text, "hi");
  fail_unless_equals_int64 (e->start_ms, 1920);
  fail_unless_equals_int64 (e->end_ms, 2000);
  g_ptr_array_unref (ev);
  ev = parse_turn (a, 0, FALSE, FALSE, "hi", NULL, w2);
  fail_unless_equals_string (event (ev, 0)->text, "hi my");
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 2880);
  g_ptr_array_unref (ev);

  /* the turn ends: unformatted first, held as a partial */
  ev = parse_turn (a, 0, TRUE, FALSE, "hi my name is sonny", NULL, w_end);
  fail_unless_equals_int (ev->len, 1);
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_PARTIAL);
  fail_unless_equals_string (event (ev, 0)->text, "hi my name is sonny");
  g_ptr_array_unref (ev);

  /* then formatted, same turn_order: the one final, and the utterance end */
  ev = parse_turn (a, 0, TRUE, TRUE, "Hi my name is Sonny.", NULL, w_fmt);
  fail_unless_equals_int (ev->len, 2);
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_FINAL);
  fail_unless_equals_string (e->text, "Hi my name is Sonny.");
  fail_unless_equals_int64 (e->start_ms, 1920);
  fail_unless_equals_int64 (e->end_ms, 3920);
  fail_unless_equals_float (e->confidence, 0.8);
  fail_unless_equals_int (e->words->len, 5);
  fail_unless_equals_string (word (e, 4)->text, "Sonny.");
  fail_unless_equals_int64 (word (e, 4)->start_ms, 3440);
  fail_unless (e->speaker == NULL);
  fail_unless_equals_int (event (ev, 1)->type, GST_STT_EVENT_UTTERANCE_END);
  fail_unless_equals_int64 (event (ev, 1)->end_ms, 3920);
  g_ptr_array_unref (ev);

  /* a repeat of either copy changes nothing */
  ev = parse_turn (a, 0, TRUE, TRUE, "Hi my name is Sonny.", NULL, w_fmt);
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);
  ev = parse_turn (a, 0, TRUE, FALSE, "hi my name is sonny", NULL, w_end);
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);

  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_unformatted_final_when_copy_never_comes)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  const gchar *const w0[] = { "one@100-400", NULL };
  const gchar *const w1[] = { "two@1500-1800", NULL };
  const gchar *const w2[] = { "three@2500-2900", NULL };
  GPtrArray *ev;
  gchar *eos;

  /* turn 0 ends without its formatted copy; turn 1 starts */
  ev = parse_turn (a, 0, TRUE, FALSE, "one", NULL, w0);
  g_ptr_array_unref (ev);
  ev = parse_turn (a, 1, FALSE, FALSE, "", NULL, w1);
  fail_unless_equals_int (ev->len, 3);
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_FINAL);
  fail_unless_equals_string (event (ev, 0)->text, "one");
  fail_unless_equals_int (event (ev, 1)->type, GST_STT_EVENT_UTTERANCE_END);
  fail_unless_equals_int (event (ev, 2)->type, GST_STT_EVENT_PARTIAL);
  fail_unless_equals_string (event (ev, 2)->text, "two");
  g_ptr_array_unref (ev);

  /* a late formatted copy of turn 0 is a duplicate */
  ev = parse_turn (a, 0, TRUE, TRUE, "One.", NULL, w0);
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);

  /* Terminate: the held turn 2 goes out before Termination */
  ev = parse_turn (a, 1, TRUE, TRUE, "Two.", NULL, w1);
  g_ptr_array_unref (ev);
  eos = gst_stt_adapter_eos_message (a);
  g_free (eos);
  ev = parse_turn (a, 2, TRUE, FALSE, "three", NULL, w2);
  fail_unless_equals_int (ev->len, 1);   /* the partial */
  g_ptr_array_unref (ev);
  fail_if (gst_stt_adapter_is_finished (a));
  ev = parse_ok (a, "{\"type\": \"Termination\", "
      "\"audio_duration_seconds\": 3, \"session_duration_seconds\": 4}");
  fail_unless_equals_int (ev->len, 3);
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_FINAL);
  fail_unless_equals_string (event (ev, 0)->text, "three");
  fail_unless_equals_int (event (ev, 2)->type, GST_STT_EVENT_METADATA);
  fail_unless_equals_string (event (ev, 2)->kind, "Termination");
  fail_unless (gst_stt_adapter_is_finished (a));
  g_ptr_array_unref (ev);

  /* a new session counts turns from 0 again */
  gst_stt_adapter_start_session (a);
  fail_if (gst_stt_adapter_is_finished (a));
  ev = parse_turn (a, 0, TRUE, TRUE, "One.", NULL, w0);
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_FINAL);
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_without_format_turns_and_partials)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  const gchar *const w0[] = { "one@100-400", "two@500-800", NULL };
  GPtrArray *ev;

  s.extra = "{\"format_turns\": false}";
  s.interim_results = FALSE;
  a = adapter_new (&s);
  ev = parse_turn (a, 0, FALSE, FALSE, "one", NULL, w0);
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);
  /* without format_turns the first ended turn is the final */
  ev = parse_turn (a, 0, TRUE, FALSE, "one two", NULL, w0);
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_FINAL);
  fail_unless_equals_string (event (ev, 0)->text, "one two");
  g_ptr_array_unref (ev);
  ev = parse_turn (a, 0, TRUE, FALSE, "one two", NULL, w0);
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);

  /* an ended turn with nothing said commits nothing new */
  ev = parse_turn (a, 1, TRUE, FALSE, "", NULL, NULL);
  fail_unless_equals_int (ev->len, 1);
  fail_unless_equals_string (event (ev, 0)->text, "");
  fail_unless_equals_int64 (event (ev, 0)->start_ms, 800);
  fail_unless_equals_int64 (event (ev, 0)->end_ms, 800);
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

GST_START_TEST (test_speaker_labels)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  const gchar *const w0[] = { "Hello.@100-400", NULL };
  const gchar *const w1[] = { "Hi.@900-1200", NULL };
  GPtrArray *ev;
  GstSttEvent *e;

  s.diarize = TRUE;
  s.extra = "{\"format_turns\": false}";
  a = adapter_new (&s);
  ev = parse_turn (a, 0, TRUE, FALSE, "Hello.", "A", w0);
  e = event (ev, 0);
  fail_unless_equals_string (e->speaker, "A");
  fail_unless_equals_string (word (e, 0)->speaker, "A");
  g_ptr_array_unref (ev);
  ev = parse_turn (a, 1, TRUE, FALSE, "Hi.", "UNKNOWN", w1);
  e = event (ev, 0);
  fail_unless (e->speaker == NULL);
  fail_unless (word (e, 0)->speaker == NULL);
  g_ptr_array_unref (ev);
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

  ev = parse_ok (a, "{\"type\": \"Error\", \"error_code\": 3008, \"error\": "
      "\"Session Expired: Maximum session duration exceeded\"}");
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_ERROR);
  fail_unless_equals_string (event (ev, 0)->kind, "3008");
  fail_if (event (ev, 0)->fatal);
  fail_if (event (ev, 0)->auth);
  g_ptr_array_unref (ev);

  ev = parse_ok (a, "{\"type\": \"Error\", \"error_code\": 1008, \"error\": "
      "\"Unauthorized Connection: Missing Authorization header\"}");
  fail_unless (event (ev, 0)->fatal);
  fail_unless (event (ev, 0)->auth);
  fail_unless_equals_string (event (ev, 0)->text,
      "Unauthorized Connection: Missing Authorization header");
  g_ptr_array_unref (ev);

  text = gst_stt_adapter_describe_close (a, 3007, "Audio Transmission Rate "
      "Exceeded", &fatal);
  fail_unless (g_str_has_prefix (text, "AssemblyAI refused the audio"));
  fail_if (fatal);
  g_free (text);
  fail_unless (gst_stt_adapter_close_is_auth (a, 1008));
  fail_if (gst_stt_adapter_close_is_auth (a, 3008));
  text = gst_stt_adapter_describe_close (a, 3008, NULL, &fatal);
  fail_if (fatal);
  g_free (text);

  /* what is not a turn is refused, what is new is ignored */
  parse_refused (a, "{\"turn_order\": 1, \"end_of_turn\": true}");
  parse_refused (a, "{\"type\": \"Turn\", \"end_of_turn\": true}");
  parse_refused (a, "{\"type\": \"Turn\", \"turn_order\": -4}");
  ev = parse_ok (a, "{\"type\": \"LanguageDetected\", \"language\": \"en\"}");
  fail_unless_equals_int (ev->len, 0);
  g_ptr_array_unref (ev);
  /* odd values are tolerated */
  ev = parse_ok (a, "{\"type\": \"Turn\", \"turn_order\": 5, \"end_of_turn\": "
      "\"yes\", \"words\": [null, 3, {\"text\": 7}, {\"text\": \"x\", "
      "\"start\": -5, \"end\": 300}], \"transcript\": 9}");
  g_ptr_array_unref (ev);
  /* Defect F: but not a time past any audio sent */
  parse_refused (a, "{\"type\": \"Turn\", \"turn_order\": 6, "
      "\"end_of_turn\": false, \"words\": [{\"text\": \"x\", "
      "\"start\": 1e300, \"end\": 1e300}], \"transcript\": \"\"}");
  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* Fix 9. With speaker_labels each final word names its speaker
 * (diarization-and-multichannel): a turn where the speaker changes
 * mid-way keeps both; SpeakerRevision is passed through, not dropped. */
GST_START_TEST (test_word_speakers_and_revision)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  GPtrArray *ev;
  GstSttEvent *e;
  GstSttSpeakerTracker tracker;
  GArray *turns;

  s.diarize = TRUE;
  s.extra = "{\"format_turns\": false}";
  a = adapter_new (&s);
  ev = parse_ok (a, "{\"type\": \"Turn\", \"turn_order\": 0, "
      "\"turn_is_formatted\": false, \"end_of_turn\": true, \"transcript\": "
      "\"hi there hello\", \"speaker_label\": \"A\", \"words\": ["
      "{\"start\": 100, \"end\": 300, \"text\": \"hi\", \"confidence\": 0.9, "
      "\"word_is_final\": true, \"speaker\": \"A\"}, "
      "{\"start\": 300, \"end\": 600, \"text\": \"there\", \"confidence\": "
      "0.9, \"word_is_final\": true, \"speaker\": \"A\"}, "
      "{\"start\": 900, \"end\": 1300, \"text\": \"hello\", \"confidence\": "
      "0.8, \"word_is_final\": true, \"speaker\": \"B\"}]}");
  e = event (ev, 0);
  fail_unless_equals_int (e->type, GST_STT_EVENT_FINAL);
  fail_unless_equals_string (word (e, 0)->speaker, "A");
  fail_unless_equals_string (word (e, 2)->speaker, "B");
  fail_unless_equals_string (e->speaker, "A");
  /* two speaker turns out of one Turn message */
  gst_stt_speaker_tracker_init (&tracker);
  turns = g_array_new (FALSE, FALSE, sizeof (GstSttTurn));
  g_array_set_clear_func (turns, (GDestroyNotify) gst_stt_turn_clear);
  fail_unless_equals_int (gst_stt_speaker_tracker_feed (&tracker, e, turns),
      2);
  fail_unless_equals_int64 (g_array_index (turns, GstSttTurn, 1).at_ms, 900);
  g_array_unref (turns);
  gst_stt_speaker_tracker_clear (&tracker);
  g_ptr_array_unref (ev);

  ev = parse_ok (a, "{\"type\": \"SpeakerRevision\", \"turn_order\": 0}");
  fail_unless_equals_int (ev->len, 1);
  fail_unless_equals_int (event (ev, 0)->type, GST_STT_EVENT_METADATA);
  fail_unless_equals_string (event (ev, 0)->kind, "SpeakerRevision");
  g_ptr_array_unref (ev);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* Fix 7. Termination without our Terminate: the service ended the
 * session (maximum duration). Not finished: SESSION_END, and the close
 * that follows says so. */
GST_START_TEST (test_service_ends_session)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a = adapter_new (&s);
  GPtrArray *ev;
  gboolean fatal = TRUE;
  gchar *text;

  ev = parse_ok (a, "{\"type\": \"Termination\", "
      "\"audio_duration_seconds\": 10800, \"session_duration_seconds\": "
      "10800}");
  fail_if (gst_stt_adapter_is_finished (a));
  fail_unless_equals_int (ev->len, 2);
  fail_unless_equals_string (event (ev, 0)->kind, "Termination");
  fail_unless_equals_int (event (ev, 1)->type, GST_STT_EVENT_SESSION_END);
  g_ptr_array_unref (ev);
  text = gst_stt_adapter_describe_close (a, 1000, NULL, &fatal);
  fail_if (fatal);
  fail_unless (g_str_has_prefix (text, "AssemblyAI ended the session before "
          "the end of the stream (Termination)"), "%s", text);
  g_free (text);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

/* vocabulary → keyterms_prompt (a JSON list), end-of-turn-silence-ms →
 * min_end_of_turn_silence_when_confident. */
GST_START_TEST (test_settings_mapping)
{
  GstSttSettings s = default_settings ();
  GstSttAdapter *a;
  const gchar *url;

  s.vocabulary = "Snapcast, GStreamer";
  s.end_of_turn_silence_ms = 400;
  a = adapter_new (&s);
  url = gst_stt_adapter_get_request (a)->url;
  fail_unless (g_str_equal (url, "wss://streaming.assemblyai.com/v3/ws?"
          "sample_rate=16000&encoding=pcm_s16le&speech_model="
          "universal-streaming-english&format_turns=true&keyterms_prompt="
          "%5B%22Snapcast%22%2C%22GStreamer%22%5D&"
          "min_end_of_turn_silence_when_confident=400"), "%s", url);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

static Suite *
stt_assemblyai_suite (void)
{
  Suite *s = suite_create ("stt-assemblyai");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_request);
  tcase_add_test (tc, test_settings_refused);
  tcase_add_test (tc, test_formatted_turn_posted_once);
  tcase_add_test (tc, test_unformatted_final_when_copy_never_comes);
  tcase_add_test (tc, test_without_format_turns_and_partials);
  tcase_add_test (tc, test_speaker_labels);
  tcase_add_test (tc, test_errors_and_close_codes);
  tcase_add_test (tc, test_word_speakers_and_revision);
  tcase_add_test (tc, test_service_ends_session);
  tcase_add_test (tc, test_settings_mapping);
  return s;
}

GST_CHECK_MAIN (stt_assemblyai);
