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
void            gst_stt_context_hurry        (GstSttContext * ctx,
                                              gboolean hurry);

/**
 * GstSttTicker:
 *
 * A periodic call on the shared thread. Tickers of GST_STT_TICK_MS share
 * one timer: one wake-up every GST_STT_TICK_MS serves every session's
 * keep-alive and stall checks, instead of one per session and check,
 * each of which would walk every source of the shared context. Other
 * periods get a timer of their own. Added and removed on the shared
 * thread only; a tick function may remove any ticker, itself included.
 */
typedef struct _GstSttTicker GstSttTicker;
typedef void (*GstSttTickFunc) (gpointer user_data);

#define GST_STT_TICK_MS 250

GstSttTicker *  gst_stt_context_add_ticker   (GstSttContext * ctx,
                                              guint period_ms,
                                              GstSttTickFunc func,
                                              gpointer user_data);
void            gst_stt_context_remove_ticker (GstSttContext * ctx,
                                              GstSttTicker * ticker);

G_END_DECLS
