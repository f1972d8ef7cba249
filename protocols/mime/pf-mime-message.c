/* pf-mime-message.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-mime"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "pf-mime-error.h"
#include "pf-mime-input-stream.h"
#include "pf-mime-message.h"
#include "pf-mime-private.h"
#include "pf-mime-text.h"

/*
 * A parsed message for display. GMime parses; this file turns its tree
 * into PfMimeParts with stable IMAP-style ids, decodes the text parts to
 * UTF-8 once, and keeps the GMime tree for decoding attachments later.
 *
 * Parts are never glued together: a reader shows each text or HTML part
 * in its own frame, so that the content of one part cannot be made to
 * continue the markup of another (EFAIL, CVE-2017-17688).
 */

typedef struct
{
  PfMimePart   pub;
  /* Owned: the GMime object the part was made from */
  GMimeObject *object;
} PfMimePartPrivate;

struct _PfMimeMessage
{
  GObject             parent_instance;

  /* Owned */
  GMimeMessage       *message;
  PfMimeHeaders      *headers;
  GPtrArray          *parts;      /* PfMimePartPrivate, document order */
  GHashTable         *parts_by_id;
  GMutex              mutex;      /* serialises use of the GMime tree */

  PfMimeMessageFlags  flags;
};

G_DEFINE_FINAL_TYPE (PfMimeMessage, pf_mime_message, G_TYPE_OBJECT)

static void
part_free (PfMimePartPrivate *priv)
{
  PfMimePart *part = &priv->pub;

  g_free (part->id);
  g_free (part->content_type);
  g_free (part->charset);
  g_free (part->filename);
  g_free (part->content_id);
  g_free (part->text);
  g_clear_pointer (&part->headers, pf_mime_headers_free);
  g_clear_pointer (&part->children, g_ptr_array_unref);
  g_clear_object (&priv->object);
  g_free (priv);
}

static void
pf_mime_message_finalize (GObject *object)
{
  PfMimeMessage *self = PF_MIME_MESSAGE (object);

  g_clear_pointer (&self->parts_by_id, g_hash_table_unref);
  g_clear_pointer (&self->parts, g_ptr_array_unref);
  g_clear_pointer (&self->headers, pf_mime_headers_free);
  g_clear_object (&self->message);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (pf_mime_message_parent_class)->finalize (object);
}

static void
pf_mime_message_class_init (PfMimeMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_mime_message_finalize;
}

static void
pf_mime_message_init (PfMimeMessage *self)
{
  g_mutex_init (&self->mutex);
  self->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) part_free);
  self->parts_by_id = g_hash_table_new (g_str_hash, g_str_equal);
}

/* Building the part tree */

static char *
child_id (const char *prefix,
          guint       index)
{
  if (prefix == NULL || *prefix == '\0')
    return g_strdup_printf ("%u", index);
  return g_strdup_printf ("%s.%u", prefix, index);
}

static char *
sanitize_filename (const char *name)
{
  char *clean;
  char *p;

  if (name == NULL)
    return NULL;

  clean = _pf_mime_make_valid (name);
  for (p = clean; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
      *p = (*p == '/' || *p == '\\') ? '_' : ' ';
  g_strstrip (clean);
  if (*clean == '\0')
    g_clear_pointer (&clean, g_free);
  return clean;
}

static gsize
object_serialized_size (GMimeObject *object)
{
  g_autoptr(GMimeStream) null = g_mime_stream_null_new ();

  g_mime_object_write_to_stream (object, NULL, null);
  return GMIME_STREAM_NULL (null)->written;
}

/* The decoded content of a leaf part (transfer encoding undone). */
static GByteArray *
decode_leaf (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  g_autoptr(GMimeStream) mem = NULL;
  GByteArray *array;

  array = g_byte_array_new ();
  if (content == NULL)
    return array;

  mem = g_mime_stream_mem_new_with_byte_array (array);
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (mem), FALSE);
  g_mime_data_wrapper_write_to_stream (content, mem);
  return array;
}

static gsize
decoded_leaf_size (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  g_autoptr(GMimeStream) null = NULL;

  if (content == NULL)
    return 0;
  null = g_mime_stream_null_new ();
  g_mime_data_wrapper_write_to_stream (content, null);
  return GMIME_STREAM_NULL (null)->written;
}

