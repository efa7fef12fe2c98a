/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "ring.h"

#include <string.h>

void
gst_as_ring_init (GstAsRing * ring, guint bpf, guint64 capacity_frames)
{
  g_return_if_fail (bpf > 0);
  g_return_if_fail (capacity_frames > 0);

  memset (ring, 0, sizeof (*ring));
  ring->bpf = bpf;
  ring->capacity = capacity_frames;
  ring->data = g_malloc0 (capacity_frames * bpf);
}

void
gst_as_ring_clear (GstAsRing * ring)
{
  g_free (ring->data);
  memset (ring, 0, sizeof (*ring));
}

/* Forget the content and the counters, keep the storage. */
void
gst_as_ring_reset (GstAsRing * ring)
{
  ring->write_pos = ring->read_pos = 0;
  ring->overflows = ring->dropped = 0;
}

guint64
gst_as_ring_level (const GstAsRing * ring)
{
  return ring->write_pos - ring->read_pos;
}

guint64
gst_as_ring_space (const GstAsRing * ring)
{
  return ring->capacity - gst_as_ring_level (ring);
}

/* Copies n frames to the ring at position pos, splitting at the wrap. */
static void
copy_in (GstAsRing * ring, guint64 pos, const guint8 * src, guint64 n)
{
  guint64 off = pos % ring->capacity;
  guint64 first = MIN (n, ring->capacity - off);

  memcpy (ring->data + off * ring->bpf, src, first * ring->bpf);
  if (first < n)
    memcpy (ring->data, src + first * ring->bpf, (n - first) * ring->bpf);
}

static void
copy_out (const GstAsRing * ring, guint64 pos, guint8 * dest, guint64 n)
{
  guint64 off = pos % ring->capacity;
  guint64 first = MIN (n, ring->capacity - off);

  memcpy (dest, ring->data + off * ring->bpf, first * ring->bpf);
  if (first < n)
    memcpy (dest + first * ring->bpf, ring->data, (n - first) * ring->bpf);
}

/**
 * gst_as_ring_write:
 *
 * Writes as many of @n_frames as fit without touching unread frames.
 *
 * Returns: the number of frames written.
 */
guint64
gst_as_ring_write (GstAsRing * ring, const guint8 * src, guint64 n_frames)
{
  guint64 n = MIN (n_frames, gst_as_ring_space (ring));

  if (n == 0)
    return 0;
  copy_in (ring, ring->write_pos, src, n);
  ring->write_pos += n;
  return n;
}

/**
 * gst_as_ring_write_overwrite:
 *
 * Writes all @n_frames, dropping the oldest unread frames to make room. When
 * a single write is larger than the ring, only its newest frames are kept.
 * Each write that drops anything counts as one overflow.
 *
 * Returns: the number of frames dropped (old ones and skipped new ones).
 */
guint64
gst_as_ring_write_overwrite (GstAsRing * ring, const guint8 * src,
    guint64 n_frames)
{
  guint64 lost = 0;

  if (n_frames > ring->capacity) {
    /* The head of this write would be overwritten by its own tail: drop
     * everything unread and the head, keep the newest capacity frames. */
    guint64 skip = n_frames - ring->capacity;

    lost = gst_as_ring_level (ring) + skip;
    ring->write_pos += skip;
    ring->read_pos = ring->write_pos;
    src += skip * ring->bpf;
    n_frames = ring->capacity;
  } else if (n_frames > gst_as_ring_space (ring)) {
    lost = n_frames - gst_as_ring_space (ring);
    ring->read_pos += lost;
  }

  copy_in (ring, ring->write_pos, src, n_frames);
  ring->write_pos += n_frames;

  if (lost > 0) {
    ring->overflows++;
    ring->dropped += lost;
  }
  return lost;
}

/**
 * gst_as_ring_read:
 *
 * Consumes up to @n_frames of the oldest frames into @dest.
 *
 * Returns: the number of frames read.
 */
guint64
gst_as_ring_read (GstAsRing * ring, guint8 * dest, guint64 n_frames)
{
  guint64 n = MIN (n_frames, gst_as_ring_level (ring));

  if (n == 0)
    return 0;
  copy_out (ring, ring->read_pos, dest, n);
  ring->read_pos += n;
  return n;
}

/**
 * gst_as_ring_skip:
 *
 * Consumes up to @n_frames of the oldest frames without copying them. They
 * are not counted as dropped: the caller had a use for them elsewhere.
 *
 * Returns: the number of frames skipped.
 */
guint64
gst_as_ring_skip (GstAsRing * ring, guint64 n_frames)
{
  guint64 n = MIN (n_frames, gst_as_ring_level (ring));

  ring->read_pos += n;
  return n;
}
