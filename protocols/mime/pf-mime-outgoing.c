/* pf-mime-outgoing.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-mime"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "pf-mime-error.h"
#include "pf-mime-outgoing.h"
#include "pf-mime-private.h"

/*
 * A message written elsewhere (a file, another program) made ready for
 * the outbox. The bytes are kept as they are, with two exceptions: line
 * ends become CRLF (RFC 5322 §2.1, as IMAP APPEND wants them), and the Bcc
 * field is dropped, because what is sent and what is kept in Sent must
 * not show the blind copies (RFC 5322 §3.6.3 allows either; mail clients
 * remove it). Missing From, Date and Message-ID fields are added: a Sent
 * copy is found again by its Message-ID.
 */

/* The length of the field name at @line, or 0 if @line does not start a
 * header field (RFC 5322 §2.2: printable US-ASCII but ":", then ":"). */
static gsize
field_name_length (const char *line,
                   gsize       length)
{
  gsize i;

  for (i = 0; i < length; i++)
    {
      guchar c = line[i];

      if (c == ':')
        return i;
      if (c < 33 || c > 126)
        return 0;
    }
  return 0;
}

static gboolean
is_field (const char *line,
          gsize       name_length,
          const char *name)
{
  return name_length == strlen (name) && g_ascii_strncasecmp (line, name, name_length) == 0;
}

/* Appends @line (without its line end) and CRLF. */
static void
append_line (GString    *out,
             const char *line,
             gsize       length)
{
  g_string_append_len (out, line, length);
  g_string_append (out, "\r\n");
}

/* The unfolded value of the field that starts at @field (its lines
 * joined, without line ends). */
static char *
unfold_value (const char *field,
              gsize       length,
              gsize       name_length)
{
  GString *value = g_string_sized_new (length);
  gsize i;

  for (i = name_length + 1; i < length; i++)
    if (field[i] != '\r' && field[i] != '\n')
      g_string_append_c (value, field[i]);
  return g_string_free (value, FALSE);
}

static void
collect_addresses (GPtrArray  *out,
                   GHashTable *seen,
                   const char *raw)
{
  g_autoptr(GPtrArray) addresses = pf_mime_address_list_parse (raw);

  _pf_mime_add_unique_addresses (out, seen, addresses);
}

/* The end of the header block: the offset of the empty line that ends it
 * (or of the end of @data without one). */
static gsize
header_block_length (const char *data,
                     gsize       length)
{
  gsize start = 0;

  while (start < length)
    {
      const char *nl = memchr (data + start, '\n', length - start);
      gsize end = nl != NULL ? (gsize) (nl - data) : length;

      if (end == start || (end == start + 1 && data[start] == '\r'))
        return start;
      start = end + 1;
    }
  return length;
}

/**
 * pf_mime_outgoing_prepare:
 * @message: a whole message (RFC 5322), line ends LF or CRLF
 * @from_name: (nullable): the sender's name, for a missing From field
 * @from_address: the sender's address: for a missing From field and the
 *   domain of a new Message-ID
 * @error: return location for an error
 *
 * Makes a message ready for the outbox: CRLF line ends, the Bcc field
 * removed (its addresses are kept as recipients), and From, Date and
 * Message-ID added where missing. A leading mbox "From " line is dropped.
 * Everything else stays byte for byte. Any thread.
 *
 * Returns: (transfer full): the prepared message, or %NULL with @error
 *   set: %PF_MIME_ERROR_INVALID_MESSAGE if @message does not start with a
 *   header field, %PF_MIME_ERROR_NO_RECIPIENTS if To, Cc and Bcc name no
 *   address
 */
