/* test-pop3-client.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "net/pf-net-error.h"
#include "pop3/pf-pop3-client.h"
#include "pop3/pf-pop3-error.h"
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

  fixture->servers = pf_test_servers_get ();
  fixture->trusted = g_tls_file_database_new (pf_test_servers_get_ca_file (fixture->servers),
                                              &error);
  g_assert_no_error (error);
  fixture->untrusted =
    g_tls_file_database_new (pf_test_servers_get_untrusted_ca_file (fixture->servers), &error);
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

static PfPop3Client *
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
  return pf_pop3_client_new (net);
}

static gboolean
open_sync (Fixture       *fixture,
           PfPop3Client  *client,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pf_pop3_client_open_async (client, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  return pf_pop3_client_open_finish (client, result, error);
}

static gboolean
login_sync (Fixture       *fixture,
            PfPop3Client  *client,
            const char    *user,
            const char    *password,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pf_pop3_client_login_async (client, user, password, FALSE, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  return pf_pop3_client_login_finish (client, result, error);
}

static gboolean
login_token_sync (Fixture       *fixture,
                  PfPop3Client  *client,
                  const char    *user,
                  const char    *token,
                  GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pf_pop3_client_login_async (client, user, token, TRUE, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  return pf_pop3_client_login_finish (client, result, error);
}

static PfPop3Client *
session (Fixture       *fixture,
         const char    *service,
         PfNetSecurity  security)
{
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  client = make (fixture, service, security, fixture->trusted);
  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  g_assert_true (pf_net_connection_is_encrypted (pf_pop3_client_get_connection (client)));
  g_assert_true (login_sync (fixture, client, pf_test_servers_get_login (fixture->servers, "pop"),
                             pf_test_servers_get_password (fixture->servers, "pop"), &error));
  g_assert_no_error (error);
  return g_steal_pointer (&client);
}

static guint
stat_sync (Fixture      *fixture,
           PfPop3Client *client,
           guint64      *size)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  pf_pop3_client_stat_async (client, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_pop3_client_stat_finish (client, result, &n, size, &error));
  g_assert_no_error (error);
  return n;
}

static GArray *
uidl_sync (Fixture      *fixture,
           PfPop3Client *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GArray *uidl;

  pf_pop3_client_uidl_async (client, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  uidl = pf_pop3_client_uidl_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (uidl);
  return uidl;
}

static GBytes *
retr_sync (Fixture      *fixture,
           PfPop3Client *client,
           guint         msgnum)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();

  pf_pop3_client_retr_async (client, msgnum, sink, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_pop3_client_retr_finish (client, result, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (sink, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (sink));
}

static void
dele_sync (Fixture      *fixture,
           PfPop3Client *client,
           guint         msgnum)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfPop3StoredToken) token = NULL;

  token = pf_pop3_client_confirm_stored (client, msgnum, &error);
  g_assert_no_error (error);
  pf_pop3_client_dele_async (client, token, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_pop3_client_dele_finish (client, result, &error));
  g_assert_no_error (error);
}

static void
quit_sync (Fixture      *fixture,
           PfPop3Client *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  pf_pop3_client_quit_async (client, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_pop3_client_quit_finish (client, result, &error));
  g_assert_no_error (error);
}

/* Every message file of the maildir, LF line ends made CRLF as POP3 sends
 * them: content → number of files with it. */
static GHashTable *
read_maildir (Fixture *fixture)
{
  const char *maildir = pf_test_servers_get_maildir (fixture->servers, "pop");
  const char *subdirs[] = { "cur", "new" };
  GHashTable *files = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                             (GDestroyNotify) g_bytes_unref, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (maildir, subdirs[i], NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      if (dir == NULL)
        continue;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *file = g_build_filename (path, name, NULL);
          g_autofree char *contents = NULL;
          g_autoptr(GString) crlf = g_string_new (NULL);
          gsize length;
          guint count;
          GBytes *key;

          g_assert_true (g_file_get_contents (file, &contents, &length, NULL));
          for (gsize j = 0; j < length; j++)
            {
              if (contents[j] == '\n' && (j == 0 || contents[j - 1] != '\r'))
                g_string_append_c (crlf, '\r');
              g_string_append_c (crlf, contents[j]);
            }
          length = crlf->len;
          key = g_bytes_new_take (g_string_free (g_steal_pointer (&crlf), FALSE), length);
          count = GPOINTER_TO_UINT (g_hash_table_lookup (files, key));
          g_hash_table_insert (files, key, GUINT_TO_POINTER (count + 1));
        }
    }
  return files;
}

