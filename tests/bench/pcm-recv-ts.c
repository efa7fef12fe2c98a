/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/*
 * pcm-recv-ts: a loopback TCP receiver that timestamps every arrival, for
 * the pacing benchmark (tests/bench/pacing.py).
 *
 * Listens on 127.0.0.1 (port 0 unless --port), prints the port as the first
 * line of stdout, accepts one connection and, for every recv(), records
 *
 *   t_mono    CLOCK_MONOTONIC right after recv() returned (ns)
 *   t_kernel  the kernel's receive timestamp of the last segment that recv()
 *             consumed (SO_TIMESTAMPNS, CLOCK_REALTIME, ns; 0 if absent)
 *   bytes     cumulative bytes received, including this recv()
 *
 * until EOF, SIGINT/SIGTERM, --max-bytes or --max-seconds (counted from the
 * first byte). The records go to --out as a binary file (layout below) or,
 * with --text, as whitespace-separated text.
 *
 * On loopback the receive timestamp is taken while the sender's send() call
 * is still in the kernel, so it is the send time as the kernel saw it,
 * whether or not this process was scheduled promptly; t_mono includes this
 * process's wake-up latency. The offset between CLOCK_REALTIME and
 * CLOCK_MONOTONIC is sampled at the start and at the end, so t_kernel can be
 * put on the monotonic time line (both clocks are slewed alike; only a step
 * of the wall clock changes the offset, and then the two samples differ).
 *
 * The receive loop does not allocate: the record array is allocated and
 * touched before accept().
 *
 * Binary layout, little-endian (native on the machines this runs on):
 *   header, 64 bytes:
 *     char     magic[8]          "PCMRTS1\0"
 *     uint32   header_size       64
 *     uint32   record_size       24
 *     uint64   n_records
 *     uint64   total_bytes       received, also past the record limit
 *     uint64   lost_records      recv() calls not recorded (array full)
 *     int64    rt_minus_mono_start   ns
 *     int64    rt_minus_mono_end     ns
 *     uint32   recv_size
 *     uint32   flags             bit 0: kernel timestamps enabled
 *   records: { int64 t_mono; int64 t_kernel; uint64 bytes; } x n_records
 */

#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "PCMRTS1"
#define HEADER_SIZE 64
#define DEFAULT_MAX_RECORDS 1000000
#define DEFAULT_RECV_SIZE 65536
#define DEFAULT_ACCEPT_TIMEOUT_S 60

typedef struct
{
  int64_t t_mono;
  int64_t t_kernel;
  uint64_t bytes;
} Record;

typedef struct
{
  const char *out;
  int text;
  int port;
  size_t recv_size;
  uint64_t max_records;
  uint64_t max_bytes;
  double max_seconds;
  int accept_timeout_s;
  int rt_priority;
  int no_kernel_ts;
} Options;

static volatile sig_atomic_t stop_requested;

static void
on_signal (int sig)
{
  (void) sig;
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
 * bracketing reads so the error is well under a microsecond. */
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
      "usage: pcm-recv-ts --out FILE [options]\n"
      "  --out FILE           where to write the records (required)\n"
      "  --text               write text (t_mono t_kernel bytes) instead of "
      "binary\n"
      "  --port N             listen on port N instead of 0 (any)\n"
      "  --recv-size N        bytes per recv() (default %d); the sender's "
      "chunk size\n"
      "                       gives one record per chunk\n"
      "  --max-records N      record array size (default %d)\n"
      "  --max-bytes N        stop after N bytes\n"
      "  --max-seconds S      stop S seconds after the first byte\n"
      "  --accept-timeout S   give up if nobody connects in S seconds "
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
    {"text", no_argument, NULL, 't'},
    {"port", required_argument, NULL, 'p'},
    {"recv-size", required_argument, NULL, 's'},
    {"max-records", required_argument, NULL, 'r'},
    {"max-bytes", required_argument, NULL, 'b'},
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
      case 't':
        o->text = 1;
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
      case 'b':
        o->max_bytes = strtoull (optarg, NULL, 10);
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
  if (o->out == NULL || o->recv_size == 0 || o->max_records == 0) {
    usage (stderr);
    return -1;
  }
  return 0;
}

