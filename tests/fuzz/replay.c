/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Runs a fuzz target over every file of the corpus directories given, the
 * way libFuzzer would, without libFuzzer: the test suite's regression run
 * of everything the fuzzer ever found (tests/fuzz/corpus). */

#include <glib.h>

int LLVMFuzzerTestOneInput (const guint8 * data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

int
main (int argc, char **argv)
{
  guint files = 0;
  gint i;

  LLVMFuzzerInitialize (&argc, &argv);
  for (i = 1; i < argc; i++) {
    GDir *dir = g_dir_open (argv[i], 0, NULL);
    const gchar *name;

    if (dir == NULL) {
      g_printerr ("cannot open %s\n", argv[i]);
      return 1;
    }
    while ((name = g_dir_read_name (dir)) != NULL) {
      gchar *path = g_build_filename (argv[i], name, NULL);
      gchar *data;
      gsize size;

      if (g_file_get_contents (path, &data, &size, NULL)) {
        LLVMFuzzerTestOneInput ((const guint8 *) data, size);
        g_free (data);
        files++;
      }
      g_free (path);
    }
    g_dir_close (dir);
  }
  g_print ("%u inputs replayed\n", files);
  return files > 0 ? 0 : 77;
}
