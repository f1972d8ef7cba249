/* test-imap-parser.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-test"

#include "config.h"

#include <string.h>

#include "imap/pf-imap-error.h"
#include "imap/pf-imap-parser.h"
#include "imap/pf-imap-response.h"

/* Server output as it comes off the wire, and the responses it must give,
 * in the form of pf_imap_response_to_string(). Every entry is also fed at
 * every split point, byte by byte and in random pieces, and must give the
 * same. */
typedef struct
{
  const char *name;
  const char *input;
  gsize       length;     /* 0: strlen (input) */
  const char *expected;   /* responses, one per line */
} ParseCase;

/* Input with NUL bytes in it: the literal and its length. */
#define WITH_NUL(s) s, sizeof (s) - 1

static const ParseCase parse_cases[] = {
  /* RFC 3501 §8, the sample session. */
  { "rfc3501/greeting", "* OK IMAP4rev1 Service Ready\r\n", 0,
    "* OK \"IMAP4rev1 Service Ready\"" },
  { "rfc3501/login", "a001 OK LOGIN completed\r\n", 0,
    "a001 OK \"LOGIN completed\"" },
  { "rfc3501/select",
    "* 18 EXISTS\r\n"
    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
    "* 2 RECENT\r\n"
    "* OK [UNSEEN 17] Message 17 is the first unseen message\r\n"
    "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
    "a002 OK [READ-WRITE] SELECT completed\r\n", 0,
    "* 18 EXISTS\n"
    "* FLAGS ((\\Answered \\Flagged \\Deleted \\Seen \\Draft))\n"
    "* 2 RECENT\n"
    "* OK [UNSEEN (17)] \"Message 17 is the first unseen message\"\n"
    "* OK [UIDVALIDITY (3857529045)] \"UIDs valid\"\n"
    "a002 OK [READ-WRITE] \"SELECT completed\"" },
  { "rfc3501/fetch-header",
    "* 12 FETCH (BODY[HEADER] {39}\r\n"
    "Date: Wed, 17 Jul 1996\r\n"
    "Subject: Hi\r\n\r\n"
    ")\r\n"
    "a003 OK FETCH completed\r\n", 0,
    "* 12 FETCH ((BODY[HEADER] {39}\"Date: Wed, 17 Jul 1996\\x0d\\x0aSubject: Hi\\x0d\\x0a\\x0d\\x0a\"))\n"
    "a003 OK \"FETCH completed\"" },
  { "rfc3501/fetch-full",
    "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
    "RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
    "\"IMAP4rev1 WG mtg summary and minutes\" "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((NIL NIL \"imap\" \"cac.washington.edu\")) "
    "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
    "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
    "\"<B27397-0100000@cac.washington.edu>\") "
    "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n", 0,
    "* 12 FETCH ((FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
    "RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
    "\"IMAP4rev1 WG mtg summary and minutes\" "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((NIL NIL \"imap\" \"cac.washington.edu\")) "
    "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\") "
    "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
    "\"<B27397-0100000@cac.washington.edu>\") "
    "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92)))" },
  { "rfc3501/store", "* 12 FETCH (FLAGS (\\Seen \\Deleted))\r\na004 OK +FLAGS completed\r\n", 0,
    "* 12 FETCH ((FLAGS (\\Seen \\Deleted)))\na004 OK \"+FLAGS completed\"" },
  { "rfc3501/logout",
    "* BYE IMAP4rev1 server terminating connection\r\n"
    "a005 OK LOGOUT completed\r\n", 0,
    "* BYE \"IMAP4rev1 server terminating connection\"\n"
    "a005 OK \"LOGOUT completed\"" },
  { "rfc3501/expunge", "* 3 EXPUNGE\r\n* 0 RECENT\r\n", 0,
    "* 3 EXPUNGE\n* 0 RECENT" },
  { "rfc3501/preauth", "* PREAUTH IMAP4rev1 server logged in as Smith\r\n", 0,
    "* PREAUTH \"IMAP4rev1 server logged in as Smith\"" },
  { "rfc3501/permanentflags",
    "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n", 0,
    "* OK [PERMANENTFLAGS ((\\Deleted \\Seen \\*))] \"Limited\"" },
  { "rfc3501/search", "* SEARCH 2 84 882\r\n* SEARCH\r\n", 0,
    "* SEARCH (2 84 882)\n* SEARCH" },
  { "rfc3501/status", "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n", 0,
    "* STATUS (blurdybloop (MESSAGES 231 UIDNEXT 44292))" },
  { "rfc3501/list",
    "* LIST (\\Noselect) \"/\" ~/Mail/foo\r\n"
    "* LIST (\\Noselect) NIL \"\"\r\n"
    "* LSUB () \".\" #news.comp.mail.misc\r\n", 0,
    "* LIST ((\\Noselect) \"/\" ~/Mail/foo)\n"
    "* LIST ((\\Noselect) NIL \"\")\n"
    "* LSUB (() \".\" #news.comp.mail.misc)" },
  { "rfc3501/list-literal",
    "* LIST (\\HasNoChildren) \"/\" {11}\r\nweird\"name)\r\n", 0,
    "* LIST ((\\HasNoChildren) \"/\" {11}\"weird\\\"name)\")" },
  { "rfc3501/continuation",
    "+ Ready for additional command text\r\n+\r\n+ \r\n"
    "+ YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ+iSzBJoAMCAQGhQgRA\r\n", 0,
    "+ \"Ready for additional command text\"\n+ \"\"\n+ \"\"\n"
    "+ \"YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ+iSzBJoAMCAQGhQgRA\"" },
  { "rfc3501/alert",
    "* OK [ALERT] System shutdown in 10 minutes\r\n"
    "* NO [ALERT] Mailbox is at 98% of quota\r\n", 0,
    "* OK [ALERT] \"System shutdown in 10 minutes\"\n"
    "* NO [ALERT] \"Mailbox is at 98% of quota\"" },
  { "rfc3501/bad", "* BAD Empty command line\r\nA1 BAD [PARSE] Syntax error\r\n", 0,
    "* BAD \"Empty command line\"\nA1 BAD [PARSE] \"Syntax error\"" },
  { "rfc3501/trycreate", "A003 NO [TRYCREATE] Mailbox doesn't exist\r\n", 0,
    "A003 NO [TRYCREATE] \"Mailbox doesn't exist\"" },
  { "rfc3501/badcharset", "A1 NO [BADCHARSET (UTF-8 \"US-ASCII\")] Unknown charset\r\n", 0,
    "A1 NO [BADCHARSET ((UTF-8 \"US-ASCII\"))] \"Unknown charset\"" },
  { "rfc3501/capability",
    "* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED\r\n", 0,
    "* CAPABILITY (IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED)" },

  /* Dovecot */
  { "dovecot/greeting",
    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.\r\n", 0,
    "* OK [CAPABILITY (IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN)] \"Dovecot (Debian) ready.\"" },
  { "dovecot/select",
    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*)] Flags permitted.\r\n"
    "* OK [UIDNEXT 4392] Predicted next UID\r\n"
    "* OK [HIGHESTMODSEQ 715194045007] Highest\r\n"
    "a2 OK [READ-ONLY] Examine completed (0.001 + 0.000 secs).\r\n", 0,
    "* OK [PERMANENTFLAGS ((\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*))] \"Flags permitted.\"\n"
    "* OK [UIDNEXT (4392)] \"Predicted next UID\"\n"
    "* OK [HIGHESTMODSEQ (715194045007)] \"Highest\"\n"
    "a2 OK [READ-ONLY] \"Examine completed (0.001 + 0.000 secs).\"" },
  { "dovecot/header-fields",
    "* 1 FETCH (UID 17 BODY[HEADER.FIELDS (REFERENCES IN-REPLY-TO)] {32}\r\n"
    "In-Reply-To: <a@example.org>\r\n\r\n"
    ")\r\n", 0,
    "* 1 FETCH ((UID 17 BODY[HEADER.FIELDS (REFERENCES IN-REPLY-TO)] {32}\"In-Reply-To: <a@example.org>\\x0d\\x0a\\x0d\\x0a\"))" },
  { "dovecot/id", "* ID (\"name\" \"Dovecot\")\r\n* ID NIL\r\n", 0,
    "* ID ((\"name\" \"Dovecot\"))\n* ID (NIL)" },
  { "dovecot/namespace", "* NAMESPACE ((\"\" \"/\")) NIL ((\"Shared/\" \"/\"))\r\n", 0,
    "* NAMESPACE (((\"\" \"/\")) NIL ((\"Shared/\" \"/\")))" },
  { "dovecot/enabled", "* ENABLED CONDSTORE QRESYNC\r\n", 0,
    "* ENABLED (CONDSTORE QRESYNC)" },
  { "dovecot/no-text", "a1 OK\r\n* OK [CLOSED]\r\n* OK [ALERT]text\r\n", 0,
    "a1 OK \"\"\n* OK [CLOSED] \"\"\n* OK [ALERT] \"text\"" },

  /* RFC 7162 */
  { "rfc7162/fetch-modseq", "* 1 FETCH (UID 4 MODSEQ (65402) FLAGS (\\Seen))\r\n", 0,
    "* 1 FETCH ((UID 4 MODSEQ (65402) FLAGS (\\Seen)))" },
  { "rfc7162/vanished", "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n* VANISHED 405,407\r\n", 0,
    "* VANISHED ((EARLIER) 41,43:116,118,120:211,214:540)\n* VANISHED (405,407)" },
  { "rfc7162/modified", "d105 OK [MODIFIED 7,9] Conditional STORE failed\r\n", 0,
    "d105 OK [MODIFIED (7,9)] \"Conditional STORE failed\"" },
  { "rfc7162/nomodseq", "* OK [NOMODSEQ] Sorry, this mailbox format doesn't support modsequences\r\n", 0,
    "* OK [NOMODSEQ] \"Sorry, this mailbox format doesn't support modsequences\"" },
  { "rfc7162/search-modseq", "* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n", 0,
    "* SEARCH (2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500))" },

  /* RFC 4315, RFC 4731, RFC 5530, RFC 5256 */
  { "rfc4315/appenduid", "A003 OK [APPENDUID 38505 3955] APPEND completed\r\n", 0,
    "A003 OK [APPENDUID (38505 3955)] \"APPEND completed\"" },
  { "rfc4315/copyuid", "A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n", 0,
    "A004 OK [COPYUID (38505 304,319:320 3956:3958)] \"Done\"" },
  { "rfc4731/esearch",
    "* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n"
    "* ESEARCH (TAG \"A284\") UID ALL 4:18,21,28\r\n", 0,
    "* ESEARCH ((TAG \"A282\") MIN 2 COUNT 3)\n"
    "* ESEARCH ((TAG \"A284\") UID ALL 4:18,21,28)" },
  { "rfc5530/authenticationfailed", "a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", 0,
    "a1 NO [AUTHENTICATIONFAILED] \"Authentication failed.\"" },
  { "rfc5256/thread", "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n", 0,
    "* THREAD ((2) (3 6 (4 23) (44 7 96)))" },

  /* Gmail */
  { "gmail/labels",
    "* 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 "
    "X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\") UID 4 FLAGS (\\Seen))\r\n", 0,
    "* 1 FETCH ((X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 "
    "X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\") UID 4 FLAGS (\\Seen)))" },
  { "gmail/xlist", "* XLIST (\\HasNoChildren \\AllMail) \"/\" \"[Gmail]/All Mail\"\r\n", 0,
    "* XLIST ((\\HasNoChildren \\AllMail) \"/\" \"[Gmail]/All Mail\")" },
  { "gmail/webalert",
    "* NO [WEBALERT https://accounts.google.com/signin/continue?sarp=1&scc=1] Web login required.\r\n", 0,
    "* NO [WEBALERT (https://accounts.google.com/signin/continue?sarp=1&scc=1)] \"Web login required.\"" },

  /* Exchange */
  { "exchange/unquoted-code-text", "* OK [XPROXYREASON some \"odd text] Hi\r\n", 0,
    "* OK [XPROXYREASON (\"some \\\"odd text\")] \"Hi\"" },
  { "exchange/no-code-close", "* OK [ALERT is not closed\r\n", 0,
    "* OK \"[ALERT is not closed\"" },

  /* Tokens */
  { "token/nil-vs-empty", "* X NIL nil Nil \"\" \"NIL\"\r\n", 0,
    "* X (NIL NIL NIL \"\" \"NIL\")" },
  { "token/escapes", "* X \"a\\\"b\\\\c\" \"\\\\\" \"tab\tin\"\r\n", 0,
    "* X (\"a\\\"b\\\\c\" \"\\\\\" \"tab\\x09in\")" },
  { "token/numbers", "* X 0 18446744073709551615 18446744073709551616 007\r\n", 0,
    "* X (0 18446744073709551615 18446744073709551616 007)" },
  { "token/sections",
    WITH_NUL ("* 3 FETCH (BODY[HEADER.FIELDS (A B)]<0> {2}\r\nab BINARY[1.2] ~{3}\r\nx\0y BODY[] NIL BODY[1]<5> \"\")\r\n"),
    "* 3 FETCH ((BODY[HEADER.FIELDS (A B)]<0> {2}\"ab\" BINARY[1.2] ~{3}\"x\\x00y\" BODY[] NIL BODY[1]<5> \"\"))" },
  { "token/literal-zero", "* 1 FETCH (BODY[] {0}\r\n)\r\n", 0,
    "* 1 FETCH ((BODY[] {0}\"\"))" },
  { "token/literal-plus", "* X {3+}\r\nabc\r\n", 0,
    "* X ({3}\"abc\")" },
  { "token/literal-crlf", "* X {6}\r\n)\r\n* Y\r\n", 0,
    "* X ({6}\")\\x0d\\x0a* Y\")" },
  { "token/literals-in-a-row", "* X ({1}\r\na {1}\r\nb)\r\n", 0,
    "* X (({1}\"a\" {1}\"b\"))" },
  { "token/utf8", "* LIST () \"/\" \"Entwürfe\"\r\n", 0,
    "* LIST (() \"/\" \"Entwürfe\")" },
  { "token/brackets-in-astring", "* LIST () \"/\" foo]bar\r\n* LIST () \"/\" foo[bar\r\n", 0,
    "* LIST (() \"/\" foo]bar)\n* LIST (() \"/\" foo[bar)" },
  { "token/extra-spaces", "* SEARCH  1   2 \r\n", 0,
    "* SEARCH (1 2)" },
  { "token/empty-lists", "* X () (()) ((() ()))\r\n", 0,
    "* X (() (()) ((() ())))" },
  { "token/lowercase-keyword", "* 5 fetch (uid 9)\r\na1 ok done\r\n", 0,
    "* 5 FETCH ((uid 9))\na1 OK \"done\"" },
  { "token/tag-chars", "A.1-x] OK done\r\n", 0,
    "A.1-x] OK \"done\"" },
};

/* The same responses with bare LF line ends. */
static const ParseCase lf_cases[] = {
  { "lf/select", "* 18 EXISTS\n* OK [UIDNEXT 5] x\na1 OK done\n", 0,
    "* 18 EXISTS\n* OK [UIDNEXT (5)] \"x\"\na1 OK \"done\"" },
  { "lf/literal", "* 1 FETCH (BODY[] {3}\nabc)\n", 0,
    "* 1 FETCH ((BODY[] {3}\"abc\"))" },
  { "lf/mixed", "* 1 EXISTS\r\n* 2 EXISTS\n", 0,
    "* 1 EXISTS\n* 2 EXISTS" },
};

typedef enum
{
  SPLIT_WHOLE,
  SPLIT_BYTES,
  SPLIT_RANDOM,
  SPLIT_AT,
} SplitMode;

typedef struct
{
  GString   *responses;
  GString   *streamed;     /* all streamed bytes */
  GString   *chunks;       /* one line per literal: item number uid size */
  gsize      literal_start;
  guint      n_chunks;
  gboolean   last_seen;
} Collected;

static void
collected_clear (Collected *collected)
{
  g_string_free (collected->responses, TRUE);
  g_string_free (collected->streamed, TRUE);
  g_string_free (collected->chunks, TRUE);
}

/* Plays the connection: a receive buffer fed in pieces, from which the
 * parser's consumed bytes are dropped. */
static PfImapParseStatus
run_parser (PfImapParser  *parser,
            const char    *input,
            gsize          length,
            SplitMode      mode,
            gsize          split_at,
            Collected     *collected,
            GError       **error)
{
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  PfImapParseStatus status = PF_IMAP_PARSE_NEED_MORE;
  gsize offset = 0;

  collected->responses = g_string_new (NULL);
  collected->streamed = g_string_new (NULL);
  collected->chunks = g_string_new (NULL);
  collected->literal_start = 0;
  collected->n_chunks = 0;
  collected->last_seen = FALSE;

  while (offset < length)
    {
      gsize piece;

      switch (mode)
        {
        case SPLIT_WHOLE:
          piece = length;
          break;
        case SPLIT_BYTES:
          piece = 1;
          break;
        case SPLIT_RANDOM:
          piece = g_test_rand_int_range (1, 40);
          break;
        case SPLIT_AT:
        default:
          piece = offset < split_at ? split_at - offset : length - offset;
          break;
        }
      piece = MIN (piece, length - offset);

      g_byte_array_append (buffer, (const guint8 *) input + offset, piece);
      offset += piece;

      for (;;)
        {
          g_autoptr(PfImapResponse) response = NULL;
          gsize consumed = 0;

          status = pf_imap_parser_feed (parser, buffer->data, buffer->len, &consumed,
                                        &response, error);
          if (status == PF_IMAP_PARSE_ERROR)
            return status;

          g_assert_cmpuint (consumed, <=, buffer->len);

          if (status == PF_IMAP_PARSE_LITERAL_DATA)
            {
              const PfImapLiteralChunk *chunk = pf_imap_parser_get_literal_chunk (parser);

              g_assert_cmpuint (chunk->length, >, 0);
              g_assert_true (chunk->data >= buffer->data);
              g_assert_true (chunk->data + chunk->length == buffer->data + consumed);
              g_assert_cmpint (chunk->first, ==, chunk->offset == 0);
              if (chunk->first)
                collected->literal_start = collected->streamed->len;
              g_assert_cmpuint (chunk->offset, ==, collected->streamed->len - collected->literal_start);
              g_assert_cmpint (chunk->last, ==, chunk->offset + chunk->length == chunk->size);
              if (chunk->first)
                g_string_append_printf (collected->chunks, "%s %" G_GUINT64_FORMAT " %u %" G_GUINT64_FORMAT "%s\n",
                                        chunk->item, chunk->number, chunk->uid, chunk->size,
                                        chunk->binary ? " binary" : "");
              g_string_append_len (collected->streamed, (const char *) chunk->data, chunk->length);
              collected->n_chunks++;
              collected->last_seen = chunk->last;
            }
          else if (status == PF_IMAP_PARSE_RESPONSE)
            {
              g_autofree char *text = pf_imap_response_to_string (response);

              if (collected->responses->len > 0)
                g_string_append_c (collected->responses, '\n');
              g_string_append (collected->responses, text);
            }

          g_byte_array_remove_range (buffer, 0, consumed);

          if (status == PF_IMAP_PARSE_NEED_MORE)
            {
              /* Everything fed is consumed while waiting for more. */
              g_assert_cmpuint (buffer->len, ==, 0);
              break;
            }
        }
    }

  return status;
}

static char *
parse_to_string (const char *input,
                 gsize       length,
                 SplitMode   mode,
                 gsize       split_at)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(GError) error = NULL;
  Collected collected;
  PfImapParseStatus status;
  char *result;

  status = run_parser (parser, input, length, mode, split_at, &collected, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, PF_IMAP_PARSE_NEED_MORE);
  g_assert_true (pf_imap_parser_is_idle (parser));

  result = g_strdup (collected.responses->str);
  collected_clear (&collected);
  return result;
}

static void
check_case (const ParseCase *test)
{
  gsize length = test->length != 0 ? test->length : strlen (test->input);
  g_autofree char *whole = NULL;
  gsize split;
  guint i;

  whole = parse_to_string (test->input, length, SPLIT_WHOLE, 0);
  g_assert_cmpstr (whole, ==, test->expected);

  for (split = 1; split < length; split++)
    {
      g_autofree char *result = parse_to_string (test->input, length, SPLIT_AT, split);

      g_assert_cmpstr (result, ==, test->expected);
    }

  {
    g_autofree char *result = parse_to_string (test->input, length, SPLIT_BYTES, 0);

    g_assert_cmpstr (result, ==, test->expected);
  }

  for (i = 0; i < 5; i++)
    {
      g_autofree char *result = parse_to_string (test->input, length, SPLIT_RANDOM, 0);

      g_assert_cmpstr (result, ==, test->expected);
    }
}

static void
test_parse_case (gconstpointer data)
{
  check_case (data);
}

/* All cases in one stream: state does not leak from one response into the
 * next. */
static void
test_parse_concatenated (void)
{
  g_autoptr(GString) input = g_string_new (NULL);
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autofree char *result = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      const ParseCase *test = &parse_cases[i];

      g_string_append_len (input, test->input,
                           test->length != 0 ? test->length : strlen (test->input));
      if (expected->len > 0)
        g_string_append_c (expected, '\n');
      g_string_append (expected, test->expected);
    }

  result = parse_to_string (input->str, input->len, SPLIT_WHOLE, 0);
  g_assert_cmpstr (result, ==, expected->str);

  for (i = 0; i < 20; i++)
    {
      g_autofree char *random = parse_to_string (input->str, input->len, SPLIT_RANDOM, 0);

      g_assert_cmpstr (random, ==, expected->str);
    }
}

