/* pf-pop3-sync.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-sync"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "mime/pf-mime-message.h"
#include "pop3/pf-pop3-client.h"

#include "pf-pop3-sync.h"

/*
 * Downloading a POP3 maildrop into the account's local Inbox.
 *
 * What is new: the UIDL of every message, compared with what the store
 * remembers downloading (pf_store_pop3_list_seen(), kept also after the
 * local copy is deleted). A server without UIDL: the SHA-256 of each
 * message's header (TOP n 0) stands in for it.
 *
 * Nothing lost, nothing twice. Each new message is read by RETR (many in
 * flight), written by a worker thread into a temporary file of the
 * Inbox's Maildir, fsynced and renamed into cur/ (pf_store_write_synced_file()),
 * parsed there, and committed to the index in a durable batch (one fsync
 * of cur/, then the commit with an fsync of the SQLite log) together
 * with its UIDL. Only after that
 * commit is DELE sent, if the policy says so, and the server deletes
 * only at QUIT. So, killed or disconnected anywhere:
 *  - before a file is complete: the temporary file is left; the message
 *    is not known and is downloaded again (the next run removes the
 *    leftovers, pf_store_remove_stray_files());
 *  - after the file, before the commit: a file the index does not know,
 *    removed by the next run, which downloads the message again;
 *  - after the commit, before DELE or QUIT: the message is known and not
 *    downloaded again; the next run sends DELE again, as the policy says.
 * UIDLs the server no longer lists are forgotten; those deleted by this
 * run only after QUIT succeeded.
 *
 * References: the run's task has one reference for the chain of steps,
 * released where the run ends (an error before the downloads, or after
 * QUIT); each command or job in flight holds one more, released in its
 * callback.
 *
 * Policies (PfPop3Policy): delete after download; keep; keep for N days
 * after the download (the clock is pf_pop3_sync_set_clock()'s); keep
 * until deleted here (the store marks a UIDL whose last local copy was
 * deleted).
 */

#define DEFAULT_BATCH_SIZE 250
#define RETR_WINDOW        32
#define TOP_KEY_PREFIX     "top:"

struct _PfPop3Sync
{
  GObject           parent_instance;

  PfStore          *store;
  PfServerSettings *settings;
  char             *secret;
  gboolean          secret_is_token;
  PfPop3Policy      policy;
  guint             keep_days;
  PfPop3SyncClock   clock;
  gpointer          clock_data;
  guint             batch_size;
};

G_DEFINE_FINAL_TYPE (PfPop3Sync, pf_pop3_sync, G_TYPE_OBJECT)

