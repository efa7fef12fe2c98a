/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* An application that drops audiostreamsink while it is PLAYING, without
 * setting it to NULL first: nothing of the element may run after it is
 * gone (the sending side once kept posting on the freed element). */

#include <gst/check/gstcheck.h>
#include <gio/gio.h>

#define N_SINKS 20

static GSocketListener *
listen_any (guint16 * port)
{
  GSocketListener *listener = g_socket_listener_new ();
  GError *err = NULL;

  *port = g_socket_listener_add_any_inet_port (listener, NULL, &err);
  fail_unless (*port != 0, "listen: %s", err ? err->message : "?");
  return listener;
}

/* a port nobody listens on: connection attempts fail at once, and the
 * sink keeps backing off, retrying and posting */
static guint16
closed_port (void)
{
  guint16 port;
  GSocketListener *listener = listen_any (&port);

  g_socket_listener_close (listener);
  g_object_unref (listener);
  return port;
}

static gint finalized;

static void
on_finalized (gpointer data, GObject * where_the_object_was)
{
  g_atomic_int_inc (&finalized);
}

static GstElement *
playing_sink (guint16 port, GstBus * bus)
{
  GstElement *sink = gst_element_factory_make ("audiostreamsink", NULL);

  fail_unless (sink != NULL);
  g_object_weak_ref (G_OBJECT (sink), on_finalized, NULL);
  gst_element_set_bus (sink, bus);
  g_object_set (sink, "host", "127.0.0.1", "port", port,
      "reconnect-min-ms", 10, "reconnect-max-ms", 20,
      "stats-interval-ms", 10, "async", FALSE, NULL);
  fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  return sink;
}

/* The elements are really gone (nothing keeps them alive), and whatever
 * still ran for them would touch freed memory: under ASan this fails
 * without the element leaving the scheduler in dispose; without ASan it
 * crashes more often than not. */
static void
drop_while_playing (void)
{
  GstElement *sinks[N_SINKS];
  GSocketListener *listener;
  guint16 open_port, dead_port = closed_port ();
  /* a bus that holds no message (each would keep its element alive) */
  GstBus *bus = gst_bus_new ();
  gint64 until;
  guint i;

  gst_bus_set_flushing (bus, TRUE);
  /* GstElement says what the application did wrong, as it should; it may
   * say so from whichever thread drops the last reference */
  gst_check_add_log_filter ("GStreamer", G_LOG_LEVEL_CRITICAL,
      g_regex_new ("Trying to dispose element", 0, 0, NULL), NULL, NULL,
      NULL);
  g_atomic_int_set (&finalized, 0);
  listener = listen_any (&open_port);
  /* half connect and wait for audio, half retry a dead port */
  for (i = 0; i < N_SINKS; i++)
    sinks[i] = playing_sink (i % 2 ? open_port : dead_port, bus);
  g_usleep (300 * 1000);

  for (i = 0; i < N_SINKS; i++)
    gst_object_unref (sinks[i]);
  until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_atomic_int_get (&finalized) < N_SINKS &&
      g_get_monotonic_time () < until)
    g_usleep (1000);
  fail_unless_equals_int (g_atomic_int_get (&finalized), N_SINKS);

  g_usleep (300 * 1000);
  g_socket_listener_close (listener);
  g_object_unref (listener);
  gst_object_unref (bus);
  gst_check_clear_log_filter ();
}

GST_START_TEST (test_dropped_while_playing)
{
  guint round;

  /* a few rounds: without the fix, one crashes more often than not */
  for (round = 0; round < 5; round++)
    drop_while_playing ();
}

GST_END_TEST;

/* ---- stopping: no preroll on the way down ---- */

static gint rendered;           /* atomic: buffers that reached the sinks */

static GstPadProbeReturn
count_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  g_atomic_int_inc (&rendered);
  return GST_PAD_PROBE_OK;
}

