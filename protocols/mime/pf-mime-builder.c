/* pf-mime-builder.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-mime"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "pf-mime-builder.h"
#include "pf-mime-error.h"
#include "pf-mime-private.h"
#include "pf-mime-text.h"

/*
 * Builds outgoing mail with GMime:
 *
 *   multipart/mixed                      (only with attachments)
 *     multipart/alternative              (only with HTML)
 *       text/plain; charset=utf-8
 *       text/html; charset=utf-8
 *     attachment, base64, file name per RFC 2231
 *
 * The result has CRLF line ends, ready for SMTP DATA (after dot-stuffing)
 * and IMAP APPEND. Bcc recipients are only in the envelope list, never in
 * the headers.
 */

typedef struct
{
  GBytes *data;      /* NULL when @file is set */
  GFile  *file;
  char   *filename;  /* NULL: the file's name */
  char   *content_type;
} Attachment;

struct _PfMimeBuilder
{
  GObject     parent_instance;

  /* Owned */
  PfMimeAddress *from;
  GPtrArray  *to;          /* PfMimeAddress */
  GPtrArray  *cc;
  GPtrArray  *bcc;
  GPtrArray  *reply_to;
  char       *subject;
  char       *text;
  char       *html;
  GPtrArray  *attachments; /* Attachment */
  char       *in_reply_to;
  char      **references;
  GDateTime  *date;
  char       *message_id;
};

G_DEFINE_FINAL_TYPE (PfMimeBuilder, pf_mime_builder, G_TYPE_OBJECT)

static void
attachment_free (Attachment *attachment)
{
  g_clear_pointer (&attachment->data, g_bytes_unref);
  g_clear_object (&attachment->file);
  g_free (attachment->filename);
  g_free (attachment->content_type);
  g_free (attachment);
}

static void
pf_mime_builder_finalize (GObject *object)
{
  PfMimeBuilder *self = PF_MIME_BUILDER (object);

  g_clear_pointer (&self->from, pf_mime_address_free);
  g_clear_pointer (&self->to, g_ptr_array_unref);
  g_clear_pointer (&self->cc, g_ptr_array_unref);
  g_clear_pointer (&self->bcc, g_ptr_array_unref);
  g_clear_pointer (&self->reply_to, g_ptr_array_unref);
  g_clear_pointer (&self->subject, g_free);
  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->html, g_free);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_pointer (&self->in_reply_to, g_free);
  g_clear_pointer (&self->references, g_strfreev);
  g_clear_pointer (&self->date, g_date_time_unref);
  g_clear_pointer (&self->message_id, g_free);

  G_OBJECT_CLASS (pf_mime_builder_parent_class)->finalize (object);
}

static void
pf_mime_builder_class_init (PfMimeBuilderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_mime_builder_finalize;
}

static void
pf_mime_builder_init (PfMimeBuilder *self)
{
  self->to = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_mime_address_free);
  self->cc = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_mime_address_free);
  self->bcc = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_mime_address_free);
  self->reply_to = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_mime_address_free);
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) attachment_free);
}

/**
 * pf_mime_builder_new:
 *
 * Returns: (transfer full): an empty builder
 */
PfMimeBuilder *
pf_mime_builder_new (void)
{
  return g_object_new (PF_TYPE_MIME_BUILDER, NULL);
}

/* Header text on one line: a CR or LF in a name or subject must not
 * start a header of its own. */
static char *
one_line (const char *text)
{
  char *line;
  char *p;

  if (text == NULL)
    return NULL;
  line = _pf_mime_make_valid (text);
  for (p = line; *p != '\0'; p++)
    if (*p == '\r' || *p == '\n' || *p == '\t')
      *p = ' ';
  return line;
}

static PfMimeAddress *
address_new (const char *name,
             const char *address)
{
  PfMimeAddress *self = g_new0 (PfMimeAddress, 1);

  self->name = one_line (name);
  if (self->name != NULL && *g_strstrip (self->name) == '\0')
    g_clear_pointer (&self->name, g_free);
  self->address = _pf_mime_make_valid (address);
  g_strstrip (self->address);
  return self;
}

