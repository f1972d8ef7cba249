/* test-pop3-sync.c: PfPop3Sync's policies against the real Dovecot, with
 * an injected clock for "leave on the server for N days".
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "pf-test-servers.h"
#include "store/pf-store.h"
#include "sync/pf-pop3-sync.h"

#define DAY (24 * 3600)

typedef struct
{
  PfTestServers    *servers;
  char             *dir;
  PfStore          *store;
  PfServerSettings *settings;
  gint64            now;
  guint             serial;
} Fixture;

static gint64
fixture_clock (gpointer user_data)
{
  Fixture *fixture = user_data;

  return fixture->now;
}

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

/* The maildrop's messages, as files in pop's Maildir. */
static guint
count_on_server (Fixture *fixture)
{
  const char *maildir = pf_test_servers_get_maildir (fixture->servers, "pop");
  guint n = 0;

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *path = g_build_filename (maildir, i == 0 ? "cur" : "new", NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

      while (dir != NULL && g_dir_read_name (dir) != NULL)
        n++;
    }
  return n;
}

static void
empty_maildrop (Fixture *fixture)
{
  const char *maildir = pf_test_servers_get_maildir (fixture->servers, "pop");

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
deliver (Fixture *fixture,
         guint    count)
{
  for (guint i = 0; i < count; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = g_strdup_printf ("From: test@example.test\r\n"
                                               "Subject: Nachricht %u\r\n"
                                               "Message-ID: <sync-%u-%" G_GINT64_FORMAT
                                               "@example.test>\r\n\r\nText\r\n",
                                               fixture->serial, fixture->serial,
                                               g_get_real_time ());
      g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&text), strlen (text));

      fixture->serial++;
      g_assert_true (pf_test_servers_deliver (fixture->servers, "pop", bytes, &error));
      g_assert_no_error (error);
    }
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *service = "pop3s";

  fixture->servers = pf_test_servers_get ();
  fixture->dir = g_dir_make_tmp ("pf-pop3-sync-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store = pf_store_new_sync (fixture->dir, NULL, &error);
  g_assert_no_error (error);

  fixture->settings = pf_server_settings_new (PF_SERVER_PROTOCOL_POP3);
  pf_server_settings_set_host (fixture->settings,
                               pf_test_servers_get_host (fixture->servers, service));
  pf_server_settings_set_port (fixture->settings,
                               pf_test_servers_get_port (fixture->servers, service));
  pf_server_settings_set_security (fixture->settings, PF_SECURITY_TLS);
  pf_server_settings_set_username (fixture->settings,
                                   pf_test_servers_get_login (fixture->servers, "pop"));
  pf_server_settings_set_ca_file (fixture->settings,
                                  pf_test_servers_get_ca_file (fixture->servers));
  fixture->now = 1800000000;
  empty_maildrop (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  empty_maildrop (fixture);
  g_clear_object (&fixture->settings);
  g_clear_object (&fixture->store);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static PfPop3SyncStats
run (Fixture      *fixture,
     PfPop3Policy  policy,
     guint         keep_days)
{
  g_autoptr(PfPop3Sync) sync = pf_pop3_sync_new (fixture->store, fixture->settings);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PfPop3SyncStats stats = { 0 };

  pf_pop3_sync_set_secret (sync, pf_test_servers_get_password (fixture->servers, "pop"), FALSE);
  pf_pop3_sync_set_policy (sync, policy, keep_days);
  pf_pop3_sync_set_clock (sync, fixture_clock, fixture);
  pf_pop3_sync_set_batch_size (sync, 2);   /* several durable batches */
  pf_pop3_sync_run_async (sync, NULL, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pf_pop3_sync_run_finish (sync, result, &stats, &error));
  g_assert_no_error (error);
  return stats;
}

static guint
count_local (Fixture *fixture)
{
  g_autoptr(PfStoreFolder) inbox = NULL;
  g_autoptr(GError) error = NULL;

  inbox = pf_store_lookup_folder_by_special_use (fixture->store, PF_STORE_SPECIAL_USE_INBOX,
                                                 &error);
  g_assert_no_error (error);
  return inbox->total_count;
}

static void
test_keep_days (Fixture       *fixture,
                gconstpointer  data)
{
  PfPop3SyncStats stats;
  g_autoptr(GHashTable) seen = NULL;

  deliver (fixture, 3);
  stats = run (fixture, PF_POP3_POLICY_KEEP_DAYS, 7);
  g_assert_cmpuint (stats.new_messages, ==, 3);
  g_assert_cmpuint (stats.deleted_on_server, ==, 0);

  /* A day later, another one arrives. */
  fixture->now += DAY;
  deliver (fixture, 1);
  stats = run (fixture, PF_POP3_POLICY_KEEP_DAYS, 7);
  g_assert_cmpuint (stats.new_messages, ==, 1);
  g_assert_cmpuint (stats.deleted_on_server, ==, 0);

  /* One second short of seven days after the first download. */
  fixture->now += 6 * DAY - 1;
  stats = run (fixture, PF_POP3_POLICY_KEEP_DAYS, 7);
  g_assert_cmpuint (stats.new_messages, ==, 0);
  g_assert_cmpuint (stats.deleted_on_server, ==, 0);
  g_assert_cmpuint (count_on_server (fixture), ==, 4);

  /* Seven days: the first three go, the fourth stays another day. */
  fixture->now += 1;
  stats = run (fixture, PF_POP3_POLICY_KEEP_DAYS, 7);
  g_assert_cmpuint (stats.deleted_on_server, ==, 3);
  g_assert_cmpuint (count_on_server (fixture), ==, 1);
  g_assert_cmpuint (count_local (fixture), ==, 4);

  fixture->now += DAY;
  stats = run (fixture, PF_POP3_POLICY_KEEP_DAYS, 7);
  g_assert_cmpuint (stats.deleted_on_server, ==, 1);
  g_assert_cmpuint (count_on_server (fixture), ==, 0);
  g_assert_cmpuint (count_local (fixture), ==, 4);

  /* Deleted there, forgotten here. */
  seen = pf_store_pop3_list_seen (fixture->store, NULL);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 0);
}

static void
test_delete_with_local (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(PfStoreFolder) inbox = NULL;
  g_autoptr(GPtrArray) uidls = NULL;
  g_autoptr(PfStoreMessage) message = NULL;
  g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();
  g_autoptr(GError) error = NULL;
  PfPop3SyncStats stats;
  GAsyncResult *result = NULL;

  deliver (fixture, 3);
  stats = run (fixture, PF_POP3_POLICY_DELETE_WITH_LOCAL, 0);
  g_assert_cmpuint (stats.new_messages, ==, 3);
  g_assert_cmpuint (stats.deleted_on_server, ==, 0);

  /* Kept while there is a local copy, also for a year. */
  fixture->now += 365 * DAY;
  stats = run (fixture, PF_POP3_POLICY_DELETE_WITH_LOCAL, 0);
  g_assert_cmpuint (stats.deleted_on_server, ==, 0);

  /* Deleted here for good: deleted there by the next run. */
  inbox = pf_store_lookup_folder_by_special_use (fixture->store, PF_STORE_SPECIAL_USE_INBOX,
                                                 &error);
  uidls = pf_store_list_uidls (fixture->store, inbox->id, &error);
  g_assert_cmpuint (uidls->len, ==, 3);
  message = pf_store_lookup_message_by_uidl (fixture->store, inbox->id, uidls->pdata[1], &error);
  g_assert_no_error (error);
  pf_store_batch_expunge_ids (batch, &message->id, 1);
  pf_store_apply_batch_async (fixture->store, batch, NULL, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pf_store_apply_batch_finish (fixture->store, result, &error));
  g_clear_object (&result);

  stats = run (fixture, PF_POP3_POLICY_DELETE_WITH_LOCAL, 0);
  g_assert_cmpuint (stats.new_messages, ==, 0);
  g_assert_cmpuint (stats.deleted_on_server, ==, 1);
  g_assert_cmpuint (count_on_server (fixture), ==, 2);
  g_assert_cmpuint (count_local (fixture), ==, 2);
}

static void
test_folders (Fixture       *fixture,
              gconstpointer  data)
{
  static const PfStoreSpecialUse uses[] = {
    PF_STORE_SPECIAL_USE_INBOX, PF_STORE_SPECIAL_USE_SENT, PF_STORE_SPECIAL_USE_DRAFTS,
    PF_STORE_SPECIAL_USE_TRASH,
  };
  g_autoptr(GError) error = NULL;
  gint64 inbox = pf_pop3_sync_ensure_folders (fixture->store, &error);

  g_assert_no_error (error);
  g_assert_cmpint (inbox, >, 0);
  /* Twice is the same. */
  g_assert_cmpint (pf_pop3_sync_ensure_folders (fixture->store, &error), ==, inbox);
  for (gsize i = 0; i < G_N_ELEMENTS (uses); i++)
    {
      g_autoptr(PfStoreFolder) folder =
        pf_store_lookup_folder_by_special_use (fixture->store, uses[i], &error);

      g_assert_no_error (error);
      g_assert_true (folder->local_only);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/pop3-sync/folders", Fixture, NULL, fixture_set_up, test_folders,
              fixture_tear_down);
  g_test_add ("/pop3-sync/keep-days", Fixture, NULL, fixture_set_up, test_keep_days,
              fixture_tear_down);
  g_test_add ("/pop3-sync/delete-with-local", Fixture, NULL, fixture_set_up,
              test_delete_with_local, fixture_tear_down);

  return g_test_run ();
}
