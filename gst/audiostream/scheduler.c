/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:scheduler
 *
 * The sending threads of a process (one per core), each with its share of
 * the streams. Each stream is an entry
 * with a deadline (monotonic ns) in a binary heap. The thread sleeps on an
 * epoll set until the earliest deadline (a timerfd armed at it), a wake
 * (an eventfd) or a watched socket, wakes once, and runs every entry due
 * within the batching window: a chunk due 80 us from now goes out with the
 * one due now. Streams on the system clock start on a common grid
 * (netsender.c), so the streams of a group share one deadline and 250
 * streams of 10 ms chunks cost a few hundred wake-ups a second instead of
 * 25 000. Each stream computes its own next deadline from its own
 * schedule, so batching moves single sends by at most the window and never
 * the rate.
 *
 * The run functions never block (non-blocking sends; a socket that takes
 * nothing is watched for EPOLLOUT and its backlog stays in its ring), so a
 * slow peer cannot delay the others. Anything that blocks (DNS, connect,
 * a TLS handshake, the EOS drain) runs elsewhere (netsender.c).
 *
 * Threads and locks: @lock guards the heap, the entries' fields, the id
 * table and the sleeping state; it is never held while a run function
 * runs. gst_as_scheduler_leave() returns only once the entry's run
 * function is not running and will never run again, so that its owner
 * may free it. Lock order: an owner's locks, then @lock.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "scheduler.h"
#include "sendqueue.h"
#include "sockopts.h"
#include "tuning.h"

#include <gst/gst.h>
#include <gio/gio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>

GST_DEBUG_CATEGORY_STATIC (scheduler_debug);
#define GST_CAT_DEFAULT scheduler_debug

/* Timer slack of the thread: wake-ups as close to the deadline as the
 * kernel can make them (the default is 50 us). */
#define TIMER_SLACK_NS 1000
#define MAX_EVENTS 64
#define TOKEN_WAKE G_MAXUINT64
#define TOKEN_TIMER (G_MAXUINT64 - 1)
#define NOWHERE G_MAXUINT
#define TIMER_EXPIRED G_MININT64

struct _GstAsScheduler
{
  GMutex lock;
  GCond cond;                   /* a run function returned */
  gint64 window;

  GstAsSchedEntry **heap;
  guint n_heap;
  guint heap_size;
  GPtrArray *batch;             /* due entries being run; NULL: left */
  GstAsSchedEntry *running;
  gboolean running_left;        /* it left from its own run function */
  GThread *dispatcher;          /* the thread in dispatch_locked() */
  guint leave_waiters;          /* leave() calls waiting on @cond */
  GHashTable *by_id;            /* id -> entry, for socket events */
  guint64 next_id;
  guint n_entries;

  gboolean threaded;
  GThread *thread;
  gboolean quit;
  gint epfd;
  gint timerfd;
  gint eventfd;
  gint64 armed;                 /* the timerfd's deadline */
  gboolean sleeping;
  gboolean signalled;           /* eventfd written, not read yet */
  guint64 wakeups;
  GstAsSendQueue *sendq;        /* the thread's batched sends, or NULL */

  GstAsSchedulerNowFunc now;
  gpointer now_data;

  gboolean priority_tried;
  gboolean priority_raised;
  gchar *priority_how;
  gchar *priority_error;
};

static void
init_debug (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (scheduler_debug, "audiostream-scheduler", 0,
        "the process's sending scheduler");
    g_once_init_leave (&done, 1);
  }
}

static gint64
monotonic_ns (gpointer user_data)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * GST_SECOND + ts.tv_nsec;
}

/* ------------------------------------------------------------------------ */
/* The heap: the earliest deadline on top. Called with the lock held.       */

static void
heap_set (GstAsScheduler * sched, guint i, GstAsSchedEntry * e)
{
  sched->heap[i] = e;
  e->heap_index = i;
}

static void
sift_up (GstAsScheduler * sched, guint i)
{
  GstAsSchedEntry *e = sched->heap[i];

  while (i > 0) {
    guint parent = (i - 1) / 2;

    if (sched->heap[parent]->deadline <= e->deadline)
      break;
    heap_set (sched, i, sched->heap[parent]);
    i = parent;
  }
  heap_set (sched, i, e);
}

