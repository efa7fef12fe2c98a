/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Properties bound to fields, group slots and readers, through a small
 * GstObject of the test's own: one set_property/get_property serves all. */

#include <gst/check/gstcheck.h>

#include "audiostream/propbind.h"

typedef struct
{
  guint values[2];
  guint sets;                   /* slot setter calls */
  gboolean locked_in_set;       /* the object lock was held */
} Group;

typedef struct
{
  GstObject parent;

  gchar *name_field;
  gchar *path;
  gchar *address;
  gint number;
  guint count;
  gboolean flag;
  gint choice;                  /* enum */
  guint bits;                   /* flags */
  guint64 big;
  gdouble ratio;
  Group group;
  guint reads;
  gboolean locked_in_read;
} TestObj;

typedef struct
{
  GstObjectClass parent_class;
} TestObjClass;

enum
{
  PROP_0,
  PROP_NAME,
  PROP_PATH,
  PROP_ADDRESS,
  PROP_NUMBER,
  PROP_COUNT,
  PROP_FLAG,
  PROP_CHOICE,
  PROP_BITS,
  PROP_BIG,
  PROP_RATIO,
  PROP_SLOT_A,
  PROP_SLOT_B,
  PROP_READER,
  PROP_UNBOUND,
};

static GType test_obj_get_type (void);
G_DEFINE_TYPE (TestObj, test_obj, GST_TYPE_OBJECT);

/* GMutex is not recursive: a trylock from the thread that holds it fails */
static gboolean
object_locked (gpointer obj)
{
  if (!g_mutex_trylock (GST_OBJECT_GET_LOCK (obj)))
    return TRUE;
  g_mutex_unlock (GST_OBJECT_GET_LOCK (obj));
  return FALSE;
}

static TestObj *last_created;

static void
slot_set (gpointer group, guint index, const GValue * value)
{
  Group *g = group;

  g->values[index] = g_value_get_uint (value) * 10;
  g->sets++;
  g->locked_in_set = object_locked (last_created);
}

static void
slot_get (gpointer group, guint index, GValue * value)
{
  Group *g = group;

  g_value_set_uint (value, g->values[index] + 1);
}

static void
read_value (GObject * object, GValue * value)
{
  TestObj *self = (TestObj *) object;

  self->reads++;
  self->locked_in_read = object_locked (self);
  g_value_set_uint (value, 4242);
}

static void
test_obj_finalize (GObject * object)
{
  TestObj *self = (TestObj *) object;

  g_free (self->name_field);
  g_free (self->path);
  g_free (self->address);
  G_OBJECT_CLASS (test_obj_parent_class)->finalize (object);
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)
#define AT(f) G_STRUCT_OFFSET (TestObj, f)