/* Accessors on real responses. */

static PfImapResponse *
parse_one_len (PfImapParser *parser,
               const char   *input,
               gsize         length)
{
  g_autoptr(GError) error = NULL;
  PfImapResponse *response = NULL;
  PfImapParseStatus status;
  gsize consumed = 0;

  status = pf_imap_parser_feed (parser, (const guint8 *) input, length, &consumed,
                                &response, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, PF_IMAP_PARSE_RESPONSE);
  g_assert_cmpuint (consumed, ==, length);
  g_assert_nonnull (response);

  return response;
}

static PfImapResponse *
parse_one (PfImapParser *parser,
           const char   *input)
{
  return parse_one_len (parser, input, strlen (input));
}

static void
test_response_tagged (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(PfImapResponse) response = NULL;
  const PfImapValue *args;
  gsize length = 0;

  response = parse_one (parser, "A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n");
  g_assert_cmpint (pf_imap_response_get_kind (response), ==, PF_IMAP_RESPONSE_TAGGED);
  g_assert_cmpstr (pf_imap_response_get_tag (response), ==, "A004");
  g_assert_cmpint (pf_imap_response_get_status (response), ==, PF_IMAP_RESPONSE_STATUS_OK);
  g_assert_cmpstr (pf_imap_response_get_keyword (response), ==, "OK");
  g_assert_cmpstr (pf_imap_response_get_code (response), ==, "COPYUID");
  g_assert_true (pf_imap_response_has_code (response, "copyuid"));
  g_assert_false (pf_imap_response_has_code (response, "APPENDUID"));
  g_assert_cmpstr (pf_imap_response_get_text (response, &length), ==, "Done");
  g_assert_cmpuint (length, ==, 4);
  g_assert_false (pf_imap_response_has_number (response));
  g_assert_cmpuint (pf_imap_response_get_n_values (response), ==, 0);

  args = pf_imap_response_get_code_args (response);
  g_assert_cmpuint (pf_imap_value_get_n_items (args), ==, 3);
  g_assert_cmpuint (pf_imap_value_get_number (pf_imap_value_get_item (args, 0)), ==, 38505);
  g_assert_cmpstr (pf_imap_value_get_string (pf_imap_value_get_item (args, 1), NULL), ==,
                   "304,319:320");
  g_assert_cmpint (pf_imap_value_get_kind (pf_imap_value_get_item (args, 2)), ==,
                   PF_IMAP_VALUE_ATOM);
  g_assert_null (pf_imap_value_get_item (args, 3));
}

