/* pf-message-list.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-message-list"

#include "config.h"

#include <adwaita.h>

#include "pf-message-list.h"

struct _PfMessageList
{
  GtkWidget  parent_instance;

  /* Template children */
  GtkStack  *stack;
};

G_DEFINE_FINAL_TYPE (PfMessageList, pf_message_list, GTK_TYPE_WIDGET)

static void
pf_message_list_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PF_TYPE_MESSAGE_LIST);

  G_OBJECT_CLASS (pf_message_list_parent_class)->dispose (object);
}

static void
pf_message_list_class_init (PfMessageListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pf_message_list_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/ui/pf-message-list.ui");
  gtk_widget_class_bind_template_child (widget_class, PfMessageList, stack);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_message_list_init (PfMessageList *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
