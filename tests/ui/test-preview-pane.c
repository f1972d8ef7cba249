/* test-preview-pane.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sys/stat.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "store/pf-message-summary-private.h"

#include "pf-html-view.h"
#include "pf-preview-pane-private.h"
#include "pf-test-fetcher.h"

/* The preview pane on a real display: messages from a temporary store,
 * shown through the public API; the assertions look at what the widgets
 * hold. */

static const char german_message[] =
  "From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <juergen@example.org>\r\n"
  "To: =?UTF-8?B?RXJpa2EgTXVzdGVybWFubg==?= <erika@example.org>, bob@example.org\r\n"
  "Cc: \"Doe, John\" <john@example.org>\r\n"
  "Subject: =?UTF-8?Q?=C3=84nderungen_f=C3=BCr_M=C3=A4rz?=\r\n"
  "Date: Tue, 14 Nov 2023 10:00:00 +0000\r\n"
  "Message-ID: <german@example.org>\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: text/plain; charset=utf-8; format=flowed\r\n"
  "Content-Transfer-Encoding: 8bit\r\n"
  "\r\n"
  "Hallo Erika, \r\n"
  "siehe https://example.org/plan?x=1.\r\n"
  "Sch\xc3\xb6ne Gr\xc3\xbc\xc3\x9f" "e\r\n"
  "\r\n"
  "Am Montag schrieb Bob:\r\n"
  "> Level one line 1\r\n"
  "> Level one line 2\r\n"
  ">> Level two a\r\n"
  ">> Level two b\r\n"
  "> Level one line 5\r\n"
  "> Level one line 6\r\n"
  "> Level one line 7\r\n"
  "\r\n"
  "Short quote:\r\n"
  "> only one\r\n"
  "\r\n"
  "-- \r\n"
  "J\xc3\xbcrgen\r\n"
  "mailto:juergen@example.org\r\n";

static const char plain_message[] =
  "From: Erika <erika@example.org>\r\n"
  "To: juergen@example.org\r\n"
  "Subject: Plain\r\n"
  "Date: Tue, 14 Nov 2023 11:00:00 +0000\r\n"
  "Content-Type: text/plain; charset=us-ascii\r\n"
  "\r\n"
  "Just a short text.\r\n";

static const char broken_message[] =
  "From: someone@example.org\r\n"
  "Subject: broken\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: multipart/mixed\r\n"
  "\r\n"
  "--nothing\r\n"
  "Content-Type: text/plain\r\n"
  "\r\n"
  "text\r\n";

/* The attachment: every byte value once */
static GBytes *
attachment_bytes (void)
{
  guint8 data[256];
  guint i;

  for (i = 0; i < sizeof data; i++)
    data[i] = (guint8) i;
  return g_bytes_new (data, sizeof data);
}

static char *
multipart_message (void)
{
  g_autoptr(GBytes) bytes = attachment_bytes ();
  g_autofree char *base64 = NULL;
  gsize length;
  gconstpointer data = g_bytes_get_data (bytes, &length);

  base64 = g_base64_encode (data, length);
  return g_strdup_printf (
    "From: Bob <bob@example.org>\r\n"
    "To: erika@example.org\r\n"
    "Subject: Report\r\n"
    "Date: Tue, 14 Nov 2023 12:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
    "\r\n"
    "--alt\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Plain version\r\n"
    "--alt\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<p>HTML <b>version</b></p><img src=\"https://tracker.example.com/p.gif\">\r\n"
    "--alt--\r\n"
    "--outer\r\n"
    "Content-Type: application/pdf\r\n"
    "Content-Disposition: attachment; filename*=UTF-8''Pr%%C3%%BCfbericht%%20M%%C3%%A4rz.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "%s\r\n"
    "--outer\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Disposition: inline\r\n"
    "\r\n"
    "Second text part\r\n"
    "--outer\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Disposition: attachment; filename=\"../.bashrc\"\r\n"
    "\r\n"
    "echo hi\r\n"
    "--outer--\r\n", base64);
}

