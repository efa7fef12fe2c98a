/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "urihandler.h"

static GQuark
info_quark (void)
{
  return g_quark_from_static_string ("gst-as-uri-handler-info");
}

/* The info of @type or of the class it derives from. */
static const GstAsUriHandlerInfo *
info_of (GType type)
{
  for (; type != 0; type = g_type_parent (type)) {
    const GstAsUriHandlerInfo *info = g_type_get_qdata (type, info_quark ());

    if (info != NULL)
      return info;
  }
  g_return_val_if_reached (NULL);
}

static GstURIType
uri_get_type (GType type)
{
  return info_of (type)->type;
}

static const gchar *const *
uri_get_protocols (GType type)
{
  return gst_as_uri_protocols ();
}

static gchar *
uri_get_uri (GstURIHandler * handler)
{
  return info_of (G_OBJECT_TYPE (handler))->get_uri (GST_ELEMENT (handler));
}

static gboolean
uri_set_uri (GstURIHandler * handler, const gchar * uri, GError ** error)
{
  const GstAsUriHandlerInfo *info = info_of (G_OBJECT_TYPE (handler));
  GstElement *element = GST_ELEMENT (handler);
  GstAsUri parsed;
  gboolean ok;

  if (!gst_as_uri_check_state (element, error) ||
      !gst_as_uri_parse (uri, &parsed, error))
    return FALSE;

  GST_OBJECT_LOCK (element);
  info->take (element, &parsed);
  GST_OBJECT_UNLOCK (element);

  ok = gst_as_uri_apply_params (G_OBJECT (element), parsed.params,
      info->params, error);
  gst_as_uri_clear (&parsed);
  return ok;
}

/* Fills @iface, the GstURIHandler of the type being initialised, from
 * @info, which must outlive the type (static). */
void
gst_as_uri_handler_init (GstURIHandlerInterface * iface,
    const GstAsUriHandlerInfo * info)
{
  GType type = ((GTypeInterface *) iface)->g_instance_type;

  g_type_set_qdata (type, info_quark (), (gpointer) info);
  iface->get_type = uri_get_type;
  iface->get_protocols = uri_get_protocols;
  iface->get_uri = uri_get_uri;
  iface->set_uri = uri_set_uri;
}
