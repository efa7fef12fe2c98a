/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* sttpushsink with GstHarness against an in-process WebSocket server
 * (libsoup's, on 127.0.0.1 port 0, in a thread and GMainContext of its
 * own) that speaks the Vosk protocol: config first, one reply per audio
 * frame, `{"eof" : 1}` answered with the last result, then close. The
 * Python tests in tests/stt cover the protocols' misbehaviours; these
 * check the element's contract in-process. */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <libsoup/soup.h>
#include <string.h>

#define RATE 16000
#define CAPS "audio/x-raw,format=S16LE,layout=interleaved,rate=16000," \
  "channels=1"
#define BUFFER_FRAMES 1600      /* 100 ms */
#define RESULT_EVERY 5          /* a final every 5 frames */

/* ------------------------------------------------------------------------ */
/* A Vosk-protocol peer                                                      */

typedef struct
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *server;
  guint16 port;
  GPtrArray *conns;

  GMutex lock;
  GCond cond;
  gboolean ready;
  gchar *first_text;            /* the config message */
  guint64 bytes;
  guint frames;
  guint replies;
  gboolean got_eof;
  gboolean refuse;              /* answer the handshake with 403 */
} VoskPeer;

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
    g_cond_broadcast (&p->cond);
    g_mutex_unlock (&p->lock);
    peer_send_result (conn, 1000);
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
on_peer_websocket (SoupServer * server, SoupServerMessage * msg,
    const char *path, SoupWebsocketConnection * conn, gpointer user_data)
{
  VoskPeer *p = user_data;

  g_ptr_array_add (p->conns, g_object_ref (conn));
  g_signal_connect (conn, "message", G_CALLBACK (on_peer_message), p);
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

static VoskPeer *
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

static void
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

static gchar *
vosk_peer_url (VoskPeer * p)
{
  return g_strdup_printf ("ws://127.0.0.1:%u", p->port);
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */

static GstBuffer *
silence (guint64 first_frame, guint frames)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, frames * 2, NULL);

  gst_buffer_memset (buf, 0, 0, frames * 2);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (first_frame, GST_SECOND,
      RATE);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (frames, GST_SECOND,
      RATE);
  return buf;
}

static GstHarness *
harness_for (GstElement * sink, GstBus * bus)
{
  GstHarness *h;

  gst_element_set_bus (sink, bus);
  h = gst_harness_new_with_element (sink, "sink", NULL);
  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

static GList *
drain_bus (GstBus * bus)
{
  GList *messages = NULL;
  GstMessage *msg;

  while ((msg = gst_bus_pop (bus)) != NULL)
    messages = g_list_append (messages, msg);
  return messages;
}

static const gchar *
message_name (GstMessage * msg)
{
  const GstStructure *s = gst_message_get_structure (msg);

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT || s == NULL)
    return NULL;
  return gst_structure_get_name (s);
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                     */

GST_START_TEST (test_defaults_and_capabilities)
{
  GstElement *sink = gst_element_factory_make ("sttpushsink", NULL);
  GParamSpec *pspec;
  GstStructure *caps_s;
  GstCaps *caps;
  GstPad *pad;
  gboolean sync, interim, diarize, supported;
  guint chunk, finish, keepalive;
  gint channels;
  gchar *url;

  fail_unless (sink != NULL);
  g_object_get (sink, "sync", &sync, "interim-results", &interim,
      "diarize", &diarize, "chunk-ms", &chunk, "finish-timeout-ms", &finish,
      "keepalive-interval-ms", &keepalive, "url", &url, NULL);
  fail_if (sync);
  fail_unless (interim);
  fail_if (diarize);
  fail_unless_equals_int (chunk, 100);
  fail_unless_equals_int (finish, 10000);
  fail_unless_equals_int (keepalive, 4000);
  fail_unless (url == NULL);

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (sink),
      "api-key");
  fail_unless (pspec->flags & G_PARAM_WRITABLE);
  fail_if (pspec->flags & G_PARAM_READABLE);

  g_object_set (sink, "api-key", "secret", NULL);
  gst_util_set_object_arg (G_OBJECT (sink), "backend", "vosk");
  g_object_get (sink, "capabilities", &caps_s, NULL);
  fail_unless (gst_structure_has_name (caps_s, "sttpushsink-capabilities"));
  fail_unless_equals_string (gst_structure_get_string (caps_s, "backend"),
      "vosk");
  fail_unless (gst_structure_get_boolean (caps_s, "supported", &supported));
  fail_unless (supported);
  fail_unless (gst_structure_get_int (caps_s, "channels", &channels));
  fail_unless_equals_int (channels, 1);
  gst_structure_free (caps_s);

  /* the pad offers what the backend takes */
  pad = gst_element_get_static_pad (sink, "sink");
  caps = gst_pad_query_caps (pad, NULL);
  gst_object_unref (pad);
  fail_unless (gst_structure_get_int (gst_caps_get_structure (caps, 0),
          "channels", &channels));
  fail_unless_equals_int (channels, 1);
  gst_caps_unref (caps);

  gst_object_unref (sink);
}

