/* pf-window.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-window"

#include "config.h"

#include <glib/gi18n.h>

#include "store/pf-message-list-model.h"

#include "pf-account-status.h"
#include "pf-folder-tree.h"
#include "pf-message-list.h"
#include "pf-preview-pane.h"
#include <stdlib.h>

#include "pf-bench-probe.h"
#include "pf-html-view.h"
#include "pf-window-accels.h"
#include "pf-window-private.h"


G_DEFINE_FINAL_TYPE (PfWindow, pf_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

enum {
  SIGNAL_ACCOUNT_CHANGED,
  SIGNAL_FIRST_FRAME,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/**
 * pf_window_new:
 * @application: the application
 * @settings: the UI preferences (window size, pane widths)
 *
 * Returns: (transfer full): a new main window
 */
PfWindow *
pf_window_new (GtkApplication *application,
               GSettings      *settings)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (PF_TYPE_WINDOW,
                       "application", application,
                       "settings", settings,
                       NULL);
}

/* Narrow windows: the three panes one at a time, with back buttons; wide
 * ones: side by side in the paneds, widths remembered. */

#define NARROW_WIDTH 860

/* Shows @pane alone (narrow) or all three (wide). */
static void
apply_panes (PfWindow  *self,
             GtkWidget *pane)
{
  gboolean narrow = self->narrow;

  self->narrow_pane = pane;
  gtk_widget_set_visible (self->folder_pane, !narrow || pane == self->folder_pane);
  gtk_widget_set_visible (GTK_WIDGET (self->inner_paned), !narrow || pane != self->folder_pane);
  gtk_widget_set_visible (self->message_pane, !narrow || pane == self->message_pane);
  gtk_widget_set_visible (self->preview_pane_box, !narrow || pane == self->preview_pane_box);
}

static void
set_narrow (PfWindow *self,
            gboolean  narrow)
{
  if (self->narrow == narrow)
    return;
  self->narrow = narrow;

  /* Where the user is: the list once a folder is open, else the folders.
   * The panes stay where they are (moving them between containers trips
   * GTK 4.8's accessibility code): the others are only hidden. */
  apply_panes (self, narrow && !self->has_folder ? self->folder_pane : self->message_pane);

  /* Each pane full width: its header bar carries the window's buttons. */
  adw_header_bar_set_show_end_title_buttons (self->folder_header, narrow);
  adw_header_bar_set_show_end_title_buttons (self->list_header, narrow);
  adw_header_bar_set_show_start_title_buttons (self->list_header, narrow);
  adw_header_bar_set_show_start_title_buttons (self->preview_header, narrow);
  gtk_widget_set_visible (self->list_back_button, narrow);
  gtk_widget_set_visible (self->preview_back_button, narrow);
}

static void
update_layout (PfWindow *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height;

  if (width <= 0)
    gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  set_narrow (self, width > 0 && width < NARROW_WIDTH);
}

static void
on_default_width_changed_cb (PfWindow   *self,
                             GParamSpec *pspec,
                             gpointer    user_data)
{
  update_layout (self);
}

/* The surface's real size, maximized and tiled included. */
static void
on_surface_layout_cb (GdkSurface *surface,
                      int         width,
                      int         height,
                      PfWindow   *self)
{
  set_narrow (self, width > 0 && width < NARROW_WIDTH);
}

static void
pf_window_realize (GtkWidget *widget)
{
  PfWindow *self = PF_WINDOW (widget);

  GTK_WIDGET_CLASS (pf_window_parent_class)->realize (widget);

  g_signal_connect_object (gtk_native_get_surface (GTK_NATIVE (self)), "layout",
                           G_CALLBACK (on_surface_layout_cb), self, 0);
}

/**
 * pf_window_get_narrow:
 * @self: a #PfWindow
 *
 * Returns: whether the panes are shown one at a time
 */
gboolean
pf_window_get_narrow (PfWindow *self)
{
  g_return_val_if_fail (PF_IS_WINDOW (self), FALSE);

  return self->narrow;
}

/* In the narrow layout: the pane the user asked for. */
static void
show_pane (PfWindow  *self,
           GtkWidget *pane)
{
  if (self->narrow)
    apply_panes (self, pane);
}

