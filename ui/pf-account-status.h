/* pf-account-status.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "sync/pf-account-service.h"

G_BEGIN_DECLS

#define PF_TYPE_ACCOUNT_STATUS (pf_account_status_get_type ())

G_DECLARE_FINAL_TYPE (PfAccountStatus, pf_account_status, PF, ACCOUNT_STATUS, GtkWidget)

void        pf_account_status_set_services (PfAccountStatus  *self,
                                            GListModel       *services);
GListModel *pf_account_status_get_services (PfAccountStatus  *self);
gboolean    pf_account_status_get_syncing  (PfAccountStatus  *self);
char       *pf_account_status_dup_banner_text (PfAccountStatus  *self,
                                               PfAccountService *service);
GtkWidget  *pf_account_status_present_dialog  (PfAccountStatus  *self,
                                               PfAccountService *service);

char       *pf_account_problem_describe   (PfAccountService *service,
                                           const char      **out_button);

G_END_DECLS
