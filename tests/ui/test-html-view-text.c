/* test-html-view-text.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* PfHtmlView built without WebKitGTK: the text converted from the HTML. */

#include "config.h"

#include <adwaita.h>

#include "pf-html-view-impl.h"

static GtkTextView *
find_text_view (GtkWidget *widget)
{
  if (GTK_IS_TEXT_VIEW (widget))
    return GTK_TEXT_VIEW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkTextView *found = find_text_view (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
on_signal_cb (PfHtmlView *view,
              guint      *count)
{
  (*count)++;
}

static void
test_text (void)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  PfHtmlView *view = pf_html_view_new ();
  guint loaded = 0;
  guint blocked = 0;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  g_signal_connect (view, "loaded", G_CALLBACK (on_signal_cb), &loaded);
  g_signal_connect (view, "remote-content-blocked", G_CALLBACK (on_signal_cb), &blocked);
  gtk_window_set_child (window, GTK_WIDGET (view));
  gtk_window_present (window);

  pf_html_view_load (view,
                     "<html><head><style>p { color: red }</style></head><body>"
                     "<p>Hello <b>world</b></p><img src=\"http://example.org/a.png\">"
                     "<script>document.title = 'x'</script></body></html>",
                     "alice@example.org", NULL, NULL, NULL);
  while (loaded == 0)
    g_main_context_iteration (NULL, TRUE);

  buffer = gtk_text_view_get_buffer (find_text_view (GTK_WIDGET (view)));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_assert_nonnull (strstr (text, "Hello world"));
  g_assert_null (strstr (text, "<p>"));
  g_assert_null (strstr (text, "color"));
  g_assert_null (strstr (text, "document.title"));
  g_assert_cmpuint (blocked, ==, 0);
  g_assert_false (pf_html_view_get_remote_content_allowed (view));

  gtk_window_destroy (window);
}

int
main (int argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();

  /* The view the program falls back to without the WebKit module */
  _pf_html_view_set_impl (&(PfHtmlViewImpl) { PF_TYPE_HTML_VIEW_TEXT, NULL });

  g_test_add_func ("/html-view-text/text", test_text);

  return g_test_run ();
}
