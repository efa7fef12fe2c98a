/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/check/gstcheck.h>

#include "stt-queue.h"

/* Frames hold their stream position: frame n is the guint32 n. */
#define BPF 4

static void
fill (guint8 * buf, guint64 from, guint64 n)
{
  guint64 i;

  for (i = 0; i < n; i++)
    GST_WRITE_UINT32_LE (buf + i * BPF, (guint32) (from + i));
}

static void
assert_frames (const guint8 * buf, guint64 from, guint64 n)
{
  guint64 i;

  for (i = 0; i < n; i++)
    fail_unless_equals_int64 (GST_READ_UINT32_LE (buf + i * BPF),
        from + i);
}

static void
check_invariants (const GstSttQueue * q)
{
  fail_unless (q->keep_pos <= q->send_pos);
  fail_unless (q->send_pos <= q->write_pos);
  fail_unless (q->write_pos - q->keep_pos <= q->capacity);
}

/* Takes @n frames as the network thread does: peek and advance. */
static guint64
take (GstSttQueue * q, guint64 n, guint64 * from)
{
  guint8 buf[1024 * BPF];
  guint64 got;

  *from = q->send_pos;
  got = gst_stt_queue_peek (q, buf, n);
  assert_frames (buf, *from, got);
  gst_stt_queue_advance (q, got);
  return got;
}

GST_START_TEST (test_send_in_order_across_wrap)
{
  GstSttQueue q;
  guint8 in[64 * BPF];
  guint64 pos = 0, from;
  guint i;

  gst_stt_queue_init (&q, BPF, 10);
  for (i = 0; i < 50; i++) {
    fill (in, pos, 7);
    fail_unless_equals_int64 (gst_stt_queue_write (&q, in, 7), 7);
    pos += 7;
    fail_unless_equals_int64 (take (&q, 7, &from), 7);
    fail_unless_equals_int64 (from, pos - 7);
    /* sent audio is kept as history until committed */
    check_invariants (&q);
  }
  fail_unless_equals_int64 (q.dropped, 0);
  gst_stt_queue_clear (&q);
}

GST_END_TEST;

GST_START_TEST (test_history_gives_way_to_new_audio)
{
  GstSttQueue q;
  guint8 in[16 * BPF];
  guint64 from;

  gst_stt_queue_init (&q, BPF, 10);
  fill (in, 0, 8);
  gst_stt_queue_write (&q, in, 8);
  take (&q, 8, &from);
  fail_unless_equals_int64 (q.keep_pos, 0);
  fail_unless_equals_int64 (gst_stt_queue_space (&q), 10);

  /* 6 new frames: 4 frames of history go */
  fill (in, 8, 6);
  fail_unless_equals_int64 (gst_stt_queue_write (&q, in, 6), 6);
  fail_unless_equals_int64 (q.keep_pos, 4);
  check_invariants (&q);
  /* a replay can only go back as far as what is left */
  fail_unless_equals_int64 (gst_stt_queue_rewind (&q), 4);
  fail_unless_equals_int64 (take (&q, 16, &from), 10);
  fail_unless_equals_int64 (from, 4);
  fail_unless_equals_int64 (q.dropped, 0);
  gst_stt_queue_clear (&q);
}

GST_END_TEST;

GST_START_TEST (test_blocking_write_never_drops_unsent)
{
  GstSttQueue q;
  guint8 in[16 * BPF];
  guint64 from;

  gst_stt_queue_init (&q, BPF, 10);
  fill (in, 0, 16);
  fail_unless_equals_int64 (gst_stt_queue_write (&q, in, 16), 10);
  fail_unless_equals_int64 (gst_stt_queue_space (&q), 0);
  fail_unless_equals_int64 (gst_stt_queue_write (&q, in + 10 * BPF, 6), 0);
  take (&q, 3, &from);
  fail_unless_equals_int64 (gst_stt_queue_write (&q, in + 10 * BPF, 6), 3);
  fail_unless_equals_int64 (q.dropped, 0);
  fail_unless_equals_int64 (take (&q, 16, &from), 10);
  fail_unless_equals_int64 (from, 3);
  gst_stt_queue_clear (&q);
}

