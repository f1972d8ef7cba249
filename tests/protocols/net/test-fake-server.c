/* test-fake-server.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-test-fake-server"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "pf-fake-server.h"

/* The scripted fake server of tests/support, driven by nothing but GIO:
 * that it sends what it is told, notices when the client says something
 * else, speaks TLS with the certificates made for the test, and records
 * every byte, so that the protocol tests built on it can trust it. */

static PfFakeServerCertificates *certificates;   /* made once in main() */

/* --- A plain client ------------------------------------------------------- */

typedef struct
{
  GSocketConnection *connection;
  GIOStream          *stream;      /* @connection, or TLS over it */
  GDataInputStream   *input;
  guint               accept_calls;
} Client;

static void
on_ready_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *slot;
}

static void
client_set_stream (Client    *client,
                   GIOStream *stream)
{
  g_set_object (&client->stream, stream);
  g_clear_object (&client->input);
  client->input = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  g_data_input_stream_set_newline_type (client->input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (client->input), FALSE);
}

static void
client_connect (Client       *client,
                PfFakeServer *server)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_socket_client_connect_to_host_async (socket_client, pf_fake_server_get_host (server),
                                         pf_fake_server_get_port (server), NULL,
                                         on_ready_cb, &result);
  client->connection = g_socket_client_connect_to_host_finish (socket_client,
                                                               wait_for (&result), &error);
  g_assert_no_error (error);
  client_set_stream (client, G_IO_STREAM (client->connection));
}

/* Returns the next line without CRLF, or NULL at the end of the stream. */
static char *
client_read_line (Client  *client,
                  GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_data_input_stream_read_line_async (client->input, G_PRIORITY_DEFAULT, NULL,
                                       on_ready_cb, &result);
  return g_data_input_stream_read_line_finish (client->input, wait_for (&result), NULL, error);
}

static void
client_assert_line (Client     *client,
                    const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = client_read_line (client, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, expected);
}

/* The server closed (or reset) the connection. */
static void
client_assert_closed (Client *client)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = client_read_line (client, &error);

  g_assert_null (line);
}

static void
client_write (Client     *client,
              const char *data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GOutputStream *output = g_io_stream_get_output_stream (client->stream);

  g_output_stream_write_all_async (output, data, strlen (data), G_PRIORITY_DEFAULT, NULL,
                                   on_ready_cb, &result);
  g_output_stream_write_all_finish (output, wait_for (&result), NULL, &error);
  g_assert_no_error (error);
}

static gboolean
on_accept_certificate_cb (GTlsConnection       *connection,
                          GTlsCertificate      *peer_cert,
                          GTlsCertificateFlags  errors,
                          gpointer              user_data)
{
  Client *client = user_data;

  client->accept_calls++;

  return FALSE;
}

static gboolean
client_start_tls (Client      *client,
                  const char  *ca_file,
                  GError     **error)
{
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GSocketConnectable) identity = g_network_address_new ("127.0.0.1", 0);
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) local_error = NULL;

  database = g_tls_file_database_new (ca_file, &local_error);
  g_assert_no_error (local_error);
  tls = g_tls_client_connection_new (G_IO_STREAM (client->connection), identity, &local_error);
  g_assert_no_error (local_error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (on_accept_certificate_cb), client);

  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL,
                                    on_ready_cb, &result);
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (tls), wait_for (&result), error))
    return FALSE;

  client_set_stream (client, tls);
  return TRUE;
}

static void
client_close (Client *client)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_io_stream_close_async (client->stream, G_PRIORITY_DEFAULT, NULL, on_ready_cb, &result);
  /* The server may have closed first: only wait. */
  g_io_stream_close_finish (client->stream, wait_for (&result), NULL);
  g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
}

static void
client_clear (Client *client)
{
  g_clear_object (&client->input);
  g_clear_object (&client->stream);
  g_clear_object (&client->connection);
}

/* --- Helpers -------------------------------------------------------------- */

