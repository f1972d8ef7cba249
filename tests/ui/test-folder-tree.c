/* test-folder-tree.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pf-ui-test-util.h"

#include "store/pf-message-list-model.h"
#include "sync/pf-operations.h"
#include "pf-folder-tree-private.h"
#include "pf-message-list.h"

/*
 * The folder tree in a real window (under Xvfb) over real stores: an
 * IMAP-like account and a local (POP3) one. Rows, "All Inboxes",
 * selecting, the folder.* actions through their dialogs, and drops.
 */

typedef struct
{
  char              *dir_imap;
  char              *dir_pop;
  PfStore           *imap;
  PfStore           *pop;
  gint64             imap_inbox;
  gint64             imap_trash;
  gint64             projects;
  gint64             pop_inbox;
  gint64             pop_sent;
  gint64             pop_own;
  PfFolderTreeModel *model;
  GtkWindow         *window;
  PfFolderTree      *tree;

  /* messages-dropped */
  guint              drops;
  PfFolderItem      *drop_target;
  guint              drop_count;
  gboolean           drop_copy;
} Fixture;

static void
add_messages (PfStore *store,
              gint64   folder_id,
              guint    n,
              gboolean unread)
{
  g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    {
      PfStoreMessage *m = test_message (folder_id, i + 1, 1000000 + i, "Hallo", NULL, NULL);

      if (!unread)
        m->flags = PF_STORE_FLAG_SEEN;
      pf_store_batch_take_message (batch, m);
    }
  g_assert_true (test_apply (store, batch, &error));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir_imap = g_dir_make_tmp ("pf-ui-XXXXXX", NULL);
  fixture->dir_pop = g_dir_make_tmp ("pf-ui-XXXXXX", NULL);
  fixture->imap = pf_store_new_sync (fixture->dir_imap, NULL, &error);
  g_assert_no_error (error);
  fixture->pop = pf_store_new_sync (fixture->dir_pop, NULL, &error);
  g_assert_no_error (error);

  fixture->imap_inbox = ui_create_folder (fixture->imap, "INBOX", PF_STORE_SPECIAL_USE_INBOX,
                                          FALSE);
  fixture->imap_trash = ui_create_folder (fixture->imap, "Trash", PF_STORE_SPECIAL_USE_TRASH,
                                          FALSE);
  fixture->projects = ui_create_folder (fixture->imap, "Projekte", PF_STORE_SPECIAL_USE_NONE,
                                        FALSE);
  fixture->pop_inbox = ui_create_folder (fixture->pop, "Inbox", PF_STORE_SPECIAL_USE_INBOX, TRUE);
  fixture->pop_sent = ui_create_folder (fixture->pop, "Sent", PF_STORE_SPECIAL_USE_SENT, TRUE);
  fixture->pop_own = ui_create_folder (fixture->pop, "Eigene", PF_STORE_SPECIAL_USE_NONE, TRUE);

  add_messages (fixture->imap, fixture->imap_inbox, 5, TRUE);
  add_messages (fixture->imap, fixture->projects, 40, TRUE);
  add_messages (fixture->imap, fixture->imap_trash, 3, FALSE);
  add_messages (fixture->pop, fixture->pop_inbox, 4, TRUE);

  fixture->model = pf_folder_tree_model_new ();
  pf_folder_tree_model_add_account (fixture->model, "imap", "Arbeit", fixture->imap);

  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 300, 600);
  fixture->tree = g_object_new (PF_TYPE_FOLDER_TREE, NULL);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->tree));
  pf_folder_tree_set_model (fixture->tree, fixture->model);
  gtk_window_present (fixture->window);
  ui_settle ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  AdwMessageDialog *dialog;

  while ((dialog = ui_find_dialog ()) != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (fixture->window);
  ui_wait (NULL, 50);
  g_clear_object (&fixture->drop_target);
  g_clear_object (&fixture->model);
  g_clear_object (&fixture->imap);
  g_clear_object (&fixture->pop);
  test_remove_tree (fixture->dir_imap);
  test_remove_tree (fixture->dir_pop);
  g_free (fixture->dir_imap);
  g_free (fixture->dir_pop);
}

/* The rows' texts, one row per line. */
static char *
tree_rows (Fixture *fixture)
{
  g_autoptr(GPtrArray) expanders = g_ptr_array_new ();
  GString *out = g_string_new (NULL);

  ui_collect_descendants (GTK_WIDGET (fixture->tree), GTK_TYPE_TREE_EXPANDER, expanders);
  for (guint i = 0; i < expanders->len; i++)
    {
      g_autofree char *texts = ui_label_texts (expanders->pdata[i]);

      if (gtk_tree_expander_get_list_row (expanders->pdata[i]) == NULL)
        continue;
      g_string_append_printf (out, "%s\n", texts);
    }
  return g_string_free (out, FALSE);
}

