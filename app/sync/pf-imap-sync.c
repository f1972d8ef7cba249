/* pf-imap-sync.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gmime/gmime.h>
#include <string.h>

#include "imap/pf-imap-connection.h"
#include "imap/pf-imap-error.h"
#include "imap/pf-imap-session.h"
#include "mime/pf-mime-message.h"
#include "pf-draft-push.h"
#include "pf-imap-sync.h"
#include "pf-operations.h"

/**
 * SECTION:pf-imap-sync
 *
 * Brings an account's #PfStore in line with its IMAP server.
 *
 * One run: connect and log in (once; the session is kept for the next
 * run), ENABLE QRESYNC when offered, LIST all folders (with their status
 * in the same round trip where LIST-STATUS exists, otherwise one STATUS
 * each), reflect new, renamed and deleted folders, and SELECT only the
 * folders whose status differs from the cache. In a selected folder:
 *
 *  - UIDVALIDITY changed: the folder's cache is dropped, its pending local
 *    operations too (logged), and it is fetched again;
 *  - changes to known messages: with QRESYNC from the SELECT itself
 *    (changed FETCHes and VANISHED), with CONDSTORE by CHANGEDSINCE, and
 *    otherwise by comparing UID FETCH 1:n (FLAGS) with the cache, which
 *    also finds expunged messages;
 *  - new messages: UID FETCH last+1:* of flags, dates, size, envelope,
 *    body structure and References, streamed, written to the store in
 *    batches by its worker thread while the next responses arrive.
 *
 * The folder's UIDNEXT/HIGHESTMODSEQ go into the last batch: a run that
 * is cut off anywhere stores them only after everything before them, so
 * the next run starts where this one really ended.
 */

/* Batches start small, so that the first messages show at once, and
 * double up to the batch size: fewer, larger transactions write each
 * index page fewer times (a 50,000-message first sync takes a quarter
 * less time with 4,000 than with 1,000). */
#define FIRST_BATCH_SIZE   250
#define DEFAULT_BATCH_SIZE 4000
#define PROGRESS_STEP      500

/* Watching: RFC 2177 §3 wants a new IDLE at least every 29 minutes; the
 * same timer syncs the other folders. Without IDLE, NOOP polls. */
#define IDLE_RESTART_SECONDS   (29 * 60)
#define DEFAULT_POLL_SECONDS   120
#define FULL_SYNC_POLLS        5
#define MAX_BACKOFF_SECONDS    300

/* Bodies of recent mail are kept for reading offline; older ones are
 * fetched when opened. */
#define DEFAULT_OFFLINE_DAYS   14
/* …and whatever their date, each folder's newest messages: those are
 * opened first (a mailbox that had no mail for weeks, or the first look
 * at an old account). */
#define OFFLINE_NEWEST         25
#define BODY_WINDOW            3           /* UID FETCH commands in flight */
#define BODY_RANGE             64          /* messages per UID FETCH */
#define BODY_CHUNK_MESSAGES    64          /* written and parsed together */
#define BODY_CHUNK_BYTES       (8 << 20)
#define BODY_MAX_JOBS          3           /* chunks being written at a time */

/* One connection of the account; at most two are open at a time. */
typedef struct
{
  PfImapConnection *connection;
  PfImapSession    *session;
  gboolean          connecting;
  GPtrArray        *waiting;      /* GTasks that asked while it connected */
} Slot;

struct _PfImapSync
{
  GObject           parent_instance;

  PfStore          *store;
  PfServerSettings *settings;
  char             *secret;
  gboolean          secret_is_token;
  guint             batch_size;

  guint             poll_seconds;
  int               offline_days;   /* -1: none, 0: all */
  gboolean          index_search;   /* index new summaries before a run ends */

  Slot              main;        /* sync runs, replays, watching */
  Slot              bodies;      /* bodies on demand, beside a run */
  gboolean          running;
  GTask            *watch_task;  /* weak: the watch, while one runs */
};

G_DEFINE_FINAL_TYPE (PfImapSync, pf_imap_sync, G_TYPE_OBJECT)

static void
slot_clear (Slot *slot)
{
  g_clear_object (&slot->session);
  g_clear_object (&slot->connection);
}

enum
{
  SIGNAL_PROGRESS,
  SIGNAL_OPERATION_FAILED,
  SIGNAL_SYNCED,
  SIGNAL_SYNC_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* One run */

typedef struct
{
  gint64             folder_id;
  char              *name;
  gboolean           first_sync;   /* nothing cached: counts from STATUS */
} FolderTodo;

typedef struct
{
  PfImapSyncStats    stats;
  GPtrArray         *todo;         /* FolderTodo */
  guint              todo_index;
  GPtrArray         *listed;       /* PfImapListItem of the LIST */
  GPtrArray         *operations;   /* PfStoreOperation to replay */
  guint              operation_index;
  PfStoreOperation  *operation;    /* being replayed */
  guint              operation_step;

  /* bodies for offline reading */
  GArray            *body_folders;  /* gint64 folder ids */
  guint              body_folder_index;
  GArray            *body_refs;     /* PfStoreBodyRef of the current folder */
  guint              body_next;
  guint              body_in_flight;
  guint              body_jobs;     /* chunks being written, or their batches */
  char              *body_maildir;
  GPtrArray         *body_chunk;    /* BodyItem */
  GHashTable        *body_ids;      /* uid → message id, asked for and not come yet */
  GByteArray        *body_streamed; /* a body above the literal threshold, gathering */
  guint32            body_streamed_uid;
  gsize              body_chunk_bytes;
  GError            *body_error;
  guint              status_index;

  /* the folder being synced */
  gint64             folder_id;
  char              *folder_name;
  PfStoreFolderState local;
  GArray            *uid_map;      /* PfStoreUidEntry, by UID; NULL until needed */
  guint8            *seen;         /* per uid_map entry, during a comparison */
  guint32            compare_limit;
  PfImapSelectResult *selected;
  PfStoreBatch      *batch;
  guint              batch_limit;   /* size of the next batch; 0: the first */
  guint              batches_in_flight;
  gboolean           folder_finishing;
  guint32            highest_fetched;
  guint              fetched;
  guint              expected;
  GError            *batch_error;
} Run;

static void
folder_todo_free (FolderTodo *todo)
{
  g_free (todo->name);
  g_free (todo);
}

static void
run_reset_folder (Run *run)
{
  g_clear_pointer (&run->folder_name, g_free);
  g_clear_pointer (&run->uid_map, g_array_unref);
  g_clear_pointer (&run->seen, g_free);
  g_clear_pointer (&run->selected, pf_imap_select_result_free);
  g_clear_pointer (&run->batch, pf_store_batch_unref);
  run->batch_limit = 0;
  run->folder_id = 0;
  run->folder_finishing = FALSE;
  run->highest_fetched = 0;
  run->fetched = 0;
  run->expected = 0;
  run->compare_limit = 0;
  memset (&run->local, 0, sizeof run->local);
}

static void
run_free (Run *run)
{
  run_reset_folder (run);
  g_clear_pointer (&run->todo, g_ptr_array_unref);
  g_clear_pointer (&run->listed, g_ptr_array_unref);
  g_clear_pointer (&run->operations, g_ptr_array_unref);
  g_clear_pointer (&run->body_folders, g_array_unref);
  g_clear_pointer (&run->body_refs, g_array_unref);
  g_clear_pointer (&run->body_maildir, g_free);
  g_clear_pointer (&run->body_chunk, g_ptr_array_unref);
  g_clear_pointer (&run->body_ids, g_hash_table_unref);
  g_clear_pointer (&run->body_streamed, g_byte_array_unref);
  g_clear_error (&run->body_error);
  g_clear_error (&run->batch_error);
  g_free (run);
}

/* GObject */

static void
pf_imap_sync_dispose (GObject *object)
{
  PfImapSync *self = PF_IMAP_SYNC (object);

  g_clear_weak_pointer (&self->watch_task);
  slot_clear (&self->main);
  slot_clear (&self->bodies);
  g_clear_pointer (&self->main.waiting, g_ptr_array_unref);
  g_clear_pointer (&self->bodies.waiting, g_ptr_array_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pf_imap_sync_parent_class)->dispose (object);
}

static void
pf_imap_sync_finalize (GObject *object)
{
  PfImapSync *self = PF_IMAP_SYNC (object);

  if (self->secret != NULL)
    {
      explicit_bzero (self->secret, strlen (self->secret));
      g_free (self->secret);
    }

  G_OBJECT_CLASS (pf_imap_sync_parent_class)->finalize (object);
}

static void
pf_imap_sync_class_init (PfImapSyncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_imap_sync_dispose;
  object_class->finalize = pf_imap_sync_finalize;

  /* Decoding headers needs GMime's tables and default options. */
  g_mime_init ();

  /**
   * PfImapSync::progress:
   * @self: the #PfImapSync
   * @folder: the folder's name
   * @done: messages fetched so far in this folder
   * @total: messages to fetch in it (an estimate from EXISTS)
   *
   * Emitted on the main thread while a folder is fetched.
   */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_UINT);