static void
test_obj_class_init (TestObjClass * klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);

  oc->finalize = test_obj_finalize;
  oc->set_property = gst_as_prop_set_property;
  oc->get_property = gst_as_prop_get_property;

  gst_as_prop_install_field (oc, PROP_NAME, g_param_spec_string ("label",
          "", "", "dflt", RW), AT (name_field), 0);
  gst_as_prop_install_field (oc, PROP_PATH, g_param_spec_string ("path",
          "", "", NULL, RW), AT (path), GST_AS_PROP_EMPTY_IS_NULL);
  gst_as_prop_install_field (oc, PROP_ADDRESS, g_param_spec_string
      ("address", "", "", "0.0.0.0", RW), AT (address),
      GST_AS_PROP_NULL_IS_DEFAULT);
  gst_as_prop_install_field (oc, PROP_NUMBER, g_param_spec_int ("number",
          "", "", -100, 100, 0, RW), AT (number), 0);
  gst_as_prop_install_field (oc, PROP_COUNT, g_param_spec_uint ("count",
          "", "", 0, G_MAXUINT, 0, RW), AT (count), 0);
  gst_as_prop_install_field (oc, PROP_FLAG, g_param_spec_boolean ("flag",
          "", "", FALSE, RW), AT (flag), 0);
  gst_as_prop_install_field (oc, PROP_CHOICE, g_param_spec_enum ("choice",
          "", "", GST_TYPE_STATE, GST_STATE_NULL, RW), AT (choice), 0);
  gst_as_prop_install_field (oc, PROP_BITS, g_param_spec_flags ("bits",
          "", "", GST_TYPE_SEEK_FLAGS, 0, RW), AT (bits), 0);
  gst_as_prop_install_field (oc, PROP_BIG, g_param_spec_uint64 ("big",
          "", "", 0, G_MAXUINT64, 0, RW), AT (big), 0);
  gst_as_prop_install_field (oc, PROP_RATIO, g_param_spec_double ("ratio",
          "", "", 0, 10, 0, RW), AT (ratio), 0);
  g_object_class_install_property (oc, PROP_SLOT_A,
      g_param_spec_uint ("slot-a", "", "", 0, 1000, 0, RW));
  g_object_class_install_property (oc, PROP_SLOT_B,
      g_param_spec_uint ("slot-b", "", "", 0, 1000, 0, RW));
  gst_as_prop_bind_slots (oc, PROP_SLOT_A, 2, AT (group), slot_set,
      slot_get);
  gst_as_prop_install_reader (oc, PROP_READER, g_param_spec_uint ("reader",
          "", "", 0, G_MAXUINT, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS), read_value);
  g_object_class_install_property (oc, PROP_UNBOUND,
      g_param_spec_uint ("unbound", "", "", 0, 10, 0, RW));
}

static void
test_obj_init (TestObj * self)
{
  self->name_field = g_strdup ("dflt");
  self->address = g_strdup ("0.0.0.0");
  last_created = self;
}

GST_START_TEST (test_fields_round_trip)
{
  TestObj *obj = g_object_new (test_obj_get_type (), NULL);
  gchar *label, *path;
  gint number, choice;
  guint count, bits;
  gboolean flag;
  guint64 big;
  gdouble ratio;

  g_object_get (obj, "label", &label, NULL);
  fail_unless_equals_string (label, "dflt");
  g_free (label);

  g_object_set (obj, "label", "hello", "path", "/tmp/x", "number", -7,
      "count", 300000u, "flag", TRUE, "choice", GST_STATE_PAUSED,
      "bits", GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT,
      "big", G_GUINT64_CONSTANT (1) << 40, "ratio", 2.5, NULL);
  /* the fields hold the values... */
  fail_unless_equals_string (obj->name_field, "hello");
  fail_unless_equals_string (obj->path, "/tmp/x");
  fail_unless_equals_int (obj->number, -7);
  fail_unless_equals_int (obj->count, 300000);
  fail_unless (obj->flag);
  fail_unless_equals_int (obj->choice, GST_STATE_PAUSED);
  fail_unless_equals_int (obj->bits,
      GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT);
  fail_unless_equals_uint64 (obj->big, G_GUINT64_CONSTANT (1) << 40);
  fail_unless_equals_float (obj->ratio, 2.5);

  /* ...and the properties read them back */
  g_object_get (obj, "label", &label, "path", &path, "number", &number,
      "count", &count, "flag", &flag, "choice", &choice, "bits", &bits,
      "big", &big, "ratio", &ratio, NULL);
  fail_unless_equals_string (label, "hello");
  fail_unless_equals_string (path, "/tmp/x");
  fail_unless_equals_int (number, -7);
  fail_unless_equals_int (count, 300000);
  fail_unless (flag);
  fail_unless_equals_int (choice, GST_STATE_PAUSED);
  fail_unless_equals_int (bits, GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT);
  fail_unless_equals_uint64 (big, G_GUINT64_CONSTANT (1) << 40);
  fail_unless_equals_float (ratio, 2.5);
  g_free (label);
  g_free (path);

  /* NULL clears a string */
  g_object_set (obj, "label", NULL, NULL);
  fail_unless (obj->name_field == NULL);

  gst_object_unref (obj);
}

GST_END_TEST;

