/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-audiostreamsrc
 * @title: audiostreamsrc
 *
 * Receives raw interleaved PCM, as `audiostreamsink` (or any raw-PCM sender)
 * sends it, on a TCP port or a Unix domain socket, and outputs it as a live
 * source. The caps come from the `format`, `rate` and `channels`
 * properties: the bytes on the wire carry no header.
 *
 * Unlike `tcpserversrc`, the element keeps listening for its whole life. A
 * sender that leaves does not end the stream, and a new connection
 * replaces the current one (the newest sender wins), so a sender that
 * restarted, or reconnected after an outage, is never locked out by its
 * own stale connection. A replaced sender is counted (`replaced` in the
 * stats) and posted (`audiostreamsrc-connection`, state `replaced`).
 *
 * Bytes are cut into whole frames however TCP split them; the start of a
 * frame a sender left unfinished when it went away is discarded and
 * counted (`partial-frames`).
 *
 * Each buffer is timestamped with the running time of the pipeline clock at
 * which it arrived (as `do-timestamp` would), so a jitter buffer downstream
 * (`adaptivejitterqueue`) measures the network's real jitter.
 *
 * While no sender is connected, the element outputs silence, flagged
 * GST_BUFFER_FLAG_GAP, at real time in buffers of about 20 ms, so a
 * pipeline reaches and stays in PLAYING with nobody sending. A sender that
 * is connected but sends nothing gets no silence: downstream sees the
 * stall as it is. The element never posts EOS because a sender left; only
 * an EOS sent to it (gst_element_send_event(), `gst-launch-1.0 -e`) ends
 * the stream.
 *
 * With `port=0` the system picks a free port, which the read-only
 * `current-port` property gives once the element is PAUSED.
 *
 * With `tls-certificate-file` (and `tls-key-file`) every sender must speak
 * TLS; with `tls-client-ca-file` it must also present a client certificate
 * signed by that CA (mutual TLS). Each handshake runs on a thread of its
 * own, at most 10 s, so the stream never waits for it; a sender whose
 * handshake fails is dropped and counted (`tls-failures`).
 * `allowed-senders` lists the addresses and CIDR ranges that may send;
 * others are closed at accept, before anything is read, counted
 * (`refused`) and told once per address a minute.
 *
 * The element is also a URI handler: `tcp://HOST:PORT`, `tls://HOST:PORT`
 * (TLS required) and `unix:///PATH`, with properties in the query
 * (`tcp://0.0.0.0:4953?rate=44100&allowed-senders=192.168.1.0/24`).
 *
 * ## Messages
 *
 * `audiostreamsrc-connection` when a sender is accepted, replaced by a newer
 * one, closes, or is refused: `state`, `remote`, `error`, `partial-bytes`.
 *
 * `audiostreamsrc-stats` every `stats-interval-ms`: `bytes`, `frames`,
 * `senders`, `replaced`, `partial-frames`, `partial-bytes`,
 * `silence-frames`, `connected`, `refused`, `tls-failures`.
 * docs/messages.md describes every field.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 audiostreamsrc port=4953 ! adaptivejitterqueue ! autoaudiosink
 * ]| Plays what an `audiostreamsink host=RECEIVER port=4953` sends (S16LE,
 * 48 kHz, stereo), across the sender's reconnects.
 *
 * |[
 * gst-launch-1.0 audiostreamsrc socket-path=/tmp/pcm.sock format=F32LE rate=44100 channels=1 ! audioconvert ! wavenc ! filesink location=out.wav
 * ]| Records mono float audio sent to a Unix socket.
 *
 * |[
 * gst-launch-1.0 audiostreamsrc port=4953 tls-certificate-file=receiver.pem tls-key-file=receiver.key tls-client-ca-file=ca.pem allowed-senders=192.168.1.0/24 ! adaptivejitterqueue ! autoaudiosink
 * ]| Plays what senders on the LAN with a client certificate from ca.pem
 * send over TLS.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaudiostreamsrc.h"

