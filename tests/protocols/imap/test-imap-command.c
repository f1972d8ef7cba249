/* test-imap-command.c: the wire form of IMAP commands
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "imap/pf-imap-command.h"

static char *
join (GPtrArray *chunks,
      guint     *n_chunks)
{
  GString *all = g_string_new (NULL);

  for (guint i = 0; i < chunks->len; i++)
    {
      gsize length;
      const char *data = g_bytes_get_data (chunks->pdata[i], &length);

      if (i > 0)
        g_string_append (all, "|");
      g_string_append_len (all, data, length);
    }
  *n_chunks = chunks->len;
  g_ptr_array_unref (chunks);

  return g_string_free (all, FALSE);
}

static char *
wire (PfImapCommand *command,
      gboolean       literal_plus,
      guint         *n_chunks)
{
  return join (pf_imap_command_serialize (command, "A7", literal_plus), n_chunks);
}

static void
test_simple (void)
{
  g_autoptr(PfImapCommand) command = pf_imap_command_new ("NOOP", PF_IMAP_COMMAND_NONE);
  g_autofree char *out = NULL;
  guint n;

  out = wire (command, FALSE, &n);
  g_assert_cmpstr (out, ==, "A7 NOOP\r\n");
  g_assert_cmpuint (n, ==, 1);
}

static void
test_strings (void)
{
  g_autoptr(PfImapCommand) command = pf_imap_command_new ("LOGIN", PF_IMAP_COMMAND_SECRET);
  g_autofree char *out = NULL;
  guint n;

  pf_imap_command_add_string (command, "alice@example.test");
  pf_imap_command_add_string (command, "pa ss\"wo\\rd");
  pf_imap_command_add_string (command, "");
  out = wire (command, FALSE, &n);
  /* An atom as is; specials quoted and escaped; empty string quoted. */
  g_assert_cmpstr (out, ==, "A7 LOGIN alice@example.test \"pa ss\\\"wo\\\\rd\" \"\"\r\n");
  g_assert_cmpint (pf_imap_command_get_flags (command), ==, PF_IMAP_COMMAND_SECRET);
}

static void
test_literal_sync (void)
{
  g_autoptr(PfImapCommand) command = pf_imap_command_new ("LOGIN", PF_IMAP_COMMAND_NONE);
  g_autofree char *out = NULL;
  guint n;

  /* 8-bit and CR/LF cannot be quoted. */
  pf_imap_command_add_string (command, "jörg");
  pf_imap_command_add_string (command, "a\r\nb");
  out = wire (command, FALSE, &n);
  g_assert_cmpstr (out, ==, "A7 LOGIN {5}\r\n|jörg {4}\r\n|a\r\nb\r\n");
  g_assert_cmpuint (n, ==, 3);
}

static void
test_literal_plus (void)
{
  g_autoptr(PfImapCommand) command = pf_imap_command_new ("APPEND", PF_IMAP_COMMAND_NONE);
  g_autoptr(GBytes) message = g_bytes_new_static ("Subject: x\r\n\r\nhi\r\n", 18);
  g_autofree char *out = NULL;
  guint n;

  pf_imap_command_add_atom (command, "Sent");
  pf_imap_command_add_raw (command, "(\\Seen)");
  pf_imap_command_add_literal (command, message);
  out = wire (command, TRUE, &n);
  g_assert_cmpstr (out, ==, "A7 APPEND Sent (\\Seen) {18+}\r\nSubject: x\r\n\r\nhi\r\n\r\n");
  g_assert_cmpuint (n, ==, 1);
}

static void
test_mailbox (void)
{
  g_autoptr(PfImapCommand) command = pf_imap_command_new ("SELECT", PF_IMAP_COMMAND_BARRIER);
  g_autoptr(PfImapCommand) utf8 = pf_imap_command_new ("SELECT", PF_IMAP_COMMAND_BARRIER);
  g_autoptr(PfImapCommand) inbox = pf_imap_command_new ("SELECT", PF_IMAP_COMMAND_BARRIER);
  g_autoptr(PfImapCommand) spaced = pf_imap_command_new ("SELECT", PF_IMAP_COMMAND_BARRIER);
  g_autoptr(PfImapCommand) bad = pf_imap_command_new ("SELECT", PF_IMAP_COMMAND_BARRIER);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *out_utf8 = NULL;
  g_autofree char *out_inbox = NULL;
  g_autofree char *out_spaced = NULL;
  guint n;

  g_assert_true (pf_imap_command_add_mailbox (command, "Entwürfe", FALSE, &error));
  out = wire (command, FALSE, &n);
  g_assert_cmpstr (out, ==, "A7 SELECT Entw&APw-rfe\r\n");

  g_assert_true (pf_imap_command_add_mailbox (utf8, "Entwürfe", TRUE, &error));
  out_utf8 = wire (utf8, TRUE, &n);
  g_assert_cmpstr (out_utf8, ==, "A7 SELECT {9+}\r\nEntwürfe\r\n");

  g_assert_true (pf_imap_command_add_mailbox (inbox, "inbox", FALSE, &error));
  out_inbox = wire (inbox, FALSE, &n);
  g_assert_cmpstr (out_inbox, ==, "A7 SELECT INBOX\r\n");

  g_assert_true (pf_imap_command_add_mailbox (spaced, "Old Mail & Co", FALSE, &error));
  out_spaced = wire (spaced, FALSE, &n);
  g_assert_cmpstr (out_spaced, ==, "A7 SELECT \"Old Mail &- Co\"\r\n");

  g_assert_false (pf_imap_command_add_mailbox (bad, "\xff\xfe", FALSE, &error));
  g_assert_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_ILLEGAL_SEQUENCE);
}

static void
test_numbers (void)
{
  g_autoptr(PfImapCommand) command = pf_imap_command_new ("UID FETCH", PF_IMAP_COMMAND_NONE);
  g_autofree char *out = NULL;
  guint n;

  pf_imap_command_add_raw (command, "1:*");
  pf_imap_command_add_raw (command, "(FLAGS)");
  pf_imap_command_add_raw (command, "(CHANGEDSINCE");
  pf_imap_command_add_number (command, G_GUINT64_CONSTANT (18446744073709551615));
  out = wire (command, FALSE, &n);
  g_assert_cmpstr (out, ==, "A7 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 18446744073709551615\r\n");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/command/simple", test_simple);
  g_test_add_func ("/imap/command/strings", test_strings);
  g_test_add_func ("/imap/command/literal/synchronizing", test_literal_sync);
  g_test_add_func ("/imap/command/literal/plus", test_literal_plus);
  g_test_add_func ("/imap/command/mailbox", test_mailbox);
  g_test_add_func ("/imap/command/numbers", test_numbers);

  return g_test_run ();
}
