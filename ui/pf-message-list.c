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
#include <string.h>

#include "store/pf-message-list-model.h"

#include "pf-message-list.h"
#include "pf-message-row.h"

/*
 * The messages of a folder, newest first: a GtkListView over the core's
 * paged PfMessageListModel, so only the rows on screen are loaded. The
 * list shows one of three models: the folder the window gave, the
 * conversations of that folder, or the results of a search.
 *
 * The message actions themselves (win.mark-read, win.delete, …) belong
 * to the window and act on the selection; the list only offers them in
 * its context menu and binds Delete.
 */

struct _PfMessageList
{
  GtkWidget          parent_instance;

  /* Owned */
  GListModel        *model;           /* the folder, as given */
  GListModel        *threads_model;   /* its conversations */
  GListModel        *search_model;    /* results while searching */
  GtkMultiSelection *selection;       /* over the shown model */
  PfMessageSummary  *selected_message;
  GPtrArray         *search_stores;   /* of PfStore */
  PfStore           *search_store;
  GtkWidget         *context_popover;

  /* Borrowed: one of the models above */
  GListModel        *shown;

  gint64             search_folder_id;
  guint              n_selected;
  gboolean           conversations;
  gboolean           search_failed;

  /* Template children */
  GtkSearchBar      *search_bar;
  GtkSearchEntry    *search_entry;
  GtkToggleButton   *all_accounts_button;
  GtkStack          *stack;
  GtkListView       *list_view;
  GMenuModel        *context_menu;
};

G_DEFINE_FINAL_TYPE (PfMessageList, pf_message_list, GTK_TYPE_WIDGET)

G_DEFINE_BOXED_TYPE (PfMessageDrag, pf_message_drag, g_ptr_array_ref, g_ptr_array_unref)

enum {
  PROP_0,
  PROP_SELECTED_MESSAGE,
  PROP_N_SELECTED,
  PROP_CONVERSATIONS,
  PROP_SEARCH_MODE_ENABLED,
  N_PROPS
};

enum {
  TOGGLE_FLAG,
  MESSAGE_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Selection */

static void
update_selection (PfMessageList *self)
{
  g_autoptr(PfMessageSummary) message = NULL;
  guint n = 0;

  if (self->selection != NULL)
    {
      g_autoptr(GtkBitset) selected =
        gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));

      n = (guint) MIN (gtk_bitset_get_size (selected), G_MAXUINT);
      if (n == 1)
        message = g_list_model_get_item (G_LIST_MODEL (self->selection),
                                         gtk_bitset_get_minimum (selected));
    }

  if (self->n_selected != n)
    {
      self->n_selected = n;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SELECTED]);
    }
  if (g_set_object (&self->selected_message, message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_MESSAGE]);
}

static void
update_page (PfMessageList *self)
{
  const char *page = "no-folder";

  if (self->shown != NULL && g_list_model_get_n_items (self->shown) > 0)
    page = "messages";
  else if (self->search_model != NULL)
    page = "no-results";
  else if (self->shown != NULL)
    page = "empty";
  gtk_stack_set_visible_child_name (self->stack, page);
}

static void
on_selection_changed_cb (GtkSelectionModel *selection,
                         guint              position,
                         guint              n_items,
                         PfMessageList     *self)
{
  update_selection (self);
}

static void
on_items_changed_cb (GListModel    *model,
                     guint          position,
                     guint          removed,
                     guint          added,
                     PfMessageList *self)
{
  update_page (self);
  update_selection (self);
}

/* Puts the right one of the three models on screen. */
static void
update_shown (PfMessageList *self)
{
  GListModel *shown = self->model;

  if (self->search_model != NULL)
    shown = self->search_model;
  else if (self->conversations && self->threads_model != NULL)
    shown = self->threads_model;

  if (shown != self->shown || (shown != NULL && self->selection == NULL))
    {
      if (self->selection != NULL)
        g_signal_handlers_disconnect_by_data (self->selection, self);
      g_clear_object (&self->selection);
      self->shown = shown;
      if (shown != NULL)
        {
          self->selection = gtk_multi_selection_new (g_object_ref (shown));
          g_signal_connect (self->selection, "selection-changed",
                            G_CALLBACK (on_selection_changed_cb), self);
          g_signal_connect (self->selection, "items-changed", G_CALLBACK (on_items_changed_cb),
                            self);
        }
      gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
    }
  update_page (self);
  update_selection (self);
}

