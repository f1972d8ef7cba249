/* pf-store-batch.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-store"

#include "config.h"

#include "pf-store-private.h"

/* PfStoreMessage */

/**
 * pf_store_message_new:
 *
 * Returns: (transfer full): an empty message summary, all fields 0/%NULL
 */
PfStoreMessage *
pf_store_message_new (void)
{
  return g_new0 (PfStoreMessage, 1);
}

/**
 * pf_store_message_copy:
 * @message: a #PfStoreMessage
 *
 * Returns: (transfer full): a deep copy of @message
 */
PfStoreMessage *
pf_store_message_copy (const PfStoreMessage *message)
{
  PfStoreMessage *copy;

  g_return_val_if_fail (message != NULL, NULL);

  copy = g_memdup2 (message, sizeof *message);
  copy->pop3_uidl = g_strdup (message->pop3_uidl);
  copy->keywords = g_strdup (message->keywords);
  copy->subject = g_strdup (message->subject);
  copy->from_name = g_strdup (message->from_name);
  copy->from_address = g_strdup (message->from_address);
  copy->to = g_strdup (message->to);
  copy->cc = g_strdup (message->cc);
  copy->message_id = g_strdup (message->message_id);
  copy->in_reply_to = g_strdup (message->in_reply_to);
  copy->references = g_strdup (message->references);
  copy->preview = g_strdup (message->preview);
  copy->body_path = g_strdup (message->body_path);

  return copy;
}

/**
 * pf_store_message_free:
 * @message: (nullable): a #PfStoreMessage
 *
 * Frees @message and its strings.
 */
void
pf_store_message_free (PfStoreMessage *message)
{
  if (message == NULL)
    return;

  g_free (message->pop3_uidl);
  g_free (message->keywords);
  g_free (message->subject);
  g_free (message->from_name);
  g_free (message->from_address);
  g_free (message->to);
  g_free (message->cc);
  g_free (message->message_id);
  g_free (message->in_reply_to);
  g_free (message->references);
  g_free (message->preview);
  g_free (message->body_path);
  g_free (message);
}

G_DEFINE_BOXED_TYPE (PfStoreMessage, pf_store_message, pf_store_message_copy, pf_store_message_free)

/**
 * pf_store_thread_free:
 * @thread: (nullable): a #PfStoreThread
 *
 * Frees @thread.
 */
void
pf_store_thread_free (PfStoreThread *thread)
{
  if (thread == NULL)
    return;

  g_free (thread->subject);
  g_free (thread);
}

/* PfStoreBatch */

G_DEFINE_BOXED_TYPE (PfStoreBatch, pf_store_batch, pf_store_batch_ref, pf_store_batch_unref)

static void
batch_op_clear (gpointer data)
{
  PfBatchOp *op = data;

  g_clear_pointer (&op->message, pf_store_message_free);
  g_clear_pointer (&op->keywords, g_free);
  g_clear_pointer (&op->numbers, g_array_unref);
  g_clear_pointer (&op->path, g_free);
  g_clear_pointer (&op->body_text, g_free);
  g_clear_pointer (&op->uidl, g_free);
}

/**
 * pf_store_batch_new:
 *
 * Returns: (transfer full): an empty batch
 */
PfStoreBatch *
pf_store_batch_new (void)
{
  PfStoreBatch *batch = g_new0 (PfStoreBatch, 1);

  g_atomic_ref_count_init (&batch->ref_count);
  batch->ops = g_array_new (FALSE, TRUE, sizeof (PfBatchOp));
  g_array_set_clear_func (batch->ops, batch_op_clear);

  return batch;
}

/**
 * pf_store_batch_ref:
 * @batch: a #PfStoreBatch
 *
 * Returns: (transfer full): @batch
 */
PfStoreBatch *
pf_store_batch_ref (PfStoreBatch *batch)
{
  g_return_val_if_fail (batch != NULL, NULL);

  g_atomic_ref_count_inc (&batch->ref_count);
  return batch;
}

/**
 * pf_store_batch_unref:
 * @batch: (transfer full): a #PfStoreBatch
 *
 * Drops a reference; the last one frees the batch.
 */