enum
{
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* A message of the maildrop */
typedef struct
{
  guint     msgnum;
  char     *key;       /* the UIDL, or TOP_KEY_PREFIX + header hash */
  gboolean  by_uidl;
  GBytes   *header;    /* without UIDL: TOP n 0 */
} Entry;

typedef struct
{
  PfPop3Client    *client;
  gint64           inbox_id;
  char            *maildir;
  gint64           now;
  GArray          *entries;         /* of Entry */
  GArray          *downloads;       /* indexes into entries */
  guint            next_download;
  guint            in_flight;       /* RETRs and their commit jobs */
  PfStoreBatch    *batch;           /* downloads waiting for a commit */
  GArray          *batch_entries;   /* their indexes into entries */
  guint            batches_in_flight;
  GArray          *delete_earlier;  /* indexes: stored before, now due */
  guint            deles_in_flight;
  GPtrArray       *deleted_keys;    /* DELE sent: forgotten after QUIT */
  GPtrArray       *forget_keys;     /* remembered, but no longer listed */
  guint            tops_in_flight;
  gboolean         finishing;
  GError          *error;           /* the first error; stops new work */
  PfPop3SyncStats  stats;
} Run;

static void
entry_clear (Entry *entry)
{
  g_clear_pointer (&entry->key, g_free);
  g_clear_pointer (&entry->header, g_bytes_unref);
}

static void
run_free (Run *run)
{
  g_clear_object (&run->client);
  g_clear_pointer (&run->maildir, g_free);
  g_clear_pointer (&run->entries, g_array_unref);
  g_clear_pointer (&run->downloads, g_array_unref);
  g_clear_pointer (&run->batch, pf_store_batch_unref);
  g_clear_pointer (&run->batch_entries, g_array_unref);
  g_clear_pointer (&run->delete_earlier, g_array_unref);
  g_clear_pointer (&run->deleted_keys, g_ptr_array_unref);
  g_clear_pointer (&run->forget_keys, g_ptr_array_unref);
  g_clear_error (&run->error);
  g_free (run);
}

static Entry *
run_entry (Run   *run,
           guint  index)
{
  return &g_array_index (run->entries, Entry, index);
}

/* Records the first error; the run stops starting new work and ends
 * when what is in flight is done. */
static void
run_set_error (Run    *run,
               GError *error)
{
  if (run->error == NULL)
    run->error = error;
  else
    g_error_free (error);
}

static gint64
default_clock (gpointer user_data)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* GObject */

static void
pf_pop3_sync_finalize (GObject *object)
{
  PfPop3Sync *self = PF_POP3_SYNC (object);

  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  if (self->secret != NULL)
    explicit_bzero (self->secret, strlen (self->secret));
  g_clear_pointer (&self->secret, g_free);

  G_OBJECT_CLASS (pf_pop3_sync_parent_class)->finalize (object);
}

static void
pf_pop3_sync_class_init (PfPop3SyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_pop3_sync_finalize;

  /**
   * PfPop3Sync::progress:
   * @self: the #PfPop3Sync
   * @done: messages downloaded so far
   * @total: messages to download
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
pf_pop3_sync_init (PfPop3Sync *self)
{
  self->policy = PF_POP3_POLICY_DELETE;
  self->clock = default_clock;
  self->batch_size = DEFAULT_BATCH_SIZE;
}

/**
 * pf_pop3_sync_new:
 * @store: the account's store
 * @settings: the POP3 server
 *
 * Returns: (transfer full): a new #PfPop3Sync
 */
PfPop3Sync *
pf_pop3_sync_new (PfStore          *store,
                  PfServerSettings *settings)
{
  PfPop3Sync *self;

  g_return_val_if_fail (PF_IS_STORE (store), NULL);
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (settings), NULL);

  self = g_object_new (PF_TYPE_POP3_SYNC, NULL);
  self->store = g_object_ref (store);
  self->settings = g_object_ref (settings);
  return self;
}

/**
 * pf_pop3_sync_set_secret:
 * @self: a #PfPop3Sync
 * @secret: the password, or an OAuth 2.0 access token
 * @is_oauth_token: whether @secret is a token
 */
void
pf_pop3_sync_set_secret (PfPop3Sync *self,
                         const char *secret,
                         gboolean    is_oauth_token)
{
  g_return_if_fail (PF_IS_POP3_SYNC (self));

  if (self->secret != NULL)
    explicit_bzero (self->secret, strlen (self->secret));
  g_free (self->secret);
  self->secret = g_strdup (secret);
  self->secret_is_token = is_oauth_token;
}

/**
 * pf_pop3_sync_set_policy:
 * @self: a #PfPop3Sync
 * @policy: what happens to the server's copy
 * @keep_days: with %PF_POP3_POLICY_KEEP_DAYS, the days after the download
 *
 * The default is %PF_POP3_POLICY_DELETE.
 */
void
pf_pop3_sync_set_policy (PfPop3Sync   *self,
                         PfPop3Policy  policy,
                         guint         keep_days)
{
  g_return_if_fail (PF_IS_POP3_SYNC (self));

  self->policy = policy;
  self->keep_days = keep_days;
}

/**
 * pf_pop3_sync_set_clock:
 * @self: a #PfPop3Sync
 * @clock: (nullable): the time now, for download dates and
 *   %PF_POP3_POLICY_KEEP_DAYS; %NULL for the system clock
 * @user_data: data for @clock
 */
void
pf_pop3_sync_set_clock (PfPop3Sync      *self,
                        PfPop3SyncClock  clock,
                        gpointer         user_data)
{
  g_return_if_fail (PF_IS_POP3_SYNC (self));

  self->clock = clock != NULL ? clock : default_clock;
  self->clock_data = user_data;
}

/**
 * pf_pop3_sync_set_batch_size:
 * @self: a #PfPop3Sync
 * @batch_size: downloaded messages per durable commit (at least 1; the
 *   default is 250)
 */
void
pf_pop3_sync_set_batch_size (PfPop3Sync *self,
                             guint       batch_size)
{
  g_return_if_fail (PF_IS_POP3_SYNC (self));

  self->batch_size = MAX (batch_size, 1);
}

/* Local folders */

static gint64
ensure_folder (PfStore            *store,
               const char         *name,
               PfStoreSpecialUse   special_use,
               GError            **error)
{
  g_autoptr(PfStoreFolder) folder = pf_store_lookup_folder_by_special_use (store, special_use,
                                                                          NULL);

  if (folder == NULL)
    folder = pf_store_lookup_folder (store, name, NULL);
  if (folder != NULL)
    return folder->id;

  folder = pf_store_folder_new ();
  folder->name = g_strdup (name);
  folder->special_use = special_use;
  folder->local_only = TRUE;
  folder->subscribed = TRUE;
  return pf_store_create_folder (store, folder, error);
}

/**
 * pf_pop3_sync_ensure_folders:
 * @store: the store of a POP3 account
 * @error: return location for a #GError
 *
 * Creates the local folders a POP3 account needs, where missing: INBOX,
 * Sent, Drafts and Trash, with their special uses.
 *
 * Returns: the id of the Inbox, or 0 with @error set
 */
gint64
pf_pop3_sync_ensure_folders (PfStore  *store,
                             GError  **error)
{
  static const struct
  {
    const char        *name;
    PfStoreSpecialUse  special_use;
  } folders[] = {
    { "Sent", PF_STORE_SPECIAL_USE_SENT },
    { "Drafts", PF_STORE_SPECIAL_USE_DRAFTS },
    { "Trash", PF_STORE_SPECIAL_USE_TRASH },
  };
  gint64 inbox;

  g_return_val_if_fail (PF_IS_STORE (store), 0);

  inbox = ensure_folder (store, "INBOX", PF_STORE_SPECIAL_USE_INBOX, error);
  if (inbox == 0)
    return 0;
  for (gsize i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      if (ensure_folder (store, folders[i].name, folders[i].special_use, error) == 0)
        return 0;
    }
  return inbox;
}

/* Summaries of downloaded messages */

static char *
join_ids (char **ids)
{
  g_autoptr(GString) text = NULL;

  if (ids == NULL || ids[0] == NULL)
    return NULL;

  text = g_string_new (NULL);
  for (guint i = 0; ids[i] != NULL; i++)
    g_string_append_printf (text, "%s<%s>", i > 0 ? " " : "", ids[i]);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static PfStoreMessage *
summary_from_mime (PfMimeMessage *parsed,
                   gint64         folder_id,
                   gint64         now)
{
  PfStoreMessage *m = pf_store_message_new ();
  const PfMimeHeaders *headers = pf_mime_message_get_headers (parsed);

  m->folder_id = folder_id;
  m->internal_date = now;
  m->pop3_downloaded = now;
  if (headers != NULL)
    {
      m->date = headers->date != NULL ? g_date_time_to_unix (headers->date) : 0;
      m->subject = g_strdup (headers->subject);
      if (headers->from != NULL && headers->from->len > 0)
        {
          PfMimeAddress *from = g_ptr_array_index (headers->from, 0);

          m->from_name = g_strdup (from->name);
          m->from_address = g_strdup (from->address);
        }
      m->to = headers->to != NULL && headers->to->len > 0 ?
              pf_mime_address_list_to_display (headers->to) : NULL;
      m->cc = headers->cc != NULL && headers->cc->len > 0 ?
              pf_mime_address_list_to_display (headers->cc) : NULL;
      m->message_id = headers->message_id != NULL ?
                      g_strdup_printf ("<%s>", headers->message_id) : NULL;
      m->in_reply_to = headers->in_reply_to != NULL ?
                       g_strdup_printf ("<%s>", headers->in_reply_to) : NULL;
      m->references = join_ids (headers->references);
    }
  m->has_attachment = pf_mime_message_has_attachments (parsed);
  m->preview = pf_mime_message_dup_preview (parsed);
  return m;
}

/* Downloading */

typedef struct
{
  GTask          *task;     /* the run */
  guint           index;    /* into run->entries */
  GOutputStream  *sink;     /* RETR into memory */
  GBytes         *data;
  /* From the worker thread */
  PfStoreMessage *message;
  char           *folded_text;
} Download;

static void
download_free (Download *download)
{
  g_clear_object (&download->sink);
  g_clear_pointer (&download->data, g_bytes_unref);
  g_clear_pointer (&download->message, pf_store_message_free);
  g_clear_pointer (&download->folded_text, g_free);
  g_free (download);
}

static void pump (GTask *task);

/* Worker thread: writes the file (fsynced) and parses the message. */
static void
commit_thread (GTask        *job,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Download *download = task_data;
  Run *run = g_task_get_task_data (download->task);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfMimeMessage) parsed = NULL;
  g_autofree char *path = NULL;

  path = pf_store_write_synced_file (run->maildir, download->data, &error);
  if (path == NULL)
    {
      g_task_return_error (job, g_steal_pointer (&error));
      return;
    }

  /* Broken mail is stored as it came, with what could be read of it. */
  parsed = pf_mime_message_parse_bytes (download->data, NULL);
  if (parsed != NULL)
    {
      g_autofree char *text = pf_mime_message_dup_search_text (parsed);

      download->message = summary_from_mime (parsed, run->inbox_id, run->now);
      download->folded_text = pf_store_fold_text (text);
    }
  else
    {
      download->message = pf_store_message_new ();
      download->message->folder_id = run->inbox_id;
      download->message->internal_date = run->now;
      download->message->pop3_downloaded = run->now;
    }
  download->message->body_path = g_steal_pointer (&path);
  download->message->size = g_bytes_get_size (download->data);
  g_clear_pointer (&download->data, g_bytes_unref);
  g_task_return_boolean (job, TRUE);
}

/* A batch of downloads being committed */
typedef struct
{
  GTask  *task;
  GArray *entries;   /* indexes into run->entries */
} Commit;

static void batch_applied_cb (GObject      *object,
                              GAsyncResult *result,
                              gpointer      user_data);

static void
maildir_synced_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Commit *commit = user_data;
  PfPop3Sync *self = g_task_get_source_object (commit->task);
  g_autoptr(GError) error = NULL;
  PfStoreBatch *batch = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      Run *run = g_task_get_task_data (commit->task);

