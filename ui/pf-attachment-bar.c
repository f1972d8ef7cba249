/* pf-attachment-bar.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-preview-pane"

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "pf-preview-pane-private.h"

/*
 * The attachments of the shown message: type icon, name, size; Open
 * (a private copy in the cache directory, handed to the default
 * application or the OpenURI portal), Save, Save All. Content is written
 * in worker threads. File names come from the sender: they are cleaned
 * before they name a file here.
 */

/* Bytes of a file name we make, before its extension is kept. */
#define MAX_NAME_BYTES 200

typedef struct
{
  char      *part_id;
  char      *name;      /* sanitized */
  GtkWidget *name_label;
  GtkWidget *size_label;
  GtkWidget *icon;
} Item;

struct _PfAttachmentBar
{
  GtkWidget      parent_instance;

  /* Owned */
  PfMimeMessage *message;
  GPtrArray     *items;        /* Item */
  GCancellable  *cancellable;  /* cancelled in dispose and on a new message */

  /* Template children */
  GtkWidget     *box;
  GtkLabel      *title_label;
  GtkFlowBox    *flow_box;
};

G_DEFINE_FINAL_TYPE (PfAttachmentBar, pf_attachment_bar, GTK_TYPE_WIDGET)

enum
{
  ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
item_free (Item *item)
{
  g_free (item->part_id);
  g_free (item->name);
  g_free (item);
}

/* File names */

/**
 * _pf_attachment_bar_sanitize_filename:
 * @name: (nullable): a file name from a message
 *
 * A name safe to create in a directory: valid UTF-8 with no directory
 * separators, no control or invisible formatting characters (which could
 * hide the real extension), no leading dots or spaces, at most about
 * 200 bytes with the extension kept. Never empty.
 *
 * Returns: (transfer full): the name
 */
char *
_pf_attachment_bar_sanitize_filename (const char *name)
{
  g_autofree char *valid = g_utf8_make_valid (name != NULL ? name : "", -1);
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p;
  const char *ext;

  for (p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '/' || c == '\\')
        g_string_append_c (out, '_');
      else if (g_unichar_iscntrl (c) || g_unichar_type (c) == G_UNICODE_FORMAT ||
               c == 0x2028 || c == 0x2029)
        continue;
      else if (out->len == 0 && (c == '.' || g_unichar_isspace (c)))
        continue;
      else
        g_string_append_unichar (out, c);
    }
  while (out->len > 0 && (out->str[out->len - 1] == ' ' || out->str[out->len - 1] == '.'))
    g_string_truncate (out, out->len - 1);

  if (out->len > MAX_NAME_BYTES)
    {
      g_autofree char *extension = NULL;
      const char *cut;
      gsize keep;

      ext = strrchr (out->str, '.');
      if (ext != NULL && strlen (ext) <= 16)
        extension = g_strdup (ext);
      keep = MAX_NAME_BYTES - (extension != NULL ? strlen (extension) : 0);
      cut = g_utf8_find_prev_char (out->str, out->str + keep + 1);
      g_string_truncate (out, cut != NULL ? (gsize) (cut - out->str) : 0);
      if (extension != NULL)
        g_string_append (out, extension);
    }

