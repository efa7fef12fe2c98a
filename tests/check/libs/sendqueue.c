/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The scheduler thread's batched sends (sendqueue.c) through transports
 * connected to real loopback peers: what a batch queues arrives whole and
 * in order, a socket that is full hands the rest back to its owner, a
 * reset peer fails the connection, and the portable path (no queue, or
 * GST_AUDIOSTREAM_IO_URING=0) puts the same bytes on the wire. The whole
 * suite is skipped (exit 77) where io_uring cannot be used. */

#define _GNU_SOURCE

#include <gst/check/gstcheck.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audiostream/sendqueue.h"
#include "audiostream/transport.h"
#include "../common/freshprocess.h"

#define CHUNK 1920
#define STREAMS 6
#define BATCHES 40
#define CHUNKS_PER_STEP 3

typedef struct
{
  gint listen_fd;
  gint port;
} Peer;

static void
peer_listen (Peer * peer)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof (addr);

  peer->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  fail_unless (peer->listen_fd >= 0);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fail_unless (bind (peer->listen_fd, (struct sockaddr *) &addr,
          sizeof (addr)) == 0);
  fail_unless (listen (peer->listen_fd, 64) == 0);
  fail_unless (getsockname (peer->listen_fd, (struct sockaddr *) &addr,
          &len) == 0);
  peer->port = ntohs (addr.sin_port);
}

/* A transport to the peer, and the peer's end of it */
static GstAsTransport *
connect_one (Peer * peer, gint * accepted)
{
  GstAsTransportTarget target = { "127.0.0.1", peer->port, NULL, 0, 2000,
    NULL
  };
  GError *err = NULL;
  GstAsTransport *t = gst_as_transport_connect (&target, 192000, NULL, &err);

  fail_unless (t != NULL, "connect: %s", err ? err->message : "?");
  *accepted = accept4 (peer->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  fail_unless (*accepted >= 0);
  return t;
}

/* Stream @s's chunk @k: bytes that say whose and which they are */
static void
fill_chunk (guint8 * buf, guint s, guint k)
{
  guint i;

  for (i = 0; i < CHUNK; i++)
    buf[i] = (guint8) (s * 31 + k * 7 + i);
}

/* Reads @size bytes from @fd (blocking, bounded by SO_RCVTIMEO) */
static GByteArray *
read_exactly (gint fd, gsize size)
{
  GByteArray *got = g_byte_array_sized_new (size);
  struct timeval tv = { 5, 0 };
  guint8 buf[65536];

  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof (tv));
  while (got->len < size) {
    ssize_t n = recv (fd, buf, MIN (sizeof (buf), size - got->len), 0);

    if (n <= 0)
      break;
    g_byte_array_append (got, buf, n);
  }
  return got;
}

/* What can be read from @fd now */
static GByteArray *
read_available (gint fd)
{
  GByteArray *got = g_byte_array_new ();
  guint8 buf[65536];
  ssize_t n;

  while ((n = recv (fd, buf, sizeof (buf), MSG_DONTWAIT)) > 0)
    g_byte_array_append (got, buf, n);
  return got;
}

/* Nothing waiting to be read on @fd now */
static gboolean
nothing_arrived (gint fd)
{
  guint8 b;

  return recv (fd, &b, 1, MSG_DONTWAIT | MSG_PEEK) < 0 && errno == EAGAIN;
}

typedef struct
{
  GByteArray *rest;
  gint calls;
  gboolean take;
  gint refs;                    /* given to the connection, not released */
} Done;

static gpointer
done_ref (Done * d)
{
  d->refs++;
  return d;
}

static void
done_unref (gpointer data)
{
  ((Done *) data)->refs--;
}

static gboolean
on_done (gpointer user_data, const guint8 * rest, gsize size)
{
  Done *d = user_data;

  d->calls++;
  if (d->take)
    g_byte_array_append (d->rest, rest, size);
  return d->take;
}

/* Sends BATCHES batches of CHUNKS_PER_STEP chunks to each of STREAMS
 * peers, as the scheduler's steps do, through @queue if not NULL (one
 * flush per batch), and returns what each peer received. */
