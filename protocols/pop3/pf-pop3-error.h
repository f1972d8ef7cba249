/* pf-pop3-error.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PF_POP3_ERROR:
 *
 * Error domain of the POP3 client: what the server answered and what it
 * sent that violates the protocol. Connection-level failures (TLS,
 * resolving, STLS stripping) use %PF_NET_ERROR.
 */
#define PF_POP3_ERROR (pf_pop3_error_quark ())

/**
 * PfPop3Error:
 * @PF_POP3_ERROR_AUTHENTICATION_FAILED: the server rejected the
 *   credentials (a -ERR to PASS or AUTH, or the [AUTH] code of RFC 3206
 *   §4). The user has to check the account settings.
 * @PF_POP3_ERROR_ERR: the server answered -ERR without a response code
 *   the client knows; its text rides on the error.
 * @PF_POP3_ERROR_IN_USE: [IN-USE] (RFC 2449 §8.1.1): another session holds
 *   the maildrop lock. Try again later.
 * @PF_POP3_ERROR_LOGIN_DELAY: [LOGIN-DELAY] (RFC 2449 §8.1.2): the user
 *   logged in too recently. Try again after the delay.
 * @PF_POP3_ERROR_SYS_TEMP: [SYS/TEMP] (RFC 3206 §4): a temporary failure
 *   on the server side. Try again later.
 * @PF_POP3_ERROR_SYS_PERM: [SYS/PERM] (RFC 3206 §4): a permanent failure
 *   on the server side; retrying will not help.
 * @PF_POP3_ERROR_PROTOCOL: the server sent something that violates the
 *   protocol (bad status line, overlong line, malformed listing). The
 *   connection cannot be used any more.
 * @PF_POP3_ERROR_CONNECTION_LOST: the connection closed in the middle of
 *   a reply, e.g. before the terminating "." of a multi-line reply.
 *   Nothing of that reply was returned as complete.
 * @PF_POP3_ERROR_UNSUPPORTED: the server lacks what the request needs,
 *   e.g. a way to log in with an OAuth 2.0 token.
 *
 * Codes a caller can act on; the message is translated and fit for a user.
 */
typedef enum
{
  PF_POP3_ERROR_AUTHENTICATION_FAILED,
  PF_POP3_ERROR_ERR,
  PF_POP3_ERROR_IN_USE,
  PF_POP3_ERROR_LOGIN_DELAY,
  PF_POP3_ERROR_SYS_TEMP,
  PF_POP3_ERROR_SYS_PERM,
  PF_POP3_ERROR_PROTOCOL,
  PF_POP3_ERROR_CONNECTION_LOST,
  PF_POP3_ERROR_UNSUPPORTED,
} PfPop3Error;

GQuark      pf_pop3_error_quark              (void);
GError     *pf_pop3_error_new_from_response  (const char   *line,
                                              gboolean      authenticating);
const char *pf_pop3_error_get_response_code  (const GError *error);
const char *pf_pop3_error_get_server_text    (const GError *error);
void        pf_pop3_error_set_command        (GError       *error,
                                              const char   *command);
const char *pf_pop3_error_get_command        (const GError *error);

G_END_DECLS