/* "\r\n" → "\n" in place, for text shown or searched. */
static void
normalize_line_ends (GByteArray *array)
{
  guint in;
  guint out = 0;

  for (in = 0; in < array->len; in++)
    {
      if (array->data[in] == '\r' && in + 1 < array->len && array->data[in + 1] == '\n')
        continue;
      array->data[out++] = array->data[in];
    }
  g_byte_array_set_size (array, out);
}

/* HTML without a declared charset often names it in a <meta> element. */
static char *
sniff_html_charset (const guint8 *data,
                    gsize         length)
{
  gsize limit = MIN (length, 2048);
  gsize i;

  for (i = 0; i + 8 < limit; i++)
    {
      gsize start;
      gsize end;

      if (g_ascii_strncasecmp ((const char *) data + i, "charset=", 8) != 0)
        continue;
      start = i + 8;
      while (start < limit && (data[start] == '"' || data[start] == '\'' || data[start] == ' '))
        start++;
      end = start;
      while (end < limit && (g_ascii_isalnum (data[end]) || data[end] == '-' ||
                             data[end] == '_' || data[end] == '.' || data[end] == ':'))
        end++;
      if (end > start)
        return g_strndup ((const char *) data + start, end - start);
    }
  return NULL;
}

typedef struct
{
  PfMimeMessage *self;
  guint          n_parts;
} WalkState;

static PfMimePart *walk_object (WalkState   *state,
                                GMimeObject *object,
                                PfMimePart  *parent,
                                char        *id,
                                guint        depth);

static PfMimePart *
add_part (WalkState   *state,
          GMimeObject *object,
          PfMimePart  *parent,
          char        *id)
{
  PfMimePartPrivate *priv = g_new0 (PfMimePartPrivate, 1);
  PfMimePart *part = &priv->pub;
  GMimeContentType *content_type = g_mime_object_get_content_type (object);
  GMimeContentDisposition *disposition = g_mime_object_get_content_disposition (object);
  const char *charset = NULL;
  const char *content_id;

  priv->object = g_object_ref (object);
  part->id = id;
  part->parent = parent;
  part->children = g_ptr_array_new ();
  part->is_inline = disposition == NULL || !g_mime_content_disposition_is_attachment (disposition);

  if (content_type != NULL)
    {
      g_autofree char *mime_type = g_mime_content_type_get_mime_type (content_type);
      /* The type comes from the message: it may hold any bytes. */
      g_autofree char *valid = _pf_mime_make_valid (mime_type != NULL ? mime_type
                                                                     : "application/octet-stream");

      part->content_type = g_ascii_strdown (valid, -1);
      charset = g_mime_content_type_get_parameter (content_type, "charset");
    }
  else
    part->content_type = g_strdup ("text/plain");
  if (charset != NULL && *charset != '\0')
    part->charset = _pf_mime_make_valid (charset);

  content_id = g_mime_object_get_content_id (object);
  if (content_id != NULL && *content_id != '\0')
    part->content_id = _pf_mime_make_valid (content_id);

  if (GMIME_IS_PART (object))
    part->filename = sanitize_filename (g_mime_part_get_filename (GMIME_PART (object)));
  else if (disposition != NULL)
    part->filename = sanitize_filename (g_mime_content_disposition_get_parameter (disposition,
                                                                                  "filename"));

  g_ptr_array_add (state->self->parts, priv);
  /* On a duplicate id (not possible by construction) the first wins. */
  if (!g_hash_table_contains (state->self->parts_by_id, part->id))
    g_hash_table_insert (state->self->parts_by_id, part->id, part);
  if (parent != NULL)
    g_ptr_array_add (parent->children, part);
  state->n_parts++;

  return part;
}

