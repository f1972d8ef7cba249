/* pf-net-reader.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-net"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pf-net-error.h"
#include "pf-net-reader.h"

static int io_priority = G_PRIORITY_DEFAULT;

/**
 * pf_net_set_io_priority:
 * @priority: a main-loop priority such as %G_PRIORITY_DEFAULT (the default)
 *
 * Sets the priority of the network I/O, and of the completion of the
 * calls built on it, started from now on. A window sets one below its
 * redraws' (%G_PRIORITY_DEFAULT_IDLE): mail arriving in the background
 * then fills the gaps between frames instead of delaying them.
 */
void
pf_net_set_io_priority (int priority)
{
  g_atomic_int_set (&io_priority, priority);
}

/**
 * pf_net_get_io_priority:
 *
 * Returns: the priority set with pf_net_set_io_priority()
 */
int
pf_net_get_io_priority (void)
{
  return g_atomic_int_get (&io_priority);
}

/*
 * A receive buffer over a stream, for line-based protocols with counted
 * literals (IMAP) and dot-terminated blocks (POP3, SMTP replies).
 *
 * Two ways to use it:
 *  - the fast path: peek at what is buffered and parse as much as possible
 *    synchronously (pf_net_reader_peek_line(), pf_net_reader_peek(),
 *    pf_net_reader_consume()), and only go back to the main loop with
 *    pf_net_reader_fill_async() when more bytes are needed. A FETCH of a
 *    whole folder is parsed this way without one main-loop round trip per
 *    line.
 *  - the convenient path: pf_net_reader_read_line_async() and
 *    pf_net_reader_read_bytes_async().
 *
 * Memory is bounded: the buffer never grows beyond the longest allowed line
 * plus one read, and literals either stream to a sink or are collected only
 * when the caller asks for exactly that many bytes.
 */

#define READ_CHUNK (64 * 1024)

struct _PfNetReader
{
  GObject       parent_instance;

  /* Owned */
  GInputStream *stream;
  guint8       *buffer;

  gsize         start;      /* first unread byte */
  gsize         end;        /* one past the last buffered byte */
  gsize         allocated;
  gsize         max_line;
  gsize         scanned;    /* bytes after start known to hold no newline */
  guint         busy : 1;   /* an async operation is pending */
};

G_DEFINE_FINAL_TYPE (PfNetReader, pf_net_reader, G_TYPE_OBJECT)

static void
pf_net_reader_finalize (GObject *object)
{
  PfNetReader *self = PF_NET_READER (object);

  g_clear_object (&self->stream);
  g_clear_pointer (&self->buffer, g_free);

  G_OBJECT_CLASS (pf_net_reader_parent_class)->finalize (object);
}

static void
pf_net_reader_class_init (PfNetReaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_net_reader_finalize;
}

static void
pf_net_reader_init (PfNetReader *self)
{
  self->max_line = PF_NET_READER_DEFAULT_MAX_LINE;
}

/**
 * pf_net_reader_new:
 * @stream: the stream to read from, usually a connection's input stream
 *
 * Returns: (transfer full): a new reader. It is the only reader of @stream:
 *   bytes it has buffered are gone from the stream.
 */
PfNetReader *
pf_net_reader_new (GInputStream *stream)
{
  PfNetReader *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);

  self = g_object_new (PF_TYPE_NET_READER, NULL);
  self->stream = g_object_ref (stream);

  return self;
}

/**
 * pf_net_reader_get_stream:
 *
 * Returns: (transfer none): the underlying stream
 */
GInputStream *
pf_net_reader_get_stream (PfNetReader *self)
{
  g_return_val_if_fail (PF_IS_NET_READER (self), NULL);

  return self->stream;
}

/**
 * pf_net_reader_set_max_line:
 * @self: a #PfNetReader
 * @max_line: the longest line accepted, in bytes, without the line end
 *
 * A longer line fails with %PF_NET_ERROR_PROTOCOL instead of growing the
 * buffer.
 */
void
pf_net_reader_set_max_line (PfNetReader *self,
                            gsize        max_line)
{
  g_return_if_fail (PF_IS_NET_READER (self));
  g_return_if_fail (max_line > 0);

  self->max_line = max_line;
}

