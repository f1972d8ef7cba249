/* test-folder-tree-model.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pf-store-test-util.h"
#include "store/pf-folder-tree-model.h"

typedef struct
{
  char    *dir;
  PfStore *store;
} TestStore;

static void
test_store_clear (TestStore *test)
{
  if (test->store != NULL)
    pf_store_close (test->store);
  g_clear_object (&test->store);
  if (test->dir != NULL)
    test_remove_tree (test->dir);
  g_clear_pointer (&test->dir, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TestStore, test_store_clear)

static void
test_store_open (TestStore *test)
{
  g_autoptr(GError) error = NULL;

  test->dir = g_dir_make_tmp ("pf-tree-XXXXXX", NULL);
  test->store = pf_store_new_sync (test->dir, NULL, &error);
  g_assert_no_error (error);
}

static gint64
add_folder (PfStore           *store,
            const char        *name,
            const char        *display_name,
            PfStoreSpecialUse  use,
            gint64             parent_id)
{
  g_autoptr(PfStoreFolder) folder = pf_store_folder_new ();
  g_autoptr(GError) error = NULL;
  gint64 id;

  folder->name = g_strdup (name);
  folder->display_name = g_strdup (display_name);
  folder->special_use = use;
  folder->parent_id = parent_id;
  folder->delimiter = '/';
  id = pf_store_create_folder (store, folder, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

/* "Name(unread/total)" of each item of @model, children in brackets */
static void
describe (GListModel *model,
          GString    *out)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(PfFolderItem) item = g_list_model_get_item (model, i);
      GListModel *children = pf_folder_item_get_children (item);

      if (i > 0)
        g_string_append (out, " ");
      g_string_append_printf (out, "%s(%u/%u)", pf_folder_item_get_display_name (item),
                              pf_folder_item_get_unread_count (item),
                              pf_folder_item_get_total_count (item));
      if (g_list_model_get_n_items (children) > 0)
        {
          g_string_append (out, "[");
          describe (children, out);
          g_string_append (out, "]");
        }
    }
}

static char *
tree_text (PfFolderTreeModel *model)
{
  GString *out = g_string_new (NULL);

  describe (G_LIST_MODEL (model), out);
  return g_string_free (out, FALSE);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *count)
{
  (*count)++;
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           guint      *count)
{
  (*count)++;
}

static void
test_tree (void)
{
  g_auto(TestStore) a = { 0 };
  g_auto(TestStore) b = { 0 };
  g_autoptr(PfFolderTreeModel) model = NULL;
  g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr(PfFolderItem) account_a = NULL;
  g_autoptr(PfFolderItem) inbox_a = NULL;
  gint64 inbox, projekte, alt;
  guint root_changes = 0;
  guint child_changes = 0;
  guint notifies = 0;

  test_store_open (&a);
  test_store_open (&b);
  projekte = add_folder (a.store, "Projekte", "Projekte", PF_STORE_SPECIAL_USE_NONE, 0);
  alt = add_folder (a.store, "Projekte/Alt", "Alt", PF_STORE_SPECIAL_USE_NONE, projekte);
  add_folder (a.store, "Papierkorb", "Papierkorb", PF_STORE_SPECIAL_USE_TRASH, 0);
  add_folder (a.store, "Gesendet", "Gesendet", PF_STORE_SPECIAL_USE_SENT, 0);
  inbox = add_folder (a.store, "INBOX", "INBOX", PF_STORE_SPECIAL_USE_INBOX, 0);
  add_folder (a.store, "Archiv", "Archiv", PF_STORE_SPECIAL_USE_ARCHIVE, 0);
  add_folder (a.store, "Ablage", "Ablage", PF_STORE_SPECIAL_USE_NONE, 0);
  add_folder (b.store, "INBOX", "INBOX", PF_STORE_SPECIAL_USE_INBOX, 0);

  for (guint uid = 1; uid <= 4; uid++)
    {
      PfStoreMessage *m = test_message (inbox, uid, 1000 + uid, "Hallo", NULL, NULL);

      m->flags = uid == 4 ? PF_STORE_FLAG_SEEN : 0;
      pf_store_batch_take_message (batch, m);
    }
  g_assert_true (test_apply (a.store, batch, &error));
  g_assert_no_error (error);

  model = pf_folder_tree_model_new ();
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), &root_changes);
  pf_folder_tree_model_add_account (model, "a", "Arbeit", a.store);
  pf_folder_tree_model_add_account (model, "b", "Privat", b.store);
  g_assert_cmpuint (root_changes, ==, 2);

  /* Inbox, Sent, Archive, Trash by role, then the others by name */
  text = tree_text (model);
  g_assert_cmpstr (text, ==, "All Inboxes(3/4) "
                             "Arbeit(3/4)[Inbox(3/4) Sent(0/0) Archive(0/0) Trash(0/0) "
                             "Ablage(0/0) Projekte(0/0)[Alt(0/0)]] "
                             "Privat(0/0)[Inbox(0/0)]");
  g_clear_pointer (&text, g_free);

  account_a = g_list_model_get_item (G_LIST_MODEL (model), 1);
  inbox_a = g_list_model_get_item (pf_folder_item_get_children (account_a), 0);
  g_assert_cmpint (pf_folder_item_get_folder_id (inbox_a), ==, inbox);
  g_assert_true (pf_folder_item_get_store (inbox_a) == a.store);
  g_signal_connect (inbox_a, "notify::unread-count", G_CALLBACK (on_notify), &notifies);
  g_signal_connect (pf_folder_item_get_children (account_a), "items-changed",
                    G_CALLBACK (on_items_changed), &child_changes);

  /* Counts follow the messages; the same item object stays. */
  g_clear_pointer (&batch, pf_store_batch_unref);
  batch = pf_store_batch_new ();
  pf_store_batch_set_flags (batch, inbox, 1, PF_STORE_FLAG_SEEN, NULL, 0);
  g_assert_true (test_apply (a.store, batch, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pf_folder_item_get_unread_count (inbox_a), ==, 2);
  g_assert_cmpuint (notifies, ==, 1);
  g_assert_cmpuint (child_changes, ==, 0);
  g_assert_cmpuint (pf_folder_item_get_unread_count (pf_folder_tree_model_get_unified_inbox (model)),
                    ==, 2);

  /* A new folder and a deleted one */
  add_folder (a.store, "Belege", "Belege", PF_STORE_SPECIAL_USE_NONE, 0);
  g_assert_true (pf_store_delete_folder (a.store, alt, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (child_changes, >=, 1);
  text = tree_text (model);
  g_assert_cmpstr (text, ==, "All Inboxes(2/4) "
                             "Arbeit(2/4)[Inbox(2/4) Sent(0/0) Archive(0/0) Trash(0/0) "
                             "Ablage(0/0) Belege(0/0) Projekte(0/0)] "
                             "Privat(0/0)[Inbox(0/0)]");
  g_clear_pointer (&text, g_free);
  {
    g_autoptr(PfFolderItem) still = g_list_model_get_item (pf_folder_item_get_children (account_a), 0);

    g_assert_true (still == inbox_a);
  }

  pf_folder_tree_model_rename_account (model, "b", "Zuhause");
  pf_folder_tree_model_remove_account (model, "a");
  text = tree_text (model);
  g_assert_cmpstr (text, ==, "All Inboxes(0/0) Zuhause(0/0)[Inbox(0/0)]");
  g_assert_cmpuint (root_changes, ==, 3);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/folder-tree", test_tree);
  return g_test_run ();
}
