/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The GstURIHandler that audiostreamsrc (and audiostreamsink) share,
 * on an element of its own: what the URI names goes to the element's
 * callback, the query to its properties, and only the properties it
 * lists. */

#include <gst/check/gstcheck.h>

#include "audiostream/urihandler.h"

typedef struct
{
  GstElement parent;
  gchar *host;
  gint port;
  gchar *socket_path;
  gboolean tls;
  gint rate;
  gint channels;
} TestUri;

typedef struct
{
  GstElementClass parent_class;
} TestUriClass;

enum
{
  PROP_0,
  PROP_RATE,
  PROP_CHANNELS,
};

static void test_uri_handler_init (gpointer g_iface, gpointer data);
GType test_uri_get_type (void);
GType test_uri_child_get_type (void);

G_DEFINE_TYPE_WITH_CODE (TestUri, test_uri, GST_TYPE_ELEMENT,
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER, test_uri_handler_init));

static const gchar *const test_params[] = { "rate", NULL };

static gchar *
test_get_uri (GstElement * element)
{
  TestUri *self = (TestUri *) element;

  return gst_as_uri_build (self->tls, self->host, self->port,
      self->socket_path);
}

static void
test_take (GstElement * element, const GstAsUri * parsed)
{
  TestUri *self = (TestUri *) element;

  g_free (self->host);
  g_free (self->socket_path);
  self->host = g_strdup (parsed->host);
  self->socket_path = g_strdup (parsed->socket_path);
  self->port = parsed->port;
  self->tls = parsed->tls;
}

static const GstAsUriHandlerInfo test_info = {
  GST_URI_SRC, test_params, test_get_uri, test_take,
};

static void
test_uri_handler_init (gpointer g_iface, gpointer data)
{
  gst_as_uri_handler_init (g_iface, &test_info);
}

static void
test_uri_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  TestUri *self = (TestUri *) object;

  if (prop_id == PROP_RATE)
    self->rate = g_value_get_int (value);
  else
    self->channels = g_value_get_int (value);
}

static void
test_uri_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  TestUri *self = (TestUri *) object;

  g_value_set_int (value, prop_id == PROP_RATE ? self->rate :
      self->channels);
}

static void
test_uri_finalize (GObject * object)
{
  TestUri *self = (TestUri *) object;

  g_free (self->host);
  g_free (self->socket_path);
  G_OBJECT_CLASS (test_uri_parent_class)->finalize (object);
}

static void
test_uri_class_init (TestUriClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->set_property = test_uri_set_property;
  gobject_class->get_property = test_uri_get_property;
  gobject_class->finalize = test_uri_finalize;
  g_object_class_install_property (gobject_class, PROP_RATE,
      g_param_spec_int ("rate", "Rate", "Rate", 1, 192000, 48000,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_CHANNELS,
      g_param_spec_int ("channels", "Channels", "Channels", 1, 8, 2,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
}

static void
test_uri_init (TestUri * self)
{
  self->rate = 48000;
  self->channels = 2;
}

/* a subclass finds its parent's info */
typedef TestUri TestUriChild;
typedef TestUriClass TestUriChildClass;
G_DEFINE_TYPE (TestUriChild, test_uri_child, test_uri_get_type ());

static void
test_uri_child_class_init (TestUriChildClass * klass)
{
}

static void
test_uri_child_init (TestUriChild * self)
{
}

GST_START_TEST (test_set_and_get)
{
  GType types[] = { test_uri_get_type (), test_uri_child_get_type () };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (types); i++) {
    GstElement *e = g_object_new (types[i], NULL);
    GstURIHandler *h = GST_URI_HANDLER (e);
    TestUri *t = (TestUri *) e;
    GError *err = NULL;
    gchar *uri;

    fail_unless_equals_int (gst_uri_handler_get_uri_type (h), GST_URI_SRC);
    fail_unless (g_strv_contains ((const gchar * const *)
            gst_uri_handler_get_protocols (h), "tls"));

    fail_unless (gst_uri_handler_set_uri (h, "tls://10.0.0.1:4000?rate=8000",
            &err), "%s", err ? err->message : "");
    fail_unless_equals_string (t->host, "10.0.0.1");
    fail_unless_equals_int (t->port, 4000);
    fail_unless (t->tls);
    fail_unless_equals_int (t->rate, 8000);
    uri = gst_uri_handler_get_uri (h);
    fail_unless_equals_string (uri, "tls://10.0.0.1:4000");
    g_free (uri);

    /* a property the element does not list is refused, with its name */
    fail_if (gst_uri_handler_set_uri (h, "tcp://h:1?channels=1", &err));
    fail_unless (err != NULL && strstr (err->message, "channels"));
    g_clear_error (&err);
    fail_unless_equals_int (t->channels, 2);

    fail_if (gst_uri_handler_set_uri (h, "http://h:1", &err));
    fail_unless (err != NULL);
    g_clear_error (&err);

    fail_unless (gst_uri_handler_set_uri (h, "unix:///tmp/x.sock", &err));
    fail_unless_equals_string (t->socket_path, "/tmp/x.sock");
    gst_object_unref (e);
  }
}

GST_END_TEST;

static Suite *
urihandler_suite (void)
{
  Suite *s = suite_create ("urihandler");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_set_and_get);
  return s;
}

GST_CHECK_MAIN (urihandler);
