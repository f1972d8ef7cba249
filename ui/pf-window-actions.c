/* pf-window-actions.c: the window's message actions
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-window"

#include "config.h"

#include <glib/gi18n.h>

#include "sync/pf-operations.h"

#include "pf-window-private.h"

/* Each action works on the message list's selection: the messages are
 * grouped by store and folder, and each group becomes one queued
 * operation of the core (applied to the store at once, replayed to the
 * server when the account's service is woken). Flag changes are woken at
 * once; deleting, archiving and moving wait until their Undo toast is
 * gone, so that Undo takes them back before the server saw them. */

typedef struct
{
  PfStore *store;
  gint64   folder_id;
  GArray  *uids;        /* guint32 */
} Group;

static void
group_free (Group *group)
{
  g_clear_object (&group->store);
  g_clear_pointer (&group->uids, g_array_unref);
  g_free (group);
}

/* The selection as one group per (store, folder). */
static GPtrArray *
selection_groups (PfWindow *self,
                  gboolean *out_any_unread,
                  gboolean *out_any_unflagged)
{
  g_autoptr(GPtrArray) selection = pf_message_list_dup_selection (self->message_list);
  GPtrArray *groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);
  gboolean any_unread = FALSE;
  gboolean any_unflagged = FALSE;

  for (guint i = 0; selection != NULL && i < selection->len; i++)
    {
      PfMessageSummary *summary = selection->pdata[i];
      PfStore *store = pf_message_summary_get_store (summary);
      gint64 folder_id = pf_message_summary_get_folder_id (summary);
      guint32 uid = pf_message_summary_get_uid (summary);
      Group *group = NULL;

      any_unread |= pf_message_summary_get_is_unread (summary);
      any_unflagged |= !pf_message_summary_get_is_flagged (summary);
      for (guint j = 0; j < groups->len && group == NULL; j++)
        {
          Group *candidate = groups->pdata[j];

          if (candidate->store == store && candidate->folder_id == folder_id)
            group = candidate;
        }
      if (group == NULL)
        {
          group = g_new0 (Group, 1);
          group->store = g_object_ref (store);
          group->folder_id = folder_id;
          group->uids = g_array_new (FALSE, FALSE, sizeof (guint32));
          g_ptr_array_add (groups, group);
        }
      g_array_append_val (group->uids, uid);
    }

  if (out_any_unread != NULL)
    *out_any_unread = any_unread;
  if (out_any_unflagged != NULL)
    *out_any_unflagged = any_unflagged;
  return groups;
}

static PfAccountService *
lookup_service (PfWindow *self,
                PfStore  *store)
{
  GListModel *services = pf_account_status_get_services (self->account_status);

  for (guint i = 0; services != NULL && i < g_list_model_get_n_items (services); i++)
    {
      g_autoptr(PfAccountService) service = g_list_model_get_item (services, i);

      if (pf_account_service_get_store (service) == store)
        return service;
    }
  return NULL;
}

/* Replays what was queued in @store now. */
static void
push_changes (PfWindow *self,
              PfStore  *store)
{
  PfAccountService *service = lookup_service (self, store);

  if (service != NULL)
    pf_account_service_sync_now (service);
}

static void
show_error (PfWindow     *self,
            const GError *error)
{
  AdwToast *toast = adw_toast_new (error->message);

  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
set_flags (PfWindow     *self,
           PfStoreFlags  add,
           PfStoreFlags  remove)
{
  g_autoptr(GPtrArray) groups = selection_groups (self, NULL, NULL);

  for (guint i = 0; i < groups->len; i++)
    {
      Group *group = groups->pdata[i];
      g_autoptr(GError) error = NULL;

      if (pf_operations_set_flags (group->store, group->folder_id,
                                   (const guint32 *) (gpointer) group->uids->data,
                                   group->uids->len, add, remove, &error) == 0)
        show_error (self, error);
      else
        push_changes (self, group->store);
    }
  _pf_window_update_actions (self);
}

static void
mark_read_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  set_flags (user_data, PF_STORE_FLAG_SEEN, 0);
}

static void
mark_unread_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  PfWindow *self = user_data;

  /* Not read again by the preview right away. */
  g_clear_handle_id (&self->mark_read_id, g_source_remove);
  set_flags (self, 0, PF_STORE_FLAG_SEEN);
}

