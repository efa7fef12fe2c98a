/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What sttpushsink and stttranscriber do the same way with their session:
 * see stt-element.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "stt-element.h"
#include "audiostream/sinkfront.h"

#include <gst/audio/audio.h>
#include <string.h>

GstStaticPadTemplate gst_stt_sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) S16LE, "
        "layout = (string) interleaved, rate = (int) [ 8000, 48000 ], "
        "channels = (int) [ 1, 8 ]"));

/* Frames per WebSocket frame: @chunk_ms within what the backend takes (a
 * WARNING says when it had to move). */
static guint
chunk_frames (GstElement * element, guint chunk_ms, gint rate,
    const GstSttBackendInfo * info)
{
  guint ms = CLAMP (chunk_ms, info->min_chunk_ms, info->max_chunk_ms);

  if (ms != chunk_ms)
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("%s takes %u to %u ms of audio per frame: sending %u ms chunks "
            "instead of chunk-ms=%u.", info->title, info->min_chunk_ms,
            info->max_chunk_ms, ms, chunk_ms), (NULL));
  return MAX (1, gst_util_uint64_scale_int (ms, rate, 1000));
}

/* ------------------------------------------------------------------------ */
/* Lag                                                                       */

void
gst_stt_lag_meter_reset (GstSttLagMeter * meter)
{
  gst_stt_lag_reset (&meter->lag);
  g_atomic_int_set (&meter->live, 0);
}

/* The running time of the last audio of a -final structure. */
static GstClockTime
final_end_running_time (const GstStructure * final)
{
  guint64 rt, start_ms, end_ms;

  if (!gst_structure_get_uint64 (final, "running-time", &rt) ||
      !GST_CLOCK_TIME_IS_VALID (rt) ||
      !gst_structure_get_uint64 (final, "start-ms", &start_ms) ||
      !gst_structure_get_uint64 (final, "end-ms", &end_ms))
    return GST_CLOCK_TIME_NONE;
  return rt + (MAX (end_ms, start_ms) - start_ms) * GST_MSECOND;
}

/**
 * gst_stt_lag_meter_final:
 * @final: a -final structure about to be posted: gets `lag-ms` when the
 *   lag can be measured
 *
 * Measures how long after the capture of its last audio @final came: the
 * clock's time now minus (base time + running time of that audio). Only
 * for a live upstream on a running clock: a file has no capture time. A
 * final past @warning_ms posts a WARNING, once an episode.
 */
void
gst_stt_lag_meter_final (GstSttLagMeter * meter, GstElement * element,
    GstStructure * final, guint warning_ms)
{
  GstClockTime end_rt = final_end_running_time (final), now, base;
  GstClock *clock;
  gint64 lag_ms;
  gboolean warn;

  if (!g_atomic_int_get (&meter->live) || !GST_CLOCK_TIME_IS_VALID (end_rt))
    return;
  clock = gst_element_get_clock (element);
  if (clock == NULL)
    return;
  now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  base = gst_element_get_base_time (element);
  lag_ms = GST_CLOCK_DIFF (base + end_rt, now) / GST_MSECOND;
  gst_structure_set (final, "lag-ms", G_TYPE_INT64, lag_ms, NULL);

  GST_OBJECT_LOCK (element);
  warn = gst_stt_lag_observe (&meter->lag, lag_ms, warning_ms);
  GST_OBJECT_UNLOCK (element);
  if (warn)
    GST_ELEMENT_WARNING (element, RESOURCE, READ,
        ("Transcripts run %" G_GINT64_FORMAT " ms behind the audio "
            "(lag-warning-ms is %u): the service or the network is slow.",
            lag_ms, warning_ms), ("final \"%s\"",
            gst_structure_get_string (final, "text")));
}

/* Adds lag-ms, max-lag-ms (-1 until measured) and lag-warnings to a
 * stats structure. */
void
gst_stt_lag_meter_add_stats (GstSttLagMeter * meter, GstElement * element,
    GstStructure * stats)
{
  GstSttLag lag;

  GST_OBJECT_LOCK (element);
  lag = meter->lag;
  GST_OBJECT_UNLOCK (element);
  gst_structure_set (stats, "lag-ms", G_TYPE_INT64, lag.last_ms,
      "max-lag-ms", G_TYPE_INT64, lag.max_ms,
      "lag-warnings", G_TYPE_UINT64, lag.warnings, NULL);
}

