/* pf-account-settings.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "account/pf-password-vault.h"
#include "sync/pf-account-service.h"

G_BEGIN_DECLS

#define PF_TYPE_ACCOUNT_SETTINGS (pf_account_settings_get_type ())

G_DECLARE_FINAL_TYPE (PfAccountSettings, pf_account_settings, PF, ACCOUNT_SETTINGS, AdwPreferencesWindow)

PfAccountSettings *pf_account_settings_new           (GtkWindow         *parent,
                                                      PfAccountService  *service,
                                                      PfPasswordVault   *vault);
PfAccount         *pf_account_settings_get_edited    (PfAccountSettings *self);
gboolean           pf_account_settings_apply         (PfAccountSettings *self,
                                                      GError           **error);
char              *pf_account_settings_dup_summary   (PfAccountSettings *self);
void               pf_account_settings_change_password (PfAccountSettings *self,
                                                        const char        *password);
void               pf_account_settings_remove_exception (PfAccountSettings *self,
                                                         PfServerProtocol   protocol);

G_END_DECLS
