/* pf-message-header.h
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

/* Recipient lists longer than this show their first few and a button for
 * the rest. */
#define PF_MESSAGE_HEADER_MAX_RECIPIENTS 6

#define PF_TYPE_MESSAGE_HEADER (pf_message_header_get_type ())

G_DECLARE_FINAL_TYPE (PfMessageHeader, pf_message_header, PF, MESSAGE_HEADER, GtkWidget)

GtkWidget *pf_message_header_new            (void);
void       pf_message_header_set_summary    (PfMessageHeader     *self,
                                             PfMessageSummary    *summary);
void       pf_message_header_set_headers    (PfMessageHeader     *self,
                                             const PfMimeHeaders *headers);
char      *pf_message_header_dup_field_text (PfMessageHeader     *self,
                                             const char          *field);

G_END_DECLS
