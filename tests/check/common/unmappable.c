/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "unmappable.h"

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
