/* test-connection-test.c: PfConnectionTest against the real test servers,
 * and against a scripted server for providers' texts Dovecot never says
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "net/pf-net-connection.h"
#include "net/pf-net-error.h"
#include "account/pf-connection-test.h"
#include "pf-fake-server.h"
#include "pf-test-servers.h"

typedef struct
{
  guint          id;
  PfCheckStatus  status;
  char          *text;
} Step;

typedef struct
{
  PfTestServers *servers;
  GArray        *steps;    /* of Step */
  GAsyncResult  *result;
  const char    *password; /* must appear in no step */
} Fixture;

static void
step_clear (Step *step)
{
  g_free (step->text);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->servers = pf_test_servers_get_full (PF_TEST_SERVERS_VARIANTS);
  fixture->steps = g_array_new (FALSE, TRUE, sizeof (Step));
  g_array_set_clear_func (fixture->steps, (GDestroyNotify) step_clear);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_null (fixture->result);
  g_clear_pointer (&fixture->steps, g_array_unref);
}

static void
on_step_cb (PfConnectionTest *test,
            guint             id,
            PfCheckStatus     status,
            const char       *text,
            gpointer          user_data)
{
  Fixture *fixture = user_data;
  Step step = { id, status, g_strdup (text) };

  g_test_message ("step %u %d: %s", id, status, text);
  g_assert_nonnull (text);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  /* Never the password, in no line of the doctor. */
  if (fixture->password != NULL)
    g_assert_null (strstr (text, fixture->password));
  g_array_append_val (fixture->steps, step);
}

static void
on_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_assert_null (fixture->result);
  fixture->result = g_object_ref (result);
}

