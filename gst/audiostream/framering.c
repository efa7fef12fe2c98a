/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "framering.h"

#include <string.h>

/* A side reads its own positions relaxed (nobody else writes them) and the
 * other side's with acquire, pairing with the owner's release store: a
 * position read that way covers every frame copy the owner made before
 * publishing it. */
static inline guint64
load_own (atomic_uint_least64_t * v)
{
  return atomic_load_explicit (v, memory_order_relaxed);
}

static inline guint64
load_other (atomic_uint_least64_t * v)
{
  return atomic_load_explicit (v, memory_order_acquire);
}

static inline void
publish (atomic_uint_least64_t * v, guint64 value)
{
  atomic_store_explicit (v, value, memory_order_release);
}

static inline guint64
max3 (guint64 a, guint64 b, guint64 c)
{
  return MAX (MAX (a, b), c);
}

/* A large zeroed allocation is fresh pages that the kernel maps on their
 * first write. Without this, the producer's writes of the first ring's
 * length of audio (seconds) each fault a page in: in the real-time
 * thread, and at 250 streams about 6000 faults a second for the first
 * seconds, which cost the process much CPU on the test VM (docs/scale.md,
 * "The ring's first pass, and a group's order"). One write per page maps
 * them all at configuration time. Any page size is a multiple of the
 * step. */
#define PREFAULT_STEP 4096

void
gst_as_prefault (gpointer data, gsize size)
{
  volatile guint8 *p = data;
  gsize i;

  for (i = 0; i < size; i += PREFAULT_STEP)
    p[i] = 0;
  /* an allocation that does not start on a page boundary ends in one
   * more page than the steps reach */
  if (size > 0)
    p[size - 1] = 0;
}

void
gst_as_frame_ring_init (GstAsFrameRing * ring, guint bpf,
    guint64 capacity_frames)
{
  g_return_if_fail (bpf > 0);
  g_return_if_fail (capacity_frames > 0);
  g_return_if_fail (capacity_frames <= G_MAXSIZE / bpf);

  memset (ring, 0, sizeof (*ring));
  ring->bpf = bpf;
  ring->capacity = capacity_frames;
  ring->data = g_malloc0 ((gsize) (capacity_frames * bpf));
  gst_as_prefault (ring->data, (gsize) (capacity_frames * bpf));
  gst_as_frame_ring_reset (ring);
}

void
gst_as_frame_ring_clear (GstAsFrameRing * ring)
{
  g_free (ring->data);
  memset (ring, 0, sizeof (*ring));
}

/* Forgets the content and the counters, keeps the storage. */
void
gst_as_frame_ring_reset (GstAsFrameRing * ring)
{
  atomic_store (&ring->write, 0);
  atomic_store (&ring->tail, 0);
  atomic_store (&ring->flush, 0);
  atomic_store (&ring->overflows, 0);
  atomic_store (&ring->send, 0);
  atomic_store (&ring->keep, 0);
  atomic_store (&ring->sent_high, 0);
  atomic_store (&ring->dropped, 0);
  atomic_store (&ring->history_lost, 0);
  ring->seen_keep = 0;
  ring->seen_sent_high = 0;
}

static void
copy_in (GstAsFrameRing * ring, guint64 pos, const guint8 * src, guint64 n)
{
  guint64 off = pos % ring->capacity;
  guint64 first = MIN (n, ring->capacity - off);

  memcpy (ring->data + off * ring->bpf, src, first * ring->bpf);
  if (first < n)
    memcpy (ring->data, src + first * ring->bpf, (n - first) * ring->bpf);
}

static void
copy_out (GstAsFrameRing * ring, guint64 pos, guint8 * dest, guint64 n)
{
  guint64 off = pos % ring->capacity;
  guint64 first = MIN (n, ring->capacity - off);

  memcpy (dest, ring->data + off * ring->bpf, first * ring->bpf);
  if (first < n)
    memcpy (dest + first * ring->bpf, ring->data, (n - first) * ring->bpf);
}

/* ---- producer ---- */

/* The oldest frame a blocking write must not overwrite. */
static guint64
unsent_floor (GstAsFrameRing * ring)
{
  return max3 (load_other (&ring->send), load_own (&ring->tail),
      load_own (&ring->flush));
}

/* Before frames below @new_tail are overwritten, tell the consumer. Below
 * `keep` nothing will ever be read again, so no notice is needed there. The
 * release fence orders the tail store before the frame stores that follow
 * (the seqlock writer's fence): a reader that sees any of those frames
 * sees this tail when it checks again after its acquire fence.
 * Returns whether the consumer may be reading what is overwritten. */
