/* pf-test-https.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-test-servers.h"

G_BEGIN_DECLS

/* An HTTPS/1.1 server in the test's main loop, answering from a table,
 * one request per connection; or, with a greeting, a TLS server that
 * says it and then only listens (an IMAP greeter, say). Its
 * certificates come from pf_test_certificates_get(). */

typedef struct _PfTestHttps PfTestHttps;

PfTestHttps *pf_test_https_new          (const char  *cert_file,
                                         const char  *key_file,
                                         const char  *address,
                                         guint16      port);
void         pf_test_https_free         (PfTestHttps *server);
guint16      pf_test_https_get_port     (PfTestHttps *server);
void         pf_test_https_set_greeting (PfTestHttps *server,
                                         const char  *greeting);
void         pf_test_https_add          (PfTestHttps *server,
                                         const char  *host_and_path,
                                         guint        status,
                                         const char  *location,
                                         const char  *body,
                                         guint        delay_ms);
GPtrArray   *pf_test_https_get_requests (PfTestHttps *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfTestHttps, pf_test_https_free)

/**
 * PfTestCertificates:
 * @cert_file: a certificate signed by the test servers' CA for
 *   example.test, autoconfig.example.test, other.example.test and
 *   mail.example.test
 * @key_file: its key
 * @self_signed_cert_file: a self-signed certificate for example.test and
 *   autoconfig.example.test
 * @self_signed_key_file: its key
 * @dir: the folder they are in
 *
 * PEM files, made once per test binary with openssl(1) and removed at
 * exit.
 */
typedef struct
{
  char *dir;
  char *cert_file;
  char *key_file;
  char *self_signed_cert_file;
  char *self_signed_key_file;
} PfTestCertificates;

const PfTestCertificates *pf_test_certificates_get (PfTestServers *servers);

G_END_DECLS
