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
#include <stdatomic.h>

G_BEGIN_DECLS

/**
 * GstAsFrameRing:
 *
 * The one ring of audio frames between a producer (a sink's render()) and a
 * consumer (the thread that sends), with three positions, each a 64-bit
 * count of frames since the start of the stream (2^64 frames at 192 kHz
 * last three million years, so they never wrap):
 *
 * |[
 *   keep <= send <= write,   write - keep <= capacity
 *   [keep, send)    sent, kept until the peer acknowledges it, so that it
 *                   can be sent again (resend after a lost connection,
 *                   replay after an STT reconnect)
 *   [send, write)   not sent yet
 * ]|
 *
 * # Contract
 *
 * One producer thread and one consumer thread, no lock. Each position has
 * one owner: the producer owns `write`, `tail` (below it, frames may have
 * been overwritten) and `flush` (below it, frames were flushed); the
 * consumer owns `send`, `keep` and `sent_high` (the first frame never
 * handed out). Owners publish with release stores, the other side reads
 * with acquire loads; the frames are copied with memcpy outside any lock,
 * and nothing is allocated after gst_as_frame_ring_init().
 *
 * The producer never waits for the consumer. When a write needs room, the
 * room comes from the oldest frames: released ones first, then the resend
 * history [keep, send), and only then, with
 * gst_as_frame_ring_write_overwrite() (live upstream), unsent audio.
 * gst_as_frame_ring_write() instead writes only what fits without touching
 * [send, write) and reports the rest, so a non-live caller can wait (the
 * waiting belongs to the caller, see sinkfront.h);
 * gst_as_frame_ring_write_keeping() also leaves a part of the history in
 * place (a history floor), for a caller that would rather wait than lose
 * audio a new session must send again.
 *
 * Torn reads: the producer publishes `tail` (then a release fence) before it
 * overwrites a frame, and the consumer loads `tail` again after its copy,
 * as a seqlock reader rechecks its sequence. Frames the producer may have
 * overwritten during the copy form a prefix of it and are discarded; what
 * is returned is always intact and in order.
 *
 * The invariants hold for the effective positions, max (keep, tail) and
 * max (send, tail, flush), which gst_as_frame_ring_get_stats() reports:
 * the consumer's own keep and send catch up on its next read.
 *
 * Counting is exact because the consumer does it: frames it finds below
 * `tail` that were never handed out are @dropped, frames it was asked to
 * send again (rewind) that are gone are @history_lost. Missing frames in
 * what the consumer delivers always equal @dropped. @overflows counts the
 * producer's writes that had to take unsent audio as the producer saw it
 * (a write racing a read may count one the reader saved).
 *
 * Reconfiguring (a new frame size or capacity) with
 * gst_as_frame_ring_init() / gst_as_frame_ring_clear() /
 * gst_as_frame_ring_reset() is allowed only while neither side runs: the
 * caller guarantees it (sinkfront.c does, by its format lock).
 *
 * Lock order: the ring takes no lock.
 */
typedef struct
{
  /* constant while either side runs */
  guint8 *data;
  guint bpf;                    /* bytes per frame */
  guint64 capacity;             /* in frames */

  /* producer-owned */
  atomic_uint_least64_t write;
  atomic_uint_least64_t tail;
  atomic_uint_least64_t flush;
  atomic_uint_least64_t overflows;
  guint64 seen_keep;            /* the consumer's keep, as last loaded */
  guint64 seen_sent_high;       /* its sent_high, as last loaded */
  guint8 producer_pad[64];      /* keep the two sides' cache lines apart */

  /* consumer-owned */
  atomic_uint_least64_t send;
  atomic_uint_least64_t keep;
  atomic_uint_least64_t sent_high;
  atomic_uint_least64_t dropped;
  atomic_uint_least64_t history_lost;
} GstAsFrameRing;

/**
 * GstAsFrameRingRead:
 * @pos: stream position of the first frame returned
 * @dropped: unsent frames skipped before it (overwritten by a live writer)
 * @history_lost: frames to be sent again that were overwritten first
 * @flushed: frames skipped because the producer flushed them
 *
 * What one gst_as_frame_ring_read() found.
 */
typedef struct
{
  guint64 pos;
  guint64 dropped;
  guint64 history_lost;
  guint64 flushed;
} GstAsFrameRingRead;

/**
 * GstAsFrameRingStats:
 *
 * A snapshot for statistics, readable from any thread. The fields are
 * read one by one, so they may be a few frames apart from each other;
 * @dropped includes overwritten frames the consumer has not reached yet.
 */
typedef struct
{
  guint64 capacity;
  guint64 write;
  guint64 send;
  guint64 keep;
  guint64 unsent;               /* [send, write) still stored */
  guint64 history;              /* [keep, send) still stored */
  guint64 overflows;
  guint64 dropped;
  guint64 history_lost;
} GstAsFrameRingStats;

/* Maps every page of a fresh allocation now (one write per page), so that
 * a real-time thread's first pass over it faults nothing in. */
void      gst_as_prefault                 (gpointer data, gsize size);

/* neither side running */
void      gst_as_frame_ring_init          (GstAsFrameRing * ring, guint bpf,
                                           guint64 capacity_frames);
void      gst_as_frame_ring_clear         (GstAsFrameRing * ring);
void      gst_as_frame_ring_reset         (GstAsFrameRing * ring);

/* producer */
guint64   gst_as_frame_ring_space         (GstAsFrameRing * ring);
guint64   gst_as_frame_ring_write         (GstAsFrameRing * ring,
                                           const guint8 * src,
                                           guint64 n_frames);
guint64   gst_as_frame_ring_write_overwrite (GstAsFrameRing * ring,
                                           const guint8 * src,
                                           guint64 n_frames);
guint64   gst_as_frame_ring_space_keeping (GstAsFrameRing * ring,
                                           guint64 keep_frames);
guint64   gst_as_frame_ring_write_keeping (GstAsFrameRing * ring,
                                           const guint8 * src,
                                           guint64 n_frames,
                                           guint64 keep_frames);
guint64   gst_as_frame_ring_sent_high     (GstAsFrameRing * ring);
void      gst_as_frame_ring_flush         (GstAsFrameRing * ring);
guint64   gst_as_frame_ring_write_pos     (GstAsFrameRing * ring);

/* consumer */
guint64   gst_as_frame_ring_unsent        (GstAsFrameRing * ring);
guint64   gst_as_frame_ring_read          (GstAsFrameRing * ring,
                                           guint8 * dest, guint64 n_frames,
                                           GstAsFrameRingRead * info);
guint64   gst_as_frame_ring_skip_lost     (GstAsFrameRing * ring,
                                           GstAsFrameRingRead * info);
guint64   gst_as_frame_ring_rewind        (GstAsFrameRing * ring,
                                           guint64 pos);
guint64   gst_as_frame_ring_replay        (GstAsFrameRing * ring);
void      gst_as_frame_ring_release       (GstAsFrameRing * ring,
                                           guint64 pos);
guint64   gst_as_frame_ring_send_pos      (GstAsFrameRing * ring);
guint64   gst_as_frame_ring_keep_pos      (GstAsFrameRing * ring);

/* any thread */
void      gst_as_frame_ring_get_stats     (GstAsFrameRing * ring,
                                           GstAsFrameRingStats * stats);

G_END_DECLS
