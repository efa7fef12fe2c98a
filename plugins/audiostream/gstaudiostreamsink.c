/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-audiostreamsink
 * @title: audiostreamsink
 *
 * Sends raw interleaved S16LE PCM to a TCP server at a constant bitrate paced
 * by the clock. The bytes on the wire are the samples exactly as they arrive,
 * with no header, so any raw-PCM receiver works: Snapcast's `snapserver` with
 * a `tcp://` stream source, `tcpserversrc ! rawaudioparse`, `nc -l`.
 *
 * `render()` only copies audio into a ring buffer of `ring-buffer-ms`; it never
 * waits on the network. A thread of the element owns the socket: it connects
 * (state changes never wait for it), waits until `prefill-ms` of audio is
 * buffered, then sends `chunk-samples` frames per deadline. Deadlines are
 * computed from a frame counter against the pipeline clock (for a live
 * capture source, the device's clock), or CLOCK_MONOTONIC when there is none,
 * so timing error never accumulates. TCP_NODELAY is set and packets are
 * marked with the `dscp` traffic class.
 *
 * When the ring is full, a live upstream (a capture device) loses its oldest
 * audio, counted in the `overflows` and `dropped-samples` statistics, and is
 * never blocked; a non-live upstream (a file) is blocked instead, so a file
 * streams at real time and nothing is dropped. If the sender falls behind its
 * schedule, the backlog goes out faster than real time, at most 1.5×, until it
 * is back on schedule. If capture runs dry, silence keeps the bitrate
 * constant, counted in `underruns` and `silence-samples`.
 *
 * At EOS everything still buffered is sent, the connection is shut down with
 * a FIN once the kernel has transmitted every byte, and only then is EOS
 * posted.
 *
 * ## Messages
 *
 * `audiostreamsink-connection` on each change of connection state: `state`
 * (connecting, connected, disconnected, failed), `attempt`, `retry-in-ms`,
 * `remote` (the peer's address once connected, else the target), `error`.
 *
 * `audiostreamsink-stats` every `stats-interval-ms`: the fields of the `stats`
 * property, with `bitrate-kbps` and `pacing-error-p99-us` measured over the
 * last interval. docs/messages.md describes every field.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! audiostreamsink host=127.0.0.1 port=4953
 * ]| Streams a live tone to a raw-PCM TCP server, such as snapserver with
 * `source = tcp://0.0.0.0:4953?name=gst&mode=server&sampleformat=48000:16:2`.
 *
 * |[
 * gst-launch-1.0 filesrc location=song.wav ! wavparse ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! audiostreamsink host=::1 port=4953 dscp=lowdelay
 * ]| Streams a file at real time over IPv6.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaudiostreamsink.h"

#include <gst/audio/audio.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "audiostream/histogram.h"
#include "audiostream/pacer.h"
#include "audiostream/ring.h"
#include "audiostream/sockopts.h"

GST_DEBUG_CATEGORY_STATIC (gst_audio_stream_sink_debug);
#define GST_CAT_DEFAULT gst_audio_stream_sink_debug

#define DEFAULT_HOST "localhost"
#define DEFAULT_PORT 4953       /* Snapcast's TCP stream source */
#define DEFAULT_CHUNK_SAMPLES 480
#define DEFAULT_PREFILL_MS 1000
#define DEFAULT_RING_BUFFER_MS 5000
#define DEFAULT_DSCP GST_AS_DSCP_VOIP
#define DEFAULT_HIGH_PRIORITY FALSE
#define DEFAULT_STATS_INTERVAL_MS 1000
#define DEFAULT_CONNECT_TIMEOUT_MS 10000

#define MIN_CHUNK_SAMPLES 16
#define MAX_CHUNK_SAMPLES 65536
#define MAX_BUFFER_MS 600000

/* How long EOS waits for the kernel to transmit what was written before the
 * FIN goes out; a peer that reads nothing for that long loses the tail. */
#define DRAIN_TIMEOUT (5 * GST_SECOND)
#define DRAIN_POLL_INTERVAL_US 5000

#define SINK_CAPS \
  "audio/x-raw, format = (string) S16LE, layout = (string) interleaved, " \
  "rate = (int) [ 8000, 192000 ], channels = (int) [ 1, 8 ]"

enum
{
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_CHUNK_SAMPLES,
  PROP_PREFILL_MS,
  PROP_RING_BUFFER_MS,
  PROP_DSCP,
  PROP_HIGH_PRIORITY,
  PROP_STATS_INTERVAL_MS,
  PROP_STATS,
};

typedef enum
{
  STREAM_DONE,                  /* EOS drained and the socket shut down */
  STREAM_STOPPED,               /* stop() asked the thread to leave */
  STREAM_SEND_ERROR,            /* the connection failed while sending */
} StreamResult;

/* Settings the network thread works with, copied from the properties when it
 * starts so that it never touches them while doing I/O. */
typedef struct
{
  gchar *host;
  gint port;
  guint prefill_ms;
  guint8 tos;
  gboolean high_priority;
  guint stats_interval_ms;
} NetSettings;

/* Lock order: the object lock and self->lock are never held together.
 * self->lock is held only for memcpy and bookkeeping, never across I/O or a
 * clock wait, so render() never waits on the network. */
struct _GstAudioStreamSink
{
  GstBaseSink parent;

  /* properties, under the object lock */
  gchar *host;
  gint port;
  guint chunk_samples;
  guint prefill_ms;
  guint ring_buffer_ms;
  GstAsDscp dscp;
  gboolean high_priority;
  guint stats_interval_ms;

  /* streaming state, under self->lock */
  GMutex lock;
  GCond cond;                   /* ring level or a flag changed */
  GstAsRing ring;
  gint rate;
  guint bpf;
  guint chunk;                  /* frames per send, fitted to the ring */
  gboolean have_format;
  gboolean live_known;
  gboolean upstream_live;
  gboolean flushing;            /* unlock(): render and EOS must return */
  gboolean stopping;            /* stop(): the thread must leave */
  gboolean eos;                 /* EOS received: drain and finish */
  gboolean drained;             /* the thread finished draining */
  gboolean net_failed;          /* fatal network error, render must fail */
  GstClockID clock_id;          /* the thread's pending wait, to unschedule */

  /* statistics, under self->lock */
  GstClockTime started;         /* monotonic, when start() ran */
  GstClockTime stopped;         /* monotonic, when stop() ran */
  guint64 bytes_sent;
  guint64 frames_sent;
  guint64 underruns;
  guint64 silence_frames;
  guint64 reconnects;
  guint64 connect_attempts;
  GstAsHistogram lateness_total;
  GstAsHistogram lateness_interval;
  gboolean connected;

  /* owned by the network thread while it runs */
  GThread *thread;
  GCancellable *cancellable;
  GstClock *fallback_clock;     /* CLOCK_MONOTONIC, when there is no other */
};

GType
gst_audio_stream_sink_dscp_get_type (void)
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

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (SINK_CAPS));

