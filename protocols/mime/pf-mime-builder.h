/* pf-mime-builder.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-mime-headers.h"

G_BEGIN_DECLS

#define PF_TYPE_MIME_BUILDER (pf_mime_builder_get_type ())

G_DECLARE_FINAL_TYPE (PfMimeBuilder, pf_mime_builder, PF, MIME_BUILDER, GObject)

PfMimeBuilder *pf_mime_builder_new                   (void);

void           pf_mime_builder_set_from              (PfMimeBuilder       *self,
                                                      const char          *name,
                                                      const char          *address);
void           pf_mime_builder_add_to                (PfMimeBuilder       *self,
                                                      const char          *name,
                                                      const char          *address);
void           pf_mime_builder_add_cc                (PfMimeBuilder       *self,
                                                      const char          *name,
                                                      const char          *address);
void           pf_mime_builder_add_bcc               (PfMimeBuilder       *self,
                                                      const char          *name,
                                                      const char          *address);
void           pf_mime_builder_add_reply_to          (PfMimeBuilder       *self,
                                                      const char          *name,
                                                      const char          *address);
void           pf_mime_builder_set_subject           (PfMimeBuilder       *self,
                                                      const char          *subject);
void           pf_mime_builder_set_text              (PfMimeBuilder       *self,
                                                      const char          *text);
void           pf_mime_builder_set_html              (PfMimeBuilder       *self,
                                                      const char          *html);
void           pf_mime_builder_add_attachment_bytes  (PfMimeBuilder       *self,
                                                      GBytes              *data,
                                                      const char          *filename,
                                                      const char          *content_type);
void           pf_mime_builder_add_attachment_file   (PfMimeBuilder       *self,
                                                      GFile               *file,
                                                      const char          *filename,
                                                      const char          *content_type);
void           pf_mime_builder_set_in_reply_to       (PfMimeBuilder       *self,
                                                      const char          *message_id);
void           pf_mime_builder_set_references        (PfMimeBuilder       *self,
                                                      const char * const  *message_ids);
void           pf_mime_builder_set_reply_parent      (PfMimeBuilder       *self,
                                                      const PfMimeHeaders *parent);
void           pf_mime_builder_set_date              (PfMimeBuilder       *self,
                                                      GDateTime           *date);
void           pf_mime_builder_set_message_id        (PfMimeBuilder       *self,
                                                      const char          *message_id);
const char    *pf_mime_builder_get_message_id        (PfMimeBuilder       *self);
char         **pf_mime_builder_dup_envelope_recipients (PfMimeBuilder     *self);

GBytes        *pf_mime_builder_build                 (PfMimeBuilder       *self,
                                                      GCancellable        *cancellable,
                                                      GError             **error);
gboolean       pf_mime_builder_write                 (PfMimeBuilder       *self,
                                                      GOutputStream       *stream,
                                                      GCancellable        *cancellable,
                                                      GError             **error);
void           pf_mime_builder_build_async           (PfMimeBuilder       *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
GBytes        *pf_mime_builder_build_finish          (PfMimeBuilder       *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

G_END_DECLS