static void
toggle_read_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  PfWindow *self = user_data;
  gboolean any_unread = FALSE;
  g_autoptr(GPtrArray) groups = selection_groups (self, &any_unread, NULL);

  if (any_unread)
    mark_read_action (action, parameter, self);
  else
    mark_unread_action (action, parameter, self);
}

static void
toggle_flag_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  PfWindow *self = user_data;
  gboolean any_unflagged = FALSE;
  g_autoptr(GPtrArray) groups = selection_groups (self, NULL, &any_unflagged);

  if (any_unflagged)
    set_flags (self, PF_STORE_FLAG_FLAGGED, 0);
  else
    set_flags (self, 0, PF_STORE_FLAG_FLAGGED);
}

/* Deleting, archiving, moving: a toast with Undo. */

typedef struct
{
  PfWindow  *self;        /* weak */
  GPtrArray *stores;      /* PfStore, parallel to operations */
  GArray    *operations;  /* gint64 */
  gboolean   undone;
} Undo;

static void
undo_free (Undo *undo)
{
  g_clear_weak_pointer (&undo->self);
  g_clear_pointer (&undo->stores, g_ptr_array_unref);
  g_clear_pointer (&undo->operations, g_array_unref);
  g_free (undo);
}

static void
on_undo_clicked_cb (AdwToast *toast,
                    Undo     *undo)
{
  g_autoptr(GError) error = NULL;

  undo->undone = TRUE;
  for (guint i = 0; i < undo->operations->len; i++)
    {
      if (!pf_operations_undo (undo->stores->pdata[i],
                               g_array_index (undo->operations, gint64, i), &error) &&
          undo->self != NULL)
        {
          show_error (undo->self, error);
          g_clear_error (&error);
        }
    }
}

/* The toast is gone: what was not taken back goes to the server. */
static void
on_undo_dismissed_cb (AdwToast *toast,
                      Undo     *undo)
{
  for (guint i = 0; i < undo->stores->len; i++)
    pf_store_release_operation (undo->stores->pdata[i],
                                g_array_index (undo->operations, gint64, i));
  if (!undo->undone && undo->self != NULL)
    for (guint i = 0; i < undo->stores->len; i++)
      push_changes (undo->self, undo->stores->pdata[i]);
  undo_free (undo);
}

typedef gint64 (*GroupOperation) (PfWindow *self,
                                  Group    *group,
                                  gpointer  data,
                                  GError  **error);

typedef enum
{
  UNDOABLE_DELETE,
  UNDOABLE_ARCHIVE,
  UNDOABLE_MOVE,
} Undoable;

static char *
undoable_title (Undoable kind,
                guint    count)
{
  switch (kind)
    {
    case UNDOABLE_DELETE:
      /* Translators: a toast with an Undo button */
      return g_strdup_printf (ngettext ("%u message deleted", "%u messages deleted", count),
                              count);
    case UNDOABLE_ARCHIVE:
      /* Translators: a toast with an Undo button */
      return g_strdup_printf (ngettext ("%u message archived", "%u messages archived", count),
                              count);
    case UNDOABLE_MOVE:
    default:
      /* Translators: a toast with an Undo button */
      return g_strdup_printf (ngettext ("%u message moved", "%u messages moved", count),
                              count);
    }
}

static void
run_undoable (PfWindow       *self,
              GroupOperation  operation,
              gpointer        data,
              Undoable        kind)
{
  g_autoptr(GPtrArray) groups = selection_groups (self, NULL, NULL);
  g_autofree char *title = NULL;
  Undo *undo;
  AdwToast *toast;
  guint count = 0;
  guint position = pf_message_list_get_first_selected (self->message_list);

  if (groups->len == 0)
    return;

  undo = g_new0 (Undo, 1);
  g_set_weak_pointer (&undo->self, self);
  undo->stores = g_ptr_array_new_with_free_func (g_object_unref);
  undo->operations = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < groups->len; i++)
    {
      Group *group = groups->pdata[i];
      g_autoptr(GError) error = NULL;
      gint64 id = operation (self, group, data, &error);

      if (id == 0)
        {
          show_error (self, error);
          continue;
        }
      /* Not replayed, whatever wakes the sync, while Undo is offered. */
      pf_store_hold_operation (group->store, id);
      g_ptr_array_add (undo->stores, g_object_ref (group->store));
      g_array_append_val (undo->operations, id);
      count += group->uids->len;
    }

  if (undo->operations->len == 0)
    {
      undo_free (undo);
      return;
    }

  /* The next message takes the place of the ones gone. */
  pf_message_list_select_position (self->message_list, position);

  title = undoable_title (kind, count);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_signal_connect (toast, "button-clicked", G_CALLBACK (on_undo_clicked_cb), undo);
  g_signal_connect (toast, "dismissed", G_CALLBACK (on_undo_dismissed_cb), undo);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static gint64
