/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Element tests with GstHarness and its test clock: the test decides when
 * every deadline passes, so pacing is checked to the nanosecond without
 * sleeping. The peer is a real TCP listener on 127.0.0.1, port 0. */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define RATE 48000
#define CHANNELS 2
#define BPF (2 * CHANNELS)
#define CHUNK 480
#define CHUNK_DURATION (10 * GST_MSECOND)
#define T0 (10 * GST_SECOND)
#define CAPS "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=2"

/* ------------------------------------------------------------------------ */
/* A receiver that accepts one connection and keeps everything until EOF.   */

typedef struct
{
  GSocketListener *listener;
  GCancellable *cancellable;
  guint16 port;
  GThread *thread;
  GMutex lock;
  GByteArray *data;
  gboolean got_eof;
} Receiver;

static gpointer
receiver_thread (gpointer user_data)
{
  Receiver *r = user_data;
  GSocketConnection *conn;
  GInputStream *in;
  guint8 buf[65536];
  gssize n;

  conn = g_socket_listener_accept (r->listener, NULL, r->cancellable, NULL);
  if (conn == NULL)
    return NULL;
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  while ((n = g_input_stream_read (in, buf, sizeof (buf), r->cancellable,
              NULL)) > 0) {
    g_mutex_lock (&r->lock);
    g_byte_array_append (r->data, buf, n);
    g_mutex_unlock (&r->lock);
  }
  g_mutex_lock (&r->lock);
  r->got_eof = (n == 0);
  g_mutex_unlock (&r->lock);
  g_object_unref (conn);
  return NULL;
}

static Receiver *
receiver_new (void)
{
  Receiver *r = g_new0 (Receiver, 1);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new (lo, 0);
  GSocketAddress *bound = NULL;

  r->listener = g_socket_listener_new ();
  r->cancellable = g_cancellable_new ();
  fail_unless (g_socket_listener_add_address (r->listener, addr,
          G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound, NULL));
  r->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_object_unref (addr);
  g_object_unref (lo);

  g_mutex_init (&r->lock);
  r->data = g_byte_array_new ();
  r->thread = g_thread_new ("receiver", receiver_thread, r);
  return r;
}

/* Waits until the sender has closed the connection. */
static void
receiver_wait_eof (Receiver * r)
{
  g_thread_join (r->thread);
  r->thread = NULL;
}

static void
receiver_free (Receiver * r)
{
  g_cancellable_cancel (r->cancellable);
  if (r->thread)
    g_thread_join (r->thread);
  g_socket_listener_close (r->listener);
  g_object_unref (r->listener);
  g_object_unref (r->cancellable);
  g_byte_array_unref (r->data);
  g_mutex_clear (&r->lock);
  g_free (r);
}

/* ------------------------------------------------------------------------ */
/* Counter pattern: sample i of the stream holds (gint16) i.                 */

static GstBuffer *
counter_buffer (guint64 first_frame, guint frames)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, frames * BPF, NULL);
  GstMapInfo map;
  guint i;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (i = 0; i < frames * CHANNELS; i++)
    GST_WRITE_UINT16_LE (map.data + 2 * i,
        (guint16) (first_frame * CHANNELS + i));
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (first_frame, GST_SECOND,
      RATE);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (frames, GST_SECOND,
      RATE);
  return buf;
}

/* Checks that @data is the counter pattern from @first_frame on, unbroken. */
static void
assert_counter (const guint8 * data, guint len, guint64 first_frame)
{
  guint i;

  fail_unless_equals_int (len % BPF, 0);
  for (i = 0; i < len / 2; i++) {
    guint16 expected = (guint16) (first_frame * CHANNELS + i);
    guint16 got = GST_READ_UINT16_LE (data + 2 * i);

    if (got != expected)
      fail ("sample %u: expected %u, got %u", i, expected, got);
  }
}

/* ------------------------------------------------------------------------ */

static GstPadQueryFunction harness_query;

/* The harness always answers the latency query as a live source; a file
 * source answers non-live. */
static gboolean
non_live_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gst_query_set_latency (query, FALSE, 0, GST_CLOCK_TIME_NONE);
    return TRUE;
  }
  return harness_query (pad, parent, query);
}

static void
make_upstream_non_live (GstHarness * h)
{
  harness_query = GST_PAD_QUERYFUNC (h->srcpad);
  gst_pad_set_query_function (h->srcpad, non_live_query);
}

/* the caps setup_sink_full() gives the harness */
static const gchar *src_caps = CAPS;

/* @bus, if given, is set before the element starts, so that no message of
 * its first moments is missed. */
static GstHarness *
setup_sink_full (guint16 port, gboolean live, guint prefill_ms, guint ring_ms,
    GstBus * bus, const gchar * first_prop, ...)
{
  GstElement *sink = gst_element_factory_make ("audiostreamsink", NULL);
  GstHarness *h;
  va_list args;

  if (bus)
    gst_element_set_bus (sink, bus);
  /* connection settings apply when the element starts, and the harness
   * starts it at once: set them first */
  g_object_set (sink, "host", "127.0.0.1", "port", port,
      "chunk-samples", CHUNK, "prefill-ms", prefill_ms,
      "ring-buffer-ms", ring_ms, "stats-interval-ms", 0, "async", FALSE,
      NULL);
  va_start (args, first_prop);
  if (first_prop)
    g_object_set_valist (G_OBJECT (sink), first_prop, args);
  va_end (args);
  h = gst_harness_new_with_element (sink, "sink", NULL);
  gst_object_unref (sink);
  gst_harness_use_testclock (h);
  gst_harness_set_time (h, T0);
  if (live)
    gst_harness_set_upstream_latency (h, CHUNK_DURATION);
  else
    make_upstream_non_live (h);
  gst_harness_set_src_caps_str (h, src_caps);
  return h;
}

