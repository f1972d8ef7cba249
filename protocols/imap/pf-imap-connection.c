/* pf-imap-connection.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "net/pf-net-error.h"
#include "net/pf-net-sasl.h"
#include "pf-imap-connection.h"
#include "pf-imap-error.h"

/*
 * One IMAP connection: greeting, STARTTLS, login, and a pipeline of tagged
 * commands (RFC 3501 §2.2.1, §5.5).
 *
 * Bytes are read continuously and fed to the incremental parser straight
 * from the receive buffer; each response is dispatched as soon as it is
 * complete: a tagged reply completes its command, a continuation request
 * goes to the one command that waits for it, and untagged data goes to the
 * oldest command in flight that collects that keyword, or else out through
 * the "untagged" signal (EXISTS, EXPUNGE, FETCH of flags changed by another
 * client, …).
 *
 * Commands flagged BARRIER (state changes: STARTTLS, LOGIN, AUTHENTICATE,
 * SELECT, …) are sent alone: nothing else is in flight while they are, so
 * no reply can be misread. A BYE, a broken connection, a parse error or a
 * command timeout fails every command in flight and queued, with the same
 * error, and leaves the connection in PF_IMAP_STATE_LOGOUT.
 */

#define DEFAULT_COMMAND_TIMEOUT 60

typedef struct
{
  PfImapCommand          *command;
  GPtrArray              *chunks;       /* of GBytes, see pf_imap_command_serialize() */
  char                  **collect;      /* keywords routed to untagged_func */
  PfImapUntaggedFunc      untagged_func;
  PfImapLiteralFunc       literal_func;
  PfImapContinuationFunc  continuation_func;
  gpointer                func_data;
  GTask                  *task;
  GError                 *continuation_error;
  char                    tag[16];
  guint                   next_chunk;
  guint                   pause_after_ok : 1;  /* STARTTLS, COMPRESS: the stream changes */
  guint                   client_turn : 1;  /* answered nothing: the client speaks next */
} Pending;

struct _PfImapConnection
{
  GObject           parent_instance;

  /* Owned */
  PfNetConnection  *net;
  PfImapParser     *parser;
  GCancellable     *cancellable;      /* the read loop; cancelled in dispose */
  GQueue            queued;           /* of Pending, not sent yet */
  GQueue            inflight;         /* of Pending, sent, oldest first */
  char            **capabilities;     /* upper case */
  GError           *closed_error;     /* why the connection ended */
  char             *bye_text;
  GTask            *open_task;
  GCancellable     *open_cancellable; /* the caller's, linked to ours */
  gulong            open_cancelled_id;

  /* Borrowed: in inflight */
  Pending          *awaiting_continuation;

  PfImapState       state;
  guint             next_tag;
  guint             command_timeout;
  guint             timeout_source;
  gint64            last_activity;
  guint             reading : 1;
  guint             pause_reading : 1;
};

G_DEFINE_FINAL_TYPE (PfImapConnection, pf_imap_connection, G_TYPE_OBJECT)

enum {
  UNTAGGED,
  ALERT,
  CLOSED,
  N_SIGNALS
};

static guint signals [N_SIGNALS];

static void read_loop (PfImapConnection *self);
static void pump (PfImapConnection *self);

static void
pending_free (Pending *pending)
{
  g_clear_pointer (&pending->command, pf_imap_command_unref);
  g_clear_pointer (&pending->chunks, g_ptr_array_unref);
  g_clear_pointer (&pending->collect, g_strfreev);
  g_clear_object (&pending->task);
  g_clear_error (&pending->continuation_error);
  g_free (pending);
}

static void
pf_imap_connection_dispose (GObject *object)
{
  PfImapConnection *self = PF_IMAP_CONNECTION (object);

  g_cancellable_cancel (self->cancellable);
  if (self->open_cancellable != NULL)
    {
      g_cancellable_disconnect (self->open_cancellable, self->open_cancelled_id);
      self->open_cancelled_id = 0;
      g_clear_object (&self->open_cancellable);
    }
  g_clear_handle_id (&self->timeout_source, g_source_remove);
  g_queue_clear_full (&self->queued, (GDestroyNotify) pending_free);
  g_queue_clear_full (&self->inflight, (GDestroyNotify) pending_free);
  self->awaiting_continuation = NULL;
  g_clear_object (&self->open_task);
  g_clear_object (&self->net);

  G_OBJECT_CLASS (pf_imap_connection_parent_class)->dispose (object);
}

static void
pf_imap_connection_finalize (GObject *object)
{
  PfImapConnection *self = PF_IMAP_CONNECTION (object);

  g_clear_pointer (&self->parser, pf_imap_parser_free);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->capabilities, g_strfreev);
  g_clear_error (&self->closed_error);
  g_clear_pointer (&self->bye_text, g_free);

  G_OBJECT_CLASS (pf_imap_connection_parent_class)->finalize (object);
}

