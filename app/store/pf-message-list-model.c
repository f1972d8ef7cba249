/* pf-message-list-model.c
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
#include "pf-message-summary-private.h"
#include "pf-message-list-model.h"

/*
 * A GListModel of PfMessageSummary, newest first (ties by id), over one
 * or more sources: a folder, a full-text search (in a folder or in all
 * folders of a store), or several folders of several stores (the unified
 * inbox).
 *
 * The model keeps only a compact array of rows (sort date, message id,
 * source): one indexed query per source. Summary objects are created in
 * get_item() a page at a time and kept in a small cache; every object
 * that is still alive is found again through a weak table, so flag
 * changes reach the very objects the list shows, as property notifies.
 * Inserts and removals arrive with PfStore::messages-changed and become
 * items-changed signals at their exact positions.
 */

#define PAGE_SIZE      100
#define CACHE_SIZE     (4 * PAGE_SIZE)
#define MAX_RUNS       32
#define SOURCE_SHIFT   44

typedef struct
{
  gint64  date;
  gint64  id;
  guint32 source;
} Row;

typedef struct
{
  PfMessageListModel *model;   /* borrowed: owns the source */
  PfStore            *store;
  guint32             tag;     /* unique in the model, part of cache keys */
  gint64              folder_id;
  char               *fts_query;
  gboolean            threads;   /* one row per conversation */
  gulong              changed_handler;
  gulong              removed_handler;
} Source;

/* A conversation in a folder: its newest message there and how many of
 * its messages the folder holds. */
typedef struct
{
  gint64 date;
  gint64 id;
  gint64 thread_id;
  guint  count;
} ThreadRow;

struct _PfMessageListModel
{
  GObject     parent_instance;

  /* Owned */
  GPtrArray  *sources;   /* of Source* */
  GArray     *rows;      /* of Row, in display order */
  GHashTable *live;      /* gint64* key → PfMessageSummary* (weak) */
  GQueue      cache;     /* strong references, oldest first */
  guint32     next_tag;

  /* A single folder is opened with its first page only: the rest of its
   * rows come when something needs them (see complete_rows()). */
  Source     *tail_source;
  guint       tail_count;  /* rows counted but not loaded yet */
  GCancellable *tail_cancellable;  /* the worker reading them */

  /* Conversations: thread id (gint64*) → messages in the folder. The
   * complete list is read by a worker on a connection of its own; the
   * model starts with its first page. */
  GHashTable   *thread_counts;
  GCancellable *thread_cancellable;
  gboolean      thread_scan_running;
  gboolean      thread_scan_again;
};

enum
{
  PROP_0,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void pf_message_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PfMessageListModel, pf_message_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      pf_message_list_model_iface_init))

static inline gint64
make_key (guint32 tag,
          gint64  id)
{
  return ((gint64) tag << SOURCE_SHIFT) | id;
}

/* Display order: newest first, then higher id, then higher source tag. */
static inline int
row_compare (const Row *a,
             const Row *b)
{
  if (a->date != b->date)
    return a->date > b->date ? -1 : 1;
  if (a->id != b->id)
    return a->id > b->id ? -1 : 1;
  if (a->source != b->source)
    return a->source > b->source ? -1 : 1;
  return 0;
}

static int
row_compare_func (gconstpointer a,
                  gconstpointer b)
{
  return row_compare (a, b);
}

static Source *
find_source_by_tag (PfMessageListModel *self,
                    guint32             tag)
{
  for (guint i = 0; i < self->sources->len; i++)
    {
      Source *source = self->sources->pdata[i];

      if (source->tag == tag)
        return source;
    }

  return NULL;
}

/* The cache of summary objects */

static void
on_summary_finalized (gpointer  data,
                      GObject  *where_the_object_was)
{
  PfMessageListModel *self = data;
  PfMessageSummary *summary = (PfMessageSummary *) where_the_object_was;

  /* The key lives in the dying object; remove by the value's key. */
  g_hash_table_remove (self->live, &summary->key);
}

static void
cache_keep (PfMessageListModel *self,
            PfMessageSummary   *summary)
{
  if (summary->in_lru)
    return;

  summary->in_lru = TRUE;
  g_queue_push_tail (&self->cache, g_object_ref (summary));

  while (self->cache.length > CACHE_SIZE)
    {
      PfMessageSummary *old = g_queue_pop_head (&self->cache);

      old->in_lru = FALSE;
      g_object_unref (old);
    }
}

static PfMessageSummary *
make_summary (PfMessageListModel   *self,
              Source               *source,
              const PfStoreMessage *message)
{
  PfMessageSummary *summary = pf_message_summary_new_from_message (message);

  summary->store = source->store;
  summary->key = make_key (source->tag, message->id);
  if (source->threads && self->thread_counts != NULL)
    {
      gint64 thread = summary->thread_id != 0 ? summary->thread_id : -summary->id;
      gpointer count = g_hash_table_lookup (self->thread_counts, &thread);

      summary->thread_count = count != NULL ? GPOINTER_TO_UINT (count) : 1;
    }
  g_hash_table_insert (self->live, &summary->key, summary);
  g_object_weak_ref (G_OBJECT (summary), on_summary_finalized, self);

  return summary;
}

/* Loads the messages @ids (at most PAGE_SIZE) of @source and hands each to
 * @func. Ids that no longer exist are skipped. */
typedef void (*MessageFunc) (PfMessageListModel *self,
                             Source             *source,
                             PfStoreMessage     *message,
                             gpointer            user_data);

static void
load_messages (PfMessageListModel *self,
               Source             *source,
               const gint64       *ids,
               guint               n_ids,
               MessageFunc         func,
               gpointer            user_data)
{
  /* One statement for every call, prepared once per store: its unused
   * placeholders are bound to 0, which no message id is. */
  static char *sql;
  const char *data_dir = pf_store_get_data_dir (source->store);
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *own = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_if_fail (n_ids <= PAGE_SIZE);
  if (n_ids == 0)
    return;

  if (g_once_init_enter (&sql))
    {
      GString *text = g_string_new ("SELECT " PF_STORE_MESSAGE_COLUMNS
                                    " FROM messages m WHERE id IN (?");

      for (guint i = 1; i < PAGE_SIZE; i++)
        g_string_append (text, ",?");
      g_string_append_c (text, ')');
      g_once_init_leave (&sql, g_string_free (text, FALSE));
    }

  stmt = _pf_store_get_cached_stmt (source->store, sql, &error);
  if (stmt == NULL)
    {
      g_warning ("Cannot load messages: %s", error->message);
      return;
    }
  /* Called again from within @func: that call gets a statement of its own */
  if (sqlite3_stmt_busy (stmt))
    {
      if (sqlite3_prepare_v2 (sqlite3_db_handle (stmt), sql, -1, &own, NULL) != SQLITE_OK)
        {
          g_warning ("Cannot load messages: %s", sqlite3_errmsg (sqlite3_db_handle (stmt)));
          return;
        }
      stmt = own;
    }

  for (guint i = 0; i < PAGE_SIZE; i++)
    sqlite3_bind_int64 (stmt, i + 1, i < n_ids ? ids[i] : 0);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(PfStoreMessage) message = _pf_store_message_from_row (stmt, data_dir);

      func (self, source, message, user_data);
    }
  if (rc != SQLITE_DONE)
    g_warning ("Cannot load messages: %s", sqlite3_errmsg (sqlite3_db_handle (stmt)));

  if (own != NULL)
    sqlite3_finalize (own);
  else
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
    }
}

