/* test-account-service.c: PfAccountService against the real Dovecot: the
 * states the window shows, waking a watch, password and certificate
 * problems, bodies on demand, queued changes reaching the server.
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "pf-test-servers.h"
#include "store/pf-message-list-model.h"
#include "store/pf-store.h"
#include "sync/pf-account-service.h"
#include "sync/pf-operations.h"

typedef struct
{
  PfTestServers    *servers;
  char             *dir;
  PfStore          *store;
  PfAccount        *account;
  PfAccountService *service;
  guint             synced;
  guint             serial;
} Fixture;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
empty_maildir (Fixture    *fixture,
               const char *user)
{
  const char *maildir = pf_test_servers_get_maildir (fixture->servers, user);

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *path = g_build_filename (maildir, i == 0 ? "cur" : "new", NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *file = g_build_filename (path, name, NULL);

          g_unlink (file);
        }
    }
}

static void
deliver (Fixture    *fixture,
         const char *user,
         const char *subject)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("From: Erika Mustermann <erika@example.test>\r\n"
                                           "To: %s\r\n"
                                           "Subject: %s\r\n"
                                           "Date: %s\r\n"
                                           "Message-ID: <service-%u-%" G_GINT64_FORMAT
                                           "@example.test>\r\n\r\n"
                                           "Guten Tag, %s.\r\n",
                                           pf_test_servers_get_address (fixture->servers, user),
                                           subject, "Mon, 30 Nov 2026 09:00:00 +0100",
                                           fixture->serial, g_get_real_time (), subject);
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&text), strlen (text));

  fixture->serial++;
  g_assert_true (pf_test_servers_deliver (fixture->servers, user, bytes, &error));
  g_assert_no_error (error);
}

static PfAccount *
make_account (Fixture          *fixture,
              PfAccountKind     kind,
              const char       *service,
              const char       *user)
{
  PfAccount *account = pf_account_new (kind);
  PfServerSettings *incoming = pf_account_get_incoming (account);

  pf_account_set_display_name (account, "Test");
  pf_account_set_address (account, pf_test_servers_get_address (fixture->servers, user));
  pf_server_settings_set_host (incoming, pf_test_servers_get_host (fixture->servers, service));
  pf_server_settings_set_port (incoming, pf_test_servers_get_port (fixture->servers, service));
  pf_server_settings_set_security (incoming, PF_SECURITY_TLS);
  pf_server_settings_set_username (incoming, pf_test_servers_get_login (fixture->servers, user));
  pf_server_settings_set_ca_file (incoming, pf_test_servers_get_ca_file (fixture->servers));
  return account;
}

static void
on_synced_cb (PfAccountService *service,
              guint             new_messages,
              gpointer          user_data)
{
  Fixture *fixture = user_data;

  fixture->synced++;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gboolean pop3 = GPOINTER_TO_INT (data);

  fixture->servers = pf_test_servers_get ();
  fixture->dir = g_dir_make_tmp ("pf-account-service-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store = pf_store_new_sync (fixture->dir, NULL, &error);
  g_assert_no_error (error);
  empty_maildir (fixture, pop3 ? "pop" : "alice");
  fixture->account = pop3 ? make_account (fixture, PF_ACCOUNT_KIND_POP3, "pop3s", "pop") :
                            make_account (fixture, PF_ACCOUNT_KIND_IMAP, "imaps", "alice");
  fixture->service = pf_account_service_new (fixture->account, fixture->store, NULL);
  g_signal_connect (fixture->service, "synced", G_CALLBACK (on_synced_cb), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  pf_account_service_stop (fixture->service);
  g_clear_object (&fixture->service);
  /* Let the cancelled work end before the store closes. */
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  pf_store_close (fixture->store);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->account);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @state or 20 s. */
static void
wait_for_state (Fixture               *fixture,
                PfAccountServiceState  state)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (20, timeout_cb, &timed_out);

  while (!timed_out && pf_account_service_get_state (fixture->service) != state)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  if (pf_account_service_get_state (fixture->service) != state)
    {
      const GError *error = pf_account_service_get_error (fixture->service);

      g_error ("state %d, waited for %d (%s)", pf_account_service_get_state (fixture->service),
               state, error != NULL ? error->message : "no error");
    }
}