  if (out->len == 0)
    /* Translators: the file name of an attachment that has none */
    g_string_append (out, _("attachment"));

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * _pf_attachment_bar_dup_filename:
 * @part: an attachment
 *
 * Returns: (transfer full): the sanitized name to show and to save as
 */
char *
_pf_attachment_bar_dup_filename (PfMimePart *part)
{
  g_autofree char *name = NULL;

  if (part->filename != NULL && part->filename[0] != '\0')
    return _pf_attachment_bar_sanitize_filename (part->filename);

  if (part->kind == PF_MIME_PART_KIND_MESSAGE)
    {
      const char *subject = part->headers != NULL ? part->headers->subject : NULL;

      /* Translators: the file name of an attached message without subject */
      name = g_strconcat (subject != NULL && subject[0] != '\0' ? subject : _("Message"), ".eml",
                          NULL);
      return _pf_attachment_bar_sanitize_filename (name);
    }

  return _pf_attachment_bar_sanitize_filename (NULL);
}

/* "name (2).ext" */
static char *
numbered_name (const char *name,
               guint       n)
{
  const char *dot = strrchr (name, '.');

  if (n < 2)
    return g_strdup (name);
  if (dot == NULL || dot == name)
    return g_strdup_printf ("%s (%u)", name, n);
  return g_strdup_printf ("%.*s (%u)%s", (int) (dot - name), name, n, dot);
}

/* Errors */

static void
report_error (PfAttachmentBar *self,
              const char      *format,
              const char      *name,
              const GError    *error)
{
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  message = g_strdup_printf (format, name, error->message);
  g_signal_emit (self, signals[ERROR], 0, message);
}

static Item *
find_item (PfAttachmentBar *self,
           const char      *part_id)
{
  guint i;

  for (i = 0; i < self->items->len; i++)
    {
      Item *item = g_ptr_array_index (self->items, i);

      if (g_strcmp0 (item->part_id, part_id) == 0)
        return item;
    }
  return NULL;
}

/* Open: a private copy, then the default application */

/**
 * _pf_attachment_bar_write_temp_file:
 * @message: a message
 * @part_id: one of its parts
 * @name: the file name to use (sanitized)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Writes the part's content to a new directory below
 * `$XDG_CACHE_HOME/postfach/open/`, readable by the user alone (0700
 * directories, a 0600 file). Blocks: worker threads only.
 *
 * Returns: (transfer full): the path of the file, or %NULL with @error set
 */
char *
_pf_attachment_bar_write_temp_file (PfMimeMessage  *message,
                                    const char     *part_id,
                                    const char     *name,
                                    GCancellable   *cancellable,
                                    GError        **error)
{
  g_autofree char *base = g_build_filename (g_get_user_cache_dir (), "postfach", "open", NULL);
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GBytes) content = NULL;
  gconstpointer data;
  gsize length;

  content = pf_mime_message_dup_part_content (message, part_id, error);
  if (content == NULL)
    return NULL;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (g_mkdir_with_parents (base, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "%s", g_strerror (saved_errno));
      return NULL;
    }
  dir = g_build_filename (base, "XXXXXX", NULL);
  if (g_mkdtemp_full (dir, 0700) == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "%s", g_strerror (saved_errno));
      return NULL;
    }

  path = g_build_filename (dir, name, NULL);
  data = g_bytes_get_data (content, &length);
  if (!g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_NONE, 0600, error))
    return NULL;

  return g_steal_pointer (&path);
}

typedef struct
{
  PfMimeMessage *message;
  char          *part_id;
  char          *name;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_clear_object (&data->message);
  g_free (data->part_id);
  g_free (data->name);
  g_free (data);
}

static void
open_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpenData *data = task_data;
  GError *error = NULL;
  char *path;

  path = _pf_attachment_bar_write_temp_file (data->message, data->part_id, data->name,
                                             cancellable, &error);
  if (path == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, path, g_free);
}

static void
uri_shown_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfAttachmentBar *self = g_task_get_source_object (task);
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (object != NULL ? GTK_WINDOW (object) : NULL, result, &error))
    report_error (self, _("Cannot open “%s”: %s"), data->name, error);
}

static void
temp_file_written_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  PfAttachmentBar *self = PF_ATTACHMENT_BAR (object);
  g_autoptr(GTask) task = g_object_ref (G_TASK (result));
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *uri = NULL;
  GtkRoot *root;

  path = g_task_propagate_pointer (task, &error);
  if (path == NULL)
    {
      report_error (self, _("Cannot open “%s”: %s"), data->name, error);
      return;
    }

  root = gtk_widget_get_root (GTK_WIDGET (self));
  uri = g_filename_to_uri (path, NULL, NULL);
  gtk_show_uri_full (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME,
                     NULL, uri_shown_cb, g_steal_pointer (&task));
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PfAttachmentBar *self = PF_ATTACHMENT_BAR (widget);
  Item *item = find_item (self, g_variant_get_string (parameter, NULL));
  g_autoptr(GTask) task = NULL;
  OpenData *data;

  if (item == NULL || self->message == NULL)
    return;

  data = g_new0 (OpenData, 1);
  data->message = g_object_ref (self->message);
  data->part_id = g_strdup (item->part_id);
  data->name = g_strdup (item->name);

  task = g_task_new (self, self->cancellable, temp_file_written_cb, NULL);
  g_task_set_source_tag (task, open_action);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);
  g_task_run_in_thread (task, open_worker);
}

