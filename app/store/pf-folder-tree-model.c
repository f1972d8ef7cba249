/* pf-folder-tree-model.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-store"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pf-folder-tree-model.h"

/**
 * SECTION:pf-folder-tree-model
 *
 * The folder pane's data for all accounts: a #GListModel of
 * #PfFolderItem roots — "All Inboxes" first, then one item per account —
 * whose children (pf_folder_item_get_children()) are the account's
 * folders, nested as on the server. Feed it to a GtkTreeListModel.
 *
 * Folders are ordered as people expect: Inbox, Drafts, Sent, Archive,
 * Junk, Trash, then the others by name. The model follows its stores:
 * folders that appear, vanish, move or change their counts are reflected
 * with items-changed on the right list, and items keep their identity
 * (a selected folder stays selected).
 */

/* PfFolderItem */

struct _PfFolderItem
{
  GObject            parent_instance;

  PfFolderItemKind   kind;
  char              *account_id;
  PfStore           *store;
  gint64             folder_id;
  char              *name;
  char              *display_name;
  PfStoreSpecialUse  special_use;
  guint              unread_count;
  guint              total_count;
  GListStore        *children;
};

G_DEFINE_FINAL_TYPE (PfFolderItem, pf_folder_item, G_TYPE_OBJECT)

enum
{
  ITEM_PROP_0,
  ITEM_PROP_DISPLAY_NAME,
  ITEM_PROP_UNREAD_COUNT,
  ITEM_PROP_TOTAL_COUNT,
  ITEM_PROP_SPECIAL_USE,
  N_ITEM_PROPS
};

static GParamSpec *item_props[N_ITEM_PROPS];

static void
pf_folder_item_finalize (GObject *object)
{
  PfFolderItem *self = PF_FOLDER_ITEM (object);

  g_free (self->account_id);
  g_free (self->name);
  g_free (self->display_name);
  g_clear_object (&self->store);
  g_clear_object (&self->children);

  G_OBJECT_CLASS (pf_folder_item_parent_class)->finalize (object);
}

static void
pf_folder_item_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  PfFolderItem *self = PF_FOLDER_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    case ITEM_PROP_UNREAD_COUNT:
      g_value_set_uint (value, self->unread_count);
      break;
    case ITEM_PROP_TOTAL_COUNT:
      g_value_set_uint (value, self->total_count);
      break;
    case ITEM_PROP_SPECIAL_USE:
      g_value_set_int (value, self->special_use);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_folder_item_class_init (PfFolderItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_folder_item_finalize;
  object_class->get_property = pf_folder_item_get_property;

  item_props[ITEM_PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  item_props[ITEM_PROP_UNREAD_COUNT] =
    g_param_spec_uint ("unread-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  item_props[ITEM_PROP_TOTAL_COUNT] =
    g_param_spec_uint ("total-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  item_props[ITEM_PROP_SPECIAL_USE] =
    g_param_spec_int ("special-use", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_ITEM_PROPS, item_props);
}

static void
pf_folder_item_init (PfFolderItem *self)
{
  self->children = g_list_store_new (PF_TYPE_FOLDER_ITEM);
}

static PfFolderItem *
item_new (PfFolderItemKind  kind,
          const char       *account_id,
          PfStore          *store)
{
  PfFolderItem *self = g_object_new (PF_TYPE_FOLDER_ITEM, NULL);

  self->kind = kind;
  self->account_id = g_strdup (account_id);
  self->store = store != NULL ? g_object_ref (store) : NULL;
  return self;
}

static void
item_set_display_name (PfFolderItem *self,
                       const char   *display_name)
{
  if (g_strcmp0 (self->display_name, display_name) == 0)
    return;
  g_free (self->display_name);
  self->display_name = g_strdup (display_name);
  g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_DISPLAY_NAME]);
}

static void
item_set_counts (PfFolderItem *self,
                 guint         unread,
                 guint         total)
{
  if (self->unread_count != unread)
    {
      self->unread_count = unread;
      g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_UNREAD_COUNT]);
    }
  if (self->total_count != total)
    {
      self->total_count = total;
      g_object_notify_by_pspec (G_OBJECT (self), item_props[ITEM_PROP_TOTAL_COUNT]);
    }
}

/**
 * pf_folder_item_get_kind:
 * @self: a #PfFolderItem
 *
 * Returns: what the item stands for
 */
PfFolderItemKind
pf_folder_item_get_kind (PfFolderItem *self)
{
  g_return_val_if_fail (PF_IS_FOLDER_ITEM (self), PF_FOLDER_ITEM_FOLDER);
  return self->kind;
}

