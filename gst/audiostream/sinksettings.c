/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "sinksettings.h"

#include <string.h>

#include "propbind.h"

#define DEFAULT_HOST "localhost"
#define DEFAULT_PORT GST_AS_SINK_DEFAULT_PORT
#define DEFAULT_CHUNK_SAMPLES 480
#define DEFAULT_PREFILL_MS 1000
#define DEFAULT_RING_BUFFER_MS 5000
#define DEFAULT_DSCP GST_AS_DSCP_VOIP
#define DEFAULT_HIGH_PRIORITY FALSE
#define DEFAULT_STATS_INTERVAL_MS 1000
#define DEFAULT_SOCKET_PATH NULL
#define DEFAULT_AUTO_RECONNECT TRUE
#define DEFAULT_RECONNECT_MIN_MS 2000
#define DEFAULT_RECONNECT_MAX_MS 60000
#define DEFAULT_MAX_RECONNECT_ATTEMPTS 0
#define DEFAULT_SEND_TIMEOUT_MS 5000
#define DEFAULT_ADAPTIVE_BUFFER FALSE
#define DEFAULT_MIN_BUFFER_MS 2000
#define DEFAULT_MAX_BUFFER_MS 6000
#define DEFAULT_LOOPBACK FALSE
#define DEFAULT_MAX_LAG_MS 0    /* keep every backlog */
#define DEFAULT_TLS FALSE
#define DEFAULT_TLS_VALIDATION_FLAGS G_TLS_CERTIFICATE_VALIDATE_ALL

#define MIN_CHUNK_SAMPLES 16
#define MAX_CHUNK_SAMPLES 65536
#define MAX_BUFFER_MS 600000

/* what loopback=true makes the defaults, as in the seed application */
static const guint loopback_buffer_ms[GST_AS_N_BUFFERS] = {
  8000,                         /* ring-buffer-ms */
  4000,                         /* min-buffer-ms */
  12000,                        /* max-buffer-ms */
};

enum
{
  PROP_HOST,
  PROP_PORT,
  PROP_CHUNK_SAMPLES,
  PROP_PREFILL_MS,
  PROP_RING_BUFFER_MS,
  PROP_DSCP,
  PROP_HIGH_PRIORITY,
  PROP_STATS_INTERVAL_MS,
  PROP_SOCKET_PATH,
  PROP_AUTO_RECONNECT,
  PROP_RECONNECT_MIN_MS,
  PROP_RECONNECT_MAX_MS,
  PROP_MAX_RECONNECT_ATTEMPTS,
  PROP_SEND_TIMEOUT_MS,
  PROP_ADAPTIVE_BUFFER,
  PROP_MIN_BUFFER_MS,
  PROP_MAX_BUFFER_MS,
  PROP_LOOPBACK,
  PROP_MAX_LAG_MS,
  PROP_TLS,
  PROP_TLS_CA_FILE,
  PROP_TLS_CERTIFICATE_FILE,
  PROP_TLS_KEY_FILE,
  PROP_TLS_SERVER_NAME,
  PROP_TLS_VALIDATION_FLAGS,
};

/* what a URI's query may set */
const gchar *const gst_as_sink_uri_params[] = {
  "tls-ca-file", "tls-certificate-file", "tls-key-file", "tls-server-name",
  "tls-validation-flags", "tls", "send-timeout-ms", "dscp", "chunk-samples",
  "prefill-ms", "ring-buffer-ms", "auto-reconnect", "reconnect-min-ms",
  "reconnect-max-ms", "max-reconnect-attempts", "high-priority",
  "loopback", NULL
};

