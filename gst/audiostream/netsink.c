/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "netsink.h"

#include "propbind.h"
#include "sinkfront.h"

/* the type's ops: set by class_init(), read once by each init() */
#define OPS_QUARK g_quark_from_static_string ("gst-as-net-sink")

/* set once in init(), before any streaming thread exists */
static const GstAsNetSinkOps *
ops_of (GstBaseSink * sink)
{
  return GST_PAD_ELEMENT_PRIVATE (GST_BASE_SINK_PAD (sink));
}

static GstFlowReturn
net_sink_render (GstBaseSink * sink, GstBuffer * buffer)
{
  GstMapInfo map;
  GstFlowReturn ret;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    goto map_failed;
  ret = ops_of (sink)->write (sink, buffer, map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  return ret;

map_failed:
  gst_as_post_unreadable_buffer (GST_ELEMENT (sink), buffer);
  return GST_FLOW_ERROR;
}

static gboolean
net_sink_event (GstBaseSink * sink, GstEvent * event)
{
  GstBaseSinkClass *parent =
      g_type_class_peek_parent (G_OBJECT_GET_CLASS (sink));

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      if (!ops_of (sink)->drain (sink)) {
        gst_event_unref (event);
        return FALSE;
      }
      break;
    case GST_EVENT_FLUSH_STOP:
      ops_of (sink)->flush (sink);
      break;
    default:
      break;
  }
  return parent->event (sink, event);
}

/* TRUE when a bin above @element is on its way to READY or NULL: its
 * target state says so while it steps its children down through PAUSED. */
static gboolean
ancestor_going_down (GstElement * element)
{
  GstObject *obj = gst_object_ref (GST_OBJECT (element)), *parent;
  gboolean down = FALSE;

  while (!down && (parent = gst_object_get_parent (obj)) != NULL) {
    gst_object_unref (obj);
    obj = parent;
    GST_OBJECT_LOCK (obj);
    down = GST_IS_ELEMENT (obj) && GST_STATE_TARGET (obj) <= GST_STATE_READY;
    GST_OBJECT_UNLOCK (obj);
  }
  gst_object_unref (obj);
  return down;
}

/* Stopping a pipeline takes each sink from PLAYING to PAUSED first. A
 * GstBaseSink that has rendered since its preroll then goes asynchronous,
 * and its streaming thread, bringing the next buffer, commits a preroll
 * and posts STATE_CHANGED and ASYNC_DONE, only for the bin to take it to
 * READY a moment later. With hundreds of sinks those posts happen at
 * once, from hundreds of threads, into one bus, whose queue makes every
 * writer spin until the writers before it are done: a stop that takes
 * 0.1 s then takes seconds or minutes (docs/scale.md, "Stopping").
 * GstBaseSink skips the preroll when the sink's own target is READY or
 * lower; when a bin above is going down, that is this sink's target too,
 * so it is set before GstBaseSink looks at it. */
static GstStateChangeReturn
net_sink_change_state (GstElement * element, GstStateChange transition)
{
  GstElementClass *parent =
      g_type_class_peek_parent (G_OBJECT_GET_CLASS (element));
  GstBaseSink *sink = GST_BASE_SINK (element);
  GstStateChangeReturn ret;

  if (transition != GST_STATE_CHANGE_PLAYING_TO_PAUSED
      || !ancestor_going_down (element))
    return parent->change_state (element, transition);

  GST_OBJECT_LOCK (element);
  GST_STATE_TARGET (element) = GST_STATE_READY;
  GST_OBJECT_UNLOCK (element);
  ret = parent->change_state (element, transition);
  /* The streaming thread then waits in GstBaseSink's own preroll wait,
   * without committing anything, until the pad is deactivated, instead of
   * rendering what the stop discards anyway: hundreds of capture threads
   * that keep running would hold the stop up, the bin waiting for each of
   * them in turn to get the CPU. Back to PLAYING instead, GstBaseSink
   * finds itself prerolled and lets it go on. */
  GST_BASE_SINK_PREROLL_LOCK (sink);
  sink->need_preroll = TRUE;
  sink->playing_async = FALSE;
  GST_BASE_SINK_PREROLL_UNLOCK (sink);
  return ret;
}

static gboolean
net_sink_unlock (GstBaseSink * sink)
{
  ops_of (sink)->unlock (sink, TRUE);
  return TRUE;
}

static gboolean
net_sink_unlock_stop (GstBaseSink * sink)
{
  ops_of (sink)->unlock (sink, FALSE);
  return TRUE;
}

/**
 * gst_as_net_sink_class_init:
 *
 * From the element's class_init: start(), stop() and set_caps() are
 * @ops' own; render(), event(), unlock() and unlock_stop() become the
 * shared ones, which call @ops (static storage); change_state() becomes
 * one that skips GstBaseSink's preroll when the pipeline stops;
 * set_property() and get_property() become propbind's, so every property
 * is installed with a binding (propbind.h).
 */
void
gst_as_net_sink_class_init (GstBaseSinkClass * klass,
    const GstAsNetSinkOps * ops)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  g_return_if_fail (ops->start && ops->stop && ops->set_caps && ops->write
      && ops->drain && ops->flush && ops->unlock);

  g_type_set_qdata (G_TYPE_FROM_CLASS (klass), OPS_QUARK, (gpointer) ops);
  gobject_class->set_property = gst_as_prop_set_property;
  gobject_class->get_property = gst_as_prop_get_property;
  element_class->change_state = GST_DEBUG_FUNCPTR (net_sink_change_state);
  klass->start = ops->start;
  klass->stop = ops->stop;
  klass->set_caps = ops->set_caps;
  klass->render = GST_DEBUG_FUNCPTR (net_sink_render);
  klass->event = GST_DEBUG_FUNCPTR (net_sink_event);
  klass->unlock = GST_DEBUG_FUNCPTR (net_sink_unlock);
  klass->unlock_stop = GST_DEBUG_FUNCPTR (net_sink_unlock_stop);
}

/**
 * gst_as_net_sink_init:
 *
 * From the element's instance init. The schedule (or the service), not
 * buffer timestamps, decides when audio goes out: no clock sync.
 */
void
gst_as_net_sink_init (GstBaseSink * sink)
{
  const GstAsNetSinkOps *ops =
      g_type_get_qdata (G_OBJECT_TYPE (sink), OPS_QUARK);

  g_return_if_fail (ops != NULL);
  gst_pad_set_element_private (GST_BASE_SINK_PAD (sink), (gpointer) ops);
  gst_base_sink_set_sync (sink, FALSE);
}
