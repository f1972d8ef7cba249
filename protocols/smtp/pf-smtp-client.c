/* pf-smtp-client.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-smtp"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "net/pf-net-error.h"
#include "net/pf-net-sasl.h"
#include "pf-smtp-client.h"
#include "pf-smtp-error.h"
#include "pf-smtp-reply.h"

/**
 * PfSmtpClient:
 *
 * One SMTP submission session (RFC 5321, RFC 6409) over a #PfNetConnection:
 * greeting, EHLO, STARTTLS, AUTH, then any number of mail transactions.
 * One operation runs at a time; the caller waits for each to finish.
 */
struct _PfSmtpClient
{
  GObject            parent_instance;

  /* Owned */
  PfNetConnection   *net;
  PfSmtpReplyParser *parser;
  GHashTable        *extensions;   /* upper-case keyword → parameters ("" if none) */
  char              *client_name;
};

G_DEFINE_FINAL_TYPE (PfSmtpClient, pf_smtp_client, G_TYPE_OBJECT)

/* The data of a message is sent in pieces of this size. */
#define BODY_CHUNK 65536

static void
pf_smtp_client_dispose (GObject *object)
{
  PfSmtpClient *self = PF_SMTP_CLIENT (object);

  g_clear_object (&self->net);

  G_OBJECT_CLASS (pf_smtp_client_parent_class)->dispose (object);
}

static void
pf_smtp_client_finalize (GObject *object)
{
  PfSmtpClient *self = PF_SMTP_CLIENT (object);

  g_clear_pointer (&self->parser, pf_smtp_reply_parser_free);
  g_clear_pointer (&self->extensions, g_hash_table_unref);
  g_clear_pointer (&self->client_name, g_free);

  G_OBJECT_CLASS (pf_smtp_client_parent_class)->finalize (object);
}

static void
pf_smtp_client_class_init (PfSmtpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_smtp_client_dispose;
  object_class->finalize = pf_smtp_client_finalize;
}

static void
pf_smtp_client_init (PfSmtpClient *self)
{
  self->parser = pf_smtp_reply_parser_new ();
  self->extensions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* RFC 5321 §4.1.4: a domain or an address literal. The loopback literal
   * is valid and tells the server nothing about the user's machine. */
  self->client_name = g_strdup ("[127.0.0.1]");
}

/**
 * pf_smtp_client_new:
 * @connection: a #PfNetConnection, not yet connected
 *
 * Returns: (transfer full): a new client; call pf_smtp_client_open_async()
 */
PfSmtpClient *
pf_smtp_client_new (PfNetConnection *connection)
{
  PfSmtpClient *self;

  g_return_val_if_fail (PF_IS_NET_CONNECTION (connection), NULL);

  self = g_object_new (PF_TYPE_SMTP_CLIENT, NULL);
  self->net = g_object_ref (connection);
  pf_net_connection_set_trace_domain (self->net, G_LOG_DOMAIN);

  return self;
}

/**
 * pf_smtp_client_get_connection:
 * @self: a #PfSmtpClient
 *
 * Returns: (transfer none): the connection
 */
PfNetConnection *
pf_smtp_client_get_connection (PfSmtpClient *self)
{
  g_return_val_if_fail (PF_IS_SMTP_CLIENT (self), NULL);

  return self->net;
}

/**
 * pf_smtp_client_set_client_name:
 * @self: a #PfSmtpClient
 * @name: the domain or address literal sent with EHLO (RFC 5321 §4.1.1.1)
 *
 * Overrides the default "[127.0.0.1]". Call before opening.
 */
void
pf_smtp_client_set_client_name (PfSmtpClient *self,
                                const char   *name)
{
  g_return_if_fail (PF_IS_SMTP_CLIENT (self));
  g_return_if_fail (name != NULL && *name != '\0');
  g_return_if_fail (strpbrk (name, " \r\n") == NULL);

  if (g_strcmp0 (self->client_name, name) == 0)
    return;
  g_free (self->client_name);
  self->client_name = g_strdup (name);
}

/**
 * pf_smtp_client_has_extension:
 * @self: a #PfSmtpClient
 * @keyword: an EHLO keyword, e.g. "PIPELINING"
 *
 * Returns: whether the last EHLO reply announced @keyword
 */
gboolean
pf_smtp_client_has_extension (PfSmtpClient *self,
                              const char   *keyword)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (PF_IS_SMTP_CLIENT (self), FALSE);
  g_return_val_if_fail (keyword != NULL, FALSE);

  upper = g_ascii_strup (keyword, -1);

  return g_hash_table_contains (self->extensions, upper);
}

