/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* AssemblyAI Universal Streaming, v3 (/v3/ws).
 *
 * Configuration is the query string; `speech_model` has no default on the
 * service's side and must be there. Authentication is the header
 * `Authorization: <key>`, without a scheme. Audio goes out as binary
 * frames of 50 to 1000 ms, never faster than real time (the element paces
 * it; the service closes with 3007 otherwise).
 *
 * The service answers with `Begin`, then `Turn` messages: a turn is
 * restated whole each time, with `end_of_turn:false` while it goes on (a
 * partial that replaces the previous one) and once with `end_of_turn:true`
 * when it ends. With `format_turns=true` (what the element asks for, for
 * punctuation and casing) an ended turn comes twice: first as spoken, then
 * formatted, with the same `turn_order`. Only one final per turn_order is
 * posted: the formatted copy; the unformatted one stands in as a partial
 * until it comes, and becomes the final if it never does (the next turn or
 * the end of the session arrives first). Times are integer milliseconds.
 * End of stream is `{"type":"Terminate"}`: the remaining turns, then
 * `Termination`, then close 1000. Errors come in-band as `Error` before the
 * close with the same code.
 *
 * With `speaker_labels=true` each final word carries its own `speaker`
 * (the turn's `speaker_label` is only the dominant one), so a turn where
 * the speaker changes mid-way gives a speaker turn at that word.
 * `SpeakerRevision` (relabelled speakers) cannot revise posted finals: it
 * is passed through as metadata. `Termination` before our `Terminate` is
 * the service ending the session (its maximum duration): the session
 * reconnects. `vocabulary` is `keyterms_prompt` (a JSON list),
 * `end-of-turn-silence-ms` is `min_end_of_turn_silence_when_confident`.
 * Checked against AssemblyAI's streaming docs (assemblyai.com/docs/
 * streaming/universal-streaming/message-sequence, /docs/streaming/
 * diarization-and-multichannel, /docs/api-reference/streaming-api/
 * streaming-api) and assemblyai-python-sdk (assemblyai/streaming/v3). */

#include "stt-adapter.h"
#include "stt-json.h"
#include "stt-request.h"

#include <string.h>

#define TERMINATE_MESSAGE "{\"type\":\"Terminate\"}"
#define DEFAULT_MODEL "universal-streaming-english"
#define MULTILINGUAL_MODEL "universal-streaming-multilingual"

/* Close and error codes (the v3 documentation, and 1008 from v3's first
 * release, which later ones still send for a refused key). */
#define CLOSE_UNAUTHORIZED 1008
#define CLOSE_NOT_AUTHORIZED_V2 4001
#define CLOSE_SESSION_CANCELLED 3005
#define CLOSE_INVALID_MESSAGE 3006
#define CLOSE_INPUT_VIOLATION 3007
#define CLOSE_SESSION_EXPIRED 3008
#define CLOSE_TOO_MANY_SESSIONS 3009

typedef struct
{
  gboolean format_turns;        /* ended turns come twice */
  gboolean have_final;
  gint64 last_final_order;      /* turn_order of the last final */
  GstSttEvent *held;            /* an unformatted ended turn awaiting its
                                 * formatted copy */
  gint64 held_order;
  gint64 final_end_ms;          /* end of the last final */
} AssemblyState;

