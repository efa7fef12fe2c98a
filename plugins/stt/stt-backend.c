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

#include "stt-backend-private.h"

#include <string.h>

G_DEFINE_QUARK (gst-stt-error-quark, gst_stt_error);

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

/* Whether @url would carry a key in clear text to another machine: ws://
 * to anything but this machine's loopback. */
static gboolean
url_exposes_key (const gchar * url)
{
  GUri *uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  GInetAddress *addr;
  const gchar *host;
  gboolean exposed;

  if (uri == NULL)
    return FALSE;
  host = g_uri_get_host (uri);
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "ws") != 0 || host == NULL) {
    exposed = FALSE;
  } else if (g_ascii_strcasecmp (host, "localhost") == 0) {
    exposed = FALSE;
  } else {
    addr = g_inet_address_new_from_string (host);
    exposed = addr == NULL || !g_inet_address_get_is_loopback (addr);
    g_clear_object (&addr);
  }
  g_uri_unref (uri);
  return exposed;
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
  a->request.headers = g_array_new (FALSE, TRUE, sizeof (GstSttHeader));

  if (!ops->init (a, error)) {
    gst_stt_adapter_free (a);
    return NULL;
  }
  if (a->api_key != NULL && info->key_env != NULL &&
      url_exposes_key (a->request.url)) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_CLEARTEXT_KEY,
        "the %s API key would travel in clear text to %s",
        info->title, a->request.display_url);
    gst_stt_adapter_free (a);
    return NULL;
  }
  return a;
}

static void
request_clear (GstSttRequest * r)
{
  guint i;

  g_free (r->url);
  g_free (r->display_url);
  g_free (r->first_message);
  if (r->headers != NULL) {
    for (i = 0; i < r->headers->len; i++) {
      GstSttHeader *h = &g_array_index (r->headers, GstSttHeader, i);

      g_free (h->name);
      /* It may be the key: do not leave it in freed memory. */
      if (h->value != NULL)
        memset (h->value, 0, strlen (h->value));
      g_free (h->value);
    }
    g_array_unref (r->headers);
  }
  memset (r, 0, sizeof (*r));
}