static char *
many_recipients_message (void)
{
  g_autoptr(GString) to = g_string_new (NULL);
  guint i;

  for (i = 1; i <= 15; i++)
    g_string_append_printf (to, "%sUser %u <user%u@example.org>", i > 1 ? ", " : "", i, i);
  return g_strdup_printf ("From: a@example.org\r\n"
                          "To: %s\r\n"
                          "Subject: Many\r\n"
                          "\r\n"
                          "Hello all\r\n", to->str);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

typedef struct
{
  char            *dir;
  PfStore         *store;
  gint64           folder;
  PfMessageLoader *loader;
  PfTestFetcher   *fetcher;
  GtkWindow       *window;
  PfPreviewPane   *pane;
  guint            shown;
  char            *composed_to;
  char            *error;
} Fixture;

static void
on_compose_to_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  Fixture *fixture = user_data;

  g_free (fixture->composed_to);
  fixture->composed_to = g_variant_dup_string (parameter, NULL);
}

static void
on_message_shown_cb (PfPreviewPane    *pane,
                     PfMessageSummary *summary,
                     Fixture          *fixture)
{
  g_assert_true (summary == pf_preview_pane_get_summary (pane));
  fixture->shown++;
}

static void
on_error_cb (PfPreviewPane *pane,
             const char    *message,
             Fixture       *fixture)
{
  g_free (fixture->error);
  fixture->error = g_strdup (message);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) compose = g_simple_action_new ("compose-to", G_VARIANT_TYPE_STRING);

  fixture->dir = g_dir_make_tmp ("pf-preview-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store = pf_store_new_sync (fixture->dir, NULL, &error);
  g_assert_no_error (error);
  fixture->folder = test_create_folder (fixture->store, "INBOX", FALSE);
  fixture->loader = pf_message_loader_new ();
  fixture->fetcher = pf_test_fetcher_new (plain_message);
  pf_message_loader_set_fetcher (fixture->loader, fixture->store,
                                 PF_MESSAGE_FETCHER (fixture->fetcher));

  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 800, 700);
  g_signal_connect (compose, "activate", G_CALLBACK (on_compose_to_cb), fixture);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (compose));
  gtk_widget_insert_action_group (GTK_WIDGET (fixture->window), "win", G_ACTION_GROUP (group));

  fixture->pane = g_object_new (PF_TYPE_PREVIEW_PANE, NULL);
  pf_preview_pane_set_loader (fixture->pane, fixture->loader);
  g_signal_connect (fixture->pane, "message-shown", G_CALLBACK (on_message_shown_cb), fixture);
  g_signal_connect (fixture->pane, "error", G_CALLBACK (on_error_cb), fixture);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->pane));
  gtk_window_present (fixture->window);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (fixture->window);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&fixture->fetcher);
  g_clear_object (&fixture->loader);
  g_clear_object (&fixture->store);
  test_remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->composed_to);
  g_free (fixture->error);
}

static PfMessageSummary *
summary_for (Fixture *fixture,
             gint64   id)
{
  g_autoptr(PfStoreMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  PfMessageSummary *summary;

  message = pf_store_get_message (fixture->store, id, &error);
  g_assert_no_error (error);
  summary = pf_message_summary_new_from_message (message);
  summary->store = fixture->store;
  return summary;
}

static void
wait_until_state (Fixture    *fixture,
                  const char *state)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!g_str_equal (_pf_preview_pane_get_state (fixture->pane), state))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
show_and_wait (Fixture *fixture,
               gint64   id)
{
  g_autoptr(PfMessageSummary) summary = summary_for (fixture, id);
  guint shown = fixture->shown;

  pf_preview_pane_show_message (fixture->pane, summary);
  while (fixture->shown == shown)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (_pf_preview_pane_get_state (fixture->pane), ==, "message");
}

static GPtrArray *
part_widgets (Fixture *fixture)
{
  GPtrArray *out = g_ptr_array_new ();
  GtkWidget *child;

  for (child = gtk_widget_get_first_child (_pf_preview_pane_get_parts_box (fixture->pane));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    g_ptr_array_add (out, child);
  return out;
}

static char *
buffer_text (GtkWidget *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, TRUE);
}