static gboolean
claim (GstAsFrameRing * ring, guint64 new_tail)
{
  /* keep only grows: a value seen before is a safe bound, reloaded only
   * when it no longer covers the write */
  if (new_tail <= ring->seen_keep)
    return FALSE;
  ring->seen_keep = load_other (&ring->keep);
  if (new_tail <= ring->seen_keep)
    return FALSE;
  if (new_tail > load_own (&ring->tail)) {
    atomic_store_explicit (&ring->tail, new_tail, memory_order_relaxed);
    atomic_thread_fence (memory_order_release);
  }
  return TRUE;
}

/* The copy over frames the consumer may still be copying out: the race
 * the seqlock recheck resolves. A function of its own so that
 * ThreadSanitizer can be told about this copy and no other
 * (tests/sanitizers/tsan.supp). */
static G_GNUC_NO_INLINE void
copy_over_claimed (GstAsFrameRing * ring, guint64 pos, const guint8 * src,
    guint64 n)
{
  copy_in (ring, pos, src, n);
}

/* Writes @n frames at @pos, after claiming the frames they replace. */
static void
put (GstAsFrameRing * ring, guint64 pos, const guint8 * src, guint64 n)
{
  if (pos + n > ring->capacity && claim (ring, pos + n - ring->capacity))
    copy_over_claimed (ring, pos, src, n);
  else
    copy_in (ring, pos, src, n);
}

/**
 * gst_as_frame_ring_space:
 *
 * Producer side: frames that gst_as_frame_ring_write() can take now without
 * losing audio not yet sent (resend history is given up if needed).
 */
guint64
gst_as_frame_ring_space (GstAsFrameRing * ring)
{
  guint64 w = load_own (&ring->write);
  guint64 floor = unsent_floor (ring);
  guint64 used = w > floor ? w - floor : 0;

  return ring->capacity - MIN (used, ring->capacity);
}

/**
 * gst_as_frame_ring_write:
 *
 * Producer side, for a non-live upstream: writes as many of @n_frames as
 * fit without losing unsent audio, taking room from the resend history
 * first.
 *
 * Returns: the frames written; fewer than @n_frames means "no space": wait
 * until the consumer has read, then write the rest.
 */
guint64
gst_as_frame_ring_write (GstAsFrameRing * ring, const guint8 * src,
    guint64 n_frames)
{
  guint64 w = load_own (&ring->write);
  guint64 space = gst_as_frame_ring_space (ring);
  guint64 n = MIN (n_frames, space);

  if (n == 0)
    return 0;
  put (ring, w, src, n);
  publish (&ring->write, w + n);
  return n;
}

/**
 * gst_as_frame_ring_space_keeping:
 * @keep_frames: resend history to leave in place, at most
 *
 * Producer side: like gst_as_frame_ring_space(), but the room may not come
 * from the newest @keep_frames of the history [keep, send) (nor from less
 * history, when that is all there is). A consumer moving on only makes
 * the result grow, so it is a safe bound.
 */
guint64
gst_as_frame_ring_space_keeping (GstAsFrameRing * ring, guint64 keep_frames)
{
  guint64 w = load_own (&ring->write);
  guint64 t = load_own (&ring->tail);
  guint64 f = load_own (&ring->flush);
  /* keep first: both only grow, and keep <= send when loaded in order */
  guint64 k = max3 (load_other (&ring->keep), t, f);
  guint64 s = max3 (load_other (&ring->send), t, f);
  guint64 history = s > k ? s - k : 0;
  guint64 floor = s - MIN (history, keep_frames);
  guint64 used = w > floor ? w - floor : 0;

  return ring->capacity - MIN (used, ring->capacity);
}

/**
 * gst_as_frame_ring_write_keeping:
 * @keep_frames: resend history to leave in place, at most
 *
 * Producer side, for a non-live writer that must not lose what a new
 * session would send again (STT replay): like gst_as_frame_ring_write(),
 * but leaves the newest @keep_frames of the history in place. A consumer
 * that stops reading then loses nothing it could not send again; the
 * writer waits instead.
 *
 * Returns: the frames written; fewer than @n_frames means "no space"
 */
guint64
gst_as_frame_ring_write_keeping (GstAsFrameRing * ring, const guint8 * src,
    guint64 n_frames, guint64 keep_frames)
{
  guint64 w = load_own (&ring->write);
  /* not inside MIN (): a second call may see more room than n_frames */
  guint64 space = gst_as_frame_ring_space_keeping (ring, keep_frames);
  guint64 n = MIN (n_frames, space);

  if (n == 0)
    return 0;
  put (ring, w, src, n);
  publish (&ring->write, w + n);
  return n;
}

/**
 * gst_as_frame_ring_sent_high:
 *
 * Producer side (or any thread): the first frame never handed out. It
 * moves only when new audio leaves, never for a resend, so a writer that
 * waits can tell whether the consumer makes progress.
 */
guint64
gst_as_frame_ring_sent_high (GstAsFrameRing * ring)
{
  return load_other (&ring->sent_high);
}

