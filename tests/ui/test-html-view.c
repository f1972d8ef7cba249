/* test-html-view.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* PfHtmlView in WebKitGTK under Xvfb. A local HTTP server plays the remote
 * host of the mail's images, styles and frames: it counts every connection,
 * and the view must not make one until the user allows remote content. */

#include "config.h"

#include <adwaita.h>

#include "pf-html-view-private.h"

/* A 1x1 transparent PNG, for every request. */
static const char pixel_png_base64[] =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

static struct
{
  GSocketService *service;
  guint16         port;
  char           *base;        /* http://127.0.0.1:PORT */
  int             connections; /* atomic */
  int             requests;    /* atomic */
  GBytes         *png;
} server;

static GtkWindow *window;

/* The server ------------------------------------------------------------ */

static gboolean
on_server_run_cb (GThreadedSocketService *service,
                  GSocketConnection      *connection,
                  GObject                *source_object,
                  gpointer                user_data)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GString) request = g_string_new (NULL);
  g_autofree char *header = NULL;
  char buffer[4096];
  gssize n;

  g_atomic_int_inc (&server.connections);
  if (g_test_verbose ())
    g_printerr ("# server: connection\n");
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 5);

  while (strstr (request->str, "\r\n\r\n") == NULL &&
         (n = g_input_stream_read (input, buffer, sizeof buffer, NULL, NULL)) > 0)
    g_string_append_len (request, buffer, n);

  if (request->len == 0)
    return TRUE;

  g_atomic_int_inc (&server.requests);
  if (g_test_verbose ())
    g_printerr ("# server: %.*s\n", (int) strcspn (request->str, "\r\n"), request->str);

  header = g_strdup_printf ("HTTP/1.1 200 OK\r\n"
                            "Content-Type: image/png\r\n"
                            "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                            "Cache-Control: no-store\r\n"
                            "Connection: close\r\n\r\n",
                            g_bytes_get_size (server.png));
  g_output_stream_write_all (output, header, strlen (header), NULL, NULL, NULL);
  g_output_stream_write_all (output, g_bytes_get_data (server.png, NULL),
                             g_bytes_get_size (server.png), NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  return TRUE;
}

static void
server_start (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;
  guchar *png;
  gsize png_len;

  png = g_base64_decode (pixel_png_base64, &png_len);
  server.png = g_bytes_new_take (png, png_len);

  server.service = g_threaded_socket_service_new (8);
  g_socket_listener_add_address (G_SOCKET_LISTENER (server.service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  server.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  server.base = g_strdup_printf ("http://127.0.0.1:%u", server.port);
  g_signal_connect (server.service, "run", G_CALLBACK (on_server_run_cb), NULL);
  g_socket_service_start (server.service);
}

/* Helpers --------------------------------------------------------------- */

static gboolean
quit_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
iterate_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, quit_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  guint loaded;
  guint blocked;
} Counts;

static void
on_loaded_cb (PfHtmlView *view,
              Counts     *counts)
{
  counts->loaded++;
}

static void
on_blocked_cb (PfHtmlView *view,
               Counts     *counts)
{
  counts->blocked++;
}

static PfHtmlView *
make_view (Counts *counts)
{
  PfHtmlView *view = pf_html_view_new ();

  g_signal_connect (view, "loaded", G_CALLBACK (on_loaded_cb), counts);
  g_signal_connect (view, "remote-content-blocked", G_CALLBACK (on_blocked_cb), counts);
  gtk_window_set_child (window, GTK_WIDGET (view));

  return view;
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("Timed out waiting for the view to load");
  return G_SOURCE_REMOVE;
}

static void
wait_loaded (Counts *counts,
             guint   n)
{
  guint timeout_id = g_timeout_add_seconds (20, timeout_cb, NULL);

  while (counts->loaded < n)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout_id);
}

/* The mail refers to the server in every way HTML and CSS can load
 * something on display. */
