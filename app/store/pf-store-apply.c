/* pf-store-apply.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-store"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "pf-store-private.h"

/*
 * Applying a PfStoreBatch on the writer connection, in a worker thread:
 * one transaction, prepared statements kept for the life of the
 * connection, full-text rows written in the same transaction.
 *
 * Threading is JWZ's algorithm (https://www.jwz.org/doc/threading.html)
 * made incremental: thread_refs maps every Message-ID seen (of a stored
 * message, or only referenced by one) to a thread, i.e. it holds JWZ's
 * containers. A new message joins the threads of all its own and
 * referenced ids; if those are in different threads, the threads merge.
 * Without any link, the subject (without "Re:", "AW:", "Fwd:", "WG:", …)
 * groups a reply with an existing conversation, and a root with a
 * conversation of replies that is still missing its root.
 */

enum
{
  STMT_SELECT_BY_UID,
  STMT_MAX_UID,
  STMT_FOLDER_EXISTS,
  STMT_INSERT_MESSAGE,
  STMT_UPDATE_MESSAGE,
  STMT_INSERT_FTS,
  STMT_UPDATE_FTS,
  STMT_UPDATE_FLAGS,
  STMT_UPDATE_MODSEQ,
  STMT_DELETE_UID,
  STMT_DELETE_RANGE,
  STMT_DELETE_ID,
  STMT_FOLDER_STATE,
  STMT_SET_BODY_PATH,
  STMT_SET_BODY_TEXT,
  STMT_ALLOCATE_UID,
  STMT_REF_LOOKUP,
  STMT_REF_INSERT,
  STMT_THREAD_BY_SUBJECT,
  STMT_THREAD_ROOTLESS_BY_SUBJECT,
  STMT_THREAD_INSERT,
  STMT_THREAD_SET_ROOT,
  STMT_MERGE_REFS,
  STMT_MERGE_THREAD_INFO,
  STMT_MERGE_MESSAGES,
  STMT_THREAD_DELETE,
  STMT_IS_PENDING,
  STMT_ADD_FOLDER_COUNTS,
  STMT_ADD_THREAD_COUNTS,
  STMT_POP3_SEEN,
  STMT_POP3_FORGET,
  N_STMTS
};