#define gst_audio_stream_sink_parent_class parent_class
G_DEFINE_TYPE (GstAudioStreamSink, gst_audio_stream_sink, GST_TYPE_BASE_SINK);

static void
element_init_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (gst_audio_stream_sink_debug, "audiostreamsink",
        0, "Clock-paced raw PCM sender");
    gst_type_mark_as_plugin_api (GST_TYPE_AUDIO_STREAM_SINK_DSCP, 0);
    g_once_init_leave (&done, 1);
  }
}

GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (audiostreamsink, "audiostreamsink",
    GST_RANK_NONE, GST_TYPE_AUDIO_STREAM_SINK, element_init_once ());

static void gst_audio_stream_sink_finalize (GObject * object);
static void gst_audio_stream_sink_set_property (GObject * object,
    guint prop_id, const GValue * value, GParamSpec * pspec);
static void gst_audio_stream_sink_get_property (GObject * object,
    guint prop_id, GValue * value, GParamSpec * pspec);
static gboolean gst_audio_stream_sink_start (GstBaseSink * bsink);
static gboolean gst_audio_stream_sink_stop (GstBaseSink * bsink);
static gboolean gst_audio_stream_sink_unlock (GstBaseSink * bsink);
static gboolean gst_audio_stream_sink_unlock_stop (GstBaseSink * bsink);
static gboolean gst_audio_stream_sink_set_caps (GstBaseSink * bsink,
    GstCaps * caps);
static gboolean gst_audio_stream_sink_event (GstBaseSink * bsink,
    GstEvent * event);
static GstFlowReturn gst_audio_stream_sink_render (GstBaseSink * bsink,
    GstBuffer * buffer);