void
pf_store_batch_unref (PfStoreBatch *batch)
{
  g_return_if_fail (batch != NULL);

  if (g_atomic_ref_count_dec (&batch->ref_count))
    {
      g_array_unref (batch->ops);
      g_free (batch);
    }
}

/**
 * pf_store_batch_get_size:
 * @batch: a #PfStoreBatch
 *
 * Returns: the number of changes added so far
 */
guint
pf_store_batch_get_size (PfStoreBatch *batch)
{
  g_return_val_if_fail (batch != NULL, 0);

  return batch->ops->len;
}

static PfBatchOp *
batch_append (PfStoreBatch  *batch,
              PfBatchOpKind  kind,
              gint64         folder_id)
{
  PfBatchOp op = { 0, };

  op.kind = kind;
  op.folder_id = folder_id;
  g_array_append_val (batch->ops, op);

  return &g_array_index (batch->ops, PfBatchOp, batch->ops->len - 1);
}

/**
 * pf_store_batch_take_message:
 * @batch: a #PfStoreBatch
 * @message: (transfer full): the message summary
 *
 * Inserts @message into its folder (@message->folder_id), or, if the
 * folder has a message with the same UID, replaces that message's summary
 * (flags included; its thread, and its body unless @message has one, are
 * kept). The id and thread id of @message are ignored.
 *
 * If @message->uid is 0 and the folder is local-only, the store assigns
 * the folder's next local UID.
 */
void
pf_store_batch_take_message (PfStoreBatch   *batch,
                             PfStoreMessage *message)
{
  pf_store_batch_take_message_with_text (batch, message, NULL);
}

/**
 * pf_store_batch_take_message_with_text:
 * @batch: a #PfStoreBatch
 * @message: (transfer full): the message summary, with its @body_path
 * @folded_text: (nullable) (transfer full): its body text, folded with
 *   pf_store_fold_text()
 *
 * Like pf_store_batch_take_message(), for a message whose body is here
 * already (a POP3 download, a local copy): a new message goes into the
 * full-text index at once, with @folded_text.
 */
void
pf_store_batch_take_message_with_text (PfStoreBatch   *batch,
                                       PfStoreMessage *message,
                                       char           *folded_text)
{
  PfBatchOp *op;

  g_return_if_fail (batch != NULL);
  g_return_if_fail (message != NULL);
  g_return_if_fail (message->folder_id > 0);

  op = batch_append (batch, PF_BATCH_OP_MESSAGE, message->folder_id);
  op->message = message;
  op->body_text = folded_text;
}

/**
 * pf_store_batch_add_message:
 * @batch: a #PfStoreBatch
 * @message: the message summary (copied)
 *
 * Like pf_store_batch_take_message(), with a copy of @message.
 */
void
pf_store_batch_add_message (PfStoreBatch         *batch,
                            const PfStoreMessage *message)
{
  g_return_if_fail (message != NULL);

  pf_store_batch_take_message (batch, pf_store_message_copy (message));
}

/**
 * pf_store_batch_set_flags:
 * @batch: a #PfStoreBatch
 * @folder_id: the folder
 * @uid: the message's UID
 * @flags: the new system flags
 * @keywords: (nullable): the new keywords, separated by spaces
 * @modseq: the new MODSEQ, or 0 to keep the stored one
 *
 * Sets the flags of a message as the server reported them (FETCH FLAGS).
 * A UID the store does not have is ignored.
 */
void
pf_store_batch_set_flags (PfStoreBatch *batch,
                          gint64        folder_id,
                          guint32       uid,
                          PfStoreFlags  flags,
                          const char   *keywords,
                          guint64       modseq)
{
  PfBatchOp *op;

  g_return_if_fail (batch != NULL);

  op = batch_append (batch, PF_BATCH_OP_FLAGS, folder_id);
  op->uid = uid;
  op->flags = flags & PF_STORE_FLAGS_ALL;
  op->keywords = (keywords != NULL && *keywords != '\0') ? g_strdup (keywords) : NULL;
  op->modseq = modseq;
}

/**
 * pf_store_batch_expunge_uids:
 * @batch: a #PfStoreBatch
 * @folder_id: the folder
 * @uids: (array length=n_uids): the UIDs to remove
 * @n_uids: the number of @uids
 *
 * Removes messages (and their files) by UID. UIDs the store does not have
 * are ignored.
 */
