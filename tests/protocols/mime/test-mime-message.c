/* test-mime-message.c: parsing mail for display
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "mime/pf-mime-error.h"
#include "mime/pf-mime-message.h"

static PfMimeMessage *
parse_file (const char *name)
{
  g_autofree char *path = g_build_filename (PF_MIME_TEST_DATA, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  PfMimeMessage *message;

  stream = g_file_read (file, NULL, &error);
  g_assert_no_error (error);
  message = pf_mime_message_parse (G_INPUT_STREAM (stream), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static PfMimeMessage *
parse_string (const char *data,
              gssize      length)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, length < 0 ? strlen (data) : (gsize) length);
  g_autoptr(GError) error = NULL;
  PfMimeMessage *message;

  message = pf_mime_message_parse_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static void
assert_address (GPtrArray  *list,
                guint       index,
                const char *name,
                const char *address)
{
  PfMimeAddress *a;

  g_assert_cmpuint (index, <, list->len);
  a = g_ptr_array_index (list, index);
  g_assert_cmpstr (a->name, ==, name);
  g_assert_cmpstr (a->address, ==, address);
}

static PfMimePart *
get_part (PfMimeMessage  *message,
          const char     *id,
          PfMimePartKind  kind)
{
  PfMimePart *part = pf_mime_message_get_part (message, id);

  g_assert_nonnull (part);
  g_assert_cmpstr (part->id, ==, id);
  g_assert_cmpint (part->kind, ==, kind);
  return part;
}

static void
assert_part_content (PfMimeMessage *message,
                     const char    *id,
                     const char    *expected,
                     gsize          length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) content = pf_mime_message_dup_part_content (message, id, &error);
  g_autoptr(GBytes) wanted = g_bytes_new_static (expected, length);

  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (content, wanted));
}

static void
test_rfc2047_charsets (void)
{
  g_autoptr(PfMimeMessage) message = parse_file ("rfc2047-charsets.eml");
  const PfMimeHeaders *headers = pf_mime_message_get_headers (message);
  g_autofree char *date = NULL;

  g_assert_cmpstr (headers->subject, ==, "Grüße aus Köln und € 100");
  g_assert_cmpuint (headers->from->len, ==, 1);
  assert_address (headers->from, 0, "Zoë “Quotes” Müller", "zoe@example.org");
  g_assert_cmpuint (headers->to->len, ==, 2);
  assert_address (headers->to, 0, "Jürgen Ωmega", "j@example.com");
  assert_address (headers->to, 1, "Plain Name", "p@example.com");
  assert_address (headers->cc, 0, "山田太郎", "yamada@example.jp");
  /* The group is flattened into its members. */
  g_assert_cmpuint (headers->reply_to->len, ==, 2);
  assert_address (headers->reply_to, 0, NULL, "a@example.org");
  assert_address (headers->reply_to, 1, "Béa", "b@example.org");
  g_assert_cmpstr (headers->message_id, ==, "charsets-1@example.org");

  g_assert_nonnull (headers->date);
  date = g_date_time_format_iso8601 (headers->date);
  g_assert_cmpstr (date, ==, "2026-03-03T14:05:09+01");
  g_assert_cmpint (pf_mime_message_get_flags (message), ==, PF_MIME_MESSAGE_FLAG_NONE);
}

static void
test_rfc2047_broken (void)
{
  g_autoptr(PfMimeMessage) message = parse_file ("rfc2047-broken.eml");
  const PfMimeHeaders *headers = pf_mime_message_get_headers (message);

  g_assert_true (g_utf8_validate (headers->subject, -1, NULL));
  g_assert_true (g_str_has_prefix (headers->subject, "unterminated"));
  g_assert_null (headers->date);
  assert_address (headers->to, 0, "café", "cafe@example.org");
  g_assert_cmpuint (headers->from->len, ==, 1);
  g_assert_true (g_utf8_validate (((PfMimeAddress *) headers->from->pdata[0])->name, -1, NULL));
  g_assert_true (g_str_has_prefix (((PfMimeAddress *) headers->from->pdata[0])->name, "Broken"));
}

