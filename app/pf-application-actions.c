/* pf-application-actions.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-application"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-application.h"
#include "pf-preferences-window.h"
#include "pf-window-accels.h"
#include "pf-window.h"

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  PfApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *developers[] = { "The Postfach authors", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "modal", TRUE,
                        "application-name", _("Postfach"),
                        "application-icon", APPLICATION_ID,
                        "version", PACKAGE_VERSION,
                        "developer-name", "The Postfach authors",
                        "developers", developers,
                        "comments", _("Read, sort, search, write and send mail from all your accounts in one window."),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: Replace this with your name(s), one per line. */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  PfApplication *self = user_data;
  GList *windows;

  /* Close the windows first so that each saves its state. */
  windows = gtk_application_get_windows (GTK_APPLICATION (self));
  while (windows != NULL)
    {
      GtkWindow *window = windows->data;

      windows = windows->next;
      gtk_window_close (window);
    }

  g_application_quit (G_APPLICATION (self));
}

static void
add_account_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  PfApplication *self = user_data;

  gtk_window_present (GTK_WINDOW (_pf_application_create_wizard (self)));
}

static void
account_settings_action (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  _pf_application_show_account_settings (user_data, g_variant_get_string (parameter, NULL));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  PfApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  PfPreferencesWindow *window;

  window = pf_preferences_window_new (parent, pf_application_get_settings (self));
  gtk_window_present (GTK_WINDOW (window));
}

/* A notification's message: the window, that folder, that message. */
static void
show_message_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  PfApplication *self = user_data;
  const char *account_id = NULL;
  gint64 message_id = 0;

  g_variant_get (parameter, "(&sx)", &account_id, &message_id);
  g_application_activate (G_APPLICATION (self));
  pf_window_show_message (_pf_application_get_window (self), account_id, message_id);
}

static const GActionEntry app_entries[] = {
  { "preferences", preferences_action },
  { "show-message", show_message_action, "(sx)" },
  { "about", about_action },
  { "quit", quit_action },
  { "add-account", add_account_action },
  { "account-settings", account_settings_action, "s" },
};

void
_pf_application_actions_init (PfApplication *self)
{
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.preferences", { "<Control>comma", NULL } },
  };
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries,
                                   G_N_ELEMENTS (app_entries), self);

  /* The window's shortcuts, as its help window lists them. */
  pf_window_accels_install (GTK_APPLICATION (self));
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                           accels[i].action, accels[i].accels);
}
