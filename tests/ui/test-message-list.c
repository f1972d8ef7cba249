/* test-message-list.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pf-ui-test-util.h"

#include "store/pf-message-list-model.h"
#include "pf-message-list.h"
#include "pf-message-row.h"

/*
 * The message list and its rows in a real window (under Xvfb), over a
 * real store: rows, date formats, selection, conversations, search,
 * the context menu and the Delete key.
 */

#define N_MESSAGES 300
#define N_ZEBRAS   12

typedef struct
{
  char               *dir;
  char               *dir2;
  PfStore            *store;
  PfStore            *store2;
  gint64              inbox;
  gint64              inbox2;
  guint               n_threads;
  GtkWindow          *window;
  PfMessageList      *list;
  PfMessageListModel *model;
  GSimpleActionGroup *win_actions;
  guint               deletes;
  guint               flag_toggles;
} Fixture;

static void
on_action_cb (GSimpleAction *action,
              GVariant      *parameter,
              Fixture       *fixture)
{
  const char *name = g_action_get_name (G_ACTION (action));

  if (g_str_equal (name, "delete"))
    fixture->deletes++;
  else if (g_str_equal (name, "toggle-flag"))
    fixture->flag_toggles++;
}

static void
fill_store (Fixture *fixture)
{
  g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();
  g_autoptr(PfStoreBatch) batch2 = pf_store_batch_new ();
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint thread = 0;

  /* Every message a minute older than the one before; every third one
   * a reply to the message before it, so conversations of 1–3 form. */
  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autofree char *subject = NULL;
      g_autofree char *id = g_strdup_printf ("<m%u@example.org>", i);
      g_autofree char *parent = NULL;
      PfStoreMessage *m;

      if (i % 3 == 2)
        {
          parent = g_strdup_printf ("<m%u@example.org>", i - 1);
          subject = g_strdup_printf ("Re: Thema %u", thread - 1);
        }
      else
        subject = i < N_ZEBRAS ? g_strdup_printf ("Zebra crossing %u", thread++)
                               : g_strdup_printf ("Thema %u", thread++);
      if (i < N_ZEBRAS && i % 3 == 2)
        {
          g_free (subject);
          subject = g_strdup_printf ("Re: Zebra crossing %u", thread - 1);
        }

      m = test_message (fixture->inbox, i + 1, now - 60 * (gint64) i, subject, id, parent);
      if (i % 2 == 0)
        m->flags |= PF_STORE_FLAG_SEEN;
      if (i == 0)
        {
          m->flags |= PF_STORE_FLAG_FLAGGED | PF_STORE_FLAG_ANSWERED;
          m->has_attachment = TRUE;
        }
      pf_store_batch_take_message (batch, m);
    }
  fixture->n_threads = thread;
  g_assert_true (test_apply (fixture->store, batch, &error));

  pf_store_batch_take_message (batch2, test_message (fixture->inbox2, 1, now, "Zebra elsewhere",
                                                     "<z@example.org>", NULL));
  g_assert_true (test_apply (fixture->store2, batch2, &error));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  static const char *const names[] = {
    "mark-read", "mark-unread", "toggle-flag", "archive", "delete", "move-to", "reply",
    "reply-all", "forward",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stores = NULL;

  fixture->dir = g_dir_make_tmp ("pf-ui-XXXXXX", NULL);
  fixture->dir2 = g_dir_make_tmp ("pf-ui-XXXXXX", NULL);
  fixture->store = pf_store_new_sync (fixture->dir, NULL, &error);
  g_assert_no_error (error);
  fixture->store2 = pf_store_new_sync (fixture->dir2, NULL, &error);
  g_assert_no_error (error);
  fixture->inbox = ui_create_folder (fixture->store, "INBOX", PF_STORE_SPECIAL_USE_INBOX, FALSE);
  fixture->inbox2 = ui_create_folder (fixture->store2, "INBOX", PF_STORE_SPECIAL_USE_INBOX, FALSE);
  fill_store (fixture);

  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 500, 700);
  fixture->win_actions = g_simple_action_group_new ();
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GSimpleAction) action = g_simple_action_new (names[i], NULL);

      g_signal_connect (action, "activate", G_CALLBACK (on_action_cb), fixture);
      g_action_map_add_action (G_ACTION_MAP (fixture->win_actions), G_ACTION (action));
    }
  gtk_widget_insert_action_group (GTK_WIDGET (fixture->window), "win",
                                  G_ACTION_GROUP (fixture->win_actions));

  fixture->list = g_object_new (PF_TYPE_MESSAGE_LIST, NULL);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->list));
  fixture->model = pf_message_list_model_new_for_folder (fixture->store, fixture->inbox);
  pf_message_list_set_model (fixture->list, G_LIST_MODEL (fixture->model));

  stores = g_ptr_array_new ();
  g_ptr_array_add (stores, fixture->store);
  g_ptr_array_add (stores, fixture->store2);
  pf_message_list_set_search_scope (fixture->list, stores, fixture->store, fixture->inbox);

  gtk_window_present (fixture->window);
  ui_settle ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (fixture->window);
  ui_wait (NULL, 50);
  g_clear_object (&fixture->model);
  g_clear_object (&fixture->win_actions);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->store2);
  test_remove_tree (fixture->dir);
  test_remove_tree (fixture->dir2);
  g_free (fixture->dir);
  g_free (fixture->dir2);
}