static void
gst_audio_stream_sink_class_init (GstAudioStreamSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);

  element_init_once ();

  gobject_class->finalize = gst_audio_stream_sink_finalize;
  gobject_class->set_property = gst_audio_stream_sink_set_property;
  gobject_class->get_property = gst_audio_stream_sink_get_property;

  g_object_class_install_property (gobject_class, PROP_HOST,
      g_param_spec_string ("host", "Host",
          "Host name, IPv4 or IPv6 address of the receiving server",
          DEFAULT_HOST,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_PORT,
      g_param_spec_int ("port", "Port",
          "TCP port of the receiving server", 1, G_MAXUINT16, DEFAULT_PORT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_CHUNK_SAMPLES,
      g_param_spec_uint ("chunk-samples", "Chunk samples",
          "Frames (samples per channel) sent per deadline; 480 is 10 ms at "
          "48 kHz", MIN_CHUNK_SAMPLES, MAX_CHUNK_SAMPLES,
          DEFAULT_CHUNK_SAMPLES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_PREFILL_MS,
      g_param_spec_uint ("prefill-ms", "Prefill",
          "Audio buffered before sending starts, in ms: the cushion that "
          "absorbs capture and network jitter (at most ring-buffer-ms minus "
          "one chunk)", 0, MAX_BUFFER_MS, DEFAULT_PREFILL_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_RING_BUFFER_MS,
      g_param_spec_uint ("ring-buffer-ms", "Ring buffer",
          "Capacity of the ring buffer between capture and network, in ms; "
          "when full, a live upstream loses its oldest audio and a non-live "
          "upstream waits", 100, MAX_BUFFER_MS, DEFAULT_RING_BUFFER_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_DSCP,
      g_param_spec_enum ("dscp", "DSCP",
          "Traffic class of outgoing packets (IP_TOS on IPv4, IPV6_TCLASS on "
          "IPv6)", GST_TYPE_AUDIO_STREAM_SINK_DSCP, DEFAULT_DSCP,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_HIGH_PRIORITY,
      g_param_spec_boolean ("high-priority", "High priority",
          "Raise the network thread's scheduling priority (SCHED_FIFO, else "
          "nice -10); if the system refuses, warn once and carry on",
          DEFAULT_HIGH_PRIORITY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STATS_INTERVAL_MS,
      g_param_spec_uint ("stats-interval-ms", "Stats interval",
          "Post an audiostreamsink-stats element message this often, in ms "
          "(0 = never)", 0, 3600000, DEFAULT_STATS_INTERVAL_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "audiostreamsink-stats structure: uptime-ms, bytes-sent, "
          "samples-sent, bitrate-kbps (since start), buffer-level-ms, "
          "buffer-target-ms, buffer-capacity-ms, underruns, silence-samples, "
          "overflows, dropped-samples, reconnects, connect-attempts, "
          "connected, pacing-error-p99-us (since start)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "Audio stream sink", "Sink/Network/Audio",
      "Sends raw S16LE PCM to a TCP server at a constant, clock-paced "
      "bitrate, buffered so the network never blocks capture",
      "gst-audiostream developers");

  basesink_class->start = GST_DEBUG_FUNCPTR (gst_audio_stream_sink_start);
  basesink_class->stop = GST_DEBUG_FUNCPTR (gst_audio_stream_sink_stop);
  basesink_class->unlock = GST_DEBUG_FUNCPTR (gst_audio_stream_sink_unlock);
  basesink_class->unlock_stop =
      GST_DEBUG_FUNCPTR (gst_audio_stream_sink_unlock_stop);
  basesink_class->set_caps = GST_DEBUG_FUNCPTR (gst_audio_stream_sink_set_caps);
  basesink_class->event = GST_DEBUG_FUNCPTR (gst_audio_stream_sink_event);
  basesink_class->render = GST_DEBUG_FUNCPTR (gst_audio_stream_sink_render);
}

static void
gst_audio_stream_sink_init (GstAudioStreamSink * self)
{
  self->host = g_strdup (DEFAULT_HOST);
  self->port = DEFAULT_PORT;
  self->chunk_samples = DEFAULT_CHUNK_SAMPLES;
  self->prefill_ms = DEFAULT_PREFILL_MS;
  self->ring_buffer_ms = DEFAULT_RING_BUFFER_MS;
  self->dscp = DEFAULT_DSCP;
  self->high_priority = DEFAULT_HIGH_PRIORITY;
  self->stats_interval_ms = DEFAULT_STATS_INTERVAL_MS;

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->started = self->stopped = GST_CLOCK_TIME_NONE;

  /* The schedule, not buffer timestamps, decides when audio goes out. */
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
}

static void
gst_audio_stream_sink_finalize (GObject * object)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (object);

  g_free (self->host);
  gst_as_ring_clear (&self->ring);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_audio_stream_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_HOST:
      g_free (self->host);
      self->host = g_value_dup_string (value);
      break;
    case PROP_PORT:
      self->port = g_value_get_int (value);
      break;
    case PROP_CHUNK_SAMPLES:
      self->chunk_samples = g_value_get_uint (value);
      break;
    case PROP_PREFILL_MS:
      self->prefill_ms = g_value_get_uint (value);
      break;
    case PROP_RING_BUFFER_MS:
      self->ring_buffer_ms = g_value_get_uint (value);
      break;
    case PROP_DSCP:
      self->dscp = g_value_get_enum (value);
      break;
    case PROP_HIGH_PRIORITY:
      self->high_priority = g_value_get_boolean (value);
      break;
    case PROP_STATS_INTERVAL_MS:
      self->stats_interval_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* called with self->lock held */
static guint64
frames_to_ms (GstAudioStreamSink * self, guint64 frames)
{
  if (self->rate <= 0)
    return 0;
  return gst_util_uint64_scale_int (frames, 1000, self->rate);
}

/* called with self->lock held, once the format is known */
static guint64
prefill_frames (GstAudioStreamSink * self, guint prefill_ms)
{
  guint64 frames = gst_util_uint64_scale_int (prefill_ms, self->rate, 1000);

  /* A prefill the ring cannot hold would never complete; the chunk is at
   * most half the ring, so this leaves room for one. */
  return MIN (frames, self->ring.capacity - self->chunk);
}

/* How long the element has been (or was) running, 0 before its start.
 * called with self->lock held */
static GstClockTime
uptime (GstAudioStreamSink * self)
{
  GstClockTime end = self->stopped;

  if (!GST_CLOCK_TIME_IS_VALID (self->started))
    return 0;
  if (!GST_CLOCK_TIME_IS_VALID (end))
    end = g_get_monotonic_time () * GST_USECOND;
  return end - self->started;
}

/* called with self->lock held; the caller owns the result */
static GstStructure *
build_stats (GstAudioStreamSink * self, guint prefill_ms,
    const GstAsHistogram * lateness, GstClockTime interval,
    guint64 interval_bytes)
{
  gdouble kbps = 0.0;

  if (interval > 0)
    kbps = interval_bytes * 8.0 / 1000.0 / ((gdouble) interval / GST_SECOND);

  return gst_structure_new ("audiostreamsink-stats",
      "uptime-ms", G_TYPE_UINT64, uptime (self) / GST_MSECOND,
      "bytes-sent", G_TYPE_UINT64, self->bytes_sent,
      "samples-sent", G_TYPE_UINT64, self->frames_sent,
      "bitrate-kbps", G_TYPE_DOUBLE, kbps,
      "buffer-level-ms", G_TYPE_UINT64,
      frames_to_ms (self, gst_as_ring_level (&self->ring)),
      "buffer-target-ms", G_TYPE_UINT64, (guint64) prefill_ms,
      "buffer-capacity-ms", G_TYPE_UINT64,
      frames_to_ms (self, self->ring.capacity),
      "underruns", G_TYPE_UINT64, self->underruns,
      "silence-samples", G_TYPE_UINT64, self->silence_frames,
      "overflows", G_TYPE_UINT64, self->ring.overflows,
      "dropped-samples", G_TYPE_UINT64, self->ring.dropped,
      "reconnects", G_TYPE_UINT64, self->reconnects,
      "connect-attempts", G_TYPE_UINT64, self->connect_attempts,
      "connected", G_TYPE_BOOLEAN, self->connected,
      "pacing-error-p99-us", G_TYPE_INT64,
      gst_as_histogram_quantile (lateness, 0.99), NULL);
}

static void
gst_audio_stream_sink_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (object);

  if (prop_id == PROP_STATS) {
    guint prefill_ms;
    GstStructure *s;

    GST_OBJECT_LOCK (self);
    prefill_ms = self->prefill_ms;
    GST_OBJECT_UNLOCK (self);

    g_mutex_lock (&self->lock);
    s = build_stats (self, prefill_ms, &self->lateness_total, uptime (self),
        self->bytes_sent);
    g_mutex_unlock (&self->lock);
    g_value_take_boxed (value, s);
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_int (value, self->port);
      break;
    case PROP_CHUNK_SAMPLES:
      g_value_set_uint (value, self->chunk_samples);
      break;
    case PROP_PREFILL_MS:
      g_value_set_uint (value, self->prefill_ms);
      break;
    case PROP_RING_BUFFER_MS:
      g_value_set_uint (value, self->ring_buffer_ms);
      break;
    case PROP_DSCP:
      g_value_set_enum (value, self->dscp);
      break;
    case PROP_HIGH_PRIORITY:
      g_value_set_boolean (value, self->high_priority);
      break;
    case PROP_STATS_INTERVAL_MS:
      g_value_set_uint (value, self->stats_interval_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                  */

static void
post_connection (GstAudioStreamSink * self, const gchar * state,
    guint64 attempt, gint64 retry_in_ms, const gchar * remote,
    const gchar * error)
{
  GstStructure *s = gst_structure_new ("audiostreamsink-connection",
      "state", G_TYPE_STRING, state,
      "attempt", G_TYPE_UINT64, attempt,
      "retry-in-ms", G_TYPE_INT64, retry_in_ms,
      "remote", G_TYPE_STRING, remote,
      "error", G_TYPE_STRING, error, NULL);

  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* ------------------------------------------------------------------------ */
/* Network thread                                                            */

static void
net_settings_clear (NetSettings * s)
{
  g_free (s->host);
}

static void
net_settings_copy (GstAudioStreamSink * self, NetSettings * s)
{
  GST_OBJECT_LOCK (self);
  s->host = g_strdup (self->host);
  s->port = self->port;
  s->prefill_ms = self->prefill_ms;
  s->tos = (guint8) self->dscp;
  s->high_priority = self->high_priority;
  s->stats_interval_ms = self->stats_interval_ms;
  GST_OBJECT_UNLOCK (self);
}

static gboolean
is_stopping (GstAudioStreamSink * self)
{
  gboolean stopping;

  g_mutex_lock (&self->lock);
  stopping = self->stopping;
  g_mutex_unlock (&self->lock);
  return stopping;
}

static void
on_client_event (GSocketClient * client, GSocketClientEvent event,
    GSocketConnectable * connectable, GIOStream * connection,
    gpointer user_data)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (user_data);
  guint8 tos = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (client),
          "audiostreamsink-tos"));
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
    GST_WARNING_OBJECT (self, "Could not set traffic class 0x%02x: %s", tos,
        err->message);
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
  str = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (addr));
  g_object_unref (addr);
  return str;
}

static GSocketConnection *
net_connect (GstAudioStreamSink * self, const NetSettings * s,
    GError ** error)
{
  GSocketClient *client = g_socket_client_new ();
  GSocketConnection *conn;
  GSocket *socket;
  GError *err = NULL;

  g_socket_client_set_timeout (client, DEFAULT_CONNECT_TIMEOUT_MS / 1000);
  g_object_set_data (G_OBJECT (client), "audiostreamsink-tos",
      GUINT_TO_POINTER (s->tos));
  g_signal_connect (client, "event", G_CALLBACK (on_client_event), self);

  conn = g_socket_client_connect_to_host (client, s->host, s->port,
      self->cancellable, error);
  g_object_unref (client);
  if (conn == NULL)
    return NULL;

  socket = g_socket_connection_get_socket (conn);
  /* The connect timeout must not turn a slow reader into an error: the
   * pacer tolerates stalls, stop() cancels. */
  g_socket_set_timeout (socket, 0);
  if (!gst_as_socket_set_nodelay (socket, &err)) {
    GST_WARNING_OBJECT (self, "Could not set TCP_NODELAY: %s", err->message);
    g_clear_error (&err);
  }
  return conn;
}

/* Sleeps until @deadline on @clock, or until stop() unschedules the wait.
 * Returns FALSE when the thread must leave. */
static gboolean
wait_until (GstAudioStreamSink * self, GstClock * clock, GstClockID id,
    GstClockTime deadline)
{
  GstClockReturn ret;

  g_mutex_lock (&self->lock);
  if (self->stopping) {
    g_mutex_unlock (&self->lock);
    return FALSE;
  }
  gst_clock_single_shot_id_reinit (clock, id, deadline);
  self->clock_id = id;
  g_mutex_unlock (&self->lock);

  ret = gst_clock_id_wait (id, NULL);

  g_mutex_lock (&self->lock);
  self->clock_id = NULL;
  g_mutex_unlock (&self->lock);

  return ret != GST_CLOCK_UNSCHEDULED && !is_stopping (self);
}

/* Waits until the format is known and enough audio is buffered to start,
 * or EOS came first. Returns FALSE when the thread must leave. */
static gboolean
wait_for_prefill (GstAudioStreamSink * self, const NetSettings * s)
{
  gboolean ok;

  g_mutex_lock (&self->lock);
  while (!self->stopping && !self->eos &&
      (!self->have_format ||
          gst_as_ring_level (&self->ring) < prefill_frames (self,
              s->prefill_ms)))
    g_cond_wait (&self->cond, &self->lock);
  ok = !self->stopping;
  g_mutex_unlock (&self->lock);
  return ok;
}

/* Writes all of @data, unless the connection fails or stop() cancels. */
static gboolean
send_all (GstAudioStreamSink * self, GSocket * socket, const guint8 * data,
    gsize size, GError ** error)
{
  while (size > 0) {
    gssize n = g_socket_send (socket, (const gchar *) data, size,
        self->cancellable, error);

    if (n < 0)
      return FALSE;
    data += n;
    size -= n;
  }
  return TRUE;
}

/* After EOS: let the kernel transmit everything, then send the FIN. */
static void
shutdown_gracefully (GstAudioStreamSink * self, GSocket * socket)
{
  gint fd = g_socket_get_fd (socket);
  gint64 give_up = g_get_monotonic_time () + DRAIN_TIMEOUT / GST_USECOND;
  GError *err = NULL;
  gint unsent = 0;

  while (!is_stopping (self) && g_get_monotonic_time () < give_up) {
    if (ioctl (fd, SIOCOUTQ, &unsent) != 0 || unsent == 0)
      break;
    g_usleep (DRAIN_POLL_INTERVAL_US);
  }
  if (unsent > 0)
    GST_WARNING_OBJECT (self, "%d bytes still unacknowledged at shutdown",
        unsent);

  if (!g_socket_shutdown (socket, FALSE, TRUE, &err)) {
    GST_DEBUG_OBJECT (self, "shutdown: %s", err->message);
    g_clear_error (&err);
  }
}

/* Takes the next chunk out of the ring into @buf, padding with silence if
 * capture ran dry. Returns the frames to send; 0 means EOS is drained. */
static guint
take_chunk (GstAudioStreamSink * self, guint8 * buf, guint chunk,
    gboolean * eos)
{
  guint64 got;
  guint frames = chunk;

  g_mutex_lock (&self->lock);
  got = gst_as_ring_read (&self->ring, buf, chunk);
  *eos = self->eos;
  if (got < chunk) {
    if (self->eos) {
      /* The tail goes out as it is: nothing invented after the end. */
      frames = (guint) got;
    } else {
      memset (buf + got * self->bpf, 0, (chunk - got) * self->bpf);
      self->underruns++;
      self->silence_frames += chunk - got;
    }
  }
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return frames;
}

static gboolean
eos_drained (GstAudioStreamSink * self)
{
  gboolean drained;

  g_mutex_lock (&self->lock);
  drained = self->eos && gst_as_ring_level (&self->ring) == 0;
  g_mutex_unlock (&self->lock);
  return drained;
}

static void
maybe_post_stats (GstAudioStreamSink * self, const NetSettings * s,
    GstClockTime * last_post, guint64 * last_bytes)
{
  GstClockTime now = g_get_monotonic_time () * GST_USECOND;
  GstStructure *st;

  if (s->stats_interval_ms == 0 ||
      now - *last_post < s->stats_interval_ms * GST_MSECOND)
    return;

  g_mutex_lock (&self->lock);
  st = build_stats (self, s->prefill_ms, &self->lateness_interval,
      now - *last_post, self->bytes_sent - *last_bytes);
  *last_bytes = self->bytes_sent;
  gst_as_histogram_reset (&self->lateness_interval);
  g_mutex_unlock (&self->lock);
  *last_post = now;

  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), st));
}

static GstClock *
pick_clock (GstAudioStreamSink * self)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));

  if (clock == NULL)
    clock = gst_object_ref (self->fallback_clock);
  return clock;
}

