/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Element tests with GstHarness and its test clock. The test decides when
 * each buffer arrives and lets every output deadline pass in order, so a
 * minute of network behaviour runs in a fraction of a second and the
 * result never depends on the machine's load. */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <gst/audio/audio.h>

#define RATE 48000
#define PACKET 480              /* 10 ms */
#define PACKET_NS (10 * GST_MSECOND)
#define T0 GST_SECOND
#define MS GST_MSECOND

typedef enum
{
  PATTERN_COUNTER,              /* sample i of the stream is (gint16) i */
  PATTERN_TONE,                 /* 440 Hz, half scale */
} Pattern;

/* A harness with the element, a test clock and what came out so far. */
typedef struct
{
  GstHarness *h;
  GstTestClock *clock;
  GstAudioInfo info;
  Pattern pattern;
  guint64 media;                /* frames pushed */
  gboolean started;             /* a buffer was pushed: the task runs */
  guint n_out;                  /* buffers out */
  GstClockTime next_pts;        /* where the next buffer must start */
  GstClockTime last_push;       /* the deadline of the last buffer out */
  GArray *samples;              /* channel 0 of everything out, as double */
  GArray *input;                /* channel 0 of everything in, the same way */
  GByteArray *raw;              /* everything out, as it came */
  guint discont_buffers;
} Rig;

static Rig *
rig_new (const gchar * caps, Pattern pattern, const gchar * first_prop, ...)
{
  GstElement *e = gst_element_factory_make ("adaptivejitterqueue", NULL);
  Rig *r = g_new0 (Rig, 1);
  GstCaps *c = gst_caps_from_string (caps);
  va_list args;

  fail_unless (e != NULL);
  va_start (args, first_prop);
  g_object_set_valist (G_OBJECT (e), first_prop, args);
  va_end (args);
  g_object_set (e, "stats-interval-ms", 0, NULL);

  r->h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_use_testclock (r->h);
  r->clock = gst_harness_get_testclock (r->h);
  fail_unless (gst_audio_info_from_caps (&r->info, c));
  gst_harness_set_src_caps (r->h, c);
  r->pattern = pattern;
  r->next_pts = GST_CLOCK_TIME_NONE;
  r->samples = g_array_new (FALSE, FALSE, sizeof (gdouble));
  r->input = g_array_new (FALSE, FALSE, sizeof (gdouble));
  r->raw = g_byte_array_new ();
  return r;
}

static void
rig_free (Rig * r)
{
  gst_object_unref (r->clock);
  gst_harness_teardown (r->h);
  g_array_unref (r->samples);
  g_array_unref (r->input);
  g_byte_array_unref (r->raw);
  g_free (r);
}

static gdouble
pattern_value (Rig * r, guint64 frame)
{
  if (r->pattern == PATTERN_TONE)
    return 0.5 * sin (2 * G_PI * 440.0 * frame / GST_AUDIO_INFO_RATE
        (&r->info));
  return (gint16) (frame & 0xffff) / 32768.0;
}

/* Appends channel 0 of @frames frames of @data, unpacked, to @to. */
static void
keep_channel0 (Rig * r, const guint8 * data, guint frames, GArray * to)
{
  const GstAudioFormatInfo *finfo = r->info.finfo;
  guint ch = GST_AUDIO_INFO_CHANNELS (&r->info);
  gint64 *tmp = g_new (gint64, (gsize) frames * ch);
  guint i;

  finfo->unpack_func (finfo, GST_AUDIO_PACK_FLAG_NONE, tmp, data,
      frames * ch);
  for (i = 0; i < frames; i++) {
    gdouble v = GST_AUDIO_FORMAT_INFO_IS_FLOAT (finfo) ?
        ((gdouble *) tmp)[i * ch] : ((gint32 *) tmp)[i * ch] / 2147483648.0;

    g_array_append_val (to, v);
  }
  g_free (tmp);
}

/* Input: frames of the pattern in the rig's format. */
static GstBuffer *
make_input (Rig * r, guint frames)
{
  const GstAudioFormatInfo *finfo = r->info.finfo;
  guint ch = GST_AUDIO_INFO_CHANNELS (&r->info);
  GstBuffer *buf = gst_buffer_new_allocate (NULL, (gsize) frames *
      GST_AUDIO_INFO_BPF (&r->info), NULL);
  gboolean is_float = GST_AUDIO_FORMAT_INFO_IS_FLOAT (finfo);
  gpointer tmp = g_malloc ((gsize) frames * ch * 8);
  GstMapInfo map;
  guint i, c;

  for (i = 0; i < frames; i++) {
    gdouble v = pattern_value (r, r->media + i);

    for (c = 0; c < ch; c++) {
      if (is_float)
        ((gdouble *) tmp)[i * ch + c] = v;
      else
        ((gint32 *) tmp)[i * ch + c] = (gint32) (v * 2147483648.0);
    }
  }
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  finfo->pack_func (finfo, 0, tmp, map.data, frames * ch);
  keep_channel0 (r, map.data, frames, r->input);
  gst_buffer_unmap (buf, &map);
  g_free (tmp);
  r->media += frames;
  return buf;
}

/* Silence in the rig's format, as the unpacked values take_output keeps
 * (unsigned formats unpack their midpoint slightly above 0). */
static gdouble
silence_value (Rig * r)
{
  const GstAudioFormatInfo *finfo = r->info.finfo;
  guint8 frame[64];
  GArray *one = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gdouble v;

  gst_audio_format_info_fill_silence (finfo, frame,
      GST_AUDIO_INFO_BPF (&r->info));
  keep_channel0 (r, frame, 1, one);
  v = g_array_index (one, gdouble, 0);
  g_array_unref (one);
  return v;
}

