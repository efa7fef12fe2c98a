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

#include "receivesession.h"

/* what one read takes from the socket at most */
#define READ_BYTES (16 * 1024)

/* Lock order: @lock (the element's) is a leaf, held only around the
 * counters in @receiver, never across I/O or the callback. */
struct _GstAsReceiveSession
{
  GstAsListener *listener;
  GstAudioInfo info;
  GstAsReceiver *receiver;
  GMutex *lock;
  GstAsReceiveNotify notify;
  gpointer user_data;

  GstAsAccepted conn;           /* the current sender; stream NULL: none */
  GPollableInputStream *conn_in;
  gboolean conn_tls;
  GstAsSilenceClock silence;    /* since the last sender left */
};

/* Takes @listener. */
GstAsReceiveSession *
gst_as_receive_session_new (GstAsListener * listener,
    const GstAudioInfo * info, GstAsReceiver * receiver, GMutex * lock,
    GstAsReceiveNotify notify, gpointer user_data)
{
  GstAsReceiveSession *s = g_new0 (GstAsReceiveSession, 1);

  s->listener = listener;
  s->info = *info;
  s->receiver = receiver;
  s->lock = lock;
  s->notify = notify;
  s->user_data = user_data;
  gst_as_silence_clock_reset (&s->silence, g_get_monotonic_time ());
  return s;
}

static void
drop_connection (GstAsReceiveSession * s)
{
  gst_as_accepted_clear (&s->conn);
  s->conn_in = NULL;
  s->conn_tls = FALSE;
}

void
gst_as_receive_session_free (GstAsReceiveSession * s)
{
  drop_connection (s);
  gst_as_listener_free (s->listener);
  g_free (s);
}

static void
tell (GstAsReceiveSession * s, GstAsReceiveEvent event,
    const GstAsAccepted * a, const gchar * error, guint partial_bytes)
{
  GstAsReceiveNotice n = { event, a->remote, NULL, a->address, error,
    partial_bytes, a->tell, G_IS_TLS_CONNECTION (a->stream)
  };

  s->notify (&n, s->user_data);
}

static void
close_sender (GstAsReceiveSession * s, const gchar * error)
{
  guint dropped;

  g_mutex_lock (s->lock);
  dropped = gst_as_receiver_close (s->receiver);
  g_mutex_unlock (s->lock);
  tell (s, GST_AS_RECEIVE_CLOSED, &s->conn, error, dropped);
  drop_connection (s);
  gst_as_silence_clock_reset (&s->silence, g_get_monotonic_time ());
}

static void
take_sender (GstAsReceiveSession * s, GstAsAccepted * a)
{
  gboolean replaced;
  guint dropped;

  g_mutex_lock (s->lock);
  replaced = gst_as_receiver_accept (s->receiver, &dropped);
  g_mutex_unlock (s->lock);
  if (replaced) {
    GstAsReceiveNotice n = { GST_AS_RECEIVE_REPLACED, s->conn.remote,
      a->remote, NULL, NULL, dropped, FALSE, s->conn_tls
    };

    s->notify (&n, s->user_data);
    drop_connection (s);
  }
  s->conn = *a;
  s->conn_in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream
      (a->stream));
  s->conn_tls = G_IS_TLS_CONNECTION (a->stream);
  tell (s, GST_AS_RECEIVE_ACCEPTED, &s->conn, NULL, 0);
}

static void
accept_senders (GstAsReceiveSession * s)
{
  for (;;) {
    GstAsAccepted a;
    GstAsAcceptResult result = gst_as_listener_next (s->listener, &a);

    switch (result) {
      case GST_AS_ACCEPT_NONE:
        return;
      case GST_AS_ACCEPT_ERROR:
        /* the next poll retries */
        tell (s, GST_AS_RECEIVE_ACCEPT_ERROR, &a, a.error->message, 0);
        gst_as_accepted_clear (&a);
        return;
      case GST_AS_ACCEPT_REFUSED:
      case GST_AS_ACCEPT_FAILED:
        g_mutex_lock (s->lock);
        gst_as_receiver_refuse (s->receiver, result == GST_AS_ACCEPT_FAILED);
        g_mutex_unlock (s->lock);
        tell (s, result == GST_AS_ACCEPT_FAILED ? GST_AS_RECEIVE_TLS_FAILED :
            GST_AS_RECEIVE_REFUSED, &a, a.error->message, 0);
        gst_as_accepted_clear (&a);
        break;
      case GST_AS_ACCEPT_SENDER:
        take_sender (s, &a);
        break;
    }
  }
}

