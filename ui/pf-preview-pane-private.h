/* pf-preview-pane-private.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* What the preview pane's files share, and what its tests look at. */

#include "pf-attachment-bar.h"
#include "pf-message-header.h"
#include "pf-preview-pane.h"
#include "pf-preview-pane-text.h"

G_BEGIN_DECLS

/* Preview pane */

const char      *_pf_preview_pane_get_state           (PfPreviewPane        *self);
PfMessageHeader *_pf_preview_pane_get_header          (PfPreviewPane        *self);
PfAttachmentBar *_pf_preview_pane_get_attachment_bar  (PfPreviewPane        *self);
GtkWidget       *_pf_preview_pane_get_parts_box       (PfPreviewPane        *self);
const char      *_pf_preview_pane_get_error_text      (PfPreviewPane        *self);

/* Attachment bar */

char            *_pf_attachment_bar_sanitize_filename (const char           *name);
char            *_pf_attachment_bar_dup_filename      (PfMimePart           *part);
char            *_pf_attachment_bar_write_temp_file   (PfMimeMessage        *message,
                                                       const char           *part_id,
                                                       const char           *name,
                                                       GCancellable         *cancellable,
                                                       GError              **error);
void             _pf_attachment_bar_save_part_async   (PfAttachmentBar      *self,
                                                       const char           *part_id,
                                                       GFile                *file,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean         _pf_attachment_bar_save_part_finish  (PfAttachmentBar      *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
void             _pf_attachment_bar_save_all_async    (PfAttachmentBar      *self,
                                                       GFile                *folder,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean         _pf_attachment_bar_save_all_finish   (PfAttachmentBar      *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
const char      *_pf_attachment_bar_get_item          (PfAttachmentBar      *self,
                                                       guint                 index,
                                                       const char          **size,
                                                       GIcon               **icon);
const char      *_pf_attachment_bar_get_item_part_id  (PfAttachmentBar      *self,
                                                       guint                 index);

G_END_DECLS
