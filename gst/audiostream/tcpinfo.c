/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* linux/tcp.h has the full struct tcp_info (glibc's lacks the byte counters)
 * and conflicts with netinet/tcp.h, hence a file of its own. */

#include "tcpinfo.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <gio/gio.h>

/**
 * gst_as_tcp_info_get:
 *
 * Reads TCP_INFO from @fd. It stays readable after the connection was reset,
 * which is what lets a sender tell how much the old peer really received.
 */
gboolean
gst_as_tcp_info_get (gint fd, GstAsTcpInfo * info, GError ** error)
{
  struct tcp_info ti;
  socklen_t len = sizeof (ti);

  memset (&ti, 0, sizeof (ti));
  if (getsockopt (fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) {
    int err = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
        "TCP_INFO: %s", g_strerror (err));
    return FALSE;
  }

  info->state = ti.tcpi_state;
  info->rtt_us = ti.tcpi_rtt;
  info->rttvar_us = ti.tcpi_rttvar;
  info->total_retrans = ti.tcpi_total_retrans;
  info->notsent_bytes = ti.tcpi_notsent_bytes;
  /* The kernel counts the SYN as one acknowledged byte. */
  info->bytes_acked = ti.tcpi_bytes_acked > 0 ? ti.tcpi_bytes_acked - 1 : 0;
  return TRUE;
}
