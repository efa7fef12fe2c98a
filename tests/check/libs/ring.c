/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include <gst/check/gstcheck.h>

#include "audiostream/ring.h"

#define BPF 4                   /* S16LE stereo */

/* Frame n holds the counter n in both channels' bytes, so a frame read back
 * says exactly which frame it was. */
static void
fill_counter (guint8 * buf, guint64 start, guint64 n)
{
  guint64 i;

  for (i = 0; i < n; i++) {
    guint32 v = (guint32) (start + i);

    memcpy (buf + i * BPF, &v, BPF);
  }
}

static void
assert_counter (const guint8 * buf, guint64 start, guint64 n)
{
  guint64 i;

  for (i = 0; i < n; i++) {
    guint32 v;

    memcpy (&v, buf + i * BPF, BPF);
    if (v != (guint32) (start + i))
      fail ("frame %" G_GUINT64_FORMAT ": expected %" G_GUINT64_FORMAT
          ", got %u", i, start + i, v);
  }
}

GST_START_TEST (test_write_read_in_order)
{
  GstAsRing ring;
  guint8 in[100 * BPF], out[100 * BPF];

  gst_as_ring_init (&ring, BPF, 100);
  fail_unless_equals_int64 (gst_as_ring_level (&ring), 0);
  fail_unless_equals_int64 (gst_as_ring_space (&ring), 100);

  fill_counter (in, 0, 30);
  fail_unless_equals_int64 (gst_as_ring_write (&ring, in, 30), 30);
  fail_unless_equals_int64 (gst_as_ring_level (&ring), 30);

  fail_unless_equals_int64 (gst_as_ring_read (&ring, out, 10), 10);
  assert_counter (out, 0, 10);
  fail_unless_equals_int64 (gst_as_ring_read (&ring, out, 100), 20);
  assert_counter (out, 10, 20);
  fail_unless_equals_int64 (gst_as_ring_read (&ring, out, 1), 0);

  gst_as_ring_clear (&ring);
}

GST_END_TEST;

/* Many writes and reads of sizes that do not divide the capacity cross the
 * wrap point at every offset; the counter must come out unbroken. */
GST_START_TEST (test_wrap_around)
{
  GstAsRing ring;
  guint8 in[97 * BPF], out[97 * BPF];
  guint64 written = 0, read = 0;
  guint i;

  gst_as_ring_init (&ring, BPF, 100);
  for (i = 0; i < 10000; i++) {
    guint64 w = 1 + (i * 37) % 97, r = 1 + (i * 53) % 97, n;

    fill_counter (in, written, w);
    written += gst_as_ring_write (&ring, in, w);
    n = gst_as_ring_read (&ring, out, r);
    assert_counter (out, read, n);
    read += n;
    fail_unless_equals_int64 (gst_as_ring_level (&ring), written - read);
  }
  fail_unless (written > 100 * 100);
  fail_unless_equals_int64 (ring.overflows, 0);
  fail_unless_equals_int64 (ring.dropped, 0);
  gst_as_ring_clear (&ring);
}

GST_END_TEST;

GST_START_TEST (test_write_stops_when_full)
{
  GstAsRing ring;
  guint8 in[150 * BPF], out[150 * BPF];

  gst_as_ring_init (&ring, BPF, 100);
  fill_counter (in, 0, 150);
  fail_unless_equals_int64 (gst_as_ring_write (&ring, in, 150), 100);
  fail_unless_equals_int64 (gst_as_ring_space (&ring), 0);
  fail_unless_equals_int64 (gst_as_ring_write (&ring, in, 1), 0);
  /* Refusing is not dropping. */
  fail_unless_equals_int64 (ring.overflows, 0);
  fail_unless_equals_int64 (ring.dropped, 0);
  fail_unless_equals_int64 (gst_as_ring_read (&ring, out, 150), 100);
  assert_counter (out, 0, 100);
  gst_as_ring_clear (&ring);
}

GST_END_TEST;

GST_START_TEST (test_overwrite_drops_oldest)
{
  GstAsRing ring;
  guint8 in[100 * BPF], out[100 * BPF];

  gst_as_ring_init (&ring, BPF, 100);
  fill_counter (in, 0, 80);
  fail_unless_equals_int64 (gst_as_ring_write_overwrite (&ring, in, 80), 0);
  fail_unless_equals_int64 (ring.overflows, 0);

  /* 50 more: 30 fit, the 30 oldest make room for the rest... */
  fill_counter (in, 80, 50);
  fail_unless_equals_int64 (gst_as_ring_write_overwrite (&ring, in, 50), 30);
  fail_unless_equals_int64 (ring.overflows, 1);
  fail_unless_equals_int64 (ring.dropped, 30);
  fail_unless_equals_int64 (gst_as_ring_level (&ring), 100);

  /* ...so what is left is frames 30..129, in order. */
  fail_unless_equals_int64 (gst_as_ring_read (&ring, out, 100), 100);
  assert_counter (out, 30, 100);

  /* A write that fits does not count as an overflow. */
  fill_counter (in, 130, 10);
  fail_unless_equals_int64 (gst_as_ring_write_overwrite (&ring, in, 10), 0);
  fail_unless_equals_int64 (ring.overflows, 1);
  gst_as_ring_clear (&ring);
}

