/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* audiostreamsrc's receiving side without the element: real senders on
 * 127.0.0.1 against a session, and what it outputs and tells. */

#include <gst/check/gstcheck.h>

#include "audiostream/receivesession.h"

typedef struct
{
  GstAsReceiveEvent event;
  gchar *remote;
  gchar *new_remote;
  gchar *address;
  gchar *error;
  guint partial_bytes;
  gboolean tell;
} Notice;

typedef struct
{
  GMutex lock;
  GstAsReceiver receiver;
  GstAsReceiveSession *session;
  GCancellable *cancellable;
  GArray *notices;              /* Notice */
  GByteArray *audio;            /* what came in, not silence */
  guint64 silence_frames;       /* what came out as silence */
  gint port;
} Fixture;

static void
on_notice (const GstAsReceiveNotice * n, gpointer user_data)
{
  Fixture *f = user_data;
  Notice copy = { n->event, g_strdup (n->remote), g_strdup (n->new_remote),
    g_strdup (n->address), g_strdup (n->error), n->partial_bytes, n->tell
  };

  g_array_append_val (f->notices, copy);
}

static Fixture *
fixture_new (const gchar * allowed)
{
  GstAsTransportTarget target = { 0, };
  GstAsListenerSecurity sec = { allowed, NULL, NULL, NULL, FALSE };
  Fixture *f = g_new0 (Fixture, 1);
  GstAsListener *listener;
  GstAudioInfo info;
  GError *err = NULL;

  target.host = "127.0.0.1";
  listener = gst_as_listener_new (&target, &err);
  fail_unless (listener != NULL, "%s", err ? err->message : "");
  fail_unless (gst_as_listener_secure (listener, &sec, &err));
  f->port = gst_as_listener_port (listener);
  /* S16LE stereo: 4-byte frames */
  gst_audio_info_set_format (&info, GST_AUDIO_FORMAT_S16LE, 48000, 2, NULL);
  g_mutex_init (&f->lock);
  gst_as_receiver_init (&f->receiver, 4);
  f->cancellable = g_cancellable_new ();
  f->notices = g_array_new (FALSE, TRUE, sizeof (Notice));
  f->audio = g_byte_array_new ();
  f->session = gst_as_receive_session_new (listener, &info, &f->receiver,
      &f->lock, on_notice, f);
  return f;
}

static void
fixture_free (Fixture * f)
{
  guint i;

  gst_as_receive_session_free (f->session);
  for (i = 0; i < f->notices->len; i++) {
    Notice *n = &g_array_index (f->notices, Notice, i);

    g_free (n->remote);
    g_free (n->new_remote);
    g_free (n->address);
    g_free (n->error);
  }
  g_array_unref (f->notices);
  g_byte_array_unref (f->audio);
  g_object_unref (f->cancellable);
  g_mutex_clear (&f->lock);
  g_free (f);
}

/* One step, its buffer sorted into audio and silence. */
static void
step (Fixture * f)
{
  GstBuffer *buf = NULL;
  GstMapInfo map;
  guint i;

  fail_unless_equals_int (gst_as_receive_session_step (f->session,
          f->cancellable, g_get_monotonic_time () + 20000, &buf),
      GST_FLOW_OK);
  if (buf == NULL)
    return;
  gst_buffer_map (buf, &map, GST_MAP_READ);
  fail_unless_equals_int (map.size % 4, 0);
  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
    for (i = 0; i < map.size; i++)
      fail_unless_equals_int (map.data[i], 0);
    f->silence_frames += map.size / 4;
  } else {
    g_byte_array_append (f->audio, map.data, map.size);
  }
  gst_buffer_unmap (buf, &map);
  gst_buffer_unref (buf);
}

/* Steps until @n notices were told (5 s at most). */
static void
step_until_notices (Fixture * f, guint n)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (f->notices->len < n && g_get_monotonic_time () < end)
    step (f);
  fail_unless (f->notices->len >= n, "%u of %u notices", f->notices->len, n);
}

