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

#include "sender.h"
#include "sinkfront.h"
#include "transport.h"

#include <gio/gio.h>
#include <string.h>

/* Jitter estimation: 5 ms bins up to 20 s; samples halve in weight every
 * 2 s; the target rises at once and halves its excess every 4 s. */
#define JITTER_BIN_US 5000
#define JITTER_BINS 4096
#define JITTER_HALF_LIFE_US (2 * G_USEC_PER_SEC)
#define JITTER_QUANTILE 0.95
#define TARGET_DECAY_HALF_LIFE_US (4 * G_USEC_PER_SEC)
/* The level moves towards a new target by sending up to 5 % slower or
 * faster than real time: no audio is invented or dropped. */
#define SLEW_PERCENT 5
#define ADAPT_INTERVAL_US (100 * G_TIME_SPAN_MILLISECOND)
/* A target move is posted once it differs this much from the last one. */
#define RESIZE_HYSTERESIS_MS 50
#define QUALITY_EVERY_N_STATS 4
#define USER_MESSAGES_PER_SECOND 5
/* TCP_INFO feeds the jitter estimate (bytes the peer's window holds
 * back); a slower cadence than the chunks' is enough and halves the
 * system calls of a chunk. */
#define TCP_INFO_INTERVAL_US (100 * G_TIME_SPAN_MILLISECOND)
#define P99_PUBLISH_INTERVAL_US (100 * G_TIME_SPAN_MILLISECOND)
#define WARNING_INTERVAL_US G_TIME_SPAN_SECOND
#define CAPTURE_PUBLISH_INTERVAL_US (100 * G_TIME_SPAN_MILLISECOND)
/* How often the peer is asked whether it closed the connection */
#define PEER_CHECK_INTERVAL_US (100 * G_TIME_SPAN_MILLISECOND)
/* Statistics go on while the thread waits to reconnect */
#define SLEEP_SLICE_MS 100
/* How long a fatal ERROR waits for the element to be PLAYING */
#define ERROR_HOLD_MS 1000
#define ERROR_HOLD_SLICE_MS 10


static guint64
frames_to_us (GstAsSender * sender, guint64 frames)
{
  return gst_util_uint64_scale_int (frames, G_USEC_PER_SEC, sender->rate);
}

void
gst_as_capture_jitter_reset (GstAsCaptureJitter * cj)
{
  gst_as_jitter_init (&cj->jitter, JITTER_BIN_US, JITTER_BINS,
      JITTER_HALF_LIFE_US);
  cj->started = FALSE;
}

/* Adds a buffer of @frames that arrived at @now_us. Returns the estimate
 * to publish every CAPTURE_PUBLISH_INTERVAL_US, else -1. */
gint64
gst_as_capture_jitter_add (GstAsCaptureJitter * cj, gint rate,
    guint64 frames, gint64 now_us)
{
  gint64 media_us, origin;

  if (!cj->started) {
    cj->started = TRUE;
    cj->frames = 0;
    cj->first_us = cj->published_us = now_us;
    cj->origin_us = 0;
  }
  cj->frames += frames;
  /* a buffer arrives when its last frame has been captured */
  media_us = gst_util_uint64_scale_int (cj->frames, G_USEC_PER_SEC, rate);
  origin = now_us - cj->first_us - media_us;
  if (origin < cj->origin_us) {
    /* an earlier best case: every stored delay grows by the difference */
    gst_as_jitter_shift (&cj->jitter, cj->origin_us - origin);
    cj->origin_us = origin;
  }
  gst_as_jitter_add (&cj->jitter, now_us, origin - cj->origin_us,
      (gdouble) frames / rate);
  if (now_us - cj->published_us < CAPTURE_PUBLISH_INTERVAL_US)
    return -1;
  cj->published_us = now_us;
  return gst_as_jitter_quantile (&cj->jitter, JITTER_QUANTILE);
}

static void
post_connection (GstAsSender * sender, const gchar * state,
    guint64 attempt, gint64 retry_in_ms, const gchar * remote,
    const gchar * error)
{
  sender->cb.post (sender->user_data,
      gst_structure_new ("audiostreamsink-connection",
          "state", G_TYPE_STRING, state,
          "attempt", G_TYPE_UINT64, attempt,
          "retry-in-ms", G_TYPE_INT64, retry_in_ms,
          "remote", G_TYPE_STRING, remote,
          "error", G_TYPE_STRING, error, NULL));
}

static void
tell (GstAsSender * sender, GstMessageType type, const gchar * debug,
    const gchar * format, ...) G_GNUC_PRINTF (4, 5);

static void
tell (GstAsSender * sender, GstMessageType type, const gchar * debug,
    const gchar * format, ...)
{
  va_list args;
  gchar *text;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  sender->cb.tell (sender->user_data, type, text, debug);
  g_free (text);
}

static void tick_at (GstAsSender * sender, gint64 now_us);

static void
publish (GstAsSender * sender)
{
  g_mutex_lock (&sender->stats_lock);
  sender->published = sender->stats;
  g_mutex_unlock (&sender->stats_lock);
}

void
gst_as_sender_init (GstAsSender * sender, const GstAsSenderConfig * config,
    const GstAsSenderCallbacks * cb, gpointer user_data)
{
  memset (sender, 0, sizeof (*sender));
  sender->config = *config;
  sender->config.target = g_strdup (config->target);
  sender->config.max_buffer_ms = MAX (config->max_buffer_ms,
      config->min_buffer_ms);
  sender->cb = *cb;
  sender->user_data = user_data;

  gst_as_backoff_init (&sender->backoff, config->reconnect_min_ms,
      config->reconnect_max_ms, GST_AS_BACKOFF_DEFAULT_JITTER, 0);
  gst_as_jitter_init (&sender->net_jitter, JITTER_BIN_US, JITTER_BINS,
      JITTER_HALF_LIFE_US);
  gst_as_rate_limit_init (&sender->user_messages, USER_MESSAGES_PER_SECOND);
  gst_as_histogram_reset (&sender->lateness_total);
  gst_as_histogram_reset (&sender->lateness_interval);
  sender->stats.target_ms = config->prefill_ms;
  sender->target_posted_ms = config->prefill_ms;
  sender->stats_last_us = sender->started_us = cb->now_us (user_data);
  g_mutex_init (&sender->stats_lock);
  publish (sender);
}

