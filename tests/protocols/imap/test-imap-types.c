/* test-imap-types.c
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
#include "imap/pf-imap-types.h"

static PfImapResponse *
parse_len (const char *input,
           gsize       length)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(GError) error = NULL;
  PfImapResponse *response = NULL;
  PfImapParseStatus status;
  gsize consumed = 0;

  status = pf_imap_parser_feed (parser, (const guint8 *) input, length, &consumed,
                                &response, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, PF_IMAP_PARSE_RESPONSE);
  g_assert_cmpuint (consumed, ==, length);

  return response;
}

static PfImapResponse *
parse (const char *input)
{
  return parse_len (input, strlen (input));
}

static char *
date_time_to_string (GDateTime *date_time)
{
  if (date_time == NULL)
    return g_strdup ("(null)");

  return g_date_time_format_iso8601 (date_time);
}

static const PfImapAddress *
address_at (GPtrArray *addresses,
            guint      index)
{
  g_assert_nonnull (addresses);
  g_assert_cmpuint (index, <, addresses->len);

  return g_ptr_array_index (addresses, index);
}

/* FETCH */

/* RFC 3501 §7.4.2 / §8: the example FETCH with ENVELOPE and BODY. */
static void
test_fetch_rfc3501 (void)
{
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapFetch) fetch = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *internal_date = NULL;
  g_autofree char *date = NULL;
  g_autofree char *to = NULL;
  PfImapEnvelope *envelope;
  const PfImapAddress *address;

  response = parse ("* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
                    "RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
                    "\"IMAP4rev1 WG mtg summary and minutes\" "
                    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
                    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
                    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
                    "((NIL NIL \"imap\" \"cac.washington.edu\")) "
                    "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
                    "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
                    "\"<B27397-0100000@cac.washington.edu>\") "
                    "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n");

  fetch = pf_imap_fetch_new_from_response (response, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fetch);

  g_assert_cmpuint (fetch->seq, ==, 12);
  g_assert_cmpint (fetch->fields, ==,
                   PF_IMAP_FETCH_FLAGS | PF_IMAP_FETCH_INTERNALDATE | PF_IMAP_FETCH_RFC822_SIZE |
                   PF_IMAP_FETCH_ENVELOPE | PF_IMAP_FETCH_BODYSTRUCTURE);
  g_assert_cmpuint (fetch->uid, ==, 0);
  g_assert_cmpuint (g_strv_length (fetch->flags), ==, 1);
  g_assert_cmpstr (fetch->flags[0], ==, "\\Seen");
  g_assert_true (pf_imap_fetch_has_flag (fetch, "\\SEEN"));
  g_assert_false (pf_imap_fetch_has_flag (fetch, "\\Deleted"));
  g_assert_cmpuint (fetch->rfc822_size, ==, 4286);

  internal_date = date_time_to_string (fetch->internal_date);
  g_assert_cmpstr (internal_date, ==, "1996-07-17T09:44:25Z");

  envelope = fetch->envelope;
  g_assert_cmpstr (envelope->date, ==, "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)");
  date = date_time_to_string (envelope->date_time);
  g_assert_cmpstr (date, ==, "1996-07-17T09:23:25Z");
  g_assert_cmpstr (envelope->subject, ==, "IMAP4rev1 WG mtg summary and minutes");
  address = address_at (envelope->from, 0);
  g_assert_cmpstr (address->name, ==, "Terry Gray");
  g_assert_null (address->adl);
  g_assert_cmpstr (address->mailbox, ==, "gray");
  g_assert_cmpstr (address->host, ==, "cac.washington.edu");
  g_assert_null (address->members);
  g_assert_cmpuint (envelope->sender->len, ==, 1);
  g_assert_cmpuint (envelope->reply_to->len, ==, 1);
  address = address_at (envelope->to, 0);
  g_assert_null (address->name);
  g_assert_cmpstr (address->mailbox, ==, "imap");
  g_assert_cmpuint (envelope->cc->len, ==, 2);
  to = pf_imap_address_list_to_string (envelope->cc);
  g_assert_cmpstr (to, ==, "minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>");
  g_assert_null (envelope->bcc);
  g_assert_null (envelope->in_reply_to);
  g_assert_cmpstr (envelope->message_id, ==, "<B27397-0100000@cac.washington.edu>");

  g_assert_cmpstr (fetch->body_structure->type, ==, "text");
  g_assert_cmpstr (fetch->body_structure->subtype, ==, "plain");
  g_assert_cmpstr (pf_imap_body_structure_get_param (fetch->body_structure, "charset"), ==, "US-ASCII");
  g_assert_cmpstr (fetch->body_structure->encoding, ==, "7bit");
  g_assert_cmpuint (fetch->body_structure->size, ==, 3028);
  g_assert_cmpuint (fetch->body_structure->lines, ==, 92);
  g_assert_cmpstr (fetch->body_structure->section, ==, "1");
  g_assert_null (fetch->body_structure->md5);
  g_assert_null (fetch->body_structure->disposition);
  g_assert_null (fetch->bodies);
}

/* The benchmark's FETCH, as Dovecot answers it, with the header literal
 * shared with the response. */
static void
test_fetch_sync_items (void)
{
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapFetch) fetch = NULL;
  g_autoptr(GError) error = NULL;
  const PfImapFetchBody *body;
  const char *header = "References: <a@example.org>\r\nIn-Reply-To: <a@example.org>\r\n\r\n";
  g_autofree char *input = NULL;

  input = g_strdup_printf ("* 7 FETCH (UID 4711 MODSEQ (624140003) FLAGS (\\Seen $Forwarded) "
                           "INTERNALDATE \" 2-Feb-2026 23:59:60 +0100\" RFC822.SIZE 12345 "
                           "ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
                           "BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL NIL 0 0) "
                           "BODY[HEADER.FIELDS (REFERENCES IN-REPLY-TO)] {%zu}\r\n%s "
                           "BODY[1]<0> \"abc\" BINARY[2] NIL X-GM-LABELS (\\Inbox))\r\n",
                           strlen (header), header);
  response = parse (input);
  fetch = pf_imap_fetch_new_from_response (response, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (fetch->seq, ==, 7);
  g_assert_cmpuint (fetch->uid, ==, 4711);
  g_assert_cmpuint (fetch->modseq, ==, 624140003);
  g_assert_true (fetch->fields & PF_IMAP_FETCH_MODSEQ);
  g_assert_true (fetch->fields & PF_IMAP_FETCH_UID);
  g_assert_true (pf_imap_fetch_has_flag (fetch, "$forwarded"));
  /* A leap second reads as the second before. */
  g_assert_cmpint (g_date_time_to_unix (fetch->internal_date), ==, 1770073199);

  /* All NIL: an envelope of a message without headers. */
  g_assert_nonnull (fetch->envelope);
  g_assert_null (fetch->envelope->date);
  g_assert_null (fetch->envelope->date_time);
  g_assert_null (fetch->envelope->subject);
  g_assert_null (fetch->envelope->from);
  g_assert_null (fetch->envelope->message_id);

  g_assert_cmpuint (fetch->bodies->len, ==, 3);
  body = pf_imap_fetch_get_body (fetch, "header.fields  (References In-Reply-To)");
  g_assert_nonnull (body);
  g_assert_cmpstr (body->section, ==, "HEADER.FIELDS (REFERENCES IN-REPLY-TO)");
  g_assert_false (body->binary);
  g_assert_false (body->has_origin);
  g_assert_false (body->streamed);
  g_assert_cmpmem (g_bytes_get_data (body->data, NULL), g_bytes_get_size (body->data),
                   header, strlen (header));

  body = pf_imap_fetch_get_body (fetch, "1");
  g_assert_true (body->has_origin);
  g_assert_cmpuint (body->origin, ==, 0);
  g_assert_cmpuint (body->size, ==, 3);

  body = pf_imap_fetch_get_body (fetch, "2");
  g_assert_true (body->binary);
  g_assert_null (body->data);

  g_assert_null (pf_imap_fetch_get_body (fetch, ""));
  g_assert_null (pf_imap_fetch_get_body (fetch, "HEADER"));

  /* The bytes outlive the response and the fetch. */
  {
    GBytes *data = g_bytes_ref (pf_imap_fetch_get_body (fetch, "1")->data);

    g_clear_pointer (&fetch, pf_imap_fetch_free);
    g_clear_pointer (&response, pf_imap_response_unref);
    g_assert_cmpmem (g_bytes_get_data (data, NULL), g_bytes_get_size (data), "abc", 3);
    g_bytes_unref (data);
  }
}