/* Runs @test to the end; returns whether it logged in. */
static gboolean
run (Fixture           *fixture,
     PfConnectionTest  *test,
     GError           **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  gulong handler;
  gboolean ok;

  g_array_set_size (fixture->steps, 0);
  handler = g_signal_connect (test, "step", G_CALLBACK (on_step_cb), fixture);
  pf_connection_test_run_async (test, NULL, on_done_cb, fixture);
  while (fixture->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  result = g_steal_pointer (&fixture->result);
  ok = pf_connection_test_run_finish (test, result, error);
  g_signal_handler_disconnect (test, handler);

  return ok;
}

/* The first step with @status whose text contains @needle, or NULL. */
static const Step *
find_step (Fixture       *fixture,
           PfCheckStatus  status,
           const char    *needle)
{
  for (guint i = 0; i < fixture->steps->len; i++)
    {
      const Step *step = &g_array_index (fixture->steps, Step, i);

      if (step->status == status && strstr (step->text, needle) != NULL)
        return step;
    }
  return NULL;
}

static guint
count_steps (Fixture       *fixture,
             PfCheckStatus  status,
             const char    *needle)
{
  guint n = 0;

  for (guint i = 0; i < fixture->steps->len; i++)
    {
      const Step *step = &g_array_index (fixture->steps, Step, i);

      if (step->status == status && strstr (step->text, needle) != NULL)
        n++;
    }
  return n;
}

/* Every RUNNING step ends with a later emission of the same id. */
static void
assert_steps_end (Fixture *fixture)
{
  for (guint i = 0; i < fixture->steps->len; i++)
    {
      const Step *step = &g_array_index (fixture->steps, Step, i);
      gboolean ended = FALSE;

      if (step->status != PF_CHECK_RUNNING)
        continue;
      for (guint j = i + 1; j < fixture->steps->len; j++)
        {
          const Step *later = &g_array_index (fixture->steps, Step, j);

          if (later->id == step->id)
            {
              g_assert_cmpint (later->status, !=, PF_CHECK_RUNNING);
              ended = TRUE;
            }
        }
      if (!ended)
        g_error ("Step %u “%s” never ended", step->id, step->text);
    }
}

static PfServerSettings *
settings_for (Fixture          *fixture,
              const char       *service,
              PfServerProtocol  protocol,
              PfSecurity        security,
              gboolean          with_ca)
{
  PfServerSettings *settings = pf_server_settings_new (protocol);

  pf_server_settings_set_security (settings, security);
  pf_server_settings_set_host (settings, pf_test_servers_get_host (fixture->servers, service));
  pf_server_settings_set_port (settings, pf_test_servers_get_port (fixture->servers, service));
  pf_server_settings_set_username (settings, pf_test_servers_get_login (fixture->servers, "alice"));
  if (with_ca)
    pf_server_settings_set_ca_file (settings, pf_test_servers_get_ca_file (fixture->servers));

  return settings;
}

/* Success, with TLS and STARTTLS */

typedef struct
{
  const char       *service;
  PfServerProtocol  protocol;
  PfSecurity        security;
} ServerCase;

static const ServerCase imap_tls = { "imaps", PF_SERVER_PROTOCOL_IMAP, PF_SECURITY_TLS };
static const ServerCase imap_starttls = { "imap", PF_SERVER_PROTOCOL_IMAP, PF_SECURITY_STARTTLS };
static const ServerCase pop3_tls = { "pop3s", PF_SERVER_PROTOCOL_POP3, PF_SECURITY_TLS };
static const ServerCase pop3_starttls = { "pop3", PF_SERVER_PROTOCOL_POP3, PF_SECURITY_STARTTLS };
static const ServerCase smtp_tls = { "submissions", PF_SERVER_PROTOCOL_SMTP, PF_SECURITY_TLS };
static const ServerCase smtp_starttls = { "submission", PF_SERVER_PROTOCOL_SMTP,
                                          PF_SECURITY_STARTTLS };

static void
test_success (Fixture       *fixture,
              gconstpointer  data)
{
  const ServerCase *server = data;
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *connecting = NULL;
  g_autofree char *connected = NULL;
  g_autofree char *logging_in = NULL;
  g_autofree char *description = NULL;
  const char *const *mechanisms;
  const char *login = pf_test_servers_get_login (fixture->servers, "alice");
  const Step *step;

  settings = settings_for (fixture, server->service, server->protocol, server->security, TRUE);
  fixture->password = pf_test_servers_get_password (fixture->servers, "alice");
  test = pf_connection_test_new (settings, fixture->password);

  g_assert_true (run (fixture, test, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_NONE);
  g_assert_cmpstr (pf_connection_test_get_username (test), ==, login);
  g_assert_null (pf_connection_test_get_certificate (test, NULL));
  g_assert_true (pf_connection_test_get_settings (test) == settings);

  /* The doctor: connecting, connected (to the address), TLS, mechanisms,
   * logging in, logged in. */
  connecting = g_strdup_printf ("%s:%u (%s)", pf_test_servers_get_host (fixture->servers,
                                                                         server->service),
                                pf_test_servers_get_port (fixture->servers, server->service),
                                server->security == PF_SECURITY_TLS ? "TLS" : "STARTTLS");
  step = find_step (fixture, PF_CHECK_RUNNING, connecting);
  g_assert_nonnull (step);
  connected = g_strdup_printf ("Connected to %s",
                               pf_test_servers_get_host (fixture->servers, server->service));
  g_assert_nonnull (find_step (fixture, PF_CHECK_OK, connected));
  g_assert_cmpuint (find_step (fixture, PF_CHECK_OK, connected)->id, ==, step->id);

  g_assert_nonnull (pf_connection_test_get_tls_version (test));
  g_assert_true (g_str_has_prefix (pf_connection_test_get_tls_version (test), "TLS 1."));
  step = find_step (fixture, PF_CHECK_INFO, pf_connection_test_get_tls_version (test));
  g_assert_nonnull (step);
  g_assert_nonnull (strstr (step->text, "valid until"));
  g_assert_null (strstr (step->text, "not verified"));

  mechanisms = pf_connection_test_get_mechanisms (test);
  g_assert_nonnull (mechanisms);
  g_assert_true (g_strv_contains (mechanisms, "PLAIN"));
  step = find_step (fixture, PF_CHECK_INFO, "Server offers: ");
  g_assert_nonnull (step);
  g_assert_nonnull (strstr (step->text, "PLAIN"));

  logging_in = g_strdup_printf ("Logging in as %s", login);
  g_assert_nonnull (find_step (fixture, PF_CHECK_RUNNING, logging_in));
  g_assert_nonnull (find_step (fixture, PF_CHECK_OK, login));
  g_assert_cmpuint (count_steps (fixture, PF_CHECK_FAILED, ""), ==, 0);
  assert_steps_end (fixture);

  description = pf_connection_test_describe_problem (test);
  g_assert_nonnull (strstr (description, "accepted"));
}

/* Refusals by the real servers */

static void
test_wrong_password (Fixture       *fixture,
                     gconstpointer  data)
{
  const ServerCase *server = data;
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  settings = settings_for (fixture, server->service, server->protocol, server->security, TRUE);
  fixture->password = "not-the-Passw0rd";
  test = pf_connection_test_new (settings, fixture->password);

  g_assert_false (run (fixture, test, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==,
                   PF_CONNECTION_PROBLEM_WRONG_PASSWORD);
  g_assert_null (pf_connection_test_get_username (test));
  /* Connected and told the TLS details before it was refused. */
  g_assert_nonnull (pf_connection_test_get_tls_version (test));
  g_assert_nonnull (find_step (fixture, PF_CHECK_FAILED, "refused the login"));
  assert_steps_end (fixture);

  description = pf_connection_test_describe_problem (test);
  g_assert_nonnull (strstr (description, "refused the password for alice@example.test"));
  g_assert_nonnull (strstr (description, pf_server_settings_get_host (settings)));
}

static void
test_port_closed (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) any = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autofree char *description = NULL;
  g_autofree char *needle = NULL;
  guint16 port;

  /* A port that was free a moment ago: nothing listens there. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  any = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (socket, any, TRUE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_assert_true (g_socket_close (socket, &error));

  settings = settings_for (fixture, "imaps", PF_SERVER_PROTOCOL_IMAP, PF_SECURITY_TLS, TRUE);
  pf_server_settings_set_host (settings, "127.0.0.1");
  pf_server_settings_set_port (settings, port);
  fixture->password = "s3cret";
  test = pf_connection_test_new (settings, fixture->password);

  g_assert_false (run (fixture, test, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_CONNECTION_REFUSED);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_PORT_CLOSED);
  g_assert_null (pf_connection_test_get_tls_version (test));
  g_assert_null (pf_connection_test_get_mechanisms (test));
  g_assert_null (find_step (fixture, PF_CHECK_RUNNING, "Logging in"));
  assert_steps_end (fixture);

  description = pf_connection_test_describe_problem (test);
  needle = g_strdup_printf ("Nothing answers on port %u of 127.0.0.1", port);
  g_assert_nonnull (strstr (description, needle));
}

static void
test_host_not_found (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  settings = settings_for (fixture, "imaps", PF_SERVER_PROTOCOL_IMAP, PF_SECURITY_TLS, TRUE);
  /* RFC 6761 §6.4: never resolves. */
  pf_server_settings_set_host (settings, "imap.postfach-test.invalid");
  fixture->password = "s3cret";
  test = pf_connection_test_new (settings, fixture->password);

  g_assert_false (run (fixture, test, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_HOST_NOT_FOUND);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==,
                   PF_CONNECTION_PROBLEM_HOST_NOT_FOUND);
  g_assert_nonnull (find_step (fixture, PF_CHECK_FAILED, ""));
  assert_steps_end (fixture);

  description = pf_connection_test_describe_problem (test);
  g_assert_nonnull (strstr (description, "imap.postfach-test.invalid could not be found"));
}

static void
test_timeout (Fixture       *fixture,
              gconstpointer  data)
{
  PfSecurity security = GPOINTER_TO_INT (data);
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) listener = NULL;
  g_autofree char *description = NULL;
  gint64 start;
  guint16 port;

  /* Listens, so the kernel completes the handshake, but never says a word:
   * a server that hangs, or a port that expects the other kind of TLS. */
  listener = g_socket_listener_new ();
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);

  settings = settings_for (fixture, "imaps", PF_SERVER_PROTOCOL_IMAP, security, TRUE);
  pf_server_settings_set_host (settings, "127.0.0.1");
  pf_server_settings_set_port (settings, port);
  fixture->password = "s3cret";
  test = pf_connection_test_new (settings, fixture->password);
  pf_connection_test_set_timeout (test, 1);

  start = g_get_monotonic_time ();
  g_assert_false (run (fixture, test, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  assert_steps_end (fixture);

  description = pf_connection_test_describe_problem (test);
  g_assert_nonnull (strstr (description, "did not answer"));
}

/* The notls variant: no STARTTLS, no login without it */

static void
test_no_starttls (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *service = data;
  PfServerProtocol protocol = g_str_has_prefix (service, "imap") ? PF_SERVER_PROTOCOL_IMAP
                                                                 : PF_SERVER_PROTOCOL_POP3;
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  settings = settings_for (fixture, service, protocol, PF_SECURITY_STARTTLS, TRUE);
  fixture->password = pf_test_servers_get_password (fixture->servers, "alice");
  test = pf_connection_test_new (settings, fixture->password);

  g_assert_false (run (fixture, test, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_NO_TLS);
  g_assert_null (find_step (fixture, PF_CHECK_RUNNING, "Logging in"));
  assert_steps_end (fixture);

  description = pf_connection_test_describe_problem (test);
  g_assert_nonnull (strstr (description, "does not offer encryption (STARTTLS)"));
}

static void
test_plaintext_refused (Fixture       *fixture,
                        gconstpointer  data)
{
  const char *service = data;
  PfServerProtocol protocol = g_str_has_prefix (service, "imap") ? PF_SERVER_PROTOCOL_IMAP
                                                                 : PF_SERVER_PROTOCOL_POP3;
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  /* No encryption and no consent: the server is reached and described,
   * but the password stays home. */
  settings = settings_for (fixture, service, protocol, PF_SECURITY_NONE, FALSE);
  fixture->password = pf_test_servers_get_password (fixture->servers, "alice");
  test = pf_connection_test_new (settings, fixture->password);

  g_assert_false (run (fixture, test, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_PLAINTEXT_REFUSED);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_PLAINTEXT);
  g_assert_nonnull (find_step (fixture, PF_CHECK_OK, "Connected to"));
  g_assert_nonnull (find_step (fixture, PF_CHECK_INFO, "not encrypted"));
  g_assert_null (pf_connection_test_get_tls_version (test));
  g_assert_nonnull (pf_connection_test_get_mechanisms (test));
  g_assert_null (find_step (fixture, PF_CHECK_RUNNING, "Logging in"));
  g_assert_nonnull (find_step (fixture, PF_CHECK_FAILED, "Not logging in"));
  assert_steps_end (fixture);

  description = pf_connection_test_describe_problem (test);
  g_assert_nonnull (strstr (description, "did not send the password"));

  /* With consent the IMAP server still says LOGINDISABLED: no way in
   * without encryption, which it does not offer. */
  if (protocol == PF_SERVER_PROTOCOL_IMAP)
    {
      g_clear_error (&error);
      pf_server_settings_set_allow_plaintext_password (settings, TRUE);
      g_assert_false (run (fixture, test, &error));
      g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE);
      g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_NO_TLS);
      g_assert_null (find_step (fixture, PF_CHECK_RUNNING, "Logging in"));
      g_assert_nonnull (find_step (fixture, PF_CHECK_INFO, "LOGINDISABLED"));
      g_free (description);
      description = pf_connection_test_describe_problem (test);
      g_assert_nonnull (strstr (description, "does not accept a password without encryption"));
    }
}

/* Certificates */

static void
test_untrusted_then_pinned (Fixture       *fixture,
                            gconstpointer  data)
{
  const ServerCase *server = data;
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(PfConnectionTest) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *description = NULL;
  GTlsCertificateFlags errors = 0;
  GTlsCertificate *certificate;
  const Step *step;

  /* No CA file: the system's trust store knows nothing of the test CA. */
  settings = settings_for (fixture, server->service, server->protocol, server->security, FALSE);
  fixture->password = pf_test_servers_get_password (fixture->servers, "alice");
  test = pf_connection_test_new (settings, fixture->password);

  g_assert_false (run (fixture, test, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_CERTIFICATE_UNTRUSTED);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_CERTIFICATE);
  certificate = pf_connection_test_get_certificate (test, &errors);
  g_assert_true (G_IS_TLS_CERTIFICATE (certificate));
  g_assert_true (errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_null (find_step (fixture, PF_CHECK_RUNNING, "Logging in"));
  assert_steps_end (fixture);
  description = pf_connection_test_describe_problem (test);
  g_assert_nonnull (strstr (description, "not trusted"));

  /* The user trusts it: the same test logs in, and says the certificate
   * was not verified but trusted as an exception. */
  sha256 = pf_net_certificate_dup_sha256 (certificate);
  pf_server_settings_set_pinned_certificate (settings, sha256, errors);
  g_clear_error (&error);
  again = pf_connection_test_new (settings, fixture->password);
  g_assert_true (run (fixture, again, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pf_connection_test_get_problem (again), ==, PF_CONNECTION_PROBLEM_NONE);
  g_assert_null (pf_connection_test_get_certificate (again, NULL));
  step = find_step (fixture, PF_CHECK_INFO, "not verified");
  g_assert_nonnull (step);
  g_assert_true (g_str_has_prefix (step->text, pf_connection_test_get_tls_version (again)));
}

static void
test_tls_database (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;

  /* Trust anchors given to the test stand in for the system's: the
   * certificate verifies without a CA file in the settings. */
  database = g_tls_file_database_new (pf_test_servers_get_ca_file (fixture->servers), &error);
  g_assert_no_error (error);
  settings = settings_for (fixture, "imaps", PF_SERVER_PROTOCOL_IMAP, PF_SECURITY_TLS, FALSE);
  fixture->password = pf_test_servers_get_password (fixture->servers, "alice");
  test = pf_connection_test_new (settings, fixture->password);
  pf_connection_test_set_tls_database (test, database);

  g_assert_true (run (fixture, test, &error));
  g_assert_no_error (error);
  g_assert_null (find_step (fixture, PF_CHECK_INFO, "not verified"));
  g_assert_nonnull (find_step (fixture, PF_CHECK_INFO, "valid until"));
}

/* User name candidates */

static void
test_candidates (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  const char *login = pf_test_servers_get_login (fixture->servers, "alice");
  g_autofree char *local = g_strndup (login, strchr (login, '@') - login);
  const char *const candidates[] = { local, login, NULL };
  g_autofree char *first = g_strdup_printf ("Logging in as %s…", local);
  g_autofree char *second = g_strdup_printf ("Logging in as %s…", login);

  settings = settings_for (fixture, "imaps", PF_SERVER_PROTOCOL_IMAP, PF_SECURITY_TLS, TRUE);
  pf_server_settings_set_username (settings, NULL);
  fixture->password = pf_test_servers_get_password (fixture->servers, "alice");
  test = pf_connection_test_new (settings, fixture->password);
  pf_connection_test_set_username_candidates (test, candidates);

  /* "alice" is refused, "alice@example.test" works: on one connection. */
  g_assert_true (run (fixture, test, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (pf_connection_test_get_username (test), ==, login);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_NONE);
  g_assert_cmpuint (count_steps (fixture, PF_CHECK_RUNNING, first), ==, 1);
  g_assert_cmpuint (count_steps (fixture, PF_CHECK_RUNNING, second), ==, 1);
  g_assert_cmpuint (count_steps (fixture, PF_CHECK_FAILED, "refused the login"), ==, 1);
  g_assert_cmpuint (count_steps (fixture, PF_CHECK_RUNNING, "Connecting"), ==, 1);
  assert_steps_end (fixture);

  /* The same for POP3, over STARTTLS. */
  g_clear_object (&test);
  g_clear_object (&settings);
  settings = settings_for (fixture, "pop3", PF_SERVER_PROTOCOL_POP3, PF_SECURITY_STARTTLS, TRUE);
  test = pf_connection_test_new (settings, fixture->password);
  pf_connection_test_set_username_candidates (test, candidates);
  g_assert_true (run (fixture, test, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (pf_connection_test_get_username (test), ==, login);
}

static void
test_candidates_not_verified (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfConnectionTest) probe = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *description = NULL;
  const char *login = pf_test_servers_get_login (fixture->servers, "alice");
  g_autofree char *local = g_strndup (login, strchr (login, '@') - login);
  const char *const candidates[] = { local, login, NULL };
  GTlsCertificateFlags errors = 0;

  /* Trusted only by a pin. */
  settings = settings_for (fixture, "imaps", PF_SERVER_PROTOCOL_IMAP, PF_SECURITY_TLS, FALSE);
  fixture->password = pf_test_servers_get_password (fixture->servers, "alice");
  probe = pf_connection_test_new (settings, fixture->password);
  g_assert_false (run (fixture, probe, &error));
  g_assert_cmpint (pf_connection_test_get_problem (probe), ==, PF_CONNECTION_PROBLEM_CERTIFICATE);
  sha256 = pf_net_certificate_dup_sha256 (pf_connection_test_get_certificate (probe, &errors));
  pf_server_settings_set_pinned_certificate (settings, sha256, errors);
  g_clear_error (&error);

  test = pf_connection_test_new (settings, fixture->password);
  pf_connection_test_set_username_candidates (test, candidates);
  g_assert_false (run (fixture, test, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==,
                   PF_CONNECTION_PROBLEM_WRONG_PASSWORD);
  g_assert_null (pf_connection_test_get_username (test));
  /* The full address was never tried: one login, then a skipped step. */
  g_assert_cmpuint (count_steps (fixture, PF_CHECK_RUNNING, "Logging in"), ==, 1);
  g_assert_nonnull (find_step (fixture, PF_CHECK_SKIPPED, login));
  assert_steps_end (fixture);

  description = pf_connection_test_describe_problem (test);
  g_assert_nonnull (strstr (description, local));
}

/* What only a provider says: the scripted server */

static PfServerSettings *
fake_settings (PfFakeServer     *server,
               PfServerProtocol  protocol)
{
  PfServerSettings *settings = pf_server_settings_new (protocol);

  /* Unencrypted with consent: the texts are the point here. */
  pf_server_settings_set_security (settings, PF_SECURITY_NONE);
  pf_server_settings_set_allow_plaintext_password (settings, TRUE);
  pf_server_settings_set_host (settings, pf_fake_server_get_host (server));
  pf_server_settings_set_port (settings, pf_fake_server_get_port (server));
  pf_server_settings_set_username (settings, "alice@example.test");

  return settings;
}

static PfConnectionTest *
run_fake (Fixture           *fixture,
          PfFakeServer      *server,
          PfServerProtocol   protocol,
          GError           **error)
{
  g_autoptr(PfServerSettings) settings = fake_settings (server, protocol);
  PfConnectionTest *test;

  fixture->password = "fake-Passw0rd";
  test = pf_connection_test_new (settings, fixture->password);
  pf_connection_test_set_timeout (test, 5);
  g_assert_false (run (fixture, test, error));
  g_assert_nonnull (*error);
  assert_steps_end (fixture);

  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));

  return test;
}

static void
test_fake_imap_alert (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  server = pf_fake_server_new_from_script ("S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\n"
                                           "C: ^P\\d+ AUTHENTICATE PLAIN\n"
                                           "S: + \n"
                                           "C: ^[A-Za-z0-9+/=]+$\n"
                                           "S: P1 NO [ALERT] IMAP access is disabled for this "
                                           "account. Enable it in the web settings.\n"
                                           "C: ^P\\d+ LOGOUT$\n"
                                           "S: * BYE\n"
                                           "S: P2 OK bye\n"
                                           "CLOSE\n", &error);
  g_assert_no_error (error);

  test = run_fake (fixture, server, PF_SERVER_PROTOCOL_IMAP, &error);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==,
                   PF_CONNECTION_PROBLEM_ACCESS_DISABLED);
  g_assert_cmpstr (pf_connection_test_get_server_text (test), ==,
                   "IMAP access is disabled for this account. Enable it in the web settings.");
  g_assert_nonnull (find_step (fixture, PF_CHECK_INFO, "The server says: “IMAP access"));
  g_assert_nonnull (find_step (fixture, PF_CHECK_FAILED, "IMAP access is disabled"));

  description = pf_connection_test_describe_problem (test);
  g_assert_nonnull (strstr (description, "The provider says: “IMAP access is disabled"));
  g_assert_nonnull (strstr (description, "Enable IMAP access"));
}

static void
test_fake_imap_app_password (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfServerSettings) settings = NULL;
  g_autofree char *description = NULL;

  /* Gmail with two-step verification: the password is right, but only an
   * app password is accepted. */
  server = pf_fake_server_new_from_script ("S: * OK Gimap ready\n"
                                           "C: ^P\\d+ CAPABILITY$\n"
                                           "S: * CAPABILITY IMAP4rev1 AUTH=XOAUTH2 AUTH=PLAIN\n"
                                           "S: P1 OK Thats all she wrote!\n"
                                           "C: ^P\\d+ AUTHENTICATE PLAIN\n"
                                           "S: + \n"
                                           "C: ^[A-Za-z0-9+/=]+$\n"
                                           "S: P2 NO [ALERT] Application-specific password "
                                           "required: https://support.google.com/accounts/"
                                           "answer/185833 (Failure)\n"
                                           "C: ^P\\d+ LOGOUT$\n"
                                           "S: * BYE\n"
                                           "S: P3 OK bye\n"
                                           "CLOSE\n", &error);
  g_assert_no_error (error);

  test = run_fake (fixture, server, PF_SERVER_PROTOCOL_IMAP, &error);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==,
                   PF_CONNECTION_PROBLEM_WRONG_PASSWORD);
  g_assert_nonnull (strstr (pf_connection_test_get_server_text (test),
                            "Application-specific password required"));
  g_assert_true (g_strv_contains (pf_connection_test_get_mechanisms (test), "XOAUTH2"));

  settings = pf_server_settings_new (PF_SERVER_PROTOCOL_IMAP);
  pf_server_settings_set_host (settings, "imap.gmail.com");
  description = pf_connection_problem_describe (pf_connection_test_get_problem (test), settings,
                                                pf_connection_test_get_server_text (test));
  g_assert_nonnull (strstr (description, "Gmail requires an app password"));
}

static void
test_fake_pop3_sys_perm (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  server = pf_fake_server_new_from_script ("S: +OK POP3 ready\n"
                                           "C: ^CAPA$\n"
                                           "S: +OK\n"
                                           "S: USER\n"
                                           "S: UIDL\n"
                                           "S: .\n"
                                           "C: ^USER alice@example.test$\n"
                                           "S: +OK\n"
                                           "C: ^PASS \n"
                                           "S: -ERR [SYS/PERM] POP3 access disabled\n"
                                           "C: ^QUIT$\n"
                                           "S: +OK bye\n"
                                           "CLOSE\n", &error);
  g_assert_no_error (error);

  test = run_fake (fixture, server, PF_SERVER_PROTOCOL_POP3, &error);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==,
                   PF_CONNECTION_PROBLEM_ACCESS_DISABLED);
  g_assert_cmpstr (pf_connection_test_get_server_text (test), ==, "POP3 access disabled");
  g_assert_nonnull (find_step (fixture, PF_CHECK_INFO, "USER and PASS"));

  description = pf_connection_test_describe_problem (test);
  g_assert_nonnull (strstr (description, "“POP3 access disabled”"));
  g_assert_nonnull (strstr (description, "Enable POP access"));
}