  /**
   * PfImapSync::operation-failed:
   * @self: the #PfImapSync
   * @kind: the operation's kind (see pf-operations.h)
   * @message: why the server refused it, translated
   *
   * A queued change was refused by the server for good; its local effect
   * was reverted. The user should be told.
   */
  /**
   * PfImapSync::synced:
   * @self: the #PfImapSync
   * @stats: (type gpointer): the #PfImapSyncStats of the run
   *
   * While watching (pf_imap_sync_watch_async()): a run ended well.
   */
  signals[SIGNAL_SYNCED] =
    g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  /**
   * PfImapSync::sync-failed:
   * @self: the #PfImapSync
   * @error: what went wrong
   * @retry_seconds: when the next attempt comes, 0 for never
   *
   * While watching: a run failed.
   */
  signals[SIGNAL_SYNC_FAILED] =
    g_signal_new ("sync-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_ERROR, G_TYPE_UINT);

  signals[SIGNAL_OPERATION_FAILED] =
    g_signal_new ("operation-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
pf_imap_sync_init (PfImapSync *self)
{
  self->batch_size = DEFAULT_BATCH_SIZE;
  self->poll_seconds = DEFAULT_POLL_SECONDS;
  self->offline_days = DEFAULT_OFFLINE_DAYS;
  self->index_search = TRUE;
}

/**
 * pf_imap_sync_new:
 * @store: the account's store
 * @settings: the account's incoming IMAP server
 *
 * Returns: (transfer full): a new #PfImapSync; give it the password with
 *   pf_imap_sync_set_secret()
 */
PfImapSync *
pf_imap_sync_new (PfStore          *store,
                  PfServerSettings *settings)
{
  PfImapSync *self;

  g_return_val_if_fail (PF_IS_STORE (store), NULL);
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (settings), NULL);

  self = g_object_new (PF_TYPE_IMAP_SYNC, NULL);
  self->store = g_object_ref (store);
  self->settings = g_object_ref (settings);
  return self;
}

/**
 * pf_imap_sync_get_store:
 * @self: a #PfImapSync
 *
 * Returns: (transfer none): the store
 */
PfStore *
pf_imap_sync_get_store (PfImapSync *self)
{
  g_return_val_if_fail (PF_IS_IMAP_SYNC (self), NULL);

  return self->store;
}

/**
 * pf_imap_sync_set_secret:
 * @self: a #PfImapSync
 * @secret: the password or OAuth 2.0 token, from libsecret
 * @is_oauth_token: whether @secret is a token
 *
 * The secret is kept in memory only, and wiped when replaced or freed.
 */
void
pf_imap_sync_set_secret (PfImapSync *self,
                         const char *secret,
                         gboolean    is_oauth_token)
{
  g_return_if_fail (PF_IS_IMAP_SYNC (self));

  if (self->secret != NULL)
    {
      explicit_bzero (self->secret, strlen (self->secret));
      g_free (self->secret);
    }
  self->secret = g_strdup (secret);
  self->secret_is_token = is_oauth_token;
}

/**
 * pf_imap_sync_set_batch_size:
 * @self: a #PfImapSync
 * @batch_size: messages per store transaction at most (at least 1; the
 *   default is 4,000). A folder's first batches are smaller.
 */
void
pf_imap_sync_set_batch_size (PfImapSync *self,
                             guint       batch_size)
{
  g_return_if_fail (PF_IS_IMAP_SYNC (self));

  self->batch_size = MAX (batch_size, 1);
}

/**
 * pf_imap_sync_has_capability:
 * @self: a #PfImapSync
 * @name: a capability, e.g. "QRESYNC"
 *
 * Returns: whether the connected server announced @name; %FALSE when not
 *   connected
 */
gboolean
pf_imap_sync_has_capability (PfImapSync *self,
                             const char *name)
{
  g_return_val_if_fail (PF_IS_IMAP_SYNC (self), FALSE);

  return self->main.connection != NULL &&
         pf_imap_connection_has_capability (self->main.connection, name);
}

/* Special use */

/**
 * pf_imap_sync_guess_special_use:
 * @name: a folder's full name, UTF-8
 *
 * The fallback for servers without SPECIAL-USE (RFC 6154): the names
 * common clients and servers give these folders, English and German.
 *
 * Returns: the special use the name suggests, or
 *   %PF_STORE_SPECIAL_USE_NONE
 */
PfStoreSpecialUse
pf_imap_sync_guess_special_use (const char *name)
{
  static const struct
  {
    const char        *name;
    PfStoreSpecialUse  use;
  } names[] = {
    { "sent", PF_STORE_SPECIAL_USE_SENT },
    { "sent items", PF_STORE_SPECIAL_USE_SENT },
    { "sent messages", PF_STORE_SPECIAL_USE_SENT },
    { "sent mail", PF_STORE_SPECIAL_USE_SENT },
    { "gesendet", PF_STORE_SPECIAL_USE_SENT },
    { "gesendete elemente", PF_STORE_SPECIAL_USE_SENT },
    { "gesendete objekte", PF_STORE_SPECIAL_USE_SENT },
    { "drafts", PF_STORE_SPECIAL_USE_DRAFTS },
    { "draft", PF_STORE_SPECIAL_USE_DRAFTS },
    { "entwürfe", PF_STORE_SPECIAL_USE_DRAFTS },
    { "entwurf", PF_STORE_SPECIAL_USE_DRAFTS },
    { "trash", PF_STORE_SPECIAL_USE_TRASH },
    { "deleted items", PF_STORE_SPECIAL_USE_TRASH },
    { "deleted messages", PF_STORE_SPECIAL_USE_TRASH },
    { "papierkorb", PF_STORE_SPECIAL_USE_TRASH },
    { "gelöschte elemente", PF_STORE_SPECIAL_USE_TRASH },
    { "gelöschte objekte", PF_STORE_SPECIAL_USE_TRASH },
    { "junk", PF_STORE_SPECIAL_USE_JUNK },
    { "spam", PF_STORE_SPECIAL_USE_JUNK },
    { "junk e-mail", PF_STORE_SPECIAL_USE_JUNK },
    { "junk-e-mail", PF_STORE_SPECIAL_USE_JUNK },
    { "archive", PF_STORE_SPECIAL_USE_ARCHIVE },
    { "archiv", PF_STORE_SPECIAL_USE_ARCHIVE },
  };
  g_autofree char *folded = NULL;
  const char *leaf;

  g_return_val_if_fail (name != NULL, PF_STORE_SPECIAL_USE_NONE);

  if (g_ascii_strcasecmp (name, "INBOX") == 0)
    return PF_STORE_SPECIAL_USE_INBOX;

  /* "INBOX.Sent", "INBOX/Gesendet": the last level counts, but only one
   * level below INBOX or at the top. */
  leaf = name;
  if (g_ascii_strncasecmp (name, "INBOX", 5) == 0 && (name[5] == '.' || name[5] == '/'))
    leaf = name + 6;
  if (strchr (leaf, '/') != NULL || strchr (leaf, '.') != NULL)
    return PF_STORE_SPECIAL_USE_NONE;

  folded = g_utf8_casefold (leaf, -1);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (folded, names[i].name) == 0)
      return names[i].use;
  return PF_STORE_SPECIAL_USE_NONE;
}

static PfStoreSpecialUse
special_use_from_attributes (PfImapMailboxAttributes attributes)
{
  if (attributes & PF_IMAP_MAILBOX_SENT)
    return PF_STORE_SPECIAL_USE_SENT;
  if (attributes & PF_IMAP_MAILBOX_DRAFTS)
    return PF_STORE_SPECIAL_USE_DRAFTS;
  if (attributes & PF_IMAP_MAILBOX_TRASH)
    return PF_STORE_SPECIAL_USE_TRASH;
  if (attributes & PF_IMAP_MAILBOX_JUNK)
    return PF_STORE_SPECIAL_USE_JUNK;
  if (attributes & PF_IMAP_MAILBOX_ARCHIVE)
    return PF_STORE_SPECIAL_USE_ARCHIVE;
  if (attributes & PF_IMAP_MAILBOX_ALL)
    return PF_STORE_SPECIAL_USE_ALL;
  if (attributes & PF_IMAP_MAILBOX_FLAGGED)
    return PF_STORE_SPECIAL_USE_FLAGGED;
  if (attributes & PF_IMAP_MAILBOX_INBOX)
    return PF_STORE_SPECIAL_USE_INBOX;
  return PF_STORE_SPECIAL_USE_NONE;
}

/* Messages */

static PfStoreFlags
flags_from_imap (char  **flags,
                 char  **keywords)
{
  PfStoreFlags result = PF_STORE_FLAG_NONE;
  g_autoptr(GString) other = NULL;

  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    {
      const char *flag = flags[i];

      if (g_ascii_strcasecmp (flag, "\\Seen") == 0)
        result |= PF_STORE_FLAG_SEEN;
      else if (g_ascii_strcasecmp (flag, "\\Answered") == 0)
        result |= PF_STORE_FLAG_ANSWERED;
      else if (g_ascii_strcasecmp (flag, "\\Flagged") == 0)
        result |= PF_STORE_FLAG_FLAGGED;
      else if (g_ascii_strcasecmp (flag, "\\Deleted") == 0)
        result |= PF_STORE_FLAG_DELETED;
      else if (g_ascii_strcasecmp (flag, "\\Draft") == 0)
        result |= PF_STORE_FLAG_DRAFT;
      else if (flag[0] != '\\' && keywords != NULL)
        {
          if (other == NULL)
            other = g_string_new (NULL);
          else
            g_string_append_c (other, ' ');
          g_string_append (other, flag);
        }
    }

  if (keywords != NULL)
    *keywords = other != NULL ? g_string_free (g_steal_pointer (&other), FALSE) : NULL;
  return result;
}

static char *
decode_text (const char *text)
{
  char *decoded;

  if (text == NULL)
    return NULL;
  decoded = g_mime_utils_header_decode_text (NULL, text);
  if (decoded != NULL && !g_utf8_validate (decoded, -1, NULL))
    {
      char *valid = g_utf8_make_valid (decoded, -1);

      g_free (decoded);
      decoded = valid;
    }
  return decoded;
}

/* "Name <address>, …", decoded, for the list and search */
static char *
addresses_to_display (GPtrArray *addresses)
{
  g_autoptr(GString) text = NULL;

  if (addresses == NULL || addresses->len == 0)
    return NULL;

  text = g_string_new (NULL);
  for (guint i = 0; i < addresses->len; i++)
    {
      PfImapAddress *address = g_ptr_array_index (addresses, i);
      g_autofree char *email = NULL;
      g_autofree char *name = NULL;

      if (pf_imap_address_is_group (address))
        continue;
      email = pf_imap_address_dup_email (address);
      name = decode_text (address->name);
      if (text->len > 0)
        g_string_append (text, ", ");
      if (name != NULL && name[0] != '\0')
        g_string_append_printf (text, "%s <%s>", name, email != NULL ? email : "");
      else if (email != NULL)
        g_string_append (text, email);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
has_attachment (const PfImapBodyStructure *part)
{
  if (part == NULL)
    return FALSE;
  if (part->children != NULL)
    {
      for (guint i = 0; i < part->children->len; i++)
        if (has_attachment (g_ptr_array_index (part->children, i)))
          return TRUE;
      return FALSE;
    }
  if (part->disposition != NULL && g_ascii_strcasecmp (part->disposition, "attachment") == 0)
    return TRUE;
  if (part->type != NULL && g_ascii_strcasecmp (part->type, "text") != 0 &&
      g_ascii_strcasecmp (part->type, "multipart") != 0 &&
      (part->disposition == NULL || g_ascii_strcasecmp (part->disposition, "inline") != 0))
    return TRUE;
  return FALSE;
}

/* The References value from BODY[HEADER.FIELDS (REFERENCES)], unfolded */
static char *
references_from_fetch (const PfImapFetch *fetch)
{
  g_autoptr(GString) value = NULL;
  const char *data;
  gsize length;
  gsize i;

  if (fetch->bodies == NULL)
    return NULL;

  for (guint b = 0; b < fetch->bodies->len; b++)
    {
      const PfImapFetchBody *body = g_ptr_array_index (fetch->bodies, b);

      if (body->section == NULL || body->data == NULL ||
          g_ascii_strncasecmp (body->section, "HEADER.FIELDS", 13) != 0)
        continue;

      data = g_bytes_get_data (body->data, &length);
      if (length < 11 || g_ascii_strncasecmp (data, "References:", 11) != 0)
        return NULL;
      value = g_string_new (NULL);
      for (i = 11; i < length; i++)
        {
          char c = data[i];

          if (c == '\r' || c == '\n' || c == '\t')
            c = ' ';
          /* The end: an empty line, or the next field */
          if (data[i] == '\n' && i + 1 < length && data[i + 1] != ' ' && data[i + 1] != '\t')
            break;
          if (c == ' ' && (value->len == 0 || value->str[value->len - 1] == ' '))
            continue;
          g_string_append_c (value, c);
        }
      while (value->len > 0 && value->str[value->len - 1] == ' ')
        g_string_truncate (value, value->len - 1);
      if (value->len == 0 || !g_utf8_validate (value->str, value->len, NULL))
        return NULL;
      return g_string_free (g_steal_pointer (&value), FALSE);
    }
  return NULL;
}

static PfStoreMessage *
message_from_fetch (gint64             folder_id,
                    const PfImapFetch *fetch)
{
  PfStoreMessage *message = pf_store_message_new ();
  const PfImapEnvelope *envelope = fetch->envelope;

  message->folder_id = folder_id;
  message->uid = fetch->uid;
  message->flags = flags_from_imap (fetch->flags, &message->keywords);
  message->internal_date = fetch->internal_date != NULL ?
                           g_date_time_to_unix (fetch->internal_date) : 0;
  message->size = fetch->rfc822_size;
  message->modseq = fetch->modseq;
  message->has_attachment = has_attachment (fetch->body_structure);
  message->references = references_from_fetch (fetch);

  if (envelope != NULL)
    {
      message->date = envelope->date_time != NULL ? g_date_time_to_unix (envelope->date_time) : 0;
      message->subject = decode_text (envelope->subject);
      if (envelope->from != NULL && envelope->from->len > 0)
        {
          PfImapAddress *from = g_ptr_array_index (envelope->from, 0);

          message->from_name = decode_text (from->name);
          message->from_address = pf_imap_address_dup_email (from);
        }
      message->to = addresses_to_display (envelope->to);
      message->cc = addresses_to_display (envelope->cc);
      message->message_id = g_strdup (envelope->message_id);
      message->in_reply_to = g_strdup (envelope->in_reply_to);
    }
  return message;
}

/* Finding a UID in the cache */
static gssize
uid_map_find (GArray  *map,
              guint32  uid)
{
  gsize low = 0;
  gsize high = map != NULL ? map->len : 0;

  while (low < high)
    {
      gsize middle = low + (high - low) / 2;
      guint32 value = g_array_index (map, PfStoreUidEntry, middle).uid;

      if (value == uid)
        return middle;
      if (value < uid)
        low = middle + 1;
      else
        high = middle;
    }
  return -1;
}

/* Ends the run (or watch) of @task with @error, dropping the reference
 * the chain of callbacks holds. */
static void
run_fail (GTask  *task,
          GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* The run's steps */

static void sync_next_folder (GTask *task);
static void folder_fetch_new (GTask *task);
static void folder_finish (GTask *task);

static void
emit_progress (PfImapSync *self,
               Run        *run)
{
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, run->folder_name, run->fetched,
                 MAX (run->expected, run->fetched));
}

static void
batch_applied_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  run->batches_in_flight--;
  if (!pf_store_apply_batch_finish (PF_STORE (object), result, &error) &&
      run->batch_error == NULL)
    run->batch_error = g_steal_pointer (&error);

  if (run->batches_in_flight == 0 && run->folder_finishing)
    folder_finish (g_steal_pointer (&task));
}

/* Hands the collected changes to the store's worker. */
static void
flush_batch (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(PfStoreBatch) batch = g_steal_pointer (&run->batch);

  if (batch == NULL)
    return;
  run->batches_in_flight++;
  pf_store_apply_batch_async (self->store, batch, NULL, batch_applied_cb, g_object_ref (task));
}

static PfStoreBatch *
get_batch (Run *run)
{
  if (run->batch == NULL)
    run->batch = pf_store_batch_new ();
  return run->batch;
}

static void
maybe_flush (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  guint limit = run->batch_limit != 0 ? run->batch_limit
                                      : MIN (FIRST_BATCH_SIZE, self->batch_size);

  if (run->batch != NULL && pf_store_batch_get_size (run->batch) >= limit)
    {
      flush_batch (task);
      run->batch_limit = MIN (limit * 2, self->batch_size);
    }
}

/* A FETCH of a message that is cached: a flag change. */
static void
apply_flags (Run               *run,
             const PfImapFetch *fetch)
{
  gssize index = uid_map_find (run->uid_map, fetch->uid);
  g_autofree char *keywords = NULL;
  PfStoreFlags flags;

  if ((fetch->fields & PF_IMAP_FETCH_FLAGS) == 0)
    return;
  flags = flags_from_imap (fetch->flags, &keywords);
  if (index >= 0)
    {
      PfStoreUidEntry *entry = &g_array_index (run->uid_map, PfStoreUidEntry, index);

      if (run->seen != NULL)
        run->seen[index] = 1;
      if (entry->flags == (guint32) flags && fetch->modseq <= entry->modseq)
        return;
      entry->flags = flags;
      entry->modseq = fetch->modseq;
    }
  else if (run->uid_map != NULL)
    return;

  pf_store_batch_set_flags (get_batch (run), run->folder_id, fetch->uid, flags, keywords,
                            fetch->modseq);
  run->stats.changed_flags++;
}

/* (transfer full) fetch, as for every PfImapSessionFetchFunc */
static void
on_changes_cb (PfImapSession *session,
               PfImapFetch   *fetch_owned,
               gpointer       user_data)
{
  g_autoptr(PfImapFetch) fetch = fetch_owned;
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);

  if (fetch->uid == 0)
    return;
  apply_flags (run, fetch);
  maybe_flush (task);
}

static void
on_vanished_cb (PfImapSession           *session,
                const PfImapSequenceSet *uids,
                gboolean                 earlier,
                gpointer                 user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  guint n = pf_imap_sequence_set_get_n_ranges (uids);

  for (guint i = 0; i < n; i++)
    {
      guint32 first;
      guint32 last;

      pf_imap_sequence_set_get_range (uids, i, &first, &last);
      pf_store_batch_expunge_range (get_batch (run), run->folder_id, first, last);
      run->stats.expunged += last - first + 1;
    }
  maybe_flush (task);
}

static void
on_new_message_cb (PfImapSession *session,
                   PfImapFetch   *fetch_owned,
                   gpointer       user_data)
{
  g_autoptr(PfImapFetch) fetch = fetch_owned;
  GTask *task = user_data;
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  if (fetch->uid == 0)
    return;

  /* "UID FETCH n:*" answers with the last message even when its UID is
   * below n (RFC 3501 §6.4.8); and a flag change of a cached message
   * may arrive on the way. */
  if (fetch->uid <= run->local.highest_uid || fetch->envelope == NULL)
    {
      apply_flags (run, fetch);
      maybe_flush (task);
      return;
    }

  pf_store_batch_take_message (get_batch (run), message_from_fetch (run->folder_id, fetch));
  run->highest_fetched = MAX (run->highest_fetched, fetch->uid);
  run->stats.new_messages++;
  run->fetched++;
  if (run->fetched % PROGRESS_STEP == 0)
    emit_progress (self, run);
  maybe_flush (task);
}

static void
folder_finish (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  if (run->batch_error != NULL)
    {
      run_fail (task, g_steal_pointer (&run->batch_error));
      return;
    }

  run->stats.folders_synced++;
  run_reset_folder (run);
  sync_next_folder (task);
}

/* Everything of the folder was asked; the last batch records the
 * folder's state. */
static void
folder_done (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  guint32 uidnext = run->selected->uidnext;
  guint64 modseq = 0;

  if (!run->selected->nomodseq)
    modseq = MAX (run->selected->highestmodseq,
                  pf_imap_session_get_highest_modseq (self->main.session));
  /* Messages that arrived during the sync have UIDs at or above the
   * UIDNEXT of the SELECT, and were fetched: never go backwards. */
  uidnext = MAX (uidnext, run->highest_fetched + 1);

  pf_store_batch_set_folder_state (get_batch (run), run->folder_id,
                                   run->selected->uidvalidity, uidnext, modseq);
  emit_progress (self, run);
  run->folder_finishing = TRUE;
  flush_batch (task);
  /* batch_applied_cb finishes the folder; the reference goes with it. */
  g_object_unref (task);
}

static void
new_fetched_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_imap_session_fetch_finish (PF_IMAP_SESSION (object), result, &error))
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  folder_done (task);
}

