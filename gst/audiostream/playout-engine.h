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
#include <gst/audio/audio.h>

G_BEGIN_DECLS

/**
 * GstAsPlayoutEngine:
 *
 * The playout engine of adaptivejitterqueue, with no element in sight: it
 * is handed buffers of raw interleaved audio with their arrival times
 * (running time, ns) and asked for the next chunk of output when that is
 * due; it never reads a clock. Inside: the input queue and the output
 * history (frame rings), the arrival records, the drift and baseline of
 * the transit delay, the jitter histogram and target, the decisions of
 * time-scaling and concealment, the output timeline and the reported
 * latency, and the counters.
 *
 * Not thread-safe: the caller serialises every call (the element holds its
 * lock).
 */
typedef struct _GstAsPlayoutEngine GstAsPlayoutEngine;

/* what the engine needs of the element's properties */
typedef struct
{
  gdouble quantile;
  guint min_latency_ms;
  guint max_latency_ms;
  gint fixed_latency_ms;
} GstAsPlayoutSettings;

typedef struct
{
  guint64 received;             /* frames that came in */
  guint64 played;               /* input frames that went out, time-scaled
                                 * or not */
  guint64 output;               /* frames output */
  guint64 concealed;            /* frames of concealment output */
  guint64 events;               /* underruns */
  guint64 dropped;              /* input frames dropped (overrun) */
  guint64 inserted;             /* frames added by time-scaling */
  guint64 removed;              /* input frames skipped by time-scaling */
  guint64 late_buffers;         /* buffers that came while we concealed */
  guint64 relatencies;          /* reported latency changes */
} GstAsPlayoutCounters;

/* the adaptivejitterqueue-stats fields */
typedef struct
{
  gdouble level_ms;
  gdouble delay_ms;
  gdouble target_ms;
  gdouble latency_ms;
  gdouble jitter_ms;
  gdouble drift_ppm;
  gdouble concealed_ms;
  gdouble dropped_ms;
  gdouble stretched_ms;
  GstAsPlayoutCounters n;
  /* not in the message: output decided (and counted) but not yet out */
  guint64 decided_frames;
} GstAsPlayoutStats;

/* the adaptivejitterqueue-resize fields */
typedef struct
{
  gdouble old_ms;
  gdouble new_ms;
  gdouble jitter_ms;
  const gchar *reason;          /* static */
} GstAsPlayoutResize;

/* one chunk of output, as gst_as_playout_engine_render() made it */
typedef struct
{
  guint frames;
  GstClockTime pts;             /* running time the audio stands for */
  GstClockTime duration;
  guint64 offset;               /* output frames before it */
  gboolean discont;
  gboolean relatency;           /* the reported latency changed */
} GstAsPlayoutChunk;

GstAsPlayoutEngine *gst_as_playout_engine_new (void);
void     gst_as_playout_engine_free (GstAsPlayoutEngine * engine);

gboolean gst_as_playout_engine_check_format (const GstAudioInfo * info,
                                 const GstAsPlayoutSettings * s,
                                 GError ** error);

/* format */
void     gst_as_playout_engine_set_format (GstAsPlayoutEngine * engine,
                                 const GstAudioInfo * info,
                                 const GstAsPlayoutSettings * s);
void     gst_as_playout_engine_forget_format (GstAsPlayoutEngine * engine);
void     gst_as_playout_engine_clear_format (GstAsPlayoutEngine * engine);
gboolean gst_as_playout_engine_has_format (GstAsPlayoutEngine * engine,
                                 const GstAudioInfo * info);
guint    gst_as_playout_engine_chunk_frames (GstAsPlayoutEngine * engine);
guint    gst_as_playout_engine_bpf (GstAsPlayoutEngine * engine);

/* life cycle */
void     gst_as_playout_engine_begin (GstAsPlayoutEngine * engine,
                                 const GstAsPlayoutSettings * s);
void     gst_as_playout_engine_reset (GstAsPlayoutEngine * engine,
                                 const GstAsPlayoutSettings * s);
void     gst_as_playout_engine_resume (GstAsPlayoutEngine * engine);

/* input */
guint64  gst_as_playout_engine_push (GstAsPlayoutEngine * engine,
                                 const GstAsPlayoutSettings * s,
                                 const guint8 * data, gsize size,
                                 gboolean discont, GstClockTime at,
                                 gboolean * dropped_partial);
guint    gst_as_playout_engine_end (GstAsPlayoutEngine * engine);
gboolean gst_as_playout_engine_is_eos (GstAsPlayoutEngine * engine);

/* output */
gboolean gst_as_playout_engine_is_drained (GstAsPlayoutEngine * engine);
gboolean gst_as_playout_engine_can_play (GstAsPlayoutEngine * engine);
gboolean gst_as_playout_engine_is_started (GstAsPlayoutEngine * engine);
void     gst_as_playout_engine_start (GstAsPlayoutEngine * engine,
                                 GstClockTime now);
GstClockTime gst_as_playout_engine_next_due (GstAsPlayoutEngine * engine);
gboolean gst_as_playout_engine_render (GstAsPlayoutEngine * engine,
                                 const GstAsPlayoutSettings * s,
                                 guint8 * dest, guint frames,
                                 GstAsPlayoutChunk * chunk);

/* reports */
GstClockTime gst_as_playout_engine_latency (GstAsPlayoutEngine * engine);
void     gst_as_playout_engine_get_stats (GstAsPlayoutEngine * engine,
                                 GstAsPlayoutStats * stats);
gboolean gst_as_playout_engine_stats_due (GstAsPlayoutEngine * engine,
                                 guint interval_ms);
gboolean gst_as_playout_engine_take_resize (GstAsPlayoutEngine * engine,
                                 GstAsPlayoutResize * resize);

/* the same, as GStreamer objects */
void     gst_as_playout_settings_clamp (GstAsPlayoutSettings * s);
gboolean gst_as_playout_engine_set_output (GstAsPlayoutEngine * engine,
                                 const GstAudioInfo * info, GstCaps * caps,
                                 const GstAsPlayoutSettings * s);
GstBufferPool *gst_as_playout_engine_ref_pool (GstAsPlayoutEngine * engine);
gboolean gst_as_playout_engine_take_new_segment (GstAsPlayoutEngine * engine);
GstFlowReturn gst_as_playout_engine_push_buffer (GstAsPlayoutEngine * engine,
                                 const GstAsPlayoutSettings * s,
                                 GstBuffer * buf, GstClockTime at,
                                 guint64 * frames, gboolean * dropped_partial);
gboolean gst_as_playout_engine_render_buffer (GstAsPlayoutEngine * engine,
                                 const GstAsPlayoutSettings * s,
                                 GstBuffer * buf, gboolean * relatency);
GstStructure *gst_as_playout_engine_stats_structure
                                (GstAsPlayoutEngine * engine);
GstStructure *gst_as_playout_engine_resize_structure
                                (GstAsPlayoutEngine * engine);

G_END_DECLS
