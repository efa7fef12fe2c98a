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
 * GstAsTuning:
 * @GST_AS_TUNING_IO_URING: GST_AUDIOSTREAM_IO_URING, 0: the sending
 *   threads use one send() per chunk instead of io_uring (default 1)
 * @GST_AS_TUNING_PHASE_GRID: GST_AUDIOSTREAM_PHASE_GRID, 0: each stream's
 *   schedule starts when its prefill is reached, not on the common grid
 *   (default 1)
 * @GST_AS_TUNING_PHASE_GROUP: GST_AUDIOSTREAM_PHASE_GROUP, streams per
 *   place of the grid (default 64)
 * @GST_AS_TUNING_SCHED_WINDOW_US: GST_AUDIOSTREAM_SCHED_WINDOW_US, the
 *   sending threads' batching window in µs (default 100)
 * @GST_AS_TUNING_SCHED_THREADS: GST_AUDIOSTREAM_SCHED_THREADS, sending
 *   threads, 0: one per core (default 0)
 *
 * The knobs that benchmarks turn for A/B measurements (docs/scale.md),
 * all in one place. They are not properties: each is a choice for the
 * whole process, read once from the environment.
 */
typedef enum
{
  GST_AS_TUNING_IO_URING,
  GST_AS_TUNING_PHASE_GRID,
  GST_AS_TUNING_PHASE_GROUP,
  GST_AS_TUNING_SCHED_WINDOW_US,
  GST_AS_TUNING_SCHED_THREADS,
  GST_AS_TUNING_N
} GstAsTuning;

guint64       gst_as_tuning_get      (GstAsTuning knob);
const gchar * gst_as_tuning_name     (GstAsTuning knob);
guint64       gst_as_tuning_parse    (GstAsTuning knob, const gchar * text,
                                      gboolean * valid);

G_END_DECLS