static void
folder_fetch_new (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autofree char *uids = NULL;
  guint32 exists = pf_imap_session_get_exists (self->main.session);

  if (run->selected->uidnext != 0 && run->selected->uidnext <= run->local.highest_uid + 1 &&
      exists <= run->local.n_messages)
    {
      folder_done (task);
      return;
    }
  if (exists == 0)
    {
      folder_done (task);
      return;
    }

  run->expected = exists > run->local.n_messages ? exists - run->local.n_messages : 0;
  uids = g_strdup_printf ("%u:*", run->local.highest_uid + 1);
  pf_imap_session_fetch_async (self->main.session, uids, PF_IMAP_SESSION_FETCH_HEADERS,
                               "BODY.PEEK[HEADER.FIELDS (REFERENCES)]", 0,
                               on_new_message_cb, NULL, NULL, task,
                               g_task_get_cancellable (task), new_fetched_cb, task);
}

/* Full comparison: every cached UID up to compare_limit that the server
 * did not list is gone. */
static void
compared_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) gone = NULL;

  if (!pf_imap_session_fetch_finish (PF_IMAP_SESSION (object), result, &error))
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }

  gone = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < run->uid_map->len; i++)
    {
      PfStoreUidEntry *entry = &g_array_index (run->uid_map, PfStoreUidEntry, i);

      if (entry->uid <= run->compare_limit && !run->seen[i])
        g_array_append_val (gone, entry->uid);
    }
  if (gone->len > 0)
    {
      pf_store_batch_expunge_uids (get_batch (run), run->folder_id,
                                   (const guint32 *) (gpointer) gone->data, gone->len);
      run->stats.expunged += gone->len;
    }
  g_clear_pointer (&run->seen, g_free);
  folder_fetch_new (task);
}

static void
folder_compare_all (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autofree char *uids = NULL;

  run->compare_limit = run->local.highest_uid;
  run->seen = g_new0 (guint8, MAX (run->uid_map->len, 1));
  uids = g_strdup_printf ("1:%u", run->compare_limit);
  pf_imap_session_fetch_async (self->main.session, uids, PF_IMAP_SESSION_FETCH_FLAGS, NULL, 0,
                               on_changes_cb, NULL, NULL, task,
                               g_task_get_cancellable (task), compared_cb, task);
}

static void
changed_since_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  guint32 exists;
  guint32 above = 0;

  if (!pf_imap_session_fetch_finish (PF_IMAP_SESSION (object), result, &error))
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }

  /* CONDSTORE without QRESYNC tells nothing about expunges: when the
   * numbers do not add up, compare. New messages are those above the
   * cached UIDs; UIDNEXT - highest - 1 bounds them. */
  exists = pf_imap_session_get_exists (self->main.session);
  if (run->selected->uidnext > run->local.highest_uid + 1)
    above = run->selected->uidnext - run->local.highest_uid - 1;
  if (exists < run->local.n_messages || exists - run->local.n_messages != above)
    {
      folder_compare_all (task);
      return;
    }
  folder_fetch_new (task);
}

static void
drop_pending_operations (PfImapSync *self,
                         gint64      folder_id,
                         const char *folder_name)
{
  g_autoptr(GPtrArray) pending = pf_store_list_pending_operations (self->store, NULL);

  for (guint i = 0; pending != NULL && i < pending->len; i++)
    {
      PfStoreOperation *operation = g_ptr_array_index (pending, i);

      if (operation->folder_id != folder_id)
        continue;
      g_message ("Dropping the pending “%s” of folder “%s”: the server's UIDVALIDITY "
                 "changed, the messages it was for no longer exist there",
                 operation->kind, folder_name);
      pf_store_remove_operation (self->store, operation->id, NULL);
    }
}

static void
selected_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  run->selected = pf_imap_session_select_finish (PF_IMAP_SESSION (object), result, &error);
  if (run->selected == NULL)
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }

  if (run->local.uidvalidity != 0 && run->selected->uidvalidity != run->local.uidvalidity)
    {
      /* RFC 3501 §2.3.1.1: the UIDs mean other messages now. */
      g_message ("Folder “%s”: UIDVALIDITY changed from %u to %u; its cache is rebuilt",
                 run->folder_name, run->local.uidvalidity, run->selected->uidvalidity);
      drop_pending_operations (self, run->folder_id, run->folder_name);
      pf_store_batch_expunge_range (get_batch (run), run->folder_id, 1, G_MAXUINT32);
      run->stats.uidvalidity_resets++;
      memset (&run->local, 0, sizeof run->local);
      g_clear_pointer (&run->uid_map, g_array_unref);
      run->uid_map = g_array_new (FALSE, FALSE, sizeof (PfStoreUidEntry));
      folder_fetch_new (task);
      return;
    }

  if (run->local.n_messages == 0)
    {
      folder_fetch_new (task);
      return;
    }

  if (run->selected->qresync)
    {
      /* The SELECT brought the changes and VANISHED already. */
      folder_fetch_new (task);
      return;
    }

  if (!run->selected->nomodseq && run->local.highestmodseq != 0 &&
      pf_imap_connection_has_capability (self->main.connection, "CONDSTORE"))
    {
      g_autofree char *uids = g_strdup_printf ("1:%u", run->local.highest_uid);

      if (run->selected->highestmodseq == run->local.highestmodseq &&
          run->selected->exists == run->local.n_messages &&
          run->selected->uidnext == run->local.highest_uid + 1)
        {
          folder_done (task);
          return;
        }
      pf_imap_session_fetch_async (self->main.session, uids, PF_IMAP_SESSION_FETCH_FLAGS, NULL,
                                   run->local.highestmodseq, on_changes_cb, on_vanished_cb,
                                   NULL, task, g_task_get_cancellable (task),
                                   changed_since_cb, task);
      return;
    }

  folder_compare_all (task);
}

static void
sync_folder (GTask      *task,
             FolderTodo *todo)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  PfImapQresync qresync = { 0 };
  g_autofree char *known = NULL;
  gboolean use_qresync;

  run_reset_folder (run);
  run->folder_id = todo->folder_id;
  run->folder_name = g_strdup (todo->name);
  if (!pf_store_get_folder_state (self->store, run->folder_id, &run->local, &error))
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  run->uid_map = pf_store_get_uid_map (self->store, run->folder_id, &error);
  if (run->uid_map == NULL)
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }

  if (todo->first_sync)
    {
      /* Counts came from STATUS; from now on the cached messages make
       * them. */
      g_autoptr(PfStoreFolder) folder = pf_store_get_folder (self->store, run->folder_id, NULL);

      if (folder != NULL && (folder->total_count != 0 || folder->unread_count != 0) &&
          run->local.n_messages == 0)
        {
          folder->total_count = 0;
          folder->unread_count = 0;
          pf_store_update_folder (self->store, folder, NULL);
        }
    }

  use_qresync = pf_imap_session_is_enabled (self->main.session, "QRESYNC") &&
                run->local.uidvalidity != 0 && run->local.highestmodseq != 0 &&
                run->local.n_messages > 0;
  if (use_qresync)
    {
      known = g_strdup_printf ("1:%u", run->local.highest_uid);
      qresync.uidvalidity = run->local.uidvalidity;
      qresync.modseq = run->local.highestmodseq;
      qresync.known_uids = known;
    }

  pf_imap_session_select_async (self->main.session, run->folder_name, PF_IMAP_SELECT_NONE,
                                use_qresync ? &qresync : NULL, on_changes_cb, on_vanished_cb,
                                task, g_task_get_cancellable (task), selected_cb, task);
}

