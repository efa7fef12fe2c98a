/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The process's sending scheduler: batching and exact rates with a fake
 * clock (no thread, gst_as_scheduler_dispatch()), then the thread itself
 * with real sockets: a blocked socket delays nobody, a leave waits for a
 * running step, a wake from another thread is seen. */

#include <gst/check/gstcheck.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audiostream/scheduler.h"

#define MS (1000 * 1000)
#define WINDOW (1 * MS)

/* A fake stream: deadlines every @period from @offset, like a pacer's
 * frame counter; records when each ran. */
typedef struct
{
  const gchar *name;
  gint64 period;
  gint64 offset;
  guint64 k;                    /* the next deadline's index */
  GArray *ran;                  /* gint64 now of each run */
  GArray *events;               /* guint */
  GString *log;                 /* shared, names in run order */
  /* what a run does besides */
  GstAsScheduler *sched;
  GstAsSchedEntry entry;
  GstAsSchedEntry *leave_other;
  GstAsSchedEntry *join_other;
  gpointer join_other_data;
  gboolean leave_self;
  gint64 fixed_next;            /* used when period is 0 */
  guint noise;                  /* > 0: a few ns added to each deadline,
                                 * different each period, as a deadline
                                 * converted from the pipeline clock has */
  /* threaded tests */
  gint64 max_late;
  gint runs;
  gint running;
  gulong sleep_us;
  gint fd;
  gboolean blocked;
} Fake;

static gint64
fake_deadline (Fake * f)
{
  return f->offset + (gint64) f->k * f->period;
}

static gint64 fake_run (gpointer user_data, gint64 now, guint events);

static Fake *
fake_new (const gchar * name, gint64 period, gint64 offset, GString * log)
{
  Fake *f = g_new0 (Fake, 1);

  f->name = name;
  f->period = period;
  f->offset = offset;
  f->ran = g_array_new (FALSE, FALSE, sizeof (gint64));
  f->events = g_array_new (FALSE, FALSE, sizeof (guint));
  f->log = log;
  f->fixed_next = GST_AS_SCHED_NEVER;
  f->fd = -1;
  return f;
}

static void
fake_free (Fake * f)
{
  g_array_unref (f->ran);
  g_array_unref (f->events);
  if (f->fd >= 0)
    close (f->fd);
  g_free (f);
}

/* Sends every chunk due by now plus the window, each at its own place in
 * the schedule, as the net sender does. */
static gint64
fake_run (gpointer user_data, gint64 now, guint events)
{
  Fake *f = user_data;
  gint64 late;

  g_atomic_int_set (&f->running, 1);
  g_array_append_val (f->ran, now);
  g_array_append_val (f->events, events);
  if (f->log)
    g_string_append_printf (f->log, "%s ", f->name);
  if (f->sleep_us)
    g_usleep (f->sleep_us);
  if (f->leave_other)
    gst_as_scheduler_leave (f->sched, f->leave_other);
  if (f->join_other)
    gst_as_scheduler_join (f->sched, f->join_other, fake_run,
        f->join_other_data);
  f->leave_other = NULL;
  f->join_other = NULL;
  if (f->leave_self)
    gst_as_scheduler_leave (f->sched, &f->entry);
  g_atomic_int_inc (&f->runs);
  g_atomic_int_set (&f->running, 0);

  if (f->period == 0)
    return f->fixed_next;
  if (f->blocked)
    return GST_AS_SCHED_NEVER;
  /* a deadline counts from the first time it runs */
  while (fake_deadline (f) <= now + WINDOW) {
    late = now - fake_deadline (f);
    f->max_late = MAX (f->max_late, late);
    f->k++;
  }
  if (f->noise)
    return fake_deadline (f) + (gint64) ((f->k * 7919 + f->noise * 104729)
        % 97);
  return fake_deadline (f);
}

/* ------------------------------------------------------------------------ */

/* One wake-up runs every stream due within the window, in the order they
 * joined (their sends leave together), and nothing later. */