static void
cache_message_cb (PfMessageListModel *self,
                  Source             *source,
                  PfStoreMessage     *message,
                  gpointer            user_data)
{
  gint64 key = make_key (source->tag, message->id);
  PfMessageSummary *summary = g_hash_table_lookup (self->live, &key);

  if (summary == NULL)
    {
      summary = make_summary (self, source, message);
      cache_keep (self, summary);
      g_object_unref (summary);
    }
}

/* Materializes the summaries of the page around @position. */
static void
load_page (PfMessageListModel *self,
           guint               position)
{
  guint start = position - position % PAGE_SIZE;
  guint end = MIN (start + PAGE_SIZE, self->rows->len);

  for (guint s = 0; s < self->sources->len; s++)
    {
      Source *source = self->sources->pdata[s];
      gint64 ids[PAGE_SIZE];
      guint n_ids = 0;

      for (guint i = start; i < end; i++)
        {
          const Row *row = &g_array_index (self->rows, Row, i);
          gint64 key = make_key (row->source, row->id);

          if (row->source == source->tag && !g_hash_table_contains (self->live, &key))
            ids[n_ids++] = row->id;
        }

      load_messages (self, source, ids, n_ids, cache_message_cb, NULL);
    }
}

/* GListModel */

static GType
pf_message_list_model_get_item_type (GListModel *model)
{
  return PF_TYPE_MESSAGE_SUMMARY;
}

static void complete_rows (PfMessageListModel *self);

static guint
pf_message_list_model_get_n_items (GListModel *model)
{
  PfMessageListModel *self = PF_MESSAGE_LIST_MODEL (model);

  return self->rows->len + self->tail_count;
}

static gpointer
pf_message_list_model_get_item (GListModel *model,
                                guint       position)
{
  PfMessageListModel *self = PF_MESSAGE_LIST_MODEL (model);
  PfMessageSummary *summary;
  const Row *row;
  gint64 key;

  if (position >= self->rows->len && self->tail_count > 0)
    complete_rows (self);
  if (position >= self->rows->len)
    return NULL;

  row = &g_array_index (self->rows, Row, position);
  key = make_key (row->source, row->id);
  summary = g_hash_table_lookup (self->live, &key);

  if (summary == NULL)
    {
      load_page (self, position);
      row = &g_array_index (self->rows, Row, position);
      summary = g_hash_table_lookup (self->live, &key);
    }

  if (summary == NULL)
    {
      /* Removed from the index; the removal signal is still on its way. */
      g_autoptr(PfStoreMessage) gone = pf_store_message_new ();
      Source *source = find_source_by_tag (self, row->source);

      gone->id = row->id;
      gone->date = row->date;
      summary = make_summary (self, source, gone);
      cache_keep (self, summary);
      return summary;
    }

  cache_keep (self, summary);
  return g_object_ref (summary);
}

static void
pf_message_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = pf_message_list_model_get_item_type;
  iface->get_n_items = pf_message_list_model_get_n_items;
  iface->get_item = pf_message_list_model_get_item;
}

/* Loading the rows of a source */

static gboolean
source_load_rows (Source  *source,
                  GArray  *rows,
                  GError **error)
{
  sqlite3 *db = _pf_store_get_db (source->store);
  sqlite3_stmt *stmt = NULL;
  const char *sql;
  int rc;

  if (db == NULL)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_FAILED, _("The mail index is closed"));
      return FALSE;
    }

  if (source->fts_query != NULL)
    sql = "SELECT m.sort_date, m.id FROM messages_fts JOIN messages m"
          " ON m.id = messages_fts.rowid WHERE messages_fts MATCH ?1"
          " AND (?2 = 0 OR m.folder_id = ?2) AND m.flags & 8 = 0";
  else
    sql = "SELECT sort_date, id FROM messages INDEXED BY messages_folder_date"
          " WHERE folder_id = ?2 AND flags & 8 = 0 ORDER BY sort_date DESC, id DESC";

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return _pf_store_set_error (error, db, rc, sql);

  if (source->fts_query != NULL)
    sqlite3_bind_text (stmt, 1, source->fts_query, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, source->folder_id);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Row row;

      row.date = sqlite3_column_int64 (stmt, 0);
      row.id = sqlite3_column_int64 (stmt, 1);
      row.source = source->tag;
      g_array_append_val (rows, row);
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      if (source->fts_query != NULL)
        {
          g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                       _("Cannot search for this: %s"), sqlite3_errmsg (db));
          return FALSE;
        }
      return _pf_store_set_error (error, db, rc, sql);
    }

  return TRUE;
}


/* The first page of a single folder, and how many rows it has in all:
 * a list shows its top without reading 100,000 ids first. */
#define FIRST_PAGE 256

static gboolean
source_load_first_page (Source  *source,
                        GArray  *rows,
                        guint   *total,
                        GError **error)
{
  sqlite3 *db = _pf_store_get_db (source->store);
  sqlite3_stmt *stmt = NULL;
  const char *sql;
  int rc;

  if (db == NULL)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_FAILED, _("The mail index is closed"));
      return FALSE;
    }

  sql = "SELECT count(*) FROM messages INDEXED BY messages_folder_date"
        " WHERE folder_id = ?1 AND flags & 8 = 0";
  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return _pf_store_set_error (error, db, rc, sql);
  sqlite3_bind_int64 (stmt, 1, source->folder_id);
  rc = sqlite3_step (stmt);
  *total = rc == SQLITE_ROW ? (guint) sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    return _pf_store_set_error (error, db, rc, sql);

  sql = "SELECT sort_date, id FROM messages INDEXED BY messages_folder_date"
        " WHERE folder_id = ?1 AND flags & 8 = 0 ORDER BY sort_date DESC, id DESC LIMIT ?2";
  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return _pf_store_set_error (error, db, rc, sql);
  sqlite3_bind_int64 (stmt, 1, source->folder_id);
  sqlite3_bind_int64 (stmt, 2, FIRST_PAGE);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Row row;

      row.date = sqlite3_column_int64 (stmt, 0);
      row.id = sqlite3_column_int64 (stmt, 1);
      row.source = source->tag;
      g_array_append_val (rows, row);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return _pf_store_set_error (error, db, rc, sql);
  return TRUE;
}

