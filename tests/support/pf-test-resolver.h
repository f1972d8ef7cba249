/* pf-test-resolver.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A GResolver installed as the default (g_resolver_set_default) in place
 * of DNS: host names and SRV records come from a table the test fills;
 * everything else is "not found". GNetworkAddress, GSocketClient and
 * libsoup resolve through it, so the names of a test network
 * (imap.example.test, autoconfig.example.test) lead to the test servers.
 * SRV records are answered by lookup_records(); GResolver's own
 * lookup_service() sorts them, as it does for the system resolver. */

void     pf_test_resolver_install           (void);
void     pf_test_resolver_install_failing   (void);
void     pf_test_resolver_uninstall         (void);
void     pf_test_resolver_add_host          (const char *name,
                                             const char *address);
void     pf_test_resolver_add_srv           (const char *rrname,
                                             const char *target,
                                             guint16     port);
void     pf_test_resolver_add_srv_full      (const char *rrname,
                                             const char *target,
                                             guint16     port,
                                             guint16     priority,
                                             guint16     weight);
void     pf_test_resolver_set_hang_records  (gboolean    hang);
guint    pf_test_resolver_get_lookups       (void);
gboolean pf_test_resolver_was_asked         (const char *name);

G_END_DECLS