static void
fill_leaf (PfMimePart *part,
           GMimePart  *object)
{
  gboolean is_text = strcmp (part->content_type, "text/plain") == 0;
  gboolean is_html = strcmp (part->content_type, "text/html") == 0;
  g_autoptr(GByteArray) data = NULL;
  g_autofree char *sniffed = NULL;
  g_autofree char *utf8 = NULL;

  if (!part->is_inline || (!is_text && !is_html))
    {
      part->kind = PF_MIME_PART_KIND_ATTACHMENT;
      part->size = decoded_leaf_size (object);
      return;
    }

  data = decode_leaf (object);
  part->size = data->len;
  normalize_line_ends (data);

  if (is_html)
    {
      part->kind = PF_MIME_PART_KIND_HTML;
      if (part->charset == NULL)
        sniffed = sniff_html_charset (data->data, data->len);
      part->text = pf_mime_convert_to_utf8 ((const char *) data->data, data->len,
                                            part->charset != NULL ? part->charset : sniffed);
      return;
    }

  part->kind = PF_MIME_PART_KIND_TEXT;
  utf8 = pf_mime_convert_to_utf8 ((const char *) data->data, data->len, part->charset);
  {
    GMimeObject *mime_object = GMIME_OBJECT (object);
    const char *format = g_mime_object_get_content_type_parameter (mime_object, "format");
    const char *delsp = g_mime_object_get_content_type_parameter (mime_object, "delsp");

    /* RFC 3676 §4.1, §4.2 */
    if (format != NULL && g_ascii_strcasecmp (format, "flowed") == 0)
      part->text = pf_mime_decode_flowed (utf8, delsp != NULL &&
                                                g_ascii_strcasecmp (delsp, "yes") == 0);
    else
      part->text = g_steal_pointer (&utf8);
  }
}

/* The body of a message (top-level or attached): IMAP gives a multipart
 * body no number of its own, its parts are prefix.1, prefix.2, …; a
 * single-part body is prefix.1 (RFC 3501 §6.4.5). */
static PfMimePart *
walk_message_body (WalkState   *state,
                   GMimeObject *body,
                   PfMimePart  *parent,
                   const char  *prefix,
                   guint        depth)
{
  char *id;

  if (body == NULL)
    return NULL;

  if (GMIME_IS_MULTIPART (body))
    id = prefix == NULL || *prefix == '\0' ? g_strdup ("TEXT") : g_strdup_printf ("%s.TEXT",
                                                                                   prefix);
  else
    id = child_id (prefix, 1);

  return walk_object (state, body, parent, id, depth);
}

/* Takes ownership of @id. */
static PfMimePart *
walk_object (WalkState   *state,
             GMimeObject *object,
             PfMimePart  *parent,
             char        *id,
             guint        depth)
{
  gboolean is_container = GMIME_IS_MULTIPART (object) || GMIME_IS_MESSAGE_PART (object);
  PfMimePart *part;

  if (state->n_parts >= PF_MIME_MAX_PARTS)
    {
      state->self->flags |= PF_MIME_MESSAGE_FLAG_TOO_MANY_PARTS;
      g_free (id);
      return NULL;
    }

  part = add_part (state, object, parent, id);

  if (is_container && depth >= PF_MIME_MAX_DEPTH)
    {
      state->self->flags |= PF_MIME_MESSAGE_FLAG_TOO_DEEP;
      part->kind = PF_MIME_PART_KIND_ATTACHMENT;
      part->opaque = TRUE;
      part->size = object_serialized_size (object);
      return part;
    }

  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      /* A multipart body of an attached message is "n.TEXT"; its parts
       * are numbered from n, like the parts of the top-level body. */
      g_autofree char *prefix = g_str_has_suffix (part->id, "TEXT")
                                ? g_strndup (part->id, MAX (strlen (part->id), 5) - 5)
                                : g_strdup (part->id);
      int n = g_mime_multipart_get_count (multipart);
      int i;

      if (strcmp (part->id, "TEXT") == 0)
        g_clear_pointer (&prefix, g_free);

      part->kind = PF_MIME_PART_KIND_MULTIPART;
      for (i = 0; i < n && state->n_parts < PF_MIME_MAX_PARTS; i++)
        walk_object (state, g_mime_multipart_get_part (multipart, i), part,
                     child_id (prefix, i + 1), depth + 1);
      if (i < n)
        state->self->flags |= PF_MIME_MESSAGE_FLAG_TOO_MANY_PARTS;
      return part;
    }

  if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *message = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));

      part->kind = PF_MIME_PART_KIND_MESSAGE;
      part->size = object_serialized_size (object);
      if (message != NULL)
        {
          part->headers = _pf_mime_headers_new_from_message (message);
          walk_message_body (state, g_mime_message_get_mime_part (message), part, part->id,
                             depth + 1);
        }
      else
        part->headers = pf_mime_headers_parse ("", 0);
      return part;
    }

  if (GMIME_IS_PART (object))
    fill_leaf (part, GMIME_PART (object));
  else
    {
      part->kind = PF_MIME_PART_KIND_ATTACHMENT;
      part->size = object_serialized_size (object);
    }
  return part;
}

