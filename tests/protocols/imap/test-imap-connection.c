/* test-imap-connection.c: PfImapConnection against the real test Dovecot,
 * and against a scripted server for what Dovecot would never do
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "imap/pf-imap-connection.h"
#include "imap/pf-imap-error.h"
#include "net/pf-net-error.h"
#include "pf-fake-server.h"
#include "pf-test-servers.h"

#define PASSWORD "s3cret-Passw0rd"

typedef struct
{
  PfTestServers *servers;
  GTlsDatabase  *trusted;
  GTlsDatabase  *untrusted;
  GAsyncResult  *result;
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

  fixture->servers = pf_test_servers_get_full (PF_TEST_SERVERS_VARIANTS);
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

static PfImapConnection *
make (Fixture       *fixture,
      const char    *service,
      PfNetSecurity  security,
      GTlsDatabase  *database)
{
  g_autoptr(PfNetConnection) net = NULL;

  net = pf_net_connection_new (pf_test_servers_get_host (fixture->servers, service),
                               pf_test_servers_get_port (fixture->servers, service),
                               security);
  pf_net_connection_set_tls_database (net, database);
  pf_net_connection_set_timeout (net, 20);
  return pf_imap_connection_new (net);
}

static gboolean
open_sync (Fixture           *fixture,
           PfImapConnection  *connection,
           GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pf_imap_connection_open_async (connection, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  return pf_imap_connection_open_finish (connection, result, error);
}

static gboolean
login_sync (Fixture           *fixture,
            PfImapConnection  *connection,
            const char        *user,
            const char        *password,
            GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pf_imap_connection_login_async (connection, user, password, FALSE, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  return pf_imap_connection_login_finish (connection, result, error);
}

static PfImapResponse *
run_sync (Fixture             *fixture,
          PfImapConnection    *connection,
          PfImapCommand       *command,
          const char *const   *collect,
          PfImapUntaggedFunc   func,
          gpointer             func_data,
          GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pf_imap_connection_run_async (connection, command, collect, func, NULL, NULL, func_data,
                                NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  return pf_imap_connection_run_finish (connection, result, error);
}

static void
logout_sync (Fixture          *fixture,
             PfImapConnection *connection)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  pf_imap_connection_logout_async (connection, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_connection_logout_finish (connection, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pf_imap_connection_get_state (connection), ==, PF_IMAP_STATE_LOGOUT);
}

static void
check_login (Fixture       *fixture,
             const char    *service,
             PfNetSecurity  security)
{
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = make (fixture, service, security, fixture->trusted);
  g_assert_cmpint (pf_imap_connection_get_state (connection), ==, PF_IMAP_STATE_DISCONNECTED);
  g_assert_true (open_sync (fixture, connection, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pf_imap_connection_get_state (connection), ==, PF_IMAP_STATE_NOT_AUTHENTICATED);
  g_assert_true (pf_net_connection_is_encrypted (pf_imap_connection_get_net (connection)));

  /* After TLS: password login offered, nothing left of the plain phase. */
  g_assert_true (pf_imap_connection_has_capability (connection, "IMAP4rev1"));
  g_assert_true (pf_imap_connection_has_capability (connection, "auth=plain"));
  g_assert_false (pf_imap_connection_has_capability (connection, "LOGINDISABLED"));
  g_assert_false (pf_imap_connection_has_capability (connection, "STARTTLS"));

  g_assert_true (login_sync (fixture, connection,
                             pf_test_servers_get_login (fixture->servers, "alice"),
                             pf_test_servers_get_password (fixture->servers, "alice"), &error));
  g_assert_no_error (error);
  g_assert_cmpint (pf_imap_connection_get_state (connection), ==, PF_IMAP_STATE_AUTHENTICATED);

  /* The post-login capabilities, which the engine needs for sync. */
  g_assert_true (pf_imap_connection_has_capability (connection, "CONDSTORE"));
  g_assert_true (pf_imap_connection_has_capability (connection, "QRESYNC"));
  g_assert_true (pf_imap_connection_has_capability (connection, "IDLE"));
  g_assert_true (pf_imap_connection_has_capability (connection, "SPECIAL-USE"));

  logout_sync (fixture, connection);
}

static void
test_starttls_login (Fixture       *fixture,
                     gconstpointer  data)
{
  check_login (fixture, "imap", PF_NET_SECURITY_STARTTLS);
}

