/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:sendqueue
 *
 * The sends of one scheduler batch in one system call. A scheduler thread
 * has a queue (gst_as_send_queue_new_for_thread()); during a batch each
 * stream's bytes are copied into its socket's slot instead of sent, and at
 * the end of the batch gst_as_send_queue_flush() hands every slot to the
 * kernel as one io_uring submission of IORING_OP_SEND entries
 * (MSG_DONTWAIT: a full socket answers -EAGAIN at once, it is never
 * waited for) and reaps the completions. What a socket did not take, and
 * a failed send, go back to the slot's owner through its done function,
 * so that a short send continues the way a short send() does.
 *
 * On this VM a system call is expensive: tests/bench/uring-send.c measured
 * one submission for N sockets at 36-39 % less CPU per chunk than N
 * send() calls (docs/scale.md, "io_uring").
 *
 * Without io_uring (liburing not found at build time, a kernel or a
 * seccomp filter that refuses it, /proc/sys/kernel/io_uring_disabled, or
 * GST_AUDIOSTREAM_IO_URING=0) there is no queue and the callers send()
 * as before.
 *
 * Threads: only the queue's thread queues and flushes. A slot's owner may
 * clear or detach it from another thread (a stop, a drain in the pool):
 * the queue's lock, held across a whole flush, guards the slots that were
 * ever queued in it.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sendqueue.h"
#include "tuning.h"

#include <gst/gst.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

GST_DEBUG_CATEGORY_STATIC (send_queue_debug);
#define GST_CAT_DEFAULT send_queue_debug

/* Entries of the submission ring: a flush of more slots submits in turns
 * of this many. */
#define RING_ENTRIES 256
#define SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)

struct _GstAsSendQueue
{
  GMutex lock;
  GPtrArray *slots;             /* queued since the last flush */
  GPtrArray *short_slots;       /* left bytes in this flush */
#ifdef HAVE_LIBURING
  struct io_uring ring;
#endif
  gboolean broken;              /* the ring failed: never submit again */
};

static GPrivate current_queue;

static void
init_debug (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (send_queue_debug, "audiostream-sendqueue", 0,
        "the scheduler's batched sends (io_uring)");
    g_once_init_leave (&done, 1);
  }
}

/* GST_AUDIOSTREAM_IO_URING=0 keeps the portable path (A/B measurements) */
static gboolean
wanted (void)
{
  return gst_as_tuning_get (GST_AS_TUNING_IO_URING) != 0;
}

#ifdef HAVE_LIBURING
static gboolean
ring_init (GstAsSendQueue * queue, gchar ** why)
{
  struct io_uring_probe *probe;
  gboolean has_send;
  gint r;

  r = io_uring_queue_init (RING_ENTRIES, &queue->ring, 0);
  if (r < 0) {
    *why = g_strdup_printf ("io_uring_queue_init: %s", g_strerror (-r));
    return FALSE;
  }
  /* IORING_OP_SEND came with Linux 5.6 */
  probe = io_uring_get_probe_ring (&queue->ring);
  has_send = probe != NULL && io_uring_opcode_supported (probe,
      IORING_OP_SEND);
  if (probe)
    io_uring_free_probe (probe);
  if (!has_send) {
    *why = g_strdup ("the kernel's io_uring has no IORING_OP_SEND");
    io_uring_queue_exit (&queue->ring);
    return FALSE;
  }
  return TRUE;
}
#endif

/**
 * gst_as_send_queue_new_for_thread:
 *
 * A queue for the calling thread (gst_as_send_queue_get_current() returns
 * it there), or NULL when io_uring cannot be used: then the thread sends
 * with send(), and a GST_INFO line says why.
 *
 * Returns: (transfer full) (nullable): the queue; free it on this thread
 */
