/* pf-imap-response.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pf-imap-value.h"

G_BEGIN_DECLS

/**
 * PfImapResponse:
 *
 * One complete server response (RFC 3501 §7): a tagged status, untagged
 * data or status, or a command continuation request. Reference-counted
 * and immutable; all its strings and values live in one block of memory
 * that goes away with the last reference.
 */
typedef struct _PfImapResponse PfImapResponse;

/**
 * PfImapResponseKind:
 * @PF_IMAP_RESPONSE_TAGGED: completes the command with that tag
 *   (RFC 3501 §2.2.2); always has a status of OK, NO or BAD.
 * @PF_IMAP_RESPONSE_UNTAGGED: `*`: data or a status the server sends at
 *   any time (RFC 3501 §7).
 * @PF_IMAP_RESPONSE_CONTINUATION: `+`: the server is ready for the rest of
 *   a command (RFC 3501 §7.5), with text or a base64 SASL challenge.
 */
typedef enum
{
  PF_IMAP_RESPONSE_TAGGED,
  PF_IMAP_RESPONSE_UNTAGGED,
  PF_IMAP_RESPONSE_CONTINUATION,
} PfImapResponseKind;

/**
 * PfImapResponseStatus:
 * @PF_IMAP_RESPONSE_STATUS_NONE: not a status response: untagged data or
 *   a continuation.
 * @PF_IMAP_RESPONSE_STATUS_OK: OK (RFC 3501 §7.1.1).
 * @PF_IMAP_RESPONSE_STATUS_NO: NO (RFC 3501 §7.1.2).
 * @PF_IMAP_RESPONSE_STATUS_BAD: BAD (RFC 3501 §7.1.3).
 * @PF_IMAP_RESPONSE_STATUS_PREAUTH: PREAUTH greeting (RFC 3501 §7.1.4).
 * @PF_IMAP_RESPONSE_STATUS_BYE: BYE (RFC 3501 §7.1.5).
 */
typedef enum
{
  PF_IMAP_RESPONSE_STATUS_NONE,
  PF_IMAP_RESPONSE_STATUS_OK,
  PF_IMAP_RESPONSE_STATUS_NO,
  PF_IMAP_RESPONSE_STATUS_BAD,
  PF_IMAP_RESPONSE_STATUS_PREAUTH,
  PF_IMAP_RESPONSE_STATUS_BYE,
} PfImapResponseStatus;

PfImapResponse       *pf_imap_response_ref           (PfImapResponse       *self);
void                  pf_imap_response_unref         (PfImapResponse       *self);

PfImapResponseKind    pf_imap_response_get_kind      (PfImapResponse       *self);
const char           *pf_imap_response_get_tag       (PfImapResponse       *self);
PfImapResponseStatus  pf_imap_response_get_status    (PfImapResponse       *self);
const char           *pf_imap_response_get_code      (PfImapResponse       *self);
gboolean              pf_imap_response_has_code      (PfImapResponse       *self,
                                                      const char           *code);
const PfImapValue    *pf_imap_response_get_code_args (PfImapResponse       *self);
const char           *pf_imap_response_get_text      (PfImapResponse       *self,
                                                      gsize                *length);

gboolean              pf_imap_response_has_number    (PfImapResponse       *self);
guint64               pf_imap_response_get_number    (PfImapResponse       *self);
const char           *pf_imap_response_get_keyword   (PfImapResponse       *self);
gboolean              pf_imap_response_is_keyword    (PfImapResponse       *self,
                                                      const char           *keyword);
const PfImapValue    *pf_imap_response_get_values    (PfImapResponse       *self);
guint                 pf_imap_response_get_n_values  (PfImapResponse       *self);
const PfImapValue    *pf_imap_response_get_value     (PfImapResponse       *self,
                                                      guint                 index);

GBytes               *pf_imap_response_ref_bytes     (PfImapResponse       *self,
                                                      const PfImapValue    *value);
gsize                 pf_imap_response_get_memory_size (PfImapResponse     *self);
char                 *pf_imap_response_to_string     (PfImapResponse       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapResponse, pf_imap_response_unref)

G_END_DECLS
