/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/gst.h>

#include "backoff.h"
#include "histogram.h"
#include "jitter.h"
#include "pacer.h"
#include "quality.h"
#include "ratelimit.h"
#include "tcpinfo.h"

G_BEGIN_DECLS

/**
 * GstAsSenderInput:
 * @rate: the capture format's rate, 0 before it is known
 * @eos: no more audio will come
 * @live: a live upstream: a shortfall is filled with silence
 * @level: frames waiting in the capture ring
 * @capacity: the capture ring's size in frames
 * @overflows: writes into the full ring that dropped unsent audio, so far
 * @dropped: unsent frames those writes dropped, so far, including frames
 *   a lost connection had left to send again
 * @capture_jitter_us: the capture side's jitter estimate
 *
 * The capture side as the sender sees it, filled by the input callback;
 * @overflows and @dropped are totals since the start.
 */
typedef struct
{
  gint rate;
  gboolean eos;
  gboolean live;
  guint64 level;
  guint64 capacity;
  guint64 overflows;
  guint64 dropped;
  gint64 capture_jitter_us;
} GstAsSenderInput;

/**
 * GstAsSenderRead:
 * @pos: the capture stream position of the first frame read
 * @dropped: unsent frames the capture ring dropped since the last read
 *   (they took their time on the schedule)
 * @history_lost: frames to be sent again that were overwritten first
 *
 * What one read of captured audio found.
 */
typedef struct
{
  guint64 pos;
  guint64 dropped;
  guint64 history_lost;
} GstAsSenderRead;

/**
 * GstAsSenderFormat:
 *
 * What the sender sizes itself for once the first audio has come.
 */
typedef struct
{
  gint rate;                    /* 0: EOS came before any audio */
  guint bpf;
  guint chunk;                  /* frames per send */
  guint64 ring_capacity;        /* frames */
  guint64 prefill_frames;       /* what was prefilled, if less than
                                 * prefill-ms (the room upstream buffers
                                 * need); 0: prefill-ms */
  guint kernel_buffer_bytes;    /* the connection's send buffer */
} GstAsSenderFormat;

/**
 * GstAsCaptureJitter:
 *
 * The capture side of the jitter: how late each live buffer arrives
 * against the media schedule (frames so far / rate), on the pipeline
 * clock, which for a capture source is the device's own: stalls of capture
 * delivery that the buffer must ride out. The schedule's origin is the
 * earliest arrival seen, so the values are delays above the best case.
 * Fed by render() only (no lock, no allocation); the estimate it returns
 * every 100 ms is for the sender (GstAsSenderInput.capture_jitter_us).
 */
typedef struct
{
  GstAsJitter jitter;
  gboolean started;
  gint64 origin_us;             /* arrival time minus media time, lowest */
  guint64 frames;
  gint64 first_us;
  gint64 published_us;
} GstAsCaptureJitter;

void      gst_as_capture_jitter_reset (GstAsCaptureJitter * cj);
gint64    gst_as_capture_jitter_add   (GstAsCaptureJitter * cj, gint rate,
                                       guint64 frames, gint64 now_us);

/**
 * GstAsSenderCallbacks:
 * @read: copies up to @n_frames captured frames into @dest, marks them
 *   sent (they stay in the capture ring as history until overwritten) and
 *   returns how many; fills @info
 * @rewind: the frames from capture position @pos on must be read again
 *   (a lost connection did not deliver them); returns how many will be
 * @input: fills @in without taking audio; any thread
 * @send: writes all of @data to the connection; returns the bytes written,
 *   fewer with @error set (G_IO_ERROR_CANCELLED: the caller is stopping)
 * @tcp_info: the connection's TCP_INFO; FALSE if there is none
 * @now: the time on the schedule's clock
 * @now_us: monotonic time in microseconds (statistics, jitter, rate limits)
 * @post: an element message; the callee takes it
 * @tell: something a person must see: GST_MESSAGE_ERROR, _WARNING or _INFO
 * @playing: whether the element is PLAYING (else capture is meant to be
 *   idle and underruns are not told)
 *
 * and, for gst_as_sender_run():
 *
 * @connect: connects (blocking, cancellable); *@remote gets the peer's
 *   address (the callee keeps it); FALSE with @error (its message the
 *   reason only; G_IO_ERROR_CANCELLED when stopping)
 * @disconnect: closes the connection, first letting the kernel transmit
 *   what it holds (bounded) if @drain
 * @check_peer: FALSE with @error when the peer closed or reset
 * @wait_audio: waits until the first audio and the prefill are there and
 *   fills @format; FALSE when stopping
 * @wait_until: sleeps until @deadline on the schedule's clock; FALSE when
 *   stopping
 * @sleep_ms: sleeps @ms of wall time, shorter if EOS comes; FALSE when
 *   stopping
 * @done: the stream is over: drained (EOS) or, if @failed, failed for good
 *
 * How the engine acts on the world: an element wires these to its ring,
 * its socket, its clock and its bus; a unit test to fakes.
 */
