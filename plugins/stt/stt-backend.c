/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The backend-neutral half of the STT protocol adapters: the table of what
 * each service accepts, settings validation, the parse driver that stands
 * between untrusted bytes and a backend's parser, and helpers the backends
 * share (query strings, typed JSON access, close codes). */

#include "stt-backend.h"

#include <string.h>


/* Ranges are the services' documented limits (see STT-PROTOCOLS.md).
 * AssemblyAI refuses audio sent faster than real time and frames outside
 * 50-1000 ms, the last one included; Speechmatics wants a WebSocket ping
 * at least every 3 minutes. */
static const GstSttBackendInfo backends[] = {
  {GST_STT_BACKEND_DEEPGRAM, "deepgram", "Deepgram",
        "wss://api.deepgram.com/v1/listen", "DEEPGRAM_API_KEY", "dg-error",
        TRUE, TRUE, TRUE, TRUE, TRUE, 8000, 48000, 8, 20, 250,
        0.0, FALSE, 0},
  {GST_STT_BACKEND_ASSEMBLYAI, "assemblyai", "AssemblyAI",
        "wss://streaming.assemblyai.com/v3/ws", "ASSEMBLYAI_API_KEY", NULL,
        TRUE, TRUE, TRUE, TRUE, FALSE, 8000, 48000, 1, 50, 1000,
        1.0, TRUE, 0},
  {GST_STT_BACKEND_SPEECHMATICS, "speechmatics", "Speechmatics",
        "wss://eu.rt.speechmatics.com/v2", "SPEECHMATICS_API_KEY", NULL,
        TRUE, TRUE, TRUE, TRUE, TRUE, 8000, 48000, 1, 10, 1000,
        0.0, FALSE, 60},
  {GST_STT_BACKEND_OPENAI, "openai", "OpenAI",
        "wss://api.openai.com/v1/realtime?intent=transcription",
        "OPENAI_API_KEY", NULL,
        TRUE, TRUE, FALSE, FALSE, FALSE, 24000, 24000, 1, 10, 1000,
        0.0, FALSE, 0},
  {GST_STT_BACKEND_VOSK, "vosk", "Vosk",
        "ws://localhost:2700", NULL, NULL,
        TRUE, TRUE, FALSE, TRUE, FALSE, 8000, 48000, 1, 10, 1000,
        0.0, FALSE, 0},
};

const GstSttBackendInfo *
gst_stt_backend_get_info (GstSttBackend backend)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (backends); i++)
    if (backends[i].backend == backend)
      return &backends[i];
  return NULL;
}

static const GstSttBackendOps *
backend_ops (GstSttBackend backend)
{
  switch (backend) {
    case GST_STT_BACKEND_DEEPGRAM:
      return gst_stt_deepgram_get_ops ();
    case GST_STT_BACKEND_ASSEMBLYAI:
      return gst_stt_assemblyai_get_ops ();
    case GST_STT_BACKEND_SPEECHMATICS:
      return gst_stt_speechmatics_get_ops ();
    case GST_STT_BACKEND_OPENAI:
      return gst_stt_openai_get_ops ();
    case GST_STT_BACKEND_VOSK:
      return gst_stt_vosk_get_ops ();
    default:
      return NULL;
  }
}

/* ------------------------------------------------------------------------ */
/* Adapter                                                                   */

static gchar *
dup_nonempty (const gchar * s)
{
  return (s != NULL && s[0] != '\0') ? g_strdup (s) : NULL;
}

static JsonObject *
parse_extra (const gchar * extra, GError ** error)
{
  JsonParser *parser;
  JsonNode *root;
  JsonObject *obj = NULL;
  GError *err = NULL;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, extra, -1, &err)) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_SETTINGS,
        "extra is not valid JSON: %s", err->message);
    g_error_free (err);
    goto out;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_SETTINGS,
        "extra must be a JSON object, such as {\"endpointing\": 300}");
    goto out;
  }
  obj = json_object_ref (json_node_get_object (root));

