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
#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_STT_PUSH_SINK (gst_stt_push_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstSttPushSink, gst_stt_push_sink,
    GST, STT_PUSH_SINK, GstBaseSink)

#define GST_TYPE_STT_PUSH_SINK_TRANSCRIPT_FORMAT \
  (gst_stt_push_sink_transcript_format_get_type ())
GType gst_stt_push_sink_transcript_format_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (sttpushsink);

G_END_DECLS