static void
test_8bit_headers (void)
{
  g_autoptr(PfMimeMessage) utf8 = parse_file ("8bit-headers.eml");
  g_autoptr(PfMimeMessage) latin1 = parse_file ("8bit-headers-latin1.eml");
  const PfMimeHeaders *headers;

  headers = pf_mime_message_get_headers (utf8);
  g_assert_cmpstr (headers->subject, ==, "Grüße – ohne Kodierung");
  assert_address (headers->from, 0, "Jürgen Groß", "juergen@example.org");
  assert_address (headers->to, 0, "Åsa", "asa@example.se");

  headers = pf_mime_message_get_headers (latin1);
  g_assert_cmpstr (headers->subject, ==, "Grüße aus Köln");
  assert_address (headers->from, 0, "Jürgen Groß", "juergen@example.org");
}

static void
test_references (void)
{
  g_autoptr(PfMimeMessage) message = parse_file ("references.eml");
  const PfMimeHeaders *headers = pf_mime_message_get_headers (message);
  const char *expected[] = { "root-1@example.org", "parent-2@example.org", NULL };
  g_auto(GStrv) reply_refs = NULL;
  const char *reply_expected[] = { "root-1@example.org", "parent-2@example.org",
                                   "reply-3@example.org", NULL };
  g_autoptr(GDateTime) utc = NULL;

  g_assert_cmpstr (headers->message_id, ==, "reply-3@example.org");
  g_assert_cmpstr (headers->in_reply_to, ==, "parent-2@example.org");
  g_assert_cmpstrv (headers->references, expected);
  utc = g_date_time_to_utc (headers->date);
  g_assert_cmpint (g_date_time_get_day_of_month (utc), ==, 6);
  g_assert_cmpint (g_date_time_get_hour (utc), ==, 7);
  g_assert_cmpint (g_date_time_get_second (utc), ==, 58);

  reply_refs = pf_mime_headers_dup_reply_references (headers);
  g_assert_cmpstrv (reply_refs, reply_expected);
}

static void
test_reply_references_capped (void)
{
  g_autoptr(GString) raw = g_string_new ("Message-ID: <new@x>\r\nReferences:");
  g_autoptr(PfMimeHeaders) headers = NULL;
  g_auto(GStrv) refs = NULL;
  guint i;

  for (i = 0; i < 50; i++)
    g_string_append_printf (raw, " <id-%u@x>", i);
  g_string_append (raw, "\r\n\r\n");
  headers = pf_mime_headers_parse (raw->str, raw->len);
  g_assert_cmpuint (g_strv_length (headers->references), ==, 50);

  refs = pf_mime_headers_dup_reply_references (headers);
  g_assert_cmpuint (g_strv_length (refs), ==, 20);
  g_assert_cmpstr (refs[0], ==, "id-0@x");
  g_assert_cmpstr (refs[1], ==, "id-32@x");
  g_assert_cmpstr (refs[18], ==, "id-49@x");
  g_assert_cmpstr (refs[19], ==, "new@x");
}

static void
test_header_block (void)
{
  g_autofree char *path = g_build_filename (PF_MIME_TEST_DATA, "headers-only.txt", NULL);
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr(PfMimeHeaders) headers = NULL;
  g_autoptr(PfMimeHeaders) copy = NULL;
  g_autoptr(PfMimeHeaders) empty = NULL;
  const char *refs[] = { "a@x", "b@x", NULL };

  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  headers = pf_mime_headers_parse (data, length);
  g_assert_cmpstr (headers->subject, ==, "Übersicht");
  assert_address (headers->from, 0, "René", "rene@example.fr");
  g_assert_nonnull (headers->date);
  g_assert_cmpint (g_date_time_get_year (headers->date), ==, 2026);
  g_assert_cmpstrv (headers->references, refs);
  g_assert_null (headers->message_id);
  g_assert_cmpuint (headers->to->len, ==, 0);

  copy = pf_mime_headers_copy (headers);
  g_assert_cmpstr (copy->subject, ==, headers->subject);
  assert_address (copy->from, 0, "René", "rene@example.fr");
  g_assert_cmpstrv (copy->references, refs);

  /* IMAP answers HEADER.FIELDS with just CRLF when none of them exist. */
  empty = pf_mime_headers_parse ("\r\n", -1);
  g_assert_null (empty->subject);
  g_assert_cmpuint (empty->from->len, ==, 0);
  g_assert_nonnull (empty->references);
  g_assert_null (empty->references[0]);
}

