/* pf-draft-push.h: copying local drafts to the server's Drafts folder
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "imap/pf-imap-session.h"
#include "store/pf-store.h"

G_BEGIN_DECLS

void     _pf_draft_push_async  (PfStore              *store,
                                PfImapSession        *session,
                                gboolean              uidplus,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
gboolean _pf_draft_push_finish (GAsyncResult         *result,
                                guint                *n_pushed,
                                GError              **error);

G_END_DECLS