/* Save */

typedef struct
{
  PfMimeMessage *message;
  char          *part_id;
  GFile         *file;
  GOutputStream *stream;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->message);
  g_free (data->part_id);
  g_clear_object (&data->file);
  g_clear_object (&data->stream);
  g_free (data);
}

/* On failure, the half-written file goes (a replaced one stays). */
static void
discard_stream (GOutputStream *stream)
{
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();

  g_cancellable_cancel (cancelled);
  g_output_stream_close_async (stream, G_PRIORITY_DEFAULT, cancelled, NULL, NULL);
}

static void
save_closed_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (object), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
save_written_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SaveData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  if (!pf_mime_message_write_part_finish (PF_MIME_MESSAGE (object), result, &error))
    {
      discard_stream (data->stream);
      g_task_return_error (task, error);
      return;
    }
  g_output_stream_close_async (data->stream, G_PRIORITY_DEFAULT, cancellable,
                               save_closed_cb, g_steal_pointer (&task));
}

static void
save_replaced_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SaveData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  data->stream = G_OUTPUT_STREAM (g_file_replace_finish (G_FILE (object), result, &error));
  if (data->stream == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  pf_mime_message_write_part_async (data->message, data->part_id, data->stream,
                                    cancellable, save_written_cb,
                                    g_steal_pointer (&task));
}

/**
 * _pf_attachment_bar_save_part_async:
 * @self: a #PfAttachmentBar
 * @part_id: an attachment of the shown message
 * @file: where to save it; replaced if it exists
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Writes the decoded content of the part into @file (in a worker thread).
 */
void
_pf_attachment_bar_save_part_async (PfAttachmentBar     *self,
                                    const char          *part_id,
                                    GFile               *file,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveData *data;

  g_return_if_fail (PF_IS_ATTACHMENT_BAR (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pf_attachment_bar_save_part_async);
  if (self->message == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No message is shown"));
      return;
    }

  data = g_new0 (SaveData, 1);
  data->message = g_object_ref (self->message);
  data->part_id = g_strdup (part_id);
  data->file = g_object_ref (file);
  g_task_set_task_data (task, data, (GDestroyNotify) save_data_free);

  g_file_replace_async (file, NULL, FALSE, G_FILE_CREATE_NONE, G_PRIORITY_DEFAULT, cancellable,
                        save_replaced_cb, g_steal_pointer (&task));
}

gboolean
_pf_attachment_bar_save_part_finish (PfAttachmentBar  *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
part_saved_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  PfAttachmentBar *self = PF_ATTACHMENT_BAR (object);
  g_autofree char *name = user_data;
  g_autoptr(GError) error = NULL;

  if (!_pf_attachment_bar_save_part_finish (self, result, &error))
    report_error (self, _("Cannot save “%s”: %s"), name, error);
}

static void
on_save_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     gpointer         user_data)
{
  PfAttachmentBar *self = PF_ATTACHMENT_BAR (user_data);
  const char *part_id = g_object_get_data (G_OBJECT (dialog), "pf-part-id");
  Item *item = find_item (self, part_id);

  if (response == GTK_RESPONSE_ACCEPT && item != NULL)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      _pf_attachment_bar_save_part_async (self, item->part_id, file, self->cancellable,
                                          part_saved_cb, g_strdup (item->name));
    }

  g_object_unref (dialog);
  g_object_unref (self);
}