out:
  g_object_unref (parser);
  return obj;
}

/* "a, b ,,c" → {"a", "b", "c"}; NULL when no term is left. */
static gchar **
split_vocabulary (const gchar * vocabulary)
{
  GPtrArray *terms;
  gchar **parts;
  guint i;

  if (vocabulary == NULL)
    return NULL;
  terms = g_ptr_array_new ();
  parts = g_strsplit (vocabulary, ",", -1);
  for (i = 0; parts[i] != NULL; i++) {
    gchar *term = g_strstrip (parts[i]);

    if (term[0] != '\0')
      g_ptr_array_add (terms, g_strdup (term));
  }
  g_strfreev (parts);
  if (terms->len == 0) {
    g_ptr_array_unref (terms);
    return NULL;
  }
  g_ptr_array_add (terms, NULL);
  return (gchar **) g_ptr_array_free (terms, FALSE);
}

static gboolean
check_format (const GstSttBackendInfo * info, gint rate, gint channels,
    GError ** error)
{
  if (rate < info->min_rate || rate > info->max_rate) {
    if (info->min_rate == info->max_rate)
      g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_SETTINGS,
          "%s takes audio at %d Hz only, not %d Hz", info->title,
          info->min_rate, rate);
    else
      g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_SETTINGS,
          "%s takes audio at %d to %d Hz, not %d Hz", info->title,
          info->min_rate, info->max_rate, rate);
    return FALSE;
  }
  if (channels < 1 || channels > info->max_channels) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_SETTINGS,
        "%s takes at most %d channel%s, not %d", info->title,
        info->max_channels, info->max_channels == 1 ? "" : "s", channels);
    return FALSE;
  }
  return TRUE;
}

/**
 * gst_stt_adapter_new:
 *
 * Checks @s against what the backend accepts and prepares the request that
 * opens a session. A service that needs a key refuses to start without one,
 * unless @s->url points somewhere else (a self-hosted or test server). A
 * key never goes over plain ws:// to another machine
 * (%GST_STT_ERROR_CLEARTEXT_KEY): anyone on the way could read it.
 *
 * Returns: (transfer full) (nullable): the adapter, or NULL with @error set
 */
GstSttAdapter *
gst_stt_adapter_new (const GstSttSettings * s, GError ** error)
{
  const GstSttBackendInfo *info = gst_stt_backend_get_info (s->backend);
  const GstSttBackendOps *ops = backend_ops (s->backend);
  GstSttAdapter *a;
  JsonObject *extra = NULL;

  if (info == NULL) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_SETTINGS,
        "unknown backend %d", s->backend);
    return NULL;
  }
  if (!info->implemented || ops == NULL) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_NOT_SUPPORTED,
        "the %s backend is not supported yet", info->name);
    return NULL;
  }
  if (!check_format (info, s->rate, s->channels, error))
    return NULL;
  if (info->key_env != NULL && (s->api_key == NULL || s->api_key[0] == '\0')
      && (s->url == NULL || s->url[0] == '\0')) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_NO_KEY,
        "%s needs an API key: set the api-key property or %s",
        info->title, info->key_env);
    return NULL;
  }
  if (s->extra != NULL && s->extra[0] != '\0') {
    extra = parse_extra (s->extra, error);
    if (extra == NULL)
      return NULL;
  }

  a = g_new0 (GstSttAdapter, 1);
  a->info = info;
  a->ops = ops;
  a->url = dup_nonempty (s->url);
  a->api_key = dup_nonempty (s->api_key);
  a->language = dup_nonempty (s->language);
  a->model = dup_nonempty (s->model);
  a->diarize = s->diarize;
  a->interim_results = s->interim_results;
  a->extra = extra;
  a->rate = s->rate;
  a->channels = s->channels;
  a->vocabulary = split_vocabulary (s->vocabulary);
  a->end_of_turn_silence_ms = s->end_of_turn_silence_ms;
  a->max_delay_ms = s->max_delay_ms;
  a->request.headers = g_array_new (FALSE, TRUE, sizeof (GstSttHeader));

  if (!ops->init (a, error)) {
    gst_stt_adapter_free (a);
    return NULL;
  }
  if (a->api_key != NULL && info->key_env != NULL &&
      gst_stt_url_exposes_key (a->request.url)) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_CLEARTEXT_KEY,
        "the %s API key would travel in clear text to %s",
        info->title, a->request.display_url);
    gst_stt_adapter_free (a);
    return NULL;
  }
  return a;
}

