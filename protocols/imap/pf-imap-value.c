/* pf-imap-value.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-imap"

#include "config.h"

#include <string.h>

#include "pf-imap-value-private.h"

/**
 * pf_imap_value_get_kind:
 * @value: a value
 *
 * Returns: what @value is
 */
PfImapValueKind
pf_imap_value_get_kind (const PfImapValue *value)
{
  g_return_val_if_fail (value != NULL, PF_IMAP_VALUE_NIL);

  return (PfImapValueKind) value->kind;
}

/**
 * pf_imap_value_is_nil:
 * @value: (nullable): a value
 *
 * Returns: %TRUE if @value is NIL (RFC 3501 §4.5) or %NULL, so that an
 *   optional item missing at the end of a list reads like NIL
 */
gboolean
pf_imap_value_is_nil (const PfImapValue *value)
{
  return value == NULL || value->kind == PF_IMAP_VALUE_NIL;
}

/**
 * pf_imap_value_is_list:
 * @value: (nullable): a value
 *
 * Returns: %TRUE if @value is a parenthesised list (RFC 3501 §4.4)
 */
gboolean
pf_imap_value_is_list (const PfImapValue *value)
{
  return value != NULL && value->kind == PF_IMAP_VALUE_LIST;
}

/**
 * pf_imap_value_is_literal:
 * @value: (nullable): a value
 *
 * Returns: %TRUE if @value is a string that came as a literal `{n}` or a
 *   literal8 `~{n}` (RFC 3501 §4.3, RFC 3516 §4.2), or a streamed literal
 */
gboolean
pf_imap_value_is_literal (const PfImapValue *value)
{
  return value != NULL &&
         (value->kind == PF_IMAP_VALUE_STREAMED ||
          (value->kind == PF_IMAP_VALUE_STRING && (value->flags & PF_IMAP_VALUE_FLAG_LITERAL) != 0));
}

/**
 * pf_imap_value_is_literal8:
 * @value: (nullable): a value
 *
 * Returns: %TRUE if @value came as a literal8 `~{n}` (RFC 3516 §4.2): binary
 *   data, which may contain NUL bytes
 */
gboolean
pf_imap_value_is_literal8 (const PfImapValue *value)
{
  return value != NULL && (value->flags & PF_IMAP_VALUE_FLAG_LITERAL8) != 0;
}

/**
 * pf_imap_value_get_string:
 * @value: (nullable): a value
 * @length: (out) (optional): the length in bytes
 *
 * Gets the bytes of an atom, a number or a string: what RFC 3501 §9 calls
 * an astring. A string from a literal may contain NUL bytes, so use
 * @length for those.
 *
 * Returns: (transfer none) (nullable): the NUL-terminated bytes, valid as
 *   long as the response lives, or %NULL (and 0 in @length) for NIL, lists
 *   and streamed literals
 */
const char *
pf_imap_value_get_string (const PfImapValue *value,
                          gsize             *length)
{
  if (value != NULL &&
      (value->kind == PF_IMAP_VALUE_ATOM ||
       value->kind == PF_IMAP_VALUE_NUMBER ||
       value->kind == PF_IMAP_VALUE_STRING))
    {
      if (length != NULL)
        *length = value->length;
      return _pf_imap_value_string (value);
    }

  if (length != NULL)
    *length = 0;
  return NULL;
}

/**
 * pf_imap_value_get_nstring:
 * @value: (nullable): a value
 * @length: (out) (optional): the length in bytes
 *
 * Gets an nstring (RFC 3501 §9: string / nil): a quoted string or literal,
 * or %NULL for NIL. Some servers send atoms where strings belong, so atoms
 * and numbers are accepted as well.
 *
 * Returns: (transfer none) (nullable): the bytes, or %NULL
 */
const char *
pf_imap_value_get_nstring (const PfImapValue *value,
                           gsize             *length)
{
  return pf_imap_value_get_string (value, length);
}

/**
 * pf_imap_value_dup_string:
 * @value: (nullable): a value
 * @length: (out) (optional): the length in bytes
 *
 * Returns: (transfer full) (nullable): a NUL-terminated copy of what
 *   pf_imap_value_get_string() returns, or %NULL
 */
char *
pf_imap_value_dup_string (const PfImapValue *value,
                          gsize             *length)
{
  const char *string;
  gsize len;

  string = pf_imap_value_get_string (value, &len);
  if (length != NULL)
    *length = len;
  if (string == NULL)
    return NULL;

  return g_memdup2 (string, len + 1);
}

/**
 * pf_imap_value_dup_bytes:
 * @value: (nullable): a value
 *
 * Copies a string's bytes. To share them with the response instead of
 * copying, use pf_imap_response_ref_bytes().
 *
 * Returns: (transfer full) (nullable): the bytes, or %NULL for NIL, lists
 *   and streamed literals
 */
GBytes *
pf_imap_value_dup_bytes (const PfImapValue *value)
{
  const char *string;
  gsize len;

  string = pf_imap_value_get_string (value, &len);
  if (string == NULL)
    return NULL;

  return g_bytes_new (string, len);
}