/**
 * pf_mime_builder_set_from:
 * @self: a #PfMimeBuilder
 * @name: (nullable): the sender's display name
 * @address: the sender's address; its domain also names the Message-ID
 *
 * Sets the identity the mail is sent as. Addresses are checked by
 * pf_mime_builder_build().
 */
void
pf_mime_builder_set_from (PfMimeBuilder *self,
                          const char    *name,
                          const char    *address)
{
  g_return_if_fail (PF_IS_MIME_BUILDER (self));
  g_return_if_fail (address != NULL);

  g_clear_pointer (&self->from, pf_mime_address_free);
  self->from = address_new (name, address);
}

/**
 * pf_mime_builder_add_to:
 * @self: a #PfMimeBuilder
 * @name: (nullable): the display name
 * @address: the address
 *
 * Adds a To recipient.
 */
void
pf_mime_builder_add_to (PfMimeBuilder *self,
                        const char    *name,
                        const char    *address)
{
  g_return_if_fail (PF_IS_MIME_BUILDER (self));
  g_return_if_fail (address != NULL);

  g_ptr_array_add (self->to, address_new (name, address));
}

/**
 * pf_mime_builder_add_cc:
 * @self: a #PfMimeBuilder
 * @name: (nullable): the display name
 * @address: the address
 *
 * Adds a Cc recipient.
 */
void
pf_mime_builder_add_cc (PfMimeBuilder *self,
                        const char    *name,
                        const char    *address)
{
  g_return_if_fail (PF_IS_MIME_BUILDER (self));
  g_return_if_fail (address != NULL);

  g_ptr_array_add (self->cc, address_new (name, address));
}

/**
 * pf_mime_builder_add_bcc:
 * @self: a #PfMimeBuilder
 * @name: (nullable): the display name (used nowhere, kept for symmetry)
 * @address: the address
 *
 * Adds a Bcc recipient: it is in pf_mime_builder_dup_envelope_recipients()
 * but in no header of the message.
 */
void
pf_mime_builder_add_bcc (PfMimeBuilder *self,
                         const char    *name,
                         const char    *address)
{
  g_return_if_fail (PF_IS_MIME_BUILDER (self));
  g_return_if_fail (address != NULL);

  g_ptr_array_add (self->bcc, address_new (name, address));
}

/**
 * pf_mime_builder_add_reply_to:
 * @self: a #PfMimeBuilder
 * @name: (nullable): the display name
 * @address: the address
 *
 * Adds a Reply-To address.
 */
void
pf_mime_builder_add_reply_to (PfMimeBuilder *self,
                              const char    *name,
                              const char    *address)
{
  g_return_if_fail (PF_IS_MIME_BUILDER (self));
  g_return_if_fail (address != NULL);

  g_ptr_array_add (self->reply_to, address_new (name, address));
}

/**
 * pf_mime_builder_set_subject:
 * @self: a #PfMimeBuilder
 * @subject: (nullable): the subject in UTF-8; line breaks become spaces,
 *   non-ASCII text is encoded per RFC 2047
 *
 * Sets the subject.
 */
void
pf_mime_builder_set_subject (PfMimeBuilder *self,
                             const char    *subject)
{
  g_return_if_fail (PF_IS_MIME_BUILDER (self));

  g_free (self->subject);
  self->subject = one_line (subject);
}

/**
 * pf_mime_builder_set_text:
 * @self: a #PfMimeBuilder
 * @text: (nullable): the body as plain text in UTF-8
 *
 * Sets the text body. It is sent as text/plain; charset=utf-8 in the
 * transfer encoding GMime finds best for a 7-bit path (7bit,
 * quoted-printable or base64).
 */
void
pf_mime_builder_set_text (PfMimeBuilder *self,
                          const char    *text)
{
  g_return_if_fail (PF_IS_MIME_BUILDER (self));

  g_free (self->text);
  self->text = _pf_mime_make_valid (text);
}

/**
 * pf_mime_builder_set_html:
 * @self: a #PfMimeBuilder
 * @html: (nullable): an HTML version of the body in UTF-8
 *
 * Adds an HTML alternative to the text body (multipart/alternative).
 * Without a text body, the text part is made from the HTML.
 */