#include <gst/audio/audio.h>
#include <string.h>

#include "audiostream/propbind.h"
#include "audiostream/sockopts.h"
#include "audiostream/runningtime.h"
#include "audiostream/receivesession.h"
#include "audiostream/urihandler.h"

GST_DEBUG_CATEGORY_STATIC (gst_audio_stream_src_debug);
#define GST_CAT_DEFAULT gst_audio_stream_src_debug

#define DEFAULT_HOST "0.0.0.0"
#define DEFAULT_PORT 4953
#define DEFAULT_SOCKET_PATH NULL
#define DEFAULT_FORMAT GST_AUDIO_FORMAT_S16LE
#define DEFAULT_RATE 48000
#define DEFAULT_CHANNELS 2
#define DEFAULT_STATS_INTERVAL_MS 1000
#define DEFAULT_ALLOWED_SENDERS NULL

/* where a property's value lives (propbind.h) */
#define FIELD(f) G_STRUCT_OFFSET (GstAudioStreamSrc, f)

enum
{
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_SOCKET_PATH,
  PROP_FORMAT,
  PROP_RATE,
  PROP_CHANNELS,
  PROP_STATS_INTERVAL_MS,
  PROP_CURRENT_PORT,
  PROP_STATS,
  PROP_TLS_CERTIFICATE_FILE,
  PROP_TLS_KEY_FILE,
  PROP_TLS_CLIENT_CA_FILE,
  PROP_ALLOWED_SENDERS,
};

/* Threads: the streaming thread (create(): accept, read, silence, stats
 * messages) and application threads (properties, state changes, unlock()).
 *
 * The session (listener, current connection, silence) is the streaming
 * thread's between start() and stop(); basesrc stops that thread before
 * stop(). unlock() only cancels `cancellable`, which the session polls
 * with the sockets. The receiver's counters and `current_port` are under
 * the object lock (a leaf: it is never held across I/O or the session's
 * callback). */
struct _GstAudioStreamSrc
{
  GstPushSrc parent;

  /* properties, under the object lock */
  gchar *host;
  gint port;
  gchar *socket_path;
  GstAudioFormat format;
  gint rate;
  gint channels;
  guint stats_interval_ms;
  gchar *tls_certificate_file;
  gchar *tls_key_file;
  gchar *tls_client_ca_file;
  gchar *allowed_senders;
  gboolean uri_tls;             /* a tls:// URI asked for TLS */

  /* under the object lock */
  gint current_port;
  GstAsReceiver receiver;

  GCancellable *cancellable;

  /* streaming thread (and start()/stop()) only */
  GstAsReceiveSession *session;
  gchar *target;                /* as messages name it */
  GstAudioInfo info;
  guint stats_interval_ms_started;
  gint64 next_stats_us;         /* G_MAXINT64: no stats */
};

GType
gst_audio_stream_src_format_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_AUDIO_FORMAT_S16LE, "S16LE", "s16le"},
    {GST_AUDIO_FORMAT_S24LE, "S24LE", "s24le"},
    {GST_AUDIO_FORMAT_S32LE, "S32LE", "s32le"},
    {GST_AUDIO_FORMAT_F32LE, "F32LE", "f32le"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAudioStreamSrcFormat", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, "
        "format = (string) { S16LE, S24LE, S32LE, F32LE }, "
        "layout = (string) interleaved, rate = (int) [ 8000, 192000 ], "
        "channels = (int) [ 1, 8 ]"));

static void gst_audio_stream_src_uri_handler_init (gpointer g_iface,
    gpointer iface_data);

#define gst_audio_stream_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstAudioStreamSrc, gst_audio_stream_src,
    GST_TYPE_PUSH_SRC, G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
        gst_audio_stream_src_uri_handler_init));

static void
element_init_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (gst_audio_stream_src_debug, "audiostreamsrc",
        0, "Raw PCM receiver that outlives its senders");
    gst_type_mark_as_plugin_api (GST_TYPE_AUDIO_STREAM_SRC_FORMAT, 0);
    gst_as_socket_types_init ();
    g_once_init_leave (&done, 1);
  }
}

GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (audiostreamsrc, "audiostreamsrc",
    GST_RANK_NONE, GST_TYPE_AUDIO_STREAM_SRC, element_init_once ());

static void gst_audio_stream_src_finalize (GObject * object);
static void read_stats (GObject * object, GValue * value);
static gboolean gst_audio_stream_src_start (GstBaseSrc * bsrc);
static gboolean gst_audio_stream_src_stop (GstBaseSrc * bsrc);
static gboolean gst_audio_stream_src_unlock (GstBaseSrc * bsrc);
static gboolean gst_audio_stream_src_unlock_stop (GstBaseSrc * bsrc);
static GstCaps *gst_audio_stream_src_get_caps (GstBaseSrc * bsrc,
    GstCaps * filter);
static gboolean gst_audio_stream_src_negotiate (GstBaseSrc * bsrc);
static GstFlowReturn gst_audio_stream_src_create (GstPushSrc * psrc,
    GstBuffer ** outbuf);
static void on_notice (const GstAsReceiveNotice * notice,
    gpointer user_data);

static void
gst_audio_stream_src_class_init (GstAudioStreamSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);

  element_init_once ();

  gobject_class->finalize = gst_audio_stream_src_finalize;
  gobject_class->set_property = gst_as_prop_set_property;
  gobject_class->get_property = gst_as_prop_get_property;

  gst_as_prop_install_field (gobject_class, PROP_HOST,
      g_param_spec_string ("host", "Host",
          "Address to listen on: an IPv4 or IPv6 address or a host name; "
          "\"::\" takes IPv4 and IPv6 connections, \"0.0.0.0\" IPv4 only",
          DEFAULT_HOST,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY),
      FIELD (host), GST_AS_PROP_NULL_IS_DEFAULT);
  gst_as_prop_install_field (gobject_class, PROP_PORT,
      g_param_spec_int ("port", "Port",
          "TCP port to listen on (0 = a free port, see current-port)",
          0, G_MAXUINT16, DEFAULT_PORT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY),
      FIELD (port), 0);
  gst_as_prop_install_field (gobject_class, PROP_SOCKET_PATH,
      g_param_spec_string ("socket-path", "Socket path",
          "Listen on this Unix domain socket instead of host and port "
          "(NULL = use TCP); a stale socket file there is replaced",
          DEFAULT_SOCKET_PATH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY),
      FIELD (socket_path), 0);
  gst_as_prop_install_field (gobject_class, PROP_FORMAT,
      g_param_spec_enum ("format", "Format",
          "Sample format the senders send (S24LE: packed, 3 bytes)",
          GST_TYPE_AUDIO_STREAM_SRC_FORMAT, DEFAULT_FORMAT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY),
      FIELD (format), 0);
  gst_as_prop_install_field (gobject_class, PROP_RATE,
      g_param_spec_int ("rate", "Rate",
          "Sample rate the senders send, in Hz", 8000, 192000, DEFAULT_RATE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY),
      FIELD (rate), 0);
  gst_as_prop_install_field (gobject_class, PROP_CHANNELS,
      g_param_spec_int ("channels", "Channels",
          "Interleaved channels the senders send", 1, 8, DEFAULT_CHANNELS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY),
      FIELD (channels), 0);
  gst_as_prop_install_field (gobject_class, PROP_STATS_INTERVAL_MS,
      g_param_spec_uint ("stats-interval-ms", "Stats interval",
          "Post an audiostreamsrc-stats element message this often, in ms "
          "(0 = never)", 0, 3600000, DEFAULT_STATS_INTERVAL_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY),
      FIELD (stats_interval_ms), 0);
  gst_as_prop_install_field (gobject_class, PROP_CURRENT_PORT,
      g_param_spec_int ("current-port", "Current port",
          "The TCP port listened on, once PAUSED (what port=0 became); "
          "0 when not listening or on a Unix socket", 0, G_MAXUINT16, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS),
      FIELD (current_port), 0);
  gst_as_prop_install_reader (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Totals since start, as in the audiostreamsrc-stats message",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS),
      read_stats);

  gst_as_prop_install_field (gobject_class, PROP_TLS_CERTIFICATE_FILE,
      g_param_spec_string ("tls-certificate-file", "TLS certificate file",
          "PEM file of the certificate to serve TLS with; every sender must "
          "then use TLS (NULL = clear text)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY),
      FIELD (tls_certificate_file), 0);
  gst_as_prop_install_field (gobject_class, PROP_TLS_KEY_FILE,
      g_param_spec_string ("tls-key-file", "TLS key file",
          "PEM file of the certificate's private key (NULL = in "
          "tls-certificate-file)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY),
      FIELD (tls_key_file), 0);
  gst_as_prop_install_field (gobject_class, PROP_TLS_CLIENT_CA_FILE,
      g_param_spec_string ("tls-client-ca-file", "TLS client CA file",
          "PEM file of the CA certificates a sender's client certificate "
          "must chain to; a sender without one is refused (mutual TLS; "
          "NULL = no client certificate asked)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY),
      FIELD (tls_client_ca_file), 0);
  gst_as_prop_install_field (gobject_class, PROP_ALLOWED_SENDERS,
      g_param_spec_string ("allowed-senders", "Allowed senders",
          "Addresses and CIDR ranges that may send, separated by commas "
          "(\"192.168.1.0/24,::1\"); others are closed at accept, counted "
          "in refused and logged once per address a minute (NULL = anyone; "
          "TCP only)", DEFAULT_ALLOWED_SENDERS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY),
      FIELD (allowed_senders), 0);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Audio stream source", "Source/Network/Audio",
      "Receives raw PCM over TCP or a Unix socket, keeps listening across "
      "senders (the newest wins), timestamps on arrival",
      "gst-audiostream developers");

  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_audio_stream_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_audio_stream_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_audio_stream_src_unlock);
  basesrc_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_audio_stream_src_unlock_stop);
  basesrc_class->get_caps = GST_DEBUG_FUNCPTR (gst_audio_stream_src_get_caps);
  basesrc_class->negotiate =
      GST_DEBUG_FUNCPTR (gst_audio_stream_src_negotiate);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_audio_stream_src_create);
}

