/* pf-outbox-sender.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-sync"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "imap/pf-imap-error.h"
#include "imap/pf-imap-session.h"
#include "mime/pf-mime-error.h"
#include "mime/pf-mime-message.h"
#include "mime/pf-mime-outgoing.h"
#include "net/pf-net-error.h"
#include "pf-imap-sync.h"
#include "pf-outbox-sender.h"
#include "smtp/pf-smtp-client.h"
#include "smtp/pf-smtp-error.h"

/**
 * SECTION:pf-outbox-sender
 *
 * Sends an account's outbox and keeps exactly one copy of each sent
 * message in its Sent folder.
 *
 * Every entry of the outbox (see pf_store_outbox_add()) goes through
 * these states, each written to the index before the next step:
 *
 *     QUEUED ──▶ SENDING ──(250)──▶ SENT ──(one copy in Sent)──▶ removed
 *       ▲          │   │
 *       └──(4xx)───┘   └──(5xx, password, certificate)──▶ FAILED
 *       ▲                                                   │
 *       └───────────────────(retry by the user)─────────────┘
 *
 *  - SENDING is written before MAIL FROM, SENT right after the server's
 *    250 for the end of DATA, before anything else.
 *  - SENT: the server has the message. Only the copy in Sent is left;
 *    for IMAP the Sent folder (SPECIAL-USE \Sent) is searched for the
 *    message's Message-ID first, since Gmail, Exchange and other setups
 *    file sent mail themselves, and the message is appended (\Seen) only
 *    when it is not there. A POP3 account's copy goes into its local Sent
 *    folder, found by Message-ID in the same way. Only then is the entry
 *    removed. A failed copy leaves the entry SENT with the reason in
 *    last_error, and the next run tries again: the search makes that
 *    idempotent, so a crash anywhere after SENT is stored neither sends
 *    twice nor stores two copies.
 *  - A crash while SENDING leaves it unknown whether the server took the
 *    message. The next run sends it again (losing a message is worse than
 *    a rare duplicate): SENDING counts as QUEUED. Only the moment between
 *    the server's 250 and the write of SENT — one SQLite commit — can
 *    make a duplicate.
 *  - A temporary failure (4xx, connection lost, server unreachable)
 *    queues the entry again for pf_outbox_retry_delay() later; a
 *    permanent one (5xx: refused recipient, message too large; wrong
 *    password; untrusted certificate) makes it FAILED until the user
 *    retries (pf_outbox_sender_retry()). Either way last_error has the
 *    reason, with the server's own words.
 *  - Recipients the server refused while it accepted the message for the
 *    others get an entry of their own (a copy of the file, the same
 *    Message-ID), QUEUED or FAILED as their refusal says.
 *
 * One process at a time: a run holds an exclusive lock on
 * `<data_dir>/outbox.lock`, so that a window and postfach-cli never send
 * the same entry, and a SENDING entry seen under the lock was left by a
 * process that died.
 */

struct _PfOutboxSender
{
  GObject    parent_instance;

  PfStore   *store;
  PfAccount *account;
  char      *smtp_secret;
  char      *imap_secret;
  gboolean   running;
};

G_DEFINE_FINAL_TYPE (PfOutboxSender, pf_outbox_sender, G_TYPE_OBJECT)

