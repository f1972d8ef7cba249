/* pf-fake-server.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PF_TYPE_FAKE_SERVER (pf_fake_server_get_type ())

G_DECLARE_FINAL_TYPE (PfFakeServer, pf_fake_server, PF, FAKE_SERVER, GObject)

PfFakeServer *pf_fake_server_new                     (void);
PfFakeServer *pf_fake_server_new_from_script         (const char     *script,
                                                      GError        **error);
gboolean      pf_fake_server_add_script              (PfFakeServer   *self,
                                                      const char     *script,
                                                      GError        **error);

void          pf_fake_server_add_send                (PfFakeServer   *self,
                                                      const void     *data,
                                                      gssize          length);
void          pf_fake_server_add_send_line           (PfFakeServer   *self,
                                                      const char     *line);
void          pf_fake_server_add_expect_line         (PfFakeServer   *self,
                                                      const char     *regex);
void          pf_fake_server_add_expect_bytes        (PfFakeServer   *self,
                                                      gsize           count);
void          pf_fake_server_add_start_tls           (PfFakeServer   *self,
                                                      const char     *cert_file,
                                                      const char     *key_file);
void          pf_fake_server_add_tls_rejected        (PfFakeServer   *self,
                                                      const char     *cert_file,
                                                      const char     *key_file);
void          pf_fake_server_add_close               (PfFakeServer   *self);
void          pf_fake_server_add_wait_close          (PfFakeServer   *self);
void          pf_fake_server_add_sleep               (PfFakeServer   *self,
                                                      guint           milliseconds);
void          pf_fake_server_add_next_connection     (PfFakeServer   *self);

void          pf_fake_server_set_certificate         (PfFakeServer   *self,
                                                      const char     *cert_file,
                                                      const char     *key_file);

const char   *pf_fake_server_get_host                (PfFakeServer   *self);
guint16       pf_fake_server_get_port                (PfFakeServer   *self);
guint         pf_fake_server_get_n_connections       (PfFakeServer   *self);
gboolean      pf_fake_server_finished                (PfFakeServer   *self);
void          pf_fake_server_wait_finished           (PfFakeServer   *self);
const char   *pf_fake_server_get_failure             (PfFakeServer   *self);

GBytes       *pf_fake_server_dup_received            (PfFakeServer   *self);
GBytes       *pf_fake_server_dup_received_cleartext  (PfFakeServer   *self);
GBytes       *pf_fake_server_dup_received_tls        (PfFakeServer   *self);
char         *pf_fake_server_dup_transcript          (PfFakeServer   *self);

/**
 * PfFakeServerCertificates:
 * @dir: the temporary directory holding the files; removed on free
 * @ca_file: a CA certificate (PEM)
 * @cert_file: a server certificate signed by @ca_file, for 127.0.0.1 and
 *   localhost
 * @key_file: its private key
 * @other_ca_file: an unrelated CA
 * @other_cert_file: a server certificate for the same names, signed by
 *   @other_ca_file: what a client sees when the server's certificate has
 *   changed (or someone is in the middle)
 * @other_key_file: its private key
 *
 * Certificates made for one test binary with openssl(1).
 */
typedef struct
{
  char *dir;
  char *ca_file;
  char *cert_file;
  char *key_file;
  char *other_ca_file;
  char *other_cert_file;
  char *other_key_file;
} PfFakeServerCertificates;

PfFakeServerCertificates *pf_fake_server_certificates_new  (GError                   **error);
void                      pf_fake_server_certificates_free (PfFakeServerCertificates  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfFakeServerCertificates, pf_fake_server_certificates_free)

G_END_DECLS