static void
sift_down (GstAsScheduler * sched, guint i)
{
  GstAsSchedEntry *e = sched->heap[i];

  for (;;) {
    guint child = 2 * i + 1;

    if (child >= sched->n_heap)
      break;
    if (child + 1 < sched->n_heap &&
        sched->heap[child + 1]->deadline < sched->heap[child]->deadline)
      child++;
    if (e->deadline <= sched->heap[child]->deadline)
      break;
    heap_set (sched, i, sched->heap[child]);
    i = child;
  }
  heap_set (sched, i, e);
}

static void
heap_push (GstAsScheduler * sched, GstAsSchedEntry * e)
{
  if (sched->n_heap == sched->heap_size) {
    sched->heap_size = MAX (16, sched->heap_size * 2);
    sched->heap = g_renew (GstAsSchedEntry *, sched->heap, sched->heap_size);
  }
  heap_set (sched, sched->n_heap++, e);
  sift_up (sched, e->heap_index);
}

static void
heap_remove (GstAsScheduler * sched, GstAsSchedEntry * e)
{
  guint i = e->heap_index;
  GstAsSchedEntry *last;

  e->heap_index = NOWHERE;
  last = sched->heap[--sched->n_heap];
  if (i == sched->n_heap)
    return;
  heap_set (sched, i, last);
  sift_down (sched, i);
  sift_up (sched, last->heap_index);
}

/* A new deadline for an entry in the heap */
static void
heap_update (GstAsScheduler * sched, GstAsSchedEntry * e, gint64 deadline)
{
  e->deadline = deadline;
  sift_down (sched, e->heap_index);
  sift_up (sched, e->heap_index);
}

static gint64
earliest (GstAsScheduler * sched)
{
  return sched->n_heap > 0 ? sched->heap[0]->deadline : GST_AS_SCHED_NEVER;
}

/* ------------------------------------------------------------------------ */

/* Makes a sleeping thread look again when @deadline is earlier than the
 * one it sleeps until. Called with the lock held. */
static void
notify (GstAsScheduler * sched, gint64 deadline)
{
  guint64 one = 1;

  if (!sched->threaded || !sched->sleeping || sched->signalled ||
      deadline >= sched->armed)
    return;
  sched->signalled = TRUE;
  if (write (sched->eventfd, &one, sizeof (one)) != sizeof (one))
    GST_WARNING ("eventfd write: %s", g_strerror (errno));
}

static void
watch_fd (GstAsScheduler * sched, gint op, gint fd, guint64 id, guint events)
{
  struct epoll_event ev = { 0 };

  if (events & GST_AS_SCHED_READABLE)
    ev.events |= EPOLLIN | EPOLLRDHUP;
  if (events & GST_AS_SCHED_WRITABLE)
    ev.events |= EPOLLOUT;
  ev.data.u64 = id;
  if (epoll_ctl (sched->epfd, op, fd, &ev) != 0)
    GST_WARNING ("epoll_ctl %d on fd %d: %s", op, fd, g_strerror (errno));
}

/* Puts the batch in join order and gives each entry its index. In place:
 * GLib's and libc's sorts allocate a scratch array past 1 KiB (128
 * entries), and this runs on the sending thread at every wake-up. An
 * insertion sort of a batch of one or two groups (tens of entries) is a
 * few µs; a batch of every stream at once happens only at a start. */
static void
sort_batch_by_join_order (GPtrArray * batch)
{
  GstAsSchedEntry **v = (GstAsSchedEntry **) batch->pdata;
  guint i, j;

  for (i = 1; i < batch->len; i++) {
    GstAsSchedEntry *e = v[i];

    for (j = i; j > 0 && v[j - 1]->id > e->id; j--)
      v[j] = v[j - 1];
    v[j] = e;
  }
  for (i = 0; i < batch->len; i++)
    v[i]->batch_index = i;
}

/* Runs every entry due by @now plus the window, each once, in the order
 * the entries joined. Called with the lock held; drops it around each run
 * function. */
