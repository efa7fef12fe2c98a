/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* stream: capture audio and stream it with audiostreamsink, printing what
 * the sink reports, until Ctrl-C or --seconds.
 *
 *   stream --host 192.0.2.10 --port 4953                  # a test tone
 *   stream --device "Built-in Audio Analog Stereo" --prefill-ms 500
 *   stream --device "pulsesrc device=out.monitor" --loopback --adaptive-buffer
 *
 * --device takes a device name as `list-devices` prints it, or the pipeline
 * fragment printed under it. Every option left out keeps the element's
 * default (docs/guide-audiostreamsink.md lists them), so --loopback still
 * changes the buffer defaults. Ctrl-C (or the end of --seconds) sends EOS:
 * the sink sends what it holds, closes the connection, and the program
 * exits 0; a second Ctrl-C stops at once. An error exits 1.
 *
 * Run it from `meson devenv -C build`, or with GST_PLUGIN_PATH pointing at
 * build/plugins/audiostream.
 */

#include <gst/gst.h>
#include <glib-unix.h>
#include <locale.h>
#include <signal.h>

#define DEFAULT_SOURCE "audiotestsrc is-live=true wave=sine freq=440"

typedef struct
{
  gchar *device;
  gchar *host;
  gint port;
  gchar *socket_path;
  gint rate;
  gint channels;
  gint prefill_ms;
  gint ring_buffer_ms;
  gint chunk_samples;
  gchar *dscp;
  gboolean high_priority;
  gboolean no_auto_reconnect;
  gint reconnect_min_ms;
  gint reconnect_max_ms;
  gboolean loopback;
  gboolean adaptive_buffer;
  gint min_buffer_ms;
  gint max_buffer_ms;
  gint stats_interval_ms;
  gdouble seconds;
  gboolean quiet;
} Options;

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline;
  gboolean stopping;
  gint exit_code;
} App;

/* -- the pipeline ---------------------------------------------------------- */

/* The capture device whose display name is name, as an element; NULL when
 * there is no such device. */
static GstElement *
element_for_device_name (const gchar * name)
{
  GstDeviceMonitor *monitor = gst_device_monitor_new ();
  GstElement *element = NULL;
  GList *devices, *l;

  gst_device_monitor_add_filter (monitor, "Audio/Source", NULL);
  if (!gst_device_monitor_start (monitor)) {
    gst_object_unref (monitor);
    return NULL;
  }
  devices = gst_device_monitor_get_devices (monitor);
  for (l = devices; l != NULL && element == NULL; l = l->next) {
    gchar *display_name = gst_device_get_display_name (l->data);

    if (g_strcmp0 (display_name, name) == 0)
      element = gst_device_create_element (l->data, NULL);
    g_free (display_name);
  }
  g_list_free_full (devices, gst_object_unref);
  gst_device_monitor_stop (monitor);
  gst_object_unref (monitor);
  return element;
}

static GstElement *
make_source (const gchar * device, GError ** error)
{
  GstElement *element;

  if (device == NULL)
    return gst_parse_bin_from_description (DEFAULT_SOURCE, TRUE, error);
  element = element_for_device_name (device);
  if (element != NULL)
    return element;
  return gst_parse_bin_from_description (device, TRUE, error);
}

static void
set_int_if_given (GstElement * sink, const gchar * property, gint value)
{
  if (value >= 0)
    g_object_set (sink, property, value, NULL);
}

static gboolean
set_dscp (GstElement * sink, const gchar * dscp, GError ** error)
{
  GParamSpec *pspec;
  GValue value = G_VALUE_INIT;
  gboolean ok;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (sink), "dscp");
  g_value_init (&value, pspec->value_type);
  ok = gst_value_deserialize (&value, dscp);
  if (ok)
    g_object_set_property (G_OBJECT (sink), "dscp", &value);
  else
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "Unknown --dscp %s: use voip, lowdelay, throughput or besteffort.",
        dscp);
  g_value_unset (&value);
  return ok;
}

/* Only what the user gave: the element's defaults, loopback's included,
 * stay in charge of the rest. */