/**
 * gst_as_frame_ring_write_overwrite:
 *
 * Producer side, for a live upstream: writes all of @n_frames without
 * waiting. Room comes from the resend history first, then from the oldest
 * unsent audio; of a write larger than the ring only the newest capacity
 * frames land. The consumer counts the frames it finds overwritten.
 *
 * Returns: the unsent frames this write lost as the producer saw it (for a
 * log line; the exact count is the consumer's @dropped)
 */
guint64
gst_as_frame_ring_write_overwrite (GstAsFrameRing * ring, const guint8 * src,
    guint64 n_frames)
{
  guint64 w = load_own (&ring->write);
  guint64 skip = 0, need = 0, never_sent, lost = 0;

  if (n_frames == 0)
    return 0;
  if (n_frames > ring->capacity)
    skip = n_frames - ring->capacity;
  if (w + n_frames > ring->capacity)
    need = w + n_frames - ring->capacity;

  /* sent_high only grows: reload it only when the write reaches it (the
   * reader moves it on every read, so loading it each time would cost a
   * cache miss per write) */
  never_sent = max3 (ring->seen_sent_high, load_own (&ring->tail),
      load_own (&ring->flush));
  if (need > never_sent) {
    ring->seen_sent_high = load_other (&ring->sent_high);
    never_sent = max3 (ring->seen_sent_high, load_own (&ring->tail),
        load_own (&ring->flush));
  }
  if (need > never_sent) {
    lost = need - never_sent;
    atomic_store_explicit (&ring->overflows,
        load_own (&ring->overflows) + 1, memory_order_relaxed);
  }

  /* the head of a write larger than the ring never lands: putting the
   * rest claims it too */
  put (ring, w + skip, src + skip * ring->bpf, n_frames - skip);
  publish (&ring->write, w + n_frames);
  return lost;
}

/**
 * gst_as_frame_ring_flush:
 *
 * Producer side: everything written so far is void (a flushing seek). The
 * consumer skips it without counting it as lost, history included.
 */
void
gst_as_frame_ring_flush (GstAsFrameRing * ring)
{
  publish (&ring->flush, load_own (&ring->write));
}

/* Producer side: frames ever written, the position of the next one. */
guint64
gst_as_frame_ring_write_pos (GstAsFrameRing * ring)
{
  return load_own (&ring->write);
}

/* ---- consumer ---- */

static void
add_own (atomic_uint_least64_t * v, guint64 n)
{
  if (n > 0)
    atomic_store_explicit (v, load_own (v) + n, memory_order_relaxed);
}

/* Sorts the frames [@from, @to) the consumer had to skip: flushed ones are
 * nobody's loss; of the others, those handed out before were resend
 * history, the rest were never sent and are dropped. */
static void
account_skip (GstAsFrameRing * ring, guint64 from, guint64 to,
    guint64 flush, GstAsFrameRingRead * info)
{
  guint64 high = load_own (&ring->sent_high);
  guint64 history;

  if (flush > from) {
    guint64 f = MIN (flush, to) - from;

    info->flushed += f;
    from += f;
  }
  if (from >= to)
    return;
  history = high > from ? MIN (high, to) - from : 0;
  info->history_lost += history;
  info->dropped += to - from - history;
  add_own (&ring->history_lost, history);
  add_own (&ring->dropped, to - from - history);
}

static void
set_send (GstAsFrameRing * ring, guint64 pos)
{
  publish (&ring->send, pos);
  if (pos > load_own (&ring->sent_high))
    publish (&ring->sent_high, pos);
}

/* Moves send (and keep) past what the producer overwrote or flushed.
 * Returns the new send position. */
static guint64
catch_up (GstAsFrameRing * ring, GstAsFrameRingRead * info)
{
  guint64 s = load_own (&ring->send);
  guint64 f = load_other (&ring->flush);
  guint64 t = load_other (&ring->tail);
  guint64 floor = MAX (t, f);

  if (floor <= s)
    return s;
  account_skip (ring, s, floor, f, info);
  if (floor > load_own (&ring->keep))
    publish (&ring->keep, floor);
  set_send (ring, floor);
  return floor;
}

/**
 * gst_as_frame_ring_unsent:
 *
 * Consumer side: frames written and not sent yet, still in the ring.
 */
guint64
gst_as_frame_ring_unsent (GstAsFrameRing * ring)
{
  guint64 w = load_other (&ring->write);
  guint64 s = max3 (load_own (&ring->send), load_other (&ring->tail),
      load_other (&ring->flush));

  return w > s ? w - s : 0;
}

