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
 * GstAsRing:
 *
 * A fixed-capacity ring of audio frames. Positions are 64-bit frame counters
 * that never wrap in practice (2^64 frames at 192 kHz is three million years),
 * so the fill level is always `write_pos - read_pos` and the arithmetic has
 * no ambiguity between "empty" and "full".
 *
 * The ring does no locking: its owner serialises access. Every operation is
 * a bounded memcpy, so a short mutex around it is cheap enough for the
 * real-time path.
 */
typedef struct
{
  guint8 *data;
  guint bpf;                    /* bytes per frame */
  guint64 capacity;             /* in frames */

  guint64 write_pos;            /* frames ever written */
  guint64 read_pos;             /* frames ever consumed or dropped */

  guint64 overflows;            /* writes that had to drop old frames */
  guint64 dropped;              /* frames dropped to make room */
} GstAsRing;

void      gst_as_ring_init        (GstAsRing * ring, guint bpf,
                                   guint64 capacity_frames);
void      gst_as_ring_clear       (GstAsRing * ring);
void      gst_as_ring_reset       (GstAsRing * ring);

guint64   gst_as_ring_level       (const GstAsRing * ring);
guint64   gst_as_ring_space       (const GstAsRing * ring);

guint64   gst_as_ring_write       (GstAsRing * ring, const guint8 * src,
                                   guint64 n_frames);
guint64   gst_as_ring_write_overwrite (GstAsRing * ring, const guint8 * src,
                                   guint64 n_frames);
guint64   gst_as_ring_read        (GstAsRing * ring, guint8 * dest,
                                   guint64 n_frames);
guint64   gst_as_ring_skip        (GstAsRing * ring, guint64 n_frames);

G_END_DECLS
