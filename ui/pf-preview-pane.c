/* pf-preview-pane.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-preview-pane"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pf-html-view.h"
#include "pf-preview-pane-private.h"

/*
 * The selected message: its header at once from the message list's
 * summary, then the body once the loader has parsed it (off the main
 * thread), with a spinner if that takes a moment and an error page with
 * Retry if it fails. Each body part of the message gets a widget of its
 * own, stacked in order; parts are never joined into one document, so one
 * part cannot reach into another (EFAIL). Nothing shown runs code or
 * loads anything from the network.
 */

/* Loads faster than this show no spinner at all. */
#define SPINNER_DELAY_MS 150

struct _PfPreviewPane
{
  GtkWidget          parent_instance;

  /* Owned */
  PfMessageLoader   *loader;
  PfMessageSummary  *summary;
  PfMimeMessage     *message;
  GCancellable      *cancellable;   /* the current load; cancelled in dispose */
  char              *error_text;
  guint              spinner_id;
  gboolean           prefer_html;
  PfHtmlView        *html_view;     /* the first HTML part's, reused */

  /* Template children */
  GtkStack          *stack;
  AdwStatusPage     *selection_page;
  PfMessageHeader   *header;
  GtkStack          *body_stack;
  GtkSpinner        *spinner;
  AdwStatusPage     *error_page;
  GtkScrolledWindow *body_scroller;
  GtkWidget         *damaged_label;
  PfAttachmentBar   *attachment_bar;
  GtkBox            *parts_box;
};

G_DEFINE_FINAL_TYPE (PfPreviewPane, pf_preview_pane, GTK_TYPE_WIDGET)

enum
{
  MESSAGE_SHOWN,
  HTML_LOADED,
  ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void load_message (PfPreviewPane *self);

/* Errors for a toast */

static void
report_error (PfPreviewPane *self,
              const char    *message)
{
  GtkWidget *overlay;

  if (g_signal_has_handler_pending (self, signals[ERROR], 0, FALSE))
    {
      g_signal_emit (self, signals[ERROR], 0, message);
      return;
    }

  overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
  else
    g_debug ("%s", message);
}

static void
on_attachment_bar_error_cb (PfPreviewPane *self,
                            const char    *message)
{
  report_error (self, message);
}

/* Links in the text */

static void
uri_shown_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PfPreviewPane) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (object != NULL ? GTK_WINDOW (object) : NULL, result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = g_strdup_printf (_("Cannot open the link: %s"), error->message);

      report_error (self, message);
    }
}

static void
on_text_activate_link_cb (PfPreviewPane *self,
                          const char    *uri)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (g_ascii_strncasecmp (uri, "mailto:", strlen ("mailto:")) == 0)
    {
      const char *address = uri + strlen ("mailto:");
      g_autofree char *plain = g_strndup (address, strcspn (address, "?"));
      g_autofree char *unescaped = g_uri_unescape_string (plain, NULL);

      if (unescaped != NULL && unescaped[0] != '\0' &&
          gtk_widget_activate_action (GTK_WIDGET (self), "win.compose-to", "s", unescaped))
        return;
    }

  gtk_show_uri_full (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME, NULL,
                     uri_shown_cb, g_object_ref (self));
}

/* Body */

static void
add_text_widget (PfPreviewPane *self,
                 const char    *text)
{
  GtkWidget *view = pf_preview_pane_text_new (text);

  g_signal_connect_object (view, "activate-link", G_CALLBACK (on_text_activate_link_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (self->parts_box, view);
}

static void
add_text_part (PfPreviewPane *self,
               PfMimePart    *part)
{
  add_text_widget (self, part->text);
}

/* cid: URLs of an HTML part: the parts of the same message only. */
static GBytes *
find_cid_part (const char  *content_id,
               char       **content_type,
               gpointer     user_data)
{
  PfMimeMessage *message = user_data;
  GPtrArray *parts = pf_mime_message_get_parts (message);

  for (guint i = 0; parts != NULL && i < parts->len; i++)
    {
      PfMimePart *part = parts->pdata[i];
      const char *id = part->content_id;
      gsize length;

      if (id == NULL)
        continue;
      if (*id == '<')
        id++;
      length = strlen (id);
      if (length > 0 && id[length - 1] == '>')
        length--;
      if (strlen (content_id) != length || strncmp (id, content_id, length) != 0)
        continue;
      if (content_type != NULL)
        *content_type = g_strdup (part->content_type);
      return pf_mime_message_dup_part_content (message, part->id, NULL);
    }
  return NULL;
}

/* A web view scrolls itself: it gets the height of the visible body. */
static void
size_html_view (PfPreviewPane *self,
                GtkWidget     *view)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->body_scroller);
  int height = (int) gtk_adjustment_get_page_size (adjustment);

  gtk_widget_set_size_request (view, -1, MAX (height - 24, 320));
}

