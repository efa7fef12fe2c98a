/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The sender engine without a pipeline or a socket: a fake capture ring,
 * a fake connection and a fake clock that only the test moves. */

#include <gst/check/gstcheck.h>
#include <gio/gio.h>

#include "audiostream/sender.h"
#include "audiostream/transport.h"

#define RATE 48000
#define BPF 4                   /* S16LE stereo */
#define CHUNK 480
#define CHUNK_DURATION (10 * GST_MSECOND)
#define T0 (10 * GST_SECOND)
#define RING_FRAMES (RATE * 5)
#define KERNEL_BYTES 96000

typedef struct
{
  GstClockTime now;
  gint64 now_us;
  guint now_asked;              /* calls of the two time callbacks */

  /* capture: the counter pattern from frame read_pos on */
  guint64 write_pos;
  guint64 read_pos;
  guint64 dropped_pending;      /* reported by the next read */
  guint64 dropped_total;
  guint64 overflows;
  gboolean eos;
  gboolean live;
  gint64 capture_jitter_us;

  /* the connection */
  GByteArray *wire;             /* bytes written on this connection */
  gboolean broken;              /* sends fail */
  gboolean have_tcp;
  GstAsTcpInfo tcp;

  guint refuse;                 /* connection attempts still refused */
  gboolean untrusted;           /* a TLS peer that cannot be trusted */
  gboolean eos_when_connected;
  gboolean drained_connection;
  gint done;                    /* -1 not yet, 0 drained, 1 failed */
  guint64 slept_ms;
  guint64 playing_after_ms;     /* of sleep: not PLAYING before */
  gboolean error_before_playing;

  GPtrArray *posted;            /* GstStructure */
  GPtrArray *told;              /* gchar *, "W: text" */
} World;

static void
pattern (guint8 * dest, guint64 first_frame, guint64 frames)
{
  guint64 i;

  for (i = 0; i < frames * 2; i++)
    GST_WRITE_UINT16_LE (dest + 2 * i, (guint16) (first_frame * 2 + i));
}

/* The frame at byte @offset of @data, checking the pattern is unbroken
 * from there for @frames. */
static void
assert_frames (const guint8 * data, guint64 first_frame, guint64 frames)
{
  guint64 i;

  for (i = 0; i < frames * 2; i++) {
    guint16 expected = (guint16) (first_frame * 2 + i);
    guint16 got = GST_READ_UINT16_LE (data + 2 * i);

    if (got != expected)
      fail ("sample %" G_GUINT64_FORMAT ": expected %u, got %u", i, expected,
          got);
  }
}

/* The capture ring keeps its last RING_FRAMES frames: what was sent stays
 * there as history until the writer overwrites it. */
static guint64
fake_read (gpointer user_data, guint8 * dest, guint64 n,
    GstAsSenderRead * info)
{
  World *w = user_data;
  guint64 got = MIN (n, w->write_pos - w->read_pos);

  info->pos = w->read_pos;
  info->dropped = w->dropped_pending;
  info->history_lost = 0;
  pattern (dest, w->read_pos, got);
  w->read_pos += got;
  w->dropped_pending = 0;
  return got;
}

static guint64
fake_rewind (gpointer user_data, guint64 pos)
{
  World *w = user_data;
  guint64 keep = w->write_pos > RING_FRAMES ? w->write_pos - RING_FRAMES : 0;
  guint64 from = CLAMP (pos, keep, w->read_pos);
  guint64 again = w->read_pos - from;

  w->read_pos = from;
  return again;
}

static void
fake_input (gpointer user_data, GstAsSenderInput * in)
{
  World *w = user_data;

  in->rate = RATE;
  in->eos = w->eos;
  in->live = w->live;
  in->level = w->write_pos - w->read_pos;
  in->capacity = RING_FRAMES;
  in->overflows = w->overflows;
  in->dropped = w->dropped_total;
  in->capture_jitter_us = w->capture_jitter_us;
}

static gsize
fake_send (gpointer user_data, const guint8 * data, gsize size,
    GError ** error)
{
  World *w = user_data;

  if (w->broken) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
        "connection closed by the receiver");
    return 0;
  }
  g_byte_array_append (w->wire, data, size);
  return size;
}

static gboolean
fake_tcp_info (gpointer user_data, GstAsTcpInfo * info)
{
  World *w = user_data;

  *info = w->tcp;
  return w->have_tcp;
}

static GstClockTime
fake_now (gpointer user_data)
{
  ((World *) user_data)->now_asked++;
  return ((World *) user_data)->now;
}

static gint64
fake_now_us (gpointer user_data)
{
  ((World *) user_data)->now_asked++;
  return ((World *) user_data)->now_us;
}

static void
fake_post (gpointer user_data, GstStructure * s)
{
  g_ptr_array_add (((World *) user_data)->posted, s);
}

static gboolean
fake_playing (gpointer user_data)
{
  World *w = user_data;

  return w->slept_ms >= w->playing_after_ms;
}

static void
fake_tell (gpointer user_data, GstMessageType type, const gchar * text,
    const gchar * debug)
{
  if (type == GST_MESSAGE_ERROR && !fake_playing (user_data))
    ((World *) user_data)->error_before_playing = TRUE;
  g_ptr_array_add (((World *) user_data)->told, g_strdup_printf ("%c: %s",
          type == GST_MESSAGE_ERROR ? 'E' : type == GST_MESSAGE_WARNING ?
          'W' : 'I', text));
}

static gboolean
fake_connect (gpointer user_data, const gchar ** remote, GError ** error)
{
  World *w = user_data;

  if (w->untrusted) {
    g_set_error_literal (error, GST_AS_TRANSPORT_ERROR,
        GST_AS_TRANSPORT_ERROR_TLS, "the TLS certificate presented for "
        "127.0.0.1 is not acceptable: it has expired");
    return FALSE;
  }
  if (w->refuse > 0) {
    w->refuse--;
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
        "Connection refused");
    return FALSE;
  }
  *remote = "127.0.0.1:4953";
  w->eos |= w->eos_when_connected;
  return TRUE;
}

static void
fake_disconnect (gpointer user_data, gboolean drain)
{
  ((World *) user_data)->drained_connection = drain;
}

static gboolean
fake_check_peer (gpointer user_data, GError ** error)
{
  return TRUE;
}

