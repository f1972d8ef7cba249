/* pf-html-view-webkit.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* One HTML part of a message in WebKitGTK, with the message kept from
 * running code or phoning home:
 *
 *  - no JavaScript (neither the page's nor ours), no plugins, media, WebGL;
 *  - every load that is not the document itself, data: or cid: is blocked
 *    twice over: by a content filter (blocks all URLs but those; it also
 *    stops <link rel=preconnect>, which no CSP covers) and by a
 *    Content-Security-Policy <meta> put before the message's HTML. With
 *    remote content allowed the filter goes and the CSP still forbids
 *    scripts, frames, objects, media, forms and <base>;
 *  - navigation is cancelled except for the load the view started; a link the
 *    user clicked opens in the browser after a dialog shows its real target;
 *  - an ephemeral network session without cookies; each load starts blocked
 *    again unless the sender is on the user's list.
 *
 * WebKit cannot report what it blocked, so the banner and the
 * "remote-content-blocked" signal come from a scan of the HTML for URLs that
 * would load on display (not links).
 *
 * Without JavaScript the document height cannot be read back, so the web
 * view scrolls its content itself and fills the space the view is given.
 */

#define G_LOG_DOMAIN "pf-html-view"

#include "config.h"

#include <errno.h>

#include <adwaita.h>
#include <glib/gi18n.h>
#include <webkit/webkit.h>

#include <gmodule.h>

#include "pf-html-view-private.h"

#define FILTER_IDENTIFIER "pf-block-remote-content-1"

/* The content filter: block everything, then let through what the message
 * carries itself. about: is the document loaded with load_html(). */
static const char filter_rules[] =
  "["
  "{\"trigger\":{\"url-filter\":\".*\"},\"action\":{\"type\":\"block\"}},"
  "{\"trigger\":{\"url-filter\":\"^cid:\"},\"action\":{\"type\":\"ignore-previous-rules\"}},"
  "{\"trigger\":{\"url-filter\":\"^data:\"},\"action\":{\"type\":\"ignore-previous-rules\"}},"
  "{\"trigger\":{\"url-filter\":\"^about:\"},\"action\":{\"type\":\"ignore-previous-rules\"}}"
  "]";

/* Put before the message's HTML. A message's own policies can only add
 * restrictions. (WebKit drops <meta> policies when the view has a
 * default-content-security-policy, so there is none.) */
#define CSP_META_START "<meta http-equiv=\"Content-Security-Policy\" content=\""
#define CSP_ALWAYS \
  "script-src 'none'; object-src 'none'; frame-src 'none'; child-src 'none'; " \
  "worker-src 'none'; connect-src 'none'; media-src 'none'; manifest-src 'none'; " \
  "form-action 'none'; base-uri 'none'"

static const char blocking_csp_meta[] =
  CSP_META_START
  "default-src 'none'; img-src data: cid:; style-src 'unsafe-inline' data: cid:; "
  "font-src data: cid:; " CSP_ALWAYS "\">";

static const char remote_csp_meta[] =
  CSP_META_START
  "default-src 'none'; img-src * data: cid:; style-src * 'unsafe-inline' data: cid:; "
  "font-src * data: cid:; " CSP_ALWAYS "\">";

struct _PfHtmlViewWebkit
{
  PfHtmlView          parent_instance;

  /* Template children */
  GtkRevealer        *banner;
  GtkWidget          *always_button;
  GtkBox             *content;

  /* Owned */
  WebKitWebView      *web_view;
  GSettings          *settings;
  char               *html;
  char               *sender;        /* casefolded, or NULL */
  char               *hover_uri;
  char               *hover_label;
  PfHtmlResourceFunc  cid_func;
  gpointer            cid_data;
  GDestroyNotify      cid_data_destroy;

  /* State */
  gboolean            remote_content_allowed;
  gboolean            has_remote_references;
  gboolean            filter_applied;
  gboolean            initial_load_pending;
  gboolean            waiting_for_filter;
  gboolean            web_view_ready;  /* the preloaded view finished its own load */
  gboolean            loading;
  gboolean            committed;     /* the load started by start_load() */
};

/* The module links against none of the program's symbols: its parent
 * type is found by name (registered before the module is loaded). */
#define PARENT_TYPE (g_type_from_name ("PfHtmlView"))

G_DEFINE_FINAL_TYPE (PfHtmlViewWebkit, pf_html_view_webkit, PARENT_TYPE)

/* Shared by all views of the process. */
static struct
{
  WebKitWebContext        *context;
  WebKitNetworkSession    *session;
  WebKitSettings          *settings;
  WebKitUserContentFilter *filter;
  gboolean                 filter_failed;
  GList                   *waiting;     /* PfHtmlViews to load once the filter is ready */
  WebKitWebView           *spare;       /* preloaded, for the first view */
  gboolean                 had_view;    /* a view exists or existed: nothing to preload */
  PfHtmlViewPreloadedFunc  preloaded;   /* told when the spare finished its load */
} shared;

static GQuark view_quark;

static void start_load (PfHtmlViewWebkit *self);

/* ---------------------------------------------------------------------- */
/* Pure helpers (tested on their own)                                     */

static gboolean
has_prefix_ci (const char *s,
               const char *prefix)
{
  return g_ascii_strncasecmp (s, prefix, strlen (prefix)) == 0;
}