GType
gst_as_dscp_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_AS_DSCP_VOIP, "Expedited Forwarding, DSCP 46 (TOS 0xB8)", "voip"},
    {GST_AS_DSCP_LOWDELAY, "Low delay (TOS 0x10)", "lowdelay"},
    {GST_AS_DSCP_THROUGHPUT, "High throughput (TOS 0x08)", "throughput"},
    {GST_AS_DSCP_BESTEFFORT, "Best effort (TOS 0x00)", "besteffort"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAudioStreamSinkDscp", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/**
 * gst_as_sink_settings_buffer_ms:
 *
 * A buffer size as it applies: loopback=true changes the defaults, not
 * values the user set. Called with the object lock held (or on a copy).
 */
guint
gst_as_sink_settings_buffer_ms (const GstAsSinkSettings * s,
    GstAsBufferSetting which)
{
  if (s->loopback && !s->buffer_ms_set[which])
    return loopback_buffer_ms[which];
  return s->buffer_ms[which];
}

static void
set_buffer_ms (gpointer group, guint which, const GValue * value)
{
  GstAsSinkSettings *s = group;

  s->buffer_ms[which] = g_value_get_uint (value);
  s->buffer_ms_set[which] = TRUE;
}

static void
get_buffer_ms (gpointer group, guint which, GValue * value)
{
  g_value_set_uint (value, gst_as_sink_settings_buffer_ms (group, which));
}

#define FIELD(f) (offset + G_STRUCT_OFFSET (GstAsSinkSettings, f))

/**
 * gst_as_sink_settings_install:
 * @first: the property id of the first setting; they take the next
 *   ones
 * @offset: where the element keeps its #GstAsSinkSettings
 *
 * Installs audiostreamsink's properties, bound to the settings, which the
 * element handles with propbind's set_property and get_property.
 */
void
gst_as_sink_settings_install (GObjectClass * klass, guint first,
    gsize offset)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  gst_as_prop_install_field (klass, first + PROP_HOST,
      g_param_spec_string ("host", "Host",
          "Host name, IPv4 or IPv6 address of the receiving server",
          DEFAULT_HOST,
          rw),
      FIELD (host), 0);
  gst_as_prop_install_field (klass, first + PROP_PORT,
      g_param_spec_int ("port", "Port",
          "TCP port of the receiving server", 1, G_MAXUINT16, DEFAULT_PORT,
          rw),
      FIELD (port), 0);
  gst_as_prop_install_field (klass, first + PROP_CHUNK_SAMPLES,
      g_param_spec_uint ("chunk-samples", "Chunk samples",
          "Frames (samples per channel) sent per deadline; 480 is 10 ms at "
          "48 kHz", MIN_CHUNK_SAMPLES, MAX_CHUNK_SAMPLES,
          DEFAULT_CHUNK_SAMPLES,
          rw),
      FIELD (chunk_samples), 0);
  gst_as_prop_install_field (klass, first + PROP_PREFILL_MS,
      g_param_spec_uint ("prefill-ms", "Prefill",
          "Audio buffered before sending starts, in ms: the cushion that "
          "absorbs capture and network jitter (at most ring-buffer-ms minus "
          "one chunk)", 0, MAX_BUFFER_MS, DEFAULT_PREFILL_MS,
          rw),
      FIELD (prefill_ms), 0);
  gst_as_prop_install_slot (klass, first + PROP_RING_BUFFER_MS,
      g_param_spec_uint ("ring-buffer-ms", "Ring buffer",
          "Capacity of the ring buffer between capture and network, in ms; "
          "when full, a live upstream loses its oldest audio and a non-live "
          "upstream waits", 100, MAX_BUFFER_MS, DEFAULT_RING_BUFFER_MS,
          rw),
      offset, GST_AS_BUFFER_RING, set_buffer_ms, get_buffer_ms);
  gst_as_prop_install_field (klass, first + PROP_DSCP,
      g_param_spec_enum ("dscp", "DSCP",
          "Traffic class of outgoing packets (IP_TOS on IPv4, IPV6_TCLASS on "
          "IPv6)", gst_as_dscp_get_type (), DEFAULT_DSCP,
          rw),
      FIELD (dscp), 0);
  gst_as_prop_install_field (klass, first + PROP_HIGH_PRIORITY,
      g_param_spec_boolean ("high-priority", "High priority",
          "Raise the scheduling priority (SCHED_FIFO, else nice -10) of the "
          "process's one sending thread, which paces every audiostreamsink "
          "of the process; it keeps the raised priority for the life of the "
          "process. If the system refuses, warn once and carry on",
          DEFAULT_HIGH_PRIORITY,
          rw),
      FIELD (high_priority), 0);
  gst_as_prop_install_field (klass, first + PROP_STATS_INTERVAL_MS,
      g_param_spec_uint ("stats-interval-ms", "Stats interval",
          "Post an audiostreamsink-stats element message this often, in ms "
          "(0 = never)", 0, 3600000, DEFAULT_STATS_INTERVAL_MS,
          rw),
      FIELD (stats_interval_ms), 0);
  gst_as_prop_install_field (klass, first + PROP_SOCKET_PATH,
      g_param_spec_string ("socket-path", "Socket path",
          "Stream to this Unix domain socket instead of host and port "
          "(NULL = use TCP)", DEFAULT_SOCKET_PATH,
          rw),
      FIELD (socket_path), GST_AS_PROP_EMPTY_IS_NULL);
  gst_as_prop_install_field (klass, first + PROP_AUTO_RECONNECT,
      g_param_spec_boolean ("auto-reconnect", "Auto reconnect",
          "After a failed connection attempt or a lost connection, retry with "
          "exponential backoff and jitter, resending what the receiver did "
          "not acknowledge; if false, the first failure is an error",
          DEFAULT_AUTO_RECONNECT,
          rw),
      FIELD (auto_reconnect), 0);
  gst_as_prop_install_field (klass, first + PROP_RECONNECT_MIN_MS,
      g_param_spec_uint ("reconnect-min-ms", "Reconnect min",
          "First wait before reconnecting, in ms; it doubles after each "
          "failure up to reconnect-max-ms, each wait randomised by +/-20 %",
          1, 3600000, DEFAULT_RECONNECT_MIN_MS,
          rw),
      FIELD (reconnect_min_ms), 0);
  gst_as_prop_install_field (klass, first + PROP_RECONNECT_MAX_MS,
      g_param_spec_uint ("reconnect-max-ms", "Reconnect max",
          "Longest wait between reconnection attempts, in ms", 1, 3600000,
          DEFAULT_RECONNECT_MAX_MS,
          rw),
      FIELD (reconnect_max_ms), 0);
  gst_as_prop_install_field (klass, first + PROP_MAX_RECONNECT_ATTEMPTS,
      g_param_spec_uint ("max-reconnect-attempts", "Max reconnect attempts",
          "Consecutive failed attempts before giving up with an error "
          "(0 = retry forever)", 0, G_MAXUINT, DEFAULT_MAX_RECONNECT_ATTEMPTS,
          rw),
      FIELD (max_reconnect_attempts), 0);
  gst_as_prop_install_field (klass, first + PROP_SEND_TIMEOUT_MS,
      g_param_spec_uint ("send-timeout-ms", "Send timeout",
          "A receiver that accepts nothing for this long, in ms, counts as "
          "gone (also TCP_USER_TIMEOUT and the keepalive that detects "
          "half-open connections)", 100, 600000, DEFAULT_SEND_TIMEOUT_MS,
          rw),
      FIELD (send_timeout_ms), 0);
  gst_as_prop_install_field (klass, first + PROP_ADAPTIVE_BUFFER,
      g_param_spec_boolean ("adaptive-buffer", "Adaptive buffer",
          "Let the buffer target (prefill-ms at first) follow the measured "
          "jitter between min-buffer-ms and max-buffer-ms, rising fast and "
          "falling slowly; the level moves to it by sending up to 5 % slower "
          "or faster, never by dropping or inventing audio",
          DEFAULT_ADAPTIVE_BUFFER,
          rw),
      FIELD (adaptive_buffer), 0);
  gst_as_prop_install_slot (klass, first + PROP_MIN_BUFFER_MS,
      g_param_spec_uint ("min-buffer-ms", "Min buffer",
          "Lowest buffer target of the adaptive buffer, in ms (default 4000 "
          "with loopback=true)", 0, MAX_BUFFER_MS, DEFAULT_MIN_BUFFER_MS,
          rw),
      offset, GST_AS_BUFFER_MIN, set_buffer_ms, get_buffer_ms);
  gst_as_prop_install_slot (klass, first + PROP_MAX_BUFFER_MS,
      g_param_spec_uint ("max-buffer-ms", "Max buffer",
          "Highest buffer target of the adaptive buffer, in ms, at most "
          "ring-buffer-ms minus one chunk (default 12000 with loopback=true)",
          0, MAX_BUFFER_MS, DEFAULT_MAX_BUFFER_MS,
          rw),
      offset, GST_AS_BUFFER_MAX, set_buffer_ms, get_buffer_ms);
  gst_as_prop_install_field (klass, first + PROP_LOOPBACK,
      g_param_spec_boolean ("loopback", "Loopback",
          "The source captures what the machine plays (a monitor source): "
          "switches the defaults of ring-buffer-ms, min-buffer-ms and "
          "max-buffer-ms to 8000, 4000 and 12000 (values set explicitly "
          "stay)", DEFAULT_LOOPBACK,
          rw),
      FIELD (loopback), 0);
  gst_as_prop_install_field (klass, first + PROP_MAX_LAG_MS,
      g_param_spec_uint ("max-lag-ms", "Max lag",
          "Most delay, in ms, that an outage or a slow link may add to a live "
          "stream beyond its buffer target (prefill-ms, or the adaptive "
          "target); past it, the whole backlog beyond the target is dropped, "
          "oldest first, counted in lag-dropped-samples and posted as "
          "audiostreamsink-lag-drop, so the stream is back at its target "
          "delay. 0 = keep everything and catch up at up to 1.5x real time "
          "(a receiver that reads at real time keeps the delay). A non-live "
          "upstream is never dropped", 0, MAX_BUFFER_MS, DEFAULT_MAX_LAG_MS,
          rw),
      FIELD (max_lag_ms), 0);
  gst_as_prop_install_field (klass, first + PROP_TLS,
      g_param_spec_boolean ("tls", "TLS",
          "Encrypt the stream with TLS and check the receiver's certificate; "
          "a receiver that cannot be trusted or does not speak TLS is a "
          "fatal error, never clear text", DEFAULT_TLS,
          rw),
      FIELD (tls), 0);
  gst_as_prop_install_field (klass, first + PROP_TLS_CA_FILE,
      g_param_spec_string ("tls-ca-file", "TLS CA file",
          "PEM file of the CA certificates the receiver's certificate must "
          "chain to (NULL = the system's trust store)", NULL,
          rw),
      FIELD (tls_ca_file), 0);
  gst_as_prop_install_field (klass, first + PROP_TLS_CERTIFICATE_FILE,
      g_param_spec_string ("tls-certificate-file",
          "TLS certificate file",
          "PEM file of the client certificate to present, for a receiver "
          "that requires one (NULL = none)", NULL,
          rw),
      FIELD (tls_certificate_file), 0);
  gst_as_prop_install_field (klass, first + PROP_TLS_KEY_FILE,
      g_param_spec_string ("tls-key-file", "TLS key file",
          "PEM file of the client certificate's private key (NULL = in "
          "tls-certificate-file)", NULL,
          rw),
      FIELD (tls_key_file), 0);
  gst_as_prop_install_field (klass, first + PROP_TLS_SERVER_NAME,
      g_param_spec_string ("tls-server-name", "TLS server name",
          "Name the receiver's certificate must carry, also sent as SNI "
          "(NULL = host)", NULL,
          rw),
      FIELD (tls_server_name), 0);
  gst_as_prop_install_field (klass, first + PROP_TLS_VALIDATION_FLAGS,
      g_param_spec_flags ("tls-validation-flags",
          "TLS validation flags",
          "Checks of the receiver's certificate that must pass (default: "
          "all); leaving one out accepts that failure",
          G_TYPE_TLS_CERTIFICATE_FLAGS, DEFAULT_TLS_VALIDATION_FLAGS,
          rw),
      FIELD (tls_validation_flags), 0);
}

