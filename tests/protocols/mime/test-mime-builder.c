/* test-mime-builder.c: building outgoing mail, and parsing it back
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "mime/pf-mime-builder.h"
#include "mime/pf-mime-error.h"
#include "mime/pf-mime-message.h"

static char *
bytes_to_string (GBytes *bytes)
{
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  return g_strndup (data, length);
}

/* Only CRLF line ends, no 8-bit bytes, no line over 998 octets
 * (RFC 5322 §2.1.1, §2.3). */
static void
assert_wire_format (GBytes *bytes)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  gsize line_start = 0;
  gsize i;

  g_assert_cmpuint (length, >, 2);
  g_assert_cmpint (data[length - 2], ==, '\r');
  g_assert_cmpint (data[length - 1], ==, '\n');
  for (i = 0; i < length; i++)
    {
      g_assert_cmpuint (data[i], <, 0x80);
      g_assert_cmpuint (data[i], !=, 0);
      if (data[i] == '\n')
        {
          g_assert_true (i > 0 && data[i - 1] == '\r');
          g_assert_cmpuint (i - line_start, <=, 999);
          line_start = i + 1;
        }
      else if (data[i] == '\r')
        g_assert_true (i + 1 < length && data[i + 1] == '\n');
    }
}

static char *
header_block (GBytes *bytes)
{
  g_autofree char *text = bytes_to_string (bytes);
  char *end = strstr (text, "\r\n\r\n");

  g_assert_nonnull (end);
  return g_strndup (text, end - text + 2);
}

