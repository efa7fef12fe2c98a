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
 * Sends raw interleaved PCM (S16LE, S24LE packed in 3 bytes, S32LE or F32LE)
 * to a TCP server at a constant bitrate paced by the clock. The bytes on the
 * wire are the samples exactly as they arrive, with no header, so any
 * raw-PCM receiver works: `audiostreamsrc`, Snapcast's `snapserver` with a
 * `tcp://` stream source (`sampleformat` 16, 24 or 32 bits),
 * `tcpserversrc ! rawaudioparse`, `nc -l`. Silence sent for a dry capture
 * is zero bytes, which is silence in every one of these formats.
 *
 * `render()` only copies audio into a ring buffer of `ring-buffer-ms`; it never
 * waits on the network. One sending thread per process, shared by every
 * audiostreamsink, owns the sockets: it connects in the background (state
 * changes never wait for it), waits until `prefill-ms` of audio is
 * buffered, then sends `chunk-samples` frames per deadline, every chunk
 * due within 1 ms going out in one wake-up. Deadlines are
 * computed from a frame counter against the pipeline clock (for a live
 * capture source, the device's clock), or CLOCK_MONOTONIC when there is none,
 * so timing error never accumulates. TCP_NODELAY is set and packets are
 * marked with the `dscp` traffic class.
 *
 * With `max-lag-ms`, a live stream returns to live after an outage: once
 * the backlog exceeds its buffer target (`prefill-ms`, or the adaptive
 * target) by more than `max-lag-ms`, the whole excess is dropped, oldest
 * first, counted in `lag-dropped-samples` and posted as
 * `audiostreamsink-lag-drop`. The default, 0, keeps everything: a receiver
 * that reads at exactly real time (snapserver) then keeps the delay that an
 * outage added.
 *
 * When the ring is full, a live upstream (a capture device) loses its oldest
 * audio, counted in the `overflows` and `dropped-samples` statistics, and is
 * never blocked; a non-live upstream (a file) is blocked instead, so a file
 * streams at real time and nothing is dropped. While the connection is down,
 * that hold lasts at most `send-timeout-ms`: a blocked upstream would also
 * block an application's EOS (Ctrl-C with `gst-launch-1.0 -e`). After it,
 * the upstream is kept at real time and the ring keeps the newest audio,
 * the rest counted as dropped, until the connection is back.
 *
 * If the sender falls behind its schedule, the backlog goes out faster than
 * real time, at most 1.5×, until it is back on schedule. If a live capture
 * runs dry, silence keeps the bitrate constant, counted in `underruns` and
 * `silence-samples`; a file is never padded.
 *
 * With `auto-reconnect` (the default), a refused connection, a reset, a peer
 * that closes, or one that accepts nothing for `send-timeout-ms` (a stalled
 * or half-open peer; TCP keepalive and TCP_USER_TIMEOUT are set too) leads to
 * a new attempt after an exponential backoff with ±20 % jitter, from
 * `reconnect-min-ms` doubling up to `reconnect-max-ms`; a connection that
 * held for `reconnect-min-ms` resets the backoff. Capture keeps flowing into
 * the ring meanwhile. On the new connection, whatever the old peer did not
 * acknowledge (TCP_INFO) is sent again from the frame it ends in, then the
 * backlog, at the catch-up rate: an outage shorter than the ring's spare
 * capacity loses and repeats nothing. Each failure posts a WARNING naming the
 * receiver (at most one a second); `max-reconnect-attempts` turns a long
 * run of failures into an error. Without `auto-reconnect`, the first failure
 * is an error that names the receiver.
 *
 * `socket-path` streams to a Unix domain socket instead, with the same
 * buffering and reconnection; what a dying reader had not read yet is lost
 * with it (the kernel gives no acknowledgement to resend from).
 *
 * With `tls=true` the stream is encrypted (GIO TLS) and the receiver's
 * certificate is checked against `tls-ca-file` (else the system's trust
 * store) for `tls-server-name` (else `host`); `tls-certificate-file` and
 * `tls-key-file` give a client certificate for a receiver that requires
 * one. The handshake is part of connecting, bounded by `send-timeout-ms`.
 * A receiver that cannot be trusted (expired, unknown CA, name mismatch),
 * refuses the client certificate, or does not speak TLS is one ERROR that
 * names it and the reason, never retried and never answered with clear
 * text. Reconnects resume the session when the receiver issues tickets, and
 * the resend after an outage counts whole TLS records as acknowledged.
 *
 * The element is also a URI handler: `tcp://HOST:PORT`, `tls://HOST:PORT`
 * and `unix:///PATH`, with properties in the query
 * (`tls://host:4953?tls-ca-file=/etc/audio/ca.pem`).
 *
 * ## Messages
 *
 * `audiostreamsink-connection` on each change of connection state: `state`
 * (connecting, connected, disconnected, waiting, failed), `attempt`,
 * `retry-in-ms`, `remote` (the peer's address once connected, else the
 * target), `error`.
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
 *
 * |[
 * gst-launch-1.0 pulsesrc ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! audiostreamsink socket-path=/run/snapserver/pcm.sock reconnect-max-ms=10000
 * ]| Streams a microphone to a local Unix socket, retrying at least every 10 s
 * while the reader is away.
 *
 * |[
 * gst-launch-1.0 pulsesrc ! audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! audiostreamsink host=receiver.home.arpa port=4953 tls=true tls-ca-file=ca.pem
 * ]| Streams a microphone over TLS to an `audiostreamsrc` serving a
 * certificate from ca.pem (docs/guide-audiostreamsink.md shows how to make
 * them).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaudiostreamsink.h"

#include <gst/audio/audio.h>

#include "audiostream/netsender.h"
#include "audiostream/sockopts.h"
#include "audiostream/asuri.h"

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
/* what loopback=true makes the defaults, as in the seed application */
#define LOOPBACK_RING_BUFFER_MS 8000
#define LOOPBACK_MIN_BUFFER_MS 4000
#define LOOPBACK_MAX_BUFFER_MS 12000

#define MIN_CHUNK_SAMPLES 16
#define MAX_CHUNK_SAMPLES 65536
#define MAX_BUFFER_MS 600000

#define SINK_CAPS \
  "audio/x-raw, format = (string) { S16LE, S24LE, S32LE, F32LE }, " \
  "layout = (string) interleaved, " \
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
  PROP_STATS,
  PROP_MAX_LAG_MS,
  PROP_TLS,
  PROP_TLS_CA_FILE,
  PROP_TLS_CERTIFICATE_FILE,
  PROP_TLS_KEY_FILE,
  PROP_TLS_SERVER_NAME,
  PROP_TLS_VALIDATION_FLAGS,
};

