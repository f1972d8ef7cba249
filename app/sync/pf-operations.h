/* pf-operations.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "store/pf-store.h"

G_BEGIN_DECLS

/* The kinds of queued operations, as stored in the index */
#define PF_OPERATION_FLAGS         "flags"
#define PF_OPERATION_MOVE          "move"
#define PF_OPERATION_COPY          "copy"
#define PF_OPERATION_DELETE        "delete"
#define PF_OPERATION_EMPTY_FOLDER  "empty-folder"
#define PF_OPERATION_CREATE_FOLDER "create-folder"
#define PF_OPERATION_RENAME_FOLDER "rename-folder"
#define PF_OPERATION_DELETE_FOLDER "delete-folder"

gint64   pf_operations_set_flags     (PfStore            *store,
                                      gint64              folder_id,
                                      const guint32      *uids,
                                      gsize               n_uids,
                                      PfStoreFlags        add,
                                      PfStoreFlags        remove,
                                      GError            **error);
gint64   pf_operations_move          (PfStore            *store,
                                      gint64              folder_id,
                                      const guint32      *uids,
                                      gsize               n_uids,
                                      gint64              target_folder_id,
                                      GError            **error);
gint64   pf_operations_copy          (PfStore            *store,
                                      gint64              folder_id,
                                      const guint32      *uids,
                                      gsize               n_uids,
                                      gint64              target_folder_id,
                                      GError            **error);
gint64   pf_operations_delete        (PfStore            *store,
                                      gint64              folder_id,
                                      const guint32      *uids,
                                      gsize               n_uids,
                                      GError            **error);
gint64   pf_operations_empty_folder  (PfStore            *store,
                                      gint64              folder_id,
                                      GError            **error);
gint64   pf_operations_create_folder (PfStore            *store,
                                      const char         *name,
                                      GError            **error);
gint64   pf_operations_rename_folder (PfStore            *store,
                                      gint64              folder_id,
                                      const char         *new_name,
                                      GError            **error);
gint64   pf_operations_delete_folder (PfStore            *store,
                                      gint64              folder_id,
                                      GError            **error);
gboolean pf_operations_undo          (PfStore            *store,
                                      gint64              operation_id,
                                      GError            **error);

gboolean pf_operations_parse_flag_args (const char       *args,
                                        PfStoreFlags     *add,
                                        PfStoreFlags     *remove);

G_END_DECLS
