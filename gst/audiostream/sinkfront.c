/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "sinkfront.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (sink_front_debug);
#define GST_CAT_DEFAULT sink_front_debug

static void
debug_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (sink_front_debug, "audiostream-front", 0,
        "Network sinks' shared front half");
    g_once_init_leave (&done, 1);
  }
}

void
gst_as_sink_front_init (GstAsSinkFront * front, GstBaseSink * sink,
    GstAsSinkFrontWakeFunc wake, gpointer wake_data)
{
  debug_init ();
  memset (front, 0, sizeof (*front));
  front->sink = sink;
  front->wake = wake;
  front->wake_data = wake_data;
  g_mutex_init (&front->lock);
  g_cond_init (&front->cond);
  front->live = -1;
}

/* The worker must have been stopped. */
void
gst_as_sink_front_clear (GstAsSinkFront * front)
{
  g_warn_if_fail (front->thread == NULL);
  if (front->ring.data != NULL)
    gst_as_frame_ring_clear (&front->ring);
  g_clear_error (&front->error);
  g_mutex_clear (&front->lock);
  g_cond_clear (&front->cond);
}

/* start(): a new stream, format unknown; the worker must not be running.
 * The ring's storage is kept for a format of the same size. */
void
gst_as_sink_front_reset (GstAsSinkFront * front)
{
  g_warn_if_fail (front->thread == NULL);

  g_mutex_lock (&front->lock);
  g_atomic_int_set (&front->attached, 0);
  g_atomic_int_set (&front->drained, 0);
  g_clear_error (&front->error);
  atomic_store (&front->data_wake_level, 0);
  front->rate = 0;
  front->bpf = 0;
  g_atomic_int_set (&front->configured, 0);
  g_atomic_int_set (&front->live, -1);
  g_atomic_int_set (&front->flushing, 0);
  g_atomic_int_set (&front->stopping, 0);
  g_atomic_int_set (&front->failed, 0);
  g_atomic_int_set (&front->eos, 0);
  g_atomic_int_set (&front->wake_armed, 0);
  g_atomic_int_set (&front->wakeups, 0);
  atomic_store (&front->holds_expired, 0);
  g_mutex_unlock (&front->lock);
}

static void
call_wake (GstAsSinkFront * front)
{
  if (front->wake != NULL) {
    g_atomic_int_inc (&front->wakeups);
    front->wake (front->wake_data);
  }
}

/* Wakes every waiter on the condition; for rare events (EOS, unlock,
 * failure, stop, a new format). */
static void
broadcast (GstAsSinkFront * front)
{
  g_mutex_lock (&front->lock);
  g_cond_broadcast (&front->cond);
  g_mutex_unlock (&front->lock);
}

/* The cheap signal of the real-time path: a waiter increments its counter
 * (a full barrier) under the lock before it checks its predicate, and the
 * side that made progress publishes it and then, after a full fence, looks
 * at the counter. One of the two always sees the other, so no wakeup is
 * lost, and nobody takes the lock when nobody waits. */
static void
signal_waiters (GstAsSinkFront * front, gint * waiters)
{
  atomic_thread_fence (memory_order_seq_cst);
  if (g_atomic_int_get (waiters) > 0) {
    g_atomic_int_inc (&front->wakeups);
    broadcast (front);
  }
}

/* ---- life cycle ---- */

gboolean
gst_as_sink_front_start_worker (GstAsSinkFront * front, const gchar * name,
    GThreadFunc func, gpointer data, GError ** error)
{
  g_return_val_if_fail (front->thread == NULL, FALSE);

  g_atomic_int_set (&front->stopping, 0);
  front->thread = g_thread_try_new (name, func, data, error);
  return front->thread != NULL;
}

/* Tells the worker to leave (every wait returns, the wake function runs)
 * and joins it. The element cancels its own blocking I/O in the wake
 * function or before calling this. */
