/* pf-autoconfig-discovery.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-autoconfig.h"
#include "pf-check-status.h"

G_BEGIN_DECLS

#define PF_TYPE_AUTOCONFIG_DISCOVERY (pf_autoconfig_discovery_get_type ())

G_DECLARE_FINAL_TYPE (PfAutoconfigDiscovery, pf_autoconfig_discovery, PF, AUTOCONFIG_DISCOVERY, GObject)

PfAutoconfigDiscovery *pf_autoconfig_discovery_new               (void);
void                   pf_autoconfig_discovery_set_tls_database  (PfAutoconfigDiscovery *self,
                                                                  GTlsDatabase          *database);
void                   pf_autoconfig_discovery_set_https_port    (PfAutoconfigDiscovery *self,
                                                                  guint16                port);
void                   pf_autoconfig_discovery_set_guess_port    (PfAutoconfigDiscovery *self,
                                                                  PfServerProtocol       protocol,
                                                                  PfSecurity             security,
                                                                  guint16                port);
void                   pf_autoconfig_discovery_set_use_builtin   (PfAutoconfigDiscovery *self,
                                                                  gboolean               use_builtin);
void                   pf_autoconfig_discovery_run_async         (PfAutoconfigDiscovery *self,
                                                                  const char            *address,
                                                                  GCancellable          *cancellable,
                                                                  GAsyncReadyCallback    callback,
                                                                  gpointer               user_data);
PfAutoconfig          *pf_autoconfig_discovery_run_finish        (PfAutoconfigDiscovery *self,
                                                                  GAsyncResult          *result,
                                                                  GError               **error);

G_END_DECLS