GST_END_TEST;

GST_START_TEST (test_finals_before_eos)
{
  VoskPeer *peer = vosk_peer_new (FALSE);
  GstElement *sink = gst_element_factory_make ("sttpushsink", NULL);
  GstBus *bus = gst_bus_new ();
  gchar *url = vosk_peer_url (peer);
  GstHarness *h;
  GList *messages, *l;
  gint eos_index = -1, i = 0, finals = 0, last_final = -1;
  guint n;
  GstStructure *stats;
  guint64 sent_ms;

  gst_util_set_object_arg (G_OBJECT (sink), "backend", "vosk");
  g_object_set (sink, "url", url, NULL);
  h = harness_for (sink, bus);

  /* 3 s of audio: 30 frames of 100 ms, a final every 5 */
  for (n = 0; n < 30; n++)
    fail_unless_equals_int (gst_harness_push (h, silence (n * BUFFER_FRAMES,
                BUFFER_FRAMES)), GST_FLOW_OK);
  /* returns once the sink let EOS through */
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  messages = drain_bus (bus);
  for (l = messages; l != NULL; l = l->next, i++) {
    GstMessage *msg = l->data;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
      eos_index = i;
    if (g_strcmp0 (message_name (msg), "sttpushsink-final") == 0) {
      finals++;
      last_final = i;
    }
  }
  fail_unless (eos_index >= 0, "no EOS");
  /* 6 finals from the audio, one from the reply to eof */
  fail_unless_equals_int (finals, 7);
  fail_unless (last_final < eos_index);

  g_mutex_lock (&peer->lock);
  fail_unless_equals_string (peer->first_text,
      "{\"config\":{\"sample_rate\":16000,\"words\":true}}");
  fail_unless_equals_int64 (peer->bytes, 30 * BUFFER_FRAMES * 2);
  fail_unless (peer->got_eof);
  /* one reply per frame, one to eof */
  fail_unless_equals_int (peer->replies, peer->frames + 1);
  g_mutex_unlock (&peer->lock);

  g_object_get (sink, "stats", &stats, NULL);
  fail_unless (gst_structure_get_uint64 (stats, "audio-sent-ms", &sent_ms));
  fail_unless_equals_int64 (sent_ms, 3000);
  fail_unless_equals_string (gst_structure_get_string (stats, "state"),
      "closed");
  gst_structure_free (stats);

  g_list_free_full (messages, (GDestroyNotify) gst_message_unref);
  gst_harness_teardown (h);
  gst_object_unref (bus);
  g_free (url);
  vosk_peer_free (peer);
}

GST_END_TEST;

GST_START_TEST (test_forbidden_is_fatal)
{
  VoskPeer *peer = vosk_peer_new (TRUE);
  GstElement *sink = gst_element_factory_make ("sttpushsink", NULL);
  GstBus *bus = gst_bus_new ();
  gchar *url = vosk_peer_url (peer);
  GstHarness *h;
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL;
  GstFlowReturn ret = GST_FLOW_OK;
  guint n;

  gst_util_set_object_arg (G_OBJECT (sink), "backend", "vosk");
  g_object_set (sink, "url", url, NULL);
  h = harness_for (sink, bus);

  msg = NULL;
  for (n = 0; n < 1000 && msg == NULL; n++) {
    ret = gst_harness_push (h, silence (n * BUFFER_FRAMES, BUFFER_FRAMES));
    msg = gst_bus_timed_pop_filtered (bus, 10 * GST_MSECOND,
        GST_MESSAGE_ERROR);
  }
  fail_unless (msg != NULL, "no error");
  gst_message_parse_error (msg, &err, &debug);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED));
  fail_unless (strstr (err->message,
          "authentication failed (HTTP 403): check api-key") != NULL, "%s",
      err->message);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);

  /* right after its error, the element refuses data, and lets no EOS
   * through */
  for (n = 0; n < 100 && ret == GST_FLOW_OK; n++) {
    ret = gst_harness_push (h, silence (0, BUFFER_FRAMES));
    if (ret == GST_FLOW_OK)
      g_usleep (10000);
  }
  fail_unless_equals_int (ret, GST_FLOW_ERROR);
  fail_if (gst_harness_push_event (h, gst_event_new_eos ()));
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_EOS);
  fail_unless (msg == NULL, "EOS after a fatal error");

  gst_harness_teardown (h);
  gst_object_unref (bus);
  g_free (url);
  vosk_peer_free (peer);
}

