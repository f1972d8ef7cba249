/* test-mime-outgoing.c: messages from files made ready for the outbox
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "mime/pf-mime-error.h"
#include "mime/pf-mime-outgoing.h"

static PfMimeOutgoing *
prepare (const char  *text,
         GError     **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

  return pf_mime_outgoing_prepare (bytes, "Alice Müller", "alice@example.test", error);
}

static char *
output (PfMimeOutgoing *outgoing)
{
  gsize length;
  const char *data = g_bytes_get_data (outgoing->data, &length);

  return g_strndup (data, length);
}

static void
assert_crlf_only (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (*p == '\n')
      g_assert_true (p > text && p[-1] == '\r');
}

static void
test_bcc_removed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfMimeOutgoing) outgoing = NULL;
  g_autofree char *text = NULL;
  const char *const expected[] = { "bob@example.test", "carol@example.test", "dave@example.test",
                                   "erin@example.test", NULL };

  outgoing = prepare ("From: Alice <alice@example.test>\n"
                      "To: Bob <bob@example.test>,\n"
                      " carol@example.test\n"
                      "Bcc: dave@example.test,\n"
                      "\tErin <erin@example.test>, BOB@example.test\n"
                      "cc: Carol <CAROL@example.test>\n"
                      "Subject: Hallo\n"
                      "Message-ID: <abc@example.test>\n"
                      "Date: Mon, 30 Nov 2026 10:00:00 +0100\n"
                      "\n"
                      "Bcc: in the body stays\n"
                      "Zeile 2\r\n", &error);
  g_assert_no_error (error);
  text = output (outgoing);
  assert_crlf_only (text);
  g_assert_null (strstr (text, "dave@"));
  g_assert_null (strstr (text, "erin@"));
  g_assert_null (strstr (text, "\r\nBcc: dave"));
  g_assert_nonnull (strstr (text, "To: Bob <bob@example.test>,\r\n carol@example.test\r\n"));
  g_assert_true (g_str_has_suffix (text, "\r\n\r\nBcc: in the body stays\r\nZeile 2\r\n"));
  g_assert_cmpstrv (outgoing->recipients, expected);
  g_assert_cmpstr (outgoing->message_id, ==, "abc@example.test");
  /* Nothing was added */
  g_assert_null (strstr (text, "Alice Müller"));
  g_assert_nonnull (strstr (text, "\r\nDate: Mon, 30 Nov 2026"));
}

static void
test_missing_fields_added (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfMimeOutgoing) outgoing = NULL;
  g_autoptr(PfMimeHeaders) headers = NULL;
  g_autofree char *text = NULL;

  outgoing = prepare ("From msgs Mon Nov 30 10:00:00 2026\n"
                      "Bcc: bob@example.test\n"
                      "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\n"
                      "Message-ID: not a valid id\n"
                      "\n"
                      "Text\n", &error);
  g_assert_no_error (error);
  text = output (outgoing);
  assert_crlf_only (text);
  g_assert_true (g_str_has_prefix (text, "Subject: "));
  g_assert_null (strstr (text, "not a valid id"));
  g_assert_nonnull (strstr (text, "\r\nFrom: "));
  g_assert_nonnull (strstr (text, "\r\nDate: "));
  g_assert_true (g_str_has_suffix (outgoing->message_id, "@example.test"));

  headers = pf_mime_outgoing_parse_headers (outgoing->data);
  g_assert_cmpstr (headers->message_id, ==, outgoing->message_id);
  g_assert_cmpstr (headers->subject, ==, "Grüße");
  g_assert_cmpuint (headers->from->len, ==, 1);
  g_assert_cmpstr (((PfMimeAddress *) g_ptr_array_index (headers->from, 0))->name, ==,
                   "Alice Müller");
  g_assert_nonnull (headers->date);
  g_assert_cmpuint (g_strv_length (outgoing->recipients), ==, 1);
}

/* A second Message-ID field is dropped; the first usable one counts. */
static void
test_one_message_id (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfMimeOutgoing) outgoing = NULL;
  g_autofree char *text = NULL;

  outgoing = prepare ("From: a@example.test\n"
                      "To: b@example.test\n"
                      "Message-ID: <first@example.test>\n"
                      "Message-ID: <second@example.test>\n"
                      "\nText\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (outgoing->message_id, ==, "first@example.test");
  text = output (outgoing);
  g_assert_nonnull (strstr (text, "<first@example.test>"));
  g_assert_null (strstr (text, "second@example.test"));
}

static void
test_headers_only (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfMimeOutgoing) outgoing = NULL;
  g_autofree char *text = NULL;

  outgoing = prepare ("To: bob@example.test\nSubject: x", &error);
  g_assert_no_error (error);
  text = output (outgoing);
  g_assert_true (g_str_has_suffix (text, "\r\n\r\n"));
  assert_crlf_only (text);
}

static void
test_refused (void)
{
  const char *const not_mail[] = { "", "\n\nText", "just text\n\nmore\n", " folded: x\n\n",
                                   "From nobody\n" };

  for (guint i = 0; i < G_N_ELEMENTS (not_mail); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PfMimeOutgoing) outgoing = prepare (not_mail[i], &error);

      g_assert_null (outgoing);
      g_assert_error (error, PF_MIME_ERROR, PF_MIME_ERROR_INVALID_MESSAGE);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PfMimeOutgoing) outgoing = prepare ("Subject: nobody\nTo: undisclosed-recipients:;\n"
                                                  "\ntext\n", &error);

    g_assert_null (outgoing);
    g_assert_error (error, PF_MIME_ERROR, PF_MIME_ERROR_NO_RECIPIENTS);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mime/outgoing/bcc-removed", test_bcc_removed);
  g_test_add_func ("/mime/outgoing/missing-fields-added", test_missing_fields_added);
  g_test_add_func ("/mime/outgoing/headers-only", test_headers_only);
  g_test_add_func ("/mime/outgoing/one-message-id", test_one_message_id);
  g_test_add_func ("/mime/outgoing/refused", test_refused);

  return g_test_run ();
}
