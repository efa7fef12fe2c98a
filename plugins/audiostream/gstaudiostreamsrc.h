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
#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_AUDIO_STREAM_SRC (gst_audio_stream_src_get_type ())
G_DECLARE_FINAL_TYPE (GstAudioStreamSrc, gst_audio_stream_src, GST,
    AUDIO_STREAM_SRC, GstPushSrc)

#define GST_TYPE_AUDIO_STREAM_SRC_FORMAT \
  (gst_audio_stream_src_format_get_type ())
GType gst_audio_stream_src_format_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (audiostreamsrc);

G_END_DECLS