static void
on_body_page_size_cb (GtkAdjustment *adjustment,
                      GParamSpec    *pspec,
                      PfPreviewPane *self)
{
  if (self->html_view != NULL && gtk_widget_get_parent (GTK_WIDGET (self->html_view)) != NULL)
    size_html_view (self, GTK_WIDGET (self->html_view));
}

static void
on_html_loaded_cb (PfPreviewPane *self)
{
  g_signal_emit (self, signals[HTML_LOADED], 0);
}

/*
 * add_html_part:
 *
 * The one place that shows an HTML part: in a view of its own, never
 * joined with the message's other parts (each part its own document, so
 * no part can wrap another: EFAIL). The first one reuses the pane's web
 * view, which was started early. Without WebKitGTK the view shows the
 * text converted from the HTML.
 */
static void
add_html_part (PfPreviewPane *self,
               PfMimeMessage *message,
               PfMimePart    *part)
{
  PfHtmlView *view;
  const char *sender = self->summary != NULL ?
                       pf_message_summary_get_from_address (self->summary) : NULL;

  if (self->html_view == NULL)
    {
      self->html_view = g_object_ref_sink (pf_html_view_new ());
      g_signal_connect_object (self->html_view, "loaded", G_CALLBACK (on_html_loaded_cb), self,
                               G_CONNECT_SWAPPED);
    }
  if (gtk_widget_get_parent (GTK_WIDGET (self->html_view)) == NULL)
    view = self->html_view;
  else
    view = pf_html_view_new ();

  gtk_widget_set_hexpand (GTK_WIDGET (view), TRUE);
  size_html_view (self, GTK_WIDGET (view));
  gtk_box_append (self->parts_box, GTK_WIDGET (view));
  pf_html_view_load (view, part->text != NULL ? part->text : "", sender, find_cid_part,
                     g_object_ref (message), g_object_unref);
}

static void
clear_body (PfPreviewPane *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->parts_box))) != NULL)
    gtk_box_remove (self->parts_box, child);
  pf_attachment_bar_set_message (self->attachment_bar, NULL);
  gtk_widget_set_visible (self->damaged_label, FALSE);
}

static void
stop_spinner (PfPreviewPane *self)
{
  g_clear_handle_id (&self->spinner_id, g_source_remove);
  gtk_spinner_stop (self->spinner);
}

static gboolean
start_spinner_cb (gpointer user_data)
{
  PfPreviewPane *self = user_data;

  self->spinner_id = 0;
  gtk_spinner_start (self->spinner);
  return G_SOURCE_REMOVE;
}

static void
show_parsed_message (PfPreviewPane *self,
                     PfMimeMessage *message)
{
  g_autoptr(GPtrArray) parts = NULL;
  GtkAdjustment *adjustment;
  guint i;

  stop_spinner (self);
  clear_body (self);
  g_set_object (&self->message, message);

  pf_message_header_set_headers (self->header, pf_mime_message_get_headers (message));
  pf_attachment_bar_set_message (self->attachment_bar, message);
  gtk_widget_set_visible (self->damaged_label, pf_mime_message_get_flags (message) != 0);

  parts = pf_mime_message_dup_body_parts (message, self->prefer_html);
  for (i = 0; i < parts->len; i++)
    {
      PfMimePart *part = g_ptr_array_index (parts, i);

      switch (part->kind)
        {
        case PF_MIME_PART_KIND_TEXT:
          add_text_part (self, part);
          break;
        case PF_MIME_PART_KIND_HTML:
          add_html_part (self, message, part);
          break;
        case PF_MIME_PART_KIND_MULTIPART:
        case PF_MIME_PART_KIND_ATTACHMENT:
        case PF_MIME_PART_KIND_MESSAGE:
        default:
          break;
        }
    }

  adjustment = gtk_scrolled_window_get_vadjustment (self->body_scroller);
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_lower (adjustment));
  gtk_stack_set_visible_child_name (self->body_stack, "body");

  g_signal_emit (self, signals[MESSAGE_SHOWN], 0, self->summary);
}

