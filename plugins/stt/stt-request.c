/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Query strings, URLs and the request that opens a session: what the
 * backends build, with no I/O. */

#include "stt-request.h"

#include <gio/gio.h>
#include <string.h>

#include "stt-json.h"

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

void
gst_stt_request_clear (GstSttRequest * r)
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

/**
 * gst_stt_url_exposes_key:
 *
 * Whether @url would carry a key in clear text to another machine: ws://
 * to anything but this machine's loopback.
 */
gboolean
gst_stt_url_exposes_key (const gchar * url)
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
 * gst_stt_free_secret:
 *
 * Frees a string that may hold a key, wiping it first: no copy of the key
 * stays behind in freed memory.
 */
void
gst_stt_free_secret (gchar * secret)
{
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  g_free (secret);
}