delete_group (PfWindow  *self,
              Group     *group,
              gpointer   data,
              GError   **error)
{
  return pf_operations_delete (group->store, group->folder_id,
                               (const guint32 *) (gpointer) group->uids->data, group->uids->len,
                               error);
}

static void
delete_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  run_undoable (user_data, delete_group, NULL, UNDOABLE_DELETE);
}

static gint64
move_group (PfWindow  *self,
            Group     *group,
            gpointer   data,
            GError   **error)
{
  gint64 target = *(gint64 *) data;

  if (target == group->folder_id)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                   _("The messages are in that folder already"));
      return 0;
    }
  return pf_operations_move (group->store, group->folder_id,
                             (const guint32 *) (gpointer) group->uids->data, group->uids->len,
                             target, error);
}

static gint64
archive_group (PfWindow  *self,
               Group     *group,
               gpointer   data,
               GError   **error)
{
  g_autoptr(PfStoreFolder) archive =
    pf_store_lookup_folder_by_special_use (group->store, PF_STORE_SPECIAL_USE_ARCHIVE, NULL);

  if (archive == NULL)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                   _("This account has no Archive folder"));
      return 0;
    }
  return move_group (self, group, &archive->id, error);
}

static void
archive_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  run_undoable (user_data, archive_group, NULL, UNDOABLE_ARCHIVE);
}

static void
move_to_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  gint64 target = g_variant_get_int64 (parameter);

  run_undoable (user_data, move_group, &target, UNDOABLE_MOVE);
}

/* Moving by drag and drop onto a folder of the same account. */
void
_pf_window_move_dropped (PfWindow     *self,
                         PfFolderItem *target,
                         gboolean      copy)
{
  gint64 target_id = pf_folder_item_get_folder_id (target);
  g_autoptr(GPtrArray) groups = NULL;

  if (pf_folder_item_get_kind (target) != PF_FOLDER_ITEM_FOLDER)
    return;

  if (!copy)
    {
      run_undoable (self, move_group, &target_id, UNDOABLE_MOVE);
      return;
    }

  groups = selection_groups (self, NULL, NULL);
  for (guint i = 0; i < groups->len; i++)
    {
      Group *group = groups->pdata[i];
      g_autoptr(GError) error = NULL;

      if (group->store != pf_folder_item_get_store (target))
        continue;
      if (pf_operations_copy (group->store, group->folder_id,
                              (const guint32 *) (gpointer) group->uids->data, group->uids->len,
                              target_id, &error) == 0)
        show_error (self, error);
      else
        push_changes (self, group->store);
    }
}

static void
next_message_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  PfWindow *self = user_data;

  pf_message_list_select_next (self->message_list);
}

static void
previous_message_action (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  PfWindow *self = user_data;

  pf_message_list_select_previous (self->message_list);
}

static void
search_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  PfWindow *self = user_data;
  GVariant *state = g_action_get_state (G_ACTION (action));
  gboolean enabled = !g_variant_get_boolean (state);

  g_variant_unref (state);
  g_simple_action_set_state (action, g_variant_new_boolean (enabled));
  g_object_set (self->message_list, "search-mode-enabled", enabled, NULL);
}

static void
on_search_mode_changed_cb (PfMessageList *list,
                           GParamSpec    *pspec,
                           PfWindow      *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "search");
  gboolean enabled = FALSE;

  g_object_get (list, "search-mode-enabled", &enabled, NULL);
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (enabled));
}

/* Composing comes with the composer; until then these stay disabled and
 * their buttons hidden. */
static void
compose_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
}

