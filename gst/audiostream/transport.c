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

#include "transport.h"
#include "sendqueue.h"
#include "sinkfront.h"
#include "sockopts.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/sockios.h>

#define CONNECT_TIMEOUT_S 10
/* Kernel send buffer: half a second of audio, at least this much. */
#define MIN_SNDBUF_BYTES (64 * 1024)
#define DRAIN_POLL_INTERVAL_US 5000
/* sun_path holds the path and its terminating NUL */
#define MAX_SOCKET_PATH_BYTES \
  (sizeof (((struct sockaddr_un *) NULL)->sun_path) - 1)

/* Where a TLS write's record ends on the wire (bytes the kernel was given
 * since the connection began), and the audio bytes written up to then. */
typedef struct
{
  guint64 wire_end;
  guint64 plain_end;
} RecordMark;

struct _GstAsTransport
{
  GSocketConnection *conn;
  GSocket *socket;
  GCancellable *cancellable;
  gchar *remote;
  guint send_timeout_ms;
  gboolean tcp;

  /* the stream written and read: the TLS connection, or @conn */
  GIOStream *stream;
  GPollableOutputStream *out;
  GPollableInputStream *in;
  gboolean tls;

  /* TLS over TCP: marks of the records not yet known to be acknowledged,
   * from @first on, oldest first; @plain_acked: audio bytes of the
   * records acknowledged whole */
  GArray *marks;
  guint first;
  guint64 plain_written;
  guint64 plain_acked;

  /* clear text: sends batched by the scheduler thread's queue (sendqueue.c)
   * wait here until the batch ends */
  GstAsSendSlot slot;
};

G_DEFINE_QUARK (gst-as-transport-error-quark, gst_as_transport_error);

/* A longer path would be cut short by GLib, and the audio would go to
 * whatever socket lives at the shortened one. */
gboolean
gst_as_transport_check_target (const GstAsTransportTarget * target,
    GError ** error)
{
  gsize len;

  if (target->socket_path == NULL)
    return TRUE;
  len = strlen (target->socket_path);
  if (len <= MAX_SOCKET_PATH_BYTES)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
      "socket-path is %" G_GSIZE_FORMAT " bytes long, but a Unix socket "
      "path can have at most %" G_GSIZE_FORMAT " bytes: use a shorter path "
      "(a symbolic link to the directory works).", len,
      (gsize) MAX_SOCKET_PATH_BYTES);
  return FALSE;
}

/* "host port N", "[v6addr] port N" or "unix:path", as messages name the
 * target */
gchar *
gst_as_transport_describe_target (const GstAsTransportTarget * target)
{
  return gst_as_connect_target (target->host, target->port,
      target->socket_path);
}

/* Half a second of audio in the kernel at most: enough for any sane round
 * trip at the catch-up rate, small enough to keep for resending. */
guint
gst_as_transport_send_buffer_bytes (guint bytes_per_second)
{
  if (bytes_per_second == 0)
    bytes_per_second = GST_AS_TRANSPORT_MAX_BYTES_PER_SECOND;
  return MAX (MIN_SNDBUF_BYTES, bytes_per_second / 2);
}

/* A Unix socket path that is something else: say what, rather than the
 * kernel's "Connection refused". Returns NULL when it is a socket or does
 * not exist (GIO's reason says that well). */
static gchar *
describe_non_socket (const gchar * path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0 || S_ISSOCK (st.st_mode))
    return NULL;
  if (S_ISDIR (st.st_mode))
    return g_strdup_printf ("%s is a directory, not a socket", path);
  if (S_ISREG (st.st_mode))
    return g_strdup_printf ("%s is a regular file, not a socket", path);
  return g_strdup_printf ("%s is not a socket", path);
}

static void
on_client_event (GSocketClient * client, GSocketClientEvent event,
    GSocketConnectable * connectable, GIOStream * connection,
    gpointer user_data)
{
  guint8 tos = GPOINTER_TO_UINT (user_data);
  GSocket *socket;
  GError *err = NULL;

  /* Mark the socket before connect() so the handshake carries the class. */
  if (event != G_SOCKET_CLIENT_CONNECTING)
    return;

  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection));
  if (g_socket_get_family (socket) != G_SOCKET_FAMILY_IPV4 &&
      g_socket_get_family (socket) != G_SOCKET_FAMILY_IPV6)
    return;

  if (!gst_as_socket_set_traffic_class (socket, tos, &err)) {
    g_debug ("Could not set traffic class 0x%02x: %s", tos, err->message);
    g_clear_error (&err);
  }
}

