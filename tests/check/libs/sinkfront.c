/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The sinks' shared front half, driven by threads without a pipeline: the
 * test thread plays the streaming thread or the worker, a second thread
 * the other side. */

#include <gio/gio.h>
#include <gst/check/gstcheck.h>

#include "audiostream/sinkfront.h"

#define BPF 4
#define RATE 48000
#define CAPACITY 100

/* generous: only a hang takes this long */
#define HANG_US (5 * G_USEC_PER_SEC)

static gint wake_calls;

static void
count_wake (gpointer user_data)
{
  g_atomic_int_inc (&wake_calls);
}

static void
fill_counter (guint8 * buf, guint32 start, guint n)
{
  guint i;

  for (i = 0; i < n; i++) {
    guint32 v = start + i;

    memcpy (buf + i * BPF, &v, BPF);
  }
}

static gboolean
counter_ok (const guint8 * buf, guint64 start, guint64 n)
{
  guint64 i;

  for (i = 0; i < n; i++) {
    guint32 v;

    memcpy (&v, buf + i * BPF, BPF);
    if (v != (guint32) (start + i))
      return FALSE;
  }
  return TRUE;
}

static void
setup_front (GstAsSinkFront * front, gboolean live)
{
  g_atomic_int_set (&wake_calls, 0);
  gst_as_sink_front_init (front, NULL, count_wake, NULL);
  gst_as_sink_front_reset (front);
  fail_unless_equals_int (gst_as_sink_front_set_format (front, RATE, BPF,
          CAPACITY), GST_AS_FORMAT_SET);
  gst_as_sink_front_set_live (front, live);
}

/* ---- a render on its own thread ---- */

typedef struct
{
  GstAsSinkFront *front;
  guint8 *data;
  guint frames;
  GstFlowReturn ret;
  gboolean hold_expired;
  gint done;
} RenderJob;

static gpointer
render_func (gpointer data)
{
  RenderJob *job = data;

  job->ret = gst_as_sink_front_render_full (job->front, job->data,
      (gsize) job->frames * BPF, &job->hold_expired);
  g_atomic_int_set (&job->done, 1);
  return NULL;
}

static GThread *
start_render (RenderJob * job, GstAsSinkFront * front, guint frames)
{
  job->front = front;
  job->frames = frames;
  job->data = g_malloc (frames * BPF);
  fill_counter (job->data, 0, frames);
  job->ret = GST_FLOW_CUSTOM_ERROR;
  job->hold_expired = FALSE;
  job->done = 0;
  return g_thread_new ("render", render_func, job);
}

/* Waits (bounded) until the render thread sleeps for room. */
static void
wait_until_blocked (RenderJob * job)
{
  gint64 end = g_get_monotonic_time () + HANG_US;

  while (g_atomic_int_get (&job->front->space_waiters) == 0 &&
      !g_atomic_int_get (&job->done) && g_get_monotonic_time () < end)
    g_usleep (1000);
  fail_unless (g_atomic_int_get (&job->front->space_waiters) == 1,
      "render did not block on a full ring");
  fail_if (g_atomic_int_get (&job->done));
}

/* Joins the render thread, failing instead of hanging. */
static void
join_render (GThread * thread, RenderJob * job)
{
  gint64 end = g_get_monotonic_time () + HANG_US;

  while (!g_atomic_int_get (&job->done) && g_get_monotonic_time () < end)
    g_usleep (1000);
  fail_unless (g_atomic_int_get (&job->done), "render still blocked");
  g_thread_join (thread);
  g_free (job->data);
}

