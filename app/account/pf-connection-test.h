/* pf-connection-test.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-check-status.h"
#include "pf-server-settings.h"

G_BEGIN_DECLS

/**
 * PfConnectionProblem:
 * @PF_CONNECTION_PROBLEM_NONE: the server accepted the login
 * @PF_CONNECTION_PROBLEM_WRONG_PASSWORD: the server refused the password
 *   (or the user name: most servers do not tell which)
 * @PF_CONNECTION_PROBLEM_UNKNOWN_USER: the server said it knows no such user
 * @PF_CONNECTION_PROBLEM_HOST_NOT_FOUND: the host name does not resolve
 * @PF_CONNECTION_PROBLEM_PORT_CLOSED: the host refused the connection
 * @PF_CONNECTION_PROBLEM_TIMEOUT: no answer in time (a firewall, a wrong port)
 * @PF_CONNECTION_PROBLEM_NO_TLS: encryption was asked for but the server does
 *   not offer it (no STARTTLS), or the TLS handshake failed
 * @PF_CONNECTION_PROBLEM_CERTIFICATE: the certificate is not trusted; see
 *   pf_connection_test_get_certificate()
 * @PF_CONNECTION_PROBLEM_PLAINTEXT: the connection is not encrypted and the
 *   user did not agree to send the password in the clear
 * @PF_CONNECTION_PROBLEM_ACCESS_DISABLED: the provider refuses IMAP/POP3/SMTP
 *   access for this account (an [ALERT] or -ERR text says so; see
 *   pf_connection_test_get_server_text())
 * @PF_CONNECTION_PROBLEM_OAUTH_REQUIRED: the provider refuses password logins
 *   and requires OAuth2 (e.g. "5.7.139 basic authentication is disabled")
 * @PF_CONNECTION_PROBLEM_NOT_MAIL_SERVER: something answered, but not a
 *   server of the expected protocol
 * @PF_CONNECTION_PROBLEM_OTHER: anything else; the error says what
 *
 * What a connection test found, as the wizard explains it.
 */
typedef enum
{
  PF_CONNECTION_PROBLEM_NONE,
  PF_CONNECTION_PROBLEM_WRONG_PASSWORD,
  PF_CONNECTION_PROBLEM_UNKNOWN_USER,
  PF_CONNECTION_PROBLEM_HOST_NOT_FOUND,
  PF_CONNECTION_PROBLEM_PORT_CLOSED,
  PF_CONNECTION_PROBLEM_TIMEOUT,
  PF_CONNECTION_PROBLEM_NO_TLS,
  PF_CONNECTION_PROBLEM_CERTIFICATE,
  PF_CONNECTION_PROBLEM_PLAINTEXT,
  PF_CONNECTION_PROBLEM_ACCESS_DISABLED,
  PF_CONNECTION_PROBLEM_OAUTH_REQUIRED,
  PF_CONNECTION_PROBLEM_NOT_MAIL_SERVER,
  PF_CONNECTION_PROBLEM_OTHER,
} PfConnectionProblem;

#define PF_TYPE_CONNECTION_PROBLEM (pf_connection_problem_get_type ())
GType pf_connection_problem_get_type (void) G_GNUC_CONST;

#define PF_TYPE_CONNECTION_TEST (pf_connection_test_get_type ())

G_DECLARE_FINAL_TYPE (PfConnectionTest, pf_connection_test, PF, CONNECTION_TEST, GObject)

PfConnectionTest    *pf_connection_test_new                  (PfServerSettings    *settings,
                                                              const char          *password);
void                 pf_connection_test_set_username_candidates (PfConnectionTest  *self,
                                                              const char *const   *usernames);
void                 pf_connection_test_set_tls_database     (PfConnectionTest    *self,
                                                              GTlsDatabase        *database);
void                 pf_connection_test_set_timeout          (PfConnectionTest    *self,
                                                              guint                seconds);
void                 pf_connection_test_run_async            (PfConnectionTest    *self,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
gboolean             pf_connection_test_run_finish           (PfConnectionTest    *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);
PfServerSettings    *pf_connection_test_get_settings         (PfConnectionTest    *self);
PfConnectionProblem  pf_connection_test_get_problem          (PfConnectionTest    *self);
const char          *pf_connection_test_get_username         (PfConnectionTest    *self);
const char          *pf_connection_test_get_server_text      (PfConnectionTest    *self);
const char          *pf_connection_test_get_tls_version      (PfConnectionTest    *self);
const char *const   *pf_connection_test_get_mechanisms       (PfConnectionTest    *self);
GTlsCertificate     *pf_connection_test_get_certificate      (PfConnectionTest    *self,
                                                              GTlsCertificateFlags *out_errors);
char                *pf_connection_test_describe_problem     (PfConnectionTest    *self);
char                *pf_connection_problem_describe          (PfConnectionProblem  problem,
                                                              PfServerSettings    *settings,
                                                              const char          *server_text);

G_END_DECLS
