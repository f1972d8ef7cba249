/* bench-imap-parser.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-bench"

#include "config.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "imap/pf-imap-error.h"
#include "imap/pf-imap-parser.h"
#include "imap/pf-imap-types.h"

/*
 * Throughput of the IMAP parser on the answer to
 *   UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE
 *                  BODY.PEEK[HEADER.FIELDS (REFERENCES IN-REPLY-TO)])
 * compared with merely reading the same bytes from a socket in 64 KiB
 * reads, as a connection does.
 *
 *   bench-imap-parser [messages] [rounds]
 *     50,000 synthetic messages, written into a socket pair by a thread
 *   bench-imap-parser --server HOST PORT USER PASSWORD [rounds]
 *     a real server's INBOX over plain TCP, e.g. the "plaintext" Dovecot of
 *     tests/servers/pf-test-servers started with --variants --corpus 50000
 */

#define FETCH_ITEMS "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE " \
                    "BODY.PEEK[HEADER.FIELDS (REFERENCES IN-REPLY-TO)])"

#define READ_SIZE (64 * 1024)

static void
append_message (GString *out,
                guint    i)
{
  static const char *const names[] = {
    "Terry Gray", "=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?=", "Ana Lucía", NULL,
    "Support Team", "=?ISO-8859-1?Q?Andr=E9?=",
  };
  static const char *const subjects[] = {
    "IMAP4rev1 WG mtg summary and minutes",
    "Re: [list] Weekly report for project \\\"Postfach\\\"",
    "=?UTF-8?B?R3LDvMOfZSBhdXMgZGVtIFVybGF1Yg==?=",
    "Invoice 2026-11-0042",
  };
  const char *name = names[i % G_N_ELEMENTS (names)];
  g_autofree char *from = NULL;
  g_autofree char *header = NULL;

  from = name != NULL ? g_strdup_printf ("\"%s\"", name) : g_strdup ("NIL");

  if (i % 3 == 0)
    header = g_strdup_printf ("References: <%u.%u@mail.example.org>\r\n"
                              "In-Reply-To: <%u.%u@mail.example.org>\r\n\r\n",
                              i - 2, i * 7, i - 1, i * 13);
  else
    header = g_strdup ("\r\n");

  g_string_append_printf (out,
                          "* %u FETCH (UID %u FLAGS (%s) INTERNALDATE \"%2u-Jul-2025 02:44:25 -0700\" "
                          "RFC822.SIZE %u ENVELOPE (\"Wed, 17 Jul 2025 02:23:25 -0700 (PDT)\" "
                          "\"%s\" ((%s NIL \"sender%u\" \"example.org\")) "
                          "((%s NIL \"sender%u\" \"example.org\")) "
                          "((%s NIL \"sender%u\" \"example.org\")) "
                          "((NIL NIL \"list\" \"lists.example.org\")(\"Someone Else\" NIL \"else\" \"example.com\")) "
                          "NIL NIL %s \"<%u.%u@mail.example.org>\") ",
                          i + 1, i + 1000,
                          i % 4 == 0 ? "\\Seen \\Answered" : i % 4 == 1 ? "\\Seen" : "",
                          i % 28 + 1, 2000 + i * 37 % 100000,
                          subjects[i % G_N_ELEMENTS (subjects)], from, i, from, i, from, i,
                          i % 3 == 0 ? "\"<prev@mail.example.org>\"" : "NIL", i, i * 7);

  if (i % 2 == 0)
    g_string_append (out,
                     "BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL "
                     "\"quoted-printable\" 1234 40 NIL NIL NIL NIL)(\"text\" \"html\" "
                     "(\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 4567 80 NIL NIL NIL NIL) "
                     "\"alternative\" (\"boundary\" \"----=_Part_1234_5678.1700000000000\") NIL NIL NIL) ");
  else
    g_string_append (out,
                     "BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
                     "812 20 NIL NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"invoice.pdf\") NIL NIL "
                     "\"base64\" 91234 NIL (\"attachment\" (\"filename\" \"invoice.pdf\")) NIL NIL) "
                     "\"mixed\" (\"boundary\" \"b1\") NIL NIL NIL) ");

  g_string_append_printf (out, "BODY[HEADER.FIELDS (REFERENCES IN-REPLY-TO)] {%zu}\r\n%s)\r\n",
                          strlen (header), header);
}

typedef struct
{
  GBytes *data;
  int     fd;
} Writer;

static gpointer
writer_thread (gpointer user_data)
{
  Writer *writer = user_data;
  gsize size;
  const char *data = g_bytes_get_data (writer->data, &size);
  gsize offset = 0;

  while (offset < size)
    {
      ssize_t n = write (writer->fd, data + offset, MIN (size - offset, (gsize) READ_SIZE));

      if (n <= 0)
        break;
      offset += n;
    }

  close (writer->fd);
  return NULL;
}

