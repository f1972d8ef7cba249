/* pf-net-connection.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-net"

#include "config.h"

#include <glib/gi18n.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "pf-net-connection.h"
#include "pf-net-error.h"

/*
 * One TCP connection to a mail server, with TLS from the start or after a
 * STARTTLS exchange, shared by IMAP, POP3 and SMTP.
 *
 * Safety rules kept here, whatever the protocol above does:
 *  - the certificate is verified against the system (or a given) trust
 *    database with the host name as identity; a failure carries the
 *    certificate and its errors on the GError, and only a pin the user
 *    accepted for this host, port, fingerprint and these errors overrides it;
 *  - STARTTLS is refused when the server sent anything after its reply to
 *    the STARTTLS command (response injection: those bytes would be read as
 *    if they had come over TLS), and the reader is replaced so nothing from
 *    before the handshake survives it;
 *  - secrets are only sent over TLS, unless the caller explicitly allowed
 *    cleartext, and never appear in protocol traces.
 */

#define DEFAULT_TIMEOUT_SECONDS 60

struct _PfNetPin
{
  char                 *host;
  char                 *sha256;
  GTlsCertificateFlags  accepted_errors;
  guint16               port;
};

static void
pf_net_pin_free (PfNetPin *pin)
{
  g_free (pin->host);
  g_free (pin->sha256);
}

/**
 * pf_net_pin_new:
 * @host: the host name the user connected to
 * @port: the port
 * @sha256: the certificate's SHA-256 fingerprint, as from
 *   pf_net_certificate_dup_sha256() (hex; case and colons are ignored)
 * @accepted_errors: the verification errors the user accepted
 *
 * Returns: (transfer full): a new pin
 */
PfNetPin *
pf_net_pin_new (const char           *host,
                guint16               port,
                const char           *sha256,
                GTlsCertificateFlags  accepted_errors)
{
  PfNetPin *pin;
  GString *normalized;

  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (sha256 != NULL, NULL);

  normalized = g_string_new (NULL);
  for (const char *p = sha256; *p != '\0'; p++)
    {
      if (g_ascii_isxdigit (*p))
        g_string_append_c (normalized, g_ascii_tolower (*p));
    }

  pin = g_rc_box_new0 (PfNetPin);
  pin->host = g_ascii_strdown (host, -1);
  pin->port = port;
  pin->sha256 = g_string_free (normalized, FALSE);
  pin->accepted_errors = accepted_errors;

  return pin;
}

/**
 * pf_net_pin_new_for_certificate:
 * @host: the host name
 * @port: the port
 * @certificate: the certificate the user decided to trust
 * @accepted_errors: the errors shown to the user
 *
 * Returns: (transfer full): a new pin for exactly @certificate
 */
PfNetPin *
pf_net_pin_new_for_certificate (const char           *host,
                                guint16               port,
                                GTlsCertificate      *certificate,
                                GTlsCertificateFlags  accepted_errors)
{
  g_autofree char *sha256 = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  sha256 = pf_net_certificate_dup_sha256 (certificate);
  return pf_net_pin_new (host, port, sha256, accepted_errors);
}

PfNetPin *
pf_net_pin_ref (PfNetPin *pin)
{
  return g_rc_box_acquire (pin);
}

void
pf_net_pin_unref (PfNetPin *pin)
{
  g_rc_box_release_full (pin, (GDestroyNotify) pf_net_pin_free);
}

const char *
pf_net_pin_get_host (const PfNetPin *pin)
{
  return pin->host;
}

guint16
pf_net_pin_get_port (const PfNetPin *pin)
{
  return pin->port;
}

/**
 * pf_net_pin_get_sha256:
 *
 * Returns: the fingerprint as lower-case hex without separators
 */
const char *
pf_net_pin_get_sha256 (const PfNetPin *pin)
{
  return pin->sha256;
}

GTlsCertificateFlags
pf_net_pin_get_accepted_errors (const PfNetPin *pin)
{
  return pin->accepted_errors;
}