/**
 * pf_folder_item_get_account_id:
 * @self: a #PfFolderItem
 *
 * Returns: (nullable): the account, %NULL for "All Inboxes"
 */
const char *
pf_folder_item_get_account_id (PfFolderItem *self)
{
  g_return_val_if_fail (PF_IS_FOLDER_ITEM (self), NULL);
  return self->account_id;
}

/**
 * pf_folder_item_get_store:
 * @self: a #PfFolderItem
 *
 * Returns: (transfer none) (nullable): the account's store
 */
PfStore *
pf_folder_item_get_store (PfFolderItem *self)
{
  g_return_val_if_fail (PF_IS_FOLDER_ITEM (self), NULL);
  return self->store;
}

/**
 * pf_folder_item_get_folder_id:
 * @self: a #PfFolderItem
 *
 * Returns: the folder's id in its store, 0 for other kinds
 */
gint64
pf_folder_item_get_folder_id (PfFolderItem *self)
{
  g_return_val_if_fail (PF_IS_FOLDER_ITEM (self), 0);
  return self->folder_id;
}

/**
 * pf_folder_item_get_name:
 * @self: a #PfFolderItem
 *
 * Returns: (nullable): the folder's full name on the server
 */
const char *
pf_folder_item_get_name (PfFolderItem *self)
{
  g_return_val_if_fail (PF_IS_FOLDER_ITEM (self), NULL);
  return self->name;
}

/**
 * pf_folder_item_get_display_name:
 * @self: a #PfFolderItem
 *
 * Returns: what to show: the translated name of a special folder, the
 *   last level of another one, or the account's name
 */
const char *
pf_folder_item_get_display_name (PfFolderItem *self)
{
  g_return_val_if_fail (PF_IS_FOLDER_ITEM (self), NULL);
  return self->display_name;
}

/**
 * pf_folder_item_get_special_use:
 * @self: a #PfFolderItem
 *
 * Returns: the folder's role
 */
PfStoreSpecialUse
pf_folder_item_get_special_use (PfFolderItem *self)
{
  g_return_val_if_fail (PF_IS_FOLDER_ITEM (self), PF_STORE_SPECIAL_USE_NONE);
  return self->special_use;
}

/**
 * pf_folder_item_get_unread_count:
 * @self: a #PfFolderItem
 *
 * Returns: unread messages (for an account: in its Inbox)
 */
guint
pf_folder_item_get_unread_count (PfFolderItem *self)
{
  g_return_val_if_fail (PF_IS_FOLDER_ITEM (self), 0);
  return self->unread_count;
}

/**
 * pf_folder_item_get_total_count:
 * @self: a #PfFolderItem
 *
 * Returns: messages in all (for an account: in its Inbox)
 */
guint
pf_folder_item_get_total_count (PfFolderItem *self)
{
  g_return_val_if_fail (PF_IS_FOLDER_ITEM (self), 0);
  return self->total_count;
}

/**
 * pf_folder_item_get_children:
 * @self: a #PfFolderItem
 *
 * Returns: (transfer none): the items below, possibly empty; it follows
 *   the store
 */
GListModel *
pf_folder_item_get_children (PfFolderItem *self)
{
  g_return_val_if_fail (PF_IS_FOLDER_ITEM (self), NULL);
  return G_LIST_MODEL (self->children);
}

/* PfFolderTreeModel */

typedef struct
{
  PfFolderTreeModel *model;
  PfFolderItem      *item;     /* the account's root item */
  gulong             handlers[4];
} Account;

struct _PfFolderTreeModel
{
  GObject       parent_instance;

  GListStore   *roots;     /* All Inboxes, then the accounts */
  PfFolderItem *unified;
  GPtrArray    *accounts;  /* Account* */
};

static void pf_folder_tree_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PfFolderTreeModel, pf_folder_tree_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      pf_folder_tree_model_iface_init))

static void
account_free (Account *account)
{
  for (guint i = 0; i < G_N_ELEMENTS (account->handlers); i++)
    g_clear_signal_handler (&account->handlers[i], account->item->store);
  g_object_unref (account->item);
  g_free (account);
}