static void
pf_imap_connection_class_init (PfImapConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_imap_connection_dispose;
  object_class->finalize = pf_imap_connection_finalize;

  /**
   * PfImapConnection::untagged:
   * @response: a #PfImapResponse no command in flight collected
   *
   * Unsolicited data: EXISTS, EXPUNGE, VANISHED, FETCH, FLAGS, …
   */
  signals [UNTAGGED] =
    g_signal_new ("untagged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  /**
   * PfImapConnection::alert:
   * @text: the text of an [ALERT] response code, which RFC 3501 §7.1
   *   says must be shown to the user
   */
  signals [ALERT] =
    g_signal_new ("alert", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * PfImapConnection::closed:
   * @error: why: %PF_IMAP_ERROR_BYE, %PF_IMAP_ERROR_CONNECTION_LOST, …
   */
  signals [CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
pf_imap_connection_init (PfImapConnection *self)
{
  g_queue_init (&self->queued);
  g_queue_init (&self->inflight);
  self->parser = pf_imap_parser_new ();
  self->cancellable = g_cancellable_new ();
  self->command_timeout = DEFAULT_COMMAND_TIMEOUT;
  self->next_tag = 1;
}

/**
 * pf_imap_connection_new:
 * @net: a #PfNetConnection, connected or not
 *
 * Returns: (transfer full): a new IMAP connection; call
 *   pf_imap_connection_open_async() next
 */
PfImapConnection *
pf_imap_connection_new (PfNetConnection *net)
{
  PfImapConnection *self;

  g_return_val_if_fail (PF_IS_NET_CONNECTION (net), NULL);

  self = g_object_new (PF_TYPE_IMAP_CONNECTION, NULL);
  self->net = g_object_ref (net);
  pf_net_connection_set_trace_domain (net, "pf-imap-wire");

  return self;
}

/**
 * pf_imap_connection_get_net:
 *
 * Returns: (transfer none): the underlying connection
 */
PfNetConnection *
pf_imap_connection_get_net (PfImapConnection *self)
{
  g_return_val_if_fail (PF_IS_IMAP_CONNECTION (self), NULL);

  return self->net;
}

PfImapState
pf_imap_connection_get_state (PfImapConnection *self)
{
  g_return_val_if_fail (PF_IS_IMAP_CONNECTION (self), PF_IMAP_STATE_DISCONNECTED);

  return self->state;
}

/**
 * pf_imap_connection_set_state:
 * @self: a #PfImapConnection
 * @state: the new state
 *
 * For the session layer, after SELECT, CLOSE and the like succeeded.
 */
void
pf_imap_connection_set_state (PfImapConnection *self,
                              PfImapState       state)
{
  g_return_if_fail (PF_IS_IMAP_CONNECTION (self));

  if (self->state != PF_IMAP_STATE_LOGOUT)
    self->state = state;
}

/**
 * pf_imap_connection_has_capability:
 * @self: a #PfImapConnection
 * @capability: e.g. "IDLE" or "AUTH=PLAIN"; case-insensitive
 *
 * Returns: whether the server announced @capability, in the current
 *   phase (capabilities change after STARTTLS and login)
 */
gboolean
pf_imap_connection_has_capability (PfImapConnection *self,
                                   const char       *capability)
{
  g_return_val_if_fail (PF_IS_IMAP_CONNECTION (self), FALSE);
  g_return_val_if_fail (capability != NULL, FALSE);

  if (self->capabilities == NULL)
    return FALSE;

  for (guint i = 0; self->capabilities[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (self->capabilities[i], capability) == 0)
        return TRUE;
    }

  return FALSE;
}

/**
 * pf_imap_connection_get_capabilities:
 *
 * Returns: (transfer none) (nullable): the capabilities, upper case
 */
const char *const *
pf_imap_connection_get_capabilities (PfImapConnection *self)
{
  g_return_val_if_fail (PF_IS_IMAP_CONNECTION (self), NULL);

  return (const char *const *) self->capabilities;
}

/**
 * pf_imap_connection_set_command_timeout:
 * @self: a #PfImapConnection
 * @seconds: how long a command may go without any byte from the server
 *   before the connection is given up; 0 for never
 */
void
pf_imap_connection_set_command_timeout (PfImapConnection *self,
                                        guint             seconds)
{
  g_return_if_fail (PF_IS_IMAP_CONNECTION (self));

  self->command_timeout = seconds;
}

/**
 * pf_imap_connection_set_literal_stream_threshold:
 * @self: a #PfImapConnection
 * @bytes: literals larger than this go to the command's
 *   #PfImapLiteralFunc piece by piece instead of into the response
 */
void
pf_imap_connection_set_literal_stream_threshold (PfImapConnection *self,
                                                 guint64           bytes)
{
  g_return_if_fail (PF_IS_IMAP_CONNECTION (self));

  pf_imap_parser_set_literal_stream_threshold (self->parser, bytes);
}

static void
set_capabilities_from_values (PfImapConnection  *self,
                              const PfImapValue *values,
                              guint              n_values,
                              guint              first)
{
  GPtrArray *caps = g_ptr_array_new ();

  for (guint i = first; i < n_values; i++)
    {
      const PfImapValue *value = pf_imap_value_get_item (values, i);
      g_autofree char *text = pf_imap_value_dup_string (value, NULL);

      if (text != NULL)
        g_ptr_array_add (caps, g_ascii_strup (text, -1));
    }
  g_ptr_array_add (caps, NULL);

  g_strfreev (self->capabilities);
  self->capabilities = (char **) g_ptr_array_free (caps, FALSE);
}

/* Failing */

static void
fail_pending (Pending      *pending,
              const GError *error)
{
  g_task_return_error (pending->task, g_error_copy (error));
  pending_free (pending);
}

/* Ends the connection: every command fails with @error (taken). */
static void
fail_all (PfImapConnection *self,
          GError           *error)
{
  Pending *pending;

  if (self->closed_error != NULL)
    {
      g_error_free (error);
      return;
    }

  g_debug ("IMAP connection to %s ends: %s",
           pf_net_connection_get_host (self->net), error->message);

  self->closed_error = error;
  self->state = PF_IMAP_STATE_LOGOUT;
  self->awaiting_continuation = NULL;
  g_clear_handle_id (&self->timeout_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);

  g_object_ref (self);

  if (self->open_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->open_task);

      g_task_return_error (task, g_error_copy (error));
    }

  while ((pending = g_queue_pop_head (&self->inflight)) != NULL)
    fail_pending (pending, error);
  while ((pending = g_queue_pop_head (&self->queued)) != NULL)
    fail_pending (pending, error);

  pf_net_connection_close_async (self->net, NULL, NULL, NULL);
  g_signal_emit (self, signals [CLOSED], 0, self->closed_error);

  g_object_unref (self);
}

static GError *
connection_lost_error (PfImapConnection *self,
                       GError           *cause)
{
  GError *error;

  /* After a BYE the server's own words explain the closed connection. */
  if (self->bye_text != NULL)
    {
      error = g_error_new (PF_IMAP_ERROR, PF_IMAP_ERROR_BYE,
                           _("The server ended the connection: %s"), self->bye_text);
      pf_imap_error_set_server_response (error, NULL, self->bye_text);
      g_clear_error (&cause);
      return error;
    }

  if (cause != NULL && g_error_matches (cause, PF_NET_ERROR, PF_NET_ERROR_TIMEOUT))
    {
      error = g_error_new_literal (PF_IMAP_ERROR, PF_IMAP_ERROR_TIMEOUT, cause->message);
      g_error_free (cause);
      return error;
    }

  if (cause != NULL && (cause->domain == PF_IMAP_ERROR ||
                        g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    return cause;

  error = g_error_new_literal (PF_IMAP_ERROR, PF_IMAP_ERROR_CONNECTION_LOST,
                               cause != NULL ? cause->message
                                             : _("The connection to the server was lost"));
  g_clear_error (&cause);
  return error;
}

/* Timeout: the oldest command must hear something within the timeout. */

static gboolean
on_timeout_check_cb (gpointer user_data)
{
  PfImapConnection *self = user_data;
  gint64 idle_seconds;

  if (g_queue_is_empty (&self->inflight) || self->command_timeout == 0)
    {
      self->timeout_source = 0;
      return G_SOURCE_REMOVE;
    }

  /* RFC 2177: after "+ idling" the server may rightly stay silent for as
   * long as nothing happens; the clock starts again with DONE (see
   * pf_imap_connection_send_continuation_line()). */
  if (self->awaiting_continuation != NULL && self->awaiting_continuation->client_turn)
    {
      self->timeout_source = 0;
      return G_SOURCE_REMOVE;
    }

  idle_seconds = (g_get_monotonic_time () - self->last_activity) / G_USEC_PER_SEC;
  if (idle_seconds >= self->command_timeout)
    {
      self->timeout_source = 0;
      fail_all (self, g_error_new (PF_IMAP_ERROR, PF_IMAP_ERROR_TIMEOUT,
                                   _("The server did not answer within %u seconds"),
                                   self->command_timeout));
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
arm_timeout (PfImapConnection *self)
{
  if (self->timeout_source == 0 && self->command_timeout > 0)
    self->timeout_source = g_timeout_add_seconds (1, on_timeout_check_cb, self);
}

/* Sending */

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(PfImapConnection) self = g_weak_ref_get (weak);
  g_autoptr(GError) error = NULL;

  g_weak_ref_clear (weak);
  g_free (weak);

  if (!pf_net_connection_send_finish (PF_NET_CONNECTION (object), result, &error) && self != NULL)
    fail_all (self, connection_lost_error (self, g_steal_pointer (&error)));
}

static void
send_bytes (PfImapConnection *self,
            GBytes           *bytes,
            gboolean          secret)
{
  GWeakRef *weak = g_new0 (GWeakRef, 1);

  g_weak_ref_init (weak, self);
  self->last_activity = g_get_monotonic_time ();
  pf_net_connection_send_async (self->net, bytes, secret, NULL, send_cb, weak);
}

static gboolean
is_secret (Pending *pending)
{
  return (pf_imap_command_get_flags (pending->command) & PF_IMAP_COMMAND_SECRET) != 0;
}

static gboolean
is_barrier (Pending *pending)
{
  return (pf_imap_command_get_flags (pending->command) & PF_IMAP_COMMAND_BARRIER) != 0;
}

static gboolean
inflight_has_barrier (PfImapConnection *self)
{
  for (GList *l = self->inflight.head; l != NULL; l = l->next)
    {
      if (is_barrier (l->data))
        return TRUE;
    }
  return FALSE;
}

/* Sends what may be sent now, in order. */
static void
pump (PfImapConnection *self)
{
  while (!g_queue_is_empty (&self->queued) && self->closed_error == NULL)
    {
      Pending *pending = g_queue_peek_head (&self->queued);

      /* The bytes of a command waiting for a continuation must not be
       * interleaved with another command's. */
      if (self->awaiting_continuation != NULL)
        break;
      if (inflight_has_barrier (self))
        break;
      if (is_barrier (pending) && !g_queue_is_empty (&self->inflight))
        break;
      if (self->state == PF_IMAP_STATE_DISCONNECTED && !pending->pause_after_ok &&
          self->open_task == NULL)
        break;

      g_queue_pop_head (&self->queued);
      g_snprintf (pending->tag, sizeof pending->tag, "P%u", self->next_tag++);
      pending->chunks = pf_imap_command_serialize (pending->command, pending->tag,
                                                   pf_imap_connection_has_capability (self, "LITERAL+"));
      g_queue_push_tail (&self->inflight, pending);

      send_bytes (self, pending->chunks->pdata[0], is_secret (pending));
      pending->next_chunk = 1;
      if (pending->next_chunk < pending->chunks->len || pending->continuation_func != NULL)
        self->awaiting_continuation = pending;

      arm_timeout (self);

      if (is_barrier (pending))
        break;
    }
}

/**
 * pf_imap_connection_send_continuation_line:
 * @self: a #PfImapConnection
 * @line: the line to send, without CRLF
 *
 * Sends a line for the command in flight whose #PfImapContinuationFunc
 * answered a continuation request with nothing: DONE for IDLE (RFC 2177
 * §3). The command timeout applies again from here on.
 *
 * Returns: %FALSE, and sends nothing, if no command waits for such a line
 */
gboolean
pf_imap_connection_send_continuation_line (PfImapConnection *self,
                                           GBytes           *line)
{
  Pending *pending;
  GByteArray *bytes;
  gsize length;
  gconstpointer data;

  g_return_val_if_fail (PF_IS_IMAP_CONNECTION (self), FALSE);
  g_return_val_if_fail (line != NULL, FALSE);

  pending = self->awaiting_continuation;
  if (pending == NULL || !pending->client_turn || self->closed_error != NULL)
    return FALSE;

  pending->client_turn = FALSE;
  data = g_bytes_get_data (line, &length);
  bytes = g_byte_array_sized_new (length + 2);
  g_byte_array_append (bytes, data, length);
  g_byte_array_append (bytes, (const guint8 *) "\r\n", 2);
  {
    g_autoptr(GBytes) chunk = g_byte_array_free_to_bytes (bytes);

    send_bytes (self, chunk, is_secret (pending));
  }
  arm_timeout (self);

  return TRUE;
}

/* Dispatching */

static Pending *
find_inflight (PfImapConnection *self,
               const char       *tag)
{
  for (GList *l = self->inflight.head; l != NULL; l = l->next)
    {
      Pending *pending = l->data;

      if (g_strcmp0 (pending->tag, tag) == 0)
        return pending;
    }
  return NULL;
}

static void
note_response_code (PfImapConnection *self,
                    PfImapResponse   *response)
{
  const PfImapValue *args;

  if (pf_imap_response_has_code (response, "CAPABILITY"))
    {
      args = pf_imap_response_get_code_args (response);
      if (args != NULL)
        set_capabilities_from_values (self, args, pf_imap_value_get_n_items (args), 0);
    }

  if (pf_imap_response_has_code (response, "ALERT"))
    {
      g_autofree char *text = g_strdup (pf_imap_response_get_text (response, NULL));

      g_signal_emit (self, signals [ALERT], 0, text != NULL ? text : "");
    }
}

static void
complete_open (PfImapConnection *self,
               GError           *error);

static void
handle_greeting (PfImapConnection *self,
                 PfImapResponse   *response)
{
  PfImapResponseStatus status = pf_imap_response_get_status (response);

  note_response_code (self, response);

  switch (status)
    {
    case PF_IMAP_RESPONSE_STATUS_OK:
      /* From here on timeouts are per command (see arm_timeout()): a quiet
       * connection, in IDLE say, must not time out. */
      pf_net_connection_set_timeout (self->net, 0);
      self->state = PF_IMAP_STATE_NOT_AUTHENTICATED;
      complete_open (self, NULL);
      break;

    case PF_IMAP_RESPONSE_STATUS_PREAUTH:
      /* RFC 3501 §7.1.4. A PREAUTH on a connection that should be upgraded
       * with STARTTLS means it never will be: refuse, do not downgrade. */
      if (pf_net_connection_get_security (self->net) == PF_NET_SECURITY_STARTTLS &&
          !pf_net_connection_is_encrypted (self->net))
        {
          fail_all (self, g_error_new (PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE,
                                       _("The server %s skipped the secure connection (PREAUTH); "
                                         "the connection was closed to protect you"),
                                       pf_net_connection_get_host (self->net)));
          return;
        }
      pf_net_connection_set_timeout (self->net, 0);
      self->state = PF_IMAP_STATE_AUTHENTICATED;
      complete_open (self, NULL);
      break;

    case PF_IMAP_RESPONSE_STATUS_BYE:
      g_free (self->bye_text);
      self->bye_text = g_strdup (pf_imap_response_get_text (response, NULL));
      fail_all (self, connection_lost_error (self, NULL));
      break;

    case PF_IMAP_RESPONSE_STATUS_NONE:
    case PF_IMAP_RESPONSE_STATUS_NO:
    case PF_IMAP_RESPONSE_STATUS_BAD:
    default:
      fail_all (self, g_error_new (PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                                   _("%s did not greet like an IMAP server"),
                                   pf_net_connection_get_host (self->net)));
      break;
    }
}

static void
handle_continuation (PfImapConnection *self,
                     PfImapResponse   *response)
{
  Pending *pending = self->awaiting_continuation;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  GByteArray *line;
  gsize length;
  gconstpointer data;

  if (pending == NULL)
    {
      fail_all (self, g_error_new_literal (PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                                           _("The server asked for data no command was sending")));
      return;
    }

  if (pending->next_chunk < pending->chunks->len)
    {
      send_bytes (self, pending->chunks->pdata[pending->next_chunk++], is_secret (pending));
      if (pending->next_chunk == pending->chunks->len && pending->continuation_func == NULL)
        {
          self->awaiting_continuation = NULL;
          pump (self);
        }
      return;
    }

  g_assert (pending->continuation_func != NULL);
  answer = pending->continuation_func (self, response, pending->func_data, &error);
  if (error != NULL)
    {
      /* RFC 3501 §6.2.2: "*" cancels the exchange; the server answers BAD
       * and the command fails with this error instead. */
      g_clear_error (&pending->continuation_error);
      pending->continuation_error = g_steal_pointer (&error);
      send_bytes (self, g_bytes_new_static ("*\r\n", 3), FALSE);
      return;
    }
  if (answer == NULL)
    {
      /* The command goes on when its caller says so: IDLE's DONE, see
       * pf_imap_connection_send_continuation_line(). */
      pending->client_turn = TRUE;
      return;
    }

  data = g_bytes_get_data (answer, &length);
  line = g_byte_array_sized_new (length + 2);
  g_byte_array_append (line, data, length);
  g_byte_array_append (line, (const guint8 *) "\r\n", 2);
  {
    g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (line);

    send_bytes (self, bytes, is_secret (pending));
  }
}

static GError *
error_for_status (Pending        *pending,
                  PfImapResponse *response)
{
  GError *error = pf_imap_error_new_from_response (response);
  const char *name = pf_imap_command_get_name (pending->command);

  /* A refused LOGIN or AUTHENTICATE is a wrong password (or user), with or
   * without RFC 5530's [AUTHENTICATIONFAILED]. */
  if (pf_imap_response_get_status (response) == PF_IMAP_RESPONSE_STATUS_NO &&
      (g_str_equal (name, "LOGIN") || g_str_has_prefix (name, "AUTHENTICATE")))
    error->code = PF_IMAP_ERROR_AUTHENTICATION_FAILED;

  return error;
}

static void
handle_tagged (PfImapConnection *self,
               PfImapResponse   *response)
{
  Pending *pending = find_inflight (self, pf_imap_response_get_tag (response));

  if (pending == NULL)
    {
      fail_all (self, g_error_new (PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                                   _("The server answered a command that was never sent (tag “%s”)"),
                                   pf_imap_response_get_tag (response)));
      return;
    }

  g_queue_remove (&self->inflight, pending);
  if (self->awaiting_continuation == pending)
    self->awaiting_continuation = NULL;

  note_response_code (self, response);

  if (pending->pause_after_ok && pf_imap_response_get_status (response) == PF_IMAP_RESPONSE_STATUS_OK)
    self->pause_reading = TRUE;

  if (pending->continuation_error != NULL)
    g_task_return_error (pending->task, g_steal_pointer (&pending->continuation_error));
  else if (pf_imap_response_get_status (response) == PF_IMAP_RESPONSE_STATUS_OK)
    g_task_return_pointer (pending->task, pf_imap_response_ref (response),
                           (GDestroyNotify) pf_imap_response_unref);
  else
    g_task_return_error (pending->task, error_for_status (pending, response));

  pending_free (pending);
  pump (self);
}

static void
handle_untagged (PfImapConnection *self,
                 PfImapResponse   *response)
{
  const char *keyword;

  note_response_code (self, response);

  if (pf_imap_response_get_status (response) == PF_IMAP_RESPONSE_STATUS_BYE)
    {
      /* RFC 3501 §7.1.5: the server closes the connection next. */
      g_free (self->bye_text);
      self->bye_text = g_strdup (pf_imap_response_get_text (response, NULL));
      self->state = PF_IMAP_STATE_LOGOUT;
      return;
    }

  if (pf_imap_response_is_keyword (response, "CAPABILITY"))
    set_capabilities_from_values (self, pf_imap_response_get_values (response),
                                  pf_imap_response_get_n_values (response), 0);

  keyword = pf_imap_response_get_keyword (response);
  if (keyword != NULL)
    {
      for (GList *l = self->inflight.head; l != NULL; l = l->next)
        {
          Pending *pending = l->data;

          if (pending->collect == NULL || pending->untagged_func == NULL)
            continue;
          for (guint i = 0; pending->collect[i] != NULL; i++)
            {
              if (g_ascii_strcasecmp (pending->collect[i], keyword) == 0)
                {
                  pending->untagged_func (self, response, pending->func_data);
                  return;
                }
            }
        }
    }

  g_signal_emit (self, signals [UNTAGGED], 0, response);
}

static void
handle_literal_chunk (PfImapConnection *self)
{
  const PfImapLiteralChunk *chunk = pf_imap_parser_get_literal_chunk (self->parser);

  for (GList *l = self->inflight.head; l != NULL; l = l->next)
    {
      Pending *pending = l->data;

      if (pending->literal_func != NULL)
        {
          pending->literal_func (self, chunk, pending->func_data);
          return;
        }
    }
  /* Nobody asked for it (an unsolicited large literal): dropped. */
}

static void
dispatch (PfImapConnection *self,
          PfImapResponse   *response)
{
  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, "pf-imap-wire") == FALSE)
    {
      g_autofree char *text = pf_imap_response_to_string (response);

      pf_net_connection_trace_received (self->net, text, strlen (text));
    }

  if (self->state == PF_IMAP_STATE_DISCONNECTED &&
      pf_imap_response_get_kind (response) == PF_IMAP_RESPONSE_UNTAGGED)
    {
      handle_greeting (self, response);
      return;
    }

  switch (pf_imap_response_get_kind (response))
    {
    case PF_IMAP_RESPONSE_TAGGED:
      handle_tagged (self, response);
      break;

    case PF_IMAP_RESPONSE_UNTAGGED:
      handle_untagged (self, response);
      break;

    case PF_IMAP_RESPONSE_CONTINUATION:
      handle_continuation (self, response);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Reading */

static void
fill_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(PfImapConnection) self = g_weak_ref_get (weak);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_weak_ref_clear (weak);
  g_free (weak);

  ok = pf_net_reader_fill_finish (PF_NET_READER (object), result, &error);
  if (self == NULL)
    return;

  self->reading = FALSE;
  if (!ok)
    {
      fail_all (self, connection_lost_error (self, g_steal_pointer (&error)));
      return;
    }

  self->last_activity = g_get_monotonic_time ();
  read_loop (self);
}

/* Parses everything buffered, then reads more. */
static void
read_loop (PfImapConnection *self)
{
  PfNetReader *reader = pf_net_connection_get_reader (self->net);
  GWeakRef *weak;

  g_object_ref (self);

  while (self->closed_error == NULL && !self->pause_reading)
    {
      g_autoptr(PfImapResponse) response = NULL;
      g_autoptr(GError) error = NULL;
      PfImapParseStatus status;
      const guint8 *data;
      gsize available;
      gsize consumed = 0;

      data = pf_net_reader_peek (reader, &available);
      if (available == 0)
        break;

      status = pf_imap_parser_feed (self->parser, data, available, &consumed, &response, &error);
      pf_net_reader_consume (reader, consumed);

      if (status == PF_IMAP_PARSE_ERROR)
        {
          fail_all (self, connection_lost_error (self, g_steal_pointer (&error)));
          break;
        }
      if (status == PF_IMAP_PARSE_LITERAL_DATA)
        handle_literal_chunk (self);
      else if (status == PF_IMAP_PARSE_RESPONSE)
        dispatch (self, response);
      else if (consumed == 0)
        break;
    }

  if (self->closed_error == NULL && !self->pause_reading && !self->reading)
    {
      self->reading = TRUE;
      weak = g_new0 (GWeakRef, 1);
      g_weak_ref_init (weak, self);
      pf_net_reader_fill_async (reader, self->cancellable, fill_cb, weak);
    }

  g_object_unref (self);
}

/* Running commands */

static Pending *
pending_new (PfImapConnection       *self,
             PfImapCommand          *command,
             const char *const      *collect,
             PfImapUntaggedFunc      untagged_func,
             PfImapLiteralFunc       literal_func,
             PfImapContinuationFunc  continuation_func,
             gpointer                func_data,
             GTask                  *task)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->command = pf_imap_command_ref (command);
  pending->collect = g_strdupv ((char **) collect);
  pending->untagged_func = untagged_func;
  pending->literal_func = literal_func;
  pending->continuation_func = continuation_func;
  pending->func_data = func_data;
  pending->task = task;

  return pending;
}

static void
run_internal (PfImapConnection       *self,
              PfImapCommand          *command,
              const char *const      *collect,
              PfImapUntaggedFunc      untagged_func,
              PfImapLiteralFunc       literal_func,
              PfImapContinuationFunc  continuation_func,
              gpointer                func_data,
              gboolean                pause_after_ok,
              GCancellable           *cancellable,
              GAsyncReadyCallback     callback,
              gpointer                user_data)
{
  GTask *task;
  Pending *pending;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_imap_connection_run_async);
  g_task_set_check_cancellable (task, FALSE);

  if (self->closed_error != NULL)
    {
      g_task_return_error (task, g_error_copy (self->closed_error));
      g_object_unref (task);
      return;
    }

  pending = pending_new (self, command, collect, untagged_func, literal_func,
                         continuation_func, func_data, task);
  pending->pause_after_ok = !!pause_after_ok;
  g_queue_push_tail (&self->queued, pending);
  pump (self);
}

/**
 * pf_imap_connection_run_async:
 * @self: an open #PfImapConnection
 * @command: the command
 * @collect: (nullable) (array zero-terminated=1): keywords of untagged
 *   responses that belong to this command, e.g. {"FETCH", NULL}
 * @untagged_func: (nullable): receives them
 * @literal_func: (nullable): receives streamed large literals
 * @continuation_func: (nullable): answers continuation requests
 *   (AUTHENTICATE)
 * @func_data: data for the three functions; must live until @callback
 * @cancellable: (nullable): a #GCancellable; cancelling does not take back
 *   a command already sent
 * @callback: called with the tagged reply
 * @user_data: data for @callback
 *
 * Queues @command. Commands are sent in order, pipelined unless one of
 * them is a barrier.
 */
void
pf_imap_connection_run_async (PfImapConnection       *self,
                              PfImapCommand          *command,
                              const char *const      *collect,
                              PfImapUntaggedFunc      untagged_func,
                              PfImapLiteralFunc       literal_func,
                              PfImapContinuationFunc  continuation_func,
                              gpointer                func_data,
                              GCancellable           *cancellable,
                              GAsyncReadyCallback     callback,
                              gpointer                user_data)
{
  g_return_if_fail (PF_IS_IMAP_CONNECTION (self));
  g_return_if_fail (command != NULL);

  run_internal (self, command, collect, untagged_func, literal_func, continuation_func,
                func_data, FALSE, cancellable, callback, user_data);
}

/**
 * pf_imap_connection_run_finish:
 * @self: a #PfImapConnection
 * @result: the result
 * @error: return location for an error: %PF_IMAP_ERROR_NO or
 *   %PF_IMAP_ERROR_BAD with the server's text and response code (see
 *   pf_imap_error_get_server_text()), %PF_IMAP_ERROR_AUTHENTICATION_FAILED,
 *   or the error that ended the connection
 *
 * Returns: (transfer full): the tagged OK response
 */
PfImapResponse *
pf_imap_connection_run_finish (PfImapConnection  *self,
                               GAsyncResult      *result,
                               GError           **error)
{
  g_return_val_if_fail (PF_IS_IMAP_CONNECTION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Opening: connect, greeting, CAPABILITY, STARTTLS, CAPABILITY */

static void open_capability (PfImapConnection *self);

static void
complete_open (PfImapConnection *self,
               GError           *error)
{
  GTask *task = g_steal_pointer (&self->open_task);

  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }

  if (error != NULL)
    {
      g_task_set_task_data (task, NULL, NULL);
      fail_all (self, g_error_copy (error));
      g_task_return_error (task, error);
    }
  else if (self->capabilities == NULL ||
           (pf_net_connection_get_security (self->net) == PF_NET_SECURITY_STARTTLS &&
            !pf_net_connection_is_encrypted (self->net)))
    {
      /* Not done yet: the steps below take the task back. */
      self->open_task = task;
      open_capability (self);
      return;
    }
  else
    g_task_return_boolean (task, TRUE);

  g_object_unref (task);
}

static void
starttls_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(PfImapConnection) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_net_connection_start_tls_finish (PF_NET_CONNECTION (object), result, &error))
    {
      complete_open (self, g_steal_pointer (&error));
      return;
    }

  pf_net_connection_set_timeout (self->net, 0);

  /* RFC 3501 §6.2.1: forget what was learnt before TLS, and ask again. */
  g_clear_pointer (&self->capabilities, g_strfreev);
  pf_imap_parser_reset (self->parser);
  self->pause_reading = FALSE;
  read_loop (self);
  complete_open (self, NULL);
}

static void
starttls_sent_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(PfImapConnection) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_net_connection_wait_sent_finish (PF_NET_CONNECTION (object), result, &error))
    {
      complete_open (self, g_steal_pointer (&error));
      return;
    }

  /* No command is in flight during the handshake: the socket times it. */
  pf_net_connection_set_timeout (self->net, self->command_timeout);
  pf_net_connection_start_tls_async (self->net, self->cancellable, starttls_done_cb,
                                     g_object_ref (self));
}