static void
test_tls_login (Fixture       *fixture,
                gconstpointer  data)
{
  check_login (fixture, "imaps", PF_NET_SECURITY_TLS);
}

static void
test_wrong_password (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = make (fixture, "imaps", PF_NET_SECURITY_TLS, fixture->trusted);
  g_assert_true (open_sync (fixture, connection, &error));
  g_assert_false (login_sync (fixture, connection,
                              pf_test_servers_get_login (fixture->servers, "alice"),
                              "not-the-password", &error));
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_AUTHENTICATION_FAILED);
  /* The server's words are kept for the UI. */
  g_assert_nonnull (pf_imap_error_get_server_text (error));
  g_assert_cmpint (pf_imap_connection_get_state (connection), ==, PF_IMAP_STATE_NOT_AUTHENTICATED);
  logout_sync (fixture, connection);
}

static void
test_untrusted (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = make (fixture, "imap", PF_NET_SECURITY_STARTTLS, fixture->untrusted);
  g_assert_false (open_sync (fixture, connection, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_CERTIFICATE_UNTRUSTED);
  g_assert_nonnull (pf_net_error_get_certificate (error));
  g_assert_cmpint (pf_imap_connection_get_state (connection), ==, PF_IMAP_STATE_LOGOUT);
}

static void
test_starttls_not_offered (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  /* The "notls" Dovecot offers no STARTTLS: fail, never fall back. */
  connection = make (fixture, "imap-notls", PF_NET_SECURITY_STARTTLS, fixture->trusted);
  g_assert_false (open_sync (fixture, connection, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE);
}

static void
test_plaintext_needs_consent (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(PfImapConnection) refused = NULL;
  g_autoptr(PfImapConnection) allowed = NULL;
  g_autoptr(GError) error = NULL;

  refused = make (fixture, "imap-plaintext", PF_NET_SECURITY_NONE, NULL);
  g_assert_true (open_sync (fixture, refused, &error));
  g_assert_false (login_sync (fixture, refused,
                              pf_test_servers_get_login (fixture->servers, "alice"),
                              pf_test_servers_get_password (fixture->servers, "alice"), &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_PLAINTEXT_REFUSED);
  g_clear_error (&error);
  logout_sync (fixture, refused);

  /* With the user's explicit consent the same login works. */
  allowed = make (fixture, "imap-plaintext", PF_NET_SECURITY_NONE, NULL);
  pf_net_connection_set_allow_plaintext_secrets (pf_imap_connection_get_net (allowed), TRUE);
  g_assert_true (open_sync (fixture, allowed, &error));
  g_assert_true (login_sync (fixture, allowed,
                             pf_test_servers_get_login (fixture->servers, "alice"),
                             pf_test_servers_get_password (fixture->servers, "alice"), &error));
  g_assert_no_error (error);
  logout_sync (fixture, allowed);
}

static void
count_cb (PfImapConnection *connection,
          PfImapResponse   *response,
          gpointer          user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
on_pipelined_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GPtrArray *order = user_data;
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  response = pf_imap_connection_run_finish (PF_IMAP_CONNECTION (object), result, &error);
  g_assert_no_error (error);
  g_ptr_array_add (order, g_strdup (pf_imap_response_get_tag (response)));
}

static void
test_pipeline (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PfImapCommand) select = NULL;
  g_autoptr(PfImapCommand) fetch = NULL;
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  const char *const fetch_keywords[] = { "FETCH", NULL };
  guint fetched = 0;

  /* Twelve messages for alice. */
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *text = g_strdup_printf ("From: bob@example.test\r\nTo: alice@example.test\r\n"
                                               "Subject: Pipeline %u\r\nMessage-ID: <p%u@example.test>\r\n"
                                               "\r\nBody %u\r\n", i, i, i);
      g_autoptr(GBytes) message = g_bytes_new_take (text, strlen (text));

      text = NULL;
      g_assert_true (pf_test_servers_deliver (fixture->servers, "alice", message, &error));
      g_assert_no_error (error);
    }

  connection = make (fixture, "imaps", PF_NET_SECURITY_TLS, fixture->trusted);
  g_assert_true (open_sync (fixture, connection, &error));
  g_assert_true (login_sync (fixture, connection,
                             pf_test_servers_get_login (fixture->servers, "alice"),
                             pf_test_servers_get_password (fixture->servers, "alice"), &error));

  /* Ten commands at once: all answered, in order. */
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(PfImapCommand) command = pf_imap_command_new ("NOOP", PF_IMAP_COMMAND_NONE);

      pf_imap_connection_run_async (connection, command, NULL, NULL, NULL, NULL, NULL,
                                    NULL, on_pipelined_cb, order);
    }
  while (order->len < 10)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 1; i < order->len; i++)
    {
      guint64 previous = g_ascii_strtoull ((char *) order->pdata[i - 1] + 1, NULL, 10);
      guint64 current = g_ascii_strtoull ((char *) order->pdata[i] + 1, NULL, 10);

      g_assert_cmpuint (previous, <, current);
    }

  select = pf_imap_command_new ("SELECT", PF_IMAP_COMMAND_BARRIER);
  g_assert_true (pf_imap_command_add_mailbox (select, "INBOX", FALSE, &error));
  response = run_sync (fixture, connection, select, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);
  g_clear_pointer (&response, pf_imap_response_unref);

  /* Every FETCH goes to the command, one at a time. */
  fetch = pf_imap_command_new ("UID FETCH", PF_IMAP_COMMAND_NONE);
  pf_imap_command_add_raw (fetch, "1:* (UID FLAGS ENVELOPE)");
  response = run_sync (fixture, connection, fetch, fetch_keywords, count_cb, &fetched, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fetched, >=, 12);

  logout_sync (fixture, connection);
}