GstAsSendQueue *
gst_as_send_queue_new_for_thread (void)
{
  GstAsSendQueue *queue;
  gchar *why = NULL;

  init_debug ();
  if (!wanted ()) {
    GST_INFO ("GST_AUDIOSTREAM_IO_URING=0: sending with send()");
    return NULL;
  }
  queue = g_new0 (GstAsSendQueue, 1);
#ifdef HAVE_LIBURING
  if (!ring_init (queue, &why))
    goto unavailable;
#else
  why = g_strdup ("built without liburing");
  goto unavailable;
#endif
  g_mutex_init (&queue->lock);
  queue->slots = g_ptr_array_new ();
  queue->short_slots = g_ptr_array_new ();
  g_private_set (&current_queue, queue);
  GST_INFO ("sending through io_uring, one submission per batch");
  return queue;

unavailable:
  GST_INFO ("io_uring unavailable (%s): sending with send()", why);
  g_free (why);
  g_free (queue);
  return NULL;
}

/* The calling thread's queue, NULL outside a thread that has one */
GstAsSendQueue *
gst_as_send_queue_get_current (void)
{
  return g_private_get (&current_queue);
}

/* Every slot queued in it must have been cleared (their sockets closed). */
void
gst_as_send_queue_free (GstAsSendQueue * queue)
{
  if (queue == NULL)
    return;
  gst_as_send_queue_flush (queue);
  if (g_private_get (&current_queue) == queue)
    g_private_set (&current_queue, NULL);
#ifdef HAVE_LIBURING
  io_uring_queue_exit (&queue->ring);
#endif
  g_ptr_array_unref (queue->slots);
  g_ptr_array_unref (queue->short_slots);
  g_mutex_clear (&queue->lock);
  g_free (queue);
}

/* called with the lock held */
static void
slot_sent (GstAsSendQueue * queue, GstAsSendSlot * slot, gint res)
{
  if (res >= 0)
    slot->off += (gsize) res;
  else if (res != -EAGAIN && res != -EWOULDBLOCK && res != -EINTR)
    slot->error = -res;
  if (slot->off == slot->len)
    slot->off = slot->len = 0;
  else
    g_ptr_array_add (queue->short_slots, slot);
}

#ifdef HAVE_LIBURING
/* Reaps the completions there are; returns how many. Called with the
 * lock held. */
static guint
reap (GstAsSendQueue * queue)
{
  struct io_uring_cqe *cqe;
  guint head, seen = 0;

  io_uring_for_each_cqe (&queue->ring, head, cqe) {
    slot_sent (queue, io_uring_cqe_get_data (cqe), cqe->res);
    seen++;
  }
  io_uring_cq_advance (&queue->ring, seen);
  return seen;
}

/* Sends the first @n queued slots in one submission and waits for their
 * completions (with MSG_DONTWAIT they complete during the submission).
 * FALSE when the ring failed: those not reaped failed with it. Called
 * with the lock held. */
static gboolean
submit (GstAsSendQueue * queue, guint n)
{
  guint i, reaped = 0;

  for (i = 0; i < n; i++) {
    GstAsSendSlot *slot = g_ptr_array_index (queue->slots, i);
    struct io_uring_sqe *sqe = io_uring_get_sqe (&queue->ring);

    /* the ring is empty at each turn and has RING_ENTRIES entries */
    g_assert (sqe != NULL);
    io_uring_prep_send (sqe, slot->fd, slot->data + slot->off,
        slot->len - slot->off, SEND_FLAGS);
    io_uring_sqe_set_data (sqe, slot);
    slot->queued = FALSE;
  }
  while (reaped < n) {
    gint r = io_uring_submit_and_wait (&queue->ring, 1);

    if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
      GST_ERROR ("io_uring_submit: %s; the streams of this thread go on "
          "with send() after they reconnect", g_strerror (-r));
      queue->broken = TRUE;
      for (i = reaped; i < n; i++)
        slot_sent (queue, g_ptr_array_index (queue->slots, i), r);
      return FALSE;
    }
    reaped += reap (queue);
  }
  return TRUE;
}
#endif