GST_START_TEST (test_deadline_batching)
{
  GstAsScheduler *sched = gst_as_scheduler_new (WINDOW, FALSE);
  GString *log = g_string_new (NULL);
  Fake *a = fake_new ("a", 0, 0, log), *b = fake_new ("b", 0, 0, log);
  Fake *c = fake_new ("c", 0, 0, log), *d = fake_new ("d", 0, 0, log);
  Fake *all[] = { a, b, c, d };
  gint64 next;
  guint i;

  a->fixed_next = 10 * MS + 500 * 1000;
  b->fixed_next = 10 * MS;
  c->fixed_next = 11 * MS + 500 * 1000;
  d->fixed_next = 13 * MS;
  for (i = 0; i < G_N_ELEMENTS (all); i++) {
    all[i]->sched = sched;
    gst_as_scheduler_join (sched, &all[i]->entry, fake_run, all[i]);
  }
  /* joining runs each at once, told it was woken */
  next = gst_as_scheduler_dispatch (sched, 0);
  fail_unless_equals_int (log->len, 8);
  for (i = 0; i < G_N_ELEMENTS (all); i++)
    fail_unless (g_array_index (all[i]->events, guint, 0) &
        GST_AS_SCHED_WOKEN);
  fail_unless_equals_int64 (next, 10 * MS);

  /* at 10 ms: b (due) and a (due 0.5 ms later, within the window), in
   * join order; c is 1.5 ms away and waits */
  g_string_truncate (log, 0);
  next = gst_as_scheduler_dispatch (sched, 10 * MS);
  fail_unless_equals_string (log->str, "a b ");
  fail_unless (g_array_index (b->events, guint, 1) & GST_AS_SCHED_DUE);
  /* they returned the same deadlines again: due now, next pass */
  fail_unless_equals_int64 (next, 10 * MS);

  b->fixed_next = a->fixed_next = GST_AS_SCHED_NEVER;
  gst_as_scheduler_dispatch (sched, 10 * MS);
  g_string_truncate (log, 0);
  next = gst_as_scheduler_dispatch (sched, 10 * MS + 400 * 1000);
  fail_unless_equals_string (log->str, "");
  fail_unless_equals_int64 (next, 11 * MS + 500 * 1000);
  /* c, and not d (1.5 ms after it) */
  next = gst_as_scheduler_dispatch (sched, 11 * MS + 500 * 1000);
  fail_unless_equals_string (log->str, "c ");
  fail_unless_equals_int64 (next, 11 * MS + 500 * 1000);
  c->fixed_next = GST_AS_SCHED_NEVER;

  for (i = 0; i < G_N_ELEMENTS (all); i++) {
    gst_as_scheduler_leave (sched, &all[i]->entry);
    fake_free (all[i]);
  }
  fail_unless_equals_int (gst_as_scheduler_n_entries (sched), 0);
  gst_as_scheduler_free (sched);
  g_string_free (log, TRUE);
}

GST_END_TEST;

/* Many streams with unrelated phases, the clock jumping from one wake-up
 * to the next: nobody is sent more than the window early or at all late,
 * the wake-ups are far fewer than the sends, and every stream's count of
 * sends is exactly its rate times the time (no drift from batching). */
GST_START_TEST (test_batching_keeps_each_rate)
{
  GstAsScheduler *sched = gst_as_scheduler_new (WINDOW, FALSE);
  const guint n = 50;
  const gint64 period = 10 * MS, end = 10 * G_GINT64_CONSTANT (1000000000);
  Fake *f[50];
  guint64 wakeups = 0, sends = 0;
  gint64 now = 0, next;
  guint i;

  for (i = 0; i < n; i++) {
    /* phases spread over the period, and two streams at other rates */
    f[i] = fake_new ("s", i == 0 ? 20 * MS : i == 1 ? 7 * MS : period,
        g_random_int_range (0, 10 * MS), NULL);
    f[i]->sched = sched;
    gst_as_scheduler_join (sched, &f[i]->entry, fake_run, f[i]);
  }
  next = gst_as_scheduler_dispatch (sched, now);
  while (next <= end) {
    now = next;
    next = gst_as_scheduler_dispatch (sched, now);
    wakeups++;
  }
  for (i = 0; i < n; i++) {
    /* every deadline up to the end, and the next one if it fell within
     * the window of the last wake-up */
    guint64 expected = (end - f[i]->offset) / f[i]->period + 1;

    fail_unless (f[i]->k == expected || (f[i]->k == expected + 1 &&
            f[i]->offset + (gint64) expected * f[i]->period <= end + WINDOW),
        "stream %u: %" G_GUINT64_FORMAT " sends, expected %" G_GUINT64_FORMAT,
        i, f[i]->k, expected);
    fail_unless (f[i]->max_late <= 0, "stream %u sent %" G_GINT64_FORMAT
        " ns late", i, f[i]->max_late);
    sends += f[i]->k;
  }
  /* 50 phases in 10 ms with a 1 ms window: at most ~11 wake-ups a period */
  GST_INFO ("%" G_GUINT64_FORMAT " wake-ups for %" G_GUINT64_FORMAT
      " sends", wakeups, sends);
  fail_unless (wakeups * 3 < sends, "%" G_GUINT64_FORMAT " wake-ups for %"
      G_GUINT64_FORMAT " sends", wakeups, sends);

  for (i = 0; i < n; i++) {
    gst_as_scheduler_leave (sched, &f[i]->entry);
    fake_free (f[i]);
  }
  gst_as_scheduler_free (sched);
}

