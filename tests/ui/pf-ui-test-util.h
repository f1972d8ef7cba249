/* pf-ui-test-util.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "../app/store/pf-store-test-util.h"

/* Runs the main loop until @done is set or @timeout_ms passed. */
static inline void
ui_wait (gboolean *done,
         guint     timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  while ((done == NULL || !*done) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

/* Lets the window lay out and draw. */
static inline void
ui_settle (void)
{
  ui_wait (NULL, 200);
}

static inline GtkWidget *
ui_find_descendant (GtkWidget *widget,
                    GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ui_find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static inline void
ui_collect_descendants (GtkWidget *widget,
                        GType      type,
                        GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (out, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    ui_collect_descendants (child, type, out);
}

/* The texts of the visible labels below @widget, joined with "|". */
static inline char *
ui_label_texts (GtkWidget *widget)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  GString *out = g_string_new (NULL);

  ui_collect_descendants (widget, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    {
      GtkWidget *label = labels->pdata[i];

      if (!gtk_widget_get_visible (label))
        continue;
      if (out->len > 0)
        g_string_append_c (out, '|');
      g_string_append (out, gtk_label_get_label (GTK_LABEL (label)));
    }
  return g_string_free (out, FALSE);
}

/* An open AdwMessageDialog, if any. */
static inline AdwMessageDialog *
ui_find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (window))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

/* The widget with this template id ("keep_row") or widget name, if any. */
static inline GtkWidget *
ui_find_by_name (GtkWidget  *widget,
                 const char *id)
{
  if (g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget)), id) == 0 ||
      g_strcmp0 (gtk_widget_get_name (widget), id) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = ui_find_by_name (child, id);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static inline void
ui_on_painted_cb (GdkFrameClock *clock,
                  gboolean      *painted)
{
  *painted = TRUE;
}

/* Draws @widget once more and saves it as $PF_TEST_ARTIFACTS/@name.png
 * (nothing without that variable): the pictures the suite leaves for
 * people to look at. */
static inline void
ui_save_screenshot (GtkWidget  *widget,
                    const char *name)
{
  const char *dir = g_getenv ("PF_TEST_ARTIFACTS");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  GtkSnapshot *snapshot;
  GdkFrameClock *clock;
  gboolean painted = FALSE;
  gulong id;
  int width;
  int height;

  if (dir == NULL || *dir == '\0')
    return;
  /* Transitions (a stack's crossfade) end first */
  ui_wait (NULL, 300);
  clock = gtk_widget_get_frame_clock (widget);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (ui_on_painted_cb), &painted);
  gtk_widget_queue_draw (widget);
  while (!painted)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, id);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_mkdir_with_parents (dir, 0755);
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

/* A GAsyncReadyCallback that keeps the result in *user_data. */
static inline void
ui_store_result_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static inline gint64
ui_create_folder (PfStore           *store,
                  const char        *name,
                  PfStoreSpecialUse  use,
                  gboolean           local_only)
{
  g_autoptr(PfStoreFolder) folder = pf_store_folder_new ();
  g_autoptr(GError) error = NULL;
  gint64 id;

  folder->name = g_strdup (name);
  folder->delimiter = '/';
  folder->special_use = use;
  folder->local_only = local_only;
  folder->subscribed = TRUE;
  id = pf_store_create_folder (store, folder, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}
