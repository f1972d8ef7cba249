/* pf-store.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-store-batch.h"

G_BEGIN_DECLS

/**
 * PF_STORE_ERROR:
 *
 * The error domain of the local store.
 */
#define PF_STORE_ERROR (pf_store_error_quark ())

/**
 * PfStoreError:
 * @PF_STORE_ERROR_FAILED: a database or file operation failed; the
 *   message says which
 * @PF_STORE_ERROR_CORRUPT: the index database is damaged or is not an
 *   index database
 * @PF_STORE_ERROR_TOO_NEW: the index was written by a newer Postfach
 *   (its schema version is higher than this one knows)
 * @PF_STORE_ERROR_BUSY: another process holds the database locked for
 *   longer than the busy timeout
 * @PF_STORE_ERROR_NOT_FOUND: no folder, message, operation or outbox
 *   entry has the given id or name
 * @PF_STORE_ERROR_EXISTS: a folder of that name exists already
 * @PF_STORE_ERROR_INVALID: an argument is not acceptable (empty folder
 *   name, malformed search query, operation no longer pending, …)
 * @PF_STORE_ERROR_NO_SPACE: the disk is full
 * @PF_STORE_ERROR_IO: reading or writing a message file failed
 *
 * Error codes of %PF_STORE_ERROR.
 */
typedef enum
{
  PF_STORE_ERROR_FAILED,
  PF_STORE_ERROR_CORRUPT,
  PF_STORE_ERROR_TOO_NEW,
  PF_STORE_ERROR_BUSY,
  PF_STORE_ERROR_NOT_FOUND,
  PF_STORE_ERROR_EXISTS,
  PF_STORE_ERROR_INVALID,
  PF_STORE_ERROR_NO_SPACE,
  PF_STORE_ERROR_IO,
} PfStoreError;

GQuark pf_store_error_quark (void);

/**
 * PF_STORE_SCHEMA_VERSION:
 *
 * The schema version (`PRAGMA user_version`) this build writes.
 */
#define PF_STORE_SCHEMA_VERSION 6

/**
 * PfStoreSpecialUse:
 * @PF_STORE_SPECIAL_USE_NONE: an ordinary folder
 * @PF_STORE_SPECIAL_USE_INBOX: the inbox
 * @PF_STORE_SPECIAL_USE_SENT: sent mail
 * @PF_STORE_SPECIAL_USE_DRAFTS: drafts
 * @PF_STORE_SPECIAL_USE_TRASH: deleted mail
 * @PF_STORE_SPECIAL_USE_JUNK: spam
 * @PF_STORE_SPECIAL_USE_ARCHIVE: archive
 * @PF_STORE_SPECIAL_USE_ALL: all mail (a virtual folder of the server)
 * @PF_STORE_SPECIAL_USE_FLAGGED: flagged mail (a virtual folder)
 *
 * The role of a folder (RFC 6154). The values are stored in the index;
 * never renumber them.
 */
typedef enum
{
  PF_STORE_SPECIAL_USE_NONE    = 0,
  PF_STORE_SPECIAL_USE_INBOX   = 1,
  PF_STORE_SPECIAL_USE_SENT    = 2,
  PF_STORE_SPECIAL_USE_DRAFTS  = 3,
  PF_STORE_SPECIAL_USE_TRASH   = 4,
  PF_STORE_SPECIAL_USE_JUNK    = 5,
  PF_STORE_SPECIAL_USE_ARCHIVE = 6,
  PF_STORE_SPECIAL_USE_ALL     = 7,
  PF_STORE_SPECIAL_USE_FLAGGED = 8,
} PfStoreSpecialUse;

