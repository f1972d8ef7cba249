/* pf-mime-headers.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-mime"

#include "config.h"

#include <string.h>

#include "pf-mime-headers.h"
#include "pf-mime-private.h"

/* More ids than this in References are kept as the first one and the
 * most recent ones; threading needs no more (RFC 5322 §3.6.4). */
#define MAX_REFERENCES 1000
#define MAX_REPLY_REFERENCES 20

/* Groups may not nest (RFC 5322 §3.4), but GMime builds what it reads. */
#define MAX_GROUP_DEPTH 4

/* Charsets tried for header text that is 8-bit without RFC 2047
 * encoding, or whose encoded-words name an unknown charset: the first
 * that fits wins. ISO-8859-1 always fits. */
static const char *fallback_charsets[] = { "UTF-8", "windows-1252", "iso-8859-1", NULL };

/**
 * _pf_mime_init:
 *
 * Initialises GMime once per process. Every entry point of protocols/mime
 * that uses GMime calls it first; it is thread-safe.
 */
void
_pf_mime_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      g_mime_init ();
      g_once_init_leave (&initialised, 1);
    }
}

/* Options for reading mail as it is, not as it should be. */
GMimeParserOptions *
_pf_mime_parser_options_new (void)
{
  GMimeParserOptions *options;

  _pf_mime_init ();

  options = g_mime_parser_options_new ();
  g_mime_parser_options_set_rfc2047_compliance_mode (options, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_address_compliance_mode (options, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_parameter_compliance_mode (options, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_allow_addresses_without_domain (options, TRUE);
  g_mime_parser_options_set_fallback_charsets (options, fallback_charsets);
  return options;
}

/* Options for writing mail for SMTP and IMAP APPEND: CRLF line ends. */
GMimeFormatOptions *
_pf_mime_format_options_new (void)
{
  GMimeFormatOptions *options;

  _pf_mime_init ();

  options = g_mime_format_options_new ();
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  g_mime_format_options_set_param_encoding_method (options, GMIME_PARAM_ENCODING_METHOD_RFC2231);
  return options;
}

char *
_pf_mime_make_valid (const char *text)
{
  if (text == NULL)
    return NULL;
  if (g_utf8_validate (text, -1, NULL))
    return g_strdup (text);
  return g_utf8_make_valid (text, -1);
}

/* Header text for one line of a list: valid UTF-8, control characters
 * (folding left-overs, encoded line breaks) as spaces, no outer spaces. */
static char *
make_display_line (const char *text)
{
  char *line;
  char *p;

  if (text == NULL)
    return NULL;

  line = _pf_mime_make_valid (text);
  for (p = line; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_strstrip (line);
}

/**
 * pf_mime_address_new:
 * @name: (nullable): the display name
 * @address: the addr-spec
 *
 * Returns: (transfer full): a new address with copies of both, made
 *   valid UTF-8; an empty @name is stored as %NULL
 */
PfMimeAddress *
pf_mime_address_new (const char *name,
                     const char *address)
{
  PfMimeAddress *self;

  g_return_val_if_fail (address != NULL, NULL);

  self = g_new0 (PfMimeAddress, 1);
  self->name = make_display_line (name);
  if (self->name != NULL && *self->name == '\0')
    g_clear_pointer (&self->name, g_free);
  self->address = make_display_line (address);
  return self;
}

/**
 * pf_mime_address_copy:
 * @address: an address
 *
 * Returns: (transfer full): a copy of @address
 */
PfMimeAddress *
pf_mime_address_copy (const PfMimeAddress *address)
{
  PfMimeAddress *copy;

  g_return_val_if_fail (address != NULL, NULL);

  copy = g_new0 (PfMimeAddress, 1);
  copy->name = g_strdup (address->name);
  copy->address = g_strdup (address->address);
  return copy;
}

/**
 * pf_mime_address_free:
 * @address: (nullable): an address
 *
 * Frees @address.
 */
void
pf_mime_address_free (PfMimeAddress *address)
{
  if (address == NULL)
    return;
  g_free (address->name);
  g_free (address->address);
  g_free (address);
}

/**
 * pf_mime_address_to_display:
 * @address: an address
 *
 * Returns: (transfer full): "Name <address>", or the bare address when
 *   there is no name. For reading, not for writing a header: nothing is
 *   quoted or encoded.
 */
char *
pf_mime_address_to_display (const PfMimeAddress *address)
{
  g_return_val_if_fail (address != NULL, NULL);

  if (address->name == NULL)
    return g_strdup (address->address);
  if (*address->address == '\0')
    return g_strdup (address->name);
  return g_strdup_printf ("%s <%s>", address->name, address->address);
}

static void
add_addresses (GPtrArray           *out,
               InternetAddressList *list,
               guint                depth)
{
  int n;
  int i;

  if (list == NULL || depth > MAX_GROUP_DEPTH)
    return;

  n = internet_address_list_length (list);
  for (i = 0; i < n; i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        {
          const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));

          g_ptr_array_add (out, pf_mime_address_new (internet_address_get_name (ia),
                                                     addr != NULL ? addr : ""));
        }
      else if (INTERNET_ADDRESS_IS_GROUP (ia))
        add_addresses (out, internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia)),
                       depth + 1);
    }
}

