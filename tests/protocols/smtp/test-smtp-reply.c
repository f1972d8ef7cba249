/* test-smtp-reply.c: the SMTP reply parser
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "smtp/pf-smtp-error.h"
#include "smtp/pf-smtp-reply.h"

static PfSmtpReply *
feed_all (PfSmtpReplyParser  *parser,
          const char * const *lines,
          GError            **error)
{
  for (guint i = 0; lines[i] != NULL; i++)
    {
      PfSmtpReply *reply = pf_smtp_reply_parser_feed (parser, lines[i], strlen (lines[i]), error);

      if (reply != NULL)
        {
          g_assert_null (lines[i + 1]);
          return reply;
        }
      if (error != NULL && *error != NULL)
        return NULL;
    }

  return NULL;
}

static void
test_single (void)
{
  g_autoptr(PfSmtpReplyParser) parser = pf_smtp_reply_parser_new ();
  g_autoptr(PfSmtpReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *lines[] = { "220 smtp.example.test ESMTP ready", NULL };

  reply = feed_all (parser, lines, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  g_assert_cmpuint (reply->code, ==, 220);
  g_assert_null (reply->enhanced_code);
  g_assert_cmpstr (reply->lines[0], ==, "smtp.example.test ESMTP ready");
  g_assert_null (reply->lines[1]);
  g_assert_true (pf_smtp_reply_is_success (reply));
  g_assert_true (pf_smtp_reply_parser_is_idle (parser));
}

static void
test_multi_line (void)
{
  g_autoptr(PfSmtpReplyParser) parser = pf_smtp_reply_parser_new ();
  g_autoptr(PfSmtpReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *lines[] = { "250-smtp.example.test", "250-PIPELINING", "250-SIZE 1000",
                          "250 8BITMIME", NULL };

  reply = feed_all (parser, lines, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  g_assert_cmpuint (reply->code, ==, 250);
  g_assert_cmpuint (g_strv_length (reply->lines), ==, 4);
  g_assert_cmpstr (reply->lines[2], ==, "SIZE 1000");
  text = pf_smtp_reply_dup_text (reply);
  g_assert_cmpstr (text, ==, "smtp.example.test\nPIPELINING\nSIZE 1000\n8BITMIME");
}

static void
test_bare_code (void)
{
  g_autoptr(PfSmtpReplyParser) parser = pf_smtp_reply_parser_new ();
  g_autoptr(PfSmtpReply) reply = NULL;
  g_autoptr(GError) error = NULL;

  /* RFC 5321 §4.2: the text is optional. */
  reply = pf_smtp_reply_parser_feed (parser, "354", 3, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  g_assert_cmpuint (reply->code, ==, 354);
  g_assert_cmpstr (reply->lines[0], ==, "");
}

static void
test_enhanced (void)
{
  g_autoptr(PfSmtpReplyParser) parser = pf_smtp_reply_parser_new ();
  g_autoptr(PfSmtpReply) reply = NULL;
  g_autoptr(PfSmtpReply) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) converted = NULL;
  const char *lines[] = { "550-5.1.1 No such user", "550 5.1.1 here", NULL };

  reply = feed_all (parser, lines, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply->enhanced_code, ==, "5.1.1");
  g_assert_cmpstr (reply->lines[0], ==, "No such user");
  g_assert_cmpstr (reply->lines[1], ==, "here");

  converted = pf_smtp_reply_to_error (reply, "refused");
  g_assert_error (converted, PF_SMTP_ERROR, PF_SMTP_ERROR_PERMANENT);
  g_assert_cmpuint (pf_smtp_error_get_reply_code (converted), ==, 550);
  g_assert_cmpstr (pf_smtp_error_get_enhanced_code (converted), ==, "5.1.1");
  g_assert_cmpstr (pf_smtp_error_get_server_text (converted), ==, "No such user\nhere");

  /* A class that does not match the reply, or digits without dots, is text. */
  other = pf_smtp_reply_parser_feed (parser, "250 4.1.1 odd", 13, &error);
  g_assert_no_error (error);
  g_assert_null (other->enhanced_code);
  g_assert_cmpstr (other->lines[0], ==, "4.1.1 odd");
}

static void
test_error_codes (void)
{
  g_autoptr(PfSmtpReplyParser) parser = pf_smtp_reply_parser_new ();
  g_autoptr(PfSmtpReply) temporary = NULL;
  g_autoptr(PfSmtpReply) large = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) a = NULL;
  g_autoptr(GError) b = NULL;

  temporary = pf_smtp_reply_parser_feed (parser, "451 4.3.0 try later", 19, &error);
  g_assert_no_error (error);
  a = pf_smtp_reply_to_error (temporary, "x");
  g_assert_error (a, PF_SMTP_ERROR, PF_SMTP_ERROR_TEMPORARY);

  large = pf_smtp_reply_parser_feed (parser, "552 5.3.4 too big", 17, &error);
  g_assert_no_error (error);
  b = pf_smtp_reply_to_error (large, "x");
  g_assert_error (b, PF_SMTP_ERROR, PF_SMTP_ERROR_MESSAGE_TOO_LARGE);
}