static GtkWindow *
parent_window (PfAttachmentBar *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PfAttachmentBar *self = PF_ATTACHMENT_BAR (widget);
  Item *item = find_item (self, g_variant_get_string (parameter, NULL));
  GtkFileChooserNative *chooser;

  if (item == NULL)
    return;

  chooser = gtk_file_chooser_native_new (_("Save Attachment"), parent_window (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), item->name);
  g_object_set_data_full (G_OBJECT (chooser), "pf-part-id", g_strdup (item->part_id), g_free);
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Save All: into a folder, under names not taken there yet */

typedef struct
{
  PfMimeMessage *message;
  GFile         *folder;
  GPtrArray     *items;    /* part id, name pairs as char*: 2 per attachment */
  GHashTable    *used;     /* names written by this run */
  guint          index;
  guint          attempt;
  char          *name;     /* the name being tried */
  GOutputStream *stream;
} SaveAllData;

static void
save_all_data_free (SaveAllData *data)
{
  g_clear_object (&data->message);
  g_clear_object (&data->folder);
  g_clear_pointer (&data->items, g_ptr_array_unref);
  g_clear_pointer (&data->used, g_hash_table_unref);
  g_free (data->name);
  g_clear_object (&data->stream);
  g_free (data);
}

static void save_all_next (GTask *task);

static void
save_all_closed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SaveAllData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_clear_object (&data->stream);
  data->index += 2;
  data->attempt = 1;
  save_all_next (g_steal_pointer (&task));
}

static void
save_all_written_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SaveAllData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  if (!pf_mime_message_write_part_finish (PF_MIME_MESSAGE (object), result, &error))
    {
      discard_stream (data->stream);
      g_task_return_error (task, error);
      return;
    }
  g_output_stream_close_async (data->stream, G_PRIORITY_DEFAULT, cancellable,
                               save_all_closed_cb, g_steal_pointer (&task));
}

static void
save_all_created_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SaveAllData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  data->stream = G_OUTPUT_STREAM (g_file_create_finish (G_FILE (object), result, &error));
  if (data->stream == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS) && data->attempt < 1000)
        {
          g_clear_error (&error);
          data->attempt++;
          save_all_next (g_steal_pointer (&task));
        }
      else
        g_task_return_error (task, error);
      return;
    }

  g_hash_table_add (data->used, g_strdup (data->name));
  pf_mime_message_write_part_async (data->message, g_ptr_array_index (data->items, data->index),
                                    data->stream, cancellable,
                                    save_all_written_cb, g_steal_pointer (&task));
}

static void
save_all_next (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  SaveAllData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  const char *name;
  g_autoptr(GFile) file = NULL;

  if (data->index >= data->items->len)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  name = g_ptr_array_index (data->items, data->index + 1);
  do
    {
      g_free (data->name);
      data->name = numbered_name (name, data->attempt++);
    }
  while (g_hash_table_contains (data->used, data->name));
  data->attempt--;

  file = g_file_get_child (data->folder, data->name);
  g_file_create_async (file, G_FILE_CREATE_NONE, G_PRIORITY_DEFAULT,
                       cancellable, save_all_created_cb,
                       g_steal_pointer (&task));
}

/**
 * _pf_attachment_bar_save_all_async:
 * @self: a #PfAttachmentBar
 * @folder: a directory
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Saves every attachment into @folder, one after the other. A name that
 * is taken (by an existing file or an earlier attachment) gets a number:
 * "report (2).pdf". Existing files are never replaced.
 */
void
_pf_attachment_bar_save_all_async (PfAttachmentBar     *self,
                                   GFile               *folder,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveAllData *data;
  guint i;

  g_return_if_fail (PF_IS_ATTACHMENT_BAR (self));
  g_return_if_fail (G_IS_FILE (folder));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _pf_attachment_bar_save_all_async);
  if (self->message == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No message is shown"));
      return;
    }

  data = g_new0 (SaveAllData, 1);
  data->message = g_object_ref (self->message);
  data->folder = g_object_ref (folder);
  data->items = g_ptr_array_new_with_free_func (g_free);
  data->used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  data->attempt = 1;
  for (i = 0; i < self->items->len; i++)
    {
      Item *item = g_ptr_array_index (self->items, i);

      g_ptr_array_add (data->items, g_strdup (item->part_id));
      g_ptr_array_add (data->items, g_strdup (item->name));
    }
  g_task_set_task_data (task, data, (GDestroyNotify) save_all_data_free);

  save_all_next (g_steal_pointer (&task));
}

