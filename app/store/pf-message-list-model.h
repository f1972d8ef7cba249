/* pf-message-list-model.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-store.h"
#include "pf-message-summary.h"

G_BEGIN_DECLS

#define PF_TYPE_MESSAGE_LIST_MODEL (pf_message_list_model_get_type ())

G_DECLARE_FINAL_TYPE (PfMessageListModel, pf_message_list_model, PF, MESSAGE_LIST_MODEL, GObject)

PfMessageListModel *pf_message_list_model_new            (void);
PfMessageListModel *pf_message_list_model_new_for_folder (PfStore            *store,
                                                          gint64              folder_id);
PfMessageListModel *pf_message_list_model_new_for_folder_threads (PfStore   *store,
                                                                  gint64     folder_id);
PfMessageListModel *pf_message_list_model_new_for_search (PfStore            *store,
                                                          gint64              folder_id,
                                                          const char         *query,
                                                          GError            **error);
gboolean            pf_message_list_model_add_source     (PfMessageListModel *self,
                                                          PfStore            *store,
                                                          gint64              folder_id,
                                                          const char         *query,
                                                          GError            **error);
void                pf_message_list_model_remove_source  (PfMessageListModel *self,
                                                          PfStore            *store,
                                                          gint64              folder_id);
gint64              pf_message_list_model_get_message_id (PfMessageListModel *self,
                                                          guint               position);
PfStore            *pf_message_list_model_get_store      (PfMessageListModel *self,
                                                          guint               position);
guint               pf_message_list_model_find           (PfMessageListModel *self,
                                                          PfStore            *store,
                                                          gint64              message_id);
gboolean            pf_message_list_model_get_loading    (PfMessageListModel *self);
gboolean            pf_message_list_model_get_threads    (PfMessageListModel *self);
gboolean            pf_message_list_model_get_folder     (PfMessageListModel *self,
                                                          PfStore           **store,
                                                          gint64             *folder_id);

G_END_DECLS
