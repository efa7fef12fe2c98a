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

#define GST_TYPE_STT_TRANSCRIBER (gst_stt_transcriber_get_type ())
G_DECLARE_FINAL_TYPE (GstSttTranscriber, gst_stt_transcriber,
    GST, STT_TRANSCRIBER, GstElement)

/**
 * GstSttTranscriberInterim:
 * @GST_STT_TRANSCRIBER_INTERIM_NONE: only finals become buffers
 * @GST_STT_TRANSCRIBER_INTERIM_PARTIAL: partials too, flagged
 *   GST_BUFFER_FLAG_DELTA_UNIT
 */
typedef enum
{
  GST_STT_TRANSCRIBER_INTERIM_NONE,
  GST_STT_TRANSCRIBER_INTERIM_PARTIAL,
} GstSttTranscriberInterim;

#define GST_TYPE_STT_TRANSCRIBER_INTERIM \
  (gst_stt_transcriber_interim_get_type ())
GType gst_stt_transcriber_interim_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (stttranscriber);

G_END_DECLS