#define setup_sink(port, live, prefill_ms, ring_ms) \
  setup_sink_full (port, live, prefill_ms, ring_ms, NULL, NULL)

/* Lets the network thread's next clock wait complete and returns its time. */
static GstClockTime
crank (GstHarness * h)
{
  GstTestClock *clock = gst_harness_get_testclock (h);
  GstClockID pending = NULL;
  GstClockTime t;

  gst_test_clock_wait_for_next_pending_id (clock, &pending);
  t = gst_clock_id_get_time (pending);
  if (t > gst_clock_get_time (GST_CLOCK (clock)))
    gst_test_clock_set_time (clock, t);
  /* takes our reference to the id */
  fail_unless (gst_test_clock_process_id (clock, pending));
  gst_object_unref (clock);
  return t;
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

static gboolean
stats_bool (GstHarness * h, const gchar * field)
{
  GstStructure *s = NULL;
  gboolean v = FALSE;

  g_object_get (h->element, "stats", &s, NULL);
  fail_unless (s != NULL);
  fail_unless (gst_structure_get_boolean (s, field, &v), "no %s", field);
  gst_structure_free (s);
  return v;
}

typedef struct
{
  GstHarness *h;
  gint arrived;                 /* the EOS event reached the sink pad */
  gint done;
} EosPush;

static GstPadProbeReturn
eos_arrived (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  EosPush *e = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    g_atomic_int_set (&e->arrived, 1);
  return GST_PAD_PROBE_OK;
}

static gpointer
push_eos_thread (gpointer user_data)
{
  EosPush *e = user_data;
  gboolean ok = gst_harness_push_event (e->h, gst_event_new_eos ());

  g_atomic_int_set (&e->done, 1);
  return GINT_TO_POINTER (ok);
}

/* Pushes EOS from another thread (it blocks until the sink has drained) and
 * lets every clock wait pass until it returns. Returns the deadlines. */
static GArray *
drain_to_eos (GstHarness * h)
{
  EosPush e = { h, 0, 0 };
  GstPad *pad = gst_element_get_static_pad (h->element, "sink");
  gulong probe = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      eos_arrived, &e, NULL);
  GThread *t = g_thread_new ("eos", push_eos_thread, &e);
  GstTestClock *clock = gst_harness_get_testclock (h);
  GArray *times = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  gint64 give_up = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;

  /* Time moves only once the sink has EOS: otherwise, on a busy machine,
   * the ring could run dry first and a live sink would send silence. */
  while (!g_atomic_int_get (&e.arrived)) {
    fail_unless (g_get_monotonic_time () < give_up, "EOS never arrived");
    g_usleep (1000);
  }
  gst_pad_remove_probe (pad, probe);
  gst_object_unref (pad);

  while (!g_atomic_int_get (&e.done)) {
    if (gst_test_clock_timed_wait_for_multiple_pending_ids (clock, 1, 20,
            NULL)) {
      GstClockTime at = crank (h);

      g_array_append_val (times, at);
    }
    fail_unless (g_get_monotonic_time () < give_up, "EOS did not complete");
  }
  fail_unless (GPOINTER_TO_INT (g_thread_join (t)));
  gst_object_unref (clock);
  return times;
}

/* ------------------------------------------------------------------------ */

/* The heart of the element: after prefill, chunk k goes out exactly at
 * origin + k * chunk / rate on the pipeline clock, and every sample arrives
 * in order, then EOS drains the rest and closes with a FIN. */
GST_START_TEST (test_paced_by_pipeline_clock)
{
  Receiver *r = receiver_new ();
  GstHarness *h = setup_sink (r->port, TRUE, 100, 2000);
  const guint n_buffers = 50;   /* 500 ms */
  GArray *times;
  guint i;

  for (i = 0; i < n_buffers; i++)
    fail_unless_equals_int (gst_harness_push (h, counter_buffer (i * CHUNK,
                CHUNK)), GST_FLOW_OK);

  times = drain_to_eos (h);

  /* 50 chunks, each due exactly 10 ms after the previous one; if EOS came
   * in after the last chunk had left, one more deadline passed before the
   * sink saw there was nothing left */
  fail_unless (times->len == n_buffers || times->len == n_buffers + 1,
      "%u waits", times->len);
  for (i = 0; i < times->len; i++)
    fail_unless_equals_uint64 (g_array_index (times, GstClockTime, i),
        T0 + i * CHUNK_DURATION);

  gst_harness_teardown (h);
  receiver_wait_eof (r);

  fail_unless (r->got_eof, "connection not closed with a FIN");
  fail_unless_equals_int (r->data->len, n_buffers * CHUNK * BPF);
  assert_counter (r->data->data, r->data->len, 0);
  g_array_unref (times);
  receiver_free (r);
}

GST_END_TEST;

/* After the clock jumps a second ahead (the network thread was held up), the
 * backlog goes out at 1.5x real time, not all at once. */
GST_START_TEST (test_backlog_catch_up_is_bounded)
{
  Receiver *r = receiver_new ();
  GstHarness *h = setup_sink (r->port, TRUE, 100, 3000);
  GstTestClock *clock;
  GstClockTime t, prev, gap;
  guint i;

  for (i = 0; i < 150; i++)
    gst_harness_push (h, counter_buffer (i * CHUNK, CHUNK));

  fail_unless_equals_uint64 (crank (h), T0);
  /* let chunk 0 go out at T0 before the clock jumps */
  while (stats_uint64 (h, "samples-sent") < CHUNK)
    g_usleep (1000);
  clock = gst_harness_get_testclock (h);
  gst_test_clock_set_time (clock, T0 + GST_SECOND);
  prev = crank (h);             /* late: goes out at once */
  fail_unless_equals_uint64 (prev, T0 + CHUNK_DURATION);

  gap = gst_util_uint64_scale (CHUNK_DURATION, 100, 150);
  for (i = 0; i < 20; i++) {
    t = crank (h);
    fail_unless_equals_uint64 (t, MAX (prev, T0 + GST_SECOND) + gap);
    prev = t;
  }
  gst_object_unref (clock);
  gst_harness_teardown (h);
  receiver_free (r);
}