/* The summaries are stored; the full-text index catches up in chunks
 * on the store's worker (a chunk of 5,000 takes about 0.1 s there),
 * unless pf_imap_sync_set_index_search() left that to later. */
#define INDEX_CHUNK 5000

static void index_pending (GTask *task);

static void
indexed_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_store_apply_batch_finish (PF_STORE (object), result, &error))
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  index_pending (task);
}

static void
index_pending (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  g_autoptr(PfStoreBatch) batch = NULL;

  if (!self->index_search || pf_store_count_unindexed (self->store) == 0 ||
      g_task_return_error_if_cancelled (task))
    {
      if (!g_task_had_error (task))
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  batch = pf_store_batch_new ();
  pf_store_batch_index_pending (batch, INDEX_CHUNK);
  pf_store_apply_batch_async (self->store, batch, NULL, indexed_cb, task);
}


/* Bodies for offline reading: after the summaries, the bodies of recent
 * mail (pf_imap_sync_set_offline_days()) are fetched with pipelined
 * BODY.PEEK[], written into the Maildir and parsed for the full-text
 * index in worker threads, a chunk at a time. */

typedef struct
{
  gint64  id;
  GBytes *data;
  char   *path;
  char   *text;
} BodyItem;

static void
body_item_free (BodyItem *item)
{
  g_clear_pointer (&item->data, g_bytes_unref);
  g_free (item->path);
  g_free (item->text);
  g_free (item);
}

typedef struct
{
  char      *maildir;
  GPtrArray *items;   /* BodyItem */
} BodyChunk;

static void
body_chunk_free (BodyChunk *chunk)
{
  g_free (chunk->maildir);
  g_ptr_array_unref (chunk->items);
  g_free (chunk);
}

/* One UID FETCH of a range of bodies. The session may hand a FETCH of
 * one range to the callback of another (they are pipelined), so what was
 * asked for is looked up in the run, not in the request. */
typedef struct
{
  GTask      *task;      /* the run; not a reference */
} BodyRequest;

static void
body_request_free (BodyRequest *request)
{
  g_free (request);
}

static void body_folder_next (GTask *task);
static void body_pump (GTask *task);

static int
compare_uids (gconstpointer a,
              gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return (x > y) - (x < y);
}

static void
body_chunk_thread (GTask        *job,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  BodyChunk *chunk = task_data;

  for (guint i = 0; i < chunk->items->len; i++)
    {
      BodyItem *item = g_ptr_array_index (chunk->items, i);
      g_autoptr(PfMimeMessage) parsed = NULL;
      g_autoptr(GError) error = NULL;

      item->path = pf_store_write_cache_file (chunk->maildir, item->data, &error);
      if (item->path == NULL)
        {
          g_task_return_error (job, g_steal_pointer (&error));
          return;
        }
      parsed = pf_mime_message_parse_bytes (item->data, NULL);
      if (parsed != NULL)
        {
          g_autofree char *text = pf_mime_message_dup_search_text (parsed);

          /* Folded here, so the store's single writer only writes. */
          item->text = pf_store_fold_text (text);
        }
      g_clear_pointer (&item->data, g_bytes_unref);
    }
  g_task_return_boolean (job, TRUE);
}

static void
body_batch_applied_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  run->body_jobs--;
  if (!pf_store_apply_batch_finish (PF_STORE (object), result, &error) &&
      run->body_error == NULL)
    run->body_error = g_steal_pointer (&error);
  body_pump (task);
}

static void
body_chunk_written_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  BodyChunk *chunk = g_task_get_task_data (G_TASK (result));
  g_autoptr(PfStoreBatch) batch = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      run->body_jobs--;
      if (run->body_error == NULL)
        run->body_error = g_steal_pointer (&error);
      body_pump (task);
      return;
    }

  batch = pf_store_batch_new ();
  for (guint i = 0; i < chunk->items->len; i++)
    {
      BodyItem *item = g_ptr_array_index (chunk->items, i);

      pf_store_batch_take_folded_body (batch, item->id, item->path,
                                       g_steal_pointer (&item->text));
    }
  run->stats.bodies += chunk->items->len;
  /* The job becomes the batch: body_jobs stays as it is. */
  pf_store_apply_batch_async (self->store, batch, NULL, body_batch_applied_cb, task);
}

static void
body_flush_chunk (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GTask) job = NULL;
  BodyChunk *chunk;

  if (run->body_chunk == NULL || run->body_chunk->len == 0)
    return;
  chunk = g_new0 (BodyChunk, 1);
  chunk->maildir = g_strdup (run->body_maildir);
  chunk->items = g_steal_pointer (&run->body_chunk);
  run->body_chunk_bytes = 0;
  run->body_jobs++;

  job = g_task_new (self, NULL, body_chunk_written_cb, task);
  g_task_set_task_data (job, chunk, (GDestroyNotify) body_chunk_free);
  g_task_run_in_thread (job, body_chunk_thread);
}

static void
body_add (GTask  *task,
          gint64  id,
          GBytes *data)
{
  Run *run = g_task_get_task_data (task);
  BodyItem *item = g_new0 (BodyItem, 1);

  item->id = id;
  item->data = data;
  if (run->body_chunk == NULL)
    run->body_chunk = g_ptr_array_new_with_free_func ((GDestroyNotify) body_item_free);
  g_ptr_array_add (run->body_chunk, item);
  run->body_chunk_bytes += g_bytes_get_size (data);
  if (++run->fetched % PROGRESS_STEP == 0)
    emit_progress (g_task_get_source_object (task), run);
  if (run->body_chunk->len >= BODY_CHUNK_MESSAGES ||
      run->body_chunk_bytes >= BODY_CHUNK_BYTES)
    body_flush_chunk (task);
}

/* (transfer full) fetch */
static void
on_body_fetch_cb (PfImapSession *session,
                  PfImapFetch   *fetch_owned,
                  gpointer       user_data)
{
  g_autoptr(PfImapFetch) fetch = fetch_owned;
  BodyRequest *request = user_data;
  Run *run = g_task_get_task_data (request->task);
  const PfImapFetchBody *body = pf_imap_fetch_get_body (fetch, "");
  gpointer id;
  GBytes *data = NULL;

  if (fetch->uid == 0 || body == NULL ||
      !g_hash_table_lookup_extended (run->body_ids, GUINT_TO_POINTER (fetch->uid), NULL, &id))
    return;

  if (body->streamed)
    {
      if (run->body_streamed != NULL && run->body_streamed_uid == fetch->uid &&
          run->body_streamed->len == body->size)
        data = g_byte_array_free_to_bytes (g_steal_pointer (&run->body_streamed));
    }
  else if (body->data != NULL)
    data = g_bytes_ref (body->data);
  if (data == NULL)
    return;

  body_add (request->task, *(gint64 *) id, data);
  g_hash_table_remove (run->body_ids, GUINT_TO_POINTER (fetch->uid));
}

/* A body too large for one piece arrives in chunks. */
static void
on_body_chunk_cb (PfImapSession            *session,
                  const PfImapLiteralChunk *chunk,
                  gpointer                  user_data)
{
  BodyRequest *request = user_data;
  Run *run = g_task_get_task_data (request->task);

  if (chunk->first || run->body_streamed == NULL || run->body_streamed_uid != chunk->uid)
    {
      g_clear_pointer (&run->body_streamed, g_byte_array_unref);
      run->body_streamed = g_byte_array_sized_new ((guint) MIN (chunk->size, 64 << 20));
      run->body_streamed_uid = chunk->uid;
    }
  g_byte_array_append (run->body_streamed, chunk->data, chunk->length);
}

static void
body_range_done_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  BodyRequest *request = user_data;
  GTask *task = request->task;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  run->body_in_flight--;
  if (!pf_imap_session_fetch_finish (PF_IMAP_SESSION (object), result, &error) &&
      run->body_error == NULL)
    run->body_error = g_steal_pointer (&error);
  /* UIDs that never came were expunged meanwhile; the next sync removes
   * them. */
  body_request_free (request);
  body_pump (task);
}

static void
body_pump (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  /* Backpressure: while the chunks before are being written, no more
   * bodies are asked for, so memory stays bounded however big the
   * mailbox is. */
  while (run->body_error == NULL && run->body_in_flight < BODY_WINDOW &&
         run->body_jobs < BODY_MAX_JOBS && run->body_next < run->body_refs->len)
    {
      BodyRequest *request = g_new0 (BodyRequest, 1);
      g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
      g_autofree char *set = NULL;

      request->task = task;
      if (run->body_ids == NULL)
        run->body_ids = g_hash_table_new_full (NULL, NULL, NULL, g_free);
      while (uids->len < BODY_RANGE && run->body_next < run->body_refs->len)
        {
          PfStoreBodyRef *ref = &g_array_index (run->body_refs, PfStoreBodyRef,
                                                run->body_next++);

          g_array_append_val (uids, ref->uid);
          g_hash_table_insert (run->body_ids, GUINT_TO_POINTER (ref->uid),
                               g_memdup2 (&ref->id, sizeof ref->id));
        }
      g_array_sort (uids, compare_uids);
      set = pf_imap_uids_to_sequence_string ((const guint32 *) (gpointer) uids->data, uids->len);
      run->body_in_flight++;
      pf_imap_session_fetch_async (self->main.session, set, PF_IMAP_FETCH_UID, "BODY.PEEK[]", 0,
                                   on_body_fetch_cb, NULL, on_body_chunk_cb, request,
                                   g_task_get_cancellable (task), body_range_done_cb, request);
    }

  if (run->body_in_flight > 0)
    return;
  if (run->body_error == NULL && run->body_next < run->body_refs->len)
    return;
  /* Everything asked for has come: the last partial chunk goes too. */
  if (run->body_error == NULL)
    body_flush_chunk (task);
  if (run->body_jobs > 0)
    return;

  if (run->body_error != NULL)
    {
      run_fail (task, g_steal_pointer (&run->body_error));
      return;
    }
  if (run->body_refs->len > 0)
    emit_progress (self, run);
  body_folder_next (task);
}

static void
body_folder_selected_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(PfImapSelectResult) selected = NULL;
  g_autoptr(GError) error = NULL;

  selected = pf_imap_session_select_finish (PF_IMAP_SESSION (object), result, &error);
  if (selected == NULL)
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  body_pump (task);
}

static void
body_folder_next (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(PfStoreFolder) folder = NULL;
  g_autoptr(GError) error = NULL;
  gint64 since = 0;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (run->body_folder_index >= run->body_folders->len)
    {
      index_pending (task);
      return;
    }

  folder = pf_store_get_folder (self->store,
                                g_array_index (run->body_folders, gint64,
                                               run->body_folder_index++), NULL);
  if (folder == NULL)
    {
      body_folder_next (task);
      return;
    }
  if (self->offline_days > 0)
    since = g_get_real_time () / G_USEC_PER_SEC - (gint64) self->offline_days * 24 * 3600;

  g_clear_pointer (&run->body_refs, g_array_unref);
  /* UIDs are per folder: what did not come from the last one is dropped. */
  g_clear_pointer (&run->body_ids, g_hash_table_unref);
  g_clear_pointer (&run->body_streamed, g_byte_array_unref);
  run->body_refs = pf_store_list_missing_bodies (self->store, folder->id, since, OFFLINE_NEWEST,
                                                 &error);
  if (run->body_refs == NULL)
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  if (run->body_refs->len == 0)
    {
      body_folder_next (task);
      return;
    }

  g_clear_pointer (&run->body_maildir, g_free);
  run->body_maildir = pf_store_dup_maildir (self->store, folder->id, &error);
  if (run->body_maildir == NULL)
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  g_free (run->folder_name);
  run->folder_name = g_strdup (folder->name);
  run->fetched = 0;
  run->expected = run->body_refs->len;
  run->body_next = 0;
  pf_imap_session_select_async (self->main.session, folder->name, PF_IMAP_SELECT_READ_ONLY,
                                NULL, NULL, NULL, NULL, g_task_get_cancellable (task),
                                body_folder_selected_cb, task);
}