static void
rebuild_threads (PfMessageList *self)
{
  PfStore *store = NULL;
  gint64 folder_id = 0;

  g_clear_object (&self->threads_model);
  if (self->conversations && PF_IS_MESSAGE_LIST_MODEL (self->model) &&
      pf_message_list_model_get_folder (PF_MESSAGE_LIST_MODEL (self->model), &store, &folder_id))
    self->threads_model =
      G_LIST_MODEL (pf_message_list_model_new_for_folder_threads (store, folder_id));
}

/* Search */

static gboolean
search_add (PfMessageListModel *model,
            PfStore            *store,
            gint64              folder_id,
            const char         *text)
{
  g_autoptr(GError) error = NULL;

  /* The store turns the words into a quoted full-text query; what it
   * cannot search for (only operators or punctuation) finds nothing. */
  if (!pf_message_list_model_add_source (model, store, folder_id, text, &error))
    {
      g_debug ("Nothing to search for in “%s”: %s", text, error->message);
      return FALSE;
    }
  return TRUE;
}

static void
run_search (PfMessageList *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  g_autoptr(PfMessageListModel) results = NULL;
  PfStore *store = self->search_store;
  gint64 folder_id = self->search_folder_id;
  gboolean ok = TRUE;

  g_clear_object (&self->search_model);
  self->search_failed = FALSE;

  if (!gtk_search_bar_get_search_mode (self->search_bar) || *stripped == '\0')
    {
      update_shown (self);
      return;
    }

  /* As you type: the last word may be the start of one */
  if (!g_ascii_isspace (text[strlen (text) - 1]) && !g_str_has_suffix (stripped, "*"))
    {
      char *prefix = g_strconcat (stripped, "*", NULL);

      g_free (stripped);
      stripped = prefix;
    }

  if (store == NULL && PF_IS_MESSAGE_LIST_MODEL (self->model))
    pf_message_list_model_get_folder (PF_MESSAGE_LIST_MODEL (self->model), &store, &folder_id);

  results = pf_message_list_model_new ();
  if (gtk_toggle_button_get_active (self->all_accounts_button) || store == NULL)
    {
      for (guint i = 0; self->search_stores != NULL && i < self->search_stores->len && ok; i++)
        ok = search_add (results, self->search_stores->pdata[i], 0, stripped);
      if (self->search_stores == NULL && store != NULL)
        ok = search_add (results, store, 0, stripped);
    }
  else
    ok = search_add (results, store, folder_id, stripped);

  if (!ok)
    {
      g_clear_object (&results);
      results = pf_message_list_model_new ();
      self->search_failed = TRUE;
    }

  self->search_model = G_LIST_MODEL (g_steal_pointer (&results));
  update_shown (self);
}

static void
on_search_changed_cb (PfMessageList *self)
{
  run_search (self);
}

static void
on_stop_search_cb (PfMessageList *self)
{
  pf_message_list_set_search_mode_enabled (self, FALSE);
}

static void
on_search_mode_cb (PfMessageList *self)
{
  if (!gtk_search_bar_get_search_mode (self->search_bar))
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  run_search (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_MODE_ENABLED]);
}

static void
on_all_accounts_toggled_cb (PfMessageList *self)
{
  run_search (self);
}

/* Context menu */

static void
popup_menu_at (PfMessageList *self,
               double         x,
               double         y)
{
  GdkRectangle rect = { (int) x, (int) y, 1, 1 };

  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_popover), &rect);
  gtk_popover_popup (GTK_POPOVER (self->context_popover));
}

static void
select_for_menu (PfMessageList *self,
                 guint          position)
{
  /* A click outside the selection acts on that row alone. */
  if (self->selection != NULL &&
      !gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), position))
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
}