static void
test_response_untagged (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(PfImapResponse) exists = NULL;
  g_autoptr(PfImapResponse) alert = NULL;
  g_autoptr(PfImapResponse) continuation = NULL;

  exists = parse_one (parser, "* 23 EXISTS\r\n");
  g_assert_cmpint (pf_imap_response_get_kind (exists), ==, PF_IMAP_RESPONSE_UNTAGGED);
  g_assert_null (pf_imap_response_get_tag (exists));
  g_assert_cmpint (pf_imap_response_get_status (exists), ==, PF_IMAP_RESPONSE_STATUS_NONE);
  g_assert_true (pf_imap_response_has_number (exists));
  g_assert_cmpuint (pf_imap_response_get_number (exists), ==, 23);
  g_assert_true (pf_imap_response_is_keyword (exists, "exists"));
  g_assert_null (pf_imap_response_get_code (exists));

  alert = parse_one (parser, "* NO [ALERT] Mailbox is over quota\r\n");
  g_assert_cmpint (pf_imap_response_get_status (alert), ==, PF_IMAP_RESPONSE_STATUS_NO);
  g_assert_cmpstr (pf_imap_response_get_code (alert), ==, "ALERT");
  g_assert_cmpuint (pf_imap_value_get_n_items (pf_imap_response_get_code_args (alert)), ==, 0);
  g_assert_cmpstr (pf_imap_response_get_text (alert, NULL), ==, "Mailbox is over quota");

  continuation = parse_one (parser, "+ dGVzdA==\r\n");
  g_assert_cmpint (pf_imap_response_get_kind (continuation), ==, PF_IMAP_RESPONSE_CONTINUATION);
  g_assert_null (pf_imap_response_get_keyword (continuation));
  g_assert_cmpstr (pf_imap_response_get_text (continuation, NULL), ==, "dGVzdA==");
}