GST_END_TEST;

static gpointer
push_thread (gpointer user_data)
{
  GstHarness *h = user_data;
  GstFlowReturn ret = GST_FLOW_OK;
  guint i;

  /* 1 s of audio into a 500 ms ring */
  for (i = 0; i < 100 && ret == GST_FLOW_OK; i++)
    ret = gst_harness_push (h, counter_buffer (i * CHUNK, CHUNK));
  return GINT_TO_POINTER (ret);
}

/* A non-live upstream is held back when the ring is full: nothing dropped,
 * every sample delivered. */
GST_START_TEST (test_non_live_backpressure)
{
  Receiver *r = receiver_new ();
  GstHarness *h = setup_sink (r->port, FALSE, 100, 500);
  GThread *pusher;
  gint64 until;

  pusher = g_thread_new ("push", push_thread, h);

  /* no deadline has passed: the ring fills and the pusher must wait */
  until = g_get_monotonic_time () + 300 * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time () < until)
    g_usleep (10000);
  fail_unless_equals_uint64 (stats_uint64 (h, "buffer-level-ms"), 500);
  fail_unless_equals_uint64 (stats_uint64 (h, "dropped-samples"), 0);

  /* sending frees room; the pusher finishes */
  while (stats_uint64 (h, "samples-sent") < 60 * CHUNK)
    crank (h);
  fail_unless_equals_int (GPOINTER_TO_INT (g_thread_join (pusher)),
      GST_FLOW_OK);

  g_array_unref (drain_to_eos (h));
  fail_unless_equals_uint64 (stats_uint64 (h, "samples-sent"), 100 * CHUNK);
  fail_unless_equals_uint64 (stats_uint64 (h, "overflows"), 0);
  gst_harness_teardown (h);

  receiver_free (r);
}

GST_END_TEST;

/* A pause while render() waits for room is not a flush: render() waits
 * for PLAYING (gst_base_sink_wait_preroll) and the stream goes on. It used
 * to return FLUSHING, which stopped upstream's streaming thread for good. */