static void
row_popup (GtkEventController *controller,
           GtkListItem        *list_item,
           double              x,
           double              y)
{
  GtkWidget *row = gtk_event_controller_get_widget (controller);
  GtkWidget *list = gtk_widget_get_ancestor (row, PF_TYPE_MESSAGE_LIST);
  graphene_point_t point = GRAPHENE_POINT_INIT ((float) x, (float) y);
  graphene_point_t at;

  if (list == NULL || gtk_list_item_get_item (list_item) == NULL)
    return;
  select_for_menu (PF_MESSAGE_LIST (list), gtk_list_item_get_position (list_item));
  if (!gtk_widget_compute_point (row, list, &point, &at))
    at = point;
  popup_menu_at (PF_MESSAGE_LIST (list), at.x, at.y);
}

static void
on_row_pressed_cb (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   GtkListItem     *list_item)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  row_popup (GTK_EVENT_CONTROLLER (gesture), list_item, x, y);
}

static void
on_row_long_pressed_cb (GtkGestureLongPress *gesture,
                        double               x,
                        double               y,
                        GtkListItem         *list_item)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  row_popup (GTK_EVENT_CONTROLLER (gesture), list_item, x, y);
}

/* Menu key, Shift+F10: at the focused row, or at the top of the list. */
static gboolean
popup_menu_binding_cb (GtkWidget *widget,
                       GVariant  *args,
                       gpointer   user_data)
{
  PfMessageList *self = PF_MESSAGE_LIST (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  graphene_rect_t bounds;

  if (self->n_selected == 0)
    return FALSE;
  if (focus != NULL && gtk_widget_is_ancestor (focus, widget) &&
      gtk_widget_compute_bounds (focus, widget, &bounds))
    popup_menu_at (self, bounds.origin.x + bounds.size.width / 2,
                   bounds.origin.y + bounds.size.height / 2);
  else
    popup_menu_at (self, gtk_widget_get_width (widget) / 2.0, 0);
  return TRUE;
}

/* Star */

static gboolean
on_row_toggle_flag_cb (PfMessageRow     *row,
                       PfMessageSummary *summary,
                       GtkListItem      *list_item)
{
  PfMessageList *self = PF_MESSAGE_LIST (gtk_widget_get_ancestor (GTK_WIDGET (row),
                                                                  PF_TYPE_MESSAGE_LIST));
  gboolean handled = FALSE;

  if (self == NULL)
    return FALSE;
  g_signal_emit (self, signals[TOGGLE_FLAG], 0, summary, &handled);
  if (!handled)
    {
      /* Without a handler, the star acts through the window's action on
       * the row it belongs to. */
      select_for_menu (self, gtk_list_item_get_position (list_item));
      gtk_widget_activate_action (GTK_WIDGET (self), "win.toggle-flag", NULL);
    }
  return TRUE;
}

/* Drag and drop */

static GdkContentProvider *
on_drag_prepare_cb (GtkDragSource *source,
                    double         x,
                    double         y,
                    GtkListItem   *list_item)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  GtkWidget *list = gtk_widget_get_ancestor (row, PF_TYPE_MESSAGE_LIST);
  g_autoptr(GPtrArray) messages = NULL;

  if (list == NULL || gtk_list_item_get_item (list_item) == NULL)
    return NULL;
  select_for_menu (PF_MESSAGE_LIST (list), gtk_list_item_get_position (list_item));
  messages = pf_message_list_dup_selection (PF_MESSAGE_LIST (list));
  if (messages->len == 0)
    return NULL;
  return gdk_content_provider_new_typed (PF_TYPE_MESSAGE_DRAG, messages);
}

static void
on_drag_begin_cb (GtkDragSource *source,
                  GdkDrag       *drag,
                  gpointer       user_data)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (source));
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (row);

  gtk_drag_source_set_icon (source, paintable, 0, 0);
}

