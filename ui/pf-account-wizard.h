/* pf-account-wizard.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "account/pf-account-manager.h"
#include "account/pf-autoconfig-discovery.h"
#include "account/pf-connection-test.h"

G_BEGIN_DECLS

#define PF_TYPE_ACCOUNT_WIZARD (pf_account_wizard_get_type ())

G_DECLARE_FINAL_TYPE (PfAccountWizard, pf_account_wizard, PF, ACCOUNT_WIZARD, AdwWindow)

PfAccountWizard  *pf_account_wizard_new                 (GtkWindow             *parent,
                                                         PfAccountManager      *manager);
void              pf_account_wizard_set_discovery       (PfAccountWizard       *self,
                                                         PfAutoconfigDiscovery *discovery);
void              pf_account_wizard_set_ca_file         (PfAccountWizard       *self,
                                                         const char            *path);
void              pf_account_wizard_set_identity        (PfAccountWizard       *self,
                                                         const char            *name,
                                                         const char            *address,
                                                         const char            *password);
void              pf_account_wizard_set_server          (PfAccountWizard       *self,
                                                         PfServerSettings      *server);
void              pf_account_wizard_set_replacing       (PfAccountWizard       *self,
                                                         PfAccount             *pop3);
void              pf_account_wizard_set_kind            (PfAccountWizard       *self,
                                                         PfAccountKind          kind);
const char       *pf_account_wizard_get_page            (PfAccountWizard       *self);
PfAccount        *pf_account_wizard_get_account         (PfAccountWizard       *self);
PfAutoconfig     *pf_account_wizard_get_autoconfig      (PfAccountWizard       *self);
PfConnectionTest *pf_account_wizard_get_connection_test (PfAccountWizard       *self,
                                                         PfServerProtocol       protocol);
const char       *pf_account_wizard_get_problem_text    (PfAccountWizard       *self);
char             *pf_account_wizard_dup_report          (PfAccountWizard       *self);

G_END_DECLS