static PfFakeServer *
server_from_script (const char *script)
{
  g_autoptr(GError) error = NULL;
  PfFakeServer *server = pf_fake_server_new_from_script (script, &error);

  g_assert_no_error (error);
  g_assert_nonnull (server);
  g_assert_cmpuint (pf_fake_server_get_port (server), >, 0);
  g_assert_cmpstr (pf_fake_server_get_host (server), ==, "127.0.0.1");

  return server;
}

static void
assert_bytes (GBytes     *bytes,
              const char *expected)
{
  g_assert_nonnull (bytes);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   expected, strlen (expected));
}

/* Waits for the server and checks that its script ran through. */
static void
assert_server_succeeded (PfFakeServer *server)
{
  g_autofree char *transcript = NULL;

  pf_fake_server_wait_finished (server);
  transcript = pf_fake_server_dup_transcript (server);
  g_test_message ("transcript:\n%s", transcript);
  g_assert_null (pf_fake_server_get_failure (server));
}

static void
assert_server_failed (PfFakeServer *server,
                      const char   *pattern)
{
  g_autofree char *transcript = NULL;
  const char *failure;

  pf_fake_server_wait_finished (server);
  transcript = pf_fake_server_dup_transcript (server);
  g_test_message ("transcript:\n%s", transcript);
  failure = pf_fake_server_get_failure (server);
  g_assert_nonnull (failure);
  if (!g_pattern_match_simple (pattern, failure))
    g_error ("failure “%s” does not match “%s”", failure, pattern);
}

/* --- Tests ---------------------------------------------------------------- */

static void
test_lines (void)
{
  g_autoptr(PfFakeServer) server = server_from_script (
    "# a comment, and an empty line\n"
    "\n"
    "S: * OK [CAPABILITY IMAP4rev1 STARTTLS] ready\n"
    "  C: ^a1 CAPABILITY$\n"
    "S: * CAPABILITY IMAP4rev1 STARTTLS\\r\\na1 OK done\n"
    "C: ^a2 LOGOUT$\r\n"
    "S: * BYE\n"
    "CLOSE\n");
  Client client = { 0, };
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GBytes) cleartext = NULL;
  g_autoptr(GBytes) tls = NULL;
  g_autofree char *transcript = NULL;

  g_assert_false (pf_fake_server_finished (server));
  client_connect (&client, server);
  client_assert_line (&client, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready");
  client_write (&client, "a1 CAPABILITY\r\n");
  client_assert_line (&client, "* CAPABILITY IMAP4rev1 STARTTLS");
  client_assert_line (&client, "a1 OK done");
  client_write (&client, "a2 LOGOUT\r\n");
  client_assert_line (&client, "* BYE");
  client_assert_closed (&client);

  assert_server_succeeded (server);
  g_assert_true (pf_fake_server_finished (server));
  g_assert_cmpuint (pf_fake_server_get_n_connections (server), ==, 1);

  received = pf_fake_server_dup_received (server);
  assert_bytes (received, "a1 CAPABILITY\r\na2 LOGOUT\r\n");
  cleartext = pf_fake_server_dup_received_cleartext (server);
  g_assert_true (g_bytes_equal (cleartext, received));
  tls = pf_fake_server_dup_received_tls (server);
  g_assert_cmpuint (g_bytes_get_size (tls), ==, 0);

  transcript = pf_fake_server_dup_transcript (server);
  g_assert_nonnull (strstr (transcript, "[1] C: a1 CAPABILITY\\r\\n\n"));
  g_assert_nonnull (strstr (transcript, "[1] S: * BYE\\r\\n\n"));

  client_clear (&client);
}

