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
 * streams at real time and nothing is dropped. While the connection is down,
 * that hold lasts at most `send-timeout-ms`: a blocked upstream would also
 * block an application's EOS (Ctrl-C with `gst-launch-1.0 -e`). After it,
 * the upstream is kept at real time and the ring keeps the newest audio,
 * the rest counted as dropped, until the connection is back.
 *
 * If the sender falls behind its schedule, the backlog goes out faster than
 * real time, at most 1.5×, until it is back on schedule. If a live capture runs dry, silence keeps the bitrate
 * constant, counted in `underruns` and `silence-samples`; a file is never
 * padded.
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
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstaudiostreamsink.h"

#include <gst/audio/audio.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/un.h>
#include <linux/sockios.h>

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "audiostream/backoff.h"
#include "audiostream/histogram.h"
#include "audiostream/jitter.h"
#include "audiostream/pacer.h"
#include "audiostream/quality.h"
#include "audiostream/ratelimit.h"
#include "audiostream/ring.h"
#include "audiostream/sockopts.h"
#include "audiostream/tcpinfo.h"

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
/* what loopback=true makes the defaults, as in the seed application */
#define LOOPBACK_RING_BUFFER_MS 8000
#define LOOPBACK_MIN_BUFFER_MS 4000
#define LOOPBACK_MAX_BUFFER_MS 12000

/* Jitter estimation: 5 ms bins up to 20 s; samples halve in weight every
 * 2 s; the target rises at once and halves its excess every 4 s. */
#define JITTER_BIN_US 5000
#define JITTER_BINS 4096
#define JITTER_HALF_LIFE_US (2 * G_USEC_PER_SEC)
#define JITTER_QUANTILE 0.95
#define TARGET_DECAY_HALF_LIFE_US (4 * G_USEC_PER_SEC)
/* The level moves towards a new target by sending up to 5 % slower or
 * faster than real time: no audio is invented or dropped. */
#define SLEW_PERCENT 5
/* A target move is posted once it differs this much from the last one. */
#define RESIZE_HYSTERESIS_MS 50
#define QUALITY_EVERY_N_STATS 4
#define USER_MESSAGES_PER_SECOND 5
/* How often the thread asks the kernel: whether the peer closed, TCP_INFO */
#define PEER_CHECK_INTERVAL_US (100 * G_TIME_SPAN_MILLISECOND)
#define TCP_INFO_INTERVAL_US (20 * G_TIME_SPAN_MILLISECOND)
/* Timer slack of the network thread: wake-ups as close to the deadline as
 * the kernel can make them (the default is 50 us). */
#define NET_TIMER_SLACK_NS 1000

#define CONNECT_TIMEOUT_S 10
#define WARNING_INTERVAL_US G_TIME_SPAN_SECOND
/* Kernel send buffer: half a second of audio, at least this much. */
#define MIN_SNDBUF_BYTES (64 * 1024)

/* sun_path holds the path and its terminating NUL */
#define MAX_SOCKET_PATH_BYTES (sizeof (((struct sockaddr_un *) NULL)->sun_path) - 1)

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
};

typedef enum
{
  STREAM_DONE,                  /* EOS drained and the socket shut down */
  STREAM_STOPPED,               /* stop() asked the thread to leave */
  STREAM_LOST,                  /* the connection failed */
} StreamResult;

/* Settings the network thread works with, copied from the properties when it
 * starts so that it never touches them while doing I/O. */
typedef struct
{
  gchar *host;
  gint port;
  gchar *socket_path;
  guint prefill_ms;
  guint8 tos;
  gboolean high_priority;
  guint stats_interval_ms;
  gboolean auto_reconnect;
  guint reconnect_min_ms;
  guint reconnect_max_ms;
  guint max_reconnect_attempts;
  guint send_timeout_ms;
  gboolean adaptive_buffer;
  guint min_buffer_ms;
  guint max_buffer_ms;
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
  /* set explicitly, so loopback does not change them */
  gboolean ring_buffer_ms_set;
  gboolean min_buffer_ms_set;
  gboolean max_buffer_ms_set;

  /* streaming state, under self->lock */
  GMutex lock;
  GCond cond;                   /* ring level or a flag changed */
  GstAsRing ring;
  gint rate;
  guint bpf;
  guint chunk;                  /* frames per send, fitted to the ring */
  gboolean have_format;
  GstCaps *refused_caps;        /* posted as an error already */
  gboolean format_taken;        /* the thread sized its buffers for it */
  gboolean live_known;
  gboolean upstream_live;
  gboolean flushing;            /* unlock(): render and EOS must return */
  gboolean stopping;            /* stop(): the thread must leave */
  gboolean eos;                 /* EOS received: drain and finish */
  gboolean drained;             /* the thread finished draining */
  gboolean net_failed;          /* fatal network error, render must fail */
  gint64 down_since_us;         /* monotonic; when the connection went down */
  gint64 hold_us;               /* send-timeout-ms: longest hold of a
                                 * non-live upstream while disconnected */
  gint64 realtime_next_us;      /* when a released upstream may write next */
  gboolean released_told;
  GstClockID clock_id;          /* the thread's pending wait, to unschedule */
  guint64 target_ms;            /* the level the pacer keeps */
  guint stream_prefill_ms;      /* prefill-ms, copied at start() */
  gboolean prefill_warned;
  GstClockTime lag;             /* behind the schedule at the last send */
  gdouble jitter_ms;            /* last estimate, for messages */

  /* capture jitter: arrival of live buffers against the media schedule,
   * under self->lock, fed by render() */
  GstAsJitter capture_jitter;
  gboolean capture_started;
  gint64 capture_origin_us;     /* arrival time minus media time, lowest */
  guint64 capture_frames;
  gint64 capture_first_us;

  /* statistics, under self->lock */
  GstClockTime started;         /* monotonic, when start() ran */
  GstClockTime stopped;         /* monotonic, when stop() ran */
  guint64 bytes_sent;
  guint64 frames_sent;
  guint64 underruns;
  guint64 silence_frames;
  guint64 reconnects;
  guint64 connections;
  guint64 connect_attempts;
  guint64 lost_frames;          /* undeliverable after a lost connection */
  guint64 resend_frames;        /* waiting in the thread's resend buffer */
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
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "audiostreamsink-stats structure: uptime-ms, bytes-sent, "
          "samples-sent, bitrate-kbps (since start), buffer-level-ms, "
          "buffer-target-ms, buffer-capacity-ms, underruns, silence-samples, "
          "overflows, dropped-samples, lost-samples, reconnects, "
          "connect-attempts, connected, lag-ms, pacing-error-p99-us (since "
          "start)",
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
  g_free (self->socket_path);
  gst_as_ring_clear (&self->ring);
  gst_caps_replace (&self->refused_caps, NULL);
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

/* Audio waiting to be sent: in the ring, and what a lost connection did not
 * deliver, which goes out first on the next one.
 * called with self->lock held */
static guint64
waiting_frames (GstAudioStreamSink * self)
{
  return gst_as_ring_level (&self->ring) + self->resend_frames;
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
build_stats (GstAudioStreamSink * self, const GstAsHistogram * lateness,
    GstClockTime interval, guint64 interval_bytes)
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
      frames_to_ms (self, waiting_frames (self)),
      "buffer-target-ms", G_TYPE_UINT64, self->target_ms,
      "buffer-capacity-ms", G_TYPE_UINT64,
      frames_to_ms (self, self->ring.capacity),
      "underruns", G_TYPE_UINT64, self->underruns,
      "silence-samples", G_TYPE_UINT64, self->silence_frames,
      "overflows", G_TYPE_UINT64, self->ring.overflows,
      "dropped-samples", G_TYPE_UINT64, self->ring.dropped,
      "lost-samples", G_TYPE_UINT64, self->lost_frames,
      "reconnects", G_TYPE_UINT64, self->reconnects,
      "connect-attempts", G_TYPE_UINT64, self->connect_attempts,
      "connected", G_TYPE_BOOLEAN, self->connected,
      "lag-ms", G_TYPE_UINT64, self->lag / GST_MSECOND,
      "pacing-error-p99-us", G_TYPE_INT64,
      gst_as_histogram_quantile (lateness, 0.99), NULL);
}

