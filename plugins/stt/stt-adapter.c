/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What the backends call back into (stt-adapter.h). It stays out of the
 * registry, stt-backend.c, which calls the backends: a backend that
 * called the registry would close an import circle. */

#include "stt-adapter.h"

void
gst_stt_adapter_server_ended (GstSttAdapter * a, const gchar * what,
    GPtrArray * events)
{
  GstSttEvent *ev = gst_stt_event_new (GST_STT_EVENT_SESSION_END);

  g_free (a->ended);
  a->ended = g_strdup (what);
  ev->text = g_strdup (what);
  g_ptr_array_add (events, ev);
}
