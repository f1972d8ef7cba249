/* pf-store-writer.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "pf-store-private.h"

/*
 * Maildir delivery (https://cr.yp.to/proto/maildir.html): write into
 * tmp/ under a unique name, fsync the file, rename into cur/ and fsync
 * the directory, so a message file is either complete in cur/ or absent.
 * Flags live in the index, so the info part of the name stays ":2,".
 */

/* A minimal GOutputStream over a file descriptor (GUnixOutputStream is
 * not part of the core's dependencies). It does not own the descriptor. */

#define PF_TYPE_FD_OUTPUT_STREAM (pf_fd_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (PfFdOutputStream, pf_fd_output_stream, PF, FD_OUTPUT_STREAM, GOutputStream)

struct _PfFdOutputStream
{
  GOutputStream parent_instance;
  int           fd;
};

G_DEFINE_FINAL_TYPE (PfFdOutputStream, pf_fd_output_stream, G_TYPE_OUTPUT_STREAM)

static gssize
pf_fd_output_stream_write_fn (GOutputStream  *stream,
                              const void     *buffer,
                              gsize           count,
                              GCancellable   *cancellable,
                              GError        **error)
{
  PfFdOutputStream *self = PF_FD_OUTPUT_STREAM (stream);
  gssize written;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;

  do
    written = write (self->fd, buffer, count);
  while (written < 0 && errno == EINTR);

  if (written < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot write the message file: %s"), g_strerror (saved_errno));
      return -1;
    }

  return written;
}

static gboolean
pf_fd_output_stream_close_fn (GOutputStream  *stream,
                              GCancellable   *cancellable,
                              GError        **error)
{
  return TRUE;
}

static void
pf_fd_output_stream_class_init (PfFdOutputStreamClass *klass)
{
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  stream_class->write_fn = pf_fd_output_stream_write_fn;
  stream_class->close_fn = pf_fd_output_stream_close_fn;
}

static void
pf_fd_output_stream_init (PfFdOutputStream *self)
{
  self->fd = -1;
}

struct _PfStoreWriter
{
  char          *dir;        /* the folder's Maildir */
  char          *name;       /* unique base name */
  char          *tmp_path;
  int            fd;
  GOutputStream *stream;
  gboolean       committed;
  gboolean       cache;       /* a copy of server data: no fsync */
  gboolean       defer_dir;   /* no fsync of cur/: pf_store_sync_maildir() */
};

gboolean
_pf_store_fsync_dir (const char  *dir,
                     GError     **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved_errno;

  if (fd >= 0 && fsync (fd) == 0)
    {
      close (fd);
      return TRUE;
    }

  saved_errno = errno;
  if (fd >= 0)
    close (fd);
  g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_IO,
               _("Cannot sync the folder “%s”: %s"), dir, g_strerror (saved_errno));
  return FALSE;
}

char *
_pf_store_maildir_unique_name (void)
{
  static gint counter;
  g_autofree char *host = g_strdup (g_get_host_name ());
  gint64 now = g_get_real_time ();

  /* Maildir forbids '/' and ':' in the host part. */
  g_strdelimit (host, "/:", '_');

  return g_strdup_printf ("%" G_GINT64_FORMAT ".M%06" G_GINT64_FORMAT "P%dQ%d.%s",
                          now / G_USEC_PER_SEC, now % G_USEC_PER_SEC,
                          (int) getpid (), g_atomic_int_add (&counter, 1) + 1, host);
}

/* Creates <dir>/{tmp,new,cur}. */

gboolean
_pf_store_ensure_maildir (const char  *dir,
                          GError     **error)
{
  const char *subdirs[] = { "tmp", "new", "cur" };

  for (gsize i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (dir, subdirs[i], NULL);

      if (g_mkdir_with_parents (path, 0700) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_IO,
                       _("Cannot create the folder “%s”: %s"), path, g_strerror (saved_errno));
          return FALSE;
        }
    }

  return TRUE;
}

/* Opens a new file in <dir>/tmp. */