      run->batches_in_flight--;
      run_set_error (run, g_steal_pointer (&error));
      pump (commit->task);
      g_object_unref (commit->task);
      g_array_unref (commit->entries);
      g_free (commit);
      return;
    }
  pf_store_apply_batch_async (self->store, batch, NULL, batch_applied_cb, commit);
}

static void
sync_maildir_thread (GTask        *job,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  const char *maildir = g_object_get_data (G_OBJECT (job), "pf-maildir");
  GError *error = NULL;

  if (pf_store_sync_maildir (maildir, &error))
    g_task_return_boolean (job, TRUE);
  else
    g_task_return_error (job, error);
}

static void
flush_batch (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  g_autoptr(PfStoreBatch) batch = g_steal_pointer (&run->batch);
  g_autoptr(GTask) job = NULL;
  Commit *commit;

  if (batch == NULL)
    return;

  commit = g_new0 (Commit, 1);
  commit->task = g_object_ref (task);
  commit->entries = g_steal_pointer (&run->batch_entries);

  /* The downloads are deleted on the server next: their files' names
   * (one fsync of cur/ for the batch) and the index commit (fsync of the
   * log) must survive a power loss before that. */
  pf_store_batch_set_durable (batch);
  run->batches_in_flight++;
  job = g_task_new (NULL, NULL, maildir_synced_cb, commit);
  g_task_set_task_data (job, g_steal_pointer (&batch), (GDestroyNotify) pf_store_batch_unref);
  g_object_set_data_full (G_OBJECT (job), "pf-maildir", g_strdup (run->maildir), g_free);
  g_task_run_in_thread (job, sync_maildir_thread);
}