static guint
count_maildir (Fixture *fixture)
{
  g_autoptr(GHashTable) files = read_maildir (fixture);
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, files);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += GPOINTER_TO_UINT (value);
  return n;
}

static void
deliver (Fixture    *fixture,
         const char *body,
         const char *tag)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  char *text;

  text = g_strdup_printf ("From: Alice <alice@example.test>\n"
                          "To: Pop <pop@example.test>\n"
                          "Subject: POP3 test %s\n"
                          "Message-ID: <%s.%" G_GINT64_FORMAT "@example.test>\n"
                          "\n"
                          "%s", tag, tag, g_get_real_time (), body);
  bytes = g_bytes_new_take (text, strlen (text));
  g_assert_true (pf_test_servers_deliver (fixture->servers, "pop", bytes, &error));
  g_assert_no_error (error);
}

static void
deliver_test_messages (Fixture *fixture)
{
  g_autoptr(GString) big = g_string_new (NULL);

  deliver (fixture, "Hello.\n", "plain");
  deliver (fixture, ".starts with a dot\n..two dots\n.\nafter a lone dot\n. \n", "dots");
  while (big->len < 2 * 1024 * 1024)
    g_string_append (big, "0123456789abcdefghijklmnopqrstuvwxyz"
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ.0123456789\n");
  g_string_append (big, ".last line\n");
  deliver (fixture, big->str, "big");
  deliver (fixture, "", "empty-body");
}

static void
check_retrieve_all (Fixture       *fixture,
                    const char    *service,
                    PfNetSecurity  security)
{
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GHashTable) files = NULL;
  g_autoptr(GArray) list = NULL;
  g_autoptr(GArray) uidl = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint64 total = 0;
  guint64 sum = 0;
  guint n;

  deliver_test_messages (fixture);
  client = session (fixture, service, security);

  n = stat_sync (fixture, client, &total);
  g_assert_cmpuint (n, >=, 4);
  files = read_maildir (fixture);
  g_assert_cmpuint (count_maildir (fixture), ==, n);

  pf_pop3_client_list_async (client, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  list = pf_pop3_client_list_finish (client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, n);
  g_clear_object (&result);

  uidl = uidl_sync (fixture, client);
  g_assert_cmpuint (uidl->len, ==, n);

  for (guint i = 0; i < n; i++)
    {
      PfPop3ListEntry *entry = &g_array_index (list, PfPop3ListEntry, i);
      g_autoptr(GBytes) message = NULL;
      g_autoptr(GBytes) top = NULL;
      g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();
      gsize header_end;
      const char *data;

      g_assert_cmpuint (entry->msgnum, ==, i + 1);
      g_assert_cmpuint (g_array_index (uidl, PfPop3UidlEntry, i).msgnum, ==, i + 1);
      message = retr_sync (fixture, client, entry->msgnum);
      g_assert_cmpuint (g_bytes_get_size (message), ==, entry->size);
      g_assert_true (g_hash_table_contains (files, message));
      sum += entry->size;

      /* TOP 0: the header and the empty line after it. */
      pf_pop3_client_top_async (client, entry->msgnum, 0, sink, NULL, on_done_cb, fixture);
      result = wait_result (fixture);
      g_assert_true (pf_pop3_client_top_finish (client, result, &error));
      g_assert_no_error (error);
      g_clear_object (&result);
      g_assert_true (g_output_stream_close (sink, NULL, NULL));
      top = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (sink));
      data = g_bytes_get_data (message, NULL);
      header_end = strstr (data, "\r\n\r\n") - data + 4;
      g_assert_cmpmem (g_bytes_get_data (top, NULL), g_bytes_get_size (top), data, header_end);
    }
  g_assert_cmpuint (sum, ==, total);

  quit_sync (fixture, client);
}

static void
test_retrieve_starttls (Fixture       *fixture,
                        gconstpointer  data)
{
  check_retrieve_all (fixture, "pop3", PF_NET_SECURITY_STARTTLS);
}