static void
gst_audio_stream_sink_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (object);

  if (prop_id == PROP_STATS) {
    GstStructure *s;

    g_mutex_lock (&self->lock);
    s = build_stats (self, &self->lateness_total, uptime (self),
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

/* Everything the network thread keeps across connections. It lives on the
 * thread's stack; no other thread touches it. */
typedef struct
{
  NetSettings s;
  gchar *target;                /* "host:port" or "unix:path", for messages */

  GstClock *clock;              /* deadlines are measured on it once pacing */
  GstClockID clock_id;
  GstAsPacer pacer;
  gboolean pacing;              /* the schedule has started */
  guint chunk;                  /* frames per send */
  guint bpf;
  guint8 *chunk_buf;
  guint64 dropped_seen;         /* ring drops already skipped in the schedule */

  /* Frames sent on the current connection, kept until the peer has
   * acknowledged them, so that a lost connection loses no audio. */
  GstAsRing history;
  guint64 conn_frames;          /* frames written on this connection */
  guint64 delivered_before;     /* frames acknowledged on earlier ones */

  /* Frames a lost connection did not deliver: they go out first on the next
   * one, ahead of the ring. */
  GstAsRing resend;
  guint8 *scratch;              /* resend-sized, for reordering */

  GstAsBackoff backoff;
  gint64 last_warning_us;       /* rate limit for failure warnings */
  guint warnings_suppressed;

  GstClockTime stats_last;
  guint64 stats_last_bytes;

  /* jitter and the adaptive buffer target */
  GstAsJitter net_jitter;       /* chunk lateness + audio stuck in kernel */
  GstAsJitterTarget buffer_target;
  guint64 prefill_ms;           /* what the ring allows of prefill-ms */
  guint64 target_posted_ms;     /* as last reported by buffer-resize */
  gint64 adapt_last_us;
  GstAsTcpInfo tcp;             /* of the current TCP connection */
  gboolean have_tcp;
  gint64 tcp_checked_us;
  gint64 peer_checked_us;

  /* quality and what the user is told */
  GstAsRateLimit user_messages;
  guint stats_posted;
  GstAsRating rating;
  gboolean rating_posted;
  guint64 quality_underruns;    /* counters at the last stats post */
  guint64 quality_overflows;
  guint32 quality_retrans;
  guint64 overflows_told;
  guint64 underruns_told;
} NetThread;

static void
net_settings_clear (NetSettings * s)
{
  g_free (s->host);
  g_free (s->socket_path);
}

static void
net_settings_copy (GstAudioStreamSink * self, NetSettings * s)
{
  GST_OBJECT_LOCK (self);
  s->host = g_strdup (self->host);
  s->port = self->port;
  s->socket_path = g_strdup (self->socket_path);
  s->prefill_ms = self->prefill_ms;
  s->tos = (guint8) self->dscp;
  s->high_priority = self->high_priority;
  s->stats_interval_ms = self->stats_interval_ms;
  s->auto_reconnect = self->auto_reconnect;
  s->reconnect_min_ms = self->reconnect_min_ms;
  s->reconnect_max_ms = self->reconnect_max_ms;
  s->max_reconnect_attempts = self->max_reconnect_attempts;
  s->send_timeout_ms = self->send_timeout_ms;
  s->adaptive_buffer = self->adaptive_buffer;
  s->min_buffer_ms = effective_min_buffer_ms (self);
  s->max_buffer_ms = MAX (effective_max_buffer_ms (self), s->min_buffer_ms);
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

static gboolean
is_eos (GstAudioStreamSink * self)
{
  gboolean eos;

  g_mutex_lock (&self->lock);
  eos = self->eos;
  g_mutex_unlock (&self->lock);
  return eos;
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
  if (G_IS_UNIX_SOCKET_ADDRESS (addr))
    str = g_strdup_printf ("unix:%s",
        g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (addr)));
  else
    str = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (addr));
  g_object_unref (addr);
  return str;
}

static gboolean
is_tcp (GSocket * socket)
{
  return g_socket_get_family (socket) != G_SOCKET_FAMILY_UNIX;
}

/* Half a second of audio in the kernel at most: enough for any sane round
 * trip at the catch-up rate, small enough to keep for resending. Before the
 * format is known, sized for the largest format the caps allow. */
static guint
send_buffer_bytes (guint bytes_per_second)
{
  if (bytes_per_second == 0)
    bytes_per_second = 192000 * 8 * 2;
  return MAX (MIN_SNDBUF_BYTES, bytes_per_second / 2);
}

/* The first connection may come up before the format is known; once it is,
 * the kernel's buffer shrinks to what the resend history can cover. */
static void
resize_send_buffer (GstAudioStreamSink * self, GSocket * socket)
{
  GError *err = NULL;
  guint bytes_per_second;

  g_mutex_lock (&self->lock);
  bytes_per_second = self->rate * self->bpf;
  g_mutex_unlock (&self->lock);

  if (gst_as_socket_set_send_buffer (socket,
          send_buffer_bytes (bytes_per_second), &err) < 0) {
    GST_WARNING_OBJECT (self, "SO_SNDBUF: %s", err->message);
    g_clear_error (&err);
  }
}

/* Socket options for a live stream; none of them is worth failing for. */
static void
tune_socket (GstAudioStreamSink * self, NetThread * t, GSocket * socket)
{
  GError *err = NULL;
  guint bytes_per_second = 0;

  g_mutex_lock (&self->lock);
  if (self->have_format)
    bytes_per_second = self->rate * self->bpf;
  g_mutex_unlock (&self->lock);

  if (gst_as_socket_set_send_buffer (socket,
          send_buffer_bytes (bytes_per_second), &err) < 0) {
    GST_WARNING_OBJECT (self, "SO_SNDBUF: %s", err->message);
    g_clear_error (&err);
  }

  if (is_tcp (socket)) {
    if (!gst_as_socket_set_nodelay (socket, &err) ||
        !gst_as_socket_set_user_timeout (socket, t->s.send_timeout_ms, &err) ||
        !gst_as_socket_set_keepalive (socket,
            MAX (1, t->s.send_timeout_ms / 1000 / 2), 1, 3, &err)) {
      GST_WARNING_OBJECT (self, "socket options: %s", err->message);
      g_clear_error (&err);
    }
  }

  /* Writes wait on our own terms: bounded by send-timeout-ms, cancellable. */
  g_socket_set_blocking (socket, FALSE);
  g_socket_set_timeout (socket, 0);
}

static GSocketConnection *
net_connect (GstAudioStreamSink * self, NetThread * t, GError ** error)
{
  GSocketClient *client = g_socket_client_new ();
  GSocketConnection *conn;

  g_socket_client_set_timeout (client, CONNECT_TIMEOUT_S);
  /* A live stream goes straight to its receiver: no system proxy (and no
   * libproxy lookup per connection attempt). */
  g_socket_client_set_enable_proxy (client, FALSE);
  if (t->s.socket_path) {
    GSocketAddress *addr = g_unix_socket_address_new (t->s.socket_path);

    conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr),
        self->cancellable, error);
    g_object_unref (addr);
  } else {
    g_object_set_data (G_OBJECT (client), "audiostreamsink-tos",
        GUINT_TO_POINTER (t->s.tos));
    g_signal_connect (client, "event", G_CALLBACK (on_client_event), self);
    conn = g_socket_client_connect_to_host (client, t->s.host, t->s.port,
        self->cancellable, error);
  }
  g_object_unref (client);
  return conn;
}