typedef struct
{
  guint64 (*read) (gpointer user_data, guint8 * dest, guint64 n_frames,
      GstAsSenderRead * info);
  guint64 (*rewind) (gpointer user_data, guint64 pos);
  void (*input) (gpointer user_data, GstAsSenderInput * in);
  gsize (*send) (gpointer user_data, const guint8 * data, gsize size,
      GError ** error);
  gboolean (*tcp_info) (gpointer user_data, GstAsTcpInfo * info);
  GstClockTime (*now) (gpointer user_data);
  gint64 (*now_us) (gpointer user_data);
  void (*post) (gpointer user_data, GstStructure * message);
  void (*tell) (gpointer user_data, GstMessageType type, const gchar * text,
      const gchar * debug);
  gboolean (*playing) (gpointer user_data);

  gboolean (*connect) (gpointer user_data, const gchar ** remote,
      GError ** error);
  void (*disconnect) (gpointer user_data, gboolean drain);
  gboolean (*check_peer) (gpointer user_data, GError ** error);
  gboolean (*wait_audio) (gpointer user_data, GstAsSenderFormat * format);
  gboolean (*wait_until) (gpointer user_data, GstClockTime deadline);
  gboolean (*sleep_ms) (gpointer user_data, guint ms);
  void (*done) (gpointer user_data, gboolean failed);
} GstAsSenderCallbacks;

/**
 * GstAsSenderConfig:
 *
 * The settings the engine works with, copied from the element's
 * properties when its thread starts.
 */
typedef struct
{
  gchar *target;                /* "host port N" / "unix:path", for texts */
  guint prefill_ms;
  guint stats_interval_ms;
  gboolean auto_reconnect;
  guint reconnect_min_ms;
  guint reconnect_max_ms;
  guint max_reconnect_attempts;
  gboolean adaptive_buffer;
  guint min_buffer_ms;
  guint max_buffer_ms;
  guint max_lag_ms;             /* 0: keep every backlog */
} GstAsSenderConfig;

/**
 * GstAsSenderStats:
 *
 * A snapshot of the sender's counters, published by the sending thread
 * and readable from any thread (gst_as_sender_get_stats()).
 */
typedef struct
{
  gint rate;
  guint bpf;
  guint64 frames_sent;          /* delivered, silence included */
  guint64 underruns;
  guint64 silence_frames;
  guint64 lost_frames;
  guint64 lag_dropped_frames;   /* dropped by max-lag-ms */
  guint64 reconnects;
  guint64 connect_attempts;
  gboolean connected;
  guint64 target_ms;
  GstClockTime lag;
  gdouble jitter_ms;
  gint64 pacing_p99_us;         /* since start */
} GstAsSenderStats;

typedef enum
{
  GST_AS_SENDER_SENT,           /* a chunk went out */
  GST_AS_SENDER_IDLE,           /* nothing to send at this deadline */
  GST_AS_SENDER_DRAINED,        /* EOS: everything is out */
  GST_AS_SENDER_LOST,           /* the connection failed */
  GST_AS_SENDER_STOPPED,        /* the send was cancelled */
} GstAsSenderResult;

typedef enum
{
  GST_AS_SENDER_RETRY,          /* wait the returned time, try again */
  GST_AS_SENDER_GIVE_UP,        /* an ERROR was told; the stream failed */
  GST_AS_SENDER_FINISH,         /* EOS with no connection: done */
} GstAsSenderAction;

typedef struct
{
  guint64 wire;                 /* first wire frame of the chunk */
  guint64 pos;                  /* capture position of its first frame */
  guint frames;                 /* captured frames, then @silence */
  guint silence;
} GstAsSenderChunk;

/**
 * GstAsSender:
 *
 * The sending half of audiostreamsink, without a GstElement in sight: it
 * is handed the time and acts through #GstAsSenderCallbacks.
 *
 * Once the format is known it keeps a constant-bitrate schedule (deadlines
 * from a frame counter, GstAsPacer) and sends one chunk per deadline: first
 * what a lost connection did not deliver, then captured audio, then
 * silence if a live capture ran dry. Frames the capture ring dropped, and
 * a file's shortfall, move the schedule on. After an outage the backlog
 * goes out at the pacer's bounded catch-up rate. When a connection is
 * lost, the capture ring is rewound to the frame the acknowledged bytes
 * end in, and what the peer did not acknowledge goes out again (silence
 * is not resent: it was filler). It follows the
 * jitter with an adaptive buffer target, gathers the quality inputs, and
 * posts the stats, quality, buffer-resize and connection messages.
 *
 * Threads: everything but gst_as_sender_get_stats() runs on the one
 * sending thread. The snapshot is copied under @stats_lock, which is held
 * only for that copy and is never taken by a render() path.
 */
