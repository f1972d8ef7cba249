/* pf-pop3-migration.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/pf-server-settings.h"
#include "store/pf-store.h"

G_BEGIN_DECLS

/**
 * PfPop3MigrationFolder:
 * @local_name: the local folder's name
 * @server_name: the IMAP mailbox it was copied to, in UTF-8 (with the
 *   server's hierarchy delimiter); %NULL if none could be found or made
 * @special_use: the local folder's role
 * @created: whether the mailbox was created by this run
 * @local_count: the local messages (those not marked \Deleted)
 * @copied: messages this run stored on the server (APPEND)
 * @already_there: local messages the server had before this run (a
 *   message with the same Message-ID, or for messages without one the
 *   same Date, From, To, Subject and size)
 * @flags_added: of @already_there, those whose server copy lacked some
 *   of the local flags and got them
 * @failed: messages the server refused, or whose file could not be read
 * @removed: copies this run made of messages the server turned out to
 *   have already, and removed again (after a lost connection the server
 *   may still store the last messages it received while the next run
 *   compares)
 * @server_count: the messages in the mailbox after the run
 * @verified: local messages found on the server after the run; equal to
 *   @local_count when the folder was copied completely
 * @error: (nullable): the first failure in this folder, for the user
 *
 * What happened to one local folder.
 */
typedef struct
{
  char              *local_name;
  char              *server_name;
  PfStoreSpecialUse  special_use;
  gboolean           created;
  guint              local_count;
  guint              copied;
  guint              already_there;
  guint              flags_added;
  guint              failed;
  guint              removed;
  guint              server_count;
  guint              verified;
  char              *error;
} PfPop3MigrationFolder;

/**
 * PfPop3MigrationReport:
 * @folders: (element-type PfPop3MigrationFolder): the local folders in
 *   the order they were copied (Inbox first)
 * @local_count: the local messages of all folders
 * @copied: the messages this run stored on the server
 * @already_there: the local messages the server had before
 * @failed: the messages that could not be copied
 * @verified: %TRUE if every local message of every folder was found on
 *   the server at the end: only then may the POP3 account be removed
 *
 * The outcome of pf_pop3_migration_run_async(). Free with
 * pf_pop3_migration_report_free().
 */
typedef struct
{
  GPtrArray *folders;
  guint      local_count;
  guint      copied;
  guint      already_there;
  guint      failed;
  gboolean   verified;
} PfPop3MigrationReport;

#define PF_TYPE_POP3_MIGRATION_REPORT (pf_pop3_migration_report_get_type ())

GType                  pf_pop3_migration_report_get_type (void) G_GNUC_CONST;
PfPop3MigrationReport *pf_pop3_migration_report_copy     (const PfPop3MigrationReport *report);
void                   pf_pop3_migration_report_free     (PfPop3MigrationReport       *report);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfPop3MigrationReport, pf_pop3_migration_report_free)

#define PF_TYPE_POP3_MIGRATION (pf_pop3_migration_get_type ())

G_DECLARE_FINAL_TYPE (PfPop3Migration, pf_pop3_migration, PF, POP3_MIGRATION, GObject)

PfPop3Migration             *pf_pop3_migration_new        (PfStore             *source,
                                                           PfServerSettings    *imap,
                                                           const char          *password);
void                         pf_pop3_migration_run_async  (PfPop3Migration     *self,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
PfPop3MigrationReport       *pf_pop3_migration_run_finish (PfPop3Migration     *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
const PfPop3MigrationReport *pf_pop3_migration_get_report (PfPop3Migration     *self);

/* Keys the copies are recognised by; exposed for tests */

char                        *pf_pop3_migration_message_key (const char         *header,
                                                            gsize               length,
                                                            guint64             size);

G_END_DECLS
