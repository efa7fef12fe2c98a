/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Speechmatics real-time, API v2.
 *
 * Authentication is `Authorization: Bearer <key>`. The first message is
 * `StartRecognition` with the audio format and the transcription config;
 * no audio may go before the service answers `RecognitionStarted`. Audio
 * goes out as binary frames, each acknowledged with `AudioAdded {seq_no}`;
 * the adapter counts them, and keeps at most MAX_UNACKED frames unanswered
 * so that it never runs far ahead of the service. End of stream is
 * `{"message":"EndOfStream","last_seq_no":N}` with the number of frames
 * sent; the service answers with what remains, then `EndOfTranscript`.
 *
 * `AddPartialTranscript` is the unfinished tail (replaced by the next one);
 * `AddTranscript` is final and additive, never revised. Results are words
 * and punctuation marks, each with its own times; a mark says which word
 * it belongs to (`attaches_to`: previous, next, both or none), so the
 * adapter glues it there: "Hello" "," "world" "." becomes the words
 * "Hello," and "world.". `EndOfUtterance` (asked for with
 * conversation_config) ends an utterance. Times are seconds. Errors come
 * in-band as `Error {type, reason}`, then a close. */

#include "stt-adapter.h"
#include "stt-json.h"
#include "stt-request.h"

#include <string.h>

/* Frames sent but not yet acknowledged; beyond this, audio waits. At 100 ms
 * frames the service may be 5 s behind. */
#define MAX_UNACKED 50

/* Silence after which the service says EndOfUtterance. */
#define END_OF_UTTERANCE_SILENCE_S 0.75

#define CLOSE_NOT_AUTHORISED 4001

typedef struct
{
  gboolean started;             /* RecognitionStarted came */
  guint64 seq_no;               /* frames sent this session */
  guint64 acked;                /* the highest seq_no acknowledged */
} SpeechmaticsState;

/* Speechmatics names languages by ISO-639 ("en") and spells a region as
 * the output locale: "en-US" is language "en", output_locale "en-US". */
static void
set_language (JsonObject * config, const gchar * language)
{
  const gchar *dash;

  if (language == NULL) {
    json_object_set_string_member (config, "language", "en");
    return;
  }
  dash = strchr (language, '-');
  if (dash != NULL && dash - language == 2 && strlen (dash + 1) == 2) {
    gchar *lang = g_strndup (language, 2);

    json_object_set_string_member (config, "language", lang);
    json_object_set_string_member (config, "output_locale", language);
    g_free (lang);
    return;
  }
  json_object_set_string_member (config, "language", language);
}

static gchar *
build_start (GstSttAdapter * a)
{
  JsonObject *root = json_object_new ();
  JsonObject *format = json_object_new ();
  JsonObject *config = json_object_new ();
  JsonObject *conversation = json_object_new ();
  gchar *text;

  json_object_set_string_member (root, "message", "StartRecognition");

  json_object_set_string_member (format, "type", "raw");
  json_object_set_string_member (format, "encoding", "pcm_s16le");
  json_object_set_int_member (format, "sample_rate", a->rate);
  json_object_set_object_member (root, "audio_format", format);

  set_language (config, a->language);
  if (a->model != NULL)
    json_object_set_string_member (config, "operating_point", a->model);
  json_object_set_boolean_member (config, "enable_partials",
      a->interim_results);
  if (a->diarize)
    json_object_set_string_member (config, "diarization", "speaker");
  json_object_set_double_member (conversation,
      "end_of_utterance_silence_trigger", END_OF_UTTERANCE_SILENCE_S);
  json_object_set_object_member (config, "conversation_config", conversation);
  json_object_set_object_member (root, "transcription_config", config);

  if (a->extra != NULL)
    gst_stt_json_merge (root, a->extra);

  text = gst_stt_json_object_to_string (root);
  json_object_unref (root);
  return text;
}