void
gst_as_sink_front_stop_worker (GstAsSinkFront * front)
{
  g_atomic_int_set (&front->stopping, 1);
  broadcast (front);
  call_wake (front);
  if (front->thread != NULL) {
    g_thread_join (front->thread);
    front->thread = NULL;
  }
}

/* ---- streaming thread ---- */

/**
 * gst_as_sink_front_set_format:
 *
 * From set_caps(): builds the ring for a new format. Anything queued in an
 * earlier format is discarded; a format the worker has already attached
 * to cannot change (%GST_AS_FORMAT_BUSY), the element then refuses the
 * caps. A format of the same rate and frame size keeps the ring as it is.
 */
GstAsFormatResult
gst_as_sink_front_set_format (GstAsSinkFront * front, gint rate, guint bpf,
    guint64 capacity_frames)
{
  g_return_val_if_fail (rate > 0 && bpf > 0 && capacity_frames > 0,
      GST_AS_FORMAT_BUSY);

  g_mutex_lock (&front->lock);
  if (g_atomic_int_get (&front->configured) && front->rate == rate &&
      front->bpf == bpf) {
    g_mutex_unlock (&front->lock);
    return GST_AS_FORMAT_SAME;
  }
  if (g_atomic_int_get (&front->attached)) {
    g_mutex_unlock (&front->lock);
    return GST_AS_FORMAT_BUSY;
  }

  /* Neither side touches the ring now: the producer is this thread, the
   * consumer has not attached. */
  if (front->ring.data != NULL && front->ring.bpf == bpf &&
      front->ring.capacity == capacity_frames) {
    gst_as_frame_ring_reset (&front->ring);
  } else {
    if (front->ring.data != NULL)
      gst_as_frame_ring_clear (&front->ring);
    gst_as_frame_ring_init (&front->ring, bpf, capacity_frames);
  }
  front->rate = rate;
  front->bpf = bpf;
  front->hold_mark = 0;
  front->hold_progress_us = g_get_monotonic_time ();
  front->hold_expired = FALSE;
  g_atomic_int_set (&front->configured, 1);
  g_cond_broadcast (&front->cond);
  g_mutex_unlock (&front->lock);

  call_wake (front);
  return GST_AS_FORMAT_SET;
}

/**
 * gst_as_sink_front_detect_live:
 *
 * Asks upstream (a latency query) whether it is live: a live source keeps
 * capturing whether we keep up or not, so a full ring drops the oldest
 * audio; a file waits. Render() asks once by itself.
 *
 * Returns: whether upstream is live
 */
gboolean
gst_as_sink_front_detect_live (GstAsSinkFront * front)
{
  gboolean live = FALSE;

  if (front->sink == NULL || !gst_base_sink_query_latency (front->sink,
          NULL, &live, NULL, NULL))
    live = FALSE;
  GST_INFO_OBJECT (front->sink, "upstream is %s: %s when the ring is full",
      live ? "live" : "not live", live ? "drop the oldest audio" : "wait");
  g_atomic_int_set (&front->live, live ? 1 : 0);
  return live;
}

/* For an element that knows better (and for tests). */
void
gst_as_sink_front_set_live (GstAsSinkFront * front, gboolean live)
{
  g_atomic_int_set (&front->live, live ? 1 : 0);
}

/**
 * gst_as_sink_front_set_hold:
 * @bound: how long a non-live render waits for room while the worker
 *     takes no new audio (a resend is no progress), or 0 /
 *     GST_CLOCK_TIME_NONE to wait without a bound (the default)
 * @history_floor: frames of resend history a waiting render leaves in
 *     place rather than take them for room (0: take all history first);
 *     keep it well below the ring's capacity
 *
 * How a non-live render waits. After @bound without progress it
 * overwrites the oldest unsent audio, as a live render does, until the
 * worker moves on again: a peer that stopped reading then cannot hold
 * EOS or a state change hostage. Any thread; takes effect at the next
 * render.
 */