static const GActionEntry message_entries[] = {
  { "mark-read", mark_read_action },
  { "mark-unread", mark_unread_action },
  { "toggle-read", toggle_read_action },
  { "toggle-flag", toggle_flag_action },
  { "delete", delete_action },
  { "archive", archive_action },
  { "move-to", move_to_action, "x" },
  { "next-message", next_message_action },
  { "previous-message", previous_message_action },
  { "search", NULL, NULL, "false", search_action },
  { "compose", compose_action },
  { "compose-to", compose_action, "s" },
  { "reply", compose_action },
  { "reply-all", compose_action },
  { "forward", compose_action },
};

static const char * const selection_actions[] = {
  "mark-read", "mark-unread", "toggle-read", "toggle-flag", "delete", "archive", "move-to",
};

static const char * const composer_actions[] = {
  "compose", "compose-to", "reply", "reply-all", "forward",
};

static void
set_enabled (PfWindow   *self,
             const char *name,
             gboolean    enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

/* The Move To menu: the folders of the selection's account, read when it
 * opens rather than at every change of the selection. */
static void
create_move_menu_cb (GtkMenuButton *button,
                     gpointer       user_data)
{
  PfWindow *self = user_data;
  g_autoptr(GMenu) menu = g_menu_new ();
  PfMessageSummary *summary = pf_message_list_get_selected_message (self->message_list);
  g_autoptr(GPtrArray) folders = NULL;

  if (summary != NULL)
    folders = pf_store_list_folders (pf_message_summary_get_store (summary), NULL);
  for (guint i = 0; folders != NULL && i < folders->len; i++)
    {
      PfStoreFolder *folder = folders->pdata[i];
      g_autoptr(GMenuItem) item = NULL;

      if (folder->id == pf_message_summary_get_folder_id (summary))
        continue;
      item = g_menu_item_new (folder->display_name != NULL ? folder->display_name : folder->name,
                              NULL);
      g_menu_item_set_action_and_target (item, "win.move-to", "x", folder->id);
      g_menu_append_item (menu, item);
    }
  gtk_menu_button_set_menu_model (button, G_MENU_MODEL (menu));
}

/* A button that says what it will do; the tooltip only when it changes
 * (setting one makes GTK 4.8 query the pointer from the X server). */
static void
set_button_state (GtkButton  *button,
                  const char *icon_name,
                  const char *text)
{
  gtk_button_set_icon_name (button, icon_name);
  if (g_strcmp0 (gtk_widget_get_tooltip_text (GTK_WIDGET (button)), text) == 0)
    return;
  gtk_widget_set_tooltip_text (GTK_WIDGET (button), text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
}

void
_pf_window_update_actions (PfWindow *self)
{
  guint n_selected = pf_message_list_get_n_selected (self->message_list);
  gboolean any_unread = FALSE;
  gboolean any_unflagged = FALSE;
  g_autoptr(GPtrArray) groups = selection_groups (self, &any_unread, &any_unflagged);

  for (guint i = 0; i < G_N_ELEMENTS (selection_actions); i++)
    set_enabled (self, selection_actions[i], n_selected > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->move_button), n_selected > 0);

  set_button_state (self->read_button,
                    any_unread ? "mail-read-symbolic" : "mail-unread-symbolic",
                    any_unread ? _("Mark as Read") : _("Mark as Unread"));
  set_button_state (self->flag_button,
                    any_unflagged ? "non-starred-symbolic" : "starred-symbolic",
                    any_unflagged ? _("Flag") : _("Remove Flag"));
}

void
_pf_window_actions_init (PfWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), message_entries,
                                   G_N_ELEMENTS (message_entries), self);
  for (guint i = 0; i < G_N_ELEMENTS (composer_actions); i++)
    set_enabled (self, composer_actions[i], FALSE);
  gtk_menu_button_set_create_popup_func (self->move_button, create_move_menu_cb, self, NULL);
  g_signal_connect (self->message_list, "notify::search-mode-enabled",
                    G_CALLBACK (on_search_mode_changed_cb), self);
}

void
_pf_window_actions_bind_settings (PfWindow *self)
{
  g_autoptr(GAction) conversations = g_settings_create_action (self->settings, "conversations");

  g_action_map_add_action (G_ACTION_MAP (self), conversations);
  g_settings_bind (self->settings, "conversations", self->message_list, "conversations",
                   G_SETTINGS_BIND_GET);
}