static gchar *
describe_remote (GSocketConnection * conn)
{
  GSocketAddress *addr = g_socket_connection_get_remote_address (conn, NULL);
  gchar *str;

  if (addr == NULL)
    return g_strdup ("(unknown)");
  if (G_IS_UNIX_SOCKET_ADDRESS (addr))
    str = g_strdup_printf ("unix:%s",
        g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (addr)));
  else
    str = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (addr));
  g_object_unref (addr);
  return str;
}

void
gst_as_transport_set_rate (GstAsTransport * transport, guint bytes_per_second)
{
  GError *err = NULL;

  if (gst_as_socket_set_send_buffer (transport->socket,
          gst_as_transport_send_buffer_bytes (bytes_per_second), &err) < 0) {
    g_debug ("SO_SNDBUF: %s", err->message);
    g_clear_error (&err);
  }
}

/* Socket options for a live stream; none of them is worth failing for. */
static void
tune_socket (GstAsTransport * transport, guint bytes_per_second)
{
  GSocket *socket = transport->socket;
  guint timeout_ms = transport->send_timeout_ms;
  GError *err = NULL;

  gst_as_transport_set_rate (transport, bytes_per_second);
  if (transport->tcp) {
    if (!gst_as_socket_set_nodelay (socket, &err) ||
        !gst_as_socket_set_user_timeout (socket, timeout_ms, &err) ||
        !gst_as_socket_set_keepalive (socket, MAX (1, timeout_ms / 1000 / 2),
            1, 3, &err)) {
      g_debug ("socket options: %s", err->message);
      g_clear_error (&err);
    }
  }

  /* Writes wait on our own terms: bounded by send-timeout-ms, cancellable. */
  g_socket_set_blocking (socket, FALSE);
  g_socket_set_timeout (socket, 0);
}

static GSocketConnection *
connect_client (const GstAsTransportTarget * target,
    GCancellable * cancellable, GError ** error)
{
  GSocketClient *client = g_socket_client_new ();
  GSocketConnection *conn;

  g_socket_client_set_timeout (client, CONNECT_TIMEOUT_S);
  /* A live stream goes straight to its receiver: no system proxy (and no
   * libproxy lookup per connection attempt). */
  g_socket_client_set_enable_proxy (client, FALSE);
  if (target->socket_path) {
    GSocketAddress *addr = g_unix_socket_address_new (target->socket_path);

    conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr),
        cancellable, error);
    g_object_unref (addr);
  } else {
    g_signal_connect (client, "event", G_CALLBACK (on_client_event),
        GUINT_TO_POINTER (target->tos));
    conn = g_socket_client_connect_to_host (client, target->host,
        target->port, cancellable, error);
  }
  g_object_unref (client);
  return conn;
}

/* Connects to @target, sized for @bytes_per_second (0: not known yet).
 * Blocks for at most CONNECT_TIMEOUT_S or until @cancellable fires, which
 * also cuts short any later send or drain. */
GstAsTransport *
gst_as_transport_connect (const GstAsTransportTarget * target,
    guint bytes_per_second, GCancellable * cancellable, GError ** error)
{
  GstAsTransport *transport;
  GSocketConnection *conn;
  GError *err = NULL;

  if (!gst_as_transport_check_target (target, error))
    return NULL;

  conn = connect_client (target, cancellable, &err);
  if (conn == NULL) {
    gchar *what = NULL;

    if (target->socket_path &&
        !g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      what = describe_non_socket (target->socket_path);
    if (what == NULL)
      what = g_strdup (gst_as_connect_failure_reason (err));
    g_free (err->message);
    err->message = what;
    g_propagate_error (error, err);
    return NULL;
  }

  transport = g_new0 (GstAsTransport, 1);
  transport->conn = conn;
  transport->socket = g_socket_connection_get_socket (conn);
  gst_as_send_slot_init (&transport->slot,
      g_socket_get_fd (transport->socket));
  transport->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  transport->send_timeout_ms = target->send_timeout_ms;
  transport->tcp =
      g_socket_get_family (transport->socket) != G_SOCKET_FAMILY_UNIX;
  transport->remote = describe_remote (conn);
  tune_socket (transport, bytes_per_second);

  if (target->tls == NULL) {
    transport->stream = G_IO_STREAM (g_object_ref (conn));
  } else {
    /* the name checked is the host asked for, not the address it became */
    transport->stream = gst_as_tls_client_handshake (target->tls,
        G_IO_STREAM (conn), target->host, target->port,
        MAX (target->send_timeout_ms, 1), cancellable, error);
    if (transport->stream == NULL) {
      gst_as_transport_free (transport);
      return NULL;
    }
    transport->tls = TRUE;
    if (transport->tcp)
      transport->marks = g_array_new (FALSE, FALSE, sizeof (RecordMark));
  }
  transport->out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream
      (transport->stream));
  transport->in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream
      (transport->stream));
  return transport;
}

