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
 * (imap.example.test, autoconfig.example.test) lead to the test servers. */

void  pf_test_resolver_install         (void);
void  pf_test_resolver_install_failing (void);
void  pf_test_resolver_uninstall       (void);
void  pf_test_resolver_add_host        (const char *name,
                                        const char *address);
void  pf_test_resolver_add_srv         (const char *rrname,
                                        const char *target,
                                        guint16     port);
guint pf_test_resolver_get_lookups     (void);

G_END_DECLS
