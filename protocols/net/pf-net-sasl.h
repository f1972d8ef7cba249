/* pf-net-sasl.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * PfNetSaslMechanism:
 * @PF_NET_SASL_MECHANISM_NONE: no mechanism; what pf_net_sasl_choose()
 *   returns when the server offers nothing usable.
 * @PF_NET_SASL_MECHANISM_PLAIN: PLAIN (RFC 4616): the password in clear.
 * @PF_NET_SASL_MECHANISM_LOGIN: LOGIN (draft-murchison-sasl-login): user
 *   name and password in clear, one challenge each.
 * @PF_NET_SASL_MECHANISM_CRAM_MD5: CRAM-MD5 (RFC 2195): an HMAC-MD5 of the
 *   server's challenge; the password itself never goes on the wire.
 * @PF_NET_SASL_MECHANISM_XOAUTH2: XOAUTH2 (Google, Microsoft): an OAuth 2.0
 *   bearer token in clear.
 * @PF_NET_SASL_MECHANISM_OAUTHBEARER: OAUTHBEARER (RFC 7628): an OAuth 2.0
 *   bearer token in clear, with a GS2 header.
 *
 * The SASL mechanisms shared by IMAP AUTHENTICATE (RFC 3501 §6.2.2), POP3
 * AUTH (RFC 5034) and SMTP AUTH (RFC 4954).
 */
typedef enum
{
  PF_NET_SASL_MECHANISM_NONE,
  PF_NET_SASL_MECHANISM_PLAIN,
  PF_NET_SASL_MECHANISM_LOGIN,
  PF_NET_SASL_MECHANISM_CRAM_MD5,
  PF_NET_SASL_MECHANISM_XOAUTH2,
  PF_NET_SASL_MECHANISM_OAUTHBEARER,
} PfNetSaslMechanism;

#define PF_TYPE_NET_SASL (pf_net_sasl_get_type ())

G_DECLARE_FINAL_TYPE (PfNetSasl, pf_net_sasl, PF, NET_SASL, GObject)

const char         *pf_net_sasl_mechanism_to_string    (PfNetSaslMechanism   mechanism);
PfNetSaslMechanism  pf_net_sasl_mechanism_from_string  (const char          *name);
gboolean            pf_net_sasl_mechanism_is_cleartext (PfNetSaslMechanism   mechanism);
PfNetSaslMechanism  pf_net_sasl_choose                 (const char * const  *server_mechanisms,
                                                        gboolean             have_oauth_token,
                                                        gboolean             plaintext_ok);

PfNetSasl          *pf_net_sasl_new                    (PfNetSaslMechanism   mechanism,
                                                        const char          *user,
                                                        const char          *secret,
                                                        GError             **error);
void                pf_net_sasl_set_authzid            (PfNetSasl           *self,
                                                        const char          *authzid);
void                pf_net_sasl_set_host               (PfNetSasl           *self,
                                                        const char          *host);
void                pf_net_sasl_set_port               (PfNetSasl           *self,
                                                        guint16              port);

PfNetSaslMechanism  pf_net_sasl_get_mechanism          (PfNetSasl           *self);
const char         *pf_net_sasl_get_name               (PfNetSasl           *self);
gboolean            pf_net_sasl_has_initial_response   (PfNetSasl           *self);

GBytes             *pf_net_sasl_step                   (PfNetSasl           *self,
                                                        GBytes              *challenge,
                                                        GError             **error);
gboolean            pf_net_sasl_is_complete            (PfNetSasl           *self);
const char         *pf_net_sasl_get_server_status      (PfNetSasl           *self);
GBytes             *pf_net_sasl_get_server_error       (PfNetSasl           *self);

G_END_DECLS
