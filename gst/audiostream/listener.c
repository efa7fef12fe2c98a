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
#include <sys/stat.h>

#define LISTEN_BACKLOG 8

struct _GstAsListener
{
  GSocket *socket;
  gchar *socket_path;           /* ours to unlink, for a Unix socket */
  gint port;
};

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
gst_as_listener_free (GstAsListener * listener)
{
  if (listener == NULL)
    return;
  g_socket_close (listener->socket, NULL);
  g_object_unref (listener->socket);
  if (listener->socket_path)
    g_unlink (listener->socket_path);
  g_free (listener->socket_path);
  g_free (listener);
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

/* A waiting connection, non-blocking, with its peer's address in @remote;
 * NULL with G_IO_ERROR_WOULD_BLOCK when there is none. */
GSocket *
gst_as_listener_accept (GstAsListener * listener, gchar ** remote,
    GError ** error)
{
  GSocket *socket = g_socket_accept (listener->socket, NULL, error);

  if (socket == NULL)
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  *remote = describe_peer (socket);
  return socket;
}
