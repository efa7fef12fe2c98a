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
 * in-band as `Error {type, reason}`, then a close.
 *
 * A mark can come in an AddTranscript of its own, after the final of the
 * word it belongs to ("world" in one, "." `attaches_to: previous` in the
 * next). Finals are never revised once posted, so a final that ends with a
 * word is held until the next AddTranscript (or EndOfUtterance, or
 * EndOfTranscript) says whether a mark follows; a final that ends with a
 * mark goes out at once, and so does any final after our EndOfStream.
 * The cost is one message of latency on finals that end mid-sentence.
 *
 * EndOfTranscript before our EndOfStream is the service ending the session
 * (a duration limit): the session reconnects rather than stop quietly.
 * Errors and close codes a new session would meet again (a language the
 * service does not offer, an exhausted time allowance) are fatal, with
 * what to change. Checked against the Realtime API reference
 * (docs.speechmatics.com/api-ref/realtime-transcription-websocket) and
 * speechmatics-python-sdk (sdk/rt/speechmatics/rt/_models.py). */

#include "stt-adapter.h"
#include "stt-json.h"
#include "stt-request.h"

#include <string.h>

/* Frames sent but not yet acknowledged; beyond this, audio waits. At 100 ms
 * frames the service may be 5 s behind. */
#define MAX_UNACKED 50

/* Silence after which the service says EndOfUtterance. */
#define END_OF_UTTERANCE_SILENCE_S 0.75

/* Close codes of the Realtime API reference's table. */
#define CLOSE_NOT_AUTHORISED 4001
#define CLOSE_INSUFFICIENT_FUNDS 4002
#define CLOSE_NOT_ALLOWED 4003
#define CLOSE_INVALID_MODEL 4004
#define CLOSE_QUOTA_EXCEEDED 4005
#define CLOSE_TIMELIMIT_EXCEEDED 4006
#define CLOSE_JOB_ERROR 4013

typedef struct
{
  gboolean started;             /* RecognitionStarted came */
  guint64 seq_no;               /* frames sent this session */
  guint64 acked;                /* the highest seq_no acknowledged */
  GstSttEvent *held;            /* a final ending with a word, waiting for
                                 * a mark of the next message */
} SpeechmaticsState;

/* The only output locales the service takes (the Realtime API reference,
 * transcription_config.output_locale). */
static const gchar *const output_locales[] = {
  "en-GB", "en-US", "en-AU", "cmn-Hans", "cmn-Hant",
};

/* Speechmatics names languages by ISO-639 ("en", "cmn") and takes a region
 * only as an output locale, for the few it has. "en-US" is language "en",
 * output_locale "en-US"; "de-DE" or "en-IN" are just "de" and "en";
 * Chinese is Mandarin, "cmn": "zh-CN" (simplified script), "zh-TW"
 * (traditional). */
static void
set_language (JsonObject * config, const gchar * language)
{
  const gchar *locale = NULL;
  gchar *lang;
  guint i;

  if (language == NULL) {
    json_object_set_string_member (config, "language", "en");
    return;
  }
  for (i = 0; i < G_N_ELEMENTS (output_locales); i++)
    if (g_ascii_strcasecmp (language, output_locales[i]) == 0)
      locale = output_locales[i];

  if (g_ascii_strcasecmp (language, "zh") == 0 ||
      g_ascii_strncasecmp (language, "zh-", 3) == 0) {
    lang = g_strdup ("cmn");
    if (g_ascii_strcasecmp (language, "zh-TW") == 0 ||
        g_ascii_strcasecmp (language, "zh-HK") == 0 ||
        g_ascii_strcasecmp (language, "zh-Hant") == 0)
      locale = "cmn-Hant";
    else if (g_ascii_strcasecmp (language, "zh") != 0)
      locale = "cmn-Hans";
  } else {
    const gchar *dash = strchr (language, '-');

    lang = dash != NULL ? g_strndup (language, dash - language) :
        g_strdup (language);
  }
  json_object_set_string_member (config, "language", lang);
  if (locale != NULL)
    json_object_set_string_member (config, "output_locale", locale);
  g_free (lang);
}

