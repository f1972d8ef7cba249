/* pf-store.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-store"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#endif

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "pf-store-private.h"

/*
 * One PfStore per account: `<data_dir>/index.sqlite` and the Maildirs
 * below `<data_dir>/mail/`.
 *
 * Two SQLite connections: the main one, used on the thread that created
 * the store for reads and small writes (folders, operation queue, outbox),
 * and the writer, used only by a single worker thread that applies
 * batches in order. WAL mode lets the main connection read while a batch
 * is being written. After a batch commits, the change signals are emitted
 * on the store's main context, before the batch's callback runs.
 */

#define BUSY_TIMEOUT_MS 5000

G_DEFINE_QUARK (pf-store-error-quark, pf_store_error)

struct _PfStore
{
  GObject          parent_instance;

  /* Owned */
  char            *data_dir;
  char            *mail_dir;
  sqlite3         *db;
  GHashTable      *stmts;        /* SQL → sqlite3_stmt*, main connection */
  GThreadPool     *writer_pool;  /* one thread: batches apply in order */
  PfStoreWriterDb *writer_db;    /* used only by writer_pool's thread */
  GMainContext    *context;
  int              schema_version;
  GHashTable      *held;         /* gint64 operation id: not replayed yet */
};

enum
{
  PROP_0,
  PROP_DATA_DIR,
  N_PROPS
};

enum
{
  MESSAGES_CHANGED,
  FOLDER_ADDED,
  FOLDER_CHANGED,
  FOLDER_REMOVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void pf_store_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PfStore, pf_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      pf_store_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE, NULL))

/* SQLite helpers */

gboolean
_pf_store_set_error (GError     **error,
                     sqlite3     *db,
                     int          rc,
                     const char  *what)
{
  int code;
  int primary = rc & 0xff;

  switch (primary)
    {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = PF_STORE_ERROR_CORRUPT;
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = PF_STORE_ERROR_BUSY;
      break;
    case SQLITE_FULL:
      code = PF_STORE_ERROR_NO_SPACE;
      break;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      code = PF_STORE_ERROR_IO;
      break;
    default:
      code = PF_STORE_ERROR_FAILED;
      break;
    }

  g_set_error (error, PF_STORE_ERROR, code, _("Mail index error: %s"),
               db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
  g_debug ("SQLite error %d in %s", rc, what);

  return FALSE;
}

gboolean
_pf_store_exec (sqlite3     *db,
                const char  *sql,
                GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return _pf_store_set_error (error, db, rc, sql);

  return TRUE;
}

sqlite3 *
_pf_store_open_db (const char  *path,
                   GError     **error)
{
  sqlite3 *db = NULL;
  int rc;

  rc = sqlite3_open_v2 (path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      _pf_store_set_error (error, db, rc, "open");
      g_prefix_error (error, _("Cannot open the mail index “%s”: "), path);
      sqlite3_close (db);
      return NULL;
    }

  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);
  sqlite3_extended_result_codes (db, 0);

  /* synchronous=NORMAL is durable in WAL mode except for the last
   * transactions before a power loss; message files are fsynced. */
  if (!_pf_store_exec (db,
                       "PRAGMA journal_mode = WAL;"
                       "PRAGMA synchronous = NORMAL;"
                       "PRAGMA foreign_keys = ON;"
                       "PRAGMA temp_store = MEMORY;"
                       "PRAGMA cache_size = -16000;"
                       "PRAGMA mmap_size = 268435456;",
                       error))
    {
      g_prefix_error (error, _("Cannot open the mail index “%s”: "), path);
      sqlite3_close (db);
      return NULL;
    }

  return db;
}

typedef sqlite3_stmt PfStmt;

static void
pf_stmt_reset (PfStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfStmt, pf_stmt_reset)

/* A cached statement of the main connection; reset when the caller's
 * g_autoptr(PfStmt) goes out of scope. */
static PfStmt *
store_stmt (PfStore     *self,
            const char  *sql,
            GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->stmts, sql);
  int rc;

  if (self->db == NULL)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_FAILED, _("The mail index is closed"));
      return NULL;
    }

  if (stmt != NULL)
    return stmt;

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      _pf_store_set_error (error, self->db, rc, sql);
      return NULL;
    }
  g_hash_table_insert (self->stmts, (gpointer) sql, stmt);

  return stmt;
}

/* The same for the store's readers in other files (the list model): @sql
 * must stay valid for the store's life; the caller resets the statement
 * (sqlite3_reset(), sqlite3_clear_bindings()) when done with it. */
sqlite3_stmt *
_pf_store_get_cached_stmt (PfStore     *self,
                           const char  *sql,
                           GError     **error)
{
  return store_stmt (self, sql, error);
}

static gboolean
stmt_done (PfStore       *self,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return _pf_store_set_error (error, self->db, rc, sqlite3_sql (stmt));

  return TRUE;
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

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

sqlite3 *
_pf_store_get_db (PfStore *self)
{
  return self->db;
}

char *
_pf_store_absolute_path (const char *data_dir,
                         const char *path)
{
  if (path == NULL)
    return NULL;
  if (g_path_is_absolute (path))
    return g_strdup (path);

  return g_build_filename (data_dir, path, NULL);
}

/* Paths below the data directory are stored relative to it, so that the
 * directory can move. Returns a pointer into @path. */
const char *
_pf_store_relative_path (const char *data_dir,
                         const char *path)
{
  gsize len;

  if (path == NULL)
    return NULL;

  len = strlen (data_dir);
  if (strncmp (path, data_dir, len) == 0 && path[len] == G_DIR_SEPARATOR)
    return path + len + 1;

  return path;
}

/* Transactions on the main connection */

static gboolean
begin (PfStore  *self,
       GError  **error)
{
  if (self->db == NULL)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_FAILED, _("The mail index is closed"));
      return FALSE;
    }

  return _pf_store_exec (self->db, "BEGIN IMMEDIATE", error);
}

static gboolean
commit_or_rollback (PfStore   *self,
                    gboolean   ok,
                    GError   **error)
{
  if (ok && _pf_store_exec (self->db, "COMMIT", error))
    return TRUE;

  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* GObject */

static gboolean
pf_store_initable_init (GInitable     *initable,
                        GCancellable  *cancellable,
                        GError       **error)
{
  PfStore *self = PF_STORE (initable);
  g_autofree char *db_path = NULL;

  if (self->data_dir == NULL)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID, _("No data directory given"));
      return FALSE;
    }

  if (g_mkdir_with_parents (self->mail_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_IO,
                   _("Cannot create the folder “%s”: %s"), self->mail_dir,
                   g_strerror (saved_errno));
      return FALSE;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  db_path = g_build_filename (self->data_dir, "index.sqlite", NULL);
  self->db = _pf_store_open_db (db_path, error);
  if (self->db == NULL)
    return FALSE;

  if (!_pf_store_schema_migrate (self->db, &self->schema_version, error))
    {
      g_prefix_error (error, _("Cannot open the mail index “%s”: "), db_path);
      g_clear_pointer (&self->db, sqlite3_close);
      return FALSE;
    }

  return TRUE;
}

static void
pf_store_initable_iface_init (GInitableIface *iface)
{
  iface->init = pf_store_initable_init;
}

static void
pf_store_finalize (GObject *object)
{
  PfStore *self = PF_STORE (object);

  pf_store_close (self);

  g_clear_pointer (&self->stmts, g_hash_table_unref);
  g_clear_pointer (&self->held, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->mail_dir, g_free);

  G_OBJECT_CLASS (pf_store_parent_class)->finalize (object);
}

