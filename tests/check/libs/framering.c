/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/check/gstcheck.h>

#include "audiostream/framering.h"

#include <sys/mman.h>
#include <unistd.h>

/* A frame is its own position and the position's complement, so a frame
 * read back says which one it was, and a frame half overwritten (torn)
 * shows as a mismatch between the two halves. */
#define BPF 16

static void
fill_counter (guint8 * buf, guint64 start, guint64 n)
{
  guint64 i;

  for (i = 0; i < n; i++) {
    guint64 v[2] = { start + i, ~(start + i) };

    memcpy (buf + i * BPF, v, BPF);
  }
}

/* Returns the index of the first frame that is not start + i, or -1. */
static gint64
check_counter (const guint8 * buf, guint64 start, guint64 n)
{
  guint64 i;

  for (i = 0; i < n; i++) {
    guint64 v[2];

    memcpy (v, buf + i * BPF, BPF);
    if (v[0] != start + i || v[1] != ~(start + i))
      return (gint64) i;
  }
  return -1;
}

#define assert_counter(buf, start, n) G_STMT_START {                     \
  gint64 bad_ = check_counter ((buf), (start), (n));                     \
  fail_unless (bad_ < 0, "frame %" G_GINT64_FORMAT " of %" G_GUINT64_FORMAT \
      " is not %" G_GUINT64_FORMAT, bad_, (guint64) (n),                 \
      (guint64) (start) + bad_);                                         \
} G_STMT_END

/* Writes frames [*next, *next + n) and advances *next. */
static guint64
write_live (GstAsFrameRing * ring, guint64 * next, guint64 n)
{
  guint8 *buf = g_malloc (n * BPF);
  guint64 lost;

  fill_counter (buf, *next, n);
  lost = gst_as_frame_ring_write_overwrite (ring, buf, n);
  *next += n;
  g_free (buf);
  return lost;
}

static guint64
write_blocking (GstAsFrameRing * ring, guint64 * next, guint64 n)
{
  guint8 *buf = g_malloc (n * BPF);
  guint64 done;

  fill_counter (buf, *next, n);
  done = gst_as_frame_ring_write (ring, buf, n);
  *next += done;
  g_free (buf);
  return done;
}

/* Reads up to @want frames and checks the outcome: @got intact frames
 * from @pos, after skipping @dropped never-sent and @lost resend frames. */
#define expect_read(ring, want, got, pos, dropped, lost) \
  expect_read_at (__LINE__, ring, want, got, pos, dropped, lost)

static void
expect_read_at (gint line, GstAsFrameRing * ring, guint64 want, guint64 got,
    guint64 pos, guint64 dropped, guint64 lost)
{
  guint8 *out = g_malloc ((want + 1) * BPF);
  GstAsFrameRingRead info;
  guint64 n = gst_as_frame_ring_read (ring, out, want, &info);

  fail_unless (n == got && info.pos == pos && info.dropped == dropped &&
      info.history_lost == lost, "line %d: read %" G_GUINT64_FORMAT
      " from %" G_GUINT64_FORMAT " (dropped %" G_GUINT64_FORMAT ", lost %"
      G_GUINT64_FORMAT "), expected %" G_GUINT64_FORMAT " from %"
      G_GUINT64_FORMAT " (dropped %" G_GUINT64_FORMAT ", lost %"
      G_GUINT64_FORMAT ")", line, n, info.pos, info.dropped,
      info.history_lost, got, pos, dropped, lost);
  assert_counter (out, pos, n);
  g_free (out);
}

/* the ring's own totals */
static void
expect_totals (GstAsFrameRing * ring, guint64 overflows, guint64 dropped,
    guint64 lost)
{
  fail_unless_equals_int64 (ring->overflows, overflows);
  fail_unless_equals_int64 (ring->dropped, dropped);
  fail_unless_equals_int64 (ring->history_lost, lost);
}

/* A new ring's pages are all mapped when init returns (mincore), so that
 * the producer's first pass, in a real-time thread, faults nothing in. A
 * fresh 4 MiB allocation is not: the kernel maps its pages on first
 * write. */
