/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/*
 * pcm-recv-multi: a loopback TCP receiver for many senders at once, for the
 * scale benchmark (tests/bench/scale.py). pcm-recv-ts does the same for one
 * connection; the records mean the same.
 *
 * Listens on 127.0.0.1 (port 0 unless --port), prints the port as the first
 * line of stdout, and accepts up to --connections N connections on it. One
 * thread serves all of them through epoll. For every recvmsg() it records
 *
 *   t_mono    CLOCK_MONOTONIC right after recvmsg() returned (ns)
 *   t_kernel  the kernel's receive timestamp of the last segment the read
 *             consumed (SO_TIMESTAMPNS, CLOCK_REALTIME, ns; 0 if absent)
 *   bytes     cumulative bytes on this connection, including this read
 *   conn      the connection's index, in the order of accept()
 *   len       bytes this read returned
 *
 * Each read takes everything queued (up to --recv-size, default 64 KiB),
 * so that the timestamp, which is the last consumed segment's, belongs to
 * the last byte of the read. TCP merges a segment into the unread one before
 * it and keeps the later timestamp: a read that stopped at a chunk boundary
 * inside such a merged segment would give an earlier chunk a later chunk's
 * time. Reading all that is queued avoids that; a read that completes
 * several chunks gives their common upper bound (see docs/scale.md).
 *
 * When every one of the N connections has delivered its first byte, a line
 * "streaming" goes to stdout. The receiver stops when all N connections
 * have closed, on SIGINT/SIGTERM, or --max-seconds after the first byte,
 * then writes the records to --out. SIGUSR1 writes them at once, prints
 * "written" and goes on reading without recording, so that the senders
 * can be stopped afterwards without seeing their peer go away. The record
 * array is allocated and touched before the first accept(); the loop does
 * not allocate.
 *
 * Binary layout, little-endian:
 *   header, 64 bytes:
 *     char     magic[8]          "PCMRTM1\0"
 *     uint32   header_size       64
 *     uint32   record_size       32
 *     uint64   n_records
 *     uint32   n_conns
 *     uint32   conn_size         48
 *     uint64   lost_records      reads not recorded (array full)
 *     int64    rt_minus_mono_start   ns
 *     int64    rt_minus_mono_end     ns
 *     uint32   flags             bit 0: kernel timestamps enabled
 *     uint32   reserved
 *   connections: { uint32 peer_port; uint32 reserved; uint64 total_bytes;
 *                  int64 t_accept; int64 t_first; int64 t_close;
 *                  uint64 n_reads; } x n_conns      (t_* CLOCK_MONOTONIC)
 *   records: { int64 t_mono; int64 t_kernel; uint64 bytes; uint32 conn;
 *              uint32 len; } x n_records, in the order of the reads
 */

#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "PCMRTM1"
#define HEADER_SIZE 64
#define DEFAULT_RECV_SIZE 65536
#define DEFAULT_MAX_RECORDS 4000000
#define DEFAULT_ACCEPT_TIMEOUT_S 60
#define MAX_EVENTS 256
/* The listening socket's epoll tag: connection indexes are below it. */
#define LISTEN_TAG UINT32_MAX
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

typedef struct
{
  int64_t t_mono;
  int64_t t_kernel;
  uint64_t bytes;
  uint32_t conn;
  uint32_t len;
} Record;

typedef struct
{
  uint32_t peer_port;
  uint32_t reserved;
  uint64_t total_bytes;
  int64_t t_accept;
  int64_t t_first;
  int64_t t_close;
  uint64_t n_reads;
} Conn;

typedef struct
{
  const char *out;
  int port;
  unsigned n_conns;
  size_t recv_size;
  uint64_t max_records;
  double max_seconds;
  int accept_timeout_s;
  int rt_priority;
  int no_kernel_ts;
} Options;

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t write_requested;

static void
on_signal (int sig)
{
  if (sig == SIGUSR1)
    write_requested = 1;
  else
    stop_requested = 1;
}