enum
{
  SIGNAL_ITEM_STATE_CHANGED,
  SIGNAL_ITEM_DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
clear_secret (char **secret)
{
  if (*secret != NULL)
    explicit_bzero (*secret, strlen (*secret));
  g_clear_pointer (secret, g_free);
}

static void
pf_outbox_sender_dispose (GObject *object)
{
  PfOutboxSender *self = PF_OUTBOX_SENDER (object);

  g_clear_object (&self->store);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (pf_outbox_sender_parent_class)->dispose (object);
}

static void
pf_outbox_sender_finalize (GObject *object)
{
  PfOutboxSender *self = PF_OUTBOX_SENDER (object);

  clear_secret (&self->smtp_secret);
  clear_secret (&self->imap_secret);

  G_OBJECT_CLASS (pf_outbox_sender_parent_class)->finalize (object);
}

static void
pf_outbox_sender_class_init (PfOutboxSenderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_outbox_sender_dispose;
  object_class->finalize = pf_outbox_sender_finalize;

  /**
   * PfOutboxSender::item-state-changed:
   * @self: the sender
   * @item_id: the outbox entry
   * @state: its new #PfStoreOutboxState, as stored
   * @error: (nullable): why: the failure for QUEUED (again) and FAILED,
   *   the failed copy for SENT; its message is the entry's last_error
   *
   * Emitted after an entry's new state is stored.
   */
  signals[SIGNAL_ITEM_STATE_CHANGED] =
    g_signal_new ("item-state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_INT64, G_TYPE_UINT, G_TYPE_ERROR);

  /**
   * PfOutboxSender::item-done:
   * @self: the sender
   * @item_id: the outbox entry
   * @copied: %TRUE if Postfach stored the copy in Sent, %FALSE if the
   *   server had filed it there itself
   *
   * Emitted when a sent message is in the Sent folder and its entry has
   * left the outbox.
   */
  signals[SIGNAL_ITEM_DONE] =
    g_signal_new ("item-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_BOOLEAN);
}

static void
pf_outbox_sender_init (PfOutboxSender *self)
{
}

/**
 * pf_outbox_sender_new:
 * @store: the account's store
 * @account: the account: its outgoing server, its address (the envelope
 *   sender), its kind (where the Sent copy goes) and, for IMAP, its
 *   incoming server
 *
 * Returns: (transfer full): a new sender; give it the passwords with
 *   pf_outbox_sender_set_secret()
 */
PfOutboxSender *
pf_outbox_sender_new (PfStore   *store,
                      PfAccount *account)
{
  PfOutboxSender *self;

  g_return_val_if_fail (PF_IS_STORE (store), NULL);
  g_return_val_if_fail (PF_IS_ACCOUNT (account), NULL);

  self = g_object_new (PF_TYPE_OUTBOX_SENDER, NULL);
  self->store = g_object_ref (store);
  self->account = g_object_ref (account);
  return self;
}

/**
 * pf_outbox_sender_get_store:
 * @self: a #PfOutboxSender
 *
 * Returns: (transfer none): the store
 */
PfStore *
pf_outbox_sender_get_store (PfOutboxSender *self)
{
  g_return_val_if_fail (PF_IS_OUTBOX_SENDER (self), NULL);

  return self->store;
}

/**
 * pf_outbox_sender_get_account:
 * @self: a #PfOutboxSender
 *
 * Returns: (transfer none): the account
 */
PfAccount *
pf_outbox_sender_get_account (PfOutboxSender *self)
{
  g_return_val_if_fail (PF_IS_OUTBOX_SENDER (self), NULL);

  return self->account;
}

/**
 * pf_outbox_sender_set_secret:
 * @self: a #PfOutboxSender
 * @service: %PF_SECRET_SERVICE_SMTP for sending, %PF_SECRET_SERVICE_IMAP
 *   for the copy in an IMAP account's Sent folder
 * @secret: (nullable): the password, or the OAuth 2.0 token when the
 *   server's auth method is %PF_AUTH_METHOD_OAUTH2
 *
 * Sets a password for the next runs. It is wiped from memory when
 * replaced or when the sender is freed.
 */
void
pf_outbox_sender_set_secret (PfOutboxSender  *self,
                             PfSecretService  service,
                             const char      *secret)
{
  char **slot;

  g_return_if_fail (PF_IS_OUTBOX_SENDER (self));
  g_return_if_fail (service == PF_SECRET_SERVICE_SMTP || service == PF_SECRET_SERVICE_IMAP);

  slot = service == PF_SECRET_SERVICE_SMTP ? &self->smtp_secret : &self->imap_secret;
  clear_secret (slot);
  *slot = g_strdup (secret);
}

/* The policy */

/**
 * pf_outbox_retry_delay:
 * @attempts: how often sending failed for now in a row, at least 1
 *
 * Returns: the seconds to wait before the next attempt:
 *   %PF_OUTBOX_FIRST_RETRY_SECONDS, doubling with every attempt, at most
 *   %PF_OUTBOX_MAX_RETRY_SECONDS
 */
guint
pf_outbox_retry_delay (guint attempts)
{
  guint delay = PF_OUTBOX_FIRST_RETRY_SECONDS;

  for (guint i = 1; i < attempts && delay < PF_OUTBOX_MAX_RETRY_SECONDS; i++)
    delay *= 2;
  return MIN (delay, PF_OUTBOX_MAX_RETRY_SECONDS);
}

/**
 * pf_outbox_error_is_permanent:
 * @error: why sending a message failed
 *
 * Whether trying again later cannot help, so that the message waits for
 * the user: a 5xx reply (refused recipients, message too large, refused
 * sender), a rejected password, an untrusted certificate, a server without
 * the required encryption, a missing message file. 4xx replies, lost
 * connections and unreachable servers are temporary.
 *
 * Returns: %TRUE for a permanent failure
 */
gboolean
pf_outbox_error_is_permanent (const GError *error)
{
  g_return_val_if_fail (error != NULL, FALSE);

  if (error->domain == PF_SMTP_ERROR)
    {
      guint code = pf_smtp_error_get_reply_code (error);

      if (code >= 400 && code < 500)
        return FALSE;
      if (code >= 500)
        return TRUE;
      switch ((PfSmtpError) error->code)
        {
        case PF_SMTP_ERROR_AUTHENTICATION_FAILED:
        case PF_SMTP_ERROR_RECIPIENT_REFUSED:
        case PF_SMTP_ERROR_MESSAGE_TOO_LARGE:
        case PF_SMTP_ERROR_PERMANENT:
          return TRUE;
        case PF_SMTP_ERROR_TEMPORARY:
        case PF_SMTP_ERROR_CONNECTION_LOST:
        case PF_SMTP_ERROR_PROTOCOL:
        default:
          return FALSE;
        }
    }
  if (error->domain == PF_NET_ERROR)
    {
      switch ((PfNetError) error->code)
        {
        case PF_NET_ERROR_CERTIFICATE_UNTRUSTED:
        case PF_NET_ERROR_STARTTLS_UNAVAILABLE:
        case PF_NET_ERROR_PLAINTEXT_REFUSED:
          return TRUE;
        case PF_NET_ERROR_HOST_NOT_FOUND:
        case PF_NET_ERROR_CONNECTION_REFUSED:
        case PF_NET_ERROR_UNREACHABLE:
        case PF_NET_ERROR_TIMEOUT:
        case PF_NET_ERROR_CONNECTION_LOST:
        case PF_NET_ERROR_TLS_FAILED:
        case PF_NET_ERROR_PROTOCOL:
        default:
          return FALSE;
        }
    }
  if (error->domain == PF_MIME_ERROR || error->domain == PF_ACCOUNT_ERROR)
    return TRUE;
  if (error->domain == G_IO_ERROR)
    return error->code == G_IO_ERROR_NOT_FOUND || error->code == G_IO_ERROR_PERMISSION_DENIED ||
           error->code == G_IO_ERROR_INVALID_ARGUMENT;
  return FALSE;
}

/**
 * pf_outbox_describe_error:
 * @error: why sending a message failed
 *
 * The text kept as an outbox entry's last error: the error's (translated)
 * message, followed by the server's reply code and text when the message
 * does not quote them yet.
 *
 * Returns: (transfer full): the text
 */
char *
pf_outbox_describe_error (const GError *error)
{
  const char *server_text = NULL;
  guint code = 0;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == PF_SMTP_ERROR)
    {
      server_text = pf_smtp_error_get_server_text (error);
      code = pf_smtp_error_get_reply_code (error);
    }
  else if (error->domain == PF_IMAP_ERROR)
    server_text = pf_imap_error_get_server_text (error);

  if (server_text == NULL || *server_text == '\0' || strstr (error->message, server_text) != NULL)
    return g_strdup (error->message);
  if (code != 0)
    /* Translators: a failure, then the mail server's reply code and words */
    return g_strdup_printf (_("%s: %u %s"), error->message, code, server_text);
  /* Translators: a failure, then the mail server's words */
  return g_strdup_printf (_("%s: %s"), error->message, server_text);
}

/* The lock of the outbox: one run (or change by the user) at a time across
 * processes. Freed by the kernel when the process dies. */
static int
lock_outbox (PfOutboxSender  *self,
             GError         **error)
{
  g_autofree char *path = g_build_filename (pf_store_get_data_dir (self->store), "outbox.lock",
                                            NULL);
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot open “%s”: %s"), path, g_strerror (saved));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;

      close (fd);
      if (saved == EWOULDBLOCK)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                             _("The outbox is being sent right now; try again in a moment"));
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                     _("Cannot lock “%s”: %s"), path, g_strerror (saved));
      return -1;
    }
  return fd;
}

static void
unlock_outbox (int fd)
{
  if (fd >= 0)
    close (fd);
}

/* Queueing */

typedef struct
{
  GBytes          *message;     /* as given */
  PfMimeBuilder   *builder;     /* or this */
  char            *from_name;
  char            *from_address;
  char           **recipients;  /* known already (builder) or found */
  char            *path;        /* the outbox file written */
} Queue;

static void
queue_free (Queue *queue)
{
  g_clear_pointer (&queue->message, g_bytes_unref);
  g_clear_object (&queue->builder);
  g_free (queue->from_name);
  g_free (queue->from_address);
  g_strfreev (queue->recipients);
  g_free (queue->path);
  g_free (queue);
}

/* Worker: prepares a message given as bytes and writes the outbox file.
 * pf_store_new_outbox_file() touches only the file system, not the index. */