static GByteArray **
send_batches (GstAsSendQueue * queue, guint * submitted)
{
  GstAsTransport *t[STREAMS];
  gint fds[STREAMS];
  GByteArray **got = g_new0 (GByteArray *, STREAMS);
  Done done[STREAMS];
  guint8 buf[CHUNK];
  Peer peer;
  guint s, b, c;

  peer_listen (&peer);
  for (s = 0; s < STREAMS; s++) {
    t[s] = connect_one (&peer, &fds[s]);
    done[s].rest = g_byte_array_new ();
    done[s].calls = 0;
    done[s].take = TRUE;
    done[s].refs = 0;
  }
  *submitted = 0;
  for (b = 0; b < BATCHES; b++) {
    for (s = 0; s < STREAMS; s++) {
      for (c = 0; c < CHUNKS_PER_STEP; c++) {
        GError *err = NULL;

        fill_chunk (buf, s, b * CHUNKS_PER_STEP + c);
        fail_unless_equals_int (gst_as_transport_try_send_batched (t[s], buf,
                CHUNK, on_done, done_ref (&done[s]), done_unref, &err),
            CHUNK);
      }
    }
    if (queue) {
      /* a batch goes out at its end, not before */
      if (b == 0)
        fail_unless (nothing_arrived (fds[0]));
      *submitted += gst_as_send_queue_flush (queue);
    }
    /* the peers read as they go */
    for (s = 0; s < STREAMS; s++) {
      GByteArray *part = read_available (fds[s]);

      if (got[s] == NULL)
        got[s] = g_byte_array_new ();
      g_byte_array_append (got[s], part->data, part->len);
      g_byte_array_unref (part);
    }
  }
  for (s = 0; s < STREAMS; s++) {
    GByteArray *part;

    /* so the sockets always had room */
    fail_unless_equals_int (done[s].calls, 0);
    gst_as_transport_free (t[s]);
    /* every reference it was given is released */
    fail_unless_equals_int (done[s].refs, 0);
    part = read_exactly (fds[s], (gsize) BATCHES * CHUNKS_PER_STEP * CHUNK
        + 1 - got[s]->len);
    g_byte_array_append (got[s], part->data, part->len);
    g_byte_array_unref (part);
    close (fds[s]);
    g_byte_array_unref (done[s].rest);
  }
  close (peer.listen_fd);
  return got;
}

static void
check_all_in_order (GByteArray ** got)
{
  guint8 buf[CHUNK];
  guint s, k;

  for (s = 0; s < STREAMS; s++) {
    fail_unless_equals_int (got[s]->len, BATCHES * CHUNKS_PER_STEP * CHUNK);
    for (k = 0; k < BATCHES * CHUNKS_PER_STEP; k++) {
      fill_chunk (buf, s, k);
      fail_unless (memcmp (got[s]->data + (gsize) k * CHUNK, buf, CHUNK) == 0,
          "stream %u chunk %u differs", s, k);
    }
  }
}

static void
free_got (GByteArray ** got)
{
  guint s;

  for (s = 0; s < STREAMS; s++)
    g_byte_array_unref (got[s]);
  g_free (got);
}

GST_START_TEST (test_batched_sends_arrive_whole_and_in_order)
{
  GstAsSendQueue *queue = gst_as_send_queue_new_for_thread ();
  GByteArray **got;
  guint submitted;

  fail_unless (queue != NULL);
  fail_unless (gst_as_send_queue_get_current () == queue);
  got = send_batches (queue, &submitted);
  /* one entry per stream and batch, however many chunks it queued */
  fail_unless_equals_int (submitted, STREAMS * BATCHES);
  check_all_in_order (got);
  free_got (got);
  gst_as_send_queue_free (queue);
  fail_unless (gst_as_send_queue_get_current () == NULL);
}

GST_END_TEST;

/* The same chunks without a queue (send() at once) arrive identical */
GST_START_TEST (test_portable_path_same_bytes)
{
  GstAsSendQueue *queue = gst_as_send_queue_new_for_thread ();
  GByteArray **batched, **plain;
  guint submitted, s;

  batched = send_batches (queue, &submitted);
  gst_as_send_queue_free (queue);
  fail_unless (gst_as_send_queue_get_current () == NULL);
  plain = send_batches (NULL, &submitted);
  fail_unless_equals_int (submitted, 0);

  check_all_in_order (plain);
  for (s = 0; s < STREAMS; s++) {
    fail_unless_equals_int (batched[s]->len, plain[s]->len);
    fail_unless (memcmp (batched[s]->data, plain[s]->data,
            plain[s]->len) == 0);
  }
  free_got (batched);
  free_got (plain);
}

GST_END_TEST;

/* Runs this test program afresh with @value for GST_AUDIOSTREAM_IO_URING
 * (NULL: unset): the knob is read once per process (tuning.c), so only a
 * new process sees it. Returns TRUE when that process had no io_uring
 * queue. */
static gboolean
fresh_process_is_portable (const gchar * value)
{
  gint status = test_fresh_process_run ("--probe-portable",
      "GST_AUDIOSTREAM_IO_URING", value, NULL, NULL);

  fail_unless (status == 0 || status == 1, "the probe exited with %d",
      status);
  return status == 0;
}

GST_START_TEST (test_env_keeps_the_portable_path)
{
  fail_unless (fresh_process_is_portable ("0"));
  fail_if (fresh_process_is_portable (NULL));
  fail_if (fresh_process_is_portable ("1"));
}