static const char *
visible_page (Fixture *fixture)
{
  GtkWidget *stack = ui_find_descendant (GTK_WIDGET (fixture->list), GTK_TYPE_STACK);

  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

static GtkSelectionModel *
list_selection (Fixture *fixture)
{
  GtkWidget *view = ui_find_descendant (GTK_WIDGET (fixture->list), GTK_TYPE_LIST_VIEW);

  return gtk_list_view_get_model (GTK_LIST_VIEW (view));
}

/* The row widget showing @summary, if it is on screen. */
static PfMessageRow *
find_row (Fixture          *fixture,
          PfMessageSummary *summary)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  ui_collect_descendants (GTK_WIDGET (fixture->list), PF_TYPE_MESSAGE_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    {
      PfMessageSummary *shown = pf_message_row_get_summary (rows->pdata[i]);

      if (shown != NULL && pf_message_summary_get_id (shown) == pf_message_summary_get_id (summary))
        return rows->pdata[i];
    }
  return NULL;
}

static guint
count_nodes_of_type (GskRenderNode     *node,
                     GskRenderNodeType  type)
{
  guint count = 0;

  if (node == NULL)
    return 0;
  if (gsk_render_node_get_node_type (node) == type)
    return 1;
  switch ((int) gsk_render_node_get_node_type (node))
    {
    case GSK_CONTAINER_NODE:
      for (guint i = 0; i < gsk_container_node_get_n_children (node); i++)
        count += count_nodes_of_type (gsk_container_node_get_child (node, i), type);
      break;
    case GSK_TRANSFORM_NODE:
      count = count_nodes_of_type (gsk_transform_node_get_child (node), type);
      break;
    case GSK_CLIP_NODE:
      count = count_nodes_of_type (gsk_clip_node_get_child (node), type);
      break;
    case GSK_ROUNDED_CLIP_NODE:
      count = count_nodes_of_type (gsk_rounded_clip_node_get_child (node), type);
      break;
    case GSK_OPACITY_NODE:
      count = count_nodes_of_type (gsk_opacity_node_get_child (node), type);
      break;
    case GSK_DEBUG_NODE:
      count = count_nodes_of_type (gsk_debug_node_get_child (node), type);
      break;
    default:
      break;
    }
  return count;
}

/* The text a widget drew in its last frame, as the window has it: the
 * widget's cached render node, not a fresh one. */
static guint
count_text_nodes (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GdkPaintable) image = gdk_paintable_get_current_image (paintable);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;

  gdk_paintable_snapshot (image, snapshot, gtk_widget_get_width (widget),
                          gtk_widget_get_height (widget));
  node = gtk_snapshot_free_to_node (snapshot);
  return count_nodes_of_type (node, GSK_TEXT_NODE);
}