static void
queue_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  PfOutboxSender *self = source_object;
  Queue *queue = task_data;
  g_autoptr(PfMimeOutgoing) outgoing = NULL;
  GError *error = NULL;
  GBytes *data = queue->message;

  if (queue->recipients == NULL)
    {
      outgoing = pf_mime_outgoing_prepare (queue->message, queue->from_name,
                                           queue->from_address, &error);
      if (outgoing == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      queue->recipients = g_strdupv (outgoing->recipients);
      data = outgoing->data;
    }

  queue->path = pf_store_new_outbox_file (self->store, data, cancellable, &error);
  if (queue->path == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
queue_written_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfOutboxSender *self = g_task_get_source_object (task);
  Queue *queue = g_task_get_task_data (task);
  GError *error = NULL;
  gint64 id;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  id = pf_store_outbox_add (self->store, queue->path, queue->from_address,
                            (const char *const *) queue->recipients, &error);
  if (id == 0)
    {
      g_unlink (queue->path);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_int (task, id);
}

static void
queue_start (GTask *task)
{
  PfOutboxSender *self = g_task_get_source_object (task);
  GTask *job = g_task_new (self, g_task_get_cancellable (task), queue_written_cb, task);

  g_task_set_task_data (job, g_task_get_task_data (task), NULL);
  g_task_run_in_thread (job, queue_thread);
  g_object_unref (job);
}

static GTask *
queue_task_new (PfOutboxSender      *self,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data,
                gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Queue *queue = g_new0 (Queue, 1);

  g_task_set_source_tag (task, source_tag);
  queue->from_name = g_strdup (pf_account_get_real_name (self->account));
  queue->from_address = g_strdup (pf_account_get_address (self->account));
  g_task_set_task_data (task, queue, (GDestroyNotify) queue_free);
  return task;
}

/**
 * pf_outbox_sender_new_builder:
 * @self: a #PfOutboxSender
 *
 * Returns: (transfer full): a #PfMimeBuilder with the account's identity:
 *   From (real name and address) and Reply-To, if it has one
 */
PfMimeBuilder *
pf_outbox_sender_new_builder (PfOutboxSender *self)
{
  PfMimeBuilder *builder;
  const char *reply_to;

  g_return_val_if_fail (PF_IS_OUTBOX_SENDER (self), NULL);

  builder = pf_mime_builder_new ();
  pf_mime_builder_set_from (builder, pf_account_get_real_name (self->account),
                            pf_account_get_address (self->account));
  reply_to = pf_account_get_reply_to (self->account);
  if (reply_to != NULL && *reply_to != '\0')
    pf_mime_builder_add_reply_to (builder, NULL, reply_to);
  return builder;
}

/**
 * pf_outbox_sender_queue_message_async:
 * @self: a #PfOutboxSender
 * @message: a whole message (RFC 5322), e.g. read from a file
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the message is in the outbox
 * @user_data: data for @callback
 *
 * Puts a message into the outbox, durably, for pf_outbox_sender_send_all_async().
 * The envelope sender is the account's address; the recipients are the
 * addresses of To, Cc and Bcc. The Bcc field is removed from what is sent
 * and kept, line ends become CRLF, and missing From (the account's
 * identity), Date and Message-ID fields are added (see
 * pf_mime_outgoing_prepare()). The work is done in a worker thread.
 */
void
pf_outbox_sender_queue_message_async (PfOutboxSender      *self,
                                      GBytes              *message,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  GTask *task;
  Queue *queue;

  g_return_if_fail (PF_IS_OUTBOX_SENDER (self));
  g_return_if_fail (message != NULL);

  task = queue_task_new (self, cancellable, callback, user_data,
                         pf_outbox_sender_queue_message_async);
  queue = g_task_get_task_data (task);
  queue->message = g_bytes_ref (message);
  queue_start (task);
}

static void
queue_built_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Queue *queue = g_task_get_task_data (task);
  GError *error = NULL;

  queue->message = pf_mime_builder_build_finish (queue->builder, result, &error);
  if (queue->message == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  queue->recipients = pf_mime_builder_dup_envelope_recipients (queue->builder);
  queue_start (task);
}

/**
 * pf_outbox_sender_queue_builder_async:
 * @self: a #PfOutboxSender
 * @builder: a message being composed (see pf_outbox_sender_new_builder())
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the message is in the outbox
 * @user_data: data for @callback
 *
 * Builds the message (attachments are read in a worker thread) and puts
 * it into the outbox, durably. The recipients are the builder's To, Cc
 * and Bcc; Bcc does not appear in the message.
 */
void
pf_outbox_sender_queue_builder_async (PfOutboxSender      *self,
                                      PfMimeBuilder       *builder,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  GTask *task;
  Queue *queue;

  g_return_if_fail (PF_IS_OUTBOX_SENDER (self));
  g_return_if_fail (PF_IS_MIME_BUILDER (builder));

  task = queue_task_new (self, cancellable, callback, user_data,
                         pf_outbox_sender_queue_builder_async);
  queue = g_task_get_task_data (task);
  queue->builder = g_object_ref (builder);
  pf_mime_builder_build_async (builder, cancellable, queue_built_cb, task);
}

/**
 * pf_outbox_sender_queue_finish:
 * @self: a #PfOutboxSender
 * @result: the result of pf_outbox_sender_queue_message_async() or
 *   pf_outbox_sender_queue_builder_async()
 * @error: return location for an error: %PF_MIME_ERROR (not a message,
 *   no recipients, an invalid address), %PF_STORE_ERROR, or the error of
 *   reading an attachment
 *
 * Returns: the new outbox entry's id, or 0 with @error set
 */
gint64
pf_outbox_sender_queue_finish (PfOutboxSender  *self,
                               GAsyncResult    *result,
                               GError         **error)
{
  gssize id;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  id = g_task_propagate_int (G_TASK (result), error);
  return id > 0 ? id : 0;
}

/* Sending: one run */

typedef struct
{
  int                  lock_fd;
  GPtrArray           *to_send;         /* PfStoreOutboxItem: due, QUEUED */
  GPtrArray           *to_copy;         /* PfStoreOutboxItem: SENT */
  guint                index;
  PfStoreOutboxItem   *item;            /* borrowed: the entry in hand */
  GBytes              *data;            /* its message */
  PfSmtpClient        *smtp;
  PfImapSession       *imap;
  char                *sent_mailbox;    /* IMAP */
  gint64               sent_folder_id;  /* POP3: the local Sent folder */
  PfOutboxSenderStats  stats;
  GError              *error;           /* the first failure, for the caller */
} Run;

static void
run_free (Run *run)
{
  unlock_outbox (run->lock_fd);
  g_clear_pointer (&run->to_send, g_ptr_array_unref);
  g_clear_pointer (&run->to_copy, g_ptr_array_unref);
  g_clear_pointer (&run->data, g_bytes_unref);
  g_clear_object (&run->smtp);
  g_clear_object (&run->imap);
  g_free (run->sent_mailbox);
  g_clear_error (&run->error);
  g_free (run);
}

static void copy_begin (GTask *task);
static void smtp_next (GTask *task);

static void
run_finish (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  if (run->error != NULL)
    g_task_return_error (task, g_steal_pointer (&run->error));
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* Stops the run at once, e.g. when cancelled. */
static void
run_abort (GTask  *task,
           GError *error)
{
  Run *run = g_task_get_task_data (task);

  g_clear_error (&run->error);
  run->error = error;
  run_finish (task);
}

/* Keeps the first failure for the caller, with the text of last_error. */
static void
remember_error (Run          *run,
                const GError *error,
                const char   *text)
{
  if (run->error != NULL)
    return;
  run->error = g_error_copy (error);
  g_free (run->error->message);
  run->error->message = g_strdup (text);
}

/* Stores the entry's new state; the store refusing is only logged, the
 * run goes on with the others. */
static gboolean
update_item (GTask              *task,
             PfStoreOutboxItem  *item,
             PfStoreOutboxState  state,
             const char         *last_error,
             gint64              next_attempt,
             const GError       *reason)
{
  PfOutboxSender *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) signalled = NULL;

  if (!pf_store_outbox_update (self->store, item->id, state, item->attempts, last_error,
                               next_attempt, &error))
    {
      g_warning ("Cannot store the state of outbox entry %" G_GINT64_FORMAT ": %s",
                 item->id, error->message);
      return FALSE;
    }
  item->state = state;
  g_free (item->last_error);
  item->last_error = g_strdup (last_error);
  item->next_attempt = next_attempt;

  if (reason != NULL)
    {
      signalled = g_error_copy (reason);
      g_free (signalled->message);
      signalled->message = g_strdup (last_error);
    }
  g_signal_emit (self, signals[SIGNAL_ITEM_STATE_CHANGED], 0, item->id, (guint) state, signalled);
  return TRUE;
}

/* Sending @item failed with @error: queued again with a delay, or failed
 * for good. */
static void
send_failed (GTask             *task,
             PfStoreOutboxItem *item,
             const GError      *error)
{
  Run *run = g_task_get_task_data (task);
  g_autofree char *text = pf_outbox_describe_error (error);

  if (pf_outbox_error_is_permanent (error))
    {
      update_item (task, item, PF_STORE_OUTBOX_FAILED, text, 0, error);
      run->stats.failed++;
    }
  else
    {
      gint64 next = g_get_real_time () +
                    (gint64) pf_outbox_retry_delay (MAX (item->attempts, 1)) * G_USEC_PER_SEC;

      update_item (task, item, PF_STORE_OUTBOX_QUEUED, text, next, error);
      run->stats.deferred++;
    }
  remember_error (run, error, text);
}

/* @item was sent, but its copy in Sent failed: it stays SENT, with the
 * reason shown, and the next run tries again. */
static void
copy_failed (GTask             *task,
             PfStoreOutboxItem *item,
             const GError      *error)
{
  Run *run = g_task_get_task_data (task);
  g_autofree char *reason = pf_outbox_describe_error (error);
  g_autofree char *text = NULL;

  /* Translators: the message went out, but storing it in the Sent folder
   * failed; the reason follows */
  text = g_strdup_printf (_("Sent, but not stored in the Sent folder: %s"), reason);
  update_item (task, item, PF_STORE_OUTBOX_SENT, text, 0, error);
  run->stats.copy_failed++;
  remember_error (run, error, text);
}

static void
copy_failed_from (GTask        *task,
                  guint         first,
                  const GError *error)
{
  Run *run = g_task_get_task_data (task);

  for (guint i = first; i < run->to_copy->len; i++)
    copy_failed (task, g_ptr_array_index (run->to_copy, i), error);
}

static void
load_item_async (GTask               *task,
                 PfStoreOutboxItem   *item,
                 GAsyncReadyCallback  callback)
{
  g_autoptr(GFile) file = g_file_new_for_path (item->path);

  g_file_load_bytes_async (file, g_task_get_cancellable (task), callback, task);
}

static GBytes *
load_item_finish (GAsyncResult  *result,
                  GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GObject) file = g_async_result_get_source_object (result);
  GBytes *bytes = g_file_load_bytes_finish (G_FILE (file), result, NULL, &local_error);

  if (bytes == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                    _("The message file of the outbox cannot be read: "));
    }
  return bytes;
}

