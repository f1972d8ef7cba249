/* pf-message-summary-private.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-message-summary.h"

G_BEGIN_DECLS

struct _PfMessageSummary
{
  GObject       parent_instance;

  gpointer      store;          /* borrowed; the model keeps the store alive */
  gint64        id;
  gint64        folder_id;
  gint64        thread_id;
  gint64        date;
  guint32       uid;
  PfStoreFlags  flags;
  gboolean      has_attachment;
  char         *subject;
  char         *from;
  char         *from_address;
  char         *to;
  char         *preview;
  guint         thread_count;   /* set by a conversations list */

  /* For PfMessageListModel's cache */
  gint64        key;
  gboolean      in_lru;
};

void _pf_message_summary_set_thread_count (PfMessageSummary *self,
                                           guint             count);

G_END_DECLS