static void
starttls_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(PfImapConnection) self = user_data;
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  response = pf_imap_connection_run_finish (self, result, &error);
  if (response == NULL)
    {
      if (error->domain == PF_IMAP_ERROR &&
          (error->code == PF_IMAP_ERROR_NO || error->code == PF_IMAP_ERROR_BAD))
        {
          g_autoptr(GError) refused = NULL;

          refused = g_error_new (PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE,
                                 _("The server %s refused to start a secure connection"),
                                 pf_net_connection_get_host (self->net));
          complete_open (self, g_steal_pointer (&refused));
          return;
        }
      complete_open (self, g_steal_pointer (&error));
      return;
    }

  /* handle_tagged() stopped the read loop right after the OK line. Any byte
   * already received now was sent before the handshake: an injection. */
  if (!pf_imap_parser_is_idle (self->parser))
    {
      complete_open (self, g_error_new_literal (PF_NET_ERROR, PF_NET_ERROR_PROTOCOL,
                                                _("The server sent unexpected data before the "
                                                  "secure connection started; the connection "
                                                  "was closed to protect you")));
      return;
    }

  pf_net_connection_wait_sent_async (self->net, self->cancellable, starttls_sent_cb,
                                     g_object_ref (self));
}

static void
capability_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PfImapConnection) self = user_data;
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  response = pf_imap_connection_run_finish (self, result, &error);
  if (response == NULL)
    {
      complete_open (self, g_steal_pointer (&error));
      return;
    }

  if (self->capabilities == NULL)
    self->capabilities = g_new0 (char *, 1);

  complete_open (self, NULL);
}

