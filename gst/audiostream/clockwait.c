/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "clockwait.h"

/* Arms the wait for @at on @clock. Returns a reference to the id, to
 * wait on outside the caller's lock (gst_clock_id_wait()) and unref. */
GstClockID
gst_as_clock_wait_prepare (GstAsClockWait * w, GstClock * clock,
    GstClockTime at)
{
  if (w->id && w->clock != clock)
    gst_as_clock_wait_clear (w);
  if (w->id == NULL) {
    w->id = gst_clock_new_single_shot_id (clock, at);
    w->clock = gst_object_ref (clock);
  } else {
    gst_clock_single_shot_id_reinit (clock, w->id, at);
  }
  return gst_clock_id_ref (w->id);
}

/* Wakes a gst_clock_id_wait() on the id (GST_CLOCK_UNSCHEDULED). */
void
gst_as_clock_wait_unschedule (GstAsClockWait * w)
{
  if (w->id)
    gst_clock_id_unschedule (w->id);
}

void
gst_as_clock_wait_clear (GstAsClockWait * w)
{
  if (w->id)
    gst_clock_id_unref (w->id);
  w->id = NULL;
  gst_clear_object (&w->clock);
}
