/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The GstBaseSink glue both network sinks share, around two sinks of the
 * test's own whose ops only record what they were asked. */

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include "audiostream/netsink.h"

#include "../common/unmappable.h"

typedef struct
{
  GstBaseSink parent;

  guint starts, stops, caps, writes, drains, flushes, unlocks, unlock_stops;
  guint8 written[64];
  gsize written_size;
  GstBuffer *write_buffer;      /* not owned: only compared */
  gboolean drain_result;
  GstFlowReturn write_result;
} Recorder;

typedef struct
{
  GstBaseSinkClass parent_class;
} RecorderClass;

static GType recorder_get_type (void);
static GType other_get_type (void);
G_DEFINE_TYPE (Recorder, recorder, GST_TYPE_BASE_SINK);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define REC(s) ((Recorder *) (s))

static gboolean
rec_start (GstBaseSink * sink)
{
  REC (sink)->starts++;
  return TRUE;
}

static gboolean
rec_stop (GstBaseSink * sink)
{
  REC (sink)->stops++;
  return TRUE;
}

static gboolean
rec_set_caps (GstBaseSink * sink, GstCaps * caps)
{
  REC (sink)->caps++;
  return TRUE;
}

static GstFlowReturn
rec_write (GstBaseSink * sink, GstBuffer * buffer, const guint8 * data,
    gsize size)
{
  Recorder *r = REC (sink);

  r->writes++;
  r->write_buffer = buffer;
  r->written_size = MIN (size, sizeof (r->written));
  memcpy (r->written, data, r->written_size);
  return r->write_result;
}

static gboolean
rec_drain (GstBaseSink * sink)
{
  REC (sink)->drains++;
  return REC (sink)->drain_result;
}

static void
rec_flush (GstBaseSink * sink)
{
  REC (sink)->flushes++;
}

static void
rec_unlock (GstBaseSink * sink, gboolean unlocked)
{
  if (unlocked)
    REC (sink)->unlocks++;
  else
    REC (sink)->unlock_stops++;
}

static const GstAsNetSinkOps rec_ops = {
  rec_start, rec_stop, rec_set_caps, rec_write, rec_drain, rec_flush,
  rec_unlock,
};

static void
setup_class (gpointer klass, const gchar * name, const GstAsNetSinkOps * ops)
{
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &sink_template);
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass), name,
      "Sink", "Records what it is asked", "test");
  gst_as_net_sink_class_init (GST_BASE_SINK_CLASS (klass), ops);
}

static void
recorder_class_init (RecorderClass * klass)
{
  setup_class (klass, "Recorder", &rec_ops);
}

static void
recorder_init (Recorder * self)
{
  self->drain_result = TRUE;
  self->write_result = GST_FLOW_OK;
  gst_as_net_sink_init (GST_BASE_SINK (self));
}

/* a second type with other ops: each instance finds its own type's */
typedef Recorder Other;
typedef RecorderClass OtherClass;
G_DEFINE_TYPE (Other, other, GST_TYPE_BASE_SINK);

static GstFlowReturn
other_write (GstBaseSink * sink, GstBuffer * buffer, const guint8 * data,
    gsize size)
{
  return GST_FLOW_EOS;
}

static const GstAsNetSinkOps other_ops = {
  rec_start, rec_stop, rec_set_caps, other_write, rec_drain, rec_flush,
  rec_unlock,
};

static void
other_class_init (OtherClass * klass)
{
  setup_class (klass, "Other", &other_ops);
}

static void
other_init (Other * self)
{
  gst_as_net_sink_init (GST_BASE_SINK (self));
}

static GstHarness *
harness_for (GType type, Recorder ** rec)
{
  GstElement *sink = g_object_new (type, NULL);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);

  gst_object_unref (sink);
  *rec = (Recorder *) h->element;
  gst_harness_set_src_caps_str (h, "audio/x-raw");
  return h;
}