/* ------------------------------------------------------------------------ */
/* The element's session                                                     */

/* The session's callbacks (on its thread) */

/* A final's lag is measured and the element sees every structure before
 * the bus does: a final is in the transcript file, or on its way
 * downstream, before it is posted. */
static void
session_post (GstStructure * s, gpointer user_data)
{
  GstSttElementSession *es = user_data;
  gboolean final = gst_structure_has_name (s, "sttpushsink-final");

  if (final)
    gst_stt_lag_meter_final (&es->lag, es->element, s,
        es->settings.lag_warning_ms);
  if (es->on_post != NULL)
    es->on_post (es->element, s, final);
  gst_element_post_message (es->element,
      gst_message_new_element (GST_OBJECT (es->element), s));
}

/* A WARNING or the ERROR, from the element. */
static void
session_problem (gboolean fatal, GQuark domain, gint code, gchar * text,
    gchar * debug, const gchar * file, const gchar * function, gint line,
    gpointer user_data)
{
  GstSttElementSession *es = user_data;

  gst_element_message_full (es->element,
      fatal ? GST_MESSAGE_ERROR : GST_MESSAGE_WARNING, domain, code, text,
      debug, file, function, line);
}

static const GstSttSessionCallbacks session_callbacks = {
  session_post,
  session_problem,
};

void
gst_stt_element_session_init (GstSttElementSession * es)
{
  memset (es, 0, sizeof (*es));
  es->last_stats.state = "stopped";
  gst_stt_lag_meter_reset (&es->lag);
}

void
gst_stt_element_session_clear (GstSttElementSession * es)
{
  gst_stt_properties_clear (&es->settings);
}

/**
 * gst_stt_element_session_start:
 * @props: the element's properties (read under its object lock)
 * @partials: ask the service for partials whatever interim-results says
 * @on_post: (nullable): sees what the session posts before the bus does
 *
 * Copies the settings, checks them (an ERROR says what is wrong) and
 * starts a session with them. Returns FALSE after posting the ERROR.
 */
gboolean
gst_stt_element_session_start (GstSttElementSession * es,
    GstElement * element, const GstSttProperties * props, gboolean partials,
    GstSttElementPostFunc on_post)
{
  GstSttSessionConfig config;
  GstSttSession *session;
  GError *err = NULL;

  gst_stt_properties_clear (&es->settings);
  GST_OBJECT_LOCK (element);
  gst_stt_properties_copy (&es->settings, props);
  gst_stt_lag_meter_reset (&es->lag);
  GST_OBJECT_UNLOCK (element);
  gst_stt_properties_to_config (&es->settings, &config);
  if (partials)
    config.interim_results = TRUE;

  /* Settings problems show now, not when the first audio arrives. */
  if (!gst_stt_properties_check (element, &es->settings, &config))
    goto bad_settings;
  es->rate = es->channels = 0;
  es->element = element;
  es->on_post = on_post;
  session = gst_stt_session_new (&config, GST_OBJECT (element),
      &session_callbacks, es);
  if (!gst_stt_session_start (session, &err))
    goto no_thread;

  GST_OBJECT_LOCK (element);
  es->session = session;
  es->running = TRUE;
  es->caps_error_posted = FALSE;
  GST_OBJECT_UNLOCK (element);
  return TRUE;

bad_settings:
  gst_stt_properties_clear (&es->settings);
  return FALSE;

no_thread:
  GST_ELEMENT_ERROR (element, RESOURCE, FAILED,
      ("Could not start the network thread."), ("%s", err->message));
  g_error_free (err);
  gst_stt_session_free (session);
  gst_stt_properties_clear (&es->settings);
  return FALSE;
}

/* Stops and frees the session, keeping its counters for the stats. */
void
gst_stt_element_session_stop (GstSttElementSession * es,
    GstElement * element)
{
  GstSttSession *session;
  GstSttSessionStats st;

  GST_OBJECT_LOCK (element);
  session = es->session;
  es->running = FALSE;
  GST_OBJECT_UNLOCK (element);
  if (session != NULL) {
    gst_stt_session_stop (session);
    gst_stt_session_get_stats (session, &st);
    GST_OBJECT_LOCK (element);
    es->last_stats = st;
    es->session = NULL;
    GST_OBJECT_UNLOCK (element);
    gst_stt_session_free (session);
  }
  gst_stt_properties_clear (&es->settings);
}