static Notice *
notice (Fixture * f, guint i)
{
  return &g_array_index (f->notices, Notice, i);
}

static GSocketConnection *
connect_sender (Fixture * f, gchar ** local)
{
  GSocketClient *client = g_socket_client_new ();
  GSocketConnection *c;
  GSocketAddress *addr;
  GError *err = NULL;

  c = g_socket_client_connect_to_host (client, "127.0.0.1", f->port, NULL,
      &err);
  fail_unless (c != NULL, "%s", err ? err->message : "");
  g_object_unref (client);
  if (local) {
    addr = g_socket_connection_get_local_address (c, NULL);
    *local = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (addr));
    g_object_unref (addr);
  }
  return c;
}

static void
send_bytes (GSocketConnection * c, const guint8 * data, gsize len)
{
  fail_unless (g_output_stream_write_all (g_io_stream_get_output_stream
          (G_IO_STREAM (c)), data, len, NULL, NULL, NULL));
}

/* Nobody sends: silence, at real time, and counted. */
GST_START_TEST (test_silence_while_idle)
{
  gint64 before = g_get_monotonic_time ();
  Fixture *f = fixture_new (NULL);
  gint64 after = g_get_monotonic_time (), last = after, now, gap = 0;
  guint64 most, least;

  while ((now = g_get_monotonic_time ()) - after < 200 * 1000) {
    gap = MAX (gap, now - last);
    last = now;
    step (f);
  }
  /* never more than real time since the session began (after @before) */
  most = gst_util_uint64_scale_int (g_get_monotonic_time () - before, 48000,
      G_USEC_PER_SEC);
  fail_unless (f->silence_frames <= most, "%" G_GUINT64_FORMAT " of %"
      G_GUINT64_FORMAT, f->silence_frames, most);
  /* and all that was due when the last step began, but for less than one
   * interval; unless the machine stalled this thread for so long that the
   * session took it for a pause (a clock that restarts, libs/receiver) */
  least = gst_util_uint64_scale_int (last - after, 48000, G_USEC_PER_SEC);
  if (gap < 90 * 1000)
    fail_unless (f->silence_frames + 960 >= least, "%" G_GUINT64_FORMAT
        " of %" G_GUINT64_FORMAT, f->silence_frames, least);
  fail_unless (f->silence_frames > 0);
  fail_unless_equals_uint64 (f->receiver.stats.silence_frames,
      f->silence_frames);
  fail_unless_equals_int (f->audio->len, 0);
  fail_unless_equals_int (f->notices->len, 0);
  fixture_free (f);
}

GST_END_TEST;

/* A sender's whole frames come out intact; the half frame it leaves
 * behind is discarded, counted and told. */