static void
test_fetch_rfc822_items (void)
{
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapFetch) fetch = NULL;
  g_autoptr(GError) error = NULL;

  response = parse ("* 1 FETCH (RFC822 {5}\r\nHello RFC822.HEADER \"H\" RFC822.TEXT \"T\" BODY[]<10> {0}\r\n)\r\n");
  fetch = pf_imap_fetch_new_from_response (response, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (fetch->bodies->len, ==, 4);
  g_assert_cmpuint (pf_imap_fetch_get_body (fetch, "")->size, ==, 5);
  g_assert_cmpstr (g_bytes_get_data (pf_imap_fetch_get_body (fetch, "header")->data, NULL), ==, "H");
  g_assert_cmpstr (g_bytes_get_data (pf_imap_fetch_get_body (fetch, "TEXT")->data, NULL), ==, "T");
  g_assert_true (((PfImapFetchBody *) g_ptr_array_index (fetch->bodies, 3))->has_origin);
  g_assert_cmpuint (((PfImapFetchBody *) g_ptr_array_index (fetch->bodies, 3))->origin, ==, 10);
}

static void
test_fetch_streamed (void)
{
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapFetch) fetch = NULL;
  g_autoptr(GError) error = NULL;
  const char *input = "* 3 FETCH (UID 9 BODY[] {20}\r\n01234567890123456789)\r\n";
  const PfImapFetchBody *body;
  PfImapParseStatus status;
  gsize offset = 0;

  pf_imap_parser_set_literal_stream_threshold (parser, 10);
  do
    {
      gsize consumed = 0;

      status = pf_imap_parser_feed (parser, (const guint8 *) input + offset, strlen (input) - offset,
                                    &consumed, &response, &error);
      g_assert_no_error (error);
      offset += consumed;
    }
  while (status == PF_IMAP_PARSE_LITERAL_DATA);
  g_assert_cmpint (status, ==, PF_IMAP_PARSE_RESPONSE);

  fetch = pf_imap_fetch_new_from_response (response, &error);
  g_assert_no_error (error);
  body = pf_imap_fetch_get_body (fetch, "");
  g_assert_true (body->streamed);
  g_assert_null (body->data);
  g_assert_cmpuint (body->size, ==, 20);
}

typedef struct
{
  const char *name;
  const char *input;
} MalformedCase;

static const MalformedCase malformed_fetches[] = {
  { "no-number", "* FETCH (UID 1)\r\n" },
  { "zero", "* 0 FETCH (UID 1)\r\n" },
  { "not-a-list", "* 1 FETCH UID 1\r\n" },
  { "uid-string", "* 1 FETCH (UID \"1\")\r\n" },
  { "uid-too-large", "* 1 FETCH (UID 4294967296)\r\n" },
  { "flags-not-list", "* 1 FETCH (FLAGS \\Seen)\r\n" },
  { "size-list", "* 1 FETCH (RFC822.SIZE ())\r\n" },
  { "modseq-atom", "* 1 FETCH (MODSEQ (abc))\r\n" },
  { "envelope-short", "* 1 FETCH (ENVELOPE (NIL NIL))\r\n" },
  { "envelope-address-short", "* 1 FETCH (ENVELOPE (NIL NIL ((NIL NIL)) NIL NIL NIL NIL NIL NIL NIL))\r\n" },
  { "envelope-subject-list", "* 1 FETCH (ENVELOPE (NIL () NIL NIL NIL NIL NIL NIL NIL NIL))\r\n" },
  { "bodystructure-empty", "* 1 FETCH (BODYSTRUCTURE ())\r\n" },
  { "bodystructure-atom", "* 1 FETCH (BODYSTRUCTURE NIL)\r\n" },
  { "bodystructure-params", "* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" \"charset\" NIL NIL NIL 1 1))\r\n" },
  { "bodystructure-size", "* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL NIL \"big\" 1))\r\n" },
  { "body-section-list", "* 1 FETCH (BODY[] ())\r\n" },
  { "body-origin", "* 1 FETCH (BODY[]<x> NIL)\r\n" },
  { "name-not-atom", "* 1 FETCH (\"UID\" 1)\r\n" },
};

static void
test_fetch_malformed (gconstpointer data)
{
  const MalformedCase *test = data;
  g_autoptr(PfImapResponse) response = parse (test->input);
  g_autoptr(PfImapFetch) fetch = NULL;
  g_autoptr(GError) error = NULL;

  fetch = pf_imap_fetch_new_from_response (response, &error);
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL);
  g_assert_null (fetch);
}

/* Envelopes */

static PfImapEnvelope *
envelope_of (PfImapResponse *response)
{
  g_autoptr(GError) error = NULL;
  PfImapEnvelope *envelope;

  envelope = pf_imap_envelope_new_from_value (pf_imap_value_lookup (pf_imap_response_get_value (response, 0),
                                                                    "ENVELOPE"), &error);
  g_assert_no_error (error);
  g_assert_nonnull (envelope);

  return envelope;
}

/* Group syntax, RFC 3501 §7.4.2: a NIL host starts (mailbox set) or ends
 * (mailbox NIL) a group. */
static void
test_envelope_groups (void)
{
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapEnvelope) envelope = NULL;
  g_autofree char *to = NULL;
  const PfImapAddress *group;

  response = parse ("* 1 FETCH (ENVELOPE (NIL \"Team news\" NIL NIL NIL "
                    "((NIL NIL \"Team\" NIL)(\"Ann\" NIL \"ann\" \"example.org\")(NIL NIL \"bob\" \"example.org\")(NIL NIL NIL NIL)"
                    "(\"Carl\" NIL \"carl\" \"example.com\")) "
                    "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL))\r\n");
  envelope = envelope_of (response);

  g_assert_cmpuint (envelope->to->len, ==, 2);
  group = address_at (envelope->to, 0);
  g_assert_true (pf_imap_address_is_group (group));
  g_assert_cmpstr (group->name, ==, "Team");
  g_assert_null (group->mailbox);
  g_assert_null (pf_imap_address_dup_email (group));
  g_assert_cmpuint (group->members->len, ==, 2);
  g_assert_cmpstr (address_at (group->members, 0)->name, ==, "Ann");
  g_assert_cmpstr (address_at (group->members, 1)->mailbox, ==, "bob");
  g_assert_false (pf_imap_address_is_group (address_at (envelope->to, 1)));
  g_assert_cmpstr (address_at (envelope->to, 1)->name, ==, "Carl");

  to = pf_imap_address_list_to_string (envelope->to);
  g_assert_cmpstr (to, ==, "Team: Ann <ann@example.org>, bob@example.org;, Carl <carl@example.com>");

  g_assert_cmpuint (envelope->cc->len, ==, 1);
  group = address_at (envelope->cc, 0);
  g_assert_cmpstr (group->name, ==, "undisclosed-recipients");
  g_assert_cmpuint (group->members->len, ==, 0);
}