static void dele_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data);

static void
send_dele (GTask             *task,
           PfPop3StoredToken *token,
           const char        *key)
{
  Run *run = g_task_get_task_data (task);

  run->deles_in_flight++;
  g_ptr_array_add (run->deleted_keys, g_strdup (key));
  pf_pop3_client_dele_async (run->client, token, g_task_get_cancellable (task), dele_cb,
                             g_object_ref (task));
}

static void
batch_applied_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Commit *commit = user_data;
  GTask *task = commit->task;
  GArray *entries = commit->entries;
  PfPop3Sync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  g_free (commit);
  run->batches_in_flight--;
  if (!pf_store_apply_batch_finish (PF_STORE (object), result, &error))
    run_set_error (run, g_steal_pointer (&error));
  else
    {
      run->stats.new_messages += entries->len;
      g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, run->stats.new_messages,
                     run->downloads->len);

      /* Stored for good: only now may the server's copy go. */
      for (guint i = 0; i < entries->len && self->policy == PF_POP3_POLICY_DELETE; i++)
        {
          Entry *entry = run_entry (run, g_array_index (entries, guint, i));
          g_autoptr(PfPop3StoredToken) token = NULL;

          if (run->error != NULL)
            break;
          token = pf_pop3_client_confirm_stored (run->client, entry->msgnum, &error);
          if (token == NULL)
            run_set_error (run, g_steal_pointer (&error));
          else
            send_dele (task, token, entry->key);
        }
    }
  g_array_unref (entries);
  pump (task);
  g_object_unref (task);
}

