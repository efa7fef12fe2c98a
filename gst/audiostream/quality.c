/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The quality score, documented in docs/messages.md: 100 minus penalties,
 * each penalty capped so that no single figure can hide the others.
 *
 *   pacing       10 per ms of p99 lateness                  at most 20
 *   jitter       1 per 10 ms of jitter above 20 ms           at most 15
 *   buffer       25 x (1 - health)                          at most 25
 *   underruns    10 each                                     at most 20
 *   overflows    10 each                                     at most 20
 *   rtt          1 per 10 ms above 20 ms                     at most 15
 *   rtt-var      1 per 5 ms                                  at most 10
 *   retransmits  3 each                                      at most 15
 *   unsent       1 per 20 ms of audio waiting in the kernel  at most 15
 *   disconnected                                             100
 */

#include "quality.h"

#include <math.h>

static gdouble
penalty (gdouble value, gdouble per_point, gdouble cap)
{
  if (value <= 0 || per_point <= 0)
    return 0;
  return MIN (value / per_point, cap);
}

/**
 * gst_as_quality_buffer_health:
 *
 * 1 when the level is at or above its target, falling linearly to 0 at an
 * empty buffer: how much of the cushion against capture stalls is left.
 */
gdouble
gst_as_quality_buffer_health (gdouble level_ms, gdouble target_ms)
{
  if (target_ms <= 0)
    return 1.0;
  return CLAMP (level_ms / target_ms, 0.0, 1.0);
}

guint
gst_as_quality_score (const GstAsQualityInput * in)
{
  gdouble score = 100.0;

  if (!in->connected)
    return 0;

  score -= penalty (in->pacing_p99_ms, 0.1, 20);
  score -= penalty (in->jitter_ms - 20, 10, 15);
  score -= 25 * (1.0 - gst_as_quality_buffer_health (in->buffer_level_ms,
          in->buffer_target_ms));
  score -= penalty (in->underruns, 0.1, 20);
  score -= penalty (in->overflows, 0.1, 20);
  score -= penalty (in->rtt_ms - 20, 10, 15);
  score -= penalty (in->rtt_var_ms, 5, 10);
  score -= penalty (in->retransmits, 1.0 / 3, 15);
  score -= penalty (in->unsent_ms, 20, 15);

  return (guint) CLAMP (lround (score), 0, 100);
}

GstAsRating
gst_as_quality_rating (guint score)
{
  if (score >= 90)
    return GST_AS_RATING_EXCELLENT;
  if (score >= 70)
    return GST_AS_RATING_GOOD;
  if (score >= 50)
    return GST_AS_RATING_FAIR;
  return GST_AS_RATING_POOR;
}

const gchar *
gst_as_rating_nick (GstAsRating rating)
{
  switch (rating) {
    case GST_AS_RATING_EXCELLENT:
      return "excellent";
    case GST_AS_RATING_GOOD:
      return "good";
    case GST_AS_RATING_FAIR:
      return "fair";
    case GST_AS_RATING_POOR:
    default:
      return "poor";
  }
}