/* RFC 2047 in subjects and names, as Gmail and Exchange send them, and raw
 * 8-bit text from old mailers. */
static void
test_envelope_encoded_words (void)
{
  static const char input[] =
    "* 1 FETCH (ENVELOPE (\"Mon, 7 Feb 1994 21:52:25 -0800\" "
    "\"=?ISO-8859-1?Q?Gr=FC=DFe?= aus =?UTF-8?B?S8O2bG4=?=\" "
    "((\"=?utf-8?q?J=C3=B6rg_M=C3=BCller?=\" NIL \"joerg\" \"example.de\")) NIL NIL "
    "((\"Ana Luc\xc3\xad" "a\" NIL \"ana\" \"example.es\")(\"caf\xe9\" NIL \"x\" \"y\")) NIL NIL "
    "\"<a@b>\" \"<c@d>\"))\r\n";
  g_autoptr(PfImapResponse) response = parse (input);
  g_autoptr(PfImapEnvelope) envelope = envelope_of (response);
  g_autofree char *email = NULL;
  g_autofree char *date = NULL;

  g_assert_cmpstr (envelope->subject, ==, "Grüße aus Köln");
  g_assert_cmpstr (address_at (envelope->from, 0)->name, ==, "Jörg Müller");
  email = pf_imap_address_dup_email (address_at (envelope->from, 0));
  g_assert_cmpstr (email, ==, "joerg@example.de");
  g_assert_cmpstr (address_at (envelope->to, 0)->name, ==, "Ana Lucía");
  g_assert_true (g_utf8_validate (address_at (envelope->to, 1)->name, -1, NULL));
  g_assert_cmpstr (envelope->in_reply_to, ==, "<a@b>");
  g_assert_cmpstr (envelope->message_id, ==, "<c@d>");
  date = date_time_to_string (envelope->date_time);
  g_assert_cmpstr (date, ==, "1994-02-08T05:52:25Z");
}