static void
committed_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *job = G_TASK (result);
  Download *download = g_task_get_task_data (job);
  GTask *task = download->task;
  PfPop3Sync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  run->in_flight--;
  if (!g_task_propagate_boolean (job, &error))
    run_set_error (run, g_steal_pointer (&error));
  else
    {
      Entry *entry = run_entry (run, download->index);

      download->message->pop3_uidl = g_strdup (entry->key);
      if (run->batch == NULL)
        {
          run->batch = pf_store_batch_new ();
          run->batch_entries = g_array_new (FALSE, FALSE, sizeof (guint));
        }
      pf_store_batch_take_message_with_text (run->batch, g_steal_pointer (&download->message),
                                             g_steal_pointer (&download->folded_text));
      g_array_append_val (run->batch_entries, download->index);
      if (run->batch_entries->len >= self->batch_size)
        flush_batch (task);
    }
  pump (task);
  g_object_unref (task);   /* the download's */
}

static void
retr_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Download *download = user_data;
  GTask *task = download->task;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) job = NULL;

  if (!pf_pop3_client_retr_finish (PF_POP3_CLIENT (object), result, &error))
    {
      run->in_flight--;
      run_set_error (run, g_steal_pointer (&error));
      download_free (download);
      pump (task);
      g_object_unref (task);
      return;
    }
  g_output_stream_close (download->sink, NULL, NULL);
  download->data = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (download->sink));

  /* Not cancellable: a complete download is made durable and stored. */
  job = g_task_new (NULL, NULL, committed_cb, NULL);
  g_task_set_task_data (job, download, (GDestroyNotify) download_free);
  g_task_run_in_thread (job, commit_thread);
}

static void
start_download (GTask *task,
                guint  index)
{
  Run *run = g_task_get_task_data (task);
  Download *download;

  download = g_new0 (Download, 1);
  download->task = task;
  download->index = index;
  download->sink = g_memory_output_stream_new_resizable ();
  run->in_flight++;
  pf_pop3_client_retr_async (run->client, run_entry (run, index)->msgnum, download->sink,
                             g_task_get_cancellable (task), retr_cb, download);
  g_object_ref (task);
}

static void finish (GTask *task);

/* Keeps RETR_WINDOW downloads going; when all are stored, deletes what
 * the policy says and ends the session. */
