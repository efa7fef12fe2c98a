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

#include "listener.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define LISTEN_BACKLOG 8
/* a sender that has not completed its TLS handshake by then is dropped */
#define HANDSHAKE_TIMEOUT_MS 10000
/* handshakes at once; more senders than that are turned away */
#define MAX_HANDSHAKES 16
/* a refused address is told once this often */
#define REFUSAL_TELL_INTERVAL_US (60 * G_USEC_PER_SEC)
/* addresses remembered for that; a flood of new ones starts it over */
#define MAX_TOLD_ADDRESSES 4096

/* Lock order: @lock is a leaf, held only for the queue and the count. */
struct _GstAsListener
{
  GSocket *socket;
  gchar *socket_path;           /* ours to unlink, for a Unix socket */
  gint port;

  GPtrArray *allowed;           /* GInetAddressMask; NULL: everyone */
  GHashTable *told;             /* address -> gint64 *, last refusal told */
  GstAsTlsServer *tls;

  GCancellable *cancellable;    /* ends the handshakes */
  gint wakeup_fd;               /* eventfd: a handshake ended */
  GMutex lock;
  GCond cond;
  guint handshakes;             /* running */
  GQueue done;                  /* Handshake, ended */
};

typedef struct
{
  GstAsListener *listener;
  GIOStream *base;
  GstAsAccepted accepted;
} Handshake;

/* A numeric address as it is; a name through the resolver (once, when the
 * element starts). */
static GInetAddress *
resolve_host (const gchar * host, GError ** error)
{
  GInetAddress *addr = g_inet_address_new_from_string (host);
  GResolver *resolver;
  GList *addrs;

  if (addr != NULL)
    return addr;
  resolver = g_resolver_get_default ();
  addrs = g_resolver_lookup_by_name (resolver, host, NULL, error);
  g_object_unref (resolver);
  if (addrs == NULL)
    return NULL;
  addr = g_object_ref (addrs->data);
  g_resolver_free_addresses (addrs);
  return addr;
}

/* A socket file left by an earlier run is replaced; anything else at the
 * path is the user's and is refused, saying what it is. */
static gboolean
clear_socket_path (const gchar * path, GError ** error)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return TRUE;
  if (S_ISSOCK (st.st_mode)) {
    g_unlink (path);
    return TRUE;
  }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
      "%s is %s, not a socket", path, S_ISDIR (st.st_mode) ? "a directory" :
      S_ISREG (st.st_mode) ? "a regular file" : "something else");
  return FALSE;
}

static GSocketAddress *
make_address (const GstAsTransportTarget * target, GSocketFamily * family,
    GError ** error)
{
  GInetAddress *inet;
  GSocketAddress *addr;

  if (target->socket_path) {
    if (!gst_as_transport_check_target (target, error) ||
        !clear_socket_path (target->socket_path, error))
      return NULL;
    *family = G_SOCKET_FAMILY_UNIX;
    return g_unix_socket_address_new (target->socket_path);
  }

  inet = resolve_host (target->host, error);
  if (inet == NULL)
    return NULL;
  *family = g_inet_address_get_family (inet);
  addr = g_inet_socket_address_new (inet, target->port);
  g_object_unref (inet);
  return addr;
}

GstAsListener *
gst_as_listener_new (const GstAsTransportTarget * target, GError ** error)
{
  GstAsListener *listener;
  GSocketFamily family;
  GSocketAddress *addr, *bound;
  GSocket *socket;

  addr = make_address (target, &family, error);
  if (addr == NULL)
    return NULL;

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    goto failed;
  /* for IPv6, GLib already cleared IPV6_V6ONLY: "::" takes IPv4 too */
  if (!g_socket_bind (socket, addr, family != G_SOCKET_FAMILY_UNIX, error))
    goto failed;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_listen (socket, error))
    goto failed;
  g_socket_set_blocking (socket, FALSE);

  listener = g_new0 (GstAsListener, 1);
  listener->wakeup_fd = -1;
  g_mutex_init (&listener->lock);
  g_cond_init (&listener->cond);
  g_queue_init (&listener->done);
  listener->cancellable = g_cancellable_new ();
  listener->told = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  listener->socket = socket;
  listener->socket_path = g_strdup (target->socket_path);
  bound = g_socket_get_local_address (socket, NULL);
  if (bound && G_IS_INET_SOCKET_ADDRESS (bound))
    listener->port =
        g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_clear_object (&bound);
  g_object_unref (addr);
  return listener;

