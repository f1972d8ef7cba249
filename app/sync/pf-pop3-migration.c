/* pf-pop3-migration.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-migration"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "imap/pf-imap-error.h"
#include "imap/pf-imap-session.h"

#include "pf-imap-sync.h"
#include "pf-pop3-migration.h"

/**
 * SECTION:pf-pop3-migration
 * @title: PfPop3Migration
 *
 * Copies the local mail of a POP3 account into the IMAP account of the
 * same mailbox ("Switch to IMAP"). The local mail is only read, never
 * changed.
 *
 * Folders: the Inbox goes to INBOX; Sent, Drafts, Trash, Junk and Archive
 * to the server's folders of that SPECIAL-USE (RFC 6154), or of a common
 * name (pf_imap_sync_guess_special_use()), or to a new folder; any other
 * folder to a mailbox of the same name (its levels joined with the
 * server's hierarchy delimiter, below the personal namespace), created
 * when missing. Names are UTF-8 here; the session sends them in modified
 * UTF-7.
 *
 * Nothing lost, nothing twice. Every message has a key: its Message-ID,
 * or for a message without one a digest of its Date, From, To and
 * Subject and its size with CRLF line ends. Before copying a folder, the
 * keys of the mailbox's messages are fetched once (UID FETCH 1:*
 * (FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (…)])) and matched against
 * the local ones, counting: two local messages with one key need two
 * copies on the server. Only the local messages left over are stored
 * (APPEND with their flags and the time they arrived here as
 * INTERNALDATE, several in flight; with LITERAL+ they need no
 * round trip each). A run that is cancelled or loses its connection
 * leaves a part of them on the server, and the next run finds those by
 * their keys. Messages found there get the local flags they lack
 * (UID STORE +FLAGS; flags are never taken away).
 *
 * Verification: after its APPENDs each mailbox is selected again and its
 * keys fetched again; every local message must find its copy. A server
 * may still store APPENDs of a connection that was lost while the next
 * run compares, so a message can arrive twice: copies beyond what the
 * local folder needs that this run made itself are removed again (with
 * UIDPLUS). The report
 * says per folder how many did (#PfPop3MigrationFolder.verified), and
 * #PfPop3MigrationReport.verified is %TRUE only if all did.
 *
 * Memory: per message a key and a few numbers; message files are read
 * one at a time by a worker thread, and at most #APPEND_WINDOW of them
 * (#APPEND_BYTES in all) wait in memory for the server.
 */

#define KEY_CHUNK     256                 /* local messages whose keys one job reads */
#define APPEND_WINDOW 8                   /* APPENDs in flight */
#define APPEND_BYTES  (16 * 1024 * 1024)  /* their bytes in all, unless one is larger */
#define HEADER_LIMIT  (1024 * 1024)       /* longest header read for a key */
#define FLAGS_COPIED  (PF_STORE_FLAG_SEEN | PF_STORE_FLAG_ANSWERED | PF_STORE_FLAG_FLAGGED | \
                       PF_STORE_FLAG_DRAFT)
#define KEY_FIELDS    "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID DATE FROM TO SUBJECT)]"

struct _PfPop3Migration
{
  GObject                parent_instance;

  PfStore               *store;
  PfServerSettings      *settings;
  char                  *secret;
  PfPop3MigrationReport *report;
  gboolean               running;
};

G_DEFINE_FINAL_TYPE (PfPop3Migration, pf_pop3_migration, G_TYPE_OBJECT)

enum
{
  SIGNAL_PROGRESS,
  SIGNAL_STEP,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The report */

static void
folder_report_free (PfPop3MigrationFolder *folder)
{
  g_free (folder->local_name);
  g_free (folder->server_name);
  g_free (folder->error);
  g_free (folder);
}

static PfPop3MigrationFolder *
folder_report_copy (const PfPop3MigrationFolder *folder)
{
  PfPop3MigrationFolder *copy = g_memdup2 (folder, sizeof *folder);

  copy->local_name = g_strdup (folder->local_name);
  copy->server_name = g_strdup (folder->server_name);
  copy->error = g_strdup (folder->error);
  return copy;
}

static PfPop3MigrationReport *
report_new (void)
{
  PfPop3MigrationReport *report = g_new0 (PfPop3MigrationReport, 1);

  report->folders = g_ptr_array_new_with_free_func ((GDestroyNotify) folder_report_free);
  return report;
}

/**
 * pf_pop3_migration_report_copy:
 * @report: a report
 *
 * Returns: (transfer full): a deep copy of @report
 */
PfPop3MigrationReport *
pf_pop3_migration_report_copy (const PfPop3MigrationReport *report)
{
  PfPop3MigrationReport *copy;

  g_return_val_if_fail (report != NULL, NULL);

  copy = report_new ();
  for (guint i = 0; i < report->folders->len; i++)
    g_ptr_array_add (copy->folders, folder_report_copy (report->folders->pdata[i]));
  copy->local_count = report->local_count;
  copy->copied = report->copied;
  copy->already_there = report->already_there;
  copy->failed = report->failed;
  copy->verified = report->verified;
  return copy;
}

/**
 * pf_pop3_migration_report_free:
 * @report: (nullable): a report
 */
void
pf_pop3_migration_report_free (PfPop3MigrationReport *report)
{
  if (report == NULL)
    return;
  g_ptr_array_unref (report->folders);
  g_free (report);
}

G_DEFINE_BOXED_TYPE (PfPop3MigrationReport, pf_pop3_migration_report,
                     pf_pop3_migration_report_copy, pf_pop3_migration_report_free)

/* Message keys */

enum
{
  FIELD_MESSAGE_ID,
  FIELD_DATE,
  FIELD_FROM,
  FIELD_TO,
  FIELD_SUBJECT,
  N_FIELDS
};

/* Appends @value (a field body, possibly folded) with runs of white space
 * made one space, trimmed. */
static void
append_unfolded (GString    *out,
                 const char *value,
                 gsize       length)
{
  gboolean space = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = value[i];

      if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
        {
          space = TRUE;
          continue;
        }
      if (space && out->len > 0)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_c (out, c);
    }
}

