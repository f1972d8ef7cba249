/* pf-net-error.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * PF_NET_ERROR:
 *
 * Error domain of the connection layer shared by IMAP, POP3 and SMTP:
 * connecting, TLS, STARTTLS and authentication plumbing. Protocol-specific
 * failures (a server's NO, -ERR or 5xx reply) use the protocol's own domain.
 */
#define PF_NET_ERROR (pf_net_error_quark ())

/**
 * PfNetError:
 * @PF_NET_ERROR_HOST_NOT_FOUND: the host name does not resolve.
 * @PF_NET_ERROR_CONNECTION_REFUSED: nothing listens on that port.
 * @PF_NET_ERROR_UNREACHABLE: no route to the host or network (offline).
 * @PF_NET_ERROR_TIMEOUT: connecting or waiting for a reply took too long.
 * @PF_NET_ERROR_CONNECTION_LOST: the peer closed or reset the connection.
 * @PF_NET_ERROR_TLS_FAILED: the TLS handshake failed for a reason other
 *   than the certificate (protocol version, cipher, broken record).
 * @PF_NET_ERROR_CERTIFICATE_UNTRUSTED: the server's certificate did not
 *   verify; the certificate and its #GTlsCertificateFlags ride on the
 *   error (see pf_net_error_get_certificate()).
 * @PF_NET_ERROR_STARTTLS_UNAVAILABLE: STARTTLS was configured but the
 *   server does not offer it or refused it. Never downgraded.
 * @PF_NET_ERROR_PLAINTEXT_REFUSED: a password would go over an
 *   unencrypted connection and the caller did not allow that.
 * @PF_NET_ERROR_PROTOCOL: the server violated the protocol (bad greeting,
 *   malformed reply, bytes injected behind STARTTLS).
 *
 * Codes a caller can act on; the message is translated and fit for a user.
 */
typedef enum
{
  PF_NET_ERROR_HOST_NOT_FOUND,
  PF_NET_ERROR_CONNECTION_REFUSED,
  PF_NET_ERROR_UNREACHABLE,
  PF_NET_ERROR_TIMEOUT,
  PF_NET_ERROR_CONNECTION_LOST,
  PF_NET_ERROR_TLS_FAILED,
  PF_NET_ERROR_CERTIFICATE_UNTRUSTED,
  PF_NET_ERROR_STARTTLS_UNAVAILABLE,
  PF_NET_ERROR_PLAINTEXT_REFUSED,
  PF_NET_ERROR_PROTOCOL,
} PfNetError;

GQuark               pf_net_error_quark           (void);
GError              *pf_net_error_from_io         (GError               *error);

void                 pf_net_error_set_certificate (GError               *error,
                                                   GTlsCertificate      *certificate,
                                                   GTlsCertificateFlags  flags);
GTlsCertificate     *pf_net_error_get_certificate (const GError         *error);
GTlsCertificateFlags pf_net_error_get_certificate_flags (const GError   *error);

G_END_DECLS
