/* pf-imap-value.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PfImapValue:
 *
 * One node of the token tree of a server response (RFC 3501 §4): an atom,
 * a number, a string (quoted or literal), NIL or a parenthesised list.
 * Values belong to the #PfImapResponse they were parsed into and stay
 * valid as long as it lives; they are never freed on their own.
 */
typedef struct _PfImapValue PfImapValue;

/**
 * PfImapValueKind:
 * @PF_IMAP_VALUE_NIL: NIL (RFC 3501 §4.5), any case. Distinct from the
 *   empty string `""`.
 * @PF_IMAP_VALUE_ATOM: an atom (RFC 3501 §4.1), including flags with a
 *   backslash (`\Seen`, `\*`) and FETCH item names with their section and
 *   origin (`BODY[HEADER.FIELDS (A B)]<0>`, `BINARY[1.2]`).
 * @PF_IMAP_VALUE_NUMBER: an atom of digits only that fits a #guint64
 *   (RFC 3501 §4.2). Its digits are also available as a string, so a
 *   mailbox named "2024" reads the same either way.
 * @PF_IMAP_VALUE_STRING: a quoted string or a literal (RFC 3501 §4.3),
 *   or a literal8 (RFC 3516 §4.2). Strings from literals may contain any
 *   byte, NUL included.
 * @PF_IMAP_VALUE_LIST: a parenthesised list (RFC 3501 §4.4).
 * @PF_IMAP_VALUE_STREAMED: a literal that the parser handed out piecewise
 *   while parsing (see pf_imap_parser_set_literal_stream_threshold()); only
 *   its size is kept.
 */
typedef enum
{
  PF_IMAP_VALUE_NIL,
  PF_IMAP_VALUE_ATOM,
  PF_IMAP_VALUE_NUMBER,
  PF_IMAP_VALUE_STRING,
  PF_IMAP_VALUE_LIST,
  PF_IMAP_VALUE_STREAMED,
} PfImapValueKind;

PfImapValueKind     pf_imap_value_get_kind          (const PfImapValue *value);
gboolean            pf_imap_value_is_nil            (const PfImapValue *value);
gboolean            pf_imap_value_is_list           (const PfImapValue *value);
gboolean            pf_imap_value_is_literal        (const PfImapValue *value);
gboolean            pf_imap_value_is_literal8       (const PfImapValue *value);

const char         *pf_imap_value_get_string        (const PfImapValue *value,
                                                     gsize             *length);
char               *pf_imap_value_dup_string        (const PfImapValue *value,
                                                     gsize             *length);
GBytes             *pf_imap_value_dup_bytes         (const PfImapValue *value);
const char         *pf_imap_value_get_nstring       (const PfImapValue *value,
                                                     gsize             *length);

gboolean            pf_imap_value_is_number         (const PfImapValue *value);
guint64             pf_imap_value_get_number        (const PfImapValue *value);
gboolean            pf_imap_value_to_number         (const PfImapValue *value,
                                                     guint64           *number);
guint64             pf_imap_value_get_streamed_size (const PfImapValue *value);

guint               pf_imap_value_get_n_items       (const PfImapValue *value);
const PfImapValue  *pf_imap_value_get_item          (const PfImapValue *value,
                                                     guint              index);
const PfImapValue  *pf_imap_value_lookup            (const PfImapValue *list,
                                                     const char        *key);

gboolean            pf_imap_value_equal_atom        (const PfImapValue *value,
                                                     const char        *atom);
gboolean            pf_imap_value_has_prefix        (const PfImapValue *value,
                                                     const char        *prefix);
char              **pf_imap_value_dup_strv          (const PfImapValue *list);

char               *pf_imap_value_to_string         (const PfImapValue *value);
void                pf_imap_value_append_to_string  (const PfImapValue *value,
                                                     GString           *string);

G_END_DECLS
