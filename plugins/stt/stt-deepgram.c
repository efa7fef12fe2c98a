/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Deepgram streaming, /v1/listen.
 *
 * Configuration is the query string, authentication the header
 * `Authorization: Token <key>`. Audio goes out as binary frames; while none
 * flows the client sends `{"type":"KeepAlive"}` (the service closes after
 * 10 s of silence). `Results` carry `channel.alternatives[0]` with words in
 * seconds; `is_final:false` is an interim hypothesis that the next result
 * for the same span replaces, `is_final:true` is additive. End of stream is
 * `{"type":"CloseStream"}`: the service answers with the remaining
 * `Results`, then `Metadata`, then closes with 1000.
 *
 * Without `model` the service uses its old `base` model: the adapter asks
 * for DEFAULT_MODEL, the current general model. `vocabulary` becomes one
 * `keyterm` per term for Nova-3 models (which ignore `keywords`), and
 * `keywords` for older ones; `end-of-turn-silence-ms` is `endpointing`.
 * With `multichannel=true` (in extra) each channel is transcribed on its
 * own and every result names it in `channel_index: [channel, channels]`:
 * the event carries the channel and speakers are told apart per channel
 * ("ch1", or "ch1:0" with diarization). Checked against Deepgram's
 * streaming API reference (developers.deepgram.com/reference/
 * speech-to-text-api/listen-streaming; docs/keyterm, docs/multichannel,
 * docs/endpointing, docs/models-languages-overview). */

#include "stt-adapter.h"
#include "stt-json.h"
#include "stt-request.h"

#include <string.h>

#define KEEPALIVE_MESSAGE "{\"type\":\"KeepAlive\"}"
#define CLOSE_STREAM_MESSAGE "{\"type\":\"CloseStream\"}"

/* Deepgram's own gap after the last final word before it says
 * UtteranceEnd; needs interim results. */
#define UTTERANCE_END_MS "1000"

/* The current general model (Deepgram's models overview, 2025). */
#define DEFAULT_MODEL "nova-3"

/* The last value of query parameter @name, or NULL. */
static const gchar *
query_get (GstSttQuery * q, const gchar * name)
{
  const gchar *value = NULL;
  guint i;

  for (i = 0; i < q->names->len; i++)
    if (g_str_equal (g_ptr_array_index (q->names, i), name))
      value = g_ptr_array_index (q->values, i);
  return value;
}

/* Nova-3 takes key terms (`keyterm`) and refuses `keywords`; older models
 * take `keywords` only. */
static void
add_vocabulary (GstSttQuery * q, gchar ** terms)
{
  const gchar *model = query_get (q, "model");
  const gchar *param = model != NULL && g_str_has_prefix (model, "nova-3") ?
      "keyterm" : "keywords";

  for (; terms != NULL && *terms != NULL; terms++)
    gst_stt_query_add (q, param, *terms);
}

static gboolean
deepgram_init (GstSttAdapter * a, GError ** error)
{
  GstSttQuery q;
  gchar *rate = g_strdup_printf ("%d", a->rate);
  gchar *channels = g_strdup_printf ("%d", a->channels);
  gboolean ok;

  gst_stt_query_init (&q);
  gst_stt_query_add (&q, "encoding", "linear16");
  gst_stt_query_add (&q, "sample_rate", rate);
  gst_stt_query_add (&q, "channels", channels);
  gst_stt_query_add (&q, "model", a->model != NULL ? a->model :
      DEFAULT_MODEL);
  if (a->language != NULL)
    gst_stt_query_add (&q, "language", a->language);
  gst_stt_query_add (&q, "interim_results",
      a->interim_results ? "true" : "false");
  if (a->diarize)
    gst_stt_query_add (&q, "diarize", "true");
  gst_stt_query_add (&q, "smart_format", "true");
  gst_stt_query_add (&q, "vad_events", "true");
  if (a->interim_results)
    gst_stt_query_add (&q, "utterance_end_ms", UTTERANCE_END_MS);
  if (a->end_of_turn_silence_ms > 0) {
    gchar *ms = g_strdup_printf ("%u", a->end_of_turn_silence_ms);

    gst_stt_query_add (&q, "endpointing", ms);
    g_free (ms);
  }

  ok = a->extra == NULL || gst_stt_query_merge_json (&q, a->extra, error);
  /* after extra: the model extra may choose decides the parameter */
  if (ok)
    add_vocabulary (&q, a->vocabulary);
  ok = ok && gst_stt_request_set_url (&a->request,
      a->url != NULL ? a->url : a->info->default_url, &q, error);

  if (ok && a->api_key != NULL) {
    gchar *auth = g_strconcat ("Token ", a->api_key, NULL);

    gst_stt_request_add_header (&a->request, "Authorization", auth);
    memset (auth, 0, strlen (auth));
    g_free (auth);
  }

  gst_stt_query_clear (&q);
  g_free (rate);
  g_free (channels);
  return ok;
}