void
gst_as_sender_clear (GstAsSender * sender)
{
  g_free (sender->chunk_buf);
  g_free (sender->chunks);
  gst_as_backoff_clear (&sender->backoff);
  g_free (sender->config.target);
  g_mutex_clear (&sender->stats_lock);
}

/* A prefill the ring cannot hold would never complete; the chunk is at
 * most half the ring, so this leaves room for one. */
guint64
gst_as_prefill_frames (guint prefill_ms, gint rate, guint chunk,
    guint64 ring_capacity)
{
  guint64 frames = gst_util_uint64_scale_int (prefill_ms, rate, 1000);

  return MIN (frames, ring_capacity - chunk);
}

/* The adaptive target starts at the prefill and may move within
 * [min-buffer-ms, max-buffer-ms], never beyond what the ring can hold. */
static void
setup_buffer_target (GstAsSender * sender, guint64 ring_capacity)
{
  guint64 ring_ms = gst_as_frames_to_ms (ring_capacity, sender->rate);
  guint64 chunk_ms = gst_as_frames_to_ms (sender->chunk, sender->rate);
  guint64 max_ms, min_ms;

  max_ms = MIN (sender->config.max_buffer_ms,
      ring_ms - MIN (ring_ms, chunk_ms));
  max_ms = MIN (max_ms, sender->cushion_limit_ms);
  min_ms = MIN (sender->config.min_buffer_ms, max_ms);
  gst_as_jitter_target_init (&sender->buffer_target, min_ms * 1000,
      max_ms * 1000, TARGET_DECAY_HALF_LIFE_US);
  gst_as_jitter_target_reset (&sender->buffer_target,
      sender->prefill_ms * 1000);
  sender->target_posted_ms = sender->prefill_ms;
  sender->stats.target_ms = MIN (sender->stats.target_ms, sender->prefill_ms);
}

/* Sizes the buffers for the format. The most a connection can lose is what
 * the kernel holds (it may take twice the SO_SNDBUF asked for) and the
 * chunk being written: the chunk records cover that much. */
void
gst_as_sender_set_format (GstAsSender * sender, gint rate, guint bpf,
    guint chunk, guint64 ring_capacity, guint kernel_buffer_bytes)
{
  guint64 history;

  g_return_if_fail (sender->chunk_buf == NULL);

  sender->rate = rate;
  sender->bpf = bpf;
  sender->chunk = chunk;
  sender->ring_capacity = ring_capacity;
  sender->cushion_limit_ms = G_MAXUINT64;
  sender->prefill_ms = gst_as_frames_to_ms (gst_as_prefill_frames
      (sender->config.prefill_ms, rate, chunk, ring_capacity), rate);
  history = (2 * (guint64) kernel_buffer_bytes) / bpf + 2 * chunk;
  sender->chunk_buf = g_malloc ((gsize) chunk * bpf);
  /* twice that: the kernel's accounting is not exact to the byte */
  sender->n_chunks = 2 * (history / chunk + 2);
  sender->chunks = g_new0 (GstAsSenderChunk, sender->n_chunks);
  setup_buffer_target (sender, ring_capacity);
  sender->stats.rate = rate;
  sender->stats.bpf = bpf;
  publish (sender);
}

/* The element prefilled @prefill_frames only, less than prefill-ms, to
 * leave room in the ring for its upstream's buffers: the target starts
 * there, and the adaptive target stays below it, or the ring would
 * overflow on a perfect link. Before the schedule starts. */
void
gst_as_sender_limit_prefill (GstAsSender * sender, guint64 prefill_frames)
{
  guint64 ms = gst_as_frames_to_ms (prefill_frames, sender->rate);

  if (prefill_frames == 0 || ms >= sender->prefill_ms)
    return;
  sender->prefill_ms = ms;
  sender->cushion_limit_ms = ms;
  setup_buffer_target (sender, sender->ring_capacity);
  publish (sender);
}

/* Starts the schedule now. It then runs across reconnections: what an
 * outage held back is backlog to catch up on, not a new start. */
void
gst_as_sender_start (GstAsSender * sender)
{
  gst_as_sender_start_on_grid (sender, 0, 0);
}

/**
 * gst_as_sender_start_on_grid:
 * @grid: 0, or the period of the clock times the schedule starts on
 * @offset: where in @grid (less than @grid)
 *
 * Starts the schedule now, or at the next clock time that is @offset past
 * a multiple of @grid. Streams of one chunk duration started on a grid of
 * that duration are due at the same instants, whenever each started, so
 * one wake-up of the scheduler sends them all; the cost is at most one
 * chunk more delay at the start, and the rate is the same.
 */
void
gst_as_sender_start_on_grid (GstAsSender * sender, GstClockTime grid,
    GstClockTime offset)
{
  GstClockTime now = sender->cb.now (sender->user_data);

  gst_as_pacer_init (&sender->pacer, sender->rate,
      GST_AS_PACER_DEFAULT_CATCHUP_PERCENT);
  sender->cb.input (sender->user_data, &sender->in);
  if (grid > 0 && GST_CLOCK_TIME_IS_VALID (now)) {
    GstClockTime at = now - now % grid + offset % grid;

    now = at < now ? at + grid : at;
  }
  gst_as_pacer_start (&sender->pacer, now);
  sender->pacing = TRUE;
}

/**
 * gst_as_sender_grid_offset:
 * @index: the stream's place in the order streams of this grid started
 * @group: streams per group (at least 1)
 * @grid: the grid's period
 * @slot: the distance between groups
 *
 * Where in @grid the @index-th stream starts: the streams in groups of
 * @group in start order, each group @slot after the one before, around
 * the period: grid / slot places (rounded down, so that the last place is
 * a slot before the next period's first too), one place when @slot is
 * not shorter than @grid.
 *
 * Returns: the offset to give gst_as_sender_start_on_grid(), below @grid
 */
GstClockTime
gst_as_sender_grid_offset (guint index, guint group, GstClockTime grid,
    GstClockTime slot)
{
  guint64 places;

  if (grid == 0 || slot == 0 || slot >= grid)
    return 0;
  places = grid / slot;
  return (index / MAX (group, 1)) % places * slot;
}

gboolean
gst_as_sender_is_started (const GstAsSender * sender)
{
  return sender->pacing;
}