static void
wait_for_synced (Fixture *fixture,
                 guint    count)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (20, timeout_cb, &timed_out);

  while (!timed_out && fixture->synced < count)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_cmpuint (fixture->synced, >=, count);
}

static guint
count_messages (Fixture           *fixture,
                PfStoreSpecialUse  use)
{
  g_autoptr(PfStoreFolder) folder = pf_store_lookup_folder_by_special_use (fixture->store, use,
                                                                           NULL);

  g_assert_nonnull (folder);
  return folder->total_count;
}

/* Files in the server's Maildir whose flags contain @flag. */
static guint
count_server_flag (Fixture    *fixture,
                   const char *user,
                   char        flag)
{
  g_autofree char *cur = g_build_filename (pf_test_servers_get_maildir (fixture->servers, user),
                                           "cur", NULL);
  g_autoptr(GDir) dir = g_dir_open (cur, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      const char *info = strstr (name, ":2,");

      if (info != NULL && strchr (info + 3, flag) != NULL)
        n++;
    }
  return n;
}

static void
test_imap_idle_and_wake (Fixture       *fixture,
                         gconstpointer  data)
{
  deliver (fixture, "alice", "Erste");
  deliver (fixture, "alice", "Zweite");

  g_assert_cmpint (pf_account_service_get_state (fixture->service), ==,
                   PF_ACCOUNT_SERVICE_STOPPED);
  pf_account_service_set_password (fixture->service,
                                   pf_test_servers_get_password (fixture->servers, "alice"),
                                   FALSE);
  wait_for_state (fixture, PF_ACCOUNT_SERVICE_IDLE);
  g_assert_null (pf_account_service_get_error (fixture->service));
  g_assert_cmpuint (fixture->synced, ==, 1);
  g_assert_cmpuint (count_messages (fixture, PF_STORE_SPECIAL_USE_INBOX), ==, 2);

  /* New mail while waiting in the Inbox arrives by itself (IDLE). */
  deliver (fixture, "alice", "Dritte");
  wait_for_synced (fixture, 2);
  wait_for_state (fixture, PF_ACCOUNT_SERVICE_IDLE);
  g_assert_cmpuint (count_messages (fixture, PF_STORE_SPECIAL_USE_INBOX), ==, 3);

  /* A change the user queued reaches the server when woken. */
  {
    g_autoptr(PfStoreFolder) inbox =
      pf_store_lookup_folder_by_special_use (fixture->store, PF_STORE_SPECIAL_USE_INBOX, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(PfMessageListModel) list = pf_message_list_model_new_for_folder (fixture->store,
                                                                               inbox->id);
    guint32 uids[2];

    for (guint i = 0; i < 2; i++)
      {
        g_autoptr(PfStoreMessage) message =
          pf_store_get_message (fixture->store, pf_message_list_model_get_message_id (list, i),
                                &error);

        g_assert_no_error (error);
        uids[i] = message->uid;
      }

    g_assert_cmpuint (count_server_flag (fixture, "alice", 'F'), ==, 0);
    g_assert_cmpint (pf_operations_set_flags (fixture->store, inbox->id, uids, 2,
                                              PF_STORE_FLAG_FLAGGED, 0, &error), >, 0);
    g_assert_no_error (error);
    pf_account_service_sync_now (fixture->service);
    wait_for_synced (fixture, 3);
    g_assert_cmpuint (count_server_flag (fixture, "alice", 'F'), ==, 2);

    /* Held (its Undo is offered): a sync does not replay it... */
    {
      gint64 held = pf_operations_set_flags (fixture->store, inbox->id, uids, 1,
                                             PF_STORE_FLAG_ANSWERED, 0, &error);

      g_assert_no_error (error);
      pf_store_hold_operation (fixture->store, held);
      pf_account_service_sync_now (fixture->service);
      wait_for_synced (fixture, 4);
      g_assert_cmpuint (count_server_flag (fixture, "alice", 'R'), ==, 0);

      /* ...until it is released. */
      pf_store_release_operation (fixture->store, held);
      pf_account_service_sync_now (fixture->service);
      wait_for_synced (fixture, 5);
      g_assert_cmpuint (count_server_flag (fixture, "alice", 'R'), ==, 1);
    }
  }
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static char *
fetch_body (Fixture  *fixture,
            gint64    message_id,
            GError  **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (20, timeout_cb, &timed_out);

  pf_account_service_fetch_body_async (fixture->service, message_id, NULL, store_result_cb,
                                       &result);
  while (result == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_nonnull (result);
  return pf_account_service_fetch_body_finish (fixture->service, result, error);
}

/* How many times alice logged in to the main Dovecot so far, from its log
 * (written by Dovecot's log process: read until it stops changing). */
static guint
count_logins (Fixture *fixture)
{
  GKeyFile *config = pf_test_servers_get_key_file (fixture->servers);
  g_autofree char *log_path = g_key_file_get_string (config, "dovecot", "log", NULL);
  guint previous = G_MAXUINT;

  g_assert_nonnull (log_path);
  for (guint attempt = 0; attempt < 20; attempt++)
    {
      g_autofree char *contents = NULL;
      guint count = 0;

      if (g_file_get_contents (log_path, &contents, NULL, NULL))
        for (const char *p = contents; (p = strstr (p, "Login: user=<alice")) != NULL; p++)
          count++;
      if (count == previous)
        return count;
      previous = count;
      g_usleep (100 * 1000);
    }
  return previous;
}

static void
test_imap_body_on_demand (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PfStoreFolder) inbox = NULL;
  g_autoptr(PfStoreMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  guint logins;

  deliver (fixture, "alice", "Körper");
  pf_account_service_set_password (fixture->service,
                                   pf_test_servers_get_password (fixture->servers, "alice"),
                                   FALSE);
  wait_for_state (fixture, PF_ACCOUNT_SERVICE_IDLE);
  inbox = pf_store_lookup_folder_by_special_use (fixture->store, PF_STORE_SPECIAL_USE_INBOX, NULL);
  {
    g_autoptr(PfMessageListModel) list = pf_message_list_model_new_for_folder (fixture->store,
                                                                               inbox->id);

    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
    message = pf_store_get_message (fixture->store,
                                    pf_message_list_model_get_message_id (list, 0), &error);
  }
  g_assert_no_error (error);
  g_assert_nonnull (message);

  /* The cached copy, when there is one. */
  path = fetch_body (fixture, message->id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (path);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_clear_pointer (&path, g_free);

  /* Gone, and not connected: a clear error, not a hang. */
  pf_account_service_stop (fixture->service);
  path = fetch_body (fixture, message->id, &error);
  g_assert_null (path);
  g_assert_error (error, PF_ACCOUNT_SERVICE_ERROR, PF_ACCOUNT_SERVICE_ERROR_NOT_CONNECTED);
  g_clear_error (&error);

  /* Connected: fetched from the server. */
  pf_account_service_sync_now (fixture->service);
  wait_for_state (fixture, PF_ACCOUNT_SERVICE_IDLE);
  path = fetch_body (fixture, message->id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (path);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (contents, "Guten Tag, Körper."));
  g_clear_pointer (&contents, g_free);

  /* After a restart the body connection is opened ahead, right after the
   * sync; fetches asked for while it connects wait for it: all succeed.
   * (The sync keeps new mail offline: the files go, so that the fetches
   * reach the server.) */
  deliver (fixture, "alice", "Zweiter");
  deliver (fixture, "alice", "Dritter");
  logins = count_logins (fixture);
  pf_account_service_stop (fixture->service);
  pf_account_service_start (fixture->service);
  wait_for_state (fixture, PF_ACCOUNT_SERVICE_IDLE);
  {
    g_autoptr(PfMessageListModel) list = pf_message_list_model_new_for_folder (fixture->store,
                                                                               inbox->id);
    GAsyncResult *results[3] = { NULL, };
    const char *subjects[3] = { NULL, };
    gboolean timed_out = FALSE;
    guint id = g_timeout_add_seconds (20, timeout_cb, &timed_out);

    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
    for (guint i = 0; i < G_N_ELEMENTS (results); i++)
      {
        g_autoptr(PfMessageSummary) summary = g_list_model_get_item (G_LIST_MODEL (list), i);

        g_autoptr(PfStoreMessage) stored = pf_store_get_message (fixture->store,
                                                                pf_message_summary_get_id (summary),
                                                                &error);

        g_assert_no_error (error);
        if (stored->body_path != NULL)
          g_unlink (stored->body_path);
        subjects[i] = g_intern_string (pf_message_summary_get_subject (summary));
        pf_account_service_fetch_body_async (fixture->service,
                                             pf_message_summary_get_id (summary), NULL,
                                             store_result_cb, &results[i]);
      }
    while ((results[0] == NULL || results[1] == NULL || results[2] == NULL) && !timed_out)
      g_main_context_iteration (NULL, TRUE);
    g_assert_false (timed_out);
    g_source_remove (id);
    for (guint i = 0; i < G_N_ELEMENTS (results); i++)
      {
        g_autofree char *fetched = pf_account_service_fetch_body_finish (fixture->service,
                                                                         results[i], &error);
        g_autofree char *greeting = g_strdup_printf ("Guten Tag, %s.", subjects[i]);

        g_assert_no_error (error);
        g_assert_true (g_file_get_contents (fetched, &contents, NULL, &error));
        g_assert_nonnull (strstr (contents, greeting));
        g_clear_pointer (&contents, g_free);
        g_object_unref (results[i]);
      }
  }
  /* One login for the sync, one for the bodies: not one per request */
  g_assert_cmpuint (count_logins (fixture) - logins, ==, 2);
}

static void
test_imap_wrong_password (Fixture       *fixture,
                          gconstpointer  data)
{
  const GError *error;

  pf_account_service_set_password (fixture->service, "falsch", FALSE);
  wait_for_state (fixture, PF_ACCOUNT_SERVICE_NEEDS_USER);
  error = pf_account_service_get_error (fixture->service);
  g_assert_nonnull (error);
  g_assert_cmpint (pf_account_problem_from_error (error), ==, PF_ACCOUNT_PROBLEM_PASSWORD);
  g_assert_cmpuint (fixture->synced, ==, 0);

  /* The right one: the service goes on by itself. */
  pf_account_service_set_password (fixture->service,
                                   pf_test_servers_get_password (fixture->servers, "alice"),
                                   FALSE);
  wait_for_state (fixture, PF_ACCOUNT_SERVICE_IDLE);
  g_assert_null (pf_account_service_get_error (fixture->service));
}

static void
test_no_password (Fixture       *fixture,
                  gconstpointer  data)
{
  pf_account_service_start (fixture->service);
  wait_for_state (fixture, PF_ACCOUNT_SERVICE_NEEDS_USER);
  g_assert_error ((GError *) pf_account_service_get_error (fixture->service),
                  PF_ACCOUNT_SERVICE_ERROR, PF_ACCOUNT_SERVICE_ERROR_NO_PASSWORD);
  g_assert_cmpint (pf_account_problem_from_error (pf_account_service_get_error (fixture->service)),
                   ==, PF_ACCOUNT_PROBLEM_PASSWORD);
}

static void
test_untrusted_certificate (Fixture       *fixture,
                            gconstpointer  data)
{
  PfServerSettings *incoming = pf_account_get_incoming (fixture->account);

  pf_server_settings_set_ca_file (incoming,
                                  pf_test_servers_get_untrusted_ca_file (fixture->servers));
  pf_account_service_set_password (fixture->service,
                                   pf_test_servers_get_password (fixture->servers, "alice"),
                                   FALSE);
  wait_for_state (fixture, PF_ACCOUNT_SERVICE_NEEDS_USER);
  g_assert_cmpint (pf_account_problem_from_error (pf_account_service_get_error (fixture->service)),
                   ==, PF_ACCOUNT_PROBLEM_CERTIFICATE);

  /* The user trusts it (the certificate dialog): pinned, and on it goes. */
  {
    GTlsCertificateFlags flags = 0;
    GTlsCertificate *certificate =
      pf_account_problem_get_certificate (pf_account_service_get_error (fixture->service), &flags);
    g_autoptr(GTlsCertificate) kept = NULL;
    g_autofree char *sha256 = NULL;

    g_assert_nonnull (certificate);
    g_assert_cmpint (flags & G_TLS_CERTIFICATE_UNKNOWN_CA, !=, 0);
    kept = g_object_ref (certificate);
    sha256 = pf_account_certificate_dup_sha256 (kept);
    g_assert_cmpuint (strlen (sha256), ==, 64);
    pf_account_service_trust_certificate (fixture->service, kept, flags);
    g_assert_cmpstr (pf_server_settings_get_pinned_sha256 (incoming), ==, sha256);
    wait_for_state (fixture, PF_ACCOUNT_SERVICE_IDLE);
  }
}

static void
test_unreachable (Fixture       *fixture,
                  gconstpointer  data)
{
  PfServerSettings *incoming = pf_account_get_incoming (fixture->account);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  /* A port nobody listens on: bound, never listening. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  pf_server_settings_set_port (incoming,
                               g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  pf_account_service_set_password (fixture->service, "egal", FALSE);
  wait_for_state (fixture, PF_ACCOUNT_SERVICE_OFFLINE);
  g_assert_cmpint (pf_account_problem_from_error (pf_account_service_get_error (fixture->service)),
                   ==, PF_ACCOUNT_PROBLEM_UNREACHABLE);
}

static void
test_pop3 (Fixture       *fixture,
           gconstpointer  data)
{
  deliver (fixture, "pop", "Eins");
  deliver (fixture, "pop", "Zwei");

  pf_account_service_set_password (fixture->service,
                                   pf_test_servers_get_password (fixture->servers, "pop"),
                                   FALSE);
  wait_for_synced (fixture, 1);
  wait_for_state (fixture, PF_ACCOUNT_SERVICE_IDLE);
  g_assert_cmpuint (count_messages (fixture, PF_STORE_SPECIAL_USE_INBOX), ==, 2);

  /* Sync now downloads at once, not at the next poll. */
  deliver (fixture, "pop", "Drei");
  pf_account_service_sync_now (fixture->service);
  wait_for_synced (fixture, 2);
  g_assert_cmpuint (count_messages (fixture, PF_STORE_SPECIAL_USE_INBOX), ==, 3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, pop3, func) \
  g_test_add (path, Fixture, GINT_TO_POINTER (pop3), fixture_set_up, func, fixture_tear_down)

  ADD ("/account-service/imap/idle-and-wake", FALSE, test_imap_idle_and_wake);
  ADD ("/account-service/imap/body-on-demand", FALSE, test_imap_body_on_demand);
  ADD ("/account-service/imap/wrong-password", FALSE, test_imap_wrong_password);
  ADD ("/account-service/imap/no-password", FALSE, test_no_password);
  ADD ("/account-service/imap/untrusted-certificate", FALSE, test_untrusted_certificate);
  ADD ("/account-service/imap/unreachable", FALSE, test_unreachable);
  ADD ("/account-service/pop3", TRUE, test_pop3);

#undef ADD

  return g_test_run ();
}
