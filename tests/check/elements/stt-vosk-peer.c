/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The Vosk-protocol peer of the STT element tests: see stt-vosk-peer.h. */

#include "stt-vosk-peer.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* A Vosk-protocol peer                                                      */

/* The reply to {"eof" : 1}: the word "last", just after the audio's last
 * result (a time past the audio sent would be refused as absurd). */
static void
peer_send_last (SoupWebsocketConnection * conn, guint index)
{
  gchar *text = g_strdup_printf ("{\"result\": [{\"conf\": 1.0, "
      "\"start\": %.2f, \"end\": %.2f, \"word\": \"last\"}], "
      "\"text\": \"last\"}", index * 0.5, index * 0.5 + 0.4);

  soup_websocket_connection_send_text (conn, text);
  g_free (text);
}

static void
peer_send_result (SoupWebsocketConnection * conn, guint index)
{
  gchar *text = g_strdup_printf ("{\"result\": [{\"conf\": 1.0, "
      "\"start\": %.2f, \"end\": %.2f, \"word\": \"w%u\"}], "
      "\"text\": \"w%u\"}", index * 0.5, index * 0.5 + 0.4, index, index);

  soup_websocket_connection_send_text (conn, text);
  g_free (text);
}

static void
on_peer_message (SoupWebsocketConnection * conn, gint type, GBytes * message,
    gpointer user_data)
{
  VoskPeer *p = user_data;
  gsize size;
  const gchar *data = g_bytes_get_data (message, &size);
  guint frames;

  g_mutex_lock (&p->lock);
  if (type == SOUP_WEBSOCKET_DATA_TEXT && p->first_text == NULL) {
    p->first_text = g_strndup (data, size);
    g_mutex_unlock (&p->lock);
    return;
  }
  if (type == SOUP_WEBSOCKET_DATA_TEXT) {
    p->got_eof = size == 11 && memcmp (data, "{\"eof\" : 1}", 11) == 0;
    p->replies++;
    frames = p->frames;
    g_cond_broadcast (&p->cond);
    g_mutex_unlock (&p->lock);
    /* the last word, after the audio's last result (a time past the
     * audio sent would be refused) */
    peer_send_last (conn, frames / RESULT_EVERY);
    soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    return;
  }
  p->bytes += size;
  frames = ++p->frames;
  p->replies++;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);

  if (frames % RESULT_EVERY == 0)
    peer_send_result (conn, frames / RESULT_EVERY - 1);
  else
    soup_websocket_connection_send_text (conn, "{\"partial\" : \"w\"}");
}

static void
on_peer_closed (SoupWebsocketConnection * conn, gpointer user_data)
{
  VoskPeer *p = user_data;

  /* the last reference: its socket closes */
  g_ptr_array_remove (p->conns, conn);
}

static void
on_peer_websocket (SoupServer * server, SoupServerMessage * msg,
    const char *path, SoupWebsocketConnection * conn, gpointer user_data)
{
  VoskPeer *p = user_data;

  g_ptr_array_add (p->conns, g_object_ref (conn));
  g_signal_connect (conn, "message", G_CALLBACK (on_peer_message), p);
  g_signal_connect (conn, "closed", G_CALLBACK (on_peer_closed), p);
}

static void
on_peer_request (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  VoskPeer *p = user_data;

  if (p->refuse)
    soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
}

static gpointer
peer_thread (gpointer user_data)
{
  VoskPeer *p = user_data;
  GError *err = NULL;
  GSList *uris;

  g_main_context_push_thread_default (p->context);
  p->server = soup_server_new (NULL, NULL);
  if (p->refuse)
    soup_server_add_early_handler (p->server, NULL, on_peer_request, p,
        NULL);
  soup_server_add_websocket_handler (p->server, NULL, NULL, NULL,
      on_peer_websocket, p, NULL);
  fail_unless (soup_server_listen_local (p->server, 0,
          SOUP_SERVER_LISTEN_IPV4_ONLY, &err), "%s",
      err ? err->message : "?");
  uris = soup_server_get_uris (p->server);
  p->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&p->lock);
  p->ready = TRUE;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);

  g_main_loop_run (p->loop);

  g_ptr_array_set_size (p->conns, 0);
  soup_server_disconnect (p->server);
  g_clear_object (&p->server);
  while (g_main_context_iteration (p->context, FALSE));
  g_main_context_pop_thread_default (p->context);
  return NULL;
}

VoskPeer *
vosk_peer_new (gboolean refuse)
{
  VoskPeer *p = g_new0 (VoskPeer, 1);

  g_mutex_init (&p->lock);
  g_cond_init (&p->cond);
  p->refuse = refuse;
  p->conns = g_ptr_array_new_with_free_func (g_object_unref);
  p->context = g_main_context_new ();
  p->loop = g_main_loop_new (p->context, FALSE);
  p->thread = g_thread_new ("vosk-peer", peer_thread, p);
  g_mutex_lock (&p->lock);
  while (!p->ready)
    g_cond_wait (&p->cond, &p->lock);
  g_mutex_unlock (&p->lock);
  return p;
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

void
vosk_peer_free (VoskPeer * p)
{
  GSource *s = g_idle_source_new ();

  g_source_set_callback (s, quit_loop, p->loop, NULL);
  g_source_attach (s, p->context);
  g_source_unref (s);
  g_thread_join (p->thread);
  g_ptr_array_unref (p->conns);
  g_main_loop_unref (p->loop);
  g_main_context_unref (p->context);
  g_free (p->first_text);
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->cond);
  g_free (p);
}

gchar *
vosk_peer_url (VoskPeer * p)
{
  return g_strdup_printf ("ws://127.0.0.1:%u", p->port);
}

GstBuffer *
stt_test_silence (gint rate, guint64 first_frame, guint frames)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, frames * 2, NULL);

  gst_buffer_memset (buf, 0, 0, frames * 2);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (first_frame, GST_SECOND,
      rate);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (frames, GST_SECOND,
      rate);
  return buf;
}
