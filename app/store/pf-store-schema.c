/* pf-store-schema.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "pf-store-private.h"

/*
 * The schema of index.sqlite, versioned with `PRAGMA user_version`.
 *
 * migrations[i] takes a database from version i to version i + 1, inside
 * one transaction together with the new user_version, so a crash leaves
 * either the old or the new schema. To change the schema, append a step
 * and raise PF_STORE_SCHEMA_VERSION; never edit a step that has shipped.
 */

static const char migration_1[] =
  /* Folders. dir_name names the Maildir below mail/, fixed at creation. */
  "CREATE TABLE folders ("
  "  id            INTEGER PRIMARY KEY,"
  "  name          TEXT NOT NULL UNIQUE,"
  "  display_name  TEXT,"
  "  parent_id     INTEGER REFERENCES folders (id) ON DELETE SET NULL,"
  "  delimiter     INTEGER NOT NULL DEFAULT 0,"
  "  special_use   INTEGER NOT NULL DEFAULT 0,"
  "  attributes    INTEGER NOT NULL DEFAULT 0,"
  "  uidvalidity   INTEGER NOT NULL DEFAULT 0,"
  "  uidnext       INTEGER NOT NULL DEFAULT 0,"
  "  highestmodseq INTEGER NOT NULL DEFAULT 0,"
  "  unread_count  INTEGER NOT NULL DEFAULT 0,"
  "  total_count   INTEGER NOT NULL DEFAULT 0,"
  "  subscribed    INTEGER NOT NULL DEFAULT 1,"
  "  local_only    INTEGER NOT NULL DEFAULT 0,"
  "  dir_name      TEXT UNIQUE"
  ");"
  "CREATE INDEX folders_special_use ON folders (special_use) WHERE special_use != 0;"
  "CREATE INDEX folders_parent ON folders (parent_id);"

  /* Conversations. subject_key is the folded subject without prefixes;
   * has_root says whether a message without a reply prefix is in it. */
  "CREATE TABLE threads ("
  "  id            INTEGER PRIMARY KEY,"
  "  subject       TEXT,"
  "  subject_key   TEXT,"
  "  has_root      INTEGER NOT NULL DEFAULT 0,"
  "  latest_date   INTEGER NOT NULL DEFAULT 0,"
  "  message_count INTEGER NOT NULL DEFAULT 0,"
  "  unread_count  INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX threads_subject_key ON threads (subject_key, latest_date);"
  "CREATE INDEX threads_rootless ON threads (subject_key, latest_date) WHERE has_root = 0;"

  /* Every Message-ID seen (of a stored message or only referenced by
   * one) and the thread it belongs to: the containers of JWZ threading. */
  "CREATE TABLE thread_refs ("
  "  message_id TEXT PRIMARY KEY,"
  "  thread_id  INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE INDEX thread_refs_thread ON thread_refs (thread_id);"

  /* Messages. AUTOINCREMENT: an id is never reused, so list models and
   * change signals can rely on it. sort_date is date, or internal_date
   * when there is no usable Date: header. */
  "CREATE TABLE messages ("
  "  id              INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  folder_id       INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,"
  "  uid             INTEGER NOT NULL,"
  "  pop3_uidl       TEXT,"
  "  pop3_downloaded INTEGER NOT NULL DEFAULT 0,"
  "  flags           INTEGER NOT NULL DEFAULT 0,"
  "  keywords        TEXT,"
  "  internal_date   INTEGER NOT NULL DEFAULT 0,"
  "  date            INTEGER NOT NULL DEFAULT 0,"
  "  sort_date       INTEGER NOT NULL DEFAULT 0,"
  "  size            INTEGER NOT NULL DEFAULT 0,"
  "  subject         TEXT,"
  "  from_name       TEXT,"
  "  from_address    TEXT,"
  "  to_list         TEXT,"
  "  cc_list         TEXT,"
  "  message_id      TEXT,"
  "  in_reply_to     TEXT,"
  "  refs            TEXT,"
  "  thread_id       INTEGER NOT NULL DEFAULT 0,"
  "  has_attachment  INTEGER NOT NULL DEFAULT 0,"
  "  preview         TEXT,"
  "  body_path       TEXT,"
  "  modseq          INTEGER NOT NULL DEFAULT 0"
  ");"
  /* (folder, uid) is unique; the index also covers flags and modseq so
   * that the UID map of a folder is read from the index alone. */
  "CREATE UNIQUE INDEX messages_folder_uid ON messages (folder_id, uid);"
  "CREATE INDEX messages_uid_map ON messages (folder_id, uid, flags, modseq);"
  "CREATE INDEX messages_folder_date ON messages (folder_id, sort_date DESC, id DESC);"
  "CREATE INDEX messages_message_id ON messages (message_id) WHERE message_id IS NOT NULL;"
  "CREATE INDEX messages_thread ON messages (thread_id, sort_date);"
  "CREATE INDEX messages_uidl ON messages (folder_id, pop3_uidl) WHERE pop3_uidl IS NOT NULL;"

  /* Full-text index of folded text (see pf-store-fold.c), rowid =
   * messages.id. */
  "CREATE VIRTUAL TABLE messages_fts USING fts5 ("
  "  subject, addresses, body,"
  "  tokenize = 'unicode61 remove_diacritics 0'"
  ");"

  /* Counters kept by triggers: unread = neither \\Seen nor \\Deleted;
   * total = not \\Deleted (bits 1 and 8 of PfStoreFlags). */
  "CREATE TRIGGER messages_after_insert AFTER INSERT ON messages BEGIN"
  "  UPDATE folders SET total_count = total_count + ((NEW.flags & 8) = 0),"
  "                     unread_count = unread_count + ((NEW.flags & 9) = 0)"
  "   WHERE id = NEW.folder_id;"
  "  UPDATE threads SET message_count = message_count + 1,"
  "                     unread_count = unread_count + ((NEW.flags & 1) = 0),"
  "                     latest_date = max (latest_date, NEW.sort_date)"
  "   WHERE id = NEW.thread_id;"
  "END;"
  "CREATE TRIGGER messages_after_delete AFTER DELETE ON messages BEGIN"
  "  UPDATE folders SET total_count = total_count - ((OLD.flags & 8) = 0),"
  "                     unread_count = unread_count - ((OLD.flags & 9) = 0)"
  "   WHERE id = OLD.folder_id;"
  "  UPDATE threads SET message_count = message_count - 1,"
  "                     unread_count = unread_count - ((OLD.flags & 1) = 0),"
  "                     latest_date = coalesce ((SELECT max (sort_date) FROM messages"
  "                                               WHERE thread_id = OLD.thread_id), 0)"
  "   WHERE id = OLD.thread_id;"
  "  DELETE FROM threads WHERE id = OLD.thread_id AND message_count <= 0;"
  "  DELETE FROM messages_fts WHERE rowid = OLD.id;"
  "END;"
  "CREATE TRIGGER messages_after_update AFTER UPDATE OF flags, folder_id, thread_id, sort_date"
  "  ON messages BEGIN"
  "  UPDATE folders SET total_count = total_count - ((OLD.flags & 8) = 0),"
  "                     unread_count = unread_count - ((OLD.flags & 9) = 0)"
  "   WHERE id = OLD.folder_id;"
  "  UPDATE folders SET total_count = total_count + ((NEW.flags & 8) = 0),"
  "                     unread_count = unread_count + ((NEW.flags & 9) = 0)"
  "   WHERE id = NEW.folder_id;"
  "  UPDATE threads SET message_count = message_count - 1,"
  "                     unread_count = unread_count - ((OLD.flags & 1) = 0)"
  "   WHERE id = OLD.thread_id;"
  "  UPDATE threads SET message_count = message_count + 1,"
  "                     unread_count = unread_count + ((NEW.flags & 1) = 0),"
  "                     latest_date = max (latest_date, NEW.sort_date)"
  "   WHERE id = NEW.thread_id;"
  "  DELETE FROM threads WHERE id = OLD.thread_id AND message_count <= 0;"
  "END;"
  "CREATE TRIGGER threads_after_delete AFTER DELETE ON threads BEGIN"
  "  DELETE FROM thread_refs WHERE thread_id = OLD.id;"
  "END;"

  /* The offline operation queue of app/sync. */
  "CREATE TABLE operations ("
  "  id         INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  created    INTEGER NOT NULL,"
  "  kind       TEXT NOT NULL,"
  "  folder_id  INTEGER NOT NULL DEFAULT 0,"
  "  targets    TEXT,"
  "  args       TEXT,"
  "  undo       TEXT,"
  "  state      INTEGER NOT NULL DEFAULT 0,"
  "  attempts   INTEGER NOT NULL DEFAULT 0,"
  "  last_error TEXT"
  ");"
  "CREATE INDEX operations_state ON operations (state, id);"
  /* Previous flags of the messages a flag operation changed: mask says
   * which bits the operation touched, flags what they were before. */
  "CREATE TABLE operation_flags ("
  "  operation_id INTEGER NOT NULL REFERENCES operations (id) ON DELETE CASCADE,"
  "  message_id   INTEGER NOT NULL,"
  "  flags        INTEGER NOT NULL,"
  "  mask         INTEGER NOT NULL,"
  "  PRIMARY KEY (operation_id, message_id)"
  ") WITHOUT ROWID;"

  /* Mail waiting to be sent; recipients separated by newlines. */
  "CREATE TABLE outbox ("
  "  id            INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  created       INTEGER NOT NULL,"
  "  path          TEXT NOT NULL,"
  "  envelope_from TEXT NOT NULL,"
  "  recipients    TEXT NOT NULL,"
  "  state         INTEGER NOT NULL DEFAULT 0,"
  "  attempts      INTEGER NOT NULL DEFAULT 0,"
  "  last_error    TEXT,"
  "  next_attempt  INTEGER NOT NULL DEFAULT 0"
  ");";

