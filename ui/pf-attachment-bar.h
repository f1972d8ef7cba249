/* pf-attachment-bar.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "store/pf-message-loader.h"

G_BEGIN_DECLS

#define PF_TYPE_ATTACHMENT_BAR (pf_attachment_bar_get_type ())

G_DECLARE_FINAL_TYPE (PfAttachmentBar, pf_attachment_bar, PF, ATTACHMENT_BAR, GtkWidget)

GtkWidget *pf_attachment_bar_new           (void);
void       pf_attachment_bar_set_message   (PfAttachmentBar *self,
                                            PfMimeMessage   *message);
guint      pf_attachment_bar_get_n_items   (PfAttachmentBar *self);

G_END_DECLS