GST_START_TEST (test_empty_is_null)
{
  TestObj *obj = g_object_new (test_obj_get_type (), NULL);
  gchar *label;

  g_object_set (obj, "path", "/run/x.sock", NULL);
  g_object_set (obj, "path", "", NULL);
  fail_unless (obj->path == NULL);
  /* only where asked for: "" stays "" elsewhere */
  g_object_set (obj, "label", "", NULL);
  g_object_get (obj, "label", &label, NULL);
  fail_unless_equals_string (label, "");
  g_free (label);
  gst_object_unref (obj);
}

GST_END_TEST;

GST_START_TEST (test_null_is_default)
{
  TestObj *obj = g_object_new (test_obj_get_type (), NULL);
  gchar *address;

  g_object_set (obj, "address", "::1", NULL);
  fail_unless_equals_string (obj->address, "::1");
  g_object_set (obj, "address", NULL, NULL);
  fail_unless_equals_string (obj->address, "0.0.0.0");
  g_object_get (obj, "address", &address, NULL);
  fail_unless_equals_string (address, "0.0.0.0");
  g_free (address);
  /* "" is a value of its own there, and NULL still clears elsewhere */
  g_object_set (obj, "address", "", NULL);
  fail_unless_equals_string (obj->address, "");
  g_object_set (obj, "label", NULL, NULL);
  fail_unless (obj->name_field == NULL);
  gst_object_unref (obj);
}

GST_END_TEST;

GST_START_TEST (test_slots_under_lock)
{
  TestObj *obj = g_object_new (test_obj_get_type (), NULL);
  guint a, b;

  g_object_set (obj, "slot-a", 3u, "slot-b", 5u, NULL);
  fail_unless_equals_int (obj->group.sets, 2);
  fail_unless_equals_int (obj->group.values[0], 30);
  fail_unless_equals_int (obj->group.values[1], 50);
  fail_unless (obj->group.locked_in_set);
  g_object_get (obj, "slot-a", &a, "slot-b", &b, NULL);
  fail_unless_equals_int (a, 31);
  fail_unless_equals_int (b, 51);
  gst_object_unref (obj);
}

GST_END_TEST;

GST_START_TEST (test_reader_without_lock)
{
  TestObj *obj = g_object_new (test_obj_get_type (), NULL);
  guint v;

  g_object_get (obj, "reader", &v, NULL);
  fail_unless_equals_int (v, 4242);
  fail_unless_equals_int (obj->reads, 1);
  /* a reader takes the locks it needs itself (a stats snapshot) */
  fail_if (obj->locked_in_read);
  gst_object_unref (obj);
}

GST_END_TEST;

static void
count_warning (const gchar * log_domain, GLogLevelFlags log_level,
    const gchar * message, gpointer user_data)
{
  if (strstr (message, "invalid property id") != NULL)
    g_atomic_int_inc ((gint *) user_data);
}

GST_START_TEST (test_unbound_warns)
{
  TestObj *obj = g_object_new (test_obj_get_type (), NULL);
  gint warnings = 0;
  guint v = 7;
  /* a property nobody bound is G_OBJECT_WARN_INVALID_PROPERTY_ID's */
  guint handler = g_log_set_handler ("gst-audiostream",
      G_LOG_LEVEL_WARNING, count_warning, &warnings);

  g_object_set (obj, "unbound", 1u, NULL);
  fail_unless_equals_int (warnings, 1);
  g_object_get (obj, "unbound", &v, NULL);
  fail_unless_equals_int (warnings, 2);
  g_log_remove_handler ("gst-audiostream", handler);
  gst_object_unref (obj);
}

GST_END_TEST;

static Suite *
propbind_suite (void)
{
  Suite *s = suite_create ("propbind");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_fields_round_trip);
  tcase_add_test (tc, test_empty_is_null);
  tcase_add_test (tc, test_null_is_default);
  tcase_add_test (tc, test_slots_under_lock);
  tcase_add_test (tc, test_reader_without_lock);
  tcase_add_test (tc, test_unbound_warns);
  return s;
}

GST_CHECK_MAIN (propbind);