void
pf_store_batch_expunge_uids (PfStoreBatch  *batch,
                             gint64         folder_id,
                             const guint32 *uids,
                             gsize          n_uids)
{
  PfBatchOp *op;

  g_return_if_fail (batch != NULL);
  g_return_if_fail (uids != NULL || n_uids == 0);

  op = batch_append (batch, PF_BATCH_OP_EXPUNGE_UIDS, folder_id);
  op->numbers = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n_uids);
  g_array_append_vals (op->numbers, uids, n_uids);
}

/**
 * pf_store_batch_expunge_range:
 * @batch: a #PfStoreBatch
 * @folder_id: the folder
 * @first_uid: the first UID to remove
 * @last_uid: the last UID to remove, or 0 for all from @first_uid on
 *
 * Removes all messages of a folder in a UID range (inclusive).
 */
void
pf_store_batch_expunge_range (PfStoreBatch *batch,
                              gint64        folder_id,
                              guint32       first_uid,
                              guint32       last_uid)
{
  PfBatchOp *op;

  g_return_if_fail (batch != NULL);

  op = batch_append (batch, PF_BATCH_OP_EXPUNGE_RANGE, folder_id);
  op->first_uid = first_uid;
  op->last_uid = last_uid == 0 ? G_MAXUINT32 : last_uid;
}

/**
 * pf_store_batch_expunge_ids:
 * @batch: a #PfStoreBatch
 * @message_ids: (array length=n_message_ids): message ids of this store
 * @n_message_ids: the number of @message_ids
 *
 * Removes messages (and their files) by id, in whatever folder they are.
 */
void
pf_store_batch_expunge_ids (PfStoreBatch *batch,
                            const gint64 *message_ids,
                            gsize         n_message_ids)
{
  PfBatchOp *op;

  g_return_if_fail (batch != NULL);
  g_return_if_fail (message_ids != NULL || n_message_ids == 0);

  op = batch_append (batch, PF_BATCH_OP_EXPUNGE_IDS, 0);
  op->numbers = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n_message_ids);
  g_array_append_vals (op->numbers, message_ids, n_message_ids);
}

/**
 * pf_store_batch_set_folder_state:
 * @batch: a #PfStoreBatch
 * @folder_id: the folder
 * @uidvalidity: the new UIDVALIDITY
 * @uidnext: the new UIDNEXT
 * @highestmodseq: the new HIGHESTMODSEQ
 *
 * Records what the server said about a folder, typically as the last
 * change of the batch that brings the folder up to date, so the counters
 * only move forward together with the messages.
 */
void
pf_store_batch_set_folder_state (PfStoreBatch *batch,
                                 gint64        folder_id,
                                 guint32       uidvalidity,
                                 guint32       uidnext,
                                 guint64       highestmodseq)
{
  PfBatchOp *op;

  g_return_if_fail (batch != NULL);

  op = batch_append (batch, PF_BATCH_OP_FOLDER_STATE, folder_id);
  op->uidvalidity = uidvalidity;
  op->uidnext = uidnext;
  op->highestmodseq = highestmodseq;
}

/**
 * pf_store_batch_set_body:
 * @batch: a #PfStoreBatch
 * @message_id: the message's id
 * @path: (nullable): the absolute path of its Maildir file, %NULL to keep
 *   the stored one
 * @body_text: (nullable): its plain text for the full-text index, %NULL
 *   to keep the indexed one
 *
 * Records a downloaded body, as pf_store_set_body() does. The text is
 * folded for the index (pf_store_fold_text()) here, in the calling
 * thread; a worker thread that has the text can fold it itself and use
 * pf_store_batch_take_folded_body().
 */
void
pf_store_batch_set_body (PfStoreBatch *batch,
                         gint64        message_id,
                         const char   *path,
                         const char   *body_text)
{
  g_return_if_fail (batch != NULL);

  pf_store_batch_take_folded_body (batch, message_id, path, pf_store_fold_text (body_text));
}

/**
 * pf_store_batch_take_folded_body:
 * @batch: a #PfStoreBatch
 * @message_id: the message's id
 * @path: (nullable): as for pf_store_batch_set_body()
 * @folded_text: (nullable) (transfer full): its plain text, already
 *   folded with pf_store_fold_text()
 *
 * As pf_store_batch_set_body(), for text folded beforehand, so that the
 * store's writer does not spend its time on it.
 */