/* The rows after @after (older), newest first, of a folder. */
static gboolean
read_tail (sqlite3    *db,
           gint64      folder_id,
           const Row  *after,
           guint32     tag,
           GArray     *rows)
{
  static const char sql[] =
    "SELECT sort_date, id FROM messages INDEXED BY messages_folder_date"
    " WHERE folder_id = ?1 AND flags & 8 = 0"
    " AND (sort_date < ?2 OR (sort_date = ?2 AND id < ?3))"
    " ORDER BY sort_date DESC, id DESC";
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (db == NULL || sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, after->date);
  sqlite3_bind_int64 (stmt, 3, after->id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Row row;

      row.date = sqlite3_column_int64 (stmt, 0);
      row.id = sqlite3_column_int64 (stmt, 1);
      row.source = tag;
      g_array_append_val (rows, row);
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE;
}

static Row
tail_start (PfMessageListModel *self)
{
  Row after = { G_MAXINT64, G_MAXINT64, 0 };

  if (self->rows->len > 0)
    after = g_array_index (self->rows, Row, self->rows->len - 1);
  return after;
}

/* The rows after the first page are in: rows that changed in the index
 * since the count are reported with one items-changed over the tail; the
 * change signals still to come find them present and skip them. */
static void
merge_tail (PfMessageListModel *self,
            GArray             *tail)
{
  guint loaded = self->rows->len;
  guint advertised = self->tail_count;
  gboolean was_loading = pf_message_list_model_get_loading (self);

  self->tail_source = NULL;
  self->tail_count = 0;
  /* A worker still reading them is not wanted any more */
  g_cancellable_cancel (self->tail_cancellable);
  g_clear_object (&self->tail_cancellable);
  g_array_append_vals (self->rows, tail->data, tail->len);
  if (self->rows->len != loaded + advertised)
    g_list_model_items_changed (G_LIST_MODEL (self), loaded, advertised,
                                self->rows->len - loaded);
  if (was_loading && !pf_message_list_model_get_loading (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* Loads the rows after the first page on the spot, when they are needed
 * before the worker of tail_scan_start() has read them. */
static void
complete_rows (PfMessageListModel *self)
{
  Source *source = self->tail_source;
  g_autoptr(GArray) tail = NULL;
  Row after;

  if (source == NULL)
    return;
  after = tail_start (self);
  tail = g_array_sized_new (FALSE, FALSE, sizeof (Row), self->tail_count);
  if (!read_tail (_pf_store_get_db (source->store), source->folder_id, &after, source->tag, tail))
    g_warning ("Cannot read the message list: %s",
               sqlite3_errmsg (_pf_store_get_db (source->store)));
  merge_tail (self, tail);
}

typedef struct
{
  char   *db_path;
  gint64  folder_id;
  Row     after;
  guint   expected;
} TailScan;

static void
tail_scan_free (TailScan *scan)
{
  g_free (scan->db_path);
  g_free (scan);
}

static void
tail_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TailScan *scan = task_data;
  g_autoptr(GArray) tail = g_array_sized_new (FALSE, FALSE, sizeof (Row), scan->expected);
  sqlite3 *db = NULL;
  gboolean ok;

  ok = sqlite3_open_v2 (scan->db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                        NULL) == SQLITE_OK &&
       read_tail (db, scan->folder_id, &scan->after, scan->after.source, tail);
  sqlite3_close (db);
  if (!ok)
    g_task_return_new_error (task, PF_STORE_ERROR, PF_STORE_ERROR_FAILED,
                             "Cannot read the message list");
  else
    g_task_return_pointer (task, g_steal_pointer (&tail), (GDestroyNotify) g_array_unref);
}

static void
tail_scanned_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PfMessageListModel *self = PF_MESSAGE_LIST_MODEL (object);
  g_autoptr(GArray) tail = g_task_propagate_pointer (G_TASK (result), NULL);

  /* Still wanted: nothing asked for the rows, nothing changed meanwhile
   * (either would have read them on the spot, complete_rows()). */
  if (g_task_get_cancellable (G_TASK (result)) != self->tail_cancellable)
    return;
  if (tail != NULL && self->tail_source != NULL)
    merge_tail (self, tail);
  else
    {
      /* Read on the spot when needed */
      g_clear_object (&self->tail_cancellable);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
    }
}

/* A large folder opens with its first page; the rest of its rows are read
 * by a worker right away, on a connection of its own, so that scrolling
 * far does not read 100,000 rows on the main thread. */
static void
tail_scan_start (PfMessageListModel *self)
{
  Source *source = self->tail_source;
  g_autoptr(GTask) task = NULL;
  TailScan *scan = g_new0 (TailScan, 1);

  scan->db_path = g_build_filename (pf_store_get_data_dir (source->store), "index.sqlite", NULL);
  scan->folder_id = source->folder_id;
  scan->after = tail_start (self);
  scan->after.source = source->tag;
  scan->expected = self->tail_count;
  g_clear_object (&self->tail_cancellable);
  self->tail_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->tail_cancellable, tail_scanned_cb, NULL);
  g_task_set_source_tag (task, tail_scan_start);
  g_task_set_task_data (task, scan, (GDestroyNotify) tail_scan_free);
  g_task_run_in_thread (task, tail_worker);
}

/* Changes */

typedef struct
{
  guint   position;   /* in the old array */
  guint   removed;
  guint   added;
  guint   first_new;  /* index of the first added row in the new rows */
} Run;

/*
 * Replaces the rows: every row whose key is in @removed goes, the rows of
 * @added (sorted) come in at their places. Emits items-changed for each
 * contiguous run of changes, from the last to the first, so the positions
 * of each signal are valid when it is emitted. With very many runs, the
 * array is swapped and one signal covers the span from the first to the
 * last change.
 */
static void
apply_row_changes (PfMessageListModel *self,
                   GHashTable         *removed,
                   GArray             *added)
{
  g_autoptr(GArray) runs = g_array_new (FALSE, FALSE, sizeof (Run));
  g_autoptr(GArray) final = NULL;
  GArray *old = self->rows;
  guint i = 0, j = 0;
  Run *run = NULL;

  if (g_hash_table_size (removed) == 0 && added->len == 0)
    return;

  g_array_sort (added, row_compare_func);
  final = g_array_sized_new (FALSE, FALSE, sizeof (Row), old->len + added->len);

  while (i < old->len || j < added->len)
    {
      const Row *o = i < old->len ? &g_array_index (old, Row, i) : NULL;
      const Row *n = j < added->len ? &g_array_index (added, Row, j) : NULL;
      gint64 key;

      if (n != NULL && (o == NULL || row_compare (n, o) < 0))
        {
          if (run == NULL)
            {
              Run r = { i, 0, 0, j };

              g_array_append_val (runs, r);
              run = &g_array_index (runs, Run, runs->len - 1);
            }
          run->added++;
          g_array_append_val (final, *n);
          j++;
          continue;
        }

      key = make_key (o->source, o->id);
      if (g_hash_table_contains (removed, &key))
        {
          if (run == NULL)
            {
              Run r = { i, 0, 0, j };

              g_array_append_val (runs, r);
              run = &g_array_index (runs, Run, runs->len - 1);
            }
          run->removed++;
          i++;
          continue;
        }

      run = NULL;
      g_array_append_val (final, *o);
      i++;
    }

  if (runs->len == 0)
    return;

  if (runs->len <= MAX_RUNS)
    {
      for (guint r = runs->len; r > 0; r--)
        {
          const Run *cur = &g_array_index (runs, Run, r - 1);

          if (cur->removed > 0)
            g_array_remove_range (self->rows, cur->position, cur->removed);
          if (cur->added > 0)
            g_array_insert_vals (self->rows, cur->position,
                                 &g_array_index (added, Row, cur->first_new), cur->added);
          g_list_model_items_changed (G_LIST_MODEL (self), cur->position, cur->removed,
                                      cur->added);
        }
    }
  else
    {
      const Run *first = &g_array_index (runs, Run, 0);
      const Run *last = &g_array_index (runs, Run, runs->len - 1);
      guint old_span = last->position + last->removed - first->position;
      guint new_span = old_span + final->len - old->len;

      self->rows = g_steal_pointer (&final);
      g_array_unref (old);
      g_list_model_items_changed (G_LIST_MODEL (self), first->position, old_span, new_span);
    }
}

static gboolean
find_row (PfMessageListModel *self,
          const Row          *row,
          guint              *position)
{
  guint lo = 0, hi = self->rows->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      int cmp = row_compare (&g_array_index (self->rows, Row, mid), row);

      if (cmp == 0)
        {
          if (position != NULL)
            *position = mid;
          return TRUE;
        }
      if (cmp < 0)
        lo = mid + 1;
      else
        hi = mid;
    }

  return FALSE;
}