/* The first occurrence of each field of interest in a header, unfolded. */
static void
parse_fields (const char *header,
              gsize       length,
              char       *values[N_FIELDS])
{
  static const char *const names[N_FIELDS] = { "message-id", "date", "from", "to", "subject" };
  gsize pos = 0;

  while (pos < length)
    {
      gsize line_end = pos;
      gsize field_end;
      const char *colon;

      /* A blank line ends the header. */
      if (header[pos] == '\n' || (header[pos] == '\r' && pos + 1 < length &&
                                  header[pos + 1] == '\n'))
        break;

      /* The field runs on over continuation lines (RFC 5322 §2.2.3). */
      field_end = pos;
      for (;;)
        {
          const char *nl = memchr (header + field_end, '\n', length - field_end);

          line_end = nl != NULL ? (gsize) (nl - header) + 1 : length;
          field_end = line_end;
          if (field_end >= length || (header[field_end] != ' ' && header[field_end] != '\t'))
            break;
        }

      colon = memchr (header + pos, ':', field_end - pos);
      if (colon != NULL)
        {
          gsize name_length = colon - (header + pos);

          while (name_length > 0 && (header[pos + name_length - 1] == ' ' ||
                                     header[pos + name_length - 1] == '\t'))
            name_length--;
          for (guint i = 0; i < N_FIELDS; i++)
            {
              if (values[i] == NULL && strlen (names[i]) == name_length &&
                  g_ascii_strncasecmp (header + pos, names[i], name_length) == 0)
                {
                  GString *value = g_string_new (NULL);

                  append_unfolded (value, colon + 1, header + field_end - (colon + 1));
                  values[i] = g_string_free (value, FALSE);
                }
            }
        }
      pos = field_end;
    }
}

/**
 * pf_pop3_migration_message_key:
 * @header: a message's header, or those of its lines a FETCH of
 *   `HEADER.FIELDS (MESSAGE-ID DATE FROM TO SUBJECT)` returns; more (the
 *   body) may follow
 * @length: its length in bytes
 * @size: the size of the whole message with CRLF line ends (RFC822.SIZE)
 *
 * The key a migration recognises a message by: `<id>` for a message with
 * a Message-ID (the part in angle brackets, or the whole field body), or
 * `~` and the SHA-256 of its Date, From, To and Subject fields (unfolded)
 * and @size. A local file and its copy on the server have the same key.
 *
 * Returns: (transfer full): the key
 */
char *
pf_pop3_migration_message_key (const char *header,
                               gsize       length,
                               guint64     size)
{
  char *values[N_FIELDS] = { NULL };
  g_autoptr(GChecksum) checksum = NULL;
  char *key = NULL;

  g_return_val_if_fail (header != NULL || length == 0, NULL);

  parse_fields (header, length, values);
  if (values[FIELD_MESSAGE_ID] != NULL && values[FIELD_MESSAGE_ID][0] != '\0')
    {
      const char *id = values[FIELD_MESSAGE_ID];
      const char *open = strchr (id, '<');
      const char *close = open != NULL ? strchr (open, '>') : NULL;

      if (open != NULL && close != NULL && close > open + 1)
        key = g_strdup_printf ("<%.*s>", (int) (close - open - 1), open + 1);
      else
        key = g_strdup_printf ("<%s>", id);
    }
  else
    {
      g_autofree char *size_text = g_strdup_printf ("%" G_GUINT64_FORMAT, size);

      checksum = g_checksum_new (G_CHECKSUM_SHA256);
      for (guint i = FIELD_DATE; i < N_FIELDS; i++)
        {
          if (values[i] != NULL)
            g_checksum_update (checksum, (const guchar *) values[i], -1);
          g_checksum_update (checksum, (const guchar *) "\n", 1);
        }
      g_checksum_update (checksum, (const guchar *) size_text, -1);
      key = g_strconcat ("~", g_checksum_get_string (checksum), NULL);
    }

  for (guint i = 0; i < N_FIELDS; i++)
    g_free (values[i]);
  return key;
}

/* The number of line feeds without a carriage return before them. */
static gsize
count_bare_lf (const char *data,
               gsize       length,
               char       *previous)
{
  gsize n = 0;

  for (gsize i = 0; i < length; i++)
    {
      if (data[i] == '\n' && (i > 0 ? data[i - 1] : *previous) != '\r')
        n++;
    }
  if (length > 0)
    *previous = data[length - 1];
  return n;
}

/* Where the header ends (after the blank line), or 0 if not in @data. */
static gsize
header_end (const char *data,
            gsize       length)
{
  for (gsize i = 0; i + 1 < length; i++)
    {
      if (data[i] != '\n')
        continue;
      if (data[i + 1] == '\n')
        return i + 2;
      if (data[i + 1] == '\r' && i + 2 < length && data[i + 2] == '\n')
        return i + 3;
    }
  return 0;
}

/* Worker thread: the key of the message file at @path. Reads the header;
 * the whole file only for a message without Message-ID (for its size). */
static char *
file_key (const char  *path,
          GError     **error)
{
  g_autoptr(GString) header = g_string_new (NULL);
  char buffer[16384];
  FILE *file;
  guint64 size = 0;
  char previous = '\0';
  gsize end = 0;
  gboolean has_id;
  char *key;

  file = g_fopen (path, "rbe");
  if (file == NULL)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot read the message file “%s”: %s"), path, g_strerror (saved));
      return NULL;
    }

  while (end == 0 && header->len < HEADER_LIMIT)
    {
      gsize n = fread (buffer, 1, sizeof buffer, file);

      if (n == 0)
        break;
      size += n + count_bare_lf (buffer, n, &previous);
      g_string_append_len (header, buffer, n);
      end = header_end (header->str, header->len);
    }

  /* Whether it has a Message-ID decides if the size matters. */
  key = pf_pop3_migration_message_key (header->str, end != 0 ? end : header->len, 0);
  has_id = key[0] == '<';
  if (!has_id)
    {
      gsize n;

      g_free (key);
      while ((n = fread (buffer, 1, sizeof buffer, file)) > 0)
        size += n + count_bare_lf (buffer, n, &previous);
      key = pf_pop3_migration_message_key (header->str, end != 0 ? end : header->len, size);
    }

  if (ferror (file))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Cannot read the message file “%s”"), path);
      g_clear_pointer (&key, g_free);
    }
  fclose (file);
  return key;
}

/* Worker thread: the message with CRLF line ends, as APPEND sends it. */
static GBytes *
load_message (const char  *path,
              GError     **error)
{
  char *contents = NULL;
  gsize length = 0;
  char previous = '\0';
  gsize bare;
  char *converted;
  gsize out = 0;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;

  bare = count_bare_lf (contents, length, &previous);
  if (bare == 0)
    return g_bytes_new_take (contents, length);

  converted = g_malloc (length + bare);
  for (gsize i = 0; i < length; i++)
    {
      if (contents[i] == '\n' && (i == 0 || contents[i - 1] != '\r'))
        converted[out++] = '\r';
      converted[out++] = contents[i];
    }
  g_free (contents);
  return g_bytes_new_take (converted, out);
}

/* A run */

typedef enum
{
  LOCAL_PENDING,   /* not on the server (yet) */
  LOCAL_THERE,     /* the server had it before */
  LOCAL_COPIED,    /* stored by this run */
  LOCAL_FAILED,    /* unreadable or refused */
} LocalState;

typedef struct
{
  guint32     uid;            /* in the local folder */
  guint8      flags;          /* PfStoreFlags to carry over */
  guint8      state;          /* LocalState */
  gint64      internal_date;  /* seconds since the epoch, 0 if unknown */
  guint32     new_uid;        /* of the copy this run made, if the server said */
  char       *key;            /* NULL if the file could not be read */
} Local;

