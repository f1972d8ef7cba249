/* fuzz-smtp-reply.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-fuzz"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "smtp/pf-smtp-error.h"
#include "smtp/pf-smtp-reply.h"

/*
 * libFuzzer target for the SMTP reply parser.
 *
 * The first input byte seeds the sizes of the pieces the rest is fed in,
 * as a connection would receive it; the pieces are cut into lines (CRLF
 * or a bare LF) and the lines given to the parser. Every reply is walked
 * and turned into an error. As an oracle, the same input is also fed in
 * one piece: both runs must give the same replies and errors.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
walk_reply (const PfSmtpReply *reply,
            GString           *log)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint i;

  g_assert (reply->code >= 200 && reply->code <= 559);
  g_assert (reply->lines != NULL && reply->lines[0] != NULL);
  g_assert (g_strv_length (reply->lines) <= PF_SMTP_REPLY_MAX_LINES);
  if (reply->enhanced_code != NULL)
    {
      g_assert (reply->enhanced_code[0] == (char) ('0' + reply->code / 100));
      g_assert (strlen (reply->enhanced_code) >= 5 && strlen (reply->enhanced_code) <= 9);
    }

  g_string_append_printf (log, "%u [%s]", reply->code,
                          reply->enhanced_code != NULL ? reply->enhanced_code : "");
  for (i = 0; reply->lines[i] != NULL; i++)
    {
      g_assert (strlen (reply->lines[i]) <= PF_SMTP_REPLY_MAX_LINE);
      g_string_append_printf (log, " <%s>", reply->lines[i]);
    }
  g_string_append_c (log, '\n');

  text = pf_smtp_reply_dup_text (reply);
  g_assert (g_utf8_validate (text, -1, NULL));
  g_assert (pf_smtp_reply_is_success (reply) == (reply->code / 100 == 2));

  error = pf_smtp_reply_to_error (reply, "failed");
  g_assert (error->domain == PF_SMTP_ERROR);
  g_assert (g_utf8_validate (error->message, -1, NULL));
  g_assert (pf_smtp_error_get_reply_code (error) == reply->code);
  g_assert (g_strcmp0 (pf_smtp_error_get_enhanced_code (error), reply->enhanced_code) == 0);
  g_assert (g_strcmp0 (pf_smtp_error_get_server_text (error), text) == 0);
}

static void
feed_line (PfSmtpReplyParser *parser,
           const char        *line,
           gsize              length,
           GString           *log)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfSmtpReply) reply = NULL;

  reply = pf_smtp_reply_parser_feed (parser, line, length, &error);
  if (reply != NULL)
    {
      g_assert (error == NULL);
      g_assert (pf_smtp_reply_parser_is_idle (parser));
      walk_reply (reply, log);
    }
  else if (error != NULL)
    {
      g_assert (error->domain == PF_SMTP_ERROR && error->code == PF_SMTP_ERROR_PROTOCOL);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      g_assert (pf_smtp_reply_parser_is_idle (parser));
      g_string_append_printf (log, "error: %s\n", error->message);
    }
  else
    g_assert (!pf_smtp_reply_parser_is_idle (parser));
}

static GString *
run (const guint8 *data,
     gsize         size,
     guint32       seed,
     gboolean      whole)
{
  g_autoptr(PfSmtpReplyParser) parser = pf_smtp_reply_parser_new ();
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  GString *log = g_string_new (NULL);
  gsize offset = 0;

  while (offset < size)
    {
      gsize piece;
      guint8 *newline;

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

      while (buffer->len > 0 &&
             (newline = memchr (buffer->data, '\n', buffer->len)) != NULL)
        {
          gsize consumed = newline - buffer->data + 1;
          gsize length = consumed - 1;

          if (length > 0 && buffer->data[length - 1] == '\r')
            length--;
          feed_line (parser, (const char *) buffer->data, length, log);
          g_byte_array_remove_range (buffer, 0, consumed);
        }
    }

  /* What is left has no line end: the connection closed inside it. */
  if (buffer->len > 0)
    feed_line (parser, (const char *) buffer->data, buffer->len, log);

  pf_smtp_reply_parser_reset (parser);
  g_assert (pf_smtp_reply_parser_is_idle (parser));

  return log;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GString *pieces;
  GString *whole;

  if (size < 1)
    return 0;

  pieces = run (data + 1, size - 1, data[0], FALSE);
  whole = run (data + 1, size - 1, data[0], TRUE);
  g_assert (g_string_equal (pieces, whole));

  g_string_free (pieces, TRUE);
  g_string_free (whole, TRUE);
  return 0;
}
