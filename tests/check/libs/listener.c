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

static Suite *
listener_suite (void)
{
  Suite *s = suite_create ("listener");
  TCase *tc = tcase_create ("allowlist");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_allowlist_table);
  tcase_add_test (tc, test_allowlist_errors);
  return s;
}

GST_CHECK_MAIN (listener);
