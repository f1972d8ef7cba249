/* pf-secret-store.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * PfSecretService:
 * @PF_SECRET_SERVICE_IMAP: the incoming IMAP server
 * @PF_SECRET_SERVICE_POP3: the incoming POP3 server
 * @PF_SECRET_SERVICE_SMTP: the outgoing SMTP submission server
 *
 * Which of an account's servers a password belongs to. Each is a separate
 * Secret Service item, because providers may use different credentials.
 */
typedef enum
{
  PF_SECRET_SERVICE_IMAP,
  PF_SECRET_SERVICE_POP3,
  PF_SECRET_SERVICE_SMTP,
} PfSecretService;

/**
 * PF_SECRET_STORE_ERROR:
 *
 * Error domain of password storage.
 */
#define PF_SECRET_STORE_ERROR (pf_secret_store_error_quark ())

/**
 * PfSecretStoreError:
 * @PF_SECRET_STORE_ERROR_UNAVAILABLE: no Secret Service can be reached:
 *   there is no D-Bus session bus, or nothing on it provides (or can be
 *   started to provide) org.freedesktop.secrets. The message is translated.
 *
 * Other failures (a locked keyring the user would not unlock, a broken
 * service) keep libsecret's and D-Bus's own errors.
 */
typedef enum
{
  PF_SECRET_STORE_ERROR_UNAVAILABLE,
} PfSecretStoreError;

GQuark         pf_secret_store_error_quark (void);

#define PF_TYPE_SECRET_STORE (pf_secret_store_get_type ())

G_DECLARE_FINAL_TYPE (PfSecretStore, pf_secret_store, PF, SECRET_STORE, GObject)

const char    *pf_secret_service_to_string (PfSecretService       service);

PfSecretStore *pf_secret_store_new         (void);

void           pf_secret_store_store_async  (PfSecretStore        *self,
                                             const char           *account_id,
                                             PfSecretService       service,
                                             const char           *host,
                                             const char           *user,
                                             const char           *label,
                                             const char           *password,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean       pf_secret_store_store_finish (PfSecretStore        *self,
                                             GAsyncResult         *result,
                                             GError              **error);

void           pf_secret_store_lookup_async  (PfSecretStore       *self,
                                              const char          *account_id,
                                              PfSecretService      service,
                                              const char          *host,
                                              const char          *user,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
char          *pf_secret_store_lookup_finish (PfSecretStore       *self,
                                              GAsyncResult        *result,
                                              GError             **error);

void           pf_secret_store_clear_async   (PfSecretStore       *self,
                                              const char          *account_id,
                                              PfSecretService      service,
                                              const char          *host,
                                              const char          *user,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean       pf_secret_store_clear_finish  (PfSecretStore       *self,
                                              GAsyncResult        *result,
                                              GError             **error);

void           pf_secret_store_clear_account_async  (PfSecretStore       *self,
                                                     const char          *account_id,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean       pf_secret_store_clear_account_finish (PfSecretStore       *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

G_END_DECLS
