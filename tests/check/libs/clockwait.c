/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The output task's clock wait (adaptivejitterqueue), on test clocks: one
 * id re-armed per deadline, a new one when the clock changes, and a wait
 * that another thread can end. */

#include <gst/check/gstcheck.h>
#include <gst/check/gsttestclock.h>

#include "audiostream/clockwait.h"

GST_START_TEST (test_rearm_and_clock_change)
{
  GstClock *a = gst_test_clock_new (), *b = gst_test_clock_new ();
  GstAsClockWait w = { NULL, NULL };
  GstClockID id1, id2, id3;

  id1 = gst_as_clock_wait_prepare (&w, a, GST_SECOND);
  fail_unless_equals_uint64 (gst_clock_id_get_time (id1), GST_SECOND);
  /* the next deadline re-arms the same id */
  id2 = gst_as_clock_wait_prepare (&w, a, 2 * GST_SECOND);
  fail_unless (id2 == id1);
  fail_unless_equals_uint64 (gst_clock_id_get_time (id2), 2 * GST_SECOND);
  gst_clock_id_unref (id1);
  gst_clock_id_unref (id2);

  /* another clock (a new pipeline clock): a new id on it */
  id3 = gst_as_clock_wait_prepare (&w, b, 3 * GST_SECOND);
  fail_unless (gst_clock_id_uses_clock (id3, b));
  fail_unless (w.clock == b);
  fail_unless_equals_int (GST_OBJECT_REFCOUNT (a), 1);
  gst_clock_id_unref (id3);

  gst_as_clock_wait_clear (&w);
  fail_unless (w.id == NULL && w.clock == NULL);
  fail_unless_equals_int (GST_OBJECT_REFCOUNT (b), 1);
  /* clearing twice, or unscheduling nothing, is harmless */
  gst_as_clock_wait_clear (&w);
  gst_as_clock_wait_unschedule (&w);
  gst_object_unref (a);
  gst_object_unref (b);
}

GST_END_TEST;

static gpointer
wait_thread (gpointer id)
{
  return GINT_TO_POINTER (gst_clock_id_wait (id, NULL));
}

/* A flush or a state change ends the task's wait at once. */
GST_START_TEST (test_unschedule_wakes_the_waiter)
{
  GstClock *clock = gst_test_clock_new ();
  GstAsClockWait w = { NULL, NULL };
  GstClockID id = gst_as_clock_wait_prepare (&w, clock, 10 * GST_SECOND);
  GThread *t = g_thread_new ("waiter", wait_thread, id);

  gst_test_clock_wait_for_next_pending_id (GST_TEST_CLOCK (clock), NULL);
  gst_as_clock_wait_unschedule (&w);
  fail_unless_equals_int (GPOINTER_TO_INT (g_thread_join (t)),
      GST_CLOCK_UNSCHEDULED);

  gst_clock_id_unref (id);
  gst_as_clock_wait_clear (&w);
  gst_object_unref (clock);
}

GST_END_TEST;

static Suite *
clockwait_suite (void)
{
  Suite *s = suite_create ("clockwait");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_rearm_and_clock_change);
  tcase_add_test (tc, test_unschedule_wakes_the_waiter);
  return s;
}

GST_CHECK_MAIN (clockwait);
