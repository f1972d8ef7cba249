/* pf-fake-server.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-test-support"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "pf-fake-server.h"

/*
 * A scripted server on 127.0.0.1, for what real servers won't do: malformed
 * or unexpected responses, a BYE in the middle of a command, a STARTTLS
 * that is refused or followed by injected bytes, a certificate that has
 * changed. Each accepted connection runs a script of steps:
 *
 *   S: text          send "text" CRLF
 *   SEND text        send exactly "text" (no CRLF added)
 *   C: regex         read one CRLF-terminated line from the client; it must
 *                    match the regular expression (GRegex, bytes; anchor it
 *                    yourself with ^ and $)
 *   EXPECT-BYTES n   read exactly n bytes (an IMAP literal, say)
 *   TLS [cert key]   TLS handshake as the server (START-TLS is the same);
 *                    without files, those of pf_fake_server_set_certificate()
 *   TLS-REJECTED [cert key]
 *                    a handshake the client must refuse (it distrusts the
 *                    certificate); the connection ends there
 *   CLOSE            close the connection
 *   WAIT-CLOSE       read (and record) until the client closes
 *   SLEEP ms         pause
 *   NEXT-CONNECTION  the steps after it are for the next connection
 *   # comment
 *
 * In S: and SEND text, \r \n \t \\ and \xHH are escapes. A connection beyond
 * the last script runs the last script again, so a single script serves
 * every connection.
 *
 * Everything the client writes is recorded, before and after TLS, and also
 * after the script ended (until the client closes); a test can then assert
 * that, say, no credential went out after STARTTLS was refused. A step
 * that goes wrong records a failure (the first one is kept) and ends the
 * connection. Use WAIT-CLOSE rather than CLOSE when the test asserts on
 * what the client sends last: CLOSE only picks up what has arrived so far.
 *
 * All I/O is asynchronous on the thread-default main context of the thread
 * that created the server, so a test iterates that context until both its
 * client and the server are done.
 */

#define HOST "127.0.0.1"

typedef enum
{
  STEP_SEND,
  STEP_EXPECT_LINE,
  STEP_EXPECT_BYTES,
  STEP_START_TLS,
  STEP_TLS_REJECTED,
  STEP_CLOSE,
  STEP_WAIT_CLOSE,
  STEP_SLEEP,
} StepKind;

typedef struct
{
  StepKind  kind;
  char     *description;   /* for failures and the transcript */
  GBytes   *data;          /* SEND */
  GRegex   *regex;         /* EXPECT_LINE */
  char     *cert_file;     /* TLS, or NULL for the default */
  char     *key_file;
  gsize     count;         /* EXPECT_BYTES; SLEEP: milliseconds */
} Step;

typedef enum
{
  SEGMENT_CLIENT,
  SEGMENT_SERVER,
  SEGMENT_EVENT,
} SegmentKind;

/* One piece of the transcript */
typedef struct
{
  SegmentKind  kind;
  guint        connection;
  gboolean     tls;
  GBytes      *data;       /* bytes, or an event's text */
} Segment;

typedef struct _Connection Connection;

struct _PfFakeServer
{
  GObject           parent_instance;

  /* Owned */
  GSocketService   *service;
  GPtrArray        *scripts;        /* GPtrArray of Step, one per connection */
  GPtrArray        *connections;    /* Connection, a reference each */
  GArray           *segments;       /* Segment */
  char             *failure;
  char             *cert_file;
  char             *key_file;

  guint16           port;
};

G_DEFINE_FINAL_TYPE (PfFakeServer, pf_fake_server, G_TYPE_OBJECT)

/* Reference-counted (g_rc_box): every pending operation holds one, so a
 * callback that runs after the server is gone finds @server NULL. */
struct _Connection
{
  /* Borrowed: NULL once the server is disposed */
  PfFakeServer      *server;

  /* Owned */
  GSocketConnection *socket;
  GIOStream         *stream;        /* @socket, or the TLS connection over it */
  GCancellable      *cancellable;
  GByteArray        *input;         /* read, not yet used by a step */
  GPtrArray         *script;        /* Step; a reference */

  guint              number;        /* 1, 2, … */
  guint              step;
  guint              timeout_id;
  gboolean           tls;
  gboolean           eof;
  gboolean           finished;      /* the script ended or failed */
  gboolean           closed;
  guint8             read_buffer[16384];
};

static void run_step (Connection *conn);

/* --- Steps ---------------------------------------------------------------- */

static void
step_free (gpointer data)
{
  Step *step = data;

  g_free (step->description);
  g_clear_pointer (&step->data, g_bytes_unref);
  g_clear_pointer (&step->regex, g_regex_unref);
  g_free (step->cert_file);
  g_free (step->key_file);
  g_free (step);
}

static GPtrArray *
current_script (PfFakeServer *self)
{
  return g_ptr_array_index (self->scripts, self->scripts->len - 1);
}

static Step *
add_step (PfFakeServer *self,
          StepKind      kind,
          char         *description)
{
  Step *step = g_new0 (Step, 1);

  step->kind = kind;
  step->description = description;
  g_ptr_array_add (current_script (self), step);

  return step;
}

/* --- Transcript ----------------------------------------------------------- */

/* Bytes that follow bytes from the same side join them, so that the
 * transcript does not depend on how the kernel split them. */