static void
test_no_with_server_text (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(PfImapCommand) select = NULL;
  g_autoptr(PfImapCommand) noop = NULL;
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapResponse) after = NULL;
  g_autoptr(GError) error = NULL;

  connection = make (fixture, "imaps", PF_NET_SECURITY_TLS, fixture->trusted);
  g_assert_true (open_sync (fixture, connection, &error));
  g_assert_true (login_sync (fixture, connection,
                             pf_test_servers_get_login (fixture->servers, "alice"),
                             pf_test_servers_get_password (fixture->servers, "alice"), &error));

  select = pf_imap_command_new ("SELECT", PF_IMAP_COMMAND_BARRIER);
  g_assert_true (pf_imap_command_add_mailbox (select, "Gibt es nicht", FALSE, &error));
  response = run_sync (fixture, connection, select, NULL, NULL, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_NO);
  g_assert_nonnull (pf_imap_error_get_server_text (error));
  g_clear_error (&error);

  /* A NO is not the end of the connection. */
  noop = pf_imap_command_new ("NOOP", PF_IMAP_COMMAND_NONE);
  after = run_sync (fixture, connection, noop, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (after);
  logout_sync (fixture, connection);
}

/* The scripted server: STARTTLS attacks. Each must end the connection
 * before any credential byte is written, which the recording proves. */

static void
check_starttls_attack (Fixture    *fixture,
                       const char *script,
                       GQuark      domain,
                       int         code)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfNetConnection) net = NULL;
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) received = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  server = pf_fake_server_new_from_script (script, &error);
  g_assert_no_error (error);

  net = pf_net_connection_new (pf_fake_server_get_host (server), pf_fake_server_get_port (server),
                               PF_NET_SECURITY_STARTTLS);
  pf_net_connection_set_timeout (net, 10);
  connection = pf_imap_connection_new (net);

  g_assert_false (open_sync (fixture, connection, &error));
  g_assert_error (error, domain, code);

  /* Even if the caller goes on to log in, nothing is sent. */
  pf_imap_connection_login_async (connection, "alice", PASSWORD, FALSE, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_false (pf_imap_connection_login_finish (connection, result, NULL));

  pf_fake_server_wait_finished (server);
  received = pf_fake_server_dup_received (server);
  text = g_strndup (g_bytes_get_size (received) > 0 ? g_bytes_get_data (received, NULL) : "",
                    g_bytes_get_size (received));
  g_assert_null (strstr (text, PASSWORD));
  g_assert_null (strstr (text, "LOGIN"));
  g_assert_null (strstr (text, "AUTHENTICATE"));
}

static void
test_starttls_missing (Fixture       *fixture,
                       gconstpointer  data)
{
  check_starttls_attack (fixture,
                         "S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] stripped\n"
                         "WAIT-CLOSE\n",
                         PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE);
}