static gboolean
configure_sink (GstElement * sink, const Options * o, GError ** error)
{
  if (o->socket_path != NULL)
    g_object_set (sink, "socket-path", o->socket_path, NULL);
  else
    g_object_set (sink, "host", o->host, "port", o->port, NULL);
  g_object_set (sink, "loopback", o->loopback,
      "adaptive-buffer", o->adaptive_buffer,
      "high-priority", o->high_priority,
      "auto-reconnect", !o->no_auto_reconnect, NULL);
  if (o->dscp != NULL && !set_dscp (sink, o->dscp, error))
    return FALSE;
  set_int_if_given (sink, "prefill-ms", o->prefill_ms);
  set_int_if_given (sink, "ring-buffer-ms", o->ring_buffer_ms);
  set_int_if_given (sink, "chunk-samples", o->chunk_samples);
  set_int_if_given (sink, "reconnect-min-ms", o->reconnect_min_ms);
  set_int_if_given (sink, "reconnect-max-ms", o->reconnect_max_ms);
  set_int_if_given (sink, "min-buffer-ms", o->min_buffer_ms);
  set_int_if_given (sink, "max-buffer-ms", o->max_buffer_ms);
  set_int_if_given (sink, "stats-interval-ms", o->stats_interval_ms);
  return TRUE;
}

static GstCaps *
make_caps (const Options * o)
{
  return gst_caps_new_simple ("audio/x-raw",
      "format", G_TYPE_STRING, "S16LE",
      "layout", G_TYPE_STRING, "interleaved",
      "rate", G_TYPE_INT, o->rate, "channels", G_TYPE_INT, o->channels, NULL);
}

/* source ! audioconvert ! audioresample ! S16LE caps ! audiostreamsink */
static GstElement *
build_pipeline (const Options * o, GError ** error)
{
  GstElement *pipeline, *source, *convert, *resample, *filter, *sink;
  GstCaps *caps;

  source = make_source (o->device, error);
  if (source == NULL)
    return NULL;
  sink = gst_element_factory_make ("audiostreamsink", "sink");
  if (sink == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "No audiostreamsink element: set GST_PLUGIN_PATH to "
        "build/plugins/audiostream, or run from `meson devenv`.");
    gst_object_unref (gst_object_ref_sink (source));
    return NULL;
  }
  if (!configure_sink (sink, o, error)) {
    gst_object_unref (gst_object_ref_sink (sink));
    gst_object_unref (gst_object_ref_sink (source));
    return NULL;
  }

  pipeline = gst_pipeline_new ("stream");
  convert = gst_element_factory_make ("audioconvert", NULL);
  resample = gst_element_factory_make ("audioresample", NULL);
  filter = gst_element_factory_make ("capsfilter", NULL);
  caps = make_caps (o);
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);

  gst_bin_add_many (GST_BIN (pipeline), source, convert, resample, filter,
      sink, NULL);
  if (!gst_element_link_many (source, convert, resample, filter, sink, NULL)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "Could not link the source to S16LE at %d Hz, %d channels.",
        o->rate, o->channels);
    gst_object_unref (pipeline);
    return NULL;
  }
  return pipeline;
}

/* -- messages -------------------------------------------------------------- */

static guint64
get_u64 (const GstStructure * s, const gchar * field)
{
  guint64 v = 0;

  gst_structure_get_uint64 (s, field, &v);
  return v;
}

static gdouble
get_double (const GstStructure * s, const gchar * field)
{
  gdouble v = 0;

  gst_structure_get_double (s, field, &v);
  return v;
}

static void
print_connection (const GstStructure * s)
{
  const gchar *error = gst_structure_get_string (s, "error");
  gint64 retry_in_ms = -1;

  gst_structure_get_int64 (s, "retry-in-ms", &retry_in_ms);
  g_print ("connection  %-12s attempt %" G_GUINT64_FORMAT " %s",
      gst_structure_get_string (s, "state"), get_u64 (s, "attempt"),
      gst_structure_get_string (s, "remote"));
  if (retry_in_ms >= 0)
    g_print (" retry in %" G_GINT64_FORMAT " ms", retry_in_ms);
  if (error != NULL)
    g_print (" (%s)", error);
  g_print ("\n");
}

static void
print_stats (const GstStructure * s)
{
  gint64 p99 = 0;

  gst_structure_get_int64 (s, "pacing-error-p99-us", &p99);
  g_print ("stats       sent %" G_GUINT64_FORMAT " samples, %.1f kbit/s, "
      "level %" G_GUINT64_FORMAT " / target %" G_GUINT64_FORMAT " ms, "
      "p99 %" G_GINT64_FORMAT " us, underruns %" G_GUINT64_FORMAT
      ", overflows %" G_GUINT64_FORMAT ", dropped %" G_GUINT64_FORMAT
      ", reconnects %" G_GUINT64_FORMAT "\n",
      get_u64 (s, "samples-sent"), get_double (s, "bitrate-kbps"),
      get_u64 (s, "buffer-level-ms"), get_u64 (s, "buffer-target-ms"), p99,
      get_u64 (s, "underruns"), get_u64 (s, "overflows"),
      get_u64 (s, "dropped-samples"), get_u64 (s, "reconnects"));
}

