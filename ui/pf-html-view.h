/* pf-html-view.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * PfHtmlResourceFunc:
 * @content_id: the Content-ID asked for, without angle brackets
 * @content_type: (out) (transfer full): the part's content type, e.g. "image/png"
 * @user_data: the data given to pf_html_view_load()
 *
 * Looks up an inline part of the message shown in the view, for a cid: URL.
 * Called on the main thread; the part must already be in memory.
 *
 * Returns: (transfer full) (nullable): the part's decoded content, or %NULL
 *   if the message has no such part
 */
typedef GBytes *(*PfHtmlResourceFunc) (const char  *content_id,
                                       char       **content_type,
                                       gpointer     user_data);

#define PF_TYPE_HTML_VIEW (pf_html_view_get_type ())

G_DECLARE_DERIVABLE_TYPE (PfHtmlView, pf_html_view, PF, HTML_VIEW, GtkWidget)

/**
 * PfHtmlViewClass:
 * @load: shows one HTML part; see pf_html_view_load()
 * @get_remote_content_allowed: see pf_html_view_get_remote_content_allowed()
 * @set_remote_content_allowed: see pf_html_view_set_remote_content_allowed();
 *   notifies #PfHtmlView:remote-content-allowed when it changes
 *
 * The two kinds of view: WebKitGTK's (a module loaded when the first HTML
 * message is near) and the text converted from the HTML.
 */
struct _PfHtmlViewClass
{
  GtkWidgetClass parent_class;

  void     (*load)                       (PfHtmlView         *self,
                                          const char         *html,
                                          const char         *sender_address,
                                          PfHtmlResourceFunc  cid_func,
                                          gpointer            cid_data,
                                          GDestroyNotify      cid_data_destroy);
  gboolean (*get_remote_content_allowed) (PfHtmlView         *self);
  void     (*set_remote_content_allowed) (PfHtmlView         *self,
                                          gboolean            allowed);

  /*< private >*/
  gpointer padding[4];
};

PfHtmlView *pf_html_view_new                        (void);
void        pf_html_view_preload                    (void);
void        pf_html_view_load                       (PfHtmlView         *self,
                                                     const char         *html,
                                                     const char         *sender_address,
                                                     PfHtmlResourceFunc  cid_func,
                                                     gpointer            cid_data,
                                                     GDestroyNotify      cid_data_destroy);
gboolean    pf_html_view_get_remote_content_allowed (PfHtmlView         *self);
void        pf_html_view_set_remote_content_allowed (PfHtmlView         *self,
                                                     gboolean            allowed);

G_END_DECLS
