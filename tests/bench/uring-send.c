/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/*
 * uring-send: what one sending thread pays per chunk to send one chunk to
 * each of N TCP connections every period, with N non-blocking send() calls
 * against one io_uring submission of N IORING_OP_SEND entries
 * (docs/scale.md, "io_uring").
 *
 *   uring-send [--streams N] [--seconds S] [--rounds R] [--chunk BYTES]
 *              [--period-ms MS] [--uring-flags LIST]
 *
 * N connections over loopback to a reader in another process (fork; one
 * epoll loop that reads and discards everything). One sender thread wakes
 * on a timerfd every period and sends a chunk to each of the N sockets,
 * either
 *
 *   send     N send(MSG_DONTWAIT) calls; what a socket does not take is
 *            sent on the next tick before the new chunk (never happens on
 *            a loopback whose reader keeps up, but counted), or
 *   uring    N IORING_OP_SEND entries (MSG_DONTWAIT) in one
 *            io_uring_submit(), then the N completions reaped from the
 *            ring; -EAGAIN or a short send leaves the rest pending for a
 *            plain send() on the next tick, as above.
 *
 * The modes alternate, S seconds each, R rounds of both, in the same run.
 * Per round: the sender thread's CPU (getrusage(RUSAGE_THREAD), user +
 * system) and the whole sender process's (RUSAGE_SELF: io_uring's io-wq
 * workers, if any, are threads of this process), both divided by the
 * chunks sent, in microseconds; the system calls the thread made per tick
 * are known by construction (N + 1 against 2 + 1 with the timerfd read).
 *
 * --uring-flags takes a comma-separated list of: fixed (register the N
 * sockets, IOSQE_FIXED_FILE), single (IORING_SETUP_SINGLE_ISSUER), defer
 * (IORING_SETUP_DEFER_TASKRUN, implies single), coop
 * (IORING_SETUP_COOP_TASKRUN). Without liburing the program measures the
 * send mode only and says so.
 */

#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

typedef struct
{
  unsigned n;
  double seconds;
  unsigned rounds;
  size_t chunk;
  unsigned period_ms;
  const char *uring_flags;
} Options;

typedef struct
{
  int fd;
  size_t pending;               /* bytes of the last chunk not yet sent */
} Stream;

typedef enum
{
  MODE_SEND,
  MODE_URING,
} Mode;

typedef struct
{
  const Options *o;
  Stream *streams;
  unsigned char *buf;
  Mode mode;
#ifdef HAVE_LIBURING
  struct io_uring ring;
  int ring_ok;
  int fixed;
#endif
  /* results of one round */
  uint64_t chunks;
  uint64_t partial;             /* chunks that needed a second try */
  uint64_t ticks;
  double thread_cpu_us;
  double process_cpu_us;
  char error[256];
} Sender;

