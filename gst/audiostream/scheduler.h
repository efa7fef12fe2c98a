/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* No deadline: the entry runs again only when woken or when its socket
 * becomes ready. */
#define GST_AS_SCHED_NEVER G_MAXINT64

/* What gst_as_sched_run_func() is told about why it runs; any mix. */
typedef enum
{
  GST_AS_SCHED_DUE = 1 << 0,    /* its deadline came */
  GST_AS_SCHED_WOKEN = 1 << 1,  /* gst_as_scheduler_wake() */
  GST_AS_SCHED_READABLE = 1 << 2,       /* the watched socket: data, EOF */
  GST_AS_SCHED_WRITABLE = 1 << 3,       /* the watched socket takes data */
  GST_AS_SCHED_HANGUP = 1 << 4, /* the watched socket: closed, reset */
} GstAsSchedEvents;

/**
 * GstAsSchedRunFunc:
 * @now: monotonic time in ns (the scheduler's clock)
 * @events: why it runs (#GstAsSchedEvents)
 *
 * Does what is due for one stream, without blocking, on the scheduler's
 * thread. Returns the monotonic time in ns at which it wants to run next,
 * or %GST_AS_SCHED_NEVER.
 */
typedef gint64 (*GstAsSchedRunFunc) (gpointer user_data, gint64 now,
    guint events);

typedef struct _GstAsScheduler GstAsScheduler;

/**
 * GstAsSchedEntry:
 *
 * One stream of a #GstAsScheduler, embedded in its owner (no allocation
 * per stream). Its fields are the scheduler's, under the scheduler's lock.
 */
typedef struct
{
  /*< private > */
  GstAsScheduler *sched;        /* NULL: not joined */
  GstAsSchedRunFunc run;
  gpointer user_data;
  gint64 deadline;              /* monotonic ns */
  guint heap_index;             /* G_MAXUINT: not in the heap */
  guint batch_index;            /* G_MAXUINT: not in the running batch */
  guint events;                 /* collected for the next run */
  guint64 id;                   /* what the socket's epoll data names */
  gint fd;                      /* watched socket, -1 for none */
  guint watched;                /* GST_AS_SCHED_READABLE | _WRITABLE */
  gboolean leaving;             /* leave() waits for its run to return */
} GstAsSchedEntry;

/**
 * GstAsSchedulerNowFunc:
 *
 * The scheduler's clock for a unit test: monotonic ns.
 */
typedef gint64 (*GstAsSchedulerNowFunc) (gpointer user_data);

GstAsScheduler * gst_as_scheduler_get_default (void);
GstAsScheduler * gst_as_scheduler_new     (gint64 window_ns,
                                           gboolean threaded);
void      gst_as_scheduler_free           (GstAsScheduler * sched);
void      gst_as_scheduler_set_clock      (GstAsScheduler * sched,
                                           GstAsSchedulerNowFunc now,
                                           gpointer user_data);
gint64    gst_as_scheduler_now            (GstAsScheduler * sched);
gint64    gst_as_scheduler_get_window     (GstAsScheduler * sched);

/* any thread */
void      gst_as_scheduler_join           (GstAsScheduler * sched,
                                           GstAsSchedEntry * entry,
                                           GstAsSchedRunFunc run,
                                           gpointer user_data);
void      gst_as_scheduler_wake           (GstAsScheduler * sched,
                                           GstAsSchedEntry * entry);
void      gst_as_scheduler_leave          (GstAsScheduler * sched,
                                           GstAsSchedEntry * entry);
guint     gst_as_scheduler_n_entries      (GstAsScheduler * sched);
guint64   gst_as_scheduler_get_wakeups    (GstAsScheduler * sched);

/* the scheduler's thread, from a run function */
void      gst_as_scheduler_watch          (GstAsScheduler * sched,
                                           GstAsSchedEntry * entry,
                                           gint fd, guint events);
gboolean  gst_as_scheduler_raise_priority (GstAsScheduler * sched,
                                           gchar ** how, GError ** error);
gboolean  gst_as_scheduler_is_current     (GstAsScheduler * sched);

/* without a thread (unit tests): runs what is due at @now, returns the
 * earliest deadline left */
gint64    gst_as_scheduler_dispatch       (GstAsScheduler * sched,
                                           gint64 now);

G_END_DECLS
