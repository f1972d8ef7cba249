/* pf-imap-command.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-imap"

#include "config.h"

#include <string.h>

#include "net/pf-net-utf7.h"
#include "pf-imap-command.h"

/*
 * An IMAP command being built, and its wire form (RFC 3501 §2.2, §9).
 *
 * Arguments are kept as parts; pf_imap_command_serialize() turns them into
 * the bytes to send, split where the client must wait for the server's
 * continuation ("+") before sending a literal (RFC 3501 §7.5), unless the
 * server announced LITERAL+ (RFC 7888), in which case `{n+}` lets the
 * whole command go out at once.
 */

typedef enum
{
  PART_RAW,      /* sent as is: atoms, numbers, sequence sets, lists */
  PART_QUOTED,   /* a quoted string, escaped when serialised */
  PART_LITERAL,  /* a literal: {n}CRLF then the bytes */
} PartKind;

typedef struct
{
  PartKind  kind;
  GBytes   *bytes;
} Part;

struct _PfImapCommand
{
  char               *name;
  GArray             *parts;   /* of Part */
  PfImapCommandFlags  flags;
};

static void
part_clear (Part *part)
{
  g_clear_pointer (&part->bytes, g_bytes_unref);
}

static void
pf_imap_command_free (PfImapCommand *self)
{
  g_free (self->name);
  g_array_unref (self->parts);
}

/**
 * pf_imap_command_new:
 * @name: the command name and any fixed words, e.g. "UID FETCH"
 * @flags: how the connection must treat it
 *
 * Returns: (transfer full): a new command without arguments
 */
PfImapCommand *
pf_imap_command_new (const char         *name,
                     PfImapCommandFlags  flags)
{
  PfImapCommand *self;

  g_return_val_if_fail (name != NULL && *name != '\0', NULL);

  self = g_rc_box_new0 (PfImapCommand);
  self->name = g_strdup (name);
  self->flags = flags;
  self->parts = g_array_new (FALSE, TRUE, sizeof (Part));
  g_array_set_clear_func (self->parts, (GDestroyNotify) part_clear);

  return self;
}

PfImapCommand *
pf_imap_command_ref (PfImapCommand *self)
{
  return g_rc_box_acquire (self);
}

void
pf_imap_command_unref (PfImapCommand *self)
{
  g_rc_box_release_full (self, (GDestroyNotify) pf_imap_command_free);
}

const char *
pf_imap_command_get_name (PfImapCommand *self)
{
  return self->name;
}

PfImapCommandFlags
pf_imap_command_get_flags (PfImapCommand *self)
{
  return self->flags;
}

static void
add_part (PfImapCommand *self,
          PartKind       kind,
          GBytes        *bytes)
{
  Part part = { kind, bytes };

  g_array_append_val (self->parts, part);
}

static gboolean
is_atom_char (guchar c)
{
  /* RFC 3501 §9: ATOM-CHAR is any CHAR except atom-specials. */
  return c > 0x20 && c < 0x7f && strchr ("(){ %*\"\\]", c) == NULL;
}

/**
 * pf_imap_command_add_atom:
 * @self: a command
 * @atom: an atom, sent as is (a keyword, a flag such as `\Seen`, …)
 */
void
pf_imap_command_add_atom (PfImapCommand *self,
                          const char    *atom)
{
  g_return_if_fail (atom != NULL && *atom != '\0');

  add_part (self, PART_RAW, g_bytes_new (atom, strlen (atom)));
}

void
pf_imap_command_add_number (PfImapCommand *self,
                            guint64        number)
{
  char buffer[24];
  int n = g_snprintf (buffer, sizeof buffer, "%" G_GUINT64_FORMAT, number);

  add_part (self, PART_RAW, g_bytes_new (buffer, n));
}

/**
 * pf_imap_command_add_raw:
 * @self: a command
 * @text: preformatted command text, e.g. a sequence set or a
 *   parenthesised list of FETCH items; sent as is
 */
void
pf_imap_command_add_raw (PfImapCommand *self,
                         const char    *text)
{
  g_return_if_fail (text != NULL);

  add_part (self, PART_RAW, g_bytes_new (text, strlen (text)));
}

/**
 * pf_imap_command_add_string:
 * @self: a command
 * @utf8: a string argument (astring)
 *
 * Sends @utf8 as an atom when it is one, as a quoted string when it can
 * be, and otherwise (8-bit characters, CR, LF, NUL-free but long) as a
 * literal.
 */