static void
test_steps (void)
{
  g_autoptr(PfFakeServer) server = pf_fake_server_new ();
  Client client = { 0, };
  g_autoptr(GBytes) received = NULL;

  /* The same as a script, step by step; also bytes with no line end */
  pf_fake_server_add_send_line (server, "+OK POP3 ready");
  pf_fake_server_add_expect_line (server, "^USER tim$");
  pf_fake_server_add_send (server, "+OK\r\n-ERR no\0such\r\n", 19);
  pf_fake_server_add_wait_close (server);

  client_connect (&client, server);
  client_assert_line (&client, "+OK POP3 ready");
  client_write (&client, "USER tim\r\n");
  client_assert_line (&client, "+OK");
  {
    g_autoptr(GError) error = NULL;
    gsize length = 0;
    g_autofree char *line = NULL;
    g_autoptr(GAsyncResult) result = NULL;

    g_data_input_stream_read_line_async (client.input, G_PRIORITY_DEFAULT, NULL, on_ready_cb,
                                         &result);
    line = g_data_input_stream_read_line_finish (client.input, wait_for (&result), &length,
                                                 &error);
    g_assert_no_error (error);
    g_assert_cmpmem (line, length, "-ERR no\0such", 12);
  }
  client_write (&client, "QUIT\r\n");
  client_close (&client);

  assert_server_succeeded (server);
  received = pf_fake_server_dup_received (server);
  /* WAIT-CLOSE recorded what came after the script's last line */
  assert_bytes (received, "USER tim\r\nQUIT\r\n");
  client_clear (&client);
}

static void
test_mismatch (void)
{
  g_autoptr(PfFakeServer) server = server_from_script (
    "S: * OK\n"
    "C: ^a1 LOGIN \"tim\" \"[^\"]*\"$\n"
    "S: a1 OK\n");
  Client client = { 0, };

  client_connect (&client, server);
  client_assert_line (&client, "* OK");
  client_write (&client, "a1 LOGIN tim secret\r\n");

  /* The failure names the connection, the step, and what came instead;
   * the server hangs up. */
  assert_server_failed (server, "connection 1, step 2 (C: ^a1 LOGIN*): "
                                "the client sent “a1 LOGIN tim secret”, which does not match*");
  client_assert_closed (&client);
  client_clear (&client);
}

static void
test_bare_lf (void)
{
  g_autoptr(PfFakeServer) server = server_from_script ("C: ^a1 NOOP$\n");
  Client client = { 0, };

  client_connect (&client, server);
  client_write (&client, "a1 NOOP\n");
  assert_server_failed (server, "*a1 NOOP*bare LF*");
  client_clear (&client);
}

static void
test_client_closes_early (void)
{
  g_autoptr(PfFakeServer) server = server_from_script ("S: * OK\nC: ^a1 NOOP$\n");
  Client client = { 0, };

  client_connect (&client, server);
  client_assert_line (&client, "* OK");
  client_write (&client, "a1 NO");
  client_close (&client);
  assert_server_failed (server, "*closed the connection*a1 NO*");
  client_clear (&client);
}

static void
test_expect_bytes (void)
{
  g_autoptr(PfFakeServer) server = server_from_script (
    "C: ^a1 APPEND INBOX \\{12\\}$\n"
    "S: + Ready\n"
    "EXPECT-BYTES 12\n"
    "C: ^$\n"
    "S: a1 OK\n"
    "WAIT-CLOSE\n");
  Client client = { 0, };
  g_autoptr(GBytes) received = NULL;

  client_connect (&client, server);
  client_write (&client, "a1 APPEND INBOX {12}\r\n");
  client_assert_line (&client, "+ Ready");
  /* The literal itself has a CRLF in it: counted, not a line. */
  client_write (&client, "Hi\r\n\r\nthere!");
  client_write (&client, "\r\n");
  client_assert_line (&client, "a1 OK");
  client_close (&client);

  assert_server_succeeded (server);
  received = pf_fake_server_dup_received (server);
  assert_bytes (received, "a1 APPEND INBOX {12}\r\nHi\r\n\r\nthere!\r\n");
  client_clear (&client);
}