/**
 * pf_imap_value_is_number:
 * @value: (nullable): a value
 *
 * Returns: %TRUE if @value is a number (RFC 3501 §4.2)
 */
gboolean
pf_imap_value_is_number (const PfImapValue *value)
{
  return value != NULL && value->kind == PF_IMAP_VALUE_NUMBER;
}

/**
 * pf_imap_value_get_number:
 * @value: (nullable): a value
 *
 * Returns: the number, or 0 if @value is not a number
 */
guint64
pf_imap_value_get_number (const PfImapValue *value)
{
  if (value == NULL || value->kind != PF_IMAP_VALUE_NUMBER)
    return 0;

  return value->number;
}

/**
 * pf_imap_value_to_number:
 * @value: (nullable): a value
 * @number: (out): the number
 *
 * Reads a number leniently: a number, or a quoted string of digits as
 * some servers send for sizes and line counts in BODYSTRUCTURE.
 *
 * Returns: %TRUE if @value holds a number that fits a #guint64
 */
gboolean
pf_imap_value_to_number (const PfImapValue *value,
                         guint64           *number)
{
  guint64 n = 0;
  guint32 i;

  if (value == NULL)
    return FALSE;

  if (value->kind == PF_IMAP_VALUE_NUMBER)
    {
      *number = value->number;
      return TRUE;
    }

  if (value->kind != PF_IMAP_VALUE_STRING || value->length == 0 || value->length > 19)
    return FALSE;

  for (i = 0; i < value->length; i++)
    {
      guint8 c = (guint8) _pf_imap_value_string (value)[i];

      if (c < '0' || c > '9')
        return FALSE;
      n = n * 10 + (c - '0');
    }

  *number = n;
  return TRUE;
}

/**
 * pf_imap_value_get_streamed_size:
 * @value: (nullable): a value
 *
 * Returns: the size in bytes of a literal that was handed out piecewise
 *   (%PF_IMAP_VALUE_STREAMED), or 0 for any other value
 */
guint64
pf_imap_value_get_streamed_size (const PfImapValue *value)
{
  if (value == NULL || value->kind != PF_IMAP_VALUE_STREAMED)
    return 0;

  return value->number;
}

/**
 * pf_imap_value_get_n_items:
 * @value: (nullable): a value
 *
 * Returns: the number of items of a list, or 0 for anything else
 */
guint
pf_imap_value_get_n_items (const PfImapValue *value)
{
  if (value == NULL || value->kind != PF_IMAP_VALUE_LIST)
    return 0;

  return value->length;
}

/**
 * pf_imap_value_get_item:
 * @value: (nullable): a list
 * @index: the position, from 0
 *
 * Returns: (transfer none) (nullable): the item at @index, or %NULL if
 *   @value is not a list or is shorter. Optional trailing items (as in
 *   BODYSTRUCTURE extension data) can so be read without counting first.
 */
const PfImapValue *
pf_imap_value_get_item (const PfImapValue *value,
                        guint              index)
{
  if (value == NULL || value->kind != PF_IMAP_VALUE_LIST || index >= value->length)
    return NULL;

  return &value->v.items[index];
}

static gboolean
equal_ascii_ci (const char *a,
                gsize       a_len,
                const char *b)
{
  gsize b_len = strlen (b);

  return a_len == b_len && g_ascii_strncasecmp (a, b, a_len) == 0;
}

/**
 * pf_imap_value_equal_atom:
 * @value: (nullable): a value
 * @atom: an atom, e.g. "FLAGS" or "\\Seen"
 *
 * Compares an atom ASCII-case-insensitively, as RFC 3501 §9 wants for
 * keywords, FETCH items and system flags.
 *
 * Returns: %TRUE if @value is an atom (or number) equal to @atom
 */
gboolean
pf_imap_value_equal_atom (const PfImapValue *value,
                          const char        *atom)
{
  g_return_val_if_fail (atom != NULL, FALSE);

  if (value == NULL ||
      (value->kind != PF_IMAP_VALUE_ATOM && value->kind != PF_IMAP_VALUE_NUMBER))
    return FALSE;

  return equal_ascii_ci (_pf_imap_value_string (value), value->length, atom);
}

/**
 * pf_imap_value_has_prefix:
 * @value: (nullable): a value
 * @prefix: the start of an atom, e.g. "BODY["
 *
 * Returns: %TRUE if @value is an atom starting with @prefix, compared
 *   ASCII-case-insensitively
 */
gboolean
pf_imap_value_has_prefix (const PfImapValue *value,
                          const char        *prefix)
{
  gsize len;

  g_return_val_if_fail (prefix != NULL, FALSE);

  if (value == NULL || value->kind != PF_IMAP_VALUE_ATOM)
    return FALSE;

  len = strlen (prefix);
  return value->length >= len && g_ascii_strncasecmp (_pf_imap_value_string (value), prefix, len) == 0;
}