static void
test_rfc2231_filenames (void)
{
  g_autoptr(PfMimeMessage) message = parse_file ("rfc2231-filenames.eml");
  g_autoptr(GPtrArray) attachments = pf_mime_message_dup_attachments (message);
  PfMimePart *part;

  get_part (message, "TEXT", PF_MIME_PART_KIND_MULTIPART);
  part = get_part (message, "1", PF_MIME_PART_KIND_TEXT);
  g_assert_cmpstr (part->text, ==, "See attachments.");

  part = get_part (message, "2", PF_MIME_PART_KIND_ATTACHMENT);
  g_assert_cmpstr (part->filename, ==, "Übersicht 2026.pdf");
  g_assert_cmpstr (part->content_type, ==, "application/pdf");
  g_assert_false (part->is_inline);
  g_assert_cmpuint (part->size, ==, 9);
  assert_part_content (message, "2", "%PDF-1.4\n", 9);

  part = get_part (message, "3", PF_MIME_PART_KIND_ATTACHMENT);
  g_assert_cmpstr (part->filename, ==, "Bericht für März.csv");
  g_assert_null (part->text);
  assert_part_content (message, "3", "a;b\nc;d\n", 8);

  part = get_part (message, "4", PF_MIME_PART_KIND_ATTACHMENT);
  g_assert_cmpstr (part->filename, ==, "Фото.png");

  /* Directories never reach a file name. */
  part = get_part (message, "5", PF_MIME_PART_KIND_ATTACHMENT);
  g_assert_cmpstr (part->filename, ==, ".._.._etc_passwd");

  g_assert_cmpuint (attachments->len, ==, 4);
  g_assert_true (pf_mime_message_has_attachments (message));
}

static void
test_flowed (void)
{
  g_autoptr(PfMimeMessage) message = parse_file ("flowed.eml");
  g_autofree char *preview = pf_mime_message_dup_preview (message);
  PfMimePart *part;

  part = get_part (message, "1", PF_MIME_PART_KIND_TEXT);
  g_assert_cmpstr (part->text, ==,
                   "Dies ist ein langer Satz, der umgebrochen wurde.\n"
                   ">> Zitat eins geht weiter\n"
                   "> Antwort dazu\n"
                   "\n"
                   "From the start\n"
                   "-- \n"
                   "Signatur");
  part = get_part (message, "2", PF_MIME_PART_KIND_TEXT);
  g_assert_cmpstr (part->text, ==, "Erste Zeile zweite Zeile.\nFest.");
  g_assert_cmpstr (preview, ==, "Dies ist ein langer Satz, der umgebrochen wurde. From the start");
  g_assert_false (pf_mime_message_has_attachments (message));
}

static void
test_html_only (void)
{
  g_autoptr(PfMimeMessage) message = parse_file ("html-only.eml");
  g_autoptr(GPtrArray) body = pf_mime_message_dup_body_parts (message, FALSE);
  g_autofree char *preview = pf_mime_message_dup_preview (message);
  g_autofree char *search = pf_mime_message_dup_search_text (message);
  PfMimePart *part;

  part = get_part (message, "1", PF_MIME_PART_KIND_HTML);
  g_assert_cmpstr (part->charset, ==, "windows-1252");
  g_assert_nonnull (strstr (part->text, "<h1>Großes Angebot</h1>"));
  g_assert_nonnull (strstr (part->text, "<p>“Zitat”</p>"));
  g_assert_cmpuint (body->len, ==, 1);
  g_assert_true (g_ptr_array_index (body, 0) == part);

  g_assert_cmpstr (search, ==,
                   "Großes Angebot\n\n"
                   "Nur heute & morgen: 50 % Rabatt € ☺ …\n\n"
                   "• Erstens\n"
                   "• Zweitens\n\n"
                   "Fußnote\n"
                   "Zeile 2\n\n"
                   "A B\n\n"
                   "“Zitat”");
  g_assert_true (g_str_has_prefix (preview, "Großes Angebot Nur heute & morgen: 50 % Rabatt"));
  g_assert_null (strstr (search, "alert"));
  g_assert_null (strstr (search, "Ignored title"));
}

