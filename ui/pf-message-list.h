/* pf-message-list.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PF_TYPE_MESSAGE_LIST (pf_message_list_get_type ())

G_DECLARE_FINAL_TYPE (PfMessageList, pf_message_list, PF, MESSAGE_LIST, GtkWidget)

void pf_message_list_set_model (PfMessageList *self,
                                GListModel    *model);

G_END_DECLS