static gboolean
has_tag_at (GtkWidget  *view,
            const char *tag_name,
            int         offset)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  GtkTextTag *tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), tag_name);
  GtkTextIter iter;

  g_assert_nonnull (tag);
  gtk_text_buffer_get_iter_at_offset (buffer, &iter, offset);
  return gtk_text_iter_has_tag (&iter, tag);
}

static gboolean
is_visible_at (GtkWidget *view,
               int        offset)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  GtkTextIter iter;
  GSList *tags, *l;
  gboolean visible = TRUE;

  gtk_text_buffer_get_iter_at_offset (buffer, &iter, offset);
  tags = gtk_text_iter_get_tags (&iter);
  for (l = tags; l != NULL; l = l->next)
    {
      gboolean invisible, invisible_set;

      g_object_get (l->data, "invisible", &invisible, "invisible-set", &invisible_set, NULL);
      if (invisible_set && invisible)
        visible = FALSE;
    }
  g_slist_free (tags);
  return visible;
}

static void
on_painted_cb (GdkFrameClock *clock,
               gboolean      *painted)
{
  *painted = TRUE;
}

/* A picture of the window in $PF_TEST_ARTIFACTS, to look at. */
static void
save_screenshot (Fixture    *fixture,
                 const char *name)
{
  const char *dir = g_getenv ("PF_TEST_ARTIFACTS");
  GtkWidget *widget = GTK_WIDGET (fixture->window);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  GtkSnapshot *snapshot;
  GdkFrameClock *clock;
  gboolean painted = FALSE;
  gulong id;
  int width, height;

  if (dir == NULL)
    return;

  /* The text is laid out in idle callbacks, after the first frame. */
  {
    gint64 until = g_get_monotonic_time () + 200 * 1000;

    while (g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE);
  }
  clock = gtk_widget_get_frame_clock (widget);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_painted_cb), &painted);
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
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_mkdir_with_parents (dir, 0755);
  file = g_strdup_printf ("preview-pane-%s.png", name);
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

static int
offset_of (const char *text,
           const char *needle)
{
  const char *p = strstr (text, needle);

  g_assert_nonnull (p);
  return (int) g_utf8_pointer_to_offset (text, p);
}