/**
 * pf_net_pin_allows:
 * @pin: a #PfNetPin
 * @host: the host connected to
 * @port: the port connected to
 * @certificate: the certificate the server presented
 * @errors: what verification found wrong with it
 *
 * Returns: %TRUE only for the same host and port, the same certificate and
 *   no error beyond those the user accepted
 */
gboolean
pf_net_pin_allows (const PfNetPin       *pin,
                   const char           *host,
                   guint16               port,
                   GTlsCertificate      *certificate,
                   GTlsCertificateFlags  errors)
{
  g_autofree char *sha256 = NULL;

  g_return_val_if_fail (pin != NULL, FALSE);
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), FALSE);

  if (g_ascii_strcasecmp (pin->host, host) != 0 || pin->port != port)
    return FALSE;
  if ((errors & ~pin->accepted_errors) != 0)
    return FALSE;

  sha256 = pf_net_certificate_dup_sha256 (certificate);
  return sha256 != NULL && g_str_equal (sha256, pin->sha256);
}

/**
 * pf_net_certificate_dup_sha256:
 * @certificate: a certificate
 *
 * Returns: (transfer full) (nullable): the SHA-256 fingerprint of the DER
 *   encoding, lower-case hex without separators
 */
char *
pf_net_certificate_dup_sha256 (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

/* PfNetConnection */

typedef struct
{
  GTask  *task;
  GBytes *data;
} PendingSend;

struct _PfNetConnection
{
  GObject               parent_instance;

  /* Owned */
  char                 *host;
  GTlsDatabase         *database;
  PfNetPin             *pin;
  char                 *trace_domain;
  GSocketConnection    *socket_connection;
  GTlsConnection       *tls_connection;
  GInputStream         *compressed_input;  /* COMPRESS=DEFLATE, over the stream */
  GOutputStream        *compressed_output;
  PfNetReader          *reader;
  GQueue                sends;             /* of PendingSend, head in flight */
  gboolean              writing;           /* the head's write is in flight */
  GPtrArray            *sent_waiters;      /* of GTask, see wait_sent_async */
  GTlsCertificate      *rejected_certificate;

  GTlsCertificateFlags  rejected_errors;
  PfNetSecurity         security;
  guint                 timeout;
  guint16               port;
  guint                 allow_plaintext_secrets : 1;
  guint                 connected : 1;
};

G_DEFINE_FINAL_TYPE (PfNetConnection, pf_net_connection, G_TYPE_OBJECT)

static void
pending_send_free (PendingSend *send)
{
  g_clear_object (&send->task);
  g_clear_pointer (&send->data, g_bytes_unref);
  g_free (send);
}

static void
pf_net_connection_dispose (GObject *object)
{
  PfNetConnection *self = PF_NET_CONNECTION (object);

  g_queue_clear_full (&self->sends, (GDestroyNotify) pending_send_free);
  g_clear_pointer (&self->sent_waiters, g_ptr_array_unref);
  g_clear_object (&self->reader);
  g_clear_object (&self->compressed_input);
  g_clear_object (&self->compressed_output);
  g_clear_object (&self->tls_connection);
  g_clear_object (&self->socket_connection);
  g_clear_object (&self->rejected_certificate);

  G_OBJECT_CLASS (pf_net_connection_parent_class)->dispose (object);
}

static void
pf_net_connection_finalize (GObject *object)
{
  PfNetConnection *self = PF_NET_CONNECTION (object);

  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->trace_domain, g_free);
  g_clear_pointer (&self->pin, pf_net_pin_unref);
  g_clear_object (&self->database);

  G_OBJECT_CLASS (pf_net_connection_parent_class)->finalize (object);
}

static void
pf_net_connection_class_init (PfNetConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_net_connection_dispose;
  object_class->finalize = pf_net_connection_finalize;
}

static void
pf_net_connection_init (PfNetConnection *self)
{
  g_queue_init (&self->sends);
  self->timeout = DEFAULT_TIMEOUT_SECONDS;
}

