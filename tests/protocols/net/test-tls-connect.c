/* test-tls-connect.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-test-tls-connect"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "pf-test-servers.h"

/* Connecting to the real Dovecot of tests/servers with nothing but GIO:
 * implicit TLS and STARTTLS/STLS, the certificate checked against the test
 * CA, and the failures a client must see (unknown CA, wrong name, wrong
 * password). This pins down the behaviour protocols/net builds on.
 *
 * All I/O is asynchronous on the main context; each step iterates the
 * context until its callback has run, then asserts on the result. */

#define STEP_TIMEOUT_SECONDS 20

typedef struct
{
  PfTestServers     *servers;        /* borrowed, lives until exit */
  GCancellable      *cancellable;    /* cancelled when a step times out */
  guint              timeout_id;

  GSocketConnection *connection;     /* TCP */
  GIOStream         *stream;         /* @connection, or the TLS connection over it */
  GDataInputStream  *input;
  guint              n_writes;       /* commands sent over the current stream */
  guint              tag;

  /* Results of the last TLS handshake */
  GTlsCertificateFlags accept_errors;
  guint              accept_calls;
} Session;

/* --- Waiting ------------------------------------------------------------- */

static void
on_async_ready_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

/* Iterates the default main context until @slot is set by on_async_ready_cb. */
static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return *slot;
}

static gboolean
on_step_timeout_cb (gpointer user_data)
{
  Session *session = user_data;

  g_test_message ("no answer within %d s: cancelling", STEP_TIMEOUT_SECONDS);
  g_cancellable_cancel (session->cancellable);
  session->timeout_id = 0;

  return G_SOURCE_REMOVE;
}

static void
session_setup (Session       *session,
               gconstpointer  data)
{
  session->servers = pf_test_servers_get ();
  session->cancellable = g_cancellable_new ();
  session->timeout_id = g_timeout_add_seconds (STEP_TIMEOUT_SECONDS * 3, on_step_timeout_cb,
                                               session);
}

static void
session_teardown (Session       *session,
                  gconstpointer  data)
{
  if (session->stream != NULL && !g_io_stream_is_closed (session->stream))
    {
      g_autoptr(GAsyncResult) result = NULL;

      g_io_stream_close_async (session->stream, G_PRIORITY_DEFAULT, NULL,
                               on_async_ready_cb, &result);
      /* The server may already have closed: only wait, don't judge. */
      g_io_stream_close_finish (session->stream, wait_for (&result), NULL);
    }

  g_clear_object (&session->input);
  g_clear_object (&session->stream);
  g_clear_object (&session->connection);
  g_clear_handle_id (&session->timeout_id, g_source_remove);
  g_clear_object (&session->cancellable);
}

/* --- Plain connection and lines ------------------------------------------- */

static void
session_set_stream (Session   *session,
                    GIOStream *stream)
{
  g_set_object (&session->stream, stream);
  g_clear_object (&session->input);
  session->input = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  g_data_input_stream_set_newline_type (session->input, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (session->input), FALSE);
  session->n_writes = 0;
}

static void
session_connect (Session    *session,
                 const char *service)
{
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  client = g_socket_client_new ();
  g_socket_client_connect_to_host_async (client,
                                         pf_test_servers_get_host (session->servers, service),
                                         pf_test_servers_get_port (session->servers, service),
                                         session->cancellable, on_async_ready_cb, &result);
  session->connection = g_socket_client_connect_to_host_finish (client, wait_for (&result),
                                                                &error);
  g_assert_no_error (error);
  session_set_stream (session, G_IO_STREAM (session->connection));
}

static char *
session_read_line (Session *session)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *line;

  g_data_input_stream_read_line_async (session->input, G_PRIORITY_DEFAULT,
                                       session->cancellable, on_async_ready_cb, &result);
  line = g_data_input_stream_read_line_finish_utf8 (session->input, wait_for (&result),
                                                    NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);   /* NULL: the server closed the connection */

  return line;
}

static void
session_write_line (Session    *session,
                    const char *line)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = g_strconcat (line, "\r\n", NULL);

  g_output_stream_write_all_async (g_io_stream_get_output_stream (session->stream),
                                   data, strlen (data), G_PRIORITY_DEFAULT,
                                   session->cancellable, on_async_ready_cb, &result);
  g_output_stream_write_all_finish (g_io_stream_get_output_stream (session->stream),
                                    wait_for (&result), NULL, &error);
  g_assert_no_error (error);
  session->n_writes++;
}