GST_END_TEST;

/* A writer that can wait leaves the replay history it was asked to keep:
 * the audio a stalled service took but never transcribed stays for the
 * next session. */
GST_START_TEST (test_waiting_write_keeps_history)
{
  GstSttQueue q;
  guint8 in[32 * BPF];
  guint64 from;

  gst_stt_queue_init (&q, BPF, 10);
  fill (in, 0, 32);
  fail_unless_equals_int64 (gst_stt_queue_write (&q, in, 10), 10);
  /* 8 sent, not committed: 8 of history, 2 unsent */
  fail_unless_equals_int64 (take (&q, 8, &from), 8);
  /* room for 4 more while keeping 4 of the history */
  fail_unless_equals_int64 (gst_stt_queue_space_keeping (&q, 4), 4);
  fail_unless_equals_int64 (gst_stt_queue_write_keeping (&q, in + 10 * BPF,
          10, 4), 4);
  fail_unless_equals_int64 (gst_stt_queue_space_keeping (&q, 4), 0);
  fail_unless_equals_int64 (gst_stt_queue_write_keeping (&q, in + 14 * BPF,
          6, 4), 0);
  fail_unless_equals_int64 (q.send_pos - q.keep_pos, 4);
  check_invariants (&q);
  /* the service's session died: the kept history goes out again first */
  fail_unless_equals_int64 (gst_stt_queue_rewind (&q), 4);
  fail_unless_equals_int64 (take (&q, 32, &from), 10);
  fail_unless_equals_int64 (from, 4);
  /* asking to keep more than there is keeps what there is */
  gst_stt_queue_release (&q, q.send_pos);
  fail_unless_equals_int64 (gst_stt_queue_space_keeping (&q, 100), 10);
  fail_unless_equals_int64 (q.dropped, 0);
  gst_stt_queue_clear (&q);
}

GST_END_TEST;

GST_START_TEST (test_overwrite_drops_oldest_unsent)
{
  GstSttQueue q;
  guint8 in[32 * BPF];
  guint64 from;

  gst_stt_queue_init (&q, BPF, 10);
  fill (in, 0, 8);
  gst_stt_queue_write (&q, in, 8);
  take (&q, 2, &from);         /* 2 sent, 6 unsent */

  fill (in, 8, 7);
  /* room for 4 without losing unsent audio: 3 of the unsent go, and all
   * history */
  fail_unless_equals_int64 (gst_stt_queue_write_overwrite (&q, in, 7), 3);
  fail_unless_equals_int64 (q.overflows, 1);
  fail_unless_equals_int64 (q.dropped, 3);
  check_invariants (&q);
  fail_unless_equals_int64 (gst_stt_queue_unsent (&q), 10);
  fail_unless_equals_int64 (take (&q, 32, &from), 10);
  fail_unless_equals_int64 (from, 5);

  /* a write bigger than the queue keeps its newest frames */
  fill (in, 15, 25);
  fail_unless_equals_int64 (gst_stt_queue_write_overwrite (&q, in, 25), 15);
  fail_unless_equals_int64 (q.dropped, 18);
  fail_unless_equals_int64 (take (&q, 32, &from), 10);
  fail_unless_equals_int64 (from, 30);
  /* every frame was sent or counted as dropped */
  fail_unless_equals_int64 (q.write_pos, 40);
  gst_stt_queue_clear (&q);
}

GST_END_TEST;