static void
local_clear (Local *local)
{
  g_clear_pointer (&local->key, g_free);
}

/* The copies of one key in the mailbox */
typedef struct
{
  GArray *uids;    /* of guint32 */
  GArray *flags;   /* of guint8, PfStoreFlags */
  guint   used;    /* how many a local message has claimed */
} Copies;

static void
copies_free (Copies *copies)
{
  g_array_unref (copies->uids);
  g_array_unref (copies->flags);
  g_free (copies);
}

typedef struct
{
  PfImapSession          *session;
  GPtrArray              *listed;      /* of PfImapListItem */
  char                    delimiter;
  char                   *prefix;      /* of the personal namespace, or NULL */
  GPtrArray              *folders;     /* of PfStoreFolder: to copy */
  guint                   index;       /* into folders */

  /* The current folder */
  PfStoreFolder          *folder;      /* borrowed from folders */
  PfPop3MigrationFolder  *report;      /* borrowed from the migration's report */
  char                   *mailbox;
  GArray                 *locals;      /* of Local */
  guint                   key_pos;     /* keys read up to here */
  GHashTable             *server;      /* key → Copies */
  gboolean                verifying;
  GPtrArray              *stores;      /* of StoreCommand: flags to add */
  GArray                 *pending;     /* of guint: indexes into locals to APPEND */
  guint                   append_pos;
  gboolean                loading;
  guint                   in_flight;
  gsize                   bytes_in_flight;
  GError                 *error;       /* the first one while APPENDs drain */
  char                   *extra;       /* UIDs of copies made twice, to remove */
} Run;

typedef struct
{
  char *uids;
  char *flags[5];
} StoreCommand;

static void
store_command_free (StoreCommand *command)
{
  g_free (command->uids);
  g_free (command);
}

static void
run_clear_folder (Run *run)
{
  run->folder = NULL;
  run->report = NULL;
  run->verifying = FALSE;
  run->key_pos = 0;
  run->append_pos = 0;
  g_clear_pointer (&run->mailbox, g_free);
  g_clear_pointer (&run->locals, g_array_unref);
  g_clear_pointer (&run->server, g_hash_table_unref);
  g_clear_pointer (&run->stores, g_ptr_array_unref);
  g_clear_pointer (&run->pending, g_array_unref);
  g_clear_pointer (&run->extra, g_free);
}

static void
run_free (Run *run)
{
  run_clear_folder (run);
  g_clear_object (&run->session);
  g_clear_pointer (&run->listed, g_ptr_array_unref);
  g_clear_pointer (&run->prefix, g_free);
  g_clear_pointer (&run->folders, g_ptr_array_unref);
  g_clear_error (&run->error);
  g_free (run);
}

static void next_folder (GTask *task);
static void append_pump (GTask *task);

/* The folder's name as the folder list shows it. */
static const char *
folder_title (const PfStoreFolder *folder)
{
  return folder->display_name != NULL && folder->display_name[0] != '\0' ?
         folder->display_name : folder->name;
}

static void
emit_step (GTask      *task,
           const char *text)
{
  g_signal_emit (g_task_get_source_object (task), signals[SIGNAL_STEP], 0, text);
}

static void
emit_progress (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  PfPop3MigrationFolder *report = run->report;

  g_signal_emit (g_task_get_source_object (task), signals[SIGNAL_PROGRESS], 0,
                 report->local_name, report->already_there + report->copied + report->failed,
                 report->local_count);
}

static void
update_totals (PfPop3Migration *self)
{
  PfPop3MigrationReport *report = self->report;

  report->local_count = report->copied = report->already_there = report->failed = 0;
  for (guint i = 0; i < report->folders->len; i++)
    {
      PfPop3MigrationFolder *folder = report->folders->pdata[i];

      report->local_count += folder->local_count;
      report->copied += folder->copied;
      report->already_there += folder->already_there;
      report->failed += folder->failed;
    }
}

/* The end of the run, with @error or the report. Takes the run's
 * reference on @task. */
static void
run_return (GTask  *task,
            GError *error)
{
  PfPop3Migration *self = g_task_get_source_object (task);

  self->running = FALSE;
  update_totals (self);
  if (error != NULL)
    {
      self->report->verified = FALSE;
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, pf_pop3_migration_report_copy (self->report),
                           (GDestroyNotify) pf_pop3_migration_report_free);
  g_object_unref (task);
}

static void
fail (GTask  *task,
      GError *error)
{
  Run *run = g_task_get_task_data (task);

  /* The connection goes with the run; no LOGOUT after a failure. */
  g_clear_object (&run->session);
  run_return (task, error);
}

/* Ends the run if it was cancelled. */
static gboolean
fail_if_cancelled (GTask *task)
{
  GError *error = NULL;

  if (!g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    return FALSE;
  fail (task, error);
  return TRUE;
}

/* Remembers a failure of one message; the run goes on. */
static void
message_failed (Run    *run,
                Local  *local,
                GError *error)
{
  local->state = LOCAL_FAILED;
  run->report->failed++;
  g_debug ("Message %u of “%s” not copied: %s", local->uid, run->report->local_name,
           error->message);
  if (run->report->error == NULL)
    run->report->error = g_strdup (error->message);
}

/* The end: every folder done */

static void
logged_out_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  PfPop3Migration *self = g_task_get_source_object (task);

  pf_imap_connection_logout_finish (PF_IMAP_CONNECTION (object), result, NULL);
  self->report->verified = TRUE;
  for (guint i = 0; i < self->report->folders->len; i++)
    {
      PfPop3MigrationFolder *folder = self->report->folders->pdata[i];

      if (folder->verified != folder->local_count || folder->failed > 0)
        self->report->verified = FALSE;
    }
  run_return (task, NULL);
}

/* Verification */

static int
compare_uids (gconstpointer a,
              gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static void
folder_done (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  run_clear_folder (run);
  run->index++;
  next_folder (task);
}

static gboolean
copies_claim (GHashTable *server,
              const char *key,
              guint      *index)
{
  Copies *copies = key != NULL ? g_hash_table_lookup (server, key) : NULL;

  if (copies == NULL || copies->used >= copies->uids->len)
    return FALSE;
  *index = copies->used++;
  return TRUE;
}

static void
verify_done (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  run->report->server_count = pf_imap_session_get_exists (run->session);
  g_debug ("“%s” → “%s”: %u local, %u copied, %u there before, %u failed, %u removed again, "
           "%u verified, %u on the server", run->report->local_name, run->mailbox,
           run->report->local_count, run->report->copied, run->report->already_there,
           run->report->failed, run->report->removed, run->report->verified,
           run->report->server_count);
  folder_done (task);
}

static void
extra_expunged_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!pf_imap_session_expunge_finish (PF_IMAP_SESSION (object), result, &error))
    {
      fail (task, error);
      return;
    }
  verify_done (task);
}