static gboolean
fake_wait_audio (gpointer user_data, GstAsSenderFormat * f)
{
  f->rate = RATE;
  f->bpf = BPF;
  f->chunk = CHUNK;
  f->ring_capacity = RING_FRAMES;
  f->kernel_buffer_bytes = KERNEL_BYTES;
  return TRUE;
}

static gboolean
fake_wait_until (gpointer user_data, GstClockTime deadline)
{
  World *w = user_data;

  if (deadline > w->now) {
    w->now_us += (deadline - w->now) / GST_USECOND;
    w->now = deadline;
  }
  return TRUE;
}

static gboolean
fake_sleep_ms (gpointer user_data, guint ms)
{
  World *w = user_data;

  w->now_us += ms * 1000;
  w->now += ms * GST_MSECOND;
  w->slept_ms += ms;
  return TRUE;
}

static void
fake_done (gpointer user_data, gboolean failed)
{
  ((World *) user_data)->done = failed;
}

static const GstAsSenderCallbacks callbacks = {
  fake_read, fake_rewind, fake_input, fake_send, fake_tcp_info, fake_now,
  fake_now_us, fake_post, fake_tell, fake_playing, fake_connect, fake_disconnect,
  fake_check_peer, fake_wait_audio, fake_wait_until, fake_sleep_ms,
  fake_done,
};

static World *
world_new (void)
{
  World *w = g_new0 (World, 1);

  w->now = T0;
  w->now_us = 1000 * G_USEC_PER_SEC;
  w->live = TRUE;
  w->done = -1;
  w->wire = g_byte_array_new ();
  w->posted = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  w->told = g_ptr_array_new_with_free_func (g_free);
  return w;
}

static void
world_free (World * w)
{
  g_byte_array_unref (w->wire);
  g_ptr_array_unref (w->posted);
  g_ptr_array_unref (w->told);
  g_free (w);
}

static GstAsSender *
sender_new_config (World * w, gboolean adaptive, gboolean with_format,
    guint max_lag_ms)
{
  GstAsSender *s = g_new0 (GstAsSender, 1);
  GstAsSenderConfig config = {
    .target = (gchar *) "127.0.0.1 port 4953",
    .prefill_ms = 100,
    .stats_interval_ms = 0,
    .auto_reconnect = TRUE,
    .reconnect_min_ms = 200,
    .reconnect_max_ms = 800,
    .adaptive_buffer = adaptive,
    .min_buffer_ms = 50,
    .max_buffer_ms = 2000,
    .max_lag_ms = max_lag_ms,
  };

  gst_as_sender_init (s, &config, &callbacks, w);
  if (with_format)
    gst_as_sender_set_format (s, RATE, BPF, CHUNK, RING_FRAMES,
        KERNEL_BYTES);
  return s;
}

#define sender_new_full(w, adaptive, with_format) \
  sender_new_config (w, adaptive, with_format, 0)
#define sender_new(w, adaptive) sender_new_full (w, adaptive, TRUE)

static void
sender_free (GstAsSender * s)
{
  gst_as_sender_clear (s);
  g_free (s);
}

/* Waits for the next deadline the way the element does: the clock reads
 * the deadline (or later, if @late_to is). */
static GstAsSenderResult
send_next (GstAsSender * s, World * w, GstClockTime * due_out)
{
  GstClockTime due = gst_as_sender_next_deadline (s);
  GError *err = NULL;
  GstAsSenderResult r;

  if (due > w->now) {
    w->now_us += (due - w->now) / GST_USECOND;
    w->now = due;
  }
  r = gst_as_sender_send (s, due, w->now, w->now_us, &err);
  g_clear_error (&err);
  if (due_out)
    *due_out = due;
  return r;
}

static guint
count_posted (World * w, const gchar * name)
{
  guint i, n = 0;

  for (i = 0; i < w->posted->len; i++)
    if (gst_structure_has_name (g_ptr_array_index (w->posted, i), name))
      n++;
  return n;
}

/* ------------------------------------------------------------------------ */

/* Chunk k is due at origin + k * chunk / rate exactly, and the wire
 * carries the captured frames in order; EOS drains what is left. */