static void
pf_store_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  PfStore *self = PF_STORE (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      g_value_set_string (value, self->data_dir);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_store_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  PfStore *self = PF_STORE (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      g_free (self->data_dir);
      g_free (self->mail_dir);
      self->data_dir = g_value_dup_string (value);
      self->mail_dir = self->data_dir ? g_build_filename (self->data_dir, "mail", NULL) : NULL;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_store_class_init (PfStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_store_finalize;
  object_class->get_property = pf_store_get_property;
  object_class->set_property = pf_store_set_property;

  /**
   * PfStore:data-dir:
   *
   * The account's data directory, holding `index.sqlite` and `mail/`.
   */
  properties[PROP_DATA_DIR] =
    g_param_spec_string ("data-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PfStore::messages-changed:
   * @self: the store
   * @folder_id: the folder
   * @changes: a #PfStoreChanges: ids inserted, updated, removed
   *
   * Messages of @folder_id changed. Emitted on the main context, after the
   * change is committed, once per folder and transaction.
   */
  signals[MESSAGES_CHANGED] =
    g_signal_new ("messages-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, PF_TYPE_STORE_CHANGES);

  /**
   * PfStore::folder-added:
   * @self: the store
   * @folder_id: the new folder
   */
  signals[FOLDER_ADDED] =
    g_signal_new ("folder-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  /**
   * PfStore::folder-changed:
   * @self: the store
   * @folder_id: the folder
   *
   * The folder's properties, counters or sync state changed (after any
   * #PfStore::messages-changed of the same transaction).
   */
  signals[FOLDER_CHANGED] =
    g_signal_new ("folder-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  /**
   * PfStore::folder-removed:
   * @self: the store
   * @folder_id: the deleted folder; its messages are gone with it
   */
  signals[FOLDER_REMOVED] =
    g_signal_new ("folder-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
stmt_finalize (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
pf_store_init (PfStore *self)
{
  self->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, stmt_finalize);
  self->context = g_main_context_ref_thread_default ();
  self->held = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

/**
 * pf_store_new_sync:
 * @data_dir: the account's data directory (created if missing), normally
 *   `$XDG_DATA_HOME/postfach/<account-id>`
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Opens (or creates) the account's store and brings its schema up to
 * date. Blocks; prefer pf_store_new_async() on the main thread. The store
 * must then be used from the thread whose thread-default main context was
 * current here; signals are emitted there.
 *
 * Returns: (transfer full): the store, or %NULL with @error set
 *   (%PF_STORE_ERROR_TOO_NEW, %PF_STORE_ERROR_CORRUPT, %PF_STORE_ERROR_IO, …)
 */
PfStore *
pf_store_new_sync (const char    *data_dir,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_return_val_if_fail (data_dir != NULL, NULL);

  return g_initable_new (PF_TYPE_STORE, cancellable, error, "data-dir", data_dir, NULL);
}

/**
 * pf_store_new_async:
 * @data_dir: the account's data directory
 * @io_priority: the I/O priority
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the store is open
 * @user_data: data for @callback
 *
 * Opens the store as pf_store_new_sync() does, in a worker thread.
 */
void
pf_store_new_async (const char          *data_dir,
                    int                  io_priority,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_return_if_fail (data_dir != NULL);

  g_async_initable_new_async (PF_TYPE_STORE, io_priority, cancellable, callback, user_data,
                              "data-dir", data_dir, NULL);
}

/**
 * pf_store_new_finish:
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the store, or %NULL with @error set
 */
PfStore *
pf_store_new_finish (GAsyncResult  *result,
                     GError       **error)
{
  g_autoptr(GObject) source = g_async_result_get_source_object (result);
  GObject *object;

  object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);
  return object != NULL ? PF_STORE (object) : NULL;
}

/**
 * pf_store_get_data_dir:
 * @self: a #PfStore
 *
 * Returns: (transfer none): the data directory
 */
const char *
pf_store_get_data_dir (PfStore *self)
{
  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  return self->data_dir;
}

/**
 * pf_store_get_schema_version:
 * @self: a #PfStore
 *
 * Returns: the schema version of the open index
 */
int
pf_store_get_schema_version (PfStore *self)
{
  g_return_val_if_fail (PF_IS_STORE (self), 0);

  return self->schema_version;
}

/**
 * pf_store_close:
 * @self: a #PfStore
 *
 * Waits for queued batches to finish and closes the database. Further
 * calls fail with %PF_STORE_ERROR_FAILED. Finalizing the store closes it.
 */
void
pf_store_close (PfStore *self)
{
  g_return_if_fail (PF_IS_STORE (self));

  if (self->writer_pool != NULL)
    {
      g_thread_pool_free (self->writer_pool, FALSE, TRUE);
      self->writer_pool = NULL;
    }
  g_clear_pointer (&self->writer_db, _pf_store_writer_db_free);
  if (self->stmts != NULL)
    g_hash_table_remove_all (self->stmts);
  if (self->db != NULL)
    {
      /* Statistics for the query planner where they are stale, from a
       * sample (a full ANALYZE of a large index costs tens of ms at every
       * close); closing the last connection then folds the WAL back into
       * the database. */
      sqlite3_exec (self->db, "PRAGMA analysis_limit = 400; PRAGMA optimize", NULL, NULL, NULL);
      g_clear_pointer (&self->db, sqlite3_close);
    }
}

/* Folders */

/**
 * pf_store_folder_new:
 *
 * Returns: (transfer full): an empty folder description
 */
PfStoreFolder *
pf_store_folder_new (void)
{
  PfStoreFolder *folder = g_new0 (PfStoreFolder, 1);

  folder->subscribed = TRUE;
  return folder;
}

/**
 * pf_store_folder_copy:
 * @folder: a #PfStoreFolder
 *
 * Returns: (transfer full): a deep copy of @folder
 */
PfStoreFolder *
pf_store_folder_copy (const PfStoreFolder *folder)
{
  PfStoreFolder *copy;

  g_return_val_if_fail (folder != NULL, NULL);

  copy = g_memdup2 (folder, sizeof *folder);
  copy->name = g_strdup (folder->name);
  copy->display_name = g_strdup (folder->display_name);
  copy->dir_name = g_strdup (folder->dir_name);

  return copy;
}

/**
 * pf_store_folder_free:
 * @folder: (nullable): a #PfStoreFolder
 *
 * Frees @folder.
 */
void
pf_store_folder_free (PfStoreFolder *folder)
{
  if (folder == NULL)
    return;

  g_free (folder->name);
  g_free (folder->display_name);
  g_free (folder->dir_name);
  g_free (folder);
}

G_DEFINE_BOXED_TYPE (PfStoreFolder, pf_store_folder, pf_store_folder_copy, pf_store_folder_free)

#define FOLDER_COLUMNS \
  "id, name, display_name, parent_id, delimiter, special_use, attributes, uidvalidity," \
  " uidnext, highestmodseq, unread_count, total_count, subscribed, local_only, dir_name"

static PfStoreFolder *
folder_from_row (sqlite3_stmt *stmt)
{
  PfStoreFolder *folder = g_new0 (PfStoreFolder, 1);

  folder->id = sqlite3_column_int64 (stmt, 0);
  folder->name = column_dup (stmt, 1);
  folder->display_name = column_dup (stmt, 2);
  folder->parent_id = sqlite3_column_int64 (stmt, 3);
  folder->delimiter = sqlite3_column_int (stmt, 4);
  folder->special_use = sqlite3_column_int (stmt, 5);
  folder->attributes = sqlite3_column_int64 (stmt, 6);
  folder->uidvalidity = sqlite3_column_int64 (stmt, 7);
  folder->uidnext = sqlite3_column_int64 (stmt, 8);
  folder->highestmodseq = sqlite3_column_int64 (stmt, 9);
  folder->unread_count = MAX (0, sqlite3_column_int (stmt, 10));
  folder->total_count = MAX (0, sqlite3_column_int (stmt, 11));
  folder->subscribed = sqlite3_column_int (stmt, 12) != 0;
  folder->local_only = sqlite3_column_int (stmt, 13) != 0;
  folder->dir_name = column_dup (stmt, 14);

  if (folder->display_name == NULL && folder->name != NULL)
    {
      const char *last = folder->name;

      if (folder->delimiter != 0)
        {
          char delim[8] = { 0, };
          const char *found;

          g_unichar_to_utf8 (folder->delimiter, delim);
          found = g_strrstr (folder->name, delim);
          if (found != NULL && found[strlen (delim)] != '\0')
            last = found + strlen (delim);
        }
      folder->display_name = g_strdup (last);
    }

  return folder;
}

static PfStoreFolder *
folder_query_one (PfStore       *self,
                  sqlite3_stmt  *stmt,
                  const char    *what,
                  GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    return folder_from_row (stmt);

  if (rc == SQLITE_DONE)
    g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                 _("The folder “%s” does not exist"), what);
  else
    _pf_store_set_error (error, self->db, rc, "folder query");

  return NULL;
}

static char *
maildir_path (PfStore    *self,
              const char *dir_name)
{
  return g_build_filename (self->mail_dir, dir_name, NULL);
}

/**
 * pf_store_create_folder:
 * @self: a #PfStore
 * @folder: the folder to create: all fields but @id, the counters and
 *   @dir_name are used
 * @error: return location for a #GError
 *
 * Creates a folder and its Maildir. Emits #PfStore::folder-added.
 *
 * Returns: the new folder's id, or 0 with @error set
 *   (%PF_STORE_ERROR_EXISTS if a folder of that name exists,
 *   %PF_STORE_ERROR_INVALID for an empty name)
 */
gint64
pf_store_create_folder (PfStore              *self,
                        const PfStoreFolder  *folder,
                        GError              **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  g_autoptr(PfStmt) dir_stmt = NULL;
  g_autofree char *dir_name = NULL;
  g_autofree char *path = NULL;
  gint64 id;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), 0);
  g_return_val_if_fail (folder != NULL, 0);

  if (folder->name == NULL || *folder->name == '\0')
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID, _("A folder needs a name"));
      return 0;
    }

  if (!begin (self, error))
    return 0;

  stmt = store_stmt (self,
                     "INSERT INTO folders (name, display_name, parent_id, delimiter, special_use,"
                     " attributes, uidvalidity, uidnext, highestmodseq, subscribed, local_only)"
                     " VALUES (?1, ?2, nullif (?3, 0), ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", error);
  if (stmt == NULL)
    return commit_or_rollback (self, FALSE, NULL);

  bind_text (stmt, 1, folder->name);
  bind_text (stmt, 2, folder->display_name);
  sqlite3_bind_int64 (stmt, 3, folder->parent_id);
  sqlite3_bind_int64 (stmt, 4, folder->delimiter);
  sqlite3_bind_int (stmt, 5, folder->special_use);
  sqlite3_bind_int64 (stmt, 6, folder->attributes);
  sqlite3_bind_int64 (stmt, 7, folder->uidvalidity);
  sqlite3_bind_int64 (stmt, 8, folder->uidnext);
  sqlite3_bind_int64 (stmt, 9, (gint64) folder->highestmodseq);
  sqlite3_bind_int (stmt, 10, folder->subscribed);
  sqlite3_bind_int (stmt, 11, folder->local_only);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_EXISTS,
                   _("The folder “%s” exists already"), folder->name);
      return commit_or_rollback (self, FALSE, NULL);
    }
  if (rc != SQLITE_DONE)
    {
      _pf_store_set_error (error, self->db, rc, "INSERT INTO folders");
      return commit_or_rollback (self, FALSE, NULL);
    }

  id = sqlite3_last_insert_rowid (self->db);
  dir_name = g_strdup_printf ("f%" G_GINT64_FORMAT, id);

  dir_stmt = store_stmt (self, "UPDATE folders SET dir_name = ?2 WHERE id = ?1", error);
  if (dir_stmt == NULL)
    return commit_or_rollback (self, FALSE, NULL);
  sqlite3_bind_int64 (dir_stmt, 1, id);
  bind_text (dir_stmt, 2, dir_name);

  path = maildir_path (self, dir_name);
  if (!stmt_done (self, dir_stmt, error) || !_pf_store_ensure_maildir (path, error))
    return commit_or_rollback (self, FALSE, NULL);

  if (!commit_or_rollback (self, TRUE, error))
    return 0;

  g_signal_emit (self, signals[FOLDER_ADDED], 0, id);
  return id;
}

/**
 * pf_store_update_folder:
 * @self: a #PfStore
 * @folder: the folder, found by @folder->id
 * @error: return location for a #GError
 *
 * Stores the folder's display name, parent, delimiter, special use,
 * attributes, sync state (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ),
 * subscription and local-only flag. The name (see
 * pf_store_rename_folder()), counters and directory are not changed.
 * Emits #PfStore::folder-changed.
 *
 * Returns: %TRUE, or %FALSE with @error set (%PF_STORE_ERROR_NOT_FOUND)
 */
gboolean
pf_store_update_folder (PfStore              *self,
                        const PfStoreFolder  *folder,
                        GError              **error)
{
  g_autoptr(PfStmt) stmt = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), FALSE);
  g_return_val_if_fail (folder != NULL, FALSE);

  stmt = store_stmt (self,
                     "UPDATE folders SET display_name = ?2, parent_id = nullif (?3, 0),"
                     " delimiter = ?4, special_use = ?5, attributes = ?6, uidvalidity = ?7,"
                     " uidnext = ?8, highestmodseq = ?9, subscribed = ?10, local_only = ?11"
                     " WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, folder->id);
  bind_text (stmt, 2, folder->display_name);
  sqlite3_bind_int64 (stmt, 3, folder->parent_id);
  sqlite3_bind_int64 (stmt, 4, folder->delimiter);
  sqlite3_bind_int (stmt, 5, folder->special_use);
  sqlite3_bind_int64 (stmt, 6, folder->attributes);
  sqlite3_bind_int64 (stmt, 7, folder->uidvalidity);
  sqlite3_bind_int64 (stmt, 8, folder->uidnext);
  sqlite3_bind_int64 (stmt, 9, (gint64) folder->highestmodseq);
  sqlite3_bind_int (stmt, 10, folder->subscribed);
  sqlite3_bind_int (stmt, 11, folder->local_only);

  if (!stmt_done (self, stmt, error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                   _("The folder with id %lld does not exist"), (long long) folder->id);
      return FALSE;
    }

  g_signal_emit (self, signals[FOLDER_CHANGED], 0, folder->id);
  return TRUE;
}

/**
 * pf_store_rename_folder:
 * @self: a #PfStore
 * @folder_id: the folder
 * @new_name: its new full name
 * @new_display_name: (nullable): its new display name, %NULL for the last
 *   level of @new_name
 * @new_parent_id: its new parent, 0 for none
 * @error: return location for a #GError
 *
 * Renames a folder, and its subfolders with it (as IMAP RENAME does).
 * Message files stay where they are. Emits #PfStore::folder-changed for
 * each renamed folder.
 *
 * Returns: %TRUE, or %FALSE with @error set (%PF_STORE_ERROR_EXISTS,
 *   %PF_STORE_ERROR_NOT_FOUND)
 */
gboolean
pf_store_rename_folder (PfStore     *self,
                        gint64       folder_id,
                        const char  *new_name,
                        const char  *new_display_name,
                        gint64       new_parent_id,
                        GError     **error)
{
  g_autoptr(PfStoreFolder) folder = NULL;
  g_autoptr(GArray) renamed = g_array_new (FALSE, FALSE, sizeof (gint64));
  gboolean ok;

  g_return_val_if_fail (PF_IS_STORE (self), FALSE);
  g_return_val_if_fail (new_name != NULL, FALSE);

  if (*new_name == '\0')
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID, _("A folder needs a name"));
      return FALSE;
    }

  folder = pf_store_get_folder (self, folder_id, error);
  if (folder == NULL || !begin (self, error))
    return FALSE;

  {
    g_autoptr(PfStmt) stmt = store_stmt (self,
                                         "UPDATE folders SET name = ?2, display_name = ?3,"
                                         " parent_id = nullif (?4, 0) WHERE id = ?1", error);
    int rc;

    ok = stmt != NULL;
    if (ok)
      {
        sqlite3_bind_int64 (stmt, 1, folder_id);
        bind_text (stmt, 2, new_name);
        bind_text (stmt, 3, new_display_name);
        sqlite3_bind_int64 (stmt, 4, new_parent_id);
        rc = sqlite3_step (stmt);
        if (rc == SQLITE_CONSTRAINT)
          {
            g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_EXISTS,
                         _("The folder “%s” exists already"), new_name);
            ok = FALSE;
          }
        else if (rc != SQLITE_DONE)
          ok = _pf_store_set_error (error, self->db, rc, "rename folder");
      }
  }
  g_array_append_val (renamed, folder_id);

  if (ok && folder->delimiter != 0)
    {
      char delim[8] = { 0, };
      g_autofree char *old_prefix = NULL;
      g_autoptr(PfStmt) stmt = NULL;
      int rc;

      g_unichar_to_utf8 (folder->delimiter, delim);
      old_prefix = g_strconcat (folder->name, delim, NULL);
      stmt = store_stmt (self,
                         "UPDATE folders SET name = ?2 || substr (name, length (?1))"
                         " WHERE substr (name, 1, length (?1)) = ?1 RETURNING id", error);
      ok = stmt != NULL;
      if (ok)
        {
          bind_text (stmt, 1, old_prefix);
          bind_text (stmt, 2, new_name);
          while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
            {
              gint64 id = sqlite3_column_int64 (stmt, 0);
              g_array_append_val (renamed, id);
            }
          if (rc == SQLITE_CONSTRAINT)
            {
              g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_EXISTS,
                           _("The folder “%s” exists already"), new_name);
              ok = FALSE;
            }
          else if (rc != SQLITE_DONE)
            ok = _pf_store_set_error (error, self->db, rc, "rename subfolders");
        }
    }

  if (!commit_or_rollback (self, ok, error))
    return FALSE;

  for (guint i = 0; i < renamed->len; i++)
    g_signal_emit (self, signals[FOLDER_CHANGED], 0, g_array_index (renamed, gint64, i));

  return TRUE;
}

