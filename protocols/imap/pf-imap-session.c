/* pf-imap-session.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pf-imap-error.h"
#include "pf-imap-session.h"

/*
 * The typed command layer over one logged-in PfImapConnection: one
 * _async/_finish pair per IMAP command the sync engine needs, with the
 * session state of RFC 3501 §3 enforced before anything is sent, UIDs
 * everywhere (sequence numbers only where the protocol gives nothing
 * else: EXPUNGE responses), and the extensions used whenever the server
 * offers them: CONDSTORE and QRESYNC (RFC 7162), UIDPLUS (RFC 4315),
 * MOVE (RFC 6851), ESEARCH (RFC 4731), SPECIAL-USE (RFC 6154),
 * LIST-STATUS (RFC 5819), LITERAL+ (RFC 7888, in the connection).
 *
 * Each operation keeps its state in an Op, the task data of its GTask.
 * Untagged data that belongs to a command is collected by keyword (see
 * pf_imap_connection_run_async()) and decoded as it is parsed, so a FETCH
 * over a whole folder streams through a callback and nothing gathers.
 * Everything else the server says about the selected mailbox (new
 * messages, expunges, flag changes of other clients) arrives through the
 * connection's "untagged" signal and leaves as the session's signals.
 */

/* COPYUID and MODIFIED sets with more UIDs than this are refused rather
 * than expanded: 16 MiB of guint32. */
#define MAX_EXPANDED_UIDS (4 * 1024 * 1024)

/* The connection's own default, restored after IDLE. */
#define DEFAULT_COMMAND_TIMEOUT 60

typedef enum
{
  STATES_AUTHENTICATED = 1 << 0,   /* allowed without a selected mailbox */
  STATES_SELECTED      = 1 << 1,   /* allowed with a selected mailbox */
} States;

#define STATES_ANY (STATES_AUTHENTICATED | STATES_SELECTED)

typedef struct _Op Op;

struct _PfImapSession
{
  GObject            parent_instance;

  /* Owned */
  PfImapConnection  *connection;
  GHashTable        *enabled;          /* upper-case extension names (RFC 5161) */
  char              *selected;         /* the selected mailbox in UTF-8, or NULL */

  /* Borrowed: the task data of the IDLE in flight */
  Op                *idle;
  /* Borrowed: the fetch_body ops in flight. Servers answer pipelined
   * commands as they like (Dovecot sends the FETCH of a later command
   * before the tagged OK of an earlier one), and the connection hands a
   * FETCH to the oldest command that collects FETCH: each is passed on to
   * the op asking for its UID. */
  GList             *body_ops;

  gulong             untagged_id;
  guint32            exists;
  guint32            uidvalidity;
  guint64            highest_modseq;
  guint              command_timeout;
  guint              read_only : 1;
};

G_DEFINE_FINAL_TYPE (PfImapSession, pf_imap_session, G_TYPE_OBJECT)

enum {
  EXISTS,
  EXPUNGE,
  VANISHED,
  FETCH,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

/* The state of one operation, owned by its task. */
struct _Op
{
  /* Borrowed: the task owns the Op and holds a reference on the session */
  PfImapSession             *self;
  GTask                     *task;

  /* Owned */
  char                      *mailbox;         /* SELECT, MOVE: the mailbox, UTF-8 */
  char                      *uids;            /* MOVE: the UID set, for the fallback */
  char                      *error_prefix;    /* translated context for errors, or NULL */
  GError                    *error;           /* the first response that did not decode */
  GPtrArray                 *items;           /* LIST, LSUB: of PfImapListItem */
  GHashTable                *items_by_name;   /* LIST: name → borrowed PfImapListItem */
  PfImapMailboxStatus       *status;          /* STATUS */
  PfImapSelectResult        *select;          /* SELECT */
  GHashTable                *id_fields;       /* ID */
  GPtrArray                 *enabled;         /* ENABLE: of char * */
  PfImapNamespaces          *namespaces;      /* NAMESPACE */
  PfImapSequenceSet         *matches;         /* SEARCH */
  PfImapCopyUid             *copy_uid;        /* COPY, MOVE */
  GByteArray                *body;            /* fetch_body: a streamed literal */
  GBytes                    *body_bytes;      /* fetch_body: the result */
  char                      *section;         /* fetch_body: the section asked for */
  GCancellable              *cancellable;     /* IDLE: ends it when cancelled */

  PfImapSessionFetchFunc     fetch_func;
  PfImapSessionVanishedFunc  vanished_func;
  PfImapSessionChunkFunc     chunk_func;
  gpointer                   func_data;

  gulong                     cancelled_id;    /* IDLE */
  guint32                    uid;             /* fetch_body */
  PfImapMoveFlags            move_flags;
  guint                      before_closed : 1;  /* SELECT: responses of the old mailbox */
  guint                      was_selected : 1;   /* SELECT: a mailbox was selected before */
  guint                      found : 1;          /* fetch_body: the message answered */
  guint                      idle_started : 1;   /* IDLE: the server said "+" */
  guint                      done_wanted : 1;    /* IDLE: DONE asked for */
  guint                      done_sent : 1;      /* IDLE: DONE went out */
};

static void
op_free (Op *op)
{
  if (op->cancelled_id != 0)
    g_cancellable_disconnect (op->cancellable, op->cancelled_id);
  g_clear_object (&op->cancellable);
  g_free (op->mailbox);
  g_free (op->uids);
  g_free (op->error_prefix);
  g_clear_error (&op->error);
  g_clear_pointer (&op->items_by_name, g_hash_table_unref);
  g_clear_pointer (&op->items, g_ptr_array_unref);
  g_clear_pointer (&op->status, pf_imap_mailbox_status_free);
  g_clear_pointer (&op->select, pf_imap_select_result_free);
  g_clear_pointer (&op->id_fields, g_hash_table_unref);
  g_clear_pointer (&op->enabled, g_ptr_array_unref);
  g_clear_pointer (&op->namespaces, pf_imap_namespaces_free);
  g_clear_pointer (&op->matches, pf_imap_sequence_set_free);
  g_clear_pointer (&op->copy_uid, pf_imap_copy_uid_free);
  g_clear_pointer (&op->body, g_byte_array_unref);
  g_clear_pointer (&op->body_bytes, g_bytes_unref);
  g_free (op->section);
  g_free (op);
}

/* Result types */

/**
 * pf_imap_list_item_free:
 * @item: (transfer full) (nullable): a LIST item
 */
void
pf_imap_list_item_free (PfImapListItem *item)
{
  if (item == NULL)
    return;

  g_clear_pointer (&item->entry, pf_imap_list_entry_free);
  g_clear_pointer (&item->status, pf_imap_mailbox_status_free);
  g_free (item);
}

/**
 * pf_imap_select_result_free:
 * @result: (transfer full) (nullable): a SELECT result
 */
void
pf_imap_select_result_free (PfImapSelectResult *result)
{
  if (result == NULL)
    return;

  g_free (result->mailbox);
  g_strfreev (result->flags);
  g_strfreev (result->permanent_flags);
  g_free (result);
}

/**
 * pf_imap_copy_uid_free:
 * @copy_uid: (transfer full) (nullable): a COPYUID mapping
 */
void
pf_imap_copy_uid_free (PfImapCopyUid *copy_uid)
{
  if (copy_uid == NULL)
    return;

  g_clear_pointer (&copy_uid->source_uids, g_array_unref);
  g_clear_pointer (&copy_uid->destination_uids, g_array_unref);
  g_free (copy_uid);
}

/**
 * pf_imap_copy_uid_lookup:
 * @copy_uid: a COPYUID mapping
 * @source_uid: a UID in the source mailbox
 *
 * Returns: the UID the copy of @source_uid has in the destination, or 0
 *   if it was not copied
 */
guint32
pf_imap_copy_uid_lookup (const PfImapCopyUid *copy_uid,
                         guint32              source_uid)
{
  g_return_val_if_fail (copy_uid != NULL, 0);

  for (guint i = 0; i < copy_uid->source_uids->len; i++)
    {
      if (g_array_index (copy_uid->source_uids, guint32, i) == source_uid)
        return g_array_index (copy_uid->destination_uids, guint32, i);
    }

  return 0;
}

/* GObject */

static void
pf_imap_session_dispose (GObject *object)
{
  PfImapSession *self = PF_IMAP_SESSION (object);

  if (self->connection != NULL)
    g_clear_signal_handler (&self->untagged_id, self->connection);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (pf_imap_session_parent_class)->dispose (object);
}

static void
pf_imap_session_finalize (GObject *object)
{
  PfImapSession *self = PF_IMAP_SESSION (object);

  g_clear_pointer (&self->enabled, g_hash_table_unref);
  g_clear_pointer (&self->selected, g_free);
  g_clear_pointer (&self->body_ops, g_list_free);

  G_OBJECT_CLASS (pf_imap_session_parent_class)->finalize (object);
}

static void
pf_imap_session_class_init (PfImapSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_imap_session_dispose;
  object_class->finalize = pf_imap_session_finalize;

  /**
   * PfImapSession::exists:
   * @count: the new number of messages in the selected mailbox
   *
   * The server announced new messages (RFC 3501 §7.3.1); their UIDs are
   * at or above the UIDNEXT the client knew.
   */
  signals [EXISTS] =
    g_signal_new ("exists", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * PfImapSession::expunge:
   * @seq: the message sequence number of the expunged message
   *
   * A message is gone (RFC 3501 §7.4.1); later messages moved down by one.
   * Only a sequence number is known: the session keeps no map to UIDs, so
   * a client that cannot map it (its cache is not complete in sequence
   * order) has to resynchronise the mailbox. With QRESYNC enabled servers
   * send ::vanished with UIDs instead (RFC 7162 §3.2.10).
   */
  signals [EXPUNGE] =
    g_signal_new ("expunge", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * PfImapSession::vanished:
   * @uids: (type gpointer): the const #PfImapSequenceSet of expunged UIDs
   * @earlier: %TRUE for VANISHED (EARLIER)
   *
   * Messages are gone (RFC 7162 §3.2.10), reported by UID.
   */
  signals [VANISHED] =
    g_signal_new ("vanished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_BOOLEAN);

  /**
   * PfImapSession::fetch:
   * @fetch: (type gpointer): the decoded #PfImapFetch, valid during the
   *   emission
   *
   * Unsolicited FETCH data: flags another client changed, or the new
   * MODSEQ after a STORE (RFC 7162 §3.1.3). With CONDSTORE or QRESYNC it
   * carries the UID and MODSEQ; without, possibly only the sequence
   * number.
   */
  signals [FETCH] =
    g_signal_new ("fetch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
pf_imap_session_init (PfImapSession *self)
{
  self->enabled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->command_timeout = DEFAULT_COMMAND_TIMEOUT;
}

/* Unsolicited responses */

static gboolean
is_selected (PfImapSession *self)
{
  return self->connection != NULL &&
         pf_imap_connection_get_state (self->connection) == PF_IMAP_STATE_SELECTED;
}

static gboolean
read_number32 (const PfImapValue *value,
               guint32           *number)
{
  guint64 n;

  if (value == NULL || !pf_imap_value_to_number (value, &n) || n > G_MAXUINT32)
    return FALSE;

  *number = (guint32) n;
  return TRUE;
}

/* Response codes that update what the session knows of the selected
 * mailbox, in tagged and untagged responses alike. */
static void
note_code (PfImapSession  *self,
           PfImapResponse *response)
{
  const PfImapValue *args = pf_imap_response_get_code_args (response);
  guint64 modseq;

  if (!is_selected (self))
    return;

  /* RFC 7162 §3.1.2.1, §3.2.10: the tagged OK of STORE, EXPUNGE, MOVE
   * and the like may carry the new HIGHESTMODSEQ. */
  if (pf_imap_response_has_code (response, "HIGHESTMODSEQ") &&
      pf_imap_value_to_number (pf_imap_value_get_item (args, 0), &modseq))
    self->highest_modseq = MAX (self->highest_modseq, modseq);
}

static void
emit_vanished (PfImapSession  *self,
               PfImapVanished *vanished)
{
  if (!vanished->earlier)
    {
      guint64 count = pf_imap_sequence_set_get_count (vanished->uids, 0);

      /* RFC 7162 §3.2.10: without EARLIER, each UID was in the mailbox. */
      self->exists -= (guint32) MIN (count, (guint64) self->exists);
    }

  g_signal_emit (self, signals [VANISHED], 0, vanished->uids, vanished->earlier);
}

static void
handle_unsolicited (PfImapSession  *self,
                    PfImapResponse *response)
{
  g_autoptr(GError) error = NULL;
  guint64 number;

  if (pf_imap_response_get_status (response) != PF_IMAP_RESPONSE_STATUS_NONE)
    {
      note_code (self, response);
      return;
    }

  if (!is_selected (self))
    return;

  number = pf_imap_response_get_number (response);

  if (pf_imap_response_is_keyword (response, "EXISTS") &&
      pf_imap_response_has_number (response) && number <= G_MAXUINT32)
    {
      self->exists = (guint32) number;
      g_signal_emit (self, signals [EXISTS], 0, (guint) number);
    }
  else if (pf_imap_response_is_keyword (response, "EXPUNGE") &&
           pf_imap_response_has_number (response) && number > 0 && number <= G_MAXUINT32)
    {
      if (self->exists > 0)
        self->exists--;
      g_signal_emit (self, signals [EXPUNGE], 0, (guint) number);
    }
  else if (pf_imap_response_is_keyword (response, "VANISHED"))
    {
      g_autoptr(PfImapVanished) vanished = pf_imap_vanished_new_from_response (response, &error);

      if (vanished == NULL)
        g_debug ("Malformed unsolicited VANISHED ignored: %s", error->message);
      else
        emit_vanished (self, vanished);
    }
  else if (pf_imap_response_is_keyword (response, "FETCH"))
    {
      g_autoptr(PfImapFetch) fetch = pf_imap_fetch_new_from_response (response, &error);

      if (fetch == NULL)
        g_debug ("Malformed unsolicited FETCH ignored: %s", error->message);
      else
        g_signal_emit (self, signals [FETCH], 0, fetch);
    }
}

static void
on_connection_untagged_cb (PfImapConnection *connection,
                           PfImapResponse   *response,
                           gpointer          user_data)
{
  PfImapSession *self = user_data;

  handle_unsolicited (self, response);
}

/* Public accessors */

/**
 * pf_imap_session_new:
 * @connection: a logged-in #PfImapConnection (%PF_IMAP_STATE_AUTHENTICATED)
 *
 * Creates the command layer for @connection. The session takes over what
 * the connection reports about the selected mailbox: only one session
 * per connection.
 *
 * Returns: (transfer full): a new session
 */
PfImapSession *
pf_imap_session_new (PfImapConnection *connection)
{
  PfImapSession *self;

  g_return_val_if_fail (PF_IS_IMAP_CONNECTION (connection), NULL);

  self = g_object_new (PF_TYPE_IMAP_SESSION, NULL);
  self->connection = g_object_ref (connection);
  self->untagged_id = g_signal_connect_object (connection, "untagged",
                                               G_CALLBACK (on_connection_untagged_cb),
                                               self, G_CONNECT_DEFAULT);

  return self;
}

/**
 * pf_imap_session_get_connection:
 *
 * Returns: (transfer none): the connection
 */
PfImapConnection *
pf_imap_session_get_connection (PfImapSession *self)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), NULL);

  return self->connection;
}

/**
 * pf_imap_session_get_state:
 *
 * Returns: the connection's state (RFC 3501 §3)
 */
PfImapState
pf_imap_session_get_state (PfImapSession *self)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), PF_IMAP_STATE_DISCONNECTED);

