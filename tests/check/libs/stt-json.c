/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The JSON syntax check that stands between a server and json-glib. */

#include <gst/check/gstcheck.h>
#include <string.h>

#include "stt-backend.h"

static gboolean
check (const gchar * json)
{
  GError *err = NULL;
  gboolean ok = gst_stt_json_check (json, strlen (json), 64, &err);

  fail_unless (ok == (err == NULL));
  g_clear_error (&err);
  return ok;
}

GST_START_TEST (test_valid_json)
{
  const gchar *valid[] = {
    "{}", "[]", "0", "-0", "1.5e-3", "-12E+7", "true", "false", "null",
    "\"\"", " \t\r\n{ \"a\" : [ 1 , 2.0 , { } , [ ] , \"x\" ] } \n",
    "{\"type\":\"Results\",\"channel\":{\"alternatives\":[{\"transcript\":"
        "\"ok\",\"words\":[]}]},\"is_final\":true,\"start\":0.0}",
    "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00\"",
    "{\"a\":1,\"a\":2}",        /* duplicate keys: JSON allows them */
    "[1e400]",                  /* out of range numbers are still numbers */
    "\"caf\xc3\xa9\"",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (valid); i++)
    fail_unless (check (valid[i]), "refused: %s", valid[i]);
}

GST_END_TEST;

GST_START_TEST (test_invalid_json)
{
  const gchar *invalid[] = {
    "", " ", "{", "}", "[", "]", "[1,]", "[,1]", "{,}", "{\"a\"}",
    "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "{1:2}", "{'a':1}", "[1 2]",
    "01", "1.", ".5", "-", "1e", "+1", "0x10", "NaN", "Infinity", "nul",
    "True", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"a\tb\"",
    "\"\\ud800\"", "\"\\ud800x\"", "\"\\ud800\\u0041\"", "\"\\udc00\"",
    "// comment\n{}", "{} // comment", "/* c */ 1",
    /* several values: json-glib 1.6 accepts these and leaks */
    "{\"a\":1}{\"b\":2}", "[1][2]", "{} x", "1 2", "{\"text\": null}"
        "{\"alternatives\": [2]}",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (invalid); i++)
    fail_if (check (invalid[i]), "accepted: %s", invalid[i]);
}

GST_END_TEST;

GST_START_TEST (test_depth)
{
  GString *s = g_string_new (NULL);
  GError *err = NULL;
  guint i;

  for (i = 0; i < 64; i++)
    g_string_append (s, i % 2 ? "{\"k\":" : "[");
  g_string_append (s, "0");
  for (i = 64; i > 0; i--)
    g_string_append (s, (i - 1) % 2 ? "}" : "]");
  fail_unless (gst_stt_json_check (s->str, s->len, 64, NULL));
  /* one more level is refused, without recursion, whatever the size */
  g_string_prepend (s, "[");
  g_string_append (s, "]");
  fail_if (gst_stt_json_check (s->str, s->len, 64, &err));
  fail_unless (strstr (err->message, "nested too deep") != NULL);
  g_clear_error (&err);
  g_string_free (s, TRUE);

  s = g_string_new (NULL);
  for (i = 0; i < 1000000; i++)
    g_string_append_c (s, '[');
  fail_if (gst_stt_json_check (s->str, s->len, 64, NULL));
  g_string_free (s, TRUE);
}

GST_END_TEST;

/* Brackets and quotes inside strings are text. */
GST_START_TEST (test_strings_are_opaque)
{
  fail_unless (check ("{\"a\":\"[[[{{{\\\"]]]}}}\"}"));
  fail_unless (check ("[\"\\\\\"]"));
  fail_if (check ("[\"\\\\\"\"]"));
}

GST_END_TEST;

/* Defect F: an escaped U+0000 would end the string json-glib gives back
 * (and the transcript with it): it is dropped, the rest kept. An escaped
 * backslash before "u0000" is not an escape of U+0000. */
GST_START_TEST (test_nul_escapes_dropped)
{
  static const struct
  {
    const gchar *in;
    const gchar *out;           /* NULL: unchanged */
  } cases[] = {
    {"{\"t\":\"a\\u0000b\"}", "{\"t\":\"ab\"}"},
    {"{\"t\":\"\\u0000\\u0000x\\u0000\"}", "{\"t\":\"x\"}"},
    {"{\"t\":\"a\\\\u0000b\"}", NULL},
    {"{\"t\":\"a\\u00001\"}", "{\"t\":\"a1\"}"},
    {"{\"t\":\"\\\"\\u0000\"}", "{\"t\":\"\\\"\"}"},
    {"{\"t\":\"a\\u0001b\"}", NULL},
    {"{\"t\\u0000\":1}", "{\"t\":1}"},
    {"{\"t\":\"plain\"}", NULL},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gsize size = 0;
    gchar *out = gst_stt_json_drop_nul_escapes (cases[i].in,
        strlen (cases[i].in), &size);

    fail_unless (check (cases[i].in), "%s", cases[i].in);
    if (cases[i].out == NULL) {
      fail_unless (out == NULL, "%s became %s", cases[i].in, out);
    } else {
      fail_unless (out != NULL, "%s", cases[i].in);
      fail_unless_equals_int (size, strlen (cases[i].out));
      fail_unless_equals_string (out, cases[i].out);
    }
    g_free (out);
  }
}

GST_END_TEST;

/* Through an adapter: the words after U+0000 reach the final. */
GST_START_TEST (test_nul_in_transcript_kept_whole)
{
  GstSttSettings s = {
    .backend = GST_STT_BACKEND_VOSK,
    .interim_results = TRUE,
    .rate = 16000,
    .channels = 1,
  };
  GstSttAdapter *a = gst_stt_adapter_new (&s, NULL);
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_stt_event_free);
  const gchar *msg = "{\"text\": \"left\\u0000 right\", \"result\": "
      "[{\"word\": \"left\\u0000\", \"start\": 0.1, \"end\": 0.4, \"conf\": 1}, "
      "{\"word\": \"right\", \"start\": 0.5, \"end\": 0.9, \"conf\": 1}]}";
  GstSttEvent *ev;

  fail_unless (a != NULL);
  gst_stt_adapter_start_session (a);
  fail_unless (gst_stt_adapter_parse (a, msg, strlen (msg), events, NULL));
  ev = g_ptr_array_index (events, 0);
  fail_unless_equals_int (ev->type, GST_STT_EVENT_FINAL);
  fail_unless_equals_string (ev->text, "left right");
  fail_unless_equals_string (g_array_index (ev->words, GstSttWord, 0).text,
      "left");
  g_ptr_array_unref (events);
  gst_stt_adapter_free (a);
}

GST_END_TEST;

static Suite *
stt_json_suite (void)
{
  Suite *s = suite_create ("stt-json");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_valid_json);
  tcase_add_test (tc, test_invalid_json);
  tcase_add_test (tc, test_depth);
  tcase_add_test (tc, test_strings_are_opaque);
  tcase_add_test (tc, test_nul_escapes_dropped);
  tcase_add_test (tc, test_nul_in_transcript_kept_whole);
  return s;
}

GST_CHECK_MAIN (stt_json);
