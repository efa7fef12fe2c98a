/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "stt-queue.h"

#include <string.h>

void
gst_stt_queue_init (GstSttQueue * q, guint bpf, guint64 capacity_frames)
{
  g_return_if_fail (bpf > 0);
  g_return_if_fail (capacity_frames > 0);

  memset (q, 0, sizeof (*q));
  q->bpf = bpf;
  q->capacity = capacity_frames;
  q->data = g_malloc0 (capacity_frames * bpf);
}

void
gst_stt_queue_clear (GstSttQueue * q)
{
  g_free (q->data);
  memset (q, 0, sizeof (*q));
}

guint64
gst_stt_queue_unsent (const GstSttQueue * q)
{
  return q->write_pos - q->send_pos;
}

/* Frames that can be written without losing unsent audio. */
guint64
gst_stt_queue_space (const GstSttQueue * q)
{
  return q->capacity - gst_stt_queue_unsent (q);
}

static void
copy_in (GstSttQueue * q, guint64 pos, const guint8 * src, guint64 n)
{
  guint64 off = pos % q->capacity;
  guint64 first = MIN (n, q->capacity - off);

  memcpy (q->data + off * q->bpf, src, first * q->bpf);
  if (first < n)
    memcpy (q->data, src + first * q->bpf, (n - first) * q->bpf);
}

static void
copy_out (const GstSttQueue * q, guint64 pos, guint8 * dest, guint64 n)
{
  guint64 off = pos % q->capacity;
  guint64 first = MIN (n, q->capacity - off);

  memcpy (dest, q->data + off * q->bpf, first * q->bpf);
  if (first < n)
    memcpy (dest + first * q->bpf, q->data, (n - first) * q->bpf);
}

/* Makes room for @n more frames by forgetting replay history. */
static void
trim_history (GstSttQueue * q, guint64 n)
{
  guint64 stored = q->write_pos - q->keep_pos;

  if (stored + n > q->capacity)
    q->keep_pos = MIN (q->send_pos, q->write_pos + n - q->capacity);
}

/**
 * gst_stt_queue_write:
 *
 * Writes as many of @n_frames as fit without losing unsent audio, giving
 * up replay history if needed.
 *
 * Returns: the frames written; fewer than @n_frames means wait and retry
 */
guint64
gst_stt_queue_write (GstSttQueue * q, const guint8 * src, guint64 n_frames)
{
  guint64 n = MIN (n_frames, gst_stt_queue_space (q));

  if (n == 0)
    return 0;
  trim_history (q, n);
  copy_in (q, q->write_pos, src, n);
  q->write_pos += n;
  return n;
}

/**
 * gst_stt_queue_write_overwrite:
 *
 * Writes all of @n_frames. When unsent audio must go to make room, the
 * oldest goes and is counted; only the newest capacity frames of a write
 * larger than the queue are kept.
 *
 * Returns: the number of frames lost, 0 when everything fitted
 */
guint64
gst_stt_queue_write_overwrite (GstSttQueue * q, const guint8 * src,
    guint64 n_frames)
{
  guint64 lost = 0;

  if (n_frames > q->capacity) {
    guint64 skip = n_frames - q->capacity;

    /* Everything unsent goes, and the head of this write never lands. */
    lost = gst_stt_queue_unsent (q) + skip;
    q->write_pos += skip;
    q->send_pos = q->keep_pos = q->write_pos;
    src += skip * q->bpf;
    n_frames = q->capacity;
  } else if (n_frames > gst_stt_queue_space (q)) {
    guint64 over = n_frames - gst_stt_queue_space (q);

    lost = over;
    q->send_pos += over;
    q->keep_pos = q->send_pos;
  }
  if (lost > 0) {
    q->overflows++;
    q->dropped += lost;
  }

  trim_history (q, n_frames);
  copy_in (q, q->write_pos, src, n_frames);
  q->write_pos += n_frames;
  return lost;
}

/* Copies up to @n_frames unsent frames, from send_pos on, without
 * consuming them. Returns the frames copied. */
/**
 * gst_stt_queue_space_keeping:
 * @keep_frames: replay history to leave alone, at most
 *
 * The room a write may take without shrinking the history below
 * @keep_frames (or below what it holds, when that is less).
 */
guint64
gst_stt_queue_space_keeping (const GstSttQueue * q, guint64 keep_frames)
{
  guint64 kept = MIN (q->send_pos - q->keep_pos, keep_frames);

  return gst_stt_queue_space (q) - MIN (kept, gst_stt_queue_space (q));
}

/**
 * gst_stt_queue_write_keeping:
 *
 * Like gst_stt_queue_write(), but leaves the newest @keep_frames of the
 * replay history in place, for a writer that would rather wait than see
 * audio the service may not have read yet go: a service that stops
 * reading then loses nothing that a new session cannot replay.
 *
 * Returns: the frames written
 */
guint64
gst_stt_queue_write_keeping (GstSttQueue * q, const guint8 * src,
    guint64 n_frames, guint64 keep_frames)
{
  return gst_stt_queue_write (q, src, MIN (n_frames,
          gst_stt_queue_space_keeping (q, keep_frames)));
}

guint64
gst_stt_queue_peek (const GstSttQueue * q, guint8 * dest, guint64 n_frames)
{
  guint64 n = MIN (n_frames, gst_stt_queue_unsent (q));

  if (n > 0)
    copy_out (q, q->send_pos, dest, n);
  return n;
}

/* Marks @n_frames (at most what is unsent) as sent; they stay as replay
 * history until released or overwritten. */
void
gst_stt_queue_advance (GstSttQueue * q, guint64 n_frames)
{
  q->send_pos += MIN (n_frames, gst_stt_queue_unsent (q));
}

/* The service has committed everything before @pos: no replay needs it. */
void
gst_stt_queue_release (GstSttQueue * q, guint64 pos)
{
  q->keep_pos = CLAMP (pos, q->keep_pos, q->send_pos);
}

/* A new session starts: sent but uncommitted audio is sent again.
 * Returns the frames that will be replayed. */
guint64
gst_stt_queue_rewind (GstSttQueue * q)
{
  guint64 n = q->send_pos - q->keep_pos;

  q->send_pos = q->keep_pos;
  return n;
}

/* Forgets everything queued (a flush); positions keep counting. */
void
gst_stt_queue_discard (GstSttQueue * q)
{
  q->send_pos = q->keep_pos = q->write_pos;
}