GST_END_TEST;

/* Streams due at the same instant (a group on the phase grid) run in the
 * order they joined, in every period, whatever order the heap held them
 * in and whatever few ns their converted deadlines differ by: each keeps
 * its place in the group's burst. One stream of the group is woken early
 * now and then (a socket event), which takes it out of the heap and puts
 * it back. */
GST_START_TEST (test_same_deadline_keeps_join_order)
{
  GstAsScheduler *sched = gst_as_scheduler_new (WINDOW, FALSE);
  GString *log = g_string_new (NULL);
  static const gchar *names[] = { "a", "b", "c", "d", "e", "f", "g", "h",
    "i", "j", "k", "l"
  };
  const guint n = G_N_ELEMENTS (names);
  Fake *f[G_N_ELEMENTS (names)];
  gint64 now, next;
  guint i, period;
  gchar *expected;

  for (i = 0; i < n; i++) {
    f[i] = fake_new (names[i], 10 * MS, 10 * MS, log);
    f[i]->sched = sched;
    f[i]->noise = i + 1;
    gst_as_scheduler_join (sched, &f[i]->entry, fake_run, f[i]);
  }
  next = gst_as_scheduler_dispatch (sched, 0);
  for (period = 1; period <= 20; period++) {
    now = next;
    fail_unless (now >= period * 10 * MS && now < period * 10 * MS + 100);
    g_string_truncate (log, 0);
    next = gst_as_scheduler_dispatch (sched, now);
    fail_unless_equals_string (log->str, "a b c d e f g h i j k l ");
    /* a stream woken between periods runs at once, then rejoins its
     * group's deadline */
    gst_as_scheduler_wake (sched, &f[(period * 7) % n]->entry);
    g_string_truncate (log, 0);
    next = gst_as_scheduler_dispatch (sched, now + MS / 2);
    expected = g_strdup_printf ("%s ", names[(period * 7) % n]);
    fail_unless_equals_string (log->str, expected);
    g_free (expected);
  }

  for (i = 0; i < n; i++) {
    gst_as_scheduler_leave (sched, &f[i]->entry);
    fake_free (f[i]);
  }
  gst_as_scheduler_free (sched);
  g_string_free (log, TRUE);
}

GST_END_TEST;

/* A step that makes another stream leave (one due in the same batch) or
 * join, or leaves itself: the one that left never runs again, the one
 * that joined runs at the next pass. */