failed:
  g_clear_object (&socket);
  g_object_unref (addr);
  return NULL;
}

void
gst_as_accepted_clear (GstAsAccepted * accepted)
{
  if (accepted->stream) {
    /* the socket first: no TLS close_notify to a peer that may not read */
    g_socket_close (accepted->socket, NULL);
    g_io_stream_close (accepted->stream, NULL, NULL);
  }
  g_clear_object (&accepted->stream);
  g_clear_object (&accepted->socket);
  g_clear_pointer (&accepted->remote, g_free);
  g_clear_pointer (&accepted->address, g_free);
  g_clear_error (&accepted->error);
  accepted->tell = FALSE;
}

static void
handshake_free (Handshake * h)
{
  gst_as_accepted_clear (&h->accepted);
  g_clear_object (&h->base);
  g_free (h);
}

void
gst_as_listener_free (GstAsListener * listener)
{
  if (listener == NULL)
    return;
  g_socket_close (listener->socket, NULL);
  g_object_unref (listener->socket);
  if (listener->socket_path)
    g_unlink (listener->socket_path);
  g_free (listener->socket_path);

  /* the handshake threads end promptly once cancelled */
  g_cancellable_cancel (listener->cancellable);
  g_mutex_lock (&listener->lock);
  while (listener->handshakes > 0)
    g_cond_wait (&listener->cond, &listener->lock);
  g_mutex_unlock (&listener->lock);
  g_queue_clear_full (&listener->done, (GDestroyNotify) handshake_free);

  if (listener->wakeup_fd >= 0)
    close (listener->wakeup_fd);
  g_object_unref (listener->cancellable);
  g_clear_pointer (&listener->allowed, g_ptr_array_unref);
  g_hash_table_unref (listener->told);
  if (listener->tls)
    gst_as_tls_server_unref (listener->tls);
  g_mutex_clear (&listener->lock);
  g_cond_clear (&listener->cond);
  g_free (listener);
}

/**
 * gst_as_allowlist_parse:
 * @allowed: addresses and CIDR ranges, separated by commas or spaces:
 *   "127.0.0.1, 192.168.1.0/24, ::1"
 * @masks: (out) (transfer full): the ranges; NULL for an empty list
 *   (everyone may send)
 */
gboolean
gst_as_allowlist_parse (const gchar * allowed, GPtrArray ** masks,
    GError ** error)
{
  gchar **tokens;
  GPtrArray *list;
  guint i;

  *masks = NULL;
  if (allowed == NULL)
    return TRUE;
  tokens = g_strsplit_set (allowed, ", \t\n", -1);
  list = g_ptr_array_new_with_free_func (g_object_unref);
  for (i = 0; tokens[i]; i++) {
    GInetAddressMask *mask;
    GError *err = NULL;

    if (tokens[i][0] == '\0')
      continue;
    mask = g_inet_address_mask_new_from_string (tokens[i], &err);
    if (mask == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "\"%s\" in allowed-senders is not an address or a range "
          "(ADDRESS/PREFIX-LENGTH): %s", tokens[i], err->message);
      g_error_free (err);
      g_strfreev (tokens);
      g_ptr_array_unref (list);
      return FALSE;
    }
    g_ptr_array_add (list, mask);
  }
  g_strfreev (tokens);
  if (list->len == 0)
    g_clear_pointer (&list, g_ptr_array_unref);
  *masks = list;
  return TRUE;
}

/* An IPv4 sender on a "::" socket shows as ::ffff:a.b.c.d; the list names
 * it as a.b.c.d. Returns a new reference. */
static GInetAddress *
unmap_ipv4 (GInetAddress * address)
{
  static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
    0xff
  };
  const guint8 *bytes;

  if (g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
    return g_object_ref (address);
  bytes = g_inet_address_to_bytes (address);
  if (memcmp (bytes, prefix, sizeof (prefix)) != 0)
    return g_object_ref (address);
  return g_inet_address_new_from_bytes (bytes + 12, G_SOCKET_FAMILY_IPV4);
}