void
pf_imap_command_add_string (PfImapCommand *self,
                            const char    *utf8)
{
  gsize length;
  gboolean atom = TRUE;
  gboolean quotable = TRUE;

  g_return_if_fail (utf8 != NULL);

  length = strlen (utf8);
  for (gsize i = 0; i < length; i++)
    {
      guchar c = utf8[i];

      if (!is_atom_char (c))
        atom = FALSE;
      if (c < 0x20 || c > 0x7e)
        quotable = FALSE;
    }

  if (length == 0 || !atom)
    {
      if (quotable && length < 1024)
        add_part (self, PART_QUOTED, g_bytes_new (utf8, length));
      else
        add_part (self, PART_LITERAL, g_bytes_new (utf8, length));
      return;
    }

  add_part (self, PART_RAW, g_bytes_new (utf8, length));
}

/**
 * pf_imap_command_add_literal:
 * @self: a command
 * @bytes: the literal's content, e.g. a message for APPEND
 */
void
pf_imap_command_add_literal (PfImapCommand *self,
                             GBytes        *bytes)
{
  g_return_if_fail (bytes != NULL);

  add_part (self, PART_LITERAL, g_bytes_ref (bytes));
}

/**
 * pf_imap_command_add_mailbox:
 * @self: a command
 * @utf8: a mailbox name in UTF-8
 * @utf8_accepted: whether UTF8=ACCEPT is enabled (RFC 6855), in which case
 *   the name goes out as UTF-8 instead of modified UTF-7
 * @error: return location for an error
 *
 * Returns: %FALSE if @utf8 cannot be encoded
 */
gboolean
pf_imap_command_add_mailbox (PfImapCommand  *self,
                             const char     *utf8,
                             gboolean        utf8_accepted,
                             GError        **error)
{
  g_autofree char *encoded = NULL;

  g_return_val_if_fail (utf8 != NULL, FALSE);

  /* RFC 3501 §5.1: INBOX is case-insensitive; send it canonically. */
  if (g_ascii_strcasecmp (utf8, "INBOX") == 0)
    {
      pf_imap_command_add_atom (self, "INBOX");
      return TRUE;
    }

  /* Also checks that the name is valid UTF-8. */
  encoded = pf_net_utf7_encode (utf8, error);
  if (encoded == NULL)
    return FALSE;

  pf_imap_command_add_string (self, utf8_accepted ? utf8 : encoded);
  return TRUE;
}

static void
append_quoted (GByteArray *out,
               GBytes     *bytes)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  g_byte_array_append (out, (const guint8 *) "\"", 1);
  for (gsize i = 0; i < length; i++)
    {
      if (data[i] == '"' || data[i] == '\\')
        g_byte_array_append (out, (const guint8 *) "\\", 1);
      g_byte_array_append (out, &data[i], 1);
    }
  g_byte_array_append (out, (const guint8 *) "\"", 1);
}

/**
 * pf_imap_command_serialize:
 * @self: a command
 * @tag: the tag to send it with
 * @literal_plus: whether the server offers LITERAL+ (or LITERAL- and every
 *   literal is at most 4096 bytes: the caller decides)
 *
 * Returns: (transfer container) (element-type GBytes): the chunks to send.
 *   Without @literal_plus, each chunk but the last ends with a literal
 *   announcement, and the client waits for a continuation before sending
 *   the next; with it, there is exactly one chunk. The last ends in CRLF.
 */
GPtrArray *
pf_imap_command_serialize (PfImapCommand *self,
                           const char    *tag,
                           gboolean       literal_plus)
{
  GPtrArray *chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GByteArray *out = g_byte_array_new ();

  g_return_val_if_fail (tag != NULL, NULL);

  g_byte_array_append (out, (const guint8 *) tag, strlen (tag));
  g_byte_array_append (out, (const guint8 *) " ", 1);
  g_byte_array_append (out, (const guint8 *) self->name, strlen (self->name));

  for (guint i = 0; i < self->parts->len; i++)
    {
      const Part *part = &g_array_index (self->parts, Part, i);
      gsize length;
      gconstpointer data = g_bytes_get_data (part->bytes, &length);
      char announce[32];
      int n;

      g_byte_array_append (out, (const guint8 *) " ", 1);

      switch (part->kind)
        {
        case PART_RAW:
          g_byte_array_append (out, data, length);
          break;

        case PART_QUOTED:
          append_quoted (out, part->bytes);
          break;

        case PART_LITERAL:
          n = g_snprintf (announce, sizeof announce, literal_plus ? "{%" G_GSIZE_FORMAT "+}\r\n"
                                                                  : "{%" G_GSIZE_FORMAT "}\r\n",
                          length);
          g_byte_array_append (out, (const guint8 *) announce, n);
          if (!literal_plus)
            {
              g_ptr_array_add (chunks, g_byte_array_free_to_bytes (out));
              out = g_byte_array_new ();
            }
          g_byte_array_append (out, data, length);
          break;

        default:
          g_assert_not_reached ();
        }
    }

  g_byte_array_append (out, (const guint8 *) "\r\n", 2);
  g_ptr_array_add (chunks, g_byte_array_free_to_bytes (out));

  return chunks;
}