static void
download_bodies (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GPtrArray) folders = NULL;

  if (self->offline_days < 0)
    {
      index_pending (task);
      return;
    }
  folders = pf_store_list_folders (self->store, NULL);
  run->body_folders = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; folders != NULL && i < folders->len; i++)
    {
      PfStoreFolder *folder = g_ptr_array_index (folders, i);

      /* Synced server folders only; Trash and Junk are not worth the
       * space. */
      if (folder->local_only || folder->uidvalidity == 0 ||
          folder->special_use == PF_STORE_SPECIAL_USE_TRASH ||
          folder->special_use == PF_STORE_SPECIAL_USE_JUNK)
        continue;
      g_array_append_val (run->body_folders, folder->id);
    }
  run->body_folder_index = 0;
  body_folder_next (task);
}

static void
sync_next_folder (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  if (run->todo_index >= run->todo->len)
    {
      download_bodies (task);
      return;
    }

  sync_folder (task, g_ptr_array_index (run->todo, run->todo_index++));
}

/* Folders */

static const PfImapListItem *
find_listed (GPtrArray  *listed,
             const char *name)
{
  for (guint i = 0; i < listed->len; i++)
    {
      const PfImapListItem *item = g_ptr_array_index (listed, i);

      if (strcmp (item->entry->name, name) == 0)
        return item;
    }
  return NULL;
}

static char *
leaf_name (const char *name,
           char        delimiter)
{
  const char *last;

  if (g_ascii_strcasecmp (name, "INBOX") == 0)
    return g_strdup ("INBOX");
  last = delimiter != '\0' ? strrchr (name, delimiter) : NULL;
  return g_strdup (last != NULL ? last + 1 : name);
}

/* Local folders follow the LIST: new ones created, gone ones deleted,
 * attributes and special use updated; then the folders whose status
 * differs from the cache are queued for a SELECT. */
static gboolean
reconcile_folders (PfImapSync  *self,
                   Run         *run,
                   GError     **error)
{
  g_autoptr(GPtrArray) local = NULL;
  g_autoptr(GHashTable) special_taken = g_hash_table_new (NULL, NULL);

  local = pf_store_list_folders (self->store, error);
  if (local == NULL)
    return FALSE;

  /* Gone on the server (deleted or renamed: a rename is a new folder
   * there, and the messages come again with their new UIDs) */
  for (guint i = 0; i < local->len; i++)
    {
      PfStoreFolder *folder = g_ptr_array_index (local, i);

      if (folder->local_only || find_listed (run->listed, folder->name) != NULL)
        continue;
      if (!pf_store_delete_folder (self->store, folder->id, error))
        return FALSE;
    }

  /* SPECIAL-USE attributes win over names. */
  for (guint i = 0; i < run->listed->len; i++)
    {
      const PfImapListItem *item = g_ptr_array_index (run->listed, i);
      PfStoreSpecialUse use = special_use_from_attributes (item->entry->attributes);

      if (item->entry->is_inbox)
        use = PF_STORE_SPECIAL_USE_INBOX;
      if (use != PF_STORE_SPECIAL_USE_NONE)
        g_hash_table_add (special_taken, GINT_TO_POINTER (use));
    }

  for (guint i = 0; i < run->listed->len; i++)
    {
      const PfImapListItem *item = g_ptr_array_index (run->listed, i);
      const PfImapListEntry *entry = item->entry;
      g_autoptr(PfStoreFolder) folder = NULL;
      PfStoreSpecialUse use = special_use_from_attributes (entry->attributes);
      gboolean selectable = (entry->attributes & (PF_IMAP_MAILBOX_NOSELECT |
                                                  PF_IMAP_MAILBOX_NONEXISTENT)) == 0;
      gboolean changed = TRUE;
      gboolean first_sync = FALSE;

      if (entry->is_inbox)
        use = PF_STORE_SPECIAL_USE_INBOX;
      if (use == PF_STORE_SPECIAL_USE_NONE)
        {
          PfStoreSpecialUse guess = pf_imap_sync_guess_special_use (entry->name);

          if (!g_hash_table_contains (special_taken, GINT_TO_POINTER (guess)))
            {
              use = guess;
              if (use != PF_STORE_SPECIAL_USE_NONE)
                g_hash_table_add (special_taken, GINT_TO_POINTER (use));
            }
        }

      run->stats.folders_listed += selectable;
      folder = pf_store_lookup_folder (self->store, entry->name, NULL);
      if (folder == NULL)
        {
          g_autoptr(PfStoreFolder) created = pf_store_folder_new ();
          gint64 id;

          created->name = g_strdup (entry->name);
          created->display_name = leaf_name (entry->name, entry->delimiter);
          created->delimiter = (guchar) entry->delimiter;
          created->special_use = use;
          created->attributes = entry->attributes;
          created->subscribed = (entry->attributes & PF_IMAP_MAILBOX_SUBSCRIBED) != 0;
          if (item->status != NULL)
            {
              created->total_count = item->status->messages;
              created->unread_count = item->status->unseen;
            }
          id = pf_store_create_folder (self->store, created, error);
          if (id <= 0)
            return FALSE;
          folder = pf_store_get_folder (self->store, id, error);
          if (folder == NULL)
            return FALSE;
          first_sync = TRUE;
        }
      else if (folder->special_use != use || folder->attributes != (guint32) entry->attributes)
        {
          folder->special_use = use;
          folder->attributes = entry->attributes;
          if (!pf_store_update_folder (self->store, folder, error))
            return FALSE;
        }

      if (!selectable)
        continue;

      if (item->status != NULL && folder->uidvalidity != 0)
        {
          PfImapMailboxStatus *status = item->status;
          PfStoreFolderState state;

          if (!pf_store_get_folder_state (self->store, folder->id, &state, error))
            return FALSE;
          changed = status->uidvalidity != state.uidvalidity ||
                    status->uidnext != state.uidnext ||
                    status->messages != state.n_messages ||
                    ((status->fields & PF_IMAP_STATUS_HIGHESTMODSEQ) != 0 &&
                     status->highestmodseq != state.highestmodseq) ||
                    (status->fields & PF_IMAP_STATUS_HIGHESTMODSEQ) == 0;
        }
      else if (folder->uidvalidity == 0)
        first_sync = TRUE;

      if (changed)
        {
          FolderTodo *todo = g_new0 (FolderTodo, 1);

          todo->folder_id = folder->id;
          todo->name = g_strdup (folder->name);
          todo->first_sync = first_sync;
          /* The Inbox first: it is what the user looks at. */
          if (use == PF_STORE_SPECIAL_USE_INBOX)
            g_ptr_array_insert (run->todo, 0, todo);
          else
            g_ptr_array_add (run->todo, todo);
        }
    }
  return TRUE;
}

#define STATUS_FIELDS (PF_IMAP_STATUS_MESSAGES | PF_IMAP_STATUS_UIDNEXT | \
                       PF_IMAP_STATUS_UIDVALIDITY | PF_IMAP_STATUS_UNSEEN)

static void fetch_missing_status (GTask *task);

static void
status_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  PfImapListItem *item = g_ptr_array_index (run->listed, run->status_index - 1);
  g_autoptr(GError) error = NULL;

  item->status = pf_imap_session_status_finish (PF_IMAP_SESSION (object), result, &error);
  if (item->status == NULL)
    {
      /* A folder that vanished between LIST and STATUS is not fatal. */
      if (!g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_NO))
        {
          run_fail (task, g_steal_pointer (&error));
          return;
        }
    }
  fetch_missing_status (task);
}

/* Without LIST-STATUS: one STATUS per selectable folder. */
static void
fetch_missing_status (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  while (run->status_index < run->listed->len)
    {
      PfImapListItem *item = g_ptr_array_index (run->listed, run->status_index++);
      PfImapStatusFields fields = STATUS_FIELDS;

      if (item->status != NULL ||
          (item->entry->attributes & (PF_IMAP_MAILBOX_NOSELECT | PF_IMAP_MAILBOX_NONEXISTENT)))
        continue;
      if (pf_imap_connection_has_capability (self->main.connection, "CONDSTORE"))
        fields |= PF_IMAP_STATUS_HIGHESTMODSEQ;
      pf_imap_session_status_async (self->main.session, item->entry->name, fields,
                                    g_task_get_cancellable (task), status_cb, task);
      return;
    }

  if (!reconcile_folders (self, run, &error))
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  sync_next_folder (task);
}

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  run->listed = pf_imap_session_list_finish (PF_IMAP_SESSION (object), result, &error);
  if (run->listed == NULL)
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  run->status_index = 0;
  fetch_missing_status (task);
}

static void
list_folders (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);

  pf_imap_session_list_async (self->main.session, "", "*", PF_IMAP_LIST_STATUS,
                              g_task_get_cancellable (task), listed_cb, task);
}


/* Drafts saved here go to the server after the queued changes (see
 * pf-draft-push.c). */

static void
drafts_pushed_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!_pf_draft_push_finish (result, &run->stats.drafts, &error))
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  list_folders (task);
}

static void
push_drafts (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);

  _pf_draft_push_async (self->store, self->main.session,
                        pf_imap_connection_has_capability (self->main.connection, "UIDPLUS"),
                        g_task_get_cancellable (task), drafts_pushed_cb, task);
}

/* Replaying the queue of local changes */

static void replay_next (GTask *task);
static void replay_step (GTask *task);

static void
operation_done (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!pf_store_remove_operation (self->store, run->operation->id, &error))
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  run->operation = NULL;
  replay_next (task);
}

/* The server refused the operation: it will never succeed. Its local
 * effect goes, and the user hears about it. */
static void
operation_refused (GTask  *task,
                   GError *error)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(PfStoreOperation) undone = NULL;

  g_warning ("The server refused “%s”: %s", run->operation->kind, error->message);
  undone = pf_store_undo_operation (self->store, run->operation->id, NULL);
  if (undone == NULL)
    pf_store_remove_operation (self->store, run->operation->id, NULL);
  g_signal_emit (self, signals[SIGNAL_OPERATION_FAILED], 0, run->operation->kind,
                 error->message);
  run->operation = NULL;
  replay_next (task);
}

static void
operation_step_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  PfImapSession *session = PF_IMAP_SESSION (object);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_async_result_is_tagged (result, pf_imap_session_select_async))
    {
      g_autoptr(PfImapSelectResult) selected = pf_imap_session_select_finish (session, result,
                                                                               &error);
      ok = selected != NULL;
    }
  else if (g_async_result_is_tagged (result, pf_imap_session_store_async))
    ok = pf_imap_session_store_finish (session, result, NULL, &error);
  else if (g_async_result_is_tagged (result, pf_imap_session_move_async))
    ok = pf_imap_session_move_finish (session, result, NULL, &error);
  else if (g_async_result_is_tagged (result, pf_imap_session_copy_async))
    ok = pf_imap_session_copy_finish (session, result, NULL, &error);
  else if (g_async_result_is_tagged (result, pf_imap_session_expunge_async))
    ok = pf_imap_session_expunge_finish (session, result, &error);
  else if (g_async_result_is_tagged (result, pf_imap_session_create_async))
    ok = pf_imap_session_create_finish (session, result, &error);
  else if (g_async_result_is_tagged (result, pf_imap_session_rename_async))
    ok = pf_imap_session_rename_finish (session, result, &error);
  else if (g_async_result_is_tagged (result, pf_imap_session_delete_async))
    ok = pf_imap_session_delete_finish (session, result, &error);
  else
    g_assert_not_reached ();

  if (!ok)
    {
      if (g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_NO) ||
          g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_BAD) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          operation_refused (task, g_steal_pointer (&error));
          return;
        }
      /* Connection trouble: the operation stays queued for the next run. */
      run_fail (task, g_steal_pointer (&error));
      return;
    }

  run->operation_step++;
  replay_step (task);
}

/* The folder an operation acts on, selected read-write */
static gboolean
ensure_selected (GTask       *task,
                 const char  *name)
{
  PfImapSync *self = g_task_get_source_object (task);

  if (g_strcmp0 (pf_imap_session_get_selected (self->main.session), name) == 0 &&
      !pf_imap_session_is_read_only (self->main.session))
    return TRUE;
  pf_imap_session_select_async (self->main.session, name, PF_IMAP_SELECT_NONE, NULL, NULL, NULL,
                                NULL, g_task_get_cancellable (task), operation_step_cb, task);
  return FALSE;
}

