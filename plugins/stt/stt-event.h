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
 * GstSttEventType:
 * @GST_STT_EVENT_PARTIAL: an interim hypothesis; the next partial or final
 *   covering the same audio replaces it
 * @GST_STT_EVENT_FINAL: a committed segment, never revised. A final with
 *   empty text marks audio as recognised without words (silence)
 * @GST_STT_EVENT_UTTERANCE_END: the speaker stopped; @end_ms is when
 * @GST_STT_EVENT_METADATA: a backend message worth passing through as is
 * @GST_STT_EVENT_ERROR: an in-band error from the service
 * @GST_STT_EVENT_SESSION_END: the service ended the session before the
 *   end of the stream (a duration limit): the connection is to be closed
 *   and a new session opened; @text says what the service said
 *
 * What one server message can mean, whatever the backend.
 */
typedef enum
{
  GST_STT_EVENT_PARTIAL,
  GST_STT_EVENT_FINAL,
  GST_STT_EVENT_UTTERANCE_END,
  GST_STT_EVENT_METADATA,
  GST_STT_EVENT_ERROR,
  GST_STT_EVENT_SESSION_END,
} GstSttEventType;

/* A time or a confidence the backend did not give. */
#define GST_STT_TIME_NONE ((gint64) -1)
#define GST_STT_CONFIDENCE_NONE (-1.0)

/**
 * GstSttWord:
 *
 * One recognised word. Times are milliseconds from the start of the audio
 * sent on the session that produced it.
 */
typedef struct
{
  gchar *text;
  gint64 start_ms;
  gint64 end_ms;
  gdouble confidence;           /* 0..1, or GST_STT_CONFIDENCE_NONE */
  gchar *speaker;               /* the backend's label, or NULL */
} GstSttWord;

/**
 * GstSttEvent:
 *
 * A backend-neutral reading of one server message. Times are milliseconds
 * from the start of the audio sent on the session, GST_STT_TIME_NONE when
 * unknown; the element maps them onto the stream.
 */
typedef struct
{
  GstSttEventType type;
  gchar *text;                  /* partial, final; error: the message */
  gint64 start_ms;              /* partial, final */
  gint64 end_ms;                /* partial, final; utterance end: when */
  gdouble confidence;           /* final */
  gchar *speaker;               /* final: the first word's speaker */
  GArray *words;                /* of GstSttWord; never NULL */
  gchar *kind;                  /* metadata: message type; error: code */
  gchar *json;                  /* metadata: the message as received */
  gboolean fatal;               /* error: the session cannot go on */
  gboolean auth;                /* error: the service refused the key */
  gint channel;                 /* partial, final: the audio channel the
                                 * service transcribed separately, -1 when
                                 * it mixes them */
} GstSttEvent;

GstSttEvent * gst_stt_event_new        (GstSttEventType type);
void          gst_stt_event_free       (GstSttEvent * event);
void          gst_stt_event_add_word   (GstSttEvent * event,
                                        const gchar * text,
                                        gint64 start_ms, gint64 end_ms,
                                        gdouble confidence,
                                        const gchar * speaker);
const gchar * gst_stt_event_type_name  (GstSttEventType type);
void          gst_stt_event_normalize  (GstSttEvent * event);

gint64        gst_stt_seconds_to_ms    (gdouble seconds);

/**
 * GstSttTurn:
 *
 * The speaker of final text changed to @speaker at @at_ms.
 */
typedef struct
{
  gchar *speaker;
  gint64 at_ms;
} GstSttTurn;

/**
 * GstSttSpeakerTracker:
 *
 * Follows who is speaking across finals, so that a turn is reported only
 * when the speaker of committed words changes, not once per message.
 */
typedef struct
{
  gchar *speaker;               /* speaker of the last final word, or NULL */
} GstSttSpeakerTracker;

void      gst_stt_speaker_tracker_init  (GstSttSpeakerTracker * tracker);
void      gst_stt_speaker_tracker_clear (GstSttSpeakerTracker * tracker);
guint     gst_stt_speaker_tracker_feed  (GstSttSpeakerTracker * tracker,
                                         const GstSttEvent * final,
                                         GArray * turns);
void      gst_stt_turn_clear            (GstSttTurn * turn);

void      gst_stt_add_metadata      (GPtrArray * events, const gchar * type,
                                     const gchar * raw);
GstSttEvent * gst_stt_add_error     (GPtrArray * events, const gchar * text,
                                     const gchar * code);
gdouble   gst_stt_mean_confidence   (const GstSttEvent * event);
void      gst_stt_event_span_words  (GstSttEvent * event);

G_END_DECLS