GST_START_TEST (test_init_maps_every_page)
{
  GstAsFrameRing ring;
  const gsize page = (gsize) sysconf (_SC_PAGESIZE);
  const guint64 frames = 1024 * 1024;
  guintptr start, end;
  guchar *vec;
  gsize n, i, resident = 0;

  gst_as_frame_ring_init (&ring, 4, frames);
  start = (guintptr) ring.data & ~(guintptr) (page - 1);
  end = (guintptr) ring.data + frames * 4;
  n = (end - start + page - 1) / page;
  vec = g_malloc0 (n);
  fail_unless_equals_int (mincore ((gpointer) start, end - start, vec), 0);
  for (i = 0; i < n; i++)
    resident += vec[i] & 1;
  fail_unless_equals_uint64 (resident, n);
  g_free (vec);
  gst_as_frame_ring_clear (&ring);
}

GST_END_TEST;

GST_START_TEST (test_wrap)
{
  GstAsFrameRing ring;
  guint64 next = 0;
  guint round;

  gst_as_frame_ring_init (&ring, BPF, 10);
  /* 7 in, 7 out, 30 times: every offset of the wrap is crossed */
  for (round = 0; round < 30; round++) {
    fail_unless_equals_int64 (write_blocking (&ring, &next, 7), 7);
    fail_unless_equals_int64 (gst_as_frame_ring_unsent (&ring), 7);
    expect_read (&ring, 7, 7, round * 7, 0, 0);
    gst_as_frame_ring_release (&ring, next);
  }
  fail_unless_equals_int64 (gst_as_frame_ring_write_pos (&ring), 210);
  fail_unless_equals_int64 (gst_as_frame_ring_send_pos (&ring), 210);
  expect_totals (&ring, 0, 0, 0);
  gst_as_frame_ring_clear (&ring);
}

GST_END_TEST;

/* A non-live writer gives up resend history, never unsent audio. */
GST_START_TEST (test_blocking_space)
{
  GstAsFrameRing ring;
  GstAsFrameRingStats st;
  guint64 next = 0;

  gst_as_frame_ring_init (&ring, BPF, 10);
  fail_unless_equals_int64 (gst_as_frame_ring_space (&ring), 10);
  fail_unless_equals_int64 (write_blocking (&ring, &next, 12), 10);
  fail_unless_equals_int64 (gst_as_frame_ring_space (&ring), 0);
  fail_unless_equals_int64 (write_blocking (&ring, &next, 1), 0);

  /* 6 sent and kept as history: the writer may take their room */
  expect_read (&ring, 6, 6, 0, 0, 0);
  fail_unless_equals_int64 (gst_as_frame_ring_space (&ring), 6);
  fail_unless_equals_int64 (write_blocking (&ring, &next, 4), 4);
  gst_as_frame_ring_get_stats (&ring, &st);
  fail_unless_equals_int64 (st.keep, 4);
  fail_unless_equals_int64 (st.history, 2);
  fail_unless_equals_int64 (st.unsent, 8);

  /* A resend from 0 finds 4 frames gone: history lost, not dropped. */
  fail_unless_equals_int64 (gst_as_frame_ring_rewind (&ring, 0), 6);
  expect_read (&ring, 10, 10, 4, 0, 4);
  expect_totals (&ring, 0, 0, 4);
  gst_as_frame_ring_clear (&ring);
}

GST_END_TEST;

/* A non-live writer with a history floor takes only the history above
 * it: the floor stays for a replay. */