static void
navigate_back_action (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  PfWindow *self = user_data;

  if (!self->narrow)
    return;
  if (self->narrow_pane == self->preview_pane_box)
    apply_panes (self, self->message_pane);
  else
    apply_panes (self, self->folder_pane);
}

static void
save_window_state (PfWindow *self)
{
  int width;
  int height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);

  g_settings_delay (self->settings);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  /* The default size is the unmaximized size, so maximizing and
   * restoring comes back to where the user left it. */
  if (width > 0 && height > 0)
    g_settings_set (self->settings, "window-size", "(ii)", width, height);
  g_settings_apply (self->settings);
}

static gboolean
pf_window_close_request (GtkWindow *window)
{
  save_window_state (PF_WINDOW (window));

  return GTK_WINDOW_CLASS (pf_window_parent_class)->close_request (window);
}

static void
pf_window_constructed (GObject *object)
{
  PfWindow *self = PF_WINDOW (object);
  int width;
  int height;

  G_OBJECT_CLASS (pf_window_parent_class)->constructed (object);

  g_settings_get (self->settings, "window-size", "(ii)", &width, &height);
  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  update_layout (self);
  _pf_window_actions_bind_settings (self);

  g_settings_bind (self->settings, "folder-pane-width",
                   self->outer_paned, "position", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "message-list-width",
                   self->inner_paned, "position", G_SETTINGS_BIND_DEFAULT);

  if (g_str_equal (PROFILE, "development"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

static void
pf_window_dispose (GObject *object)
{
  PfWindow *self = PF_WINDOW (object);

  g_clear_handle_id (&self->mark_read_id, g_source_remove);
  g_clear_handle_id (&self->preload_id, g_source_remove);
  g_clear_handle_id (&self->first_frame_id, g_source_remove);
  if (self->frame_clock != NULL)
    g_clear_signal_handler (&self->after_paint_handler, self->frame_clock);
  g_clear_weak_pointer (&self->frame_clock);
  g_clear_weak_pointer (&self->selected);
  gtk_widget_dispose_template (GTK_WIDGET (self), PF_TYPE_WINDOW);
  g_clear_object (&self->loader);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->pending_inbox, g_free);

  G_OBJECT_CLASS (pf_window_parent_class)->dispose (object);
}

static void
pf_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PfWindow *self = PF_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  PfWindow *self = PF_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_window_class_init (PfWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = pf_window_constructed;
  object_class->dispose = pf_window_dispose;
  object_class->get_property = pf_window_get_property;
  object_class->set_property = pf_window_set_property;

  window_class->close_request = pf_window_close_request;
  widget_class->realize = pf_window_realize;

  properties [PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PfWindow::account-changed:
   * @self: the #PfWindow
   * @account: an account whose settings the user changed; save it
   */
  signals[SIGNAL_ACCOUNT_CHANGED] =
    g_signal_new ("account-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, PF_TYPE_ACCOUNT);

  /**
   * PfWindow::first-frame:
   * @self: the #PfWindow
   *
   * The window has drawn for the first time: work that can wait for
   * that (connecting to the servers) starts now.
   */
  signals[SIGNAL_FIRST_FRAME] =
    g_signal_new ("first-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (PF_TYPE_ACCOUNT_STATUS);
  g_type_ensure (PF_TYPE_FOLDER_TREE);
  g_type_ensure (PF_TYPE_MESSAGE_LIST);
  g_type_ensure (PF_TYPE_PREVIEW_PANE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/ui/pf-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PfWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, account_status);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, sync_stack);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, sync_spinner);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, folder_pane);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, message_pane);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, preview_pane_box);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, folder_header);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, list_header);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, preview_header);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, list_back_button);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, preview_back_button);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, read_button);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, list_title);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, flag_button);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, move_button);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, outer_paned);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, inner_paned);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, folder_tree);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, message_list);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, preview_pane);
}