GST_START_TEST (test_format)
{
  GstAsSinkFront front;
  guint8 buf[10 * BPF] = { 0, };
  gint rate;
  guint bpf;

  gst_as_sink_front_init (&front, NULL, NULL, NULL);
  gst_as_sink_front_reset (&front);
  gst_as_sink_front_set_live (&front, TRUE);
  fail_unless_equals_int (gst_as_sink_front_render (&front, buf, sizeof (buf)),
      GST_FLOW_NOT_NEGOTIATED);
  fail_if (gst_as_sink_front_attach (&front, &rate, &bpf));

  fail_unless_equals_int (gst_as_sink_front_set_format (&front, 8000, 2, 80),
      GST_AS_FORMAT_SET);
  fail_unless_equals_int (gst_as_sink_front_set_format (&front, 8000, 2, 80),
      GST_AS_FORMAT_SAME);
  /* before the worker attached, a new format rebuilds the ring */
  fail_unless_equals_int (gst_as_sink_front_set_format (&front, 192000, 32,
          19200), GST_AS_FORMAT_SET);
  fail_unless_equals_int64 (front.ring.capacity, 19200);
  fail_unless_equals_int (front.ring.bpf, 32);

  fail_unless (gst_as_sink_front_attach (&front, &rate, &bpf));
  fail_unless_equals_int (rate, 192000);
  fail_unless_equals_int (bpf, 32);
  /* after, the worker's buffers are sized for this one: refused */
  fail_unless_equals_int (gst_as_sink_front_set_format (&front, 8000, 2, 80),
      GST_AS_FORMAT_BUSY);
  fail_unless_equals_int64 (front.ring.capacity, 19200);
  fail_unless_equals_int (gst_as_sink_front_set_format (&front, 192000, 32,
          19200), GST_AS_FORMAT_SAME);

  /* a new run starts without a format and detached */
  gst_as_sink_front_reset (&front);
  fail_unless_equals_int (gst_as_sink_front_set_format (&front, 8000, 2, 80),
      GST_AS_FORMAT_SET);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

/* Live: a full ring with nobody reading never blocks render, the loss is
 * counted exactly, and no wakeup (lock, broadcast) is made for nobody. */
GST_START_TEST (test_live_never_blocks)
{
  GstAsSinkFront front;
  guint8 buf[30 * BPF];
  GstAsFrameRingRead info;
  guint wakeups, i;
  gint64 start, elapsed;

  setup_front (&front, TRUE);
  wakeups = gst_as_sink_front_get_wakeups (&front);
  start = g_get_monotonic_time ();
  for (i = 0; i < 10000; i++) {
    fill_counter (buf, i * 30, 30);
    fail_unless_equals_int (gst_as_sink_front_render (&front, buf,
            sizeof (buf)), GST_FLOW_OK);
  }
  elapsed = g_get_monotonic_time () - start;
  GST_INFO ("10000 live renders into a full ring: %" G_GINT64_FORMAT " us",
      elapsed);
  fail_unless (elapsed < G_USEC_PER_SEC, "live renders took %" G_GINT64_FORMAT
      " us", elapsed);
  fail_unless_equals_int (gst_as_sink_front_get_wakeups (&front), wakeups);

  fail_unless_equals_int64 (gst_as_frame_ring_skip_lost (&front.ring, &info),
      10000 * 30 - CAPACITY);
  fail_unless_equals_int64 (info.dropped, 10000 * 30 - CAPACITY);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

/* The proof that render() never waits on the worker: with the only lock
 * the worker takes held by someone else, live renders and non-live
 * renders that find room still complete. */
GST_START_TEST (test_render_takes_no_lock)
{
  GstAsSinkFront front;
  RenderJob job;
  GThread *thread;
  gboolean live;

  for (live = FALSE; live <= TRUE; live++) {
    setup_front (&front, live);
    g_mutex_lock (&front.lock);
    /* live: three times the ring; not live: what fits */
    thread = start_render (&job, &front, live ? 3 * CAPACITY : CAPACITY);
    join_render (thread, &job);
    g_mutex_unlock (&front.lock);
    fail_unless_equals_int (job.ret, GST_FLOW_OK);
    fail_unless_equals_int64 (gst_as_frame_ring_write_pos (&front.ring),
        live ? 3 * CAPACITY : CAPACITY);
    gst_as_sink_front_clear (&front);
  }
}

GST_END_TEST;

/* A partial frame at the end of a buffer is not written. */
GST_START_TEST (test_partial_frame)
{
  GstAsSinkFront front;
  guint8 buf[10 * BPF + 3] = { 0, };

  setup_front (&front, TRUE);
  fail_unless_equals_int (gst_as_sink_front_render (&front, buf, sizeof (buf)),
      GST_FLOW_OK);
  fail_unless_equals_int64 (gst_as_frame_ring_write_pos (&front.ring), 10);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

GST_START_TEST (test_blocking_released_by_unlock)
{
  GstAsSinkFront front;
  RenderJob job;
  GThread *thread;

  setup_front (&front, FALSE);
  thread = start_render (&job, &front, CAPACITY + 50);
  wait_until_blocked (&job);
  fail_unless_equals_int64 (gst_as_frame_ring_write_pos (&front.ring),
      CAPACITY);

  gst_as_sink_front_unlock (&front);
  join_render (thread, &job);
  fail_unless_equals_int (job.ret, GST_FLOW_FLUSHING);

  /* unlock_stop: renders wait again */
  gst_as_sink_front_unlock_stop (&front);
  thread = start_render (&job, &front, 1);
  wait_until_blocked (&job);
  gst_as_sink_front_unlock (&front);
  join_render (thread, &job);
  fail_unless_equals_int (job.ret, GST_FLOW_FLUSHING);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

GST_START_TEST (test_blocking_released_by_fail)
{
  GstAsSinkFront front;
  RenderJob job;
  GThread *thread;
  GError *err;
  guint8 buf[BPF] = { 0, };

  setup_front (&front, FALSE);
  thread = start_render (&job, &front, CAPACITY + 50);
  wait_until_blocked (&job);

  fail_unless (gst_as_sink_front_fail (&front, g_error_new_literal
          (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "first")));
  join_render (thread, &job);
  fail_unless_equals_int (job.ret, GST_FLOW_ERROR);

  /* once: a second failure is not reported again, the first is kept */
  fail_if (gst_as_sink_front_fail (&front, g_error_new_literal
          (G_IO_ERROR, G_IO_ERROR_FAILED, "second")));
  err = gst_as_sink_front_dup_error (&front);
  fail_unless_equals_string (err->message, "first");
  g_error_free (err);

  /* every render after a failure fails at once, live or not */
  fail_unless_equals_int (gst_as_sink_front_render (&front, buf, BPF),
      GST_FLOW_ERROR);
  gst_as_sink_front_set_live (&front, TRUE);
  fail_unless_equals_int (gst_as_sink_front_render (&front, buf, BPF),
      GST_FLOW_ERROR);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

/* A blocked render goes on when the worker reads, and gets the rest in. */
GST_START_TEST (test_blocking_resumes_on_read)
{
  GstAsSinkFront front;
  RenderJob job;
  GThread *thread;
  guint8 out[CAPACITY * BPF];
  GstAsFrameRingRead info;

  setup_front (&front, FALSE);
  thread = start_render (&job, &front, CAPACITY + 50);
  wait_until_blocked (&job);

  fail_unless_equals_int64 (gst_as_sink_front_read (&front, out, 60, &info),
      60);
  fail_unless (counter_ok (out, 0, 60));
  join_render (thread, &job);
  fail_unless_equals_int (job.ret, GST_FLOW_OK);
  fail_unless_equals_int64 (gst_as_sink_front_read (&front, out, CAPACITY,
          &info), 90);
  fail_unless_equals_int64 (info.pos, 60);
  fail_unless (counter_ok (out, 60, 90));
  fail_unless_equals_int64 (front.ring.dropped, 0);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

/* ---- the non-live hold: history floor and bound ---- */

static void
fill_ring (GstAsSinkFront * front, guint frames)
{
  guint8 *buf = g_malloc (frames * BPF);

  fill_counter (buf, 0, frames);
  fail_unless_equals_int (gst_as_sink_front_render (front, buf,
          (gsize) frames * BPF), GST_FLOW_OK);
  g_free (buf);
}

/* A waiting render leaves the history floor for a replay: it waits
 * instead of taking the room from audio the peer may not have. */
GST_START_TEST (test_hold_keeps_history)
{
  GstAsSinkFront front;
  RenderJob job;
  GThread *thread;
  guint8 out[CAPACITY * BPF];
  GstAsFrameRingRead info;

  setup_front (&front, FALSE);
  gst_as_sink_front_set_hold (&front, 0, 50);
  fill_ring (&front, CAPACITY);
  fail_unless_equals_int64 (gst_as_sink_front_read (&front, out, 60, &info),
      60);

  /* 10 of the 60 frames of history are above the floor: the render takes
   * those, then waits */
  thread = start_render (&job, &front, 30);
  wait_until_blocked (&job);
  fail_unless_equals_int64 (gst_as_frame_ring_write_pos (&front.ring), 110);

  /* the replay finds the floor intact: only the 10 above it are gone */
  fail_unless_equals_int64 (gst_as_frame_ring_replay (&front.ring), 60);
  fail_unless_equals_int64 (gst_as_sink_front_read (&front, out, CAPACITY,
          &info), 100);
  fail_unless_equals_int64 (info.pos, 10);
  fail_unless_equals_int64 (info.history_lost, 10);
  fail_unless_equals_int64 (info.dropped, 0);
  fail_unless (counter_ok (out, 10, 90));

  /* new audio left: the render goes on and loses nothing */
  join_render (thread, &job);
  fail_unless_equals_int (job.ret, GST_FLOW_OK);
  fail_if (job.hold_expired);
  fail_unless_equals_int64 (gst_as_sink_front_read (&front, out, CAPACITY,
          &info), 20);
  fail_unless_equals_int64 (info.pos, 110);
  fail_unless (counter_ok (out, 10, 20));
  fail_unless_equals_int64 (front.ring.dropped, 0);
  fail_unless_equals_int64 (gst_as_sink_front_get_holds_expired (&front), 0);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

#define HOLD_MS 100

/* A worker that takes nothing holds a non-live render only for the
 * bound: then the oldest unsent audio goes, counted, and the render says
 * so once per stall. */
GST_START_TEST (test_hold_bound)
{
  GstAsSinkFront front;
  RenderJob job;
  GThread *thread;
  guint8 out[CAPACITY * BPF];
  GstAsFrameRingRead info;
  gint64 start, waited_ms;

  setup_front (&front, FALSE);
  gst_as_sink_front_set_hold (&front, HOLD_MS * GST_MSECOND, 0);
  fill_ring (&front, CAPACITY);

  start = g_get_monotonic_time ();
  thread = start_render (&job, &front, 40);
  wait_until_blocked (&job);
  join_render (thread, &job);
  waited_ms = (g_get_monotonic_time () - start) / 1000;
  fail_unless_equals_int (job.ret, GST_FLOW_OK);
  fail_unless (job.hold_expired);
  fail_unless (waited_ms >= HOLD_MS - 10, "gave up after %" G_GINT64_FORMAT
      " ms", waited_ms);
  fail_unless_equals_int64 (gst_as_sink_front_get_holds_expired (&front), 1);

  /* still no progress: the next render overwrites at once, without a
   * second warning */
  start = g_get_monotonic_time ();
  thread = start_render (&job, &front, 10);
  join_render (thread, &job);
  fail_unless ((g_get_monotonic_time () - start) / 1000 < HOLD_MS);
  fail_unless_equals_int (job.ret, GST_FLOW_OK);
  fail_if (job.hold_expired);
  fail_unless_equals_int64 (gst_as_sink_front_get_holds_expired (&front), 1);

  /* the worker finds the newest capacity frames, the 50 oldest counted */
  fail_unless_equals_int64 (gst_as_sink_front_read (&front, out, CAPACITY,
          &info), CAPACITY);
  fail_unless_equals_int64 (info.pos, 50);
  fail_unless_equals_int64 (info.dropped, 50);
  fail_unless (counter_ok (out, 50, 50));

  /* progress ends the stall: the next full ring waits again, and the
   * next expiry is a new one */
  fill_ring (&front, CAPACITY);
  thread = start_render (&job, &front, 10);
  wait_until_blocked (&job);
  join_render (thread, &job);
  fail_unless (job.hold_expired);
  fail_unless_equals_int64 (gst_as_sink_front_get_holds_expired (&front), 2);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

/* The bound counts from the last progress, not from the start of the
 * wait: a slow worker that keeps taking audio loses none. */
GST_START_TEST (test_hold_slow_worker)
{
  GstAsSinkFront front;
  RenderJob job;
  GThread *thread;
  guint8 out[CAPACITY * BPF];
  GstAsFrameRingRead info;
  guint64 got = 0;
  gint64 start = g_get_monotonic_time ();

  setup_front (&front, FALSE);
  gst_as_sink_front_set_hold (&front, 3 * HOLD_MS * GST_MSECOND, 0);
  fill_ring (&front, CAPACITY);
  thread = start_render (&job, &front, CAPACITY);
  wait_until_blocked (&job);
  /* 5 frames every HOLD_MS / 3: twice the bound in all */
  while (got < 2 * CAPACITY && !(g_atomic_int_get (&job.done) &&
          gst_as_frame_ring_unsent (&front.ring) == 0)) {
    g_usleep (HOLD_MS * 1000 / 3);
    got += gst_as_sink_front_read (&front, out, 5, &info);
  }
  join_render (thread, &job);
  fail_unless ((g_get_monotonic_time () - start) / 1000 > 3 * HOLD_MS);
  fail_unless_equals_int (job.ret, GST_FLOW_OK);
  fail_if (job.hold_expired);
  fail_unless_equals_int64 (gst_as_sink_front_get_holds_expired (&front), 0);
  fail_unless_equals_int64 (got, 2 * CAPACITY);
  fail_unless_equals_int64 (front.ring.dropped, 0);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

/* ---- non-live producer against a reading worker: no lost wakeup ---- */

#define STREAM_FRAMES 2000000

typedef struct
{
  GstAsSinkFront *front;
  guint32 seed;
  GstFlowReturn ret;
} Producer;

static gpointer
producer_func (gpointer data)
{
  Producer *p = data;
  GRand *rand = g_rand_new_with_seed (p->seed);
  guint8 buf[3 * CAPACITY * BPF];
  guint32 next = 0;

  p->ret = GST_FLOW_OK;
  while (next < STREAM_FRAMES && p->ret == GST_FLOW_OK) {
    guint n = g_rand_int_range (rand, 1, 3 * CAPACITY);

    n = MIN (n, STREAM_FRAMES - next);

    fill_counter (buf, next, n);
    p->ret = gst_as_sink_front_render (p->front, buf, (gsize) n * BPF);
    next += n;
  }
  g_rand_free (rand);
  return NULL;
}

GST_START_TEST (test_blocking_stream)
{
  GstAsSinkFront front;
  Producer p;
  GThread *thread;
  GRand *rand;
  guint8 out[CAPACITY * BPF];
  GstAsFrameRingRead info;
  guint64 got = 0, bad = 0;
  gint64 end;

  setup_front (&front, FALSE);
  p.front = &front;
  p.seed = g_random_int ();
  rand = g_rand_new_with_seed (p.seed + 1);
  thread = g_thread_new ("producer", producer_func, &p);

  end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (got < STREAM_FRAMES && g_get_monotonic_time () < end) {
    guint64 n;

    /* the worker waits for audio the way a paced sender would not, to
     * exercise both wakeups */
    if (g_rand_int_range (rand, 0, 2) == 0)
      gst_as_sink_front_wait_unsent (&front, 1, g_get_monotonic_time () +
          HANG_US);
    n = gst_as_sink_front_read (&front, out, g_rand_int_range (rand, 1,
            CAPACITY + 1), &info);
    if (n > 0 && (info.pos != got || !counter_ok (out, got, n)))
      bad++;
    got += n;
    if (g_rand_int_range (rand, 0, 8) == 0)
      gst_as_frame_ring_release (&front.ring,
          gst_as_frame_ring_send_pos (&front.ring));
  }
  GST_INFO ("seed %u: %" G_GUINT64_FORMAT " frames, %u wakeups", p.seed, got,
      gst_as_sink_front_get_wakeups (&front));
  fail_unless_equals_int64 (got, STREAM_FRAMES);
  g_thread_join (thread);
  fail_unless_equals_int (p.ret, GST_FLOW_OK);
  fail_unless_equals_int64 (bad, 0);
  fail_unless_equals_int64 (front.ring.dropped, 0);
  g_rand_free (rand);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

/* ---- EOS ---- */

typedef struct
{
  GstAsSinkFront *front;
  gboolean finish;              /* finish the drain, or just leave */
} Worker;

/* A worker that waits for audio or EOS; at EOS it reads what is left and
 * reports the drain finished. */
static gpointer
worker_func (gpointer data)
{
  Worker *w = data;
  guint8 out[CAPACITY * BPF];

  while (!gst_as_sink_front_is_stopping (w->front)) {
    gst_as_sink_front_wait_unsent (w->front, CAPACITY, -1);
    if (gst_as_sink_front_is_eos (w->front)) {
      while (gst_as_sink_front_read (w->front, out, CAPACITY, NULL) > 0);
      if (w->finish)
        gst_as_sink_front_finish_drain (w->front);
      break;
    }
  }
  return NULL;
}

GST_START_TEST (test_drain_bounded)
{
  GstAsSinkFront front;
  gint64 start, elapsed;

  /* nobody drains: the wait ends at its bound */
  setup_front (&front, FALSE);
  start = g_get_monotonic_time ();
  fail_unless_equals_int (gst_as_sink_front_wait_drained (&front,
          50 * GST_MSECOND), GST_AS_DRAIN_TIMEOUT);
  elapsed = g_get_monotonic_time () - start;
  fail_unless (elapsed >= 50000, "returned after %" G_GINT64_FORMAT " us",
      elapsed);
  fail_unless (elapsed < G_USEC_PER_SEC, "returned after %" G_GINT64_FORMAT
      " us", elapsed);
  /* EOS woke the worker's wake function */
  fail_unless (g_atomic_int_get (&wake_calls) >= 1);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

GST_START_TEST (test_drain_done)
{
  GstAsSinkFront front;
  Worker w;
  guint8 buf[10 * BPF] = { 0, };

  setup_front (&front, FALSE);
  w.front = &front;
  w.finish = TRUE;
  fail_unless (gst_as_sink_front_start_worker (&front, "worker", worker_func,
          &w, NULL));
  fail_unless_equals_int (gst_as_sink_front_render (&front, buf, sizeof (buf)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_as_sink_front_wait_drained (&front,
          5 * GST_SECOND), GST_AS_DRAIN_DONE);
  fail_unless_equals_int64 (gst_as_frame_ring_send_pos (&front.ring), 10);
  gst_as_sink_front_stop_worker (&front);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

typedef struct
{
  GstAsSinkFront *front;
  gboolean fail;
} Releaser;

static gpointer
release_func (gpointer data)
{
  Releaser *r = data;

  g_usleep (20000);
  if (r->fail)
    gst_as_sink_front_fail (r->front, NULL);
  else
    gst_as_sink_front_unlock (r->front);
  return NULL;
}

/* An unbounded drain wait still ends on unlock() and on a failure. */
GST_START_TEST (test_drain_released)
{
  GstAsSinkFront front;
  Releaser r;
  GThread *thread;

  setup_front (&front, FALSE);
  r.front = &front;
  r.fail = FALSE;
  thread = g_thread_new ("unlock", release_func, &r);
  fail_unless_equals_int (gst_as_sink_front_wait_drained (&front,
          GST_CLOCK_TIME_NONE), GST_AS_DRAIN_FLUSHING);
  g_thread_join (thread);
  gst_as_sink_front_unlock_stop (&front);

  r.fail = TRUE;
  thread = g_thread_new ("fail", release_func, &r);
  fail_unless_equals_int (gst_as_sink_front_wait_drained (&front,
          GST_CLOCK_TIME_NONE), GST_AS_DRAIN_FAILED);
  g_thread_join (thread);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

/* stop_worker() gets a worker out of any wait and joins it. */
GST_START_TEST (test_worker_stop)
{
  GstAsSinkFront front;
  Worker w;
  gint64 start, elapsed;

  g_atomic_int_set (&wake_calls, 0);
  gst_as_sink_front_init (&front, NULL, count_wake, NULL);
  gst_as_sink_front_reset (&front);
  w.front = &front;
  w.finish = FALSE;
  /* no format yet: the worker waits in wait_unsent() for ever */
  fail_unless (gst_as_sink_front_start_worker (&front, "worker", worker_func,
          &w, NULL));
  g_usleep (10000);
  start = g_get_monotonic_time ();
  gst_as_sink_front_stop_worker (&front);
  elapsed = g_get_monotonic_time () - start;
  fail_unless (front.thread == NULL);
  fail_unless (elapsed < G_USEC_PER_SEC);
  fail_unless_equals_int (g_atomic_int_get (&wake_calls), 1);

  /* and it can start again after a reset */
  gst_as_sink_front_reset (&front);
  fail_unless (gst_as_sink_front_start_worker (&front, "worker", worker_func,
          &w, NULL));
  gst_as_sink_front_stop_worker (&front);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

static gpointer
format_later (gpointer data)
{
  g_usleep (20000);
  gst_as_sink_front_set_format (data, RATE, BPF, CAPACITY);
  return NULL;
}

GST_START_TEST (test_wait_format)
{
  GstAsSinkFront front;
  GThread *thread;

  gst_as_sink_front_init (&front, NULL, NULL, NULL);
  gst_as_sink_front_reset (&front);
  fail_if (gst_as_sink_front_wait_format (&front,
          g_get_monotonic_time () + 10000));
  thread = g_thread_new ("caps", format_later, &front);
  fail_unless (gst_as_sink_front_wait_format (&front, -1));
  g_thread_join (thread);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

/* A main-loop worker is woken once when the level it armed is reached. */
GST_START_TEST (test_arm_wake)
{
  GstAsSinkFront front;
  guint8 buf[40 * BPF] = { 0, };

  setup_front (&front, TRUE);
  g_atomic_int_set (&wake_calls, 0);
  fail_if (gst_as_sink_front_arm_wake (&front, 50));
  gst_as_sink_front_render (&front, buf, 40 * BPF);
  fail_unless_equals_int (g_atomic_int_get (&wake_calls), 0);
  gst_as_sink_front_render (&front, buf, 40 * BPF);
  fail_unless_equals_int (g_atomic_int_get (&wake_calls), 1);
  gst_as_sink_front_render (&front, buf, 40 * BPF);
  fail_unless_equals_int (g_atomic_int_get (&wake_calls), 1);
  /* already there: no need to wait for a wake */
  fail_unless (gst_as_sink_front_arm_wake (&front, 50));
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

GST_START_TEST (test_flush)
{
  GstAsSinkFront front;
  guint8 buf[50 * BPF] = { 0, };
  guint8 out[CAPACITY * BPF];
  GstAsFrameRingRead info;

  setup_front (&front, FALSE);
  gst_as_sink_front_render (&front, buf, sizeof (buf));
  fail_unless_equals_int64 (gst_as_sink_front_flush (&front), 50);
  fail_unless_equals_int64 (gst_as_sink_front_read (&front, out, CAPACITY,
          &info), 0);
  fail_unless_equals_int64 (info.flushed, 50);
  fail_unless_equals_int64 (info.dropped, 0);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

GST_START_TEST (test_connect_text)
{
  static const struct
  {
    const gchar *host;
    gint port;
    const gchar *path;
    const gchar *gio;
    const gchar *text;
  } cases[] = {
    {"127.0.0.1", 4953, NULL,
          "Could not connect to 127.0.0.1: Connection refused",
        "Could not connect to 127.0.0.1 port 4953: Connection refused"},
    {"::1", 4953, NULL, "Could not connect to ::1: Connection refused",
        "Could not connect to [::1] port 4953: Connection refused"},
    {"[::1]", 4953, NULL, "Could not connect to [::1]: Connection refused",
        "Could not connect to [::1] port 4953: Connection refused"},
    {"fe80::1%eth0", 1, NULL,
          "Could not connect to fe80::1%eth0: Could not connect to "
          "fe80::1%eth0: Network is unreachable",
        "Could not connect to [fe80::1%eth0] port 1: Network is unreachable"},
    {NULL, 0, "/tmp/pcm.sock", "Could not connect: No such file or directory",
        "Could not connect to unix:/tmp/pcm.sock: No such file or directory"},
    {"receiver.example", 4953, NULL,
          "Error resolving “receiver.example”: Name or service not known",
          "Could not connect to receiver.example port 4953: Error resolving "
          "“receiver.example”: Name or service not known"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GError *err = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
        cases[i].gio);
    gchar *target = gst_as_connect_target (cases[i].host, cases[i].port,
        cases[i].path);
    gchar *text = gst_as_connect_failure_text (target, err);

    fail_unless_equals_string (text, cases[i].text);
    g_free (text);
    g_free (target);
    g_error_free (err);
  }
}

GST_END_TEST;

GST_START_TEST (test_frames_to_ms)
{
  fail_unless_equals_int64 (gst_as_frames_to_ms (48000, 48000), 1000);
  fail_unless_equals_int64 (gst_as_frames_to_ms (47, 48000), 0);
  fail_unless_equals_int64 (gst_as_frames_to_ms (441, 44100), 10);
  fail_unless_equals_int64 (gst_as_frames_to_ms (G_GUINT64_CONSTANT (1) << 40,
          192000), G_GUINT64_CONSTANT (5726623061));
  fail_unless_equals_int64 (gst_as_frames_to_ms (1000, 0), 0);
}

GST_END_TEST;

static Suite *
sinkfront_suite (void)
{
  Suite *s = suite_create ("sinkfront");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_format);
  tcase_add_test (tc, test_live_never_blocks);
  tcase_add_test (tc, test_render_takes_no_lock);
  tcase_add_test (tc, test_partial_frame);
  tcase_add_test (tc, test_blocking_released_by_unlock);
  tcase_add_test (tc, test_blocking_released_by_fail);
  tcase_add_test (tc, test_blocking_resumes_on_read);
  tcase_add_test (tc, test_blocking_stream);
  tcase_add_test (tc, test_hold_keeps_history);
  tcase_add_test (tc, test_hold_bound);
  tcase_add_test (tc, test_hold_slow_worker);
  tcase_add_test (tc, test_drain_bounded);
  tcase_add_test (tc, test_drain_done);
  tcase_add_test (tc, test_drain_released);
  tcase_add_test (tc, test_worker_stop);
  tcase_add_test (tc, test_wait_format);
  tcase_add_test (tc, test_arm_wake);
  tcase_add_test (tc, test_flush);
  tcase_add_test (tc, test_connect_text);
  tcase_add_test (tc, test_frames_to_ms);
  return s;
}

GST_CHECK_MAIN (sinkfront);