/* SMTP */

static void
smtp_quit_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);

  pf_smtp_client_quit_finish (PF_SMTP_CLIENT (object), result, NULL);
  g_clear_object (&run->smtp);
  copy_begin (task);
}

static void
smtp_done (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  if (run->smtp == NULL)
    {
      copy_begin (task);
      return;
    }
  pf_smtp_client_quit_async (run->smtp, g_task_get_cancellable (task), smtp_quit_cb, task);
}

/* The connection or login failed: every due message shares the failure. */
static void
smtp_connect_failed (GTask  *task,
                     GError *error)
{
  Run *run = g_task_get_task_data (task);

  g_clear_object (&run->smtp);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      run_abort (task, error);
      return;
    }
  for (guint i = 0; i < run->to_send->len; i++)
    {
      PfStoreOutboxItem *item = g_ptr_array_index (run->to_send, i);

      item->attempts++;
      send_failed (task, item, error);
    }
  g_error_free (error);
  copy_begin (task);
}

/* Recipients refused while others got the message: an entry of their own,
 * with a copy of the file. */
typedef struct
{
  GBytes    *data;
  GPtrArray *refused;  /* of GError, each naming its recipient */
  char      *path;
} SplitFile;

static void
split_file_free (SplitFile *split)
{
  g_bytes_unref (split->data);
  g_ptr_array_unref (split->refused);
  g_free (split->path);
  g_free (split);
}

static void
split_thread (GTask        *job,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  PfOutboxSender *self = source_object;
  SplitFile *split = task_data;
  GError *error = NULL;

  split->path = pf_store_new_outbox_file (self->store, split->data, NULL, &error);
  if (split->path == NULL)
    g_task_return_error (job, error);
  else
    g_task_return_boolean (job, TRUE);
}

static void
split_written_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  PfOutboxSender *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  SplitFile *split = g_task_get_task_data (G_TASK (result));
  GPtrArray *refused = split->refused;
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) reasons = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfStoreOutboxItem) split_item = NULL;
  gboolean permanent = FALSE;
  const GError *first = NULL;
  gint64 id;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_warning ("Cannot keep the message for the refused recipients: %s", error->message);
      run->index++;
      smtp_next (task);
      return;
    }

  for (guint i = 0; i < refused->len; i++)
    {
      const GError *one = g_ptr_array_index (refused, i);
      g_autofree char *text = pf_outbox_describe_error (one);

      if (first == NULL)
        first = one;
      permanent |= pf_outbox_error_is_permanent (one);
      if (reasons->len > 0)
        g_string_append (reasons, "; ");
      g_string_append (reasons, text);
      if (pf_smtp_error_get_recipient (one) != NULL)
        g_ptr_array_add (addresses, g_strdup (pf_smtp_error_get_recipient (one)));
    }
  g_ptr_array_add (addresses, NULL);

  id = pf_store_outbox_add (self->store, split->path, run->item->envelope_from,
                            (const char *const *) addresses->pdata, &error);
  if (id != 0)
    split_item = pf_store_outbox_get (self->store, id, &error);
  if (split_item == NULL)
    {
      g_warning ("Cannot keep the message for the refused recipients: %s", error->message);
      g_unlink (split->path);
    }
  else
    {
      split_item->attempts = run->item->attempts;
      if (permanent)
        {
          update_item (task, split_item, PF_STORE_OUTBOX_FAILED, reasons->str, 0, first);
          run->stats.failed++;
        }
      else
        {
          gint64 next = g_get_real_time () +
                        (gint64) pf_outbox_retry_delay (split_item->attempts) * G_USEC_PER_SEC;

          update_item (task, split_item, PF_STORE_OUTBOX_QUEUED, reasons->str, next, first);
          run->stats.deferred++;
        }
      remember_error (run, first, reasons->str);
    }

  run->index++;
  smtp_next (task);
}