static gboolean
speechmatics_init (GstSttAdapter * a, GError ** error)
{
  if (!gst_stt_request_set_url (&a->request,
          a->url != NULL ? a->url : a->info->default_url, NULL, error))
    return FALSE;
  if (a->api_key != NULL) {
    gchar *auth = g_strconcat ("Bearer ", a->api_key, NULL);

    gst_stt_request_add_header (&a->request, "Authorization", auth);
    memset (auth, 0, strlen (auth));
    g_free (auth);
  }
  a->request.first_message = build_start (a);
  a->state = g_new0 (SpeechmaticsState, 1);
  return TRUE;
}

static void
speechmatics_start_session (GstSttAdapter * a)
{
  SpeechmaticsState *st = a->state;

  st->started = FALSE;
  st->seq_no = 0;
  st->acked = 0;
}

static gboolean
speechmatics_may_send_audio (GstSttAdapter * a)
{
  SpeechmaticsState *st = a->state;

  return st->started && st->seq_no - st->acked < MAX_UNACKED;
}

static GBytes *
speechmatics_frame_audio (GstSttAdapter * a, const guint8 * data, gsize size,
    gboolean * is_text)
{
  SpeechmaticsState *st = a->state;

  st->seq_no++;
  return g_bytes_new (data, size);
}

static gchar *
speechmatics_eos (GstSttAdapter * a)
{
  SpeechmaticsState *st = a->state;

  return g_strdup_printf ("{\"message\":\"EndOfStream\",\"last_seq_no\":%"
      G_GUINT64_FORMAT "}", st->seq_no);
}

/* "S1", "S2" …; "UU" is a speaker the service could not tell. */
static const gchar *
speaker_of (JsonObject * alt)
{
  const gchar *s = gst_stt_json_string (alt, "speaker");

  if (s == NULL || s[0] == '\0' || g_str_equal (s, "UU"))
    return NULL;
  return s;
}

/* Appends @mark to the last word, or keeps it to prefix the next one. */
static void
attach_mark (GstSttEvent * ev, const gchar * mark, const gchar * how,
    GString * prefix, gboolean * join_next)
{
  GstSttWord *last = ev->words->len > 0 ?
      &g_array_index (ev->words, GstSttWord, ev->words->len - 1) : NULL;

  if (how != NULL && g_str_equal (how, "next")) {
    g_string_append (prefix, mark);
    return;
  }
  if (last == NULL || (how != NULL && g_str_equal (how, "none"))) {
    /* nothing to attach to: the start of the next word */
    g_string_append (prefix, mark);
    return;
  }
  {
    gchar *text = g_strconcat (last->text, mark, NULL);

    g_free (last->text);
    last->text = text;
  }
  /* "both": the next word continues this one, without a space */
  if (how != NULL && g_str_equal (how, "both"))
    *join_next = TRUE;
}

static void
add_word (GstSttEvent * ev, const gchar * content, gint64 start, gint64 end,
    gdouble conf, const gchar * speaker, GString * prefix,
    gboolean * join_next)
{
  GstSttWord *last = ev->words->len > 0 ?
      &g_array_index (ev->words, GstSttWord, ev->words->len - 1) : NULL;
  gchar *text = g_strconcat (prefix->str, content, NULL);

  g_string_truncate (prefix, 0);
  if (*join_next && last != NULL) {
    gchar *joined = g_strconcat (last->text, text, NULL);

    g_free (last->text);
    last->text = joined;
    last->end_ms = MAX (last->end_ms, end);
    if (conf >= 0 && last->confidence >= 0)
      last->confidence = MIN (last->confidence, conf);
  } else {
    gst_stt_event_add_word (ev, text, start, end, conf, speaker);
  }
  *join_next = FALSE;
  g_free (text);
}