static const char *const stmt_sql[N_STMTS] = {
  [STMT_SELECT_BY_UID] =
    "SELECT id FROM messages WHERE folder_id = ?1 AND uid = ?2",
  [STMT_MAX_UID] =
    "SELECT coalesce (max (uid), 0) FROM messages WHERE folder_id = ?1",
  [STMT_FOLDER_EXISTS] =
    "SELECT id FROM folders WHERE id = ?1",
  [STMT_INSERT_MESSAGE] =
    "INSERT INTO messages (folder_id, uid, pop3_uidl, pop3_downloaded, flags, keywords,"
    " internal_date, date, sort_date, size, subject, from_name, from_address, to_list,"
    " cc_list, message_id, in_reply_to, refs, thread_id, has_attachment, preview,"
    " body_path, modseq)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
    " ?18, ?19, ?20, ?21, ?22, ?23)",
  [STMT_UPDATE_MESSAGE] =
    "UPDATE messages SET pop3_uidl = coalesce (?3, pop3_uidl),"
    " pop3_downloaded = max (?4, pop3_downloaded), flags = ?5, keywords = ?6,"
    " internal_date = ?7, date = ?8, sort_date = ?9, size = ?10, subject = ?11,"
    " from_name = ?12, from_address = ?13, to_list = ?14, cc_list = ?15,"
    " message_id = ?16, in_reply_to = ?17, refs = ?18, has_attachment = ?20,"
    " preview = ?21, body_path = coalesce (?22, body_path), modseq = max (?23, modseq)"
    " WHERE id = ?24",
  [STMT_INSERT_FTS] =
    "INSERT OR IGNORE INTO fts_pending (message_id) VALUES (?1)",
  [STMT_UPDATE_FTS] =
    "UPDATE messages_fts SET subject = ?2, addresses = ?3 WHERE rowid = ?1",
  [STMT_UPDATE_FLAGS] =
    "UPDATE messages SET flags = ?3, keywords = ?4,"
    " modseq = CASE WHEN ?5 = 0 THEN modseq ELSE ?5 END"
    " WHERE folder_id = ?1 AND uid = ?2 AND (flags != ?3 OR keywords IS NOT ?4)"
    " RETURNING id",
  [STMT_UPDATE_MODSEQ] =
    "UPDATE messages SET modseq = ?3 WHERE folder_id = ?1 AND uid = ?2 AND modseq != ?3",
  [STMT_DELETE_UID] =
    "DELETE FROM messages WHERE folder_id = ?1 AND uid = ?2 RETURNING id, body_path",
  [STMT_DELETE_RANGE] =
    "DELETE FROM messages WHERE folder_id = ?1 AND uid BETWEEN ?2 AND ?3"
    " RETURNING id, body_path",
  [STMT_DELETE_ID] =
    "DELETE FROM messages WHERE id = ?1 RETURNING folder_id, body_path",
  [STMT_FOLDER_STATE] =
    "UPDATE folders SET uidvalidity = ?2, uidnext = ?3, highestmodseq = ?4 WHERE id = ?1",
  [STMT_SET_BODY_PATH] =
    "UPDATE messages SET body_path = coalesce (?2, body_path) WHERE id = ?1"
    " RETURNING folder_id",
  [STMT_SET_BODY_TEXT] =
    "UPDATE messages_fts SET body = ?2 WHERE rowid = ?1",
  [STMT_ALLOCATE_UID] =
    "UPDATE folders SET uidnext = max (uidnext, 1) + 1 WHERE id = ?1 RETURNING uidnext - 1",
  [STMT_REF_LOOKUP] =
    "SELECT thread_id FROM thread_refs WHERE message_id = ?1",
  [STMT_REF_INSERT] =
    "INSERT OR REPLACE INTO thread_refs (message_id, thread_id) VALUES (?1, ?2)",
  [STMT_THREAD_BY_SUBJECT] =
    "SELECT id FROM threads WHERE subject_key = ?1 ORDER BY latest_date DESC LIMIT 1",
  [STMT_THREAD_ROOTLESS_BY_SUBJECT] =
    "SELECT id FROM threads WHERE subject_key = ?1 AND has_root = 0"
    " ORDER BY latest_date DESC LIMIT 1",
  [STMT_THREAD_INSERT] =
    "INSERT INTO threads (subject, subject_key, has_root, latest_date, message_count,"
    " unread_count) VALUES (?1, ?2, ?3, ?4, 1, ?5)",
  [STMT_THREAD_SET_ROOT] =
    "UPDATE threads SET has_root = 1, subject = ?2 WHERE id = ?1 AND has_root = 0",
  [STMT_MERGE_REFS] =
    "UPDATE thread_refs SET thread_id = ?1 WHERE thread_id = ?2",
  [STMT_MERGE_THREAD_INFO] =
    "UPDATE threads SET"
    " subject = CASE WHEN threads.has_root = 0 AND o.has_root = 1"
    "           THEN o.subject ELSE threads.subject END,"
    " has_root = max (threads.has_root, o.has_root)"
    " FROM (SELECT has_root, subject FROM threads WHERE id = ?2) AS o"
    " WHERE threads.id = ?1",
  [STMT_MERGE_MESSAGES] =
    "UPDATE messages SET thread_id = ?1 WHERE thread_id = ?2 RETURNING id, folder_id",
  [STMT_THREAD_DELETE] =
    "DELETE FROM threads WHERE id = ?1",
  [STMT_IS_PENDING] =
    "SELECT message_id FROM fts_pending WHERE message_id = ?1",
  [STMT_ADD_FOLDER_COUNTS] =
    "UPDATE folders SET total_count = total_count + ?2, unread_count = unread_count + ?3"
    " WHERE id = ?1",
  [STMT_ADD_THREAD_COUNTS] =
    "UPDATE threads SET message_count = message_count + ?2, unread_count = unread_count + ?3,"
    " latest_date = max (latest_date, ?4) WHERE id = ?1",
  [STMT_POP3_SEEN] =
    "INSERT INTO pop3_seen (uidl, downloaded) VALUES (?1, ?2)"
    " ON CONFLICT (uidl) DO UPDATE SET deleted = 0",
  [STMT_POP3_FORGET] =
    "DELETE FROM pop3_seen WHERE uidl = ?1",
};

/* What inserted messages add to a folder's or a thread's counters, not
 * written yet (see flush_counts()). */
typedef struct
{
  gint64 total;
  gint64 unread;
  gint64 latest_date;
} PendingCounts;

struct _PfStoreWriterDb
{
  sqlite3      *db;
  char         *data_dir;
  sqlite3_stmt *stmts[N_STMTS];
  GHashTable   *folders;   /* folder ids known to exist in this transaction */
  GHashTable   *folder_counts;  /* folder id → PendingCounts */
  GHashTable   *thread_counts;  /* thread id → PendingCounts */
  GHashTable   *max_uids;  /* folder id → highest UID stored, in this transaction */
};

PfStoreWriterDb *
_pf_store_writer_db_new (sqlite3    *db,
                         const char *data_dir)
{
  PfStoreWriterDb *wdb = g_new0 (PfStoreWriterDb, 1);

  wdb->db = db;
  wdb->data_dir = g_strdup (data_dir);
  wdb->folders = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  wdb->folder_counts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  wdb->thread_counts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  wdb->max_uids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  /* Foreign key checks would double the cost of a message insert (the
   * counter triggers update the parent row); the writer checks the one
   * reference it creates, messages.folder_id, itself. */
  sqlite3_exec (db, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL);

  return wdb;
}

void
_pf_store_writer_db_free (PfStoreWriterDb *wdb)
{
  if (wdb == NULL)
    return;

  for (guint i = 0; i < N_STMTS; i++)
    sqlite3_finalize (wdb->stmts[i]);
  sqlite3_close (wdb->db);
  g_hash_table_unref (wdb->folders);
  g_hash_table_unref (wdb->folder_counts);
  g_hash_table_unref (wdb->thread_counts);
  g_hash_table_unref (wdb->max_uids);
  g_free (wdb->data_dir);
  g_free (wdb);
}