void
gst_as_sink_front_set_hold (GstAsSinkFront * front, GstClockTime bound,
    guint64 history_floor)
{
  gint64 bound_us = 0;

  if (GST_CLOCK_TIME_IS_VALID (bound) && bound > 0)
    bound_us = (gint64) MAX (1, MIN (bound / GST_USECOND, G_MAXINT64 / 2));
  atomic_store (&front->hold_bound_us, bound_us);
  atomic_store (&front->history_floor, history_floor);
}

/* After a write: wake a worker that waits for audio, or that armed a
 * wake for a level now reached. */
static void
notify_data (GstAsSinkFront * front)
{
  signal_waiters (front, &front->data_waiters);
  if (g_atomic_int_get (&front->wake_armed)) {
    guint64 unsent = front->ring.capacity -
        gst_as_frame_ring_space (&front->ring);

    if (unsent >= atomic_load (&front->data_wake_level) &&
        g_atomic_int_compare_and_exchange (&front->wake_armed, 1, 0))
      call_wake (front);
  }
}

/* Sleeps until the ring has room (leaving @keep frames of history), the
 * wait is pointless, or @end_time (monotonic, -1 for no bound) passed. */
static GstFlowReturn
wait_space (GstAsSinkFront * front, guint64 keep, gint64 end_time)
{
  GstFlowReturn ret;

  g_mutex_lock (&front->lock);
  g_atomic_int_inc (&front->space_waiters);
  while (!g_atomic_int_get (&front->flushing) &&
      !g_atomic_int_get (&front->failed) &&
      !g_atomic_int_get (&front->stopping) &&
      gst_as_frame_ring_space_keeping (&front->ring, keep) == 0) {
    if (end_time < 0)
      g_cond_wait (&front->cond, &front->lock);
    else if (!g_cond_wait_until (&front->cond, &front->lock, end_time))
      break;
  }
  g_atomic_int_dec_and_test (&front->space_waiters);

  if (g_atomic_int_get (&front->failed))
    ret = GST_FLOW_ERROR;
  else if (g_atomic_int_get (&front->flushing) ||
      g_atomic_int_get (&front->stopping))
    ret = GST_FLOW_FLUSHING;
  else
    ret = GST_FLOW_OK;
  g_mutex_unlock (&front->lock);
  return ret;
}

/* With a hold bound: notes whether the worker took new audio since last
 * seen. Returns when the hold ends (monotonic). */
static gint64
hold_deadline (GstAsSinkFront * front, gint64 bound_us)
{
  guint64 high = gst_as_frame_ring_sent_high (&front->ring);

  if (high != front->hold_mark) {
    front->hold_mark = high;
    front->hold_progress_us = g_get_monotonic_time ();
    front->hold_expired = FALSE;
  }
  return front->hold_progress_us + bound_us;
}

/* A non-live upstream waits for room instead of losing audio, leaving the
 * history floor in place; with a hold bound, only as long as the worker
 * makes progress. */
static GstFlowReturn
write_blocking (GstAsSinkFront * front, const guint8 * data, guint64 frames,
    gboolean * hold_expired)
{
  guint64 keep = atomic_load (&front->history_floor);
  gint64 bound_us = atomic_load (&front->hold_bound_us);

  /* a floor as large as the ring would leave no room to take */
  keep = MIN (keep, front->ring.capacity - 1);
  for (;;) {
    guint64 n = gst_as_frame_ring_write_keeping (&front->ring, data, frames,
        keep);
    gint64 end_time = -1;
    GstFlowReturn ret;

    data += n * front->bpf;
    frames -= n;
    if (frames == 0)
      return GST_FLOW_OK;
    /* a worker waiting for a level the full ring already holds */
    if (n > 0)
      notify_data (front);
    if (bound_us > 0) {
      end_time = hold_deadline (front, bound_us);
      if (front->hold_expired || g_get_monotonic_time () >= end_time) {
        guint64 lost = gst_as_frame_ring_write_overwrite (&front->ring, data,
            frames);

        GST_DEBUG_OBJECT (front->sink, "no progress for %" G_GINT64_FORMAT
            " ms: %" G_GUINT64_FORMAT " oldest frames make room",
            bound_us / 1000, lost);
        if (!front->hold_expired) {
          front->hold_expired = TRUE;
          atomic_fetch_add (&front->holds_expired, 1);
          *hold_expired = TRUE;
        }
        return GST_FLOW_OK;
      }
    }
    ret = wait_space (front, keep, end_time);
    if (ret != GST_FLOW_OK)
      return ret;
  }
}