static void
test_fake_pop3_unknown_user (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) received = NULL;
  g_autofree char *description = NULL;

  /* RFC 1939 §7: "-ERR never heard of mailbox name"; the password is not
   * sent at all. */
  server = pf_fake_server_new_from_script ("S: +OK POP3 ready\n"
                                           "C: ^CAPA$\n"
                                           "S: -ERR unknown command\n"
                                           "C: ^USER alice@example.test$\n"
                                           "S: -ERR never heard of mailbox name\n"
                                           "C: ^QUIT$\n"
                                           "S: +OK bye\n"
                                           "CLOSE\n", &error);
  g_assert_no_error (error);

  test = run_fake (fixture, server, PF_SERVER_PROTOCOL_POP3, &error);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_UNKNOWN_USER);
  received = pf_fake_server_dup_received (server);
  g_assert_null (g_strstr_len (g_bytes_get_data (received, NULL), g_bytes_get_size (received),
                               fixture->password));

  description = pf_connection_test_describe_problem (test);
  g_assert_nonnull (strstr (description, "does not know the user name “alice@example.test”"));
}

static void
test_fake_smtp_basic_auth_disabled (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  server = pf_fake_server_new_from_script ("S: 220 outlook.office365.com Microsoft ESMTP ready\n"
                                           "C: ^EHLO \n"
                                           "S: 250-outlook.office365.com Hello\n"
                                           "S: 250-SIZE 157286400\n"
                                           "S: 250-AUTH LOGIN XOAUTH2\n"
                                           "S: 250 SMTPUTF8\n"
                                           "C: ^AUTH LOGIN\n"
                                           "S: 334 VXNlcm5hbWU6\n"
                                           "C: ^[A-Za-z0-9+/=]+$\n"
                                           "S: 334 UGFzc3dvcmQ6\n"
                                           "C: ^[A-Za-z0-9+/=]+$\n"
                                           "S: 535 5.7.139 Authentication unsuccessful, basic "
                                           "authentication is disabled. [AM0PR01CA0001.eurprd01."
                                           "prod.exchangelabs.com]\n"
                                           "C: ^QUIT$\n"
                                           "S: 221 2.0.0 Service closing transmission channel\n"
                                           "CLOSE\n", &error);
  g_assert_no_error (error);

  test = run_fake (fixture, server, PF_SERVER_PROTOCOL_SMTP, &error);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==,
                   PF_CONNECTION_PROBLEM_OAUTH_REQUIRED);
  g_assert_nonnull (strstr (pf_connection_test_get_server_text (test),
                            "basic authentication is disabled"));
  g_assert_nonnull (find_step (fixture, PF_CHECK_INFO, "Server offers: LOGIN XOAUTH2"));

  settings = pf_server_settings_new (PF_SERVER_PROTOCOL_SMTP);
  pf_server_settings_set_host (settings, "smtp-mail.outlook.com");
  description = pf_connection_problem_describe (pf_connection_test_get_problem (test), settings,
                                                pf_connection_test_get_server_text (test));
  g_assert_nonnull (strstr (description, "Outlook.com no longer accepts passwords"));
  g_assert_nonnull (strstr (description, "OAuth2"));
}