void
gst_stt_adapter_free (GstSttAdapter * a)
{
  if (a == NULL)
    return;
  if (a->state != NULL && a->ops->state_free != NULL)
    a->ops->state_free (a->state);
  request_clear (&a->request);
  g_free (a->url);
  if (a->api_key != NULL)
    memset (a->api_key, 0, strlen (a->api_key));
  g_free (a->api_key);
  g_free (a->language);
  g_free (a->model);
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

/* Whether the backend's last reply to end-of-stream has arrived, so the
 * session can be closed without losing anything. */
gboolean
gst_stt_adapter_is_finished (GstSttAdapter * a)
{
  return a->finished;
}

/* ------------------------------------------------------------------------ */
/* JSON syntax                                                               */

typedef enum
{
  EXPECT_VALUE,
  EXPECT_VALUE_OR_CLOSE,        /* just after '[' */
  EXPECT_KEY,
  EXPECT_KEY_OR_CLOSE,          /* just after '{' */
  EXPECT_COLON,
  AFTER_VALUE,
} JsonExpect;

static gboolean
is_json_space (gchar c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gint
hex4 (const gchar * p, gsize left)
{
  gint v = 0, i;

  if (left < 4)
    return -1;
  for (i = 0; i < 4; i++) {
    gint d = g_ascii_xdigit_value (p[i]);

    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

/* Scans the string starting at data[*i] == '"'; leaves *i after it. */
static gboolean
scan_string (const gchar * data, gsize size, gsize * i)
{
  gsize p = *i + 1;

  while (p < size) {
    guchar c = data[p];

    if (c == '"') {
      *i = p + 1;
      return TRUE;
    }
    if (c < 0x20)
      return FALSE;
    if (c != '\\') {
      p++;
      continue;
    }
    if (++p >= size)
      return FALSE;
    if (strchr ("\"\\/bfnrt", data[p]) != NULL && data[p] != '\0') {
      p++;
    } else if (data[p] == 'u') {
      gint u = hex4 (data + p + 1, size - p - 1);

      if (u < 0 || (u >= 0xdc00 && u <= 0xdfff))
        return FALSE;           /* not hex, or a lone low surrogate */
      p += 5;
      if (u >= 0xd800 && u <= 0xdbff) {
        /* a high surrogate must be followed by a low one */
        gint lo;

        if (p + 1 >= size || data[p] != '\\' || data[p + 1] != 'u')
          return FALSE;
        lo = hex4 (data + p + 2, size - p - 2);
        if (lo < 0xdc00 || lo > 0xdfff)
          return FALSE;
        p += 6;
      }
    } else {
      return FALSE;
    }
  }
  return FALSE;
}

static gsize
scan_digits (const gchar * data, gsize size, gsize p)
{
  while (p < size && g_ascii_isdigit (data[p]))
    p++;
  return p;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean
scan_number (const gchar * data, gsize size, gsize * i)
{
  gsize p = *i, q;

  if (data[p] == '-')
    p++;
  if (p >= size || !g_ascii_isdigit (data[p]))
    return FALSE;
  p = data[p] == '0' ? p + 1 : scan_digits (data, size, p);
  if (p < size && data[p] == '.') {
    q = scan_digits (data, size, p + 1);
    if (q == p + 1)
      return FALSE;
    p = q;
  }
  if (p < size && (data[p] == 'e' || data[p] == 'E')) {
    p++;
    if (p < size && (data[p] == '+' || data[p] == '-'))
      p++;
    q = scan_digits (data, size, p);
    if (q == p)
      return FALSE;
    p = q;
  }
  *i = p;
  return TRUE;
}

static gboolean
scan_literal (const gchar * data, gsize size, gsize * i)
{
  static const gchar *const literals[] = { "true", "false", "null" };
  guint k;

  for (k = 0; k < G_N_ELEMENTS (literals); k++) {
    gsize len = strlen (literals[k]);

    if (size - *i >= len && memcmp (data + *i, literals[k], len) == 0) {
      *i += len;
      return TRUE;
    }
  }
  return FALSE;
}

/**
 * gst_stt_json_check:
 *
 * Checks that @data is exactly one JSON value (RFC 8259, whitespace around
 * allowed), nested at most @max_depth deep, with valid escapes and paired
 * surrogates. One linear pass, no recursion, no allocation.
 *
 * What json-glib gets is therefore always sane: its parser recurses (a
 * megabyte of '[' would exhaust the stack), and json-glib 1.6 accepts
 * several concatenated values, leaking all but the last (found by the
 * fuzzer). Assumes @data is valid UTF-8.
 */
gboolean
gst_stt_json_check (const gchar * data, gsize size, guint max_depth,
    GError ** error)
{
  gchar stack[GST_STT_MAX_JSON_DEPTH];
  JsonExpect expect = EXPECT_VALUE;
  guint depth = 0;
  gsize i = 0;
  const gchar *what = "unexpected character";

  max_depth = MIN (max_depth, GST_STT_MAX_JSON_DEPTH);
  for (;;) {
    gchar c;

    while (i < size && is_json_space (data[i]))
      i++;
    if (i == size) {
      if (expect == AFTER_VALUE && depth == 0)
        return TRUE;
      what = "unexpected end";
      goto bad;
    }
    c = data[i];

    switch (expect) {
      case EXPECT_VALUE_OR_CLOSE:
      case EXPECT_KEY_OR_CLOSE:
        if (c == (expect == EXPECT_VALUE_OR_CLOSE ? ']' : '}')) {
          depth--;
          i++;
          expect = AFTER_VALUE;
          continue;
        }
        expect = expect == EXPECT_VALUE_OR_CLOSE ? EXPECT_VALUE : EXPECT_KEY;
        continue;
      case EXPECT_KEY:
        if (c != '"' || !scan_string (data, size, &i))
          goto bad;
        expect = EXPECT_COLON;
        continue;
      case EXPECT_COLON:
        if (c != ':')
          goto bad;
        i++;
        expect = EXPECT_VALUE;
        continue;
      case AFTER_VALUE:
        if (depth == 0) {
          what = "more than one value";
          goto bad;
        }
        if (c == ',') {
          i++;
          expect = stack[depth - 1] == '{' ? EXPECT_KEY : EXPECT_VALUE;
        } else if (c == (stack[depth - 1] == '{' ? '}' : ']')) {
          i++;
          depth--;
        } else {
          goto bad;
        }
        continue;
      case EXPECT_VALUE:
        break;
    }

    if (c == '{' || c == '[') {
      if (depth >= max_depth) {
        what = "nested too deep";
        goto bad;
      }
      stack[depth++] = c;
      i++;
      expect = c == '{' ? EXPECT_KEY_OR_CLOSE : EXPECT_VALUE_OR_CLOSE;
      continue;
    }
    if (!(c == '"' ? scan_string (data, size, &i) :
            (c == '-' || g_ascii_isdigit (c)) ? scan_number (data, size, &i) :
            scan_literal (data, size, &i)))
      goto bad;
    expect = AFTER_VALUE;
  }

bad:
  g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
      "not JSON: %s at byte %" G_GSIZE_FORMAT, what, i);
  return FALSE;
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
 */
gboolean
gst_stt_adapter_parse (GstSttAdapter * a, const gchar * data, gsize size,
    GPtrArray * events, GError ** error)
{
  JsonParser *parser = NULL;
  JsonNode *root;
  GError *err = NULL;
  gchar *raw = NULL;
  gboolean ok = FALSE;
  guint first, i;

  if (size > GST_STT_MAX_MESSAGE_SIZE)
    goto oversized;
  if (!g_utf8_validate_len (data, size, NULL))
    goto not_utf8;
  if (!gst_stt_json_check (data, size, GST_STT_MAX_JSON_DEPTH, error))
    return FALSE;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) size, &err))
    goto not_json;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    goto not_object;

  raw = g_strndup (data, size);
  first = events->len;
  ok = a->ops->parse (a, json_node_get_object (root), raw, events, error);
  for (i = first; i < events->len; i++)
    gst_stt_event_normalize (g_ptr_array_index (events, i));
  g_free (raw);
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
  return FALSE;
not_object:
  g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
      "message is not a JSON object");
  g_object_unref (parser);
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

/* ------------------------------------------------------------------------ */
/* Query strings and URLs                                                    */

void
gst_stt_query_init (GstSttQuery * q)
{
  q->names = g_ptr_array_new_with_free_func (g_free);
  q->values = g_ptr_array_new_with_free_func (g_free);
}

void
gst_stt_query_clear (GstSttQuery * q)
{
  g_clear_pointer (&q->names, g_ptr_array_unref);
  g_clear_pointer (&q->values, g_ptr_array_unref);
}

void
gst_stt_query_add (GstSttQuery * q, const gchar * name, const gchar * value)
{
  g_ptr_array_add (q->names, g_strdup (name));
  g_ptr_array_add (q->values, g_strdup (value));
}

void
gst_stt_query_remove (GstSttQuery * q, const gchar * name)
{
  guint i = 0;

  while (i < q->names->len) {
    if (strcmp (g_ptr_array_index (q->names, i), name) == 0) {
      g_ptr_array_remove_index (q->names, i);
      g_ptr_array_remove_index (q->values, i);
    } else {
      i++;
    }
  }
}

/* Replaces every occurrence of @name, keeping the position of the first. */
void
gst_stt_query_set (GstSttQuery * q, const gchar * name, const gchar * value)
{
  guint i;

  for (i = 0; i < q->names->len; i++) {
    if (strcmp (g_ptr_array_index (q->names, i), name) == 0) {
      g_free (g_ptr_array_index (q->values, i));
      g_ptr_array_index (q->values, i) = g_strdup (value);
      /* drop any later repetitions */
      i++;
      while (i < q->names->len) {
        if (strcmp (g_ptr_array_index (q->names, i), name) == 0) {
          g_ptr_array_remove_index (q->names, i);
          g_ptr_array_remove_index (q->values, i);
        } else {
          i++;
        }
      }
      return;
    }
  }
  gst_stt_query_add (q, name, value);
}

/**
 * gst_stt_json_scalar_to_string:
 *
 * Returns: (transfer full) (nullable): a string, number or boolean as
 * query text, NULL for anything else
 */
gchar *
gst_stt_json_scalar_to_string (JsonNode * node)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  switch (json_node_get_value_type (node)) {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup (g_ascii_dtostr (buf, sizeof (buf),
              json_node_get_double (node)));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return NULL;
  }
}

/**
 * gst_stt_query_merge_json:
 *
 * Merges the members of @extra into the query: a scalar replaces the
 * parameter, an array of scalars repeats it (`keywords=a&keywords=b`),
 * null removes it. Objects have no query form and are refused.
 */
gboolean
gst_stt_query_merge_json (GstSttQuery * q, JsonObject * extra,
    GError ** error)
{
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *node;

  json_object_iter_init_ordered (&iter, extra);
  while (json_object_iter_next_ordered (&iter, &name, &node)) {
    if (JSON_NODE_HOLDS_NULL (node)) {
      gst_stt_query_remove (q, name);
    } else if (JSON_NODE_HOLDS_ARRAY (node)) {
      JsonArray *arr = json_node_get_array (node);
      guint i;

      gst_stt_query_remove (q, name);
      for (i = 0; i < json_array_get_length (arr); i++) {
        gchar *v = gst_stt_json_scalar_to_string (json_array_get_element (arr,
                i));

        if (v == NULL)
          goto bad_value;
        gst_stt_query_add (q, name, v);
        g_free (v);
      }
    } else {
      gchar *v = gst_stt_json_scalar_to_string (node);

      if (v == NULL)
        goto bad_value;
      gst_stt_query_set (q, name, v);
      g_free (v);
    }
  }
  return TRUE;

bad_value:
  g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_SETTINGS,
      "extra: \"%s\" must be a string, number, boolean, null or an array "
      "of those to go into the query", name);
  return FALSE;
}