/**
 * gst_as_sink_front_render:
 *
 * Copies whole frames of @data into the ring. Live: never waits, the
 * oldest audio makes room and is counted. Not live: waits for room, until
 * unlock() (%GST_FLOW_FLUSHING) or a failure (%GST_FLOW_ERROR). After a
 * failure every render returns %GST_FLOW_ERROR; before a format,
 * %GST_FLOW_NOT_NEGOTIATED. A partial frame at the end is not written.
 */
GstFlowReturn
gst_as_sink_front_render (GstAsSinkFront * front, const guint8 * data,
    gsize size)
{
  return gst_as_sink_front_render_full (front, data, size, NULL);
}

/**
 * gst_as_sink_front_render_full:
 * @hold_expired: (out) (optional): set to TRUE when this render found the
 *     hold bound passed (see gst_as_sink_front_set_hold()) and overwrote
 *     unsent audio: once per stall, for the element's one WARNING
 *
 * gst_as_sink_front_render(), telling when a non-live hold gave up.
 */
GstFlowReturn
gst_as_sink_front_render_full (GstAsSinkFront * front, const guint8 * data,
    gsize size, gboolean * hold_expired)
{
  GstFlowReturn ret = GST_FLOW_OK;
  gboolean expired = FALSE;
  guint64 frames;
  gint live;

  if (G_UNLIKELY (g_atomic_int_get (&front->failed)))
    return GST_FLOW_ERROR;
  if (G_UNLIKELY (!g_atomic_int_get (&front->configured)))
    return GST_FLOW_NOT_NEGOTIATED;
  live = g_atomic_int_get (&front->live);
  if (G_UNLIKELY (live < 0))
    live = gst_as_sink_front_detect_live (front);

  frames = size / front->bpf;
  if (frames == 0)
    return GST_FLOW_OK;
  if (live) {
    guint64 lost = gst_as_frame_ring_write_overwrite (&front->ring, data,
        frames);

    if (lost > 0)
      GST_DEBUG_OBJECT (front->sink, "ring full: %" G_GUINT64_FORMAT
          " oldest frames make room", lost);
  } else {
    ret = write_blocking (front, data, frames, &expired);
  }
  notify_data (front);
  if (hold_expired)
    *hold_expired = expired;
  return ret;
}

/**
 * gst_as_post_unreadable_buffer:
 * @element: the element that got @buffer
 *
 * The ERROR for an input buffer whose memory cannot be mapped for reading
 * (memory of a device or another process): what to put before @element,
 * and in the debug text the buffer's size and memory type.
 */
void
gst_as_post_unreadable_buffer (GstElement * element, GstBuffer * buffer)
{
  GstMemory *mem = gst_buffer_n_memory (buffer) > 0 ?
      gst_buffer_peek_memory (buffer, 0) : NULL;

  GST_ELEMENT_ERROR (element, STREAM, FAILED,
      ("Could not read an input buffer: its memory cannot be mapped for "
          "reading. Put audioconvert before %s, which gives audio in "
          "plain memory.", GST_ELEMENT_NAME (element)),
      ("gst_buffer_map (READ) failed: %" G_GSIZE_FORMAT " bytes in %u "
          "memories, the first of type %s", gst_buffer_get_size (buffer),
          gst_buffer_n_memory (buffer), mem && mem->allocator ?
          mem->allocator->mem_type : "(none)"));
}