static void
extra_marked_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  if (!pf_imap_session_store_finish (PF_IMAP_SESSION (object), result, NULL, &error))
    {
      fail (task, error);
      return;
    }
  pf_imap_session_expunge_async (run->session, run->extra, g_task_get_cancellable (task),
                                 extra_expunged_cb, task);
}

/* The copies this run made of messages the server turned out to have
 * already, beyond what the local folder needs: after a lost connection
 * the server may still store the last APPENDs it read while the next run
 * looks. Only this run's own copies go (their UIDs from APPENDUID,
 * RFC 4315), and only with UIDPLUS, whose UID EXPUNGE leaves every other
 * message alone. */
static GArray *
find_extra (Run *run)
{
  g_autoptr(GHashTable) ours = NULL;
  GHashTableIter iter;
  gpointer key;
  gpointer value;
  GArray *extra = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (!pf_imap_connection_has_capability (pf_imap_session_get_connection (run->session),
                                          "UIDPLUS"))
    return extra;

  ours = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint i = 0; i < run->locals->len; i++)
    {
      Local *local = &g_array_index (run->locals, Local, i);

      if (local->state == LOCAL_COPIED && local->new_uid != 0)
        g_hash_table_add (ours, GUINT_TO_POINTER (local->new_uid));
    }

  g_hash_table_iter_init (&iter, run->server);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Copies *copies = value;
      guint excess = copies->uids->len - copies->used;

      for (guint i = copies->uids->len; i > 0 && excess > 0; i--)
        {
          guint32 uid = g_array_index (copies->uids, guint32, i - 1);

          if (g_hash_table_contains (ours, GUINT_TO_POINTER (uid)))
            {
              g_array_append_val (extra, uid);
              excess--;
            }
        }
    }
  return extra;
}

static void
verify (GTask *task)
{
  static const char *const deleted[] = { "\\Deleted", NULL };
  Run *run = g_task_get_task_data (task);
  g_autoptr(GArray) extra = NULL;
  guint verified = 0;

  for (guint i = 0; i < run->locals->len; i++)
    {
      Local *local = &g_array_index (run->locals, Local, i);
      guint index;

      if (copies_claim (run->server, local->key, &index))
        verified++;
    }
  run->report->verified = verified;

  extra = find_extra (run);
  if (extra->len == 0)
    {
      verify_done (task);
      return;
    }
  g_array_sort (extra, compare_uids);
  run->report->removed = extra->len;
  g_clear_pointer (&run->extra, g_free);
  run->extra = pf_imap_uids_to_sequence_string ((const guint32 *) (gpointer) extra->data,
                                                extra->len);
  pf_imap_session_store_async (run->session, run->extra, PF_IMAP_STORE_ADD, deleted, 0,
                               g_task_get_cancellable (task), extra_marked_cb, task);
}

/* The server's keys */

static void
server_fetch_cb (PfImapSession *session,
                 PfImapFetch   *fetch,
                 gpointer       user_data)
{
  g_autoptr(PfImapFetch) owned = fetch;
  Run *run = user_data;
  const PfImapFetchBody *body;
  g_autofree char *key = NULL;
  Copies *copies;
  guint8 flags = 0;

  if (!(fetch->fields & PF_IMAP_FETCH_UID) || fetch->bodies == NULL || fetch->bodies->len == 0)
    return;
  body = g_ptr_array_index (fetch->bodies, 0);
  if (body->data != NULL)
    key = pf_pop3_migration_message_key (g_bytes_get_data (body->data, NULL),
                                         g_bytes_get_size (body->data), fetch->rfc822_size);
  else
    key = pf_pop3_migration_message_key ("", 0, fetch->rfc822_size);

  for (guint i = 0; fetch->flags != NULL && fetch->flags[i] != NULL; i++)
    {
      const char *flag = fetch->flags[i];

      if (g_ascii_strcasecmp (flag, "\\Seen") == 0)
        flags |= PF_STORE_FLAG_SEEN;
      else if (g_ascii_strcasecmp (flag, "\\Answered") == 0)
        flags |= PF_STORE_FLAG_ANSWERED;
      else if (g_ascii_strcasecmp (flag, "\\Flagged") == 0)
        flags |= PF_STORE_FLAG_FLAGGED;
      else if (g_ascii_strcasecmp (flag, "\\Draft") == 0)
        flags |= PF_STORE_FLAG_DRAFT;
      else if (g_ascii_strcasecmp (flag, "\\Deleted") == 0)
        flags |= PF_STORE_FLAG_DELETED;
    }
  /* A copy marked \Deleted is about to go: it does not count. */
  if (flags & PF_STORE_FLAG_DELETED)
    return;

  copies = g_hash_table_lookup (run->server, key);
  if (copies == NULL)
    {
      copies = g_new0 (Copies, 1);
      copies->uids = g_array_new (FALSE, FALSE, sizeof (guint32));
      copies->flags = g_array_new (FALSE, FALSE, sizeof (guint8));
      g_hash_table_insert (run->server, g_steal_pointer (&key), copies);
    }
  g_array_append_val (copies->uids, fetch->uid);
  g_array_append_val (copies->flags, flags);
}

static void match (GTask *task);

static void
server_fetched_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  if (!pf_imap_session_fetch_finish (PF_IMAP_SESSION (object), result, &error))
    {
      fail (task, error);
      return;
    }
  if (run->verifying)
    verify (task);
  else
    match (task);
}

static void
selected_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(PfImapSelectResult) selected = NULL;
  GError *error = NULL;

  selected = pf_imap_session_select_finish (PF_IMAP_SESSION (object), result, &error);
  if (selected == NULL)
    {
      fail (task, error);
      return;
    }

  g_clear_pointer (&run->server, g_hash_table_unref);
  run->server = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) copies_free);
  if (selected->exists == 0)
    {
      if (run->verifying)
        verify (task);
      else
        match (task);
      return;
    }
  pf_imap_session_fetch_async (run->session, "1:*",
                               PF_IMAP_FETCH_UID | PF_IMAP_FETCH_FLAGS |
                               PF_IMAP_FETCH_RFC822_SIZE,
                               KEY_FIELDS, 0, server_fetch_cb, NULL, NULL, run,
                               g_task_get_cancellable (task), server_fetched_cb, task);
}

static void
select_mailbox (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  pf_imap_session_select_async (run->session, run->mailbox, PF_IMAP_SELECT_NONE, NULL, NULL,
                                NULL, NULL, g_task_get_cancellable (task), selected_cb, task);
}

/* APPEND */

typedef struct
{
  GTask *task;
  guint  index;    /* into locals */
  gsize  size;
} Append;