static void
split_refused (GTask     *task,
               GPtrArray *refused)
{
  PfOutboxSender *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GTask *job = g_task_new (self, NULL, split_written_cb, task);
  SplitFile *split = g_new0 (SplitFile, 1);

  split->data = g_bytes_ref (run->data);
  split->refused = g_ptr_array_ref (refused);
  g_task_set_task_data (job, split, (GDestroyNotify) split_file_free);
  g_task_run_in_thread (job, split_thread);
  g_object_unref (job);
}

/* Whether the SMTP session can take the next message after @error: the
 * server answered (and the client reset the transaction), so it is still
 * talking to us. */
static gboolean
smtp_session_usable (const GError *error)
{
  return error->domain == PF_SMTP_ERROR && pf_smtp_error_get_reply_code (error) != 0 &&
         error->code != PF_SMTP_ERROR_CONNECTION_LOST;
}

static void
smtp_sent_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  PfStoreOutboxItem *item = run->item;
  g_autoptr(GPtrArray) refused = NULL;
  g_autoptr(GError) error = NULL;

  if (!pf_smtp_client_send_finish (PF_SMTP_CLIENT (object), result, &refused, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* Not known to be accepted: as after a crash, sent again. */
          update_item (task, item, PF_STORE_OUTBOX_QUEUED, NULL, 0, NULL);
          run_abort (task, g_steal_pointer (&error));
          return;
        }
      send_failed (task, item, error);
      if (!smtp_session_usable (error))
        {
          /* The rest waits for the next run. */
          g_clear_object (&run->smtp);
          copy_begin (task);
          return;
        }
      run->index++;
      smtp_next (task);
      return;
    }

  /* The server has it: nothing may send it again. */
  update_item (task, item, PF_STORE_OUTBOX_SENT, NULL, 0, NULL);
  run->stats.sent++;

  if (refused != NULL && refused->len > 0)
    {
      split_refused (task, refused);
      return;
    }
  run->index++;
  smtp_next (task);
}

static void
smtp_loaded_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  PfStoreOutboxItem *item = run->item;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&run->data, g_bytes_unref);
  run->data = load_item_finish (result, &error);
  if (run->data == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          run_abort (task, g_steal_pointer (&error));
          return;
        }
      item->attempts++;
      send_failed (task, item, error);
      run->index++;
      smtp_next (task);
      return;
    }

  /* Durably before MAIL FROM: after a crash from here on, the entry is
   * sent again (see the section documentation). */
  item->attempts++;
  if (!update_item (task, item, PF_STORE_OUTBOX_SENDING, item->last_error, item->next_attempt,
                    NULL))
    {
      g_set_error (&error, PF_STORE_ERROR, PF_STORE_ERROR_FAILED,
                   _("The outbox cannot be written; nothing was sent"));
      run_abort (task, g_steal_pointer (&error));
      return;
    }

  stream = g_memory_input_stream_new_from_bytes (run->data);
  pf_smtp_client_send_async (run->smtp, item->envelope_from,
                             (const char *const *) item->recipients, stream,
                             (gint64) g_bytes_get_size (run->data),
                             g_task_get_cancellable (task), smtp_sent_cb, task);
}

static void
smtp_next (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  if (run->index >= run->to_send->len)
    {
      smtp_done (task);
      return;
    }
  run->item = g_ptr_array_index (run->to_send, run->index);
  load_item_async (task, run->item, smtp_loaded_cb);
}

static void
smtp_logged_in_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  if (!pf_smtp_client_login_finish (PF_SMTP_CLIENT (object), result, &error))
    {
      smtp_connect_failed (task, error);
      return;
    }
  run->index = 0;
  smtp_next (task);
}

static void
smtp_opened_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  PfOutboxSender *self = g_task_get_source_object (task);
  PfServerSettings *outgoing = pf_account_get_outgoing (self->account);
  GError *error = NULL;

  if (!pf_smtp_client_open_finish (PF_SMTP_CLIENT (object), result, &error))
    {
      smtp_connect_failed (task, error);
      return;
    }
  pf_smtp_client_login_async (PF_SMTP_CLIENT (object),
                              pf_server_settings_get_username (outgoing), self->smtp_secret,
                              pf_server_settings_get_auth_method (outgoing) ==
                              PF_AUTH_METHOD_OAUTH2,
                              g_task_get_cancellable (task), smtp_logged_in_cb, task);
}

static void
smtp_begin (GTask *task)
{
  PfOutboxSender *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  PfServerSettings *outgoing = pf_account_get_outgoing (self->account);
  g_autoptr(PfNetConnection) net = NULL;
  GError *error = NULL;

  if (run->to_send->len == 0)
    {
      copy_begin (task);
      return;
    }
  if (self->smtp_secret == NULL)
    {
      /* Nothing was tried: the entries stay as they are. */
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("No password is known for the mail server %s"),
                   pf_server_settings_get_host (outgoing));
      remember_error (run, error, error->message);
      g_error_free (error);
      copy_begin (task);
      return;
    }

  net = pf_server_settings_create_connection (outgoing, &error);
  if (net == NULL)
    {
      smtp_connect_failed (task, error);
      return;
    }
  run->smtp = pf_smtp_client_new (net);
  pf_smtp_client_open_async (run->smtp, g_task_get_cancellable (task), smtp_opened_cb, task);
}

/* The copy in Sent: one entry after the other, for IMAP and POP3 alike */

static void imap_copy_item  (GTask               *task,
                             const PfMimeHeaders *headers);
static void local_copy_item (GTask               *task,
                             const PfMimeHeaders *headers);

static void
imap_logged_out_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;

  pf_imap_connection_logout_finish (PF_IMAP_CONNECTION (object), result, NULL);
  run_finish (task);
}

/* The end of the run: logs out of IMAP, if it was used. */
static void
copy_done (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  g_autoptr(PfImapSession) session = g_steal_pointer (&run->imap);

  if (session == NULL)
    {
      run_finish (task);
      return;
    }
  pf_imap_connection_logout_async (pf_imap_session_get_connection (session), NULL,
                                   imap_logged_out_cb, task);
}

static void
copy_loaded_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data);

static void
copy_next (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  if (run->index >= run->to_copy->len)
    {
      copy_done (task);
      return;
    }
  run->item = g_ptr_array_index (run->to_copy, run->index);
  load_item_async (task, run->item, copy_loaded_cb);
}

/* The entry in hand is in Sent: it leaves the outbox. */
static void
copy_item_done (GTask    *task,
                gboolean  copied)
{
  PfOutboxSender *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  PfStoreOutboxItem *item = run->item;
  g_autoptr(GError) error = NULL;

  if (copied)
    run->stats.copied++;
  else
    run->stats.found_in_sent++;
  if (!pf_store_outbox_remove (self->store, item->id, TRUE, &error))
    g_warning ("Cannot remove outbox entry %" G_GINT64_FORMAT ": %s", item->id, error->message);
  else
    g_signal_emit (self, signals[SIGNAL_ITEM_DONE], 0, item->id, copied);
  run->index++;
  copy_next (task);
}