/**
 * pf_net_connection_new:
 * @host: host name or address
 * @port: TCP port
 * @security: how the connection is protected
 *
 * Returns: (transfer full): a connection, not yet connected
 */
PfNetConnection *
pf_net_connection_new (const char    *host,
                       guint16        port,
                       PfNetSecurity  security)
{
  PfNetConnection *self;

  g_return_val_if_fail (host != NULL && *host != '\0', NULL);
  g_return_val_if_fail (port != 0, NULL);

  self = g_object_new (PF_TYPE_NET_CONNECTION, NULL);
  self->host = g_strdup (host);
  self->port = port;
  self->security = security;

  return self;
}

const char *
pf_net_connection_get_host (PfNetConnection *self)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), NULL);

  return self->host;
}

guint16
pf_net_connection_get_port (PfNetConnection *self)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), 0);

  return self->port;
}

PfNetSecurity
pf_net_connection_get_security (PfNetConnection *self)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), PF_NET_SECURITY_TLS);

  return self->security;
}

/**
 * pf_net_connection_set_timeout:
 * @self: a #PfNetConnection
 * @seconds: how long connecting, and later any single read or write, may
 *   wait; 0 waits forever (IDLE needs that)
 *
 * Takes effect at once on a connected socket.
 */
void
pf_net_connection_set_timeout (PfNetConnection *self,
                               guint            seconds)
{
  g_return_if_fail (PF_IS_NET_CONNECTION (self));

  self->timeout = seconds;
  if (self->socket_connection != NULL)
    g_socket_set_timeout (g_socket_connection_get_socket (self->socket_connection), seconds);
}

/**
 * pf_net_connection_set_tls_database:
 * @self: a #PfNetConnection
 * @database: (nullable): the trust anchors; %NULL for the system's
 */
void
pf_net_connection_set_tls_database (PfNetConnection *self,
                                    GTlsDatabase    *database)
{
  g_return_if_fail (PF_IS_NET_CONNECTION (self));
  g_return_if_fail (!self->connected);

  g_set_object (&self->database, database);
}

/**
 * pf_net_connection_set_pin:
 * @self: a #PfNetConnection
 * @pin: (nullable): a certificate exception the user accepted
 */
void
pf_net_connection_set_pin (PfNetConnection *self,
                           PfNetPin        *pin)
{
  g_return_if_fail (PF_IS_NET_CONNECTION (self));

  if (pin != NULL)
    pf_net_pin_ref (pin);
  g_clear_pointer (&self->pin, pf_net_pin_unref);
  self->pin = pin;
}

/**
 * pf_net_connection_set_allow_plaintext_secrets:
 * @self: a #PfNetConnection
 * @allow: whether the user agreed to send passwords unencrypted
 *
 * Only meaningful with %PF_NET_SECURITY_NONE; see
 * pf_net_connection_check_secret_allowed().
 */
void
pf_net_connection_set_allow_plaintext_secrets (PfNetConnection *self,
                                               gboolean         allow)
{
  g_return_if_fail (PF_IS_NET_CONNECTION (self));

  self->allow_plaintext_secrets = !!allow;
}

/**
 * pf_net_connection_set_trace_domain:
 * @self: a #PfNetConnection
 * @log_domain: (nullable): log domain of the protocol trace, such as
 *   "pf-imap-wire"; shown with G_MESSAGES_DEBUG
 */
void
pf_net_connection_set_trace_domain (PfNetConnection *self,
                                    const char      *log_domain)
{
  g_return_if_fail (PF_IS_NET_CONNECTION (self));

  g_free (self->trace_domain);
  self->trace_domain = g_strdup (log_domain);
}

static gboolean
tracing (PfNetConnection *self)
{
  return self->trace_domain != NULL &&
         !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, self->trace_domain);
}