static void
on_parser_warning_cb (gint64              offset,
                      GMimeParserWarning  errcode,
                      const char         *item,
                      gpointer            user_data)
{
  PfMimeMessage *self = user_data;

  switch (errcode)
    {
    case GMIME_CRIT_NESTING_OVERFLOW:
      self->flags |= PF_MIME_MESSAGE_FLAG_TOO_DEEP;
      break;
    case GMIME_WARN_MALFORMED_MULTIPART:
    case GMIME_WARN_TRUNCATED_MESSAGE:
    case GMIME_WARN_MALFORMED_MESSAGE:
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
      self->flags |= PF_MIME_MESSAGE_FLAG_MALFORMED;
      break;
    case GMIME_WARN_DUPLICATED_HEADER:
    case GMIME_WARN_DUPLICATED_PARAMETER:
    case GMIME_WARN_UNENCODED_8BIT_HEADER:
    case GMIME_WARN_INVALID_CONTENT_TYPE:
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
    case GMIME_CRIT_INVALID_HEADER_NAME:
    case GMIME_CRIT_CONFLICTING_HEADER:
    case GMIME_CRIT_CONFLICTING_PARAMETER:
    case GMIME_WARN_INVALID_PARAMETER:
    case GMIME_WARN_INVALID_ADDRESS_LIST:
    case GMIME_WARN_PART_WITHOUT_CONTENT:
    default:
      /* Everyday sloppiness: decoded leniently, nothing is lost. */
      break;
    }
}

/**
 * pf_mime_message_parse:
 * @stream: the raw message (RFC 5322), read from its current position to
 *   its end
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Parses a message for display. The stream is read as it comes (not
 * copied first); GMime keeps the content of each part in memory. Broken
 * structure never fails the parse: what is beyond %PF_MIME_MAX_DEPTH or
 * %PF_MIME_MAX_PARTS, or damaged, is reported by
 * pf_mime_message_get_flags().
 *
 * Blocks: call it from a worker thread for large mail, or use
 * pf_mime_message_parse_async().
 *
 * Returns: (transfer full): the message, or %NULL with @error set: the
 *   error of @stream, %G_IO_ERROR_CANCELLED, or
 *   %PF_MIME_ERROR_INVALID_MESSAGE if there is no message at all
 */
PfMimeMessage *
pf_mime_message_parse (GInputStream  *stream,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr(PfMimeMessage) self = NULL;
  g_autoptr(GMimeParserOptions) options = NULL;
  g_autoptr(GMimeStream) mime_stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  WalkState state = { 0 };

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (PF_TYPE_MIME_MESSAGE, NULL);

  /* GMime keeps a copy of the options, and with it the callback, in the
   * objects it builds: they live no longer than @self. */
  options = _pf_mime_parser_options_new ();
  g_mime_parser_options_set_warning_callback (options, on_parser_warning_cb, self);

  mime_stream = pf_mime_input_stream_new (stream, cancellable);
  parser = g_mime_parser_new_with_stream (mime_stream);
  g_mime_parser_set_persist_stream (parser, FALSE);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  self->message = g_mime_parser_construct_message (parser, options);

  if (!pf_mime_input_stream_get_error (PF_MIME_INPUT_STREAM (mime_stream), error))
    return NULL;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (self->message == NULL)
    {
      g_set_error_literal (error, PF_MIME_ERROR, PF_MIME_ERROR_INVALID_MESSAGE,
                           _("The message is empty or cannot be read."));
      return NULL;
    }

  self->headers = _pf_mime_headers_new_from_message (self->message);

  state.self = self;
  walk_message_body (&state, g_mime_message_get_mime_part (self->message), NULL, NULL, 0);

  return g_steal_pointer (&self);
}

/**
 * pf_mime_message_parse_bytes:
 * @bytes: the raw message
 * @error: return location for an error
 *
 * pf_mime_message_parse() for a message in memory.
 *
 * Returns: (transfer full): the message, or %NULL with @error set
 */