  return pf_imap_connection_get_state (self->connection);
}

/**
 * pf_imap_session_is_enabled:
 * @self: a #PfImapSession
 * @extension: e.g. "QRESYNC"; case-insensitive
 *
 * Returns: whether @extension was enabled with
 *   pf_imap_session_enable_async() (RFC 5161). QRESYNC enables CONDSTORE
 *   as well (RFC 7162 §3.2.3).
 */
gboolean
pf_imap_session_is_enabled (PfImapSession *self,
                            const char    *extension)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), FALSE);
  g_return_val_if_fail (extension != NULL, FALSE);

  upper = g_ascii_strup (extension, -1);
  return g_hash_table_contains (self->enabled, upper);
}

static gboolean
utf8_accepted (PfImapSession *self)
{
  return g_hash_table_contains (self->enabled, "UTF8=ACCEPT");
}

/**
 * pf_imap_session_get_selected:
 *
 * Returns: (transfer none) (nullable): the selected mailbox in UTF-8, or
 *   %NULL in the authenticated state
 */
const char *
pf_imap_session_get_selected (PfImapSession *self)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), NULL);

  return is_selected (self) ? self->selected : NULL;
}

/**
 * pf_imap_session_is_read_only:
 *
 * Returns: whether the selected mailbox is read-only (EXAMINE, or the
 *   server said READ-ONLY)
 */
gboolean
pf_imap_session_is_read_only (PfImapSession *self)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), FALSE);

  return is_selected (self) && self->read_only;
}

/**
 * pf_imap_session_get_exists:
 *
 * Returns: the number of messages in the selected mailbox, kept up to
 *   date from EXISTS, EXPUNGE and VANISHED; 0 without one
 */
guint32
pf_imap_session_get_exists (PfImapSession *self)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), 0);

  return is_selected (self) ? self->exists : 0;
}

/**
 * pf_imap_session_get_uidvalidity:
 *
 * Returns: the UIDVALIDITY of the selected mailbox, or 0
 */
guint32
pf_imap_session_get_uidvalidity (PfImapSession *self)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), 0);

  return is_selected (self) ? self->uidvalidity : 0;
}

/**
 * pf_imap_session_get_highest_modseq:
 *
 * Returns: the highest HIGHESTMODSEQ the server reported for the selected
 *   mailbox: at SELECT and in later [HIGHESTMODSEQ] response codes
 *   (RFC 7162 §3.1.2.1); 0 if none
 */
guint64
pf_imap_session_get_highest_modseq (PfImapSession *self)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), 0);

  return is_selected (self) ? self->highest_modseq : 0;
}

/**
 * pf_imap_session_is_idling:
 *
 * Returns: whether an IDLE is established: the server accepted it and
 *   DONE was not sent yet
 */
gboolean
pf_imap_session_is_idling (PfImapSession *self)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), FALSE);

  return self->idle != NULL && self->idle->idle_started && !self->idle->done_sent;
}

/**
 * pf_imap_session_set_command_timeout:
 * @self: a #PfImapSession
 * @seconds: how long a command may wait for the server; 0 for ever
 *
 * Sets the connection's command timeout (see
 * pf_imap_connection_set_command_timeout()). An established IDLE lifts it
 * and puts this value back when it ends: set the timeout here, not on the
 * connection.
 */
void
pf_imap_session_set_command_timeout (PfImapSession *self,
                                     guint          seconds)
{
  g_return_if_fail (PF_IS_IMAP_SESSION (self));

  self->command_timeout = seconds;
  if (!pf_imap_session_is_idling (self))
    pf_imap_connection_set_command_timeout (self->connection, seconds);
}

/**
 * pf_imap_session_set_literal_stream_threshold:
 * @self: a #PfImapSession
 * @bytes: bodies larger than this are handed to a fetch's
 *   #PfImapSessionChunkFunc piece by piece instead of being kept in memory
 *
 * Applies to every command of the connection. A FETCH without a chunk
 * function receives such a body as a #PfImapFetchBody with @streamed set
 * and no data; pf_imap_session_fetch_body_async() gathers the pieces.
 */
void
pf_imap_session_set_literal_stream_threshold (PfImapSession *self,
                                              guint64        bytes)
{
  g_return_if_fail (PF_IS_IMAP_SESSION (self));

  pf_imap_connection_set_literal_stream_threshold (self->connection, bytes);
}

/* Running commands */

static GTask *
op_task_new (PfImapSession        *self,
             gpointer              source_tag,
             GCancellable         *cancellable,
             GAsyncReadyCallback   callback,
             gpointer              user_data,
             Op                  **out_op)
{
  GTask *task;
  Op *op;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  op = g_new0 (Op, 1);
  op->self = self;
  op->task = task;
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);

  *out_op = op;
  return task;
}

static gboolean
op_cancelled (Op *op)
{
  return g_cancellable_is_cancelled (g_task_get_cancellable (op->task));
}

/* Keeps the first error of an untagged response that did not decode; the
 * command fails with it once it completes. */
static void
op_take_error (Op     *op,
               GError *error)
{
  if (op->error == NULL)
    op->error = error;
  else
    g_error_free (error);
}

static void
op_return_error (Op     *op,
                 GError *error)
{
  if (op->error_prefix != NULL)
    g_prefix_error (&error, "%s", op->error_prefix);
  g_task_return_error (op->task, error);
}

static void
op_return_new_error (Op         *op,
                     GQuark      domain,
                     int         code,
                     const char *format,
                     ...) G_GNUC_PRINTF (4, 5);

static void
op_return_new_error (Op         *op,
                     GQuark      domain,
                     int         code,
                     const char *format,
                     ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  op_return_error (op, g_error_new_literal (domain, code, message));
}

/* RFC 3501 §3: which commands each state allows. Nothing is sent when the
 * state is wrong. A connection that has ended is let through: it fails the
 * command with the reason it ended. */
static gboolean
op_check_state (Op         *op,
                const char *command,
                States      allowed)
{
  PfImapState state = pf_imap_connection_get_state (op->self->connection);

  switch (state)
    {
    case PF_IMAP_STATE_AUTHENTICATED:
      if ((allowed & STATES_AUTHENTICATED) != 0)
        return TRUE;
      op_return_new_error (op, PF_IMAP_ERROR, PF_IMAP_ERROR_STATE,
                           /* Translators: %s is an IMAP command such as UID FETCH. */
                           _("The IMAP command %s needs a selected folder"), command);
      return FALSE;

    case PF_IMAP_STATE_SELECTED:
      if ((allowed & STATES_SELECTED) != 0)
        return TRUE;
      op_return_new_error (op, PF_IMAP_ERROR, PF_IMAP_ERROR_STATE,
                           /* Translators: %s is an IMAP command such as ENABLE. */
                           _("The IMAP command %s is not allowed while a folder is selected"),
                           command);
      return FALSE;

    case PF_IMAP_STATE_LOGOUT:
      return TRUE;

    case PF_IMAP_STATE_DISCONNECTED:
    case PF_IMAP_STATE_NOT_AUTHENTICATED:
    default:
      op_return_new_error (op, PF_IMAP_ERROR, PF_IMAP_ERROR_STATE,
                           /* Translators: %s is an IMAP command such as SELECT. */
                           _("The IMAP command %s needs a logged-in connection"), command);
      return FALSE;
    }
}

static gboolean
op_check_capability (Op         *op,
                     const char *capability)
{
  if (pf_imap_connection_has_capability (op->self->connection, capability))
    return TRUE;

  op_return_new_error (op, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       /* Translators: %s is the name of an IMAP extension such as
                        * IDLE or UIDPLUS. */
                       _("The server does not offer the IMAP extension %s"), capability);
  return FALSE;
}

static gboolean
op_check_uids (Op         *op,
               const char *uids)
{
  g_autoptr(PfImapSequenceSet) set = NULL;

  if (uids != NULL && *uids != '\0')
    set = pf_imap_sequence_set_parse (uids, -1, NULL);

  if (set != NULL && pf_imap_sequence_set_get_n_ranges (set) > 0)
    return TRUE;

  op_return_new_error (op, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       /* Translators: %s is what was given instead, e.g. "1:5,7". */
                       _("“%s” is not a valid set of message UIDs"), uids != NULL ? uids : "");
  return FALSE;
}

static gboolean
op_add_mailbox (Op            *op,
                PfImapCommand *command,
                const char    *mailbox)
{
  GError *error = NULL;

  if (pf_imap_command_add_mailbox (command, mailbox, utf8_accepted (op->self), &error))
    return TRUE;

  op_return_error (op, error);
  return FALSE;
}

/* Queues @command; @callback gets the task with a new reference. */
static void
op_run (Op                     *op,
        PfImapCommand          *command,
        const char *const      *collect,
        PfImapUntaggedFunc      untagged_func,
        PfImapLiteralFunc       literal_func,
        PfImapContinuationFunc  continuation_func,
        GAsyncReadyCallback     callback)
{
  GCancellable *cancellable = g_task_get_cancellable (op->task);

  /* A command behind an IDLE would wait for it: end it first. */
  if (op->self->idle != NULL && op->self->idle != op)
    pf_imap_session_idle_done (op->self);

  pf_imap_connection_run_async (op->self->connection, command, collect, untagged_func,
                                literal_func, continuation_func, op, cancellable, callback,
                                g_object_ref (op->task));
}

/* The tagged reply, or %NULL after the task was failed. Untagged data that
 * did not decode fails a command that otherwise succeeded. */
static PfImapResponse *
op_finish (Op           *op,
           GAsyncResult *result)
{
  g_autoptr(PfImapResponse) response = NULL;
  GError *error = NULL;

  response = pf_imap_connection_run_finish (op->self->connection, result, &error);
  if (response == NULL)
    {
      op_return_error (op, error);
      return NULL;
    }

  note_code (op->self, response);

  if (op->error != NULL)
    {
      op_return_error (op, g_steal_pointer (&op->error));
      return NULL;
    }

  return g_steal_pointer (&response);
}

static void
boolean_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;

  response = op_finish (op, result);
  if (response != NULL)
    g_task_return_boolean (task, TRUE);
}

static gboolean
boolean_finish (PfImapSession  *self,
                GAsyncResult   *result,
                gpointer        source_tag,
                GError        **error)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Small helpers for arguments */

static gboolean
is_atom_char (guchar c)
{
  /* RFC 3501 §9: ATOM-CHAR is any CHAR except atom-specials. */
  return c > 0x20 && c < 0x7f && strchr ("(){ %*\"\\]", c) == NULL;
}

/* flag = "\" atom / keyword (RFC 3501 §9). */
static gboolean
is_valid_flag (const char *flag)
{
  const char *p = flag;

  if (*p == '\\')
    p++;
  if (*p == '\0')
    return FALSE;
  for (; *p != '\0'; p++)
    {
      if (!is_atom_char (*p))
        return FALSE;
    }
  return TRUE;
}

/* "(\Seen $Forwarded)", or %NULL with the task failed. */
static char *
op_flag_list (Op                *op,
              const char *const *flags)
{
  g_autoptr(GString) list = g_string_new ("(");

  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    {
      if (!is_valid_flag (flags[i]))
        {
          op_return_new_error (op, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not a valid IMAP flag"), flags[i]);
          return NULL;
        }
      if (i > 0)
        g_string_append_c (list, ' ');
      g_string_append (list, flags[i]);
    }
  g_string_append_c (list, ')');

  return g_string_free (g_steal_pointer (&list), FALSE);
}

/* Printable US-ASCII only: no line break can smuggle in a command. */
static gboolean
is_printable_ascii (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_ascii (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p >= 0x80)
        return FALSE;
    }
  return TRUE;
}

/* Expands a uid-set (RFC 4315 §4) in the order it was written, each range
 * from low to high; %NULL if it is malformed or uses `*`. */
static GArray *
expand_uid_set (const PfImapValue *value)
{
  g_autoptr(PfImapSequenceSet) set = NULL;
  g_autoptr(GArray) uids = NULL;
  const char *text;
  gsize length;
  guint64 count = 0;
  guint n;

  text = value != NULL ? pf_imap_value_get_string (value, &length) : NULL;
  if (text == NULL)
    return NULL;
  set = pf_imap_sequence_set_parse (text, length, NULL);
  if (set == NULL)
    return NULL;

  /* Counted as written: repeated ranges count each time. */
  n = pf_imap_sequence_set_get_n_ranges (set);
  for (guint i = 0; i < n; i++)
    {
      guint32 first;
      guint32 last;

      pf_imap_sequence_set_get_range (set, i, &first, &last);
      if (first == PF_IMAP_SEQUENCE_STAR || last == PF_IMAP_SEQUENCE_STAR)
        return NULL;
      count += (guint64) MAX (first, last) - MIN (first, last) + 1;
    }
  if (count > MAX_EXPANDED_UIDS)
    return NULL;

  uids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), (guint) count);
  for (guint i = 0; i < n; i++)
    {
      guint32 first;
      guint32 last;

      pf_imap_sequence_set_get_range (set, i, &first, &last);
      for (guint64 uid = MIN (first, last); uid <= MAX (first, last); uid++)
        {
          guint32 value32 = (guint32) uid;

          g_array_append_val (uids, value32);
        }
    }

  return g_steal_pointer (&uids);
}

/* [COPYUID uidvalidity source-uids destination-uids] (RFC 4315 §3). A
 * malformed code is only logged: the copy itself succeeded. */
static PfImapCopyUid *
parse_copy_uid (PfImapResponse *response)
{
  g_autoptr(PfImapCopyUid) copy_uid = NULL;
  const PfImapValue *args;

  if (!pf_imap_response_has_code (response, "COPYUID"))
    return NULL;

  args = pf_imap_response_get_code_args (response);
  copy_uid = g_new0 (PfImapCopyUid, 1);
  if (pf_imap_value_get_n_items (args) != 3 ||
      !read_number32 (pf_imap_value_get_item (args, 0), &copy_uid->uidvalidity) ||
      copy_uid->uidvalidity == 0 ||
      (copy_uid->source_uids = expand_uid_set (pf_imap_value_get_item (args, 1))) == NULL ||
      (copy_uid->destination_uids = expand_uid_set (pf_imap_value_get_item (args, 2))) == NULL ||
      copy_uid->source_uids->len != copy_uid->destination_uids->len)
    {
      g_debug ("Malformed COPYUID response code ignored");
      return NULL;
    }

  return g_steal_pointer (&copy_uid);
}

/* ID (RFC 2971) */