static void
trace (PfNetConnection *self,
       const char      *direction,
       const char      *data,
       gsize            length)
{
  g_autoptr(GString) line = NULL;
  gsize shown;

  if (!tracing (self))
    return;

  /* One line of at most 300 bytes: literals and message bodies are long. */
  shown = MIN (length, 300);
  line = g_string_new_len (data, shown);
  while (line->len > 0 && (line->str[line->len - 1] == '\n' || line->str[line->len - 1] == '\r'))
    g_string_truncate (line, line->len - 1);
  for (gsize i = 0; i < line->len; i++)
    {
      if ((guchar) line->str[i] < 0x20)
        line->str[i] = '.';
    }
  if (shown < length)
    g_string_append_printf (line, "… (%" G_GSIZE_FORMAT " bytes)", length);

  g_log (self->trace_domain, G_LOG_LEVEL_DEBUG, "%s:%u %s %s",
         self->host, self->port, direction, line->str);
}

/**
 * pf_net_connection_trace_received:
 * @self: a #PfNetConnection
 * @line: a line the protocol read
 * @length: its length
 *
 * Adds a received line to the protocol trace, if tracing is on.
 */
void
pf_net_connection_trace_received (PfNetConnection *self,
                                  const char      *line,
                                  gsize            length)
{
  g_return_if_fail (PF_IS_NET_CONNECTION (self));

  trace (self, "S:", line, length);
}

static GIOStream *
get_stream (PfNetConnection *self)
{
  if (self->tls_connection != NULL)
    return G_IO_STREAM (self->tls_connection);
  return G_IO_STREAM (self->socket_connection);
}

/* TLS */

static const char *
describe_certificate_errors (GTlsCertificateFlags errors)
{
  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return _("it was issued for another server name");
  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return _("it was not issued by a trusted authority");
  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    return _("it has expired");
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return _("it is not valid yet");
  if (errors & G_TLS_CERTIFICATE_REVOKED)
    return _("it has been revoked");
  if (errors & G_TLS_CERTIFICATE_INSECURE)
    return _("it uses insecure cryptography");
  return _("it could not be verified");
}

static gboolean
on_accept_certificate_cb (GTlsConnection       *connection,
                          GTlsCertificate      *certificate,
                          GTlsCertificateFlags  errors,
                          gpointer              user_data)
{
  PfNetConnection *self = user_data;

  if (self->pin != NULL &&
      pf_net_pin_allows (self->pin, self->host, self->port, certificate, errors))
    {
      g_debug ("Accepting the certificate of %s:%u pinned by the user", self->host, self->port);
      return TRUE;
    }

  g_set_object (&self->rejected_certificate, certificate);
  self->rejected_errors = errors;
  return FALSE;
}

static GError *
handshake_error (PfNetConnection *self,
                 GError          *error)
{
  GError *untrusted;

  if (self->rejected_certificate == NULL ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return pf_net_error_from_io (error);

  /* Translators: the first placeholder is a host name, the second a
   * reason such as “it has expired” */
  untrusted = g_error_new (PF_NET_ERROR, PF_NET_ERROR_CERTIFICATE_UNTRUSTED,
                           _("The certificate of %s is not trusted: %s"),
                           self->host, describe_certificate_errors (self->rejected_errors));
  pf_net_error_set_certificate (untrusted, self->rejected_certificate, self->rejected_errors);
  g_clear_object (&self->rejected_certificate);
  g_error_free (error);

  return untrusted;
}

static void
handshake_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfNetConnection *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error))
    {
      g_clear_object (&self->tls_connection);
      g_task_return_error (task, handshake_error (self, g_steal_pointer (&error)));
      return;
    }

  /* Nothing read before the handshake may be read after it. */
  g_clear_object (&self->reader);
  self->reader = pf_net_reader_new (g_io_stream_get_input_stream (G_IO_STREAM (self->tls_connection)));
  self->connected = TRUE;
  g_task_return_boolean (task, TRUE);
}