static void
test_fake_smtp_unknown_user (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;

  /* RFC 3463 X.1.1 in answer to AUTH: the server knows no such user. */
  server = pf_fake_server_new_from_script ("S: 220 smtp.example.test ESMTP\n"
                                           "C: ^EHLO \n"
                                           "S: 250-smtp.example.test\n"
                                           "S: 250 AUTH PLAIN\n"
                                           "C: ^AUTH PLAIN \n"
                                           "S: 550 5.1.1 <alice@example.test>: user unknown\n"
                                           "C: ^QUIT$\n"
                                           "S: 221 bye\n"
                                           "CLOSE\n", &error);
  g_assert_no_error (error);

  test = run_fake (fixture, server, PF_SERVER_PROTOCOL_SMTP, &error);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_UNKNOWN_USER);
  g_assert_nonnull (strstr (pf_connection_test_get_server_text (test), "user unknown"));
}

static void
test_fake_smtp_oauth_only (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) received = NULL;

  /* Only OAuth2 offered: the password is not even tried. */
  server = pf_fake_server_new_from_script ("S: 220 smtp.example.test ESMTP\n"
                                           "C: ^EHLO \n"
                                           "S: 250-smtp.example.test\n"
                                           "S: 250 AUTH XOAUTH2 OAUTHBEARER\n"
                                           "C: ^QUIT$\n"
                                           "S: 221 bye\n"
                                           "CLOSE\n", &error);
  g_assert_no_error (error);

  test = run_fake (fixture, server, PF_SERVER_PROTOCOL_SMTP, &error);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==,
                   PF_CONNECTION_PROBLEM_OAUTH_REQUIRED);
  g_assert_null (find_step (fixture, PF_CHECK_RUNNING, "Logging in"));
  received = pf_fake_server_dup_received (server);
  g_assert_null (g_strstr_len (g_bytes_get_data (received, NULL), g_bytes_get_size (received),
                               "AUTH"));
}