static gchar *
deepgram_keepalive (GstSttAdapter * a)
{
  return g_strdup (KEEPALIVE_MESSAGE);
}

static gchar *
deepgram_eos (GstSttAdapter * a)
{
  return g_strdup (CLOSE_STREAM_MESSAGE);
}

/* Speakers are integers (0, 1 …); kept as text like every backend's. */
static gchar *
speaker_label (JsonObject * o)
{
  JsonNode *n = json_object_get_member (o, "speaker");
  gdouble d;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return NULL;
  if (json_node_get_value_type (n) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (n));
  if (gst_stt_json_double (o, "speaker", &d) && d >= 0 && d < 1e6)
    return g_strdup_printf ("%d", (gint) d);
  return NULL;
}

/* With several channels transcribed apart, speakers are per channel. */
static gchar *
channel_speaker (gint channel, gchar * speaker)
{
  gchar *label;

  if (channel < 0)
    return speaker;
  label = speaker != NULL ? g_strdup_printf ("ch%d:%s", channel, speaker) :
      g_strdup_printf ("ch%d", channel);
  g_free (speaker);
  return label;
}

static void
add_words (GstSttEvent * ev, JsonArray * words)
{
  guint i, n = words != NULL ? json_array_get_length (words) : 0;

  for (i = 0; i < n; i++) {
    JsonObject *w = gst_stt_json_array_object (words, i);
    const gchar *text;
    gdouble start = 0, end = 0, conf = GST_STT_CONFIDENCE_NONE;
    gchar *speaker;

    if (w == NULL)
      continue;
    text = gst_stt_json_string (w, "punctuated_word");
    if (text == NULL)
      text = gst_stt_json_string (w, "word");
    if (text == NULL)
      continue;
    gst_stt_json_double (w, "start", &start);
    gst_stt_json_double (w, "end", &end);
    gst_stt_json_double (w, "confidence", &conf);
    speaker = channel_speaker (ev->channel, speaker_label (w));
    gst_stt_event_add_word (ev, text, gst_stt_seconds_to_ms (start),
        gst_stt_seconds_to_ms (end), conf, speaker);
    g_free (speaker);
  }
}

/* `channel_index: [channel, channels]`: the channel when there are
 * several, else -1. */
static gint
channel_of (JsonObject * msg)
{
  JsonArray *index = gst_stt_json_array (msg, "channel_index");
  JsonNode *n0, *n1;
  gint64 channel, channels;

  if (index == NULL || json_array_get_length (index) != 2)
    return -1;
  n0 = json_array_get_element (index, 0);
  n1 = json_array_get_element (index, 1);
  if (!JSON_NODE_HOLDS_VALUE (n0) || !JSON_NODE_HOLDS_VALUE (n1) ||
      json_node_get_value_type (n0) != G_TYPE_INT64 ||
      json_node_get_value_type (n1) != G_TYPE_INT64)
    return -1;
  channel = json_node_get_int (n0);
  channels = json_node_get_int (n1);
  if (channels < 2 || channels > 255 || channel < 0 || channel >= channels)
    return -1;
  return (gint) channel;
}