static void
test_value_accessors (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_auto(GStrv) flags = NULL;
  g_autofree char *dup = NULL;
  const PfImapValue *items;
  const PfImapValue *value;
  gsize length = 0;
  guint64 number = 0;

  static const char input[] =
    "* 5 FETCH (UID 42 FLAGS (\\Seen $Forwarded) RFC822.SIZE \"1234\" "
    "BINARY[1] ~{3}\r\na\0b BODY[] NIL X \"\")\r\n";

  response = parse_one_len (parser, input, sizeof input - 1);
  items = pf_imap_response_get_value (response, 0);
  g_assert_true (pf_imap_value_is_list (items));
  g_assert_cmpuint (pf_imap_value_get_n_items (items), ==, 12);

  value = pf_imap_value_lookup (items, "uid");
  g_assert_true (pf_imap_value_is_number (value));
  g_assert_cmpuint (pf_imap_value_get_number (value), ==, 42);
  g_assert_cmpstr (pf_imap_value_get_string (value, &length), ==, "42");
  g_assert_cmpuint (length, ==, 2);
  g_assert_true (pf_imap_value_equal_atom (pf_imap_value_get_item (items, 0), "Uid"));
  g_assert_false (pf_imap_value_equal_atom (pf_imap_value_get_item (items, 0), "UIDX"));

  value = pf_imap_value_lookup (items, "FLAGS");
  flags = pf_imap_value_dup_strv (value);
  g_assert_cmpuint (g_strv_length (flags), ==, 2);
  g_assert_cmpstr (flags[0], ==, "\\Seen");
  g_assert_cmpstr (flags[1], ==, "$Forwarded");

  value = pf_imap_value_lookup (items, "RFC822.SIZE");
  g_assert_cmpint (pf_imap_value_get_kind (value), ==, PF_IMAP_VALUE_STRING);
  g_assert_cmpuint (pf_imap_value_get_number (value), ==, 0);
  g_assert_true (pf_imap_value_to_number (value, &number));
  g_assert_cmpuint (number, ==, 1234);

  value = pf_imap_value_lookup (items, "BINARY[1]");
  g_assert_true (pf_imap_value_is_literal (value));
  g_assert_true (pf_imap_value_is_literal8 (value));
  g_assert_true (pf_imap_value_has_prefix (pf_imap_value_get_item (items, 6), "binary["));
  g_assert_nonnull (pf_imap_value_get_string (value, &length));
  g_assert_cmpuint (length, ==, 3);
  g_assert_cmpmem (pf_imap_value_get_string (value, NULL), 3, "a\0b", 3);
  dup = pf_imap_value_dup_string (value, &length);
  g_assert_cmpmem (dup, 4, "a\0b\0", 4);
  bytes = pf_imap_response_ref_bytes (response, value);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "a\0b", 3);

  value = pf_imap_value_lookup (items, "BODY[]");
  g_assert_true (pf_imap_value_is_nil (value));
  g_assert_null (pf_imap_value_get_string (value, &length));
  g_assert_cmpuint (length, ==, 0);
  g_assert_null (pf_imap_value_get_nstring (value, NULL));

  value = pf_imap_value_lookup (items, "X");
  g_assert_cmpint (pf_imap_value_get_kind (value), ==, PF_IMAP_VALUE_STRING);
  g_assert_false (pf_imap_value_is_nil (value));
  g_assert_false (pf_imap_value_is_literal (value));
  g_assert_cmpstr (pf_imap_value_get_nstring (value, NULL), ==, "");

  g_assert_null (pf_imap_value_lookup (items, "MISSING"));
  g_assert_null (pf_imap_value_get_item (items, 12));
  g_assert_cmpuint (pf_imap_value_get_n_items (value), ==, 0);
}