static void
record (PfFakeServer *self,
        SegmentKind   kind,
        Connection   *conn,
        const void   *data,
        gsize         length)
{
  Segment segment = { kind, conn->number, conn->tls, NULL };
  Segment *last = self->segments->len > 0
                    ? &g_array_index (self->segments, Segment, self->segments->len - 1)
                    : NULL;

  if (kind != SEGMENT_EVENT && last != NULL && last->kind == kind &&
      last->connection == conn->number && last->tls == conn->tls)
    {
      g_autoptr(GByteArray) joined = g_bytes_unref_to_array (g_steal_pointer (&last->data));

      g_byte_array_append (joined, data, length);
      last->data = g_byte_array_free_to_bytes (g_steal_pointer (&joined));
      return;
    }

  segment.data = g_bytes_new (data, length);
  g_array_append_val (self->segments, segment);
}

G_GNUC_PRINTF (3, 4)
static void
record_event (PfFakeServer *self,
              Connection   *conn,
              const char   *format,
              ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  record (self, SEGMENT_EVENT, conn, text, strlen (text));
}

static void
append_escaped (GString      *string,
                const guint8 *data,
                gsize         length)
{
  for (gsize i = 0; i < length; i++)
    {
      if (data[i] == '\r')
        g_string_append (string, "\\r");
      else if (data[i] == '\n')
        g_string_append (string, "\\n");
      else if (data[i] == '\\')
        g_string_append (string, "\\\\");
      else if (data[i] >= 0x20 && data[i] < 0x7f)
        g_string_append_c (string, data[i]);
      else
        g_string_append_printf (string, "\\x%02x", data[i]);
    }
}

static char *
escape (const void *data,
        gsize       length)
{
  GString *string = g_string_new (NULL);

  append_escaped (string, data, length);

  return g_string_free (string, FALSE);
}

/* --- Connections ---------------------------------------------------------- */

static void
connection_clear (gpointer data)
{
  Connection *conn = data;

  g_clear_object (&conn->stream);
  g_clear_object (&conn->socket);
  g_clear_object (&conn->cancellable);
  g_clear_pointer (&conn->input, g_byte_array_unref);
  g_clear_pointer (&conn->script, g_ptr_array_unref);
}

static Connection *
connection_ref (Connection *conn)
{
  return g_rc_box_acquire (conn);
}

static void
connection_unref (gpointer data)
{
  g_rc_box_release_full (data, connection_clear);
}

/* Ends the connection at once, without TLS close_notify. */
static void
connection_abort (Connection *conn)
{
  conn->finished = TRUE;
  if (conn->closed)
    return;

  conn->closed = TRUE;
  g_cancellable_cancel (conn->cancellable);
  g_clear_handle_id (&conn->timeout_id, g_source_remove);
  g_socket_close (g_socket_connection_get_socket (conn->socket), NULL);
}

static const char *
step_description (Connection *conn)
{
  if (conn->step < conn->script->len)
    return ((Step *) g_ptr_array_index (conn->script, conn->step))->description;

  return "after the script";
}

G_GNUC_PRINTF (2, 3)
static void
connection_fail (Connection *conn,
                 const char *format,
                 ...)
{
  PfFakeServer *self = conn->server;
  g_autofree char *text = NULL;
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  message = g_strdup_printf ("connection %u, step %u (%s): %s", conn->number, conn->step + 1,
                             step_description (conn), text);
  g_debug ("%s", message);
  record_event (self, conn, "FAILED: %s", message);
  if (self->failure == NULL)
    self->failure = g_steal_pointer (&message);

  connection_abort (conn);
}

static gboolean
is_gone (Connection *conn,
         GError     *error)
{
  return conn->server == NULL || conn->closed ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
next_step (Connection *conn)
{
  conn->step++;
  run_step (conn);
}

static void
on_closed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Connection *conn = user_data;

  /* The client may have gone first; closing cannot fail in a way that
   * matters to the script. */
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  connection_unref (conn);
}

static void
connection_close (Connection *conn)
{
  if (conn->closed)
    return;

  conn->closed = TRUE;
  record_event (conn->server, conn, "server closes");
  g_io_stream_close_async (conn->stream, G_PRIORITY_DEFAULT, NULL, on_closed_cb,
                           connection_ref (conn));
}

/* Reads whatever the client has already sent, without waiting. */
static void
drain_now (Connection *conn)
{
  GInputStream *input = g_io_stream_get_input_stream (conn->stream);

  if (!G_IS_POLLABLE_INPUT_STREAM (input) ||
      !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input)))
    return;

  for (;;)
    {
      gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input),
                                                           conn->read_buffer,
                                                           sizeof conn->read_buffer,
                                                           NULL, NULL);

      if (n <= 0)
        break;
      record (conn->server, SEGMENT_CLIENT, conn, conn->read_buffer, n);
    }
}

/* --- Reading -------------------------------------------------------------- */

static void
on_read_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Connection *conn = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (is_gone (conn, error))
    {
      connection_unref (conn);
      return;
    }

  if (n < 0)
    {
      /* A reset counts as the client going away. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
          g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_EOF))
        {
          n = 0;
        }
      else
        {
          connection_fail (conn, "reading failed: %s", error->message);
          connection_unref (conn);
          return;
        }
    }

  if (n == 0)
    {
      conn->eof = TRUE;
      record_event (conn->server, conn, "client closed");
    }
  else
    {
      record (conn->server, SEGMENT_CLIENT, conn, conn->read_buffer, n);
      g_byte_array_append (conn->input, conn->read_buffer, n);
    }

  run_step (conn);
  connection_unref (conn);
}

static void
read_more (Connection *conn)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (conn->stream),
                             conn->read_buffer, sizeof conn->read_buffer,
                             G_PRIORITY_DEFAULT, conn->cancellable,
                             on_read_cb, connection_ref (conn));
}

/* After the script: keep recording until the client closes. */
static void
script_done (Connection *conn)
{
  if (!conn->finished)
    {
      conn->finished = TRUE;
      record_event (conn->server, conn, "script done");
    }

  if (conn->closed)
    return;
  if (conn->eof)
    connection_close (conn);
  else
    read_more (conn);
}

/* --- Steps at work -------------------------------------------------------- */

static void
on_sent_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Connection *conn = user_data;
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);
  if (!is_gone (conn, error))
    {
      if (error != NULL)
        connection_fail (conn, "sending failed: %s", error->message);
      else
        next_step (conn);
    }

  connection_unref (conn);
}

