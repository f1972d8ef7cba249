/* pf-window.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "store/pf-folder-tree-model.h"

G_BEGIN_DECLS

#define PF_TYPE_WINDOW (pf_window_get_type ())

G_DECLARE_FINAL_TYPE (PfWindow, pf_window, PF, WINDOW, AdwApplicationWindow)

void      pf_window_set_folders  (PfWindow          *self,
                                  PfFolderTreeModel *folders);
void      pf_window_set_services (PfWindow          *self,
                                  GListModel        *services);
gboolean  pf_window_get_narrow   (PfWindow          *self);
void      pf_window_show_account_inbox (PfWindow    *self,
                                        const char  *account_id);
void      pf_window_show_message (PfWindow          *self,
                                  const char        *account_id,
                                  gint64             message_id);
PfWindow *pf_window_new (GtkApplication *application,
                         GSettings      *settings);

G_END_DECLS
