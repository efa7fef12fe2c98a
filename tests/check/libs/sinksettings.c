/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* audiostreamsink's settings as properties of a small GstObject of the
 * test's own, and what start() makes of them. */

#include <gst/check/gstcheck.h>

#include "audiostream/propbind.h"
#include "audiostream/sinksettings.h"

typedef struct
{
  GstObject parent;
  GstAsSinkSettings settings;
} Holder;

typedef struct
{
  GstObjectClass parent_class;
} HolderClass;

static GType holder_get_type (void);
G_DEFINE_TYPE (Holder, holder, GST_TYPE_OBJECT);

static void
holder_finalize (GObject * object)
{
  gst_as_sink_settings_clear (&((Holder *) object)->settings);
  G_OBJECT_CLASS (holder_parent_class)->finalize (object);
}

static void
holder_class_init (HolderClass * klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);

  oc->finalize = holder_finalize;
  oc->set_property = gst_as_prop_set_property;
  oc->get_property = gst_as_prop_get_property;
  gst_as_sink_settings_install (oc, 1, G_STRUCT_OFFSET (Holder, settings));
}

static void
holder_init (Holder * self)
{
  gst_as_sink_settings_init (&self->settings);
}

static guint
get_uint (gpointer obj, const gchar * name)
{
  guint v;

  g_object_get (obj, name, &v, NULL);
  return v;
}

GST_START_TEST (test_defaults)
{
  Holder *h = g_object_new (holder_get_type (), NULL);
  gchar *host;
  gint port;

  g_object_get (h, "host", &host, "port", &port, NULL);
  fail_unless_equals_string (host, "localhost");
  fail_unless_equals_int (port, 4953);
  g_free (host);
  fail_unless_equals_int (get_uint (h, "ring-buffer-ms"), 5000);
  fail_unless_equals_int (get_uint (h, "min-buffer-ms"), 2000);
  fail_unless_equals_int (get_uint (h, "max-buffer-ms"), 6000);
  fail_unless_equals_int (get_uint (h, "chunk-samples"), 480);
  fail_unless_equals_int (get_uint (h, "prefill-ms"), 1000);
  fail_unless_equals_int (get_uint (h, "send-timeout-ms"), 5000);
  gst_object_unref (h);
}

GST_END_TEST;

GST_START_TEST (test_loopback_changes_defaults_only)
{
  Holder *h = g_object_new (holder_get_type (), NULL);
  GstAsSenderConfig config;

  /* set before loopback: stays */
  g_object_set (h, "min-buffer-ms", 1500u, NULL);
  g_object_set (h, "loopback", TRUE, NULL);
  fail_unless_equals_int (get_uint (h, "ring-buffer-ms"), 8000);
  fail_unless_equals_int (get_uint (h, "min-buffer-ms"), 1500);
  fail_unless_equals_int (get_uint (h, "max-buffer-ms"), 12000);
  /* set after loopback: stays too, even at the plain default */
  g_object_set (h, "ring-buffer-ms", 5000u, NULL);
  fail_unless_equals_int (get_uint (h, "ring-buffer-ms"), 5000);
  fail_unless_equals_int (gst_as_sink_settings_buffer_ms (&h->settings,
          GST_AS_BUFFER_RING), 5000);

  /* the sender gets the values that apply */
  gst_as_sink_settings_config (&h->settings, &config);
  fail_unless_equals_int (config.min_buffer_ms, 1500);
  fail_unless_equals_int (config.max_buffer_ms, 12000);
  g_free (config.target);

  g_object_set (h, "loopback", FALSE, NULL);
  fail_unless_equals_int (get_uint (h, "max-buffer-ms"), 6000);
  gst_object_unref (h);
}

GST_END_TEST;

GST_START_TEST (test_snapshot_for_start)
{
  Holder *h = g_object_new (holder_get_type (), NULL);
  GstAsSinkSettings copy;
  GstAsTransportTarget target;
  GstAsSenderConfig config;

  g_object_set (h, "host", "192.0.2.7", "port", 5000,
      "dscp", GST_AS_DSCP_LOWDELAY, "send-timeout-ms", 700u, "prefill-ms", 250u, "auto-reconnect", FALSE,
      "reconnect-min-ms", 10u, "reconnect-max-ms", 20u,
      "max-reconnect-attempts", 3u, "adaptive-buffer", TRUE,
      "max-lag-ms", 900u, "stats-interval-ms", 0u, NULL);
  gst_as_sink_settings_copy (&copy, &h->settings);
  /* a deep copy: the element may change its properties meanwhile */
  g_object_set (h, "host", "elsewhere", NULL);
  fail_unless_equals_string (copy.host, "192.0.2.7");

  gst_as_sink_settings_target (&copy, &target);
  fail_unless_equals_string (target.host, "192.0.2.7");
  fail_unless_equals_int (target.port, 5000);
  fail_unless (target.socket_path == NULL);
  fail_unless_equals_int (target.tos, GST_AS_DSCP_LOWDELAY);
  fail_unless_equals_int (target.send_timeout_ms, 700);
  fail_unless (target.tls == NULL);

  gst_as_sink_settings_config (&copy, &config);
  fail_unless (config.target != NULL && strstr (config.target, "192.0.2.7"));
  fail_unless_equals_int (config.prefill_ms, 250);
  fail_if (config.auto_reconnect);
  fail_unless_equals_int (config.reconnect_min_ms, 10);
  fail_unless_equals_int (config.reconnect_max_ms, 20);
  fail_unless_equals_int (config.max_reconnect_attempts, 3);
  fail_unless (config.adaptive_buffer);
  fail_unless_equals_int (config.max_lag_ms, 900);
  fail_unless_equals_int (config.stats_interval_ms, 0);
  g_free (config.target);
  gst_as_sink_settings_clear (&copy);
  gst_object_unref (h);
}