static void
test_rows (Fixture       *fixture,
           gconstpointer  data)
{
  GListModel *shown = pf_message_list_get_shown_model (fixture->list);
  g_autoptr(PfMessageSummary) first = NULL;
  g_autoptr(PfMessageSummary) second = NULL;
  g_autofree char *date = NULL;
  gint64 prev = G_MAXINT64;
  PfMessageRow *row;

  g_assert_cmpstr (visible_page (fixture), ==, "messages");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, N_MESSAGES);
  for (guint i = 0; i < N_MESSAGES; i++)
    {
      g_autoptr(PfMessageSummary) item = g_list_model_get_item (shown, i);

      g_assert_cmpint (pf_message_summary_get_date (item), <=, prev);
      prev = pf_message_summary_get_date (item);
    }

  /* The newest: read, starred, answered, with an attachment, from today */
  first = g_list_model_get_item (shown, 0);
  row = find_row (fixture, first);
  g_assert_nonnull (row);
  date = pf_message_row_format_date (pf_message_summary_get_date (first), NULL);
  g_assert_cmpstr (pf_message_row_get_text (row, PF_MESSAGE_ROW_SENDER), ==, "Jürgen Müller");
  g_assert_cmpstr (pf_message_row_get_text (row, PF_MESSAGE_ROW_SUBJECT), ==, "Zebra crossing 0");
  g_assert_true (g_str_has_prefix (pf_message_row_get_text (row, PF_MESSAGE_ROW_PREVIEW),
                                   "Hallo Erika, anbei die Unterlagen"));
  g_assert_cmpstr (pf_message_row_get_text (row, PF_MESSAGE_ROW_DATE), ==, date);
  g_assert_cmpstr (pf_message_row_get_text (row, PF_MESSAGE_ROW_COUNT), ==, "");
  g_assert_cmpint (pf_message_row_get_emblems (row), ==,
                   PF_MESSAGE_ROW_STARRED | PF_MESSAGE_ROW_ATTACHMENT | PF_MESSAGE_ROW_ANSWERED);
  g_assert_cmpuint (count_text_nodes (GTK_WIDGET (row)), >=, 4);

  /* No handler for the list's signal: the star goes to win.toggle-flag */
  gtk_widget_activate_action (GTK_WIDGET (row), "row.toggle-star", NULL);
  g_assert_cmpuint (fixture->flag_toggles, ==, 1);
  g_assert_cmpuint (pf_message_list_get_n_selected (fixture->list), ==, 1);
  g_assert_true (pf_message_list_get_selected_message (fixture->list) == first);

  /* The second: unread, so bold with the dot */
  second = g_list_model_get_item (shown, 1);
  row = find_row (fixture, second);
  g_assert_nonnull (row);
  g_assert_cmpint (pf_message_row_get_emblems (row), ==, PF_MESSAGE_ROW_UNREAD);

  /* Flags change in place: the row follows */
  {
    g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();
    g_autoptr(GError) error = NULL;

    pf_store_batch_set_flags (batch, fixture->inbox, pf_message_summary_get_uid (second),
                              PF_STORE_FLAG_SEEN, NULL, 0);
    g_assert_true (test_apply (fixture->store, batch, &error));
    g_assert_cmpint (pf_message_row_get_emblems (row), ==, 0);
  }
}

/* The rows the list shows after scrolling far have drawn their new
 * messages, and only those rows lay text out. */
static void
test_drawn_rows (Fixture       *fixture,
                 gconstpointer  data)
{
  GtkWidget *view = ui_find_descendant (GTK_WIDGET (fixture->list), GTK_TYPE_LIST_VIEW);
  guint positions[] = { 0, 150, 299, 40 };

  for (guint p = 0; p < G_N_ELEMENTS (positions); p++)
    {
      g_autoptr(GPtrArray) rows = g_ptr_array_new ();
      guint in_view = 0, hidden = 0;

      gtk_widget_activate_action (view, "list.scroll-to-item", "u", positions[p]);
      ui_settle ();
      ui_collect_descendants (view, PF_TYPE_MESSAGE_ROW, rows);
      g_assert_cmpuint (rows->len, >, 20);
      for (guint i = 0; i < rows->len; i++)
        {
          GtkWidget *row = rows->pdata[i];
          graphene_rect_t bounds;
          gboolean visible;

          if (!gtk_widget_get_mapped (row))
            {
              hidden++;
              continue;
            }
          g_assert_true (gtk_widget_compute_bounds (row, view, &bounds));
          visible = bounds.origin.y + bounds.size.height > 0 &&
                    bounds.origin.y < gtk_widget_get_height (view);
          if (visible)
            {
              /* sender, date, subject at least */
              g_assert_cmpuint (count_text_nodes (row), >=, 3);
              g_assert_cmpstr (pf_message_row_get_text (PF_MESSAGE_ROW (row),
                                                        PF_MESSAGE_ROW_SUBJECT), !=, "");
              in_view++;
            }
        }
      g_assert_cmpuint (in_view, >=, 5);
      g_assert_cmpuint (hidden, >, in_view);
    }
}