/* Threads: the streaming thread (render(), set_caps(), events), the
 * network thread (the process's scheduler thread, which runs this
 * element's GstAsNetSender and its GstAsSender; connect and the EOS drain
 * on a shared pool), and application threads (properties, state changes).
 *
 * Lock order: GST_OBJECT_LOCK, then net.lock, then the sender's
 * stats_lock; front.lock is a leaf (sinkfront.h). The only nesting is
 * net.lock around gst_as_sender_get_stats() in get_property(). No lock is
 * held across I/O, a clock wait or a callback.
 *
 * Why render() never waits on the network, step by step:
 * - gst_element_get_clock() (arrival_time_us()) takes GST_OBJECT_LOCK
 *   for a reference; the network thread takes that lock only in
 *   is_playing(), for two loads.
 * - the live, configured and failed flags, the published capture jitter
 *   and the connection state are atomics; the capture jitter's state is
 *   render()'s own.
 * - the ring is lock-free (framering.h). After a write,
 *   gst_as_sink_front_render() takes front.lock only if the network thread
 *   is asleep on front.cond (waiting for audio), which it left unlocked.
 * - a non-live render() that finds the ring full sleeps on front.cond
 *   under front.lock (gst_as_net_sender_write()); the network thread takes
 *   front.lock only to sleep on that condition itself or to broadcast it
 *   (a read with a waiter, a connection change): a few loads and stores.
 * - net.lock and the sender's stats_lock are never taken by render(). */
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
  gchar *socket_path;
  gboolean auto_reconnect;
  guint reconnect_min_ms;
  guint reconnect_max_ms;
  guint max_reconnect_attempts;
  guint send_timeout_ms;
  gboolean adaptive_buffer;
  guint min_buffer_ms;
  guint max_buffer_ms;
  gboolean loopback;
  guint max_lag_ms;
  gboolean tls;
  gchar *tls_ca_file;
  gchar *tls_certificate_file;
  gchar *tls_key_file;
  gchar *tls_server_name;
  GTlsCertificateFlags tls_validation_flags;
  /* set explicitly, so loopback does not change them */
  gboolean ring_buffer_ms_set;
  gboolean min_buffer_ms_set;
  gboolean max_buffer_ms_set;

  /* the ring, live detection, unlock, EOS drain, failure, the worker */
  GstAsSinkFront front;
  /* the network thread and the hold of a non-live upstream */
  GstAsNetSender net;

  /* the network thread's TLS settings, loaded by start(), kept until the
   * next start() or finalize (the thread is joined by stop()) */
  GstAsTlsClient *tls_client;

  /* streaming thread only */
  GstCaps *refused_caps;        /* posted as an error already */
  GstAudioFormat format;        /* of the configured caps */
  guint chunk;                  /* frames per send, as fitted */
  guint64 prefill_frames;       /* as fitted, then to upstream's buffers */
  guint64 largest_buffer;       /* frames, of a live upstream */
  guint prefill_start_ms;       /* prefill-ms, copied at start() */
  gboolean prefill_warned;
  GstAsCaptureJitter capture_jitter;

  /* under the object lock */
  GstClockTime started;         /* monotonic, when start() ran */
  GstClockTime stopped;         /* monotonic, when stop() ran */
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

static void gst_audio_stream_sink_uri_handler_init (gpointer g_iface,
    gpointer iface_data);

#define gst_audio_stream_sink_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstAudioStreamSink, gst_audio_stream_sink,
    GST_TYPE_BASE_SINK, G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
        gst_audio_stream_sink_uri_handler_init));

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

