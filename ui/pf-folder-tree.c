/* pf-folder-tree.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-folder-tree"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "store/pf-message-summary.h"
#include "sync/pf-operations.h"

#include "pf-folder-tree-private.h"
#include "pf-message-list.h"

/*
 * The accounts and their folders: a GtkListView over a GtkTreeListModel
 * of the core's PfFolderTreeModel (accounts at the top, folders beneath,
 * expanded). Special folders show a symbolic icon and their name in the
 * user's language; unread counts follow the store. "All Inboxes" shows
 * only with more than one account.
 *
 * The folder.* actions act on the selected row through the core's
 * operation queue; messages dropped on a folder are handed to the window
 * with ::messages-dropped.
 */

struct _PfFolderTree
{
  GtkWidget           parent_instance;

  /* Owned */
  PfFolderTreeModel  *model;
  GtkFilterListModel *roots;
  GtkSingleSelection *selection;
  GtkWidget          *context_popover;

  /* Template children */
  GtkStack           *stack;
  GtkListView        *list_view;
  GMenuModel         *context_menu;
};

G_DEFINE_FINAL_TYPE (PfFolderTree, pf_folder_tree, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SELECTED,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

enum {
  MESSAGES_DROPPED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void     update_actions    (PfFolderTree    *self);
static void     on_row_pressed_cb (GtkGestureClick *gesture,
                                   int              n_press,
                                   double           x,
                                   double           y,
                                   GtkListItem     *list_item);
static gboolean on_drop_cb        (GtkDropTarget   *target,
                                   const GValue    *value,
                                   double           x,
                                   double           y,
                                   GtkListItem     *list_item);

/* Rows */

static const char *
special_icon (PfStoreSpecialUse use)
{
  switch (use)
    {
    case PF_STORE_SPECIAL_USE_INBOX: return "mail-unread-symbolic";
    case PF_STORE_SPECIAL_USE_SENT: return "mail-send-symbolic";
    case PF_STORE_SPECIAL_USE_DRAFTS: return "document-edit-symbolic";
    case PF_STORE_SPECIAL_USE_TRASH: return "user-trash-symbolic";
    case PF_STORE_SPECIAL_USE_JUNK: return "dialog-warning-symbolic";
    case PF_STORE_SPECIAL_USE_FLAGGED: return "starred-symbolic";
    case PF_STORE_SPECIAL_USE_ARCHIVE:
    case PF_STORE_SPECIAL_USE_ALL:
    case PF_STORE_SPECIAL_USE_NONE:
    default: return "folder-symbolic";
    }
}

/* The name to show: special folders in the user's language. */
static const char *
item_label (PfFolderItem *item)
{
  if (pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_UNIFIED_INBOX)
    return _("All Inboxes");
  if (pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_FOLDER)
    {
      switch (pf_folder_item_get_special_use (item))
        {
        case PF_STORE_SPECIAL_USE_INBOX: return _("Inbox");
        case PF_STORE_SPECIAL_USE_SENT: return _("Sent");
        case PF_STORE_SPECIAL_USE_DRAFTS: return _("Drafts");
        case PF_STORE_SPECIAL_USE_TRASH: return _("Trash");
        case PF_STORE_SPECIAL_USE_JUNK: return _("Junk");
        case PF_STORE_SPECIAL_USE_ARCHIVE: return _("Archive");
        case PF_STORE_SPECIAL_USE_FLAGGED:
        case PF_STORE_SPECIAL_USE_ALL:
        case PF_STORE_SPECIAL_USE_NONE:
        default: break;
        }
    }
  return pf_folder_item_get_display_name (item);
}

static void
update_row (GtkListItem *list_item)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  PfFolderItem *item = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;
  GtkWidget *expander = gtk_list_item_get_child (list_item);
  GtkWidget *box = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander));
  GtkWidget *icon = gtk_widget_get_first_child (box);
  GtkWidget *name = gtk_widget_get_next_sibling (icon);
  GtkWidget *count = gtk_widget_get_next_sibling (name);
  guint unread;
  g_autofree char *unread_text = NULL;

  if (item == NULL)
    return;
  unread = pf_folder_item_get_unread_count (item);
  unread_text = g_strdup_printf ("%u", unread);
  gtk_image_set_from_icon_name (GTK_IMAGE (icon),
                                pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_ACCOUNT
                                ? "avatar-default-symbolic"
                                : pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_UNIFIED_INBOX
                                ? "mail-unread-symbolic"
                                : special_icon (pf_folder_item_get_special_use (item)));
  gtk_label_set_label (GTK_LABEL (name), item_label (item));
  gtk_label_set_label (GTK_LABEL (count), unread_text);
  gtk_widget_set_visible (count, unread > 0);
  if (pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_ACCOUNT)
    gtk_widget_add_css_class (name, "heading");
  else
    gtk_widget_remove_css_class (name, "heading");
  g_object_unref (item);
}

