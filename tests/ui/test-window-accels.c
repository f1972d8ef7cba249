/* test-window-accels.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The shortcuts window (the compiled gtk/help-overlay.ui) and the table of
 * ui/pf-window-accels.c list the same keys, each help line the keys of one
 * action; the table installs what it says where it says. No display needed.
 */

#include "config.h"

#include <gtk/gtk.h>

#include "pf-window-accels.h"

#define HELP_OVERLAY RESOURCE_BASE_PATH "/gtk/help-overlay.ui"

typedef struct
{
  char *title;
  char *accelerator;
  char *context;
  gboolean translatable;
} HelpLine;

typedef struct
{
  GPtrArray *lines;      /* HelpLine */
  HelpLine  *current;    /* inside a GtkShortcutsShortcut */
  char      *property;   /* inside one of its <property> elements */
  GString   *text;
  gboolean   translatable;
  char      *context;
} HelpParser;

static void
help_line_free (gpointer data)
{
  HelpLine *line = data;

  g_free (line->title);
  g_free (line->accelerator);
  g_free (line->context);
  g_free (line);
}

static void
start_element (GMarkupParseContext  *context,
               const char           *element,
               const char          **names,
               const char          **values,
               gpointer              user_data,
               GError              **error)
{
  HelpParser *parser = user_data;

  if (g_str_equal (element, "object"))
    {
      for (guint i = 0; names[i]; i++)
        if (g_str_equal (names[i], "class") && g_str_equal (values[i], "GtkShortcutsShortcut"))
          {
            parser->current = g_new0 (HelpLine, 1);
            g_ptr_array_add (parser->lines, parser->current);
          }
    }
  else if (g_str_equal (element, "property") && parser->current != NULL)
    {
      g_clear_pointer (&parser->property, g_free);
      g_clear_pointer (&parser->context, g_free);
      parser->translatable = FALSE;
      for (guint i = 0; names[i]; i++)
        {
          if (g_str_equal (names[i], "name"))
            parser->property = g_strdup (values[i]);
          else if (g_str_equal (names[i], "translatable"))
            parser->translatable = g_str_equal (values[i], "yes");
          else if (g_str_equal (names[i], "context"))
            parser->context = g_strdup (values[i]);
        }
      g_string_truncate (parser->text, 0);
    }
}

static void
end_element (GMarkupParseContext  *context,
             const char           *element,
             gpointer              user_data,
             GError              **error)
{
  HelpParser *parser = user_data;

  if (g_str_equal (element, "object"))
    parser->current = NULL;
  else if (g_str_equal (element, "property") && parser->current && parser->property)
    {
      if (g_str_equal (parser->property, "title"))
        {
          parser->current->title = g_strdup (parser->text->str);
          parser->current->translatable = parser->translatable;
          parser->current->context = g_steal_pointer (&parser->context);
        }
      else if (g_str_equal (parser->property, "accelerator"))
        parser->current->accelerator = g_strdup (parser->text->str);
      g_clear_pointer (&parser->property, g_free);
    }
}

static void
text (GMarkupParseContext  *context,
      const char           *str,
      gsize                 len,
      gpointer              user_data,
      GError              **error)
{
  HelpParser *parser = user_data;

  if (parser->property != NULL)
    g_string_append_len (parser->text, str, len);
}

static GPtrArray *
parse_help_overlay (void)
{
  static const GMarkupParser callbacks = { start_element, end_element, text, NULL, NULL };
  HelpParser parser = { 0 };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = g_resources_lookup_data (HELP_OVERLAY, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  g_assert_no_error (error);

  parser.lines = g_ptr_array_new_with_free_func (help_line_free);
  parser.text = g_string_new (NULL);
  context = g_markup_parse_context_new (&callbacks, 0, &parser, NULL);
  g_markup_parse_context_parse (context, g_bytes_get_data (bytes, NULL),
                                g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);

  g_string_free (parser.text, TRUE);
  g_free (parser.property);
  g_free (parser.context);
  return parser.lines;
}

/* Accelerators compare by what they mean: "<Control>question" is "<Primary>?". */
static char *
normalize (const char *accel)
{
  guint key = 0;
  GdkModifierType mods = 0;

  if (!gtk_accelerator_parse (accel, &key, &mods) || key == 0)
    g_error ("cannot parse the accelerator “%s”", accel);
  return gtk_accelerator_name (key, mods);
}

/* normalized accelerator → action, for every key of the table */
static GHashTable *
table_keys (void)
{
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const PfAccelEntry *entries;
  guint n = 0;

  entries = pf_window_accels (&n);
  g_assert_cmpuint (n, >, 0);
  for (guint i = 0; i < n; i++)
    {
      g_assert_nonnull (entries[i].accels[0]);
      for (guint j = 0; entries[i].accels[j]; j++)
        {
          char *key = normalize (entries[i].accels[j]);

          if (g_hash_table_contains (keys, key))
            g_error ("“%s” is in the table twice", key);
          g_hash_table_insert (keys, key, (gpointer) entries[i].action);
        }
    }
  return keys;
}

static void
test_help_matches_table (void)
{
  g_autoptr(GPtrArray) lines = parse_help_overlay ();
  g_autoptr(GHashTable) keys = table_keys ();
  g_autoptr(GHashTable) shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key;

  g_assert_cmpuint (lines->len, >=, 10);
  for (guint i = 0; i < lines->len; i++)
    {
      HelpLine *line = g_ptr_array_index (lines, i);
      g_auto(GStrv) tokens = NULL;
      const char *action = NULL;

      g_assert_nonnull (line->title);
      if (line->accelerator == NULL)
        g_error ("“%s” has no accelerator", line->title);

      /* Each line of the help names the keys of one action. */
      tokens = g_strsplit (line->accelerator, " ", -1);
      for (guint j = 0; tokens[j]; j++)
        {
          g_autofree char *accel = normalize (tokens[j]);
          const char *owner = g_hash_table_lookup (keys, accel);

          if (owner == NULL)
            g_error ("“%s” (%s) is in the help but not in the table", accel, line->title);
          if (action != NULL && g_strcmp0 (owner, action) != 0)
            g_error ("“%s” mixes the keys of %s and %s", line->title, action, owner);
          action = owner;
          g_hash_table_add (shown, g_steal_pointer (&accel));
        }
    }

  g_hash_table_iter_init (&iter, keys);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (shown, key))
      g_error ("“%s” is in the table but not in the help", (const char *) key);
}