static void
test_starttls_refused (Fixture       *fixture,
                       gconstpointer  data)
{
  check_starttls_attack (fixture,
                         "S: * OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] hello\n"
                         "C: ^P[0-9]+ STARTTLS$\n"
                         "S: P1 NO not today\n"
                         "WAIT-CLOSE\n",
                         PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE);
}

static void
test_starttls_preauth (Fixture       *fixture,
                       gconstpointer  data)
{
  check_starttls_attack (fixture,
                         "S: * PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] you are in\n"
                         "WAIT-CLOSE\n",
                         PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE);
}

static void
test_starttls_injection (Fixture       *fixture,
                         gconstpointer  data)
{
  /* The OK and a forged capability arrive in one packet. */
  check_starttls_attack (fixture,
                         "S: * OK [CAPABILITY IMAP4rev1 STARTTLS] hello\n"
                         "C: ^P[0-9]+ STARTTLS$\n"
                         "SEND P1 OK go ahead\\r\\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\\r\\n\n"
                         "WAIT-CLOSE\n",
                         PF_NET_ERROR, PF_NET_ERROR_PROTOCOL);
}

static void
test_bad_greeting (Fixture       *fixture,
                   gconstpointer  data)
{
  check_starttls_attack (fixture,
                         "S: 220 smtp.example.test ESMTP\n"
                         "WAIT-CLOSE\n",
                         PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL);
}

static void
on_result_slot_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static void
test_bye_mid_command (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfNetConnection) net = NULL;
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(PfImapCommand) first = NULL;
  g_autoptr(PfImapCommand) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  GAsyncResult *results[2] = { NULL, NULL };

  server = pf_fake_server_new_from_script ("S: * PREAUTH [CAPABILITY IMAP4rev1] ready\n"
                                           "C: ^P[0-9]+ NOOP$\n"
                                           "C: ^P[0-9]+ NOOP$\n"
                                           "S: * BYE shutting down for maintenance\n"
                                           "CLOSE\n", &error);
  g_assert_no_error (error);
  net = pf_net_connection_new (pf_fake_server_get_host (server), pf_fake_server_get_port (server),
                               PF_NET_SECURITY_NONE);
  connection = pf_imap_connection_new (net);
  g_assert_true (open_sync (fixture, connection, &error));
  g_assert_cmpint (pf_imap_connection_get_state (connection), ==, PF_IMAP_STATE_AUTHENTICATED);

  first = pf_imap_command_new ("NOOP", PF_IMAP_COMMAND_NONE);
  second = pf_imap_command_new ("NOOP", PF_IMAP_COMMAND_NONE);
  pf_imap_connection_run_async (connection, first, NULL, NULL, NULL, NULL, NULL, NULL,
                                on_result_slot_cb, &results[0]);
  pf_imap_connection_run_async (connection, second, NULL, NULL, NULL, NULL, NULL, NULL,
                                on_result_slot_cb, &results[1]);
  while (results[0] == NULL || results[1] == NULL)
    g_main_context_iteration (NULL, TRUE);
  result = results[0];
  result2 = results[1];
  g_assert_null (pf_imap_connection_run_finish (connection, result, &error));
  g_assert_null (pf_imap_connection_run_finish (connection, result2, &error2));

  /* Both fail with the server's reason; the connection is over. */
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_BYE);
  g_assert_nonnull (strstr (error->message, "maintenance"));
  g_assert_error (error2, PF_IMAP_ERROR, PF_IMAP_ERROR_BYE);
  g_assert_cmpint (pf_imap_connection_get_state (connection), ==, PF_IMAP_STATE_LOGOUT);
}

/* A scripted, already authenticated (PREAUTH over plain TCP) connection. */
static PfImapConnection *
open_fake (Fixture      *fixture,
           PfFakeServer *server)
{
  g_autoptr(PfNetConnection) net = NULL;
  PfImapConnection *connection;
  g_autoptr(GError) error = NULL;

  net = pf_net_connection_new (pf_fake_server_get_host (server), pf_fake_server_get_port (server),
                               PF_NET_SECURITY_NONE);
  pf_net_connection_set_timeout (net, 10);
  connection = pf_imap_connection_new (net);
  open_sync (fixture, connection, &error);
  g_assert_no_error (error);
  return connection;
}

