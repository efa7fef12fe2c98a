/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "netsender.h"
#include "sockopts.h"

#include <string.h>
#include <sys/prctl.h>

GST_DEBUG_CATEGORY_STATIC (net_sender_debug);
#define GST_CAT_DEFAULT net_sender_debug

/* Timer slack of the network thread: wake-ups as close to the deadline as
 * the kernel can make them (the default is 50 us). */
#define NET_TIMER_SLACK_NS 1000
/* How long EOS waits for the kernel to transmit what was written before the
 * FIN goes out; a peer that reads nothing for that long loses the tail. */
#define DRAIN_TIMEOUT_US (5 * G_USEC_PER_SEC)

void
gst_as_net_sender_init (GstAsNetSender * ns, GstAsSinkFront * front,
    const GstAsNetSenderHost * host, gpointer host_data)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (net_sender_debug, "audiostream-netsender", 0,
        "audiostreamsink's network thread");
    g_once_init_leave (&done, 1);
  }
  memset (ns, 0, sizeof (*ns));
  ns->front = front;
  ns->host = *host;
  ns->host_data = host_data;
  g_mutex_init (&ns->lock);
}

static void
free_sender (GstAsSender * sender)
{
  if (sender == NULL)
    return;
  gst_as_sender_clear (sender);
  g_free (sender);
}

void
gst_as_net_sender_clear (GstAsNetSender * ns)
{
  free_sender (ns->sender);
  g_free ((gchar *) ns->target.host);
  g_free ((gchar *) ns->target.socket_path);
  g_mutex_clear (&ns->lock);
}

/* ------------------------------------------------------------------------ */
/* The sender's callbacks, on the network thread                            */

/* The capture side as the sender sees it: atomic loads only. */
static void
fill_input (GstAsNetSender * ns, GstAsSenderInput * in)
{
  GstAsFrameRingStats rs = { 0 };

  in->rate = 0;
  if (g_atomic_int_get (&ns->front->configured)) {
    gst_as_frame_ring_get_stats (&ns->front->ring, &rs);
    in->rate = ns->front->rate;
  }
  in->eos = gst_as_sink_front_is_eos (ns->front);
  in->live = gst_as_sink_front_is_live (ns->front, NULL);
  in->level = rs.unsent;
  in->capacity = rs.capacity;
  in->overflows = rs.overflows;
  /* frames waiting to be sent again that an overflow took are dropped
   * audio too */
  in->dropped = rs.dropped + rs.history_lost;
  in->capture_jitter_us = atomic_load (&ns->capture_jitter_us);
}

static void
input_capture (gpointer user_data, GstAsSenderInput * in)
{
  fill_input (user_data, in);
}

static guint64
read_capture (gpointer user_data, guint8 * dest, guint64 n_frames,
    GstAsSenderRead * out)
{
  GstAsNetSender *ns = user_data;
  GstAsFrameRingRead info = { 0 };
  guint64 got = gst_as_sink_front_read (ns->front, dest, n_frames, &info);

  /* flushed audio belongs to the old position: not dropped, not due */
  out->pos = info.pos;
  out->dropped = info.dropped;
  out->history_lost = info.history_lost;
  return got;
}

static guint64
rewind_capture (gpointer user_data, guint64 pos)
{
  GstAsNetSender *ns = user_data;

  return gst_as_frame_ring_rewind (&ns->front->ring, pos);
}

static gsize
send_bytes (gpointer user_data, const guint8 * data, gsize size,
    GError ** error)
{
  return gst_as_transport_send (((GstAsNetSender *) user_data)->transport,
      data, size, error);
}

static gboolean
get_tcp_info (gpointer user_data, GstAsTcpInfo * info)
{
  GstAsNetSender *ns = user_data;

  return ns->transport && gst_as_transport_tcp_info (ns->transport, info);
}

static GstClockTime
clock_now (gpointer user_data)
{
  return gst_clock_get_time (((GstAsNetSender *) user_data)->clock);
}

static gint64
monotonic_now_us (gpointer user_data)
{
  return g_get_monotonic_time ();
}

static void
post (gpointer user_data, GstStructure * s)
{
  GstAsNetSender *ns = user_data;

  ns->host.post (ns->host_data, s);
}