PfStoreWriter *
_pf_store_writer_new (const char  *dir,
                      GError     **error)
{
  PfStoreWriter *writer;

  if (!_pf_store_ensure_maildir (dir, error))
    return NULL;

  writer = g_new0 (PfStoreWriter, 1);
  writer->dir = g_strdup (dir);
  writer->name = _pf_store_maildir_unique_name ();
  writer->tmp_path = g_build_filename (dir, "tmp", writer->name, NULL);
  writer->fd = open (writer->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (writer->fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, PF_STORE_ERROR,
                   saved_errno == ENOSPC ? PF_STORE_ERROR_NO_SPACE : PF_STORE_ERROR_IO,
                   _("Cannot create the message file “%s”: %s"), writer->tmp_path,
                   g_strerror (saved_errno));
      g_clear_pointer (&writer->tmp_path, g_free);
      pf_store_writer_free (writer);
      return NULL;
    }

  writer->stream = g_object_new (PF_TYPE_FD_OUTPUT_STREAM, NULL);
  PF_FD_OUTPUT_STREAM (writer->stream)->fd = writer->fd;

  return writer;
}

/* A whole message into @maildir: @cache without any fsync, @defer_dir
 * with the file's fsync but not the directory's. */
static char *
write_whole_file (const char  *maildir,
                  GBytes      *data,
                  gboolean     cache,
                  gboolean     defer_dir,
                  GError     **error)
{
  g_autoptr(PfStoreWriter) writer = _pf_store_writer_new (maildir, error);
  gsize size;
  const guint8 *bytes = g_bytes_get_data (data, &size);

  if (writer == NULL)
    return NULL;
  writer->cache = cache;
  writer->defer_dir = defer_dir;
  if (!g_output_stream_write_all (writer->stream, bytes, size, NULL, NULL, error))
    return NULL;
  return pf_store_writer_commit (writer, NULL, error);
}

/**
 * pf_store_write_cache_file:
 * @maildir: a folder's Maildir, from pf_store_dup_maildir()
 * @data: the message
 * @error: return location for a #GError
 *
 * Writes a message that the server keeps anyway (an IMAP body downloaded
 * for offline reading) into @maildir: atomically (tmp/ and rename) but
 * without fsync, which would make downloading a whole mailbox crawl. A
 * crash may lose such a file; the index then finds it missing and the
 * body is fetched again. Thread-safe; call it from a worker thread.
 *
 * Returns: (transfer full): the absolute path, or %NULL with @error set
 */
char *
pf_store_write_cache_file (const char  *maildir,
                           GBytes      *data,
                           GError     **error)
{
  g_return_val_if_fail (maildir != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);

  return write_whole_file (maildir, data, TRUE, FALSE, error);
}

/**
 * pf_store_write_synced_file:
 * @maildir: a folder's Maildir, from pf_store_dup_maildir()
 * @data: the message
 * @error: return location for a #GError
 *
 * Writes a message that has no other copy (a POP3 download) into
 * @maildir: tmp/, fsync of the file, rename into cur/. The directory is
 * not fsynced here, so that many files cost one directory sync: call
 * pf_store_sync_maildir() before the index may refer to them.
 * Thread-safe; call it from a worker thread.
 *
 * Returns: (transfer full): the absolute path, or %NULL with @error set
 */
char *
pf_store_write_synced_file (const char  *maildir,
                            GBytes      *data,
                            GError     **error)
{
  g_return_val_if_fail (maildir != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);

  return write_whole_file (maildir, data, FALSE, TRUE, error);
}

/**
 * pf_store_sync_maildir:
 * @maildir: a folder's Maildir
 * @error: return location for a #GError
 *
 * Makes the names of the files pf_store_write_synced_file() put into
 * @maildir durable (fsync of `cur/`). Blocks on the disk.
 *
 * Returns: %TRUE, or %FALSE with @error set
 */
gboolean
pf_store_sync_maildir (const char  *maildir,
                       GError     **error)
{
  g_autofree char *cur_dir = NULL;

  g_return_val_if_fail (maildir != NULL, FALSE);

  cur_dir = g_build_filename (maildir, "cur", NULL);
  return _pf_store_fsync_dir (cur_dir, error);
}

/**
 * pf_store_writer_get_stream:
 * @writer: a #PfStoreWriter
 *
 * The stream to write the message to, for example as the sink of a POP3
 * RETR. Do not close it; pf_store_writer_commit() does.
 *
 * Returns: (transfer none): the stream into the temporary file
 */
GOutputStream *
pf_store_writer_get_stream (PfStoreWriter *writer)
{
  g_return_val_if_fail (writer != NULL, NULL);

  return writer->stream;
}

