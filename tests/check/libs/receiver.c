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

GST_START_TEST (test_stats_structure)
{
  GstAsReceiver r;
  GstStructure *st;
  guint64 v;
  gboolean connected = FALSE;
  const gchar *fields[] = { "bytes", "frames", "senders", "replaced",
    "partial-frames", "partial-bytes", "silence-frames", "refused",
    "tls-failures"
  };
  guint i;

  gst_as_receiver_init (&r, 4);
  r.stats.bytes = 1;
  r.stats.frames = 2;
  r.stats.senders = 3;
  r.stats.replaced = 4;
  r.stats.partial_frames = 5;
  r.stats.partial_bytes = 6;
  r.stats.silence_frames = 7;
  r.stats.refused = 8;
  r.stats.tls_failures = 9;
  r.connected = TRUE;

  st = gst_as_receiver_stats_structure (&r, "audiostreamsrc-stats");
  fail_unless_equals_string (gst_structure_get_name (st),
      "audiostreamsrc-stats");
  fail_unless_equals_int (gst_structure_n_fields (st), 10);
  for (i = 0; i < G_N_ELEMENTS (fields); i++) {
    fail_unless (gst_structure_get_uint64 (st, fields[i], &v), "%s",
        fields[i]);
    fail_unless_equals_uint64 (v, i + 1);
  }
  fail_unless (gst_structure_get_boolean (st, "connected", &connected));
  fail_unless (connected);
  gst_structure_free (st);
}

GST_END_TEST;

GST_START_TEST (test_connection_structure)
{
  GstStructure *st;
  guint partial = 0;

  st = gst_as_receiver_connection_structure ("closed", "127.0.0.1:5000",
      "Connection reset by peer", 3);
  fail_unless (gst_structure_has_name (st, "audiostreamsrc-connection"));
  fail_unless_equals_string (gst_structure_get_string (st, "state"),
      "closed");
  fail_unless_equals_string (gst_structure_get_string (st, "remote"),
      "127.0.0.1:5000");
  fail_unless_equals_string (gst_structure_get_string (st, "error"),
      "Connection reset by peer");
  fail_unless (gst_structure_get_uint (st, "partial-bytes", &partial));
  fail_unless_equals_int (partial, 3);
  gst_structure_free (st);

  /* no error: the field is there, NULL (applications test for it) */
  st = gst_as_receiver_connection_structure ("accepted", "a", NULL, 0);
  fail_unless (gst_structure_has_field_typed (st, "error", G_TYPE_STRING));
  fail_unless (gst_structure_get_string (st, "error") == NULL);
  gst_structure_free (st);
}

GST_END_TEST;

GST_START_TEST (test_silence_clock)
{
  GstAsSilenceClock c;
  guint64 total = 0;
  gint64 t;

  gst_as_silence_clock_reset (&c, 1000000);
  /* less than one interval due: nothing yet */
  fail_unless_equals_uint64 (gst_as_silence_clock_due (&c, 1010000, 48000),
      0);
  fail_unless_equals_uint64 (gst_as_silence_clock_due (&c, 1020000, 48000),
      960);
  fail_unless_equals_uint64 (gst_as_silence_clock_due (&c, 1020000, 48000),
      0);
  /* 41 ms in all: 1968 frames, 1008 of them new */
  fail_unless_equals_uint64 (gst_as_silence_clock_due (&c, 1041000, 48000),
      1008);

  /* asked at odd times for a minute, at 44.1 kHz: exactly real time, no
   * rounding error piles up */
  gst_as_silence_clock_reset (&c, 0);
  for (t = 0; t <= 60 * G_USEC_PER_SEC; t += 20333)
    total += gst_as_silence_clock_due (&c, t, 44100);
  fail_unless_equals_uint64 (total,
      gst_util_uint64_scale_int (t - 20333, 44100, G_USEC_PER_SEC));

  /* after a pause (more than 200 ms behind) one interval comes, not the
   * whole pause */
  fail_unless_equals_uint64 (gst_as_silence_clock_due (&c,
          t + 5 * G_USEC_PER_SEC, 44100), 882);
  fail_unless_equals_uint64 (gst_as_silence_clock_due (&c,
          t + 5 * G_USEC_PER_SEC + 20000, 44100), 882);
}

GST_END_TEST;

GST_START_TEST (test_poll_timeout)
{
  const gint64 now = 5 * G_USEC_PER_SEC;
  const struct
  {
    gint64 next_stats_us;
    gboolean idle, readable;
    gint expected;
  } cases[] = {
    {G_MAXINT64, FALSE, FALSE, -1},     /* a sender, no stats: until data */
    {G_MAXINT64, TRUE, FALSE, 20},      /* nobody sends: the next silence */
    {now + 1500, FALSE, FALSE, 2},      /* rounded up, never early */
    {now + 5000, TRUE, FALSE, 5},       /* stats before the silence */
    {now + 50000, TRUE, FALSE, 20},
    {G_MAXINT64, FALSE, TRUE, 0},       /* TLS holds decrypted data */
    {now - 1000, FALSE, FALSE, 0},      /* stats overdue */
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    fail_unless_equals_int (gst_as_receiver_poll_timeout_ms (now,
            cases[i].next_stats_us, cases[i].idle, cases[i].readable),
        cases[i].expected);
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
  tcase_add_test (tc, test_stats_structure);
  tcase_add_test (tc, test_connection_structure);
  tcase_add_test (tc, test_silence_clock);
  tcase_add_test (tc, test_poll_timeout);
  return s;
}

GST_CHECK_MAIN (receiver);