/* --- TLS ------------------------------------------------------------------ */

static gboolean
on_accept_certificate_cb (GTlsConnection       *connection,
                          GTlsCertificate      *peer_cert,
                          GTlsCertificateFlags  errors,
                          gpointer              user_data)
{
  Session *session = user_data;

  session->accept_errors |= errors;
  session->accept_calls++;

  /* Never accept: an untrusted certificate must fail the handshake. */
  return FALSE;
}

/* Starts TLS over the current connection (at once for implicit TLS, after
 * STARTTLS/STLS otherwise), verifying the server against @ca_file and the
 * name @identity (NULL: the service's host address). */
static gboolean
session_start_tls (Session     *session,
                   const char  *service,
                   const char  *ca_file,
                   const char  *identity,
                   GError     **error)
{
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GSocketConnectable) server_identity = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) local_error = NULL;

  database = g_tls_file_database_new (ca_file, &local_error);
  g_assert_no_error (local_error);

  server_identity = g_network_address_new (identity != NULL
                                             ? identity
                                             : pf_test_servers_get_host (session->servers,
                                                                         service),
                                           pf_test_servers_get_port (session->servers, service));
  tls = g_tls_client_connection_new (G_IO_STREAM (session->connection), server_identity,
                                     &local_error);
  g_assert_no_error (local_error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
  g_tls_client_connection_set_server_identity (G_TLS_CLIENT_CONNECTION (tls), server_identity);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (on_accept_certificate_cb), session);

  session->accept_errors = 0;
  session->accept_calls = 0;
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    session->cancellable, on_async_ready_cb, &result);
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (tls), wait_for (&result), error))
    return FALSE;

  g_assert_cmpint (g_tls_connection_get_peer_certificate_errors (G_TLS_CONNECTION (tls)),
                   ==, 0);
  g_assert_nonnull (g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (tls)));
  session_set_stream (session, tls);

  return TRUE;
}

/* --- IMAP ----------------------------------------------------------------- */

static gboolean
has_word (const char *line,
          const char *word)
{
  g_auto(GStrv) words = g_strsplit_set (line, " []", -1);

  return g_strv_contains ((const char * const *) words, word);
}

/* Sends "<tag> @command", collects the untagged lines into @untagged (may be
 * NULL) and returns the tagged completion, e.g. "a3 OK Logged in". */
static char *
imap_command (Session     *session,
              const char  *command,
              GPtrArray  **untagged)
{
  g_autofree char *tag = g_strdup_printf ("a%u", ++session->tag);
  g_autofree char *tag_space = g_strconcat (tag, " ", NULL);
  g_autofree char *line = g_strconcat (tag, " ", command, NULL);

  if (untagged != NULL)
    *untagged = g_ptr_array_new_with_free_func (g_free);

  session_write_line (session, line);
  for (;;)
    {
      char *response = session_read_line (session);

      if (g_str_has_prefix (response, tag_space))
        return response;

      g_assert_true (g_str_has_prefix (response, "* ") || g_str_has_prefix (response, "+ "));
      if (untagged != NULL)
        g_ptr_array_add (*untagged, response);
      else
        g_free (response);
    }
}

static const char *
find_untagged (GPtrArray  *untagged,
               const char *prefix)
{
  for (guint i = 0; i < untagged->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (untagged, i), prefix))
      return g_ptr_array_index (untagged, i);

  return NULL;
}

static char *
imap_quote (const char *string)
{
  GString *quoted = g_string_new ("\"");

  for (const char *p = string; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (quoted, '\\');
      g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '"');

  return g_string_free (quoted, FALSE);
}

static char *
imap_login_command (Session    *session,
                    const char *user,
                    const char *password)
{
  g_autofree char *login = imap_quote (pf_test_servers_get_login (session->servers, user));
  g_autofree char *pass = imap_quote (password);

  return g_strdup_printf ("LOGIN %s %s", login, pass);
}

static void
imap_assert_capabilities_after_tls (Session *session)
{
  g_autoptr(GPtrArray) untagged = NULL;
  g_autofree char *done = imap_command (session, "CAPABILITY", &untagged);
  const char *caps;

  g_assert_true (has_word (done, "OK"));
  caps = find_untagged (untagged, "* CAPABILITY ");
  g_assert_nonnull (caps);
  g_assert_true (has_word (caps, "AUTH=PLAIN"));
  g_assert_false (has_word (caps, "LOGINDISABLED"));
  g_assert_false (has_word (caps, "STARTTLS"));
}

