/* pf-smtp-error.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PF_SMTP_ERROR:
 *
 * Error domain of the SMTP client. Errors of this domain carry the server's
 * reply code, enhanced status code and text: see pf_smtp_error_get_reply_code().
 */
#define PF_SMTP_ERROR (pf_smtp_error_quark ())

/**
 * PfSmtpError:
 * @PF_SMTP_ERROR_AUTHENTICATION_FAILED: the server rejected the credentials
 *   (535); ask the user for a new password
 * @PF_SMTP_ERROR_RECIPIENT_REFUSED: the server accepted none of the recipients
 * @PF_SMTP_ERROR_MESSAGE_TOO_LARGE: the message exceeds the server's SIZE
 *   limit (RFC 1870) or was refused with 552
 * @PF_SMTP_ERROR_TEMPORARY: a 4xx reply: try again later
 * @PF_SMTP_ERROR_PERMANENT: a 5xx reply: retrying will not help
 * @PF_SMTP_ERROR_CONNECTION_LOST: the connection closed mid-transaction
 * @PF_SMTP_ERROR_PROTOCOL: the server's reply was malformed or unexpected
 */
typedef enum
{
  PF_SMTP_ERROR_AUTHENTICATION_FAILED,
  PF_SMTP_ERROR_RECIPIENT_REFUSED,
  PF_SMTP_ERROR_MESSAGE_TOO_LARGE,
  PF_SMTP_ERROR_TEMPORARY,
  PF_SMTP_ERROR_PERMANENT,
  PF_SMTP_ERROR_CONNECTION_LOST,
  PF_SMTP_ERROR_PROTOCOL,
} PfSmtpError;

GQuark       pf_smtp_error_quark             (void);

void         pf_smtp_error_set_reply         (GError       *error,
                                              guint         reply_code,
                                              const char   *enhanced_code,
                                              const char   *server_text);
guint        pf_smtp_error_get_reply_code    (const GError *error);
const char  *pf_smtp_error_get_enhanced_code (const GError *error);
const char  *pf_smtp_error_get_server_text   (const GError *error);
void         pf_smtp_error_set_recipient     (GError       *error,
                                              const char   *recipient);
const char  *pf_smtp_error_get_recipient     (const GError *error);

G_END_DECLS
