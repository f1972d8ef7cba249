/* pf-imap-session.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-imap-connection.h"
#include "pf-imap-types.h"

G_BEGIN_DECLS

/**
 * PF_IMAP_SESSION_FETCH_HEADERS:
 *
 * The items a folder sync fetches for a message it does not know yet:
 * UID, FLAGS, INTERNALDATE, RFC822.SIZE, MODSEQ, ENVELOPE and
 * BODYSTRUCTURE. MODSEQ is left out when the server has no CONDSTORE.
 */
#define PF_IMAP_SESSION_FETCH_HEADERS (PF_IMAP_FETCH_UID | PF_IMAP_FETCH_FLAGS |           \
                                       PF_IMAP_FETCH_INTERNALDATE | PF_IMAP_FETCH_RFC822_SIZE | \
                                       PF_IMAP_FETCH_MODSEQ | PF_IMAP_FETCH_ENVELOPE |     \
                                       PF_IMAP_FETCH_BODYSTRUCTURE)

/**
 * PF_IMAP_SESSION_FETCH_FLAGS:
 *
 * The items a folder sync fetches for messages it knows: UID, FLAGS and
 * MODSEQ.
 */
#define PF_IMAP_SESSION_FETCH_FLAGS (PF_IMAP_FETCH_UID | PF_IMAP_FETCH_FLAGS | PF_IMAP_FETCH_MODSEQ)

/**
 * PfImapListFlags:
 * @PF_IMAP_LIST_NONE: names and attributes only
 * @PF_IMAP_LIST_STATUS: also the status of each mailbox (MESSAGES,
 *   UIDNEXT, UIDVALIDITY, UNSEEN and, with CONDSTORE, HIGHESTMODSEQ) when
 *   the server offers LIST-STATUS (RFC 5819); without it the entries have
 *   no status and the caller asks with pf_imap_session_status_async()
 */
typedef enum
{
  PF_IMAP_LIST_NONE   = 0,
  PF_IMAP_LIST_STATUS = 1 << 0,
} PfImapListFlags;

/**
 * PfImapListItem:
 * @entry: the LIST (or LSUB) response
 * @status: (nullable): the mailbox's STATUS, if it was asked for and the
 *   server sent it
 *
 * One mailbox of a LIST or LSUB.
 */
typedef struct
{
  PfImapListEntry     *entry;
  PfImapMailboxStatus *status;
} PfImapListItem;

void pf_imap_list_item_free (PfImapListItem *item);

/**
 * PfImapSelectFlags:
 * @PF_IMAP_SELECT_NONE: SELECT, read-write if the server allows
 * @PF_IMAP_SELECT_READ_ONLY: EXAMINE (RFC 3501 §6.3.2): nothing changes,
 *   not even \Recent or \Seen
 */
typedef enum
{
  PF_IMAP_SELECT_NONE      = 0,
  PF_IMAP_SELECT_READ_ONLY = 1 << 0,
} PfImapSelectFlags;

/**
 * PfImapQresync:
 * @uidvalidity: the UIDVALIDITY the client's cache belongs to
 * @modseq: the HIGHESTMODSEQ the client's cache is complete up to; not 0
 * @known_uids: (nullable): the UIDs the client knows, as a UID set such as
 *   "1:500"; %NULL for all (RFC 7162 §3.2.5)
 *
 * The parameters of a quick resynchronisation (QRESYNC) on SELECT.
 */
typedef struct
{
  guint32     uidvalidity;
  guint64     modseq;
  const char *known_uids;
} PfImapQresync;