GST_START_TEST (test_blocking_history_floor)
{
  GstAsFrameRing ring;
  GstAsFrameRingStats st;
  guint8 buf[10 * BPF];
  guint64 next = 0;

  gst_as_frame_ring_init (&ring, BPF, 10);
  fail_unless_equals_int64 (write_blocking (&ring, &next, 10), 10);
  expect_read (&ring, 6, 6, 0, 0, 0);

  /* 6 frames of history, 4 of them kept: 2 frames of room */
  fail_unless_equals_int64 (gst_as_frame_ring_space_keeping (&ring, 4), 2);
  fill_counter (buf, next, 5);
  fail_unless_equals_int64 (gst_as_frame_ring_write_keeping (&ring, buf, 5,
          4), 2);
  next += 2;
  fail_unless_equals_int64 (gst_as_frame_ring_write_keeping (&ring, buf, 5,
          4), 0);
  gst_as_frame_ring_get_stats (&ring, &st);
  fail_unless_equals_int64 (st.keep, 2);
  fail_unless_equals_int64 (st.history, 4);

  /* a floor above the history keeps all of it */
  fail_unless_equals_int64 (gst_as_frame_ring_space_keeping (&ring, 100), 0);
  /* released history is no longer kept */
  gst_as_frame_ring_release (&ring, 4);
  fail_unless_equals_int64 (gst_as_frame_ring_space_keeping (&ring, 100), 2);
  fail_unless_equals_int64 (gst_as_frame_ring_space_keeping (&ring, 0), 4);

  /* the replay finds the kept history whole: nothing lost */
  fail_unless_equals_int64 (gst_as_frame_ring_replay (&ring), 2);
  expect_read (&ring, 10, 8, 4, 0, 0);
  expect_totals (&ring, 0, 0, 0);

  /* only new audio moves sent_high, a replay does not */
  fail_unless_equals_int64 (gst_as_frame_ring_sent_high (&ring), 12);
  fail_unless_equals_int64 (gst_as_frame_ring_replay (&ring), 8);
  expect_read (&ring, 10, 8, 4, 0, 0);
  fail_unless_equals_int64 (gst_as_frame_ring_sent_high (&ring), 12);
  gst_as_frame_ring_clear (&ring);
}

GST_END_TEST;

/* Live, full of history only: the history goes, nothing is dropped. */
GST_START_TEST (test_overwrite_history_only)
{
  GstAsFrameRing ring;
  guint64 next = 0;

  gst_as_frame_ring_init (&ring, BPF, 10);
  write_live (&ring, &next, 10);
  expect_read (&ring, 10, 10, 0, 0, 0);
  fail_unless_equals_int64 (write_live (&ring, &next, 7), 0);
  expect_read (&ring, 10, 7, 10, 0, 0);
  expect_totals (&ring, 0, 0, 0);
  gst_as_frame_ring_clear (&ring);
}

GST_END_TEST;

/* Live: history first, then the oldest unsent frames, counted exactly. */
GST_START_TEST (test_overwrite_history_then_unsent)
{
  GstAsFrameRing ring;
  GstAsFrameRingStats st;
  guint64 next = 0;

  gst_as_frame_ring_init (&ring, BPF, 10);
  write_live (&ring, &next, 10);
  /* 3 sent (history), 7 unsent; 5 more: 3 history + 2 unsent go */
  expect_read (&ring, 3, 3, 0, 0, 0);
  fail_unless_equals_int64 (write_live (&ring, &next, 5), 2);
  fail_unless_equals_int64 (ring.overflows, 1);

  /* statistics see the loss before the consumer gets there */
  gst_as_frame_ring_get_stats (&ring, &st);
  fail_unless_equals_int64 (st.dropped, 2);
  fail_unless_equals_int64 (st.unsent, 10);
  fail_unless_equals_int64 (st.history, 0);

  expect_read (&ring, 10, 10, 5, 2, 0);
  expect_totals (&ring, 1, 2, 0);
  gst_as_frame_ring_get_stats (&ring, &st);
  fail_unless_equals_int64 (st.dropped, 2);
  gst_as_frame_ring_clear (&ring);
}

GST_END_TEST;

/* Live, nothing read: each overflowing write counts once, frames exactly. */
GST_START_TEST (test_overwrite_unsent_repeatedly)
{
  GstAsFrameRing ring;
  guint64 next = 0;

  gst_as_frame_ring_init (&ring, BPF, 10);
  fail_unless_equals_int64 (write_live (&ring, &next, 8), 0);
  fail_unless_equals_int64 (write_live (&ring, &next, 4), 2);
  fail_unless_equals_int64 (write_live (&ring, &next, 4), 4);
  fail_unless_equals_int64 (write_live (&ring, &next, 1), 1);
  expect_read (&ring, 10, 10, 7, 7, 0);
  expect_totals (&ring, 3, 7, 0);
  gst_as_frame_ring_clear (&ring);
}

GST_END_TEST;