/**
 * gst_stt_element_session_set_format:
 *
 * The audio format of @caps for the session, once: the same format again
 * is fine, another one is an ERROR (a session cannot change its format).
 * Streaming thread.
 */
gboolean
gst_stt_element_session_set_format (GstSttElementSession * es,
    GstElement * element, GstCaps * caps)
{
  const GstSttBackendInfo *info;
  GstAudioInfo ainfo;
  guint chunk;
  guint64 capacity;
  gint rate, channels;

  if (!gst_audio_info_from_caps (&ainfo, caps))
    goto invalid_caps;
  rate = GST_AUDIO_INFO_RATE (&ainfo);
  channels = GST_AUDIO_INFO_CHANNELS (&ainfo);

  if (es->rate > 0) {
    if (es->rate == rate && es->channels == channels)
      return TRUE;
    GST_ELEMENT_ERROR (element, CORE, NEGOTIATION,
        ("The audio format cannot change during a session (was %d Hz, %d "
            "channels; now %d Hz, %d channels).", es->rate, es->channels,
            rate, channels), ("new caps: %" GST_PTR_FORMAT, caps));
    return FALSE;
  }

  info = gst_stt_backend_get_info (es->settings.backend);
  chunk = chunk_frames (element, es->settings.chunk_ms, rate, info);
  capacity = MAX (gst_util_uint64_scale_int (es->settings.queue_ms, rate,
          1000), 2 * (guint64) chunk);
  gst_stt_session_set_format (es->session, rate, GST_AUDIO_INFO_BPF (&ainfo),
      chunk, capacity);
  es->rate = rate;
  es->channels = channels;
  GST_INFO_OBJECT (element, "%d Hz, %d channel(s), chunks of %u frames, "
      "queue of %" G_GUINT64_FORMAT " frames", rate, channels, chunk,
      capacity);
  return TRUE;

invalid_caps:
  GST_ELEMENT_ERROR (element, CORE, NEGOTIATION,
      ("Could not parse the audio format."), ("caps: %" GST_PTR_FORMAT, caps));
  return FALSE;
}

/* The stats structure: the session's counters (now, or when it stopped)
 * and the lag. Any thread. */
GstStructure *
gst_stt_element_session_stats (GstSttElementSession * es,
    GstElement * element, guint64 transcript_entries)
{
  GstSttSessionStats st;
  GstStructure *s;

  GST_OBJECT_LOCK (element);
  if (es->session != NULL)
    gst_stt_session_get_stats (es->session, &st);
  else
    st = es->last_stats;
  GST_OBJECT_UNLOCK (element);
  s = gst_stt_session_stats_to_structure (&st, transcript_entries);
  gst_stt_lag_meter_add_stats (&es->lag, element, s);
  return s;
}

/* The fixed integer @field of the first structure of @caps, or 0. */
static gint
fixed_int (const GstCaps * caps, const gchar * field)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  gint v = 0;

  if (!gst_structure_get_int (s, field, &v))
    return 0;
  return v;
}

/* The registry's explanations name sttpushsink: name @element instead.
 * Takes @text. */
static gchar *
name_the_element (gchar * text, GstElement * element)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  const gchar *name;
  gchar **parts, *named;

  if (factory == NULL)
    return text;
  name = gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory));
  parts = g_strsplit (text, "sttpushsink", -1);
  named = g_strjoinv (name, parts);
  g_strfreev (parts);
  g_free (text);
  return named;
}

/**
 * gst_stt_element_explain_format:
 * @offered: what upstream offers, refused by the backend
 *
 * Upstream offers only audio the backend does not take: says what to put
 * in between, once a run, before the generic "not-negotiated" that
 * follows. Only for a format upstream cannot change (a fixed rate or
 * channel count), so that asking what the sink takes never fails a
 * negotiation that could still succeed.
 */