typedef struct
{
  GHashTable *removed;
  GArray     *added;
  GHashTable *inserted_ids;   /* ids to add if the row is not there yet */
  GHashTable *match;          /* for searches: ids that match the query */
} ChangeContext;

/* Finds the row of a message by id, scanning (only for updated messages
 * whose date changed, which is rare). */
static gboolean
find_row_by_id (PfMessageListModel *self,
                Source             *source,
                gint64              id,
                Row                *out)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      const Row *row = &g_array_index (self->rows, Row, i);

      if (row->id == id && row->source == source->tag)
        {
          *out = *row;
          return TRUE;
        }
    }

  return FALSE;
}

static void
changed_message_cb (PfMessageListModel *self,
                    Source             *source,
                    PfStoreMessage     *message,
                    gpointer            user_data)
{
  ChangeContext *ctx = user_data;
  gint64 key = make_key (source->tag, message->id);
  PfMessageSummary *summary = g_hash_table_lookup (self->live, &key);
  Row row = { message->date != 0 ? message->date : message->internal_date, message->id,
              source->tag };
  gboolean wanted;

  /* Marked \Deleted here: moved or deleted, waiting for the server. */
  wanted = (source->folder_id == 0 || message->folder_id == source->folder_id) &&
           (message->flags & PF_STORE_FLAG_DELETED) == 0 &&
           (ctx->match == NULL || g_hash_table_contains (ctx->match, &message->id));

  if (g_hash_table_contains (ctx->inserted_ids, &message->id))
    {
      if (wanted && !find_row (self, &row, NULL))
        g_array_append_val (ctx->added, row);
    }
  else if (!find_row (self, &row, NULL))
    {
      Row old;

      if (wanted && find_row_by_id (self, source, message->id, &old))
        {
          /* An update that changed the sort date moves the row. */
          gint64 *removed_key = g_new (gint64, 1);

          *removed_key = key;
          g_hash_table_add (ctx->removed, removed_key);
          g_array_append_val (ctx->added, row);
        }
      else if (wanted)
        /* Shown again: an undone move or delete. */
        g_array_append_val (ctx->added, row);
    }
  else if (!wanted)
    {
      /* Gone from this list while still in the store. */
      gint64 *removed_key = g_new (gint64, 1);

      *removed_key = key;
      g_hash_table_add (ctx->removed, removed_key);
    }

  if (summary != NULL)
    pf_message_summary_update (summary, message);
}

/* For a search source: which of @ids match its query. */
static GHashTable *
source_match (Source       *source,
              const gint64 *ids,
              gsize         n_ids)
{
  sqlite3 *db = _pf_store_get_db (source->store);
  GHashTable *match = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  sqlite3_stmt *stmt = NULL;

  if (db == NULL || sqlite3_prepare_v2 (db, "SELECT rowid FROM messages_fts"
                                        " WHERE messages_fts MATCH ?1 AND rowid = ?2",
                                        -1, &stmt, NULL) != SQLITE_OK)
    return match;

  for (gsize i = 0; i < n_ids; i++)
    {
      sqlite3_bind_text (stmt, 1, source->fts_query, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, ids[i]);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        g_hash_table_add (match, g_memdup2 (&ids[i], sizeof (gint64)));
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);

  return match;
}

