/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "unmappable.h"

#include <gst/check/gstcheck.h>
#include <string.h>

typedef GstAllocator TestUnmappable;
typedef GstAllocatorClass TestUnmappableClass;
static GType test_unmappable_get_type (void);
G_DEFINE_TYPE (TestUnmappable, test_unmappable, GST_TYPE_ALLOCATOR);

static gpointer
test_unmappable_map (GstMemory * mem, gsize maxsize, GstMapFlags flags)
{
  return NULL;
}

static void
test_unmappable_unmap (GstMemory * mem)
{
}

static void
test_unmappable_free (GstAllocator * allocator, GstMemory * mem)
{
  g_free (mem);
}

static void
test_unmappable_class_init (TestUnmappableClass * klass)
{
  klass->free = test_unmappable_free;
}

static void
test_unmappable_init (TestUnmappable * self)
{
  self->mem_type = "test/unmappable";
  self->mem_map = test_unmappable_map;
  self->mem_unmap = test_unmappable_unmap;
  GST_OBJECT_FLAG_SET (self, GST_ALLOCATOR_FLAG_CUSTOM_ALLOC);
}

GstBuffer *
test_unmappable_buffer_new (gsize size)
{
  GstAllocator *allocator =
      gst_object_ref_sink (g_object_new (test_unmappable_get_type (), NULL));
  GstMemory *mem = g_new0 (GstMemory, 1);
  GstBuffer *buf = gst_buffer_new ();

  /* the memory holds its own reference to the allocator */
  gst_memory_init (mem, 0, allocator, NULL, size, 0, 0, size);
  gst_buffer_append_memory (buf, mem);
  gst_object_unref (allocator);
  return buf;
}

void
test_check_unreadable_error (GstBus * bus, gsize size)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *debug = NULL, *expected;

  fail_unless (msg != NULL);
  gst_message_parse_error (msg, &err, &debug);
  fail_unless (g_error_matches (err, GST_STREAM_ERROR,
          GST_STREAM_ERROR_FAILED), "%s", err->message);
  fail_unless (strstr (err->message, "cannot be mapped for reading") &&
      strstr (err->message, "audioconvert"), "%s", err->message);
  expected = g_strdup_printf ("%" G_GSIZE_FORMAT " bytes in 1 memories, "
      "the first of type test/unmappable", size);
  fail_unless (strstr (debug, expected), "%s", debug);
  g_free (expected);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);
}