/**
 * pf_smtp_client_get_extension:
 * @self: a #PfSmtpClient
 * @keyword: an EHLO keyword, e.g. "AUTH"
 *
 * Returns: (transfer none) (nullable): the parameters announced with
 *   @keyword ("" if none), or %NULL if it was not announced
 */
const char *
pf_smtp_client_get_extension (PfSmtpClient *self,
                              const char   *keyword)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (PF_IS_SMTP_CLIENT (self), NULL);
  g_return_val_if_fail (keyword != NULL, NULL);

  upper = g_ascii_strup (keyword, -1);

  return g_hash_table_lookup (self->extensions, upper);
}

/**
 * pf_smtp_client_get_size_limit:
 * @self: a #PfSmtpClient
 *
 * Returns: the largest message the server accepts (RFC 1870 SIZE), or 0
 *   if it announced no limit
 */
guint64
pf_smtp_client_get_size_limit (PfSmtpClient *self)
{
  const char *size;

  g_return_val_if_fail (PF_IS_SMTP_CLIENT (self), 0);

  size = pf_smtp_client_get_extension (self, "SIZE");
  if (size == NULL || *size == '\0')
    return 0;

  return g_ascii_strtoull (size, NULL, 10);
}

/* Lines and replies */

static void
send_ignored_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  /* A failed write surfaces as a failed read of the reply. */
  pf_net_connection_send_finish (PF_NET_CONNECTION (object), result, NULL);
}

static void
send_line (PfSmtpClient *self,
           const char   *line,
           gboolean      secret)
{
  g_autoptr(GBytes) bytes = NULL;
  char *with_crlf;

  with_crlf = g_strconcat (line, "\r\n", NULL);
  bytes = g_bytes_new_take (with_crlf, strlen (with_crlf));
  pf_net_connection_send_async (self->net, bytes, secret, NULL, send_ignored_cb, NULL);
}

static GError *
connection_lost (void)
{
  return g_error_new_literal (PF_SMTP_ERROR, PF_SMTP_ERROR_CONNECTION_LOST,
                              _("The connection to the mail server was lost"));
}

static void
read_reply_line_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfSmtpClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  PfSmtpReply *reply;
  GCancellable *cancellable;
  gsize length = 0;

  line = pf_net_reader_read_line_finish (PF_NET_READER (object), result, &length, &error);
  if (line == NULL)
    {
      if (g_error_matches (error, PF_NET_ERROR, PF_NET_ERROR_CONNECTION_LOST))
        g_task_return_error (task, connection_lost ());
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (self->net != NULL)
    pf_net_connection_trace_received (self->net, line, length);

  reply = pf_smtp_reply_parser_feed (self->parser, line, length, &error);
  if (reply != NULL)
    {
      g_task_return_pointer (task, reply, (GDestroyNotify) pf_smtp_reply_free);
      return;
    }
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  cancellable = g_task_get_cancellable (task);
  pf_net_reader_read_line_async (PF_NET_READER (object), cancellable,
                                 read_reply_line_cb, g_steal_pointer (&task));
}

static void
read_reply_async (PfSmtpClient        *self,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, read_reply_async);
  pf_net_reader_read_line_async (pf_net_connection_get_reader (self->net), cancellable,
                                 read_reply_line_cb, task);
}

