/* pf-pop3-sync.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/pf-account.h"
#include "account/pf-server-settings.h"
#include "store/pf-store.h"

G_BEGIN_DECLS

/**
 * PfPop3SyncStats:
 * @on_server: messages the server listed
 * @new_messages: messages downloaded and stored
 * @deleted_on_server: messages deleted on the server (after QUIT)
 * @stray_files: files a crash had left in the Inbox's Maildir, removed
 *
 * What one pf_pop3_sync_run_async() did.
 */
typedef struct
{
  guint on_server;
  guint new_messages;
  guint deleted_on_server;
  guint stray_files;
} PfPop3SyncStats;

/**
 * PfPop3SyncClock:
 * @user_data: the data given to pf_pop3_sync_set_clock()
 *
 * Returns: the time now, in seconds since the Unix epoch
 */
typedef gint64 (*PfPop3SyncClock) (gpointer user_data);

#define PF_TYPE_POP3_SYNC (pf_pop3_sync_get_type ())

G_DECLARE_FINAL_TYPE (PfPop3Sync, pf_pop3_sync, PF, POP3_SYNC, GObject)

PfPop3Sync *pf_pop3_sync_new            (PfStore           *store,
                                         PfServerSettings  *settings);
void        pf_pop3_sync_set_secret     (PfPop3Sync        *self,
                                         const char        *secret,
                                         gboolean           is_oauth_token);
void        pf_pop3_sync_set_policy     (PfPop3Sync        *self,
                                         PfPop3Policy       policy,
                                         guint              keep_days);
void        pf_pop3_sync_set_clock      (PfPop3Sync        *self,
                                         PfPop3SyncClock    clock,
                                         gpointer           user_data);
void        pf_pop3_sync_set_batch_size (PfPop3Sync        *self,
                                         guint              batch_size);

void        pf_pop3_sync_run_async      (PfPop3Sync           *self,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
gboolean    pf_pop3_sync_run_finish     (PfPop3Sync           *self,
                                         GAsyncResult         *result,
                                         PfPop3SyncStats      *stats,
                                         GError              **error);

gint64      pf_pop3_sync_ensure_folders (PfStore              *store,
                                         GError              **error);

G_END_DECLS