static void
show_error (PfPreviewPane *self,
            const GError  *error)
{
  g_autofree char *markup = g_markup_escape_text (error->message, -1);

  stop_spinner (self);
  g_free (self->error_text);
  self->error_text = g_strdup (error->message);
  adw_status_page_set_description (self->error_page, markup);
  gtk_stack_set_visible_child_name (self->body_stack, "error");
}

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(PfPreviewPane) self = user_data;
  g_autoptr(PfMimeMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  message = pf_message_loader_load_finish (PF_MESSAGE_LOADER (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->cancellable);
  if (message == NULL)
    show_error (self, error);
  else
    show_parsed_message (self, message);
}

static void
cancel_load (PfPreviewPane *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  stop_spinner (self);
}

static void
load_message (PfPreviewPane *self)
{
  g_autoptr(PfMimeMessage) cached = NULL;
  PfStore *store = pf_message_summary_get_store (self->summary);
  gint64 id = pf_message_summary_get_id (self->summary);

  cancel_load (self);
  clear_body (self);
  g_clear_object (&self->message);

  if (self->loader == NULL || store == NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                                     _("Messages cannot be loaded here."));

      show_error (self, error);
      return;
    }

  /* Going back to a recent message needs no round trip. */
  cached = pf_message_loader_lookup (self->loader, store, id);
  if (cached != NULL)
    {
      show_parsed_message (self, cached);
      return;
    }

  gtk_stack_set_visible_child_name (self->body_stack, "loading");
  self->spinner_id = g_timeout_add (SPINNER_DELAY_MS, start_spinner_cb, self);
  self->cancellable = g_cancellable_new ();
  pf_message_loader_load_async (self->loader, store, id, self->cancellable, loaded_cb,
                                g_object_ref (self));
}

/**
 * pf_preview_pane_show_message:
 * @self: a #PfPreviewPane
 * @summary: (nullable): the message to show, %NULL for none
 *
 * Shows the message: the header from @summary at once, the body when it
 * is loaded. Whatever was loading before is cancelled.
 */
void
pf_preview_pane_show_message (PfPreviewPane    *self,
                              PfMessageSummary *summary)
{
  g_return_if_fail (PF_IS_PREVIEW_PANE (self));
  g_return_if_fail (summary == NULL || PF_IS_MESSAGE_SUMMARY (summary));

  if (summary != NULL && self->summary != NULL &&
      pf_message_summary_get_store (summary) == pf_message_summary_get_store (self->summary) &&
      pf_message_summary_get_id (summary) == pf_message_summary_get_id (self->summary) &&
      !g_str_equal (_pf_preview_pane_get_state (self), "error"))
    {
      /* The same message again (the list reloaded its rows): keep it. */
      g_set_object (&self->summary, summary);
      return;
    }

  g_set_object (&self->summary, summary);
  if (summary == NULL)
    {
      cancel_load (self);
      clear_body (self);
      g_clear_object (&self->message);
      gtk_stack_set_visible_child_name (self->stack, "no-message");
      return;
    }

  pf_message_header_set_summary (self->header, summary);
  gtk_stack_set_visible_child_name (self->stack, "message");
  load_message (self);
}

/**
 * pf_preview_pane_show_selection_count:
 * @self: a #PfPreviewPane
 * @n: how many messages are selected
 *
 * For a selection of several messages: says how many. 0 shows the empty
 * pane; for 1, call pf_preview_pane_show_message().
 */
void
pf_preview_pane_show_selection_count (PfPreviewPane *self,
                                      guint          n)
{
  g_autofree char *title = NULL;

  g_return_if_fail (PF_IS_PREVIEW_PANE (self));

  cancel_load (self);
  clear_body (self);
  g_clear_object (&self->message);
  g_clear_object (&self->summary);

  if (n == 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "no-message");
      return;
    }

  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Message Selected",
                                        "%u Messages Selected", n), n);
  adw_status_page_set_title (self->selection_page, title);
  gtk_stack_set_visible_child_name (self->stack, "selection");
}

/**
 * pf_preview_pane_set_loader:
 * @self: a #PfPreviewPane
 * @loader: (nullable): what loads and parses messages
 */
void
pf_preview_pane_set_loader (PfPreviewPane   *self,
                            PfMessageLoader *loader)
{
  g_return_if_fail (PF_IS_PREVIEW_PANE (self));
  g_return_if_fail (loader == NULL || PF_IS_MESSAGE_LOADER (loader));

  g_set_object (&self->loader, loader);
}

/**
 * pf_preview_pane_set_prefer_html:
 * @self: a #PfPreviewPane
 * @prefer_html: whether to show the HTML alternative of a message that
 *   has both
 *
 * Takes effect with the next message shown.
 */
void
pf_preview_pane_set_prefer_html (PfPreviewPane *self,
                                 gboolean       prefer_html)
{
  g_return_if_fail (PF_IS_PREVIEW_PANE (self));

  self->prefer_html = !!prefer_html;
}

/**
 * pf_preview_pane_get_summary:
 * @self: a #PfPreviewPane
 *
 * Returns: (transfer none) (nullable): the message shown or being loaded
 */
PfMessageSummary *
pf_preview_pane_get_summary (PfPreviewPane *self)
{
  g_return_val_if_fail (PF_IS_PREVIEW_PANE (self), NULL);

  return self->summary;
}

