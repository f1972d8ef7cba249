/* pf-account-error.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PF_ACCOUNT_ERROR:
 *
 * Error domain of account settings: validation of what the user entered,
 * and reading, writing and finding account files.
 */
#define PF_ACCOUNT_ERROR (pf_account_error_quark ())

/**
 * PfAccountError:
 * @PF_ACCOUNT_ERROR_MISSING_DISPLAY_NAME: the account has no name to show.
 * @PF_ACCOUNT_ERROR_INVALID_ADDRESS: the email address (or the reply-to
 *   address) is not of the form local@domain.
 * @PF_ACCOUNT_ERROR_MISSING_HOST: a server has no host name.
 * @PF_ACCOUNT_ERROR_INVALID_HOST: a server's host name cannot be a host name
 *   (spaces, control characters, an empty label).
 * @PF_ACCOUNT_ERROR_BAD_PORT: a port outside 1–65535.
 * @PF_ACCOUNT_ERROR_MISSING_USERNAME: a server has no login name.
 * @PF_ACCOUNT_ERROR_PLAINTEXT_NOT_ALLOWED: a server is set to no encryption
 *   but the user did not agree to send the password unencrypted.
 * @PF_ACCOUNT_ERROR_INVALID_FINGERPRINT: a pinned certificate fingerprint is
 *   not a SHA-256 digest (64 hex digits, colons allowed).
 * @PF_ACCOUNT_ERROR_INVALID_CA_FILE: the CA file path is not absolute, or
 *   the file cannot be read as PEM certificates.
 * @PF_ACCOUNT_ERROR_BAD_KEEP_DAYS: the POP3 "keep for N days" count is
 *   outside 1–3650.
 * @PF_ACCOUNT_ERROR_INVALID_FILE: an account file cannot be parsed or lacks
 *   required keys.
 * @PF_ACCOUNT_ERROR_UNSUPPORTED_VERSION: an account file was written by a
 *   newer Postfach with a format this one does not know.
 * @PF_ACCOUNT_ERROR_EXISTS: an account with this id is already there.
 * @PF_ACCOUNT_ERROR_NOT_FOUND: no account with this id.
 *
 * Codes a caller can act on; the message is translated and fit for a user.
 */
typedef enum
{
  PF_ACCOUNT_ERROR_MISSING_DISPLAY_NAME,
  PF_ACCOUNT_ERROR_INVALID_ADDRESS,
  PF_ACCOUNT_ERROR_MISSING_HOST,
  PF_ACCOUNT_ERROR_INVALID_HOST,
  PF_ACCOUNT_ERROR_BAD_PORT,
  PF_ACCOUNT_ERROR_MISSING_USERNAME,
  PF_ACCOUNT_ERROR_PLAINTEXT_NOT_ALLOWED,
  PF_ACCOUNT_ERROR_INVALID_FINGERPRINT,
  PF_ACCOUNT_ERROR_INVALID_CA_FILE,
  PF_ACCOUNT_ERROR_BAD_KEEP_DAYS,
  PF_ACCOUNT_ERROR_INVALID_FILE,
  PF_ACCOUNT_ERROR_UNSUPPORTED_VERSION,
  PF_ACCOUNT_ERROR_EXISTS,
  PF_ACCOUNT_ERROR_NOT_FOUND,
} PfAccountError;

GQuark pf_account_error_quark (void);

G_END_DECLS