static gboolean
remove_tree (const char  *path,
             GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
              !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            {
              if (!remove_tree (child, error))
                return FALSE;
            }
          else if (g_unlink (child) != 0 && errno != ENOENT)
            {
              int saved_errno = errno;

              g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_IO,
                           _("Cannot remove “%s”: %s"), child, g_strerror (saved_errno));
              return FALSE;
            }
        }
    }

  if (g_rmdir (path) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_IO,
                   _("Cannot remove “%s”: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/**
 * pf_store_delete_folder:
 * @self: a #PfStore
 * @folder_id: the folder
 * @error: return location for a #GError
 *
 * Deletes a folder with its messages and their files. Subfolders stay
 * (with no parent). Emits #PfStore::folder-removed; list models showing
 * the folder empty themselves.
 *
 * Returns: %TRUE, or %FALSE with @error set (%PF_STORE_ERROR_NOT_FOUND)
 */
gboolean
pf_store_delete_folder (PfStore  *self,
                        gint64    folder_id,
                        GError  **error)
{
  g_autoptr(PfStoreFolder) folder = NULL;
  g_autoptr(PfStmt) stmt = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), FALSE);

  folder = pf_store_get_folder (self, folder_id, error);
  if (folder == NULL)
    return FALSE;

  stmt = store_stmt (self, "DELETE FROM folders WHERE id = ?1", error);
  if (stmt == NULL || !begin (self, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  if (!commit_or_rollback (self, stmt_done (self, stmt, error), error))
    return FALSE;

  /* The index no longer knows the files: a failure here leaves garbage,
   * not an inconsistency. */
  path = maildir_path (self, folder->dir_name != NULL ? folder->dir_name : "");
  if (folder->dir_name != NULL && !remove_tree (path, &local_error))
    g_warning ("%s", local_error->message);

  g_signal_emit (self, signals[FOLDER_REMOVED], 0, folder_id);
  return TRUE;
}

/**
 * pf_store_get_folder:
 * @self: a #PfStore
 * @folder_id: a folder id
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the folder, or %NULL with @error set
 *   (%PF_STORE_ERROR_NOT_FOUND)
 */
PfStoreFolder *
pf_store_get_folder (PfStore  *self,
                     gint64    folder_id,
                     GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  g_autofree char *what = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  stmt = store_stmt (self, "SELECT " FOLDER_COLUMNS " FROM folders WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);

  what = g_strdup_printf ("#%" G_GINT64_FORMAT, folder_id);
  return folder_query_one (self, stmt, what, error);
}

/**
 * pf_store_lookup_folder:
 * @self: a #PfStore
 * @name: the folder's full name
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the folder, or %NULL with @error set
 *   (%PF_STORE_ERROR_NOT_FOUND)
 */
PfStoreFolder *
pf_store_lookup_folder (PfStore     *self,
                        const char  *name,
                        GError     **error)
{
  g_autoptr(PfStmt) stmt = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  stmt = store_stmt (self, "SELECT " FOLDER_COLUMNS " FROM folders WHERE name = ?1", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, name);

  return folder_query_one (self, stmt, name, error);
}

/**
 * pf_store_lookup_folder_by_special_use:
 * @self: a #PfStore
 * @special_use: a role other than %PF_STORE_SPECIAL_USE_NONE
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the (first) folder with that role, or %NULL
 *   with @error set (%PF_STORE_ERROR_NOT_FOUND)
 */
PfStoreFolder *
pf_store_lookup_folder_by_special_use (PfStore            *self,
                                       PfStoreSpecialUse   special_use,
                                       GError            **error)
{
  g_autoptr(PfStmt) stmt = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);
  g_return_val_if_fail (special_use != PF_STORE_SPECIAL_USE_NONE, NULL);

  stmt = store_stmt (self, "SELECT " FOLDER_COLUMNS " FROM folders"
                     " WHERE special_use = ?1 AND special_use != 0 ORDER BY id LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, special_use);

  return folder_query_one (self, stmt, "special use", error);
}

/**
 * pf_store_list_folders:
 * @self: a #PfStore
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PfStoreFolder): all folders,
 *   sorted by name, or %NULL with @error set
 */
GPtrArray *
pf_store_list_folders (PfStore  *self,
                       GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  stmt = store_stmt (self, "SELECT " FOLDER_COLUMNS " FROM folders ORDER BY name", error);
  if (stmt == NULL)
    return NULL;

  folders = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_store_folder_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (folders, folder_from_row (stmt));

  if (rc != SQLITE_DONE)
    {
      _pf_store_set_error (error, self->db, rc, "list folders");
      return NULL;
    }

  return g_steal_pointer (&folders);
}

/**
 * pf_store_get_folder_state:
 * @self: a #PfStore
 * @folder_id: the folder
 * @state: (out caller-allocates): where to store the state
 * @error: return location for a #GError
 *
 * Reads what a sync needs before selecting a folder, from indexes only.
 *
 * Returns: %TRUE, or %FALSE with @error set (%PF_STORE_ERROR_NOT_FOUND)
 */
gboolean
pf_store_get_folder_state (PfStore             *self,
                           gint64               folder_id,
                           PfStoreFolderState  *state,
                           GError             **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), FALSE);
  g_return_val_if_fail (state != NULL, FALSE);

  stmt = store_stmt (self,
                     "SELECT uidvalidity, uidnext, highestmodseq,"
                     " (SELECT coalesce (max (uid), 0) FROM messages WHERE folder_id = ?1),"
                     " (SELECT count (*) FROM messages WHERE folder_id = ?1)"
                     " FROM folders WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      state->uidvalidity = sqlite3_column_int64 (stmt, 0);
      state->uidnext = sqlite3_column_int64 (stmt, 1);
      state->highestmodseq = sqlite3_column_int64 (stmt, 2);
      state->highest_uid = sqlite3_column_int64 (stmt, 3);
      state->n_messages = sqlite3_column_int (stmt, 4);
      return TRUE;
    }

  if (rc == SQLITE_DONE)
    g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                 _("The folder with id %lld does not exist"), (long long) folder_id);
  else
    _pf_store_set_error (error, self->db, rc, "folder state");

  return FALSE;
}

/**
 * pf_store_allocate_local_uid:
 * @self: a #PfStore
 * @folder_id: a folder
 * @error: return location for a #GError
 *
 * Takes the next local UID of a folder (for POP3 and local folders, whose
 * messages have no server UID). A batch message with UID 0 gets one
 * automatically.
 *
 * Returns: the UID, or 0 with @error set (%PF_STORE_ERROR_NOT_FOUND)
 */
guint32
pf_store_allocate_local_uid (PfStore  *self,
                             gint64    folder_id,
                             GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), 0);

  stmt = store_stmt (self, "UPDATE folders SET uidnext = max (uidnext, 1) + 1 WHERE id = ?1"
                     " RETURNING uidnext - 1", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, folder_id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      guint32 uid = sqlite3_column_int64 (stmt, 0);

      sqlite3_step (stmt);
      return uid;
    }

  if (rc == SQLITE_DONE)
    g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                 _("The folder with id %lld does not exist"), (long long) folder_id);
  else
    _pf_store_set_error (error, self->db, rc, "allocate uid");

  return 0;
}

/* Message files */

/**
 * pf_store_new_writer:
 * @self: a #PfStore
 * @folder_id: the folder whose Maildir receives the message
 * @error: return location for a #GError
 *
 * Starts writing a message file into the folder's Maildir. Write the data
 * to pf_store_writer_get_stream(), then pf_store_writer_commit() it and
 * record the returned path in the index (as the message's @body_path).
 *
 * Returns: (transfer full): the writer, or %NULL with @error set
 */
PfStoreWriter *
pf_store_new_writer (PfStore  *self,
                     gint64    folder_id,
                     GError  **error)
{
  g_autoptr(PfStoreFolder) folder = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  folder = pf_store_get_folder (self, folder_id, error);
  if (folder == NULL)
    return NULL;

  dir = maildir_path (self, folder->dir_name);
  return _pf_store_writer_new (dir, error);
}

static char *
write_file (const char    *dir,
            GBytes        *data,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(PfStoreWriter) writer = NULL;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (data, &size);

  writer = _pf_store_writer_new (dir, error);
  if (writer == NULL)
    return NULL;

  if (!g_output_stream_write_all (pf_store_writer_get_stream (writer), bytes, size, NULL,
                                  cancellable, error))
    return NULL;

  return pf_store_writer_commit (writer, cancellable, error);
}

/**
 * pf_store_write_message_file:
 * @self: a #PfStore
 * @folder_id: the folder
 * @data: the whole message
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Writes a message into the folder's Maildir atomically and durably (see
 * #PfStoreWriter). Blocks on the disk.
 *
 * Returns: (transfer full): the absolute path of the file in `cur/`, or
 *   %NULL with @error set; no file is left behind then
 */
char *
pf_store_write_message_file (PfStore       *self,
                             gint64         folder_id,
                             GBytes        *data,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_autoptr(PfStoreFolder) folder = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);
  g_return_val_if_fail (data != NULL, NULL);

  folder = pf_store_get_folder (self, folder_id, error);
  if (folder == NULL)
    return NULL;

  dir = maildir_path (self, folder->dir_name);
  return write_file (dir, data, cancellable, error);
}

/**
 * pf_store_dup_maildir:
 * @self: a #PfStore
 * @folder_id: a folder
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the path of the folder's Maildir, for
 *   pf_store_write_cache_file() in a worker thread
 */
char *
pf_store_dup_maildir (PfStore  *self,
                      gint64    folder_id,
                      GError  **error)
{
  g_autoptr(PfStoreFolder) folder = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  folder = pf_store_get_folder (self, folder_id, error);
  if (folder == NULL)
    return NULL;
  return maildir_path (self, folder->dir_name);
}

/**
 * pf_store_list_missing_bodies:
 * @self: a #PfStore
 * @folder_id: a folder
 * @since: messages dated at or after this (seconds since the Unix epoch),
 *   0 for all
 * @newest: and the folder's newest @newest messages, whatever their date
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PfStoreBodyRef): the messages of
 *   the folder without a stored body, newest first
 */
GArray *
pf_store_list_missing_bodies (PfStore  *self,
                              gint64    folder_id,
                              gint64    since,
                              guint     newest,
                              GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  g_autoptr(GArray) refs = g_array_new (FALSE, FALSE, sizeof (PfStoreBodyRef));
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  /* The date of the newest-th message lowers @since to it. */
  if (newest > 0 && since > 0)
    {
      stmt = store_stmt (self, "SELECT sort_date FROM messages INDEXED BY messages_folder_date"
                         " WHERE folder_id = ?1 ORDER BY sort_date DESC, id DESC"
                         " LIMIT 1 OFFSET ?2", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, folder_id);
      sqlite3_bind_int64 (stmt, 2, newest - 1);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        since = MIN (since, sqlite3_column_int64 (stmt, 0));
      else if (rc == SQLITE_DONE)
        since = 0;   /* fewer messages than that: all of them */
      else
        {
          _pf_store_set_error (error, self->db, rc, "missing bodies");
          return NULL;
        }
      g_clear_pointer (&stmt, pf_stmt_reset);
    }

  stmt = store_stmt (self, "SELECT id, uid FROM messages INDEXED BY messages_folder_date"
                     " WHERE folder_id = ?1 AND sort_date >= ?2 AND body_path IS NULL"
                     " ORDER BY sort_date DESC, id DESC", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, since);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PfStoreBodyRef ref = { sqlite3_column_int64 (stmt, 0),
                             (guint32) sqlite3_column_int64 (stmt, 1) };

      g_array_append_val (refs, ref);
    }
  if (rc != SQLITE_DONE)
    {
      _pf_store_set_error (error, self->db, rc, "missing bodies");
      return NULL;
    }
  return g_steal_pointer (&refs);
}

/**
 * pf_store_new_outbox_file:
 * @self: a #PfStore
 * @data: the whole message, ready to send
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Writes a message to be sent into `<data_dir>/mail/outbox/` atomically
 * and durably; pass the returned path to pf_store_outbox_add().
 *
 * Returns: (transfer full): the absolute path, or %NULL with @error set
 */
