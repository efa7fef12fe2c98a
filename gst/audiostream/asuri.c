/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "asuri.h"

#include <gst/gst.h>
#include <string.h>

gboolean
gst_as_uri_parse (const gchar * uri, GstAsUri * out, GError ** error)
{
  GUri *parsed;
  const gchar *scheme, *query;

  memset (out, 0, sizeof (*out));
  out->port = -1;
  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY, error);
  if (parsed == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (parsed);
  if (g_ascii_strcasecmp (scheme, "unix") == 0) {
    const gchar *path = g_uri_get_path (parsed);

    if (g_uri_get_host (parsed) && *g_uri_get_host (parsed)) {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_HOST,
          "a unix:// URI names a path, not a host: unix:///path/to/socket "
          "(three slashes)");
      goto failed;
    }
    if (path == NULL || path[0] != '/') {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_PATH,
          "a unix:// URI needs an absolute path: unix:///path/to/socket");
      goto failed;
    }
    out->socket_path = g_strdup (path);
  } else if (g_ascii_strcasecmp (scheme, "tcp") == 0 ||
      g_ascii_strcasecmp (scheme, "tls") == 0) {
    const gchar *host = g_uri_get_host (parsed);

    out->tls = g_ascii_strcasecmp (scheme, "tls") == 0;
    if (host == NULL || *host == '\0') {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_HOST,
          "%s:// needs a host: %s://HOST:PORT", scheme, scheme);
      goto failed;
    }
    out->host = g_strdup (host);
    out->port = g_uri_get_port (parsed);
  } else {
    g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_SCHEME,
        "unsupported scheme %s: tcp://, tls:// or unix:// only", scheme);
    goto failed;
  }

  out->params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  query = g_uri_get_query (parsed);
  if (query != NULL && *query != '\0') {
    GHashTable *params = g_uri_parse_params (query, -1, "&",
        G_URI_PARAMS_NONE, error);

    if (params == NULL)
      goto failed;
    g_hash_table_unref (out->params);
    out->params = params;
  }
  g_uri_unref (parsed);
  return TRUE;

failed:
  g_uri_unref (parsed);
  gst_as_uri_clear (out);
  return FALSE;
}

void
gst_as_uri_clear (GstAsUri * uri)
{
  g_clear_pointer (&uri->host, g_free);
  g_clear_pointer (&uri->socket_path, g_free);
  g_clear_pointer (&uri->params, g_hash_table_unref);
}

const gchar *const *
gst_as_uri_protocols (void)
{
  static const gchar *const protocols[] = { "tcp", "tls", "unix", NULL };

  return protocols;
}

/* Where the element sends or listens changes only when it is not running. */
gboolean
gst_as_uri_check_state (GstElement * element, GError ** error)
{
  gboolean ok;

  GST_OBJECT_LOCK (element);
  ok = GST_STATE (element) <= GST_STATE_READY;
  GST_OBJECT_UNLOCK (element);
  if (!ok)
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
        "the URI can only change in the NULL or READY state");
  return ok;
}

/* tcp://host:port, tls://[::1]:port or unix:///path */
gchar *
gst_as_uri_build (gboolean tls, const gchar * host, gint port,
    const gchar * socket_path)
{
  if (socket_path != NULL)
    return g_uri_join (G_URI_FLAGS_NONE, "unix", NULL, "", -1, socket_path,
        NULL, NULL);
  return g_uri_join (G_URI_FLAGS_NONE, tls ? "tls" : "tcp", NULL,
      host ? host : "", port, "", NULL, NULL);
}

/**
 * gst_as_uri_apply_params:
 * @allowed: the property names a query may set
 *
 * Sets the properties the query names, as gst-launch-1.0 would parse
 * their values. A name not in @allowed is an error, so a typo is not
 * silently ignored.
 */
gboolean
gst_as_uri_apply_params (GObject * object, GHashTable * params,
    const gchar * const *allowed, GError ** error)
{
  GHashTableIter iter;
  gpointer key, value;
  GArray *values = g_array_new (FALSE, TRUE, sizeof (GValue));
  GPtrArray *names = g_ptr_array_new ();
  gboolean ok = TRUE;
  guint i;

  g_array_set_clear_func (values, (GDestroyNotify) g_value_unset);
  g_hash_table_iter_init (&iter, params);
  while (ok && g_hash_table_iter_next (&iter, &key, &value)) {
    GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS
        (object), key);
    GValue v = G_VALUE_INIT;

    if (pspec == NULL || !g_strv_contains (allowed, key)) {
      gchar *list = g_strjoinv (", ", (gchar **) allowed);

      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "unknown URI parameter %s (known: %s)", (const gchar *) key, list);
      g_free (list);
      ok = FALSE;
      break;
    }
    g_value_init (&v, pspec->value_type);
    if (!gst_value_deserialize_with_pspec (&v, value, pspec)) {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "URI parameter %s: cannot use \"%s\" as a %s",
          (const gchar *) key, (const gchar *) value,
          g_type_name (pspec->value_type));
      g_value_unset (&v);
      ok = FALSE;
      break;
    }
    g_array_append_val (values, v);
    g_ptr_array_add (names, key);
  }
  /* all or nothing */
  for (i = 0; ok && i < names->len; i++)
    g_object_set_property (object, g_ptr_array_index (names, i),
        &g_array_index (values, GValue, i));
  g_array_unref (values);
  g_ptr_array_unref (names);
  return ok;
}