static void
test_retrieve_tls (Fixture       *fixture,
                   gconstpointer  data)
{
  check_retrieve_all (fixture, "pop3s", PF_NET_SECURITY_TLS);
}

static gboolean
uidl_contains (GArray     *uidl,
               const char *uid)
{
  for (guint i = 0; i < uidl->len; i++)
    if (g_strcmp0 (g_array_index (uidl, PfPop3UidlEntry, i).uid, uid) == 0)
      return TRUE;
  return FALSE;
}

static void
test_delete (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(PfPop3Client) again = NULL;
  g_autoptr(GArray) before = NULL;
  g_autoptr(GArray) after = NULL;
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfPop3StoredToken) token = NULL;
  guint n;
  guint n_files;

  deliver (fixture, "delete me\n", "delete-1");
  deliver (fixture, "keep me\n", "keep");
  deliver (fixture, "delete me too\n", "delete-2");

  client = session (fixture, "pop3s", PF_NET_SECURITY_TLS);
  n = stat_sync (fixture, client, NULL);
  g_assert_cmpuint (n, >=, 3);
  n_files = count_maildir (fixture);
  before = uidl_sync (fixture, client);

  /* Not retrieved on this client: no token. */
  token = pf_pop3_client_confirm_stored (client, n - 2, &error);
  g_assert_error (error, PF_POP3_ERROR, PF_POP3_ERROR_PROTOCOL);
  g_assert_null (token);

  first = retr_sync (fixture, client, n - 2);
  second = retr_sync (fixture, client, n);
  dele_sync (fixture, client, n - 2);
  dele_sync (fixture, client, n);
  quit_sync (fixture, client);

  g_assert_cmpuint (count_maildir (fixture), ==, n_files - 2);
  again = session (fixture, "pop3s", PF_NET_SECURITY_TLS);
  g_assert_cmpuint (stat_sync (fixture, again, NULL), ==, n - 2);
  after = uidl_sync (fixture, again);
  g_assert_false (uidl_contains (after, g_array_index (before, PfPop3UidlEntry, n - 3).uid));
  g_assert_true (uidl_contains (after, g_array_index (before, PfPop3UidlEntry, n - 2).uid));
  g_assert_false (uidl_contains (after, g_array_index (before, PfPop3UidlEntry, n - 1).uid));
  quit_sync (fixture, again);
}