/* A write larger than the ring: everything unsent and its own head go. */
GST_START_TEST (test_overwrite_larger_than_ring)
{
  GstAsFrameRing ring;
  guint64 next = 0;

  gst_as_frame_ring_init (&ring, BPF, 10);
  write_live (&ring, &next, 6);
  expect_read (&ring, 2, 2, 0, 0, 0);
  /* 4 unsent + the first 15 of 25 */
  fail_unless_equals_int64 (write_live (&ring, &next, 25), 19);
  fail_unless_equals_int64 (gst_as_frame_ring_unsent (&ring), 10);
  expect_read (&ring, 10, 10, 21, 19, 0);
  expect_totals (&ring, 1, 19, 0);
  gst_as_frame_ring_clear (&ring);
}

GST_END_TEST;

/* Overwritten while waiting to be resent: history lost, not dropped. */
GST_START_TEST (test_overwrite_resend_region)
{
  GstAsFrameRing ring;
  guint64 next = 0;

  gst_as_frame_ring_init (&ring, BPF, 10);
  write_live (&ring, &next, 10);
  expect_read (&ring, 8, 8, 0, 0, 0);
  gst_as_frame_ring_release (&ring, 2);
  /* connection lost, peer had 4: frames 4..7 go again */
  fail_unless_equals_int64 (gst_as_frame_ring_rewind (&ring, 4), 4);
  /* 6 more: 2 released (0, 1), 2 history (2, 3), 2 of the resend (4, 5) */
  fail_unless_equals_int64 (write_live (&ring, &next, 6), 0);
  expect_read (&ring, 10, 10, 6, 0, 2);
  expect_totals (&ring, 0, 0, 2);
  gst_as_frame_ring_clear (&ring);
}

GST_END_TEST;

GST_START_TEST (test_rewind_release)
{
  GstAsFrameRing ring;
  guint64 next = 0;

  gst_as_frame_ring_init (&ring, BPF, 10);
  write_live (&ring, &next, 10);
  expect_read (&ring, 6, 6, 0, 0, 0);

  /* release is clamped to [keep, send] and never goes back */
  gst_as_frame_ring_release (&ring, 3);
  fail_unless_equals_int64 (gst_as_frame_ring_keep_pos (&ring), 3);
  gst_as_frame_ring_release (&ring, 1);
  fail_unless_equals_int64 (gst_as_frame_ring_keep_pos (&ring), 3);
  gst_as_frame_ring_release (&ring, 100);
  fail_unless_equals_int64 (gst_as_frame_ring_keep_pos (&ring), 6);

  /* rewind is clamped to [keep, send] */
  fail_unless_equals_int64 (gst_as_frame_ring_rewind (&ring, 2), 0);
  expect_read (&ring, 2, 2, 6, 0, 0);
  fail_unless_equals_int64 (gst_as_frame_ring_rewind (&ring, 7), 1);
  fail_unless_equals_int64 (gst_as_frame_ring_send_pos (&ring), 7);
  expect_read (&ring, 10, 3, 7, 0, 0);

  /* STT replay: everything since the last commit goes again; sending it
   * again is not new audio, nothing is dropped */
  gst_as_frame_ring_release (&ring, 8);
  fail_unless_equals_int64 (gst_as_frame_ring_replay (&ring), 2);
  expect_read (&ring, 10, 2, 8, 0, 0);
  expect_totals (&ring, 0, 0, 0);
  gst_as_frame_ring_clear (&ring);
}

GST_END_TEST;

/* Flushed audio is skipped, history included, and counted as nobody's
 * loss; the writer gets all the room back. */
GST_START_TEST (test_flush)
{
  GstAsFrameRing ring;
  guint8 out[10 * BPF];
  GstAsFrameRingRead info;
  guint64 next = 0;

  gst_as_frame_ring_init (&ring, BPF, 10);
  write_blocking (&ring, &next, 10);
  expect_read (&ring, 4, 4, 0, 0, 0);
  gst_as_frame_ring_flush (&ring);
  fail_unless_equals_int64 (gst_as_frame_ring_space (&ring), 10);
  fail_unless_equals_int64 (gst_as_frame_ring_unsent (&ring), 0);
  fail_unless_equals_int64 (write_blocking (&ring, &next, 3), 3);

  fail_unless_equals_int64 (gst_as_frame_ring_replay (&ring), 4);
  fail_unless_equals_int64 (gst_as_frame_ring_read (&ring, out, 10, &info), 3);
  fail_unless_equals_int64 (info.pos, 10);
  fail_unless_equals_int64 (info.flushed, 10);
  assert_counter (out, 10, 3);
  fail_unless_equals_int64 (gst_as_frame_ring_keep_pos (&ring), 10);
  expect_totals (&ring, 0, 0, 0);
  gst_as_frame_ring_clear (&ring);
}

