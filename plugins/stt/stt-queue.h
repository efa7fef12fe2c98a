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
 * GstSttQueue:
 *
 * The audio between capture and a speech-to-text session: a fixed-capacity
 * ring of frames with three positions, all 64-bit frame counters from the
 * start of the stream that never wrap in practice:
 *
 * |[
 *   keep_pos <= send_pos <= write_pos,  write_pos - keep_pos <= capacity
 *   [keep_pos, send_pos)   sent, kept until the service has committed it,
 *                          so that a new session can replay it
 *   [send_pos, write_pos)  not sent yet
 * ]|
 *
 * Room for new audio is taken from the replay history first. Only then
 * does a live writer lose unsent audio (the oldest, counted in
 * @overflows and @dropped), while a non-live writer is told to wait.
 * A writer that can wait may keep part of the history for a replay
 * (gst_stt_queue_write_keeping()).
 *
 * No locking: the owner serialises access. Every operation is a bounded
 * memcpy without allocation, fit for the real-time path.
 */
typedef struct
{
  guint8 *data;
  guint bpf;                    /* bytes per frame */
  guint64 capacity;             /* in frames */

  guint64 write_pos;            /* frames ever queued */
  guint64 send_pos;             /* next frame to send */
  guint64 keep_pos;             /* oldest frame kept for a replay */

  guint64 overflows;            /* writes that lost unsent audio */
  guint64 dropped;              /* unsent frames lost */
} GstSttQueue;

void     gst_stt_queue_init            (GstSttQueue * q, guint bpf,
                                        guint64 capacity_frames);
void     gst_stt_queue_clear           (GstSttQueue * q);

guint64  gst_stt_queue_unsent          (const GstSttQueue * q);
guint64  gst_stt_queue_space           (const GstSttQueue * q);

guint64  gst_stt_queue_write           (GstSttQueue * q, const guint8 * src,
                                        guint64 n_frames);
guint64  gst_stt_queue_write_overwrite (GstSttQueue * q, const guint8 * src,
                                        guint64 n_frames);
guint64  gst_stt_queue_space_keeping   (const GstSttQueue * q,
                                        guint64 keep_frames);
guint64  gst_stt_queue_write_keeping   (GstSttQueue * q, const guint8 * src,
                                        guint64 n_frames,
                                        guint64 keep_frames);
guint64  gst_stt_queue_peek            (const GstSttQueue * q, guint8 * dest,
                                        guint64 n_frames);
void     gst_stt_queue_advance         (GstSttQueue * q, guint64 n_frames);
void     gst_stt_queue_release         (GstSttQueue * q, guint64 pos);
guint64  gst_stt_queue_rewind          (GstSttQueue * q);
void     gst_stt_queue_discard         (GstSttQueue * q);

G_END_DECLS