/**
 * PfStoreFolder:
 * @id: the folder's id in this store, > 0
 * @name: the full name on the server in UTF-8 (hierarchy levels joined
 *   with @delimiter), or the name of a local folder
 * @display_name: the name to show (the last level of @name unless set)
 * @parent_id: the parent folder's id, or 0 for a top-level folder
 * @delimiter: the hierarchy delimiter, or 0 for a flat namespace
 * @special_use: the folder's role
 * @attributes: IMAP mailbox attributes (the bits of
 *   `PfImapMailboxAttributes`, such as \Noselect), 0 for local folders
 * @uidvalidity: the server's UIDVALIDITY, 0 if unknown
 * @uidnext: the server's UIDNEXT, 0 if unknown; for a local-only folder,
 *   the next local UID
 * @highestmodseq: the server's HIGHESTMODSEQ (RFC 7162), 0 if unknown
 * @unread_count: messages without \Seen and without \Deleted
 * @total_count: messages without \Deleted
 * @subscribed: whether the folder is subscribed on the server
 * @local_only: a folder that exists only here (POP3 inbox, local Sent, …)
 * @dir_name: the name of the folder's Maildir directory below
 *   `<data_dir>/mail/`; it does not change when the folder is renamed
 *
 * A folder as the store knows it. Copy with pf_store_folder_copy(), free
 * with pf_store_folder_free().
 */
typedef struct
{
  gint64             id;
  char              *name;
  char              *display_name;
  gint64             parent_id;
  gunichar           delimiter;
  PfStoreSpecialUse  special_use;
  guint32            attributes;
  guint32            uidvalidity;
  guint32            uidnext;
  guint64            highestmodseq;
  guint              unread_count;
  guint              total_count;
  gboolean           subscribed;
  gboolean           local_only;
  char              *dir_name;
} PfStoreFolder;

#define PF_TYPE_STORE_FOLDER (pf_store_folder_get_type ())

GType          pf_store_folder_get_type (void) G_GNUC_CONST;
PfStoreFolder *pf_store_folder_new      (void);
PfStoreFolder *pf_store_folder_copy     (const PfStoreFolder *folder);
void           pf_store_folder_free     (PfStoreFolder       *folder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfStoreFolder, pf_store_folder_free)

/**
 * PfStoreFolderState:
 * @uidvalidity: UIDVALIDITY, 0 if unknown
 * @uidnext: UIDNEXT, 0 if unknown
 * @highestmodseq: HIGHESTMODSEQ, 0 if unknown
 * @highest_uid: the highest UID of a message stored in the folder, 0 if
 *   it holds none
 * @n_messages: the number of messages stored in the folder (including
 *   those flagged \Deleted)
 *
 * What a sync needs to know about a folder before it selects it.
 */
typedef struct
{
  guint32 uidvalidity;
  guint32 uidnext;
  guint64 highestmodseq;
  guint32 highest_uid;
  guint   n_messages;
} PfStoreFolderState;

/**
 * PfStoreUidEntry:
 * @uid: the message's UID
 * @flags: its #PfStoreFlags
 * @modseq: its MODSEQ, 0 if unknown
 *
 * One row of pf_store_get_uid_map(): a compact view of a folder for
 * flag resynchronisation.
 */
typedef struct
{
  guint32 uid;
  guint32 flags;
  guint64 modseq;
} PfStoreUidEntry;

/**
 * PfStoreBodyRef:
 * @id: the message's id
 * @uid: its UID in its folder
 *
 * A message whose body is not stored, from pf_store_list_missing_bodies().
 */
typedef struct
{
  gint64  id;
  guint32 uid;
} PfStoreBodyRef;

/**
 * PfStoreOperationState:
 * @PF_STORE_OPERATION_PENDING: waiting to be replayed to the server
 * @PF_STORE_OPERATION_DONE: replayed; kept until removed
 * @PF_STORE_OPERATION_FAILED: failed for good (the server refused it or
 *   the message is gone); its local effect may need to be reverted
 *
 * The state of a queued operation. Stored in the index; never renumber.
 */
typedef enum
{
  PF_STORE_OPERATION_PENDING = 0,
  PF_STORE_OPERATION_DONE    = 1,
  PF_STORE_OPERATION_FAILED  = 2,
} PfStoreOperationState;

