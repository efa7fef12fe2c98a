/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The cost of gst_as_jitter_quantile() and gst_as_jitter_add() per call,
 * on histograms shaped like audiostreamsink's network jitter (5 ms bins,
 * 4096 of them, 2 s half-life, a sample per 10 ms chunk), from a quiet
 * loopback to every bin in use. It uses only the public API, so the same
 * file builds against an older jitter.c to compare (docs/scale.md):
 *
 *   build/tests/bench/jitter-quantile [ROUNDS]
 *   gcc -O2 -I OLD/gst tests/bench/jitter-quantile.c \
 *     OLD/gst/audiostream/jitter.c \
 *     $(pkg-config --cflags --libs glib-2.0) -lm -o /tmp/jq-old && /tmp/jq-old
 *
 * A benchmark: it prints, it asserts nothing. */

#include <glib.h>
#include <math.h>
#include <stdlib.h>

#include "audiostream/jitter.h"

#define BIN_US 5000
#define CHUNK_US 10000

typedef enum
{
  LOOPBACK,                     /* every delay under a bin */
  LAN,                          /* mostly under 5 ms, a tail to 60 ms */
  WAN,                          /* exponential, 20 ms mean */
  EVERY_BIN,                    /* the worst case: all 4096 bins once, long
                                 * ago, then loopback: nothing to skip */
  N_SHAPES
} Shape;

static const gchar *shape_names[] = {
  "loopback (delays < 5 ms)", "LAN (tail to 60 ms)", "WAN (exp, 20 ms mean)",
  "every bin, then loopback",
};

static gint64
delay_us (Shape shape, GRand * rand, guint64 i)
{
  switch (shape) {
    case LOOPBACK:
      return g_rand_int_range (rand, 0, 400);
    case LAN:
      return g_rand_int_range (rand, 0, 100) < 95 ?
          g_rand_int_range (rand, 0, 5000) :
          g_rand_int_range (rand, 5000, 60000);
    case WAN:
      return (gint64) (-20000.0 * log (1.0 - g_rand_double (rand)));
    default:
      return i < GST_AS_JITTER_MAX_BINS ? (gint64) i * BIN_US :
          g_rand_int_range (rand, 0, 400);
  }
}

int
main (int argc, char **argv)
{
  guint rounds = argc > 1 ? (guint) atoi (argv[1]) : 200000;
  GstAsJitter *j = g_new (GstAsJitter, 1);
  GRand *rand = g_rand_new_with_seed (1);
  volatile gint64 sink = 0;
  gint64 *delays = g_new (gint64, rounds);
  Shape shape;

  g_print ("%-26s %6s %14s %14s\n", "shape", "bins", "quantile ns",
      "add ns");
  for (shape = 0; shape < N_SHAPES; shape++) {
    gint64 now = 0, t0, t_q, t_a;
    guint i, used = 0;

    gst_as_jitter_init (j, BIN_US, GST_AS_JITTER_MAX_BINS, 2 * G_USEC_PER_SEC);
    /* 100 s of chunks before measuring */
    for (i = 0; i < 6000 + GST_AS_JITTER_MAX_BINS; i++) {
      now += CHUNK_US;
      gst_as_jitter_add (j, now, delay_us (shape, rand, i), 0.01);
    }
    for (i = 0; i < GST_AS_JITTER_MAX_BINS; i++)
      used += j->bins[i] != 0.0;
    for (i = 0; i < rounds; i++)
      delays[i] = delay_us (shape, rand, GST_AS_JITTER_MAX_BINS + i);

    t0 = g_get_monotonic_time ();
    for (i = 0; i < rounds; i++)
      sink += gst_as_jitter_quantile (j, 0.95);
    t_q = g_get_monotonic_time () - t0;

    /* adding costs too: every bin-in-use bit is set there */
    t0 = g_get_monotonic_time ();
    for (i = 0; i < rounds; i++) {
      now += CHUNK_US;
      gst_as_jitter_add (j, now, delays[i], 0.01);
    }
    t_a = g_get_monotonic_time () - t0;

    g_print ("%-26s %6u %14.1f %14.1f\n", shape_names[shape], used,
        t_q * 1000.0 / rounds, t_a * 1000.0 / rounds);
  }
  (void) sink;
  g_free (delays);
  g_rand_free (rand);
  g_free (j);
  return 0;
}