static const char *
special_display_name (PfStoreSpecialUse use)
{
  switch (use)
    {
    case PF_STORE_SPECIAL_USE_INBOX:
      return _("Inbox");
    case PF_STORE_SPECIAL_USE_SENT:
      return _("Sent");
    case PF_STORE_SPECIAL_USE_DRAFTS:
      return _("Drafts");
    case PF_STORE_SPECIAL_USE_TRASH:
      return _("Trash");
    case PF_STORE_SPECIAL_USE_JUNK:
      return _("Junk");
    case PF_STORE_SPECIAL_USE_ARCHIVE:
      return _("Archive");
    case PF_STORE_SPECIAL_USE_ALL:
      return _("All Mail");
    case PF_STORE_SPECIAL_USE_FLAGGED:
      return _("Flagged");
    case PF_STORE_SPECIAL_USE_NONE:
    default:
      return NULL;
    }
}

static int
special_rank (PfStoreSpecialUse use)
{
  switch (use)
    {
    case PF_STORE_SPECIAL_USE_INBOX: return 0;
    case PF_STORE_SPECIAL_USE_DRAFTS: return 1;
    case PF_STORE_SPECIAL_USE_SENT: return 2;
    case PF_STORE_SPECIAL_USE_ARCHIVE: return 3;
    case PF_STORE_SPECIAL_USE_ALL: return 4;
    case PF_STORE_SPECIAL_USE_FLAGGED: return 5;
    case PF_STORE_SPECIAL_USE_JUNK: return 6;
    case PF_STORE_SPECIAL_USE_TRASH: return 7;
    case PF_STORE_SPECIAL_USE_NONE:
    default: return 8;
    }
}

static int
folder_compare (gconstpointer a,
                gconstpointer b)
{
  const PfStoreFolder *x = *(PfStoreFolder * const *) a;
  const PfStoreFolder *y = *(PfStoreFolder * const *) b;
  int rank = special_rank (x->special_use) - special_rank (y->special_use);
  g_autofree char *kx = NULL;
  g_autofree char *ky = NULL;

  if (rank != 0)
    return rank;
  kx = g_utf8_collate_key (x->display_name != NULL ? x->display_name : x->name, -1);
  ky = g_utf8_collate_key (y->display_name != NULL ? y->display_name : y->name, -1);
  return strcmp (kx, ky);
}

static PfFolderItem *
find_child (GListStore *store,
            gint64      folder_id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PfFolderItem) item = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (item->folder_id == folder_id)
        return item;
    }
  return NULL;
}

/* Makes @store hold the folders of @folders whose parent is @parent_id,
 * in order, reusing the items that are there; recurses into children. */
static void
update_level (Account    *account,
              GListStore *store,
              GPtrArray  *folders,
              gint64      parent_id)
{
  g_autoptr(GPtrArray) wanted = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (store));
  guint prefix = 0;
  guint suffix = 0;

  for (guint i = 0; i < folders->len; i++)
    {
      PfStoreFolder *folder = g_ptr_array_index (folders, i);
      PfFolderItem *item;
      const char *special;

      if (folder->parent_id != parent_id)
        continue;

      item = find_child (store, folder->id);
      if (item == NULL)
        {
          item = item_new (PF_FOLDER_ITEM_FOLDER, account->item->account_id,
                           account->item->store);
          item->folder_id = folder->id;
        }
      else
        g_object_ref (item);

      g_free (item->name);
      item->name = g_strdup (folder->name);
      special = special_display_name (folder->special_use);
      item_set_display_name (item, special != NULL ? special :
                             (folder->display_name != NULL ? folder->display_name : folder->name));
      if (item->special_use != folder->special_use)
        {
          item->special_use = folder->special_use;
          g_object_notify_by_pspec (G_OBJECT (item), item_props[ITEM_PROP_SPECIAL_USE]);
        }
      item_set_counts (item, folder->unread_count, folder->total_count);
      update_level (account, item->children, folders, folder->id);
      g_ptr_array_add (wanted, item);
    }

  /* Only the rows that differ are replaced, so that the others (and a
   * selection on them) stay where they are. */
  while (prefix < n_old && prefix < wanted->len)
    {
      g_autoptr(PfFolderItem) old = g_list_model_get_item (G_LIST_MODEL (store), prefix);

      if (old != wanted->pdata[prefix])
        break;
      prefix++;
    }
  while (suffix < n_old - prefix && suffix < wanted->len - prefix)
    {
      g_autoptr(PfFolderItem) old = g_list_model_get_item (G_LIST_MODEL (store),
                                                           n_old - 1 - suffix);

      if (old != wanted->pdata[wanted->len - 1 - suffix])
        break;
      suffix++;
    }
  if (prefix + suffix != n_old || prefix + suffix != wanted->len)
    g_list_store_splice (store, prefix, n_old - prefix - suffix, wanted->pdata + prefix,
                         wanted->len - prefix - suffix);
}