static void
test_envelope_dates (void)
{
  static const struct
  {
    const char *date;
    const char *expected;
  } dates[] = {
    { "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)", "1996-07-17T09:23:25Z" },
    { "17 Jul 1996 02:23 +0000", "1996-07-17T02:23:00Z" },
    { "Thu, 1 Jan 2026 00:00:00 +0530", "2025-12-31T18:30:00Z" },
    /* Obsolete forms go to GMime. */
    { "Wed, 17 Jul 96 02:23:25 PDT", "1996-07-17T09:23:25Z" },
    { "Wed,  17 Jul 1996 02:23:25 GMT", "1996-07-17T02:23:25Z" },
    { "not a date", "(null)" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (dates); i++)
    {
      g_autofree char *input = g_strdup_printf ("* 1 FETCH (ENVELOPE (\"%s\" NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n",
                                                dates[i].date);
      g_autoptr(PfImapResponse) response = parse (input);
      g_autoptr(PfImapEnvelope) envelope = envelope_of (response);
      g_autofree char *text = date_time_to_string (envelope->date_time);

      g_assert_cmpstr (text, ==, dates[i].expected);
    }
}

static void
test_date_time_internaldate (void)
{
  static const struct
  {
    const char *text;
    const char *expected;
  } dates[] = {
    { "17-Jul-1996 02:44:25 -0700", "1996-07-17T09:44:25Z" },
    { " 7-Jul-1996 02:44:25 +0000", "1996-07-07T02:44:25Z" },
    { "7-jul-1996 02:44:25 +0000", "1996-07-07T02:44:25Z" },
    { "29-Feb-2024 12:00:00 +1400", "2024-02-28T22:00:00Z" },
    { "31-Dec-1969 23:59:59 +0000", "1969-12-31T23:59:59Z" },
    { "29-Feb-2023 12:00:00 +0000", "(null)" },
    { "17-Jul-1996 24:00:00 +0000", "(null)" },
    { "17-Jux-1996 02:44:25 -0700", "(null)" },
    { "17-Jul-1996 02:44:25", "(null)" },
    { "17-Jul-1996 02:44:25 -0760", "(null)" },
    { "17-Jul-1996 02:44:25 -0700 ", "(null)" },
    { "", "(null)" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (dates); i++)
    {
      g_autoptr(GDateTime) date_time = pf_imap_parse_date_time (dates[i].text, -1);
      g_autofree char *text = date_time_to_string (date_time);

      g_assert_cmpstr (text, ==, dates[i].expected);
    }
}

/* Body structures */

static PfImapBodyStructure *
body_structure_of (const char *input)
{
  g_autoptr(PfImapResponse) response = parse (input);
  g_autoptr(GError) error = NULL;
  PfImapBodyStructure *body;

  body = pf_imap_body_structure_new_from_value (pf_imap_value_lookup (pf_imap_response_get_value (response, 0),
                                                                      "BODYSTRUCTURE"), &error);
  g_assert_no_error (error);
  g_assert_nonnull (body);

  return body;
}

static const PfImapBodyStructure *
child_at (const PfImapBodyStructure *body,
          guint                      index)
{
  g_assert_nonnull (body->children);
  g_assert_cmpuint (index, <, body->children->len);

  return g_ptr_array_index (body->children, index);
}

/* Gmail: multipart/alternative with extension data. */
static void
test_body_structure_alternative (void)
{
  g_autoptr(PfImapBodyStructure) body = NULL;
  const PfImapBodyStructure *part;

  body = body_structure_of ("* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL "
                            "\"QUOTED-PRINTABLE\" 1234 40 NIL NIL NIL NIL)(\"TEXT\" \"HTML\" "
                            "(\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 5678 80 NIL NIL NIL NIL) "
                            "\"ALTERNATIVE\" (\"BOUNDARY\" \"000000000000abc\") NIL NIL NIL))\r\n");

  g_assert_true (pf_imap_body_structure_is_multipart (body));
  g_assert_cmpstr (body->type, ==, "multipart");
  g_assert_cmpstr (body->subtype, ==, "alternative");
  g_assert_null (body->section);
  g_assert_cmpstr (pf_imap_body_structure_get_param (body, "boundary"), ==, "000000000000abc");
  g_assert_cmpuint (body->children->len, ==, 2);

  part = child_at (body, 0);
  g_assert_false (pf_imap_body_structure_is_multipart (part));
  g_assert_cmpstr (part->type, ==, "text");
  g_assert_cmpstr (part->subtype, ==, "plain");
  g_assert_cmpstr (part->encoding, ==, "quoted-printable");
  g_assert_cmpstr (part->section, ==, "1");
  g_assert_cmpuint (part->size, ==, 1234);
  g_assert_cmpuint (part->lines, ==, 40);
  g_assert_cmpstr (pf_imap_body_structure_get_param (part, "Charset"), ==, "UTF-8");

  part = child_at (body, 1);
  g_assert_cmpstr (part->subtype, ==, "html");
  g_assert_cmpstr (part->section, ==, "2");
  g_assert_true (pf_imap_body_structure_find_section (body, "2") == part);
  g_assert_null (pf_imap_body_structure_find_section (body, "3"));
}

/* multipart/mixed with an attachment whose name is RFC 2231 encoded, split
 * into continuations, next to one with an RFC 2047 name (broken but
 * common) and language and location. */
static void
test_body_structure_attachment (void)
{
  g_autoptr(PfImapBodyStructure) body = NULL;
  const PfImapBodyStructure *part;

  body = body_structure_of ("* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 25 1 NIL NIL NIL NIL)"
                            "(\"application\" \"pdf\" (\"name*\" \"utf-8''Gr%C3%BC%C3%9Fe.pdf\") \"<id1@x>\" \"Rechnung\" \"base64\" 91234 "
                            "\"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"attachment\" (\"filename*0*\" \"utf-8''Gr%C3%BC\" \"filename*1*\" \"%C3%9Fe.pdf\" \"size\" \"66666\")) "
                            "(\"de\" \"en\") \"https://example.org/x.pdf\" \"x-extension\" (1 2))"
                            "(\"image\" \"png\" (\"name\" \"=?UTF-8?Q?Bild_=C3=A4?=.png\") NIL NIL \"base64\" 100 NIL \"inline\" \"de\") "
                            "\"mixed\" (\"boundary\" \"b1\") (\"inline\" NIL) \"en\" NIL))\r\n");

  g_assert_cmpstr (body->subtype, ==, "mixed");
  g_assert_cmpstr (body->disposition, ==, "inline");
  g_assert_null (body->disposition_params);
  g_assert_cmpstr (body->language[0], ==, "en");
  g_assert_null (body->language[1]);
  g_assert_null (body->location);

  part = child_at (body, 1);
  g_assert_cmpstr (part->type, ==, "application");
  g_assert_cmpstr (part->subtype, ==, "pdf");
  g_assert_cmpstr (part->section, ==, "2");
  g_assert_cmpstr (part->id, ==, "<id1@x>");
  g_assert_cmpstr (part->description, ==, "Rechnung");
  g_assert_cmpstr (part->encoding, ==, "base64");
  g_assert_cmpuint (part->size, ==, 91234);
  g_assert_cmpuint (part->lines, ==, 0);
  g_assert_cmpstr (part->md5, ==, "Q2hlY2sgSW50ZWdyaXR5IQ==");
  g_assert_cmpstr (part->disposition, ==, "attachment");
  g_assert_cmpstr (pf_imap_body_structure_get_param (part, "name"), ==, "Grüße.pdf");
  g_assert_cmpstr (pf_imap_body_structure_get_disposition_param (part, "filename"), ==, "Grüße.pdf");
  g_assert_cmpstr (pf_imap_body_structure_get_disposition_param (part, "size"), ==, "66666");
  g_assert_cmpstr (pf_imap_body_structure_get_filename (part), ==, "Grüße.pdf");
  g_assert_cmpuint (g_strv_length (part->language), ==, 2);
  g_assert_cmpstr (part->language[1], ==, "en");
  g_assert_cmpstr (part->location, ==, "https://example.org/x.pdf");

  part = child_at (body, 2);
  g_assert_cmpstr (part->disposition, ==, "inline");
  g_assert_cmpstr (pf_imap_body_structure_get_filename (part), ==, "Bild ä.png");
  g_assert_cmpstr (part->language[0], ==, "de");
}

/* message/rfc822 inside multipart/mixed, itself multipart; section numbers
 * as in RFC 3501 §6.4.5. */
static void
test_body_structure_message (void)
{
  g_autoptr(PfImapBodyStructure) body = NULL;
  const PfImapBodyStructure *message;
  const PfImapBodyStructure *inner;

  body = body_structure_of ("* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 10 1)"
                            "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 600 "
                            "(\"Tue, 1 Jan 2026 10:00:00 +0000\" \"Inner =?utf-8?q?=C3=BC?=\" "
                            "((\"Eve\" NIL \"eve\" \"example.org\")) NIL NIL NIL NIL NIL NIL \"<inner@x>\") "
                            "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 20 2 NIL NIL NIL NIL)"
                            "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 40 3 NIL NIL NIL NIL) \"alternative\") "
                            "30 NIL (\"attachment\" (\"filename\" \"fwd.eml\")) NIL NIL)"
                            "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 100 "
                            "(NIL \"Plain\" NIL NIL NIL NIL NIL NIL NIL NIL) "
                            "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 10 1) 5) \"mixed\"))\r\n");

  g_assert_cmpuint (body->children->len, ==, 3);
  message = child_at (body, 1);
  g_assert_cmpstr (message->type, ==, "message");
  g_assert_cmpstr (message->subtype, ==, "rfc822");
  g_assert_cmpstr (message->section, ==, "2");
  g_assert_cmpuint (message->lines, ==, 30);
  g_assert_cmpstr (message->disposition, ==, "attachment");
  g_assert_cmpstr (pf_imap_body_structure_get_filename (message), ==, "fwd.eml");
  g_assert_cmpstr (message->envelope->subject, ==, "Inner ü");
  g_assert_cmpstr (address_at (message->envelope->from, 0)->mailbox, ==, "eve");

  inner = message->body;
  g_assert_true (pf_imap_body_structure_is_multipart (inner));
  g_assert_cmpstr (inner->subtype, ==, "alternative");
  g_assert_cmpstr (child_at (inner, 0)->section, ==, "2.1");
  g_assert_cmpstr (child_at (inner, 1)->section, ==, "2.2");
  g_assert_true (pf_imap_body_structure_find_section (body, "2.2") == child_at (inner, 1));
  g_assert_true (pf_imap_body_structure_find_section (body, "2") == message);

  /* A single-part encapsulated message: its body is part 3.1. */
  message = child_at (body, 2);
  g_assert_cmpstr (message->section, ==, "3");
  g_assert_cmpstr (message->body->section, ==, "3.1");
  g_assert_cmpuint (message->lines, ==, 5);
}

/* Servers differ: missing extension data, NIL where strings belong,
 * numbers as strings, message/rfc822 without envelope. */
static void
test_body_structure_lenient (void)
{
  g_autoptr(PfImapBodyStructure) minimal = NULL;
  g_autoptr(PfImapBodyStructure) odd = NULL;
  g_autoptr(PfImapBodyStructure) nosubtype = NULL;

  minimal = body_structure_of ("* 1 FETCH (BODYSTRUCTURE (\"image\" \"gif\" NIL NIL NIL \"base64\" 4554))\r\n");
  g_assert_cmpstr (minimal->type, ==, "image");
  g_assert_null (minimal->params);
  g_assert_null (minimal->md5);
  g_assert_null (minimal->language);
  g_assert_cmpstr (minimal->section, ==, "1");

  odd = body_structure_of ("* 1 FETCH (BODYSTRUCTURE (NIL NIL (\"charset\" NIL) NIL NIL NIL \"17\" NIL))\r\n");
  g_assert_cmpstr (odd->type, ==, "application");
  g_assert_cmpstr (odd->subtype, ==, "octet-stream");
  g_assert_cmpstr (pf_imap_body_structure_get_param (odd, "charset"), ==, "");
  g_assert_cmpuint (odd->size, ==, 17);

  nosubtype = body_structure_of ("* 1 FETCH (BODYSTRUCTURE ((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 5 NIL)))\r\n");
  g_assert_cmpstr (nosubtype->subtype, ==, "mixed");
  g_assert_null (child_at (nosubtype, 0)->envelope);
  g_assert_null (child_at (nosubtype, 0)->body);
}

/* STATUS, LIST */

static void
test_status (void)
{
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapMailboxStatus) status = NULL;
  g_autoptr(GError) error = NULL;

  response = parse ("* STATUS \"Entw&APw-rfe\" (MESSAGES 231 UIDNEXT 44292 UIDVALIDITY 1 UNSEEN 0 "
                    "RECENT 2 HIGHESTMODSEQ 7011231777 SIZE 12345678901 DELETED 3 APPENDLIMIT NIL X-FOO 1)\r\n");
  status = pf_imap_mailbox_status_new_from_response (response, FALSE, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (status->mailbox, ==, "Entwürfe");
  g_assert_cmpstr (status->raw_mailbox, ==, "Entw&APw-rfe");
  g_assert_cmpuint (status->messages, ==, 231);
  g_assert_cmpuint (status->uidnext, ==, 44292);
  g_assert_cmpuint (status->uidvalidity, ==, 1);
  g_assert_cmpuint (status->unseen, ==, 0);
  g_assert_cmpuint (status->recent, ==, 2);
  g_assert_cmpuint (status->highestmodseq, ==, 7011231777);
  g_assert_cmpuint (status->size, ==, G_GUINT64_CONSTANT (12345678901));
  g_assert_cmpuint (status->deleted, ==, 3);
  g_assert_cmpint (status->fields, ==,
                   PF_IMAP_STATUS_MESSAGES | PF_IMAP_STATUS_UIDNEXT | PF_IMAP_STATUS_UIDVALIDITY |
                   PF_IMAP_STATUS_UNSEEN | PF_IMAP_STATUS_RECENT | PF_IMAP_STATUS_HIGHESTMODSEQ |
                   PF_IMAP_STATUS_SIZE | PF_IMAP_STATUS_DELETED);
}

static void
test_status_malformed (void)
{
  const char *inputs[] = {
    "* STATUS INBOX\r\n",
    "* STATUS INBOX MESSAGES 1\r\n",
    "* STATUS INBOX (MESSAGES 4294967296)\r\n",
    "* STATUS INBOX (\"MESSAGES\" 1)\r\n",
    "* STATUS \"&Jjo\" (MESSAGES 1)\r\n",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(PfImapResponse) response = parse (inputs[i]);
      g_autoptr(PfImapMailboxStatus) status = NULL;
      g_autoptr(GError) error = NULL;

      status = pf_imap_mailbox_status_new_from_response (response, FALSE, &error);
      g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL);
      g_assert_null (status);
    }
}

static PfImapListEntry *
list_entry (const char *input,
            gboolean    utf8)
{
  g_autoptr(PfImapResponse) response = parse (input);
  g_autoptr(GError) error = NULL;
  PfImapListEntry *entry;

  entry = pf_imap_list_entry_new_from_response (response, utf8, &error);
  g_assert_no_error (error);
  g_assert_nonnull (entry);

  return entry;
}

static void
test_list (void)
{
  g_autoptr(PfImapListEntry) sent = NULL;
  g_autoptr(PfImapListEntry) inbox = NULL;
  g_autoptr(PfImapListEntry) flat = NULL;
  g_autoptr(PfImapListEntry) utf7 = NULL;
  g_autoptr(PfImapListEntry) utf8 = NULL;
  g_autoptr(PfImapListEntry) gmail = NULL;
  g_autoptr(PfImapListEntry) literal = NULL;
  g_autoptr(PfImapListEntry) backslash = NULL;
  g_autoptr(PfImapListEntry) nil = NULL;

  sent = list_entry ("* LIST (\\HasNoChildren \\Sent \\Subscribed \\X-Custom) \"/\" \"Sent Messages\"\r\n", FALSE);
  g_assert_cmpstr (sent->name, ==, "Sent Messages");
  g_assert_cmpstr (sent->raw_name, ==, "Sent Messages");
  g_assert_cmpint (sent->delimiter, ==, '/');
  g_assert_cmpint (sent->attributes, ==,
                   PF_IMAP_MAILBOX_HAS_NO_CHILDREN | PF_IMAP_MAILBOX_SENT | PF_IMAP_MAILBOX_SUBSCRIBED);
  g_assert_cmpuint (g_strv_length (sent->attribute_names), ==, 4);
  g_assert_cmpstr (sent->attribute_names[3], ==, "\\X-Custom");
  g_assert_false (sent->is_inbox);

  inbox = list_entry ("* LIST (\\hasnochildren) \".\" inbox\r\n", FALSE);
  g_assert_cmpstr (inbox->name, ==, "INBOX");
  g_assert_cmpstr (inbox->raw_name, ==, "inbox");
  g_assert_true (inbox->is_inbox);
  g_assert_cmpint (inbox->attributes, ==, PF_IMAP_MAILBOX_HAS_NO_CHILDREN);

  flat = list_entry ("* LIST (\\Noselect \\NonExistent) NIL \"\"\r\n", FALSE);
  g_assert_cmpint (flat->delimiter, ==, 0);
  g_assert_cmpstr (flat->name, ==, "");
  g_assert_cmpint (flat->attributes, ==, PF_IMAP_MAILBOX_NOSELECT | PF_IMAP_MAILBOX_NONEXISTENT);

  utf7 = list_entry ("* LIST (\\Drafts) \"/\" \"INBOX/Entw&APw-rfe\"\r\n", FALSE);
  g_assert_cmpstr (utf7->name, ==, "INBOX/Entwürfe");
  g_assert_cmpstr (utf7->raw_name, ==, "INBOX/Entw&APw-rfe");
  g_assert_cmpint (utf7->attributes, ==, PF_IMAP_MAILBOX_DRAFTS);

  utf8 = list_entry ("* LIST (\\Trash \\Junk \\Archive \\All \\Flagged \\Important) \"/\" \"Entwürfe & Co\"\r\n", TRUE);
  g_assert_cmpstr (utf8->name, ==, "Entwürfe & Co");
  g_assert_cmpint (utf8->attributes, ==,
                   PF_IMAP_MAILBOX_TRASH | PF_IMAP_MAILBOX_JUNK | PF_IMAP_MAILBOX_ARCHIVE |
                   PF_IMAP_MAILBOX_ALL | PF_IMAP_MAILBOX_FLAGGED | PF_IMAP_MAILBOX_IMPORTANT);

  gmail = list_entry ("* XLIST (\\HasNoChildren \\AllMail \\Spam \\Starred \\Inbox) \"/\" \"[Gmail]/All Mail\"\r\n", FALSE);
  g_assert_cmpint (gmail->attributes, ==,
                   PF_IMAP_MAILBOX_HAS_NO_CHILDREN | PF_IMAP_MAILBOX_ALL | PF_IMAP_MAILBOX_JUNK |
                   PF_IMAP_MAILBOX_FLAGGED | PF_IMAP_MAILBOX_INBOX);
  g_assert_cmpstr (gmail->name, ==, "[Gmail]/All Mail");

  literal = list_entry ("* LSUB () \".\" {9}\r\nweird\"one ()\r\n", FALSE);
  g_assert_cmpstr (literal->name, ==, "weird\"one");

  backslash = list_entry ("* LIST (\\Marked \\NoInferiors) \"\\\\\" \"foo\\\\bar\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n", FALSE);
  g_assert_cmpint (backslash->delimiter, ==, '\\');
  g_assert_cmpstr (backslash->name, ==, "foo\\bar");
  g_assert_cmpint (backslash->attributes, ==, PF_IMAP_MAILBOX_MARKED | PF_IMAP_MAILBOX_NOINFERIORS);

  nil = list_entry ("* LIST () \"/\" NIL\r\n", FALSE);
  g_assert_cmpstr (nil->name, ==, "NIL");
  g_assert_cmpstr (nil->raw_name, ==, "NIL");
}

static void
test_list_malformed (void)
{
  static const struct
  {
    const char *input;
    gboolean    utf8;
  } inputs[] = {
    { "* LIST \"/\" INBOX\r\n", FALSE },
    { "* LIST () \"/\"\r\n", FALSE },
    { "* LIST () \"//\" INBOX\r\n", FALSE },
    { "* LIST () (\"/\") INBOX\r\n", FALSE },
    { "* LIST () \"/\" ()\r\n", FALSE },
    { "* LIST () \"/\" \"Entwürfe\"\r\n", FALSE },
    { "* LIST () \"/\" \"a&Jjo\"\r\n", FALSE },
    { "* LIST () \"/\" \"caf\xe9\"\r\n", TRUE },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(PfImapResponse) response = parse (inputs[i].input);
      g_autoptr(PfImapListEntry) entry = NULL;
      g_autoptr(GError) error = NULL;

      entry = pf_imap_list_entry_new_from_response (response, inputs[i].utf8, &error);
      g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_null (entry);
    }
}

static void
test_namespace (void)
{
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapNamespaces) namespaces = NULL;
  g_autoptr(GError) error = NULL;
  PfImapNamespace *namespace;

  response = parse ("* NAMESPACE ((\"\" \"/\")(\"#mh/\" \"/\" \"X-PARAM\" (\"FLAG1\"))) NIL "
                    "((\"Geteilt &AMQ-/\" \"/\"))\r\n");
  namespaces = pf_imap_namespaces_new_from_response (response, FALSE, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (namespaces->personal->len, ==, 2);
  namespace = g_ptr_array_index (namespaces->personal, 0);
  g_assert_cmpstr (namespace->prefix, ==, "");
  g_assert_cmpint (namespace->delimiter, ==, '/');
  namespace = g_ptr_array_index (namespaces->personal, 1);
  g_assert_cmpstr (namespace->prefix, ==, "#mh/");
  g_assert_cmpuint (namespaces->other->len, ==, 0);
  namespace = g_ptr_array_index (namespaces->shared, 0);
  g_assert_cmpstr (namespace->prefix, ==, "Geteilt Ä/");
  g_assert_cmpstr (namespace->raw_prefix, ==, "Geteilt &AMQ-/");

  g_clear_pointer (&response, pf_imap_response_unref);
  g_clear_pointer (&namespaces, pf_imap_namespaces_free);
  response = parse ("* NAMESPACE ((\"\" \"/\")) NIL\r\n");
  namespaces = pf_imap_namespaces_new_from_response (response, FALSE, &error);
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL);
  g_assert_null (namespaces);
}