/* Sleeps until @deadline on the thread's clock, or until stop() unschedules
 * the wait. Returns FALSE when the thread must leave. */
static gboolean
wait_until (GstAudioStreamSink * self, NetThread * t, GstClockTime deadline)
{
  GstClockReturn ret;

  g_mutex_lock (&self->lock);
  if (self->stopping) {
    g_mutex_unlock (&self->lock);
    return FALSE;
  }
  gst_clock_single_shot_id_reinit (t->clock, t->clock_id, deadline);
  self->clock_id = t->clock_id;
  g_mutex_unlock (&self->lock);

  ret = gst_clock_id_wait (t->clock_id, NULL);

  g_mutex_lock (&self->lock);
  self->clock_id = NULL;
  g_mutex_unlock (&self->lock);

  return ret != GST_CLOCK_UNSCHEDULED && !is_stopping (self);
}

/* Sleeps @ms of wall time, or until stop() or EOS. Returns FALSE when the
 * thread must leave. */
static void maybe_post_stats (GstAudioStreamSink * self, NetThread * t);

static gboolean
sleep_ms (GstAudioStreamSink * self, NetThread * t, guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * G_TIME_SPAN_MILLISECOND;
  gboolean stopping = FALSE, eos = FALSE;

  /* Statistics go on while disconnected: the ring filling up is what the
   * user wants to see then. EOS cuts the wait short: one last attempt to
   * deliver, then give up. */
  while (!stopping && !eos && g_get_monotonic_time () < until) {
    gint64 wake = MIN (until, g_get_monotonic_time () + 100 *
        G_TIME_SPAN_MILLISECOND);

    g_mutex_lock (&self->lock);
    if (!self->stopping && !self->eos)
      g_cond_wait_until (&self->cond, &self->lock, wake);
    stopping = self->stopping;
    eos = self->eos;
    g_mutex_unlock (&self->lock);
    maybe_post_stats (self, t);
  }
  return !stopping;
}

/* Waits until the first audio has arrived and enough is buffered to start,
 * or EOS came first. The format is taken only then: until audio arrives,
 * the caps may still change, and the thread's buffers are sized for the
 * frame it takes here (set_caps() refuses a change once it is taken).
 * Returns FALSE when the thread must leave. */
static gboolean
wait_for_prefill (GstAudioStreamSink * self, NetThread * t)
{
  gboolean ok;

  g_mutex_lock (&self->lock);
  while (!self->stopping && !self->eos &&
      (!self->have_format || self->ring.write_pos == 0 ||
          gst_as_ring_level (&self->ring) < prefill_frames (self,
              t->s.prefill_ms)))
    g_cond_wait (&self->cond, &self->lock);
  ok = !self->stopping;
  if (ok && self->have_format)
    self->format_taken = TRUE;
  g_mutex_unlock (&self->lock);
  return ok;
}

/* Anything from the peer? A raw-PCM receiver sends nothing, so readable
 * means it closed the connection (or reset it). Data is read and ignored. */
static gboolean
check_peer (GSocket * socket, GError ** error)
{
  guint8 scratch[512];
  guint i;

  /* bounded: a chatty peer must not keep the pacer from its deadlines */
  for (i = 0; i < 8; i++) {
    gssize n;

    if (!(g_socket_condition_check (socket, G_IO_IN | G_IO_HUP | G_IO_ERR)))
      return TRUE;
    n = g_socket_receive (socket, (gchar *) scratch, sizeof (scratch), NULL,
        error);
    if (n == 0) {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
          "connection closed by the receiver");
      return FALSE;
    }
    if (n < 0) {
      if (g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        g_clear_error (error);
        return TRUE;
      }
      return FALSE;
    }
  }
  return TRUE;
}

/* Writes all of @data; the peer may make no progress for longer than
 * send-timeout-ms before it counts as gone. Returns the bytes written. */
