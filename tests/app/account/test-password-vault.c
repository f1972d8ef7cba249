/* test-password-vault.c: passwords in the Secret Service, or in memory
 * for the session when there is none
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsecret/secret.h>
#include <string.h>

#include "account/pf-account-manager.h"
#include "account/pf-password-vault.h"

#include "test-dirs.h"

/*
 * One binary, three environments, chosen by PF_TEST_SECRET_SERVICE:
 *   keyring     the real gnome-keyring on a private bus (run-in-session --keyring)
 *   no-bus      DBUS_SESSION_BUS_ADDRESS points at a socket that does not exist
 *   no-service  a private bus on which nothing provides org.freedesktop.secrets
 */

#define HOST "mail.example.test"
#define USER "alice@example.test"
#define SECRET "Gehe1m!ñ-Pässwort"

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (slot);
}

static void
on_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

static void
vault_store (PfPasswordVault *vault,
             const char      *account,
             PfSecretService  service,
             const char      *user,
             const char      *password,
             gboolean         expect_session_only)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  gboolean session_only = !expect_session_only;

  pf_password_vault_store_async (vault, account, service, HOST, user,
                                 "Postfach test password", password,
                                 NULL, on_done_cb, &slot);
  result = wait_for (&slot);
  g_assert_true (pf_password_vault_store_finish (vault, result, &session_only, &error));
  g_assert_no_error (error);
  g_assert_cmpint (session_only, ==, expect_session_only);
}

static char *
vault_lookup (PfPasswordVault *vault,
              const char      *account,
              PfSecretService  service,
              const char      *user,
              gboolean         expect_session_only)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  gboolean session_only = !expect_session_only;
  char *password;

  pf_password_vault_lookup_async (vault, account, service, HOST, user,
                                  NULL, on_done_cb, &slot);
  result = wait_for (&slot);
  password = pf_password_vault_lookup_finish (vault, result, &session_only, &error);
  g_assert_no_error (error);
  g_assert_cmpint (session_only, ==, expect_session_only);

  return password;
}

static gboolean
vault_clear (PfPasswordVault *vault,
             const char      *account,
             PfSecretService  service)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  gboolean removed;

  pf_password_vault_clear_async (vault, account, service, HOST, USER, NULL, on_done_cb, &slot);
  result = wait_for (&slot);
  removed = pf_password_vault_clear_finish (vault, result, &error);
  g_assert_no_error (error);

  return removed;
}

/* Whether @needle occurs in any file below @path. */
static gboolean
tree_contains (const char *path,
               const char *needle)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    return FALSE;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *contents = NULL;
      gsize length = 0;
      gsize needle_length = strlen (needle);

      if (!g_file_get_contents (path, &contents, &length, NULL))
        return FALSE;

      for (gsize i = 0; i + needle_length <= length; i++)
        {
          if (memcmp (contents + i, needle, needle_length) == 0)
            return TRUE;
        }

      return FALSE;
    }

  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (tree_contains (child, needle))
        return TRUE;
    }

  return FALSE;
}

static void
assert_not_on_disk (const char *needle)
{
  g_assert_false (tree_contains (g_get_user_config_dir (), needle));
  g_assert_false (tree_contains (g_get_user_data_dir (), needle));
  g_assert_false (tree_contains (g_get_user_cache_dir (), needle));
  g_assert_false (tree_contains (g_get_user_state_dir (), needle));
  g_assert_false (tree_contains (g_get_home_dir (), needle));
}

static PfAccount *
make_account (void)
{
  PfAccount *account = pf_account_new (PF_ACCOUNT_KIND_IMAP);

  pf_account_set_display_name (account, "Arbeit");
  pf_account_set_address (account, USER);
  pf_server_settings_set_host (pf_account_get_incoming (account), HOST);
  pf_server_settings_set_username (pf_account_get_incoming (account), "musterdomainde-0001");
  pf_server_settings_set_host (pf_account_get_outgoing (account), "smtp.example.test");
  pf_server_settings_set_username (pf_account_get_outgoing (account), USER);

  return account;
}

static void
store_for_server (PfPasswordVault  *vault,
                  PfAccount        *account,
                  PfServerSettings *server,
                  const char       *password,
                  gboolean          expect_session_only)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  gboolean session_only = !expect_session_only;

  pf_password_vault_store_for_server_async (vault, account, server, password,
                                            NULL, on_done_cb, &slot);
  result = wait_for (&slot);
  g_assert_true (pf_password_vault_store_finish (vault, result, &session_only, &error));
  g_assert_no_error (error);
  g_assert_cmpint (session_only, ==, expect_session_only);
}

