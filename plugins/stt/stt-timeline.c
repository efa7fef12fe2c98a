/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "stt-timeline.h"

/* A timestamp within this of where the previous anchor puts it is the same
 * timeline: capture jitter is not a discontinuity. */
#define ANCHOR_TOLERANCE (2 * GST_MSECOND)

void
gst_stt_session_map_init (GstSttSessionMap * map)
{
  map->runs = g_array_new (FALSE, FALSE, sizeof (GstSttRun));
  map->session_frames = 0;
}

void
gst_stt_session_map_clear (GstSttSessionMap * map)
{
  g_clear_pointer (&map->runs, g_array_unref);
}

/* A new session: its time starts at zero again. */
void
gst_stt_session_map_reset (GstSttSessionMap * map)
{
  g_array_set_size (map->runs, 0);
  map->session_frames = 0;
}

/* The session sent @frames from @stream_pos on. */
void
gst_stt_session_map_sent (GstSttSessionMap * map, guint64 stream_pos,
    guint64 frames)
{
  GstSttRun run;

  if (frames == 0)
    return;

  if (map->runs->len > 0) {
    GstSttRun *last = &g_array_index (map->runs, GstSttRun,
        map->runs->len - 1);

    if (last->stream_pos + last->frames == stream_pos) {
      last->frames += frames;
      map->session_frames += frames;
      return;
    }
  }
  run.session_frame = map->session_frames;
  run.stream_pos = stream_pos;
  run.frames = frames;
  g_array_append_val (map->runs, run);
  map->session_frames += frames;
}

/**
 * gst_stt_session_map_to_stream:
 *
 * The stream position of the session's frame @session_frame. A frame
 * beyond what was sent (a service rounding up) is placed after the last
 * run; one before the first remembered run, before the first.
 */
guint64
gst_stt_session_map_to_stream (const GstSttSessionMap * map,
    guint64 session_frame)
{
  const GstSttRun *run = NULL;
  guint lo = 0, hi = map->runs->len;

  if (map->runs->len == 0)
    return session_frame;

  /* last run starting at or before session_frame */
  while (hi - lo > 1) {
    guint mid = (lo + hi) / 2;

    if (g_array_index (map->runs, GstSttRun, mid).session_frame <=
        session_frame)
      lo = mid;
    else
      hi = mid;
  }
  run = &g_array_index (map->runs, GstSttRun, lo);
  if (session_frame < run->session_frame)
    return run->stream_pos;
  return run->stream_pos + (session_frame - run->session_frame);
}

/* Runs that end before @session_frame will not be asked about again
 * (their audio is committed); keeps the map short on a long session. */
void
gst_stt_session_map_forget (GstSttSessionMap * map, guint64 session_frame)
{
  guint n = 0;

  while (n + 1 < map->runs->len) {
    const GstSttRun *run = &g_array_index (map->runs, GstSttRun, n);

    if (run->session_frame + run->frames > session_frame)
      break;
    n++;
  }
  if (n > 0)
    g_array_remove_range (map->runs, 0, n);
}

/**
 * gst_stt_session_map_sent_between:
 *
 * How many frames of the stream range [@from_pos, @to_pos) the session
 * sent (as far as the map still remembers its runs). After a lost
 * session: of the audio it never committed, what a new session cannot
 * replay.
 */
guint64
gst_stt_session_map_sent_between (const GstSttSessionMap * map,
    guint64 from_pos, guint64 to_pos)
{
  guint64 total = 0;
  guint i;

  for (i = 0; from_pos < to_pos && i < map->runs->len; i++) {
    const GstSttRun *run = &g_array_index (map->runs, GstSttRun, i);
    guint64 lo = MAX (run->stream_pos, from_pos);
    guint64 hi = MIN (run->stream_pos + run->frames, to_pos);

    if (hi > lo)
      total += hi - lo;
  }
  return total;
}

void
gst_stt_clock_map_reset (GstSttClockMap * map, gint rate)
{
  map->count = 0;
  map->next = 0;
  map->rate = rate;
}

static const GstSttAnchor *
newest (const GstSttClockMap * map)
{
  guint slot = (map->next + GST_STT_CLOCK_MAP_SIZE - 1) %
      GST_STT_CLOCK_MAP_SIZE;

  return map->count > 0 ? &map->anchors[slot] : NULL;
}

static GstClockTime
extrapolate (const GstSttClockMap * map, const GstSttAnchor * a, guint64 pos)
{
  if (pos >= a->pos)
    return a->running_time + gst_util_uint64_scale_int (pos - a->pos,
        GST_SECOND, map->rate);
  else {
    GstClockTime back = gst_util_uint64_scale_int (a->pos - pos, GST_SECOND,
        map->rate);

    return a->running_time > back ? a->running_time - back : 0;
  }
}

/**
 * gst_stt_clock_map_record:
 *
 * The frame at @pos plays at @running_time. Recorded only when that is not
 * where the newest anchor already puts it, and never for positions before
 * the newest anchor.
 */