/* SEARCH, ESEARCH, VANISHED */

static char *
matches_to_string (const PfImapSearchResult *result)
{
  return pf_imap_sequence_set_to_string (result->matches);
}

static void
test_search (void)
{
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapSearchResult) result = NULL;
  g_autoptr(PfImapResponse) empty_response = NULL;
  g_autoptr(PfImapSearchResult) empty = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  response = parse ("* SEARCH 23 2 5 6 7 11 12 18 19 20 5 (MODSEQ 917162500)\r\n");
  result = pf_imap_search_result_new_from_response (response, &error);
  g_assert_no_error (error);
  g_assert_null (result->tag);
  g_assert_false (result->uid);
  g_assert_cmpint (result->fields, ==, PF_IMAP_SEARCH_ALL | PF_IMAP_SEARCH_MODSEQ);
  g_assert_cmpuint (result->modseq, ==, 917162500);
  text = matches_to_string (result);
  g_assert_cmpstr (text, ==, "2,5:7,11:12,18:20,23");

  uids = pf_imap_sequence_set_to_array (result->matches, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (uids->len, ==, 10);
  g_assert_cmpuint (g_array_index (uids, guint32, 0), ==, 2);
  g_assert_cmpuint (g_array_index (uids, guint32, 9), ==, 23);

  empty_response = parse ("* SEARCH\r\n");
  empty = pf_imap_search_result_new_from_response (empty_response, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pf_imap_sequence_set_get_n_ranges (empty->matches), ==, 0);
  g_assert_cmpuint (empty->count, ==, 0);
}