/**
 * PfImapSelectResult:
 * @mailbox: the selected mailbox, in UTF-8
 * @read_only: %TRUE if the server said READ-ONLY (or it was EXAMINE)
 * @exists: the number of messages (EXISTS, RFC 3501 §7.3.1)
 * @recent: the number of \Recent messages (RECENT, RFC 3501 §7.3.2)
 * @uidvalidity: UIDVALIDITY (RFC 3501 §2.3.1.1); 0 if the server sent
 *   none, in which case no UID can be cached
 * @uidnext: UIDNEXT, the predicted next UID; 0 if not sent
 * @first_unseen: the message sequence number of the first unseen message
 *   ([UNSEEN n], RFC 3501 §7.1); 0 if not sent. Not a count.
 * @highestmodseq: HIGHESTMODSEQ (RFC 7162 §3.1.2.1); 0 if not sent
 * @nomodseq: %TRUE if the server said NOMODSEQ: the mailbox keeps no
 *   mod-sequences (RFC 7162 §3.1.2.2)
 * @flags: (array zero-terminated=1): the flags defined in the mailbox
 * @permanent_flags: (array zero-terminated=1): the flags the client can
 *   change permanently; `\*` means new keywords may be created. Empty if
 *   the server sent none.
 * @qresync: %TRUE if the SELECT carried QRESYNC parameters, so that the
 *   expunged and changed messages since @modseq were reported to the
 *   callbacks; %FALSE if the client has to find them by other means
 *
 * What SELECT or EXAMINE reported about the mailbox (RFC 3501 §6.3.1).
 */
typedef struct
{
  char     *mailbox;
  gboolean  read_only;
  guint32   exists;
  guint32   recent;
  guint32   uidvalidity;
  guint32   uidnext;
  guint32   first_unseen;
  guint64   highestmodseq;
  gboolean  nomodseq;
  char    **flags;
  char    **permanent_flags;
  gboolean  qresync;
} PfImapSelectResult;

void pf_imap_select_result_free (PfImapSelectResult *result);

/**
 * PfImapStoreMode:
 * @PF_IMAP_STORE_ADD: +FLAGS: add the flags
 * @PF_IMAP_STORE_REMOVE: -FLAGS: remove the flags
 * @PF_IMAP_STORE_REPLACE: FLAGS: set exactly these flags
 *
 * How UID STORE changes the flags (RFC 3501 §6.4.6).
 */
typedef enum
{
  PF_IMAP_STORE_ADD,
  PF_IMAP_STORE_REMOVE,
  PF_IMAP_STORE_REPLACE,
} PfImapStoreMode;

/**
 * PfImapMoveFlags:
 * @PF_IMAP_MOVE_NONE: move with MOVE (RFC 6851), or else with COPY,
 *   STORE \Deleted and UID EXPUNGE (RFC 4315)
 * @PF_IMAP_MOVE_ALLOW_EXPUNGE_ALL: if the server has neither MOVE nor
 *   UIDPLUS, a plain EXPUNGE may finish the move, which also expunges
 *   every other message marked \Deleted in the mailbox
 */
typedef enum
{
  PF_IMAP_MOVE_NONE             = 0,
  PF_IMAP_MOVE_ALLOW_EXPUNGE_ALL = 1 << 0,
} PfImapMoveFlags;

/**
 * PfImapCopyUid:
 * @uidvalidity: the UIDVALIDITY of the destination mailbox
 * @source_uids: (element-type guint32): the UIDs that were copied
 * @destination_uids: (element-type guint32): their new UIDs in the
 *   destination, in the same order
 *
 * The COPYUID response code of UIDPLUS (RFC 4315 §3).
 */
typedef struct
{
  guint32  uidvalidity;
  GArray  *source_uids;
  GArray  *destination_uids;
} PfImapCopyUid;

void    pf_imap_copy_uid_free   (PfImapCopyUid       *copy_uid);
guint32 pf_imap_copy_uid_lookup (const PfImapCopyUid *copy_uid,
                                 guint32              source_uid);

#define PF_TYPE_IMAP_SESSION (pf_imap_session_get_type ())

G_DECLARE_FINAL_TYPE (PfImapSession, pf_imap_session, PF, IMAP_SESSION, GObject)