char *
pf_store_new_outbox_file (PfStore       *self,
                          GBytes        *data,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);
  g_return_val_if_fail (data != NULL, NULL);

  dir = maildir_path (self, "outbox");
  return write_file (dir, data, cancellable, error);
}

/* Message reads */

PfStoreMessage *
_pf_store_message_from_row (sqlite3_stmt *stmt,
                            const char   *data_dir)
{
  PfStoreMessage *m = pf_store_message_new ();
  const char *body_path;

  m->id = sqlite3_column_int64 (stmt, 0);
  m->folder_id = sqlite3_column_int64 (stmt, 1);
  m->uid = sqlite3_column_int64 (stmt, 2);
  m->pop3_uidl = column_dup (stmt, 3);
  m->pop3_downloaded = sqlite3_column_int64 (stmt, 4);
  m->flags = sqlite3_column_int (stmt, 5);
  m->keywords = column_dup (stmt, 6);
  m->internal_date = sqlite3_column_int64 (stmt, 7);
  m->date = sqlite3_column_int64 (stmt, 8);
  m->size = sqlite3_column_int64 (stmt, 9);
  m->subject = column_dup (stmt, 10);
  m->from_name = column_dup (stmt, 11);
  m->from_address = column_dup (stmt, 12);
  m->to = column_dup (stmt, 13);
  m->cc = column_dup (stmt, 14);
  m->message_id = column_dup (stmt, 15);
  m->in_reply_to = column_dup (stmt, 16);
  m->references = column_dup (stmt, 17);
  m->thread_id = sqlite3_column_int64 (stmt, 18);
  m->has_attachment = sqlite3_column_int (stmt, 19) != 0;
  m->preview = column_dup (stmt, 20);
  body_path = (const char *) sqlite3_column_text (stmt, 21);
  m->body_path = data_dir != NULL ? _pf_store_absolute_path (data_dir, body_path)
                                  : g_strdup (body_path);
  m->modseq = sqlite3_column_int64 (stmt, 22);

  return m;
}

static PfStoreMessage *
message_query_one (PfStore       *self,
                   sqlite3_stmt  *stmt,
                   GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    return _pf_store_message_from_row (stmt, self->data_dir);

  if (rc == SQLITE_DONE)
    g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                 _("The message does not exist"));
  else
    _pf_store_set_error (error, self->db, rc, "message query");

  return NULL;
}

static GPtrArray *
message_query_all (PfStore       *self,
                   sqlite3_stmt  *stmt,
                   GError       **error)
{
  g_autoptr(GPtrArray) messages = NULL;
  int rc;

  messages = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_store_message_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (messages, _pf_store_message_from_row (stmt, self->data_dir));

  if (rc != SQLITE_DONE)
    {
      _pf_store_set_error (error, self->db, rc, "message query");
      return NULL;
    }

  return g_steal_pointer (&messages);
}

/**
 * pf_store_get_highest_uid:
 * @self: a #PfStore
 * @folder_id: a folder
 * @error: return location for a #GError
 *
 * Returns: the highest UID stored in the folder, 0 if it holds no message
 *   or on error (with @error set)
 */
guint32
pf_store_get_highest_uid (PfStore  *self,
                          gint64    folder_id,
                          GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), 0);

  stmt = store_stmt (self, "SELECT coalesce (max (uid), 0) FROM messages WHERE folder_id = ?1",
                     error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, folder_id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);

  _pf_store_set_error (error, self->db, rc, "highest uid");
  return 0;
}

/**
 * pf_store_get_uid_map:
 * @self: a #PfStore
 * @folder_id: a folder
 * @error: return location for a #GError
 *
 * Reads UID, flags and MODSEQ of every message in the folder, ascending by
 * UID, from one covering index: for flag resynchronisation and to find
 * vanished messages.
 *
 * Returns: (transfer full) (element-type PfStoreUidEntry): the entries,
 *   or %NULL with @error set
 */
GArray *
pf_store_get_uid_map (PfStore  *self,
                      gint64    folder_id,
                      GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  g_autoptr(GArray) entries = NULL;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  stmt = store_stmt (self, "SELECT uid, flags, modseq FROM messages INDEXED BY messages_uid_map"
                     " WHERE folder_id = ?1 ORDER BY uid", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);

  entries = g_array_new (FALSE, FALSE, sizeof (PfStoreUidEntry));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PfStoreUidEntry entry;

      entry.uid = sqlite3_column_int64 (stmt, 0);
      entry.flags = sqlite3_column_int (stmt, 1);
      entry.modseq = sqlite3_column_int64 (stmt, 2);
      g_array_append_val (entries, entry);
    }

  if (rc != SQLITE_DONE)
    {
      _pf_store_set_error (error, self->db, rc, "uid map");
      return NULL;
    }

  return g_steal_pointer (&entries);
}

/**
 * pf_store_get_message:
 * @self: a #PfStore
 * @message_id: the message's id in this store
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the message, or %NULL with @error set
 *   (%PF_STORE_ERROR_NOT_FOUND)
 */
PfStoreMessage *
pf_store_get_message (PfStore  *self,
                      gint64    message_id,
                      GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  stmt = store_stmt (self, "SELECT " PF_STORE_MESSAGE_COLUMNS " FROM messages m WHERE id = ?1",
                     error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, message_id);

  return message_query_one (self, stmt, error);
}

/**
 * pf_store_lookup_message_by_uid:
 * @self: a #PfStore
 * @folder_id: a folder
 * @uid: a UID
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the message, or %NULL with @error set
 *   (%PF_STORE_ERROR_NOT_FOUND)
 */
PfStoreMessage *
pf_store_lookup_message_by_uid (PfStore  *self,
                                gint64    folder_id,
                                guint32   uid,
                                GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  stmt = store_stmt (self, "SELECT " PF_STORE_MESSAGE_COLUMNS " FROM messages m"
                     " WHERE folder_id = ?1 AND uid = ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);

  return message_query_one (self, stmt, error);
}

/**
 * pf_store_lookup_messages_by_message_id:
 * @self: a #PfStore
 * @message_id: a Message-ID, with or without angle brackets
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PfStoreMessage): the messages
 *   with that Message-ID in any folder (possibly none), or %NULL with
 *   @error set
 */
GPtrArray *
pf_store_lookup_messages_by_message_id (PfStore     *self,
                                        const char  *message_id,
                                        GError     **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);
  g_return_val_if_fail (message_id != NULL, NULL);

  stmt = store_stmt (self, "SELECT " PF_STORE_MESSAGE_COLUMNS " FROM messages m"
                     " WHERE message_id = ?1 ORDER BY id", error);
  if (stmt == NULL)
    return NULL;

  normalized = _pf_store_normalize_message_id (message_id);
  bind_text (stmt, 1, normalized != NULL ? normalized : "");

  return message_query_all (self, stmt, error);
}

/**
 * pf_store_lookup_message_by_uidl:
 * @self: a #PfStore
 * @folder_id: the POP3 account's inbox folder
 * @uidl: a POP3 UIDL
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the message, or %NULL with @error set
 *   (%PF_STORE_ERROR_NOT_FOUND)
 */
PfStoreMessage *
pf_store_lookup_message_by_uidl (PfStore     *self,
                                 gint64       folder_id,
                                 const char  *uidl,
                                 GError     **error)
{
  g_autoptr(PfStmt) stmt = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);
  g_return_val_if_fail (uidl != NULL, NULL);

  stmt = store_stmt (self, "SELECT " PF_STORE_MESSAGE_COLUMNS " FROM messages m"
                     " WHERE folder_id = ?1 AND pop3_uidl = ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  bind_text (stmt, 2, uidl);

  return message_query_one (self, stmt, error);
}

/**
 * pf_store_list_message_files:
 * @self: a #PfStore
 * @folder_id: a folder
 * @error: return location for a #GError
 *
 * The message files the index refers to in a folder, for finding files
 * a crash left behind in its Maildir (written, but never committed to
 * the index): see pf_store_remove_stray_files().
 *
 * Returns: (transfer full) (element-type filename): a set of absolute
 *   paths, or %NULL with @error set
 */
GHashTable *
pf_store_list_message_files (PfStore  *self,
                             gint64    folder_id,
                             GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  g_autoptr(GHashTable) files = NULL;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  stmt = store_stmt (self, "SELECT body_path FROM messages WHERE folder_id = ?1"
                     " AND body_path IS NOT NULL", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);

  files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (files, _pf_store_absolute_path (self->data_dir,
                                                      (const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    {
      _pf_store_set_error (error, self->db, rc, "message files");
      return NULL;
    }

  return g_steal_pointer (&files);
}

/**
 * pf_store_remove_stray_files:
 * @maildir: a folder's Maildir (pf_store_dup_maildir())
 * @known: (element-type filename): the files the index refers to, from
 *   pf_store_list_message_files()
 *
 * Removes what a crash may have left in @maildir: every file in `tmp/`,
 * and files in `cur/` and `new/` that the index does not refer to. Call it
 * from a worker thread, before anything is written into @maildir again,
 * and only for folders whose every file is the store's own (local folders).
 *
 * Returns: how many files were removed
 */
guint
pf_store_remove_stray_files (const char *maildir,
                             GHashTable *known)
{
  static const char *const subdirs[] = { "tmp", "cur", "new" };
  guint removed = 0;

  g_return_val_if_fail (maildir != NULL, 0);
  g_return_val_if_fail (known != NULL, 0);

  for (gsize i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (maildir, subdirs[i], NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *file = g_build_filename (path, name, NULL);

          if (i > 0 && g_hash_table_contains (known, file))
            continue;
          if (g_unlink (file) == 0)
            removed++;
        }
    }

  return removed;
}

/**
 * pf_store_pop3_list_seen:
 * @self: a #PfStore
 * @error: return location for a #GError
 *
 * Every POP3 UIDL downloaded into this store and not forgotten since
 * (pf_store_batch_pop3_forget()), including those whose local copy was
 * deleted. A message inserted with a #PfStoreMessage:pop3_uidl is
 * recorded in the same transaction.
 *
 * Returns: (transfer full) (element-type utf8 PfStorePop3Seen): UIDL →
 *   #PfStorePop3Seen, or %NULL with @error set
 */
GHashTable *
pf_store_pop3_list_seen (PfStore  *self,
                         GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  g_autoptr(GHashTable) seen = NULL;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  stmt = store_stmt (self, "SELECT uidl, downloaded, deleted FROM pop3_seen", error);
  if (stmt == NULL)
    return NULL;

  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PfStorePop3Seen *entry = g_new0 (PfStorePop3Seen, 1);

      entry->downloaded = sqlite3_column_int64 (stmt, 1);
      entry->deleted = sqlite3_column_int (stmt, 2) != 0;
      g_hash_table_insert (seen, column_dup (stmt, 0), entry);
    }
  if (rc != SQLITE_DONE)
    {
      _pf_store_set_error (error, self->db, rc, "pop3_seen");
      return NULL;
    }

  return g_steal_pointer (&seen);
}

/**
 * pf_store_list_uidls:
 * @self: a #PfStore
 * @folder_id: a folder, or 0 for all folders
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type utf8): the POP3 UIDLs of the
 *   stored messages, or %NULL with @error set
 */
GPtrArray *
pf_store_list_uidls (PfStore  *self,
                     gint64    folder_id,
                     GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  g_autoptr(GPtrArray) uidls = NULL;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  stmt = store_stmt (self, "SELECT pop3_uidl FROM messages WHERE pop3_uidl IS NOT NULL"
                     " AND (?1 = 0 OR folder_id = ?1)", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);

  uidls = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (uidls, column_dup (stmt, 0));

  if (rc != SQLITE_DONE)
    {
      _pf_store_set_error (error, self->db, rc, "uidls");
      return NULL;
    }

  return g_steal_pointer (&uidls);
}

static void emit_changes (PfStore     *self,
                          PfChangeSet *set);

/**
 * pf_store_count_unindexed:
 * @self: a #PfStore
 *
 * Returns: how many stored messages are not in the full-text index yet
 *   (see pf_store_batch_index_pending())
 */
guint
pf_store_count_unindexed (PfStore *self)
{
  g_autoptr(PfStmt) stmt = NULL;
  guint count = 0;

  g_return_val_if_fail (PF_IS_STORE (self), 0);

  stmt = store_stmt (self, "SELECT count(*) FROM fts_pending", NULL);
  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    count = (guint) sqlite3_column_int64 (stmt, 0);
  return count;
}

/**
 * pf_store_index_pending_sync:
 * @self: a #PfStore
 * @max_messages: how many at most
 * @error: return location for a #GError
 *
 * Indexes up to @max_messages waiting messages in the calling thread. For
 * small backlogs and command-line use; a large backlog belongs in
 * batches (pf_store_batch_index_pending()) on the worker thread.
 *
 * Returns: %TRUE on success
 */
gboolean
pf_store_index_pending_sync (PfStore  *self,
                             guint     max_messages,
                             GError  **error)
{
  gboolean ok;

  g_return_val_if_fail (PF_IS_STORE (self), FALSE);

  if (!begin (self, error))
    return FALSE;
  {
    g_autoptr(PfChangeSet) set = _pf_change_set_new ();

    ok = _pf_store_index_pending (self->db, 0, max_messages, NULL, set) >= 0;
    if (!ok)
      _pf_store_set_error (error, self->db, sqlite3_errcode (self->db), "full-text index");
    if (!commit_or_rollback (self, ok, error) || !ok)
      return FALSE;
    emit_changes (self, set);
  }
  return TRUE;
}

/* A search right after a few new messages should find them: a small
 * backlog is indexed on the spot; a large one is searched as far as it is
 * indexed, while the sync layer works through it. */
void
_pf_store_catch_up_index (PfStore *self)
{
  guint pending = pf_store_count_unindexed (self);
  g_autoptr(GError) error = NULL;

  if (pending > 0 && pending <= 2000 && !pf_store_index_pending_sync (self, pending, &error))
    g_debug ("Indexing %u messages: %s", pending, error->message);
}

/**
 * pf_store_search:
 * @self: a #PfStore
 * @folder_id: a folder, or 0 for all folders
 * @query: what the user typed: words (all must match), in any case and
 *   with or without diacritics; a word ending in `*` matches as a prefix
 * @error: return location for a #GError
 *
 * Searches subjects, addresses and downloaded bodies.
 *
 * Returns: (transfer full) (element-type gint64): the ids of the matching
 *   messages, newest first, or %NULL with @error set
 *   (%PF_STORE_ERROR_INVALID if @query has nothing to search for)
 */
GArray *
pf_store_search (PfStore     *self,
                 gint64       folder_id,
                 const char  *query,
                 GError     **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autofree char *fts_query = NULL;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  fts_query = _pf_store_build_fts_query (query);
  if (fts_query == NULL)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                   _("The search “%s” contains no words"), query);
      return NULL;
    }

  _pf_store_catch_up_index (self);
  stmt = store_stmt (self, "SELECT m.id FROM messages_fts JOIN messages m"
                     " ON m.id = messages_fts.rowid WHERE messages_fts MATCH ?1"
                     " AND (?2 = 0 OR m.folder_id = ?2) ORDER BY m.sort_date DESC, m.id DESC",
                     error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, fts_query);
  sqlite3_bind_int64 (stmt, 2, folder_id);

  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }

  if (rc != SQLITE_DONE)
    {
      _pf_store_set_error (error, self->db, rc, "search");
      return NULL;
    }

  return g_steal_pointer (&ids);
}

