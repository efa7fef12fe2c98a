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
 * SECTION:ringfit
 *
 * How audiostreamsink's sizes fit its ring once the format is known: the
 * chunk, the prefill, and the largest buffer a live upstream delivers.
 * A size that does not fit is fitted, and the text says what was done and
 * what to change; the element posts it (a WARNING, or an ERROR for
 * %GST_AS_FIT_ERROR). Plain values in, plain values out.
 */

typedef enum
{
  GST_AS_FIT_OK,                /* fits, no text */
  GST_AS_FIT_WARNING,           /* fitted or degraded: warn */
  GST_AS_FIT_ERROR,             /* cannot work: fail */
} GstAsFitVerdict;

guint     gst_as_fit_chunk              (guint chunk_samples,
                                         guint64 capacity, gchar ** text);
guint64   gst_as_fit_prefill            (guint prefill_ms, gint rate,
                                         guint chunk, guint ring_ms,
                                         guint64 capacity, gchar ** text);
GstAsFitVerdict gst_as_fit_upstream_buffer (guint64 frames, guint chunk,
                                         guint64 capacity, gint rate,
                                         gboolean sending,
                                         guint64 * prefill, gchar ** text);

G_END_DECLS