void
pf_mime_builder_set_html (PfMimeBuilder *self,
                          const char    *html)
{
  g_return_if_fail (PF_IS_MIME_BUILDER (self));

  g_free (self->html);
  self->html = _pf_mime_make_valid (html);
}

/**
 * pf_mime_builder_add_attachment_bytes:
 * @self: a #PfMimeBuilder
 * @data: the content
 * @filename: the file name shown to the recipient (UTF-8)
 * @content_type: (nullable): the MIME type, e.g. "image/png"; %NULL
 *   guesses it from @filename and @data
 *
 * Attaches @data in base64. A non-ASCII @filename is encoded per RFC 2231.
 */
void
pf_mime_builder_add_attachment_bytes (PfMimeBuilder *self,
                                      GBytes        *data,
                                      const char    *filename,
                                      const char    *content_type)
{
  Attachment *attachment;

  g_return_if_fail (PF_IS_MIME_BUILDER (self));
  g_return_if_fail (data != NULL);
  g_return_if_fail (filename != NULL);

  attachment = g_new0 (Attachment, 1);
  attachment->data = g_bytes_ref (data);
  attachment->filename = one_line (filename);
  attachment->content_type = g_strdup (content_type);
  g_ptr_array_add (self->attachments, attachment);
}

/**
 * pf_mime_builder_add_attachment_file:
 * @self: a #PfMimeBuilder
 * @file: the file to attach; it is read when the message is built
 * @filename: (nullable): the file name shown to the recipient; %NULL
 *   takes the name of @file
 * @content_type: (nullable): the MIME type; %NULL guesses it
 *
 * Attaches a file in base64.
 */
void
pf_mime_builder_add_attachment_file (PfMimeBuilder *self,
                                     GFile         *file,
                                     const char    *filename,
                                     const char    *content_type)
{
  Attachment *attachment;

  g_return_if_fail (PF_IS_MIME_BUILDER (self));
  g_return_if_fail (G_IS_FILE (file));

  attachment = g_new0 (Attachment, 1);
  attachment->file = g_object_ref (file);
  attachment->filename = one_line (filename);
  attachment->content_type = g_strdup (content_type);
  g_ptr_array_add (self->attachments, attachment);
}

/* A message id without angle brackets or whitespace, or NULL. */
static char *
clean_message_id (const char *id)
{
  g_autofree char *copy = NULL;
  char *start;
  char *p;

  if (id == NULL)
    return NULL;

  copy = g_strstrip (g_strdup (id));
  start = copy;
  if (*start == '<')
    start++;
  if (*start != '\0' && start[strlen (start) - 1] == '>')
    start[strlen (start) - 1] = '\0';
  if (*start == '\0')
    return NULL;
  for (p = start; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
      return NULL;
  return _pf_mime_make_valid (start);
}

/**
 * pf_mime_builder_set_in_reply_to:
 * @self: a #PfMimeBuilder
 * @message_id: (nullable): the Message-ID of the message replied to, with
 *   or without angle brackets
 *
 * Sets In-Reply-To (RFC 5322 §3.6.4).
 */
void
pf_mime_builder_set_in_reply_to (PfMimeBuilder *self,
                                 const char    *message_id)
{
  g_return_if_fail (PF_IS_MIME_BUILDER (self));

  g_free (self->in_reply_to);
  self->in_reply_to = clean_message_id (message_id);
}

/**
 * pf_mime_builder_set_references:
 * @self: a #PfMimeBuilder
 * @message_ids: (nullable) (array zero-terminated=1): message ids, oldest
 *   first
 *
 * Sets References (RFC 5322 §3.6.4). Ids that are not valid are dropped.
 */
void
pf_mime_builder_set_references (PfMimeBuilder      *self,
                                const char * const *message_ids)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  guint i;

  g_return_if_fail (PF_IS_MIME_BUILDER (self));

  g_clear_pointer (&self->references, g_strfreev);
  if (message_ids == NULL)
    return;

  builder = g_strv_builder_new ();
  for (i = 0; message_ids[i] != NULL; i++)
    {
      g_autofree char *id = clean_message_id (message_ids[i]);

      if (id != NULL)
        g_strv_builder_add (builder, id);
    }
  self->references = g_strv_builder_end (builder);
}

