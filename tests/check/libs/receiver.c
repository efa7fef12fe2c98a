/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The frame cutter and sender bookkeeping of audiostreamsrc, without
 * sockets: a byte stream split at every possible place comes out as the
 * same whole frames. */

#include <gst/check/gstcheck.h>

#include "audiostream/receiver.h"

/* Feeds @stream in reads of @sizes (cycled) the way the element does, and
 * returns what came out as whole frames. */
static GByteArray *
feed (GstAsReceiver * r, const guint8 * stream, gsize len,
    const gsize * sizes, guint n_sizes)
{
  GByteArray *out = g_byte_array_new ();
  guint8 buf[GST_AS_RECEIVER_MAX_FRAME_BYTES + 64];
  gsize pos = 0;
  guint i = 0;

  while (pos < len) {
    gsize n = MIN (sizes[i % n_sizes], len - pos);
    guint have = gst_as_receiver_prefix (r, buf);
    gsize whole;

    fail_unless (have < r->bpf);
    memcpy (buf + have, stream + pos, n);
    pos += n;
    i++;
    whole = gst_as_receiver_cut (r, buf, have + n);
    fail_unless_equals_int (whole % r->bpf, 0);
    g_byte_array_append (out, buf, whole);
  }
  return out;
}

GST_START_TEST (test_frames_survive_any_split)
{
  /* S24LE stereo: 6-byte frames, split at every size from 1 to 13 */
  const guint bpf = 6;
  guint8 stream[600];
  gsize size;
  guint i;

  for (i = 0; i < sizeof (stream); i++)
    stream[i] = (guint8) (i * 7 + 3);

  for (size = 1; size <= 13; size++) {
    const gsize sizes[] = { size, size + 5, 1 };
    GstAsReceiver r;
    GByteArray *out;

    gst_as_receiver_init (&r, bpf);
    gst_as_receiver_accept (&r, &i);
    out = feed (&r, stream, sizeof (stream), sizes, G_N_ELEMENTS (sizes));
    fail_unless_equals_int (out->len, sizeof (stream));
    fail_unless (memcmp (out->data, stream, sizeof (stream)) == 0,
        "frames corrupted with reads of %" G_GSIZE_FORMAT, size);
    fail_unless_equals_int (r.stats.frames, sizeof (stream) / bpf);
    fail_unless_equals_int (r.stats.bytes, sizeof (stream));
    g_byte_array_unref (out);
  }
}

GST_END_TEST;

GST_START_TEST (test_partial_frame_discarded_when_sender_leaves)
{
  const gsize sizes[] = { 7 };
  guint8 stream[10], next[8];
  GstAsReceiver r;
  GByteArray *out;
  guint dropped, i;

  for (i = 0; i < sizeof (stream); i++)
    stream[i] = i;
  for (i = 0; i < sizeof (next); i++)
    next[i] = 100 + i;

  gst_as_receiver_init (&r, 4);
  fail_if (gst_as_receiver_accept (&r, &dropped));
  out = feed (&r, stream, sizeof (stream), sizes, 1);
  fail_unless_equals_int (out->len, 8);
  g_byte_array_unref (out);

  /* two bytes of the third frame are left: dropped and counted */
  fail_unless_equals_int (gst_as_receiver_close (&r), 2);
  fail_unless_equals_int (r.stats.partial_frames, 1);
  fail_unless_equals_int (r.stats.partial_bytes, 2);

  /* the next sender starts on a frame boundary */
  fail_if (gst_as_receiver_accept (&r, &dropped));
  out = feed (&r, next, sizeof (next), sizes, 1);
  fail_unless_equals_int (out->len, 8);
  fail_unless (memcmp (out->data, next, 8) == 0);
  g_byte_array_unref (out);
  /* a sender that leaves on a boundary discards nothing */
  fail_unless_equals_int (gst_as_receiver_close (&r), 0);
  fail_unless_equals_int (r.stats.partial_frames, 1);
  fail_unless_equals_int (r.stats.senders, 2);
}

GST_END_TEST;

GST_START_TEST (test_newest_sender_replaces_current)
{
  const gsize sizes[] = { 5 };
  guint8 stream[5] = { 1, 2, 3, 4, 5 };
  GstAsReceiver r;
  GByteArray *out;
  guint dropped;

  gst_as_receiver_init (&r, 4);
  fail_if (gst_as_receiver_accept (&r, &dropped));
  out = feed (&r, stream, sizeof (stream), sizes, 1);
  g_byte_array_unref (out);

  /* a second sender while the first is connected replaces it, and the
   * first one's unfinished frame goes with it */
  fail_unless (gst_as_receiver_accept (&r, &dropped));
  fail_unless_equals_int (dropped, 1);
  fail_unless_equals_int (r.stats.replaced, 1);
  fail_unless_equals_int (r.stats.senders, 2);
  fail_unless_equals_int (r.stats.partial_frames, 1);
  fail_unless (r.connected);

  /* after a close, a new sender replaces nothing */
  gst_as_receiver_close (&r);
  fail_if (gst_as_receiver_accept (&r, &dropped));
  fail_unless_equals_int (r.stats.replaced, 1);
}

GST_END_TEST;

static Suite *
receiver_suite (void)
{
  Suite *s = suite_create ("receiver");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_frames_survive_any_split);
  tcase_add_test (tc, test_partial_frame_discarded_when_sender_leaves);
  tcase_add_test (tc, test_newest_sender_replaces_current);
  return s;
}

GST_CHECK_MAIN (receiver);