/* Checks a buffer that came out and keeps its samples. */
static void
take_output (Rig * r, GstBuffer * buf, GstClockTime pushed_at)
{
  guint frames = gst_buffer_get_size (buf) / GST_AUDIO_INFO_BPF (&r->info);
  GstMapInfo map;

  fail_unless (frames > 0);
  /* timestamps are contiguous: never a gap, never an overlap */
  if (GST_CLOCK_TIME_IS_VALID (r->next_pts))
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), r->next_pts);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf),
      gst_util_uint64_scale_int (GST_BUFFER_OFFSET_END (buf), GST_SECOND,
          GST_AUDIO_INFO_RATE (&r->info)) -
      gst_util_uint64_scale_int (GST_BUFFER_OFFSET (buf), GST_SECOND,
          GST_AUDIO_INFO_RATE (&r->info)));
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET_END (buf) -
      GST_BUFFER_OFFSET (buf), frames);
  r->next_pts = GST_BUFFER_PTS (buf) + GST_BUFFER_DURATION (buf);
  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT))
    r->discont_buffers++;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  keep_channel0 (r, map.data, frames, r->samples);
  g_byte_array_append (r->raw, map.data, map.size);
  gst_buffer_unmap (buf, &map);
  gst_buffer_unref (buf);
  r->n_out++;
  r->last_push = pushed_at;
}

/* Lets every output deadline before @t pass (at or after, with @inclusive),
 * collecting the buffers. */
static void
rig_run (Rig * r, GstClockTime t, gboolean inclusive)
{
  if (!r->started)
    return;
  for (;;) {
    GstClockID id = NULL;
    GstClockTime due;

    /* the task always waits for its next deadline, except after EOS */
    if (!gst_test_clock_timed_wait_for_multiple_pending_ids (r->clock, 1,
            2000, NULL))
      break;
    fail_unless (gst_test_clock_peek_next_pending_id (r->clock, &id));
    due = gst_clock_id_get_time (id);
    if (due > t || (due == t && !inclusive)) {
      gst_clock_id_unref (id);
      break;
    }
    if (due > gst_clock_get_time (GST_CLOCK (r->clock)))
      gst_test_clock_set_time (r->clock, due);
    /* takes our reference to the id */
    gst_test_clock_process_id (r->clock, id);
    take_output (r, gst_harness_pull (r->h), due);
  }
}

/* @buf arrives at running time @at; everything due before was sent. */
static void
rig_arrive_buffer (Rig * r, GstClockTime at, GstBuffer * buf)
{
  rig_run (r, at, FALSE);
  if (at > gst_clock_get_time (GST_CLOCK (r->clock)))
    gst_test_clock_set_time (r->clock, at);
  fail_unless_equals_int (gst_harness_push (r->h, buf), GST_FLOW_OK);
  r->started = TRUE;
}

/* @frames arrive at running time @at. */
static void
rig_arrive (Rig * r, GstClockTime at, guint frames)
{
  rig_arrive_buffer (r, at, make_input (r, frames));
}

/* Regular 10 ms packets from @from for @seconds, with the sender's clock
 * @ppm fast and a deterministic jitter of up to @jitter_ns (in order, as
 * over TCP). Returns the time after the last. */
static GstClockTime
rig_stream (Rig * r, GstClockTime from, gdouble seconds, gdouble ppm,
    GstClockTime jitter_ns)
{
  guint n = (guint) (seconds * 100), i;
  GstClockTime last = 0;
  GRand *rand = g_rand_new_with_seed (7);

  for (i = 0; i < n; i++) {
    GstClockTime at = from + (GstClockTime) ((i + 1) * PACKET_NS /
        (1.0 + ppm * 1e-6));

    if (jitter_ns > 0)
      at += g_rand_int_range (rand, 0, (gint32) (jitter_ns / 1000)) * 1000;
    at = MAX (at, last);
    rig_arrive (r, at, PACKET);
    last = at;
  }
  g_rand_free (rand);
  return from + (GstClockTime) (n * PACKET_NS / (1.0 + ppm * 1e-6));
}

static GstStructure *
rig_stats (Rig * r)
{
  GstStructure *s = NULL;

  g_object_get (r->h->element, "stats", &s, NULL);
  fail_unless (s != NULL);
  return s;
}

static gdouble
stat_double (Rig * r, const gchar * field)
{
  GstStructure *s = rig_stats (r);
  gdouble v = 0.0;

  fail_unless (gst_structure_get_double (s, field, &v), "no %s", field);
  gst_structure_free (s);
  return v;
}

static guint64
stat_u64 (Rig * r, const gchar * field)
{
  GstStructure *s = rig_stats (r);
  guint64 v = 0;

  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s", field);
  gst_structure_free (s);
  return v;
}

/* Every frame that came in was played, skipped by time-scaling, dropped,
 * or is still queued; every frame that went out was one of those or
 * concealment or inserted by time-scaling. */
static void
assert_conservation (Rig * r)
{
  guint64 received = stat_u64 (r, "received-samples");
  guint64 played = stat_u64 (r, "played-samples");
  guint64 removed = stat_u64 (r, "removed-samples");
  guint64 dropped = stat_u64 (r, "dropped-samples");
  guint64 inserted = stat_u64 (r, "inserted-samples");
  guint64 concealed = stat_u64 (r, "concealed-samples");
  guint64 output = stat_u64 (r, "output-samples");
  guint64 level = (guint64) llround (stat_double (r, "level-ms") * RATE /
      1000.0);

  fail_unless_equals_uint64 (received, played + removed + dropped + level);
  fail_unless_equals_uint64 (output, played + concealed + inserted);
  fail_unless_equals_uint64 (output, r->samples->len);
}

