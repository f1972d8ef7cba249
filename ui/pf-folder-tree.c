/* pf-folder-tree.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-folder-tree"

#include "config.h"

#include <adwaita.h>

#include "pf-folder-tree.h"

struct _PfFolderTree
{
  GtkWidget  parent_instance;

  /* Template children */
  GtkStack  *stack;
};

G_DEFINE_FINAL_TYPE (PfFolderTree, pf_folder_tree, GTK_TYPE_WIDGET)

static void
pf_folder_tree_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PF_TYPE_FOLDER_TREE);

  G_OBJECT_CLASS (pf_folder_tree_parent_class)->dispose (object);
}

static void
pf_folder_tree_class_init (PfFolderTreeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pf_folder_tree_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/ui/pf-folder-tree.ui");
  gtk_widget_class_bind_template_child (widget_class, PfFolderTree, stack);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_folder_tree_init (PfFolderTree *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
