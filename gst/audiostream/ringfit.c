/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "ringfit.h"

#include <gst/gst.h>

#include "sender.h"
#include "sinkfront.h"

static guint64
frames_to_ms_up (guint64 frames, gint rate)
{
  return gst_util_uint64_scale_int_ceil (frames, 1000, rate);
}

/**
 * gst_as_fit_chunk:
 * @text: (out): what to warn about, or NULL
 *
 * A chunk must leave room in the ring for capture to continue while it is
 * sent: at most half the ring. Returns the chunk to use.
 */
guint
gst_as_fit_chunk (guint chunk_samples, guint64 capacity, gchar ** text)
{
  guint64 max_chunk = MAX (capacity / 2, 1);

  *text = NULL;
  if (chunk_samples <= max_chunk)
    return chunk_samples;

  *text = g_strdup_printf ("chunk-samples (%u) is more than half of "
      "ring-buffer-ms (%" G_GUINT64_FORMAT " frames); sending chunks of %"
      G_GUINT64_FORMAT " frames instead.", chunk_samples, capacity,
      max_chunk);
  return (guint) max_chunk;
}

/**
 * gst_as_fit_prefill:
 * @text: (out): what to warn about, or NULL
 *
 * prefill-ms must fit the ring with a chunk to spare, or sending would
 * never start. Returns the prefill to use, in frames.
 */
guint64
gst_as_fit_prefill (guint prefill_ms, gint rate, guint chunk, guint ring_ms,
    guint64 capacity, gchar ** text)
{
  guint64 frames = gst_as_prefill_frames (prefill_ms, rate, chunk, capacity);
  guint64 used_ms = gst_as_frames_to_ms (frames, rate);

  *text = NULL;
  if (used_ms < prefill_ms)
    *text = g_strdup_printf ("prefill-ms (%u) does not fit in "
        "ring-buffer-ms (%u) with a chunk to spare: prefilling %"
        G_GUINT64_FORMAT " ms instead. Make ring-buffer-ms larger for a "
        "larger cushion.", prefill_ms, ring_ms, used_ms);
  return frames;
}

/**
 * gst_as_fit_upstream_buffer:
 * @frames: the largest buffer so far, in frames
 * @sending: the sender has started (the prefill can no longer change)
 * @prefill: (inout): the prefill in frames; lowered if need be
 * @text: (out): what to post, or NULL
 *
 * A live upstream writes a whole buffer at once, and the sender takes the
 * ring down to the prefill only in between: the ring must hold the
 * prefill and one upstream buffer, or it overflows on a perfect link. A
 * buffer larger than the ring minus a chunk is an error; one that leaves
 * too little room for the prefill lowers it while sending has not
 * started, else it is a warning that says what to change.
 */
GstAsFitVerdict
gst_as_fit_upstream_buffer (guint64 frames, guint chunk, guint64 capacity,
    gint rate, gboolean sending, guint64 * prefill, gchar ** text)
{
  guint64 old = *prefill;

  *text = NULL;
  if (frames + chunk > capacity)
    goto too_large;
  if (old + frames <= capacity)
    return GST_AS_FIT_OK;

  if (sending) {
    *text = g_strdup_printf ("Upstream now delivers %" G_GUINT64_FORMAT
        " ms of audio at a time, and the ring (ring-buffer-ms %"
        G_GUINT64_FORMAT ") holding %" G_GUINT64_FORMAT " ms of prefill "
        "has no room for that: audio will be dropped even on a perfect "
        "link. Make ring-buffer-ms at least %" G_GUINT64_FORMAT ".",
        gst_as_frames_to_ms (frames, rate),
        gst_as_frames_to_ms (capacity, rate),
        gst_as_frames_to_ms (old, rate), frames_to_ms_up (old + frames,
            rate));
    return GST_AS_FIT_WARNING;
  }
  *prefill = capacity - frames;
  *text = g_strdup_printf ("Upstream delivers %" G_GUINT64_FORMAT " ms of "
      "audio at a time, and a prefill of %" G_GUINT64_FORMAT " ms leaves "
      "only %" G_GUINT64_FORMAT " ms of ring-buffer-ms (%" G_GUINT64_FORMAT
      ") for it: prefilling %" G_GUINT64_FORMAT " ms instead, or the ring "
      "would overflow on a perfect link. Make ring-buffer-ms at least %"
      G_GUINT64_FORMAT " for the full prefill, or have upstream deliver "
      "smaller buffers.", gst_as_frames_to_ms (frames, rate),
      gst_as_frames_to_ms (old, rate),
      gst_as_frames_to_ms (capacity - old, rate),
      gst_as_frames_to_ms (capacity, rate),
      gst_as_frames_to_ms (*prefill, rate),
      frames_to_ms_up (old + frames, rate));
  return GST_AS_FIT_WARNING;

too_large:
  *text = g_strdup_printf ("Upstream delivers %" G_GUINT64_FORMAT " ms of "
      "audio at a time, more than ring-buffer-ms (%" G_GUINT64_FORMAT ") "
      "can take while a chunk is being sent. Make ring-buffer-ms at least %"
      G_GUINT64_FORMAT ", or have upstream deliver smaller buffers.",
      gst_as_frames_to_ms (frames, rate),
      gst_as_frames_to_ms (capacity, rate),
      frames_to_ms_up (frames + chunk, rate));
  return GST_AS_FIT_ERROR;
}