/**
 * pf_store_list_thread:
 * @self: a #PfStore
 * @thread_id: a thread id
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PfStoreMessage): the messages
 *   of the conversation in all folders, oldest first, or %NULL with
 *   @error set
 */
GPtrArray *
pf_store_list_thread (PfStore  *self,
                      gint64    thread_id,
                      GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  stmt = store_stmt (self, "SELECT " PF_STORE_MESSAGE_COLUMNS " FROM messages m"
                     " WHERE thread_id = ?1 ORDER BY sort_date, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, thread_id);

  return message_query_all (self, stmt, error);
}

/**
 * pf_store_get_thread:
 * @self: a #PfStore
 * @thread_id: a thread id
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the conversation's summary, or %NULL with
 *   @error set (%PF_STORE_ERROR_NOT_FOUND)
 */
PfStoreThread *
pf_store_get_thread (PfStore  *self,
                     gint64    thread_id,
                     GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  PfStoreThread *thread;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  stmt = store_stmt (self, "SELECT id, subject, latest_date, message_count, unread_count"
                     " FROM threads WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, thread_id);

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                     _("The conversation does not exist"));
      else
        _pf_store_set_error (error, self->db, rc, "thread");
      return NULL;
    }

  thread = g_new0 (PfStoreThread, 1);
  thread->id = sqlite3_column_int64 (stmt, 0);
  thread->subject = column_dup (stmt, 1);
  thread->latest_date = sqlite3_column_int64 (stmt, 2);
  thread->message_count = MAX (0, sqlite3_column_int (stmt, 3));
  thread->unread_count = MAX (0, sqlite3_column_int (stmt, 4));

  return thread;
}

/* Small writes on the main connection */

static void
emit_changes (PfStore     *self,
              PfChangeSet *set)
{
  g_autoptr(GPtrArray) changes = _pf_change_set_steal_changes (set);
  GArray *folders = _pf_change_set_get_folders (set);

  g_object_ref (self);
  for (guint i = 0; i < changes->len; i++)
    {
      PfStoreChanges *c = changes->pdata[i];

      if (!pf_store_changes_is_empty (c))
        g_signal_emit (self, signals[MESSAGES_CHANGED], 0, pf_store_changes_get_folder_id (c), c);
    }
  for (guint i = 0; i < folders->len; i++)
    g_signal_emit (self, signals[FOLDER_CHANGED], 0, g_array_index (folders, gint64, i));
  g_object_unref (self);
}

/* Drafts */

void
pf_store_draft_free (PfStoreDraft *draft)
{
  if (draft == NULL)
    return;

  g_free (draft->message_id);
  g_free (draft->path);
  g_free (draft->subject);
  g_free (draft);
}

#define DRAFT_COLUMNS \
  "id, message_id, path, subject, updated, state, server_uid, server_uidvalidity"

static PfStoreDraft *
draft_from_row (PfStore      *self,
                sqlite3_stmt *stmt)
{
  PfStoreDraft *draft = g_new0 (PfStoreDraft, 1);

  draft->id = sqlite3_column_int64 (stmt, 0);
  draft->message_id = column_dup (stmt, 1);
  if (sqlite3_column_text (stmt, 2) != NULL)
    draft->path = _pf_store_absolute_path (self->data_dir,
                                           (const char *) sqlite3_column_text (stmt, 2));
  draft->subject = column_dup (stmt, 3);
  draft->updated = sqlite3_column_int64 (stmt, 4);
  draft->state = sqlite3_column_int (stmt, 5);
  draft->server_uid = (guint32) sqlite3_column_int64 (stmt, 6);
  draft->server_uidvalidity = (guint32) sqlite3_column_int64 (stmt, 7);
  return draft;
}

/**
 * pf_store_draft_save:
 * @self: a #PfStore
 * @draft_id: the draft this is a new version of, or 0 for a new draft
 * @message: the whole message
 * @message_id: its Message-ID (without angle brackets); for a new version
 *   it must be the draft's
 * @subject: (nullable): its subject, for lists
 * @error: return location for a #GError
 *
 * Saves a draft durably here (the file fsynced, then the index), to be
 * copied to the server's Drafts folder by the next sync, where it
 * replaces the previous version. Blocks on the disk.
 *
 * Returns: the draft's id, or 0 with @error set
 */
gint64
pf_store_draft_save (PfStore     *self,
                     gint64       draft_id,
                     GBytes      *message,
                     const char  *message_id,
                     const char  *subject,
                     GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *old_path = NULL;
  gboolean ok;

  g_return_val_if_fail (PF_IS_STORE (self), 0);
  g_return_val_if_fail (message != NULL, 0);
  g_return_val_if_fail (message_id != NULL && *message_id != '\0', 0);

  if (draft_id != 0)
    {
      g_autoptr(PfStoreDraft) draft = pf_store_draft_get (self, draft_id, error);

      if (draft == NULL)
        return 0;
      if (draft->state == PF_STORE_DRAFT_DELETED || g_strcmp0 (draft->message_id, message_id) != 0)
        {
          g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                       _("This is not a version of draft %lld"), (long long) draft_id);
          return 0;
        }
      old_path = g_steal_pointer (&draft->path);
    }

  dir = maildir_path (self, "drafts");
  path = write_file (dir, message, NULL, error);
  if (path == NULL)
    return 0;

  if (!begin (self, error))
    {
      g_unlink (path);
      return 0;
    }
  {
    g_autoptr(PfStmt) stmt = draft_id == 0
      ? store_stmt (self, "INSERT INTO drafts (message_id, path, subject, updated)"
                    " VALUES (?2, ?3, ?4, ?5)", error)
      : store_stmt (self, "UPDATE drafts SET path = ?3, subject = ?4, updated = ?5, state = 0"
                    " WHERE id = ?1 AND state != 2", error);

    ok = stmt != NULL;
    if (ok)
      {
        sqlite3_bind_int64 (stmt, 1, draft_id);
        bind_text (stmt, 2, message_id);
        bind_text (stmt, 3, _pf_store_relative_path (self->data_dir, path));
        bind_text (stmt, 4, subject);
        sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
        ok = stmt_done (self, stmt, error);
      }
    if (ok && draft_id == 0)
      draft_id = sqlite3_last_insert_rowid (self->db);
  }
  if (!commit_or_rollback (self, ok, error))
    {
      g_unlink (path);
      return 0;
    }
  if (old_path != NULL)
    g_unlink (old_path);
  return draft_id;
}

/**
 * pf_store_draft_list:
 * @self: a #PfStore
 * @with_deleted: whether to list drafts deleted here and still on the
 *   server, too
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PfStoreDraft): the drafts, the
 *   newest first, or %NULL with @error set
 */
GPtrArray *
pf_store_draft_list (PfStore   *self,
                     gboolean   with_deleted,
                     GError   **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  g_autoptr(GPtrArray) drafts = NULL;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  stmt = store_stmt (self, "SELECT " DRAFT_COLUMNS " FROM drafts WHERE ?1 OR state != 2"
                     " ORDER BY updated DESC, id DESC", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, with_deleted ? 1 : 0);
  drafts = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_store_draft_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (drafts, draft_from_row (self, stmt));
  if (rc != SQLITE_DONE)
    {
      _pf_store_set_error (error, self->db, rc, "drafts");
      return NULL;
    }
  return g_steal_pointer (&drafts);
}

/**
 * pf_store_draft_get:
 * @self: a #PfStore
 * @draft_id: a draft
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the draft, or %NULL with @error set
 *   (%PF_STORE_ERROR_NOT_FOUND)
 */