static void
test_german (Fixture       *fixture,
             gconstpointer  data)
{
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "From the list",
                                   german_message);
  PfMessageHeader *header = _pf_preview_pane_get_header (fixture->pane);
  g_autoptr(PfMessageSummary) summary = summary_for (fixture, id);
  g_autoptr(GPtrArray) widgets = NULL;
  g_autofree char *text = NULL;
  g_autofree char *field = NULL;
  PfPreviewPaneText *view;
  const PfQuoteRange *ranges;
  const char *uri;
  guint n_ranges, n_lines;
  int start, end, link_offset, fold_line;

  /* The header from the summary first, while the body loads */
  pf_preview_pane_show_message (fixture->pane, summary);
  g_assert_cmpstr (_pf_preview_pane_get_state (fixture->pane), ==, "loading");
  field = pf_message_header_dup_field_text (header, "subject");
  g_assert_cmpstr (field, ==, "From the list");
  g_clear_pointer (&field, g_free);
  wait_until_state (fixture, "message");
  g_assert_cmpuint (fixture->shown, ==, 1);
  g_assert_true (pf_preview_pane_get_message (fixture->pane) != NULL);

  /* Then from the message's own header, decoded */
  field = pf_message_header_dup_field_text (header, "subject");
  g_assert_cmpstr (field, ==, "Änderungen für März");
  g_clear_pointer (&field, g_free);
  field = pf_message_header_dup_field_text (header, "from");
  g_assert_cmpstr (field, ==, "Jürgen Müller <juergen@example.org>");
  g_clear_pointer (&field, g_free);
  field = pf_message_header_dup_field_text (header, "to");
  g_assert_cmpstr (field, ==, "Erika Mustermann <erika@example.org>, bob@example.org");
  g_clear_pointer (&field, g_free);
  field = pf_message_header_dup_field_text (header, "cc");
  g_assert_cmpstr (field, ==, "Doe, John <john@example.org>");
  g_clear_pointer (&field, g_free);
  field = pf_message_header_dup_field_text (header, "date");
  g_assert_true (strstr (field, "2023") != NULL);
  g_assert_true (strstr (field, "November") != NULL);
  g_assert_true (strstr (field, "Tuesday") != NULL);
  g_clear_pointer (&field, g_free);

  /* One text part */
  widgets = part_widgets (fixture);
  g_assert_cmpuint (widgets->len, ==, 1);
  g_assert_true (PF_IS_PREVIEW_PANE_TEXT (g_ptr_array_index (widgets, 0)));
  view = g_ptr_array_index (widgets, 0);
  text = buffer_text (GTK_WIDGET (view));
  g_test_message ("%s", text);

  /* format=flowed joined; quote markers turned into indentation */
  g_assert_true (g_str_has_prefix (text, "Hallo Erika, siehe https://example.org/plan?x=1.\n"
                                         "Schöne Grüße\n"));
  g_assert_null (strstr (text, "> "));
  g_assert_nonnull (strstr (text, "\nLevel two a\n"));

  /* Quote bars: level 1 over the 7 lines, level 2 over 2, level 1 over
   * the short quote */
  ranges = pf_preview_pane_text_get_quote_ranges (view, &n_ranges);
  g_assert_cmpuint (n_ranges, ==, 3);
  g_assert_cmpuint (ranges[0].level, ==, 1);
  g_assert_cmpint (ranges[0].last_line - ranges[0].first_line, ==, 6);
  g_assert_cmpuint (ranges[1].level, ==, 1);
  g_assert_cmpint (ranges[1].last_line, ==, ranges[1].first_line);
  g_assert_cmpuint (ranges[2].level, ==, 2);
  g_assert_cmpint (ranges[2].first_line, ==, ranges[0].first_line + 2);
  g_assert_cmpint (ranges[2].last_line, ==, ranges[0].first_line + 3);
  g_assert_true (has_tag_at (GTK_WIDGET (view), "quote-2", offset_of (text, "Level two a")));
  g_assert_true (has_tag_at (GTK_WIDGET (view), "quote-1", offset_of (text, "Level one line 1")));
  g_assert_false (has_tag_at (GTK_WIDGET (view), "quote-1", offset_of (text, "Am Montag")));

  /* The long quote is folded behind a link line; the short one is not */
  g_assert_cmpuint (pf_preview_pane_text_get_n_folds (view), ==, 1);
  g_assert_false (pf_preview_pane_text_get_fold (view, 0, &link_offset, &n_lines));
  g_assert_cmpuint (n_lines, ==, 7);
  g_assert_cmpint (link_offset, ==, offset_of (text, "Show quoted text (7 lines)"));
  fold_line = ranges[0].first_line - 1;
  {
    GtkTextIter iter;

    gtk_text_buffer_get_iter_at_offset (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)),
                                        &iter, link_offset);
    g_assert_cmpint (gtk_text_iter_get_line (&iter), ==, fold_line);
  }
  g_assert_false (is_visible_at (GTK_WIDGET (view), offset_of (text, "Level one line 1")));
  g_assert_false (is_visible_at (GTK_WIDGET (view), offset_of (text, "Level two b")));
  g_assert_true (is_visible_at (GTK_WIDGET (view), offset_of (text, "only one")));
  g_assert_true (is_visible_at (GTK_WIDGET (view), link_offset));

  save_screenshot (fixture, "folded");
  g_assert_true (pf_preview_pane_text_activate_at_offset (view, link_offset + 2));
  save_screenshot (fixture, "expanded");
  g_assert_true (pf_preview_pane_text_get_fold (view, 0, &link_offset, &n_lines));
  g_assert_true (is_visible_at (GTK_WIDGET (view), offset_of (text, "Level one line 1")));
  g_assert_true (is_visible_at (GTK_WIDGET (view), offset_of (text, "Level one line 7")));
  g_assert_false (is_visible_at (GTK_WIDGET (view), link_offset));

  /* Links: the URL without the full stop after it, and the mailto */
  g_assert_cmpuint (pf_preview_pane_text_get_n_links (view), ==, 2);
  uri = pf_preview_pane_text_get_link (view, 0, &start, &end);
  g_assert_cmpstr (uri, ==, "https://example.org/plan?x=1");
  g_assert_cmpint (start, ==, offset_of (text, "https://"));
  g_assert_cmpint (end - start, ==, strlen ("https://example.org/plan?x=1"));
  g_assert_true (has_tag_at (GTK_WIDGET (view), "link", start));
  g_assert_true (has_tag_at (GTK_WIDGET (view), "link", end - 1));
  g_assert_false (has_tag_at (GTK_WIDGET (view), "link", end));
  uri = pf_preview_pane_text_get_link (view, 1, &start, &end);
  g_assert_cmpstr (uri, ==, "mailto:juergen@example.org");

  /* A mailto link writes to the address */
  g_assert_true (pf_preview_pane_text_activate_at_offset (view, start + 3));
  g_assert_cmpstr (fixture->composed_to, ==, "juergen@example.org");
  g_assert_false (pf_preview_pane_text_activate_at_offset (view, 0));

  /* The signature is dimmed, the text before it is not */
  g_assert_true (has_tag_at (GTK_WIDGET (view), "signature", offset_of (text, "Jürgen\n")));
  g_assert_false (has_tag_at (GTK_WIDGET (view), "signature", offset_of (text, "only one")));

  /* No attachments: no bar */
  g_assert_false (gtk_widget_get_visible (
    GTK_WIDGET (_pf_preview_pane_get_attachment_bar (fixture->pane))));
}

