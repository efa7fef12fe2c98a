/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* audiostreamsrc with real senders: TCP connections on 127.0.0.1 (the
 * element listens on port 0 and the test reads current-port), IPv6 and a
 * Unix socket. The harness's test clock stands for the pipeline clock, so
 * the arrival timestamps are checked exactly. */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#define CHANNELS 2
#define BPF (2 * CHANNELS)
#define T0 (7 * GST_SECOND)

static GstHarness *
setup_src_full (GstBus * bus, const gchar * first_prop, ...)
{
  GstElement *src = gst_element_factory_make ("audiostreamsrc", NULL);
  GstHarness *h;
  va_list args;

  fail_unless (src != NULL);
  if (bus)
    gst_element_set_bus (src, bus);
  g_object_set (src, "host", "127.0.0.1", "port", 0, "stats-interval-ms", 0,
      NULL);
  va_start (args, first_prop);
  if (first_prop)
    g_object_set_valist (G_OBJECT (src), first_prop, args);
  va_end (args);
  h = gst_harness_new_with_element (src, NULL, "src");
  gst_object_unref (src);
  gst_harness_use_testclock (h);
  gst_harness_set_time (h, T0);
  gst_harness_play (h);
  return h;
}

#define setup_src() setup_src_full (NULL, NULL)

static guint16
src_port (GstHarness * h)
{
  gint port = 0;

  g_object_get (h->element, "current-port", &port, NULL);
  fail_unless (port > 0);
  return port;
}

static guint64
stats_uint64 (GstHarness * h, const gchar * field)
{
  GstStructure *s = NULL;
  guint64 v = 0;

  g_object_get (h->element, "stats", &s, NULL);
  fail_unless (s != NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s", field);
  gst_structure_free (s);
  return v;
}

static GSocketConnection *
connect_sender (GSocketAddress * addr)
{
  GSocketClient *client = g_socket_client_new ();
  GSocketConnection *conn;
  GError *err = NULL;

  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr), NULL,
      &err);
  fail_unless (conn != NULL, "connect: %s", err ? err->message : "?");
  g_object_unref (client);
  return conn;
}

static GSocketConnection *
connect_tcp (const gchar * host, guint16 port)
{
  GSocketAddress *addr = g_inet_socket_address_new_from_string (host, port);
  GSocketConnection *conn = connect_sender (addr);

  /* every write its own segment */
  g_socket_set_option (g_socket_connection_get_socket (conn), IPPROTO_TCP,
      TCP_NODELAY, 1, NULL);
  g_object_unref (addr);
  return conn;
}

static void
send_bytes (GSocketConnection * conn, const guint8 * data, gsize len)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));

  fail_unless (g_output_stream_write_all (out, data, len, NULL, NULL, NULL));
}

/* Counter pattern: 16-bit sample i of the stream holds i. */
static guint8 *
counter_bytes (guint first_sample, guint n_frames)
{
  guint8 *data = g_malloc (n_frames * BPF);
  guint i;

  for (i = 0; i < n_frames * CHANNELS; i++)
    GST_WRITE_UINT16_LE (data + 2 * i, (guint16) (first_sample + i));
  return data;
}

/* Pulls buffers until @want bytes of audio (not GAP silence) came, checking
 * that each holds whole frames and carries @pts. */
static GByteArray *
pull_audio (GstHarness * h, gsize want, GstClockTime pts)
{
  GByteArray *got = g_byte_array_new ();
  gint64 give_up = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  while (got->len < want) {
    GstBuffer *buf = gst_harness_try_pull (h);
    GstMapInfo map;

    if (buf == NULL) {
      fail_unless (g_get_monotonic_time () < give_up, "only %u of %"
          G_GSIZE_FORMAT " bytes arrived", got->len, want);
      g_usleep (1000);
      continue;
    }
    if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
      gst_buffer_unref (buf);
      continue;
    }
    fail_unless_equals_int (gst_buffer_get_size (buf) % BPF, 0);
    if (GST_CLOCK_TIME_IS_VALID (pts))
      fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), pts);
    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_byte_array_append (got, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
  }
  return got;
}

