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

/**
 * GstSttSessionMap:
 *
 * Where the audio a session has sent sits in the stream. A service counts
 * time from the first frame it received; the element counts stream
 * positions (frames since it started, lost ones included). Sends are
 * contiguous runs in the stream, broken where the queue dropped audio or a
 * new session replays from an earlier position, so the map is a short list
 * of runs.
 */
typedef struct
{
  guint64 session_frame;        /* first frame of the run, session count */
  guint64 stream_pos;           /* where that frame is in the stream */
  guint64 frames;
} GstSttRun;

typedef struct
{
  GArray *runs;                 /* of GstSttRun, in session order */
  guint64 session_frames;       /* frames sent on this session */
} GstSttSessionMap;

void     gst_stt_session_map_init      (GstSttSessionMap * map);
void     gst_stt_session_map_clear     (GstSttSessionMap * map);
void     gst_stt_session_map_reset     (GstSttSessionMap * map);
void     gst_stt_session_map_sent      (GstSttSessionMap * map,
                                        guint64 stream_pos, guint64 frames);
guint64  gst_stt_session_map_to_stream (const GstSttSessionMap * map,
                                        guint64 session_frame);
void     gst_stt_session_map_forget    (GstSttSessionMap * map,
                                        guint64 session_frame);
guint64  gst_stt_session_map_sent_between (const GstSttSessionMap * map,
                                        guint64 from_pos, guint64 to_pos);

/**
 * GstSttClockMap:
 *
 * Running time of stream positions, from anchors the streaming thread
 * records when a buffer's timestamp does not follow from the previous one
 * (the first buffer, a gap, a resync). A fixed array, so recording never
 * allocates; the oldest anchors are overwritten.
 */
#define GST_STT_CLOCK_MAP_SIZE 32

typedef struct
{
  guint64 pos;
  GstClockTime running_time;
} GstSttAnchor;

typedef struct
{
  GstSttAnchor anchors[GST_STT_CLOCK_MAP_SIZE];
  guint count;
  guint next;                   /* slot of the next anchor */
  gint rate;
} GstSttClockMap;

void          gst_stt_clock_map_reset  (GstSttClockMap * map, gint rate);
void          gst_stt_clock_map_record (GstSttClockMap * map, guint64 pos,
                                        GstClockTime running_time);
GstClockTime  gst_stt_clock_map_lookup (const GstSttClockMap * map,
                                        guint64 pos);

/**
 * GstSttLag:
 *
 * How far finals run behind the capture of their audio: the last and the
 * largest lag seen, and whether the current episode above the warning
 * threshold was already said. An episode ends when a final comes back
 * under the threshold.
 */
typedef struct
{
  gint64 last_ms;               /* -1: none measured yet */
  gint64 max_ms;                /* -1: none measured yet */
  guint64 measured;
  guint64 warnings;
  gboolean warned;              /* in an episode above the threshold */
} GstSttLag;

void          gst_stt_lag_reset    (GstSttLag * lag);
gboolean      gst_stt_lag_observe  (GstSttLag * lag, gint64 lag_ms,
                                    guint threshold_ms);

/**
 * GstSttTextOut:
 *
 * Where a text stream (stttranscriber's src pad) stands: the running time
 * up to which downstream has its text (buffers and GAP events), and what
 * came too late for it. Text whose audio starts before that position is
 * late: it goes out at the position instead, counted, so that timestamps
 * never go backwards downstream.
 */
typedef struct
{
  GstClockTime position;        /* GST_CLOCK_TIME_NONE: nothing out yet */
  guint64 late;                 /* late finals */
  GstClockTime max_late;        /* the latest one, by how much */
} GstSttTextOut;

void          gst_stt_text_out_reset     (GstSttTextOut * out);
gboolean      gst_stt_text_out_final     (GstSttTextOut * out,
                                          GstClockTime * pts,
                                          GstClockTime duration,
                                          GstClockTime * gap_start,
                                          GstClockTime * gap_duration);
GstClockTime  gst_stt_text_out_partial   (const GstSttTextOut * out,
                                          GstClockTime pts);
gboolean      gst_stt_text_out_due_gap   (GstSttTextOut * out,
                                          GstClockTime now,
                                          GstClockTime latency,
                                          GstClockTime step,
                                          GstClockTime * gap_start,
                                          GstClockTime * gap_duration);

G_END_DECLS
