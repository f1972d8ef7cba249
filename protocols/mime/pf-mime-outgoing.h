/* pf-mime-outgoing.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pf-mime-headers.h"

G_BEGIN_DECLS

/**
 * PfMimeOutgoing:
 * @data: the message as it goes out and into Sent: CRLF line ends, no Bcc
 *   field, with From, Date and Message-ID
 * @recipients: (array zero-terminated=1): the envelope recipients: the
 *   addresses of To, Cc and Bcc in that order, each once
 * @message_id: the Message-ID, without angle brackets
 *
 * A message made ready for sending by pf_mime_outgoing_prepare(). Free
 * with pf_mime_outgoing_free().
 */
typedef struct
{
  GBytes  *data;
  char   **recipients;
  char    *message_id;
} PfMimeOutgoing;

PfMimeOutgoing *pf_mime_outgoing_prepare        (GBytes               *message,
                                                 const char           *from_name,
                                                 const char           *from_address,
                                                 GError              **error);
void            pf_mime_outgoing_free           (PfMimeOutgoing       *outgoing);

PfMimeHeaders  *pf_mime_outgoing_parse_headers  (GBytes               *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfMimeOutgoing, pf_mime_outgoing_free)

G_END_DECLS