void
pf_store_batch_take_folded_body (PfStoreBatch *batch,
                                 gint64        message_id,
                                 const char   *path,
                                 char         *folded_text)
{
  PfBatchOp *op;

  g_return_if_fail (batch != NULL);

  op = batch_append (batch, PF_BATCH_OP_BODY, 0);
  op->message_id = message_id;
  op->path = g_strdup (path);
  op->body_text = folded_text;
}

/**
 * pf_store_batch_index_pending:
 * @batch: a #PfStoreBatch
 * @max_messages: how many messages to index at most
 *
 * Adds up to @max_messages stored messages that are not in the full-text
 * index yet (see pf_store_count_unindexed()) to it. Summaries are stored
 * first and indexed by this afterwards, so that a large sync is not
 * slowed down by the index; the sync layer queues it in chunks.
 */
void
pf_store_batch_index_pending (PfStoreBatch *batch,
                              guint         max_messages)
{
  PfBatchOp *op;

  g_return_if_fail (batch != NULL);

  op = batch_append (batch, PF_BATCH_OP_INDEX_PENDING, 0);
  op->count = max_messages;
}

/**
 * pf_store_batch_pop3_forget:
 * @batch: a #PfStoreBatch
 * @uidl: a POP3 UIDL
 *
 * Forgets that @uidl was downloaded (see pf_store_pop3_list_seen()): for
 * a message the server deleted or no longer lists. Its local copy, if
 * any, stays.
 */
void
pf_store_batch_pop3_forget (PfStoreBatch *batch,
                            const char   *uidl)
{
  PfBatchOp *op;

  g_return_if_fail (batch != NULL);
  g_return_if_fail (uidl != NULL);

  op = batch_append (batch, PF_BATCH_OP_POP3_FORGET, 0);
  op->uidl = g_strdup (uidl);
}

/**
 * pf_store_batch_set_durable:
 * @batch: a #PfStoreBatch
 *
 * Makes the commit of @batch durable before pf_store_apply_batch_async()
 * reports it: the write-ahead log is fsynced at the commit. Usually a
 * power loss may take the last commits back (the server still has what
 * they stored); a POP3 download that is deleted on the server next has
 * no other copy.
 */
void
pf_store_batch_set_durable (PfStoreBatch *batch)
{
  g_return_if_fail (batch != NULL);

  batch->durable = TRUE;
}

/* PfStoreChanges */

struct _PfStoreChanges
{
  gatomicrefcount  ref_count;
  gint64           folder_id;
  GArray          *inserted;
  GArray          *updated;
  GArray          *removed;
  GArray          *indexed;
};

G_DEFINE_BOXED_TYPE (PfStoreChanges, pf_store_changes, pf_store_changes_ref, pf_store_changes_unref)

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static GArray *
sorted_or_empty (GArray *array)
{
  if (array == NULL)
    return g_array_new (FALSE, FALSE, sizeof (gint64));

  g_array_sort (array, compare_int64);
  return array;
}

PfStoreChanges *
_pf_store_changes_new (gint64  folder_id,
                       GArray *inserted,
                       GArray *updated,
                       GArray *removed,
                       GArray *indexed)
{
  PfStoreChanges *changes = g_new0 (PfStoreChanges, 1);

  g_atomic_ref_count_init (&changes->ref_count);
  changes->folder_id = folder_id;
  changes->inserted = sorted_or_empty (inserted);
  changes->updated = sorted_or_empty (updated);
  changes->removed = sorted_or_empty (removed);
  changes->indexed = sorted_or_empty (indexed);

  return changes;
}

/**
 * pf_store_changes_ref:
 * @changes: a #PfStoreChanges
 *
 * Returns: (transfer full): @changes
 */
PfStoreChanges *
pf_store_changes_ref (PfStoreChanges *changes)
{
  g_return_val_if_fail (changes != NULL, NULL);

  g_atomic_ref_count_inc (&changes->ref_count);
  return changes;
}

/**
 * pf_store_changes_unref:
 * @changes: (transfer full): a #PfStoreChanges
 *
 * Drops a reference.
 */