static void gst_audio_stream_sink_dispose (GObject * object);
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

  gobject_class->dispose = gst_audio_stream_sink_dispose;
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
          "Raise the scheduling priority (SCHED_FIFO, else nice -10) of the "
          "process's one sending thread, which paces every audiostreamsink "
          "of the process; it keeps the raised priority for the life of the "
          "process. If the system refuses, warn once and carry on",
          DEFAULT_HIGH_PRIORITY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STATS_INTERVAL_MS,
      g_param_spec_uint ("stats-interval-ms", "Stats interval",
          "Post an audiostreamsink-stats element message this often, in ms "
          "(0 = never)", 0, 3600000, DEFAULT_STATS_INTERVAL_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_SOCKET_PATH,
      g_param_spec_string ("socket-path", "Socket path",
          "Stream to this Unix domain socket instead of host and port "
          "(NULL = use TCP)", DEFAULT_SOCKET_PATH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_AUTO_RECONNECT,
      g_param_spec_boolean ("auto-reconnect", "Auto reconnect",
          "After a failed connection attempt or a lost connection, retry with "
          "exponential backoff and jitter, resending what the receiver did "
          "not acknowledge; if false, the first failure is an error",
          DEFAULT_AUTO_RECONNECT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_RECONNECT_MIN_MS,
      g_param_spec_uint ("reconnect-min-ms", "Reconnect min",
          "First wait before reconnecting, in ms; it doubles after each "
          "failure up to reconnect-max-ms, each wait randomised by +/-20 %",
          1, 3600000, DEFAULT_RECONNECT_MIN_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_RECONNECT_MAX_MS,
      g_param_spec_uint ("reconnect-max-ms", "Reconnect max",
          "Longest wait between reconnection attempts, in ms", 1, 3600000,
          DEFAULT_RECONNECT_MAX_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class,
      PROP_MAX_RECONNECT_ATTEMPTS,
      g_param_spec_uint ("max-reconnect-attempts", "Max reconnect attempts",
          "Consecutive failed attempts before giving up with an error "
          "(0 = retry forever)", 0, G_MAXUINT, DEFAULT_MAX_RECONNECT_ATTEMPTS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_SEND_TIMEOUT_MS,
      g_param_spec_uint ("send-timeout-ms", "Send timeout",
          "A receiver that accepts nothing for this long, in ms, counts as "
          "gone (also TCP_USER_TIMEOUT and the keepalive that detects "
          "half-open connections)", 100, 600000, DEFAULT_SEND_TIMEOUT_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_ADAPTIVE_BUFFER,
      g_param_spec_boolean ("adaptive-buffer", "Adaptive buffer",
          "Let the buffer target (prefill-ms at first) follow the measured "
          "jitter between min-buffer-ms and max-buffer-ms, rising fast and "
          "falling slowly; the level moves to it by sending up to 5 % slower "
          "or faster, never by dropping or inventing audio",
          DEFAULT_ADAPTIVE_BUFFER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MIN_BUFFER_MS,
      g_param_spec_uint ("min-buffer-ms", "Min buffer",
          "Lowest buffer target of the adaptive buffer, in ms (default 4000 "
          "with loopback=true)", 0, MAX_BUFFER_MS, DEFAULT_MIN_BUFFER_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MAX_BUFFER_MS,
      g_param_spec_uint ("max-buffer-ms", "Max buffer",
          "Highest buffer target of the adaptive buffer, in ms, at most "
          "ring-buffer-ms minus one chunk (default 12000 with loopback=true)",
          0, MAX_BUFFER_MS, DEFAULT_MAX_BUFFER_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LOOPBACK,
      g_param_spec_boolean ("loopback", "Loopback",
          "The source captures what the machine plays (a monitor source): "
          "switches the defaults of ring-buffer-ms, min-buffer-ms and "
          "max-buffer-ms to 8000, 4000 and 12000 (values set explicitly "
          "stay)", DEFAULT_LOOPBACK,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MAX_LAG_MS,
      g_param_spec_uint ("max-lag-ms", "Max lag",
          "Most delay, in ms, that an outage or a slow link may add to a live "
          "stream beyond its buffer target (prefill-ms, or the adaptive "
          "target); past it, the whole backlog beyond the target is dropped, "
          "oldest first, counted in lag-dropped-samples and posted as "
          "audiostreamsink-lag-drop, so the stream is back at its target "
          "delay. 0 = keep everything and catch up at up to 1.5x real time "
          "(a receiver that reads at real time keeps the delay). A non-live "
          "upstream is never dropped", 0, MAX_BUFFER_MS, DEFAULT_MAX_LAG_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "audiostreamsink-stats structure: uptime-ms, bytes-sent, "
          "samples-sent, bitrate-kbps (since start), buffer-level-ms, "
          "buffer-target-ms, buffer-capacity-ms, underruns, silence-samples, "
          "overflows, dropped-samples, lost-samples, lag-dropped-samples, "
          "reconnects, connect-attempts, connected, lag-ms, "
          "pacing-error-p99-us (since start)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_property (gobject_class, PROP_TLS,
      g_param_spec_boolean ("tls", "TLS",
          "Encrypt the stream with TLS and check the receiver's certificate; "
          "a receiver that cannot be trusted or does not speak TLS is a "
          "fatal error, never clear text", DEFAULT_TLS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_TLS_CA_FILE,
      g_param_spec_string ("tls-ca-file", "TLS CA file",
          "PEM file of the CA certificates the receiver's certificate must "
          "chain to (NULL = the system's trust store)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class,
      PROP_TLS_CERTIFICATE_FILE, g_param_spec_string ("tls-certificate-file",
          "TLS certificate file",
          "PEM file of the client certificate to present, for a receiver "
          "that requires one (NULL = none)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_TLS_KEY_FILE,
      g_param_spec_string ("tls-key-file", "TLS key file",
          "PEM file of the client certificate's private key (NULL = in "
          "tls-certificate-file)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_TLS_SERVER_NAME,
      g_param_spec_string ("tls-server-name", "TLS server name",
          "Name the receiver's certificate must carry, also sent as SNI "
          "(NULL = host)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class,
      PROP_TLS_VALIDATION_FLAGS, g_param_spec_flags ("tls-validation-flags",
          "TLS validation flags",
          "Checks of the receiver's certificate that must pass (default: "
          "all); leaving one out accepts that failure",
          G_TYPE_TLS_CERTIFICATE_FLAGS, DEFAULT_TLS_VALIDATION_FLAGS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "Audio stream sink", "Sink/Network/Audio",
      "Sends raw PCM (S16LE, S24LE, S32LE, F32LE) to a TCP server at a "
      "constant, clock-paced bitrate, buffered so the network never blocks "
      "capture",
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

/* ------------------------------------------------------------------------ */
/* What the element does for its network thread                             */

static void
post_element_message (gpointer user_data, GstStructure * s)
{
  GstAudioStreamSink *self = user_data;

  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
tell_person (gpointer user_data, GstMessageType type, const gchar * text,
    const gchar * debug)
{
  GstAudioStreamSink *self = user_data;

  if (type == GST_MESSAGE_ERROR)
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("%s", text), ("%s",
            debug));
  else if (type == GST_MESSAGE_WARNING)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE, ("%s", text), ("%s", debug));
  else
    GST_ELEMENT_INFO (self, RESOURCE, READ, ("%s", text), ("%s", debug));
}

static gboolean
is_playing (gpointer user_data)
{
  GstAudioStreamSink *self = user_data;
  gboolean playing;

  GST_OBJECT_LOCK (self);
  playing = GST_STATE (self) == GST_STATE_PLAYING &&
      GST_STATE_PENDING (self) == GST_STATE_VOID_PENDING;
  GST_OBJECT_UNLOCK (self);
  return playing;
}

static GstClock *
get_clock (gpointer user_data)
{
  return gst_element_get_clock (GST_ELEMENT (user_data));
}

static void
ref_self (gpointer user_data)
{
  gst_object_ref (user_data);
}

static void
unref_self (gpointer user_data)
{
  gst_object_unref (user_data);
}

static const GstAsNetSenderHost net_host = {
  post_element_message, tell_person, is_playing, get_clock, ref_self,
  unref_self,
};

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
  self->socket_path = g_strdup (DEFAULT_SOCKET_PATH);
  self->auto_reconnect = DEFAULT_AUTO_RECONNECT;
  self->reconnect_min_ms = DEFAULT_RECONNECT_MIN_MS;
  self->reconnect_max_ms = DEFAULT_RECONNECT_MAX_MS;
  self->max_reconnect_attempts = DEFAULT_MAX_RECONNECT_ATTEMPTS;
  self->send_timeout_ms = DEFAULT_SEND_TIMEOUT_MS;
  self->adaptive_buffer = DEFAULT_ADAPTIVE_BUFFER;
  self->min_buffer_ms = DEFAULT_MIN_BUFFER_MS;
  self->max_buffer_ms = DEFAULT_MAX_BUFFER_MS;
  self->loopback = DEFAULT_LOOPBACK;
  self->max_lag_ms = DEFAULT_MAX_LAG_MS;
  self->tls = DEFAULT_TLS;
  self->tls_validation_flags = DEFAULT_TLS_VALIDATION_FLAGS;

  gst_as_sink_front_init (&self->front, GST_BASE_SINK (self),
      gst_as_net_sender_wake, &self->net);
  gst_as_net_sender_init (&self->net, &self->front, &net_host, self);
  self->started = self->stopped = GST_CLOCK_TIME_NONE;

  /* The schedule, not buffer timestamps, decides when audio goes out. */
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
}

/* An application that drops a pipeline without setting it to NULL never
 * calls stop(): leave the scheduler here, so that nothing runs for this
 * element once it is gone. */
static void
gst_audio_stream_sink_dispose (GObject * object)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (object);

  gst_as_net_sender_stop (&self->net);
  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_audio_stream_sink_finalize (GObject * object)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (object);

  g_free (self->host);
  g_free (self->socket_path);
  g_free (self->tls_ca_file);
  g_free (self->tls_certificate_file);
  g_free (self->tls_key_file);
  g_free (self->tls_server_name);
  gst_as_tls_client_unref (self->tls_client);
  gst_as_net_sender_clear (&self->net);
  gst_as_sink_front_clear (&self->front);
  gst_caps_replace (&self->refused_caps, NULL);

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
      self->ring_buffer_ms_set = TRUE;
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
    case PROP_SOCKET_PATH:
      /* "" (as gst-launch-1.0 can only say it) means no socket path */
      g_free (self->socket_path);
      self->socket_path = g_value_dup_string (value);
      if (self->socket_path && self->socket_path[0] == '\0')
        g_clear_pointer (&self->socket_path, g_free);
      break;
    case PROP_AUTO_RECONNECT:
      self->auto_reconnect = g_value_get_boolean (value);
      break;
    case PROP_RECONNECT_MIN_MS:
      self->reconnect_min_ms = g_value_get_uint (value);
      break;
    case PROP_RECONNECT_MAX_MS:
      self->reconnect_max_ms = g_value_get_uint (value);
      break;
    case PROP_MAX_RECONNECT_ATTEMPTS:
      self->max_reconnect_attempts = g_value_get_uint (value);
      break;
    case PROP_SEND_TIMEOUT_MS:
      self->send_timeout_ms = g_value_get_uint (value);
      break;
    case PROP_ADAPTIVE_BUFFER:
      self->adaptive_buffer = g_value_get_boolean (value);
      break;
    case PROP_MIN_BUFFER_MS:
      self->min_buffer_ms = g_value_get_uint (value);
      self->min_buffer_ms_set = TRUE;
      break;
    case PROP_MAX_BUFFER_MS:
      self->max_buffer_ms = g_value_get_uint (value);
      self->max_buffer_ms_set = TRUE;
      break;
    case PROP_LOOPBACK:
      self->loopback = g_value_get_boolean (value);
      break;
    case PROP_MAX_LAG_MS:
      self->max_lag_ms = g_value_get_uint (value);
      break;
    case PROP_TLS:
      self->tls = g_value_get_boolean (value);
      break;
    case PROP_TLS_CA_FILE:
      g_free (self->tls_ca_file);
      self->tls_ca_file = g_value_dup_string (value);
      break;
    case PROP_TLS_CERTIFICATE_FILE:
      g_free (self->tls_certificate_file);
      self->tls_certificate_file = g_value_dup_string (value);
      break;
    case PROP_TLS_KEY_FILE:
      g_free (self->tls_key_file);
      self->tls_key_file = g_value_dup_string (value);
      break;
    case PROP_TLS_SERVER_NAME:
      g_free (self->tls_server_name);
      self->tls_server_name = g_value_dup_string (value);
      break;
    case PROP_TLS_VALIDATION_FLAGS:
      self->tls_validation_flags = g_value_get_flags (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* loopback=true changes the defaults of these three, not values the user
 * set. called with the object lock held */
static guint
effective_ring_buffer_ms (GstAudioStreamSink * self)
{
  if (self->loopback && !self->ring_buffer_ms_set)
    return LOOPBACK_RING_BUFFER_MS;
  return self->ring_buffer_ms;
}

static guint
effective_min_buffer_ms (GstAudioStreamSink * self)
{
  if (self->loopback && !self->min_buffer_ms_set)
    return LOOPBACK_MIN_BUFFER_MS;
  return self->min_buffer_ms;
}

static guint
effective_max_buffer_ms (GstAudioStreamSink * self)
{
  if (self->loopback && !self->max_buffer_ms_set)
    return LOOPBACK_MAX_BUFFER_MS;
  return self->max_buffer_ms;
}

/* The stats property: totals since start, from the sender's snapshot. */
static GstStructure *
build_stats (GstAudioStreamSink * self)
{
  GstAsSenderStats st;
  GstAsSenderInput in = { 0 };
  GstClockTime up = 0, end;
  gdouble kbps = 0.0;

  gst_as_net_sender_get_stats (&self->net, &st, &in);
  GST_OBJECT_LOCK (self);
  end = self->stopped;
  if (!GST_CLOCK_TIME_IS_VALID (end))
    end = g_get_monotonic_time () * GST_USECOND;
  if (GST_CLOCK_TIME_IS_VALID (self->started))
    up = end - self->started;
  GST_OBJECT_UNLOCK (self);

  if (up > 0)
    kbps = st.frames_sent * st.bpf * 8.0 / 1000.0 / ((gdouble) up /
        GST_SECOND);
  return gst_as_sender_stats_structure (&st, &in, up, kbps,
      st.pacing_p99_us);
}

static void
gst_audio_stream_sink_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, build_stats (self));
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
      g_value_set_uint (value, effective_ring_buffer_ms (self));
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
    case PROP_SOCKET_PATH:
      g_value_set_string (value, self->socket_path);
      break;
    case PROP_AUTO_RECONNECT:
      g_value_set_boolean (value, self->auto_reconnect);
      break;
    case PROP_RECONNECT_MIN_MS:
      g_value_set_uint (value, self->reconnect_min_ms);
      break;
    case PROP_RECONNECT_MAX_MS:
      g_value_set_uint (value, self->reconnect_max_ms);
      break;
    case PROP_MAX_RECONNECT_ATTEMPTS:
      g_value_set_uint (value, self->max_reconnect_attempts);
      break;
    case PROP_SEND_TIMEOUT_MS:
      g_value_set_uint (value, self->send_timeout_ms);
      break;
    case PROP_ADAPTIVE_BUFFER:
      g_value_set_boolean (value, self->adaptive_buffer);
      break;
    case PROP_MIN_BUFFER_MS:
      g_value_set_uint (value, effective_min_buffer_ms (self));
      break;
    case PROP_MAX_BUFFER_MS:
      g_value_set_uint (value, effective_max_buffer_ms (self));
      break;
    case PROP_LOOPBACK:
      g_value_set_boolean (value, self->loopback);
      break;
    case PROP_MAX_LAG_MS:
      g_value_set_uint (value, self->max_lag_ms);
      break;
    case PROP_TLS:
      g_value_set_boolean (value, self->tls);
      break;
    case PROP_TLS_CA_FILE:
      g_value_set_string (value, self->tls_ca_file);
      break;
    case PROP_TLS_CERTIFICATE_FILE:
      g_value_set_string (value, self->tls_certificate_file);
      break;
    case PROP_TLS_KEY_FILE:
      g_value_set_string (value, self->tls_key_file);
      break;
    case PROP_TLS_SERVER_NAME:
      g_value_set_string (value, self->tls_server_name);
      break;
    case PROP_TLS_VALIDATION_FLAGS:
      g_value_set_flags (value, self->tls_validation_flags);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------ */
/* GstBaseSink                                                               */

/* The TLS settings for the network thread, loaded now so that a missing
 * file is one error at start, not one per reconnect. */
static gboolean
load_tls (GstAudioStreamSink * self)
{
  GstAsTlsClient *client = NULL;
  gchar *ca, *cert, *key, *name;
  GTlsCertificateFlags flags;
  gboolean tls;
  GError *err = NULL;

  GST_OBJECT_LOCK (self);
  tls = self->tls;
  ca = g_strdup (self->tls_ca_file);
  cert = g_strdup (self->tls_certificate_file);
  key = g_strdup (self->tls_key_file);
  name = g_strdup (self->tls_server_name);
  flags = self->tls_validation_flags;
  GST_OBJECT_UNLOCK (self);

  if (tls)
    client = gst_as_tls_client_new (ca, cert, key, name, flags, &err);
  g_free (ca);
  g_free (cert);
  g_free (key);
  g_free (name);
  gst_as_tls_client_unref (self->tls_client);
  self->tls_client = client;
  if (!tls || client != NULL)
    return TRUE;

  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Could not set up TLS: %s.", err->message), (NULL));
  g_error_free (err);
  return FALSE;
}

static gboolean
gst_audio_stream_sink_start (GstBaseSink * bsink)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);
  GstAsSenderConfig config = { 0 };
  GstAsTransportTarget target = { 0 };
  gboolean high_priority, ok;
  gchar *host, *socket_path;
  GError *err = NULL;

  /* copied so that the network thread never touches the properties */
  GST_OBJECT_LOCK (self);
  target.host = host = g_strdup (self->host);
  target.port = self->port;
  target.socket_path = socket_path = g_strdup (self->socket_path);
  target.tos = (guint8) self->dscp;
  target.send_timeout_ms = self->send_timeout_ms;
  high_priority = self->high_priority;
  config.prefill_ms = self->prefill_ms;
  config.stats_interval_ms = self->stats_interval_ms;
  config.auto_reconnect = self->auto_reconnect;
  config.reconnect_min_ms = self->reconnect_min_ms;
  config.reconnect_max_ms = self->reconnect_max_ms;
  config.max_reconnect_attempts = self->max_reconnect_attempts;
  config.adaptive_buffer = self->adaptive_buffer;
  config.min_buffer_ms = effective_min_buffer_ms (self);
  config.max_buffer_ms = effective_max_buffer_ms (self);
  config.max_lag_ms = self->max_lag_ms;
  self->started = g_get_monotonic_time () * GST_USECOND;
  self->stopped = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
  config.target = gst_as_transport_describe_target (&target);
  if (!load_tls (self)) {
    g_free (config.target);
    g_free (host);
    g_free (socket_path);
    return FALSE;
  }
  target.tls = self->tls_client;

  gst_as_sink_front_reset (&self->front);
  gst_caps_replace (&self->refused_caps, NULL);
  self->prefill_start_ms = config.prefill_ms;
  self->prefill_warned = FALSE;
  gst_as_capture_jitter_reset (&self->capture_jitter);

  if ((host == NULL || host[0] == '\0') && socket_path == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No receiver to send to: set the host or socket-path property."),
        (NULL));
    ok = FALSE;
  } else if (!(ok = gst_as_net_sender_start (&self->net, &target, &config,
              high_priority, &err))) {
    if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG))
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", err->message),
          (NULL));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
          ("Could not start the network thread."), ("%s", err->message));
    g_error_free (err);
  }
  g_free (config.target);
  g_free (host);
  g_free (socket_path);
  return ok;
}

static gboolean
gst_audio_stream_sink_stop (GstBaseSink * bsink)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);

  gst_as_net_sender_stop (&self->net);
  GST_OBJECT_LOCK (self);
  self->stopped = g_get_monotonic_time () * GST_USECOND;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_audio_stream_sink_unlock (GstBaseSink * bsink)
{
  gst_as_sink_front_unlock (&GST_AUDIO_STREAM_SINK (bsink)->front);
  return TRUE;
}

static gboolean
gst_audio_stream_sink_unlock_stop (GstBaseSink * bsink)
{
  gst_as_sink_front_unlock_stop (&GST_AUDIO_STREAM_SINK (bsink)->front);
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

/* prefill-ms must fit the ring with a chunk to spare, or sending would
 * never start: say once what is used instead. */
static guint64
fit_prefill (GstAudioStreamSink * self, gint rate, guint chunk,
    guint ring_ms, guint64 capacity)
{
  guint64 frames = gst_as_prefill_frames (self->prefill_start_ms, rate,
      chunk, capacity);
  guint64 used_ms = gst_as_frames_to_ms (frames, rate);

  if (used_ms < self->prefill_start_ms && !self->prefill_warned) {
    self->prefill_warned = TRUE;
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("prefill-ms (%u) does not fit in ring-buffer-ms (%u) with a chunk "
            "to spare: prefilling %" G_GUINT64_FORMAT " ms instead. Make "
            "ring-buffer-ms larger for a larger cushion.",
            self->prefill_start_ms, ring_ms, used_ms), (NULL));
  }
  return frames;
}

static gboolean
gst_audio_stream_sink_set_caps (GstBaseSink * bsink, GstCaps * caps)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);
  GstAsSinkFront *front = &self->front;
  GstAudioInfo info;
  guint ring_ms, chunk_samples, chunk, bpf;
  guint64 capacity;
  gint rate;
  GstAudioFormat format;

  /* A pad offers refused sticky caps again with every buffer: one ERROR
   * is enough. */
  if (self->refused_caps && gst_caps_is_equal (caps, self->refused_caps))
    return FALSE;
  if (!gst_audio_info_from_caps (&info, caps))
    goto invalid_caps;
  rate = GST_AUDIO_INFO_RATE (&info);
  bpf = GST_AUDIO_INFO_BPF (&info);
  format = GST_AUDIO_INFO_FORMAT (&info);

  if (g_atomic_int_get (&front->configured)) {
    if (front->rate == rate && front->bpf == bpf && self->format == format)
      return TRUE;
    /* audio in the old format has come: the receiver, which gets raw PCM
     * with no header, would take it for the new one */
    if (gst_as_frame_ring_write_pos (&front->ring) > 0)
      goto format_change;
  }

  GST_OBJECT_LOCK (self);
  ring_ms = effective_ring_buffer_ms (self);
  chunk_samples = self->chunk_samples;
  GST_OBJECT_UNLOCK (self);
  capacity = gst_util_uint64_scale_int (ring_ms, rate, 1000);
  chunk = fit_chunk (self, chunk_samples, capacity);
  /* the sending side of the format, published by set_format() */
  self->chunk = chunk;
  self->prefill_frames = fit_prefill (self, rate, chunk, ring_ms, capacity);
  self->largest_buffer = 0;
  gst_as_net_sender_set_format_side (&self->net, chunk, self->prefill_frames);
  if (gst_as_sink_front_set_format (front, rate, bpf, capacity) ==
      GST_AS_FORMAT_BUSY)
    goto format_change;
  self->format = format;

  GST_INFO_OBJECT (self, "%d Hz, %d channels, ring %" G_GUINT64_FORMAT
      " frames", rate, GST_AUDIO_INFO_CHANNELS (&info), capacity);
  return TRUE;

invalid_caps:
  gst_caps_replace (&self->refused_caps, caps);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Could not parse the audio format."), ("caps: %" GST_PTR_FORMAT, caps));
  return FALSE;

format_change:
  gst_caps_replace (&self->refused_caps, caps);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("The audio format cannot change mid-stream: the raw PCM on the wire "
          "has no header to tell the receiver (was %s, %d Hz, %u bytes per "
          "frame; now %s, %d Hz, %u bytes per frame).",
          gst_audio_format_to_string (self->format), front->rate, front->bpf,
          gst_audio_format_to_string (format), rate, bpf),
      ("new caps: %" GST_PTR_FORMAT, caps));
  return FALSE;
}

static gboolean
gst_audio_stream_sink_event (GstBaseSink * bsink, GstEvent * event)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      /* bounded by the network thread: it drains (the kernel's part for at
       * most 5 s), or makes one last attempt and gives up */
      GST_DEBUG_OBJECT (self, "EOS: draining");
      gst_as_sink_front_wait_drained (&self->front, GST_CLOCK_TIME_NONE);
      GST_DEBUG_OBJECT (self, "EOS: drained");
      break;
    case GST_EVENT_FLUSH_STOP:
      /* Flushing seek: what was buffered belongs to the old position. */
      gst_as_sink_front_flush (&self->front);
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}

/* Now on the pipeline clock (CLOCK_MONOTONIC without one), in us. */
static gint64
arrival_time_us (GstAudioStreamSink * self)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  gint64 now;

  if (clock == NULL)
    return g_get_monotonic_time ();
  now = (gint64) (gst_clock_get_time (clock) / GST_USECOND);
  gst_object_unref (clock);
  return now;
}

static guint64
frames_to_ms_up (guint64 frames, gint rate)
{
  return gst_util_uint64_scale_int_ceil (frames, 1000, rate);
}

/* A live upstream writes a whole buffer at once, and the sender takes the
 * ring down to the prefill only in between: the ring must hold the prefill
 * and one upstream buffer, or it overflows on a perfect link. Checked for
 * each larger buffer: one larger than the ring minus a chunk is an error;
 * one that leaves too little room for the prefill lowers it (with a
 * WARNING that says what to change) while sending has not started.
 * Returns FALSE after posting the error. */
static gboolean
fit_upstream_buffer (GstAudioStreamSink * self, guint64 frames)
{
  GstAsSinkFront *front = &self->front;
  guint64 capacity = front->ring.capacity, prefill = self->prefill_frames;
  gint rate = front->rate;

  self->largest_buffer = frames;
  if (frames + self->chunk > capacity)
    goto too_large;
  if (prefill + frames <= capacity)
    return TRUE;

  if (g_atomic_int_get (&front->attached)) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("Upstream now delivers %" G_GUINT64_FORMAT " ms of audio at a time, "
            "and the ring (ring-buffer-ms %" G_GUINT64_FORMAT ") holding "
            "%" G_GUINT64_FORMAT " ms of prefill has no room for that: audio "
            "will be dropped even on a perfect link. Make ring-buffer-ms at "
            "least %" G_GUINT64_FORMAT ".", gst_as_frames_to_ms (frames, rate),
            gst_as_frames_to_ms (capacity, rate),
            gst_as_frames_to_ms (prefill, rate),
            frames_to_ms_up (prefill + frames, rate)), (NULL));
    return TRUE;
  }
  self->prefill_frames = capacity - frames;
  gst_as_net_sender_lower_prefill (&self->net, self->prefill_frames);
  GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
      ("Upstream delivers %" G_GUINT64_FORMAT " ms of audio at a time, and "
          "a prefill of %" G_GUINT64_FORMAT " ms leaves only %"
          G_GUINT64_FORMAT " ms of ring-buffer-ms (%" G_GUINT64_FORMAT
          ") for it: prefilling %" G_GUINT64_FORMAT " ms instead, or the "
          "ring would overflow on a "
          "perfect link. Make ring-buffer-ms at least %" G_GUINT64_FORMAT
          " for the full prefill, or have upstream deliver smaller buffers.",
          gst_as_frames_to_ms (frames, rate),
          gst_as_frames_to_ms (prefill, rate),
          gst_as_frames_to_ms (capacity - prefill, rate),
          gst_as_frames_to_ms (capacity, rate),
          gst_as_frames_to_ms (self->prefill_frames, rate),
          frames_to_ms_up (prefill + frames, rate)), (NULL));
  return TRUE;

too_large:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Upstream delivers %" G_GUINT64_FORMAT " ms of audio at a time, more "
          "than ring-buffer-ms (%" G_GUINT64_FORMAT ") can take while a chunk "
          "is being sent. Make ring-buffer-ms at least %" G_GUINT64_FORMAT
          ", or have upstream deliver smaller buffers.",
          gst_as_frames_to_ms (frames, rate),
          gst_as_frames_to_ms (capacity, rate),
          frames_to_ms_up (frames + self->chunk, rate)), (NULL));
  return FALSE;
}

