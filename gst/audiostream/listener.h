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

#include "transport.h"

G_BEGIN_DECLS

/**
 * GstAsListener:
 *
 * The listening socket of a raw-PCM receiver: TCP on a host and port (IPv4,
 * IPv6, or both with "::"; port 0 picks a free one) or a Unix domain
 * socket. Non-blocking: the caller polls gst_as_listener_socket() and the
 * accepted sockets together. Errors carry only the reason; the caller
 * names the target (gst_as_transport_describe_target()).
 */
typedef struct _GstAsListener GstAsListener;

GstAsListener * gst_as_listener_new     (const GstAsTransportTarget * target,
                                         GError ** error);
void      gst_as_listener_free          (GstAsListener * listener);
gint      gst_as_listener_port          (GstAsListener * listener);
GSocket * gst_as_listener_socket        (GstAsListener * listener);
GSocket * gst_as_listener_accept        (GstAsListener * listener,
                                         gchar ** remote, GError ** error);

G_END_DECLS