static gboolean
assemblyai_init (GstSttAdapter * a, GError ** error)
{
  AssemblyState *st;
  GstSttQuery q;
  gchar *rate = g_strdup_printf ("%d", a->rate);
  const gchar *model = a->model;
  gboolean ok;
  guint i;

  /* English unless told otherwise: the multilingual model for any other
   * language. */
  if (model == NULL)
    model = (a->language == NULL ||
        g_ascii_strncasecmp (a->language, "en", 2) == 0) ? DEFAULT_MODEL :
        MULTILINGUAL_MODEL;

  gst_stt_query_init (&q);
  gst_stt_query_add (&q, "sample_rate", rate);
  gst_stt_query_add (&q, "encoding", "pcm_s16le");
  gst_stt_query_add (&q, "speech_model", model);
  gst_stt_query_add (&q, "format_turns", "true");
  if (a->diarize)
    gst_stt_query_add (&q, "speaker_labels", "true");
  if (a->vocabulary != NULL) {
    JsonArray *terms = json_array_new ();
    JsonNode *node = json_node_init_array (json_node_alloc (), terms);
    gchar *list;
    guint k;

    for (k = 0; a->vocabulary[k] != NULL; k++)
      json_array_add_string_element (terms, a->vocabulary[k]);
    list = json_to_string (node, FALSE);
    gst_stt_query_add (&q, "keyterms_prompt", list);
    g_free (list);
    json_node_unref (node);
    json_array_unref (terms);
  }
  if (a->end_of_turn_silence_ms > 0) {
    gchar *ms = g_strdup_printf ("%u", a->end_of_turn_silence_ms);

    gst_stt_query_add (&q, "min_end_of_turn_silence_when_confident", ms);
    g_free (ms);
  }

  ok = (a->extra == NULL || gst_stt_query_merge_json (&q, a->extra, error));
  if (ok) {
    gboolean has_model = FALSE;

    for (i = 0; i < q.names->len; i++)
      if (g_str_equal (g_ptr_array_index (q.names, i), "speech_model"))
        has_model = TRUE;
    if (!has_model) {
      g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_SETTINGS,
          "AssemblyAI needs a speech_model: extra must not remove it");
      ok = FALSE;
    }
  }
  ok = ok && gst_stt_request_set_url (&a->request,
      a->url != NULL ? a->url : a->info->default_url, &q, error);

  st = g_new0 (AssemblyState, 1);
  for (i = 0; i < q.names->len; i++)
    if (g_str_equal (g_ptr_array_index (q.names, i), "format_turns"))
      st->format_turns = g_ascii_strcasecmp (g_ptr_array_index (q.values, i),
          "true") == 0;
  a->state = st;

  if (ok && a->api_key != NULL)
    gst_stt_request_add_header (&a->request, "Authorization", a->api_key);

  gst_stt_query_clear (&q);
  g_free (rate);
  return ok;
}

static void
assemblyai_state_free (gpointer data)
{
  AssemblyState *st = data;

  gst_stt_event_free (st->held);
  g_free (st);
}

static void
assemblyai_start_session (GstSttAdapter * a)
{
  AssemblyState *st = a->state;

  /* turn_order starts at 0 again on a new session */
  st->have_final = FALSE;
  st->last_final_order = -1;
  g_clear_pointer (&st->held, gst_stt_event_free);
  st->final_end_ms = 0;
}

static gchar *
assemblyai_eos (GstSttAdapter * a)
{
  return g_strdup (TERMINATE_MESSAGE);
}

/* "A", "B" …; "UNKNOWN" is no label. */
static const gchar *
speaker_label (JsonObject * o)
{
  const gchar *label = gst_stt_json_string (o, "speaker_label");

  if (label == NULL || label[0] == '\0' ||
      g_ascii_strcasecmp (label, "UNKNOWN") == 0)
    return NULL;
  return label;
}

static gint64
ms_value (JsonObject * o, const gchar * name)
{
  gdouble ms;

  /* already ms: through seconds_to_ms for its bounds and rounding */
  if (!gst_stt_json_double (o, name, &ms))
    return 0;
  return gst_stt_seconds_to_ms (ms / 1000.0);
}

/* A word's own speaker (final words, with speaker_labels), else the
 * turn's. */
static const gchar *
word_speaker (JsonObject * w, const gchar * turn_speaker)
{
  const gchar *label = gst_stt_json_string (w, "speaker");

  if (label == NULL || label[0] == '\0')
    return turn_speaker;
  if (g_ascii_strcasecmp (label, "UNKNOWN") == 0)
    return NULL;
  return label;
}

static void
add_words (GstSttEvent * ev, JsonArray * words, const gchar * speaker)
{
  guint i, n = words != NULL ? json_array_get_length (words) : 0;

  for (i = 0; i < n; i++) {
    JsonObject *w = gst_stt_json_array_object (words, i);
    const gchar *text = gst_stt_json_string (w, "text");
    gdouble conf = GST_STT_CONFIDENCE_NONE;

    if (text == NULL || text[0] == '\0')
      continue;
    gst_stt_json_double (w, "confidence", &conf);
    gst_stt_event_add_word (ev, text, ms_value (w, "start"),
        ms_value (w, "end"), conf, word_speaker (w, speaker));
  }
}