static void
test_sleep (void)
{
  g_autoptr(PfFakeServer) server = server_from_script ("SLEEP 200\nS: * OK late\nCLOSE\n");
  Client client = { 0, };
  gint64 start;

  start = g_get_monotonic_time ();
  client_connect (&client, server);
  client_assert_line (&client, "* OK late");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 200 * 1000);
  client_assert_closed (&client);
  assert_server_succeeded (server);
  client_clear (&client);
}

static void
test_start_tls (void)
{
  g_autoptr(PfFakeServer) server = server_from_script (
    "S: * OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\n"
    "C: ^a1 STARTTLS$\n"
    "S: a1 OK Begin TLS negotiation now\n"
    "TLS\n"
    "C: ^a2 LOGIN tim secret$\n"
    "S: a2 OK Logged in\n"
    "WAIT-CLOSE\n");
  Client client = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) cleartext = NULL;
  g_autoptr(GBytes) tls = NULL;
  g_autoptr(GBytes) received = NULL;
  g_autofree char *transcript = NULL;

  pf_fake_server_set_certificate (server, certificates->cert_file, certificates->key_file);

  client_connect (&client, server);
  client_assert_line (&client, "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready");
  client_write (&client, "a1 STARTTLS\r\n");
  client_assert_line (&client, "a1 OK Begin TLS negotiation now");
  g_assert_true (client_start_tls (&client, certificates->ca_file, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (client.accept_calls, ==, 0);

  client_write (&client, "a2 LOGIN tim secret\r\n");
  client_assert_line (&client, "a2 OK Logged in");
  client_write (&client, "a3 LOGOUT\r\n");
  client_close (&client);

  assert_server_succeeded (server);
  /* What went over the wire in clear, and what went inside TLS */
  cleartext = pf_fake_server_dup_received_cleartext (server);
  assert_bytes (cleartext, "a1 STARTTLS\r\n");
  tls = pf_fake_server_dup_received_tls (server);
  assert_bytes (tls, "a2 LOGIN tim secret\r\na3 LOGOUT\r\n");
  received = pf_fake_server_dup_received (server);
  assert_bytes (received, "a1 STARTTLS\r\na2 LOGIN tim secret\r\na3 LOGOUT\r\n");

  transcript = pf_fake_server_dup_transcript (server);
  g_assert_nonnull (strstr (transcript, "[1] -- TLS handshake done\n"
                                        "[1] C (TLS): a2 LOGIN tim secret\\r\\n\n"));
  client_clear (&client);
}

static void
test_start_tls_injected (void)
{
  g_autofree char *script = g_strdup_printf (
    "C: ^a1 STARTTLS$\n"
    "SEND a1 OK Begin TLS\\r\\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\\r\\n\n"
    "TLS %s %s\n"
    "WAIT-CLOSE\n", certificates->cert_file, certificates->key_file);
  g_autoptr(PfFakeServer) server = server_from_script (script);
  Client client = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) tls = NULL;
  gsize buffered;

  client_connect (&client, server);
  client_write (&client, "a1 STARTTLS\r\n");
  client_assert_line (&client, "a1 OK Begin TLS");

  /* The injected line arrived with the reply; a careful client sees it
   * buffered and hangs up instead of starting TLS. */
  while ((buffered = g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (client.input)))
         < 49)
    {
      g_autoptr(GAsyncResult) result = NULL;

      g_buffered_input_stream_fill_async (G_BUFFERED_INPUT_STREAM (client.input), -1,
                                          G_PRIORITY_DEFAULT, NULL, on_ready_cb, &result);
      g_buffered_input_stream_fill_finish (G_BUFFERED_INPUT_STREAM (client.input),
                                           wait_for (&result), &error);
      g_assert_no_error (error);
    }
  g_assert_cmpuint (buffered, ==, 49);
  client_close (&client);

  /* The server was in its handshake when the client left. */
  assert_server_failed (server, "connection 1, step 3 (TLS *): TLS handshake failed*");
  tls = pf_fake_server_dup_received_tls (server);
  g_assert_cmpuint (g_bytes_get_size (tls), ==, 0);
  client_clear (&client);
}