static void
tell (gpointer user_data, GstMessageType type, const gchar * text,
    const gchar * debug)
{
  GstAsNetSender *ns = user_data;

  ns->host.tell (ns->host_data, type, text, debug);
}

static gboolean
playing (gpointer user_data)
{
  GstAsNetSender *ns = user_data;

  return ns->host.playing (ns->host_data);
}

/* A write() holding a non-live upstream back waits on the connection state
 * too (upstream_released()). */
static void
set_connected (GstAsNetSender * ns, gboolean connected)
{
  if (!connected && g_atomic_int_get (&ns->connected))
    atomic_store (&ns->down_since_us, g_get_monotonic_time ());
  g_atomic_int_set (&ns->connected, connected);
  g_mutex_lock (&ns->front->lock);
  g_cond_broadcast (&ns->front->cond);
  g_mutex_unlock (&ns->front->lock);
}

static gboolean
connect_receiver (gpointer user_data, const gchar ** remote, GError ** error)
{
  GstAsNetSender *ns = user_data;
  guint bytes_per_second = ns->sender->rate * ns->sender->bpf;

  ns->transport = gst_as_transport_connect (&ns->target, bytes_per_second,
      ns->cancellable, error);
  if (ns->transport == NULL)
    return FALSE;
  *remote = gst_as_transport_remote (ns->transport);
  GST_INFO ("connected to %s", *remote);
  set_connected (ns, TRUE);
  return TRUE;
}

static void
disconnect_receiver (gpointer user_data, gboolean drain)
{
  GstAsNetSender *ns = user_data;

  if (drain && gst_as_transport_drain (ns->transport, DRAIN_TIMEOUT_US) > 0)
    GST_WARNING ("audio still unacknowledged at shutdown");
  g_clear_pointer (&ns->transport, gst_as_transport_free);
  set_connected (ns, FALSE);
}

static gboolean
check_peer (gpointer user_data, GError ** error)
{
  return gst_as_transport_check_peer (((GstAsNetSender *)
          user_data)->transport, error);
}

/* Waits until the first audio has arrived and enough is buffered to start,
 * or EOS came first. The format is taken (attached) only then: until audio
 * arrives the caps may still change, and the sender's buffers are sized
 * for the frame it takes here. Then the schedule's clock: the pipeline's,
 * or CLOCK_MONOTONIC. Returns FALSE when the thread must leave. */
static gboolean
wait_audio (gpointer user_data, GstAsSenderFormat * f)
{
  GstAsNetSender *ns = user_data;
  GstAsSinkFront *front = ns->front;
  GstClock *clock;

  while (gst_as_sink_front_wait_format (front, -1) &&
      !gst_as_sink_front_wait_unsent (front,
          MAX (__atomic_load_n (&ns->prefill_frames, __ATOMIC_ACQUIRE), 1),
          -1) && !gst_as_sink_front_is_eos (front) &&
      !gst_as_sink_front_is_stopping (front) &&
      !gst_as_sink_front_has_failed (front));
  if (gst_as_sink_front_is_stopping (front) ||
      gst_as_sink_front_has_failed (front))
    return FALSE;
  if (!gst_as_sink_front_attach (front, &f->rate, &f->bpf))
    return TRUE;                /* EOS before any format */

  f->chunk = ns->chunk;
  f->prefill_frames = __atomic_load_n (&ns->prefill_frames,
      __ATOMIC_ACQUIRE);
  f->ring_capacity = front->ring.capacity;
  f->kernel_buffer_bytes =
      gst_as_transport_send_buffer_bytes (f->rate * f->bpf);
  gst_as_transport_set_rate (ns->transport, f->rate * f->bpf);
  clock = ns->host.get_clock (ns->host_data);
  if (clock == NULL)
    clock = gst_object_ref (ns->fallback_clock);
  ns->clock = clock;
  ns->wait_id = gst_clock_new_single_shot_id (clock, 0);
  GST_INFO ("prefill reached, pacing on %" GST_PTR_FORMAT, clock);
  return TRUE;
}

/* Sleeps until @deadline on the thread's clock, or until stop unschedules
 * the wait. Returns FALSE when the thread must leave. */
