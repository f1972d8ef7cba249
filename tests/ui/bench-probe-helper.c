/* bench-probe-helper.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench-probe-helper MODE: drives ui/pf-bench-probe.c for
 * test-bench-probe.py, which sets the PF_BENCH_* environment and reads the
 * JSON back.
 *
 *   loop      marks "a", blocks the main loop for 120 ms inside a timeout,
 *             marks "b" and then "c"; no display
 *   idle      runs a held application that marks nothing and quits
 *             after 3 s; no display
 *   scroll    a window whose widget named "message-list" holds a list of
 *             5,000 rows in a scrolled window; prints "bottom" at exit if
 *             the list was scrolled to its end
 */

#include "config.h"

#include <gtk/gtk.h>

#include "pf-bench-probe.h"

static GtkScrolledWindow *scrolled;

static const char row_ui[] =
  "<interface><template class=\"GtkListItem\"><property name=\"child\">"
  "<object class=\"GtkLabel\"><binding name=\"label\">"
  "<lookup name=\"string\" type=\"GtkStringObject\"><lookup name=\"item\">GtkListItem</lookup>"
  "</lookup></binding></object></property></template></interface>";

static gboolean
mark_c_cb (gpointer user_data)
{
  pf_bench_probe_mark ("c");
  return G_SOURCE_REMOVE;
}

static gboolean
block_cb (gpointer user_data)
{
  g_usleep (120 * 1000);
  pf_bench_probe_mark ("b");
  g_timeout_add (30, mark_c_cb, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
mark_a_cb (gpointer user_data)
{
  pf_bench_probe_mark ("a");
  g_timeout_add (30, block_cb, NULL);
  return G_SOURCE_REMOVE;
}

static void
on_loop_activate_cb (GApplication *app,
                     gpointer      user_data)
{
  g_application_hold (app);
  g_timeout_add (30, mark_a_cb, NULL);
}

static gboolean
quit_cb (gpointer user_data)
{
  g_application_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_idle_activate_cb (GApplication *app,
                     gpointer      user_data)
{
  g_application_hold (app);
  /* Long after the probe's PF_BENCH_TIMEOUT, for runs without the probe. */
  g_timeout_add_seconds (3, quit_cb, app);
}

static void
on_scroll_activate_cb (GtkApplication *app,
                       gpointer        user_data)
{
  g_autoptr(GtkStringList) strings = gtk_string_list_new (NULL);
  g_autoptr(GBytes) bytes = g_bytes_new_static (row_ui, sizeof row_ui - 1);
  GtkListItemFactory *factory;
  GtkNoSelection *selection;
  GtkWidget *window;
  GtkWidget *box;
  GtkWidget *view;

  for (guint i = 0; i < 5000; i++)
    {
      g_autofree char *row = g_strdup_printf ("Row %u", i);

      gtk_string_list_append (strings, row);
    }
  factory = gtk_builder_list_item_factory_new_from_bytes (NULL, bytes);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_steal_pointer (&strings)));
  view = gtk_list_view_new (GTK_SELECTION_MODEL (selection), factory);
  scrolled = GTK_SCROLLED_WINDOW (gtk_scrolled_window_new ());
  g_object_add_weak_pointer (G_OBJECT (scrolled), (gpointer *) &scrolled);
  gtk_scrolled_window_set_child (scrolled, view);
  gtk_widget_set_vexpand (GTK_WIDGET (scrolled), TRUE);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_name (box, "message-list");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (scrolled));

  window = gtk_application_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 600);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
}

static void
on_scroll_shutdown_cb (GApplication *app,
                       gpointer      user_data)
{
  GtkAdjustment *adjustment;

  pf_bench_probe_dump ();
  if (scrolled == NULL)
    return;
  adjustment = gtk_scrolled_window_get_vadjustment (scrolled);
  if (gtk_adjustment_get_value (adjustment) > 0 &&
      gtk_adjustment_get_value (adjustment) >=
      gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment) - 1)
    g_print ("bottom\n");
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GApplication) app = NULL;
  const char *mode = argc > 1 ? argv[1] : "";

  pf_bench_probe_init ();

  if (g_str_equal (mode, "scroll"))
    {
      app = G_APPLICATION (gtk_application_new ("org.postfach.ProbeTest", G_APPLICATION_NON_UNIQUE));
      g_signal_connect (app, "activate", G_CALLBACK (on_scroll_activate_cb), NULL);
      g_signal_connect (app, "shutdown", G_CALLBACK (on_scroll_shutdown_cb), NULL);
    }
  else
    {
      app = g_application_new ("org.postfach.ProbeTest", G_APPLICATION_NON_UNIQUE);
      g_signal_connect (app, "activate",
                        g_str_equal (mode, "loop") ? G_CALLBACK (on_loop_activate_cb)
                                                   : G_CALLBACK (on_idle_activate_cb), NULL);
    }

  g_application_run (app, 1, argv);
  pf_bench_probe_dump ();
  return 0;
}