static void
pump (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  if (run->finishing)
    return;

  while (run->error == NULL && run->in_flight < RETR_WINDOW &&
         run->next_download < run->downloads->len)
    start_download (task, g_array_index (run->downloads, guint, run->next_download++));

  if (run->in_flight > 0)
    return;
  if (run->batch != NULL && run->error == NULL)
    flush_batch (task);
  if (run->batches_in_flight > 0)
    return;

  /* Stored before and due now (or again, after an interrupted run). */
  if (run->error == NULL && run->delete_earlier != NULL)
    {
      g_autoptr(GArray) due = g_steal_pointer (&run->delete_earlier);

      for (guint i = 0; i < due->len && run->error == NULL; i++)
        {
          Entry *entry = run_entry (run, g_array_index (due, guint, i));
          g_autoptr(GError) error = NULL;
          g_autoptr(PfPop3StoredToken) token =
            pf_pop3_client_confirm_stored_earlier (run->client, entry->msgnum,
                                                   entry->by_uidl ? entry->key : NULL, &error);

          if (token == NULL)
            run_set_error (run, g_steal_pointer (&error));
          else
            send_dele (task, token, entry->key);
        }
    }
  if (run->deles_in_flight > 0)
    return;

  run->finishing = TRUE;
  finish (task);
}

static void
dele_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  run->deles_in_flight--;
  if (!pf_pop3_client_dele_finish (PF_POP3_CLIENT (object), result, &error))
    run_set_error (run, g_steal_pointer (&error));
  pump (task);
  g_object_unref (task);
}

/* The end: QUIT (the server deletes now), then forget what it deleted */

static void
forgotten_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!pf_store_apply_batch_finish (PF_STORE (object), result, &error))
    run_set_error (run, g_steal_pointer (&error));

  if (run->error != NULL)
    g_task_return_error (task, g_steal_pointer (&run->error));
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
quit_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  PfPop3Sync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();
  gboolean quit = pf_pop3_client_quit_finish (PF_POP3_CLIENT (object), result, &error);

  if (!quit)
    run_set_error (run, g_steal_pointer (&error));
  else
    {
      /* RFC 1939 §6: the UPDATE state removed what DELE marked. */
      run->stats.deleted_on_server = run->deleted_keys->len;
      for (guint i = 0; i < run->deleted_keys->len; i++)
        pf_store_batch_pop3_forget (batch, g_ptr_array_index (run->deleted_keys, i));
    }
  for (guint i = 0; i < run->forget_keys->len; i++)
    pf_store_batch_pop3_forget (batch, g_ptr_array_index (run->forget_keys, i));

  pf_store_apply_batch_async (self->store, batch, NULL, forgotten_cb, task);
}