static void
test_multipart (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *source = multipart_message ();
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "Report", source);
  PfAttachmentBar *bar = _pf_preview_pane_get_attachment_bar (fixture->pane);
  g_autoptr(GPtrArray) widgets = NULL;
  g_autoptr(GBytes) expected = attachment_bytes ();
  g_autofree char *text = NULL;
  g_autofree char *size = g_format_size (256);
  const char *shown_size;
  GIcon *icon = NULL;

  /* Plain text preferred: the plain alternative, then the second part,
   * each in its own widget */
  show_and_wait (fixture, id);
  widgets = part_widgets (fixture);
  g_assert_cmpuint (widgets->len, ==, 2);
  text = buffer_text (g_ptr_array_index (widgets, 0));
  g_assert_cmpstr (text, ==, "Plain version");
  g_clear_pointer (&text, g_free);
  text = buffer_text (g_ptr_array_index (widgets, 1));
  g_assert_cmpstr (text, ==, "Second text part");
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&widgets, g_ptr_array_unref);

  /* Attachments: name (RFC 2231, sanitized), size, icon */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (bar)));
  g_assert_cmpuint (pf_attachment_bar_get_n_items (bar), ==, 2);
  g_assert_cmpstr (_pf_attachment_bar_get_item (bar, 0, &shown_size, &icon), ==,
                   "Prüfbericht März.pdf");
  g_assert_cmpstr (shown_size, ==, size);
  g_assert_nonnull (icon);
  g_assert_cmpstr (_pf_attachment_bar_get_item (bar, 1, NULL, NULL), ==, "_.bashrc");
  save_screenshot (fixture, "attachments");

  /* Save writes exactly the decoded bytes, replacing what is there */
  {
    g_autofree char *path = g_build_filename (fixture->dir, "saved.pdf", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (path);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) saved = NULL;
    char *contents = NULL;
    gsize length;

    g_assert_true (g_file_set_contents (path, "old", -1, NULL));
    _pf_attachment_bar_save_part_async (bar, _pf_attachment_bar_get_item_part_id (bar, 0), file,
                                        NULL, store_result_cb, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (_pf_attachment_bar_save_part_finish (bar, result, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
    saved = g_bytes_new_take (contents, length);
    g_assert_true (g_bytes_equal (saved, expected));
  }

  /* Save All: names taken in the folder get a number */
  {
    g_autofree char *folder_path = g_build_filename (fixture->dir, "all", NULL);
    g_autofree char *taken = g_build_filename (folder_path, "Prüfbericht März.pdf", NULL);
    g_autofree char *numbered = g_build_filename (folder_path, "Prüfbericht März (2).pdf", NULL);
    g_autofree char *other = g_build_filename (folder_path, "_.bashrc", NULL);
    g_autoptr(GFile) folder = g_file_new_for_path (folder_path);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) saved = NULL;
    g_autofree char *kept = NULL;
    char *contents = NULL;
    gsize length;

    g_assert_cmpint (g_mkdir (folder_path, 0700), ==, 0);
    g_assert_true (g_file_set_contents (taken, "mine", -1, NULL));
    _pf_attachment_bar_save_all_async (bar, folder, NULL, store_result_cb, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (_pf_attachment_bar_save_all_finish (bar, result, &error));
    g_assert_no_error (error);

    g_assert_true (g_file_get_contents (taken, &kept, NULL, NULL));
    g_assert_cmpstr (kept, ==, "mine");
    g_assert_true (g_file_get_contents (numbered, &contents, &length, NULL));
    saved = g_bytes_new_take (contents, length);
    g_assert_true (g_bytes_equal (saved, expected));
    g_assert_true (g_file_test (other, G_FILE_TEST_IS_REGULAR));
  }

  /* Open: a private copy in the cache */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;
    g_autofree char *open_dir = g_build_filename (g_get_user_cache_dir (), "postfach", "open",
                                                  NULL);
    GStatBuf st;

    path = _pf_attachment_bar_write_temp_file (pf_preview_pane_get_message (fixture->pane),
                                               _pf_attachment_bar_get_item_part_id (bar, 0),
                                               "Prüfbericht März.pdf", NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_str_has_prefix (path, open_dir));
    g_assert_true (g_str_has_suffix (path, "/Prüfbericht März.pdf"));
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    g_assert_cmpuint (st.st_size, ==, 256);
    g_unlink (path);
  }

  /* Prefer HTML: the HTML alternative, as text (no image is loaded) */
  pf_preview_pane_set_prefer_html (fixture->pane, TRUE);
  pf_preview_pane_show_message (fixture->pane, NULL);
  g_assert_cmpstr (_pf_preview_pane_get_state (fixture->pane), ==, "no-message");
  show_and_wait (fixture, id);
  widgets = part_widgets (fixture);
  g_assert_cmpuint (widgets->len, ==, 2);
#ifdef HAVE_WEBKIT
  /* In a web view of its own (tests/ui/test-html-view.c looks inside). */
  g_assert_true (PF_IS_HTML_VIEW (g_ptr_array_index (widgets, 0)));
#else
  text = buffer_text (g_ptr_array_index (widgets, 0));
  g_assert_nonnull (strstr (text, "HTML version"));
  g_assert_null (strstr (text, "<b>"));
#endif
}

static void
test_broken (Fixture       *fixture,
             gconstpointer  data)
{
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "broken", broken_message);
  GtkWidget *body;
  GtkWidget *child;
  gboolean damaged_shown = FALSE;

  show_and_wait (fixture, id);
  g_assert_true (pf_mime_message_get_flags (pf_preview_pane_get_message (fixture->pane)) &
                 PF_MIME_MESSAGE_FLAG_MALFORMED);

  /* The note about the damage is the first visible label above the parts */
  body = gtk_widget_get_parent (_pf_preview_pane_get_parts_box (fixture->pane));
  for (child = gtk_widget_get_first_child (body);
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LABEL (child) && gtk_widget_get_visible (child))
      damaged_shown = TRUE;
  g_assert_true (damaged_shown);
}

