/* pf-imap-sync.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/pf-server-settings.h"
#include "imap/pf-imap-session.h"
#include "store/pf-store.h"

G_BEGIN_DECLS

/**
 * PfImapSyncStats:
 * @folders_listed: selectable folders the server listed
 * @folders_synced: folders that were selected because something changed
 * @new_messages: message summaries stored
 * @changed_flags: flag changes applied to stored messages
 * @expunged: stored messages removed because the server removed them
 * @uidvalidity_resets: folders whose cache was rebuilt (UIDVALIDITY changed)
 * @bodies: message bodies downloaded for offline reading
 * @drafts: drafts saved (or deleted) here and brought to the server
 *
 * What one pf_imap_sync_run_async() did.
 */
typedef struct
{
  guint folders_listed;
  guint folders_synced;
  guint new_messages;
  guint changed_flags;
  guint expunged;
  guint uidvalidity_resets;
  guint bodies;
  guint drafts;
} PfImapSyncStats;

#define PF_TYPE_IMAP_SYNC (pf_imap_sync_get_type ())

G_DECLARE_FINAL_TYPE (PfImapSync, pf_imap_sync, PF, IMAP_SYNC, GObject)

PfImapSync *pf_imap_sync_new              (PfStore              *store,
                                           PfServerSettings     *settings);
PfStore    *pf_imap_sync_get_store        (PfImapSync           *self);
void        pf_imap_sync_set_secret       (PfImapSync           *self,
                                           const char           *secret,
                                           gboolean              is_oauth_token);
void        pf_imap_sync_set_batch_size   (PfImapSync           *self,
                                           guint                 batch_size);
gboolean    pf_imap_sync_has_capability   (PfImapSync           *self,
                                           const char           *name);

void        pf_imap_sync_run_async        (PfImapSync           *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean    pf_imap_sync_run_finish       (PfImapSync           *self,
                                           GAsyncResult         *result,
                                           PfImapSyncStats      *stats,
                                           GError              **error);

void        pf_imap_sync_disconnect_async  (PfImapSync          *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean    pf_imap_sync_disconnect_finish (PfImapSync          *self,
                                            GAsyncResult        *result,
                                            GError             **error);

void        pf_imap_sync_set_offline_days  (PfImapSync          *self,
                                            int                  days);
void        pf_imap_sync_set_index_search  (PfImapSync          *self,
                                            gboolean             index_search);
void        pf_imap_sync_set_poll_interval (PfImapSync          *self,
                                            guint                seconds);
void        pf_imap_sync_watch_async       (PfImapSync          *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean    pf_imap_sync_wake             (PfImapSync          *self);
gboolean    pf_imap_sync_watch_finish      (PfImapSync          *self,
                                            GAsyncResult        *result,
                                            GError             **error);

void        pf_imap_sync_prepare_bodies_async  (PfImapSync          *self,
                                                gint64               folder_id,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean    pf_imap_sync_prepare_bodies_finish (PfImapSync          *self,
                                                GAsyncResult        *result,
                                                GError             **error);
void        pf_imap_sync_fetch_body_async  (PfImapSync          *self,
                                            gint64               message_id,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
char       *pf_imap_sync_fetch_body_finish (PfImapSync          *self,
                                            GAsyncResult        *result,
                                            GError             **error);

PfStoreSpecialUse pf_imap_sync_guess_special_use (const char *name);

void           pf_imap_sync_open_session_async  (PfServerSettings    *settings,
                                                 const char          *secret,
                                                 gboolean             secret_is_token,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
PfImapSession *pf_imap_sync_open_session_finish (GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