/**
 * PfImapSessionFetchFunc:
 * @session: the session
 * @fetch: (transfer full): one decoded FETCH response; free it with
 *   pf_imap_fetch_free() or keep it
 * @user_data: the data given with the command
 *
 * Receives the messages of a FETCH one by one, as they are parsed.
 */
typedef void (*PfImapSessionFetchFunc) (PfImapSession *session,
                                        PfImapFetch   *fetch,
                                        gpointer       user_data);

/**
 * PfImapSessionVanishedFunc:
 * @session: the session
 * @uids: the UIDs that are gone; valid during the call
 * @earlier: %TRUE for VANISHED (EARLIER): the answer to a QRESYNC SELECT
 *   or a FETCH with the VANISHED modifier, which may name UIDs the client
 *   never saw (RFC 7162 §3.2.10)
 * @user_data: the data given with the command
 */
typedef void (*PfImapSessionVanishedFunc) (PfImapSession           *session,
                                           const PfImapSequenceSet *uids,
                                           gboolean                 earlier,
                                           gpointer                 user_data);

/**
 * PfImapSessionChunkFunc:
 * @session: the session
 * @chunk: a piece of a large body; its bytes are valid during the call
 * @user_data: the data given with the command
 *
 * Receives bodies larger than the literal stream threshold (see
 * pf_imap_session_set_literal_stream_threshold()) piece by piece, while
 * they arrive. @chunk names the message's UID and the FETCH item.
 */
typedef void (*PfImapSessionChunkFunc) (PfImapSession            *session,
                                        const PfImapLiteralChunk *chunk,
                                        gpointer                  user_data);

PfImapSession     *pf_imap_session_new                  (PfImapConnection          *connection);
PfImapConnection  *pf_imap_session_get_connection       (PfImapSession             *self);
PfImapState        pf_imap_session_get_state            (PfImapSession             *self);
gboolean           pf_imap_session_is_enabled           (PfImapSession             *self,
                                                         const char                *extension);
const char        *pf_imap_session_get_selected         (PfImapSession             *self);
gboolean           pf_imap_session_is_read_only         (PfImapSession             *self);
guint32            pf_imap_session_get_exists           (PfImapSession             *self);
guint32            pf_imap_session_get_uidvalidity      (PfImapSession             *self);
guint64            pf_imap_session_get_highest_modseq   (PfImapSession             *self);
gboolean           pf_imap_session_is_idling            (PfImapSession             *self);
void               pf_imap_session_set_command_timeout  (PfImapSession             *self,
                                                         guint                      seconds);
void               pf_imap_session_set_literal_stream_threshold (PfImapSession     *self,
                                                                 guint64            bytes);

/* Any state after login */