/* Rows */

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              PfMessageList            *self)
{
  PfMessageRow *row = pf_message_row_new ();
  GtkGesture *click = gtk_gesture_click_new ();
  GtkGesture *long_press = gtk_gesture_long_press_new ();
  GtkDragSource *drag = gtk_drag_source_new ();

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_row_pressed_cb), list_item);
  gtk_widget_add_controller (GTK_WIDGET (row), GTK_EVENT_CONTROLLER (click));

  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (long_press), TRUE);
  g_signal_connect (long_press, "pressed", G_CALLBACK (on_row_long_pressed_cb), list_item);
  gtk_widget_add_controller (GTK_WIDGET (row), GTK_EVENT_CONTROLLER (long_press));

  gtk_drag_source_set_actions (drag, GDK_ACTION_MOVE | GDK_ACTION_COPY);
  g_signal_connect (drag, "prepare", G_CALLBACK (on_drag_prepare_cb), list_item);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin_cb), NULL);
  gtk_widget_add_controller (GTK_WIDGET (row), GTK_EVENT_CONTROLLER (drag));

  g_signal_connect (row, "toggle-flag", G_CALLBACK (on_row_toggle_flag_cb), list_item);
  gtk_list_item_set_child (list_item, GTK_WIDGET (row));
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             PfMessageList            *self)
{
  PfMessageRow *row = PF_MESSAGE_ROW (gtk_list_item_get_child (list_item));

  pf_message_row_set_conversations (row, self->shown == self->threads_model &&
                                         self->threads_model != NULL);
  pf_message_row_set_summary (row, gtk_list_item_get_item (list_item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               PfMessageList            *self)
{
  pf_message_row_set_summary (PF_MESSAGE_ROW (gtk_list_item_get_child (list_item)), NULL);
}

/* Public API */

/**
 * pf_message_list_set_model:
 * @self: a #PfMessageList
 * @model: (nullable): the messages to show (of #PfMessageSummary), or
 *   %NULL when no folder is selected
 *
 * A search in progress continues in the new folder.
 */
void
pf_message_list_set_model (PfMessageList *self,
                           GListModel    *model)
{
  g_return_if_fail (PF_IS_MESSAGE_LIST (self));
  g_return_if_fail (model == NULL || G_IS_LIST_MODEL (model));

  if (!g_set_object (&self->model, model))
    return;
  rebuild_threads (self);
  if (self->search_model != NULL)
    run_search (self);
  else
    update_shown (self);
}

/**
 * pf_message_list_get_shown_model:
 * @self: a #PfMessageList
 *
 * Returns: (transfer none) (nullable): what the list shows: the folder,
 *   its conversations or the search results
 */
GListModel *
pf_message_list_get_shown_model (PfMessageList *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_LIST (self), NULL);
  return self->shown;
}

/**
 * pf_message_list_dup_selection:
 * @self: a #PfMessageList
 *
 * Returns: (transfer full) (element-type PfMessageSummary): the selected
 *   messages, in list order
 */
GPtrArray *
pf_message_list_dup_selection (PfMessageList *self)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkBitset) selected = NULL;
  GtkBitsetIter iter;
  guint position;

  g_return_val_if_fail (PF_IS_MESSAGE_LIST (self), messages);

  if (self->selection == NULL)
    return messages;
  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position); ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      gpointer item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

      if (item != NULL)
        g_ptr_array_add (messages, item);
    }
  return messages;
}

/**
 * pf_message_list_get_selected_message:
 * @self: a #PfMessageList
 *
 * Returns: (transfer none) (nullable): the selected message when exactly
 *   one is selected
 */
PfMessageSummary *
pf_message_list_get_selected_message (PfMessageList *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_LIST (self), NULL);
  return self->selected_message;
}

/**
 * pf_message_list_get_n_selected:
 * @self: a #PfMessageList
 *
 * Returns: how many messages are selected
 */
guint
pf_message_list_get_n_selected (PfMessageList *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_LIST (self), 0);
  return self->n_selected;
}

static void
select_position (PfMessageList *self,
                 guint          position)
{
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
}

static void
on_list_activate_cb (PfMessageList *self,
                     guint          position)
{
  g_signal_emit (self, signals[MESSAGE_ACTIVATED], 0);
}