static void
start_handshake (PfNetConnection *self,
                 GTask           *task)
{
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GError) error = NULL;
  GIOStream *tls;

  identity = g_network_address_new (self->host, self->port);
  tls = g_tls_client_connection_new (G_IO_STREAM (self->socket_connection), identity, &error);
  if (tls == NULL)
    {
      g_task_return_error (task, pf_net_error_from_io (g_steal_pointer (&error)));
      g_object_unref (task);
      return;
    }

  self->tls_connection = G_TLS_CONNECTION (tls);
  if (self->database != NULL)
    g_tls_connection_set_database (self->tls_connection, self->database);
  g_clear_object (&self->rejected_certificate);
  g_signal_connect_object (self->tls_connection, "accept-certificate",
                           G_CALLBACK (on_accept_certificate_cb), self, 0);

  g_tls_connection_handshake_async (self->tls_connection, pf_net_get_io_priority (),
                                    g_task_get_cancellable (task), handshake_cb, task);
}

/* connect */

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfNetConnection *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  self->socket_connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (object),
                                                                    result, &error);
  if (self->socket_connection == NULL)
    {
      g_task_return_error (task, pf_net_error_from_io (g_steal_pointer (&error)));
      return;
    }

  g_socket_set_timeout (g_socket_connection_get_socket (self->socket_connection), self->timeout);
  /* Commands are small and answered at once: waiting to fill a segment
   * (Nagle) only meets the peer's delayed ACK, ~40 ms per exchange (SMTP's
   * final "." after the body showed it). */
  if (!g_socket_set_option (g_socket_connection_get_socket (self->socket_connection),
                            IPPROTO_TCP, TCP_NODELAY, TRUE, &error))
    {
      g_debug ("Cannot set TCP_NODELAY: %s", error->message);
      g_clear_error (&error);
    }
  g_debug ("Connected to %s:%u", self->host, self->port);

  if (self->security == PF_NET_SECURITY_TLS)
    {
      start_handshake (self, g_steal_pointer (&task));
      return;
    }

  self->reader = pf_net_reader_new (g_io_stream_get_input_stream (G_IO_STREAM (self->socket_connection)));
  self->connected = TRUE;
  g_task_return_boolean (task, TRUE);
}

/**
 * pf_net_connection_connect_async:
 * @self: a #PfNetConnection, not yet connected
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when connected (and, for %PF_NET_SECURITY_TLS, the
 *   handshake verified the certificate)
 * @user_data: data for @callback
 *
 * Connects. For %PF_NET_SECURITY_STARTTLS the connection is still plain
 * afterwards: the protocol sends its STARTTLS command and then calls
 * pf_net_connection_start_tls_async().
 *
 * Errors: %PF_NET_ERROR_HOST_NOT_FOUND, %PF_NET_ERROR_CONNECTION_REFUSED,
 * %PF_NET_ERROR_UNREACHABLE, %PF_NET_ERROR_TIMEOUT,
 * %PF_NET_ERROR_CERTIFICATE_UNTRUSTED (with the certificate),
 * %PF_NET_ERROR_TLS_FAILED, %G_IO_ERROR_CANCELLED.
 */
void
pf_net_connection_connect_async (PfNetConnection     *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GSocketClient) client = NULL;
  GTask *task;

  g_return_if_fail (PF_IS_NET_CONNECTION (self));
  g_return_if_fail (self->socket_connection == NULL);

  task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_priority (task, pf_net_get_io_priority ());
  g_task_set_source_tag (task, pf_net_connection_connect_async);

  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, self->timeout);
  /* TLS is done here, not by the socket client, to check pins ourselves. */
  g_socket_client_set_tls (client, FALSE);
  g_socket_client_connect_to_host_async (client, self->host, self->port, cancellable,
                                         connect_cb, task);
}

gboolean
pf_net_connection_connect_finish (PfNetConnection  *self,
                                  GAsyncResult     *result,
                                  GError          **error)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pf_net_connection_start_tls_async:
 * @self: a connected #PfNetConnection that is not encrypted yet
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the handshake is done
 * @user_data: data for @callback
 *
 * Upgrades the connection after the server accepted STARTTLS. The caller
 * must have consumed the server's reply line and nothing more: any other
 * byte already received fails with %PF_NET_ERROR_PROTOCOL, because a man
 * in the middle could have injected it before the encryption started.
 * Afterwards pf_net_connection_get_reader() returns a new reader; the
 * protocol must forget what it learnt before (capabilities, greeting).
 */