static int
listen_loopback (int port, int want_kernel_ts)
{
  struct sockaddr_in addr;
  socklen_t len = sizeof (addr);
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0) {
    perror ("socket");
    return -1;
  }
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof (one));
  /* Set before accept(): the accepted socket inherits it, and the kernel
   * starts stamping packets before the first byte can arrive. */
  if (want_kernel_ts &&
      setsockopt (fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof (one)) < 0)
    perror ("setsockopt SO_TIMESTAMPNS");

  memset (&addr, 0, sizeof (addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = htons ((uint16_t) port);
  if (bind (fd, (struct sockaddr *) &addr, sizeof (addr)) < 0 ||
      listen (fd, 1) < 0 ||
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
accept_one (int lfd, int timeout_s)
{
  struct pollfd pfd = { lfd, POLLIN, 0 };
  int r, fd;

  do {
    r = poll (&pfd, 1, timeout_s * 1000);
  } while (r < 0 && errno == EINTR && !stop_requested);
  if (r <= 0) {
    fprintf (stderr, "pcm-recv-ts: nobody connected\n");
    return -1;
  }
  fd = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0)
    perror ("accept");
  return fd;
}

static int
write_binary (const Options * o, const Record * recs, uint64_t n,
    uint64_t total, uint64_t lost, int64_t off0, int64_t off1, int kts)
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
  memcpy (hdr + 24, &total, 8);
  memcpy (hdr + 32, &lost, 8);
  memcpy (hdr + 40, &off0, 8);
  memcpy (hdr + 48, &off1, 8);
  u32 = (uint32_t) o->recv_size;
  memcpy (hdr + 56, &u32, 4);
  u32 = kts ? 1 : 0;
  memcpy (hdr + 60, &u32, 4);

  if (fwrite (hdr, 1, sizeof (hdr), f) != sizeof (hdr) ||
      fwrite (recs, sizeof (Record), n, f) != n) {
    perror (o->out);
    fclose (f);
    return -1;
  }
  return fclose (f);
}

static int
write_text (const Options * o, const Record * recs, uint64_t n,
    uint64_t total, uint64_t lost, int64_t off0, int64_t off1)
{
  FILE *f = fopen (o->out, "w");
  uint64_t i;

  if (f == NULL) {
    perror (o->out);
    return -1;
  }
  fprintf (f, "# pcm-recv-ts records=%llu total_bytes=%llu lost_records=%llu "
      "rt_minus_mono_start=%lld rt_minus_mono_end=%lld\n"
      "# t_mono_ns t_kernel_realtime_ns cumulative_bytes\n",
      (unsigned long long) n, (unsigned long long) total,
      (unsigned long long) lost, (long long) off0, (long long) off1);
  for (i = 0; i < n; i++)
    fprintf (f, "%lld %lld %llu\n", (long long) recs[i].t_mono,
        (long long) recs[i].t_kernel, (unsigned long long) recs[i].bytes);
  return fclose (f);
}

int
main (int argc, char **argv)
{
  Options o;
  struct sigaction sa;
  Record *recs;
  unsigned char *buf;
  union
  {
    char buf[CMSG_SPACE (sizeof (struct timespec)) * 2];
    struct cmsghdr align;
  } control;
  struct timeval rcvtimeo = { 0, 200000 };
  uint64_t n = 0, total = 0, lost = 0;
  int64_t off0, off1, t_first = 0, stop_at = INT64_MAX;
  int lfd, fd, kts;

  if (parse_options (argc, argv, &o) < 0)
    return 2;

  memset (&sa, 0, sizeof (sa));
  sa.sa_handler = on_signal;    /* no SA_RESTART: recv() must return */
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);

  /* Allocate and fault in everything now, so the loop never pages. */
  recs = malloc (o.max_records * sizeof (Record));
  buf = malloc (o.recv_size);
  if (recs == NULL || buf == NULL) {
    fprintf (stderr, "pcm-recv-ts: out of memory\n");
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
  lfd = listen_loopback (o.port, kts);
  if (lfd < 0)
    return 1;
  fd = accept_one (lfd, o.accept_timeout_s);
  close (lfd);
  if (fd < 0)
    return 1;
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &rcvtimeo, sizeof (rcvtimeo));

  off0 = realtime_minus_monotonic ();

  while (!stop_requested) {
    struct iovec iov = { buf, o.recv_size };
    struct msghdr msg;
    struct cmsghdr *cm;
    int64_t t_kernel = 0, t_mono;
    ssize_t r;

    memset (&msg, 0, sizeof (msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof (control.buf);

    r = recvmsg (fd, &msg, 0);
    t_mono = clock_ns (CLOCK_MONOTONIC);
    if (r == 0)
      break;
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        if (t_mono >= stop_at)
          break;
        continue;
      }
      perror ("recv");
      break;
    }

    for (cm = CMSG_FIRSTHDR (&msg); cm != NULL; cm = CMSG_NXTHDR (&msg, cm)) {
      if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
        struct timespec ts;

        memcpy (&ts, CMSG_DATA (cm), sizeof (ts));
        t_kernel = (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
      }
    }

    total += (uint64_t) r;
    if (n < o.max_records) {
      recs[n].t_mono = t_mono;
      recs[n].t_kernel = t_kernel;
      recs[n].bytes = total;
      n++;
    } else {
      lost++;
    }

    if (t_first == 0) {
      t_first = t_mono;
      if (o.max_seconds > 0)
        stop_at = t_first + (int64_t) (o.max_seconds * 1e9);
    }
    if ((o.max_bytes > 0 && total >= o.max_bytes) || t_mono >= stop_at)
      break;
  }
  close (fd);

  off1 = realtime_minus_monotonic ();
  fprintf (stderr, "pcm-recv-ts: %llu records, %llu bytes, %llu unrecorded, "
      "realtime-monotonic drift %lld ns\n", (unsigned long long) n,
      (unsigned long long) total, (unsigned long long) lost,
      (long long) (off1 - off0));

  if (o.text ? write_text (&o, recs, n, total, lost, off0, off1) :
      write_binary (&o, recs, n, total, lost, off0, off1, kts))
    return 1;
  free (recs);
  free (buf);
  return 0;
}