static gboolean
is_websocket_scheme (const gchar * scheme)
{
  return scheme != NULL && (g_ascii_strcasecmp (scheme, "ws") == 0 ||
      g_ascii_strcasecmp (scheme, "wss") == 0);
}

/**
 * gst_stt_request_set_url:
 * @base: a ws:// or wss:// URL, possibly with a query of its own
 * @query: (nullable): parameters appended to @base's query
 *
 * Sets @request's url and display_url.
 */
gboolean
gst_stt_request_set_url (GstSttRequest * request, const gchar * base,
    const GstSttQuery * query, GError ** error)
{
  GUri *uri;
  GString *q;
  GError *err = NULL;
  guint i;

  uri = g_uri_parse (base, G_URI_FLAGS_ENCODED, &err);
  if (uri == NULL) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_SETTINGS,
        "invalid url: %s", err->message);
    g_error_free (err);
    return FALSE;
  }
  if (!is_websocket_scheme (g_uri_get_scheme (uri)) ||
      g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0') {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_SETTINGS,
        "url must be ws://host[:port]/path or wss://…, not \"%s\"",
        g_uri_get_scheme (uri));
    g_uri_unref (uri);
    return FALSE;
  }

  q = g_string_new (g_uri_get_query (uri));
  for (i = 0; query != NULL && i < query->names->len; i++) {
    gchar *n = g_uri_escape_string (g_ptr_array_index (query->names, i),
        NULL, FALSE);
    gchar *v = g_uri_escape_string (g_ptr_array_index (query->values, i),
        NULL, FALSE);

    if (q->len > 0)
      g_string_append_c (q, '&');
    g_string_append_printf (q, "%s=%s", n, v);
    g_free (n);
    g_free (v);
  }

  g_free (request->url);
  g_free (request->display_url);
  request->url = g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri),
      g_uri_get_userinfo (uri), g_uri_get_host (uri), g_uri_get_port (uri),
      g_uri_get_path (uri), q->len > 0 ? q->str : NULL,
      g_uri_get_fragment (uri));
  request->display_url = g_uri_join (G_URI_FLAGS_ENCODED,
      g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
      g_uri_get_port (uri), g_uri_get_path (uri), NULL, NULL);

  g_string_free (q, TRUE);
  g_uri_unref (uri);
  return TRUE;
}