/**
 * pf_imap_value_lookup:
 * @list: (nullable): a list of name/value pairs, such as the FETCH
 *   attribute list (RFC 3501 §7.4.2), a STATUS list (§7.2.4) or ID
 *   parameters (RFC 2971 §3.3)
 * @key: the name, compared ASCII-case-insensitively
 *
 * Returns: (transfer none) (nullable): the value following the first name
 *   equal to @key at an even position, or %NULL
 */
const PfImapValue *
pf_imap_value_lookup (const PfImapValue *list,
                      const char        *key)
{
  guint32 i;

  g_return_val_if_fail (key != NULL, NULL);

  if (list == NULL || list->kind != PF_IMAP_VALUE_LIST)
    return NULL;

  for (i = 0; i + 1 < list->length; i += 2)
    {
      const PfImapValue *name = &list->v.items[i];

      if ((name->kind == PF_IMAP_VALUE_ATOM || name->kind == PF_IMAP_VALUE_STRING) &&
          equal_ascii_ci (_pf_imap_value_string (name), name->length, key))
        return &list->v.items[i + 1];
    }

  return NULL;
}

/**
 * pf_imap_value_dup_strv:
 * @list: (nullable): a list of atoms or strings, e.g. a flag list
 *   (RFC 3501 §7.2.6) or the capabilities of ENABLED (RFC 5161 §3.2)
 *
 * Items that are not atoms, numbers or strings (NIL, lists) are skipped, as
 * are strings containing NUL bytes.
 *
 * Returns: (transfer full): the items as strings; empty (never %NULL) if
 *   @list is not a list
 */
char **
pf_imap_value_dup_strv (const PfImapValue *list)
{
  GPtrArray *strv;
  guint32 i;

  strv = g_ptr_array_new ();

  if (list != NULL && list->kind == PF_IMAP_VALUE_LIST)
    {
      for (i = 0; i < list->length; i++)
        {
          const char *string;
          gsize len;

          string = pf_imap_value_get_string (&list->v.items[i], &len);
          if (string != NULL && strlen (string) == len)
            g_ptr_array_add (strv, g_strndup (string, len));
        }
    }

  g_ptr_array_add (strv, NULL);
  return (char **) g_ptr_array_free (strv, FALSE);
}

static void
append_quoted (GString    *string,
               const char *bytes,
               gsize       length)
{
  gsize i;

  g_string_append_c (string, '"');
  for (i = 0; i < length; i++)
    {
      guint8 c = (guint8) bytes[i];

      if (c == '"' || c == '\\')
        {
          g_string_append_c (string, '\\');
          g_string_append_c (string, (char) c);
        }
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (string, "\\x%02x", c);
      else
        g_string_append_c (string, (char) c);
    }
  g_string_append_c (string, '"');
}

/**
 * pf_imap_value_append_to_string:
 * @value: a value
 * @string: where to append
 *
 * Appends a readable, deterministic form of @value for logs and tests.
 * Strings are quoted with `\"` and `\\` escaped and control bytes written
 * as `\xNN`; literals get a `{n}` (or `~{n}`) prefix, streamed literals are
 * written `<streamed n>`. This is not the wire form.
 */
void
pf_imap_value_append_to_string (const PfImapValue *value,
                                GString           *string)
{
  guint32 i;

  g_return_if_fail (value != NULL);
  g_return_if_fail (string != NULL);

  switch ((PfImapValueKind) value->kind)
    {
    case PF_IMAP_VALUE_NIL:
      g_string_append (string, "NIL");
      break;

    case PF_IMAP_VALUE_ATOM:
    case PF_IMAP_VALUE_NUMBER:
      g_string_append_len (string, _pf_imap_value_string (value), value->length);
      break;

    case PF_IMAP_VALUE_STRING:
      if ((value->flags & PF_IMAP_VALUE_FLAG_LITERAL8) != 0)
        g_string_append_printf (string, "~{%u}", value->length);
      else if ((value->flags & PF_IMAP_VALUE_FLAG_LITERAL) != 0)
        g_string_append_printf (string, "{%u}", value->length);
      append_quoted (string, _pf_imap_value_string (value), value->length);
      break;

    case PF_IMAP_VALUE_LIST:
      g_string_append_c (string, '(');
      for (i = 0; i < value->length; i++)
        {
          if (i > 0)
            g_string_append_c (string, ' ');
          pf_imap_value_append_to_string (&value->v.items[i], string);
        }
      g_string_append_c (string, ')');
      break;

    case PF_IMAP_VALUE_STREAMED:
      g_string_append_printf (string, "<streamed %" G_GUINT64_FORMAT ">", value->number);
      break;

    default:
      g_assert_not_reached ();
    }
}

/**
 * pf_imap_value_to_string:
 * @value: a value
 *
 * Returns: (transfer full): the form pf_imap_value_append_to_string()
 *   writes
 */
char *
pf_imap_value_to_string (const PfImapValue *value)
{
  GString *string;

  g_return_val_if_fail (value != NULL, NULL);

  string = g_string_new (NULL);
  pf_imap_value_append_to_string (value, string);

  return g_string_free (string, FALSE);
}