/* Reads what the sender has; a buffer of whole frames, or NULL when there
 * is none yet (the rest of a frame is still on its way, or the sender
 * left). */
static GstBuffer *
read_frames (GstAsReceiveSession * s)
{
  guint bpf = GST_AUDIO_INFO_BPF (&s->info);
  GstBuffer *buf = gst_buffer_new_allocate (NULL,
      GST_AS_RECEIVER_MAX_FRAME_BYTES + READ_BYTES, NULL);
  GError *err = NULL;
  GstMapInfo map;
  gsize have, whole;
  gssize n;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  g_mutex_lock (s->lock);
  have = gst_as_receiver_prefix (s->receiver, map.data);
  g_mutex_unlock (s->lock);
  n = g_pollable_input_stream_read_nonblocking (s->conn_in,
      map.data + have, READ_BYTES - READ_BYTES % bpf, NULL, &err);
  if (n <= 0) {
    gst_buffer_unmap (buf, &map);
    gst_buffer_unref (buf);
    if (n == 0)
      close_sender (s, NULL);
    else if (!g_error_matches (err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
      close_sender (s, err->message);
    g_clear_error (&err);
    return NULL;
  }

  g_mutex_lock (s->lock);
  whole = gst_as_receiver_cut (s->receiver, map.data, have + n);
  g_mutex_unlock (s->lock);
  gst_buffer_unmap (buf, &map);
  if (whole == 0) {
    gst_buffer_unref (buf);
    return NULL;
  }
  gst_buffer_resize (buf, 0, whole);
  return buf;
}

/* Silence due since the last sender left, at real time, flagged GAP; NULL
 * when less than GST_AS_SILENCE_INTERVAL_US is due. */
static GstBuffer *
silence_due (GstAsReceiveSession * s, gint64 now_us)
{
  guint64 frames = gst_as_silence_clock_due (&s->silence, now_us,
      GST_AUDIO_INFO_RATE (&s->info));
  GstBuffer *buf;
  GstMapInfo map;

  if (frames == 0)
    return NULL;
  buf = gst_buffer_new_allocate (NULL,
      frames * GST_AUDIO_INFO_BPF (&s->info), NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  gst_audio_format_info_fill_silence (s->info.finfo, map.data, map.size);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_GAP);
  g_mutex_lock (s->lock);
  gst_as_receiver_add_silence (s->receiver, frames);
  g_mutex_unlock (s->lock);
  return buf;
}

/* TLS may hold decrypted audio that the socket no longer shows */
static gboolean
tls_pending (GstAsReceiveSession * s)
{
  return s->conn.stream != NULL && s->conn_tls &&
      g_pollable_input_stream_is_readable (s->conn_in);
}

/* One wait, at most until @next_stats_us (G_MAXINT64: no limit) or the
 * next silence, then whatever is ready: the current sender's frames, new
 * senders, silence. @buf: the audio, or NULL when there was none (time
 * for the stats, or a sender came or went). FLUSHING once @cancellable
 * is cancelled. */
GstFlowReturn
gst_as_receive_session_step (GstAsReceiveSession * s,
    GCancellable * cancellable, gint64 next_stats_us, GstBuffer ** buf)
{
  gint64 now_us = g_get_monotonic_time ();
  GstAsListenerWait ready;

  *buf = NULL;
  ready = gst_as_listener_wait (s->listener, s->conn.socket, cancellable,
      gst_as_receiver_poll_timeout_ms (now_us, next_stats_us,
          s->conn.stream == NULL, tls_pending (s)));
  if (ready & GST_AS_LISTENER_WAIT_ERROR)
    return GST_FLOW_ERROR;
  if (ready & GST_AS_LISTENER_WAIT_CANCELLED)
    return GST_FLOW_FLUSHING;

  /* the current sender's data first: a replacement closes it */
  if (s->conn.stream && ((ready & GST_AS_LISTENER_WAIT_DATA) ||
          tls_pending (s)))
    *buf = read_frames (s);
  if (ready & GST_AS_LISTENER_WAIT_ACCEPT)
    accept_senders (s);
  if (*buf == NULL && s->conn.stream == NULL)
    *buf = silence_due (s, g_get_monotonic_time ());
  return GST_FLOW_OK;
}