void
gst_stt_request_add_header (GstSttRequest * request, const gchar * name,
    const gchar * value)
{
  GstSttHeader h;

  h.name = g_strdup (name);
  h.value = g_strdup (value);
  g_array_append_val (request->headers, h);
}

/* ------------------------------------------------------------------------ */
/* Typed JSON access                                                         */

static JsonNode *
member (JsonObject * o, const gchar * name)
{
  if (o == NULL)
    return NULL;
  return json_object_get_member (o, name);
}

const gchar *
gst_stt_json_string (JsonObject * o, const gchar * name)
{
  JsonNode *n = member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

gboolean
gst_stt_json_double (JsonObject * o, const gchar * name, gdouble * value)
{
  JsonNode *n = member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  switch (json_node_get_value_type (n)) {
    case G_TYPE_INT64:
      *value = (gdouble) json_node_get_int (n);
      return TRUE;
    case G_TYPE_DOUBLE:
      *value = json_node_get_double (n);
      return TRUE;
    default:
      return FALSE;
  }
}

/* An integer, or a double that holds one (services write 1.0 for 1). */
gboolean
gst_stt_json_int (JsonObject * o, const gchar * name, gint64 * value)
{
  gdouble d;

  if (!gst_stt_json_double (o, name, &d))
    return FALSE;
  /* also refuses NaN */
  if (!(d >= -9.0e15 && d <= 9.0e15))
    return FALSE;
  *value = (gint64) d;
  return TRUE;
}

gboolean
gst_stt_json_boolean (JsonObject * o, const gchar * name, gboolean * value)
{
  JsonNode *n = member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return FALSE;
  *value = json_node_get_boolean (n);
  return TRUE;
}

JsonObject *
gst_stt_json_object (JsonObject * o, const gchar * name)
{
  JsonNode *n = member (o, name);

  return (n != NULL && JSON_NODE_HOLDS_OBJECT (n)) ?
      json_node_get_object (n) : NULL;
}

JsonArray *
gst_stt_json_array (JsonObject * o, const gchar * name)
{
  JsonNode *n = member (o, name);

  return (n != NULL && JSON_NODE_HOLDS_ARRAY (n)) ?
      json_node_get_array (n) : NULL;
}

JsonObject *
gst_stt_json_array_object (JsonArray * a, guint index)
{
  JsonNode *n;

  if (a == NULL || index >= json_array_get_length (a))
    return NULL;
  n = json_array_get_element (a, index);
  return (n != NULL && JSON_NODE_HOLDS_OBJECT (n)) ?
      json_node_get_object (n) : NULL;
}

/**
 * gst_stt_json_merge:
 *
 * Merges @src into @dest: objects merge member by member, at any depth; a
 * null removes a member @dest has (one the element sets) and is kept as a
 * null otherwise (a service's own "off", such as OpenAI's turn_detection);
 * anything else replaces the member. How `extra` reaches a configuration
 * message.
 */
void
gst_stt_json_merge (JsonObject * dest, JsonObject * src)
{
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *value;

  json_object_iter_init_ordered (&iter, src);
  while (json_object_iter_next_ordered (&iter, &name, &value)) {
    JsonObject *inner = gst_stt_json_object (dest, name);

    if (JSON_NODE_HOLDS_NULL (value) && json_object_has_member (dest, name))
      json_object_remove_member (dest, name);
    else if (JSON_NODE_HOLDS_OBJECT (value) && inner != NULL)
      gst_stt_json_merge (inner, json_node_get_object (value));
    else
      json_object_set_member (dest, name, json_node_copy (value));
  }
}

/* Returns: (transfer full): @o as compact JSON text */
gchar *
gst_stt_json_object_to_string (JsonObject * o)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), o);
  gchar *text = json_to_string (node, FALSE);

  json_node_unref (node);
  return text;
}

