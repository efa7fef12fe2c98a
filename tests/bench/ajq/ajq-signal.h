/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The synthetic audio that the adaptivejitterqueue evaluation plays
 * through recorded arrival traces: ajq-replay (through the element) and
 * tests/check/libs/playout-engine.c (through the engine alone). */

#pragma once

#include <glib.h>
#include <math.h>

/* Speech-like: voiced stretches (a few harmonics of a gliding pitch under a
 * syllable envelope) separated by pauses with faint noise. */
static inline gdouble
ajq_speech_sample (guint64 frame, guint rate, gdouble * phase)
{
  gdouble t = (gdouble) frame / rate;
  gdouble cycle = fmod (t, 2.3);
  gdouble env, f0, v = 0.0;
  guint h;

  /* ~1.6 s of talk, ~0.7 s of pause */
  if (cycle < 1.6)
    env = pow (sin (G_PI * fmod (t, 0.2) / 0.2), 2.0) * 0.6 + 0.1;
  else
    env = 0.0;
  f0 = 120.0 + 40.0 * sin (2 * G_PI * 0.7 * t);
  *phase += 2 * G_PI * f0 / rate;
  if (*phase > 2 * G_PI)
    *phase -= 2 * G_PI;
  for (h = 1; h <= 6; h++)
    v += sin (h * *phase) / h;
  v *= env * 0.4;
  /* faint noise, deterministic */
  v += (((frame * 2654435761u) >> 16 & 0xffff) / 65536.0 - 0.5) * 0.002;
  return v;
}