static void
append_done (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  g_autofree char *text = NULL;

  if (run->error != NULL)
    {
      fail (task, g_steal_pointer (&run->error));
      return;
    }
  if (fail_if_cancelled (task))
    return;

  /* Translators: %s is a folder name. */
  text = g_strdup_printf (_("Checking the copies of “%s”"), folder_title (run->folder));
  emit_step (task, text);
  run->verifying = TRUE;
  select_mailbox (task);
}

static void
appended_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Append *append = user_data;
  GTask *task = append->task;
  Run *run = g_task_get_task_data (task);
  Local *local = &g_array_index (run->locals, Local, append->index);
  g_autoptr(GError) error = NULL;

  run->in_flight--;
  run->bytes_in_flight -= append->size;
  if (pf_imap_session_append_finish (PF_IMAP_SESSION (object), result, NULL, &local->new_uid,
                                     &error))
    {
      local->state = LOCAL_COPIED;
      run->report->copied++;
      emit_progress (task);
    }
  else if (g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_NO))
    {
      /* The server refused this one message (too large, …): the others
       * may still go. */
      message_failed (run, local, error);
      emit_progress (task);
    }
  else if (run->error == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    run->error = g_steal_pointer (&error);

  g_free (append);
  append_pump (task);
  g_object_unref (task);   /* the APPEND's reference */
}

typedef struct
{
  GTask  *task;
  guint   index;
  char   *path;
} Load;

static void
load_free (Load *load)
{
  g_free (load->path);
  g_free (load);
}

static void
load_thread (GTask        *job,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Load *load = task_data;
  GError *error = NULL;
  GBytes *bytes = load_message (load->path, &error);

  if (bytes == NULL)
    g_task_return_error (job, error);
  else
    g_task_return_pointer (job, bytes, (GDestroyNotify) g_bytes_unref);
}

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Load *load = g_task_get_task_data (G_TASK (result));
  GTask *task = load->task;
  Run *run = g_task_get_task_data (task);
  Local *local = &g_array_index (run->locals, Local, load->index);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) date = NULL;
  const char *flags[5];
  guint n_flags = 0;
  Append *append;

  run->loading = FALSE;
  bytes = g_task_propagate_pointer (G_TASK (result), &error);
  if (bytes == NULL)
    {
      message_failed (run, local, error);
      emit_progress (task);
      append_pump (task);
      g_object_unref (task);
      return;
    }
  if (run->error != NULL || g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      append_pump (task);
      g_object_unref (task);
      return;
    }

  if (local->flags & PF_STORE_FLAG_SEEN)
    flags[n_flags++] = "\\Seen";
  if (local->flags & PF_STORE_FLAG_ANSWERED)
    flags[n_flags++] = "\\Answered";
  if (local->flags & PF_STORE_FLAG_FLAGGED)
    flags[n_flags++] = "\\Flagged";
  if (local->flags & PF_STORE_FLAG_DRAFT)
    flags[n_flags++] = "\\Draft";
  flags[n_flags] = NULL;
  if (local->internal_date > 0)
    date = g_date_time_new_from_unix_utc (local->internal_date);

  append = g_new0 (Append, 1);
  append->task = task;   /* the load's reference */
  append->index = load->index;
  append->size = g_bytes_get_size (bytes);
  run->in_flight++;
  run->bytes_in_flight += append->size;
  pf_imap_session_append_async (run->session, run->mailbox, flags, date, bytes,
                                g_task_get_cancellable (task), appended_cb, append);
  append_pump (task);
}

/* Keeps up to APPEND_WINDOW APPENDs in flight, reading the next file
 * while they travel; calls append_done() once all are answered. Each
 * load and each APPEND holds a reference on @task, so this takes none. */
static gboolean
append_stopped (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  return run->error != NULL || g_cancellable_is_cancelled (g_task_get_cancellable (task));
}

static void
append_pump (GTask *task)
{
  PfPop3Migration *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  while (!append_stopped (task) && !run->loading && run->append_pos < run->pending->len &&
         run->in_flight < APPEND_WINDOW &&
         (run->in_flight == 0 || run->bytes_in_flight < APPEND_BYTES))
    {
      guint index = g_array_index (run->pending, guint, run->append_pos++);
      Local *local = &g_array_index (run->locals, Local, index);
      g_autoptr(PfStoreMessage) message = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GTask) job = NULL;
      Load *load;

      message = pf_store_lookup_message_by_uid (self->store, run->folder->id, local->uid,
                                                &error);
      if (message == NULL || message->body_path == NULL)
        {
          if (error == NULL)
            error = g_error_new_literal (PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                                         _("The message is no longer stored"));
          message_failed (run, local, error);
          emit_progress (task);
          continue;
        }

      load = g_new0 (Load, 1);
      load->task = g_object_ref (task);
      load->index = index;
      load->path = g_strdup (message->body_path);
      run->loading = TRUE;
      job = g_task_new (NULL, NULL, loaded_cb, NULL);
      g_task_set_source_tag (job, append_pump);
      g_task_set_task_data (job, load, (GDestroyNotify) load_free);
      g_task_run_in_thread (job, load_thread);
      return;
    }

  if (run->loading || run->in_flight > 0)
    return;
  if (append_stopped (task) || run->append_pos >= run->pending->len)
    {
      /* The chain's reference, given back by append_done(). */
      append_done (g_object_ref (task));
    }
}

static void
append_start (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  g_autofree char *text = NULL;

  if (run->pending->len > 0)
    {
      /* Translators: %s is a folder name. */
      text = g_strdup_printf (_("Copying “%s”"), folder_title (run->folder));
      emit_step (task, text);
    }
  append_pump (task);
  /* append_pump() took its own reference when it finished or a load or
   * APPEND holds one: the chain's reference goes. */
  g_object_unref (task);
}

/* UID STORE +FLAGS for copies that lack local flags */

static void store_next (GTask *task);

static void
stored_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!pf_imap_session_store_finish (PF_IMAP_SESSION (object), result, NULL, &error))
    {
      fail (task, error);
      return;
    }
  store_next (task);
}

static void
store_next (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  StoreCommand *command;

  if (run->stores->len == 0)
    {
      append_start (task);
      return;
    }
  command = run->stores->pdata[run->stores->len - 1];
  g_ptr_array_steal_index (run->stores, run->stores->len - 1);
  pf_imap_session_store_async (run->session, command->uids, PF_IMAP_STORE_ADD,
                               (const char *const *) command->flags, 0,
                               g_task_get_cancellable (task), stored_cb, task);
  store_command_free (command);
}