static int64_t
clock_ns (clockid_t id)
{
  struct timespec ts;

  clock_gettime (id, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CLOCK_REALTIME minus CLOCK_MONOTONIC, from the tightest of a few
 * bracketing reads. */
static int64_t
realtime_minus_monotonic (void)
{
  int64_t best_offset = 0, best_width = INT64_MAX;
  int i;

  for (i = 0; i < 16; i++) {
    int64_t m0 = clock_ns (CLOCK_MONOTONIC);
    int64_t r = clock_ns (CLOCK_REALTIME);
    int64_t m1 = clock_ns (CLOCK_MONOTONIC);

    if (m1 - m0 < best_width) {
      best_width = m1 - m0;
      best_offset = r - (m0 + (m1 - m0) / 2);
    }
  }
  return best_offset;
}

static void
usage (FILE * f)
{
  fprintf (f,
      "usage: pcm-recv-multi --out FILE --connections N [options]\n"
      "  --out FILE           where to write the records (required)\n"
      "  --connections N      senders to accept (required)\n"
      "  --port N             listen on port N instead of 0 (any)\n"
      "  --recv-size N        most bytes per read (default %d)\n"
      "  --max-records N      record array size, all connections (default "
      "%d)\n"
      "  --max-seconds S      stop S seconds after the first byte\n"
      "  --accept-timeout S   give up if not all N connect in S seconds "
      "(default %d)\n"
      "  --rt-priority N      run the receiver SCHED_FIFO at priority N\n"
      "  --no-kernel-ts       do not ask for kernel receive timestamps\n",
      DEFAULT_RECV_SIZE, DEFAULT_MAX_RECORDS, DEFAULT_ACCEPT_TIMEOUT_S);
}

static int
parse_options (int argc, char **argv, Options * o)
{
  static const struct option longopts[] = {
    {"out", required_argument, NULL, 'o'},
    {"connections", required_argument, NULL, 'n'},
    {"port", required_argument, NULL, 'p'},
    {"recv-size", required_argument, NULL, 's'},
    {"max-records", required_argument, NULL, 'r'},
    {"max-seconds", required_argument, NULL, 'd'},
    {"accept-timeout", required_argument, NULL, 'a'},
    {"rt-priority", required_argument, NULL, 'P'},
    {"no-kernel-ts", no_argument, NULL, 'K'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
  };
  int c;

  memset (o, 0, sizeof (*o));
  o->recv_size = DEFAULT_RECV_SIZE;
  o->max_records = DEFAULT_MAX_RECORDS;
  o->accept_timeout_s = DEFAULT_ACCEPT_TIMEOUT_S;

  while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
      case 'o':
        o->out = optarg;
        break;
      case 'n':
        o->n_conns = (unsigned) strtoul (optarg, NULL, 10);
        break;
      case 'p':
        o->port = atoi (optarg);
        break;
      case 's':
        o->recv_size = strtoul (optarg, NULL, 10);
        break;
      case 'r':
        o->max_records = strtoull (optarg, NULL, 10);
        break;
      case 'd':
        o->max_seconds = strtod (optarg, NULL);
        break;
      case 'a':
        o->accept_timeout_s = atoi (optarg);
        break;
      case 'P':
        o->rt_priority = atoi (optarg);
        break;
      case 'K':
        o->no_kernel_ts = 1;
        break;
      case 'h':
        usage (stdout);
        exit (0);
      default:
        usage (stderr);
        return -1;
    }
  }
  if (o->out == NULL || o->n_conns == 0 || o->recv_size == 0 ||
      o->max_records == 0) {
    usage (stderr);
    return -1;
  }
  return 0;
}

static int
listen_loopback (int port, int want_kernel_ts, unsigned backlog)
{
  struct sockaddr_in addr;
  socklen_t len = sizeof (addr);
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

  if (fd < 0) {
    perror ("socket");
    return -1;
  }
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof (one));
  /* Set before accept(): accepted sockets inherit it, and the kernel stamps
   * segments before the first byte can be read. */
  if (want_kernel_ts &&
      setsockopt (fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof (one)) < 0)
    perror ("setsockopt SO_TIMESTAMPNS");

  memset (&addr, 0, sizeof (addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = htons ((uint16_t) port);
  if (bind (fd, (struct sockaddr *) &addr, sizeof (addr)) < 0 ||
      listen (fd, (int) backlog) < 0 ||
      getsockname (fd, (struct sockaddr *) &addr, &len) < 0) {
    perror ("bind/listen");
    close (fd);
    return -1;
  }
  printf ("%d\n", ntohs (addr.sin_port));
  fflush (stdout);
  return fd;
}

static int
epoll_add (int ep, int fd, uint32_t tag)
{
  struct epoll_event ev;

  memset (&ev, 0, sizeof (ev));
  ev.events = EPOLLIN;
  ev.data.u32 = tag;
  if (epoll_ctl (ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
    perror ("epoll_ctl");
    return -1;
  }
  return 0;
}

/* Accepts whatever is pending, up to the connection limit. Returns the
 * number of connections accepted so far. */
static unsigned
accept_pending (int lfd, int ep, int *fds, Conn * conns, unsigned accepted,
    unsigned limit)
{
  while (accepted < limit) {
    struct sockaddr_in peer;
    socklen_t plen = sizeof (peer);
    int fd = accept4 (lfd, (struct sockaddr *) &peer, &plen,
        SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (fd < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        perror ("accept");
      break;
    }
    if (epoll_add (ep, fd, accepted) < 0) {
      close (fd);
      break;
    }
    fds[accepted] = fd;
    conns[accepted].peer_port = ntohs (peer.sin_port);
    conns[accepted].t_accept = clock_ns (CLOCK_MONOTONIC);
    accepted++;
  }
  return accepted;
}

static int64_t
kernel_timestamp (struct msghdr *msg)
{
  struct cmsghdr *cm;
  int64_t t = 0;

  for (cm = CMSG_FIRSTHDR (msg); cm != NULL; cm = CMSG_NXTHDR (msg, cm)) {
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;

      memcpy (&ts, CMSG_DATA (cm), sizeof (ts));
      t = (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
  }
  return t;
}

static int
write_binary (const Options * o, const Conn * conns, uint32_t n_conns,
    const Record * recs, uint64_t n, uint64_t lost, int64_t off0,
    int64_t off1, int kts)
{
  unsigned char hdr[HEADER_SIZE];
  uint32_t u32;
  FILE *f = fopen (o->out, "wb");

  if (f == NULL) {
    perror (o->out);
    return -1;
  }
  memset (hdr, 0, sizeof (hdr));
  memcpy (hdr, MAGIC, sizeof (MAGIC));
  u32 = HEADER_SIZE;
  memcpy (hdr + 8, &u32, 4);
  u32 = sizeof (Record);
  memcpy (hdr + 12, &u32, 4);
  memcpy (hdr + 16, &n, 8);
  memcpy (hdr + 24, &n_conns, 4);
  u32 = sizeof (Conn);
  memcpy (hdr + 28, &u32, 4);
  memcpy (hdr + 32, &lost, 8);
  memcpy (hdr + 40, &off0, 8);
  memcpy (hdr + 48, &off1, 8);
  u32 = kts ? 1 : 0;
  memcpy (hdr + 56, &u32, 4);

  if (fwrite (hdr, 1, sizeof (hdr), f) != sizeof (hdr) ||
      fwrite (conns, sizeof (Conn), n_conns, f) != n_conns ||
      fwrite (recs, sizeof (Record), n, f) != n) {
    perror (o->out);
    fclose (f);
    return -1;
  }
  return fclose (f);
}

int
main (int argc, char **argv)
{
  Options o;
  struct sigaction sa;
  struct epoll_event events[MAX_EVENTS];
  Record *recs;
  Conn *conns;
  int *fds;
  unsigned char *buf;
  union
  {
    char buf[CMSG_SPACE (sizeof (struct timespec)) * 2];
    struct cmsghdr align;
  } control;
  uint64_t n = 0, lost = 0;
  int recording = 1;
  unsigned accepted = 0, open_conns = 0, started = 0, i;
  int64_t off0, off1, t_first = 0, stop_at = INT64_MAX, accept_deadline;
  int lfd, ep, kts;

  if (parse_options (argc, argv, &o) < 0)
    return 2;

  memset (&sa, 0, sizeof (sa));
  sa.sa_handler = on_signal;    /* no SA_RESTART: epoll_wait() must return */
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGUSR1, &sa, NULL);

  /* Allocate and fault in everything now, so the loop never pages. */
  recs = malloc (o.max_records * sizeof (Record));
  conns = calloc (o.n_conns, sizeof (Conn));
  fds = malloc (o.n_conns * sizeof (int));
  buf = malloc (o.recv_size);
  if (recs == NULL || conns == NULL || fds == NULL || buf == NULL) {
    fprintf (stderr, "pcm-recv-multi: out of memory\n");
    return 1;
  }
  memset (recs, 0, o.max_records * sizeof (Record));
  memset (buf, 0, o.recv_size);
  mlockall (MCL_CURRENT);       /* best effort: works as root */

  if (o.rt_priority > 0) {
    struct sched_param sp = { 0 };

    sp.sched_priority = o.rt_priority;
    if (sched_setscheduler (0, SCHED_FIFO, &sp) < 0)
      perror ("sched_setscheduler");
  }

  kts = !o.no_kernel_ts;
  lfd = listen_loopback (o.port, kts, o.n_conns + 16);
  if (lfd < 0)
    return 1;
  ep = epoll_create1 (EPOLL_CLOEXEC);
  if (ep < 0 || epoll_add (ep, lfd, LISTEN_TAG) < 0)
    return 1;

  off0 = realtime_minus_monotonic ();
  accept_deadline = clock_ns (CLOCK_MONOTONIC) +
      (int64_t) o.accept_timeout_s * 1000000000;

  while (!stop_requested) {
    int ready = epoll_wait (ep, events, MAX_EVENTS, 200);
    int64_t now = clock_ns (CLOCK_MONOTONIC);

    if (ready < 0 && errno != EINTR) {
      perror ("epoll_wait");
      break;
    }
    for (i = 0; i < (unsigned) MAX (ready, 0); i++) {
      uint32_t c = events[i].data.u32;
      struct iovec iov = { buf, o.recv_size };
      struct msghdr msg;
      int64_t t_mono;
      ssize_t r;

      if (c == LISTEN_TAG) {
        unsigned before = accepted;

        accepted = accept_pending (lfd, ep, fds, conns, accepted, o.n_conns);
        open_conns += accepted - before;
        if (accepted == o.n_conns) {
          epoll_ctl (ep, EPOLL_CTL_DEL, lfd, NULL);
          close (lfd);
          lfd = -1;
        }
        continue;
      }

      memset (&msg, 0, sizeof (msg));
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof (control.buf);
      r = recvmsg (fds[c], &msg, MSG_DONTWAIT);
      t_mono = clock_ns (CLOCK_MONOTONIC);
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
              errno == EINTR))
        continue;
      if (r <= 0) {
        /* EOF, or a reset when a sender stops without shutting down */
        epoll_ctl (ep, EPOLL_CTL_DEL, fds[c], NULL);
        close (fds[c]);
        fds[c] = -1;
        conns[c].t_close = t_mono;
        open_conns--;
        continue;
      }

      if (!recording)
        continue;
      conns[c].total_bytes += (uint64_t) r;
      conns[c].n_reads++;
      if (n < o.max_records) {
        recs[n].t_mono = t_mono;
        recs[n].t_kernel = kernel_timestamp (&msg);
        recs[n].bytes = conns[c].total_bytes;
        recs[n].conn = c;
        recs[n].len = (uint32_t) r;
        n++;
      } else {
        lost++;
      }
      if (conns[c].t_first == 0) {
        conns[c].t_first = t_mono;
        if (++started == o.n_conns) {
          printf ("streaming\n");
          fflush (stdout);
        }
      }
      if (t_first == 0) {
        t_first = t_mono;
        if (o.max_seconds > 0)
          stop_at = t_first + (int64_t) (o.max_seconds * 1e9);
      }
    }

    if (write_requested && recording) {
      recording = 0;
      off1 = realtime_minus_monotonic ();
      if (write_binary (&o, conns, accepted, recs, n, lost, off0, off1, kts))
        return 1;
      printf ("written\n");
      fflush (stdout);
    }
    if (accepted == o.n_conns && open_conns == 0)
      break;
    if (now >= stop_at)
      break;
    if (accepted < o.n_conns && now >= accept_deadline) {
      fprintf (stderr, "pcm-recv-multi: only %u of %u senders connected\n",
          accepted, o.n_conns);
      break;
    }
  }
  if (lfd >= 0)
    close (lfd);
  for (i = 0; i < accepted; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  close (ep);

  if (recording) {
    off1 = realtime_minus_monotonic ();
    if (write_binary (&o, conns, accepted, recs, n, lost, off0, off1, kts))
      return 1;
  }
  fprintf (stderr, "pcm-recv-multi: %u connections, %llu records, "
      "%llu unrecorded, realtime-monotonic drift %lld ns\n", accepted,
      (unsigned long long) n, (unsigned long long) lost,
      (long long) (off1 - off0));
  free (recs);
  free (conns);
  free (fds);
  free (buf);
  return 0;
}