/* Prefill, then one chunk per deadline until EOS is drained, stop() is
 * called or the connection fails. */
static StreamResult
stream (GstAudioStreamSink * self, const NetSettings * s, GSocket * socket,
    GError ** error)
{
  StreamResult result = STREAM_STOPPED;
  GstClock *clock = NULL;
  GstClockID id = NULL;
  GstAsPacer pacer;
  guint8 *buf = NULL;
  GstClockTime last_post = g_get_monotonic_time () * GST_USECOND;
  guint64 last_bytes;
  guint bpf, chunk;

  if (!wait_for_prefill (self, s))
    return STREAM_STOPPED;

  g_mutex_lock (&self->lock);
  if (!self->have_format) {
    /* EOS before any audio: nothing to send. */
    g_mutex_unlock (&self->lock);
    shutdown_gracefully (self, socket);
    return STREAM_DONE;
  }
  bpf = self->bpf;
  chunk = self->chunk;
  gst_as_pacer_init (&pacer, self->rate, GST_AS_PACER_DEFAULT_CATCHUP_PERCENT);
  last_bytes = self->bytes_sent;
  g_mutex_unlock (&self->lock);

  /* Allocated once per connection; the loop below does not allocate. */
  buf = g_malloc ((gsize) chunk * bpf);
  clock = pick_clock (self);
  id = gst_clock_new_single_shot_id (clock, gst_clock_get_time (clock));
  gst_as_pacer_start (&pacer, gst_clock_get_time (clock));
  GST_INFO_OBJECT (self, "prefill reached, pacing on %" GST_PTR_FORMAT,
      clock);

  for (;;) {
    GstClockTime due = gst_as_pacer_next_send_time (&pacer, chunk);
    GstClockTime now;
    gboolean eos;
    guint frames;

    if (!wait_until (self, clock, id, due))
      break;

    frames = take_chunk (self, buf, chunk, &eos);
    if (frames == 0 && eos) {
      shutdown_gracefully (self, socket);
      result = STREAM_DONE;
      break;
    }

    now = gst_clock_get_time (clock);
    if (!send_all (self, socket, buf, (gsize) frames * bpf, error)) {
      result = g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ?
          STREAM_STOPPED : STREAM_SEND_ERROR;
      break;
    }

    g_mutex_lock (&self->lock);
    self->bytes_sent += (guint64) frames * bpf;
    self->frames_sent += frames;
    gst_as_histogram_add (&self->lateness_total,
        GST_CLOCK_DIFF (due, now) / GST_USECOND);
    gst_as_histogram_add (&self->lateness_interval,
        GST_CLOCK_DIFF (due, now) / GST_USECOND);
    g_mutex_unlock (&self->lock);

    gst_as_pacer_sent (&pacer, frames, now);
    maybe_post_stats (self, s, &last_post, &last_bytes);

    if (eos_drained (self)) {
      shutdown_gracefully (self, socket);
      result = STREAM_DONE;
      break;
    }
  }

  gst_clock_id_unref (id);
  gst_object_unref (clock);
  g_free (buf);
  return result;
}