static gboolean
wait_until (gpointer user_data, GstClockTime deadline)
{
  GstAsNetSender *ns = user_data;

  g_mutex_lock (&ns->lock);
  if (gst_as_sink_front_is_stopping (ns->front)) {
    g_mutex_unlock (&ns->lock);
    return FALSE;
  }
  gst_clock_single_shot_id_reinit (ns->clock, ns->wait_id, deadline);
  ns->clock_id = ns->wait_id;
  g_mutex_unlock (&ns->lock);

  gst_clock_id_wait (ns->wait_id, NULL);

  g_mutex_lock (&ns->lock);
  ns->clock_id = NULL;
  g_mutex_unlock (&ns->lock);
  return !gst_as_sink_front_is_stopping (ns->front);
}

/* Sleeps @ms of wall time, or until stop or EOS. Returns FALSE when the
 * thread must leave. */
static gboolean
sleep_ms (gpointer user_data, guint ms)
{
  GstAsNetSender *ns = user_data;

  gst_as_sink_front_wait_unsent (ns->front, G_MAXUINT64,
      g_get_monotonic_time () + (gint64) ms * 1000);
  return !gst_as_sink_front_is_stopping (ns->front);
}

/* The stream is over: drained, or failed for good (its ERROR is posted
 * already, so that the element's own error, which names the receiver,
 * reaches the application before upstream's "Internal data stream error"
 * that the failing render() causes). */
static void
stream_done (gpointer user_data, gboolean failed)
{
  GstAsNetSender *ns = user_data;

  set_connected (ns, FALSE);
  if (failed)
    gst_as_sink_front_fail (ns->front, NULL);
  else
    gst_as_sink_front_finish_drain (ns->front);
}

static const GstAsSenderCallbacks sender_callbacks = {
  read_capture, rewind_capture, input_capture, send_bytes, get_tcp_info,
  clock_now, monotonic_now_us, post, tell, playing, connect_receiver,
  disconnect_receiver, check_peer, wait_audio, wait_until, sleep_ms,
  stream_done,
};

/**
 * gst_as_net_sender_wake:
 *
 * The front's wake function: a stop must interrupt a clock wait and any
 * blocking I/O. Other wakes (EOS, a format) need nothing: the thread's
 * waits on the front see them.
 */
void
gst_as_net_sender_wake (gpointer user_data)
{
  GstAsNetSender *ns = user_data;

  if (!gst_as_sink_front_is_stopping (ns->front))
    return;
  g_mutex_lock (&ns->lock);
  if (ns->clock_id)
    gst_clock_id_unschedule (ns->clock_id);
  g_mutex_unlock (&ns->lock);
  if (ns->cancellable)
    g_cancellable_cancel (ns->cancellable);
}

static void
raise_priority (GstAsNetSender * ns)
{
  GError *err = NULL;
  gchar *how = NULL;

  if (gst_as_thread_raise_priority (&how, &err)) {
    GST_INFO ("network thread priority raised: %s", how);
    g_free (how);
    return;
  }
  ns->host.tell (ns->host_data, GST_MESSAGE_WARNING, "Could not raise the "
      "network thread's priority; continuing at normal priority.",
      err->message);
  g_error_free (err);
}