static sqlite3_stmt *
get_stmt (PfStoreWriterDb  *wdb,
          guint             which,
          GError          **error)
{
  if (wdb->stmts[which] == NULL)
    {
      int rc = sqlite3_prepare_v3 (wdb->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                                   &wdb->stmts[which], NULL);

      if (rc != SQLITE_OK)
        {
          _pf_store_set_error (error, wdb->db, rc, stmt_sql[which]);
          return NULL;
        }
    }

  sqlite3_reset (wdb->stmts[which]);
  sqlite3_clear_bindings (wdb->stmts[which]);
  return wdb->stmts[which];
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, index);
}

static void
bind_text_take (sqlite3_stmt *stmt,
                int           index,
                char         *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, g_free);
  else
    sqlite3_bind_null (stmt, index);
}

/* Steps a statement that returns no rows. */
static gboolean
step_done (PfStoreWriterDb  *wdb,
           sqlite3_stmt     *stmt,
           GError          **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return _pf_store_set_error (error, wdb->db, rc, sqlite3_sql (stmt));

  sqlite3_reset (stmt);
  return TRUE;
}

/* Threading */

/* Counters
 *
 * A new message adds to its folder's total/unread and to its thread's
 * message_count/unread_count/latest_date. Rather than two UPDATEs per
 * row, the writer sums these per folder and thread and writes them with
 * flush_counts(): before anything else that reads or changes counters or
 * moves messages between threads (the triggers of UPDATE and DELETE work
 * on the stored values), and before the commit. */

static void
add_pending (GHashTable *table,
             gint64      id,
             gboolean    unread,
             gint64      date)
{
  PendingCounts *counts = g_hash_table_lookup (table, &id);

  if (counts == NULL)
    {
      counts = g_new0 (PendingCounts, 1);
      g_hash_table_insert (table, g_memdup2 (&id, sizeof id), counts);
    }
  counts->total++;
  counts->unread += unread ? 1 : 0;
  counts->latest_date = MAX (counts->latest_date, date);
}

static void
count_inserted (PfStoreWriterDb *wdb,
                PfStoreMessage  *m,
                gint64           sort_date,
                gboolean         new_thread)
{
  guint flags = m->flags & PF_STORE_FLAGS_ALL;

  /* As the triggers count: total = not \Deleted, unread = neither \Seen
   * nor \Deleted; a thread counts all its messages, unread = not \Seen. */
  if (!(flags & PF_STORE_FLAG_DELETED))
    add_pending (wdb->folder_counts, m->folder_id, !(flags & PF_STORE_FLAG_SEEN), 0);
  /* A thread created for this message was inserted with its counts. */
  if (!new_thread)
    add_pending (wdb->thread_counts, m->thread_id, !(flags & PF_STORE_FLAG_SEEN), sort_date);
}

static gboolean
flush_table (PfStoreWriterDb  *wdb,
             GHashTable       *table,
             guint             which,
             GError          **error)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      PendingCounts *counts = value;
      sqlite3_stmt *stmt;

      if (!(stmt = get_stmt (wdb, which, error)))
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, *(gint64 *) key);
      sqlite3_bind_int64 (stmt, 2, counts->total);
      sqlite3_bind_int64 (stmt, 3, counts->unread);
      if (which == STMT_ADD_THREAD_COUNTS)
        sqlite3_bind_int64 (stmt, 4, counts->latest_date);
      if (!step_done (wdb, stmt, error))
        return FALSE;
      g_hash_table_iter_remove (&iter);
    }

  return TRUE;
}

static gboolean
flush_counts (PfStoreWriterDb  *wdb,
              GError          **error)
{
  return flush_table (wdb, wdb->folder_counts, STMT_ADD_FOLDER_COUNTS, error) &&
         flush_table (wdb, wdb->thread_counts, STMT_ADD_THREAD_COUNTS, error);
}

char *
_pf_store_normalize_message_id (const char *message_id)
{
  const char *start;
  const char *end;

  if (message_id == NULL)
    return NULL;

  start = message_id;
  while (g_ascii_isspace (*start) || *start == '<')
    start++;
  end = start + strlen (start);
  while (end > start && (g_ascii_isspace (end[-1]) || end[-1] == '>'))
    end--;

  if (end == start)
    return NULL;

  return g_strndup (start, end - start);
}

/* Adds the <…> ids of a References or In-Reply-To header to @ids. */
static void
collect_ids (GPtrArray  *ids,
             const char *header,
             guint       max)
{
  const char *p = header;

  while (p != NULL && ids->len < max)
    {
      const char *open = strchr (p, '<');
      const char *close;

      if (open == NULL)
        break;
      close = strchr (open + 1, '>');
      if (close == NULL)
        break;
      if (close > open + 1)
        {
          g_autofree char *id = g_strndup (open + 1, close - open - 1);
          gboolean seen = FALSE;

          g_strstrip (id);
          for (guint i = 0; i < ids->len && !seen; i++)
            seen = g_str_equal (ids->pdata[i], id);
          if (!seen && *id != '\0')
            g_ptr_array_add (ids, g_steal_pointer (&id));
        }
      p = close + 1;
    }
}