static int64_t
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double
rusage_us (int who)
{
  struct rusage ru;

  getrusage (who, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
      ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* Sends what is left of a stream's last chunk; returns 0 when it is all
 * out (or the socket would block), -1 on an error. */
static int
send_rest (Sender * s, Stream * st)
{
  while (st->pending > 0) {
    ssize_t r = send (st->fd, s->buf + (s->o->chunk - st->pending),
        st->pending, MSG_DONTWAIT | MSG_NOSIGNAL);

    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
      if (errno == EINTR)
        continue;
      snprintf (s->error, sizeof (s->error), "send: %s", strerror (errno));
      return -1;
    }
    st->pending -= (size_t) r;
    if (st->pending == 0)
      s->chunks++;
  }
  return 0;
}

/* The previous chunk first: a stream never has two in flight. Returns 1
 * when a new chunk may go, 0 when the socket is still full, -1 on an
 * error. */
static int
finish_previous (Sender * s, Stream * st)
{
  if (st->pending == 0)
    return 1;
  s->partial++;
  if (send_rest (s, st) < 0)
    return -1;
  return st->pending == 0;
}

static int
tick_send (Sender * s)
{
  unsigned i;
  int r;

  for (i = 0; i < s->o->n; i++) {
    Stream *st = &s->streams[i];

    r = finish_previous (s, st);
    if (r < 0)
      return -1;
    if (r == 0)
      continue;
    st->pending = s->o->chunk;
    if (send_rest (s, st) < 0)
      return -1;
  }
  return 0;
}

#ifdef HAVE_LIBURING
static int
tick_uring (Sender * s)
{
  struct io_uring_cqe *cqe;
  unsigned i, queued = 0, seen = 0, head;
  int r;

  for (i = 0; i < s->o->n; i++) {
    Stream *st = &s->streams[i];
    struct io_uring_sqe *sqe;

    r = finish_previous (s, st);
    if (r < 0)
      return -1;
    if (r == 0)
      continue;
    sqe = io_uring_get_sqe (&s->ring);
    if (sqe == NULL) {
      snprintf (s->error, sizeof (s->error), "submission queue full");
      return -1;
    }
    io_uring_prep_send (sqe, s->fixed ? (int) i : st->fd, s->buf,
        s->o->chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (s->fixed)
      sqe->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64 (sqe, i);
    st->pending = s->o->chunk;
    queued++;
  }
  if (queued == 0)
    return 0;
  /* MSG_DONTWAIT sends complete inline, during the submission; waiting
   * for all of them costs no extra system call when they are there. */
  r = io_uring_submit_and_wait (&s->ring, queued);
  if (r < 0) {
    snprintf (s->error, sizeof (s->error), "io_uring_submit: %s",
        strerror (-r));
    return -1;
  }
  while (seen < queued) {
    io_uring_for_each_cqe (&s->ring, head, cqe) {
      Stream *st = &s->streams[cqe->user_data];

      seen++;
      if (cqe->res >= 0) {
        st->pending -= (size_t) cqe->res;
        if (st->pending == 0)
          s->chunks++;
      } else if (cqe->res != -EAGAIN) {
        snprintf (s->error, sizeof (s->error), "IORING_OP_SEND: %s",
            strerror (-cqe->res));
        return -1;
      }
    }
    io_uring_cq_advance (&s->ring, seen);
    if (seen < queued) {
      r = io_uring_wait_cqe_nr (&s->ring, &cqe, queued - seen);
      if (r < 0) {
        snprintf (s->error, sizeof (s->error), "io_uring_wait_cqe: %s",
            strerror (-r));
        return -1;
      }
    }
  }
  return 0;
}

static int
uring_setup (Sender * s)
{
  struct io_uring_params p;
  const char *f = s->o->uring_flags ? s->o->uring_flags : "";
  int r, i;

  memset (&p, 0, sizeof (p));
  if (strstr (f, "single"))
    p.flags |= IORING_SETUP_SINGLE_ISSUER;
  if (strstr (f, "defer"))
    p.flags |= IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER;
  if (strstr (f, "coop"))
    p.flags |= IORING_SETUP_COOP_TASKRUN;
  r = io_uring_queue_init_params (s->o->n * 2, &s->ring, &p);
  if (r < 0) {
    snprintf (s->error, sizeof (s->error), "io_uring_queue_init: %s",
        strerror (-r));
    return -1;
  }
  if (strstr (f, "fixed")) {
    int *fds = malloc (sizeof (int) * s->o->n);

    for (i = 0; i < (int) s->o->n; i++)
      fds[i] = s->streams[i].fd;
    r = io_uring_register_files (&s->ring, fds, s->o->n);
    free (fds);
    if (r < 0) {
      snprintf (s->error, sizeof (s->error), "io_uring_register_files: %s",
          strerror (-r));
      return -1;
    }
    s->fixed = 1;
  }
  s->ring_ok = 1;
  return 0;
}
#endif

/* One round: S seconds of one mode on this thread. */
static void *
sender_round (void *data)
{
  Sender *s = data;
  struct itimerspec its;
  int64_t end;
  double t0, p0;
  uint64_t expirations;
  int tfd;

  s->chunks = s->partial = s->ticks = 0;
#ifdef HAVE_LIBURING
  /* SINGLE_ISSUER ties the ring to the thread that made it. */
  if (s->mode == MODE_URING && !s->ring_ok && uring_setup (s) < 0)
    return NULL;
#endif
  tfd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC);
  memset (&its, 0, sizeof (its));
  its.it_value.tv_nsec = 1;
  its.it_interval.tv_sec = s->o->period_ms / 1000;
  its.it_interval.tv_nsec = (long) (s->o->period_ms % 1000) * 1000000;
  timerfd_settime (tfd, 0, &its, NULL);

  t0 = rusage_us (RUSAGE_THREAD);
  p0 = rusage_us (RUSAGE_SELF);
  end = now_ns () + (int64_t) (s->o->seconds * 1e9);
  while (now_ns () < end) {
    int r;

    if (read (tfd, &expirations, sizeof (expirations)) < 0)
      break;
    s->ticks++;
#ifdef HAVE_LIBURING
    r = s->mode == MODE_URING ? tick_uring (s) : tick_send (s);
#else
    r = tick_send (s);
#endif
    if (r < 0)
      break;
  }
  s->thread_cpu_us = rusage_us (RUSAGE_THREAD) - t0;
  s->process_cpu_us = rusage_us (RUSAGE_SELF) - p0;
  close (tfd);
#ifdef HAVE_LIBURING
  /* a ring per round, made and dropped on the sending thread */
  if (s->ring_ok) {
    io_uring_queue_exit (&s->ring);
    s->ring_ok = 0;
    s->fixed = 0;
  }
#endif
  return NULL;
}

/* The reader: another process, one epoll loop, reads and discards. */
static void
reader_loop (int *fds, unsigned n)
{
  struct epoll_event ev, events[256];
  static unsigned char buf[1 << 16];
  unsigned i, open_conns = n;
  unsigned long long total = 0;
  int ep = epoll_create1 (EPOLL_CLOEXEC);

  for (i = 0; i < n; i++) {
    memset (&ev, 0, sizeof (ev));
    ev.events = EPOLLIN;
    ev.data.u32 = i;
    epoll_ctl (ep, EPOLL_CTL_ADD, fds[i], &ev);
  }
  while (open_conns > 0) {
    int k, ready = epoll_wait (ep, events, 256, -1);

    for (k = 0; k < ready; k++) {
      int fd = fds[events[k].data.u32];
      ssize_t r = recv (fd, buf, sizeof (buf), MSG_DONTWAIT);

      if (r > 0)
        total += (unsigned long long) r;
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
        epoll_ctl (ep, EPOLL_CTL_DEL, fd, NULL);
        close (fd);
        open_conns--;
      }
    }
  }
  printf ("reader: %llu bytes received\n", total);
  fflush (stdout);
  _exit (0);
}

