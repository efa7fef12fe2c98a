/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Transcript file entries from sttpushsink-final structures: JSON Lines
 * that parse back to what was posted, WebVTT and SubRip cues that a
 * player reads (times, voice tags, nothing in the text that breaks a
 * cue). */

#include <gst/check/gstcheck.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "stt-transcript.h"

static GstStructure *
make_final (const gchar * text, guint64 start, guint64 end,
    const gchar * speaker, gdouble confidence)
{
  GstStructure *s = gst_structure_new ("sttpushsink-final",
      "text", G_TYPE_STRING, text,
      "start-ms", G_TYPE_UINT64, start,
      "end-ms", G_TYPE_UINT64, end,
      "running-time", G_TYPE_UINT64, start * GST_MSECOND,
      "confidence", G_TYPE_DOUBLE, confidence,
      "speaker", G_TYPE_STRING, speaker, NULL);
  GValue list = G_VALUE_INIT, v = G_VALUE_INIT;

  gst_value_list_init (&list, 1);
  g_value_init (&v, GST_TYPE_STRUCTURE);
  g_value_take_boxed (&v, gst_structure_new ("word",
          "text", G_TYPE_STRING, "first",
          "start-ms", G_TYPE_UINT64, start,
          "end-ms", G_TYPE_UINT64, start + 300,
          "confidence", G_TYPE_DOUBLE, -1.0,
          "speaker", G_TYPE_STRING, speaker, NULL));
  gst_value_list_append_and_take_value (&list, &v);
  gst_structure_take_value (s, "words", &list);
  return s;
}

GST_START_TEST (test_format_from_path)
{
  fail_unless_equals_int (gst_stt_transcript_format_for_path
      (GST_STT_TRANSCRIPT_AUTO, "/tmp/talk.vtt"), GST_STT_TRANSCRIPT_VTT);
  fail_unless_equals_int (gst_stt_transcript_format_for_path
      (GST_STT_TRANSCRIPT_AUTO, "TALK.SRT"), GST_STT_TRANSCRIPT_SRT);
  fail_unless_equals_int (gst_stt_transcript_format_for_path
      (GST_STT_TRANSCRIPT_AUTO, "talk.jsonl"), GST_STT_TRANSCRIPT_JSONL);
  fail_unless_equals_int (gst_stt_transcript_format_for_path
      (GST_STT_TRANSCRIPT_AUTO, "talk"), GST_STT_TRANSCRIPT_JSONL);
  fail_unless_equals_int (gst_stt_transcript_format_for_path
      (GST_STT_TRANSCRIPT_SRT, "talk.vtt"), GST_STT_TRANSCRIPT_SRT);
  fail_unless_equals_string (gst_stt_transcript_header
      (GST_STT_TRANSCRIPT_VTT), "WEBVTT\n\n");
  fail_unless (gst_stt_transcript_header (GST_STT_TRANSCRIPT_SRT) == NULL);
  fail_unless (gst_stt_transcript_header (GST_STT_TRANSCRIPT_JSONL) == NULL);
}

GST_END_TEST;

GST_START_TEST (test_times)
{
  gchar *t;

  t = gst_stt_transcript_time (0, '.');
  fail_unless_equals_string (t, "00:00:00.000");
  g_free (t);
  t = gst_stt_transcript_time (3723004, ',');
  fail_unless_equals_string (t, "01:02:03,004");
  g_free (t);
  /* beyond 99 hours, more digits */
  t = gst_stt_transcript_time (G_GUINT64_CONSTANT (360000000), '.');
  fail_unless_equals_string (t, "100:00:00.000");
  g_free (t);
}

GST_END_TEST;

GST_START_TEST (test_jsonl)
{
  GstStructure *s = make_final ("Hello \"world\"\n", 1200, 2300, "A", 0.5);
  gchar *line = gst_stt_transcript_entry (GST_STT_TRANSCRIPT_JSONL, 1, s);
  JsonParser *parser = json_parser_new ();
  JsonObject *o, *w;

  /* one line, ending the entry */
  fail_unless (g_str_has_suffix (line, "}\n"));
  fail_unless (strchr (line, '\n') == line + strlen (line) - 1);
  fail_unless (json_parser_load_from_data (parser, line, -1, NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  fail_unless_equals_string (json_object_get_string_member (o, "text"),
      "Hello \"world\"\n");
  fail_unless_equals_int (json_object_get_int_member (o, "start_ms"), 1200);
  fail_unless_equals_int (json_object_get_int_member (o, "end_ms"), 2300);
  fail_unless_equals_string (json_object_get_string_member (o, "speaker"),
      "A");
  fail_unless_equals_float (json_object_get_double_member (o, "confidence"),
      0.5);
  fail_unless_equals_int64 (json_object_get_int_member (o, "running_time_ns"),
      1200 * GST_MSECOND);
  w = json_array_get_object_element (json_object_get_array_member (o,
          "words"), 0);
  fail_unless_equals_string (json_object_get_string_member (w, "text"),
      "first");
  fail_unless_equals_int (json_object_get_int_member (w, "end_ms"), 1500);
  fail_unless (json_object_get_null_member (w, "confidence"));
  g_free (line);
  gst_structure_free (s);

  /* no speaker, no confidence, no running time: nulls */
  s = make_final ("x", 0, 10, NULL, -1.0);
  gst_structure_set (s, "running-time", G_TYPE_UINT64, GST_CLOCK_TIME_NONE,
      NULL);
  line = gst_stt_transcript_entry (GST_STT_TRANSCRIPT_JSONL, 2, s);
  fail_unless (strstr (line, "\"speaker\":null") != NULL, "%s", line);
  fail_unless (strstr (line, "\"confidence\":null") != NULL, "%s", line);
  fail_unless (strstr (line, "\"running_time_ns\":null") != NULL, "%s",
      line);
  g_free (line);
  gst_structure_free (s);
  g_object_unref (parser);
}

GST_END_TEST;

GST_START_TEST (test_vtt_and_srt)
{
  GstStructure *s = make_final ("a <b> & c\n--> d", 61500, 63250, "S1", 0.9);
  gchar *cue;

  cue = gst_stt_transcript_entry (GST_STT_TRANSCRIPT_VTT, 3, s);
  fail_unless_equals_string (cue, "00:01:01.500 --> 00:01:03.250\n"
      "<v S1>a &lt;b&gt; &amp; c --&gt; d\n\n");
  g_free (cue);
  cue = gst_stt_transcript_entry (GST_STT_TRANSCRIPT_SRT, 3, s);
  fail_unless_equals_string (cue, "3\n00:01:01,500 --> 00:01:03,250\n"
      "S1: a <b> & c --> d\n\n");
  g_free (cue);
  gst_structure_free (s);

  /* without a speaker; a cue never ends where it starts */
  s = make_final ("hi", 1000, 1000, NULL, 0.9);
  cue = gst_stt_transcript_entry (GST_STT_TRANSCRIPT_VTT, 1, s);
  fail_unless_equals_string (cue, "00:00:01.000 --> 00:00:01.001\nhi\n\n");
  g_free (cue);
  gst_structure_free (s);
}

GST_END_TEST;

static Suite *
stt_transcript_suite (void)
{
  Suite *s = suite_create ("stt-transcript");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_format_from_path);
  tcase_add_test (tc, test_times);
  tcase_add_test (tc, test_jsonl);
  tcase_add_test (tc, test_vtt_and_srt);
  return s;
}

GST_CHECK_MAIN (stt_transcript);