/* The copy of the entry in hand failed. A refused IMAP command (NO) or a
 * local failure lets the next entry try; a lost IMAP session ends the
 * copies of this run. */
static void
copy_item_failed (GTask  *task,
                  GError *error)
{
  Run *run = g_task_get_task_data (task);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      run_abort (task, error);
      return;
    }
  if (run->imap != NULL && error->domain != G_IO_ERROR &&
      !g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_NO))
    {
      copy_failed_from (task, run->index, error);
      g_error_free (error);
      g_clear_object (&run->imap);
      run_finish (task);
      return;
    }
  copy_failed (task, run->item, error);
  g_error_free (error);
  run->index++;
  copy_next (task);
}

static void
copy_loaded_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(PfMimeHeaders) headers = NULL;
  GError *error = NULL;

  g_clear_pointer (&run->data, g_bytes_unref);
  run->data = load_item_finish (result, &error);
  if (run->data == NULL)
    {
      copy_item_failed (task, error);
      return;
    }
  headers = pf_mime_outgoing_parse_headers (run->data);
  if (run->imap != NULL)
    imap_copy_item (task, headers);
  else
    local_copy_item (task, headers);
}

/* Before the first copy: every entry shares a failure. */
static void
copy_setup_failed (GTask  *task,
                   GError *error)
{
  Run *run = g_task_get_task_data (task);

  g_clear_object (&run->imap);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      run_abort (task, error);
      return;
    }
  copy_failed_from (task, 0, error);
  g_error_free (error);
  run_finish (task);
}

/* IMAP: the Sent folder on the server */

static void
imap_appended_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!pf_imap_session_append_finish (PF_IMAP_SESSION (object), result, NULL, NULL, &error))
    copy_item_failed (task, error);
  else
    copy_item_done (task, TRUE);
}

static void
imap_append (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  const char *const flags[] = { "\\Seen", NULL };
  g_autoptr(PfMimeHeaders) headers = pf_mime_outgoing_parse_headers (run->data);

  pf_imap_session_append_async (run->imap, run->sent_mailbox, flags, headers->date, run->data,
                                g_task_get_cancellable (task), imap_appended_cb, task);
}

static void
imap_searched_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GArray) uids = NULL;
  GError *error = NULL;

  uids = pf_imap_session_search_finish (PF_IMAP_SESSION (object), result, &error);
  if (uids == NULL)
    {
      copy_item_failed (task, error);
      return;
    }
  if (uids->len == 0)
    {
      imap_append (task);
      return;
    }
  g_debug ("Outbox entry %" G_GINT64_FORMAT " is in %s already", run->item->id,
           run->sent_mailbox);
  copy_item_done (task, FALSE);
}

static void
imap_copy_item (GTask               *task,
                const PfMimeHeaders *headers)
{
  Run *run = g_task_get_task_data (task);
  g_autofree char *quoted = NULL;

  if (headers->message_id == NULL)
    {
      imap_append (task);
      return;
    }
  /* Is it there already (filed by the server, or appended by a run that
   * ended before it could remove the entry)? */
  quoted = g_strdup_printf ("<%s>", headers->message_id);
  pf_imap_session_search_async (run->imap, "HEADER Message-ID ?",
                                (const char *const[]) { quoted, NULL },
                                g_task_get_cancellable (task), imap_searched_cb, task);
}

static void
imap_selected_cb (GObject      *object,
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
      copy_setup_failed (task, error);
      return;
    }
  run->index = 0;
  copy_next (task);
}

static void
imap_select (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  /* EXAMINE: searching changes nothing; APPEND needs no selection. */
  pf_imap_session_select_async (run->imap, run->sent_mailbox, PF_IMAP_SELECT_READ_ONLY, NULL,
                                NULL, NULL, NULL, g_task_get_cancellable (task),
                                imap_selected_cb, task);
}

static void
imap_created_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  /* Created meanwhile by someone else: as good. */
  if (!pf_imap_session_create_finish (PF_IMAP_SESSION (object), result, &error) &&
      !g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_NO))
    {
      copy_setup_failed (task, error);
      return;
    }
  g_clear_error (&error);
  imap_select (task);
}

/* The Sent folder among the listed ones: the one marked \Sent (RFC 6154);
 * else the store's Sent folder; else one named like a Sent folder. */
static char *
find_sent_mailbox (PfOutboxSender *self,
                   GPtrArray      *listed)
{
  g_autoptr(PfStoreFolder) known = NULL;

  for (guint i = 0; i < listed->len; i++)
    {
      const PfImapListItem *item = g_ptr_array_index (listed, i);

      if ((item->entry->attributes & PF_IMAP_MAILBOX_SENT) &&
          !(item->entry->attributes & PF_IMAP_MAILBOX_NOSELECT))
        return g_strdup (item->entry->name);
    }
  known = pf_store_lookup_folder_by_special_use (self->store, PF_STORE_SPECIAL_USE_SENT, NULL);
  for (guint i = 0; known != NULL && i < listed->len; i++)
    {
      const PfImapListItem *item = g_ptr_array_index (listed, i);

      if (g_strcmp0 (item->entry->name, known->name) == 0 &&
          !(item->entry->attributes & PF_IMAP_MAILBOX_NOSELECT))
        return g_strdup (item->entry->name);
    }
  for (guint i = 0; i < listed->len; i++)
    {
      const PfImapListItem *item = g_ptr_array_index (listed, i);

      if (pf_imap_sync_guess_special_use (item->entry->name) == PF_STORE_SPECIAL_USE_SENT &&
          !(item->entry->attributes & PF_IMAP_MAILBOX_NOSELECT))
        return g_strdup (item->entry->name);
    }
  return NULL;
}

static void
imap_listed_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  PfOutboxSender *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GPtrArray) listed = NULL;
  GError *error = NULL;

  listed = pf_imap_session_list_finish (PF_IMAP_SESSION (object), result, &error);
  if (listed == NULL)
    {
      copy_setup_failed (task, error);
      return;
    }
  run->sent_mailbox = find_sent_mailbox (self, listed);
  if (run->sent_mailbox == NULL)
    {
      /* No Sent folder at all: one is made, marked \Sent where the server
       * allows (CREATE-SPECIAL-USE). */
      run->sent_mailbox = g_strdup ("Sent");
      pf_imap_session_create_async (run->imap, run->sent_mailbox, PF_IMAP_MAILBOX_SENT,
                                    g_task_get_cancellable (task), imap_created_cb, task);
      return;
    }
  imap_select (task);
}

static void
imap_opened_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  run->imap = pf_imap_sync_open_session_finish (result, &error);
  if (run->imap == NULL)
    {
      copy_setup_failed (task, error);
      return;
    }
  pf_imap_session_list_async (run->imap, "", "*", PF_IMAP_LIST_NONE,
                              g_task_get_cancellable (task), imap_listed_cb, task);
}

