/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "stt-textstream.h"

#include <string.h>

void
gst_stt_text_stream_init (GstSttTextStream * ts)
{
  memset (ts, 0, sizeof (*ts));
  g_mutex_init (&ts->lock);
  g_cond_init (&ts->cond);
  g_queue_init (&ts->queue);
  ts->latency = 0;
  gst_stt_text_out_reset (&ts->out);
}

void
gst_stt_text_stream_clear (GstSttTextStream * ts)
{
  g_queue_clear_full (&ts->queue, (GDestroyNotify) gst_mini_object_unref);
  g_mutex_clear (&ts->lock);
  g_cond_clear (&ts->cond);
}

/* A new run (READY→PAUSED): counters from 0, text may take @latency. */
void
gst_stt_text_stream_reset (GstSttTextStream * ts, GstClockTime latency)
{
  g_mutex_lock (&ts->lock);
  ts->latency = latency;
  gst_stt_text_out_reset (&ts->out);
  ts->buffers_pushed = ts->gaps_pushed = 0;
  g_mutex_unlock (&ts->lock);
}

/* Hands @obj to the src task (takes it). FALSE, and @obj dropped, while
 * flushing or after EOS. */
gboolean
gst_stt_text_stream_push (GstSttTextStream * ts, GstMiniObject * obj)
{
  g_mutex_lock (&ts->lock);
  if (ts->flushing || ts->eos) {
    g_mutex_unlock (&ts->lock);
    gst_mini_object_unref (obj);
    return FALSE;
  }
  g_queue_push_tail (&ts->queue, obj);
  g_cond_broadcast (&ts->cond);
  g_mutex_unlock (&ts->lock);
  return TRUE;
}

/* A flush drops the queued text and events but the sticky events a flush
 * keeps on a pad (stream-start, caps, tags …; not segment, not EOS), so
 * that the stream still starts right. Called with the lock held. */
static void
drop_flushed (GstSttTextStream * ts)
{
  GQueue kept = G_QUEUE_INIT;
  GstMiniObject *obj;

  while ((obj = g_queue_pop_head (&ts->queue)) != NULL) {
    if (GST_IS_EVENT (obj) && GST_EVENT_IS_STICKY (obj) &&
        GST_EVENT_TYPE (obj) != GST_EVENT_SEGMENT &&
        GST_EVENT_TYPE (obj) != GST_EVENT_EOS)
      g_queue_push_tail (&kept, obj);
    else
      gst_mini_object_unref (obj);
  }
  ts->queue = kept;
}

/* Flushing: the task leaves and what a flush does not keep is dropped.
 * Not flushing: a new stream, or the same after a flush, in which a
 * segment comes first. */
void
gst_stt_text_stream_set_flushing (GstSttTextStream * ts, gboolean flushing)
{
  g_mutex_lock (&ts->lock);
  ts->flushing = flushing;
  if (flushing) {
    drop_flushed (ts);
  } else {
    ts->started = FALSE;
    ts->eos = FALSE;
    ts->out.position = GST_CLOCK_TIME_NONE;
  }
  g_cond_broadcast (&ts->cond);
  g_mutex_unlock (&ts->lock);
}

/* Deactivation: nothing of this stream is kept, sticky events neither. */
void
gst_stt_text_stream_drop (GstSttTextStream * ts)
{
  g_mutex_lock (&ts->lock);
  g_queue_clear_full (&ts->queue, (GDestroyNotify) gst_mini_object_unref);
  g_mutex_unlock (&ts->lock);
}

/* A final goes out at its audio's running time, unless text already went
 * out past it (late); a hole before it gets a GAP. A partial never moves
 * the position. Called with the lock held. */
static void
place_buffer (GstSttTextStream * ts, GstSttTextItem * item)
{
  GstBuffer *buf = gst_buffer_make_writable (GST_BUFFER_CAST (item->obj));
  GstClockTime pts = GST_BUFFER_PTS (buf), gap_start, gap_duration;
  guint64 late = ts->out.late;

  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT)) {
    GST_BUFFER_PTS (buf) = gst_stt_text_out_partial (&ts->out, pts);
  } else {
    if (gst_stt_text_out_final (&ts->out, &pts, GST_BUFFER_DURATION (buf),
            &gap_start, &gap_duration)) {
      item->gap_before = gst_event_new_gap (gap_start, gap_duration);
      ts->gaps_pushed++;
    }
    if (ts->out.late != late)
      item->late_from = GST_BUFFER_PTS (buf);
    GST_BUFFER_PTS (buf) = pts;
  }
  ts->buffers_pushed++;
  item->obj = GST_MINI_OBJECT_CAST (buf);
}

/* What to push next: an item of the queue, or a GAP the clock makes due.
 * Called with the lock held. */
static gboolean
next_locked (GstSttTextStream * ts, GstSttNowFunc now, gpointer user_data,
    GstSttTextItem * item)
{
  GstClockTime gap_start, gap_duration;

  item->obj = g_queue_pop_head (&ts->queue);
  if (item->obj == NULL) {
    if (!ts->started || !gst_stt_text_out_due_gap (&ts->out,
            now (user_data), ts->latency, GST_STT_GAP_TICK, &gap_start,
            &gap_duration))
      return FALSE;
    ts->gaps_pushed++;
    item->obj = GST_MINI_OBJECT_CAST (gst_event_new_gap (gap_start,
            gap_duration));
    return TRUE;
  }

  if (GST_IS_BUFFER (item->obj)) {
    place_buffer (ts, item);
    return TRUE;
  }
  switch (GST_EVENT_TYPE (item->obj)) {
    case GST_EVENT_SEGMENT:
      /* the text position starts with the stream (and stays where it is
       * when upstream repeats its segment) */
      ts->started = TRUE;
      if (!GST_CLOCK_TIME_IS_VALID (ts->out.position))
        ts->out.position = 0;
      item->gap_after = gst_event_new_gap (ts->out.position, 0);
      break;
    case GST_EVENT_EOS:
      ts->eos = TRUE;
      break;
    default:
      break;
  }
  return TRUE;
}

