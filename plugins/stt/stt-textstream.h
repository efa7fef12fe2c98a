/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

/* What stttranscriber makes of a session's transcripts, with no GstElement
 * in sight: text buffers built from -final and -partial structures, and
 * the text stream's output queue, which the session thread and the sink
 * pad's streaming thread fill and the src pad's task empties, with the GAP
 * events that tell downstream where there is no text (the position and
 * late accounting are stt-timeline.h's GstSttTextOut). */

#include <gst/gst.h>

#include "stt-timeline.h"

G_BEGIN_DECLS

/* How often the src task looks at the clock for GAP events, and the
 * shortest GAP it sends. */
#define GST_STT_GAP_TICK (100 * GST_MSECOND)

/**
 * GstSttNowFunc:
 *
 * The running time now, or GST_CLOCK_TIME_NONE while the clock does not
 * run (not PLAYING, no clock). Called with the text stream's lock held.
 */
typedef GstClockTime (*GstSttNowFunc) (gpointer user_data);

/**
 * GstSttTextItem:
 * @gap_before: a GAP to push before @obj: the time between the text
 *   already out and a final, which has none
 * @obj: a GstBuffer, a serialised GstEvent, or a GAP the clock made due
 * @gap_after: a GAP to push after @obj (a segment: downstream sinks
 *   preroll on it, the first text may be far off)
 * @late_from: a late final: the running time its audio started at (its
 *   PTS is moved to the end of what went out); else GST_CLOCK_TIME_NONE
 *
 * What the src task pushes next, in this order. Each is NULL when none.
 */
typedef struct
{
  GstEvent *gap_before;
  GstMiniObject *obj;
  GstEvent *gap_after;
  GstClockTime late_from;
} GstSttTextItem;

typedef enum
{
  GST_STT_TEXT_ITEM,            /* an item to push */
  GST_STT_TEXT_NONE,            /* nothing yet (gst_stt_text_stream_pop) */
  GST_STT_TEXT_FLUSHING,        /* the task must pause */
  GST_STT_TEXT_EOS,             /* EOS went out: nothing more */
} GstSttTextNext;

/**
 * GstSttTextStream:
 *
 * The output queue of a text stream. Everything is under @lock, a leaf:
 * held for queue bookkeeping only, never across a push, and the now
 * function is the only call made with it held.
 */
typedef struct
{
  GMutex lock;
  GCond cond;
  GQueue queue;                 /* GstBuffer and serialised GstEvent */
  gboolean flushing;            /* the task must leave */
  gboolean started;             /* the segment went out: GAPs may follow */
  gboolean eos;                 /* EOS went out: nothing more */
  GstClockTime latency;         /* how long text may take */
  GstSttTextOut out;
  guint64 buffers_pushed;
  guint64 gaps_pushed;
} GstSttTextStream;

void     gst_stt_text_stream_init   (GstSttTextStream * ts);
void     gst_stt_text_stream_clear  (GstSttTextStream * ts);
void     gst_stt_text_stream_reset  (GstSttTextStream * ts,
                                     GstClockTime latency);
gboolean gst_stt_text_stream_push   (GstSttTextStream * ts,
                                     GstMiniObject * obj);
void     gst_stt_text_stream_set_flushing (GstSttTextStream * ts,
                                     gboolean flushing);
void     gst_stt_text_stream_drop   (GstSttTextStream * ts);
GstSttTextNext gst_stt_text_stream_pop (GstSttTextStream * ts,
                                     GstSttNowFunc now, gpointer user_data,
                                     GstSttTextItem * item);
GstSttTextNext gst_stt_text_stream_wait (GstSttTextStream * ts,
                                     GstSttNowFunc now, gpointer user_data,
                                     GstSttTextItem * item);
void     gst_stt_text_stream_add_stats (GstSttTextStream * ts,
                                     GstStructure * stats);

GstBuffer * gst_stt_text_buffer_new (const GstStructure * transcript,
                                     gboolean partial);
void     gst_stt_structure_rename_prefix (GstStructure * s,
                                     const gchar * from, const gchar * to);

G_END_DECLS