static void
test_help_titles_translatable (void)
{
  g_autoptr(GPtrArray) lines = parse_help_overlay ();

  for (guint i = 0; i < lines->len; i++)
    {
      HelpLine *line = g_ptr_array_index (lines, i);

      g_test_message ("%s", line->title);
      g_assert_true (line->translatable);
      g_assert_cmpstr (line->context, ==, "shortcut window");
    }
}

/* Keys with a modifier or function keys may run ahead of the focused widget;
 * a bare letter or Delete must not, or typing into an entry would act on mail. */
static void
test_scopes (void)
{
  const PfAccelEntry *entries;
  guint n = 0;

  entries = pf_window_accels (&n);
  for (guint i = 0; i < n; i++)
    for (guint j = 0; entries[i].accels[j]; j++)
      {
        guint key = 0;
        GdkModifierType mods = 0;
        gboolean function_key;

        gtk_accelerator_parse (entries[i].accels[j], &key, &mods);
        function_key = key >= GDK_KEY_F1 && key <= GDK_KEY_F35;
        if (entries[i].scope == PF_ACCEL_SCOPE_APPLICATION)
          {
            if ((mods & (GDK_CONTROL_MASK | GDK_ALT_MASK)) == 0 && !function_key)
              g_error ("%s: “%s” would take the key from text entries",
                       entries[i].action, entries[i].accels[j]);
          }
        else if (entries[i].scope == PF_ACCEL_SCOPE_WINDOW)
          g_assert_true ((mods & (GDK_CONTROL_MASK | GDK_ALT_MASK)) == 0 && !function_key);
      }
}

static void
test_install (void)
{
  g_autoptr(GtkApplication) app = NULL;
  const PfAccelEntry *entries;
  guint n = 0;

  app = gtk_application_new ("org.postfach.PostfachTest", G_APPLICATION_NON_UNIQUE);
  pf_window_accels_install (app);

  entries = pf_window_accels (&n);
  for (guint i = 0; i < n; i++)
    {
      g_auto(GStrv) installed = gtk_application_get_accels_for_action (app, entries[i].action);

      if (entries[i].scope == PF_ACCEL_SCOPE_APPLICATION)
        {
          g_assert_cmpuint (g_strv_length (installed), ==,
                            g_strv_length ((char **) entries[i].accels));
          for (guint j = 0; entries[i].accels[j]; j++)
            {
              g_autofree char *want = normalize (entries[i].accels[j]);
              g_autofree char *got = normalize (installed[j]);

              g_assert_cmpstr (got, ==, want);
            }
        }
      else
        {
          /* Single keys and built-in keys never become application accels. */
          for (guint j = 0; installed[j]; j++)
            for (guint k = 0; entries[i].accels[k]; k++)
              {
                g_autofree char *a = normalize (installed[j]);
                g_autofree char *b = normalize (entries[i].accels[k]);

                g_assert_cmpstr (a, !=, b);
              }
        }
    }
}

static void
test_controller (void)
{
  g_autoptr(GtkEventController) controller = pf_window_accels_new_controller ();
  g_autoptr(GHashTable) want = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GListModel *shortcuts = G_LIST_MODEL (controller);
  const PfAccelEntry *entries;
  guint n = 0;

  g_assert_cmpint (gtk_event_controller_get_propagation_phase (controller), ==, GTK_PHASE_BUBBLE);

  entries = pf_window_accels (&n);
  for (guint i = 0; i < n; i++)
    if (entries[i].scope == PF_ACCEL_SCOPE_WINDOW)
      for (guint j = 0; entries[i].accels[j]; j++)
        g_hash_table_insert (want, normalize (entries[i].accels[j]), g_strdup (entries[i].action));
  g_assert_cmpuint (g_hash_table_size (want), >=, 4);

  g_assert_cmpuint (g_list_model_get_n_items (shortcuts), ==, g_hash_table_size (want));
  for (guint i = 0; i < g_list_model_get_n_items (shortcuts); i++)
    {
      g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (shortcuts, i);
      g_autofree char *trigger = gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut));
      g_autofree char *accel = normalize (trigger);
      GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

      g_assert_true (GTK_IS_NAMED_ACTION (action));
      g_assert_cmpstr (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), ==,
                       g_hash_table_lookup (want, accel));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/window/accels/help-matches-table", test_help_matches_table);
  g_test_add_func ("/window/accels/help-titles-translatable", test_help_titles_translatable);
  g_test_add_func ("/window/accels/scopes", test_scopes);
  g_test_add_func ("/window/accels/install", test_install);
  g_test_add_func ("/window/accels/controller", test_controller);
  return g_test_run ();
}
