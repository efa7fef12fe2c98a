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
 * socket. Non-blocking: the caller polls gst_as_listener_socket() (and,
 * with TLS, gst_as_listener_wakeup_fd()) with the accepted connections,
 * and calls gst_as_listener_next() when one is ready. Errors carry only the
 * reason; the caller names the target (gst_as_transport_describe_target()).
 *
 * Who may send: with an allowlist (gst_as_listener_set_allowed()) a TCP
 * sender from another address is closed at once, before it is read; with
 * TLS (gst_as_listener_set_tls()) each sender's handshake runs on a thread
 * of its own, bounded in time, so a slow or hostile peer never holds up
 * the stream, and only a sender that completed it is handed out.
 *
 * Threads: one thread uses the listener; the handshake threads touch only
 * @lock's fields.
 */
typedef struct _GstAsListener GstAsListener;

typedef enum
{
  GST_AS_ACCEPT_NONE,           /* nothing (more) waiting */
  GST_AS_ACCEPT_SENDER,         /* a sender, ready to read */
  GST_AS_ACCEPT_REFUSED,        /* not in the allowlist: closed */
  GST_AS_ACCEPT_FAILED,         /* its TLS handshake failed: closed */
  GST_AS_ACCEPT_ERROR,          /* accept() failed (a file limit): try later */
} GstAsAcceptResult;

/**
 * GstAsAccepted:
 * @stream: the sender's connection (TLS or plain), to read through
 * @socket: its socket, to poll
 * @remote: the peer's address, as messages name it
 * @address: the peer's IP address without the port, NULL on a Unix socket
 * @tell: REFUSED: the first refusal of this address this minute (the one
 *   to log)
 * @error: REFUSED, FAILED, ERROR: why
 *
 * What gst_as_listener_next() found; gst_as_accepted_clear() frees it.
 */
typedef struct
{
  GIOStream *stream;
  GSocket *socket;
  gchar *remote;
  gchar *address;
  gboolean tell;
  GError *error;
} GstAsAccepted;

GstAsListener * gst_as_listener_new     (const GstAsTransportTarget * target,
                                         GError ** error);
void      gst_as_listener_free          (GstAsListener * listener);
gboolean  gst_as_listener_set_allowed   (GstAsListener * listener,
                                         const gchar * allowed,
                                         GError ** error);
void      gst_as_listener_set_tls       (GstAsListener * listener,
                                         GstAsTlsServer * tls);
gint      gst_as_listener_port          (GstAsListener * listener);
GSocket * gst_as_listener_socket        (GstAsListener * listener);
gint      gst_as_listener_wakeup_fd     (GstAsListener * listener);
GstAsAcceptResult gst_as_listener_next  (GstAsListener * listener,
                                         GstAsAccepted * accepted);
void      gst_as_accepted_clear         (GstAsAccepted * accepted);

/**
 * GstAsListenerSecurity:
 * @allowed: allowed-senders (NULL or "": anyone)
 * @certificate_file: tls-certificate-file
 * @key_file: tls-key-file (NULL: in @certificate_file)
 * @client_ca_file: tls-client-ca-file (NULL: no client certificate)
 * @tls_required: TLS was asked for by other means (a tls:// URI)
 *
 * Who may send and how, as the element's properties give it.
 */
typedef struct
{
  const gchar *allowed;
  const gchar *certificate_file;
  const gchar *key_file;
  const gchar *client_ca_file;
  gboolean tls_required;
} GstAsListenerSecurity;

gboolean  gst_as_listener_secure        (GstAsListener * listener,
                                         const GstAsListenerSecurity * sec,
                                         GError ** error);
gchar *   gst_as_listener_error_text    (const gchar * target,
                                         const GError * error);

typedef enum
{
  GST_AS_LISTENER_WAIT_TIMEOUT = 0,
  GST_AS_LISTENER_WAIT_DATA = 1 << 0,      /* the connection is readable */
  GST_AS_LISTENER_WAIT_ACCEPT = 1 << 1,    /* a sender may be waiting */
  GST_AS_LISTENER_WAIT_CANCELLED = 1 << 2,
  GST_AS_LISTENER_WAIT_ERROR = 1 << 3,     /* no fd to poll the cancellable */
} GstAsListenerWait;

GstAsListenerWait gst_as_listener_wait  (GstAsListener * listener,
                                         GSocket * connection,
                                         GCancellable * cancellable,
                                         gint timeout_ms);

gboolean  gst_as_allowlist_parse        (const gchar * allowed,
                                         GPtrArray ** masks,
                                         GError ** error);
gboolean  gst_as_allowlist_matches      (GPtrArray * masks,
                                         GInetAddress * address);

G_END_DECLS
