/* pf-server-settings.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "net/pf-net-connection.h"

#include "pf-secret-store.h"

G_BEGIN_DECLS

/**
 * PfServerProtocol:
 * @PF_SERVER_PROTOCOL_IMAP: an incoming IMAP server
 * @PF_SERVER_PROTOCOL_POP3: an incoming POP3 server
 * @PF_SERVER_PROTOCOL_SMTP: an outgoing SMTP submission server
 *
 * What a #PfServerSettings describes; it decides the default ports and
 * which password item belongs to the server.
 */
typedef enum
{
  PF_SERVER_PROTOCOL_IMAP,
  PF_SERVER_PROTOCOL_POP3,
  PF_SERVER_PROTOCOL_SMTP,
} PfServerProtocol;

/**
 * PfSecurity:
 * @PF_SECURITY_TLS: TLS from the first byte (IMAPS, POP3S, submissions).
 * @PF_SECURITY_STARTTLS: plain first, upgraded with STARTTLS/STLS before
 *   anything else is said; never downgraded.
 * @PF_SECURITY_NONE: no encryption. The account is valid with it only when
 *   #PfServerSettings:allow-plaintext-password is set as well.
 */
typedef enum
{
  PF_SECURITY_TLS,
  PF_SECURITY_STARTTLS,
  PF_SECURITY_NONE,
} PfSecurity;

/**
 * PfAuthMethod:
 * @PF_AUTH_METHOD_AUTO: the best password mechanism the server offers
 * @PF_AUTH_METHOD_PASSWORD: a password, sent with a plain mechanism only
 *   (for servers whose challenge-response mechanisms are broken)
 * @PF_AUTH_METHOD_OAUTH2: an OAuth 2.0 bearer token (XOAUTH2/OAUTHBEARER)
 */
typedef enum
{
  PF_AUTH_METHOD_AUTO,
  PF_AUTH_METHOD_PASSWORD,
  PF_AUTH_METHOD_OAUTH2,
} PfAuthMethod;

/**
 * PF_SERVER_SETTINGS_TIMEOUT_SECONDS:
 *
 * The timeout pf_server_settings_create_connection() sets: connecting, and
 * any single read or write, may take this long. A protocol that waits longer
 * on purpose (IMAP IDLE) changes it itself.
 */
#define PF_SERVER_SETTINGS_TIMEOUT_SECONDS 30

#define PF_TYPE_SERVER_PROTOCOL (pf_server_protocol_get_type ())
#define PF_TYPE_SECURITY (pf_security_get_type ())
#define PF_TYPE_AUTH_METHOD (pf_auth_method_get_type ())

GType            pf_server_protocol_get_type          (void) G_GNUC_CONST;
GType            pf_security_get_type                 (void) G_GNUC_CONST;
GType            pf_auth_method_get_type              (void) G_GNUC_CONST;

const char      *pf_server_protocol_get_name          (PfServerProtocol  protocol);
const char      *pf_security_get_label                (PfSecurity        security);
guint16          pf_server_protocol_get_default_port  (PfServerProtocol  protocol,
                                                       PfSecurity        security);
PfSecretService  pf_server_protocol_to_secret_service (PfServerProtocol  protocol);
PfNetSecurity    pf_security_to_net_security          (PfSecurity        security);

char            *pf_normalize_sha256_fingerprint      (const char       *text);

#define PF_TYPE_SERVER_SETTINGS (pf_server_settings_get_type ())

G_DECLARE_FINAL_TYPE (PfServerSettings, pf_server_settings, PF, SERVER_SETTINGS, GObject)

PfServerSettings    *pf_server_settings_new                (PfServerProtocol   protocol);
PfServerSettings    *pf_server_settings_copy               (PfServerSettings  *self);
void                 pf_server_settings_assign             (PfServerSettings  *self,
                                                            PfServerSettings  *other);
gboolean             pf_server_settings_equal              (PfServerSettings  *self,
                                                            PfServerSettings  *other);

PfServerProtocol     pf_server_settings_get_protocol       (PfServerSettings  *self);
void                 pf_server_settings_set_protocol       (PfServerSettings  *self,
                                                            PfServerProtocol   protocol);
const char          *pf_server_settings_get_host           (PfServerSettings  *self);
void                 pf_server_settings_set_host           (PfServerSettings  *self,
                                                            const char        *host);
guint16              pf_server_settings_get_port           (PfServerSettings  *self);
void                 pf_server_settings_set_port           (PfServerSettings  *self,
                                                            guint              port);
PfSecurity           pf_server_settings_get_security       (PfServerSettings  *self);
void                 pf_server_settings_set_security       (PfServerSettings  *self,
                                                            PfSecurity         security);
gboolean             pf_server_settings_get_allow_plaintext_password (PfServerSettings *self);
void                 pf_server_settings_set_allow_plaintext_password (PfServerSettings *self,
                                                                      gboolean          allow);
PfAuthMethod         pf_server_settings_get_auth_method    (PfServerSettings  *self);
void                 pf_server_settings_set_auth_method    (PfServerSettings  *self,
                                                            PfAuthMethod       method);
const char          *pf_server_settings_get_username       (PfServerSettings  *self);
void                 pf_server_settings_set_username       (PfServerSettings  *self,
                                                            const char        *username);
const char          *pf_server_settings_get_ca_file        (PfServerSettings  *self);
void                 pf_server_settings_set_ca_file        (PfServerSettings  *self,
                                                            const char        *path);
const char          *pf_server_settings_get_pinned_sha256  (PfServerSettings  *self);
GTlsCertificateFlags pf_server_settings_get_pinned_errors  (PfServerSettings  *self);
void                 pf_server_settings_set_pinned_certificate (PfServerSettings     *self,
                                                                const char           *sha256,
                                                                GTlsCertificateFlags  accepted_errors);

gboolean             pf_server_settings_validate           (PfServerSettings  *self,
                                                            GError           **error);
PfNetConnection     *pf_server_settings_create_connection  (PfServerSettings  *self,
                                                            GError           **error);

G_END_DECLS