static gsize
send_all (GstAudioStreamSink * self, NetThread * t, GSocket * socket,
    const guint8 * data, gsize size, GError ** error)
{
  gint64 timeout_us = (gint64) t->s.send_timeout_ms * G_TIME_SPAN_MILLISECOND;
  gint64 give_up = g_get_monotonic_time () + timeout_us;
  gsize done = 0;

  while (done < size) {
    gssize n = g_socket_send (socket, (const gchar *) data + done,
        size - done, self->cancellable, error);
    gint64 left;

    if (n > 0) {
      done += n;
      give_up = g_get_monotonic_time () + timeout_us;
      continue;
    }
    if (!g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
      break;
    g_clear_error (error);

    left = give_up - g_get_monotonic_time ();
    if (left <= 0 || !g_socket_condition_timed_wait (socket, G_IO_OUT, left,
            self->cancellable, error)) {
      if (left <= 0 || g_error_matches (*error, G_IO_ERROR,
              G_IO_ERROR_TIMED_OUT)) {
        g_clear_error (error);
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
            "the receiver read nothing for %u ms", t->s.send_timeout_ms);
      }
      break;
    }
  }
  return done;
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

/* Fills the chunk buffer: first what a lost connection must resend, then the
 * ring, then silence if a live capture ran dry. Returns the frames to send,
 * 0 when there is nothing (*eos tells whether that is the end). */
static guint
take_chunk (GstAudioStreamSink * self, NetThread * t, gboolean * eos)
{
  guint chunk = t->chunk, frames = 0, missing = 0;
  guint64 got, dropped;

  frames = gst_as_ring_read (&t->resend, t->chunk_buf, chunk);
  if (frames == chunk) {
    *eos = FALSE;
    return frames;
  }

  g_mutex_lock (&self->lock);
  got = gst_as_ring_read (&self->ring, t->chunk_buf + frames * t->bpf,
      chunk - frames);
  frames += got;
  *eos = self->eos;
  if (frames < chunk && !self->eos) {
    self->underruns++;
    if (self->upstream_live) {
      /* Capture ran dry: silence keeps the bitrate constant. */
      memset (t->chunk_buf + frames * t->bpf, 0, (chunk - frames) * t->bpf);
      self->silence_frames += chunk - frames;
    } else {
      /* A file is never padded with invented audio: send what there is and
       * let the schedule move on. */
      missing = chunk - frames;
    }
    frames = chunk - missing;
  }
  /* Audio dropped while the ring was full took its time on the schedule. */
  dropped = self->ring.dropped - t->dropped_seen;
  t->dropped_seen = self->ring.dropped;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (dropped + missing > 0)
    gst_as_pacer_skip (&t->pacer, dropped + missing);
  return frames;
}

static gboolean
eos_drained (GstAudioStreamSink * self, NetThread * t)
{
  gboolean drained;

  g_mutex_lock (&self->lock);
  drained = self->eos && gst_as_ring_level (&self->ring) == 0 &&
      gst_as_ring_level (&t->resend) == 0;
  g_mutex_unlock (&self->lock);
  return drained;
}


/* Whether @interval_us has passed since *@last_us; if so, *@last_us is now.
 * Keeps system calls that need not run for every chunk to their pace. */
static gboolean
time_for (gint64 * last_us, gint64 interval_us)
{
  gint64 now = g_get_monotonic_time ();

  if (now - *last_us < interval_us)
    return FALSE;
  *last_us = now;
  return TRUE;
}

/* The network side of the jitter: how late each chunk left, plus how much
 * audio still waits in the kernel because the peer's window is closed. The
 * kernel's buffer hides short stalls from write(); its backlog does not. */
static void
measure_network (GstAudioStreamSink * self, NetThread * t, GSocket * socket,
    GstClockTime due, GstClockTime sent)
{
  gint64 delay_us = MAX (GST_CLOCK_DIFF (due, sent), 0) / GST_USECOND;
  guint64 bytes_per_second;

  if (time_for (&t->tcp_checked_us, TCP_INFO_INTERVAL_US))
    t->have_tcp = is_tcp (socket) &&
        gst_as_tcp_info_get (g_socket_get_fd (socket), &t->tcp, NULL);
  g_mutex_lock (&self->lock);
  bytes_per_second = (guint64) self->rate * self->bpf;
  g_mutex_unlock (&self->lock);
  if (t->have_tcp && bytes_per_second > 0)
    delay_us += gst_util_uint64_scale (t->tcp.notsent_bytes, G_USEC_PER_SEC,
        bytes_per_second);

  gst_as_jitter_add (&t->net_jitter, g_get_monotonic_time (), delay_us,
      (gdouble) t->chunk / t->pacer.rate);
}

/* The jitter the buffer must absorb: the worse of capture and network. */
static gint64
current_jitter_us (GstAudioStreamSink * self, NetThread * t)
{
  gint64 net = gst_as_jitter_quantile (&t->net_jitter, JITTER_QUANTILE);
  gint64 capture;

  g_mutex_lock (&self->lock);
  capture = gst_as_jitter_quantile (&self->capture_jitter, JITTER_QUANTILE);
  self->jitter_ms = MAX (net, capture) / 1000.0;
  g_mutex_unlock (&self->lock);
  return MAX (net, capture);
}

static void
post_buffer_resize (GstAudioStreamSink * self, guint64 old_ms,
    guint64 new_ms, gdouble jitter_ms, const gchar * reason)
{
  GstStructure *s = gst_structure_new ("audiostreamsink-buffer-resize",
      "old-ms", G_TYPE_UINT64, old_ms,
      "new-ms", G_TYPE_UINT64, new_ms,
      "jitter-ms", G_TYPE_DOUBLE, jitter_ms,
      "reason", G_TYPE_STRING, reason, NULL);

  GST_INFO_OBJECT (self, "buffer target %" G_GUINT64_FORMAT " -> %"
      G_GUINT64_FORMAT " ms (jitter %.1f ms, %s)", old_ms, new_ms, jitter_ms,
      reason);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* With adaptive-buffer, the target follows the jitter (rising at once,
 * decaying slowly) and the level follows the target: the schedule shifts by
 * at most SLEW_PERCENT of each chunk, so the sender runs a little slow to
 * build the cushion up, a little fast to bring it down. */
static void
adapt_buffer (GstAudioStreamSink * self, NetThread * t)
{
  gint64 now = g_get_monotonic_time ();
  gint64 jitter_us, chunk_us, target_us, level_us;
  guint64 target_ms, level;
  GstClockTimeDiff slew;

  if (now - t->adapt_last_us < 100 * G_TIME_SPAN_MILLISECOND)
    goto slew;
  t->adapt_last_us = now;

  jitter_us = current_jitter_us (self, t);
  if (!t->s.adaptive_buffer)
    return;

  chunk_us = gst_util_uint64_scale_int (t->chunk, G_USEC_PER_SEC,
      t->pacer.rate);
  target_us = gst_as_jitter_target_update (&t->buffer_target, now,
      jitter_us + jitter_us / 2 + 2 * chunk_us);
  target_ms = target_us / 1000;

  g_mutex_lock (&self->lock);
  self->target_ms = target_ms;
  g_mutex_unlock (&self->lock);

  if (ABS ((gint64) target_ms - (gint64) t->target_posted_ms) >=
      RESIZE_HYSTERESIS_MS) {
    post_buffer_resize (self, t->target_posted_ms, target_ms,
        jitter_us / 1000.0, target_ms > t->target_posted_ms ?
        "jitter-increase" : "jitter-decrease");
    t->target_posted_ms = target_ms;
  }

slew:
  if (!t->s.adaptive_buffer)
    return;
  g_mutex_lock (&self->lock);
  level = gst_as_ring_level (&self->ring) + gst_as_ring_level (&t->resend);
  target_ms = self->target_ms;
  g_mutex_unlock (&self->lock);

  level_us = gst_util_uint64_scale_int (level, G_USEC_PER_SEC, t->pacer.rate);
  chunk_us = gst_util_uint64_scale_int (t->chunk, G_USEC_PER_SEC,
      t->pacer.rate);
  slew = chunk_us * GST_USECOND * SLEW_PERCENT / 100;
  if (level_us + chunk_us < (gint64) target_ms * 1000)
    gst_as_pacer_shift (&t->pacer, slew);
  else if (level_us > (gint64) target_ms * 1000 + chunk_us)
    gst_as_pacer_shift (&t->pacer, -slew);
}

/* What a user must see about the ring, as INFO and WARNING messages, at most
 * USER_MESSAGES_PER_SECOND: audio dropped because the network could not
 * keep up, silence sent because capture ran dry. */
static void
tell_user (GstAudioStreamSink * self, NetThread * t)
{
  guint64 overflows, dropped, underruns;
  guint64 dropped_ms;
  guint held_back = 0;
  gboolean playing;

  g_mutex_lock (&self->lock);
  overflows = self->ring.overflows;
  dropped = self->ring.dropped;
  underruns = self->underruns;
  dropped_ms = frames_to_ms (self, dropped);
  g_mutex_unlock (&self->lock);

  if (overflows > t->overflows_told && gst_as_rate_limit_allow
      (&t->user_messages, g_get_monotonic_time (), &held_back)) {
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("The ring buffer is full: the oldest audio is being dropped "
            "(%" G_GUINT64_FORMAT " ms so far) because the network does not "
            "keep up.", dropped_ms),
        ("%" G_GUINT64_FORMAT " overflows, %" G_GUINT64_FORMAT
            " frames dropped; %u messages held back", overflows, dropped,
            held_back));
    t->overflows_told = overflows;
  }
  /* Outside PLAYING capture is meant to be idle: nothing to tell, and with
   * hundreds of instances stopping at once the posts alone would swamp
   * the bus. */
  GST_OBJECT_LOCK (self);
  playing = GST_STATE (self) == GST_STATE_PLAYING &&
      GST_STATE_PENDING (self) == GST_STATE_VOID_PENDING;
  GST_OBJECT_UNLOCK (self);
  if (!playing)
    t->underruns_told = underruns;
  if (underruns > t->underruns_told && gst_as_rate_limit_allow
      (&t->user_messages, g_get_monotonic_time (), &held_back)) {
    GST_ELEMENT_INFO (self, RESOURCE, READ,
        ("Capture did not keep up: %" G_GUINT64_FORMAT " underruns so far, "
            "filled with silence.", underruns),
        ("%u messages held back", held_back));
    t->underruns_told = underruns;
  }
}

static void
post_quality (GstAudioStreamSink * self, NetThread * t, gdouble pacing_p99_ms)
{
  GstAsQualityInput in = { 0 };
  GstStructure *st;
  guint64 underruns, overflows;
  guint32 retrans = 0;
  guint score;
  GstAsRating rating;

  g_mutex_lock (&self->lock);
  underruns = self->underruns;
  overflows = self->ring.overflows;
  in.buffer_level_ms = frames_to_ms (self, waiting_frames (self));
  in.buffer_target_ms = self->target_ms;
  in.jitter_ms = self->jitter_ms;
  in.connected = self->connected;
  in.unsent_ms = t->have_tcp ? frames_to_ms (self, t->tcp.notsent_bytes /
      MAX (self->bpf, 1)) : 0;
  g_mutex_unlock (&self->lock);

  in.pacing_p99_ms = pacing_p99_ms;
  in.underruns = underruns - t->quality_underruns;
  in.overflows = overflows - t->quality_overflows;
  if (t->have_tcp && in.connected) {
    in.rtt_ms = t->tcp.rtt_us / 1000.0;
    in.rtt_var_ms = t->tcp.rttvar_us / 1000.0;
    if (t->tcp.total_retrans >= t->quality_retrans)
      retrans = t->tcp.total_retrans - t->quality_retrans;
    in.retransmits = retrans;
    t->quality_retrans = t->tcp.total_retrans;
  }
  t->quality_underruns = underruns;
  t->quality_overflows = overflows;

  score = gst_as_quality_score (&in);
  rating = gst_as_quality_rating (score);
  t->stats_posted++;
  if (t->rating_posted && rating == t->rating &&
      t->stats_posted % QUALITY_EVERY_N_STATS != 0)
    return;
  t->rating = rating;
  t->rating_posted = TRUE;

  st = gst_structure_new ("audiostreamsink-quality",
      "score", G_TYPE_UINT, score,
      "rating", G_TYPE_STRING, gst_as_rating_nick (rating),
      "jitter-ms", G_TYPE_DOUBLE, in.jitter_ms,
      "rtt-ms", G_TYPE_DOUBLE, in.rtt_ms,
      "rtt-var-ms", G_TYPE_DOUBLE, in.rtt_var_ms,
      "retransmits", G_TYPE_UINT, in.retransmits,
      "unsent-ms", G_TYPE_DOUBLE, in.unsent_ms,
      "pacing-error-p99-us", G_TYPE_INT64, (gint64) (pacing_p99_ms * 1000),
      "underruns", G_TYPE_UINT, in.underruns,
      "overflows", G_TYPE_UINT, in.overflows,
      "buffer-health", G_TYPE_DOUBLE,
      gst_as_quality_buffer_health (in.buffer_level_ms, in.buffer_target_ms),
      NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), st));
}

