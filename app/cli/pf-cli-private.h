/* pf-cli-private.h: what the files of postfach-cli share
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "account/pf-account-manager.h"
#include "store/pf-store.h"

G_BEGIN_DECLS

/*
 * Exit codes (also printed by --help, and part of the interface):
 *   0  success
 *   1  the command ran and failed; the reason is on standard error
 *   2  the command line was wrong (unknown command or option, bad value)
 *   3  no such account, folder or message
 *   4  the server rejected the user name or password
 *   5  the server's certificate is not trusted
 *   6  the server cannot be reached
 *   7  no password is stored for the account
 */
enum
{
  PF_CLI_EXIT_OK = 0,
  PF_CLI_EXIT_FAILED = 1,
  PF_CLI_EXIT_USAGE = 2,
  PF_CLI_EXIT_NOT_FOUND = 3,
  PF_CLI_EXIT_AUTHENTICATION = 4,
  PF_CLI_EXIT_CERTIFICATE = 5,
  PF_CLI_EXIT_UNREACHABLE = 6,
  PF_CLI_EXIT_NO_PASSWORD = 7,
};

/* pf-cli.c: the plumbing of every command */

GAsyncResult     *pf_cli_wait             (GAsyncResult      **slot);
void              pf_cli_store_result_cb  (GObject            *object,
                                           GAsyncResult       *result,
                                           gpointer            user_data);
int               pf_cli_fail             (GError             *error);
int               pf_cli_usage_error      (GOptionContext     *context,
                                           const char         *message);
GOptionContext   *pf_cli_command_options  (int                *argc,
                                           char             ***argv,
                                           const char         *parameters,
                                           const char         *summary,
                                           const GOptionEntry *entries);
PfAccountManager *pf_cli_open_manager     (GError            **error);
PfAccount        *pf_cli_find_account     (PfAccountManager   *manager,
                                           const char         *id,
                                           GError            **error);
PfStore          *pf_cli_open_store       (PfAccount          *account,
                                           GError            **error);
char             *pf_cli_lookup_password  (PfAccountManager   *manager,
                                           PfAccount          *account,
                                           PfServerSettings   *server,
                                           GError            **error);
char             *pf_cli_field            (const char         *text);

/* The account a command works on and its store (--account ID, or the
 * only account); --offline keeps changes from the server for now. */
typedef struct
{
  char             *account_id;
  gboolean          offline;
  PfAccountManager *manager;
  PfAccount        *account;
  PfStore          *store;
} PfCliContext;

gboolean          pf_cli_context_open     (PfCliContext       *context,
                                           GError            **error);
void              pf_cli_context_clear    (PfCliContext       *context);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PfCliContext, pf_cli_context_clear)

/* pf-cli-send.c: send, outbox */

int               pf_cli_send             (int                 argc,
                                           char              **argv);
int               pf_cli_outbox           (int                 argc,
                                           char              **argv);

G_END_DECLS
