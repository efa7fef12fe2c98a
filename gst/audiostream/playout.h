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

typedef enum
{
  GST_AS_PLAYOUT_NORMAL,        /* play the audio as it is */
  GST_AS_PLAYOUT_SHRINK,        /* play less than was received */
  GST_AS_PLAYOUT_GROW,          /* play more than was received */
  GST_AS_PLAYOUT_DROP,          /* over the maximum: drop the oldest now */
} GstAsPlayoutAction;

/**
 * GstAsPlayout:
 *
 * Decides how a jitter buffer moves its playout delay towards the target.
 * The delay may only move by time-scaling, which is limited to @max_rate of
 * the audio played (a "stretch budget" that fills as audio plays, up to
 * @budget_max_ns), except in quiet stretches, where dropping or repeating
 * audio is inaudible and costs no budget. A delay above the maximum is cut
 * at once.
 *
 * A dead band of max(@band_min_ns, @band_fraction x target) around the
 * target keeps small errors from stretching the audio all the time; once
 * outside, the delay is moved back to the target, or to half a band above
 * it when shrinking: a delay right at a quantile target has the audio come
 * too late a little too often (hysteresis).
 */
typedef struct
{
  gdouble max_rate;
  gint64 budget_max_ns;
  gint64 band_min_ns;
  gdouble band_fraction;

  gdouble budget_ns;
  gint direction;               /* +1 shrinking, -1 growing, 0 steady */
} GstAsPlayout;

void     gst_as_playout_init    (GstAsPlayout * playout, gdouble max_rate,
                                 gint64 budget_max_ns, gint64 band_min_ns,
                                 gdouble band_fraction);
void     gst_as_playout_reset   (GstAsPlayout * playout);
void     gst_as_playout_played  (GstAsPlayout * playout, gint64 played_ns);
GstAsPlayoutAction gst_as_playout_decide (GstAsPlayout * playout,
                                 gint64 delay_ns, gint64 target_ns,
                                 gint64 max_ns, gboolean quiet,
                                 gint64 * amount_ns);
void     gst_as_playout_spent   (GstAsPlayout * playout, gint64 amount_ns,
                                 gboolean quiet);

gboolean gst_as_playout_moved_enough (gint64 old_ns, gint64 new_ns,
                                 gint64 min_change_ns, gdouble min_fraction);

G_END_DECLS