static void
test_round_trip (void)
{
  g_autoptr(PfMimeBuilder) builder = pf_mime_builder_new ();
  g_autoptr(GDateTime) date = g_date_time_new_utc (2026, 3, 7, 12, 34, 56);
  g_autoptr(GBytes) pdf = NULL;
  g_autoptr(GBytes) binary = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfMimeMessage) message = NULL;
  g_autoptr(GPtrArray) attachments = NULL;
  g_autoptr(GPtrArray) body = NULL;
  g_autofree char *headers = NULL;
  g_autofree char *file_path = NULL;
  g_autoptr(GFile) file = NULL;
  g_auto(GStrv) envelope = NULL;
  const char *expected_envelope[] = { "anna@example.org", "bob@example.net", "carol@example.com",
                                      "secret@example.org", NULL };
  const char *references[] = { "root@example.org", "<parent@example.org>", NULL };
  const char *expected_references[] = { "root@example.org", "parent@example.org", NULL };
  const PfMimeHeaders *parsed;
  PfMimePart *part;
  guint8 all_bytes[256];
  const char *text = "Grüße aus Köln!\n\nZeile mit € und 日本語.\n"
                     "From the start of a line\n.\n"
                     "A line that is quite long and goes on and on and on and on and on and on "
                     "and on and on and on and on and on.";
  guint i;

  for (i = 0; i < sizeof all_bytes; i++)
    all_bytes[i] = i;
  binary = g_bytes_new (all_bytes, sizeof all_bytes);
  pdf = g_bytes_new_static ("%PDF-1.4\n\xe2\xe3\xcf\xd3\n", 14);

  file_path = g_build_filename (g_get_tmp_dir (), "pf-mime-builder-XXXXXX", NULL);
  {
    int fd = g_mkstemp (file_path);

    g_assert_cmpint (fd, >=, 0);
    g_assert_true (g_file_set_contents (file_path, "file,contents\r\n1,2\r\n", -1, &error));
    g_assert_no_error (error);
    g_close (fd, NULL);
  }
  file = g_file_new_for_path (file_path);

  pf_mime_builder_set_from (builder, "Jörg Müller", "joerg@example.org");
  pf_mime_builder_add_to (builder, "Anna Ängström", "anna@example.org");
  pf_mime_builder_add_to (builder, "Doe, John \"JD\"", "bob@example.net");
  pf_mime_builder_add_cc (builder, NULL, "carol@example.com");
  pf_mime_builder_add_cc (builder, "Anna again", "ANNA@example.org");
  pf_mime_builder_add_bcc (builder, "Secret", "secret@example.org");
  pf_mime_builder_add_reply_to (builder, "Liste", "list@example.org");
  pf_mime_builder_set_subject (builder, "Grüße – ein sehr langer Betreff mit Umlauten äöü, der "
                                        "gefaltet werden muss, weil er so lang ist 日本語");
  pf_mime_builder_set_text (builder, text);
  pf_mime_builder_set_html (builder, "<p>Grüße aus <b>Köln</b>!</p>");
  pf_mime_builder_add_attachment_bytes (builder, pdf, "Übersicht März.pdf", "application/pdf");
  pf_mime_builder_add_attachment_bytes (builder, binary, "данные.bin", NULL);
  pf_mime_builder_add_attachment_file (builder, file, "tabelle.csv", "text/csv");
  pf_mime_builder_set_in_reply_to (builder, "<parent@example.org>");
  pf_mime_builder_set_references (builder, references);
  pf_mime_builder_set_date (builder, date);

  bytes = pf_mime_builder_build (builder, NULL, &error);
  g_assert_no_error (error);
  assert_wire_format (bytes);
  g_assert_true (g_str_has_suffix (pf_mime_builder_get_message_id (builder), "@example.org"));

  /* The same Message-ID and Date each time (boundaries are random). */
  again = pf_mime_builder_build (builder, NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree char *first = header_block (bytes);
    g_autofree char *second = header_block (again);
    g_autofree char *id_line = g_strdup_printf ("Message-Id: <%s>\r\n",
                                                pf_mime_builder_get_message_id (builder));

    g_assert_nonnull (strstr (first, id_line));
    g_assert_nonnull (strstr (second, id_line));
    g_assert_nonnull (strstr (first, "Date: Sat, 07 Mar 2026 12:34:56 +0000\r\n"));
    g_assert_nonnull (strstr (second, "Date: Sat, 07 Mar 2026 12:34:56 +0000\r\n"));
  }

  headers = header_block (bytes);
  g_test_message ("%s", headers);
  g_assert_null (strstr (headers, "secret@example.org"));
  g_assert_null (strstr (headers, "Bcc"));
  g_assert_nonnull (strstr (headers, "MIME-Version: 1.0\r\n"));
  g_assert_nonnull (strstr (headers, "=?"));

  envelope = pf_mime_builder_dup_envelope_recipients (builder);
  g_assert_cmpstrv (envelope, expected_envelope);

  message = pf_mime_message_parse_bytes (bytes, &error);
  g_assert_no_error (error);
  parsed = pf_mime_message_get_headers (message);
  g_assert_cmpstr (parsed->subject, ==, "Grüße – ein sehr langer Betreff mit Umlauten äöü, der "
                                        "gefaltet werden muss, weil er so lang ist 日本語");
  g_assert_cmpuint (parsed->from->len, ==, 1);
  g_assert_cmpstr (((PfMimeAddress *) parsed->from->pdata[0])->name, ==, "Jörg Müller");
  g_assert_cmpstr (((PfMimeAddress *) parsed->from->pdata[0])->address, ==, "joerg@example.org");
  g_assert_cmpuint (parsed->to->len, ==, 2);
  g_assert_cmpstr (((PfMimeAddress *) parsed->to->pdata[0])->name, ==, "Anna Ängström");
  g_assert_cmpstr (((PfMimeAddress *) parsed->to->pdata[1])->name, ==, "Doe, John \"JD\"");
  g_assert_cmpstr (((PfMimeAddress *) parsed->to->pdata[1])->address, ==, "bob@example.net");
  g_assert_cmpuint (parsed->cc->len, ==, 2);
  g_assert_null (((PfMimeAddress *) parsed->cc->pdata[0])->name);
  g_assert_cmpstr (((PfMimeAddress *) parsed->reply_to->pdata[0])->address, ==,
                   "list@example.org");
  g_assert_cmpstr (parsed->message_id, ==, pf_mime_builder_get_message_id (builder));
  g_assert_cmpstr (parsed->in_reply_to, ==, "parent@example.org");
  g_assert_cmpstrv (parsed->references, expected_references);
  g_assert_true (g_date_time_equal (parsed->date, date));

  /* multipart/mixed (multipart/alternative (text, html), 3 attachments) */
  part = pf_mime_message_get_part (message, "TEXT");
  g_assert_nonnull (part);
  g_assert_cmpstr (part->content_type, ==, "multipart/mixed");
  part = pf_mime_message_get_part (message, "1");
  g_assert_cmpstr (part->content_type, ==, "multipart/alternative");
  part = pf_mime_message_get_part (message, "1.1");
  g_assert_cmpint (part->kind, ==, PF_MIME_PART_KIND_TEXT);
  g_assert_cmpstr (part->charset, ==, "utf-8");
  g_assert_cmpstr (part->text, ==, text);
  part = pf_mime_message_get_part (message, "1.2");
  g_assert_cmpint (part->kind, ==, PF_MIME_PART_KIND_HTML);
  g_assert_cmpstr (part->text, ==, "<p>Grüße aus <b>Köln</b>!</p>");

  attachments = pf_mime_message_dup_attachments (message);
  g_assert_cmpuint (attachments->len, ==, 3);

  part = g_ptr_array_index (attachments, 0);
  g_assert_cmpstr (part->filename, ==, "Übersicht März.pdf");
  g_assert_cmpstr (part->content_type, ==, "application/pdf");
  g_assert_false (part->is_inline);
  g_assert_cmpuint (part->size, ==, g_bytes_get_size (pdf));
  {
    g_autoptr(GBytes) content = pf_mime_message_dup_part_content (message, part->id, &error);

    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (content, pdf));
  }

  part = g_ptr_array_index (attachments, 1);
  g_assert_cmpstr (part->filename, ==, "данные.bin");
  g_assert_cmpstr (part->content_type, ==, "application/octet-stream");
  {
    g_autoptr(GBytes) content = pf_mime_message_dup_part_content (message, part->id, &error);

    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (content, binary));
  }

  part = g_ptr_array_index (attachments, 2);
  g_assert_cmpstr (part->filename, ==, "tabelle.csv");
  g_assert_cmpstr (part->content_type, ==, "text/csv");
  {
    g_autoptr(GBytes) content = pf_mime_message_dup_part_content (message, part->id, &error);
    g_autoptr(GBytes) wanted = g_bytes_new_static ("file,contents\r\n1,2\r\n", 20);

    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (content, wanted));
  }

  body = pf_mime_message_dup_body_parts (message, FALSE);
  g_assert_cmpuint (body->len, ==, 1);
  g_assert_cmpstr (((PfMimePart *) body->pdata[0])->id, ==, "1.1");

  g_unlink (file_path);
}