void
gst_as_transport_free (GstAsTransport * transport)
{
  if (transport == NULL)
    return;
  /* out of its queue before the descriptor can be reused */
  gst_as_send_slot_clear (&transport->slot);
  /* The socket first: a TLS close would try to write close_notify and
   * could wait forever on a peer that reads nothing. After a drain it was
   * sent already. */
  g_socket_close (transport->socket, NULL);
  if (transport->stream) {
    g_io_stream_close (transport->stream, NULL, NULL);
    g_object_unref (transport->stream);
  }
  g_io_stream_close (G_IO_STREAM (transport->conn), NULL, NULL);
  g_object_unref (transport->conn);
  if (transport->marks)
    g_array_unref (transport->marks);
  g_clear_object (&transport->cancellable);
  g_free (transport->remote);
  g_free (transport);
}

/* the peer's address: 127.0.0.1:4953, [::1]:4953, unix:/path */
const gchar *
gst_as_transport_remote (GstAsTransport * transport)
{
  return transport->remote;
}

gboolean
gst_as_transport_is_tcp (GstAsTransport * transport)
{
  return transport->tcp;
}

/* What the kernel was given on this connection so far, and of it what the
 * peer acknowledged, read consistently: an acknowledgement that lands
 * between the two reads would move bytes from one count to the other. */
static gboolean
wire_written (GstAsTransport * transport, guint64 * wire, guint64 * acked)
{
  gint fd = g_socket_get_fd (transport->socket);
  guint i;

  for (i = 0; i < 4; i++) {
    GstAsTcpInfo before, after;
    gint queued = 0;

    if (!gst_as_tcp_info_get (fd, &before, NULL) ||
        ioctl (fd, SIOCOUTQ, &queued) != 0 ||
        !gst_as_tcp_info_get (fd, &after, NULL))
      return FALSE;
    if (before.bytes_acked == after.bytes_acked) {
      *acked = after.bytes_acked;
      *wire = after.bytes_acked + (guint64) MAX (queued, 0);
      return TRUE;
    }
  }
  return FALSE;
}

/* Forgets the marks of records acknowledged whole: their audio arrived.
 * Returns the audio bytes acknowledged so far. */
static guint64
settle_marks (GstAsTransport * transport, guint64 acked)
{
  GArray *marks = transport->marks;

  while (transport->first < marks->len) {
    RecordMark *m = &g_array_index (marks, RecordMark, transport->first);

    if (m->wire_end > acked)
      break;
    transport->plain_acked = m->plain_end;
    transport->first++;
  }
  if (transport->first > 1024 && transport->first * 2 > marks->len) {
    g_array_remove_range (marks, 0, transport->first);
    transport->first = 0;
  }
  return transport->plain_acked;
}

/* A TLS write of @n audio bytes went to the kernel whole: note where its
 * record ends. Without a reading (it never fails on a live socket) the
 * record counts as unacknowledged until the connection ends: resent
 * rather than lost. */
static void
note_record (GstAsTransport * transport, gsize n)
{
  RecordMark m;
  guint64 acked = 0;

  transport->plain_written += n;
  if (transport->marks == NULL)
    return;
  if (!wire_written (transport, &m.wire_end, &acked))
    m.wire_end = G_MAXUINT64;
  m.plain_end = transport->plain_written;
  g_array_append_val (transport->marks, m);
  settle_marks (transport, acked);
}

/* One non-blocking write; 0 with G_IO_ERROR_WOULD_BLOCK when the kernel
 * has no room. With TLS, a record that would block is kept by GIO and the
 * next write must offer the same bytes again. */
