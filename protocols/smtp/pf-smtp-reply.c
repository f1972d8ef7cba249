/* pf-smtp-reply.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-smtp"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "pf-smtp-error.h"
#include "pf-smtp-reply.h"

struct _PfSmtpReplyParser
{
  guint      code;           /* 0 when no reply is in progress */
  char      *enhanced_code;
  GPtrArray *lines;          /* char *, NULL-terminated on completion */
};

/**
 * pf_smtp_reply_free:
 * @reply: (transfer full): a reply
 */
void
pf_smtp_reply_free (PfSmtpReply *reply)
{
  if (reply == NULL)
    return;

  g_free (reply->enhanced_code);
  g_strfreev (reply->lines);
  g_free (reply);
}

/**
 * pf_smtp_reply_dup_text:
 * @reply: a reply
 *
 * Returns: (transfer full): the lines of @reply joined with "\n", made
 *   valid UTF-8
 */
char *
pf_smtp_reply_dup_text (const PfSmtpReply *reply)
{
  g_autofree char *joined = NULL;

  g_return_val_if_fail (reply != NULL, NULL);

  joined = g_strjoinv ("\n", reply->lines);

  return g_utf8_make_valid (joined, -1);
}

/**
 * pf_smtp_reply_is_success:
 * @reply: a reply
 *
 * Returns: whether @reply is a positive completion (2xx, RFC 5321 §4.2.1)
 */
gboolean
pf_smtp_reply_is_success (const PfSmtpReply *reply)
{
  g_return_val_if_fail (reply != NULL, FALSE);

  return reply->code >= 200 && reply->code < 300;
}

/**
 * pf_smtp_reply_to_error:
 * @reply: a negative reply
 * @message: the translated message of the error
 *
 * Returns: (transfer full): a %PF_SMTP_ERROR_TEMPORARY error for 4xx
 *   replies, %PF_SMTP_ERROR_MESSAGE_TOO_LARGE for 552 and
 *   %PF_SMTP_ERROR_PERMANENT otherwise, with the reply attached
 */
GError *
pf_smtp_reply_to_error (const PfSmtpReply *reply,
                        const char        *message)
{
  g_autofree char *text = NULL;
  GError *error;
  PfSmtpError code;

  g_return_val_if_fail (reply != NULL, NULL);
  g_return_val_if_fail (message != NULL, NULL);

  if (reply->code >= 400 && reply->code < 500)
    code = PF_SMTP_ERROR_TEMPORARY;
  else if (reply->code == 552 ||
           g_strcmp0 (reply->enhanced_code, "5.3.4") == 0)
    code = PF_SMTP_ERROR_MESSAGE_TOO_LARGE;
  else
    code = PF_SMTP_ERROR_PERMANENT;

  text = pf_smtp_reply_dup_text (reply);
  error = g_error_new_literal (PF_SMTP_ERROR, code, message);
  pf_smtp_error_set_reply (error, reply->code, reply->enhanced_code, text);

  return error;
}

/**
 * pf_smtp_reply_parser_new:
 *
 * Returns: (transfer full): a parser that assembles lines into replies
 */
PfSmtpReplyParser *
pf_smtp_reply_parser_new (void)
{
  PfSmtpReplyParser *self = g_new0 (PfSmtpReplyParser, 1);

  self->lines = g_ptr_array_new_with_free_func (g_free);

  return self;
}

/**
 * pf_smtp_reply_parser_free:
 * @self: (transfer full): a parser
 */
void
pf_smtp_reply_parser_free (PfSmtpReplyParser *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->enhanced_code, g_free);
  g_ptr_array_unref (self->lines);
  g_free (self);
}

/**
 * pf_smtp_reply_parser_reset:
 * @self: a parser
 *
 * Forgets a partly received reply.
 */
void
pf_smtp_reply_parser_reset (PfSmtpReplyParser *self)
{
  g_return_if_fail (self != NULL);

  self->code = 0;
  g_clear_pointer (&self->enhanced_code, g_free);
  g_ptr_array_set_size (self->lines, 0);
}

/**
 * pf_smtp_reply_parser_is_idle:
 * @self: a parser
 *
 * Returns: whether no reply is partly received
 */
gboolean
pf_smtp_reply_parser_is_idle (PfSmtpReplyParser *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->code == 0;
}

/* RFC 2034 §4: status-code = class "." subject "." detail, with class 2, 4
 * or 5 and 1-3 digits each for subject and detail, followed by a space or
 * the end of the line. Returns its length, or 0. */