static void
gst_audio_stream_src_init (GstAudioStreamSrc * self)
{
  self->host = g_strdup (DEFAULT_HOST);
  self->port = DEFAULT_PORT;
  self->socket_path = g_strdup (DEFAULT_SOCKET_PATH);
  self->format = DEFAULT_FORMAT;
  self->rate = DEFAULT_RATE;
  self->channels = DEFAULT_CHANNELS;
  self->stats_interval_ms = DEFAULT_STATS_INTERVAL_MS;
  self->cancellable = g_cancellable_new ();
  gst_as_receiver_init (&self->receiver, 4);

  gst_base_src_set_live (GST_BASE_SRC (self), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
}

static void
gst_audio_stream_src_finalize (GObject * object)
{
  GstAudioStreamSrc *self = GST_AUDIO_STREAM_SRC (object);

  g_free (self->host);
  g_free (self->socket_path);
  g_free (self->tls_certificate_file);
  g_free (self->tls_key_file);
  g_free (self->tls_client_ca_file);
  g_free (self->allowed_senders);
  /* left by a start() that failed, which basesrc does not stop() */
  g_free (self->target);
  g_object_unref (self->cancellable);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* the stats property: the receiver's counters, under the object lock */
static void
read_stats (GObject * object, GValue * value)
{
  GstAudioStreamSrc *self = GST_AUDIO_STREAM_SRC (object);

  GST_OBJECT_LOCK (self);
  g_value_take_boxed (value, gst_as_receiver_stats_structure (&self->receiver,
          "audiostreamsrc-stats"));
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------ */
/* Start, stop, caps                                                         */

/* Who may send and how: the allowlist and TLS, set on @listener. FALSE
 * with @error naming the setting at fault. */
static gboolean
configure_senders (GstAudioStreamSrc * self, GstAsListener * listener,
    GError ** error)
{
  GstAsListenerSecurity sec;
  gchar *cert, *key, *client_ca, *allowed;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  sec.certificate_file = cert = g_strdup (self->tls_certificate_file);
  sec.key_file = key = g_strdup (self->tls_key_file);
  sec.client_ca_file = client_ca = g_strdup (self->tls_client_ca_file);
  sec.allowed = allowed = g_strdup (self->allowed_senders);
  sec.tls_required = self->uri_tls;
  GST_OBJECT_UNLOCK (self);

  ok = gst_as_listener_secure (listener, &sec, error);
  g_free (cert);
  g_free (key);
  g_free (client_ca);
  g_free (allowed);
  return ok;
}

static gboolean
gst_audio_stream_src_start (GstBaseSrc * bsrc)
{
  GstAudioStreamSrc *self = GST_AUDIO_STREAM_SRC (bsrc);
  GstAsTransportTarget target = { 0, };
  GstAsListener *listener;
  GError *err = NULL;
  gchar *host, *path;

  GST_OBJECT_LOCK (self);
  host = g_strdup (self->host);
  path = g_strdup (self->socket_path);
  target.port = self->port;
  gst_audio_info_set_format (&self->info, self->format, self->rate,
      self->channels, NULL);
  self->stats_interval_ms_started = self->stats_interval_ms;
  gst_as_receiver_init (&self->receiver, GST_AUDIO_INFO_BPF (&self->info));
  self->current_port = 0;
  GST_OBJECT_UNLOCK (self);

  target.host = host;
  target.socket_path = path;
  g_free (self->target);
  self->target = gst_as_transport_describe_target (&target);
  listener = gst_as_listener_new (&target, &err);
  g_free (host);
  g_free (path);
  if (listener == NULL)
    goto listen_failed;
  if (!configure_senders (self, listener, &err))
    goto settings_failed;

  GST_OBJECT_LOCK (self);
  self->current_port = gst_as_listener_port (listener);
  GST_OBJECT_UNLOCK (self);
  self->session = gst_as_receive_session_new (listener, &self->info,
      &self->receiver, GST_OBJECT_GET_LOCK (self), on_notice, self);
  self->next_stats_us = self->stats_interval_ms_started == 0 ? G_MAXINT64 :
      g_get_monotonic_time () +
      (gint64) self->stats_interval_ms_started * G_TIME_SPAN_MILLISECOND;
  GST_INFO_OBJECT (self, "listening on %s (port %d)", self->target,
      self->current_port);
  return TRUE;

settings_failed:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Could not set up %s for senders: %s.", self->target, err->message),
        (NULL));
    gst_as_listener_free (listener);
    g_clear_error (&err);
    return FALSE;
  }
listen_failed:
  {
    gchar *text = gst_as_listener_error_text (self->target, err);

    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("%s", text),
        ("%s", err->message));
    g_free (text);
    g_clear_error (&err);
    return FALSE;
  }
}

