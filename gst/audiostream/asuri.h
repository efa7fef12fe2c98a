/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstAsUri:
 * @tls: tls://
 * @host: the host of tcp:// and tls:// (brackets of an IPv6 address
 *   removed); NULL for unix://
 * @port: the port; -1 when the URI names none
 * @socket_path: the path of unix:///path
 * @params: (element-type utf8 utf8): the query, decoded: property names
 *   and values
 *
 * What audiostreamsink and audiostreamsrc take as a URI:
 * `tcp://host:port`, `tls://host:port`, `unix:///path`, each with an
 * optional `?property=value&...` query.
 */
typedef struct
{
  gboolean tls;
  gchar *host;
  gint port;
  gchar *socket_path;
  GHashTable *params;
} GstAsUri;

gboolean  gst_as_uri_parse              (const gchar * uri, GstAsUri * out,
                                         GError ** error);
void      gst_as_uri_clear              (GstAsUri * uri);
gchar *   gst_as_uri_build              (gboolean tls, const gchar * host,
                                         gint port,
                                         const gchar * socket_path);
const gchar * const * gst_as_uri_protocols (void);
gboolean  gst_as_uri_check_state        (GstElement * element,
                                         GError ** error);
gboolean  gst_as_uri_apply_params       (GObject * object,
                                         GHashTable * params,
                                         const gchar * const *allowed,
                                         GError ** error);

G_END_DECLS
