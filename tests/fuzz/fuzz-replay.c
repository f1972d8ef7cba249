/* fuzz-replay.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-fuzz"

#include "config.h"

#include <glib.h>
#include <stdint.h>

/*
 * Runs a libFuzzer target over files and directories of inputs, without
 * libFuzzer: built with the normal compiler, so the seed corpus and every
 * crasher found so far are checked on each `meson test`.
 *
 *   fuzz-replay-<target> CORPUS-DIR-OR-FILE…
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static gboolean
replay_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }

  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  return TRUE;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

int
main (int   argc,
      char *argv[])
{
  guint n_inputs = 0;
  int i;

  if (argc < 2)
    {
      g_printerr ("Usage: %s CORPUS-DIR-OR-FILE…\n", argv[0]);
      return 2;
    }

  for (i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GDir) dir = NULL;
      g_autoptr(GPtrArray) names = NULL;
      const char *name;
      guint j;

      if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          if (!replay_file (argv[i]))
            return 1;
          n_inputs++;
          continue;
        }

      dir = g_dir_open (argv[i], 0, &error);
      if (dir == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }

      names = g_ptr_array_new_with_free_func (g_free);
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
      g_ptr_array_sort (names, compare_names);

      for (j = 0; j < names->len; j++)
        {
          const char *path = g_ptr_array_index (names, j);

          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            continue;
          if (!replay_file (path))
            return 1;
          n_inputs++;
        }
    }

  g_print ("Replayed %u inputs\n", n_inputs);
  return n_inputs > 0 ? 0 : 1;
}