static void
maybe_post_stats (GstAudioStreamSink * self, NetThread * t)
{
  GstClockTime now = g_get_monotonic_time () * GST_USECOND;
  GstStructure *st;
  gdouble pacing_p99_ms;

  tell_user (self, t);

  if (t->s.stats_interval_ms == 0 ||
      now - t->stats_last < t->s.stats_interval_ms * GST_MSECOND)
    return;

  g_mutex_lock (&self->lock);
  st = build_stats (self, &self->lateness_interval, now - t->stats_last,
      self->bytes_sent - t->stats_last_bytes);
  t->stats_last_bytes = self->bytes_sent;
  pacing_p99_ms = gst_as_histogram_quantile (&self->lateness_interval,
      0.99) / 1000.0;
  gst_as_histogram_reset (&self->lateness_interval);
  g_mutex_unlock (&self->lock);
  t->stats_last = now;

  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), st));
  post_quality (self, t, pacing_p99_ms);
}

/* Starts the send schedule on the pipeline clock (or CLOCK_MONOTONIC). The
 * schedule then runs across reconnections: what an outage held back is
 * backlog to catch up on, not a new start. */
static void
start_pacing (GstAudioStreamSink * self, NetThread * t)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));

  if (clock == NULL)
    clock = gst_object_ref (self->fallback_clock);
  t->clock = clock;
  t->clock_id = gst_clock_new_single_shot_id (clock, 0);

  g_mutex_lock (&self->lock);
  gst_as_pacer_init (&t->pacer, self->rate,
      GST_AS_PACER_DEFAULT_CATCHUP_PERCENT);
  t->dropped_seen = self->ring.dropped;
  g_mutex_unlock (&self->lock);

  gst_as_pacer_start (&t->pacer, gst_clock_get_time (clock));
  t->pacing = TRUE;
  GST_INFO_OBJECT (self, "prefill reached, pacing on %" GST_PTR_FORMAT, clock);
}

/* The adaptive target starts at prefill-ms and may move within
 * [min-buffer-ms, max-buffer-ms], never beyond what the ring can hold. */
static void
setup_buffer_target (GstAudioStreamSink * self, NetThread * t)
{
  guint64 ring_ms, chunk_ms, max_ms, min_ms;

  g_mutex_lock (&self->lock);
  ring_ms = frames_to_ms (self, self->ring.capacity);
  chunk_ms = frames_to_ms (self, t->chunk);
  t->prefill_ms = frames_to_ms (self, prefill_frames (self, t->s.prefill_ms));
  g_mutex_unlock (&self->lock);

  max_ms = MIN (t->s.max_buffer_ms, ring_ms - MIN (ring_ms, chunk_ms));
  min_ms = MIN (t->s.min_buffer_ms, max_ms);
  gst_as_jitter_target_init (&t->buffer_target, min_ms * 1000,
      max_ms * 1000, TARGET_DECAY_HALF_LIFE_US);
  gst_as_jitter_target_reset (&t->buffer_target, t->prefill_ms * 1000);
  t->target_posted_ms = t->prefill_ms;
}

/* Sizes the per-stream buffers once the format is known. */
static void
setup_buffers (GstAudioStreamSink * self, NetThread * t)
{
  guint64 sndbuf, history;

  g_mutex_lock (&self->lock);
  t->chunk = self->chunk;
  t->bpf = self->bpf;
  sndbuf = send_buffer_bytes (self->rate * self->bpf);
  g_mutex_unlock (&self->lock);

  /* The most a connection can lose: what the kernel holds (it may take
   * twice the SO_SNDBUF asked for) and the chunk being written. */
  history = (2 * sndbuf) / t->bpf + 2 * t->chunk;
  t->chunk_buf = g_malloc ((gsize) t->chunk * t->bpf);
  gst_as_ring_init (&t->history, t->bpf, history);
  setup_buffer_target (self, t);
  gst_as_ring_init (&t->resend, t->bpf, 2 * history);
  t->scratch = g_malloc (2 * history * t->bpf);
}

/* One connection: paces chunks out until EOS is drained, stop() is called or
 * the connection fails. */
static StreamResult
stream (GstAudioStreamSink * self, NetThread * t, GSocket * socket,
    GError ** error)
{
  if (!t->pacing) {
    if (!wait_for_prefill (self, t))
      return STREAM_STOPPED;
    g_mutex_lock (&self->lock);
    if (!self->have_format) {
      /* EOS before any audio: nothing to send. */
      g_mutex_unlock (&self->lock);
      shutdown_gracefully (self, socket);
      return STREAM_DONE;
    }
    g_mutex_unlock (&self->lock);
    setup_buffers (self, t);
    resize_send_buffer (self, socket);
    start_pacing (self, t);
  }

  for (;;) {
    GstClockTime due = gst_as_pacer_next_send_time (&t->pacer, t->chunk);
    GstClockTime now;
    gboolean eos;
    guint frames;
    gsize size;

    if (!wait_until (self, t, due))
      return STREAM_STOPPED;
    if (time_for (&t->peer_checked_us, PEER_CHECK_INTERVAL_US) &&
        !check_peer (socket, error))
      return STREAM_LOST;

    frames = take_chunk (self, t, &eos);
    if (frames == 0 && eos) {
      shutdown_gracefully (self, socket);
      return STREAM_DONE;
    }
    if (frames == 0)
      continue;

    /* From here the chunk belongs to this connection: if it fails, what the
     * peer did not acknowledge is resent from the history. */
    gst_as_ring_write_overwrite (&t->history, t->chunk_buf, frames);
    t->conn_frames += frames;

    now = gst_clock_get_time (t->clock);
    size = (gsize) frames * t->bpf;
    if (send_all (self, t, socket, t->chunk_buf, size, error) < size)
      return g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ?
          STREAM_STOPPED : STREAM_LOST;

    g_mutex_lock (&self->lock);
    self->frames_sent = t->delivered_before + t->conn_frames;
    self->bytes_sent = self->frames_sent * t->bpf;
    self->resend_frames = gst_as_ring_level (&t->resend);
    gst_as_histogram_add (&self->lateness_total,
        GST_CLOCK_DIFF (due, now) / GST_USECOND);
    gst_as_histogram_add (&self->lateness_interval,
        GST_CLOCK_DIFF (due, now) / GST_USECOND);
    g_mutex_unlock (&self->lock);

    gst_as_pacer_sent (&t->pacer, frames, due, now);
    g_mutex_lock (&self->lock);
    self->lag = MAX (gst_as_pacer_lag (&t->pacer, now), 0);
    g_mutex_unlock (&self->lock);
    measure_network (self, t, socket, due, gst_clock_get_time (t->clock));
    adapt_buffer (self, t);
    maybe_post_stats (self, t);

    if (eos_drained (self, t)) {
      shutdown_gracefully (self, socket);
      return STREAM_DONE;
    }
  }
}