/**
 * pf_mime_builder_set_reply_parent:
 * @self: a #PfMimeBuilder
 * @parent: the header fields of the message replied to
 *
 * Sets In-Reply-To to the parent's Message-ID and References as
 * pf_mime_headers_dup_reply_references() computes them.
 */
void
pf_mime_builder_set_reply_parent (PfMimeBuilder       *self,
                                  const PfMimeHeaders *parent)
{
  g_auto(GStrv) references = NULL;

  g_return_if_fail (PF_IS_MIME_BUILDER (self));
  g_return_if_fail (parent != NULL);

  references = pf_mime_headers_dup_reply_references (parent);
  pf_mime_builder_set_in_reply_to (self, parent->message_id);
  pf_mime_builder_set_references (self, (const char * const *) references);
}

/**
 * pf_mime_builder_set_date:
 * @self: a #PfMimeBuilder
 * @date: (nullable): the Date; %NULL means the time of the first build
 *
 * Sets the Date header.
 */
void
pf_mime_builder_set_date (PfMimeBuilder *self,
                          GDateTime     *date)
{
  g_return_if_fail (PF_IS_MIME_BUILDER (self));

  g_clear_pointer (&self->date, g_date_time_unref);
  if (date != NULL)
    self->date = g_date_time_ref (date);
}

/**
 * pf_mime_builder_set_message_id:
 * @self: a #PfMimeBuilder
 * @message_id: (nullable): the Message-ID, with or without angle brackets;
 *   %NULL generates one
 *
 * Sets the Message-ID, e.g. to build a message from the outbox again.
 */
void
pf_mime_builder_set_message_id (PfMimeBuilder *self,
                                const char    *message_id)
{
  g_return_if_fail (PF_IS_MIME_BUILDER (self));

  g_free (self->message_id);
  self->message_id = clean_message_id (message_id);
}

