/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "pacer.h"

void
gst_as_pacer_init (GstAsPacer * pacer, guint rate, guint catchup_percent)
{
  g_return_if_fail (rate > 0);

  pacer->rate = rate;
  pacer->catchup_percent = MAX (catchup_percent, 100);
  pacer->origin = GST_CLOCK_TIME_NONE;
  pacer->frames = 0;
  pacer->anchor = GST_CLOCK_TIME_NONE;
}

/* Restarts the schedule: frame 0 of what follows is due at @origin. */
void
gst_as_pacer_start (GstAsPacer * pacer, GstClockTime origin)
{
  pacer->origin = origin;
  pacer->frames = 0;
  pacer->anchor = GST_CLOCK_TIME_NONE;
}

GstClockTime
gst_as_pacer_deadline_for (const GstAsPacer * pacer, guint64 frame)
{
  return pacer->origin + gst_util_uint64_scale_int (frame, GST_SECOND,
      pacer->rate);
}

GstClockTime
gst_as_pacer_next_deadline (const GstAsPacer * pacer)
{
  return gst_as_pacer_deadline_for (pacer, pacer->frames);
}

/**
 * gst_as_pacer_next_send_time:
 *
 * When the next chunk of @chunk_frames should go out: its deadline, or, while
 * catching up on a backlog, the previous chunk's send time plus the chunk's
 * duration shortened by the catch-up factor, whichever is later.
 */
GstClockTime
gst_as_pacer_next_send_time (const GstAsPacer * pacer, guint64 chunk_frames)
{
  GstClockTime deadline = gst_as_pacer_next_deadline (pacer);
  GstClockTime min_gap, earliest;

  if (!GST_CLOCK_TIME_IS_VALID (pacer->anchor))
    return deadline;

  min_gap = gst_util_uint64_scale (chunk_frames, GST_SECOND * 100,
      (guint64) pacer->rate * pacer->catchup_percent);
  earliest = pacer->anchor + min_gap;
  return MAX (deadline, earliest);
}

/**
 * gst_as_pacer_sent:
 * @due: when the chunk was meant to go (gst_as_pacer_next_send_time())
 * @now: when it went
 */
void
gst_as_pacer_sent (GstAsPacer * pacer, guint64 n_frames, GstClockTime due,
    GstClockTime now)
{
  pacer->frames += n_frames;
  if (GST_CLOCK_TIME_IS_VALID (due) && now <= due + GST_AS_PACER_STALL)
    pacer->anchor = due;
  else
    pacer->anchor = now;
}

/* Frames that will never be sent (dropped while the ring was full) still
 * took their time: the schedule moves past them. */
void
gst_as_pacer_skip (GstAsPacer * pacer, guint64 n_frames)
{
  pacer->frames += n_frames;
}

/* Frames sent but lost with a connection are due again: the schedule steps
 * back so they go out within the catch-up rate, ahead of the backlog. */
void
gst_as_pacer_rewind (GstAsPacer * pacer, guint64 n_frames)
{
  pacer->frames -= MIN (n_frames, pacer->frames);
}

/* Moves the whole schedule by @delta: later (positive) makes the sender
 * hold more audio back, earlier makes it hold less. Small steps per chunk
 * slew the buffer level without inventing or dropping audio. */
void
gst_as_pacer_shift (GstAsPacer * pacer, GstClockTimeDiff delta)
{
  if (delta < 0 && (GstClockTime) (-delta) > pacer->origin)
    pacer->origin = 0;
  else
    pacer->origin += delta;
}

/* How far the sender is behind its schedule at @now (negative: ahead). */
GstClockTimeDiff
gst_as_pacer_lag (const GstAsPacer * pacer, GstClockTime now)
{
  return GST_CLOCK_DIFF (gst_as_pacer_next_deadline (pacer), now);
}