static void
on_item_changed_cb (GObject     *item,
                    GParamSpec  *pspec,
                    GtkListItem *list_item)
{
  update_row (list_item);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *count = gtk_label_new (NULL);
  GtkGesture *click = gtk_gesture_click_new ();
  GtkDropTarget *drop = gtk_drop_target_new (PF_TYPE_MESSAGE_DRAG,
                                             GDK_ACTION_MOVE | GDK_ACTION_COPY);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_widget_add_css_class (count, "dim-label");
  gtk_widget_add_css_class (count, "numeric");
  gtk_box_append (GTK_BOX (box), gtk_image_new ());
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), count);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  gtk_list_item_set_child (list_item, expander);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_row_pressed_cb), list_item);
  gtk_widget_add_controller (expander, GTK_EVENT_CONTROLLER (click));

  g_signal_connect (drop, "drop", G_CALLBACK (on_drop_cb), list_item);
  gtk_widget_add_controller (expander, GTK_EVENT_CONTROLLER (drop));
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  g_autoptr(PfFolderItem) item = gtk_tree_list_row_get_item (row);
  GtkWidget *expander = gtk_list_item_get_child (list_item);

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (expander), row);
  update_row (list_item);
  g_signal_connect_object (item, "notify", G_CALLBACK (on_item_changed_cb), list_item, 0);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  g_autoptr(PfFolderItem) item = row != NULL ? gtk_tree_list_row_get_item (row) : NULL;

  if (item != NULL)
    g_signal_handlers_disconnect_by_func (item, on_item_changed_cb, list_item);
  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (gtk_list_item_get_child (list_item)), NULL);
}

/* The model */

static GListModel *
create_children_cb (gpointer item,
                    gpointer user_data)
{
  GListModel *children = pf_folder_item_get_children (item);

  /* Folders without subfolders have no expander. An account always has
   * one: a new account gets its folders only with its first sync, and a
   * row asks for its children only once. */
  if (children == NULL ||
      (g_list_model_get_n_items (children) == 0 &&
       pf_folder_item_get_kind (item) != PF_FOLDER_ITEM_ACCOUNT))
    return NULL;
  return g_object_ref (children);
}

static void
update_page (PfFolderTree *self)
{
  gboolean empty = self->roots == NULL ||
                   g_list_model_get_n_items (G_LIST_MODEL (self->roots)) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "no-account" : "folders");
}

/* "All Inboxes" only when there is more than one account. */
static gboolean
filter_root_cb (gpointer item,
                gpointer user_data)
{
  PfFolderTree *self = user_data;

  if (pf_folder_item_get_kind (item) != PF_FOLDER_ITEM_UNIFIED_INBOX)
    return TRUE;
  return self->model != NULL && g_list_model_get_n_items (G_LIST_MODEL (self->model)) > 2;
}

static void
on_items_changed_cb (GListModel   *model,
                     guint         position,
                     guint         removed,
                     guint         added,
                     PfFolderTree *self)
{
  GtkFilter *filter = self->roots != NULL ? gtk_filter_list_model_get_filter (self->roots) : NULL;

  if (filter != NULL)
    gtk_filter_changed (filter, GTK_FILTER_CHANGE_DIFFERENT);
  update_page (self);
}

