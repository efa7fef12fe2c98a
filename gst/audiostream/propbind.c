/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "propbind.h"

typedef enum
{
  BIND_FIELD,
  BIND_SLOT,
  BIND_READER,
} BindKind;

typedef struct
{
  BindKind kind;
  gsize offset;                 /* the field, or the group */
  guint index;                  /* the group's slot */
  GstAsPropFlags flags;
  GstAsPropSetFunc set;
  GstAsPropGetFunc get;
  GstAsPropReadFunc read;
} Binding;

static GQuark
binding_quark (void)
{
  static gsize quark = 0;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("gst-as-prop"));
  return (GQuark) quark;
}

/* The pspec lives as long as its class, and so does its binding. */
static void
bind (GParamSpec * pspec, const Binding * b)
{
  g_param_spec_set_qdata_full (pspec, binding_quark (),
      g_memdup2 (b, sizeof (*b)), g_free);
}

/**
 * gst_as_prop_install_field:
 *
 * Installs @pspec as @prop_id, its value kept in the instance's field at
 * @field_offset (G_STRUCT_OFFSET), of the C type that the value type
 * implies (propbind.h).
 */
void
gst_as_prop_install_field (GObjectClass * klass, guint prop_id,
    GParamSpec * pspec, gsize field_offset, GstAsPropFlags flags)
{
  Binding b = { BIND_FIELD, field_offset, 0, flags, NULL, NULL, NULL };

  g_object_class_install_property (klass, prop_id, pspec);
  bind (pspec, &b);
}

/**
 * gst_as_prop_install_slot:
 *
 * Installs @pspec as @prop_id, set and read by @set and @get as slot
 * @index of the settings group at @group_offset in the instance: for
 * values with rules of their own (a default that another property
 * changes, say).
 */
void
gst_as_prop_install_slot (GObjectClass * klass, guint prop_id,
    GParamSpec * pspec, gsize group_offset, guint index,
    GstAsPropSetFunc set, GstAsPropGetFunc get)
{
  Binding b = { BIND_SLOT, group_offset, index, 0, set, get, NULL };

  g_object_class_install_property (klass, prop_id, pspec);
  bind (pspec, &b);
}

/**
 * gst_as_prop_install_reader:
 *
 * Installs the read-only @pspec as @prop_id, its value made by @read,
 * which is called without the object lock.
 */
void
gst_as_prop_install_reader (GObjectClass * klass, guint prop_id,
    GParamSpec * pspec, GstAsPropReadFunc read)
{
  Binding b = { BIND_READER, 0, 0, 0, NULL, NULL, read };

  g_return_if_fail (!(pspec->flags & G_PARAM_WRITABLE));
  g_object_class_install_property (klass, prop_id, pspec);
  bind (pspec, &b);
}

/**
 * gst_as_prop_bind_slots:
 *
 * Binds properties a settings module installed already, with the ids
 * @first_id to @first_id + @n_ids - 1, to the group at @group_offset:
 * each is slot `prop_id - first_id`.
 */
void
gst_as_prop_bind_slots (GObjectClass * klass, guint first_id, guint n_ids,
    gsize group_offset, GstAsPropSetFunc set, GstAsPropGetFunc get)
{
  GParamSpec **pspecs;
  guint i, n;

  pspecs = g_object_class_list_properties (klass, &n);
  for (i = 0; i < n; i++) {
    GParamSpec *pspec = pspecs[i];
    Binding b = { BIND_SLOT, group_offset, 0, 0, set, get, NULL };

    if (pspec->owner_type != G_TYPE_FROM_CLASS (klass) ||
        pspec->param_id < first_id || pspec->param_id >= first_id + n_ids)
      continue;
    b.index = pspec->param_id - first_id;
    bind (pspec, &b);
  }
  g_free (pspecs);
}

static const Binding *
lookup (GParamSpec * pspec)
{
  return g_param_spec_get_qdata (pspec, binding_quark ());
}

