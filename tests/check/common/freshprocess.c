/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "freshprocess.h"

#include <gst/check/gstcheck.h>
#include <sys/wait.h>

static gchar *self_path;

void
test_fresh_process_init (const gchar * argv0)
{
  g_free (self_path);
  self_path = g_strdup (argv0);
}

gint
test_fresh_process_run (const gchar * flag, const gchar * var,
    const gchar * value, gchar ** out, gchar ** err)
{
  gchar *argv[] = { self_path, (gchar *) flag, NULL };
  gchar **envp = g_get_environ ();
  gint status = -1;
  GError *error = NULL;

  fail_unless (self_path != NULL, "test_fresh_process_init() not called");
  envp = value ? g_environ_setenv (envp, var, value, TRUE) :
      g_environ_unsetenv (envp, var);
  /* the probe reports what it met (a warning on stderr is for the caller
   * to look at), so warnings must not abort it */
  envp = g_environ_unsetenv (envp, "G_DEBUG");
  fail_unless (g_spawn_sync (NULL, argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
          out, err, &status, &error), "%s", error ? error->message : "");
  g_strfreev (envp);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}