void
pf_net_connection_start_tls_async (PfNetConnection     *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PF_IS_NET_CONNECTION (self));
  g_return_if_fail (self->connected && self->tls_connection == NULL);
  g_return_if_fail (g_queue_is_empty (&self->sends));

  task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_priority (task, pf_net_get_io_priority ());
  g_task_set_source_tag (task, pf_net_connection_start_tls_async);

  if (pf_net_reader_get_available (self->reader) > 0)
    {
      g_task_return_new_error (task, PF_NET_ERROR, PF_NET_ERROR_PROTOCOL,
                               _("The server sent unexpected data before the secure connection "
                                 "started; the connection was closed to protect you"));
      g_object_unref (task);
      return;
    }

  self->connected = FALSE;
  start_handshake (self, task);
}

gboolean
pf_net_connection_start_tls_finish (PfNetConnection  *self,
                                    GAsyncResult     *result,
                                    GError          **error)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pf_net_connection_wait_sent_async:
 * @self: a #PfNetConnection
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when every queued send has completed
 * @user_data: data for @callback
 *
 * Waits until nothing is being written. A server can answer a command
 * before the write's callback has run; switching streams (STARTTLS,
 * COMPRESS) must wait for that, or GIO finds the old stream still busy.
 */
void
pf_net_connection_wait_sent_async (PfNetConnection     *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PF_IS_NET_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_priority (task, pf_net_get_io_priority ());
  g_task_set_source_tag (task, pf_net_connection_wait_sent_async);

  if (g_queue_is_empty (&self->sends))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  if (self->sent_waiters == NULL)
    self->sent_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->sent_waiters, task);
}

gboolean
pf_net_connection_wait_sent_finish (PfNetConnection  *self,
                                    GAsyncResult     *result,
                                    GError          **error)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pf_net_connection_start_compression:
 * @self: a connected #PfNetConnection
 * @error: return location for an error
 *
 * Compresses both directions with raw DEFLATE from now on (IMAP COMPRESS,
 * RFC 4978), over TLS if that is up. Call it right after the server's OK
 * to the protocol's COMPRESS command, with nothing queued to send. Bytes
 * already received after that OK would have to be decompressed as well; a
 * server that sends any before the client speaks again is refused with
 * %PF_NET_ERROR_PROTOCOL.
 *
 * Returns: %TRUE when compression is on
 */
gboolean
pf_net_connection_start_compression (PfNetConnection  *self,
                                     GError          **error)
{
  g_autoptr(GZlibCompressor) compressor = NULL;
  g_autoptr(GZlibDecompressor) decompressor = NULL;
  GIOStream *stream;

  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), FALSE);
  g_return_val_if_fail (self->connected, FALSE);
  g_return_val_if_fail (self->compressed_input == NULL, FALSE);
  g_return_val_if_fail (g_queue_is_empty (&self->sends), FALSE);

  if (pf_net_reader_get_available (self->reader) > 0)
    {
      g_set_error_literal (error, PF_NET_ERROR, PF_NET_ERROR_PROTOCOL,
                           _("The server sent data before compression could start"));
      return FALSE;
    }

  stream = get_stream (self);
  compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW, -1);
  decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW);
  self->compressed_output = g_converter_output_stream_new (g_io_stream_get_output_stream (stream),
                                                           G_CONVERTER (compressor));
  self->compressed_input = g_converter_input_stream_new (g_io_stream_get_input_stream (stream),
                                                         G_CONVERTER (decompressor));
  g_clear_object (&self->reader);
  self->reader = pf_net_reader_new (self->compressed_input);

  return TRUE;
}

/**
 * pf_net_connection_is_compressed:
 *
 * Returns: whether pf_net_connection_start_compression() is in effect
 */