/* Reads the stream from a socket; with @parser also parses each read as a
 * connection does (drop what was consumed, keep the rest). */
static double
run_socket (GBytes       *data,
            PfImapParser *parser,
            gboolean      decode,
            guint        *n_responses)
{
  g_autofree guint8 *buffer = g_malloc (2 * READ_SIZE + 1024 * 1024);
  GThread *thread;
  Writer writer;
  gsize start = 0;
  gsize end = 0;
  gint64 begin;
  int fds[2];

  *n_responses = 0;
  if (socketpair (AF_UNIX, SOCK_STREAM, 0, fds) != 0)
    g_error ("socketpair failed");

  writer.data = data;
  writer.fd = fds[1];

  begin = g_get_monotonic_time ();
  thread = g_thread_new ("writer", writer_thread, &writer);

  for (;;)
    {
      ssize_t n;

      if (start == end)
        start = end = 0;
      else if (end + READ_SIZE > 2 * READ_SIZE + 1024 * 1024)
        {
          memmove (buffer, buffer + start, end - start);
          end -= start;
          start = 0;
        }

      n = read (fds[0], buffer + end, READ_SIZE);
      if (n <= 0)
        break;
      end += n;

      while (parser != NULL && start < end)
        {
          g_autoptr(GError) error = NULL;
          PfImapResponse *response = NULL;
          PfImapParseStatus status;
          gsize consumed = 0;

          status = pf_imap_parser_feed (parser, buffer + start, end - start, &consumed,
                                        &response, &error);
          if (status == PF_IMAP_PARSE_ERROR)
            g_error ("parse error: %s", error->message);
          start += consumed;

          if (response != NULL)
            {
              if (decode && pf_imap_response_is_keyword (response, "FETCH"))
                {
                  PfImapFetch *fetch = pf_imap_fetch_new_from_response (response, &error);

                  if (fetch == NULL)
                    g_error ("decode error: %s", error->message);
                  pf_imap_fetch_free (fetch);
                }
              pf_imap_response_unref (response);
              (*n_responses)++;
            }
          if (status == PF_IMAP_PARSE_NEED_MORE)
            break;
        }
      if (parser == NULL)
        start = end;
    }

  g_thread_join (thread);
  close (fds[0]);

  return (g_get_monotonic_time () - begin) / 1e6;
}

/* Parses from memory in 64 KiB pieces: the parser alone. */
static double
run_memory (GBytes       *data,
            PfImapParser *parser,
            gboolean      decode,
            guint        *n_responses)
{
  gsize size;
  const guint8 *bytes = g_bytes_get_data (data, &size);
  gsize offset = 0;
  gint64 begin = g_get_monotonic_time ();

  *n_responses = 0;
  while (offset < size)
    {
      gsize piece = MIN ((gsize) READ_SIZE, size - offset);
      gsize used = 0;

      while (used < piece)
        {
          g_autoptr(GError) error = NULL;
          PfImapResponse *response = NULL;
          PfImapParseStatus status;
          gsize consumed = 0;

          status = pf_imap_parser_feed (parser, bytes + offset + used, piece - used, &consumed,
                                        &response, &error);
          if (status == PF_IMAP_PARSE_ERROR)
            g_error ("parse error: %s", error->message);
          used += consumed;

          if (response != NULL)
            {
              if (decode && pf_imap_response_is_keyword (response, "FETCH"))
                {
                  PfImapFetch *fetch = pf_imap_fetch_new_from_response (response, &error);

                  if (fetch == NULL)
                    g_error ("decode error: %s", error->message);
                  pf_imap_fetch_free (fetch);
                }
              pf_imap_response_unref (response);
              (*n_responses)++;
            }
        }
      offset += piece;
    }

  return (g_get_monotonic_time () - begin) / 1e6;
}

/* Against a server */

typedef struct
{
  GSocket *socket;
  guint8  *buffer;
  gsize    start;
  gsize    end;
  guint64  total;
} Server;

static gsize
server_read (Server *server)
{
  g_autoptr(GError) error = NULL;
  gssize n;

  if (server->start == server->end)
    server->start = server->end = 0;
  else if (server->end + READ_SIZE > 4 * READ_SIZE)
    {
      memmove (server->buffer, server->buffer + server->start, server->end - server->start);
      server->end -= server->start;
      server->start = 0;
    }

  n = g_socket_receive (server->socket, (char *) server->buffer + server->end, READ_SIZE,
                        NULL, &error);
  if (n <= 0)
    g_error ("reading from the server: %s", error != NULL ? error->message : "closed");

  server->end += n;
  server->total += n;
  return n;
}