static void
id_untagged_cb (PfImapConnection *connection,
                PfImapResponse   *response,
                gpointer          user_data)
{
  Op *op = user_data;
  const PfImapValue *list = pf_imap_response_get_value (response, 0);
  guint n;

  /* RFC 2971 §3.2: "* ID NIL" or a list of field/value pairs. */
  if (list == NULL || pf_imap_value_is_nil (list))
    return;
  if (!pf_imap_value_is_list (list))
    {
      op_take_error (op, g_error_new_literal (PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                                              _("The server sent a malformed ID response")));
      return;
    }

  n = pf_imap_value_get_n_items (list);
  for (guint i = 0; i + 1 < n; i += 2)
    {
      g_autofree char *field = pf_imap_value_dup_string (pf_imap_value_get_item (list, i), NULL);
      g_autofree char *valid_field = NULL;
      g_autofree char *value = NULL;
      const PfImapValue *item = pf_imap_value_get_item (list, i + 1);

      if (field == NULL || pf_imap_value_is_nil (item))
        continue;
      value = pf_imap_value_dup_string (item, NULL);
      if (value == NULL)
        continue;

      /* Field names are US-ASCII and not case-sensitive (RFC 2971 §3.3). */
      valid_field = g_utf8_make_valid (field, -1);
      g_hash_table_replace (op->id_fields,
                            g_ascii_strdown (valid_field, -1), g_utf8_make_valid (value, -1));
    }
}

static void
id_cb (GObject      *object,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;

  response = op_finish (op, result);
  if (response != NULL)
    g_task_return_pointer (task, g_steal_pointer (&op->id_fields),
                           (GDestroyNotify) g_hash_table_unref);
}

static void
append_id_string (GString    *out,
                  const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/**
 * pf_imap_session_id_async:
 * @self: a #PfImapSession
 * @client_fields: (nullable) (element-type utf8 utf8): field/value pairs
 *   about the client, or %NULL for "name" and "version" of Postfach.
 *   Fields or values that are not printable US-ASCII, names longer than
 *   30 octets and values longer than 1024 octets are left out (RFC 2971
 *   §3.3).
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the server's answer
 * @user_data: data for @callback
 *
 * Tells the server who the client is and asks who the server is (ID,
 * RFC 2971 §3.1).
 *
 * Errors: %G_IO_ERROR_NOT_SUPPORTED if the server has no ID capability,
 * %PF_IMAP_ERROR_STATE before login, or the errors of
 * pf_imap_connection_run_finish().
 */
void
pf_imap_session_id_async (PfImapSession       *self,
                          GHashTable          *client_fields,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  g_autoptr(GString) list = NULL;
  const char *const collect[] = { "ID", NULL };
  GHashTableIter iter;
  gpointer key;
  gpointer value;
  guint n = 0;
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));

  task = op_task_new (self, pf_imap_session_id_async, cancellable, callback, user_data, &op);
  if (!op_check_state (op, "ID", STATES_ANY) || !op_check_capability (op, "ID"))
    return;

  op->id_fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  list = g_string_new ("(");
  if (client_fields == NULL)
    {
      append_id_string (list, "name");
      g_string_append_c (list, ' ');
      append_id_string (list, PACKAGE_NAME);
      g_string_append_c (list, ' ');
      append_id_string (list, "version");
      g_string_append_c (list, ' ');
      append_id_string (list, PACKAGE_VERSION);
      n = 2;
    }
  else
    {
      g_hash_table_iter_init (&iter, client_fields);
      while (g_hash_table_iter_next (&iter, &key, &value) && n < 30)
        {
          if (key == NULL || value == NULL ||
              !is_printable_ascii (key) || !is_printable_ascii (value) ||
              strlen (key) > 30 || strlen (value) > 1024)
            continue;
          if (n > 0)
            g_string_append_c (list, ' ');
          append_id_string (list, key);
          g_string_append_c (list, ' ');
          append_id_string (list, value);
          n++;
        }
    }
  g_string_append_c (list, ')');

  command = pf_imap_command_new ("ID", PF_IMAP_COMMAND_NONE);
  pf_imap_command_add_raw (command, n > 0 ? list->str : "NIL");
  op_run (op, command, collect, id_untagged_cb, NULL, NULL, id_cb);
}

/**
 * pf_imap_session_id_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type utf8 utf8): the server's fields
 *   with names in lower case ("name", "version", "vendor", …); empty if it
 *   answered NIL; %NULL on error
 */
GHashTable *
pf_imap_session_id_finish (PfImapSession  *self,
                           GAsyncResult   *result,
                           GError        **error)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ENABLE (RFC 5161) */

static void
enable_untagged_cb (PfImapConnection *connection,
                    PfImapResponse   *response,
                    gpointer          user_data)
{
  Op *op = user_data;
  guint n = pf_imap_response_get_n_values (response);

  /* RFC 5161 §3.2: "* ENABLED" followed by capability names. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = pf_imap_value_dup_string (pf_imap_response_get_value (response, i),
                                                        NULL);

      if (name != NULL && *name != '\0')
        g_ptr_array_add (op->enabled, g_ascii_strup (name, -1));
    }
}

static char **
op_take_enabled (Op *op)
{
  g_ptr_array_add (op->enabled, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&op->enabled), FALSE);
}

static void
enable_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;

  response = op_finish (op, result);
  if (response == NULL)
    return;

  for (guint i = 0; i < op->enabled->len; i++)
    {
      const char *name = g_ptr_array_index (op->enabled, i);

      g_hash_table_add (op->self->enabled, g_strdup (name));
      /* RFC 7162 §3.2.3: QRESYNC implies CONDSTORE. */
      if (g_str_equal (name, "QRESYNC"))
        g_hash_table_add (op->self->enabled, g_strdup ("CONDSTORE"));
    }

  g_task_return_pointer (task, op_take_enabled (op), (GDestroyNotify) g_strfreev);
}

/**
 * pf_imap_session_enable_async:
 * @self: a #PfImapSession without a selected mailbox
 * @extensions: (array zero-terminated=1): extensions to enable, e.g.
 *   "CONDSTORE", "QRESYNC", "UTF8=ACCEPT"
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server answered
 * @user_data: data for @callback
 *
 * Enables extensions that change how the server talks (ENABLE, RFC 5161
 * §3.1). Only those the server announces are asked for; if it has no
 * ENABLE, or none of them, nothing is sent and nothing is enabled. The
 * session remembers what was enabled: UTF8=ACCEPT (RFC 6855) makes it
 * send and read mailbox names as UTF-8, QRESYNC makes SELECT and FETCH
 * report expunged UIDs.
 *
 * Errors: %PF_IMAP_ERROR_STATE if a mailbox is selected (RFC 5161 §3.1
 * allows ENABLE only before), or the errors of
 * pf_imap_connection_run_finish().
 */
void
pf_imap_session_enable_async (PfImapSession       *self,
                              const char *const   *extensions,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  const char *const collect[] = { "ENABLED", NULL };
  gboolean any = FALSE;
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (extensions != NULL);

  task = op_task_new (self, pf_imap_session_enable_async, cancellable, callback, user_data, &op);
  if (!op_check_state (op, "ENABLE", STATES_AUTHENTICATED))
    return;

  op->enabled = g_ptr_array_new_with_free_func (g_free);
  command = pf_imap_command_new ("ENABLE", PF_IMAP_COMMAND_NONE);

  if (pf_imap_connection_has_capability (self->connection, "ENABLE"))
    {
      for (guint i = 0; extensions[i] != NULL; i++)
        {
          if (is_atom_char (extensions[i][0]) &&
              pf_imap_connection_has_capability (self->connection, extensions[i]))
            {
              pf_imap_command_add_atom (command, extensions[i]);
              any = TRUE;
            }
        }
    }

  if (!any)
    {
      g_task_return_pointer (task, op_take_enabled (op), (GDestroyNotify) g_strfreev);
      return;
    }

  op_run (op, command, collect, enable_untagged_cb, NULL, NULL, enable_cb);
}

/**
 * pf_imap_session_enable_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full) (array zero-terminated=1): the extensions the
 *   server enabled, in upper case; possibly empty; %NULL on error
 */
char **
pf_imap_session_enable_finish (PfImapSession  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* NAMESPACE (RFC 2342) */

static void
namespace_untagged_cb (PfImapConnection *connection,
                       PfImapResponse   *response,
                       gpointer          user_data)
{
  Op *op = user_data;
  GError *error = NULL;
  PfImapNamespaces *namespaces;

  namespaces = pf_imap_namespaces_new_from_response (response, utf8_accepted (op->self), &error);
  if (namespaces == NULL)
    {
      op_take_error (op, error);
      return;
    }

  g_clear_pointer (&op->namespaces, pf_imap_namespaces_free);
  op->namespaces = namespaces;
}

static void
namespace_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;

  response = op_finish (op, result);
  if (response == NULL)
    return;

  if (op->namespaces == NULL)
    {
      op_return_new_error (op, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                           _("The server did not send its namespaces"));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&op->namespaces),
                         (GDestroyNotify) pf_imap_namespaces_free);
}

/**
 * pf_imap_session_namespace_async:
 * @self: a #PfImapSession
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the namespaces
 * @user_data: data for @callback
 *
 * Asks for the personal, other users' and shared namespaces and their
 * hierarchy delimiters (NAMESPACE, RFC 2342 §5).
 *
 * Errors: %G_IO_ERROR_NOT_SUPPORTED without the NAMESPACE capability (list
 * `LIST "" ""` for the delimiter then), %PF_IMAP_ERROR_STATE before
 * login, or the errors of pf_imap_connection_run_finish().
 */
void
pf_imap_session_namespace_async (PfImapSession       *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  const char *const collect[] = { "NAMESPACE", NULL };
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));

  task = op_task_new (self, pf_imap_session_namespace_async, cancellable, callback, user_data,
                      &op);
  if (!op_check_state (op, "NAMESPACE", STATES_ANY) || !op_check_capability (op, "NAMESPACE"))
    return;

  command = pf_imap_command_new ("NAMESPACE", PF_IMAP_COMMAND_NONE);
  op_run (op, command, collect, namespace_untagged_cb, NULL, NULL, namespace_cb);
}

/**
 * pf_imap_session_namespace_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full): the namespaces, or %NULL on error
 */
PfImapNamespaces *
pf_imap_session_namespace_finish (PfImapSession  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* NOOP, CHECK */

/**
 * pf_imap_session_noop_async:
 * @self: a #PfImapSession
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server answered
 * @user_data: data for @callback
 *
 * Does nothing, which gives the server a chance to report changes of the
 * selected mailbox through the session's signals (NOOP, RFC 3501 §6.1.2),
 * and keeps the connection from being dropped as inactive.
 *
 * Errors: %PF_IMAP_ERROR_STATE before login, or the errors of
 * pf_imap_connection_run_finish().
 */
void
pf_imap_session_noop_async (PfImapSession       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));

  task = op_task_new (self, pf_imap_session_noop_async, cancellable, callback, user_data, &op);
  if (!op_check_state (op, "NOOP", STATES_ANY))
    return;

  command = pf_imap_command_new ("NOOP", PF_IMAP_COMMAND_NONE);
  op_run (op, command, NULL, NULL, NULL, NULL, boolean_cb);
}

/**
 * pf_imap_session_noop_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error, see pf_imap_session_noop_async()
 *
 * Returns: %TRUE if the server answered
 */
gboolean
pf_imap_session_noop_finish (PfImapSession  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  return boolean_finish (self, result, pf_imap_session_noop_async, error);
}

/**
 * pf_imap_session_check_async:
 * @self: a #PfImapSession with a selected mailbox
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server answered
 * @user_data: data for @callback
 *
 * Asks the server to write the selected mailbox to disk (CHECK, RFC 3501
 * §6.4.1; gone in IMAP4rev2, where servers treat it as NOOP).
 *
 * Errors: %PF_IMAP_ERROR_STATE without a selected mailbox, or the errors
 * of pf_imap_connection_run_finish().
 */
void
pf_imap_session_check_async (PfImapSession       *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));

  task = op_task_new (self, pf_imap_session_check_async, cancellable, callback, user_data, &op);
  if (!op_check_state (op, "CHECK", STATES_SELECTED))
    return;

  command = pf_imap_command_new ("CHECK", PF_IMAP_COMMAND_NONE);
  op_run (op, command, NULL, NULL, NULL, NULL, boolean_cb);
}

/**
 * pf_imap_session_check_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error, see pf_imap_session_check_async()
 *
 * Returns: %TRUE if the server answered
 */
gboolean
pf_imap_session_check_finish (PfImapSession  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  return boolean_finish (self, result, pf_imap_session_check_async, error);
}

/* LIST, LSUB (RFC 3501 §6.3.8, §6.3.9; RFC 5258, RFC 6154, RFC 5819) */

static void
list_untagged_cb (PfImapConnection *connection,
                  PfImapResponse   *response,
                  gpointer          user_data)
{
  Op *op = user_data;
  gboolean utf8 = utf8_accepted (op->self);
  GError *error = NULL;

  if (pf_imap_response_is_keyword (response, "STATUS"))
    {
      g_autoptr(PfImapMailboxStatus) status = NULL;
      PfImapListItem *item;

      /* RFC 5819 §2: the STATUS of a mailbox follows its LIST. A STATUS the
       * server sends for a mailbox it did not list is not ours. */
      status = pf_imap_mailbox_status_new_from_response (response, utf8, &error);
      if (status == NULL)
        {
          op_take_error (op, error);
          return;
        }

      item = g_hash_table_lookup (op->items_by_name, status->mailbox);
      if (item != NULL)
        {
          g_clear_pointer (&item->status, pf_imap_mailbox_status_free);
          item->status = g_steal_pointer (&status);
        }
      return;
    }
  else
    {
      PfImapListItem *item;
      PfImapListEntry *entry;

      entry = pf_imap_list_entry_new_from_response (response, utf8, &error);
      if (entry == NULL)
        {
          op_take_error (op, error);
          return;
        }

      item = g_new0 (PfImapListItem, 1);
      item->entry = entry;
      g_ptr_array_add (op->items, item);
      g_hash_table_replace (op->items_by_name, entry->name, item);
    }
}

static void
list_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;

  response = op_finish (op, result);
  if (response == NULL)
    return;

  g_clear_pointer (&op->items_by_name, g_hash_table_unref);
  g_task_return_pointer (task, g_steal_pointer (&op->items), (GDestroyNotify) g_ptr_array_unref);
}