static void
raise_priority (GstAudioStreamSink * self)
{
  GError *err = NULL;
  gchar *how = NULL;

  if (gst_as_thread_raise_priority (&how, &err)) {
    GST_INFO_OBJECT (self, "network thread priority raised: %s", how);
    g_free (how);
    return;
  }
  GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
      ("Could not raise the network thread's priority; continuing at "
          "normal priority."), ("%s", err->message));
  g_error_free (err);
}

/* Marks the network as failed for good, so render() and EOS stop waiting;
 * done before the error is posted, so an application that sees the error
 * finds the element already refusing data. */
static void
fail (GstAudioStreamSink * self)
{
  g_mutex_lock (&self->lock);
  self->net_failed = TRUE;
  self->connected = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
finish_drain (GstAudioStreamSink * self)
{
  g_mutex_lock (&self->lock);
  self->drained = TRUE;
  self->connected = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* GIO says "Could not connect to HOST: REASON"; the element names the host
 * and port itself, so keep only the reason. */
static const gchar *
connect_failure_reason (const GError * err, const gchar * host)
{
  gchar *prefix = g_strdup_printf ("Could not connect to %s: ", host);
  const gchar *reason = err->message;

  if (g_str_has_prefix (reason, prefix))
    reason += strlen (prefix);
  g_free (prefix);
  return reason;
}

/* One connection: connect, stream until it ends. Returns TRUE when the
 * thread is done (EOS drained or stopped). A reconnect loop goes around
 * this function. */
static gboolean
run_connection (GstAudioStreamSink * self, const NetSettings * s,
    guint64 attempt)
{
  gchar *target = g_strdup_printf ("%s:%d", s->host, s->port);
  GSocketConnection *conn;
  GError *err = NULL;
  StreamResult result;
  const gchar *reason;
  gchar *remote;

  post_connection (self, "connecting", attempt, -1, target, NULL);
  g_mutex_lock (&self->lock);
  self->connect_attempts++;
  g_mutex_unlock (&self->lock);

  conn = net_connect (self, s, &err);
  if (conn == NULL) {
    if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_error_free (err);
      g_free (target);
      return TRUE;
    }
    reason = connect_failure_reason (err, s->host);
    fail (self);
    post_connection (self, "failed", attempt, -1, target, reason);
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Could not connect to %s port %d: %s.", s->host, s->port, reason),
        ("connect to host '%s' port %d failed: %s", s->host, s->port,
            err->message));
    g_error_free (err);
    g_free (target);
    return TRUE;
  }

  remote = describe_remote (conn);
  GST_INFO_OBJECT (self, "connected to %s (%s)", target, remote);
  g_mutex_lock (&self->lock);
  self->connected = TRUE;
  g_mutex_unlock (&self->lock);
  post_connection (self, "connected", attempt, -1, remote, NULL);

  result = stream (self, s, g_socket_connection_get_socket (conn), &err);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_object_unref (conn);

  switch (result) {
    case STREAM_DONE:
      post_connection (self, "disconnected", attempt, -1, remote, NULL);
      finish_drain (self);
      break;
    case STREAM_STOPPED:
      g_mutex_lock (&self->lock);
      self->connected = FALSE;
      g_mutex_unlock (&self->lock);
      break;
    case STREAM_SEND_ERROR:
      fail (self);
      post_connection (self, "failed", attempt, -1, remote, err->message);
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
          ("Connection to %s failed: %s", target, err->message),
          ("send to %s (%s) failed: %s", target, remote, err->message));
      break;
  }

  g_clear_error (&err);
  g_free (remote);
  g_free (target);
  return TRUE;
}