/* Called with the lock held. */
static GstSttTextNext
pop_locked (GstSttTextStream * ts, GstSttNowFunc now, gpointer user_data,
    GstSttTextItem * item)
{
  memset (item, 0, sizeof (*item));
  item->late_from = GST_CLOCK_TIME_NONE;
  if (ts->flushing)
    return GST_STT_TEXT_FLUSHING;
  if (ts->eos)
    return GST_STT_TEXT_EOS;
  return next_locked (ts, now, user_data, item) ? GST_STT_TEXT_ITEM :
      GST_STT_TEXT_NONE;
}

/**
 * gst_stt_text_stream_pop:
 * @now: asked only when the queue is empty and the stream started
 * @item: (out): filled when GST_STT_TEXT_ITEM is returned; the caller
 *   owns what is in it
 *
 * Takes what the src task pushes next, without waiting.
 */
GstSttTextNext
gst_stt_text_stream_pop (GstSttTextStream * ts, GstSttNowFunc now,
    gpointer user_data, GstSttTextItem * item)
{
  GstSttTextNext next;

  g_mutex_lock (&ts->lock);
  next = pop_locked (ts, now, user_data, item);
  g_mutex_unlock (&ts->lock);
  return next;
}

/**
 * gst_stt_text_stream_wait:
 *
 * As gst_stt_text_stream_pop(), but waits until there is something to
 * push (looking at the clock every GST_STT_GAP_TICK) or the task must
 * pause. Never returns GST_STT_TEXT_NONE.
 */
GstSttTextNext
gst_stt_text_stream_wait (GstSttTextStream * ts, GstSttNowFunc now,
    gpointer user_data, GstSttTextItem * item)
{
  GstSttTextNext next;

  g_mutex_lock (&ts->lock);
  while ((next = pop_locked (ts, now, user_data, item)) == GST_STT_TEXT_NONE)
    g_cond_wait_until (&ts->cond, &ts->lock,
        g_get_monotonic_time () + GST_STT_GAP_TICK / GST_USECOND);
  g_mutex_unlock (&ts->lock);
  return next;
}

/* Adds buffers-pushed, gaps-pushed, late and max-late-ms to @stats. */
void
gst_stt_text_stream_add_stats (GstSttTextStream * ts, GstStructure * stats)
{
  GstSttTextOut out;
  guint64 buffers, gaps;

  g_mutex_lock (&ts->lock);
  out = ts->out;
  buffers = ts->buffers_pushed;
  gaps = ts->gaps_pushed;
  g_mutex_unlock (&ts->lock);

  gst_structure_set (stats, "buffers-pushed", G_TYPE_UINT64, buffers,
      "gaps-pushed", G_TYPE_UINT64, gaps,
      "late", G_TYPE_UINT64, out.late,
      "max-late-ms", G_TYPE_UINT64, out.max_late / GST_MSECOND, NULL);
}

/* The running time of the audio of a -final or -partial structure, and
 * its duration. Without timestamps upstream, the stream time. */
static gboolean
transcript_times (const GstStructure * s, GstClockTime * pts,
    GstClockTime * duration)
{
  guint64 rt = GST_CLOCK_TIME_NONE, start_ms, end_ms;

  if (!gst_structure_get_uint64 (s, "start-ms", &start_ms) ||
      !gst_structure_get_uint64 (s, "end-ms", &end_ms))
    return FALSE;
  gst_structure_get_uint64 (s, "running-time", &rt);
  *pts = GST_CLOCK_TIME_IS_VALID (rt) ? rt : start_ms * GST_MSECOND;
  *duration = (MAX (end_ms, start_ms) - start_ms) * GST_MSECOND;
  return TRUE;
}

/**
 * gst_stt_text_buffer_new:
 * @transcript: a -final or -partial structure
 * @partial: flag the buffer GST_BUFFER_FLAG_DELTA_UNIT
 *
 * The text of @transcript as a buffer for [running time of its audio,
 * + its duration), or NULL when it has no text or no times.
 */
GstBuffer *
gst_stt_text_buffer_new (const GstStructure * transcript, gboolean partial)
{
  const gchar *text = gst_structure_get_string (transcript, "text");
  GstClockTime pts, duration;
  GstBuffer *buf;

  if (text == NULL || text[0] == '\0' ||
      !transcript_times (transcript, &pts, &duration))
    return NULL;
  buf = gst_buffer_new_memdup (text, strlen (text));
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = duration;
  if (partial)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  return buf;
}

/* @from-final → @to-final; other names stay. */
void
gst_stt_structure_rename_prefix (GstStructure * s, const gchar * from,
    const gchar * to)
{
  const gchar *name = gst_structure_get_name (s);
  gchar *renamed;

  if (!g_str_has_prefix (name, from))
    return;
  renamed = g_strconcat (to, name + strlen (from), NULL);
  gst_structure_set_name (s, renamed);
  g_free (renamed);
}