static void
on_selected_cb (GtkSingleSelection *selection,
                GParamSpec         *pspec,
                PfFolderTree       *self)
{
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

/**
 * pf_folder_tree_set_model:
 * @self: a #PfFolderTree
 * @model: (nullable): the folders of every account
 */
void
pf_folder_tree_set_model (PfFolderTree      *self,
                          PfFolderTreeModel *model)
{
  GtkTreeListModel *tree;

  g_return_if_fail (PF_IS_FOLDER_TREE (self));

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_items_changed_cb, self);
  g_set_object (&self->model, model);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);

  g_clear_object (&self->roots);

  if (model != NULL)
    {
      GtkCustomFilter *filter = gtk_custom_filter_new (filter_root_cb, self, NULL);

      self->roots = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (model)),
                                               GTK_FILTER (filter));
      tree = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (self->roots)), FALSE, TRUE,
                                      create_children_cb, NULL, NULL);
      self->selection = gtk_single_selection_new (G_LIST_MODEL (tree));
      gtk_single_selection_set_autoselect (self->selection, FALSE);
      gtk_single_selection_set_can_unselect (self->selection, TRUE);
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (on_selected_cb),
                        self);
      g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed_cb), self);
    }
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  update_page (self);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

/**
 * pf_folder_tree_get_selected:
 * @self: a #PfFolderTree
 *
 * Returns: (transfer none) (nullable): the selected account or folder
 */
PfFolderItem *
pf_folder_tree_get_selected (PfFolderTree *self)
{
  GtkTreeListRow *row;
  PfFolderItem *item;

  g_return_val_if_fail (PF_IS_FOLDER_TREE (self), NULL);

  if (self->selection == NULL)
    return NULL;
  row = gtk_single_selection_get_selected_item (self->selection);
  if (row == NULL)
    return NULL;
  item = gtk_tree_list_row_get_item (row);
  /* The row keeps the item alive. */
  g_object_unref (item);
  return item;
}

/* Selecting */

static gboolean
select_matching (PfFolderTree *self,
                 gboolean    (*match) (PfFolderItem *item, gpointer data),
                 gpointer      data)
{
  GListModel *tree;

  if (self->selection == NULL)
    return FALSE;
  tree = gtk_single_selection_get_model (self->selection);
  /* Rows expand as they are visited, so subfolders come into view. */
  for (guint i = 0; i < g_list_model_get_n_items (tree); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (tree, i);
      g_autoptr(PfFolderItem) item = gtk_tree_list_row_get_item (row);

      if (match (item, data))
        {
          gtk_single_selection_set_selected (self->selection, i);
          gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", i);
          return TRUE;
        }
      if (gtk_tree_list_row_is_expandable (row))
        gtk_tree_list_row_set_expanded (row, TRUE);
    }
  return FALSE;
}

typedef struct
{
  const char *account_id;
  gint64      folder_id;
} FolderMatch;

static gboolean
match_folder (PfFolderItem *item,
              gpointer      data)
{
  FolderMatch *wanted = data;

  return pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_FOLDER &&
         pf_folder_item_get_folder_id (item) == wanted->folder_id &&
         g_strcmp0 (pf_folder_item_get_account_id (item), wanted->account_id) == 0;
}

static gboolean
match_inbox (PfFolderItem *item,
             gpointer      data)
{
  return pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_UNIFIED_INBOX ||
         (pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_FOLDER &&
          pf_folder_item_get_special_use (item) == PF_STORE_SPECIAL_USE_INBOX);
}

/**
 * pf_folder_tree_select_folder:
 * @self: a #PfFolderTree
 * @account_id: the account
 * @folder_id: a folder of its store
 *
 * Selects the folder and scrolls to it.
 *
 * Returns: %TRUE if the tree has the folder
 */
gboolean
pf_folder_tree_select_folder (PfFolderTree *self,
                              const char   *account_id,
                              gint64        folder_id)
{
  FolderMatch wanted = { account_id, folder_id };

  g_return_val_if_fail (PF_IS_FOLDER_TREE (self), FALSE);
  g_return_val_if_fail (account_id != NULL, FALSE);

  return select_matching (self, match_folder, &wanted);
}

/**
 * pf_folder_tree_select_inbox:
 * @self: a #PfFolderTree
 *
 * Selects "All Inboxes" when there are several accounts, else the
 * account's Inbox.
 *
 * Returns: %TRUE if there was an inbox to select
 */
gboolean
pf_folder_tree_select_inbox (PfFolderTree *self)
{
  g_return_val_if_fail (PF_IS_FOLDER_TREE (self), FALSE);

  return select_matching (self, match_inbox, NULL);
}