/**
 * PfStoreOperation:
 * @id: the operation's id, increasing in the order of enqueueing
 * @created: when it was enqueued, in microseconds since the Unix epoch
 *   (UTC)
 * @kind: what it does, chosen by the sync layer ("set-flags", "move", …)
 * @folder_id: the folder it acts on, 0 for none
 * @targets: (nullable): the messages it acts on, as the sync layer wrote
 *   them (for example JSON with UIDs and message ids)
 * @args: (nullable): further arguments (target folder, flags, …)
 * @undo: (nullable): what the sync layer needs to revert the local
 *   effect; flag changes made with pf_store_enqueue_flag_operation() are
 *   reverted by the store itself
 * @state: the #PfStoreOperationState
 * @attempts: how often replaying was tried
 * @last_error: (nullable): the error of the last attempt
 *
 * An operation of the offline queue. Free with
 * pf_store_operation_free().
 */
typedef struct
{
  gint64                 id;
  gint64                 created;
  char                  *kind;
  gint64                 folder_id;
  char                  *targets;
  char                  *args;
  char                  *undo;
  PfStoreOperationState  state;
  guint                  attempts;
  char                  *last_error;
} PfStoreOperation;

void pf_store_operation_free (PfStoreOperation *operation);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfStoreOperation, pf_store_operation_free)

/**
 * PfStoreOutboxState:
 * @PF_STORE_OUTBOX_QUEUED: waiting to be sent (at @next_attempt)
 * @PF_STORE_OUTBOX_SENDING: being sent now; after a crash, treat as queued
 * @PF_STORE_OUTBOX_SENT: the server accepted it; waiting to be copied to
 *   Sent and removed
 * @PF_STORE_OUTBOX_FAILED: failed for good (recipients refused, …); needs
 *   the user
 *
 * Stored in the index; never renumber.
 */
typedef enum
{
  PF_STORE_OUTBOX_QUEUED  = 0,
  PF_STORE_OUTBOX_SENDING = 1,
  PF_STORE_OUTBOX_SENT    = 2,
  PF_STORE_OUTBOX_FAILED  = 3,
} PfStoreOutboxState;

/**
 * PfStoreOutboxItem:
 * @id: the entry's id, increasing in the order of adding
 * @created: when it was added, in microseconds since the Unix epoch (UTC)
 * @path: the absolute path of the message file
 * @envelope_from: the SMTP MAIL FROM address
 * @recipients: (array zero-terminated=1): the SMTP RCPT TO addresses
 * @state: the #PfStoreOutboxState
 * @attempts: how often sending was tried
 * @last_error: (nullable): the error of the last attempt
 * @next_attempt: when to try next, in microseconds since the Unix epoch,
 *   0 for at once
 *
 * A message waiting to be sent. Free with pf_store_outbox_item_free().
 */
typedef struct
{
  gint64              id;
  gint64              created;
  char               *path;
  char               *envelope_from;
  char              **recipients;
  PfStoreOutboxState  state;
  guint               attempts;
  char               *last_error;
  gint64              next_attempt;
} PfStoreOutboxItem;

void pf_store_outbox_item_free (PfStoreOutboxItem *item);

/**
 * PfStoreDraftState:
 * @PF_STORE_DRAFT_DIRTY: saved here; this version is not on the server yet
 * @PF_STORE_DRAFT_SYNCED: this version is in the server's Drafts folder
 * @PF_STORE_DRAFT_DELETED: deleted here; its versions on the server go next
 */
typedef enum
{
  PF_STORE_DRAFT_DIRTY   = 0,
  PF_STORE_DRAFT_SYNCED  = 1,
  PF_STORE_DRAFT_DELETED = 2,
} PfStoreDraftState;

/**
 * PfStoreDraft:
 * @id: the draft's id in this store
 * @message_id: its Message-ID (without angle brackets), the same in every
 *   version
 * @path: (nullable): the absolute path of the current version, %NULL once
 *   deleted
 * @subject: (nullable): its subject
 * @updated: when it was saved, in microseconds since the Unix epoch
 * @state: the #PfStoreDraftState
 * @server_uid: the UID of the uploaded version in the Drafts folder, 0 if
 *   unknown (a server without UIDPLUS)
 * @server_uidvalidity: the Drafts folder's UIDVALIDITY for @server_uid
 *
 * A draft. Free with pf_store_draft_free().
 */