gboolean
_pf_attachment_bar_save_all_finish (PfAttachmentBar  *self,
                                    GAsyncResult     *result,
                                    GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
all_saved_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  PfAttachmentBar *self = PF_ATTACHMENT_BAR (object);
  g_autoptr(GFile) folder = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  if (!_pf_attachment_bar_save_all_finish (self, result, &error))
    {
      name = g_file_get_parse_name (folder);
      report_error (self, _("Cannot save the attachments in “%s”: %s"), name, error);
    }
}

static void
on_save_all_response_cb (GtkNativeDialog *dialog,
                         int              response,
                         gpointer         user_data)
{
  PfAttachmentBar *self = PF_ATTACHMENT_BAR (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      GFile *folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (folder != NULL)
        _pf_attachment_bar_save_all_async (self, folder, self->cancellable, all_saved_cb, folder);
    }

  g_object_unref (dialog);
  g_object_unref (self);
}

static void
save_all_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  PfAttachmentBar *self = PF_ATTACHMENT_BAR (widget);
  GtkFileChooserNative *chooser;

  if (self->items->len == 0)
    return;

  chooser = gtk_file_chooser_native_new (_("Save All Attachments"), parent_window (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Save"),
                                         _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_all_response_cb),
                    g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Items */

static GtkWidget *
icon_button_new (const char *icon_name,
                 const char *action_name,
                 const char *part_id,
                 const char *tooltip,
                 const char *accessible_label)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible_label, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action_name);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", part_id);
  return button;
}

static GtkWidget *
item_widget_new (Item       *item,
                 PfMimePart *part)
{
  g_autofree char *content_type = g_content_type_from_mime_type (part->content_type);
  g_autofree char *size = g_format_size (part->size);
  g_autofree char *open_label = NULL;
  g_autofree char *save_label = NULL;
  g_autoptr(GIcon) gicon = NULL;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gicon = g_content_type_get_symbolic_icon (content_type != NULL ? content_type
                                                                 : part->content_type);
  item->icon = gtk_image_new_from_gicon (gicon);
  gtk_image_set_icon_size (GTK_IMAGE (item->icon), GTK_ICON_SIZE_LARGE);
  gtk_box_append (GTK_BOX (box), item->icon);

  item->name_label = gtk_label_new (item->name);
  gtk_label_set_xalign (GTK_LABEL (item->name_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (item->name_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_width_chars (GTK_LABEL (item->name_label), 12);
  gtk_label_set_max_width_chars (GTK_LABEL (item->name_label), 28);
  gtk_widget_set_tooltip_text (item->name_label, item->name);
  gtk_box_append (GTK_BOX (text), item->name_label);

  item->size_label = gtk_label_new (size);
  gtk_label_set_xalign (GTK_LABEL (item->size_label), 0);
  gtk_widget_add_css_class (item->size_label, "dim-label");
  gtk_widget_add_css_class (item->size_label, "caption");
  gtk_box_append (GTK_BOX (text), item->size_label);

  gtk_widget_set_hexpand (text, TRUE);
  gtk_widget_set_valign (text, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), text);

  /* Translators: %s is the file name of an attachment */
  open_label = g_strdup_printf (_("Open “%s”"), item->name);
  /* Translators: %s is the file name of an attachment */
  save_label = g_strdup_printf (_("Save “%s”"), item->name);
  gtk_box_append (GTK_BOX (box), icon_button_new ("document-open-symbolic", "attachments.open",
                                                  item->part_id, _("Open"), open_label));
  gtk_box_append (GTK_BOX (box), icon_button_new ("document-save-symbolic", "attachments.save",
                                                  item->part_id, _("Save…"), save_label));

  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "pf-attachment");
  return box;
}

/**
 * pf_attachment_bar_set_message:
 * @self: a #PfAttachmentBar
 * @message: (nullable): the shown message
 *
 * Lists the message's attachments; hides the bar if it has none.
 */
void
pf_attachment_bar_set_message (PfAttachmentBar *self,
                               PfMimeMessage   *message)
{
  g_autoptr(GPtrArray) parts = NULL;
  g_autofree char *title = NULL;
  GtkWidget *child;
  guint i;

  g_return_if_fail (PF_IS_ATTACHMENT_BAR (self));
  g_return_if_fail (message == NULL || PF_IS_MIME_MESSAGE (message));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  g_set_object (&self->message, message);
  g_ptr_array_set_size (self->items, 0);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->flow_box))) != NULL)
    gtk_flow_box_remove (self->flow_box, child);

  if (message != NULL)
    parts = pf_mime_message_dup_attachments (message);

  for (i = 0; parts != NULL && i < parts->len; i++)
    {
      PfMimePart *part = g_ptr_array_index (parts, i);
      Item *item = g_new0 (Item, 1);

      item->part_id = g_strdup (part->id);
      item->name = _pf_attachment_bar_dup_filename (part);
      g_ptr_array_add (self->items, item);
      gtk_flow_box_append (self->flow_box, item_widget_new (item, part));
    }
  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->flow_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_widget_set_focusable (child, FALSE);

  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Attachment", "%u Attachments",
                                        self->items->len), self->items->len);
  gtk_label_set_text (self->title_label, title);
  gtk_widget_set_visible (GTK_WIDGET (self), self->items->len > 0);
}