static void
test_alternative (void)
{
  g_autoptr(PfMimeMessage) message = parse_file ("alternative.eml");
  g_autoptr(GPtrArray) plain = pf_mime_message_dup_body_parts (message, FALSE);
  g_autoptr(GPtrArray) html = pf_mime_message_dup_body_parts (message, TRUE);
  g_autofree char *search = pf_mime_message_dup_search_text (message);
  PfMimePart *part;

  get_part (message, "TEXT", PF_MIME_PART_KIND_MULTIPART);
  part = get_part (message, "1", PF_MIME_PART_KIND_TEXT);
  g_assert_cmpstr (part->text, ==, "Preis: 10 €, schön.");
  part = get_part (message, "2", PF_MIME_PART_KIND_HTML);
  g_assert_cmpstr (part->text, ==, "<p>Preis: 10 €, <b>schön</b>.</p>\n");
  g_assert_cmpuint (part->size, ==, 37);

  g_assert_cmpuint (plain->len, ==, 1);
  g_assert_cmpstr (((PfMimePart *) plain->pdata[0])->id, ==, "1");
  g_assert_cmpuint (html->len, ==, 1);
  g_assert_cmpstr (((PfMimePart *) html->pdata[0])->id, ==, "2");
  /* One alternative, not both. */
  g_assert_cmpstr (search, ==, "Preis: 10 €, schön.");
  assert_part_content (message, "2", "<p>Preis: 10 \xe2\x82\xac, <b>sch\xc3\xb6n</b>.</p>\n", 37);
}

static void
test_mixed_attachments (void)
{
  g_autoptr(PfMimeMessage) message = parse_file ("mixed-attachments.eml");
  g_autoptr(GPtrArray) attachments = pf_mime_message_dup_attachments (message);
  g_autoptr(GPtrArray) body = pf_mime_message_dup_body_parts (message, TRUE);
  PfMimePart *part;

  get_part (message, "TEXT", PF_MIME_PART_KIND_MULTIPART);
  get_part (message, "1", PF_MIME_PART_KIND_MULTIPART);
  part = get_part (message, "1.1", PF_MIME_PART_KIND_MULTIPART);
  g_assert_cmpstr (part->content_type, ==, "multipart/alternative");
  g_assert_cmpuint (part->children->len, ==, 2);
  get_part (message, "1.1.1", PF_MIME_PART_KIND_TEXT);
  get_part (message, "1.1.2", PF_MIME_PART_KIND_HTML);

  part = get_part (message, "1.2", PF_MIME_PART_KIND_ATTACHMENT);
  g_assert_cmpstr (part->content_id, ==, "logo@example.org");
  g_assert_true (part->is_inline);
  g_assert_cmpstr (part->parent->id, ==, "1");

  part = get_part (message, "2", PF_MIME_PART_KIND_ATTACHMENT);
  g_assert_cmpstr (part->filename, ==, "archive.zip");
  assert_part_content (message, "2", "PK\x03\x04\x14\x00\x00\x00\x08\x00", 10);

  /* text/plain with disposition attachment is an attachment. */
  part = get_part (message, "3", PF_MIME_PART_KIND_ATTACHMENT);
  g_assert_cmpstr (part->filename, ==, "notes.txt");
  g_assert_null (part->text);

  g_assert_cmpuint (body->len, ==, 1);
  g_assert_cmpstr (((PfMimePart *) body->pdata[0])->id, ==, "1.1.2");
  /* The embedded image is part of the body, not an attachment. */
  g_assert_cmpuint (attachments->len, ==, 2);
  g_assert_cmpstr (((PfMimePart *) attachments->pdata[0])->id, ==, "2");
  g_assert_cmpstr (((PfMimePart *) attachments->pdata[1])->id, ==, "3");
  g_assert_null (pf_mime_message_get_part (message, "4"));
}

