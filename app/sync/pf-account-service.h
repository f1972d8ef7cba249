/* pf-account-service.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/pf-account.h"
#include "account/pf-password-vault.h"
#include "store/pf-message-loader.h"
#include "store/pf-store.h"

G_BEGIN_DECLS

/**
 * PfAccountServiceState:
 * @PF_ACCOUNT_SERVICE_STOPPED: not started, or stopped
 * @PF_ACCOUNT_SERVICE_CONNECTING: looking up the password, connecting
 * @PF_ACCOUNT_SERVICE_SYNCING: a sync run is under way
 * @PF_ACCOUNT_SERVICE_IDLE: up to date, waiting for news
 * @PF_ACCOUNT_SERVICE_OFFLINE: no network, or the server can't be reached;
 *   tried again on its own
 * @PF_ACCOUNT_SERVICE_NEEDS_USER: stopped until the user acts: no password
 *   or a rejected one, an untrusted certificate
 *
 * Where an account's connection stands, for the window to show.
 */
typedef enum
{
  PF_ACCOUNT_SERVICE_STOPPED,
  PF_ACCOUNT_SERVICE_CONNECTING,
  PF_ACCOUNT_SERVICE_SYNCING,
  PF_ACCOUNT_SERVICE_IDLE,
  PF_ACCOUNT_SERVICE_OFFLINE,
  PF_ACCOUNT_SERVICE_NEEDS_USER,
} PfAccountServiceState;

/**
 * PfAccountProblem:
 * @PF_ACCOUNT_PROBLEM_NONE: no error
 * @PF_ACCOUNT_PROBLEM_PASSWORD: no password stored, or the server
 *   rejected it: ask for it
 * @PF_ACCOUNT_PROBLEM_CERTIFICATE: the server's certificate is not
 *   trusted: show it, let the user decide
 * @PF_ACCOUNT_PROBLEM_UNREACHABLE: no network, host not found, refused,
 *   timed out, connection lost: retry
 * @PF_ACCOUNT_PROBLEM_SECURITY: the server does not offer the security the
 *   account asks for (no STARTTLS, password only in cleartext): settings
 * @PF_ACCOUNT_PROBLEM_OTHER: anything else, with the server's words
 *
 * What the user can do about an error of an account's connection.
 */
typedef enum
{
  PF_ACCOUNT_PROBLEM_NONE,
  PF_ACCOUNT_PROBLEM_PASSWORD,
  PF_ACCOUNT_PROBLEM_CERTIFICATE,
  PF_ACCOUNT_PROBLEM_UNREACHABLE,
  PF_ACCOUNT_PROBLEM_SECURITY,
  PF_ACCOUNT_PROBLEM_OTHER,
} PfAccountProblem;

/**
 * PfAccountServiceError:
 * @PF_ACCOUNT_SERVICE_ERROR_NO_PASSWORD: no password is stored for the
 *   account
 * @PF_ACCOUNT_SERVICE_ERROR_NOT_CONNECTED: a body is needed from the server
 *   while the account is not connected
 */
typedef enum
{
  PF_ACCOUNT_SERVICE_ERROR_NO_PASSWORD,
  PF_ACCOUNT_SERVICE_ERROR_NOT_CONNECTED,
} PfAccountServiceError;

#define PF_ACCOUNT_SERVICE_ERROR (pf_account_service_error_quark ())
GQuark pf_account_service_error_quark (void);

GType pf_account_service_state_get_type (void) G_GNUC_CONST;
#define PF_TYPE_ACCOUNT_SERVICE_STATE (pf_account_service_state_get_type ())

PfAccountProblem pf_account_problem_from_error   (const GError         *error);
GTlsCertificate *pf_account_problem_get_certificate (const GError      *error,
                                                     GTlsCertificateFlags *out_flags);
char            *pf_account_certificate_dup_sha256 (GTlsCertificate   *certificate);

#define PF_TYPE_ACCOUNT_SERVICE (pf_account_service_get_type ())

G_DECLARE_FINAL_TYPE (PfAccountService, pf_account_service, PF, ACCOUNT_SERVICE, GObject)

PfAccountService      *pf_account_service_new           (PfAccount         *account,
                                                         PfStore           *store,
                                                         PfPasswordVault   *vault);
PfAccount             *pf_account_service_get_account   (PfAccountService  *self);
PfStore               *pf_account_service_get_store     (PfAccountService  *self);
PfAccountServiceState  pf_account_service_get_state     (PfAccountService  *self);
const GError          *pf_account_service_get_error     (PfAccountService  *self);
double                 pf_account_service_get_progress  (PfAccountService  *self);

void                   pf_account_service_set_poll_interval (PfAccountService *self,
                                                             guint             seconds);
void                   pf_account_service_start         (PfAccountService  *self);
void                   pf_account_service_stop          (PfAccountService  *self);
void                   pf_account_service_sync_now      (PfAccountService  *self);
void                   pf_account_service_set_password  (PfAccountService  *self,
                                                         const char        *password,
                                                         gboolean           remember);
void                   pf_account_service_trust_certificate (PfAccountService     *self,
                                                             GTlsCertificate      *certificate,
                                                             GTlsCertificateFlags  errors);

void                   pf_account_service_fetch_body_async  (PfAccountService    *self,
                                                             gint64               message_id,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
char                  *pf_account_service_fetch_body_finish (PfAccountService    *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);

G_END_DECLS