GST_START_TEST (test_schedule_is_exact)
{
  World *w = world_new ();
  GstAsSender *s = sender_new (w, FALSE);
  GstClockTime due;
  guint k;

  w->write_pos = 100 * CHUNK;
  gst_as_sender_connecting (s);
  gst_as_sender_connected (s, "127.0.0.1:4953");
  gst_as_sender_start (s);

  for (k = 0; k < 99; k++) {
    fail_unless_equals_int (send_next (s, w, &due), GST_AS_SENDER_SENT);
    fail_unless_equals_uint64 (due, T0 + k * CHUNK_DURATION);
  }
  /* after 24 h of deadlines, the arithmetic is still exact */
  fail_unless_equals_uint64 (gst_as_pacer_deadline_for (&s->pacer,
          (guint64) RATE * 86400), T0 + 86400 * GST_SECOND);

  w->eos = TRUE;
  fail_unless_equals_int (send_next (s, w, &due), GST_AS_SENDER_DRAINED);
  fail_unless_equals_uint64 (due, T0 + 99 * CHUNK_DURATION);
  fail_unless_equals_int (w->wire->len, 100 * CHUNK * BPF);
  assert_frames (w->wire->data, 0, 100 * CHUNK);

  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* The caller gives the time (the scheduler reads the clocks once per step
 * of a stream): each chunk's lateness is measured from it, and sending
 * asks for no time of its own. */
GST_START_TEST (test_send_uses_given_time)
{
  World *w = world_new ();
  GstAsSender *s = sender_new (w, FALSE);
  guint k, asked;

  w->write_pos = 100 * CHUNK;
  gst_as_sender_connecting (s);
  gst_as_sender_connected (s, "127.0.0.1:4953");
  gst_as_sender_start (s);

  /* the callbacks' clock stands still at the start; the caller's runs */
  asked = w->now_asked;
  for (k = 0; k < 50; k++) {
    GstClockTime due = gst_as_sender_next_deadline (s);
    GError *err = NULL;

    fail_unless_equals_int (gst_as_sender_send (s, due,
            due + 700 * GST_USECOND, w->now_us + k * CHUNK_DURATION /
            GST_USECOND + 700, &err), GST_AS_SENDER_SENT);
    fail_unless (err == NULL);
  }
  fail_unless_equals_int (w->now_asked, asked);
  fail_unless_equals_int (s->lateness_total.count, 50);
  fail_unless_equals_int64 (gst_as_histogram_quantile (&s->lateness_total,
          0.5), 700);
  fail_unless_equals_int64 (gst_as_histogram_quantile (&s->lateness_total,
          0.99), 700);
  fail_unless_equals_int (w->wire->len, 50 * CHUNK * BPF);

  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* A schedule started on a grid starts at the next clock time @offset past
 * a multiple of the grid (the same instants for every stream of that
 * grid), never before now; no grid starts it now. */
GST_START_TEST (test_start_on_grid)
{
  static const struct
  {
    GstClockTime now, grid, offset, origin;
  } cases[] = {
    {T0 + 12300 * GST_USECOND, 10 * GST_MSECOND, 2 * GST_MSECOND,
        T0 + 22 * GST_MSECOND},
    {T0 + 11 * GST_MSECOND, 10 * GST_MSECOND, 2 * GST_MSECOND,
        T0 + 12 * GST_MSECOND},
    {T0 + 12 * GST_MSECOND, 10 * GST_MSECOND, 2 * GST_MSECOND,
        T0 + 12 * GST_MSECOND},
    {T0 + 1, 10 * GST_MSECOND, 0, T0 + 10 * GST_MSECOND},
    {T0 + 12300 * GST_USECOND, 0, 0, T0 + 12300 * GST_USECOND},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    World *w = world_new ();
    GstAsSender *s = sender_new (w, FALSE);

    w->now = cases[i].now;
    gst_as_sender_start_on_grid (s, cases[i].grid, cases[i].offset);
    fail_unless_equals_uint64 (gst_as_sender_next_deadline (s),
        cases[i].origin);
    sender_free (s);
    world_free (w);
  }
}

GST_END_TEST;

/* The streams of a grid start in groups, in start order, the groups a
 * slot apart around the period; a slot as long as the grid, or no grid,
 * is one place. */
GST_START_TEST (test_grid_offset_groups)
{
  const GstClockTime grid = 10 * GST_MSECOND, slot = 2 * GST_MSECOND;
  guint i;

  /* 64 a group, 5 places in 10 ms: 0, 2, 4, 6, 8 ms, then 0 again */
  for (i = 0; i < 64; i++) {
    fail_unless_equals_uint64 (gst_as_sender_grid_offset (i, 64, grid, slot),
        0);
    fail_unless_equals_uint64 (gst_as_sender_grid_offset (64 + i, 64, grid,
            slot), 2 * GST_MSECOND);
  }
  fail_unless_equals_uint64 (gst_as_sender_grid_offset (4 * 64, 64, grid,
          slot), 8 * GST_MSECOND);
  fail_unless_equals_uint64 (gst_as_sender_grid_offset (5 * 64, 64, grid,
          slot), 0);
  fail_unless_equals_uint64 (gst_as_sender_grid_offset (6 * 64 + 5, 64,
          grid, slot), 2 * GST_MSECOND);
  /* groups of one: every stream its own place, in turn */
  fail_unless_equals_uint64 (gst_as_sender_grid_offset (3, 1, grid, slot),
      6 * GST_MSECOND);
  fail_unless_equals_uint64 (gst_as_sender_grid_offset (3, 0, grid, slot),
      6 * GST_MSECOND);
  /* a grid that is not a multiple of the slot: only places a whole slot
   * apart, across the period's end too (20-ms chunks, 7-ms slots: 0 and
   * 7; 14 would be 6 ms before the next 0) */
  fail_unless_equals_uint64 (gst_as_sender_grid_offset (1, 1,
          20 * GST_MSECOND, 7 * GST_MSECOND), 7 * GST_MSECOND);
  fail_unless_equals_uint64 (gst_as_sender_grid_offset (2, 1,
          20 * GST_MSECOND, 7 * GST_MSECOND), 0);
  /* chunks no longer than a slot: one place */
  fail_unless_equals_uint64 (gst_as_sender_grid_offset (200, 1,
          2 * GST_MSECOND, slot), 0);
  fail_unless_equals_uint64 (gst_as_sender_grid_offset (200, 1,
          GST_MSECOND, slot), 0);
  fail_unless_equals_uint64 (gst_as_sender_grid_offset (7, 1, 0, slot), 0);
}

GST_END_TEST;

/* A live capture that runs dry gets silence (counted); a file's
 * shortfall is not padded, and the schedule moves on by it. */
GST_START_TEST (test_underrun_silence_or_skip)
{
  World *w = world_new ();
  GstAsSender *s = sender_new (w, FALSE);
  GstAsSenderStats st;
  GstClockTime due;

  w->write_pos = CHUNK / 2;
  gst_as_sender_start (s);
  fail_unless_equals_int (send_next (s, w, NULL), GST_AS_SENDER_SENT);
  fail_unless_equals_int (w->wire->len, CHUNK * BPF);
  assert_frames (w->wire->data, 0, CHUNK / 2);
  fail_unless (w->wire->data[CHUNK * BPF - 1] == 0);
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.underruns, 1);
  fail_unless_equals_uint64 (st.silence_frames, CHUNK / 2);
  sender_free (s);
  world_free (w);

  w = world_new ();
  s = sender_new (w, FALSE);
  w->live = FALSE;
  w->write_pos = CHUNK / 2;
  gst_as_sender_start (s);
  fail_unless_equals_int (send_next (s, w, NULL), GST_AS_SENDER_SENT);
  fail_unless_equals_int (w->wire->len, CHUNK / 2 * BPF);
  /* the missing half took its time: the next chunk is due 10 ms later,
   * not 5 */
  fail_unless_equals_int (send_next (s, w, &due), GST_AS_SENDER_IDLE);
  fail_unless_equals_uint64 (due, T0 + CHUNK_DURATION);
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.silence_frames, 0);
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* After an outage the backlog goes out at 1.5x real time, never faster,
 * and audio the capture ring dropped (more lag than it holds) is skipped
 * in the schedule, not waited for. */
GST_START_TEST (test_catch_up_is_bounded)
{
  World *w = world_new ();
  GstAsSender *s = sender_new (w, FALSE);
  GstClockTime due, prev, gap = gst_util_uint64_scale (CHUNK_DURATION, 100,
      150);
  guint k;

  w->write_pos = 300 * CHUNK;
  gst_as_sender_start (s);
  fail_unless_equals_int (send_next (s, w, &due), GST_AS_SENDER_SENT);

  /* the thread was held up for a second */
  w->now += GST_SECOND;
  w->now_us += G_USEC_PER_SEC;
  fail_unless_equals_int (send_next (s, w, &prev), GST_AS_SENDER_SENT);
  fail_unless_equals_uint64 (prev, T0 + CHUNK_DURATION);
  for (k = 0; k < 20; k++) {
    fail_unless_equals_int (send_next (s, w, &due), GST_AS_SENDER_SENT);
    fail_unless_equals_uint64 (due, MAX (prev, T0 + GST_SECOND) + gap);
    prev = due;
  }
  fail_unless (gst_as_pacer_lag (&s->pacer, w->now) > 0);

  /* the ring dropped 100 chunks of unsent audio: the schedule skips them
   * and the sender is no further behind than before */
  {
    GstClockTimeDiff lag = gst_as_pacer_lag (&s->pacer, w->now);

    w->dropped_pending = 100 * CHUNK;
    w->dropped_total = 100 * CHUNK;
    w->read_pos += 100 * CHUNK;
    fail_unless_equals_int (send_next (s, w, &due), GST_AS_SENDER_SENT);
    fail_unless (gst_as_pacer_lag (&s->pacer, w->now) < lag);
    fail_unless_equals_uint64 (gst_as_sender_next_deadline (s),
        gst_as_pacer_deadline_for (&s->pacer, 0) + (23 + 100) *
        CHUNK_DURATION);
  }
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* A lost connection: what the peer did not acknowledge goes out first on
 * the next one, from the frame the acknowledged bytes end in (a receiver
 * drops a partial frame), and the stream joined over both connections is
 * unbroken and without repeats. */
GST_START_TEST (test_resend_from_acknowledged_byte)
{
  World *w = world_new ();
  GstAsSender *s = sender_new (w, FALSE);
  GstAsSenderStats st;
  GByteArray *conn1;
  guint retry_ms = 0;
  guint64 acked_frames = 3 * CHUNK + 17;
  guint k;

  w->write_pos = 20 * CHUNK;
  gst_as_sender_connecting (s);
  gst_as_sender_connected (s, "127.0.0.1:4953");
  gst_as_sender_start (s);
  for (k = 0; k < 10; k++)
    fail_unless_equals_int (send_next (s, w, NULL), GST_AS_SENDER_SENT);

  /* the peer acknowledged 3 chunks, 17 frames and half a frame */
  w->broken = TRUE;
  fail_unless_equals_int (send_next (s, w, NULL), GST_AS_SENDER_LOST);
  gst_as_sender_lost (s, TRUE, acked_frames * BPF + 2);
  fail_unless_equals_int (gst_as_sender_failed (s, "reset", &retry_ms),
      GST_AS_SENDER_RETRY);
  fail_unless (retry_ms >= 160 && retry_ms <= 240, "%u", retry_ms);

  /* in the middle of the outage, every frame fed is delivered or waits
   * in the capture ring: it was rewound to the first frame not wholly
   * acknowledged */
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.frames_sent, acked_frames);
  fail_unless_equals_uint64 (w->read_pos, acked_frames);
  fail_unless (!st.connected);

  conn1 = w->wire;
  g_byte_array_set_size (conn1, acked_frames * BPF);
  w->wire = g_byte_array_new ();
  w->broken = FALSE;
  w->eos = TRUE;
  gst_as_sender_connecting (s);
  gst_as_sender_connected (s, "127.0.0.1:4953");
  while (send_next (s, w, NULL) != GST_AS_SENDER_DRAINED);

  g_byte_array_prepend (w->wire, conn1->data, conn1->len);
  fail_unless_equals_int (w->wire->len, 20 * CHUNK * BPF);
  assert_frames (w->wire->data, 0, 20 * CHUNK);
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.frames_sent, 20 * CHUNK);
  fail_unless_equals_uint64 (st.lost_frames, 0);
  fail_unless_equals_uint64 (st.reconnects, 1);
  fail_unless_equals_uint64 (st.connect_attempts, 2);

  g_byte_array_unref (conn1);
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* The resent audio is paced like any backlog: it starts at once on the
 * new connection and then goes at the catch-up rate, and it is the audio
 * the peer did not acknowledge. */
GST_START_TEST (test_resend_is_paced)
{
  World *w = world_new ();
  GstAsSender *s = sender_new (w, FALSE);
  GstClockTime due, back, gap = gst_util_uint64_scale (CHUNK_DURATION, 100,
      150);
  guint retry_ms, k;

  w->write_pos = 200 * CHUNK;
  gst_as_sender_start (s);
  for (k = 0; k < 10; k++)
    send_next (s, w, NULL);
  w->broken = TRUE;
  fail_unless_equals_int (send_next (s, w, NULL), GST_AS_SENDER_LOST);
  gst_as_sender_lost (s, TRUE, 5 * CHUNK * BPF);
  gst_as_sender_failed (s, "reset", &retry_ms);

  /* back 300 ms later */
  w->now += 300 * GST_MSECOND;
  w->now_us += 300 * 1000;
  back = w->now;
  w->broken = FALSE;
  g_byte_array_set_size (w->wire, 0);
  fail_unless_equals_int (send_next (s, w, &due), GST_AS_SENDER_SENT);
  fail_unless (due <= back);
  for (k = 1; k < 10; k++) {
    fail_unless_equals_int (send_next (s, w, &due), GST_AS_SENDER_SENT);
    fail_unless_equals_uint64 (due, back + k * gap);
  }
  assert_frames (w->wire->data, 5 * CHUNK, 10 * CHUNK);
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* adaptive-buffer: the target rises at once to 1.5 x jitter + 2 chunks
 * (posting a buffer-resize), never beyond max-buffer-ms, falls back with
 * a 4 s half-life, and the schedule slews by 5 % of a chunk towards it. */
GST_START_TEST (test_adaptive_target_moves)
{
  World *w = world_new ();
  GstAsSender *s = sender_new (w, TRUE);
  GstAsSenderStats st;
  const GstStructure *resize;
  guint64 rising;
  GstClockTime before;

  w->write_pos = 1000 * CHUNK;
  gst_as_sender_start (s);
  send_next (s, w, NULL);

  w->capture_jitter_us = 400 * 1000;
  w->now_us += 200 * 1000;
  send_next (s, w, NULL);
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.target_ms, 600 + 20);
  fail_unless (count_posted (w, "audiostreamsink-buffer-resize") >= 1);
  resize = g_ptr_array_index (w->posted, w->posted->len - 1);
  fail_unless (gst_structure_has_name (resize,
          "audiostreamsink-buffer-resize"));
  fail_unless_equals_string (gst_structure_get_string (resize, "reason"),
      "jitter-increase");
  rising = st.target_ms;

  /* 5 s of jitter far above the limit: capped at max-buffer-ms */
  w->capture_jitter_us = 5 * G_USEC_PER_SEC;
  w->now_us += 200 * 1000;
  send_next (s, w, NULL);
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.target_ms, 2000);

  /* the jitter is gone: 4 s later the excess over the floor has halved */
  w->capture_jitter_us = 0;
  w->now_us += 4 * G_USEC_PER_SEC;
  send_next (s, w, NULL);
  gst_as_sender_get_stats (s, &st);
  fail_unless (st.target_ms < 2000 && st.target_ms > rising,
      "%" G_GUINT64_FORMAT, st.target_ms);

  /* the level (1000 chunks queued) is far above the target: each deadline
   * comes 5 % of a chunk early */
  before = gst_as_sender_next_deadline (s);
  w->now_us += 1000;
  send_next (s, w, NULL);
  fail_unless_equals_uint64 (gst_as_sender_next_deadline (s) - before,
      CHUNK_DURATION - CHUNK_DURATION * 5 / 100);
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* EOS while the connection is down: one WARNING that says how much was
 * not delivered (the ring, rewound to what was acknowledged), and the
 * sender finishes instead
 * of waiting for a receiver that may never come. */
GST_START_TEST (test_eos_while_disconnected_finishes)
{
  World *w = world_new ();
  GstAsSender *s = sender_new (w, FALSE);
  guint retry_ms = 0, k;

  w->write_pos = 100 * CHUNK;
  gst_as_sender_connecting (s);
  gst_as_sender_connected (s, "127.0.0.1:4953");
  gst_as_sender_start (s);
  for (k = 0; k < 10; k++)
    send_next (s, w, NULL);
  w->broken = TRUE;
  send_next (s, w, NULL);
  gst_as_sender_lost (s, TRUE, 0);

  w->eos = TRUE;
  fail_unless_equals_int (gst_as_sender_failed (s, "reset", &retry_ms),
      GST_AS_SENDER_FINISH);
  fail_unless_equals_int (w->told->len, 1);
  /* nothing acknowledged: all 100 chunks wait in the ring, 1000 ms */
  fail_unless_equals_string (g_ptr_array_index (w->told, 0),
      "W: Lost the connection to 127.0.0.1 port 4953 at end of stream: "
      "1000 ms of audio were not delivered.");
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* EOS before the first connection, so before the sender took the format:
 * the WARNING still counts the audio left behind in ms of the capture
 * format (it said "0 ms"). */
GST_START_TEST (test_eos_before_any_connection)
{
  World *w = world_new ();
  GstAsSender *s = sender_new_full (w, FALSE, FALSE);
  guint retry_ms = 0;

  w->write_pos = 3 * RATE;
  w->eos = TRUE;
  gst_as_sender_connecting (s);
  fail_unless_equals_int (gst_as_sender_failed (s, "Connection refused",
          &retry_ms), GST_AS_SENDER_FINISH);
  fail_unless_equals_string (g_ptr_array_index (w->told, 0),
      "W: Could not connect to 127.0.0.1 port 4953 at end of stream: "
      "3000 ms of audio were not delivered.");
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* Silence sent for a dry live capture is not resent after a lost
 * connection, and what of it was not acknowledged no longer counts as
 * sent: samples-sent - silence-samples stays the captured audio
 * delivered. */
GST_START_TEST (test_unacknowledged_silence_not_resent)
{
  World *w = world_new ();
  GstAsSender *s = sender_new (w, FALSE);
  GstAsSenderStats st;
  guint retry_ms;

  w->write_pos = 2 * CHUNK;
  gst_as_sender_start (s);
  send_next (s, w, NULL);
  send_next (s, w, NULL);
  /* capture ran dry for a chunk */
  fail_unless_equals_int (send_next (s, w, NULL), GST_AS_SENDER_SENT);
  w->write_pos += CHUNK;
  send_next (s, w, NULL);
  w->broken = TRUE;
  w->write_pos += CHUNK;
  send_next (s, w, NULL);
  /* acknowledged: the first chunk only */
  gst_as_sender_lost (s, TRUE, CHUNK * BPF);
  gst_as_sender_failed (s, "reset", &retry_ms);

  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.frames_sent, CHUNK);
  fail_unless_equals_uint64 (st.silence_frames, 0);
  fail_unless_equals_uint64 (w->read_pos, CHUNK);

  /* the resend is the captured audio, contiguous, without the silence */
  w->broken = FALSE;
  g_byte_array_set_size (w->wire, 0);
  send_next (s, w, NULL);
  send_next (s, w, NULL);
  send_next (s, w, NULL);
  assert_frames (w->wire->data, CHUNK, 3 * CHUNK);
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* Without auto-reconnect the first failure is an ERROR naming the target;
 * with max-reconnect-attempts, the last attempt is. Backoff doubles. */
GST_START_TEST (test_failures_back_off_then_give_up)
{
  World *w = world_new ();
  GstAsSender *s = sender_new (w, FALSE);
  guint retry_ms = 0, i;
  const guint bases[] = { 200, 400, 800, 800 };

  for (i = 0; i < G_N_ELEMENTS (bases); i++) {
    gst_as_sender_connecting (s);
    fail_unless_equals_int (gst_as_sender_failed (s, "Connection refused",
            &retry_ms), GST_AS_SENDER_RETRY);
    fail_unless (retry_ms >= bases[i] * 8 / 10 &&
        retry_ms <= bases[i] * 12 / 10, "%u: %u", i, retry_ms);
    w->now_us += retry_ms * 1000;
  }
  /* one WARNING a second at most */
  fail_unless (w->told->len >= 2 && w->told->len <= 3, "%u", w->told->len);
  fail_unless_equals_string (g_ptr_array_index (w->told, 0),
      "W: Could not connect to 127.0.0.1 port 4953: Connection refused. "
      "Retrying in 0.2 s.");
  fail_unless (g_str_has_prefix (g_ptr_array_index (w->told, 0),
          "W: Could not connect to 127.0.0.1 port 4953: Connection refused."));
  sender_free (s);
  world_free (w);

  w = world_new ();
  s = sender_new (w, FALSE);
  s->config.max_reconnect_attempts = 2;
  gst_as_sender_connecting (s);
  fail_unless_equals_int (gst_as_sender_failed (s, "Connection refused",
          &retry_ms), GST_AS_SENDER_RETRY);
  gst_as_sender_connecting (s);
  fail_unless_equals_int (gst_as_sender_failed (s, "Connection refused",
          &retry_ms), GST_AS_SENDER_GIVE_UP);
  fail_unless_equals_string (g_ptr_array_index (w->told, w->told->len - 1),
      "E: Gave up on 127.0.0.1 port 4953 after 2 attempts: "
      "Connection refused.");
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* The whole thread: two refused attempts with their backoff, then a
 * connection that streams everything and drains at EOS; the connection
 * messages tell that story in order. */
GST_START_TEST (test_run_connects_streams_drains)
{
  World *w = world_new ();
  GstAsSender *s = sender_new_full (w, FALSE, FALSE);
  const gchar *expected[] = { "connecting", "waiting", "connecting",
    "waiting", "connecting", "connected", "disconnected"
  };
  guint i, n = 0;

  w->refuse = 2;
  w->write_pos = 50 * CHUNK;
  /* (EOS while disconnected would end the stream at the next failure) */
  w->eos_when_connected = TRUE;
  gst_as_sender_run (s);

  fail_unless_equals_int (w->done, 0);
  fail_unless (w->drained_connection);
  fail_unless_equals_int (w->wire->len, 50 * CHUNK * BPF);
  assert_frames (w->wire->data, 0, 50 * CHUNK);
  /* 200 ms and 400 ms, each +/-20 % */
  fail_unless (w->slept_ms >= 480 && w->slept_ms <= 720, "%" G_GUINT64_FORMAT,
      w->slept_ms);
  for (i = 0; i < w->posted->len; i++) {
    const GstStructure *st = g_ptr_array_index (w->posted, i);

    if (!gst_structure_has_name (st, "audiostreamsink-connection"))
      continue;
    fail_unless (n < G_N_ELEMENTS (expected));
    fail_unless_equals_string (gst_structure_get_string (st, "state"),
        expected[n]);
    n++;
  }
  fail_unless_equals_int (n, G_N_ELEMENTS (expected));
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* max-lag-ms                                                               */

#define PREFILL_FRAMES (RATE / 10)      /* prefill-ms = 100 */

/* A live capture at real time from T0, with the prefill buffered first. */
static void
capture_until_now (World * w)
{
  w->write_pos = PREFILL_FRAMES + gst_util_uint64_scale (w->now - T0, RATE,
      GST_SECOND);
}

static void
advance (World * w, GstClockTime t)
{
  w->now += t;
  w->now_us += t / GST_USECOND;
  capture_until_now (w);
}

/* Sends the next chunk the way the thread does, then lets capture catch up
 * with the clock. */
static GstAsSenderResult
live_send (GstAsSender * s, World * w)
{
  GstAsSenderResult r;

  capture_until_now (w);
  r = send_next (s, w, NULL);
  capture_until_now (w);
  return r;
}

static void
stream_live (GstAsSender * s, World * w, guint chunks)
{
  guint k;

  for (k = 0; k < chunks; k++)
    fail_unless_equals_int (live_send (s, w), GST_AS_SENDER_SENT);
}

/* Streams 1 s, then loses the connection (the peer acknowledged all but
 * the last two chunks) for @outage, and reconnects. */
static void
outage_and_back (GstAsSender * s, World * w, GstClockTime outage)
{
  GstAsSenderStats st;
  guint retry_ms;

  gst_as_sender_connecting (s);
  gst_as_sender_connected (s, "127.0.0.1:4953");
  gst_as_sender_start (s);
  stream_live (s, w, 100);
  gst_as_sender_get_stats (s, &st);

  w->broken = TRUE;
  fail_unless_equals_int (live_send (s, w), GST_AS_SENDER_LOST);
  gst_as_sender_lost (s, TRUE, (st.frames_sent - 2 * CHUNK) * BPF);
  fail_unless_equals_int (gst_as_sender_failed (s, "reset", &retry_ms),
      GST_AS_SENDER_RETRY);
  advance (w, outage);

  w->broken = FALSE;
  g_byte_array_set_size (w->wire, 0);
  gst_as_sender_connecting (s);
  gst_as_sender_connected (s, "127.0.0.1:4953");
}

/* The delay of the audio going out now beyond the target: the capture
 * ring's backlog over prefill-ms. */
static GstClockTimeDiff
extra_delay (World * w)
{
  return gst_util_uint64_scale_int (w->write_pos - w->read_pos, GST_SECOND,
      RATE) - (GstClockTimeDiff) 100 * GST_MSECOND;
}

static const GstStructure *
last_posted (World * w, const gchar * name)
{
  guint i;

  for (i = w->posted->len; i > 0; i--)
    if (gst_structure_has_name (g_ptr_array_index (w->posted, i - 1), name))
      return g_ptr_array_index (w->posted, i - 1);
  return NULL;
}

/* The default keeps every backlog: after a 3 s outage the stream stays
 * 3 s late while the receiver reads at real time (the chunks are sent on
 * their schedule, which a real receiver's pace would hold the catch-up
 * to: here every deadline is met only because we wait for it). */
GST_START_TEST (test_max_lag_off_keeps_backlog)
{
  World *w = world_new ();
  GstAsSender *s = sender_new (w, FALSE);
  GstAsSenderStats st;

  outage_and_back (s, w, 3 * GST_SECOND);
  fail_unless (extra_delay (w) >= 3 * GST_SECOND);
  fail_unless_equals_int (live_send (s, w), GST_AS_SENDER_SENT);
  fail_unless (extra_delay (w) >= 3 * GST_SECOND);
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.lag_dropped_frames, 0);
  fail_unless (last_posted (w, "audiostreamsink-lag-drop") == NULL);
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* max-lag-ms=500, a 3 s outage: the first deadline after the reconnection
 * drops the whole backlog beyond the target, oldest first (including the
 * two chunks the peer had not acknowledged), counts it, posts it, and the
 * stream goes on from the newest audio on its real-time schedule. */
GST_START_TEST (test_max_lag_drops_backlog_to_target)
{
  World *w = world_new ();
  GstAsSender *s = sender_new_config (w, FALSE, TRUE, 500);
  GstAsSenderStats st;
  const GstStructure *msg;
  guint64 backlog, dropped = 0, from;
  guint k;

  outage_and_back (s, w, 3 * GST_SECOND);
  backlog = w->write_pos - w->read_pos;
  fail_unless (backlog >= 3 * RATE + 2 * CHUNK);

  fail_unless_equals_int (live_send (s, w), GST_AS_SENDER_SENT);
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.lag_dropped_frames, backlog - PREFILL_FRAMES);
  from = w->read_pos - CHUNK;
  fail_unless_equals_uint64 (from, w->write_pos - PREFILL_FRAMES);
  assert_frames (w->wire->data, from, CHUNK);

  msg = last_posted (w, "audiostreamsink-lag-drop");
  fail_unless (msg != NULL);
  fail_unless (gst_structure_get_uint64 (msg, "dropped-samples", &dropped));
  fail_unless_equals_uint64 (dropped, backlog - PREFILL_FRAMES);
  fail_unless_equals_string (g_ptr_array_index (w->told, w->told->len - 1),
      "I: The stream was 3020 ms behind its target delay, more than "
      "max-lag-ms (500): dropped the oldest 3020 ms to return to live.");

  /* back on the real-time schedule at the target delay, unbroken */
  for (k = 0; k < 200; k++) {
    fail_unless_equals_int (live_send (s, w), GST_AS_SENDER_SENT);
    fail_unless (extra_delay (w) <= 0, "%" G_GINT64_FORMAT,
        extra_delay (w));
    fail_unless (extra_delay (w) >= -2 * (GstClockTimeDiff) CHUNK_DURATION);
  }
  fail_unless_equals_int (w->wire->len, 201 * CHUNK * BPF);
  assert_frames (w->wire->data, from, 201 * CHUNK);
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.lag_dropped_frames, backlog - PREFILL_FRAMES);
  fail_unless_equals_uint64 (st.lost_frames, 0);
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* An outage shorter than max-lag-ms loses nothing: the backlog is
 * resent and caught up on as without the property. */
GST_START_TEST (test_max_lag_spares_short_outage)
{
  World *w = world_new ();
  GstAsSender *s = sender_new_config (w, FALSE, TRUE, 500);
  GstAsSenderStats st;
  guint64 resume;

  outage_and_back (s, w, 300 * GST_MSECOND);
  resume = w->read_pos;
  fail_unless_equals_int (live_send (s, w), GST_AS_SENDER_SENT);
  assert_frames (w->wire->data, resume, CHUNK);
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.lag_dropped_frames, 0);
  fail_unless (last_posted (w, "audiostreamsink-lag-drop") == NULL);
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* A file's backlog is audio read ahead, not delay: never dropped. */
GST_START_TEST (test_max_lag_never_drops_a_file)
{
  World *w = world_new ();
  GstAsSender *s = sender_new_config (w, FALSE, TRUE, 100);
  GstAsSenderStats st;

  w->live = FALSE;
  w->write_pos = 4 * RATE;
  gst_as_sender_start (s);
  fail_unless_equals_int (send_next (s, w, NULL), GST_AS_SENDER_SENT);
  assert_frames (w->wire->data, 0, CHUNK);
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.lag_dropped_frames, 0);
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* A drop in the middle of a connection that is then lost: the chunks sent
 * before the drop that the peer did not acknowledge are older than what
 * was dropped, so they are not resent (which would put 1 s of stale audio
 * back), and are counted with the drop. */
GST_START_TEST (test_max_lag_drop_not_undone_by_resend)
{
  World *w = world_new ();
  GstAsSender *s = sender_new_config (w, FALSE, TRUE, 500);
  GstAsSenderStats st;
  guint64 acked, floor_pos, dropped_before;
  guint retry_ms;

  gst_as_sender_connecting (s);
  gst_as_sender_connected (s, "127.0.0.1:4953");
  gst_as_sender_start (s);
  stream_live (s, w, 20);
  acked = 15 * CHUNK;

  /* the sending thread was held up for a second: a drop */
  advance (w, GST_SECOND);
  fail_unless_equals_int (live_send (s, w), GST_AS_SENDER_SENT);
  gst_as_sender_get_stats (s, &st);
  dropped_before = st.lag_dropped_frames;
  fail_unless (dropped_before > RATE / 2);
  floor_pos = w->read_pos - CHUNK;

  /* then the connection is lost with 5 chunks before the drop and the one
   * after it unacknowledged */
  w->broken = TRUE;
  fail_unless_equals_int (live_send (s, w), GST_AS_SENDER_LOST);
  gst_as_sender_lost (s, TRUE, acked * BPF);
  gst_as_sender_failed (s, "reset", &retry_ms);
  fail_unless_equals_uint64 (w->read_pos, floor_pos);
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.lag_dropped_frames,
      dropped_before + 5 * CHUNK);
  fail_unless_equals_uint64 (st.frames_sent, acked);
  fail_unless_equals_uint64 (st.lost_frames, 0);

  w->broken = FALSE;
  g_byte_array_set_size (w->wire, 0);
  gst_as_sender_connecting (s);
  gst_as_sender_connected (s, "127.0.0.1:4953");
  fail_unless_equals_int (send_next (s, w, NULL), GST_AS_SENDER_SENT);
  assert_frames (w->wire->data, floor_pos, CHUNK);
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* A fatal failure while the pipeline is still on its way to PLAYING (its
 * first state change may still be under way in the application's thread)
 * is told once the element is PLAYING; one that never gets there is told
 * after 1 s all the same. (gst-launch-1.0 quit its main loop before running
 * it when the ERROR came inside set_state(), and hung.) */
GST_START_TEST (test_fatal_error_waits_for_playing)
{
  World *w = world_new ();
  GstAsSender *s = sender_new (w, FALSE);
  guint retry_ms = 0;

  s->config.auto_reconnect = FALSE;
  w->playing_after_ms = 300;
  gst_as_sender_connecting (s);
  fail_unless_equals_int (gst_as_sender_failed (s, "Connection refused",
          &retry_ms), GST_AS_SENDER_GIVE_UP);
  fail_unless (!w->error_before_playing);
  fail_unless_equals_uint64 (w->slept_ms, 300);
  fail_unless_equals_string (g_ptr_array_index (w->told, w->told->len - 1),
      "E: Could not connect to 127.0.0.1 port 4953: Connection refused.");
  sender_free (s);
  world_free (w);

  w = world_new ();
  s = sender_new (w, FALSE);
  s->config.auto_reconnect = FALSE;
  w->playing_after_ms = G_MAXUINT64;
  gst_as_sender_connecting (s);
  fail_unless_equals_int (gst_as_sender_failed (s, "Connection refused",
          &retry_ms), GST_AS_SENDER_GIVE_UP);
  fail_unless_equals_uint64 (w->slept_ms, 1000);
  fail_unless_equals_string (g_ptr_array_index (w->told, w->told->len - 1),
      "E: Could not connect to 127.0.0.1 port 4953: Connection refused.");
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* The element prefilled less than prefill-ms (its upstream's buffers need
 * the room): the target starts there, and the adaptive target never rises
 * above it, however large the jitter. */
GST_START_TEST (test_limited_prefill_caps_the_target)
{
  World *w = world_new ();
  GstAsSender *s = sender_new (w, TRUE);
  GstAsSenderStats st;

  gst_as_sender_limit_prefill (s, RATE * 60 / 1000);
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.target_ms, 60);

  w->write_pos = 1000 * CHUNK;
  gst_as_sender_start (s);
  send_next (s, w, NULL);
  w->capture_jitter_us = 400 * 1000;
  w->now_us += 200 * 1000;
  send_next (s, w, NULL);
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.target_ms, 60);

  /* 0 (or more than prefill-ms allows) changes nothing */
  sender_free (s);
  world_free (w);
  w = world_new ();
  s = sender_new (w, FALSE);
  gst_as_sender_limit_prefill (s, 0);
  gst_as_sender_limit_prefill (s, RATE);
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.target_ms, 100);
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* The ring overflowing during an outage is told once, as what it is (the
 * receiver is unreachable), and then only counted; overflows on a later
 * connection that does not keep up are a new episode, told once again. */
GST_START_TEST (test_ring_full_told_once_per_outage)
{
  World *w = world_new ();
  GstAsSender *s = sender_new (w, FALSE);
  guint retry_ms = 0, i, warnings = 0;
  const gchar *text;

  gst_as_sender_connecting (s);
  gst_as_sender_failed (s, "Connection refused", &retry_ms);
  g_ptr_array_set_size (w->told, 0);
  /* 3 s of outage with the ring dropping the oldest audio all along */
  for (i = 0; i < 30; i++) {
    w->overflows += 10;
    w->dropped_total += 10 * CHUNK;
    w->now_us += 100 * 1000;
    gst_as_sender_tick (s);
  }
  for (i = 0; i < w->told->len; i++)
    if (strstr (g_ptr_array_index (w->told, i), "ring buffer is full"))
      warnings++;
  fail_unless_equals_int (warnings, 1);
  text = g_ptr_array_index (w->told, 0);
  fail_unless (g_str_has_prefix (text, "W: The ring buffer is full while "
          "127.0.0.1 port 4953 is unreachable"), "%s", text);
  fail_if (strstr (text, "network does not keep up"), "%s", text);

  gst_as_sender_connecting (s);
  gst_as_sender_connected (s, "127.0.0.1:4953");
  g_ptr_array_set_size (w->told, 0);
  for (i = 0; i < 30; i++) {
    w->overflows += 1;
    w->now_us += 100 * 1000;
    gst_as_sender_tick (s);
  }
  fail_unless_equals_int (w->told->len, 1);
  fail_unless (strstr (g_ptr_array_index (w->told, 0), "does not take the "
          "audio as fast as it comes"), "%s",
      (gchar *) g_ptr_array_index (w->told, 0));
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

/* A TLS receiver that cannot be trusted: one ERROR naming it and the
 * reason, connection state failed, and no retry even with auto-reconnect. */
GST_START_TEST (test_untrusted_peer_is_fatal)
{
  World *w = world_new ();
  GstAsSender *s = sender_new_full (w, FALSE, FALSE);
  const GstStructure *last;
  GstAsSenderStats st;

  w->untrusted = TRUE;
  w->write_pos = 50 * CHUNK;
  gst_as_sender_run (s);

  fail_unless_equals_int (w->done, 1);
  fail_unless_equals_uint64 (w->slept_ms, 0);
  fail_unless_equals_int (w->wire->len, 0);
  fail_unless_equals_int (w->told->len, 1);
  fail_unless_equals_string (g_ptr_array_index (w->told, 0),
      "E: Refusing to send to 127.0.0.1 port 4953: the TLS certificate "
      "presented for 127.0.0.1 is not acceptable: it has expired.");
  last = g_ptr_array_index (w->posted, w->posted->len - 1);
  fail_unless_equals_string (gst_structure_get_string (last, "state"),
      "failed");
  gst_as_sender_get_stats (s, &st);
  fail_unless_equals_uint64 (st.connect_attempts, 1);
  sender_free (s);
  world_free (w);
}

GST_END_TEST;

static Suite *
sender_suite (void)
{
  Suite *s = suite_create ("sender");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_schedule_is_exact);
  tcase_add_test (tc, test_send_uses_given_time);
  tcase_add_test (tc, test_underrun_silence_or_skip);
  tcase_add_test (tc, test_catch_up_is_bounded);
  tcase_add_test (tc, test_resend_from_acknowledged_byte);
  tcase_add_test (tc, test_resend_is_paced);
  tcase_add_test (tc, test_unacknowledged_silence_not_resent);
  tcase_add_test (tc, test_adaptive_target_moves);
  tcase_add_test (tc, test_eos_while_disconnected_finishes);
  tcase_add_test (tc, test_failures_back_off_then_give_up);
  tcase_add_test (tc, test_run_connects_streams_drains);
  tcase_add_test (tc, test_untrusted_peer_is_fatal);
  tcase_add_test (tc, test_eos_before_any_connection);
  tcase_add_test (tc, test_max_lag_off_keeps_backlog);
  tcase_add_test (tc, test_max_lag_drops_backlog_to_target);
  tcase_add_test (tc, test_max_lag_spares_short_outage);
  tcase_add_test (tc, test_max_lag_never_drops_a_file);
  tcase_add_test (tc, test_max_lag_drop_not_undone_by_resend);
  tcase_add_test (tc, test_fatal_error_waits_for_playing);
  tcase_add_test (tc, test_limited_prefill_caps_the_target);
  tcase_add_test (tc, test_ring_full_told_once_per_outage);
  tcase_add_test (tc, test_start_on_grid);
  tcase_add_test (tc, test_grid_offset_groups);
  return s;
}

GST_CHECK_MAIN (sender);