static const char *
address_domain (const char *address)
{
  const char *at = address != NULL ? strrchr (address, '@') : NULL;

  return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

/* A new Message-ID without angle brackets: a random part "@" the domain of
 * @sender (nullable). Shared with pf-mime-outgoing.c. */
char *
_pf_mime_generate_message_id (const char *sender)
{
  const char *domain = address_domain (sender);
  g_autofree char *ascii = domain != NULL ? g_hostname_to_ascii (domain) : NULL;

  _pf_mime_init ();
  /* A domain that cannot be a host name gives an id that is still
   * unique and says where it came from. */
  if (ascii == NULL || *ascii == '\0' || strpbrk (ascii, " \t\r\n<>()[]\\\"@") != NULL)
    {
      g_free (ascii);
      ascii = g_strdup ("postfach.invalid");
    }
  return g_mime_utils_generate_message_id (ascii);
}

/**
 * pf_mime_builder_get_message_id:
 * @self: a #PfMimeBuilder
 *
 * The Message-ID the message gets, without angle brackets. Unless one was
 * set, it is generated on the first call (or build) as a random part
 * "@" the sender's domain, and then stays the same.
 *
 * Returns: (transfer none): the Message-ID
 */
const char *
pf_mime_builder_get_message_id (PfMimeBuilder *self)
{
  g_return_val_if_fail (PF_IS_MIME_BUILDER (self), NULL);

  if (self->message_id == NULL)
    self->message_id = _pf_mime_generate_message_id (self->from != NULL ? self->from->address
                                                                        : NULL);
  return self->message_id;
}

/* Appends the addresses of @addresses (of PfMimeAddress) to @out (of
 * char *) that @seen (case-folded keys) does not hold yet. Shared with
 * pf-mime-outgoing.c. */
void
_pf_mime_add_unique_addresses (GPtrArray  *out,
                               GHashTable *seen,
                               GPtrArray  *addresses)
{
  guint i;

  for (i = 0; i < addresses->len; i++)
    {
      PfMimeAddress *address = g_ptr_array_index (addresses, i);
      char *key = g_utf8_casefold (address->address, -1);

      if (g_hash_table_add (seen, key))
        g_ptr_array_add (out, g_strdup (address->address));
    }
}

/**
 * pf_mime_builder_dup_envelope_recipients:
 * @self: a #PfMimeBuilder
 *
 * The addresses for SMTP RCPT TO: To, Cc and Bcc in that order, each once
 * (compared case-insensitively).
 *
 * Returns: (transfer full) (array zero-terminated=1): the addresses
 */
char **
pf_mime_builder_dup_envelope_recipients (PfMimeBuilder *self)
{
  g_autoptr(GHashTable) seen = NULL;
  GPtrArray *out;

  g_return_val_if_fail (PF_IS_MIME_BUILDER (self), NULL);

  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  out = g_ptr_array_new ();
  _pf_mime_add_unique_addresses (out, seen, self->to);
  _pf_mime_add_unique_addresses (out, seen, self->cc);
  _pf_mime_add_unique_addresses (out, seen, self->bcc);
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* RFC 5321 §4.1.2 Mailbox, loosely: local@domain without whitespace,
 * controls or characters that would end the address in a header. UTF-8
 * is allowed (RFC 6531). */
static gboolean
check_address (const PfMimeAddress  *address,
               GError              **error)
{
  const char *at = strrchr (address->address, '@');
  const char *p;
  gboolean valid = at != NULL && at != address->address && at[1] != '\0' &&
                   strlen (address->address) <= 254;

  for (p = address->address; valid && *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || *p == 0x7f || strchr ("<>(),;:\\\"[]", *p) != NULL)
      valid = FALSE;

  if (!valid)
    {
      g_set_error (error, PF_MIME_ERROR, PF_MIME_ERROR_INVALID_ADDRESS,
                   _("“%s” is not a valid email address."), address->address);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_addresses (GPtrArray  *addresses,
                 GError    **error)
{
  guint i;

  for (i = 0; i < addresses->len; i++)
    if (!check_address (g_ptr_array_index (addresses, i), error))
      return FALSE;
  return TRUE;
}

static void
add_mailbox (InternetAddressList *list,
             PfMimeAddress       *address)
{
  InternetAddress *ia = internet_address_mailbox_new (address->name, address->address);

  internet_address_set_charset (ia, "utf-8");
  internet_address_list_add (list, ia);
  g_object_unref (ia);
}

static void
add_mailboxes (InternetAddressList *list,
               GPtrArray           *addresses)
{
  guint i;

  for (i = 0; i < addresses->len; i++)
    add_mailbox (list, g_ptr_array_index (addresses, i));
}

/* Text for a text part: "\n" line ends (the writer makes them CRLF). */
static GMimePart *
new_text_part (const char *subtype,
               const char *text)
{
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeDataWrapper) content = NULL;
  GString *normalized = g_string_sized_new (strlen (text) + 1);
  GMimePart *part;
  const char *p;

  for (p = text; *p != '\0'; p++)
    if (!(*p == '\r' && p[1] == '\n'))
      g_string_append_c (normalized, *p == '\r' ? '\n' : *p);

  stream = g_mime_stream_mem_new_with_buffer (normalized->str, normalized->len);
  g_string_free (normalized, TRUE);
  content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);

  part = GMIME_PART (g_mime_text_part_new_with_subtype (subtype));
  g_mime_part_set_content (part, content);
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "charset", "utf-8");
  g_mime_part_set_content_encoding (part,
                                    g_mime_part_get_best_content_encoding (
                                      part, GMIME_ENCODING_CONSTRAINT_7BIT));
  return part;
}

static GMimePart *
new_attachment_part (Attachment    *attachment,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_autoptr(GMimeParserOptions) options = _pf_mime_parser_options_new ();
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeDataWrapper) content = NULL;
  g_autoptr(GMimeContentType) content_type = NULL;
  g_autofree char *filename = NULL;
  g_autofree char *mime_type = NULL;
  GMimePart *part;
  gconstpointer bytes;
  gsize length;

  if (attachment->file != NULL)
    {
      g_autoptr(GError) local_error = NULL;
      char *contents = NULL;

      if (attachment->filename != NULL)
        filename = g_strdup (attachment->filename);
      else
        {
          g_autofree char *basename = g_file_get_basename (attachment->file);

          filename = one_line (basename != NULL ? basename : "attachment");
        }

      if (!g_file_load_contents (attachment->file, cancellable, &contents, &length, NULL,
                                 &local_error))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      _("Cannot read the attachment “%s”: "), filename);
          return NULL;
        }
      data = g_bytes_new_take (contents, length);
    }
  else
    {
      filename = g_strdup (attachment->filename);
      data = g_bytes_ref (attachment->data);
    }

  bytes = g_bytes_get_data (data, &length);
  if (attachment->content_type != NULL)
    mime_type = g_strdup (attachment->content_type);
  else
    {
      g_autofree char *guessed = g_content_type_guess (filename, bytes, length, NULL);

      mime_type = g_content_type_get_mime_type (guessed);
    }
  if (mime_type == NULL || strchr (mime_type, '/') == NULL)
      {
        g_free (mime_type);
        mime_type = g_strdup ("application/octet-stream");
      }

  content_type = g_mime_content_type_parse (options, mime_type);
  part = g_mime_part_new ();
  g_mime_object_set_content_type (GMIME_OBJECT (part), content_type);

  stream = g_mime_stream_mem_new_with_buffer (bytes, length);
  content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (part, content);
  g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_object_set_disposition (GMIME_OBJECT (part), GMIME_DISPOSITION_ATTACHMENT);
  g_mime_part_set_filename (part, filename);

  return part;
}