static GstClockTime
query_latency (Rig * r)
{
  GstPad *src = gst_element_get_static_pad (r->h->element, "src");
  GstQuery *q = gst_query_new_latency ();
  GstClockTime min = 0, max = 0;
  gboolean live = FALSE;

  fail_unless (gst_pad_query (src, q));
  gst_query_parse_latency (q, &live, &min, &max);
  fail_unless (live);
  gst_query_unref (q);
  gst_object_unref (src);
  return min;
}

/* Pops the messages of @type (and structure @name) off @bus. */
static GList *
pop_messages (GstBus * bus, GstMessageType type, const gchar * name)
{
  GList *found = NULL;
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, type))) {
    if (name == NULL ||
        gst_structure_has_name (gst_message_get_structure (msg), name))
      found = g_list_append (found, msg);
    else
      gst_message_unref (msg);
  }
  return found;
}

static guint
count_messages (GstBus * bus, GstMessageType type, const gchar * name)
{
  GList *found = pop_messages (bus, type, name);
  guint n = g_list_length (found);

  g_list_free_full (found, (GDestroyNotify) gst_message_unref);
  return n;
}

/* The first resize message with @reason, copied. */
static GstStructure *
find_resize (GList * messages, const gchar * reason)
{
  GList *l;

  for (l = messages; l; l = l->next) {
    const GstStructure *s = gst_message_get_structure (l->data);

    if (g_strcmp0 (gst_structure_get_string (s, "reason"), reason) == 0)
      return gst_structure_copy (s);
  }
  return NULL;
}

/* ------------------------------------------------------------------------ */

/* A steady network: after the start the audio goes through untouched, bit
 * for bit, with contiguous timestamps, nothing concealed, a delay of one
 * packet, which is also the latency answered. */
GST_START_TEST (test_steady_stream_passes_unchanged)
{
  Rig *r = rig_new ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=48000,channels=1", PATTERN_COUNTER, NULL);
  GstClockTime end, latency;
  gdouble target;
  guint i;

  end = rig_stream (r, T0, 5.0, 0.0, 0);
  rig_run (r, end, FALSE);

  fail_unless (r->n_out > 900);
  fail_unless_equals_int (r->discont_buffers, 1);
  fail_unless_equals_uint64 (stat_u64 (r, "concealed-samples"), 0);
  fail_unless_equals_uint64 (stat_u64 (r, "concealment-events"), 0);
  fail_unless (stat_double (r, "stretched-ms") == 0.0);
  for (i = 0; i < r->samples->len; i++)
    fail_unless (g_array_index (r->samples, gdouble, i) ==
        g_array_index (r->input, gdouble, i), "sample %u changed: %f, was %f",
        i, g_array_index (r->samples, gdouble, i),
        g_array_index (r->input, gdouble, i));
  /* a packet's worth: the least that plays without a gap */
  target = stat_double (r, "target-ms");
  fail_unless (target >= 10.0 && target <= 10.5, "target %.2f ms", target);
  fail_unless (fabs (stat_double (r, "delay-ms") - 10.0) <= 1.0,
      "delay %.2f ms", stat_double (r, "delay-ms"));
  /* buffers leave exactly the reported latency after their timestamps */
  latency = query_latency (r);
  fail_unless_equals_uint64 (latency, stat_double (r, "latency-ms") * MS);
  fail_unless_equals_uint64 (r->last_push - (r->next_pts - 5 * MS), latency);
  assert_conservation (r);
  rig_free (r);
}

GST_END_TEST;

/* Nothing arrives for 200 ms, then it all arrives at once. The gap is
 * concealed and counted, nothing of the input is lost, the timestamps
 * stay contiguous, and the target rises at once. */
GST_START_TEST (test_stall_concealed_and_target_rises)
{
  Rig *r = rig_new ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=48000,channels=1", PATTERN_COUNTER, NULL);
  GstClockTime t, stall_end;
  gdouble concealed;
  guint i;

  t = rig_stream (r, T0, 5.0, 0.0, 0);
  fail_unless (stat_double (r, "target-ms") < 15.0);

  /* 20 packets held back, delivered together when the stall ends */
  stall_end = t + 200 * MS;
  rig_run (r, stall_end, FALSE);
  for (i = 0; i < 20; i++)
    rig_arrive (r, stall_end, PACKET);
  rig_stream (r, stall_end, 2.0, 0.0, 0);

  fail_unless_equals_uint64 (stat_u64 (r, "concealment-events"), 1);
  concealed = stat_double (r, "concealed-ms");
  fail_unless (concealed >= 180.0 && concealed <= 200.0, "concealed %.1f ms",
      concealed);
  fail_unless (stat_u64 (r, "late-buffers") >= 1);
  fail_unless (stat_double (r, "target-ms") > 150.0, "target %.1f ms",
      stat_double (r, "target-ms"));
  fail_unless_equals_uint64 (stat_u64 (r, "dropped-samples"), 0);
  assert_conservation (r);
  rig_free (r);
}

GST_END_TEST;

/* After a burst of jitter the target holds, then decays with a 20 s
 * half-life, and the delay follows it by time-scaling the tone, without
 * concealing anything. */