static gpointer
net_thread_func (gpointer user_data)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (user_data);
  NetSettings s = { 0 };
  guint64 attempt = 1;

  net_settings_copy (self, &s);
  if (s.high_priority)
    raise_priority (self);

  while (!run_connection (self, &s, attempt))
    attempt++;

  net_settings_clear (&s);
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* GstBaseSink                                                               */

static gboolean
gst_audio_stream_sink_start (GstBaseSink * bsink)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);
  GError *err = NULL;
  gboolean have_host;

  GST_OBJECT_LOCK (self);
  have_host = self->host != NULL && self->host[0] != '\0';
  GST_OBJECT_UNLOCK (self);
  if (!have_host)
    goto no_host;

  g_mutex_lock (&self->lock);
  gst_as_ring_reset (&self->ring);
  self->have_format = FALSE;
  self->live_known = FALSE;
  self->upstream_live = FALSE;
  self->flushing = FALSE;
  self->stopping = FALSE;
  self->eos = FALSE;
  self->drained = FALSE;
  self->net_failed = FALSE;
  self->connected = FALSE;
  self->bytes_sent = self->frames_sent = 0;
  self->underruns = self->silence_frames = 0;
  self->reconnects = self->connect_attempts = 0;
  gst_as_histogram_reset (&self->lateness_total);
  gst_as_histogram_reset (&self->lateness_interval);
  self->started = g_get_monotonic_time () * GST_USECOND;
  self->stopped = GST_CLOCK_TIME_NONE;
  g_mutex_unlock (&self->lock);

  self->cancellable = g_cancellable_new ();
  self->fallback_clock = g_object_new (GST_TYPE_SYSTEM_CLOCK,
      "clock-type", GST_CLOCK_TYPE_MONOTONIC, NULL);
  gst_object_ref_sink (self->fallback_clock);

  self->thread = g_thread_try_new ("audiostreamsink", net_thread_func, self,
      &err);
  if (self->thread == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Could not start the network thread."), ("%s", err->message));
    g_error_free (err);
    g_clear_object (&self->cancellable);
    gst_clear_object (&self->fallback_clock);
    return FALSE;
  }
  return TRUE;

