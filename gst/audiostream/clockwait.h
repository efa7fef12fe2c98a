/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstAsClockWait:
 * @id: the pending (or last) single-shot wait, NULL before the first
 * @clock: the clock @id was made for
 *
 * The one clock wait of a task that sleeps until its next deadline, again
 * and again: the same GstClockID is re-armed for each deadline (no
 * allocation per wait) and made anew only when the pipeline's clock
 * changes. Another thread wakes the task with
 * gst_as_clock_wait_unschedule(). The caller's lock guards it.
 */
typedef struct
{
  GstClockID id;
  GstClock *clock;
} GstAsClockWait;

GstClockID gst_as_clock_wait_prepare    (GstAsClockWait * w,
                                         GstClock * clock, GstClockTime at);
void       gst_as_clock_wait_unschedule (GstAsClockWait * w);
void       gst_as_clock_wait_clear      (GstAsClockWait * w);

G_END_DECLS