/* v2: full-text indexing happens after the summaries are stored, in
 * chunks (pf_store_batch_index_pending()): a first sync stores 50,000
 * summaries in half the time, and the index catches up behind it. The
 * ids of messages not in messages_fts yet are kept here. */
static const char migration_2[] =
  "CREATE TABLE fts_pending (message_id INTEGER PRIMARY KEY);"
  "CREATE TRIGGER messages_after_delete_pending AFTER DELETE ON messages BEGIN"
  "  DELETE FROM fts_pending WHERE message_id = OLD.id;"
  "END;";

/* v3: the counters of a new message are added by the writer, once per
 * folder and thread for a whole batch (see flush_counts() in
 * pf-store-apply.c) instead of two UPDATEs per row in a trigger: that
 * trigger was a third of the cost of storing a summary. Removing and
 * changing messages still goes through the triggers. */
static const char migration_3[] =
  "DROP TRIGGER messages_after_insert;";

/* v4: POP3. pop3_seen remembers every UIDL downloaded and still on the
 * server, also after the local copy is deleted (so it is not downloaded
 * again, and "delete on the server when deleted here" knows what to
 * delete); a sync forgets a UIDL once the server no longer lists it.
 * deleted: no local copy is left. */
static const char migration_4[] =
  "CREATE TABLE pop3_seen ("
  "  uidl       TEXT PRIMARY KEY,"
  "  downloaded INTEGER NOT NULL,"
  "  deleted    INTEGER NOT NULL DEFAULT 0"
  ") WITHOUT ROWID;"
  "INSERT INTO pop3_seen (uidl, downloaded)"
  "  SELECT pop3_uidl, max (pop3_downloaded) FROM messages"
  "   WHERE pop3_uidl IS NOT NULL GROUP BY pop3_uidl;"
  "DROP INDEX messages_uidl;"
  "CREATE INDEX messages_pop3_uidl ON messages (pop3_uidl) WHERE pop3_uidl IS NOT NULL;"
  "CREATE TRIGGER messages_after_delete_pop3 AFTER DELETE ON messages"
  "  WHEN OLD.pop3_uidl IS NOT NULL BEGIN"
  "  UPDATE pop3_seen SET deleted = 1 WHERE uidl = OLD.pop3_uidl"
  "   AND NOT EXISTS (SELECT 1 FROM messages WHERE pop3_uidl = OLD.pop3_uidl);"
  "END;";

