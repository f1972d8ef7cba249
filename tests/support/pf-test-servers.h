/* pf-test-servers.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * PfTestServersFlags:
 * @PF_TEST_SERVERS_DEFAULT: IMAP, IMAPS, POP3, POP3S, submission, submissions
 * @PF_TEST_SERVERS_VARIANTS: also the "notls" (no STARTTLS, no plaintext login)
 *   and "plaintext" (login without TLS allowed) Dovecot instances, as the
 *   services "imap-notls", "pop3-notls", "imap-plaintext", "pop3-plaintext"
 */
typedef enum
{
  PF_TEST_SERVERS_DEFAULT  = 0,
  PF_TEST_SERVERS_VARIANTS = 1 << 0,
} PfTestServersFlags;

typedef struct _PfTestServers PfTestServers;

PfTestServers *pf_test_servers_get                   (void);
PfTestServers *pf_test_servers_get_full              (PfTestServersFlags  flags);

const char    *pf_test_servers_get_host              (PfTestServers      *self,
                                                      const char         *service);
guint16        pf_test_servers_get_port              (PfTestServers      *self,
                                                      const char         *service);
const char    *pf_test_servers_get_security          (PfTestServers      *self,
                                                      const char         *service);
const char    *pf_test_servers_get_ca_file           (PfTestServers      *self);
const char    *pf_test_servers_get_untrusted_ca_file (PfTestServers      *self);
const char    *pf_test_servers_get_login             (PfTestServers      *self,
                                                      const char         *user);
const char    *pf_test_servers_get_password          (PfTestServers      *self,
                                                      const char         *user);
const char    *pf_test_servers_get_address           (PfTestServers      *self,
                                                      const char         *user);
const char    *pf_test_servers_get_maildir           (PfTestServers      *self,
                                                      const char         *user);
const char    *pf_test_servers_get_dir               (PfTestServers      *self);
GKeyFile      *pf_test_servers_get_key_file          (PfTestServers      *self);
gboolean       pf_test_servers_deliver               (PfTestServers      *self,
                                                      const char         *user,
                                                      GBytes             *message,
                                                      GError            **error);

G_END_DECLS
