/* pf-mime-error.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PF_MIME_ERROR:
 *
 * Error domain of the MIME layer: parsing messages for display and
 * building outgoing mail. Failures of the underlying streams keep their
 * own domain (%G_IO_ERROR).
 */
#define PF_MIME_ERROR (pf_mime_error_quark ())

/**
 * PfMimeError:
 * @PF_MIME_ERROR_INVALID_MESSAGE: the data holds no message at all: it is
 *   empty or does not start with a header field. Anything that starts
 *   with a header block parses, however broken the rest is.
 * @PF_MIME_ERROR_NO_SUCH_PART: no part of the message has the given part
 *   id.
 * @PF_MIME_ERROR_INVALID_ADDRESS: an address given to the builder is not
 *   a valid addr-spec (RFC 5322 §3.4.1). The user has to correct it.
 * @PF_MIME_ERROR_NO_SENDER: the builder has no From address.
 * @PF_MIME_ERROR_NO_RECIPIENTS: the builder has no To, Cc or Bcc address.
 *
 * Codes a caller can act on; the message is translated and fit for a user.
 */
typedef enum
{
  PF_MIME_ERROR_INVALID_MESSAGE,
  PF_MIME_ERROR_NO_SUCH_PART,
  PF_MIME_ERROR_INVALID_ADDRESS,
  PF_MIME_ERROR_NO_SENDER,
  PF_MIME_ERROR_NO_RECIPIENTS,
} PfMimeError;

GQuark pf_mime_error_quark (void);

G_END_DECLS
