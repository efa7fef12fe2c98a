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

#include "audiostream/sockopts.h"
#include "audiostream/netsender.h"
#include "audiostream/netsink.h"
#include "audiostream/propbind.h"
#include "audiostream/ringfit.h"
#include "audiostream/sinksettings.h"
#include "audiostream/urihandler.h"

GST_DEBUG_CATEGORY_STATIC (gst_audio_stream_sink_debug);
#define GST_CAT_DEFAULT gst_audio_stream_sink_debug

#define SINK_CAPS \
  "audio/x-raw, format = (string) { S16LE, S24LE, S32LE, F32LE }, " \
  "layout = (string) interleaved, " \
  "rate = (int) [ 8000, 192000 ], channels = (int) [ 1, 8 ]"

enum
{
  PROP_0,
  PROP_STATS,
  PROP_SETTINGS_FIRST,          /* the rest (sinksettings.h) */
};

/* Threads: the streaming thread (render(), set_caps(), events), the
 * network thread (the process's scheduler thread, which runs this
 * element's GstAsNetSender and its GstAsSender; connect and the EOS drain
 * on a shared pool), and application threads (properties, state changes).
 *
 * Lock order: GST_OBJECT_LOCK, then net.lock, then the sender's
 * stats_lock; front.lock is a leaf (sinkfront.h). The only nesting is
 * net.lock around gst_as_sender_get_stats() in read_stats() (the stats
 * property). No lock is held across I/O, a clock wait or a callback.
 *
 * Why render() never waits on the network, step by step:
 * - netsink.c's render() maps the buffer and finds write_audio() with
 *   one load (the sink pad's element-private pointer, set at init).
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

  /* every property but stats, under the object lock (propbind.h) */
  GstAsSinkSettings settings;

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
  return gst_as_dscp_get_type ();
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (SINK_CAPS));

/* the GstBaseSink half (netsink.h), at the end */
static const GstAsNetSinkOps sink_ops;

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
    gst_as_socket_types_init ();
    g_once_init_leave (&done, 1);
  }
}

GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (audiostreamsink, "audiostreamsink",
    GST_RANK_NONE, GST_TYPE_AUDIO_STREAM_SINK, element_init_once ());

static void read_stats (GObject * object, GValue * value);
static void gst_audio_stream_sink_dispose (GObject * object);
static void gst_audio_stream_sink_finalize (GObject * object);

static void
gst_audio_stream_sink_class_init (GstAudioStreamSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  element_init_once ();

  gobject_class->dispose = gst_audio_stream_sink_dispose;
  gobject_class->finalize = gst_audio_stream_sink_finalize;
  gst_as_net_sink_class_init (GST_BASE_SINK_CLASS (klass), &sink_ops);

  gst_as_sink_settings_install (gobject_class, PROP_SETTINGS_FIRST,
      G_STRUCT_OFFSET (GstAudioStreamSink, settings));
  gst_as_prop_install_reader (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "audiostreamsink-stats structure: uptime-ms, bytes-sent, "
          "samples-sent, bitrate-kbps (since start), buffer-level-ms, "
          "buffer-target-ms, buffer-capacity-ms, underruns, silence-samples, "
          "overflows, dropped-samples, lost-samples, lag-dropped-samples, "
          "reconnects, connect-attempts, connected, lag-ms, "
          "pacing-error-p99-us (since start)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS),
      read_stats);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "Audio stream sink", "Sink/Network/Audio",
      "Sends raw PCM (S16LE, S24LE, S32LE, F32LE) to a TCP server at a "
      "constant, clock-paced bitrate, buffered so the network never blocks "
      "capture",
      "gst-audiostream developers");
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
  gst_as_sink_settings_init (&self->settings);
  gst_as_sink_front_init (&self->front, GST_BASE_SINK (self),
      gst_as_net_sender_wake, &self->net);
  gst_as_net_sender_init (&self->net, &self->front, &net_host, self);
  self->started = self->stopped = GST_CLOCK_TIME_NONE;
  gst_as_net_sink_init (GST_BASE_SINK (self));
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

  gst_as_sink_settings_clear (&self->settings);
  gst_as_tls_client_unref (self->tls_client);
  gst_as_net_sender_clear (&self->net);
  gst_as_sink_front_clear (&self->front);
  gst_caps_replace (&self->refused_caps, NULL);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* The stats property: totals since start, from the sender's snapshot. */