static void
add_store_commands (Run    *run,
                    guint   flags,
                    GArray *uids)
{
  g_autoptr(PfImapSequenceSet) set = NULL;
  g_auto(GStrv) sets = NULL;

  g_array_sort (uids, compare_uids);
  set = pf_imap_sequence_set_new_from_uids ((const guint32 *) (gpointer) uids->data, uids->len);
  sets = pf_imap_sequence_set_to_strings (set, 4000);
  for (guint i = 0; sets[i] != NULL; i++)
    {
      StoreCommand *command = g_new0 (StoreCommand, 1);
      guint n = 0;

      command->uids = g_strdup (sets[i]);
      if (flags & PF_STORE_FLAG_SEEN)
        command->flags[n++] = "\\Seen";
      if (flags & PF_STORE_FLAG_ANSWERED)
        command->flags[n++] = "\\Answered";
      if (flags & PF_STORE_FLAG_FLAGGED)
        command->flags[n++] = "\\Flagged";
      if (flags & PF_STORE_FLAG_DRAFT)
        command->flags[n++] = "\\Draft";
      g_ptr_array_add (run->stores, command);
    }
}

/* Decides per local message: on the server already, or to copy. */
static void
match (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  GArray *missing[FLAGS_COPIED + 1] = { NULL };

  run->pending = g_array_new (FALSE, FALSE, sizeof (guint));
  run->stores = g_ptr_array_new_with_free_func ((GDestroyNotify) store_command_free);
  for (guint i = 0; i < run->locals->len; i++)
    {
      Local *local = &g_array_index (run->locals, Local, i);
      Copies *copies;
      guint index;
      guint lacking;

      if (local->state == LOCAL_FAILED)
        continue;
      if (!copies_claim (run->server, local->key, &index))
        {
          g_array_append_val (run->pending, i);
          continue;
        }
      local->state = LOCAL_THERE;
      run->report->already_there++;
      copies = g_hash_table_lookup (run->server, local->key);
      lacking = local->flags & ~g_array_index (copies->flags, guint8, index) & FLAGS_COPIED;
      if (lacking != 0)
        {
          if (missing[lacking] == NULL)
            missing[lacking] = g_array_new (FALSE, FALSE, sizeof (guint32));
          g_array_append_val (missing[lacking], g_array_index (copies->uids, guint32, index));
          run->report->flags_added++;
        }
    }
  for (guint flags = 1; flags <= FLAGS_COPIED; flags++)
    {
      if (missing[flags] == NULL)
        continue;
      add_store_commands (run, flags, missing[flags]);
      g_array_unref (missing[flags]);
    }
  /* The claims are counted again when verifying. */
  g_clear_pointer (&run->server, g_hash_table_unref);

  emit_progress (task);
  store_next (task);
}

/* The local messages and their keys */

typedef struct
{
  GPtrArray *paths;   /* of char *, NULL for a message without file */
  GPtrArray *keys;    /* of char *, NULL if unreadable */
  GPtrArray *errors;  /* of char *: why, or NULL */
} KeyJob;

static void
key_job_free (KeyJob *job)
{
  g_ptr_array_unref (job->paths);
  g_clear_pointer (&job->keys, g_ptr_array_unref);
  g_clear_pointer (&job->errors, g_ptr_array_unref);
  g_free (job);
}

static void
keys_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  KeyJob *job = task_data;

  job->keys = g_ptr_array_new_full (job->paths->len, g_free);
  job->errors = g_ptr_array_new_full (job->paths->len, g_free);
  for (guint i = 0; i < job->paths->len; i++)
    {
      const char *path = job->paths->pdata[i];
      g_autoptr(GError) error = NULL;
      char *key = NULL;

      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (path != NULL)
        key = file_key (path, &error);
      g_ptr_array_add (job->keys, key);
      g_ptr_array_add (job->errors, error != NULL ? g_strdup (error->message) : NULL);
    }
  g_task_return_boolean (task, TRUE);
}

static void keys_next (GTask *task);

static void
keys_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  KeyJob *job = g_task_get_task_data (G_TASK (result));

  if (fail_if_cancelled (task))
    return;

  for (guint i = 0; i < job->keys->len; i++)
    {
      Local *local = &g_array_index (run->locals, Local, run->key_pos + i);

      local->key = g_steal_pointer (&job->keys->pdata[i]);
      if (local->key == NULL)
        {
          g_autoptr(GError) error = NULL;

          error = g_error_new_literal (PF_STORE_ERROR, PF_STORE_ERROR_IO,
                                       job->errors->pdata[i] != NULL ?
                                       (const char *) job->errors->pdata[i] :
                                       _("The message is no longer stored"));
          message_failed (run, local, error);
        }
    }
  run->key_pos += job->keys->len;
  keys_next (task);
}

static void
keys_next (GTask *task)
{
  PfPop3Migration *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GTask) job_task = NULL;
  KeyJob *job;
  guint end;

  if (run->key_pos >= run->locals->len)
    {
      select_mailbox (task);
      return;
    }

  /* A chunk at a time: the lookups are quick, but not 50,000 at once. */
  end = MIN (run->key_pos + KEY_CHUNK, run->locals->len);
  job = g_new0 (KeyJob, 1);
  job->paths = g_ptr_array_new_with_free_func (g_free);
  for (guint i = run->key_pos; i < end; i++)
    {
      Local *local = &g_array_index (run->locals, Local, i);
      g_autoptr(PfStoreMessage) message = NULL;

      message = pf_store_lookup_message_by_uid (self->store, run->folder->id, local->uid, NULL);
      if (message != NULL)
        local->internal_date = message->internal_date != 0 ? message->internal_date :
                               message->date;
      g_ptr_array_add (job->paths, message != NULL ? g_strdup (message->body_path) : NULL);
    }

  job_task = g_task_new (NULL, g_task_get_cancellable (task), keys_cb, task);
  g_task_set_source_tag (job_task, keys_next);
  g_task_set_task_data (job_task, job, (GDestroyNotify) key_job_free);
  g_task_run_in_thread (job_task, keys_thread);
}

static void
local_begin (GTask *task)
{
  PfPop3Migration *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GArray) map = NULL;
  GError *error = NULL;

  map = pf_store_get_uid_map (self->store, run->folder->id, &error);
  if (map == NULL)
    {
      fail (task, error);
      return;
    }
  run->locals = g_array_sized_new (FALSE, TRUE, sizeof (Local), map->len);
  g_array_set_clear_func (run->locals, (GDestroyNotify) local_clear);
  for (guint i = 0; i < map->len; i++)
    {
      const PfStoreUidEntry *entry = &g_array_index (map, PfStoreUidEntry, i);
      Local local = { 0 };

      /* Marked \Deleted: gone for the user (not in the folder's count). */
      if (entry->flags & PF_STORE_FLAG_DELETED)
        continue;
      local.uid = entry->uid;
      local.flags = entry->flags & FLAGS_COPIED;
      local.state = LOCAL_PENDING;
      g_array_append_val (run->locals, local);
    }
  run->report->local_count = run->locals->len;
  emit_progress (task);
  keys_next (task);
}

/* Where a folder goes */

