/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Vosk server (vosk-server's websocket/asr_server.py and compatibles).
 *
 * No authentication. The first message is the text
 * `{"config": {"sample_rate": N, …}}` (without it the server assumes
 * 8 kHz). Audio goes out as binary frames of mono S16LE, and the server
 * answers every frame with exactly one message: `{"partial": "…"}` while an
 * utterance goes on, `{"text": "…", "result": [words]}` when it ends (or,
 * with max_alternatives, `{"alternatives": [{"text", "result",
 * "confidence"}]}`). End of stream is the text `{"eof" : 1}`, spelled with
 * those spaces because the server compares strings; its answer is the last
 * result, then the server closes.
 *
 * Replies carry no times except word times, so the adapter keeps the end
 * time of each frame in flight: the reply at the head of that queue covers
 * the audio up to it. That also bounds how far the client runs ahead.
 *
 * Two servers speak this protocol, differently (vosk-server's
 * websocket/asr_server.py and websocket-cpp/asr_server.cpp):
 * - the Python server reads the config (sample_rate, words,
 *   max_alternatives, phrase_list) and answers only audio and eof;
 * - the C++ server ignores the config (its rate is the environment's
 *   VOSK_SAMPLE_RATE, 8000 by default) and answers every message, the
 *   config included, as if it were audio.
 * Against the C++ server, replies run one message behind the frames, so
 * the reply taken for the eof can be the last frame's. The eof's answer
 * is always a result (the recogniser's final result), never a partial: a
 * partial where the eof's answer was expected means that answer is still
 * to come, and the session waits for it. (A result there ended the
 * utterance at the last frame: nothing is left for the eof's answer.)
 * Partial and empty-final times are then one frame late. `vocabulary`
 * becomes the Python server's `phrase_list`: a grammar, so the recogniser
 * hears only those phrases (and "[unk]"), and only with models that have
 * a dynamic graph; the C++ server ignores it. */

#include "stt-adapter.h"
#include "stt-json.h"
#include "stt-request.h"

#define EOF_MESSAGE "{\"eof\" : 1}"

/* Frames sent but not yet answered; beyond this, audio waits. At 100 ms
 * frames the server may be 800 ms behind. */
#define MAX_IN_FLIGHT 8

#define EOF_MARK ((gint64) -2)

typedef struct
{
  GArray *pending;              /* of gint64: frame end times, or EOF_MARK */
  guint head;                   /* index of the oldest pending entry */
  guint64 frames_sent;          /* this session */
  gint64 last_end_ms;           /* audio covered by the last reply */
  gint64 final_end_ms;          /* end of the last final */
} VoskState;

static gint64
frames_to_ms (GstSttAdapter * a, guint64 frames)
{
  return (gint64) (frames * 1000 / (guint64) a->rate);
}

static gchar *
build_config (GstSttAdapter * a)
{
  JsonObject *config = json_object_new ();
  JsonObject *root = json_object_new ();
  JsonNode *node;
  gchar *text;

  json_object_set_int_member (config, "sample_rate", a->rate);
  json_object_set_boolean_member (config, "words", TRUE);
  if (a->vocabulary != NULL) {
    JsonArray *phrases = json_array_new ();
    guint i;

    for (i = 0; a->vocabulary[i] != NULL; i++)
      json_array_add_string_element (phrases, a->vocabulary[i]);
    json_object_set_array_member (config, "phrase_list", phrases);
  }

  if (a->extra != NULL) {
    JsonObjectIter iter;
    const gchar *name;
    JsonNode *value;

    json_object_iter_init_ordered (&iter, a->extra);
    while (json_object_iter_next_ordered (&iter, &name, &value)) {
      if (JSON_NODE_HOLDS_NULL (value))
        json_object_remove_member (config, name);
      else
        json_object_set_member (config, name, json_node_copy (value));
    }
  }

  json_object_set_object_member (root, "config", config);
  node = json_node_init_object (json_node_alloc (), root);
  text = json_to_string (node, FALSE);
  json_node_unref (node);
  json_object_unref (root);
  return text;
}

static gboolean
vosk_init (GstSttAdapter * a, GError ** error)
{
  VoskState *st;

  if (!gst_stt_request_set_url (&a->request,
          a->url != NULL ? a->url : a->info->default_url, NULL, error))
    return FALSE;
  a->request.first_message = build_config (a);

  st = g_new0 (VoskState, 1);
  st->pending = g_array_new (FALSE, FALSE, sizeof (gint64));
  a->state = st;
  return TRUE;
}

static void
vosk_state_free (gpointer data)
{
  VoskState *st = data;

  g_array_unref (st->pending);
  g_free (st);
}

static void
vosk_start_session (GstSttAdapter * a)
{
  VoskState *st = a->state;

  g_array_set_size (st->pending, 0);
  st->head = 0;
  st->frames_sent = 0;
  st->last_end_ms = 0;
  st->final_end_ms = 0;
}

static guint
in_flight (VoskState * st)
{
  return st->pending->len - st->head;
}

static void
push_pending (VoskState * st, gint64 end_ms)
{
  /* Compact once the consumed head dominates, so the array stays small. */
  if (st->head > 0 && st->head == st->pending->len) {
    g_array_set_size (st->pending, 0);
    st->head = 0;
  } else if (st->head >= 64 && st->head * 2 >= st->pending->len) {
    g_array_remove_range (st->pending, 0, st->head);
    st->head = 0;
  }
  g_array_append_val (st->pending, end_ms);
}

/* The end time of the audio the next reply covers, or EOF_MARK. A reply
 * nobody waits for (a server that answers more than once) covers nothing
 * new. */
static gint64
pop_pending (VoskState * st)
{
  if (in_flight (st) == 0)
    return st->last_end_ms;
  return g_array_index (st->pending, gint64, st->head++);
}

static gboolean
vosk_may_send_audio (GstSttAdapter * a)
{
  return in_flight (a->state) < MAX_IN_FLIGHT;
}

static GBytes *
vosk_frame_audio (GstSttAdapter * a, const guint8 * data, gsize size,
    gboolean * is_text)
{
  VoskState *st = a->state;

  st->frames_sent += size / (2 * (gsize) a->channels);
  push_pending (st, frames_to_ms (a, st->frames_sent));
  return g_bytes_new (data, size);
}

static gchar *
vosk_eos (GstSttAdapter * a)
{
  push_pending (a->state, EOF_MARK);
  return g_strdup (EOF_MESSAGE);
}

static void
add_words (GstSttEvent * ev, JsonArray * words)
{
  guint i, n = words != NULL ? json_array_get_length (words) : 0;

  for (i = 0; i < n; i++) {
    JsonObject *w = gst_stt_json_array_object (words, i);
    const gchar *text = gst_stt_json_string (w, "word");
    gdouble start = 0, end = 0, conf = GST_STT_CONFIDENCE_NONE;

    if (text == NULL)
      continue;
    gst_stt_json_double (w, "start", &start);
    gst_stt_json_double (w, "end", &end);
    gst_stt_json_double (w, "conf", &conf);
    gst_stt_event_add_word (ev, text, gst_stt_seconds_to_ms (start),
        gst_stt_seconds_to_ms (end), conf, NULL);
  }
}

static gdouble
mean_confidence (GstSttEvent * ev)
{
  gdouble sum = 0;
  guint i;

  for (i = 0; i < ev->words->len; i++) {
    gdouble c = g_array_index (ev->words, GstSttWord, i).confidence;

    if (c < 0)
      return GST_STT_CONFIDENCE_NONE;
    sum += c;
  }
  return ev->words->len > 0 ? sum / ev->words->len : GST_STT_CONFIDENCE_NONE;
}

/* A result (or its first alternative): a final, and the end of an
 * utterance if anything was said. */
static void
add_final (GstSttAdapter * a, JsonObject * result, gboolean alternative,
    gint64 reply_end, GPtrArray * events)
{
  VoskState *st = a->state;
  const gchar *text = gst_stt_json_string (result, "text");
  GstSttEvent *ev = gst_stt_event_new (GST_STT_EVENT_FINAL);

  ev->text = g_strdup (text != NULL ? text : "");
  add_words (ev, gst_stt_json_array (result, "result"));
  if (ev->words->len > 0) {
    ev->start_ms = g_array_index (ev->words, GstSttWord, 0).start_ms;
    ev->end_ms = g_array_index (ev->words, GstSttWord,
        ev->words->len - 1).end_ms;
  } else {
    ev->start_ms = st->final_end_ms;
    ev->end_ms = reply_end;
  }
  /* An alternative's confidence is a model score, not a probability. */
  ev->confidence = alternative ? GST_STT_CONFIDENCE_NONE :
      mean_confidence (ev);
  st->final_end_ms = MAX (st->final_end_ms, ev->end_ms);
  g_ptr_array_add (events, ev);

  if (ev->text[0] != '\0') {
    GstSttEvent *end = gst_stt_event_new (GST_STT_EVENT_UTTERANCE_END);

    end->end_ms = ev->end_ms;
    g_ptr_array_add (events, end);
  }
}

static gboolean
vosk_parse (GstSttAdapter * a, JsonObject * msg, const gchar * raw,
    GPtrArray * events, GError ** error)
{
  VoskState *st = a->state;
  JsonObject *alt = gst_stt_json_array_object (gst_stt_json_array (msg,
          "alternatives"), 0);
  const gchar *partial = gst_stt_json_string (msg, "partial");
  gboolean is_result = alt != NULL ||
      gst_stt_json_string (msg, "text") != NULL ||
      gst_stt_json_array (msg, "result") != NULL;
  gint64 reply_end;

  if (partial == NULL && !is_result) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
        "reply with neither partial, text, result nor alternatives");
    return FALSE;
  }

  reply_end = pop_pending (st);
  if (reply_end == EOF_MARK && !is_result) {
    /* a server that answered one message more (the C++ server answers
     * the config): the eof's own answer is still to come */
    st->head--;
    reply_end = frames_to_ms (a, st->frames_sent);
  } else if (reply_end == EOF_MARK) {
    a->finished = TRUE;
    reply_end = frames_to_ms (a, st->frames_sent);
  }
  st->last_end_ms = MAX (st->last_end_ms, reply_end);

  if (is_result) {
    add_final (a, alt != NULL ? alt : msg, alt != NULL, reply_end, events);
  } else if (partial[0] != '\0' && a->interim_results) {
    GstSttEvent *ev = gst_stt_event_new (GST_STT_EVENT_PARTIAL);

    ev->text = g_strdup (partial);
    ev->start_ms = st->final_end_ms;
    ev->end_ms = MAX (reply_end, st->final_end_ms);
    g_ptr_array_add (events, ev);
  }
  return TRUE;
}

static const GstSttBackendOps vosk_ops = {
  .init = vosk_init,
  .state_free = vosk_state_free,
  .start_session = vosk_start_session,
  .may_send_audio = vosk_may_send_audio,
  .frame_audio = vosk_frame_audio,
  .eos = vosk_eos,
  .parse = vosk_parse,
};

const GstSttBackendOps *
gst_stt_vosk_get_ops (void)
{
  return &vosk_ops;
}