/* waits until @cond holds for @field of the stats, for at most 5 s */
static void
wait_stats (GstHarness * h, const gchar * field, guint64 value)
{
  gint64 give_up = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  while (stats_uint64 (h, field) != value) {
    fail_unless (g_get_monotonic_time () < give_up, "%s: %" G_GUINT64_FORMAT
        ", expected %" G_GUINT64_FORMAT, field, stats_uint64 (h, field),
        value);
    g_usleep (1000);
  }
}

/* ------------------------------------------------------------------------ */

/* TCP delivers a stream, not frames: writes of 1, 3, 5 and 7 bytes (every
 * frame split somewhere) come out as whole frames, intact, timestamped with
 * the pipeline clock's running time of their arrival. */
GST_START_TEST (test_frames_reassembled_across_split_writes)
{
  const gsize sizes[] = { 1, 3, 5, 7 };
  const guint frames = 100;
  GstHarness *h = setup_src ();
  GSocketConnection *conn = connect_tcp ("127.0.0.1", src_port (h));
  guint8 *data = counter_bytes (0, frames);
  GByteArray *got;
  gsize pos = 0;
  guint i = 0;

  gst_harness_set_time (h, T0 + 250 * GST_MSECOND);
  while (pos < frames * BPF) {
    gsize n = MIN (sizes[i % G_N_ELEMENTS (sizes)], frames * BPF - pos);

    send_bytes (conn, data + pos, n);
    pos += n;
    i++;
    g_usleep (500);
  }
  got = pull_audio (h, frames * BPF, T0 + 250 * GST_MSECOND);
  fail_unless_equals_int (got->len, frames * BPF);
  fail_unless (memcmp (got->data, data, frames * BPF) == 0);
  fail_unless_equals_uint64 (stats_uint64 (h, "frames"), frames);
  fail_unless_equals_uint64 (stats_uint64 (h, "partial-frames"), 0);

  g_byte_array_unref (got);
  g_free (data);
  g_object_unref (conn);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A sender that leaves in the middle of a frame: the piece is discarded,
 * counted and posted, and the next sender starts on a frame boundary. */
GST_START_TEST (test_partial_frame_discarded_and_counted)
{
  GstBus *bus = gst_bus_new ();
  GstHarness *h = setup_src_full (bus, NULL);
  guint16 port = src_port (h);
  GSocketConnection *conn = connect_tcp ("127.0.0.1", port);
  guint8 *data = counter_bytes (0, 3);
  guint8 *next = counter_bytes (1000, 2);
  GstMessage *msg;
  GByteArray *got;
  guint partial = 0;

  send_bytes (conn, data, 2 * BPF + 3);
  got = pull_audio (h, 2 * BPF, GST_CLOCK_TIME_NONE);
  fail_unless_equals_int (got->len, 2 * BPF);
  g_byte_array_unref (got);
  g_object_unref (conn);
  wait_stats (h, "partial-frames", 1);
  fail_unless_equals_uint64 (stats_uint64 (h, "partial-bytes"), 3);

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);

    if (gst_structure_has_name (s, "audiostreamsrc-connection") &&
        g_strcmp0 (gst_structure_get_string (s, "state"), "closed") == 0)
      fail_unless (gst_structure_get_uint (s, "partial-bytes", &partial));
    gst_message_unref (msg);
  }
  fail_unless_equals_int (partial, 3);

  conn = connect_tcp ("127.0.0.1", port);
  send_bytes (conn, next, 2 * BPF);
  got = pull_audio (h, 2 * BPF, GST_CLOCK_TIME_NONE);
  fail_unless (memcmp (got->data, next, 2 * BPF) == 0);

  g_byte_array_unref (got);
  g_object_unref (conn);
  g_free (data);
  g_free (next);
  gst_harness_teardown (h);
  gst_object_unref (bus);
}

GST_END_TEST;

static gboolean
reads_eof (GSocketConnection * conn)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  GSocket *socket = g_socket_connection_get_socket (conn);
  guint8 byte;

  g_socket_set_timeout (socket, 5);
  return g_input_stream_read (in, &byte, 1, NULL, NULL) == 0;
}

/* The newest sender wins: a second connection while the first is up takes
 * over, the first is closed by the element, and what the first sends after
 * that never comes out. */