static char *
remote_mail (const char *path)
{
  static const char template[] =
    "<!DOCTYPE html><html><head>"
    "<meta http-equiv=\"refresh\" content=\"0; url=@U@/refresh\">"
    "<link rel=\"stylesheet\" href=\"@U@/link.css\">"
    "<link rel=\"prefetch\" href=\"@U@/prefetch\">"
    "<link rel=\"dns-prefetch\" href=\"@U@/dns-prefetch\">"
    "<link rel=\"preconnect\" href=\"@U@/preconnect\">"
    "<link rel=\"preload\" as=\"image\" href=\"@U@/preload.png\">"
    "<link rel=\"icon\" href=\"@U@/favicon.png\">"
    "<style>"
    "@import url(@U@/import.css);"
    "@font-face { font-family: Remote; src: url(@U@/font.woff); }"
    "body { font-family: Remote; }"
    "p.bg { background-image: url('@U@/css-background.png'); }"
    "</style></head>"
    "<body background=\"@U@/body-background.png\">"
    "<p class=\"bg\">Hello</p>"
    "<p style=\"background: url(@U@/style-attribute.png)\">styled</p>"
    "<img src=\"@U@/img.png\" alt=\"\">"
    "<img srcset=\"@U@/srcset.png 2x\" alt=\"\">"
    "<picture><source srcset=\"@U@/picture.png\"><img src=\"data:,x\" alt=\"\"></picture>"
    "<table background=\"@U@/table-background.png\"><tr><td>x</td></tr></table>"
    "<iframe src=\"@U@/iframe\"></iframe>"
    "<object data=\"@U@/object\"></object>"
    "<embed src=\"@U@/embed\">"
    "<video poster=\"@U@/poster.png\" src=\"@U@/video\"></video>"
    "<audio src=\"@U@/audio\"></audio>"
    "<svg><image href=\"@U@/svg-image.png\"/></svg>"
    "<input type=\"image\" src=\"@U@/input.png\">"
    "<a href=\"@U@/link\" ping=\"@U@/ping\">a link</a>"
    "</body></html>";
  g_autofree char *base = g_strdup_printf ("%s/%s", server.base, path);
  g_autoptr(GString) mail = g_string_new (template);

  g_string_replace (mail, "@U@", base, 0);

  return g_string_free (g_steal_pointer (&mail), FALSE);
}

/* Tests ----------------------------------------------------------------- */

static void
test_settings (void)
{
  Counts counts = { 0 };
  PfHtmlView *view = make_view (&counts);
  WebKitWebView *web_view = _pf_html_view_get_web_view (view);
  WebKitSettings *settings = webkit_web_view_get_settings (web_view);

  g_assert_false (webkit_settings_get_enable_javascript (settings));
  g_assert_false (webkit_settings_get_enable_javascript_markup (settings));
  g_assert_false (webkit_settings_get_javascript_can_open_windows_automatically (settings));
  g_assert_false (webkit_settings_get_enable_webgl (settings));
  g_assert_false (webkit_settings_get_enable_webaudio (settings));
  g_assert_false (webkit_settings_get_enable_media (settings));
  g_assert_false (webkit_settings_get_enable_page_cache (settings));
  g_assert_false (webkit_settings_get_enable_developer_extras (settings));
  g_assert_false (webkit_settings_get_enable_html5_local_storage (settings));
  g_assert_false (webkit_settings_get_allow_file_access_from_file_urls (settings));
  g_assert_false (webkit_settings_get_allow_universal_access_from_file_urls (settings));
  /* Only because the filter and the CSP block remote images. */
  g_assert_true (webkit_settings_get_auto_load_images (settings));

  g_assert_true (webkit_network_session_is_ephemeral (webkit_web_view_get_network_session (web_view)));

  gtk_window_set_child (window, NULL);
}