static void
test_rows_and_inboxes (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *one = NULL;
  g_autofree char *two = NULL;
  PfFolderItem *selected;

  /* One account: no "All Inboxes"; special folders first */
  one = tree_rows (fixture);
  g_assert_cmpstr (one, ==, "Arbeit|5\nInbox|5\nTrash\nProjekte|40\n");

  g_assert_true (pf_folder_tree_select_inbox (fixture->tree));
  selected = pf_folder_tree_get_selected (fixture->tree);
  g_assert_cmpint (pf_folder_item_get_folder_id (selected), ==, fixture->imap_inbox);

  /* Two: "All Inboxes" first, and it is what select_inbox() picks */
  pf_folder_tree_model_add_account (fixture->model, "pop", "Zuhause", fixture->pop);
  ui_settle ();
  two = tree_rows (fixture);
  g_assert_true (g_str_has_prefix (two, "All Inboxes|9\nArbeit|5\n"));
  g_assert_nonnull (strstr (two, "Zuhause|4\nInbox|4\nSent\nEigene\n"));
  g_assert_true (pf_folder_tree_select_inbox (fixture->tree));
  g_assert_cmpint (pf_folder_item_get_kind (pf_folder_tree_get_selected (fixture->tree)), ==,
                   PF_FOLDER_ITEM_UNIFIED_INBOX);

  g_assert_true (pf_folder_tree_select_folder (fixture->tree, "pop", fixture->pop_own));
  selected = pf_folder_tree_get_selected (fixture->tree);
  g_assert_true (pf_folder_item_get_store (selected) == fixture->pop);
  g_assert_cmpint (pf_folder_item_get_folder_id (selected), ==, fixture->pop_own);
  g_assert_false (pf_folder_tree_select_folder (fixture->tree, "pop", 4242));
  g_assert_false (pf_folder_tree_select_folder (fixture->tree, "nobody", fixture->pop_own));

  /* Back to one */
  pf_folder_tree_model_remove_account (fixture->model, "pop");
  ui_settle ();
  g_clear_pointer (&one, g_free);
  one = tree_rows (fixture);
  g_assert_true (g_str_has_prefix (one, "Arbeit|5\n"));
}

static guint
n_pending (PfStore    *store,
           const char *kind)
{
  g_autoptr(GPtrArray) operations = pf_store_list_operations (store, NULL);
  guint n = 0;

  for (guint i = 0; i < operations->len; i++)
    {
      PfStoreOperation *operation = operations->pdata[i];

      if (g_str_equal (operation->kind, kind))
        n++;
    }
  return n;
}

/* Answers the open dialog, with @text in its entry if it has one. */
static void
answer_dialog (const char *response,
               const char *text)
{
  AdwMessageDialog *dialog;

  ui_wait (NULL, 50);
  dialog = ui_find_dialog ();
  g_assert_nonnull (dialog);
  if (text != NULL)
    {
      GtkWidget *entry = adw_message_dialog_get_extra_child (dialog);

      g_assert_true (GTK_IS_EDITABLE (entry));
      gtk_editable_set_text (GTK_EDITABLE (entry), text);
    }
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
  ui_wait (NULL, 50);
}

static guint
folder_unread (PfStore *store,
               gint64   folder_id)
{
  g_autoptr(PfStoreFolder) folder = pf_store_get_folder (store, folder_id, NULL);

  g_assert_nonnull (folder);
  return folder->unread_count;
}