static void
test_error_retry (Fixture       *fixture,
                  gconstpointer  data)
{
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "Remote", NULL);
  g_autoptr(PfMessageSummary) summary = summary_for (fixture, id);
  g_autofree char *subject = NULL;

  fixture->fetcher->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                                                 "The server cannot be reached");
  pf_preview_pane_show_message (fixture->pane, summary);
  wait_until_state (fixture, "error");
  save_screenshot (fixture, "error");
  g_assert_cmpstr (_pf_preview_pane_get_error_text (fixture->pane), ==,
                   "The server cannot be reached");
  g_assert_cmpuint (fixture->fetcher->calls, ==, 1);
  g_assert_cmpuint (fixture->shown, ==, 0);
  g_assert_null (pf_preview_pane_get_message (fixture->pane));
  /* The header stays */
  subject = pf_message_header_dup_field_text (_pf_preview_pane_get_header (fixture->pane),
                                              "subject");
  g_assert_cmpstr (subject, ==, "Remote");

  /* Retry asks the fetcher again */
  g_clear_error (&fixture->fetcher->error);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->pane), "preview.retry", NULL));
  wait_until_state (fixture, "message");
  g_assert_cmpuint (fixture->fetcher->calls, ==, 2);
  g_assert_cmpuint (fixture->shown, ==, 1);
}