/* After a connection is lost: the frames the peer did not acknowledge go
 * out first on the next connection, and the schedule steps back so that
 * they are paced like any other backlog. */
static void
recover_unacknowledged (GstAudioStreamSink * self, NetThread * t,
    GSocket * socket)
{
  GstAsTcpInfo info;
  guint64 acked, unacked, carried;

  if (t->bpf == 0)
    return;

  /* A receiver drops a partial frame at the end of a connection, so the
   * resend starts at the frame the acknowledged bytes end in. A Unix
   * socket's unread data died with its reader: nothing to tell. */
  if (is_tcp (socket) && gst_as_tcp_info_get (g_socket_get_fd (socket),
          &info, NULL))
    acked = MIN (info.bytes_acked / t->bpf, t->conn_frames);
  else
    acked = t->conn_frames;
  unacked = t->conn_frames - acked;
  if (unacked > gst_as_ring_level (&t->history)) {
    GST_WARNING_OBJECT (self, "%" G_GUINT64_FORMAT " frames unacknowledged "
        "but only %" G_GUINT64_FORMAT " kept", unacked,
        gst_as_ring_level (&t->history));
    unacked = gst_as_ring_level (&t->history);
  }

  /* New order: this connection's unacknowledged frames, then the resend
   * frames it never reached. */
  carried = gst_as_ring_read (&t->resend, t->scratch,
      gst_as_ring_level (&t->resend));
  gst_as_ring_skip (&t->history, gst_as_ring_level (&t->history) - unacked);
  gst_as_ring_reset (&t->resend);
  while (gst_as_ring_level (&t->history) > 0) {
    guint64 n = gst_as_ring_read (&t->history, t->chunk_buf, t->chunk);

    gst_as_ring_write_overwrite (&t->resend, t->chunk_buf, n);
  }
  gst_as_ring_write_overwrite (&t->resend, t->scratch, carried);
  if (t->resend.dropped > 0) {
    g_mutex_lock (&self->lock);
    self->lost_frames += t->resend.dropped;
    g_mutex_unlock (&self->lock);
  }

  GST_INFO_OBJECT (self, "connection lost: %" G_GUINT64_FORMAT " of %"
      G_GUINT64_FORMAT " frames acknowledged, %" G_GUINT64_FORMAT
      " to resend", acked, t->conn_frames, gst_as_ring_level (&t->resend));

  gst_as_pacer_rewind (&t->pacer, unacked);
  t->delivered_before += acked;
  t->conn_frames = 0;
  gst_as_ring_reset (&t->history);

  g_mutex_lock (&self->lock);
  self->frames_sent = t->delivered_before;
  self->bytes_sent = self->frames_sent * t->bpf;
  self->resend_frames = gst_as_ring_level (&t->resend);
  g_mutex_unlock (&self->lock);
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

/* called with self->lock held */
static void
mark_connected (GstAudioStreamSink * self, gboolean connected)
{
  if (self->connected && !connected)
    self->down_since_us = g_get_monotonic_time ();
  self->connected = connected;
  if (connected)
    self->released_told = FALSE;
  g_cond_broadcast (&self->cond);
}

static void
set_connected (GstAudioStreamSink * self, gboolean connected)
{
  g_mutex_lock (&self->lock);
  mark_connected (self, connected);
  g_mutex_unlock (&self->lock);
}

/* Marks the network as failed for good, so render() and EOS stop waiting.
 * Done after the error is posted: the element's own error, which names the
 * receiver, must reach the application before upstream's "Internal data
 * stream error" that the failing render() causes. */
static void
fail (GstAudioStreamSink * self)
{
  g_mutex_lock (&self->lock);
  self->net_failed = TRUE;
  mark_connected (self, FALSE);
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

/* GIO says "Could not connect to HOST: REASON", with HOST as it resolved
 * it ("::1" for "[::1]"), or "Could not connect: REASON" for a Unix socket;
 * the element names the target itself, so keep only the reason. An address
 * has no ": " in it, so the first one ends the prefix. */
static const gchar *
failure_reason (const GError * err)
{
  const gchar *reason = err->message, *sep;

  if (g_str_has_prefix (reason, "Could not connect") &&
      (sep = strstr (reason, ": ")) != NULL)
    reason = sep + 2;
  return reason;
}

/* A Unix socket path that is something else: say what, rather than the
 * kernel's "Connection refused". Returns NULL when it is a socket or does
 * not exist (GIO's reason says that well). */
static gchar *
describe_non_socket (const gchar * path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0 || S_ISSOCK (st.st_mode))
    return NULL;
  if (S_ISDIR (st.st_mode))
    return g_strdup_printf ("%s is a directory, not a socket", path);
  if (S_ISREG (st.st_mode))
    return g_strdup_printf ("%s is a regular file, not a socket", path);
  return g_strdup_printf ("%s is not a socket", path);
}

static gchar *
describe_target (const NetSettings * s)
{
  if (s->socket_path)
    return g_strdup_printf ("unix:%s", s->socket_path);
  return g_strdup_printf ("%s port %d", s->host, s->port);
}

/* One WARNING per failure, at most one a second: a sender retrying a dead
 * server for days must not flood the bus. */
static void
warn_failure (GstAudioStreamSink * self, NetThread * t, const gchar * what,
    const gchar * reason, guint retry_ms)
{
  gint64 now = g_get_monotonic_time ();

  if (now - t->last_warning_us < WARNING_INTERVAL_US) {
    t->warnings_suppressed++;
    GST_INFO_OBJECT (self, "%s %s: %s (warning suppressed)", what, t->target,
        reason);
    return;
  }
  t->last_warning_us = now;
  GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
      ("%s %s: %s. Retrying in %.1f s.", what, t->target, reason,
          retry_ms / 1000.0),
      ("%u earlier warnings suppressed", t->warnings_suppressed));
  t->warnings_suppressed = 0;
}

/* What to do after a connection attempt failed or a connection was lost:
 * give up with an error, or wait the backoff out. Returns TRUE to try again,
 * FALSE when the thread is done. */
static gboolean
handle_failure (GstAudioStreamSink * self, NetThread * t, guint attempt,
    gboolean was_connected, const gchar * reason)
{
  const gchar *what = was_connected ? "Lost the connection to" :
      "Could not connect to";
  guint retry_ms;

  if (!t->s.auto_reconnect || (t->s.max_reconnect_attempts > 0 &&
          attempt >= t->s.max_reconnect_attempts)) {
    post_connection (self, "failed", attempt, -1, t->target, reason);
    if (t->s.auto_reconnect)
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          ("Gave up on %s after %u attempts: %s.", t->target, attempt,
              reason), ("max-reconnect-attempts reached"));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          ("%s %s: %s.", what, t->target, reason),
          ("auto-reconnect is off"));
    fail (self);
    return FALSE;
  }

  if (is_eos (self)) {
    guint64 frames, ms;

    /* Nobody is left to wait for: EOS must not hang on a dead server. */
    g_mutex_lock (&self->lock);
    frames = gst_as_ring_level (&self->ring) + gst_as_ring_level (&t->resend);
    ms = frames_to_ms (self, frames);
    g_mutex_unlock (&self->lock);
    post_connection (self, "disconnected", attempt, -1, t->target, reason);
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("%s %s at end of stream: %" G_GUINT64_FORMAT " ms of audio were "
            "not delivered.", what, t->target, ms), ("%s", reason));
    finish_drain (self);
    return FALSE;
  }

  /* "waiting" names the attempt that failed: none yet after a connection
   * was lost, which "disconnected" reports with the attempt that made it. */
  retry_ms = gst_as_backoff_next_ms (&t->backoff);
  if (was_connected)
    post_connection (self, "disconnected", attempt, -1, t->target, reason);
  post_connection (self, "waiting", was_connected ? 0 : attempt, retry_ms,
      t->target, reason);
  warn_failure (self, t, what, reason, retry_ms);
  return sleep_ms (self, t, retry_ms);
}