GST_END_TEST;

/* While nothing is sent (no connection), the losses are still counted. */
GST_START_TEST (test_skip_lost)
{
  GstAsFrameRing ring;
  GstAsFrameRingRead info;
  guint64 next = 0;

  gst_as_frame_ring_init (&ring, BPF, 10);
  write_live (&ring, &next, 25);
  fail_unless_equals_int64 (gst_as_frame_ring_skip_lost (&ring, &info), 15);
  fail_unless_equals_int64 (info.dropped, 15);
  fail_unless_equals_int64 (info.pos, 15);
  fail_unless_equals_int64 (gst_as_frame_ring_skip_lost (&ring, &info), 0);
  fail_unless_equals_int64 (gst_as_frame_ring_unsent (&ring), 10);
  expect_totals (&ring, 1, 15, 0);
  gst_as_frame_ring_clear (&ring);
}

GST_END_TEST;

/* ---- two threads ---- */

#define STRESS_CAPACITY 257     /* prime: every wrap offset comes up */

typedef struct
{
  GstAsFrameRing ring;
  gint done;                    /* atomic: the producer finished */
  guint64 written;
  guint64 producer_lost;
  guint32 seed;
  gboolean blocking;            /* a non-live writer: waits, never drops */
} Stress;

static gpointer
stress_producer (gpointer data)
{
  Stress *st = data;
  GRand *rand = g_rand_new_with_seed (st->seed);
  guint8 *buf = g_malloc (2 * STRESS_CAPACITY * BPF);
  guint64 next = 0;
  gint64 end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end) {
    /* mostly small writes, sometimes one larger than the ring */
    guint n = g_rand_int_range (rand, 0, 8) == 0 ?
        g_rand_int_range (rand, 1, 2 * STRESS_CAPACITY) :
        g_rand_int_range (rand, 1, 64);

    fill_counter (buf, next, n);
    if (st->blocking) {
      guint64 done = 0;

      /* waiting is the caller's business: here, yield until room */
      while (done < n) {
        done += gst_as_frame_ring_write (&st->ring, buf + done * BPF,
            n - done);
        if (done < n)
          g_thread_yield ();
      }
    } else {
      st->producer_lost +=
          gst_as_frame_ring_write_overwrite (&st->ring, buf, n);
    }
    next += n;
    if (g_rand_int_range (rand, 0, 16) == 0)
      g_thread_yield ();
  }
  st->written = next;
  g_atomic_int_set (&st->done, 1);
  g_free (buf);
  g_rand_free (rand);
  return NULL;
}

/* Reads at random sizes, rewinds and releases at random; checks that every
 * frame is intact and in order, and that the frames that never arrived are
 * exactly the frames counted as dropped. */