static PfImapMailboxAttributes
imap_special_use (PfStoreSpecialUse special_use)
{
  switch (special_use)
    {
    case PF_STORE_SPECIAL_USE_SENT:
      return PF_IMAP_MAILBOX_SENT;
    case PF_STORE_SPECIAL_USE_DRAFTS:
      return PF_IMAP_MAILBOX_DRAFTS;
    case PF_STORE_SPECIAL_USE_TRASH:
      return PF_IMAP_MAILBOX_TRASH;
    case PF_STORE_SPECIAL_USE_JUNK:
      return PF_IMAP_MAILBOX_JUNK;
    case PF_STORE_SPECIAL_USE_ARCHIVE:
      return PF_IMAP_MAILBOX_ARCHIVE;
    case PF_STORE_SPECIAL_USE_NONE:
    case PF_STORE_SPECIAL_USE_INBOX:
    case PF_STORE_SPECIAL_USE_ALL:
    case PF_STORE_SPECIAL_USE_FLAGGED:
    default:
      return 0;
    }
}

static PfImapListEntry *
find_listed (Run        *run,
             const char *name)
{
  for (guint i = 0; i < run->listed->len; i++)
    {
      PfImapListItem *item = run->listed->pdata[i];

      if (g_strcmp0 (item->entry->name, name) == 0)
        return item->entry;
    }
  return NULL;
}

static gboolean
selectable (const PfImapListEntry *entry)
{
  return !(entry->attributes & (PF_IMAP_MAILBOX_NOSELECT | PF_IMAP_MAILBOX_NONEXISTENT));
}

/* The server's mailbox for a special folder: by SPECIAL-USE, else by a
 * common name (the shallowest), else NULL. */
static const char *
find_special (Run               *run,
              PfStoreSpecialUse  special_use)
{
  PfImapMailboxAttributes attribute = imap_special_use (special_use);
  const PfImapListEntry *guessed = NULL;

  for (guint i = 0; i < run->listed->len; i++)
    {
      PfImapListItem *item = run->listed->pdata[i];

      if (selectable (item->entry) && (item->entry->attributes & attribute))
        return item->entry->name;
    }
  for (guint i = 0; i < run->listed->len; i++)
    {
      PfImapListItem *item = run->listed->pdata[i];
      const char *leaf = item->entry->name;

      if (run->prefix != NULL && g_str_has_prefix (leaf, run->prefix))
        leaf += strlen (run->prefix);
      if (selectable (item->entry) && pf_imap_sync_guess_special_use (leaf) == special_use &&
          (guessed == NULL || strlen (item->entry->name) < strlen (guessed->name)))
        guessed = item->entry;
    }
  return guessed != NULL ? guessed->name : NULL;
}

/* The local name with the server's delimiter between its levels, below
 * the personal namespace. */
static char *
server_name (Run                 *run,
             const PfStoreFolder *folder)
{
  g_autoptr(GString) name = g_string_new (run->prefix);
  char delimiter = run->delimiter != '\0' ? run->delimiter : '/';

  if (folder->delimiter != 0 && run->delimiter != '\0')
    {
      char local[8] = { 0 };
      g_auto(GStrv) levels = NULL;

      g_unichar_to_utf8 (folder->delimiter, local);
      levels = g_strsplit (folder->name, local, -1);
      for (guint i = 0; levels[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append_c (name, delimiter);
          g_string_append (name, levels[i]);
        }
    }
  else
    g_string_append (name, folder->name);
  return g_string_free (g_steal_pointer (&name), FALSE);
}

static void
subscribed_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  /* Not being subscribed only hides it in some clients. */
  if (!pf_imap_session_subscribe_finish (PF_IMAP_SESSION (object), result, &error))
    g_debug ("Cannot subscribe the new folder: %s", error->message);
  local_begin (task);
}

static void
created_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  if (!pf_imap_session_create_finish (PF_IMAP_SESSION (object), result, &error))
    {
      /* Made meanwhile by someone else: fine. */
      if (g_strcmp0 (pf_imap_error_get_response_code (error), "ALREADYEXISTS") != 0)
        {
          fail (task, error);
          return;
        }
      g_clear_error (&error);
    }
  else
    run->report->created = TRUE;
  pf_imap_session_subscribe_async (run->session, run->mailbox, g_task_get_cancellable (task),
                                   subscribed_cb, task);
}

static void
next_folder (GTask *task)
{
  PfPop3Migration *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  PfPop3MigrationFolder *report;
  const PfImapListEntry *existing;
  const char *special = NULL;

  if (fail_if_cancelled (task))
    return;
  if (run->index >= run->folders->len)
    {
      g_autoptr(PfImapSession) session = g_steal_pointer (&run->session);

      pf_imap_connection_logout_async (pf_imap_session_get_connection (session), NULL,
                                       logged_out_cb, task);
      return;
    }

  run->folder = run->folders->pdata[run->index];
  report = g_new0 (PfPop3MigrationFolder, 1);
  report->local_name = g_strdup (run->folder->name);
  report->special_use = run->folder->special_use;
  g_ptr_array_add (self->report->folders, report);
  run->report = report;

  if (run->folder->special_use == PF_STORE_SPECIAL_USE_INBOX)
    run->mailbox = g_strdup ("INBOX");
  else if (imap_special_use (run->folder->special_use) != 0 &&
           (special = find_special (run, run->folder->special_use)) != NULL)
    run->mailbox = g_strdup (special);
  else
    run->mailbox = server_name (run, run->folder);
  report->server_name = g_strdup (run->mailbox);

  existing = run->folder->special_use == PF_STORE_SPECIAL_USE_INBOX ? NULL :
             find_listed (run, run->mailbox);
  if (run->folder->special_use != PF_STORE_SPECIAL_USE_INBOX && existing == NULL)
    {
      pf_imap_session_create_async (run->session, run->mailbox,
                                    imap_special_use (run->folder->special_use),
                                    g_task_get_cancellable (task), created_cb, task);
      return;
    }
  local_begin (task);
}

/* Connecting */

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  run->listed = pf_imap_session_list_finish (PF_IMAP_SESSION (object), result, &error);
  if (run->listed == NULL)
    {
      fail (task, error);
      return;
    }
  for (guint i = 0; run->delimiter == '\0' && i < run->listed->len; i++)
    {
      PfImapListItem *item = run->listed->pdata[i];

      run->delimiter = item->entry->delimiter;
    }
  next_folder (task);
}

static void
list (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  pf_imap_session_list_async (run->session, "", "*", PF_IMAP_LIST_NONE,
                              g_task_get_cancellable (task), listed_cb, task);
}

static void
namespace_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(PfImapNamespaces) namespaces = NULL;
  g_autoptr(GError) error = NULL;

  namespaces = pf_imap_session_namespace_finish (PF_IMAP_SESSION (object), result, &error);
  if (namespaces == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  if (namespaces != NULL && namespaces->personal != NULL && namespaces->personal->len > 0)
    {
      PfImapNamespace *personal = g_ptr_array_index (namespaces->personal, 0);

      run->delimiter = personal->delimiter;
      if (personal->prefix != NULL && personal->prefix[0] != '\0')
        run->prefix = g_strdup (personal->prefix);
    }
  list (task);
}