/* ------------------------------------------------------------------------ */
/* Events the backends share                                                 */

void
gst_stt_add_metadata (GPtrArray * events, const gchar * type,
    const gchar * raw)
{
  GstSttEvent *ev = gst_stt_event_new (GST_STT_EVENT_METADATA);

  ev->kind = g_strdup (type);
  ev->json = g_strdup (raw);
  g_ptr_array_add (events, ev);
}

/* Returns: (transfer none): the error event added, for the caller to mark
 * fatal or auth */
GstSttEvent *
gst_stt_add_error (GPtrArray * events, const gchar * text, const gchar * code)
{
  GstSttEvent *ev = gst_stt_event_new (GST_STT_EVENT_ERROR);

  ev->text = g_strdup (text != NULL && text[0] != '\0' ? text :
      "unspecified error");
  ev->kind = g_strdup (code);
  g_ptr_array_add (events, ev);
  return ev;
}

/* The mean of the words' confidences; none when any word has none. */
gdouble
gst_stt_mean_confidence (const GstSttEvent * ev)
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

/* Start, end and speaker of an event from its words, when it has any. */
void
gst_stt_event_span_words (GstSttEvent * ev)
{
  const GstSttWord *first, *last;

  if (ev->words->len == 0)
    return;
  first = &g_array_index (ev->words, GstSttWord, 0);
  last = &g_array_index (ev->words, GstSttWord, ev->words->len - 1);
  ev->start_ms = first->start_ms;
  ev->end_ms = MAX (last->end_ms, first->start_ms);
  if (ev->speaker == NULL)
    ev->speaker = g_strdup (first->speaker);
}