static gboolean
is_remote_url (const char *value,
               const char *end)
{
  while (value < end && (g_ascii_isspace (*value) || *value == '"' || *value == '\''))
    value++;

  if (end - value < 2)
    return FALSE;

  /* Protocol-relative URLs and UNC-ish backslash forms reach a host too. */
  if ((value[0] == '/' || value[0] == '\\') && (value[1] == '/' || value[1] == '\\'))
    return TRUE;

  /* An absolute URL with any scheme but the message's own. */
  for (const char *p = value; p < end; p++)
    {
      if (*p == ':')
        return p > value &&
               !has_prefix_ci (value, "cid:") &&
               !has_prefix_ci (value, "data:") &&
               !has_prefix_ci (value, "about:");
      if (!g_ascii_isalnum (*p) && *p != '+' && *p != '-' && *p != '.')
        return FALSE;
    }

  return FALSE;
}

/* CSS: url(...) and @import "..." */
static gboolean
css_has_remote_references (const char *css,
                           const char *end)
{
  for (const char *p = css; p < end; p++)
    {
      const char *value = NULL;

      if ((size_t) (end - p) >= 4 && has_prefix_ci (p, "url("))
        value = p + 4;
      else if ((size_t) (end - p) >= 7 && has_prefix_ci (p, "@import"))
        value = p + 7;

      if (value != NULL)
        {
          const char *value_end = value;

          while (value_end < end && *value_end != ')' && *value_end != ';')
            value_end++;
          if (is_remote_url (value, value_end))
            return TRUE;
        }
    }

  return FALSE;
}

static gboolean
srcset_has_remote_references (const char *value,
                              const char *end)
{
  const char *p = value;

  while (p < end)
    {
      const char *candidate_end = p;

      while (candidate_end < end && *candidate_end != ',')
        candidate_end++;
      if (is_remote_url (p, candidate_end))
        return TRUE;
      p = candidate_end + 1;
    }

  return FALSE;
}

static gboolean
attribute_has_remote_references (const char *tag,
                                 gsize       tag_len,
                                 const char *name,
                                 gsize       name_len,
                                 const char *value,
                                 const char *value_end)
{
#define IS(s, len, lit) ((len) == strlen (lit) && g_ascii_strncasecmp ((s), (lit), (len)) == 0)
  if (IS (name, name_len, "style"))
    return css_has_remote_references (value, value_end);
  if (IS (name, name_len, "srcset") || IS (name, name_len, "imagesrcset"))
    return srcset_has_remote_references (value, value_end);
  if (IS (name, name_len, "content") && IS (tag, tag_len, "meta"))
    {
      /* <meta http-equiv="refresh" content="0; url=https://…"> */
      for (const char *p = value; p + 4 <= value_end; p++)
        if (has_prefix_ci (p, "url=") && is_remote_url (p + 4, value_end))
          return TRUE;
      return FALSE;
    }
  if (IS (name, name_len, "href") || IS (name, name_len, "xlink:href"))
    {
      /* Links load nothing until clicked; <base> is refused by the CSP. */
      if (IS (tag, tag_len, "a") || IS (tag, tag_len, "area") || IS (tag, tag_len, "base"))
        return FALSE;
      return is_remote_url (value, value_end);
    }
  if (IS (name, name_len, "src") || IS (name, name_len, "background") ||
      IS (name, name_len, "poster") || IS (name, name_len, "data") ||
      IS (name, name_len, "lowsrc") || IS (name, name_len, "dynsrc") ||
      IS (name, name_len, "codebase"))
    return is_remote_url (value, value_end);
#undef IS

  return FALSE;
}

/**
 * _pf_html_has_remote_references:
 * @html: an HTML document
 *
 * A conservative look for anything in @html that would load from the
 * network on display: resource attributes, srcset, CSS url() and @import in
 * <style> and style="", meta refresh. Links (<a href>) do not count.
 *
 * Returns: whether showing @html would load remote content
 */
gboolean
_pf_html_has_remote_references (const char *html)
{
  const char *p = html;

  while ((p = strchr (p, '<')) != NULL)
    {
      const char *tag;
      gsize tag_len;

      p++;
      if (g_str_has_prefix (p, "!--"))
        {
          const char *close = strstr (p + 3, "-->");

          if (close == NULL)
            break;
          p = close + 3;
          continue;
        }

      tag = p;
      while (*p != '\0' && (g_ascii_isalnum (*p) || *p == '-' || *p == ':'))
        p++;
      tag_len = p - tag;
      if (tag_len == 0)
        continue;

      /* Attributes up to the end of the tag. */
      while (*p != '\0' && *p != '>')
        {
          const char *name;
          gsize name_len;
          const char *value = NULL;
          const char *value_end = NULL;

          while (*p != '\0' && (g_ascii_isspace (*p) || *p == '/'))
            p++;
          name = p;
          while (*p != '\0' && !g_ascii_isspace (*p) && *p != '=' && *p != '>' && *p != '/')
            p++;
          name_len = p - name;
          while (g_ascii_isspace (*p))
            p++;
          if (*p == '=')
            {
              p++;
              while (g_ascii_isspace (*p))
                p++;
              if (*p == '"' || *p == '\'')
                {
                  char quote = *p++;

                  value = p;
                  while (*p != '\0' && *p != quote)
                    p++;
                  value_end = p;
                  if (*p != '\0')
                    p++;
                }
              else
                {
                  value = p;
                  while (*p != '\0' && !g_ascii_isspace (*p) && *p != '>')
                    p++;
                  value_end = p;
                }
            }
          else if (name_len == 0 && *p != '\0' && *p != '>')
            p++;

          if (value != NULL &&
              attribute_has_remote_references (tag, tag_len, name, name_len, value, value_end))
            return TRUE;
        }

      if (*p == '\0')
        break;
      p++;

      if (tag_len == 5 && g_ascii_strncasecmp (tag, "style", 5) == 0)
        {
          const char *close = p;

          while ((close = strchr (close, '<')) != NULL && !has_prefix_ci (close, "</style"))
            close++;
          if (close == NULL)
            close = p + strlen (p);
          if (css_has_remote_references (p, close))
            return TRUE;
          p = close;
        }
    }

  return FALSE;
}