/* v5: drafts, kept here first and copied to the server's Drafts folder.
 * message_id stays the same from version to version of a draft; state:
 * 0 to upload, 1 uploaded (server_uid in the folder of that
 * UIDVALIDITY, 0 if the server did not say), 2 deleted here (to remove
 * on the server, then forgotten). */
static const char migration_5[] =
  "CREATE TABLE drafts ("
  "  id                 INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  message_id         TEXT NOT NULL UNIQUE,"
  "  path               TEXT,"
  "  subject            TEXT,"
  "  updated            INTEGER NOT NULL,"
  "  state              INTEGER NOT NULL DEFAULT 0,"
  "  server_uid         INTEGER NOT NULL DEFAULT 0,"
  "  server_uidvalidity INTEGER NOT NULL DEFAULT 0"
  ");";

/* Version 6: message lists leave out what is marked \Deleted here (moved
 * or deleted by the user, not yet replayed): the flags join the folder's
 * date index, so lists and their counts still read the index alone. */
static const char migration_6[] =
  "DROP INDEX messages_folder_date;"
  "CREATE INDEX messages_folder_date ON messages (folder_id, sort_date DESC, id DESC, flags);";

static const char *const migrations[] = {
  migration_1,
  migration_2,
  migration_3,
  migration_4,
  migration_5,
  migration_6,
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == PF_STORE_SCHEMA_VERSION);

