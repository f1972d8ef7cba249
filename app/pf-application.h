/* pf-application.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "store/pf-folder-tree-model.h"
#include "sync/pf-account-service.h"

G_BEGIN_DECLS

#define PF_TYPE_APPLICATION (pf_application_get_type ())

G_DECLARE_FINAL_TYPE (PfApplication, pf_application, PF, APPLICATION, AdwApplication)

PfApplication *pf_application_new      (const char        *application_id,
                                        GApplicationFlags  flags);
GSettings     *pf_application_get_settings (PfApplication *self);
PfFolderTreeModel *pf_application_get_folders (PfApplication *self);
GListModel    *pf_application_get_services (PfApplication *self);
PfAccountService *pf_application_lookup_service (PfApplication *self,
                                                 const char    *account_id);
void           pf_application_save_account (PfApplication *self,
                                            PfAccount     *account);

void           _pf_application_actions_init (PfApplication *self);
GtkWindow     *_pf_application_create_wizard (PfApplication *self);
struct _PfWindow *_pf_application_get_window  (PfApplication *self);
GtkWindow     *_pf_application_show_account_settings (PfApplication *self,
                                                      const char    *account_id);
void           _pf_application_switch_to_imap (PfApplication *self,
                                               const char    *pop3_id);
void           _pf_application_remove_account (PfApplication *self,
                                               const char    *account_id,
                                               gboolean       keep_mail);

G_END_DECLS