static const char typical_mail[] =
  "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>"
  "body { font-family: sans-serif; color: #222; } .box { padding: 12px; border: 1px solid #ccc; }"
  "h1 { font-size: 22px; } td { padding: 4px 8px; }"
  "</style></head><body>"
  "<table width=\"100%%\" cellpadding=\"0\" cellspacing=\"0\"><tr><td>"
  "<h1>Monthly newsletter</h1>%s"
  "</td></tr></table></body></html>";

static char *
make_typical_mail (void)
{
  g_autoptr(GString) body = g_string_new (NULL);

  for (guint i = 0; i < 30; i++)
    g_string_append_printf (body,
                            "<div class=\"box\"><h2>Item %u</h2><p>Lorem ipsum dolor sit amet, "
                            "<b>consectetur</b> adipiscing elit, sed do eiusmod tempor incididunt "
                            "ut labore et dolore magna aliqua. <a href=\"https://example.org/%u\">"
                            "Read more</a></p><table><tr><td>A</td><td>B</td><td>C</td></tr></table>"
                            "</div>", i, i);

  return g_strdup_printf (typical_mail, body->str);
}

/* Runs first: the view takes the web view pf_html_view_preload() made in
 * main(). */
static void
test_timing (void)
{
  Counts counts = { 0 };
  g_autofree char *mail = make_typical_mail ();
  PfHtmlView *view;
  gint64 start;
  double first_ms;
  double second_ms;

  /* The application preloads at startup, well before the first message. */
  iterate_for (1500);

  view = make_view (&counts);
  start = g_get_monotonic_time ();
  pf_html_view_load (view, mail, "news@example.org", NULL, NULL, NULL);
  wait_loaded (&counts, 1);
  first_ms = (g_get_monotonic_time () - start) / 1000.0;

  start = g_get_monotonic_time ();
  pf_html_view_load (view, mail, "news@example.org", NULL, NULL, NULL);
  wait_loaded (&counts, 2);
  second_ms = (g_get_monotonic_time () - start) / 1000.0;

  g_test_message ("HTML message shown: first %.1f ms (goal 300 ms), then %.1f ms (goal 100 ms)",
                  first_ms, second_ms);
  g_printerr ("# HTML message shown: first %.1f ms (goal 300 ms), then %.1f ms (goal 100 ms)\n",
              first_ms, second_ms);
  /* Twice the goals, for busy machines; without the preloaded web process
   * the first load alone takes longer than that. */
  g_assert_cmpfloat (first_ms, <, 600);
  g_assert_cmpfloat (second_ms, <, 200);

  gtk_window_set_child (window, NULL);
}

static void
test_remote_blocked (void)
{
  Counts counts = { 0 };
  g_autofree char *mail = remote_mail ("blocked");
  PfHtmlView *view = make_view (&counts);
  WebKitWebView *web_view = _pf_html_view_get_web_view (view);
  int before;

  g_atomic_int_set (&server.connections, 0);
  g_atomic_int_set (&server.requests, 0);

  pf_html_view_load (view, mail, "alice@example.org", NULL, NULL, NULL);
  wait_loaded (&counts, 1);
  iterate_for (1000);

  g_assert_cmpint (g_atomic_int_get (&server.connections), ==, 0);
  g_assert_cmpuint (counts.blocked, ==, 1);
  g_assert_false (pf_html_view_get_remote_content_allowed (view));
  /* The meta refresh was cancelled: still the message. */
  g_assert_cmpstr (webkit_web_view_get_uri (web_view), ==, "about:blank");

  /* "Show Remote Content" */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "html-view.show-remote-content", NULL));
  g_assert_true (pf_html_view_get_remote_content_allowed (view));
  wait_loaded (&counts, 2);
  iterate_for (1000);
  g_assert_cmpint (g_atomic_int_get (&server.requests), >, 0);
  g_assert_cmpuint (counts.blocked, ==, 1);
  /* Frames, objects and refresh stay blocked even now. */
  g_assert_cmpstr (webkit_web_view_get_uri (web_view), ==, "about:blank");

  /* The next mail, another sender: blocked again. */
  before = g_atomic_int_get (&server.connections);
  pf_html_view_load (view, mail, "mallory@example.org", NULL, NULL, NULL);
  g_assert_false (pf_html_view_get_remote_content_allowed (view));
  wait_loaded (&counts, 3);
  iterate_for (1000);
  g_assert_cmpint (g_atomic_int_get (&server.connections), ==, before);
  g_assert_cmpuint (counts.blocked, ==, 2);

  /* Nothing was cached either: allowing it fetches again. */
  before = g_atomic_int_get (&server.requests);
  pf_html_view_set_remote_content_allowed (view, TRUE);
  wait_loaded (&counts, 4);
  iterate_for (1000);
  g_assert_cmpint (g_atomic_int_get (&server.requests), >, before);

  gtk_window_set_child (window, NULL);
}