static void
run_send (Connection *conn,
          Step       *step)
{
  record (conn->server, SEGMENT_SERVER, conn, g_bytes_get_data (step->data, NULL),
          g_bytes_get_size (step->data));
  g_output_stream_write_all_async (g_io_stream_get_output_stream (conn->stream),
                                   g_bytes_get_data (step->data, NULL),
                                   g_bytes_get_size (step->data),
                                   G_PRIORITY_DEFAULT, conn->cancellable,
                                   on_sent_cb, connection_ref (conn));
}

static void
run_expect_line (Connection *conn,
                 Step       *step)
{
  const guint8 *newline = conn->input->len > 0
                            ? memchr (conn->input->data, '\n', conn->input->len)
                            : NULL;
  gsize length;
  g_autofree char *line = NULL;

  if (newline == NULL)
    {
      if (conn->eof)
        {
          g_autofree char *partial = escape (conn->input->data, conn->input->len);

          connection_fail (conn, "the client closed the connection; it sent “%s” of a line",
                           partial);
        }
      else
        {
          read_more (conn);
        }
      return;
    }

  length = newline - conn->input->data;
  line = escape (conn->input->data, length);
  if (length == 0 || conn->input->data[length - 1] != '\r')
    {
      connection_fail (conn, "the client ended the line “%s” with a bare LF", line);
      return;
    }

  if (!g_regex_match_full (step->regex, (const char *) conn->input->data, length - 1, 0, 0,
                           NULL, NULL))
    {
      g_autofree char *without_crlf = escape (conn->input->data, length - 1);

      connection_fail (conn, "the client sent “%s”, which does not match /%s/", without_crlf,
                       g_regex_get_pattern (step->regex));
      return;
    }

  g_byte_array_remove_range (conn->input, 0, length + 1);
  next_step (conn);
}

static void
run_expect_bytes (Connection *conn,
                  Step       *step)
{
  if (conn->input->len >= step->count)
    {
      g_byte_array_remove_range (conn->input, 0, step->count);
      next_step (conn);
    }
  else if (conn->eof)
    {
      connection_fail (conn, "the client closed the connection after %u of %" G_GSIZE_FORMAT
                       " bytes", conn->input->len, step->count);
    }
  else
    {
      read_more (conn);
    }
}

static void
on_handshake_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Connection *conn = user_data;
  Step *step;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error);
  if (is_gone (conn, error))
    {
      connection_unref (conn);
      return;
    }

  step = g_ptr_array_index (conn->script, conn->step);
  if (step->kind == STEP_TLS_REJECTED)
    {
      if (ok)
        {
          connection_fail (conn, "the client accepted the certificate");
        }
      else
        {
          record_event (conn->server, conn, "TLS handshake refused by the client: %s",
                        error->message);
          /* Nothing can follow on this connection. */
          connection_abort (conn);
          record_event (conn->server, conn, "script done");
        }
    }
  else if (!ok)
    {
      connection_fail (conn, "TLS handshake failed: %s", error->message);
    }
  else
    {
      g_set_object (&conn->stream, G_IO_STREAM (source));
      conn->tls = TRUE;
      record_event (conn->server, conn, "TLS handshake done");
      next_step (conn);
    }

  connection_unref (conn);
}

static void
run_start_tls (Connection *conn,
               Step       *step)
{
  PfFakeServer *self = conn->server;
  const char *cert_file = step->cert_file != NULL ? step->cert_file : self->cert_file;
  const char *key_file = step->cert_file != NULL ? step->key_file : self->key_file;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;

  if (conn->input->len > 0)
    {
      g_autofree char *early = escape (conn->input->data, conn->input->len);

      connection_fail (conn, "the client sent “%s” before the TLS handshake", early);
      return;
    }
  if (conn->tls)
    {
      connection_fail (conn, "TLS is already on");
      return;
    }
  if (cert_file == NULL)
    {
      connection_fail (conn, "no certificate: see pf_fake_server_set_certificate()");
      return;
    }

  certificate = g_tls_certificate_new_from_files (cert_file, key_file, &error);
  if (certificate == NULL)
    {
      connection_fail (conn, "cannot load %s: %s", cert_file, error->message);
      return;
    }

  tls = g_tls_server_connection_new (conn->stream, certificate, &error);
  if (tls == NULL)
    {
      connection_fail (conn, "cannot start TLS: %s", error->message);
      return;
    }
  /* A client that drops the connection without close_notify has still
   * closed it, as far as a script goes. */
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);

  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    conn->cancellable, on_handshake_cb, connection_ref (conn));
}

static gboolean
on_sleep_done_cb (gpointer user_data)
{
  Connection *conn = user_data;

  conn->timeout_id = 0;
  if (conn->server != NULL && !conn->closed)
    next_step (conn);

  return G_SOURCE_REMOVE;
}