static gboolean
match_account_inbox (PfFolderItem *item,
                     gpointer      data)
{
  return pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_FOLDER &&
         pf_folder_item_get_special_use (item) == PF_STORE_SPECIAL_USE_INBOX &&
         g_strcmp0 (pf_folder_item_get_account_id (item), data) == 0;
}

/**
 * pf_folder_tree_select_account_inbox:
 * @self: a #PfFolderTree
 * @account_id: an account
 *
 * Selects the account's Inbox.
 *
 * Returns: %TRUE if the tree has it (a new account's Inbox appears only
 *   after its first sync listed the folders)
 */
gboolean
pf_folder_tree_select_account_inbox (PfFolderTree *self,
                                     const char   *account_id)
{
  g_return_val_if_fail (PF_IS_FOLDER_TREE (self), FALSE);
  g_return_val_if_fail (account_id != NULL, FALSE);

  return select_matching (self, match_account_inbox, (gpointer) account_id);
}

/**
 * pf_folder_tree_get_context_menu:
 * @self: a #PfFolderTree
 *
 * Returns: (transfer none): the menu of a folder row (folder.* actions)
 */
GMenuModel *
pf_folder_tree_get_context_menu (PfFolderTree *self)
{
  g_return_val_if_fail (PF_IS_FOLDER_TREE (self), NULL);
  return self->context_menu;
}

/* Folder actions */

static gboolean
is_local (PfFolderItem *item)
{
  g_autoptr(PfStoreFolder) folder = NULL;

  folder = pf_store_get_folder (pf_folder_item_get_store (item),
                                pf_folder_item_get_folder_id (item), NULL);
  return folder != NULL && folder->local_only;
}

static void
update_actions (PfFolderTree *self)
{
  PfFolderItem *item = pf_folder_tree_get_selected (self);
  PfFolderItemKind kind = item != NULL ? pf_folder_item_get_kind (item) : PF_FOLDER_ITEM_ACCOUNT;
  PfStoreSpecialUse use = item != NULL ? pf_folder_item_get_special_use (item)
                                       : PF_STORE_SPECIAL_USE_NONE;
  gboolean folder = item != NULL && kind == PF_FOLDER_ITEM_FOLDER;
  gboolean own;

  /* Folders of a local (POP3) account that Postfach made for itself are
   * not the user's to rename; on a server only the Inbox is fixed. */
  own = folder && use != PF_STORE_SPECIAL_USE_INBOX &&
        (use == PF_STORE_SPECIAL_USE_NONE || !is_local (item));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "folder.mark-all-read",
                                 item != NULL && kind != PF_FOLDER_ITEM_ACCOUNT &&
                                 pf_folder_item_get_unread_count (item) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "folder.new",
                                 item != NULL && kind != PF_FOLDER_ITEM_UNIFIED_INBOX);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "folder.rename", own);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "folder.delete", own);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "folder.account-settings",
                                 item != NULL && pf_folder_item_get_account_id (item) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "folder.empty",
                                 folder && (use == PF_STORE_SPECIAL_USE_TRASH ||
                                            use == PF_STORE_SPECIAL_USE_JUNK) &&
                                 pf_folder_item_get_total_count (item) > 0);
}