#undef FIELD

void
gst_as_sink_settings_init (GstAsSinkSettings * s)
{
  memset (s, 0, sizeof (*s));
  s->host = g_strdup (DEFAULT_HOST);
  s->port = DEFAULT_PORT;
  s->socket_path = g_strdup (DEFAULT_SOCKET_PATH);
  s->chunk_samples = DEFAULT_CHUNK_SAMPLES;
  s->prefill_ms = DEFAULT_PREFILL_MS;
  s->buffer_ms[GST_AS_BUFFER_RING] = DEFAULT_RING_BUFFER_MS;
  s->buffer_ms[GST_AS_BUFFER_MIN] = DEFAULT_MIN_BUFFER_MS;
  s->buffer_ms[GST_AS_BUFFER_MAX] = DEFAULT_MAX_BUFFER_MS;
  s->dscp = DEFAULT_DSCP;
  s->high_priority = DEFAULT_HIGH_PRIORITY;
  s->stats_interval_ms = DEFAULT_STATS_INTERVAL_MS;
  s->auto_reconnect = DEFAULT_AUTO_RECONNECT;
  s->reconnect_min_ms = DEFAULT_RECONNECT_MIN_MS;
  s->reconnect_max_ms = DEFAULT_RECONNECT_MAX_MS;
  s->max_reconnect_attempts = DEFAULT_MAX_RECONNECT_ATTEMPTS;
  s->send_timeout_ms = DEFAULT_SEND_TIMEOUT_MS;
  s->adaptive_buffer = DEFAULT_ADAPTIVE_BUFFER;
  s->loopback = DEFAULT_LOOPBACK;
  s->max_lag_ms = DEFAULT_MAX_LAG_MS;
  s->tls = DEFAULT_TLS;
  s->tls_validation_flags = DEFAULT_TLS_VALIDATION_FLAGS;
}