GST_END_TEST;

/* A single write larger than the ring keeps only its newest frames, and
 * every frame not kept is counted once. */
GST_START_TEST (test_overwrite_larger_than_ring)
{
  GstAsRing ring;
  guint8 in[250 * BPF], out[100 * BPF];
  guint64 lost;

  gst_as_ring_init (&ring, BPF, 100);
  fill_counter (in, 0, 40);
  gst_as_ring_write (&ring, in, 40);

  fill_counter (in, 40, 250);
  lost = gst_as_ring_write_overwrite (&ring, in, 250);
  /* 40 unread old ones and the first 150 of the new write */
  fail_unless_equals_int64 (lost, 190);
  fail_unless_equals_int64 (ring.dropped, 190);
  fail_unless_equals_int64 (ring.overflows, 1);
  fail_unless_equals_int64 (gst_as_ring_level (&ring), 100);
  fail_unless_equals_int64 (gst_as_ring_read (&ring, out, 100), 100);
  assert_counter (out, 190, 100);

  /* Conservation: everything written was either read or dropped. */
  fail_unless_equals_int64 (ring.write_pos, 290);
  fail_unless_equals_int64 (ring.read_pos, 290);
  gst_as_ring_clear (&ring);
}

GST_END_TEST;

/* Sustained overflow across the wrap: dropped + read = written, and what is
 * read is always a contiguous run of the counter. */
GST_START_TEST (test_overflow_accounting_over_time)
{
  GstAsRing ring;
  guint8 in[64 * BPF], out[64 * BPF];
  guint64 written = 0, read = 0, expected_overflows = 0;
  guint i;

  gst_as_ring_init (&ring, BPF, 1000);
  for (i = 0; i < 20000; i++) {
    guint64 w = 1 + (i * 7) % 64, n, oldest, lost;

    fill_counter (in, written, w);
    lost = gst_as_ring_write_overwrite (&ring, in, w);
    if (lost)
      expected_overflows++;
    written += w;
    /* the reader is slower than the writer: the ring stays full */
    if (i % 2 == 0) {
      oldest = ring.read_pos;
      n = gst_as_ring_read (&ring, out, 16);
      assert_counter (out, oldest, n);
      read += n;
    }
  }
  fail_unless (ring.overflows > 0);
  fail_unless_equals_int64 (ring.overflows, expected_overflows);
  fail_unless_equals_int64 (read + ring.dropped + gst_as_ring_level (&ring),
      written);
  gst_as_ring_clear (&ring);
}

GST_END_TEST;

GST_START_TEST (test_reset_keeps_storage)
{
  GstAsRing ring;
  guint8 in[10 * BPF];
  guint8 *data;

  gst_as_ring_init (&ring, BPF, 5);
  data = ring.data;
  fill_counter (in, 0, 10);
  gst_as_ring_write_overwrite (&ring, in, 10);
  gst_as_ring_reset (&ring);
  fail_unless (ring.data == data);
  fail_unless_equals_int64 (gst_as_ring_level (&ring), 0);
  fail_unless_equals_int64 (ring.dropped, 0);
  fail_unless_equals_int64 (ring.overflows, 0);
  gst_as_ring_clear (&ring);
}

GST_END_TEST;

GST_START_TEST (test_skip)
{
  GstAsRing ring;
  guint8 in[10 * BPF], out[10 * BPF];

  gst_as_ring_init (&ring, BPF, 8);
  fill_counter (in, 0, 6);
  gst_as_ring_write (&ring, in, 6);
  fail_unless_equals_int64 (gst_as_ring_skip (&ring, 4), 4);
  fail_unless_equals_int64 (gst_as_ring_read (&ring, out, 10), 2);
  assert_counter (out, 4, 2);
  fail_unless_equals_int64 (gst_as_ring_skip (&ring, 4), 0);
  fail_unless_equals_int64 (ring.dropped, 0);
  gst_as_ring_clear (&ring);
}

GST_END_TEST;

static Suite *
ring_suite (void)
{
  Suite *s = suite_create ("ring");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_write_read_in_order);
  tcase_add_test (tc, test_wrap_around);
  tcase_add_test (tc, test_write_stops_when_full);
  tcase_add_test (tc, test_overwrite_drops_oldest);
  tcase_add_test (tc, test_overwrite_larger_than_ring);
  tcase_add_test (tc, test_overflow_accounting_over_time);
  tcase_add_test (tc, test_reset_keeps_storage);
  tcase_add_test (tc, test_skip);
  return s;
}

GST_CHECK_MAIN (ring);