static void
test_actions (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(PfStoreFolder) created = NULL;
  g_autoptr(PfStoreFolder) renamed = NULL;
  g_autoptr(PfStoreFolder) gone = NULL;
  g_autoptr(PfStoreFolder) trash = NULL;

  /* Mark all read: one queued flag operation */
  g_assert_true (pf_folder_tree_select_folder (fixture->tree, "imap", fixture->projects));
  g_assert_cmpuint (folder_unread (fixture->imap, fixture->projects), ==, 40);
  gtk_widget_activate_action (GTK_WIDGET (fixture->tree), "folder.mark-all-read", NULL);
  g_assert_cmpuint (folder_unread (fixture->imap, fixture->projects), ==, 0);
  g_assert_cmpuint (n_pending (fixture->imap, PF_OPERATION_FLAGS), ==, 1);

  /* New folder, below the selected one */
  gtk_widget_activate_action (GTK_WIDGET (fixture->tree), "folder.new", NULL);
  answer_dialog ("ok", "Neu");
  created = pf_store_lookup_folder (fixture->imap, "Projekte/Neu", NULL);
  g_assert_nonnull (created);
  /* The selection stays where it was */
  g_assert_cmpint (pf_folder_item_get_folder_id (pf_folder_tree_get_selected (fixture->tree)), ==,
                   fixture->projects);
  g_assert_cmpuint (n_pending (fixture->imap, PF_OPERATION_CREATE_FOLDER), ==, 1);

  /* Cancelled: nothing */
  gtk_widget_activate_action (GTK_WIDGET (fixture->tree), "folder.new", NULL);
  answer_dialog ("cancel", "Nicht");
  g_assert_null (pf_store_lookup_folder (fixture->imap, "Projekte/Nicht", NULL));

  /* Rename */
  ui_settle ();
  g_assert_true (pf_folder_tree_select_folder (fixture->tree, "imap", created->id));
  gtk_widget_activate_action (GTK_WIDGET (fixture->tree), "folder.rename", NULL);
  answer_dialog ("ok", "Umbenannt");
  renamed = pf_store_get_folder (fixture->imap, created->id, NULL);
  g_assert_cmpstr (renamed->name, ==, "Projekte/Umbenannt");
  g_assert_cmpuint (n_pending (fixture->imap, PF_OPERATION_RENAME_FOLDER), ==, 1);

  /* Delete, after the question */
  ui_settle ();
  g_assert_true (pf_folder_tree_select_folder (fixture->tree, "imap", created->id));
  gtk_widget_activate_action (GTK_WIDGET (fixture->tree), "folder.delete", NULL);
  answer_dialog ("cancel", NULL);
  g_assert_nonnull ((gone = pf_store_get_folder (fixture->imap, created->id, NULL)));
  g_clear_pointer (&gone, pf_store_folder_free);
  gtk_widget_activate_action (GTK_WIDGET (fixture->tree), "folder.delete", NULL);
  answer_dialog ("ok", NULL);
  g_assert_null ((gone = pf_store_get_folder (fixture->imap, created->id, NULL)));
  g_assert_cmpuint (n_pending (fixture->imap, PF_OPERATION_DELETE_FOLDER), ==, 1);

  /* The Inbox cannot be renamed or deleted: no dialog comes */
  ui_settle ();
  g_assert_true (pf_folder_tree_select_folder (fixture->tree, "imap", fixture->imap_inbox));
  gtk_widget_activate_action (GTK_WIDGET (fixture->tree), "folder.rename", NULL);
  gtk_widget_activate_action (GTK_WIDGET (fixture->tree), "folder.delete", NULL);
  gtk_widget_activate_action (GTK_WIDGET (fixture->tree), "folder.empty", NULL);
  ui_wait (NULL, 50);
  g_assert_null (ui_find_dialog ());

  /* Empty the Trash */
  g_assert_true (pf_folder_tree_select_folder (fixture->tree, "imap", fixture->imap_trash));
  gtk_widget_activate_action (GTK_WIDGET (fixture->tree), "folder.empty", NULL);
  answer_dialog ("ok", NULL);
  g_assert_cmpuint (n_pending (fixture->imap, PF_OPERATION_EMPTY_FOLDER), ==, 1);
  trash = pf_store_get_folder (fixture->imap, fixture->imap_trash, NULL);
  g_assert_cmpuint (trash->total_count, ==, 0);
}

static void
test_local_account (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(PfStoreFolder) renamed = NULL;

  pf_folder_tree_model_add_account (fixture->model, "pop", "Zuhause", fixture->pop);
  ui_settle ();

  /* A folder Postfach keeps for the account: not the user's to rename */
  g_assert_true (pf_folder_tree_select_folder (fixture->tree, "pop", fixture->pop_sent));
  gtk_widget_activate_action (GTK_WIDGET (fixture->tree), "folder.rename", NULL);
  gtk_widget_activate_action (GTK_WIDGET (fixture->tree), "folder.delete", NULL);
  ui_wait (NULL, 50);
  g_assert_null (ui_find_dialog ());

  /* The user's own: renamed at once, the change recorded as done */
  g_assert_true (pf_folder_tree_select_folder (fixture->tree, "pop", fixture->pop_own));
  gtk_widget_activate_action (GTK_WIDGET (fixture->tree), "folder.rename", NULL);
  answer_dialog ("ok", "Meine");
  renamed = pf_store_get_folder (fixture->pop, fixture->pop_own, NULL);
  g_assert_cmpstr (renamed->name, ==, "Meine");
  g_assert_cmpuint (n_pending (fixture->pop, PF_OPERATION_RENAME_FOLDER), ==, 1);

  /* All Inboxes: mark all read reaches both accounts' Inboxes */
  g_assert_true (pf_folder_tree_select_inbox (fixture->tree));
  gtk_widget_activate_action (GTK_WIDGET (fixture->tree), "folder.mark-all-read", NULL);
  g_assert_cmpuint (folder_unread (fixture->imap, fixture->imap_inbox), ==, 0);
  g_assert_cmpuint (folder_unread (fixture->pop, fixture->pop_inbox), ==, 0);
  g_assert_cmpuint (folder_unread (fixture->imap, fixture->projects), ==, 40);
}