/* Where the work is; reads attachment files, so not on the main thread
 * when there are any. */
static GBytes *
build (PfMimeBuilder  *self,
       GCancellable   *cancellable,
       GError        **error)
{
  g_autoptr(GMimeFormatOptions) format = _pf_mime_format_options_new ();
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeObject) body = NULL;
  g_autoptr(GMimeStream) mem = NULL;
  g_autofree char *generated_text = NULL;
  GByteArray *array;
  const char *text;
  guint i;

  if (self->from == NULL)
    {
      g_set_error_literal (error, PF_MIME_ERROR, PF_MIME_ERROR_NO_SENDER,
                           _("The message has no sender."));
      return NULL;
    }
  if (self->to->len == 0 && self->cc->len == 0 && self->bcc->len == 0)
    {
      g_set_error_literal (error, PF_MIME_ERROR, PF_MIME_ERROR_NO_RECIPIENTS,
                           _("The message has no recipients."));
      return NULL;
    }
  if (!check_address (self->from, error) ||
      !check_addresses (self->to, error) ||
      !check_addresses (self->cc, error) ||
      !check_addresses (self->bcc, error) ||
      !check_addresses (self->reply_to, error))
    return NULL;

  message = g_mime_message_new (TRUE);
  add_mailbox (g_mime_message_get_from (message), self->from);
  add_mailboxes (g_mime_message_get_reply_to (message), self->reply_to);
  add_mailboxes (g_mime_message_get_to (message), self->to);
  add_mailboxes (g_mime_message_get_cc (message), self->cc);
  g_mime_message_set_subject (message, self->subject != NULL ? self->subject : "", "utf-8");
  g_mime_message_set_date (message, self->date);
  g_mime_message_set_message_id (message, pf_mime_builder_get_message_id (self));

  if (self->in_reply_to != NULL)
    {
      g_autofree char *value = g_strdup_printf ("<%s>", self->in_reply_to);

      g_mime_object_set_header (GMIME_OBJECT (message), "In-Reply-To", value, NULL);
    }
  if (self->references != NULL && self->references[0] != NULL)
    {
      GString *value = g_string_new (NULL);

      for (i = 0; self->references[i] != NULL; i++)
        g_string_append_printf (value, "%s<%s>", i > 0 ? " " : "", self->references[i]);
      g_mime_object_set_header (GMIME_OBJECT (message), "References", value->str, NULL);
      g_string_free (value, TRUE);
    }

  text = self->text;
  if (text == NULL && self->html != NULL)
    text = generated_text = pf_mime_html_to_text (self->html, -1);
  body = GMIME_OBJECT (new_text_part ("plain", text != NULL ? text : ""));

  if (self->html != NULL)
    {
      GMimeMultipart *alternative = g_mime_multipart_new_with_subtype ("alternative");
      g_autoptr(GMimePart) html = new_text_part ("html", self->html);

      g_mime_multipart_add (alternative, body);
      g_mime_multipart_add (alternative, GMIME_OBJECT (html));
      g_object_unref (body);
      body = GMIME_OBJECT (alternative);
    }

  if (self->attachments->len > 0)
    {
      GMimeMultipart *mixed = g_mime_multipart_new_with_subtype ("mixed");

      g_mime_multipart_add (mixed, body);
      g_object_unref (body);
      body = GMIME_OBJECT (mixed);

      for (i = 0; i < self->attachments->len; i++)
        {
          g_autoptr(GMimePart) part = new_attachment_part (g_ptr_array_index (self->attachments, i),
                                                           cancellable, error);

          if (part == NULL)
            return NULL;
          g_mime_multipart_add (mixed, GMIME_OBJECT (part));
        }
    }

  g_mime_message_set_mime_part (message, body);

  array = g_byte_array_new ();
  mem = g_mime_stream_mem_new_with_byte_array (array);
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (mem), FALSE);
  g_mime_object_write_to_stream (GMIME_OBJECT (message), format, mem);
  if (array->len < 2 || array->data[array->len - 2] != '\r' || array->data[array->len - 1] != '\n')
    g_byte_array_append (array, (const guint8 *) "\r\n", 2);

  return g_byte_array_free_to_bytes (array);
}

