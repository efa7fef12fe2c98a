/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

/* What sttpushsink and stttranscriber do the same way with their session,
 * written once: the sink pad's caps, the session's life cycle and
 * callbacks, the audio format, the audio itself, the stats, an offer of
 * audio the backend refuses, and the lag of a final behind the capture of
 * its audio. GStreamer glue over stt-session.h; the properties are
 * stt-properties.h. */

#include <gst/gst.h>

#include "stt-properties.h"
#include "stt-session.h"
#include "stt-timeline.h"

G_BEGIN_DECLS

/* The sink pad of both elements: S16LE audio, before a backend is chosen
 * (gst_stt_element_sink_caps() narrows it to the backend's). */
extern GstStaticPadTemplate gst_stt_sink_template;

/**
 * GstSttLagMeter:
 *
 * How far finals run behind the capture of their audio, as an element
 * measures it on its clock (see gst_stt_lag_meter_final()). Under the
 * element's object lock.
 */
typedef struct
{
  GstSttLag lag;
  gint live;                    /* atomic: upstream is live (render) */
} GstSttLagMeter;

void     gst_stt_lag_meter_reset      (GstSttLagMeter * meter);
void     gst_stt_lag_meter_final      (GstSttLagMeter * meter,
                                       GstElement * element,
                                       GstStructure * final,
                                       guint warning_ms);
void     gst_stt_lag_meter_add_stats  (GstSttLagMeter * meter,
                                       GstElement * element,
                                       GstStructure * stats);

/**
 * GstSttElementPostFunc:
 * @s: a session structure (sttpushsink-final, -partial, -session …) about
 *   to go on the bus; the element may change it (rename it)
 * @final: @s is a final, its lag-ms set when measured
 *
 * What an element does with what its session posts before the bus has
 * it. Called on the session thread.
 */
typedef void (*GstSttElementPostFunc) (GstElement * element,
    GstStructure * s, gboolean final);

/**
 * GstSttElementSession:
 *
 * An element's session and what goes with it, the same for both
 * elements: the settings copied when it starts, the audio format once
 * known, the lag meter, and the counters it had when it stopped. The
 * session pointer and last_stats are under the element's object lock (the
 * stats getter); rate and channels belong to the streaming thread.
 *
 * The session's callbacks are the same for both elements: a final gets
 * its lag measured, the element's on_post sees every structure before it
 * goes on the bus as an element message, and problems are posted as the
 * element's WARNINGs and ERRORs.
 */
typedef struct
{
  GstSttSession *session;
  GstElement *element;          /* set in start() */
  GstSttElementPostFunc on_post;
  GstSttSessionStats last_stats;
  GstSttProperties settings;
  GstSttLagMeter lag;
  gint rate;                    /* 0: no format yet */
  gint channels;
  gboolean running;             /* object lock: between start and stop */
  gboolean caps_error_posted;   /* object lock: the wrong-format ERROR */
} GstSttElementSession;

void     gst_stt_element_session_init  (GstSttElementSession * es);
void     gst_stt_element_session_clear (GstSttElementSession * es);
gboolean gst_stt_element_session_start (GstSttElementSession * es,
                                        GstElement * element,
                                        const GstSttProperties * props,
                                        gboolean partials,
                                        GstSttElementPostFunc on_post);
void     gst_stt_element_session_stop  (GstSttElementSession * es,
                                        GstElement * element);
gboolean gst_stt_element_session_set_format (GstSttElementSession * es,
                                        GstElement * element,
                                        GstCaps * caps);
GstStructure * gst_stt_element_session_stats (GstSttElementSession * es,
                                        GstElement * element,
                                        guint64 transcript_entries);
GstCaps * gst_stt_element_sink_caps    (GstSttElementSession * es,
                                        GstElement * element,
                                        const GstSttProperties * props,
                                        GstCaps * filter);
void     gst_stt_element_explain_format (GstSttElementSession * es,
                                        GstElement * element,
                                        const GstSttProperties * props,
                                        GstCaps * offered);
GstFlowReturn gst_stt_element_session_write (GstSttElementSession * es,
                                        GstElement * element,
                                        const GstSegment * segment,
                                        GstBuffer * buffer, gboolean live);
GstFlowReturn gst_stt_element_session_write_mapped (GstSttElementSession * es,
                                        const GstSegment * segment,
                                        GstBuffer * buffer,
                                        const guint8 * data, gsize size,
                                        gboolean live);
gboolean gst_stt_element_accept_caps   (GstSttElementSession * es,
                                        GstElement * element,
                                        const GstSttProperties * props,
                                        GstQuery * query, gboolean ret);

G_END_DECLS
