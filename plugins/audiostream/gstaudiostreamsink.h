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

#define GST_TYPE_AUDIO_STREAM_SINK (gst_audio_stream_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstAudioStreamSink, gst_audio_stream_sink,
    GST, AUDIO_STREAM_SINK, GstBaseSink)

#define GST_TYPE_AUDIO_STREAM_SINK_DSCP (gst_audio_stream_sink_dscp_get_type ())
GType gst_audio_stream_sink_dscp_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (audiostreamsink);

G_END_DECLS