static void
test_remote_always_for_sender (void)
{
  Counts counts = { 0 };
  g_autofree char *mail = remote_mail ("always");
  g_autoptr(GSettings) settings = g_settings_new ("org.postfach.Postfach");
  g_auto(GStrv) senders = NULL;
  PfHtmlView *view = make_view (&counts);
  int before;

  pf_html_view_load (view, mail, "Bob@Example.org", NULL, NULL, NULL);
  wait_loaded (&counts, 1);
  g_assert_cmpuint (counts.blocked, ==, 1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "html-view.always-show-remote-content", NULL));
  senders = g_settings_get_strv (settings, "remote-content-senders");
  g_assert_true (g_strv_contains ((const char * const *) senders, "bob@example.org"));
  wait_loaded (&counts, 2);

  /* The next mail from Bob loads at once. */
  iterate_for (500);
  before = g_atomic_int_get (&server.requests);
  pf_html_view_load (view, mail, "bob@example.org", NULL, NULL, NULL);
  g_assert_true (pf_html_view_get_remote_content_allowed (view));
  wait_loaded (&counts, 3);
  iterate_for (1000);
  g_assert_cmpuint (counts.blocked, ==, 1);
  g_assert_cmpint (g_atomic_int_get (&server.requests), >, before);

  /* Anyone else's does not. */
  before = g_atomic_int_get (&server.connections);
  pf_html_view_load (view, mail, "carol@example.org", NULL, NULL, NULL);
  wait_loaded (&counts, 4);
  iterate_for (1000);
  g_assert_cmpuint (counts.blocked, ==, 2);
  g_assert_cmpint (g_atomic_int_get (&server.connections), ==, before);

  g_settings_reset (settings, "remote-content-senders");
  gtk_window_set_child (window, NULL);
}

typedef struct
{
  GBytes *png;
  guint   asked;
  guint   served;
  guint   destroyed;
} CidParts;

static GBytes *
cid_lookup (const char  *content_id,
            char       **content_type,
            gpointer     user_data)
{
  CidParts *parts = user_data;

  parts->asked++;
  if (!g_str_equal (content_id, "red@example.org"))
    return NULL;

  parts->served++;
  *content_type = g_strdup ("image/png");
  return g_bytes_ref (parts->png);
}

static void
cid_destroy (gpointer user_data)
{
  CidParts *parts = user_data;

  parts->destroyed++;
}

static void
snapshot_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GdkTexture **texture = user_data;
  g_autoptr(GError) error = NULL;

  *texture = webkit_web_view_get_snapshot_finish (WEBKIT_WEB_VIEW (object), result, &error);
  g_assert_no_error (error);
}

