/* pf-pop3-client.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-pop3"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "net/pf-net-error.h"
#include "net/pf-net-sasl.h"
#include "pf-pop3-client.h"

/**
 * SECTION:pf-pop3-client
 *
 * A POP3 client (RFC 1939, CAPA and response codes of RFC 2449, STLS of
 * RFC 2595, AUTH of RFC 5034) over a #PfNetConnection, with APOP
 * (RFC 1939 §7) and PIPELINING (RFC 2449 §6.6).
 *
 * Commands may be started without waiting for the previous ones: they are
 * queued and their callbacks run in the order they were started. When
 * the server offers PIPELINING, commands of the TRANSACTION state go out
 * at once (a hundred RETRs cost one round trip, not a hundred); otherwise
 * each is sent when the previous reply is complete. Login, STLS and AUTH
 * exchanges are never pipelined.
 *
 * Deleting safely. RFC 1939 §6: messages marked with DELE are removed only
 * when QUIT enters the UPDATE state; a connection lost before that deletes
 * nothing. On top of that the API makes it impossible to DELE a message
 * the caller has not stored: pf_pop3_client_dele_async() takes a
 * #PfPop3StoredToken, and the only way to get one is
 * pf_pop3_client_confirm_stored(), which the store layer calls after the
 * message was written, fsynced and committed, and which fails unless RETR
 * of that message completed (terminating "." seen) on this very client.
 */

struct _PfPop3StoredToken
{
  PfPop3Client *client;   /* not a reference: compared only */
  guint         msgnum;
};

struct _PfPop3Client
{
  GObject          parent_instance;

  /* Owned */
  PfNetConnection *net;
  GCancellable    *cancellable;   /* cancelled in dispose */
  GPtrArray       *capabilities;  /* CAPA lines, NULL before CAPA */
  GHashTable      *retrieved;     /* msgnum → msgnum: RETR completed */
  GHashTable      *identified;    /* msgnum → unique-id of UIDL, "" after TOP */
  char            *apop_stamp;    /* the greeting's <...> (RFC 1939 §7) */
  GQueue           queue;         /* GTask of the commands, oldest first */

  guint            logged_in : 1;
};

G_DEFINE_FINAL_TYPE (PfPop3Client, pf_pop3_client, G_TYPE_OBJECT)

/* RFC 5034 §4: a command line, initial response included, stays within
 * 255 octets; longer initial responses go in a continuation. */
#define MAX_AUTH_LINE 255

/* Commands */

typedef enum
{
  COMMAND_MULTILINE    = 1 << 0,  /* a "."-terminated block follows +OK */
  COMMAND_AUTH         = 1 << 1,  /* -ERR means the credentials were refused */
  COMMAND_CONTINUATION = 1 << 2,  /* "+ " is an answer too (AUTH) */
  COMMAND_STLS         = 1 << 3,  /* nothing may follow the +OK */
  COMMAND_SECRET       = 1 << 4,  /* the line holds a secret: trace hides it */
} CommandFlags;

typedef struct
{
  CommandFlags   flags;
  GOutputStream *sink;          /* the block goes here, or to lines */
  GByteArray    *pending;       /* unstuffed bytes not yet written to @sink */
  GPtrArray     *lines;         /* the block's lines, dot-unstuffed */
  char          *status;        /* text after "+OK " or "+ " */
  GBytes        *line;          /* what to send, CRLF included; NULL: greeting */
  guint          got_status : 1;
  guint          continuation : 1;
  guint          finishing : 1;    /* the block ended; the last write is out */
  guint          replied : 1;      /* the whole reply was read (even -ERR) */
  guint          sent : 1;         /* handed to the connection */
  guint          send_done : 1;    /* the connection wrote it */
  guint          reading : 1;      /* its reply is being read */
  guint          msgnum;
} Command;

static void
command_free (Command *command)
{
  g_clear_object (&command->sink);
  g_clear_pointer (&command->pending, g_byte_array_unref);
  g_clear_pointer (&command->lines, g_ptr_array_unref);
  g_clear_pointer (&command->status, g_free);
  if (command->line != NULL && (command->flags & COMMAND_SECRET) != 0)
    {
      gsize length;
      gpointer data = (gpointer) g_bytes_get_data (command->line, &length);

      explicit_bzero (data, length);
    }
  g_clear_pointer (&command->line, g_bytes_unref);
  g_free (command);
}

static void command_pump (GTask *task);
static void queue_advance (PfPop3Client *self);

/* Ends the command of @task, which must be the oldest in the queue, and
 * lets the next one read its reply. Takes @error. Replies are read in
 * order: a command that ended in the middle of its reply (connection
 * lost, cancelled, hostile data) leaves the rest of the stream unusable,
 * so the connection is closed and the commands behind it fail. */
static void
command_complete (GTask  *task,
                  GError *error)
{
  PfPop3Client *self = g_object_ref (g_task_get_source_object (task));
  Command *command = g_task_get_task_data (task);

  if (g_queue_remove (&self->queue, task))
    g_object_unref (task);

  if (error != NULL && !command->replied && self->net != NULL)
    pf_net_connection_close_async (self->net, NULL, NULL, NULL);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);

  queue_advance (self);
  g_object_unref (self);
}

/* The sink is written asynchronously, in chunks of this size: the main
 * loop never waits on the disk, and a 50 MB message is never whole in
 * memory. */
#define SINK_CHUNK (64 * 1024)

static void
sink_written_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Command *command = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      command_complete (task, g_steal_pointer (&error));
      return;
    }

  g_byte_array_set_size (command->pending, 0);
  if (command->finishing)
    command_complete (task, NULL);
  else
    command_pump (g_steal_pointer (&task));
}

/* Takes @task; reading goes on (or the command completes) once written. */
static void
flush_sink (GTask    *task,
            gboolean  finishing)
{
  Command *command = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  command->finishing = !!finishing;
  g_output_stream_write_all_async (command->sink, command->pending->data, command->pending->len,
                                   G_PRIORITY_DEFAULT, cancellable, sink_written_cb, task);
}

