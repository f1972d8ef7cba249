/* pf-message-row.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "store/pf-message-summary.h"

G_BEGIN_DECLS

#define PF_TYPE_MESSAGE_ROW (pf_message_row_get_type ())

G_DECLARE_FINAL_TYPE (PfMessageRow, pf_message_row, PF, MESSAGE_ROW, GtkWidget)

PfMessageRow     *pf_message_row_new               (void);
PfMessageSummary *pf_message_row_get_summary       (PfMessageRow     *self);
void              pf_message_row_set_summary       (PfMessageRow     *self,
                                                    PfMessageSummary *summary);
gboolean          pf_message_row_get_conversations (PfMessageRow     *self);
void              pf_message_row_set_conversations (PfMessageRow     *self,
                                                    gboolean          conversations);

char             *pf_message_row_format_date       (gint64            unix_time,
                                                    GDateTime        *now);

G_END_DECLS
