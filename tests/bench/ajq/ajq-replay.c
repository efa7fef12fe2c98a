/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Replays an arrival trace through adaptivejitterqueue on a test clock and
 * logs what came out, chunk by chunk, for tests/bench/ajq/evaluate.py.
 *
 *   ajq-replay TRACE LOG [--rate HZ] [--channels N] [--signal speech|tone]
 *              [--set PROPERTY=VALUE]...
 *
 * TRACE: one line per buffer, "ARRIVAL_NS FRAMES", in arrival order; lines
 * starting with '#' are comments. The audio itself is synthetic and
 * deterministic (a function of the frame number), since the trace only says
 * when how much of it arrived.
 *
 * LOG: one line per output buffer, "TIME_NS FRAMES PLAYED REMOVED DROPPED
 * CONCEALED INSERTED TARGET_US DELAY_US", the counters being the element's
 * totals after that buffer; then a line "# stats ..." with the final
 * statistics structure. The test clock only moves when the element waits or
 * a buffer arrives, so a ten-minute trace replays in seconds, and the result
 * does not depend on the machine's load. */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ajq-signal.h"

typedef struct
{
  guint64 at;
  guint frames;
} Event;

static GArray *
read_trace (const gchar * path)
{
  GArray *events = g_array_new (FALSE, FALSE, sizeof (Event));
  FILE *f = fopen (path, "r");
  gchar line[256];

  if (f == NULL) {
    g_printerr ("cannot open %s\n", path);
    exit (2);
  }
  while (fgets (line, sizeof (line), f)) {
    Event e;
    gchar *end;

    if (line[0] == '#' || line[0] == '\n')
      continue;
    e.at = g_ascii_strtoull (line, &end, 10);
    e.frames = (guint) g_ascii_strtoull (end, NULL, 10);
    if (e.frames > 0)
      g_array_append_val (events, e);
  }
  fclose (f);
  return events;
}

static GstBuffer *
make_buffer (guint64 first, guint frames, guint rate, guint channels,
    gboolean tone, gdouble * phase)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, (gsize) frames * channels
      * 2, NULL);
  GstMapInfo map;
  guint i, c;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (i = 0; i < frames; i++) {
    gdouble v = tone ? 0.5 * sin (2 * G_PI * 440.0 * (first + i) / rate) :
        ajq_speech_sample (first + i, rate, phase);
    gint16 s = (gint16) CLAMP (lrint (v * 32767.0), -32768, 32767);

    for (c = 0; c < channels; c++)
      GST_WRITE_UINT16_LE (map.data + ((gsize) i * channels + c) * 2, s);
  }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (first, GST_SECOND, rate);
  return buf;
}

static guint64
field_u64 (const GstStructure * s, const gchar * name)
{
  guint64 v = 0;

  gst_structure_get_uint64 (s, name, &v);
  return v;
}

static gdouble
field_double (const GstStructure * s, const gchar * name)
{
  gdouble v = 0;

  gst_structure_get_double (s, name, &v);
  return v;
}

/* Lets the element's pending clock wait complete and logs the buffer it
 * pushes. */
static void
crank_one (GstHarness * h, GstTestClock * clock, GstClockID id, FILE * log)
{
  GstClockTime t = gst_clock_id_get_time (id);
  GstStructure *s = NULL;
  GstBuffer *buf;

  if (t > gst_clock_get_time (GST_CLOCK (clock)))
    gst_test_clock_set_time (clock, t);
  gst_test_clock_process_id (clock, id);
  buf = gst_harness_pull (h);
  g_object_get (h->element, "stats", &s, NULL);
  fprintf (log, "%" G_GUINT64_FORMAT " %" G_GSIZE_FORMAT " %" G_GUINT64_FORMAT
      " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %"
      G_GUINT64_FORMAT " %.0f %.0f\n", t,
      gst_buffer_get_size (buf) / 2, field_u64 (s, "played-samples"),
      field_u64 (s, "removed-samples"), field_u64 (s, "dropped-samples"),
      field_u64 (s, "concealed-samples"), field_u64 (s, "inserted-samples"),
      field_double (s, "target-ms") * 1000.0,
      field_double (s, "delay-ms") * 1000.0);
  gst_structure_free (s);
  gst_buffer_unref (buf);
}