static void
run_step (Connection *conn)
{
  Step *step;

  if (conn->server == NULL || conn->closed)
    return;

  if (conn->step >= conn->script->len)
    {
      script_done (conn);
      return;
    }

  step = g_ptr_array_index (conn->script, conn->step);
  switch (step->kind)
    {
    case STEP_SEND:
      run_send (conn, step);
      break;

    case STEP_EXPECT_LINE:
      run_expect_line (conn, step);
      break;

    case STEP_EXPECT_BYTES:
      run_expect_bytes (conn, step);
      break;

    case STEP_START_TLS:
    case STEP_TLS_REJECTED:
      run_start_tls (conn, step);
      break;

    case STEP_CLOSE:
      drain_now (conn);
      connection_close (conn);
      conn->finished = TRUE;
      record_event (conn->server, conn, "script done");
      break;

    case STEP_WAIT_CLOSE:
      /* What comes now is recorded, and need not match anything. */
      g_byte_array_set_size (conn->input, 0);
      if (conn->eof)
        next_step (conn);
      else
        read_more (conn);
      break;

    case STEP_SLEEP:
      conn->timeout_id = g_timeout_add_full (G_PRIORITY_DEFAULT, step->count, on_sleep_done_cb,
                                             connection_ref (conn), connection_unref);
      break;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
on_incoming_cb (GSocketService    *service,
                GSocketConnection *socket,
                GObject           *source_object,
                gpointer           user_data)
{
  PfFakeServer *self = user_data;
  Connection *conn = g_rc_box_new0 (Connection);
  guint script;

  conn->server = self;
  conn->socket = g_object_ref (socket);
  conn->stream = g_object_ref (G_IO_STREAM (socket));
  conn->cancellable = g_cancellable_new ();
  conn->input = g_byte_array_new ();
  g_ptr_array_add (self->connections, conn);
  conn->number = self->connections->len;

  /* The last script serves every further connection. */
  script = MIN (conn->number, self->scripts->len) - 1;
  conn->script = g_ptr_array_ref (g_ptr_array_index (self->scripts, script));

  record_event (self, conn, "accepted");
  run_step (conn);

  return TRUE;
}

/* --- GObject -------------------------------------------------------------- */

static void
segment_clear (gpointer data)
{
  Segment *segment = data;

  g_clear_pointer (&segment->data, g_bytes_unref);
}

static void
pf_fake_server_dispose (GObject *object)
{
  PfFakeServer *self = PF_FAKE_SERVER (object);

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_clear_object (&self->service);
    }

  for (guint i = 0; self->connections != NULL && i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      connection_abort (conn);
      conn->server = NULL;
    }
  g_clear_pointer (&self->connections, g_ptr_array_unref);

  G_OBJECT_CLASS (pf_fake_server_parent_class)->dispose (object);
}

static void
pf_fake_server_finalize (GObject *object)
{
  PfFakeServer *self = PF_FAKE_SERVER (object);

  g_clear_pointer (&self->scripts, g_ptr_array_unref);
  g_clear_pointer (&self->segments, g_array_unref);
  g_clear_pointer (&self->failure, g_free);
  g_clear_pointer (&self->cert_file, g_free);
  g_clear_pointer (&self->key_file, g_free);

  G_OBJECT_CLASS (pf_fake_server_parent_class)->finalize (object);
}

static void
pf_fake_server_class_init (PfFakeServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_fake_server_dispose;
  object_class->finalize = pf_fake_server_finalize;
}

static void
pf_fake_server_init (PfFakeServer *self)
{
  self->scripts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_ptr_array_add (self->scripts, g_ptr_array_new_with_free_func (step_free));
  self->connections = g_ptr_array_new_with_free_func (connection_unref);
  self->segments = g_array_new (FALSE, TRUE, sizeof (Segment));
  g_array_set_clear_func (self->segments, segment_clear);
}

/**
 * pf_fake_server_new:
 *
 * Starts listening on a free port of 127.0.0.1. Connections are accepted
 * on the thread-default main context of the calling thread, and run the
 * script added with the pf_fake_server_add_*() functions or
 * pf_fake_server_add_script(); add the steps before a client connects.
 * Failing to listen is fatal: the test cannot run.
 *
 * Returns: (transfer full): a new server
 */
PfFakeServer *
pf_fake_server_new (void)
{
  g_autoptr(PfFakeServer) self = g_object_new (PF_TYPE_FAKE_SERVER, NULL);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  self->service = g_socket_service_new ();
  address = g_inet_socket_address_new_from_string (HOST, 0);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, &error))
    g_error ("The fake server cannot listen on %s: %s", HOST, error->message);

  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect_object (self->service, "incoming", G_CALLBACK (on_incoming_cb), self, 0);
  g_socket_service_start (self->service);

  return g_steal_pointer (&self);
}

/**
 * pf_fake_server_new_from_script:
 * @script: steps, one per line, as described at the top of pf-fake-server.c
 * @error: return location for a syntax error
 *
 * Returns: (transfer full) (nullable): a listening server, or %NULL if
 *   @script has an error
 */