void
gst_stt_adapter_free (GstSttAdapter * a)
{
  if (a == NULL)
    return;
  if (a->state != NULL && a->ops->state_free != NULL)
    a->ops->state_free (a->state);
  gst_stt_request_clear (&a->request);
  g_free (a->url);
  gst_stt_free_secret (a->api_key);
  g_free (a->language);
  g_free (a->model);
  g_strfreev (a->vocabulary);
  g_free (a->ended);
  if (a->extra != NULL)
    json_object_unref (a->extra);
  g_free (a);
}

const GstSttBackendInfo *
gst_stt_adapter_get_info (GstSttAdapter * a)
{
  return a->info;
}

const GstSttRequest *
gst_stt_adapter_get_request (GstSttAdapter * a)
{
  return &a->request;
}

/* A new connection: per-session protocol state starts over. */
void
gst_stt_adapter_start_session (GstSttAdapter * a)
{
  a->eos_sent = FALSE;
  a->finished = FALSE;
  a->sent_frames = 0;
  g_clear_pointer (&a->ended, g_free);
  if (a->ops->start_session != NULL)
    a->ops->start_session (a);
}

/* FALSE while the backend wants the peer to catch up before more audio
 * (replies outstanding), so audio waits in the element's bounded queue. */
gboolean
gst_stt_adapter_may_send_audio (GstSttAdapter * a)
{
  if (a->eos_sent)
    return FALSE;
  return a->ops->may_send_audio == NULL || a->ops->may_send_audio (a);
}

/**
 * gst_stt_adapter_frame_audio:
 * @is_text: (out): whether the frame goes out as a text message
 *
 * Wraps audio (whole S16LE frames) in the message the backend expects and
 * notes that it was sent. Never produces an empty frame.
 *
 * Returns: (transfer full) (nullable): the payload, NULL for no audio
 */
GBytes *
gst_stt_adapter_frame_audio (GstSttAdapter * a, const guint8 * data,
    gsize size, gboolean * is_text)
{
  *is_text = FALSE;
  if (size == 0)
    return NULL;
  a->sent_frames += size / (2 * (gsize) a->channels);
  if (a->ops->frame_audio != NULL)
    return a->ops->frame_audio (a, data, size, is_text);
  return g_bytes_new (data, size);
}

/* Returns: (transfer full) (nullable): the keep-alive text, or NULL when
 * the backend has none */
gchar *
gst_stt_adapter_keepalive_message (GstSttAdapter * a)
{
  if (a->ops->keepalive == NULL || a->eos_sent)
    return NULL;
  return a->ops->keepalive (a);
}

/* Returns: (transfer full): the end-of-stream text. After it, no audio. */
gchar *
gst_stt_adapter_eos_message (GstSttAdapter * a)
{
  a->eos_sent = TRUE;
  return a->ops->eos (a);
}

/* Returns: (transfer full) (nullable): a text message to send right after
 * the audio frame just framed, or NULL */
gchar *
gst_stt_adapter_after_audio_message (GstSttAdapter * a)
{
  if (a->ops->after_audio == NULL || a->eos_sent)
    return NULL;
  return a->ops->after_audio (a);
}