static void
read_stats (GObject * object, GValue * value)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (object);
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
  g_value_take_boxed (value, gst_as_sender_stats_structure (&st, &in, up,
          kbps, st.pacing_p99_us));
}

/* ------------------------------------------------------------------------ */
/* GstBaseSink                                                               */

/* The TLS settings for the network thread, loaded now so that a missing
 * file is one error at start, not one per reconnect. */
static gboolean
load_tls (GstAudioStreamSink * self, const GstAsSinkSettings * s)
{
  GError *err = NULL;

  g_clear_pointer (&self->tls_client, gst_as_tls_client_unref);
  if (gst_as_sink_settings_load_tls (s, &self->tls_client, &err))
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
  GstAsSinkSettings s;
  GstAsSenderConfig config;
  GstAsTransportTarget target;
  gboolean ok = FALSE;
  GError *err = NULL;

  /* copied so that the network thread never touches the properties */
  GST_OBJECT_LOCK (self);
  gst_as_sink_settings_copy (&s, &self->settings);
  self->started = g_get_monotonic_time () * GST_USECOND;
  self->stopped = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK (self);
  gst_as_sink_settings_target (&s, &target);
  gst_as_sink_settings_config (&s, &config);
  if (!load_tls (self, &s))
    goto done;
  target.tls = self->tls_client;

  gst_as_sink_front_reset (&self->front);
  gst_caps_replace (&self->refused_caps, NULL);
  self->prefill_start_ms = config.prefill_ms;
  self->prefill_warned = FALSE;
  gst_as_capture_jitter_reset (&self->capture_jitter);

  if ((s.host == NULL || s.host[0] == '\0') && s.socket_path == NULL)
    goto no_receiver;
  if (!gst_as_net_sender_start (&self->net, &target, &config,
          s.high_priority, &err))
    goto no_thread;
  ok = TRUE;

done:
  g_free (config.target);
  gst_as_sink_settings_clear (&s);
  return ok;

no_receiver:
  GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
      ("No receiver to send to: set the host or socket-path property."),
      (NULL));
  goto done;

no_thread:
  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG))
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", err->message),
        (NULL));
  else
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Could not start the network thread."), ("%s", err->message));
  g_error_free (err);
  goto done;
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

/* A size that had to be fitted to the ring: say so (ringfit.h). */
static void
post_fit (GstAudioStreamSink * self, GstAsFitVerdict verdict, gchar * text)
{
  if (verdict == GST_AS_FIT_ERROR)
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", text), (NULL));
  else if (text != NULL)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("%s", text), (NULL));
  g_free (text);
}

/* The chunk and the prefill for a new format; the prefill's warning is
 * said once a start. */
static void
fit_format (GstAudioStreamSink * self, gint rate, guint ring_ms,
    guint chunk_samples, guint64 capacity)
{
  gchar *text;

  self->chunk = gst_as_fit_chunk (chunk_samples, capacity, &text);
  post_fit (self, GST_AS_FIT_WARNING, text);
  self->prefill_frames = gst_as_fit_prefill (self->prefill_start_ms, rate,
      self->chunk, ring_ms, capacity, &text);
  if (self->prefill_warned)
    g_clear_pointer (&text, g_free);
  self->prefill_warned |= text != NULL;
  post_fit (self, GST_AS_FIT_WARNING, text);
  self->largest_buffer = 0;
}

static gboolean
gst_audio_stream_sink_set_caps (GstBaseSink * bsink, GstCaps * caps)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);
  GstAsSinkFront *front = &self->front;
  GstAudioInfo info;
  guint ring_ms, chunk_samples, bpf;
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
  ring_ms = gst_as_sink_settings_buffer_ms (&self->settings,
      GST_AS_BUFFER_RING);
  chunk_samples = self->settings.chunk_samples;
  GST_OBJECT_UNLOCK (self);
  capacity = gst_util_uint64_scale_int (ring_ms, rate, 1000);
  /* the sending side of the format, published by set_format() */
  fit_format (self, rate, ring_ms, chunk_samples, capacity);
  gst_as_net_sender_set_format_side (&self->net, self->chunk,
      self->prefill_frames);
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

/* Checked for each larger buffer of a live upstream (ringfit.h): FALSE
 * after posting the error. */