static void
set_field (gpointer field, const Binding * b, const GValue * value,
    GParamSpec * pspec)
{
  GType type = G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value));

  switch (type) {
    case G_TYPE_STRING:{
      const gchar *s = g_value_get_string (value);

      if ((b->flags & GST_AS_PROP_EMPTY_IS_NULL) && s != NULL && *s == '\0')
        s = NULL;
      if ((b->flags & GST_AS_PROP_NULL_IS_DEFAULT) && s == NULL)
        s = G_PARAM_SPEC_STRING (pspec)->default_value;
      g_free (*(gchar **) field);
      *(gchar **) field = g_strdup (s);
      break;
    }
    case G_TYPE_INT:
      *(gint *) field = g_value_get_int (value);
      break;
    case G_TYPE_ENUM:
      *(gint *) field = g_value_get_enum (value);
      break;
    case G_TYPE_UINT:
      *(guint *) field = g_value_get_uint (value);
      break;
    case G_TYPE_FLAGS:
      *(guint *) field = g_value_get_flags (value);
      break;
    case G_TYPE_BOOLEAN:
      *(gboolean *) field = g_value_get_boolean (value);
      break;
    case G_TYPE_UINT64:
      *(guint64 *) field = g_value_get_uint64 (value);
      break;
    case G_TYPE_INT64:
      *(gint64 *) field = g_value_get_int64 (value);
      break;
    case G_TYPE_DOUBLE:
      *(gdouble *) field = g_value_get_double (value);
      break;
    default:
      g_critical ("propbind: no field of type %s", g_type_name (type));
      break;
  }
}

static void
get_field (gconstpointer field, GValue * value)
{
  GType type = G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value));

  switch (type) {
    case G_TYPE_STRING:
      g_value_set_string (value, *(gchar * const *) field);
      break;
    case G_TYPE_INT:
      g_value_set_int (value, *(const gint *) field);
      break;
    case G_TYPE_ENUM:
      g_value_set_enum (value, *(const gint *) field);
      break;
    case G_TYPE_UINT:
      g_value_set_uint (value, *(const guint *) field);
      break;
    case G_TYPE_FLAGS:
      g_value_set_flags (value, *(const guint *) field);
      break;
    case G_TYPE_BOOLEAN:
      g_value_set_boolean (value, *(const gboolean *) field);
      break;
    case G_TYPE_UINT64:
      g_value_set_uint64 (value, *(const guint64 *) field);
      break;
    case G_TYPE_INT64:
      g_value_set_int64 (value, *(const gint64 *) field);
      break;
    case G_TYPE_DOUBLE:
      g_value_set_double (value, *(const gdouble *) field);
      break;
    default:
      g_critical ("propbind: no field of type %s", g_type_name (type));
      break;
  }
}

/**
 * gst_as_prop_set_property:
 *
 * GObjectClass::set_property of an element whose properties are bound.
 */
void
gst_as_prop_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  const Binding *b = lookup (pspec);
  gpointer at;

  if (b == NULL || b->kind == BIND_READER) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  at = G_STRUCT_MEMBER_P (object, b->offset);
  GST_OBJECT_LOCK (object);
  if (b->kind == BIND_FIELD)
    set_field (at, b, value, pspec);
  else
    b->set (at, b->index, value);
  GST_OBJECT_UNLOCK (object);
}

/**
 * gst_as_prop_get_property:
 *
 * GObjectClass::get_property of an element whose properties are bound.
 */
void
gst_as_prop_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  const Binding *b = lookup (pspec);
  gpointer at;

  if (b == NULL) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  if (b->kind == BIND_READER) {
    b->read (object, value);
    return;
  }
  at = G_STRUCT_MEMBER_P (object, b->offset);
  GST_OBJECT_LOCK (object);
  if (b->kind == BIND_FIELD)
    get_field (at, value);
  else
    b->get (at, b->index, value);
  GST_OBJECT_UNLOCK (object);
}