/* called with the lock held */
static void
give_back_rest (GstAsSendQueue * queue)
{
  guint i;

  for (i = 0; i < queue->short_slots->len; i++) {
    GstAsSendSlot *slot = g_ptr_array_index (queue->short_slots, i);

    GST_LOG ("fd %d: %" G_GSIZE_FORMAT " bytes not sent (%s)", slot->fd,
        slot->len - slot->off, slot->error ? g_strerror (slot->error) :
        "the socket is full");
    if (slot->done && slot->done (slot->done_data, slot->data + slot->off,
            slot->len - slot->off))
      slot->off = slot->len = 0;
  }
  g_ptr_array_set_size (queue->short_slots, 0);
}

/**
 * gst_as_send_queue_flush:
 *
 * On the queue's thread: sends what every slot queued since the last
 * flush holds, in one submission (per RING_ENTRIES slots), and calls the
 * done function of each slot that did not send all. Returns the slots
 * submitted.
 */
guint
gst_as_send_queue_flush (GstAsSendQueue * queue)
{
  guint total = 0;

  g_mutex_lock (&queue->lock);
  while (queue->slots->len > 0) {
    guint n = MIN (queue->slots->len, RING_ENTRIES);

#ifdef HAVE_LIBURING
    if (!queue->broken)
      submit (queue, n);
    else
#endif
    {
      guint i;

      for (i = 0; i < n; i++) {
        GstAsSendSlot *slot = g_ptr_array_index (queue->slots, i);

        slot->queued = FALSE;
        slot_sent (queue, slot, -EIO);
      }
    }
    g_ptr_array_remove_range (queue->slots, 0, n);
    total += n;
  }
  give_back_rest (queue);
  g_mutex_unlock (&queue->lock);
  return total;
}

/* ------------------------------------------------------------------------ */
/* Slots                                                                    */

void
gst_as_send_slot_init (GstAsSendSlot * slot, gint fd)
{
  memset (slot, 0, sizeof (*slot));
  slot->fd = fd;
}

/* Locks the queue the slot was ever queued in; NULL when none. */
static GstAsSendQueue *
slot_lock (GstAsSendSlot * slot)
{
  GstAsSendQueue *queue = g_atomic_pointer_get (&slot->queue);

  if (queue)
    g_mutex_lock (&queue->lock);
  return queue;
}

static void
slot_unlock (GstAsSendQueue * queue)
{
  if (queue)
    g_mutex_unlock (&queue->lock);
}

/* called with the lock held, if any */
static void
slot_copy_in (GstAsSendSlot * slot, const guint8 * data, gsize size)
{
  if (slot->off > 0 && slot->off == slot->len)
    slot->off = slot->len = 0;
  if (slot->len + size > slot->size) {
    gsize held = slot->len - slot->off;

    if (slot->off > 0)
      memmove (slot->data, slot->data + slot->off, held);
    slot->off = 0;
    slot->len = held;
    if (held + size > slot->size) {
      slot->size = MAX (MAX (held + size, 2 * slot->size), 4096);
      slot->data = g_realloc (slot->data, slot->size);
    }
  }
  memcpy (slot->data + slot->len, data, size);
  slot->len += size;
}

/* called with the lock held, if any */
static void
slot_set_done (GstAsSendSlot * slot, GstAsSendDoneFunc done,
    gpointer user_data, GDestroyNotify notify)
{
  gpointer old = slot->done_data;
  GDestroyNotify old_notify = slot->done_notify;

  if (user_data == old && user_data != NULL) {
    /* it holds a reference already */
    if (notify)
      notify (user_data);
    return;
  }
  slot->done = done;
  slot->done_data = user_data;
  slot->done_notify = notify;
  if (old && old_notify)
    old_notify (old);
}

