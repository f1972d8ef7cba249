/* pf-mime-headers.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PfMimeAddress:
 * @name: (nullable): the display name, decoded to UTF-8, or %NULL
 * @address: the addr-spec ("user@example.org"); may lack a domain in
 *   broken mail, never %NULL
 *
 * One mailbox of an address list. Groups (RFC 5322 §3.4) are flattened
 * into their members.
 */
typedef struct
{
  char *name;
  char *address;
} PfMimeAddress;

PfMimeAddress *pf_mime_address_new             (const char          *name,
                                                const char          *address);
PfMimeAddress *pf_mime_address_copy            (const PfMimeAddress *address);
void           pf_mime_address_free            (PfMimeAddress       *address);
char          *pf_mime_address_to_display      (const PfMimeAddress *address);

GPtrArray     *pf_mime_address_list_parse      (const char          *raw);
char          *pf_mime_address_list_to_display (GPtrArray           *addresses);

char          *pf_mime_decode_header_text      (const char          *raw);
char          *pf_mime_decode_address_list     (const char          *raw);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfMimeAddress, pf_mime_address_free)

/**
 * PfMimeHeaders:
 * @subject: (nullable): the Subject, decoded (RFC 2047, unencoded 8-bit
 *   text by charset guessing), on one line; %NULL if there is none
 * @from: (element-type PfMimeAddress): From, possibly empty
 * @to: (element-type PfMimeAddress): To, possibly empty
 * @cc: (element-type PfMimeAddress): Cc, possibly empty
 * @reply_to: (element-type PfMimeAddress): Reply-To, possibly empty
 * @date: (nullable): the Date, or %NULL if missing or unreadable
 * @message_id: (nullable): the Message-ID without angle brackets
 * @in_reply_to: (nullable): the first id of In-Reply-To, without angle
 *   brackets
 * @references: (array zero-terminated=1): the ids of References in
 *   order, without angle brackets; never %NULL
 *
 * The header fields a message list and a reader show, decoded to valid
 * UTF-8. Plain data owned by whoever holds it.
 */
typedef struct
{
  char       *subject;
  GPtrArray  *from;
  GPtrArray  *to;
  GPtrArray  *cc;
  GPtrArray  *reply_to;
  GDateTime  *date;
  char       *message_id;
  char       *in_reply_to;
  char      **references;
} PfMimeHeaders;

PfMimeHeaders *pf_mime_headers_parse          (const char          *data,
                                               gssize               length);
PfMimeHeaders *pf_mime_headers_copy           (const PfMimeHeaders *headers);
void           pf_mime_headers_free           (PfMimeHeaders       *headers);
char         **pf_mime_headers_dup_reply_references (const PfMimeHeaders *parent);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfMimeHeaders, pf_mime_headers_free)

G_END_DECLS