static gpointer
net_thread_func (gpointer user_data)
{
  GstAsNetSender *ns = user_data;

  if (ns->high_priority)
    raise_priority (ns);
  prctl (PR_SET_TIMERSLACK, NET_TIMER_SLACK_NS, 0, 0, 0);

  gst_as_sender_run (ns->sender);

  if (ns->wait_id)
    gst_clock_id_unref (ns->wait_id);
  ns->wait_id = NULL;
  gst_clear_object (&ns->clock);
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                                */

/**
 * gst_as_net_sender_start:
 *
 * A new stream (the front was reset): a new sender with @config, and the
 * network thread, which connects at once (state changes never wait for
 * it). Fails for a target that cannot work (a socket path too long).
 */
gboolean
gst_as_net_sender_start (GstAsNetSender * ns,
    const GstAsTransportTarget * target, const GstAsSenderConfig * config,
    gboolean high_priority, GError ** error)
{
  GstAsSender *sender, *old;

  if (!gst_as_transport_check_target (target, error))
    return FALSE;

  g_free ((gchar *) ns->target.host);
  g_free ((gchar *) ns->target.socket_path);
  ns->target = *target;
  ns->target.host = g_strdup (target->host);
  ns->target.socket_path = g_strdup (target->socket_path);
  ns->high_priority = high_priority;
  ns->chunk = 0;
  ns->prefill_frames = 0;
  g_atomic_int_set (&ns->connected, FALSE);
  atomic_store (&ns->down_since_us, g_get_monotonic_time ());
  atomic_store (&ns->capture_jitter_us, 0);
  ns->hold_us = (gint64) target->send_timeout_ms * 1000;
  ns->realtime_next_us = 0;
  ns->released_told = FALSE;

  sender = g_new0 (GstAsSender, 1);
  gst_as_sender_init (sender, config, &sender_callbacks, ns);
  g_mutex_lock (&ns->lock);
  old = ns->sender;
  ns->sender = sender;
  g_mutex_unlock (&ns->lock);
  free_sender (old);

  ns->cancellable = g_cancellable_new ();
  ns->fallback_clock = g_object_new (GST_TYPE_SYSTEM_CLOCK,
      "clock-type", GST_CLOCK_TYPE_MONOTONIC, NULL);
  gst_object_ref_sink (ns->fallback_clock);
  if (gst_as_sink_front_start_worker (ns->front, "audiostreamsink",
          net_thread_func, ns, error))
    return TRUE;

  g_clear_object (&ns->cancellable);
  gst_clear_object (&ns->fallback_clock);
  return FALSE;
}

/* Stops the thread (gst_as_net_sender_wake() interrupts its waits and
 * I/O) and joins it. The sender stays, for its statistics. */
void
gst_as_net_sender_stop (GstAsNetSender * ns)
{
  gst_as_sink_front_stop_worker (ns->front);
  g_clear_object (&ns->cancellable);
  gst_clear_object (&ns->fallback_clock);
  g_atomic_int_set (&ns->connected, FALSE);
}

/* A copy of the sender's counters and the capture side now. */
void
gst_as_net_sender_get_stats (GstAsNetSender * ns, GstAsSenderStats * stats,
    GstAsSenderInput * in)
{
  memset (stats, 0, sizeof (*stats));
  fill_input (ns, in);
  g_mutex_lock (&ns->lock);
  if (ns->sender)
    gst_as_sender_get_stats (ns->sender, stats);
  g_mutex_unlock (&ns->lock);

  if (stats->rate == 0 && g_atomic_int_get (&ns->front->configured)) {
    /* the thread has not taken the format yet */
    stats->rate = ns->front->rate;
    stats->target_ms = gst_as_frames_to_ms (ns->prefill_frames, stats->rate);
  }
}

/* ------------------------------------------------------------------------ */
/* The streaming thread                                                      */

/* From set_caps(), before gst_as_sink_front_set_format() publishes the
 * format. */
void
gst_as_net_sender_set_format_side (GstAsNetSender * ns, guint chunk,
    guint64 prefill_frames)
{
  ns->chunk = chunk;
  ns->prefill_frames = prefill_frames;
}

/* From render(), before the network thread attached: upstream buffers
 * need more room than prefill-ms leaves in the ring, so the prefill is
 * lowered to @prefill_frames (the sender takes it when it attaches). */
void
gst_as_net_sender_lower_prefill (GstAsNetSender * ns, guint64 prefill_frames)
{
  __atomic_store_n (&ns->prefill_frames, prefill_frames, __ATOMIC_RELEASE);
}

/* What render() measured of the capture jitter, for the sender. */
void
gst_as_net_sender_set_capture_jitter (GstAsNetSender * ns, gint64 jitter_us)
{
  atomic_store (&ns->capture_jitter_us, jitter_us);
}

/* The hold of a non-live upstream is over once the connection has been
 * down for send-timeout-ms: from then on it is kept at real time, and the
 * ring keeps the newest audio as for a live upstream (drops counted as
 * overflows), until the connection is back. */
static gboolean
upstream_released (GstAsNetSender * ns)
{
  return !g_atomic_int_get (&ns->connected) && g_get_monotonic_time () -
      atomic_load (&ns->down_since_us) >= ns->hold_us;
}

typedef enum
{
  ROOM,                         /* the ring has room: write */
  RELEASED,                     /* the hold is over: overwrite */
  UNLOCKED,                     /* unlock(): a pause or a flush */
  FAILED,
} SpaceWait;

/* Sleeps on the front's condition until the ring has room or one of the
 * other outcomes; the network thread signals it when it reads (if anyone
 * waits, see sinkfront.h), when the connection state changes, on a
 * failure, and the front on unlock(). */
static SpaceWait
wait_for_space (GstAsNetSender * ns)
{
  GstAsSinkFront *front = ns->front;
  SpaceWait result;

  g_mutex_lock (&front->lock);
  g_atomic_int_inc (&front->space_waiters);
  for (;;) {
    if (g_atomic_int_get (&front->failed)) {
      result = FAILED;
      break;
    }
    if (g_atomic_int_get (&front->flushing) ||
        g_atomic_int_get (&front->stopping)) {
      result = UNLOCKED;
      break;
    }
    if (gst_as_frame_ring_space (&front->ring) > 0) {
      result = ROOM;
      break;
    }
    if (upstream_released (ns)) {
      result = RELEASED;
      break;
    }
    if (g_atomic_int_get (&ns->connected))
      g_cond_wait (&front->cond, &front->lock);
    else
      g_cond_wait_until (&front->cond, &front->lock,
          atomic_load (&ns->down_since_us) + ns->hold_us);
  }
  g_atomic_int_dec_and_test (&front->space_waiters);
  g_mutex_unlock (&front->lock);
  return result;
}

/* Keeps a released upstream at real time: each write waits for the
 * duration of the audio before it, or until the connection is back. */
static void
wait_realtime (GstAsNetSender * ns, guint64 frames)
{
  GstAsSinkFront *front = ns->front;
  gint64 now = g_get_monotonic_time ();

  if (ns->realtime_next_us < now - G_TIME_SPAN_SECOND)
    ns->realtime_next_us = now;
  g_mutex_lock (&front->lock);
  while (!g_atomic_int_get (&front->flushing) &&
      !g_atomic_int_get (&front->failed) &&
      !g_atomic_int_get (&ns->connected) &&
      g_get_monotonic_time () < ns->realtime_next_us)
    g_cond_wait_until (&front->cond, &front->lock, ns->realtime_next_us);
  g_mutex_unlock (&front->lock);
  ns->realtime_next_us += gst_util_uint64_scale_int (frames,
      G_USEC_PER_SEC, front->rate);
}

static GstFlowReturn
write_released (GstAsNetSender * ns, const guint8 * data, guint64 frames)
{
  GstAsSinkFront *front = ns->front;
  GstFlowReturn ret;

  gst_as_sink_front_set_live (front, TRUE);
  ret = gst_as_sink_front_render (front, data, frames * front->bpf);
  gst_as_sink_front_set_live (front, FALSE);
  if (!ns->released_told) {
    ns->released_told = TRUE;
    ns->host.tell (ns->host_data, GST_MESSAGE_WARNING, "The receiver has "
        "been unreachable for longer than send-timeout-ms: the upstream is "
        "no longer held back, and audio the ring cannot hold is dropped "
        "(counted in dropped-samples) until the connection is back.", NULL);
  }
  return ret;
}

/**
 * gst_as_net_sender_write:
 *
 * render() for a non-live upstream: writes what fits, waits for room
 * within the hold above, and after unlock() waits for PLAYING (a pause) or
 * returns FLUSHING (a flush or a stop) through
 * gst_base_sink_wait_preroll(), as GstBaseSink expects.
 */
GstFlowReturn
gst_as_net_sender_write (GstAsNetSender * ns, const guint8 * data,
    guint64 frames)
{
  GstAsSinkFront *front = ns->front;
  guint bpf = front->bpf;

  if (g_atomic_int_get (&ns->connected))
    ns->released_told = FALSE;
  while (frames > 0) {
    guint64 n = MIN (frames, gst_as_frame_ring_space (&front->ring));
    GstFlowReturn ret;

    if (n > 0) {
      ret = gst_as_sink_front_render (front, data, n * bpf);
      if (ret != GST_FLOW_OK)
        return ret;
      data += n * bpf;
      frames -= n;
      continue;
    }
    switch (wait_for_space (ns)) {
      case ROOM:
        break;
      case FAILED:
        return GST_FLOW_ERROR;
      case UNLOCKED:
        ret = gst_base_sink_wait_preroll (front->sink);
        if (ret != GST_FLOW_OK)
          return ret;
        break;
      case RELEASED:
        wait_realtime (ns, frames);
        if (upstream_released (ns))
          return write_released (ns, data, frames);
        break;
    }
  }
  return GST_FLOW_OK;
}