GST_START_TEST (test_target_decays_and_delay_follows)
{
  Rig *r = rig_new ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=48000,channels=1", PATTERN_TONE, NULL);
  GstClockTime t;
  gdouble peak, after20, final;
  guint64 events;

  t = rig_stream (r, T0, 2.0, 0.0, 0);
  t = rig_stream (r, t, 2.0, 0.0, 150 * MS);    /* rough network */
  peak = stat_double (r, "target-ms");
  fail_unless (peak > 100.0, "target %.1f ms", peak);
  events = stat_u64 (r, "concealment-events");

  t = rig_stream (r, t, 20.0, 0.0, 0);
  after20 = stat_double (r, "target-ms");
  /* half of the excess over the 10 ms now needed is left */
  fail_unless (fabs (after20 - (10.0 + (peak - 10.0) / 2)) < 0.15 * peak,
      "peak %.1f ms, 20 s later %.1f ms", peak, after20);

  t = rig_stream (r, t, 60.0, 0.0, 0);
  final = stat_double (r, "target-ms");
  fail_unless (final < 25.0, "target still %.1f ms", final);
  fail_unless (fabs (stat_double (r, "delay-ms") - final) < 5.0,
      "delay %.1f ms, target %.1f ms", stat_double (r, "delay-ms"), final);
  fail_unless (stat_double (r, "stretched-ms") > peak - final - 20.0);
  fail_unless_equals_uint64 (stat_u64 (r, "concealment-events"), events);
  fail_unless_equals_uint64 (stat_u64 (r, "dropped-samples"), 0);
  assert_conservation (r);
  rig_free (r);
}

GST_END_TEST;

/* The sender's clock is 200 ppm off, either way, for two minutes: the
 * drift is measured, the delay stays on target, and the queue neither
 * runs dry nor fills up. */
GST_START_TEST (test_drift_neither_grows_nor_starves)
{
  static const gdouble ppms[] = { 200.0, -200.0 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (ppms); i++) {
    Rig *r = rig_new ("audio/x-raw,format=S16LE,layout=interleaved,"
        "rate=48000,channels=1", PATTERN_TONE, NULL);
    GstClockTime t;
    gdouble drift, level0, concealed0, delay, target;

    t = rig_stream (r, T0, 20.0, ppms[i], 3 * MS);
    concealed0 = stat_double (r, "concealed-ms");
    level0 = stat_double (r, "level-ms");
    t = rig_stream (r, t, 100.0, ppms[i], 3 * MS);

    drift = stat_double (r, "drift-ppm");
    delay = stat_double (r, "delay-ms");
    target = stat_double (r, "target-ms");
    /* 100 s of 200 ppm would have moved the level by 20 ms */
    fail_unless (fabs (drift + ppms[i]) < 40.0, "drift %.1f ppm for %+.0f",
        drift, ppms[i]);
    fail_unless (fabs (delay - target) < 5.0, "%+.0f ppm: delay %.1f ms, "
        "target %.1f ms", ppms[i], delay, target);
    fail_unless (fabs (stat_double (r, "level-ms") - level0) < 10.0,
        "level %.1f ms, was %.1f ms", stat_double (r, "level-ms"), level0);
    /* the few chunks a 0.97 quantile lets come late, no more */
    fail_unless (stat_double (r, "concealed-ms") - concealed0 < 100.0,
        "%+.0f ppm: %.1f ms concealed in 100 s", ppms[i],
        stat_double (r, "concealed-ms") - concealed0);
    fail_unless_equals_uint64 (stat_u64 (r, "dropped-samples"), 0);
    fail_unless (stat_double (r, "stretched-ms") > 10.0);
    assert_conservation (r);
    rig_free (r);
  }
}

GST_END_TEST;

/* Far more audio than max-latency-ms at once: the oldest is dropped and
 * counted, and the delay is back under the maximum. */
GST_START_TEST (test_overrun_drops_oldest)
{
  Rig *r = rig_new ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=48000,channels=1", PATTERN_TONE, "max-latency-ms", 200, NULL);
  GstClockTime t;
  gdouble dropped;
  guint i;

  t = rig_stream (r, T0, 2.0, 0.0, 0);
  /* a second of audio bursts in with the next packet */
  for (i = 0; i < 100; i++)
    rig_arrive (r, t + PACKET_NS, PACKET);
  t = rig_stream (r, t + PACKET_NS, 2.0, 0.0, 0);

  dropped = stat_double (r, "dropped-ms");
  fail_unless (dropped > 750.0 && dropped < 1000.0, "dropped %.1f ms",
      dropped);
  fail_unless (stat_double (r, "delay-ms") <= 200.0);
  fail_unless_equals_uint64 (stat_u64 (r, "concealment-events"), 0);
  assert_conservation (r);
  rig_free (r);
}

GST_END_TEST;

/* The latency follows the target: a LATENCY message when it moved enough,
 * the query answers the new value, and buffers go out exactly that long
 * after their timestamps. */
GST_START_TEST (test_latency_follows_target)
{
  Rig *r = rig_new ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=48000,channels=1", PATTERN_TONE, NULL);
  GstBus *bus = gst_bus_new ();
  GstClockTime t, latency;
  gdouble target;
  guint n;

  gst_element_set_bus (r->h->element, bus);
  t = rig_stream (r, T0, 6.0, 0.0, 0);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_LATENCY, NULL), 0);
  latency = query_latency (r);
  fail_unless_equals_uint64 (r->last_push - (r->next_pts - 5 * MS), latency);

  t = rig_stream (r, t, 3.0, 0.0, 120 * MS);
  n = count_messages (bus, GST_MESSAGE_LATENCY, NULL);
  fail_unless_equals_int (n, 1);
  latency = query_latency (r);
  fail_unless (latency >= 30 * MS, "latency %" GST_TIME_FORMAT,
      GST_TIME_ARGS (latency));

  /* rate-limited: the next change waits 5 s, however far the target went */
  t = rig_stream (r, t, 1.0, 0.0, 0);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_LATENCY, NULL), 0);
  t = rig_stream (r, t, 5.0, 0.0, 0);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_LATENCY, NULL), 1);
  latency = query_latency (r);
  fail_unless (latency >= 80 * MS, "latency %" GST_TIME_FORMAT,
      GST_TIME_ARGS (latency));
  fail_unless (fabs (stat_double (r, "latency-ms") - latency / 1e6) < 1e-3);
  /* announced a little earlier, the target has decayed since, within the
   * hysteresis */
  target = stat_double (r, "target-ms");
  fail_unless (target <= latency / 1e6 + 1.0 &&
      target >= 0.75 * latency / 1e6, "target %.1f ms, latency %.1f ms",
      target, latency / 1e6);

  /* once the schedule has moved, buffers leave that long after their
   * timestamps, and the move did not conceal anything */
  rig_stream (r, t, 2.0, 0.0, 0);
  fail_unless_equals_uint64 (r->last_push - (r->next_pts - 5 * MS),
      query_latency (r));
  fail_unless (stat_u64 (r, "relatencies") == 2);

  gst_element_set_bus (r->h->element, NULL);
  gst_object_unref (bus);
  rig_free (r);
}