static void
imap_begin (GTask *task)
{
  PfOutboxSender *self = g_task_get_source_object (task);
  PfServerSettings *incoming = pf_account_get_incoming (self->account);

  if (self->imap_secret == NULL)
    {
      copy_setup_failed (task, g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                            _("No password is known for %s"),
                                            pf_server_settings_get_host (incoming)));
      return;
    }
  pf_imap_sync_open_session_async (incoming, self->imap_secret,
                                   pf_server_settings_get_auth_method (incoming) ==
                                   PF_AUTH_METHOD_OAUTH2,
                                   g_task_get_cancellable (task), imap_opened_cb, task);
}

/* POP3: the local Sent folder */

typedef struct
{
  PfStoreWriter  *writer;
  GBytes         *data;
  gint64          folder_id;
  PfStoreMessage *message;
} LocalCopy;

static void
local_copy_free (LocalCopy *copy)
{
  g_clear_pointer (&copy->writer, pf_store_writer_free);
  g_clear_pointer (&copy->data, g_bytes_unref);
  g_clear_pointer (&copy->message, pf_store_message_free);
  g_free (copy);
}

static char *
join_references (char **references)
{
  GString *text;

  if (references == NULL || references[0] == NULL)
    return NULL;
  text = g_string_new (NULL);
  for (guint i = 0; references[i] != NULL; i++)
    g_string_append_printf (text, "%s<%s>", i > 0 ? " " : "", references[i]);
  return g_string_free (text, FALSE);
}

/* Worker: writes the Maildir file and makes the message's summary. */
static void
local_copy_thread (GTask        *job,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  LocalCopy *copy = task_data;
  g_autoptr(PfMimeMessage) parsed = NULL;
  PfStoreMessage *message;
  const PfMimeHeaders *headers;
  GError *error = NULL;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (copy->data, &size);
  char *path;

  parsed = pf_mime_message_parse_bytes (copy->data, &error);
  if (parsed == NULL ||
      !g_output_stream_write_all (pf_store_writer_get_stream (copy->writer), bytes, size, NULL,
                                  NULL, &error))
    {
      g_task_return_error (job, error);
      return;
    }
  path = pf_store_writer_commit (copy->writer, NULL, &error);
  if (path == NULL)
    {
      g_task_return_error (job, error);
      return;
    }

  headers = pf_mime_message_get_headers (parsed);
  message = pf_store_message_new ();
  message->folder_id = copy->folder_id;
  message->flags = PF_STORE_FLAG_SEEN;
  message->internal_date = g_get_real_time () / G_USEC_PER_SEC;
  message->date = headers->date != NULL ? g_date_time_to_unix (headers->date) : 0;
  message->size = size;
  message->subject = g_strdup (headers->subject);
  if (headers->from != NULL && headers->from->len > 0)
    {
      const PfMimeAddress *from = g_ptr_array_index (headers->from, 0);

      message->from_name = g_strdup (from->name);
      message->from_address = g_strdup (from->address);
    }
  if (headers->to != NULL && headers->to->len > 0)
    message->to = pf_mime_address_list_to_display (headers->to);
  if (headers->cc != NULL && headers->cc->len > 0)
    message->cc = pf_mime_address_list_to_display (headers->cc);
  message->message_id = g_strdup (headers->message_id);
  message->in_reply_to = g_strdup (headers->in_reply_to);
  message->references = join_references (headers->references);
  message->has_attachment = pf_mime_message_has_attachments (parsed);
  message->preview = pf_mime_message_dup_preview (parsed);
  message->body_path = path;
  copy->message = message;
  g_task_return_boolean (job, TRUE);
}

static void
local_applied_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!pf_store_apply_batch_finish (PF_STORE (object), result, &error))
    copy_item_failed (task, error);
  else
    copy_item_done (task, TRUE);
}

static void
local_written_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  PfOutboxSender *self = g_task_get_source_object (task);
  LocalCopy *copy = g_task_get_task_data (G_TASK (result));
  g_autoptr(PfStoreBatch) batch = NULL;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      copy_item_failed (task, error);
      return;
    }
  batch = pf_store_batch_new ();
  pf_store_batch_take_message (batch, g_steal_pointer (&copy->message));
  pf_store_apply_batch_async (self->store, batch, NULL, local_applied_cb, task);
}

/* Whether the local Sent folder has a message with @message_id already. */
static gboolean
local_has_copy (PfOutboxSender *self,
                gint64          folder_id,
                const char     *message_id)
{
  g_autoptr(GPtrArray) found = NULL;

  if (message_id == NULL)
    return FALSE;
  found = pf_store_lookup_messages_by_message_id (self->store, message_id, NULL);
  for (guint i = 0; found != NULL && i < found->len; i++)
    {
      const PfStoreMessage *message = g_ptr_array_index (found, i);

      if (message->folder_id == folder_id && !(message->flags & PF_STORE_FLAG_DELETED))
        return TRUE;
    }
  return FALSE;
}

static void
local_copy_item (GTask               *task,
                 const PfMimeHeaders *headers)
{
  PfOutboxSender *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;
  PfStoreWriter *writer;
  LocalCopy *copy;
  GTask *job;

  /* There already: copied by a run that ended before it could remove
   * the entry. */
  if (local_has_copy (self, run->sent_folder_id, headers->message_id))
    {
      copy_item_done (task, FALSE);
      return;
    }

  writer = pf_store_new_writer (self->store, run->sent_folder_id, &error);
  if (writer == NULL)
    {
      copy_item_failed (task, error);
      return;
    }
  copy = g_new0 (LocalCopy, 1);
  copy->writer = writer;
  copy->data = g_bytes_ref (run->data);
  copy->folder_id = run->sent_folder_id;
  job = g_task_new (self, NULL, local_written_cb, task);
  g_task_set_task_data (job, copy, (GDestroyNotify) local_copy_free);
  g_task_run_in_thread (job, local_copy_thread);
  g_object_unref (job);
}

/* The local Sent folder of a POP3 account, created if missing: "Sent",
 * special use SENT, local only (as the POP3 download names its folders). */
static gint64
ensure_local_sent (PfOutboxSender  *self,
                   GError         **error)
{
  g_autoptr(PfStoreFolder) folder = NULL;
  g_autoptr(PfStoreFolder) created = NULL;

  folder = pf_store_lookup_folder_by_special_use (self->store, PF_STORE_SPECIAL_USE_SENT, NULL);
  if (folder == NULL)
    folder = pf_store_lookup_folder (self->store, "Sent", NULL);
  if (folder != NULL)
    return folder->id;

  created = pf_store_folder_new ();
  created->name = g_strdup ("Sent");
  created->special_use = PF_STORE_SPECIAL_USE_SENT;
  created->local_only = TRUE;
  created->subscribed = TRUE;
  return pf_store_create_folder (self->store, created, error);
}

static void
local_begin (GTask *task)
{
  PfOutboxSender *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GError *error = NULL;

  run->sent_folder_id = ensure_local_sent (self, &error);
  if (run->sent_folder_id == 0)
    {
      copy_setup_failed (task, error);
      return;
    }
  run->index = 0;
  copy_next (task);
}