/* A FETCH item's origin is `<` digits `>` and nothing else: a "<" that does
 * not start one does not swallow what follows up to some ">". */
static void
test_value_item_origin (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(PfImapResponse) response = NULL;
  const PfImapValue *items;

  response = parse_one (parser, "* 1 FETCH (BODY[1]<12> NIL BODY[]<1 2> NIL BODY[]<> \"x\")\r\n");
  items = pf_imap_response_get_value (response, 0);
  g_assert_cmpuint (pf_imap_value_get_n_items (items), ==, 7);
  g_assert_cmpstr (pf_imap_value_get_string (pf_imap_value_get_item (items, 0), NULL), ==, "BODY[1]<12>");
  g_assert_cmpstr (pf_imap_value_get_string (pf_imap_value_get_item (items, 2), NULL), ==, "BODY[]<1");
  g_assert_cmpstr (pf_imap_value_get_string (pf_imap_value_get_item (items, 3), NULL), ==, "2>");
  g_assert_true (pf_imap_value_is_nil (pf_imap_value_get_item (items, 4)));
  g_assert_cmpstr (pf_imap_value_get_string (pf_imap_value_get_item (items, 5), NULL), ==, "BODY[]<>");
}

/* The bytes shared with pf_imap_response_ref_bytes() outlive the last
 * other reference to the response. */
static void
test_value_bytes_keep_response (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(GBytes) bytes = NULL;
  PfImapResponse *response;

  response = parse_one (parser, "* 1 FETCH (BODY[] {5}\r\nhello)\r\n");
  bytes = pf_imap_response_ref_bytes (response,
                                      pf_imap_value_lookup (pf_imap_response_get_value (response, 0),
                                                            "BODY[]"));
  pf_imap_response_unref (response);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "hello", 5);
}

/* Literals */

static void
test_literal_zero_length (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(PfImapResponse) response = NULL;
  const PfImapValue *value;
  gsize length = 99;

  response = parse_one (parser, "* 1 FETCH (BODY[] {0}\r\n BODY[1] NIL)\r\n");
  value = pf_imap_value_lookup (pf_imap_response_get_value (response, 0), "BODY[]");
  g_assert_cmpint (pf_imap_value_get_kind (value), ==, PF_IMAP_VALUE_STRING);
  g_assert_true (pf_imap_value_is_literal (value));
  g_assert_cmpstr (pf_imap_value_get_string (value, &length), ==, "");
  g_assert_cmpuint (length, ==, 0);

  value = pf_imap_value_lookup (pf_imap_response_get_value (response, 0), "BODY[1]");
  g_assert_true (pf_imap_value_is_nil (value));
}

