/* pf-html-view.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* One HTML part of a message: the API the preview pane uses, and the
 * choice of the view behind it.
 *
 * WebKitGTK (pf-html-view-webkit.c) is a module of its own, loaded when
 * the first view is made or pf_html_view_preload() is called, not linked
 * into the program: linked, its libraries cost every start about 90 ms
 * and 35 MB before main() (relocations and constructors of WebKit,
 * JavaScriptCore, ICU, GStreamer…), for a window that shows a list first.
 * Without the module (a build without WebKitGTK, or a broken install) the
 * HTML is shown as the text converted from it (pf-html-view-text.c). */

#define G_LOG_DOMAIN "pf-html-view"

#include "config.h"

#include <stdlib.h>

#include <gmodule.h>

#include "pf-bench-probe.h"
#include "pf-html-view-impl.h"

G_DEFINE_ABSTRACT_TYPE (PfHtmlView, pf_html_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_REMOTE_CONTENT_ALLOWED,
  N_PROPS
};

enum {
  LOADED,
  REMOTE_CONTENT_BLOCKED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The view pf_html_view_new() makes; its type is 0 until decided. */
static PfHtmlViewImpl impl;

/**
 * _pf_html_view_set_impl:
 * @view_impl: the view to make from now on
 *
 * For tests that link an implementation themselves.
 */
void
_pf_html_view_set_impl (const PfHtmlViewImpl *view_impl)
{
  g_return_if_fail (view_impl != NULL && g_type_is_a (view_impl->type, PF_TYPE_HTML_VIEW));

  impl = *view_impl;
}

#ifdef HAVE_WEBKIT
static void
preloaded_cb (void)
{
  pf_bench_probe_mark ("html-preloaded");
}

/* $POSTFACH_MODULE_DIR; else the build tree's ui/ when the program runs
 * from the build tree; else the installed module directory. */
static char *
dup_module_path (void)
{
  const char *dir = g_getenv ("POSTFACH_MODULE_DIR");
  g_autofree char *exe = NULL;
  g_autofree char *exe_dir = NULL;
  g_autofree char *build_root = NULL;

  if (dir != NULL && *dir != '\0')
    return g_build_filename (dir, PF_HTML_MODULE_NAME, NULL);

  exe = g_file_read_link ("/proc/self/exe", NULL);
  exe_dir = exe != NULL ? g_path_get_dirname (exe) : NULL;
  build_root = realpath (PF_BUILD_ROOT, NULL);
  if (exe_dir != NULL && build_root != NULL && g_str_equal (exe_dir, build_root))
    return g_build_filename (build_root, "ui", PF_HTML_MODULE_NAME, NULL);

  return g_build_filename (PF_MODULE_DIR, PF_HTML_MODULE_NAME, NULL);
}

static gboolean
load_webkit_module (void)
{
  g_autofree char *path = dup_module_path ();
  PfHtmlViewModuleInitFunc init = NULL;
  GModule *module;

  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_warning ("HTML mail is shown as text: %s", g_module_error ());
      return FALSE;
    }
  if (!g_module_symbol (module, PF_HTML_VIEW_WEBKIT_MODULE_INIT, (gpointer *) &init) ||
      !init (PF_TYPE_HTML_VIEW, preloaded_cb, &impl))
    {
      g_warning ("HTML mail is shown as text: %s is not Postfach's HTML module", path);
      g_module_close (module);
      return FALSE;
    }
  /* Its types stay registered for the rest of the process. */
  g_module_make_resident (module);
  return TRUE;
}
#endif

static void
ensure_impl (void)
{
  if (impl.type != 0)
    return;

#ifdef HAVE_WEBKIT
  if (load_webkit_module ())
    return;
#endif
  impl.type = PF_TYPE_HTML_VIEW_TEXT;
  impl.preload = NULL;
}

/**
 * pf_html_view_preload:
 *
 * Makes the first view fast to show: with WebKitGTK, loads its module,
 * creates the shared web context, network session and content filter,
 * and one hidden web view with its web process running, which the next
 * pf_html_view_new() takes. This blocks the main loop for a while (some
 * 100 ms for the module, as much again while WebKit starts its sandbox):
 * call it when the window is idle, a while before the first HTML message
 * is likely opened. Calling it again does nothing.
 */