/**
 * pf_preview_pane_get_message:
 * @self: a #PfPreviewPane
 *
 * The parsed message on screen, for replying and forwarding.
 *
 * Returns: (transfer none) (nullable): the message, or %NULL while none
 *   is shown completely
 */
PfMimeMessage *
pf_preview_pane_get_message (PfPreviewPane *self)
{
  g_return_val_if_fail (PF_IS_PREVIEW_PANE (self), NULL);

  return self->message;
}

/* For tests */

/* "no-message", "selection", "loading", "error" or "message" */
const char *
_pf_preview_pane_get_state (PfPreviewPane *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  const char *body;

  if (!g_str_equal (page, "message"))
    return page;
  body = gtk_stack_get_visible_child_name (self->body_stack);
  return g_str_equal (body, "body") ? "message" : body;
}

PfMessageHeader *
_pf_preview_pane_get_header (PfPreviewPane *self)
{
  return self->header;
}

PfAttachmentBar *
_pf_preview_pane_get_attachment_bar (PfPreviewPane *self)
{
  return self->attachment_bar;
}

GtkWidget *
_pf_preview_pane_get_parts_box (PfPreviewPane *self)
{
  return GTK_WIDGET (self->parts_box);
}

const char *
_pf_preview_pane_get_error_text (PfPreviewPane *self)
{
  return self->error_text;
}

/* Actions */

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  PfPreviewPane *self = PF_PREVIEW_PANE (widget);

  if (self->summary != NULL)
    load_message (self);
}

/* The object */

static void
pf_preview_pane_dispose (GObject *object)
{
  PfPreviewPane *self = PF_PREVIEW_PANE (object);

  cancel_load (self);
  gtk_widget_dispose_template (GTK_WIDGET (object), PF_TYPE_PREVIEW_PANE);
  g_clear_object (&self->loader);
  g_clear_object (&self->summary);
  g_clear_object (&self->message);
  g_clear_object (&self->html_view);

  G_OBJECT_CLASS (pf_preview_pane_parent_class)->dispose (object);
}

static void
pf_preview_pane_finalize (GObject *object)
{
  PfPreviewPane *self = PF_PREVIEW_PANE (object);

  g_clear_pointer (&self->error_text, g_free);

  G_OBJECT_CLASS (pf_preview_pane_parent_class)->finalize (object);
}

static void
pf_preview_pane_class_init (PfPreviewPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pf_preview_pane_dispose;
  object_class->finalize = pf_preview_pane_finalize;

  /**
   * PfPreviewPane::message-shown:
   * @self: the pane
   * @summary: the message
   *
   * The body of the message is on screen (for "mark as read after a
   * delay", and for timing).
   */
  /**
   * PfPreviewPane::html-loaded:
   * @self: the pane
   *
   * An HTML part of the shown message finished loading in its view.
   */
  signals[HTML_LOADED] =
    g_signal_new ("html-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  signals[MESSAGE_SHOWN] =
    g_signal_new ("message-shown",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, PF_TYPE_MESSAGE_SUMMARY);

  /**
   * PfPreviewPane::error:
   * @self: the pane
   * @message: what went wrong, for the user
   *
   * Opening a link or an attachment, or saving one, failed. Without a
   * handler, the message goes to the closest #AdwToastOverlay.
   */
  signals[ERROR] =
    g_signal_new ("error",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (PF_TYPE_MESSAGE_HEADER);
  g_type_ensure (PF_TYPE_ATTACHMENT_BAR);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/pf-preview-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, PfPreviewPane, stack);
  gtk_widget_class_bind_template_child (widget_class, PfPreviewPane, selection_page);
  gtk_widget_class_bind_template_child (widget_class, PfPreviewPane, header);
  gtk_widget_class_bind_template_child (widget_class, PfPreviewPane, body_stack);
  gtk_widget_class_bind_template_child (widget_class, PfPreviewPane, spinner);
  gtk_widget_class_bind_template_child (widget_class, PfPreviewPane, error_page);
  gtk_widget_class_bind_template_child (widget_class, PfPreviewPane, body_scroller);
  gtk_widget_class_bind_template_child (widget_class, PfPreviewPane, damaged_label);
  gtk_widget_class_bind_template_child (widget_class, PfPreviewPane, attachment_bar);
  gtk_widget_class_bind_template_child (widget_class, PfPreviewPane, parts_box);
  gtk_widget_class_bind_template_callback (widget_class, on_attachment_bar_error_cb);

  gtk_widget_class_install_action (widget_class, "preview.retry", NULL, retry_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_preview_pane_init (PfPreviewPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->body_scroller),
                           "notify::page-size", G_CALLBACK (on_body_page_size_cb), self, 0);
}