static void
print_quality (const GstStructure * s)
{
  guint score = 0;

  gst_structure_get_uint (s, "score", &score);
  g_print ("quality     %u %s, jitter %.1f ms, rtt %.2f ms, "
      "buffer health %.2f\n", score, gst_structure_get_string (s, "rating"),
      get_double (s, "jitter-ms"), get_double (s, "rtt-ms"),
      get_double (s, "buffer-health"));
}

static void
print_buffer_resize (const GstStructure * s)
{
  g_print ("resize      %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT
      " ms (jitter %.1f ms, %s)\n", get_u64 (s, "old-ms"),
      get_u64 (s, "new-ms"), get_double (s, "jitter-ms"),
      gst_structure_get_string (s, "reason"));
}

static void
print_element_message (GstMessage * msg)
{
  const GstStructure *s = gst_message_get_structure (msg);

  if (gst_structure_has_name (s, "audiostreamsink-connection"))
    print_connection (s);
  else if (gst_structure_has_name (s, "audiostreamsink-stats"))
    print_stats (s);
  else if (gst_structure_has_name (s, "audiostreamsink-quality"))
    print_quality (s);
  else if (gst_structure_has_name (s, "audiostreamsink-buffer-resize"))
    print_buffer_resize (s);
}

static gboolean
on_bus_message (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  App *app = user_data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
      print_element_message (msg);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &err, NULL);
      g_print ("WARNING     %s\n", err->message);
      break;
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      g_printerr ("ERROR       %s\n            %s\n", err->message,
          debug ? debug : "");
      app->exit_code = 1;
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_EOS:
      g_print ("done        everything sent\n");
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  g_clear_error (&err);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

/* -- stopping -------------------------------------------------------------- */

/* EOS from the source: the sink sends what it holds, then EOS reaches the
 * bus and the main loop ends. */
static void
stop_streaming (App * app)
{
  if (app->stopping)
    return;
  app->stopping = TRUE;
  g_print ("stopping    sending what is buffered (Ctrl-C again to quit "
      "at once)\n");
  gst_element_send_event (app->pipeline, gst_event_new_eos ());
}