GST_END_TEST;

static gchar *
error_when_paused (GstElement * sink)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstBus *bus = gst_pipeline_get_bus (GST_PIPELINE (pipeline));
  GstMessage *msg;
  GError *err = NULL;
  gchar *text;

  gst_bin_add (GST_BIN (pipeline), sink);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  text = g_strdup (err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return text;
}

/* Settings problems show when the element starts, not with the first
 * audio. */
GST_START_TEST (test_settings_refused_at_start)
{
  GstElement *sink;
  gchar *text;

  g_unsetenv ("SPEECHMATICS_API_KEY");
  sink = gst_element_factory_make ("sttpushsink", NULL);
  gst_util_set_object_arg (G_OBJECT (sink), "backend", "speechmatics");
  text = error_when_paused (sink);
  fail_unless_equals_string (text, "No API key for Speechmatics: set the "
      "api-key property or SPEECHMATICS_API_KEY.");
  g_free (text);

  sink = gst_element_factory_make ("sttpushsink", NULL);
  gst_util_set_object_arg (G_OBJECT (sink), "backend", "vosk");
  g_object_set (sink, "transcript-location", "/nonexistent/dir/t.vtt", NULL);
  text = error_when_paused (sink);
  fail_unless_equals_string (text, "Could not open the transcript file "
      "/nonexistent/dir/t.vtt for writing.");
  g_free (text);
}

GST_END_TEST;

/* A format the backend does not take is refused with advice, before the
 * generic not-negotiated. */
GST_START_TEST (test_wrong_rate_says_what_to_add)
{
  GstElement *sink = gst_element_factory_make ("sttpushsink", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *h;
  GstMessage *msg;
  GError *err = NULL;

  gst_util_set_object_arg (G_OBJECT (sink), "backend", "openai");
  g_object_set (sink, "url", "ws://127.0.0.1:9/", NULL);
  /* CAPS is 16 kHz */
  h = harness_for (sink, bus);
  fail_unless_equals_int (gst_harness_push (h, silence (0, BUFFER_FRAMES)),
      GST_FLOW_NOT_NEGOTIATED);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_CORE_ERROR,
          GST_CORE_ERROR_NEGOTIATION));
  fail_unless (g_str_has_prefix (err->message, "OpenAI takes audio at "
          "24000 Hz only, not 16000 Hz: put audioresample before "
          "sttpushsink"), "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  /* once */
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);
  gst_harness_teardown (h);
  gst_object_unref (bus);
}

GST_END_TEST;

/* Start and stop without audio, with and without a peer: no thread, no
 * socket and no source may outlive the element. */
GST_START_TEST (test_start_stop_cycles)
{
  VoskPeer *peer = vosk_peer_new (FALSE);
  gchar *url = vosk_peer_url (peer);
  guint i;

  for (i = 0; i < 20; i++) {
    GstElement *sink = gst_element_factory_make ("sttpushsink", NULL);
    GstBus *bus = gst_bus_new ();
    GstHarness *h;

    gst_util_set_object_arg (G_OBJECT (sink), "backend", "vosk");
    g_object_set (sink, "url", url, NULL);
    h = harness_for (sink, bus);
    if (i % 2)
      gst_harness_push (h, silence (0, BUFFER_FRAMES));
    gst_harness_teardown (h);
    gst_object_unref (bus);
  }
  g_free (url);
  vosk_peer_free (peer);
}

GST_END_TEST;

static Suite *
sttpushsink_suite (void)
{
  Suite *s = suite_create ("sttpushsink");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_defaults_and_capabilities);
  tcase_add_test (tc, test_finals_before_eos);
  tcase_add_test (tc, test_forbidden_is_fatal);
  tcase_add_test (tc, test_settings_refused_at_start);
  tcase_add_test (tc, test_wrong_rate_says_what_to_add);
  tcase_add_test (tc, test_start_stop_cycles);
  return s;
}

GST_CHECK_MAIN (sttpushsink);
