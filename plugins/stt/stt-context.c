/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The shared network thread of the STT sessions: see stt-context.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "stt-context.h"

/* At exit, what libsoup still has to finish (close frames) gets this many
 * iterations: a source that keeps firing must not keep the thread. */
#define DRAIN_ITERATIONS 100
/* At most one pass over the context this often. Every pass walks every
 * session's sources and polls every socket, and a dispatched socket source
 * wakes the context once more by itself (GLib re-adds its fd): without a
 * floor, 200 busy sessions cost thousands of passes a second, each over
 * all of them. A pass that comes sooner waits the rest of the period and
 * then serves everything that became ready meanwhile, at once; not while
 * a stop() waits (gst_stt_context_hurry()). */
#define MIN_PASS_US 2000

struct _GstSttContext
{
  gint refcount;                /* under context_lock */
  GMainContext *context;
  GThread *thread;
  gint quit;                    /* atomic: the thread must leave */
  gint hurry;                   /* atomic: stop()s waiting on the thread */
  gboolean detached;            /* released on the thread: it frees this */

  /* the shared thread's own */
  GPtrArray *tickers;           /* of GST_STT_TICK_MS */
  GSource *tick_source;         /* while there are any */
  gboolean ticking;             /* removals are deferred meanwhile */
};

struct _GstSttTicker
{
  GstSttTickFunc func;
  gpointer user_data;
  GSource *own_source;          /* a period of its own, else NULL */
  gboolean removed;             /* during a tick: freed after it */
};

/* Guards the_context and every refcount; held only to take or drop a
 * reference, never while the thread runs anything. */
static GMutex context_lock;
static GstSttContext *the_context;

static gpointer
context_thread_func (gpointer user_data)
{
  GstSttContext *ctx = user_data;
  /* its own reference: a release from this thread drops the others
   * before the loop returns */
  GMainContext *context = g_main_context_ref (ctx->context);
  gint *quit = &ctx->quit;
  gint64 last = 0, now;
  guint i;

  g_main_context_push_thread_default (context);
  /* not a GMainLoop: a quit that comes before the loop runs is not lost */
  while (!g_atomic_int_get (quit)) {
    g_main_context_iteration (context, TRUE);
    now = g_get_monotonic_time ();
    if (now - last < MIN_PASS_US && !g_atomic_int_get (&ctx->hurry)) {
      g_usleep (last + MIN_PASS_US - now);
      now = g_get_monotonic_time ();
    }
    last = now;
  }
  for (i = 0; i < DRAIN_ITERATIONS &&
      g_main_context_iteration (context, FALSE); i++);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  if (ctx->detached) {
    g_ptr_array_unref (ctx->tickers);
    g_free (ctx);
  }
  return NULL;
}

static GstSttContext *
context_new (GError ** error)
{
  GstSttContext *ctx = g_new0 (GstSttContext, 1);

  ctx->refcount = 1;
  ctx->context = g_main_context_new ();
  ctx->tickers = g_ptr_array_new_with_free_func (g_free);
  ctx->thread = g_thread_try_new ("sttnet", context_thread_func, ctx, error);
  if (ctx->thread != NULL)
    return ctx;

  g_main_context_unref (ctx->context);
  g_ptr_array_unref (ctx->tickers);
  g_free (ctx);
  return NULL;
}

/**
 * gst_stt_context_acquire:
 *
 * The process's STT network thread, started if no session uses it yet.
 * Returns NULL (and @error) if a thread could not be made.
 */
GstSttContext *
gst_stt_context_acquire (GError ** error)
{
  GstSttContext *ctx;

  g_mutex_lock (&context_lock);
  if (the_context != NULL) {
    the_context->refcount++;
    ctx = the_context;
  } else {
    ctx = the_context = context_new (error);
  }
  g_mutex_unlock (&context_lock);
  return ctx;
}

/**
 * gst_stt_context_release:
 *
 * Drops a session's use of @ctx; the last one stops and joins the thread
 * (after a short drain of what libsoup was still closing). A session must
 * have removed everything of its own from the context first.
 */