static GPtrArray *
addresses_from_list (InternetAddressList *list)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_mime_address_free);

  add_addresses (out, list, 0);
  return out;
}

/**
 * pf_mime_address_list_parse:
 * @raw: the raw value of an address header (To, Cc, From, …), possibly
 *   with RFC 2047 encoded-words or unencoded 8-bit text
 *
 * Parses an address list the way GMime does for whole messages: leniently,
 * groups flattened into their members, names decoded to UTF-8.
 *
 * Returns: (transfer container) (element-type PfMimeAddress): the
 *   mailboxes, possibly none
 */
GPtrArray *
pf_mime_address_list_parse (const char *raw)
{
  g_autoptr(GMimeParserOptions) options = NULL;
  g_autoptr(InternetAddressList) list = NULL;

  g_return_val_if_fail (raw != NULL, NULL);

  options = _pf_mime_parser_options_new ();
  list = internet_address_list_parse (options, raw);
  return addresses_from_list (list);
}

/**
 * pf_mime_address_list_to_display:
 * @addresses: (element-type PfMimeAddress): addresses
 *
 * Returns: (transfer full): the addresses for reading, separated by ", "
 *   (see pf_mime_address_to_display())
 */
char *
pf_mime_address_list_to_display (GPtrArray *addresses)
{
  GString *out;
  guint i;

  g_return_val_if_fail (addresses != NULL, NULL);

  out = g_string_new (NULL);
  for (i = 0; i < addresses->len; i++)
    {
      g_autofree char *one = pf_mime_address_to_display (g_ptr_array_index (addresses, i));

      if (i > 0)
        g_string_append (out, ", ");
      g_string_append (out, one);
    }
  return g_string_free (out, FALSE);
}

/**
 * pf_mime_decode_header_text:
 * @raw: a raw unstructured header value (Subject, a file name, …)
 *
 * Decodes RFC 2047 encoded-words in any charset iconv knows; unencoded
 * 8-bit text and encoded-words in unknown charsets are read as UTF-8, else
 * windows-1252, else ISO-8859-1. The result is one line: control
 * characters become spaces.
 *
 * Returns: (transfer full): valid UTF-8
 */
char *
pf_mime_decode_header_text (const char *raw)
{
  g_autoptr(GMimeParserOptions) options = NULL;
  g_autofree char *unfolded = NULL;
  g_autofree char *decoded = NULL;

  g_return_val_if_fail (raw != NULL, NULL);

  options = _pf_mime_parser_options_new ();
  unfolded = g_mime_utils_header_unfold (raw);
  decoded = g_mime_utils_header_decode_text (options, unfolded);
  return make_display_line (decoded != NULL ? decoded : "");
}

/**
 * pf_mime_decode_address_list:
 * @raw: the raw value of an address header
 *
 * pf_mime_address_list_parse() and pf_mime_address_list_to_display() in
 * one: "Jörg Müller <j@example.org>, anna@example.org".
 *
 * Returns: (transfer full): the list for reading, in valid UTF-8
 */