GST_END_TEST;

/* fixed-latency-ms: the same answer throughout, and never a LATENCY
 * message, however the target moves. */
GST_START_TEST (test_fixed_latency)
{
  Rig *r = rig_new ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=48000,channels=1", PATTERN_TONE, "fixed-latency-ms", 80, NULL);
  GstBus *bus = gst_bus_new ();
  GstClockTime t;

  gst_element_set_bus (r->h->element, bus);
  fail_unless_equals_uint64 (query_latency (r), 80 * MS);
  t = rig_stream (r, T0, 3.0, 0.0, 0);
  t = rig_stream (r, t, 3.0, 0.0, 150 * MS);
  rig_stream (r, t, 30.0, 0.0, 0);

  fail_unless_equals_uint64 (query_latency (r), 80 * MS);
  fail_unless_equals_uint64 (r->last_push - (r->next_pts - 5 * MS), 80 * MS);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_LATENCY, NULL), 0);
  fail_unless_equals_uint64 (stat_u64 (r, "relatencies"), 0);

  gst_element_set_bus (r->h->element, NULL);
  gst_object_unref (bus);
  rig_free (r);
}

GST_END_TEST;

static void
assert_field (const GstStructure * s, const gchar * field, GType type)
{
  fail_unless (gst_structure_has_field_typed (s, field, type),
      "%s: no %s of type %s", gst_structure_get_name (s), field,
      g_type_name (type));
}

/* Stats every stats-interval-ms of running time, with every documented
 * field; resize messages when the target moves, up or down. */
GST_START_TEST (test_messages)
{
  static const gchar *doubles[] = { "level-ms", "delay-ms", "target-ms",
    "latency-ms", "jitter-ms", "drift-ppm", "concealed-ms", "dropped-ms",
    "stretched-ms"
  };
  static const gchar *counts[] = { "concealment-events", "late-buffers",
    "relatencies", "received-samples", "played-samples", "output-samples",
    "concealed-samples", "dropped-samples", "inserted-samples",
    "removed-samples"
  };
  Rig *r = rig_new ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=48000,channels=1", PATTERN_TONE, NULL);
  GstBus *bus = gst_bus_new ();
  GstStructure *st;
  GList *msgs;
  GstClockTime t;
  gdouble old_ms, new_ms;
  guint n, i;

  g_object_set (r->h->element, "stats-interval-ms", 500, NULL);
  gst_element_set_bus (r->h->element, bus);
  t = rig_stream (r, T0, 5.0, 0.0, 0);
  msgs = pop_messages (bus, GST_MESSAGE_ELEMENT, "adaptivejitterqueue-stats");
  n = g_list_length (msgs);
  fail_unless (n >= 9 && n <= 11, "%u stats messages in 5 s", n);
  st = (GstStructure *) gst_message_get_structure (g_list_last (msgs)->data);
  for (i = 0; i < G_N_ELEMENTS (doubles); i++)
    assert_field (st, doubles[i], G_TYPE_DOUBLE);
  for (i = 0; i < G_N_ELEMENTS (counts); i++)
    assert_field (st, counts[i], G_TYPE_UINT64);
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);

  /* a stall: the target rises */
  rig_run (r, t + 300 * MS, FALSE);
  for (i = 0; i < 30; i++)
    rig_arrive (r, t + 300 * MS, PACKET);
  t = rig_stream (r, t + 300 * MS, 1.0, 0.0, 0);
  msgs = pop_messages (bus, GST_MESSAGE_ELEMENT,
      "adaptivejitterqueue-resize");
  st = find_resize (msgs, "underrun");
  fail_unless (st != NULL, "no resize for the underrun");
  fail_unless (gst_structure_get_double (st, "old-ms", &old_ms));
  fail_unless (gst_structure_get_double (st, "new-ms", &new_ms));
  assert_field (st, "jitter-ms", G_TYPE_DOUBLE);
  fail_unless (new_ms > old_ms + 100.0, "%.1f -> %.1f", old_ms, new_ms);
  gst_structure_free (st);
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);

  /* and decays */
  rig_stream (r, t, 20.0, 0.0, 0);
  msgs = pop_messages (bus, GST_MESSAGE_ELEMENT,
      "adaptivejitterqueue-resize");
  st = find_resize (msgs, "jitter-decrease");
  fail_unless (st != NULL, "no resize for the decay");
  gst_structure_get_double (st, "old-ms", &old_ms);
  gst_structure_get_double (st, "new-ms", &new_ms);
  fail_unless (new_ms < old_ms);
  gst_structure_free (st);
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);

  gst_element_set_bus (r->h->element, NULL);
  gst_object_unref (bus);
  rig_free (r);
}

GST_END_TEST;

/* A flush empties the queue; the output starts again, marked DISCONT,
 * from the audio that comes after it. */
