/* fuzz-imap-parser.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-fuzz"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "imap/pf-imap-error.h"
#include "imap/pf-imap-parser.h"
#include "imap/pf-imap-types.h"

/*
 * libFuzzer target for the IMAP response parser and the typed decoders.
 *
 * The first input byte picks the parser settings (limits, literal
 * streaming), the second seeds the sizes of the pieces the rest is fed
 * in, as a connection would receive it. Every response is walked and
 * given to the decoders its keyword calls for. As an oracle, the same
 * input is also parsed in one piece: both runs must give the same
 * responses, the same streamed bytes and the same outcome.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

typedef struct
{
  GString  *log;        /* responses and literal pieces, in order */
  gboolean  failed;
} Run;

static void
walk_value (const PfImapValue *value,
            guint             *count)
{
  guint n;
  guint i;
  gsize length;

  (*count)++;
  switch (pf_imap_value_get_kind (value))
    {
    case PF_IMAP_VALUE_LIST:
      n = pf_imap_value_get_n_items (value);
      for (i = 0; i < n; i++)
        walk_value (pf_imap_value_get_item (value, i), count);
      g_assert (pf_imap_value_get_item (value, n) == NULL);
      break;

    case PF_IMAP_VALUE_ATOM:
    case PF_IMAP_VALUE_NUMBER:
    case PF_IMAP_VALUE_STRING:
      g_assert (pf_imap_value_get_string (value, &length) != NULL);
      g_assert (pf_imap_value_get_string (value, NULL)[length] == '\0');
      break;

    case PF_IMAP_VALUE_NIL:
    case PF_IMAP_VALUE_STREAMED:
    default:
      g_assert (pf_imap_value_get_string (value, NULL) == NULL);
      break;
    }
}

static void
check_sequence_set (const PfImapSequenceSet *set)
{
  g_autoptr(GArray) numbers = NULL;
  g_autoptr(PfImapSequenceSet) again = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) pieces = NULL;
  guint i;

  text = pf_imap_sequence_set_to_string (set);
  if (text[0] != '\0')
    {
      again = pf_imap_sequence_set_parse (text, -1, NULL);
      g_assert (again != NULL);
    }
  pieces = pf_imap_sequence_set_to_strings (set, 30);
  for (i = 0; pieces[i] != NULL; i++)
    g_assert (strlen (pieces[i]) <= 30);

  numbers = pf_imap_sequence_set_to_array (set, 1000, 100000, NULL);
  if (numbers != NULL)
    {
      for (i = 1; i < numbers->len; i++)
        g_assert (g_array_index (numbers, guint32, i - 1) < g_array_index (numbers, guint32, i));
      for (i = 0; i < numbers->len; i++)
        g_assert (pf_imap_sequence_set_contains (set, g_array_index (numbers, guint32, i), 1000));
      g_assert (numbers->len == pf_imap_sequence_set_get_count (set, 1000));
    }
}

static void
check_body_structure (const PfImapBodyStructure *body)
{
  guint i;

  g_assert (body->type != NULL && body->subtype != NULL);
  g_assert (g_utf8_validate (body->type, -1, NULL));
  (void) pf_imap_body_structure_get_filename (body);
  if (body->section != NULL)
    g_assert (pf_imap_body_structure_find_section (body, body->section) != NULL);
  for (i = 0; body->children != NULL && i < body->children->len; i++)
    check_body_structure (g_ptr_array_index (body->children, i));
  if (body->body != NULL)
    check_body_structure (body->body);
}

static void
check_addresses (GPtrArray *addresses)
{
  g_autofree char *text = pf_imap_address_list_to_string (addresses);

  g_assert (g_utf8_validate (text, -1, NULL));
}