/**
 * pf_message_list_get_first_selected:
 * @self: a #PfMessageList
 *
 * Returns: the position of the first selected row, or %GTK_INVALID_LIST_POSITION
 */
guint
pf_message_list_get_first_selected (PfMessageList *self)
{
  g_autoptr(GtkBitset) selected = NULL;

  g_return_val_if_fail (PF_IS_MESSAGE_LIST (self), GTK_INVALID_LIST_POSITION);

  if (self->selection == NULL)
    return GTK_INVALID_LIST_POSITION;
  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  return gtk_bitset_is_empty (selected) ? GTK_INVALID_LIST_POSITION :
         gtk_bitset_get_minimum (selected);
}

/**
 * pf_message_list_select_position:
 * @self: a #PfMessageList
 * @position: a row, clamped to the last one
 *
 * Selects the row at @position alone (after messages were deleted or moved
 * away: the next one takes their place). Does nothing on an empty list or
 * for %GTK_INVALID_LIST_POSITION.
 */
void
pf_message_list_select_position (PfMessageList *self,
                                 guint          position)
{
  guint n;

  g_return_if_fail (PF_IS_MESSAGE_LIST (self));

  if (self->selection == NULL || position == GTK_INVALID_LIST_POSITION ||
      (n = g_list_model_get_n_items (self->shown)) == 0)
    return;
  select_position (self, MIN (position, n - 1));
}

/**
 * pf_message_list_select_next:
 * @self: a #PfMessageList
 *
 * Selects the message after the selection (the first one if nothing is
 * selected), alone.
 */
void
pf_message_list_select_next (PfMessageList *self)
{
  g_autoptr(GtkBitset) selected = NULL;
  guint n;
  guint position = 0;

  g_return_if_fail (PF_IS_MESSAGE_LIST (self));

  if (self->selection == NULL || (n = g_list_model_get_n_items (self->shown)) == 0)
    return;
  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  if (!gtk_bitset_is_empty (selected))
    position = MIN (gtk_bitset_get_maximum (selected) + 1, n - 1);
  select_position (self, position);
}

/**
 * pf_message_list_select_previous:
 * @self: a #PfMessageList
 *
 * Selects the message before the selection (the first one if nothing is
 * selected), alone.
 */
void
pf_message_list_select_previous (PfMessageList *self)
{
  g_autoptr(GtkBitset) selected = NULL;
  guint position = 0;

  g_return_if_fail (PF_IS_MESSAGE_LIST (self));

  if (self->selection == NULL || g_list_model_get_n_items (self->shown) == 0)
    return;
  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  if (!gtk_bitset_is_empty (selected) && gtk_bitset_get_minimum (selected) > 0)
    position = gtk_bitset_get_minimum (selected) - 1;
  select_position (self, position);
}

/**
 * pf_message_list_select_message:
 * @self: a #PfMessageList
 * @store: the message's store
 * @message_id: the message's id in @store
 *
 * Selects the message alone and scrolls to it.
 *
 * Returns: %TRUE if the list shows the message
 */
gboolean
pf_message_list_select_message (PfMessageList *self,
                                PfStore       *store,
                                gint64         message_id)
{
  guint position = G_MAXUINT;

  g_return_val_if_fail (PF_IS_MESSAGE_LIST (self), FALSE);
  g_return_val_if_fail (PF_IS_STORE (store), FALSE);

  if (self->shown == NULL)
    return FALSE;
  if (PF_IS_MESSAGE_LIST_MODEL (self->shown))
    position = pf_message_list_model_find (PF_MESSAGE_LIST_MODEL (self->shown), store, message_id);
  else
    {
      guint n = g_list_model_get_n_items (self->shown);

      for (guint i = 0; i < n && position == G_MAXUINT; i++)
        {
          g_autoptr(PfMessageSummary) item = g_list_model_get_item (self->shown, i);

          if (pf_message_summary_get_id (item) == message_id &&
              pf_message_summary_get_store (item) == (gpointer) store)
            position = i;
        }
    }
  if (position == G_MAXUINT)
    return FALSE;
  select_position (self, position);
  return TRUE;
}