void               pf_imap_session_id_async             (PfImapSession             *self,
                                                         GHashTable                *client_fields,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
GHashTable        *pf_imap_session_id_finish            (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_enable_async         (PfImapSession             *self,
                                                         const char *const         *extensions,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
char             **pf_imap_session_enable_finish        (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_namespace_async      (PfImapSession             *self,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
PfImapNamespaces  *pf_imap_session_namespace_finish     (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_noop_async           (PfImapSession             *self,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_noop_finish          (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

/* Mailboxes */

void               pf_imap_session_list_async           (PfImapSession             *self,
                                                         const char                *reference,
                                                         const char                *pattern,
                                                         PfImapListFlags            flags,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
GPtrArray         *pf_imap_session_list_finish          (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_lsub_async           (PfImapSession             *self,
                                                         const char                *reference,
                                                         const char                *pattern,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
GPtrArray         *pf_imap_session_lsub_finish          (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_subscribe_async      (PfImapSession             *self,
                                                         const char                *mailbox,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_subscribe_finish     (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_unsubscribe_async    (PfImapSession             *self,
                                                         const char                *mailbox,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_unsubscribe_finish   (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_create_async         (PfImapSession             *self,
                                                         const char                *mailbox,
                                                         PfImapMailboxAttributes    special_use,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_create_finish        (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_rename_async         (PfImapSession             *self,
                                                         const char                *mailbox,
                                                         const char                *new_name,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_rename_finish        (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_delete_async         (PfImapSession             *self,
                                                         const char                *mailbox,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_delete_finish        (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_status_async         (PfImapSession             *self,
                                                         const char                *mailbox,
                                                         PfImapStatusFields         items,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
PfImapMailboxStatus *pf_imap_session_status_finish      (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_append_async         (PfImapSession             *self,
                                                         const char                *mailbox,
                                                         const char *const         *flags,
                                                         GDateTime                 *internal_date,
                                                         GBytes                    *message,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_append_finish        (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         guint32                   *uidvalidity,
                                                         guint32                   *uid,
                                                         GError                   **error);

void               pf_imap_session_select_async         (PfImapSession             *self,
                                                         const char                *mailbox,
                                                         PfImapSelectFlags          flags,
                                                         const PfImapQresync       *qresync,
                                                         PfImapSessionFetchFunc     fetch_func,
                                                         PfImapSessionVanishedFunc  vanished_func,
                                                         gpointer                   func_data,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
PfImapSelectResult *pf_imap_session_select_finish       (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

/* The selected mailbox */

void               pf_imap_session_fetch_async          (PfImapSession             *self,
                                                         const char                *uids,
                                                         PfImapFetchFields          fields,
                                                         const char                *extra_items,
                                                         guint64                    changed_since,
                                                         PfImapSessionFetchFunc     fetch_func,
                                                         PfImapSessionVanishedFunc  vanished_func,
                                                         PfImapSessionChunkFunc     chunk_func,
                                                         gpointer                   func_data,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_fetch_finish         (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_fetch_body_async     (PfImapSession             *self,
                                                         guint32                    uid,
                                                         const char                *section,
                                                         guint64                    offset,
                                                         guint64                    length,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
GBytes            *pf_imap_session_fetch_body_finish    (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_search_async         (PfImapSession             *self,
                                                         const char                *criteria,
                                                         const char *const         *strings,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
GArray            *pf_imap_session_search_finish        (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_store_async          (PfImapSession             *self,
                                                         const char                *uids,
                                                         PfImapStoreMode            mode,
                                                         const char *const         *flags,
                                                         guint64                    unchanged_since,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_store_finish         (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GArray                   **modified,
                                                         GError                   **error);

void               pf_imap_session_copy_async           (PfImapSession             *self,
                                                         const char                *uids,
                                                         const char                *destination,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_copy_finish          (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         PfImapCopyUid            **copy_uid,
                                                         GError                   **error);

void               pf_imap_session_move_async           (PfImapSession             *self,
                                                         const char                *uids,
                                                         const char                *destination,
                                                         PfImapMoveFlags            flags,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_move_finish          (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         PfImapCopyUid            **copy_uid,
                                                         GError                   **error);

void               pf_imap_session_expunge_async        (PfImapSession             *self,
                                                         const char                *uids,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_expunge_finish       (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_check_async          (PfImapSession             *self,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_check_finish         (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_close_async          (PfImapSession             *self,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_close_finish         (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

void               pf_imap_session_unselect_async       (PfImapSession             *self,
                                                         gboolean                   allow_expunge,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_unselect_finish      (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);

/* IDLE (RFC 2177) */

void               pf_imap_session_idle_async           (PfImapSession             *self,
                                                         GCancellable              *cancellable,
                                                         GAsyncReadyCallback        callback,
                                                         gpointer                   user_data);
gboolean           pf_imap_session_idle_finish          (PfImapSession             *self,
                                                         GAsyncResult              *result,
                                                         GError                   **error);
void               pf_imap_session_idle_done            (PfImapSession             *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapListItem, pf_imap_list_item_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapSelectResult, pf_imap_select_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapCopyUid, pf_imap_copy_uid_free)

G_END_DECLS