static void
open_capability (PfImapConnection *self)
{
  g_autoptr(PfImapCommand) command = NULL;

  if (self->capabilities == NULL)
    {
      command = pf_imap_command_new ("CAPABILITY", PF_IMAP_COMMAND_BARRIER);
      pf_imap_connection_run_async (self, command, NULL, NULL, NULL, NULL, NULL,
                                    NULL, capability_cb, g_object_ref (self));
      return;
    }

  /* Here the connection must become secure before anything else. */
  if (!pf_imap_connection_has_capability (self, "STARTTLS"))
    {
      complete_open (self, g_error_new (PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE,
                                        _("The server %s does not offer a secure connection "
                                          "(STARTTLS); nothing was sent unencrypted"),
                                        pf_net_connection_get_host (self->net)));
      return;
    }

  /* Reading stops right after its reply: the stream changes there. */
  command = pf_imap_command_new ("STARTTLS", PF_IMAP_COMMAND_BARRIER);
  run_internal (self, command, NULL, NULL, NULL, NULL, NULL, TRUE,
                NULL, starttls_cb, g_object_ref (self));
}

static void
net_connect_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PfImapConnection) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_net_connection_connect_finish (PF_NET_CONNECTION (object), result, &error))
    {
      complete_open (self, g_steal_pointer (&error));
      return;
    }

  /* The socket's timeout bounds the wait for the greeting. */
  self->last_activity = g_get_monotonic_time ();
  read_loop (self);
}

