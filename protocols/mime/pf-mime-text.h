/* pf-mime-text.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *pf_mime_convert_to_utf8 (const char *data,
                               gssize      length,
                               const char *charset);
char *pf_mime_decode_flowed   (const char *text,
                               gboolean    delsp);
char *pf_mime_html_to_text    (const char *html,
                               gssize      length);
char *pf_mime_make_preview    (const char *text,
                               guint       max_chars);

G_END_DECLS