static gboolean
gst_audio_stream_src_stop (GstBaseSrc * bsrc)
{
  GstAudioStreamSrc *self = GST_AUDIO_STREAM_SRC (bsrc);

  g_clear_pointer (&self->session, gst_as_receive_session_free);
  g_clear_pointer (&self->target, g_free);
  GST_OBJECT_LOCK (self);
  self->current_port = 0;
  self->receiver.connected = FALSE;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_audio_stream_src_unlock (GstBaseSrc * bsrc)
{
  GstAudioStreamSrc *self = GST_AUDIO_STREAM_SRC (bsrc);

  g_cancellable_cancel (self->cancellable);
  return TRUE;
}

static gboolean
gst_audio_stream_src_unlock_stop (GstBaseSrc * bsrc)
{
  GstAudioStreamSrc *self = GST_AUDIO_STREAM_SRC (bsrc);

  g_cancellable_reset (self->cancellable);
  return TRUE;
}

static GstCaps *
caps_from_properties (GstAudioStreamSrc * self)
{
  GstAudioInfo info;

  GST_OBJECT_LOCK (self);
  gst_audio_info_set_format (&info, self->format, self->rate,
      self->channels, NULL);
  GST_OBJECT_UNLOCK (self);
  return gst_audio_info_to_caps (&info);
}

static GstCaps *
gst_audio_stream_src_get_caps (GstBaseSrc * bsrc, GstCaps * filter)
{
  GstCaps *caps = caps_from_properties (GST_AUDIO_STREAM_SRC (bsrc));

  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, caps,
        GST_CAPS_INTERSECT_FIRST);

    gst_caps_unref (caps);
    caps = tmp;
  }
  return caps;
}