static void
add_results (GstSttEvent * ev, JsonArray * results)
{
  guint i, n = results != NULL ? json_array_get_length (results) : 0;
  GString *prefix = g_string_new (NULL);
  gboolean join_next = FALSE;

  for (i = 0; i < n; i++) {
    JsonObject *r = gst_stt_json_array_object (results, i);
    JsonObject *alt = gst_stt_json_array_object (gst_stt_json_array (r,
            "alternatives"), 0);
    const gchar *type = gst_stt_json_string (r, "type");
    const gchar *content = gst_stt_json_string (alt, "content");
    gdouble start = 0, end = 0, conf = GST_STT_CONFIDENCE_NONE;

    if (type == NULL || content == NULL || content[0] == '\0')
      continue;
    gst_stt_json_double (r, "start_time", &start);
    gst_stt_json_double (r, "end_time", &end);
    gst_stt_json_double (alt, "confidence", &conf);

    if (g_str_equal (type, "punctuation"))
      attach_mark (ev, content, gst_stt_json_string (r, "attaches_to"),
          prefix, &join_next);
    else if (g_str_equal (type, "word") || g_str_equal (type, "entity"))
      add_word (ev, content, gst_stt_seconds_to_ms (start),
          gst_stt_seconds_to_ms (end), conf, speaker_of (alt), prefix,
          &join_next);
  }
  /* a mark waiting for a word that never came */
  if (prefix->len > 0 && ev->words->len > 0) {
    GstSttWord *last = &g_array_index (ev->words, GstSttWord,
        ev->words->len - 1);
    gchar *text = g_strconcat (last->text, prefix->str, NULL);

    g_free (last->text);
    last->text = text;
  }
  g_string_free (prefix, TRUE);
}

static gchar *
join_words (GstSttEvent * ev)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < ev->words->len; i++) {
    if (i > 0)
      g_string_append_c (s, ' ');
    g_string_append (s, g_array_index (ev->words, GstSttWord, i).text);
  }
  return g_string_free (s, FALSE);
}

static gboolean
parse_transcript (GstSttAdapter * a, JsonObject * msg, gboolean final,
    GPtrArray * events, GError ** error)
{
  JsonObject *meta = gst_stt_json_object (msg, "metadata");
  gdouble start = 0, end = 0;
  GstSttEvent *ev;

  if (meta == NULL || !gst_stt_json_double (meta, "start_time", &start) ||
      !gst_stt_json_double (meta, "end_time", &end)) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
        "%s without metadata.start_time and end_time",
        final ? "AddTranscript" : "AddPartialTranscript");
    return FALSE;
  }
  if (!final && !a->interim_results)
    return TRUE;

  ev = gst_stt_event_new (final ? GST_STT_EVENT_FINAL :
      GST_STT_EVENT_PARTIAL);
  add_results (ev, gst_stt_json_array (msg, "results"));
  ev->text = join_words (ev);
  /* the message's span, not the words': silence is committed too */
  ev->start_ms = gst_stt_seconds_to_ms (start);
  ev->end_ms = gst_stt_seconds_to_ms (end);
  if (ev->words->len > 0)
    ev->speaker = g_strdup (g_array_index (ev->words, GstSttWord, 0).speaker);
  if (final)
    ev->confidence = gst_stt_mean_confidence (ev);

  /* an empty partial says nothing; an empty final still commits its span */
  if (!final && ev->text[0] == '\0') {
    gst_stt_event_free (ev);
    return TRUE;
  }
  g_ptr_array_add (events, ev);
  return TRUE;
}

/* In-band error types that a new session would only meet again. */
static gboolean
error_is_permanent (const gchar * type)
{
  static const gchar *const permanent[] = {
    "invalid_model", "invalid_config", "invalid_audio_type", "not_allowed",
    "invalid_message", "protocol_error", "unsupported",
  };
  guint i;

  for (i = 0; type != NULL && i < G_N_ELEMENTS (permanent); i++)
    if (g_str_equal (type, permanent[i]))
      return TRUE;
  return FALSE;
}

