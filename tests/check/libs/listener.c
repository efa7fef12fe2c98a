/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* allowed-senders: the list as written, and who it lets in. */

#include <gst/check/gstcheck.h>

#include "audiostream/listener.h"

static const struct
{
  const gchar *list;
  const gchar *address;
  gboolean allowed;
} cases[] = {
  {"127.0.0.1", "127.0.0.1", TRUE},
  {"127.0.0.1", "127.0.0.2", FALSE},
  {"192.168.1.0/24", "192.168.1.77", TRUE},
  {"192.168.1.0/24", "192.168.2.1", FALSE},
  {"10.0.0.0/8, 192.168.1.5", "192.168.1.5", TRUE},
  {"10.0.0.0/8 192.168.1.5", "10.200.3.4", TRUE},
  /* an IPv4 sender on a "::" socket */
  {"127.0.0.1", "::ffff:127.0.0.1", TRUE},
  {"127.0.0.1", "::ffff:127.0.0.2", FALSE},
  {"::1", "::1", TRUE},
  {"::1", "127.0.0.1", FALSE},
  {"fd00::/8", "fd12:3456::1", TRUE},
  {"", "203.0.113.9", TRUE},
};

GST_START_TEST (test_allowlist_table)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GPtrArray *masks = NULL;
    GInetAddress *addr = g_inet_address_new_from_string (cases[i].address);
    GError *err = NULL;

    fail_unless (gst_as_allowlist_parse (cases[i].list, &masks, &err),
        "%s: %s", cases[i].list, err ? err->message : "");
    fail_unless_equals_int (gst_as_allowlist_matches (masks, addr),
        cases[i].allowed);
    g_object_unref (addr);
    if (masks)
      g_ptr_array_unref (masks);
  }
}

GST_END_TEST;

GST_START_TEST (test_allowlist_errors)
{
  const gchar *bad[] = { "127.0.0.1, nonsense", "10.0.0.0/33", "host.name" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GPtrArray *masks = NULL;
    GError *err = NULL;

    fail_if (gst_as_allowlist_parse (bad[i], &masks, &err), "%s", bad[i]);
    fail_unless (masks == NULL);
    fail_unless (err != NULL && strstr (err->message, "allowed-senders"));
    g_error_free (err);
  }
}

GST_END_TEST;

static GstAsListener *
listen_local (void)
{
  GstAsTransportTarget target = { 0, };
  GstAsListener *listener;
  GError *err = NULL;

  target.host = "127.0.0.1";
  target.port = 0;
  listener = gst_as_listener_new (&target, &err);
  fail_unless (listener != NULL, "%s", err ? err->message : "");
  return listener;
}

/* TLS is never dropped silently: anything that asks for it without a
 * certificate is an error, and nothing asked means clear text. */
GST_START_TEST (test_secure_policy)
{
  const struct
  {
    GstAsListenerSecurity sec;
    gboolean ok;
  } policies[] = {
    {{NULL, NULL, NULL, NULL, FALSE}, TRUE},
    {{"", "", "", "", FALSE}, TRUE},
    {{"127.0.0.1", NULL, NULL, NULL, FALSE}, TRUE},
    {{"nonsense", NULL, NULL, NULL, FALSE}, FALSE},
    {{NULL, NULL, NULL, NULL, TRUE}, FALSE},
    {{NULL, NULL, "key.pem", NULL, FALSE}, FALSE},
    {{NULL, NULL, NULL, "ca.pem", FALSE}, FALSE},
    {{NULL, "/nonexistent/cert.pem", NULL, NULL, FALSE}, FALSE},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (policies); i++) {
    GstAsListener *listener = listen_local ();
    GError *err = NULL;
    gboolean ok = gst_as_listener_secure (listener, &policies[i].sec, &err);

    fail_unless_equals_int (ok, policies[i].ok);
    fail_unless ((err != NULL) == !ok, "case %u", i);
    if (ok)                     /* clear text: no handshakes to wait for */
      fail_unless_equals_int (gst_as_listener_wakeup_fd (listener), -1);
    g_clear_error (&err);
    gst_as_listener_free (listener);
  }
}

GST_END_TEST;

GST_START_TEST (test_error_text)
{
  GError *in_use = g_error_new_literal (G_IO_ERROR,
      G_IO_ERROR_ADDRESS_IN_USE, "Error binding to address: Address already "
      "in use.");
  GError *denied = g_error_new_literal (G_IO_ERROR,
      G_IO_ERROR_PERMISSION_DENIED, "Permission denied");
  gchar *text;

  text = gst_as_listener_error_text ("0.0.0.0:80", denied);
  fail_unless_equals_string (text,
      "Could not listen on 0.0.0.0:80: Permission denied.");
  g_free (text);

  /* one full stop, and what to do */
  text = gst_as_listener_error_text ("0.0.0.0:4953", in_use);
  fail_unless (g_str_has_prefix (text, "Could not listen on 0.0.0.0:4953: "
          "Error binding to address: Address already in use. Another"));
  fail_unless (strstr (text, "port=0") != NULL);
  g_free (text);
  g_error_free (in_use);
  g_error_free (denied);
}

GST_END_TEST;

/* The receiving thread sleeps until a sender calls, the sender sends, or
 * it is told to stop. */
GST_START_TEST (test_wait)
{
  GstAsListener *listener = listen_local ();
  GCancellable *cancellable = g_cancellable_new ();
  GSocketClient *client = g_socket_client_new ();
  GSocketConnection *out;
  GstAsAccepted a = { 0, };
  GError *err = NULL;
  gint64 start;

  start = g_get_monotonic_time ();
  fail_unless_equals_int (gst_as_listener_wait (listener, NULL, cancellable,
          50), GST_AS_LISTENER_WAIT_TIMEOUT);
  fail_unless (g_get_monotonic_time () - start >= 40 * 1000);

  out = g_socket_client_connect_to_host (client, "127.0.0.1",
      gst_as_listener_port (listener), NULL, &err);
  fail_unless (out != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (gst_as_listener_wait (listener, NULL, cancellable,
          5000), GST_AS_LISTENER_WAIT_ACCEPT);
  fail_unless_equals_int (gst_as_listener_next (listener, &a),
      GST_AS_ACCEPT_SENDER);

  /* connected, silent: nothing to read */
  fail_unless_equals_int (gst_as_listener_wait (listener, a.socket,
          cancellable, 0), GST_AS_LISTENER_WAIT_TIMEOUT);
  fail_unless (g_output_stream_write_all (g_io_stream_get_output_stream
          (G_IO_STREAM (out)), "abcd", 4, NULL, NULL, &err));
  fail_unless_equals_int (gst_as_listener_wait (listener, a.socket,
          cancellable, 5000), GST_AS_LISTENER_WAIT_DATA);

  g_cancellable_cancel (cancellable);
  fail_unless_equals_int (gst_as_listener_wait (listener, a.socket,
          cancellable, -1), GST_AS_LISTENER_WAIT_CANCELLED);

  gst_as_accepted_clear (&a);
  g_object_unref (out);
  g_object_unref (client);
  g_object_unref (cancellable);
  gst_as_listener_free (listener);
}

GST_END_TEST;

static Suite *
listener_suite (void)
{
  Suite *s = suite_create ("listener");
  TCase *tc = tcase_create ("allowlist");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_allowlist_table);
  tcase_add_test (tc, test_allowlist_errors);
  tcase_add_test (tc, test_secure_policy);
  tcase_add_test (tc, test_error_text);
  tcase_add_test (tc, test_wait);
  return s;
}

GST_CHECK_MAIN (listener);