PfMimeOutgoing *
pf_mime_outgoing_prepare (GBytes      *message,
                          const char  *from_name,
                          const char  *from_address,
                          GError     **error)
{
  g_autoptr(PfMimeOutgoing) outgoing = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GPtrArray) to = NULL;
  g_autoptr(GPtrArray) bcc = NULL;
  g_autofree char *message_id = NULL;
  g_autoptr(GByteArray) result = NULL;
  GString *out;
  const char *data;
  gsize length;
  gsize header_end;
  gsize pos = 0;
  gboolean has_from = FALSE;
  gboolean has_date = FALSE;

  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (from_address != NULL, NULL);

  data = g_bytes_get_data (message, &length);
  if (data == NULL)
    data = "";   /* empty GBytes have no data pointer */
  if (length >= 5 && strncmp (data, "From ", 5) == 0)
    {
      const char *nl = memchr (data, '\n', length);

      pos = nl != NULL ? (gsize) (nl - data) + 1 : length;
    }
  header_end = header_block_length (data + pos, length - pos) + pos;
  if (pos >= header_end || field_name_length (data + pos, header_end - pos) == 0)
    {
      g_set_error_literal (error, PF_MIME_ERROR, PF_MIME_ERROR_INVALID_MESSAGE,
                           _("The file is not an email message: it does not start with "
                             "header fields such as “From:” or “To:”."));
      return NULL;
    }

  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  to = g_ptr_array_new_with_free_func (g_free);
  bcc = g_ptr_array_new_with_free_func (g_free);
  out = g_string_sized_new (length + length / 40 + 256);

  /* Header fields, each with its continuation lines */
  while (pos < header_end)
    {
      gsize start = pos;
      gsize name_length = field_name_length (data + pos, header_end - pos);
      g_autofree char *value = NULL;
      gboolean keep = TRUE;

      do
        {
          const char *nl = memchr (data + pos, '\n', header_end - pos);
          gsize end = nl != NULL ? (gsize) (nl - data) : header_end;

          pos = end + 1;
        }
      while (pos < header_end && (data[pos] == ' ' || data[pos] == '\t'));
      pos = MIN (pos, header_end);

      if (name_length > 0)
        value = unfold_value (data + start, pos - start, name_length);
      if (name_length == 0)
        keep = TRUE;  /* not a field: kept, as GMime keeps it */
      else if (is_field (data + start, name_length, "To") ||
               is_field (data + start, name_length, "Cc"))
        collect_addresses (to, seen, value);
      else if (is_field (data + start, name_length, "Bcc"))
        {
          collect_addresses (bcc, seen, value);
          keep = FALSE;
        }
      else if (is_field (data + start, name_length, "From"))
        has_from = TRUE;
      else if (is_field (data + start, name_length, "Date"))
        has_date = TRUE;
      else if (is_field (data + start, name_length, "Message-ID") && message_id != NULL)
        keep = FALSE;   /* one Message-ID: the first usable one */
      else if (is_field (data + start, name_length, "Message-ID"))
        {
          g_autofree char *id = g_strstrip (g_strdup (value));
          gsize id_length = strlen (id);

          if (id_length > 2 && id[0] == '<' && id[id_length - 1] == '>')
            message_id = g_strndup (id + 1, id_length - 2);
          else if (id_length > 0 && strpbrk (id, " \t<>") == NULL)
            message_id = g_steal_pointer (&id);
          /* An unusable value is replaced below. */
          keep = message_id != NULL;
        }

      if (keep)
        {
          /* Each physical line, with CRLF */
          gsize line = start;

          while (line < pos)
            {
              const char *nl = memchr (data + line, '\n', pos - line);
              gsize end = nl != NULL ? (gsize) (nl - data) : pos;
              gsize text_end = end;

              if (text_end > line && data[text_end - 1] == '\r')
                text_end--;
              append_line (out, data + line, text_end - line);
              line = end + 1;
            }
        }
    }

  if (to->len == 0 && bcc->len == 0)
    {
      g_string_free (out, TRUE);
      g_set_error_literal (error, PF_MIME_ERROR, PF_MIME_ERROR_NO_RECIPIENTS,
                           _("The message has no recipients: it has no address in To, "
                             "Cc or Bcc."));
      return NULL;
    }

  if (!has_from)
    {
      g_autoptr(GMimeFormatOptions) format = _pf_mime_format_options_new ();
      InternetAddress *sender = internet_address_mailbox_new (from_name, from_address);
      g_autofree char *text = NULL;

      internet_address_set_charset (sender, "utf-8");
      text = internet_address_to_string (sender, format, TRUE);
      g_string_append_printf (out, "From: %s\r\n", text);
      g_object_unref (sender);
    }
  if (!has_date)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *text = g_mime_utils_header_format_date (now);

      g_string_append_printf (out, "Date: %s\r\n", text);
    }
  if (message_id == NULL)
    {
      message_id = _pf_mime_generate_message_id (from_address);
      g_string_append_printf (out, "Message-ID: <%s>\r\n", message_id);
    }
  g_string_append (out, "\r\n");

  /* The body, after the empty line, with CRLF line ends */
  pos = header_end;
  if (pos < length)
    {
      const char *nl = memchr (data + pos, '\n', length - pos);

      pos = nl != NULL ? (gsize) (nl - data) + 1 : length;
    }
  while (pos < length)
    {
      const char *nl = memchr (data + pos, '\n', length - pos);
      gsize end = nl != NULL ? (gsize) (nl - data) : length;
      gsize text_end = end;

      if (text_end > pos && data[text_end - 1] == '\r')
        text_end--;
      append_line (out, data + pos, text_end - pos);
      pos = end + 1;
    }

  outgoing = g_new0 (PfMimeOutgoing, 1);
  for (guint i = 0; i < bcc->len; i++)
    g_ptr_array_add (to, g_strdup (g_ptr_array_index (bcc, i)));
  g_ptr_array_add (to, NULL);
  outgoing->recipients = (char **) g_ptr_array_steal (to, NULL);
  outgoing->message_id = g_steal_pointer (&message_id);
  outgoing->data = g_string_free_to_bytes (out);
  return g_steal_pointer (&outgoing);
}

/**
 * pf_mime_outgoing_free:
 * @outgoing: (nullable): a #PfMimeOutgoing
 *
 * Frees @outgoing.
 */
void
pf_mime_outgoing_free (PfMimeOutgoing *outgoing)
{
  if (outgoing == NULL)
    return;
  g_clear_pointer (&outgoing->data, g_bytes_unref);
  g_strfreev (outgoing->recipients);
  g_free (outgoing->message_id);
  g_free (outgoing);
}

/**
 * pf_mime_outgoing_parse_headers:
 * @message: a whole message
 *
 * Decodes the header fields of @message (see pf_mime_headers_parse())
 * without reading its body, e.g. to find the Message-ID and Subject of a
 * message in the outbox. Any thread.
 *
 * Returns: (transfer full): the decoded header fields
 */
PfMimeHeaders *
pf_mime_outgoing_parse_headers (GBytes *message)
{
  const char *data;
  gsize length;

  g_return_val_if_fail (message != NULL, NULL);

  data = g_bytes_get_data (message, &length);
  if (data == NULL)
    data = "";
  return pf_mime_headers_parse (data, header_block_length (data, length));
}
