/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * GstAsBackoff:
 *
 * Exponential backoff with jitter for reconnection: the n-th wait is
 * `min(max_ms, min_ms * 2^n)` scaled by a random factor in
 * `[1 - jitter, 1 + jitter]`, so that a fleet of senders that lost the same
 * server never comes back in lockstep. A good connection resets it.
 */
typedef struct
{
  guint min_ms;
  guint max_ms;
  gdouble jitter;               /* fraction, 0 .. 1 */
  guint failures;               /* consecutive failures so far */
  GRand *rand;
} GstAsBackoff;

#define GST_AS_BACKOFF_DEFAULT_JITTER 0.2

void    gst_as_backoff_init        (GstAsBackoff * backoff, guint min_ms,
                                    guint max_ms, gdouble jitter,
                                    guint32 seed);
void    gst_as_backoff_clear       (GstAsBackoff * backoff);
guint   gst_as_backoff_base_ms     (const GstAsBackoff * backoff,
                                    guint failures);
guint   gst_as_backoff_next_ms     (GstAsBackoff * backoff);
void    gst_as_backoff_reset       (GstAsBackoff * backoff);

G_END_DECLS