static void
test_dropped_keeps_all (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(PfPop3Client) again = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  guint n;
  guint n_files;

  deliver (fixture, "do not lose me\n", "dropped");
  client = session (fixture, "pop3", PF_NET_SECURITY_STARTTLS);
  n = stat_sync (fixture, client, NULL);
  n_files = count_maildir (fixture);
  message = retr_sync (fixture, client, n);
  dele_sync (fixture, client, n);

  /* Close without QUIT: RFC 1939 §6, no UPDATE state. */
  pf_net_connection_close_async (pf_pop3_client_get_connection (client), NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  pf_net_connection_close_finish (pf_pop3_client_get_connection (client), result, NULL);
  g_clear_object (&client);

  g_assert_cmpuint (count_maildir (fixture), ==, n_files);
  again = session (fixture, "pop3s", PF_NET_SECURITY_TLS);
  g_assert_cmpuint (stat_sync (fixture, again, NULL), ==, n);
  quit_sync (fixture, again);
  g_assert_cmpuint (count_maildir (fixture), ==, n_files);
}

static void
test_wrong_password (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  client = make (fixture, "pop3", PF_NET_SECURITY_STARTTLS, fixture->trusted);
  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  g_assert_false (login_sync (fixture, client, pf_test_servers_get_login (fixture->servers, "pop"),
                              "wrong password", &error));
  g_assert_error (error, PF_POP3_ERROR, PF_POP3_ERROR_AUTHENTICATION_FAILED);
}

static void
test_untrusted (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  client = make (fixture, "pop3s", PF_NET_SECURITY_TLS, fixture->untrusted);
  g_assert_false (open_sync (fixture, client, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_CERTIFICATE_UNTRUSTED);
  g_clear_error (&error);
  g_clear_object (&client);

  client = make (fixture, "pop3", PF_NET_SECURITY_STARTTLS, fixture->untrusted);
  g_assert_false (open_sync (fixture, client, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_CERTIFICATE_UNTRUSTED);
}

/* Fake server */

static PfPop3Client *
make_fake (PfFakeServer  *server,
           PfNetSecurity  security)
{
  g_autoptr(PfNetConnection) net = NULL;

  net = pf_net_connection_new (pf_fake_server_get_host (server), pf_fake_server_get_port (server),
                               security);
  pf_net_connection_set_timeout (net, 10);
  return pf_pop3_client_new (net);
}

static void
check_stls_attack (Fixture    *fixture,
                   const char *script,
                   GQuark      domain,
                   int         code)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) received = NULL;
  g_autofree char *text = NULL;

  server = pf_fake_server_new_from_script (script, &error);
  g_assert_no_error (error);
  client = make_fake (server, PF_NET_SECURITY_STARTTLS);

  g_assert_false (open_sync (fixture, client, &error));
  g_assert_error (error, domain, code);
  g_clear_error (&error);

  /* Even if the caller goes on to log in, nothing is sent. */
  g_assert_false (login_sync (fixture, client, "pop", PASSWORD, &error));
  g_assert_nonnull (error);
  g_clear_object (&client);

  pf_fake_server_wait_finished (server);
  received = pf_fake_server_dup_received (server);
  text = g_strndup (g_bytes_get_size (received) > 0 ? g_bytes_get_data (received, NULL) : "",
                    g_bytes_get_size (received));
  g_assert_null (strstr (text, PASSWORD));
  g_assert_null (strstr (text, "USER"));
  g_assert_null (strstr (text, "PASS"));
  g_assert_null (strstr (text, "AUTH"));
}

static void
test_stls_missing (Fixture       *fixture,
                   gconstpointer  data)
{
  check_stls_attack (fixture,
                     "S: +OK POP3 ready\n"
                     "C: ^CAPA$\n"
                     "S: +OK\n"
                     "S: USER\n"
                     "S: SASL PLAIN\n"
                     "S: .\n"
                     "WAIT-CLOSE\n",
                     PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE);
}

static void
test_stls_refused (Fixture       *fixture,
                   gconstpointer  data)
{
  check_stls_attack (fixture,
                     "S: +OK POP3 ready\n"
                     "C: ^CAPA$\n"
                     "S: +OK\n"
                     "S: STLS\n"
                     "S: USER\n"
                     "S: .\n"
                     "C: ^STLS$\n"
                     "S: -ERR not now\n"
                     "WAIT-CLOSE\n",
                     PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE);
}

static void
test_stls_injection (Fixture       *fixture,
                     gconstpointer  data)
{
  /* The +OK and a forged capability list arrive in one packet. */
  check_stls_attack (fixture,
                     "S: +OK POP3 ready\n"
                     "C: ^CAPA$\n"
                     "S: +OK\n"
                     "S: STLS\n"
                     "S: .\n"
                     "C: ^STLS$\n"
                     "SEND +OK begin TLS\\r\\n+OK\\r\\nUSER\\r\\n.\\r\\n\n"
                     "WAIT-CLOSE\n",
                     PF_NET_ERROR, PF_NET_ERROR_PROTOCOL);
}

static PfPop3Client *
fake_session (Fixture      *fixture,
              PfFakeServer *server)
{
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  client = make_fake (server, PF_NET_SECURITY_NONE);
  pf_net_connection_set_allow_plaintext_secrets (pf_pop3_client_get_connection (client), TRUE);
  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  g_assert_true (login_sync (fixture, client, "pop", PASSWORD, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&client);
}

#define FAKE_LOGIN \
  "S: +OK POP3 ready\n" \
  "C: ^CAPA$\n" \
  "S: -ERR no CAPA here\n" \
  "C: ^USER pop$\n" \
  "S: +OK\n" \
  "C: ^PASS " PASSWORD "$\n" \
  "S: +OK logged in\n"

static void
check_retr_fails (Fixture    *fixture,
                  const char *script,
                  GQuark      domain,
                  int         code)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GOutputStream) sink = g_memory_output_stream_new_resizable ();
  g_autoptr(PfPop3StoredToken) token = NULL;

  server = pf_fake_server_new_from_script (script, &error);
  g_assert_no_error (error);
  client = fake_session (fixture, server);

  pf_pop3_client_retr_async (client, 1, sink, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_false (pf_pop3_client_retr_finish (client, result, &error));
  g_assert_error (error, domain, code);
  g_clear_error (&error);

  /* An incomplete message can never be deleted. */
  token = pf_pop3_client_confirm_stored (client, 1, &error);
  g_assert_null (token);
  g_assert_error (error, PF_POP3_ERROR, PF_POP3_ERROR_PROTOCOL);
  g_clear_object (&result);

  pf_net_connection_close_async (pf_pop3_client_get_connection (client), NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  pf_net_connection_close_finish (pf_pop3_client_get_connection (client), result, NULL);
  g_clear_object (&client);
  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));
}