static void
decode (PfImapResponse *response)
{
  const char *code = pf_imap_response_get_code (response);
  guint count = 0;
  guint i;

  walk_value (pf_imap_response_get_values (response), &count);
  walk_value (pf_imap_response_get_code_args (response), &count);

  switch (pf_imap_response_get_status (response))
    {
    case PF_IMAP_RESPONSE_STATUS_NO:
    case PF_IMAP_RESPONSE_STATUS_BAD:
    case PF_IMAP_RESPONSE_STATUS_BYE:
      {
        g_autoptr(GError) error = pf_imap_error_new_from_response (response);

        g_assert (error->domain == PF_IMAP_ERROR);
        g_assert (g_utf8_validate (error->message, -1, NULL));
        g_assert (g_strcmp0 (pf_imap_error_get_response_code (error), code) == 0);
      }
      break;

    case PF_IMAP_RESPONSE_STATUS_NONE:
    case PF_IMAP_RESPONSE_STATUS_OK:
    case PF_IMAP_RESPONSE_STATUS_PREAUTH:
    default:
      break;
    }

  if (code != NULL && strcmp (code, "CAPABILITY") == 0)
    {
      g_autoptr(PfImapCapabilities) capabilities = pf_imap_capabilities_new_from_response (response, NULL);

      (void) capabilities;
    }
  if (code != NULL && (strcmp (code, "COPYUID") == 0 || strcmp (code, "MODIFIED") == 0))
    {
      const PfImapValue *args = pf_imap_response_get_code_args (response);

      for (i = 0; i < pf_imap_value_get_n_items (args); i++)
        {
          g_autoptr(PfImapSequenceSet) set = NULL;
          const char *text;
          gsize length;

          text = pf_imap_value_get_string (pf_imap_value_get_item (args, i), &length);
          if (text != NULL)
            set = pf_imap_sequence_set_parse (text, length, NULL);
          if (set != NULL)
            check_sequence_set (set);
        }
    }

  if (pf_imap_response_is_keyword (response, "FETCH"))
    {
      g_autoptr(PfImapFetch) fetch = pf_imap_fetch_new_from_response (response, NULL);

      if (fetch != NULL)
        {
          if (fetch->envelope != NULL)
            {
              g_assert (fetch->envelope->subject == NULL ||
                        g_utf8_validate (fetch->envelope->subject, -1, NULL));
              check_addresses (fetch->envelope->from);
              check_addresses (fetch->envelope->to);
              check_addresses (fetch->envelope->cc);
            }
          if (fetch->body_structure != NULL)
            check_body_structure (fetch->body_structure);
          for (i = 0; fetch->bodies != NULL && i < fetch->bodies->len; i++)
            {
              const PfImapFetchBody *body = g_ptr_array_index (fetch->bodies, i);

              g_assert (pf_imap_fetch_get_body (fetch, body->section) != NULL);
            }
        }
    }
  else if (pf_imap_response_is_keyword (response, "LIST") ||
           pf_imap_response_is_keyword (response, "LSUB") ||
           pf_imap_response_is_keyword (response, "XLIST"))
    {
      g_autoptr(PfImapListEntry) entry = pf_imap_list_entry_new_from_response (response, FALSE, NULL);
      g_autoptr(PfImapListEntry) utf8 = pf_imap_list_entry_new_from_response (response, TRUE, NULL);

      if (entry != NULL)
        g_assert (g_utf8_validate (entry->name, -1, NULL));
      if (utf8 != NULL)
        g_assert (g_utf8_validate (utf8->name, -1, NULL));
    }
  else if (pf_imap_response_is_keyword (response, "STATUS"))
    {
      g_autoptr(PfImapMailboxStatus) status = pf_imap_mailbox_status_new_from_response (response, FALSE, NULL);

      (void) status;
    }
  else if (pf_imap_response_is_keyword (response, "SEARCH") ||
           pf_imap_response_is_keyword (response, "ESEARCH"))
    {
      g_autoptr(PfImapSearchResult) result = pf_imap_search_result_new_from_response (response, NULL);

      if (result != NULL)
        check_sequence_set (result->matches);
    }
  else if (pf_imap_response_is_keyword (response, "VANISHED"))
    {
      g_autoptr(PfImapVanished) vanished = pf_imap_vanished_new_from_response (response, NULL);

      if (vanished != NULL)
        check_sequence_set (vanished->uids);
    }
  else if (pf_imap_response_is_keyword (response, "CAPABILITY"))
    {
      g_autoptr(PfImapCapabilities) capabilities = pf_imap_capabilities_new_from_response (response, NULL);

      (void) capabilities;
    }
  else if (pf_imap_response_is_keyword (response, "NAMESPACE"))
    {
      g_autoptr(PfImapNamespaces) namespaces = pf_imap_namespaces_new_from_response (response, FALSE, NULL);

      (void) namespaces;
    }
}