static gssize
write_some (GstAsTransport * transport, const guint8 * data, gsize size,
    GError ** error)
{
  gssize n;

  if (!transport->tls)
    return g_socket_send (transport->socket, (const gchar *) data, size,
        transport->cancellable, error);
  n = g_pollable_output_stream_write_nonblocking (transport->out, data, size,
      transport->cancellable, error);
  if (n > 0)
    note_record (transport, n);
  return n;
}

/* Writes all of @data; the peer may make no progress for longer than
 * send-timeout-ms before it counts as gone. Returns the bytes written;
 * fewer than @size with @error set (G_IO_ERROR_CANCELLED when cancelled). */
gsize
gst_as_transport_send (GstAsTransport * transport, const guint8 * data,
    gsize size, GError ** error)
{
  gint64 timeout_us = (gint64) transport->send_timeout_ms *
      G_TIME_SPAN_MILLISECOND;
  gint64 give_up = g_get_monotonic_time () + timeout_us;
  GSocket *socket = transport->socket;
  gsize done = 0;

  while (done < size) {
    GError *err = NULL;
    gssize n = write_some (transport, data + done, size - done, &err);
    gint64 left;

    if (n > 0) {
      done += n;
      give_up = g_get_monotonic_time () + timeout_us;
      continue;
    }
    if (!g_error_matches (err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      g_propagate_error (error, err);
      break;
    }
    g_clear_error (&err);

    left = give_up - g_get_monotonic_time ();
    if (left <= 0 || !g_socket_condition_timed_wait (socket, G_IO_OUT, left,
            transport->cancellable, &err)) {
      if (left <= 0 || g_error_matches (err, G_IO_ERROR,
              G_IO_ERROR_TIMED_OUT)) {
        g_clear_error (&err);
        g_set_error (&err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
            "the receiver read nothing for %u ms", transport->send_timeout_ms);
      }
      g_propagate_error (error, err);
      break;
    }
  }
  return done;
}

/* A TLS peer that refuses this sender (its client certificate) says so
 * with an alert, which arrives as an error on the next read. */
static void
set_read_error (GstAsTransport * transport, GError ** error, GError * err)
{
  if (transport->tls && gst_as_tls_error_is_fatal (err)) {
    g_set_error (error, GST_AS_TRANSPORT_ERROR, GST_AS_TRANSPORT_ERROR_TLS,
        "the receiver %s ended the TLS session: %s", transport->remote,
        err->message);
    g_error_free (err);
    return;
  }
  g_propagate_error (error, err);
}

/* Anything from the peer? A raw-PCM receiver sends nothing, so readable
 * means it closed the connection (or reset it). Data is read and ignored.
 * Returns FALSE when the connection is gone. */
gboolean
gst_as_transport_check_peer (GstAsTransport * transport, GError ** error)
{
  guint8 scratch[512];
  guint i;

  /* bounded: a chatty peer must not keep the pacer from its deadlines */
  for (i = 0; i < 8; i++) {
    GError *err = NULL;
    gssize n;

    if (!(g_socket_condition_check (transport->socket,
                G_IO_IN | G_IO_HUP | G_IO_ERR)))
      return TRUE;
    /* with TLS, also what the session brings: tickets for resumption */
    n = g_pollable_input_stream_read_nonblocking (transport->in, scratch,
        sizeof (scratch), NULL, &err);
    if (n == 0) {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
          "connection closed by the receiver");
      return FALSE;
    }
    if (n < 0) {
      if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        g_clear_error (&err);
        return TRUE;
      }
      set_read_error (transport, error, err);
      return FALSE;
    }
  }
  return TRUE;
}

/* TCP_INFO of a TCP connection; FALSE for a Unix socket. With TLS,
 * @bytes_acked is in audio bytes: those of the records acknowledged whole
 * (see GstAsTransport). */
gboolean
gst_as_transport_tcp_info (GstAsTransport * transport, GstAsTcpInfo * info)
{
  if (!transport->tcp ||
      !gst_as_tcp_info_get (g_socket_get_fd (transport->socket), info, NULL))
    return FALSE;
  if (transport->marks)
    info->bytes_acked = settle_marks (transport, info->bytes_acked);
  return TRUE;
}

/* After EOS: lets the kernel transmit everything (for at most @timeout_us,
 * or until cancelled), then sends the FIN. Returns the bytes the kernel
 * still held. */