static void
list_common (PfImapSession       *self,
             gboolean             lsub,
             const char          *reference,
             const char          *pattern,
             PfImapListFlags      flags,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  g_autoptr(GString) options = NULL;
  const char *const list_collect[] = { "LIST", "STATUS", NULL };
  const char *const lsub_collect[] = { "LSUB", NULL };
  const char *name = lsub ? "LSUB" : "LIST";
  PfImapConnection *connection = self->connection;
  Op *op;

  task = op_task_new (self, lsub ? (gpointer) pf_imap_session_lsub_async
                                 : (gpointer) pf_imap_session_list_async,
                      cancellable, callback, user_data, &op);
  if (!op_check_state (op, name, STATES_ANY))
    return;

  op->items = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_imap_list_item_free);
  op->items_by_name = g_hash_table_new (g_str_hash, g_str_equal);

  command = pf_imap_command_new (name, PF_IMAP_COMMAND_NONE);
  if (!op_add_mailbox (op, command, reference) || !op_add_mailbox (op, command, pattern))
    return;

  if (!lsub)
    {
      /* RFC 5258 §3: return options need LIST-EXTENDED, which SPECIAL-USE
       * (RFC 6154 §2) and LIST-STATUS (RFC 5819 §1) build on. */
      options = g_string_new (NULL);
      if (pf_imap_connection_has_capability (connection, "LIST-EXTENDED"))
        {
          if (pf_imap_connection_has_capability (connection, "SPECIAL-USE"))
            g_string_append (options, " SPECIAL-USE");
          g_string_append (options, " CHILDREN");
        }
      if ((flags & PF_IMAP_LIST_STATUS) != 0 &&
          pf_imap_connection_has_capability (connection, "LIST-STATUS"))
        {
          g_string_append (options, " STATUS (MESSAGES UIDNEXT UIDVALIDITY UNSEEN");
          if (pf_imap_connection_has_capability (connection, "CONDSTORE"))
            g_string_append (options, " HIGHESTMODSEQ");
          g_string_append_c (options, ')');
        }
      if (options->len > 0)
        {
          g_autofree char *text = g_strdup_printf ("RETURN (%s)", options->str + 1);

          pf_imap_command_add_raw (command, text);
        }
    }

  op_run (op, command, lsub ? lsub_collect : list_collect, list_untagged_cb, NULL, NULL, list_cb);
}

/**
 * pf_imap_session_list_async:
 * @self: a #PfImapSession
 * @reference: the reference name, usually ""
 * @pattern: the mailbox pattern in UTF-8 with the wildcards `*` and `%`,
 *   e.g. "*" for all mailboxes
 * @flags: what to return besides names and attributes
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the mailboxes
 * @user_data: data for @callback
 *
 * Lists mailboxes (LIST, RFC 3501 §6.3.8). With LIST-EXTENDED (RFC 5258)
 * the special-use attributes (RFC 6154 §2: \Sent, \Drafts, …) and
 * \HasChildren/\HasNoChildren are asked for; with %PF_IMAP_LIST_STATUS and
 * LIST-STATUS (RFC 5819) the status of each mailbox comes in the same
 * round trip.
 *
 * Errors: %PF_IMAP_ERROR_STATE before login, %PF_NET_ERROR for a pattern
 * that is not valid UTF-8, or the errors of
 * pf_imap_connection_run_finish().
 */
void
pf_imap_session_list_async (PfImapSession       *self,
                            const char          *reference,
                            const char          *pattern,
                            PfImapListFlags      flags,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (reference != NULL);
  g_return_if_fail (pattern != NULL);

  list_common (self, FALSE, reference, pattern, flags, cancellable, callback, user_data);
}

/**
 * pf_imap_session_list_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type PfImapListItem): the mailboxes
 *   in the server's order, or %NULL on error
 */
GPtrArray *
pf_imap_session_list_finish (PfImapSession  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * pf_imap_session_lsub_async:
 * @self: a #PfImapSession
 * @reference: the reference name, usually ""
 * @pattern: the mailbox pattern in UTF-8, e.g. "*"
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the subscribed mailboxes
 * @user_data: data for @callback
 *
 * Lists the subscribed mailboxes (LSUB, RFC 3501 §6.3.9). The items have
 * no status.
 *
 * Errors: as pf_imap_session_list_async().
 */
void
pf_imap_session_lsub_async (PfImapSession       *self,
                            const char          *reference,
                            const char          *pattern,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (reference != NULL);
  g_return_if_fail (pattern != NULL);

  list_common (self, TRUE, reference, pattern, PF_IMAP_LIST_NONE, cancellable, callback,
               user_data);
}

/**
 * pf_imap_session_lsub_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type PfImapListItem): the subscribed
 *   mailboxes, or %NULL on error
 */
GPtrArray *
pf_imap_session_lsub_finish (PfImapSession  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* SUBSCRIBE, UNSUBSCRIBE, CREATE, RENAME, DELETE */

/* The commands with mailbox arguments and nothing to return. */
static void
mailbox_command (PfImapSession       *self,
                 gpointer             source_tag,
                 const char          *name,
                 const char          *mailbox,
                 const char          *new_name,
                 const char          *raw,
                 char                *error_prefix,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  Op *op;

  task = op_task_new (self, source_tag, cancellable, callback, user_data, &op);
  op->error_prefix = error_prefix;
  if (!op_check_state (op, name, STATES_ANY))
    return;

  command = pf_imap_command_new (name, PF_IMAP_COMMAND_NONE);
  if (!op_add_mailbox (op, command, mailbox))
    return;
  if (new_name != NULL && !op_add_mailbox (op, command, new_name))
    return;
  if (raw != NULL)
    pf_imap_command_add_raw (command, raw);

  op_run (op, command, NULL, NULL, NULL, NULL, boolean_cb);
}

/**
 * pf_imap_session_subscribe_async:
 * @self: a #PfImapSession
 * @mailbox: the mailbox in UTF-8
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server answered
 * @user_data: data for @callback
 *
 * Adds @mailbox to the subscriptions (SUBSCRIBE, RFC 3501 §6.3.6).
 *
 * Errors: %PF_IMAP_ERROR_STATE before login, or the errors of
 * pf_imap_connection_run_finish(), with the folder named in the message.
 */
void
pf_imap_session_subscribe_async (PfImapSession       *self,
                                 const char          *mailbox,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (mailbox != NULL);

  mailbox_command (self, pf_imap_session_subscribe_async, "SUBSCRIBE", mailbox, NULL, NULL,
                   /* Translators: %s is a folder name; the reason follows the colon. */
                   g_strdup_printf (_("Cannot subscribe to the folder “%s”: "), mailbox),
                   cancellable, callback, user_data);
}

/**
 * pf_imap_session_subscribe_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error, see pf_imap_session_subscribe_async()
 *
 * Returns: %TRUE if the mailbox is subscribed
 */
gboolean
pf_imap_session_subscribe_finish (PfImapSession  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  return boolean_finish (self, result, pf_imap_session_subscribe_async, error);
}

/**
 * pf_imap_session_unsubscribe_async:
 * @self: a #PfImapSession
 * @mailbox: the mailbox in UTF-8
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server answered
 * @user_data: data for @callback
 *
 * Removes @mailbox from the subscriptions (UNSUBSCRIBE, RFC 3501 §6.3.7).
 *
 * Errors: as pf_imap_session_subscribe_async().
 */
void
pf_imap_session_unsubscribe_async (PfImapSession       *self,
                                   const char          *mailbox,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (mailbox != NULL);

  mailbox_command (self, pf_imap_session_unsubscribe_async, "UNSUBSCRIBE", mailbox, NULL, NULL,
                   /* Translators: %s is a folder name; the reason follows the colon. */
                   g_strdup_printf (_("Cannot unsubscribe from the folder “%s”: "), mailbox),
                   cancellable, callback, user_data);
}

/**
 * pf_imap_session_unsubscribe_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error, see pf_imap_session_unsubscribe_async()
 *
 * Returns: %TRUE if the mailbox is no longer subscribed
 */
gboolean
pf_imap_session_unsubscribe_finish (PfImapSession  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return boolean_finish (self, result, pf_imap_session_unsubscribe_async, error);
}

static const struct
{
  PfImapMailboxAttributes  attribute;
  const char              *name;
} special_uses[] = {
  { PF_IMAP_MAILBOX_ALL, "\\All" },
  { PF_IMAP_MAILBOX_ARCHIVE, "\\Archive" },
  { PF_IMAP_MAILBOX_DRAFTS, "\\Drafts" },
  { PF_IMAP_MAILBOX_FLAGGED, "\\Flagged" },
  { PF_IMAP_MAILBOX_JUNK, "\\Junk" },
  { PF_IMAP_MAILBOX_SENT, "\\Sent" },
  { PF_IMAP_MAILBOX_TRASH, "\\Trash" },
  { PF_IMAP_MAILBOX_IMPORTANT, "\\Important" },
};

/**
 * pf_imap_session_create_async:
 * @self: a #PfImapSession
 * @mailbox: the new mailbox in UTF-8, with the server's hierarchy
 *   delimiter between levels
 * @special_use: special-use attributes for it (%PF_IMAP_MAILBOX_SENT, …),
 *   or 0. They are sent only if the server offers CREATE-SPECIAL-USE
 *   (RFC 6154 §3) and are dropped otherwise: check the capability first
 *   if it matters.
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server answered
 * @user_data: data for @callback
 *
 * Creates a mailbox (CREATE, RFC 3501 §6.3.3). Names are sent in modified
 * UTF-7 (RFC 3501 §5.1.3), or as UTF-8 after UTF8=ACCEPT.
 *
 * Errors: %PF_IMAP_ERROR_NO with the server's text and response code
 * (ALREADYEXISTS, RFC 5530) if it exists, %PF_IMAP_ERROR_STATE before
 * login, or the errors of pf_imap_connection_run_finish(); the folder is
 * named in the message.
 */
void
pf_imap_session_create_async (PfImapSession           *self,
                              const char              *mailbox,
                              PfImapMailboxAttributes  special_use,
                              GCancellable            *cancellable,
                              GAsyncReadyCallback      callback,
                              gpointer                 user_data)
{
  g_autoptr(GString) use = NULL;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (mailbox != NULL);

  if (special_use != 0 &&
      pf_imap_connection_has_capability (self->connection, "CREATE-SPECIAL-USE"))
    {
      use = g_string_new (NULL);
      for (guint i = 0; i < G_N_ELEMENTS (special_uses); i++)
        {
          if ((special_use & special_uses[i].attribute) != 0)
            g_string_append_printf (use, "%s%s", use->len > 0 ? " " : "(USE (",
                                    special_uses[i].name);
        }
      if (use->len > 0)
        g_string_append (use, "))");
    }

  mailbox_command (self, pf_imap_session_create_async, "CREATE", mailbox, NULL,
                   use != NULL && use->len > 0 ? use->str : NULL,
                   /* Translators: %s is a folder name; the reason follows the colon. */
                   g_strdup_printf (_("Cannot create the folder “%s”: "), mailbox),
                   cancellable, callback, user_data);
}

/**
 * pf_imap_session_create_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error, see pf_imap_session_create_async()
 *
 * Returns: %TRUE if the mailbox was created
 */
gboolean
pf_imap_session_create_finish (PfImapSession  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  return boolean_finish (self, result, pf_imap_session_create_async, error);
}

/**
 * pf_imap_session_rename_async:
 * @self: a #PfImapSession
 * @mailbox: the mailbox in UTF-8
 * @new_name: its new name in UTF-8
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server answered
 * @user_data: data for @callback
 *
 * Renames a mailbox and its children (RENAME, RFC 3501 §6.3.5). Renaming
 * INBOX moves its messages into a new mailbox and leaves INBOX empty.
 *
 * Errors: as pf_imap_session_create_async().
 */
void
pf_imap_session_rename_async (PfImapSession       *self,
                              const char          *mailbox,
                              const char          *new_name,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (mailbox != NULL);
  g_return_if_fail (new_name != NULL);

  mailbox_command (self, pf_imap_session_rename_async, "RENAME", mailbox, new_name, NULL,
                   /* Translators: the first %s is the folder's name, the second its
                    * new name; the reason follows the colon. */
                   g_strdup_printf (_("Cannot rename the folder “%s” to “%s”: "),
                                    mailbox, new_name),
                   cancellable, callback, user_data);
}

/**
 * pf_imap_session_rename_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error, see pf_imap_session_rename_async()
 *
 * Returns: %TRUE if the mailbox was renamed
 */
gboolean
pf_imap_session_rename_finish (PfImapSession  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  return boolean_finish (self, result, pf_imap_session_rename_async, error);
}

/**
 * pf_imap_session_delete_async:
 * @self: a #PfImapSession
 * @mailbox: the mailbox in UTF-8
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server answered
 * @user_data: data for @callback
 *
 * Deletes a mailbox and its messages (DELETE, RFC 3501 §6.3.4). Its
 * children stay.
 *
 * Errors: as pf_imap_session_create_async(); NONEXISTENT (RFC 5530) if
 * there is no such mailbox.
 */
void
pf_imap_session_delete_async (PfImapSession       *self,
                              const char          *mailbox,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (mailbox != NULL);

  mailbox_command (self, pf_imap_session_delete_async, "DELETE", mailbox, NULL, NULL,
                   /* Translators: %s is a folder name; the reason follows the colon. */
                   g_strdup_printf (_("Cannot delete the folder “%s”: "), mailbox),
                   cancellable, callback, user_data);
}

/**
 * pf_imap_session_delete_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error, see pf_imap_session_delete_async()
 *
 * Returns: %TRUE if the mailbox was deleted
 */
gboolean
pf_imap_session_delete_finish (PfImapSession  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  return boolean_finish (self, result, pf_imap_session_delete_async, error);
}

/* STATUS (RFC 3501 §6.3.10) */

static void
status_untagged_cb (PfImapConnection *connection,
                    PfImapResponse   *response,
                    gpointer          user_data)
{
  Op *op = user_data;
  GError *error = NULL;
  PfImapMailboxStatus *status;

  status = pf_imap_mailbox_status_new_from_response (response, utf8_accepted (op->self), &error);
  if (status == NULL)
    {
      op_take_error (op, error);
      return;
    }

  g_clear_pointer (&op->status, pf_imap_mailbox_status_free);
  op->status = status;
}

static void
status_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;

  response = op_finish (op, result);
  if (response == NULL)
    return;

  if (op->status == NULL)
    {
      op_return_new_error (op, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                           _("The server did not send the status of the folder"));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&op->status),
                         (GDestroyNotify) pf_imap_mailbox_status_free);
}

/**
 * pf_imap_session_status_async:
 * @self: a #PfImapSession
 * @mailbox: the mailbox in UTF-8
 * @items: what to ask for; HIGHESTMODSEQ is dropped without CONDSTORE,
 *   SIZE without STATUS=SIZE (RFC 8438) and DELETED without IMAP4rev2
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the status
 * @user_data: data for @callback
 *
 * Asks for the status of a mailbox without selecting it (STATUS, RFC 3501
 * §6.3.10). RFC 3501 advises against asking for the selected mailbox: its
 * numbers come with the session's signals.
 *
 * Errors: %PF_IMAP_ERROR_NO if there is no such mailbox,
 * %PF_IMAP_ERROR_STATE before login, or the errors of
 * pf_imap_connection_run_finish(); the folder is named in the message.
 */