/**
 * _pf_html_protect_document:
 * @html: the message's HTML
 * @remote_content_allowed: whether images, styles and fonts may come from
 *   the network
 *
 * Puts the Content-Security-Policy before anything of @html (after
 * a leading doctype, so the message keeps its rendering mode). The parser
 * places the <meta> into <head>, where it applies before any element of the
 * message is seen.
 *
 * Returns: (transfer full): the document to load
 */
char *
_pf_html_protect_document (const char *html,
                           gboolean    remote_content_allowed)
{
  const char *meta = remote_content_allowed ? remote_csp_meta : blocking_csp_meta;
  const char *p = html;

  if (g_str_has_prefix (p, "\xEF\xBB\xBF"))
    p += 3;
  while (g_ascii_isspace (*p))
    p++;
  if (g_ascii_strncasecmp (p, "<!doctype", 9) == 0)
    {
      /* A doctype ends at the first '>', quotes or not. */
      const char *end = strchr (p, '>');

      if (end != NULL)
        return g_strdup_printf ("%.*s%s%s", (int) (end + 1 - html), html, meta, end + 1);
    }

  return g_strconcat (meta, html, NULL);
}

/**
 * _pf_html_view_classify_navigation:
 * @decision_type: a navigation or a new-window decision
 * @navigation_type: what caused it
 * @uri: where it goes
 * @initial_load_pending: whether the view still waits for its own load
 *
 * Returns: what the view does with the navigation
 */
PfHtmlNavigation
_pf_html_view_classify_navigation (WebKitPolicyDecisionType  decision_type,
                                   WebKitNavigationType      navigation_type,
                                   const char               *uri,
                                   gboolean                  initial_load_pending)
{
  g_autofree char *scheme = NULL;

  if (uri == NULL)
    return PF_HTML_NAVIGATION_CANCEL;

  if (decision_type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION &&
      initial_load_pending && g_str_equal (uri, "about:blank"))
    return PF_HTML_NAVIGATION_ALLOW;

  if (navigation_type != WEBKIT_NAVIGATION_TYPE_LINK_CLICKED)
    return PF_HTML_NAVIGATION_CANCEL;

  /* A jump to an anchor of the document itself. */
  if (decision_type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION &&
      g_str_has_prefix (uri, "about:blank#"))
    return PF_HTML_NAVIGATION_ALLOW;

  /* Only what a browser or mail program should get; not file:, not the
   * schemes of random handlers on the system. */
  scheme = g_uri_parse_scheme (uri);
  if (scheme != NULL &&
      (g_ascii_strcasecmp (scheme, "http") == 0 ||
       g_ascii_strcasecmp (scheme, "https") == 0 ||
       g_ascii_strcasecmp (scheme, "mailto") == 0))
    return PF_HTML_NAVIGATION_ASK;

  return PF_HTML_NAVIGATION_CANCEL;
}

/* ---------------------------------------------------------------------- */
/* The shared web context                                                 */

static void
on_cid_scheme_request_cb (WebKitURISchemeRequest *request,
                          gpointer                user_data)
{
  WebKitWebView *web_view = webkit_uri_scheme_request_get_web_view (request);
  PfHtmlViewWebkit *self = g_object_get_qdata (G_OBJECT (web_view), view_quark);
  g_autofree char *content_id = NULL;
  g_autofree char *content_type = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  const char *path;
  gsize len;

  /* Only the message currently loaded in the view that asks. */
  if (self != NULL && self->cid_func != NULL)
    {
      path = webkit_uri_scheme_request_get_path (request);
      content_id = g_uri_unescape_string (path != NULL ? path : "", NULL);
      if (content_id != NULL)
        {
          len = strlen (content_id);
          if (len >= 2 && content_id[0] == '<' && content_id[len - 1] == '>')
            {
              memmove (content_id, content_id + 1, len - 2);
              content_id[len - 2] = '\0';
            }
          bytes = self->cid_func (content_id, &content_type, self->cid_data);
        }
    }

  if (bytes == NULL)
    {
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "The message has no part %s", webkit_uri_scheme_request_get_uri (request));
      webkit_uri_scheme_request_finish_error (request, error);
      return;
    }

  stream = g_memory_input_stream_new_from_bytes (bytes);
  webkit_uri_scheme_request_finish (request, stream, g_bytes_get_size (bytes),
                                    content_type != NULL ? content_type : "application/octet-stream");
}

static void
on_download_started_cb (WebKitNetworkSession *session,
                        WebKitDownload       *download,
                        gpointer              user_data)
{
  webkit_download_cancel (download);
}

