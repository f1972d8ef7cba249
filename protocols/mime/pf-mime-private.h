/* pf-mime-private.h: internals shared by the files of protocols/mime
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <gmime/gmime.h>

#include "pf-mime-autoptr.h"
#include "pf-mime-headers.h"

G_BEGIN_DECLS

void                _pf_mime_init                  (void);
GMimeParserOptions *_pf_mime_parser_options_new    (void);
GMimeFormatOptions *_pf_mime_format_options_new    (void);
char               *_pf_mime_make_valid            (const char    *text);
PfMimeHeaders      *_pf_mime_headers_new_from_message (GMimeMessage *message);
char               *_pf_mime_generate_message_id   (const char    *sender);
void                _pf_mime_add_unique_addresses  (GPtrArray     *out,
                                                    GHashTable    *seen,
                                                    GPtrArray     *addresses);

G_END_DECLS