GstClockTime
gst_as_sender_next_deadline (const GstAsSender * sender)
{
  return gst_as_pacer_next_send_time (&sender->pacer, sender->chunk);
}

/* Fills the chunk buffer: captured audio (after a lost connection, first
 * what it did not deliver), then silence if a live capture ran dry, and
 * records the chunk. Returns the frames to send, 0 when there is nothing. */
static guint
take_chunk (GstAsSender * sender)
{
  guint chunk = sender->chunk, missing = 0, silence = 0;
  GstAsSenderRead info = { 0 };
  GstAsSenderChunk *rec;
  guint64 frames;

  frames = sender->cb.read (sender->user_data, sender->chunk_buf, chunk,
      &info);
  sender->cb.input (sender->user_data, &sender->in);
  if (frames < chunk && !sender->in.eos) {
    sender->stats.underruns++;
    if (sender->in.live) {
      /* Capture ran dry: silence keeps the bitrate constant. */
      silence = chunk - frames;
      memset (sender->chunk_buf + frames * sender->bpf, 0,
          silence * sender->bpf);
      sender->stats.silence_frames += silence;
    } else {
      /* A file is never padded with invented audio: send what there is
       * and let the schedule move on. */
      missing = chunk - frames;
    }
  }

  /* Audio dropped while the ring was full (also audio waiting to be sent
   * again) took its time on the schedule. */
  if (info.dropped + info.history_lost + missing > 0)
    gst_as_pacer_skip (&sender->pacer, info.dropped + info.history_lost +
        missing);
  if (frames + silence == 0)
    return 0;

  rec = &sender->chunks[sender->conn_chunks++ % sender->n_chunks];
  rec->wire = sender->conn_frames;
  rec->pos = info.pos;
  rec->frames = frames;
  rec->silence = silence;
  return frames + silence;
}

static gboolean
time_for (gint64 * last_us, gint64 now_us, gint64 interval_us)
{
  if (now_us - *last_us < interval_us)
    return FALSE;
  *last_us = now_us;
  return TRUE;
}

/* The network side of the jitter: how late each chunk left, plus how much
 * audio still waits in the kernel because the peer's window is closed. The
 * kernel's buffer hides short stalls from write(); its backlog does not. */
static void
measure_network (GstAsSender * sender, GstClockTime due, GstClockTime sent,
    gint64 now_us)
{
  gint64 delay_us = MAX (GST_CLOCK_DIFF (due, sent), 0) / GST_USECOND;
  guint64 bytes_per_second = (guint64) sender->rate * sender->bpf;

  if (time_for (&sender->tcp_checked_us, now_us, TCP_INFO_INTERVAL_US))
    sender->have_tcp = sender->cb.tcp_info (sender->user_data, &sender->tcp);
  if (sender->have_tcp)
    delay_us += gst_util_uint64_scale (sender->tcp.notsent_bytes,
        G_USEC_PER_SEC, bytes_per_second);

  gst_as_jitter_add (&sender->net_jitter, now_us, delay_us,
      (gdouble) sender->chunk / sender->rate);
}

/* The jitter the buffer must absorb: the worse of capture and network. */
static gint64
current_jitter_us (GstAsSender * sender)
{
  gint64 net = gst_as_jitter_quantile (&sender->net_jitter, JITTER_QUANTILE);
  gint64 jitter = MAX (net, sender->in.capture_jitter_us);

  sender->stats.jitter_ms = jitter / 1000.0;
  return jitter;
}

static void
post_buffer_resize (GstAsSender * sender, guint64 old_ms, guint64 new_ms,
    gdouble jitter_ms, const gchar * reason)
{
  GST_INFO ("buffer target %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT
      " ms (jitter %.1f ms, %s)", old_ms, new_ms, jitter_ms, reason);
  sender->cb.post (sender->user_data,
      gst_structure_new ("audiostreamsink-buffer-resize",
          "old-ms", G_TYPE_UINT64, old_ms,
          "new-ms", G_TYPE_UINT64, new_ms,
          "jitter-ms", G_TYPE_DOUBLE, jitter_ms,
          "reason", G_TYPE_STRING, reason, NULL));
}

/* With adaptive-buffer, the target follows the jitter (rising at once,
 * decaying slowly) and the level follows the target: the schedule shifts by
 * at most SLEW_PERCENT of each chunk, so the sender runs a little slow to
 * build the cushion up, a little fast to bring it down. */
static void
adapt_buffer (GstAsSender * sender, gint64 now_us)
{
  gint64 jitter_us, target_us, level_us;
  gint64 chunk_us = frames_to_us (sender, sender->chunk);
  guint64 target_ms;
  GstClockTimeDiff slew;

  if (time_for (&sender->adapt_last_us, now_us, ADAPT_INTERVAL_US)) {
    jitter_us = current_jitter_us (sender);
    if (!sender->config.adaptive_buffer)
      return;
    target_us = gst_as_jitter_target_update (&sender->buffer_target, now_us,
        jitter_us + jitter_us / 2 + 2 * chunk_us);
    target_ms = target_us / 1000;
    sender->stats.target_ms = target_ms;
    if (ABS ((gint64) target_ms - (gint64) sender->target_posted_ms) >=
        RESIZE_HYSTERESIS_MS) {
      post_buffer_resize (sender, sender->target_posted_ms, target_ms,
          jitter_us / 1000.0, target_ms > sender->target_posted_ms ?
          "jitter-increase" : "jitter-decrease");
      sender->target_posted_ms = target_ms;
    }
  }
  if (!sender->config.adaptive_buffer)
    return;

  level_us = frames_to_us (sender, sender->in.level);
  slew = chunk_us * GST_USECOND * SLEW_PERCENT / 100;
  if (level_us + chunk_us < (gint64) sender->stats.target_ms * 1000)
    gst_as_pacer_shift (&sender->pacer, slew);
  else if (level_us > (gint64) sender->stats.target_ms * 1000 + chunk_us)
    gst_as_pacer_shift (&sender->pacer, -slew);
}