static GtkWindow *
parent_window (PfFolderTree *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
show_error (PfFolderTree *self,
            const char   *heading,
            const GError *error)
{
  GtkWidget *dialog = adw_message_dialog_new (parent_window (self), heading, error->message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Marks every unread message of a folder read, as one operation. */
static gboolean
mark_folder_read (PfStore  *store,
                  gint64    folder_id,
                  GError  **error)
{
  g_autoptr(GArray) map = pf_store_get_uid_map (store, folder_id, error);
  g_autoptr(GArray) uids = NULL;

  if (map == NULL)
    return FALSE;
  uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < map->len; i++)
    {
      const PfStoreUidEntry *entry = &g_array_index (map, PfStoreUidEntry, i);

      if ((entry->flags & (PF_STORE_FLAG_SEEN | PF_STORE_FLAG_DELETED)) == 0)
        g_array_append_val (uids, entry->uid);
    }
  if (uids->len == 0)
    return TRUE;
  return pf_operations_set_flags (store, folder_id, (const guint32 *) (gpointer) uids->data,
                                  uids->len, PF_STORE_FLAG_SEEN, PF_STORE_FLAG_NONE, error) != 0;
}

static void
folder_mark_all_read (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  PfFolderTree *self = PF_FOLDER_TREE (widget);
  PfFolderItem *item = pf_folder_tree_get_selected (self);
  g_autoptr(GError) error = NULL;

  if (item == NULL)
    return;

  if (pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_UNIFIED_INBOX)
    {
      /* Every account's Inbox */
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->model)) && !error; i++)
        {
          g_autoptr(PfFolderItem) account = g_list_model_get_item (G_LIST_MODEL (self->model), i);
          GListModel *children = pf_folder_item_get_children (account);

          if (pf_folder_item_get_kind (account) != PF_FOLDER_ITEM_ACCOUNT)
            continue;
          for (guint j = 0; j < g_list_model_get_n_items (children) && !error; j++)
            {
              g_autoptr(PfFolderItem) folder = g_list_model_get_item (children, j);

              if (pf_folder_item_get_special_use (folder) == PF_STORE_SPECIAL_USE_INBOX)
                mark_folder_read (pf_folder_item_get_store (folder),
                                  pf_folder_item_get_folder_id (folder), &error);
            }
        }
    }
  else if (pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_FOLDER)
    mark_folder_read (pf_folder_item_get_store (item), pf_folder_item_get_folder_id (item),
                      &error);

  if (error != NULL)
    show_error (self, _("Cannot Mark the Messages as Read"), error);
  update_actions (self);
}

/* The hierarchy delimiter of @folder; a folder made here before the
 * server listed it has none yet, and takes the Inbox's. */
static gunichar
delimiter_of (PfStore             *store,
              const PfStoreFolder *folder)
{
  g_autoptr(PfStoreFolder) inbox = NULL;

  if (folder->delimiter != 0)
    return folder->delimiter;
  inbox = pf_store_lookup_folder_by_special_use (store, PF_STORE_SPECIAL_USE_INBOX, NULL);
  return inbox != NULL ? inbox->delimiter : 0;
}

/* The full name of a folder called @leaf beside (or below) @item's. In a
 * flat namespace (local folders) every folder is at the top. */
static char *
full_name_for (PfFolderItem *item,
               const char   *leaf,
               gboolean      below)
{
  PfStore *store = pf_folder_item_get_store (item);
  g_autoptr(PfStoreFolder) folder = NULL;
  g_autofree char *parent = NULL;
  const char *last;
  char delimiter[8] = { 0 };
  gunichar delim;

  if (pf_folder_item_get_kind (item) != PF_FOLDER_ITEM_FOLDER)
    return g_strdup (leaf);
  folder = pf_store_get_folder (store, pf_folder_item_get_folder_id (item), NULL);
  if (folder == NULL)
    return g_strdup (leaf);
  delim = delimiter_of (store, folder);
  if (delim == 0)
    return g_strdup (leaf);
  g_unichar_to_utf8 (delim, delimiter);
  if (below)
    return g_strconcat (folder->name, delimiter, leaf, NULL);
  last = g_utf8_strrchr (folder->name, -1, delim);
  if (last == NULL)
    return g_strdup (leaf);
  parent = g_strndup (folder->name, last - folder->name);
  return g_strconcat (parent, delimiter, leaf, NULL);
}

typedef enum
{
  FOLDER_NEW,
  FOLDER_RENAME,
  FOLDER_DELETE,
  FOLDER_EMPTY,
} FolderVerb;

typedef struct
{
  PfFolderTree *self;
  PfFolderItem *item;
  GtkEditable  *entry;   /* borrowed: the dialog's */
  FolderVerb    verb;
} DialogData;

static void
dialog_data_free (gpointer  user_data,
                  GClosure *closure)
{
  DialogData *data = user_data;

  g_clear_object (&data->self);
  g_clear_object (&data->item);
  g_free (data);
}

