/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Test helper: a buffer whose memory cannot be mapped, as memory that only
 * a device can read. Its memory type is "test/unmappable". */

#ifndef TEST_UNMAPPABLE_H
#define TEST_UNMAPPABLE_H

#include <gst/gst.h>

G_BEGIN_DECLS

/* A buffer of @size bytes in one memory whose map always fails. */
GstBuffer *test_unmappable_buffer_new (gsize size);

/* Pops the ERROR that an element posted on @bus for such a buffer of
 * @size bytes, and checks that it says what to put before the element. */
void test_check_unreadable_error (GstBus * bus, gsize size);

G_END_DECLS

#endif