/**
 * pf_message_list_get_conversations:
 * @self: a #PfMessageList
 *
 * Returns: whether the list shows conversations
 */
gboolean
pf_message_list_get_conversations (PfMessageList *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_LIST (self), FALSE);
  return self->conversations;
}

/**
 * pf_message_list_set_conversations:
 * @self: a #PfMessageList
 * @conversations: whether to show one row per conversation (for a
 *   single folder; other lists stay as they are)
 */
void
pf_message_list_set_conversations (PfMessageList *self,
                                   gboolean       conversations)
{
  g_return_if_fail (PF_IS_MESSAGE_LIST (self));

  conversations = !!conversations;
  if (self->conversations == conversations)
    return;
  self->conversations = conversations;
  rebuild_threads (self);
  update_shown (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATIONS]);
}

/**
 * pf_message_list_get_search_mode_enabled:
 * @self: a #PfMessageList
 *
 * Returns: whether the search bar is open
 */
gboolean
pf_message_list_get_search_mode_enabled (PfMessageList *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_LIST (self), FALSE);
  return gtk_search_bar_get_search_mode (self->search_bar);
}

/**
 * pf_message_list_set_search_mode_enabled:
 * @self: a #PfMessageList
 * @enabled: whether to open the search bar; closing it brings the folder
 *   back
 */
void
pf_message_list_set_search_mode_enabled (PfMessageList *self,
                                         gboolean       enabled)
{
  g_return_if_fail (PF_IS_MESSAGE_LIST (self));

  gtk_search_bar_set_search_mode (self->search_bar, enabled);
}

/**
 * pf_message_list_set_search_scope:
 * @self: a #PfMessageList
 * @stores: (nullable) (element-type PfStore): every account's store, for
 *   “All Accounts”
 * @current_store: (nullable): the store of the folder shown
 * @current_folder_id: the folder shown, 0 for all folders of
 *   @current_store
 *
 * Where a search looks. Without a current store, the list searches the
 * folder of its model, or all accounts.
 */
void
pf_message_list_set_search_scope (PfMessageList *self,
                                  GPtrArray     *stores,
                                  PfStore       *current_store,
                                  gint64         current_folder_id)
{
  g_return_if_fail (PF_IS_MESSAGE_LIST (self));
  g_return_if_fail (current_store == NULL || PF_IS_STORE (current_store));

  g_clear_pointer (&self->search_stores, g_ptr_array_unref);
  if (stores != NULL)
    {
      self->search_stores = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < stores->len; i++)
        g_ptr_array_add (self->search_stores, g_object_ref (stores->pdata[i]));
    }
  g_set_object (&self->search_store, current_store);
  self->search_folder_id = current_folder_id;
  gtk_widget_set_visible (GTK_WIDGET (self->all_accounts_button),
                          self->search_stores != NULL && self->search_stores->len > 1);
  if (self->search_model != NULL)
    run_search (self);
}

/**
 * pf_message_list_set_search_text:
 * @self: a #PfMessageList
 * @text: what to search for, as if typed
 */
void
pf_message_list_set_search_text (PfMessageList *self,
                                 const char    *text)
{
  g_return_if_fail (PF_IS_MESSAGE_LIST (self));

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
  /* At once, not after the entry's typing delay */
  run_search (self);
}

/**
 * pf_message_list_set_search_all_accounts:
 * @self: a #PfMessageList
 * @all_accounts: whether a search looks in all folders of all accounts
 */
void
pf_message_list_set_search_all_accounts (PfMessageList *self,
                                         gboolean       all_accounts)
{
  g_return_if_fail (PF_IS_MESSAGE_LIST (self));

  gtk_toggle_button_set_active (self->all_accounts_button, all_accounts);
}

/**
 * pf_message_list_get_context_menu:
 * @self: a #PfMessageList
 *
 * Returns: (transfer none): the menu of a message row; its items name
 *   the window's actions
 */
GMenuModel *
pf_message_list_get_context_menu (PfMessageList *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_LIST (self), NULL);
  return self->context_menu;
}

/* GObject */