static const char *const *
flag_names (PfStoreFlags flags,
            const char  *names[6])
{
  guint n = 0;

  if (flags & PF_STORE_FLAG_SEEN)
    names[n++] = "\\Seen";
  if (flags & PF_STORE_FLAG_ANSWERED)
    names[n++] = "\\Answered";
  if (flags & PF_STORE_FLAG_FLAGGED)
    names[n++] = "\\Flagged";
  if (flags & PF_STORE_FLAG_DELETED)
    names[n++] = "\\Deleted";
  if (flags & PF_STORE_FLAG_DRAFT)
    names[n++] = "\\Draft";
  names[n] = NULL;
  return names;
}

/* One step of the current operation; each completion comes back here
 * with operation_step advanced. Step 0 selects the folder if needed. */
static void
replay_step (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  PfStoreOperation *operation = run->operation;
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(PfStoreFolder) folder = NULL;
  const char *names[6];
  const char *kind = operation->kind;
  gboolean folder_operation = g_str_has_suffix (kind, "-folder") &&
                              g_strcmp0 (kind, PF_OPERATION_EMPTY_FOLDER) != 0;

  if (!folder_operation)
    {
      folder = pf_store_get_folder (self->store, operation->folder_id, NULL);
      if (folder == NULL)
        {
          g_autoptr(GError) error = g_error_new_literal (PF_STORE_ERROR,
                                                         PF_STORE_ERROR_NOT_FOUND,
                                                         _("The folder no longer exists"));

          operation_refused (task, g_steal_pointer (&error));
          return;
        }
      /* Step 0 selects the folder; its completion makes it step 1. */
      if (run->operation_step == 0)
        {
          if (!ensure_selected (task, folder->name))
            return;
          run->operation_step = 1;
        }
    }

  if (g_strcmp0 (kind, PF_OPERATION_FLAGS) == 0)
    {
      PfStoreFlags add = 0;
      PfStoreFlags remove = 0;

      pf_operations_parse_flag_args (operation->args, &add, &remove);
      if (run->operation_step == 1 && add != 0)
        {
          pf_imap_session_store_async (self->main.session, operation->targets, PF_IMAP_STORE_ADD,
                                       flag_names (add, names), 0, cancellable,
                                       operation_step_cb, task);
          return;
        }
      if (run->operation_step <= 2 && remove != 0)
        {
          run->operation_step = 2;
          pf_imap_session_store_async (self->main.session, operation->targets,
                                       PF_IMAP_STORE_REMOVE, flag_names (remove, names), 0,
                                       cancellable, operation_step_cb, task);
          return;
        }
      operation_done (task);
      return;
    }

  if (g_strcmp0 (kind, PF_OPERATION_MOVE) == 0 || g_strcmp0 (kind, PF_OPERATION_COPY) == 0)
    {
      gint64 target_id = 0;
      g_autoptr(PfStoreFolder) target = NULL;

      if (run->operation_step > 1)
        {
          operation_done (task);
          return;
        }
      if (operation->args != NULL)
        sscanf (operation->args, "target=%" G_GINT64_FORMAT, &target_id);
      target = pf_store_get_folder (self->store, target_id, NULL);
      if (target == NULL)
        {
          g_autoptr(GError) error = g_error_new_literal (PF_STORE_ERROR,
                                                         PF_STORE_ERROR_NOT_FOUND,
                                                         _("The target folder no longer exists"));

          operation_refused (task, g_steal_pointer (&error));
          return;
        }
      if (g_strcmp0 (kind, PF_OPERATION_MOVE) == 0)
        pf_imap_session_move_async (self->main.session, operation->targets, target->name,
                                    PF_IMAP_MOVE_ALLOW_EXPUNGE_ALL, cancellable,
                                    operation_step_cb, task);
      else
        pf_imap_session_copy_async (self->main.session, operation->targets, target->name,
                                    cancellable, operation_step_cb, task);
      return;
    }

  if (g_strcmp0 (kind, PF_OPERATION_DELETE) == 0 ||
      g_strcmp0 (kind, PF_OPERATION_EMPTY_FOLDER) == 0)
    {
      gboolean uidplus = pf_imap_connection_has_capability (self->main.connection, "UIDPLUS");

      if (run->operation_step == 1)
        {
          pf_imap_session_store_async (self->main.session, operation->targets, PF_IMAP_STORE_ADD,
                                       flag_names (PF_STORE_FLAG_DELETED, names), 0,
                                       cancellable, operation_step_cb, task);
          return;
        }
      if (run->operation_step == 2)
        {
          /* Without UIDPLUS a plain EXPUNGE also removes what another
           * client marked \Deleted: the documented fallback. */
          pf_imap_session_expunge_async (self->main.session, uidplus ? operation->targets : NULL,
                                         cancellable, operation_step_cb, task);
          return;
        }
      operation_done (task);
      return;
    }

  if (run->operation_step > 0)
    {
      operation_done (task);
      return;
    }
  if (g_strcmp0 (kind, PF_OPERATION_CREATE_FOLDER) == 0)
    pf_imap_session_create_async (self->main.session, operation->args, 0, cancellable,
                                  operation_step_cb, task);
  else if (g_strcmp0 (kind, PF_OPERATION_RENAME_FOLDER) == 0)
    pf_imap_session_rename_async (self->main.session, operation->targets, operation->args,
                                  cancellable, operation_step_cb, task);
  else if (g_strcmp0 (kind, PF_OPERATION_DELETE_FOLDER) == 0)
    pf_imap_session_delete_async (self->main.session, operation->targets, cancellable,
                                  operation_step_cb, task);
  else
    {
      g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                             _("Unknown change “%s”"), kind);

      operation_refused (task, g_steal_pointer (&error));
    }
}

static void
replay_next (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (run->operations == NULL || run->operation_index >= run->operations->len)
    {
      push_drafts (task);
      return;
    }
  run->operation = g_ptr_array_index (run->operations, run->operation_index++);
  run->operation_step = 0;
  replay_step (task);
}

static void
replay_queue (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  /* Not those held while their Undo is offered. */
  run->operations = pf_store_list_replayable_operations (self->store, &error);
  if (run->operations == NULL)
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  run->operation_index = 0;
  replay_next (task);
}

/* Connecting */

static gboolean
slot_usable (Slot *slot)
{
  PfImapState state;

  if (slot->session == NULL)
    return FALSE;
  state = pf_imap_session_get_state (slot->session);
  return state == PF_IMAP_STATE_AUTHENTICATED || state == PF_IMAP_STATE_SELECTED;
}

static gboolean
session_usable (PfImapSync *self)
{
  return slot_usable (&self->main);
}

static void
connected (GTask *task)
{
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
connect_failed (GTask  *task,
                GError *error)
{
  slot_clear (g_task_get_task_data (task));
  run_fail (task, error);
}

/* Opening a session, for the sync and for others (the outbox's Sent copy) */

typedef struct
{
  PfImapConnection *connection;
  PfImapSession    *session;
  char             *user;
  char             *secret;
  gboolean          secret_is_token;
} OpenSession;

static void
open_session_free (OpenSession *open)
{
  g_clear_object (&open->session);
  g_clear_object (&open->connection);
  g_free (open->user);
  if (open->secret != NULL)
    explicit_bzero (open->secret, strlen (open->secret));
  g_free (open->secret);
  g_free (open);
}

static void
open_session_done (GTask *task)
{
  OpenSession *open = g_task_get_task_data (task);

  g_task_return_pointer (task, g_steal_pointer (&open->session), g_object_unref);
  g_object_unref (task);
}

static void
enabled_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) enabled = NULL;

  enabled = pf_imap_session_enable_finish (PF_IMAP_SESSION (object), result, &error);
  if (enabled == NULL && error != NULL)
    g_debug ("ENABLE failed: %s", error->message);
  open_session_done (task);
}

static void
logged_in_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  OpenSession *open = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  const char *extension = NULL;

  if (!pf_imap_connection_login_finish (PF_IMAP_CONNECTION (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  open->session = pf_imap_session_new (open->connection);
  if (pf_imap_connection_has_capability (open->connection, "QRESYNC"))
    extension = "QRESYNC";
  else if (pf_imap_connection_has_capability (open->connection, "CONDSTORE"))
    extension = "CONDSTORE";
  if (extension != NULL)
    {
      const char *const extensions[] = { extension, NULL };

      pf_imap_session_enable_async (open->session, extensions, g_task_get_cancellable (task),
                                    enabled_cb, task);
      return;
    }
  open_session_done (task);
}

static void
opened_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  OpenSession *open = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!pf_imap_connection_open_finish (PF_IMAP_CONNECTION (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  pf_imap_connection_login_async (open->connection, open->user, open->secret,
                                  open->secret_is_token, g_task_get_cancellable (task),
                                  logged_in_cb, task);
}

/**
 * pf_imap_sync_open_session_async:
 * @settings: the IMAP server
 * @secret: the password, or an OAuth 2.0 access token
 * @secret_is_token: whether @secret is a token
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the session is ready
 * @user_data: data for @callback
 *
 * Connects to @settings' server, logs in and ENABLEs QRESYNC (or
 * CONDSTORE) where the server offers it: the set-up every IMAP session of
 * an account starts with. A session of its own, apart from any
 * #PfImapSync. Main thread.
 */
void
pf_imap_sync_open_session_async (PfServerSettings    *settings,
                                 const char          *secret,
                                 gboolean             secret_is_token,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;
  OpenSession *open;
  g_autoptr(PfNetConnection) net = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PF_IS_SERVER_SETTINGS (settings));
  g_return_if_fail (secret != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_imap_sync_open_session_async);
  open = g_new0 (OpenSession, 1);
  open->user = g_strdup (pf_server_settings_get_username (settings));
  open->secret = g_strdup (secret);
  open->secret_is_token = secret_is_token;
  g_task_set_task_data (task, open, (GDestroyNotify) open_session_free);

  net = pf_server_settings_create_connection (settings, &error);
  if (net == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  open->connection = pf_imap_connection_new (net);
  pf_imap_connection_open_async (open->connection, cancellable, opened_cb, task);
}

/**
 * pf_imap_sync_open_session_finish:
 * @result: the result
 * @error: return location for an error: those of #PfNetConnection
 *   (%PF_NET_ERROR), of the login (%PF_IMAP_ERROR_AUTHENTICATION_FAILED)
 *   or %G_IO_ERROR_CANCELLED
 *
 * Returns: (transfer full): the logged-in session, or %NULL with @error set
 */
PfImapSession *
pf_imap_sync_open_session_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void slot_connect_start (PfImapSync *self,
                                Slot       *slot,
                                GTask      *task);

static void
slot_opened_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  PfImapSync *self = g_task_get_source_object (task);
  Slot *slot = g_task_get_task_data (task);
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&slot->waiting);
  GError *error = NULL;

  slot->connecting = FALSE;
  slot->session = pf_imap_sync_open_session_finish (result, &error);
  if (slot->session != NULL)
    slot->connection = g_object_ref (pf_imap_session_get_connection (slot->session));

  /* Those who asked meanwhile share the outcome; when only the first
   * asker was cancelled, the next one connects again. */
  for (guint i = 0; waiting != NULL && i < waiting->len; i++)
    {
      GTask *other = waiting->pdata[i];

      if (slot->session != NULL)
        connected (other);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
               !g_cancellable_is_cancelled (g_task_get_cancellable (other)))
        slot_connect_start (self, slot, other);
      else
        connect_failed (other, g_error_copy (error));
    }

  if (slot->session == NULL)
    {
      connect_failed (task, error);
      return;
    }
  connected (task);
}

/* Makes @slot a logged-in session (ENABLE QRESYNC or CONDSTORE done),
 * reusing the open one; asked again while it connects, it waits for
 * that connection instead of opening another. */
static void
slot_connect_start (PfImapSync *self,
                    Slot       *slot,
                    GTask      *task)
{
  if (slot_usable (slot))
    {
      connected (task);
      return;
    }
  if (slot->connecting)
    {
      if (slot->waiting == NULL)
        slot->waiting = g_ptr_array_new ();
      g_ptr_array_add (slot->waiting, task);
      return;
    }

  slot_clear (slot);
  if (self->secret == NULL)
    {
      connect_failed (task, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                         _("No password is known for %s"),
                                         pf_server_settings_get_host (self->settings)));
      return;
    }
  slot->connecting = TRUE;
  pf_imap_sync_open_session_async (self->settings, self->secret, self->secret_is_token,
                                   g_task_get_cancellable (task), slot_opened_cb, task);
}