gboolean
gst_as_allowlist_matches (GPtrArray * masks, GInetAddress * address)
{
  GInetAddress *plain;
  gboolean found = FALSE;
  guint i;

  if (masks == NULL)
    return TRUE;
  plain = unmap_ipv4 (address);
  for (i = 0; i < masks->len && !found; i++) {
    GInetAddressMask *mask = g_ptr_array_index (masks, i);

    found = g_inet_address_mask_get_family (mask) ==
        g_inet_address_get_family (plain) &&
        g_inet_address_mask_matches (mask, plain);
  }
  g_object_unref (plain);
  return found;
}

/* Who may send; NULL or "" for everyone. Not for a Unix socket, where
 * the file's permissions decide. */
gboolean
gst_as_listener_set_allowed (GstAsListener * listener, const gchar * allowed,
    GError ** error)
{
  GPtrArray *masks;

  if (!gst_as_allowlist_parse (allowed, &masks, error))
    return FALSE;
  if (masks != NULL && listener->socket_path != NULL) {
    g_ptr_array_unref (masks);
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
        "allowed-senders lists network addresses, but the receiver "
        "listens on a Unix socket, whose file permissions decide who may "
        "send: clear allowed-senders or listen on TCP");
    return FALSE;
  }
  g_clear_pointer (&listener->allowed, g_ptr_array_unref);
  listener->allowed = masks;
  return TRUE;
}

/* Every sender must complete a TLS handshake with @tls (the listener
 * takes a reference) before it is handed out. */
void
gst_as_listener_set_tls (GstAsListener * listener, GstAsTlsServer * tls)
{
  if (listener->tls)
    gst_as_tls_server_unref (listener->tls);
  listener->tls = tls ? gst_as_tls_server_ref (tls) : NULL;
  if (tls && listener->wakeup_fd < 0)
    listener->wakeup_fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
}

/* readable when a handshake ended; -1 without TLS */
gint
gst_as_listener_wakeup_fd (GstAsListener * listener)
{
  return listener->wakeup_fd;
}

/* the bound TCP port (what port 0 became); 0 for a Unix socket */
gint
gst_as_listener_port (GstAsListener * listener)
{
  return listener->port;
}

GSocket *
gst_as_listener_socket (GstAsListener * listener)
{
  return listener->socket;
}

static gchar *
describe_peer (GSocket * socket)
{
  GSocketAddress *addr = g_socket_get_remote_address (socket, NULL);
  gchar *str;

  if (addr == NULL)
    return g_strdup ("(unknown)");
  if (G_IS_UNIX_SOCKET_ADDRESS (addr)) {
    const gchar *path =
        g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (addr));

    /* a client socket is usually unnamed */
    str = g_strdup_printf ("unix:%s", path && *path ? path : "(unnamed)");
  } else {
    str = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (addr));
  }
  g_object_unref (addr);
  return str;
}

static gchar *
peer_address (GSocket * socket)
{
  GSocketAddress *addr = g_socket_get_remote_address (socket, NULL);
  gchar *str = NULL;

  if (addr && G_IS_INET_SOCKET_ADDRESS (addr)) {
    GInetAddress *plain = unmap_ipv4 (g_inet_socket_address_get_address
        (G_INET_SOCKET_ADDRESS (addr)));

    str = g_inet_address_to_string (plain);
    g_object_unref (plain);
  }
  g_clear_object (&addr);
  return str;
}

static gboolean
sender_allowed (GstAsListener * listener, GSocket * socket)
{
  GSocketAddress *addr;
  gboolean ok;

  if (listener->allowed == NULL)
    return TRUE;
  addr = g_socket_get_remote_address (socket, NULL);
  ok = addr && G_IS_INET_SOCKET_ADDRESS (addr) &&
      gst_as_allowlist_matches (listener->allowed,
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr)));
  g_clear_object (&addr);
  return ok;
}

/* once per address per REFUSAL_TELL_INTERVAL_US */
static gboolean
time_to_tell (GstAsListener * listener, const gchar * address)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *last = g_hash_table_lookup (listener->told, address);

  if (last != NULL && now - *last < REFUSAL_TELL_INTERVAL_US)
    return FALSE;
  if (last == NULL) {
    if (g_hash_table_size (listener->told) >= MAX_TOLD_ADDRESSES)
      g_hash_table_remove_all (listener->told);
    last = g_new (gint64, 1);
    g_hash_table_insert (listener->told, g_strdup (address), last);
  }
  *last = now;
  return TRUE;
}