static void
imap_login_select_logout (Session *session)
{
  const char *password = pf_test_servers_get_password (session->servers, "alice");
  g_autofree char *login = imap_login_command (session, "alice", password);
  g_autofree char *logged_in = imap_command (session, login, NULL);
  g_autofree char *selected = NULL;
  g_autofree char *logged_out = NULL;
  g_autoptr(GPtrArray) untagged = NULL;

  g_assert_true (has_word (logged_in, "OK"));

  selected = imap_command (session, "SELECT INBOX", &untagged);
  g_assert_true (has_word (selected, "OK"));
  g_assert_nonnull (find_untagged (untagged, "* FLAGS "));
  g_clear_pointer (&untagged, g_ptr_array_unref);

  logged_out = imap_command (session, "LOGOUT", &untagged);
  g_assert_true (has_word (logged_out, "OK"));
  g_assert_nonnull (find_untagged (untagged, "* BYE"));
}

static void
test_imap_starttls (Session       *session,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) untagged = NULL;
  g_autofree char *greeting = NULL;
  g_autofree char *done = NULL;
  g_autofree char *starttls = NULL;
  const char *caps;

  session_connect (session, "imap");
  greeting = session_read_line (session);
  g_assert_true (g_str_has_prefix (greeting, "* OK"));

  /* RFC 3501 §6.2.1: before TLS the server must not allow LOGIN. */
  done = imap_command (session, "CAPABILITY", &untagged);
  g_assert_true (has_word (done, "OK"));
  caps = find_untagged (untagged, "* CAPABILITY ");
  g_assert_nonnull (caps);
  g_assert_true (has_word (caps, "STARTTLS"));
  g_assert_true (has_word (caps, "LOGINDISABLED"));
  g_assert_false (has_word (caps, "AUTH=PLAIN"));

  starttls = imap_command (session, "STARTTLS", NULL);
  g_assert_true (has_word (starttls, "OK"));
  session_start_tls (session, "imap", pf_test_servers_get_ca_file (session->servers), NULL,
                     &error);
  g_assert_no_error (error);

  /* RFC 3501 §6.2.1: capabilities learnt before STARTTLS are discarded. */
  imap_assert_capabilities_after_tls (session);
  imap_login_select_logout (session);
}

static void
test_imap_implicit (Session       *session,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *greeting = NULL;

  session_connect (session, "imaps");
  session_start_tls (session, "imaps", pf_test_servers_get_ca_file (session->servers), NULL,
                     &error);
  g_assert_no_error (error);

  greeting = session_read_line (session);
  g_assert_true (g_str_has_prefix (greeting, "* OK"));
  imap_assert_capabilities_after_tls (session);
  imap_login_select_logout (session);
}

static void
assert_untrusted (Session *session,
                  GError  *error)
{
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_cmpuint (session->accept_calls, >=, 1);
}

