/* pf-account-manager.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-account.h"
#include "pf-password-vault.h"

G_BEGIN_DECLS

#define PF_TYPE_ACCOUNT_MANAGER (pf_account_manager_get_type ())

G_DECLARE_FINAL_TYPE (PfAccountManager, pf_account_manager, PF, ACCOUNT_MANAGER, GObject)

char             *pf_account_manager_dup_default_directory (void);

PfAccountManager *pf_account_manager_new             (const char        *directory,
                                                      PfPasswordVault   *vault);
const char       *pf_account_manager_get_directory   (PfAccountManager  *self);
PfPasswordVault  *pf_account_manager_get_vault       (PfAccountManager  *self);

gboolean          pf_account_manager_load            (PfAccountManager  *self,
                                                      GPtrArray        **out_problems,
                                                      GError           **error);

PfAccount        *pf_account_manager_lookup          (PfAccountManager  *self,
                                                      const char        *id);

gboolean          pf_account_manager_add             (PfAccountManager  *self,
                                                      PfAccount         *account,
                                                      GError           **error);
gboolean          pf_account_manager_update          (PfAccountManager  *self,
                                                      PfAccount         *account,
                                                      GError           **error);

void              pf_account_manager_remove_async    (PfAccountManager    *self,
                                                      const char          *id,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean          pf_account_manager_remove_finish   (PfAccountManager    *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

G_END_DECLS