static gboolean
told_tls_failure (GstAsListener * listener, GstAsAccepted * a)
{
  gchar *key = g_strconcat ("tls ", a->address ? a->address : a->remote,
      NULL);
  gboolean tell = time_to_tell (listener, key);

  g_free (key);
  return tell;
}

static gpointer
handshake_thread (gpointer user_data)
{
  Handshake *h = user_data;
  GstAsListener *listener = h->listener;

  h->accepted.stream = gst_as_tls_server_handshake (listener->tls, h->base,
      HANDSHAKE_TIMEOUT_MS, listener->cancellable, &h->accepted.error);

  g_mutex_lock (&listener->lock);
  g_queue_push_tail (&listener->done, h);
  eventfd_write (listener->wakeup_fd, 1);
  listener->handshakes--;
  g_cond_broadcast (&listener->cond);
  g_mutex_unlock (&listener->lock);
  return NULL;
}

/* A handshake that ended, if any: the sender, or why it failed. */
static GstAsAcceptResult
take_handshake (GstAsListener * listener, GstAsAccepted * out)
{
  Handshake *h;
  eventfd_t count;

  if (listener->wakeup_fd < 0)
    return GST_AS_ACCEPT_NONE;
  g_mutex_lock (&listener->lock);
  h = g_queue_pop_head (&listener->done);
  if (g_queue_is_empty (&listener->done))
    eventfd_read (listener->wakeup_fd, &count);
  g_mutex_unlock (&listener->lock);
  if (h == NULL)
    return GST_AS_ACCEPT_NONE;

  *out = h->accepted;
  memset (&h->accepted, 0, sizeof (h->accepted));
  handshake_free (h);
  if (out->stream != NULL)
    return GST_AS_ACCEPT_SENDER;
  g_socket_close (out->socket, NULL);
  out->tell = told_tls_failure (listener, out);
  return GST_AS_ACCEPT_FAILED;
}

static GstAsAcceptResult
start_handshake (GstAsListener * listener, GstAsAccepted * a)
{
  Handshake *h;
  gboolean room;

  g_mutex_lock (&listener->lock);
  room = listener->handshakes < MAX_HANDSHAKES;
  if (room)
    listener->handshakes++;
  g_mutex_unlock (&listener->lock);
  if (!room) {
    g_set_error (&a->error, G_IO_ERROR, G_IO_ERROR_BUSY,
        "%d TLS handshakes are under way already", MAX_HANDSHAKES);
    g_socket_close (a->socket, NULL);
    a->tell = told_tls_failure (listener, a);
    return GST_AS_ACCEPT_FAILED;
  }

  h = g_new0 (Handshake, 1);
  h->listener = listener;
  h->accepted = *a;
  memset (a, 0, sizeof (*a));
  h->base = G_IO_STREAM (g_socket_connection_factory_create_connection
      (h->accepted.socket));
  g_thread_unref (g_thread_new ("as-tls-accept", handshake_thread, h));
  return GST_AS_ACCEPT_NONE;
}

/**
 * gst_as_listener_next:
 *
 * The next sender ready to read, a refusal, or a failed handshake; NONE
 * when nothing more is waiting (call again when the listening socket or
 * the wakeup fd is readable). Never blocks. @accepted is filled for every
 * result but NONE; clear it with gst_as_accepted_clear().
 */