/**
 * gst_as_sink_front_wait_drained:
 * @timeout: the bound, or GST_CLOCK_TIME_NONE to wait for one of the
 *     other outcomes only
 *
 * On EOS: tells the worker (and wakes it), then waits until it has sent
 * everything and called gst_as_sink_front_finish_drain(), or there is no
 * point waiting any more.
 */
GstAsDrainResult
gst_as_sink_front_wait_drained (GstAsSinkFront * front, GstClockTime timeout)
{
  GstAsDrainResult result;
  gint64 end = G_MAXINT64;
  gboolean timed_out = FALSE;

  if (GST_CLOCK_TIME_IS_VALID (timeout))
    end = g_get_monotonic_time () + (gint64) (timeout / GST_USECOND);

  g_atomic_int_set (&front->eos, 1);
  broadcast (front);
  call_wake (front);

  g_mutex_lock (&front->lock);
  for (;;) {
    if (g_atomic_int_get (&front->failed)) {
      result = GST_AS_DRAIN_FAILED;
      break;
    }
    if (g_atomic_int_get (&front->drained)) {
      result = GST_AS_DRAIN_DONE;
      break;
    }
    if (g_atomic_int_get (&front->flushing)) {
      result = GST_AS_DRAIN_FLUSHING;
      break;
    }
    if (g_atomic_int_get (&front->stopping)) {
      result = GST_AS_DRAIN_STOPPED;
      break;
    }
    if (timed_out) {
      result = GST_AS_DRAIN_TIMEOUT;
      break;
    }
    if (end == G_MAXINT64)
      g_cond_wait (&front->cond, &front->lock);
    else
      timed_out = !g_cond_wait_until (&front->cond, &front->lock, end);
  }
  g_mutex_unlock (&front->lock);
  return result;
}

/**
 * gst_as_sink_front_flush:
 *
 * FLUSH_STOP: what was queued belongs to the old position and is skipped
 * by the worker, not counted as lost.
 *
 * Returns: the position from which audio is new (for an element that
 * tracks positions, e.g. what an STT service has committed)
 */
guint64
gst_as_sink_front_flush (GstAsSinkFront * front)
{
  if (!g_atomic_int_get (&front->configured))
    return 0;
  gst_as_frame_ring_flush (&front->ring);
  return gst_as_frame_ring_write_pos (&front->ring);
}

/* ---- unlock ---- */

/* unlock(): a render waiting for room and an EOS waiting for the drain
 * return now. */
void
gst_as_sink_front_unlock (GstAsSinkFront * front)
{
  g_atomic_int_set (&front->flushing, 1);
  broadcast (front);
}

void
gst_as_sink_front_unlock_stop (GstAsSinkFront * front)
{
  g_atomic_int_set (&front->flushing, 0);
}

/* ---- worker ---- */

/* Waits until the format is known, EOS, a failure or stop. Returns whether
 * the format is known. @end_time is monotonic, or -1 for no bound. */
gboolean
gst_as_sink_front_wait_format (GstAsSinkFront * front, gint64 end_time)
{
  gboolean configured;

  g_mutex_lock (&front->lock);
  while (!g_atomic_int_get (&front->configured) &&
      !g_atomic_int_get (&front->eos) && !g_atomic_int_get (&front->failed) &&
      !g_atomic_int_get (&front->stopping)) {
    if (end_time < 0)
      g_cond_wait (&front->cond, &front->lock);
    else if (!g_cond_wait_until (&front->cond, &front->lock, end_time))
      break;
  }
  configured = g_atomic_int_get (&front->configured);
  g_mutex_unlock (&front->lock);
  return configured;
}

/**
 * gst_as_sink_front_attach:
 *
 * The worker starts using the format: from now on it cannot change under
 * it (set_format() returns %GST_AS_FORMAT_BUSY for another one).
 *
 * Returns: FALSE while there is no format yet
 */