static void
opened_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  run->session = pf_imap_sync_open_session_finish (result, &error);
  if (run->session == NULL)
    {
      fail (task, error);
      return;
    }
  if (pf_imap_connection_has_capability (pf_imap_session_get_connection (run->session),
                                         "NAMESPACE"))
    pf_imap_session_namespace_async (run->session, g_task_get_cancellable (task), namespace_cb,
                                     task);
  else
    list (task);
}

static int
compare_folders (gconstpointer a,
                 gconstpointer b)
{
  const PfStoreFolder *x = *(PfStoreFolder **) a;
  const PfStoreFolder *y = *(PfStoreFolder **) b;
  gboolean x_inbox = x->special_use == PF_STORE_SPECIAL_USE_INBOX;
  gboolean y_inbox = y->special_use == PF_STORE_SPECIAL_USE_INBOX;

  if (x_inbox != y_inbox)
    return x_inbox ? -1 : 1;
  /* Parents before children: a prefix sorts first. */
  return g_strcmp0 (x->name, y->name);
}

/* GObject */

static void
pf_pop3_migration_finalize (GObject *object)
{
  PfPop3Migration *self = PF_POP3_MIGRATION (object);

  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->secret, g_free);
  g_clear_pointer (&self->report, pf_pop3_migration_report_free);

  G_OBJECT_CLASS (pf_pop3_migration_parent_class)->finalize (object);
}

static void
pf_pop3_migration_class_init (PfPop3MigrationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_pop3_migration_finalize;

  /**
   * PfPop3Migration::progress:
   * @self: the migration
   * @folder: the local folder's name
   * @done: its messages dealt with so far (copied, found on the server
   *   or failed)
   * @total: its messages
   *
   * Emitted when a folder starts, after its messages were compared with
   * the server's, and for every message copied or failed.
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_UINT);

  /**
   * PfPop3Migration::step:
   * @self: the migration
   * @text: what happens now, translated, for the user
   */
  signals[SIGNAL_STEP] =
    g_signal_new ("step", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
pf_pop3_migration_init (PfPop3Migration *self)
{
  self->report = report_new ();
}

/**
 * pf_pop3_migration_new:
 * @source: the POP3 account's store, open
 * @imap: the IMAP server of the same mailbox
 * @password: the password (or the OAuth 2.0 token, when @imap's
 *   authentication method says so) for @imap
 *
 * Returns: (transfer full): a migration that copies @source's mail to
 *   @imap when run
 */
PfPop3Migration *
pf_pop3_migration_new (PfStore          *source,
                       PfServerSettings *imap,
                       const char       *password)
{
  PfPop3Migration *self;

  g_return_val_if_fail (PF_IS_STORE (source), NULL);
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (imap), NULL);
  g_return_val_if_fail (password != NULL, NULL);

  self = g_object_new (PF_TYPE_POP3_MIGRATION, NULL);
  self->store = g_object_ref (source);
  self->settings = g_object_ref (imap);
  self->secret = g_strdup (password);
  return self;
}

/**
 * pf_pop3_migration_run_async:
 * @self: a #PfPop3Migration
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when every folder is copied and checked
 * @user_data: data for @callback
 *
 * Copies every local folder's messages that the server does not have yet
 * (see the section documentation) and checks the result. Run it again
 * after a failure or cancellation: it goes on where the last run
 * stopped. Main thread; files are read in worker threads. Only one run
 * at a time: a second one fails with %G_IO_ERROR_PENDING.
 */
void
pf_pop3_migration_run_async (PfPop3Migration     *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GPtrArray) folders = NULL;
  g_autofree char *text = NULL;
  GError *error = NULL;
  GTask *task;
  Run *run;

  g_return_if_fail (PF_IS_POP3_MIGRATION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_pop3_migration_run_async);
  if (self->running)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The mail is being copied already"));
      g_object_unref (task);
      return;
    }

  run = g_new0 (Run, 1);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  self->running = TRUE;
  g_clear_pointer (&self->report, pf_pop3_migration_report_free);
  self->report = report_new ();

  folders = pf_store_list_folders (self->store, &error);
  if (folders == NULL)
    {
      run_return (task, error);
      return;
    }
  run->folders = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_store_folder_free);
  for (guint i = 0; i < folders->len; i++)
    {
      PfStoreFolder *folder = folders->pdata[i];

      /* Virtual folders hold copies of the others. */
      if (folder->special_use == PF_STORE_SPECIAL_USE_ALL ||
          folder->special_use == PF_STORE_SPECIAL_USE_FLAGGED)
        continue;
      g_ptr_array_add (run->folders, pf_store_folder_copy (folder));
    }
  g_ptr_array_sort (run->folders, compare_folders);

  /* Translators: %s is the name of the mail server. */
  text = g_strdup_printf (_("Connecting to %s"), pf_server_settings_get_host (self->settings));
  emit_step (task, text);
  pf_imap_sync_open_session_async (self->settings, self->secret,
                                   pf_server_settings_get_auth_method (self->settings) ==
                                   PF_AUTH_METHOD_OAUTH2,
                                   cancellable, opened_cb, task);
}

/**
 * pf_pop3_migration_run_finish:
 * @self: a #PfPop3Migration
 * @result: the result
 * @error: return location for an error: those of #PfNetConnection
 *   (%PF_NET_ERROR), of the login (%PF_IMAP_ERROR_AUTHENTICATION_FAILED),
 *   of a command (%PF_IMAP_ERROR, e.g. a folder that cannot be created),
 *   %PF_STORE_ERROR, %G_IO_ERROR_CANCELLED or %G_IO_ERROR_PENDING
 *
 * A run that failed may have copied a part of the mail; the next run
 * goes on from there. Messages the server refused one by one are not an
 * error of the run: they are counted in the report, which is then not
 * verified.
 *
 * Returns: (transfer full): the report, or %NULL with @error set
 */
PfPop3MigrationReport *
pf_pop3_migration_run_finish (PfPop3Migration  *self,
                              GAsyncResult     *result,
                              GError          **error)
{
  g_return_val_if_fail (PF_IS_POP3_MIGRATION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * pf_pop3_migration_get_report:
 * @self: a #PfPop3Migration
 *
 * The report of the current or the last run, also after a failure: the
 * folders done so far (the last one possibly incomplete). Its
 * @verified is %FALSE until a run has succeeded.
 *
 * Returns: (transfer none): the report
 */
const PfPop3MigrationReport *
pf_pop3_migration_get_report (PfPop3Migration *self)
{
  g_return_val_if_fail (PF_IS_POP3_MIGRATION (self), NULL);

  return self->report;
}