static char *
lookup_for_server (PfPasswordVault  *vault,
                   PfAccount        *account,
                   PfServerSettings *server)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  char *password;

  pf_password_vault_lookup_for_server_async (vault, account, server, NULL, on_done_cb, &slot);
  result = wait_for (&slot);
  password = pf_password_vault_lookup_finish (vault, result, NULL, &error);
  g_assert_no_error (error);

  return password;
}

static void
remove_account (PfAccountManager *manager,
                const char       *id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  pf_account_manager_remove_async (manager, id, NULL, on_done_cb, &slot);
  result = wait_for (&slot);
  g_assert_true (pf_account_manager_remove_finish (manager, result, &error));
  g_assert_no_error (error);
}

/* With the real keyring */

/* Counts our items for @account straight from libsecret. */
static guint
count_items (const char *account)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  GList *items;
  guint n;

  g_hash_table_insert (attributes, (gpointer) "xdg:schema", (gpointer) "org.postfach.Password");
  g_hash_table_insert (attributes, (gpointer) "account", (gpointer) account);
  items = secret_password_searchv_sync (NULL, attributes, SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  n = g_list_length (items);
  g_list_free_full (items, g_object_unref);

  return n;
}

static void
test_keyring_round_trip (void)
{
  g_autoptr(PfPasswordVault) vault = pf_password_vault_new (NULL);
  g_autofree char *found = NULL;
  g_autofree char *replaced = NULL;
  g_autofree char *other = NULL;

  vault_store (vault, "vault-keyring", PF_SECRET_SERVICE_IMAP, USER, SECRET, FALSE);
  g_assert_false (pf_password_vault_is_session_only (vault));
  g_assert_null (pf_password_vault_dup_unavailable_error (vault));

  found = vault_lookup (vault, "vault-keyring", PF_SECRET_SERVICE_IMAP, USER, FALSE);
  g_assert_cmpstr (found, ==, SECRET);
  other = vault_lookup (vault, "vault-keyring", PF_SECRET_SERVICE_SMTP, USER, FALSE);
  g_assert_null (other);

  vault_store (vault, "vault-keyring", PF_SECRET_SERVICE_IMAP, USER, "zweites", FALSE);
  replaced = vault_lookup (vault, "vault-keyring", PF_SECRET_SERVICE_IMAP, USER, FALSE);
  g_assert_cmpstr (replaced, ==, "zweites");
  g_assert_cmpuint (count_items ("vault-keyring"), ==, 1);

  g_assert_true (vault_clear (vault, "vault-keyring", PF_SECRET_SERVICE_IMAP));
  g_assert_false (vault_clear (vault, "vault-keyring", PF_SECRET_SERVICE_IMAP));
  g_assert_cmpuint (count_items ("vault-keyring"), ==, 0);

  assert_not_on_disk (SECRET);
}

static void
test_keyring_manager (void)
{
  g_autoptr(PfAccountManager) manager = pf_account_manager_new (NULL, NULL);
  g_autoptr(PfAccount) account = make_account ();
  g_autoptr(PfAccount) kept = make_account ();
  PfPasswordVault *vault = pf_account_manager_get_vault (manager);
  g_autoptr(GError) error = NULL;
  g_autofree char *imap = NULL;
  g_autofree char *smtp = NULL;
  g_autofree char *still = NULL;

  g_assert_true (pf_account_manager_add (manager, account, &error));
  g_assert_no_error (error);
  g_assert_true (pf_account_manager_add (manager, kept, &error));
  g_assert_no_error (error);

  store_for_server (vault, account, pf_account_get_incoming (account), SECRET, FALSE);
  store_for_server (vault, account, pf_account_get_outgoing (account), "smtp-" SECRET, FALSE);
  store_for_server (vault, kept, pf_account_get_incoming (kept), "kept", FALSE);
  g_assert_cmpuint (count_items (pf_account_get_id (account)), ==, 2);

  imap = lookup_for_server (vault, account, pf_account_get_incoming (account));
  smtp = lookup_for_server (vault, account, pf_account_get_outgoing (account));
  g_assert_cmpstr (imap, ==, SECRET);
  g_assert_cmpstr (smtp, ==, "smtp-" SECRET);

  assert_not_on_disk (SECRET);

  remove_account (manager, pf_account_get_id (account));
  g_assert_cmpuint (count_items (pf_account_get_id (account)), ==, 0);
  g_assert_cmpuint (count_items (pf_account_get_id (kept)), ==, 1);
  still = lookup_for_server (vault, kept, pf_account_get_incoming (kept));
  g_assert_cmpstr (still, ==, "kept");

  remove_account (manager, pf_account_get_id (kept));
  g_assert_cmpuint (count_items (pf_account_get_id (kept)), ==, 0);
}

