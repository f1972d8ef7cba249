/* pf-mime-input-stream.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-mime"

#include "config.h"

#include "pf-mime-input-stream.h"

/*
 * A read-only, forward-only GMimeStream over a GInputStream, so that
 * GMimeParser reads a message as it arrives instead of from a copy of the
 * whole file. GMime's own GMimeStreamGIO only opens GFiles.
 *
 * GMimeStream reports failure as -1 without a reason; the first GError
 * of the underlying stream is kept for pf_mime_input_stream_get_error().
 */

struct _PfMimeInputStream
{
  GMimeStream   parent_instance;

  /* Owned */
  GInputStream *stream;
  GCancellable *cancellable;
  GError       *error;

  gboolean      eos;
};

G_DEFINE_FINAL_TYPE (PfMimeInputStream, pf_mime_input_stream, GMIME_TYPE_STREAM)

static ssize_t
pf_mime_input_stream_read (GMimeStream *stream,
                           char        *buf,
                           size_t       len)
{
  PfMimeInputStream *self = PF_MIME_INPUT_STREAM (stream);
  gssize n;

  if (self->eos || self->error != NULL)
    return self->error != NULL ? -1 : 0;

  n = g_input_stream_read (self->stream, buf, MIN (len, G_MAXSSIZE), self->cancellable,
                           &self->error);
  if (n < 0)
    return -1;
  if (n == 0)
    self->eos = TRUE;
  stream->position += n;
  return n;
}

static ssize_t
pf_mime_input_stream_write (GMimeStream *stream,
                            const char  *buf,
                            size_t       len)
{
  return -1;
}

static int
pf_mime_input_stream_flush (GMimeStream *stream)
{
  return 0;
}

static int
pf_mime_input_stream_close (GMimeStream *stream)
{
  /* The caller owns the GInputStream and closes it. */
  return 0;
}

static gboolean
pf_mime_input_stream_eos (GMimeStream *stream)
{
  PfMimeInputStream *self = PF_MIME_INPUT_STREAM (stream);

  return self->eos || self->error != NULL;
}

static int
pf_mime_input_stream_reset (GMimeStream *stream)
{
  return stream->position == 0 ? 0 : -1;
}

static gint64
pf_mime_input_stream_seek (GMimeStream     *stream,
                           gint64           offset,
                           GMimeSeekWhence  whence)
{
  /* Forward-only: GMimeParser then keeps part contents in memory. */
  return -1;
}

static gint64
pf_mime_input_stream_tell (GMimeStream *stream)
{
  return stream->position;
}

static gint64
pf_mime_input_stream_length (GMimeStream *stream)
{
  return -1;
}

static GMimeStream *
pf_mime_input_stream_substream (GMimeStream *stream,
                                gint64       start,
                                gint64       end)
{
  return NULL;
}

static void
pf_mime_input_stream_finalize (GObject *object)
{
  PfMimeInputStream *self = PF_MIME_INPUT_STREAM (object);

  g_clear_object (&self->stream);
  g_clear_object (&self->cancellable);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (pf_mime_input_stream_parent_class)->finalize (object);
}

static void
pf_mime_input_stream_class_init (PfMimeInputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GMimeStreamClass *stream_class = GMIME_STREAM_CLASS (klass);

  object_class->finalize = pf_mime_input_stream_finalize;

  stream_class->read = pf_mime_input_stream_read;
  stream_class->write = pf_mime_input_stream_write;
  stream_class->flush = pf_mime_input_stream_flush;
  stream_class->close = pf_mime_input_stream_close;
  stream_class->eos = pf_mime_input_stream_eos;
  stream_class->reset = pf_mime_input_stream_reset;
  stream_class->seek = pf_mime_input_stream_seek;
  stream_class->tell = pf_mime_input_stream_tell;
  stream_class->length = pf_mime_input_stream_length;
  stream_class->substream = pf_mime_input_stream_substream;
}

static void
pf_mime_input_stream_init (PfMimeInputStream *self)
{
}

/**
 * pf_mime_input_stream_new:
 * @stream: the stream to read
 * @cancellable: (nullable): cancels the reads
 *
 * Returns: (transfer full): a new GMimeStream that reads @stream from its
 *   current position on
 */
GMimeStream *
pf_mime_input_stream_new (GInputStream *stream,
                          GCancellable *cancellable)
{
  PfMimeInputStream *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  self = g_object_new (PF_TYPE_MIME_INPUT_STREAM, NULL);
  g_mime_stream_construct (GMIME_STREAM (self), 0, -1);
  self->stream = g_object_ref (stream);
  self->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;

  return GMIME_STREAM (self);
}

/**
 * pf_mime_input_stream_get_error:
 * @self: a #PfMimeInputStream
 * @error: return location for the error
 *
 * Returns: %FALSE (and sets @error) if reading the underlying stream
 *   failed or was cancelled, %TRUE otherwise
 */
gboolean
pf_mime_input_stream_get_error (PfMimeInputStream  *self,
                                GError            **error)
{
  g_return_val_if_fail (PF_IS_MIME_INPUT_STREAM (self), FALSE);

  if (self->error == NULL)
    return TRUE;
  if (error != NULL)
    *error = g_error_copy (self->error);
  return FALSE;
}
