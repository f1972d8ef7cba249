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

/**
 * PfMessageRowPart:
 *
 * The texts a message row shows.
 */
typedef enum {
  PF_MESSAGE_ROW_SENDER,
  PF_MESSAGE_ROW_DATE,
  PF_MESSAGE_ROW_COUNT,
  PF_MESSAGE_ROW_SUBJECT,
  PF_MESSAGE_ROW_PREVIEW,
} PfMessageRowPart;

/**
 * PfMessageRowEmblems:
 *
 * How a message row marks its message.
 */
typedef enum {
  PF_MESSAGE_ROW_UNREAD     = 1 << 0,
  PF_MESSAGE_ROW_STARRED    = 1 << 1,
  PF_MESSAGE_ROW_ATTACHMENT = 1 << 2,
  PF_MESSAGE_ROW_ANSWERED   = 1 << 3,
} PfMessageRowEmblems;

PfMessageRow     *pf_message_row_new               (void);
PfMessageSummary *pf_message_row_get_summary       (PfMessageRow     *self);
void              pf_message_row_set_summary       (PfMessageRow     *self,
                                                    PfMessageSummary *summary);
gboolean          pf_message_row_get_conversations (PfMessageRow     *self);
void              pf_message_row_set_conversations (PfMessageRow     *self,
                                                    gboolean          conversations);

const char       *pf_message_row_get_text          (PfMessageRow     *self,
                                                    PfMessageRowPart  part);
PfMessageRowEmblems pf_message_row_get_emblems     (PfMessageRow     *self);

char             *pf_message_row_format_date       (gint64            unix_time,
                                                    GDateTime        *now);

G_END_DECLS
