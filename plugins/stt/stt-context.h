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

/**
 * GstSttContext:
 *
 * The one network thread of a process's speech-to-text sessions, running
 * one GMainContext that owns every session's libsoup objects (libsoup 3
 * wants a SoupSession used from the context it was made in). The first
 * session to start makes it; the last one to leave joins it. Everything
 * that runs on it is non-blocking: a session that waits on its peer does
 * so through a source, never by sleeping, so one stalled service never
 * delays the others.
 */
typedef struct _GstSttContext GstSttContext;

GstSttContext * gst_stt_context_acquire      (GError ** error);
void            gst_stt_context_release      (GstSttContext * ctx);
GMainContext *  gst_stt_context_get_main_context (GstSttContext * ctx);
gboolean        gst_stt_context_is_current   (GstSttContext * ctx);

G_END_DECLS