static void
test_missing_dot (Fixture       *fixture,
                  gconstpointer  data)
{
  check_retr_fails (fixture,
                    FAKE_LOGIN
                    "C: ^RETR 1$\n"
                    "S: +OK 30 octets\n"
                    "S: Subject: cut short\n"
                    "S: \n"
                    "S: no end\n"
                    "CLOSE\n",
                    PF_POP3_ERROR, PF_POP3_ERROR_CONNECTION_LOST);
}

static void
test_overlong_line (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *line = g_strnfill (PF_NET_READER_DEFAULT_MAX_LINE + 16, 'x');
  g_autofree char *script = NULL;

  script = g_strconcat (FAKE_LOGIN
                        "C: ^RETR 1$\n"
                        "S: +OK\n"
                        "S: ", line, "\n"
                        "WAIT-CLOSE\n", NULL);
  check_retr_fails (fixture, script, PF_POP3_ERROR, PF_POP3_ERROR_PROTOCOL);
}

static void
test_in_use (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  server = pf_fake_server_new_from_script ("S: +OK POP3 ready\n"
                                           "C: ^CAPA$\n"
                                           "S: +OK\n"
                                           "S: USER\n"
                                           "S: .\n"
                                           "C: ^USER pop$\n"
                                           "S: +OK\n"
                                           "C: ^PASS " PASSWORD "$\n"
                                           "S: -ERR [IN-USE] Mailbox locked by another session\n"
                                           "WAIT-CLOSE\n", &error);
  g_assert_no_error (error);
  client = make_fake (server, PF_NET_SECURITY_NONE);
  pf_net_connection_set_allow_plaintext_secrets (pf_pop3_client_get_connection (client), TRUE);
  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  g_assert_true (pf_pop3_client_has_capability (client, "user"));
  g_assert_false (login_sync (fixture, client, "pop", PASSWORD, &error));
  g_assert_error (error, PF_POP3_ERROR, PF_POP3_ERROR_IN_USE);
  g_assert_cmpstr (pf_pop3_error_get_response_code (error), ==, "IN-USE");
  g_assert_cmpstr (pf_pop3_error_get_server_text (error), ==, "Mailbox locked by another session");
  g_clear_object (&client);
  pf_fake_server_wait_finished (server);
}

