/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "runningtime.h"

/**
 * gst_as_running_time_now:
 *
 * The running time of @element's pipeline clock now: an arrival time.
 *
 * Returns: the running time, 0 before the base time, GST_CLOCK_TIME_NONE
 * while @element has no clock
 */
GstClockTime
gst_as_running_time_now (GstElement * element)
{
  GstClock *clock = gst_element_get_clock (element);
  GstClockTime now, base;

  if (clock == NULL)
    return GST_CLOCK_TIME_NONE;
  now = gst_clock_get_time (clock);
  base = gst_element_get_base_time (element);
  gst_object_unref (clock);
  return now > base ? now - base : 0;
}