/* The folder chosen on the left fills the message list. */
static void
on_folder_selected_cb (PfFolderTree *tree,
                       GParamSpec   *pspec,
                       PfWindow     *self)
{
  PfFolderItem *item = pf_folder_tree_get_selected (tree);
  GListModel *services = pf_account_status_get_services (self->account_status);
  g_autoptr(PfMessageListModel) messages = NULL;
  g_autoptr(GPtrArray) stores = g_ptr_array_new_with_free_func (g_object_unref);
  PfStore *store = NULL;
  gint64 folder_id = 0;

  for (guint i = 0; services != NULL && i < g_list_model_get_n_items (services); i++)
    {
      g_autoptr(PfAccountService) service = g_list_model_get_item (services, i);

      g_ptr_array_add (stores, g_object_ref (pf_account_service_get_store (service)));
    }

  if (item != NULL && pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_FOLDER)
    {
      store = pf_folder_item_get_store (item);
      folder_id = pf_folder_item_get_folder_id (item);
      messages = pf_message_list_model_new_for_folder (store, folder_id);
    }
  else if (item != NULL && pf_folder_item_get_kind (item) == PF_FOLDER_ITEM_UNIFIED_INBOX)
    {
      /* All Inboxes: one list over every account's Inbox. */
      messages = pf_message_list_model_new ();
      for (guint i = 0; i < stores->len; i++)
        {
          g_autoptr(PfStoreFolder) inbox =
            pf_store_lookup_folder_by_special_use (stores->pdata[i], PF_STORE_SPECIAL_USE_INBOX,
                                                   NULL);
          g_autoptr(GError) error = NULL;

          if (inbox != NULL &&
              !pf_message_list_model_add_source (messages, stores->pdata[i], inbox->id, NULL,
                                                 &error))
            g_warning ("Cannot list an Inbox: %s", error->message);
        }
    }

  pf_message_list_set_search_scope (self->message_list, stores, store, folder_id);
  pf_message_list_set_model (self->message_list, G_LIST_MODEL (messages));
  self->has_folder = messages != NULL;
  adw_window_title_set_title (self->list_title,
                              item != NULL && messages != NULL ?
                              pf_folder_item_get_display_name (item) : "");
  if (messages != NULL)
    show_pane (self, self->message_pane);
}

/* The message shown in the preview is marked read as the user chose:
 * at once, after two seconds, or never. */
static gboolean
mark_read_cb (gpointer user_data)
{
  PfWindow *self = user_data;
  PfMessageSummary *summary = pf_message_list_get_selected_message (self->message_list);

  self->mark_read_id = 0;
  if (summary != NULL && pf_message_summary_get_is_unread (summary))
    g_action_group_activate_action (G_ACTION_GROUP (self), "mark-read", NULL);
  return G_SOURCE_REMOVE;
}

static void
on_message_shown_cb (PfPreviewPane    *pane,
                     PfMessageSummary *summary,
                     PfWindow         *self)
{
  g_autofree char *when = g_settings_get_string (self->settings, "mark-read");

  g_clear_handle_id (&self->mark_read_id, g_source_remove);
  if (!pf_message_summary_get_is_unread (summary) || g_str_equal (when, "never"))
    return;
  if (g_str_equal (when, "immediately"))
    mark_read_cb (self);
  else
    self->mark_read_id = g_timeout_add_seconds (2, mark_read_cb, self);
}

static void
on_selection_changed_cb (PfMessageList *list,
                         GParamSpec    *pspec,
                         PfWindow      *self)
{
  PfMessageSummary *summary = pf_message_list_get_selected_message (list);
  guint n_selected = pf_message_list_get_n_selected (list);

  /* One change of the selection notifies both properties: act once, or
   * the second notify would cancel the mark-read the first one started. */
  if (summary == self->selected && n_selected == self->n_selected)
    return;
  g_set_weak_pointer (&self->selected, summary);
  self->n_selected = n_selected;

  g_clear_handle_id (&self->mark_read_id, g_source_remove);
  if (n_selected > 1)
    pf_preview_pane_show_selection_count (self->preview_pane, n_selected);
  else
    pf_preview_pane_show_message (self->preview_pane, summary);
  _pf_window_update_actions (self);
}

