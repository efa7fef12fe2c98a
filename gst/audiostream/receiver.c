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