GST_START_TEST (test_render_writes_mapped_bytes)
{
  static const guint8 bytes[] = { 1, 2, 3, 4, 5, 6 };
  Recorder *rec;
  GstHarness *h = harness_for (recorder_get_type (), &rec);
  GstBuffer *buf = gst_buffer_new_memdup (bytes, sizeof (bytes));

  fail_unless_equals_int (rec->starts, 1);
  fail_unless_equals_int (rec->caps, 1);

  gst_buffer_ref (buf);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  fail_unless_equals_int (rec->writes, 1);
  fail_unless (rec->write_buffer == buf);
  fail_unless_equals_int (rec->written_size, sizeof (bytes));
  fail_unless (memcmp (rec->written, bytes, sizeof (bytes)) == 0);
  gst_buffer_unref (buf);

  /* what write() returns is render()'s return */
  rec->write_result = GST_FLOW_ERROR;
  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_new_memdup (bytes, 2)), GST_FLOW_ERROR);

  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_eos_drains_or_is_dropped)
{
  Recorder *rec;
  GstHarness *h = harness_for (recorder_get_type (), &rec);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;

  gst_element_set_bus (h->element, bus);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_wrapped
          (g_malloc0 (4), 4)), GST_FLOW_OK);

  /* a failed drain drops the EOS: nothing may say "all delivered" */
  rec->drain_result = FALSE;
  fail_if (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int (rec->drains, 1);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_EOS) == NULL);

  /* a drain that finishes lets it through, and the sink posts EOS */
  gst_harness_push_event (h, gst_event_new_flush_start ());
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  rec->drain_result = TRUE;
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int (rec->drains, 2);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_EOS);
  fail_unless (msg != NULL);
  gst_message_unref (msg);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_flush_and_unlock)
{
  Recorder *rec;
  GstHarness *h = harness_for (recorder_get_type (), &rec);

  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_wrapped
          (g_malloc0 (4), 4)), GST_FLOW_OK);
  gst_harness_push_event (h, gst_event_new_flush_start ());
  fail_unless_equals_int (rec->unlocks, 1);
  fail_unless_equals_int (rec->flushes, 0);
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  fail_unless_equals_int (rec->unlock_stops, 1);
  fail_unless_equals_int (rec->flushes, 1);

  gst_object_ref (rec);
  gst_harness_teardown (h);
  /* stopping unlocks, and stop() ran */
  fail_unless (rec->unlocks >= 2);
  fail_unless_equals_int (rec->stops, 1);
  gst_object_unref (rec);
}

GST_END_TEST;

GST_START_TEST (test_no_clock_sync)
{
  GstBaseSink *sink = g_object_new (recorder_get_type (), NULL);

  /* the schedule, not timestamps, decides when audio goes out (checked
   * without a harness, which may set sync itself) */
  fail_if (gst_base_sink_get_sync (sink));
  gst_object_unref (sink);
}

GST_END_TEST;

GST_START_TEST (test_each_type_its_own_ops)
{
  Recorder *rec, *other;
  GstHarness *h = harness_for (recorder_get_type (), &rec);
  GstHarness *h2 = harness_for (other_get_type (), &other);

  fail_unless_equals_int (gst_harness_push (h2, gst_buffer_new_wrapped
          (g_malloc0 (4), 4)), GST_FLOW_EOS);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_wrapped
          (g_malloc0 (4), 4)), GST_FLOW_OK);
  fail_unless_equals_int (rec->writes, 1);
  fail_unless_equals_int (other->writes, 0);

  gst_harness_teardown (h2);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A buffer that cannot be mapped for reading is an ERROR that says what to
 * put before the sink, and nothing is written. */
GST_START_TEST (test_unreadable_buffer_is_an_error_to_act_on)
{
  Recorder *rec;
  GstHarness *h = harness_for (recorder_get_type (), &rec);
  GstBus *bus = gst_bus_new ();
  GstBuffer *buf = test_unmappable_buffer_new (8);

  gst_element_set_bus (h->element, bus);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_ERROR);
  fail_unless_equals_int (rec->writes, 0);

  test_check_unreadable_error (bus, 8);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
netsink_suite (void)
{
  Suite *s = suite_create ("netsink");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_render_writes_mapped_bytes);
  tcase_add_test (tc, test_eos_drains_or_is_dropped);
  tcase_add_test (tc, test_flush_and_unlock);
  tcase_add_test (tc, test_no_clock_sync);
  tcase_add_test (tc, test_each_type_its_own_ops);
  tcase_add_test (tc, test_unreadable_buffer_is_an_error_to_act_on);
  return s;
}

GST_CHECK_MAIN (netsink);
