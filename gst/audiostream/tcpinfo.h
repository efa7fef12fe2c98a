/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * GstAsTcpInfo:
 *
 * The kernel's view of a TCP connection (Linux TCP_INFO), reduced to what the
 * sender uses: delivery accounting across reconnects and connection quality.
 */
typedef struct
{
  guint8 state;                 /* TCP_ESTABLISHED = 1, TCP_CLOSE = 7, ... */
  guint32 rtt_us;
  guint32 rttvar_us;
  guint32 total_retrans;
  guint32 notsent_bytes;        /* written but not yet sent */
  guint64 bytes_acked;          /* data bytes the peer acknowledged */
} GstAsTcpInfo;

gboolean  gst_as_tcp_info_get (gint fd, GstAsTcpInfo * info, GError ** error);

G_END_DECLS
