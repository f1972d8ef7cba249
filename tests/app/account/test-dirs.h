/* test-dirs.h: private XDG directories for the account tests
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <glib/gstdio.h>

/*
 * Every test runs with HOME and the XDG directories in one temporary
 * directory of the test binary, emptied before each test and removed at
 * the end. (G_TEST_OPTION_ISOLATE_DIRS does the same per test, but GLib
 * 2.74 leaks the directory strings it replaces, which valgrind reports.)
 */

static char *test_dirs_root;

static const char * const test_dirs_variables[] = {
  "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME",
  "XDG_RUNTIME_DIR",
};

static void
test_dirs_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          test_dirs_remove_tree (child);
        }
      g_assert_cmpint (g_rmdir (path), ==, 0);
    }
  else
    g_assert_cmpint (g_unlink (path), ==, 0);
}

/* Call first in main(), before anything asks GLib for a directory. */
static void
test_dirs_init (void)
{
  g_autoptr(GError) error = NULL;

  test_dirs_root = g_dir_make_tmp ("postfach-account-XXXXXX", &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (test_dirs_variables); i++)
    {
      g_autofree char *path = g_build_filename (test_dirs_root, test_dirs_variables[i], NULL);

      g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
      g_setenv (test_dirs_variables[i], path, TRUE);
    }
}

/* Empties the directories, so each test starts from nothing. */
static void
test_dirs_reset (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (test_dirs_variables); i++)
    {
      g_autofree char *path = g_build_filename (test_dirs_root, test_dirs_variables[i], NULL);

      test_dirs_remove_tree (path);
      g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
    }
}

static void
test_dirs_cleanup (void)
{
  test_dirs_remove_tree (test_dirs_root);
  g_clear_pointer (&test_dirs_root, g_free);
}

static void
test_dirs_run (gconstpointer data)
{
  GTestFunc func = (GTestFunc) data;

  test_dirs_reset ();
  func ();
}

/* g_test_add_func() with emptied directories. */
#define test_dirs_add_func(path, func) \
  g_test_add_data_func ((path), (gconstpointer) (func), test_dirs_run)