PfFakeServer *
pf_fake_server_new_from_script (const char  *script,
                                GError     **error)
{
  g_autoptr(PfFakeServer) self = pf_fake_server_new ();

  if (!pf_fake_server_add_script (self, script, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* --- Adding steps --------------------------------------------------------- */

/**
 * pf_fake_server_add_send:
 * @data: (array length=length): the bytes to send, exactly
 * @length: their length, or -1 if @data is a string
 */
void
pf_fake_server_add_send (PfFakeServer *self,
                         const void   *data,
                         gssize        length)
{
  g_autofree char *escaped = NULL;
  Step *step;

  g_return_if_fail (PF_IS_FAKE_SERVER (self));
  g_return_if_fail (data != NULL || length == 0);

  if (length < 0)
    length = strlen (data);

  escaped = escape (data, length);
  step = add_step (self, STEP_SEND, g_strdup_printf ("SEND %s", escaped));
  step->data = g_bytes_new (data, length);
}

/**
 * pf_fake_server_add_send_line:
 * @line: a line; CRLF is appended
 */
void
pf_fake_server_add_send_line (PfFakeServer *self,
                              const char   *line)
{
  g_autofree char *with_crlf = NULL;

  g_return_if_fail (PF_IS_FAKE_SERVER (self));
  g_return_if_fail (line != NULL);

  with_crlf = g_strconcat (line, "\r\n", NULL);
  pf_fake_server_add_send (self, with_crlf, -1);
}

static GRegex *
compile (const char  *pattern,
         GError     **error)
{
  /* Bytes, not UTF-8: the client may send anything. */
  return g_regex_new (pattern, G_REGEX_RAW | G_REGEX_DOLLAR_ENDONLY, 0, error);
}

/**
 * pf_fake_server_add_expect_line:
 * @regex: what the next CRLF-terminated line (without CRLF) must match;
 *   unanchored, so anchor it with ^ and $. An invalid pattern is fatal.
 */
void
pf_fake_server_add_expect_line (PfFakeServer *self,
                                const char   *regex)
{
  g_autoptr(GError) error = NULL;
  Step *step;

  g_return_if_fail (PF_IS_FAKE_SERVER (self));
  g_return_if_fail (regex != NULL);

  step = add_step (self, STEP_EXPECT_LINE, g_strdup_printf ("C: %s", regex));
  step->regex = compile (regex, &error);
  if (step->regex == NULL)
    g_error ("Invalid pattern for the fake server: %s", error->message);
}

void
pf_fake_server_add_expect_bytes (PfFakeServer *self,
                                 gsize         count)
{
  Step *step;

  g_return_if_fail (PF_IS_FAKE_SERVER (self));

  step = add_step (self, STEP_EXPECT_BYTES,
                   g_strdup_printf ("EXPECT-BYTES %" G_GSIZE_FORMAT, count));
  step->count = count;
}

static void
add_tls (PfFakeServer *self,
         StepKind      kind,
         const char   *cert_file,
         const char   *key_file)
{
  Step *step;

  g_return_if_fail (PF_IS_FAKE_SERVER (self));
  g_return_if_fail ((cert_file == NULL) == (key_file == NULL));

  step = add_step (self, kind,
                   g_strdup_printf ("%s%s%s", kind == STEP_START_TLS ? "TLS" : "TLS-REJECTED",
                                    cert_file != NULL ? " " : "",
                                    cert_file != NULL ? cert_file : ""));
  step->cert_file = g_strdup (cert_file);
  step->key_file = g_strdup (key_file);
}

/**
 * pf_fake_server_add_start_tls:
 * @cert_file: (nullable): the server certificate (PEM), or %NULL for the
 *   one set with pf_fake_server_set_certificate()
 * @key_file: (nullable): its private key (PEM)
 *
 * Adds a server-side TLS handshake. It fails the script if the client
 * sent anything the script did not read yet, or if the handshake fails.
 */
void
pf_fake_server_add_start_tls (PfFakeServer *self,
                              const char   *cert_file,
                              const char   *key_file)
{
  add_tls (self, STEP_START_TLS, cert_file, key_file);
}

/**
 * pf_fake_server_add_tls_rejected:
 *
 * Like pf_fake_server_add_start_tls(), but the handshake must fail: the
 * client is expected to refuse the certificate. The connection ends there.
 */
void
pf_fake_server_add_tls_rejected (PfFakeServer *self,
                                 const char   *cert_file,
                                 const char   *key_file)
{
  add_tls (self, STEP_TLS_REJECTED, cert_file, key_file);
}

void
pf_fake_server_add_close (PfFakeServer *self)
{
  g_return_if_fail (PF_IS_FAKE_SERVER (self));

  add_step (self, STEP_CLOSE, g_strdup ("CLOSE"));
}

void
pf_fake_server_add_wait_close (PfFakeServer *self)
{
  g_return_if_fail (PF_IS_FAKE_SERVER (self));

  add_step (self, STEP_WAIT_CLOSE, g_strdup ("WAIT-CLOSE"));
}

void
pf_fake_server_add_sleep (PfFakeServer *self,
                          guint         milliseconds)
{
  Step *step;

  g_return_if_fail (PF_IS_FAKE_SERVER (self));

  step = add_step (self, STEP_SLEEP, g_strdup_printf ("SLEEP %u", milliseconds));
  step->count = milliseconds;
}

/**
 * pf_fake_server_add_next_connection:
 *
 * The steps added after this are the script of the next connection.
 */
void
pf_fake_server_add_next_connection (PfFakeServer *self)
{
  g_return_if_fail (PF_IS_FAKE_SERVER (self));

  g_ptr_array_add (self->scripts, g_ptr_array_new_with_free_func (step_free));
}

/**
 * pf_fake_server_set_certificate:
 * @cert_file: a server certificate (PEM)
 * @key_file: its private key (PEM)
 *
 * The certificate of TLS steps that name none.
 */
void
pf_fake_server_set_certificate (PfFakeServer *self,
                                const char   *cert_file,
                                const char   *key_file)
{
  g_return_if_fail (PF_IS_FAKE_SERVER (self));
  g_return_if_fail (cert_file != NULL && key_file != NULL);

  g_free (self->cert_file);
  g_free (self->key_file);
  self->cert_file = g_strdup (cert_file);
  self->key_file = g_strdup (key_file);
}

/* --- Script text ---------------------------------------------------------- */

static gboolean
unescape (const char  *text,
          GByteArray  *bytes,
          GError     **error)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      guint8 c = *p;
      int high;
      int low;

      if (c == '\\')
        {
          switch (*++p)
            {
            case 'r':
              c = '\r';
              break;
            case 'n':
              c = '\n';
              break;
            case 't':
              c = '\t';
              break;
            case '\\':
              c = '\\';
              break;
            case 'x':
              high = g_ascii_xdigit_value (p[1]);
              low = high >= 0 ? g_ascii_xdigit_value (p[2]) : -1;
              if (low < 0)
                {
                  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "\\x needs two hex digits in “%s”", text);
                  return FALSE;
                }
              c = (guint8) (high << 4 | low);
              p += 2;
              break;
            default:
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "unknown escape in “%s”", text);
              return FALSE;
            }
        }
      g_byte_array_append (bytes, &c, 1);
    }

  return TRUE;
}

