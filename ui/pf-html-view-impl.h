/* pf-html-view-impl.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-html-view.h"

G_BEGIN_DECLS

/*
 * How pf_html_view_new() finds the view it makes: the WebKitGTK module's
 * entry point fills this in (see pf-html-view-webkit.c), the text view is
 * the fallback. The module is linked against no symbol of the program:
 * what it needs of it comes in through pf_html_view_webkit_module_init().
 */
typedef struct
{
  GType  type;             /* a subclass of PfHtmlView */
  void (*preload) (void);  /* prepares the first view, see pf_html_view_preload() */
} PfHtmlViewImpl;

/* Called when pf_html_view_preload()'s work is done (a benchmark mark). */
typedef void (*PfHtmlViewPreloadedFunc) (void);

#define PF_HTML_VIEW_WEBKIT_MODULE_INIT "pf_html_view_webkit_module_init"
typedef gboolean (*PfHtmlViewModuleInitFunc) (GType                    parent_type,
                                              PfHtmlViewPreloadedFunc  preloaded,
                                              PfHtmlViewImpl          *impl);

#define PF_TYPE_HTML_VIEW_TEXT (pf_html_view_text_get_type ())
G_DECLARE_FINAL_TYPE (PfHtmlViewText, pf_html_view_text, PF, HTML_VIEW_TEXT, PfHtmlView)

void _pf_html_view_set_impl (const PfHtmlViewImpl *impl);

G_END_DECLS