static int
connect_all (const Options * o, int *send_fds, int *recv_fds)
{
  struct sockaddr_in addr;
  socklen_t len = sizeof (addr);
  unsigned i;
  int one = 1;
  int lfd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  memset (&addr, 0, sizeof (addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (lfd < 0 || bind (lfd, (struct sockaddr *) &addr, sizeof (addr)) < 0 ||
      listen (lfd, (int) o->n + 16) < 0 ||
      getsockname (lfd, (struct sockaddr *) &addr, &len) < 0) {
    perror ("listen");
    return -1;
  }
  for (i = 0; i < o->n; i++) {
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof (addr)) < 0) {
      perror ("connect");
      return -1;
    }
    /* as audiostreamsink does */
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof (one));
    send_fds[i] = fd;
    recv_fds[i] = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (recv_fds[i] < 0) {
      perror ("accept");
      return -1;
    }
  }
  close (lfd);
  return 0;
}

static void
usage (FILE * f)
{
  fprintf (f,
      "usage: uring-send [--streams N] [--seconds S] [--rounds R]\n"
      "                  [--chunk BYTES] [--period-ms MS]\n"
      "                  [--uring-flags fixed,single,defer,coop]\n");
}

int
main (int argc, char **argv)
{
  static const struct option longopts[] = {
    {"streams", required_argument, NULL, 'n'},
    {"seconds", required_argument, NULL, 's'},
    {"rounds", required_argument, NULL, 'r'},
    {"chunk", required_argument, NULL, 'c'},
    {"period-ms", required_argument, NULL, 'p'},
    {"uring-flags", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
  };
  Options o = { 50, 4.0, 3, 1920, 10, NULL };
  Sender s;
  int *send_fds, *recv_fds;
  unsigned i, round;
  unsigned long long sent = 0;
  pid_t reader;
  int c, n_modes = 1;

  while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
      case 'n':
        o.n = (unsigned) strtoul (optarg, NULL, 10);
        break;
      case 's':
        o.seconds = strtod (optarg, NULL);
        break;
      case 'r':
        o.rounds = (unsigned) strtoul (optarg, NULL, 10);
        break;
      case 'c':
        o.chunk = strtoul (optarg, NULL, 10);
        break;
      case 'p':
        o.period_ms = (unsigned) strtoul (optarg, NULL, 10);
        break;
      case 'f':
        o.uring_flags = optarg;
        break;
      case 'h':
        usage (stdout);
        return 0;
      default:
        usage (stderr);
        return 2;
    }
  }
  if (o.n == 0 || o.chunk == 0 || o.period_ms == 0 || o.seconds <= 0) {
    usage (stderr);
    return 2;
  }
  signal (SIGPIPE, SIG_IGN);

  send_fds = calloc (o.n, sizeof (int));
  recv_fds = calloc (o.n, sizeof (int));
  if (connect_all (&o, send_fds, recv_fds) < 0)
    return 1;
  reader = fork ();
  if (reader == 0) {
    for (i = 0; i < o.n; i++)
      close (send_fds[i]);
    reader_loop (recv_fds, o.n);
  }
  for (i = 0; i < o.n; i++)
    close (recv_fds[i]);

  memset (&s, 0, sizeof (s));
  s.o = &o;
  s.streams = calloc (o.n, sizeof (Stream));
  s.buf = malloc (o.chunk);
  memset (s.buf, 0x5a, o.chunk);
  for (i = 0; i < o.n; i++)
    s.streams[i].fd = send_fds[i];

