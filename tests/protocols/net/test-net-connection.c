/* test-net-connection.c: PfNetConnection against the real test Dovecot
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "net/pf-net-connection.h"
#include "net/pf-net-error.h"
#include "pf-fake-server.h"
#include "pf-test-servers.h"

typedef struct
{
  PfTestServers   *servers;
  GTlsDatabase    *trusted;
  GTlsDatabase    *untrusted;
  GAsyncResult    *result;
} Fixture;

static void
on_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_assert_null (fixture->result);
  fixture->result = g_object_ref (result);
}

static GAsyncResult *
wait_result (Fixture *fixture)
{
  while (fixture->result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (&fixture->result);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->servers = pf_test_servers_get ();
  fixture->trusted = g_tls_file_database_new (pf_test_servers_get_ca_file (fixture->servers), &error);
  g_assert_no_error (error);
  fixture->untrusted = g_tls_file_database_new (pf_test_servers_get_untrusted_ca_file (fixture->servers),
                                                &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_null (fixture->result);
  g_clear_object (&fixture->trusted);
  g_clear_object (&fixture->untrusted);
}

static PfNetConnection *
make_connection (Fixture       *fixture,
                 const char    *service,
                 PfNetSecurity  security,
                 GTlsDatabase  *database)
{
  PfNetConnection *connection;

  connection = pf_net_connection_new (pf_test_servers_get_host (fixture->servers, service),
                                      pf_test_servers_get_port (fixture->servers, service),
                                      security);
  pf_net_connection_set_tls_database (connection, database);
  pf_net_connection_set_timeout (connection, 20);
  pf_net_connection_set_trace_domain (connection, "pf-test-wire");
  return connection;
}

static gboolean
connect_sync (Fixture          *fixture,
              PfNetConnection  *connection,
              GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pf_net_connection_connect_async (connection, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  return pf_net_connection_connect_finish (connection, result, error);
}

static char *
read_line (Fixture         *fixture,
           PfNetConnection *connection)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PfNetReader *reader = pf_net_connection_get_reader (connection);
  char *line;

  pf_net_reader_read_line_async (reader, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  line = pf_net_reader_read_line_finish (reader, result, NULL, &error);
  g_assert_no_error (error);
  pf_net_connection_trace_received (connection, line, strlen (line));

  return line;
}

static void
send_line (Fixture         *fixture,
           PfNetConnection *connection,
           const char      *line,
           gboolean         secret)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  bytes = g_bytes_new_take (g_strconcat (line, "\r\n", NULL), strlen (line) + 2);
  pf_net_connection_send_async (connection, bytes, secret, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_net_connection_send_finish (connection, result, &error));
  g_assert_no_error (error);
}

/* Reads lines until the tagged reply for @tag, returning it. */
static char *
read_tagged (Fixture         *fixture,
             PfNetConnection *connection,
             const char      *tag,
             GString         *untagged)
{
  g_autofree char *prefix = g_strconcat (tag, " ", NULL);

  for (;;)
    {
      char *line = read_line (fixture, connection);

      if (g_str_has_prefix (line, prefix))
        return line;
      if (untagged != NULL)
        g_string_append_printf (untagged, "%s\n", line);
      g_free (line);
    }
}

static void
close_sync (Fixture         *fixture,
            PfNetConnection *connection)
{
  g_autoptr(GAsyncResult) result = NULL;

  pf_net_connection_close_async (connection, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_net_connection_close_finish (connection, result, NULL));
}

static void
login_logout (Fixture         *fixture,
              PfNetConnection *connection)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *login = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *bye = NULL;
  g_autoptr(GString) untagged = g_string_new (NULL);

  g_assert_true (pf_net_connection_check_secret_allowed (connection, &error));
  g_assert_no_error (error);

  login = g_strdup_printf ("a1 LOGIN \"%s\" \"%s\"",
                           pf_test_servers_get_login (fixture->servers, "alice"),
                           pf_test_servers_get_password (fixture->servers, "alice"));
  send_line (fixture, connection, login, TRUE);
  reply = read_tagged (fixture, connection, "a1", NULL);
  g_assert_true (g_str_has_prefix (reply, "a1 OK"));

  send_line (fixture, connection, "a2 LOGOUT", FALSE);
  bye = read_tagged (fixture, connection, "a2", untagged);
  g_assert_true (g_str_has_prefix (bye, "a2 OK"));
  g_assert_nonnull (strstr (untagged->str, "* BYE"));

  close_sync (fixture, connection);
}