static void
post_lag_drop (GstAsSender * sender, guint64 lag_frames, guint64 dropped)
{
  gint64 now_us = sender->cb.now_us (sender->user_data);
  guint held_back = 0;
  gchar *debug;

  GST_INFO ("%" G_GUINT64_FORMAT " frames behind the target: dropped %"
      G_GUINT64_FORMAT, lag_frames, dropped);
  sender->cb.post (sender->user_data,
      gst_structure_new ("audiostreamsink-lag-drop",
          "lag-ms", G_TYPE_UINT64, gst_as_frames_to_ms (lag_frames,
              sender->rate),
          "max-lag-ms", G_TYPE_UINT, sender->config.max_lag_ms,
          "target-ms", G_TYPE_UINT64, sender->stats.target_ms,
          "dropped-samples", G_TYPE_UINT64, dropped,
          "dropped-ms", G_TYPE_UINT64, gst_as_frames_to_ms (dropped,
              sender->rate),
          "lag-dropped-samples", G_TYPE_UINT64,
          sender->stats.lag_dropped_frames, NULL));
  if (!gst_as_rate_limit_allow (&sender->user_messages, now_us, &held_back))
    return;
  debug = g_strdup_printf ("%" G_GUINT64_FORMAT " samples dropped for lag "
      "so far; %u messages held back", sender->stats.lag_dropped_frames,
      held_back);
  tell (sender, GST_MESSAGE_INFO, debug, "The stream was %" G_GUINT64_FORMAT
      " ms behind its target delay, more than max-lag-ms (%u): dropped the "
      "oldest %" G_GUINT64_FORMAT " ms to return to live.",
      gst_as_frames_to_ms (lag_frames, sender->rate),
      sender->config.max_lag_ms, gst_as_frames_to_ms (dropped,
          sender->rate));
  g_free (debug);
}

/* max-lag-ms: the backlog of a live stream beyond its buffer target is
 * delay that an outage added, and a receiver that reads at exactly real
 * time (snapserver does) never lets the catch-up rate take it back. Once
 * it exceeds max-lag-ms, all of it goes, oldest first, so the delay is
 * back at the target at once; the schedule moves past the dropped frames,
 * as past an overflow. A non-live upstream is never dropped: its backlog
 * is audio read ahead, not delay. */
static void
trim_lag (GstAsSender * sender)
{
  guint64 target, limit, excess, dropped = 0;
  GstAsSenderInput in = { 0 };

  if (sender->config.max_lag_ms == 0)
    return;
  sender->cb.input (sender->user_data, &in);
  if (!in.live || in.eos)
    return;
  target = gst_util_uint64_scale_int (sender->stats.target_ms, sender->rate,
      1000);
  limit = gst_util_uint64_scale_int (sender->config.max_lag_ms,
      sender->rate, 1000);
  if (in.level <= target + limit)
    return;

  excess = in.level - target;
  while (dropped < excess) {
    GstAsSenderRead info = { 0 };
    guint64 got = sender->cb.read (sender->user_data, sender->chunk_buf,
        MIN (sender->chunk, excess - dropped), &info);

    /* what the ring itself dropped meanwhile is counted there */
    if (info.dropped + info.history_lost > 0)
      gst_as_pacer_skip (&sender->pacer, info.dropped + info.history_lost);
    if (got == 0)
      break;
    dropped += got;
    sender->lag_floor = info.pos + got;
  }
  gst_as_pacer_skip (&sender->pacer, dropped);
  sender->stats.lag_dropped_frames += dropped;
  publish (sender);
  post_lag_drop (sender, excess, dropped);
}

/**
 * gst_as_sender_send:
 * @due: the deadline the caller waited for
 * @now: the time on the schedule's clock, read after that wait
 * @now_us: monotonic time in microseconds, read with @now
 *
 * One deadline: takes a chunk and sends it. The caller gives the time
 * (a scheduler reads it once per wake-up of the stream, not once for
 * each use here): the chunk's lateness, the network jitter and the
 * statistics are measured from it.
 */
GstAsSenderResult
gst_as_sender_send (GstAsSender * sender, GstClockTime due, GstClockTime now,
    gint64 now_us, GError ** error)
{
  GstClockTimeDiff late;
  guint frames;
  gsize size;

  trim_lag (sender);
  frames = take_chunk (sender);
  if (frames == 0 && sender->in.eos)
    return GST_AS_SENDER_DRAINED;
  if (frames == 0)
    return GST_AS_SENDER_IDLE;

  /* From here the chunk belongs to this connection: if it fails, what the
   * peer did not acknowledge is read again from the capture ring. */
  sender->conn_frames += frames;

  size = (gsize) frames * sender->bpf;
  if (sender->cb.send (sender->user_data, sender->chunk_buf, size,
          error) < size)
    return g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ?
        GST_AS_SENDER_STOPPED : GST_AS_SENDER_LOST;

  late = GST_CLOCK_DIFF (due, now) / GST_USECOND;
  gst_as_histogram_add (&sender->lateness_total, late);
  gst_as_histogram_add (&sender->lateness_interval, late);
  gst_as_pacer_sent (&sender->pacer, frames, due, now);
  sender->stats.frames_sent = sender->delivered_before + sender->conn_frames;
  sender->stats.lag = MAX (gst_as_pacer_lag (&sender->pacer, now), 0);

  measure_network (sender, due, now, now_us);
  adapt_buffer (sender, now_us);
  tick_at (sender, now_us);

  if (sender->in.eos && sender->in.level == 0)
    return GST_AS_SENDER_DRAINED;
  return GST_AS_SENDER_SENT;
}

/* ------------------------------------------------------------------------ */
/* The connection                                                            */

void
gst_as_sender_connecting (GstAsSender * sender)
{
  sender->attempt++;
  sender->stats.connect_attempts++;
  publish (sender);
  post_connection (sender, "connecting", sender->attempt, -1,
      sender->config.target, NULL);
}

void
gst_as_sender_connected (GstAsSender * sender, const gchar * remote)
{
  sender->stats.connected = TRUE;
  if (sender->connections++ > 0)
    sender->stats.reconnects++;
  sender->connected_at_us = sender->cb.now_us (sender->user_data);
  sender->was_connected = TRUE;
  sender->overflow_warned = FALSE;
  publish (sender);
  post_connection (sender, "connected", sender->attempt, -1, remote, NULL);
}

/* EOS drained; the connection was closed cleanly. */
void
gst_as_sender_closed (GstAsSender * sender, const gchar * remote)
{
  sender->stats.connected = FALSE;
  publish (sender);
  post_connection (sender, "disconnected", sender->attempt, -1, remote,
      NULL);
}