void
pf_html_view_preload (void)
{
  ensure_impl ();
  if (impl.preload != NULL)
    impl.preload ();
}

/**
 * pf_html_view_new:
 *
 * Returns: (transfer full): a new view for one HTML part
 */
PfHtmlView *
pf_html_view_new (void)
{
  ensure_impl ();
  return g_object_new (impl.type, NULL);
}

/**
 * pf_html_view_load:
 * @self: a #PfHtmlView
 * @html: one text/html part of a message, as UTF-8; never several parts
 *   joined together
 * @sender_address: (nullable): the From address, for "Always for This Sender"
 * @cid_func: (nullable): looks up the message's inline parts for cid: URLs
 * @cid_data: data for @cid_func
 * @cid_data_destroy: (nullable): frees @cid_data when the view shows
 *   another message or goes away
 *
 * Shows @html with remote content blocked, unless @sender_address is one
 * the user allowed. #PfHtmlView::loaded is emitted when it is shown.
 */
void
pf_html_view_load (PfHtmlView         *self,
                   const char         *html,
                   const char         *sender_address,
                   PfHtmlResourceFunc  cid_func,
                   gpointer            cid_data,
                   GDestroyNotify      cid_data_destroy)
{
  g_return_if_fail (PF_IS_HTML_VIEW (self));
  g_return_if_fail (html != NULL);

  PF_HTML_VIEW_GET_CLASS (self)->load (self, html, sender_address, cid_func, cid_data,
                                       cid_data_destroy);
}

/**
 * pf_html_view_get_remote_content_allowed:
 * @self: a #PfHtmlView
 *
 * Returns: whether the message shown may load remote content
 */
gboolean
pf_html_view_get_remote_content_allowed (PfHtmlView *self)
{
  g_return_val_if_fail (PF_IS_HTML_VIEW (self), FALSE);

  return PF_HTML_VIEW_GET_CLASS (self)->get_remote_content_allowed (self);
}

/**
 * pf_html_view_set_remote_content_allowed:
 * @self: a #PfHtmlView
 * @allowed: whether the message shown may load remote content
 *
 * Reloads the message shown with remote content allowed or blocked. It lasts
 * until the next pf_html_view_load().
 */
void
pf_html_view_set_remote_content_allowed (PfHtmlView *self,
                                         gboolean    allowed)
{
  g_return_if_fail (PF_IS_HTML_VIEW (self));

  PF_HTML_VIEW_GET_CLASS (self)->set_remote_content_allowed (self, allowed);
}

static void
pf_html_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  PfHtmlView *self = PF_HTML_VIEW (object);

  switch (prop_id)
    {
    case PROP_REMOTE_CONTENT_ALLOWED:
      g_value_set_boolean (value, pf_html_view_get_remote_content_allowed (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_html_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  PfHtmlView *self = PF_HTML_VIEW (object);

  switch (prop_id)
    {
    case PROP_REMOTE_CONTENT_ALLOWED:
      pf_html_view_set_remote_content_allowed (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_html_view_class_init (PfHtmlViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = pf_html_view_get_property;
  object_class->set_property = pf_html_view_set_property;

  /**
   * PfHtmlView:remote-content-allowed:
   *
   * Whether the message shown may load images, styles and fonts from the
   * network. Set back to %FALSE by each load, unless the sender is one the
   * user always allows.
   */
  properties[PROP_REMOTE_CONTENT_ALLOWED] =
    g_param_spec_boolean ("remote-content-allowed", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PfHtmlView::loaded:
   *
   * The document finished loading.
   */
  signals[LOADED] =
    g_signal_new ("loaded",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * PfHtmlView::remote-content-blocked:
   *
   * The message shown refers to remote content that was not loaded. Emitted
   * once per load, before #PfHtmlView::loaded.
   */
  signals[REMOTE_CONTENT_BLOCKED] =
    g_signal_new ("remote-content-blocked",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
pf_html_view_init (PfHtmlView *self)
{
}