/* A live upstream never waits: a full ring loses its oldest audio. A
 * non-live one is held back (gst_as_net_sender_write()). */
static GstFlowReturn
gst_audio_stream_sink_render (GstBaseSink * bsink, GstBuffer * buffer)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);
  GstAsSinkFront *front = &self->front;
  GstFlowReturn ret;
  GstMapInfo map;
  gboolean known, live;
  gint64 now_us = arrival_time_us (self);

  live = gst_as_sink_front_is_live (front, &known);
  if (G_UNLIKELY (!known))
    live = gst_as_sink_front_detect_live (front);
  if (G_UNLIKELY (!g_atomic_int_get (&front->configured)))
    return GST_FLOW_NOT_NEGOTIATED;
  if (G_UNLIKELY (gst_as_sink_front_has_failed (front)))
    return GST_FLOW_ERROR;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    goto map_failed;

  if (live) {
    gint64 jitter_us = gst_as_capture_jitter_add (&self->capture_jitter,
        front->rate, map.size / front->bpf, now_us);

    if (G_UNLIKELY (map.size / front->bpf > self->largest_buffer) &&
        !fit_upstream_buffer (self, map.size / front->bpf)) {
      gst_buffer_unmap (buffer, &map);
      return GST_FLOW_ERROR;
    }

    if (jitter_us >= 0)
      gst_as_net_sender_set_capture_jitter (&self->net, jitter_us);
    ret = gst_as_sink_front_render (front, map.data, map.size);
  } else {
    ret = gst_as_net_sender_write (&self->net, map.data,
        map.size / front->bpf);
  }
  gst_buffer_unmap (buffer, &map);
  return ret;

