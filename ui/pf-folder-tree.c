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

#include "pf-folder-tree.h"

/*
 * The accounts and their folders: a GtkListView over a GtkTreeListModel
 * of the core's PfFolderTreeModel (accounts at the top, folders beneath,
 * expanded). Special folders show a symbolic icon and their name in the
 * user's language; unread counts follow the store.
 */

struct _PfFolderTree
{
  GtkWidget           parent_instance;

  /* Owned */
  PfFolderTreeModel  *model;
  GtkSingleSelection *selection;

  /* Template children */
  GtkStack           *stack;
  GtkListView        *list_view;
};

G_DEFINE_FINAL_TYPE (PfFolderTree, pf_folder_tree, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SELECTED,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

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

  /* Folders without subfolders have no expander. */
  if (children == NULL || g_list_model_get_n_items (children) == 0)
    return NULL;
  return g_object_ref (children);
}

static void
update_page (PfFolderTree *self)
{
  gboolean empty = self->model == NULL ||
                   g_list_model_get_n_items (G_LIST_MODEL (self->model)) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "no-account" : "folders");
}

static void
on_items_changed_cb (GListModel   *model,
                     guint         position,
                     guint         removed,
                     guint         added,
                     PfFolderTree *self)
{
  update_page (self);
}

static void
on_selected_cb (GtkSingleSelection *selection,
                GParamSpec         *pspec,
                PfFolderTree       *self)
{
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
  g_clear_object (&self->selection);

  if (model != NULL)
    {
      tree = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (model)), FALSE, TRUE,
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

/* GObject */

static void
pf_folder_tree_dispose (GObject *object)
{
  PfFolderTree *self = PF_FOLDER_TREE (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_items_changed_cb, self);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
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

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/ui/pf-folder-tree.ui");
  gtk_widget_class_bind_template_child (widget_class, PfFolderTree, stack);
  gtk_widget_class_bind_template_child (widget_class, PfFolderTree, list_view);

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
  update_page (self);
}
