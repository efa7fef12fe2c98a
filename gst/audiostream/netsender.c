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
#include "ratelimit.h"
#include "tuning.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (net_sender_debug);
#define GST_CAT_DEFAULT net_sender_debug

/* How long EOS waits for the kernel to transmit what was written before the
 * FIN goes out; a peer that reads nothing for that long loses the tail. */
#define DRAIN_TIMEOUT_US (5 * G_USEC_PER_SEC)
/* Statistics go on while waiting to reconnect */
#define BACKOFF_TICK_NS (100 * GST_MSECOND)
/* how long a fatal failure before PLAYING waits for PLAYING, in steps */
#define ERROR_HOLD_NS (1000 * GST_MSECOND)
#define HOLD_SLICE_NS (10 * GST_MSECOND)
/* At most this many chunks per step (a backlog after an outage): the other
 * streams of the batch go first, the rest in the next pass. */
#define MAX_CHUNKS_PER_STEP 4
/* Connections being set up at once, for the whole process */
#define MAX_CONNECT_THREADS 64
/* Per process: messages for a person (WARNING, INFO) and element messages
 * from all streams together, so that thousands of streams in trouble at
 * once cannot flood the bus. ERRORs are never held back. */
#define TELLS_PER_SECOND 20
#define POSTS_PER_SECOND 5000

typedef enum
{
  STATE_IDLE,                   /* not started */
  STATE_CONNECT,                /* about to start a connection attempt */
  STATE_CONNECTING,             /* the attempt runs in the pool */
  STATE_WAIT_AUDIO,             /* connected, waiting for the prefill */
  STATE_STREAMING,
  STATE_DRAINING,               /* EOS: the drain runs in the pool */
  STATE_BACKOFF,
  STATE_HOLD_ERROR,             /* a fatal failure, told once PLAYING */
  STATE_DONE,                   /* drained, failed or stopping */
} State;

typedef enum
{
  JOB_CONNECT,
  JOB_DRAIN,
} JobKind;

/* A blocking step in the pool. It outlives its stream if need be: stop()
 * detaches it (under its lock, so that it never touches the stream after
 * that) and cancels it; the pool thread then frees what it made. */
struct _GstAsNetSenderJob
{
  gint refs;
  GMutex lock;
  GstAsNetSender *ns;           /* NULL: detached */
  JobKind kind;
  GstAsTransportTarget target;
  guint bytes_per_second;
  GCancellable *cancellable;
  GstAsTransport *transport;    /* made (connect) or given (drain) */
  GError *error;
  gint unsent;
  gboolean done;
};

/* What a clock callback wakes; detached by stop() the same way. */
struct _GstAsNetSenderToken
{
  gint refs;
  GMutex lock;
  GstAsNetSender *ns;
  GstClockID reached;           /* the wait that completed last */
};

static GThreadPool *connect_pool;
static GMutex limits_lock;
static GstAsRateLimit tell_limit;
static GstAsRateLimit post_limit;
static guint64 posts_dropped;

static void run_job (gpointer data, gpointer user_data);

static void
init_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (net_sender_debug, "audiostream-netsender", 0,
        "audiostreamsink's sending side");
    gst_as_rate_limit_init (&tell_limit, TELLS_PER_SECOND);
    gst_as_rate_limit_init (&post_limit, POSTS_PER_SECOND);
    connect_pool = g_thread_pool_new (run_job, NULL, MAX_CONNECT_THREADS,
        FALSE, NULL);
    g_once_init_leave (&done, 1);
  }
}

void
gst_as_net_sender_init (GstAsNetSender * ns, GstAsSinkFront * front,
    const GstAsNetSenderHost * host, gpointer host_data)
{
  static gint made;

  init_once ();
  memset (ns, 0, sizeof (*ns));
  ns->front = front;
  ns->host = *host;
  ns->host_data = host_data;
  ns->refill_share =
      gst_as_net_sender_refill_share (g_atomic_int_add (&made, 1));
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
  gst_as_net_sender_stop (ns);
  free_sender (ns->sender);
  g_free ((gchar *) ns->target.host);
  g_free ((gchar *) ns->target.socket_path);
  g_free (ns->remote);
  g_free (ns->pending);
  g_free (ns->held_reason);
  g_mutex_clear (&ns->lock);
}

/* ------------------------------------------------------------------------ */
/* Jobs and clock tokens                                                     */

static void
job_unref (GstAsNetSenderJob * job)
{
  if (!g_atomic_int_dec_and_test (&job->refs))
    return;
  g_clear_pointer (&job->transport, gst_as_transport_free);
  g_clear_error (&job->error);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->target.tls, gst_as_tls_client_unref);
  g_free ((gchar *) job->target.host);
  g_free ((gchar *) job->target.socket_path);
  g_mutex_clear (&job->lock);
  g_free (job);
}

