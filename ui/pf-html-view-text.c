/* pf-html-view-text.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* PfHtmlView for builds without WebKitGTK: the HTML part shown as the text
 * converted from it. Nothing is ever loaded, so remote content never is, and
 * the banner stays hidden. */

#define G_LOG_DOMAIN "pf-html-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "mime/pf-mime-text.h"

#include "pf-html-view.h"

struct _PfHtmlView
{
  GtkWidget       parent_instance;

  /* Template children */
  GtkRevealer    *banner;
  GtkWidget      *always_button;
  GtkBox         *content;

  /* Owned */
  GtkTextView    *text_view;
  GCancellable   *cancellable;      /* the conversion in flight */
  gpointer        cid_data;
  GDestroyNotify  cid_data_destroy;

  /* State */
  gboolean        remote_content_allowed;
};

G_DEFINE_FINAL_TYPE (PfHtmlView, pf_html_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_REMOTE_CONTENT_ALLOWED,
  N_PROPS
};

enum {
  LOADED,
  REMOTE_CONTENT_BLOCKED,
  N_SIGNALS
};

static GParamSpec *properties [N_PROPS];
static guint signals [N_SIGNALS];

/**
 * pf_html_view_preload:
 *
 * Does nothing without WebKitGTK: the text view needs no warming up.
 */
void
pf_html_view_preload (void)
{
}

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
  g_autoptr(PfHtmlView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  text = g_task_propagate_pointer (G_TASK (result), &error);
  if (text == NULL)
    return;

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text, -1);
  g_signal_emit (self, signals[LOADED], 0);
}

/**
 * pf_html_view_load:
 * @self: a #PfHtmlView
 * @html: one text/html part of a message, as UTF-8
 * @sender_address: (nullable): unused without WebKitGTK
 * @cid_func: (nullable): unused without WebKitGTK
 * @cid_data: data for @cid_func
 * @cid_data_destroy: (nullable): frees @cid_data when the view shows
 *   another message or goes away
 *
 * Shows the text of @html; "loaded" is emitted once it is shown. The
 * conversion runs in a worker thread.
 */
void
pf_html_view_load (PfHtmlView         *self,
                   const char         *html,
                   const char         *sender_address,
                   PfHtmlResourceFunc  cid_func,
                   gpointer            cid_data,
                   GDestroyNotify      cid_data_destroy)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PF_IS_HTML_VIEW (self));
  g_return_if_fail (html != NULL);

  if (self->cid_data_destroy != NULL)
    self->cid_data_destroy (self->cid_data);
  self->cid_data = cid_data;
  self->cid_data_destroy = cid_data_destroy;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), "", 0);

  task = g_task_new (self, self->cancellable, html_to_text_cb, g_object_ref (self));
  g_task_set_source_tag (task, pf_html_view_load);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_set_task_data (task, g_strdup (html), g_free);
  g_task_run_in_thread (task, html_to_text_worker);
}

gboolean
pf_html_view_get_remote_content_allowed (PfHtmlView *self)
{
  g_return_val_if_fail (PF_IS_HTML_VIEW (self), FALSE);

  return self->remote_content_allowed;
}

/**
 * pf_html_view_set_remote_content_allowed:
 * @self: a #PfHtmlView
 * @allowed: whether the message may load remote content
 *
 * Only remembered: the text shown never loads anything.
 */
void
pf_html_view_set_remote_content_allowed (PfHtmlView *self,
                                         gboolean    allowed)
{
  g_return_if_fail (PF_IS_HTML_VIEW (self));

  allowed = !!allowed;
  if (allowed == self->remote_content_allowed)
    return;

  self->remote_content_allowed = allowed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_CONTENT_ALLOWED]);
}

static void
pf_html_view_dispose (GObject *object)
{
  PfHtmlView *self = PF_HTML_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->cid_data_destroy != NULL)
    self->cid_data_destroy (self->cid_data);
  self->cid_data = NULL;
  self->cid_data_destroy = NULL;

  gtk_widget_dispose_template (GTK_WIDGET (object), PF_TYPE_HTML_VIEW);
  /* The template's unnamed box */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (pf_html_view_parent_class)->dispose (object);
}

static void
pf_html_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  PfHtmlView *self = PF_HTML_VIEW (object);

  switch (prop_id)
    {
    case PROP_REMOTE_CONTENT_ALLOWED:
      g_value_set_boolean (value, self->remote_content_allowed);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_html_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  PfHtmlView *self = PF_HTML_VIEW (object);

  switch (prop_id)
    {
    case PROP_REMOTE_CONTENT_ALLOWED:
      pf_html_view_set_remote_content_allowed (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_html_view_class_init (PfHtmlViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pf_html_view_dispose;
  object_class->get_property = pf_html_view_get_property;
  object_class->set_property = pf_html_view_set_property;

  properties[PROP_REMOTE_CONTENT_ALLOWED] =
    g_param_spec_boolean ("remote-content-allowed", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[LOADED] =
    g_signal_new ("loaded",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /* Never emitted: text loads nothing. */
  signals[REMOTE_CONTENT_BLOCKED] =
    g_signal_new ("remote-content-blocked",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/ui/pf-html-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PfHtmlView, banner);
  gtk_widget_class_bind_template_child (widget_class, PfHtmlView, always_button);
  gtk_widget_class_bind_template_child (widget_class, PfHtmlView, content);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_html_view_init (PfHtmlView *self)
{
  GtkWidget *scrolled_window;

  gtk_widget_init_template (GTK_WIDGET (self));

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
  gtk_box_append (self->content, scrolled_window);
}

/**
 * pf_html_view_new:
 *
 * Returns: (transfer full): a new view for one HTML part
 */
PfHtmlView *
pf_html_view_new (void)
{
  return g_object_new (PF_TYPE_HTML_VIEW, NULL);
}