static gboolean
fit_upstream_buffer (GstAudioStreamSink * self, guint64 frames)
{
  GstAsSinkFront *front = &self->front;
  guint64 prefill = self->prefill_frames;
  GstAsFitVerdict verdict;
  gchar *text;

  self->largest_buffer = frames;
  verdict = gst_as_fit_upstream_buffer (frames, self->chunk,
      front->ring.capacity, front->rate, g_atomic_int_get (&front->attached),
      &prefill, &text);
  if (prefill != self->prefill_frames) {
    self->prefill_frames = prefill;
    gst_as_net_sender_lower_prefill (&self->net, prefill);
  }
  post_fit (self, verdict, text);
  return verdict != GST_AS_FIT_ERROR;
}

/* render(): a live upstream never waits, a full ring loses its oldest
 * audio; a non-live one is held back (gst_as_net_sender_write()). */
static GstFlowReturn
write_audio (GstBaseSink * bsink, GstBuffer * buffer, const guint8 * data,
    gsize size)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (bsink);
  GstAsSinkFront *front = &self->front;
  gboolean known, live;
  gint64 now_us = arrival_time_us (self), jitter_us;
  guint64 frames;

  live = gst_as_sink_front_is_live (front, &known);
  if (G_UNLIKELY (!known))
    live = gst_as_sink_front_detect_live (front);
  if (G_UNLIKELY (!g_atomic_int_get (&front->configured)))
    return GST_FLOW_NOT_NEGOTIATED;
  if (G_UNLIKELY (gst_as_sink_front_has_failed (front)))
    return GST_FLOW_ERROR;

  frames = size / front->bpf;
  if (!live)
    return gst_as_net_sender_write (&self->net, data, frames);

  jitter_us = gst_as_capture_jitter_add (&self->capture_jitter, front->rate,
      frames, now_us);
  if (G_UNLIKELY (frames > self->largest_buffer) &&
      !fit_upstream_buffer (self, frames))
    return GST_FLOW_ERROR;
  if (jitter_us >= 0)
    gst_as_net_sender_set_capture_jitter (&self->net, jitter_us);
  return gst_as_sink_front_render (front, data, size);
}

/* EOS: bounded by the network thread, which drains (the kernel's part for
 * at most 5 s) or makes one last attempt and gives up. */
static gboolean
drain (GstBaseSink * bsink)
{
  GST_DEBUG_OBJECT (bsink, "EOS: draining");
  gst_as_sink_front_wait_drained (&GST_AUDIO_STREAM_SINK (bsink)->front,
      GST_CLOCK_TIME_NONE);
  GST_DEBUG_OBJECT (bsink, "EOS: drained");
  return TRUE;
}

static void
flush (GstBaseSink * bsink)
{
  gst_as_sink_front_flush (&GST_AUDIO_STREAM_SINK (bsink)->front);
}

static void
unlock (GstBaseSink * bsink, gboolean unlocked)
{
  if (unlocked)
    gst_as_sink_front_unlock (&GST_AUDIO_STREAM_SINK (bsink)->front);
  else
    gst_as_sink_front_unlock_stop (&GST_AUDIO_STREAM_SINK (bsink)->front);
}

static const GstAsNetSinkOps sink_ops = {
  gst_audio_stream_sink_start, gst_audio_stream_sink_stop,
  gst_audio_stream_sink_set_caps, write_audio, drain, flush, unlock,
};

/* ------------------------------------------------------------------------ */
/* GstURIHandler: tcp://host:port, tls://host:port, unix:///path            */

static gchar *
gst_audio_stream_sink_uri_get_uri (GstElement * element)
{
  GstAudioStreamSink *self = GST_AUDIO_STREAM_SINK (element);
  gchar *uri;

  GST_OBJECT_LOCK (self);
  uri = gst_as_sink_settings_get_uri (&self->settings);
  GST_OBJECT_UNLOCK (self);
  return uri;
}

/* called with the object lock held; the query is applied after */
static void
gst_audio_stream_sink_uri_take (GstElement * element, const GstAsUri * parsed)
{
  gst_as_sink_settings_set_uri (&GST_AUDIO_STREAM_SINK (element)->settings,
      parsed);
}

static const GstAsUriHandlerInfo sink_uri_info = {
  GST_URI_SINK, gst_as_sink_uri_params, gst_audio_stream_sink_uri_get_uri,
  gst_audio_stream_sink_uri_take,
};

static void
gst_audio_stream_sink_uri_handler_init (gpointer g_iface,
    gpointer iface_data)
{
  gst_as_uri_handler_init (g_iface, &sink_uri_info);
}