static void
test_esearch (void)
{
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapSearchResult) result = NULL;
  g_autoptr(PfImapResponse) count_response = NULL;
  g_autoptr(PfImapSearchResult) count = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  response = parse ("* ESEARCH (TAG \"A284\") UID MIN 4 MAX 28 ALL 4:18,21,28 MODSEQ 12\r\n");
  result = pf_imap_search_result_new_from_response (response, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->tag, ==, "A284");
  g_assert_true (result->uid);
  g_assert_cmpint (result->fields, ==,
                   PF_IMAP_SEARCH_MIN | PF_IMAP_SEARCH_MAX | PF_IMAP_SEARCH_ALL | PF_IMAP_SEARCH_MODSEQ);
  g_assert_cmpuint (result->min, ==, 4);
  g_assert_cmpuint (result->max, ==, 28);
  g_assert_cmpuint (result->modseq, ==, 12);
  text = matches_to_string (result);
  g_assert_cmpstr (text, ==, "4:18,21,28");
  g_assert_cmpuint (pf_imap_sequence_set_get_count (result->matches, 0), ==, 17);

  count_response = parse ("* ESEARCH (TAG \"A285\") COUNT 0\r\n");
  count = pf_imap_search_result_new_from_response (count_response, &error);
  g_assert_no_error (error);
  g_assert_false (count->uid);
  g_assert_cmpint (count->fields, ==, PF_IMAP_SEARCH_COUNT);
  g_assert_cmpuint (count->count, ==, 0);
  g_assert_cmpuint (pf_imap_sequence_set_get_n_ranges (count->matches), ==, 0);
}

static void
test_search_malformed (void)
{
  const char *inputs[] = {
    "* SEARCH 1 abc\r\n",
    "* SEARCH 0\r\n",
    "* SEARCH 1 (FOO 2)\r\n",
    "* SEARCH 4294967296\r\n",
    "* ESEARCH (TAG) ALL 1\r\n",
    "* ESEARCH ALL 1:x\r\n",
    "* ESEARCH MIN\r\n",
    "* ESEARCH ALL \"1\"\r\n",
    "* ESEARCH (TAG \"a\") \"MIN\" 1\r\n",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(PfImapResponse) response = parse (inputs[i]);
      g_autoptr(PfImapSearchResult) result = NULL;
      g_autoptr(GError) error = NULL;

      result = pf_imap_search_result_new_from_response (response, &error);
      g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL);
      g_assert_null (result);
    }
}

static void
test_vanished (void)
{
  g_autoptr(PfImapResponse) earlier_response = NULL;
  g_autoptr(PfImapVanished) earlier = NULL;
  g_autoptr(PfImapResponse) now_response = NULL;
  g_autoptr(PfImapVanished) now = NULL;
  g_autoptr(PfImapResponse) bad_response = NULL;
  g_autoptr(PfImapVanished) bad = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  earlier_response = parse ("* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n");
  earlier = pf_imap_vanished_new_from_response (earlier_response, &error);
  g_assert_no_error (error);
  g_assert_true (earlier->earlier);
  text = pf_imap_sequence_set_to_string (earlier->uids);
  g_assert_cmpstr (text, ==, "41,43:116,118,120:211,214:540");
  g_assert_cmpuint (pf_imap_sequence_set_get_count (earlier->uids, 0), ==, 1 + 74 + 1 + 92 + 327);

  now_response = parse ("* VANISHED 405\r\n");
  now = pf_imap_vanished_new_from_response (now_response, &error);
  g_assert_no_error (error);
  g_assert_false (now->earlier);
  g_assert_true (pf_imap_sequence_set_contains (now->uids, 405, 0));

  bad_response = parse ("* VANISHED (LATER) 1\r\n");
  bad = pf_imap_vanished_new_from_response (bad_response, &error);
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL);
  g_assert_null (bad);
}