GST_START_TEST (test_flush)
{
  Rig *r = rig_new ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=48000,channels=1", PATTERN_COUNTER, "min-latency-ms", 100, NULL);
  GstClockTime t;
  GstEvent *ev;
  guint out_before;

  t = rig_stream (r, T0, 1.0, 0.0, 0);
  fail_unless (stat_double (r, "level-ms") >= 80.0);
  out_before = r->n_out;

  fail_unless (gst_harness_push_event (r->h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (r->h,
          gst_event_new_flush_stop (TRUE)));
  fail_unless (stat_double (r, "level-ms") == 0.0);
  /* downstream saw the flush */
  while ((ev = gst_harness_try_pull_event (r->h))) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_STOP)
      out_before = G_MAXUINT;
    gst_event_unref (ev);
  }
  fail_unless_equals_int (out_before, G_MAXUINT);

  /* upstream starts a new segment, as after a seek */
  {
    GstSegment seg;

    gst_segment_init (&seg, GST_FORMAT_TIME);
    fail_unless (gst_harness_push_event (r->h, gst_event_new_segment (&seg)));
  }
  /* after a flush, timestamps start over: no continuity expected */
  r->next_pts = GST_CLOCK_TIME_NONE;
  r->discont_buffers = 0;
  fail_unless_equals_int (gst_harness_push (r->h, make_input (r, PACKET)),
      GST_FLOW_OK);
  rig_stream (r, t, 1.0, 0.0, 0);
  fail_unless (r->discont_buffers == 1);
  fail_unless_equals_uint64 (stat_u64 (r, "concealment-events"), 0);
  rig_free (r);
}

GST_END_TEST;

/* EOS waits until the queued audio has played out, all of it, then goes
 * downstream. */
GST_START_TEST (test_eos_after_queued_audio)
{
  Rig *r = rig_new ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=48000,channels=1", PATTERN_COUNTER, "min-latency-ms", 200, NULL);
  GstClockTime t;
  GstEvent *ev;
  gboolean eos = FALSE;
  guint i;

  t = rig_stream (r, T0, 1.0, 0.0, 0);
  fail_unless (stat_double (r, "level-ms") > 150.0);
  fail_unless (gst_harness_push_event (r->h, gst_event_new_eos ()));
  rig_run (r, t + GST_SECOND, TRUE);

  while ((ev = gst_harness_try_pull_event (r->h))) {
    eos |= GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
    gst_event_unref (ev);
  }
  fail_unless (eos, "no EOS");
  fail_unless_equals_uint64 (stat_u64 (r, "played-samples"), r->media);
  fail_unless_equals_uint64 (stat_u64 (r, "concealed-samples"), 0);
  for (i = 0; i < r->samples->len; i++)
    fail_unless (g_array_index (r->samples, gdouble, i) ==
        g_array_index (r->input, gdouble, i), "sample %u changed: %f, was %f",
        i, g_array_index (r->samples, gdouble, i),
        g_array_index (r->input, gdouble, i));
  fail_unless_equals_int (gst_harness_push (r->h, make_input (r, PACKET)),
      GST_FLOW_EOS);
  rig_free (r);
}

GST_END_TEST;

/* Any format, rate and channel count: untouched when the network is
 * steady, and silence (in that format: 0x80 for U8) once a long gap has
 * faded out. */
GST_START_TEST (test_formats)
{
  static const struct
  {
    const gchar *format;
    gint rate;
    gint channels;
  } cases[] = {
    {"U8", 8000, 1},
    {"S16BE", 44100, 2},
    {"S24LE", 96000, 3},
    {"S32LE", 48000, 2},
    {"F32LE", 48000, 6},
    {"F64BE", 16000, 1},
    {"U16LE", 22050, 2},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *caps = g_strdup_printf ("audio/x-raw,format=%s,"
        "layout=interleaved,rate=%d,channels=%d%s", cases[i].format,
        cases[i].rate, cases[i].channels,
        cases[i].channels > 2 ? ",channel-mask=(bitmask)0" : "");
    /* 20 ms: 44.1 kHz chunks do not divide 10 ms packets, and a start at
     * 10 ms would run dry once before the target has learnt that */
    Rig *r = rig_new (caps, PATTERN_TONE, "min-latency-ms", 20, NULL);
    guint packet = cases[i].rate / 100, k, n_steady;
    GstClockTime t = T0;
    gdouble last_sample;

    for (k = 0; k < 200; k++) {
      t += PACKET_NS;
      rig_arrive (r, t, packet);
    }
    rig_run (r, t, FALSE);
    n_steady = r->samples->len;
    for (k = 0; k < n_steady; k++)
      fail_unless (g_array_index (r->samples, gdouble, k) ==
          g_array_index (r->input, gdouble, k), "%s: sample %u: %f, was %f",
          cases[i].format, k, g_array_index (r->samples, gdouble, k),
          g_array_index (r->input, gdouble, k));

    /* half a second with nothing */
    rig_run (r, t + 500 * MS, FALSE);
    last_sample = g_array_index (r->samples, gdouble, r->samples->len - 1);
    fail_unless (last_sample == silence_value (r),
        "%s: %.5f where silence was expected",
        cases[i].format, last_sample);
    fail_unless_equals_uint64 (stat_u64 (r, "concealment-events"), 1);
    rig_free (r);
    g_free (caps);
  }
}

GST_END_TEST;

/* Time-scaling a tone: the removal stays within 4 % of the time, and the
 * waveform never jumps, since whole periods are skipped and crossfaded. */
