/* pf-preferences-window.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PF_TYPE_PREFERENCES_WINDOW (pf_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (PfPreferencesWindow, pf_preferences_window, PF, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

PfPreferencesWindow *pf_preferences_window_new (GtkWindow *parent,
                                                GSettings *settings);

G_END_DECLS
