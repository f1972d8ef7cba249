/* pf-net-connection.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-net-reader.h"

G_BEGIN_DECLS

/**
 * PfNetSecurity:
 * @PF_NET_SECURITY_TLS: TLS from the first byte (IMAPS 993, POP3S 995,
 *   submissions 465). The default.
 * @PF_NET_SECURITY_STARTTLS: plain TCP first, upgraded with the protocol's
 *   STARTTLS/STLS command before anything else is said; never downgraded.
 * @PF_NET_SECURITY_NONE: no encryption at all; only on the user's explicit
 *   choice, and passwords still need pf_net_connection_set_allow_plaintext_secrets().
 */
typedef enum
{
  PF_NET_SECURITY_TLS,
  PF_NET_SECURITY_STARTTLS,
  PF_NET_SECURITY_NONE,
} PfNetSecurity;

/* A certificate exception the user accepted: valid only for this host and
 * port, this exact certificate and the errors the user saw. */
typedef struct _PfNetPin PfNetPin;

PfNetPin            *pf_net_pin_new               (const char           *host,
                                                   guint16               port,
                                                   const char           *sha256,
                                                   GTlsCertificateFlags  accepted_errors);
PfNetPin            *pf_net_pin_new_for_certificate (const char          *host,
                                                     guint16              port,
                                                     GTlsCertificate     *certificate,
                                                     GTlsCertificateFlags accepted_errors);
PfNetPin            *pf_net_pin_ref               (PfNetPin             *pin);
void                 pf_net_pin_unref             (PfNetPin             *pin);
const char          *pf_net_pin_get_host          (const PfNetPin       *pin);
guint16              pf_net_pin_get_port          (const PfNetPin       *pin);
const char          *pf_net_pin_get_sha256        (const PfNetPin       *pin);
GTlsCertificateFlags pf_net_pin_get_accepted_errors (const PfNetPin     *pin);
gboolean             pf_net_pin_allows            (const PfNetPin       *pin,
                                                   const char           *host,
                                                   guint16               port,
                                                   GTlsCertificate      *certificate,
                                                   GTlsCertificateFlags  errors);

char                *pf_net_certificate_dup_sha256 (GTlsCertificate     *certificate);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfNetPin, pf_net_pin_unref)

#define PF_TYPE_NET_CONNECTION (pf_net_connection_get_type ())

G_DECLARE_FINAL_TYPE (PfNetConnection, pf_net_connection, PF, NET_CONNECTION, GObject)

PfNetConnection *pf_net_connection_new              (const char          *host,
                                                     guint16              port,
                                                     PfNetSecurity        security);
const char      *pf_net_connection_get_host         (PfNetConnection     *self);
guint16          pf_net_connection_get_port         (PfNetConnection     *self);
PfNetSecurity    pf_net_connection_get_security     (PfNetConnection     *self);
void             pf_net_connection_set_timeout      (PfNetConnection     *self,
                                                     guint                seconds);
void             pf_net_connection_set_tls_database (PfNetConnection     *self,
                                                     GTlsDatabase        *database);
void             pf_net_connection_set_pin          (PfNetConnection     *self,
                                                     PfNetPin            *pin);
void             pf_net_connection_set_allow_plaintext_secrets (PfNetConnection *self,
                                                                gboolean         allow);
void             pf_net_connection_set_trace_domain (PfNetConnection     *self,
                                                     const char          *log_domain);

void             pf_net_connection_connect_async    (PfNetConnection     *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean         pf_net_connection_connect_finish   (PfNetConnection     *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

void             pf_net_connection_start_tls_async  (PfNetConnection     *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean         pf_net_connection_start_tls_finish (PfNetConnection     *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

void             pf_net_connection_wait_sent_async  (PfNetConnection     *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean         pf_net_connection_wait_sent_finish (PfNetConnection     *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
gboolean         pf_net_connection_start_compression (PfNetConnection    *self,
                                                      GError            **error);
gboolean         pf_net_connection_is_compressed    (PfNetConnection     *self);

PfNetReader     *pf_net_connection_get_reader       (PfNetConnection     *self);
gboolean         pf_net_connection_is_encrypted     (PfNetConnection     *self);
GTlsCertificate *pf_net_connection_get_peer_certificate (PfNetConnection *self);
GTlsConnection  *pf_net_connection_get_tls_connection (PfNetConnection  *self);
GSocketAddress  *pf_net_connection_dup_remote_address (PfNetConnection  *self);
gboolean         pf_net_connection_check_secret_allowed (PfNetConnection *self,
                                                         GError         **error);

void             pf_net_connection_send_async       (PfNetConnection     *self,
                                                     GBytes              *data,
                                                     gboolean             secret,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean         pf_net_connection_send_finish      (PfNetConnection     *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
void             pf_net_connection_trace_received   (PfNetConnection     *self,
                                                     const char          *line,
                                                     gsize                length);

void             pf_net_connection_close_async      (PfNetConnection     *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean         pf_net_connection_close_finish     (PfNetConnection     *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

G_END_DECLS