static void
on_message_activated_cb (PfMessageList *list,
                         PfWindow      *self)
{
  show_pane (self, self->preview_pane_box);
}

static void
on_messages_dropped_cb (PfFolderTree *tree,
                        PfFolderItem *target,
                        GPtrArray    *summaries,
                        gboolean      copy,
                        PfWindow     *self)
{
  _pf_window_move_dropped (self, target, copy);
}

static void watch_pending_inbox (PfWindow *self);

/* The first time there are folders: the Inbox is what the user came for. */
static void
on_folders_changed_cb (PfWindow *self)
{
  if (self->pending_inbox != NULL &&
      pf_folder_tree_select_account_inbox (self->folder_tree, self->pending_inbox))
    {
      g_clear_pointer (&self->pending_inbox, g_free);
      self->started = TRUE;
      return;
    }
  if (self->started || pf_folder_tree_get_selected (self->folder_tree) != NULL)
    return;
  self->started = pf_folder_tree_select_inbox (self->folder_tree);
}

/**
 * pf_window_show_account_inbox:
 * @self: a #PfWindow
 * @account_id: an account, typically one just added
 *
 * Selects the account's Inbox, now or as soon as its first sync has
 * listed the folders.
 */
void
pf_window_show_account_inbox (PfWindow   *self,
                              const char *account_id)
{
  g_return_if_fail (PF_IS_WINDOW (self));
  g_return_if_fail (account_id != NULL);

  g_free (self->pending_inbox);
  self->pending_inbox = g_strdup (account_id);
  watch_pending_inbox (self);
  on_folders_changed_cb (self);
}

/**
 * pf_window_set_folders:
 * @self: a #PfWindow
 * @folders: (nullable): the folders of every account
 */
void
pf_window_set_folders (PfWindow          *self,
                       PfFolderTreeModel *folders)
{
  g_return_if_fail (PF_IS_WINDOW (self));

  pf_folder_tree_set_model (self->folder_tree, folders);
  if (folders != NULL)
    {
      g_signal_connect_object (folders, "items-changed", G_CALLBACK (on_folders_changed_cb),
                               self, G_CONNECT_SWAPPED);
      on_folders_changed_cb (self);
    }
}

/**
 * pf_window_show_message:
 * @self: a #PfWindow
 * @account_id: an account's id
 * @message_id: a message of its store
 *
 * Shows the message: its folder on the left, it selected in the list.
 */
void
pf_window_show_message (PfWindow   *self,
                        const char *account_id,
                        gint64      message_id)
{
  GListModel *services = pf_account_status_get_services (self->account_status);

  g_return_if_fail (PF_IS_WINDOW (self));
  g_return_if_fail (account_id != NULL);

  gtk_window_present (GTK_WINDOW (self));
  for (guint i = 0; services != NULL && i < g_list_model_get_n_items (services); i++)
    {
      g_autoptr(PfAccountService) service = g_list_model_get_item (services, i);
      PfStore *store = pf_account_service_get_store (service);
      g_autoptr(PfStoreMessage) message = NULL;

      if (!g_str_equal (pf_account_get_id (pf_account_service_get_account (service)), account_id))
        continue;
      message = pf_store_get_message (store, message_id, NULL);
      if (message != NULL &&
          pf_folder_tree_select_folder (self->folder_tree, account_id, message->folder_id))
        {
          pf_message_list_select_message (self->message_list, store, message_id);
          show_pane (self, self->preview_pane_box);
        }
      return;
    }
}

/* A new account's Inbox comes with its first sync: tried again whenever
 * its store gains or changes a folder (after the tree has taken it). */
static gboolean
retry_pending_inbox_cb (gpointer user_data)
{
  PfWindow *self = user_data;

  on_folders_changed_cb (self);
  return G_SOURCE_REMOVE;
}

static void
on_pending_store_folder_added_cb (PfWindow *self)
{
  if (self->pending_inbox != NULL)
    g_idle_add_full (G_PRIORITY_LOW, retry_pending_inbox_cb, g_object_ref (self),
                     g_object_unref);
}