static void
command_fill_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  Command *command = g_task_get_task_data (task);

  if (!pf_net_reader_fill_finish (PF_NET_READER (object), result, &error))
    {
      if (g_error_matches (error, PF_NET_ERROR, PF_NET_ERROR_CONNECTION_LOST) &&
          command->got_status)
        {
          command_complete (task, g_error_new (PF_POP3_ERROR, PF_POP3_ERROR_CONNECTION_LOST,
                                               _("The connection closed before the end of "
                                                 "the server’s reply")));
          return;
        }
      command_complete (task, g_steal_pointer (&error));
      return;
    }

  command_pump (g_steal_pointer (&task));
}

static gboolean
command_status (PfPop3Client  *self,
                Command       *command,
                const char    *line,
                GError       **error)
{
  if (g_str_has_prefix (line, "+OK"))
    {
      command->got_status = TRUE;
      command->status = g_strdup (line[3] == ' ' ? line + 4 : line + 3);
      return TRUE;
    }
  if (g_str_has_prefix (line, "-ERR"))
    {
      command->replied = TRUE;
      g_propagate_error (error,
                         pf_pop3_error_new_from_response (line,
                                                          (command->flags & COMMAND_AUTH) != 0));
      return FALSE;
    }
  if ((command->flags & COMMAND_CONTINUATION) != 0 && line[0] == '+' &&
      (line[1] == ' ' || line[1] == '\0'))
    {
      command->continuation = TRUE;
      command->status = g_strdup (line[1] == ' ' ? line + 2 : line + 1);
      return TRUE;
    }

  g_set_error (error, PF_POP3_ERROR, PF_POP3_ERROR_PROTOCOL,
               _("The server %s sent an invalid reply"),
               pf_net_connection_get_host (self->net));
  return FALSE;
}

/* The fast path: handles whatever is buffered, and only goes back to the
 * main loop when the reader needs more bytes. */
static void
command_pump (GTask *task)
{
  PfPop3Client *self = g_task_get_source_object (task);
  Command *command = g_task_get_task_data (task);
  PfNetReader *reader = pf_net_connection_get_reader (self->net);
  GCancellable *cancellable = g_task_get_cancellable (task);

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      const char *line;
      gsize length;
      gsize consumed;

      if (!pf_net_reader_peek_line (reader, &line, &length, &consumed, &error))
        {
          if (error != NULL)
            {
              /* The rest of the line would be taken for the next reply:
               * the connection cannot be used any more. */
              command_complete (task, g_error_new (PF_POP3_ERROR, PF_POP3_ERROR_PROTOCOL,
                                                   _("The server %s sent a line that is "
                                                     "too long"),
                                                   pf_net_connection_get_host (self->net)));
              g_object_unref (task);
              return;
            }
          pf_net_reader_fill_async (reader, cancellable, command_fill_cb, task);
          return;
        }

      if (!command->got_status)
        {
          g_autofree char *status = g_strndup (line, length);

          pf_net_connection_trace_received (self->net, line, length);
          pf_net_reader_consume (reader, consumed);
          if (!command_status (self, command, status, &error))
            {
              command_complete (task, g_steal_pointer (&error));
              g_object_unref (task);
              return;
            }

          /* RFC 2595 §4: the TLS negotiation starts right after the +OK.
           * Bytes received already were sent in cleartext before it:
           * someone in the middle injected them. */
          if ((command->flags & COMMAND_STLS) != 0 &&
              pf_net_reader_get_available (reader) > 0)
            {
              command_complete (task, g_error_new (PF_NET_ERROR, PF_NET_ERROR_PROTOCOL,
                                                   _("The server sent unexpected data "
                                                     "before the secure connection "
                                                     "started; the connection was closed "
                                                     "to protect you")));
              g_object_unref (task);
              return;
            }

          if (command->continuation || (command->flags & COMMAND_MULTILINE) == 0)
            {
              command->replied = TRUE;
              command_complete (task, NULL);
              g_object_unref (task);
              return;
            }
          continue;
        }

      /* RFC 1939 §3: a line of a lone "." ends the block; a leading "." of
       * any other line was doubled by the server. */
      if (length == 1 && line[0] == '.')
        {
          pf_net_reader_consume (reader, consumed);
          command->replied = TRUE;
          if (command->sink != NULL && command->pending->len > 0)
            {
              flush_sink (task, TRUE);
              return;
            }
          command_complete (task, NULL);
          g_object_unref (task);
          return;
        }
      if (length > 0 && line[0] == '.')
        {
          line++;
          length--;
        }

      if (command->sink != NULL)
        {
          g_byte_array_append (command->pending, (const guint8 *) line, length);
          g_byte_array_append (command->pending, (const guint8 *) "\r\n", 2);
          pf_net_reader_consume (reader, consumed);
          if (command->pending->len >= SINK_CHUNK)
            {
              flush_sink (task, FALSE);
              return;
            }
          continue;
        }

      g_ptr_array_add (command->lines, g_strndup (line, length));
      pf_net_reader_consume (reader, consumed);
    }
}

static void
command_sent_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  Command *command = g_task_get_task_data (task);

  if (!pf_net_connection_send_finish (PF_NET_CONNECTION (object), result, &error))
    {
      command_complete (task, g_steal_pointer (&error));
      return;
    }

  command->send_done = TRUE;
  queue_advance (g_task_get_source_object (task));
}

/* May @command go out while older commands still wait for replies? */
static gboolean
command_can_pipeline (PfPop3Client *self,
                      Command      *command)
{
  return self->logged_in &&
         (command->flags & (COMMAND_AUTH | COMMAND_CONTINUATION | COMMAND_STLS)) == 0 &&
         pf_pop3_client_has_capability (self, "PIPELINING");
}

/* Sends what may be sent, and lets the oldest command read its reply. */
static void
queue_advance (PfPop3Client *self)
{
  gboolean blocked = FALSE;
  GTask *head;
  Command *command;

  for (GList *l = self->queue.head; l != NULL; l = l->next)
    {
      GTask *task = l->data;

      command = g_task_get_task_data (task);
      if (!command->sent)
        {
          if (l != self->queue.head && (blocked || !command_can_pipeline (self, command)))
            break;

          command->sent = TRUE;
          if (command->line == NULL)
            command->send_done = TRUE;
          else
            pf_net_connection_send_async (self->net, command->line,
                                          (command->flags & COMMAND_SECRET) != 0,
                                          g_task_get_cancellable (task), command_sent_cb,
                                          g_object_ref (task));
        }
      if (!command_can_pipeline (self, command))
        blocked = TRUE;
    }

  head = g_queue_peek_head (&self->queue);
  if (head == NULL)
    return;
  command = g_task_get_task_data (head);
  if (command->send_done && !command->reading)
    {
      command->reading = TRUE;
      command_pump (g_object_ref (head));
    }
}