static void
on_dialog_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       DialogData       *data)
{
  PfStore *store = pf_folder_item_get_store (data->item);
  gint64 folder_id = pf_folder_item_get_folder_id (data->item);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  const char *heading = NULL;

  if (g_strcmp0 (response, "cancel") == 0 || g_strcmp0 (response, "close") == 0)
    return;

  if (data->entry != NULL)
    {
      name = g_strstrip (g_strdup (gtk_editable_get_text (data->entry)));
      if (*name == '\0')
        return;
    }

  switch (data->verb)
    {
    case FOLDER_NEW:
      {
        g_autofree char *full = full_name_for (data->item, name, TRUE);

        if (pf_operations_create_folder (store, full, &error) == 0)
          heading = _("Cannot Create the Folder");
      }
      break;
    case FOLDER_RENAME:
      {
        g_autofree char *full = full_name_for (data->item, name, FALSE);

        if (pf_operations_rename_folder (store, folder_id, full, &error) == 0)
          heading = _("Cannot Rename the Folder");
      }
      break;
    case FOLDER_DELETE:
      if (pf_operations_delete_folder (store, folder_id, &error) == 0)
        heading = _("Cannot Delete the Folder");
      break;
    case FOLDER_EMPTY:
      if (pf_operations_empty_folder (store, folder_id, &error) == 0)
        heading = _("Cannot Empty the Folder");
      break;
    default:
      g_assert_not_reached ();
    }

  if (heading != NULL)
    show_error (data->self, heading, error);
  update_actions (data->self);
}

static void
on_entry_changed_cb (GtkEditable      *entry,
                     AdwMessageDialog *dialog)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "ok", *name != '\0');
}

static void
on_entry_activate_cb (GtkEntry         *entry,
                      AdwMessageDialog *dialog)
{
  if (adw_message_dialog_get_response_enabled (dialog, "ok"))
    {
      adw_message_dialog_response (dialog, "ok");
      gtk_window_close (GTK_WINDOW (dialog));
    }
}

static void
open_dialog (PfFolderTree *self,
             FolderVerb    verb)
{
  PfFolderItem *item = pf_folder_tree_get_selected (self);
  DialogData *data;
  AdwMessageDialog *dialog;
  const char *folder_name;
  g_autofree char *body = NULL;

  if (item == NULL)
    return;
  folder_name = item_label (item);

  data = g_new0 (DialogData, 1);
  data->self = g_object_ref (self);
  data->item = g_object_ref (item);
  data->verb = verb;

  switch (verb)
    {
    case FOLDER_NEW:
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self), _("New Folder"),
                                                           NULL));
      if (pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_FOLDER)
        /* Translators: %s is the name of the folder the new one goes into */
        adw_message_dialog_format_body (dialog, _("The new folder goes into “%s”."),
                                        folder_name);
      adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "ok", _("C_reate"), NULL);
      adw_message_dialog_set_response_appearance (dialog, "ok", ADW_RESPONSE_SUGGESTED);
      break;
    case FOLDER_RENAME:
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self),
                                                           _("Rename Folder"), NULL));
      adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "ok", _("_Rename"), NULL);
      adw_message_dialog_set_response_appearance (dialog, "ok", ADW_RESPONSE_SUGGESTED);
      break;
    case FOLDER_DELETE:
      /* Translators: %s is a folder name */
      body = g_strdup_printf (_("“%s” and all messages in it will be deleted, here and on the "
                                "server. This cannot be undone."), folder_name);
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self),
                                                           _("Delete Folder?"), body));
      adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "ok", _("_Delete"), NULL);
      adw_message_dialog_set_response_appearance (dialog, "ok", ADW_RESPONSE_DESTRUCTIVE);
      break;
    case FOLDER_EMPTY:
    default:
      /* Translators: %s is a folder name, Trash or Junk */
      body = g_strdup_printf (_("All messages in “%s” will be deleted for good."), folder_name);
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent_window (self),
                                                           _("Empty Folder?"), body));
      adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "ok", _("_Empty"), NULL);
      adw_message_dialog_set_response_appearance (dialog, "ok", ADW_RESPONSE_DESTRUCTIVE);
      break;
    }

  adw_message_dialog_set_default_response (dialog, verb == FOLDER_NEW || verb == FOLDER_RENAME
                                                   ? "ok" : "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");

  if (verb == FOLDER_NEW || verb == FOLDER_RENAME)
    {
      GtkWidget *entry = gtk_entry_new ();

      gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Folder name"), -1);
      if (verb == FOLDER_RENAME)
        gtk_editable_set_text (GTK_EDITABLE (entry), pf_folder_item_get_display_name (item));
      g_signal_connect (entry, "changed", G_CALLBACK (on_entry_changed_cb), dialog);
      g_signal_connect (entry, "activate", G_CALLBACK (on_entry_activate_cb), dialog);
      adw_message_dialog_set_extra_child (dialog, entry);
      data->entry = GTK_EDITABLE (entry);
      on_entry_changed_cb (GTK_EDITABLE (entry), dialog);
    }

  g_signal_connect_data (dialog, "response", G_CALLBACK (on_dialog_response_cb), data,
                         dialog_data_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
folder_new (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  open_dialog (PF_FOLDER_TREE (widget), FOLDER_NEW);
}

static void
folder_rename (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  open_dialog (PF_FOLDER_TREE (widget), FOLDER_RENAME);
}

static void
folder_delete (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  open_dialog (PF_FOLDER_TREE (widget), FOLDER_DELETE);
}

static void
folder_empty (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  open_dialog (PF_FOLDER_TREE (widget), FOLDER_EMPTY);
}

/* The selected row's account: the application opens its settings. */
static void
folder_account_settings (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  PfFolderItem *item = pf_folder_tree_get_selected (PF_FOLDER_TREE (widget));

  if (item != NULL && pf_folder_item_get_account_id (item) != NULL)
    gtk_widget_activate_action (widget, "app.account-settings", "s",
                                pf_folder_item_get_account_id (item));
}

/* Context menu */

static void
popup_menu_at (PfFolderTree *self,
               double        x,
               double        y)
{
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };

  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_popover), &rect);
  gtk_popover_popup (GTK_POPOVER (self->context_popover));
}