/* Whether the backend's last reply to end-of-stream has arrived, so the
 * session can be closed without losing anything. */
gboolean
gst_stt_adapter_is_finished (GstSttAdapter * a)
{
  return a->finished;
}

/* How far past the audio sent a time may run: services round, pad and
 * place a final's end a little after the last word. */
#define TIME_SLACK_MS (60 * 1000)

static gboolean
time_beyond (gint64 ms, gint64 limit)
{
  return ms != GST_STT_TIME_NONE && ms > limit;
}

/* The first time in @events (from @first on) that lies past @limit, or
 * GST_STT_TIME_NONE. */
static gint64
find_impossible_time (GPtrArray * events, guint first, gint64 limit)
{
  guint i, j;

  for (i = first; i < events->len; i++) {
    GstSttEvent *ev = g_ptr_array_index (events, i);

    if (time_beyond (ev->start_ms, limit))
      return ev->start_ms;
    if (time_beyond (ev->end_ms, limit))
      return ev->end_ms;
    for (j = 0; j < ev->words->len; j++) {
      GstSttWord *w = &g_array_index (ev->words, GstSttWord, j);

      if (time_beyond (w->start_ms, limit))
        return w->start_ms;
      if (time_beyond (w->end_ms, limit))
        return w->end_ms;
    }
  }
  return GST_STT_TIME_NONE;
}

/**
 * gst_stt_adapter_parse:
 * @events: (element-type GstSttEvent): where the events of the message are
 *   appended; its free function must be gst_stt_event_free()
 *
 * Reads one text message from the server. Anything that is not a JSON
 * object of sane size is refused with GST_STT_ERROR_MALFORMED or
 * GST_STT_ERROR_OVERSIZED and leaves @events and the session untouched;
 * the caller counts it and carries on.
 *
 * A time the service cannot mean is refused the same way (MALFORMED):
 * one past the audio sent on this session by more than TIME_SLACK_MS
 * (1e308 s, or infinity, which JSON-glib reads from 1e999), since a
 * service transcribes only what it received. Times before 0 are 0. A
 * message with an escaped U+0000 ("\u0000") has it dropped before
 * parsing: json-glib would end the string there, and C strings cannot
 * carry it on.
 */
gboolean
gst_stt_adapter_parse (GstSttAdapter * a, const gchar * data, gsize size,
    GPtrArray * events, GError ** error)
{
  JsonParser *parser = NULL;
  JsonNode *root;
  GError *err = NULL;
  gchar *raw = NULL, *stripped = NULL;
  gsize stripped_size = 0;
  gint64 limit, bad_time;
  gboolean ok = FALSE;
  guint first, i;

  if (size > GST_STT_MAX_MESSAGE_SIZE)
    goto oversized;
  if (!g_utf8_validate_len (data, size, NULL))
    goto not_utf8;
  if (!gst_stt_json_check (data, size, GST_STT_MAX_JSON_DEPTH, error))
    return FALSE;

  stripped = gst_stt_json_drop_nul_escapes (data, size, &stripped_size);
  if (stripped != NULL) {
    data = stripped;
    size = stripped_size;
  }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) size, &err))
    goto not_json;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    goto not_object;

  raw = g_strndup (data, size);
  first = events->len;
  ok = a->ops->parse (a, json_node_get_object (root), raw, events, error);
  limit = (gint64) (a->sent_frames * 1000 / (guint64) a->rate) +
      TIME_SLACK_MS;
  bad_time = find_impossible_time (events, first, limit);
  if (bad_time != GST_STT_TIME_NONE) {
    g_ptr_array_remove_range (events, first, events->len - first);
    g_clear_error (error);
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
        "a time of %" G_GINT64_FORMAT " ms, past the %" G_GINT64_FORMAT
        " ms of audio sent", bad_time, limit - TIME_SLACK_MS);
    ok = FALSE;
  }
  for (i = first; i < events->len; i++)
    gst_stt_event_normalize (g_ptr_array_index (events, i));
  g_free (raw);
  g_free (stripped);
  g_object_unref (parser);
  return ok;