static void
test_error_codes (Fixture       *fixture,
                  gconstpointer  data)
{
  const struct
  {
    const char *line;
    int         code;
    const char *response_code;
  } cases[] = {
    { "-ERR [LOGIN-DELAY] wait", PF_POP3_ERROR_LOGIN_DELAY, "LOGIN-DELAY" },
    { "-ERR [SYS/TEMP] disk full", PF_POP3_ERROR_SYS_TEMP, "SYS/TEMP" },
    { "-ERR [SYS/PERM] gone", PF_POP3_ERROR_SYS_PERM, "SYS/PERM" },
    { "-ERR [AUTH] bad", PF_POP3_ERROR_AUTHENTICATION_FAILED, "AUTH" },
    { "-ERR no such message", PF_POP3_ERROR_ERR, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = pf_pop3_error_new_from_response (cases[i].line, FALSE);

      g_assert_error (error, PF_POP3_ERROR, cases[i].code);
      g_assert_cmpstr (pf_pop3_error_get_response_code (error), ==, cases[i].response_code);
    }

  /* A code with bytes that are not UTF-8 is still printable text. */
  {
    g_autoptr(GError) odd = pf_pop3_error_new_from_response ("-ERR [IN-USE\xff] busy", FALSE);
    const char *code = pf_pop3_error_get_response_code (odd);

    g_assert_nonnull (code);
    g_assert_true (g_utf8_validate (code, -1, NULL));
    g_assert_true (g_utf8_validate (odd->message, -1, NULL));
  }
}

static void
check_sasl_plain (Fixture    *fixture,
                  const char *user,
                  gboolean    fits)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) plain = g_string_new (NULL);
  g_autofree char *base64 = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *script = NULL;

  g_string_append_c (plain, '\0');
  g_string_append (plain, user);
  g_string_append_c (plain, '\0');
  g_string_append (plain, PASSWORD);
  base64 = g_base64_encode ((const guchar *) plain->str, plain->len);
  encoded = g_regex_escape_string (base64, -1);

  /* RFC 5034 §4: the initial response rides on AUTH only if the line
   * stays within 255 octets; otherwise it answers an empty challenge. */
  if (fits)
    script = g_strconcat ("S: +OK POP3 ready\n"
                          "C: ^CAPA$\n"
                          "S: +OK\n"
                          "S: SASL PLAIN\n"
                          "S: .\n"
                          "C: ^AUTH PLAIN ", encoded, "$\n"
                          "S: +OK logged in\n"
                          "WAIT-CLOSE\n", NULL);
  else
    script = g_strconcat ("S: +OK POP3 ready\n"
                          "C: ^CAPA$\n"
                          "S: +OK\n"
                          "S: SASL PLAIN\n"
                          "S: .\n"
                          "C: ^AUTH PLAIN$\n"
                          "S: + \n"
                          "C: ^", encoded, "$\n"
                          "S: +OK logged in\n"
                          "WAIT-CLOSE\n", NULL);
  server = pf_fake_server_new_from_script (script, &error);
  g_assert_no_error (error);
  client = make_fake (server, PF_NET_SECURITY_NONE);
  pf_net_connection_set_allow_plaintext_secrets (pf_pop3_client_get_connection (client), TRUE);
  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  g_assert_true (login_sync (fixture, client, user, PASSWORD, &error));
  g_assert_no_error (error);
  g_clear_object (&client);
  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));
}

static void
test_sasl_initial_response (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *long_user = g_strnfill (200, 'u');

  check_sasl_plain (fixture, "pop", TRUE);
  check_sasl_plain (fixture, long_user, FALSE);
}

/* Several commands started at once: which callback ran when */
typedef struct
{
  GString      *order;
  char          tag;
  GAsyncResult *result;
} Collected;

static void
on_collect_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Collected *collected = user_data;

  g_string_append_c (collected->order, collected->tag);
  collected->result = g_object_ref (result);
}

static void
on_trace_cb (const char     *log_domain,
             GLogLevelFlags  log_level,
             const char     *message,
             gpointer        user_data)
{
  g_string_append_printf (user_data, "%s\n", message);
}

/* RETR 1 and RETR 2 started together on a server with or without
 * PIPELINING; returns the protocol trace. */
static char *
check_two_retrs (Fixture    *fixture,
                 const char *script)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) first = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) second = g_memory_output_stream_new_resizable ();
  g_autoptr(GString) trace = g_string_new (NULL);
  g_autoptr(PfPop3StoredToken) token = NULL;
  g_autoptr(GString) order = g_string_new (NULL);
  Collected one = { order, '1', NULL };
  Collected two = { order, '2', NULL };
  guint handler;

  g_setenv ("G_MESSAGES_DEBUG", "pf-pop3", TRUE);
  handler = g_log_set_handler ("pf-pop3", G_LOG_LEVEL_DEBUG, on_trace_cb, trace);

  server = pf_fake_server_new_from_script (script, &error);
  g_assert_no_error (error);
  client = make_fake (server, PF_NET_SECURITY_NONE);
  pf_net_connection_set_allow_plaintext_secrets (pf_pop3_client_get_connection (client), TRUE);
  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  g_assert_true (login_sync (fixture, client, "pop", PASSWORD, &error));
  g_assert_no_error (error);

  pf_pop3_client_retr_async (client, 1, first, NULL, on_collect_cb, &one);
  pf_pop3_client_retr_async (client, 2, second, NULL, on_collect_cb, &two);
  while (order->len < 2)
    g_main_context_iteration (NULL, TRUE);

  /* Callbacks in the order the commands were started */
  g_assert_cmpstr (order->str, ==, "12");
  g_assert_true (pf_pop3_client_retr_finish (client, one.result, &error));
  g_assert_no_error (error);
  g_assert_true (pf_pop3_client_retr_finish (client, two.result, &error));
  g_assert_no_error (error);
  g_clear_object (&one.result);
  g_clear_object (&two.result);
  g_assert_true (g_output_stream_close (first, NULL, NULL));
  g_assert_true (g_output_stream_close (second, NULL, NULL));
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (first)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (first)),
                   "first\r\n", 7);
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (second)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (second)),
                   ".second\r\n", 9);
  token = pf_pop3_client_confirm_stored (client, 2, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);
  g_clear_object (&client);
  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));

  g_log_remove_handler ("pf-pop3", handler);
  g_unsetenv ("G_MESSAGES_DEBUG");
  return g_string_free (g_steal_pointer (&trace), FALSE);
}