/* The text of a turn: `transcript` holds only the words already final, so
 * a partial reads better from all of its words. */
static gchar *
turn_text (JsonObject * msg, GstSttEvent * ev, gboolean end_of_turn)
{
  const gchar *transcript = gst_stt_json_string (msg, "transcript");
  GString *s;
  guint i;

  if (end_of_turn && transcript != NULL)
    return g_strdup (transcript);
  if (ev->words->len == 0)
    return g_strdup (transcript != NULL ? transcript : "");
  s = g_string_new (NULL);
  for (i = 0; i < ev->words->len; i++) {
    if (i > 0)
      g_string_append_c (s, ' ');
    g_string_append (s, g_array_index (ev->words, GstSttWord, i).text);
  }
  return g_string_free (s, FALSE);
}

static GstSttEvent *
turn_event (AssemblyState * st, JsonObject * msg, GstSttEventType type,
    gboolean end_of_turn)
{
  GstSttEvent *ev = gst_stt_event_new (type);
  const gchar *speaker = speaker_label (msg);

  add_words (ev, gst_stt_json_array (msg, "words"), speaker);
  ev->text = turn_text (msg, ev, end_of_turn);
  /* who speaks first; span_words takes the first word's */
  if (ev->words->len == 0)
    ev->speaker = g_strdup (speaker);
  gst_stt_event_span_words (ev);
  if (ev->words->len == 0) {
    /* nothing said: it covers nothing new */
    ev->start_ms = ev->end_ms = st->final_end_ms;
  }
  if (type == GST_STT_EVENT_FINAL)
    ev->confidence = gst_stt_mean_confidence (ev);
  return ev;
}

/* Posts @final for turn @order, with the end of its utterance. */
static void
emit_final (AssemblyState * st, GstSttEvent * final, gint64 order,
    GPtrArray * events)
{
  gboolean said = final->text != NULL && final->text[0] != '\0';
  gint64 end = final->end_ms;

  st->have_final = TRUE;
  st->last_final_order = order;
  st->final_end_ms = MAX (st->final_end_ms, end);
  g_ptr_array_add (events, final);
  if (said) {
    GstSttEvent *u = gst_stt_event_new (GST_STT_EVENT_UTTERANCE_END);

    u->end_ms = end;
    g_ptr_array_add (events, u);
  }
}

/* The held unformatted turn becomes the final: its formatted copy is not
 * coming (another turn started, or the session ended). */
static void
release_held (AssemblyState * st, GPtrArray * events)
{
  GstSttEvent *held = st->held;

  if (held == NULL)
    return;
  st->held = NULL;
  emit_final (st, held, st->held_order, events);
}

static gboolean
parse_turn (GstSttAdapter * a, JsonObject * msg, GPtrArray * events,
    GError ** error)
{
  AssemblyState *st = a->state;
  gboolean end_of_turn = FALSE, formatted = FALSE;
  gint64 order;

  if (!gst_stt_json_int (msg, "turn_order", &order) || order < 0) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
        "Turn without a turn_order");
    return FALSE;
  }
  gst_stt_json_boolean (msg, "end_of_turn", &end_of_turn);
  gst_stt_json_boolean (msg, "turn_is_formatted", &formatted);

  /* A turn already posted: the second copy of a formatted turn, or a
   * repeat. */
  if (st->have_final && order <= st->last_final_order)
    return TRUE;

  if (st->held != NULL && order != st->held_order)
    release_held (st, events);

  if (!end_of_turn) {
    GstSttEvent *ev;

    /* the formatted copy of a held turn is the only news about it */
    if (st->held != NULL || !a->interim_results)
      return TRUE;
    ev = turn_event (st, msg, GST_STT_EVENT_PARTIAL, FALSE);
    if (ev->text[0] == '\0') {
      gst_stt_event_free (ev);
      return TRUE;
    }
    g_ptr_array_add (events, ev);
    return TRUE;
  }

  if (st->format_turns && !formatted) {
    GstSttEvent *partial;

    /* Hold it for the formatted copy; meanwhile it is the best partial. */
    gst_stt_event_free (st->held);
    st->held = turn_event (st, msg, GST_STT_EVENT_FINAL, TRUE);
    st->held_order = order;
    if (a->interim_results && st->held->text[0] != '\0') {
      partial = turn_event (st, msg, GST_STT_EVENT_PARTIAL, TRUE);
      g_ptr_array_add (events, partial);
    }
    return TRUE;
  }

  g_clear_pointer (&st->held, gst_stt_event_free);
  emit_final (st, turn_event (st, msg, GST_STT_EVENT_FINAL, TRUE), order,
      events);
  return TRUE;
}