oversized:
  g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_OVERSIZED,
      "message of %" G_GSIZE_FORMAT " bytes, more than %d", size,
      GST_STT_MAX_MESSAGE_SIZE);
  return FALSE;
not_utf8:
  g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
      "message is not UTF-8 text");
  return FALSE;
not_json:
  g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
      "message is not JSON: %s", err->message);
  g_error_free (err);
  g_object_unref (parser);
  g_free (stripped);
  return FALSE;
not_object:
  g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
      "message is not a JSON object");
  g_object_unref (parser);
  g_free (stripped);
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Close codes (RFC 6455 section 7.4.1)                                      */

static const gchar *
generic_close_reason (gushort code)
{
  switch (code) {
    case 0:
    case 1006:
      return "the connection dropped without a close frame";
    case 1000:
      return "the service ended the session";
    case 1001:
      return "the service is going away";
    case 1002:
      return "WebSocket protocol error";
    case 1003:
      return "the service cannot accept this kind of data";
    case 1005:
      return "the service closed without a reason";
    case 1007:
      return "the service received data it could not read";
    case 1008:
      return "the service refused the stream (policy violation)";
    case 1009:
      return "a message was too big";
    case 1010:
      return "a required WebSocket extension is missing";
    case 1011:
      return "the service hit an internal error";
    case 1012:
      return "the service is restarting";
    case 1013:
      return "the service is overloaded, try again later";
    case 1014:
      return "a gateway got a bad response";
    case 1015:
      return "the TLS handshake failed";
    default:
      break;
  }
  if (code >= 4000 && code <= 4999)
    return "the service closed the session";
  return "the connection closed";
}

#define MAX_REASON_CHARS 200

/**
 * gst_stt_adapter_describe_close:
 * @code: the close code, 0 when no close frame came
 * @reason: (nullable): the reason text of the close frame
 * @fatal: (out): set when reconnecting would only fail the same way
 *
 * Returns: (transfer full): a sentence a person can act on
 */
gchar *
gst_stt_adapter_describe_close (GstSttAdapter * a, gushort code,
    const gchar * reason, gboolean * fatal)
{
  const gchar *what = NULL;
  gchar *out, *shown = NULL;

  *fatal = FALSE;
  if (a->ops->close_hint != NULL)
    what = a->ops->close_hint (code, fatal);
  /* A normal close after the service ended the session in-band: say how
   * it ended, not just that it closed. */
  if (a->ended != NULL && !*fatal && (code == 1000 || code == 0 ||
          code == 1005 || code == 1006))
    what = a->ended;
  if (what == NULL)
    what = generic_close_reason (code);

  if (reason != NULL && reason[0] != '\0') {
    if (g_utf8_strlen (reason, -1) > MAX_REASON_CHARS)
      shown = g_utf8_substring (reason, 0, MAX_REASON_CHARS);
    else
      shown = g_strdup (reason);
  }

  if (code == 0)
    out = g_strdup (what);
  else if (shown != NULL)
    out = g_strdup_printf ("%s (close code %u: %s)", what, code, shown);
  else
    out = g_strdup_printf ("%s (close code %u)", what, code);
  g_free (shown);
  return out;
}

/* Whether a close with @code means the service refused the key: fatal,
 * and reported as an authentication failure. */
gboolean
gst_stt_adapter_close_is_auth (GstSttAdapter * a, gushort code)
{
  return a->ops->close_is_auth != NULL && a->ops->close_is_auth (code);
}

/**
 * gst_stt_adapter_held_bytes:
 *
 * What the adapter remembers of the server's messages, in bytes: bounded
 * whatever the server sends (the unit tests check it).
 */