gsize
pf_net_reader_get_max_line (PfNetReader *self)
{
  g_return_val_if_fail (PF_IS_NET_READER (self), 0);

  return self->max_line;
}

/**
 * pf_net_reader_peek:
 * @self: a #PfNetReader
 * @available: (out): the number of buffered bytes
 *
 * Returns: (transfer none): the buffered bytes, valid until the next
 *   consume or fill
 */
const guint8 *
pf_net_reader_peek (PfNetReader *self,
                    gsize       *available)
{
  g_return_val_if_fail (PF_IS_NET_READER (self), NULL);
  g_return_val_if_fail (available != NULL, NULL);

  *available = self->end - self->start;
  return self->buffer != NULL ? self->buffer + self->start : (const guint8 *) "";
}

/**
 * pf_net_reader_get_available:
 *
 * Returns: how many bytes are buffered and not yet consumed. After a
 *   STARTTLS reply this must be 0: anything else was injected before the
 *   handshake.
 */
gsize
pf_net_reader_get_available (PfNetReader *self)
{
  g_return_val_if_fail (PF_IS_NET_READER (self), 0);

  return self->end - self->start;
}

/**
 * pf_net_reader_consume:
 * @self: a #PfNetReader
 * @count: how many buffered bytes to drop; at most what is available
 */
void
pf_net_reader_consume (PfNetReader *self,
                       gsize        count)
{
  g_return_if_fail (PF_IS_NET_READER (self));
  g_return_if_fail (count <= self->end - self->start);

  self->start += count;
  self->scanned = self->scanned > count ? self->scanned - count : 0;
  if (self->start == self->end)
    self->start = self->end = 0;
}

/**
 * pf_net_reader_peek_line:
 * @self: a #PfNetReader
 * @line: (out) (transfer none): the line, without CRLF (or a bare LF);
 *   not NUL-terminated; valid until the next consume or fill
 * @length: (out): its length
 * @consumed: (out): how many bytes to consume to drop it with its line end
 * @error: return location for an error
 *
 * Looks for a complete line in the buffer, without reading.
 *
 * Returns: %TRUE if a line is buffered; %FALSE with @error unset if more
 *   bytes are needed, or with %PF_NET_ERROR_PROTOCOL set if the line is
 *   longer than the maximum.
 */
gboolean
pf_net_reader_peek_line (PfNetReader  *self,
                         const char  **line,
                         gsize        *length,
                         gsize        *consumed,
                         GError      **error)
{
  const guint8 *data;
  const guint8 *newline;
  gsize available;
  gsize len;

  g_return_val_if_fail (PF_IS_NET_READER (self), FALSE);

  data = pf_net_reader_peek (self, &available);
  /* Only look at what arrived since the last look: a long line arriving
   * in small pieces must not be scanned again and again. */
  newline = available > self->scanned
    ? memchr (data + self->scanned, '\n', available - self->scanned)
    : NULL;

  if (newline == NULL)
    {
      self->scanned = available;
      if (available > self->max_line + 1)
        {
          g_set_error (error, PF_NET_ERROR, PF_NET_ERROR_PROTOCOL,
                       _("The server sent a line longer than %lu bytes"),
                       (gulong) self->max_line);
        }
      return FALSE;
    }

  len = newline - data;
  *consumed = len + 1;
  if (len > 0 && data[len - 1] == '\r')
    len--;

  if (len > self->max_line)
    {
      g_set_error (error, PF_NET_ERROR, PF_NET_ERROR_PROTOCOL,
                   _("The server sent a line longer than %lu bytes"),
                   (gulong) self->max_line);
      return FALSE;
    }

  *line = (const char *) data;
  *length = len;
  return TRUE;
}

/* Makes room for one more read: drops consumed bytes, then grows, but never
 * beyond the longest line plus a read. */
