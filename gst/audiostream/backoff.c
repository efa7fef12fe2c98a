/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "backoff.h"

/**
 * gst_as_backoff_init:
 * @seed: for the jitter; 0 picks a random seed
 */
void
gst_as_backoff_init (GstAsBackoff * backoff, guint min_ms, guint max_ms,
    gdouble jitter, guint32 seed)
{
  backoff->min_ms = MAX (min_ms, 1);
  backoff->max_ms = MAX (max_ms, backoff->min_ms);
  backoff->jitter = CLAMP (jitter, 0.0, 1.0);
  backoff->failures = 0;
  backoff->rand = seed ? g_rand_new_with_seed (seed) : g_rand_new ();
}

void
gst_as_backoff_clear (GstAsBackoff * backoff)
{
  g_clear_pointer (&backoff->rand, g_rand_free);
}

/* The wait before jitter after @failures consecutive failures (from 1). */
guint
gst_as_backoff_base_ms (const GstAsBackoff * backoff, guint failures)
{
  guint64 ms = backoff->min_ms;
  guint i;

  for (i = 1; i < failures && ms < backoff->max_ms; i++)
    ms *= 2;
  return (guint) MIN (ms, (guint64) backoff->max_ms);
}

/* Records one more failure and returns how long to wait before retrying. */
guint
gst_as_backoff_next_ms (GstAsBackoff * backoff)
{
  gdouble factor;

  if (backoff->failures < G_MAXUINT)
    backoff->failures++;
  factor = 1.0 + g_rand_double_range (backoff->rand, -backoff->jitter,
      backoff->jitter);
  return (guint) (gst_as_backoff_base_ms (backoff, backoff->failures) *
      factor + 0.5);
}

void
gst_as_backoff_reset (GstAsBackoff * backoff)
{
  backoff->failures = 0;
}