/* the settings that own a string */
static const gsize string_fields[] = {
  G_STRUCT_OFFSET (GstAsSinkSettings, host),
  G_STRUCT_OFFSET (GstAsSinkSettings, socket_path),
  G_STRUCT_OFFSET (GstAsSinkSettings, tls_ca_file),
  G_STRUCT_OFFSET (GstAsSinkSettings, tls_certificate_file),
  G_STRUCT_OFFSET (GstAsSinkSettings, tls_key_file),
  G_STRUCT_OFFSET (GstAsSinkSettings, tls_server_name),
};

#define STRING_FIELD(s, i) G_STRUCT_MEMBER (gchar *, s, string_fields[i])

void
gst_as_sink_settings_clear (GstAsSinkSettings * s)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (string_fields); i++)
    g_free (STRING_FIELD (s, i));
  memset (s, 0, sizeof (*s));
}

/* @dest is uninitialised or cleared; clear it after use */
void
gst_as_sink_settings_copy (GstAsSinkSettings * dest,
    const GstAsSinkSettings * src)
{
  guint i;

  *dest = *src;
  for (i = 0; i < G_N_ELEMENTS (string_fields); i++)
    STRING_FIELD (dest, i) = g_strdup (STRING_FIELD (src, i));
}

/* Where to connect; the strings stay @s's, TLS is not set (load_tls()). */
void
gst_as_sink_settings_target (const GstAsSinkSettings * s,
    GstAsTransportTarget * target)
{
  memset (target, 0, sizeof (*target));
  target->host = s->host;
  target->port = s->port;
  target->socket_path = s->socket_path;
  target->tos = (guint8) s->dscp;
  target->send_timeout_ms = s->send_timeout_ms;
}

