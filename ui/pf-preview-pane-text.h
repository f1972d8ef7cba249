/* pf-preview-pane-text.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Quote levels deeper than this are drawn at this level. */
#define PF_PREVIEW_PANE_TEXT_MAX_LEVEL 6

/* Quotes of more lines than this are folded. */
#define PF_PREVIEW_PANE_TEXT_FOLD_LINES 5

/**
 * PfQuoteRange:
 * @level: the quote level, from 1
 * @first_line: the first line of the buffer it covers
 * @last_line: the last line it covers
 *
 * Lines quoted at @level or deeper, drawn with one bar.
 */
typedef struct
{
  guint level;
  int   first_line;
  int   last_line;
} PfQuoteRange;

#define PF_TYPE_PREVIEW_PANE_TEXT (pf_preview_pane_text_get_type ())

G_DECLARE_FINAL_TYPE (PfPreviewPaneText, pf_preview_pane_text, PF, PREVIEW_PANE_TEXT, GtkTextView)

GtkWidget          *pf_preview_pane_text_new                (const char        *text);

/* What the text shows, for tests */
const PfQuoteRange *pf_preview_pane_text_get_quote_ranges   (PfPreviewPaneText *self,
                                                             guint             *n_ranges);
guint               pf_preview_pane_text_get_n_links        (PfPreviewPaneText *self);
const char         *pf_preview_pane_text_get_link           (PfPreviewPaneText *self,
                                                             guint              index,
                                                             int               *start,
                                                             int               *end);
guint               pf_preview_pane_text_get_n_folds        (PfPreviewPaneText *self);
gboolean            pf_preview_pane_text_get_fold           (PfPreviewPaneText *self,
                                                             guint              index,
                                                             int               *link_offset,
                                                             guint             *n_lines);
gboolean            pf_preview_pane_text_activate_at_offset (PfPreviewPaneText *self,
                                                             int                offset);

G_END_DECLS
