/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/gst.h>

#include "asuri.h"

G_BEGIN_DECLS

/**
 * GstAsUriHandlerInfo:
 * @type: GST_URI_SRC or GST_URI_SINK
 * @params: the properties a URI's query may set, NULL-terminated
 * @get_uri: the element's URI, built from its properties (takes the
 *   object lock itself)
 * @take: stores what @parsed names (host, port, socket path, TLS);
 *   called with the object lock held, the query is applied after
 *
 * What differs between the elements that take `tcp://`, `tls://` and
 * `unix://` URIs; the rest of GstURIHandler (the protocols, refusing a
 * URI once the element runs, parsing, applying the query as properties
 * and the errors for all of it) is shared.
 */
typedef struct
{
  GstURIType type;
  const gchar *const *params;
  gchar *(*get_uri) (GstElement * element);
  void (*take) (GstElement * element, const GstAsUri * parsed);
} GstAsUriHandlerInfo;

void      gst_as_uri_handler_init       (GstURIHandlerInterface * iface,
                                         const GstAsUriHandlerInfo * info);

G_END_DECLS