static void
test_nested_rfc822 (void)
{
  g_autoptr(PfMimeMessage) message = parse_file ("nested-rfc822.eml");
  g_autoptr(GPtrArray) attachments = pf_mime_message_dup_attachments (message);
  g_autoptr(GPtrArray) body = pf_mime_message_dup_body_parts (message, FALSE);
  g_autofree char *search = pf_mime_message_dup_search_text (message);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) eml = NULL;
  g_autoptr(PfMimeMessage) reparsed = NULL;
  PfMimePart *part;

  part = get_part (message, "2", PF_MIME_PART_KIND_MESSAGE);
  g_assert_nonnull (part->headers);
  g_assert_cmpstr (part->headers->subject, ==, "Ursprünglich");
  assert_address (part->headers->from, 0, "Jörg", "joerg@example.net");
  g_assert_cmpstr (part->headers->message_id, ==, "inner@example.net");
  g_assert_cmpstr (part->filename, ==, "original.eml");
  g_assert_false (part->is_inline);
  g_assert_cmpuint (part->children->len, ==, 1);

  get_part (message, "2.TEXT", PF_MIME_PART_KIND_MULTIPART);
  part = get_part (message, "2.1", PF_MIME_PART_KIND_TEXT);
  g_assert_cmpstr (part->text, ==, "Inner text.");
  part = get_part (message, "2.2", PF_MIME_PART_KIND_ATTACHMENT);
  g_assert_cmpstr (part->filename, ==, "data.bin");
  assert_part_content (message, "2.2", "\x00\x01\x02\x03\x04", 5);

  part = get_part (message, "3", PF_MIME_PART_KIND_MESSAGE);
  g_assert_cmpstr (part->headers->subject, ==, "Single");
  part = get_part (message, "3.1", PF_MIME_PART_KIND_TEXT);
  g_assert_cmpstr (part->text, ==, "Single inner body.");

  /* The attached messages are listed, not their parts. */
  g_assert_cmpuint (attachments->len, ==, 2);
  g_assert_cmpstr (((PfMimePart *) attachments->pdata[0])->id, ==, "2");
  g_assert_cmpstr (((PfMimePart *) attachments->pdata[1])->id, ==, "3");
  g_assert_cmpuint (body->len, ==, 1);
  g_assert_cmpstr (search, ==, "See the forwarded message.\nInner text.\nSingle inner body.");

  /* An attached message saves as a message that parses again. */
  eml = pf_mime_message_dup_part_content (message, "2", &error);
  g_assert_no_error (error);
  reparsed = pf_mime_message_parse_bytes (eml, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pf_mime_message_get_headers (reparsed)->subject, ==, "Ursprünglich");
  get_part (reparsed, "2", PF_MIME_PART_KIND_ATTACHMENT);
}

static void
test_invalid_charset (void)
{
  g_autoptr(PfMimeMessage) message = parse_file ("invalid-charset.eml");

  g_assert_cmpstr (get_part (message, "1", PF_MIME_PART_KIND_TEXT)->text, ==,
                   "Grüße aus München");
  g_assert_cmpstr (get_part (message, "2", PF_MIME_PART_KIND_TEXT)->text, ==,
                   "Fast gültig \xef\xbf\xbd und weiter");
  g_assert_cmpstr (get_part (message, "3", PF_MIME_PART_KIND_TEXT)->text, ==,
                   "Eigentlich UTF-8: äöü");
  g_assert_cmpstr (get_part (message, "4", PF_MIME_PART_KIND_TEXT)->text, ==,
                   "Ohne Angabe: “quoted” € 5");
  g_assert_cmpstr (get_part (message, "5", PF_MIME_PART_KIND_TEXT)->text, ==, "日本語");
}

static void
test_no_such_part (void)
{
  g_autoptr(PfMimeMessage) message = parse_file ("alternative.eml");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) content = NULL;

  content = pf_mime_message_dup_part_content (message, "9.9", &error);
  g_assert_null (content);
  g_assert_error (error, PF_MIME_ERROR, PF_MIME_ERROR_NO_SUCH_PART);
}

static void
test_write_part (void)
{
  g_autoptr(PfMimeMessage) message = parse_file ("rfc2231-filenames.eml");
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) written = NULL;
  g_autoptr(GBytes) wanted = g_bytes_new_static ("%PDF-1.4\n", 9);

  g_assert_true (pf_mime_message_write_part (message, "2", out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, &error));
  written = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_true (g_bytes_equal (written, wanted));
}

static void
on_parsed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PfMimeMessage **message = user_data;
  g_autoptr(GError) error = NULL;

  *message = pf_mime_message_parse_finish (result, &error);
  g_assert_no_error (error);
}