char *
pf_mime_decode_address_list (const char *raw)
{
  g_autoptr(GPtrArray) list = NULL;

  g_return_val_if_fail (raw != NULL, NULL);

  list = pf_mime_address_list_parse (raw);
  return pf_mime_address_list_to_display (list);
}

static char **
parse_references (GMimeParserOptions *options,
                  const char         *raw)
{
  g_autoptr(GMimeReferences) refs = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  int n;
  int i;

  if (raw != NULL)
    refs = g_mime_references_parse (options, raw);
  n = refs != NULL ? g_mime_references_length (refs) : 0;

  for (i = 0; i < n; i++)
    {
      g_autofree char *id = NULL;

      /* Keep the first (the thread's root) and the most recent ones. */
      if (n > MAX_REFERENCES && i > 0 && i < n - (MAX_REFERENCES - 1))
        continue;
      id = make_display_line (g_mime_references_get_message_id (refs, i));
      if (*id != '\0')
        g_strv_builder_add (builder, id);
    }
  return g_strv_builder_end (builder);
}

/**
 * _pf_mime_headers_new_from_message:
 * @message: a parsed message
 *
 * Returns: (transfer full): the decoded header fields of @message
 */
PfMimeHeaders *
_pf_mime_headers_new_from_message (GMimeMessage *message)
{
  g_autoptr(GMimeParserOptions) options = _pf_mime_parser_options_new ();
  PfMimeHeaders *headers = g_new0 (PfMimeHeaders, 1);
  GMimeObject *object = GMIME_OBJECT (message);
  const char *message_id;
  const char *raw;
  GDateTime *date;

  headers->subject = make_display_line (g_mime_message_get_subject (message));
  headers->from = addresses_from_list (g_mime_message_get_from (message));
  headers->to = addresses_from_list (g_mime_message_get_to (message));
  headers->cc = addresses_from_list (g_mime_message_get_cc (message));
  headers->reply_to = addresses_from_list (g_mime_message_get_reply_to (message));

  date = g_mime_message_get_date (message);
  headers->date = date != NULL ? g_date_time_ref (date) : NULL;

  message_id = g_mime_message_get_message_id (message);
  if (message_id != NULL && *message_id != '\0')
    headers->message_id = make_display_line (message_id);

  raw = g_mime_object_get_header (object, "In-Reply-To");
  if (raw != NULL)
    {
      g_auto(GStrv) ids = parse_references (options, raw);

      if (ids[0] != NULL)
        headers->in_reply_to = g_strdup (ids[0]);
      else
        {
          /* Some mailers write the id without angle brackets. */
          g_autofree char *id = g_mime_utils_decode_message_id (raw);

          if (id != NULL && *id != '\0')
            headers->in_reply_to = make_display_line (id);
        }
    }

  headers->references = parse_references (options, g_mime_object_get_header (object,
                                                                               "References"));
  return headers;
}

static PfMimeHeaders *
headers_new_empty (void)
{
  PfMimeHeaders *headers = g_new0 (PfMimeHeaders, 1);

  headers->from = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_mime_address_free);
  headers->to = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_mime_address_free);
  headers->cc = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_mime_address_free);
  headers->reply_to = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_mime_address_free);
  headers->references = g_new0 (char *, 1);
  return headers;
}

/**
 * pf_mime_headers_parse:
 * @data: (array length=length): a header block, e.g. the answer to IMAP
 *   BODY.PEEK[HEADER.FIELDS (…)] (RFC 3501 §6.4.5)
 * @length: length of @data, or -1 if it is NUL-terminated
 *
 * Decodes the header fields of a header block, with the same rules as a
 * whole message. Fields that are missing stay empty; this never fails.
 * Any thread.
 *
 * Returns: (transfer full): the decoded header fields
 */
PfMimeHeaders *
pf_mime_headers_parse (const char *data,
                       gssize      length)
{
  g_autoptr(GMimeParserOptions) options = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeMessage) message = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length < 0)
    length = strlen (data);

  options = _pf_mime_parser_options_new ();
  stream = g_mime_stream_mem_new_with_buffer (data, length);
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_persist_stream (parser, FALSE);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  message = g_mime_parser_construct_message (parser, options);

  if (message == NULL)
    return headers_new_empty ();
  return _pf_mime_headers_new_from_message (message);
}