static void
test_literal_large_in_memory (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(GString) input = g_string_new ("* 9 FETCH (BODY[] {300000}\r\n");
  g_autofree char *body = g_malloc (300000);
  g_autoptr(PfImapResponse) response = NULL;
  const PfImapValue *value;
  gsize length = 0;
  guint i;

  for (i = 0; i < 300000; i++)
    body[i] = "abc\r\n)"[i % 6];
  g_string_append_len (input, body, 300000);
  g_string_append (input, ")\r\n");

  response = parse_one (parser, input->str);
  value = pf_imap_value_lookup (pf_imap_response_get_value (response, 0), "BODY[]");
  g_assert_nonnull (pf_imap_value_get_string (value, &length));
  g_assert_cmpmem (pf_imap_value_get_string (value, NULL), length, body, 300000);
  g_assert_cmpuint (pf_imap_response_get_memory_size (response), >=, 300000);
  g_assert_cmpuint (pf_imap_response_get_memory_size (response), <, 300000 + 64 * 1024);
}

static void
check_streamed (SplitMode mode,
                gsize     split_at)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) input = g_string_new (NULL);
  g_autoptr(GString) body = g_string_new (NULL);
  static const char tail[] = "* 8 FETCH (BINARY[2] ~{12}\r\n\0\0\0\0\0\0\0\0\0\0\0\0)\r\n";
  Collected collected;
  PfImapParseStatus status;
  guint i;

  for (i = 0; i < 100; i++)
    g_string_append_c (body, "0123456789)\r\n"[i % 13]);

  g_string_append (input, "* 7 FETCH (UID 42 BODY[]<0> {100}\r\n");
  g_string_append_len (input, body->str, body->len);
  g_string_append (input, " FLAGS (\\Seen) BODY[1] {10}\r\n0123456789)\r\n");
  g_string_append (input, "* LIST () \"/\" {20}\r\n01234567890123456789\r\n");
  g_string_append_len (input, tail, sizeof tail - 1);

  pf_imap_parser_set_literal_stream_threshold (parser, 10);
  g_assert_cmpuint (pf_imap_parser_get_literal_stream_threshold (parser), ==, 10);
  /* Streamed literals do not count against the memory limit. */
  pf_imap_parser_set_max_literal (parser, 30);

  status = run_parser (parser, input->str, input->len, mode, split_at,
                       &collected, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, PF_IMAP_PARSE_NEED_MORE);

  g_assert_cmpstr (collected.responses->str, ==,
                   "* 7 FETCH ((UID 42 BODY[]<0> <streamed 100> FLAGS (\\Seen) BODY[1] {10}\"0123456789\"))\n"
                   "* LIST (() \"/\" {20}\"01234567890123456789\")\n"
                   "* 8 FETCH ((BINARY[2] <streamed 12>))");
  g_assert_cmpstr (collected.chunks->str, ==,
                   "BODY[]<0> 7 42 100\n"
                   "BINARY[2] 8 0 12 binary\n");
  g_assert_cmpuint (collected.streamed->len, ==, 112);
  g_assert_cmpmem (collected.streamed->str, 100, body->str, 100);
  g_assert_cmpmem (collected.streamed->str + 100, 12, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
  g_assert_true (collected.last_seen);
  if (mode == SPLIT_BYTES)
    g_assert_cmpuint (collected.n_chunks, ==, 112);
  if (mode == SPLIT_WHOLE)
    g_assert_cmpuint (collected.n_chunks, ==, 2);

  collected_clear (&collected);
}

static void
test_literal_streamed (void)
{
  gsize split;
  guint i;

  check_streamed (SPLIT_WHOLE, 0);
  check_streamed (SPLIT_BYTES, 0);
  for (i = 0; i < 10; i++)
    check_streamed (SPLIT_RANDOM, 0);
  for (split = 1; split < 200; split++)
    check_streamed (SPLIT_AT, split);
}

/* The streamed bytes point into the caller's buffer, consumed up to their
 * end, so a caller can write them out and drop them. */
static void
test_literal_streamed_consumed (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  const char *input = "* 1 FETCH (BODY[] {20}\r\n0123456789abcdefghij)\r\n";
  const PfImapLiteralChunk *chunk;
  PfImapParseStatus status;
  gsize consumed = 0;

  pf_imap_parser_set_literal_stream_threshold (parser, 0);

  status = pf_imap_parser_feed (parser, (const guint8 *) input, 30, &consumed, &response, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, PF_IMAP_PARSE_LITERAL_DATA);
  g_assert_cmpuint (consumed, ==, 30);
  chunk = pf_imap_parser_get_literal_chunk (parser);
  g_assert_true (chunk->data == (const guint8 *) input + 24);
  g_assert_cmpuint (chunk->length, ==, 6);
  g_assert_true (chunk->first);
  g_assert_false (chunk->last);
  g_assert_false (pf_imap_parser_is_idle (parser));

  status = pf_imap_parser_feed (parser, (const guint8 *) input + 30, 0, &consumed, &response, &error);
  g_assert_cmpint (status, ==, PF_IMAP_PARSE_NEED_MORE);
  g_assert_cmpuint (consumed, ==, 0);

  status = pf_imap_parser_feed (parser, (const guint8 *) input + 30, strlen (input) - 30,
                                &consumed, &response, &error);
  g_assert_cmpint (status, ==, PF_IMAP_PARSE_LITERAL_DATA);
  g_assert_cmpuint (consumed, ==, 14);
  chunk = pf_imap_parser_get_literal_chunk (parser);
  g_assert_cmpmem (chunk->data, chunk->length, "6789abcdefghij", 14);
  g_assert_cmpuint (chunk->offset, ==, 6);
  g_assert_true (chunk->last);
  g_assert_false (chunk->first);

  status = pf_imap_parser_feed (parser, (const guint8 *) input + 44, strlen (input) - 44,
                                &consumed, &response, &error);
  g_assert_cmpint (status, ==, PF_IMAP_PARSE_RESPONSE);
  g_assert_cmpuint (consumed, ==, 3);
  g_assert_cmpuint (pf_imap_value_get_streamed_size (pf_imap_value_lookup (pf_imap_response_get_value (response, 0),
                                                                           "BODY[]")), ==, 20);
  g_assert_true (pf_imap_parser_is_idle (parser));
}

/* Errors: each must fail with PF_IMAP_ERROR_PROTOCOL, at any split. */

typedef struct
{
  const char *name;
  const char *input;
  gsize       length;
} ErrorCase;

