/* pf-preferences-window.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-preferences"

#include "config.h"

#include "pf-preferences-window.h"

/* The application's preferences, each row bound to its GSettings key. */

struct _PfPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* Owned */
  GSettings            *settings;

  /* Template children */
  AdwComboRow          *mark_read_row;
  GtkSwitch            *conversations_switch;
  GtkSwitch            *notify_switch;
};

G_DEFINE_FINAL_TYPE (PfPreferencesWindow, pf_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The combo row's positions, in the order of the .ui file. */
static const char * const mark_read_values[] = { "immediately", "after-delay", "never" };

static gboolean
mark_read_get_mapping (GValue   *value,
                       GVariant *variant,
                       gpointer  user_data)
{
  const char *text = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (mark_read_values); i++)
    if (g_str_equal (text, mark_read_values[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
mark_read_set_mapping (const GValue       *value,
                       const GVariantType *expected_type,
                       gpointer            user_data)
{
  guint position = g_value_get_uint (value);

  if (position >= G_N_ELEMENTS (mark_read_values))
    return NULL;
  return g_variant_new_string (mark_read_values[position]);
}

/**
 * pf_preferences_window_new:
 * @parent: (nullable): the window it belongs to
 * @settings: the application's settings
 *
 * Returns: (transfer full): the preferences window
 */
PfPreferencesWindow *
pf_preferences_window_new (GtkWindow *parent,
                           GSettings *settings)
{
  PfPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (PF_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);
  g_settings_bind_with_mapping (settings, "mark-read", self->mark_read_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, mark_read_get_mapping,
                                mark_read_set_mapping, NULL, NULL);
  g_settings_bind (settings, "conversations", self->conversations_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "notify-new-mail", self->notify_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  return self;
}

static void
pf_preferences_window_dispose (GObject *object)
{
  PfPreferencesWindow *self = PF_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), PF_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (pf_preferences_window_parent_class)->dispose (object);
}

static void
pf_preferences_window_class_init (PfPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pf_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/pf-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PfPreferencesWindow, mark_read_row);
  gtk_widget_class_bind_template_child (widget_class, PfPreferencesWindow, conversations_switch);
  gtk_widget_class_bind_template_child (widget_class, PfPreferencesWindow, notify_switch);
}

static void
pf_preferences_window_init (PfPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