static gboolean
speechmatics_parse (GstSttAdapter * a, JsonObject * msg, const gchar * raw,
    GPtrArray * events, GError ** error)
{
  SpeechmaticsState *st = a->state;
  const gchar *type = gst_stt_json_string (msg, "message");

  if (type == NULL) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
        "message without a \"message\" name");
    return FALSE;
  }

  if (g_str_equal (type, "AudioAdded")) {
    gint64 seq;

    if (!gst_stt_json_int (msg, "seq_no", &seq)) {
      g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
          "AudioAdded without seq_no");
      return FALSE;
    }
    /* never beyond what was sent: a confused server cannot unbound us */
    if (seq > 0)
      st->acked = MAX (st->acked, MIN ((guint64) seq, st->seq_no));
    return TRUE;
  }

  if (g_str_equal (type, "AddTranscript"))
    return parse_transcript (a, msg, TRUE, events, error);
  if (g_str_equal (type, "AddPartialTranscript"))
    return parse_transcript (a, msg, FALSE, events, error);

  if (g_str_equal (type, "EndOfUtterance")) {
    JsonObject *meta = gst_stt_json_object (msg, "metadata");
    GstSttEvent *ev;
    gdouble at;

    if (!gst_stt_json_double (meta, "end_time", &at)) {
      g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
          "EndOfUtterance without metadata.end_time");
      return FALSE;
    }
    ev = gst_stt_event_new (GST_STT_EVENT_UTTERANCE_END);
    ev->end_ms = gst_stt_seconds_to_ms (at);
    g_ptr_array_add (events, ev);
    return TRUE;
  }

  if (g_str_equal (type, "RecognitionStarted")) {
    st->started = TRUE;
    gst_stt_add_metadata (events, type, raw);
    return TRUE;
  }

  if (g_str_equal (type, "EndOfTranscript")) {
    gst_stt_add_metadata (events, type, raw);
    a->finished = TRUE;
    return TRUE;
  }

  if (g_str_equal (type, "Info") || g_str_equal (type, "Warning")) {
    gst_stt_add_metadata (events, type, raw);
    return TRUE;
  }

  if (g_str_equal (type, "Error")) {
    const gchar *kind = gst_stt_json_string (msg, "type");
    GstSttEvent *ev = gst_stt_add_error (events,
        gst_stt_json_string (msg, "reason"), kind);

    if (g_strcmp0 (kind, "not_authorised") == 0)
      ev->fatal = ev->auth = TRUE;
    else if (error_is_permanent (kind))
      ev->fatal = TRUE;
    return TRUE;
  }

  /* A message type added after this was written: not an error. */
  return TRUE;
}

static const gchar *
speechmatics_close_hint (gushort code, gboolean * fatal)
{
  switch (code) {
    case CLOSE_NOT_AUTHORISED:
      *fatal = TRUE;
      return "Speechmatics refused the key: check api-key or "
          "SPEECHMATICS_API_KEY";
    case 4005:
      return "Speechmatics quota exceeded";
    case 4013:
      return "Speechmatics could not run the job";
    case 1011:
      return "Speechmatics hit an internal error";
    default:
      return NULL;
  }
}

static gboolean
speechmatics_close_is_auth (gushort code)
{
  return code == CLOSE_NOT_AUTHORISED;
}

static const GstSttBackendOps speechmatics_ops = {
  .init = speechmatics_init,
  .state_free = g_free,
  .start_session = speechmatics_start_session,
  .may_send_audio = speechmatics_may_send_audio,
  .frame_audio = speechmatics_frame_audio,
  .eos = speechmatics_eos,
  .parse = speechmatics_parse,
  .close_hint = speechmatics_close_hint,
  .close_is_auth = speechmatics_close_is_auth,
};

const GstSttBackendOps *
gst_stt_speechmatics_get_ops (void)
{
  return &speechmatics_ops;
}