void
gst_stt_element_explain_format (GstSttElementSession * es,
    GstElement * element, const GstSttProperties * props, GstCaps * offered)
{
  const GstSttBackendInfo *info;
  gchar *text;
  gboolean post;

  if (gst_caps_is_empty (offered) || gst_caps_is_any (offered) ||
      !gst_structure_has_name (gst_caps_get_structure (offered, 0),
          "audio/x-raw"))
    return;
  GST_OBJECT_LOCK (element);
  info = gst_stt_backend_get_info (props->backend);
  GST_OBJECT_UNLOCK (element);
  text = gst_stt_backend_explain_format (info, fixed_int (offered, "rate"),
      fixed_int (offered, "channels"));
  if (text == NULL)
    return;
  text = name_the_element (text, element);

  GST_OBJECT_LOCK (element);
  post = es->running && !es->caps_error_posted;
  if (post)
    es->caps_error_posted = TRUE;
  GST_OBJECT_UNLOCK (element);

  if (post)
    GST_ELEMENT_ERROR (element, CORE, NEGOTIATION, ("%s", text),
        ("upstream offers %" GST_PTR_FORMAT, offered));
  else
    GST_DEBUG_OBJECT (element, "%s", text);
  g_free (text);
}

/* What the sink pad takes: the selected backend's caps; an offer it
 * cannot take is explained. */
GstCaps *
gst_stt_element_sink_caps (GstSttElementSession * es, GstElement * element,
    const GstSttProperties * props, GstCaps * filter)
{
  const GstSttBackendInfo *info;
  GstCaps *caps, *result;

  GST_OBJECT_LOCK (element);
  info = gst_stt_backend_get_info (props->backend);
  GST_OBJECT_UNLOCK (element);

  caps = gst_stt_backend_caps (info);
  if (filter == NULL)
    return caps;
  result = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref (caps);
  if (gst_caps_is_empty (result))
    gst_stt_element_explain_format (es, element, props, filter);
  return result;
}

/**
 * gst_stt_element_session_write_mapped:
 * @segment: the sink pad's segment, for the running time of @buffer
 * @buffer: the buffer @data and @size were mapped from, for its PTS
 * @live: upstream is live (its oldest audio goes when the queue is full;
 *   finals get a lag)
 *
 * Hands @size bytes of audio at @data to the session. Streaming thread.
 */
GstFlowReturn
gst_stt_element_session_write_mapped (GstSttElementSession * es,
    const GstSegment * segment, GstBuffer * buffer, const guint8 * data,
    gsize size, gboolean live)
{
  GstClockTime running_time = GST_CLOCK_TIME_NONE;

  g_atomic_int_set (&es->lag.live, live);
  if (GST_BUFFER_PTS_IS_VALID (buffer))
    running_time = gst_segment_to_running_time (segment, GST_FORMAT_TIME,
        GST_BUFFER_PTS (buffer));
  return gst_stt_session_write (es->session, data, size, live,
      running_time);
}

/**
 * gst_stt_element_session_write:
 *
 * gst_stt_element_session_write_mapped() for a buffer not mapped yet (not
 * taken); a buffer that cannot be read is the element's ERROR.
 */
GstFlowReturn
gst_stt_element_session_write (GstSttElementSession * es,
    GstElement * element, const GstSegment * segment, GstBuffer * buffer,
    gboolean live)
{
  GstFlowReturn ret;
  GstMapInfo map;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    goto map_failed;
  ret = gst_stt_element_session_write_mapped (es, segment, buffer, map.data,
      map.size, live);
  gst_buffer_unmap (buffer, &map);
  return ret;

map_failed:
  gst_as_post_unreadable_buffer (element, buffer);
  return GST_FLOW_ERROR;
}

/**
 * gst_stt_element_accept_caps:
 * @query: an ACCEPT_CAPS query the pad's default handling answered
 * @ret: what that handling returned
 *
 * A CAPS event's check: upstream offering only what the backend refuses
 * learns what to put in between (gst_stt_element_explain_format()).
 * Returns @ret.
 */
gboolean
gst_stt_element_accept_caps (GstSttElementSession * es,
    GstElement * element, const GstSttProperties * props, GstQuery * query,
    gboolean ret)
{
  GstCaps *caps;
  gboolean accepted = FALSE;

  if (GST_QUERY_TYPE (query) != GST_QUERY_ACCEPT_CAPS)
    return ret;
  gst_query_parse_accept_caps (query, &caps);
  gst_query_parse_accept_caps_result (query, &accepted);
  if (ret && !accepted && caps != NULL)
    gst_stt_element_explain_format (es, element, props, caps);
  return ret;
}
