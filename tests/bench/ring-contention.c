/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* How long a render()'s write into the ring takes while the sending
 * thread reads from it as fast as it can: the old way (GstAsRing under a
 * mutex that both sides take) against the lock-free GstAsFrameRing.
 *
 *   ring-contention [seconds]
 *
 * Prints the write time quantiles for both, in nanoseconds. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audiostream/framering.h"
#include "audiostream/ring.h"

#define BPF 4                   /* S16LE stereo */
#define CAPACITY 48000          /* 1 s at 48 kHz */
#define WRITE_FRAMES 480        /* 10 ms buffers */
#define READ_FRAMES 480
#define MAX_SAMPLES 4000000

typedef struct
{
  gboolean lock_free;
  GstAsRing ring;
  GMutex lock;
  GstAsFrameRing fring;
  gint stop;
} Bench;

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static gpointer
reader (gpointer data)
{
  Bench *b = data;
  guint8 *out = g_malloc (READ_FRAMES * BPF);

  while (!g_atomic_int_get (&b->stop)) {
    if (b->lock_free) {
      gst_as_frame_ring_read (&b->fring, out, READ_FRAMES, NULL);
    } else {
      g_mutex_lock (&b->lock);
      gst_as_ring_read (&b->ring, out, READ_FRAMES);
      g_mutex_unlock (&b->lock);
    }
  }
  g_free (out);
  return NULL;
}

static int
cmp_i64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
run (gboolean lock_free, double seconds)
{
  Bench b = { 0, };
  guint8 *in = g_malloc0 (WRITE_FRAMES * BPF);
  gint64 *samples = g_new (gint64, MAX_SAMPLES);
  gint64 end;
  guint n = 0;
  GThread *thread;

  b.lock_free = lock_free;
  g_mutex_init (&b.lock);
  gst_as_ring_init (&b.ring, BPF, CAPACITY);
  gst_as_frame_ring_init (&b.fring, BPF, CAPACITY);
  thread = g_thread_new ("reader", reader, &b);

  end = now_ns () + (gint64) (seconds * 1e9);
  while (n < MAX_SAMPLES) {
    gint64 t0 = now_ns ();

    if (t0 >= end)
      break;
    if (lock_free) {
      gst_as_frame_ring_write_overwrite (&b.fring, in, WRITE_FRAMES);
    } else {
      g_mutex_lock (&b.lock);
      gst_as_ring_write_overwrite (&b.ring, in, WRITE_FRAMES);
      g_mutex_unlock (&b.lock);
    }
    samples[n++] = now_ns () - t0;
  }
  g_atomic_int_set (&b.stop, 1);
  g_thread_join (thread);

  qsort (samples, n, sizeof (gint64), cmp_i64);
  printf ("%-22s writes %8u  p50 %6" G_GINT64_FORMAT "  p99 %6"
      G_GINT64_FORMAT "  p99.9 %7" G_GINT64_FORMAT "  max %8" G_GINT64_FORMAT
      " ns\n", lock_free ? "framering (lock-free)" : "ring + mutex", n,
      samples[n / 2], samples[(guint64) n * 99 / 100],
      samples[(guint64) n * 999 / 1000], samples[n - 1]);

  gst_as_ring_clear (&b.ring);
  gst_as_frame_ring_clear (&b.fring);
  g_mutex_clear (&b.lock);
  g_free (samples);
  g_free (in);
}

int
main (int argc, char **argv)
{
  double seconds = argc > 1 ? atof (argv[1]) : 2.0;

  run (FALSE, seconds);
  run (TRUE, seconds);
  return 0;
}
