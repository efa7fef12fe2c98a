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

G_BEGIN_DECLS

/**
 * GstAsTlsClient:
 *
 * What a TLS sender checks and presents, loaded once when the element
 * starts (so a missing or broken file is an error at start, not at every
 * reconnect): the trust store (a CA file, else the system's), an optional
 * client certificate, the name the server's certificate must carry (also
 * sent as SNI) and the validation flags. Immutable and reference counted:
 * the element and its network thread share it.
 */
typedef struct _GstAsTlsClient GstAsTlsClient;

/**
 * GstAsTlsServer:
 *
 * What a TLS receiver presents and requires: its certificate and key, and
 * with a client CA file, a client certificate signed by that CA (mutual
 * TLS). Immutable and reference counted, like #GstAsTlsClient.
 */
typedef struct _GstAsTlsServer GstAsTlsServer;

GstAsTlsClient * gst_as_tls_client_new  (const gchar * ca_file,
                                         const gchar * certificate_file,
                                         const gchar * key_file,
                                         const gchar * server_name,
                                         GTlsCertificateFlags flags,
                                         GError ** error);
GstAsTlsClient * gst_as_tls_client_ref  (GstAsTlsClient * client);
void      gst_as_tls_client_unref       (GstAsTlsClient * client);
const gchar * gst_as_tls_client_server_name (GstAsTlsClient * client);

GIOStream * gst_as_tls_client_handshake (GstAsTlsClient * client,
                                         GIOStream * base,
                                         const gchar * host, gint port,
                                         guint timeout_ms,
                                         GCancellable * cancellable,
                                         GError ** error);

GstAsTlsServer * gst_as_tls_server_new  (const gchar * certificate_file,
                                         const gchar * key_file,
                                         const gchar * client_ca_file,
                                         GError ** error);
GstAsTlsServer * gst_as_tls_server_ref  (GstAsTlsServer * server);
void      gst_as_tls_server_unref       (GstAsTlsServer * server);

GIOStream * gst_as_tls_server_handshake (GstAsTlsServer * server,
                                         GIOStream * base,
                                         guint timeout_ms,
                                         GCancellable * cancellable,
                                         GError ** error);

gchar *   gst_as_tls_describe_flags     (GTlsCertificateFlags errors);
gboolean  gst_as_tls_error_is_fatal     (const GError * error);

G_END_DECLS