GST_START_TEST (test_time_scaling_is_smooth)
{
  Rig *r = rig_new ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=48000,channels=1", PATTERN_TONE, NULL);
  GstClockTime t;
  gdouble removed, max_slope = 0.5 * 2 * G_PI * 440.0 / RATE;
  guint i, start;

  t = rig_stream (r, T0, 2.0, 0.0, 0);
  /* 100 ms more audio than needed, in one burst */
  for (i = 0; i < 10; i++)
    rig_arrive (r, t + PACKET_NS, PACKET);
  start = r->samples->len;
  rig_stream (r, t + PACKET_NS, 2.0, 0.0, 0);

  removed = stat_double (r, "stretched-ms");
  fail_unless (removed > 50.0, "only %.1f ms removed", removed);
  /* 4 % of 2 s, the 20 ms that may be banked, one period of overshoot */
  fail_unless (removed < 0.04 * 2000.0 + 20.0 + 3.0, "%.1f ms removed in "
      "2 s", removed);
  for (i = start + 1; i < r->samples->len; i++) {
    gdouble step = fabs (g_array_index (r->samples, gdouble, i) -
        g_array_index (r->samples, gdouble, i - 1));

    fail_unless (step < max_slope * 1.2, "jump of %.4f at %u", step, i);
  }
  assert_conservation (r);
  rig_free (r);
}

GST_END_TEST;

/* One packet 5 ms late while the queue still holds 3 ms of audio for the
 * next 5 ms chunk: a pitch period is played again to bridge the wait,
 * counted as time-scaling, and nothing is concealed. Packets of 7 ms, so
 * that output chunks can find part of what they need. */
GST_START_TEST (test_short_wait_bridged)
{
  Rig *r = rig_new ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=48000,channels=1", PATTERN_TONE, "min-latency-ms", 14, NULL);
  GstClockTime t = T0;
  guint64 inserted = 0;
  guint i;

  for (i = 0; i < 600; i++) {
    t += 7 * MS;
    if (i == 299) {
      fail_unless_equals_uint64 (stat_u64 (r, "concealment-events"), 0);
      inserted = stat_u64 (r, "inserted-samples");
      rig_arrive (r, t + 5 * MS, 336);
    } else {
      rig_arrive (r, t, 336);
    }
  }

  fail_unless_equals_uint64 (stat_u64 (r, "concealment-events"), 0);
  fail_unless (stat_u64 (r, "inserted-samples") > inserted);
  assert_conservation (r);
  rig_free (r);
}

GST_END_TEST;

/* Stereo S16LE frame @i of a stream whose channels can be told apart: the
 * left channel counts, the right one counts down. */
static void
stereo_counter_frame (guint64 i, guint8 * dest)
{
  guint16 l = (guint16) i, r = (guint16) ~i;

  dest[0] = l & 0xff;
  dest[1] = l >> 8;
  dest[2] = r & 0xff;
  dest[3] = r >> 8;
}

/* Buffers that are not a whole number of frames, as tcpserversrc !
 * capsfilter delivers them: the part of a frame at the end of a buffer is
 * completed by the next one, so every frame comes out intact, in order,
 * with nothing lost, and the channels never shift. */
GST_START_TEST (test_partial_frames_carried_over)
{
  static const guint sizes[] = { 1921, 1917, 1, 3, 1922, 1915, 2, 1919 };
  Rig *r = rig_new ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=48000,channels=2", PATTERN_COUNTER, "min-latency-ms", 40, NULL);
  const guint bpf = 4, total_frames = 2 * RATE;
  guint8 *stream = g_malloc ((gsize) total_frames * bpf);
  gsize sent = 0, stream_size = (gsize) total_frames * bpf;
  GstClockTime t = T0;
  guint i, frames_out;

  for (i = 0; i < total_frames; i++)
    stereo_counter_frame (i, stream + (gsize) i * bpf);

  /* about 10 ms of audio every 10 ms, cut anywhere */
  for (i = 0; sent < stream_size; i++) {
    gsize n = MIN (sizes[i % G_N_ELEMENTS (sizes)], stream_size - sent);
    GstBuffer *buf = gst_buffer_new_memdup (stream + sent, n);

    sent += n;
    t = T0 + gst_util_uint64_scale (sent / bpf, GST_SECOND, RATE);
    rig_arrive_buffer (r, t, buf);
  }
  rig_run (r, t, FALSE);

  frames_out = r->raw->len / bpf;
  fail_unless (frames_out > RATE, "only %u frames out", frames_out);
  for (i = 0; i < frames_out; i++) {
    guint8 want[4];

    stereo_counter_frame (i, want);
    fail_unless (memcmp (r->raw->data + (gsize) i * bpf, want, bpf) == 0,
        "frame %u of %u: %02x%02x %02x%02x, sent %02x%02x %02x%02x", i,
        frames_out, r->raw->data[i * bpf], r->raw->data[i * bpf + 1],
        r->raw->data[i * bpf + 2], r->raw->data[i * bpf + 3], want[0],
        want[1], want[2], want[3]);
  }
  fail_unless_equals_uint64 (stat_u64 (r, "received-samples"), total_frames);
  fail_unless_equals_uint64 (stat_u64 (r, "concealed-samples"), 0);
  fail_unless_equals_uint64 (stat_u64 (r, "dropped-samples"), 0);
  fail_unless (stat_double (r, "stretched-ms") == 0.0);
  assert_conservation (r);
  g_free (stream);
  rig_free (r);
}

GST_END_TEST;

/* An incomplete frame before a discontinuity (a buffer lost upstream) or
 * at the end of the stream cannot be played: it is dropped, counted and
 * reported, and the frames after it keep their channels. */