static void
test_selection (Fixture       *fixture,
                gconstpointer  data)
{
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "Plain", plain_message);

  g_assert_cmpstr (_pf_preview_pane_get_state (fixture->pane), ==, "no-message");
  show_and_wait (fixture, id);
  pf_preview_pane_show_selection_count (fixture->pane, 3);
  g_assert_cmpstr (_pf_preview_pane_get_state (fixture->pane), ==, "selection");
  g_assert_null (pf_preview_pane_get_message (fixture->pane));
  pf_preview_pane_show_selection_count (fixture->pane, 0);
  g_assert_cmpstr (_pf_preview_pane_get_state (fixture->pane), ==, "no-message");
}

static void
test_switch_cancels (Fixture       *fixture,
                     gconstpointer  data)
{
  gint64 remote = pf_test_add_message (fixture->store, fixture->folder, 1, "Remote", NULL);
  gint64 local = pf_test_add_message (fixture->store, fixture->folder, 2, "Plain", plain_message);
  g_autoptr(PfMessageSummary) summary = summary_for (fixture, remote);
  g_autofree char *subject = NULL;

  /* A fetch that never ends is left when another message is selected */
  fixture->fetcher->hold = TRUE;
  pf_preview_pane_show_message (fixture->pane, summary);
  g_assert_cmpstr (_pf_preview_pane_get_state (fixture->pane), ==, "loading");
  show_and_wait (fixture, local);
  while (!fixture->fetcher->saw_cancel)
    g_main_context_iteration (NULL, TRUE);
  subject = pf_message_header_dup_field_text (_pf_preview_pane_get_header (fixture->pane),
                                              "subject");
  g_assert_cmpstr (subject, ==, "Plain");
  g_assert_cmpuint (fixture->shown, ==, 1);
}

static void
test_many_recipients (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *source = many_recipients_message ();
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "Many", source);
  PfMessageHeader *header = _pf_preview_pane_get_header (fixture->pane);
  g_autofree char *to = NULL;
  g_auto(GStrv) entries = NULL;

  show_and_wait (fixture, id);
  to = pf_message_header_dup_field_text (header, "to");
  g_assert_true (g_str_has_prefix (to, "User 1 <user1@example.org>, User 2 <user2@example.org>"));
  g_assert_true (g_str_has_suffix (to, ", User 5 <user5@example.org>, and 10 more"));
  g_assert_cmpstr (pf_message_header_dup_field_text (header, "cc"), ==, "");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (header), "header.show-all-recipients",
                                             "s", "to"));
  g_clear_pointer (&to, g_free);
  to = pf_message_header_dup_field_text (header, "to");
  entries = g_strsplit (to, ", ", -1);
  g_assert_cmpuint (g_strv_length (entries), ==, 15);
  g_assert_cmpstr (entries[14], ==, "User 15 <user15@example.org>");
}

typedef struct
{
  Fixture *fixture;
  gint64   start;
  gint64   shown;
  gint64   painted;
} Timing;

/* The first frame drawn with the text laid out */
static void
on_after_paint_cb (GdkFrameClock *clock,
                   Timing        *timing)
{
  g_autoptr(GPtrArray) widgets = NULL;

  if (timing->shown == 0 || timing->painted != 0)
    return;
  widgets = part_widgets (timing->fixture);
  if (widgets->len > 0 && gtk_widget_get_height (g_ptr_array_index (widgets, 0)) > 0)
    timing->painted = g_get_monotonic_time ();
}

static void
on_timed_shown_cb (PfPreviewPane    *pane,
                   PfMessageSummary *summary,
                   Timing           *timing)
{
  timing->shown = g_get_monotonic_time ();
}