static void
test_date_format (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_local (2026, 3, 12, 15, 0, 0);
  struct {
    int         day;
    int         hour;
    int         minute;
    const char *expected;
  } cases[] = {
    { 12, 9, 30, "09:30" },
    { 12, 0, 0, "00:00" },
    { 12, 23, 59, "23:59" },   /* later today (a clock off by some hours) */
    { 11, 23, 59, "Wednesday" },
    { 6, 0, 0, "Friday" },
    { 5, 23, 59, "03/05/26" },
    { 13, 8, 0, "03/13/26" },  /* tomorrow: from a wrong clock */
    { 1, 12, 0, "03/01/26" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GDateTime) date = g_date_time_new_local (2026, 3, cases[i].day, cases[i].hour,
                                                         cases[i].minute, 0);
      g_autofree char *text = pf_message_row_format_date (g_date_time_to_unix (date), now);

      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

/* Without a given "now" the days before today are formatted once and
 * kept: every time of such a day gets the text the uncached path gives. */
static void
test_date_format_cached (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) today = g_date_time_new_local (g_date_time_get_year (now),
                                                      g_date_time_get_month (now),
                                                      g_date_time_get_day_of_month (now),
                                                      0, 0, 0);
  const int days[] = { 0, -1, -3, -6, -7, -40, -400 };
  const int minutes[] = { 1, 7 * 60 + 13, 12 * 60, 23 * 60 + 58 };

  for (guint d = 0; d < G_N_ELEMENTS (days); d++)
    {
      g_autoptr(GDateTime) day = g_date_time_add_days (today, days[d]);
      g_autofree char *first = NULL;

      for (guint m = 0; m < G_N_ELEMENTS (minutes); m++)
        {
          g_autoptr(GDateTime) date = g_date_time_add_minutes (day, minutes[m]);
          gint64 unix_time = g_date_time_to_unix (date);
          g_autofree char *expected = pf_message_row_format_date (unix_time, now);
          g_autofree char *cached = pf_message_row_format_date (unix_time, NULL);
          g_autofree char *again = pf_message_row_format_date (unix_time, NULL);

          if (days[d] == 0 && g_date_time_compare (date, now) > 0)
            continue;  /* later today: the list shows its time all the same */
          g_assert_cmpstr (cached, ==, expected);
          g_assert_cmpstr (again, ==, expected);
          if (days[d] < 0)
            {
              /* One text for the whole day */
              if (first == NULL)
                first = g_strdup (cached);
              g_assert_cmpstr (cached, ==, first);
            }
        }
    }

  {
    /* Today's times are not kept as one text for the day */
    g_autoptr(GDateTime) early = g_date_time_add_minutes (today, 1);
    g_autofree char *early_text = pf_message_row_format_date (g_date_time_to_unix (early), NULL);
    g_autofree char *now_text = pf_message_row_format_date (g_date_time_to_unix (now), NULL);

    if (g_date_time_get_hour (now) > 0)
      g_assert_cmpstr (early_text, !=, now_text);
  }

  {
    /* The day changed while this ran: the texts may have, too */
    g_autoptr(GDateTime) after = g_date_time_new_now_local ();

    if (g_date_time_get_day_of_month (after) != g_date_time_get_day_of_month (now))
      g_test_skip ("the day changed during the test");
  }
}

static void
on_notify_count (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_selection (Fixture       *fixture,
                gconstpointer  data)
{
  GListModel *shown = pf_message_list_get_shown_model (fixture->list);
  g_autoptr(GPtrArray) selection = NULL;
  guint selected_notifies = 0;
  guint count_notifies = 0;
  PfMessageSummary *selected;

  g_signal_connect (fixture->list, "notify::selected-message", G_CALLBACK (on_notify_count),
                    &selected_notifies);
  g_signal_connect (fixture->list, "notify::n-selected", G_CALLBACK (on_notify_count),
                    &count_notifies);

  g_assert_null (pf_message_list_get_selected_message (fixture->list));
  g_assert_cmpuint (pf_message_list_get_n_selected (fixture->list), ==, 0);

  pf_message_list_select_next (fixture->list);
  selected = pf_message_list_get_selected_message (fixture->list);
  g_assert_nonnull (selected);
  g_assert_cmpint (pf_message_summary_get_id (selected), ==,
                   pf_message_list_model_get_message_id (fixture->model, 0));
  g_assert_cmpuint (selected_notifies, ==, 1);
  g_assert_cmpuint (count_notifies, ==, 1);

  pf_message_list_select_next (fixture->list);
  pf_message_list_select_next (fixture->list);
  g_assert_cmpint (pf_message_summary_get_id (pf_message_list_get_selected_message (fixture->list)),
                   ==, pf_message_list_model_get_message_id (fixture->model, 2));
  pf_message_list_select_previous (fixture->list);
  g_assert_cmpint (pf_message_summary_get_id (pf_message_list_get_selected_message (fixture->list)),
                   ==, pf_message_list_model_get_message_id (fixture->model, 1));
  g_assert_cmpuint (selected_notifies, ==, 4);
  g_assert_cmpuint (count_notifies, ==, 1);

  /* Far down: selected and scrolled to */
  g_assert_true (pf_message_list_select_message (fixture->list, fixture->store,
                                                 pf_message_list_model_get_message_id (fixture->model,
                                                                                       250)));
  g_assert_cmpint (pf_message_summary_get_id (pf_message_list_get_selected_message (fixture->list)),
                   ==, pf_message_list_model_get_message_id (fixture->model, 250));
  g_assert_false (pf_message_list_select_message (fixture->list, fixture->store2, 1));
  g_assert_false (pf_message_list_select_message (fixture->list, fixture->store, 999999));

  /* The last one stays the last */
  pf_message_list_select_message (fixture->list, fixture->store,
                                  pf_message_list_model_get_message_id (fixture->model,
                                                                        N_MESSAGES - 1));
  pf_message_list_select_next (fixture->list);
  g_assert_cmpint (pf_message_summary_get_id (pf_message_list_get_selected_message (fixture->list)),
                   ==, pf_message_list_model_get_message_id (fixture->model, N_MESSAGES - 1));

  /* Several (as Shift+click makes them): no single message */
  gtk_selection_model_select_range (list_selection (fixture), 3, 5, TRUE);
  gtk_selection_model_select_item (list_selection (fixture), 20, FALSE);
  g_assert_cmpuint (pf_message_list_get_n_selected (fixture->list), ==, 6);
  g_assert_null (pf_message_list_get_selected_message (fixture->list));
  selection = pf_message_list_dup_selection (fixture->list);
  g_assert_cmpuint (selection->len, ==, 6);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (pf_message_summary_get_id (selection->pdata[i]), ==,
                     pf_message_list_model_get_message_id (fixture->model, 3 + i));
  g_assert_cmpint (pf_message_summary_get_id (selection->pdata[5]), ==,
                   pf_message_list_model_get_message_id (fixture->model, 20));

  /* Next after a range: the one after its end */
  pf_message_list_select_next (fixture->list);
  g_assert_cmpuint (pf_message_list_get_n_selected (fixture->list), ==, 1);
  g_assert_cmpint (pf_message_summary_get_id (pf_message_list_get_selected_message (fixture->list)),
                   ==, pf_message_list_model_get_message_id (fixture->model, 21));

  /* Another folder: nothing selected */
  pf_message_list_set_model (fixture->list, NULL);
  g_assert_cmpuint (pf_message_list_get_n_selected (fixture->list), ==, 0);
  g_assert_null (pf_message_list_get_selected_message (fixture->list));
  g_assert_cmpstr (visible_page (fixture), ==, "no-folder");
  (void) shown;

  g_signal_handlers_disconnect_by_func (fixture->list, on_notify_count, &selected_notifies);
  g_signal_handlers_disconnect_by_func (fixture->list, on_notify_count, &count_notifies);
}

static void
collect_actions (GMenuModel *menu,
                 GString    *out)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *action = NULL;
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      if (section != NULL)
        collect_actions (section, out);
      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &action))
        g_string_append_printf (out, "%s ", action);
    }
}