static gboolean
parse_number (const char  *text,
              guint64      max,
              guint64     *number,
              GError     **error)
{
  return g_ascii_string_to_unsigned (text, 10, 0, max, number, error);
}

static gboolean
parse_tls (PfFakeServer  *self,
           StepKind       kind,
           const char    *arguments,
           GError       **error)
{
  g_auto(GStrv) files = NULL;

  if (arguments == NULL)
    {
      add_tls (self, kind, NULL, NULL);
      return TRUE;
    }

  files = g_strsplit_set (arguments, " ", -1);
  if (g_strv_length (files) != 2 || *files[0] == '\0' || *files[1] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "TLS takes a certificate and a key file, or nothing: “%s”", arguments);
      return FALSE;
    }
  add_tls (self, kind, files[0], files[1]);

  return TRUE;
}

static gboolean
parse_line (PfFakeServer  *self,
            const char    *line,
            GError       **error)
{
  g_autoptr(GByteArray) bytes = NULL;
  g_autoptr(GRegex) regex = NULL;
  g_autofree char *command = NULL;
  const char *arguments = NULL;
  const char *space;
  guint64 number = 0;

  if (g_str_has_prefix (line, "S: "))
    {
      bytes = g_byte_array_new ();
      if (!unescape (line + 3, bytes, error))
        return FALSE;
      g_byte_array_append (bytes, (const guint8 *) "\r\n", 2);
      pf_fake_server_add_send (self, bytes->data, bytes->len);
      return TRUE;
    }

  if (g_str_has_prefix (line, "C: "))
    {
      regex = compile (line + 3, error);
      if (regex == NULL)
        return FALSE;
      pf_fake_server_add_expect_line (self, line + 3);
      return TRUE;
    }

  space = strchr (line, ' ');
  command = space != NULL ? g_strndup (line, space - line) : g_strdup (line);
  if (space != NULL)
    arguments = space + 1;

  if (strcmp (command, "SEND") == 0 && arguments != NULL)
    {
      bytes = g_byte_array_new ();
      if (!unescape (arguments, bytes, error))
        return FALSE;
      pf_fake_server_add_send (self, bytes->data, bytes->len);
    }
  else if (strcmp (command, "EXPECT-BYTES") == 0 && arguments != NULL)
    {
      if (!parse_number (arguments, G_MAXSIZE, &number, error))
        return FALSE;
      pf_fake_server_add_expect_bytes (self, number);
    }
  else if (strcmp (command, "TLS") == 0 || strcmp (command, "START-TLS") == 0)
    {
      return parse_tls (self, STEP_START_TLS, arguments, error);
    }
  else if (strcmp (command, "TLS-REJECTED") == 0)
    {
      return parse_tls (self, STEP_TLS_REJECTED, arguments, error);
    }
  else if (strcmp (command, "CLOSE") == 0 && arguments == NULL)
    {
      pf_fake_server_add_close (self);
    }
  else if (strcmp (command, "WAIT-CLOSE") == 0 && arguments == NULL)
    {
      pf_fake_server_add_wait_close (self);
    }
  else if (strcmp (command, "SLEEP") == 0 && arguments != NULL)
    {
      if (!parse_number (arguments, 60 * 1000, &number, error))
        return FALSE;
      pf_fake_server_add_sleep (self, number);
    }
  else if (strcmp (command, "NEXT-CONNECTION") == 0 && arguments == NULL)
    {
      pf_fake_server_add_next_connection (self);
    }
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "unknown step “%s”", line);
      return FALSE;
    }

  return TRUE;
}

/**
 * pf_fake_server_add_script:
 * @script: steps, one per line (see the top of pf-fake-server.c); leading
 *   spaces, empty lines and lines starting with "#" are ignored
 * @error: return location for a syntax error, which names the line
 *
 * Returns: %TRUE if all of @script was added; on error, the steps before
 *   the faulty line stay added
 */
