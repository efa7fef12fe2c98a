/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Test helper: this test program run again as a new process, for what a
 * process reads only once (the environment knobs of tuning.c). The
 * program's main() answers the probe @flag before gst_check_init(). */

#ifndef TEST_FRESH_PROCESS_H
#define TEST_FRESH_PROCESS_H

#include <glib.h>

G_BEGIN_DECLS

/* Keeps the program's path; main() calls it first, with argv[0]. */
void test_fresh_process_init (const gchar * argv0);

/* Runs the program with @flag as its one argument and the environment
 * variable @var set to @value (NULL: unset), and waits for it. Its
 * standard output and error go to @out and @err when given (free them).
 * Returns its exit status, -1 when it did not exit (a crash). */
gint test_fresh_process_run (const gchar * flag, const gchar * var,
    const gchar * value, gchar ** out, gchar ** err);

G_END_DECLS

#endif
