/* pf-preview-pane.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "store/pf-message-loader.h"
#include "store/pf-message-summary.h"

G_BEGIN_DECLS

#define PF_TYPE_PREVIEW_PANE (pf_preview_pane_get_type ())

G_DECLARE_FINAL_TYPE (PfPreviewPane, pf_preview_pane, PF, PREVIEW_PANE, GtkWidget)

void           pf_preview_pane_set_loader          (PfPreviewPane    *self,
                                                    PfMessageLoader  *loader);
void           pf_preview_pane_set_prefer_html     (PfPreviewPane    *self,
                                                    gboolean          prefer_html);
void           pf_preview_pane_show_message        (PfPreviewPane    *self,
                                                    PfMessageSummary *summary);
void           pf_preview_pane_show_selection_count (PfPreviewPane   *self,
                                                    guint             n);
PfMessageSummary *pf_preview_pane_get_summary      (PfPreviewPane    *self);
PfMimeMessage *pf_preview_pane_get_message         (PfPreviewPane    *self);

G_END_DECLS
