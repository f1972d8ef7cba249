/* fuzz-mime-parse.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-fuzz"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "mime/pf-mime-headers.h"
#include "mime/pf-mime-message.h"
#include "mime/pf-mime-outgoing.h"
#include "mime/pf-mime-text.h"

/*
 * libFuzzer target for the MIME layer.
 *
 * The input is a raw message. It is parsed; every part is walked (ids
 * unique and found again, the tree within the limits, texts valid UTF-8),
 * decoded, and HTML parts are turned into text; preview, search text and
 * attachment list are made. The same bytes also go through the header
 * block parser, the single-header decoders, the charset converter, the
 * format=flowed decoder and the HTML converter directly, and through the
 * preparation of a file for the outbox (its result parses again, has no
 * Bcc field and names each envelope recipient once).
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
check_headers (const PfMimeHeaders *headers)
{
  GPtrArray *lists[] = { headers->from, headers->to, headers->cc, headers->reply_to };
  guint i;
  guint j;

  g_assert (headers->subject == NULL || g_utf8_validate (headers->subject, -1, NULL));
  g_assert (headers->message_id == NULL || g_utf8_validate (headers->message_id, -1, NULL));
  g_assert (headers->in_reply_to == NULL || g_utf8_validate (headers->in_reply_to, -1, NULL));
  g_assert (headers->references != NULL);
  for (i = 0; headers->references[i] != NULL; i++)
    g_assert (g_utf8_validate (headers->references[i], -1, NULL));

  for (i = 0; i < G_N_ELEMENTS (lists); i++)
    for (j = 0; j < lists[i]->len; j++)
      {
        PfMimeAddress *address = g_ptr_array_index (lists[i], j);
        g_autofree char *display = pf_mime_address_to_display (address);

        g_assert (address->address != NULL);
        g_assert (g_utf8_validate (address->address, -1, NULL));
        g_assert (address->name == NULL || g_utf8_validate (address->name, -1, NULL));
        g_assert (g_utf8_validate (display, -1, NULL));
      }
}

static guint
check_part (PfMimeMessage *message,
            PfMimePart    *part,
            guint          depth)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) content = NULL;
  guint n = 1;
  guint i;

  g_assert (depth <= PF_MIME_MAX_DEPTH + 2);
  g_assert (pf_mime_message_get_part (message, part->id) == part);
  g_assert (part->content_type != NULL && g_utf8_validate (part->content_type, -1, NULL));
  g_assert (part->filename == NULL || g_utf8_validate (part->filename, -1, NULL));
  g_assert (part->filename == NULL || strchr (part->filename, '/') == NULL);
  g_assert (part->content_id == NULL || g_utf8_validate (part->content_id, -1, NULL));
  g_assert (part->charset == NULL || g_utf8_validate (part->charset, -1, NULL));
  g_assert ((part->text != NULL) == (part->kind == PF_MIME_PART_KIND_TEXT ||
                                     part->kind == PF_MIME_PART_KIND_HTML));
  g_assert (part->text == NULL || g_utf8_validate (part->text, -1, NULL));
  g_assert ((part->headers != NULL) == (part->kind == PF_MIME_PART_KIND_MESSAGE));
  if (part->headers != NULL)
    check_headers (part->headers);
  if (part->kind != PF_MIME_PART_KIND_MULTIPART && part->kind != PF_MIME_PART_KIND_MESSAGE)
    g_assert (part->children->len == 0);

  content = pf_mime_message_dup_part_content (message, part->id, &error);
  g_assert_no_error (error);
  g_assert (content != NULL);
  if (part->kind == PF_MIME_PART_KIND_TEXT || part->kind == PF_MIME_PART_KIND_HTML ||
      (part->kind == PF_MIME_PART_KIND_ATTACHMENT && !part->opaque))
    g_assert (g_bytes_get_size (content) == part->size);

  if (part->kind == PF_MIME_PART_KIND_HTML)
    {
      g_autofree char *text = pf_mime_html_to_text (part->text, -1);

      g_assert (g_utf8_validate (text, -1, NULL));
    }

  for (i = 0; i < part->children->len; i++)
    {
      PfMimePart *child = g_ptr_array_index (part->children, i);

      g_assert (child->parent == part);
      n += check_part (message, child, depth + 1);
    }
  return n;
}

static void
check_message (PfMimeMessage *message)
{
  g_autoptr(GPtrArray) body = NULL;
  g_autoptr(GPtrArray) html_body = NULL;
  g_autoptr(GPtrArray) attachments = NULL;
  g_autofree char *preview = NULL;
  g_autofree char *search = NULL;
  GPtrArray *parts = pf_mime_message_get_parts (message);
  PfMimePart *root = pf_mime_message_get_root (message);
  guint i;

  check_headers (pf_mime_message_get_headers (message));
  g_assert (parts->len <= PF_MIME_MAX_PARTS);
  if (root != NULL)
    g_assert (check_part (message, root, 0) == parts->len);
  else
    g_assert (parts->len == 0);

  body = pf_mime_message_dup_body_parts (message, FALSE);
  html_body = pf_mime_message_dup_body_parts (message, TRUE);
  for (i = 0; i < body->len; i++)
    g_assert (((PfMimePart *) body->pdata[i])->text != NULL);
  attachments = pf_mime_message_dup_attachments (message);
  g_assert ((attachments->len > 0) == pf_mime_message_has_attachments (message));

  preview = pf_mime_message_dup_preview (message);
  g_assert (g_utf8_validate (preview, -1, NULL));
  g_assert (g_utf8_strlen (preview, -1) <= PF_MIME_PREVIEW_LENGTH);
  search = pf_mime_message_dup_search_text (message);
  g_assert (g_utf8_validate (search, -1, NULL));
  g_assert (strlen (search) <= PF_MIME_SEARCH_TEXT_MAX);
}

static void
check_outgoing (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfMimeOutgoing) outgoing = pf_mime_outgoing_prepare (bytes, "Jürgen",
                                                                 "juergen@example.org", &error);
  g_autoptr(PfMimeHeaders) headers = NULL;
  gsize length;
  const char *data;

  if (outgoing == NULL)
    {
      g_assert (error != NULL && g_utf8_validate (error->message, -1, NULL));
      return;
    }
  g_assert (outgoing->message_id != NULL && *outgoing->message_id != '\0');
  g_assert (outgoing->recipients != NULL && outgoing->recipients[0] != NULL);
  for (guint i = 0; outgoing->recipients[i] != NULL; i++)
    {
      g_assert (g_utf8_validate (outgoing->recipients[i], -1, NULL));
      for (guint k = 0; k < i; k++)
        g_assert (g_ascii_strcasecmp (outgoing->recipients[i], outgoing->recipients[k]) != 0);
    }

  /* What goes out has no Bcc field in its header. */
  data = g_bytes_get_data (outgoing->data, &length);
  for (gsize i = 0; i < length; )
    {
      const char *end = memchr (data + i, '\n', length - i);
      gsize line = end != NULL ? (gsize) (end - (data + i)) + 1 : length - i;

      if (line <= 2 && (data[i] == '\r' || data[i] == '\n'))
        break;
      g_assert (!(line >= 4 && g_ascii_strncasecmp (data + i, "Bcc:", 4) == 0));
      i += line;
    }
  headers = pf_mime_outgoing_parse_headers (outgoing->data);
  g_assert (headers != NULL);
  check_headers (headers);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfMimeMessage) message = NULL;
  g_autoptr(PfMimeHeaders) headers = NULL;
  g_autofree char *nul_terminated = g_strndup ((const char *) data, size);
  g_autofree char *converted = NULL;
  g_autofree char *flowed = NULL;
  g_autofree char *html = NULL;
  g_autofree char *decoded = NULL;
  g_autofree char *addresses = NULL;

  message = pf_mime_message_parse_bytes (bytes, &error);
  if (message != NULL)
    check_message (message);
  else
    g_assert (error != NULL && g_utf8_validate (error->message, -1, NULL));

  headers = pf_mime_headers_parse ((const char *) data, size);
  check_headers (headers);

  converted = pf_mime_convert_to_utf8 ((const char *) data, size,
                                       size > 0 && data[0] & 1 ? "Shift_JIS" : NULL);
  g_assert (g_utf8_validate (converted, -1, NULL));
  flowed = pf_mime_decode_flowed (converted, size > 0 && data[0] & 2);
  g_assert (g_utf8_validate (flowed, -1, NULL));
  html = pf_mime_html_to_text ((const char *) data, size);
  g_assert (g_utf8_validate (html, -1, NULL));

  decoded = pf_mime_decode_header_text (nul_terminated);
  g_assert (g_utf8_validate (decoded, -1, NULL));
  addresses = pf_mime_decode_address_list (nul_terminated);
  g_assert (g_utf8_validate (addresses, -1, NULL));

  check_outgoing (bytes);

  return 0;
}