static void
run_job (gpointer data, gpointer user_data)
{
  GstAsNetSenderJob *job = data;
  GstAsTransport *made = NULL;
  GError *err = NULL;
  gint unsent = 0;

  if (job->kind == JOB_CONNECT)
    made = gst_as_transport_connect (&job->target, job->bytes_per_second,
        job->cancellable, &err);
  else
    unsent = gst_as_transport_drain (job->transport, DRAIN_TIMEOUT_US);

  g_mutex_lock (&job->lock);
  if (made)
    job->transport = made;
  job->error = err;
  job->unsent = unsent;
  job->done = TRUE;
  if (job->ns)
    gst_as_scheduler_wake (job->ns->sched, &job->ns->entry);
  g_mutex_unlock (&job->lock);
  job_unref (job);
}

static GstAsNetSenderJob *
start_job (GstAsNetSender * ns, JobKind kind)
{
  GstAsNetSenderJob *job = g_new0 (GstAsNetSenderJob, 1);

  job->refs = 2;                /* the stream's, the pool's */
  g_mutex_init (&job->lock);
  job->ns = ns;
  job->kind = kind;
  job->target = ns->target;
  job->target.host = g_strdup (ns->target.host);
  job->target.socket_path = g_strdup (ns->target.socket_path);
  /* a detached job may outlive the element that holds the settings */
  if (job->target.tls != NULL)
    gst_as_tls_client_ref (job->target.tls);
  if (ns->sender->rate > 0)
    job->bytes_per_second = ns->sender->rate * ns->sender->bpf;
  job->cancellable = g_object_ref (ns->cancellable);
  ns->job = job;
  return job;
}

/* Takes the finished job's outcome; FALSE while it still runs. */
static gboolean
job_finished (GstAsNetSender * ns, GstAsTransport ** transport,
    GError ** error, gint * unsent)
{
  GstAsNetSenderJob *job = ns->job;
  gboolean done;

  g_mutex_lock (&job->lock);
  done = job->done;
  if (done) {
    *transport = job->transport;
    job->transport = NULL;
    *error = job->error;
    job->error = NULL;
    if (unsent)
      *unsent = job->unsent;
    job->ns = NULL;
  }
  g_mutex_unlock (&job->lock);
  if (done) {
    job_unref (job);
    ns->job = NULL;
  }
  return done;
}

static void
detach_job (GstAsNetSender * ns)
{
  if (ns->job == NULL)
    return;
  g_mutex_lock (&ns->job->lock);
  ns->job->ns = NULL;
  g_mutex_unlock (&ns->job->lock);
  job_unref (ns->job);
  ns->job = NULL;
}

static void
token_unref (gpointer data)
{
  GstAsNetSenderToken *token = data;

  if (!g_atomic_int_dec_and_test (&token->refs))
    return;
  g_mutex_clear (&token->lock);
  g_free (token);
}

static gboolean
clock_reached (GstClock * clock, GstClockTime time, GstClockID id,
    gpointer user_data)
{
  GstAsNetSenderToken *token = user_data;

  g_mutex_lock (&token->lock);
  token->reached = id;
  if (token->ns)
    gst_as_scheduler_wake (token->ns->sched, &token->ns->entry);
  g_mutex_unlock (&token->lock);
  return TRUE;
}

static void
cancel_clock_wait (GstAsNetSender * ns)
{
  if (ns->async_id == NULL)
    return;
  gst_clock_id_unschedule (ns->async_id);
  gst_clock_id_unref (ns->async_id);
  ns->async_id = NULL;
}

/* A clock other than the system clock wakes the entry itself at @due, one
 * wait per chunk as a thread of its own would: TRUE once that wait has
 * completed. */