GST_START_TEST (test_last_connection_wins)
{
  GstBus *bus = gst_bus_new ();
  GstHarness *h = setup_src_full (bus, NULL);
  guint16 port = src_port (h);
  GSocketConnection *a = connect_tcp ("127.0.0.1", port);
  GSocketConnection *b;
  guint8 *from_a = counter_bytes (0, 10);
  guint8 *from_b = counter_bytes (5000, 10);
  const gchar *expected[] = { "accepted", "replaced", "accepted" };
  GByteArray *got;
  GstMessage *msg;
  guint n_states = 0;

  send_bytes (a, from_a, 10 * BPF);
  got = pull_audio (h, 10 * BPF, GST_CLOCK_TIME_NONE);
  fail_unless (memcmp (got->data, from_a, 10 * BPF) == 0);
  g_byte_array_unref (got);

  b = connect_tcp ("127.0.0.1", port);
  wait_stats (h, "replaced", 1);
  /* the element hung up on the stale sender */
  fail_unless (reads_eof (a), "the replaced sender was not closed");
  send_bytes (b, from_b, 10 * BPF);
  got = pull_audio (h, 10 * BPF, GST_CLOCK_TIME_NONE);
  fail_unless_equals_int (got->len, 10 * BPF);
  fail_unless (memcmp (got->data, from_b, 10 * BPF) == 0);
  g_byte_array_unref (got);
  fail_unless_equals_uint64 (stats_uint64 (h, "senders"), 2);

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);

    if (gst_structure_has_name (s, "audiostreamsrc-connection")) {
      fail_unless (n_states < G_N_ELEMENTS (expected));
      fail_unless_equals_string (gst_structure_get_string (s, "state"),
          expected[n_states]);
      fail_unless (g_str_has_prefix (gst_structure_get_string (s, "remote"),
              "127.0.0.1:"));
      n_states++;
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (n_states, G_N_ELEMENTS (expected));

  g_object_unref (a);
  g_object_unref (b);
  g_free (from_a);
  g_free (from_b);
  gst_harness_teardown (h);
  gst_object_unref (bus);
}

GST_END_TEST;

/* With no sender, and after one left, the element keeps the pipeline
 * going with GAP-flagged silence stamped with the running time, and sends
 * no EOS. */
GST_START_TEST (test_alive_and_timestamped_without_sender)
{
  GstHarness *h = setup_src ();
  GSocketConnection *conn;
  guint8 *data = counter_bytes (0, 4);
  GstClockTime t, last = 0;
  GstBuffer *buf;
  GstEvent *ev;

  for (t = T0; t < T0 + 5 * 40 * GST_MSECOND; t += 40 * GST_MSECOND) {
    gst_harness_set_time (h, t);
    /* buffers made before the clock moved carry the earlier time */
    do {
      GstMapInfo map;
      gsize i;

      buf = gst_harness_pull (h);
      fail_unless (buf != NULL);
      fail_unless (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP));
      fail_unless (GST_BUFFER_PTS (buf) >= last);
      fail_unless (GST_BUFFER_PTS (buf) <= t);
      last = GST_BUFFER_PTS (buf);
      fail_unless (GST_BUFFER_DURATION (buf) > 0);
      gst_buffer_map (buf, &map, GST_MAP_READ);
      fail_unless (map.size > 0);
      fail_unless_equals_int (map.size % BPF, 0);
      for (i = 0; i < map.size; i++)
        fail_unless_equals_int (map.data[i], 0);
      gst_buffer_unmap (buf, &map);
      gst_buffer_unref (buf);
    } while (last != t);
  }
  fail_unless (stats_uint64 (h, "silence-frames") > 0);

  /* a sender comes and goes: the stream goes on, with silence again */
  conn = connect_tcp ("127.0.0.1", src_port (h));
  send_bytes (conn, data, 4 * BPF);
  g_byte_array_unref (pull_audio (h, 4 * BPF, GST_CLOCK_TIME_NONE));
  g_object_unref (conn);
  do {
    buf = gst_harness_pull (h);
    fail_unless (buf != NULL);
    if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
      gst_buffer_unref (buf);
      break;
    }
    gst_buffer_unref (buf);
  } while (TRUE);
  while ((ev = gst_harness_try_pull_event (h))) {
    fail_if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS, "EOS after a sender left");
    gst_event_unref (ev);
  }

  g_free (data);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A connected sender that sends nothing leaves create() waiting on the
 * sockets with no timeout: stopping must still be prompt (cancellation). */
