/* pf-html-view-private.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <webkit/webkit.h>

#include "pf-html-view-impl.h"

G_BEGIN_DECLS

#define PF_TYPE_HTML_VIEW_WEBKIT (pf_html_view_webkit_get_type ())
G_DECLARE_FINAL_TYPE (PfHtmlViewWebkit, pf_html_view_webkit, PF, HTML_VIEW_WEBKIT, PfHtmlView)

gboolean pf_html_view_webkit_module_init (GType                    parent_type,
                                          PfHtmlViewPreloadedFunc  preloaded,
                                          PfHtmlViewImpl          *impl);

/* What the view does with a navigation the page asks for. */
typedef enum
{
  PF_HTML_NAVIGATION_ALLOW,   /* the document itself, or a jump within it */
  PF_HTML_NAVIGATION_CANCEL,  /* anything the message does on its own */
  PF_HTML_NAVIGATION_ASK,     /* a link the user clicked: confirm, then open in the browser */
} PfHtmlNavigation;

PfHtmlNavigation  _pf_html_view_classify_navigation (WebKitPolicyDecisionType  decision_type,
                                                     WebKitNavigationType      navigation_type,
                                                     const char               *uri,
                                                     gboolean                  initial_load_pending);
gboolean          _pf_html_has_remote_references    (const char               *html);
char             *_pf_html_protect_document         (const char               *html,
                                                     gboolean                  remote_content_allowed);
WebKitWebView    *_pf_html_view_get_web_view        (PfHtmlView               *self);

G_END_DECLS