static void
finish (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  /* After a lost connection there is no session to end: nothing that was
   * marked is deleted, and the next run marks it again. */
  if (run->error != NULL &&
      (g_error_matches (run->error, PF_POP3_ERROR, PF_POP3_ERROR_CONNECTION_LOST) ||
       g_error_matches (run->error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    {
      g_task_return_error (task, g_steal_pointer (&run->error));
      g_object_unref (task);
      return;
    }
  pf_pop3_client_quit_async (run->client, NULL, quit_cb, task);
}

/* Planning: what is new, what is due for deletion */

static gboolean
due_for_deletion (PfPop3Sync            *self,
                  Run                   *run,
                  const PfStorePop3Seen *seen)
{
  switch (self->policy)
    {
    case PF_POP3_POLICY_DELETE:
      return TRUE;
    case PF_POP3_POLICY_KEEP_DAYS:
      return run->now - seen->downloaded >= (gint64) self->keep_days * 24 * 3600;
    case PF_POP3_POLICY_DELETE_WITH_LOCAL:
      return seen->deleted;
    case PF_POP3_POLICY_KEEP:
    default:
      return FALSE;
    }
}

static void
plan (GTask *task)
{
  PfPop3Sync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) seen = pf_store_pop3_list_seen (self->store, &error);
  GHashTableIter iter;
  gpointer key;

  if (seen == NULL)
    {
      run_set_error (run, g_steal_pointer (&error));
      run->finishing = TRUE;
      finish (task);
      return;
    }

  run->downloads = g_array_new (FALSE, FALSE, sizeof (guint));
  run->delete_earlier = g_array_new (FALSE, FALSE, sizeof (guint));
  run->deleted_keys = g_ptr_array_new_with_free_func (g_free);
  run->forget_keys = g_ptr_array_new_with_free_func (g_free);
  run->stats.on_server = run->entries->len;

  for (guint i = 0; i < run->entries->len; i++)
    {
      Entry *entry = run_entry (run, i);
      PfStorePop3Seen *known = g_hash_table_lookup (seen, entry->key);

      if (known == NULL)
        g_array_append_val (run->downloads, i);
      else
        {
          if (due_for_deletion (self, run, known))
            g_array_append_val (run->delete_earlier, i);
          g_hash_table_remove (seen, entry->key);
        }
    }

  /* What is left the server no longer has. */
  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (run->forget_keys, g_strdup (key));

  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, 0, run->downloads->len);
  pump (task);
}

/* Without UIDL: the header of every message stands in for it */

typedef struct
{
  GTask         *task;
  guint          index;
  GOutputStream *sink;
} Top;

static void
top_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  Top *top = user_data;
  GTask *task = top->task;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  run->tops_in_flight--;
  if (!pf_pop3_client_top_finish (PF_POP3_CLIENT (object), result, &error))
    run_set_error (run, g_steal_pointer (&error));
  else
    {
      g_output_stream_close (top->sink, NULL, NULL);
      run_entry (run, top->index)->header =
        g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (top->sink));
    }
  g_object_unref (top->sink);
  g_free (top);

  if (run->tops_in_flight > 0)
    {
      g_object_unref (task);
      return;
    }
  if (run->error != NULL)
    {
      run->finishing = TRUE;
      finish (task);
      g_object_unref (task);
      return;
    }

  /* Two messages with the same header (a duplicate delivery) get keys
   * numbered in the server's order. */
  {
    g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

    for (guint i = 0; i < run->entries->len; i++)
      {
        Entry *entry = run_entry (run, i);
        g_autofree char *hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, entry->header);
        guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, hash)) + 1;

        entry->key = n == 1 ? g_strconcat (TOP_KEY_PREFIX, hash, NULL)
                            : g_strdup_printf (TOP_KEY_PREFIX "%s:%u", hash, n);
        g_hash_table_insert (counts, g_steal_pointer (&hash), GUINT_TO_POINTER (n));
      }
  }
  plan (task);
  g_object_unref (task);
}

static void
list_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) list = pf_pop3_client_list_finish (PF_POP3_CLIENT (object), result, &error);

  if (list == NULL)
    {
      run_set_error (run, g_steal_pointer (&error));
      run->finishing = TRUE;
      finish (task);
      return;
    }

  for (guint i = 0; i < list->len; i++)
    {
      Entry entry = { g_array_index (list, PfPop3ListEntry, i).msgnum, NULL, FALSE, NULL };

      g_array_append_val (run->entries, entry);
    }
  if (run->entries->len == 0)
    {
      plan (task);
      return;
    }

  for (guint i = 0; i < run->entries->len; i++)
    {
      Top *top = g_new0 (Top, 1);

      top->task = task;
      top->index = i;
      top->sink = g_memory_output_stream_new_resizable ();
      run->tops_in_flight++;
      pf_pop3_client_top_async (run->client, run_entry (run, i)->msgnum, 0, top->sink,
                                g_task_get_cancellable (task), top_cb, top);
      g_object_ref (task);
    }
}

static void
uidl_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) uidls = pf_pop3_client_uidl_finish (PF_POP3_CLIENT (object), result, &error);

  if (uidls == NULL)
    {
      /* RFC 1939 makes UIDL optional: a server that says no to it is
       * read by the headers of its messages. */
      if (g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_ERR) ||
          g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_UNSUPPORTED))
        {
          g_debug ("No UIDL (%s): using message headers", error->message);
          pf_pop3_client_list_async (run->client, g_task_get_cancellable (task), list_cb, task);
          return;
        }
      run_set_error (run, g_steal_pointer (&error));
      run->finishing = TRUE;
      finish (task);
      return;
    }

  for (guint i = 0; i < uidls->len; i++)
    {
      PfPop3UidlEntry *uidl = &g_array_index (uidls, PfPop3UidlEntry, i);
      Entry entry = { uidl->msgnum, g_strdup (uidl->uid), TRUE, NULL };

      g_array_append_val (run->entries, entry);
    }
  plan (task);
}