static void
update_unified (PfFolderTreeModel *self)
{
  guint unread = 0;
  guint total = 0;

  for (guint i = 0; i < self->accounts->len; i++)
    {
      Account *account = g_ptr_array_index (self->accounts, i);

      unread += account->item->unread_count;
      total += account->item->total_count;
    }
  item_set_counts (self->unified, unread, total);
}

static void
account_reload (Account *account)
{
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(GError) error = NULL;
  PfStoreFolder *inbox = NULL;

  folders = pf_store_list_folders (account->item->store, &error);
  if (folders == NULL)
    {
      g_warning ("Cannot list the folders of %s: %s", account->item->account_id,
                 error->message);
      return;
    }
  g_ptr_array_sort (folders, folder_compare);

  /* A parent that is not listed (a \Noselect level the server hides)
   * would hide its children: they go one level up instead. */
  for (guint i = 0; i < folders->len; i++)
    {
      PfStoreFolder *folder = g_ptr_array_index (folders, i);
      gboolean found = folder->parent_id == 0;

      for (guint k = 0; !found && k < folders->len; k++)
        found = ((PfStoreFolder *) g_ptr_array_index (folders, k))->id == folder->parent_id;
      if (!found)
        folder->parent_id = 0;
      if (folder->special_use == PF_STORE_SPECIAL_USE_INBOX && inbox == NULL)
        inbox = folder;
    }

  update_level (account, account->item->children, folders, 0);
  item_set_counts (account->item, inbox != NULL ? inbox->unread_count : 0,
                   inbox != NULL ? inbox->total_count : 0);
  update_unified (account->model);
}

static void
on_folder_event_cb (PfStore *store,
                    gint64   folder_id,
                    Account *account)
{
  account_reload (account);
}

static PfFolderItem *
find_item (GListModel *level,
           gint64      folder_id)
{
  guint n = g_list_model_get_n_items (level);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PfFolderItem) item = g_list_model_get_item (level, i);
      PfFolderItem *found;

      if (item->folder_id == folder_id)
        return item;
      found = find_item (G_LIST_MODEL (item->children), folder_id);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
on_messages_changed_cb (PfStore        *store,
                        gint64          folder_id,
                        PfStoreChanges *changes,
                        Account        *account)
{
  g_autoptr(PfStoreFolder) folder = NULL;
  PfFolderItem *item;

  /* Messages change counts, not the structure: only the folder's item,
   * and its account's and All Inboxes' for an Inbox, are updated. A sync
   * sends one of these per batch. */
  item = find_item (G_LIST_MODEL (account->item->children), folder_id);
  folder = item != NULL ? pf_store_get_folder (store, folder_id, NULL) : NULL;
  if (folder == NULL)
    {
      account_reload (account);
      return;
    }
  item_set_counts (item, folder->unread_count, folder->total_count);
  if (folder->special_use == PF_STORE_SPECIAL_USE_INBOX)
    {
      item_set_counts (account->item, folder->unread_count, folder->total_count);
      update_unified (account->model);
    }
}

static guint
pf_folder_tree_model_get_n_items (GListModel *model)
{
  return g_list_model_get_n_items (G_LIST_MODEL (PF_FOLDER_TREE_MODEL (model)->roots));
}

static gpointer
pf_folder_tree_model_get_item (GListModel *model,
                               guint       position)
{
  return g_list_model_get_item (G_LIST_MODEL (PF_FOLDER_TREE_MODEL (model)->roots), position);
}

static GType
pf_folder_tree_model_get_item_type (GListModel *model)
{
  return PF_TYPE_FOLDER_ITEM;
}

static void
pf_folder_tree_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = pf_folder_tree_model_get_item_type;
  iface->get_n_items = pf_folder_tree_model_get_n_items;
  iface->get_item = pf_folder_tree_model_get_item;
}

static void
on_roots_changed_cb (GListModel        *roots,
                     guint              position,
                     guint              removed,
                     guint              added,
                     PfFolderTreeModel *self)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

static void
pf_folder_tree_model_dispose (GObject *object)
{
  PfFolderTreeModel *self = PF_FOLDER_TREE_MODEL (object);

  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  if (self->roots != NULL)
    g_signal_handlers_disconnect_by_data (self->roots, self);
  g_clear_object (&self->roots);
  g_clear_object (&self->unified);

  G_OBJECT_CLASS (pf_folder_tree_model_parent_class)->dispose (object);
}

static void
pf_folder_tree_model_class_init (PfFolderTreeModelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pf_folder_tree_model_dispose;
}