/* The class shortcut for @keyval, as the list's shortcut controller has it. */
static GtkShortcut *
find_shortcut (GtkWidget *widget,
               guint      keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == 0)
            return g_steal_pointer (&shortcut);
        }
    }
  return NULL;
}

static void
test_menu_and_keys (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GString) actions = g_string_new (NULL);
  g_autoptr(GtkShortcut) delete_key = NULL;
  g_autoptr(GtkShortcut) menu_key = NULL;

  collect_actions (pf_message_list_get_context_menu (fixture->list), actions);
  g_assert_cmpstr (actions->str, ==, "win.reply win.reply-all win.forward win.mark-read "
                                     "win.mark-unread win.toggle-flag win.archive win.move-to "
                                     "win.delete ");

  /* Delete activates the window's win.delete */
  delete_key = find_shortcut (GTK_WIDGET (fixture->list), GDK_KEY_Delete);
  g_assert_nonnull (delete_key);
  pf_message_list_select_next (fixture->list);
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (delete_key), 0,
                                               GTK_WIDGET (fixture->list), NULL));
  g_assert_cmpuint (fixture->deletes, ==, 1);

  /* The Menu key opens the context menu */
  menu_key = find_shortcut (GTK_WIDGET (fixture->list), GDK_KEY_Menu);
  g_assert_nonnull (menu_key);
  g_assert_true (gtk_shortcut_action_activate (gtk_shortcut_get_action (menu_key), 0,
                                               GTK_WIDGET (fixture->list), NULL));
  ui_settle ();
  {
    GtkWidget *popover = ui_find_descendant (GTK_WIDGET (fixture->list), GTK_TYPE_POPOVER_MENU);

    g_assert_nonnull (popover);
    g_assert_true (gtk_widget_get_visible (popover));
    gtk_popover_popdown (GTK_POPOVER (popover));
  }
}