/* CAPABILITY */

static void
test_capabilities (void)
{
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapCapabilities) capabilities = NULL;
  g_autoptr(PfImapResponse) greeting = NULL;
  g_autoptr(PfImapCapabilities) from_code = NULL;
  g_autoptr(GError) error = NULL;

  response = parse ("* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE SORT CONDSTORE QRESYNC "
                    "special-use MOVE UTF8=ACCEPT AUTH=PLAIN auth=xoauth2 AUTH= APPENDLIMIT=35651584 X-GM-EXT-1\r\n");
  capabilities = pf_imap_capabilities_new_from_response (response, &error);
  g_assert_no_error (error);
  g_assert_cmpint (capabilities->flags, ==,
                   PF_IMAP_CAPABILITY_IMAP4REV1 | PF_IMAP_CAPABILITY_LITERAL_PLUS |
                   PF_IMAP_CAPABILITY_SASL_IR | PF_IMAP_CAPABILITY_ID | PF_IMAP_CAPABILITY_ENABLE |
                   PF_IMAP_CAPABILITY_IDLE | PF_IMAP_CAPABILITY_CONDSTORE | PF_IMAP_CAPABILITY_QRESYNC |
                   PF_IMAP_CAPABILITY_SPECIAL_USE | PF_IMAP_CAPABILITY_MOVE |
                   PF_IMAP_CAPABILITY_UTF8_ACCEPT | PF_IMAP_CAPABILITY_APPENDLIMIT |
                   PF_IMAP_CAPABILITY_GMAIL);
  g_assert_cmpuint (g_strv_length (capabilities->names), ==, 17);
  g_assert_cmpstr (capabilities->names[9], ==, "SPECIAL-USE");
  g_assert_cmpuint (g_strv_length (capabilities->auth_mechanisms), ==, 2);
  g_assert_cmpstr (capabilities->auth_mechanisms[0], ==, "PLAIN");
  g_assert_cmpstr (capabilities->auth_mechanisms[1], ==, "XOAUTH2");
  g_assert_true (pf_imap_capabilities_has (capabilities, "sort"));
  g_assert_true (pf_imap_capabilities_has (capabilities, "APPENDLIMIT=35651584"));
  g_assert_false (pf_imap_capabilities_has (capabilities, "STARTTLS"));

  greeting = parse ("* OK [CAPABILITY IMAP4rev2 STARTTLS LOGINDISABLED] ready\r\n");
  from_code = pf_imap_capabilities_new_from_response (greeting, &error);
  g_assert_no_error (error);
  g_assert_cmpint (from_code->flags, ==,
                   PF_IMAP_CAPABILITY_IMAP4REV2 | PF_IMAP_CAPABILITY_STARTTLS |
                   PF_IMAP_CAPABILITY_LOGINDISABLED);
  g_assert_cmpuint (g_strv_length (from_code->auth_mechanisms), ==, 0);
}

static void
test_capabilities_malformed (void)
{
  g_autoptr(PfImapResponse) response = parse ("* CAPABILITY IMAP4rev1 (X)\r\n");
  g_autoptr(PfImapCapabilities) capabilities = NULL;
  g_autoptr(GError) error = NULL;

  capabilities = pf_imap_capabilities_new_from_response (response, &error);
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL);
  g_assert_null (capabilities);
}

/* Sequence sets */

static void
test_sequence_set_parse (void)
{
  static const struct
  {
    const char *text;
    const char *expected;   /* NULL: an error */
    guint64     count;      /* with * = 20 */
  } sets[] = {
    { "1", "1", 1 },
    { "1:5,7,9:*", "1:5,7,9:*", 18 },
    { "*", "*", 1 },
    { "*:4", "*:4", 17 },
    { "5:3", "5:3", 3 },
    { "1:3,2:4,4", "1:3,2:4,4", 4 },
    { "4294967295", "4294967295", 1 },
    { "007", "7", 1 },
    { "", NULL, 0 },
    { "0", NULL, 0 },
    { "1:0", NULL, 0 },
    { "4294967296", NULL, 0 },
    { "1,", NULL, 0 },
    { ",1", NULL, 0 },
    { "1::2", NULL, 0 },
    { "1 2", NULL, 0 },
    { "$", NULL, 0 },
    { "-1", NULL, 0 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      g_autoptr(PfImapSequenceSet) set = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;

      set = pf_imap_sequence_set_parse (sets[i].text, -1, &error);
      if (sets[i].expected == NULL)
        {
          g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL);
          g_assert_null (set);
          continue;
        }

      g_assert_no_error (error);
      text = pf_imap_sequence_set_to_string (set);
      g_assert_cmpstr (text, ==, sets[i].expected);
      g_assert_cmpuint (pf_imap_sequence_set_get_count (set, 20), ==, sets[i].count);
    }
}

static void
test_sequence_set_compact (void)
{
  static const guint32 sorted[] = { 1, 2, 3, 5, 7, 8, 10, 4294967295 };
  static const guint32 unsorted[] = { 9, 3, 0, 2, 1, 3, 9, 10, 4 };
  g_autoptr(PfImapSequenceSet) set = NULL;
  g_autofree char *text = NULL;
  g_autofree char *unsorted_text = NULL;
  g_autofree char *empty = NULL;
  guint32 first = 0;
  guint32 last = 0;

  set = pf_imap_sequence_set_new_from_uids (sorted, G_N_ELEMENTS (sorted));
  text = pf_imap_sequence_set_to_string (set);
  g_assert_cmpstr (text, ==, "1:3,5,7:8,10,4294967295");
  g_assert_cmpuint (pf_imap_sequence_set_get_n_ranges (set), ==, 5);
  pf_imap_sequence_set_get_range (set, 2, &first, &last);
  g_assert_cmpuint (first, ==, 7);
  g_assert_cmpuint (last, ==, 8);

  unsorted_text = pf_imap_uids_to_sequence_string (unsorted, G_N_ELEMENTS (unsorted));
  g_assert_cmpstr (unsorted_text, ==, "1:4,9:10");

  empty = pf_imap_uids_to_sequence_string (NULL, 0);
  g_assert_cmpstr (empty, ==, "");
}

