/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define GST_STT_ERROR (gst_stt_error_quark ())
GQuark gst_stt_error_quark (void);

/**
 * GstSttError:
 * @GST_STT_ERROR_NOT_SUPPORTED: the backend is not implemented yet
 * @GST_STT_ERROR_SETTINGS: a setting the backend cannot use
 * @GST_STT_ERROR_NO_KEY: the service needs an API key and there is none
 * @GST_STT_ERROR_MALFORMED: a server message that is not what the protocol
 *   says (not JSON, not an object, nested absurdly deep)
 * @GST_STT_ERROR_OVERSIZED: a server message above GST_STT_MAX_MESSAGE_SIZE
 * @GST_STT_ERROR_CLEARTEXT_KEY: the key would go to another machine over
 *   plain ws://
 */
typedef enum
{
  GST_STT_ERROR_NOT_SUPPORTED,
  GST_STT_ERROR_SETTINGS,
  GST_STT_ERROR_NO_KEY,
  GST_STT_ERROR_MALFORMED,
  GST_STT_ERROR_OVERSIZED,
  GST_STT_ERROR_CLEARTEXT_KEY,
} GstSttError;

/* The largest server message parsed. The services send a few kB at most;
 * anything bigger is a broken or hostile peer. */
#define GST_STT_MAX_MESSAGE_SIZE (1024 * 1024)

/* Deeper JSON is refused before it reaches the (recursive) parser; at
 * most this. */
#define GST_STT_MAX_JSON_DEPTH 64

gboolean  gst_stt_json_check        (const gchar * data, gsize size,
                                     guint max_depth, GError ** error);

gchar *   gst_stt_json_drop_nul_escapes (const gchar * data, gsize size,
                                     gsize * out_size);

const gchar * gst_stt_json_string   (JsonObject * o, const gchar * name);
gboolean  gst_stt_json_double       (JsonObject * o, const gchar * name,
                                     gdouble * value);
gboolean  gst_stt_json_boolean      (JsonObject * o, const gchar * name,
                                     gboolean * value);
gboolean  gst_stt_json_int          (JsonObject * o, const gchar * name,
                                     gint64 * value);
JsonObject * gst_stt_json_object    (JsonObject * o, const gchar * name);
JsonArray * gst_stt_json_array      (JsonObject * o, const gchar * name);
JsonObject * gst_stt_json_array_object (JsonArray * a, guint index);
gchar *   gst_stt_json_scalar_to_string (JsonNode * node);
void      gst_stt_json_merge        (JsonObject * dest, JsonObject * src);
gchar *   gst_stt_json_object_to_string (JsonObject * o);

/* Helpers several backends share. */

G_END_DECLS