PfStoreDraft *
pf_store_draft_get (PfStore  *self,
                    gint64    draft_id,
                    GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  stmt = store_stmt (self, "SELECT " DRAFT_COLUMNS " FROM drafts WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, draft_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return draft_from_row (self, stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                 _("There is no draft %lld"), (long long) draft_id);
  else
    _pf_store_set_error (error, self->db, rc, "draft");
  return NULL;
}

static gboolean
draft_update (PfStore     *self,
              const char  *sql,
              gint64       draft_id,
              gint64       updated,
              guint32      uid,
              guint32      uidvalidity,
              GError     **error)
{
  g_autoptr(PfStmt) stmt = store_stmt (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, draft_id);
  sqlite3_bind_int64 (stmt, 2, updated);
  sqlite3_bind_int64 (stmt, 3, uid);
  sqlite3_bind_int64 (stmt, 4, uidvalidity);
  return stmt_done (self, stmt, error);
}

/**
 * pf_store_draft_delete:
 * @self: a #PfStore
 * @draft_id: a draft
 * @error: return location for a #GError
 *
 * Deletes a draft here at once; its versions on the server are removed
 * by the next sync (pf_store_draft_forget() then drops it).
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
pf_store_draft_delete (PfStore  *self,
                       gint64    draft_id,
                       GError  **error)
{
  g_autoptr(PfStoreDraft) draft = pf_store_draft_get (self, draft_id, error);

  if (draft == NULL)
    return FALSE;
  if (draft->state == PF_STORE_DRAFT_DELETED)
    return TRUE;
  if (!draft_update (self, "UPDATE drafts SET state = 2, path = NULL WHERE id = ?1",
                     draft_id, 0, 0, 0, error))
    return FALSE;
  if (draft->path != NULL)
    g_unlink (draft->path);
  return TRUE;
}

/**
 * pf_store_draft_set_synced:
 * @self: a #PfStore
 * @draft_id: a draft
 * @updated: the #PfStoreDraft:updated of the version that was uploaded
 * @server_uid: its UID in the Drafts folder, 0 if unknown
 * @server_uidvalidity: the folder's UIDVALIDITY
 * @error: return location for a #GError
 *
 * Records that the version saved at @updated is on the server (unless a
 * newer one was saved meanwhile: that one stays to be uploaded).
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
pf_store_draft_set_synced (PfStore  *self,
                           gint64    draft_id,
                           gint64    updated,
                           guint32   server_uid,
                           guint32   server_uidvalidity,
                           GError  **error)
{
  g_return_val_if_fail (PF_IS_STORE (self), FALSE);

  return draft_update (self, "UPDATE drafts SET server_uid = ?3, server_uidvalidity = ?4,"
                       " state = CASE WHEN updated = ?2 AND state = 0 THEN 1 ELSE state END"
                       " WHERE id = ?1", draft_id, updated, server_uid, server_uidvalidity,
                       error);
}

/**
 * pf_store_draft_forget:
 * @self: a #PfStore
 * @draft_id: a draft deleted with pf_store_draft_delete()
 * @error: return location for a #GError
 *
 * Drops a deleted draft once no version of it is left on the server.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
pf_store_draft_forget (PfStore  *self,
                       gint64    draft_id,
                       GError  **error)
{
  g_return_val_if_fail (PF_IS_STORE (self), FALSE);

  return draft_update (self, "DELETE FROM drafts WHERE id = ?1 AND state = 2", draft_id, 0, 0,
                       0, error);
}

/**
 * pf_store_move_local:
 * @self: a #PfStore
 * @message_ids: (array length=n_ids): messages of local-only folders
 * @n_ids: how many
 * @target_folder_id: a local-only folder, or 0 to delete the messages
 *   for good
 * @error: return location for a #GError
 *
 * Moves messages between folders that exist only here (the folders of a
 * POP3 account), files and all, or deletes them, in one transaction.
 * A message file is linked into the target's Maildir (and the directory
 * fsynced) before the index says it is there, and the old name removed
 * only after the commit: a crash leaves at worst a second name of the
 * file, never a message without one. Deleting a message downloaded by
 * POP3 marks its UIDL (see pf_store_pop3_list_seen()).
 *
 * Returns: %TRUE, or %FALSE with @error set and nothing changed
 */
gboolean
pf_store_move_local (PfStore       *self,
                     const gint64  *message_ids,
                     gsize          n_ids,
                     gint64         target_folder_id,
                     GError       **error)
{
  g_autoptr(PfChangeSet) set = _pf_change_set_new ();
  g_autoptr(PfStoreFolder) target = NULL;
  g_autoptr(GPtrArray) old_files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) new_files = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *target_cur = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (PF_IS_STORE (self), FALSE);

  if (target_folder_id != 0)
    {
      g_autofree char *dir = NULL;

      target = pf_store_get_folder (self, target_folder_id, error);
      if (target == NULL)
        return FALSE;
      if (!target->local_only)
        {
          g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                       _("“%s” is a folder on the server"), target->name);
          return FALSE;
        }
      dir = maildir_path (self, target->dir_name);
      target_cur = g_build_filename (dir, "cur", NULL);
    }

  if (!begin (self, error))
    return FALSE;

  for (gsize i = 0; ok && i < n_ids; i++)
    {
      g_autoptr(PfStmt) select = store_stmt (self, "SELECT m.folder_id, m.body_path, f.local_only"
                                             " FROM messages m JOIN folders f"
                                             " ON f.id = m.folder_id WHERE m.id = ?1", error);
      g_autofree char *old_path = NULL;
      gint64 source;

      if (select == NULL)
        {
          ok = FALSE;
          break;
        }
      sqlite3_bind_int64 (select, 1, message_ids[i]);
      if (sqlite3_step (select) != SQLITE_ROW)
        {
          g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                       _("The message does not exist"));
          ok = FALSE;
          break;
        }
      source = sqlite3_column_int64 (select, 0);
      if (sqlite3_column_text (select, 1) != NULL)
        old_path = _pf_store_absolute_path (self->data_dir,
                                            (const char *) sqlite3_column_text (select, 1));
      if (sqlite3_column_int (select, 2) == 0)
        {
          g_set_error_literal (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                               _("The message is in a folder on the server"));
          ok = FALSE;
          break;
        }

      if (target == NULL)
        {
          g_autoptr(PfStmt) remove = store_stmt (self, "DELETE FROM messages WHERE id = ?1",
                                                 error);

          ok = remove != NULL;
          if (ok)
            {
              sqlite3_bind_int64 (remove, 1, message_ids[i]);
              ok = stmt_done (self, remove, error);
            }
          if (ok && old_path != NULL)
            g_ptr_array_add (old_files, g_steal_pointer (&old_path));
          _pf_change_set_removed (set, source, message_ids[i]);
        }
      else if (source != target->id)
        {
          g_autoptr(PfStmt) allocate = store_stmt (self, "UPDATE folders SET uidnext ="
                                                   " max (uidnext, 1) + 1 WHERE id = ?1"
                                                   " RETURNING uidnext - 1", error);
          g_autoptr(PfStmt) update = NULL;
          g_autofree char *new_path = NULL;
          gint64 uid = 0;

          ok = allocate != NULL;
          if (ok)
            {
              sqlite3_bind_int64 (allocate, 1, target->id);
              ok = sqlite3_step (allocate) == SQLITE_ROW;
              uid = ok ? sqlite3_column_int64 (allocate, 0) : 0;
              if (ok)
                sqlite3_step (allocate);
              else
                _pf_store_set_error (error, self->db, sqlite3_errcode (self->db), "uid");
            }
          if (ok && old_path != NULL)
            {
              g_autofree char *name = _pf_store_maildir_unique_name ();
              g_autofree char *file = g_strconcat (name, ":2,", NULL);

              new_path = g_build_filename (target_cur, file, NULL);
              if (link (old_path, new_path) != 0)
                {
                  int saved_errno = errno;

                  g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_IO,
                               _("Cannot move the message file: %s"), g_strerror (saved_errno));
                  ok = FALSE;
                }
              else
                {
                  g_ptr_array_add (new_files, g_strdup (new_path));
                  g_ptr_array_add (old_files, g_steal_pointer (&old_path));
                }
            }
          if (ok)
            {
              update = store_stmt (self, "UPDATE messages SET folder_id = ?2, uid = ?3,"
                                   " body_path = coalesce (?4, body_path) WHERE id = ?1", error);
              ok = update != NULL;
            }
          if (ok)
            {
              sqlite3_bind_int64 (update, 1, message_ids[i]);
              sqlite3_bind_int64 (update, 2, target->id);
              sqlite3_bind_int64 (update, 3, uid);
              bind_text (update, 4, new_path != NULL ?
                         _pf_store_relative_path (self->data_dir, new_path) : NULL);
              ok = stmt_done (self, update, error);
            }
          _pf_change_set_removed (set, source, message_ids[i]);
          _pf_change_set_inserted (set, target->id, message_ids[i]);
        }
    }

  if (ok && new_files->len > 0)
    ok = _pf_store_fsync_dir (target_cur, error);

  if (!commit_or_rollback (self, ok, error))
    {
      for (guint i = 0; i < new_files->len; i++)
        g_unlink (new_files->pdata[i]);
      return FALSE;
    }

  for (guint i = 0; i < old_files->len; i++)
    g_unlink (old_files->pdata[i]);
  emit_changes (self, set);
  return TRUE;
}

/**
 * pf_store_set_body:
 * @self: a #PfStore
 * @message_id: the message
 * @path: (nullable): the absolute path of its Maildir file (from
 *   pf_store_write_message_file() or a #PfStoreWriter), %NULL to keep
 * @body_text: (nullable): its plain text for the full-text index, %NULL
 *   to keep
 * @error: return location for a #GError
 *
 * Records a downloaded body. Emits #PfStore::messages-changed. For many
 * bodies at once, use pf_store_batch_set_body().
 *
 * Returns: %TRUE, or %FALSE with @error set (%PF_STORE_ERROR_NOT_FOUND)
 */
gboolean
pf_store_set_body (PfStore     *self,
                   gint64       message_id,
                   const char  *path,
                   const char  *body_text,
                   GError     **error)
{
  g_autoptr(PfChangeSet) set = _pf_change_set_new ();
  g_autofree char *folded = NULL;
  gint64 folder_id = 0;
  gboolean ok;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), FALSE);

  if (!begin (self, error))
    return FALSE;

  {
    g_autoptr(PfStmt) stmt = store_stmt (self, "UPDATE messages SET body_path ="
                                         " coalesce (?2, body_path) WHERE id = ?1"
                                         " RETURNING folder_id", error);
    ok = stmt != NULL;
    if (ok)
      {
        sqlite3_bind_int64 (stmt, 1, message_id);
        bind_text (stmt, 2, _pf_store_relative_path (self->data_dir, path));
        rc = sqlite3_step (stmt);
        if (rc == SQLITE_ROW)
          {
            folder_id = sqlite3_column_int64 (stmt, 0);
            sqlite3_step (stmt);
          }
        else if (rc == SQLITE_DONE)
          {
            g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                         _("The message does not exist"));
            ok = FALSE;
          }
        else
          ok = _pf_store_set_error (error, self->db, rc, "set body");
      }
  }

  if (ok && body_text != NULL)
    {
      /* Not in the index yet: it goes in now, with its body. */
      int indexed;

      folded = pf_store_fold_text (body_text);
      indexed = _pf_store_index_pending (self->db, message_id, 1, folded, NULL);

      if (indexed < 0)
        ok = _pf_store_set_error (error, self->db, sqlite3_errcode (self->db),
                                  "full-text index");
      else if (indexed > 0)
        body_text = NULL;
    }

  if (ok && body_text != NULL)
    {
      g_autoptr(PfStmt) stmt = store_stmt (self, "UPDATE messages_fts SET body = ?2"
                                           " WHERE rowid = ?1", error);

      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, message_id);
          bind_text (stmt, 2, folded);
          ok = stmt_done (self, stmt, error);
        }
    }

  if (!commit_or_rollback (self, ok, error))
    return FALSE;

  _pf_change_set_updated (set, folder_id, message_id);
  emit_changes (self, set);
  return TRUE;
}

/* Batches */

typedef struct
{
  PfStore      *store;      /* borrowed: the task holds a reference */
  GTask        *task;
  PfStoreBatch *batch;
  PfChangeSet  *changes;
  GError       *error;
} BatchJob;

static void
batch_job_free (BatchJob *job)
{
  g_clear_object (&job->task);
  g_clear_pointer (&job->batch, pf_store_batch_unref);
  g_clear_pointer (&job->changes, _pf_change_set_free);
  g_clear_error (&job->error);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BatchJob, batch_job_free)

/* Back on the store's main context: signals first, then the callback. */
static gboolean
batch_job_complete (gpointer data)
{
  g_autoptr(BatchJob) job = data;

  if (job->error != NULL)
    {
      g_task_return_error (job->task, g_steal_pointer (&job->error));
      return G_SOURCE_REMOVE;
    }

  emit_changes (job->store, job->changes);
  g_task_return_boolean (job->task, TRUE);

  return G_SOURCE_REMOVE;
}

/* The writer is background work (a sync's summaries, the search index
 * catching up): on a busy machine the window and the display server go
 * first. The nice value is per thread on Linux; the writer's pool has a
 * thread of its own, so lowering it once is enough (raising it again is
 * not allowed without privileges). */
#define WRITER_NICE 10

static void
lower_writer_priority (void)
{
#ifdef __linux__
  static GPrivate lowered;

  if (g_private_get (&lowered) != NULL)
    return;
  g_private_set (&lowered, GINT_TO_POINTER (1));
  if (setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), WRITER_NICE) != 0)
    g_debug ("Could not lower the writer's priority: %s", g_strerror (errno));
#endif
}

static void
writer_thread_func (gpointer data,
                    gpointer user_data)
{
  BatchJob *job = data;
  PfStore *self = job->store;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  lower_writer_priority ();

  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (job->task), &job->error))
    {
      g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, batch_job_complete, job,
                                  NULL);
      return;
    }

  if (self->writer_db == NULL)
    {
      g_autofree char *db_path = g_build_filename (self->data_dir, "index.sqlite", NULL);
      sqlite3 *db = _pf_store_open_db (db_path, &job->error);

      if (db != NULL)
        self->writer_db = _pf_store_writer_db_new (db, self->data_dir);
    }

  if (self->writer_db != NULL)
    {
      job->changes = _pf_change_set_new ();
      if (_pf_store_writer_db_apply (self->writer_db, job->batch, job->changes, files,
                                     &job->error))
        {
          /* Committed: the files of removed messages can go. */
          for (guint i = 0; i < files->len; i++)
            if (g_unlink (files->pdata[i]) != 0 && errno != ENOENT)
              g_debug ("Cannot remove %s: %s", (char *) files->pdata[i], g_strerror (errno));
        }
    }

  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, batch_job_complete, job, NULL);
}