static void
on_row_pressed_cb (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   GtkListItem     *list_item)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  GtkWidget *tree = gtk_widget_get_ancestor (row, PF_TYPE_FOLDER_TREE);
  graphene_point_t point = GRAPHENE_POINT_INIT ((float) x, (float) y);
  graphene_point_t at;
  PfFolderTree *self;

  if (tree == NULL || gtk_list_item_get_item (list_item) == NULL)
    return;
  self = PF_FOLDER_TREE (tree);
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  gtk_single_selection_set_selected (self->selection, gtk_list_item_get_position (list_item));
  if (!gtk_widget_compute_point (row, tree, &point, &at))
    at = point;
  popup_menu_at (self, at.x, at.y);
}

static gboolean
popup_menu_binding_cb (GtkWidget *widget,
                       GVariant  *args,
                       gpointer   user_data)
{
  PfFolderTree *self = PF_FOLDER_TREE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  graphene_rect_t bounds;

  if (pf_folder_tree_get_selected (self) == NULL)
    return FALSE;
  if (focus != NULL && gtk_widget_is_ancestor (focus, widget) &&
      gtk_widget_compute_bounds (focus, widget, &bounds))
    popup_menu_at (self, bounds.origin.x + bounds.size.width / 2,
                   bounds.origin.y + bounds.size.height / 2);
  else
    popup_menu_at (self, gtk_widget_get_width (widget) / 2.0, 0);
  return TRUE;
}

/* Dropping messages */

gboolean
_pf_folder_tree_drop (PfFolderTree *self,
                      PfFolderItem *target,
                      GPtrArray    *summaries,
                      gboolean      copy)
{
  gboolean elsewhere = FALSE;

  g_return_val_if_fail (PF_IS_FOLDER_TREE (self), FALSE);

  if (target == NULL || summaries == NULL || summaries->len == 0 ||
      pf_folder_item_get_kind (target) != PF_FOLDER_ITEM_FOLDER)
    return FALSE;

  for (guint i = 0; i < summaries->len; i++)
    {
      PfMessageSummary *summary = summaries->pdata[i];

      /* Messages move within their account only. */
      if (pf_message_summary_get_store (summary) != (gpointer) pf_folder_item_get_store (target))
        return FALSE;
      if (pf_message_summary_get_folder_id (summary) != pf_folder_item_get_folder_id (target))
        elsewhere = TRUE;
    }
  if (!elsewhere)
    return FALSE;

  g_signal_emit (self, signals[MESSAGES_DROPPED], 0, target, summaries, copy);
  return TRUE;
}