guint
pf_attachment_bar_get_n_items (PfAttachmentBar *self)
{
  g_return_val_if_fail (PF_IS_ATTACHMENT_BAR (self), 0);

  return self->items->len;
}

/* For tests: what item @index shows. */
const char *
_pf_attachment_bar_get_item (PfAttachmentBar  *self,
                             guint             index,
                             const char      **size,
                             GIcon           **icon)
{
  Item *item;

  g_return_val_if_fail (PF_IS_ATTACHMENT_BAR (self), NULL);
  g_return_val_if_fail (index < self->items->len, NULL);

  item = g_ptr_array_index (self->items, index);
  if (size != NULL)
    *size = gtk_label_get_text (GTK_LABEL (item->size_label));
  if (icon != NULL)
    *icon = gtk_image_get_gicon (GTK_IMAGE (item->icon));
  return gtk_label_get_text (GTK_LABEL (item->name_label));
}

const char *
_pf_attachment_bar_get_item_part_id (PfAttachmentBar *self,
                                     guint            index)
{
  g_return_val_if_fail (PF_IS_ATTACHMENT_BAR (self), NULL);
  g_return_val_if_fail (index < self->items->len, NULL);

  return ((Item *) g_ptr_array_index (self->items, index))->part_id;
}

/* The object */

static void
pf_attachment_bar_dispose (GObject *object)
{
  PfAttachmentBar *self = PF_ATTACHMENT_BAR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), PF_TYPE_ATTACHMENT_BAR);
  g_clear_object (&self->message);

  G_OBJECT_CLASS (pf_attachment_bar_parent_class)->dispose (object);
}

static void
pf_attachment_bar_finalize (GObject *object)
{
  PfAttachmentBar *self = PF_ATTACHMENT_BAR (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);

  G_OBJECT_CLASS (pf_attachment_bar_parent_class)->finalize (object);
}

static void
pf_attachment_bar_class_init (PfAttachmentBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pf_attachment_bar_dispose;
  object_class->finalize = pf_attachment_bar_finalize;

  /**
   * PfAttachmentBar::error:
   * @self: the bar
   * @message: what went wrong, for the user
   *
   * Opening or saving an attachment failed.
   */
  signals[ERROR] =
    g_signal_new ("error",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/pf-attachment-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, PfAttachmentBar, box);
  gtk_widget_class_bind_template_child (widget_class, PfAttachmentBar, title_label);
  gtk_widget_class_bind_template_child (widget_class, PfAttachmentBar, flow_box);

  gtk_widget_class_install_action (widget_class, "attachments.open", "s", open_action);
  gtk_widget_class_install_action (widget_class, "attachments.save", "s", save_action);
  gtk_widget_class_install_action (widget_class, "attachments.save-all", NULL, save_all_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_attachment_bar_init (PfAttachmentBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  self->cancellable = g_cancellable_new ();
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

GtkWidget *
pf_attachment_bar_new (void)
{
  return g_object_new (PF_TYPE_ATTACHMENT_BAR, NULL);
}