static void
slot_connect_async (PfImapSync          *self,
                    Slot                *slot,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_task_data (task, slot, NULL);
  slot_connect_start (self, slot, task);
}

static gboolean
slot_connect_finish (PfImapSync    *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
run_connected_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!slot_connect_finish (PF_IMAP_SYNC (object), result, &error))
    {
      run_fail (task, g_steal_pointer (&error));
      return;
    }
  replay_queue (task);
}

/**
 * pf_imap_sync_run_async:
 * @self: a #PfImapSync
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the store matches the server
 * @user_data: data for @callback
 *
 * Synchronizes folders and message summaries (see the section
 * documentation). Connects and logs in first unless a session is open.
 * Only one run at a time: a second one fails with %G_IO_ERROR_PENDING.
 * Errors: those of #PfNetConnection (%PF_NET_ERROR: unreachable,
 * certificate, STARTTLS), of the login (%PF_IMAP_ERROR_AUTHENTICATION_FAILED),
 * of the commands, and %PF_STORE_ERROR. A failed run leaves the store
 * consistent; the next one goes on from there.
 */
void
pf_imap_sync_run_async (PfImapSync          *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;
  Run *run;

  g_return_if_fail (PF_IS_IMAP_SYNC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_imap_sync_run_async);

  if (self->running)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The account is being synchronized already"));
      g_object_unref (task);
      return;
    }

  run = g_new0 (Run, 1);
  run->todo = g_ptr_array_new_with_free_func ((GDestroyNotify) folder_todo_free);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  self->running = TRUE;
  slot_connect_async (self, &self->main, cancellable, run_connected_cb, task);
}

/**
 * pf_imap_sync_run_finish:
 * @self: a #PfImapSync
 * @result: the result
 * @stats: (out caller-allocates) (optional): what the run did
 * @error: return location for an error
 *
 * Returns: whether the store matches the server now
 */
gboolean
pf_imap_sync_run_finish (PfImapSync       *self,
                         GAsyncResult     *result,
                         PfImapSyncStats  *stats,
                         GError          **error)
{
  Run *run;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  self->running = FALSE;
  run = g_task_get_task_data (G_TASK (result));
  if (stats != NULL)
    *stats = run->stats;
  if (g_task_had_error (G_TASK (result)) && !session_usable (self))
    {
      g_clear_object (&self->main.session);
      g_clear_object (&self->main.connection);
    }
  return g_task_propagate_boolean (G_TASK (result), error);
}


/* Watching */

/**
 * pf_imap_sync_set_offline_days:
 * @self: a #PfImapSync
 * @days: keep the bodies of mail from the last @days days for reading
 *   offline; 0 for all mail, -1 for none (bodies are then fetched when
 *   a message is opened)
 *
 * The default is 14 days. With @days > 0 each folder's 25 newest
 * messages are kept as well, however old. Trash and Junk are left out.
 */
void
pf_imap_sync_set_offline_days (PfImapSync *self,
                               int         days)
{
  g_return_if_fail (PF_IS_IMAP_SYNC (self));

  self->offline_days = MAX (days, -1);
}

/**
 * pf_imap_sync_set_index_search:
 * @self: a #PfImapSync
 * @index_search: whether a run adds the new summaries to the full-text
 *   index before it ends
 *
 * The default is %TRUE. With %FALSE a run ends as soon as the summaries
 * (and bodies) are stored, and the messages wait in the store's queue of
 * unindexed messages (pf_store_count_unindexed()) for whoever indexes
 * them: a search, or a background task of the application. Bodies
 * downloaded in the run are indexed with their message either way.
 */
void
pf_imap_sync_set_index_search (PfImapSync *self,
                               gboolean    index_search)
{
  g_return_if_fail (PF_IS_IMAP_SYNC (self));

  self->index_search = !!index_search;
}

/**
 * pf_imap_sync_set_poll_interval:
 * @self: a #PfImapSync
 * @seconds: how often to ask for news without IDLE (at least 1)
 */
void
pf_imap_sync_set_poll_interval (PfImapSync *self,
                                guint       seconds)
{
  g_return_if_fail (PF_IS_IMAP_SYNC (self));

  self->poll_seconds = MAX (seconds, 1);
}

typedef struct
{
  GCancellable *wait_cancellable;   /* ends an IDLE early */
  guint         timeout_id;
  gulong        handlers[4];
  guint         backoff;
  guint         polls;
  gboolean      changed;
  gboolean      idling;
} Watch;

static void watch_run (GTask *task);

static void
watch_disconnect_handlers (PfImapSync *self,
                           Watch      *watch)
{
  for (guint i = 0; i < G_N_ELEMENTS (watch->handlers); i++)
    {
      if (watch->handlers[i] != 0 && self->main.session != NULL)
        g_signal_handler_disconnect (self->main.session, watch->handlers[i]);
      watch->handlers[i] = 0;
    }
}

static void
watch_free (Watch *watch)
{
  g_clear_handle_id (&watch->timeout_id, g_source_remove);
  g_clear_object (&watch->wait_cancellable);
  g_free (watch);
}

static void
watch_stop_waiting (PfImapSync *self,
                    Watch      *watch)
{
  watch->changed = TRUE;
  if (watch->idling)
    pf_imap_session_idle_done (self->main.session);
}

static void
on_session_exists_cb (PfImapSession *session,
                      guint          exists,
                      gpointer       user_data)
{
  GTask *task = user_data;

  watch_stop_waiting (g_task_get_source_object (task), g_task_get_task_data (task));
}

static void
on_session_expunge_cb (PfImapSession *session,
                       guint          seq,
                       gpointer       user_data)
{
  on_session_exists_cb (session, 0, user_data);
}

static void
on_session_vanished_cb (PfImapSession *session,
                        gpointer       uids,
                        gboolean       earlier,
                        gpointer       user_data)
{
  on_session_exists_cb (session, 0, user_data);
}

static void
on_session_fetch_cb (PfImapSession *session,
                     gpointer       fetch,
                     gpointer       user_data)
{
  on_session_exists_cb (session, 0, user_data);
}

static void
watch_wait_done (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Watch *watch = g_task_get_task_data (task);

  watch_disconnect_handlers (self, watch);
  g_clear_handle_id (&watch->timeout_id, g_source_remove);
  watch->idling = FALSE;
  watch->changed = FALSE;
  watch_run (task);
}

static gboolean
retry_cb (gpointer user_data)
{
  GTask *task = user_data;
  Watch *watch = g_task_get_task_data (task);

  watch->timeout_id = 0;
  watch_wait_done (task);
  return G_SOURCE_REMOVE;
}

static void
watch_failed (GTask  *task,
              GError *error)
{
  PfImapSync *self = g_task_get_source_object (task);
  Watch *watch = g_task_get_task_data (task);

  watch_disconnect_handlers (self, watch);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      run_fail (task, error);
      return;
    }
  /* Without working credentials, trying again only locks the account. */
  if (g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_AUTHENTICATION_FAILED))
    {
      g_signal_emit (self, signals[SIGNAL_SYNC_FAILED], 0, error, 0);
      run_fail (task, error);
      return;
    }

  watch->backoff = watch->backoff == 0 ? 1 : MIN (watch->backoff * 2, MAX_BACKOFF_SECONDS);
  g_signal_emit (self, signals[SIGNAL_SYNC_FAILED], 0, error, watch->backoff);
  g_error_free (error);
  g_clear_object (&self->main.session);
  g_clear_object (&self->main.connection);
  watch->timeout_id = g_timeout_add_seconds (watch->backoff, retry_cb, task);
}

static void
idle_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Watch *watch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  watch->idling = FALSE;
  if (!pf_imap_session_idle_finish (PF_IMAP_SESSION (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      watch_failed (task, g_steal_pointer (&error));
      return;
    }
  watch_wait_done (task);
}

static gboolean
idle_restart_cb (gpointer user_data)
{
  GTask *task = user_data;
  PfImapSync *self = g_task_get_source_object (task);
  Watch *watch = g_task_get_task_data (task);

  watch->timeout_id = 0;
  if (watch->idling)
    pf_imap_session_idle_done (self->main.session);
  return G_SOURCE_REMOVE;
}

static void poll_later (GTask *task);

static void
noop_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Watch *watch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!pf_imap_session_noop_finish (PF_IMAP_SESSION (object), result, &error))
    {
      watch_failed (task, g_steal_pointer (&error));
      return;
    }
  /* Changes arrive as untagged responses to the NOOP; the other folders
   * get a full sync every few polls. */
  if (watch->changed || ++watch->polls >= FULL_SYNC_POLLS)
    {
      watch->polls = 0;
      watch_wait_done (task);
      return;
    }
  poll_later (task);
}

static gboolean
poll_now (gpointer user_data)
{
  GTask *task = user_data;
  PfImapSync *self = g_task_get_source_object (task);
  Watch *watch = g_task_get_task_data (task);

  watch->timeout_id = 0;
  pf_imap_session_noop_async (self->main.session, g_task_get_cancellable (task), noop_cb, task);
  return G_SOURCE_REMOVE;
}

static void
poll_later (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);
  Watch *watch = g_task_get_task_data (task);

  watch->timeout_id = g_timeout_add_seconds (self->poll_seconds, poll_now, task);
}

static void
watch_inbox_selected_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GTask *task = user_data;
  PfImapSync *self = g_task_get_source_object (task);
  Watch *watch = g_task_get_task_data (task);
  g_autoptr(PfImapSelectResult) selected = NULL;
  g_autoptr(GError) error = NULL;

  if (result != NULL)
    {
      selected = pf_imap_session_select_finish (PF_IMAP_SESSION (object), result, &error);
      if (selected == NULL)
        {
          watch_failed (task, g_steal_pointer (&error));
          return;
        }
    }

  if (watch->changed)
    {
      watch_wait_done (task);
      return;
    }

  watch->handlers[0] = g_signal_connect (self->main.session, "exists",
                                         G_CALLBACK (on_session_exists_cb), task);
  watch->handlers[1] = g_signal_connect (self->main.session, "expunge",
                                         G_CALLBACK (on_session_expunge_cb), task);
  watch->handlers[2] = g_signal_connect (self->main.session, "vanished",
                                         G_CALLBACK (on_session_vanished_cb), task);
  watch->handlers[3] = g_signal_connect (self->main.session, "fetch",
                                         G_CALLBACK (on_session_fetch_cb), task);

  if (pf_imap_connection_has_capability (self->main.connection, "IDLE"))
    {
      g_clear_object (&watch->wait_cancellable);
      watch->idling = TRUE;
      watch->timeout_id = g_timeout_add_seconds (IDLE_RESTART_SECONDS, idle_restart_cb, task);
      pf_imap_session_idle_async (self->main.session, g_task_get_cancellable (task), idle_done_cb,
                                  task);
      return;
    }
  poll_later (task);
}

static void
watch_ran_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  PfImapSync *self = PF_IMAP_SYNC (object);
  Watch *watch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfStoreFolder) inbox = NULL;
  PfImapSyncStats stats;

  if (!pf_imap_sync_run_finish (self, result, &stats, &error))
    {
      watch_failed (task, g_steal_pointer (&error));
      return;
    }
  watch->backoff = 0;
  g_signal_emit (self, signals[SIGNAL_SYNCED], 0, &stats);

  /* Woken during the run (pf_imap_sync_wake()): once more at once. */
  if (watch->changed)
    {
      watch->changed = FALSE;
      watch_run (task);
      return;
    }

  /* Wait in the Inbox: what the user waits for. */
  inbox = pf_store_lookup_folder_by_special_use (self->store, PF_STORE_SPECIAL_USE_INBOX, NULL);
  if (inbox != NULL && g_strcmp0 (pf_imap_session_get_selected (self->main.session), inbox->name) != 0)
    {
      pf_imap_session_select_async (self->main.session, inbox->name, PF_IMAP_SELECT_READ_ONLY, NULL,
                                    NULL, NULL, NULL, g_task_get_cancellable (task),
                                    watch_inbox_selected_cb, task);
      return;
    }
  watch_inbox_selected_cb (NULL, NULL, task);
}

