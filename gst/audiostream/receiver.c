/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "receiver.h"

#include <string.h>

void
gst_as_receiver_init (GstAsReceiver * r, guint bpf)
{
  g_return_if_fail (bpf > 0 && bpf <= GST_AS_RECEIVER_MAX_FRAME_BYTES);

  memset (r, 0, sizeof (*r));
  r->bpf = bpf;
}

/* A sender connected. Returns TRUE when it replaces one that was still
 * connected: the newest connection wins, so that a sender that restarted
 * is never locked out by its own stale connection. @dropped: the bytes of
 * the frame the replaced sender left unfinished. */
gboolean
gst_as_receiver_accept (GstAsReceiver * r, guint * dropped)
{
  gboolean replaced = r->connected;

  *dropped = 0;
  if (replaced) {
    r->stats.replaced++;
    *dropped = gst_as_receiver_close (r);
  }
  r->connected = TRUE;
  r->stats.senders++;
  return replaced;
}

/* The current sender is gone. Half a frame cannot be played, and the next
 * sender starts on a frame boundary: the rest is dropped and counted.
 * Returns the bytes dropped. */
guint
gst_as_receiver_close (GstAsReceiver * r)
{
  guint dropped = r->carry_len;

  if (dropped > 0) {
    r->stats.partial_frames++;
    r->stats.partial_bytes += dropped;
  }
  r->carry_len = 0;
  r->connected = FALSE;
  return dropped;
}

/* Copies the start of an unfinished frame to @dest, where the next read
 * continues it. Returns its length, less than one frame. */
guint
gst_as_receiver_prefix (GstAsReceiver * r, guint8 * dest)
{
  memcpy (dest, r->carry, r->carry_len);
  return r->carry_len;
}

/* @data holds the prefix and what was read after it. Returns the length
 * of its whole frames; the unfinished frame after them is kept for the
 * next read. */
gsize
gst_as_receiver_cut (GstAsReceiver * r, guint8 * data, gsize len)
{
  gsize whole = len - len % r->bpf;

  r->carry_len = len - whole;
  memcpy (r->carry, data + whole, r->carry_len);
  r->stats.bytes += whole;
  r->stats.frames += whole / r->bpf;
  return whole;
}

void
gst_as_receiver_add_silence (GstAsReceiver * r, guint64 frames)
{
  r->stats.silence_frames += frames;
}

/* A connection turned away before it was read: not a sender. */
void
gst_as_receiver_refuse (GstAsReceiver * r, gboolean tls_failure)
{
  if (tls_failure)
    r->stats.tls_failures++;
  else
    r->stats.refused++;
}

/* The audiostreamsrc-stats fields (and the stats property). */
GstStructure *
gst_as_receiver_stats_structure (const GstAsReceiver * r, const gchar * name)
{
  const GstAsReceiverStats *st = &r->stats;

  return gst_structure_new (name,
      "bytes", G_TYPE_UINT64, st->bytes,
      "frames", G_TYPE_UINT64, st->frames,
      "senders", G_TYPE_UINT64, st->senders,
      "replaced", G_TYPE_UINT64, st->replaced,
      "partial-frames", G_TYPE_UINT64, st->partial_frames,
      "partial-bytes", G_TYPE_UINT64, st->partial_bytes,
      "silence-frames", G_TYPE_UINT64, st->silence_frames,
      "connected", G_TYPE_BOOLEAN, r->connected,
      "refused", G_TYPE_UINT64, st->refused,
      "tls-failures", G_TYPE_UINT64, st->tls_failures, NULL);
}

/* The audiostreamsrc-connection fields; @remote and @error may be NULL. */
GstStructure *
gst_as_receiver_connection_structure (const gchar * state,
    const gchar * remote, const gchar * error, guint partial_bytes)
{
  return gst_structure_new ("audiostreamsrc-connection",
      "state", G_TYPE_STRING, state,
      "remote", G_TYPE_STRING, remote,
      "error", G_TYPE_STRING, error,
      "partial-bytes", G_TYPE_UINT, partial_bytes, NULL);
}

/* after a pause, silence starts afresh rather than catching up */
#define SILENCE_MAX_BEHIND_US (200 * G_TIME_SPAN_MILLISECOND)

void
gst_as_silence_clock_reset (GstAsSilenceClock * c, gint64 now_us)
{
  c->since_us = now_us;
  c->frames = 0;
}

/* The frames of silence due at @now_us that were not handed out yet; 0
 * while less than GST_AS_SILENCE_INTERVAL_US of them is due. */
guint64
gst_as_silence_clock_due (GstAsSilenceClock * c, gint64 now_us, gint rate)
{
  gint64 behind_us;
  guint64 due, frames;

  behind_us = now_us - c->since_us -
      (gint64) gst_util_uint64_scale_int (c->frames, G_USEC_PER_SEC, rate);
  if (behind_us > SILENCE_MAX_BEHIND_US) {
    /* the element was paused: one interval, then real time again */
    gst_as_silence_clock_reset (c, now_us - GST_AS_SILENCE_INTERVAL_US);
    behind_us = GST_AS_SILENCE_INTERVAL_US;
  }
  if (behind_us < GST_AS_SILENCE_INTERVAL_US)
    return 0;

  due = gst_util_uint64_scale_int (now_us - c->since_us, rate,
      G_USEC_PER_SEC);
  frames = due - c->frames;
  c->frames = due;
  return frames;
}

/* How long the receiving thread may sleep, in ms: until the next stats
 * (@next_stats_us, G_MAXINT64: none), and while no sender is connected
 * (@idle), the next silence. @readable: a TLS connection holds decrypted
 * audio that its socket no longer shows. -1: until something happens. */
gint
gst_as_receiver_poll_timeout_ms (gint64 now_us, gint64 next_stats_us,
    gboolean idle, gboolean readable)
{
  gint64 until = next_stats_us;

  if (idle)
    until = MIN (until, now_us + GST_AS_SILENCE_INTERVAL_US);
  else if (readable)
    until = now_us;
  if (until == G_MAXINT64)
    return -1;
  return (gint) CLAMP ((until - now_us + 999) / 1000, 0, G_MAXINT);
}