GST_START_TEST (test_partial_frame_dropped_and_counted)
{
  Rig *r = rig_new ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=48000,channels=2", PATTERN_COUNTER, "min-latency-ms", 40, NULL);
  GstBus *bus = gst_bus_new ();
  guint8 frames[4 * 480];
  GstBuffer *buf;
  guint i;

  gst_element_set_bus (r->h->element, bus);
  for (i = 0; i < 480; i++)
    stereo_counter_frame (i, frames + i * 4);
  /* 479.5 frames, then a discontinuity: the half frame is lost */
  rig_arrive_buffer (r, T0, gst_buffer_new_memdup (frames, 479 * 4 + 2));
  buf = gst_buffer_new_memdup (frames, 480 * 4);
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  rig_arrive_buffer (r, T0 + 10 * MS, buf);
  fail_unless_equals_uint64 (stat_u64 (r, "received-samples"), 960);
  fail_unless_equals_uint64 (stat_u64 (r, "dropped-samples"), 1);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING, NULL), 1);

  /* three bytes, then the end */
  rig_arrive_buffer (r, T0 + 20 * MS, gst_buffer_new_memdup (frames, 3));
  fail_unless (gst_harness_push_event (r->h, gst_event_new_eos ()));
  fail_unless_equals_uint64 (stat_u64 (r, "received-samples"), 961);
  fail_unless_equals_uint64 (stat_u64 (r, "dropped-samples"), 2);
  fail_unless_equals_int (count_messages (bus, GST_MESSAGE_WARNING, NULL), 1);
  rig_run (r, T0 + GST_SECOND, TRUE);
  for (i = 0; i < r->raw->len / 4; i++) {
    const guint8 *f = r->raw->data + (gsize) i * 4;
    guint16 left = f[0] | f[1] << 8, right = f[2] | f[3] << 8;

    /* both halves of each frame from the same input frame */
    fail_unless (left + right == 0xffff, "frame %u mixes two input "
        "frames: %04x %04x", i, left, right);
  }
  assert_conservation (r);
  gst_element_set_bus (r->h->element, NULL);
  gst_object_unref (bus);
  rig_free (r);
}

GST_END_TEST;

/* Caps whose buffers could not be allocated (a hundred million channels:
 * 25 TB of queue) are refused with a negotiation error that says why,
 * instead of an abort in g_malloc, and the buffers that follow are not
 * negotiated. Sane caps afterwards work again. */
/* Upstream re-sends a refused sticky caps event with every buffer it tries:
 * one refusal is one ERROR, not one per buffer. */
GST_START_TEST (test_refused_caps_one_error)
{
  GstHarness *h = gst_harness_new ("adaptivejitterqueue");
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  guint errors = 0;
  gint i;

  gst_element_set_bus (h->element, bus);
  gst_harness_play (h);
  fail_unless (gst_harness_push_event (h,
          gst_event_new_stream_start ("refused")));
  for (i = 0; i < 5; i++) {
    GstCaps *caps = gst_caps_from_string ("audio/x-raw,format=S16LE,"
        "layout=interleaved,rate=48000,channels=100000000,"
        "channel-mask=(bitmask)0");

    fail_if (gst_pad_send_event (GST_PAD_PEER (h->srcpad),
            gst_event_new_caps (caps)), "absurd caps accepted");
    gst_caps_unref (caps);
  }
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR)) != NULL) {
    errors++;
    gst_message_unref (msg);
  }
  fail_unless_equals_int (errors, 1);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_absurd_caps_refused)
{
  GstHarness *h = gst_harness_new ("adaptivejitterqueue");
  GstBus *bus = gst_bus_new ();
  GstCaps *caps = gst_caps_from_string ("audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=48000,channels=100000000,"
      "channel-mask=(bitmask)0");
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL;
  GstSegment seg;

  gst_element_set_bus (h->element, bus);
  gst_harness_play (h);
  fail_unless (gst_harness_push_event (h,
          gst_event_new_stream_start ("absurd")));
  /* the pad keeps the sticky event whatever the element answered: the
   * answer shows in the error and in the next buffer */
  gst_harness_push_event (h, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error posted");
  gst_message_parse_error (msg, &err, &debug);
  fail_unless (g_error_matches (err, GST_CORE_ERROR,
          GST_CORE_ERROR_NEGOTIATION), "%s", err->message);
  fail_unless (strstr (err->message, "100000000 channels") != NULL,
      "%s", err->message);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);
  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_new_allocate (NULL, 4800, NULL)),
      GST_FLOW_NOT_NEGOTIATED);

  /* a sane format is accepted again */
  caps = gst_caps_from_string ("audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=48000,channels=2");
  fail_unless (gst_harness_push_event (h, gst_event_new_caps (caps)));
  gst_caps_unref (caps);
  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_new_allocate (NULL, 4800, NULL)), GST_FLOW_OK);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Like a live source: no preroll in PAUSED. */
GST_START_TEST (test_no_preroll)
{
  GstElement *e = gst_element_factory_make ("adaptivejitterqueue", NULL);

  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED),
      GST_STATE_CHANGE_NO_PREROLL);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED),
      GST_STATE_CHANGE_NO_PREROLL);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (e);
}

GST_END_TEST;

static Suite *
adaptivejitterqueue_suite (void)
{
  Suite *s = suite_create ("adaptivejitterqueue");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_steady_stream_passes_unchanged);
  tcase_add_test (tc, test_stall_concealed_and_target_rises);
  tcase_add_test (tc, test_target_decays_and_delay_follows);
  tcase_add_test (tc, test_drift_neither_grows_nor_starves);
  tcase_add_test (tc, test_overrun_drops_oldest);
  tcase_add_test (tc, test_latency_follows_target);
  tcase_add_test (tc, test_fixed_latency);
  tcase_add_test (tc, test_messages);
  tcase_add_test (tc, test_flush);
  tcase_add_test (tc, test_eos_after_queued_audio);
  tcase_add_test (tc, test_formats);
  tcase_add_test (tc, test_time_scaling_is_smooth);
  tcase_add_test (tc, test_short_wait_bridged);
  tcase_add_test (tc, test_no_preroll);
  tcase_add_test (tc, test_partial_frames_carried_over);
  tcase_add_test (tc, test_partial_frame_dropped_and_counted);
  tcase_add_test (tc, test_absurd_caps_refused);
  tcase_add_test (tc, test_refused_caps_one_error);
  return s;
}

GST_CHECK_MAIN (adaptivejitterqueue);
