/* pf-window-accels.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * PfAccelScope:
 * @PF_ACCEL_SCOPE_APPLICATION: keys with a modifier or function keys:
 *   application accelerators, which GTK runs before the focused widget
 * @PF_ACCEL_SCOPE_WINDOW: single keys (`j`, `Delete`, …): only when the
 *   focused widget does not take the key itself, so that typing into the
 *   search entry never deletes a message
 * @PF_ACCEL_SCOPE_BUILTIN: handled by the widgets themselves (arrows in the
 *   message list, F10 on the primary menu, Escape in the search entry);
 *   listed so that the shortcuts window shows them, never installed
 *
 * Where a shortcut is handled.
 */
typedef enum
{
  PF_ACCEL_SCOPE_APPLICATION,
  PF_ACCEL_SCOPE_WINDOW,
  PF_ACCEL_SCOPE_BUILTIN,
} PfAccelScope;

/**
 * PfAccelEntry:
 * @action: the detailed action name, e.g. `win.reply`; for a built-in key
 *   the action it amounts to (`win.open-primary-menu` is not registered)
 * @accels: %NULL-terminated accelerators in gtk_accelerator_parse() syntax
 * @scope: where they are handled
 *
 * One action's keys in one scope; an action may have entries in several.
 */
typedef struct
{
  const char   *action;
  const char   *accels[3];
  PfAccelScope  scope;
} PfAccelEntry;

const PfAccelEntry *pf_window_accels                (guint          *n_entries);
void                pf_window_accels_install        (GtkApplication *app);
GtkEventController *pf_window_accels_new_controller (void);

G_END_DECLS