static void
server_send (Server     *server,
             const char *command)
{
  g_autoptr(GError) error = NULL;

  if (!g_socket_send_with_blocking (server->socket, command, strlen (command), TRUE, NULL, &error))
    g_error ("writing to the server: %s", error->message);
}

static const guint8 *
find_line_start (const guint8 *data,
                 gsize         length,
                 const char   *marker,
                 gsize         marker_len)
{
  const guint8 *end = data + length;
  const guint8 *p = data;

  while (p < end && (p = memchr (p, '\n', end - p)) != NULL)
    {
      if ((gsize) (end - p) < marker_len)
        return p;   /* maybe the start of it */
      if (memcmp (p, marker, marker_len) == 0)
        return p;
      p++;
    }

  return NULL;
}

/* Reads until the line "TAG …", without parsing: how a client that does
 * nothing with the data would read it. The tag is unusual enough not to
 * appear at a line start inside a literal. */
static void
read_until_tagged (Server     *server,
                   const char *tag)
{
  g_autofree char *marker = g_strdup_printf ("\n%s ", tag);
  gsize marker_len = strlen (marker);

  for (;;)
    {
      const guint8 *data;
      const guint8 *found;
      gsize length;

      server_read (server);
      data = server->buffer + server->start;
      length = server->end - server->start;

      found = find_line_start (data, length, marker, marker_len);
      if (found == NULL)
        {
          /* Nothing to keep but a possible line start at the end. */
          server->start = server->end;
          continue;
        }

      if ((gsize) (data + length - found) >= marker_len &&
          memcmp (found, marker, marker_len) == 0 &&
          memchr (found + 1, '\n', data + length - (found + 1)) != NULL)
        {
          server->start = server->end = 0;
          return;
        }

      /* Keep the line start; if it was not the tag, look further on. */
      if ((gsize) (data + length - found) >= marker_len && memcmp (found, marker, marker_len) != 0)
        found = find_line_start (found + 1, data + length - (found + 1), marker, marker_len);
      server->start = found != NULL ? (gsize) (found - server->buffer) : server->end;
    }
}

/* Reads and parses until the tagged response; with @decode, decodes each
 * FETCH too. Returns the number of FETCH responses. */
static guint
parse_until_tagged (Server       *server,
                    PfImapParser *parser,
                    gboolean      decode)
{
  guint n_fetch = 0;

  for (;;)
    {
      server_read (server);

      while (server->start < server->end)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(PfImapResponse) response = NULL;
          PfImapParseStatus status;
          gsize consumed = 0;

          status = pf_imap_parser_feed (parser, server->buffer + server->start,
                                        server->end - server->start, &consumed, &response, &error);
          if (status == PF_IMAP_PARSE_ERROR)
            g_error ("parse error: %s", error->message);
          server->start += consumed;

          if (response == NULL)
            {
              if (status == PF_IMAP_PARSE_NEED_MORE)
                break;
              continue;
            }

          if (pf_imap_response_get_kind (response) == PF_IMAP_RESPONSE_TAGGED)
            {
              if (pf_imap_response_get_status (response) != PF_IMAP_RESPONSE_STATUS_OK)
                g_error ("the server said: %s", pf_imap_response_get_text (response, NULL));
              server->start = server->end = 0;
              return n_fetch;
            }

          if (pf_imap_response_is_keyword (response, "FETCH"))
            {
              n_fetch++;
              if (decode)
                {
                  PfImapFetch *fetch = pf_imap_fetch_new_from_response (response, &error);

                  if (fetch == NULL)
                    g_error ("decode error: %s", error->message);
                  pf_imap_fetch_free (fetch);
                }
            }
        }
    }
}