GST_START_TEST (test_frames_and_close)
{
  Fixture *f = fixture_new (NULL);
  const guint8 data[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
  gchar *local;
  GSocketConnection *c = connect_sender (f, &local);

  send_bytes (c, data, 5);
  send_bytes (c, data + 5, 5);
  g_io_stream_close (G_IO_STREAM (c), NULL, NULL);
  step_until_notices (f, 2);

  fail_unless_equals_int (notice (f, 0)->event, GST_AS_RECEIVE_ACCEPTED);
  fail_unless_equals_string (notice (f, 0)->remote, local);
  fail_unless_equals_int (notice (f, 1)->event, GST_AS_RECEIVE_CLOSED);
  fail_unless_equals_string (notice (f, 1)->remote, local);
  fail_unless (notice (f, 1)->error == NULL);
  fail_unless_equals_int (notice (f, 1)->partial_bytes, 2);
  fail_unless_equals_int (f->audio->len, 8);
  fail_unless (memcmp (f->audio->data, data, 8) == 0);
  fail_unless_equals_uint64 (f->receiver.stats.frames, 2);
  fail_unless_equals_uint64 (f->receiver.stats.partial_frames, 1);
  fail_unless_equals_uint64 (f->receiver.stats.partial_bytes, 2);
  fail_if (f->receiver.connected);

  g_object_unref (c);
  g_free (local);
  fixture_free (f);
}

GST_END_TEST;

/* A second sender replaces the first, which is told by name; the audio
 * that follows is the new sender's. */
GST_START_TEST (test_newest_sender_wins)
{
  Fixture *f = fixture_new (NULL);
  const guint8 a_data[4] = { 1, 1, 1, 1 }, b_data[4] = { 2, 2, 2, 2 };
  gchar *a_local, *b_local;
  GSocketConnection *a = connect_sender (f, &a_local), *b;
  gint64 end;

  send_bytes (a, a_data, 4);
  step_until_notices (f, 1);
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (f->audio->len < 4 && g_get_monotonic_time () < end)
    step (f);

  b = connect_sender (f, &b_local);
  step_until_notices (f, 3);
  fail_unless_equals_int (notice (f, 1)->event, GST_AS_RECEIVE_REPLACED);
  fail_unless_equals_string (notice (f, 1)->remote, a_local);
  fail_unless_equals_string (notice (f, 1)->new_remote, b_local);
  fail_unless_equals_int (notice (f, 2)->event, GST_AS_RECEIVE_ACCEPTED);
  fail_unless_equals_string (notice (f, 2)->remote, b_local);

  send_bytes (b, b_data, 4);
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (f->audio->len < 8 && g_get_monotonic_time () < end)
    step (f);
  fail_unless_equals_int (f->audio->len, 8);
  fail_unless (memcmp (f->audio->data, a_data, 4) == 0);
  fail_unless (memcmp (f->audio->data + 4, b_data, 4) == 0);
  fail_unless_equals_uint64 (f->receiver.stats.replaced, 1);
  fail_unless_equals_uint64 (f->receiver.stats.senders, 2);
  fail_unless (f->receiver.connected);

  g_object_unref (a);
  g_object_unref (b);
  g_free (a_local);
  g_free (b_local);
  fixture_free (f);
}

GST_END_TEST;

/* A sender not in the allowlist is counted each time and told about
 * once. */
GST_START_TEST (test_refused_told_once)
{
  Fixture *f = fixture_new ("10.1.2.3");
  GSocketConnection *c1 = connect_sender (f, NULL), *c2;

  step_until_notices (f, 1);
  c2 = connect_sender (f, NULL);
  step_until_notices (f, 2);
  fail_unless_equals_int (notice (f, 0)->event, GST_AS_RECEIVE_REFUSED);
  fail_unless_equals_string (notice (f, 0)->address, "127.0.0.1");
  fail_unless (notice (f, 0)->error != NULL);
  fail_unless (notice (f, 0)->tell);
  fail_unless_equals_int (notice (f, 1)->event, GST_AS_RECEIVE_REFUSED);
  fail_if (notice (f, 1)->tell);
  fail_unless_equals_uint64 (f->receiver.stats.refused, 2);
  fail_unless_equals_uint64 (f->receiver.stats.senders, 0);

  g_object_unref (c1);
  g_object_unref (c2);
  fixture_free (f);
}

GST_END_TEST;

GST_START_TEST (test_cancel_flushes)
{
  Fixture *f = fixture_new (NULL);
  GstBuffer *buf = NULL;

  g_cancellable_cancel (f->cancellable);
  fail_unless_equals_int (gst_as_receive_session_step (f->session,
          f->cancellable, G_MAXINT64, &buf), GST_FLOW_FLUSHING);
  fail_unless (buf == NULL);
  fixture_free (f);
}

GST_END_TEST;

static Suite *
receivesession_suite (void)
{
  Suite *s = suite_create ("receivesession");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_silence_while_idle);
  tcase_add_test (tc, test_frames_and_close);
  tcase_add_test (tc, test_newest_sender_wins);
  tcase_add_test (tc, test_refused_told_once);
  tcase_add_test (tc, test_cancel_flushes);
  return s;
}

GST_CHECK_MAIN (receivesession);