static void
source_apply_changes (Source         *source,
                      PfStoreChanges *changes)
{
  PfMessageListModel *self = source->model;
  g_autoptr(GHashTable) removed = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GHashTable) inserted_ids = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GHashTable) match = NULL;
  g_autoptr(GArray) added = g_array_new (FALSE, FALSE, sizeof (Row));
  g_autoptr(GArray) load = g_array_new (FALSE, FALSE, sizeof (gint64));
  ChangeContext ctx;
  const gint64 *ids;
  gsize n;

  ids = pf_store_changes_get_removed (changes, &n);
  for (gsize i = 0; i < n; i++)
    {
      gint64 *key = g_new (gint64, 1);

      *key = make_key (source->tag, ids[i]);
      g_hash_table_add (removed, key);
    }

  ids = pf_store_changes_get_inserted (changes, &n);
  for (gsize i = 0; i < n; i++)
    g_hash_table_add (inserted_ids, (gpointer) &ids[i]);
  g_array_append_vals (load, ids, n);

  ids = pf_store_changes_get_updated (changes, &n);
  g_array_append_vals (load, ids, n);

  /* Newly indexed messages matter to a search only */
  if (source->fts_query != NULL)
    {
      ids = pf_store_changes_get_indexed (changes, &n);
      g_array_append_vals (load, ids, n);
      match = source_match (source, (const gint64 *) (gpointer) load->data, load->len);
    }

  ctx.removed = removed;
  ctx.added = added;
  ctx.inserted_ids = inserted_ids;
  ctx.match = match;

  for (guint i = 0; i < load->len; i += PAGE_SIZE)
    load_messages (self, source, &g_array_index (load, gint64, i),
                   MIN (PAGE_SIZE, load->len - i), changed_message_cb, &ctx);

  apply_row_changes (self, removed, added);
}

/* Conversations
 *
 * A conversations list has one row per thread of the folder: the thread's
 * newest message there, with how many of its messages the folder holds.
 * Reading that for a whole folder means visiting every message (its
 * thread id is not in the date index), so the model opens with the
 * first THREAD_FIRST_PAGE conversations, read on the spot, and a worker
 * reads the complete list on a connection of its own. Every change to
 * the folder is answered the same way: the worker reads the list again
 * and the difference is emitted as one items-changed. */

#define THREAD_FIRST_PAGE 100

static inline gint64
thread_key (gint64 thread_id,
            gint64 message_id)
{
  /* A message outside any thread is a conversation of its own. */
  return thread_id != 0 ? thread_id : -message_id;
}

/* Reads the conversations of @folder_id, newest first: a message either
 * starts a conversation or counts towards one seen already. Stops after
 * @limit conversations (then the counts are not complete), or reads all
 * with @limit 0. */
static gboolean
scan_threads (sqlite3       *db,
              gint64         folder_id,
              guint          limit,
              GArray        *trows,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  sqlite3_stmt *stmt = NULL;
  const char *sql;
  guint n = 0;
  int rc;

  sql = "SELECT sort_date, id, thread_id FROM messages INDEXED BY messages_folder_date"
        " WHERE folder_id = ?1 AND flags & 8 = 0 ORDER BY sort_date DESC, id DESC";
  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return _pf_store_set_error (error, db, rc, sql);
  sqlite3_bind_int64 (stmt, 1, folder_id);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ThreadRow row;
      gpointer index;

      row.date = sqlite3_column_int64 (stmt, 0);
      row.id = sqlite3_column_int64 (stmt, 1);
      row.thread_id = thread_key (sqlite3_column_int64 (stmt, 2), row.id);
      row.count = 1;

      index = g_hash_table_lookup (seen, &row.thread_id);
      if (index != NULL)
        g_array_index (trows, ThreadRow, GPOINTER_TO_UINT (index) - 1).count++;
      else if (limit > 0 && trows->len == limit)
        break;
      else
        {
          g_array_append_val (trows, row);
          g_hash_table_insert (seen, g_memdup2 (&row.thread_id, sizeof (gint64)),
                               GUINT_TO_POINTER (trows->len));
        }

      if (++n % 4096 == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          sqlite3_finalize (stmt);
          return FALSE;
        }
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return _pf_store_set_error (error, db, rc, sql);
  return TRUE;
}

/* The counts of a first page: each conversation's messages in the folder,
 * through the thread index. */
static void
count_threads (sqlite3 *db,
               gint64   folder_id,
               GArray  *trows)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT count(*) FROM messages INDEXED BY messages_thread"
                          " WHERE thread_id = ?1 AND folder_id = ?2 AND flags & 8 = 0",
                          -1, &stmt, NULL) != SQLITE_OK)
    return;

  for (guint i = 0; i < trows->len; i++)
    {
      ThreadRow *row = &g_array_index (trows, ThreadRow, i);

      if (row->thread_id < 0)
        continue;
      sqlite3_bind_int64 (stmt, 1, row->thread_id);
      sqlite3_bind_int64 (stmt, 2, folder_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        row->count = MAX (1, (guint) sqlite3_column_int64 (stmt, 0));
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
}

static inline gboolean
row_equal (const Row *a,
           const Row *b)
{
  return a->id == b->id && a->date == b->date && a->source == b->source;
}

/* Takes @trows as the conversations of @source: counts of live summaries
 * are updated in place, rows that differ are replaced with one
 * items-changed. */
static void
apply_thread_rows (PfMessageListModel *self,
                   Source             *source,
                   GArray             *trows)
{
  g_autoptr(GArray) rows = g_array_sized_new (FALSE, FALSE, sizeof (Row), trows->len);
  GHashTable *counts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer value;
  GArray *old;
  guint prefix = 0;
  guint suffix = 0;

  for (guint i = 0; i < trows->len; i++)
    {
      const ThreadRow *trow = &g_array_index (trows, ThreadRow, i);
      Row row = { trow->date, trow->id, source->tag };

      g_array_append_val (rows, row);
      g_hash_table_insert (counts, g_memdup2 (&trow->thread_id, sizeof (gint64)),
                           GUINT_TO_POINTER (trow->count));
    }
  g_clear_pointer (&self->thread_counts, g_hash_table_unref);
  self->thread_counts = counts;

  g_hash_table_iter_init (&iter, self->live);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PfMessageSummary *summary = value;
      gint64 key = thread_key (summary->thread_id, summary->id);
      gpointer count = g_hash_table_lookup (counts, &key);

      if (count != NULL)
        _pf_message_summary_set_thread_count (summary, GPOINTER_TO_UINT (count));
    }

  old = self->rows;
  while (prefix < old->len && prefix < rows->len &&
         row_equal (&g_array_index (old, Row, prefix), &g_array_index (rows, Row, prefix)))
    prefix++;
  while (suffix < old->len - prefix && suffix < rows->len - prefix &&
         row_equal (&g_array_index (old, Row, old->len - 1 - suffix),
                    &g_array_index (rows, Row, rows->len - 1 - suffix)))
    suffix++;

  self->rows = g_steal_pointer (&rows);
  if (old->len != prefix + suffix || self->rows->len != prefix + suffix)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, old->len - prefix - suffix,
                                self->rows->len - prefix - suffix);
  g_array_unref (old);
}

