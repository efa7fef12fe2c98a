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
 * GstAsPacer:
 *
 * Constant-bitrate send schedule. Frame n is due at
 * `origin + n * GST_SECOND / rate`, computed from the frame counter each time
 * rather than by adding chunk durations, so rounding never accumulates: after
 * 24 hours the schedule is exact to the nanosecond.
 *
 * When the sender has fallen behind (the network stalled), the backlog is sent
 * early, but no faster than @catchup_percent of real time, so a receiver is
 * never flooded after an outage. The catch-up steps are counted from when
 * each chunk was meant to go, not when it went, so that late wake-ups do
 * not add up and slow the catch-up below real time; only a real stall
 * (GST_AS_PACER_STALL) restarts it from the moment of sending.
 */
typedef struct
{
  guint rate;
  guint catchup_percent;        /* >= 100; 100 = never faster than real time */
  GstClockTime origin;          /* when frame 0 is due */
  guint64 frames;               /* frames sent so far */
  GstClockTime anchor;          /* when the previous chunk was meant to go */
} GstAsPacer;

#define GST_AS_PACER_DEFAULT_CATCHUP_PERCENT 150
#define GST_AS_PACER_STALL (100 * GST_MSECOND)

void          gst_as_pacer_init          (GstAsPacer * pacer, guint rate,
                                          guint catchup_percent);
void          gst_as_pacer_start         (GstAsPacer * pacer,
                                          GstClockTime origin);
GstClockTime  gst_as_pacer_deadline_for  (const GstAsPacer * pacer,
                                          guint64 frame);
GstClockTime  gst_as_pacer_next_deadline (const GstAsPacer * pacer);
GstClockTime  gst_as_pacer_next_send_time (const GstAsPacer * pacer,
                                          guint64 chunk_frames);
void          gst_as_pacer_sent          (GstAsPacer * pacer,
                                          guint64 n_frames,
                                          GstClockTime due,
                                          GstClockTime now);
void          gst_as_pacer_skip          (GstAsPacer * pacer,
                                          guint64 n_frames);
void          gst_as_pacer_rewind        (GstAsPacer * pacer,
                                          guint64 n_frames);
void          gst_as_pacer_shift         (GstAsPacer * pacer,
                                          GstClockTimeDiff delta);
GstClockTimeDiff gst_as_pacer_lag        (const GstAsPacer * pacer,
                                          GstClockTime now);

G_END_DECLS
