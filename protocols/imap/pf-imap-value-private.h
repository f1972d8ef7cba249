/* pf-imap-value-private.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-imap-value.h"

G_BEGIN_DECLS

/* Shared by the parser, which builds values, and the response, which owns
 * the memory they live in. A value is 24 bytes; the items of a list are
 * one contiguous array in the response's arena, so walking a FETCH list
 * touches consecutive memory. Strings of up to 7 bytes (UID, FLAGS,
 * \Seen, most numbers) are kept in the value itself. */

typedef enum
{
  PF_IMAP_VALUE_FLAG_LITERAL  = 1 << 0,
  PF_IMAP_VALUE_FLAG_LITERAL8 = 1 << 1,
  PF_IMAP_VALUE_FLAG_INLINE   = 1 << 2,
} PfImapValueFlags;

#define PF_IMAP_VALUE_INLINE_MAX 7

struct _PfImapValue
{
  guint8             kind;      /* PfImapValueKind */
  guint8             flags;     /* PfImapValueFlags */
  guint32            length;    /* bytes of a string, items of a list */
  union
  {
    const char        *string;  /* ATOM, NUMBER (its digits), STRING; NUL-terminated */
    char               inline_string[PF_IMAP_VALUE_INLINE_MAX + 1];  /* with FLAG_INLINE */
    const PfImapValue *items;   /* LIST */
  } v;
  guint64            number;    /* NUMBER; the size of a STREAMED literal */
};

static inline const char *
_pf_imap_value_string (const PfImapValue *value)
{
  return (value->flags & PF_IMAP_VALUE_FLAG_INLINE) != 0 ? value->v.inline_string : value->v.string;
}

G_END_DECLS
