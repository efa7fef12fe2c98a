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
 * GstAsQualityInput:
 *
 * What the sender measured over one interval.
 */
typedef struct
{
  gdouble pacing_p99_ms;        /* how late chunks left, 99th percentile */
  gdouble jitter_ms;            /* the jitter estimator's value */
  gdouble buffer_level_ms;
  gdouble buffer_target_ms;
  guint underruns;              /* in the interval */
  guint overflows;              /* in the interval */
  gboolean connected;
  /* the kernel's view (TCP_INFO); all 0 for a Unix socket */
  gdouble rtt_ms;
  gdouble rtt_var_ms;
  guint retransmits;            /* segments retransmitted in the interval */
  gdouble unsent_ms;            /* audio written but not yet sent */
} GstAsQualityInput;

typedef enum
{
  GST_AS_RATING_POOR,
  GST_AS_RATING_FAIR,
  GST_AS_RATING_GOOD,
  GST_AS_RATING_EXCELLENT,
} GstAsRating;

gdouble       gst_as_quality_buffer_health (gdouble level_ms,
                                            gdouble target_ms);
guint         gst_as_quality_score   (const GstAsQualityInput * in);
GstAsRating   gst_as_quality_rating  (guint score);
const gchar * gst_as_rating_nick     (GstAsRating rating);

G_END_DECLS