static void
run_stress (gboolean blocking)
{
  Stress st = { 0, };
  GRand *rand;
  GThread *producer;
  guint8 *out = g_malloc (STRESS_CAPACITY * BPF);
  guint64 high = 0;             /* first frame never delivered */
  guint64 delivered = 0, dropped = 0, resent = 0, reads = 0;
  guint64 torn_or_disorder = 0;
  GstAsFrameRingRead info;
  GstAsFrameRingStats stats;
  gboolean last = FALSE;

  st.blocking = blocking;
  st.seed = g_random_int ();
  GST_INFO ("seed %u", st.seed);
  rand = g_rand_new_with_seed (st.seed + 1);
  gst_as_frame_ring_init (&st.ring, BPF, STRESS_CAPACITY);
  producer = g_thread_new ("producer", stress_producer, &st);

  while (!last) {
    guint want = g_rand_int_range (rand, 1, STRESS_CAPACITY + 1);
    guint64 n;
    guint dice = g_rand_int_range (rand, 0, 64);

    last = g_atomic_int_get (&st.done);
    if (dice == 0) {
      guint64 keep = gst_as_frame_ring_keep_pos (&st.ring);
      guint64 send = gst_as_frame_ring_send_pos (&st.ring);

      gst_as_frame_ring_rewind (&st.ring, keep +
          g_rand_int_range (rand, 0, send - keep + 1));
    } else if (dice < 8) {
      guint64 keep = gst_as_frame_ring_keep_pos (&st.ring);
      guint64 send = gst_as_frame_ring_send_pos (&st.ring);

      gst_as_frame_ring_release (&st.ring, keep +
          g_rand_int_range (rand, 0, send - keep + 1));
    }

    do {
      n = gst_as_frame_ring_read (&st.ring, out, want, &info);
      reads++;
      if (check_counter (out, info.pos, n) >= 0)
        torn_or_disorder++;
      /* a gap before `high` (the first frame never delivered) is a drop
       * and must be counted as one, exactly */
      if (info.pos > high) {
        if (info.pos - high != info.dropped)
          torn_or_disorder++;
        high = info.pos;
      } else if (info.dropped != 0) {
        torn_or_disorder++;
      }
      dropped += info.dropped;
      if (info.pos + n > high) {
        delivered += info.pos + n - high;
        resent += high - info.pos;
        high = info.pos + n;
      } else {
        resent += n;
      }
    } while (last && n > 0);
    if (g_rand_int_range (rand, 0, 4) == 0)
      g_thread_yield ();
  }
  g_thread_join (producer);
  gst_as_frame_ring_skip_lost (&st.ring, &info);
  dropped += info.dropped;

  GST_INFO ("written %" G_GUINT64_FORMAT ", delivered %" G_GUINT64_FORMAT
      ", dropped %" G_GUINT64_FORMAT " (producer saw %" G_GUINT64_FORMAT
      "), resent %" G_GUINT64_FORMAT ", reads %" G_GUINT64_FORMAT
      ", overflows %" G_GUINT64_FORMAT, st.written, delivered, dropped,
      st.producer_lost, resent, reads, (guint64) st.ring.overflows);
  fail_unless_equals_int64 (torn_or_disorder, 0);
  fail_unless_equals_int64 (high, st.written);
  fail_unless_equals_int64 (delivered + dropped, st.written);
  fail_unless_equals_int64 (dropped, st.ring.dropped);
  gst_as_frame_ring_get_stats (&st.ring, &stats);
  fail_unless_equals_int64 (stats.dropped, dropped);
  /* the run must have exercised both paths to mean anything */
  if (blocking) {
    fail_unless_equals_int64 (dropped, 0);
  } else {
    fail_unless (dropped > 0, "nothing was ever overwritten");
  }
  fail_unless (delivered >= 100 * STRESS_CAPACITY,
      "almost nothing delivered");
  fail_unless (resent > 0, "no rewind ever resent anything");

  gst_as_frame_ring_clear (&st.ring);
  g_rand_free (rand);
  g_free (out);
}

/* A live writer overwriting at random sizes against a reader that reads,
 * rewinds and releases at random. */
GST_START_TEST (test_stress_live)
{
  run_stress (FALSE);
}

GST_END_TEST;

/* The same with a non-live writer: nothing may be lost at all. */
GST_START_TEST (test_stress_blocking)
{
  run_stress (TRUE);
}

GST_END_TEST;

static Suite *
framering_suite (void)
{
  Suite *s = suite_create ("framering");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_init_maps_every_page);
  tcase_add_test (tc, test_wrap);
  tcase_add_test (tc, test_blocking_space);
  tcase_add_test (tc, test_blocking_history_floor);
  tcase_add_test (tc, test_overwrite_history_only);
  tcase_add_test (tc, test_overwrite_history_then_unsent);
  tcase_add_test (tc, test_overwrite_unsent_repeatedly);
  tcase_add_test (tc, test_overwrite_larger_than_ring);
  tcase_add_test (tc, test_overwrite_resend_region);
  tcase_add_test (tc, test_rewind_release);
  tcase_add_test (tc, test_flush);
  tcase_add_test (tc, test_skip_lost);
  tcase_add_test (tc, test_stress_live);
  tcase_add_test (tc, test_stress_blocking);
  return s;
}

GST_CHECK_MAIN (framering);
