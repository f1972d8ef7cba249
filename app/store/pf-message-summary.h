/* pf-message-summary.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "pf-store-batch.h"

G_BEGIN_DECLS

#define PF_TYPE_MESSAGE_SUMMARY (pf_message_summary_get_type ())

G_DECLARE_FINAL_TYPE (PfMessageSummary, pf_message_summary, PF, MESSAGE_SUMMARY, GObject)

PfMessageSummary *pf_message_summary_new_from_message (const PfStoreMessage *message);
gint64            pf_message_summary_get_id            (PfMessageSummary *self);
gint64            pf_message_summary_get_folder_id     (PfMessageSummary *self);
guint32           pf_message_summary_get_uid           (PfMessageSummary *self);
const char       *pf_message_summary_get_subject       (PfMessageSummary *self);
const char       *pf_message_summary_get_from          (PfMessageSummary *self);
const char       *pf_message_summary_get_from_address  (PfMessageSummary *self);
const char       *pf_message_summary_get_to            (PfMessageSummary *self);
gint64            pf_message_summary_get_date          (PfMessageSummary *self);
PfStoreFlags      pf_message_summary_get_flags         (PfMessageSummary *self);
gboolean          pf_message_summary_get_is_unread     (PfMessageSummary *self);
gboolean          pf_message_summary_get_is_flagged    (PfMessageSummary *self);
gboolean          pf_message_summary_get_has_attachment (PfMessageSummary *self);
const char       *pf_message_summary_get_preview       (PfMessageSummary *self);
gint64            pf_message_summary_get_thread_id     (PfMessageSummary *self);
guint             pf_message_summary_get_thread_count  (PfMessageSummary *self);
gpointer          pf_message_summary_get_store         (PfMessageSummary *self);
void              pf_message_summary_update            (PfMessageSummary     *self,
                                                        const PfStoreMessage *message);

G_END_DECLS