typedef struct
{
  char   *db_path;
  gint64  folder_id;
} ScanData;

static void
scan_data_free (ScanData *data)
{
  g_free (data->db_path);
  g_free (data);
}

static void
scan_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ScanData *data = task_data;
  g_autoptr(GArray) trows = g_array_new (FALSE, FALSE, sizeof (ThreadRow));
  GError *error = NULL;
  sqlite3 *db = NULL;
  int rc;

  rc = sqlite3_open_v2 (data->db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      _pf_store_set_error (&error, db, rc, "open");
      sqlite3_close (db);
      g_task_return_error (task, error);
      return;
    }
  sqlite3_busy_timeout (db, 5000);

  if (!scan_threads (db, data->folder_id, 0, trows, cancellable, &error))
    {
      sqlite3_close (db);
      g_task_return_error (task, error);
      return;
    }
  sqlite3_close (db);
  g_task_return_pointer (task, g_steal_pointer (&trows), (GDestroyNotify) g_array_unref);
}

static void thread_scan_start (PfMessageListModel *self);

static Source *
threads_source (PfMessageListModel *self)
{
  for (guint i = 0; i < self->sources->len; i++)
    {
      Source *source = self->sources->pdata[i];

      if (source->threads)
        return source;
    }
  return NULL;
}

static void
thread_scan_done_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  PfMessageListModel *self = PF_MESSAGE_LIST_MODEL (object);
  g_autoptr(GArray) trows = NULL;
  g_autoptr(GError) error = NULL;
  Source *source;

  self->thread_scan_running = FALSE;
  trows = g_task_propagate_pointer (G_TASK (result), &error);
  if (trows == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Cannot read the conversations: %s", error->message);

  source = threads_source (self);
  if (trows != NULL && source != NULL && !self->thread_scan_again)
    apply_thread_rows (self, source, trows);

  if (self->thread_scan_again && source != NULL &&
      !g_cancellable_is_cancelled (self->thread_cancellable))
    thread_scan_start (self);
  else
    g_object_notify_by_pspec (object, properties[PROP_LOADING]);
}

static void
thread_scan_start (PfMessageListModel *self)
{
  Source *source = threads_source (self);
  g_autoptr(GTask) task = NULL;
  ScanData *data;

  if (source == NULL)
    return;
  if (self->thread_scan_running)
    {
      /* A change while reading: read again when this one is done. */
      self->thread_scan_again = TRUE;
      return;
    }

  data = g_new0 (ScanData, 1);
  data->db_path = g_build_filename (pf_store_get_data_dir (source->store), "index.sqlite", NULL);
  data->folder_id = source->folder_id;

  self->thread_scan_running = TRUE;
  self->thread_scan_again = FALSE;
  task = g_task_new (self, self->thread_cancellable, thread_scan_done_cb, NULL);
  g_task_set_source_tag (task, thread_scan_start);
  g_task_set_task_data (task, data, (GDestroyNotify) scan_data_free);
  g_task_run_in_thread (task, scan_worker);
}

static void
update_summary_cb (PfMessageListModel *self,
                   Source             *source,
                   PfStoreMessage     *message,
                   gpointer            user_data)
{
  gint64 key = make_key (source->tag, message->id);
  PfMessageSummary *summary = g_hash_table_lookup (self->live, &key);

  if (summary != NULL)
    pf_message_summary_update (summary, message);
}

static void
threads_apply_changes (Source         *source,
                       PfStoreChanges *changes)
{
  PfMessageListModel *self = source->model;
  const gint64 *ids;
  gsize n;

  /* Flags show at once; rows and counts follow the next read. */
  ids = pf_store_changes_get_updated (changes, &n);
  for (gsize i = 0; i < n; i += PAGE_SIZE)
    load_messages (self, source, &ids[i], MIN (PAGE_SIZE, n - i), update_summary_cb, NULL);

  if (!self->thread_scan_running)
    {
      thread_scan_start (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
    }
  else
    thread_scan_start (self);
}

static void
on_messages_changed_cb (PfStore        *store,
                        gint64          folder_id,
                        PfStoreChanges *changes,
                        Source         *source)
{
  gsize n_inserted = 0;

  if (source->folder_id != 0 && source->folder_id != folder_id)
    return;

  if (source->threads)
    {
      threads_apply_changes (source, changes);
      return;
    }

  /* New messages reach the full-text index after their summaries; a
   * handful is indexed here so that a live search sees them at once
   * (this emits its own change, which is looked at below as well). */
  pf_store_changes_get_inserted (changes, &n_inserted);
  if (source->fts_query != NULL && n_inserted > 0)
    _pf_store_catch_up_index (store);

  complete_rows (source->model);
  source_apply_changes (source, changes);
}

static void
remove_source_rows (PfMessageListModel *self,
                    Source             *source,
                    gboolean            emit)
{
  g_autoptr(GHashTable) removed = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GArray) added = g_array_new (FALSE, FALSE, sizeof (Row));

  for (guint i = 0; i < self->rows->len; i++)
    {
      const Row *row = &g_array_index (self->rows, Row, i);

      if (row->source == source->tag)
        {
          gint64 *key = g_new (gint64, 1);

          *key = make_key (row->source, row->id);
          g_hash_table_add (removed, key);
        }
    }

  if (emit)
    apply_row_changes (self, removed, added);
}

static void
on_folder_removed_cb (PfStore *store,
                      gint64   folder_id,
                      Source  *source)
{
  if (source->folder_id == folder_id)
    {
      complete_rows (source->model);
      remove_source_rows (source->model, source, TRUE);
    }
}

static void
source_free (Source *source)
{
  g_clear_signal_handler (&source->changed_handler, source->store);
  g_clear_signal_handler (&source->removed_handler, source->store);
  g_clear_object (&source->store);
  g_free (source->fts_query);
  g_free (source);
}

/* GObject */

static void
drop_weak_ref (gpointer key,
               gpointer value,
               gpointer user_data)
{
  g_object_weak_unref (value, on_summary_finalized, user_data);
  PF_MESSAGE_SUMMARY (value)->store = NULL;
}