static gboolean
on_drop_cb (GtkDropTarget *target,
            const GValue  *value,
            double         x,
            double         y,
            GtkListItem   *list_item)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  GtkWidget *tree = gtk_widget_get_ancestor (row, PF_TYPE_FOLDER_TREE);
  GtkTreeListRow *tree_row = gtk_list_item_get_item (list_item);
  g_autoptr(PfFolderItem) item = NULL;
  GdkDrop *drop = gtk_drop_target_get_current_drop (target);
  gboolean copy = FALSE;

  if (tree == NULL || tree_row == NULL || !G_VALUE_HOLDS (value, PF_TYPE_MESSAGE_DRAG))
    return FALSE;
  item = gtk_tree_list_row_get_item (tree_row);

  if (drop != NULL)
    {
      GdkDevice *device = gdk_drop_get_device (drop);

      /* Ctrl held: copy */
      copy = (device != NULL &&
              (gdk_device_get_modifier_state (device) & GDK_CONTROL_MASK) != 0) ||
             (gdk_drop_get_actions (drop) & GDK_ACTION_MOVE) == 0;
    }
  return _pf_folder_tree_drop (PF_FOLDER_TREE (tree), item, g_value_get_boxed (value), copy);
}

/* GObject */

static void
pf_folder_tree_dispose (GObject *object)
{
  PfFolderTree *self = PF_FOLDER_TREE (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_items_changed_cb, self);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->roots);
  g_clear_object (&self->model);
  g_clear_pointer (&self->context_popover, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (object), PF_TYPE_FOLDER_TREE);

  G_OBJECT_CLASS (pf_folder_tree_parent_class)->dispose (object);
}

static void
pf_folder_tree_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  PfFolderTree *self = PF_FOLDER_TREE (object);

  switch (prop_id)
    {
    case PROP_SELECTED:
      g_value_set_object (value, pf_folder_tree_get_selected (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_folder_tree_class_init (PfFolderTreeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pf_folder_tree_dispose;
  object_class->get_property = pf_folder_tree_get_property;

  /**
   * PfFolderTree:selected:
   *
   * The selected account or folder.
   */
  properties[PROP_SELECTED] =
    g_param_spec_object ("selected", NULL, NULL, PF_TYPE_FOLDER_ITEM,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PfFolderTree::messages-dropped:
   * @self: the tree
   * @target: the folder they were dropped on
   * @summaries: (element-type PfMessageSummary): the messages, of the
   *   folder's account
   * @copy: %TRUE to copy them (Ctrl was held), %FALSE to move them
   */
  signals[MESSAGES_DROPPED] =
    g_signal_new ("messages-dropped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                  PF_TYPE_FOLDER_ITEM, G_TYPE_PTR_ARRAY, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/ui/pf-folder-tree.ui");
  gtk_widget_class_bind_template_child (widget_class, PfFolderTree, stack);
  gtk_widget_class_bind_template_child (widget_class, PfFolderTree, list_view);
  gtk_widget_class_bind_template_child (widget_class, PfFolderTree, context_menu);

  gtk_widget_class_install_action (widget_class, "folder.mark-all-read", NULL,
                                   folder_mark_all_read);
  gtk_widget_class_install_action (widget_class, "folder.new", NULL, folder_new);
  gtk_widget_class_install_action (widget_class, "folder.rename", NULL, folder_rename);
  gtk_widget_class_install_action (widget_class, "folder.delete", NULL, folder_delete);
  gtk_widget_class_install_action (widget_class, "folder.empty", NULL, folder_empty);
  gtk_widget_class_install_action (widget_class, "folder.account-settings", NULL,
                                   folder_account_settings);

  gtk_widget_class_add_binding (widget_class, GDK_KEY_Menu, 0, popup_menu_binding_cb, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK,
                                popup_menu_binding_cb, NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_folder_tree_init (PfFolderTree *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);

  self->context_popover = gtk_popover_menu_new_from_model (self->context_menu);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_popover), FALSE);
  gtk_widget_set_halign (self->context_popover, GTK_ALIGN_START);
  gtk_widget_set_parent (self->context_popover, GTK_WIDGET (self));

  update_page (self);
  update_actions (self);
}
