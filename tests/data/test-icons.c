/* test-icons.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The icons we ship are in the compiled GResource where GtkApplication
 * looks for them (<resource-base-path>/icons), load as 16x16 images, and
 * resolve through an icon theme set up as the application's is: Adwaita
 * plus the resource path. Every icon-name of the compiled templates
 * resolves the same way. No display is needed.
 */

#include "config.h"

#include <gtk/gtk.h>

#define ICONS_PATH RESOURCE_BASE_PATH "/icons"
#define ACTIONS_PATH ICONS_PATH "/scalable/actions/"

static const char * const shipped[] = {
  "pf-archive-symbolic",
  "pf-drafts-symbolic",
  "pf-inbox-symbolic",
  "pf-outbox-symbolic",
  "pf-sent-symbolic",
};

static GtkIconTheme *
new_theme (void)
{
  GtkIconTheme *theme = gtk_icon_theme_new ();

  gtk_icon_theme_set_theme_name (theme, "Adwaita");
  gtk_icon_theme_add_resource_path (theme, ICONS_PATH);
  return theme;
}

static void
test_shipped (void)
{
  g_autoptr(GtkIconTheme) theme = new_theme ();

  for (guint i = 0; i < G_N_ELEMENTS (shipped); i++)
    {
      g_autofree char *path = g_strconcat (ACTIONS_PATH, shipped[i], ".svg", NULL);
      g_autoptr(GdkTexture) texture = NULL;
      g_autoptr(GError) error = NULL;
      gsize size = 0;

      g_test_message ("%s", shipped[i]);
      g_assert_true (g_resources_get_info (path, G_RESOURCE_LOOKUP_FLAGS_NONE,
                                           &size, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (size, >, 0);

      texture = gdk_texture_new_from_resource (path);
      g_assert_nonnull (texture);
      g_assert_cmpint (gdk_texture_get_width (texture), ==, 16);
      g_assert_cmpint (gdk_texture_get_height (texture), ==, 16);

      g_assert_true (gtk_icon_theme_has_icon (theme, shipped[i]));
    }
}

/* The resource holds exactly the icons listed above: a new one is added to
 * the list (and so checked), a removed one fails here. */
static void
test_resource_listing (void)
{
  g_auto(GStrv) children = NULL;
  g_autoptr(GError) error = NULL;

  children = g_resources_enumerate_children (ACTIONS_PATH, G_RESOURCE_LOOKUP_FLAGS_NONE,
                                             &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (children), ==, G_N_ELEMENTS (shipped));
  for (guint i = 0; i < G_N_ELEMENTS (shipped); i++)
    {
      g_autofree char *file = g_strconcat (shipped[i], ".svg", NULL);

      g_assert_true (g_strv_contains ((const char * const *) children, file));
    }
}

static void
collect_templates (const char *dir,
                   GPtrArray  *paths)
{
  g_auto(GStrv) children = g_resources_enumerate_children (dir, G_RESOURCE_LOOKUP_FLAGS_NONE,
                                                           NULL);

  for (guint i = 0; children && children[i]; i++)
    {
      g_autofree char *path = g_strconcat (dir, children[i], NULL);

      if (g_str_has_suffix (children[i], "/"))
        collect_templates (path, paths);
      else if (g_str_has_suffix (children[i], ".ui"))
        g_ptr_array_add (paths, g_steal_pointer (&path));
    }
}

static void
test_templates (void)
{
  g_autoptr(GtkIconTheme) theme = new_theme ();
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRegex) regex = NULL;
  guint found = 0;

  regex = g_regex_new ("<property name=\"icon[-_]name\"[^>]*>([^<]+)</property>", 0, 0, NULL);
  collect_templates (RESOURCE_BASE_PATH "/", paths);
  g_assert_cmpuint (paths->len, >, 0);

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GMatchInfo) match = NULL;
      g_autofree char *text = NULL;

      bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_assert_nonnull (bytes);
      text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      g_regex_match (regex, text, 0, &match);
      while (g_match_info_matches (match))
        {
          g_autofree char *name = g_match_info_fetch (match, 1);

          if (!gtk_icon_theme_has_icon (theme, name))
            g_error ("%s: no icon “%s” in Adwaita or the resource", path, name);
          found++;
          g_match_info_next (match, NULL);
        }
    }
  g_test_message ("%u icon names in %u templates", found, paths->len);
  g_assert_cmpuint (found, >, 0);
}

/* The test itself can fail: a name in neither place is not found. */
static void
test_missing_is_missing (void)
{
  g_autoptr(GtkIconTheme) theme = new_theme ();

  g_assert_false (gtk_icon_theme_has_icon (theme, "pf-no-such-icon-symbolic"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/icons/shipped", test_shipped);
  g_test_add_func ("/icons/resource-listing", test_resource_listing);
  g_test_add_func ("/icons/templates", test_templates);
  g_test_add_func ("/icons/missing-is-missing", test_missing_is_missing);
  return g_test_run ();
}