static int
get_user_version (sqlite3  *db,
                  GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;
  int version = -1;

  rc = sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  else
    _pf_store_set_error (error, db, rc, "PRAGMA user_version");
  sqlite3_finalize (stmt);

  return version;
}

/*
 * Runs the migrations from the database's version up to @target, each in
 * its own transaction. Exposed separately so tests can build old schemas.
 */
gboolean
_pf_store_schema_migrate_to (sqlite3  *db,
                             int       target,
                             GError  **error)
{
  int version;

  g_return_val_if_fail (target <= PF_STORE_SCHEMA_VERSION, FALSE);

  version = get_user_version (db, error);
  if (version < 0)
    return FALSE;

  if (version > PF_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_TOO_NEW,
                   _("The mail index was written by a newer version of Postfach (schema %d; this version knows up to %d)"),
                   version, PF_STORE_SCHEMA_VERSION);
      return FALSE;
    }

  while (version < target)
    {
      g_autofree char *set_version = NULL;

      if (!_pf_store_exec (db, "BEGIN IMMEDIATE", error))
        return FALSE;

      /* Another process may have migrated while we waited for the lock. */
      version = get_user_version (db, error);
      if (version < 0 || version >= target)
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return version >= 0;
        }

      set_version = g_strdup_printf ("PRAGMA user_version = %d", version + 1);
      if (!_pf_store_exec (db, migrations[version], error) ||
          !_pf_store_exec (db, set_version, error) ||
          !_pf_store_exec (db, "COMMIT", error))
        {
          g_prefix_error (error, _("Cannot update the mail index to schema %d: "), version + 1);
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }

      g_debug ("Migrated index to schema %d", version + 1);
      version++;
    }

  return TRUE;
}

gboolean
_pf_store_schema_migrate (sqlite3  *db,
                          int      *version,
                          GError  **error)
{
  if (!_pf_store_schema_migrate_to (db, PF_STORE_SCHEMA_VERSION, error))
    return FALSE;

  *version = get_user_version (db, error);
  return *version >= 0;
}