static void
collect_untagged_cb (PfImapConnection *connection,
                     PfImapResponse   *response,
                     gpointer          user_data)
{
  GString *seen = user_data;

  g_string_append_printf (seen, "%s%" G_GUINT64_FORMAT " %s;",
                          pf_imap_response_get_kind (response) == PF_IMAP_RESPONSE_UNTAGGED ? "" : "?",
                          pf_imap_response_get_number (response),
                          pf_imap_response_get_keyword (response));
}

static void
on_untagged_signal_cb (PfImapConnection *connection,
                       PfImapResponse   *response,
                       gpointer          user_data)
{
  collect_untagged_cb (connection, response, user_data);
}

static void
test_unsolicited_mid_command (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(PfImapCommand) fetch = NULL;
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(GString) collected = g_string_new (NULL);
  g_autoptr(GString) unsolicited = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *const keywords[] = { "FETCH", NULL };

  /* Another client expunges and flags while our FETCH runs: EXISTS and
   * EXPUNGE are not the command's and go out as unsolicited data; the
   * literal and the NIL vs "" in the envelope parse. */
  server = pf_fake_server_new_from_script (
    "S: * PREAUTH [CAPABILITY IMAP4rev1 LITERAL+] ready\n"
    "C: ^P[0-9]+ UID FETCH 1:\\* \\(UID FLAGS\\)$\n"
    "S: * 1 FETCH (UID 10 FLAGS (\\\\Seen))\n"
    "S: * 3 EXPUNGE\n"
    "SEND * 2 FETCH (UID 11 FLAGS () X-NOTE {5}\\r\\nhallo)\\r\\n\n"
    "S: * 5 EXISTS\n"
    "S: * 3 FETCH (UID 12 FLAGS (\\\\Flagged) X-EMPTY \"\" X-NIL NIL)\n"
    "S: P1 OK done\n"
    "WAIT-CLOSE\n", &error);
  g_assert_no_error (error);
  connection = open_fake (fixture, server);
  g_signal_connect (connection, "untagged", G_CALLBACK (on_untagged_signal_cb), unsolicited);

  fetch = pf_imap_command_new ("UID FETCH", PF_IMAP_COMMAND_NONE);
  pf_imap_command_add_raw (fetch, "1:* (UID FLAGS)");
  response = run_sync (fixture, connection, fetch, keywords, collect_untagged_cb, collected, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);

  g_assert_cmpstr (collected->str, ==, "1 FETCH;2 FETCH;3 FETCH;");
  g_assert_cmpstr (unsolicited->str, ==, "3 EXPUNGE;5 EXISTS;");
}

static void
check_connection_killed (Fixture    *fixture,
                         const char *script,
                         int         code)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(PfImapCommand) noop = NULL;
  g_autoptr(PfImapCommand) after = NULL;
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapResponse) response2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;

  server = pf_fake_server_new_from_script (script, &error);
  g_assert_no_error (error);
  connection = open_fake (fixture, server);

  noop = pf_imap_command_new ("NOOP", PF_IMAP_COMMAND_NONE);
  response = run_sync (fixture, connection, noop, NULL, NULL, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, PF_IMAP_ERROR, code);
  g_assert_cmpint (pf_imap_connection_get_state (connection), ==, PF_IMAP_STATE_LOGOUT);

  /* The connection is over: later commands fail at once. */
  after = pf_imap_command_new ("NOOP", PF_IMAP_COMMAND_NONE);
  response2 = run_sync (fixture, connection, after, NULL, NULL, NULL, &error2);
  g_assert_null (response2);
  g_assert_error (error2, PF_IMAP_ERROR, code);
}

static void
test_garbage (Fixture       *fixture,
              gconstpointer  data)
{
  check_connection_killed (fixture,
                           "S: * PREAUTH [CAPABILITY IMAP4rev1] ready\n"
                           "C: ^P[0-9]+ NOOP$\n"
                           "S: )))((( \\x01\\x02 garbage\n"
                           "WAIT-CLOSE\n",
                           PF_IMAP_ERROR_PROTOCOL);
}

static void
test_oversize_literal (Fixture       *fixture,
                       gconstpointer  data)
{
  /* A hostile literal announcement must not make us allocate 100 GB. */
  check_connection_killed (fixture,
                           "S: * PREAUTH [CAPABILITY IMAP4rev1] ready\n"
                           "C: ^P[0-9]+ NOOP$\n"
                           "S: * 1 FETCH (BODY[] {107374182400}\n"
                           "SEND abc\n"
                           "WAIT-CLOSE\n",
                           PF_IMAP_ERROR_PROTOCOL);
}