/* Frames of this connection's chunk records, back to record @oldest,
 * that lie in the capture range [@lo, @hi). */
static guint64
sent_between (GstAsSender * sender, guint64 oldest, guint64 lo, guint64 hi)
{
  guint64 i, n = 0;

  for (i = sender->conn_chunks; i > oldest; i--) {
    GstAsSenderChunk *c = &sender->chunks[(i - 1) % sender->n_chunks];
    guint64 a = MAX (c->pos, lo), b = MIN (c->pos + c->frames, hi);

    if (b > a)
      n += b - a;
  }
  return n;
}

/* After a connection is lost: the capture frames the peer did not
 * acknowledge are read again, from the frame the acknowledged bytes end in
 * (a receiver drops a partial frame at the end of a connection), and the
 * schedule steps back so that they are paced like any other backlog.
 * Silence that was not acknowledged is not resent, and no longer counted
 * as sent. Without an acknowledgement to go by (a Unix socket), what was
 * written counts as delivered. */
static void
recover_unacknowledged (GstAsSender * sender, gboolean have_acked,
    guint64 bytes_acked)
{
  guint64 acked, unacked_silence = 0, from = G_MAXUINT64, oldest, i;
  guint64 sent_to = 0, again = 0;

  acked = have_acked ? MIN (bytes_acked / sender->bpf, sender->conn_frames) :
      sender->conn_frames;
  oldest = sender->conn_chunks > sender->n_chunks ?
      sender->conn_chunks - sender->n_chunks : 0;
  /* newest first, back to the chunk the acknowledged bytes end in */
  for (i = sender->conn_chunks; i > oldest && acked < sender->conn_frames;
      i--) {
    GstAsSenderChunk *c = &sender->chunks[(i - 1) % sender->n_chunks];
    guint64 into = acked > c->wire ? acked - c->wire : 0;

    unacked_silence += c->silence - MIN (c->silence,
        into > c->frames ? into - c->frames : 0);
    from = c->pos + MIN (into, c->frames);
    if (sent_to == 0)
      sent_to = c->pos + c->frames;
    if (c->wire <= acked)
      break;
  }
  if (from != G_MAXUINT64 && from < sender->lag_floor) {
    /* sent before a max-lag-ms drop and not acknowledged: older than the
     * audio that drop took, so it goes the same way, and is counted */
    sender->stats.lag_dropped_frames += sent_between (sender, oldest, from,
        sender->lag_floor);
    from = sender->lag_floor;
  }
  if (from != G_MAXUINT64) {
    guint64 to;

    GstAsSenderChunk *first = &sender->chunks[oldest % sender->n_chunks];

    if (i == oldest && acked < first->wire) {
      /* older than any record: not sent again, lost, and counted */
      GST_WARNING ("%" G_GUINT64_FORMAT " unacknowledged frames older than "
          "the records", first->wire - acked);
      sender->stats.lost_frames += first->wire - acked;
    }
    again = sender->cb.rewind (sender->user_data, from);
    /* Sent frames the capture ring no longer holds cannot go again: they
     * are lost. (Sent frames only: what it skipped unsent was counted as
     * dropped when it was skipped.) */
    to = sent_to - again;
    for (i = sender->conn_chunks; i > oldest && to > from; i--) {
      GstAsSenderChunk *c = &sender->chunks[(i - 1) % sender->n_chunks];
      guint64 lo = MAX (c->pos, from), hi = MIN (c->pos + c->frames, to);

      if (hi > lo)
        sender->stats.lost_frames += hi - lo;
    }
  }
  sender->stats.silence_frames -= unacked_silence;

  GST_INFO ("connection lost: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
      " frames acknowledged, %" G_GUINT64_FORMAT " to resend", acked,
      sender->conn_frames, again);

  gst_as_pacer_rewind (&sender->pacer, again);
  sender->delivered_before += acked;
  sender->conn_frames = 0;
  sender->conn_chunks = 0;
  sender->stats.frames_sent = sender->delivered_before;
}

/* The connection failed after it was up; @bytes_acked is what the kernel
 * says the peer acknowledged, if @have_acked. Call gst_as_sender_failed()
 * next. */
void
gst_as_sender_lost (GstAsSender * sender, gboolean have_acked,
    guint64 bytes_acked)
{
  gint64 now_us = sender->cb.now_us (sender->user_data);

  sender->stats.connected = FALSE;
  if (sender->bpf > 0)
    recover_unacknowledged (sender, have_acked, bytes_acked);
  /* A connection that held for a while was a good one: start the backoff
   * over. */
  if (now_us - sender->connected_at_us >=
      (gint64) sender->config.reconnect_min_ms * G_TIME_SPAN_MILLISECOND) {
    gst_as_backoff_reset (&sender->backoff);
    sender->attempt = 0;
  }
  sender->attempt = MAX (sender->attempt, 1);
  publish (sender);
}

/* One WARNING per failure, at most one a second: a sender retrying a dead
 * server for days must not flood the bus. */
static void
warn_failure (GstAsSender * sender, const gchar * what, const gchar * reason,
    guint retry_ms)
{
  gint64 now_us = sender->cb.now_us (sender->user_data);
  gchar *debug;

  if (sender->last_warning_us != 0 &&
      now_us - sender->last_warning_us < WARNING_INTERVAL_US) {
    sender->warnings_suppressed++;
    GST_INFO ("%s %s: %s (warning suppressed)", what, sender->config.target,
        reason);
    return;
  }
  sender->last_warning_us = now_us;
  debug = g_strdup_printf ("%u earlier warnings suppressed",
      sender->warnings_suppressed);
  tell (sender, GST_MESSAGE_WARNING, debug, "%s %s: %s. Retrying in %.1f s.",
      what, sender->config.target, reason, retry_ms / 1000.0);
  g_free (debug);
  sender->warnings_suppressed = 0;
}

/* A failure before the element is PLAYING comes during the application's
 * first state change, while it may still be inside set_state(). An
 * application that quits its main loop from a sync bus handler on ERROR
 * before it has started running that loop (gst-launch-1.0 does, and then
 * waits for ever on a pipeline that cannot preroll) loses the quit. The
 * ERROR is therefore told once the element is PLAYING, which only comes
 * after set_state() has returned, or after ERROR_HOLD_MS if it never
 * does. Returns at once when the thread is stopping. */