/* The caps are what the senders send: downstream takes them or the user
 * must convert, which the error says. */
static gboolean
gst_audio_stream_src_negotiate (GstBaseSrc * bsrc)
{
  GstCaps *caps = caps_from_properties (GST_AUDIO_STREAM_SRC (bsrc));
  gboolean ok;

  ok = gst_pad_peer_query_accept_caps (GST_BASE_SRC_PAD (bsrc), caps) &&
      gst_base_src_set_caps (bsrc, caps);
  if (!ok) {
    gchar *str = gst_caps_to_string (caps);

    GST_ELEMENT_ERROR (bsrc, CORE, NEGOTIATION,
        ("Downstream does not accept the audio audiostreamsrc outputs (%s). "
            "Set format, rate and channels to what the sender sends, and put "
            "audioconvert ! audioresample after audiostreamsrc.", str),
        ("caps %s refused downstream", str));
    g_free (str);
  }
  gst_caps_unref (caps);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Streaming                                                                 */

static void
post_connection (GstAudioStreamSrc * self, const gchar * state,
    const gchar * remote, const gchar * error, guint partial_bytes)
{
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_as_receiver_connection_structure (state, remote, error,
              partial_bytes)));
}

/* What the session saw, logged and posted; a refusal is told once a
 * minute per address (a flood must not flood the bus). */
static void
on_notice (const GstAsReceiveNotice * n, gpointer user_data)
{
  GstAudioStreamSrc *self = user_data;

  switch (n->event) {
    case GST_AS_RECEIVE_ACCEPTED:
      GST_INFO_OBJECT (self, "sender %s accepted%s", n->remote,
          n->tls ? " (TLS)" : "");
      post_connection (self, "accepted", n->remote, NULL, 0);
      break;
    case GST_AS_RECEIVE_REPLACED:
      GST_WARNING_OBJECT (self, "sender %s replaces %s, which was still "
          "connected (the newest sender wins)", n->new_remote, n->remote);
      post_connection (self, "replaced", n->remote, NULL, n->partial_bytes);
      break;
    case GST_AS_RECEIVE_CLOSED:
      if (n->partial_bytes > 0)
        GST_WARNING_OBJECT (self, "%s left in the middle of a frame: %u "
            "bytes discarded", n->remote, n->partial_bytes);
      GST_INFO_OBJECT (self, "sender %s closed: %s", n->remote,
          n->error ? n->error : "end of stream");
      post_connection (self, "closed", n->remote, n->error,
          n->partial_bytes);
      break;
    case GST_AS_RECEIVE_TLS_FAILED:
      if (!n->tell) {
        GST_DEBUG_OBJECT (self, "sender %s dropped again: %s", n->remote,
            n->error);
        break;
      }
      GST_WARNING_OBJECT (self, "sender %s dropped: %s", n->remote,
          n->error);
      post_connection (self, "refused", n->remote, n->error, 0);
      break;
    case GST_AS_RECEIVE_REFUSED:
      if (!n->tell) {
        GST_DEBUG_OBJECT (self, "refused %s again", n->remote);
        break;
      }
      GST_ELEMENT_WARNING (self, RESOURCE, READ,
          ("Refused a sender from %s: it is not in allowed-senders (told "
              "once a minute per address; see the refused count).",
              n->address ? n->address : n->remote), ("%s", n->error));
      post_connection (self, "refused", n->remote, n->error, 0);
      break;
    case GST_AS_RECEIVE_ACCEPT_ERROR:
      GST_WARNING_OBJECT (self, "accept on %s: %s", self->target, n->error);
      break;
  }
}

