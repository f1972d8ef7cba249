/* pf-message-list.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "store/pf-message-summary.h"
#include "store/pf-store.h"

G_BEGIN_DECLS

/**
 * PfMessageDrag:
 *
 * What a drag from the message list carries: a #GPtrArray of
 * #PfMessageSummary, in list order. Only understood within Postfach.
 */
typedef GPtrArray PfMessageDrag;

#define PF_TYPE_MESSAGE_DRAG (pf_message_drag_get_type ())

GType pf_message_drag_get_type (void) G_GNUC_CONST;

#define PF_TYPE_MESSAGE_LIST (pf_message_list_get_type ())

G_DECLARE_FINAL_TYPE (PfMessageList, pf_message_list, PF, MESSAGE_LIST, GtkWidget)

void              pf_message_list_set_model               (PfMessageList *self,
                                                           GListModel    *model);
GListModel       *pf_message_list_get_shown_model         (PfMessageList *self);
GPtrArray        *pf_message_list_dup_selection           (PfMessageList *self);
PfMessageSummary *pf_message_list_get_selected_message    (PfMessageList *self);
guint             pf_message_list_get_n_selected          (PfMessageList *self);
guint             pf_message_list_get_first_selected      (PfMessageList *self);
void              pf_message_list_select_position         (PfMessageList *self,
                                                           guint          position);
void              pf_message_list_select_next             (PfMessageList *self);
void              pf_message_list_select_previous         (PfMessageList *self);
gboolean          pf_message_list_select_message          (PfMessageList *self,
                                                           PfStore       *store,
                                                           gint64         message_id);
gboolean          pf_message_list_get_conversations       (PfMessageList *self);
void              pf_message_list_set_conversations       (PfMessageList *self,
                                                           gboolean       conversations);
gboolean          pf_message_list_get_search_mode_enabled (PfMessageList *self);
void              pf_message_list_set_search_mode_enabled (PfMessageList *self,
                                                           gboolean       enabled);
void              pf_message_list_set_search_scope        (PfMessageList *self,
                                                           GPtrArray     *stores,
                                                           PfStore       *current_store,
                                                           gint64         current_folder_id);
void              pf_message_list_set_search_text         (PfMessageList *self,
                                                           const char    *text);
void              pf_message_list_set_search_all_accounts (PfMessageList *self,
                                                           gboolean       all_accounts);
GMenuModel       *pf_message_list_get_context_menu        (PfMessageList *self);

G_END_DECLS
