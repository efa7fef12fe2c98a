/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "stt-event.h"

#include <math.h>

/* A bound on any time a server can make us compute: a year of audio. JSON
 * numbers are doubles of any size; casting one out of range to an integer
 * is undefined behaviour, so every time goes through here. */
#define MAX_TIME_MS ((gint64) 366 * 24 * 3600 * 1000)

static void
word_clear (gpointer data)
{
  GstSttWord *w = data;

  g_free (w->text);
  g_free (w->speaker);
}

GstSttEvent *
gst_stt_event_new (GstSttEventType type)
{
  GstSttEvent *event = g_new0 (GstSttEvent, 1);

  event->type = type;
  event->start_ms = event->end_ms = GST_STT_TIME_NONE;
  event->confidence = GST_STT_CONFIDENCE_NONE;
  event->channel = -1;
  event->words = g_array_new (FALSE, TRUE, sizeof (GstSttWord));
  g_array_set_clear_func (event->words, word_clear);
  return event;
}

void
gst_stt_event_free (GstSttEvent * event)
{
  if (event == NULL)
    return;
  g_free (event->text);
  g_free (event->speaker);
  g_free (event->kind);
  g_free (event->json);
  g_array_unref (event->words);
  g_free (event);
}

void
gst_stt_event_add_word (GstSttEvent * event, const gchar * text,
    gint64 start_ms, gint64 end_ms, gdouble confidence, const gchar * speaker)
{
  GstSttWord w;

  w.text = g_strdup (text);
  w.start_ms = start_ms;
  w.end_ms = end_ms;
  w.confidence = confidence;
  w.speaker = g_strdup (speaker);
  g_array_append_val (event->words, w);
}

const gchar *
gst_stt_event_type_name (GstSttEventType type)
{
  switch (type) {
    case GST_STT_EVENT_PARTIAL:
      return "partial";
    case GST_STT_EVENT_FINAL:
      return "final";
    case GST_STT_EVENT_UTTERANCE_END:
      return "utterance-end";
    case GST_STT_EVENT_METADATA:
      return "metadata";
    case GST_STT_EVENT_ERROR:
      return "error";
    case GST_STT_EVENT_SESSION_END:
      return "session-end";
  }
  return "unknown";
}

/* Replaces *str with a valid UTF-8 copy if it is not valid UTF-8. */
static void
make_valid (gchar ** str)
{
  gchar *valid;

  if (*str == NULL || g_utf8_validate (*str, -1, NULL))
    return;
  valid = g_utf8_make_valid (*str, -1);
  g_free (*str);
  *str = valid;
}

static void
order_times (gint64 start_ms, gint64 * end_ms)
{
  if (start_ms >= 0 && *end_ms >= 0 && *end_ms < start_ms)
    *end_ms = start_ms;
}

/**
 * gst_stt_event_normalize:
 *
 * Makes an event safe to publish whatever the server sent. Raw messages
 * are checked to be UTF-8, but a JSON escape can still decode to invalid
 * UTF-8 (a lone surrogate, "\ud800"): every string is made valid, with
 * U+FFFD for what is not. Times never run backwards: an end before its
 * start is moved to the start.
 */
void
gst_stt_event_normalize (GstSttEvent * event)
{
  guint i;

  make_valid (&event->text);
  make_valid (&event->speaker);
  make_valid (&event->kind);
  order_times (event->start_ms, &event->end_ms);
  for (i = 0; i < event->words->len; i++) {
    GstSttWord *w = &g_array_index (event->words, GstSttWord, i);

    make_valid (&w->text);
    make_valid (&w->speaker);
    order_times (w->start_ms, &w->end_ms);
  }
}

/**
 * gst_stt_seconds_to_ms:
 *
 * Rounds a time in seconds, as the services send it, to milliseconds.
 * Negative, non-finite and absurdly large values are clamped to 0 and a
 * year, never converted with undefined behaviour.
 */
gint64
gst_stt_seconds_to_ms (gdouble seconds)
{
  gdouble ms = seconds * 1000.0;

  if (!(ms > 0.0))              /* also NaN */
    return 0;
  if (ms >= (gdouble) MAX_TIME_MS)
    return MAX_TIME_MS;
  return (gint64) floor (ms + 0.5);
}

