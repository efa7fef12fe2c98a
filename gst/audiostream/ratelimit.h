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
 * GstAsRateLimit:
 *
 * A token bucket: at most @per_second events a second on average, bursts of
 * up to @per_second. What is refused is counted, so the next event that gets
 * through can say how many were held back.
 */
typedef struct
{
  gdouble per_second;
  gdouble tokens;
  gint64 last_us;
  guint suppressed;
} GstAsRateLimit;

void      gst_as_rate_limit_init  (GstAsRateLimit * limit, gdouble per_second);
gboolean  gst_as_rate_limit_allow (GstAsRateLimit * limit, gint64 now_us,
                                   guint * suppressed);

G_END_DECLS