static const ErrorCase error_cases[] = {
  { "empty-line", "\r\n", 0 },
  { "empty-line-lf", "\n", 0 },
  { "garbage-binary", "\x01\x02\x03\r\n", 0 },
  { "garbage-parens", "(((\r\n", 0 },
  { "garbage-quoted-tag", "\"a1\" OK done\r\n", 0 },
  { "tag-only", "a1\r\n", 0 },
  { "tag-unknown-status", "a1 FOO bar\r\n", 0 },
  { "tag-bye", "a1 BYE bar\r\n", 0 },
  { "tag-no-keyword", "a1 \r\n", 0 },
  { "star-only", "*\r\n", 0 },
  { "star-no-space", "*OK\r\n", 0 },
  { "star-no-keyword", "* \r\n", 0 },
  { "star-number-only", "* 5\r\n", 0 },
  { "star-number-status", "* 5 OK hi\r\n", 0 },
  { "star-number-overflow", "* 99999999999999999999999 EXISTS\r\n", 0 },
  { "unbalanced-open", "* LIST (\\Noselect \"/\" foo\r\n", 0 },
  { "unbalanced-close", "* FLAGS \\Seen)\r\n", 0 },
  { "unbalanced-after-literal", "* 1 FETCH (BODY[] {1}\r\nx\r\n", 0 },
  { "quoted-unterminated", "* SEARCH \"abc\r\n", 0 },
  { "quoted-escape-at-end", "* SEARCH \"abc\\\r\n", 0 },
  { "quoted-nul", WITH_NUL ("* SEARCH \"a\0b\"\r\n") },
  { "quoted-cr", "* SEARCH \"a\rb\"\r\n", 0 },
  { "quoted-then-atom", "* X \"a\"b\r\n", 0 },
  { "literal-no-digits", "* 1 FETCH (BODY[] {}\r\n", 0 },
  { "literal-letters", "* 1 FETCH (BODY[] {abc}\r\n", 0 },
  { "literal-unclosed", "* 1 FETCH (BODY[] {5\r\n", 0 },
  { "literal-not-at-end", "* 1 FETCH (BODY[] {5} x\r\n", 0 },
  { "literal-overflow", "* 1 FETCH (BODY[] {99999999999999999999999}\r\n", 0 },
  { "literal-too-large", "* 1 FETCH (BODY[] {18446744073709551615}\r\n", 0 },
  { "literal8-plus", "* 1 FETCH (BINARY[] ~{5+}\r\n", 0 },
  { "atom-then-quote", "* SEARCH a\"b\"\r\n", 0 },
  { "atom-ctl", "* SEARCH a\x01" "b\r\n", 0 },
  { "atom-nul", WITH_NUL ("* SEARCH a\0b\r\n") },
  { "atom-backslash-alone", "* FLAGS (\\ \\Seen)\r\n", 0 },
  { "atom-backslash-inside", "* FLAGS (a\\b)\r\n", 0 },
  { "atom-brace-inside", "* X a{5}\r\n", 0 },
  { "section-ctl", "* 1 FETCH (BODY[a\x01] NIL)\r\n", 0 },
  { "text-nul", WITH_NUL ("a1 OK foo\0bar\r\n") },
  { "cr-in-line", "* SEARCH 1\r2\r\n", 0 },
};

static void
test_error_case (gconstpointer data)
{
  const ErrorCase *test = data;
  gsize length = test->length != 0 ? test->length : strlen (test->input);
  gsize split;

  for (split = 0; split < length; split++)
    {
      g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(PfImapResponse) response = NULL;
      Collected collected;
      PfImapParseStatus status;
      gsize consumed = 0;

      status = run_parser (parser, test->input, length,
                           split == 0 ? SPLIT_WHOLE : SPLIT_AT, split, &collected, &error);
      g_assert_cmpint (status, ==, PF_IMAP_PARSE_ERROR);
      g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_cmpstr (collected.responses->str, ==, "");
      collected_clear (&collected);

      /* And it stays failed. */
      g_clear_error (&error);
      status = pf_imap_parser_feed (parser, (const guint8 *) "* 1 EXISTS\r\n", 12, &consumed,
                                    &response, &error);
      g_assert_cmpint (status, ==, PF_IMAP_PARSE_ERROR);
      g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL);
      g_assert_null (response);

      /* Until it is reset. */
      g_clear_error (&error);
      pf_imap_parser_reset (parser);
      g_assert_true (pf_imap_parser_is_idle (parser));
      status = pf_imap_parser_feed (parser, (const guint8 *) "* 1 EXISTS\r\n", 12, &consumed,
                                    &response, &error);
      g_assert_no_error (error);
      g_assert_cmpint (status, ==, PF_IMAP_PARSE_RESPONSE);
    }
}

/* A response cut off is not an error for the parser: it waits. */
static void
test_error_truncated (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(GError) error = NULL;
  Collected collected;
  PfImapParseStatus status;
  const char *input = "* 1 EXISTS\r\n* 1 FETCH (BODY[] {10}\r\nabc";

  status = run_parser (parser, input, strlen (input), SPLIT_WHOLE, 0, &collected, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, PF_IMAP_PARSE_NEED_MORE);
  g_assert_cmpstr (collected.responses->str, ==, "* 1 EXISTS");
  g_assert_false (pf_imap_parser_is_idle (parser));
  collected_clear (&collected);
}

/* Limits */

static void
expect_limit_error (PfImapParser *parser,
                    const char   *input,
                    gssize        length)
{
  g_autoptr(GError) error = NULL;
  Collected collected;
  PfImapParseStatus status;

  if (length < 0)
    length = strlen (input);

  status = run_parser (parser, input, length, SPLIT_WHOLE, 0, &collected, &error);
  g_assert_cmpint (status, ==, PF_IMAP_PARSE_ERROR);
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL);
  collected_clear (&collected);
}

static void
expect_ok (PfImapParser *parser,
           const char   *input,
           const char   *expected)
{
  g_autoptr(GError) error = NULL;
  Collected collected;
  PfImapParseStatus status;

  status = run_parser (parser, input, strlen (input), SPLIT_BYTES, 0, &collected, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, PF_IMAP_PARSE_NEED_MORE);
  g_assert_cmpstr (collected.responses->str, ==, expected);
  collected_clear (&collected);
}