static void
pf_folder_tree_model_init (PfFolderTreeModel *self)
{
  self->roots = g_list_store_new (PF_TYPE_FOLDER_ITEM);
  self->accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) account_free);
  self->unified = item_new (PF_FOLDER_ITEM_UNIFIED_INBOX, NULL, NULL);
  self->unified->display_name = g_strdup (_("All Inboxes"));
  self->unified->special_use = PF_STORE_SPECIAL_USE_INBOX;
  g_list_store_append (self->roots, self->unified);
  g_signal_connect (self->roots, "items-changed", G_CALLBACK (on_roots_changed_cb), self);
}

/**
 * pf_folder_tree_model_new:
 *
 * Returns: (transfer full): a tree with only "All Inboxes"
 */
PfFolderTreeModel *
pf_folder_tree_model_new (void)
{
  return g_object_new (PF_TYPE_FOLDER_TREE_MODEL, NULL);
}

/**
 * pf_folder_tree_model_get_unified_inbox:
 * @self: a #PfFolderTreeModel
 *
 * Returns: (transfer none): the "All Inboxes" item
 */
PfFolderItem *
pf_folder_tree_model_get_unified_inbox (PfFolderTreeModel *self)
{
  g_return_val_if_fail (PF_IS_FOLDER_TREE_MODEL (self), NULL);
  return self->unified;
}

static Account *
find_account (PfFolderTreeModel *self,
              const char        *account_id,
              guint             *index)
{
  for (guint i = 0; i < self->accounts->len; i++)
    {
      Account *account = g_ptr_array_index (self->accounts, i);

      if (g_strcmp0 (account->item->account_id, account_id) == 0)
        {
          if (index != NULL)
            *index = i;
          return account;
        }
    }
  return NULL;
}

/**
 * pf_folder_tree_model_add_account:
 * @self: a #PfFolderTreeModel
 * @account_id: the account's id
 * @display_name: its name, as the user gave it
 * @store: its store
 *
 * Appends the account with its folders; they follow @store from now on.
 */
void
pf_folder_tree_model_add_account (PfFolderTreeModel *self,
                                  const char        *account_id,
                                  const char        *display_name,
                                  PfStore           *store)
{
  Account *account;

  g_return_if_fail (PF_IS_FOLDER_TREE_MODEL (self));
  g_return_if_fail (account_id != NULL);
  g_return_if_fail (PF_IS_STORE (store));
  g_return_if_fail (find_account (self, account_id, NULL) == NULL);

  account = g_new0 (Account, 1);
  account->model = self;
  account->item = item_new (PF_FOLDER_ITEM_ACCOUNT, account_id, store);
  account->item->display_name = g_strdup (display_name);
  account->handlers[0] = g_signal_connect (store, "folder-added",
                                           G_CALLBACK (on_folder_event_cb), account);
  account->handlers[1] = g_signal_connect (store, "folder-changed",
                                           G_CALLBACK (on_folder_event_cb), account);
  account->handlers[2] = g_signal_connect (store, "folder-removed",
                                           G_CALLBACK (on_folder_event_cb), account);
  account->handlers[3] = g_signal_connect (store, "messages-changed",
                                           G_CALLBACK (on_messages_changed_cb), account);
  g_ptr_array_add (self->accounts, account);
  account_reload (account);
  g_list_store_append (self->roots, account->item);
}

/**
 * pf_folder_tree_model_remove_account:
 * @self: a #PfFolderTreeModel
 * @account_id: the account's id
 *
 * Removes the account and its folders.
 */
void
pf_folder_tree_model_remove_account (PfFolderTreeModel *self,
                                     const char        *account_id)
{
  Account *account;
  guint index;
  guint position;

  g_return_if_fail (PF_IS_FOLDER_TREE_MODEL (self));

  account = find_account (self, account_id, &index);
  if (account == NULL)
    return;
  if (g_list_store_find (self->roots, account->item, &position))
    g_list_store_remove (self->roots, position);
  g_ptr_array_remove_index (self->accounts, index);
  update_unified (self);
}

/**
 * pf_folder_tree_model_rename_account:
 * @self: a #PfFolderTreeModel
 * @account_id: the account's id
 * @display_name: its new name
 */
void
pf_folder_tree_model_rename_account (PfFolderTreeModel *self,
                                     const char        *account_id,
                                     const char        *display_name)
{
  Account *account;

  g_return_if_fail (PF_IS_FOLDER_TREE_MODEL (self));

  account = find_account (self, account_id, NULL);
  if (account != NULL)
    item_set_display_name (account->item, display_name);
}