static void
copy_begin (GTask *task)
{
  PfOutboxSender *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  /* What this run sent joins what earlier runs sent but could not copy. */
  for (guint i = 0; i < run->to_send->len; i++)
    {
      PfStoreOutboxItem *item = g_ptr_array_index (run->to_send, i);

      if (item->state == PF_STORE_OUTBOX_SENT)
        g_ptr_array_add (run->to_copy, g_ptr_array_steal_index (run->to_send, i--));
    }

  if (run->to_copy->len == 0)
    run_finish (task);
  else if (pf_account_get_kind (self->account) == PF_ACCOUNT_KIND_IMAP)
    imap_begin (task);
  else
    local_begin (task);
}

/**
 * pf_outbox_sender_send_all_async:
 * @self: a #PfOutboxSender
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the run is over
 * @user_data: data for @callback
 *
 * Sends every queued message that is due (not waiting after a failure;
 * FAILED ones wait for pf_outbox_sender_retry()) over one SMTP session,
 * then makes sure each sent message, also those of earlier runs whose
 * copy failed, is in the Sent folder exactly once, and removes it from
 * the outbox (see the section documentation for the states). Entries
 * SENDING at the start were left by a process that died: they are sent
 * again. Network I/O on the main context; message files are read with
 * GIO async calls, the local Sent copies written in a worker thread.
 *
 * Fails at once with %G_IO_ERROR_BUSY while another run (in this or
 * another process) holds the outbox, %G_IO_ERROR_PENDING for a second run
 * of @self.
 */
void
pf_outbox_sender_send_all_async (PfOutboxSender      *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;
  Run *run;
  g_autoptr(GPtrArray) items = NULL;
  GError *error = NULL;
  gint64 now = g_get_real_time ();

  g_return_if_fail (PF_IS_OUTBOX_SENDER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_outbox_sender_send_all_async);
  run = g_new0 (Run, 1);
  run->lock_fd = -1;
  run->to_send = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_store_outbox_item_free);
  run->to_copy = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_store_outbox_item_free);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);

  if (self->running)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The outbox is being sent already"));
      g_object_unref (task);
      return;
    }
  run->lock_fd = lock_outbox (self, &error);
  if (run->lock_fd < 0)
    {
      run_abort (task, error);
      return;
    }
  items = pf_store_outbox_list (self->store, &error);
  if (items == NULL)
    {
      run_abort (task, error);
      return;
    }
  self->running = TRUE;

  for (guint i = 0; i < items->len; i++)
    {
      PfStoreOutboxItem *item = g_ptr_array_index (items, i);

      switch (item->state)
        {
        case PF_STORE_OUTBOX_SENDING:
          /* Left by a process that died (the lock says no other one is at
           * work): whether the server took it is unknown, so it goes out
           * again. */
          g_debug ("Outbox entry %" G_GINT64_FORMAT " was being sent when Postfach stopped",
                   item->id);
          update_item (task, item, PF_STORE_OUTBOX_QUEUED, item->last_error, 0, NULL);
          g_ptr_array_add (run->to_send, g_ptr_array_steal_index (items, i--));
          break;
        case PF_STORE_OUTBOX_QUEUED:
          if (item->next_attempt <= now)
            g_ptr_array_add (run->to_send, g_ptr_array_steal_index (items, i--));
          else
            run->stats.waiting++;
          break;
        case PF_STORE_OUTBOX_SENT:
          g_ptr_array_add (run->to_copy, g_ptr_array_steal_index (items, i--));
          break;
        case PF_STORE_OUTBOX_FAILED:
        default:
          break;
        }
    }

  smtp_begin (task);
}

/**
 * pf_outbox_sender_send_all_finish:
 * @self: a #PfOutboxSender
 * @result: the result
 * @stats: (out caller-allocates) (optional): what the run did, also when
 *   it failed
 * @error: return location for the first failure of the run; each entry
 *   keeps its own in last_error. Its domain and code are those of the
 *   cause (%PF_SMTP_ERROR, %PF_NET_ERROR, %PF_IMAP_ERROR, …), its message
 *   the entry's last_error.
 *
 * Returns: %TRUE if every due message was sent and copied to Sent
 */
gboolean
pf_outbox_sender_send_all_finish (PfOutboxSender       *self,
                                  GAsyncResult         *result,
                                  PfOutboxSenderStats  *stats,
                                  GError              **error)
{
  Run *run;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  run = g_task_get_task_data (G_TASK (result));
  if (run->lock_fd >= 0)
    {
      self->running = FALSE;
      unlock_outbox (run->lock_fd);
      run->lock_fd = -1;
    }
  if (stats != NULL)
    *stats = run->stats;
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The user's hand */

/**
 * pf_outbox_sender_retry:
 * @self: a #PfOutboxSender
 * @item_id: an outbox entry
 * @error: return location for an error
 *
 * Makes a FAILED or waiting entry due at once, with its attempts and
 * error cleared, for the next pf_outbox_sender_send_all_async(). A SENT
 * entry stays SENT (only its copy in Sent is left, and every run tries
 * that); its error is cleared.
 *
 * Returns: %TRUE, or %FALSE with @error set: %PF_STORE_ERROR_NOT_FOUND,
 *   %G_IO_ERROR_BUSY while the outbox is being sent
 */
gboolean
pf_outbox_sender_retry (PfOutboxSender  *self,
                        gint64           item_id,
                        GError         **error)
{
  g_autoptr(PfStoreOutboxItem) item = NULL;
  int fd;
  gboolean ok;

  g_return_val_if_fail (PF_IS_OUTBOX_SENDER (self), FALSE);

  fd = lock_outbox (self, error);
  if (fd < 0)
    return FALSE;
  item = pf_store_outbox_get (self->store, item_id, error);
  if (item == NULL)
    ok = FALSE;
  else if (item->state == PF_STORE_OUTBOX_SENT)
    ok = pf_store_outbox_update (self->store, item_id, PF_STORE_OUTBOX_SENT, item->attempts,
                                 NULL, 0, error);
  else
    ok = pf_store_outbox_update (self->store, item_id, PF_STORE_OUTBOX_QUEUED, 0, NULL, 0,
                                 error);
  unlock_outbox (fd);
  return ok;
}

/**
 * pf_outbox_sender_remove:
 * @self: a #PfOutboxSender
 * @item_id: an outbox entry
 * @error: return location for an error
 *
 * Gives up on a message: removes the entry and its file. A SENT entry's
 * message was sent already; only its copy in Sent is given up.
 *
 * Returns: %TRUE, or %FALSE with @error set: %PF_STORE_ERROR_NOT_FOUND,
 *   %G_IO_ERROR_BUSY while the outbox is being sent
 */
gboolean
pf_outbox_sender_remove (PfOutboxSender  *self,
                         gint64           item_id,
                         GError         **error)
{
  int fd;
  gboolean ok;

  g_return_val_if_fail (PF_IS_OUTBOX_SENDER (self), FALSE);

  fd = lock_outbox (self, error);
  if (fd < 0)
    return FALSE;
  ok = pf_store_outbox_remove (self->store, item_id, TRUE, error);
  unlock_outbox (fd);
  return ok;
}