PfMimeMessage *
pf_mime_message_parse_bytes (GBytes  *bytes,
                             GError **error)
{
  g_autoptr(GInputStream) stream = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);

  stream = g_memory_input_stream_new_from_bytes (bytes);
  return pf_mime_message_parse (stream, NULL, error);
}

static void
parse_worker (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GInputStream *stream = task_data;
  GError *error = NULL;
  PfMimeMessage *message;

  message = pf_mime_message_parse (stream, cancellable, &error);
  if (message == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, message, g_object_unref);
}

/**
 * pf_mime_message_parse_async:
 * @stream: the raw message
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context of the caller
 * @user_data: data for @callback
 *
 * Runs pf_mime_message_parse() in a worker thread. @stream is read in that
 * thread: nothing else may use it until @callback runs.
 */
void
pf_mime_message_parse_async (GInputStream        *stream,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_INPUT_STREAM (stream));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_mime_message_parse_async);
  g_task_set_task_data (task, g_object_ref (stream), g_object_unref);
  g_task_run_in_thread (task, parse_worker);
}

/**
 * pf_mime_message_parse_finish:
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the message, or %NULL with @error set (see
 *   pf_mime_message_parse())
 */
PfMimeMessage *
pf_mime_message_parse_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pf_mime_message_parse_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * pf_mime_message_get_headers:
 * @self: a #PfMimeMessage
 *
 * Returns: (transfer none): the decoded header fields of the message
 */
const PfMimeHeaders *
pf_mime_message_get_headers (PfMimeMessage *self)
{
  g_return_val_if_fail (PF_IS_MIME_MESSAGE (self), NULL);

  return self->headers;
}

/**
 * pf_mime_message_get_flags:
 * @self: a #PfMimeMessage
 *
 * Returns: what the parser had to leave out or could not read
 */
PfMimeMessageFlags
pf_mime_message_get_flags (PfMimeMessage *self)
{
  g_return_val_if_fail (PF_IS_MIME_MESSAGE (self), PF_MIME_MESSAGE_FLAG_NONE);

  return self->flags;
}

/**
 * pf_mime_message_get_root:
 * @self: a #PfMimeMessage
 *
 * Returns: (transfer none) (nullable): the body: "TEXT" if it is a
 *   multipart, else part "1"; %NULL if the message has no body part
 */
PfMimePart *
pf_mime_message_get_root (PfMimeMessage *self)
{
  g_return_val_if_fail (PF_IS_MIME_MESSAGE (self), NULL);

  if (self->parts->len == 0)
    return NULL;
  return g_ptr_array_index (self->parts, 0);
}

/**
 * pf_mime_message_get_parts:
 * @self: a #PfMimeMessage
 *
 * Returns: (transfer none) (element-type PfMimePart): every part, in the
 *   order of the message (depth first)
 */
GPtrArray *
pf_mime_message_get_parts (PfMimeMessage *self)
{
  g_return_val_if_fail (PF_IS_MIME_MESSAGE (self), NULL);

  return self->parts;
}

/**
 * pf_mime_message_get_part:
 * @self: a #PfMimeMessage
 * @part_id: a part id such as "1.2"
 *
 * Returns: (transfer none) (nullable): the part, or %NULL if there is none
 *   with @part_id
 */
PfMimePart *
pf_mime_message_get_part (PfMimeMessage *self,
                          const char    *part_id)
{
  g_return_val_if_fail (PF_IS_MIME_MESSAGE (self), NULL);
  g_return_val_if_fail (part_id != NULL, NULL);

  return g_hash_table_lookup (self->parts_by_id, part_id);
}

static gboolean
contains_kind (PfMimePart     *part,
               PfMimePartKind  kind)
{
  guint i;

  if (part->kind == kind)
    return TRUE;
  if (part->kind != PF_MIME_PART_KIND_MULTIPART)
    return FALSE;
  for (i = 0; i < part->children->len; i++)
    if (contains_kind (g_ptr_array_index (part->children, i), kind))
      return TRUE;
  return FALSE;
}