GST_START_TEST (test_release_and_rewind)
{
  GstSttQueue q;
  guint8 in[16 * BPF];
  guint64 from;

  gst_stt_queue_init (&q, BPF, 16);
  fill (in, 0, 12);
  gst_stt_queue_write (&q, in, 12);
  take (&q, 10, &from);

  /* the service committed up to frame 6 */
  gst_stt_queue_release (&q, 6);
  fail_unless_equals_int64 (q.keep_pos, 6);
  /* release never goes back, nor beyond what was sent */
  gst_stt_queue_release (&q, 2);
  fail_unless_equals_int64 (q.keep_pos, 6);
  gst_stt_queue_release (&q, 100);
  fail_unless_equals_int64 (q.keep_pos, 10);
  gst_stt_queue_release (&q, 6);

  /* a new session: frames 10.. are replayed, i.e. nothing before 10 */
  fail_unless_equals_int64 (gst_stt_queue_rewind (&q), 0);
  fail_unless_equals_int64 (take (&q, 16, &from), 2);
  fail_unless_equals_int64 (from, 10);
  gst_stt_queue_clear (&q);

  gst_stt_queue_init (&q, BPF, 16);
  fill (in, 0, 12);
  gst_stt_queue_write (&q, in, 12);
  take (&q, 10, &from);
  gst_stt_queue_release (&q, 4);
  fail_unless_equals_int64 (gst_stt_queue_rewind (&q), 6);
  fail_unless_equals_int64 (take (&q, 16, &from), 8);
  fail_unless_equals_int64 (from, 4);

  /* a flush forgets everything, positions go on */
  gst_stt_queue_discard (&q);
  fail_unless_equals_int64 (gst_stt_queue_unsent (&q), 0);
  fail_unless_equals_int64 (gst_stt_queue_rewind (&q), 0);
  fail_unless_equals_int64 (q.write_pos, 12);
  gst_stt_queue_clear (&q);
}

GST_END_TEST;

/* Random writes, sends, commits and reconnects against a model: every
 * frame is sent in order or counted as dropped; replays resend exactly
 * what was sent and not committed, as far as history allows. */
GST_START_TEST (test_random_against_model)
{
  GRand *rand = g_rand_new_with_seed (42);
  GstSttQueue q;
  guint8 in[40 * BPF];
  guint64 written = 0, next_expected = 0, dropped_seen = 0, from, got;
  guint i;

  gst_stt_queue_init (&q, BPF, 64);
  for (i = 0; i < 20000; i++) {
    guint op = g_rand_int_range (rand, 0, 10);
    guint64 n = g_rand_int_range (rand, 1, 40);

    if (op < 4) {
      fill (in, written, n);
      if (g_rand_boolean (rand)) {
        gst_stt_queue_write_overwrite (&q, in, n);
        written += n;
      } else {
        written += gst_stt_queue_write (&q, in, n);
      }
    } else if (op < 8) {
      got = take (&q, n, &from);
      if (got > 0) {
        /* contiguous, unless a drop was counted in between */
        if (q.dropped == dropped_seen) {
          fail_unless_equals_int64 (from, next_expected);
        } else {
          fail_unless (from > next_expected);
        }
        dropped_seen = q.dropped;
        next_expected = from + got;
      }
    } else if (op == 8) {
      gst_stt_queue_release (&q, q.keep_pos + g_rand_int_range (rand, 0,
              8));
    } else {
      guint64 back = q.send_pos - q.keep_pos;

      fail_unless_equals_int64 (gst_stt_queue_rewind (&q), back);
      next_expected = q.send_pos;
      dropped_seen = q.dropped;
    }
    check_invariants (&q);
    fail_unless_equals_int64 (q.write_pos, written);
  }
  gst_stt_queue_clear (&q);
  g_rand_free (rand);
}

GST_END_TEST;

static Suite *
stt_queue_suite (void)
{
  Suite *s = suite_create ("stt-queue");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_send_in_order_across_wrap);
  tcase_add_test (tc, test_history_gives_way_to_new_audio);
  tcase_add_test (tc, test_blocking_write_never_drops_unsent);
  tcase_add_test (tc, test_waiting_write_keeps_history);
  tcase_add_test (tc, test_overwrite_drops_oldest_unsent);
  tcase_add_test (tc, test_release_and_rewind);
  tcase_add_test (tc, test_random_against_model);
  return s;
}

GST_CHECK_MAIN (stt_queue);
