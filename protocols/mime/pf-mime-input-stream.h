/* pf-mime-input-stream.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <gmime/gmime.h>

#include "pf-mime-autoptr.h"

G_BEGIN_DECLS

#define PF_TYPE_MIME_INPUT_STREAM (pf_mime_input_stream_get_type ())

G_DECLARE_FINAL_TYPE (PfMimeInputStream, pf_mime_input_stream, PF, MIME_INPUT_STREAM, GMimeStream)

GMimeStream  *pf_mime_input_stream_new       (GInputStream      *stream,
                                              GCancellable      *cancellable);
gboolean      pf_mime_input_stream_get_error (PfMimeInputStream *self,
                                              GError           **error);

G_END_DECLS
