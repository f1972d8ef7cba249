/* bench-smtp-send.c: submission of many messages through the SMTP engine,
 * against the raw floor of the same protocol exchange
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run with tests/bench/run-bench-smtp-send (it starts the test servers).
 * Both sides use the same server, the submissions port (TLS from the first
 * byte; the test server takes AUTH only under TLS), one connection, AUTH,
 * and one transaction per message from alice to bob with the same bytes:
 * MAIL FROM (with SIZE= and BODY=8BITMIME as the server's EHLO invites),
 * RCPT TO (pipelined with MAIL FROM when the server offers PIPELINING),
 * DATA, the message, ".". Only the transactions are timed.
 *
 * raw:    a blocking GTlsClientConnection, AUTH PLAIN; each reply read line
 *         by line, the message and its "." sent in one write.
 * engine: PfSmtpClient (its own choice of SASL mechanism), each message
 *         given as a GInputStream.
 *
 * The messages are generated (about 2 KB each, CRLF line ends, no line
 * starting with "."), so dot-stuffing changes nothing and the two sides
 * send the same bytes.
 *
 * Prints medians of alternating runs, the ratio engine/raw, and peak RSS.
 */

#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include "smtp/pf-smtp-client.h"
#include "pf-test-servers.h"

#define SERVICE "submissions"

typedef struct
{
  GAsyncResult *result;
  guint         sent;
} Bench;

static void
on_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Bench *bench = user_data;

  bench->result = g_object_ref (result);
}

static GAsyncResult *
wait_result (Bench *bench)
{
  while (bench->result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (&bench->result);
}

static long
peak_rss_kib (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

static long
current_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

static GPtrArray *
make_messages (PfTestServers *servers,
               guint          count)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint i = 0; i < count; i++)
    {
      GString *text = g_string_new (NULL);

      g_string_append_printf (text,
                              "From: Alice <%s>\r\n"
                              "To: Bob <%s>\r\n"
                              "Subject: Benchmark message %u\r\n"
                              "Date: Sun, 29 Nov 2026 12:00:00 +0000\r\n"
                              "Message-ID: <bench-smtp-%u@example.org>\r\n"
                              "MIME-Version: 1.0\r\n"
                              "Content-Type: text/plain; charset=utf-8\r\n"
                              "\r\n",
                              pf_test_servers_get_address (servers, "alice"),
                              pf_test_servers_get_address (servers, "bob"), i + 1, i + 1);
      for (guint line = 0; line < 30; line++)
        g_string_append_printf (text, "Line %02u of message %u: the quick brown fox jumps "
                                "over the lazy dog.\r\n", line + 1, i + 1);
      g_ptr_array_add (messages, g_string_free_to_bytes (text));
    }
  return messages;
}

/* The raw floor: a blocking TLS connection. */

typedef struct
{
  GSocketConnection *socket;
  GIOStream         *tls;
  GDataInputStream  *in;
  GOutputStream     *out;
} Raw;

static void
raw_send (Raw        *raw,
          const char *data,
          gsize       length)
{
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all (raw->out, data, length, NULL, NULL, &error))
    g_error ("send: %s", error->message);
}

/* Reads one reply, up to the line with a space after the code; with @text
 * the lines are appended to it. Fails on any code but @expected. */
static void
raw_reply (Raw        *raw,
           const char *expected,
           GString    *text)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line (raw->in, NULL, NULL, &error);

      if (line == NULL)
        g_error ("receive: %s", error ? error->message : "closed");
      if (strncmp (line, expected, 3) != 0)
        g_error ("expected %s, got: %s", expected, line);
      if (text != NULL)
        {
          g_string_append (text, line);
          g_string_append_c (text, '\n');
        }
      if (line[3] != '-')
        return;
    }
}

static void
raw_open (Raw           *raw,
          PfTestServers *servers,
          GTlsDatabase  *database)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GError) error = NULL;
  const char *host = pf_test_servers_get_host (servers, SERVICE);
  guint16 port = pf_test_servers_get_port (servers, SERVICE);

  raw->socket = g_socket_client_connect_to_host (client, host, port, NULL, &error);
  if (raw->socket == NULL)
    g_error ("connect: %s", error->message);
  identity = g_network_address_new (host, port);
  raw->tls = g_tls_client_connection_new (G_IO_STREAM (raw->socket), identity, &error);
  if (raw->tls == NULL)
    g_error ("TLS: %s", error->message);
  g_tls_connection_set_database (G_TLS_CONNECTION (raw->tls), database);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (raw->tls), NULL, &error))
    g_error ("handshake: %s", error->message);
  raw->in = g_data_input_stream_new (g_io_stream_get_input_stream (raw->tls));
  g_data_input_stream_set_newline_type (raw->in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  raw->out = g_io_stream_get_output_stream (raw->tls);
}