static int
run_server (const char *host,
            guint16     port,
            const char *user,
            const char *password,
            guint       rounds)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *login = NULL;
  g_autofree guint8 *buffer = g_malloc (4 * READ_SIZE + READ_SIZE);
  Server server = { NULL, NULL, 0, 0, 0 };
  double best_read = G_MAXDOUBLE;
  double best_parse = G_MAXDOUBLE;
  double best_decode = G_MAXDOUBLE;
  guint64 bytes = 0;
  guint n_fetch = 0;
  guint i;

  connection = g_socket_client_connect_to_host (client, host, port, NULL, &error);
  if (connection == NULL)
    g_error ("connecting: %s", error->message);
  server.socket = g_socket_connection_get_socket (connection);
  server.buffer = buffer;

  /* Greeting, login, select; the parser reads these. */
  login = g_strdup_printf ("L LOGIN \"%s\" \"%s\"\r\nS SELECT INBOX\r\n", user, password);
  server_send (&server, login);
  parse_until_tagged (&server, parser, FALSE);
  parse_until_tagged (&server, parser, FALSE);

  /* A first FETCH lets the server fill its cache. */
  server_send (&server, "W UID FETCH 1:* " FETCH_ITEMS "\r\n");
  n_fetch = parse_until_tagged (&server, parser, FALSE);

  for (i = 0; i < rounds; i++)
    {
      g_autofree char *read_command = g_strdup_printf ("Rd%u UID FETCH 1:* " FETCH_ITEMS "\r\n", i);
      g_autofree char *read_tag = g_strdup_printf ("Rd%u", i);
      gint64 begin;

      server.total = 0;
      begin = g_get_monotonic_time ();
      server_send (&server, read_command);
      read_until_tagged (&server, read_tag);
      best_read = MIN (best_read, (g_get_monotonic_time () - begin) / 1e6);
      bytes = server.total;

      begin = g_get_monotonic_time ();
      server_send (&server, "P UID FETCH 1:* " FETCH_ITEMS "\r\n");
      parse_until_tagged (&server, parser, FALSE);
      best_parse = MIN (best_parse, (g_get_monotonic_time () - begin) / 1e6);

      begin = g_get_monotonic_time ();
      server_send (&server, "D UID FETCH 1:* " FETCH_ITEMS "\r\n");
      parse_until_tagged (&server, parser, TRUE);
      best_decode = MIN (best_decode, (g_get_monotonic_time () - begin) / 1e6);
    }

  g_print ("# %u messages, %.1f MB from %s:%u, best of %u rounds\n",
           n_fetch, bytes / 1e6, host, port, rounds);
  g_print ("read from socket:            %7.1f ms  %7.0f MB/s\n", best_read * 1e3, bytes / 1e6 / best_read);
  g_print ("read + parse:                %7.1f ms  %.2fx read\n", best_parse * 1e3, best_parse / best_read);
  g_print ("read + parse + decode:       %7.1f ms  %.2fx read\n", best_decode * 1e3, best_decode / best_read);

  return 0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GString) stream = g_string_new (NULL);
  g_autoptr(GBytes) data = NULL;
  g_autoptr(PfImapParser) parser = pf_imap_parser_new ();
  guint n_messages = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 50000;
  guint rounds = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 5;
  double best_read = G_MAXDOUBLE;
  double best_parse = G_MAXDOUBLE;
  double best_decode = G_MAXDOUBLE;
  double best_socket_parse = G_MAXDOUBLE;
  double best_socket_decode = G_MAXDOUBLE;
  double mb;
  guint n;
  guint i;

  if (argc >= 6 && strcmp (argv[1], "--server") == 0)
    return run_server (argv[2], (guint16) g_ascii_strtoull (argv[3], NULL, 10), argv[4], argv[5],
                       argc > 6 ? (guint) g_ascii_strtoull (argv[6], NULL, 10) : 3);

  for (i = 0; i < n_messages; i++)
    append_message (stream, i);
  g_string_append (stream, "A5 OK Fetch completed (0.123 + 0.000 secs).\r\n");
  data = g_bytes_new (stream->str, stream->len);
  mb = stream->len / 1e6;

  for (i = 0; i < rounds; i++)
    {
      best_read = MIN (best_read, run_socket (data, NULL, FALSE, &n));
      best_parse = MIN (best_parse, run_memory (data, parser, FALSE, &n));
      g_assert (n == n_messages + 1);
      best_socket_parse = MIN (best_socket_parse, run_socket (data, parser, FALSE, &n));
      g_assert (n == n_messages + 1);
      best_decode = MIN (best_decode, run_memory (data, parser, TRUE, &n) );
      best_socket_decode = MIN (best_socket_decode, run_socket (data, parser, TRUE, &n));
    }

  g_print ("# %u messages, %.1f MB, best of %u rounds\n", n_messages, mb, rounds);
  g_print ("read from socket:            %7.1f ms  %7.0f MB/s\n", best_read * 1e3, mb / best_read);
  g_print ("parse only (memory):         %7.1f ms  %7.0f MB/s\n", best_parse * 1e3, mb / best_parse);
  g_print ("parse + decode (memory):     %7.1f ms  %7.0f MB/s\n", best_decode * 1e3, mb / best_decode);
  g_print ("read + parse (socket):       %7.1f ms  %.2fx read\n",
           best_socket_parse * 1e3, best_socket_parse / best_read);
  g_print ("read + parse + decode:       %7.1f ms  %.2fx read\n",
           best_socket_decode * 1e3, best_socket_decode / best_read);

  return 0;
}