gint
gst_as_transport_drain (GstAsTransport * transport, gint64 timeout_us)
{
  gint fd = g_socket_get_fd (transport->socket);
  gint64 give_up = g_get_monotonic_time () + timeout_us;
  GError *err = NULL;
  gint unsent = 0;
  gsize held = 0;
  guint8 *rest = gst_as_send_slot_detach (&transport->slot, &held);

  /* what a batch had not sent yet goes first */
  if (rest != NULL &&
      gst_as_transport_send (transport, rest, held, &err) < held) {
    g_debug ("drain: %s", err->message);
    g_clear_error (&err);
  }
  g_free (rest);

  while (!g_cancellable_is_cancelled (transport->cancellable) &&
      g_get_monotonic_time () < give_up) {
    if (ioctl (fd, SIOCOUTQ, &unsent) != 0 || unsent == 0)
      break;
    g_usleep (DRAIN_POLL_INTERVAL_US);
  }

  /* TLS: close_notify, then the FIN; nothing is queued to wait behind */
  if (transport->tls && unsent == 0 &&
      !g_cancellable_is_cancelled (transport->cancellable)) {
    if (!g_io_stream_close (transport->stream, transport->cancellable, &err)) {
      g_debug ("TLS close: %s", err->message);
      g_clear_error (&err);
    }
  }
  if (!g_socket_shutdown (transport->socket, FALSE, TRUE, &err)) {
    g_debug ("shutdown: %s", err->message);
    g_clear_error (&err);
  }
  return unsent;
}

gboolean
gst_as_transport_is_tls (GstAsTransport * transport)
{
  return transport->tls;
}

/* What GIO would say of a failed send() */
static void
set_send_error (GError ** error, gint errsv)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
      "Error sending data: %s", g_strerror (errsv));
}

/**
 * gst_as_transport_try_send:
 *
 * Writes what the kernel takes now, without waiting. With TLS, a write
 * that returns 0 left a record half written inside GIO: the next call
 * must offer the same bytes again (from the same offset).
 *
 * Returns: the bytes written, 0 when the kernel has no room (would block),
 * -1 with @error when the connection failed (G_IO_ERROR_CANCELLED when
 * cancelled)
 */
gssize
gst_as_transport_try_send (GstAsTransport * transport, const guint8 * data,
    gsize size, GError ** error)
{
  GError *err = NULL;
  gssize n;
  gint failed;

  if (size == 0)
    return 0;
  /* a batched send of this connection failed, or waits for its batch */
  failed = gst_as_send_slot_get_error (&transport->slot);
  if (failed != 0) {
    set_send_error (error, failed);
    return -1;
  }
  if (gst_as_send_slot_append (&transport->slot, data, size))
    return size;
  n = write_some (transport, data, size, &err);
  if (n > 0)
    return n;
  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
    g_error_free (err);
    return 0;
  }
  if (err == NULL)
    g_set_error_literal (&err, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
        "the connection took no data");
  g_propagate_error (error, err);
  return -1;
}

/* the socket's descriptor, to poll for G_IO_OUT (writable) with others */
gint
gst_as_transport_get_fd (GstAsTransport * transport)
{
  return g_socket_get_fd (transport->socket);
}

/**
 * gst_as_transport_try_send_batched:
 * @done: told at the end of the batch if the bytes did not all go out; it
 *   takes the rest (as a short gst_as_transport_try_send() leaves it), and
 *   the next gst_as_transport_try_send() reports a failure
 * @user_data: (transfer full): for @done; the connection keeps it while it
 *   may call @done (it may outlive the caller's batch: a drain in another
 *   thread), and releases it with @notify
 *
 * On a scheduler thread with an io_uring queue (sendqueue.c), and for a
 * clear-text connection: copies @data to go out with the rest of the
 * thread's batch, in one submission, and returns @size. Anywhere else: as
 * gst_as_transport_try_send().
 */
gssize
gst_as_transport_try_send_batched (GstAsTransport * transport,
    const guint8 * data, gsize size, GstAsSendDoneFunc done,
    gpointer user_data, GDestroyNotify notify, GError ** error)
{
  GstAsSendQueue *queue;

  if (!transport->tls && size > 0 &&
      (queue = gst_as_send_queue_get_current ()) != NULL &&
      gst_as_send_slot_queue (&transport->slot, queue, data, size, done,
          user_data, notify))
    return size;
  if (notify)
    notify (user_data);
  return gst_as_transport_try_send (transport, data, size, error);
}