/**
 * pf_store_apply_batch_async:
 * @self: a #PfStore
 * @batch: the changes; the store takes a reference, do not change it
 *   afterwards
 * @cancellable: (nullable): a #GCancellable; a batch is cancelled only
 *   before it starts
 * @callback: called on the store's main context when the batch is
 *   committed (after #PfStore::messages-changed and
 *   #PfStore::folder-changed) or failed
 * @user_data: data for @callback
 *
 * Applies @batch in one transaction in the store's writer thread. Batches
 * are applied in the order of the calls. If any change fails, none is
 * applied.
 */
void
pf_store_apply_batch_async (PfStore             *self,
                            PfStoreBatch        *batch,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  BatchJob *job;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PF_IS_STORE (self));
  g_return_if_fail (batch != NULL);

  job = g_new0 (BatchJob, 1);
  job->store = self;
  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, pf_store_apply_batch_async);
  job->batch = pf_store_batch_ref (batch);

  if (self->db == NULL)
    {
      g_task_return_new_error (job->task, PF_STORE_ERROR, PF_STORE_ERROR_FAILED,
                               _("The mail index is closed"));
      batch_job_free (job);
      return;
    }

  if (self->writer_pool == NULL)
    {
      self->writer_pool = g_thread_pool_new (writer_thread_func, NULL, 1, TRUE, &error);
      if (self->writer_pool == NULL)
        {
          g_task_return_error (job->task, g_steal_pointer (&error));
          batch_job_free (job);
          return;
        }
    }

  g_thread_pool_push (self->writer_pool, job, NULL);
}

/**
 * pf_store_apply_batch_finish:
 * @self: a #PfStore
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the batch was committed, or %FALSE with @error set
 */
gboolean
pf_store_apply_batch_finish (PfStore       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (PF_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Operation queue */

/**
 * pf_store_operation_free:
 * @operation: (nullable): a #PfStoreOperation
 *
 * Frees @operation.
 */
void
pf_store_operation_free (PfStoreOperation *operation)
{
  if (operation == NULL)
    return;

  g_free (operation->kind);
  g_free (operation->targets);
  g_free (operation->args);
  g_free (operation->undo);
  g_free (operation->last_error);
  g_free (operation);
}

#define OPERATION_COLUMNS \
  "id, created, kind, folder_id, targets, args, undo, state, attempts, last_error"

static PfStoreOperation *
operation_from_row (sqlite3_stmt *stmt)
{
  PfStoreOperation *op = g_new0 (PfStoreOperation, 1);

  op->id = sqlite3_column_int64 (stmt, 0);
  op->created = sqlite3_column_int64 (stmt, 1);
  op->kind = column_dup (stmt, 2);
  op->folder_id = sqlite3_column_int64 (stmt, 3);
  op->targets = column_dup (stmt, 4);
  op->args = column_dup (stmt, 5);
  op->undo = column_dup (stmt, 6);
  op->state = sqlite3_column_int (stmt, 7);
  op->attempts = sqlite3_column_int (stmt, 8);
  op->last_error = column_dup (stmt, 9);

  return op;
}

static gint64
insert_operation (PfStore     *self,
                  const char  *kind,
                  gint64       folder_id,
                  const char  *targets,
                  const char  *args,
                  const char  *undo,
                  GError     **error)
{
  g_autoptr(PfStmt) stmt = NULL;

  stmt = store_stmt (self, "INSERT INTO operations (created, kind, folder_id, targets, args, undo)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);
  if (stmt == NULL)
    return 0;

  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  bind_text (stmt, 2, kind);
  sqlite3_bind_int64 (stmt, 3, folder_id);
  bind_text (stmt, 4, targets);
  bind_text (stmt, 5, args);
  bind_text (stmt, 6, undo);

  if (!stmt_done (self, stmt, error))
    return 0;

  return sqlite3_last_insert_rowid (self->db);
}

/**
 * pf_store_enqueue_operation:
 * @self: a #PfStore
 * @kind: what the operation does ("move", "delete", "create-folder", …)
 * @folder_id: the folder it acts on, 0 for none
 * @targets: (nullable): the messages it acts on, in the caller's format
 * @args: (nullable): further arguments, in the caller's format
 * @undo: (nullable): what the caller needs to revert its local effect
 * @error: return location for a #GError
 *
 * Persists an operation for replay to the server. The caller applies the
 * local effect itself.
 *
 * Returns: the operation's id, or 0 with @error set
 */
gint64
pf_store_enqueue_operation (PfStore     *self,
                            const char  *kind,
                            gint64       folder_id,
                            const char  *targets,
                            const char  *args,
                            const char  *undo,
                            GError     **error)
{
  g_return_val_if_fail (PF_IS_STORE (self), 0);
  g_return_val_if_fail (kind != NULL, 0);

  if (self->db == NULL)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_FAILED, _("The mail index is closed"));
      return 0;
    }

  return insert_operation (self, kind, folder_id, targets, args, undo, error);
}

/**
 * pf_store_enqueue_flag_operation:
 * @self: a #PfStore
 * @kind: what the operation is called ("set-flags", "mark-read", …)
 * @folder_id: the folder of the messages
 * @message_ids: (array length=n_message_ids): the messages
 * @n_message_ids: the number of @message_ids
 * @add_flags: flags to set
 * @remove_flags: flags to clear
 * @targets: (nullable): the messages in the caller's format (UIDs, …)
 * @args: (nullable): further arguments
 * @error: return location for a #GError
 *
 * Changes the flags of messages locally and queues the operation that
 * replays the change, in one transaction. The previous flags are kept,
 * so pf_store_undo_operation() can restore them while the operation is
 * pending. Emits #PfStore::messages-changed.
 *
 * Returns: the operation's id, or 0 with @error set
 */
gint64
pf_store_enqueue_flag_operation (PfStore       *self,
                                 const char    *kind,
                                 gint64         folder_id,
                                 const gint64  *message_ids,
                                 gsize          n_message_ids,
                                 PfStoreFlags   add_flags,
                                 PfStoreFlags   remove_flags,
                                 const char    *targets,
                                 const char    *args,
                                 GError       **error)
{
  g_autoptr(PfChangeSet) set = _pf_change_set_new ();
  guint mask = (add_flags | remove_flags) & PF_STORE_FLAGS_ALL;
  gint64 op_id;
  gboolean ok;

  g_return_val_if_fail (PF_IS_STORE (self), 0);
  g_return_val_if_fail (kind != NULL, 0);
  g_return_val_if_fail (message_ids != NULL || n_message_ids == 0, 0);

  if (!begin (self, error))
    return 0;

  op_id = insert_operation (self, kind, folder_id, targets, args, NULL, error);
  ok = op_id != 0;

  for (gsize i = 0; ok && i < n_message_ids; i++)
    {
      g_autoptr(PfStmt) save = NULL;
      g_autoptr(PfStmt) update = NULL;

      save = store_stmt (self, "INSERT OR IGNORE INTO operation_flags (operation_id, message_id,"
                         " flags, mask) SELECT ?1, id, flags, ?3 FROM messages WHERE id = ?2",
                         error);
      ok = save != NULL;
      if (!ok)
        break;
      sqlite3_bind_int64 (save, 1, op_id);
      sqlite3_bind_int64 (save, 2, message_ids[i]);
      sqlite3_bind_int (save, 3, mask);
      ok = stmt_done (self, save, error);
      if (!ok)
        break;

      update = store_stmt (self, "UPDATE messages SET flags = (flags | ?2) & ~?3"
                           " WHERE id = ?1 AND flags != (flags | ?2) & ~?3"
                           " RETURNING folder_id", error);
      ok = update != NULL;
      if (!ok)
        break;
      sqlite3_bind_int64 (update, 1, message_ids[i]);
      sqlite3_bind_int (update, 2, add_flags & PF_STORE_FLAGS_ALL);
      sqlite3_bind_int (update, 3, remove_flags & PF_STORE_FLAGS_ALL);
      switch (sqlite3_step (update))
        {
        case SQLITE_ROW:
          _pf_change_set_updated (set, sqlite3_column_int64 (update, 0), message_ids[i]);
          sqlite3_step (update);
          break;
        case SQLITE_DONE:
          break;
        default:
          ok = _pf_store_set_error (error, self->db, sqlite3_errcode (self->db), "flags");
          break;
        }
    }

  if (!commit_or_rollback (self, ok, error))
    return 0;

  emit_changes (self, set);
  return op_id;
}

static GPtrArray *
list_operations (PfStore     *self,
                 const char  *sql,
                 GError     **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  g_autoptr(GPtrArray) ops = NULL;
  int rc;

  stmt = store_stmt (self, sql, error);
  if (stmt == NULL)
    return NULL;

  ops = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_store_operation_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ops, operation_from_row (stmt));

  if (rc != SQLITE_DONE)
    {
      _pf_store_set_error (error, self->db, rc, "operations");
      return NULL;
    }

  return g_steal_pointer (&ops);
}

/**
 * pf_store_list_pending_operations:
 * @self: a #PfStore
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PfStoreOperation): the pending
 *   operations in the order they were enqueued, or %NULL with @error set
 */
GPtrArray *
pf_store_list_pending_operations (PfStore  *self,
                                  GError  **error)
{
  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  return list_operations (self, "SELECT " OPERATION_COLUMNS " FROM operations"
                          " WHERE state = 0 ORDER BY id", error);
}

/**
 * pf_store_hold_operation:
 * @self: a #PfStore
 * @operation_id: a pending operation
 *
 * Keeps the operation from being replayed (it stays pending, and is
 * listed by pf_store_list_replayable_operations() only after
 * pf_store_release_operation()): while its Undo is offered. Holds live in
 * this process only: after a restart every pending operation is replayed.
 */
void
pf_store_hold_operation (PfStore *self,
                         gint64   operation_id)
{
  gint64 *key;

  g_return_if_fail (PF_IS_STORE (self));

  key = g_new (gint64, 1);
  *key = operation_id;
  g_hash_table_add (self->held, key);
}

/**
 * pf_store_release_operation:
 * @self: a #PfStore
 * @operation_id: an operation held with pf_store_hold_operation()
 */
void
pf_store_release_operation (PfStore *self,
                            gint64   operation_id)
{
  g_return_if_fail (PF_IS_STORE (self));

  g_hash_table_remove (self->held, &operation_id);
}

/**
 * pf_store_list_replayable_operations:
 * @self: a #PfStore
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PfStoreOperation): the pending
 *   operations that are not held, in order, or %NULL with @error set
 */
GPtrArray *
pf_store_list_replayable_operations (PfStore  *self,
                                     GError  **error)
{
  GPtrArray *operations;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  operations = pf_store_list_pending_operations (self, error);
  for (guint i = operations != NULL ? operations->len : 0; i > 0; i--)
    {
      PfStoreOperation *operation = operations->pdata[i - 1];

      if (g_hash_table_contains (self->held, &operation->id))
        g_ptr_array_remove_index (operations, i - 1);
    }
  return operations;
}

/**
 * pf_store_list_operations:
 * @self: a #PfStore
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PfStoreOperation): all queued
 *   operations whatever their state, in order, or %NULL with @error set
 */
GPtrArray *
pf_store_list_operations (PfStore  *self,
                          GError  **error)
{
  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  return list_operations (self, "SELECT " OPERATION_COLUMNS " FROM operations ORDER BY id",
                          error);
}

static gboolean
operation_exec (PfStore     *self,
                const char  *sql,
                gint64       operation_id,
                const char  *text,
                int          number,
                GError     **error)
{
  g_autoptr(PfStmt) stmt = store_stmt (self, sql, error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, operation_id);
  bind_text (stmt, 2, text);
  sqlite3_bind_int (stmt, 3, number);
  if (!stmt_done (self, stmt, error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                   _("The queued operation does not exist"));
      return FALSE;
    }

  return TRUE;
}

/**
 * pf_store_mark_operation_done:
 * @self: a #PfStore
 * @operation_id: the operation
 * @error: return location for a #GError
 *
 * Records that the server has applied the operation. Its undo data is
 * dropped; it can no longer be undone.
 *
 * Returns: %TRUE, or %FALSE with @error set (%PF_STORE_ERROR_NOT_FOUND)
 */