void
gst_stt_context_release (GstSttContext * ctx)
{
  gboolean last;

  g_mutex_lock (&context_lock);
  last = --ctx->refcount == 0;
  if (last && the_context == ctx)
    the_context = NULL;
  g_mutex_unlock (&context_lock);
  if (!last)
    return;

  if (g_thread_self () == ctx->thread) {
    /* released from a callback on the thread itself: it cannot join
     * itself; it leaves when the callback returns, and frees @ctx */
    ctx->detached = TRUE;
    g_atomic_int_set (&ctx->quit, 1);
    g_thread_unref (ctx->thread);
    g_main_context_unref (ctx->context);
    return;
  }
  g_atomic_int_set (&ctx->quit, 1);
  g_main_context_wakeup (ctx->context);
  g_thread_join (ctx->thread);
  g_main_context_unref (ctx->context);
  g_ptr_array_unref (ctx->tickers);
  g_free (ctx);
}

GMainContext *
gst_stt_context_get_main_context (GstSttContext * ctx)
{
  return ctx->context;
}

/**
 * gst_stt_context_hurry:
 *
 * While a caller waits for the thread (a synchronous stop()), it passes
 * over the context as often as there is something to do.
 */
void
gst_stt_context_hurry (GstSttContext * ctx, gboolean hurry)
{
  if (hurry)
    g_atomic_int_inc (&ctx->hurry);
  else
    g_atomic_int_dec_and_test (&ctx->hurry);
}

/* Whether the caller runs on @ctx's thread. */
gboolean
gst_stt_context_is_current (GstSttContext * ctx)
{
  return g_thread_self () == ctx->thread;
}

static gboolean
on_shared_tick (gpointer user_data)
{
  GstSttContext *ctx = user_data;
  guint i;

  /* the length is read again each time: a ticker added by a tick runs in
   * this round too */
  ctx->ticking = TRUE;
  for (i = 0; i < ctx->tickers->len; i++) {
    GstSttTicker *t = g_ptr_array_index (ctx->tickers, i);

    if (!t->removed)
      t->func (t->user_data);
  }
  ctx->ticking = FALSE;

  for (i = ctx->tickers->len; i > 0; i--)
    if (((GstSttTicker *) g_ptr_array_index (ctx->tickers, i - 1))->removed)
      g_ptr_array_remove_index (ctx->tickers, i - 1);
  if (ctx->tickers->len > 0)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&ctx->tick_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
on_own_tick (gpointer user_data)
{
  GstSttTicker *t = user_data;

  t->func (t->user_data);
  return G_SOURCE_CONTINUE;
}

/**
 * gst_stt_context_add_ticker:
 *
 * Calls @func every @period_ms on the shared thread, until removed. Call
 * on the shared thread.
 */
GstSttTicker *
gst_stt_context_add_ticker (GstSttContext * ctx, guint period_ms,
    GstSttTickFunc func, gpointer user_data)
{
  GstSttTicker *t = g_new0 (GstSttTicker, 1);

  t->func = func;
  t->user_data = user_data;
  if (period_ms != GST_STT_TICK_MS) {
    t->own_source = g_timeout_source_new (period_ms);
    g_source_set_callback (t->own_source, on_own_tick, t, NULL);
    g_source_attach (t->own_source, ctx->context);
    return t;
  }
  g_ptr_array_add (ctx->tickers, t);
  if (ctx->tick_source == NULL) {
    ctx->tick_source = g_timeout_source_new (GST_STT_TICK_MS);
    g_source_set_static_name (ctx->tick_source, "sttnet tick");
    g_source_set_callback (ctx->tick_source, on_shared_tick, ctx, NULL);
    g_source_attach (ctx->tick_source, ctx->context);
  }
  return t;
}

/**
 * gst_stt_context_remove_ticker:
 *
 * @ticker is not called any more once this returns. Call on the shared
 * thread.
 */
void
gst_stt_context_remove_ticker (GstSttContext * ctx, GstSttTicker * ticker)
{
  if (ticker->own_source != NULL) {
    g_source_destroy (ticker->own_source);
    g_source_unref (ticker->own_source);
    g_free (ticker);
    return;
  }
  if (ctx->ticking) {
    ticker->removed = TRUE;
    return;
  }
  g_ptr_array_remove_fast (ctx->tickers, ticker);
  if (ctx->tickers->len == 0 && ctx->tick_source != NULL) {
    g_source_destroy (ctx->tick_source);
    g_clear_pointer (&ctx->tick_source, g_source_unref);
  }
}