static void
filter_saved_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GList *waiting;

  shared.filter = webkit_user_content_filter_store_save_finish (WEBKIT_USER_CONTENT_FILTER_STORE (object),
                                                                result, &error);
  if (shared.filter == NULL)
    {
      /* The Content-Security-Policy still blocks remote content. */
      g_warning ("Cannot compile the content filter: %s", error->message);
      shared.filter_failed = TRUE;
    }

  waiting = g_steal_pointer (&shared.waiting);
  for (GList *l = waiting; l != NULL; l = l->next)
    {
      PfHtmlViewWebkit *view = l->data;

      view->waiting_for_filter = FALSE;
      start_load (view);
    }
  g_list_free (waiting);
}

static void
ensure_shared (void)
{
  g_autoptr(WebKitUserContentFilterStore) store = NULL;
  g_autoptr(GBytes) rules = NULL;
  g_autofree char *filter_dir = NULL;
  gboolean developer_extras;

  if (shared.context != NULL)
    return;

  view_quark = g_quark_from_static_string ("pf-html-view");

  shared.context = webkit_web_context_new ();
  webkit_web_context_set_cache_model (shared.context, WEBKIT_CACHE_MODEL_DOCUMENT_VIEWER);
  webkit_web_context_register_uri_scheme (shared.context, "cid", on_cid_scheme_request_cb, NULL, NULL);

  shared.session = webkit_network_session_new_ephemeral ();
  webkit_cookie_manager_set_accept_policy (webkit_network_session_get_cookie_manager (shared.session),
                                           WEBKIT_COOKIE_POLICY_ACCEPT_NEVER);
  g_signal_connect (shared.session, "download-started", G_CALLBACK (on_download_started_cb), NULL);

  developer_extras = g_strcmp0 (g_getenv ("POSTFACH_HTML_INSPECTOR"), "1") == 0;
  shared.settings = webkit_settings_new_with_settings (
    "enable-javascript", FALSE,
    "enable-javascript-markup", FALSE,
    "javascript-can-open-windows-automatically", FALSE,
    "javascript-can-access-clipboard", FALSE,
    /* Images load only as far as the filter and the CSP let them. */
    "auto-load-images", TRUE,
    "enable-page-cache", FALSE,
    "enable-webgl", FALSE,
    "enable-webaudio", FALSE,
    "enable-media", FALSE,
    "enable-media-stream", FALSE,
    "enable-mediasource", FALSE,
    "enable-encrypted-media", FALSE,
    "enable-media-capabilities", FALSE,
    "media-playback-requires-user-gesture", TRUE,
    "enable-html5-local-storage", FALSE,
    "enable-html5-database", FALSE,
    "enable-webrtc", FALSE,
    "enable-fullscreen", FALSE,
    "enable-back-forward-navigation-gestures", FALSE,
    "allow-file-access-from-file-urls", FALSE,
    "allow-universal-access-from-file-urls", FALSE,
    "allow-top-navigation-to-data-urls", FALSE,
    "enable-developer-extras", developer_extras,
    NULL);

  filter_dir = g_build_filename (g_get_user_cache_dir (), "postfach", "content-filters", NULL);
  if (g_mkdir_with_parents (filter_dir, 0700) != 0)
    g_warning ("Cannot create %s: %s", filter_dir, g_strerror (errno));
  store = webkit_user_content_filter_store_new (filter_dir);
  rules = g_bytes_new_static (filter_rules, sizeof filter_rules - 1);
  webkit_user_content_filter_store_save (store, FILTER_IDENTIFIER, rules, NULL, filter_saved_cb, NULL);
}

static WebKitWebView *
create_web_view (void)
{
  g_autoptr(WebKitUserContentManager) content_manager = NULL;

  ensure_shared ();

  /* Each view its own content manager: the filter is lifted per view. */
  content_manager = webkit_user_content_manager_new ();

  return g_object_new (WEBKIT_TYPE_WEB_VIEW,
                       "web-context", shared.context,
                       "network-session", shared.session,
                       "settings", shared.settings,
                       "user-content-manager", content_manager,
                       "hexpand", TRUE,
                       "vexpand", TRUE,
                       NULL);
}

/* The preloaded view's own empty document: it must load (a view that adopts
 * the web view meanwhile would refuse the navigation) and finish before the
 * view loads a message into it. */
static gboolean
on_spare_decide_policy_cb (WebKitWebView            *web_view,
                           WebKitPolicyDecision     *decision,
                           WebKitPolicyDecisionType  decision_type,
                           gpointer                  user_data)
{
  if (decision_type != WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION)
    return FALSE;

  g_signal_handlers_disconnect_by_func (web_view, on_spare_decide_policy_cb, NULL);
  webkit_policy_decision_use (decision);
  return TRUE;
}

static void
on_spare_load_changed_cb (WebKitWebView   *web_view,
                          WebKitLoadEvent  load_event,
                          gpointer         user_data)
{
  PfHtmlViewWebkit *view;

  if (load_event != WEBKIT_LOAD_FINISHED)
    return;

  g_signal_handlers_disconnect_by_func (web_view, on_spare_load_changed_cb, NULL);
  g_object_set_data (G_OBJECT (web_view), "pf-preloaded", GINT_TO_POINTER (TRUE));
  if (shared.preloaded != NULL)
    shared.preloaded ();

  view = g_object_get_qdata (G_OBJECT (web_view), view_quark);
  if (view != NULL && !view->web_view_ready)
    {
      view->web_view_ready = TRUE;
      start_load (view);
    }
}

