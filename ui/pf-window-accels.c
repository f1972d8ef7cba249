/* pf-window-accels.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-window"

#include "config.h"

#include "pf-window-accels.h"

/*
 * The main window's keyboard shortcuts, in one table that both the window
 * and ui/help-overlay.ui follow (tests/ui/test-window-accels.c keeps the
 * two in step).
 *
 * Application accelerators run in the capture phase, ahead of the focused
 * widget: a bare `j` or `Delete` there would act on the message list while
 * the user types into the search entry. Single keys therefore go into a
 * bubble-phase controller on the window, which sees a key only when no
 * widget under the focus has used it.
 */

static const PfAccelEntry accels[] = {
  /* General */
  { "app.quit", { "<Control>q", NULL }, PF_ACCEL_SCOPE_APPLICATION },
  { "win.show-help-overlay", { "<Control>question", NULL }, PF_ACCEL_SCOPE_APPLICATION },
  { "win.sync", { "F5", "<Control><Shift>s", NULL }, PF_ACCEL_SCOPE_APPLICATION },
  { "win.open-primary-menu", { "F10", NULL }, PF_ACCEL_SCOPE_BUILTIN },

  /* Messages */
  { "win.compose", { "<Control>n", NULL }, PF_ACCEL_SCOPE_APPLICATION },
  { "win.reply", { "<Control>r", NULL }, PF_ACCEL_SCOPE_APPLICATION },
  { "win.reply-all", { "<Control><Shift>r", NULL }, PF_ACCEL_SCOPE_APPLICATION },
  { "win.forward", { "<Control>l", NULL }, PF_ACCEL_SCOPE_APPLICATION },
  { "win.mark-read", { "<Control>i", NULL }, PF_ACCEL_SCOPE_APPLICATION },
  { "win.mark-unread", { "<Control><Shift>u", NULL }, PF_ACCEL_SCOPE_APPLICATION },
  { "win.delete", { "Delete", NULL }, PF_ACCEL_SCOPE_WINDOW },
  { "win.toggle-flag", { "s", NULL }, PF_ACCEL_SCOPE_WINDOW },

  /* Navigation */
  { "win.next-message", { "j", NULL }, PF_ACCEL_SCOPE_WINDOW },
  { "win.previous-message", { "k", NULL }, PF_ACCEL_SCOPE_WINDOW },
  { "win.next-message", { "Down", NULL }, PF_ACCEL_SCOPE_BUILTIN },
  { "win.previous-message", { "Up", NULL }, PF_ACCEL_SCOPE_BUILTIN },

  /* Search */
  { "win.search", { "<Control>f", NULL }, PF_ACCEL_SCOPE_APPLICATION },
  { "win.search", { "Escape", NULL }, PF_ACCEL_SCOPE_BUILTIN },
};

/**
 * pf_window_accels:
 * @n_entries: (out): the number of entries
 *
 * Returns: (transfer none) (array length=n_entries): every shortcut of the
 *   main window, the built-in ones included
 */
const PfAccelEntry *
pf_window_accels (guint *n_entries)
{
  g_return_val_if_fail (n_entries != NULL, NULL);

  *n_entries = G_N_ELEMENTS (accels);
  return accels;
}

/**
 * pf_window_accels_install:
 * @app: the application
 *
 * Sets the application accelerators of the table (%PF_ACCEL_SCOPE_APPLICATION).
 */
void
pf_window_accels_install (GtkApplication *app)
{
  g_return_if_fail (GTK_IS_APPLICATION (app));

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    {
      if (accels[i].scope == PF_ACCEL_SCOPE_APPLICATION)
        gtk_application_set_accels_for_action (app, accels[i].action, accels[i].accels);
    }
}

/**
 * pf_window_accels_new_controller:
 *
 * Creates the controller for the single-key shortcuts of the table
 * (%PF_ACCEL_SCOPE_WINDOW): add it to the main window with
 * gtk_widget_add_controller(). It runs in the bubble phase, so a key that
 * the focused widget uses (typing into an entry) never reaches it.
 *
 * Returns: (transfer full): a new #GtkShortcutController
 */
GtkEventController *
pf_window_accels_new_controller (void)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_event_controller_set_static_name (controller, "pf-window-single-keys");
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_BUBBLE);
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller),
                                     GTK_SHORTCUT_SCOPE_LOCAL);

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    {
      if (accels[i].scope != PF_ACCEL_SCOPE_WINDOW)
        continue;

      for (guint j = 0; accels[i].accels[j] != NULL; j++)
        {
          GtkShortcutTrigger *trigger = gtk_shortcut_trigger_parse_string (accels[i].accels[j]);

          g_assert (trigger != NULL);
          gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                                gtk_shortcut_new (trigger,
                                                                  gtk_named_action_new (accels[i].action)));
        }
    }

  return controller;
}
