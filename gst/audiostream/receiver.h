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

/* the largest frame: 8 channels of 32-bit samples */
#define GST_AS_RECEIVER_MAX_FRAME_BYTES (8 * 4)

/**
 * GstAsReceiverStats:
 * @bytes: bytes of whole frames received since start
 * @frames: whole frames received since start
 * @senders: connections accepted since start
 * @replaced: senders cut off because a newer one connected
 * @partial_frames: senders that left in the middle of a frame
 * @partial_bytes: the bytes of those unfinished frames, discarded
 * @silence_frames: frames of silence produced while no sender was connected
 * @refused: connections refused because their address is not in the
 *   allowlist
 * @tls_failures: connections dropped because their TLS handshake failed
 *   (no or a bad client certificate, not TLS, too slow)
 */
typedef struct
{
  guint64 bytes;
  guint64 frames;
  guint64 senders;
  guint64 replaced;
  guint64 partial_frames;
  guint64 partial_bytes;
  guint64 silence_frames;
  guint64 refused;
  guint64 tls_failures;
} GstAsReceiverStats;

/**
 * GstAsReceiver:
 *
 * The receiving side of a raw-PCM stream with no socket in sight: it cuts
 * whatever the network delivers into whole frames, however TCP split
 * them, and keeps track of the one current sender (the newest connection
 * wins). Used by one thread; the counters are read by copy.
 */
typedef struct
{
  guint bpf;
  gboolean connected;
  guint8 carry[GST_AS_RECEIVER_MAX_FRAME_BYTES];
  guint carry_len;
  GstAsReceiverStats stats;
} GstAsReceiver;

void      gst_as_receiver_init          (GstAsReceiver * r, guint bpf);
gboolean  gst_as_receiver_accept        (GstAsReceiver * r, guint * dropped);
guint     gst_as_receiver_close         (GstAsReceiver * r);
guint     gst_as_receiver_prefix        (GstAsReceiver * r, guint8 * dest);
gsize     gst_as_receiver_cut           (GstAsReceiver * r, guint8 * data,
                                         gsize len);
void      gst_as_receiver_add_silence   (GstAsReceiver * r, guint64 frames);
void      gst_as_receiver_refuse        (GstAsReceiver * r,
                                         gboolean tls_failure);
GstStructure * gst_as_receiver_stats_structure (const GstAsReceiver * r,
                                         const gchar * name);
GstStructure * gst_as_receiver_connection_structure (const gchar * state,
                                         const gchar * remote,
                                         const gchar * error,
                                         guint partial_bytes);

/* while no sender is connected: one buffer of silence this often */
#define GST_AS_SILENCE_INTERVAL_US (20 * G_TIME_SPAN_MILLISECOND)

/**
 * GstAsSilenceClock:
 * @since_us: when the silence started (monotonic time, us)
 * @frames: frames of silence due since then, already handed out
 *
 * The silence a receiver outputs while nobody sends, at real time: how
 * many frames are due is counted from @since_us, so rounding never
 * accumulates.
 */
typedef struct
{
  gint64 since_us;
  guint64 frames;
} GstAsSilenceClock;

void      gst_as_silence_clock_reset    (GstAsSilenceClock * c,
                                         gint64 now_us);
guint64   gst_as_silence_clock_due      (GstAsSilenceClock * c,
                                         gint64 now_us, gint rate);
gint      gst_as_receiver_poll_timeout_ms (gint64 now_us,
                                         gint64 next_stats_us,
                                         gboolean idle,
                                         gboolean readable);

G_END_DECLS