void
pf_store_changes_unref (PfStoreChanges *changes)
{
  g_return_if_fail (changes != NULL);

  if (g_atomic_ref_count_dec (&changes->ref_count))
    {
      g_array_unref (changes->inserted);
      g_array_unref (changes->updated);
      g_array_unref (changes->removed);
      g_array_unref (changes->indexed);
      g_free (changes);
    }
}

/**
 * pf_store_changes_get_folder_id:
 * @changes: a #PfStoreChanges
 *
 * Returns: the folder the changes are in
 */
gint64
pf_store_changes_get_folder_id (PfStoreChanges *changes)
{
  g_return_val_if_fail (changes != NULL, 0);

  return changes->folder_id;
}

/**
 * pf_store_changes_get_inserted:
 * @changes: a #PfStoreChanges
 * @n_ids: (out): the number of ids
 *
 * Returns: (array length=n_ids) (transfer none): the ids of the new
 *   messages, ascending
 */
const gint64 *
pf_store_changes_get_inserted (PfStoreChanges *changes,
                               gsize          *n_ids)
{
  g_return_val_if_fail (changes != NULL, NULL);
  g_return_val_if_fail (n_ids != NULL, NULL);

  *n_ids = changes->inserted->len;
  return (const gint64 *) (gpointer) changes->inserted->data;
}

/**
 * pf_store_changes_get_updated:
 * @changes: a #PfStoreChanges
 * @n_ids: (out): the number of ids
 *
 * Returns: (array length=n_ids) (transfer none): the ids of the changed
 *   messages, ascending
 */
const gint64 *
pf_store_changes_get_updated (PfStoreChanges *changes,
                              gsize          *n_ids)
{
  g_return_val_if_fail (changes != NULL, NULL);
  g_return_val_if_fail (n_ids != NULL, NULL);

  *n_ids = changes->updated->len;
  return (const gint64 *) (gpointer) changes->updated->data;
}

/**
 * pf_store_changes_get_removed:
 * @changes: a #PfStoreChanges
 * @n_ids: (out): the number of ids
 *
 * Returns: (array length=n_ids) (transfer none): the ids of the removed
 *   messages, ascending
 */
const gint64 *
pf_store_changes_get_removed (PfStoreChanges *changes,
                              gsize          *n_ids)
{
  g_return_val_if_fail (changes != NULL, NULL);
  g_return_val_if_fail (n_ids != NULL, NULL);

  *n_ids = changes->removed->len;
  return (const gint64 *) (gpointer) changes->removed->data;
}

/**
 * pf_store_changes_get_indexed:
 * @changes: a #PfStoreChanges
 * @n_ids: (out): the number of ids
 *
 * Messages that reached the full-text index and changed in no other way:
 * what a search may find now, nothing a list shows.
 *
 * Returns: (array length=n_ids) (transfer none): their ids, ascending
 */
const gint64 *
pf_store_changes_get_indexed (PfStoreChanges *changes,
                              gsize          *n_ids)
{
  g_return_val_if_fail (changes != NULL, NULL);
  g_return_val_if_fail (n_ids != NULL, NULL);

  *n_ids = changes->indexed->len;
  return (const gint64 *) (gpointer) changes->indexed->data;
}

/**
 * pf_store_changes_is_empty:
 * @changes: a #PfStoreChanges
 *
 * Returns: %TRUE if no message was inserted, updated, removed or indexed
 */
gboolean
pf_store_changes_is_empty (PfStoreChanges *changes)
{
  g_return_val_if_fail (changes != NULL, TRUE);

  return changes->inserted->len == 0 && changes->updated->len == 0 &&
         changes->removed->len == 0 && changes->indexed->len == 0;
}

/* PfChangeSet: per folder, one table message id → what happened. */

typedef enum
{
  CHANGE_INSERTED = 1,
  CHANGE_UPDATED  = 2,
  CHANGE_REMOVED  = 3,
  CHANGE_INDEXED  = 4,   /* only searches care: weaker than any other */
} ChangeKind;

struct _PfChangeSet
{
  GHashTable *folders;   /* gint64* folder id → GHashTable (gint64* → ChangeKind) */
  GArray     *folder_ids;
};