static gint64
select_single_id (PfStoreWriterDb  *wdb,
                  sqlite3_stmt     *stmt,
                  GError          **error)
{
  int rc = sqlite3_step (stmt);
  gint64 id = 0;

  if (rc == SQLITE_ROW)
    id = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    {
      _pf_store_set_error (error, wdb->db, rc, sqlite3_sql (stmt));
      id = -1;
    }
  sqlite3_reset (stmt);

  return id;
}

static gboolean
merge_thread (PfStoreWriterDb  *wdb,
              gint64            target,
              gint64            other,
              PfChangeSet      *changes,
              GError          **error)
{
  sqlite3_stmt *stmt;
  int rc;

  /* The update trigger moves the counters of the messages it re-threads. */
  if (!flush_counts (wdb, error))
    return FALSE;

  if (!(stmt = get_stmt (wdb, STMT_MERGE_REFS, error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, target);
  sqlite3_bind_int64 (stmt, 2, other);
  if (!step_done (wdb, stmt, error))
    return FALSE;

  if (!(stmt = get_stmt (wdb, STMT_MERGE_THREAD_INFO, error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, target);
  sqlite3_bind_int64 (stmt, 2, other);
  if (!step_done (wdb, stmt, error))
    return FALSE;

  if (!(stmt = get_stmt (wdb, STMT_MERGE_MESSAGES, error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, target);
  sqlite3_bind_int64 (stmt, 2, other);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    _pf_change_set_updated (changes, sqlite3_column_int64 (stmt, 1),
                            sqlite3_column_int64 (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _pf_store_set_error (error, wdb->db, rc, "merge threads");

  /* Gone already if it had messages (the update trigger deletes empty
   * threads); this covers a thread that had none. */
  if (!(stmt = get_stmt (wdb, STMT_THREAD_DELETE, error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, other);
  return step_done (wdb, stmt, error);
}

static gboolean
thread_message (PfStoreWriterDb  *wdb,
                PfStoreMessage   *message,
                gint64            sort_date,
                gboolean         *new_thread,
                PfChangeSet      *changes,
                GError          **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) threads = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) unknown = g_ptr_array_new ();
  g_autofree char *own_id = _pf_store_normalize_message_id (message->message_id);
  g_autofree char *subject_key = NULL;
  gboolean is_reply = FALSE;
  sqlite3_stmt *stmt;
  gint64 thread_id = 0;

  if (own_id != NULL)
    g_ptr_array_add (ids, g_strdup (own_id));
  /* The last references are the closest; a very long chain is cut. */
  collect_ids (ids, message->in_reply_to, 2);
  collect_ids (ids, message->references, 100);

  for (guint i = 0; i < ids->len; i++)
    {
      gint64 found;
      gboolean seen = FALSE;

      if (!(stmt = get_stmt (wdb, STMT_REF_LOOKUP, error)))
        return FALSE;
      sqlite3_bind_text (stmt, 1, ids->pdata[i], -1, SQLITE_STATIC);
      found = select_single_id (wdb, stmt, error);
      if (found < 0)
        return FALSE;
      if (found == 0)
        {
          /* Known ids keep their thread (a merge below moves them). */
          g_ptr_array_add (unknown, ids->pdata[i]);
          continue;
        }

      for (guint k = 0; k < threads->len && !seen; k++)
        seen = g_array_index (threads, gint64, k) == found;
      if (!seen)
        g_array_append_val (threads, found);
    }

  subject_key = pf_store_normalize_subject (message->subject, &is_reply);

  if (threads->len == 0 && *subject_key != '\0')
    {
      if (!(stmt = get_stmt (wdb, is_reply ? STMT_THREAD_BY_SUBJECT
                                           : STMT_THREAD_ROOTLESS_BY_SUBJECT, error)))
        return FALSE;
      sqlite3_bind_text (stmt, 1, subject_key, -1, SQLITE_STATIC);
      thread_id = select_single_id (wdb, stmt, error);
      if (thread_id < 0)
        return FALSE;
    }
  else if (threads->len > 0)
    {
      /* The oldest thread survives a merge. */
      thread_id = g_array_index (threads, gint64, 0);
      for (guint k = 1; k < threads->len; k++)
        thread_id = MIN (thread_id, g_array_index (threads, gint64, k));

      for (guint k = 0; k < threads->len; k++)
        {
          gint64 other = g_array_index (threads, gint64, k);

          if (other != thread_id && !merge_thread (wdb, thread_id, other, changes, error))
            return FALSE;
        }
    }

  *new_thread = thread_id == 0;
  if (thread_id == 0)
    {
      if (!(stmt = get_stmt (wdb, STMT_THREAD_INSERT, error)))
        return FALSE;
      bind_text (stmt, 1, message->subject);
      sqlite3_bind_text (stmt, 2, subject_key, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 3, !is_reply);
      sqlite3_bind_int64 (stmt, 4, sort_date);
      sqlite3_bind_int (stmt, 5, (message->flags & PF_STORE_FLAG_SEEN) ? 0 : 1);
      if (!step_done (wdb, stmt, error))
        return FALSE;
      thread_id = sqlite3_last_insert_rowid (wdb->db);
    }
  else if (!is_reply)
    {
      if (!(stmt = get_stmt (wdb, STMT_THREAD_SET_ROOT, error)))
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, thread_id);
      bind_text (stmt, 2, message->subject);
      if (!step_done (wdb, stmt, error))
        return FALSE;
    }

  for (guint i = 0; i < unknown->len; i++)
    {
      if (!(stmt = get_stmt (wdb, STMT_REF_INSERT, error)))
        return FALSE;
      sqlite3_bind_text (stmt, 1, unknown->pdata[i], -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, thread_id);
      if (!step_done (wdb, stmt, error))
        return FALSE;
    }

  message->thread_id = thread_id;
  return TRUE;
}

/* Full-text index */

/**
 * _pf_store_index_pending:
 * @db: a connection inside a write transaction
 * @only_message_id: index only this message (if it is pending), or 0
 * @max_messages: how many at most
 * @folded_body: (nullable): with @only_message_id, its body text, folded
 *   with pf_store_fold_text()
 * @changes: (nullable): records the indexed messages as such, so that
 *   open search lists look at them again
 *
 * Moves messages from fts_pending into messages_fts.
 *
 * Returns: how many were indexed, or -1 on a SQLite error (see
 *   sqlite3_errcode())
 */
int
_pf_store_index_pending (sqlite3     *db,
                         gint64       only_message_id,
                         guint        max_messages,
                         const char  *folded_body,
                         PfChangeSet *changes)
{
  sqlite3_stmt *select = NULL;
  sqlite3_stmt *insert = NULL;
  sqlite3_stmt *remove = NULL;
  int count = 0;
  int rc;

  if (sqlite3_prepare_v2 (db, only_message_id != 0 ?
                          "SELECT m.id, m.subject, m.from_name, m.from_address, m.to_list,"
                          " m.cc_list, m.folder_id FROM fts_pending p"
                          " JOIN messages m ON m.id = p.message_id"
                          " WHERE p.message_id = ?1 LIMIT ?2" :
                          "SELECT m.id, m.subject, m.from_name, m.from_address, m.to_list,"
                          " m.cc_list, m.folder_id FROM fts_pending p"
                          " JOIN messages m ON m.id = p.message_id LIMIT ?2", -1, &select,
                          NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "INSERT INTO messages_fts (rowid, subject, addresses, body)"
                          " VALUES (?1, ?2, ?3, ?4)", -1, &insert, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "DELETE FROM fts_pending WHERE message_id = ?1", -1, &remove,
                          NULL) != SQLITE_OK)
    {
      count = -1;
      goto out;
    }

  sqlite3_bind_int64 (select, 1, only_message_id);
  sqlite3_bind_int64 (select, 2, max_messages);
  while ((rc = sqlite3_step (select)) == SQLITE_ROW)
    {
      PfStoreMessage m = { 0 };
      gint64 id = sqlite3_column_int64 (select, 0);

      m.subject = (char *) sqlite3_column_text (select, 1);
      m.from_name = (char *) sqlite3_column_text (select, 2);
      m.from_address = (char *) sqlite3_column_text (select, 3);
      m.to = (char *) sqlite3_column_text (select, 4);
      m.cc = (char *) sqlite3_column_text (select, 5);

      sqlite3_bind_int64 (insert, 1, id);
      sqlite3_bind_text (insert, 2, pf_store_fold_text (m.subject), -1, g_free);
      sqlite3_bind_text (insert, 3, _pf_store_fold_addresses (&m), -1, g_free);
      if (folded_body != NULL)
        sqlite3_bind_text (insert, 4, folded_body, -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (insert, 4);
      rc = sqlite3_step (insert);
      sqlite3_reset (insert);
      if (rc != SQLITE_DONE)
        {
          count = -1;
          goto out;
        }
      sqlite3_bind_int64 (remove, 1, id);
      rc = sqlite3_step (remove);
      sqlite3_reset (remove);
      if (rc != SQLITE_DONE)
        {
          count = -1;
          goto out;
        }
      if (changes != NULL)
        _pf_change_set_indexed (changes, sqlite3_column_int64 (select, 6), id);
      count++;
    }
  if (rc != SQLITE_DONE)
    count = -1;

out:
  sqlite3_finalize (select);
  sqlite3_finalize (insert);
  sqlite3_finalize (remove);
  return count;
}

/* Messages */

static void
bind_message (PfStoreWriterDb *wdb,
              sqlite3_stmt    *stmt,
              PfStoreMessage  *m,
              const char      *message_id,
              gint64           sort_date)
{
  sqlite3_bind_int64 (stmt, 1, m->folder_id);
  sqlite3_bind_int64 (stmt, 2, m->uid);
  bind_text (stmt, 3, m->pop3_uidl);
  sqlite3_bind_int64 (stmt, 4, m->pop3_downloaded);
  sqlite3_bind_int (stmt, 5, m->flags & PF_STORE_FLAGS_ALL);
  bind_text (stmt, 6, (m->keywords != NULL && *m->keywords != '\0') ? m->keywords : NULL);
  sqlite3_bind_int64 (stmt, 7, m->internal_date);
  sqlite3_bind_int64 (stmt, 8, m->date);
  sqlite3_bind_int64 (stmt, 9, sort_date);
  sqlite3_bind_int64 (stmt, 10, (gint64) m->size);
  bind_text (stmt, 11, m->subject);
  bind_text (stmt, 12, m->from_name);
  bind_text (stmt, 13, m->from_address);
  bind_text (stmt, 14, m->to);
  bind_text (stmt, 15, m->cc);
  bind_text (stmt, 16, message_id);
  bind_text (stmt, 17, m->in_reply_to);
  bind_text (stmt, 18, m->references);
  sqlite3_bind_int64 (stmt, 19, m->thread_id);
  sqlite3_bind_int (stmt, 20, m->has_attachment ? 1 : 0);
  bind_text (stmt, 21, m->preview);
  bind_text (stmt, 22, _pf_store_relative_path (wdb->data_dir, m->body_path));
  sqlite3_bind_int64 (stmt, 23, (gint64) m->modseq);
}

static gboolean
check_folder (PfStoreWriterDb  *wdb,
              gint64            folder_id,
              GError          **error)
{
  sqlite3_stmt *stmt;
  gint64 found;

  if (g_hash_table_contains (wdb->folders, &folder_id))
    return TRUE;

  if (!(stmt = get_stmt (wdb, STMT_FOLDER_EXISTS, error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  found = select_single_id (wdb, stmt, error);
  if (found < 0)
    return FALSE;
  if (found == 0)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                   _("The folder with id %lld does not exist"), (long long) folder_id);
      return FALSE;
    }

  g_hash_table_add (wdb->folders, g_memdup2 (&folder_id, sizeof folder_id));
  return TRUE;
}

static gboolean
apply_message (PfStoreWriterDb  *wdb,
               PfStoreMessage   *m,
               PfChangeSet      *changes,
               GError          **error)
{
  g_autofree char *message_id = _pf_store_normalize_message_id (m->message_id);
  sqlite3_stmt *stmt;
  gint64 sort_date = m->date != 0 ? m->date : m->internal_date;
  gint64 existing = 0;
  gint64 id;

  if (!check_folder (wdb, m->folder_id, error))
    return FALSE;

  if (m->uid == 0)
    {
      if (!(stmt = get_stmt (wdb, STMT_ALLOCATE_UID, error)))
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, m->folder_id);
      id = select_single_id (wdb, stmt, error);
      if (id < 0)
        return FALSE;
      if (id == 0)
        {
          g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                       _("The folder with id %lld does not exist"), (long long) m->folder_id);
          return FALSE;
        }
      m->uid = (guint32) id;
    }
  else
    {
      gint64 *max_uid = g_hash_table_lookup (wdb->max_uids, &m->folder_id);

      if (max_uid == NULL)
        {
          gint64 found;

          if (!(stmt = get_stmt (wdb, STMT_MAX_UID, error)))
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, m->folder_id);
          found = select_single_id (wdb, stmt, error);
          if (found < 0)
            return FALSE;
          max_uid = g_new (gint64, 2);
          max_uid[0] = m->folder_id;
          max_uid[1] = found;
          g_hash_table_insert (wdb->max_uids, max_uid, max_uid + 1);
          max_uid = max_uid + 1;
        }

      /* Above every stored UID (a first sync, new mail): nothing to look up. */
      if (m->uid <= *max_uid)
        {
          if (!(stmt = get_stmt (wdb, STMT_SELECT_BY_UID, error)))
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, m->folder_id);
          sqlite3_bind_int64 (stmt, 2, m->uid);
          existing = select_single_id (wdb, stmt, error);
          if (existing < 0)
            return FALSE;
        }
    }

  if (existing == 0)
    {
      gboolean new_thread = FALSE;
      gint64 *max_uid;

      if (!thread_message (wdb, m, sort_date, &new_thread, changes, error))
        return FALSE;

      if (!(stmt = get_stmt (wdb, STMT_INSERT_MESSAGE, error)))
        return FALSE;
      bind_message (wdb, stmt, m, message_id, sort_date);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          int rc = sqlite3_reset (stmt);

          if (rc == SQLITE_CONSTRAINT)
            {
              g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                           _("The folder with id %lld does not exist"),
                           (long long) m->folder_id);
              return FALSE;
            }
          return _pf_store_set_error (error, wdb->db, rc, "INSERT INTO messages");
        }
      sqlite3_reset (stmt);
      id = sqlite3_last_insert_rowid (wdb->db);
      m->id = id;

      count_inserted (wdb, m, sort_date, new_thread);

      if (m->pop3_uidl != NULL)
        {
          if (!(stmt = get_stmt (wdb, STMT_POP3_SEEN, error)))
            return FALSE;
          sqlite3_bind_text (stmt, 1, m->pop3_uidl, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (stmt, 2, m->pop3_downloaded);
          if (!step_done (wdb, stmt, error))
            return FALSE;
        }
      max_uid = g_hash_table_lookup (wdb->max_uids, &m->folder_id);
      if (max_uid != NULL)
        *max_uid = MAX (*max_uid, (gint64) m->uid);

      /* Indexed for search later, by PF_BATCH_OP_INDEX_PENDING. */
      if (!(stmt = get_stmt (wdb, STMT_INSERT_FTS, error)))
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, id);
      if (!step_done (wdb, stmt, error))
        return FALSE;

      _pf_change_set_inserted (changes, m->folder_id, id);
    }
  else
    {
      if (!flush_counts (wdb, error))
        return FALSE;
      if (!(stmt = get_stmt (wdb, STMT_UPDATE_MESSAGE, error)))
        return FALSE;
      bind_message (wdb, stmt, m, message_id, sort_date);
      sqlite3_bind_int64 (stmt, 24, existing);
      if (!step_done (wdb, stmt, error))
        return FALSE;
      m->id = existing;

      if (!(stmt = get_stmt (wdb, STMT_UPDATE_FTS, error)))
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, existing);
      bind_text_take (stmt, 2, pf_store_fold_text (m->subject));
      bind_text_take (stmt, 3, _pf_store_fold_addresses (m));
      if (!step_done (wdb, stmt, error))
        return FALSE;

      _pf_change_set_updated (changes, m->folder_id, existing);
    }

  return TRUE;
}

static gboolean
apply_flags (PfStoreWriterDb  *wdb,
             PfBatchOp        *op,
             PfChangeSet      *changes,
             GError          **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (!(stmt = get_stmt (wdb, STMT_UPDATE_FLAGS, error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, op->folder_id);
  sqlite3_bind_int64 (stmt, 2, op->uid);
  sqlite3_bind_int (stmt, 3, op->flags);
  bind_text (stmt, 4, op->keywords);
  sqlite3_bind_int64 (stmt, 5, (gint64) op->modseq);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      _pf_change_set_updated (changes, op->folder_id, sqlite3_column_int64 (stmt, 0));
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        return _pf_store_set_error (error, wdb->db, rc, "UPDATE messages SET flags");
      return TRUE;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _pf_store_set_error (error, wdb->db, rc, "UPDATE messages SET flags");

  /* A MODSEQ-only change is of no interest to the message list. */
  if (op->modseq == 0)
    return TRUE;
  if (!(stmt = get_stmt (wdb, STMT_UPDATE_MODSEQ, error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, op->folder_id);
  sqlite3_bind_int64 (stmt, 2, op->uid);
  sqlite3_bind_int64 (stmt, 3, (gint64) op->modseq);
  return step_done (wdb, stmt, error);
}

/* Steps a DELETE … RETURNING id-or-folder, body_path. */
static gboolean
collect_deleted (PfStoreWriterDb  *wdb,
                 sqlite3_stmt     *stmt,
                 gint64            folder_id,
                 gint64            message_id,
                 PfChangeSet      *changes,
                 GPtrArray        *files,
                 GError          **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *path = (const char *) sqlite3_column_text (stmt, 1);

      if (message_id == 0)
        _pf_change_set_removed (changes, folder_id, sqlite3_column_int64 (stmt, 0));
      else
        _pf_change_set_removed (changes, sqlite3_column_int64 (stmt, 0), message_id);

      if (path != NULL)
        g_ptr_array_add (files, _pf_store_absolute_path (wdb->data_dir, path));
    }
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    return _pf_store_set_error (error, wdb->db, rc, "DELETE FROM messages");

  return TRUE;
}

static gboolean
apply_op (PfStoreWriterDb  *wdb,
          PfBatchOp        *op,
          PfChangeSet      *changes,
          GPtrArray        *files,
          GError          **error)
{
  sqlite3_stmt *stmt;

  if (op->kind != PF_BATCH_OP_MESSAGE && !flush_counts (wdb, error))
    return FALSE;

  switch (op->kind)
    {
    case PF_BATCH_OP_MESSAGE:
      if (!apply_message (wdb, op->message, changes, error))
        return FALSE;
      /* Its body is here: indexed now, unless it was indexed before. */
      if (op->body_text != NULL &&
          _pf_store_index_pending (wdb->db, op->message->id, 1, op->body_text, NULL) < 0)
        return _pf_store_set_error (error, wdb->db, sqlite3_errcode (wdb->db),
                                    "full-text index");
      return TRUE;

    case PF_BATCH_OP_FLAGS:
      return apply_flags (wdb, op, changes, error);

    case PF_BATCH_OP_EXPUNGE_UIDS:
      _pf_change_set_folder (changes, op->folder_id);
      for (guint i = 0; i < op->numbers->len; i++)
        {
          if (!(stmt = get_stmt (wdb, STMT_DELETE_UID, error)))
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, op->folder_id);
          sqlite3_bind_int64 (stmt, 2, g_array_index (op->numbers, guint32, i));
          if (!collect_deleted (wdb, stmt, op->folder_id, 0, changes, files, error))
            return FALSE;
        }
      return TRUE;

    case PF_BATCH_OP_EXPUNGE_RANGE:
      _pf_change_set_folder (changes, op->folder_id);
      if (!(stmt = get_stmt (wdb, STMT_DELETE_RANGE, error)))
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, op->folder_id);
      sqlite3_bind_int64 (stmt, 2, op->first_uid);
      sqlite3_bind_int64 (stmt, 3, op->last_uid);
      return collect_deleted (wdb, stmt, op->folder_id, 0, changes, files, error);

    case PF_BATCH_OP_EXPUNGE_IDS:
      for (guint i = 0; i < op->numbers->len; i++)
        {
          gint64 id = g_array_index (op->numbers, gint64, i);

          if (!(stmt = get_stmt (wdb, STMT_DELETE_ID, error)))
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, id);
          if (!collect_deleted (wdb, stmt, 0, id, changes, files, error))
            return FALSE;
        }
      return TRUE;

    case PF_BATCH_OP_FOLDER_STATE:
      if (!(stmt = get_stmt (wdb, STMT_FOLDER_STATE, error)))
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, op->folder_id);
      sqlite3_bind_int64 (stmt, 2, op->uidvalidity);
      sqlite3_bind_int64 (stmt, 3, op->uidnext);
      sqlite3_bind_int64 (stmt, 4, (gint64) op->highestmodseq);
      _pf_change_set_folder (changes, op->folder_id);
      return step_done (wdb, stmt, error);

    case PF_BATCH_OP_BODY:
      {
        gint64 folder_id;

        if (!(stmt = get_stmt (wdb, STMT_SET_BODY_PATH, error)))
          return FALSE;
        sqlite3_bind_int64 (stmt, 1, op->message_id);
        bind_text (stmt, 2, _pf_store_relative_path (wdb->data_dir, op->path));
        folder_id = select_single_id (wdb, stmt, error);
        if (folder_id < 0)
          return FALSE;
        if (folder_id == 0)
          return TRUE;   /* expunged meanwhile */

        if (op->body_text != NULL)
          {
            int indexed = 0;
            gint64 pending;

            /* Usually indexed long before its body comes: only then is
             * the row built here, with the body. */
            if (!(stmt = get_stmt (wdb, STMT_IS_PENDING, error)))
              return FALSE;
            sqlite3_bind_int64 (stmt, 1, op->message_id);
            pending = select_single_id (wdb, stmt, error);
            if (pending < 0)
              return FALSE;
            if (pending > 0)
              indexed = _pf_store_index_pending (wdb->db, op->message_id, 1, op->body_text,
                                                 NULL);

            if (indexed < 0)
              return _pf_store_set_error (error, wdb->db, sqlite3_errcode (wdb->db),
                                          "full-text index");
            if (indexed > 0)
              {
                _pf_change_set_updated (changes, folder_id, op->message_id);
                return TRUE;
              }
            if (!(stmt = get_stmt (wdb, STMT_SET_BODY_TEXT, error)))
              return FALSE;
            sqlite3_bind_int64 (stmt, 1, op->message_id);
            bind_text (stmt, 2, op->body_text);
            if (!step_done (wdb, stmt, error))
              return FALSE;
          }
        _pf_change_set_updated (changes, folder_id, op->message_id);
        return TRUE;
      }

    case PF_BATCH_OP_POP3_FORGET:
      if (!(stmt = get_stmt (wdb, STMT_POP3_FORGET, error)))
        return FALSE;
      sqlite3_bind_text (stmt, 1, op->uidl, -1, SQLITE_STATIC);
      return step_done (wdb, stmt, error);

    case PF_BATCH_OP_INDEX_PENDING:
      if (_pf_store_index_pending (wdb->db, 0, op->count, NULL, changes) < 0)
        return _pf_store_set_error (error, wdb->db, sqlite3_errcode (wdb->db),
                                    "full-text index");
      return TRUE;

    default:
      g_assert_not_reached ();
    }

  return FALSE;
}

/*
 * Applies @batch in one transaction. On success, @changes holds what
 * changed and @files_to_delete the message files of removed messages
 * (to be removed after the commit). On failure nothing is changed.
 */
gboolean
_pf_store_writer_db_apply (PfStoreWriterDb  *wdb,
                           PfStoreBatch     *batch,
                           PfChangeSet      *changes,
                           GPtrArray        *files_to_delete,
                           GError          **error)
{
  gboolean ok = FALSE;

  /* A folder may be deleted between transactions. */
  g_hash_table_remove_all (wdb->folders);
  g_hash_table_remove_all (wdb->folder_counts);
  g_hash_table_remove_all (wdb->thread_counts);
  g_hash_table_remove_all (wdb->max_uids);

  /* In WAL mode, FULL fsyncs the log at the commit; NORMAL only at
   * checkpoints. */
  if (batch->durable && !_pf_store_exec (wdb->db, "PRAGMA synchronous = FULL", error))
    return FALSE;
  if (!_pf_store_exec (wdb->db, "BEGIN IMMEDIATE", error))
    goto out;

  for (guint i = 0; i < batch->ops->len; i++)
    {
      if (!apply_op (wdb, &g_array_index (batch->ops, PfBatchOp, i), changes,
                     files_to_delete, error))
        {
          sqlite3_exec (wdb->db, "ROLLBACK", NULL, NULL, NULL);
          goto out;
        }
    }

  if (!flush_counts (wdb, error) ||
      !_pf_store_exec (wdb->db, "COMMIT", error))
    {
      sqlite3_exec (wdb->db, "ROLLBACK", NULL, NULL, NULL);
      goto out;
    }
  ok = TRUE;

out:
  if (batch->durable)
    sqlite3_exec (wdb->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
  return ok;
}