/* Connecting */

static void
logged_in_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!pf_pop3_client_login_finish (PF_POP3_CLIENT (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  pf_pop3_client_uidl_async (run->client, g_task_get_cancellable (task), uidl_cb, task);
}

static void
opened_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  PfPop3Sync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!pf_pop3_client_open_finish (PF_POP3_CLIENT (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  pf_pop3_client_login_async (run->client, pf_server_settings_get_username (self->settings),
                              self->secret, self->secret_is_token,
                              g_task_get_cancellable (task), logged_in_cb, task);
}

static void
start_session (GTask *task)
{
  PfPop3Sync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfNetConnection) net = NULL;

  net = pf_server_settings_create_connection (self->settings, &error);
  if (net == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  run->client = pf_pop3_client_new (net);
  pf_pop3_client_open_async (run->client, g_task_get_cancellable (task), opened_cb, task);
}

/* Leftovers of a crash, removed before anything is written */

typedef struct
{
  char       *maildir;
  GHashTable *known;
} Cleanup;

static void
cleanup_free (Cleanup *cleanup)
{
  g_free (cleanup->maildir);
  g_hash_table_unref (cleanup->known);
  g_free (cleanup);
}

static void
cleanup_thread (GTask        *job,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Cleanup *cleanup = task_data;

  g_task_return_int (job, pf_store_remove_stray_files (cleanup->maildir, cleanup->known));
}

static void
cleaned_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  gssize removed = g_task_propagate_int (G_TASK (result), NULL);

  run->stats.stray_files = MAX (removed, 0);
  if (removed > 0)
    g_debug ("Removed %" G_GSSIZE_FORMAT " files a crash left in %s", removed, run->maildir);
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  start_session (task);
}

/**
 * pf_pop3_sync_run_async:
 * @self: a #PfPop3Sync
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the maildrop is downloaded and the session ended
 * @user_data: data for @callback
 *
 * Downloads what is new into the local Inbox (creating the local folders
 * first, see pf_pop3_sync_ensure_folders()), deletes on the server what
 * the policy says, and ends the session with QUIT.
 */
void
pf_pop3_sync_run_async (PfPop3Sync          *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  GTask *task;
  Run *run;
  Cleanup *cleanup;
  GHashTable *known;
  g_autoptr(GTask) job = NULL;

  g_return_if_fail (PF_IS_POP3_SYNC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_pop3_sync_run_async);
  run = g_new0 (Run, 1);
  run->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (run->entries, (GDestroyNotify) entry_clear);
  run->now = self->clock (self->clock_data);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);

  if (self->secret == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("No password is known for %s"),
                               pf_server_settings_get_host (self->settings));
      g_object_unref (task);
      return;
    }

  run->inbox_id = pf_pop3_sync_ensure_folders (self->store, &error);
  if (run->inbox_id != 0)
    run->maildir = pf_store_dup_maildir (self->store, run->inbox_id, &error);
  known = run->maildir != NULL ? pf_store_list_message_files (self->store, run->inbox_id, &error)
                               : NULL;
  if (known == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  cleanup = g_new0 (Cleanup, 1);
  cleanup->maildir = g_strdup (run->maildir);
  cleanup->known = known;
  job = g_task_new (NULL, cancellable, cleaned_cb, task);
  g_task_set_task_data (job, cleanup, (GDestroyNotify) cleanup_free);
  g_task_run_in_thread (job, cleanup_thread);
}

/**
 * pf_pop3_sync_run_finish:
 * @self: a #PfPop3Sync
 * @result: the result
 * @stats: (out caller-allocates) (optional): what the run did
 * @error: return location for a #GError
 *
 * Returns: %TRUE, or %FALSE with @error set. Messages stored before an
 *   error stay stored (and are counted in @stats).
 */
gboolean
pf_pop3_sync_run_finish (PfPop3Sync       *self,
                         GAsyncResult     *result,
                         PfPop3SyncStats  *stats,
                         GError          **error)
{
  Run *run;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  run = g_task_get_task_data (G_TASK (result));
  if (stats != NULL)
    *stats = run->stats;
  return g_task_propagate_boolean (G_TASK (result), error);
}
