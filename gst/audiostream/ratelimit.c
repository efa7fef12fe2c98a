/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "ratelimit.h"

void
gst_as_rate_limit_init (GstAsRateLimit * limit, gdouble per_second)
{
  limit->per_second = MAX (per_second, 0.001);
  limit->tokens = limit->per_second;
  limit->last_us = G_MININT64;
  limit->suppressed = 0;
}

/**
 * gst_as_rate_limit_allow:
 * @suppressed: (out) (optional): when allowed, how many events were refused
 *   since the last allowed one
 *
 * Returns: whether an event at @now_us may go out.
 */
gboolean
gst_as_rate_limit_allow (GstAsRateLimit * limit, gint64 now_us,
    guint * suppressed)
{
  if (limit->last_us != G_MININT64 && now_us > limit->last_us)
    limit->tokens = MIN (limit->per_second, limit->tokens +
        (now_us - limit->last_us) * limit->per_second / G_USEC_PER_SEC);
  limit->last_us = now_us;

  if (limit->tokens < 1.0) {
    limit->suppressed++;
    return FALSE;
  }
  limit->tokens -= 1.0;
  if (suppressed)
    *suppressed = limit->suppressed;
  limit->suppressed = 0;
  return TRUE;
}
