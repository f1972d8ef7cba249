/* pf-store-batch.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * PfStoreFlags:
 * @PF_STORE_FLAG_NONE: no flag
 * @PF_STORE_FLAG_SEEN: \Seen: read
 * @PF_STORE_FLAG_ANSWERED: \Answered
 * @PF_STORE_FLAG_FLAGGED: \Flagged: starred
 * @PF_STORE_FLAG_DELETED: \Deleted: marked for expunge
 * @PF_STORE_FLAG_DRAFT: \Draft
 *
 * The system flags of a message (RFC 3501 §2.3.2) as bits. Other flags
 * (keywords such as `$Forwarded`, `$Junk`) are kept as text. The values
 * are stored in the index; never renumber them.
 */
typedef enum
{
  PF_STORE_FLAG_NONE     = 0,
  PF_STORE_FLAG_SEEN     = 1 << 0,
  PF_STORE_FLAG_ANSWERED = 1 << 1,
  PF_STORE_FLAG_FLAGGED  = 1 << 2,
  PF_STORE_FLAG_DELETED  = 1 << 3,
  PF_STORE_FLAG_DRAFT    = 1 << 4,
} PfStoreFlags;

/**
 * PF_STORE_FLAGS_ALL:
 *
 * All bits of #PfStoreFlags.
 */
#define PF_STORE_FLAGS_ALL 0x1f

/**
 * PfStoreMessage:
 * @id: the message's id in this store (0 in a new message: the store
 *   assigns it)
 * @folder_id: the folder holding it
 * @uid: the IMAP UID; for POP3 and local folders, a local counter
 *   (pf_store_allocate_local_uid())
 * @pop3_uidl: (nullable): the POP3 UIDL it was downloaded as
 * @pop3_downloaded: when it was downloaded by POP3, in seconds since the
 *   Unix epoch, 0 if not
 * @flags: its #PfStoreFlags
 * @keywords: (nullable): other flags, separated by spaces
 * @internal_date: the server's INTERNALDATE (or the time of download), in
 *   seconds since the Unix epoch, 0 if unknown
 * @date: the Date: header, in seconds since the Unix epoch, 0 if missing
 *   or unparsable; the message list sorts by @date, or by @internal_date
 *   when @date is 0
 * @size: the size of the message in bytes (RFC822.SIZE)
 * @subject: (nullable): the subject, decoded, in UTF-8
 * @from_name: (nullable): the display name of the (first) sender
 * @from_address: (nullable): the address of the (first) sender
 * @to: (nullable): the To: recipients as one display string
 * @cc: (nullable): the Cc: recipients as one display string
 * @message_id: (nullable): the Message-ID, with or without angle brackets
 * @in_reply_to: (nullable): the In-Reply-To header as sent
 * @references: (nullable): the References header as sent
 * @thread_id: the conversation it belongs to (set by the store)
 * @has_attachment: whether it has attachments
 * @preview: (nullable): the first line(s) of the text, for the list
 * @body_path: (nullable): the absolute path of the whole message in a
 *   Maildir, or %NULL if the body was not downloaded
 * @modseq: the MODSEQ (RFC 7162), 0 if unknown
 *
 * The summary of one message, as stored in the index and as given to a
 * #PfStoreBatch. Free with pf_store_message_free().
 */
typedef struct
{
  gint64        id;
  gint64        folder_id;
  guint32       uid;
  char         *pop3_uidl;
  gint64        pop3_downloaded;
  PfStoreFlags  flags;
  char         *keywords;
  gint64        internal_date;
  gint64        date;
  guint64       size;
  char         *subject;
  char         *from_name;
  char         *from_address;
  char         *to;
  char         *cc;
  char         *message_id;
  char         *in_reply_to;
  char         *references;
  gint64        thread_id;
  gboolean      has_attachment;
  char         *preview;
  char         *body_path;
  guint64       modseq;
} PfStoreMessage;

#define PF_TYPE_STORE_MESSAGE (pf_store_message_get_type ())

GType           pf_store_message_get_type (void) G_GNUC_CONST;
PfStoreMessage *pf_store_message_new      (void);
PfStoreMessage *pf_store_message_copy     (const PfStoreMessage *message);
void            pf_store_message_free     (PfStoreMessage       *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfStoreMessage, pf_store_message_free)

/**
 * PfStoreThread:
 * @id: the thread's id
 * @subject: (nullable): the subject of its first message
 * @latest_date: the date of its newest message (seconds since the epoch)
 * @message_count: the number of messages in it, in all folders
 * @unread_count: the number of those without \Seen
 *
 * A conversation. Free with pf_store_thread_free().
 */