/* The sender's configuration; free config->target. */
void
gst_as_sink_settings_config (const GstAsSinkSettings * s,
    GstAsSenderConfig * config)
{
  GstAsTransportTarget target;

  gst_as_sink_settings_target (s, &target);
  memset (config, 0, sizeof (*config));
  config->target = gst_as_transport_describe_target (&target);
  config->prefill_ms = s->prefill_ms;
  config->stats_interval_ms = s->stats_interval_ms;
  config->auto_reconnect = s->auto_reconnect;
  config->reconnect_min_ms = s->reconnect_min_ms;
  config->reconnect_max_ms = s->reconnect_max_ms;
  config->max_reconnect_attempts = s->max_reconnect_attempts;
  config->adaptive_buffer = s->adaptive_buffer;
  config->min_buffer_ms = gst_as_sink_settings_buffer_ms (s,
      GST_AS_BUFFER_MIN);
  config->max_buffer_ms = gst_as_sink_settings_buffer_ms (s,
      GST_AS_BUFFER_MAX);
  config->max_lag_ms = s->max_lag_ms;
}

/**
 * gst_as_sink_settings_load_tls:
 * @client: (out) (transfer full): the TLS settings, NULL without tls=true
 *
 * Loads the certificate files now, so that a missing one is one error at
 * start, not one per reconnect. Reads files: call it on a copy, without
 * the object lock.
 */
gboolean
gst_as_sink_settings_load_tls (const GstAsSinkSettings * s,
    GstAsTlsClient ** client, GError ** error)
{
  *client = NULL;
  if (!s->tls)
    return TRUE;
  *client = gst_as_tls_client_new (s->tls_ca_file, s->tls_certificate_file,
      s->tls_key_file, s->tls_server_name, s->tls_validation_flags, error);
  return *client != NULL;
}

gchar *
gst_as_sink_settings_get_uri (const GstAsSinkSettings * s)
{
  return gst_as_uri_build (s->tls, s->host, s->port, s->socket_path);
}

/* tcp:// and tls:// set the host, the port (else the default) and TLS;
 * unix:// the socket path, in clear text. The query is the caller's. */
void
gst_as_sink_settings_set_uri (GstAsSinkSettings * s, const GstAsUri * uri)
{
  if (uri->socket_path != NULL) {
    g_free (s->socket_path);
    s->socket_path = g_strdup (uri->socket_path);
    s->tls = FALSE;
  } else {
    g_clear_pointer (&s->socket_path, g_free);
    g_free (s->host);
    s->host = g_strdup (uri->host);
    s->port = uri->port > 0 ? uri->port : DEFAULT_PORT;
    s->tls = uri->tls;
  }
}