/* One connection: connect, stream until it ends. Returns TRUE to connect
 * again, FALSE when the thread is done. */
static gboolean
run_connection (GstAudioStreamSink * self, NetThread * t, guint * attempt)
{
  GSocketConnection *conn;
  GSocket *socket;
  GError *err = NULL;
  StreamResult result;
  gint64 connected_at;
  gboolean again = FALSE;
  gchar *remote;

  (*attempt)++;
  post_connection (self, "connecting", *attempt, -1, t->target, NULL);
  g_mutex_lock (&self->lock);
  self->connect_attempts++;
  g_mutex_unlock (&self->lock);

  conn = net_connect (self, t, &err);
  if (conn == NULL) {
    gchar *what = NULL;

    if (t->s.socket_path)
      what = describe_non_socket (t->s.socket_path);
    if (!g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      again = handle_failure (self, t, *attempt, FALSE,
          what ? what : failure_reason (err));
    g_free (what);
    g_error_free (err);
    return again;
  }

  socket = g_socket_connection_get_socket (conn);
  tune_socket (self, t, socket);
  remote = describe_remote (conn);
  connected_at = g_get_monotonic_time ();
  GST_INFO_OBJECT (self, "connected to %s (%s)", t->target, remote);
  g_mutex_lock (&self->lock);
  mark_connected (self, TRUE);
  if (self->connections++ > 0)
    self->reconnects++;
  g_mutex_unlock (&self->lock);
  post_connection (self, "connected", *attempt, -1, remote, NULL);

  result = stream (self, t, socket, &err);
  set_connected (self, FALSE);

  switch (result) {
    case STREAM_DONE:
      post_connection (self, "disconnected", *attempt, -1, remote, NULL);
      finish_drain (self);
      break;
    case STREAM_STOPPED:
      break;
    case STREAM_LOST:
      recover_unacknowledged (self, t, socket);
      /* A connection that held for a while was a good one: start the
       * backoff over. */
      if (g_get_monotonic_time () - connected_at >=
          (gint64) t->s.reconnect_min_ms * G_TIME_SPAN_MILLISECOND) {
        gst_as_backoff_reset (&t->backoff);
        *attempt = 0;
      }
      again = handle_failure (self, t, MAX (*attempt, 1), TRUE, err->message);
      break;
  }

  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_object_unref (conn);
  g_clear_error (&err);
  g_free (remote);
  return again;
}

static void
net_thread_clear (NetThread * t)
{
  if (t->clock_id)
    gst_clock_id_unref (t->clock_id);
  gst_clear_object (&t->clock);
  g_free (t->chunk_buf);
  g_free (t->scratch);
  gst_as_ring_clear (&t->history);
  gst_as_ring_clear (&t->resend);
  gst_as_backoff_clear (&t->backoff);
  g_free (t->target);
  net_settings_clear (&t->s);
}

static gpointer
net_thread_func (gpointer user_data)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (user_data);
  NetThread t = { 0 };
  guint attempt = 0;

  net_settings_copy (self, &t.s);
  t.target = describe_target (&t.s);
  t.stats_last = g_get_monotonic_time () * GST_USECOND;
  gst_as_backoff_init (&t.backoff, t.s.reconnect_min_ms,
      t.s.reconnect_max_ms, GST_AS_BACKOFF_DEFAULT_JITTER, 0);
  gst_as_jitter_init (&t.net_jitter, JITTER_BIN_US, JITTER_BINS,
      JITTER_HALF_LIFE_US);
  gst_as_rate_limit_init (&t.user_messages, USER_MESSAGES_PER_SECOND);
  t.target_posted_ms = t.s.prefill_ms;
  if (t.s.high_priority)
    raise_priority (self);
  prctl (PR_SET_TIMERSLACK, NET_TIMER_SLACK_NS, 0, 0, 0);

  while (run_connection (self, &t, &attempt));

  net_thread_clear (&t);
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
  guint prefill_ms, send_timeout_ms;
  gsize path_len = 0;

  GST_OBJECT_LOCK (self);
  have_host = (self->host != NULL && self->host[0] != '\0') ||
      (self->socket_path != NULL && self->socket_path[0] != '\0');
  prefill_ms = self->prefill_ms;
  send_timeout_ms = self->send_timeout_ms;
  if (self->socket_path)
    path_len = strlen (self->socket_path);
  GST_OBJECT_UNLOCK (self);
  if (!have_host)
    goto no_host;
  /* GLib would cut a longer path short and connect to whatever socket
   * lives at the shortened one. */
  if (path_len > MAX_SOCKET_PATH_BYTES)
    goto path_too_long;

  g_mutex_lock (&self->lock);
  gst_as_ring_reset (&self->ring);
  self->have_format = FALSE;
  gst_caps_replace (&self->refused_caps, NULL);
  self->format_taken = FALSE;
  self->live_known = FALSE;
  self->upstream_live = FALSE;
  self->flushing = FALSE;
  self->stopping = FALSE;
  self->eos = FALSE;
  self->drained = FALSE;
  self->net_failed = FALSE;
  self->connected = FALSE;
  self->down_since_us = g_get_monotonic_time ();
  self->hold_us = (gint64) send_timeout_ms * G_TIME_SPAN_MILLISECOND;
  self->realtime_next_us = 0;
  self->released_told = FALSE;
  self->bytes_sent = self->frames_sent = 0;
  self->underruns = self->silence_frames = 0;
  self->reconnects = self->connections = self->connect_attempts = 0;
  self->lost_frames = 0;
  self->resend_frames = 0;
  gst_as_histogram_reset (&self->lateness_total);
  gst_as_histogram_reset (&self->lateness_interval);
  self->started = g_get_monotonic_time () * GST_USECOND;
  self->stopped = GST_CLOCK_TIME_NONE;
  self->target_ms = prefill_ms;
  self->stream_prefill_ms = prefill_ms;
  self->prefill_warned = FALSE;
  self->lag = 0;
  self->jitter_ms = 0;
  self->capture_started = FALSE;
  gst_as_jitter_init (&self->capture_jitter, JITTER_BIN_US, JITTER_BINS,
      JITTER_HALF_LIFE_US);
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
      ("No receiver to send to: set the host or socket-path property."),
      (NULL));
  return FALSE;

path_too_long:
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("socket-path is %" G_GSIZE_FORMAT " bytes long, but a Unix socket "
          "path can have at most %" G_GSIZE_FORMAT " bytes: use a shorter "
          "path (a symbolic link to the directory works).", path_len,
          (gsize) MAX_SOCKET_PATH_BYTES), (NULL));
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

static void
refuse_caps (GstAudioStreamSink * self, GstCaps * caps)
{
  g_mutex_lock (&self->lock);
  gst_caps_replace (&self->refused_caps, caps);
  g_mutex_unlock (&self->lock);
}