static void
test_cid (void)
{
  Counts counts = { 0 };
  CidParts parts = { 0 };
  CidParts other = { 0 };
  g_autoptr(GBytes) red = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GdkTexture) snapshot = NULL;
  PfHtmlView *view = make_view (&counts);
  guchar pixels[4 * 4 * 4];
  guchar *data;
  gsize stride;
  int width;

  for (guint i = 0; i < 16; i++)
    {
      pixels[i * 4 + 0] = 0xff;
      pixels[i * 4 + 1] = 0x00;
      pixels[i * 4 + 2] = 0x00;
      pixels[i * 4 + 3] = 0xff;
    }
  red = g_bytes_new (pixels, sizeof pixels);
  texture = gdk_memory_texture_new (4, 4, GDK_MEMORY_R8G8B8A8, red, 16);
  parts.png = gdk_texture_save_to_png_bytes (texture);
  other.png = g_bytes_ref (parts.png);

  gtk_window_present (window);
  pf_html_view_load (view,
                     "<html><body style=\"margin:0; background:#fff\">"
                     "<img src=\"cid:red%40example.org\" width=\"200\" height=\"200\" alt=\"\">"
                     "<img src=\"cid:missing@example.org\" alt=\"\">"
                     "</body></html>",
                     "alice@example.org", cid_lookup, &parts, cid_destroy);
  wait_loaded (&counts, 1);
  iterate_for (300);

  g_assert_cmpuint (parts.asked, ==, 2);
  g_assert_cmpuint (parts.served, ==, 1);

  /* The image is on screen: the top left corner is red. */
  webkit_web_view_get_snapshot (_pf_html_view_get_web_view (view),
                                WEBKIT_SNAPSHOT_REGION_VISIBLE, WEBKIT_SNAPSHOT_OPTIONS_NONE,
                                NULL, snapshot_cb, &snapshot);
  while (snapshot == NULL)
    g_main_context_iteration (NULL, TRUE);
  width = gdk_texture_get_width (snapshot);
  g_assert_cmpint (width, >=, 200);
  stride = width * 4;
  data = g_malloc (stride * gdk_texture_get_height (snapshot));
  gdk_texture_download (snapshot, data, stride);
  /* Cairo's ARGB32 in memory order on little endian: B G R A. */
  g_assert_cmpuint (data[100 * stride + 100 * 4 + 2], >, 200);
  g_assert_cmpuint (data[100 * stride + 100 * 4 + 1], <, 50);
  g_assert_cmpuint (data[100 * stride + 100 * 4 + 0], <, 50);
  /* Below the image: the page's white. */
  g_assert_cmpuint (data[300 * stride + 100 * 4 + 1], >, 200);
  g_free (data);

  /* The next message gets only its own parts. */
  pf_html_view_load (view, "<p>No images</p><img src=\"cid:red@example.org\">",
                     "alice@example.org", NULL, NULL, NULL);
  g_assert_cmpuint (parts.destroyed, ==, 1);
  wait_loaded (&counts, 2);
  iterate_for (300);
  g_assert_cmpuint (parts.asked, ==, 2);

  pf_html_view_load (view, "<img src=\"cid:red@example.org\">",
                     "alice@example.org", cid_lookup, &other, cid_destroy);
  wait_loaded (&counts, 3);
  g_assert_cmpuint (parts.asked, ==, 2);
  g_assert_cmpuint (other.served, ==, 1);

  gtk_window_set_child (window, NULL);
  g_assert_cmpuint (other.destroyed, ==, 1);
  g_bytes_unref (parts.png);
  g_bytes_unref (other.png);
}

