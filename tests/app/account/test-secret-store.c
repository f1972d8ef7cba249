/* test-secret-store.c: passwords in the real Secret Service (gnome-keyring)
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsecret/secret.h>

#include "account/pf-secret-store.h"

typedef struct
{
  PfSecretStore *store;
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

/* Iterates the main context until the pending call has finished. */
static GAsyncResult *
wait_for_result (Fixture *fixture)
{
  while (fixture->result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (&fixture->result);
}

static void
store (Fixture         *fixture,
       const char      *account,
       PfSecretService  service,
       const char      *password)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  pf_secret_store_store_async (fixture->store, account, service,
                               "mail.example.test", "alice@example.test",
                               "Postfach test password", password,
                               NULL, on_done_cb, fixture);
  result = wait_for_result (fixture);
  g_assert_true (pf_secret_store_store_finish (fixture->store, result, &error));
  g_assert_no_error (error);
}

static char *
lookup (Fixture         *fixture,
        const char      *account,
        PfSecretService  service,
        const char      *user)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *password;

  pf_secret_store_lookup_async (fixture->store, account, service,
                                "mail.example.test", user,
                                NULL, on_done_cb, fixture);
  result = wait_for_result (fixture);
  password = pf_secret_store_lookup_finish (fixture->store, result, &error);
  g_assert_no_error (error);

  return password;
}

/* Counts the items of our schema for @account straight from libsecret, to
 * see that replacing does not pile up items. */
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
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->store = pf_secret_store_new ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_null (fixture->result);
  g_clear_object (&fixture->store);
}

static void
test_store_lookup (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *found = NULL;
  g_autofree char *other_user = NULL;
  g_autofree char *other_service = NULL;

  store (fixture, "acct-lookup", PF_SECRET_SERVICE_IMAP, "Gehe1m!ñ");

  found = lookup (fixture, "acct-lookup", PF_SECRET_SERVICE_IMAP, "alice@example.test");
  g_assert_cmpstr (found, ==, "Gehe1m!ñ");

  /* Exact matches only: another user or service finds nothing. */
  other_user = lookup (fixture, "acct-lookup", PF_SECRET_SERVICE_IMAP, "bob@example.test");
  g_assert_null (other_user);
  other_service = lookup (fixture, "acct-lookup", PF_SECRET_SERVICE_SMTP, "alice@example.test");
  g_assert_null (other_service);
}

static void
test_replace (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *found = NULL;

  store (fixture, "acct-replace", PF_SECRET_SERVICE_POP3, "first");
  store (fixture, "acct-replace", PF_SECRET_SERVICE_POP3, "second");

  found = lookup (fixture, "acct-replace", PF_SECRET_SERVICE_POP3, "alice@example.test");
  g_assert_cmpstr (found, ==, "second");
  g_assert_cmpuint (count_items ("acct-replace"), ==, 1);
}

static void
test_clear (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *found = NULL;
  g_autofree char *smtp = NULL;

  store (fixture, "acct-clear", PF_SECRET_SERVICE_IMAP, "imap-secret");
  store (fixture, "acct-clear", PF_SECRET_SERVICE_SMTP, "smtp-secret");

  pf_secret_store_clear_async (fixture->store, "acct-clear", PF_SECRET_SERVICE_IMAP,
                               "mail.example.test", "alice@example.test",
                               NULL, on_done_cb, fixture);
  result = wait_for_result (fixture);
  g_assert_true (pf_secret_store_clear_finish (fixture->store, result, &error));
  g_assert_no_error (error);

  found = lookup (fixture, "acct-clear", PF_SECRET_SERVICE_IMAP, "alice@example.test");
  g_assert_null (found);
  smtp = lookup (fixture, "acct-clear", PF_SECRET_SERVICE_SMTP, "alice@example.test");
  g_assert_cmpstr (smtp, ==, "smtp-secret");

  /* Clearing what is not there is not an error, and says so. */
  pf_secret_store_clear_async (fixture->store, "acct-clear", PF_SECRET_SERVICE_IMAP,
                               "mail.example.test", "alice@example.test",
                               NULL, on_done_cb, fixture);
  again = wait_for_result (fixture);
  g_assert_false (pf_secret_store_clear_finish (fixture->store, again, &error));
  g_assert_no_error (error);
}

static void
test_clear_account (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;

  store (fixture, "acct-gone", PF_SECRET_SERVICE_IMAP, "a");
  store (fixture, "acct-gone", PF_SECRET_SERVICE_SMTP, "b");
  store (fixture, "acct-kept", PF_SECRET_SERVICE_IMAP, "c");
  g_assert_cmpuint (count_items ("acct-gone"), ==, 2);

  pf_secret_store_clear_account_async (fixture->store, "acct-gone", NULL, on_done_cb, fixture);
  result = wait_for_result (fixture);
  g_assert_true (pf_secret_store_clear_account_finish (fixture->store, result, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (count_items ("acct-gone"), ==, 0);
  kept = lookup (fixture, "acct-kept", PF_SECRET_SERVICE_IMAP, "alice@example.test");
  g_assert_cmpstr (kept, ==, "c");
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *password;

  g_cancellable_cancel (cancellable);
  pf_secret_store_lookup_async (fixture->store, "acct-lookup", PF_SECRET_SERVICE_IMAP,
                                "mail.example.test", "alice@example.test",
                                cancellable, on_done_cb, fixture);
  result = wait_for_result (fixture);
  password = pf_secret_store_lookup_finish (fixture->store, result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (password);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  /* This suite runs against the real keyring: without a Secret Service on
   * the session bus it must fail, not skip. */
  g_assert_nonnull (g_getenv ("DBUS_SESSION_BUS_ADDRESS"));

  g_test_add ("/account/secret-store/store-lookup", Fixture, NULL,
              fixture_set_up, test_store_lookup, fixture_tear_down);
  g_test_add ("/account/secret-store/replace", Fixture, NULL,
              fixture_set_up, test_replace, fixture_tear_down);
  g_test_add ("/account/secret-store/clear", Fixture, NULL,
              fixture_set_up, test_clear, fixture_tear_down);
  g_test_add ("/account/secret-store/clear-account", Fixture, NULL,
              fixture_set_up, test_clear_account, fixture_tear_down);
  g_test_add ("/account/secret-store/cancelled", Fixture, NULL,
              fixture_set_up, test_cancelled, fixture_tear_down);

  return g_test_run ();
}