/**
 * pf_html_view_webkit_preload:
 *
 * Creates the shared web context, network session and content filter, and
 * one hidden web view with its web process running, which the next
 * pf_html_view_new() takes. Call it early (the window's startup), so that
 * the first HTML message shows without that delay. Calling it again while a
 * preloaded view waits, or once a view was made, does nothing (each web
 * view has a web process of its own).
 */
static void
pf_html_view_webkit_preload (void)
{
  ensure_shared ();

  if (shared.spare != NULL || shared.had_view)
    return;

  shared.spare = g_object_ref_sink (create_web_view ());
  g_signal_connect (shared.spare, "decide-policy", G_CALLBACK (on_spare_decide_policy_cb), NULL);
  g_signal_connect (shared.spare, "load-changed", G_CALLBACK (on_spare_load_changed_cb), NULL);
  /* Starts the web process. */
  webkit_web_view_load_html (shared.spare, "", NULL);
}

/* ---------------------------------------------------------------------- */
/* Settings                                                               */

static GSettings *
get_settings (PfHtmlViewWebkit *self)
{
  if (self->settings == NULL)
    self->settings = g_settings_new ("org.postfach.Postfach");
  return self->settings;
}

static gboolean
sender_is_trusted (PfHtmlViewWebkit *self)
{
  g_auto(GStrv) senders = NULL;

  if (self->sender == NULL)
    return FALSE;

  senders = g_settings_get_strv (get_settings (self), "remote-content-senders");
  for (guint i = 0; senders[i] != NULL; i++)
    {
      g_autofree char *folded = g_utf8_casefold (senders[i], -1);

      if (g_str_equal (folded, self->sender))
        return TRUE;
    }

  return FALSE;
}

/* ---------------------------------------------------------------------- */
/* Loading                                                                */

static void
update_banner (PfHtmlViewWebkit *self)
{
  gtk_revealer_set_reveal_child (self->banner,
                                 self->has_remote_references && !self->remote_content_allowed);
  gtk_widget_set_visible (self->always_button, self->sender != NULL);
}

static void
start_load (PfHtmlViewWebkit *self)
{
  g_autofree char *document = NULL;
  WebKitUserContentManager *content_manager;

  if (self->html == NULL || !self->web_view_ready)
    return;

  if (!self->remote_content_allowed && shared.filter == NULL && !shared.filter_failed)
    {
      if (!self->waiting_for_filter)
        {
          self->waiting_for_filter = TRUE;
          shared.waiting = g_list_append (shared.waiting, self);
        }
      return;
    }

  content_manager = webkit_web_view_get_user_content_manager (self->web_view);
  if (self->remote_content_allowed && self->filter_applied)
    {
      webkit_user_content_manager_remove_all_filters (content_manager);
      self->filter_applied = FALSE;
    }
  else if (!self->remote_content_allowed && !self->filter_applied && shared.filter != NULL)
    {
      webkit_user_content_manager_add_filter (content_manager, shared.filter);
      self->filter_applied = TRUE;
    }

  document = _pf_html_protect_document (self->html, self->remote_content_allowed);

  update_banner (self);
  self->initial_load_pending = TRUE;
  self->loading = TRUE;
  self->committed = FALSE;
  webkit_web_view_load_html (self->web_view, document, NULL);
}

static void
on_load_changed_cb (PfHtmlViewWebkit      *self,
                    WebKitLoadEvent  load_event,
                    WebKitWebView   *web_view)
{
  /* A load cut short by the next one finishes without committing. */
  if (load_event == WEBKIT_LOAD_COMMITTED)
    self->committed = TRUE;
  if (load_event != WEBKIT_LOAD_FINISHED || !self->loading || !self->committed)
    return;

  self->loading = FALSE;
  if (self->has_remote_references && !self->remote_content_allowed)
    g_signal_emit_by_name (self, "remote-content-blocked");
  g_signal_emit_by_name (self, "loaded");
}

/* PfHtmlViewClass.load */
static void
pf_html_view_webkit_load (PfHtmlView         *view,
                          const char         *html,
                          const char         *sender_address,
                          PfHtmlResourceFunc  cid_func,
                          gpointer            cid_data,
                          GDestroyNotify      cid_data_destroy)
{
  PfHtmlViewWebkit *self = PF_HTML_VIEW_WEBKIT (view);
  gboolean allowed;

  if (self->cid_data_destroy != NULL)
    self->cid_data_destroy (self->cid_data);
  self->cid_func = cid_func;
  self->cid_data = cid_data;
  self->cid_data_destroy = cid_data_destroy;

  g_clear_pointer (&self->html, g_free);
  self->html = g_strdup (html);
  g_clear_pointer (&self->sender, g_free);
  if (sender_address != NULL && *sender_address != '\0')
    self->sender = g_utf8_casefold (sender_address, -1);

  self->has_remote_references = _pf_html_has_remote_references (html);

  /* Allowing is for one message: the next one starts blocked again. */
  allowed = sender_is_trusted (self);
  if (allowed != self->remote_content_allowed)
    {
      self->remote_content_allowed = allowed;
      g_object_notify (G_OBJECT (self), "remote-content-allowed");
    }

  start_load (self);
}

static gboolean
pf_html_view_webkit_get_remote_content_allowed (PfHtmlView *view)
{
  return PF_HTML_VIEW_WEBKIT (view)->remote_content_allowed;
}

/* Reloads the message shown with remote content allowed or blocked, until
 * the next load. */