static void
test_plain_only (void)
{
  g_autoptr(PfMimeBuilder) builder = pf_mime_builder_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfMimeMessage) message = NULL;
  g_autofree char *headers = NULL;
  PfMimePart *part;

  pf_mime_builder_set_from (builder, NULL, "me@example.org");
  pf_mime_builder_add_to (builder, NULL, "you@example.org");
  pf_mime_builder_set_subject (builder, "ASCII only");
  pf_mime_builder_set_text (builder, "Hello\r\nWorld");

  bytes = pf_mime_builder_build (builder, NULL, &error);
  g_assert_no_error (error);
  assert_wire_format (bytes);
  headers = header_block (bytes);
  g_assert_nonnull (strstr (headers, "Subject: ASCII only\r\n"));
  g_assert_nonnull (strstr (headers, "charset=utf-8"));
  g_assert_nonnull (strstr (headers, "Date: "));

  message = pf_mime_message_parse_bytes (bytes, &error);
  g_assert_no_error (error);
  part = pf_mime_message_get_root (message);
  g_assert_cmpstr (part->id, ==, "1");
  g_assert_cmpint (part->kind, ==, PF_MIME_PART_KIND_TEXT);
  g_assert_true (g_str_has_prefix (part->text, "Hello\nWorld"));
  g_assert_false (pf_mime_message_has_attachments (message));
}

static void
test_html_only (void)
{
  g_autoptr(PfMimeBuilder) builder = pf_mime_builder_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfMimeMessage) message = NULL;
  PfMimePart *part;

  pf_mime_builder_set_from (builder, NULL, "me@example.org");
  pf_mime_builder_add_bcc (builder, NULL, "hidden@example.org");
  pf_mime_builder_set_html (builder, "<h1>Title</h1><p>Text &amp; more</p>");

  bytes = pf_mime_builder_build (builder, NULL, &error);
  g_assert_no_error (error);
  message = pf_mime_message_parse_bytes (bytes, &error);
  g_assert_no_error (error);
  part = pf_mime_message_get_part (message, "1");
  g_assert_cmpint (part->kind, ==, PF_MIME_PART_KIND_TEXT);
  g_assert_true (g_str_has_prefix (part->text, "Title\n\nText & more"));
  part = pf_mime_message_get_part (message, "2");
  g_assert_cmpint (part->kind, ==, PF_MIME_PART_KIND_HTML);
  g_assert_cmpuint (pf_mime_message_get_headers (message)->to->len, ==, 0);
}