static void
collect_body (PfMimePart *part,
              gboolean    prefer_html,
              gboolean    nested,
              GPtrArray  *out)
{
  guint i;

  switch (part->kind)
    {
    case PF_MIME_PART_KIND_TEXT:
    case PF_MIME_PART_KIND_HTML:
      g_ptr_array_add (out, part);
      break;

    case PF_MIME_PART_KIND_MESSAGE:
      if (nested)
        for (i = 0; i < part->children->len; i++)
          collect_body (g_ptr_array_index (part->children, i), prefer_html, nested, out);
      break;

    case PF_MIME_PART_KIND_MULTIPART:
      if (part->children->len == 0)
        break;
      if (strcmp (part->content_type, "multipart/alternative") == 0)
        {
          /* RFC 2046 §5.1.4: the last alternative is the richest. */
          PfMimePart *chosen = NULL;
          PfMimePartKind wanted = prefer_html ? PF_MIME_PART_KIND_HTML : PF_MIME_PART_KIND_TEXT;
          PfMimePartKind other = prefer_html ? PF_MIME_PART_KIND_TEXT : PF_MIME_PART_KIND_HTML;

          for (i = part->children->len; i > 0 && chosen == NULL; i--)
            if (contains_kind (g_ptr_array_index (part->children, i - 1), wanted))
              chosen = g_ptr_array_index (part->children, i - 1);
          for (i = part->children->len; i > 0 && chosen == NULL; i--)
            if (contains_kind (g_ptr_array_index (part->children, i - 1), other))
              chosen = g_ptr_array_index (part->children, i - 1);
          if (chosen != NULL)
            collect_body (chosen, prefer_html, nested, out);
        }
      else if (strcmp (part->content_type, "multipart/related") == 0)
        /* RFC 2387 §3.2: the root is the first part; the rest are what it
         * refers to. */
        collect_body (g_ptr_array_index (part->children, 0), prefer_html, nested, out);
      else
        for (i = 0; i < part->children->len; i++)
          collect_body (g_ptr_array_index (part->children, i), prefer_html, nested, out);
      break;

    case PF_MIME_PART_KIND_ATTACHMENT:
    default:
      break;
    }
}

/**
 * pf_mime_message_dup_body_parts:
 * @self: a #PfMimeMessage
 * @prefer_html: which alternative of a multipart/alternative to take
 *
 * The parts a reader shows as the body, in order: text and HTML parts,
 * one alternative of each multipart/alternative (HTML or plain text as
 * @prefer_html says, the other when it is missing), the root of each
 * multipart/related. Attached messages are not included. Show each part
 * separately.
 *
 * Returns: (transfer container) (element-type PfMimePart): the parts
 */
GPtrArray *
pf_mime_message_dup_body_parts (PfMimeMessage *self,
                                gboolean       prefer_html)
{
  GPtrArray *out;
  PfMimePart *root;

  g_return_val_if_fail (PF_IS_MIME_MESSAGE (self), NULL);

  out = g_ptr_array_new ();
  root = pf_mime_message_get_root (self);
  if (root != NULL)
    collect_body (root, prefer_html, FALSE, out);
  return out;
}

static gboolean
is_listed_attachment (PfMimePart *part)
{
  PfMimePart *p;

  if (part->kind != PF_MIME_PART_KIND_ATTACHMENT && part->kind != PF_MIME_PART_KIND_MESSAGE)
    return FALSE;
  /* Images an HTML part shows by Content-ID are part of the body. */
  if (part->kind == PF_MIME_PART_KIND_ATTACHMENT && part->is_inline && part->content_id != NULL &&
      part->filename == NULL)
    return FALSE;
  for (p = part->parent; p != NULL; p = p->parent)
    if (p->kind == PF_MIME_PART_KIND_MESSAGE)
      return FALSE;
  return TRUE;
}

/**
 * pf_mime_message_dup_attachments:
 * @self: a #PfMimeMessage
 *
 * The parts a reader lists as attachments: everything that is not body
 * text, except images that the HTML body embeds by Content-ID and have no
 * file name. An attached message is one entry; its own parts are not
 * listed.
 *
 * Returns: (transfer container) (element-type PfMimePart): the parts
 */
GPtrArray *
pf_mime_message_dup_attachments (PfMimeMessage *self)
{
  GPtrArray *out;
  guint i;

  g_return_val_if_fail (PF_IS_MIME_MESSAGE (self), NULL);

  out = g_ptr_array_new ();
  for (i = 0; i < self->parts->len; i++)
    {
      PfMimePart *part = g_ptr_array_index (self->parts, i);

      if (is_listed_attachment (part))
        g_ptr_array_add (out, part);
    }
  return out;
}

