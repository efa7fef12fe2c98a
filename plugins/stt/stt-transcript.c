/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Transcript files: each final, as posted on the bus (an
 * `sttpushsink-final` structure), turned into one entry of a JSON Lines,
 * WebVTT or SubRip file. The element writes the entries as finals arrive;
 * this module only formats them, so that what is in the file and what is
 * on the bus never differ. */

#include "stt-transcript.h"

#include <errno.h>
#include <glib/gstdio.h>

#include <json-glib/json-glib.h>
#include <string.h>

/**
 * gst_stt_transcript_format_for_path:
 *
 * Resolves GST_STT_TRANSCRIPT_AUTO from @path's extension (case does not
 * matter); any other @format is kept.
 */
GstSttTranscriptFormat
gst_stt_transcript_format_for_path (GstSttTranscriptFormat format,
    const gchar * path)
{
  const gchar *dot;

  if (format != GST_STT_TRANSCRIPT_AUTO)
    return format;
  dot = path != NULL ? strrchr (path, '.') : NULL;
  if (dot != NULL && g_ascii_strcasecmp (dot, ".vtt") == 0)
    return GST_STT_TRANSCRIPT_VTT;
  if (dot != NULL && g_ascii_strcasecmp (dot, ".srt") == 0)
    return GST_STT_TRANSCRIPT_SRT;
  return GST_STT_TRANSCRIPT_JSONL;
}

/* Returns: (nullable): what the file starts with */
const gchar *
gst_stt_transcript_header (GstSttTranscriptFormat format)
{
  return format == GST_STT_TRANSCRIPT_VTT ? "WEBVTT\n\n" : NULL;
}

/**
 * gst_stt_transcript_time:
 * @separator: before the milliseconds: '.' for WebVTT, ',' for SubRip
 *
 * Returns: (transfer full): @ms as HH:MM:SS.mmm (more hour digits when
 * needed)
 */
gchar *
gst_stt_transcript_time (guint64 ms, gchar separator)
{
  return g_strdup_printf ("%02" G_GUINT64_FORMAT ":%02u:%02u%c%03u",
      ms / 3600000, (guint) (ms / 60000 % 60), (guint) (ms / 1000 % 60),
      separator, (guint) (ms % 1000));
}

static guint64
get_ms (const GstStructure * s, const gchar * field)
{
  guint64 v = 0;

  gst_structure_get_uint64 (s, field, &v);
  return v;
}

static gdouble
get_confidence (const GstStructure * s)
{
  gdouble c = -1.0;

  gst_structure_get_double (s, "confidence", &c);
  return c;
}

/* Cue text: one line, and nothing a cue parser would take for markup or
 * for the end of the cue. */
static void
append_cue_text (GString * out, const gchar * text, gboolean markup)
{
  const gchar *p;

  for (p = text; *p != '\0'; p++) {
    switch (*p) {
      case '\n':
      case '\r':
        g_string_append_c (out, ' ');
        break;
      case '&':
        g_string_append (out, markup ? "&amp;" : "&");
        break;
      case '<':
        g_string_append (out, markup ? "&lt;" : "<");
        break;
      case '>':
        g_string_append (out, markup ? "&gt;" : ">");
        break;
      default:
        g_string_append_c (out, *p);
    }
  }
}

static void
add_json_confidence (JsonBuilder * b, gdouble c)
{
  json_builder_set_member_name (b, "confidence");
  if (c < 0)
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, c);
}

static void
add_json_speaker (JsonBuilder * b, const gchar * speaker)
{
  json_builder_set_member_name (b, "speaker");
  if (speaker == NULL)
    json_builder_add_null_value (b);
  else
    json_builder_add_string_value (b, speaker);
}

static gchar *
jsonl_entry (const GstStructure * s)
{
  JsonBuilder *b = json_builder_new_immutable ();
  const GValue *words = gst_structure_get_value (s, "words");
  const gchar *text = gst_structure_get_string (s, "text");
  JsonNode *root;
  gchar *json, *line;
  guint64 rt = GST_CLOCK_TIME_NONE;
  guint i;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "start_ms");
  json_builder_add_int_value (b, (gint64) get_ms (s, "start-ms"));
  json_builder_set_member_name (b, "end_ms");
  json_builder_add_int_value (b, (gint64) get_ms (s, "end-ms"));
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, text != NULL ? text : "");
  add_json_speaker (b, gst_structure_get_string (s, "speaker"));
  add_json_confidence (b, get_confidence (s));
  json_builder_set_member_name (b, "running_time_ns");
  if (gst_structure_get_uint64 (s, "running-time", &rt) &&
      GST_CLOCK_TIME_IS_VALID (rt))
    json_builder_add_int_value (b, (gint64) rt);
  else
    json_builder_add_null_value (b);

  json_builder_set_member_name (b, "words");
  json_builder_begin_array (b);
  for (i = 0; words != NULL && GST_VALUE_HOLDS_LIST (words) &&
      i < gst_value_list_get_size (words); i++) {
    const GValue *v = gst_value_list_get_value (words, i);
    const GstStructure *w;
    const gchar *wtext;

    if (!GST_VALUE_HOLDS_STRUCTURE (v))
      continue;
    w = gst_value_get_structure (v);
    wtext = gst_structure_get_string (w, "text");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "text");
    json_builder_add_string_value (b, wtext != NULL ? wtext : "");
    json_builder_set_member_name (b, "start_ms");
    json_builder_add_int_value (b, (gint64) get_ms (w, "start-ms"));
    json_builder_set_member_name (b, "end_ms");
    json_builder_add_int_value (b, (gint64) get_ms (w, "end-ms"));
    add_json_confidence (b, get_confidence (w));
    add_json_speaker (b, gst_structure_get_string (w, "speaker"));
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json = json_to_string (root, FALSE);
  line = g_strconcat (json, "\n", NULL);
  g_free (json);
  json_node_unref (root);
  g_object_unref (b);
  return line;
}