gboolean
pf_net_connection_is_compressed (PfNetConnection *self)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), FALSE);

  return self->compressed_input != NULL;
}

/**
 * pf_net_connection_get_reader:
 *
 * Returns: (transfer none): the reader of the current stream; a new one
 *   after STARTTLS
 */
PfNetReader *
pf_net_connection_get_reader (PfNetConnection *self)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), NULL);

  return self->reader;
}

gboolean
pf_net_connection_is_encrypted (PfNetConnection *self)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), FALSE);

  return self->tls_connection != NULL && self->connected;
}

/**
 * pf_net_connection_get_peer_certificate:
 *
 * Returns: (transfer none) (nullable): the server's certificate once TLS
 *   is up
 */
GTlsCertificate *
pf_net_connection_get_peer_certificate (PfNetConnection *self)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), NULL);

  if (self->tls_connection == NULL)
    return NULL;
  return g_tls_connection_get_peer_certificate (self->tls_connection);
}

/**
 * pf_net_connection_get_tls_connection:
 * @self: a #PfNetConnection
 *
 * For looking at the secure connection: its protocol version, cipher suite
 * and the errors accepted with the peer certificate
 * (g_tls_connection_get_peer_certificate_errors() is not 0 when a pin let
 * an unverified certificate through). Reading or writing on it would
 * bypass @self: don't.
 *
 * Returns: (transfer none) (nullable): the TLS connection once TLS is up
 */
GTlsConnection *
pf_net_connection_get_tls_connection (PfNetConnection *self)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), NULL);

  return self->connected ? self->tls_connection : NULL;
}

/**
 * pf_net_connection_dup_remote_address:
 * @self: a #PfNetConnection
 *
 * Returns: (transfer full) (nullable): the address connected to (which of
 *   the host's addresses answered), or %NULL when not connected
 */
GSocketAddress *
pf_net_connection_dup_remote_address (PfNetConnection *self)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), NULL);

  if (self->socket_connection == NULL)
    return NULL;
  return g_socket_connection_get_remote_address (self->socket_connection, NULL);
}

/**
 * pf_net_connection_check_secret_allowed:
 * @self: a #PfNetConnection
 * @error: return location for %PF_NET_ERROR_PLAINTEXT_REFUSED
 *
 * Protocols call this before they send a password or token.
 *
 * Returns: %TRUE when the connection is encrypted, or the user explicitly
 *   allowed cleartext passwords on an unencrypted one
 */
gboolean
pf_net_connection_check_secret_allowed (PfNetConnection  *self,
                                        GError          **error)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), FALSE);

  if (pf_net_connection_is_encrypted (self))
    return TRUE;
  if (self->security == PF_NET_SECURITY_NONE && self->allow_plaintext_secrets)
    return TRUE;

  g_set_error (error, PF_NET_ERROR, PF_NET_ERROR_PLAINTEXT_REFUSED,
               _("The password was not sent because the connection to %s is not encrypted"),
               self->host);
  return FALSE;
}

/* send */

static void send_next (PfNetConnection *self);

static void
send_done (PfNetConnection *self,
           GError          *error)
{
  PendingSend *send = g_queue_pop_head (&self->sends);

  g_assert (send != NULL);
  self->writing = FALSE;

  /* The callback may run right here and queue the next send, which then
   * starts at once: only start one if it did not. */
  if (error != NULL)
    g_task_return_error (send->task, pf_net_error_from_io (error));
  else
    g_task_return_boolean (send->task, TRUE);

  pending_send_free (send);
  if (!self->writing)
    send_next (self);
  g_object_unref (self);
}

static void
flush_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  GError *error = NULL;

  g_output_stream_flush_finish (G_OUTPUT_STREAM (object), result, &error);
  send_done (user_data, error);
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  PfNetConnection *self = user_data;
  PendingSend *send = g_queue_peek_head (&self->sends);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      send_done (self, error);
      return;
    }

  /* Compressed data sits in zlib until flushed (Z_SYNC_FLUSH): the server
   * must see the whole command now. */
  if (G_OUTPUT_STREAM (object) == self->compressed_output)
    {
      g_output_stream_flush_async (G_OUTPUT_STREAM (object), pf_net_get_io_priority (),
                                   g_task_get_cancellable (send->task), flush_cb, self);
      return;
    }

  send_done (self, NULL);
}

