/* pf-outbox-sender.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/pf-account.h"
#include "account/pf-secret-store.h"
#include "mime/pf-mime-builder.h"
#include "store/pf-store.h"

G_BEGIN_DECLS

/**
 * PF_OUTBOX_FIRST_RETRY_SECONDS:
 *
 * The wait after the first temporary failure; it doubles with every
 * further one, up to %PF_OUTBOX_MAX_RETRY_SECONDS.
 */
#define PF_OUTBOX_FIRST_RETRY_SECONDS 60

/**
 * PF_OUTBOX_MAX_RETRY_SECONDS:
 *
 * The longest wait between two attempts to send a message.
 */
#define PF_OUTBOX_MAX_RETRY_SECONDS 3600

/**
 * PfOutboxSenderStats:
 * @sent: messages the SMTP server accepted in this run
 * @copied: copies Postfach stored in the Sent folder (IMAP APPEND, or the
 *   local Sent folder of a POP3 account)
 * @found_in_sent: sent messages whose copy the server had filed in Sent
 *   itself, so none was added
 * @deferred: messages that failed for now (4xx, connection lost, server
 *   unreachable); queued again for later
 * @failed: messages that failed for good (refused recipient, message too
 *   large, wrong password, untrusted certificate); they wait for the user
 * @copy_failed: sent messages whose copy in Sent failed; they stay in the
 *   outbox as sent and the copy is tried again with the next run
 * @waiting: queued messages not due yet (waiting after a failure)
 *
 * What one pf_outbox_sender_send_all_async() did.
 */
typedef struct
{
  guint sent;
  guint copied;
  guint found_in_sent;
  guint deferred;
  guint failed;
  guint copy_failed;
  guint waiting;
} PfOutboxSenderStats;

#define PF_TYPE_OUTBOX_SENDER (pf_outbox_sender_get_type ())

G_DECLARE_FINAL_TYPE (PfOutboxSender, pf_outbox_sender, PF, OUTBOX_SENDER, GObject)

PfOutboxSender *pf_outbox_sender_new              (PfStore              *store,
                                                   PfAccount            *account);
PfStore        *pf_outbox_sender_get_store        (PfOutboxSender       *self);
PfAccount      *pf_outbox_sender_get_account      (PfOutboxSender       *self);
void            pf_outbox_sender_set_secret       (PfOutboxSender       *self,
                                                   PfSecretService       service,
                                                   const char           *secret);

/* Queueing (main thread) */

PfMimeBuilder  *pf_outbox_sender_new_builder      (PfOutboxSender       *self);
void            pf_outbox_sender_queue_message_async (PfOutboxSender    *self,
                                                   GBytes               *message,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
void            pf_outbox_sender_queue_builder_async (PfOutboxSender    *self,
                                                   PfMimeBuilder        *builder,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gint64          pf_outbox_sender_queue_finish     (PfOutboxSender       *self,
                                                   GAsyncResult         *result,
                                                   GError              **error);

/* Sending (main thread) */

void            pf_outbox_sender_send_all_async   (PfOutboxSender       *self,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
gboolean        pf_outbox_sender_send_all_finish  (PfOutboxSender       *self,
                                                   GAsyncResult         *result,
                                                   PfOutboxSenderStats  *stats,
                                                   GError              **error);

/* The user's hand (main thread) */

gboolean        pf_outbox_sender_retry            (PfOutboxSender       *self,
                                                   gint64                item_id,
                                                   GError              **error);
gboolean        pf_outbox_sender_remove           (PfOutboxSender       *self,
                                                   gint64                item_id,
                                                   GError              **error);

/* The policy, for the sender and its tests */

guint           pf_outbox_retry_delay             (guint                 attempts);
gboolean        pf_outbox_error_is_permanent      (const GError         *error);
char           *pf_outbox_describe_error          (const GError         *error);

G_END_DECLS
