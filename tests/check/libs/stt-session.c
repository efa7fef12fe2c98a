/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The STT session without an element and without a network: its
 * WebSocket is a libsoup connection over a Unix socket pair, whose other
 * end this test drives as the service (the Vosk protocol: config first,
 * one reply per audio frame, `{"eof" : 1}` answered with the last result).
 * The audio is a counter, frame n holding n, so the test can tell which
 * frames a connection received. */

#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <libsoup/soup.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include "stt-session.h"

#define RATE 16000
#define CHUNK 1600              /* 100 ms */

typedef struct
{
  GMutex lock;
  GCond cond;
  GPtrArray *posted;            /* GstStructure */
  GPtrArray *problems;          /* gchar *, "W: " or "E: " and the text */
  GAsyncQueue *server_fds;      /* GINT_TO_POINTER (fd + 1) */
  guint connects;
  guint refuse;                 /* refuse this many attempts first */
  guint refuse_status;          /* with this HTTP status (0: no answer) */
  gboolean stopped;             /* the session's stop() returned */
  guint late_callbacks;         /* callbacks after that */
  gint64 now_us;                /* the fake clock, under lock */
} Fixture;

static gint64
fake_clock (gpointer user_data)
{
  Fixture *f = user_data;
  gint64 now;

  g_mutex_lock (&f->lock);
  now = f->now_us;
  g_mutex_unlock (&f->lock);
  return now;
}

static void
fake_clock_set_ms (Fixture * f, gint64 ms)
{
  g_mutex_lock (&f->lock);
  f->now_us = G_USEC_PER_SEC + ms * 1000;
  g_mutex_unlock (&f->lock);
}

/* Runs the test's context for @ms of real time. */
static void
run_for_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
}

/* One connection, seen from the service. */
typedef struct
{
  SoupWebsocketConnection *conn;
  GPtrArray *texts;
  GByteArray *audio;
  guint frames;                 /* audio messages received */
  guint final_at;               /* answer this frame with final_text */
  gboolean quiet;               /* not Vosk: no reply per frame */
  gchar *final_text;
  gboolean closed;
} Service;

/* A Vosk result covering [start_s, end_s) of the session's audio. */
static gchar *
result_text (const gchar * word, gdouble start_s, gdouble end_s)
{
  return g_strdup_printf ("{\"result\": [{\"conf\": 1.0, \"start\": "
      "%.3f, \"end\": %.3f, \"word\": \"%s\"}], \"text\": \"%s\"}",
      start_s, end_s, word, word);
}

static void
on_post (GstStructure * s, gpointer user_data)
{
  Fixture *f = user_data;

  g_mutex_lock (&f->lock);
  f->late_callbacks += f->stopped;
  g_ptr_array_add (f->posted, s);
  g_cond_broadcast (&f->cond);
  g_mutex_unlock (&f->lock);
}

static void
on_problem (gboolean fatal, GQuark domain, gint code, gchar * text,
    gchar * debug, const gchar * file, const gchar * function, gint line,
    gpointer user_data)
{
  Fixture *f = user_data;

  g_mutex_lock (&f->lock);
  f->late_callbacks += f->stopped;
  g_ptr_array_add (f->problems, g_strdup_printf ("%s: %s", fatal ? "E" : "W",
          text));
  g_mutex_unlock (&f->lock);
  g_free (text);
  g_free (debug);
}

static const GstSttSessionCallbacks callbacks = { on_post, on_problem };

/* The session's "handshake": a socket pair, one end for the session (on
 * its thread and context, as libsoup wants), the other for the test. */