/* Queues @line (NULL: only read, for the greeting) and reads the reply.
 * @task completes with TRUE, its task data the #Command. Takes @task. */
static void
command_start (PfPop3Client  *self,
               GTask         *task,
               const char    *line,
               CommandFlags   flags,
               GOutputStream *sink)
{
  Command *command = g_new0 (Command, 1);

  command->flags = flags;
  command->sink = sink != NULL ? g_object_ref (sink) : NULL;
  command->pending = g_byte_array_sized_new (sink != NULL ? SINK_CHUNK + 1024 : 0);
  command->lines = g_ptr_array_new_with_free_func (g_free);
  if (line != NULL)
    {
      char *data = g_strconcat (line, "\r\n", NULL);
      gsize length = strlen (data);

      command->line = g_bytes_new_with_free_func (data, length, (GDestroyNotify) g_free, data);
    }
  g_task_set_task_data (task, command, (GDestroyNotify) command_free);

  if (self->net == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               _("The connection is closed"));
      g_object_unref (task);
      return;
    }

  g_queue_push_tail (&self->queue, task);
  queue_advance (self);
}

/* Starts a command as a sub-step of @outer, which is passed to @callback. */
static void
command_start_step (PfPop3Client        *self,
                    GTask               *outer,
                    const char          *line,
                    CommandFlags         flags,
                    GAsyncReadyCallback  callback)
{
  GTask *step = g_task_new (self, outer != NULL ? g_task_get_cancellable (outer) : NULL,
                            callback, outer);

  command_start (self, step, line, flags, NULL);
}

static Command *
command_step_finish (GAsyncResult  *result,
                     GError       **error)
{
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return g_task_get_task_data (G_TASK (result));
}

/* GObject */

static void
pf_pop3_client_dispose (GObject *object)
{
  PfPop3Client *self = PF_POP3_CLIENT (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->net);

  G_OBJECT_CLASS (pf_pop3_client_parent_class)->dispose (object);
}

static void
pf_pop3_client_finalize (GObject *object)
{
  PfPop3Client *self = PF_POP3_CLIENT (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->capabilities, g_ptr_array_unref);
  g_clear_pointer (&self->retrieved, g_hash_table_unref);
  g_clear_pointer (&self->identified, g_hash_table_unref);
  g_clear_pointer (&self->apop_stamp, g_free);
  g_assert (g_queue_is_empty (&self->queue));

  G_OBJECT_CLASS (pf_pop3_client_parent_class)->finalize (object);
}

static void
pf_pop3_client_class_init (PfPop3ClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_pop3_client_dispose;
  object_class->finalize = pf_pop3_client_finalize;
}

static void
pf_pop3_client_init (PfPop3Client *self)
{
  self->cancellable = g_cancellable_new ();
  self->retrieved = g_hash_table_new (NULL, NULL);
  self->identified = g_hash_table_new_full (NULL, NULL, NULL, g_free);
}

/**
 * pf_pop3_client_new:
 * @connection: a #PfNetConnection, not connected yet
 *
 * Returns: (transfer full): a new client; pf_pop3_client_open_async()
 *   connects it
 */
PfPop3Client *
pf_pop3_client_new (PfNetConnection *connection)
{
  PfPop3Client *self;

  g_return_val_if_fail (PF_IS_NET_CONNECTION (connection), NULL);

  self = g_object_new (PF_TYPE_POP3_CLIENT, NULL);
  self->net = g_object_ref (connection);
  pf_net_connection_set_trace_domain (self->net, G_LOG_DOMAIN);
  return self;
}

/**
 * pf_pop3_client_get_connection:
 * @self: a #PfPop3Client
 *
 * Returns: (transfer none): the connection
 */
PfNetConnection *
pf_pop3_client_get_connection (PfPop3Client *self)
{
  g_return_val_if_fail (PF_IS_POP3_CLIENT (self), NULL);

  return self->net;
}

/**
 * pf_pop3_client_has_capability:
 * @self: a #PfPop3Client
 * @name: a capability name (RFC 2449 §6), e.g. "UIDL", "STLS"
 *
 * Returns: whether the last CAPA listed @name (case-insensitive, the
 *   first word of a line)
 */