void
gst_stt_speaker_tracker_init (GstSttSpeakerTracker * tracker)
{
  tracker->speaker = NULL;
}

void
gst_stt_speaker_tracker_clear (GstSttSpeakerTracker * tracker)
{
  g_clear_pointer (&tracker->speaker, g_free);
}

void
gst_stt_turn_clear (GstSttTurn * turn)
{
  g_clear_pointer (&turn->speaker, g_free);
}

static guint
note_speaker (GstSttSpeakerTracker * tracker, const gchar * speaker,
    gint64 at_ms, GArray * turns)
{
  GstSttTurn turn;

  if (speaker == NULL || g_strcmp0 (speaker, tracker->speaker) == 0)
    return 0;

  g_free (tracker->speaker);
  tracker->speaker = g_strdup (speaker);
  turn.speaker = g_strdup (speaker);
  turn.at_ms = at_ms;
  g_array_append_val (turns, turn);
  return 1;
}

/**
 * gst_stt_speaker_tracker_feed:
 * @final: a final event; anything else is ignored
 * @turns: (element-type GstSttTurn): where new turns are appended; the
 *   caller clears them with gst_stt_turn_clear()
 *
 * Walks the final's words in order and reports each change of speaker. A
 * final without words but with a speaker (a turn-based backend) counts as
 * one word at its start. Words without a speaker change nothing.
 *
 * Returns: the number of turns appended
 */
guint
gst_stt_speaker_tracker_feed (GstSttSpeakerTracker * tracker,
    const GstSttEvent * final, GArray * turns)
{
  guint i, n = 0;

  if (final->type != GST_STT_EVENT_FINAL)
    return 0;

  if (final->words->len == 0)
    return note_speaker (tracker, final->speaker, final->start_ms, turns);

  for (i = 0; i < final->words->len; i++) {
    const GstSttWord *w = &g_array_index (final->words, GstSttWord, i);

    n += note_speaker (tracker, w->speaker, w->start_ms, turns);
  }
  return n;
}

/* ------------------------------------------------------------------------ */
/* Events the backends share                                                 */

void
gst_stt_add_metadata (GPtrArray * events, const gchar * type,
    const gchar * raw)
{
  GstSttEvent *ev = gst_stt_event_new (GST_STT_EVENT_METADATA);

  ev->kind = g_strdup (type);
  ev->json = g_strdup (raw);
  g_ptr_array_add (events, ev);
}

/* Returns: (transfer none): the error event added, for the caller to mark
 * fatal or auth */
GstSttEvent *
gst_stt_add_error (GPtrArray * events, const gchar * text, const gchar * code)
{
  GstSttEvent *ev = gst_stt_event_new (GST_STT_EVENT_ERROR);

  ev->text = g_strdup (text != NULL && text[0] != '\0' ? text :
      "unspecified error");
  ev->kind = g_strdup (code);
  g_ptr_array_add (events, ev);
  return ev;
}

/* The mean of the words' confidences; none when any word has none. */
gdouble
gst_stt_mean_confidence (const GstSttEvent * ev)
{
  gdouble sum = 0;
  guint i;

  for (i = 0; i < ev->words->len; i++) {
    gdouble c = g_array_index (ev->words, GstSttWord, i).confidence;

    if (c < 0)
      return GST_STT_CONFIDENCE_NONE;
    sum += c;
  }
  return ev->words->len > 0 ? sum / ev->words->len : GST_STT_CONFIDENCE_NONE;
}

/* Start, end and speaker of an event from its words, when it has any. */
void
gst_stt_event_span_words (GstSttEvent * ev)
{
  const GstSttWord *first, *last;

  if (ev->words->len == 0)
    return;
  first = &g_array_index (ev->words, GstSttWord, 0);
  last = &g_array_index (ev->words, GstSttWord, ev->words->len - 1);
  ev->start_ms = first->start_ms;
  ev->end_ms = MAX (last->end_ms, first->start_ms);
  if (ev->speaker == NULL)
    ev->speaker = g_strdup (first->speaker);
}