static void
test_script (void)
{
  Counts counts = { 0 };
  g_autofree char *mail = NULL;
  PfHtmlView *view = make_view (&counts);
  WebKitWebView *web_view = _pf_html_view_get_web_view (view);
  const char *u = server.base;

  g_atomic_int_set (&server.connections, 0);
  mail = g_strdup_printf (
    "<html><head><title>Original</title>"
    "<script>document.title = 'script ran'; new Image ().src = '%s/script/img';</script>"
    "</head><body onload=\"document.title = 'onload ran'; location = '%s/script/onload'\">"
    "<img src=\"data:,broken\" onerror=\"document.title = 'onerror ran'\">"
    "<iframe src=\"javascript:parent.document.title='iframe ran'\"></iframe>"
    "<svg onload=\"document.title = 'svg ran'\"></svg>"
    "<form action=\"%s/script/form\"><input name=q value=x></form>"
    "<script src=\"%s/script/external.js\"></script>"
    "</body></html>",
    u, u, u, u);

  pf_html_view_load (view, mail, "alice@example.org", NULL, NULL, NULL);
  wait_loaded (&counts, 1);
  iterate_for (1000);

  g_assert_cmpstr (webkit_web_view_get_title (web_view), ==, "Original");
  g_assert_cmpint (g_atomic_int_get (&server.connections), ==, 0);

  /* Not even with remote content allowed. */
  pf_html_view_set_remote_content_allowed (view, TRUE);
  wait_loaded (&counts, 2);
  iterate_for (1000);
  g_assert_cmpstr (webkit_web_view_get_title (web_view), ==, "Original");
  g_assert_cmpint (g_atomic_int_get (&server.connections), ==, 0);
  g_assert_cmpstr (webkit_web_view_get_uri (web_view), ==, "about:blank");

  gtk_window_set_child (window, NULL);
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (toplevel) && gtk_widget_get_visible (GTK_WIDGET (toplevel)))
        return ADW_MESSAGE_DIALOG (toplevel);
    }

  return NULL;
}

/* A real click (the X server's pointer, through xdotool) on a link whose
 * text names another address: the dialog shows both, nothing navigates. */
static void
test_link_click (void)
{
  Counts counts = { 0 };
  g_autofree char *mail = NULL;
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  g_autofree char *target = g_strdup_printf ("%s/click/target", server.base);
  g_autoptr(GError) error = NULL;
  PfHtmlView *view = make_view (&counts);
  WebKitWebView *web_view = _pf_html_view_get_web_view (view);
  AdwMessageDialog *dialog = NULL;
  gint64 deadline;
  int status;

  g_assert_nonnull (xdotool);
  g_atomic_int_set (&server.requests, 0);
  mail = g_strdup_printf ("<body style=\"margin:0\"><a href=\"%s\" "
                          "style=\"display:block; height:2000px\">https://bank.example/</a></body>",
                          target);
  gtk_window_present (window);
  pf_html_view_load (view, mail, "alice@example.org", NULL, NULL, NULL);
  wait_loaded (&counts, 1);
  iterate_for (500);

  g_spawn_command_line_sync ("xdotool mousemove 200 200 sleep 0.2 click 1", NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while ((dialog = find_dialog ()) == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), target));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "https://bank.example/"));

  adw_message_dialog_response (dialog, "cancel");
  gtk_window_destroy (GTK_WINDOW (dialog));
  iterate_for (500);
  g_assert_cmpstr (webkit_web_view_get_uri (web_view), ==, "about:blank");
  /* No request. (WebKit opens a connection to the link's host when the
   * user clicks, before asking the view; the API has no way to stop it.) */
  g_assert_cmpint (g_atomic_int_get (&server.requests), ==, 0);

  gtk_window_set_child (window, NULL);
}