GST_START_TEST (test_pause_while_backpressured)
{
  Receiver *r = receiver_new ();
  GstHarness *h = setup_sink (r->port, FALSE, 100, 500);
  GThread *pusher;
  gint64 until;

  while (!stats_bool (h, "connected"))
    g_usleep (1000);
  pusher = g_thread_new ("push", push_thread, h);
  while (stats_uint64 (h, "buffer-level-ms") < 500)
    g_usleep (1000);
  g_usleep (50000);

  fail_unless_equals_int (gst_element_set_state (h->element,
          GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
  g_usleep (50000);
  fail_unless_equals_int (gst_element_set_state (h->element,
          GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS);

  until = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  while (stats_uint64 (h, "samples-sent") < 60 * CHUNK) {
    fail_unless (g_get_monotonic_time () < until, "the pusher stopped");
    crank (h);
  }
  fail_unless_equals_int (GPOINTER_TO_INT (g_thread_join (pusher)),
      GST_FLOW_OK);
  fail_unless_equals_uint64 (stats_uint64 (h, "dropped-samples"), 0);

  gst_harness_teardown (h);
  receiver_free (r);
}

GST_END_TEST;

/* A live upstream is never held back: when the ring is full the oldest audio
 * goes, is counted, and what is sent is the newest audio, unbroken. */
GST_START_TEST (test_live_overflow_drops_oldest)
{
  Receiver *r = receiver_new ();
  GstHarness *h = setup_sink (r->port, TRUE, 100, 500);
  guint i;
  guint64 dropped;
  gint64 start = g_get_monotonic_time ();

  for (i = 0; i < 100; i++)
    fail_unless_equals_int (gst_harness_push (h, counter_buffer (i * CHUNK,
                CHUNK)), GST_FLOW_OK);
  /* 1 s pushed with no deadline passing: nothing waited */
  fail_unless (g_get_monotonic_time () - start < G_TIME_SPAN_SECOND);

  dropped = stats_uint64 (h, "dropped-samples");
  /* at most one chunk may have left before the clock stopped it */
  fail_unless (dropped >= 49 * CHUNK && dropped <= 50 * CHUNK,
      "dropped %" G_GUINT64_FORMAT, dropped);
  fail_unless (stats_uint64 (h, "overflows") > 0);

  g_array_unref (drain_to_eos (h));
  gst_harness_teardown (h);
  receiver_wait_eof (r);

  /* what arrived: possibly one early chunk, then a contiguous run up to the
   * last frame pushed */
  fail_unless_equals_int (r->data->len, (100 * CHUNK - dropped) * BPF);
  {
    guint tail = 50 * CHUNK * BPF;

    assert_counter (r->data->data + r->data->len - tail, tail, 50 * CHUNK);
  }
  receiver_free (r);
}

GST_END_TEST;

GST_START_TEST (test_refuses_other_formats)
{
  GstHarness *h = gst_harness_new ("audiostreamsink");

  gst_harness_set_src_caps_str (h,
      "audio/x-raw,format=F64LE,layout=interleaved,rate=48000,channels=2");
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_and_alloc (64)),
      GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown (h);

  h = gst_harness_new ("audiostreamsink");
  gst_harness_set_src_caps_str (h,
      "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=9");
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_and_alloc (64)),
      GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GstMessage *
wait_for_error (GstBus * bus, GstClockTime timeout)
{
  return gst_bus_timed_pop_filtered (bus, timeout, GST_MESSAGE_ERROR);
}

/* Without reconnection, a refused port is an error that names host and
 * port, within a second. */
GST_START_TEST (test_refused_port_names_target)
{
  Receiver *r = receiver_new ();
  guint16 port = r->port;
  GstHarness *h;
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;
  gchar *expected;

  receiver_free (r);            /* nothing listens on the port any more */
  h = setup_sink_full (port, TRUE, 100, 1000, bus, "auto-reconnect", FALSE,
      NULL);

  msg = wait_for_error (bus, GST_SECOND);
  fail_unless (msg != NULL, "no error within a second");
  gst_message_parse_error (msg, &err, NULL);
  expected = g_strdup_printf ("127.0.0.1 port %u", port);
  fail_unless (strstr (err->message, expected) != NULL, "%s", err->message);
  fail_unless (strstr (err->message, "refused") != NULL, "%s", err->message);

  /* render() now fails instead of buffering forever (from right after the
   * error was posted) */
  {
    gint64 until = g_get_monotonic_time () + G_TIME_SPAN_SECOND;
    GstFlowReturn ret;

    while ((ret = gst_harness_push (h, counter_buffer (0, CHUNK))) ==
        GST_FLOW_OK && g_get_monotonic_time () < until)
      g_usleep (1000);
    fail_unless_equals_int (ret, GST_FLOW_ERROR);
  }

  g_free (expected);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

static guint16
unused_port (void)
{
  Receiver *r = receiver_new ();
  guint16 port = r->port;

  receiver_free (r);
  return port;
}

/* With reconnection on (the default), a refused port is a WARNING naming
 * the target, and attempts follow the backoff: 200 ms, then 400 ms, each
 * within its +/-20 % jitter. */
GST_START_TEST (test_refused_port_retries_with_backoff)
{
  guint16 port = unused_port ();
  GstBus *bus = gst_bus_new ();
  GstHarness *h = setup_sink_full (port, TRUE, 100, 1000, bus,
      "reconnect-min-ms", 200, "reconnect-max-ms", 400, NULL);
  GstMessage *msg;
  GError *err = NULL;
  gchar *expected = g_strdup_printf ("127.0.0.1 port %u", port);
  guint waits = 0, warnings = 0;
  const guint bases[] = { 200, 400, 400 };


  while (waits < G_N_ELEMENTS (bases)) {
    const GstStructure *st;
    gint64 retry;

    msg = gst_bus_timed_pop_filtered (bus, 2 * GST_SECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_WARNING | GST_MESSAGE_ERROR);
    fail_unless (msg != NULL);
    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      gst_message_parse_warning (msg, &err, NULL);
      fail_unless (strstr (err->message, expected) != NULL, "%s",
          err->message);
      fail_unless (strstr (err->message, "refused") != NULL, "%s",
          err->message);
      g_clear_error (&err);
      warnings++;
    }
    st = gst_message_get_structure (msg);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT &&
        gst_structure_has_name (st, "audiostreamsink-connection") &&
        g_str_equal (gst_structure_get_string (st, "state"), "waiting")) {
      fail_unless (gst_structure_get_int64 (st, "retry-in-ms", &retry));
      fail_unless (retry >= bases[waits] * 8 / 10 &&
          retry <= bases[waits] * 12 / 10, "wait %u: %" G_GINT64_FORMAT,
          waits, retry);
      fail_unless (strstr (gst_structure_get_string (st, "error"),
              "refused") != NULL);
      waits++;
    }
    gst_message_unref (msg);
  }
  /* one per failure, at most one a second */
  fail_unless (warnings >= 1 && warnings <= 2, "%u warnings", warnings);

  /* still buffering, not failing */
  fail_unless_equals_int (gst_harness_push (h, counter_buffer (0, CHUNK)),
      GST_FLOW_OK);

  g_free (expected);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_gives_up_after_max_attempts)
{
  GstBus *bus = gst_bus_new ();
  GstHarness *h = setup_sink_full (unused_port (), TRUE, 100, 1000, bus,
      "reconnect-min-ms", 50, "max-reconnect-attempts", 3, NULL);
  GstMessage *msg;
  GError *err = NULL;

  msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (strstr (err->message, "after 3 attempts") != NULL, "%s",
      err->message);
  fail_unless_equals_uint64 (stats_uint64 (h, "connect-attempts"), 3);

  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_format_change_refused_mid_stream)
{
  Receiver *r = receiver_new ();
  GstHarness *h = setup_sink (r->port, TRUE, 1000, 2000);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;

  gst_element_set_bus (h->element, bus);
  fail_unless_equals_int (gst_harness_push (h, counter_buffer (0, CHUNK)),
      GST_FLOW_OK);
  gst_harness_set_src_caps_str (h,
      "audio/x-raw,format=S16LE,layout=interleaved,rate=44100,channels=2");
  fail_unless_equals_int (gst_harness_push (h, counter_buffer (0, CHUNK)),
      GST_FLOW_NOT_NEGOTIATED);
  msg = wait_for_error (bus, GST_SECOND);
  fail_unless (msg != NULL);
  gst_message_unref (msg);
  /* the refused caps come again with each buffer: one ERROR in all (there
   * was one per buffer) */
  fail_unless_equals_int (gst_harness_push (h, counter_buffer (0, CHUNK)),
      GST_FLOW_NOT_NEGOTIATED);
  msg = wait_for_error (bus, 200 * GST_MSECOND);
  fail_unless (msg == NULL, "a second ERROR for the same format change");

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  receiver_free (r);
}

GST_END_TEST;

/* Caps may change until audio arrives. With prefill-ms=0 and a connected
 * receiver, a second format before the first buffer (8 kHz mono, then
 * 192 kHz 8 channels: 8 times the frame, 24 times the rate) is the one the
 * thread sends in: chunks of the new frame size, due at the new rate, the
 * samples intact. (The thread once kept a chunk buffer sized for the first
 * format and wrote 7680 bytes into 960.) */
GST_START_TEST (test_caps_change_before_audio)
{
  Receiver *r = receiver_new ();
  GstHarness *h = setup_sink (r->port, TRUE, 0, 500);
  const guint bpf = 2 * 8, n_chunks = 4;
  GstBuffer *buf;
  GstMapInfo map;
  guint i;

  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=8000,channels=1");
  /* connected, with a format, before the format changes */
  while (!stats_bool (h, "connected"))
    g_usleep (1000);
  g_usleep (50000);
  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=192000,channels=8,channel-mask=(bitmask)0x63f");

  buf = gst_buffer_new_allocate (NULL, n_chunks * CHUNK * bpf, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (i = 0; i < map.size / 2; i++)
    GST_WRITE_UINT16_LE (map.data + 2 * i, (guint16) i);
  gst_buffer_unmap (buf, &map);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);

  for (i = 0; i < n_chunks; i++)
    fail_unless_equals_uint64 (crank (h), T0 + gst_util_uint64_scale_int (i *
            CHUNK, GST_SECOND, 192000));
  while (stats_uint64 (h, "samples-sent") < n_chunks * CHUNK)
    g_usleep (1000);
  fail_unless_equals_uint64 (stats_uint64 (h, "bytes-sent"),
      n_chunks * CHUNK * bpf);

  gst_harness_teardown (h);
  receiver_wait_eof (r);
  fail_unless_equals_int (r->data->len, n_chunks * CHUNK * bpf);
  for (i = 0; i < r->data->len / 2; i++)
    fail_unless_equals_int (GST_READ_UINT16_LE (r->data->data + 2 * i),
        (guint16) i);
  receiver_free (r);
}

GST_END_TEST;

/* A listener whose accept queue is full: further SYNs are dropped, so a
 * connect() to it hangs. Returns the listening fd; @fillers get the two
 * connections that fill the queue. */
static gint
hanging_listener (guint16 * port, gint fillers[2])
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof (addr);
  gint fd = socket (AF_INET, SOCK_STREAM, 0), i;

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fail_unless (bind (fd, (struct sockaddr *) &addr, sizeof (addr)) == 0);
  fail_unless (listen (fd, 0) == 0);
  fail_unless (getsockname (fd, (struct sockaddr *) &addr, &len) == 0);
  *port = ntohs (addr.sin_port);
  for (i = 0; i < 2; i++) {
    fillers[i] = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect (fillers[i], (struct sockaddr *) &addr, sizeof (addr));
  }
  return fd;
}