static void
wait_threads (Fixture *fixture)
{
  GListModel *shown = pf_message_list_get_shown_model (fixture->list);

  while (pf_message_list_model_get_loading (PF_MESSAGE_LIST_MODEL (shown)))
    g_main_context_iteration (NULL, TRUE);
  ui_settle ();
}

static void
test_conversations (Fixture       *fixture,
                    gconstpointer  data)
{
  GListModel *shown;
  g_autoptr(PfMessageSummary) first = NULL;
  guint total = 0;

  pf_message_list_set_conversations (fixture->list, TRUE);
  g_assert_true (pf_message_list_get_conversations (fixture->list));
  wait_threads (fixture);
  shown = pf_message_list_get_shown_model (fixture->list);
  g_assert_true (PF_IS_MESSAGE_LIST_MODEL (shown));
  g_assert_true (pf_message_list_model_get_threads (PF_MESSAGE_LIST_MODEL (shown)));
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, fixture->n_threads);
  for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
    {
      g_autoptr(PfMessageSummary) item = g_list_model_get_item (shown, i);

      total += pf_message_summary_get_thread_count (item);
    }
  g_assert_cmpuint (total, ==, N_MESSAGES);

  /* The newest conversation: "Zebra crossing 0" alone; the next one has
   * two messages (its reply is older), with the badge */
  first = g_list_model_get_item (shown, 1);
  g_assert_cmpuint (pf_message_summary_get_thread_count (first), ==, 2);
  g_assert_cmpstr (pf_message_summary_get_subject (first), ==, "Zebra crossing 1");
  g_assert_cmpstr (pf_message_row_get_text (find_row (fixture, first), PF_MESSAGE_ROW_COUNT), ==,
                   "2");

  pf_message_list_set_conversations (fixture->list, FALSE);
  g_assert_true (pf_message_list_get_shown_model (fixture->list) == G_LIST_MODEL (fixture->model));
  g_assert_cmpuint (g_list_model_get_n_items (pf_message_list_get_shown_model (fixture->list)), ==,
                    N_MESSAGES);
}

static guint
n_shown (Fixture *fixture)
{
  return g_list_model_get_n_items (pf_message_list_get_shown_model (fixture->list));
}