typedef struct
{
  GstAsSenderConfig config;
  GstAsSenderCallbacks cb;
  gpointer user_data;

  /* format, once known */
  gint rate;
  guint bpf;
  guint chunk;
  guint8 *chunk_buf;
  guint64 prefill_ms;           /* what the ring allows of prefill-ms */
  guint64 ring_capacity;
  guint64 cushion_limit_ms;     /* most the target may be */

  GstAsPacer pacer;
  gboolean pacing;
  GstAsSenderInput in;          /* as of the last chunk */
  gint64 started_us;

  /* What this connection was sent, a record a chunk, enough of them to
   * cover what the kernel can hold unacknowledged: where each chunk starts
   * on the wire and in the capture stream, so that a lost connection is
   * resent from the capture frame its acknowledged bytes end in. The
   * audio itself stays in the capture ring until overwritten. */
  GstAsSenderChunk *chunks;
  guint n_chunks;               /* the array's size */
  guint64 conn_chunks;          /* records written on this connection */
  guint64 conn_frames;          /* wire frames written on it */
  guint64 delivered_before;     /* acknowledged on earlier connections */
  guint64 lag_floor;            /* capture position the last max-lag-ms
                                 * drop ended at: never sent again */

  /* connection and counters */
  GstAsBackoff backoff;
  guint attempt;
  gboolean was_connected;
  gint64 connected_at_us;
  guint64 connections;
  gint64 last_warning_us;
  guint warnings_suppressed;
  GstAsSenderStats stats;       /* the thread's own copy */
  GstAsHistogram lateness_total;
  GstAsHistogram lateness_interval;

  /* jitter and the adaptive target */
  GstAsJitter net_jitter;
  GstAsJitterTarget buffer_target;
  guint64 target_posted_ms;
  gint64 adapt_last_us;
  GstAsTcpInfo tcp;
  gboolean have_tcp;
  gint64 tcp_checked_us;
  gint64 peer_checked_us;

  /* messages */
  gint64 stats_last_us;
  guint64 stats_last_frames;
  gint64 p99_published_us;
  GstAsRateLimit user_messages;
  guint stats_posted;
  GstAsRating rating;
  gboolean rating_posted;
  guint64 quality_underruns;
  guint64 quality_overflows;
  guint32 quality_retrans;
  guint64 overflows_told;
  gboolean overflow_warned;     /* this episode's WARNING is out */
  guint64 underruns_told;

  GMutex stats_lock;
  GstAsSenderStats published;
} GstAsSender;

void      gst_as_sender_init          (GstAsSender * sender,
                                       const GstAsSenderConfig * config,
                                       const GstAsSenderCallbacks * cb,
                                       gpointer user_data);
void      gst_as_sender_clear         (GstAsSender * sender);

/* the format; once, before the schedule starts */
void      gst_as_sender_set_format    (GstAsSender * sender, gint rate,
                                       guint bpf, guint chunk,
                                       guint64 ring_capacity,
                                       guint kernel_buffer_bytes);
guint64   gst_as_prefill_frames       (guint prefill_ms, gint rate,
                                       guint chunk, guint64 ring_capacity);
void      gst_as_sender_limit_prefill (GstAsSender * sender,
                                       guint64 prefill_frames);

/* the whole sending thread: connect, stream, recover, retry, until EOS is
 * drained, a fatal failure or a stop */
void      gst_as_sender_run           (GstAsSender * sender);

/* the schedule */
void      gst_as_sender_start         (GstAsSender * sender);
void      gst_as_sender_start_on_grid (GstAsSender * sender,
                                       GstClockTime grid,
                                       GstClockTime offset);
GstClockTime gst_as_sender_grid_offset (guint index, guint group,
                                       GstClockTime grid, GstClockTime slot);
gboolean  gst_as_sender_is_started    (const GstAsSender * sender);
GstClockTime gst_as_sender_next_deadline (const GstAsSender * sender);
GstAsSenderResult gst_as_sender_send  (GstAsSender * sender,
                                       GstClockTime due, GstClockTime now,
                                       gint64 now_us, GError ** error);

/* the connection */
void      gst_as_sender_connecting    (GstAsSender * sender);
void      gst_as_sender_connected     (GstAsSender * sender,
                                       const gchar * remote);
void      gst_as_sender_lost          (GstAsSender * sender,
                                       gboolean have_acked,
                                       guint64 bytes_acked);
void      gst_as_sender_closed        (GstAsSender * sender,
                                       const gchar * remote);
GstAsSenderAction gst_as_sender_failed (GstAsSender * sender,
                                       const gchar * reason,
                                       guint * retry_ms);
gboolean  gst_as_sender_would_give_up (const GstAsSender * sender);
GstAsSenderAction gst_as_sender_refused (GstAsSender * sender,
                                       const gchar * reason);

void      gst_as_sender_stopped       (GstAsSender * sender);

/* messages and statistics */
void      gst_as_sender_tick          (GstAsSender * sender);
void      gst_as_sender_get_stats     (GstAsSender * sender,
                                       GstAsSenderStats * stats);
GstStructure * gst_as_sender_stats_structure (const GstAsSenderStats * stats,
                                       const GstAsSenderInput * in,
                                       GstClockTime uptime, gdouble kbps,
                                       gint64 pacing_p99_us);

G_END_DECLS