static void
test_limits_defaults (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();

  g_assert_cmpuint (pf_imap_parser_get_max_depth (parser), ==, PF_IMAP_PARSER_DEFAULT_MAX_DEPTH);
  g_assert_cmpuint (pf_imap_parser_get_max_line (parser), ==, PF_IMAP_PARSER_DEFAULT_MAX_LINE);
  g_assert_cmpuint (pf_imap_parser_get_max_literal (parser), ==, PF_IMAP_PARSER_DEFAULT_MAX_LITERAL);
  g_assert_cmpuint (pf_imap_parser_get_max_values (parser), ==, PF_IMAP_PARSER_DEFAULT_MAX_VALUES);
  g_assert_cmpuint (pf_imap_parser_get_literal_stream_threshold (parser), ==, G_MAXUINT64);
}

static void
test_limits_depth (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(GString) deep = g_string_new ("* X ");
  guint i;

  pf_imap_parser_set_max_depth (parser, 3);
  g_assert_cmpuint (pf_imap_parser_get_max_depth (parser), ==, 3);
  expect_ok (parser, "* X (((a)))\r\n", "* X ((((a))))");
  expect_limit_error (parser, "* X ((((a))))\r\n", -1);

  /* The default stops a hostile nesting long before the stack would. */
  g_clear_pointer (&parser, pf_imap_parser_free);
  parser = pf_imap_parser_new ();
  for (i = 0; i < 100000; i++)
    g_string_append_c (deep, '(');
  g_string_append (deep, "\r\n");
  expect_limit_error (parser, deep->str, deep->len);
}

static void
test_limits_line (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(GString) long_line = g_string_new ("* SEARCH");
  guint i;

  pf_imap_parser_set_max_line (parser, 32);
  g_assert_cmpuint (pf_imap_parser_get_max_line (parser), ==, 32);
  expect_ok (parser, "* SEARCH 1 2 3 4 5 6 7 8 9 10\r\n", "* SEARCH (1 2 3 4 5 6 7 8 9 10)");
  expect_limit_error (parser, "* SEARCH 1 2 3 4 5 6 7 8 9 10 11\r\n", -1);
  /* Also when the line does not end: nothing grows without bound. */
  pf_imap_parser_reset (parser);
  for (i = 0; i < 1000; i++)
    g_string_append (long_line, " 1");
  expect_limit_error (parser, long_line->str, long_line->len);
  /* Literals do not count, the line around them does. */
  pf_imap_parser_reset (parser);
  expect_ok (parser, "* 1 FETCH (BODY[] {40}\r\n0123456789012345678901234567890123456789)\r\n",
             "* 1 FETCH ((BODY[] {40}\"0123456789012345678901234567890123456789\"))");
}

static void
test_limits_literal (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();

  pf_imap_parser_set_max_literal (parser, 8);
  g_assert_cmpuint (pf_imap_parser_get_max_literal (parser), ==, 8);
  expect_ok (parser, "* X {4}\r\nabcd {4}\r\nefgh\r\n", "* X ({4}\"abcd\" {4}\"efgh\")");
  /* Per response, not per literal. */
  expect_limit_error (parser, "* X {4}\r\nabcd {5}\r\nefghi\r\n", -1);
  pf_imap_parser_reset (parser);
  expect_limit_error (parser, "* X {9}\r\n", -1);
  pf_imap_parser_reset (parser);
  /* Refused before a byte of it is allocated. */
  expect_limit_error (parser, "* X {4294967295}\r\n", -1);
}

static void
test_limits_values (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();

  pf_imap_parser_set_max_values (parser, 5);
  g_assert_cmpuint (pf_imap_parser_get_max_values (parser), ==, 5);
  /* Four atoms and the list. */
  expect_ok (parser, "* X (a b c d)\r\n", "* X ((a b c d))");
  expect_limit_error (parser, "* X (a b c d e)\r\n", -1);
  pf_imap_parser_reset (parser);
  expect_limit_error (parser, "* X (((((())))))\r\n", -1);
}

/* A FETCH response of the benchmark's shape takes one block of memory. */
static void
test_memory_arena (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  const char *input =
    "* 1 FETCH (UID 1 FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
    "RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
    "\"Subject\" ((\"Terry Gray\" NIL \"gray\" \"example.org\")) NIL NIL "
    "((NIL NIL \"imap\" \"example.org\")) NIL NIL NIL \"<id@example.org>\") "
    "BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92 NIL NIL NIL NIL) "
    "BODY[HEADER.FIELDS (REFERENCES IN-REPLY-TO)] {2}\r\n\r\n)\r\n";
  guint i;

  for (i = 0; i < 3; i++)
    {
      g_autoptr(PfImapResponse) response = parse_one (parser, input);

      g_assert_cmpuint (pf_imap_response_get_memory_size (response), <, 4096);
    }
}

int
main (int   argc,
      char *argv[])
{
  guint i;

  g_test_init (&argc, &argv, NULL);

  for (i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/imap/parser/case/%s", parse_cases[i].name);

      g_test_add_data_func (path, &parse_cases[i], test_parse_case);
    }
  for (i = 0; i < G_N_ELEMENTS (lf_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/imap/parser/case/%s", lf_cases[i].name);

      g_test_add_data_func (path, &lf_cases[i], test_parse_case);
    }
  g_test_add_func ("/imap/parser/concatenated", test_parse_concatenated);

  g_test_add_func ("/imap/parser/response/tagged", test_response_tagged);
  g_test_add_func ("/imap/parser/response/untagged", test_response_untagged);
  g_test_add_func ("/imap/parser/value/accessors", test_value_accessors);
  g_test_add_func ("/imap/parser/value/bytes-keep-response", test_value_bytes_keep_response);
  g_test_add_func ("/imap/parser/value/item-origin", test_value_item_origin);

  g_test_add_func ("/imap/parser/literal/zero-length", test_literal_zero_length);
  g_test_add_func ("/imap/parser/literal/large-in-memory", test_literal_large_in_memory);
  g_test_add_func ("/imap/parser/literal/streamed", test_literal_streamed);
  g_test_add_func ("/imap/parser/literal/streamed-consumed", test_literal_streamed_consumed);

  for (i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/imap/parser/error/%s", error_cases[i].name);

      g_test_add_data_func (path, &error_cases[i], test_error_case);
    }
  g_test_add_func ("/imap/parser/error/truncated", test_error_truncated);

  g_test_add_func ("/imap/parser/limits/defaults", test_limits_defaults);
  g_test_add_func ("/imap/parser/limits/depth", test_limits_depth);
  g_test_add_func ("/imap/parser/limits/line", test_limits_line);
  g_test_add_func ("/imap/parser/limits/literal", test_limits_literal);
  g_test_add_func ("/imap/parser/limits/values", test_limits_values);
  g_test_add_func ("/imap/parser/memory/arena", test_memory_arena);

  return g_test_run ();
}
