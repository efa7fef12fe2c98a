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
#include <gst/base/gstbasesink.h>

#include "framering.h"

G_BEGIN_DECLS

/**
 * GstAsSinkFront:
 *
 * The front half both network sinks share (as GstSRTObject serves srtsink
 * and srtsrc): the frame ring between render() and the element's worker
 * thread, and everything around it that a sink does the same way whatever
 * it sends to: upstream-live detection, render into the ring (overwrite
 * the oldest when live, wait for room when not), unlock()/unlock_stop(),
 * the bounded EOS drain wait, FLUSH_STOP, starting and joining the worker,
 * and failing for good after a fatal error.
 *
 * # Contract
 *
 * Threads: the streaming thread is the ring's producer (render(),
 * set_format(), flush()); the worker thread is its consumer (read(),
 * rewind/replay/release on front->ring, finish_drain()). Any thread may
 * call unlock(), fail(), stop_worker() and the getters.
 *
 * A non-live render may be given a bound (gst_as_sink_front_set_hold()):
 * when the worker has taken no new audio for that long, render() stops
 * waiting and overwrites the oldest unsent audio as a live one would,
 * until the worker moves on again, and says so once (render_full()), so
 * that the element warns and EOS or a state change is never held hostage
 * by a peer that stopped reading. The same call sets a history floor:
 * the part of the resend history a waiting render leaves in place.
 *
 * render() never waits on anything the worker holds: with a live upstream,
 * or with room in the ring, it takes no lock at all (atomics only). Only a
 * non-live render that finds the ring full takes front->lock to sleep on
 * front->cond, and the worker takes front->lock only to signal it, for a
 * few loads and stores. Signals cost nothing when nobody waits: a waiter
 * announces itself in an atomic counter, and a side that made progress
 * takes the lock to broadcast only when that counter is non-zero (a full
 * fence on both sides makes the check race-free, so no wakeup is lost).
 *
 * The format (rate, bytes per frame, ring capacity) changes only while the
 * worker has not attached to it (gst_as_sink_front_attach()): the worker
 * sizes its buffers from what attach() returned, so a later format that
 * needs a different ring is refused (%GST_AS_FORMAT_BUSY) instead of
 * pulling the ring from under it.
 *
 * Errors: gst_as_sink_front_fail() keeps the first error only and returns
 * whether it was the first, so the element posts one ERROR; afterwards
 * render() returns %GST_FLOW_ERROR and every wait returns.
 *
 * # Lock order
 *
 * front->lock is a leaf: it is taken after any element lock (never the
 * other way round), never together with GST_OBJECT_LOCK, and never held
 * across I/O, a callback (the wake function), a latency query or a ring
 * copy. The ring itself takes no lock.
 */

/**
 * GstAsSinkFrontWakeFunc:
 *
 * Tells the worker to look at the front again: data reached the level it
 * armed, EOS came, stop or a failure. Called from any thread without
 * front->lock; must not block (e.g. g_source_set_ready_time() on the
 * worker's context, or gst_clock_id_unschedule()).
 */
typedef void (*GstAsSinkFrontWakeFunc) (gpointer user_data);

typedef enum
{
  GST_AS_FORMAT_SET,            /* new format, ring (re)built */
  GST_AS_FORMAT_SAME,           /* nothing changed */
  GST_AS_FORMAT_BUSY,           /* the worker uses another format: refuse */
} GstAsFormatResult;

typedef enum
{
  GST_AS_DRAIN_DONE,            /* the worker finished the stream */
  GST_AS_DRAIN_FLUSHING,        /* unlock(): stop waiting */
  GST_AS_DRAIN_FAILED,          /* a fatal error ended the stream */
  GST_AS_DRAIN_STOPPED,         /* the worker was told to stop */
  GST_AS_DRAIN_TIMEOUT,         /* the bound passed */
} GstAsDrainResult;

typedef struct
{
  GstBaseSink *sink;            /* not owned; NULL in unit tests */
  GstAsFrameRing ring;

  /* the format: written by set_format() with the worker detached, read by
   * the worker after attach() */
  gint rate;
  guint bpf;

  GMutex lock;
  GCond cond;

  /* under lock (and atomic where a waiter reads it: GLib's futex-based
   * GMutex is invisible to ThreadSanitizer) */
  gint attached;
  gint drained;
  GError *error;                /* set before failed */

  /* atomic: render() and the worker read these without the lock */
  atomic_uint_least64_t data_wake_level;        /* arm_wake() */
  gint configured;
  gint live;                    /* -1 not known yet, 0, 1 */
  gint flushing;
  gint stopping;
  gint failed;
  gint eos;
  gint space_waiters;           /* render() waiting for room */
  gint data_waiters;            /* the worker waiting for audio */
  gint wake_armed;
  gint wakeups;                 /* broadcasts and wake calls made */

  /* the non-live hold (set_hold()): atomic settings, the rest owned by
   * the streaming thread */
  atomic_uint_least64_t history_floor;  /* history a blocking write keeps */
  atomic_int_least64_t hold_bound_us;   /* 0: wait without a bound */
  guint64 hold_mark;            /* the ring's sent_high, as last seen */
  gint64 hold_progress_us;      /* when it last moved, as seen */
  gboolean hold_expired;        /* overwriting until progress is seen */
  atomic_uint_least64_t holds_expired;  /* times the bound passed */

  GThread *thread;
  GstAsSinkFrontWakeFunc wake;
  gpointer wake_data;
} GstAsSinkFront;