static PfSmtpReply *
read_reply_finish (PfSmtpClient  *self,
                   GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Sends @line (unless %NULL) and reads the reply; @cb gets @task back as
 * its user data and calls read_reply_finish() on its own source object. */
static void
command (GTask               *task,
         const char          *line,
         gboolean             secret,
         GAsyncReadyCallback  cb)
{
  PfSmtpClient *self = g_task_get_source_object (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (line != NULL)
    send_line (self, line, secret);
  read_reply_async (self, cancellable, cb, task);
}

static void
return_reply_error (GTask             *task,
                    const PfSmtpReply *reply,
                    const char        *message)
{
  g_task_return_error (task, pf_smtp_reply_to_error (reply, message));
}

/* RFC 5321 §4.1.1.1: the lines after the first are "keyword [params]". */
static void
parse_extensions (PfSmtpClient      *self,
                  const PfSmtpReply *reply)
{
  g_hash_table_remove_all (self->extensions);

  for (guint i = 1; reply->lines[i] != NULL; i++)
    {
      const char *line = reply->lines[i];
      const char *space = strchr (line, ' ');
      g_autofree char *keyword = NULL;

      keyword = space != NULL ? g_strndup (line, space - line) : g_strdup (line);
      if (*keyword == '\0')
        continue;
      g_hash_table_replace (self->extensions, g_ascii_strup (keyword, -1),
                            g_strdup (space != NULL ? space + 1 : ""));
    }
}

/* Opening: connect, 220, EHLO (HELO), STARTTLS, EHLO */

typedef enum
{
  OPEN_GREETING,
  OPEN_EHLO,
  OPEN_HELO,
  OPEN_STARTTLS,
} OpenPhase;

static void open_reply_cb (GObject      *object,
                           GAsyncResult *result,
                           gpointer      user_data);

static gboolean
needs_starttls (PfSmtpClient *self)
{
  return pf_net_connection_get_security (self->net) == PF_NET_SECURITY_STARTTLS &&
         !pf_net_connection_is_encrypted (self->net);
}

static void
send_ehlo (GTask *task)
{
  PfSmtpClient *self = g_task_get_source_object (task);
  g_autofree char *line = NULL;

  g_task_set_task_data (task, GINT_TO_POINTER (OPEN_EHLO), NULL);
  line = g_strconcat ("EHLO ", self->client_name, NULL);
  command (task, line, FALSE, open_reply_cb);
}

static void
start_tls_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfSmtpClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!pf_net_connection_start_tls_finish (PF_NET_CONNECTION (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* RFC 3207 §4.2: forget everything learnt before TLS, and ask again. */
  g_hash_table_remove_all (self->extensions);
  pf_smtp_reply_parser_reset (self->parser);
  send_ehlo (g_steal_pointer (&task));
}

static void
starttls_sent_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  if (!pf_net_connection_wait_sent_finish (PF_NET_CONNECTION (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  cancellable = g_task_get_cancellable (task);
  pf_net_connection_start_tls_async (PF_NET_CONNECTION (object), cancellable,
                                     start_tls_cb, g_steal_pointer (&task));
}

static void
open_reply_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfSmtpClient *self = PF_SMTP_CLIENT (object);
  g_autoptr(PfSmtpReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  OpenPhase phase = GPOINTER_TO_INT (g_task_get_task_data (task));
  const char *host = pf_net_connection_get_host (self->net);
  GCancellable *cancellable;

  reply = read_reply_finish (self, result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  switch (phase)
    {
    case OPEN_GREETING:
      /* RFC 5321 §4.3.1: 220 welcomes, 554 turns the client away. */
      if (reply->code != 220)
        {
          return_reply_error (task, reply, _("The mail server refused the connection"));
          return;
        }
      send_ehlo (g_steal_pointer (&task));
      return;

    case OPEN_EHLO:
      if (pf_smtp_reply_is_success (reply))
        {
          parse_extensions (self, reply);
          break;
        }
      /* RFC 5321 §4.1.4: an old server that does not know EHLO; it cannot
       * do STARTTLS either. */
      if (reply->code >= 500 && !needs_starttls (self))
        {
          g_task_set_task_data (task, GINT_TO_POINTER (OPEN_HELO), NULL);
          line = g_strconcat ("HELO ", self->client_name, NULL);
          command (g_steal_pointer (&task), line, FALSE, open_reply_cb);
          return;
        }
      return_reply_error (task, reply, _("The mail server did not accept the greeting"));
      return;

    case OPEN_HELO:
      if (!pf_smtp_reply_is_success (reply))
        {
          return_reply_error (task, reply, _("The mail server did not accept the greeting"));
          return;
        }
      g_hash_table_remove_all (self->extensions);
      break;

    case OPEN_STARTTLS:
      if (reply->code != 220)
        {
          g_task_return_new_error (task, PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE,
                                   _("The server %s refused to start a secure connection"),
                                   host);
          return;
        }
      /* Any byte already received was sent before the handshake and
       * would be taken as coming from the secure server: an injection. */
      if (pf_net_reader_get_available (pf_net_connection_get_reader (self->net)) > 0 ||
          !pf_smtp_reply_parser_is_idle (self->parser))
        {
          g_task_return_new_error (task, PF_NET_ERROR, PF_NET_ERROR_PROTOCOL,
                                   _("The server sent unexpected data before the secure "
                                     "connection started; the connection was closed to "
                                     "protect you"));
          return;
        }
      cancellable = g_task_get_cancellable (task);
      pf_net_connection_wait_sent_async (self->net, cancellable, starttls_sent_cb,
                                         g_steal_pointer (&task));
      return;

    default:
      g_assert_not_reached ();
    }

  if (needs_starttls (self))
    {
      /* Refuse rather than fall back to a cleartext session. */
      if (!pf_smtp_client_has_extension (self, "STARTTLS"))
        {
          g_task_return_new_error (task, PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE,
                                   _("The server %s does not offer a secure connection "
                                     "(STARTTLS); nothing was sent unencrypted"),
                                   host);
          return;
        }
      /* RFC 3207 §4: nothing may be pipelined behind STARTTLS. */
      g_task_set_task_data (task, GINT_TO_POINTER (OPEN_STARTTLS), NULL);
      command (g_steal_pointer (&task), "STARTTLS", FALSE, open_reply_cb);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
connect_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_net_connection_connect_finish (PF_NET_CONNECTION (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  pf_net_reader_set_max_line (pf_net_connection_get_reader (PF_NET_CONNECTION (object)),
                              PF_SMTP_REPLY_MAX_LINE);
  g_task_set_task_data (task, GINT_TO_POINTER (OPEN_GREETING), NULL);
  command (g_steal_pointer (&task), NULL, FALSE, open_reply_cb);
}

/**
 * pf_smtp_client_open_async:
 * @self: a new #PfSmtpClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the session is ready for AUTH or mail
 * @user_data: data for @callback
 *
 * Connects, reads the greeting (220) and introduces the client with EHLO,
 * or HELO if the server does not know EHLO. With
 * %PF_NET_SECURITY_STARTTLS the connection is upgraded first (RFC 3207)
 * and EHLO is sent again; a server that does not offer STARTTLS, refuses
 * it or sends bytes behind its 220 fails with
 * %PF_NET_ERROR_STARTTLS_UNAVAILABLE or %PF_NET_ERROR_PROTOCOL before
 * anything else is sent. Runs on the main context.
 */
void
pf_smtp_client_open_async (PfSmtpClient        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PF_IS_SMTP_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_smtp_client_open_async);
  pf_net_connection_connect_async (self->net, cancellable, connect_cb, task);
}

/**
 * pf_smtp_client_open_finish:
 * @self: a #PfSmtpClient
 * @result: the result
 * @error: return location for a %PF_SMTP_ERROR or %PF_NET_ERROR
 *
 * Returns: whether the session is open
 */
gboolean
pf_smtp_client_open_finish (PfSmtpClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (PF_IS_SMTP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Login: AUTH (RFC 4954) */

typedef struct
{
  PfNetSasl *sasl;
  GError    *cancelled_with;   /* set when the exchange was cancelled with "*" */
} Login;

static void
login_free (Login *login)
{
  g_clear_object (&login->sasl);
  g_clear_error (&login->cancelled_with);
  g_free (login);
}

static char *
encode_response (GBytes *response)
{
  gconstpointer data;
  gsize length;

  data = g_bytes_get_data (response, &length);

  /* RFC 4954 §4: an empty initial response is sent as "=". */
  return length > 0 ? g_base64_encode (data, length) : g_strdup ("=");
}

static void
login_reply_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfSmtpClient *self = PF_SMTP_CLIENT (object);
  Login *login = g_task_get_task_data (task);
  g_autoptr(PfSmtpReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) challenge = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autofree guchar *decoded = NULL;
  g_autofree char *encoded = NULL;
  gsize decoded_length = 0;

  reply = read_reply_finish (self, result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (login->cancelled_with != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&login->cancelled_with));
      return;
    }

  if (reply->code == 235)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (reply->code == 334)
    {
      /* The challenge is base64, possibly empty. */
      if (reply->lines[0][0] != '\0')
        decoded = g_base64_decode (reply->lines[0], &decoded_length);
      challenge = g_bytes_new (decoded, decoded_length);
      answer = pf_net_sasl_step (login->sasl, challenge, &error);
      if (answer == NULL)
        {
          /* RFC 4954 §4: "*" cancels; the server answers 501. */
          login->cancelled_with = g_steal_pointer (&error);
          command (g_steal_pointer (&task), "*", FALSE, login_reply_cb);
          return;
        }
      if (g_bytes_get_size (answer) == 0)
        encoded = g_strdup ("");
      else
        encoded = encode_response (answer);
      command (g_steal_pointer (&task), encoded, TRUE, login_reply_cb);
      return;
    }

  if (reply->code == 535 || reply->code == 534)
    {
      g_autofree char *text = pf_smtp_reply_dup_text (reply);

      error = g_error_new (PF_SMTP_ERROR, PF_SMTP_ERROR_AUTHENTICATION_FAILED,
                           _("The mail server %s did not accept the user name or password"),
                           pf_net_connection_get_host (self->net));
      pf_smtp_error_set_reply (error, reply->code, reply->enhanced_code, text);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  return_reply_error (task, reply, _("The mail server refused to log in"));
}

/**
 * pf_smtp_client_login_async:
 * @self: an open #PfSmtpClient
 * @user: the user name
 * @secret: the password, or an OAuth 2.0 access token
 * @secret_is_oauth_token: whether @secret is a token (XOAUTH2, OAUTHBEARER)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when logged in
 * @user_data: data for @callback
 *
 * Authenticates with the best mechanism the server announced with AUTH in
 * its (post-TLS) EHLO reply. The secret is never sent over a cleartext
 * connection unless pf_net_connection_set_allow_plaintext_secrets()
 * allowed it (%PF_NET_ERROR_PLAINTEXT_REFUSED). A rejection (535) fails
 * with %PF_SMTP_ERROR_AUTHENTICATION_FAILED carrying the server's reply.
 */
void
pf_smtp_client_login_async (PfSmtpClient        *self,
                            const char          *user,
                            const char          *secret,
                            gboolean             secret_is_oauth_token,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) mechanisms = NULL;
  g_autofree char *line = NULL;
  PfNetSaslMechanism mechanism;
  const char *auth;
  Login *login;

  g_return_if_fail (PF_IS_SMTP_CLIENT (self));
  g_return_if_fail (user != NULL);
  g_return_if_fail (secret != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_smtp_client_login_async);

  if (!pf_net_connection_check_secret_allowed (self->net, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  auth = pf_smtp_client_get_extension (self, "AUTH");
  mechanisms = g_strsplit (auth != NULL ? auth : "", " ", -1);
  mechanism = pf_net_sasl_choose ((const char * const *) mechanisms, secret_is_oauth_token, TRUE);
  if (mechanism == PF_NET_SASL_MECHANISM_NONE)
    {
      g_task_return_new_error (task, PF_SMTP_ERROR, PF_SMTP_ERROR_PERMANENT,
                               _("The mail server %s offers no way to log in that "
                                 "Postfach supports"),
                               pf_net_connection_get_host (self->net));
      return;
    }

  login = g_new0 (Login, 1);
  g_task_set_task_data (task, login, (GDestroyNotify) login_free);
  login->sasl = pf_net_sasl_new (mechanism, user, secret, &error);
  if (login->sasl == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  pf_net_sasl_set_host (login->sasl, pf_net_connection_get_host (self->net));
  pf_net_sasl_set_port (login->sasl, pf_net_connection_get_port (self->net));

  /* RFC 4954 §4: the initial response rides on the command. */
  if (pf_net_sasl_has_initial_response (login->sasl))
    {
      g_autoptr(GBytes) initial = NULL;
      g_autofree char *encoded = NULL;

      initial = pf_net_sasl_step (login->sasl, NULL, &error);
      if (initial == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      encoded = encode_response (initial);
      line = g_strconcat ("AUTH ", pf_net_sasl_get_name (login->sasl), " ", encoded, NULL);
    }
  else
    line = g_strconcat ("AUTH ", pf_net_sasl_get_name (login->sasl), NULL);

  command (g_steal_pointer (&task), line, TRUE, login_reply_cb);
}

/**
 * pf_smtp_client_login_finish:
 * @self: a #PfSmtpClient
 * @result: the result
 * @error: return location for a %PF_SMTP_ERROR or %PF_NET_ERROR
 *
 * Returns: whether the client is logged in
 */
gboolean
pf_smtp_client_login_finish (PfSmtpClient  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (PF_IS_SMTP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Sending: MAIL, RCPT…, DATA, the message, "." (RFC 5321 §3.3) */

typedef enum
{
  SEND_ENVELOPE,
  SEND_DATA,
  SEND_BODY,
  SEND_RSET,
} SendPhase;

typedef struct
{
  SendPhase     phase;
  char        **commands;      /* MAIL FROM, then one RCPT TO per recipient */
  char        **recipients;
  guint         n_commands;
  guint         n_replies;
  guint         n_accepted;
  gboolean      pipelining;
  GPtrArray    *refused;       /* GError *, one per refused recipient */
  GError       *failure;       /* returned once RSET is answered */
  GInputStream *message;
  /* The dot-stuffer: RFC 5321 §4.5.2 */
  gboolean      line_start;
  gboolean      pending_cr;
} Send;

static void
send_free (Send *send)
{
  g_strfreev (send->commands);
  g_strfreev (send->recipients);
  g_clear_pointer (&send->refused, g_ptr_array_unref);
  g_clear_error (&send->failure);
  g_clear_object (&send->message);
  g_free (send);
}

/* Converts the line ends of @data to CRLF and doubles a "." that starts a
 * line, across chunk boundaries. With @end, completes the last line and
 * appends the terminating ".". */
static GBytes *
stuff (Send         *send,
       const guint8 *data,
       gsize         length,
       gboolean      end)
{
  GByteArray *out = g_byte_array_sized_new (length + length / 32 + 8);

  for (gsize i = 0; i < length; i++)
    {
      guint8 c = data[i];

      if (send->pending_cr)
        {
          send->pending_cr = FALSE;
          if (c == '\n')
            {
              g_byte_array_append (out, (const guint8 *) "\r\n", 2);
              send->line_start = TRUE;
              continue;
            }
          g_byte_array_append (out, (const guint8 *) "\r", 1);
          send->line_start = FALSE;
        }

      if (c == '\r')
        {
          send->pending_cr = TRUE;
          continue;
        }
      if (c == '\n')
        {
          g_byte_array_append (out, (const guint8 *) "\r\n", 2);
          send->line_start = TRUE;
          continue;
        }
      if (c == '.' && send->line_start)
        g_byte_array_append (out, (const guint8 *) ".", 1);
      g_byte_array_append (out, &c, 1);
      send->line_start = FALSE;
    }

  if (end)
    {
      if (send->pending_cr || !send->line_start)
        g_byte_array_append (out, (const guint8 *) "\r\n", 2);
      send->pending_cr = FALSE;
      g_byte_array_append (out, (const guint8 *) ".\r\n", 3);
    }

  return g_byte_array_free_to_bytes (out);
}

static void send_reply_cb (GObject      *object,
                           GAsyncResult *result,
                           gpointer      user_data);
static void body_read_cb  (GObject      *object,
                           GAsyncResult *result,
                           gpointer      user_data);

/* RFC 5321 §4.1.1.9: RSET ends the transaction; then report @error. */
static void
reset_and_fail (GTask  *task,
                GError *error)
{
  Send *send = g_task_get_task_data (task);

  g_clear_error (&send->failure);
  send->failure = error;
  send->phase = SEND_RSET;
  command (task, "RSET", FALSE, send_reply_cb);
}

static void
body_sent_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Send *send = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  if (!pf_net_connection_send_finish (PF_NET_CONNECTION (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  cancellable = g_task_get_cancellable (task);
  g_input_stream_read_bytes_async (send->message, BODY_CHUNK, G_PRIORITY_DEFAULT,
                                   cancellable, body_read_cb, g_steal_pointer (&task));
}

static void
body_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfSmtpClient *self = g_task_get_source_object (task);
  Send *send = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;
  g_autoptr(GBytes) stuffed = NULL;
  GCancellable *cancellable;
  gconstpointer data;
  gsize length;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (chunk == NULL)
    {
      /* The server waits for the end of the data: the session cannot
       * continue, so the caller closes the connection. */
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data = g_bytes_get_data (chunk, &length);
  if (length == 0)
    {
      stuffed = stuff (send, NULL, 0, TRUE);
      pf_net_connection_send_async (self->net, stuffed, FALSE, NULL, send_ignored_cb, NULL);
      send->phase = SEND_BODY;
      command (g_steal_pointer (&task), NULL, FALSE, send_reply_cb);
      return;
    }

  stuffed = stuff (send, data, length, FALSE);
  cancellable = g_task_get_cancellable (task);
  pf_net_connection_send_async (self->net, stuffed, FALSE, cancellable, body_sent_cb,
                                g_steal_pointer (&task));
}

static GError *
recipients_refused (Send *send)
{
  g_autoptr(GString) list = g_string_new (NULL);
  GError *error;
  const GError *last = NULL;

  for (guint i = 0; i < send->refused->len; i++)
    {
      last = g_ptr_array_index (send->refused, i);
      if (list->len > 0)
        g_string_append (list, "; ");
      g_string_append (list, last->message);
    }

  error = g_error_new (PF_SMTP_ERROR, PF_SMTP_ERROR_RECIPIENT_REFUSED,
                       _("The mail server accepted none of the recipients: %s"), list->str);
  if (last != NULL)
    pf_smtp_error_set_reply (error, pf_smtp_error_get_reply_code (last),
                             pf_smtp_error_get_enhanced_code (last),
                             pf_smtp_error_get_server_text (last));

  return error;
}

static void
send_reply_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfSmtpClient *self = PF_SMTP_CLIENT (object);
  Send *send = g_task_get_task_data (task);
  g_autoptr(PfSmtpReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;
  guint index;

  reply = read_reply_finish (self, result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  switch (send->phase)
    {
    case SEND_ENVELOPE:
      index = send->n_replies++;
      if (index == 0 && !pf_smtp_reply_is_success (reply) && send->failure == NULL)
        send->failure = pf_smtp_reply_to_error (reply, _("The mail server refused the sender"));
      else if (index > 0 && pf_smtp_reply_is_success (reply))
        send->n_accepted++;
      else if (index > 0)
        {
          g_autofree char *text = pf_smtp_reply_dup_text (reply);
          GError *refused;

          refused = g_error_new (PF_SMTP_ERROR,
                                 reply->code < 500 ? PF_SMTP_ERROR_TEMPORARY
                                                   : PF_SMTP_ERROR_RECIPIENT_REFUSED,
                                 _("The recipient “%s” was refused: %u %s"),
                                 send->recipients[index - 1], reply->code, text);
          pf_smtp_error_set_reply (refused, reply->code, reply->enhanced_code, text);
          pf_smtp_error_set_recipient (refused, send->recipients[index - 1]);
          g_ptr_array_add (send->refused, refused);
        }

      if (send->n_replies < send->n_commands)
        {
          /* Without PIPELINING, one command at a time; after a refused
           * MAIL the RCPTs are pointless. */
          if (!send->pipelining)
            {
              if (send->failure != NULL)
                {
                  reset_and_fail (g_steal_pointer (&task), g_steal_pointer (&send->failure));
                  return;
                }
              send_line (self, send->commands[send->n_replies], FALSE);
            }
          command (g_steal_pointer (&task), NULL, FALSE, send_reply_cb);
          return;
        }

      if (send->failure != NULL)
        {
          reset_and_fail (g_steal_pointer (&task), g_steal_pointer (&send->failure));
          return;
        }
      if (send->n_accepted == 0)
        {
          reset_and_fail (g_steal_pointer (&task), recipients_refused (send));
          return;
        }
      send->phase = SEND_DATA;
      command (g_steal_pointer (&task), "DATA", FALSE, send_reply_cb);
      return;

    case SEND_DATA:
      if (reply->code != 354)
        {
          reset_and_fail (g_steal_pointer (&task),
                          pf_smtp_reply_to_error (reply, _("The mail server refused the message")));
          return;
        }
      send->line_start = TRUE;
      send->pending_cr = FALSE;
      cancellable = g_task_get_cancellable (task);
      g_input_stream_read_bytes_async (send->message, BODY_CHUNK, G_PRIORITY_DEFAULT,
                                       cancellable, body_read_cb, g_steal_pointer (&task));
      return;

    case SEND_BODY:
      if (!pf_smtp_reply_is_success (reply))
        {
          return_reply_error (task, reply, _("The mail server refused the message"));
          return;
        }
      g_task_return_pointer (task, g_ptr_array_ref (send->refused),
                             (GDestroyNotify) g_ptr_array_unref);
      return;

    case SEND_RSET:
      g_task_return_error (task, g_steal_pointer (&send->failure));
      return;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
is_ascii (const char *s)
{
  for (; *s != '\0'; s++)
    if ((guchar) *s >= 0x80)
      return FALSE;

  return TRUE;
}

static gboolean
address_is_safe (const char *address)
{
  return strpbrk (address, "\r\n<>") == NULL;
}

/**
 * pf_smtp_client_send_async:
 * @self: an open (and, as the server requires, logged-in) #PfSmtpClient
 * @from: the envelope sender, e.g. "alice@example.test", or "" for none
 * @recipients: (array zero-terminated=1): the envelope recipients, at least one
 * @message: the message (RFC 5322), read to its end; line ends may be LF
 *   or CRLF, they are sent as CRLF, and lines starting with "." are
 *   dot-stuffed (RFC 5321 §4.5.2)
 * @size_hint: the size of @message in bytes, or -1 if unknown
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server accepted or refused the message
 * @user_data: data for @callback
 *
 * Runs one mail transaction. If the server announced SIZE (RFC 1870) and
 * @size_hint exceeds it, fails with %PF_SMTP_ERROR_MESSAGE_TOO_LARGE
 * before anything is sent. MAIL and the RCPTs go in one write when the
 * server offers PIPELINING (RFC 2920). If no recipient is accepted the
 * error is %PF_SMTP_ERROR_RECIPIENT_REFUSED listing each refusal; a
 * refused sender or DATA fails with the reply attached. Failures before
 * DATA end the transaction with RSET, so the session stays usable; a
 * failure while the message is streamed leaves it unusable.
 */
void
pf_smtp_client_send_async (PfSmtpClient        *self,
                           const char          *from,
                           const char * const  *recipients,
                           GInputStream        *message,
                           gint64               size_hint,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GString) mail = NULL;
  GPtrArray *commands;
  gboolean ascii;
  guint64 limit;
  Send *send;

  g_return_if_fail (PF_IS_SMTP_CLIENT (self));
  g_return_if_fail (from != NULL);
  g_return_if_fail (recipients != NULL && recipients[0] != NULL);
  g_return_if_fail (G_IS_INPUT_STREAM (message));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_smtp_client_send_async);

  limit = pf_smtp_client_get_size_limit (self);
  if (limit > 0 && size_hint > 0 && (guint64) size_hint > limit)
    {
      g_autoptr(GError) error = NULL;

      error = g_error_new (PF_SMTP_ERROR, PF_SMTP_ERROR_MESSAGE_TOO_LARGE,
                           _("The message is too large for the mail server: %lu bytes, "
                             "the limit is %lu bytes"),
                           (gulong) size_hint, (gulong) limit);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  ascii = is_ascii (from);
  for (guint i = 0; recipients[i] != NULL; i++)
    ascii = ascii && is_ascii (recipients[i]);
  if (!address_is_safe (from) || g_strv_contains (recipients, ""))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("An address of the message is not valid"));
      return;
    }
  for (guint i = 0; recipients[i] != NULL; i++)
    {
      if (!address_is_safe (recipients[i]))
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                   _("An address of the message is not valid"));
          return;
        }
    }
  /* RFC 6531: internationalized addresses need SMTPUTF8. */
  if (!ascii && !pf_smtp_client_has_extension (self, "SMTPUTF8"))
    {
      g_task_return_new_error (task, PF_SMTP_ERROR, PF_SMTP_ERROR_PERMANENT,
                               _("The mail server cannot handle addresses with "
                                 "non-ASCII characters"));
      return;
    }

  mail = g_string_new ("MAIL FROM:<");
  g_string_append (mail, from);
  g_string_append_c (mail, '>');
  if (limit > 0 && size_hint > 0)
    g_string_append_printf (mail, " SIZE=%" G_GINT64_FORMAT, size_hint);
  if (pf_smtp_client_has_extension (self, "8BITMIME"))
    g_string_append (mail, " BODY=8BITMIME");
  if (!ascii)
    g_string_append (mail, " SMTPUTF8");

  commands = g_ptr_array_new ();
  g_ptr_array_add (commands, g_string_free (g_steal_pointer (&mail), FALSE));
  for (guint i = 0; recipients[i] != NULL; i++)
    g_ptr_array_add (commands, g_strconcat ("RCPT TO:<", recipients[i], ">", NULL));

  send = g_new0 (Send, 1);
  send->phase = SEND_ENVELOPE;
  send->n_commands = commands->len;
  g_ptr_array_add (commands, NULL);
  send->commands = (char **) g_ptr_array_free (commands, FALSE);
  send->recipients = g_strdupv ((char **) recipients);
  send->pipelining = pf_smtp_client_has_extension (self, "PIPELINING");
  send->refused = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  send->message = g_object_ref (message);
  g_task_set_task_data (task, send, (GDestroyNotify) send_free);

  if (send->pipelining)
    {
      g_autofree char *joined = g_strjoinv ("\r\n", send->commands);

      send_line (self, joined, FALSE);
    }
  else
    send_line (self, send->commands[0], FALSE);

  command (g_steal_pointer (&task), NULL, FALSE, send_reply_cb);
}

/**
 * pf_smtp_client_send_finish:
 * @self: a #PfSmtpClient
 * @result: the result
 * @refused: (out) (optional) (transfer full) (element-type GError): the
 *   recipients the server refused while accepting the message for the
 *   others: one %PF_SMTP_ERROR per recipient with the reply and the
 *   recipient (pf_smtp_error_get_recipient()) attached
 * @error: return location for a %PF_SMTP_ERROR or %PF_NET_ERROR
 *
 * Returns: whether the server accepted the message for delivery
 */
gboolean
pf_smtp_client_send_finish (PfSmtpClient  *self,
                            GAsyncResult  *result,
                            GPtrArray    **refused,
                            GError       **error)
{
  g_autoptr(GPtrArray) array = NULL;

  g_return_val_if_fail (PF_IS_SMTP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  array = g_task_propagate_pointer (G_TASK (result), error);
  if (array == NULL)
    return FALSE;

  if (refused != NULL)
    *refused = g_steal_pointer (&array);

  return TRUE;
}

/* Quitting */

static void
quit_closed_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_net_connection_close_finish (PF_NET_CONNECTION (object), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
quit_reply_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfSmtpClient *self = PF_SMTP_CLIENT (object);
  g_autoptr(PfSmtpReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  /* RFC 5321 §4.1.1.10: 221, then the server closes. Whatever it says,
   * the session is over. */
  reply = read_reply_finish (self, result, &error);
  cancellable = g_task_get_cancellable (task);
  pf_net_connection_close_async (self->net, cancellable, quit_closed_cb, g_steal_pointer (&task));
}

/**
 * pf_smtp_client_quit_async:
 * @self: an open #PfSmtpClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the connection is closed
 * @user_data: data for @callback
 *
 * Sends QUIT, waits for the reply and closes the connection.
 */
void
pf_smtp_client_quit_async (PfSmtpClient        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PF_IS_SMTP_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_smtp_client_quit_async);
  command (task, "QUIT", FALSE, quit_reply_cb);
}

/**
 * pf_smtp_client_quit_finish:
 * @self: a #PfSmtpClient
 * @result: the result
 * @error: return location for an error
 *
 * Returns: whether the connection was closed cleanly
 */
gboolean
pf_smtp_client_quit_finish (PfSmtpClient  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (PF_IS_SMTP_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
