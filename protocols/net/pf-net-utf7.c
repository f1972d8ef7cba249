/* pf-net-utf7.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-net"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pf-net-error.h"
#include "pf-net-utf7.h"

/*
 * Modified UTF-7 for IMAP mailbox names (RFC 3501 §5.1.3), through glibc's
 * iconv converter "UTF-7-IMAP" (meson checks that it exists).
 *
 * glibc decodes leniently: it accepts a shift sequence that is never
 * closed ("&Jjo") and printable ASCII hidden in base64 ("&AGE-" for "a"),
 * both of which RFC 3501 forbids. A name that does not come back to the
 * same bytes when encoded again is therefore refused, so that one folder
 * can never be known under two names.
 */

#define UTF7_IMAP "UTF-7-IMAP"

static void
set_invalid (GError     **error,
             const char  *name)
{
  /* The server's bytes are escaped: they may be neither UTF-8 nor free of
   * terminal control sequences. */
  g_autofree char *escaped = g_strescape (name, NULL);

  g_set_error (error, PF_NET_ERROR, PF_NET_ERROR_PROTOCOL,
               _("The server sent a folder name that is not valid modified UTF-7: “%s”"),
               escaped);
}

/**
 * pf_net_utf7_encode:
 * @utf8: a mailbox name in UTF-8
 * @error: return location for an error
 *
 * Encodes a mailbox name for the wire: "Entwürfe" becomes "Entw&APw-rfe"
 * and "&" becomes "&-".
 *
 * Returns: (transfer full): the encoded name, or %NULL with
 *   %G_CONVERT_ERROR_ILLEGAL_SEQUENCE when @utf8 is not valid UTF-8.
 */
char *
pf_net_utf7_encode (const char  *utf8,
                    GError     **error)
{
  g_return_val_if_fail (utf8 != NULL, NULL);

  if (!g_utf8_validate (utf8, -1, NULL))
    {
      g_set_error_literal (error, G_CONVERT_ERROR, G_CONVERT_ERROR_ILLEGAL_SEQUENCE,
                           _("The folder name is not valid UTF-8"));
      return NULL;
    }

  return g_convert (utf8, -1, UTF7_IMAP, "UTF-8", NULL, NULL, error);
}

/**
 * pf_net_utf7_decode:
 * @utf7: a mailbox name as the server sent it
 * @error: return location for an error
 *
 * Decodes a mailbox name from the wire. Bytes outside printable ASCII,
 * unterminated or non-canonical base64 runs and bad UTF-16 are refused
 * with %PF_NET_ERROR_PROTOCOL.
 *
 * Returns: (transfer full): the name in UTF-8, or %NULL on error
 */
char *
pf_net_utf7_decode (const char  *utf7,
                    GError     **error)
{
  g_autofree char *utf8 = NULL;
  g_autofree char *again = NULL;

  g_return_val_if_fail (utf7 != NULL, NULL);

  for (const char *p = utf7; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
        {
          set_invalid (error, utf7);
          return NULL;
        }
    }

  utf8 = g_convert (utf7, -1, "UTF-8", UTF7_IMAP, NULL, NULL, NULL);
  if (utf8 == NULL)
    {
      set_invalid (error, utf7);
      return NULL;
    }

  again = g_convert (utf8, -1, UTF7_IMAP, "UTF-8", NULL, NULL, NULL);
  if (again == NULL || strcmp (again, utf7) != 0)
    {
      set_invalid (error, utf7);
      return NULL;
    }

  return g_steal_pointer (&utf8);
}