static void
dispatch_locked (GstAsScheduler * sched, gint64 now)
{
  gint64 limit = now + sched->window;
  guint i;

  sched->dispatcher = g_thread_self ();

  while (sched->n_heap > 0 && sched->heap[0]->deadline <= limit) {
    GstAsSchedEntry *e = sched->heap[0];

    heap_remove (sched, e);
    e->events |= GST_AS_SCHED_DUE;
    g_ptr_array_add (sched->batch, e);
  }
  /* The batch runs in join order, not deadline order: its sends leave in
   * one submission anyway, and a stream's deadline, converted from the
   * pipeline clock at each step, differs from its group's by a few ns of
   * sampling each period, which would reshuffle the group's burst. */
  sort_batch_by_join_order (sched->batch);

  for (i = 0; i < sched->batch->len; i++) {
    GstAsSchedEntry *e = g_ptr_array_index (sched->batch, i);
    guint events;
    gint64 next;

    if (e == NULL)
      continue;                 /* left meanwhile */
    g_ptr_array_index (sched->batch, i) = NULL;
    e->batch_index = NOWHERE;
    events = e->events;
    e->events = 0;
    sched->running = e;
    g_mutex_unlock (&sched->lock);

    next = e->run (e->user_data, now, events);

    g_mutex_lock (&sched->lock);
    sched->running = NULL;
    /* GLib's broadcast is a system call even with nobody waiting */
    if (sched->leave_waiters > 0)
      g_cond_broadcast (&sched->cond);
    if (sched->running_left) {
      /* it left from its own run function, and may be freed already (an
       * element disposed by the last unref in its step): not touched */
      sched->running_left = FALSE;
      continue;
    }
    if (e->leaving)
      continue;                 /* leave() waits for it */
    /* woken while it ran: again, at once */
    e->deadline = e->events != 0 ? 0 : next;
    heap_push (sched, e);
  }
  g_ptr_array_set_size (sched->batch, 0);
  if (sched->sendq) {
    /* the batch's sends in one system call; its done functions wake */
    g_mutex_unlock (&sched->lock);
    gst_as_send_queue_flush (sched->sendq);
    g_mutex_lock (&sched->lock);
  }
  sched->dispatcher = NULL;
}

/**
 * gst_as_scheduler_dispatch:
 *
 * For a scheduler without a thread (unit tests): runs what is due at @now
 * (within the window) and returns the earliest deadline left.
 */
gint64
gst_as_scheduler_dispatch (GstAsScheduler * sched, gint64 now)
{
  gint64 next;

  g_mutex_lock (&sched->lock);
  dispatch_locked (sched, now);
  next = earliest (sched);
  g_mutex_unlock (&sched->lock);
  return next;
}

