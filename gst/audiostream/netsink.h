/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/gst.h>
#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

/**
 * GstAsNetSinkOps:
 * @start: GstBaseSinkClass::start: copy the settings, start the engine
 * @stop: GstBaseSinkClass::stop: stop it, join its threads
 * @set_caps: GstBaseSinkClass::set_caps: the format
 * @write: the streaming thread's bytes of one buffer (mapped for reading)
 *   to the element's engine
 * @drain: at EOS, wait until what came before it is out; FALSE drops the
 *   EOS (the stream failed, and an EOS would tell the application that
 *   nothing was lost); the element posted why
 * @flush: at FLUSH_STOP, forget what was queued: it belongs to the old
 *   position
 * @unlock: unlock() (@unlocked TRUE: stop every wait, return FLUSHING) and
 *   unlock_stop() (FALSE: waiting is allowed again)
 *
 * What a network sink (audiostreamsink, sttpushsink) does differently;
 * the GstBaseSink glue around it is the same and lives here once.
 *
 * Both sinks sit in different plugins that each link this library, so the
 * glue is not a GType (a base class would be registered twice in a
 * process that loads both, and would show in each element's hierarchy):
 * gst_as_net_sink_class_init() puts shared vfunc implementations into the
 * element's GstBaseSinkClass and keeps @ops with the type;
 * gst_as_net_sink_init() hands them to each instance, on its sink pad's
 * element-private pointer, so render() finds them with one load and no
 * lock. The element's type must be final (both are): the ops are found on
 * the instance's own type, and event() chains up from the instance's
 * class, so a subclass would find no ops and loop in event().
 */
typedef struct
{
  gboolean (*start) (GstBaseSink * sink);
  gboolean (*stop) (GstBaseSink * sink);
  gboolean (*set_caps) (GstBaseSink * sink, GstCaps * caps);
  GstFlowReturn (*write) (GstBaseSink * sink, GstBuffer * buffer,
      const guint8 * data, gsize size);
  gboolean (*drain) (GstBaseSink * sink);
  void (*flush) (GstBaseSink * sink);
  void (*unlock) (GstBaseSink * sink, gboolean unlocked);
} GstAsNetSinkOps;

void      gst_as_net_sink_class_init    (GstBaseSinkClass * klass,
                                         const GstAsNetSinkOps * ops);
void      gst_as_net_sink_init          (GstBaseSink * sink);

G_END_DECLS
