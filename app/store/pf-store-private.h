/* pf-store-private.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "pf-store.h"

G_BEGIN_DECLS

typedef enum
{
  PF_BATCH_OP_MESSAGE,
  PF_BATCH_OP_FLAGS,
  PF_BATCH_OP_EXPUNGE_UIDS,
  PF_BATCH_OP_EXPUNGE_RANGE,
  PF_BATCH_OP_EXPUNGE_IDS,
  PF_BATCH_OP_FOLDER_STATE,
  PF_BATCH_OP_BODY,
  PF_BATCH_OP_INDEX_PENDING,
  PF_BATCH_OP_POP3_FORGET,
} PfBatchOpKind;

typedef struct
{
  PfBatchOpKind   kind;
  gint64          folder_id;
  /* MESSAGE */
  PfStoreMessage *message;
  /* INDEX_PENDING: how many at most */
  guint           count;
  /* FLAGS */
  guint32         uid;
  PfStoreFlags    flags;
  char           *keywords;
  guint64         modseq;
  /* EXPUNGE_*: uids (guint32) or ids (gint64); RANGE: first/last */
  GArray         *numbers;
  guint32         first_uid;
  guint32         last_uid;
  /* FOLDER_STATE */
  guint32         uidvalidity;
  guint32         uidnext;
  guint64         highestmodseq;
  /* BODY */
  gint64          message_id;
  char           *path;
  char           *body_text;  /* folded (pf_store_fold_text()) */
  /* POP3_FORGET */
  char           *uidl;
} PfBatchOp;

struct _PfStoreBatch
{
  gatomicrefcount  ref_count;
  GArray          *ops;   /* of PfBatchOp */
  gboolean         durable;   /* commit with fsync (synchronous = FULL) */
};

/* Collects the changes of one transaction, folder by folder. */
typedef struct _PfChangeSet PfChangeSet;

PfChangeSet    *_pf_change_set_new              (void);
void            _pf_change_set_free             (PfChangeSet    *set);
void            _pf_change_set_inserted         (PfChangeSet    *set,
                                                 gint64          folder_id,
                                                 gint64          message_id);
void            _pf_change_set_updated          (PfChangeSet    *set,
                                                 gint64          folder_id,
                                                 gint64          message_id);
void            _pf_change_set_indexed          (PfChangeSet    *set,
                                                 gint64          folder_id,
                                                 gint64          message_id);
void            _pf_change_set_removed          (PfChangeSet    *set,
                                                 gint64          folder_id,
                                                 gint64          message_id);
void            _pf_change_set_folder           (PfChangeSet    *set,
                                                 gint64          folder_id);
GPtrArray      *_pf_change_set_steal_changes    (PfChangeSet    *set);
GArray         *_pf_change_set_get_folders      (PfChangeSet    *set);

PfStoreChanges *_pf_store_changes_new           (gint64          folder_id,
                                                 GArray         *inserted,
                                                 GArray         *updated,
                                                 GArray         *removed,
                                                 GArray         *indexed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfChangeSet, _pf_change_set_free)

/* Schema */
gboolean        _pf_store_schema_migrate        (sqlite3        *db,
                                                 int            *version,
                                                 GError        **error);
gboolean        _pf_store_schema_migrate_to     (sqlite3        *db,
                                                 int             target,
                                                 GError        **error);

/* SQLite helpers */
gboolean        _pf_store_set_error             (GError        **error,
                                                 sqlite3        *db,
                                                 int             rc,
                                                 const char     *what);
gboolean        _pf_store_exec                  (sqlite3        *db,
                                                 const char     *sql,
                                                 GError        **error);
sqlite3        *_pf_store_open_db               (const char     *path,
                                                 GError        **error);

/* Worker: applying a batch on the writer connection */
typedef struct _PfStoreWriterDb PfStoreWriterDb;

PfStoreWriterDb *_pf_store_writer_db_new        (sqlite3        *db,
                                                 const char     *data_dir);
void             _pf_store_writer_db_free       (PfStoreWriterDb *wdb);
gboolean         _pf_store_writer_db_apply      (PfStoreWriterDb *wdb,
                                                 PfStoreBatch    *batch,
                                                 PfChangeSet     *changes,
                                                 GPtrArray       *files_to_delete,
                                                 GError         **error);

/* Maildir */
gboolean         _pf_store_ensure_maildir       (const char      *dir,
                                                 GError         **error);
PfStoreWriter   *_pf_store_writer_new           (const char      *dir,
                                                 GError         **error);
char            *_pf_store_normalize_message_id (const char      *message_id);
gboolean         _pf_store_fsync_dir            (const char      *dir,
                                                 GError         **error);
char            *_pf_store_maildir_unique_name  (void);

/* Message rows */
#define PF_STORE_MESSAGE_COLUMNS \
  "m.id, m.folder_id, m.uid, m.pop3_uidl, m.pop3_downloaded, m.flags, m.keywords, " \
  "m.internal_date, m.date, m.size, m.subject, m.from_name, m.from_address, m.to_list, " \
  "m.cc_list, m.message_id, m.in_reply_to, m.refs, m.thread_id, m.has_attachment, " \
  "m.preview, m.body_path, m.modseq, m.sort_date"

PfStoreMessage  *_pf_store_message_from_row     (sqlite3_stmt   *stmt,
                                                 const char     *data_dir);
char            *_pf_store_absolute_path        (const char     *data_dir,
                                                 const char     *path);
const char      *_pf_store_relative_path        (const char     *data_dir,
                                                 const char     *path);

/* Folding */
char            *_pf_store_fold_addresses       (const PfStoreMessage *message);
void             _pf_store_catch_up_index       (PfStore              *self);
int              _pf_store_index_pending        (sqlite3              *db,
                                                 gint64                only_message_id,
                                                 guint                 max_messages,
                                                 const char           *folded_body,
                                                 PfChangeSet          *changes);
char            *_pf_store_build_fts_query      (const char     *query);

sqlite3         *_pf_store_get_db               (PfStore        *self);
sqlite3_stmt    *_pf_store_get_cached_stmt      (PfStore        *self,
                                                 const char     *sql,
                                                 GError        **error);

G_END_DECLS