/* 200 PLAYING -> NULL cycles while connecting (a connect() that hangs),
 * connected, and reconnecting after refusals: every stop is prompt, and
 * under AddressSanitizer (scripts/test-asan.sh) nothing leaks. */
GST_START_TEST (test_start_stop_cycles)
{
  Receiver *r = receiver_new ();
  gint fillers[2], hang_fd;
  guint16 ports[3];
  GstElement *pipeline, *sink;
  gint64 slowest = 0;
  guint i;

  hang_fd = hanging_listener (&ports[0], fillers);
  ports[1] = r->port;
  ports[2] = unused_port ();

  pipeline = gst_parse_launch ("audiotestsrc is-live=true "
      "samplesperbuffer=480 ! " CAPS " ! audiostreamsink name=sink "
      "host=127.0.0.1 prefill-ms=20 reconnect-min-ms=5 stats-interval-ms=0",
      NULL);
  fail_unless (pipeline != NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");

  for (i = 0; i < 200; i++) {
    gint64 t0;

    g_object_set (sink, "port", ports[i % 3], NULL);
    fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
    g_usleep ((i * 7919) % 30000);
    t0 = g_get_monotonic_time ();
    fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
    slowest = MAX (slowest, g_get_monotonic_time () - t0);
  }
  fail_unless (slowest < G_TIME_SPAN_SECOND, "slowest stop: %" G_GINT64_FORMAT
      " us", slowest);

  gst_object_unref (sink);
  gst_object_unref (pipeline);
  close (fillers[0]);
  close (fillers[1]);
  close (hang_fd);
  receiver_free (r);
}

GST_END_TEST;

static gpointer
send_eos_thread (gpointer user_data)
{
  GstElement *pipeline = user_data;

  return GINT_TO_POINTER (gst_element_send_event (pipeline,
          gst_event_new_eos ()));
}

static gpointer
set_null_thread (gpointer user_data)
{
  return GINT_TO_POINTER (gst_element_set_state (GST_ELEMENT (user_data),
          GST_STATE_NULL));
}

/* Ctrl-C on `gst-launch-1.0 -e` with a non-live source and no receiver:
 * the application's EOS must get through within a bounded time (render()
 * holds the upstream back at most send-timeout-ms while disconnected), and
 * the pipeline must then stop. It used to hang in send_event() for ever,
 * holding the state lock, so set_state(NULL) hung too. */
GST_START_TEST (test_eos_with_blocked_non_live_upstream)
{
  GstElement *pipeline, *sink;
  GstBus *bus;
  GstMessage *msg;
  GThread *eos_thread, *null_thread;
  gchar *desc;
  gint64 until;

  desc = g_strdup_printf ("audiotestsrc is-live=false samplesperbuffer=480 "
      "! " CAPS " ! audiostreamsink name=sink host=127.0.0.1 port=%u "
      "send-timeout-ms=300 reconnect-min-ms=100 ring-buffer-ms=200 "
      "prefill-ms=50 stats-interval-ms=0", unused_port ());
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  fail_unless (pipeline != NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  /* the ring is full: render() is holding the source back */
  until = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  for (;;) {
    GstStructure *st = NULL;
    guint64 level = 0;

    g_object_get (sink, "stats", &st, NULL);
    gst_structure_get_uint64 (st, "buffer-level-ms", &level);
    gst_structure_free (st);
    if (level >= 190)
      break;
    fail_unless (g_get_monotonic_time () < until, "the ring never filled");
    g_usleep (5000);
  }

  eos_thread = g_thread_new ("eos", send_eos_thread, pipeline);
  msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "EOS did not get through within 10 s");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  fail_unless (GPOINTER_TO_INT (g_thread_join (eos_thread)));

  null_thread = g_thread_new ("null", set_null_thread, pipeline);
  until = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  while (GST_STATE (pipeline) != GST_STATE_NULL) {
    fail_unless (g_get_monotonic_time () < until, "set_state(NULL) hung");
    g_usleep (1000);
  }
  fail_unless_equals_int (GPOINTER_TO_INT (g_thread_join (null_thread)),
      GST_STATE_CHANGE_SUCCESS);

  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* Starts an audiostreamsink with @socket_path on its own bus and returns
 * the state change's result; *@error gets the first ERROR's text, if any.
 * The element stays PAUSED (it has no upstream to preroll), so a fatal
 * ERROR of its network thread comes only after the 1 s it waits for
 * PLAYING (sender.c). */
static GstStateChangeReturn
start_with_socket_path (const gchar * socket_path, gboolean auto_reconnect,
    gchar ** error)
{
  GstElement *sink = gst_element_factory_make ("audiostreamsink", NULL);
  GstBus *bus = gst_bus_new ();
  GstStateChangeReturn ret;
  GstMessage *msg;

  gst_element_set_bus (sink, bus);
  g_object_set (sink, "socket-path", socket_path, "auto-reconnect",
      auto_reconnect, "stats-interval-ms", 0, NULL);
  ret = gst_element_set_state (sink, GST_STATE_PAUSED);
  msg = gst_bus_timed_pop_filtered (bus, 3 * GST_SECOND, GST_MESSAGE_ERROR);
  *error = NULL;
  if (msg) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    *error = g_strdup (err->message);
    g_error_free (err);
    gst_message_unref (msg);
  }
  gst_element_set_state (sink, GST_STATE_NULL);
  gst_element_set_bus (sink, NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  return ret;
}

/* sun_path holds 107 bytes and a NUL: a longer socket-path is refused at
 * start with an error that says so, instead of being cut short (the audio
 * went to whatever socket lived at the shortened path). */
GST_START_TEST (test_socket_path_too_long)
{
  gchar *path = g_strdup_printf ("/tmp/%0115d", 0);
  gchar *error = NULL;

  fail_unless_equals_int (start_with_socket_path (path, TRUE, &error),
      GST_STATE_CHANGE_FAILURE);
  fail_unless (error != NULL);
  fail_unless (strstr (error, "120 bytes") != NULL, "%s", error);
  fail_unless (strstr (error, "at most 107") != NULL, "%s", error);
  g_free (error);
  g_free (path);

  /* 107 bytes is the longest that works: it starts (and retries) */
  path = g_strdup_printf ("/tmp/%0102d", 0);
  fail_unless_equals_int (strlen (path), 107);
  fail_unless (start_with_socket_path (path, TRUE, &error) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (error == NULL, "%s", error);
  g_free (path);
}

GST_END_TEST;

/* prefill-ms larger than the ring allows: one WARNING that says what is
 * used instead, and the stats and quality messages report that effective
 * target (they said 2000 ms of a 500 ms ring, and buffer health could
 * never pass 0.25). */
GST_START_TEST (test_prefill_larger_than_ring)
{
  Receiver *r = receiver_new ();
  GstBus *bus = gst_bus_new ();
  GstHarness *h = setup_sink_full (r->port, TRUE, 2000, 500, bus,
      "stats-interval-ms", 50, NULL);
  GstMessage *msg;
  guint warnings = 0, i;
  gdouble health = -1.0;
  gint64 until;

  /* the ring minus a chunk: 490 ms starts the sending */
  for (i = 0; i < 49; i++)
    fail_unless_equals_int (gst_harness_push (h, counter_buffer (i * CHUNK,
                CHUNK)), GST_FLOW_OK);
  fail_unless_equals_uint64 (stats_uint64 (h, "buffer-target-ms"), 490);
  fail_unless_equals_uint64 (stats_uint64 (h, "buffer-capacity-ms"), 500);

  until = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  while (health < 0.0) {
    msg = gst_bus_timed_pop (bus, 0);
    if (msg == NULL) {
      fail_unless (g_get_monotonic_time () < until, "no quality message");
      crank (h);
      g_usleep (20000);
      continue;
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      GError *err = NULL;

      gst_message_parse_warning (msg, &err, NULL);
      if (strstr (err->message, "prefill-ms (2000)")) {
        fail_unless (strstr (err->message, "prefilling 490 ms") != NULL,
            "%s", err->message);
        warnings++;
      }
      g_error_free (err);
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT &&
        gst_structure_has_name (gst_message_get_structure (msg),
            "audiostreamsink-quality"))
      fail_unless (gst_structure_get_double (gst_message_get_structure (msg),
              "buffer-health", &health));
    gst_message_unref (msg);
  }
  /* a few chunks have left a 490 ms cushion */
  fail_unless (health > 0.8, "buffer health %f", health);
  fail_unless_equals_int (warnings, 1);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  receiver_free (r);
}

GST_END_TEST;

/* A socket-path that is a directory or a regular file: the error says so,
 * not "Connection refused". */
GST_START_TEST (test_socket_path_not_a_socket)
{
  gchar *dir = g_dir_make_tmp ("audiostreamsink-XXXXXX", NULL);
  gchar *file = g_build_filename (dir, "pcm.sock", NULL);
  gchar *error = NULL, *expected;

  fail_unless (dir != NULL);
  start_with_socket_path (dir, FALSE, &error);
  fail_unless (error != NULL);
  expected = g_strdup_printf ("%s is a directory, not a socket", dir);
  fail_unless (strstr (error, expected) != NULL, "%s", error);
  g_free (expected);
  g_free (error);

  fail_unless (g_file_set_contents (file, "", 0, NULL));
  start_with_socket_path (file, FALSE, &error);
  fail_unless (error != NULL);
  expected = g_strdup_printf ("%s is a regular file, not a socket", file);
  fail_unless (strstr (error, expected) != NULL, "%s", error);
  g_free (expected);
  g_free (error);

  g_unlink (file);
  g_rmdir (dir);
  g_free (file);
  g_free (dir);
}

GST_END_TEST;

/* host=[::1]: the error names the target once ("Could not connect to
 * [::1] port N: Connection refused."), without GIO's own "Could not
 * connect to ::1: " in the middle. */
GST_START_TEST (test_ipv6_error_names_target_once)
{
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstMessage *msg;
  GError *err = NULL;
  gchar *expected;
  guint16 port = unused_port ();

  h = setup_sink_full (port, TRUE, 100, 1000, bus, "host", "[::1]",
      "auto-reconnect", FALSE, NULL);
  msg = wait_for_error (bus, 2 * GST_SECOND);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  expected = g_strdup_printf ("Could not connect to [::1] port %u: ", port);
  fail_unless (g_str_has_prefix (err->message, expected), "%s",
      err->message);
  fail_unless (strstr (err->message + strlen (expected), "connect") == NULL,
      "%s", err->message);

  g_free (expected);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Formats                                                                   */

typedef struct
{
  const gchar *format;
  guint bpf;                    /* stereo */
} FormatCase;

static const FormatCase formats[] = {
  {"S16LE", 4}, {"S24LE", 6}, {"S32LE", 8}, {"F32LE", 8},
};

/* Byte k of the stream holds k % 251: a prime, so no sample or frame size
 * lines up with it, and a sample cut, swapped or padded shows. */
static GstBuffer *
byte_buffer (guint64 first_byte, guint bytes)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, bytes, NULL);
  GstMapInfo map;
  guint i;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (i = 0; i < bytes; i++)
    map.data[i] = (guint8) ((first_byte + i) % 251);
  gst_buffer_unmap (buf, &map);
  return buf;
}

/* Each format through a real socket: the bytes on the wire are the bytes
 * pushed, then a dry live capture is padded with whole frames of zero
 * bytes (silence in each format), counted in frames. 30 ms buffers, three
 * chunks each, and chunks of the format's frame size. */
GST_START_TEST (test_formats_sent_byte_exact)
{
  guint f;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    const FormatCase *fc = &formats[f];
    gchar *caps = g_strdup_printf ("audio/x-raw,format=%s,"
        "layout=interleaved,rate=48000,channels=2", fc->format);
    Receiver *r = receiver_new ();
    GstHarness *h;
    guint i, audio_bytes = 10 * 3 * CHUNK * fc->bpf;
    guint64 silence;

    src_caps = caps;
    h = setup_sink (r->port, TRUE, 100, 2000);
    for (i = 0; i < 10; i++)
      fail_unless_equals_int (gst_harness_push (h, byte_buffer (i * 3 *
                  CHUNK * fc->bpf, 3 * CHUNK * fc->bpf)), GST_FLOW_OK);
    /* 30 deadlines take the audio, the next two find the ring dry */
    for (i = 0; i < 32; i++)
      crank (h);
    while (stats_uint64 (h, "silence-samples") < 2 * CHUNK)
      g_usleep (1000);
    g_array_unref (drain_to_eos (h));
    silence = stats_uint64 (h, "silence-samples");
    fail_unless_equals_uint64 (stats_uint64 (h, "bytes-sent"),
        audio_bytes + silence * fc->bpf);
    gst_harness_teardown (h);
    receiver_wait_eof (r);

    fail_unless_equals_int (r->data->len, audio_bytes + silence * fc->bpf);
    for (i = 0; i < audio_bytes; i++)
      if (r->data->data[i] != i % 251)
        fail ("%s: byte %u is %u, expected %u", fc->format, i,
            r->data->data[i], i % 251);
    for (i = audio_bytes; i < r->data->len; i++)
      if (r->data->data[i] != 0)
        fail ("%s: silence byte %u is %u", fc->format, i, r->data->data[i]);
    receiver_free (r);
    g_free (caps);
    src_caps = CAPS;
  }
}

GST_END_TEST;

/* S32LE and F32LE have the same frame size but not the same meaning: the
 * receiver would play one as the other, so the change is refused too. */
GST_START_TEST (test_format_change_same_frame_size_refused)
{
  Receiver *r = receiver_new ();
  GstHarness *h;
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *err = NULL;

  src_caps = "audio/x-raw,format=S32LE,layout=interleaved,rate=48000,"
      "channels=2";
  h = setup_sink (r->port, TRUE, 1000, 2000);
  gst_element_set_bus (h->element, bus);
  fail_unless_equals_int (gst_harness_push (h, byte_buffer (0, CHUNK * 8)),
      GST_FLOW_OK);
  gst_harness_set_src_caps_str (h,
      "audio/x-raw,format=F32LE,layout=interleaved,rate=48000,channels=2");
  fail_unless_equals_int (gst_harness_push (h, byte_buffer (0, CHUNK * 8)),
      GST_FLOW_NOT_NEGOTIATED);
  msg = wait_for_error (bus, GST_SECOND);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (strstr (err->message, "was S32LE") != NULL, "%s",
      err->message);
  fail_unless (strstr (err->message, "now F32LE") != NULL, "%s",
      err->message);
  g_error_free (err);
  gst_message_unref (msg);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  receiver_free (r);
  src_caps = CAPS;
}

GST_END_TEST;

/* Lets the network thread's next clock wait complete if it comes within
 * @ms of wall time; FALSE if it does not come. */
static gboolean
crank_within (GstHarness * h, guint ms)
{
  GstTestClock *clock = gst_harness_get_testclock (h);
  gboolean pending = gst_test_clock_timed_wait_for_multiple_pending_ids (clock,
      1, ms, NULL);

  gst_object_unref (clock);
  if (pending)
    crank (h);
  return pending;
}

static gchar *
pop_warning (GstBus * bus, const gchar * containing)
{
  GstMessage *msg;
  gchar *text = NULL;

  while (text == NULL && (msg = gst_bus_pop_filtered (bus,
              GST_MESSAGE_WARNING))) {
    GError *err = NULL;

    gst_message_parse_warning (msg, &err, NULL);
    if (strstr (err->message, containing))
      text = g_strdup (err->message);
    g_error_free (err);
    gst_message_unref (msg);
  }
  return text;
}

/* prefill-ms = the ring minus one chunk, and a live upstream that delivers
 * 40 ms buffers (4 chunks): on a perfect link (every deadline met, one
 * buffer per 4 of them) the ring overflowed by 20 ms before sending began,
 * and the WARNING blamed the network. The prefill is now lowered to what
 * leaves room for one upstream buffer, with a WARNING that says what to
 * change, and nothing is dropped: the receiver gets every sample. */
GST_START_TEST (test_prefill_leaves_room_for_upstream_buffers)
{
  Receiver *r = receiver_new ();
  GstBus *bus = gst_bus_new ();
  GstHarness *h = setup_sink_full (r->port, TRUE, 490, 500, bus, NULL);
  const guint per_buffer = 4 * CHUNK, n_buffers = 40;
  gint64 until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  gchar *warning;
  guint k, i;

  /* Connected before the first buffer: the sender then already waits for
   * the prefill as set (490 ms) when render() lowers it, and must start at
   * the lower one (it started at 520 ms and dropped 20 ms, in 1 of 20 runs
   * on a loaded machine, where the connection came first by chance). */
  while (!stats_bool (h, "connected") && g_get_monotonic_time () < until)
    g_usleep (1000);
  fail_unless (stats_bool (h, "connected"));
  g_usleep (50 * 1000);

  for (k = 0; k < n_buffers; k++) {
    fail_unless_equals_int (gst_harness_push (h, counter_buffer (k *
                per_buffer, per_buffer)), GST_FLOW_OK);
    if (k < 11)
      continue;
    /* real time: 40 ms of deadlines per 40 ms buffer, once sending began */
    for (i = 0; i < 4 && crank_within (h, k == 11 ? 2000 : 500); i++);
  }
  fail_unless_equals_uint64 (stats_uint64 (h, "dropped-samples"), 0);
  fail_unless_equals_uint64 (stats_uint64 (h, "overflows"), 0);
  fail_unless_equals_uint64 (stats_uint64 (h, "buffer-target-ms"), 460);
  warning = pop_warning (bus, "Upstream delivers 40 ms");
  fail_unless (warning != NULL, "no WARNING about the upstream buffers");
  fail_unless (strstr (warning, "a prefill of 490 ms leaves only 10 ms of "
          "ring-buffer-ms (500)") != NULL, "%s", warning);
  fail_unless (strstr (warning, "prefilling 460 ms instead") != NULL, "%s",
      warning);
  fail_unless (strstr (warning, "ring-buffer-ms at least 530") != NULL, "%s",
      warning);
  g_free (warning);
  fail_unless (pop_warning (bus, "network") == NULL,
      "a WARNING blamed the network");

  g_array_unref (drain_to_eos (h));
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  receiver_wait_eof (r);
  fail_unless_equals_int (r->data->len, n_buffers * per_buffer * BPF);
  assert_counter (r->data->data, r->data->len, 0);
  receiver_free (r);
}

GST_END_TEST;

/* A live upstream buffer that the ring cannot hold with a chunk being
 * sent: an ERROR that says how large ring-buffer-ms must be. */
GST_START_TEST (test_upstream_buffer_larger_than_ring)
{
  Receiver *r = receiver_new ();
  GstBus *bus = gst_bus_new ();
  GstHarness *h = setup_sink_full (r->port, TRUE, 100, 500, bus, NULL);
  GstMessage *msg;
  GError *err = NULL;

  fail_unless_equals_int (gst_harness_push (h, counter_buffer (0,
              60 * CHUNK)), GST_FLOW_ERROR);
  msg = wait_for_error (bus, GST_SECOND);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (strstr (err->message, "Upstream delivers 600 ms") != NULL,
      "%s", err->message);
  fail_unless (strstr (err->message, "ring-buffer-ms at least 610") != NULL,
      "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  receiver_free (r);
}

GST_END_TEST;

static Suite *
audiostreamsink_suite (void)
{
  Suite *s = suite_create ("audiostreamsink");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_paced_by_pipeline_clock);
  tcase_add_test (tc, test_backlog_catch_up_is_bounded);
  tcase_add_test (tc, test_non_live_backpressure);
  tcase_add_test (tc, test_live_overflow_drops_oldest);
  tcase_add_test (tc, test_refuses_other_formats);
  tcase_add_test (tc, test_refused_port_names_target);
  tcase_add_test (tc, test_refused_port_retries_with_backoff);
  tcase_add_test (tc, test_gives_up_after_max_attempts);
  tcase_add_test (tc, test_format_change_refused_mid_stream);
  tcase_add_test (tc, test_start_stop_cycles);
  tcase_add_test (tc, test_caps_change_before_audio);
  tcase_add_test (tc, test_eos_with_blocked_non_live_upstream);
  tcase_add_test (tc, test_pause_while_backpressured);
  tcase_add_test (tc, test_socket_path_too_long);
  tcase_add_test (tc, test_prefill_larger_than_ring);
  tcase_add_test (tc, test_socket_path_not_a_socket);
  tcase_add_test (tc, test_ipv6_error_names_target_once);
  tcase_add_test (tc, test_formats_sent_byte_exact);
  tcase_add_test (tc, test_format_change_same_frame_size_refused);
  tcase_add_test (tc, test_prefill_leaves_room_for_upstream_buffers);
  tcase_add_test (tc, test_upstream_buffer_larger_than_ring);
  return s;
}

GST_CHECK_MAIN (audiostreamsink);