static void
test_deep_nesting (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GString) script = g_string_new ("S: * PREAUTH [CAPABILITY IMAP4rev1] ready\nC: ^P[0-9]+ NOOP$\nS: * 1 FETCH (X ");

  for (guint i = 0; i < 5000; i++)
    g_string_append_c (script, '(');
  g_string_append (script, "\nWAIT-CLOSE\n");
  check_connection_killed (fixture, script->str, PF_IMAP_ERROR_PROTOCOL);
}

static void
test_dropped_mid_command (Fixture       *fixture,
                          gconstpointer  data)
{
  check_connection_killed (fixture,
                           "S: * PREAUTH [CAPABILITY IMAP4rev1] ready\n"
                           "C: ^P[0-9]+ NOOP$\n"
                           "SEND * 1 FETCH (UID 1 FL\n"
                           "CLOSE\n",
                           PF_IMAP_ERROR_CONNECTION_LOST);
}

static void
test_unknown_tag (Fixture       *fixture,
                  gconstpointer  data)
{
  check_connection_killed (fixture,
                           "S: * PREAUTH [CAPABILITY IMAP4rev1] ready\n"
                           "C: ^P[0-9]+ NOOP$\n"
                           "S: Z99 OK not yours\n"
                           "WAIT-CLOSE\n",
                           PF_IMAP_ERROR_PROTOCOL);
}

static void
test_changed_certificate (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PfFakeServerCertificates) certificates = NULL;
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfNetConnection) net = NULL;
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(PfNetPin) pin = NULL;
  g_autoptr(GTlsCertificate) accepted = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) received = NULL;

  certificates = pf_fake_server_certificates_new (&error);
  g_assert_no_error (error);

  /* The user once accepted the first certificate (unknown CA); now the
   * server shows another one: that must fail again, before any command. */
  accepted = g_tls_certificate_new_from_file (certificates->cert_file, &error);
  g_assert_no_error (error);
  server = pf_fake_server_new ();
  pf_fake_server_add_tls_rejected (server, certificates->other_cert_file, certificates->other_key_file);
  net = pf_net_connection_new (pf_fake_server_get_host (server), pf_fake_server_get_port (server),
                               PF_NET_SECURITY_TLS);
  pin = pf_net_pin_new_for_certificate (pf_fake_server_get_host (server),
                                        pf_fake_server_get_port (server), accepted,
                                        G_TLS_CERTIFICATE_UNKNOWN_CA);
  pf_net_connection_set_pin (net, pin);
  connection = pf_imap_connection_new (net);
  g_assert_false (open_sync (fixture, connection, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_CERTIFICATE_UNTRUSTED);

  pf_fake_server_wait_finished (server);
  received = pf_fake_server_dup_received_tls (server);
  g_assert_cmpuint (g_bytes_get_size (received), ==, 0);
}