void
pf_imap_session_status_async (PfImapSession       *self,
                              const char          *mailbox,
                              PfImapStatusFields   items,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  g_autoptr(GString) list = NULL;
  const char *const collect[] = { "STATUS", NULL };
  PfImapConnection *connection = self->connection;
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (mailbox != NULL);
  g_return_if_fail (items != 0);

  task = op_task_new (self, pf_imap_session_status_async, cancellable, callback, user_data, &op);
  /* Translators: %s is a folder name; the reason follows the colon. */
  op->error_prefix = g_strdup_printf (_("Cannot get the status of the folder “%s”: "), mailbox);
  if (!op_check_state (op, "STATUS", STATES_ANY))
    return;

  list = g_string_new (NULL);
  if ((items & PF_IMAP_STATUS_MESSAGES) != 0)
    g_string_append (list, " MESSAGES");
  if ((items & PF_IMAP_STATUS_RECENT) != 0)
    g_string_append (list, " RECENT");
  if ((items & PF_IMAP_STATUS_UIDNEXT) != 0)
    g_string_append (list, " UIDNEXT");
  if ((items & PF_IMAP_STATUS_UIDVALIDITY) != 0)
    g_string_append (list, " UIDVALIDITY");
  if ((items & PF_IMAP_STATUS_UNSEEN) != 0)
    g_string_append (list, " UNSEEN");
  if ((items & PF_IMAP_STATUS_HIGHESTMODSEQ) != 0 &&
      pf_imap_connection_has_capability (connection, "CONDSTORE"))
    g_string_append (list, " HIGHESTMODSEQ");
  if ((items & PF_IMAP_STATUS_SIZE) != 0 &&
      pf_imap_connection_has_capability (connection, "STATUS=SIZE"))
    g_string_append (list, " SIZE");
  if ((items & PF_IMAP_STATUS_DELETED) != 0 &&
      pf_imap_connection_has_capability (connection, "IMAP4rev2"))
    g_string_append (list, " DELETED");
  if (list->len == 0)
    g_string_append (list, " MESSAGES");
  list->str[0] = '(';
  g_string_append_c (list, ')');

  command = pf_imap_command_new ("STATUS", PF_IMAP_COMMAND_NONE);
  if (!op_add_mailbox (op, command, mailbox))
    return;
  pf_imap_command_add_raw (command, list->str);
  op_run (op, command, collect, status_untagged_cb, NULL, NULL, status_cb);
}

/**
 * pf_imap_session_status_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full): the status; its @fields tell which items the
 *   server sent. %NULL on error.
 */
PfImapMailboxStatus *
pf_imap_session_status_finish (PfImapSession  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* APPEND (RFC 3501 §6.3.11, RFC 4315 §3) */

typedef struct
{
  guint32 uidvalidity;
  guint32 uid;
} AppendUid;

static void
append_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;
  AppendUid *append_uid;

  response = op_finish (op, result);
  if (response == NULL)
    return;

  /* [APPENDUID uidvalidity uid]; a set of UIDs only with MULTIAPPEND. */
  append_uid = g_new0 (AppendUid, 1);
  if (pf_imap_response_has_code (response, "APPENDUID"))
    {
      const PfImapValue *args = pf_imap_response_get_code_args (response);

      if (pf_imap_value_get_n_items (args) != 2 ||
          !read_number32 (pf_imap_value_get_item (args, 0), &append_uid->uidvalidity) ||
          !read_number32 (pf_imap_value_get_item (args, 1), &append_uid->uid))
        {
          g_debug ("Malformed APPENDUID response code ignored");
          append_uid->uidvalidity = append_uid->uid = 0;
        }
    }

  g_task_return_pointer (task, append_uid, g_free);
}

static char *
format_internal_date (GDateTime *date)
{
  static const char *const months[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
  };
  gint64 offset = g_date_time_get_utc_offset (date) / G_TIME_SPAN_MINUTE;
  char sign = offset < 0 ? '-' : '+';

  offset = ABS (offset);

  /* RFC 3501 §9 date-time: "dd-Mon-yyyy hh:mm:ss +zzzz", day padded with a
   * space, English month names whatever the locale. */
  return g_strdup_printf ("\"%2d-%s-%04d %02d:%02d:%02d %c%02d%02d\"",
                          g_date_time_get_day_of_month (date),
                          months[g_date_time_get_month (date) - 1],
                          g_date_time_get_year (date),
                          g_date_time_get_hour (date),
                          g_date_time_get_minute (date),
                          g_date_time_get_second (date),
                          sign, (int) (offset / 60), (int) (offset % 60));
}

/**
 * pf_imap_session_append_async:
 * @self: a #PfImapSession
 * @mailbox: the mailbox in UTF-8
 * @flags: (nullable) (array zero-terminated=1): flags for the message,
 *   e.g. "\\Seen"
 * @internal_date: (nullable): the INTERNALDATE for the message, or %NULL
 *   for the time of arrival
 * @message: the complete message (RFC 5322), with CRLF line ends
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the message is stored
 * @user_data: data for @callback
 *
 * Stores a message in a mailbox (APPEND, RFC 3501 §6.3.11), e.g. a sent
 * message in Sent or a draft. The message goes out as a literal, without
 * waiting for the server's go-ahead if it offers LITERAL+ (RFC 7888).
 *
 * Errors: %PF_IMAP_ERROR_NO with the response code TRYCREATE if the
 * mailbox does not exist (RFC 3501 §6.3.11), %G_IO_ERROR_INVALID_ARGUMENT
 * for a malformed flag, %PF_IMAP_ERROR_STATE before login, or the errors
 * of pf_imap_connection_run_finish(); the folder is named in the message.
 */
void
pf_imap_session_append_async (PfImapSession       *self,
                              const char          *mailbox,
                              const char *const   *flags,
                              GDateTime           *internal_date,
                              GBytes              *message,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  g_autofree char *flag_list = NULL;
  g_autofree char *date = NULL;
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (mailbox != NULL);
  g_return_if_fail (message != NULL);

  task = op_task_new (self, pf_imap_session_append_async, cancellable, callback, user_data, &op);
  /* Translators: %s is a folder name; the reason follows the colon. */
  op->error_prefix = g_strdup_printf (_("Cannot save the message in the folder “%s”: "), mailbox);
  if (!op_check_state (op, "APPEND", STATES_ANY))
    return;

  command = pf_imap_command_new ("APPEND", PF_IMAP_COMMAND_NONE);
  if (!op_add_mailbox (op, command, mailbox))
    return;

  if (flags != NULL && flags[0] != NULL)
    {
      flag_list = op_flag_list (op, flags);
      if (flag_list == NULL)
        return;
      pf_imap_command_add_raw (command, flag_list);
    }

  if (internal_date != NULL)
    {
      date = format_internal_date (internal_date);
      pf_imap_command_add_raw (command, date);
    }

  pf_imap_command_add_literal (command, message);
  op_run (op, command, NULL, NULL, NULL, NULL, append_cb);
}

/**
 * pf_imap_session_append_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @uidvalidity: (out) (optional): the UIDVALIDITY of the mailbox, or 0
 *   if the server has no UIDPLUS (RFC 4315 §3)
 * @uid: (out) (optional): the UID of the stored message, or 0 if unknown
 * @error: return location for an error
 *
 * Returns: %TRUE if the message was stored
 */
gboolean
pf_imap_session_append_finish (PfImapSession  *self,
                               GAsyncResult   *result,
                               guint32        *uidvalidity,
                               guint32        *uid,
                               GError        **error)
{
  g_autofree AppendUid *append_uid = NULL;

  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  append_uid = g_task_propagate_pointer (G_TASK (result), error);
  if (uidvalidity != NULL)
    *uidvalidity = append_uid != NULL ? append_uid->uidvalidity : 0;
  if (uid != NULL)
    *uid = append_uid != NULL ? append_uid->uid : 0;

  return append_uid != NULL;
}

/* SELECT, EXAMINE (RFC 3501 §6.3.1, §6.3.2; RFC 7162 §3.1.8, §3.2.5) */

static void
deliver_vanished (Op             *op,
                  PfImapResponse *response)
{
  g_autoptr(PfImapVanished) vanished = NULL;
  GError *error = NULL;

  vanished = pf_imap_vanished_new_from_response (response, &error);
  if (vanished == NULL)
    {
      op_take_error (op, error);
      return;
    }

  /* Without EARLIER it is news about the mailbox, not an answer. */
  if (!vanished->earlier)
    {
      emit_vanished (op->self, vanished);
      return;
    }

  if (op->vanished_func != NULL && !op_cancelled (op))
    op->vanished_func (op->self, vanished->uids, TRUE, op->func_data);
}

static void
deliver_fetch (Op             *op,
               PfImapResponse *response)
{
  g_autoptr(PfImapFetch) fetch = NULL;
  GError *error = NULL;

  fetch = pf_imap_fetch_new_from_response (response, &error);
  if (fetch == NULL)
    {
      op_take_error (op, error);
      return;
    }

  /* RFC 3501 §6.4.8: every answer to a UID command carries the UID; a
   * FETCH without one is a flag change of another client. */
  if ((fetch->fields & PF_IMAP_FETCH_UID) == 0)
    {
      g_signal_emit (op->self, signals [FETCH], 0, fetch);
      return;
    }

  if (op->fetch_func != NULL && !op_cancelled (op))
    op->fetch_func (op->self, g_steal_pointer (&fetch), op->func_data);
}

static void
select_note_code (Op             *op,
                  PfImapResponse *response)
{
  PfImapSelectResult *select = op->select;
  const PfImapValue *args = pf_imap_response_get_code_args (response);
  const PfImapValue *first = pf_imap_value_get_item (args, 0);
  const char *code = pf_imap_response_get_code (response);

  if (code == NULL)
    return;

  /* RFC 3501 §7.1 and RFC 7162 §3.1.2 response codes. */
  if (g_ascii_strcasecmp (code, "UIDVALIDITY") == 0)
    read_number32 (first, &select->uidvalidity);
  else if (g_ascii_strcasecmp (code, "UIDNEXT") == 0)
    read_number32 (first, &select->uidnext);
  else if (g_ascii_strcasecmp (code, "UNSEEN") == 0)
    read_number32 (first, &select->first_unseen);
  else if (g_ascii_strcasecmp (code, "HIGHESTMODSEQ") == 0)
    pf_imap_value_to_number (first, &select->highestmodseq);
  else if (g_ascii_strcasecmp (code, "NOMODSEQ") == 0)
    select->nomodseq = TRUE;
  else if (g_ascii_strcasecmp (code, "READ-ONLY") == 0)
    select->read_only = TRUE;
  else if (g_ascii_strcasecmp (code, "READ-WRITE") == 0)
    select->read_only = FALSE;
  else if (g_ascii_strcasecmp (code, "PERMANENTFLAGS") == 0 && first != NULL &&
           pf_imap_value_is_list (first))
    {
      g_strfreev (select->permanent_flags);
      select->permanent_flags = pf_imap_value_dup_strv (first);
    }
}

static void
select_reset (PfImapSelectResult *select)
{
  gboolean read_only = select->read_only;
  gboolean qresync = select->qresync;
  char *mailbox = g_steal_pointer (&select->mailbox);

  g_strfreev (select->flags);
  g_strfreev (select->permanent_flags);
  memset (select, 0, sizeof *select);
  select->mailbox = mailbox;
  select->read_only = read_only;
  select->qresync = qresync;
}

static void
select_untagged_cb (PfImapConnection *connection,
                    PfImapResponse   *response,
                    gpointer          user_data)
{
  Op *op = user_data;
  PfImapSelectResult *select = op->select;
  guint64 number = pf_imap_response_get_number (response);

  /* RFC 7162 §3.2.11: with QRESYNC, everything before [CLOSED] is about
   * the mailbox that was selected before. */
  if (op->before_closed)
    {
      if (pf_imap_response_has_code (response, "CLOSED"))
        {
          op->before_closed = FALSE;
          select_reset (select);
        }
      else if (pf_imap_response_is_keyword (response, "FETCH") ||
               pf_imap_response_is_keyword (response, "VANISHED") ||
               pf_imap_response_is_keyword (response, "EXPUNGE"))
        g_debug ("Ignoring %s for the previously selected mailbox",
                 pf_imap_response_get_keyword (response));
      return;
    }

  switch (pf_imap_response_get_status (response))
    {
    case PF_IMAP_RESPONSE_STATUS_OK:
      select_note_code (op, response);
      return;

    case PF_IMAP_RESPONSE_STATUS_NO:
    case PF_IMAP_RESPONSE_STATUS_BAD:
      g_debug ("Server warning during SELECT: %s", pf_imap_response_get_text (response, NULL));
      return;

    case PF_IMAP_RESPONSE_STATUS_NONE:
    case PF_IMAP_RESPONSE_STATUS_PREAUTH:
    case PF_IMAP_RESPONSE_STATUS_BYE:
    default:
      break;
    }

  if (pf_imap_response_is_keyword (response, "FLAGS"))
    {
      const PfImapValue *flags = pf_imap_response_get_value (response, 0);

      if (flags != NULL && pf_imap_value_is_list (flags))
        {
          g_strfreev (select->flags);
          select->flags = pf_imap_value_dup_strv (flags);
        }
    }
  else if (pf_imap_response_is_keyword (response, "EXISTS") && number <= G_MAXUINT32)
    select->exists = (guint32) number;
  else if (pf_imap_response_is_keyword (response, "RECENT") && number <= G_MAXUINT32)
    select->recent = (guint32) number;
  else if (pf_imap_response_is_keyword (response, "EXPUNGE") && select->exists > 0)
    select->exists--;
  else if (pf_imap_response_is_keyword (response, "VANISHED"))
    deliver_vanished (op, response);
  else if (pf_imap_response_is_keyword (response, "FETCH"))
    deliver_fetch (op, response);
}

static void
clear_selected (PfImapSession *self)
{
  g_clear_pointer (&self->selected, g_free);
  self->exists = 0;
  self->uidvalidity = 0;
  self->highest_modseq = 0;
  self->read_only = FALSE;
  pf_imap_connection_set_state (self->connection, PF_IMAP_STATE_AUTHENTICATED);
}

static void
select_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  PfImapSession *self = op->self;
  PfImapSelectResult *select = op->select;
  g_autoptr(PfImapResponse) response = NULL;
  GError *error = NULL;

  response = pf_imap_connection_run_finish (self->connection, result, &error);
  if (response == NULL)
    {
      /* RFC 3501 §6.3.1: after a failed SELECT no mailbox is selected. */
      clear_selected (self);
      op_return_error (op, error);
      return;
    }

  select_note_code (op, response);
  if (select->flags == NULL)
    select->flags = g_new0 (char *, 1);
  if (select->permanent_flags == NULL)
    select->permanent_flags = g_new0 (char *, 1);

  clear_selected (self);
  self->selected = g_strdup (select->mailbox);
  self->exists = select->exists;
  self->uidvalidity = select->uidvalidity;
  self->highest_modseq = select->highestmodseq;
  self->read_only = select->read_only;
  pf_imap_connection_set_state (self->connection, PF_IMAP_STATE_SELECTED);

  if (op->error != NULL)
    {
      op_return_error (op, g_steal_pointer (&op->error));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&op->select),
                         (GDestroyNotify) pf_imap_select_result_free);
}