static gboolean
make_room (PfNetReader  *self,
           GError      **error)
{
  gsize available = self->end - self->start;
  gsize limit = self->max_line + 2 + READ_CHUNK;
  gsize wanted;

  if (self->start > 0 && (self->allocated - self->end < READ_CHUNK))
    {
      memmove (self->buffer, self->buffer + self->start, available);
      self->start = 0;
      self->end = available;
    }

  if (self->allocated - self->end >= READ_CHUNK / 4 && self->allocated > 0)
    return TRUE;

  if (self->allocated >= limit)
    {
      g_set_error (error, PF_NET_ERROR, PF_NET_ERROR_PROTOCOL,
                   _("The server sent a line longer than %lu bytes"),
                   (gulong) self->max_line);
      return FALSE;
    }

  wanted = MAX (self->allocated * 2, (gsize) READ_CHUNK);
  wanted = MIN (wanted, limit);
  self->buffer = g_realloc (self->buffer, wanted);
  self->allocated = wanted;

  return TRUE;
}

static void
fill_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfNetReader *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  gssize n;

  self->busy = FALSE;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (n < 0)
    {
      g_task_return_error (task, pf_net_error_from_io (g_steal_pointer (&error)));
      return;
    }
  if (n == 0)
    {
      g_task_return_new_error (task, PF_NET_ERROR, PF_NET_ERROR_CONNECTION_LOST,
                               _("The server closed the connection"));
      return;
    }

  self->end += n;
  g_task_return_boolean (task, TRUE);
}

/**
 * pf_net_reader_fill_async:
 * @self: a #PfNetReader
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when at least one more byte is buffered, or on error
 * @user_data: data for @callback
 *
 * Reads whatever the peer has sent, at most one chunk. The end of the
 * stream is an error (%PF_NET_ERROR_CONNECTION_LOST): every protocol here
 * knows when the peer is done.
 */
void
pf_net_reader_fill_async (PfNetReader         *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PF_IS_NET_READER (self));
  g_return_if_fail (!self->busy);

  task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_priority (task, pf_net_get_io_priority ());
  g_task_set_source_tag (task, pf_net_reader_fill_async);

  if (!make_room (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->busy = TRUE;
  g_input_stream_read_async (self->stream,
                             self->buffer + self->end,
                             self->allocated - self->end,
                             pf_net_get_io_priority (), cancellable,
                             fill_cb, g_steal_pointer (&task));
}

gboolean
pf_net_reader_fill_finish (PfNetReader   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (PF_IS_NET_READER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* read_line */

static void read_line_step (GTask *task);

static void
read_line_fill_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_net_reader_fill_finish (PF_NET_READER (object), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    read_line_step (g_steal_pointer (&task));
}

typedef struct
{
  char  *line;
  gsize  length;
} LineResult;

static void
line_result_free (LineResult *lr)
{
  g_free (lr->line);
  g_free (lr);
}

static void
read_line_step (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  PfNetReader *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable;
  const char *line;
  gsize length;
  gsize consumed;

  if (pf_net_reader_peek_line (self, &line, &length, &consumed, &error))
    {
      LineResult *lr = g_new0 (LineResult, 1);

      /* Not g_strndup(): a line may contain NUL. */
      lr->line = g_malloc (length + 1);
      memcpy (lr->line, line, length);
      lr->line[length] = '\0';
      lr->length = length;
      pf_net_reader_consume (self, consumed);
      g_task_return_pointer (task, lr, (GDestroyNotify) line_result_free);
      return;
    }

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Not g_task_get_cancellable() in the same call as g_steal_pointer():
   * the order in which arguments are evaluated is unspecified. */
  cancellable = g_task_get_cancellable (task);
  pf_net_reader_fill_async (self, cancellable, read_line_fill_cb, g_steal_pointer (&task));
}

/**
 * pf_net_reader_read_line_async:
 * @self: a #PfNetReader
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the next line
 * @user_data: data for @callback
 *
 * Reads the next line, reading from the stream as needed.
 */
void
pf_net_reader_read_line_async (PfNetReader         *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PF_IS_NET_READER (self));

  task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_priority (task, pf_net_get_io_priority ());
  g_task_set_source_tag (task, pf_net_reader_read_line_async);
  /* A line taken from the buffer is returned even if the cancellable
   * fired meanwhile: otherwise it would be lost. */
  g_task_set_check_cancellable (task, FALSE);
  read_line_step (task);
}

/**
 * pf_net_reader_read_line_finish:
 * @self: a #PfNetReader
 * @result: the result
 * @length: (out) (optional): the line's length; a line may contain NUL
 * @error: return location for an error
 *
 * Returns: (transfer full): the line without its line end, NUL-terminated
 */
char *
pf_net_reader_read_line_finish (PfNetReader   *self,
                                GAsyncResult  *result,
                                gsize         *length,
                                GError       **error)
{
  LineResult *lr;
  char *line;

  g_return_val_if_fail (PF_IS_NET_READER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  lr = g_task_propagate_pointer (G_TASK (result), error);
  if (lr == NULL)
    return NULL;

  line = g_steal_pointer (&lr->line);
  if (length != NULL)
    *length = lr->length;
  line_result_free (lr);

  return line;
}

/* read_bytes */

typedef struct
{
  GOutputStream *sink;
  GByteArray    *collected;
  gsize          remaining;
  gsize          writing;   /* bytes handed to the sink, consumed once written */
} ReadBytes;

static void
read_bytes_free (ReadBytes *rb)
{
  g_clear_object (&rb->sink);
  g_clear_pointer (&rb->collected, g_byte_array_unref);
  g_free (rb);
}

static void read_bytes_step (GTask *task);

static void
read_bytes_fill_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_net_reader_fill_finish (PF_NET_READER (object), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    read_bytes_step (g_steal_pointer (&task));
}

static void
read_bytes_write_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfNetReader *self = g_task_get_source_object (task);
  ReadBytes *rb = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  self->busy = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  pf_net_reader_consume (self, rb->writing);
  rb->remaining -= rb->writing;
  rb->writing = 0;
  read_bytes_step (g_steal_pointer (&task));
}

static void
read_bytes_step (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  PfNetReader *self = g_task_get_source_object (task);
  ReadBytes *rb = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  const guint8 *data;
  gsize available;
  gsize take;

  if (rb->remaining == 0)
    {
      if (rb->collected != NULL)
        g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&rb->collected)),
                               (GDestroyNotify) g_bytes_unref);
      else
        g_task_return_pointer (task, NULL, NULL);
      return;
    }

  data = pf_net_reader_peek (self, &available);
  if (available == 0)
    {
      pf_net_reader_fill_async (self, cancellable, read_bytes_fill_cb, g_steal_pointer (&task));
      return;
    }

  take = MIN (available, rb->remaining);

  if (rb->sink != NULL)
    {
      /* The bytes stay in the buffer until written: no fill meanwhile. */
      self->busy = TRUE;
      rb->writing = take;
      g_output_stream_write_all_async (rb->sink, data, take, pf_net_get_io_priority (), cancellable,
                                       read_bytes_write_cb, g_steal_pointer (&task));
      return;
    }

  g_byte_array_append (rb->collected, data, take);
  pf_net_reader_consume (self, take);
  rb->remaining -= take;
  read_bytes_step (g_steal_pointer (&task));
}