typedef struct
{
  gint64             id;
  char              *message_id;
  char              *path;
  char              *subject;
  gint64             updated;
  PfStoreDraftState  state;
  guint32            server_uid;
  guint32            server_uidvalidity;
} PfStoreDraft;

void pf_store_draft_free (PfStoreDraft *draft);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfStoreDraft, pf_store_draft_free)

/**
 * PfStorePop3Seen:
 * @downloaded: when it was downloaded, in seconds since the Unix epoch
 * @deleted: whether its local copy was deleted since
 *
 * What the store knows of a POP3 message it downloaded.
 */
typedef struct
{
  gint64   downloaded;
  gboolean deleted;
} PfStorePop3Seen;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfStoreOutboxItem, pf_store_outbox_item_free)

/**
 * PfStoreWriter:
 *
 * A message file being written into a folder's Maildir: the data goes to
 * `tmp/`, and only pf_store_writer_commit() makes it appear in `cur/`
 * (after fsync of the file, rename, fsync of the directory). Freeing an
 * uncommitted writer removes the temporary file.
 */
typedef struct _PfStoreWriter PfStoreWriter;

GOutputStream *pf_store_writer_get_stream    (PfStoreWriter        *writer);
char          *pf_store_writer_commit        (PfStoreWriter        *writer,
                                              GCancellable         *cancellable,
                                              GError              **error);