static void
test_reply_parent (void)
{
  g_autoptr(PfMimeHeaders) parent = NULL;
  g_autoptr(PfMimeBuilder) builder = pf_mime_builder_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfMimeMessage) message = NULL;
  const PfMimeHeaders *headers;
  const char *expected[] = { "a@x", "b@x", "parent@x", NULL };

  parent = pf_mime_headers_parse ("Message-ID: <parent@x>\r\nReferences: <a@x> <b@x>\r\n\r\n", -1);
  pf_mime_builder_set_from (builder, NULL, "me@example.org");
  pf_mime_builder_add_to (builder, NULL, "you@example.org");
  pf_mime_builder_set_reply_parent (builder, parent);
  pf_mime_builder_set_message_id (builder, "<fixed@example.org>");

  bytes = pf_mime_builder_build (builder, NULL, &error);
  g_assert_no_error (error);
  message = pf_mime_message_parse_bytes (bytes, &error);
  g_assert_no_error (error);
  headers = pf_mime_message_get_headers (message);
  g_assert_cmpstr (headers->in_reply_to, ==, "parent@x");
  g_assert_cmpstrv (headers->references, expected);
  g_assert_cmpstr (headers->message_id, ==, "fixed@example.org");
}

static void
test_header_injection (void)
{
  g_autoptr(PfMimeBuilder) builder = pf_mime_builder_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *headers = NULL;

  pf_mime_builder_set_from (builder, "Evil\r\nBcc: victim@example.org", "me@example.org");
  pf_mime_builder_add_to (builder, NULL, "you@example.org");
  pf_mime_builder_set_subject (builder, "Hi\r\nBcc: victim@example.org\r\n\r\nbody");
  bytes = pf_mime_builder_build (builder, NULL, &error);
  g_assert_no_error (error);
  headers = header_block (bytes);
  g_assert_null (strstr (headers, "\r\nBcc:"));
}

static void
test_errors (void)
{
  g_autoptr(PfMimeBuilder) builder = pf_mime_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GFile) missing = g_file_new_for_path ("/nonexistent/postfach/file.pdf");
  const char *invalid[] = { "no-at-sign", "@example.org", "user@", "a b@example.org",
                            "a@example.org>, x@y", "a\r\n@example.org" };
  guint i;

  bytes = pf_mime_builder_build (builder, NULL, &error);
  g_assert_null (bytes);
  g_assert_error (error, PF_MIME_ERROR, PF_MIME_ERROR_NO_SENDER);
  g_clear_error (&error);

  pf_mime_builder_set_from (builder, NULL, "me@example.org");
  bytes = pf_mime_builder_build (builder, NULL, &error);
  g_assert_error (error, PF_MIME_ERROR, PF_MIME_ERROR_NO_RECIPIENTS);
  g_clear_error (&error);

  for (i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(PfMimeBuilder) b = pf_mime_builder_new ();
      g_autoptr(GBytes) out = NULL;

      pf_mime_builder_set_from (b, NULL, "me@example.org");
      pf_mime_builder_add_to (b, NULL, invalid[i]);
      out = pf_mime_builder_build (b, NULL, &error);
      g_assert_null (out);
      g_assert_error (error, PF_MIME_ERROR, PF_MIME_ERROR_INVALID_ADDRESS);
      g_clear_error (&error);
    }

  pf_mime_builder_add_to (builder, NULL, "you@example.org");
  pf_mime_builder_add_attachment_file (builder, missing, NULL, NULL);
  bytes = pf_mime_builder_build (builder, NULL, &error);
  g_assert_null (bytes);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "file.pdf"));
}

static void
on_built_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GBytes **bytes = user_data;
  g_autoptr(GError) error = NULL;

  *bytes = pf_mime_builder_build_finish (PF_MIME_BUILDER (source), result, &error);
  g_assert_no_error (error);
}

static void
test_async_and_write (void)
{
  g_autoptr(PfMimeBuilder) builder = pf_mime_builder_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) written = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  pf_mime_builder_set_from (builder, "Ünïcödé", "me@bücher.example");
  pf_mime_builder_add_to (builder, NULL, "you@example.org");
  pf_mime_builder_set_text (builder, "x");
  pf_mime_builder_build_async (builder, NULL, on_built_cb, &bytes);
  while (bytes == NULL)
    g_main_context_iteration (NULL, TRUE);
  assert_wire_format (bytes);
  /* The Message-ID names the sender's domain, in ASCII. */
  g_assert_true (g_str_has_suffix (pf_mime_builder_get_message_id (builder),
                                   "@xn--bcher-kva.example"));

  g_assert_true (pf_mime_builder_write (builder, out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, &error));
  written = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_true (g_bytes_equal (bytes, written));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mime/builder/round-trip", test_round_trip);
  g_test_add_func ("/mime/builder/plain-only", test_plain_only);
  g_test_add_func ("/mime/builder/html-only", test_html_only);
  g_test_add_func ("/mime/builder/reply-parent", test_reply_parent);
  g_test_add_func ("/mime/builder/header-injection", test_header_injection);
  g_test_add_func ("/mime/builder/errors", test_errors);
  g_test_add_func ("/mime/builder/async-and-write", test_async_and_write);

  return g_test_run ();
}
