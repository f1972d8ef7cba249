/* bench-gtk-list.c: what the window's scrolling benchmark compares with.
 *
 * A window of Postfach's default size whose middle column, as wide as
 * Postfach's message list, is a plain GtkListView over a GtkStringList of
 * N (default 100,000) two-line texts, one GtkLabel a row: what GTK 4.8
 * and libadwaita do for a list of that size with no data behind it. It
 * runs with the same benchmark probe as Postfach (PF_BENCH_PROBE,
 * PF_BENCH_SCROLL, ...), which finds the list by its name "message-list"
 * and scrolls it from top to bottom, so bench-window.py can print both
 * from one run.
 *
 * Usage: bench-gtk-list [N]
 *
 * Copyright 2026 The Postfach authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <stdlib.h>

#include "pf-bench-probe.h"

static const char *senders[] = {
  "Anna Müller", "Jürgen Schröder", "Jörg Größmann", "Sören Weiß", "Björn Schäfer",
  "Lena Köhler", "Max Bäcker", "gtk-devel", "vereinsnews", "Rechnungsstelle",
};

static const char *subjects[] = {
  "Besprechung am Dienstag", "Änderungen am Entwurf", "Rückfrage zur Rechnung",
  "Meeting notes", "Re-run of the build", "Quarterly report draft",
  "Re: Urlaubsplanung im Sommer", "Fwd: Protokoll der Sitzung",
};

static guint n_rows = 100000;

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_lines (GTK_LABEL (label), 2);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_margin_bottom (label, 6);
  gtk_widget_set_margin_start (label, 12);
  gtk_list_item_set_child (item, label);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         gpointer                  user_data)
{
  GtkStringObject *string = gtk_list_item_get_item (item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (string));
}

static void
activate_cb (GApplication *application,
             gpointer      user_data)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new_full (n_rows + 1, g_free);
  GtkStringList *strings;
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (application));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *folders = gtk_label_new ("Posteingang");
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *view;
  GtkWidget *preview = gtk_label_new ("Nachricht");

  for (guint i = 0; i < n_rows; i++)
    g_ptr_array_add (texts, g_strdup_printf ("%s\n%s (%u)", senders[i % G_N_ELEMENTS (senders)],
                                             subjects[(i / 7) % G_N_ELEMENTS (subjects)], i));
  g_ptr_array_add (texts, NULL);
  strings = gtk_string_list_new ((const char * const *) texts->pdata);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), NULL);
  view = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_single_selection_new (G_LIST_MODEL (strings))),
                            factory);

  /* Postfach's default widths: folders 240, list 420, preview the rest */
  gtk_widget_set_size_request (folders, 240, -1);
  gtk_widget_set_size_request (scrolled, 420, -1);
  gtk_widget_set_hexpand (preview, TRUE);
  gtk_widget_set_name (scrolled, "message-list");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_box_append (GTK_BOX (box), folders);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (box), scrolled);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (box), preview);

  gtk_window_set_title (GTK_WINDOW (window), "Postfach");
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  pf_bench_probe_watch_frames (window);
  gtk_window_present (GTK_WINDOW (window));
}

static void
shutdown_cb (GApplication *application,
             gpointer      user_data)
{
  pf_bench_probe_dump ();
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) application = NULL;

  pf_bench_probe_init ();
  if (argc > 1)
    n_rows = (guint) strtoul (argv[1], NULL, 10);
  application = adw_application_new ("org.postfach.BenchGtkList", G_APPLICATION_NON_UNIQUE);
  g_signal_connect (application, "activate", G_CALLBACK (activate_cb), NULL);
  g_signal_connect (application, "shutdown", G_CALLBACK (shutdown_cb), NULL);
  return g_application_run (G_APPLICATION (application), 1, argv);
}