PfChangeSet *
_pf_change_set_new (void)
{
  PfChangeSet *set = g_new0 (PfChangeSet, 1);

  set->folders = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                        (GDestroyNotify) g_hash_table_unref);
  set->folder_ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  return set;
}

void
_pf_change_set_free (PfChangeSet *set)
{
  if (set == NULL)
    return;

  g_hash_table_unref (set->folders);
  g_array_unref (set->folder_ids);
  g_free (set);
}

static GHashTable *
change_set_folder (PfChangeSet *set,
                   gint64       folder_id)
{
  GHashTable *table = g_hash_table_lookup (set->folders, &folder_id);

  if (table == NULL)
    {
      table = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
      g_hash_table_insert (set->folders, g_memdup2 (&folder_id, sizeof folder_id), table);
      g_array_append_val (set->folder_ids, folder_id);
    }

  return table;
}

void
_pf_change_set_folder (PfChangeSet *set,
                       gint64       folder_id)
{
  change_set_folder (set, folder_id);
}

static void
change_set_record (PfChangeSet *set,
                   gint64       folder_id,
                   gint64       message_id,
                   ChangeKind   kind)
{
  GHashTable *table = change_set_folder (set, folder_id);
  ChangeKind old = GPOINTER_TO_INT (g_hash_table_lookup (table, &message_id));
  ChangeKind result = kind;

  /* Inserted then updated stays inserted; inserted then removed never
   * happened; removed then inserted again (same id cannot come back) is
   * not possible with INTEGER PRIMARY KEY reuse avoided by the caller. */
  if (kind == CHANGE_INDEXED && old != 0)
    return;
  if (old == CHANGE_INSERTED && kind == CHANGE_UPDATED)
    result = CHANGE_INSERTED;
  else if (old == CHANGE_INSERTED && kind == CHANGE_REMOVED)
    {
      g_hash_table_remove (table, &message_id);
      return;
    }
  else if (old == CHANGE_REMOVED && kind == CHANGE_UPDATED)
    result = CHANGE_REMOVED;

  g_hash_table_insert (table, g_memdup2 (&message_id, sizeof message_id),
                       GINT_TO_POINTER (result));
}

void
_pf_change_set_inserted (PfChangeSet *set,
                         gint64       folder_id,
                         gint64       message_id)
{
  change_set_record (set, folder_id, message_id, CHANGE_INSERTED);
}

void
_pf_change_set_updated (PfChangeSet *set,
                        gint64       folder_id,
                        gint64       message_id)
{
  change_set_record (set, folder_id, message_id, CHANGE_UPDATED);
}

void
_pf_change_set_indexed (PfChangeSet *set,
                        gint64       folder_id,
                        gint64       message_id)
{
  change_set_record (set, folder_id, message_id, CHANGE_INDEXED);
}

void
_pf_change_set_removed (PfChangeSet *set,
                        gint64       folder_id,
                        gint64       message_id)
{
  change_set_record (set, folder_id, message_id, CHANGE_REMOVED);
}

GArray *
_pf_change_set_get_folders (PfChangeSet *set)
{
  return set->folder_ids;
}

/* Returns: (element-type PfStoreChanges): one entry per touched folder,
 * in the order they were first touched. */
GPtrArray *
_pf_change_set_steal_changes (PfChangeSet *set)
{
  GPtrArray *result = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_store_changes_unref);

  for (guint i = 0; i < set->folder_ids->len; i++)
    {
      gint64 folder_id = g_array_index (set->folder_ids, gint64, i);
      GHashTable *table = g_hash_table_lookup (set->folders, &folder_id);
      GArray *lists[5] = { NULL, };
      GHashTableIter iter;
      gpointer key, value;

      for (guint k = 1; k <= 4; k++)
        lists[k] = g_array_new (FALSE, FALSE, sizeof (gint64));

      g_hash_table_iter_init (&iter, table);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_array_append_val (lists[GPOINTER_TO_INT (value)], *(gint64 *) key);

      g_ptr_array_add (result, _pf_store_changes_new (folder_id, lists[CHANGE_INSERTED],
                                                      lists[CHANGE_UPDATED],
                                                      lists[CHANGE_REMOVED],
                                                      lists[CHANGE_INDEXED]));
    }

  return result;
}