/**
 * pf_store_writer_commit:
 * @writer: a #PfStoreWriter
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Makes the message durable: fsync of the file, rename from `tmp/` into
 * `cur/`, fsync of `cur/`. Blocks on the disk; call it from a worker
 * thread or use pf_store_writer_commit_async(). On failure the temporary
 * file is removed.
 *
 * Returns: (transfer full): the absolute path of the message in `cur/`,
 *   or %NULL with @error set (%PF_STORE_ERROR_IO, %PF_STORE_ERROR_NO_SPACE)
 */
char *
pf_store_writer_commit (PfStoreWriter  *writer,
                        GCancellable   *cancellable,
                        GError        **error)
{
  g_autofree char *final_name = NULL;
  g_autofree char *final_path = NULL;
  g_autofree char *cur_dir = NULL;
  int saved_errno;

  g_return_val_if_fail (writer != NULL, NULL);
  g_return_val_if_fail (!writer->committed, NULL);

  if (writer->fd < 0 || g_cancellable_set_error_if_cancelled (cancellable, error))
    goto fail_quiet;

  if (!g_output_stream_is_closed (writer->stream) &&
      !g_output_stream_close (writer->stream, cancellable, error))
    goto fail_quiet;

  if (!writer->cache && fsync (writer->fd) != 0)
    goto fail;
  if (close (writer->fd) != 0)
    {
      writer->fd = -1;
      goto fail;
    }
  writer->fd = -1;

  final_name = g_strconcat (writer->name, ":2,", NULL);
  cur_dir = g_build_filename (writer->dir, "cur", NULL);
  final_path = g_build_filename (cur_dir, final_name, NULL);

  if (g_rename (writer->tmp_path, final_path) != 0)
    goto fail;

  writer->committed = TRUE;

  if (!writer->cache && !writer->defer_dir && !_pf_store_fsync_dir (cur_dir, error))
    {
      /* Not durable: do not report a message that may vanish on a crash. */
      g_unlink (final_path);
      writer->committed = FALSE;
      return NULL;
    }

  return g_steal_pointer (&final_path);

fail:
  saved_errno = errno;
  g_set_error (error, PF_STORE_ERROR,
               saved_errno == ENOSPC ? PF_STORE_ERROR_NO_SPACE : PF_STORE_ERROR_IO,
               _("Cannot store the message file: %s"), g_strerror (saved_errno));
fail_quiet:
  pf_store_writer_abort (writer);
  return NULL;
}

static void
commit_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  PfStoreWriter *writer = task_data;
  GError *error = NULL;
  char *path;

  path = pf_store_writer_commit (writer, cancellable, &error);
  if (path == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, path, g_free);
}

/**
 * pf_store_writer_commit_async:
 * @writer: a #PfStoreWriter; do not use it until the operation finishes
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done, on the thread-default main context
 * @user_data: data for @callback
 *
 * Runs pf_store_writer_commit() in a worker thread.
 */
void
pf_store_writer_commit_async (PfStoreWriter       *writer,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (writer != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_store_writer_commit_async);
  g_task_set_task_data (task, writer, NULL);
  g_task_run_in_thread (task, commit_worker);
}

/**
 * pf_store_writer_commit_finish:
 * @writer: a #PfStoreWriter
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the absolute path of the message, or %NULL
 */
char *
pf_store_writer_commit_finish (PfStoreWriter  *writer,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * pf_store_writer_abort:
 * @writer: a #PfStoreWriter
 *
 * Discards the message: closes and removes the temporary file. Does
 * nothing after a successful commit.
 */
void
pf_store_writer_abort (PfStoreWriter *writer)
{
  g_return_if_fail (writer != NULL);

  if (writer->committed)
    return;

  if (writer->stream != NULL && !g_output_stream_is_closed (writer->stream))
    g_output_stream_close (writer->stream, NULL, NULL);
  if (writer->fd >= 0)
    {
      close (writer->fd);
      writer->fd = -1;
    }
  if (writer->tmp_path != NULL)
    {
      g_unlink (writer->tmp_path);
      g_clear_pointer (&writer->tmp_path, g_free);
    }
}

/**
 * pf_store_writer_free:
 * @writer: (nullable): a #PfStoreWriter
 *
 * Frees @writer; an uncommitted message is discarded.
 */
void
pf_store_writer_free (PfStoreWriter *writer)
{
  if (writer == NULL)
    return;

  pf_store_writer_abort (writer);
  g_clear_object (&writer->stream);
  g_free (writer->tmp_path);
  g_free (writer->name);
  g_free (writer->dir);
  g_free (writer);
}
