/* pf-migration-window.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "account/pf-password-vault.h"
#include "store/pf-store.h"
#include "sync/pf-pop3-migration.h"

G_BEGIN_DECLS

#define PF_TYPE_MIGRATION_WINDOW (pf_migration_window_get_type ())

G_DECLARE_FINAL_TYPE (PfMigrationWindow, pf_migration_window, PF, MIGRATION_WINDOW, AdwWindow)

PfMigrationWindow           *pf_migration_window_new        (GtkWindow         *parent,
                                                             PfStore           *source,
                                                             PfAccount         *pop3,
                                                             PfAccount         *imap,
                                                             PfPasswordVault   *vault);
void                         pf_migration_window_start      (PfMigrationWindow *self);
gboolean                     pf_migration_window_is_running (PfMigrationWindow *self);
const PfPop3MigrationReport *pf_migration_window_get_report (PfMigrationWindow *self);
const char                  *pf_migration_window_get_status (PfMigrationWindow *self);

G_END_DECLS