GST_END_TEST;

/* A peer that reads nothing: the batch sends what the socket takes, the
 * owner gets the rest back (as a short send() leaves it), and sending that
 * rest later completes the stream exactly. */
GST_START_TEST (test_full_socket_hands_back_the_rest)
{
  GstAsSendQueue *queue = gst_as_send_queue_new_for_thread ();
  const gsize total = 8 * 1024 * 1024;
  guint8 *data = g_malloc (total);
  Done done = { g_byte_array_new (), 0, TRUE, 0 };
  GstAsTransport *t;
  GByteArray *got;
  gsize i, sent;
  Peer peer;
  gint fd;

  for (i = 0; i < total; i++)
    data[i] = (guint8) (i * 13 + (i >> 12));
  peer_listen (&peer);
  t = connect_one (&peer, &fd);

  fail_unless_equals_int (gst_as_transport_try_send_batched (t, data, total,
          on_done, &done, NULL, NULL), total);
  fail_unless_equals_int (gst_as_send_queue_flush (queue), 1);
  fail_unless_equals_int (done.calls, 1);
  sent = total - done.rest->len;
  fail_unless (sent > 0 && sent < total, "sent %" G_GSIZE_FORMAT, sent);
  fail_unless (memcmp (done.rest->data, data + sent, done.rest->len) == 0);

  /* the owner's pending path: try_send () until it is all out; the slot
   * holds nothing any more, so these go straight to the socket */
  got = g_byte_array_new ();
  while (sent < total) {
    GError *err = NULL;
    gssize n = gst_as_transport_try_send (t, data + sent, total - sent, &err);
    GByteArray *part;

    fail_unless (n >= 0, "%s", err ? err->message : "?");
    sent += n;
    part = read_available (fd);
    g_byte_array_append (got, part->data, part->len);
    if (n == 0 && part->len == 0)
      g_usleep (1000);
    g_byte_array_unref (part);
  }
  gst_as_transport_free (t);
  {
    GByteArray *part = read_exactly (fd, total - got->len + 1);

    g_byte_array_append (got, part->data, part->len);
    g_byte_array_unref (part);
  }
  fail_unless_equals_int (got->len, total);
  fail_unless (memcmp (got->data, data, total) == 0);

  g_byte_array_unref (got);
  g_byte_array_unref (done.rest);
  close (fd);
  close (peer.listen_fd);
  g_free (data);
  gst_as_send_queue_free (queue);
}

GST_END_TEST;

/* A peer that resets the connection: the batched send fails, the owner
 * gets its bytes back, and the next send reports the failure as GIO's
 * send would. */
GST_START_TEST (test_reset_peer_fails_the_connection)
{
  GstAsSendQueue *queue = gst_as_send_queue_new_for_thread ();
  Done done = { g_byte_array_new (), 0, TRUE, 0 };
  struct linger lg = { 1, 0 };
  guint8 buf[CHUNK];
  GstAsTransport *t;
  GError *err = NULL;
  Peer peer;
  gint fd, i;

  fill_chunk (buf, 1, 1);
  peer_listen (&peer);
  t = connect_one (&peer, &fd);
  /* a close with linger 0 resets */
  setsockopt (fd, SOL_SOCKET, SO_LINGER, &lg, sizeof (lg));
  close (fd);
  g_usleep (20000);

  /* the first send after a reset may still be taken: a few batches */
  for (i = 0; i < 4 && done.calls == 0; i++) {
    fail_unless_equals_int (gst_as_transport_try_send_batched (t, buf, CHUNK,
            on_done, &done, NULL, NULL), CHUNK);
    gst_as_send_queue_flush (queue);
  }
  fail_unless_equals_int (done.calls, 1);
  fail_unless_equals_int (done.rest->len, CHUNK);
  fail_unless (memcmp (done.rest->data, buf, CHUNK) == 0);

  /* failed for good: no more batching, and every send says why, with the
   * reason the batch met (a send() after it would say "Broken pipe") */
  fail_unless_equals_int (gst_as_transport_try_send_batched (t, buf, CHUNK,
          on_done, &done, NULL, &err), -1);
  fail_unless (g_error_matches (err, G_IO_ERROR,
          G_IO_ERROR_CONNECTION_CLOSED), "%s", err->message);
  fail_unless_equals_string (err->message, "Error sending data: "
      "Connection reset by peer");
  g_clear_error (&err);
  fail_unless_equals_int (gst_as_transport_try_send (t, buf, CHUNK, &err),
      -1);
  fail_unless (err != NULL);
  g_clear_error (&err);
  fail_unless_equals_int (gst_as_send_queue_flush (queue), 0);

  gst_as_transport_free (t);
  g_byte_array_unref (done.rest);
  close (peer.listen_fd);
  gst_as_send_queue_free (queue);
}