static void
on_messages_dropped_cb (PfFolderTree *tree,
                        PfFolderItem *target,
                        GPtrArray    *summaries,
                        gboolean      copy,
                        Fixture      *fixture)
{
  fixture->drops++;
  g_set_object (&fixture->drop_target, target);
  fixture->drop_count = summaries->len;
  fixture->drop_copy = copy;
}

static PfFolderItem *
find_item (GListModel *level,
           PfStore    *store,
           gint64      folder_id)
{
  for (guint i = 0; i < g_list_model_get_n_items (level); i++)
    {
      g_autoptr(PfFolderItem) item = g_list_model_get_item (level, i);
      PfFolderItem *found;

      if (pf_folder_item_get_store (item) == store && pf_folder_item_get_folder_id (item) == folder_id &&
          pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_FOLDER)
        return item;
      found = find_item (pf_folder_item_get_children (item), store, folder_id);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_drop (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(PfMessageListModel) inbox = pf_message_list_model_new_for_folder (fixture->imap,
                                                                              fixture->imap_inbox);
  g_autoptr(GPtrArray) summaries = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(GValue) value = G_VALUE_INIT;
  PfFolderItem *projects = find_item (G_LIST_MODEL (fixture->model), fixture->imap,
                                      fixture->projects);
  PfFolderItem *own_inbox = find_item (G_LIST_MODEL (fixture->model), fixture->imap,
                                       fixture->imap_inbox);
  g_autoptr(PfFolderItem) account = g_list_model_get_item (G_LIST_MODEL (fixture->model), 1);
  PfFolderItem *pop_own;
  GtkDropTarget *target = NULL;

  g_signal_connect (fixture->tree, "messages-dropped", G_CALLBACK (on_messages_dropped_cb),
                    fixture);
  for (guint i = 0; i < 3; i++)
    g_ptr_array_add (summaries, g_list_model_get_item (G_LIST_MODEL (inbox), i));

  g_assert_true (_pf_folder_tree_drop (fixture->tree, projects, summaries, FALSE));
  g_assert_cmpuint (fixture->drops, ==, 1);
  g_assert_true (fixture->drop_target == projects);
  g_assert_cmpuint (fixture->drop_count, ==, 3);
  g_assert_false (fixture->drop_copy);

  g_assert_true (_pf_folder_tree_drop (fixture->tree, projects, summaries, TRUE));
  g_assert_true (fixture->drop_copy);

  /* Not on their own folder, an account row, or another account */
  g_assert_false (_pf_folder_tree_drop (fixture->tree, own_inbox, summaries, FALSE));
  g_assert_false (_pf_folder_tree_drop (fixture->tree, account, summaries, FALSE));
  pf_folder_tree_model_add_account (fixture->model, "pop", "Zuhause", fixture->pop);
  pop_own = find_item (G_LIST_MODEL (fixture->model), fixture->pop, fixture->pop_own);
  g_assert_false (_pf_folder_tree_drop (fixture->tree, pop_own, summaries, FALSE));
  g_assert_cmpuint (fixture->drops, ==, 2);

  /* Through a row's drop target, as a drag ends on it */
  ui_settle ();
  {
    g_autoptr(GPtrArray) expanders = g_ptr_array_new ();

    ui_collect_descendants (GTK_WIDGET (fixture->tree), GTK_TYPE_TREE_EXPANDER, expanders);
    for (guint i = 0; i < expanders->len && target == NULL; i++)
      {
        GtkTreeListRow *row = gtk_tree_expander_get_list_row (expanders->pdata[i]);
        g_autoptr(PfFolderItem) item = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;

        if (item == projects)
          {
            g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (expanders->pdata[i]);

            for (guint j = 0; j < g_list_model_get_n_items (controllers); j++)
              {
                g_autoptr(GObject) controller = g_list_model_get_item (controllers, j);

                if (GTK_IS_DROP_TARGET (controller))
                  target = GTK_DROP_TARGET (controller);
              }
          }
      }
  }
  g_assert_nonnull (target);
  g_value_init (&value, PF_TYPE_MESSAGE_DRAG);
  g_value_set_boxed (&value, summaries);
  {
    gboolean accepted = FALSE;

    g_signal_emit_by_name (target, "drop", &value, 5.0, 5.0, &accepted);
    g_assert_true (accepted);
  }
  g_assert_cmpuint (fixture->drops, ==, 3);
  g_assert_true (fixture->drop_target == projects);
  g_assert_false (fixture->drop_copy);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/ui/folder-tree/rows-and-inboxes", test_rows_and_inboxes);
  ADD ("/ui/folder-tree/actions", test_actions);
  ADD ("/ui/folder-tree/local-account", test_local_account);
  ADD ("/ui/folder-tree/drop", test_drop);
#undef ADD

  return g_test_run ();
}