gboolean
pf_store_mark_operation_done (PfStore  *self,
                              gint64    operation_id,
                              GError  **error)
{
  g_return_val_if_fail (PF_IS_STORE (self), FALSE);

  if (!operation_exec (self, "UPDATE operations SET state = 1, attempts = attempts + 1,"
                       " last_error = NULL WHERE id = ?1 AND ?2 IS NULL AND ?3 = 0",
                       operation_id, NULL, 0, error))
    return FALSE;

  {
    g_autoptr(PfStmt) stmt = store_stmt (self, "DELETE FROM operation_flags"
                                         " WHERE operation_id = ?1", error);

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, operation_id);
    return stmt_done (self, stmt, error);
  }
}

/**
 * pf_store_mark_operation_failed:
 * @self: a #PfStore
 * @operation_id: the operation
 * @error_text: (nullable): what went wrong
 * @permanent: %TRUE if retrying cannot help (the operation moves to
 *   %PF_STORE_OPERATION_FAILED), %FALSE to keep it pending
 * @error: return location for a #GError
 *
 * Records a failed attempt.
 *
 * Returns: %TRUE, or %FALSE with @error set (%PF_STORE_ERROR_NOT_FOUND)
 */
gboolean
pf_store_mark_operation_failed (PfStore     *self,
                                gint64       operation_id,
                                const char  *error_text,
                                gboolean     permanent,
                                GError     **error)
{
  g_return_val_if_fail (PF_IS_STORE (self), FALSE);

  return operation_exec (self, "UPDATE operations SET attempts = attempts + 1,"
                         " last_error = ?2, state = CASE WHEN ?3 THEN 2 ELSE state END"
                         " WHERE id = ?1", operation_id, error_text, permanent ? 1 : 0, error);
}

/**
 * pf_store_remove_operation:
 * @self: a #PfStore
 * @operation_id: the operation
 * @error: return location for a #GError
 *
 * Removes an operation (done, failed or no longer wanted) without
 * touching its local effect.
 *
 * Returns: %TRUE, or %FALSE with @error set (%PF_STORE_ERROR_NOT_FOUND)
 */
gboolean
pf_store_remove_operation (PfStore  *self,
                           gint64    operation_id,
                           GError  **error)
{
  g_return_val_if_fail (PF_IS_STORE (self), FALSE);

  return operation_exec (self, "DELETE FROM operations WHERE id = ?1 AND ?2 IS NULL AND ?3 = 0",
                         operation_id, NULL, 0, error);
}

/**
 * pf_store_undo_operation:
 * @self: a #PfStore
 * @operation_id: a pending operation
 * @error: return location for a #GError
 *
 * Takes a pending operation out of the queue before it is replayed, and
 * restores the flags it changed locally (for operations made with
 * pf_store_enqueue_flag_operation(); only the bits it touched, on the
 * messages that still exist). Other local effects are the caller's to
 * revert with the returned @undo data. Emits #PfStore::messages-changed.
 *
 * Returns: (transfer full): the removed operation, or %NULL with @error
 *   set (%PF_STORE_ERROR_NOT_FOUND, or %PF_STORE_ERROR_INVALID if it is
 *   no longer pending)
 */
PfStoreOperation *
pf_store_undo_operation (PfStore  *self,
                         gint64    operation_id,
                         GError  **error)
{
  g_autoptr(PfChangeSet) set = _pf_change_set_new ();
  g_autoptr(PfStoreOperation) op = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  if (!begin (self, error))
    return NULL;

  {
    g_autoptr(PfStmt) stmt = store_stmt (self, "SELECT " OPERATION_COLUMNS " FROM operations"
                                         " WHERE id = ?1", error);
    int rc;

    ok = stmt != NULL;
    if (ok)
      {
        sqlite3_bind_int64 (stmt, 1, operation_id);
        rc = sqlite3_step (stmt);
        if (rc == SQLITE_ROW)
          op = operation_from_row (stmt);
        else if (rc == SQLITE_DONE)
          {
            g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                         _("The queued operation does not exist"));
            ok = FALSE;
          }
        else
          ok = _pf_store_set_error (error, self->db, rc, "operation");
      }
  }

  if (ok && op->state != PF_STORE_OPERATION_PENDING)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                   _("The operation was already sent to the server and cannot be undone"));
      ok = FALSE;
    }

  if (ok)
    {
      g_autoptr(PfStmt) stmt = NULL;
      int rc;

      stmt = store_stmt (self, "UPDATE messages SET flags = (messages.flags & ~u.mask)"
                         " | (u.flags & u.mask) FROM operation_flags AS u"
                         " WHERE u.operation_id = ?1 AND messages.id = u.message_id"
                         " AND messages.flags != (messages.flags & ~u.mask) | (u.flags & u.mask)"
                         " RETURNING messages.id, messages.folder_id", error);
      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, operation_id);
          while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
            _pf_change_set_updated (set, sqlite3_column_int64 (stmt, 1),
                                    sqlite3_column_int64 (stmt, 0));
          if (rc != SQLITE_DONE)
            ok = _pf_store_set_error (error, self->db, rc, "undo flags");
        }
    }

  if (ok)
    {
      g_autoptr(PfStmt) stmt = store_stmt (self, "DELETE FROM operations WHERE id = ?1", error);

      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, operation_id);
          ok = stmt_done (self, stmt, error);
        }
    }

  if (!commit_or_rollback (self, ok, error))
    return NULL;

  emit_changes (self, set);
  return g_steal_pointer (&op);
}

/* Outbox */

/**
 * pf_store_outbox_item_free:
 * @item: (nullable): a #PfStoreOutboxItem
 *
 * Frees @item.
 */
void
pf_store_outbox_item_free (PfStoreOutboxItem *item)
{
  if (item == NULL)
    return;

  g_free (item->path);
  g_free (item->envelope_from);
  g_strfreev (item->recipients);
  g_free (item->last_error);
  g_free (item);
}

#define OUTBOX_COLUMNS \
  "id, created, path, envelope_from, recipients, state, attempts, last_error, next_attempt"

static PfStoreOutboxItem *
outbox_from_row (PfStore      *self,
                 sqlite3_stmt *stmt)
{
  PfStoreOutboxItem *item = g_new0 (PfStoreOutboxItem, 1);
  const char *recipients = (const char *) sqlite3_column_text (stmt, 4);

  item->id = sqlite3_column_int64 (stmt, 0);
  item->created = sqlite3_column_int64 (stmt, 1);
  item->path = _pf_store_absolute_path (self->data_dir, (const char *) sqlite3_column_text (stmt, 2));
  item->envelope_from = column_dup (stmt, 3);
  item->recipients = (recipients != NULL && *recipients != '\0')
                     ? g_strsplit (recipients, "\n", -1) : g_new0 (char *, 1);
  item->state = sqlite3_column_int (stmt, 5);
  item->attempts = sqlite3_column_int (stmt, 6);
  item->last_error = column_dup (stmt, 7);
  item->next_attempt = sqlite3_column_int64 (stmt, 8);

  return item;
}

/**
 * pf_store_outbox_add:
 * @self: a #PfStore
 * @path: the absolute path of the message file (see
 *   pf_store_new_outbox_file())
 * @envelope_from: the SMTP MAIL FROM address
 * @recipients: (array zero-terminated=1): the SMTP RCPT TO addresses
 * @error: return location for a #GError
 *
 * Queues a message for sending, durably.
 *
 * Returns: the entry's id, or 0 with @error set
 */
gint64
pf_store_outbox_add (PfStore             *self,
                     const char          *path,
                     const char          *envelope_from,
                     const char * const  *recipients,
                     GError             **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  g_autofree char *joined = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), 0);
  g_return_val_if_fail (path != NULL, 0);
  g_return_val_if_fail (envelope_from != NULL, 0);
  g_return_val_if_fail (recipients != NULL, 0);

  if (recipients[0] == NULL)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                   _("A message to send needs at least one recipient"));
      return 0;
    }

  stmt = store_stmt (self, "INSERT INTO outbox (created, path, envelope_from, recipients)"
                     " VALUES (?1, ?2, ?3, ?4)", error);
  if (stmt == NULL)
    return 0;

  joined = g_strjoinv ("\n", (char **) recipients);
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  bind_text (stmt, 2, _pf_store_relative_path (self->data_dir, path));
  bind_text (stmt, 3, envelope_from);
  bind_text (stmt, 4, joined);

  if (!stmt_done (self, stmt, error))
    return 0;

  return sqlite3_last_insert_rowid (self->db);
}

/**
 * pf_store_outbox_list:
 * @self: a #PfStore
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type PfStoreOutboxItem): all entries
 *   in the order they were added, or %NULL with @error set
 */
GPtrArray *
pf_store_outbox_list (PfStore  *self,
                      GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  g_autoptr(GPtrArray) items = NULL;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  stmt = store_stmt (self, "SELECT " OUTBOX_COLUMNS " FROM outbox ORDER BY id", error);
  if (stmt == NULL)
    return NULL;

  items = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_store_outbox_item_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (items, outbox_from_row (self, stmt));

  if (rc != SQLITE_DONE)
    {
      _pf_store_set_error (error, self->db, rc, "outbox");
      return NULL;
    }

  return g_steal_pointer (&items);
}

/**
 * pf_store_outbox_get:
 * @self: a #PfStore
 * @item_id: an entry
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the entry, or %NULL with @error set
 *   (%PF_STORE_ERROR_NOT_FOUND)
 */
PfStoreOutboxItem *
pf_store_outbox_get (PfStore  *self,
                     gint64    item_id,
                     GError  **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (PF_IS_STORE (self), NULL);

  stmt = store_stmt (self, "SELECT " OUTBOX_COLUMNS " FROM outbox WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, item_id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return outbox_from_row (self, stmt);

  if (rc == SQLITE_DONE)
    g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                 _("The message is no longer in the outbox"));
  else
    _pf_store_set_error (error, self->db, rc, "outbox");

  return NULL;
}

/**
 * pf_store_outbox_update:
 * @self: a #PfStore
 * @item_id: an entry
 * @state: its new state
 * @attempts: the number of attempts so far
 * @last_error: (nullable): the error of the last attempt
 * @next_attempt: when to try next (microseconds since the epoch), 0 for
 *   at once
 * @error: return location for a #GError
 *
 * Returns: %TRUE, or %FALSE with @error set (%PF_STORE_ERROR_NOT_FOUND)
 */
gboolean
pf_store_outbox_update (PfStore             *self,
                        gint64               item_id,
                        PfStoreOutboxState   state,
                        guint                attempts,
                        const char          *last_error,
                        gint64               next_attempt,
                        GError             **error)
{
  g_autoptr(PfStmt) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (PF_IS_STORE (self), FALSE);

  stmt = store_stmt (self, "UPDATE outbox SET state = ?2, attempts = ?3, last_error = ?4,"
                     " next_attempt = ?5 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, item_id);
  sqlite3_bind_int (stmt, 2, state);
  sqlite3_bind_int (stmt, 3, attempts);
  bind_text (stmt, 4, last_error);
  sqlite3_bind_int64 (stmt, 5, next_attempt);

  /* "Being sent" and "the server accepted it" decide whether a message
   * goes out again after a crash: they must survive a power loss too
   * (FULL fsyncs the log at this commit; NORMAL only at checkpoints). */
  sqlite3_exec (self->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
  ok = stmt_done (self, stmt, error);
  sqlite3_exec (self->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
  if (!ok)
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                   _("The message is no longer in the outbox"));
      return FALSE;
    }

  return TRUE;
}

/**
 * pf_store_outbox_remove:
 * @self: a #PfStore
 * @item_id: an entry
 * @delete_file: whether to delete the message file as well
 * @error: return location for a #GError
 *
 * Removes an entry, after the message was sent and copied to Sent, or
 * when the user gives up on it.
 *
 * Returns: %TRUE, or %FALSE with @error set (%PF_STORE_ERROR_NOT_FOUND)
 */
gboolean
pf_store_outbox_remove (PfStore   *self,
                        gint64     item_id,
                        gboolean   delete_file,
                        GError   **error)
{
  g_autoptr(PfStoreOutboxItem) item = NULL;
  g_autoptr(PfStmt) stmt = NULL;

  g_return_val_if_fail (PF_IS_STORE (self), FALSE);

  item = pf_store_outbox_get (self, item_id, error);
  if (item == NULL)
    return FALSE;

  stmt = store_stmt (self, "DELETE FROM outbox WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, item_id);
  if (!stmt_done (self, stmt, error))
    return FALSE;

  if (delete_file && g_unlink (item->path) != 0 && errno != ENOENT)
    g_debug ("Cannot remove %s: %s", item->path, g_strerror (errno));

  return TRUE;
}