GST_START_TEST (test_stop_while_idle_is_prompt)
{
  GstElement *pipeline = gst_parse_launch ("audiostreamsrc name=src "
      "host=127.0.0.1 port=0 stats-interval-ms=0 ! fakesink", NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GSocketConnection *conn;
  gint64 t0, took;
  gint port;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (pipeline, NULL, NULL,
          5 * GST_SECOND) == GST_STATE_CHANGE_SUCCESS);
  g_object_get (src, "current-port", &port, NULL);
  conn = connect_tcp ("127.0.0.1", port);
  for (;;) {
    GstStructure *s;
    gboolean connected = FALSE;

    g_object_get (src, "stats", &s, NULL);
    gst_structure_get_boolean (s, "connected", &connected);
    gst_structure_free (s);
    if (connected)
      break;
    g_usleep (1000);
  }
  g_usleep (300 * 1000);

  t0 = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  took = g_get_monotonic_time () - t0;
  fail_unless (took < 200 * G_TIME_SPAN_MILLISECOND, "stop took %"
      G_GINT64_FORMAT " us", took);
  fail_unless (reads_eof (conn));

  g_object_unref (conn);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* An EOS sent to the element (Ctrl-C with gst-launch-1.0 -e) ends the
 * stream, also while it waits with no sender. */
GST_START_TEST (test_eos_on_send_event)
{
  GstHarness *h = setup_src ();
  gint64 give_up = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  gboolean eos = FALSE;

  fail_unless (gst_element_send_event (h->element, gst_event_new_eos ()));
  while (!eos) {
    GstEvent *ev = gst_harness_try_pull_event (h);

    if (ev == NULL) {
      fail_unless (g_get_monotonic_time () < give_up, "no EOS");
      g_usleep (1000);
      continue;
    }
    eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* audiostreamsrc-stats every stats-interval-ms, with every field of
 * docs/messages.md, counting what a sender sent. */
GST_START_TEST (test_stats_messages)
{
  const gchar *fields[] = { "bytes", "frames", "senders", "replaced",
    "partial-frames", "partial-bytes", "silence-frames"
  };
  GstBus *bus = gst_bus_new ();
  GstHarness *h = setup_src_full (bus, "stats-interval-ms", 50, NULL);
  GSocketConnection *conn = connect_tcp ("127.0.0.1", src_port (h));
  guint8 *data = counter_bytes (0, 25);
  gint64 give_up = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  guint64 frames = 0;

  send_bytes (conn, data, 25 * BPF);
  g_byte_array_unref (pull_audio (h, 25 * BPF, GST_CLOCK_TIME_NONE));
  while (frames != 25) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_ELEMENT);
    const GstStructure *s;
    gboolean connected;
    guint i;

    fail_unless (g_get_monotonic_time () < give_up, "no stats message");
    if (msg == NULL)
      continue;
    s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "audiostreamsrc-stats")) {
      for (i = 0; i < G_N_ELEMENTS (fields); i++)
        fail_unless (gst_structure_has_field_typed (s, fields[i],
                G_TYPE_UINT64), "%s", fields[i]);
      fail_unless (gst_structure_get_boolean (s, "connected", &connected));
      gst_structure_get_uint64 (s, "frames", &frames);
      if (frames == 25) {
        guint64 bytes = 0;

        fail_unless (connected);
        gst_structure_get_uint64 (s, "bytes", &bytes);
        fail_unless_equals_uint64 (bytes, 25 * BPF);
      }
    }
    gst_message_unref (msg);
  }

  g_object_unref (conn);
  g_free (data);
  gst_harness_teardown (h);
  gst_object_unref (bus);
}

GST_END_TEST;

static void
check_delivery (GstHarness * h, GSocketAddress * addr)
{
  GSocketConnection *conn = connect_sender (addr);
  guint8 *data = counter_bytes (0, 48);
  GByteArray *got;

  send_bytes (conn, data, 48 * BPF);
  got = pull_audio (h, 48 * BPF, GST_CLOCK_TIME_NONE);
  fail_unless (memcmp (got->data, data, 48 * BPF) == 0);
  g_byte_array_unref (got);
  g_object_unref (conn);
  g_free (data);
}

