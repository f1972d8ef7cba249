/* pf-password-vault.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-account.h"
#include "pf-secret-store.h"

G_BEGIN_DECLS

#define PF_TYPE_PASSWORD_VAULT (pf_password_vault_get_type ())

G_DECLARE_FINAL_TYPE (PfPasswordVault, pf_password_vault, PF, PASSWORD_VAULT, GObject)

PfPasswordVault *pf_password_vault_new                  (PfSecretStore       *store);

gboolean         pf_password_vault_is_session_only      (PfPasswordVault     *self);
GError          *pf_password_vault_dup_unavailable_error (PfPasswordVault    *self);

void             pf_password_vault_store_async          (PfPasswordVault     *self,
                                                         const char          *account_id,
                                                         PfSecretService      service,
                                                         const char          *host,
                                                         const char          *user,
                                                         const char          *label,
                                                         const char          *password,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean         pf_password_vault_store_finish         (PfPasswordVault     *self,
                                                         GAsyncResult        *result,
                                                         gboolean            *out_session_only,
                                                         GError             **error);

void             pf_password_vault_lookup_async         (PfPasswordVault     *self,
                                                         const char          *account_id,
                                                         PfSecretService      service,
                                                         const char          *host,
                                                         const char          *user,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
char            *pf_password_vault_lookup_finish        (PfPasswordVault     *self,
                                                         GAsyncResult        *result,
                                                         gboolean            *out_session_only,
                                                         GError             **error);

void             pf_password_vault_store_for_server_async  (PfPasswordVault     *self,
                                                            PfAccount           *account,
                                                            PfServerSettings    *server,
                                                            const char          *password,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
void             pf_password_vault_lookup_for_server_async (PfPasswordVault     *self,
                                                            PfAccount           *account,
                                                            PfServerSettings    *server,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);

void             pf_password_vault_clear_async          (PfPasswordVault     *self,
                                                         const char          *account_id,
                                                         PfSecretService      service,
                                                         const char          *host,
                                                         const char          *user,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean         pf_password_vault_clear_finish         (PfPasswordVault     *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

void             pf_password_vault_clear_account_async  (PfPasswordVault     *self,
                                                         const char          *account_id,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean         pf_password_vault_clear_account_finish (PfPasswordVault     *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

G_END_DECLS