static gboolean
parse_results (GstSttAdapter * a, JsonObject * msg, GPtrArray * events,
    GError ** error)
{
  JsonObject *alt = gst_stt_json_array_object (gst_stt_json_array
      (gst_stt_json_object (msg, "channel"), "alternatives"), 0);
  gboolean is_final = FALSE;
  gdouble start = 0, duration = 0, conf;
  const gchar *transcript;
  GstSttEvent *ev;

  if (alt == NULL) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
        "Results without channel.alternatives[0]");
    return FALSE;
  }
  gst_stt_json_boolean (msg, "is_final", &is_final);
  gst_stt_json_double (msg, "start", &start);
  gst_stt_json_double (msg, "duration", &duration);
  transcript = gst_stt_json_string (alt, "transcript");
  if (transcript == NULL)
    transcript = "";

  /* An empty interim says nothing; an empty final still commits its span. */
  if (!is_final && (transcript[0] == '\0' || !a->interim_results))
    return TRUE;

  ev = gst_stt_event_new (is_final ? GST_STT_EVENT_FINAL :
      GST_STT_EVENT_PARTIAL);
  ev->channel = channel_of (msg);
  ev->text = g_strdup (transcript);
  ev->start_ms = gst_stt_seconds_to_ms (start);
  ev->end_ms = gst_stt_seconds_to_ms (start + duration);
  if (gst_stt_json_double (alt, "confidence", &conf))
    ev->confidence = conf;
  add_words (ev, gst_stt_json_array (alt, "words"));
  if (ev->words->len > 0)
    ev->speaker =
        g_strdup (g_array_index (ev->words, GstSttWord, 0).speaker);
  else
    ev->speaker = channel_speaker (ev->channel, NULL);
  g_ptr_array_add (events, ev);
  return TRUE;
}

static void
add_metadata (GPtrArray * events, const gchar * type, const gchar * raw)
{
  GstSttEvent *ev = gst_stt_event_new (GST_STT_EVENT_METADATA);

  ev->kind = g_strdup (type);
  ev->json = g_strdup (raw);
  g_ptr_array_add (events, ev);
}

static gboolean
deepgram_parse (GstSttAdapter * a, JsonObject * msg, const gchar * raw,
    GPtrArray * events, GError ** error)
{
  const gchar *type = gst_stt_json_string (msg, "type");

  /* Early versions of the API sent results without a type. */
  if (type == NULL && gst_stt_json_object (msg, "channel") != NULL)
    type = "Results";
  if (type == NULL) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
        "message without a type");
    return FALSE;
  }

  if (g_str_equal (type, "Results"))
    return parse_results (a, msg, events, error);

  if (g_str_equal (type, "UtteranceEnd")) {
    GstSttEvent *ev;
    gdouble at;

    if (!gst_stt_json_double (msg, "last_word_end", &at)) {
      g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
          "UtteranceEnd without last_word_end");
      return FALSE;
    }
    ev = gst_stt_event_new (GST_STT_EVENT_UTTERANCE_END);
    ev->end_ms = gst_stt_seconds_to_ms (at);
    g_ptr_array_add (events, ev);
    return TRUE;
  }

  if (g_str_equal (type, "Metadata") || g_str_equal (type, "SpeechStarted")) {
    add_metadata (events, type, raw);
    /* Metadata is the service's last word after CloseStream. */
    if (g_str_equal (type, "Metadata") && a->eos_sent)
      a->finished = TRUE;
    return TRUE;
  }

  if (g_str_equal (type, "Error")) {
    GstSttEvent *ev = gst_stt_event_new (GST_STT_EVENT_ERROR);
    const gchar *text = gst_stt_json_string (msg, "description");

    if (text == NULL)
      text = gst_stt_json_string (msg, "message");
    ev->text = g_strdup (text != NULL ? text : "unspecified error");
    ev->kind = g_strdup (gst_stt_json_string (msg, "variant"));
    g_ptr_array_add (events, ev);
    return TRUE;
  }

  /* A message type added after this was written: not an error. */
  return TRUE;
}

static const gchar *
deepgram_close_hint (gushort code, gboolean * fatal)
{
  switch (code) {
    case 1008:
      /* The same audio would be refused again. */
      *fatal = TRUE;
      return "Deepgram could not decode the audio: check the format";
    case 1011:
      return "Deepgram received no audio or KeepAlive in time";
    default:
      return NULL;
  }
}

static const GstSttBackendOps deepgram_ops = {
  .init = deepgram_init,
  .keepalive = deepgram_keepalive,
  .eos = deepgram_eos,
  .parse = deepgram_parse,
  .close_hint = deepgram_close_hint,
};

const GstSttBackendOps *
gst_stt_deepgram_get_ops (void)
{
  return &deepgram_ops;
}
