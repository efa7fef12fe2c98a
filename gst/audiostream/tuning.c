/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:tuning
 *
 * The environment knobs of the sending side, read and checked in one
 * place. A value that is not a whole number in the knob's range is
 * ignored with a warning on stderr (the default is used), so that a typo
 * in a benchmark's environment shows instead of silently measuring the
 * default.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "tuning.h"

#include <gst/gst.h>

GST_DEBUG_CATEGORY_STATIC (tuning_debug);
#define GST_CAT_DEFAULT tuning_debug

typedef struct
{
  const gchar *name;
  guint64 fallback;
  guint64 min;
  guint64 max;
} Knob;

/* The defaults, and why:
 * - SCHED_WINDOW_US: chunks due this close to a wake-up go out with it,
 *   early. The phase grid does the batching (netsender.c); the window only
 *   has to take in a group whose deadline, converted from the pipeline
 *   clock, moved by a few µs. It was 1 ms: a batch that ran late (its
 *   thread preempted in the middle of it) then sent the next group, due
 *   2 ms after its own, up to 1 ms early, and one early chunk is what a
 *   stream's lateness is measured from. 300 and 500 live streams: p99
 *   0.4-1.7 ms against 1.3-2.5 ms (docs/scale.md, "The batching window").
 * - SCHED_THREADS 0, one per core: one thread that must do all the sends
 *   of 250 streams gets no more CPU than its fair share under CFS on a
 *   loaded machine, and collapsed there; one per core did not.
 * - PHASE_GROUP 64: one group of 250 made the last sends of each burst
 *   2.6-3.7 ms late; groups of 64 kept them within 1.3 ms. */
static const Knob knobs[GST_AS_TUNING_N] = {
  [GST_AS_TUNING_IO_URING] = {"GST_AUDIOSTREAM_IO_URING", 1, 0, 1},
  [GST_AS_TUNING_PHASE_GRID] = {"GST_AUDIOSTREAM_PHASE_GRID", 1, 0, 1},
  [GST_AS_TUNING_PHASE_GROUP] = {"GST_AUDIOSTREAM_PHASE_GROUP", 64, 1,
      G_MAXINT},
  [GST_AS_TUNING_SCHED_WINDOW_US] = {"GST_AUDIOSTREAM_SCHED_WINDOW_US", 100,
      0, G_USEC_PER_SEC},
  [GST_AS_TUNING_SCHED_THREADS] = {"GST_AUDIOSTREAM_SCHED_THREADS", 0, 0,
      1024},
};

static void
init_debug (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (tuning_debug, "audiostream-tuning", 0,
        "environment knobs of the sending side");
    g_once_init_leave (&done, 1);
  }
}

const gchar *
gst_as_tuning_name (GstAsTuning knob)
{
  g_return_val_if_fail (knob < GST_AS_TUNING_N, NULL);
  return knobs[knob].name;
}

/**
 * gst_as_tuning_parse:
 * @text: (nullable): the variable's value, NULL when unset
 * @valid: (out) (optional): FALSE when @text was set but not usable
 *
 * Returns: @text as the knob's value, or its default when @text is NULL,
 *   not a whole decimal number, or out of the knob's range
 */
guint64
gst_as_tuning_parse (GstAsTuning knob, const gchar * text, gboolean * valid)
{
  const Knob *k;
  guint64 value;

  g_return_val_if_fail (knob < GST_AS_TUNING_N, 0);
  k = &knobs[knob];
  if (valid)
    *valid = TRUE;
  if (text == NULL)
    return k->fallback;
  if (!g_ascii_string_to_unsigned (text, 10, k->min, k->max, &value, NULL)) {
    if (valid)
      *valid = FALSE;
    return k->fallback;
  }
  return value;
}

/**
 * gst_as_tuning_get:
 *
 * Returns: the knob's value for this process: read from the environment
 *   the first time, with one warning if it is set to something unusable
 */
guint64
gst_as_tuning_get (GstAsTuning knob)
{
  static gsize read_once = 0;
  static guint64 values[GST_AS_TUNING_N];

  g_return_val_if_fail (knob < GST_AS_TUNING_N, 0);
  if (g_once_init_enter (&read_once)) {
    guint i;

    init_debug ();
    for (i = 0; i < GST_AS_TUNING_N; i++) {
      const gchar *text = g_getenv (knobs[i].name);
      gboolean valid;

      values[i] = gst_as_tuning_parse (i, text, &valid);
      if (!valid)
        g_warning ("%s=%s is not a whole number from %" G_GUINT64_FORMAT
            " to %" G_GUINT64_FORMAT ": using %" G_GUINT64_FORMAT,
            knobs[i].name, text, knobs[i].min, knobs[i].max, values[i]);
      else if (text != NULL)
        GST_INFO ("%s=%" G_GUINT64_FORMAT, knobs[i].name, values[i]);
    }
    g_once_init_leave (&read_once, 1);
  }
  return values[knob];
}
