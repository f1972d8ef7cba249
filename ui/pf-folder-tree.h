/* pf-folder-tree.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "store/pf-folder-tree-model.h"

G_BEGIN_DECLS

#define PF_TYPE_FOLDER_TREE (pf_folder_tree_get_type ())

G_DECLARE_FINAL_TYPE (PfFolderTree, pf_folder_tree, PF, FOLDER_TREE, GtkWidget)

void          pf_folder_tree_set_model    (PfFolderTree      *self,
                                           PfFolderTreeModel *model);
PfFolderItem *pf_folder_tree_get_selected (PfFolderTree      *self);
gboolean      pf_folder_tree_select_folder (PfFolderTree     *self,
                                            const char       *account_id,
                                            gint64            folder_id);
gboolean      pf_folder_tree_select_inbox  (PfFolderTree     *self);
gboolean      pf_folder_tree_select_account_inbox (PfFolderTree *self,
                                                   const char   *account_id);
GMenuModel   *pf_folder_tree_get_context_menu (PfFolderTree  *self);

G_END_DECLS