/* The caller's cancellable of the opening ends the connection's own
 * (the read loop's) as well. */
static void
on_open_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/**
 * pf_imap_connection_open_async:
 * @self: a new #PfImapConnection
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the connection is ready for LOGIN (or already
 *   authenticated after PREAUTH on a TLS connection)
 * @user_data: data for @callback
 *
 * Connects, reads the greeting, and with %PF_NET_SECURITY_STARTTLS
 * upgrades the connection before anything else. STARTTLS that is not
 * offered or refused, a PREAUTH greeting, or bytes injected behind the
 * STARTTLS reply fail with %PF_NET_ERROR_STARTTLS_UNAVAILABLE or
 * %PF_NET_ERROR_PROTOCOL: never a fallback to plaintext.
 */
void
pf_imap_connection_open_async (PfImapConnection    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (PF_IS_IMAP_CONNECTION (self));
  g_return_if_fail (self->open_task == NULL);
  g_return_if_fail (self->state == PF_IMAP_STATE_DISCONNECTED);

  self->open_task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->open_task, pf_imap_connection_open_async);

  if (cancellable != NULL)
    {
      self->open_cancellable = g_object_ref (cancellable);
      self->open_cancelled_id = g_cancellable_connect (cancellable,
                                                       G_CALLBACK (on_open_cancelled_cb),
                                                       g_object_ref (self->cancellable),
                                                       g_object_unref);
    }

  pf_net_connection_connect_async (self->net, self->cancellable, net_connect_cb,
                                   g_object_ref (self));
}