/* From show_message() on a stored plain message to its text on screen */
static void
test_timing (Fixture       *fixture,
             gconstpointer  data)
{
  GdkFrameClock *clock;
  gint64 best = G_MAXINT64, worst = 0;
  gint64 best_paint = G_MAXINT64, worst_paint = 0;
  gulong paint_id;
  guint i;

  /* Realised and drawn once, as in the window */
  while (!gtk_widget_get_mapped (GTK_WIDGET (fixture->pane)))
    g_main_context_iteration (NULL, TRUE);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (fixture->pane));

  for (i = 0; i < 10; i++)
    {
      gint64 id = pf_test_add_message (fixture->store, fixture->folder, i + 1, "Plain",
                                       plain_message);
      g_autoptr(PfMessageSummary) summary = summary_for (fixture, id);
      Timing timing = { fixture, 0, 0, 0 };
      gulong shown_id;

      shown_id = g_signal_connect (fixture->pane, "message-shown",
                                   G_CALLBACK (on_timed_shown_cb), &timing);
      paint_id = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint_cb), &timing);
      timing.start = g_get_monotonic_time ();
      pf_preview_pane_show_message (fixture->pane, summary);
      while (timing.painted == 0)
        g_main_context_iteration (NULL, TRUE);
      g_signal_handler_disconnect (fixture->pane, shown_id);
      g_signal_handler_disconnect (clock, paint_id);

      best = MIN (best, timing.shown - timing.start);
      worst = MAX (worst, timing.shown - timing.start);
      best_paint = MIN (best_paint, timing.painted - timing.start);
      worst_paint = MAX (worst_paint, timing.painted - timing.start);
    }

  g_test_message ("show_message() to message-shown: best %.1f ms, worst %.1f ms (goal 30 ms)",
                  best / 1000.0, worst / 1000.0);
  g_test_message ("show_message() to the first frame with the text: best %.1f ms, worst %.1f ms",
                  best_paint / 1000.0, worst_paint / 1000.0);
  /* Far from the goal means something blocks: fail on that, not on a slow machine. */
  g_assert_cmpint (best, <, 500 * 1000);
}

static void
test_sanitize (void)
{
  const struct { const char *in; const char *out; } cases[] = {
    { "report.pdf", "report.pdf" },
    { "../../etc/passwd", "_.._etc_passwd" },
    { ".bashrc", "bashrc" },
    { "  ...hidden", "hidden" },
    { "a\\b", "a_b" },
    { "tab\there\r\n.txt", "tabhere.txt" },
    { "evil\xe2\x80\xaegpj.exe", "evilgpj.exe" },   /* U+202E RIGHT-TO-LEFT OVERRIDE */
    { "", "attachment" },
    { "...", "attachment" },
    { "name. ", "name" },
  };
  g_autofree char *long_name = NULL;
  g_autofree char *sanitized = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = _pf_attachment_bar_sanitize_filename (cases[i].in);

      g_assert_cmpstr (out, ==, cases[i].out);
    }

  /* Long names are cut on a character boundary, keeping the extension */
  long_name = g_strconcat ("ä", g_strnfill (300, 'x'), "ü.pdf", NULL);
  sanitized = _pf_attachment_bar_sanitize_filename (long_name);
  g_assert_cmpuint (strlen (sanitized), <=, 200);
  g_assert_true (g_str_has_suffix (sanitized, ".pdf"));
  g_assert_true (g_utf8_validate (sanitized, -1, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  adw_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/ui/preview-pane/german", test_german);
  ADD ("/ui/preview-pane/multipart", test_multipart);
  ADD ("/ui/preview-pane/broken", test_broken);
  ADD ("/ui/preview-pane/error-retry", test_error_retry);
  ADD ("/ui/preview-pane/selection", test_selection);
  ADD ("/ui/preview-pane/switch-cancels", test_switch_cancels);
  ADD ("/ui/preview-pane/many-recipients", test_many_recipients);
  ADD ("/ui/preview-pane/timing", test_timing);
  g_test_add_func ("/ui/preview-pane/sanitize", test_sanitize);

#undef ADD

  return g_test_run ();
}
