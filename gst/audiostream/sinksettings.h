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
#include <gst/gst.h>

#include "asuri.h"
#include "sender.h"
#include "sockopts.h"
#include "tls.h"
#include "transport.h"

G_BEGIN_DECLS

/* the buffer sizes whose defaults loopback=true changes */
typedef enum
{
  GST_AS_BUFFER_RING,           /* ring-buffer-ms */
  GST_AS_BUFFER_MIN,            /* min-buffer-ms */
  GST_AS_BUFFER_MAX,            /* max-buffer-ms */
  GST_AS_N_BUFFERS,
} GstAsBufferSetting;

/**
 * GstAsSinkSettings:
 *
 * audiostreamsink's settings: every property but `stats`, installed by
 * gst_as_sink_settings_install() and bound to these fields (propbind.h),
 * so the element sets and reads them under its object lock. start() takes
 * a snapshot (gst_as_sink_settings_copy()) and turns it into what the
 * engines work with: the transport's target, the sender's configuration
 * and the TLS settings, so the network thread never touches a property.
 *
 * Read buffer sizes through gst_as_sink_settings_buffer_ms(): with
 * loopback=true the defaults differ, values set explicitly stay.
 */
typedef struct
{
  gchar *host;
  gint port;
  gchar *socket_path;           /* NULL: TCP */
  guint chunk_samples;
  guint prefill_ms;
  guint buffer_ms[GST_AS_N_BUFFERS];
  gboolean buffer_ms_set[GST_AS_N_BUFFERS];     /* set explicitly */
  gint dscp;                    /* GstAsDscp */
  gboolean high_priority;
  guint stats_interval_ms;
  gboolean auto_reconnect;
  guint reconnect_min_ms;
  guint reconnect_max_ms;
  guint max_reconnect_attempts;
  guint send_timeout_ms;
  gboolean adaptive_buffer;
  gboolean loopback;
  guint max_lag_ms;
  gboolean tls;
  gchar *tls_ca_file;
  gchar *tls_certificate_file;
  gchar *tls_key_file;
  gchar *tls_server_name;
  guint tls_validation_flags;   /* GTlsCertificateFlags */
} GstAsSinkSettings;

#define GST_AS_SINK_DEFAULT_PORT 4953   /* Snapcast's TCP stream source */

GType     gst_as_dscp_get_type          (void);

void      gst_as_sink_settings_install  (GObjectClass * klass,
                                         guint first, gsize offset);
void      gst_as_sink_settings_init     (GstAsSinkSettings * s);
void      gst_as_sink_settings_clear    (GstAsSinkSettings * s);
void      gst_as_sink_settings_copy     (GstAsSinkSettings * dest,
                                         const GstAsSinkSettings * src);
guint     gst_as_sink_settings_buffer_ms (const GstAsSinkSettings * s,
                                         GstAsBufferSetting which);

void      gst_as_sink_settings_target   (const GstAsSinkSettings * s,
                                         GstAsTransportTarget * target);
void      gst_as_sink_settings_config   (const GstAsSinkSettings * s,
                                         GstAsSenderConfig * config);
gboolean  gst_as_sink_settings_load_tls (const GstAsSinkSettings * s,
                                         GstAsTlsClient ** client,
                                         GError ** error);

gchar *   gst_as_sink_settings_get_uri  (const GstAsSinkSettings * s);
void      gst_as_sink_settings_set_uri  (GstAsSinkSettings * s,
                                         const GstAsUri * uri);
extern const gchar * const gst_as_sink_uri_params[];

G_END_DECLS
