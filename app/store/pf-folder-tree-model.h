/* pf-folder-tree-model.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-store.h"

G_BEGIN_DECLS

/**
 * PfFolderItemKind:
 * @PF_FOLDER_ITEM_UNIFIED_INBOX: "All Inboxes": the Inboxes of every
 *   account together
 * @PF_FOLDER_ITEM_ACCOUNT: an account; its children are its top folders
 * @PF_FOLDER_ITEM_FOLDER: a folder of an account; children are its
 *   subfolders
 */
typedef enum
{
  PF_FOLDER_ITEM_UNIFIED_INBOX,
  PF_FOLDER_ITEM_ACCOUNT,
  PF_FOLDER_ITEM_FOLDER,
} PfFolderItemKind;

#define PF_TYPE_FOLDER_ITEM (pf_folder_item_get_type ())

G_DECLARE_FINAL_TYPE (PfFolderItem, pf_folder_item, PF, FOLDER_ITEM, GObject)

PfFolderItemKind   pf_folder_item_get_kind          (PfFolderItem *self);
const char        *pf_folder_item_get_account_id    (PfFolderItem *self);
PfStore           *pf_folder_item_get_store         (PfFolderItem *self);
gint64             pf_folder_item_get_folder_id     (PfFolderItem *self);
const char        *pf_folder_item_get_name          (PfFolderItem *self);
const char        *pf_folder_item_get_display_name  (PfFolderItem *self);
PfStoreSpecialUse  pf_folder_item_get_special_use   (PfFolderItem *self);
guint              pf_folder_item_get_unread_count  (PfFolderItem *self);
guint              pf_folder_item_get_total_count   (PfFolderItem *self);
GListModel        *pf_folder_item_get_children      (PfFolderItem *self);

#define PF_TYPE_FOLDER_TREE_MODEL (pf_folder_tree_model_get_type ())

G_DECLARE_FINAL_TYPE (PfFolderTreeModel, pf_folder_tree_model, PF, FOLDER_TREE_MODEL, GObject)

PfFolderTreeModel *pf_folder_tree_model_new            (void);
void               pf_folder_tree_model_add_account    (PfFolderTreeModel *self,
                                                        const char        *account_id,
                                                        const char        *display_name,
                                                        PfStore           *store);
void               pf_folder_tree_model_remove_account (PfFolderTreeModel *self,
                                                        const char        *account_id);
void               pf_folder_tree_model_rename_account (PfFolderTreeModel *self,
                                                        const char        *account_id,
                                                        const char        *display_name);
PfFolderItem      *pf_folder_tree_model_get_unified_inbox (PfFolderTreeModel *self);

G_END_DECLS