gboolean
pf_imap_connection_open_finish (PfImapConnection  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (PF_IS_IMAP_CONNECTION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Login */

typedef struct
{
  PfNetSasl *sasl;
  gboolean   sasl_ir;
} LoginData;

static void
login_data_free (LoginData *data)
{
  g_clear_object (&data->sasl);
  g_free (data);
}

static GBytes *
authenticate_continuation (PfImapConnection  *self,
                           PfImapResponse    *response,
                           gpointer           user_data,
                           GError           **error)
{
  LoginData *data = user_data;
  g_autoptr(GBytes) challenge = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autofree char *encoded = NULL;
  g_autofree guchar *decoded = NULL;
  const char *text;
  gsize decoded_length = 0;
  gsize length;
  gconstpointer bytes;

  /* RFC 3501 §6.2.2: the challenge is base64, possibly empty. */
  text = pf_imap_response_get_text (response, NULL);
  if (text != NULL && *text != '\0')
    decoded = g_base64_decode (text, &decoded_length);
  challenge = g_bytes_new (decoded, decoded_length);

  answer = pf_net_sasl_step (data->sasl, challenge, error);
  if (answer == NULL)
    return NULL;

  bytes = g_bytes_get_data (answer, &length);
  encoded = length > 0 ? g_base64_encode (bytes, length) : g_strdup ("");
  length = strlen (encoded);
  return g_bytes_new_take (g_steal_pointer (&encoded), length);
}


static void
login_capability_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfImapConnection *self = PF_IMAP_CONNECTION (object);
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  response = pf_imap_connection_run_finish (self, result, &error);
  if (response == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
login_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfImapConnection *self = PF_IMAP_CONNECTION (object);
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;

  response = pf_imap_connection_run_finish (self, result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->state = PF_IMAP_STATE_AUTHENTICATED;

  /* Capabilities change with login; most servers send them in the OK. */
  if (pf_imap_response_has_code (response, "CAPABILITY"))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_clear_pointer (&self->capabilities, g_strfreev);
  command = pf_imap_command_new ("CAPABILITY", PF_IMAP_COMMAND_NONE);
  cancellable = g_task_get_cancellable (task);
  pf_imap_connection_run_async (self, command, NULL, NULL, NULL, NULL, NULL,
                                cancellable, login_capability_cb, g_steal_pointer (&task));
}

/**
 * pf_imap_connection_login_async:
 * @self: an open #PfImapConnection in %PF_IMAP_STATE_NOT_AUTHENTICATED
 * @user: the login name
 * @secret: the password, or an OAuth2 access token
 * @secret_is_token: whether @secret is an OAuth2 token (XOAUTH2 or
 *   OAUTHBEARER must then be offered)
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when logged in
 * @user_data: data for @callback
 *
 * Logs in with the best SASL mechanism the server offers now (after TLS),
 * or LOGIN when it offers none and allows it (RFC 3501 §6.2.3). Nothing
 * is sent over an unencrypted connection unless the user allowed that, and
 * never when the server says LOGINDISABLED.
 *
 * Errors: %PF_IMAP_ERROR_AUTHENTICATION_FAILED (with the server's text),
 * %PF_NET_ERROR_PLAINTEXT_REFUSED, %PF_IMAP_ERROR_NO when no usable way to
 * log in is offered, or a connection error.
 */
void
pf_imap_connection_login_async (PfImapConnection    *self,
                                const char          *user,
                                const char          *secret,
                                gboolean             secret_is_token,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) mechanisms = NULL;
  g_autoptr(PfImapCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  PfNetSaslMechanism mechanism;
  LoginData *data;

  g_return_if_fail (PF_IS_IMAP_CONNECTION (self));
  g_return_if_fail (user != NULL && secret != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_imap_connection_login_async);

  if (self->state != PF_IMAP_STATE_NOT_AUTHENTICATED)
    {
      g_task_return_new_error (task, PF_IMAP_ERROR, PF_IMAP_ERROR_STATE,
                               _("Cannot log in now: the connection is not waiting for a login"));
      return;
    }

  if (!pf_net_connection_check_secret_allowed (self->net, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  mechanisms = g_ptr_array_new ();
  for (guint i = 0; self->capabilities != NULL && self->capabilities[i] != NULL; i++)
    {
      if (g_str_has_prefix (self->capabilities[i], "AUTH="))
        g_ptr_array_add (mechanisms, self->capabilities[i] + strlen ("AUTH="));
    }
  g_ptr_array_add (mechanisms, NULL);

  mechanism = pf_net_sasl_choose ((const char *const *) mechanisms->pdata, secret_is_token, TRUE);

  if (mechanism == PF_NET_SASL_MECHANISM_NONE)
    {
      if (secret_is_token || pf_imap_connection_has_capability (self, "LOGINDISABLED"))
        {
          g_task_return_new_error (task, PF_IMAP_ERROR, PF_IMAP_ERROR_NO,
                                   _("The server %s offers no way to log in that Postfach supports"),
                                   pf_net_connection_get_host (self->net));
          return;
        }

      command = pf_imap_command_new ("LOGIN", PF_IMAP_COMMAND_BARRIER | PF_IMAP_COMMAND_SECRET);
      pf_imap_command_add_string (command, user);
      pf_imap_command_add_string (command, secret);
      pf_imap_connection_run_async (self, command, NULL, NULL, NULL, NULL, NULL,
                                    cancellable, login_cb, g_steal_pointer (&task));
      return;
    }

  data = g_new0 (LoginData, 1);
  data->sasl = pf_net_sasl_new (mechanism, user, secret, &error);
  if (data->sasl == NULL)
    {
      login_data_free (data);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  pf_net_sasl_set_host (data->sasl, pf_net_connection_get_host (self->net));
  pf_net_sasl_set_port (data->sasl, pf_net_connection_get_port (self->net));
  g_task_set_task_data (task, data, (GDestroyNotify) login_data_free);

  command = pf_imap_command_new ("AUTHENTICATE", PF_IMAP_COMMAND_BARRIER | PF_IMAP_COMMAND_SECRET);
  pf_imap_command_add_atom (command, pf_net_sasl_get_name (data->sasl));

  /* RFC 4959: with SASL-IR the first response rides on the command. */
  if (pf_net_sasl_has_initial_response (data->sasl) &&
      pf_imap_connection_has_capability (self, "SASL-IR"))
    {
      g_autoptr(GBytes) initial = pf_net_sasl_step (data->sasl, NULL, &error);
      g_autofree char *encoded = NULL;
      gsize length;
      gconstpointer bytes;

      if (initial == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      bytes = g_bytes_get_data (initial, &length);
      encoded = length > 0 ? g_base64_encode (bytes, length) : g_strdup ("=");
      pf_imap_command_add_atom (command, encoded);
    }

  pf_imap_connection_run_async (self, command, NULL, NULL, NULL,
                                authenticate_continuation, data,
                                cancellable, login_cb, g_steal_pointer (&task));
}

gboolean
pf_imap_connection_login_finish (PfImapConnection  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (PF_IS_IMAP_CONNECTION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Logout */

static void
logout_closed_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  pf_net_connection_close_finish (PF_NET_CONNECTION (object), result, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
logout_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfImapConnection *self = PF_IMAP_CONNECTION (object);
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  response = pf_imap_connection_run_finish (self, result, &error);
  if (response == NULL &&
      !g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_BYE) &&
      !g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_CONNECTION_LOST))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The BYE came; we close, and the read loop ends quietly. */
  self->state = PF_IMAP_STATE_LOGOUT;
  if (self->closed_error == NULL)
    self->closed_error = g_error_new_literal (PF_IMAP_ERROR, PF_IMAP_ERROR_BYE,
                                              _("Logged out"));
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timeout_source, g_source_remove);
  pf_net_connection_close_async (self->net, NULL, logout_closed_cb, g_steal_pointer (&task));
}

/**
 * pf_imap_connection_logout_async:
 * @self: a #PfImapConnection
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server said BYE and the connection is closed
 * @user_data: data for @callback
 *
 * Ends the session politely (RFC 3501 §6.1.3). A connection that is
 * already closed completes at once.
 */
void
pf_imap_connection_logout_async (PfImapConnection    *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(PfImapCommand) command = NULL;
  GTask *task;

  g_return_if_fail (PF_IS_IMAP_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_imap_connection_logout_async);

  if (self->closed_error != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  command = pf_imap_command_new ("LOGOUT", PF_IMAP_COMMAND_BARRIER);
  pf_imap_connection_run_async (self, command, NULL, NULL, NULL, NULL, NULL,
                                cancellable, logout_cb, task);
}

gboolean
pf_imap_connection_logout_finish (PfImapConnection  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (PF_IS_IMAP_CONNECTION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* COMPRESS */

static void compress_sent_cb (GObject      *object,
                              GAsyncResult *result,
                              gpointer      user_data);

static void
compress_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfImapConnection *self = PF_IMAP_CONNECTION (object);
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  response = pf_imap_connection_run_finish (self, result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  pf_net_connection_wait_sent_async (self->net, self->cancellable, compress_sent_cb,
                                     g_steal_pointer (&task));
}

static void
compress_sent_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfImapConnection *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!pf_net_connection_wait_sent_finish (PF_NET_CONNECTION (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Reading stopped after the OK; whatever follows is compressed. */
  if (!pf_imap_parser_is_idle (self->parser) ||
      !pf_net_connection_start_compression (self->net, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                                     _("The server sent data before compression could start"));
      fail_all (self, g_error_copy (error));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->pause_reading = FALSE;
  read_loop (self);
  g_task_return_boolean (task, TRUE);
}

/**
 * pf_imap_connection_compress_async:
 * @self: a logged-in #PfImapConnection
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when both directions are compressed
 * @user_data: data for @callback
 *
 * Turns on COMPRESS=DEFLATE (RFC 4978), which shrinks a header sync to a
 * fraction of its size on slow links. Fails with %G_IO_ERROR_NOT_SUPPORTED
 * when the server does not offer it; does nothing when already on.
 */
void
pf_imap_connection_compress_async (PfImapConnection    *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(PfImapCommand) command = NULL;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PF_IS_IMAP_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_imap_connection_compress_async);

  if (pf_net_connection_is_compressed (self->net))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!pf_imap_connection_has_capability (self, "COMPRESS=DEFLATE"))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("The server does not offer the IMAP extension %s"),
                               "COMPRESS=DEFLATE");
      return;
    }

  command = pf_imap_command_new ("COMPRESS DEFLATE", PF_IMAP_COMMAND_BARRIER);
  run_internal (self, command, NULL, NULL, NULL, NULL, NULL, TRUE,
                cancellable, compress_cb, g_steal_pointer (&task));
}

gboolean
pf_imap_connection_compress_finish (PfImapConnection  *self,
                                    GAsyncResult      *result,
                                    GError           **error)
{
  g_return_val_if_fail (PF_IS_IMAP_CONNECTION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