static void
watch_pending_inbox (PfWindow *self)
{
  GListModel *services = pf_account_status_get_services (self->account_status);

  for (guint i = 0; self->pending_inbox != NULL && services != NULL &&
                    i < g_list_model_get_n_items (services); i++)
    {
      g_autoptr(PfAccountService) service = g_list_model_get_item (services, i);
      PfStore *store = pf_account_service_get_store (service);

      if (!g_str_equal (pf_account_get_id (pf_account_service_get_account (service)),
                        self->pending_inbox) ||
          g_object_get_data (G_OBJECT (store), "pf-window-watched") == self)
        continue;
      g_object_set_data (G_OBJECT (store), "pf-window-watched", self);
      /* (a server's INBOX may be added first and known as the Inbox
       * with the next change) */
      g_signal_connect_object (store, "folder-added",
                               G_CALLBACK (on_pending_store_folder_added_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (store, "folder-changed",
                               G_CALLBACK (on_pending_store_folder_added_cb), self,
                               G_CONNECT_SWAPPED);
    }
}

/* Each account's service fetches the bodies the preview needs. */
static void
on_services_changed_cb (PfWindow *self)
{
  GListModel *services = pf_account_status_get_services (self->account_status);

  for (guint i = 0; services != NULL && i < g_list_model_get_n_items (services); i++)
    {
      g_autoptr(PfAccountService) service = g_list_model_get_item (services, i);

      pf_message_loader_set_fetcher (self->loader, pf_account_service_get_store (service),
                                     PF_MESSAGE_FETCHER (service));
    }
  watch_pending_inbox (self);
  on_folders_changed_cb (self);
}

/**
 * pf_window_set_services:
 * @self: a #PfWindow
 * @services: (nullable): the #PfAccountService of every account
 */
void
pf_window_set_services (PfWindow   *self,
                        GListModel *services)
{
  g_return_if_fail (PF_IS_WINDOW (self));

  pf_account_status_set_services (self->account_status, services);
  if (services != NULL)
    {
      g_signal_connect_object (services, "items-changed", G_CALLBACK (on_services_changed_cb),
                               self, G_CONNECT_SWAPPED);
      on_services_changed_cb (self);
    }
}

/* Sync now: every account replays what is queued and fetches news. */
static void
sync_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  PfWindow *self = user_data;
  GListModel *services = pf_account_status_get_services (self->account_status);

  for (guint i = 0; services != NULL && i < g_list_model_get_n_items (services); i++)
    {
      g_autoptr(PfAccountService) service = g_list_model_get_item (services, i);

      pf_account_service_sync_now (service);
    }
}

static void maybe_preload_html (PfWindow *self);

static void
on_syncing_changed_cb (PfAccountStatus *status,
                       GParamSpec      *pspec,
                       PfWindow        *self)
{
  gboolean syncing = pf_account_status_get_syncing (status);

  gtk_stack_set_visible_child_name (self->sync_stack, syncing ? "syncing" : "idle");
  gtk_spinner_set_spinning (self->sync_spinner, syncing);
  maybe_preload_html (self);
}

static void
on_account_changed_cb (PfAccountStatus *status,
                       PfAccount       *account,
                       PfWindow        *self)
{
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_CHANGED], 0, account);
}

/* Benchmarks (tests/bench/run-bench-window): with PF_BENCH_SELECT=N the
 * window selects the first N messages one after the other once the list
 * shows rows, marking "select-I" and then "drawn-I" (the first frame after
 * the message's body was built) or "html-I" (its HTML part loaded). */

static void bench_select_next (PfWindow *self);