static void
raw_close (Raw *raw)
{
  g_io_stream_close (raw->tls, NULL, NULL);
  g_clear_object (&raw->in);
  g_clear_object (&raw->tls);
  g_clear_object (&raw->socket);
}

static gboolean
has_keyword (const char *ehlo,
             const char *keyword,
             guint64    *value)
{
  g_auto(GStrv) lines = g_strsplit (ehlo, "\n", -1);
  gsize length = strlen (keyword);

  for (guint i = 1; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (strlen (line) < 4 || g_ascii_strncasecmp (line + 4, keyword, length) != 0)
        continue;
      if (line[4 + length] != '\0' && line[4 + length] != ' ')
        continue;
      if (value != NULL)
        *value = line[4 + length] == ' ' ? g_ascii_strtoull (line + 5 + length, NULL, 10) : 0;
      return TRUE;
    }
  return FALSE;
}

static double
run_raw (PfTestServers *servers,
         GTlsDatabase  *database,
         GPtrArray     *messages,
         guint64       *bytes)
{
  g_autoptr(GString) ehlo = g_string_new (NULL);
  g_autoptr(GString) plain = g_string_new (NULL);
  g_autofree char *auth = NULL;
  g_autofree char *encoded = NULL;
  const char *from = pf_test_servers_get_address (servers, "alice");
  const char *to = pf_test_servers_get_address (servers, "bob");
  guint64 size_limit = 0;
  gboolean pipelining, eightbit;
  Raw raw = { 0 };
  gint64 start;
  double seconds;

  raw_open (&raw, servers, database);
  raw_reply (&raw, "220", NULL);
  raw_send (&raw, "EHLO bench.localhost\r\n", 22);
  raw_reply (&raw, "250", ehlo);
  pipelining = has_keyword (ehlo->str, "PIPELINING", NULL);
  eightbit = has_keyword (ehlo->str, "8BITMIME", NULL);
  has_keyword (ehlo->str, "SIZE", &size_limit);

  g_string_append_c (plain, '\0');
  g_string_append (plain, pf_test_servers_get_login (servers, "alice"));
  g_string_append_c (plain, '\0');
  g_string_append (plain, pf_test_servers_get_password (servers, "alice"));
  encoded = g_base64_encode ((const guchar *) plain->str, plain->len);
  auth = g_strdup_printf ("AUTH PLAIN %s\r\n", encoded);
  raw_send (&raw, auth, strlen (auth));
  raw_reply (&raw, "235", NULL);

  *bytes = 0;
  start = g_get_monotonic_time ();
  for (guint i = 0; i < messages->len; i++)
    {
      GBytes *message = g_ptr_array_index (messages, i);
      gsize length;
      const char *data = g_bytes_get_data (message, &length);
      g_autoptr(GString) envelope = g_string_new (NULL);
      g_autoptr(GString) content = g_string_new_len (data, length);

      g_string_append_printf (envelope, "MAIL FROM:<%s>", from);
      if (size_limit > 0)
        g_string_append_printf (envelope, " SIZE=%" G_GSIZE_FORMAT, length);
      if (eightbit)
        g_string_append (envelope, " BODY=8BITMIME");
      g_string_append (envelope, "\r\n");
      if (pipelining)
        {
          g_string_append_printf (envelope, "RCPT TO:<%s>\r\n", to);
          raw_send (&raw, envelope->str, envelope->len);
          raw_reply (&raw, "250", NULL);
          raw_reply (&raw, "250", NULL);
        }
      else
        {
          g_autofree char *rcpt = g_strdup_printf ("RCPT TO:<%s>\r\n", to);

          raw_send (&raw, envelope->str, envelope->len);
          raw_reply (&raw, "250", NULL);
          raw_send (&raw, rcpt, strlen (rcpt));
          raw_reply (&raw, "250", NULL);
        }
      raw_send (&raw, "DATA\r\n", 6);
      raw_reply (&raw, "354", NULL);
      g_string_append (content, ".\r\n");
      raw_send (&raw, content->str, content->len);
      raw_reply (&raw, "250", NULL);
      *bytes += length;
    }
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  raw_send (&raw, "QUIT\r\n", 6);
  raw_reply (&raw, "221", NULL);
  raw_close (&raw);
  return seconds;
}