/* a live source into an audiostreamsink (retrying a closed port: writing
 * into the ring needs no peer), PLAYING until the sink has had buffers
 * after its preroll, so that it would need a new one to pause */
static GstElement *
playing_pipeline (GstElement ** sink)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("audiotestsrc", NULL);
  GstPad *pad;
  gint64 until;

  *sink = gst_element_factory_make ("audiostreamsink", NULL);
  fail_unless (src != NULL && *sink != NULL);
  g_object_set (src, "is-live", TRUE, "samplesperbuffer", 480, "wave", 4,
      NULL);
  g_object_set (*sink, "host", "127.0.0.1", "port", closed_port (),
      "reconnect-min-ms", 10, "reconnect-max-ms", 20, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, *sink, NULL);
  fail_unless (gst_element_link (src, *sink));
  pad = gst_element_get_static_pad (*sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, NULL,
      NULL);
  gst_object_unref (pad);

  g_atomic_int_set (&rendered, 0);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
          5 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_atomic_int_get (&rendered) < 10 &&
      g_get_monotonic_time () < until)
    g_usleep (1000);
  fail_unless (g_atomic_int_get (&rendered) >= 10);
  return pipeline;
}

/* What GstBin does to its sink when the application sets the pipeline to
 * @target: the pipeline's target state is @target, and the sink is given
 * PAUSED. Returns how the sink's step went. */
static GstStateChangeReturn
pause_sink_on_the_way_to (GstElement * pipeline, GstElement * sink,
    GstState target)
{
  GST_OBJECT_LOCK (pipeline);
  GST_STATE_TARGET (pipeline) = target;
  GST_OBJECT_UNLOCK (pipeline);
  return gst_element_set_state (sink, GST_STATE_PAUSED);
}

/* A pipeline set to NULL steps each sink through PAUSED. The sink must
 * not go asynchronous there (GstBaseSink would, having rendered since its
 * preroll): its streaming thread would commit a preroll and post, and
 * hundreds of such posts at once spin on the bus for seconds or minutes
 * (docs/scale.md, "Stopping"). */
GST_START_TEST (test_stop_skips_preroll)
{
  const GstState targets[] = { GST_STATE_NULL, GST_STATE_READY };
  guint t;

  for (t = 0; t < G_N_ELEMENTS (targets); t++) {
    GstElement *sink, *pipeline = playing_pipeline (&sink);
    gint before;

    fail_unless_equals_int (pause_sink_on_the_way_to (pipeline, sink,
            targets[t]), GST_STATE_CHANGE_SUCCESS);
    /* Nor does it render on: its streaming thread (here the source's,
     * still PLAYING, 100 buffers a second) waits in the sink for the
     * stop. */
    g_usleep (100 * 1000);
    before = g_atomic_int_get (&rendered);
    g_usleep (300 * 1000);
    fail_unless (g_atomic_int_get (&rendered) <= before + 1,
        "%d buffers reached the sink after it paused for a stop to %s",
        g_atomic_int_get (&rendered) - before,
        gst_element_state_get_name (targets[t]));
    fail_unless_equals_int (gst_element_set_state (pipeline,
            GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    gst_object_unref (pipeline);
  }
}

GST_END_TEST;

/* ...but a pipeline that is only paused still prerolls its sink again,
 * as with any GstBaseSink */
GST_START_TEST (test_pause_still_prerolls)
{
  GstElement *sink, *pipeline = playing_pipeline (&sink);

  fail_unless_equals_int (pause_sink_on_the_way_to (pipeline, sink,
          GST_STATE_PAUSED), GST_STATE_CHANGE_ASYNC);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
lifetime_suite (void)
{
  Suite *s = suite_create ("audiostreamsink-lifetime");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_dropped_while_playing);
  tcase_add_test (tc, test_stop_skips_preroll);
  tcase_add_test (tc, test_pause_still_prerolls);
  return s;
}

GST_CHECK_MAIN (lifetime);