static void
test_client_data_before_tls (void)
{
  g_autoptr(PfFakeServer) server = server_from_script (
    "C: ^a1 STARTTLS$\n"
    "SLEEP 100\n"
    "S: a1 OK Begin TLS\n"
    "TLS\n");
  Client client = { 0, };

  pf_fake_server_set_certificate (server, certificates->cert_file, certificates->key_file);

  /* A command pipelined behind STARTTLS would go out in clear. */
  client_connect (&client, server);
  client_write (&client, "a1 STARTTLS\r\na2 LOGIN tim secret\r\n");
  client_assert_line (&client, "a1 OK Begin TLS");
  assert_server_failed (server, "*the client sent “a2 LOGIN tim secret\\r\\n” before the TLS "
                                "handshake");
  client_clear (&client);
}

static void
test_tls_rejected (void)
{
  g_autofree char *script = g_strdup_printf ("TLS-REJECTED %s %s\n",
                                             certificates->other_cert_file,
                                             certificates->other_key_file);
  g_autoptr(PfFakeServer) server = server_from_script (script);
  Client client = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) received = NULL;

  /* A changed certificate: same names, another CA */
  client_connect (&client, server);
  g_assert_false (client_start_tls (&client, certificates->ca_file, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_cmpuint (client.accept_calls, ==, 1);

  assert_server_succeeded (server);
  received = pf_fake_server_dup_received (server);
  g_assert_cmpuint (g_bytes_get_size (received), ==, 0);
  client_clear (&client);
}

static void
test_tls_rejected_but_accepted (void)
{
  g_autoptr(PfFakeServer) server = server_from_script ("TLS-REJECTED\n");
  Client client = { 0, };
  g_autoptr(GError) error = NULL;

  pf_fake_server_set_certificate (server, certificates->cert_file, certificates->key_file);

  client_connect (&client, server);
  g_assert_true (client_start_tls (&client, certificates->ca_file, &error));
  g_assert_no_error (error);
  assert_server_failed (server, "*the client accepted the certificate");
  client_clear (&client);
}

static void
test_tls_refused_by_client (void)
{
  g_autoptr(PfFakeServer) server = server_from_script ("TLS\nS: * OK\n");
  Client client = { 0, };
  g_autoptr(GError) error = NULL;

  pf_fake_server_set_certificate (server, certificates->other_cert_file,
                                  certificates->other_key_file);

  /* A TLS step that the client refuses is a failure of the script. */
  client_connect (&client, server);
  g_assert_false (client_start_tls (&client, certificates->ca_file, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  assert_server_failed (server, "connection 1, step 1 (TLS): TLS handshake failed*");
  client_clear (&client);
}

static void
test_no_certificate (void)
{
  g_autoptr(PfFakeServer) server = server_from_script ("TLS\n");
  Client client = { 0, };

  client_connect (&client, server);
  assert_server_failed (server, "*no certificate*");
  client_clear (&client);
}

static void
test_connections (void)
{
  g_autoptr(PfFakeServer) server = server_from_script (
    "S: first\n"
    "CLOSE\n"
    "NEXT-CONNECTION\n"
    "S: second\n"
    "C: ^bye$\n"
    "CLOSE\n");
  Client first = { 0, };
  Client second = { 0, };
  Client third = { 0, };
  g_autoptr(GBytes) received = NULL;
  g_autofree char *transcript = NULL;

  client_connect (&first, server);
  client_assert_line (&first, "first");
  client_assert_closed (&first);
  g_assert_false (pf_fake_server_finished (server));

  client_connect (&second, server);
  client_assert_line (&second, "second");
  client_write (&second, "bye\r\n");
  client_assert_closed (&second);
  assert_server_succeeded (server);

  /* The last script serves every further connection. */
  client_connect (&third, server);
  client_assert_line (&third, "second");
  client_write (&third, "bye\r\n");
  client_assert_closed (&third);
  assert_server_succeeded (server);
  g_assert_cmpuint (pf_fake_server_get_n_connections (server), ==, 3);

  received = pf_fake_server_dup_received (server);
  assert_bytes (received, "bye\r\nbye\r\n");
  transcript = pf_fake_server_dup_transcript (server);
  g_assert_nonnull (strstr (transcript, "[3] C: bye\\r\\n\n"));

  client_clear (&first);
  client_clear (&second);
  client_clear (&third);
}

static void
test_records_after_script (void)
{
  g_autoptr(PfFakeServer) server = server_from_script ("S: a2 NO STARTTLS refused\n");
  Client client = { 0, };
  g_autoptr(GBytes) received = NULL;

  /* The script is over, but what the client still sends is recorded:
   * here the credentials a client must not send after a refused
   * STARTTLS. */
  client_connect (&client, server);
  client_assert_line (&client, "a2 NO STARTTLS refused");
  assert_server_succeeded (server);
  client_write (&client, "a3 LOGIN tim secret\r\n");
  client_close (&client);

  while (g_bytes_get_size (received = pf_fake_server_dup_received (server)) < 21)
    {
      g_bytes_unref (received);
      g_main_context_iteration (NULL, TRUE);
    }
  assert_bytes (received, "a3 LOGIN tim secret\r\n");
  client_clear (&client);
}

static void
test_script_errors (void)
{
  static const char * const bad[] = {
    "HELLO\n",
    "S:no space\n",
    "C: ^a1 (unclosed$\n",
    "SEND \\q\n",
    "SEND \\x4\n",
    "EXPECT-BYTES many\n",
    "EXPECT-BYTES -1\n",
    "SLEEP\n",
    "SLEEP 10 s\n",
    "TLS only-a-cert.pem\n",
    "CLOSE now\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *script = g_strconcat ("S: * OK\n# fine so far\n", bad[i], NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(PfFakeServer) server = pf_fake_server_new_from_script (script, &error);

      g_test_message ("script: %s", bad[i]);
      g_assert_null (server);
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error->message, "script line 3: "));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  certificates = pf_fake_server_certificates_new (&error);
  if (certificates == NULL)
    g_error ("Cannot make test certificates: %s", error->message);

  g_test_add_func ("/fake-server/lines", test_lines);
  g_test_add_func ("/fake-server/steps", test_steps);
  g_test_add_func ("/fake-server/mismatch", test_mismatch);
  g_test_add_func ("/fake-server/bare-lf", test_bare_lf);
  g_test_add_func ("/fake-server/client-closes-early", test_client_closes_early);
  g_test_add_func ("/fake-server/expect-bytes", test_expect_bytes);
  g_test_add_func ("/fake-server/sleep", test_sleep);
  g_test_add_func ("/fake-server/tls/start-tls", test_start_tls);
  g_test_add_func ("/fake-server/tls/injected", test_start_tls_injected);
  g_test_add_func ("/fake-server/tls/client-data-before-tls", test_client_data_before_tls);
  g_test_add_func ("/fake-server/tls/rejected", test_tls_rejected);
  g_test_add_func ("/fake-server/tls/rejected-but-accepted", test_tls_rejected_but_accepted);
  g_test_add_func ("/fake-server/tls/refused-by-client", test_tls_refused_by_client);
  g_test_add_func ("/fake-server/tls/no-certificate", test_no_certificate);
  g_test_add_func ("/fake-server/connections", test_connections);
  g_test_add_func ("/fake-server/records-after-script", test_records_after_script);
  g_test_add_func ("/fake-server/script-errors", test_script_errors);

  status = g_test_run ();
  g_clear_pointer (&certificates, pf_fake_server_certificates_free);

  return status;
}