static gboolean
is_auth_code (gint64 code)
{
  return code == CLOSE_UNAUTHORIZED || code == CLOSE_NOT_AUTHORIZED_V2;
}

static gboolean
assemblyai_parse (GstSttAdapter * a, JsonObject * msg, const gchar * raw,
    GPtrArray * events, GError ** error)
{
  AssemblyState *st = a->state;
  const gchar *type = gst_stt_json_string (msg, "type");

  if (type == NULL) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
        "message without a type");
    return FALSE;
  }

  if (g_str_equal (type, "Turn"))
    return parse_turn (a, msg, events, error);

  if (g_str_equal (type, "Begin") || g_str_equal (type, "SpeechStarted") ||
      g_str_equal (type, "SpeakerRevision")) {
    gst_stt_add_metadata (events, type, raw);
    return TRUE;
  }

  if (g_str_equal (type, "Termination")) {
    /* the service's last word: nothing else is coming */
    release_held (st, events);
    gst_stt_add_metadata (events, type, raw);
    if (a->eos_sent)
      a->finished = TRUE;
    else
      gst_stt_adapter_server_ended (a, "AssemblyAI ended the session before "
          "the end of the stream (Termination), as it does at the session's "
          "maximum duration", events);
    return TRUE;
  }

  if (g_str_equal (type, "Error")) {
    const gchar *text = gst_stt_json_string (msg, "error");
    gint64 code = 0;
    gchar *code_text = NULL;
    GstSttEvent *ev;

    if (gst_stt_json_int (msg, "error_code", &code))
      code_text = g_strdup_printf ("%" G_GINT64_FORMAT, code);
    ev = gst_stt_add_error (events, text, code_text);
    /* The close with the same code follows and decides the rest; a
     * refused key ends the session now. */
    if (is_auth_code (code))
      ev->fatal = ev->auth = TRUE;
    g_free (code_text);
    return TRUE;
  }

  /* A message type added after this was written: not an error. */
  return TRUE;
}

static const gchar *
assemblyai_close_hint (gushort code, gboolean * fatal)
{
  switch (code) {
    case CLOSE_UNAUTHORIZED:
    case CLOSE_NOT_AUTHORIZED_V2:
      *fatal = TRUE;
      return "AssemblyAI refused the connection: check api-key or "
          "ASSEMBLYAI_API_KEY";
    case CLOSE_SESSION_CANCELLED:
      return "AssemblyAI cancelled the session after a server error";
    case CLOSE_INVALID_MESSAGE:
      return "AssemblyAI could not read a message";
    case CLOSE_INPUT_VIOLATION:
      return "AssemblyAI refused the audio: frames must hold 50 to 1000 ms "
          "and come no faster than real time";
    case CLOSE_SESSION_EXPIRED:
      return "the AssemblyAI session reached its maximum duration";
    case CLOSE_TOO_MANY_SESSIONS:
      return "AssemblyAI: too many concurrent sessions";
    default:
      return NULL;
  }
}

static gboolean
assemblyai_close_is_auth (gushort code)
{
  return is_auth_code (code);
}

static const GstSttBackendOps assemblyai_ops = {
  .init = assemblyai_init,
  .state_free = assemblyai_state_free,
  .start_session = assemblyai_start_session,
  .eos = assemblyai_eos,
  .parse = assemblyai_parse,
  .close_hint = assemblyai_close_hint,
  .close_is_auth = assemblyai_close_is_auth,
};

const GstSttBackendOps *
gst_stt_assemblyai_get_ops (void)
{
  return &assemblyai_ops;
}
