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

#include "scheduler.h"
#include "sender.h"
#include "sinkfront.h"
#include "transport.h"

G_BEGIN_DECLS

/**
 * GstAsNetSenderHost:
 * @post: an element message to post; the callee takes it
 * @tell: an ERROR, WARNING or INFO for a person
 * @playing: whether the element is PLAYING
 * @get_clock: (transfer full) (nullable): the pipeline clock
 * @ref: keeps the host alive for one step of the scheduler
 * @unref: the step is over (the last reference may go here)
 *
 * What the element does for its sending side.
 */
typedef struct
{
  void (*post) (gpointer host, GstStructure * message);
  void (*tell) (gpointer host, GstMessageType type, const gchar * text,
      const gchar * debug);
  gboolean (*playing) (gpointer host);
  GstClock *(*get_clock) (gpointer host);
  void (*ref) (gpointer host);
  void (*unref) (gpointer host);
} GstAsNetSenderHost;

typedef struct _GstAsNetSenderJob GstAsNetSenderJob;
typedef struct _GstAsNetSenderToken GstAsNetSenderToken;

/**
 * GstAsNetSender:
 *
 * audiostreamsink's sending side: a #GstAsSender fed from a
 * #GstAsSinkFront's ring, sending through a #GstAsTransport, paced on the
 * pipeline clock (CLOCK_MONOTONIC without one). It has no thread of its
 * own: it is one entry of the process's #GstAsScheduler, a state machine
 * (connect, wait for the prefill, stream, drain, back off) whose steps
 * never block. Connecting and the EOS drain block, so they run on a shared
 * thread pool and wake the entry when done. It has no GstElement in
 * sight: the element reaches the bus through #GstAsNetSenderHost.
 *
 * Pacing: with the pipeline clock a #GstSystemClock (the default), the
 * deadlines are converted to CLOCK_MONOTONIC (sampled at each step, so the
 * error never accumulates) and the scheduler's timer wakes the entry; with
 * any other clock (a device's, a network clock, a test clock) the entry
 * waits on that clock asynchronously and the clock's callback wakes it.
 *
 * It also holds the rule for a non-live upstream (gst_as_net_sender_write
 * ()), because that rule depends on the connection: a full ring holds the
 * upstream back, but while the connection is down for at most
 * send-timeout-ms, since a blocked upstream also blocks an application's
 * EOS (GstBaseSrc takes the stream lock to queue it).
 *
 * Threads and locks: the streaming thread calls set_format_side(),
 * write() and set_capture_jitter(); the scheduler thread runs the state
 * machine, the sender and its callbacks; any thread calls get_stats().
 * @lock guards @sender (replaced by start()) and is held only for that
 * store and for gst_as_sender_get_stats() (which takes the sender's
 * stats_lock after it). A job's and a clock token's own locks are taken
 * before the scheduler's. The connection state and the capture jitter
 * are atomics. The front's lock is a leaf (sinkfront.h). Nothing is held
 * across I/O.
 */
typedef struct
{
  GstAsSinkFront *front;        /* not owned */
  GstAsNetSenderHost host;
  gpointer host_data;

  /* the sending side of the format: written by the streaming thread
   * before gst_as_sink_front_set_format() publishes the format, read by
   * the scheduler thread after it attached */
  guint chunk;
  guint64 prefill_frames;

  /* atomic */
  gint connected;
  atomic_int_least64_t down_since_us;
  atomic_int_least64_t capture_jitter_us;

  /* streaming thread: the hold of a non-live upstream */
  gint64 hold_us;
  gint64 realtime_next_us;
  gboolean released_told;
  /* how much of the ring a held upstream refills at once, in 1/1024ths;
   * set by init(), read by both threads */
  guint refill_share;

  GMutex lock;
  GstAsSender *sender;

  /* start() and stop() */
  GstAsScheduler *sched;
  GstAsSchedEntry entry;
  gboolean running;
  GCancellable *cancellable;
  GstClock *fallback_clock;

  /* the scheduler thread's */
  gint state;
  GstAsTransportTarget target;
  gboolean high_priority;
  gboolean priority_done;
  GstAsNetSenderJob *job;       /* a connect or a drain, in the pool */
  GstAsTransport *transport;
  gchar *remote;
  gint64 backoff_until;         /* monotonic ns */
  gint64 tick_at;
  GstClock *clock;
  gboolean clock_is_system;
  GstAsNetSenderToken *token;   /* for clock callbacks */
  GstClockID async_id;
  GstClockTime async_due;
  guint8 *pending;              /* the part of a chunk the socket refused */
  gsize pending_off;
  gsize pending_len;
  gsize pending_size;
  gint64 progress_at;           /* the last byte the socket took, ns */
  gboolean want_write;
  gint64 hold_since;            /* a fatal failure waiting for PLAYING */
  gchar *held_reason;
} GstAsNetSender;

void      gst_as_net_sender_init      (GstAsNetSender * ns,
                                       GstAsSinkFront * front,
                                       const GstAsNetSenderHost * host,
                                       gpointer host_data);
void      gst_as_net_sender_clear     (GstAsNetSender * ns);
void      gst_as_net_sender_wake      (gpointer ns);

gboolean  gst_as_net_sender_start     (GstAsNetSender * ns,
                                       const GstAsTransportTarget * target,
                                       const GstAsSenderConfig * config,
                                       gboolean high_priority,
                                       GError ** error);
void      gst_as_net_sender_stop      (GstAsNetSender * ns);

/* streaming thread */
void      gst_as_net_sender_set_format_side (GstAsNetSender * ns,
                                       guint chunk, guint64 prefill_frames);
void      gst_as_net_sender_lower_prefill (GstAsNetSender * ns,
                                       guint64 prefill_frames);
GstFlowReturn gst_as_net_sender_write (GstAsNetSender * ns,
                                       const guint8 * data, guint64 frames);
void      gst_as_net_sender_set_capture_jitter (GstAsNetSender * ns,
                                       gint64 jitter_us);

/* any thread */
void      gst_as_net_sender_get_stats (GstAsNetSender * ns,
                                       GstAsSenderStats * stats,
                                       GstAsSenderInput * in);
guint     gst_as_net_sender_refill_share (guint index);

G_END_DECLS
