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

typedef struct
{
  gchar *name;
  gchar *value;
} GstSttHeader;

/**
 * GstSttRequest:
 *
 * How to open a session. @headers may hold the key: never log their
 * values. @display_url is @url without user info and query, for messages.
 */
typedef struct
{
  gchar *url;
  gchar *display_url;
  GArray *headers;              /* of GstSttHeader */
  gchar *first_message;         /* text to send once open, or NULL */
} GstSttRequest;


typedef struct
{
  GPtrArray *names;
  GPtrArray *values;
} GstSttQuery;

void      gst_stt_query_init        (GstSttQuery * q);
void      gst_stt_query_clear       (GstSttQuery * q);
void      gst_stt_query_add         (GstSttQuery * q, const gchar * name,
                                     const gchar * value);
void      gst_stt_query_set         (GstSttQuery * q, const gchar * name,
                                     const gchar * value);
void      gst_stt_query_remove      (GstSttQuery * q, const gchar * name);
gboolean  gst_stt_query_merge_json  (GstSttQuery * q, JsonObject * extra,
                                     GError ** error);

void      gst_stt_request_clear     (GstSttRequest * request);
gboolean  gst_stt_request_set_url   (GstSttRequest * request,
                                     const gchar * base,
                                     const GstSttQuery * query,
                                     GError ** error);
void      gst_stt_request_add_header (GstSttRequest * request,
                                     const gchar * name, const gchar * value);

/* Typed member access: NULL / FALSE when absent or of another type, never
 * a critical, whatever the server sent. */
gboolean  gst_stt_url_exposes_key   (const gchar * url);
void      gst_stt_free_secret       (gchar * secret);

G_END_DECLS