gboolean
pf_fake_server_add_script (PfFakeServer  *self,
                           const char    *script,
                           GError       **error)
{
  g_auto(GStrv) lines = NULL;

  g_return_val_if_fail (PF_IS_FAKE_SERVER (self), FALSE);
  g_return_val_if_fail (script != NULL, FALSE);

  lines = g_strsplit (script, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      gsize length = strlen (lines[i]);
      const char *line = lines[i];

      if (length > 0 && lines[i][length - 1] == '\r')
        lines[i][length - 1] = '\0';
      while (*line == ' ' || *line == '\t')
        line++;
      if (*line == '\0' || *line == '#')
        continue;

      if (!parse_line (self, line, error))
        {
          g_prefix_error (error, "script line %u: ", i + 1);
          return FALSE;
        }
    }

  return TRUE;
}

/* --- State and results ---------------------------------------------------- */

const char *
pf_fake_server_get_host (PfFakeServer *self)
{
  g_return_val_if_fail (PF_IS_FAKE_SERVER (self), NULL);

  return HOST;
}

guint16
pf_fake_server_get_port (PfFakeServer *self)
{
  g_return_val_if_fail (PF_IS_FAKE_SERVER (self), 0);

  return self->port;
}

guint
pf_fake_server_get_n_connections (PfFakeServer *self)
{
  g_return_val_if_fail (PF_IS_FAKE_SERVER (self), 0);

  return self->connections->len;
}

/**
 * pf_fake_server_finished:
 *
 * Returns: %TRUE once every script has had its connection and every
 *   connection has run its script to the end or failed. A connection whose
 *   script ended without CLOSE is still read from and recorded.
 */
gboolean
pf_fake_server_finished (PfFakeServer *self)
{
  g_return_val_if_fail (PF_IS_FAKE_SERVER (self), FALSE);

  if (self->connections->len < self->scripts->len)
    return FALSE;

  for (guint i = 0; i < self->connections->len; i++)
    if (!((Connection *) g_ptr_array_index (self->connections, i))->finished)
      return FALSE;

  return TRUE;
}

#define WAIT_SECONDS 30

static gboolean
on_wait_timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;

  return G_SOURCE_REMOVE;
}

/**
 * pf_fake_server_wait_finished:
 *
 * Iterates the thread-default main context until pf_fake_server_finished().
 * After 30 s without, the test aborts with the transcript so far.
 */
void
pf_fake_server_wait_finished (PfFakeServer *self)
{
  GMainContext *context = g_main_context_ref_thread_default ();
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (WAIT_SECONDS);
  gboolean timed_out = FALSE;

  g_return_if_fail (PF_IS_FAKE_SERVER (self));

  g_source_set_callback (timeout, on_wait_timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!pf_fake_server_finished (self) && !timed_out)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_main_context_unref (context);

  if (timed_out)
    {
      g_autofree char *transcript = pf_fake_server_dup_transcript (self);

      g_error ("The fake server's script did not finish within %d s:\n%s",
               WAIT_SECONDS, transcript);
    }
}

/**
 * pf_fake_server_get_failure:
 *
 * Returns: (transfer none) (nullable): the first thing that went wrong,
 *   with the connection and the step, or %NULL
 */
const char *
pf_fake_server_get_failure (PfFakeServer *self)
{
  g_return_val_if_fail (PF_IS_FAKE_SERVER (self), NULL);

  return self->failure;
}

static GBytes *
dup_client_bytes (PfFakeServer *self,
                  gboolean      cleartext,
                  gboolean      tls)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();

  for (guint i = 0; i < self->segments->len; i++)
    {
      const Segment *segment = &g_array_index (self->segments, Segment, i);

      if (segment->kind == SEGMENT_CLIENT &&
          ((segment->tls && tls) || (!segment->tls && cleartext)))
        g_byte_array_append (bytes, g_bytes_get_data (segment->data, NULL),
                             g_bytes_get_size (segment->data));
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

/**
 * pf_fake_server_dup_received:
 *
 * Returns: (transfer full): every byte the clients wrote, over all
 *   connections in the order they arrived, before and after TLS (as
 *   plaintext)
 */
GBytes *
pf_fake_server_dup_received (PfFakeServer *self)
{
  g_return_val_if_fail (PF_IS_FAKE_SERVER (self), NULL);

  return dup_client_bytes (self, TRUE, TRUE);
}

/**
 * pf_fake_server_dup_received_cleartext:
 *
 * Returns: (transfer full): what the clients wrote without TLS, that is
 *   what anyone on the network could read
 */
GBytes *
pf_fake_server_dup_received_cleartext (PfFakeServer *self)
{
  g_return_val_if_fail (PF_IS_FAKE_SERVER (self), NULL);

  return dup_client_bytes (self, TRUE, FALSE);
}

/**
 * pf_fake_server_dup_received_tls:
 *
 * Returns: (transfer full): what the clients wrote inside TLS, decrypted
 */
GBytes *
pf_fake_server_dup_received_tls (PfFakeServer *self)
{
  g_return_val_if_fail (PF_IS_FAKE_SERVER (self), NULL);

  return dup_client_bytes (self, FALSE, TRUE);
}

/**
 * pf_fake_server_dup_transcript:
 *
 * Returns: (transfer full): both sides of every connection and what
 *   happened, one line each, e.g. "[1] C: a1 CAPABILITY\r\n" or
 *   "[1] S (TLS): * OK\r\n"; for g_test_message() when a test fails
 */
char *
pf_fake_server_dup_transcript (PfFakeServer *self)
{
  GString *transcript;

  g_return_val_if_fail (PF_IS_FAKE_SERVER (self), NULL);

  transcript = g_string_new (NULL);
  for (guint i = 0; i < self->segments->len; i++)
    {
      const Segment *segment = &g_array_index (self->segments, Segment, i);
      gsize length = 0;
      const guint8 *data = g_bytes_get_data (segment->data, &length);

      g_string_append_printf (transcript, "[%u] ", segment->connection);
      switch (segment->kind)
        {
        case SEGMENT_CLIENT:
        case SEGMENT_SERVER:
          g_string_append (transcript, segment->kind == SEGMENT_CLIENT ? "C" : "S");
          if (segment->tls)
            g_string_append (transcript, " (TLS)");
          g_string_append (transcript, ": ");
          append_escaped (transcript, data, length);
          break;

        case SEGMENT_EVENT:
          g_string_append (transcript, "-- ");
          g_string_append_len (transcript, (const char *) data, length);
          break;

        default:
          g_assert_not_reached ();
        }
      g_string_append_c (transcript, '\n');
    }

  return g_string_free (transcript, FALSE);
}

/* --- Certificates --------------------------------------------------------- */

static gboolean
run_openssl (const char         *dir,
             const char * const *arguments,
             GError            **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  int wait_status = 0;

  g_ptr_array_add (argv, (gpointer) "openssl");
  for (guint i = 0; arguments[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) arguments[i]);
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_sync (dir, (char **) argv->pdata, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &wait_status, error))
    return FALSE;

  if (!g_spawn_check_wait_status (wait_status, error))
    {
      g_prefix_error (error, "openssl %s: %s", arguments[0], err != NULL ? err : "");
      return FALSE;
    }

  return TRUE;
}