void           pf_store_writer_commit_async  (PfStoreWriter        *writer,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
char          *pf_store_writer_commit_finish (PfStoreWriter        *writer,
                                              GAsyncResult         *result,
                                              GError              **error);
void           pf_store_writer_abort         (PfStoreWriter        *writer);
void           pf_store_writer_free          (PfStoreWriter        *writer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfStoreWriter, pf_store_writer_free)

#define PF_TYPE_STORE (pf_store_get_type ())

G_DECLARE_FINAL_TYPE (PfStore, pf_store, PF, STORE, GObject)

/* Opening */

PfStore           *pf_store_new_sync                 (const char           *data_dir,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
void               pf_store_new_async                (const char           *data_dir,
                                                      int                   io_priority,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
PfStore           *pf_store_new_finish               (GAsyncResult         *result,
                                                      GError              **error);
const char        *pf_store_get_data_dir             (PfStore              *self);
int                pf_store_get_schema_version       (PfStore              *self);
void               pf_store_close                    (PfStore              *self);

/* Folders (main thread) */

gint64             pf_store_create_folder            (PfStore              *self,
                                                      const PfStoreFolder  *folder,
                                                      GError              **error);
gboolean           pf_store_update_folder            (PfStore              *self,
                                                      const PfStoreFolder  *folder,
                                                      GError              **error);
gboolean           pf_store_rename_folder            (PfStore              *self,
                                                      gint64                folder_id,
                                                      const char           *new_name,
                                                      const char           *new_display_name,
                                                      gint64                new_parent_id,
                                                      GError              **error);
gboolean           pf_store_delete_folder            (PfStore              *self,
                                                      gint64                folder_id,
                                                      GError              **error);
PfStoreFolder     *pf_store_get_folder               (PfStore              *self,
                                                      gint64                folder_id,
                                                      GError              **error);
PfStoreFolder     *pf_store_lookup_folder            (PfStore              *self,
                                                      const char           *name,
                                                      GError              **error);
PfStoreFolder     *pf_store_lookup_folder_by_special_use (PfStore          *self,
                                                      PfStoreSpecialUse     special_use,
                                                      GError              **error);
GPtrArray         *pf_store_list_folders             (PfStore              *self,
                                                      GError              **error);
gboolean           pf_store_get_folder_state         (PfStore              *self,
                                                      gint64                folder_id,
                                                      PfStoreFolderState   *state,
                                                      GError              **error);
guint32            pf_store_allocate_local_uid       (PfStore              *self,
                                                      gint64                folder_id,
                                                      GError              **error);

/* Message files */

PfStoreWriter     *pf_store_new_writer               (PfStore              *self,
                                                      gint64                folder_id,
                                                      GError              **error);
char              *pf_store_write_message_file       (PfStore              *self,
                                                      gint64                folder_id,
                                                      GBytes               *data,
                                                      GCancellable         *cancellable,
                                                      GError              **error);
char              *pf_store_new_outbox_file          (PfStore              *self,
                                                      GBytes               *data,
                                                      GCancellable         *cancellable,
                                                      GError              **error);

char              *pf_store_dup_maildir              (PfStore              *self,
                                                      gint64                folder_id,
                                                      GError              **error);
char              *pf_store_write_synced_file        (const char           *maildir,
                                                      GBytes               *data,
                                                      GError              **error);
gboolean           pf_store_sync_maildir             (const char           *maildir,
                                                      GError              **error);
char              *pf_store_write_cache_file         (const char           *maildir,
                                                      GBytes               *data,
                                                      GError              **error);

/* Message reads (main thread, fast) */

GArray            *pf_store_list_missing_bodies      (PfStore              *self,
                                                      gint64                folder_id,
                                                      gint64                since,
                                                      guint                 newest,
                                                      GError              **error);
guint32            pf_store_get_highest_uid          (PfStore              *self,
                                                      gint64                folder_id,
                                                      GError              **error);
GArray            *pf_store_get_uid_map              (PfStore              *self,
                                                      gint64                folder_id,
                                                      GError              **error);
PfStoreMessage    *pf_store_get_message              (PfStore              *self,
                                                      gint64                message_id,
                                                      GError              **error);
PfStoreMessage    *pf_store_lookup_message_by_uid    (PfStore              *self,
                                                      gint64                folder_id,
                                                      guint32               uid,
                                                      GError              **error);
GPtrArray         *pf_store_lookup_messages_by_message_id (PfStore         *self,
                                                      const char           *message_id,
                                                      GError              **error);
PfStoreMessage    *pf_store_lookup_message_by_uidl   (PfStore              *self,
                                                      gint64                folder_id,
                                                      const char           *uidl,
                                                      GError              **error);
gint64             pf_store_draft_save               (PfStore              *self,
                                                      gint64                draft_id,
                                                      GBytes               *message,
                                                      const char           *message_id,
                                                      const char           *subject,
                                                      GError              **error);
GPtrArray         *pf_store_draft_list               (PfStore              *self,
                                                      gboolean              with_deleted,
                                                      GError              **error);
PfStoreDraft      *pf_store_draft_get                (PfStore              *self,
                                                      gint64                draft_id,
                                                      GError              **error);
gboolean           pf_store_draft_delete             (PfStore              *self,
                                                      gint64                draft_id,
                                                      GError              **error);
gboolean           pf_store_draft_set_synced         (PfStore              *self,
                                                      gint64                draft_id,
                                                      gint64                updated,
                                                      guint32               server_uid,
                                                      guint32               server_uidvalidity,
                                                      GError              **error);
gboolean           pf_store_draft_forget             (PfStore              *self,
                                                      gint64                draft_id,
                                                      GError              **error);
gboolean           pf_store_move_local               (PfStore              *self,
                                                      const gint64         *message_ids,
                                                      gsize                 n_ids,
                                                      gint64                target_folder_id,
                                                      GError              **error);
GHashTable        *pf_store_pop3_list_seen           (PfStore              *self,
                                                      GError              **error);
GHashTable        *pf_store_list_message_files       (PfStore              *self,
                                                      gint64                folder_id,
                                                      GError              **error);
guint              pf_store_remove_stray_files       (const char           *maildir,
                                                      GHashTable           *known);
GPtrArray         *pf_store_list_uidls               (PfStore              *self,
                                                      gint64                folder_id,
                                                      GError              **error);
GArray            *pf_store_search                   (PfStore              *self,
                                                      gint64                folder_id,
                                                      const char           *query,
                                                      GError              **error);
GPtrArray         *pf_store_list_thread              (PfStore              *self,
                                                      gint64                thread_id,
                                                      GError              **error);
PfStoreThread     *pf_store_get_thread               (PfStore              *self,
                                                      gint64                thread_id,
                                                      GError              **error);

/* Writes (main thread; small) */

gboolean           pf_store_set_body                 (PfStore              *self,
                                                      gint64                message_id,
                                                      const char           *path,
                                                      const char           *body_text,
                                                      GError              **error);

/* Batches (applied in a worker thread, in order) */

void               pf_store_apply_batch_async        (PfStore              *self,
                                                      PfStoreBatch         *batch,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean           pf_store_apply_batch_finish       (PfStore              *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* Operation queue (main thread) */

gint64             pf_store_enqueue_operation        (PfStore              *self,
                                                      const char           *kind,
                                                      gint64                folder_id,
                                                      const char           *targets,
                                                      const char           *args,
                                                      const char           *undo,
                                                      GError              **error);
gint64             pf_store_enqueue_flag_operation   (PfStore              *self,
                                                      const char           *kind,
                                                      gint64                folder_id,
                                                      const gint64         *message_ids,
                                                      gsize                 n_message_ids,
                                                      PfStoreFlags          add_flags,
                                                      PfStoreFlags          remove_flags,
                                                      const char           *targets,
                                                      const char           *args,
                                                      GError              **error);
GPtrArray         *pf_store_list_pending_operations  (PfStore              *self,
                                                      GError              **error);
GPtrArray         *pf_store_list_replayable_operations (PfStore            *self,
                                                       GError            **error);
void               pf_store_hold_operation           (PfStore              *self,
                                                      gint64                operation_id);
void               pf_store_release_operation        (PfStore              *self,
                                                      gint64                operation_id);
GPtrArray         *pf_store_list_operations          (PfStore              *self,
                                                      GError              **error);
gboolean           pf_store_mark_operation_done      (PfStore              *self,
                                                      gint64                operation_id,
                                                      GError              **error);
gboolean           pf_store_mark_operation_failed    (PfStore              *self,
                                                      gint64                operation_id,
                                                      const char           *error_text,
                                                      gboolean              permanent,
                                                      GError              **error);
gboolean           pf_store_remove_operation         (PfStore              *self,
                                                      gint64                operation_id,
                                                      GError              **error);
PfStoreOperation  *pf_store_undo_operation           (PfStore              *self,
                                                      gint64                operation_id,
                                                      GError              **error);

/* Outbox (main thread) */

gint64             pf_store_outbox_add               (PfStore              *self,
                                                      const char           *path,
                                                      const char           *envelope_from,
                                                      const char * const   *recipients,
                                                      GError              **error);
GPtrArray         *pf_store_outbox_list              (PfStore              *self,
                                                      GError              **error);
PfStoreOutboxItem *pf_store_outbox_get               (PfStore              *self,
                                                      gint64                item_id,
                                                      GError              **error);
gboolean           pf_store_outbox_update            (PfStore              *self,
                                                      gint64                item_id,
                                                      PfStoreOutboxState    state,
                                                      guint                 attempts,
                                                      const char           *last_error,
                                                      gint64                next_attempt,
                                                      GError              **error);
gboolean           pf_store_outbox_remove            (PfStore              *self,
                                                      gint64                item_id,
                                                      gboolean              delete_file,
                                                      GError              **error);

/* Full-text index catching up */

guint              pf_store_count_unindexed          (PfStore              *self);
gboolean           pf_store_index_pending_sync       (PfStore              *self,
                                                      guint                 max_messages,
                                                      GError              **error);

/* Text folding, as the full-text index uses it */

char              *pf_store_fold_text                (const char           *text);
char              *pf_store_normalize_subject        (const char           *subject,
                                                      gboolean             *is_reply);

G_END_DECLS