static gpointer
copy_address_func (gconstpointer address,
                   gpointer      user_data)
{
  return pf_mime_address_copy (address);
}

static GPtrArray *
copy_addresses (GPtrArray *addresses)
{
  return g_ptr_array_copy (addresses, copy_address_func, NULL);
}

/**
 * pf_mime_headers_copy:
 * @headers: decoded header fields
 *
 * Returns: (transfer full): a deep copy of @headers
 */
PfMimeHeaders *
pf_mime_headers_copy (const PfMimeHeaders *headers)
{
  PfMimeHeaders *copy;

  g_return_val_if_fail (headers != NULL, NULL);

  copy = g_new0 (PfMimeHeaders, 1);
  copy->subject = g_strdup (headers->subject);
  copy->from = copy_addresses (headers->from);
  g_ptr_array_set_free_func (copy->from, (GDestroyNotify) pf_mime_address_free);
  copy->to = copy_addresses (headers->to);
  g_ptr_array_set_free_func (copy->to, (GDestroyNotify) pf_mime_address_free);
  copy->cc = copy_addresses (headers->cc);
  g_ptr_array_set_free_func (copy->cc, (GDestroyNotify) pf_mime_address_free);
  copy->reply_to = copy_addresses (headers->reply_to);
  g_ptr_array_set_free_func (copy->reply_to, (GDestroyNotify) pf_mime_address_free);
  copy->date = headers->date != NULL ? g_date_time_ref (headers->date) : NULL;
  copy->message_id = g_strdup (headers->message_id);
  copy->in_reply_to = g_strdup (headers->in_reply_to);
  copy->references = g_strdupv (headers->references);
  return copy;
}

/**
 * pf_mime_headers_free:
 * @headers: (nullable): decoded header fields
 *
 * Frees @headers.
 */
void
pf_mime_headers_free (PfMimeHeaders *headers)
{
  if (headers == NULL)
    return;
  g_free (headers->subject);
  g_clear_pointer (&headers->from, g_ptr_array_unref);
  g_clear_pointer (&headers->to, g_ptr_array_unref);
  g_clear_pointer (&headers->cc, g_ptr_array_unref);
  g_clear_pointer (&headers->reply_to, g_ptr_array_unref);
  g_clear_pointer (&headers->date, g_date_time_unref);
  g_free (headers->message_id);
  g_free (headers->in_reply_to);
  g_strfreev (headers->references);
  g_free (headers);
}

/**
 * pf_mime_headers_dup_reply_references:
 * @parent: the header fields of the message being replied to
 *
 * The References of a reply (RFC 5322 §3.6.4): the parent's References
 * (or, when it has none, its single In-Reply-To id) followed by the
 * parent's Message-ID. Long chains keep the first id and the last ones,
 * 20 ids in all, so that headers do not grow without bound.
 *
 * Returns: (transfer full) (array zero-terminated=1): message ids without
 *   angle brackets, possibly none
 */
char **
pf_mime_headers_dup_reply_references (const PfMimeHeaders *parent)
{
  g_autoptr(GPtrArray) ids = NULL;
  GStrvBuilder *builder;
  char **result;
  guint i;

  g_return_val_if_fail (parent != NULL, NULL);

  ids = g_ptr_array_new ();
  if (parent->references != NULL && parent->references[0] != NULL)
    {
      for (i = 0; parent->references[i] != NULL; i++)
        g_ptr_array_add (ids, parent->references[i]);
    }
  else if (parent->in_reply_to != NULL)
    g_ptr_array_add (ids, parent->in_reply_to);
  if (parent->message_id != NULL)
    g_ptr_array_add (ids, parent->message_id);

  builder = g_strv_builder_new ();
  for (i = 0; i < ids->len; i++)
    {
      if (ids->len > MAX_REPLY_REFERENCES && i > 0 && i < ids->len - (MAX_REPLY_REFERENCES - 1))
        continue;
      g_strv_builder_add (builder, g_ptr_array_index (ids, i));
    }
  result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return result;
}