static void
set_vocabulary (JsonObject * config, gchar ** terms)
{
  JsonArray *vocab;

  if (terms == NULL)
    return;
  vocab = json_array_new ();
  for (; *terms != NULL; terms++) {
    JsonObject *entry = json_object_new ();

    json_object_set_string_member (entry, "content", *terms);
    json_array_add_object_element (vocab, entry);
  }
  json_object_set_array_member (config, "additional_vocab", vocab);
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
  set_vocabulary (config, a->vocabulary);
  if (a->max_delay_ms > 0)
    json_object_set_double_member (config, "max_delay",
        a->max_delay_ms / 1000.0);
  json_object_set_double_member (conversation,
      "end_of_utterance_silence_trigger", a->end_of_turn_silence_ms > 0 ?
      a->end_of_turn_silence_ms / 1000.0 : END_OF_UTTERANCE_SILENCE_S);
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
speechmatics_state_free (gpointer data)
{
  SpeechmaticsState *st = data;

  gst_stt_event_free (st->held);
  g_free (st);
}

static void
speechmatics_start_session (GstSttAdapter * a)
{
  SpeechmaticsState *st = a->state;

  st->started = FALSE;
  st->seq_no = 0;
  st->acked = 0;
  /* its audio was never committed: the new session transcribes it again */
  g_clear_pointer (&st->held, gst_stt_event_free);
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

static GstSttWord *
last_word (GstSttEvent * ev)
{
  if (ev == NULL || ev->words->len == 0)
    return NULL;
  return &g_array_index (ev->words, GstSttWord, ev->words->len - 1);
}

static void
append_text (GstSttWord * w, const gchar * more)
{
  gchar *text = g_strconcat (w->text, more, NULL);

  g_free (w->text);
  w->text = text;
}

/* Appends @mark to the last word (of this message, else of the held
 * final), or keeps it to prefix the next one. */
static void
attach_mark (GstSttEvent * ev, GstSttEvent * held, const gchar * mark,
    const gchar * how, GString * prefix, gboolean * join_next)
{
  GstSttWord *last = last_word (ev);

  if (how != NULL && (g_str_equal (how, "next") ||
          g_str_equal (how, "none"))) {
    /* "none": nothing to attach to, the start of the next word */
    g_string_append (prefix, mark);
    return;
  }
  if (last == NULL && prefix->len == 0)
    last = last_word (held);
  if (last == NULL) {
    g_string_append (prefix, mark);
    return;
  }
  append_text (last, mark);
  /* "both": the next word continues this one, without a space */
  if (how != NULL && g_str_equal (how, "both") && last == last_word (ev))
    *join_next = TRUE;
}

static void
add_word (GstSttEvent * ev, const gchar * content, gint64 start, gint64 end,
    gdouble conf, const gchar * speaker, GString * prefix,
    gboolean * join_next)
{
  GstSttWord *last = last_word (ev);
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

/* Fills @ev with the words of @results, marks glued on; a mark that comes
 * first goes to the last word of @held. Returns whether the last result
 * was a word: then a mark for it may still come. */
static gboolean
add_results (GstSttEvent * ev, GstSttEvent * held, JsonArray * results)
{
  guint i, n = results != NULL ? json_array_get_length (results) : 0;
  GString *prefix = g_string_new (NULL);
  gboolean join_next = FALSE, ends_with_word = FALSE;

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

    if (g_str_equal (type, "punctuation")) {
      attach_mark (ev, held, content, gst_stt_json_string (r, "attaches_to"),
          prefix, &join_next);
      ends_with_word = FALSE;
    } else if (g_str_equal (type, "word") || g_str_equal (type, "entity")) {
      add_word (ev, content, gst_stt_seconds_to_ms (start),
          gst_stt_seconds_to_ms (end), conf, speaker_of (alt), prefix,
          &join_next);
      ends_with_word = TRUE;
    }
  }
  /* a mark waiting for a word that never came */
  if (prefix->len > 0 && ev->words->len > 0)
    append_text (last_word (ev), prefix->str);
  g_string_free (prefix, TRUE);
  return ends_with_word;
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

/* The held final goes out, with whatever mark reached it meanwhile. */
static void
release_held (SpeechmaticsState * st, GPtrArray * events)
{
  GstSttEvent *held = st->held;

  if (held == NULL)
    return;
  st->held = NULL;
  g_free (held->text);
  held->text = join_words (held);
  g_ptr_array_add (events, held);
}

static gboolean
parse_transcript (GstSttAdapter * a, JsonObject * msg, gboolean final,
    GPtrArray * events, GError ** error)
{
  SpeechmaticsState *st = a->state;
  JsonObject *meta = gst_stt_json_object (msg, "metadata");
  gdouble start = 0, end = 0;
  gboolean open_end;
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
  /* a partial never takes a mark away from the held final */
  open_end = add_results (ev, final ? st->held : NULL,
      gst_stt_json_array (msg, "results"));
  ev->text = join_words (ev);
  /* the message's span, not the words': silence is committed too */
  ev->start_ms = gst_stt_seconds_to_ms (start);
  ev->end_ms = gst_stt_seconds_to_ms (end);
  if (ev->words->len > 0)
    ev->speaker = g_strdup (g_array_index (ev->words, GstSttWord, 0).speaker);

  if (!final) {
    /* an empty partial says nothing */
    if (ev->text[0] == '\0')
      gst_stt_event_free (ev);
    else
      g_ptr_array_add (events, ev);
    return TRUE;
  }

  ev->confidence = gst_stt_mean_confidence (ev);
  release_held (st, events);
  /* An empty final still commits its span. After our EndOfStream
   * nothing is held: a service that closes without EndOfTranscript must
   * not take the last words with it (a late mark is the lesser loss). */
  if (open_end && ev->words->len > 0 && !a->eos_sent)
    st->held = ev;
  else
    g_ptr_array_add (events, ev);
  return TRUE;
}

/* In-band error types that a new session would only meet again, with
 * what to change; NULL for one worth retrying. */
static const gchar *
permanent_error_hint (const gchar * type)
{
  static const struct
  {
    const gchar *type;
    const gchar *hint;
  } permanent[] = {
    {"invalid_language", "set language to one Speechmatics offers "
          "(ISO 639-1, such as \"en\" or \"de\")"},
    {"invalid_model", "set language and model to ones your Speechmatics "
          "account offers"},
    {"timelimit_exceeded", "the Speechmatics account has used its time "
          "allowance: raise it in the Speechmatics portal"},
    {"insufficient_funds", "add funds to the Speechmatics account"},
    {"invalid_config", "fix extra or the settings: the service refused the "
          "configuration"},
    {"invalid_audio_type", "the service refused the audio format"},
    {"not_allowed", "the Speechmatics account may not use this feature"},
    {"invalid_message", NULL},
    {"protocol_error", NULL},
    {"unsupported", NULL},
  };
  guint i;

  for (i = 0; type != NULL && i < G_N_ELEMENTS (permanent); i++)
    if (g_str_equal (type, permanent[i].type))
      return permanent[i].hint != NULL ? permanent[i].hint :
          "a new session would be refused the same way";
  return NULL;
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
    /* the utterance's marks came before its end */
    release_held (st, events);
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
    release_held (st, events);
    gst_stt_add_metadata (events, type, raw);
    if (a->eos_sent)
      a->finished = TRUE;
    else
      gst_stt_adapter_server_ended (a, "Speechmatics ended the session "
          "before the end of the stream (EndOfTranscript), as it does at a "
          "session duration limit", events);
    return TRUE;
  }

  if (g_str_equal (type, "Info") || g_str_equal (type, "Warning")) {
    gst_stt_add_metadata (events, type, raw);
    return TRUE;
  }

  if (g_str_equal (type, "Error")) {
    const gchar *kind = gst_stt_json_string (msg, "type");
    const gchar *reason = gst_stt_json_string (msg, "reason");
    const gchar *hint = permanent_error_hint (kind);
    GstSttEvent *ev;
    gchar *text = NULL;

    if (hint != NULL)
      text = g_strdup_printf ("%s: %s", reason != NULL && reason[0] ?
          reason : kind, hint);
    ev = gst_stt_add_error (events, text != NULL ? text : reason, kind);
    g_free (text);
    if (g_strcmp0 (kind, "not_authorised") == 0)
      ev->fatal = ev->auth = TRUE;
    else if (hint != NULL)
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
    case CLOSE_INSUFFICIENT_FUNDS:
      *fatal = TRUE;
      return "Speechmatics: insufficient funds on the account";
    case CLOSE_NOT_ALLOWED:
      *fatal = TRUE;
      return "Speechmatics: the account may not use this feature";
    case CLOSE_INVALID_MODEL:
      *fatal = TRUE;
      return "Speechmatics does not offer this language or model: set "
          "language (ISO 639-1, such as \"en\") and model to ones it offers";
    case CLOSE_QUOTA_EXCEEDED:
      return "Speechmatics quota exceeded";
    case CLOSE_TIMELIMIT_EXCEEDED:
      *fatal = TRUE;
      return "Speechmatics: the account has used its time allowance; "
          "raise it in the Speechmatics portal";
    case CLOSE_JOB_ERROR:
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
  .state_free = speechmatics_state_free,
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