/* A CA, and a server certificate for 127.0.0.1 and localhost signed by it. */
static gboolean
make_ca_and_server (const char  *dir,
                    const char  *prefix,
                    GError     **error)
{
  g_autofree char *ca_key = g_strconcat (prefix, "ca.key", NULL);
  g_autofree char *ca_pem = g_strconcat (prefix, "ca.pem", NULL);
  g_autofree char *ca_subject = g_strdup_printf ("/CN=Postfach test %sCA", prefix);
  g_autofree char *key = g_strconcat (prefix, "server.key", NULL);
  g_autofree char *csr = g_strconcat (prefix, "server.csr", NULL);
  g_autofree char *pem = g_strconcat (prefix, "server.pem", NULL);
  g_autofree char *serial = g_strdup_printf ("0x%08x%08x", g_random_int (), g_random_int ());
  const char * const ca[] = {
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-days", "3650", "-subj", ca_subject, "-keyout", ca_key, "-out", ca_pem,
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    NULL
  };
  const char * const request[] = {
    "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", csr,
    NULL
  };
  const char * const sign[] = {
    "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key, "-set_serial", serial,
    "-days", "3650", "-extfile", "server.ext", "-out", pem,
    NULL
  };

  return run_openssl (dir, ca, error) &&
         run_openssl (dir, request, error) &&
         run_openssl (dir, sign, error);
}

/**
 * pf_fake_server_certificates_new:
 * @error: return location for an error
 *
 * Makes two CAs and a server certificate from each, for 127.0.0.1 and
 * localhost, in a new temporary directory, with openssl(1). Blocks for a
 * moment: call it before the test's main loop runs.
 *
 * Returns: (transfer full) (nullable): the certificates, or %NULL if
 *   openssl failed
 */
PfFakeServerCertificates *
pf_fake_server_certificates_new (GError **error)
{
  g_autoptr(PfFakeServerCertificates) self = g_new0 (PfFakeServerCertificates, 1);
  g_autofree char *extensions = NULL;
  static const char server_ext[] =
    "basicConstraints=critical,CA:FALSE\n"
    "keyUsage=critical,digitalSignature\n"
    "extendedKeyUsage=serverAuth\n"
    "subjectAltName=IP:127.0.0.1,DNS:localhost\n";

  self->dir = g_dir_make_tmp ("pf-fake-server-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;

  extensions = g_build_filename (self->dir, "server.ext", NULL);
  if (!g_file_set_contents (extensions, server_ext, -1, error))
    return NULL;

  if (!make_ca_and_server (self->dir, "", error) ||
      !make_ca_and_server (self->dir, "other-", error))
    return NULL;

  self->ca_file = g_build_filename (self->dir, "ca.pem", NULL);
  self->cert_file = g_build_filename (self->dir, "server.pem", NULL);
  self->key_file = g_build_filename (self->dir, "server.key", NULL);
  self->other_ca_file = g_build_filename (self->dir, "other-ca.pem", NULL);
  self->other_cert_file = g_build_filename (self->dir, "other-server.pem", NULL);
  self->other_key_file = g_build_filename (self->dir, "other-server.key", NULL);

  return g_steal_pointer (&self);
}

/**
 * pf_fake_server_certificates_free:
 *
 * Frees @self and removes its directory.
 */
void
pf_fake_server_certificates_free (PfFakeServerCertificates *self)
{
  if (self == NULL)
    return;

  if (self->dir != NULL)
    {
      g_autoptr(GDir) dir = g_dir_open (self->dir, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (self->dir, name, NULL);

          if (g_unlink (path) != 0)
            g_warning ("Cannot remove %s: %s", path, g_strerror (errno));
        }
      if (g_rmdir (self->dir) != 0)
        g_warning ("Cannot remove %s: %s", self->dir, g_strerror (errno));
    }

  g_free (self->dir);
  g_free (self->ca_file);
  g_free (self->cert_file);
  g_free (self->key_file);
  g_free (self->other_ca_file);
  g_free (self->other_cert_file);
  g_free (self->other_key_file);
  g_free (self);
}