static void
on_trace_cb (const char     *log_domain,
             GLogLevelFlags  log_level,
             const char     *message,
             gpointer        user_data)
{
  g_string_append_printf (user_data, "%s\n", message);
}

static void
test_trace_hides_secrets (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PfNetConnection) connection = NULL;
  g_autoptr(GString) trace = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *greeting = NULL;
  guint handler;

  handler = g_log_set_handler ("pf-test-wire", G_LOG_LEVEL_DEBUG, on_trace_cb, trace);

  connection = make_connection (fixture, "imaps", PF_NET_SECURITY_TLS, fixture->trusted);
  g_assert_true (connect_sync (fixture, connection, &error));
  greeting = read_line (fixture, connection);
  login_logout (fixture, connection);
  g_log_remove_handler ("pf-test-wire", handler);

  /* The trace is there, the command is there, the password is not. */
  g_assert_nonnull (strstr (trace->str, "S: * OK"));
  g_assert_nonnull (strstr (trace->str, "C: a2 LOGOUT"));
  g_assert_nonnull (strstr (trace->str, "credentials not shown"));
  g_assert_null (strstr (trace->str, pf_test_servers_get_password (fixture->servers, "alice")));
}

static void
test_implicit_tls (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(PfNetConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *greeting = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *expected = NULL;
  GTlsCertificate *peer;

  connection = make_connection (fixture, "imaps", PF_NET_SECURITY_TLS, fixture->trusted);
  g_assert_false (pf_net_connection_is_encrypted (connection));
  g_assert_true (connect_sync (fixture, connection, &error));
  g_assert_no_error (error);
  g_assert_true (pf_net_connection_is_encrypted (connection));

  peer = pf_net_connection_get_peer_certificate (connection);
  g_assert_nonnull (peer);
  sha256 = pf_net_certificate_dup_sha256 (peer);
  expected = g_key_file_get_string (pf_test_servers_get_key_file (fixture->servers),
                                    "tls", "server-cert-sha256", NULL);
  g_assert_cmpstr (sha256, ==, expected);

  greeting = read_line (fixture, connection);
  g_assert_true (g_str_has_prefix (greeting, "* OK"));
  login_logout (fixture, connection);
}

static void
test_starttls (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(PfNetConnection) connection = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *greeting = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *caps = NULL;
  g_autoptr(GString) untagged = g_string_new (NULL);
  PfNetReader *plain_reader;

  connection = make_connection (fixture, "imap", PF_NET_SECURITY_STARTTLS, fixture->trusted);
  g_assert_true (connect_sync (fixture, connection, &error));
  g_assert_no_error (error);
  g_assert_false (pf_net_connection_is_encrypted (connection));

  greeting = read_line (fixture, connection);
  g_assert_true (g_str_has_prefix (greeting, "* OK"));

  /* No password before TLS. */
  g_assert_false (pf_net_connection_check_secret_allowed (connection, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_PLAINTEXT_REFUSED);
  g_clear_error (&error);

  send_line (fixture, connection, "s1 STARTTLS", FALSE);
  reply = read_tagged (fixture, connection, "s1", NULL);
  g_assert_true (g_str_has_prefix (reply, "s1 OK"));

  plain_reader = pf_net_connection_get_reader (connection);
  pf_net_connection_start_tls_async (connection, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_net_connection_start_tls_finish (connection, result, &error));
  g_assert_no_error (error);
  g_assert_true (pf_net_connection_is_encrypted (connection));
  /* A fresh reader: nothing from before the handshake survives. */
  g_assert_true (pf_net_connection_get_reader (connection) != plain_reader);

  send_line (fixture, connection, "c1 CAPABILITY", FALSE);
  caps = read_tagged (fixture, connection, "c1", untagged);
  g_assert_true (g_str_has_prefix (caps, "c1 OK"));
  g_assert_nonnull (strstr (untagged->str, "AUTH=PLAIN"));
  g_assert_null (strstr (untagged->str, "LOGINDISABLED"));

  login_logout (fixture, connection);
}

static void
test_untrusted (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(PfNetConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *expected = NULL;
  GTlsCertificate *certificate;

  connection = make_connection (fixture, "imaps", PF_NET_SECURITY_TLS, fixture->untrusted);
  g_assert_false (connect_sync (fixture, connection, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_CERTIFICATE_UNTRUSTED);
  g_assert_false (pf_net_connection_is_encrypted (connection));

  /* The certificate rides on the error, for the UI to show. */
  certificate = pf_net_error_get_certificate (error);
  g_assert_nonnull (certificate);
  g_assert_cmpint (pf_net_error_get_certificate_flags (error) & G_TLS_CERTIFICATE_UNKNOWN_CA, !=, 0);
  sha256 = pf_net_certificate_dup_sha256 (certificate);
  expected = g_key_file_get_string (pf_test_servers_get_key_file (fixture->servers),
                                    "tls", "server-cert-sha256", NULL);
  g_assert_cmpstr (sha256, ==, expected);
}

static GError *
connect_with_pin (Fixture              *fixture,
                  const char           *host,
                  guint16               port,
                  const char           *sha256,
                  GTlsCertificateFlags  accepted)
{
  g_autoptr(PfNetConnection) connection = NULL;
  g_autoptr(PfNetPin) pin = NULL;
  GError *error = NULL;

  connection = make_connection (fixture, "imaps", PF_NET_SECURITY_TLS, fixture->untrusted);
  pin = pf_net_pin_new (host, port, sha256, accepted);
  pf_net_connection_set_pin (connection, pin);
  if (connect_sync (fixture, connection, &error))
    {
      g_autofree char *greeting = read_line (fixture, connection);

      g_assert_true (g_str_has_prefix (greeting, "* OK"));
      close_sync (fixture, connection);
    }

  return error;
}

static void
test_pinned (Fixture       *fixture,
             gconstpointer  data)
{
  GKeyFile *ini = pf_test_servers_get_key_file (fixture->servers);
  g_autofree char *sha256 = g_key_file_get_string (ini, "tls", "server-cert-sha256", NULL);
  g_autofree char *upper = g_ascii_strup (sha256, -1);
  const char *host = pf_test_servers_get_host (fixture->servers, "imaps");
  guint16 port = pf_test_servers_get_port (fixture->servers, "imaps");
  g_autofree char *other = g_strdup (sha256);
  GError *error;

  /* The exception the user accepted: exactly this certificate, this error. */
  error = connect_with_pin (fixture, host, port, sha256, G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_no_error (error);
  error = connect_with_pin (fixture, host, port, upper, G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_no_error (error);

  /* Another certificate. */
  other[0] = other[0] == '0' ? '1' : '0';
  error = connect_with_pin (fixture, host, port, other, G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_CERTIFICATE_UNTRUSTED);
  g_clear_error (&error);

  /* An error the user did not accept. */
  error = connect_with_pin (fixture, host, port, sha256, G_TLS_CERTIFICATE_EXPIRED);
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_CERTIFICATE_UNTRUSTED);
  g_clear_error (&error);

  /* Another port or host. */
  error = connect_with_pin (fixture, host, port + 1, sha256, G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_CERTIFICATE_UNTRUSTED);
  g_clear_error (&error);
  error = connect_with_pin (fixture, "mail.example.test", port, sha256, G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_CERTIFICATE_UNTRUSTED);
  g_clear_error (&error);
}

static void
test_refused (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) any = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(PfNetConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  /* A port that was free a moment ago and has nobody listening. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  connection = pf_net_connection_new ("127.0.0.1", port, PF_NET_SECURITY_TLS);
  g_assert_false (connect_sync (fixture, connection, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_CONNECTION_REFUSED);
}

static void
test_host_not_found (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PfNetConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  /* RFC 6761: .invalid never resolves. */
  connection = pf_net_connection_new ("imap.postfach.invalid", 993, PF_NET_SECURITY_TLS);
  g_assert_false (connect_sync (fixture, connection, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_HOST_NOT_FOUND);
}

static void
test_timeout (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(PfNetConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  gint64 started;
  guint16 port;

  /* It accepts (the kernel does) but never says a word: the TLS handshake
   * must give up after the timeout instead of hanging. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);

  connection = pf_net_connection_new ("127.0.0.1", port, PF_NET_SECURITY_TLS);
  pf_net_connection_set_timeout (connection, 1);
  started = g_get_monotonic_time ();
  g_assert_false (connect_sync (fixture, connection, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 10 * G_USEC_PER_SEC);
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(PfNetConnection) connection = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  connection = make_connection (fixture, "imaps", PF_NET_SECURITY_TLS, fixture->trusted);
  pf_net_connection_connect_async (connection, cancellable, on_done_cb, fixture);
  g_cancellable_cancel (cancellable);
  result = wait_result (fixture);
  g_assert_false (pf_net_connection_connect_finish (connection, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* A send whose completion queues the next one, from its callback (what a
 * protocol does when a reply arrives while nothing else waits to be
 * sent): every byte goes out once, in order. */

typedef struct
{
  PfNetConnection *connection;
  guint            started;
  guint            finished;
} Chain;

static void
chain_sent_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Chain *chain = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (pf_net_connection_send_finish (PF_NET_CONNECTION (object), result, &error));
  g_assert_no_error (error);
  chain->finished++;
  if (chain->started < 5)
    {
      g_autofree char *line = g_strdup_printf ("LINE %u\r\n", chain->started++);
      g_autoptr(GBytes) bytes = g_bytes_new (line, strlen (line));

      pf_net_connection_send_async (chain->connection, bytes, FALSE, NULL, chain_sent_cb, chain);
    }
}

static void
test_send_from_callback (void)
{
  g_autoptr(PfFakeServer) server = pf_fake_server_new ();
  g_autoptr(PfNetConnection) connection = NULL;
  g_autoptr(GBytes) first = g_bytes_new_static ("LINE 0\r\n", 8);
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GError) error = NULL;
  Fixture fixture = { 0 };
  Chain chain = { 0 };

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *line = g_strdup_printf ("LINE %u", i);

      pf_fake_server_add_expect_line (server, line);
    }
  pf_fake_server_add_wait_close (server);

  connection = pf_net_connection_new (pf_fake_server_get_host (server),
                                      pf_fake_server_get_port (server), PF_NET_SECURITY_NONE);
  g_assert_true (connect_sync (&fixture, connection, &error));
  g_assert_no_error (error);

  chain.connection = connection;
  chain.started = 1;
  pf_net_connection_send_async (connection, first, FALSE, NULL, chain_sent_cb, &chain);
  while (chain.finished < 5)
    g_main_context_iteration (NULL, TRUE);
  /* Nothing more may come: a second write of a line would show here. */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (chain.finished, ==, 5);

  g_clear_object (&connection);
  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));
  received = pf_fake_server_dup_received (server);
  g_assert_cmpmem (g_bytes_get_data (received, NULL), g_bytes_get_size (received),
                   "LINE 0\r\nLINE 1\r\nLINE 2\r\nLINE 3\r\nLINE 4\r\n", 40);
}

static void
test_error_other_domain (void)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "not ours");

  /* Asking any error is fine: no critical, just nothing attached. */
  g_assert_null (pf_net_error_get_certificate (error));
  g_assert_cmpint (pf_net_error_get_certificate_flags (error), ==, 0);
}

static void
test_pin_fingerprint_format (void)
{
  g_autoptr(PfNetPin) pin = pf_net_pin_new ("Mail.Example.ORG", 993,
                                            "AB:cd:01:23", G_TLS_CERTIFICATE_UNKNOWN_CA);

  g_assert_cmpstr (pf_net_pin_get_sha256 (pin), ==, "abcd0123");
  g_assert_cmpstr (pf_net_pin_get_host (pin), ==, "mail.example.org");
  g_assert_cmpuint (pf_net_pin_get_port (pin), ==, 993);
  g_assert_cmpint (pf_net_pin_get_accepted_errors (pin), ==, G_TLS_CERTIFICATE_UNKNOWN_CA);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Protocol traces are on, as when a user debugs a connection. */
  g_setenv ("G_MESSAGES_DEBUG", "pf-test-wire", TRUE);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/net/connection/implicit-tls", test_implicit_tls);
  ADD ("/net/connection/starttls", test_starttls);
  ADD ("/net/connection/untrusted", test_untrusted);
  ADD ("/net/connection/trace-hides-secrets", test_trace_hides_secrets);
  ADD ("/net/connection/pinned", test_pinned);
  ADD ("/net/connection/refused", test_refused);
  ADD ("/net/connection/host-not-found", test_host_not_found);
  ADD ("/net/connection/timeout", test_timeout);
  ADD ("/net/connection/cancelled", test_cancelled);
  g_test_add_func ("/net/connection/pin-format", test_pin_fingerprint_format);
  g_test_add_func ("/net/connection/error-other-domain", test_error_other_domain);
  g_test_add_func ("/net/connection/send-from-callback", test_send_from_callback);

#undef ADD

  return g_test_run ();
}