no_host:
  GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
      ("No host to send to: set the host property."), (NULL));
  return FALSE;
}

static gboolean
gst_audio_stream_sink_stop (GstBaseSink * bsink)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  if (self->clock_id)
    gst_clock_id_unschedule (self->clock_id);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  if (self->thread) {
    g_thread_join (self->thread);
    self->thread = NULL;
  }
  g_clear_object (&self->cancellable);
  gst_clear_object (&self->fallback_clock);

  g_mutex_lock (&self->lock);
  self->connected = FALSE;
  self->stopped = g_get_monotonic_time () * GST_USECOND;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
gst_audio_stream_sink_unlock (GstBaseSink * bsink)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);

  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
gst_audio_stream_sink_unlock_stop (GstBaseSink * bsink)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);

  g_mutex_lock (&self->lock);
  self->flushing = FALSE;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* A chunk must leave room in the ring for capture to continue while it is
 * sent: at most half the ring. */
static guint
fit_chunk (GstAudioStreamSink * self, guint chunk_samples, guint64 capacity)
{
  guint64 max_chunk = MAX (capacity / 2, 1);

  if (chunk_samples <= max_chunk)
    return chunk_samples;

  GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
      ("chunk-samples (%u) is more than half of ring-buffer-ms (%"
          G_GUINT64_FORMAT " frames); sending chunks of %" G_GUINT64_FORMAT
          " frames instead.", chunk_samples, capacity, max_chunk), (NULL));
  return (guint) max_chunk;
}