GstAsAcceptResult
gst_as_listener_next (GstAsListener * listener, GstAsAccepted * accepted)
{
  memset (accepted, 0, sizeof (*accepted));
  for (;;) {
    GstAsAcceptResult result = take_handshake (listener, accepted);
    GSocket *socket;
    GError *err = NULL;

    if (result != GST_AS_ACCEPT_NONE)
      return result;

    socket = g_socket_accept (listener->socket, NULL, &err);
    if (socket == NULL) {
      if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        g_error_free (err);
        return GST_AS_ACCEPT_NONE;
      }
      /* a peer gone before it was accepted, a file limit: no sender */
      accepted->error = err;
      return GST_AS_ACCEPT_ERROR;
    }
    g_socket_set_blocking (socket, FALSE);
    accepted->socket = socket;
    accepted->remote = describe_peer (socket);
    accepted->address = peer_address (socket);

    if (!sender_allowed (listener, socket)) {
      g_socket_close (socket, NULL);
      accepted->tell = time_to_tell (listener, accepted->address ?
          accepted->address : accepted->remote);
      g_set_error (&accepted->error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
          "%s is not in allowed-senders", accepted->address ?
          accepted->address : accepted->remote);
      return GST_AS_ACCEPT_REFUSED;
    }
    if (listener->tls == NULL) {
      accepted->stream = G_IO_STREAM
          (g_socket_connection_factory_create_connection (socket));
      return GST_AS_ACCEPT_SENDER;
    }
    result = start_handshake (listener, accepted);
    if (result != GST_AS_ACCEPT_NONE)
      return result;
  }
}

/* TLS is on when a certificate is given, or when anything else asks for
 * it (a key, a client CA, a tls:// URI): then a missing certificate is an
 * error that names it, never a silent fall-back to clear text. */
gboolean
gst_as_listener_secure (GstAsListener * listener,
    const GstAsListenerSecurity * sec, GError ** error)
{
  gboolean tls_asked = sec->tls_required ||
      (sec->key_file && *sec->key_file) ||
      (sec->client_ca_file && *sec->client_ca_file) ||
      (sec->certificate_file && *sec->certificate_file);
  GstAsTlsServer *tls;

  if (!gst_as_listener_set_allowed (listener, sec->allowed, error))
    return FALSE;
  if (!tls_asked)
    return TRUE;
  tls = gst_as_tls_server_new (sec->certificate_file, sec->key_file,
      sec->client_ca_file, error);
  if (tls == NULL)
    return FALSE;
  gst_as_listener_set_tls (listener, tls);
  gst_as_tls_server_unref (tls);
  return TRUE;
}

/* "Could not listen on @target: reason." and what to do about it, for a
 * person to read. */
gchar *
gst_as_listener_error_text (const gchar * target, const GError * error)
{
  const gchar *hint = "";
  gchar *reason = g_strdup (error->message);
  gchar *text;

  /* one full stop, whether the reason brings its own or not */
  if (g_str_has_suffix (reason, "."))
    reason[strlen (reason) - 1] = '\0';
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    hint = " Another program listens there: stop it or pick another "
        "port (port=0 picks a free one).";
  text = g_strdup_printf ("Could not listen on %s: %s.%s", target, reason,
      hint);
  g_free (reason);
  return text;
}

/* Sleeps until @connection (NULL: none) has data, a sender may be
 * waiting, @cancellable is cancelled or @timeout_ms (-1: none) passed. */
GstAsListenerWait
gst_as_listener_wait (GstAsListener * listener, GSocket * connection,
    GCancellable * cancellable, gint timeout_ms)
{
  GstAsListenerWait ready = GST_AS_LISTENER_WAIT_TIMEOUT;
  GPollFD fds[4] = { {0,}, };
  guint nfds = 1, i;
  gint conn_index = -1;

  if (!g_cancellable_make_pollfd (cancellable, &fds[0]))
    return GST_AS_LISTENER_WAIT_ERROR;
  fds[nfds].fd = g_socket_get_fd (listener->socket);
  fds[nfds++].events = G_IO_IN;
  if (listener->wakeup_fd >= 0) {
    fds[nfds].fd = listener->wakeup_fd;
    fds[nfds++].events = G_IO_IN;
  }
  if (connection) {
    conn_index = nfds;
    fds[nfds].fd = g_socket_get_fd (connection);
    fds[nfds++].events = G_IO_IN | G_IO_HUP | G_IO_ERR;
  }

  g_poll (fds, nfds, timeout_ms);
  g_cancellable_release_fd (cancellable);
  if (g_cancellable_is_cancelled (cancellable))
    return GST_AS_LISTENER_WAIT_CANCELLED;
  for (i = 1; i < nfds; i++) {
    if (fds[i].revents == 0)
      continue;
    if ((gint) i == conn_index)
      ready |= GST_AS_LISTENER_WAIT_DATA;
    else
      ready |= GST_AS_LISTENER_WAIT_ACCEPT;
  }
  return ready;
}
