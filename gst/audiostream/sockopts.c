/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "sockopts.h"

#include <errno.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/* Real-time priority for the network thread: above ordinary threads, well
 * below what audio servers and the kernel's own threads use. */
#define AS_RT_PRIORITY 10
#define AS_FALLBACK_NICE -10

static gboolean
is_ipv6 (GSocket * socket)
{
  return g_socket_get_family (socket) == G_SOCKET_FAMILY_IPV6;
}

/**
 * gst_as_socket_set_traffic_class:
 *
 * Marks outgoing packets with @tos: IP_TOS on IPv4, IPV6_TCLASS on IPv6. Set
 * it before connecting so that the SYN carries the class too.
 */
gboolean
gst_as_socket_set_traffic_class (GSocket * socket, guint8 tos,
    GError ** error)
{
  if (is_ipv6 (socket))
    return g_socket_set_option (socket, IPPROTO_IPV6, IPV6_TCLASS, tos,
        error);
  return g_socket_set_option (socket, IPPROTO_IP, IP_TOS, tos, error);
}

gint
gst_as_socket_get_traffic_class (GSocket * socket, GError ** error)
{
  gint value = -1;
  gboolean ok;

  if (is_ipv6 (socket))
    ok = g_socket_get_option (socket, IPPROTO_IPV6, IPV6_TCLASS, &value,
        error);
  else
    ok = g_socket_get_option (socket, IPPROTO_IP, IP_TOS, &value, error);
  return ok ? value : -1;
}

gboolean
gst_as_socket_set_nodelay (GSocket * socket, GError ** error)
{
  return g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, error);
}

/**
 * gst_as_socket_set_keepalive:
 *
 * Probes an idle connection so that a peer that vanished without a word (a
 * half-open connection) is noticed even when nothing is being sent.
 */
gboolean
gst_as_socket_set_keepalive (GSocket * socket, guint idle_s,
    guint interval_s, guint count, GError ** error)
{
  g_socket_set_keepalive (socket, TRUE);
  return g_socket_set_option (socket, IPPROTO_TCP, TCP_KEEPIDLE, idle_s,
      error) &&
      g_socket_set_option (socket, IPPROTO_TCP, TCP_KEEPINTVL, interval_s,
      error) &&
      g_socket_set_option (socket, IPPROTO_TCP, TCP_KEEPCNT, count, error);
}

/**
 * gst_as_socket_set_user_timeout:
 *
 * Makes the kernel drop the connection when sent data stays unacknowledged
 * for @timeout_ms, instead of retransmitting for many minutes.
 */
gboolean
gst_as_socket_set_user_timeout (GSocket * socket, guint timeout_ms,
    GError ** error)
{
  return g_socket_set_option (socket, IPPROTO_TCP, TCP_USER_TIMEOUT,
      timeout_ms, error);
}

/**
 * gst_as_socket_set_send_buffer:
 *
 * Fixes the kernel's send buffer (and so turns off its autotuning), which
 * bounds both the audio queued out of the sender's sight and what may need
 * sending again after a connection is lost.
 *
 * Returns: the size the kernel reports back (it doubles the request for its
 * bookkeeping), or -1 on error.
 */
gint
gst_as_socket_set_send_buffer (GSocket * socket, gint bytes, GError ** error)
{
  gint effective = -1;

  if (!g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, bytes, error))
    return -1;
  if (!g_socket_get_option (socket, SOL_SOCKET, SO_SNDBUF, &effective, error))
    return -1;
  return effective;
}

/**
 * gst_as_thread_raise_priority:
 * @how: (out): what was done, for the log
 *
 * Raises the calling thread's scheduling priority: SCHED_FIFO when the system
 * allows it, otherwise a lower nice value for this thread alone.
 *
 * Returns: FALSE with @error set when the system refused both.
 */
gboolean
gst_as_thread_raise_priority (gchar ** how, GError ** error)
{
  struct sched_param param = { 0 };
  int fifo_err, nice_err;
  pid_t tid;

  param.sched_priority = AS_RT_PRIORITY;
  fifo_err = pthread_setschedparam (pthread_self (), SCHED_FIFO, &param);
  if (fifo_err == 0) {
    *how = g_strdup_printf ("SCHED_FIFO priority %d", AS_RT_PRIORITY);
    return TRUE;
  }

  /* On Linux, setpriority() on a thread id affects only that thread. */
  tid = (pid_t) syscall (SYS_gettid);
  if (setpriority (PRIO_PROCESS, tid, AS_FALLBACK_NICE) == 0) {
    *how = g_strdup_printf ("nice %d (SCHED_FIFO refused: %s)",
        AS_FALLBACK_NICE, g_strerror (fifo_err));
    return TRUE;
  }
  nice_err = errno;

  *how = NULL;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (nice_err),
      "SCHED_FIFO refused (%s), nice %d refused (%s)", g_strerror (fifo_err),
      AS_FALLBACK_NICE, g_strerror (nice_err));
  return FALSE;
}

/* GLib 2.74 can deadlock when two threads make the first socket address
 * of the process at once: one registers GSocketAddress's interface while
 * the other initialises its class (seen as a hung audiostreamsrc test,
 * its listener and a connecting thread each in g_socket_address_get_type).
 * The elements call this at registration, on the thread that loads the
 * plugin, so their own threads find the classes made. */
void
gst_as_socket_types_init (void)
{
  GType types[] = { G_TYPE_INET_SOCKET_ADDRESS, G_TYPE_UNIX_SOCKET_ADDRESS,
    G_TYPE_INET_ADDRESS, G_TYPE_SOCKET, G_TYPE_SOCKET_CONNECTION
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (types); i++)
    g_type_class_unref (g_type_class_ref (types[i]));
}