GST_END_TEST;

GST_START_TEST (test_socket_path_empty_is_none)
{
  Holder *h = g_object_new (holder_get_type (), NULL);

  g_object_set (h, "socket-path", "/run/pcm.sock", NULL);
  fail_unless_equals_string (h->settings.socket_path, "/run/pcm.sock");
  /* gst-launch-1.0 can only say "none" as socket-path="" */
  g_object_set (h, "socket-path", "", NULL);
  fail_unless (h->settings.socket_path == NULL);
  gst_object_unref (h);
}

GST_END_TEST;

GST_START_TEST (test_uri)
{
  GstAsSinkSettings s;
  GstAsUri uri;
  gchar *text;

  gst_as_sink_settings_init (&s);
  fail_unless (gst_as_uri_parse ("tls://[::1]", &uri, NULL));
  gst_as_sink_settings_set_uri (&s, &uri);
  gst_as_uri_clear (&uri);
  fail_unless_equals_string (s.host, "::1");
  fail_unless_equals_int (s.port, GST_AS_SINK_DEFAULT_PORT);
  fail_unless (s.tls);
  text = gst_as_sink_settings_get_uri (&s);
  fail_unless_equals_string (text, "tls://[::1]:4953");
  g_free (text);

  /* unix:// is clear text, and leaves the host alone */
  fail_unless (gst_as_uri_parse ("unix:///run/x.sock", &uri, NULL));
  gst_as_sink_settings_set_uri (&s, &uri);
  gst_as_uri_clear (&uri);
  fail_unless_equals_string (s.socket_path, "/run/x.sock");
  fail_if (s.tls);
  fail_unless_equals_string (s.host, "::1");

  fail_unless (gst_as_uri_parse ("tcp://example.org:1234", &uri, NULL));
  gst_as_sink_settings_set_uri (&s, &uri);
  gst_as_uri_clear (&uri);
  fail_unless (s.socket_path == NULL);
  fail_unless_equals_string (s.host, "example.org");
  fail_unless_equals_int (s.port, 1234);
  text = gst_as_sink_settings_get_uri (&s);
  fail_unless_equals_string (text, "tcp://example.org:1234");
  g_free (text);
  gst_as_sink_settings_clear (&s);
}

GST_END_TEST;

GST_START_TEST (test_tls_loaded_at_start)
{
  GstAsSinkSettings s;
  GstAsTlsClient *client = (GstAsTlsClient *) 0x1;
  GError *err = NULL;

  gst_as_sink_settings_init (&s);
  /* clear text: nothing to load */
  fail_unless (gst_as_sink_settings_load_tls (&s, &client, &err));
  fail_unless (client == NULL && err == NULL);

  /* a missing CA file is one error now, not one per reconnect */
  s.tls = TRUE;
  s.tls_ca_file = g_strdup ("/nonexistent/ca.pem");
  fail_if (gst_as_sink_settings_load_tls (&s, &client, &err));
  fail_unless (client == NULL);
  fail_unless (err != NULL);
  fail_unless (strstr (err->message, "/nonexistent/ca.pem") != NULL,
      "%s", err->message);
  /* the element ends the sentence: GIO's own period is not kept */
  fail_if (g_str_has_suffix (err->message, "."), "%s", err->message);
  g_error_free (err);
  gst_as_sink_settings_clear (&s);
}

GST_END_TEST;

static Suite *
sinksettings_suite (void)
{
  Suite *s = suite_create ("sinksettings");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_defaults);
  tcase_add_test (tc, test_loopback_changes_defaults_only);
  tcase_add_test (tc, test_snapshot_for_start);
  tcase_add_test (tc, test_socket_path_empty_is_none);
  tcase_add_test (tc, test_uri);
  tcase_add_test (tc, test_tls_loaded_at_start);
  return s;
}

GST_CHECK_MAIN (sinksettings);
