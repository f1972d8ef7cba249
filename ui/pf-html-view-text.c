/* pf-html-view-text.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The HTML part shown as the text converted from it: for builds without
 * WebKitGTK, and when its module cannot be loaded. Nothing is ever loaded,
 * so remote content never is, and there is no banner. */

#define G_LOG_DOMAIN "pf-html-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "mime/pf-mime-text.h"

#include "pf-html-view-impl.h"

struct _PfHtmlViewText
{
  PfHtmlView      parent_instance;

  /* Owned */
  GtkTextView    *text_view;
  GCancellable   *cancellable;      /* the conversion in flight */
  gpointer        cid_data;
  GDestroyNotify  cid_data_destroy;

  /* State */
  gboolean        remote_content_allowed;
};

G_DEFINE_FINAL_TYPE (PfHtmlViewText, pf_html_view_text, PF_TYPE_HTML_VIEW)

static void
html_to_text_worker (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  g_task_return_pointer (task, pf_mime_html_to_text (task_data, -1), g_free);
}

static void
html_to_text_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(PfHtmlViewText) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  text = g_task_propagate_pointer (G_TASK (result), &error);
  if (text == NULL)
    return;

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text, -1);
  g_signal_emit_by_name (self, "loaded");
}

/* PfHtmlViewClass.load: the conversion runs in a worker thread; "loaded"
 * is emitted once the text is shown. */
static void
pf_html_view_text_load (PfHtmlView         *view,
                        const char         *html,
                        const char         *sender_address,
                        PfHtmlResourceFunc  cid_func,
                        gpointer            cid_data,
                        GDestroyNotify      cid_data_destroy)
{
  PfHtmlViewText *self = PF_HTML_VIEW_TEXT (view);
  g_autoptr(GTask) task = NULL;

  if (self->cid_data_destroy != NULL)
    self->cid_data_destroy (self->cid_data);
  self->cid_data = cid_data;
  self->cid_data_destroy = cid_data_destroy;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", 0);

  task = g_task_new (self, self->cancellable, html_to_text_cb, g_object_ref (self));
  g_task_set_source_tag (task, pf_html_view_text_load);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_set_task_data (task, g_strdup (html), g_free);
  g_task_run_in_thread (task, html_to_text_worker);
}

static gboolean
pf_html_view_text_get_remote_content_allowed (PfHtmlView *view)
{
  return PF_HTML_VIEW_TEXT (view)->remote_content_allowed;
}

/* Only remembered: the text shown never loads anything. */
static void
pf_html_view_text_set_remote_content_allowed (PfHtmlView *view,
                                              gboolean    allowed)
{
  PfHtmlViewText *self = PF_HTML_VIEW_TEXT (view);

  allowed = !!allowed;
  if (allowed == self->remote_content_allowed)
    return;

  self->remote_content_allowed = allowed;
  g_object_notify (G_OBJECT (self), "remote-content-allowed");
}

static void
pf_html_view_text_dispose (GObject *object)
{
  PfHtmlViewText *self = PF_HTML_VIEW_TEXT (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->cid_data_destroy != NULL)
    self->cid_data_destroy (self->cid_data);
  self->cid_data = NULL;
  self->cid_data_destroy = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (pf_html_view_text_parent_class)->dispose (object);
}

static void
pf_html_view_text_class_init (PfHtmlViewTextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  PfHtmlViewClass *view_class = PF_HTML_VIEW_CLASS (klass);

  object_class->dispose = pf_html_view_text_dispose;
  view_class->load = pf_html_view_text_load;
  view_class->get_remote_content_allowed = pf_html_view_text_get_remote_content_allowed;
  view_class->set_remote_content_allowed = pf_html_view_text_set_remote_content_allowed;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_html_view_text_init (PfHtmlViewText *self)
{
  GtkWidget *scrolled_window;

  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);

  self->text_view = GTK_TEXT_VIEW (gtk_text_view_new ());
  gtk_text_view_set_editable (self->text_view, FALSE);
  gtk_text_view_set_cursor_visible (self->text_view, FALSE);
  gtk_text_view_set_wrap_mode (self->text_view, GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (self->text_view, 12);
  gtk_text_view_set_right_margin (self->text_view, 12);
  gtk_text_view_set_top_margin (self->text_view, 12);
  gtk_text_view_set_bottom_margin (self->text_view, 12);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->text_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Message Text"),
                                  -1);

  scrolled_window = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scrolled_window, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled_window), GTK_WIDGET (self->text_view));
  gtk_widget_set_parent (scrolled_window, GTK_WIDGET (self));
}