/* element life cycle */
void      gst_as_sink_front_init          (GstAsSinkFront * front,
                                           GstBaseSink * sink,
                                           GstAsSinkFrontWakeFunc wake,
                                           gpointer wake_data);
void      gst_as_sink_front_clear         (GstAsSinkFront * front);
void      gst_as_sink_front_reset         (GstAsSinkFront * front);
gboolean  gst_as_sink_front_start_worker  (GstAsSinkFront * front,
                                           const gchar * name,
                                           GThreadFunc func, gpointer data,
                                           GError ** error);
void      gst_as_sink_front_stop_worker   (GstAsSinkFront * front);

/* streaming thread */
GstAsFormatResult gst_as_sink_front_set_format (GstAsSinkFront * front,
                                           gint rate, guint bpf,
                                           guint64 capacity_frames);
gboolean  gst_as_sink_front_detect_live   (GstAsSinkFront * front);
void      gst_as_sink_front_set_live      (GstAsSinkFront * front,
                                           gboolean live);
void      gst_as_sink_front_set_hold      (GstAsSinkFront * front,
                                           GstClockTime bound,
                                           guint64 history_floor);
GstFlowReturn gst_as_sink_front_render    (GstAsSinkFront * front,
                                           const guint8 * data, gsize size);
void          gst_as_post_unreadable_buffer  (GstElement * element,
                                              GstBuffer * buffer);
GstFlowReturn gst_as_sink_front_render_full (GstAsSinkFront * front,
                                           const guint8 * data, gsize size,
                                           gboolean * hold_expired);
GstAsDrainResult gst_as_sink_front_wait_drained (GstAsSinkFront * front,
                                           GstClockTime timeout);
guint64   gst_as_sink_front_flush         (GstAsSinkFront * front);

/* any thread (unlock / unlock_stop) */
void      gst_as_sink_front_unlock        (GstAsSinkFront * front);
void      gst_as_sink_front_unlock_stop   (GstAsSinkFront * front);

/* worker thread */
gboolean  gst_as_sink_front_wait_format   (GstAsSinkFront * front,
                                           gint64 end_time);
gboolean  gst_as_sink_front_attach        (GstAsSinkFront * front,
                                           gint * rate, guint * bpf);
gboolean  gst_as_sink_front_wait_unsent   (GstAsSinkFront * front,
                                           guint64 min_frames,
                                           gint64 end_time);
gboolean  gst_as_sink_front_arm_wake      (GstAsSinkFront * front,
                                           guint64 min_frames);
guint64   gst_as_sink_front_read          (GstAsSinkFront * front,
                                           guint8 * dest, guint64 n_frames,
                                           GstAsFrameRingRead * info);
void      gst_as_sink_front_notify_space  (GstAsSinkFront * front);
void      gst_as_sink_front_finish_drain  (GstAsSinkFront * front);
gboolean  gst_as_sink_front_is_stopping   (GstAsSinkFront * front);
gboolean  gst_as_sink_front_is_eos        (GstAsSinkFront * front);

/* any thread */
gboolean  gst_as_sink_front_fail          (GstAsSinkFront * front,
                                           GError * error);
gboolean  gst_as_sink_front_has_failed    (GstAsSinkFront * front);
GError *  gst_as_sink_front_dup_error     (GstAsSinkFront * front);
gboolean  gst_as_sink_front_is_live       (GstAsSinkFront * front,
                                           gboolean * known);
guint     gst_as_sink_front_get_wakeups   (GstAsSinkFront * front);
guint64   gst_as_sink_front_get_holds_expired (GstAsSinkFront * front);

/* shared text and arithmetic */
guint64   gst_as_frames_to_ms             (guint64 frames, gint rate);
gchar *   gst_as_connect_target           (const gchar * host, gint port,
                                           const gchar * socket_path);
const gchar * gst_as_connect_failure_reason (const GError * error);
gchar *   gst_as_connect_failure_text     (const gchar * target,
                                           const GError * error);

G_END_DECLS
