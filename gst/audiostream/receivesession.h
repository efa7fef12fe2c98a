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

#include "listener.h"
#include "receiver.h"

G_BEGIN_DECLS

typedef enum
{
  GST_AS_RECEIVE_ACCEPTED,      /* @remote is the current sender now */
  GST_AS_RECEIVE_REPLACED,      /* @remote was cut off for @new_remote */
  GST_AS_RECEIVE_CLOSED,        /* @remote left; @error NULL: it closed */
  GST_AS_RECEIVE_REFUSED,       /* @remote not in the allowlist: closed */
  GST_AS_RECEIVE_TLS_FAILED,    /* @remote's TLS handshake failed */
  GST_AS_RECEIVE_ACCEPT_ERROR,  /* accept() failed (@error); retried */
} GstAsReceiveEvent;

/**
 * GstAsReceiveNotice:
 * @event: what happened
 * @remote: the sender it happened to
 * @new_remote: REPLACED: the sender that replaces @remote
 * @address: REFUSED: @remote's IP address without the port
 * @error: why, for CLOSED (NULL: the sender closed), REFUSED,
 *   TLS_FAILED and ACCEPT_ERROR
 * @partial_bytes: REPLACED, CLOSED: the bytes of the frame @remote left
 *   unfinished, discarded
 * @tell: REFUSED, TLS_FAILED: the first time this minute for this
 *   address (the one to tell a person about)
 * @tls: ACCEPTED: the sender speaks TLS
 *
 * What the session tells the element, which logs and posts it.
 */
typedef struct
{
  GstAsReceiveEvent event;
  const gchar *remote;
  const gchar *new_remote;
  const gchar *address;
  const gchar *error;
  guint partial_bytes;
  gboolean tell;
  gboolean tls;
} GstAsReceiveNotice;

typedef void (*GstAsReceiveNotify) (const GstAsReceiveNotice * notice,
    gpointer user_data);

/**
 * GstAsReceiveSession:
 *
 * audiostreamsrc's receiving side with no element in sight: it waits on
 * the listener and the current sender, accepts (the newest sender wins),
 * reads whole frames, and outputs real-time silence while nobody sends.
 * It counts in a GstAsReceiver that other threads read under a lock the
 * caller gives, and tells what happens through a callback, called without
 * that lock.
 *
 * Used by one thread (the element's streaming thread).
 */
typedef struct _GstAsReceiveSession GstAsReceiveSession;

GstAsReceiveSession *gst_as_receive_session_new (GstAsListener * listener,
                                         const GstAudioInfo * info,
                                         GstAsReceiver * receiver,
                                         GMutex * lock,
                                         GstAsReceiveNotify notify,
                                         gpointer user_data);
void      gst_as_receive_session_free   (GstAsReceiveSession * session);
GstFlowReturn gst_as_receive_session_step (GstAsReceiveSession * session,
                                         GCancellable * cancellable,
                                         gint64 next_stats_us,
                                         GstBuffer ** buf);

G_END_DECLS