/**
 * pf_mime_message_has_attachments:
 * @self: a #PfMimeMessage
 *
 * Returns: whether pf_mime_message_dup_attachments() lists anything
 */
gboolean
pf_mime_message_has_attachments (PfMimeMessage *self)
{
  guint i;

  g_return_val_if_fail (PF_IS_MIME_MESSAGE (self), FALSE);

  for (i = 0; i < self->parts->len; i++)
    if (is_listed_attachment (g_ptr_array_index (self->parts, i)))
      return TRUE;
  return FALSE;
}

static char *
part_plain_text (PfMimePart *part)
{
  if (part->kind == PF_MIME_PART_KIND_HTML)
    return pf_mime_html_to_text (part->text, -1);
  return g_strdup (part->text != NULL ? part->text : "");
}

/**
 * pf_mime_message_dup_preview:
 * @self: a #PfMimeMessage
 *
 * A line for the message list: the start of the body text (plain text
 * preferred, HTML converted), quoted lines left out, whitespace
 * collapsed, at most %PF_MIME_PREVIEW_LENGTH characters.
 *
 * Returns: (transfer full): the preview, possibly empty
 */
char *
pf_mime_message_dup_preview (PfMimeMessage *self)
{
  g_autoptr(GPtrArray) body = NULL;
  guint i;

  g_return_val_if_fail (PF_IS_MIME_MESSAGE (self), NULL);

  body = pf_mime_message_dup_body_parts (self, FALSE);
  for (i = 0; i < body->len; i++)
    {
      g_autofree char *text = part_plain_text (g_ptr_array_index (body, i));
      char *preview = pf_mime_make_preview (text, PF_MIME_PREVIEW_LENGTH);

      if (*preview != '\0')
        return preview;
      g_free (preview);
    }
  return g_strdup ("");
}

/**
 * pf_mime_message_dup_search_text:
 * @self: a #PfMimeMessage
 *
 * The text a full-text index takes: every body text, of attached messages
 * too, one alternative each (plain text preferred, HTML converted),
 * separated by newlines and cut at %PF_MIME_SEARCH_TEXT_MAX bytes (at a
 * character boundary).
 *
 * Returns: (transfer full): valid UTF-8, possibly empty
 */
char *
pf_mime_message_dup_search_text (PfMimeMessage *self)
{
  g_autoptr(GPtrArray) body = NULL;
  PfMimePart *root;
  GString *out;
  guint i;

  g_return_val_if_fail (PF_IS_MIME_MESSAGE (self), NULL);

  body = g_ptr_array_new ();
  root = pf_mime_message_get_root (self);
  if (root != NULL)
    collect_body (root, FALSE, TRUE, body);

  out = g_string_new (NULL);
  for (i = 0; i < body->len && out->len < PF_MIME_SEARCH_TEXT_MAX; i++)
    {
      g_autofree char *text = part_plain_text (g_ptr_array_index (body, i));

      if (*text == '\0')
        continue;
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append (out, text);
    }

  if (out->len > PF_MIME_SEARCH_TEXT_MAX)
    {
      const char *end = out->str + PF_MIME_SEARCH_TEXT_MAX;

      /* Back up to the start of the character that crosses the limit. */
      while (end > out->str && ((guchar) *end & 0xC0) == 0x80)
        end--;
      g_string_truncate (out, end - out->str);
    }
  return g_string_free (out, FALSE);
}

/* Called with the mutex held: GMime streams keep a read position. */
static GBytes *
part_content_locked (PfMimePart *part)
{
  PfMimePartPrivate *priv = (PfMimePartPrivate *) part;
  GMimeObject *object = priv->object;
  g_autoptr(GMimeStream) mem = NULL;
  GByteArray *array;

  if (GMIME_IS_PART (object) && !part->opaque)
    return g_byte_array_free_to_bytes (decode_leaf (GMIME_PART (object)));

  array = g_byte_array_new ();
  mem = g_mime_stream_mem_new_with_byte_array (array);
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (mem), FALSE);

  if (GMIME_IS_MESSAGE_PART (object) && !part->opaque)
    {
      GMimeMessage *message = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));

      if (message != NULL)
        g_mime_object_write_to_stream (GMIME_OBJECT (message), NULL, mem);
    }
  else
    g_mime_object_write_to_stream (object, NULL, mem);

  return g_byte_array_free_to_bytes (array);
}