gboolean
gst_as_sink_front_attach (GstAsSinkFront * front, gint * rate, guint * bpf)
{
  gboolean ok;

  g_mutex_lock (&front->lock);
  ok = g_atomic_int_get (&front->configured);
  if (ok) {
    g_atomic_int_set (&front->attached, 1);
    if (rate)
      *rate = front->rate;
    if (bpf)
      *bpf = front->bpf;
  }
  g_mutex_unlock (&front->lock);
  return ok;
}

/* Waits until at least @min_frames are unsent, or EOS, a failure, stop or
 * @end_time (monotonic, -1 for no bound). For a worker that blocks, e.g.
 * for its prefill. Returns whether the level was reached. */
gboolean
gst_as_sink_front_wait_unsent (GstAsSinkFront * front, guint64 min_frames,
    gint64 end_time)
{
  gboolean reached;

  g_mutex_lock (&front->lock);
  g_atomic_int_inc (&front->data_waiters);
  for (;;) {
    reached = g_atomic_int_get (&front->configured) &&
        gst_as_frame_ring_unsent (&front->ring) >= min_frames;
    if (reached || g_atomic_int_get (&front->eos) ||
        g_atomic_int_get (&front->failed) ||
        g_atomic_int_get (&front->stopping))
      break;
    if (end_time < 0)
      g_cond_wait (&front->cond, &front->lock);
    else if (!g_cond_wait_until (&front->cond, &front->lock, end_time))
      break;
  }
  g_atomic_int_dec_and_test (&front->data_waiters);
  g_mutex_unlock (&front->lock);
  return reached;
}

/**
 * gst_as_sink_front_arm_wake:
 *
 * For a worker that runs a main loop instead of blocking: the next render
 * that leaves at least @min_frames unsent calls the wake function, once.
 * Needs a format.
 *
 * Returns: TRUE when @min_frames are already there (go on; a wake may
 * still come), FALSE when armed
 */
gboolean
gst_as_sink_front_arm_wake (GstAsSinkFront * front, guint64 min_frames)
{
  atomic_store (&front->data_wake_level, min_frames);
  g_atomic_int_set (&front->wake_armed, 1);
  if (gst_as_frame_ring_unsent (&front->ring) < min_frames)
    return FALSE;
  g_atomic_int_compare_and_exchange (&front->wake_armed, 1, 0);
  return TRUE;
}

/* Reads from the ring (see gst_as_frame_ring_read()) and lets a render
 * waiting for room go on. */
guint64
gst_as_sink_front_read (GstAsSinkFront * front, guint8 * dest,
    guint64 n_frames, GstAsFrameRingRead * info)
{
  guint64 n = gst_as_frame_ring_read (&front->ring, dest, n_frames, info);

  gst_as_sink_front_notify_space (front);
  return n;
}

/* After the worker moved the ring's send position by other means. */
void
gst_as_sink_front_notify_space (GstAsSinkFront * front)
{
  signal_waiters (front, &front->space_waiters);
}

/* The worker has sent everything after EOS (or given up on it): the EOS
 * wait returns. */
void
gst_as_sink_front_finish_drain (GstAsSinkFront * front)
{
  g_mutex_lock (&front->lock);
  g_atomic_int_set (&front->drained, 1);
  g_cond_broadcast (&front->cond);
  g_mutex_unlock (&front->lock);
}

gboolean
gst_as_sink_front_is_stopping (GstAsSinkFront * front)
{
  return g_atomic_int_get (&front->stopping);
}

gboolean
gst_as_sink_front_is_eos (GstAsSinkFront * front)
{
  return g_atomic_int_get (&front->eos);
}

/* ---- any thread ---- */

/**
 * gst_as_sink_front_fail:
 * @error: (transfer full) (nullable): what went wrong
 *
 * A fatal error: render() fails from now on and every wait returns. Only
 * the first error is kept.
 *
 * Returns: whether this was the first failure (post the ERROR then)
 */