typedef struct
{
  gint64  id;
  char   *subject;
  gint64  latest_date;
  guint   message_count;
  guint   unread_count;
} PfStoreThread;

void pf_store_thread_free (PfStoreThread *thread);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfStoreThread, pf_store_thread_free)

/**
 * PfStoreBatch:
 *
 * A list of changes to apply in one transaction with
 * pf_store_apply_batch_async(). The changes are applied in the order
 * they were added. A batch can be filled on any thread, but by one
 * thread at a time; once passed to the store, do not touch it.
 */
typedef struct _PfStoreBatch PfStoreBatch;

#define PF_TYPE_STORE_BATCH (pf_store_batch_get_type ())

GType         pf_store_batch_get_type          (void) G_GNUC_CONST;
PfStoreBatch *pf_store_batch_new               (void);
PfStoreBatch *pf_store_batch_ref               (PfStoreBatch         *batch);
void          pf_store_batch_unref             (PfStoreBatch         *batch);
guint         pf_store_batch_get_size          (PfStoreBatch         *batch);
void          pf_store_batch_add_message       (PfStoreBatch         *batch,
                                                const PfStoreMessage *message);
void          pf_store_batch_take_message      (PfStoreBatch         *batch,
                                                PfStoreMessage       *message);
void          pf_store_batch_take_message_with_text (PfStoreBatch    *batch,
                                                PfStoreMessage       *message,
                                                char                 *folded_text);
void          pf_store_batch_set_flags         (PfStoreBatch         *batch,
                                                gint64                folder_id,
                                                guint32               uid,
                                                PfStoreFlags          flags,
                                                const char           *keywords,
                                                guint64               modseq);
void          pf_store_batch_expunge_uids      (PfStoreBatch         *batch,
                                                gint64                folder_id,
                                                const guint32        *uids,
                                                gsize                 n_uids);
void          pf_store_batch_expunge_range     (PfStoreBatch         *batch,
                                                gint64                folder_id,
                                                guint32               first_uid,
                                                guint32               last_uid);
void          pf_store_batch_expunge_ids       (PfStoreBatch         *batch,
                                                const gint64         *message_ids,
                                                gsize                 n_message_ids);
void          pf_store_batch_set_folder_state  (PfStoreBatch         *batch,
                                                gint64                folder_id,
                                                guint32               uidvalidity,
                                                guint32               uidnext,
                                                guint64               highestmodseq);
void          pf_store_batch_set_body          (PfStoreBatch         *batch,
                                                gint64                message_id,
                                                const char           *path,
                                                const char           *body_text);
void          pf_store_batch_take_folded_body  (PfStoreBatch         *batch,
                                                gint64                message_id,
                                                const char           *path,
                                                char                 *folded_text);

void          pf_store_batch_index_pending     (PfStoreBatch         *batch,
                                                guint                 max_messages);
void          pf_store_batch_pop3_forget       (PfStoreBatch         *batch,
                                                const char           *uidl);
void          pf_store_batch_set_durable       (PfStoreBatch         *batch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfStoreBatch, pf_store_batch_unref)

/**
 * PfStoreChanges:
 *
 * What a batch or a write changed in one folder, as given by
 * #PfStore::messages-changed: the ids of the messages that were inserted,
 * updated (flags, summary, body or thread) and removed. An id is in at
 * most one of the three lists; each list is sorted and free of
 * duplicates. Immutable and reference counted.
 */
typedef struct _PfStoreChanges PfStoreChanges;

#define PF_TYPE_STORE_CHANGES (pf_store_changes_get_type ())

GType           pf_store_changes_get_type     (void) G_GNUC_CONST;
PfStoreChanges *pf_store_changes_ref          (PfStoreChanges *changes);
void            pf_store_changes_unref        (PfStoreChanges *changes);
gint64          pf_store_changes_get_folder_id (PfStoreChanges *changes);
const gint64   *pf_store_changes_get_inserted (PfStoreChanges *changes,
                                               gsize          *n_ids);
const gint64   *pf_store_changes_get_indexed  (PfStoreChanges *changes,
                                               gsize          *n_ids);
const gint64   *pf_store_changes_get_updated  (PfStoreChanges *changes,
                                               gsize          *n_ids);
const gint64   *pf_store_changes_get_removed  (PfStoreChanges *changes,
                                               gsize          *n_ids);
gboolean        pf_store_changes_is_empty     (PfStoreChanges *changes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfStoreChanges, pf_store_changes_unref)

G_END_DECLS