/* The Message-ID and Date are fixed on the calling thread, so that a
 * build in a worker changes nothing another thread may read. */
static void
prepare (PfMimeBuilder *self)
{
  pf_mime_builder_get_message_id (self);
  if (self->date == NULL)
    self->date = g_date_time_new_now_local ();
}

/**
 * pf_mime_builder_build:
 * @self: a #PfMimeBuilder
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Builds the message with CRLF line ends, for SMTP and IMAP APPEND.
 * Building again gives the same Message-ID and Date (but new multipart
 * boundaries). Reads attachment
 * files: use pf_mime_builder_build_async() on the main thread when there
 * are any.
 *
 * Returns: (transfer full): the message, or %NULL with @error set:
 *   %PF_MIME_ERROR_NO_SENDER, %PF_MIME_ERROR_NO_RECIPIENTS,
 *   %PF_MIME_ERROR_INVALID_ADDRESS, or the error of reading an attachment
 */
GBytes *
pf_mime_builder_build (PfMimeBuilder  *self,
                       GCancellable   *cancellable,
                       GError        **error)
{
  g_return_val_if_fail (PF_IS_MIME_BUILDER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  prepare (self);
  return build (self, cancellable, error);
}

/**
 * pf_mime_builder_write:
 * @self: a #PfMimeBuilder
 * @stream: where to write the message
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * pf_mime_builder_build() and writing the result to @stream, which is
 * not closed. Blocks.
 *
 * Returns: %TRUE on success
 */
gboolean
pf_mime_builder_write (PfMimeBuilder  *self,
                       GOutputStream  *stream,
                       GCancellable   *cancellable,
                       GError        **error)
{
  g_autoptr(GBytes) bytes = NULL;
  gconstpointer data;
  gsize length;

  g_return_val_if_fail (PF_IS_MIME_BUILDER (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);

  bytes = pf_mime_builder_build (self, cancellable, error);
  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &length);
  return g_output_stream_write_all (stream, data, length, NULL, cancellable, error);
}

static void
build_worker (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;
  GBytes *bytes;

  bytes = build (source_object, cancellable, &error);
  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

/**
 * pf_mime_builder_build_async:
 * @self: a #PfMimeBuilder
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context of the caller
 * @user_data: data for @callback
 *
 * Runs pf_mime_builder_build() in a worker thread. Do not change @self
 * until @callback runs.
 */
void
pf_mime_builder_build_async (PfMimeBuilder       *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PF_IS_MIME_BUILDER (self));

  prepare (self);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_mime_builder_build_async);
  g_task_run_in_thread (task, build_worker);
}

/**
 * pf_mime_builder_build_finish:
 * @self: a #PfMimeBuilder
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the message, or %NULL with @error set (see
 *   pf_mime_builder_build())
 */
GBytes *
pf_mime_builder_build_finish (PfMimeBuilder  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (PF_IS_MIME_BUILDER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