static void
fake_connect (GstSttSession * session, const GstSttRequest * request,
    gpointer user_data)
{
  Fixture *f = user_data;
  GSocketConnection *stream;
  SoupWebsocketConnection *conn;
  GSocket *socket;
  GUri *uri;
  int fds[2];

  g_mutex_lock (&f->lock);
  if (f->refuse > 0) {
    guint status = f->refuse_status;
    GError *err = g_error_new_literal (G_IO_ERROR,
        G_IO_ERROR_CONNECTION_REFUSED,
        "Could not connect to 127.0.0.1: Connection refused");

    f->refuse--;
    f->connects++;
    g_mutex_unlock (&f->lock);
    gst_stt_session_connect_failed (session, status, err);
    g_error_free (err);
    return;
  }
  g_mutex_unlock (&f->lock);

  fail_unless (socketpair (AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  socket = g_socket_new_from_fd (fds[0], NULL);
  fail_unless (socket != NULL);
  stream = g_socket_connection_factory_create_connection (socket);
  uri = g_uri_parse (request->url, G_URI_FLAGS_NONE, NULL);
  conn = soup_websocket_connection_new (G_IO_STREAM (stream), uri,
      SOUP_WEBSOCKET_CONNECTION_CLIENT, NULL, NULL, NULL);
  g_uri_unref (uri);
  g_object_unref (stream);
  g_object_unref (socket);

  g_mutex_lock (&f->lock);
  f->connects++;
  g_mutex_unlock (&f->lock);
  g_async_queue_push (f->server_fds, GINT_TO_POINTER (fds[1] + 1));
  gst_stt_session_connected (session, conn);
}

static void
on_service_message (SoupWebsocketConnection * conn, gint type,
    GBytes * message, gpointer user_data)
{
  Service *svc = user_data;
  gsize size;
  const guint8 *data = g_bytes_get_data (message, &size);

  if (type == SOUP_WEBSOCKET_DATA_TEXT) {
    g_ptr_array_add (svc->texts, g_strndup ((const gchar *) data, size));
    return;
  }
  g_byte_array_append (svc->audio, data, size);
  /* Vosk answers every frame, with a result or a partial */
  if (svc->quiet)
    return;
  if (++svc->frames == svc->final_at)
    soup_websocket_connection_send_text (conn, svc->final_text);
  else
    soup_websocket_connection_send_text (conn, "{\"partial\" : \"\"}");
}

static void
on_service_closed (SoupWebsocketConnection * conn, gpointer user_data)
{
  ((Service *) user_data)->closed = TRUE;
}

/* The next connection the session made, served on the test's context. */
static Service *
service_accept (Fixture * f)
{
  gpointer fd = g_async_queue_timeout_pop (f->server_fds,
      10 * G_TIME_SPAN_SECOND);
  Service *svc = g_new0 (Service, 1);
  GSocketConnection *stream;
  GSocket *socket;
  GUri *uri;

  fail_unless (fd != NULL, "the session did not connect");
  socket = g_socket_new_from_fd (GPOINTER_TO_INT (fd) - 1, NULL);
  stream = g_socket_connection_factory_create_connection (socket);
  uri = g_uri_parse ("ws://127.0.0.1:9/", G_URI_FLAGS_NONE, NULL);
  svc->conn = soup_websocket_connection_new (G_IO_STREAM (stream), uri,
      SOUP_WEBSOCKET_CONNECTION_SERVER, NULL, NULL, NULL);
  g_uri_unref (uri);
  g_object_unref (stream);
  g_object_unref (socket);
  svc->texts = g_ptr_array_new_with_free_func (g_free);
  svc->audio = g_byte_array_new ();
  g_signal_connect (svc->conn, "message", G_CALLBACK (on_service_message),
      svc);
  g_signal_connect (svc->conn, "closed", G_CALLBACK (on_service_closed), svc);
  return svc;
}

static void
service_free (Service * svc)
{
  g_signal_handlers_disconnect_by_data (svc->conn, svc);
  g_object_unref (svc->conn);
  g_ptr_array_unref (svc->texts);
  g_byte_array_unref (svc->audio);
  g_free (svc->final_text);
  g_free (svc);
}

/* Runs the test's context until @svc received @bytes of audio, or 10 s. */
static gboolean
service_wait_audio (Service * svc, guint bytes)
{
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  while (svc->audio->len < bytes && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  return svc->audio->len >= bytes;
}

static gboolean
service_wait_text (Service * svc, guint n)
{
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  while (svc->texts->len < n && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  return svc->texts->len >= n;
}

static void
write_counter (GstSttSession * s, guint from, guint frames)
{
  gint16 *buf = g_new (gint16, frames);
  guint i;

  for (i = 0; i < frames; i++)
    buf[i] = (gint16) (from + i);
  fail_unless_equals_int (gst_stt_session_write (s, (const guint8 *) buf,
          frames * 2, TRUE, GST_CLOCK_TIME_NONE), GST_FLOW_OK);
  g_free (buf);
}

/* The frame at @index of what @svc received: the counter value. */
static gint
audio_frame (Service * svc, guint index)
{
  fail_unless (index * 2 + 1 < svc->audio->len);
  return ((gint16 *) svc->audio->data)[index];
}

static Fixture *
fixture_new (void)
{
  Fixture *f = g_new0 (Fixture, 1);

  g_mutex_init (&f->lock);
  g_cond_init (&f->cond);
  f->posted = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  f->problems = g_ptr_array_new_with_free_func (g_free);
  f->server_fds = g_async_queue_new ();
  return f;
}

static void
fixture_free (Fixture * f)
{
  gpointer fd;

  while ((fd = g_async_queue_try_pop (f->server_fds)) != NULL)
    close (GPOINTER_TO_INT (fd) - 1);
  g_async_queue_unref (f->server_fds);
  g_ptr_array_unref (f->posted);
  g_ptr_array_unref (f->problems);
  g_mutex_clear (&f->lock);
  g_cond_clear (&f->cond);
  g_free (f);
}

static GstSttSession *
session_new (Fixture * f)
{
  GstSttSessionConfig config = {
    .backend = GST_STT_BACKEND_VOSK,
    /* never contacted: the fake handshake stands in */
    .url = "ws://127.0.0.1:9/",
    .interim_results = TRUE,
    .finish_timeout_ms = 5000,
    .keepalive_interval_ms = 0,
    .send_timeout_ms = 5000,
  };
  GstSttSession *s = gst_stt_session_new (&config, NULL, &callbacks, f);

  gst_stt_session_set_connect_func (s, fake_connect, f);
  fail_unless (gst_stt_session_start (s, NULL));
  fail_unless (gst_stt_session_set_format (s, RATE, 2, CHUNK, RATE * 20));
  return s;
}

/* The sttpushsink-session messages posted so far, as "state" strings; the
 * last "open" one in @open (a copy), if asked. */
static gchar *
session_states (Fixture * f, GstStructure ** open)
{
  GString *out = g_string_new (NULL);
  guint i;

  g_mutex_lock (&f->lock);
  for (i = 0; i < f->posted->len; i++) {
    const GstStructure *s = g_ptr_array_index (f->posted, i);
    const gchar *state;

    if (!gst_structure_has_name (s, "sttpushsink-session"))
      continue;
    state = gst_structure_get_string (s, "state");
    g_string_append_printf (out, "%s%s", out->len ? " " : "", state);
    if (open != NULL && g_str_equal (state, "open")) {
      g_clear_pointer (open, gst_structure_free);
      *open = gst_structure_copy (s);
    }
  }
  g_mutex_unlock (&f->lock);
  return g_string_free (out, FALSE);
}

static guint
count_posted (Fixture * f, const gchar * name)
{
  guint i, n = 0;

  g_mutex_lock (&f->lock);
  for (i = 0; i < f->posted->len; i++)
    n += gst_structure_has_name (g_ptr_array_index (f->posted, i), name);
  g_mutex_unlock (&f->lock);
  return n;
}

/* A connection lost after a final: the new connection gets the config
 * again, then what the service received but had not committed, then the
 * rest, and the session says what it replayed. */
GST_START_TEST (test_replay_after_reconnect)
{
  Fixture *f = fixture_new ();
  GstSttSession *s = session_new (f);
  GstStructure *open = NULL;
  Service *svc;
  guint64 replayed_ms, resume_ms;
  gchar *states;
  guint i;

  for (i = 0; i < 10; i++)
    write_counter (s, i * CHUNK, CHUNK);
  svc = service_accept (f);
  /* the reply to the last frame commits the first 0.5 s */
  svc->final_at = 10;
  svc->final_text = result_text ("a", 0.0, 0.5);
  fail_unless (service_wait_audio (svc, 10 * CHUNK * 2));
  fail_unless (service_wait_text (svc, 1));
  fail_unless (g_str_has_prefix (g_ptr_array_index (svc->texts, 0),
          "{\"config\""));
  fail_unless_equals_int (audio_frame (svc, 0), 0);
  fail_unless_equals_int (audio_frame (svc, 10 * CHUNK - 1), 10 * CHUNK - 1);

  /* the connection dies without a close frame */
  for (i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  g_io_stream_close (soup_websocket_connection_get_io_stream (svc->conn),
      NULL, NULL);
  service_free (svc);

  /* more audio while the session reconnects */
  for (i = 10; i < 15; i++)
    write_counter (s, i * CHUNK, CHUNK);

  svc = service_accept (f);
  /* config first, then the replay from the end of the final (frame 8000),
   * then everything after it, each frame once */
  fail_unless (service_wait_text (svc, 1));
  fail_unless (g_str_has_prefix (g_ptr_array_index (svc->texts, 0),
          "{\"config\""));
  fail_unless (service_wait_audio (svc, (15 * CHUNK - RATE / 2) * 2));
  for (i = 0; i < 15 * CHUNK - RATE / 2; i++)
    if (audio_frame (svc, i) != (gint) (RATE / 2 + i))
      fail ("frame %u of the new connection holds %d, not %u", i,
          audio_frame (svc, i), RATE / 2 + i);

  states = session_states (f, &open);
  fail_unless (g_str_has_prefix (states,
          "connecting open reconnecting connecting open"), "%s", states);
  fail_unless (gst_structure_get_uint64 (open, "replayed-ms", &replayed_ms));
  fail_unless (gst_structure_get_uint64 (open, "resume-ms", &resume_ms));
  fail_unless_equals_int64 (resume_ms, 500);
  /* what the lost connection had been sent after the final, at least the
   * 500 ms the test saw it receive (more if the session sent on into the
   * dead socket) */
  fail_unless (replayed_ms >= 500, "%" G_GUINT64_FORMAT, replayed_ms);
  fail_unless_equals_int (count_posted (f, "sttpushsink-final"), 1);
  g_free (states);
  gst_structure_free (open);

  gst_stt_session_free (s);
  service_free (svc);
  fixture_free (f);
}

GST_END_TEST;

typedef struct
{
  GstSttSession *session;
  Fixture *fixture;
  GstSttFinishResult result;
  guint finals_when_done;
  gboolean done;
} FinishJob;

static gpointer
finish_thread (gpointer user_data)
{
  FinishJob *job = user_data;
  GstSttFinishResult result = gst_stt_session_finish (job->session);
  guint finals = count_posted (job->fixture, "sttpushsink-final");

  g_mutex_lock (&job->fixture->lock);
  job->result = result;
  job->finals_when_done = finals;
  job->done = TRUE;
  g_mutex_unlock (&job->fixture->lock);
  return NULL;
}

static gboolean
job_done (FinishJob * job)
{
  gboolean done;

  g_mutex_lock (&job->fixture->lock);
  done = job->done;
  g_mutex_unlock (&job->fixture->lock);
  return done;
}

/* finish() returns only once the last reply to end-of-stream is posted:
 * an application that waits for EOS has every final. */
GST_START_TEST (test_every_final_before_finish)
{
  Fixture *f = fixture_new ();
  GstSttSession *s = session_new (f);
  FinishJob job = { s, f, 0, 0, FALSE };
  GThread *thread;
  Service *svc;
  gchar *text;
  guint i;

  for (i = 0; i < 10; i++)
    write_counter (s, i * CHUNK, CHUNK);
  svc = service_accept (f);
  svc->final_at = 5;
  svc->final_text = result_text ("a", 0.0, 0.4);
  fail_unless (service_wait_audio (svc, 10 * CHUNK * 2));

  thread = g_thread_new ("finish", finish_thread, &job);
  /* end-of-stream reaches the service; finish() is still waiting */
  fail_unless (service_wait_text (svc, 2));
  fail_unless_equals_string (g_ptr_array_index (svc->texts, 1),
      "{\"eof\" : 1}");
  for (i = 0; i < 200; i++)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  fail_if (job_done (&job), "finish() returned before the last reply");

  /* the last reply, then a normal close */
  text = result_text ("b", 0.5, 0.9);
  soup_websocket_connection_send_text (svc->conn, text);
  g_free (text);
  soup_websocket_connection_close (svc->conn, SOUP_WEBSOCKET_CLOSE_NORMAL,
      NULL);
  for (i = 0; i < 5000 && !job_done (&job); i++)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  fail_unless (job_done (&job), "finish() did not return");
  g_thread_join (thread);

  fail_unless_equals_int (job.result, GST_STT_FINISH_DONE);
  fail_unless_equals_int (job.finals_when_done, 2);
  fail_unless_equals_int (f->problems->len, 0);

  gst_stt_session_free (s);
  service_free (svc);
  fixture_free (f);
}

GST_END_TEST;

/* Deepgram needs a KeepAlive after keepalive-interval-ms without audio:
 * on the session's clock (a fake one here), at the interval, not before,
 * once per interval. */
GST_START_TEST (test_keepalive_timing)
{
  Fixture *f = fixture_new ();
  GstSttSessionConfig config = {
    .backend = GST_STT_BACKEND_DEEPGRAM,
    .url = "ws://127.0.0.1:9/v1/listen",
    .interim_results = TRUE,
    .finish_timeout_ms = 5000,
    .keepalive_interval_ms = 4000,
    .send_timeout_ms = 5000,
  };
  GstSttSession *s = gst_stt_session_new (&config, NULL, &callbacks, f);
  GstSttSessionStats stats;
  Service *svc;
  gchar *states;
  guint i;

  fake_clock_set_ms (f, 0);
  gst_stt_session_set_connect_func (s, fake_connect, f);
  gst_stt_session_set_clock (s, fake_clock, f);
  fail_unless (gst_stt_session_start (s, NULL));
  fail_unless (gst_stt_session_set_format (s, RATE, 2, CHUNK, RATE * 20));
  svc = service_accept (f);
  for (i = 0; i < 1000; i++) {
    states = session_states (f, NULL);
    if (g_str_has_suffix (states, "open"))
      break;
    g_free (states);
    states = NULL;
    g_usleep (1000);
  }
  fail_unless (states != NULL, "the session did not open");
  g_free (states);

  /* the session ticks every 250 ms of real time; 600 ms is two ticks */
  fake_clock_set_ms (f, 3999);
  run_for_ms (600);
  fail_unless_equals_int (svc->texts->len, 0);

  fake_clock_set_ms (f, 4000);
  run_for_ms (600);
  fail_unless_equals_int (svc->texts->len, 1);
  fail_unless_equals_string (g_ptr_array_index (svc->texts, 0),
      "{\"type\":\"KeepAlive\"}");

  fake_clock_set_ms (f, 7999);
  run_for_ms (600);
  fail_unless_equals_int (svc->texts->len, 1);

  fake_clock_set_ms (f, 8000);
  run_for_ms (600);
  fail_unless_equals_int (svc->texts->len, 2);

  gst_stt_session_get_stats (s, &stats);
  fail_unless_equals_int (stats.keepalives, 2);

  gst_stt_session_free (s);
  service_free (svc);
  fixture_free (f);
}

GST_END_TEST;

/* A service that stops reading (here: nobody ever reads the socket) is
 * gone after send-timeout-ms on the session's clock, even though its
 * connection is open: a WARNING, a new connection, the audio replayed. */
GST_START_TEST (test_stalled_service_is_replaced)
{
  Fixture *f = fixture_new ();
  GstSttSessionConfig config = {
    .backend = GST_STT_BACKEND_DEEPGRAM,
    .url = "ws://127.0.0.1:9/v1/listen",
    .interim_results = TRUE,
    .finish_timeout_ms = 5000,
    .keepalive_interval_ms = 0,
    .send_timeout_ms = 5000,
  };
  GstSttSession *s = gst_stt_session_new (&config, NULL, &callbacks, f);
  GstSttSessionStats stats;
  gpointer mute_fd;
  Service *svc;
  gchar *states;
  guint i;

  fake_clock_set_ms (f, 0);
  gst_stt_session_set_connect_func (s, fake_connect, f);
  gst_stt_session_set_clock (s, fake_clock, f);
  fail_unless (gst_stt_session_start (s, NULL));
  fail_unless (gst_stt_session_set_format (s, RATE, 2, CHUNK, RATE * 60));

  /* 40 s of audio into a socket nobody reads: its buffer fills */
  mute_fd = g_async_queue_timeout_pop (f->server_fds, 10 * G_TIME_SPAN_SECOND);
  fail_unless (mute_fd != NULL, "the session did not connect");
  for (i = 0; i < 400; i++)
    write_counter (s, i * CHUNK, CHUNK);
  run_for_ms (500);
  gst_stt_session_get_stats (s, &stats);
  fail_unless (stats.frames_queued > 0, "the socket took everything");

  /* not yet gone at 4999 ms without progress */
  fake_clock_set_ms (f, 4999);
  run_for_ms (600);
  g_mutex_lock (&f->lock);
  fail_unless_equals_int (f->connects, 1);
  g_mutex_unlock (&f->lock);

  /* gone at 5000 ms: a new connection gets the audio from the start (no
   * final committed any), frame 0 first */
  fake_clock_set_ms (f, 5000);
  svc = service_accept (f);
  svc->quiet = TRUE;
  fail_unless (service_wait_audio (svc, CHUNK * 2));
  fail_unless_equals_int (audio_frame (svc, 0), 0);
  states = session_states (f, NULL);
  fail_unless (g_str_has_prefix (states,
          "connecting open reconnecting connecting open"), "%s", states);
  g_free (states);
  g_mutex_lock (&f->lock);
  fail_unless_equals_int (f->problems->len, 1);
  fail_unless (strstr (g_ptr_array_index (f->problems, 0),
          "W: Deepgram stopped reading audio for 5000 ms") != NULL, "%s",
      (gchar *) g_ptr_array_index (f->problems, 0));
  g_mutex_unlock (&f->lock);

  gst_stt_session_free (s);
  service_free (svc);
  close (GPOINTER_TO_INT (mute_fd) - 1);
  fixture_free (f);
}

GST_END_TEST;

/* Defect D. A stall WARNING is said once per episode, not once per
 * session's life: after a reconnection the service reads again and
 * commits silence (an empty final), which ends the episode; when it
 * stalls again, that is a new episode and a new WARNING (the debug text
 * counts them). */
GST_START_TEST (test_stall_warning_per_episode)
{
  Fixture *f = fixture_new ();
  GstSttSessionConfig config = {
    .backend = GST_STT_BACKEND_DEEPGRAM,
    .url = "ws://127.0.0.1:9/v1/listen",
    .interim_results = TRUE,
    .finish_timeout_ms = 5000,
    .keepalive_interval_ms = 0,
    .send_timeout_ms = 5000,
  };
  GstSttSession *s = gst_stt_session_new (&config, NULL, &callbacks, f);
  gpointer mute_fd, mute_fd2;
  Service *svc;
  gint64 end;
  guint i, warnings = 0;

  fake_clock_set_ms (f, 0);
  gst_stt_session_set_connect_func (s, fake_connect, f);
  gst_stt_session_set_clock (s, fake_clock, f);
  fail_unless (gst_stt_session_start (s, NULL));
  fail_unless (gst_stt_session_set_format (s, RATE, 2, CHUNK, RATE * 60));

  /* episode 1: nobody reads the first connection */
  mute_fd = g_async_queue_timeout_pop (f->server_fds, 10 * G_TIME_SPAN_SECOND);
  fail_unless (mute_fd != NULL, "the session did not connect");
  for (i = 0; i < 400; i++)
    write_counter (s, i * CHUNK, CHUNK);
  run_for_ms (500);
  fake_clock_set_ms (f, 5000);

  /* the second connection reads, and commits a second of silence */
  svc = service_accept (f);
  svc->quiet = TRUE;
  fail_unless (service_wait_audio (svc, CHUNK * 2));
  soup_websocket_connection_send_text (svc->conn, "{\"type\":\"Results\","
      "\"start\":0.0,\"duration\":1.0,\"is_final\":true,\"channel\":"
      "{\"alternatives\":[{\"transcript\":\"\",\"words\":[]}]}}");
  run_for_ms (300);

  /* episode 2: it stops reading (this context no longer runs) */
  for (i = 400; i < 800; i++)
    write_counter (s, i * CHUNK, CHUNK);
  g_usleep (500 * 1000);
  fake_clock_set_ms (f, 20000);
  mute_fd2 = g_async_queue_timeout_pop (f->server_fds,
      10 * G_TIME_SPAN_SECOND);
  fail_unless (mute_fd2 != NULL, "no reconnection after the second stall");

  end = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  do {
    g_usleep (10000);
    g_mutex_lock (&f->lock);
    for (i = 0, warnings = 0; i < f->problems->len; i++)
      if (strstr (g_ptr_array_index (f->problems, i),
              "W: Deepgram stopped reading audio") != NULL)
        warnings++;
    g_mutex_unlock (&f->lock);
  } while (warnings < 2 && g_get_monotonic_time () < end);
  fail_unless_equals_int (warnings, 2);

  gst_stt_session_free (s);
  service_free (svc);
  close (GPOINTER_TO_INT (mute_fd) - 1);
  close (GPOINTER_TO_INT (mute_fd2) - 1);
  fixture_free (f);
}

GST_END_TEST;

/* Fix 7, through the session: Speechmatics sends EndOfTranscript before
 * any EndOfStream of ours (its session duration limit). The element does
 * not stop quietly: a WARNING that says so, a new connection, and the
 * audio the service never committed sent again. */
GST_START_TEST (test_service_ending_session_reconnects)
{
  Fixture *f = fixture_new ();
  GstSttSessionConfig config = {
    .backend = GST_STT_BACKEND_SPEECHMATICS,
    .url = "ws://127.0.0.1:9/v2",
    .interim_results = TRUE,
    .finish_timeout_ms = 5000,
    .keepalive_interval_ms = 0,
    .send_timeout_ms = 5000,
  };
  GstSttSession *s = gst_stt_session_new (&config, NULL, &callbacks, f);
  Service *svc, *svc2;
  gchar *states = NULL;
  gint64 end;
  guint i, warnings = 0;

  gst_stt_session_set_connect_func (s, fake_connect, f);
  fail_unless (gst_stt_session_start (s, NULL));
  fail_unless (gst_stt_session_set_format (s, RATE, 2, CHUNK, RATE * 20));

  svc = service_accept (f);
  svc->quiet = TRUE;
  fail_unless (service_wait_text (svc, 1));
  fail_unless (g_str_has_prefix (g_ptr_array_index (svc->texts, 0),
          "{\"message\":\"StartRecognition\""));
  soup_websocket_connection_send_text (svc->conn,
      "{\"message\":\"RecognitionStarted\",\"id\":\"s1\"}");
  write_counter (s, 0, CHUNK * 5);
  fail_unless (service_wait_audio (svc, CHUNK * 2 * 5));
  soup_websocket_connection_send_text (svc->conn,
      "{\"message\":\"EndOfTranscript\"}");

  /* the session closes it, and opens another with the same audio */
  svc2 = NULL;
  end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  while (g_get_monotonic_time () < end) {
    gpointer fd;

    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
    fd = g_async_queue_try_pop (f->server_fds);
    if (fd != NULL) {
      g_async_queue_push_front (f->server_fds, fd);
      break;
    }
  }
  fail_unless (svc->closed, "the ended session was not closed");
  svc2 = service_accept (f);
  svc2->quiet = TRUE;
  fail_unless (service_wait_text (svc2, 1));
  soup_websocket_connection_send_text (svc2->conn,
      "{\"message\":\"RecognitionStarted\",\"id\":\"s2\"}");
  fail_unless (service_wait_audio (svc2, CHUNK * 2 * 5));
  fail_unless_equals_int (audio_frame (svc2, 0), 0);

  states = session_states (f, NULL);
  fail_unless (g_str_has_prefix (states,
          "connecting open reconnecting connecting open"), "%s", states);
  g_free (states);
  g_mutex_lock (&f->lock);
  for (i = 0; i < f->problems->len; i++) {
    const gchar *p = g_ptr_array_index (f->problems, i);

    fail_if (g_str_has_prefix (p, "E: "), "%s", p);
    if (strstr (p, "Speechmatics ended the session before the end of the "
            "stream (EndOfTranscript)") != NULL)
      warnings++;
  }
  g_mutex_unlock (&f->lock);
  fail_unless_equals_int (warnings, 1);

  gst_stt_session_free (s);
  service_free (svc);
  service_free (svc2);
  fixture_free (f);
}

GST_END_TEST;

/* Non-live: a write waits for room only while the service takes audio. */
typedef struct
{
  GstSttSession *session;
  guint chunks;
  GstFlowReturn ret;
  gint done;
  guint from;                   /* the counter's first frame */
} FileWriter;

static gpointer
file_writer_func (gpointer user_data)
{
  FileWriter *w = user_data;
  gint16 *buf = g_new0 (gint16, CHUNK);
  guint i, j;

  w->ret = GST_FLOW_OK;
  for (i = 0; i < w->chunks && w->ret == GST_FLOW_OK; i++) {
    for (j = 0; j < CHUNK; j++)
      buf[j] = (gint16) (w->from + i * CHUNK + j);
    w->ret = gst_stt_session_write (w->session, (const guint8 *) buf,
        CHUNK * 2, FALSE, GST_CLOCK_TIME_NONE);
  }
  g_free (buf);
  g_atomic_int_set (&w->done, 1);
  return NULL;
}

/* A file while the service stops reading and the stall is not (yet)
 * detected (the session's clock stands still): the writes wait for room,
 * but only twice send-timeout-ms without progress. Then the oldest audio
 * goes, counted, with one WARNING, so that an EOS behind the writes is
 * never held hostage (issue 11 item 2). */
GST_START_TEST (test_file_write_wait_is_bounded)
{
  Fixture *f = fixture_new ();
  GstSttSessionConfig config = {
    .backend = GST_STT_BACKEND_DEEPGRAM,
    .url = "ws://127.0.0.1:9/v1/listen",
    .interim_results = TRUE,
    .finish_timeout_ms = 5000,
    .keepalive_interval_ms = 0,
    .send_timeout_ms = 200,
  };
  GstSttSession *s = gst_stt_session_new (&config, NULL, &callbacks, f);
  GstSttSessionStats stats;
  FileWriter w = { s, 400, GST_FLOW_CUSTOM_ERROR, 0, 0 };
  gpointer mute_fd;
  GThread *thread;
  gint64 end;
  guint i, warnings = 0;

  fake_clock_set_ms (f, 0);
  gst_stt_session_set_connect_func (s, fake_connect, f);
  gst_stt_session_set_clock (s, fake_clock, f);
  fail_unless (gst_stt_session_start (s, NULL));
  fail_unless (gst_stt_session_set_format (s, RATE, 2, CHUNK, RATE * 2));
  mute_fd = g_async_queue_timeout_pop (f->server_fds, 10 * G_TIME_SPAN_SECOND);
  fail_unless (mute_fd != NULL, "the session did not connect");

  /* 40 s of a file into 2 s of ring and a socket nobody reads */
  thread = g_thread_new ("file", file_writer_func, &w);
  end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  while (!g_atomic_int_get (&w.done) && g_get_monotonic_time () < end)
    g_usleep (10000);
  if (!g_atomic_int_get (&w.done))
    gst_stt_session_unlock (s);
  g_thread_join (thread);
  fail_unless (w.ret == GST_FLOW_OK, "the writes were still waiting after "
      "10 s (%s)", gst_flow_get_name (w.ret));

  gst_stt_session_get_stats (s, &stats);
  fail_unless (stats.frames_dropped > 0);
  fail_unless (stats.overflows > 0);
  g_mutex_lock (&f->lock);
  for (i = 0; i < f->problems->len; i++)
    if (strstr (g_ptr_array_index (f->problems, i),
            "W: The service took no audio for 400 ms") != NULL)
      warnings++;
  g_mutex_unlock (&f->lock);
  fail_unless_equals_int (warnings, 1);

  gst_stt_session_free (s);
  close (GPOINTER_TO_INT (mute_fd) - 1);
  fixture_free (f);
}

GST_END_TEST;

/* A file while the connection is down: the writes wait rather than take
 * the room of audio the lost session received but never committed, so
 * the next session gets all of it again (issue 11 item 3). Half the ring
 * stays for that replay. */
GST_START_TEST (test_file_writes_keep_the_replay)
{
  Fixture *f = fixture_new ();
  GstSttSessionConfig config = {
    .backend = GST_STT_BACKEND_VOSK,
    .url = "ws://127.0.0.1:9/",
    .interim_results = TRUE,
    .finish_timeout_ms = 5000,
    .keepalive_interval_ms = 0,
    .send_timeout_ms = 5000,
  };
  GstSttSession *s = gst_stt_session_new (&config, NULL, &callbacks, f);
  FileWriter head = { s, 10, GST_FLOW_CUSTOM_ERROR, 0, 0 };
  FileWriter w = { s, 20, GST_FLOW_CUSTOM_ERROR, 0, 10 * CHUNK };
  GstSttSessionStats stats;
  Service *svc;
  GThread *thread;
  gchar *states = NULL;
  gint64 end;
  guint i;

  gst_stt_session_set_connect_func (s, fake_connect, f);
  fail_unless (gst_stt_session_start (s, NULL));
  /* 2 s of ring: 1 s of it stays for the replay */
  fail_unless (gst_stt_session_set_format (s, RATE, 2, CHUNK, RATE * 2));

  /* 1 s, all received, none committed */
  file_writer_func (&head);
  fail_unless_equals_int (head.ret, GST_FLOW_OK);
  svc = service_accept (f);
  fail_unless (service_wait_audio (svc, 10 * CHUNK * 2));
  g_io_stream_close (soup_websocket_connection_get_io_stream (svc->conn),
      NULL, NULL);
  service_free (svc);
  end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  do {
    g_free (states);
    g_usleep (1000);
    states = session_states (f, NULL);
  } while (strstr (states, "reconnecting") == NULL &&
      g_get_monotonic_time () < end);
  fail_unless (strstr (states, "reconnecting") != NULL, "%s", states);
  g_free (states);

  /* 2 s more from the file while the session waits to reconnect: 1 s fits
   * beside the kept second, the rest waits */
  thread = g_thread_new ("file", file_writer_func, &w);
  g_usleep (200000);
  fail_if (g_atomic_int_get (&w.done), "the file took the replay's room");
  gst_stt_session_get_stats (s, &stats);
  fail_unless_equals_int64 (stats.frames_queued, RATE);

  /* the new session gets everything from frame 0, each frame once */
  svc = service_accept (f);
  fail_unless (service_wait_audio (svc, 30 * CHUNK * 2));
  for (i = 0; i < 30 * CHUNK; i++)
    if (audio_frame (svc, i) != (gint16) i)
      fail ("frame %u of the new connection holds %d", i,
          audio_frame (svc, i));
  g_thread_join (thread);
  fail_unless_equals_int (w.ret, GST_FLOW_OK);
  gst_stt_session_get_stats (s, &stats);
  fail_unless_equals_int64 (stats.frames_unreplayed, 0);
  fail_unless_equals_int64 (stats.frames_dropped, 0);

  gst_stt_session_free (s);
  service_free (svc);
  fixture_free (f);
}

GST_END_TEST;

/* Waits (10 s at most) until the session states posted so far contain
 * @what; returns them. */
static gchar *
wait_states (Fixture * f, const gchar * what)
{
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  gchar *states = NULL;

  do {
    g_free (states);
    g_usleep (1000);
    states = session_states (f, NULL);
  } while (strstr (states, what) == NULL && g_get_monotonic_time () < end);
  return states;
}

/* The problems reported so far that start with @prefix. */
static guint
count_problems (Fixture * f, const gchar * prefix)
{
  guint i, n = 0;

  g_mutex_lock (&f->lock);
  for (i = 0; i < f->problems->len; i++)
    n += g_str_has_prefix (g_ptr_array_index (f->problems, i), prefix);
  g_mutex_unlock (&f->lock);
  return n;
}

/* Waits (up to 10 s) for a problem that starts with @prefix: the session
 * sets its state before it tells the problem, from its own thread. */
static void
wait_problem (Fixture * f, const gchar * prefix)
{
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  while (count_problems (f, prefix) == 0 && g_get_monotonic_time () < end)
    g_usleep (1000);
}

static GstSttSession *
retry_session_new (Fixture * f, gint max_attempts)
{
  GstSttSessionConfig config = {
    .backend = GST_STT_BACKEND_VOSK,
    .url = "ws://127.0.0.1:9/",
    .interim_results = TRUE,
    .finish_timeout_ms = 5000,
    .keepalive_interval_ms = 0,
    .send_timeout_ms = 5000,
    .reconnect_min_ms = 20,
    .reconnect_max_ms = 80,
    .max_reconnect_attempts = max_attempts,
  };
  GstSttSession *s = gst_stt_session_new (&config, NULL, &callbacks, f);

  gst_stt_session_set_connect_func (s, fake_connect, f);
  fail_unless (gst_stt_session_start (s, NULL));
  return s;
}

/* A service that is not there yet when the stream starts: the first
 * attempts are refused, and the session keeps trying with the backoff, as
 * after a lost connection, saying so once; the audio written meanwhile
 * waits in the queue and reaches the service, from frame 0, once it is
 * up (issue 15). */
GST_START_TEST (test_first_connection_retried)
{
  Fixture *f = fixture_new ();
  GstSttSession *s;
  GstSttSessionStats stats;
  Service *svc;
  gchar *states;
  guint i;

  f->refuse = 3;
  s = retry_session_new (f, -1);
  fail_unless (gst_stt_session_set_format (s, RATE, 2, CHUNK, RATE * 20));
  for (i = 0; i < 10; i++)
    write_counter (s, i * CHUNK, CHUNK);

  svc = service_accept (f);
  fail_unless (service_wait_audio (svc, 10 * CHUNK * 2));
  for (i = 0; i < 10 * CHUNK; i++)
    if (audio_frame (svc, i) != (gint) i)
      fail ("frame %u holds %d", i, audio_frame (svc, i));

  states = wait_states (f, "open");
  fail_unless_equals_string (states, "connecting reconnecting connecting "
      "reconnecting connecting reconnecting connecting open");
  g_free (states);
  g_mutex_lock (&f->lock);
  fail_unless_equals_int (f->connects, 4);
  fail_unless_equals_int (f->problems->len, 1);
  fail_unless (g_str_has_prefix (g_ptr_array_index (f->problems, 0),
          "W: Could not connect to ws://127.0.0.1:9/: Connection refused; "
          "trying again in "), "%s",
      (gchar *) g_ptr_array_index (f->problems, 0));
  g_mutex_unlock (&f->lock);
  gst_stt_session_get_stats (s, &stats);
  fail_unless_equals_int64 (stats.connect_failures, 3);
  fail_unless_equals_int64 (stats.reconnects, 0);
  fail_unless_equals_int64 (stats.frames_dropped, 0);

  gst_stt_session_free (s);
  service_free (svc);
  fixture_free (f);
}

GST_END_TEST;

/* A service that never comes: max_reconnect_attempts retries after the
 * first failure, one WARNING at the first, then one ERROR that says how
 * many attempts were made; writes fail from then on. */
GST_START_TEST (test_first_connection_attempts_exhausted)
{
  Fixture *f = fixture_new ();
  GstSttSession *s;
  gchar *states;
  guint i;

  f->refuse = 100;
  f->refuse_status = 503;
  s = retry_session_new (f, 2);
  fail_unless (gst_stt_session_set_format (s, RATE, 2, CHUNK, RATE * 20));
  write_counter (s, 0, CHUNK);

  states = wait_states (f, "failed");
  wait_problem (f, "E: ");
  fail_unless_equals_string (states, "connecting reconnecting connecting "
      "reconnecting connecting failed");
  g_free (states);
  /* nothing more comes */
  run_for_ms (300);
  g_mutex_lock (&f->lock);
  fail_unless_equals_int (f->connects, 3);
  g_mutex_unlock (&f->lock);
  fail_unless_equals_int (count_problems (f, "W: "), 1);
  fail_unless_equals_int (count_problems (f, "E: "), 1);
  fail_unless_equals_int (count_problems (f, "E: Could not open a Vosk "
          "session at ws://127.0.0.1:9/: HTTP 503 Service Unavailable; gave up after 3 attempts "
          "in a row (max-reconnect-attempts)."), 1);
  for (i = 0; i < 100; i++)
    if (gst_stt_session_write (s, (const guint8 *) "\0\0", 2, TRUE,
            GST_CLOCK_TIME_NONE) == GST_FLOW_ERROR)
      break;
  fail_unless (i < 100, "writes still succeed after the ERROR");

  gst_stt_session_free (s);
  fixture_free (f);
}

GST_END_TEST;

/* max_reconnect_attempts 0: no retry, the first failure is the ERROR, as
 * before the retry existed. */
GST_START_TEST (test_first_connection_no_retry)
{
  Fixture *f = fixture_new ();
  GstSttSession *s;
  gchar *states;

  f->refuse = 100;
  s = retry_session_new (f, 0);
  fail_unless (gst_stt_session_set_format (s, RATE, 2, CHUNK, RATE * 20));

  states = wait_states (f, "failed");
  wait_problem (f, "E: ");
  fail_unless_equals_string (states, "connecting failed");
  g_free (states);
  run_for_ms (200);
  fail_unless_equals_int (f->connects, 1);
  fail_unless_equals_int (count_problems (f, "W: "), 0);
  fail_unless_equals_int (count_problems (f, "E: Could not connect to "
          "ws://127.0.0.1:9/: Connection refused."), 1);

  gst_stt_session_free (s);
  fixture_free (f);
}

GST_END_TEST;

/* An authentication failure is never retried, whatever the limit: one
 * attempt, the ERROR at once, no WARNING before it. */
GST_START_TEST (test_auth_failure_never_retried)
{
  static const guint statuses[] = { 401, 403 };
  guint k;

  for (k = 0; k < G_N_ELEMENTS (statuses); k++) {
    Fixture *f = fixture_new ();
    GstSttSession *s;
    gchar *states;

    f->refuse = 100;
    f->refuse_status = statuses[k];
    s = retry_session_new (f, -1);
    fail_unless (gst_stt_session_set_format (s, RATE, 2, CHUNK, RATE * 20));

    states = wait_states (f, "failed");
    wait_problem (f, "E: ");
    fail_unless_equals_string (states, "connecting failed");
    g_free (states);
    run_for_ms (200);
    fail_unless_equals_int (f->connects, 1);
    fail_unless_equals_int (count_problems (f, "W: "), 0);
    fail_unless_equals_int (count_problems (f, "E: Vosk authentication "
            "failed (HTTP"), 1);

    gst_stt_session_free (s);
    fixture_free (f);
  }
}

GST_END_TEST;

/* Opens a session with @max_attempts, lets it send 0.5 s, then cuts its
 * connection with the next @refuse attempts refused. */
static GstSttSession *
open_then_drop (Fixture * f, gint max_attempts, guint refuse)
{
  GstSttSession *s = retry_session_new (f, max_attempts);
  Service *svc;
  guint i;

  fail_unless (gst_stt_session_set_format (s, RATE, 2, CHUNK, RATE * 20));
  for (i = 0; i < 5; i++)
    write_counter (s, i * CHUNK, CHUNK);
  svc = service_accept (f);
  fail_unless (service_wait_audio (svc, 5 * CHUNK * 2));
  g_mutex_lock (&f->lock);
  f->refuse = refuse;
  g_mutex_unlock (&f->lock);
  g_io_stream_close (soup_websocket_connection_get_io_stream (svc->conn),
      NULL, NULL);
  service_free (svc);
  return s;
}

/* After a lost session, a positive max_reconnect_attempts bounds the
 * failed attempts in a row as at the start: the ERROR after the last. */
GST_START_TEST (test_reconnect_attempts_exhausted_after_a_drop)
{
  Fixture *f = fixture_new ();
  GstSttSession *s = open_then_drop (f, 2, 100);
  gchar *states;

  states = wait_states (f, "failed");
  wait_problem (f, "E: ");
  fail_unless (g_str_has_suffix (states, "open reconnecting connecting "
          "reconnecting connecting reconnecting connecting failed"), "%s",
      states);
  g_free (states);
  fail_unless_equals_int (count_problems (f, "E: Could not connect to "
          "ws://127.0.0.1:9/: Connection refused; gave up after 3 attempts "
          "in a row (max-reconnect-attempts)."), 1);
  /* the loss may be told (a WARNING), the failed attempts are not */
  fail_unless (count_problems (f, "W: ") <= 1);

  gst_stt_session_free (s);
  fixture_free (f);
}

GST_END_TEST;

/* max_reconnect_attempts 0 only refuses to retry a first connection: a
 * session that worked rides out refused attempts, and the new one gets
 * the audio again from frame 0 (no final committed any). */
GST_START_TEST (test_no_retry_limit_still_reconnects_after_a_drop)
{
  Fixture *f = fixture_new ();
  GstSttSession *s = open_then_drop (f, 0, 3);
  Service *svc;
  gchar *states;

  svc = service_accept (f);
  fail_unless (service_wait_audio (svc, 5 * CHUNK * 2));
  fail_unless_equals_int (audio_frame (svc, 0), 0);
  states = wait_states (f, "connecting open reconnecting connecting "
      "reconnecting connecting reconnecting connecting reconnecting "
      "connecting open");
  fail_unless_equals_string (states, "connecting open reconnecting "
      "connecting reconnecting connecting reconnecting connecting "
      "reconnecting connecting open");
  g_free (states);
  fail_unless_equals_int (count_problems (f, "E: "), 0);

  gst_stt_session_free (s);
  service_free (svc);
  fixture_free (f);
}

GST_END_TEST;

/* The threads of this process, from /proc. */
static guint
process_threads (void)
{
  gchar *status = NULL, *line;
  guint n = 0;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "\nThreads:");
  if (line != NULL)
    n = (guint) g_ascii_strtoull (line + 9, NULL, 10);
  g_free (status);
  return n;
}

/* Every session of a process runs on one network thread and main
 * context, made by the first and joined when the last leaves (issue 13);
 * one session stopping leaves the others running, and once its stop()
 * returned no callback of it runs any more. */
GST_START_TEST (test_sessions_share_one_thread)
{
  Fixture *fa = fixture_new (), *fb = fixture_new ();
  GstSttSession *a, *b;
  Service *sa, *sb;
  guint before, i;

  /* GIO's own threads (its worker, the resolver's pool) start with the
   * first connection and stay: have them started before counting */
  a = session_new (fa);
  write_counter (a, 0, CHUNK);
  sa = service_accept (fa);
  fail_unless (service_wait_audio (sa, CHUNK * 2));
  gst_stt_session_free (a);
  service_free (sa);
  g_ptr_array_set_size (fa->posted, 0);

  before = process_threads ();
  if (before == 0) {
    fixture_free (fa);
    fixture_free (fb);
    g_test_skip ("no /proc/self/status here");
    return;
  }
  a = session_new (fa);
  b = session_new (fb);
  fail_unless (gst_stt_session_get_context (a) ==
      gst_stt_session_get_context (b));
  fail_unless_equals_int (process_threads (), before + 1);

  for (i = 0; i < 5; i++) {
    write_counter (a, i * CHUNK, CHUNK);
    write_counter (b, i * CHUNK, CHUNK);
  }
  sa = service_accept (fa);
  sb = service_accept (fb);
  fail_unless (service_wait_audio (sa, 5 * CHUNK * 2));
  fail_unless (service_wait_audio (sb, 5 * CHUNK * 2));

  /* a stops while its service still talks to it */
  gst_stt_session_stop (a);
  g_mutex_lock (&fa->lock);
  fa->stopped = TRUE;
  g_mutex_unlock (&fa->lock);
  soup_websocket_connection_send_text (sa->conn, "{\"partial\" : \"x\"}");

  /* b goes on: more audio, and a final for it */
  sb->final_at = 8;
  sb->final_text = result_text ("b", 0.0, 0.5);
  for (i = 5; i < 10; i++)
    write_counter (b, i * CHUNK, CHUNK);
  fail_unless (service_wait_audio (sb, 10 * CHUNK * 2));
  for (i = 0; i < 2000 && count_posted (fb, "sttpushsink-final") == 0; i++)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  fail_unless_equals_int (count_posted (fb, "sttpushsink-final"), 1);
  run_for_ms (100);
  fail_unless_equals_int (fa->late_callbacks, 0);
  fail_unless_equals_int (process_threads (), before + 1);

  gst_stt_session_free (a);
  gst_stt_session_free (b);
  /* the last one out joined the thread */
  fail_unless_equals_int (process_threads (), before);

  service_free (sa);
  service_free (sb);
  fixture_free (fa);
  fixture_free (fb);
}

GST_END_TEST;

/* A session stopped before it ever had a format, and one that never
 * started, leave no thread behind either. */
GST_START_TEST (test_idle_sessions_leave_no_thread)
{
  Fixture *f = fixture_new ();
  GstSttSessionConfig config = {
    .backend = GST_STT_BACKEND_VOSK,
    .url = "ws://127.0.0.1:9/",
    .finish_timeout_ms = 5000,
    .send_timeout_ms = 5000,
  };
  guint before = process_threads (), i;

  for (i = 0; i < 50; i++) {
    GstSttSession *s = gst_stt_session_new (&config, NULL, &callbacks, f);

    if (i % 2 == 0)
      fail_unless (gst_stt_session_start (s, NULL));
    gst_stt_session_free (s);
  }
  fail_unless_equals_int (process_threads (), before);
  fail_unless_equals_int (f->posted->len, 0);
  fixture_free (f);
}

GST_END_TEST;

static Suite *
stt_session_suite (void)
{
  Suite *s = suite_create ("stt-session");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_replay_after_reconnect);
  tcase_add_test (tc, test_every_final_before_finish);
  tcase_add_test (tc, test_keepalive_timing);
  tcase_add_test (tc, test_file_write_wait_is_bounded);
  tcase_add_test (tc, test_file_writes_keep_the_replay);
  tcase_add_test (tc, test_stalled_service_is_replaced);
  tcase_add_test (tc, test_stall_warning_per_episode);
  tcase_add_test (tc, test_service_ending_session_reconnects);
  tcase_add_test (tc, test_first_connection_retried);
  tcase_add_test (tc, test_first_connection_attempts_exhausted);
  tcase_add_test (tc, test_first_connection_no_retry);
  tcase_add_test (tc, test_auth_failure_never_retried);
  tcase_add_test (tc, test_reconnect_attempts_exhausted_after_a_drop);
  tcase_add_test (tc, test_no_retry_limit_still_reconnects_after_a_drop);
  tcase_add_test (tc, test_sessions_share_one_thread);
  tcase_add_test (tc, test_idle_sessions_leave_no_thread);
  return s;
}

GST_CHECK_MAIN (stt_session);