gsize
gst_stt_adapter_held_bytes (GstSttAdapter * a)
{
  return a->ops->held_bytes != NULL ? a->ops->held_bytes (a->state) : 0;
}

/* ------------------------------------------------------------------------ */
/* What the element offers                                                   */

/* @field of @s: an int, or a range when min != max */
static void
set_int_or_range (GstStructure * s, const gchar * field, gint min, gint max)
{
  if (min == max)
    gst_structure_set (s, field, G_TYPE_INT, min, NULL);
  else
    gst_structure_set (s, field, GST_TYPE_INT_RANGE, min, max, NULL);
}

/**
 * gst_stt_backend_capabilities:
 *
 * sttpushsink-capabilities: what @info's backend supports, as the
 * element's `capabilities` property shows it.
 */
GstStructure *
gst_stt_backend_capabilities (const GstSttBackendInfo * info)
{
  GstStructure *s = gst_structure_new ("sttpushsink-capabilities",
      "backend", G_TYPE_STRING, info->name,
      "supported", G_TYPE_BOOLEAN, info->implemented,
      "partials", G_TYPE_BOOLEAN, info->partials,
      "diarization", G_TYPE_BOOLEAN, info->diarization,
      "word-times", G_TYPE_BOOLEAN, info->word_times,
      "keep-alive", G_TYPE_BOOLEAN, info->keepalive,
      "needs-key", G_TYPE_BOOLEAN, info->key_env != NULL,
      "realtime-only", G_TYPE_BOOLEAN, info->max_speed > 0,
      "max-speed", G_TYPE_DOUBLE, info->max_speed,
      "chunk-ms", GST_TYPE_INT_RANGE, (gint) info->min_chunk_ms,
      (gint) info->max_chunk_ms, NULL);

  set_int_or_range (s, "rates", info->min_rate, info->max_rate);
  set_int_or_range (s, "channels", 1, info->max_channels);
  return s;
}

/**
 * gst_stt_backend_caps:
 *
 * The raw audio @info's backend takes: S16LE at its rates and channels.
 */
GstCaps *
gst_stt_backend_caps (const GstSttBackendInfo * info)
{
  GstStructure *s = gst_structure_new ("audio/x-raw",
      "format", G_TYPE_STRING, "S16LE",
      "layout", G_TYPE_STRING, "interleaved", NULL);

  set_int_or_range (s, "rate", info->min_rate, info->max_rate);
  set_int_or_range (s, "channels", 1, info->max_channels);
  return gst_caps_new_full (s, NULL);
}

/**
 * gst_stt_backend_explain_format:
 * @rate: a fixed rate upstream offers, or 0
 * @channels: a fixed channel count upstream offers, or 0
 *
 * Returns: (transfer full) (nullable): for a format @info's backend does
 * not take, what to put before sttpushsink; NULL if there is nothing to
 * say (the format is fine, or not fixed yet).
 */
gchar *
gst_stt_backend_explain_format (const GstSttBackendInfo * info, gint rate,
    gint channels)
{
  if (rate > 0 && (rate < info->min_rate || rate > info->max_rate)) {
    if (info->min_rate == info->max_rate)
      return g_strdup_printf ("%s takes audio at %d Hz only, not %d Hz: put "
          "audioresample before sttpushsink (… ! audioconvert ! "
          "audioresample ! audio/x-raw,rate=%d,channels=1 ! sttpushsink).",
          info->title, info->min_rate, rate, info->min_rate);
    return g_strdup_printf ("%s takes audio at %d to %d Hz, not %d Hz: "
        "put audioresample before sttpushsink.", info->title,
        info->min_rate, info->max_rate, rate);
  }
  if (channels > info->max_channels)
    return g_strdup_printf ("%s takes at most %d channel%s, not %d: put "
        "audioconvert before sttpushsink.", info->title, info->max_channels,
        info->max_channels == 1 ? "" : "s", channels);
  return NULL;
}