map_failed:
  GST_ELEMENT_ERROR (self, RESOURCE, FAILED, ("Could not read the buffer."),
      (NULL));
  return GST_FLOW_ERROR;
}

/* ------------------------------------------------------------------------ */
/* GstURIHandler: tcp://host:port, tls://host:port, unix:///path            */

/* what a URI's query may set */
static const gchar *const sink_uri_params[] = {
  "tls-ca-file", "tls-certificate-file", "tls-key-file", "tls-server-name",
  "tls-validation-flags", "tls", "send-timeout-ms", "dscp", "chunk-samples",
  "prefill-ms", "ring-buffer-ms", "auto-reconnect", "reconnect-min-ms",
  "reconnect-max-ms", "max-reconnect-attempts", "high-priority",
  "loopback", NULL
};

static GstURIType
gst_audio_stream_sink_uri_get_type (GType type)
{
  return GST_URI_SINK;
}

static const gchar *const *
gst_audio_stream_sink_uri_get_protocols (GType type)
{
  return gst_as_uri_protocols ();
}

static gchar *
gst_audio_stream_sink_uri_get_uri (GstURIHandler * handler)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (handler);
  gchar *uri;

  GST_OBJECT_LOCK (self);
  uri = gst_as_uri_build (self->tls, self->host, self->port,
      self->socket_path);
  GST_OBJECT_UNLOCK (self);
  return uri;
}

