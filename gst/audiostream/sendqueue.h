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

typedef struct _GstAsSendQueue GstAsSendQueue;

/**
 * GstAsSendDoneFunc:
 * @rest: the bytes that did not go out, oldest first
 * @size: how many
 *
 * Called by gst_as_send_queue_flush() for a slot whose bytes did not all
 * go out (the socket was full, or the send failed: then
 * gst_as_send_slot_get_error() has the reason), with the queue's lock
 * held: it must not queue, flush or clear a slot. Returns TRUE when it
 * took a copy of @rest (the slot forgets them), FALSE to leave them in the
 * slot (gst_as_send_slot_detach() gives them back).
 */
typedef gboolean (*GstAsSendDoneFunc) (gpointer user_data,
    const guint8 * rest, gsize size);

/**
 * GstAsSendSlot:
 *
 * One socket's place in a #GstAsSendQueue, embedded in its owner: the
 * bytes queued since the last flush (a copy) and what a flush left of
 * them. Fields are private; while the slot has been queued once they are
 * guarded by that queue's lock.
 */
typedef struct
{
  /*< private > */
  GstAsSendQueue *queue;        /* the queue it was queued in, if ever */
  gint fd;
  guint8 *data;
  gsize off;                    /* sent or handed back, from the start */
  gsize len;                    /* end of the bytes held */
  gsize size;                   /* allocated */
  gboolean queued;              /* in queue->slots, waiting for a flush */
  gboolean detached;            /* its owner sends no more through it */
  gint error;                   /* errno of a failed send, 0: none */
  GstAsSendDoneFunc done;
  gpointer done_data;
  GDestroyNotify done_notify;
} GstAsSendSlot;

/* the calling thread's queue */
GstAsSendQueue * gst_as_send_queue_new_for_thread (void);
GstAsSendQueue * gst_as_send_queue_get_current    (void);
void      gst_as_send_queue_free          (GstAsSendQueue * queue);
guint     gst_as_send_queue_flush         (GstAsSendQueue * queue);

void      gst_as_send_slot_init           (GstAsSendSlot * slot, gint fd);
gboolean  gst_as_send_slot_queue          (GstAsSendSlot * slot,
                                           GstAsSendQueue * queue,
                                           const guint8 * data, gsize size,
                                           GstAsSendDoneFunc done,
                                           gpointer user_data,
                                           GDestroyNotify notify);
gboolean  gst_as_send_slot_append         (GstAsSendSlot * slot,
                                           const guint8 * data, gsize size);
gint      gst_as_send_slot_get_error      (GstAsSendSlot * slot);
guint8 *  gst_as_send_slot_detach         (GstAsSendSlot * slot,
                                           gsize * size);
void      gst_as_send_slot_clear          (GstAsSendSlot * slot);

G_END_DECLS
