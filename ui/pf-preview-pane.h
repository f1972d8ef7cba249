/* pf-preview-pane.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PF_TYPE_PREVIEW_PANE (pf_preview_pane_get_type ())

G_DECLARE_FINAL_TYPE (PfPreviewPane, pf_preview_pane, PF, PREVIEW_PANE, GtkWidget)

G_END_DECLS