GST_START_TEST (test_join_leave_during_run)
{
  GstAsScheduler *sched = gst_as_scheduler_new (WINDOW, FALSE);
  GString *log = g_string_new (NULL);
  Fake *a = fake_new ("a", 0, 0, log), *b = fake_new ("b", 0, 0, log);
  Fake *c = fake_new ("c", 0, 0, log);

  a->sched = b->sched = c->sched = sched;
  gst_as_scheduler_join (sched, &a->entry, fake_run, a);
  gst_as_scheduler_dispatch (sched, 0);
  gst_as_scheduler_join (sched, &b->entry, fake_run, b);
  gst_as_scheduler_dispatch (sched, 0);
  a->fixed_next = 5 * MS;
  b->fixed_next = 5 * MS + 100;
  gst_as_scheduler_wake (sched, &a->entry);
  gst_as_scheduler_wake (sched, &b->entry);
  gst_as_scheduler_dispatch (sched, 1 * MS);
  g_string_truncate (log, 0);

  /* a runs first and takes b (batched with it) out, and brings c in */
  a->fixed_next = 50 * MS;
  a->leave_other = &b->entry;
  a->join_other = &c->entry;
  a->join_other_data = c;
  fail_unless_equals_int64 (gst_as_scheduler_dispatch (sched, 5 * MS), 0);
  fail_unless_equals_string (log->str, "a ");
  fail_unless_equals_int (gst_as_scheduler_n_entries (sched), 2);
  gst_as_scheduler_dispatch (sched, 5 * MS);
  fail_unless_equals_string (log->str, "a c ");

  /* a leaves from its own step */
  a->leave_self = TRUE;
  gst_as_scheduler_wake (sched, &a->entry);
  gst_as_scheduler_dispatch (sched, 6 * MS);
  fail_unless_equals_int (gst_as_scheduler_n_entries (sched), 1);
  g_string_truncate (log, 0);
  gst_as_scheduler_wake (sched, &a->entry);     /* not joined: nothing */
  gst_as_scheduler_dispatch (sched, 100 * MS);
  fail_unless_equals_string (log->str, "");

  /* b was never run again */
  fail_unless_equals_int (b->ran->len, 2);
  gst_as_scheduler_leave (sched, &c->entry);
  gst_as_scheduler_leave (sched, &b->entry);    /* not joined: nothing */
  fail_unless_equals_int (gst_as_scheduler_n_entries (sched), 0);
  fake_free (a);
  fake_free (b);
  fake_free (c);
  gst_as_scheduler_free (sched);
  g_string_free (log, TRUE);
}

GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* The thread                                                                */

static gint64
blocked_run (gpointer user_data, gint64 now, guint events)
{
  Fake *f = user_data;
  static const guint8 junk[4096] = { 0 };

  g_array_append_val (f->events, events);
  g_atomic_int_inc (&f->runs);
  if (!f->blocked) {
    /* fill the socket until it takes nothing, then wait for room */
    while (write (f->fd, junk, sizeof (junk)) > 0);
    fail_unless (errno == EAGAIN || errno == EWOULDBLOCK);
    f->blocked = TRUE;
    gst_as_scheduler_watch (f->sched, &f->entry, f->fd,
        GST_AS_SCHED_WRITABLE);
    return GST_AS_SCHED_NEVER;
  }
  if (events & GST_AS_SCHED_WRITABLE) {
    gst_as_scheduler_watch (f->sched, &f->entry, -1, 0);
    f->blocked = FALSE;
    f->max_late = 1;            /* seen writable */
  }
  return GST_AS_SCHED_NEVER;
}

static gint64
realtime_run (gpointer user_data, gint64 now, guint events)
{
  Fake *f = user_data;

  if (f->ran->len == 0)
    f->offset = now + f->offset;
  return fake_run (user_data, now, events);
}

/* A socket that takes nothing does not delay the other streams: they keep
 * their deadlines while it waits for EPOLLOUT (and it is not run for
 * nothing meanwhile), and it runs as soon as its peer reads. */
