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

/* Traffic classes; each value is the byte written to IP_TOS / IPV6_TCLASS
 * (DSCP in the upper six bits). */
typedef enum
{
  GST_AS_DSCP_BESTEFFORT = 0x00,
  GST_AS_DSCP_THROUGHPUT = 0x08,
  GST_AS_DSCP_LOWDELAY = 0x10,
  GST_AS_DSCP_VOIP = 0xB8,      /* DSCP 46, Expedited Forwarding */
} GstAsDscp;

gboolean  gst_as_socket_set_traffic_class (GSocket * socket, guint8 tos,
                                           GError ** error);
gint      gst_as_socket_get_traffic_class (GSocket * socket, GError ** error);
gboolean  gst_as_socket_set_nodelay       (GSocket * socket, GError ** error);
gboolean  gst_as_socket_set_keepalive     (GSocket * socket, guint idle_s,
                                           guint interval_s, guint count,
                                           GError ** error);
gboolean  gst_as_socket_set_user_timeout  (GSocket * socket, guint timeout_ms,
                                           GError ** error);
gint      gst_as_socket_set_send_buffer   (GSocket * socket, gint bytes,
                                           GError ** error);
void      gst_as_socket_types_init        (void);
gboolean  gst_as_thread_raise_priority    (gchar ** how, GError ** error);

G_END_DECLS