static void
watch_run (GTask *task)
{
  PfImapSync *self = g_task_get_source_object (task);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  pf_imap_sync_run_async (self, g_task_get_cancellable (task), watch_ran_cb, task);
}

/**
 * pf_imap_sync_watch_async:
 * @self: a #PfImapSync
 * @cancellable: (nullable): cancelling ends the watch
 * @callback: called when the watch ended
 * @user_data: data for @callback
 *
 * Keeps the store current until @cancellable is cancelled: a sync run,
 * then IDLE on the Inbox (RFC 2177; renewed every 29 minutes, which also
 * syncs the other folders), or NOOP every poll interval without IDLE; any
 * change reported starts the next run. A failed run is retried after 1,
 * 2, 4 … up to 300 seconds (::sync-failed tells when), except a rejected
 * password, which ends the watch. Each good run emits ::synced.
 */
void
pf_imap_sync_watch_async (PfImapSync          *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PF_IS_IMAP_SYNC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_imap_sync_watch_async);
  g_task_set_task_data (task, g_new0 (Watch, 1), (GDestroyNotify) watch_free);
  g_set_weak_pointer (&self->watch_task, task);
  watch_run (task);
}

/**
 * pf_imap_sync_wake:
 * @self: a #PfImapSync
 *
 * Makes a watch (pf_imap_sync_watch_async()) run now: it stops waiting
 * (IDLE, the poll timer or the pause after a failure), or, when a run is
 * going on, runs once more right after it. For "sync now" and for changes
 * the user just queued.
 *
 * Returns: %FALSE when no watch is running
 */
gboolean
pf_imap_sync_wake (PfImapSync *self)
{
  Watch *watch;

  g_return_val_if_fail (PF_IS_IMAP_SYNC (self), FALSE);

  if (self->watch_task == NULL || g_task_get_completed (self->watch_task))
    return FALSE;

  watch = g_task_get_task_data (self->watch_task);
  if (watch->idling)
    {
      watch_stop_waiting (self, watch);
      return TRUE;
    }
  if (watch->timeout_id != 0)
    {
      g_clear_handle_id (&watch->timeout_id, g_source_remove);
      watch_wait_done (self->watch_task);
      return TRUE;
    }
  /* A run, a SELECT or a NOOP is under way: it looks at this flag when
   * it ends. */
  watch->changed = TRUE;
  return TRUE;
}

/**
 * pf_imap_sync_watch_finish:
 * @self: a #PfImapSync
 * @result: the result
 * @error: return location for an error: %G_IO_ERROR_CANCELLED when
 *   cancelled, or the login's rejection
 *
 * Returns: %FALSE: a watch only ends with an error
 */
gboolean
pf_imap_sync_watch_finish (PfImapSync    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Bodies on demand */

typedef struct
{
  PfStoreMessage *message;
  PfStoreFolder  *folder;
  PfStoreWriter  *writer;
  GBytes         *data;
  char           *path;
} BodyFetch;

static void
body_fetch_free (BodyFetch *fetch)
{
  g_clear_pointer (&fetch->message, pf_store_message_free);
  g_clear_pointer (&fetch->folder, pf_store_folder_free);
  g_clear_pointer (&fetch->writer, pf_store_writer_free);
  g_clear_pointer (&fetch->data, g_bytes_unref);
  g_free (fetch->path);
  g_free (fetch);
}

static void
body_parsed_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfImapSync *self = g_task_get_source_object (task);
  BodyFetch *fetch = g_task_get_task_data (task);
  g_autoptr(PfMimeMessage) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  /* Mail that does not parse is still stored; it only stays out of the
   * full-text index. */
  parsed = pf_mime_message_parse_finish (result, &error);
  if (parsed != NULL)
    text = pf_mime_message_dup_search_text (parsed);
  else
    g_debug ("Message %" G_GINT64_FORMAT ": %s", fetch->message->id, error->message);
  g_clear_error (&error);

  if (!pf_store_set_body (self->store, fetch->message->id, fetch->path, text, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&fetch->path), g_free);
}

static void
body_committed_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BodyFetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = NULL;

  fetch->path = pf_store_writer_commit_finish (fetch->writer, result, &error);
  if (fetch->path == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  stream = g_memory_input_stream_new_from_bytes (fetch->data);
  {
    GCancellable *cancellable = g_task_get_cancellable (task);

    pf_mime_message_parse_async (stream, cancellable, body_parsed_cb,
                                 g_steal_pointer (&task));
  }
}

static void
body_written_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BodyFetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  {
    GCancellable *cancellable = g_task_get_cancellable (task);

    pf_store_writer_commit_async (fetch->writer, cancellable, body_committed_cb,
                                  g_steal_pointer (&task));
  }
}

static void
body_fetched_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfImapSync *self = g_task_get_source_object (task);
  BodyFetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GOutputStream *stream;

  fetch->data = pf_imap_session_fetch_body_finish (PF_IMAP_SESSION (object), result, &error);
  if (fetch->data == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                             _("The message no longer exists on the server"));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Written and fsynced away from the main thread by the store. */
  fetch->writer = pf_store_new_writer (self->store, fetch->folder->id, &error);
  if (fetch->writer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  stream = pf_store_writer_get_stream (fetch->writer);
  {
    GCancellable *cancellable = g_task_get_cancellable (task);

    g_output_stream_write_all_async (stream, g_bytes_get_data (fetch->data, NULL),
                                     g_bytes_get_size (fetch->data), G_PRIORITY_DEFAULT,
                                     cancellable, body_written_cb,
                                     g_steal_pointer (&task));
  }
}

static void
body_selected_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfImapSync *self = g_task_get_source_object (task);
  BodyFetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (result != NULL)
    {
      g_autoptr(PfImapSelectResult) selected = NULL;

      selected = pf_imap_session_select_finish (PF_IMAP_SESSION (object), result, &error);
      if (selected == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (fetch->folder->uidvalidity != 0 && selected->uidvalidity != fetch->folder->uidvalidity)
        {
          g_task_return_new_error (task, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                                   _("The folder changed on the server; synchronize it first"));
          return;
        }
    }

  {
    GCancellable *cancellable = g_task_get_cancellable (task);

    pf_imap_session_fetch_body_async (self->bodies.session, fetch->message->uid, "", 0, 0,
                                      cancellable, body_fetched_cb,
                                      g_steal_pointer (&task));
  }
}

static void
body_connected_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfImapSync *self = PF_IMAP_SYNC (object);
  BodyFetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!slot_connect_finish (self, result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_strcmp0 (pf_imap_session_get_selected (self->bodies.session), fetch->folder->name) == 0)
    {
      body_selected_cb (NULL, NULL, g_steal_pointer (&task));
      return;
    }
  /* EXAMINE: reading never changes \Seen or anything else. */
  {
    GCancellable *cancellable = g_task_get_cancellable (task);

    pf_imap_session_select_async (self->bodies.session, fetch->folder->name,
                                  PF_IMAP_SELECT_READ_ONLY, NULL, NULL, NULL, NULL,
                                  cancellable, body_selected_cb,
                                  g_steal_pointer (&task));
  }
}

/**
 * pf_imap_sync_fetch_body_async:
 * @self: a #PfImapSync
 * @message_id: a message of the store
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the message file
 * @user_data: data for @callback
 *
 * Makes the whole message available offline: unless the store has it
 * already, fetches BODY.PEEK[] on the account's second connection (so it
 * works while a sync runs), writes it into the folder's Maildir (fsync
 * and rename off the main thread), parses it in a worker thread for the
 * full-text index, and records it with pf_store_set_body().
 */
void
pf_imap_sync_fetch_body_async (PfImapSync          *self,
                               gint64               message_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  BodyFetch *fetch;

  g_return_if_fail (PF_IS_IMAP_SYNC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_imap_sync_fetch_body_async);
  fetch = g_new0 (BodyFetch, 1);
  g_task_set_task_data (task, fetch, (GDestroyNotify) body_fetch_free);

  fetch->message = pf_store_get_message (self->store, message_id, &error);
  if (fetch->message != NULL)
    fetch->folder = pf_store_get_folder (self->store, fetch->message->folder_id, &error);
  if (fetch->message == NULL || fetch->folder == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (fetch->message->body_path != NULL &&
      g_file_test (fetch->message->body_path, G_FILE_TEST_IS_REGULAR))
    {
      g_task_return_pointer (task, g_strdup (fetch->message->body_path), g_free);
      return;
    }
  if (fetch->folder->local_only)
    {
      g_task_return_new_error (task, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                               _("The message’s file is missing"));
      return;
    }

  slot_connect_async (self, &self->bodies, cancellable, body_connected_cb,
                      g_steal_pointer (&task));
}

/* The second connection, opened ahead */

static void
prepare_selected_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(PfImapSelectResult) selected = NULL;
  GError *error = NULL;

  selected = pf_imap_session_select_finish (PF_IMAP_SESSION (object), result, &error);
  if (selected == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
prepare_connected_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfImapSync *self = PF_IMAP_SYNC (object);
  const char *name = g_task_get_task_data (task);
  GError *error = NULL;

  if (!slot_connect_finish (self, result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_strcmp0 (pf_imap_session_get_selected (self->bodies.session), name) == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  {
    /* Read before the task is handed on: arguments have no order. */
    GCancellable *cancellable = g_task_get_cancellable (task);

    pf_imap_session_select_async (self->bodies.session, name, PF_IMAP_SELECT_READ_ONLY, NULL,
                                  NULL, NULL, NULL, cancellable, prepare_selected_cb,
                                  g_steal_pointer (&task));
  }
}

/**
 * pf_imap_sync_prepare_bodies_async:
 * @self: a #PfImapSync
 * @folder_id: the folder whose messages are likely read next (the Inbox)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the connection is ready
 * @user_data: data for @callback
 *
 * Opens the connection pf_imap_sync_fetch_body_async() uses and examines
 * @folder_id there, so that the first message the user opens is fetched
 * without waiting for a login and a large folder's EXAMINE. A fetch asked
 * for meanwhile waits for this connection instead of opening another.
 */
void
pf_imap_sync_prepare_bodies_async (PfImapSync          *self,
                                   gint64               folder_id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfStoreFolder) folder = NULL;
  GError *error = NULL;

  g_return_if_fail (PF_IS_IMAP_SYNC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_imap_sync_prepare_bodies_async);
  folder = pf_store_get_folder (self->store, folder_id, &error);
  if (folder == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (folder->local_only)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_task_set_task_data (task, g_strdup (folder->name), g_free);
  slot_connect_async (self, &self->bodies, cancellable, prepare_connected_cb,
                      g_steal_pointer (&task));
}

/**
 * pf_imap_sync_prepare_bodies_finish:
 * @self: a #PfImapSync
 * @result: the result
 * @error: return location for an error
 *
 * Returns: whether the connection is ready
 */
gboolean
pf_imap_sync_prepare_bodies_finish (PfImapSync    *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pf_imap_sync_fetch_body_finish:
 * @self: a #PfImapSync
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full): the path of the message file, or %NULL
 */
char *
pf_imap_sync_fetch_body_finish (PfImapSync    *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
logged_out_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_imap_connection_logout_finish (PF_IMAP_CONNECTION (object), result, &error))
    g_debug ("LOGOUT: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

/**
 * pf_imap_sync_disconnect_async:
 * @self: a #PfImapSync
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when logged out
 * @user_data: data for @callback
 *
 * Logs out and closes the connection, if there is one.
 */
void
pf_imap_sync_disconnect_async (PfImapSync          *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapConnection) connection = NULL;

  g_return_if_fail (PF_IS_IMAP_SYNC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_imap_sync_disconnect_async);
  /* The bodies' connection just closes; the main one says goodbye. */
  slot_clear (&self->bodies);
  connection = g_steal_pointer (&self->main.connection);
  g_clear_object (&self->main.session);
  if (connection == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  pf_imap_connection_logout_async (connection, cancellable, logged_out_cb,
                                   g_steal_pointer (&task));
}

/**
 * pf_imap_sync_disconnect_finish:
 * @self: a #PfImapSync
 * @result: the result
 * @error: return location for an error
 *
 * Returns: %TRUE
 */
gboolean
pf_imap_sync_disconnect_finish (PfImapSync    *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