/**
 * pf_imap_session_select_async:
 * @self: a #PfImapSession
 * @mailbox: the mailbox in UTF-8
 * @flags: %PF_IMAP_SELECT_READ_ONLY for EXAMINE
 * @qresync: (nullable): what the client's cache knows, for a quick
 *   resynchronisation; used only when QRESYNC is enabled (see
 *   pf_imap_session_enable_async()), with CONDSTORE in its place otherwise
 * @fetch_func: (nullable): receives, with @qresync, the flags
 *   and MODSEQ of each message that changed since @qresync's modseq
 * @vanished_func: (nullable): receives, with @qresync, the
 *   UIDs expunged since then (VANISHED (EARLIER))
 * @func_data: data for the two functions; must live until @callback
 * @cancellable: (nullable): a #GCancellable; the functions are not called
 *   any more once it is cancelled, but the SELECT is not taken back
 * @callback: called when the mailbox is selected
 * @user_data: data for @callback
 *
 * Selects a mailbox (SELECT or EXAMINE, RFC 3501 §6.3.1, §6.3.2). When the
 * server offers CONDSTORE, `(CONDSTORE)` makes it report HIGHESTMODSEQ
 * (RFC 7162 §3.1.8); with QRESYNC enabled and @qresync given,
 * `(QRESYNC (uidvalidity modseq [known-uids]))` makes it report what
 * changed meanwhile, streamed to the functions while the SELECT runs
 * (RFC 7162 §3.2.5). If the UIDVALIDITY differs, nothing is reported and
 * the cache is void.
 *
 * Success leaves the session in %PF_IMAP_STATE_SELECTED. Failure leaves
 * no mailbox selected (%PF_IMAP_STATE_AUTHENTICATED), even if one was
 * before (RFC 3501 §6.3.1).
 *
 * Errors: %PF_IMAP_ERROR_NO with the server's text if the mailbox does not
 * exist or cannot be selected, %PF_IMAP_ERROR_STATE before login,
 * %PF_IMAP_ERROR_PROTOCOL if a changed message could not be decoded (the
 * mailbox is selected nevertheless), or the errors of
 * pf_imap_connection_run_finish(); the folder is named in the message.
 */
void
pf_imap_session_select_async (PfImapSession             *self,
                              const char                *mailbox,
                              PfImapSelectFlags          flags,
                              const PfImapQresync       *qresync,
                              PfImapSessionFetchFunc     fetch_func,
                              PfImapSessionVanishedFunc  vanished_func,
                              gpointer                   func_data,
                              GCancellable              *cancellable,
                              GAsyncReadyCallback        callback,
                              gpointer                   user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  const char *const collect[] = { "OK", "NO", "BAD", "FLAGS", "EXISTS", "RECENT", "EXPUNGE",
                                  "VANISHED", "FETCH", NULL };
  gboolean read_only = (flags & PF_IMAP_SELECT_READ_ONLY) != 0;
  const char *name = read_only ? "EXAMINE" : "SELECT";
  gboolean use_qresync;
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (mailbox != NULL);

  task = op_task_new (self, pf_imap_session_select_async, cancellable, callback, user_data, &op);
  /* Translators: %s is a folder name; the reason follows the colon. */
  op->error_prefix = g_strdup_printf (_("Cannot open the folder “%s”: "), mailbox);
  if (!op_check_state (op, name, STATES_ANY))
    return;

  use_qresync = qresync != NULL && qresync->uidvalidity != 0 && qresync->modseq != 0 &&
                pf_imap_session_is_enabled (self, "QRESYNC");
  if (use_qresync && qresync->known_uids != NULL && !op_check_uids (op, qresync->known_uids))
    return;

  op->mailbox = g_strdup (mailbox);
  op->fetch_func = fetch_func;
  op->vanished_func = vanished_func;
  op->func_data = func_data;
  op->select = g_new0 (PfImapSelectResult, 1);
  op->select->mailbox = g_strdup (mailbox);
  op->select->read_only = read_only;
  op->select->qresync = use_qresync;
  op->was_selected = is_selected (self);
  op->before_closed = op->was_selected && pf_imap_session_is_enabled (self, "QRESYNC");

  /* SELECT changes the state: nothing may be in flight with it. */
  command = pf_imap_command_new (name, PF_IMAP_COMMAND_BARRIER);
  if (!op_add_mailbox (op, command, mailbox))
    return;

  if (use_qresync)
    {
      g_autofree char *parameters = NULL;

      parameters = g_strdup_printf ("(QRESYNC (%u %" G_GUINT64_FORMAT "%s%s))",
                                    qresync->uidvalidity, qresync->modseq,
                                    qresync->known_uids != NULL ? " " : "",
                                    qresync->known_uids != NULL ? qresync->known_uids : "");
      pf_imap_command_add_raw (command, parameters);
    }
  else if (pf_imap_connection_has_capability (self->connection, "CONDSTORE"))
    pf_imap_command_add_raw (command, "(CONDSTORE)");

  op_run (op, command, collect, select_untagged_cb, NULL, NULL, select_cb);
}

/**
 * pf_imap_session_select_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full): what the server reported about the mailbox,
 *   or %NULL on error
 */
PfImapSelectResult *
pf_imap_session_select_finish (PfImapSession  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* UID FETCH (RFC 3501 §6.4.5, §6.4.8; RFC 7162 §3.1.4, §3.2.6) */

static void
fetch_untagged_cb (PfImapConnection *connection,
                   PfImapResponse   *response,
                   gpointer          user_data)
{
  Op *op = user_data;

  if (pf_imap_response_is_keyword (response, "VANISHED"))
    deliver_vanished (op, response);
  else
    deliver_fetch (op, response);
}

static void
fetch_literal_cb (PfImapConnection         *connection,
                  const PfImapLiteralChunk *chunk,
                  gpointer                  user_data)
{
  Op *op = user_data;

  if (op->chunk_func != NULL && !op_cancelled (op))
    op->chunk_func (op->self, chunk, op->func_data);
}

static char *
build_fetch_items (PfImapSession     *self,
                   PfImapFetchFields  fields,
                   const char        *extra_items)
{
  GString *items = g_string_new ("(UID");

  if ((fields & PF_IMAP_FETCH_FLAGS) != 0)
    g_string_append (items, " FLAGS");
  if ((fields & PF_IMAP_FETCH_INTERNALDATE) != 0)
    g_string_append (items, " INTERNALDATE");
  if ((fields & PF_IMAP_FETCH_RFC822_SIZE) != 0)
    g_string_append (items, " RFC822.SIZE");
  if ((fields & PF_IMAP_FETCH_MODSEQ) != 0 &&
      pf_imap_connection_has_capability (self->connection, "CONDSTORE"))
    g_string_append (items, " MODSEQ");
  if ((fields & PF_IMAP_FETCH_ENVELOPE) != 0)
    g_string_append (items, " ENVELOPE");
  if ((fields & PF_IMAP_FETCH_BODYSTRUCTURE) != 0)
    g_string_append (items, " BODYSTRUCTURE");
  if (extra_items != NULL && *extra_items != '\0')
    g_string_append_printf (items, " %s", extra_items);
  g_string_append_c (items, ')');

  return g_string_free (items, FALSE);
}

/**
 * pf_imap_session_fetch_async:
 * @self: a #PfImapSession with a selected mailbox
 * @uids: the UIDs as a UID set, e.g. "1:*" or "4,7:9" (split long sets
 *   with pf_imap_sequence_set_to_strings(): servers limit the line length,
 *   RFC 7162 §4)
 * @fields: the items to fetch (%PF_IMAP_SESSION_FETCH_HEADERS,
 *   %PF_IMAP_SESSION_FETCH_FLAGS, …); UID is always fetched, MODSEQ only
 *   if the server has CONDSTORE
 * @extra_items: (nullable): more FETCH items as IMAP text, e.g.
 *   "BODY.PEEK[HEADER.FIELDS (REFERENCES LIST-ID)]" or "BODY.PEEK[]";
 *   printable US-ASCII
 * @changed_since: if not 0, only messages whose MODSEQ is higher
 *   (CHANGEDSINCE, RFC 7162 §3.1.4); with QRESYNC enabled and a
 *   @vanished_func the UIDs expunged since then are reported too (the
 *   VANISHED modifier, RFC 7162 §3.2.6)
 * @fetch_func: (nullable): receives each message as it is
 *   parsed; a flag change of another message that arrives meanwhile may
 *   come this way too
 * @vanished_func: (nullable): receives VANISHED (EARLIER)
 * @chunk_func: (nullable): receives bodies above the literal
 *   stream threshold piece by piece (see
 *   pf_imap_session_set_literal_stream_threshold()); their
 *   #PfImapFetchBody then has no data
 * @func_data: data for the functions; must live until @callback
 * @cancellable: (nullable): a #GCancellable; once cancelled the functions
 *   are not called any more (the server still sends the data)
 * @callback: called after the last message
 * @user_data: data for @callback
 *
 * Fetches message data by UID (UID FETCH, RFC 3501 §6.4.8), streaming:
 * memory does not grow with the number of messages. Fetch bodies with
 * BODY.PEEK so that \Seen is not set (RFC 3501 §6.4.5).
 *
 * Errors: %PF_IMAP_ERROR_STATE without a selected mailbox (nothing is
 * sent), %G_IO_ERROR_INVALID_ARGUMENT for a malformed @uids or
 * @extra_items, %G_IO_ERROR_NOT_SUPPORTED for @changed_since without
 * CONDSTORE, %PF_IMAP_ERROR_PROTOCOL if a response did not decode (the
 * others were delivered), or the errors of pf_imap_connection_run_finish().
 */
void
pf_imap_session_fetch_async (PfImapSession             *self,
                             const char                *uids,
                             PfImapFetchFields          fields,
                             const char                *extra_items,
                             guint64                    changed_since,
                             PfImapSessionFetchFunc     fetch_func,
                             PfImapSessionVanishedFunc  vanished_func,
                             PfImapSessionChunkFunc     chunk_func,
                             gpointer                   func_data,
                             GCancellable              *cancellable,
                             GAsyncReadyCallback        callback,
                             gpointer                   user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  g_autofree char *items = NULL;
  const char *const collect[] = { "FETCH", NULL };
  const char *const collect_vanished[] = { "FETCH", "VANISHED", NULL };
  gboolean vanished = FALSE;
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));

  task = op_task_new (self, pf_imap_session_fetch_async, cancellable, callback, user_data, &op);
  if (!op_check_state (op, "UID FETCH", STATES_SELECTED) || !op_check_uids (op, uids))
    return;

  if (extra_items != NULL && !is_printable_ascii (extra_items))
    {
      op_return_new_error (op, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The FETCH items “%s” cannot be sent to the server"), extra_items);
      return;
    }

  if (changed_since != 0 && !op_check_capability (op, "CONDSTORE"))
    return;

  op->fetch_func = fetch_func;
  op->vanished_func = vanished_func;
  op->chunk_func = chunk_func;
  op->func_data = func_data;

  command = pf_imap_command_new ("UID FETCH", PF_IMAP_COMMAND_NONE);
  pf_imap_command_add_raw (command, uids);
  items = build_fetch_items (self, fields, extra_items);
  pf_imap_command_add_raw (command, items);

  if (changed_since != 0)
    {
      g_autofree char *modifiers = NULL;

      vanished = vanished_func != NULL && pf_imap_session_is_enabled (self, "QRESYNC");
      modifiers = g_strdup_printf ("(CHANGEDSINCE %" G_GUINT64_FORMAT "%s)",
                                   changed_since, vanished ? " VANISHED" : "");
      pf_imap_command_add_raw (command, modifiers);
    }

  op_run (op, command, vanished ? collect_vanished : collect, fetch_untagged_cb,
          fetch_literal_cb, NULL, boolean_cb);
}

/**
 * pf_imap_session_fetch_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error, see pf_imap_session_fetch_async()
 *
 * Returns: %TRUE if every message was delivered to the functions
 */
gboolean
pf_imap_session_fetch_finish (PfImapSession  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  return boolean_finish (self, result, pf_imap_session_fetch_async, error);
}

/* BODY.PEEK[section]<partial> of one message */

static void
fetch_body_untagged_cb (PfImapConnection *connection,
                        PfImapResponse   *response,
                        gpointer          user_data)
{
  Op *op = user_data;
  g_autoptr(PfImapFetch) fetch = NULL;
  const PfImapFetchBody *body;
  GError *error = NULL;

  fetch = pf_imap_fetch_new_from_response (response, &error);
  if (fetch == NULL)
    {
      op_take_error (op, error);
      return;
    }

  if ((fetch->fields & PF_IMAP_FETCH_UID) != 0 && fetch->uid != op->uid)
    {
      /* The answer to another pipelined fetch_body */
      for (GList *l = op->self->body_ops; l != NULL; l = l->next)
        {
          Op *other = l->data;

          if (other->uid == fetch->uid && !other->found &&
              pf_imap_fetch_get_body (fetch, other->section) != NULL)
            {
              op = other;
              break;
            }
        }
    }

  body = pf_imap_fetch_get_body (fetch, op->section);
  if ((fetch->fields & PF_IMAP_FETCH_UID) == 0 || fetch->uid != op->uid || body == NULL)
    {
      /* Another message's flags changed meanwhile. */
      g_signal_emit (op->self, signals [FETCH], 0, fetch);
      return;
    }

  op->found = TRUE;
  g_clear_pointer (&op->body_bytes, g_bytes_unref);
  if (body->streamed && op->body != NULL && op->body->len == body->size)
    op->body_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&op->body));
  else if (body->streamed)
    op_take_error (op, g_error_new_literal (PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                                            _("The message arrived incomplete")));
  else if (body->data != NULL)
    op->body_bytes = g_bytes_ref (body->data);
  else
    op->body_bytes = g_bytes_new (NULL, 0);   /* NIL: no such part */
}

static void
fetch_body_literal_cb (PfImapConnection         *connection,
                       const PfImapLiteralChunk *chunk,
                       gpointer                  user_data)
{
  Op *op = user_data;

  if (chunk->uid != 0 && chunk->uid != op->uid)
    {
      Op *owner = NULL;

      for (GList *l = op->self->body_ops; l != NULL && owner == NULL; l = l->next)
        if (((Op *) l->data)->uid == chunk->uid && !((Op *) l->data)->found)
          owner = l->data;
      if (owner == NULL)
        return;
      op = owner;
    }

  if (chunk->first || op->body == NULL)
    {
      g_clear_pointer (&op->body, g_byte_array_unref);
      op->body = g_byte_array_sized_new ((guint) MIN (chunk->size, G_MAXUINT));
    }
  g_byte_array_append (op->body, chunk->data, chunk->length);
}

static void
fetch_body_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;

  op->self->body_ops = g_list_remove (op->self->body_ops, op);
  response = op_finish (op, result);
  if (response == NULL)
    return;

  /* RFC 3501 §6.4.8: a UID that does not exist is no error, just no data. */
  if (!op->found)
    {
      op_return_new_error (op, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("The message is no longer on the server"));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&op->body_bytes), (GDestroyNotify) g_bytes_unref);
}

/**
 * pf_imap_session_fetch_body_async:
 * @self: a #PfImapSession with a selected mailbox
 * @uid: the message's UID
 * @section: the part (RFC 3501 §6.4.5): "" for the whole message,
 *   "HEADER", "TEXT", "1.2", "1.2.MIME",
 *   "HEADER.FIELDS (SUBJECT)"
 * @offset: where to start, for a partial fetch
 * @length: how many bytes at most, or 0 for all from @offset
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the bytes
 * @user_data: data for @callback
 *
 * Fetches one part of one message without setting \Seen
 * (`UID FETCH uid BODY.PEEK[section]<offset.length>`). Bodies above the
 * literal stream threshold are gathered piece by piece as they arrive; to
 * write a large body somewhere without holding it, use
 * pf_imap_session_fetch_async() with a chunk function.
 *
 * Errors: %G_IO_ERROR_NOT_FOUND if the message is gone,
 * %PF_IMAP_ERROR_STATE without a selected mailbox,
 * %G_IO_ERROR_INVALID_ARGUMENT for a malformed section, or the errors of
 * pf_imap_connection_run_finish().
 */