static void
test_search (Fixture       *fixture,
             gconstpointer  data)
{
  static const char *const hostile[] = {
    "\"", "AND", "*", "(", ")", "a\"b", "NEAR(", "-", "OR x", "^", "col:umn", "\"\"\"", "AND OR NOT",
    "{x}", "'", "zebra\"", "   ",
  };
  GtkWidget *entry = ui_find_descendant (GTK_WIDGET (fixture->list), GTK_TYPE_SEARCH_ENTRY);
  guint narrow;

  g_assert_false (pf_message_list_get_search_mode_enabled (fixture->list));
  pf_message_list_set_search_mode_enabled (fixture->list, TRUE);
  g_assert_true (pf_message_list_get_search_mode_enabled (fixture->list));
  ui_settle ();

  /* Narrowing as one types */
  pf_message_list_set_search_text (fixture->list, "zeb");
  g_assert_cmpuint (n_shown (fixture), ==, N_ZEBRAS);
  pf_message_list_set_search_text (fixture->list, "zebra crossing 1");
  narrow = n_shown (fixture);
  g_assert_cmpuint (narrow, <, N_ZEBRAS);
  g_assert_cmpuint (narrow, >, 0);
  pf_message_list_set_search_text (fixture->list, "nothing-like-this");
  g_assert_cmpuint (n_shown (fixture), ==, 0);
  g_assert_cmpstr (visible_page (fixture), ==, "no-results");

  /* Typed into the entry, it searches after the entry's delay */
  gtk_editable_set_text (GTK_EDITABLE (entry), "Thema");
  ui_wait (NULL, 600);
  g_assert_cmpuint (n_shown (fixture), >, N_MESSAGES / 2);

  /* All accounts */
  pf_message_list_set_search_text (fixture->list, "zebra");
  pf_message_list_set_search_all_accounts (fixture->list, TRUE);
  g_assert_cmpuint (n_shown (fixture), ==, N_ZEBRAS + 1);
  pf_message_list_set_search_all_accounts (fixture->list, FALSE);
  g_assert_cmpuint (n_shown (fixture), ==, N_ZEBRAS);

  /* What the full-text syntax would choke on finds nothing, quietly */
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      pf_message_list_set_search_text (fixture->list, hostile[i]);
      ui_wait (NULL, 20);
      if (g_str_equal (hostile[i], "zebra\""))
        g_assert_cmpuint (n_shown (fixture), ==, N_ZEBRAS);
      else if (g_str_equal (hostile[i], "   "))
        g_assert_cmpuint (n_shown (fixture), ==, N_MESSAGES);
      else if (n_shown (fixture) == 0)
        g_assert_cmpstr (visible_page (fixture), ==, "no-results");
    }

  /* Escape: the search ends, the folder is back */
  pf_message_list_set_search_text (fixture->list, "zebra");
  g_assert_cmpuint (n_shown (fixture), ==, N_ZEBRAS);
  g_signal_emit_by_name (entry, "stop-search");
  g_assert_false (pf_message_list_get_search_mode_enabled (fixture->list));
  g_assert_cmpuint (n_shown (fixture), ==, N_MESSAGES);
  g_assert_true (pf_message_list_get_shown_model (fixture->list) == G_LIST_MODEL (fixture->model));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  g_assert_cmpstr (visible_page (fixture), ==, "messages");
}

static void
test_empty (Fixture       *fixture,
            gconstpointer  data)
{
  gint64 empty = ui_create_folder (fixture->store, "Leer", PF_STORE_SPECIAL_USE_NONE, FALSE);
  g_autoptr(PfMessageListModel) model = pf_message_list_model_new_for_folder (fixture->store, empty);

  pf_message_list_set_model (fixture->list, G_LIST_MODEL (model));
  g_assert_cmpstr (visible_page (fixture), ==, "empty");
  pf_message_list_set_model (fixture->list, NULL);
  g_assert_cmpstr (visible_page (fixture), ==, "no-folder");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();

  g_test_add_func ("/ui/message-row/date", test_date_format);
  g_test_add_func ("/ui/message-row/date-cached", test_date_format_cached);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/ui/message-list/rows", test_rows);
  ADD ("/ui/message-list/drawn-rows", test_drawn_rows);
  ADD ("/ui/message-list/selection", test_selection);
  ADD ("/ui/message-list/menu-and-keys", test_menu_and_keys);
  ADD ("/ui/message-list/conversations", test_conversations);
  ADD ("/ui/message-list/search", test_search);
  ADD ("/ui/message-list/empty", test_empty);
#undef ADD

  return g_test_run ();
}
