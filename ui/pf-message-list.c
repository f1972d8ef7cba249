/* pf-message-list.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-message-list"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "store/pf-message-summary.h"

#include "pf-message-list.h"

/*
 * The messages of a folder, newest first: a GtkListView over the core's
 * paged PfMessageListModel, so only the rows on screen are loaded. Each
 * row: sender and date, then the subject; unread ones in bold.
 */

struct _PfMessageList
{
  GtkWidget           parent_instance;

  /* Owned */
  GListModel         *model;
  GtkSingleSelection *selection;

  /* Template children */
  GtkStack           *stack;
  GtkListView        *list_view;
};

G_DEFINE_FINAL_TYPE (PfMessageList, pf_message_list, GTK_TYPE_WIDGET)

/* Today: the time; within the last week: the weekday; else the date. */
static char *
format_date (gint64 unix_time)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_local (unix_time);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  GTimeSpan age;

  if (date == NULL)
    return g_strdup ("");
  age = g_date_time_difference (now, date);
  if (g_date_time_get_year (date) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (date) == g_date_time_get_day_of_year (now))
    return g_date_time_format (date, "%X");
  if (age >= 0 && age < 6 * G_TIME_SPAN_DAY)
    return g_date_time_format (date, "%A");
  return g_date_time_format (date, "%x");
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *sender = gtk_label_new (NULL);
  GtkWidget *date = gtk_label_new (NULL);
  GtkWidget *subject = gtk_label_new (NULL);

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_label_set_xalign (GTK_LABEL (sender), 0);
  gtk_label_set_ellipsize (GTK_LABEL (sender), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (sender, TRUE);
  gtk_widget_add_css_class (date, "dim-label");
  gtk_widget_add_css_class (date, "numeric");
  gtk_label_set_xalign (GTK_LABEL (subject), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subject), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (top), sender);
  gtk_box_append (GTK_BOX (top), date);
  gtk_box_append (GTK_BOX (box), top);
  gtk_box_append (GTK_BOX (box), subject);
  gtk_list_item_set_child (list_item, box);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             gpointer                  user_data)
{
  PfMessageSummary *summary = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *top = gtk_widget_get_first_child (box);
  GtkWidget *sender = gtk_widget_get_first_child (top);
  GtkWidget *date = gtk_widget_get_next_sibling (sender);
  GtkWidget *subject = gtk_widget_get_next_sibling (top);
  const char *from = pf_message_summary_get_from (summary);
  const char *text = pf_message_summary_get_subject (summary);
  g_autofree char *when = format_date (pf_message_summary_get_date (summary));
  g_autofree char *accessible = NULL;
  gboolean unread = pf_message_summary_get_is_unread (summary);

  if (from == NULL || *from == '\0')
    from = pf_message_summary_get_from_address (summary);
  gtk_label_set_label (GTK_LABEL (sender), from != NULL ? from : "");
  gtk_label_set_label (GTK_LABEL (date), when);
  gtk_label_set_label (GTK_LABEL (subject), text != NULL && *text != '\0' ? text
                                                                          : _("(no subject)"));
  if (unread)
    {
      gtk_widget_add_css_class (sender, "heading");
      gtk_widget_add_css_class (subject, "heading");
    }
  else
    {
      gtk_widget_remove_css_class (sender, "heading");
      gtk_widget_remove_css_class (subject, "heading");
    }

  /* Translators: how a screen reader announces a message row: sender,
   * subject, date, and whether it is unread */
  accessible = g_strdup_printf (unread ? _("%s, %s, %s, unread") : _("%s, %s, %s"),
                                from != NULL ? from : "", gtk_label_get_label (GTK_LABEL (subject)),
                                when);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
}

static void
update_page (PfMessageList *self)
{
  const char *page = "no-folder";

  if (self->model != NULL)
    page = g_list_model_get_n_items (self->model) > 0 ? "messages" : "empty";
  gtk_stack_set_visible_child_name (self->stack, page);
}

static void
on_items_changed_cb (GListModel    *model,
                     guint          position,
                     guint          removed,
                     guint          added,
                     PfMessageList *self)
{
  update_page (self);
}

/**
 * pf_message_list_set_model:
 * @self: a #PfMessageList
 * @model: (nullable): the messages to show (of #PfMessageSummary), or
 *   %NULL when no folder is selected
 */
void
pf_message_list_set_model (PfMessageList *self,
                           GListModel    *model)
{
  g_return_if_fail (PF_IS_MESSAGE_LIST (self));

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_items_changed_cb, self);
  g_set_object (&self->model, model);
  g_clear_object (&self->selection);
  if (model != NULL)
    {
      self->selection = gtk_single_selection_new (g_object_ref (model));
      gtk_single_selection_set_autoselect (self->selection, FALSE);
      gtk_single_selection_set_can_unselect (self->selection, TRUE);
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed_cb), self);
    }
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  update_page (self);
}

static void
pf_message_list_dispose (GObject *object)
{
  PfMessageList *self = PF_MESSAGE_LIST (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_items_changed_cb, self);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
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
  gtk_widget_class_bind_template_child (widget_class, PfMessageList, list_view);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_message_list_init (PfMessageList *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  update_page (self);
}