gboolean
pf_pop3_client_has_capability (PfPop3Client *self,
                               const char   *name)
{
  gsize name_length;

  g_return_val_if_fail (PF_IS_POP3_CLIENT (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (self->capabilities == NULL)
    return FALSE;

  name_length = strlen (name);
  for (guint i = 0; i < self->capabilities->len; i++)
    {
      const char *line = g_ptr_array_index (self->capabilities, i);

      if (g_ascii_strncasecmp (line, name, name_length) == 0 &&
          (line[name_length] == '\0' || line[name_length] == ' '))
        return TRUE;
    }
  return FALSE;
}

/**
 * pf_pop3_client_dup_sasl_mechanisms:
 * @self: a #PfPop3Client
 *
 * Returns: (transfer full) (nullable): the SASL mechanisms the last CAPA
 *   listed (RFC 2449 §6.3), or %NULL if it listed none
 */
char **
pf_pop3_client_dup_sasl_mechanisms (PfPop3Client *self)
{
  g_return_val_if_fail (PF_IS_POP3_CLIENT (self), NULL);

  if (self->capabilities == NULL)
    return NULL;

  for (guint i = 0; i < self->capabilities->len; i++)
    {
      const char *line = g_ptr_array_index (self->capabilities, i);

      if (g_ascii_strncasecmp (line, "SASL ", 5) == 0)
        return g_strsplit (line + 5, " ", -1);
    }
  return NULL;
}

/* Opening: connect, greeting, CAPA, STLS, CAPA */

static void open_capa (PfPop3Client *self,
                       GTask        *task);

static void
open_tls_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  PfPop3Client *self = g_task_get_source_object (task);

  if (!pf_net_connection_start_tls_finish (PF_NET_CONNECTION (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* RFC 2595 §4: forget what was learnt before TLS, and ask again. */
  g_clear_pointer (&self->capabilities, g_ptr_array_unref);
  open_capa (self, g_steal_pointer (&task));
}

static void
open_sent_cb (GObject      *object,
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
  pf_net_connection_start_tls_async (PF_NET_CONNECTION (object), cancellable, open_tls_cb,
                                     g_steal_pointer (&task));
}

static void
open_stls_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  PfPop3Client *self = PF_POP3_CLIENT (object);
  GCancellable *cancellable;

  if (command_step_finish (result, &error) == NULL)
    {
      if (error->domain == PF_POP3_ERROR)
        {
          g_task_return_new_error (task, PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE,
                                   _("The server %s refused to start a secure connection"),
                                   pf_net_connection_get_host (self->net));
          return;
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  cancellable = g_task_get_cancellable (task);
  pf_net_connection_wait_sent_async (self->net, cancellable, open_sent_cb,
                                     g_steal_pointer (&task));
}

static void
open_capa_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  PfPop3Client *self = PF_POP3_CLIENT (object);
  Command *command;

  command = command_step_finish (result, &error);
  if (command == NULL)
    {
      /* RFC 2449 §5: a server without CAPA answers -ERR; it has none. */
      if (!g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_ERR))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      self->capabilities = g_ptr_array_new_with_free_func (g_free);
    }
  else
    self->capabilities = g_ptr_array_ref (command->lines);

  if (pf_net_connection_get_security (self->net) == PF_NET_SECURITY_STARTTLS &&
      !pf_net_connection_is_encrypted (self->net))
    {
      /* Here the connection must become secure before anything else. */
      if (!pf_pop3_client_has_capability (self, "STLS"))
        {
          g_task_return_new_error (task, PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE,
                                   _("The server %s does not offer a secure connection "
                                     "(STLS); nothing was sent unencrypted"),
                                   pf_net_connection_get_host (self->net));
          return;
        }
      command_start_step (self, g_steal_pointer (&task), "STLS", COMMAND_STLS, open_stls_cb);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
open_capa (PfPop3Client *self,
           GTask        *task)
{
  command_start_step (self, task, "CAPA", COMMAND_MULTILINE, open_capa_cb);
}

static void
open_greeting_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  PfPop3Client *self = PF_POP3_CLIENT (object);
  Command *command;
  const char *start;
  const char *end;

  command = command_step_finish (result, &error);
  if (command == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* RFC 1939 §7: a server that knows APOP puts a timestamp such as
   * <1896.697170952@dbc.mtview.ca.us> in its greeting. */
  g_clear_pointer (&self->apop_stamp, g_free);
  start = strchr (command->status, '<');
  end = start != NULL ? strchr (start, '>') : NULL;
  if (start != NULL && end != NULL && memchr (start, '@', end - start) != NULL &&
      memchr (start, ' ', end - start) == NULL)
    self->apop_stamp = g_strndup (start, end - start + 1);

  open_capa (self, g_steal_pointer (&task));
}

static void
open_connect_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  PfPop3Client *self = g_task_get_source_object (task);

  if (!pf_net_connection_connect_finish (PF_NET_CONNECTION (object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  command_start_step (self, g_steal_pointer (&task), NULL, 0, open_greeting_cb);
}

/**
 * pf_pop3_client_open_async:
 * @self: a new #PfPop3Client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the client is ready for login
 * @user_data: data for @callback
 *
 * Connects, reads the greeting, asks CAPA, and with
 * %PF_NET_SECURITY_STARTTLS upgrades with STLS (RFC 2595 §4) before
 * anything else, then asks CAPA again. STLS not offered or refused, and
 * bytes injected behind its +OK, fail with
 * %PF_NET_ERROR_STARTTLS_UNAVAILABLE or %PF_NET_ERROR_PROTOCOL; nothing
 * else is sent then. Main thread.
 */
void
pf_pop3_client_open_async (PfPop3Client        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PF_IS_POP3_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_pop3_client_open_async);
  pf_net_connection_connect_async (self->net, cancellable, open_connect_cb,
                                   g_steal_pointer (&task));
}

/**
 * pf_pop3_client_open_finish:
 * @self: a #PfPop3Client
 * @result: the result
 * @error: return location for a %PF_NET_ERROR or %PF_POP3_ERROR
 *
 * On failure the connection is closed.
 *
 * Returns: whether the client is ready for pf_pop3_client_login_async()
 */
gboolean
pf_pop3_client_open_finish (PfPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    {
      /* Nothing more goes over a connection that failed to open, e.g. a
       * password after STLS was stripped. */
      pf_net_connection_close_async (self->net, NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

/* Login: AUTH (RFC 5034) when offered, else USER/PASS (RFC 1939 §7) */

typedef struct
{
  PfNetSasl *sasl;
  char      *user;
  char      *password;
  char      *pending_initial;  /* base64 initial response too long for AUTH */
} LoginData;

static void
login_data_free (LoginData *data)
{
  g_clear_object (&data->sasl);
  g_free (data->user);
  if (data->pending_initial != NULL)
    {
      explicit_bzero (data->pending_initial, strlen (data->pending_initial));
      g_free (data->pending_initial);
    }
  if (data->password != NULL)
    {
      explicit_bzero (data->password, strlen (data->password));
      g_free (data->password);
    }
  g_free (data);
}

static void
login_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (command_step_finish (result, &error) == NULL)
    {
      if (error->domain == PF_POP3_ERROR && error->code == PF_POP3_ERROR_ERR)
        error->code = PF_POP3_ERROR_AUTHENTICATION_FAILED;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  PF_POP3_CLIENT (object)->logged_in = TRUE;
  g_task_return_boolean (task, TRUE);
}

static void
login_cancelled_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  /* The exchange failed already; the server's -ERR to "*" adds nothing. */
  g_assert (user_data == NULL);
}

static void
login_user_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  LoginData *data = g_task_get_task_data (task);

  if (command_step_finish (result, &error) == NULL)
    {
      if (error->domain == PF_POP3_ERROR && error->code == PF_POP3_ERROR_ERR)
        error->code = PF_POP3_ERROR_AUTHENTICATION_FAILED;
      /* RFC 1939 §7: a -ERR to USER may mean "never heard of mailbox name". */
      if (error->domain == PF_POP3_ERROR)
        pf_pop3_error_set_command (error, "USER");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  line = g_strconcat ("PASS ", data->password, NULL);
  command_start_step (PF_POP3_CLIENT (object), g_steal_pointer (&task), line,
                      COMMAND_AUTH | COMMAND_SECRET, login_done_cb);
  explicit_bzero (line, strlen (line));
}

static void
login_auth_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) challenge = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autofree char *line = NULL;
  LoginData *data = g_task_get_task_data (task);
  Command *command;
  guchar *decoded;
  gsize length;

  command = command_step_finish (result, &error);
  if (command == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!command->continuation)
    {
      PF_POP3_CLIENT (object)->logged_in = TRUE;
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (data->pending_initial != NULL)
    {
      g_autofree char *pending = g_steal_pointer (&data->pending_initial);

      command_start_step (PF_POP3_CLIENT (object), g_steal_pointer (&task), pending,
                          COMMAND_AUTH | COMMAND_CONTINUATION | COMMAND_SECRET, login_auth_cb);
      explicit_bzero (pending, strlen (pending));
      return;
    }

  decoded = g_base64_decode (command->status, &length);
  challenge = g_bytes_new_take (decoded, length);
  answer = pf_net_sasl_step (data->sasl, challenge, &error);
  if (answer == NULL)
    {
      /* RFC 5034 §4: "*" cancels the exchange. */
      command_start_step (PF_POP3_CLIENT (object), NULL, "*", COMMAND_AUTH,
                          login_cancelled_cb);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  line = g_base64_encode (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  command_start_step (PF_POP3_CLIENT (object), g_steal_pointer (&task), line,
                      COMMAND_AUTH | COMMAND_CONTINUATION | COMMAND_SECRET, login_auth_cb);
}

/* APOP (RFC 1939 §7): MD5 of the greeting's timestamp and the password. */
static char *
apop_digest (const char *stamp,
             const char *password)
{
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);

  g_checksum_update (md5, (const guchar *) stamp, strlen (stamp));
  g_checksum_update (md5, (const guchar *) password, strlen (password));
  return g_strdup (g_checksum_get_string (md5));
}

/**
 * pf_pop3_client_login_async:
 * @self: an opened #PfPop3Client
 * @user: the user name
 * @secret: the password, or an OAuth 2.0 access token
 * @secret_is_oauth_token: whether @secret is a token
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when logged in (TRANSACTION state, RFC 1939 §5)
 * @user_data: data for @callback
 *
 * Authenticates. With a token: AUTH (RFC 5034) with OAUTHBEARER or
 * XOAUTH2, %PF_POP3_ERROR_UNSUPPORTED when the server offers neither.
 * With a password over an encrypted connection: AUTH with the best SASL
 * mechanism both sides know (the initial response on the command line
 * when it fits), else USER and PASS. Over an unencrypted connection the
 * user allowed, mechanisms that keep the password off the wire come
 * first: CRAM-MD5, then APOP when the greeting carries a timestamp.
 *
 * Nothing secret goes over a connection that
 * pf_net_connection_check_secret_allowed() refuses
 * (%PF_NET_ERROR_PLAINTEXT_REFUSED). A rejection is
 * %PF_POP3_ERROR_AUTHENTICATION_FAILED, or %PF_POP3_ERROR_IN_USE etc.
 * with the server's response code.
 */
void
pf_pop3_client_login_async (PfPop3Client        *self,
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
  LoginData *data;
  PfNetSaslMechanism mechanism = PF_NET_SASL_MECHANISM_NONE;
  gboolean encrypted;
  const char *password = secret;

  g_return_if_fail (PF_IS_POP3_CLIENT (self));
  g_return_if_fail (user != NULL);
  g_return_if_fail (secret != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_pop3_client_login_async);

  if (!pf_net_connection_check_secret_allowed (self->net, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data = g_new0 (LoginData, 1);
  data->user = g_strdup (user);
  data->password = g_strdup (password);
  g_task_set_task_data (task, data, (GDestroyNotify) login_data_free);

  encrypted = pf_net_connection_is_encrypted (self->net);
  mechanisms = pf_pop3_client_dup_sasl_mechanisms (self);

  if (secret_is_oauth_token)
    {
      mechanism = pf_net_sasl_choose ((const char * const *) mechanisms, TRUE, TRUE);
      if (mechanism == PF_NET_SASL_MECHANISM_NONE)
        {
          g_task_return_new_error (task, PF_POP3_ERROR, PF_POP3_ERROR_UNSUPPORTED,
                                   _("The server %s does not offer logging in with an "
                                     "OAuth token"),
                                   pf_net_connection_get_host (self->net));
          return;
        }
    }
  else if (!encrypted)
    {
      /* Allowed in clear, but better if the password stays home. */
      mechanism = pf_net_sasl_choose ((const char * const *) mechanisms, FALSE, FALSE);
      if (mechanism == PF_NET_SASL_MECHANISM_NONE && self->apop_stamp != NULL)
        {
          g_autofree char *digest = apop_digest (self->apop_stamp, password);
          g_autofree char *line = g_strdup_printf ("APOP %s %s", user, digest);

          command_start_step (self, g_steal_pointer (&task), line,
                              COMMAND_AUTH | COMMAND_SECRET, login_done_cb);
          explicit_bzero (line, strlen (line));
          explicit_bzero (digest, strlen (digest));
          return;
        }
      if (mechanism == PF_NET_SASL_MECHANISM_NONE)
        mechanism = pf_net_sasl_choose ((const char * const *) mechanisms, FALSE, TRUE);
    }
  else
    mechanism = pf_net_sasl_choose ((const char * const *) mechanisms, FALSE, TRUE);

  if (mechanism == PF_NET_SASL_MECHANISM_NONE)
    {
      g_autofree char *line = g_strconcat ("USER ", user, NULL);

      command_start_step (self, g_steal_pointer (&task), line, COMMAND_AUTH, login_user_cb);
      return;
    }

  data->sasl = pf_net_sasl_new (mechanism, user, password, &error);
  if (data->sasl == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  pf_net_sasl_set_host (data->sasl, pf_net_connection_get_host (self->net));
  pf_net_sasl_set_port (data->sasl, pf_net_connection_get_port (self->net));

  {
    g_autofree char *line = NULL;

    if (pf_net_sasl_has_initial_response (data->sasl))
      {
        g_autoptr(GBytes) initial = pf_net_sasl_step (data->sasl, NULL, &error);
        g_autofree char *encoded = NULL;

        if (initial == NULL)
          {
            g_task_return_error (task, g_steal_pointer (&error));
            return;
          }
        encoded = g_base64_encode (g_bytes_get_data (initial, NULL), g_bytes_get_size (initial));
        line = g_strdup_printf ("AUTH %s %s", pf_net_sasl_get_name (data->sasl),
                                encoded[0] != '\0' ? encoded : "=");
        if (strlen (line) + 2 > MAX_AUTH_LINE)
          {
            /* RFC 5034 §4: too long for the command line; it answers the
             * server's empty challenge instead. */
            explicit_bzero (line, strlen (line));
            g_free (line);
            line = g_strdup_printf ("AUTH %s", pf_net_sasl_get_name (data->sasl));
            data->pending_initial = g_steal_pointer (&encoded);
          }
        else
          explicit_bzero (encoded, strlen (encoded));
      }
    else
      line = g_strdup_printf ("AUTH %s", pf_net_sasl_get_name (data->sasl));

    command_start_step (self, g_steal_pointer (&task), line,
                        COMMAND_AUTH | COMMAND_CONTINUATION | COMMAND_SECRET, login_auth_cb);
    explicit_bzero (line, strlen (line));
  }
}

/**
 * pf_pop3_client_login_finish:
 * @self: a #PfPop3Client
 * @result: the result
 * @error: return location for an error
 *
 * Returns: whether the session is in the TRANSACTION state
 */
gboolean
pf_pop3_client_login_finish (PfPop3Client  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Transaction commands */

static void
simple_command (PfPop3Client        *self,
                const char          *line,
                CommandFlags         flags,
                GOutputStream       *sink,
                gpointer             source_tag,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  command_start (self, task, line, flags, sink);
}

static Command *
simple_finish (PfPop3Client  *self,
               GAsyncResult  *result,
               gpointer       source_tag,
               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return command_step_finish (result, error);
}

static gboolean
parse_numbers (const char *text,
               guint64    *first,
               guint64    *second)
{
  char *end;

  *first = g_ascii_strtoull (text, &end, 10);
  if (end == text || *end != ' ')
    return FALSE;
  text = end + 1;
  *second = g_ascii_strtoull (text, &end, 10);
  return end != text && (*end == '\0' || *end == ' ');
}

/**
 * pf_pop3_client_stat_async:
 * @self: a logged-in #PfPop3Client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the reply
 * @user_data: data for @callback
 *
 * Asks STAT (RFC 1939 §5): the number and total size of the messages not
 * marked as deleted.
 */
void
pf_pop3_client_stat_async (PfPop3Client        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (PF_IS_POP3_CLIENT (self));

  simple_command (self, "STAT", 0, NULL, pf_pop3_client_stat_async,
                  cancellable, callback, user_data);
}

/**
 * pf_pop3_client_stat_finish:
 * @self: a #PfPop3Client
 * @result: the result
 * @n_messages: (out) (optional): the number of messages
 * @size: (out) (optional): their size in octets
 * @error: return location for an error
 *
 * Returns: %TRUE on success
 */
gboolean
pf_pop3_client_stat_finish (PfPop3Client  *self,
                            GAsyncResult  *result,
                            guint         *n_messages,
                            guint64       *size,
                            GError       **error)
{
  Command *command = simple_finish (self, result, pf_pop3_client_stat_async, error);
  guint64 count;
  guint64 octets;

  if (command == NULL)
    return FALSE;

  if (!parse_numbers (command->status, &count, &octets) || count > G_MAXUINT)
    {
      g_set_error (error, PF_POP3_ERROR, PF_POP3_ERROR_PROTOCOL,
                   _("The server %s sent an invalid reply"),
                   pf_net_connection_get_host (self->net));
      return FALSE;
    }

  if (n_messages != NULL)
    *n_messages = (guint) count;
  if (size != NULL)
    *size = octets;
  return TRUE;
}

/**
 * pf_pop3_client_list_async:
 * @self: a logged-in #PfPop3Client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the reply
 * @user_data: data for @callback
 *
 * Asks LIST (RFC 1939 §5) for all messages not marked as deleted.
 */
void
pf_pop3_client_list_async (PfPop3Client        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (PF_IS_POP3_CLIENT (self));

  simple_command (self, "LIST", COMMAND_MULTILINE, NULL, pf_pop3_client_list_async,
                  cancellable, callback, user_data);
}

/**
 * pf_pop3_client_list_finish:
 * @self: a #PfPop3Client
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type PfPop3ListEntry): the messages in
 *   the server's order, or %NULL with @error set
 */
GArray *
pf_pop3_client_list_finish (PfPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  Command *command = simple_finish (self, result, pf_pop3_client_list_async, error);
  g_autoptr(GArray) entries = NULL;

  if (command == NULL)
    return NULL;

  entries = g_array_sized_new (FALSE, FALSE, sizeof (PfPop3ListEntry), command->lines->len);
  for (guint i = 0; i < command->lines->len; i++)
    {
      PfPop3ListEntry entry;
      guint64 msgnum;

      if (!parse_numbers (g_ptr_array_index (command->lines, i), &msgnum, &entry.size) ||
          msgnum == 0 || msgnum > G_MAXUINT)
        {
          g_set_error (error, PF_POP3_ERROR, PF_POP3_ERROR_PROTOCOL,
                       _("The server %s sent an invalid reply"),
                       pf_net_connection_get_host (self->net));
          return NULL;
        }
      entry.msgnum = (guint) msgnum;
      g_array_append_val (entries, entry);
    }
  return g_steal_pointer (&entries);
}

static void
uidl_entry_clear (PfPop3UidlEntry *entry)
{
  g_clear_pointer (&entry->uid, g_free);
}

/**
 * pf_pop3_client_uidl_async:
 * @self: a logged-in #PfPop3Client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the reply
 * @user_data: data for @callback
 *
 * Asks UIDL (RFC 1939 §7) for all messages not marked as deleted.
 */
void
pf_pop3_client_uidl_async (PfPop3Client        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (PF_IS_POP3_CLIENT (self));

  simple_command (self, "UIDL", COMMAND_MULTILINE, NULL, pf_pop3_client_uidl_async,
                  cancellable, callback, user_data);
}

/**
 * pf_pop3_client_uidl_finish:
 * @self: a #PfPop3Client
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type PfPop3UidlEntry): the messages in
 *   the server's order; the array frees the uids. %NULL with @error set.
 */
GArray *
pf_pop3_client_uidl_finish (PfPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  Command *command = simple_finish (self, result, pf_pop3_client_uidl_async, error);
  g_autoptr(GArray) entries = NULL;

  if (command == NULL)
    return NULL;

  entries = g_array_sized_new (FALSE, FALSE, sizeof (PfPop3UidlEntry), command->lines->len);
  g_array_set_clear_func (entries, (GDestroyNotify) uidl_entry_clear);
  for (guint i = 0; i < command->lines->len; i++)
    {
      const char *line = g_ptr_array_index (command->lines, i);
      PfPop3UidlEntry entry;
      guint64 msgnum;
      char *end;

      /* RFC 1939 §7: the unique-id is 1 to 70 characters 0x21 to 0x7E. */
      msgnum = g_ascii_strtoull (line, &end, 10);
      if (end == line || *end != ' ' || msgnum == 0 || msgnum > G_MAXUINT ||
          end[1] == '\0' || strlen (end + 1) > 70)
        {
          g_set_error (error, PF_POP3_ERROR, PF_POP3_ERROR_PROTOCOL,
                       _("The server %s sent an invalid reply"),
                       pf_net_connection_get_host (self->net));
          return NULL;
        }
      entry.msgnum = (guint) msgnum;
      entry.uid = g_strdup (end + 1);
      g_array_append_val (entries, entry);
    }
  for (guint i = 0; i < entries->len; i++)
    {
      PfPop3UidlEntry *entry = &g_array_index (entries, PfPop3UidlEntry, i);

      g_hash_table_insert (self->identified, GUINT_TO_POINTER (entry->msgnum),
                           g_strdup (entry->uid));
    }
  return g_steal_pointer (&entries);
}

/**
 * pf_pop3_client_retr_async:
 * @self: a logged-in #PfPop3Client
 * @msgnum: the message number
 * @sink: where the message goes
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the whole message was written
 * @user_data: data for @callback
 *
 * Retrieves a message with RETR (RFC 1939 §7) and writes it to @sink as it
 * arrives, dot-unstuffed, with CRLF line ends as on the wire; the message
 * is never held in memory: @sink is written asynchronously, in chunks of
 * 64 KiB, while reading waits. When the connection breaks
 * before the terminating ".", the call fails with
 * %PF_POP3_ERROR_CONNECTION_LOST and what reached @sink is incomplete.
 * Only a successful RETR allows pf_pop3_client_confirm_stored().
 */
void
pf_pop3_client_retr_async (PfPop3Client        *self,
                           guint                msgnum,
                           GOutputStream       *sink,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autofree char *line = NULL;
  GTask *task;

  g_return_if_fail (PF_IS_POP3_CLIENT (self));
  g_return_if_fail (msgnum > 0);
  g_return_if_fail (G_IS_OUTPUT_STREAM (sink));

  line = g_strdup_printf ("RETR %u", msgnum);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_pop3_client_retr_async);
  command_start (self, task, line, COMMAND_MULTILINE, sink);
  ((Command *) g_task_get_task_data (task))->msgnum = msgnum;
}

/**
 * pf_pop3_client_retr_finish:
 * @self: a #PfPop3Client
 * @result: the result
 * @error: return location for an error
 *
 * Returns: whether the whole message was written to the sink
 */
gboolean
pf_pop3_client_retr_finish (PfPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  Command *command = simple_finish (self, result, pf_pop3_client_retr_async, error);

  if (command == NULL)
    return FALSE;

  g_hash_table_add (self->retrieved, GUINT_TO_POINTER (command->msgnum));
  return TRUE;
}

/**
 * pf_pop3_client_top_async:
 * @self: a logged-in #PfPop3Client
 * @msgnum: the message number
 * @n_lines: how many body lines to send after the header
 * @sink: where the header and lines go
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * TOP (RFC 1939 §7): the header, the empty line and @n_lines lines of the
 * body, written to @sink as pf_pop3_client_retr_async() does. TOP does
 * not allow pf_pop3_client_confirm_stored().
 */
void
pf_pop3_client_top_async (PfPop3Client        *self,
                          guint                msgnum,
                          guint                n_lines,
                          GOutputStream       *sink,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autofree char *line = NULL;
  GTask *task;

  g_return_if_fail (PF_IS_POP3_CLIENT (self));
  g_return_if_fail (msgnum > 0);
  g_return_if_fail (G_IS_OUTPUT_STREAM (sink));

  line = g_strdup_printf ("TOP %u %u", msgnum, n_lines);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_pop3_client_top_async);
  command_start (self, task, line, COMMAND_MULTILINE, sink);
  ((Command *) g_task_get_task_data (task))->msgnum = msgnum;
}

/**
 * pf_pop3_client_top_finish:
 * @self: a #PfPop3Client
 * @result: the result
 * @error: return location for an error
 *
 * Returns: whether everything was written to the sink
 */
gboolean
pf_pop3_client_top_finish (PfPop3Client  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  Command *command = simple_finish (self, result, pf_pop3_client_top_async, error);

  if (command == NULL)
    return FALSE;

  if (!g_hash_table_contains (self->identified, GUINT_TO_POINTER (command->msgnum)))
    g_hash_table_insert (self->identified, GUINT_TO_POINTER (command->msgnum), g_strdup (""));
  return TRUE;
}

static PfPop3StoredToken *
stored_token_new (PfPop3Client *self,
                  guint         msgnum)
{
  PfPop3StoredToken *token = g_new0 (PfPop3StoredToken, 1);

  token->client = self;
  token->msgnum = msgnum;
  return token;
}

/**
 * pf_pop3_client_confirm_stored_earlier:
 * @self: a #PfPop3Client
 * @msgnum: a message number
 * @uid: (nullable): the unique-id the store recorded for it, or %NULL for
 *   a server without UIDL (the store then recognised the message by its
 *   header, read with pf_pop3_client_top_async() on this client)
 * @error: return location for an error
 *
 * For a message the store downloaded in an earlier session and now wants
 * deleted on the server (its policy's days are over, or the user deleted
 * it). The token is given only if this client's UIDL reply numbered
 * @msgnum with @uid (or, with %NULL, TOP of @msgnum completed here), so a
 * renumbered mailbox never loses the wrong message.
 *
 * Returns: (transfer full) (nullable): a token for DELE, or %NULL with
 *   %PF_POP3_ERROR_PROTOCOL
 */
PfPop3StoredToken *
pf_pop3_client_confirm_stored_earlier (PfPop3Client  *self,
                                       guint          msgnum,
                                       const char    *uid,
                                       GError       **error)
{
  const char *known;

  g_return_val_if_fail (PF_IS_POP3_CLIENT (self), NULL);

  known = g_hash_table_lookup (self->identified, GUINT_TO_POINTER (msgnum));
  if (known == NULL || strcmp (known, uid != NULL ? uid : "") != 0)
    {
      g_set_error (error, PF_POP3_ERROR, PF_POP3_ERROR_PROTOCOL,
                   _("Message %u is not the one stored before; it is not deleted "
                     "from the server"), msgnum);
      return NULL;
    }

  return stored_token_new (self, msgnum);
}

/**
 * pf_pop3_client_confirm_stored:
 * @self: a #PfPop3Client
 * @msgnum: a message number
 * @error: return location for an error
 *
 * The store layer calls this after it wrote the message fetched with
 * pf_pop3_client_retr_async() to disk, fsynced it and committed it. The
 * token is what pf_pop3_client_dele_async() requires.
 *
 * Returns: (transfer full) (nullable): a token for DELE of @msgnum on this
 *   client, or %NULL with %PF_POP3_ERROR_PROTOCOL if @msgnum was not
 *   retrieved completely on this client
 */
PfPop3StoredToken *
pf_pop3_client_confirm_stored (PfPop3Client  *self,
                               guint          msgnum,
                               GError       **error)
{
  g_return_val_if_fail (PF_IS_POP3_CLIENT (self), NULL);

  if (!g_hash_table_contains (self->retrieved, GUINT_TO_POINTER (msgnum)))
    {
      g_set_error (error, PF_POP3_ERROR, PF_POP3_ERROR_PROTOCOL,
                   _("Message %u was not downloaded completely; it is not deleted "
                     "from the server"), msgnum);
      return NULL;
    }

  return stored_token_new (self, msgnum);
}

/**
 * pf_pop3_stored_token_free:
 * @token: a #PfPop3StoredToken
 */
void
pf_pop3_stored_token_free (PfPop3StoredToken *token)
{
  g_free (token);
}

/**
 * pf_pop3_stored_token_get_msgnum:
 * @token: a #PfPop3StoredToken
 *
 * Returns: the message number the token allows to delete
 */
guint
pf_pop3_stored_token_get_msgnum (const PfPop3StoredToken *token)
{
  g_return_val_if_fail (token != NULL, 0);

  return token->msgnum;
}

/**
 * pf_pop3_client_dele_async:
 * @self: a logged-in #PfPop3Client
 * @token: a token from pf_pop3_client_confirm_stored() on @self
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server marked the message
 * @user_data: data for @callback
 *
 * Marks a stored message as deleted (RFC 1939 §6). The server removes it
 * only on pf_pop3_client_quit_async(); RSET or a lost connection keeps it.
 */
void
pf_pop3_client_dele_async (PfPop3Client            *self,
                           const PfPop3StoredToken *token,
                           GCancellable            *cancellable,
                           GAsyncReadyCallback      callback,
                           gpointer                 user_data)
{
  g_autofree char *line = NULL;

  g_return_if_fail (PF_IS_POP3_CLIENT (self));
  g_return_if_fail (token != NULL);
  g_return_if_fail (token->client == self);

  line = g_strdup_printf ("DELE %u", token->msgnum);
  simple_command (self, line, 0, NULL, pf_pop3_client_dele_async,
                  cancellable, callback, user_data);
}

/**
 * pf_pop3_client_dele_finish:
 * @self: a #PfPop3Client
 * @result: the result
 * @error: return location for an error
 *
 * Returns: whether the message is marked as deleted
 */
gboolean
pf_pop3_client_dele_finish (PfPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return simple_finish (self, result, pf_pop3_client_dele_async, error) != NULL;
}

/**
 * pf_pop3_client_noop_async:
 * @self: a logged-in #PfPop3Client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the reply
 * @user_data: data for @callback
 *
 * NOOP (RFC 1939 §5): keeps the session alive.
 */
void
pf_pop3_client_noop_async (PfPop3Client        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (PF_IS_POP3_CLIENT (self));

  simple_command (self, "NOOP", 0, NULL, pf_pop3_client_noop_async,
                  cancellable, callback, user_data);
}

/**
 * pf_pop3_client_noop_finish:
 * @self: a #PfPop3Client
 * @result: the result
 * @error: return location for an error
 *
 * Returns: %TRUE on +OK
 */
gboolean
pf_pop3_client_noop_finish (PfPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return simple_finish (self, result, pf_pop3_client_noop_async, error) != NULL;
}

/**
 * pf_pop3_client_rset_async:
 * @self: a logged-in #PfPop3Client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the reply
 * @user_data: data for @callback
 *
 * RSET (RFC 1939 §5): unmarks every message marked with DELE.
 */
void
pf_pop3_client_rset_async (PfPop3Client        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (PF_IS_POP3_CLIENT (self));

  simple_command (self, "RSET", 0, NULL, pf_pop3_client_rset_async,
                  cancellable, callback, user_data);
}

/**
 * pf_pop3_client_rset_finish:
 * @self: a #PfPop3Client
 * @result: the result
 * @error: return location for an error
 *
 * Returns: %TRUE on +OK
 */
gboolean
pf_pop3_client_rset_finish (PfPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return simple_finish (self, result, pf_pop3_client_rset_async, error) != NULL;
}

/**
 * pf_pop3_client_quit_async:
 * @self: a #PfPop3Client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the server answered QUIT
 * @user_data: data for @callback
 *
 * QUIT (RFC 1939 §6): the server enters the UPDATE state and removes the
 * messages marked with DELE; only then are they gone. A -ERR
 * ([SYS/TEMP] etc.) means some could not be removed.
 */
void
pf_pop3_client_quit_async (PfPop3Client        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (PF_IS_POP3_CLIENT (self));

  simple_command (self, "QUIT", 0, NULL, pf_pop3_client_quit_async,
                  cancellable, callback, user_data);
}

/**
 * pf_pop3_client_quit_finish:
 * @self: a #PfPop3Client
 * @result: the result
 * @error: return location for an error
 *
 * Returns: %TRUE if the server confirmed the update
 */
gboolean
pf_pop3_client_quit_finish (PfPop3Client  *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return simple_finish (self, result, pf_pop3_client_quit_async, error) != NULL;
}