static void
pf_html_view_webkit_set_remote_content_allowed (PfHtmlView *view,
                                                gboolean    allowed)
{
  PfHtmlViewWebkit *self = PF_HTML_VIEW_WEBKIT (view);

  allowed = !!allowed;
  if (allowed == self->remote_content_allowed)
    return;

  self->remote_content_allowed = allowed;
  start_load (self);
  g_object_notify (G_OBJECT (self), "remote-content-allowed");
}

/* ---------------------------------------------------------------------- */
/* Links                                                                  */

static void
launch_uri_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_warning ("Cannot open the link: %s", error->message);
}

static void
on_open_link_response_cb (AdwMessageDialog *dialog,
                          const char       *response,
                          gpointer          user_data)
{
  const char *uri = g_object_get_data (G_OBJECT (dialog), "pf-uri");
  g_autoptr(GdkAppLaunchContext) launch_context = NULL;

  if (g_strcmp0 (response, "open") != 0)
    return;

  launch_context = gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (dialog)));
  g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (launch_context),
                                           NULL, launch_uri_cb, NULL);
}

static void
ask_open_link (PfHtmlViewWebkit *self,
               const char *uri)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *body = NULL;
  const char *label = NULL;
  AdwMessageDialog *dialog;

  /* The text the user saw, if the link's target is something else. */
  if (self->hover_label != NULL && g_strcmp0 (self->hover_uri, uri) == 0)
    {
      g_autofree char *stripped = g_strstrip (g_strdup (self->hover_label));

      if (*stripped != '\0' && !g_str_equal (stripped, uri))
        label = self->hover_label;
    }

  if (label != NULL)
    /* Translators: the first %s is the link's text, the second its real address */
    body = g_strdup_printf (_("The link “%s” leads to this address:\n\n%s"), label, uri);
  else
    /* Translators: %s is a web address */
    body = g_strdup_printf (_("The link leads to this address:\n\n%s"), uri);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       _("Open Link?"), body));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "open", _("_Open"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "open", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "pf-uri", g_strdup (uri), g_free);
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_link_response_cb), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
on_decide_policy_cb (PfHtmlViewWebkit               *self,
                     WebKitPolicyDecision     *decision,
                     WebKitPolicyDecisionType  decision_type,
                     WebKitWebView            *web_view)
{
  WebKitNavigationAction *action;
  const char *uri;

  switch (decision_type)
    {
    case WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION:
    case WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION:
      action = webkit_navigation_policy_decision_get_navigation_action (WEBKIT_NAVIGATION_POLICY_DECISION (decision));
      uri = webkit_uri_request_get_uri (webkit_navigation_action_get_request (action));

      switch (_pf_html_view_classify_navigation (decision_type,
                                                 webkit_navigation_action_get_navigation_type (action),
                                                 uri, self->initial_load_pending))
        {
        case PF_HTML_NAVIGATION_ALLOW:
          self->initial_load_pending = FALSE;
          webkit_policy_decision_use (decision);
          break;

        case PF_HTML_NAVIGATION_ASK:
          webkit_policy_decision_ignore (decision);
          /* Only what the user did, never a click the page made up. */
          if (webkit_navigation_action_is_user_gesture (action))
            ask_open_link (self, uri);
          break;

        case PF_HTML_NAVIGATION_CANCEL:
        default:
          g_debug ("Blocked navigation to %s", uri);
          webkit_policy_decision_ignore (decision);
          break;
        }
      return TRUE;

    case WEBKIT_POLICY_DECISION_TYPE_RESPONSE:
      /* Nothing is saved to disk from a message's HTML. */
      if (!webkit_response_policy_decision_is_mime_type_supported (WEBKIT_RESPONSE_POLICY_DECISION (decision)))
        {
          webkit_policy_decision_ignore (decision);
          return TRUE;
        }
      return FALSE;

    default:
      webkit_policy_decision_ignore (decision);
      return TRUE;
    }
}

static void
on_mouse_target_changed_cb (PfHtmlViewWebkit          *self,
                            WebKitHitTestResult *hit_test_result,
                            guint                modifiers,
                            WebKitWebView       *web_view)
{
  g_clear_pointer (&self->hover_uri, g_free);
  g_clear_pointer (&self->hover_label, g_free);

  if (webkit_hit_test_result_context_is_link (hit_test_result))
    {
      self->hover_uri = g_strdup (webkit_hit_test_result_get_link_uri (hit_test_result));
      self->hover_label = g_strdup (webkit_hit_test_result_get_link_label (hit_test_result));
    }
}