/**
 * gst_as_frame_ring_read:
 * @info: (out) (optional): where the frames came from and what was skipped
 *
 * Consumer side: copies up to @n_frames unsent frames, oldest first, into
 * @dest and marks them sent; they stay as resend history until released or
 * overwritten. Frames overwritten before or during the copy are skipped
 * and counted, never returned torn.
 *
 * Returns: the frames copied, all consecutive from @info->pos
 */
guint64
gst_as_frame_ring_read (GstAsFrameRing * ring, guint8 * dest,
    guint64 n_frames, GstAsFrameRingRead * info)
{
  GstAsFrameRingRead local;
  guint64 s, w, n, t;

  if (info == NULL)
    info = &local;
  memset (info, 0, sizeof (*info));

  s = catch_up (ring, info);
  w = load_other (&ring->write);
  n = w > s ? MIN (n_frames, w - s) : 0;
  if (n > 0) {
    copy_out (ring, s, dest, n);
    /* the seqlock recheck: did the producer claim any of it meanwhile? */
    atomic_thread_fence (memory_order_acquire);
    t = atomic_load_explicit (&ring->tail, memory_order_relaxed);
    if (t > s) {
      guint64 cut = MIN (t - s, n);

      account_skip (ring, s, s + cut, load_other (&ring->flush), info);
      s += cut;
      n -= cut;
      memmove (dest, dest + cut * ring->bpf, n * ring->bpf);
    }
  }
  info->pos = s;
  set_send (ring, s + n);
  return n;
}

/**
 * gst_as_frame_ring_skip_lost:
 *
 * Consumer side: accounts for frames the producer overwrote or flushed
 * without reading anything, e.g. while there is no connection to send on,
 * so that statistics stay exact.
 *
 * Returns: the frames skipped
 */
guint64
gst_as_frame_ring_skip_lost (GstAsFrameRing * ring, GstAsFrameRingRead * info)
{
  GstAsFrameRingRead local;
  guint64 before = load_own (&ring->send);

  if (info == NULL)
    info = &local;
  memset (info, 0, sizeof (*info));
  info->pos = catch_up (ring, info);
  return info->pos - before;
}

/**
 * gst_as_frame_ring_rewind:
 *
 * Consumer side: the peer has everything before @pos, and what was sent
 * from there on must go again (resend after a lost connection). @pos is
 * clamped to [keep, send]. Frames overwritten meanwhile are skipped by the
 * next read and counted in @history_lost.
 *
 * Returns: the frames to send again
 */
guint64
gst_as_frame_ring_rewind (GstAsFrameRing * ring, guint64 pos)
{
  guint64 s = load_own (&ring->send);
  guint64 target = CLAMP (pos, load_own (&ring->keep), s);

  publish (&ring->send, target);
  return s - target;
}

/**
 * gst_as_frame_ring_replay:
 *
 * Consumer side: a new session starts, everything not released is sent
 * again (STT replay after a reconnect).
 *
 * Returns: the frames to send again
 */
guint64
gst_as_frame_ring_replay (GstAsFrameRing * ring)
{
  return gst_as_frame_ring_rewind (ring, load_own (&ring->keep));
}

/**
 * gst_as_frame_ring_release:
 *
 * Consumer side: the peer has acknowledged (or the service committed)
 * everything before @pos, clamped to [keep, send]; the producer may reuse
 * it.
 */
void
gst_as_frame_ring_release (GstAsFrameRing * ring, guint64 pos)
{
  publish (&ring->keep, CLAMP (pos, load_own (&ring->keep),
          load_own (&ring->send)));
}

/* Consumer side: the next frame to send. */
guint64
gst_as_frame_ring_send_pos (GstAsFrameRing * ring)
{
  return load_own (&ring->send);
}

/* Consumer side: the oldest frame kept for sending again. */
guint64
gst_as_frame_ring_keep_pos (GstAsFrameRing * ring)
{
  return load_own (&ring->keep);
}

/* ---- any thread ---- */

void
gst_as_frame_ring_get_stats (GstAsFrameRing * ring,
    GstAsFrameRingStats * stats)
{
  guint64 w = load_other (&ring->write);
  guint64 t = load_other (&ring->tail);
  guint64 f = load_other (&ring->flush);
  guint64 s = load_other (&ring->send);
  guint64 k = load_other (&ring->keep);
  guint64 high = load_other (&ring->sent_high);
  guint64 s_eff = MIN (max3 (s, t, f), w);
  guint64 k_eff = MIN (max3 (k, t, f), s_eff);
  guint64 never_sent = max3 (high, s, f);

  stats->capacity = ring->capacity;
  stats->write = w;
  stats->send = s_eff;
  stats->keep = k_eff;
  stats->unsent = w - s_eff;
  stats->history = s_eff - k_eff;
  stats->overflows = load_other (&ring->overflows);
  stats->dropped = load_other (&ring->dropped) +
      (t > never_sent ? t - never_sent : 0);
  stats->history_lost = load_other (&ring->history_lost);
}