static void
pf_message_list_dispose (GObject *object)
{
  PfMessageList *self = PF_MESSAGE_LIST (object);
  GtkWidget *child;

  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  self->shown = NULL;
  g_clear_object (&self->search_model);
  g_clear_object (&self->threads_model);
  g_clear_object (&self->model);
  g_clear_object (&self->selected_message);
  g_clear_object (&self->search_store);
  g_clear_pointer (&self->search_stores, g_ptr_array_unref);
  g_clear_pointer (&self->context_popover, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (object), PF_TYPE_MESSAGE_LIST);
  /* The box around the template children has no id of its own */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (pf_message_list_parent_class)->dispose (object);
}

static void
pf_message_list_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  PfMessageList *self = PF_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_SELECTED_MESSAGE:
      g_value_set_object (value, self->selected_message);
      break;
    case PROP_N_SELECTED:
      g_value_set_uint (value, self->n_selected);
      break;
    case PROP_CONVERSATIONS:
      g_value_set_boolean (value, self->conversations);
      break;
    case PROP_SEARCH_MODE_ENABLED:
      g_value_set_boolean (value, pf_message_list_get_search_mode_enabled (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_message_list_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  PfMessageList *self = PF_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_CONVERSATIONS:
      pf_message_list_set_conversations (self, g_value_get_boolean (value));
      break;
    case PROP_SEARCH_MODE_ENABLED:
      pf_message_list_set_search_mode_enabled (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_message_list_class_init (PfMessageListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pf_message_list_dispose;
  object_class->get_property = pf_message_list_get_property;
  object_class->set_property = pf_message_list_set_property;

  /**
   * PfMessageList:selected-message:
   *
   * The selected message when exactly one is selected, else %NULL.
   */
  properties[PROP_SELECTED_MESSAGE] =
    g_param_spec_object ("selected-message", NULL, NULL, PF_TYPE_MESSAGE_SUMMARY,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_SELECTED] =
    g_param_spec_uint ("n-selected", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * PfMessageList:conversations:
   *
   * Whether a folder is shown as one row per conversation.
   */
  properties[PROP_CONVERSATIONS] =
    g_param_spec_boolean ("conversations", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCH_MODE_ENABLED] =
    g_param_spec_boolean ("search-mode-enabled", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PfMessageList::toggle-flag:
   * @self: the list
   * @summary: the message whose star was clicked
   *
   * Without a handler that returns %TRUE, the row is selected and
   * `win.toggle-flag` activated.
   *
   * Returns: %TRUE when handled
   */
  signals[TOGGLE_FLAG] =
    g_signal_new ("toggle-flag", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, PF_TYPE_MESSAGE_SUMMARY);

  /**
   * PfMessageList::message-activated:
   * @self: the list
   *
   * The user chose the selected message to read it (Enter, a click, a
   * tap): on a narrow window the preview comes to the front.
   */
  signals[MESSAGE_ACTIVATED] =
    g_signal_new ("message-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (PF_TYPE_MESSAGE_ROW);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/ui/pf-message-list.ui");
  gtk_widget_class_bind_template_child (widget_class, PfMessageList, search_bar);
  gtk_widget_class_bind_template_child (widget_class, PfMessageList, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PfMessageList, all_accounts_button);
  gtk_widget_class_bind_template_child (widget_class, PfMessageList, stack);
  gtk_widget_class_bind_template_child (widget_class, PfMessageList, list_view);
  gtk_widget_class_bind_template_child (widget_class, PfMessageList, context_menu);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_mode_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_all_accounts_toggled_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "win.delete", NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Menu, 0, popup_menu_binding_cb, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK,
                                popup_menu_binding_cb, NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_message_list_init (PfMessageList *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_list_view_set_single_click_activate (self->list_view, FALSE);
  g_signal_connect_swapped (self->list_view, "activate", G_CALLBACK (on_list_activate_cb), self);

  self->context_popover = gtk_popover_menu_new_from_model (self->context_menu);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_popover), FALSE);
  gtk_widget_set_halign (self->context_popover, GTK_ALIGN_START);
  gtk_widget_set_parent (self->context_popover, GTK_WIDGET (self));

  update_page (self);
}
