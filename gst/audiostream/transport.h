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

#include "sendqueue.h"
#include "tcpinfo.h"
#include "tls.h"

G_BEGIN_DECLS

#define GST_AS_TRANSPORT_ERROR (gst_as_transport_error_quark ())
GQuark    gst_as_transport_error_quark  (void);

/**
 * GstAsTransportError:
 * @GST_AS_TRANSPORT_ERROR_TLS: the peer cannot be trusted, refused this
 *   sender's certificate, or does not speak TLS: trying again cannot help,
 *   and nothing may go to it in clear text
 *
 * Failures of a connection that are not the network's.
 */
typedef enum
{
  GST_AS_TRANSPORT_ERROR_TLS,
} GstAsTransportError;

/**
 * GstAsTransportTarget:
 * @host: host name or address, when @socket_path is NULL
 * @port: TCP port
 * @socket_path: a Unix domain socket instead of @host and @port
 * @tos: traffic class (IP_TOS / IPV6_TCLASS) of a TCP connection
 * @send_timeout_ms: a peer that accepts nothing for this long is gone;
 *   also the bound of a TLS handshake
 * @tls: (nullable): TLS settings (not owned; the caller keeps them alive
 *   while a connection may be made); NULL: clear text
 *
 * Where a sender connects to and how patient it is.
 */
typedef struct
{
  const gchar *host;
  gint port;
  const gchar *socket_path;
  guint8 tos;
  guint send_timeout_ms;
  GstAsTlsClient *tls;
} GstAsTransportTarget;

/**
 * GstAsTransport:
 *
 * One connection of a constant-bitrate sender: TCP or a Unix domain
 * socket, connected with the options a live stream wants (TCP_NODELAY,
 * keepalive and TCP_USER_TIMEOUT from send-timeout-ms, a send buffer of
 * half a second of audio, the traffic class set before connect()), and
 * written without ever blocking for longer than send-timeout-ms or past a
 * cancellation. Used by one thread; only the GCancellable given at connect
 * time may be cancelled from another.
 *
 * Errors carry only the reason (GIO's "Could not connect to HOST: " is
 * cut off): the caller names the target.
 *
 * With TLS (GstAsTransportTarget.tls) the handshake is part of
 * gst_as_transport_connect(), and every write goes through the TLS
 * connection; a certificate that fails validation, a refused client
 * certificate, or a peer that does not speak TLS is
 * GST_AS_TRANSPORT_ERROR_TLS, which a caller must not retry. The kernel
 * acknowledges TLS record bytes, not audio: the transport notes where each
 * write's record ends on the wire, and gst_as_transport_tcp_info() reports
 * in @bytes_acked the audio bytes of the records acknowledged whole (a
 * receiver can decrypt nothing of a partial record).
 */
typedef struct _GstAsTransport GstAsTransport;

/* What the largest format the caps allow needs, before the format is known */
#define GST_AS_TRANSPORT_MAX_BYTES_PER_SECOND (192000 * 8 * 2)

gboolean  gst_as_transport_check_target (const GstAsTransportTarget * target,
                                         GError ** error);
gchar *   gst_as_transport_describe_target (const GstAsTransportTarget *
                                         target);
guint     gst_as_transport_send_buffer_bytes (guint bytes_per_second);

GstAsTransport * gst_as_transport_connect (const GstAsTransportTarget *
                                         target, guint bytes_per_second,
                                         GCancellable * cancellable,
                                         GError ** error);
void      gst_as_transport_free         (GstAsTransport * transport);

const gchar * gst_as_transport_remote   (GstAsTransport * transport);
gboolean  gst_as_transport_is_tcp       (GstAsTransport * transport);
void      gst_as_transport_set_rate     (GstAsTransport * transport,
                                         guint bytes_per_second);
gsize     gst_as_transport_send         (GstAsTransport * transport,
                                         const guint8 * data, gsize size,
                                         GError ** error);
gboolean  gst_as_transport_check_peer   (GstAsTransport * transport,
                                         GError ** error);
gboolean  gst_as_transport_tcp_info     (GstAsTransport * transport,
                                         GstAsTcpInfo * info);
gint      gst_as_transport_drain        (GstAsTransport * transport,
                                         gint64 timeout_us);
gboolean  gst_as_transport_is_tls       (GstAsTransport * transport);

gssize    gst_as_transport_try_send     (GstAsTransport * transport,
                                         const guint8 * data, gsize size,
                                         GError ** error);
gint      gst_as_transport_get_fd       (GstAsTransport * transport);

/* Writes what the connection takes now, without blocking: the bytes
 * written, 0 when it takes nothing now, -1 with @error when it failed. */
gssize    gst_as_transport_try_send     (GstAsTransport * transport,
                                         const guint8 * data, gsize size,
                                         GError ** error);
/* The socket to wait on for writability (EPOLLOUT) */
gint      gst_as_transport_get_fd       (GstAsTransport * transport);
/* On a thread with a send queue: joins its batch (sendqueue.h) */
gssize    gst_as_transport_try_send_batched (GstAsTransport * transport,
                                         const guint8 * data, gsize size,
                                         GstAsSendDoneFunc done,
                                         gpointer user_data,
                                         GDestroyNotify notify,
                                         GError ** error);

G_END_DECLS