static void
test_compress (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(PfImapCommand) examine = NULL;
  g_autoptr(PfImapCommand) fetch = NULL;
  g_autoptr(PfImapResponse) examined = NULL;
  g_autoptr(PfImapResponse) fetched = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) again = NULL;
  g_autoptr(GError) error = NULL;
  const char *const keywords[] = { "FETCH", NULL };
  guint count = 0;

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("From: bob@example.test\r\nTo: alice@example.test\r\n"
                                               "Subject: Komprimiert %u\r\n\r\nText %u\r\n", i, i);
      g_autoptr(GBytes) message = NULL;
      gsize length = strlen (text);

      message = g_bytes_new_take (g_steal_pointer (&text), length);
      g_assert_true (pf_test_servers_deliver (fixture->servers, "alice", message, &error));
    }

  connection = make (fixture, "imaps", PF_NET_SECURITY_TLS, fixture->trusted);
  g_assert_true (open_sync (fixture, connection, &error));
  g_assert_true (login_sync (fixture, connection,
                             pf_test_servers_get_login (fixture->servers, "alice"),
                             pf_test_servers_get_password (fixture->servers, "alice"), &error));
  g_assert_true (pf_imap_connection_has_capability (connection, "COMPRESS=DEFLATE"));

  pf_imap_connection_compress_async (connection, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_connection_compress_finish (connection, result, &error));
  g_assert_no_error (error);
  g_assert_true (pf_net_connection_is_compressed (pf_imap_connection_get_net (connection)));

  /* Everything still works, over DEFLATE inside TLS. */
  examine = pf_imap_command_new ("EXAMINE INBOX", PF_IMAP_COMMAND_BARRIER);
  examined = run_sync (fixture, connection, examine, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  fetch = pf_imap_command_new ("UID FETCH", PF_IMAP_COMMAND_NONE);
  pf_imap_command_add_raw (fetch, "1:* (UID ENVELOPE BODY.PEEK[])");
  fetched = run_sync (fixture, connection, fetch, keywords, count_cb, &count, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count, >=, 20);

  /* Asking again is harmless. */
  pf_imap_connection_compress_async (connection, NULL, on_done_cb, fixture);
  again = wait_result (fixture);
  g_assert_true (pf_imap_connection_compress_finish (connection, again, &error));

  logout_sync (fixture, connection);
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
test_trace_hides_password (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GString) trace = g_string_new (NULL);
  const char *password = pf_test_servers_get_password (fixture->servers, "alice");
  g_autofree char *encoded = NULL;
  g_autofree char *plain = NULL;
  guint handler;

  /* SASL PLAIN carries the password base64-encoded: look for that too. */
  plain = g_strdup_printf ("%c%s%c%s", 0, pf_test_servers_get_login (fixture->servers, "alice"), 0,
                           password);
  encoded = g_base64_encode ((const guchar *) plain,
                             2 + strlen (pf_test_servers_get_login (fixture->servers, "alice")) +
                             strlen (password));

  g_setenv ("G_MESSAGES_DEBUG", "pf-imap-wire", TRUE);
  handler = g_log_set_handler ("pf-imap-wire", G_LOG_LEVEL_DEBUG, on_trace_cb, trace);
  check_login (fixture, "imap", PF_NET_SECURITY_STARTTLS);
  g_log_remove_handler ("pf-imap-wire", handler);
  g_unsetenv ("G_MESSAGES_DEBUG");

  g_assert_nonnull (strstr (trace->str, "STARTTLS"));
  g_assert_nonnull (strstr (trace->str, "credentials not shown"));
  g_assert_null (strstr (trace->str, password));
  g_assert_null (strstr (trace->str, encoded));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/imap/connection/starttls-login", test_starttls_login);
  ADD ("/imap/connection/tls-login", test_tls_login);
  ADD ("/imap/connection/wrong-password", test_wrong_password);
  ADD ("/imap/connection/trace-hides-password", test_trace_hides_password);
  ADD ("/imap/connection/untrusted", test_untrusted);
  ADD ("/imap/connection/starttls/not-offered", test_starttls_not_offered);
  ADD ("/imap/connection/plaintext-needs-consent", test_plaintext_needs_consent);
  ADD ("/imap/connection/pipeline", test_pipeline);
  ADD ("/imap/connection/no-keeps-connection", test_no_with_server_text);
  ADD ("/imap/connection/compress", test_compress);
  ADD ("/imap/connection/fake/starttls-missing", test_starttls_missing);
  ADD ("/imap/connection/fake/starttls-refused", test_starttls_refused);
  ADD ("/imap/connection/fake/starttls-preauth", test_starttls_preauth);
  ADD ("/imap/connection/fake/starttls-injection", test_starttls_injection);
  ADD ("/imap/connection/fake/bad-greeting", test_bad_greeting);
  ADD ("/imap/connection/fake/bye-mid-command", test_bye_mid_command);
  ADD ("/imap/connection/fake/unsolicited-mid-command", test_unsolicited_mid_command);
  ADD ("/imap/connection/fake/garbage", test_garbage);
  ADD ("/imap/connection/fake/oversize-literal", test_oversize_literal);
  ADD ("/imap/connection/fake/deep-nesting", test_deep_nesting);
  ADD ("/imap/connection/fake/dropped-mid-command", test_dropped_mid_command);
  ADD ("/imap/connection/fake/unknown-tag", test_unknown_tag);
  ADD ("/imap/connection/fake/changed-certificate", test_changed_certificate);

#undef ADD

  return g_test_run ();
}