static gboolean
gst_audio_stream_sink_set_caps (GstBaseSink * bsink, GstCaps * caps)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);
  GstAudioInfo info;
  guint ring_ms, chunk_samples, chunk;
  guint64 capacity, prefill_ms;
  gboolean warn_prefill = FALSE;

  /* A pad offers refused sticky caps again with every buffer: one ERROR
   * is enough. */
  g_mutex_lock (&self->lock);
  if (self->refused_caps && gst_caps_is_equal (caps, self->refused_caps)) {
    g_mutex_unlock (&self->lock);
    return FALSE;
  }
  g_mutex_unlock (&self->lock);

  if (!gst_audio_info_from_caps (&info, caps))
    goto invalid_caps;

  GST_OBJECT_LOCK (self);
  ring_ms = effective_ring_buffer_ms (self);
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
    if (self->format_taken || self->ring.write_pos > 0)
      goto format_change;
  }
  gst_as_ring_clear (&self->ring);
  gst_as_ring_init (&self->ring, GST_AUDIO_INFO_BPF (&info), capacity);
  self->rate = GST_AUDIO_INFO_RATE (&info);
  self->bpf = GST_AUDIO_INFO_BPF (&info);
  self->chunk = chunk;
  self->have_format = TRUE;
  prefill_ms = frames_to_ms (self, prefill_frames (self,
          self->stream_prefill_ms));
  if (prefill_ms < self->stream_prefill_ms && !self->prefill_warned) {
    self->prefill_warned = TRUE;
    warn_prefill = TRUE;
  }
  self->target_ms = MIN (self->target_ms, prefill_ms);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (warn_prefill)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("prefill-ms (%u) does not fit in ring-buffer-ms (%u) with a chunk to "
            "spare: prefilling %" G_GUINT64_FORMAT " ms instead. Make "
            "ring-buffer-ms larger for a larger cushion.",
            self->stream_prefill_ms, ring_ms, prefill_ms), (NULL));

  GST_INFO_OBJECT (self, "%d Hz, %d channels, ring %" G_GUINT64_FORMAT
      " frames", GST_AUDIO_INFO_RATE (&info), GST_AUDIO_INFO_CHANNELS (&info),
      capacity);
  return TRUE;

invalid_caps:
  refuse_caps (self, caps);
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Could not parse the audio format."), ("caps: %" GST_PTR_FORMAT, caps));
  return FALSE;

format_change:
  {
    gint old_rate = self->rate;
    guint old_bpf = self->bpf;

    gst_caps_replace (&self->refused_caps, caps);
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

/* How late each live buffer arrives against the media schedule (frames so
 * far / rate), on the pipeline clock, which for a capture source is the
 * device's own: stalls of capture delivery that the buffer must ride out.
 * The schedule's origin is the earliest arrival seen, so the values are
 * delays above the best case. No allocation, no I/O.
 * called with self->lock held; @now is in microseconds */
static void
measure_capture (GstAudioStreamSink * self, guint64 frames, gint64 now)
{
  gint64 media_us, origin;

  if (!self->capture_started) {
    self->capture_started = TRUE;
    self->capture_frames = 0;
    self->capture_first_us = now;
    self->capture_origin_us = 0;
  }
  self->capture_frames += frames;
  /* a buffer arrives when its last frame has been captured */
  media_us = gst_util_uint64_scale_int (self->capture_frames,
      G_USEC_PER_SEC, self->rate);
  origin = now - self->capture_first_us - media_us;
  if (origin < self->capture_origin_us) {
    /* an earlier best case: every stored delay grows by the difference */
    gst_as_jitter_shift (&self->capture_jitter,
        self->capture_origin_us - origin);
    self->capture_origin_us = origin;
  }
  gst_as_jitter_add (&self->capture_jitter, now,
      origin - self->capture_origin_us, (gdouble) frames / self->rate);
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

/* A non-live upstream waits for room in the ring: a file streams at real
 * time and loses nothing across a short outage. But while it waits, its
 * streaming thread holds the stream lock, and an application's EOS (which
 * a GstBaseSrc delivers only once it has that lock) cannot get through.
 * So the wait is bounded: once the connection has been down for
 * send-timeout-ms, the upstream is released and kept at real time, and the
 * ring keeps the newest audio as for a live upstream (drops counted as
 * overflows); backpressure resumes when the connection is back.
 * called with self->lock held */
static gboolean
upstream_released (GstAudioStreamSink * self, gint64 now)
{
  return !self->connected && now - self->down_since_us >= self->hold_us;
}

/* Keeps a released upstream at real time: each write waits for the
 * duration of the audio before it. Returns FALSE when woken to stop.
 * called with self->lock held */
static gboolean
wait_realtime (GstAudioStreamSink * self, guint64 frames)
{
  gint64 now = g_get_monotonic_time ();

  if (self->realtime_next_us < now - G_TIME_SPAN_SECOND)
    self->realtime_next_us = now;
  while (!self->flushing && !self->net_failed && !self->connected &&
      g_get_monotonic_time () < self->realtime_next_us)
    g_cond_wait_until (&self->cond, &self->lock, self->realtime_next_us);
  self->realtime_next_us += gst_util_uint64_scale_int (frames,
      G_USEC_PER_SEC, self->rate);
  return !self->flushing && !self->net_failed;
}

/* unlock() woke render(): as GstBaseSink expects, wait for PLAYING (a
 * pause) or return FLUSHING (a flush or a stop).
 * called with self->lock held; it is dropped around the wait */
static GstFlowReturn
wait_unlocked (GstAudioStreamSink * self)
{
  GstFlowReturn ret;

  g_mutex_unlock (&self->lock);
  ret = gst_base_sink_wait_preroll (GST_BASE_SINK (self));
  g_mutex_lock (&self->lock);
  return ret;
}

/* called with self->lock held; waits for room instead of dropping, within
 * the bound above. *released tells whether the upstream was released. */
static GstFlowReturn
write_blocking (GstAudioStreamSink * self, const guint8 * data,
    guint64 frames, gboolean * released)
{
  while (frames > 0) {
    guint64 n = gst_as_ring_write (&self->ring, data, frames);
    gint64 now;

    if (n > 0) {
      g_cond_broadcast (&self->cond);
      data += n * self->bpf;
      frames -= n;
      continue;
    }
    if (self->net_failed)
      return GST_FLOW_ERROR;
    if (self->flushing) {
      GstFlowReturn ret = wait_unlocked (self);

      if (ret != GST_FLOW_OK)
        return ret;
      continue;
    }
    now = g_get_monotonic_time ();
    if (upstream_released (self, now)) {
      if (!wait_realtime (self, frames))
        continue;
      if (upstream_released (self, g_get_monotonic_time ())) {
        gst_as_ring_write_overwrite (&self->ring, data, frames);
        g_cond_broadcast (&self->cond);
        *released = TRUE;
        return GST_FLOW_OK;
      }
      continue;
    }
    if (!self->connected)
      g_cond_wait_until (&self->cond, &self->lock,
          self->down_since_us + self->hold_us);
    else
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
  gboolean live_known, released = FALSE, tell_released = FALSE;
  gint64 now_us = arrival_time_us (self);

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
    guint64 lost;

    measure_capture (self, frames, now_us);
    lost = gst_as_ring_write_overwrite (&self->ring, map.data, frames);
    if (lost > 0)
      GST_DEBUG_OBJECT (self, "ring full: dropped %" G_GUINT64_FORMAT
          " oldest frames", lost);
    g_cond_broadcast (&self->cond);
  } else {
    ret = write_blocking (self, map.data, frames, &released);
    if (released && !self->released_told) {
      self->released_told = TRUE;
      tell_released = TRUE;
    }
  }
  g_mutex_unlock (&self->lock);

  gst_buffer_unmap (buffer, &map);
  if (tell_released)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("The receiver has been unreachable for longer than send-timeout-ms: "
            "the upstream is no longer held back, and audio the ring cannot "
            "hold is dropped (counted in dropped-samples) until the "
            "connection is back."), (NULL));
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