gboolean
gst_as_sink_front_fail (GstAsSinkFront * front, GError * error)
{
  gboolean first;

  g_mutex_lock (&front->lock);
  first = !g_atomic_int_get (&front->failed);
  if (first && front->error == NULL)
    front->error = error;
  else if (error != NULL)
    g_error_free (error);
  g_atomic_int_set (&front->failed, 1);
  g_cond_broadcast (&front->cond);
  g_mutex_unlock (&front->lock);

  if (first)
    call_wake (front);
  return first;
}

gboolean
gst_as_sink_front_has_failed (GstAsSinkFront * front)
{
  return g_atomic_int_get (&front->failed);
}

/* Returns: (transfer full) (nullable): a copy of the first error */
GError *
gst_as_sink_front_dup_error (GstAsSinkFront * front)
{
  GError *copy = NULL;

  g_mutex_lock (&front->lock);
  if (g_atomic_int_get (&front->failed) && front->error != NULL)
    copy = g_error_copy (front->error);
  g_mutex_unlock (&front->lock);
  return copy;
}

gboolean
gst_as_sink_front_is_live (GstAsSinkFront * front, gboolean * known)
{
  gint live = g_atomic_int_get (&front->live);

  if (known)
    *known = live >= 0;
  return live > 0;
}

/* How many broadcasts and wake calls were made: the real-time path's
 * wakeups cost a lock, so they must happen only when someone waits. */
guint
gst_as_sink_front_get_wakeups (GstAsSinkFront * front)
{
  return (guint) g_atomic_int_get (&front->wakeups);
}

/* How often a non-live hold passed its bound and overwrote unsent audio. */
guint64
gst_as_sink_front_get_holds_expired (GstAsSinkFront * front)
{
  return atomic_load (&front->holds_expired);
}

/* ---- shared text and arithmetic ---- */

guint64
gst_as_frames_to_ms (guint64 frames, gint rate)
{
  if (rate <= 0)
    return 0;
  return gst_util_uint64_scale_int (frames, 1000, rate);
}

/**
 * gst_as_connect_target:
 *
 * How a receiver is named in messages: `unix:PATH` for a socket path,
 * else `HOST port PORT`, an IPv6 address in brackets (once).
 *
 * Returns: (transfer full): the name
 */
gchar *
gst_as_connect_target (const gchar * host, gint port,
    const gchar * socket_path)
{
  if (socket_path != NULL && socket_path[0] != '\0')
    return g_strdup_printf ("unix:%s", socket_path);
  if (host != NULL && strchr (host, ':') != NULL && host[0] != '[')
    return g_strdup_printf ("[%s] port %d", host, port);
  return g_strdup_printf ("%s port %d", GST_STR_NULL (host), port);
}

#define CONNECT_TO "Could not connect to "
#define CONNECT "Could not connect: "

/**
 * gst_as_connect_failure_reason:
 *
 * GIO says "Could not connect to HOST: REASON" (and for a socket path
 * "Could not connect: REASON"), sometimes nested; the element names the
 * target itself, so only the reason is kept. An IPv6 HOST has colons but
 * never ": ".
 *
 * Returns: (transfer none): the reason, inside @error's message
 */
const gchar *
gst_as_connect_failure_reason (const GError * error)
{
  const gchar *reason = error->message;

  for (;;) {
    const gchar *sep;

    if (g_str_has_prefix (reason, CONNECT_TO) &&
        (sep = strstr (reason + strlen (CONNECT_TO), ": ")) != NULL)
      reason = sep + 2;
    else if (g_str_has_prefix (reason, CONNECT))
      reason += strlen (CONNECT);
    else
      return reason;
  }
}

/**
 * gst_as_connect_failure_text:
 *
 * Returns: (transfer full): "Could not connect to TARGET: REASON", with
 * one prefix whatever GIO said
 */
gchar *
gst_as_connect_failure_text (const gchar * target, const GError * error)
{
  return g_strdup_printf (CONNECT_TO "%s: %s", target,
      gst_as_connect_failure_reason (error));
}