GST_START_TEST (test_blocked_stream_delays_nobody)
{
  GstAsScheduler *sched = gst_as_scheduler_new (WINDOW, TRUE);
  Fake *blocked = fake_new ("blocked", 0, 0, NULL);
  Fake *f[8];
  gint sv[2];
  guint8 buf[65536];
  gint64 until;
  guint i;

  fail_unless_equals_int (socketpair (AF_UNIX, SOCK_STREAM, 0, sv), 0);
  fcntl (sv[0], F_SETFL, O_NONBLOCK);
  fcntl (sv[1], F_SETFL, O_NONBLOCK);
  blocked->fd = sv[0];
  blocked->sched = sched;
  for (i = 0; i < G_N_ELEMENTS (f); i++) {
    f[i] = fake_new ("s", 5 * MS, i * 600 * 1000, NULL);
    f[i]->sched = sched;
    gst_as_scheduler_join (sched, &f[i]->entry, realtime_run, f[i]);
  }
  gst_as_scheduler_join (sched, &blocked->entry, blocked_run, blocked);

  g_usleep (300 * 1000);
  fail_unless (blocked->blocked);
  fail_unless_equals_int (g_atomic_int_get (&blocked->runs), 1);
  for (i = 0; i < G_N_ELEMENTS (f); i++) {
    /* ~60 deadlines in 300 ms; generous for a loaded machine */
    fail_unless (f[i]->k >= 40, "stream %u: %" G_GUINT64_FORMAT " sends", i,
        f[i]->k);
    fail_unless (f[i]->max_late < 50 * MS, "stream %u: %" G_GINT64_FORMAT
        " ns late", i, f[i]->max_late);
  }

  /* the peer reads: the blocked stream runs, told it is writable */
  while (read (sv[1], buf, sizeof (buf)) > 0);
  until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (blocked->max_late == 0 && g_get_monotonic_time () < until)
    g_usleep (1000);
  fail_unless_equals_int64 (blocked->max_late, 1);

  for (i = 0; i < G_N_ELEMENTS (f); i++) {
    gst_as_scheduler_leave (sched, &f[i]->entry);
    fake_free (f[i]);
  }
  gst_as_scheduler_leave (sched, &blocked->entry);
  fake_free (blocked);
  close (sv[1]);
  gst_as_scheduler_free (sched);
}

GST_END_TEST;

/* leave() from another thread while the step runs returns only after it,
 * and the entry never runs again: its owner may free it then. */
GST_START_TEST (test_leave_waits_for_running_step)
{
  GstAsScheduler *sched = gst_as_scheduler_new (WINDOW, TRUE);
  Fake *f = fake_new ("slow", 0, 0, NULL);
  gint runs;

  f->sched = sched;
  f->sleep_us = 100 * 1000;
  f->fixed_next = 0;            /* again and again */
  gst_as_scheduler_join (sched, &f->entry, fake_run, f);
  while (!g_atomic_int_get (&f->running))
    g_usleep (1000);
  gst_as_scheduler_leave (sched, &f->entry);
  fail_if (g_atomic_int_get (&f->running));
  runs = g_atomic_int_get (&f->runs);
  g_usleep (300 * 1000);
  fail_unless_equals_int (g_atomic_int_get (&f->runs), runs);
  fake_free (f);
  gst_as_scheduler_free (sched);
}

GST_END_TEST;

/* A stream with nothing scheduled sleeps until another thread wakes it. */
GST_START_TEST (test_wake_from_another_thread)
{
  GstAsScheduler *sched = gst_as_scheduler_new (WINDOW, TRUE);
  Fake *f = fake_new ("idle", 0, 0, NULL);
  gint64 until;

  f->sched = sched;
  gst_as_scheduler_join (sched, &f->entry, fake_run, f);
  until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_atomic_int_get (&f->runs) < 1 && g_get_monotonic_time () < until)
    g_usleep (1000);
  g_usleep (100 * 1000);
  fail_unless_equals_int (g_atomic_int_get (&f->runs), 1);

  gst_as_scheduler_wake (sched, &f->entry);
  until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_atomic_int_get (&f->runs) < 2 && g_get_monotonic_time () < until)
    g_usleep (1000);
  fail_unless_equals_int (g_atomic_int_get (&f->runs), 2);
  fail_unless (g_array_index (f->events, guint, 1) & GST_AS_SCHED_WOKEN);

  gst_as_scheduler_leave (sched, &f->entry);
  fake_free (f);
  gst_as_scheduler_free (sched);
}

GST_END_TEST;

static Suite *
scheduler_suite (void)
{
  Suite *s = suite_create ("scheduler");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_deadline_batching);
  tcase_add_test (tc, test_batching_keeps_each_rate);
  tcase_add_test (tc, test_same_deadline_keeps_join_order);
  tcase_add_test (tc, test_join_leave_during_run);
  tcase_add_test (tc, test_blocked_stream_delays_nobody);
  tcase_add_test (tc, test_leave_waits_for_running_step);
  tcase_add_test (tc, test_wake_from_another_thread);
  return s;
}

GST_CHECK_MAIN (scheduler);