static gchar *
cue_entry (GstSttTranscriptFormat format, guint index,
    const GstStructure * s)
{
  gboolean vtt = format == GST_STT_TRANSCRIPT_VTT;
  const gchar *text = gst_structure_get_string (s, "text");
  const gchar *speaker = gst_structure_get_string (s, "speaker");
  guint64 start = get_ms (s, "start-ms");
  /* a cue must end after it starts */
  guint64 end = MAX (get_ms (s, "end-ms"), start + 1);
  gchar *from = gst_stt_transcript_time (start, vtt ? '.' : ',');
  gchar *to = gst_stt_transcript_time (end, vtt ? '.' : ',');
  GString *out = g_string_new (NULL);

  if (!vtt)
    g_string_append_printf (out, "%u\n", index);
  g_string_append_printf (out, "%s --> %s\n", from, to);
  if (speaker != NULL) {
    if (vtt) {
      g_string_append (out, "<v ");
      append_cue_text (out, speaker, TRUE);
      g_string_append_c (out, '>');
    } else {
      append_cue_text (out, speaker, FALSE);
      g_string_append (out, ": ");
    }
  }
  append_cue_text (out, text != NULL ? text : "", vtt);
  g_string_append (out, "\n\n");
  g_free (from);
  g_free (to);
  return g_string_free (out, FALSE);
}

/**
 * gst_stt_transcript_entry:
 * @format: not GST_STT_TRANSCRIPT_AUTO: resolve it first
 * @index: the final's number in the file, from 1 (SubRip numbers cues)
 * @final: an `sttpushsink-final` structure
 *
 * Returns: (transfer full): the text to append to the file
 */
gchar *
gst_stt_transcript_entry (GstSttTranscriptFormat format, guint index,
    const GstStructure * final)
{
  switch (format) {
    case GST_STT_TRANSCRIPT_VTT:
    case GST_STT_TRANSCRIPT_SRT:
      return cue_entry (format, index, final);
    case GST_STT_TRANSCRIPT_AUTO:
    case GST_STT_TRANSCRIPT_JSONL:
    default:
      return jsonl_entry (final);
  }
}

/* ------------------------------------------------------------------------ */
/* The file                                                                  */

static void
set_errno_error (GError ** error, gint errsv)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "%s",
      g_strerror (errsv));
}

/**
 * gst_stt_transcript_file_open:
 * @path: (nullable): where; NULL or empty: no file, nothing to do
 *
 * Creates (or empties) @path and writes the format's header.
 */
gboolean
gst_stt_transcript_file_open (GstSttTranscriptFile * t, const gchar * path,
    GstSttTranscriptFormat format, GError ** error)
{
  const gchar *header;

  memset (t, 0, sizeof (*t));
  if (path == NULL || path[0] == '\0')
    return TRUE;
  t->format = gst_stt_transcript_format_for_path (format, path);
  t->file = g_fopen (path, "wb");
  if (t->file == NULL) {
    set_errno_error (error, errno);
    return FALSE;
  }
  header = gst_stt_transcript_header (t->format);
  if (header != NULL && (fputs (header, t->file) == EOF ||
          fflush (t->file) != 0)) {
    set_errno_error (error, errno);
    fclose (t->file);
    t->file = NULL;
    return FALSE;
  }
  return TRUE;
}

/**
 * gst_stt_transcript_file_write:
 *
 * Appends @final. Returns FALSE with @error set on the write that fails;
 * after it, writes do nothing (and return TRUE): one error to report.
 */
gboolean
gst_stt_transcript_file_write (GstSttTranscriptFile * t,
    const GstStructure * final, GError ** error)
{
  gchar *entry;
  gboolean ok;

  if (t->file == NULL || t->failed)
    return TRUE;
  entry = gst_stt_transcript_entry (t->format,
      (guint) g_atomic_int_add (&t->entries, 1) + 1, final);
  ok = fputs (entry, t->file) != EOF && fflush (t->file) == 0;
  g_free (entry);
  if (!ok) {
    t->failed = TRUE;
    set_errno_error (error, errno);
  }
  return ok;
}

/**
 * gst_stt_transcript_file_close:
 *
 * Returns FALSE with @error set if the file could not be finished (not
 * after a write error, already reported).
 */
gboolean
gst_stt_transcript_file_close (GstSttTranscriptFile * t, GError ** error)
{
  gboolean ok;

  if (t->file == NULL)
    return TRUE;
  ok = fclose (t->file) == 0 || t->failed;
  if (!ok)
    set_errno_error (error, errno);
  t->file = NULL;
  return ok;
}