static void
configure (PfImapParser *parser,
           guint8        settings)
{
  /* Keep allocations small enough for the fuzzer's memory limit. */
  pf_imap_parser_set_max_literal (parser, 1024 * 1024);

  if (settings & 1)
    pf_imap_parser_set_literal_stream_threshold (parser, settings & 2 ? 0 : 16);
  if (settings & 4)
    {
      pf_imap_parser_set_max_depth (parser, 4);
      pf_imap_parser_set_max_values (parser, 64);
      pf_imap_parser_set_max_line (parser, 256);
      pf_imap_parser_set_max_literal (parser, 64);
    }
}

static void
run (const guint8 *data,
     gsize         size,
     guint8        settings,
     guint32       seed,
     gboolean      whole,
     Run          *out)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  gsize offset = 0;

  configure (parser, settings);
  out->log = g_string_new (NULL);
  out->failed = FALSE;

  while (offset < size && !out->failed)
    {
      gsize piece;

      if (whole)
        piece = size;
      else
        {
          seed = seed * 1103515245 + 12345;
          piece = 1 + (seed >> 16) % (seed & 0x100 ? 7 : 97);
        }
      piece = MIN (piece, size - offset);
      g_byte_array_append (buffer, data + offset, piece);
      offset += piece;

      for (;;)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(PfImapResponse) response = NULL;
          PfImapParseStatus status;
          gsize consumed = 0;

          status = pf_imap_parser_feed (parser, buffer->data, buffer->len, &consumed,
                                        &response, &error);
          g_assert (consumed <= buffer->len);

          if (status == PF_IMAP_PARSE_ERROR)
            {
              g_assert (error != NULL && error->domain == PF_IMAP_ERROR &&
                        error->code == PF_IMAP_ERROR_PROTOCOL);
              g_assert (g_utf8_validate (error->message, -1, NULL));
              out->failed = TRUE;
              break;
            }
          g_assert (error == NULL);

          if (status == PF_IMAP_PARSE_LITERAL_DATA)
            {
              const PfImapLiteralChunk *chunk = pf_imap_parser_get_literal_chunk (parser);

              g_assert (chunk->length > 0);
              g_assert (chunk->data + chunk->length == buffer->data + consumed);
              g_assert (chunk->offset + chunk->length <= chunk->size);
              g_string_append_len (out->log, (const char *) chunk->data, chunk->length);
            }
          else if (status == PF_IMAP_PARSE_RESPONSE)
            {
              g_autofree char *text = pf_imap_response_to_string (response);

              g_string_append (out->log, text);
              g_string_append_c (out->log, '\n');
              if (!whole)
                decode (response);
            }

          g_byte_array_remove_range (buffer, 0, consumed);
          if (status == PF_IMAP_PARSE_NEED_MORE)
            {
              g_assert (buffer->len == 0);
              break;
            }
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  Run pieces;
  Run whole;
  guint8 settings;
  guint32 seed;

  if (size < 2)
    return 0;

  settings = data[0];
  seed = data[1];

  run (data + 2, size - 2, settings, seed, FALSE, &pieces);
  run (data + 2, size - 2, settings, seed, TRUE, &whole);

  /* A failure may come earlier in pieces (a line too long before its end
   * arrives), but whatever was parsed before must agree. */
  if (!pieces.failed && !whole.failed)
    g_assert (g_string_equal (pieces.log, whole.log));
  else if (pieces.failed && whole.failed)
    {
      gsize n = MIN (pieces.log->len, whole.log->len);

      g_assert (memcmp (pieces.log->str, whole.log->str, n) == 0);
    }
  else
    g_error ("split input %s, whole input %s",
             pieces.failed ? "failed" : "parsed", whole.failed ? "failed" : "parsed");

  g_string_free (pieces.log, TRUE);
  g_string_free (whole.log, TRUE);
  return 0;
}