static void
test_sequence_set_expand (void)
{
  g_autoptr(PfImapSequenceSet) set = NULL;
  g_autoptr(PfImapSequenceSet) huge = NULL;
  g_autoptr(GArray) numbers = NULL;
  g_autoptr(GArray) none = NULL;
  g_autoptr(GError) error = NULL;

  set = pf_imap_sequence_set_parse ("7:5,1,3,*,6:9", -1, &error);
  g_assert_no_error (error);

  numbers = pf_imap_sequence_set_to_array (set, 12, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (numbers->len, ==, 8);
  g_assert_cmpuint (g_array_index (numbers, guint32, 0), ==, 1);
  g_assert_cmpuint (g_array_index (numbers, guint32, 1), ==, 3);
  g_assert_cmpuint (g_array_index (numbers, guint32, 2), ==, 5);
  g_assert_cmpuint (g_array_index (numbers, guint32, 6), ==, 9);
  g_assert_cmpuint (g_array_index (numbers, guint32, 7), ==, 12);

  g_assert_true (pf_imap_sequence_set_contains (set, 12, 12));
  g_assert_false (pf_imap_sequence_set_contains (set, 12, 0));
  g_assert_true (pf_imap_sequence_set_contains (set, 8, 0));
  g_assert_false (pf_imap_sequence_set_contains (set, 10, 12));
  /* Without a largest number, ranges with * are left out. */
  g_assert_cmpuint (pf_imap_sequence_set_get_count (set, 0), ==, 7);

  huge = pf_imap_sequence_set_parse ("1:4294967295", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pf_imap_sequence_set_get_count (huge, 0), ==, G_MAXUINT32);
  none = pf_imap_sequence_set_to_array (huge, 0, 1000000, &error);
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL);
  g_assert_null (none);
}

static void
test_sequence_set_chunks (void)
{
  g_autoptr(PfImapSequenceSet) set = pf_imap_sequence_set_new ();
  g_auto(GStrv) pieces = NULL;
  g_auto(GStrv) small = NULL;
  guint i;

  for (i = 0; i < 10; i++)
    pf_imap_sequence_set_add_range (set, 1000000 + i * 10, 1000000 + i * 10 + 5);
  pf_imap_sequence_set_add_range (set, 5, PF_IMAP_SEQUENCE_STAR);

  pieces = pf_imap_sequence_set_to_strings (set, 40);
  g_assert_cmpuint (g_strv_length (pieces), ==, 5);
  g_assert_cmpstr (pieces[0], ==, "1000000:1000005,1000010:1000015");
  g_assert_cmpstr (pieces[4], ==, "1000080:1000085,1000090:1000095,5:*");
  for (i = 0; pieces[i] != NULL; i++)
    g_assert_cmpuint (strlen (pieces[i]), <=, 40);

  /* Never below what one range needs. */
  small = pf_imap_sequence_set_to_strings (set, 1);
  g_assert_cmpuint (g_strv_length (small), ==, 10);
  g_assert_cmpstr (small[0], ==, "1000000:1000005");
  g_assert_cmpstr (small[9], ==, "1000090:1000095,5:*");
}

/* Errors from responses */

static void
test_error_from_response (void)
{
  static const struct
  {
    const char *input;
    int         code;
    const char *response_code;
    const char *text;
  } cases[] = {
    { "a1 NO [TRYCREATE] Mailbox doesn't exist\r\n", PF_IMAP_ERROR_NO, "TRYCREATE", "Mailbox doesn't exist" },
    { "a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", PF_IMAP_ERROR_AUTHENTICATION_FAILED,
      "AUTHENTICATIONFAILED", "Authentication failed." },
    { "a1 NO [authorizationfailed] No\r\n", PF_IMAP_ERROR_AUTHENTICATION_FAILED, "AUTHORIZATIONFAILED", "No" },
    { "a1 NO [ALERT] Over quota\r\n", PF_IMAP_ERROR_NO, "ALERT", "Over quota" },
    { "a1 BAD Command unknown\r\n", PF_IMAP_ERROR_BAD, NULL, "Command unknown" },
    { "* BYE Autologout; idle for too long\r\n", PF_IMAP_ERROR_BYE, NULL, "Autologout; idle for too long" },
    { "a1 NO caf\xe9\r\n", PF_IMAP_ERROR_NO, NULL, "caf\xef\xbf\xbd" },
    { "a1 OK done\r\n", PF_IMAP_ERROR_PROTOCOL, NULL, "done" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PfImapResponse) response = parse (cases[i].input);
      g_autoptr(GError) error = pf_imap_error_new_from_response (response);
      g_autoptr(GError) copy = NULL;

      g_assert_error (error, PF_IMAP_ERROR, cases[i].code);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_nonnull (strstr (error->message, cases[i].text));
      g_assert_cmpstr (pf_imap_error_get_response_code (error), ==, cases[i].response_code);
      g_assert_cmpstr (pf_imap_error_get_server_text (error), ==, cases[i].text);

      /* The payload survives a copy. */
      copy = g_error_copy (error);
      g_assert_cmpstr (pf_imap_error_get_response_code (copy), ==, cases[i].response_code);
      g_assert_cmpstr (pf_imap_error_get_server_text (copy), ==, cases[i].text);
    }
}

static void
test_error_other_domain (void)
{
  g_autoptr(GError) error = g_error_new_literal (G_CONVERT_ERROR, G_CONVERT_ERROR_FAILED, "x");

  g_assert_null (pf_imap_error_get_response_code (error));
  g_assert_null (pf_imap_error_get_server_text (error));
}

int
main (int   argc,
      char *argv[])
{
  guint i;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imap/types/fetch/rfc3501", test_fetch_rfc3501);
  g_test_add_func ("/imap/types/fetch/sync-items", test_fetch_sync_items);
  g_test_add_func ("/imap/types/fetch/rfc822-items", test_fetch_rfc822_items);
  g_test_add_func ("/imap/types/fetch/streamed", test_fetch_streamed);
  for (i = 0; i < G_N_ELEMENTS (malformed_fetches); i++)
    {
      g_autofree char *path = g_strdup_printf ("/imap/types/fetch/malformed/%s", malformed_fetches[i].name);

      g_test_add_data_func (path, &malformed_fetches[i], test_fetch_malformed);
    }

  g_test_add_func ("/imap/types/envelope/groups", test_envelope_groups);
  g_test_add_func ("/imap/types/envelope/encoded-words", test_envelope_encoded_words);
  g_test_add_func ("/imap/types/envelope/dates", test_envelope_dates);
  g_test_add_func ("/imap/types/date-time/internaldate", test_date_time_internaldate);

  g_test_add_func ("/imap/types/body-structure/alternative", test_body_structure_alternative);
  g_test_add_func ("/imap/types/body-structure/attachment", test_body_structure_attachment);
  g_test_add_func ("/imap/types/body-structure/message", test_body_structure_message);
  g_test_add_func ("/imap/types/body-structure/lenient", test_body_structure_lenient);

  g_test_add_func ("/imap/types/status/items", test_status);
  g_test_add_func ("/imap/types/status/malformed", test_status_malformed);
  g_test_add_func ("/imap/types/list/entries", test_list);
  g_test_add_func ("/imap/types/list/malformed", test_list_malformed);
  g_test_add_func ("/imap/types/namespace", test_namespace);

  g_test_add_func ("/imap/types/search/search", test_search);
  g_test_add_func ("/imap/types/search/esearch", test_esearch);
  g_test_add_func ("/imap/types/search/malformed", test_search_malformed);
  g_test_add_func ("/imap/types/vanished", test_vanished);

  g_test_add_func ("/imap/types/capability/list", test_capabilities);
  g_test_add_func ("/imap/types/capability/malformed", test_capabilities_malformed);

  g_test_add_func ("/imap/types/sequence-set/parse", test_sequence_set_parse);
  g_test_add_func ("/imap/types/sequence-set/compact", test_sequence_set_compact);
  g_test_add_func ("/imap/types/sequence-set/expand", test_sequence_set_expand);
  g_test_add_func ("/imap/types/sequence-set/chunks", test_sequence_set_chunks);

  g_test_add_func ("/imap/types/error/from-response", test_error_from_response);
  g_test_add_func ("/imap/types/error/other-domain", test_error_other_domain);

  return g_test_run ();
}