static void
on_written_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (pf_mime_message_write_part_finish (PF_MIME_MESSAGE (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
test_async (void)
{
  g_autofree char *path = g_build_filename (PF_MIME_TEST_DATA, "nested-rfc822.eml", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(PfMimeMessage) message = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  stream = g_file_read (file, NULL, &error);
  g_assert_no_error (error);
  pf_mime_message_parse_async (G_INPUT_STREAM (stream), NULL, on_parsed_cb, &message);
  while (message == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (pf_mime_message_get_headers (message)->subject, ==, "Fwd: Original");

  pf_mime_message_write_part_async (message, "2.2", out, NULL, on_written_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)), ==, 5);
}

static void
on_parse_failed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GError **error = user_data;
  g_autoptr(PfMimeMessage) message = pf_mime_message_parse_finish (result, error);

  g_assert_null (message);
}

static void
test_async_cancelled (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("Subject: x\r\n\r\nbody\r\n", 20);
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *error = NULL;

  g_cancellable_cancel (cancellable);
  pf_mime_message_parse_async (stream, cancellable, on_parse_failed_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
}

static void
test_empty (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("", 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfMimeMessage) message = pf_mime_message_parse_bytes (bytes, &error);
  g_autoptr(PfMimeMessage) garbage = NULL;
  g_autofree char *preview = NULL;

  g_assert_null (message);
  g_assert_error (error, PF_MIME_ERROR, PF_MIME_ERROR_INVALID_MESSAGE);

  g_clear_error (&error);
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = g_bytes_new_static ("\x01\x02\xff not mail at all", 21);
  message = pf_mime_message_parse_bytes (bytes, &error);
  g_assert_null (message);
  g_assert_error (error, PF_MIME_ERROR, PF_MIME_ERROR_INVALID_MESSAGE);

  /* A header block, however odd, makes a message. */
  garbage = parse_string ("X: \x01\xff\n\n\x01\x02\xff not mail at all", -1);
  preview = pf_mime_message_dup_preview (garbage);
  g_assert_true (g_utf8_validate (preview, -1, NULL));
  g_assert_true (g_str_has_suffix (preview, "not mail at all"));
}

/* Pathological input, within limits and against the clock */

static void
assert_fast (PfMimeMessage **out,
             GString        *data,
             const char     *what)
{
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;
  g_autofree char *search = NULL;
  g_autofree char *preview = NULL;
  GPtrArray *parts;
  guint i;

  *out = parse_string (data->str, data->len);
  search = pf_mime_message_dup_search_text (*out);
  preview = pf_mime_message_dup_preview (*out);
  parts = pf_mime_message_get_parts (*out);
  for (i = 0; i < parts->len; i++)
    {
      PfMimePart *part = g_ptr_array_index (parts, i);
      g_autoptr(GBytes) content = pf_mime_message_dup_part_content (*out, part->id, NULL);

      g_assert_nonnull (content);
      g_assert_true (part->text == NULL || g_utf8_validate (part->text, -1, NULL));
    }
  elapsed = g_get_monotonic_time () - start;

  g_assert_true (g_utf8_validate (search, -1, NULL));
  g_assert_cmpuint (strlen (search), <=, PF_MIME_SEARCH_TEXT_MAX);
  g_assert_cmpuint (parts->len, <=, PF_MIME_MAX_PARTS);
  g_test_message ("%s: %" G_GSIZE_FORMAT " bytes, %u parts, %" G_GINT64_FORMAT " ms", what,
                  data->len, parts->len, elapsed / 1000);
  /* "Well under a second" on any machine that runs the tests; valgrind
   * is fifty times slower and only checks memory. */
  if (!RUNNING_ON_VALGRIND)
    g_assert_cmpint (elapsed, <, G_USEC_PER_SEC);
}

static guint
max_depth (PfMimePart *part)
{
  guint depth = 0;
  guint i;

  for (i = 0; i < part->children->len; i++)
    depth = MAX (depth, max_depth (g_ptr_array_index (part->children, i)));
  return depth + 1;
}

static void
test_pathological_deep_multipart (void)
{
  g_autoptr(GString) data = g_string_new ("Subject: deep\r\nMIME-Version: 1.0\r\n");
  g_autoptr(PfMimeMessage) message = NULL;
  guint i;

  for (i = 0; data->len < 1000 * 1000; i++)
    g_string_append_printf (data, "Content-Type: multipart/mixed; boundary=\"b%u\"\r\n\r\n"
                                  "--b%u\r\n", i, i);
  g_string_append (data, "Content-Type: text/plain\r\n\r\nbottom\r\n");

  assert_fast (&message, data, "deep multipart");
  g_assert_true (pf_mime_message_get_flags (message) & PF_MIME_MESSAGE_FLAG_TOO_DEEP);
  g_assert_cmpuint (max_depth (pf_mime_message_get_root (message)), <=, PF_MIME_MAX_DEPTH + 1);
}

static void
test_pathological_deep_rfc822 (void)
{
  g_autoptr(GString) data = g_string_new (NULL);
  g_autoptr(PfMimeMessage) message = NULL;
  guint i;

  for (i = 0; data->len < 1000 * 1000; i++)
    g_string_append_printf (data, "Subject: level %u\r\nContent-Type: message/rfc822\r\n\r\n", i);
  g_string_append (data, "Subject: bottom\r\n\r\nbottom\r\n");

  assert_fast (&message, data, "deep message/rfc822");
  g_assert_true (pf_mime_message_get_flags (message) & PF_MIME_MESSAGE_FLAG_TOO_DEEP);
  g_assert_cmpstr (pf_mime_message_get_headers (message)->subject, ==, "level 0");
  g_assert_cmpuint (max_depth (pf_mime_message_get_root (message)), <=, PF_MIME_MAX_DEPTH + 1);
}

static void
test_pathological_many_parts (void)
{
  g_autoptr(GString) data = g_string_new ("Subject: many\r\nMIME-Version: 1.0\r\n"
                                          "Content-Type: multipart/mixed; boundary=x\r\n\r\n");
  g_autoptr(PfMimeMessage) message = NULL;
  guint i;

  for (i = 0; data->len < 1000 * 1000; i++)
    g_string_append_printf (data, "--x\r\nContent-Type: text/%s\r\n\r\n<b>part</b> %u\r\n",
                            i % 2 ? "plain" : "html", i);
  g_string_append (data, "--x--\r\n");

  assert_fast (&message, data, "many parts");
  g_assert_true (pf_mime_message_get_flags (message) & PF_MIME_MESSAGE_FLAG_TOO_MANY_PARTS);
  g_assert_cmpuint (pf_mime_message_get_parts (message)->len, ==, PF_MIME_MAX_PARTS);
  get_part (message, "998", PF_MIME_PART_KIND_TEXT);
  get_part (message, "999", PF_MIME_PART_KIND_HTML);
  g_assert_null (pf_mime_message_get_part (message, "1000"));
}

static void
test_pathological_long_headers (void)
{
  g_autoptr(GString) data = g_string_new ("Subject: ");
  g_autoptr(PfMimeMessage) message = NULL;
  const PfMimeHeaders *headers;
  guint i;

  for (i = 0; i < 30000; i++)
    g_string_append (data, "=?utf-8?q?=C3=A4?= ");
  g_string_append (data, "\r\nTo: ");
  for (i = 0; i < 10000; i++)
    g_string_append_printf (data, "%s\"N\xc3\xa4me %u\" <a%u@example.org>", i > 0 ? "," : "", i, i);
  g_string_append (data, "\r\nReferences:");
  for (i = 0; i < 5000; i++)
    g_string_append_printf (data, " <r%u@x>", i);
  g_string_append (data, "\r\nX-Long: ");
  for (i = 0; i < 200000; i++)
    g_string_append_c (data, 'a' + i % 26);
  g_string_append (data, "\r\n\r\nbody\r\n");

  assert_fast (&message, data, "long headers");
  headers = pf_mime_message_get_headers (message);
  g_assert_cmpuint (g_utf8_strlen (headers->subject, -1), ==, 30000);
  g_assert_cmpuint (headers->to->len, ==, 10000);
  assert_address (headers->to, 9999, "Näme 9999", "a9999@example.org");
  g_assert_cmpuint (g_strv_length (headers->references), ==, 1000);
  g_assert_cmpstr (headers->references[0], ==, "r0@x");
  g_assert_cmpstr (headers->references[999], ==, "r4999@x");
}

static void
test_pathological_unterminated (void)
{
  g_autoptr(GString) data = g_string_new ("Subject: open\r\nMIME-Version: 1.0\r\n");
  g_autoptr(PfMimeMessage) message = NULL;
  guint i;

  /* Boundaries that are opened and never closed, with lines that almost
   * look like boundaries, and long lines without line ends. */
  for (i = 0; i < 40; i++)
    g_string_append_printf (data, "Content-Type: multipart/mixed; boundary=\"%u\"\r\n\r\n"
                                  "--%u\r\n", i, i);
  g_string_append (data, "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n");
  for (i = 0; data->len < 500 * 1000; i++)
    g_string_append_printf (data, "--%u-\r\n--%ux\r\n", i % 40, i % 40);
  for (i = 0; data->len < 1000 * 1000; i++)
    g_string_append (data, "QUJD=\x80\xff<");

  assert_fast (&message, data, "unterminated boundaries");
  g_assert_cmpstr (pf_mime_message_get_headers (message)->subject, ==, "open");
}

static void
test_pathological_search_cap (void)
{
  g_autoptr(GString) data = g_string_new ("Content-Type: text/plain; charset=utf-8\r\n\r\n");
  g_autoptr(PfMimeMessage) message = NULL;
  g_autofree char *search = NULL;
  g_autofree char *preview = NULL;

  while (data->len < 300 * 1000)
    g_string_append (data, "äöü ");

  assert_fast (&message, data, "long text");
  search = pf_mime_message_dup_search_text (message);
  g_assert_cmpuint (strlen (search), <=, PF_MIME_SEARCH_TEXT_MAX);
  g_assert_cmpuint (strlen (search), >, PF_MIME_SEARCH_TEXT_MAX - 4);
  g_assert_true (g_utf8_validate (search, -1, NULL));
  preview = pf_mime_message_dup_preview (message);
  g_assert_cmpuint (g_utf8_strlen (preview, -1), <=, PF_MIME_PREVIEW_LENGTH);
  g_assert_cmpuint (g_utf8_strlen (preview, -1), >=, PF_MIME_PREVIEW_LENGTH - 4);
  g_assert_true (g_str_has_prefix (preview, "äöü äöü"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mime/message/rfc2047/charsets", test_rfc2047_charsets);
  g_test_add_func ("/mime/message/rfc2047/broken", test_rfc2047_broken);
  g_test_add_func ("/mime/message/8bit-headers", test_8bit_headers);
  g_test_add_func ("/mime/message/references", test_references);
  g_test_add_func ("/mime/message/references/capped", test_reply_references_capped);
  g_test_add_func ("/mime/message/header-block", test_header_block);
  g_test_add_func ("/mime/message/rfc2231-filenames", test_rfc2231_filenames);
  g_test_add_func ("/mime/message/flowed", test_flowed);
  g_test_add_func ("/mime/message/html-only", test_html_only);
  g_test_add_func ("/mime/message/alternative", test_alternative);
  g_test_add_func ("/mime/message/mixed-attachments", test_mixed_attachments);
  g_test_add_func ("/mime/message/nested-rfc822", test_nested_rfc822);
  g_test_add_func ("/mime/message/invalid-charset", test_invalid_charset);
  g_test_add_func ("/mime/message/no-such-part", test_no_such_part);
  g_test_add_func ("/mime/message/write-part", test_write_part);
  g_test_add_func ("/mime/message/async", test_async);
  g_test_add_func ("/mime/message/async/cancelled", test_async_cancelled);
  g_test_add_func ("/mime/message/empty", test_empty);
  g_test_add_func ("/mime/message/pathological/deep-multipart", test_pathological_deep_multipart);
  g_test_add_func ("/mime/message/pathological/deep-rfc822", test_pathological_deep_rfc822);
  g_test_add_func ("/mime/message/pathological/many-parts", test_pathological_many_parts);
  g_test_add_func ("/mime/message/pathological/long-headers", test_pathological_long_headers);
  g_test_add_func ("/mime/message/pathological/unterminated", test_pathological_unterminated);
  g_test_add_func ("/mime/message/pathological/search-cap", test_pathological_search_cap);

  return g_test_run ();
}