void
pf_imap_session_fetch_body_async (PfImapSession       *self,
                                  guint32              uid,
                                  const char          *section,
                                  guint64              offset,
                                  guint64              length,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  g_autofree char *items = NULL;
  g_autofree char *partial = NULL;
  const char *const collect[] = { "FETCH", NULL };
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (uid != 0);
  g_return_if_fail (section != NULL);

  task = op_task_new (self, pf_imap_session_fetch_body_async, cancellable, callback, user_data,
                      &op);
  if (!op_check_state (op, "UID FETCH", STATES_SELECTED))
    return;

  if (!is_printable_ascii (section) || strchr (section, ']') != NULL)
    {
      op_return_new_error (op, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The FETCH items “%s” cannot be sent to the server"), section);
      return;
    }

  op->uid = uid;
  op->section = g_strdup (section);

  /* RFC 3501 §6.4.5: <origin.octets>; a length is required. */
  if (offset != 0 || length != 0)
    partial = g_strdup_printf ("<%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT ">",
                               offset, length != 0 ? length : (guint64) G_MAXUINT32);
  items = g_strdup_printf ("(UID BODY.PEEK[%s]%s)", section, partial != NULL ? partial : "");

  command = pf_imap_command_new ("UID FETCH", PF_IMAP_COMMAND_NONE);
  pf_imap_command_add_number (command, uid);
  pf_imap_command_add_raw (command, items);
  self->body_ops = g_list_append (self->body_ops, op);
  op_run (op, command, collect, fetch_body_untagged_cb, fetch_body_literal_cb, NULL,
          fetch_body_cb);
}

/**
 * pf_imap_session_fetch_body_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full): the bytes as the server sent them (with the
 *   part's transfer encoding), empty if there is no such part; %NULL on
 *   error
 */
GBytes *
pf_imap_session_fetch_body_finish (PfImapSession  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* UID SEARCH (RFC 3501 §6.4.4, RFC 4731) */

static void
search_untagged_cb (PfImapConnection *connection,
                    PfImapResponse   *response,
                    gpointer          user_data)
{
  Op *op = user_data;
  g_autoptr(PfImapSearchResult) search = NULL;
  GError *error = NULL;
  guint n;

  search = pf_imap_search_result_new_from_response (response, &error);
  if (search == NULL)
    {
      op_take_error (op, error);
      return;
    }

  /* RFC 3501 §7.2.5 allows several SEARCH responses: join them. */
  if (op->matches == NULL)
    {
      op->matches = g_steal_pointer (&search->matches);
      return;
    }

  n = pf_imap_sequence_set_get_n_ranges (search->matches);
  for (guint i = 0; i < n; i++)
    {
      guint32 first;
      guint32 last;

      pf_imap_sequence_set_get_range (search->matches, i, &first, &last);
      pf_imap_sequence_set_add_range (op->matches, first, last);
    }
}

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(GArray) uids = NULL;
  GError *error = NULL;
  gsize max_items;

  response = op_finish (op, result);
  if (response == NULL)
    return;

  if (op->matches == NULL)
    {
      g_task_return_pointer (task, g_array_new (FALSE, FALSE, sizeof (guint32)),
                             (GDestroyNotify) g_array_unref);
      return;
    }

  /* The server announces every message with EXISTS before it names it
   * (RFC 3501 §7.4.1), so there cannot be more matches than messages. */
  max_items = (gsize) op->self->exists + 1024;
  uids = pf_imap_sequence_set_to_array (op->matches, 0, max_items, &error);
  if (uids == NULL)
    {
      op_return_error (op, error);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&uids), (GDestroyNotify) g_array_unref);
}

/* Splits @criteria at each `?` and sends @strings there as IMAP strings
 * (quoted, or literals for 8-bit text). */
static gboolean
add_search_criteria (PfImapCommand     *command,
                     const char        *criteria,
                     const char *const *strings)
{
  g_autoptr(GString) raw = g_string_new (NULL);
  guint n = 0;

  for (const char *p = criteria; ; p++)
    {
      if (*p == '?' || *p == '\0')
        {
          g_strstrip (raw->str);
          g_string_set_size (raw, strlen (raw->str));
          if (raw->len > 0)
            pf_imap_command_add_raw (command, raw->str);
          g_string_truncate (raw, 0);

          if (*p == '\0')
            break;
          if (strings == NULL || strings[n] == NULL || !g_utf8_validate (strings[n], -1, NULL))
            return FALSE;
          pf_imap_command_add_string (command, strings[n++]);
          continue;
        }

      if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
        return FALSE;
      g_string_append_c (raw, *p);
    }

  return strings == NULL || strings[n] == NULL;
}

/**
 * pf_imap_session_search_async:
 * @self: a #PfImapSession with a selected mailbox
 * @criteria: search keys (RFC 3501 §6.4.4) in US-ASCII, with `?` where a
 *   string from @strings goes, e.g. "UNSEEN SUBJECT ?" or
 *   "OR FROM ? TO ?"; keep a `?` apart from a closing parenthesis
 * @strings: (nullable) (array zero-terminated=1): the strings for the
 *   placeholders, in UTF-8, as many as there are
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the UIDs
 * @user_data: data for @callback
 *
 * Searches the selected mailbox (UID SEARCH, RFC 3501 §6.4.4). Strings
 * with 8-bit characters go out as literals with `CHARSET UTF-8`. With
 * ESEARCH (RFC 4731) the answer is `RETURN (ALL)`, a compact UID set.
 *
 * Errors: %PF_IMAP_ERROR_STATE without a selected mailbox,
 * %G_IO_ERROR_INVALID_ARGUMENT if @criteria and @strings do not fit,
 * %PF_IMAP_ERROR_NO with the response code BADCHARSET if the server
 * cannot search UTF-8, or the errors of pf_imap_connection_run_finish().
 */
void
pf_imap_session_search_async (PfImapSession       *self,
                              const char          *criteria,
                              const char *const   *strings,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  const char *const collect[] = { "SEARCH", "ESEARCH", NULL };
  gboolean utf8 = FALSE;
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (criteria != NULL);

  task = op_task_new (self, pf_imap_session_search_async, cancellable, callback, user_data, &op);
  if (!op_check_state (op, "UID SEARCH", STATES_SELECTED))
    return;

  for (guint i = 0; strings != NULL && strings[i] != NULL; i++)
    utf8 |= !is_ascii (strings[i]);

  command = pf_imap_command_new ("UID SEARCH", PF_IMAP_COMMAND_NONE);
  if (pf_imap_connection_has_capability (self->connection, "ESEARCH"))
    pf_imap_command_add_raw (command, "RETURN (ALL)");
  if (utf8)
    pf_imap_command_add_raw (command, "CHARSET UTF-8");

  if (!add_search_criteria (command, criteria, strings))
    {
      op_return_new_error (op, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The search criteria “%s” cannot be sent to the server"), criteria);
      return;
    }

  op_run (op, command, collect, search_untagged_cb, NULL, NULL, search_cb);
}

/**
 * pf_imap_session_search_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type guint32): the matching UIDs in
 *   ascending order, possibly none; %NULL on error
 */
GArray *
pf_imap_session_search_finish (PfImapSession  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* UID STORE (RFC 3501 §6.4.6, RFC 7162 §3.1.3) */

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(GArray) modified = NULL;

  response = op_finish (op, result);
  if (response == NULL)
    return;

  /* RFC 7162 §3.1.3: [MODIFIED uid-set] names the messages whose MODSEQ
   * was above UNCHANGEDSINCE: they were left alone. */
  if (pf_imap_response_has_code (response, "MODIFIED"))
    {
      modified = expand_uid_set (pf_imap_value_get_item (pf_imap_response_get_code_args (response),
                                                         0));
      if (modified == NULL)
        {
          op_return_new_error (op, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                               _("The server sent a malformed MODIFIED response code"));
          return;
        }
    }
  else
    modified = g_array_new (FALSE, FALSE, sizeof (guint32));

  g_task_return_pointer (task, g_steal_pointer (&modified), (GDestroyNotify) g_array_unref);
}

/**
 * pf_imap_session_store_async:
 * @self: a #PfImapSession with a selected mailbox
 * @uids: the UIDs as a UID set
 * @mode: add, remove or replace
 * @flags: (array zero-terminated=1): the flags, e.g. "\\Seen",
 *   "\\Deleted", "$Junk"; may be empty for %PF_IMAP_STORE_REPLACE
 * @unchanged_since: if not 0, change only messages whose MODSEQ is not
 *   above it (UNCHANGEDSINCE, RFC 7162 §3.1.3); needs CONDSTORE
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server answered
 * @user_data: data for @callback
 *
 * Changes flags (UID STORE with +FLAGS.SILENT, -FLAGS.SILENT or
 * FLAGS.SILENT, RFC 3501 §6.4.6). The server confirms nothing per
 * message; with CONDSTORE it reports each new MODSEQ, which arrives
 * through the ::fetch signal.
 *
 * Errors: %PF_IMAP_ERROR_STATE without a selected mailbox,
 * %G_IO_ERROR_INVALID_ARGUMENT for a malformed UID set or flag,
 * %G_IO_ERROR_NOT_SUPPORTED for @unchanged_since without CONDSTORE,
 * %PF_IMAP_ERROR_NO in a read-only mailbox, or the errors of
 * pf_imap_connection_run_finish().
 */
void
pf_imap_session_store_async (PfImapSession       *self,
                             const char          *uids,
                             PfImapStoreMode      mode,
                             const char *const   *flags,
                             guint64              unchanged_since,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  g_autofree char *flag_list = NULL;
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));

  task = op_task_new (self, pf_imap_session_store_async, cancellable, callback, user_data, &op);
  if (!op_check_state (op, "UID STORE", STATES_SELECTED) || !op_check_uids (op, uids))
    return;
  if (unchanged_since != 0 && !op_check_capability (op, "CONDSTORE"))
    return;

  flag_list = op_flag_list (op, flags);
  if (flag_list == NULL)
    return;

  command = pf_imap_command_new ("UID STORE", PF_IMAP_COMMAND_NONE);
  pf_imap_command_add_raw (command, uids);

  /* RFC 7162 §3.1.3: the modifier comes before the flags. */
  if (unchanged_since != 0)
    {
      g_autofree char *modifier = NULL;

      modifier = g_strdup_printf ("(UNCHANGEDSINCE %" G_GUINT64_FORMAT ")", unchanged_since);
      pf_imap_command_add_raw (command, modifier);
    }

  switch (mode)
    {
    case PF_IMAP_STORE_ADD:
      pf_imap_command_add_atom (command, "+FLAGS.SILENT");
      break;

    case PF_IMAP_STORE_REMOVE:
      pf_imap_command_add_atom (command, "-FLAGS.SILENT");
      break;

    case PF_IMAP_STORE_REPLACE:
    default:
      pf_imap_command_add_atom (command, "FLAGS.SILENT");
      break;
    }
  pf_imap_command_add_raw (command, flag_list);

  op_run (op, command, NULL, NULL, NULL, NULL, store_cb);
}

/**
 * pf_imap_session_store_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @modified: (out) (optional) (transfer full) (element-type guint32): the
 *   UIDs that were not changed because their MODSEQ was above
 *   @unchanged_since; empty if none
 * @error: return location for an error
 *
 * Returns: %TRUE if the server accepted the command
 */
gboolean
pf_imap_session_store_finish (PfImapSession  *self,
                              GAsyncResult   *result,
                              GArray        **modified,
                              GError        **error)
{
  g_autoptr(GArray) uids = NULL;

  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  uids = g_task_propagate_pointer (G_TASK (result), error);
  if (modified != NULL)
    *modified = uids != NULL ? g_array_ref (uids) : NULL;

  return uids != NULL;
}

/* UID COPY (RFC 3501 §6.4.7, RFC 4315 §3) */

static void
copy_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;

  response = op_finish (op, result);
  if (response == NULL)
    return;

  g_task_return_pointer (task, parse_copy_uid (response), (GDestroyNotify) pf_imap_copy_uid_free);
}

/**
 * pf_imap_session_copy_async:
 * @self: a #PfImapSession with a selected mailbox
 * @uids: the UIDs as a UID set
 * @destination: the mailbox to copy to, in UTF-8
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the messages are copied
 * @user_data: data for @callback
 *
 * Copies messages (UID COPY, RFC 3501 §6.4.7), flags and internal date
 * included.
 *
 * Errors: %PF_IMAP_ERROR_NO with the response code TRYCREATE if
 * @destination does not exist, %PF_IMAP_ERROR_STATE without a selected
 * mailbox, %G_IO_ERROR_INVALID_ARGUMENT for a malformed UID set, or the
 * errors of pf_imap_connection_run_finish(); the folder is named in the
 * message.
 */
void
pf_imap_session_copy_async (PfImapSession       *self,
                            const char          *uids,
                            const char          *destination,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (destination != NULL);

  task = op_task_new (self, pf_imap_session_copy_async, cancellable, callback, user_data, &op);
  /* Translators: %s is a folder name; the reason follows the colon. */
  op->error_prefix = g_strdup_printf (_("Cannot copy messages to the folder “%s”: "),
                                      destination);
  if (!op_check_state (op, "UID COPY", STATES_SELECTED) || !op_check_uids (op, uids))
    return;

  command = pf_imap_command_new ("UID COPY", PF_IMAP_COMMAND_NONE);
  pf_imap_command_add_raw (command, uids);
  if (!op_add_mailbox (op, command, destination))
    return;

  op_run (op, command, NULL, NULL, NULL, NULL, copy_cb);
}

static gboolean
copy_uid_finish (PfImapSession   *self,
                 GAsyncResult    *result,
                 gpointer         source_tag,
                 PfImapCopyUid  **copy_uid,
                 GError         **error)
{
  g_autoptr(PfImapCopyUid) mapping = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PF_IS_IMAP_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  /* %NULL is a success without COPYUID. */
  mapping = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (copy_uid != NULL)
    *copy_uid = g_steal_pointer (&mapping);
  return TRUE;
}

/**
 * pf_imap_session_copy_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @copy_uid: (out) (optional) (transfer full) (nullable): where the copies
 *   went (COPYUID, RFC 4315 §3), or %NULL if the server did not say (no
 *   UIDPLUS)
 * @error: return location for an error
 *
 * Returns: %TRUE if the messages were copied
 */
gboolean
pf_imap_session_copy_finish (PfImapSession  *self,
                             GAsyncResult   *result,
                             PfImapCopyUid **copy_uid,
                             GError        **error)
{
  return copy_uid_finish (self, result, pf_imap_session_copy_async, copy_uid, error);
}

/* UID MOVE (RFC 6851), or COPY + STORE + UID EXPUNGE (RFC 4315 §2.1) */