/* Without a Secret Service */

static void
test_unavailable_secret_store (void)
{
  g_autoptr(PfSecretStore) store = pf_secret_store_new ();
  g_autoptr(GAsyncResult) stored = NULL;
  g_autoptr(GAsyncResult) found = NULL;
  g_autoptr(GAsyncResult) cleared = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  char *password;

  pf_secret_store_store_async (store, "store-none", PF_SECRET_SERVICE_IMAP, HOST, USER,
                               "label", SECRET, NULL, on_done_cb, &slot);
  stored = wait_for (&slot);
  g_assert_false (pf_secret_store_store_finish (store, stored, &error));
  g_assert_error (error, PF_SECRET_STORE_ERROR, PF_SECRET_STORE_ERROR_UNAVAILABLE);
  g_assert_cmpstr (error->message, ==, "No password storage (Secret Service) is available.");
  g_clear_error (&error);

  pf_secret_store_lookup_async (store, "store-none", PF_SECRET_SERVICE_IMAP, HOST, USER,
                                NULL, on_done_cb, &slot);
  found = wait_for (&slot);
  password = pf_secret_store_lookup_finish (store, found, &error);
  g_assert_error (error, PF_SECRET_STORE_ERROR, PF_SECRET_STORE_ERROR_UNAVAILABLE);
  g_assert_null (password);
  g_clear_error (&error);

  pf_secret_store_clear_account_async (store, "store-none", NULL, on_done_cb, &slot);
  cleared = wait_for (&slot);
  g_assert_false (pf_secret_store_clear_account_finish (store, cleared, &error));
  g_assert_error (error, PF_SECRET_STORE_ERROR, PF_SECRET_STORE_ERROR_UNAVAILABLE);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
test_unavailable_session (void)
{
  g_autoptr(PfPasswordVault) vault = pf_password_vault_new (NULL);
  g_autoptr(GError) report = NULL;
  g_autofree char *found = NULL;
  g_autofree char *replaced = NULL;
  g_autofree char *other_user = NULL;
  g_autofree char *other_service = NULL;
  g_autofree char *after_clear = NULL;
  g_autofree char *smtp = NULL;
  g_autofree char *other_account = NULL;
  guint notifies = 0;

  g_signal_connect (vault, "notify::session-only", G_CALLBACK (count_notify_cb), &notifies);
  g_assert_false (pf_password_vault_is_session_only (vault));

  vault_store (vault, "vault-none", PF_SECRET_SERVICE_IMAP, USER, SECRET, TRUE);
  g_assert_true (pf_password_vault_is_session_only (vault));
  g_assert_cmpuint (notifies, ==, 1);

  report = pf_password_vault_dup_unavailable_error (vault);
  g_assert_error (report, PF_SECRET_STORE_ERROR, PF_SECRET_STORE_ERROR_UNAVAILABLE);
  g_assert_cmpstr (report->message, ==,
                   "No password storage (Secret Service) is available; the password is "
                   "kept only until Postfach quits.");

  found = vault_lookup (vault, "vault-none", PF_SECRET_SERVICE_IMAP, USER, TRUE);
  g_assert_cmpstr (found, ==, SECRET);

  /* Exact matches only; an unknown one says "none known, session only". */
  other_user = vault_lookup (vault, "vault-none", PF_SECRET_SERVICE_IMAP, "bob", TRUE);
  g_assert_null (other_user);
  other_service = vault_lookup (vault, "vault-none", PF_SECRET_SERVICE_POP3, USER, TRUE);
  g_assert_null (other_service);

  vault_store (vault, "vault-none", PF_SECRET_SERVICE_IMAP, USER, "zweites", TRUE);
  replaced = vault_lookup (vault, "vault-none", PF_SECRET_SERVICE_IMAP, USER, TRUE);
  g_assert_cmpstr (replaced, ==, "zweites");
  g_assert_cmpuint (notifies, ==, 1);

  assert_not_on_disk (SECRET);
  assert_not_on_disk ("zweites");

  g_assert_true (vault_clear (vault, "vault-none", PF_SECRET_SERVICE_IMAP));
  g_assert_false (vault_clear (vault, "vault-none", PF_SECRET_SERVICE_IMAP));
  after_clear = vault_lookup (vault, "vault-none", PF_SECRET_SERVICE_IMAP, USER, TRUE);
  g_assert_null (after_clear);

  /* Clearing an account takes all of its passwords and only those. */
  vault_store (vault, "vault-gone", PF_SECRET_SERVICE_IMAP, USER, "a", TRUE);
  vault_store (vault, "vault-gone", PF_SECRET_SERVICE_SMTP, USER, "b", TRUE);
  vault_store (vault, "vault-gone-not", PF_SECRET_SERVICE_IMAP, USER, "c", TRUE);
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    GAsyncResult *slot = NULL;

    pf_password_vault_clear_account_async (vault, "vault-gone", NULL, on_done_cb, &slot);
    result = wait_for (&slot);
    g_assert_true (pf_password_vault_clear_account_finish (vault, result, &error));
    g_assert_no_error (error);
  }
  smtp = vault_lookup (vault, "vault-gone", PF_SECRET_SERVICE_SMTP, USER, TRUE);
  g_assert_null (smtp);
  other_account = vault_lookup (vault, "vault-gone-not", PF_SECRET_SERVICE_IMAP, USER, TRUE);
  g_assert_cmpstr (other_account, ==, "c");
}