static void
arm_timer (GstAsScheduler * sched, gint64 deadline)
{
  struct itimerspec its = { {0, 0}, {0, 0} };

  if (deadline == sched->armed)
    return;
  sched->armed = deadline;
  if (deadline != GST_AS_SCHED_NEVER) {
    /* 0 would disarm */
    deadline = MAX (deadline, 1);
    its.it_value.tv_sec = deadline / GST_SECOND;
    its.it_value.tv_nsec = deadline % GST_SECOND;
  }
  if (timerfd_settime (sched->timerfd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
    GST_WARNING ("timerfd_settime: %s", g_strerror (errno));
}

static guint
epoll_to_events (guint32 ev)
{
  guint events = 0;

  if (ev & EPOLLIN)
    events |= GST_AS_SCHED_READABLE;
  if (ev & EPOLLOUT)
    events |= GST_AS_SCHED_WRITABLE;
  if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
    events |= GST_AS_SCHED_HANGUP;
  return events;
}

/* Called with the lock held */
static void
handle_events (GstAsScheduler * sched, struct epoll_event *evs, gint n)
{
  gint i;

  for (i = 0; i < n; i++) {
    guint64 token = evs[i].data.u64;
    GstAsSchedEntry *e;

    if (token == TOKEN_WAKE) {
      guint64 count;

      if (read (sched->eventfd, &count, sizeof (count)) < 0)
        GST_DEBUG ("eventfd read: %s", g_strerror (errno));
      sched->signalled = FALSE;
      continue;
    }
    if (token == TOKEN_TIMER) {
      /* expired: the next arm_timer() sets it again (even to disarm it),
       * which also clears its readiness, so no read() is needed */
      sched->armed = TIMER_EXPIRED;
      continue;
    }
    /* an entry that left since epoll_wait() returned is not found */
    e = g_hash_table_lookup (sched->by_id, &token);
    if (e == NULL)
      continue;
    e->events |= epoll_to_events (evs[i].events);
    if (e->heap_index != NOWHERE)
      heap_update (sched, e, 0);
  }
}

static gpointer
scheduler_thread (gpointer user_data)
{
  GstAsScheduler *sched = user_data;
  struct epoll_event evs[MAX_EVENTS];

  prctl (PR_SET_TIMERSLACK, TIMER_SLACK_NS, 0, 0, 0);

  g_mutex_lock (&sched->lock);
  sched->sendq = gst_as_send_queue_new_for_thread ();
  while (!sched->quit) {
    gint64 now = sched->now (sched->now_data);
    gint n;

    dispatch_locked (sched, now);
    if (earliest (sched) <= sched->now (sched->now_data) + sched->window)
      continue;

    arm_timer (sched, earliest (sched));
    sched->sleeping = TRUE;
    g_mutex_unlock (&sched->lock);

    n = epoll_wait (sched->epfd, evs, MAX_EVENTS, -1);

    g_mutex_lock (&sched->lock);
    sched->sleeping = FALSE;
    sched->wakeups++;
    if (n < 0 && errno != EINTR)
      GST_ERROR ("epoll_wait: %s", g_strerror (errno));
    if (n > 0)
      handle_events (sched, evs, n);
  }
  g_mutex_unlock (&sched->lock);
  g_clear_pointer (&sched->sendq, gst_as_send_queue_free);
  return NULL;
}

static guint
id_hash (gconstpointer key)
{
  return g_int64_hash (key);
}

/**
 * gst_as_scheduler_new:
 * @window_ns: entries due this close to a wake-up run with it
 * @threaded: FALSE for a unit test that calls gst_as_scheduler_dispatch()
 *
 * Returns: (transfer full): a scheduler; gst_as_scheduler_free() it
 */
GstAsScheduler *
gst_as_scheduler_new (gint64 window_ns, gboolean threaded)
{
  GstAsScheduler *sched = g_new0 (GstAsScheduler, 1);
  struct epoll_event ev = { 0 };

  init_debug ();
  g_mutex_init (&sched->lock);
  g_cond_init (&sched->cond);
  sched->window = window_ns;
  sched->batch = g_ptr_array_new ();
  sched->by_id = g_hash_table_new (id_hash, g_int64_equal);
  sched->now = monotonic_ns;
  sched->armed = GST_AS_SCHED_NEVER;
  sched->threaded = threaded;

  sched->epfd = epoll_create1 (EPOLL_CLOEXEC);
  sched->timerfd = timerfd_create (CLOCK_MONOTONIC,
      TFD_CLOEXEC | TFD_NONBLOCK);
  sched->eventfd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (sched->epfd < 0 || sched->timerfd < 0 || sched->eventfd < 0)
    g_error ("audiostream scheduler: %s", g_strerror (errno));
  ev.events = EPOLLIN;
  ev.data.u64 = TOKEN_WAKE;
  epoll_ctl (sched->epfd, EPOLL_CTL_ADD, sched->eventfd, &ev);
  ev.data.u64 = TOKEN_TIMER;
  epoll_ctl (sched->epfd, EPOLL_CTL_ADD, sched->timerfd, &ev);

  if (threaded)
    sched->thread = g_thread_new ("audiostream-sched", scheduler_thread,
        sched);
  return sched;
}

/* The entries must have left. */
void
gst_as_scheduler_free (GstAsScheduler * sched)
{
  guint64 one = 1;

  g_return_if_fail (sched->n_entries == 0);

  if (sched->thread) {
    g_mutex_lock (&sched->lock);
    sched->quit = TRUE;
    g_mutex_unlock (&sched->lock);
    if (write (sched->eventfd, &one, sizeof (one)) != sizeof (one))
      GST_WARNING ("eventfd write: %s", g_strerror (errno));
    g_thread_join (sched->thread);
  }
  close (sched->epfd);
  close (sched->timerfd);
  close (sched->eventfd);
  g_free (sched->heap);
  g_ptr_array_unref (sched->batch);
  g_hash_table_unref (sched->by_id);
  g_free (sched->priority_how);
  g_free (sched->priority_error);
  g_cond_clear (&sched->cond);
  g_mutex_clear (&sched->lock);
  g_free (sched);
}

static GstAsScheduler **default_scheds;
static guint n_default_scheds;

static void
make_defaults (void)
{
  gint64 window = gst_as_tuning_get (GST_AS_TUNING_SCHED_WINDOW_US) *
      GST_USECOND;
  guint i;

  n_default_scheds = gst_as_tuning_get (GST_AS_TUNING_SCHED_THREADS);
  if (n_default_scheds == 0)
    n_default_scheds = g_get_num_processors ();
  default_scheds = g_new0 (GstAsScheduler *, n_default_scheds);
  for (i = 0; i < n_default_scheds; i++)
    default_scheds[i] = gst_as_scheduler_new (window, TRUE);
}

/**
 * gst_as_scheduler_get_default:
 *
 * The process's scheduler for a new stream, started on first use and kept
 * for the life of the process (an idle one sleeps in epoll_wait() and
 * costs nothing). There is one thread per core (measured in
 * docs/scale.md), the streams spread over them in turn; the batching
 * window is 100 µs. Both can be changed for benchmarks (tuning.h).
 *
 * Returns: (transfer none): the scheduler
 */
GstAsScheduler *
gst_as_scheduler_get_default (void)
{
  static gsize done = 0;
  static gint next = 0;

  if (g_once_init_enter (&done)) {
    make_defaults ();
    g_once_init_leave (&done, 1);
  }
  return default_scheds[(guint) g_atomic_int_add (&next, 1) % n_default_scheds];
}

/* A fake clock for a unit test; before any entry joins. */
void
gst_as_scheduler_set_clock (GstAsScheduler * sched,
    GstAsSchedulerNowFunc now, gpointer user_data)
{
  g_mutex_lock (&sched->lock);
  sched->now = now;
  sched->now_data = user_data;
  g_mutex_unlock (&sched->lock);
}

gint64
gst_as_scheduler_now (GstAsScheduler * sched)
{
  return sched->now (sched->now_data);
}

gint64
gst_as_scheduler_get_window (GstAsScheduler * sched)
{
  return sched->window;
}

/**
 * gst_as_scheduler_join:
 *
 * @entry joins: @run runs soon (woken), then at the deadlines it returns.
 */
void
gst_as_scheduler_join (GstAsScheduler * sched, GstAsSchedEntry * entry,
    GstAsSchedRunFunc run, gpointer user_data)
{
  g_return_if_fail (entry->sched == NULL);

  g_mutex_lock (&sched->lock);
  entry->sched = sched;
  entry->run = run;
  entry->user_data = user_data;
  entry->id = ++sched->next_id;
  entry->fd = -1;
  entry->watched = 0;
  entry->events = GST_AS_SCHED_WOKEN;
  entry->deadline = 0;
  entry->batch_index = NOWHERE;
  entry->leaving = FALSE;
  g_hash_table_insert (sched->by_id, &entry->id, entry);
  heap_push (sched, entry);
  sched->n_entries++;
  notify (sched, 0);
  g_mutex_unlock (&sched->lock);
}

/**
 * gst_as_scheduler_wake:
 *
 * @entry runs again as soon as the thread gets to it, told
 * %GST_AS_SCHED_WOKEN. Does nothing for an entry that is not joined.
 */
void
gst_as_scheduler_wake (GstAsScheduler * sched, GstAsSchedEntry * entry)
{
  g_mutex_lock (&sched->lock);
  if (entry->sched == sched) {
    entry->events |= GST_AS_SCHED_WOKEN;
    if (entry->heap_index != NOWHERE) {
      heap_update (sched, entry, 0);
      notify (sched, 0);
    }
    /* running or in the batch: it sees the event when it returns */
  }
  g_mutex_unlock (&sched->lock);
}

/**
 * gst_as_scheduler_leave:
 *
 * @entry leaves: when this returns its run function is not running and
 * will not run again, and its socket is no longer watched. From the
 * scheduler's own thread (a run function) it takes effect when that
 * function returns. Does nothing for an entry that is not joined.
 */
void
gst_as_scheduler_leave (GstAsScheduler * sched, GstAsSchedEntry * entry)
{
  gboolean own_thread = gst_as_scheduler_is_current (sched);

  g_mutex_lock (&sched->lock);
  if (entry->sched != sched) {
    g_mutex_unlock (&sched->lock);
    return;
  }
  entry->leaving = TRUE;
  sched->leave_waiters++;
  while (sched->running == entry && !own_thread)
    g_cond_wait (&sched->cond, &sched->lock);
  sched->leave_waiters--;
  entry->leaving = FALSE;
  if (sched->running == entry)
    sched->running_left = TRUE;

  if (entry->heap_index != NOWHERE)
    heap_remove (sched, entry);
  if (entry->batch_index != NOWHERE) {
    g_ptr_array_index (sched->batch, entry->batch_index) = NULL;
    entry->batch_index = NOWHERE;
  }
  if (entry->fd >= 0)
    watch_fd (sched, EPOLL_CTL_DEL, entry->fd, entry->id, 0);
  entry->fd = -1;
  entry->watched = 0;
  g_hash_table_remove (sched->by_id, &entry->id);
  entry->sched = NULL;
  sched->n_entries--;
  g_mutex_unlock (&sched->lock);
}

/**
 * gst_as_scheduler_watch:
 * @fd: the socket, -1 for none
 * @events: %GST_AS_SCHED_READABLE, %GST_AS_SCHED_WRITABLE or both (hang-ups
 *   are always reported)
 *
 * Runs @entry when @fd is ready. Call it with -1 before closing the
 * socket. Costs a system call when something changes, nothing otherwise.
 */
void
gst_as_scheduler_watch (GstAsScheduler * sched, GstAsSchedEntry * entry,
    gint fd, guint events)
{
  g_mutex_lock (&sched->lock);
  if (entry->sched != sched)
    goto out;
  if (fd != entry->fd) {
    if (entry->fd >= 0)
      watch_fd (sched, EPOLL_CTL_DEL, entry->fd, entry->id, 0);
    if (fd >= 0)
      watch_fd (sched, EPOLL_CTL_ADD, fd, entry->id, events);
  } else if (fd >= 0 && events != entry->watched) {
    watch_fd (sched, EPOLL_CTL_MOD, fd, entry->id, events);
  }
  entry->fd = fd;
  entry->watched = fd >= 0 ? events : 0;
out:
  g_mutex_unlock (&sched->lock);
}

/* Whether the caller is a run function (the thread that dispatches) */
gboolean
gst_as_scheduler_is_current (GstAsScheduler * sched)
{
  GThread *self = g_thread_self ();
  gboolean current;

  g_mutex_lock (&sched->lock);
  current = self == sched->thread || self == sched->dispatcher;
  g_mutex_unlock (&sched->lock);
  return current;
}

/**
 * gst_as_scheduler_raise_priority:
 *
 * From a run function: raises the scheduler thread's priority (SCHED_FIFO,
 * else nice -10), once for the process; later calls return the first
 * outcome. The thread keeps it for the life of the process.
 */
gboolean
gst_as_scheduler_raise_priority (GstAsScheduler * sched, gchar ** how,
    GError ** error)
{
  gboolean ok;

  g_mutex_lock (&sched->lock);
  if (!sched->priority_tried) {
    GError *err = NULL;

    sched->priority_tried = TRUE;
    sched->priority_raised = gst_as_thread_raise_priority
        (&sched->priority_how, &err);
    if (!sched->priority_raised) {
      sched->priority_error = g_strdup (err->message);
      g_error_free (err);
    }
  }
  ok = sched->priority_raised;
  if (ok && how)
    *how = g_strdup (sched->priority_how);
  if (!ok)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
        sched->priority_error);
  g_mutex_unlock (&sched->lock);
  return ok;
}

guint
gst_as_scheduler_n_entries (GstAsScheduler * sched)
{
  guint n;

  g_mutex_lock (&sched->lock);
  n = sched->n_entries;
  g_mutex_unlock (&sched->lock);
  return n;
}

/* How often the thread came out of epoll_wait() */
guint64
gst_as_scheduler_get_wakeups (GstAsScheduler * sched)
{
  guint64 n;

  g_mutex_lock (&sched->lock);
  n = sched->wakeups;
  g_mutex_unlock (&sched->lock);
  return n;
}
