/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * SECTION:propbind
 *
 * Properties that know where their value lives. Each #GParamSpec carries
 * a binding (its qdata): a field of the instance, a slot of a settings
 * group the instance embeds, or a reader. Then one pair of
 * GObjectClass::set_property / ::get_property,
 * gst_as_prop_set_property() and gst_as_prop_get_property(), serves every
 * element that binds its properties, instead of a switch per element that
 * repeats the same copy in and out.
 *
 * A field or a group slot is touched only under GST_OBJECT_LOCK, as the
 * element's other threads expect; a reader (a `stats` structure built from
 * a snapshot) is called without it and takes what locks it needs.
 *
 * A field's C type follows the pspec's value type: gchar * for strings
 * (owned, freed on set), gint for int and enum, guint for uint and flags,
 * gboolean, guint64, gint64, gdouble.
 */

typedef enum
{
  GST_AS_PROP_NONE = 0,
  /* a string field set to "" stores NULL (gst-launch-1.0 has no other way
   * to say "none") */
  GST_AS_PROP_EMPTY_IS_NULL = 1 << 0,
  /* a string field set to NULL stores the pspec's default instead (for
   * a setting that cannot be "none", such as the address to listen on) */
  GST_AS_PROP_NULL_IS_DEFAULT = 1 << 1,
} GstAsPropFlags;

/* a slot of a settings group: @group is the group inside the instance */
typedef void (*GstAsPropSetFunc) (gpointer group, guint index,
    const GValue * value);
typedef void (*GstAsPropGetFunc) (gpointer group, guint index,
    GValue * value);
/* a computed read-only property, called without the object lock */
typedef void (*GstAsPropReadFunc) (GObject * object, GValue * value);

void      gst_as_prop_install_field     (GObjectClass * klass,
                                         guint prop_id, GParamSpec * pspec,
                                         gsize field_offset,
                                         GstAsPropFlags flags);
void      gst_as_prop_install_slot      (GObjectClass * klass,
                                         guint prop_id, GParamSpec * pspec,
                                         gsize group_offset, guint index,
                                         GstAsPropSetFunc set,
                                         GstAsPropGetFunc get);
void      gst_as_prop_install_reader    (GObjectClass * klass,
                                         guint prop_id, GParamSpec * pspec,
                                         GstAsPropReadFunc read);
void      gst_as_prop_bind_slots        (GObjectClass * klass,
                                         guint first_id, guint n_ids,
                                         gsize group_offset,
                                         GstAsPropSetFunc set,
                                         GstAsPropGetFunc get);

void      gst_as_prop_set_property      (GObject * object, guint prop_id,
                                         const GValue * value,
                                         GParamSpec * pspec);
void      gst_as_prop_get_property      (GObject * object, guint prop_id,
                                         GValue * value,
                                         GParamSpec * pspec);

G_END_DECLS