static void
test_imap_untrusted_ca_implicit (Session       *session,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  session_connect (session, "imaps");
  g_assert_false (session_start_tls (session, "imaps",
                                     pf_test_servers_get_untrusted_ca_file (session->servers),
                                     NULL, &error));
  assert_untrusted (session, error);
  g_assert_true (session->accept_errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_cmpuint (session->n_writes, ==, 0);
}

static void
test_imap_untrusted_ca_starttls (Session       *session,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *greeting = NULL;
  g_autofree char *starttls = NULL;

  session_connect (session, "imap");
  greeting = session_read_line (session);
  starttls = imap_command (session, "STARTTLS", NULL);
  g_assert_true (has_word (starttls, "OK"));

  g_assert_false (session_start_tls (session, "imap",
                                     pf_test_servers_get_untrusted_ca_file (session->servers),
                                     NULL, &error));
  assert_untrusted (session, error);
  g_assert_true (session->accept_errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  /* Only STARTTLS went out in the clear; no credentials. */
  g_assert_cmpuint (session->n_writes, ==, 1);
}

static void
test_imap_wrong_identity (Session       *session,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  session_connect (session, "imaps");
  g_assert_false (session_start_tls (session, "imaps",
                                     pf_test_servers_get_ca_file (session->servers),
                                     "mail.example.org", &error));
  assert_untrusted (session, error);
  g_assert_true (session->accept_errors & G_TLS_CERTIFICATE_BAD_IDENTITY);
  g_assert_false (session->accept_errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
}

static void
test_imap_wrong_password (Session       *session,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *greeting = NULL;
  g_autofree char *login = NULL;
  g_autofree char *refused = NULL;

  session_connect (session, "imaps");
  session_start_tls (session, "imaps", pf_test_servers_get_ca_file (session->servers), NULL,
                     &error);
  g_assert_no_error (error);
  greeting = session_read_line (session);

  login = imap_login_command (session, "alice", "not-the-password");
  refused = imap_command (session, login, NULL);
  /* RFC 5530 response code */
  g_assert_true (has_word (refused, "NO"));
  g_assert_true (has_word (refused, "AUTHENTICATIONFAILED"));
}

/* --- POP3 ----------------------------------------------------------------- */

static char *
pop3_command (Session    *session,
              const char *command)
{
  session_write_line (session, command);
  return session_read_line (session);
}

static void
pop3_login_stat_quit (Session *session)
{
  g_autofree char *user = g_strconcat ("USER ",
                                       pf_test_servers_get_login (session->servers, "pop"),
                                       NULL);
  g_autofree char *pass = g_strconcat ("PASS ",
                                       pf_test_servers_get_password (session->servers, "pop"),
                                       NULL);
  g_autofree char *user_ok = pop3_command (session, user);
  g_autofree char *pass_ok = NULL;
  g_autofree char *stat = NULL;
  g_autofree char *quit = NULL;
  g_auto(GStrv) fields = NULL;

  g_assert_true (g_str_has_prefix (user_ok, "+OK"));
  pass_ok = pop3_command (session, pass);
  g_assert_true (g_str_has_prefix (pass_ok, "+OK"));

  /* RFC 1939 §5: "+OK nn mm" */
  stat = pop3_command (session, "STAT");
  fields = g_strsplit (stat, " ", -1);
  g_assert_cmpuint (g_strv_length (fields), >=, 3);
  g_assert_cmpstr (fields[0], ==, "+OK");
  g_assert_true (g_ascii_string_to_unsigned (fields[1], 10, 0, G_MAXUINT32, NULL, NULL));
  g_assert_true (g_ascii_string_to_unsigned (fields[2], 10, 0, G_MAXUINT64, NULL, NULL));

  quit = pop3_command (session, "QUIT");
  g_assert_true (g_str_has_prefix (quit, "+OK"));
}

static void
test_pop3_implicit (Session       *session,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *greeting = NULL;

  session_connect (session, "pop3s");
  session_start_tls (session, "pop3s", pf_test_servers_get_ca_file (session->servers), NULL,
                     &error);
  g_assert_no_error (error);
  greeting = session_read_line (session);
  g_assert_true (g_str_has_prefix (greeting, "+OK"));
  pop3_login_stat_quit (session);
}

static void
test_pop3_stls (Session       *session,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *greeting = NULL;
  g_autofree char *refused = NULL;
  g_autofree char *stls = NULL;
  g_autofree char *user = g_strconcat ("USER ",
                                       pf_test_servers_get_login (session->servers, "pop"),
                                       NULL);

  session_connect (session, "pop3");
  greeting = session_read_line (session);
  g_assert_true (g_str_has_prefix (greeting, "+OK"));

  /* Without TLS the server refuses to take a user name. */
  refused = pop3_command (session, user);
  g_assert_true (g_str_has_prefix (refused, "-ERR"));

  /* RFC 2595 §4 */
  stls = pop3_command (session, "STLS");
  g_assert_true (g_str_has_prefix (stls, "+OK"));
  session_start_tls (session, "pop3", pf_test_servers_get_ca_file (session->servers), NULL,
                     &error);
  g_assert_no_error (error);
  pop3_login_stat_quit (session);
}

static void
add_test (const char *path,
          void (*func) (Session *, gconstpointer))
{
  g_test_add (path, Session, NULL, session_setup, func, session_teardown);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  add_test ("/net/tls/imap/starttls", test_imap_starttls);
  add_test ("/net/tls/imap/implicit", test_imap_implicit);
  add_test ("/net/tls/imap/untrusted-ca/implicit", test_imap_untrusted_ca_implicit);
  add_test ("/net/tls/imap/untrusted-ca/starttls", test_imap_untrusted_ca_starttls);
  add_test ("/net/tls/imap/wrong-identity", test_imap_wrong_identity);
  add_test ("/net/tls/imap/wrong-password", test_imap_wrong_password);
  add_test ("/net/tls/pop3/implicit", test_pop3_implicit);
  add_test ("/net/tls/pop3/stls", test_pop3_stls);

  return g_test_run ();
}