static void
test_fake_garbage (Fixture       *fixture,
                   gconstpointer  data)
{
  PfServerProtocol protocol = GPOINTER_TO_INT (data);
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  /* A web server on the mail port. */
  server = pf_fake_server_new_from_script ("SEND HTTP/1.1 400 Bad Request\\r\\n"
                                           "Content-Type: text/html\\r\\n\\r\\n"
                                           "<html><body>400 Bad Request</body></html>\\r\\n\n"
                                           "WAIT-CLOSE\n", &error);
  g_assert_no_error (error);

  test = run_fake (fixture, server, protocol, &error);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==,
                   PF_CONNECTION_PROBLEM_NOT_MAIL_SERVER);
  g_assert_null (find_step (fixture, PF_CHECK_RUNNING, "Logging in"));

  description = pf_connection_test_describe_problem (test);
  g_assert_nonnull (strstr (description, "Something answers on port"));
}

/* A server that hangs up after a refused login: the next candidate goes
 * over a new connection. TLS with the test servers' certificate, so that
 * the certificate verifies and the second candidate may be tried. */
static void
test_fake_candidates_reconnect (Fixture       *fixture,
                                gconstpointer  data)
{
  PfServerProtocol protocol = GPOINTER_TO_INT (data);
  GKeyFile *key_file = pf_test_servers_get_key_file (fixture->servers);
  g_autofree char *cert_file = g_key_file_get_string (key_file, "tls", "server-cert", NULL);
  g_autofree char *key = g_key_file_get_string (key_file, "tls", "server-key", NULL);
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  const char *const candidates[] = { "alice", "alice@example.test", NULL };
  const char *script;

  if (protocol == PF_SERVER_PROTOCOL_IMAP)
    script = "TLS\n"
             "S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\n"
             "C: ^P\\d+ AUTHENTICATE PLAIN\n"
             "S: + \n"
             "C: ^[A-Za-z0-9+/=]+$\n"
             "S: P1 NO [AUTHENTICATIONFAILED] Authentication failed.\n"
             "S: * BYE Too many mistakes\n"
             "CLOSE\n"
             "NEXT-CONNECTION\n"
             "TLS\n"
             "S: * OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\n"
             "C: ^P\\d+ AUTHENTICATE PLAIN\n"
             "S: + \n"
             "C: ^[A-Za-z0-9+/=]+$\n"
             "S: P1 OK [CAPABILITY IMAP4rev1] Logged in\n"
             "C: ^P\\d+ LOGOUT$\n"
             "S: * BYE\n"
             "S: P2 OK bye\n"
             "CLOSE\n";
  else
    script = "TLS\n"
             "S: +OK ready\n"
             "C: ^CAPA$\n"
             "S: +OK\n"
             "S: SASL PLAIN\n"
             "S: .\n"
             "C: ^AUTH PLAIN \n"
             "S: -ERR [AUTH] Authentication failed\n"
             "CLOSE\n"
             "NEXT-CONNECTION\n"
             "TLS\n"
             "S: +OK ready\n"
             "C: ^CAPA$\n"
             "S: +OK\n"
             "S: SASL PLAIN\n"
             "S: .\n"
             "C: ^AUTH PLAIN \n"
             "S: +OK logged in\n"
             "C: ^QUIT$\n"
             "S: +OK bye\n"
             "CLOSE\n";

  server = pf_fake_server_new_from_script (script, &error);
  g_assert_no_error (error);
  pf_fake_server_set_certificate (server, cert_file, key);

  settings = pf_server_settings_new (protocol);
  pf_server_settings_set_host (settings, pf_fake_server_get_host (server));
  pf_server_settings_set_port (settings, pf_fake_server_get_port (server));
  pf_server_settings_set_ca_file (settings, pf_test_servers_get_ca_file (fixture->servers));
  fixture->password = "fake-Passw0rd";
  test = pf_connection_test_new (settings, fixture->password);
  pf_connection_test_set_username_candidates (test, candidates);
  pf_connection_test_set_timeout (test, 5);

  g_assert_true (run (fixture, test, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (pf_connection_test_get_username (test), ==, "alice@example.test");
  g_assert_cmpuint (count_steps (fixture, PF_CHECK_RUNNING, "Connecting"), ==, 2);
  assert_steps_end (fixture);

  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));
  g_assert_cmpuint (pf_fake_server_get_n_connections (server), ==, 2);
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfConnectionTest) test = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) listener = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  gint64 start;
  guint16 port;

  listener = g_socket_listener_new ();
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);

  settings = settings_for (fixture, "imaps", PF_SERVER_PROTOCOL_IMAP, PF_SECURITY_STARTTLS, TRUE);
  pf_server_settings_set_host (settings, "127.0.0.1");
  pf_server_settings_set_port (settings, port);
  test = pf_connection_test_new (settings, "s3cret");

  start = g_get_monotonic_time ();
  pf_connection_test_run_async (test, cancellable, on_done_cb, fixture);
  g_timeout_add_once (100, (GSourceOnceFunc) g_cancellable_cancel, cancellable);
  while (fixture->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  result = g_steal_pointer (&fixture->result);
  g_assert_false (pf_connection_test_run_finish (test, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
}

static void
test_describe (void)
{
  g_autoptr(PfServerSettings) settings = pf_server_settings_new (PF_SERVER_PROTOCOL_IMAP);
  GEnumClass *problems = g_type_class_ref (PF_TYPE_CONNECTION_PROBLEM);

  pf_server_settings_set_host (settings, "mail.example.org");
  pf_server_settings_set_security (settings, PF_SECURITY_STARTTLS);
  pf_server_settings_set_username (settings, "alice@example.org");

  /* Every problem has a sentence that names the server. */
  for (guint i = 0; i < problems->n_values; i++)
    {
      g_autofree char *text = NULL;

      text = pf_connection_problem_describe (problems->values[i].value, settings, NULL);
      g_test_message ("%s: %s", problems->values[i].value_nick, text);
      g_assert_nonnull (strstr (text, "mail.example.org"));
      g_assert_true (g_str_has_suffix (text, "."));
    }
  g_type_class_unref (problems);

  {
    g_autofree char *text = NULL;

    text = pf_connection_problem_describe (PF_CONNECTION_PROBLEM_NO_TLS, settings, NULL);
    g_assert_cmpstr (text, ==, "mail.example.org does not offer encryption (STARTTLS) on port "
                               "143. Postfach will not send your password unencrypted. Try the "
                               "security setting TLS with port 993.");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, data, func) \
  g_test_add ("/connection-test/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("imap/tls", &imap_tls, test_success);
  ADD ("imap/starttls", &imap_starttls, test_success);
  ADD ("pop3/tls", &pop3_tls, test_success);
  ADD ("pop3/starttls", &pop3_starttls, test_success);
  ADD ("smtp/tls", &smtp_tls, test_success);
  ADD ("smtp/starttls", &smtp_starttls, test_success);
  ADD ("imap/wrong-password", &imap_starttls, test_wrong_password);
  ADD ("pop3/wrong-password", &pop3_tls, test_wrong_password);
  ADD ("smtp/wrong-password", &smtp_starttls, test_wrong_password);
  ADD ("port-closed", NULL, test_port_closed);
  ADD ("host-not-found", NULL, test_host_not_found);
  ADD ("timeout/tls", GINT_TO_POINTER (PF_SECURITY_TLS), test_timeout);
  ADD ("timeout/starttls", GINT_TO_POINTER (PF_SECURITY_STARTTLS), test_timeout);
  ADD ("imap/no-starttls", "imap-notls", test_no_starttls);
  ADD ("pop3/no-starttls", "pop3-notls", test_no_starttls);
  ADD ("imap/plaintext-refused", "imap-notls", test_plaintext_refused);
  ADD ("pop3/plaintext-refused", "pop3-notls", test_plaintext_refused);
  ADD ("imap/untrusted-then-pinned", &imap_tls, test_untrusted_then_pinned);
  ADD ("smtp/untrusted-then-pinned", &smtp_starttls, test_untrusted_then_pinned);
  ADD ("imap/tls-database", NULL, test_tls_database);
  ADD ("candidates/verified", NULL, test_candidates);
  ADD ("candidates/pinned", NULL, test_candidates_not_verified);
  ADD ("fake/imap-alert", NULL, test_fake_imap_alert);
  ADD ("fake/imap-app-password", NULL, test_fake_imap_app_password);
  ADD ("fake/pop3-sys-perm", NULL, test_fake_pop3_sys_perm);
  ADD ("fake/pop3-unknown-user", NULL, test_fake_pop3_unknown_user);
  ADD ("fake/smtp-basic-auth-disabled", NULL, test_fake_smtp_basic_auth_disabled);
  ADD ("fake/smtp-unknown-user", NULL, test_fake_smtp_unknown_user);
  ADD ("fake/smtp-oauth-only", NULL, test_fake_smtp_oauth_only);
  ADD ("fake/imap-candidates-reconnect", GINT_TO_POINTER (PF_SERVER_PROTOCOL_IMAP),
       test_fake_candidates_reconnect);
  ADD ("fake/pop3-candidates-reconnect", GINT_TO_POINTER (PF_SERVER_PROTOCOL_POP3),
       test_fake_candidates_reconnect);
  ADD ("cancel", NULL, test_cancel);
  ADD ("fake/imap-garbage", GINT_TO_POINTER (PF_SERVER_PROTOCOL_IMAP), test_fake_garbage);
  ADD ("fake/pop3-garbage", GINT_TO_POINTER (PF_SERVER_PROTOCOL_POP3), test_fake_garbage);
  ADD ("fake/smtp-garbage", GINT_TO_POINTER (PF_SERVER_PROTOCOL_SMTP), test_fake_garbage);

#undef ADD

  g_test_add_func ("/connection-test/describe", test_describe);

  return g_test_run ();
}
