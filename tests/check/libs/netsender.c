/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* audiostreamsink's sending side without a pipeline or a socket: the test
 * thread plays the scheduler's reads from the ring, a second thread the
 * streaming thread of a non-live upstream (gst_as_net_sender_write ()). */

#include <gst/check/gstcheck.h>

#include "audiostream/netsender.h"

#define RATE 48000
#define BPF 4
#define CHUNK 480
#define CAPACITY (50 * CHUNK)   /* 500 ms */
#define N_CHUNKS 100

/* generous: only a hang takes this long */
#define HANG_US (10 * G_USEC_PER_SEC)

static void
host_post (gpointer host, GstStructure * message)
{
  gst_structure_free (message);
}

static void
host_tell (gpointer host, GstMessageType type, const gchar * text,
    const gchar * debug)
{
}

static gboolean
host_playing (gpointer host)
{
  return TRUE;
}

static GstClock *
host_get_clock (gpointer host)
{
  return NULL;
}

static void
host_ref (gpointer host)
{
}

static const GstAsNetSenderHost host = {
  host_post, host_tell, host_playing, host_get_clock, host_ref, host_ref,
};

typedef struct
{
  GstAsNetSender *ns;
  GstFlowReturn ret;
  gint chunks_written;
} Writer;

static gpointer
writer_thread (gpointer user_data)
{
  Writer *w = user_data;
  guint8 chunk[CHUNK * BPF] = { 0 };
  gint i;

  for (i = 0; i < N_CHUNKS; i++) {
    w->ret = gst_as_net_sender_write (w->ns, chunk, CHUNK);
    if (w->ret != GST_FLOW_OK)
      break;
    g_atomic_int_inc (&w->chunks_written);
  }
  return NULL;
}

/* Polls until the writer has written @chunks, at most HANG_US. */
static gboolean
wait_for_written (Writer * w, gint chunks)
{
  gint64 give_up = g_get_monotonic_time () + HANG_US;

  while (g_atomic_int_get (&w->chunks_written) < chunks) {
    if (g_get_monotonic_time () > give_up)
      return FALSE;
    g_usleep (1000);
  }
  return TRUE;
}

/* The frames a held writer refills at once: the stream's share of the
 * ring (refill_level () in netsender.c) */
static guint64
refill_frames (GstAsNetSender * ns)
{
  return (guint64) CAPACITY * ns->refill_share / 1024;
}

/* What the scheduler's read does (read_capture () in netsender.c): it
 * takes @n chunks and wakes a held writer only once the stream's refill
 * share of the ring is free, so that a file costs one wake-up per refill. */
static void
send_chunks (GstAsNetSender * ns, GstAsSinkFront * front, guint n)
{
  guint8 out[CHUNK * BPF];
  guint i;

  for (i = 0; i < n; i++) {
    GstAsFrameRingRead info = { 0 };

    fail_unless_equals_uint64 (gst_as_frame_ring_read (&front->ring, out,
            CHUNK, &info), CHUNK);
    if (gst_as_frame_ring_space (&front->ring) >= refill_frames (ns))
      gst_as_sink_front_notify_space (front);
  }
}

/* A non-live upstream held back by a full ring goes on once there is room
 * for its buffer, even when the sending side stops short of the refill
 * level at which it wakes the upstream: a pipeline clock that stops (a
 * test clock between two steps, a device's clock) stops the sending with
 * the ring anywhere. The upstream used to sleep there for good, with
 * room for twelve of its buffers (elements/audiostreamsink
 * test_non_live_backpressure hung in ~1 run of 30 on a loaded machine). */
GST_START_TEST (test_held_writer_goes_on_short_of_its_refill)
{
  GstAsSinkFront front;
  GstAsNetSender ns;
  Writer w = { &ns, GST_FLOW_OK, 0 };
  GThread *t;
  gboolean resumed;
  guint short_of;

  gst_as_sink_front_init (&front, NULL, NULL, NULL);
  gst_as_sink_front_reset (&front);
  fail_unless_equals_int (gst_as_sink_front_set_format (&front, RATE, BPF,
          CAPACITY), GST_AS_FORMAT_SET);
  gst_as_sink_front_set_live (&front, FALSE);
  gst_as_net_sender_init (&ns, &front, &host, NULL);
  /* connected, so the hold of the upstream never ends on its own */
  g_atomic_int_set (&ns.connected, TRUE);

  t = g_thread_new ("writer", writer_thread, &w);

  /* the ring fills and the writer waits */
  fail_unless (wait_for_written (&w, 50));
  g_usleep (50000);
  fail_unless_equals_int (g_atomic_int_get (&w.chunks_written), 50);
  fail_unless_equals_uint64 (gst_as_frame_ring_space (&front.ring), 0);

  /* the whole chunks short of the refill level (6.25 for the first
   * sender's eighth, up to 12.45 for a quarter): the sending stops there */
  short_of = (refill_frames (&ns) - 1) / CHUNK;
  fail_unless (short_of >= 1);
  send_chunks (&ns, &front, short_of);
  resumed = wait_for_written (&w, 50 + short_of);

  fail_unless (resumed ||
      gst_as_frame_ring_space (&front.ring) == short_of * CHUNK);
  if (resumed) {
    /* it filled the ring again, and waits for room for its next chunk */
    g_usleep (50000);
    fail_unless_equals_int (g_atomic_int_get (&w.chunks_written),
        50 + short_of);
    fail_unless_equals_uint64 (gst_as_frame_ring_space (&front.ring), 0);
  }

  /* the writer's way out, to join it */
  gst_as_sink_front_fail (&front, NULL);
  g_thread_join (t);
  fail_unless (resumed, "the writer stayed asleep with room for %u chunks",
      short_of);
  fail_unless_equals_int (w.ret, GST_FLOW_ERROR);

  gst_as_net_sender_clear (&ns);
  gst_as_sink_front_clear (&front);
}

GST_END_TEST;

/* The refill shares of consecutive senders lie between an eighth and a
 * quarter of the ring and spread evenly over that range, so that streams
 * started together do not refill together (docs/scale.md, "Refills
 * spread"): any 64 consecutive senders put 6 to 10 in each eighth of the
 * range, where one share for all would put 64 in one. */
GST_START_TEST (test_refill_shares_spread)
{
  guint first, i;

  for (first = 0; first < 2000; first += 97) {
    guint bins[8] = { 0 };

    for (i = first; i < first + 64; i++) {
      guint share = gst_as_net_sender_refill_share (i);

      fail_unless (share >= 128 && share < 256, "share %u", share);
      fail_unless (share != gst_as_net_sender_refill_share (i + 1));
      bins[(share - 128) / 16]++;
    }
    for (i = 0; i < 8; i++)
      fail_unless (bins[i] >= 6 && bins[i] <= 10,
          "senders %u-%u: %u in eighth %u", first, first + 63, bins[i], i);
  }
}

GST_END_TEST;

static Suite *
netsender_suite (void)
{
  Suite *s = suite_create ("netsender");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_held_writer_goes_on_short_of_its_refill);
  tcase_add_test (tc, test_refill_shares_spread);
  return s;
}

GST_CHECK_MAIN (netsender);