void
gst_stt_clock_map_record (GstSttClockMap * map, guint64 pos,
    GstClockTime running_time)
{
  const GstSttAnchor *last = newest (map);

  if (!GST_CLOCK_TIME_IS_VALID (running_time) || map->rate <= 0)
    return;
  if (last != NULL) {
    GstClockTime expected;

    if (pos < last->pos)
      return;
    expected = extrapolate (map, last, pos);
    if (GST_CLOCK_DIFF (expected, running_time) <= ANCHOR_TOLERANCE &&
        GST_CLOCK_DIFF (running_time, expected) <= ANCHOR_TOLERANCE)
      return;
  }
  map->anchors[map->next].pos = pos;
  map->anchors[map->next].running_time = running_time;
  map->next = (map->next + 1) % GST_STT_CLOCK_MAP_SIZE;
  map->count = MIN (map->count + 1, GST_STT_CLOCK_MAP_SIZE);
}

/* The running time of the frame at @pos, GST_CLOCK_TIME_NONE before any
 * anchor. Positions older than the oldest anchor kept extrapolate from
 * it. */
GstClockTime
gst_stt_clock_map_lookup (const GstSttClockMap * map, guint64 pos)
{
  const GstSttAnchor *best = NULL, *oldest = NULL;
  guint i;

  for (i = 0; i < map->count; i++) {
    const GstSttAnchor *a = &map->anchors[i];

    if (a->pos <= pos && (best == NULL || a->pos > best->pos))
      best = a;
    if (oldest == NULL || a->pos < oldest->pos)
      oldest = a;
  }
  if (best == NULL)
    best = oldest;
  if (best == NULL || map->rate <= 0)
    return GST_CLOCK_TIME_NONE;
  return extrapolate (map, best, pos);
}

void
gst_stt_lag_reset (GstSttLag * lag)
{
  lag->last_ms = -1;
  lag->max_ms = -1;
  lag->measured = 0;
  lag->warnings = 0;
  lag->warned = FALSE;
}

/**
 * gst_stt_lag_observe:
 * @lag_ms: how long after the capture of its last audio a final came
 * @threshold_ms: the warning threshold, 0: never warn
 *
 * Records a final's lag. Returns TRUE when the element should warn: the
 * first final past @threshold_ms in an episode; the episode ends at the
 * first final under it, so a lag that stays high is said once, and one
 * that comes back is said again.
 */
gboolean
gst_stt_lag_observe (GstSttLag * lag, gint64 lag_ms, guint threshold_ms)
{
  gboolean over = threshold_ms > 0 && lag_ms > (gint64) threshold_ms;
  gboolean warn = over && !lag->warned;

  lag->last_ms = lag_ms;
  lag->max_ms = MAX (lag->max_ms, lag_ms);
  lag->measured++;
  lag->warned = over;
  if (warn)
    lag->warnings++;
  return warn;
}

void
gst_stt_text_out_reset (GstSttTextOut * out)
{
  out->position = GST_CLOCK_TIME_NONE;
  out->late = 0;
  out->max_late = 0;
}

/**
 * gst_stt_text_out_final:
 * @pts: (inout): the running time of the final's first audio; moved to
 *   the position when it is before it (late)
 * @duration: how long its audio lasts
 * @gap_start: (out): with TRUE, a GAP to send before the final
 *
 * Places a final on the text stream and moves the position to its end.
 * Returns whether a GAP should cover the time between the position and
 * the final, so downstream knows there was no text in between. A late
 * final keeps its duration: it is shown as long as it was spoken, late.
 */
gboolean
gst_stt_text_out_final (GstSttTextOut * out, GstClockTime * pts,
    GstClockTime duration, GstClockTime * gap_start,
    GstClockTime * gap_duration)
{
  gboolean gap = FALSE;

  if (GST_CLOCK_TIME_IS_VALID (out->position)) {
    if (*pts < out->position) {
      out->late++;
      out->max_late = MAX (out->max_late, out->position - *pts);
      *pts = out->position;
    } else if (*pts > out->position) {
      *gap_start = out->position;
      *gap_duration = *pts - out->position;
      gap = TRUE;
    }
  }
  out->position = *pts + duration;
  return gap;
}

/* Where a partial goes: never before the position, and it does not move
 * it (a final replaces it). */
GstClockTime
gst_stt_text_out_partial (const GstSttTextOut * out, GstClockTime pts)
{
  if (GST_CLOCK_TIME_IS_VALID (out->position) && pts < out->position)
    return out->position;
  return pts;
}

/**
 * gst_stt_text_out_due_gap:
 * @now: the running time now
 * @latency: how long text may take after its audio
 * @step: the shortest GAP worth sending (the caller's tick): a clock that
 *   moved less than that makes none, so a caller that asks again at once
 *   gets nothing
 *
 * Whether downstream should learn that there is no text before
 * @now - @latency: text for earlier audio is late from then on. Moves the
 * position there. Nothing before the stream has a position (its segment
 * went out).
 */
gboolean
gst_stt_text_out_due_gap (GstSttTextOut * out, GstClockTime now,
    GstClockTime latency, GstClockTime step, GstClockTime * gap_start,
    GstClockTime * gap_duration)
{
  GstClockTime due;

  if (!GST_CLOCK_TIME_IS_VALID (now) || now < latency)
    return FALSE;
  due = now - latency;
  if (!GST_CLOCK_TIME_IS_VALID (out->position) ||
      due < out->position + MAX (step, 1))
    return FALSE;
  *gap_start = out->position;
  *gap_duration = due - out->position;
  out->position = due;
  return TRUE;
}