/**
 * gst_as_send_slot_queue:
 * @queue: the calling thread's queue
 * @done: told at the flush if the bytes did not all go out
 * @user_data: (transfer full): for @done, kept until the slot is cleared,
 *   detached or given another
 * @notify: releases @user_data
 *
 * Copies @data into the slot, to go out at the next flush of @queue, after
 * what the slot holds already. FALSE, and nothing copied or taken, when
 * the slot cannot take it (it failed, was detached, or belongs to another
 * queue): the caller sends another way.
 */
gboolean
gst_as_send_slot_queue (GstAsSendSlot * slot, GstAsSendQueue * queue,
    const guint8 * data, gsize size, GstAsSendDoneFunc done,
    gpointer user_data, GDestroyNotify notify)
{
  GstAsSendQueue *owner = g_atomic_pointer_get (&slot->queue);

  if (owner != NULL && owner != queue)
    return FALSE;
  g_mutex_lock (&queue->lock);
  if (queue->broken || slot->error != 0 || slot->detached) {
    g_mutex_unlock (&queue->lock);
    return FALSE;
  }
  if (owner == NULL)
    g_atomic_pointer_set (&slot->queue, queue);
  slot_copy_in (slot, data, size);
  slot_set_done (slot, done, user_data, notify);
  if (!slot->queued) {
    slot->queued = TRUE;
    g_ptr_array_add (queue->slots, slot);
  }
  g_mutex_unlock (&queue->lock);
  return TRUE;
}

/**
 * gst_as_send_slot_append:
 *
 * When the slot holds bytes (queued for the next flush, or left by one and
 * not taken back), @data must follow them: it is copied behind them and
 * TRUE returned. FALSE when the slot is empty (send directly).
 */
gboolean
gst_as_send_slot_append (GstAsSendSlot * slot, const guint8 * data,
    gsize size)
{
  GstAsSendQueue *queue = slot_lock (slot);
  gboolean held = slot->len > slot->off && !slot->detached;

  if (held)
    slot_copy_in (slot, data, size);
  slot_unlock (queue);
  return held;
}

/* The errno of a send of the slot that failed, 0 when none did. A failed
 * slot stays failed. */
gint
gst_as_send_slot_get_error (GstAsSendSlot * slot)
{
  GstAsSendQueue *queue = slot_lock (slot);
  gint error = slot->error;

  slot_unlock (queue);
  return error;
}

/**
 * gst_as_send_slot_detach:
 * @size: (out): how many bytes are returned
 *
 * From any thread: the slot's owner will send no more through it (a drain
 * takes the socket over). Takes it out of its queue if it waits there
 * and returns the bytes it held, never sent.
 *
 * Returns: (transfer full) (nullable): the bytes, NULL when none
 */
guint8 *
gst_as_send_slot_detach (GstAsSendSlot * slot, gsize * size)
{
  GstAsSendQueue *queue = slot_lock (slot);
  guint8 *rest = NULL;

  if (slot->queued) {
    g_ptr_array_remove_fast (queue->slots, slot);
    slot->queued = FALSE;
  }
  slot->detached = TRUE;
  *size = slot->len - slot->off;
  if (*size > 0)
    rest = g_memdup2 (slot->data + slot->off, *size);
  slot->off = slot->len = 0;
  slot_set_done (slot, NULL, NULL, NULL);
  slot_unlock (queue);
  return rest;
}

/* From any thread, before the socket is closed: the slot leaves its queue
 * and its bytes are dropped. */
void
gst_as_send_slot_clear (GstAsSendSlot * slot)
{
  GstAsSendQueue *queue = slot_lock (slot);

  if (slot->queued) {
    g_ptr_array_remove_fast (queue->slots, slot);
    slot->queued = FALSE;
  }
  g_clear_pointer (&slot->data, g_free);
  slot->off = slot->len = slot->size = 0;
  slot->detached = TRUE;
  slot_set_done (slot, NULL, NULL, NULL);
  slot_unlock (queue);
}