static gboolean
on_sigint (gpointer user_data)
{
  App *app = user_data;

  if (app->stopping) {
    app->exit_code = 130;
    g_main_loop_quit (app->loop);
  } else {
    stop_streaming (app);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_time_up (gpointer user_data)
{
  stop_streaming (user_data);
  return G_SOURCE_REMOVE;
}

/* -- options --------------------------------------------------------------- */

static gboolean
parse_options (int *argc, char ***argv, Options * o)
{
  GOptionEntry entries[] = {
    {"device", 'd', 0, G_OPTION_ARG_STRING, &o->device,
        "Capture device: a name as list-devices prints it, or a pipeline "
          "fragment (default: " DEFAULT_SOURCE ")", "DEVICE"},
    {"host", 'H', 0, G_OPTION_ARG_STRING, &o->host,
        "Receiver host name or address (default 127.0.0.1)", "HOST"},
    {"port", 'p', 0, G_OPTION_ARG_INT, &o->port,
        "Receiver TCP port (default 4953)", "PORT"},
    {"socket-path", 0, 0, G_OPTION_ARG_FILENAME, &o->socket_path,
        "Stream to this Unix socket instead of host and port", "PATH"},
    {"rate", 'r', 0, G_OPTION_ARG_INT, &o->rate,
        "Sample rate sent (default 48000)", "HZ"},
    {"channels", 'c', 0, G_OPTION_ARG_INT, &o->channels,
        "Channels sent (default 2)", "N"},
    {"prefill-ms", 'b', 0, G_OPTION_ARG_INT, &o->prefill_ms,
        "Buffer size: audio buffered before sending starts", "MS"},
    {"ring-buffer-ms", 0, 0, G_OPTION_ARG_INT, &o->ring_buffer_ms,
        "Ring buffer capacity", "MS"},
    {"chunk-samples", 0, 0, G_OPTION_ARG_INT, &o->chunk_samples,
        "Frames per send", "FRAMES"},
    {"dscp", 0, 0, G_OPTION_ARG_STRING, &o->dscp,
        "Traffic class: voip, lowdelay, throughput, besteffort", "CLASS"},
    {"high-priority", 0, 0, G_OPTION_ARG_NONE, &o->high_priority,
        "Real-time priority for the network thread", NULL},
    {"no-auto-reconnect", 0, 0, G_OPTION_ARG_NONE, &o->no_auto_reconnect,
        "Stop with an error at the first connection failure", NULL},
    {"reconnect-min-ms", 0, 0, G_OPTION_ARG_INT, &o->reconnect_min_ms,
        "First wait before reconnecting", "MS"},
    {"reconnect-max-ms", 0, 0, G_OPTION_ARG_INT, &o->reconnect_max_ms,
        "Longest wait before reconnecting", "MS"},
    {"loopback", 'l', 0, G_OPTION_ARG_NONE, &o->loopback,
        "Monitor (what-you-hear) capture: larger buffer defaults", NULL},
    {"adaptive-buffer", 'A', 0, G_OPTION_ARG_NONE, &o->adaptive_buffer,
        "Let the buffer target follow the measured jitter", NULL},
    {"min-buffer-ms", 0, 0, G_OPTION_ARG_INT, &o->min_buffer_ms,
        "Lowest adaptive buffer target", "MS"},
    {"max-buffer-ms", 0, 0, G_OPTION_ARG_INT, &o->max_buffer_ms,
        "Highest adaptive buffer target", "MS"},
    {"stats-interval-ms", 0, 0, G_OPTION_ARG_INT, &o->stats_interval_ms,
        "Period of the stats messages, 0 = none", "MS"},
    {"seconds", 's', 0, G_OPTION_ARG_DOUBLE, &o->seconds,
        "Stop after this long (default: at Ctrl-C)", "S"},
    {NULL}
  };
  GOptionContext *ctx;
  GError *err = NULL;
  gboolean ok;

  ctx = g_option_context_new ("- stream audio with audiostreamsink");
  g_option_context_set_summary (ctx,
      "Captures audio and streams it as raw S16LE PCM to a TCP or Unix-socket "
      "receiver,\nprinting connection, stats, quality and buffer-resize "
      "messages. Ctrl-C drains\nand stops. Options left out keep "
      "audiostreamsink's defaults.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, &err);
  if (!ok)
    g_printerr ("%s\n", err->message);
  else if (o->rate < 8000 || o->channels < 1 || o->seconds < 0) {
    g_printerr ("--rate must be at least 8000, --channels at least 1, "
        "--seconds not negative.\n");
    ok = FALSE;
  }
  g_clear_error (&err);
  g_option_context_free (ctx);
  return ok;
}

static void
options_clear (Options * o)
{
  g_free (o->device);
  g_free (o->host);
  g_free (o->socket_path);
  g_free (o->dscp);
}

int
main (int argc, char **argv)
{
  Options o = {
    .host = NULL, .port = 4953, .rate = 48000, .channels = 2,
    .prefill_ms = -1, .ring_buffer_ms = -1, .chunk_samples = -1,
    .reconnect_min_ms = -1, .reconnect_max_ms = -1, .min_buffer_ms = -1,
    .max_buffer_ms = -1, .stats_interval_ms = -1,
  };
  App app = { NULL, NULL, FALSE, 0 };
  GError *err = NULL;
  GstBus *bus;

  setlocale (LC_ALL, "");
  if (!parse_options (&argc, &argv, &o)) {
    options_clear (&o);
    return 2;
  }
  if (o.host == NULL)
    o.host = g_strdup ("127.0.0.1");

  app.pipeline = build_pipeline (&o, &err);
  if (app.pipeline == NULL) {
    g_printerr ("%s\n", err->message);
    g_clear_error (&err);
    options_clear (&o);
    return 1;
  }
  app.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (app.pipeline);
  gst_bus_add_watch (bus, on_bus_message, &app);
  g_unix_signal_add (SIGINT, on_sigint, &app);
  g_unix_signal_add (SIGTERM, on_sigint, &app);
  if (o.seconds > 0)
    g_timeout_add ((guint) (o.seconds * 1000), on_time_up, &app);

  /* A failure posts an ERROR, which ends the loop. */
  gst_element_set_state (app.pipeline, GST_STATE_PLAYING);
  g_main_loop_run (app.loop);

  gst_element_set_state (app.pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);
  options_clear (&o);
  return app.exit_code;
}