static gboolean
wait_on_clock (GstAsNetSender * ns, GstClockTime due)
{
  gboolean reached;

  if (ns->async_id != NULL && ns->async_due == due) {
    g_mutex_lock (&ns->token->lock);
    reached = ns->token->reached == ns->async_id;
    g_mutex_unlock (&ns->token->lock);
    return reached;
  }
  cancel_clock_wait (ns);
  /* a new id may have the address of the one that completed last */
  g_mutex_lock (&ns->token->lock);
  ns->token->reached = NULL;
  g_mutex_unlock (&ns->token->lock);
  ns->async_id = gst_clock_new_single_shot_id (ns->clock, due);
  ns->async_due = due;
  g_atomic_int_inc (&ns->token->refs);
  if (gst_clock_id_wait_async (ns->async_id, clock_reached, ns->token,
          token_unref) != GST_CLOCK_OK) {
    /* the clock cannot wait for us: send now rather than never */
    GST_WARNING ("asynchronous wait on %" GST_PTR_FORMAT " refused",
        ns->clock);
    return TRUE;
  }
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Reaching the element                                                      */

/* A stopping element posts nothing (its bus may already be flushing, and
 * it may be gone once stop() returns), and the whole process posts at
 * most so much. */
static void
post (gpointer user_data, GstStructure * s)
{
  GstAsNetSender *ns = user_data;
  gboolean allowed;

  if (gst_as_sink_front_is_stopping (ns->front)) {
    gst_structure_free (s);
    return;
  }
  g_mutex_lock (&limits_lock);
  allowed = gst_as_rate_limit_allow (&post_limit, g_get_monotonic_time (),
      NULL);
  if (!allowed)
    posts_dropped++;
  g_mutex_unlock (&limits_lock);
  if (!allowed) {
    GST_WARNING ("element message %s held back: more than %d a second in "
        "this process (%" G_GUINT64_FORMAT " so far)",
        gst_structure_get_name (s), POSTS_PER_SECOND, posts_dropped);
    gst_structure_free (s);
    return;
  }
  ns->host.post (ns->host_data, s);
}

static void
tell (gpointer user_data, GstMessageType type, const gchar * text,
    const gchar * debug)
{
  GstAsNetSender *ns = user_data;
  gboolean allowed = TRUE;
  guint held_back = 0;

  if (gst_as_sink_front_is_stopping (ns->front))
    return;
  if (type != GST_MESSAGE_ERROR) {
    g_mutex_lock (&limits_lock);
    allowed = gst_as_rate_limit_allow (&tell_limit, g_get_monotonic_time (),
        &held_back);
    g_mutex_unlock (&limits_lock);
  }
  if (!allowed) {
    GST_WARNING ("held back (more than %d a second in this process): %s",
        TELLS_PER_SECOND, text);
    return;
  }
  if (held_back > 0) {
    gchar *more = g_strdup_printf ("%s%s(%u messages of this process held "
        "back before this one)", debug ? debug : "", debug ? " " : "",
        held_back);

    ns->host.tell (ns->host_data, type, text, more);
    g_free (more);
    return;
  }
  ns->host.tell (ns->host_data, type, text, debug);
}

/* ------------------------------------------------------------------------ */
/* The sender's callbacks, on the scheduler thread                          */

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

/* A non-live upstream held back by a full ring is woken once this much
 * of the ring is free, not for every chunk sent: it then writes that
 * much in one go, and a file costs a wake-up per refill instead of one
 * per chunk. How much is the stream's own share of the ring, between an
 * eighth and a quarter (gst_as_net_sender_refill_share()). With a quarter
 * for every stream, streams started together refilled together, forever:
 * at 400 file-fed streams hundreds of upstream threads were runnable at
 * once every 1.25 s, and the sending threads, at normal priority, waited
 * behind them (p99 2-9 ms, 200 streams held at most). Shares spread over
 * the range put the refills at different periods (p99 0.6-1.3 ms at 400 to
 * 800 streams; docs/scale.md, "Refills spread"). */
static guint64
refill_level (GstAsNetSender * ns)
{
  return MAX (ns->front->ring.capacity * ns->refill_share / 1024, 1);
}

/**
 * gst_as_net_sender_refill_share:
 * @index: the stream's place in the order the process's senders were
 *   made (gst_as_net_sender_init())
 *
 * The share of its ring, in 1/1024ths, that the @index-th stream's
 * non-live upstream refills at once: from 128 (an eighth) to 255, spread
 * evenly over any run of consecutive streams (a golden-ratio sequence).
 *
 * Returns: the share
 */
guint
gst_as_net_sender_refill_share (guint index)
{
  /* 40503 / 65536 is the golden ratio's fraction */
  return 128 + (((index * 40503u) & 0xffff) >> 9);
}

/* A writer with room for its buffer but short of refill_level() is not
 * woken: if the sending stops there (a pipeline clock that stops, as a
 * test clock does between two steps, or a device's), nothing would wake
 * it. So it looks at the ring again after twice the time a running
 * sender takes to free refill_level(): in a running stream the wake-up
 * comes first, and a stopped one holds the upstream no longer than that. */
static gint64
refill_wait_us (GstAsNetSender * ns)
{
  return 2 * gst_util_uint64_scale_int (refill_level (ns),
      G_USEC_PER_SEC, MAX (ns->front->rate, 1));
}

static guint64
read_capture (gpointer user_data, guint8 * dest, guint64 n_frames,
    GstAsSenderRead * out)
{
  GstAsNetSender *ns = user_data;
  GstAsFrameRingRead info = { 0 };
  guint64 got = gst_as_frame_ring_read (&ns->front->ring, dest, n_frames,
      &info);

  if (gst_as_frame_ring_space (&ns->front->ring) >= refill_level (ns))
    gst_as_sink_front_notify_space (ns->front);

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

/* What the socket did not take waits in @pending, behind what waits there
 * already. */
static void
keep_unsent (GstAsNetSender * ns, const guint8 * data, gsize size)
{
  if (ns->pending_off > 0) {
    memmove (ns->pending, ns->pending + ns->pending_off, ns->pending_len);
    ns->pending_off = 0;
  }
  if (ns->pending_size < ns->pending_len + size) {
    ns->pending_size = MAX (ns->pending_len + size, 4096);
    ns->pending = g_realloc (ns->pending, ns->pending_size);
  }
  memcpy (ns->pending + ns->pending_len, data, size);
  ns->pending_len += size;
  ns->progress_at = gst_as_scheduler_now (ns->sched);
}

/* The end of the scheduler's batch: a batched send did not go out whole.
 * The rest waits in @pending as a short send's would, and the stream runs
 * at once to wait for EPOLLOUT (or to meet the failure on its next send).
 * Through the clock token, which stop() detaches: the stream may have
 * stopped since its step. A connection handed to the drain sends the rest
 * itself. */
static gboolean
batch_left (gpointer user_data, const guint8 * rest, gsize size)
{
  GstAsNetSenderToken *token = user_data;
  GstAsNetSender *ns;
  gboolean taken = FALSE;

  g_mutex_lock (&token->lock);
  ns = token->ns;
  if (ns != NULL && ns->state == STATE_STREAMING) {
    keep_unsent (ns, rest, size);
    gst_as_scheduler_wake (ns->sched, &ns->entry);
    taken = TRUE;
  }
  g_mutex_unlock (&token->lock);
  return taken;
}

/* Never blocks: what the socket does not take now waits in @pending (at
 * most a chunk) for EPOLLOUT, and no new chunk is taken meanwhile, so the
 * backlog stays in the ring. On a scheduler thread with io_uring the bytes
 * join the batch's one submission (sendqueue.c). Counts as written for the
 * sender: if the connection fails, the unacknowledged bytes are resent
 * anyway. */
static gsize
send_bytes (gpointer user_data, const guint8 * data, gsize size,
    GError ** error)
{
  GstAsNetSender *ns = user_data;
  gssize n;

  g_atomic_int_inc (&ns->token->refs);
  n = gst_as_transport_try_send_batched (ns->transport, data, size,
      batch_left, ns->token, token_unref, error);

  if (n < 0)
    return 0;
  if ((gsize) n < size)
    keep_unsent (ns, data + n, size - n);
  return size;
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

/* The blocking callbacks belong to gst_as_sender_run(), which the
 * scheduler does not use: the state machine below does their work. */
static const GstAsSenderCallbacks sender_callbacks = {
  read_capture, rewind_capture, input_capture, send_bytes, get_tcp_info,
  clock_now, monotonic_now_us, post, tell, playing, NULL, NULL, NULL, NULL,
  NULL, NULL, stream_done,
};

/* ------------------------------------------------------------------------ */
/* The state machine, on the scheduler thread                               */

static gint64 step (GstAsNetSender * ns, gint64 now, guint events);

static void
close_transport (GstAsNetSender * ns)
{
  if (ns->transport == NULL)
    return;
  gst_as_scheduler_watch (ns->sched, &ns->entry, -1, 0);
  g_clear_pointer (&ns->transport, gst_as_transport_free);
  ns->pending_len = 0;
  ns->want_write = FALSE;
  set_connected (ns, FALSE);
}

/* The connection will not be used again: the sender knows. */
static gint64
finish (GstAsNetSender * ns, gboolean failed)
{
  ns->state = STATE_DONE;
  stream_done (ns, failed);
  return GST_AS_SCHED_NEVER;
}

/* After a failed attempt or a lost connection: back off, give up or, at
 * EOS, finish. */
static gint64
on_failure (GstAsNetSender * ns, gint64 now, const gchar * reason)
{
  guint retry_ms = 0;

  /* A fatal failure before PLAYING comes while the application may still
   * be inside set_state(): one that quits its main loop from a sync bus
   * handler before running it (gst-launch-1.0) would lose the quit. So
   * the ERROR waits for PLAYING, at most ERROR_HOLD_NS, never blocking
   * the scheduler: the stream comes back every HOLD_SLICE_NS. */
  if (gst_as_sender_would_give_up (ns->sender) &&
      !ns->host.playing (ns->host_data)) {
    if (ns->hold_since == 0)
      ns->hold_since = now;
    if (now - ns->hold_since < ERROR_HOLD_NS) {
      if (reason != ns->held_reason) {
        g_free (ns->held_reason);
        ns->held_reason = g_strdup (reason);
      }
      ns->state = STATE_HOLD_ERROR;
      return now + HOLD_SLICE_NS;
    }
  }

  switch (gst_as_sender_failed (ns->sender, reason, &retry_ms)) {
    case GST_AS_SENDER_RETRY:
      ns->state = STATE_BACKOFF;
      ns->backoff_until = now + (gint64) retry_ms * GST_MSECOND;
      ns->tick_at = now + BACKOFF_TICK_NS;
      return MIN (ns->backoff_until, ns->tick_at);
    case GST_AS_SENDER_GIVE_UP:
      return finish (ns, TRUE);
    case GST_AS_SENDER_FINISH:
      return finish (ns, FALSE);
  }
  return finish (ns, TRUE);
}

/* A TLS peer that cannot be trusted or does not speak TLS: trying again
 * cannot help and clear text is never an option, so one ERROR and done. */
static gboolean
is_refusal (const GError * err)
{
  return g_error_matches (err, GST_AS_TRANSPORT_ERROR,
      GST_AS_TRANSPORT_ERROR_TLS);
}

static gint64
refused (GstAsNetSender * ns, const gchar * reason)
{
  gst_as_sender_refused (ns->sender, reason);
  return finish (ns, TRUE);
}

/* The connection failed: what the peer did not acknowledge goes again. */
static gint64
lose (GstAsNetSender * ns, gint64 now, GError * err)
{
  GstAsTcpInfo info = { 0 };
  gboolean have_acked = get_tcp_info (ns, &info);
  gint64 next;

  close_transport (ns);
  gst_as_sender_lost (ns->sender, have_acked, info.bytes_acked);
  next = is_refusal (err) ? refused (ns, err->message) :
      on_failure (ns, now, err->message);
  g_error_free (err);
  return next;
}

static void
raise_priority (GstAsNetSender * ns)
{
  GError *err = NULL;
  gchar *how = NULL;

  ns->priority_done = TRUE;
  if (gst_as_scheduler_raise_priority (ns->sched, &how, &err)) {
    GST_INFO ("scheduler thread priority raised: %s", how);
    g_free (how);
    return;
  }
  tell (ns, GST_MESSAGE_WARNING, "Could not raise the sending thread's "
      "priority; continuing at normal priority.", err->message);
  g_error_free (err);
}

static gint64
step_connect (GstAsNetSender * ns)
{
  gst_as_sender_connecting (ns->sender);
  g_thread_pool_push (connect_pool, start_job (ns, JOB_CONNECT), NULL);
  ns->state = STATE_CONNECTING;
  return GST_AS_SCHED_NEVER;
}

static gint64
step_connecting (GstAsNetSender * ns, gint64 now)
{
  GstAsTransport *transport = NULL;
  GError *err = NULL;

  if (!job_finished (ns, &transport, &err, NULL))
    return GST_AS_SCHED_NEVER;
  if (transport == NULL) {
    gint64 next = GST_AS_SCHED_NEVER;

    if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      ns->state = STATE_DONE;
    else if (is_refusal (err))
      next = refused (ns, err->message);
    else
      next = on_failure (ns, now, err->message);
    g_error_free (err);
    return next;
  }

  ns->transport = transport;
  g_free (ns->remote);
  ns->remote = g_strdup (gst_as_transport_remote (transport));
  GST_INFO ("connected to %s", ns->remote);
  gst_as_scheduler_watch (ns->sched, &ns->entry,
      gst_as_transport_get_fd (transport), GST_AS_SCHED_READABLE);
  gst_as_sender_connected (ns->sender, ns->remote);
  set_connected (ns, TRUE);
  ns->state = gst_as_sender_is_started (ns->sender) ? STATE_STREAMING :
      STATE_WAIT_AUDIO;
  return step (ns, now, 0);
}

/* A raw-PCM receiver sends nothing: readable means it closed or reset. */
static gboolean
peer_gone (GstAsNetSender * ns, guint events, GError ** error)
{
  if (!(events & (GST_AS_SCHED_READABLE | GST_AS_SCHED_HANGUP)))
    return FALSE;
  return !gst_as_transport_check_peer (ns->transport, error);
}

/* Hands the connection to the pool for the EOS drain (bounded, blocking). */
static gint64
start_drain (GstAsNetSender * ns)
{
  GstAsNetSenderJob *job;

  gst_as_scheduler_watch (ns->sched, &ns->entry, -1, 0);
  job = start_job (ns, JOB_DRAIN);
  job->transport = ns->transport;
  ns->transport = NULL;
  ns->state = STATE_DRAINING;
  g_thread_pool_push (connect_pool, job, NULL);
  return GST_AS_SCHED_NEVER;
}

static gint64
step_draining (GstAsNetSender * ns)
{
  GstAsTransport *transport = NULL;
  GError *err = NULL;
  gint unsent = 0;

  if (!job_finished (ns, &transport, &err, &unsent))
    return GST_AS_SCHED_NEVER;
  if (unsent > 0)
    GST_WARNING ("audio still unacknowledged at shutdown");
  g_clear_pointer (&transport, gst_as_transport_free);
  g_clear_error (&err);
  set_connected (ns, FALSE);
  gst_as_sender_closed (ns->sender, ns->remote);
  return finish (ns, FALSE);
}

/* On the system clock, a stream's schedule starts on a grid of its chunk
 * duration (docs/scale.md, "Phase"): the streams of a process with the
 * same chunk duration are then due at the same few instants, and one
 * wake-up, one io_uring submission, sends a whole group of them instead
 * of one per phase. A group is at most 64 streams (the streams in the
 * order they start; GST_AS_TUNING_PHASE_GROUP): a larger burst makes the
 * last sends of a group late. The groups are PHASE_SLOT apart, around the
 * period. GST_AS_TUNING_PHASE_GRID=0 starts each stream at once (A/B). */
#define PHASE_SLOT (2 * GST_MSECOND)

static void
start_schedule (GstAsNetSender * ns, gint rate)
{
  static guint started;
  GstClockTime grid;

  if (gst_as_tuning_get (GST_AS_TUNING_PHASE_GRID) == 0 ||
      !ns->clock_is_system || rate <= 0) {
    gst_as_sender_start (ns->sender);
    return;
  }
  grid = gst_util_uint64_scale_int (ns->chunk, GST_SECOND, rate);
  gst_as_sender_start_on_grid (ns->sender, grid,
      gst_as_sender_grid_offset (g_atomic_int_add (&started, 1),
          gst_as_tuning_get (GST_AS_TUNING_PHASE_GROUP), grid, PHASE_SLOT));
}

/* Waits (without blocking: the front's wake function runs the entry) until
 * the first audio has arrived and enough is buffered to start, or EOS came
 * first. The format is taken (attached) only then: until audio arrives the
 * caps may still change, and the sender's buffers are sized for the frame
 * it takes here. Then the schedule's clock: the pipeline's, or
 * CLOCK_MONOTONIC. */
static gint64
step_wait_audio (GstAsNetSender * ns, gint64 now, guint events)
{
  GstAsSinkFront *front = ns->front;
  GError *err = NULL;
  GstClock *clock;
  gint rate = 0;
  guint bpf = 0;

  if (gst_as_sink_front_is_stopping (front) ||
      gst_as_sink_front_has_failed (front)) {
    close_transport (ns);
    ns->state = STATE_DONE;
    return GST_AS_SCHED_NEVER;
  }
  if (peer_gone (ns, events, &err))
    return lose (ns, now, err);
  if (!gst_as_sink_front_is_eos (front) &&
      (!g_atomic_int_get (&front->configured) ||
          !gst_as_sink_front_arm_wake (front,
              MAX (__atomic_load_n (&ns->prefill_frames, __ATOMIC_ACQUIRE),
                  1))))
    return GST_AS_SCHED_NEVER;
  if (!gst_as_sink_front_attach (front, &rate, &bpf))
    return start_drain (ns);    /* EOS before any format */

  gst_as_sender_set_format (ns->sender, rate, bpf, ns->chunk,
      front->ring.capacity, gst_as_transport_send_buffer_bytes (rate * bpf));
  /* render() may have lowered the prefill to leave room for upstream's
   * buffers (gst_as_net_sender_lower_prefill ()) */
  gst_as_sender_limit_prefill (ns->sender,
      __atomic_load_n (&ns->prefill_frames, __ATOMIC_ACQUIRE));
  gst_as_transport_set_rate (ns->transport, rate * bpf);
  clock = ns->host.get_clock (ns->host_data);
  if (clock == NULL)
    clock = gst_object_ref (ns->fallback_clock);
  gst_object_replace ((GstObject **) & ns->clock, GST_OBJECT (clock));
  gst_object_unref (clock);
  ns->clock_is_system = G_OBJECT_TYPE (clock) == GST_TYPE_SYSTEM_CLOCK;
  GST_INFO ("prefill reached, pacing on %" GST_PTR_FORMAT, clock);
  start_schedule (ns, rate);
  ns->state = STATE_STREAMING;
  return step (ns, now, 0);
}

/* Gives the socket what waits in @pending. FALSE with @error when the
 * connection failed or the peer took nothing for send-timeout-ms. */
static gboolean
flush_pending (GstAsNetSender * ns, GError ** error)
{
  gint64 now = gst_as_scheduler_now (ns->sched);
  gssize n;

  n = gst_as_transport_try_send (ns->transport,
      ns->pending + ns->pending_off, ns->pending_len, error);
  if (n < 0)
    return FALSE;
  if (n > 0) {
    ns->pending_off += n;
    ns->pending_len -= n;
    ns->progress_at = now;
  } else if (now - ns->progress_at >=
      (gint64) ns->target.send_timeout_ms * GST_MSECOND) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
        "the receiver read nothing for %u ms", ns->target.send_timeout_ms);
    return FALSE;
  }
  return TRUE;
}

/* EPOLLOUT only while something waits, so that a writable socket does
 * not wake the thread for nothing. */
static void
want_write (GstAsNetSender * ns, gboolean want)
{
  if (ns->want_write == want)
    return;
  ns->want_write = want;
  gst_as_scheduler_watch (ns->sched, &ns->entry,
      gst_as_transport_get_fd (ns->transport), GST_AS_SCHED_READABLE |
      (want ? GST_AS_SCHED_WRITABLE : 0));
}

/* Sends every chunk due within the scheduler's window (each at its own
 * deadline's place in the schedule, so batching never changes the rate),
 * and returns when the next one is due, in monotonic ns.
 *
 * The clocks are read once per step, not once per chunk and use: the
 * step takes a few microseconds, and the reads were 6-7 % of the
 * scheduler threads' time, 3 % now (docs/scale.md, "Fewer clock
 * reads"). The next deadline is measured from the same reading, which
 * can only make it look further away than it is; the monotonic time
 * returned for it is then the same instant, as @now and @clock_now are
 * one reading. */
static gint64
step_streaming (GstAsNetSender * ns, guint events)
{
  gint64 window = gst_as_scheduler_get_window (ns->sched);
  GError *err = NULL;
  guint sent = 0;
  GstClockTime clock_now;
  gint64 now, now_us;

  if (peer_gone (ns, events, &err))
    return lose (ns, gst_as_scheduler_now (ns->sched), err);
  if (ns->pending_len > 0) {
    if (!flush_pending (ns, &err))
      return lose (ns, gst_as_scheduler_now (ns->sched), err);
    if (ns->pending_len > 0) {
      want_write (ns, TRUE);
      return ns->progress_at +
          (gint64) ns->target.send_timeout_ms * GST_MSECOND;
    }
  }
  want_write (ns, FALSE);

  clock_now = gst_clock_get_time (ns->clock);
  now = gst_as_scheduler_now (ns->sched);
  now_us = g_get_monotonic_time ();
  for (;;) {
    GstClockTime due = gst_as_sender_next_deadline (ns->sender);
    GstClockTimeDiff ahead = GST_CLOCK_DIFF (clock_now, due);

    if (!ns->clock_is_system) {
      if (!wait_on_clock (ns, due))
        return GST_AS_SCHED_NEVER;
    } else if (ahead > window) {
      return now + ahead;
    }
    if (sent++ == MAX_CHUNKS_PER_STEP)
      return now;

    switch (gst_as_sender_send (ns->sender, due, clock_now, now_us, &err)) {
      case GST_AS_SENDER_SENT:
      case GST_AS_SENDER_IDLE:
        break;
      case GST_AS_SENDER_DRAINED:
        return start_drain (ns);
      case GST_AS_SENDER_LOST:
      case GST_AS_SENDER_STOPPED:
        return lose (ns, now, err);
    }
    if (ns->pending_len > 0) {
      want_write (ns, TRUE);
      return ns->progress_at +
          (gint64) ns->target.send_timeout_ms * GST_MSECOND;
    }
  }
}

/* Waits out the backoff with statistics going on; EOS cuts it short (one
 * last attempt). */
static gint64
step_backoff (GstAsNetSender * ns, gint64 now)
{
  if (now >= ns->backoff_until || gst_as_sink_front_is_eos (ns->front)) {
    ns->state = STATE_CONNECT;
    return step (ns, now, 0);
  }
  if (now >= ns->tick_at) {
    gst_as_sender_tick (ns->sender);
    ns->tick_at = now + BACKOFF_TICK_NS;
  }
  return MIN (ns->backoff_until, ns->tick_at);
}

static gint64
step (GstAsNetSender * ns, gint64 now, guint events)
{
  switch (ns->state) {
    case STATE_CONNECT:
      return step_connect (ns);
    case STATE_CONNECTING:
      return step_connecting (ns, now);
    case STATE_WAIT_AUDIO:
      return step_wait_audio (ns, now, events);
    case STATE_STREAMING:
      return step_streaming (ns, events);
    case STATE_DRAINING:
      return step_draining (ns);
    case STATE_BACKOFF:
      return step_backoff (ns, now);
    case STATE_HOLD_ERROR:{
      gchar *reason = ns->held_reason;
      gint64 next;

      ns->held_reason = NULL;
      next = on_failure (ns, now, reason);
      g_free (reason);
      return next;
    }
    default:
      return GST_AS_SCHED_NEVER;
  }
}

/* The host is held for the step: a message unreffed in a flushing bus
 * must not dispose the element in the middle of it. If the step's own
 * unref is the last one, the element is disposed here, after the step:
 * dispose leaves the scheduler from its own thread, and neither this
 * function nor the scheduler touch @ns after that. */
static gint64
run_entry (gpointer user_data, gint64 now, guint events)
{
  GstAsNetSender *ns = user_data;
  GstAsNetSenderHost host = ns->host;
  gpointer host_data = ns->host_data;
  gint64 next;

  if (gst_as_sink_front_is_stopping (ns->front))
    return GST_AS_SCHED_NEVER;  /* stop() is on its way */
  host.ref (host_data);
  if (ns->high_priority && !ns->priority_done)
    raise_priority (ns);
  next = step (ns, now, events);
  host.unref (host_data);
  return next;
}

/**
 * gst_as_net_sender_wake:
 *
 * The front's wake function: a format, the prefill level armed with
 * gst_as_sink_front_arm_wake(), EOS, a failure or a stop. Runs the entry
 * soon; any thread.
 */
void
gst_as_net_sender_wake (gpointer user_data)
{
  GstAsNetSender *ns = user_data;

  if (ns->sched != NULL)
    gst_as_scheduler_wake (ns->sched, &ns->entry);
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                                */

/**
 * gst_as_net_sender_start:
 *
 * A new stream (the front was reset): a new sender with @config, joining
 * the process's scheduler, which starts connecting at once (state changes
 * never wait for it). Fails for a target that cannot work (a socket path
 * too long).
 */
gboolean
gst_as_net_sender_start (GstAsNetSender * ns,
    const GstAsTransportTarget * target, const GstAsSenderConfig * config,
    gboolean high_priority, GError ** error)
{
  GstAsSender *sender, *old;

  g_return_val_if_fail (!ns->running, FALSE);

  if (!gst_as_transport_check_target (target, error))
    return FALSE;

  g_free ((gchar *) ns->target.host);
  g_free ((gchar *) ns->target.socket_path);
  ns->target = *target;
  ns->target.host = g_strdup (target->host);
  ns->target.socket_path = g_strdup (target->socket_path);
  ns->high_priority = high_priority;
  ns->priority_done = FALSE;
  ns->chunk = 0;
  ns->prefill_frames = 0;
  ns->hold_since = 0;
  g_clear_pointer (&ns->held_reason, g_free);
  g_atomic_int_set (&ns->connected, FALSE);
  atomic_store (&ns->down_since_us, g_get_monotonic_time ());
  atomic_store (&ns->capture_jitter_us, 0);
  ns->hold_us = (gint64) target->send_timeout_ms * 1000;
  ns->realtime_next_us = 0;
  ns->released_told = FALSE;
  ns->pending_len = 0;
  ns->want_write = FALSE;

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
  ns->token = g_new0 (GstAsNetSenderToken, 1);
  ns->token->refs = 1;
  g_mutex_init (&ns->token->lock);
  ns->token->ns = ns;

  ns->state = STATE_CONNECT;
  ns->sched = gst_as_scheduler_get_default ();
  ns->running = TRUE;
  gst_as_scheduler_join (ns->sched, &ns->entry, run_entry, ns);
  return TRUE;
}

/**
 * gst_as_net_sender_stop:
 *
 * Leaves the scheduler synchronously: when this returns, no thread runs or
 * will run anything of this stream, and nothing of it is posted any more
 * (a connect or drain still in the pool is cancelled and detached; it
 * frees what it made). The sender stays, for its statistics. Safe to call
 * again, and from dispose.
 */
void
gst_as_net_sender_stop (GstAsNetSender * ns)
{
  if (!ns->running)
    return;
  /* first: every post and step from now on sees it */
  gst_as_sink_front_stop_worker (ns->front);
  gst_as_scheduler_leave (ns->sched, &ns->entry);
  ns->running = FALSE;

  g_cancellable_cancel (ns->cancellable);
  detach_job (ns);
  g_mutex_lock (&ns->token->lock);
  ns->token->ns = NULL;
  g_mutex_unlock (&ns->token->lock);
  cancel_clock_wait (ns);
  token_unref (ns->token);
  ns->token = NULL;

  if (ns->transport) {
    g_clear_pointer (&ns->transport, gst_as_transport_free);
    ns->pending_len = 0;
  }
  gst_as_sender_stopped (ns->sender);
  ns->state = STATE_IDLE;
  gst_clear_object (&ns->clock);
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
    /* the sender has not taken the format yet */
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
 * lowered to @prefill_frames (the sender takes it when it attaches). A
 * sender already waiting for the old, higher level is woken to wait for
 * the new one instead: it would start a buffer late, into a full ring. */
void
gst_as_net_sender_lower_prefill (GstAsNetSender * ns, guint64 prefill_frames)
{
  __atomic_store_n (&ns->prefill_frames, prefill_frames, __ATOMIC_RELEASE);
  gst_as_net_sender_wake (ns);
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

/* Sleeps on the front's condition until the ring has room for @need
 * frames or one of the other outcomes; the scheduler signals it when a
 * read leaves refill_level() free (if anyone waits, see sinkfront.h), when
 * the connection state changes, on a failure, and the front on unlock();
 * room short of refill_level() is found by looking again after
 * refill_wait_us(). */
static SpaceWait
wait_for_space (GstAsNetSender * ns, guint64 need)
{
  GstAsSinkFront *front = ns->front;
  SpaceWait result;
  gint64 until;

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
    if (gst_as_frame_ring_space (&front->ring) >= need) {
      result = ROOM;
      break;
    }
    if (upstream_released (ns)) {
      result = RELEASED;
      break;
    }
    until = g_get_monotonic_time () + refill_wait_us (ns);
    if (!g_atomic_int_get (&ns->connected))
      until = MIN (until, atomic_load (&ns->down_since_us) + ns->hold_us);
    g_cond_wait_until (&front->cond, &front->lock, until);
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
    guint64 need = MIN (frames, refill_level (ns));
    guint64 space = gst_as_frame_ring_space (&front->ring);
    guint64 n = space >= need ? MIN (frames, space) : 0;
    GstFlowReturn ret;

    if (n > 0) {
      ret = gst_as_sink_front_render (front, data, n * bpf);
      if (ret != GST_FLOW_OK)
        return ret;
      data += n * bpf;
      frames -= n;
      continue;
    }
    switch (wait_for_space (ns, need)) {
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