static gboolean
on_context_menu_cb (PfHtmlViewWebkit          *self,
                    WebKitContextMenu   *menu,
                    WebKitHitTestResult *hit_test_result,
                    WebKitWebView       *web_view)
{
  GList *items = g_list_copy (webkit_context_menu_get_items (menu));

  /* Copying only: the other entries open, download or reload. */
  for (GList *l = items; l != NULL; l = l->next)
    {
      WebKitContextMenuItem *item = l->data;

      switch (webkit_context_menu_item_get_stock_action (item))
        {
        case WEBKIT_CONTEXT_MENU_ACTION_COPY:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_LINK_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_IMAGE_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_IMAGE_URL_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_SELECT_ALL:
          break;

        case WEBKIT_CONTEXT_MENU_ACTION_NO_ACTION:
        case WEBKIT_CONTEXT_MENU_ACTION_OPEN_LINK:
        case WEBKIT_CONTEXT_MENU_ACTION_OPEN_LINK_IN_NEW_WINDOW:
        case WEBKIT_CONTEXT_MENU_ACTION_DOWNLOAD_LINK_TO_DISK:
        case WEBKIT_CONTEXT_MENU_ACTION_OPEN_IMAGE_IN_NEW_WINDOW:
        case WEBKIT_CONTEXT_MENU_ACTION_DOWNLOAD_IMAGE_TO_DISK:
        case WEBKIT_CONTEXT_MENU_ACTION_OPEN_FRAME_IN_NEW_WINDOW:
        case WEBKIT_CONTEXT_MENU_ACTION_GO_BACK:
        case WEBKIT_CONTEXT_MENU_ACTION_GO_FORWARD:
        case WEBKIT_CONTEXT_MENU_ACTION_STOP:
        case WEBKIT_CONTEXT_MENU_ACTION_RELOAD:
        case WEBKIT_CONTEXT_MENU_ACTION_CUT:
        case WEBKIT_CONTEXT_MENU_ACTION_PASTE:
        case WEBKIT_CONTEXT_MENU_ACTION_DELETE:
        case WEBKIT_CONTEXT_MENU_ACTION_INPUT_METHODS:
        case WEBKIT_CONTEXT_MENU_ACTION_UNICODE:
        case WEBKIT_CONTEXT_MENU_ACTION_SPELLING_GUESS:
        case WEBKIT_CONTEXT_MENU_ACTION_NO_GUESSES_FOUND:
        case WEBKIT_CONTEXT_MENU_ACTION_IGNORE_SPELLING:
        case WEBKIT_CONTEXT_MENU_ACTION_LEARN_SPELLING:
        case WEBKIT_CONTEXT_MENU_ACTION_IGNORE_GRAMMAR:
        case WEBKIT_CONTEXT_MENU_ACTION_FONT_MENU:
        case WEBKIT_CONTEXT_MENU_ACTION_BOLD:
        case WEBKIT_CONTEXT_MENU_ACTION_ITALIC:
        case WEBKIT_CONTEXT_MENU_ACTION_UNDERLINE:
        case WEBKIT_CONTEXT_MENU_ACTION_OUTLINE:
        case WEBKIT_CONTEXT_MENU_ACTION_INSPECT_ELEMENT:
        case WEBKIT_CONTEXT_MENU_ACTION_OPEN_VIDEO_IN_NEW_WINDOW:
        case WEBKIT_CONTEXT_MENU_ACTION_OPEN_AUDIO_IN_NEW_WINDOW:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_VIDEO_LINK_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_COPY_AUDIO_LINK_TO_CLIPBOARD:
        case WEBKIT_CONTEXT_MENU_ACTION_TOGGLE_MEDIA_CONTROLS:
        case WEBKIT_CONTEXT_MENU_ACTION_TOGGLE_MEDIA_LOOP:
        case WEBKIT_CONTEXT_MENU_ACTION_ENTER_VIDEO_FULLSCREEN:
        case WEBKIT_CONTEXT_MENU_ACTION_MEDIA_PLAY:
        case WEBKIT_CONTEXT_MENU_ACTION_MEDIA_PAUSE:
        case WEBKIT_CONTEXT_MENU_ACTION_MEDIA_MUTE:
        case WEBKIT_CONTEXT_MENU_ACTION_DOWNLOAD_VIDEO_TO_DISK:
        case WEBKIT_CONTEXT_MENU_ACTION_DOWNLOAD_AUDIO_TO_DISK:
        case WEBKIT_CONTEXT_MENU_ACTION_INSERT_EMOJI:
        case WEBKIT_CONTEXT_MENU_ACTION_PASTE_AS_PLAIN_TEXT:
        case WEBKIT_CONTEXT_MENU_ACTION_CUSTOM:
        default:
          webkit_context_menu_remove (menu, item);
          break;
        }
    }
  g_list_free (items);

  return webkit_context_menu_get_n_items (menu) == 0;
}

static gboolean
on_permission_request_cb (PfHtmlViewWebkit              *self,
                          WebKitPermissionRequest *request,
                          WebKitWebView           *web_view)
{
  webkit_permission_request_deny (request);
  return TRUE;
}

static gboolean
on_authenticate_cb (PfHtmlViewWebkit                  *self,
                    WebKitAuthenticationRequest *request,
                    WebKitWebView               *web_view)
{
  /* A password prompt from a message is phishing, whoever's host it is. */
  webkit_authentication_request_cancel (request);
  return TRUE;
}

static gboolean
on_run_file_chooser_cb (PfHtmlViewWebkit               *self,
                        WebKitFileChooserRequest *request,
                        WebKitWebView            *web_view)
{
  webkit_file_chooser_request_cancel (request);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Actions                                                                */

static void
show_remote_content_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  pf_html_view_webkit_set_remote_content_allowed ((PfHtmlView *) widget, TRUE);
}

static void
always_show_remote_content_action (GtkWidget  *widget,
                                   const char *action_name,
                                   GVariant   *parameter)
{
  PfHtmlViewWebkit *self = PF_HTML_VIEW_WEBKIT (widget);
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) senders = NULL;
  g_auto(GStrv) updated = NULL;

  if (self->sender == NULL)
    return;

  if (!sender_is_trusted (self))
    {
      senders = g_settings_get_strv (get_settings (self), "remote-content-senders");
      builder = g_strv_builder_new ();
      g_strv_builder_addv (builder, (const char **) senders);
      g_strv_builder_add (builder, self->sender);
      updated = g_strv_builder_end (builder);
      g_settings_set_strv (get_settings (self), "remote-content-senders", (const char * const *) updated);
    }

  pf_html_view_webkit_set_remote_content_allowed ((PfHtmlView *) self, TRUE);
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                */