static void
test_navigation_classify (void)
{
  const WebKitPolicyDecisionType nav = WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION;
  const WebKitPolicyDecisionType new_window = WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION;

  /* The view's own load, once. */
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_OTHER, "about:blank", TRUE),
                   ==, PF_HTML_NAVIGATION_ALLOW);
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_OTHER, "about:blank", FALSE),
                   ==, PF_HTML_NAVIGATION_CANCEL);
  /* Meta refresh, frames, objects: OTHER. */
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_OTHER, "https://example.org/", TRUE),
                   ==, PF_HTML_NAVIGATION_CANCEL);
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_OTHER, "https://example.org/", FALSE),
                   ==, PF_HTML_NAVIGATION_CANCEL);
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_FORM_SUBMITTED, "https://example.org/", FALSE),
                   ==, PF_HTML_NAVIGATION_CANCEL);
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_FORM_RESUBMITTED, "https://example.org/", FALSE),
                   ==, PF_HTML_NAVIGATION_CANCEL);
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_RELOAD, "about:blank", FALSE),
                   ==, PF_HTML_NAVIGATION_CANCEL);
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_BACK_FORWARD, "about:blank", FALSE),
                   ==, PF_HTML_NAVIGATION_CANCEL);
  g_assert_cmpint (_pf_html_view_classify_navigation (new_window, WEBKIT_NAVIGATION_TYPE_OTHER, "https://example.org/", FALSE),
                   ==, PF_HTML_NAVIGATION_CANCEL);
  g_assert_cmpint (_pf_html_view_classify_navigation (new_window, WEBKIT_NAVIGATION_TYPE_OTHER, "about:blank", TRUE),
                   ==, PF_HTML_NAVIGATION_CANCEL);

  /* Clicked links: the browser or the mail program, after asking. */
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, "https://example.org/", FALSE),
                   ==, PF_HTML_NAVIGATION_ASK);
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, "HTTP://example.org/", FALSE),
                   ==, PF_HTML_NAVIGATION_ASK);
  g_assert_cmpint (_pf_html_view_classify_navigation (new_window, WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, "https://example.org/", FALSE),
                   ==, PF_HTML_NAVIGATION_ASK);
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, "mailto:a@example.org", FALSE),
                   ==, PF_HTML_NAVIGATION_ASK);
  /* An anchor in the message. */
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, "about:blank#top", FALSE),
                   ==, PF_HTML_NAVIGATION_ALLOW);
  /* Not to local files or other handlers. */
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, "file:///etc/passwd", FALSE),
                   ==, PF_HTML_NAVIGATION_CANCEL);
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, "javascript:alert(1)", FALSE),
                   ==, PF_HTML_NAVIGATION_CANCEL);
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, "ms-msdt:/id", FALSE),
                   ==, PF_HTML_NAVIGATION_CANCEL);
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, "cid:part@example.org", FALSE),
                   ==, PF_HTML_NAVIGATION_CANCEL);
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, "data:text/html,x", FALSE),
                   ==, PF_HTML_NAVIGATION_CANCEL);
  g_assert_cmpint (_pf_html_view_classify_navigation (nav, WEBKIT_NAVIGATION_TYPE_LINK_CLICKED, NULL, FALSE),
                   ==, PF_HTML_NAVIGATION_CANCEL);
}

static void
test_scan (void)
{
  static const char *remote[] = {
    "<img src=\"http://example.org/a.png\">",
    "<IMG SRC=HTTPS://example.org/a.png>",
    "<img src='//example.org/a.png'>",
    "<img src=\" https://example.org/a.png\">",
    "<body background=\"http://example.org/a.png\">",
    "<td background=http://example.org/a.png>",
    "<video poster=\"http://example.org/a.png\"></video>",
    "<img srcset=\"cid:a 1x, http://example.org/a.png 2x\">",
    "<link rel=\"stylesheet\" href=\"http://example.org/a.css\">",
    "<link rel=prefetch href=//example.org/a>",
    "<iframe src=\"http://example.org/\"></iframe>",
    "<object data=\"http://example.org/x\"></object>",
    "<meta http-equiv=\"refresh\" content=\"0;URL=http://example.org/\">",
    "<p style=\"background:url( 'http://example.org/a.png' )\">x</p>",
    "<style>p { color: red }\n@import \"http://example.org/a.css\";</style>",
    "<style>@font-face { src: url(https://example.org/f.woff) }</style>",
    "<svg><image xlink:href=\"http://example.org/a.png\"/></svg>",
    "<svg><image href=\"ftp://example.org/a.png\"/></svg>",
  };
  static const char *local[] = {
    "<p>See http://example.org/ for more.</p>",
    "<a href=\"http://example.org/\">link</a>",
    "<area href=\"http://example.org/\">",
    "<img src=\"cid:part1@example.org\">",
    "<img src=\"data:image/png;base64,AAAA\">",
    "<p style=\"background:url(cid:a)\">x</p>",
    "<style>p { color: red }</style><p>http://example.org/a.png</p>",
    "<!-- <img src=\"http://example.org/a.png\"> -->",
    "<img alt=\"http://example.org/a.png\" src=\"cid:x\">",
    "<p title=\"//example.org\">x</p>",
    "",
    "<",
    "<img src=",
  };

  for (guint i = 0; i < G_N_ELEMENTS (remote); i++)
    if (!_pf_html_has_remote_references (remote[i]))
      g_error ("Not seen as remote: %s", remote[i]);
  for (guint i = 0; i < G_N_ELEMENTS (local); i++)
    if (_pf_html_has_remote_references (local[i]))
      g_error ("Seen as remote: %s", local[i]);
}