static gboolean
bench_select_later_cb (gpointer user_data)
{
  bench_select_next (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
bench_drawn_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  PfWindow *self = PF_WINDOW (widget);
  g_autofree char *event = g_strdup_printf ("drawn-%u", self->bench_index);

  pf_bench_probe_mark (event);
  if (!self->bench_html)
    g_timeout_add (200, bench_select_later_cb, self);
  return G_SOURCE_REMOVE;
}

static void
on_bench_message_shown_cb (PfWindow *self)
{
  PfMimeMessage *message = pf_preview_pane_get_message (self->preview_pane);
  g_autoptr(GPtrArray) parts = message != NULL ? pf_mime_message_dup_body_parts (message, TRUE) :
                                                 NULL;

  if (self->bench_index == 0 || self->bench_waiting == FALSE)
    return;
  self->bench_html = FALSE;
  for (guint i = 0; parts != NULL && i < parts->len; i++)
    self->bench_html |= ((PfMimePart *) parts->pdata[i])->kind == PF_MIME_PART_KIND_HTML;
  gtk_widget_add_tick_callback (GTK_WIDGET (self), bench_drawn_cb, NULL, NULL);
}

static void
on_bench_html_loaded_cb (PfWindow *self)
{
  g_autofree char *event = NULL;

  if (!self->bench_waiting || !self->bench_html)
    return;
  event = g_strdup_printf ("html-%u", self->bench_index);
  pf_bench_probe_mark (event);
  self->bench_html = FALSE;
  g_timeout_add (200, bench_select_later_cb, self);
}

static void
bench_select_next (PfWindow *self)
{
  const char *count = g_getenv ("PF_BENCH_SELECT");
  g_autofree char *event = NULL;

  if (self->bench_index >= (guint) atoi (count))
    {
      self->bench_waiting = FALSE;
      pf_bench_probe_mark ("select-done");
      return;
    }
  self->bench_index++;
  self->bench_waiting = TRUE;
  event = g_strdup_printf ("select-%u", self->bench_index);
  pf_bench_probe_mark (event);
  pf_message_list_select_position (self->message_list, self->bench_index - 1);
}

static gboolean
bench_wait_preload_cb (gpointer user_data)
{
  PfWindow *self = user_data;

  if (!pf_bench_probe_has_mark ("html-preloaded") && !pf_bench_probe_has_mark ("timeout") &&
      self->bench_preload_waited++ < 300)
    return G_SOURCE_CONTINUE;
  g_timeout_add (200, bench_select_later_cb, self);
  return G_SOURCE_REMOVE;
}

static gboolean
bench_wait_rows_cb (gpointer user_data)
{
  PfWindow *self = user_data;

  if (!pf_bench_probe_has_mark ("first-frame-with-rows"))
    return G_SOURCE_CONTINUE;
  g_signal_connect_swapped (self->preview_pane, "message-shown",
                            G_CALLBACK (on_bench_message_shown_cb), self);
  g_signal_connect_swapped (self->preview_pane, "html-loaded",
                            G_CALLBACK (on_bench_html_loaded_cb), self);
  /* Selecting starts once the web view has started (see
   * maybe_preload_html()), as it would have for a user, or after 30 s. */
  g_timeout_add (100, bench_wait_preload_cb, self);
  return G_SOURCE_REMOVE;
}

/* The web view's process starts a second after the window's first frame
 * (late enough not to delay the list), and only while no account syncs
 * and the window has not drawn for a moment: starting it blocks the main
 * loop for about 100 ms (WebKit waits for its sandbox's D-Bus proxy),
 * which would show during a large first sync, a scroll or an animation.
 * An HTML message opened before then starts it on the spot. */
#define PRELOAD_QUIET_USEC (400 * 1000)

static gboolean preload_html_cb (gpointer user_data);

static void
maybe_preload_html (PfWindow *self)
{
  gint64 quiet_for = g_get_monotonic_time () - self->last_paint;

  if (!self->preload_due || self->preload_id != 0 ||
      pf_account_status_get_syncing (self->account_status))
    return;
  if (quiet_for < PRELOAD_QUIET_USEC)
    {
      self->preload_id = g_timeout_add ((PRELOAD_QUIET_USEC - quiet_for) / 1000 + 1,
                                        preload_html_cb, self);
      return;
    }
  self->preload_due = FALSE;
  if (self->frame_clock != NULL)
    g_clear_signal_handler (&self->after_paint_handler, self->frame_clock);
  g_clear_weak_pointer (&self->frame_clock);
  pf_html_view_preload ();
}

static gboolean
preload_html_cb (gpointer user_data)
{
  PfWindow *self = user_data;

  self->preload_id = 0;
  self->preload_due = TRUE;
  maybe_preload_html (self);
  return G_SOURCE_REMOVE;
}

static void
on_after_paint_cb (PfWindow *self)
{
  self->last_paint = g_get_monotonic_time ();
}

static gboolean
emit_first_frame_cb (gpointer user_data)
{
  PfWindow *self = user_data;

  self->first_frame_id = 0;
  g_signal_emit (self, signals[SIGNAL_FIRST_FRAME], 0);
  return G_SOURCE_REMOVE;
}

static gboolean
first_frame_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  PfWindow *self = PF_WINDOW (widget);

  self->last_paint = g_get_monotonic_time ();
  g_set_weak_pointer (&self->frame_clock, clock);
  self->after_paint_handler = g_signal_connect_object (clock, "after-paint",
                                                       G_CALLBACK (on_after_paint_cb), self,
                                                       G_CONNECT_SWAPPED);
  self->preload_id = g_timeout_add (1000, preload_html_cb, self);
  /* A tick comes before the frame is drawn: "first-frame" after it. */
  self->first_frame_id = g_idle_add (emit_first_frame_cb, self);
  return G_SOURCE_REMOVE;
}