static gsize
enhanced_code_length (const char *text,
                      gsize       length,
                      char        class_digit)
{
  gsize i = 0;
  guint part;

  if (length < 5 || text[0] != class_digit)
    return 0;
  i = 1;

  for (part = 0; part < 2; part++)
    {
      gsize start;

      if (i >= length || text[i] != '.')
        return 0;
      i++;
      start = i;
      while (i < length && g_ascii_isdigit (text[i]) && i - start < 3)
        i++;
      if (i == start)
        return 0;
    }

  if (i < length && text[i] != ' ')
    return 0;

  return i;
}

static GError *
malformed (const char *line,
           gsize       length)
{
  g_autofree char *shown = NULL;

  shown = g_utf8_make_valid (line, MIN (length, 80));

  return g_error_new (PF_SMTP_ERROR, PF_SMTP_ERROR_PROTOCOL,
                      _("The mail server sent a malformed reply: “%s”"), shown);
}

/**
 * pf_smtp_reply_parser_feed:
 * @self: a parser
 * @line: one line, without its line end; need not be NUL-terminated
 * @length: its length
 * @error: return location for an error
 *
 * Adds a line (RFC 5321 §4.2: "250-text" continues, "250 text" or "250"
 * ends a reply; every line of a reply has the same code). After an error
 * the parser is reset.
 *
 * Returns: (transfer full) (nullable): the reply when @line completed it;
 *   %NULL with @error unset when more lines are needed, or with
 *   %PF_SMTP_ERROR_PROTOCOL set on a malformed, overlong or inconsistent line
 */
PfSmtpReply *
pf_smtp_reply_parser_feed (PfSmtpReplyParser  *self,
                           const char         *line,
                           gsize               length,
                           GError            **error)
{
  PfSmtpReply *reply;
  const char *text;
  gsize text_length;
  gsize enhanced;
  guint code;
  gboolean last;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (line != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length > PF_SMTP_REPLY_MAX_LINE)
    {
      pf_smtp_reply_parser_reset (self);
      g_set_error (error, PF_SMTP_ERROR, PF_SMTP_ERROR_PROTOCOL,
                   _("The mail server sent a reply line longer than %lu bytes"),
                   (gulong) PF_SMTP_REPLY_MAX_LINE);
      return NULL;
    }

  /* Reply codes: first digit 2-5, second 0-5, third 0-9 (§4.2.1). */
  if (length < 3 ||
      line[0] < '2' || line[0] > '5' ||
      line[1] < '0' || line[1] > '5' ||
      !g_ascii_isdigit (line[2]) ||
      (length > 3 && line[3] != ' ' && line[3] != '-') ||
      memchr (line, '\0', length) != NULL)
    {
      pf_smtp_reply_parser_reset (self);
      g_propagate_error (error, malformed (line, length));
      return NULL;
    }

  code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (self->code != 0 && code != self->code)
    {
      pf_smtp_reply_parser_reset (self);
      g_set_error (error, PF_SMTP_ERROR, PF_SMTP_ERROR_PROTOCOL,
                   _("The mail server changed the reply code from %u to %u within one reply"),
                   self->code, code);
      return NULL;
    }

  if (self->lines->len >= PF_SMTP_REPLY_MAX_LINES)
    {
      pf_smtp_reply_parser_reset (self);
      g_set_error (error, PF_SMTP_ERROR, PF_SMTP_ERROR_PROTOCOL,
                   _("The mail server sent a reply of more than %lu lines"),
                   (gulong) PF_SMTP_REPLY_MAX_LINES);
      return NULL;
    }

  last = length == 3 || line[3] == ' ';
  text = length > 4 ? line + 4 : "";
  text_length = length > 4 ? length - 4 : 0;

  enhanced = enhanced_code_length (text, text_length, line[0]);
  if (enhanced > 0)
    {
      if (self->lines->len == 0)
        self->enhanced_code = g_strndup (text, enhanced);
      text += enhanced;
      text_length -= enhanced;
      if (text_length > 0)
        {
          text++;
          text_length--;
        }
    }

  self->code = code;
  g_ptr_array_add (self->lines, g_strndup (text, text_length));

  if (!last)
    return NULL;

  g_ptr_array_add (self->lines, NULL);
  reply = g_new0 (PfSmtpReply, 1);
  reply->code = self->code;
  reply->enhanced_code = g_steal_pointer (&self->enhanced_code);
  reply->lines = (char **) g_ptr_array_steal (self->lines, NULL);
  self->code = 0;

  return reply;
}