static void
test_pipelining (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *trace = NULL;

  /* The server answers only once both commands arrived: a client that
   * waited for the first reply would hang here and time out. */
  trace = check_two_retrs (fixture,
                           "S: +OK POP3 ready\n"
                           "C: ^CAPA$\n"
                           "S: +OK\n"
                           "S: USER\n"
                           "S: PIPELINING\n"
                           "S: .\n"
                           "C: ^USER pop$\n"
                           "S: +OK\n"
                           "C: ^PASS " PASSWORD "$\n"
                           "S: +OK logged in\n"
                           "C: ^RETR 1$\n"
                           "C: ^RETR 2$\n"
                           "S: +OK first follows\n"
                           "S: first\n"
                           "S: .\n"
                           "S: +OK second follows\n"
                           "S: ..second\n"
                           "S: .\n"
                           "WAIT-CLOSE\n");
  g_assert_nonnull (strstr (trace, "C: RETR 2"));
}

static void
test_no_pipelining (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *trace = NULL;
  const char *status;
  const char *second;

  trace = check_two_retrs (fixture,
                           "S: +OK POP3 ready\n"
                           "C: ^CAPA$\n"
                           "S: +OK\n"
                           "S: USER\n"
                           "S: .\n"
                           "C: ^USER pop$\n"
                           "S: +OK\n"
                           "C: ^PASS " PASSWORD "$\n"
                           "S: +OK logged in\n"
                           "C: ^RETR 1$\n"
                           "S: +OK first follows\n"
                           "S: first\n"
                           "S: .\n"
                           "C: ^RETR 2$\n"
                           "S: +OK second follows\n"
                           "S: ..second\n"
                           "S: .\n"
                           "WAIT-CLOSE\n");
  /* Without PIPELINING the second command goes out only after the
   * first reply came in. */
  status = strstr (trace, "S: +OK first follows");
  second = strstr (trace, "C: RETR 2");
  g_assert_nonnull (status);
  g_assert_nonnull (second);
  g_assert_true (status < second);
}

static void
test_apop (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  /* RFC 1939 §7's own example: timestamp and password give this digest. */
  server = pf_fake_server_new_from_script ("S: +OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\n"
                                           "C: ^CAPA$\n"
                                           "S: -ERR unknown command\n"
                                           "C: ^APOP mrose c4c9334bac560ecc979e58001b3e22fb$\n"
                                           "S: +OK maildrop has 1 message (369 octets)\n"
                                           "C: ^STAT$\n"
                                           "S: +OK 1 369\n"
                                           "WAIT-CLOSE\n", &error);
  g_assert_no_error (error);
  client = make_fake (server, PF_NET_SECURITY_NONE);
  pf_net_connection_set_allow_plaintext_secrets (pf_pop3_client_get_connection (client), TRUE);
  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  g_assert_true (login_sync (fixture, client, "mrose", "tanstaaf", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stat_sync (fixture, client, NULL), ==, 1);
  g_clear_object (&client);
  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));
}