GST_START_TEST (test_ipv6)
{
  GSocket *probe = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  GSocketAddress *lo6 = g_inet_socket_address_new_from_string ("::1", 0);
  GstHarness *h;
  GSocketAddress *addr;

  if (probe == NULL || !g_socket_bind (probe, lo6, FALSE, NULL)) {
    g_clear_object (&probe);
    g_object_unref (lo6);
    /* a visible skip, not a pass */
    g_printerr ("SKIP test_ipv6: no IPv6 loopback here\n");
    return;
  }
  g_object_unref (probe);
  g_object_unref (lo6);

  h = setup_src_full (NULL, "host", "::1", NULL);
  addr = g_inet_socket_address_new_from_string ("::1", src_port (h));
  check_delivery (h, addr);
  g_object_unref (addr);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_unix_socket)
{
  gchar *dir = g_dir_make_tmp ("asrc-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "pcm.sock", NULL);
  GstHarness *h = setup_src_full (NULL, "socket-path", path, NULL);
  GSocketAddress *addr = g_unix_socket_address_new (path);
  gint port = -1;

  g_object_get (h->element, "current-port", &port, NULL);
  fail_unless_equals_int (port, 0);
  check_delivery (h, addr);
  gst_harness_teardown (h);
  /* the element removes its socket file */
  fail_if (g_file_test (path, G_FILE_TEST_EXISTS));

  g_object_unref (addr);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* Starts an element that must fail; returns its error's first text. */
static gchar *
start_error (const gchar * prop, const gchar * value, gint port)
{
  GstElement *src = gst_element_factory_make ("audiostreamsrc", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;
  gchar *text;

  gst_element_set_bus (src, bus);
  g_object_set (src, "host", "127.0.0.1", "port", port, NULL);
  if (prop)
    g_object_set (src, prop, value, NULL);
  fail_unless_equals_int (gst_element_set_state (src, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error message");
  gst_message_parse_error (msg, &err, NULL);
  text = g_strdup (err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (src, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (bus);
  return text;
}

GST_START_TEST (test_port_in_use_is_a_clear_error)
{
  GSocketListener *other = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (other, NULL, NULL);
  gchar *text = start_error (NULL, NULL, port);
  gchar *where = g_strdup_printf ("127.0.0.1 port %u", port);

  fail_unless (strstr (text, where) != NULL, "%s", text);
  fail_unless (strstr (text, "in use") != NULL, "%s", text);
  g_free (where);
  g_free (text);
  g_socket_listener_close (other);
  g_object_unref (other);
}

GST_END_TEST;

GST_START_TEST (test_bad_socket_path_is_a_clear_error)
{
  gchar *longpath = g_strnfill (200, 'x');
  gchar *file = NULL;
  gint fd = g_file_open_tmp ("asrc-XXXXXX", &file, NULL);
  gchar *text;

  text = start_error ("socket-path", longpath, 0);
  fail_unless (strstr (text, "at most") != NULL, "%s", text);
  g_free (text);

  text = start_error ("socket-path", file, 0);
  fail_unless (strstr (text, "regular file, not a socket") != NULL, "%s",
      text);
  /* the user's file is left alone */
  fail_unless (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  g_free (text);

  close (fd);
  g_unlink (file);
  g_free (file);
  g_free (longpath);
}

GST_END_TEST;

GST_START_TEST (test_caps_refused_downstream_is_a_clear_error)
{
  GstElement *pipeline = gst_parse_launch ("audiostreamsrc host=127.0.0.1 "
      "port=0 rate=44100 ! capsfilter name=f ! fakesink", NULL);
  GstElement *filter = gst_bin_get_by_name (GST_BIN (pipeline), "f");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstCaps *caps = gst_caps_from_string ("audio/x-raw,rate=48000");
  GstMessage *msg;
  GError *err = NULL;

  /* after linking, as a device sink that takes only 48 kHz would refuse */
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_object_unref (filter);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (strstr (err->message, "audioconvert") != NULL, "%s",
      err->message);
  fail_unless (strstr (err->message, "rate=(int)44100") != NULL, "%s",
      err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_END_TEST;

typedef struct
{
  gchar *path;
  gint stop;
} Connector;

static gpointer
connector_thread (gpointer user_data)
{
  Connector *c = user_data;
  guint8 frame[BPF * 3 + 1] = { 0, };

  while (!g_atomic_int_get (&c->stop)) {
    GSocketClient *client = g_socket_client_new ();
    GSocketAddress *addr = g_unix_socket_address_new (c->path);
    GSocketConnection *conn = g_socket_client_connect (client,
        G_SOCKET_CONNECTABLE (addr), NULL, NULL);

    if (conn) {
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM
              (conn)), frame, sizeof (frame), NULL, NULL, NULL);
      g_object_unref (conn);
    }
    g_object_unref (addr);
    g_object_unref (client);
    g_usleep (500);
  }
  return NULL;
}

/* 200 PLAYING <-> NULL cycles while senders connect, send a frame and a
 * half, and leave: each stop is prompt, and under AddressSanitizer
 * (scripts/test-asan.sh) nothing leaks. */
GST_START_TEST (test_state_cycles_while_senders_connect)
{
  gchar *dir = g_dir_make_tmp ("asrc-XXXXXX", NULL);
  Connector c = { g_build_filename (dir, "s", NULL), 0 };
  gchar *desc = g_strdup_printf ("audiostreamsrc socket-path=%s "
      "stats-interval-ms=1 ! fakesink async=false", c.path);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GThread *t = g_thread_new ("connector", connector_thread, &c);
  gint64 slowest = 0;
  guint i;

  for (i = 0; i < 200; i++) {
    gint64 t0;

    fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
    g_usleep ((i * 7919) % 10000);
    t0 = g_get_monotonic_time ();
    fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
    slowest = MAX (slowest, g_get_monotonic_time () - t0);
  }
  fail_unless (slowest < G_TIME_SPAN_SECOND, "slowest stop: %"
      G_GINT64_FORMAT " us", slowest);

  g_atomic_int_set (&c.stop, 1);
  g_thread_join (t);
  gst_object_unref (pipeline);
  g_rmdir (dir);
  g_free (desc);
  g_free (c.path);
  g_free (dir);
}

GST_END_TEST;

/* A peer that sends lengths with no relation to the frame: 200 writes of
 * 1 to 97 bytes, 10007 bytes in all (3 past a frame), then it leaves.
 * Every whole frame comes out intact and in order, the 3 bytes are
 * discarded and counted, and the next sender starts on a frame boundary. */
GST_START_TEST (test_garbage_lengths)
{
  GstHarness *h = setup_src ();
  guint16 port = src_port (h);
  const guint total = 10007, frames = total / BPF;
  guint8 *data = counter_bytes (0, frames + 1);
  guint8 *next = counter_bytes (5000, 8);
  GRand *rand = g_rand_new_with_seed (14);
  GSocketConnection *conn = connect_tcp ("127.0.0.1", port);
  GByteArray *got;
  guint sent = 0;

  while (sent < total) {
    guint n = MIN ((guint) g_rand_int_range (rand, 1, 98), total - sent);

    send_bytes (conn, data + sent, n);
    sent += n;
  }
  got = pull_audio (h, frames * BPF, GST_CLOCK_TIME_NONE);
  fail_unless_equals_int (got->len, frames * BPF);
  fail_unless (memcmp (got->data, data, frames * BPF) == 0);
  g_byte_array_unref (got);
  g_object_unref (conn);
  wait_stats (h, "partial-frames", 1);
  fail_unless_equals_uint64 (stats_uint64 (h, "partial-bytes"), total % BPF);
  fail_unless_equals_uint64 (stats_uint64 (h, "frames"), frames);

  conn = connect_tcp ("127.0.0.1", port);
  send_bytes (conn, next, 8 * BPF);
  got = pull_audio (h, 8 * BPF, GST_CLOCK_TIME_NONE);
  fail_unless (memcmp (got->data, next, 8 * BPF) == 0);

  g_byte_array_unref (got);
  g_object_unref (conn);
  g_rand_free (rand);
  g_free (data);
  g_free (next);
  gst_harness_teardown (h);
}

GST_END_TEST;

static void
wait_connected (GstHarness * h, guint64 senders)
{
  gint64 give_up = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  for (;;) {
    GstStructure *s;
    gboolean connected = FALSE;
    guint64 n = 0;

    g_object_get (h->element, "stats", &s, NULL);
    gst_structure_get_boolean (s, "connected", &connected);
    gst_structure_get_uint64 (s, "senders", &n);
    gst_structure_free (s);
    if (connected && n == senders)
      return;
    fail_unless (g_get_monotonic_time () < give_up, "sender %"
        G_GUINT64_FORMAT " never connected", senders);
    g_usleep (1000);
  }
}

/* A peer that connects and sends nothing: the element neither ends, nor
 * fails, nor invents audio for it (no silence while a sender is connected:
 * downstream sees the stall), and a real sender that comes next replaces
 * it, closes it, and is heard. */
GST_START_TEST (test_silent_peer)
{
  GstHarness *h = setup_src ();
  guint16 port = src_port (h);
  guint8 *data = counter_bytes (0, 16);
  GSocketConnection *silent, *conn;
  GstBuffer *buf;
  GstEvent *ev;
  GByteArray *got;

  silent = connect_tcp ("127.0.0.1", port);
  wait_connected (h, 1);
  /* silence made before the accept has been pushed by now */
  while ((buf = gst_harness_try_pull (h)))
    gst_buffer_unref (buf);
  g_usleep (300 * 1000);
  buf = gst_harness_try_pull (h);
  fail_unless (buf == NULL, "a buffer for a peer that sent nothing");
  while ((ev = gst_harness_try_pull_event (h))) {
    fail_if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS);
    gst_event_unref (ev);
  }
  fail_unless_equals_uint64 (stats_uint64 (h, "bytes"), 0);

  conn = connect_tcp ("127.0.0.1", port);
  wait_connected (h, 2);
  fail_unless (reads_eof (silent), "the silent peer was not closed");
  send_bytes (conn, data, 16 * BPF);
  got = pull_audio (h, 16 * BPF, GST_CLOCK_TIME_NONE);
  fail_unless (memcmp (got->data, data, 16 * BPF) == 0);
  fail_unless_equals_uint64 (stats_uint64 (h, "replaced"), 1);

  g_byte_array_unref (got);
  g_object_unref (conn);
  g_object_unref (silent);
  g_free (data);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* host=NULL (set_property ("host", None)) means the default address, not
 * "none": there is always an address to listen on. */
GST_START_TEST (test_null_host_is_the_default)
{
  GstElement *src = gst_element_factory_make ("audiostreamsrc", NULL);
  gchar *host = NULL;

  g_object_set (src, "host", "::1", NULL);
  g_object_get (src, "host", &host, NULL);
  fail_unless_equals_string (host, "::1");
  g_free (host);
  g_object_set (src, "host", NULL, NULL);
  g_object_get (src, "host", &host, NULL);
  fail_unless_equals_string (host, "0.0.0.0");
  g_free (host);
  gst_object_unref (src);
}

GST_END_TEST;

static Suite *
audiostreamsrc_suite (void)
{
  Suite *s = suite_create ("audiostreamsrc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_frames_reassembled_across_split_writes);
  tcase_add_test (tc, test_partial_frame_discarded_and_counted);
  tcase_add_test (tc, test_last_connection_wins);
  tcase_add_test (tc, test_alive_and_timestamped_without_sender);
  tcase_add_test (tc, test_stop_while_idle_is_prompt);
  tcase_add_test (tc, test_eos_on_send_event);
  tcase_add_test (tc, test_stats_messages);
  tcase_add_test (tc, test_ipv6);
  tcase_add_test (tc, test_unix_socket);
  tcase_add_test (tc, test_port_in_use_is_a_clear_error);
  tcase_add_test (tc, test_bad_socket_path_is_a_clear_error);
  tcase_add_test (tc, test_caps_refused_downstream_is_a_clear_error);
  tcase_add_test (tc, test_state_cycles_while_senders_connect);
  tcase_add_test (tc, test_garbage_lengths);
  tcase_add_test (tc, test_silent_peer);
  tcase_add_test (tc, test_null_host_is_the_default);
  return s;
}

GST_CHECK_MAIN (audiostreamsrc);