static void
pf_message_list_model_dispose (GObject *object)
{
  PfMessageListModel *self = PF_MESSAGE_LIST_MODEL (object);
  PfMessageSummary *summary;

  g_cancellable_cancel (self->thread_cancellable);
  g_cancellable_cancel (self->tail_cancellable);
  while ((summary = g_queue_pop_head (&self->cache)) != NULL)
    {
      summary->in_lru = FALSE;
      g_object_unref (summary);
    }
  /* Objects still held by others outlive the model. */
  g_hash_table_foreach (self->live, drop_weak_ref, self);
  g_hash_table_remove_all (self->live);
  g_ptr_array_set_size (self->sources, 0);

  G_OBJECT_CLASS (pf_message_list_model_parent_class)->dispose (object);
}

static void
pf_message_list_model_finalize (GObject *object)
{
  PfMessageListModel *self = PF_MESSAGE_LIST_MODEL (object);

  g_clear_pointer (&self->sources, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_pointer (&self->live, g_hash_table_unref);
  g_clear_pointer (&self->thread_counts, g_hash_table_unref);
  g_clear_object (&self->thread_cancellable);
  g_clear_object (&self->tail_cancellable);

  G_OBJECT_CLASS (pf_message_list_model_parent_class)->finalize (object);
}

static void
pf_message_list_model_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  PfMessageListModel *self = PF_MESSAGE_LIST_MODEL (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, pf_message_list_model_get_loading (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_message_list_model_class_init (PfMessageListModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_message_list_model_dispose;
  object_class->finalize = pf_message_list_model_finalize;
  object_class->get_property = pf_message_list_model_get_property;

  /**
   * PfMessageListModel:loading:
   *
   * Whether a conversations list is still reading (the whole folder
   * after its first page, or after a change).
   */
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pf_message_list_model_init (PfMessageListModel *self)
{
  self->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) source_free);
  self->rows = g_array_new (FALSE, FALSE, sizeof (Row));
  self->live = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_queue_init (&self->cache);
  self->next_tag = 1;
  self->thread_cancellable = g_cancellable_new ();
}

/**
 * pf_message_list_model_new:
 *
 * Creates an empty model; add folders of one or more stores with
 * pf_message_list_model_add_source(), for a unified view.
 *
 * Returns: (transfer full): a new model
 */
PfMessageListModel *
pf_message_list_model_new (void)
{
  return g_object_new (PF_TYPE_MESSAGE_LIST_MODEL, NULL);
}

/**
 * pf_message_list_model_new_for_folder:
 * @store: a #PfStore
 * @folder_id: a folder of @store
 *
 * Creates the message list of one folder, newest first.
 *
 * Returns: (transfer full): a new model
 */
PfMessageListModel *
pf_message_list_model_new_for_folder (PfStore *store,
                                      gint64   folder_id)
{
  g_autoptr(PfMessageListModel) self = pf_message_list_model_new ();
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (PF_IS_STORE (store), NULL);

  if (!pf_message_list_model_add_source (self, store, folder_id, NULL, &error))
    g_warning ("Cannot list folder %" G_GINT64_FORMAT ": %s", folder_id, error->message);

  return g_steal_pointer (&self);
}

/**
 * pf_message_list_model_new_for_search:
 * @store: a #PfStore
 * @folder_id: a folder, or 0 for all folders of @store
 * @query: the words to search for (see pf_store_search())
 * @error: return location for a #GError
 *
 * Creates the list of messages matching @query, newest first. New
 * messages that match appear; a body indexed later does not add its
 * message to an existing search list.
 *
 * Returns: (transfer full): a new model, or %NULL with @error set
 *   (%PF_STORE_ERROR_INVALID for a query without words)
 */
PfMessageListModel *
pf_message_list_model_new_for_search (PfStore     *store,
                                      gint64       folder_id,
                                      const char  *query,
                                      GError     **error)
{
  g_autoptr(PfMessageListModel) self = pf_message_list_model_new ();

  g_return_val_if_fail (PF_IS_STORE (store), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  if (!pf_message_list_model_add_source (self, store, folder_id, query, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * pf_message_list_model_add_source:
 * @self: a #PfMessageListModel
 * @store: a #PfStore
 * @folder_id: a folder of @store; 0 (all folders) only with a @query
 * @query: (nullable): only messages matching these words
 * @error: return location for a #GError
 *
 * Adds the messages of a folder (or a search) to the model, merged in
 * date order with the rest. Emits one items-changed for the whole list.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
pf_message_list_model_add_source (PfMessageListModel  *self,
                                  PfStore             *store,
                                  gint64               folder_id,
                                  const char          *query,
                                  GError             **error)
{
  Source *source;
  guint old_len;

  g_return_val_if_fail (PF_IS_MESSAGE_LIST_MODEL (self), FALSE);
  g_return_val_if_fail (PF_IS_STORE (store), FALSE);
  g_return_val_if_fail (folder_id > 0 || query != NULL, FALSE);

  source = g_new0 (Source, 1);
  source->model = self;
  source->store = g_object_ref (store);
  source->tag = self->next_tag++;
  source->folder_id = folder_id;

  if (query != NULL)
    {
      source->fts_query = _pf_store_build_fts_query (query);
      if (source->fts_query == NULL)
        {
          g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                       _("The search “%s” contains no words"), query);
          source_free (source);
          return FALSE;
        }
      _pf_store_catch_up_index (store);
    }

  complete_rows (self);
  old_len = self->rows->len;
  if (self->sources->len == 0 && source->fts_query == NULL)
    {
      guint total = 0;

      if (!source_load_first_page (source, self->rows, &total, error))
        {
          g_array_set_size (self->rows, 0);
          source_free (source);
          return FALSE;
        }
      if (total > self->rows->len)
        {
          self->tail_source = source;
          self->tail_count = total - self->rows->len;
          tail_scan_start (self);
        }
    }
  else if (!source_load_rows (source, self->rows, error))
    {
      g_array_set_size (self->rows, old_len);
      source_free (source);
      return FALSE;
    }

  /* A single folder comes sorted from its index. */
  if (old_len > 0 || source->fts_query != NULL)
    g_array_sort (self->rows, row_compare_func);

  source->changed_handler = g_signal_connect (store, "messages-changed",
                                              G_CALLBACK (on_messages_changed_cb), source);
  source->removed_handler = g_signal_connect (store, "folder-removed",
                                              G_CALLBACK (on_folder_removed_cb), source);
  g_ptr_array_add (self->sources, source);

  if (self->rows->len + self->tail_count != old_len || old_len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len,
                                self->rows->len + self->tail_count);

  return TRUE;
}

/**
 * pf_message_list_model_remove_source:
 * @self: a #PfMessageListModel
 * @store: a #PfStore
 * @folder_id: the folder given to pf_message_list_model_add_source()
 *
 * Removes a folder's messages from the model.
 */
void
pf_message_list_model_remove_source (PfMessageListModel *self,
                                     PfStore            *store,
                                     gint64              folder_id)
{
  g_return_if_fail (PF_IS_MESSAGE_LIST_MODEL (self));

  complete_rows (self);
  for (guint i = 0; i < self->sources->len; i++)
    {
      Source *source = self->sources->pdata[i];

      if (source->store == store && source->folder_id == folder_id)
        {
          remove_source_rows (self, source, TRUE);
          g_ptr_array_remove_index (self->sources, i);
          return;
        }
    }
}

/**
 * pf_message_list_model_get_message_id:
 * @self: a #PfMessageListModel
 * @position: a position
 *
 * Returns: the id of the message at @position without creating its
 *   summary object, or 0 if @position is out of range
 */
gint64
pf_message_list_model_get_message_id (PfMessageListModel *self,
                                      guint               position)
{
  g_return_val_if_fail (PF_IS_MESSAGE_LIST_MODEL (self), 0);

  if (position >= self->rows->len && self->tail_count > 0)
    complete_rows (self);
  if (position >= self->rows->len)
    return 0;

  return g_array_index (self->rows, Row, position).id;
}

/**
 * pf_message_list_model_get_store:
 * @self: a #PfMessageListModel
 * @position: a position
 *
 * Returns: (transfer none) (nullable): the store of the message at
 *   @position
 */
PfStore *
pf_message_list_model_get_store (PfMessageListModel *self,
                                 guint               position)
{
  Source *source;

  g_return_val_if_fail (PF_IS_MESSAGE_LIST_MODEL (self), NULL);

  if (position >= self->rows->len && self->tail_count > 0)
    complete_rows (self);
  if (position >= self->rows->len)
    return NULL;

  source = find_source_by_tag (self, g_array_index (self->rows, Row, position).source);
  return source != NULL ? source->store : NULL;
}

/**
 * pf_message_list_model_find:
 * @self: a #PfMessageListModel
 * @store: the message's store
 * @message_id: the message's id
 *
 * Returns: the position of the message, or %G_MAXUINT if it is not in
 *   the model
 */
guint
pf_message_list_model_find (PfMessageListModel *self,
                            PfStore            *store,
                            gint64              message_id)
{
  g_return_val_if_fail (PF_IS_MESSAGE_LIST_MODEL (self), G_MAXUINT);

  complete_rows (self);
  for (guint i = 0; i < self->rows->len; i++)
    {
      const Row *row = &g_array_index (self->rows, Row, i);

      if (row->id == message_id)
        {
          Source *source = find_source_by_tag (self, row->source);

          if (source != NULL && source->store == store)
            return i;
        }
    }

  return G_MAXUINT;
}

/**
 * pf_message_list_model_new_for_folder_threads:
 * @store: a #PfStore
 * @folder_id: a folder of @store
 *
 * Creates the conversations list of one folder: one row per thread, the
 * thread's newest message in the folder, newest first, with
 * pf_message_summary_get_thread_count() telling how many messages of the
 * folder the thread has. The model opens with its first rows and grows to
 * the whole folder when a worker has read it (#PfMessageListModel:loading
 * turns %FALSE); changes to the folder are applied the same way.
 *
 * Returns: (transfer full): a new model
 */
PfMessageListModel *
pf_message_list_model_new_for_folder_threads (PfStore *store,
                                              gint64   folder_id)
{
  g_autoptr(PfMessageListModel) self = pf_message_list_model_new ();
  g_autoptr(GArray) trows = g_array_new (FALSE, FALSE, sizeof (ThreadRow));
  g_autoptr(GError) error = NULL;
  sqlite3 *db;
  Source *source;

  g_return_val_if_fail (PF_IS_STORE (store), NULL);
  g_return_val_if_fail (folder_id > 0, NULL);

  source = g_new0 (Source, 1);
  source->model = self;
  source->store = g_object_ref (store);
  source->tag = self->next_tag++;
  source->folder_id = folder_id;
  source->threads = TRUE;

  db = _pf_store_get_db (store);
  if (db != NULL && scan_threads (db, folder_id, THREAD_FIRST_PAGE, trows, NULL, &error))
    {
      count_threads (db, folder_id, trows);
      apply_thread_rows (self, source, trows);
    }
  else if (error != NULL)
    g_warning ("Cannot list the conversations of folder %" G_GINT64_FORMAT ": %s", folder_id,
               error->message);

  source->changed_handler = g_signal_connect (store, "messages-changed",
                                              G_CALLBACK (on_messages_changed_cb), source);
  source->removed_handler = g_signal_connect (store, "folder-removed",
                                              G_CALLBACK (on_folder_removed_cb), source);
  g_ptr_array_add (self->sources, source);

  /* A first page that holds the whole folder is complete already. */
  if (db != NULL && trows->len == THREAD_FIRST_PAGE)
    thread_scan_start (self);

  return g_steal_pointer (&self);
}

/**
 * pf_message_list_model_get_loading:
 * @self: a #PfMessageListModel
 *
 * Returns: whether the model is still reading rows in a worker: a
 *   conversations list its folder, a large folder the rows after its
 *   first page
 */
gboolean
pf_message_list_model_get_loading (PfMessageListModel *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_LIST_MODEL (self), FALSE);

  return self->thread_scan_running || self->tail_cancellable != NULL;
}

/**
 * pf_message_list_model_get_threads:
 * @self: a #PfMessageListModel
 *
 * Returns: whether the model lists conversations
 *   (pf_message_list_model_new_for_folder_threads())
 */
gboolean
pf_message_list_model_get_threads (PfMessageListModel *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_LIST_MODEL (self), FALSE);

  return threads_source (self) != NULL;
}

/**
 * pf_message_list_model_get_folder:
 * @self: a #PfMessageListModel
 * @store: (out) (optional) (transfer none): the folder's store
 * @folder_id: (out) (optional): the folder
 *
 * Tells which folder the model lists, when it lists exactly one folder
 * (as a message list or as conversations, not a search).
 *
 * Returns: %TRUE if the model lists one folder
 */
gboolean
pf_message_list_model_get_folder (PfMessageListModel  *self,
                                  PfStore            **store,
                                  gint64              *folder_id)
{
  Source *source;

  g_return_val_if_fail (PF_IS_MESSAGE_LIST_MODEL (self), FALSE);

  if (self->sources->len != 1)
    return FALSE;
  source = self->sources->pdata[0];
  if (source->fts_query != NULL || source->folder_id == 0)
    return FALSE;
  if (store != NULL)
    *store = source->store;
  if (folder_id != NULL)
    *folder_id = source->folder_id;
  return TRUE;
}