#ifdef HAVE_LIBURING
  n_modes = 2;
#else
  printf ("built without liburing: the send mode only\n");
#endif
  printf ("streams %u, chunk %zu bytes every %u ms, %.1f s per round, "
      "uring flags '%s'\n", o.n, o.chunk, o.period_ms, o.seconds,
      o.uring_flags ? o.uring_flags : "");
  printf ("%-6s %5s %9s %8s %14s %15s\n", "mode", "round", "chunks",
      "partial", "thread us/chk", "process us/chk");
  for (round = 0; round < o.rounds; round++) {
    int m;

    for (m = 0; m < n_modes; m++) {
      pthread_t thread;

      /* alternate which mode goes first, so that neither always follows
       * the other */
      s.mode = (Mode) ((m + round) % n_modes);
      s.error[0] = '\0';
      pthread_create (&thread, NULL, sender_round, &s);
      pthread_join (thread, NULL);
      if (s.error[0] != '\0') {
        fprintf (stderr, "uring-send: %s: %s\n",
            s.mode == MODE_URING ? "uring" : "send", s.error);
        kill (reader, SIGKILL);
        return 1;
      }
      printf ("%-6s %5u %9llu %8llu %14.2f %15.2f\n",
          s.mode == MODE_URING ? "uring" : "send", round + 1,
          (unsigned long long) s.chunks, (unsigned long long) s.partial,
          s.chunks ? s.thread_cpu_us / s.chunks : 0.0,
          s.chunks ? s.process_cpu_us / s.chunks : 0.0);
      fflush (stdout);
      sent += s.chunks * o.chunk;
      /* a chunk left half sent at the end of a round is dropped: count
       * what of it went out */
      for (i = 0; i < o.n; i++) {
        if (s.streams[i].pending > 0)
          sent += o.chunk - s.streams[i].pending;
        s.streams[i].pending = 0;
      }
    }
  }
  for (i = 0; i < o.n; i++)
    close (send_fds[i]);
  waitpid (reader, NULL, 0);
  printf ("sender: %llu bytes sent\n", sent);
  free (s.streams);
  free (s.buf);
  free (send_fds);
  free (recv_fds);
  return 0;
}