static void
send_next (PfNetConnection *self)
{
  PendingSend *send = g_queue_peek_head (&self->sends);
  GOutputStream *output;
  gconstpointer data;
  gsize length;

  if (send == NULL)
    {
      /* Everything is written: wake those who wait for that. */
      if (self->sent_waiters != NULL && self->sent_waiters->len > 0)
        {
          g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->sent_waiters);

          for (guint i = 0; i < waiters->len; i++)
            g_task_return_boolean (waiters->pdata[i], TRUE);
        }
      return;
    }

  output = self->compressed_output != NULL ? self->compressed_output
                                           : g_io_stream_get_output_stream (get_stream (self));
  data = g_bytes_get_data (send->data, &length);
  self->writing = TRUE;
  g_output_stream_write_all_async (output, data, length, pf_net_get_io_priority (),
                                   g_task_get_cancellable (send->task),
                                   send_cb, g_object_ref (self));
}

/**
 * pf_net_connection_send_async:
 * @self: a connected #PfNetConnection
 * @data: the bytes to send
 * @secret: whether @data holds a credential: it is then left out of the
 *   protocol trace
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when all of @data is written
 * @user_data: data for @callback
 *
 * Queues @data; sends complete in the order they were queued, so protocols
 * can pipeline commands.
 */
void
pf_net_connection_send_async (PfNetConnection     *self,
                              GBytes              *data,
                              gboolean             secret,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  PendingSend *send;
  gboolean idle;

  g_return_if_fail (PF_IS_NET_CONNECTION (self));
  g_return_if_fail (data != NULL);

  send = g_new0 (PendingSend, 1);
  send->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_priority (send->task, pf_net_get_io_priority ());
  g_task_set_source_tag (send->task, pf_net_connection_send_async);
  send->data = g_bytes_ref (data);

  if (!self->connected)
    {
      g_task_return_new_error (send->task, PF_NET_ERROR, PF_NET_ERROR_CONNECTION_LOST,
                               _("Not connected to %s"), self->host);
      pending_send_free (send);
      return;
    }

  if (secret)
    {
      if (tracing (self))
        g_log (self->trace_domain, G_LOG_LEVEL_DEBUG, "%s:%u C: [%" G_GSIZE_FORMAT
               " bytes with credentials not shown]", self->host, self->port,
               g_bytes_get_size (data));
    }
  else
    {
      gsize length;
      const char *bytes = g_bytes_get_data (data, &length);

      trace (self, "C:", bytes, length);
    }

  idle = !self->writing && g_queue_is_empty (&self->sends);
  g_queue_push_tail (&self->sends, send);
  if (idle)
    send_next (self);
}

gboolean
pf_net_connection_send_finish (PfNetConnection  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* close */

static void
close_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* A peer that already hung up is closed as well. */
  g_io_stream_close_finish (G_IO_STREAM (object), result, &error);
  g_task_return_boolean (task, TRUE);
}

/**
 * pf_net_connection_close_async:
 *
 * Closes the connection (with a TLS close_notify when encrypted). Errors
 * while closing are not reported: the connection is closed either way.
 */
void
pf_net_connection_close_async (PfNetConnection     *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;
  GIOStream *stream;

  g_return_if_fail (PF_IS_NET_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_priority (task, pf_net_get_io_priority ());
  g_task_set_source_tag (task, pf_net_connection_close_async);

  self->connected = FALSE;
  stream = self->socket_connection != NULL ? get_stream (self) : NULL;
  if (stream == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  g_io_stream_close_async (stream, pf_net_get_io_priority (), cancellable, close_cb, task);
}

gboolean
pf_net_connection_close_finish (PfNetConnection  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (PF_IS_NET_CONNECTION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
