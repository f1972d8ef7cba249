/* pf-imap-error.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pf-imap-response.h"

G_BEGIN_DECLS

/**
 * PF_IMAP_ERROR:
 *
 * Error domain of the IMAP client: what the server answered (NO, BAD,
 * BYE), what it sent that cannot be parsed, and what the session refused
 * to do. Connection-level failures (TLS, resolving, refused connections)
 * use %PF_NET_ERROR.
 */
#define PF_IMAP_ERROR (pf_imap_error_quark ())

/**
 * PfImapError:
 * @PF_IMAP_ERROR_AUTHENTICATION_FAILED: the server rejected the
 *   credentials: a NO to LOGIN or AUTHENTICATE, or a NO carrying the
 *   AUTHENTICATIONFAILED or AUTHORIZATIONFAILED response code (RFC 5530
 *   §3). The user has to check the account settings.
 * @PF_IMAP_ERROR_NO: the server refused a command with a tagged NO
 *   (RFC 3501 §7.1.2); its text and response code ride on the error
 *   (pf_imap_error_get_server_text(), pf_imap_error_get_response_code()),
 *   e.g. "TRYCREATE" when the target mailbox of a COPY does not exist.
 * @PF_IMAP_ERROR_BAD: the server did not understand a command (a tagged
 *   BAD, RFC 3501 §7.1.3). Usually a bug on one of the two sides.
 * @PF_IMAP_ERROR_BYE: the server is closing the connection (RFC 3501
 *   §7.1.5), e.g. because it shuts down or the session was idle for too
 *   long. Reconnecting later is the next step.
 * @PF_IMAP_ERROR_PROTOCOL: the server sent something that violates the
 *   protocol or exceeds a limit of the parser. The connection cannot be
 *   used any more.
 * @PF_IMAP_ERROR_CONNECTION_LOST: the connection closed in the middle of
 *   a response or command.
 * @PF_IMAP_ERROR_TIMEOUT: the server did not answer in time.
 * @PF_IMAP_ERROR_STATE: the command is not allowed in the current state
 *   of the session (RFC 3501 §3), e.g. a FETCH without a selected mailbox.
 *   A bug in the caller, reported instead of sending the command.
 *
 * Codes a caller can act on; the message is translated and fit for a
 * user. An ALERT response code (RFC 3501 §7.1) is not an error in itself:
 * it is surfaced with the response (pf_imap_response_get_code()) and, on
 * errors made from a response, with pf_imap_error_get_response_code().
 */
typedef enum
{
  PF_IMAP_ERROR_AUTHENTICATION_FAILED,
  PF_IMAP_ERROR_NO,
  PF_IMAP_ERROR_BAD,
  PF_IMAP_ERROR_BYE,
  PF_IMAP_ERROR_PROTOCOL,
  PF_IMAP_ERROR_CONNECTION_LOST,
  PF_IMAP_ERROR_TIMEOUT,
  PF_IMAP_ERROR_STATE,
} PfImapError;

GQuark       pf_imap_error_quark               (void);

GError      *pf_imap_error_new_from_response   (PfImapResponse *response);

void         pf_imap_error_set_server_response (GError         *error,
                                                const char     *response_code,
                                                const char     *server_text);
const char  *pf_imap_error_get_response_code   (const GError   *error);
const char  *pf_imap_error_get_server_text     (const GError   *error);

G_END_DECLS