static void
hold_error_until_playing (GstAsSender * sender)
{
  guint waited = 0;

  /* without a sleep of its own (the shared scheduler), the caller holds
   * the failure back instead: gst_as_sender_would_give_up () */
  if (sender->cb.sleep_ms == NULL)
    return;
  while (!sender->cb.playing (sender->user_data) && waited < ERROR_HOLD_MS) {
    if (!sender->cb.sleep_ms (sender->user_data, ERROR_HOLD_SLICE_MS))
      return;
    waited += ERROR_HOLD_SLICE_MS;
  }
}

/* Whether a failure now would be the last one: the ERROR, no retry. */
gboolean
gst_as_sender_would_give_up (const GstAsSender * sender)
{
  return !sender->config.auto_reconnect ||
      (sender->config.max_reconnect_attempts > 0 &&
      sender->attempt >= sender->config.max_reconnect_attempts);
}

/* What to do after a connection attempt failed or a connection was lost:
 * give up with an error, finish (EOS has come: nobody is left to wait
 * for), or wait *@retry_ms and try again. */
GstAsSenderAction
gst_as_sender_failed (GstAsSender * sender, const gchar * reason,
    guint * retry_ms)
{
  const gchar *target = sender->config.target;
  gboolean was_connected = sender->was_connected;
  const gchar *what = was_connected ? "Lost the connection to" :
      "Could not connect to";
  guint attempt = sender->attempt;
  GstAsSenderInput in = { 0 };

  sender->was_connected = FALSE;
  sender->stats.connected = FALSE;
  publish (sender);

  if (!sender->config.auto_reconnect ||
      (sender->config.max_reconnect_attempts > 0 &&
          attempt >= sender->config.max_reconnect_attempts)) {
    hold_error_until_playing (sender);
    post_connection (sender, "failed", attempt, -1, target, reason);
    if (sender->config.auto_reconnect)
      tell (sender, GST_MESSAGE_ERROR, "max-reconnect-attempts reached",
          "Gave up on %s after %u attempts: %s.", target, attempt, reason);
    else
      tell (sender, GST_MESSAGE_ERROR, "auto-reconnect is off",
          "%s %s: %s.", what, target, reason);
    return GST_AS_SENDER_GIVE_UP;
  }

  sender->cb.input (sender->user_data, &in);
  if (in.eos) {
    guint64 frames = in.level;

    post_connection (sender, "disconnected", attempt, -1, target, reason);
    tell (sender, GST_MESSAGE_WARNING, reason, "%s %s at end of stream: %"
        G_GUINT64_FORMAT " ms of audio were not delivered.", what, target,
        gst_as_frames_to_ms (frames, in.rate));
    return GST_AS_SENDER_FINISH;
  }

  /* "waiting" names the attempt that failed: none yet after a connection
   * was lost, which "disconnected" reports with the attempt that made it. */
  *retry_ms = gst_as_backoff_next_ms (&sender->backoff);
  if (was_connected)
    post_connection (sender, "disconnected", attempt, -1, target, reason);
  post_connection (sender, "waiting", was_connected ? 0 : attempt, *retry_ms,
      target, reason);
  warn_failure (sender, what, reason, *retry_ms);
  return GST_AS_SENDER_RETRY;
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                  */

/* What a user must see about the ring, as INFO and WARNING messages, at
 * most USER_MESSAGES_PER_SECOND: audio dropped because the network could
 * not keep up, silence sent because capture ran dry. */
static void
tell_user (GstAsSender * sender, const GstAsSenderInput * in, gint64 now_us)
{
  guint64 underruns = sender->stats.underruns;
  guint held_back = 0;
  gchar *debug;

  /* One WARNING per episode of overflows (an outage, or a connection
   * that does not keep up); what follows is counted in the stats. */
  if (in->overflows > sender->overflows_told && !sender->overflow_warned) {
    sender->overflow_warned = TRUE;
    debug = g_strdup_printf ("%" G_GUINT64_FORMAT " overflows, %"
        G_GUINT64_FORMAT " frames dropped so far", in->overflows,
        in->dropped);
    if (sender->stats.connected)
      tell (sender, GST_MESSAGE_WARNING, debug, "The ring buffer is full: "
          "the connection to %s does not take the audio as fast as it "
          "comes, so the oldest audio is being dropped. Further drops are "
          "counted in the stats' dropped-samples.", sender->config.target);
    else
      tell (sender, GST_MESSAGE_WARNING, debug, "The ring buffer is full "
          "while %s is unreachable: the oldest audio is being dropped until "
          "the connection is back (ring-buffer-ms holds %" G_GUINT64_FORMAT
          " ms). Further drops are counted in the stats' dropped-samples.",
          sender->config.target, gst_as_frames_to_ms (in->capacity,
              in->rate));
    g_free (debug);
  }
  sender->overflows_told = in->overflows;
  if (!sender->cb.playing (sender->user_data))
    sender->underruns_told = underruns;
  if (underruns > sender->underruns_told &&
      gst_as_rate_limit_allow (&sender->user_messages, now_us, &held_back)) {
    debug = g_strdup_printf ("%u messages held back", held_back);
    tell (sender, GST_MESSAGE_INFO, debug, "Capture did not keep up: %"
        G_GUINT64_FORMAT " underruns so far, filled with silence.", underruns);
    g_free (debug);
    sender->underruns_told = underruns;
  }
}

static void
post_quality (GstAsSender * sender, const GstAsSenderInput * in,
    gdouble pacing_p99_ms)
{
  GstAsQualityInput q = { 0 };
  guint score;
  GstAsRating rating;

  q.buffer_level_ms = gst_as_frames_to_ms (in->level, in->rate);
  q.buffer_target_ms = sender->stats.target_ms;
  q.jitter_ms = sender->stats.jitter_ms;
  q.connected = sender->stats.connected;
  q.unsent_ms = sender->have_tcp ?
      gst_as_frames_to_ms (sender->tcp.notsent_bytes / MAX (sender->bpf, 1),
      sender->rate) : 0;
  q.pacing_p99_ms = pacing_p99_ms;
  q.underruns = sender->stats.underruns - sender->quality_underruns;
  q.overflows = in->overflows - sender->quality_overflows;
  if (sender->have_tcp && q.connected) {
    q.rtt_ms = sender->tcp.rtt_us / 1000.0;
    q.rtt_var_ms = sender->tcp.rttvar_us / 1000.0;
    if (sender->tcp.total_retrans >= sender->quality_retrans)
      q.retransmits = sender->tcp.total_retrans - sender->quality_retrans;
    sender->quality_retrans = sender->tcp.total_retrans;
  }
  sender->quality_underruns = sender->stats.underruns;
  sender->quality_overflows = in->overflows;

  score = gst_as_quality_score (&q);
  rating = gst_as_quality_rating (score);
  sender->stats_posted++;
  if (sender->rating_posted && rating == sender->rating &&
      sender->stats_posted % QUALITY_EVERY_N_STATS != 0)
    return;
  sender->rating = rating;
  sender->rating_posted = TRUE;

  sender->cb.post (sender->user_data,
      gst_structure_new ("audiostreamsink-quality",
          "score", G_TYPE_UINT, score,
          "rating", G_TYPE_STRING, gst_as_rating_nick (rating),
          "jitter-ms", G_TYPE_DOUBLE, q.jitter_ms,
          "rtt-ms", G_TYPE_DOUBLE, q.rtt_ms,
          "rtt-var-ms", G_TYPE_DOUBLE, q.rtt_var_ms,
          "retransmits", G_TYPE_UINT, q.retransmits,
          "unsent-ms", G_TYPE_DOUBLE, q.unsent_ms,
          "pacing-error-p99-us", G_TYPE_INT64,
          (gint64) (pacing_p99_ms * 1000),
          "underruns", G_TYPE_UINT, q.underruns,
          "overflows", G_TYPE_UINT, q.overflows,
          "buffer-health", G_TYPE_DOUBLE,
          gst_as_quality_buffer_health (q.buffer_level_ms,
              q.buffer_target_ms), NULL));
}

/**
 * gst_as_sender_stats_structure:
 *
 * The audiostreamsink-stats structure from a snapshot, the capture side,
 * the element's uptime, and the rates of the period it covers.
 */
GstStructure *
gst_as_sender_stats_structure (const GstAsSenderStats * st,
    const GstAsSenderInput * in, GstClockTime uptime, gdouble kbps,
    gint64 pacing_p99_us)
{
  return gst_structure_new ("audiostreamsink-stats",
      "uptime-ms", G_TYPE_UINT64, uptime / GST_MSECOND,
      "bytes-sent", G_TYPE_UINT64, st->frames_sent * st->bpf,
      "samples-sent", G_TYPE_UINT64, st->frames_sent,
      "bitrate-kbps", G_TYPE_DOUBLE, kbps,
      "buffer-level-ms", G_TYPE_UINT64,
      gst_as_frames_to_ms (in->level, st->rate),
      "buffer-target-ms", G_TYPE_UINT64, st->target_ms,
      "buffer-capacity-ms", G_TYPE_UINT64,
      gst_as_frames_to_ms (in->capacity, st->rate),
      "underruns", G_TYPE_UINT64, st->underruns,
      "silence-samples", G_TYPE_UINT64, st->silence_frames,
      "overflows", G_TYPE_UINT64, in->overflows,
      "dropped-samples", G_TYPE_UINT64, in->dropped,
      "lost-samples", G_TYPE_UINT64, st->lost_frames,
      "lag-dropped-samples", G_TYPE_UINT64, st->lag_dropped_frames,
      "reconnects", G_TYPE_UINT64, st->reconnects,
      "connect-attempts", G_TYPE_UINT64, st->connect_attempts,
      "connected", G_TYPE_BOOLEAN, st->connected,
      "lag-ms", G_TYPE_UINT64, st->lag / GST_MSECOND,
      "pacing-error-p99-us", G_TYPE_INT64, pacing_p99_us, NULL);
}

static void
tick_at (GstAsSender * sender, gint64 now_us)
{
  gint64 interval_us;
  GstAsSenderInput in = { 0 };
  GstAsSenderStats st;
  gint64 p99_us;
  gdouble kbps = 0.0;
  guint64 bytes;

  if (time_for (&sender->p99_published_us, now_us, P99_PUBLISH_INTERVAL_US)) {
    sender->stats.pacing_p99_us =
        gst_as_histogram_quantile (&sender->lateness_total, 0.99);
  }
  publish (sender);

  sender->cb.input (sender->user_data, &in);
  tell_user (sender, &in, now_us);

  interval_us = now_us - sender->stats_last_us;
  if (sender->config.stats_interval_ms == 0 ||
      interval_us < (gint64) sender->config.stats_interval_ms * 1000)
    return;

  bytes = (sender->stats.frames_sent - sender->stats_last_frames) *
      sender->bpf;
  if (interval_us > 0)
    kbps = bytes * 8.0 / 1000.0 / (interval_us / 1e6);
  p99_us = gst_as_histogram_quantile (&sender->lateness_interval, 0.99);
  gst_as_histogram_reset (&sender->lateness_interval);
  sender->stats_last_us = now_us;
  sender->stats_last_frames = sender->stats.frames_sent;

  /* before the first connection the sender has no format of its own */
  st = sender->stats;
  if (st.rate == 0)
    st.rate = in.rate;
  sender->cb.post (sender->user_data,
      gst_as_sender_stats_structure (&st, &in,
          (now_us - sender->started_us) * GST_USECOND, kbps, p99_us));
  post_quality (sender, &in, p99_us / 1000.0);
}

/* Statistics go on while disconnected (the ring filling up is what the
 * user wants to see then): the caller ticks while it waits, too. */
void
gst_as_sender_tick (GstAsSender * sender)
{
  tick_at (sender, sender->cb.now_us (sender->user_data));
}

/* A copy of the counters as the sending thread last published them. */
void
gst_as_sender_get_stats (GstAsSender * sender, GstAsSenderStats * stats)
{
  g_mutex_lock (&sender->stats_lock);
  *stats = sender->published;
  g_mutex_unlock (&sender->stats_lock);
}

/* ------------------------------------------------------------------------ */
/* The sending thread                                                        */

typedef enum
{
  STREAM_DONE,                  /* EOS drained */
  STREAM_STOPPED,               /* the caller is stopping */
  STREAM_LOST,                  /* the connection failed */
} StreamResult;

/* One connection: waits for the audio the first time, then paces chunks
 * out until EOS is drained, a stop or a failure. */
static StreamResult
stream (GstAsSender * sender, GError ** error)
{
  if (!sender->pacing) {
    GstAsSenderFormat f = { 0 };

    if (!sender->cb.wait_audio (sender->user_data, &f))
      return STREAM_STOPPED;
    if (f.rate == 0)
      return STREAM_DONE;       /* EOS before any audio: nothing to send */
    gst_as_sender_set_format (sender, f.rate, f.bpf, f.chunk,
        f.ring_capacity, f.kernel_buffer_bytes);
    gst_as_sender_limit_prefill (sender, f.prefill_frames);
    gst_as_sender_start (sender);
  }

  for (;;) {
    GstClockTime due = gst_as_sender_next_deadline (sender);

    if (!sender->cb.wait_until (sender->user_data, due))
      return STREAM_STOPPED;
    if (time_for (&sender->peer_checked_us, sender->cb.now_us
            (sender->user_data), PEER_CHECK_INTERVAL_US) &&
        !sender->cb.check_peer (sender->user_data, error))
      return STREAM_LOST;

    switch (gst_as_sender_send (sender, due,
            sender->cb.now (sender->user_data),
            sender->cb.now_us (sender->user_data), error)) {
      case GST_AS_SENDER_SENT:
      case GST_AS_SENDER_IDLE:
        break;
      case GST_AS_SENDER_DRAINED:
        return STREAM_DONE;
      case GST_AS_SENDER_LOST:
        return STREAM_LOST;
      case GST_AS_SENDER_STOPPED:
        return STREAM_STOPPED;
    }
  }
}

/* Waits out a backoff in slices, with statistics going on and EOS cutting
 * it short (one last attempt). FALSE when stopping. */
static gboolean
back_off (GstAsSender * sender, guint retry_ms)
{
  gint64 until = sender->cb.now_us (sender->user_data) + retry_ms * 1000;

  for (;;) {
    gint64 left = until - sender->cb.now_us (sender->user_data);
    GstAsSenderInput in = { 0 };

    if (left <= 0)
      return TRUE;
    if (!sender->cb.sleep_ms (sender->user_data, MIN (SLEEP_SLICE_MS,
                (left + 999) / 1000)))
      return FALSE;
    gst_as_sender_tick (sender);
    sender->cb.input (sender->user_data, &in);
    if (in.eos)
      return TRUE;
  }
}

/* After a failure: wait and try again, or the thread is done. */
static gboolean
act_on_failure (GstAsSender * sender, const gchar * reason)
{
  guint retry_ms = 0;

  switch (gst_as_sender_failed (sender, reason, &retry_ms)) {
    case GST_AS_SENDER_RETRY:
      return back_off (sender, retry_ms);
    case GST_AS_SENDER_GIVE_UP:
      sender->cb.done (sender->user_data, TRUE);
      return FALSE;
    case GST_AS_SENDER_FINISH:
      sender->cb.done (sender->user_data, FALSE);
      return FALSE;
  }
  return FALSE;
}

/**
 * gst_as_sender_refused:
 *
 * A failure that trying again cannot fix (a TLS peer that cannot be
 * trusted or does not speak TLS: GST_AS_TRANSPORT_ERROR_TLS): the
 * connection state `failed` and one ERROR, never a retry loop. Call it
 * instead of gst_as_sender_failed(); the stream is over.
 */
GstAsSenderAction
gst_as_sender_refused (GstAsSender * sender, const gchar * reason)
{
  const gchar *target = sender->config.target;

  sender->was_connected = FALSE;
  sender->stats.connected = FALSE;
  publish (sender);
  post_connection (sender, "failed", sender->attempt, -1, target, reason);
  tell (sender, GST_MESSAGE_ERROR, reason, "Refusing to send to %s: %s.",
      target, reason);
  return GST_AS_SENDER_GIVE_UP;
}

static gboolean
act_on_fatal (GstAsSender * sender, const gchar * reason)
{
  gst_as_sender_refused (sender, reason);
  sender->cb.done (sender->user_data, TRUE);
  return FALSE;
}

static gboolean
is_fatal (const GError * err)
{
  return g_error_matches (err, GST_AS_TRANSPORT_ERROR,
      GST_AS_TRANSPORT_ERROR_TLS);
}

/* One connection: connect, stream until it ends. Returns TRUE to connect
 * again, FALSE when the thread is done. */
static gboolean
run_connection (GstAsSender * sender)
{
  const gchar *peer = NULL;
  gchar *remote;
  GError *err = NULL;
  gboolean again = FALSE, have_acked;
  GstAsTcpInfo info = { 0 };

  gst_as_sender_connecting (sender);
  if (!sender->cb.connect (sender->user_data, &peer, &err)) {
    if (!g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      again = is_fatal (err) ? act_on_fatal (sender, err->message) :
          act_on_failure (sender, err->message);
    g_error_free (err);
    return again;
  }
  /* the connection's own copy goes with it */
  remote = g_strdup (peer);
  gst_as_sender_connected (sender, remote);

  switch (stream (sender, &err)) {
    case STREAM_DONE:
      sender->cb.disconnect (sender->user_data, TRUE);
      gst_as_sender_closed (sender, remote);
      sender->cb.done (sender->user_data, FALSE);
      break;
    case STREAM_STOPPED:
      sender->cb.disconnect (sender->user_data, FALSE);
      sender->stats.connected = FALSE;
      publish (sender);
      break;
    case STREAM_LOST:
      have_acked = sender->cb.tcp_info (sender->user_data, &info);
      sender->cb.disconnect (sender->user_data, FALSE);
      gst_as_sender_lost (sender, have_acked, info.bytes_acked);
      again = is_fatal (err) ? act_on_fatal (sender, err->message) :
          act_on_failure (sender, err->message);
      break;
  }
  g_clear_error (&err);
  g_free (remote);
  return again;
}

/**
 * gst_as_sender_run:
 *
 * The sending thread's life: connect, stream, recover what a lost
 * connection did not deliver, back off and retry, until EOS is drained,
 * the connection fails for good, or a callback says the caller is
 * stopping.
 */
void
gst_as_sender_run (GstAsSender * sender)
{
  while (run_connection (sender));
}

/* The caller stopped the stream (its connection is closed): the published
 * counters say so. */
void
gst_as_sender_stopped (GstAsSender * sender)
{
  sender->stats.connected = FALSE;
  publish (sender);
}