static void
maybe_post_stats (GstAudioStreamSrc * self, gint64 now_us)
{
  GstStructure *s;

  if (now_us < self->next_stats_us)
    return;
  self->next_stats_us = now_us +
      (gint64) self->stats_interval_ms_started * G_TIME_SPAN_MILLISECOND;
  GST_OBJECT_LOCK (self);
  s = gst_as_receiver_stats_structure (&self->receiver,
      "audiostreamsrc-stats");
  GST_OBJECT_UNLOCK (self);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static GstFlowReturn
gst_audio_stream_src_create (GstPushSrc * psrc, GstBuffer ** outbuf)
{
  GstAudioStreamSrc *self = GST_AUDIO_STREAM_SRC (psrc);
  GstBuffer *buf = NULL;
  GstFlowReturn ret;

  while (buf == NULL) {
    maybe_post_stats (self, g_get_monotonic_time ());
    ret = gst_as_receive_session_step (self->session, self->cancellable,
        self->next_stats_us, &buf);
    if (ret != GST_FLOW_OK)
      return ret;
  }

  GST_BUFFER_PTS (buf) = gst_as_running_time_now (GST_ELEMENT (self));
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (gst_buffer_get_size
      (buf) / GST_AUDIO_INFO_BPF (&self->info), GST_SECOND,
      GST_AUDIO_INFO_RATE (&self->info));
  *outbuf = buf;
  return GST_FLOW_OK;
}

/* ------------------------------------------------------------------------ */
/* GstURIHandler: tcp://host:port, tls://host:port, unix:///path            */

/* what a URI's query may set */
static const gchar *const src_uri_params[] = {
  "format", "rate", "channels", "stats-interval-ms", "tls-certificate-file",
  "tls-key-file", "tls-client-ca-file", "allowed-senders", NULL
};

static gchar *
gst_audio_stream_src_uri_get_uri (GstElement * element)
{
  GstAudioStreamSrc *self = GST_AUDIO_STREAM_SRC (element);
  gboolean tls;
  gchar *uri;

  GST_OBJECT_LOCK (self);
  tls = self->uri_tls || self->tls_certificate_file != NULL;
  uri = gst_as_uri_build (tls, self->host, self->port, self->socket_path);
  GST_OBJECT_UNLOCK (self);
  return uri;
}

/* tls:// on the receiver: TLS is required, and start() fails clearly if
 * the query (or the properties) give no certificate.
 * called with the object lock held */
static void
gst_audio_stream_src_uri_take (GstElement * element, const GstAsUri * parsed)
{
  GstAudioStreamSrc *self = GST_AUDIO_STREAM_SRC (element);

  g_free (self->socket_path);
  self->socket_path = g_strdup (parsed->socket_path);
  if (parsed->host != NULL) {
    g_free (self->host);
    self->host = g_strdup (parsed->host);
    self->port = parsed->port >= 0 ? parsed->port : DEFAULT_PORT;
  }
  self->uri_tls = parsed->tls;
}

static const GstAsUriHandlerInfo src_uri_info = {
  GST_URI_SRC, src_uri_params, gst_audio_stream_src_uri_get_uri,
  gst_audio_stream_src_uri_take,
};

static void
gst_audio_stream_src_uri_handler_init (gpointer g_iface, gpointer iface_data)
{
  gst_as_uri_handler_init (g_iface, &src_uri_info);
}