/* The engine */

static double
run_engine (PfTestServers *servers,
            GTlsDatabase  *database,
            GPtrArray     *messages,
            Bench         *bench)
{
  g_autoptr(PfNetConnection) net = NULL;
  g_autoptr(PfSmtpClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *from = pf_test_servers_get_address (servers, "alice");
  const char *const recipients[] = { pf_test_servers_get_address (servers, "bob"), NULL };
  gint64 start;
  double seconds;

  net = pf_net_connection_new (pf_test_servers_get_host (servers, SERVICE),
                               pf_test_servers_get_port (servers, SERVICE), PF_NET_SECURITY_TLS);
  pf_net_connection_set_tls_database (net, database);
  client = pf_smtp_client_new (net);

  pf_smtp_client_open_async (client, NULL, on_done_cb, bench);
  result = wait_result (bench);
  if (!pf_smtp_client_open_finish (client, result, &error))
    g_error ("open: %s", error->message);
  g_clear_object (&result);

  pf_smtp_client_login_async (client, pf_test_servers_get_login (servers, "alice"),
                              pf_test_servers_get_password (servers, "alice"), FALSE, NULL,
                              on_done_cb, bench);
  result = wait_result (bench);
  if (!pf_smtp_client_login_finish (client, result, &error))
    g_error ("login: %s", error->message);
  g_clear_object (&result);

  bench->sent = 0;
  start = g_get_monotonic_time ();
  for (guint i = 0; i < messages->len; i++)
    {
      GBytes *message = g_ptr_array_index (messages, i);
      g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (message);
      g_autoptr(GPtrArray) refused = NULL;

      pf_smtp_client_send_async (client, from, recipients, stream, g_bytes_get_size (message),
                                 NULL, on_done_cb, bench);
      result = wait_result (bench);
      if (!pf_smtp_client_send_finish (client, result, &refused, &error))
        g_error ("send %u: %s", i + 1, error->message);
      if (refused != NULL && refused->len > 0)
        g_error ("send %u: a recipient was refused", i + 1);
      g_clear_object (&result);
      bench->sent++;
    }
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  pf_smtp_client_quit_async (client, NULL, on_done_cb, bench);
  result = wait_result (bench);
  pf_smtp_client_quit_finish (client, result, NULL);

  return seconds;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, values->len / 2);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GArray) raw = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) engine = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;
  PfTestServers *servers;
  Bench bench = { 0 };
  guint count = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 1000;
  guint runs = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 5;
  guint64 bytes = 0;
  long rss_before;
  double r, e;

  servers = pf_test_servers_get ();
  database = g_tls_file_database_new (pf_test_servers_get_ca_file (servers), &error);
  if (database == NULL)
    g_error ("CA file: %s", error->message);
  messages = make_messages (servers, count);

  /* One warm-up pass: the server's first deliveries create bob's indexes. */
  run_raw (servers, database, messages, &bytes);
  rss_before = current_rss_kib ();

  for (guint i = 0; i < runs; i++)
    {
      double seconds;

      seconds = run_raw (servers, database, messages, &bytes);
      g_array_append_val (raw, seconds);
      seconds = run_engine (servers, database, messages, &bench);
      g_array_append_val (engine, seconds);
      g_print ("run %u: raw %.3f s, engine %.3f s\n", i + 1,
               g_array_index (raw, double, raw->len - 1), seconds);
    }

  r = median (raw);
  e = median (engine);
  g_print ("\nmessages sent:     %u (one transaction each, alice to bob)\n", bench.sent);
  g_print ("message bytes:     %.1f MB\n", bytes / 1e6);
  g_print ("raw floor:         %.3f s median of %u  (%.0f messages/s)\n", r, runs, count / r);
  g_print ("engine:            %.3f s median of %u  (%.0f messages/s)\n", e, runs,
           bench.sent / e);
  g_print ("ratio engine/raw:  %.2f\n", e / r);
  g_print ("RSS before/after:  %ld KiB / %ld KiB, peak %ld KiB\n",
           rss_before, current_rss_kib (), peak_rss_kib ());

  return 0;
}