static void
check_malformed (const char * const *lines)
{
  g_autoptr(PfSmtpReplyParser) parser = pf_smtp_reply_parser_new ();
  g_autoptr(PfSmtpReply) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = feed_all (parser, lines, &error);
  g_assert_null (reply);
  g_assert_error (error, PF_SMTP_ERROR, PF_SMTP_ERROR_PROTOCOL);
  g_assert_true (pf_smtp_reply_parser_is_idle (parser));
}

static void
test_malformed (void)
{
  const char *inconsistent[] = { "250-first", "251 second", NULL };
  const char *bad_separator[] = { "250-first", "250_second", NULL };
  const char *short_line[] = { "25", NULL };
  const char *not_digits[] = { "2x0 hello", NULL };
  const char *bad_class[] = { "650 hello", NULL };
  const char *empty[] = { "", NULL };
  const char *text_only[] = { "250-ok", "PIPELINING", NULL };

  check_malformed (inconsistent);
  check_malformed (bad_separator);
  check_malformed (short_line);
  check_malformed (not_digits);
  check_malformed (bad_class);
  check_malformed (empty);
  check_malformed (text_only);
}

static void
test_nul (void)
{
  g_autoptr(PfSmtpReplyParser) parser = pf_smtp_reply_parser_new ();
  g_autoptr(PfSmtpReply) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = pf_smtp_reply_parser_feed (parser, "250 a\0b", 7, &error);
  g_assert_null (reply);
  g_assert_error (error, PF_SMTP_ERROR, PF_SMTP_ERROR_PROTOCOL);
}

static void
test_overlong (void)
{
  g_autoptr(PfSmtpReplyParser) parser = pf_smtp_reply_parser_new ();
  g_autoptr(PfSmtpReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  line = g_malloc (PF_SMTP_REPLY_MAX_LINE + 2);
  memset (line, 'a', PF_SMTP_REPLY_MAX_LINE + 1);
  memcpy (line, "250 ", 4);
  line[PF_SMTP_REPLY_MAX_LINE + 1] = '\0';

  reply = pf_smtp_reply_parser_feed (parser, line, PF_SMTP_REPLY_MAX_LINE + 1, &error);
  g_assert_null (reply);
  g_assert_error (error, PF_SMTP_ERROR, PF_SMTP_ERROR_PROTOCOL);

  /* Exactly at the limit is fine. */
  g_clear_error (&error);
  reply = pf_smtp_reply_parser_feed (parser, line, PF_SMTP_REPLY_MAX_LINE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
}

static void
test_too_many_lines (void)
{
  g_autoptr(PfSmtpReplyParser) parser = pf_smtp_reply_parser_new ();
  g_autoptr(GError) error = NULL;
  PfSmtpReply *reply = NULL;
  guint i;

  for (i = 0; i <= PF_SMTP_REPLY_MAX_LINES && error == NULL; i++)
    {
      reply = pf_smtp_reply_parser_feed (parser, "250-more", 8, &error);
      g_assert_null (reply);
    }
  g_assert_error (error, PF_SMTP_ERROR, PF_SMTP_ERROR_PROTOCOL);
  g_assert_cmpuint (i, ==, PF_SMTP_REPLY_MAX_LINES + 1);
}

static void
test_reset (void)
{
  g_autoptr(PfSmtpReplyParser) parser = pf_smtp_reply_parser_new ();
  g_autoptr(PfSmtpReply) reply = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_null (pf_smtp_reply_parser_feed (parser, "250-half", 8, &error));
  g_assert_false (pf_smtp_reply_parser_is_idle (parser));
  pf_smtp_reply_parser_reset (parser);
  g_assert_true (pf_smtp_reply_parser_is_idle (parser));
  reply = pf_smtp_reply_parser_feed (parser, "221 bye", 7, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (reply->code, ==, 221);
  g_assert_cmpuint (g_strv_length (reply->lines), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/smtp/reply/single", test_single);
  g_test_add_func ("/smtp/reply/multi-line", test_multi_line);
  g_test_add_func ("/smtp/reply/bare-code", test_bare_code);
  g_test_add_func ("/smtp/reply/enhanced", test_enhanced);
  g_test_add_func ("/smtp/reply/error-codes", test_error_codes);
  g_test_add_func ("/smtp/reply/malformed", test_malformed);
  g_test_add_func ("/smtp/reply/nul", test_nul);
  g_test_add_func ("/smtp/reply/overlong", test_overlong);
  g_test_add_func ("/smtp/reply/too-many-lines", test_too_many_lines);
  g_test_add_func ("/smtp/reply/reset", test_reset);

  return g_test_run ();
}