/**
 * pf_net_reader_read_bytes_async:
 * @self: a #PfNetReader
 * @count: exactly how many bytes to read
 * @sink: (nullable): where the bytes go; with %NULL they are collected
 *   into memory, so pass %NULL only for a @count you are ready to hold
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when all @count bytes are read
 * @user_data: data for @callback
 *
 * Reads a counted block (an IMAP literal, say), through the buffer.
 */
void
pf_net_reader_read_bytes_async (PfNetReader         *self,
                                gsize                count,
                                GOutputStream       *sink,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;
  ReadBytes *rb;

  g_return_if_fail (PF_IS_NET_READER (self));
  g_return_if_fail (sink == NULL || G_IS_OUTPUT_STREAM (sink));
  g_return_if_fail (!self->busy);

  rb = g_new0 (ReadBytes, 1);
  rb->remaining = count;
  if (sink != NULL)
    rb->sink = g_object_ref (sink);
  else
    rb->collected = g_byte_array_sized_new (MIN (count, (gsize) READ_CHUNK));

  task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_priority (task, pf_net_get_io_priority ());
  g_task_set_source_tag (task, pf_net_reader_read_bytes_async);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, rb, (GDestroyNotify) read_bytes_free);
  read_bytes_step (task);
}

/**
 * pf_net_reader_read_bytes_finish:
 *
 * Returns: (transfer full) (nullable): the bytes when no sink was given;
 *   %NULL when they went to the sink, or on error
 */
GBytes *
pf_net_reader_read_bytes_finish (PfNetReader   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (PF_IS_NET_READER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