static void
test_unavailable_manager (void)
{
  g_autoptr(PfAccountManager) manager = pf_account_manager_new (NULL, NULL);
  g_autoptr(PfAccount) account = make_account ();
  PfPasswordVault *vault = pf_account_manager_get_vault (manager);
  g_autoptr(GError) error = NULL;
  g_autofree char *found = NULL;
  g_autofree char *gone = NULL;

  g_assert_true (pf_account_manager_add (manager, account, &error));
  g_assert_no_error (error);

  store_for_server (vault, account, pf_account_get_incoming (account), SECRET, TRUE);
  found = lookup_for_server (vault, account, pf_account_get_incoming (account));
  g_assert_cmpstr (found, ==, SECRET);
  assert_not_on_disk (SECRET);

  remove_account (manager, pf_account_get_id (account));
  gone = lookup_for_server (vault, account, pf_account_get_incoming (account));
  g_assert_null (gone);
}

static void
test_unavailable_cancelled (void)
{
  g_autoptr(PfPasswordVault) vault = pf_password_vault_new (NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  char *password;

  g_cancellable_cancel (cancellable);
  pf_password_vault_lookup_async (vault, "vault-cancel", PF_SECRET_SERVICE_IMAP, HOST, USER,
                                  cancellable, on_done_cb, &slot);
  result = wait_for (&slot);
  password = pf_password_vault_lookup_finish (vault, result, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (password);
}

int
main (int    argc,
      char **argv)
{
  int ret;
  const char *mode = g_getenv ("PF_TEST_SECRET_SERVICE");

  test_dirs_init ();
  g_test_init (&argc, &argv, NULL);

  /* Each environment must be what it claims: a missing keyring fails the
   * keyring run instead of silently testing the fallback. */
  g_assert_nonnull (mode);
  g_assert_nonnull (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));

  if (g_str_equal (mode, "keyring"))
    {
      test_dirs_add_func ("/account/vault/keyring/round-trip", test_keyring_round_trip);
      test_dirs_add_func ("/account/vault/keyring/manager", test_keyring_manager);
    }
  else if (g_str_equal (mode, "no-bus") || g_str_equal (mode, "no-service"))
    {
      test_dirs_add_func ("/account/vault/unavailable/secret-store", test_unavailable_secret_store);
      test_dirs_add_func ("/account/vault/unavailable/session", test_unavailable_session);
      test_dirs_add_func ("/account/vault/unavailable/manager", test_unavailable_manager);
      test_dirs_add_func ("/account/vault/unavailable/cancelled", test_unavailable_cancelled);
    }
  else
    g_error ("Unknown PF_TEST_SECRET_SERVICE “%s”", mode);

  ret = g_test_run ();
  test_dirs_cleanup ();

  return ret;
}