/* The settings of the selected folder's account, or of the only one. */
static void
account_settings_action (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  PfWindow *self = user_data;
  PfFolderItem *item = pf_folder_tree_get_selected (self->folder_tree);
  GListModel *services = pf_account_status_get_services (self->account_status);
  const char *account_id = item != NULL ? pf_folder_item_get_account_id (item) : NULL;
  g_autoptr(PfAccountService) first = NULL;

  if (account_id == NULL && services != NULL && g_list_model_get_n_items (services) > 0)
    {
      first = g_list_model_get_item (services, 0);
      account_id = pf_account_get_id (pf_account_service_get_account (first));
    }
  if (account_id != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "app.account-settings", "s", account_id);
}

static const GActionEntry win_entries[] = {
  { "sync", sync_action },
  { "account-settings", account_settings_action },
  { "navigate-back", navigate_back_action },
};

static void
pf_window_init (PfWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries),
                                   self);
  _pf_window_actions_init (self);
  /* Single-key shortcuts (j, k, s, Delete): only when the focused widget
   * does not take the key, so typing a search never acts on messages. */
  gtk_widget_add_controller (GTK_WIDGET (self), pf_window_accels_new_controller ());
  self->loader = pf_message_loader_new ();
  pf_preview_pane_set_loader (self->preview_pane, self->loader);
  pf_preview_pane_set_prefer_html (self->preview_pane, TRUE);
  /* The web view's process starts while the window shows its first rows,
   * not when the first HTML message is opened. */
  gtk_widget_add_tick_callback (GTK_WIDGET (self), first_frame_cb, NULL, NULL);
  if (pf_bench_probe_enabled () && g_getenv ("PF_BENCH_SELECT") != NULL)
    g_timeout_add (20, bench_wait_rows_cb, self);
  g_signal_connect (self->message_list, "notify::selected-message",
                    G_CALLBACK (on_selection_changed_cb), self);
  g_signal_connect (self->message_list, "notify::n-selected",
                    G_CALLBACK (on_selection_changed_cb), self);
  g_signal_connect (self->message_list, "message-activated",
                    G_CALLBACK (on_message_activated_cb), self);
  g_signal_connect (self->preview_pane, "message-shown", G_CALLBACK (on_message_shown_cb), self);
  g_signal_connect (self->folder_tree, "messages-dropped", G_CALLBACK (on_messages_dropped_cb),
                    self);
  _pf_window_update_actions (self);
  g_signal_connect (self, "notify::default-width", G_CALLBACK (on_default_width_changed_cb), NULL);
  g_signal_connect (self, "notify::maximized", G_CALLBACK (on_default_width_changed_cb), NULL);
  g_signal_connect (self->account_status, "notify::syncing", G_CALLBACK (on_syncing_changed_cb),
                    self);
  g_signal_connect (self->account_status, "account-changed", G_CALLBACK (on_account_changed_cb),
                    self);

  g_signal_connect (self->folder_tree, "notify::selected", G_CALLBACK (on_folder_selected_cb),
                    self);
}
