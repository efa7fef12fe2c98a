/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The URI handlers of audiostreamsink and audiostreamsrc: what
 * gst_element_make_from_uri() picks for tcp://, tls:// and unix://, the
 * properties a URI sets, and the URI read back. */

#include <gst/check/gstcheck.h>

static GstElement *
make (GstURIType type, const gchar * uri)
{
  GError *err = NULL;
  GstElement *e = gst_element_make_from_uri (type, uri, NULL, &err);

  fail_unless (e != NULL, "%s: %s", uri, err ? err->message : "(none)");
  return e;
}

static gchar *
factory_name (GstElement * e)
{
  return g_strdup (GST_OBJECT_NAME (gst_element_get_factory (e)));
}

static void
check_round_trip (GstURIType type, const gchar * uri, const gchar * expected)
{
  GstElement *e = make (type, uri);
  gchar *back = gst_uri_handler_get_uri (GST_URI_HANDLER (e));
  GstElement *again = make (type, back);
  gchar *back_again = gst_uri_handler_get_uri (GST_URI_HANDLER (again));

  fail_unless_equals_string (back, expected);
  fail_unless_equals_string (back_again, expected);
  g_free (back);
  g_free (back_again);
  gst_object_unref (e);
  gst_object_unref (again);
}

GST_START_TEST (test_sink_schemes)
{
  GstElement *e;
  gchar *name, *host, *path;
  gint port;
  gboolean tls;

  e = make (GST_URI_SINK, "tcp://192.0.2.7:5000");
  name = factory_name (e);
  fail_unless_equals_string (name, "audiostreamsink");
  g_object_get (e, "host", &host, "port", &port, "tls", &tls, NULL);
  fail_unless_equals_string (host, "192.0.2.7");
  fail_unless_equals_int (port, 5000);
  fail_if (tls);
  g_free (host);
  g_free (name);
  gst_object_unref (e);

  e = make (GST_URI_SINK, "tls://[::1]:4954?tls-ca-file=/etc/ca.pem&"
      "tls-server-name=audio.example&send-timeout-ms=2500");
  g_object_get (e, "host", &host, "port", &port, "tls", &tls, NULL);
  fail_unless_equals_string (host, "::1");
  fail_unless_equals_int (port, 4954);
  fail_unless (tls);
  g_free (host);
  g_object_get (e, "tls-ca-file", &path, "tls-server-name", &host, NULL);
  fail_unless_equals_string (path, "/etc/ca.pem");
  fail_unless_equals_string (host, "audio.example");
  g_free (path);
  g_free (host);
  g_object_get (e, "send-timeout-ms", &port, NULL);
  fail_unless_equals_int (port, 2500);
  gst_object_unref (e);

  e = make (GST_URI_SINK, "unix:///run/snapserver/pcm%20in.sock");
  g_object_get (e, "socket-path", &path, NULL);
  fail_unless_equals_string (path, "/run/snapserver/pcm in.sock");
  g_free (path);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_src_schemes)
{
  GstElement *e;
  gchar *name, *host, *path;
  gint port, rate;

  e = make (GST_URI_SRC, "tcp://0.0.0.0:4953?rate=44100&channels=1&"
      "allowed-senders=192.168.1.0/24");
  name = factory_name (e);
  fail_unless_equals_string (name, "audiostreamsrc");
  g_object_get (e, "host", &host, "port", &port, "rate", &rate,
      "allowed-senders", &path, NULL);
  fail_unless_equals_string (host, "0.0.0.0");
  fail_unless_equals_int (port, 4953);
  fail_unless_equals_int (rate, 44100);
  fail_unless_equals_string (path, "192.168.1.0/24");
  g_free (host);
  g_free (path);
  g_free (name);
  gst_object_unref (e);

  e = make (GST_URI_SRC, "tls://127.0.0.1:0?tls-certificate-file=/c.pem"
      "&tls-key-file=/k.pem&tls-client-ca-file=/ca.pem");
  g_object_get (e, "tls-certificate-file", &path, NULL);
  fail_unless_equals_string (path, "/c.pem");
  g_free (path);
  g_object_get (e, "tls-client-ca-file", &path, NULL);
  fail_unless_equals_string (path, "/ca.pem");
  g_free (path);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_round_trip)
{
  check_round_trip (GST_URI_SINK, "tcp://127.0.0.1:4953",
      "tcp://127.0.0.1:4953");
  check_round_trip (GST_URI_SINK, "tls://audio.example:4954?tls=true",
      "tls://audio.example:4954");
  check_round_trip (GST_URI_SINK, "tls://[::1]:4954", "tls://[::1]:4954");
  check_round_trip (GST_URI_SINK, "unix:///tmp/pcm.sock",
      "unix:///tmp/pcm.sock");
  /* no port: the default */
  check_round_trip (GST_URI_SINK, "tcp://localhost", "tcp://localhost:4953");
  check_round_trip (GST_URI_SRC, "tcp://0.0.0.0:4953", "tcp://0.0.0.0:4953");
  check_round_trip (GST_URI_SRC, "tls://[::]:4953", "tls://[::]:4953");
  check_round_trip (GST_URI_SRC, "unix:///tmp/in.sock",
      "unix:///tmp/in.sock");
}

GST_END_TEST;

GST_START_TEST (test_bad_uris)
{
  const gchar *bad[] = {
    "tcp://127.0.0.1:4953?no-such-property=1",
    "tcp://127.0.0.1:4953?send-timeout-ms=soon",
    "tcp://:4953",
    "unix://relative/path",
    "tcp://127.0.0.1:4953?name=other",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GstElement *e = gst_element_factory_make ("audiostreamsink", NULL);
    GError *err = NULL;

    fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (e), bad[i], &err),
        "%s accepted", bad[i]);
    fail_unless (err != NULL && err->message[0] != '\0');
    g_error_free (err);
    gst_object_unref (e);
  }
}

GST_END_TEST;

static Suite *
uri_suite (void)
{
  Suite *s = suite_create ("audiostream-uri");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_sink_schemes);
  tcase_add_test (tc, test_src_schemes);
  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_bad_uris);
  return s;
}

GST_CHECK_MAIN (uri);