static gboolean
gst_audio_stream_sink_uri_set_uri (GstURIHandler * handler,
    const gchar * uri, GError ** error)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (handler);
  GstAsUri parsed;

  if (!gst_as_uri_check_state (GST_ELEMENT (self), error) ||
      !gst_as_uri_parse (uri, &parsed, error))
    return FALSE;

  GST_OBJECT_LOCK (self);
  if (parsed.socket_path != NULL) {
    g_free (self->socket_path);
    self->socket_path = g_strdup (parsed.socket_path);
    self->tls = FALSE;
  } else {
    g_clear_pointer (&self->socket_path, g_free);
    g_free (self->host);
    self->host = g_strdup (parsed.host);
    self->port = parsed.port > 0 ? parsed.port : DEFAULT_PORT;
    self->tls = parsed.tls;
  }
  GST_OBJECT_UNLOCK (self);

  if (!gst_as_uri_apply_params (G_OBJECT (self), parsed.params,
          sink_uri_params, error)) {
    gst_as_uri_clear (&parsed);
    return FALSE;
  }
  gst_as_uri_clear (&parsed);
  return TRUE;
}

static void
gst_audio_stream_sink_uri_handler_init (gpointer g_iface,
    gpointer iface_data)
{
  GstURIHandlerInterface *iface = g_iface;

  iface->get_type = gst_audio_stream_sink_uri_get_type;
  iface->get_protocols = gst_audio_stream_sink_uri_get_protocols;
  iface->get_uri = gst_audio_stream_sink_uri_get_uri;
  iface->set_uri = gst_audio_stream_sink_uri_set_uri;
}