static void
test_apop_rejected (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;

  server = pf_fake_server_new_from_script ("S: +OK ready <4711.1@example.test>\n"
                                           "C: ^CAPA$\n"
                                           "S: +OK\n"
                                           "S: USER\n"
                                           "S: .\n"
                                           "C: ^APOP pop [0-9a-f]{32}$\n"
                                           "S: -ERR [AUTH] permission denied\n"
                                           "WAIT-CLOSE\n", &error);
  g_assert_no_error (error);
  client = make_fake (server, PF_NET_SECURITY_NONE);
  pf_net_connection_set_allow_plaintext_secrets (pf_pop3_client_get_connection (client), TRUE);
  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  g_assert_false (login_sync (fixture, client, "pop", PASSWORD, &error));
  g_assert_error (error, PF_POP3_ERROR, PF_POP3_ERROR_AUTHENTICATION_FAILED);
  g_clear_object (&client);
  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));
}

static void
test_oauth (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *script = NULL;
  const char xoauth2[] = "user=pop@example.test\001auth=Bearer ya29.token\001\001";

  /* XOAUTH2 when OAUTHBEARER is not offered, the token on the line */
  expected = g_base64_encode ((const guchar *) xoauth2, sizeof xoauth2 - 1);
  script = g_strconcat ("S: +OK POP3 ready\n"
                        "C: ^CAPA$\n"
                        "S: +OK\n"
                        "S: SASL PLAIN XOAUTH2\n"
                        "S: .\n"
                        "C: ^AUTH XOAUTH2 ", expected, "$\n"
                        "S: +OK logged in\n"
                        "WAIT-CLOSE\n", NULL);
  server = pf_fake_server_new_from_script (script, &error);
  g_assert_no_error (error);
  client = make_fake (server, PF_NET_SECURITY_NONE);
  pf_net_connection_set_allow_plaintext_secrets (pf_pop3_client_get_connection (client), TRUE);
  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  g_assert_true (login_token_sync (fixture, client, "pop@example.test", "ya29.token", &error));
  g_assert_no_error (error);
  g_clear_object (&client);
  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));
  g_clear_object (&server);

  /* A server without an OAuth mechanism gets neither token nor password. */
  server = pf_fake_server_new_from_script ("S: +OK POP3 ready\n"
                                           "C: ^CAPA$\n"
                                           "S: +OK\n"
                                           "S: SASL PLAIN\n"
                                           "S: USER\n"
                                           "S: .\n"
                                           "WAIT-CLOSE\n", &error);
  g_assert_no_error (error);
  client = make_fake (server, PF_NET_SECURITY_NONE);
  pf_net_connection_set_allow_plaintext_secrets (pf_pop3_client_get_connection (client), TRUE);
  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  g_assert_false (login_token_sync (fixture, client, "pop@example.test", "ya29.token", &error));
  g_assert_error (error, PF_POP3_ERROR, PF_POP3_ERROR_UNSUPPORTED);
  g_clear_object (&client);
  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/pop3/client/retrieve/starttls", test_retrieve_starttls);
  ADD ("/pop3/client/retrieve/tls", test_retrieve_tls);
  ADD ("/pop3/client/delete", test_delete);
  ADD ("/pop3/client/dropped-keeps-all", test_dropped_keeps_all);
  ADD ("/pop3/client/wrong-password", test_wrong_password);
  ADD ("/pop3/client/untrusted", test_untrusted);
  ADD ("/pop3/client/fake/stls-missing", test_stls_missing);
  ADD ("/pop3/client/fake/stls-refused", test_stls_refused);
  ADD ("/pop3/client/fake/stls-injection", test_stls_injection);
  ADD ("/pop3/client/fake/missing-dot", test_missing_dot);
  ADD ("/pop3/client/fake/overlong-line", test_overlong_line);
  ADD ("/pop3/client/fake/in-use", test_in_use);
  ADD ("/pop3/client/fake/sasl-initial-response", test_sasl_initial_response);
  ADD ("/pop3/client/error-codes", test_error_codes);
  ADD ("/pop3/client/fake/pipelining", test_pipelining);
  ADD ("/pop3/client/fake/no-pipelining", test_no_pipelining);
  ADD ("/pop3/client/fake/apop", test_apop);
  ADD ("/pop3/client/fake/apop-rejected", test_apop_rejected);
  ADD ("/pop3/client/fake/oauth", test_oauth);

#undef ADD

  return g_test_run ();
}