int
main (int argc, char **argv)
{
  guint rate = 48000, channels = 1;
  gchar *signal = NULL;
  gchar **sets = NULL;
  GOptionEntry entries[] = {
    {"rate", 0, 0, G_OPTION_ARG_INT, &rate, "Sample rate", "HZ"},
    {"channels", 0, 0, G_OPTION_ARG_INT, &channels, "Channels", "N"},
    {"signal", 0, 0, G_OPTION_ARG_STRING, &signal, "speech or tone", "S"},
    {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets,
        "Element property", "NAME=VALUE"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("TRACE LOG");
  GError *err = NULL;
  GArray *events;
  GstHarness *h;
  GstTestClock *clock;
  GstStructure *final = NULL;
  gchar *caps, *str;
  FILE *log;
  guint64 media = 0;
  gdouble phase = 0.0;
  gboolean tone;
  guint i;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err) || argc != 3) {
    g_printerr ("%s\n", err ? err->message : "usage: TRACE LOG");
    return 2;
  }
  g_option_context_free (ctx);
  tone = g_strcmp0 (signal, "tone") == 0;

  events = read_trace (argv[1]);
  log = fopen (argv[2], "w");
  if (log == NULL || events->len == 0) {
    g_printerr ("cannot write %s or empty trace\n", argv[2]);
    return 2;
  }

  {
    GstElement *element = gst_element_factory_make ("adaptivejitterqueue",
        NULL);

    if (element == NULL) {
      g_printerr ("adaptivejitterqueue not found (GST_PLUGIN_PATH?)\n");
      return 2;
    }
    for (i = 0; sets && sets[i]; i++) {
      gchar **kv = g_strsplit (sets[i], "=", 2);

      if (kv[0] && kv[1])
        gst_util_set_object_arg (G_OBJECT (element), kv[0], kv[1]);
      g_strfreev (kv);
    }
    g_object_set (element, "stats-interval-ms", 0, NULL);
    h = gst_harness_new_with_element (element, "sink", "src");
    gst_object_unref (element);
  }
  gst_harness_use_testclock (h);
  clock = gst_harness_get_testclock (h);
  caps = g_strdup_printf ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=%u,channels=%u", rate, channels);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);

  for (i = 0; i < events->len; i++) {
    Event *e = &g_array_index (events, Event, i);

    if (i > 0) {
      /* every output buffer due before this arrival goes out first */
      for (;;) {
        GstClockID id = NULL;

        gst_test_clock_wait_for_next_pending_id (clock, &id);
        /* an arrival at the very time a buffer is due is in time */
        if (gst_clock_id_get_time (id) >= e->at) {
          gst_clock_id_unref (id);
          break;
        }
        /* takes our reference to the id */
        crank_one (h, clock, id, log);
      }
    }
    if (e->at > gst_clock_get_time (GST_CLOCK (clock)))
      gst_test_clock_set_time (clock, e->at);
    if (gst_harness_push (h, make_buffer (media, e->frames, rate, channels,
                tone, &phase)) != GST_FLOW_OK) {
      g_printerr ("push failed at event %u\n", i);
      return 1;
    }
    media += e->frames;
  }

  g_object_get (h->element, "stats", &final, NULL);
  str = gst_structure_to_string (final);
  fprintf (log, "# stats %s\n", str);
  g_free (str);
  gst_structure_free (final);
  fclose (log);

  gst_object_unref (clock);
  gst_harness_teardown (h);
  g_array_unref (events);
  g_strfreev (sets);
  g_free (signal);
  return 0;
}