static void
test_protect_document (void)
{
  g_autofree char *plain = _pf_html_protect_document ("<p>Hi</p>", FALSE);
  g_autofree char *doctype = _pf_html_protect_document ("  <!DOCTYPE html PUBLIC \"-//W3C//DTD\">\n<html><p>Hi</p>", FALSE);
  g_autofree char *allowed = _pf_html_protect_document ("<p>Hi</p>", TRUE);

  g_assert_true (g_str_has_prefix (plain, "<meta http-equiv=\"Content-Security-Policy\""));
  g_assert_true (g_str_has_suffix (plain, "<p>Hi</p>"));
  g_assert_true (g_str_has_prefix (doctype, "  <!DOCTYPE html PUBLIC \"-//W3C//DTD\"><meta http-equiv=\"Content-Security-Policy\""));
  g_assert_true (g_str_has_suffix (doctype, "\n<html><p>Hi</p>"));
  g_assert_nonnull (strstr (plain, "img-src data: cid:;"));
  g_assert_nonnull (strstr (plain, "script-src 'none'"));
  /* Scripts, frames, objects, forms stay blocked with remote content. */
  g_assert_nonnull (strstr (allowed, "img-src * data: cid:;"));
  g_assert_nonnull (strstr (allowed, "script-src 'none'; object-src 'none'; frame-src 'none'"));
  g_assert_nonnull (strstr (allowed, "form-action 'none'"));
  g_assert_true (g_str_has_suffix (allowed, "<p>Hi</p>"));
}

int
main (int argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();

  server_start ();

  /* This test links the WebKit view itself instead of loading its module. */
  {
    PfHtmlViewImpl impl = { 0, };

    g_assert_true (pf_html_view_webkit_module_init (PF_TYPE_HTML_VIEW, NULL, &impl));
    _pf_html_view_set_impl (&impl);
  }

  /* As the application does at startup. */
  pf_html_view_preload ();

  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (window, 800, 600);
  gtk_window_present (window);

  g_test_add_func ("/html-view/timing", test_timing);
  g_test_add_func ("/html-view/settings", test_settings);
  g_test_add_func ("/html-view/remote/blocked", test_remote_blocked);
  g_test_add_func ("/html-view/remote/always-for-sender", test_remote_always_for_sender);
  g_test_add_func ("/html-view/cid", test_cid);
  g_test_add_func ("/html-view/script", test_script);
  g_test_add_func ("/html-view/navigation/classify", test_navigation_classify);
  g_test_add_func ("/html-view/navigation/link-click", test_link_click);
  g_test_add_func ("/html-view/scan", test_scan);
  g_test_add_func ("/html-view/protect-document", test_protect_document);

  status = g_test_run ();

  gtk_window_destroy (window);
  g_socket_service_stop (server.service);
  g_clear_object (&server.service);

  return status;
}