static gboolean
gst_audio_stream_sink_set_caps (GstBaseSink * bsink, GstCaps * caps)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);
  GstAudioInfo info;
  guint ring_ms, chunk_samples, chunk;
  guint64 capacity;

  if (!gst_audio_info_from_caps (&info, caps))
    goto invalid_caps;

  GST_OBJECT_LOCK (self);
  ring_ms = self->ring_buffer_ms;
  chunk_samples = self->chunk_samples;
  GST_OBJECT_UNLOCK (self);
  capacity = gst_util_uint64_scale_int (ring_ms, GST_AUDIO_INFO_RATE (&info),
      1000);
  chunk = fit_chunk (self, chunk_samples, capacity);

  g_mutex_lock (&self->lock);
  if (self->have_format) {
    if (self->rate == GST_AUDIO_INFO_RATE (&info) &&
        self->bpf == (guint) GST_AUDIO_INFO_BPF (&info)) {
      g_mutex_unlock (&self->lock);
      return TRUE;
    }
    if (self->ring.write_pos > 0)
      goto format_change;
  }
  gst_as_ring_clear (&self->ring);
  gst_as_ring_init (&self->ring, GST_AUDIO_INFO_BPF (&info), capacity);
  self->rate = GST_AUDIO_INFO_RATE (&info);
  self->bpf = GST_AUDIO_INFO_BPF (&info);
  self->chunk = chunk;
  self->have_format = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  GST_INFO_OBJECT (self, "%d Hz, %d channels, ring %" G_GUINT64_FORMAT
      " frames", GST_AUDIO_INFO_RATE (&info), GST_AUDIO_INFO_CHANNELS (&info),
      capacity);
  return TRUE;

invalid_caps:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Could not parse the audio format."), ("caps: %" GST_PTR_FORMAT, caps));
  return FALSE;

format_change:
  {
    gint old_rate = self->rate;
    guint old_bpf = self->bpf;

    g_mutex_unlock (&self->lock);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("The audio format cannot change mid-stream: the raw PCM on the wire "
            "has no header to tell the receiver (was %d Hz, %u bytes per "
            "frame; now %d Hz, %d bytes per frame).", old_rate, old_bpf,
            GST_AUDIO_INFO_RATE (&info), GST_AUDIO_INFO_BPF (&info)),
        ("new caps: %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
}

/* Blocks until the network thread has sent everything and shut the
 * connection down, or there is no point waiting any more. */
static void
wait_drained (GstAudioStreamSink * self)
{
  g_mutex_lock (&self->lock);
  self->eos = TRUE;
  g_cond_broadcast (&self->cond);
  while (!self->drained && !self->flushing && !self->net_failed &&
      !self->stopping)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
}

static gboolean
gst_audio_stream_sink_event (GstBaseSink * bsink, GstEvent * event)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      GST_DEBUG_OBJECT (self, "EOS: draining");
      wait_drained (self);
      GST_DEBUG_OBJECT (self, "EOS: drained");
      break;
    case GST_EVENT_FLUSH_STOP:
      /* Flushing seek: what was buffered belongs to the old position. */
      g_mutex_lock (&self->lock);
      self->ring.read_pos = self->ring.write_pos;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}

static void
detect_upstream_live (GstAudioStreamSink * self)
{
  gboolean upstream_live = FALSE;

  if (!gst_base_sink_query_latency (GST_BASE_SINK (self), NULL,
          &upstream_live, NULL, NULL))
    upstream_live = FALSE;

  GST_INFO_OBJECT (self, "upstream is %s: %s when the ring is full",
      upstream_live ? "live" : "not live",
      upstream_live ? "drop the oldest audio" : "wait");
  g_mutex_lock (&self->lock);
  self->upstream_live = upstream_live;
  self->live_known = TRUE;
  g_mutex_unlock (&self->lock);
}

/* called with self->lock held; waits for room instead of dropping */
static GstFlowReturn
write_blocking (GstAudioStreamSink * self, const guint8 * data,
    guint64 frames)
{
  while (frames > 0) {
    guint64 n = gst_as_ring_write (&self->ring, data, frames);

    if (n > 0) {
      g_cond_broadcast (&self->cond);
      data += n * self->bpf;
      frames -= n;
      continue;
    }
    if (self->flushing)
      return GST_FLOW_FLUSHING;
    if (self->net_failed)
      return GST_FLOW_ERROR;
    g_cond_wait (&self->cond, &self->lock);
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_audio_stream_sink_render (GstBaseSink * bsink, GstBuffer * buffer)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);
  GstFlowReturn ret = GST_FLOW_OK;
  GstMapInfo map;
  guint64 frames;
  gboolean live_known;

  g_mutex_lock (&self->lock);
  live_known = self->live_known;
  g_mutex_unlock (&self->lock);
  if (G_UNLIKELY (!live_known))
    detect_upstream_live (self);

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    goto map_failed;

  g_mutex_lock (&self->lock);
  if (G_UNLIKELY (!self->have_format))
    goto not_negotiated;
  if (G_UNLIKELY (self->net_failed))
    goto net_failed;

  frames = map.size / self->bpf;
  if (self->upstream_live) {
    guint64 lost = gst_as_ring_write_overwrite (&self->ring, map.data,
        frames);

    if (lost > 0)
      GST_DEBUG_OBJECT (self, "ring full: dropped %" G_GUINT64_FORMAT
          " oldest frames", lost);
    g_cond_broadcast (&self->cond);
  } else {
    ret = write_blocking (self, map.data, frames);
  }
  g_mutex_unlock (&self->lock);

  gst_buffer_unmap (buffer, &map);
  return ret;

map_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Could not read the buffer."),
      (NULL));
  return GST_FLOW_ERROR;

not_negotiated:
  g_mutex_unlock (&self->lock);
  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_NOT_NEGOTIATED;

net_failed:
  g_mutex_unlock (&self->lock);
  gst_buffer_unmap (buffer, &map);
  return GST_FLOW_ERROR;
}