static void
pf_html_view_webkit_dispose (GObject *object)
{
  PfHtmlViewWebkit *self = PF_HTML_VIEW_WEBKIT (object);
  GtkWidget *child;

  if (self->waiting_for_filter)
    {
      shared.waiting = g_list_remove (shared.waiting, self);
      self->waiting_for_filter = FALSE;
    }

  if (self->web_view != NULL)
    {
      g_object_set_qdata (G_OBJECT (self->web_view), view_quark, NULL);
      g_signal_handlers_disconnect_by_data (self->web_view, self);
      g_clear_object (&self->web_view);
    }

  if (self->cid_data_destroy != NULL)
    self->cid_data_destroy (self->cid_data);
  self->cid_func = NULL;
  self->cid_data = NULL;
  self->cid_data_destroy = NULL;

  g_clear_object (&self->settings);

  gtk_widget_dispose_template (GTK_WIDGET (object), PF_TYPE_HTML_VIEW_WEBKIT);
  /* The template's unnamed box */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (pf_html_view_webkit_parent_class)->dispose (object);
}

static void
pf_html_view_webkit_finalize (GObject *object)
{
  PfHtmlViewWebkit *self = PF_HTML_VIEW_WEBKIT (object);

  g_clear_pointer (&self->html, g_free);
  g_clear_pointer (&self->sender, g_free);
  g_clear_pointer (&self->hover_uri, g_free);
  g_clear_pointer (&self->hover_label, g_free);

  G_OBJECT_CLASS (pf_html_view_webkit_parent_class)->finalize (object);
}

static void
pf_html_view_webkit_class_init (PfHtmlViewWebkitClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  PfHtmlViewClass *view_class = (PfHtmlViewClass *) klass;

  object_class->dispose = pf_html_view_webkit_dispose;
  object_class->finalize = pf_html_view_webkit_finalize;
  view_class->load = pf_html_view_webkit_load;
  view_class->get_remote_content_allowed = pf_html_view_webkit_get_remote_content_allowed;
  view_class->set_remote_content_allowed = pf_html_view_webkit_set_remote_content_allowed;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/ui/pf-html-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PfHtmlViewWebkit, banner);
  gtk_widget_class_bind_template_child (widget_class, PfHtmlViewWebkit, always_button);
  gtk_widget_class_bind_template_child (widget_class, PfHtmlViewWebkit, content);

  gtk_widget_class_install_action (widget_class, "html-view.show-remote-content", NULL,
                                   show_remote_content_action);
  gtk_widget_class_install_action (widget_class, "html-view.always-show-remote-content", NULL,
                                   always_show_remote_content_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_html_view_webkit_init (PfHtmlViewWebkit *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  ensure_shared ();
  shared.had_view = TRUE;

  /* The preloaded view already has its web process. */
  if (shared.spare != NULL)
    {
      self->web_view = g_steal_pointer (&shared.spare);
      self->web_view_ready = g_object_get_data (G_OBJECT (self->web_view), "pf-preloaded") != NULL;
    }
  else
    {
      self->web_view = g_object_ref_sink (create_web_view ());
      self->web_view_ready = TRUE;
    }

  g_object_set_qdata (G_OBJECT (self->web_view), view_quark, self);
  g_signal_connect_swapped (self->web_view, "load-changed", G_CALLBACK (on_load_changed_cb), self);
  g_signal_connect_swapped (self->web_view, "decide-policy", G_CALLBACK (on_decide_policy_cb), self);
  g_signal_connect_swapped (self->web_view, "mouse-target-changed", G_CALLBACK (on_mouse_target_changed_cb), self);
  g_signal_connect_swapped (self->web_view, "context-menu", G_CALLBACK (on_context_menu_cb), self);
  g_signal_connect_swapped (self->web_view, "permission-request", G_CALLBACK (on_permission_request_cb), self);
  g_signal_connect_swapped (self->web_view, "authenticate", G_CALLBACK (on_authenticate_cb), self);
  g_signal_connect_swapped (self->web_view, "run-file-chooser", G_CALLBACK (on_run_file_chooser_cb), self);

  gtk_box_append (self->content, GTK_WIDGET (self->web_view));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Message Text"),
                                  -1);
  update_banner (self);
}

WebKitWebView *
_pf_html_view_get_web_view (PfHtmlView *view)
{
  g_return_val_if_fail (PF_IS_HTML_VIEW_WEBKIT (view), NULL);

  return PF_HTML_VIEW_WEBKIT (view)->web_view;
}

/* The module's entry (PF_HTML_VIEW_WEBKIT_MODULE_INIT): registers the
 * view and hands over what pf_html_view_new() and pf_html_view_preload()
 * need. Also called directly by the tests that link this file. */
G_MODULE_EXPORT gboolean
pf_html_view_webkit_module_init (GType                    parent_type,
                                 PfHtmlViewPreloadedFunc  preloaded,
                                 PfHtmlViewImpl          *impl)
{
  g_return_val_if_fail (parent_type == PARENT_TYPE && parent_type != 0, FALSE);

  shared.preloaded = preloaded;
  impl->type = PF_TYPE_HTML_VIEW_WEBKIT;
  impl->preload = pf_html_view_webkit_preload;
  return TRUE;
}