/**
 * pf_mime_message_dup_part_content:
 * @self: a #PfMimeMessage
 * @part_id: the id of a part
 * @error: return location for an error
 *
 * The content of one part, for saving or showing it: a leaf part decoded
 * (base64 or quoted-printable undone, the charset left as it is), an
 * attached message as the message source (an .eml file), a multipart or
 * an opaque part as its source with headers.
 *
 * Any thread; calls on one message are serialised.
 *
 * Returns: (transfer full): the content, or %NULL with
 *   %PF_MIME_ERROR_NO_SUCH_PART
 */
GBytes *
pf_mime_message_dup_part_content (PfMimeMessage  *self,
                                  const char     *part_id,
                                  GError        **error)
{
  PfMimePart *part;
  GBytes *content;

  g_return_val_if_fail (PF_IS_MIME_MESSAGE (self), NULL);
  g_return_val_if_fail (part_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  part = pf_mime_message_get_part (self, part_id);
  if (part == NULL)
    {
      g_set_error (error, PF_MIME_ERROR, PF_MIME_ERROR_NO_SUCH_PART,
                   _("The message has no part “%s”."), part_id);
      return NULL;
    }

  g_mutex_lock (&self->mutex);
  content = part_content_locked (part);
  g_mutex_unlock (&self->mutex);
  return content;
}

/**
 * pf_mime_message_write_part:
 * @self: a #PfMimeMessage
 * @part_id: the id of a part
 * @stream: where to write the content, e.g. a file being saved
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Writes what pf_mime_message_dup_part_content() returns to @stream. The
 * stream is not closed. Blocks: use pf_mime_message_write_part_async() on
 * the main thread.
 *
 * Returns: %TRUE on success; %FALSE with %PF_MIME_ERROR_NO_SUCH_PART or
 *   the error of @stream
 */
gboolean
pf_mime_message_write_part (PfMimeMessage  *self,
                            const char     *part_id,
                            GOutputStream  *stream,
                            GCancellable   *cancellable,
                            GError        **error)
{
  g_autoptr(GBytes) content = NULL;
  gconstpointer data;
  gsize length;

  g_return_val_if_fail (PF_IS_MIME_MESSAGE (self), FALSE);
  g_return_val_if_fail (part_id != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  content = pf_mime_message_dup_part_content (self, part_id, error);
  if (content == NULL)
    return FALSE;

  data = g_bytes_get_data (content, &length);
  return g_output_stream_write_all (stream, data, length, NULL, cancellable, error);
}

typedef struct
{
  char          *part_id;
  GOutputStream *stream;
} WritePartData;

static void
write_part_data_free (WritePartData *data)
{
  g_free (data->part_id);
  g_clear_object (&data->stream);
  g_free (data);
}

static void
write_part_worker (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  WritePartData *data = task_data;
  GError *error = NULL;

  if (pf_mime_message_write_part (source_object, data->part_id, data->stream, cancellable,
                                  &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * pf_mime_message_write_part_async:
 * @self: a #PfMimeMessage
 * @part_id: the id of a part
 * @stream: where to write the content
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context of the caller
 * @user_data: data for @callback
 *
 * Runs pf_mime_message_write_part() in a worker thread; @stream is written
 * from that thread.
 */
void
pf_mime_message_write_part_async (PfMimeMessage       *self,
                                  const char          *part_id,
                                  GOutputStream       *stream,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  WritePartData *data;

  g_return_if_fail (PF_IS_MIME_MESSAGE (self));
  g_return_if_fail (part_id != NULL);
  g_return_if_fail (G_IS_OUTPUT_STREAM (stream));

  data = g_new0 (WritePartData, 1);
  data->part_id = g_strdup (part_id);
  data->stream = g_object_ref (stream);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_mime_message_write_part_async);
  g_task_set_task_data (task, data, (GDestroyNotify) write_part_data_free);
  g_task_run_in_thread (task, write_part_worker);
}

/**
 * pf_mime_message_write_part_finish:
 * @self: a #PfMimeMessage
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE on success, else %FALSE with @error set
 */
gboolean
pf_mime_message_write_part_finish (PfMimeMessage  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (PF_IS_MIME_MESSAGE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