static void
move_untagged_cb (PfImapConnection *connection,
                  PfImapResponse   *response,
                  gpointer          user_data)
{
  Op *op = user_data;

  /* RFC 6851 §4.3: COPYUID comes in an untagged OK before the expunges. */
  if (pf_imap_response_has_code (response, "COPYUID"))
    {
      g_clear_pointer (&op->copy_uid, pf_imap_copy_uid_free);
      op->copy_uid = parse_copy_uid (response);
      return;
    }

  handle_unsolicited (op->self, response);
}

static void
move_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;

  response = op_finish (op, result);
  if (response == NULL)
    return;

  /* Some servers keep to RFC 4315 and put COPYUID in the tagged OK. */
  if (op->copy_uid == NULL)
    op->copy_uid = parse_copy_uid (response);

  g_task_return_pointer (task, g_steal_pointer (&op->copy_uid),
                         (GDestroyNotify) pf_imap_copy_uid_free);
}

static void
move_store_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapCommand) command = NULL;

  response = op_finish (op, result);
  if (response == NULL)
    return;

  /* RFC 4315 §2.1: UID EXPUNGE removes only these messages. */
  if (pf_imap_connection_has_capability (op->self->connection, "UIDPLUS"))
    {
      command = pf_imap_command_new ("UID EXPUNGE", PF_IMAP_COMMAND_NONE);
      pf_imap_command_add_raw (command, op->uids);
    }
  else
    command = pf_imap_command_new ("EXPUNGE", PF_IMAP_COMMAND_NONE);

  op_run (op, command, NULL, NULL, NULL, NULL, move_done_cb);
}

static void
move_copy_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapCommand) command = NULL;

  response = op_finish (op, result);
  if (response == NULL)
    return;

  op->copy_uid = parse_copy_uid (response);

  command = pf_imap_command_new ("UID STORE", PF_IMAP_COMMAND_NONE);
  pf_imap_command_add_raw (command, op->uids);
  pf_imap_command_add_atom (command, "+FLAGS.SILENT");
  pf_imap_command_add_raw (command, "(\\Deleted)");
  op_run (op, command, NULL, NULL, NULL, NULL, move_store_cb);
}

/**
 * pf_imap_session_move_async:
 * @self: a #PfImapSession with a selected mailbox
 * @uids: the UIDs as a UID set
 * @destination: the mailbox to move to, in UTF-8
 * @flags: whether a plain EXPUNGE may finish the move
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the messages are moved
 * @user_data: data for @callback
 *
 * Moves messages (UID MOVE, RFC 6851 §3.2). Without MOVE the same is done
 * with UID COPY, UID STORE +FLAGS.SILENT (\Deleted) and UID EXPUNGE
 * (RFC 4315 §2.1); without UIDPLUS either, only with
 * %PF_IMAP_MOVE_ALLOW_EXPUNGE_ALL (EXPUNGE removes every message marked
 * \Deleted). The expunges in the source arrive through the ::expunge or
 * ::vanished signals.
 *
 * Errors: %G_IO_ERROR_NOT_SUPPORTED, before anything is sent, if the
 * server can neither MOVE nor UID EXPUNGE and a plain EXPUNGE is not
 * allowed; otherwise as pf_imap_session_copy_async(). If the fallback
 * fails after the copy, the messages may be in both mailboxes.
 */
void
pf_imap_session_move_async (PfImapSession       *self,
                            const char          *uids,
                            const char          *destination,
                            PfImapMoveFlags      flags,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  const char *const collect[] = { "OK", NULL };
  gboolean move;
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));
  g_return_if_fail (destination != NULL);

  task = op_task_new (self, pf_imap_session_move_async, cancellable, callback, user_data, &op);
  /* Translators: %s is a folder name; the reason follows the colon. */
  op->error_prefix = g_strdup_printf (_("Cannot move messages to the folder “%s”: "),
                                      destination);
  if (!op_check_state (op, "UID MOVE", STATES_SELECTED) || !op_check_uids (op, uids))
    return;

  move = pf_imap_connection_has_capability (self->connection, "MOVE");
  if (!move && !pf_imap_connection_has_capability (self->connection, "UIDPLUS") &&
      (flags & PF_IMAP_MOVE_ALLOW_EXPUNGE_ALL) == 0)
    {
      op_return_new_error (op, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("The server can neither move messages (MOVE) nor remove only "
                             "the copied ones (UIDPLUS)"));
      return;
    }

  op->uids = g_strdup (uids);
  op->mailbox = g_strdup (destination);
  op->move_flags = flags;

  command = pf_imap_command_new (move ? "UID MOVE" : "UID COPY", PF_IMAP_COMMAND_NONE);
  pf_imap_command_add_raw (command, uids);
  if (!op_add_mailbox (op, command, destination))
    return;

  if (move)
    op_run (op, command, collect, move_untagged_cb, NULL, NULL, move_done_cb);
  else
    op_run (op, command, NULL, NULL, NULL, NULL, move_copy_cb);
}

/**
 * pf_imap_session_move_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @copy_uid: (out) (optional) (transfer full) (nullable): where the
 *   messages went, or %NULL if the server did not say
 * @error: return location for an error
 *
 * Returns: %TRUE if the messages were moved
 */
gboolean
pf_imap_session_move_finish (PfImapSession  *self,
                             GAsyncResult   *result,
                             PfImapCopyUid **copy_uid,
                             GError        **error)
{
  return copy_uid_finish (self, result, pf_imap_session_move_async, copy_uid, error);
}

/* EXPUNGE, UID EXPUNGE (RFC 3501 §6.4.3, RFC 4315 §2.1) */

/**
 * pf_imap_session_expunge_async:
 * @self: a #PfImapSession with a selected mailbox
 * @uids: (nullable): the UIDs to expunge, if marked \Deleted (UID
 *   EXPUNGE, needs UIDPLUS); %NULL for every message marked \Deleted
 *   (EXPUNGE)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server answered
 * @user_data: data for @callback
 *
 * Removes messages marked \Deleted for good (RFC 3501 §6.4.3). What went
 * is reported through the ::expunge or ::vanished signals.
 *
 * Errors: %G_IO_ERROR_NOT_SUPPORTED for @uids without UIDPLUS,
 * %PF_IMAP_ERROR_STATE without a selected mailbox, or the errors of
 * pf_imap_connection_run_finish().
 */
void
pf_imap_session_expunge_async (PfImapSession       *self,
                               const char          *uids,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));

  task = op_task_new (self, pf_imap_session_expunge_async, cancellable, callback, user_data, &op);
  if (!op_check_state (op, uids != NULL ? "UID EXPUNGE" : "EXPUNGE", STATES_SELECTED))
    return;

  if (uids != NULL)
    {
      if (!op_check_uids (op, uids) || !op_check_capability (op, "UIDPLUS"))
        return;
      command = pf_imap_command_new ("UID EXPUNGE", PF_IMAP_COMMAND_NONE);
      pf_imap_command_add_raw (command, uids);
    }
  else
    command = pf_imap_command_new ("EXPUNGE", PF_IMAP_COMMAND_NONE);

  op_run (op, command, NULL, NULL, NULL, NULL, boolean_cb);
}

/**
 * pf_imap_session_expunge_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error, see pf_imap_session_expunge_async()
 *
 * Returns: %TRUE if the server expunged the messages
 */
gboolean
pf_imap_session_expunge_finish (PfImapSession  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  return boolean_finish (self, result, pf_imap_session_expunge_async, error);
}

/* CLOSE, UNSELECT (RFC 3501 §6.4.2, RFC 3691) */

static void
deselect_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr(PfImapResponse) response = NULL;

  response = op_finish (op, result);
  if (response == NULL)
    return;

  clear_selected (op->self);
  g_task_return_boolean (task, TRUE);
}

static void
deselect (PfImapSession       *self,
          gpointer             source_tag,
          const char          *name,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  Op *op;

  task = op_task_new (self, source_tag, cancellable, callback, user_data, &op);
  if (!op_check_state (op, name, STATES_SELECTED))
    return;

  if (g_str_equal (name, "UNSELECT") && !op_check_capability (op, "UNSELECT"))
    return;

  command = pf_imap_command_new (name, PF_IMAP_COMMAND_BARRIER);
  op_run (op, command, NULL, NULL, NULL, NULL, deselect_cb);
}

/**
 * pf_imap_session_close_async:
 * @self: a #PfImapSession with a selected mailbox
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when no mailbox is selected any more
 * @user_data: data for @callback
 *
 * Closes the selected mailbox and silently expunges the messages marked
 * \Deleted in it, unless it is read-only (CLOSE, RFC 3501 §6.4.2).
 *
 * Errors: %PF_IMAP_ERROR_STATE without a selected mailbox, or the errors
 * of pf_imap_connection_run_finish().
 */
void
pf_imap_session_close_async (PfImapSession       *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (PF_IS_IMAP_SESSION (self));

  deselect (self, pf_imap_session_close_async, "CLOSE", cancellable, callback, user_data);
}

/**
 * pf_imap_session_close_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error, see pf_imap_session_close_async()
 *
 * Returns: %TRUE if no mailbox is selected any more
 */
gboolean
pf_imap_session_close_finish (PfImapSession  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  return boolean_finish (self, result, pf_imap_session_close_async, error);
}

/**
 * pf_imap_session_unselect_async:
 * @self: a #PfImapSession with a selected mailbox
 * @allow_expunge: whether CLOSE may be used when the server has no
 *   UNSELECT, which expunges the messages marked \Deleted
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when no mailbox is selected any more
 * @user_data: data for @callback
 *
 * Leaves the selected mailbox without expunging anything (UNSELECT,
 * RFC 3691 §2).
 *
 * Errors: %G_IO_ERROR_NOT_SUPPORTED if the server has no UNSELECT and
 * @allow_expunge is %FALSE (selecting a mailbox that does not exist would
 * do, but only by accident), %PF_IMAP_ERROR_STATE without a selected
 * mailbox, or the errors of pf_imap_connection_run_finish().
 */
void
pf_imap_session_unselect_async (PfImapSession       *self,
                                gboolean             allow_expunge,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  const char *name = "UNSELECT";

  g_return_if_fail (PF_IS_IMAP_SESSION (self));

  if (allow_expunge && !pf_imap_connection_has_capability (self->connection, "UNSELECT"))
    name = "CLOSE";

  deselect (self, pf_imap_session_unselect_async, name, cancellable, callback, user_data);
}

/**
 * pf_imap_session_unselect_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error, see pf_imap_session_unselect_async()
 *
 * Returns: %TRUE if no mailbox is selected any more
 */
gboolean
pf_imap_session_unselect_finish (PfImapSession  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  return boolean_finish (self, result, pf_imap_session_unselect_async, error);
}

/* IDLE (RFC 2177) */

static void
send_done (Op *op)
{
  PfImapSession *self = op->self;
  g_autoptr(GBytes) done = g_bytes_new_static ("DONE", 4);

  if (op->done_sent)
    return;
  op->done_sent = TRUE;

  /* RFC 2177 §3: DONE is a line of its own, not a command. */
  pf_imap_connection_send_continuation_line (self->connection, done);
}

static GBytes *
idle_continuation (PfImapConnection  *connection,
                   PfImapResponse    *response,
                   gpointer           user_data,
                   GError           **error)
{
  Op *op = user_data;

  /* "+ idling": no answer, only DONE later. */
  op->idle_started = TRUE;

  /* DONE asked for before the server was ready: it is the answer. */
  if (op->done_wanted)
    {
      op->done_sent = TRUE;
      return g_bytes_new_static ("DONE", 4);
    }

  return NULL;
}

static void
idle_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  PfImapSession *self = op->self;
  g_autoptr(PfImapResponse) response = NULL;

  if (self->idle == op)
    self->idle = NULL;

  response = op_finish (op, result);
  if (response != NULL)
    g_task_return_boolean (task, TRUE);
}

static void
on_idle_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  Op *op = user_data;

  op->done_wanted = TRUE;
  if (op->idle_started)
    send_done (op);
}

/**
 * pf_imap_session_idle_async:
 * @self: a #PfImapSession, usually with a selected mailbox
 * @cancellable: (nullable): a #GCancellable; cancelling ends the IDLE as
 *   pf_imap_session_idle_done() does, and the result is then
 *   %G_IO_ERROR_CANCELLED
 * @callback: called when the IDLE has ended
 * @user_data: data for @callback
 *
 * Waits for the server to report changes (IDLE, RFC 2177 §3): new
 * messages, expunges and flag changes arrive through the ::exists,
 * ::expunge, ::vanished and ::fetch signals while it lasts. It lasts until
 * pf_imap_session_idle_done(), until @cancellable is cancelled, or until
 * another command is started on the session, which ends the IDLE first.
 * The command timeout does not apply while the server is idling.
 *
 * RFC 2177 §3 asks clients to end an IDLE and start a new one at least
 * every 29 minutes, since servers may drop a connection that is inactive
 * for 30; that is the caller's timer.
 *
 * Errors: %G_IO_ERROR_NOT_SUPPORTED without the IDLE capability,
 * %PF_IMAP_ERROR_STATE before login or while another IDLE runs, or the
 * errors of pf_imap_connection_run_finish(), e.g. %PF_IMAP_ERROR_BYE when
 * the server ends the connection.
 */
void
pf_imap_session_idle_async (PfImapSession       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  Op *op;

  g_return_if_fail (PF_IS_IMAP_SESSION (self));

  task = op_task_new (self, pf_imap_session_idle_async, cancellable, callback, user_data, &op);
  if (!op_check_state (op, "IDLE", STATES_ANY) || !op_check_capability (op, "IDLE"))
    return;

  if (self->idle != NULL)
    {
      op_return_new_error (op, PF_IMAP_ERROR, PF_IMAP_ERROR_STATE,
                           _("The connection is already waiting for changes (IDLE)"));
      return;
    }

  self->idle = op;
  if (cancellable != NULL)
    {
      op->cancellable = g_object_ref (cancellable);
      op->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_idle_cancelled_cb),
                                                op, NULL);
    }

  /* RFC 2177 §3: IDLE is answered with a continuation, and nothing else
   * can be sent until DONE. */
  command = pf_imap_command_new ("IDLE", PF_IMAP_COMMAND_BARRIER);
  op_run (op, command, NULL, NULL, NULL, idle_continuation, idle_cb);
}

/**
 * pf_imap_session_idle_finish:
 * @self: a #PfImapSession
 * @result: the result
 * @error: return location for an error, see pf_imap_session_idle_async()
 *
 * Returns: %TRUE once the server confirmed the end of the IDLE; %FALSE
 *   with %G_IO_ERROR_CANCELLED if cancelling ended it
 */
gboolean
pf_imap_session_idle_finish (PfImapSession  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  return boolean_finish (self, result, pf_imap_session_idle_async, error);
}

/**
 * pf_imap_session_idle_done:
 * @self: a #PfImapSession
 *
 * Ends the IDLE that is running (RFC 2177 §3: DONE); its callback follows
 * once the server confirmed. If the server has not accepted the IDLE yet,
 * DONE goes out as soon as it has. Does nothing without an IDLE.
 */
void
pf_imap_session_idle_done (PfImapSession *self)
{
  g_return_if_fail (PF_IS_IMAP_SESSION (self));

  if (self->idle == NULL)
    return;

  self->idle->done_wanted = TRUE;
  if (self->idle->idle_started)
    send_done (self->idle);
}