GST_END_TEST;

/* A connection handed to the EOS drain before its batch ended (the owner
 * declines the rest): the drain sends what the batch held, then the FIN. */
GST_START_TEST (test_drain_sends_what_the_batch_held)
{
  GstAsSendQueue *queue = gst_as_send_queue_new_for_thread ();
  Done done = { g_byte_array_new (), 0, FALSE, 0 };
  guint8 buf[CHUNK];
  GstAsTransport *t;
  GByteArray *got;
  Peer peer;
  gint fd, k;

  peer_listen (&peer);
  t = connect_one (&peer, &fd);
  for (k = 0; k < 3; k++) {
    fill_chunk (buf, 0, k);
    gst_as_transport_try_send_batched (t, buf, CHUNK, on_done,
        done_ref (&done), done_unref, NULL);
  }
  fail_unless_equals_int (done.refs, 1);
  fail_unless_equals_int (gst_as_transport_drain (t, G_USEC_PER_SEC), 0);
  fail_unless_equals_int (done.refs, 0);
  /* it left the queue: nothing is submitted twice */
  fail_unless_equals_int (gst_as_send_queue_flush (queue), 0);
  fail_unless_equals_int (done.calls, 0);

  got = read_exactly (fd, 3 * CHUNK + 1);
  fail_unless_equals_int (got->len, 3 * CHUNK);
  for (k = 0; k < 3; k++) {
    fill_chunk (buf, 0, k);
    fail_unless (memcmp (got->data + k * CHUNK, buf, CHUNK) == 0);
  }
  g_byte_array_unref (got);
  gst_as_transport_free (t);
  g_byte_array_unref (done.rest);
  close (fd);
  close (peer.listen_fd);
  gst_as_send_queue_free (queue);
}

GST_END_TEST;

/* A connection closed before its batch ended (a stop) leaves the queue:
 * the flush does not touch it (ASan would see it) and nothing is sent. */
GST_START_TEST (test_closed_connection_leaves_the_batch)
{
  GstAsSendQueue *queue = gst_as_send_queue_new_for_thread ();
  Done done = { g_byte_array_new (), 0, TRUE, 0 };
  guint8 buf[CHUNK] = { 0 };
  GstAsTransport *t;
  GByteArray *got;
  Peer peer;
  gint fd;

  peer_listen (&peer);
  t = connect_one (&peer, &fd);
  gst_as_transport_try_send_batched (t, buf, CHUNK, on_done,
      done_ref (&done), done_unref, NULL);
  fail_unless_equals_int (done.refs, 1);
  gst_as_transport_free (t);
  fail_unless_equals_int (done.refs, 0);
  fail_unless_equals_int (gst_as_send_queue_flush (queue), 0);
  fail_unless_equals_int (done.calls, 0);
  got = read_exactly (fd, 1);
  fail_unless_equals_int (got->len, 0);
  g_byte_array_unref (got);
  g_byte_array_unref (done.rest);
  close (fd);
  close (peer.listen_fd);
  gst_as_send_queue_free (queue);
}

GST_END_TEST;

static Suite *
sendqueue_suite (void)
{
  Suite *s = suite_create ("sendqueue");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_batched_sends_arrive_whole_and_in_order);
  tcase_add_test (tc, test_portable_path_same_bytes);
  tcase_add_test (tc, test_env_keeps_the_portable_path);
  tcase_add_test (tc, test_full_socket_hands_back_the_rest);
  tcase_add_test (tc, test_reset_peer_fails_the_connection);
  tcase_add_test (tc, test_drain_sends_what_the_batch_held);
  tcase_add_test (tc, test_closed_connection_leaves_the_batch);
  return s;
}

int
main (int argc, char **argv)
{
  GstAsSendQueue *probe;

  test_fresh_process_init (argv[0]);
  if (argc > 1 && strcmp (argv[1], "--probe-portable") == 0) {
    /* for test_env_keeps_the_portable_path: 0 when this process, with
     * its environment, sends without io_uring */
    gst_init (NULL, NULL);
    probe = gst_as_send_queue_new_for_thread ();
    if (probe == NULL)
      return 0;
    gst_as_send_queue_free (probe);
    return 1;
  }
  gst_check_init (&argc, &argv);
  /* a visible skip where io_uring cannot be used (old kernel, seccomp,
   * io_uring_disabled, built without liburing) */
  probe = gst_as_send_queue_new_for_thread ();
  if (probe == NULL) {
    g_print ("SKIP: io_uring is not available here\n");
    return 77;
  }
  gst_as_send_queue_free (probe);
  return gst_check_run_suite (sendqueue_suite (), "sendqueue", __FILE__);
}
