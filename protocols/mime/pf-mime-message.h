/* pf-mime-message.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-mime-headers.h"

G_BEGIN_DECLS

/* Containers (multiparts, attached messages) nested deeper than this are
 * shown as one opaque attachment. */
#define PF_MIME_MAX_DEPTH 32

/* Parts after this many are left out. */
#define PF_MIME_MAX_PARTS 1000

/* Characters of pf_mime_message_dup_preview(). */
#define PF_MIME_PREVIEW_LENGTH 200

/* Bytes of pf_mime_message_dup_search_text(), at most. */
#define PF_MIME_SEARCH_TEXT_MAX (64 * 1024)

/**
 * PfMimePartKind:
 * @PF_MIME_PART_KIND_MULTIPART: a multipart/… container; its parts are
 *   the children
 * @PF_MIME_PART_KIND_TEXT: text/plain meant to be read in the body; the
 *   text is in @text
 * @PF_MIME_PART_KIND_HTML: text/html meant to be shown in the body; the
 *   HTML source, in UTF-8, is in @text
 * @PF_MIME_PART_KIND_ATTACHMENT: anything else, including text parts with
 *   "Content-Disposition: attachment" and opaque stand-ins for what is
 *   nested too deeply
 * @PF_MIME_PART_KIND_MESSAGE: an attached message (message/rfc822): its
 *   own header fields are in @headers, its body is the only child
 *
 * What a part is for a reader.
 */
typedef enum
{
  PF_MIME_PART_KIND_MULTIPART,
  PF_MIME_PART_KIND_TEXT,
  PF_MIME_PART_KIND_HTML,
  PF_MIME_PART_KIND_ATTACHMENT,
  PF_MIME_PART_KIND_MESSAGE,
} PfMimePartKind;

/**
 * PfMimeMessageFlags:
 * @PF_MIME_MESSAGE_FLAG_NONE: the message parsed without complaint
 * @PF_MIME_MESSAGE_FLAG_TOO_DEEP: containers were nested deeper than
 *   %PF_MIME_MAX_DEPTH; what is below is an opaque attachment
 * @PF_MIME_MESSAGE_FLAG_TOO_MANY_PARTS: the message has more than
 *   %PF_MIME_MAX_PARTS parts; the rest is left out
 * @PF_MIME_MESSAGE_FLAG_MALFORMED: the structure is damaged (a multipart
 *   without boundary or end, a truncated message); what could be read is
 *   shown
 *
 * What the parser had to give up on. A reader may say that the message
 * is not shown completely.
 */
typedef enum
{
  PF_MIME_MESSAGE_FLAG_NONE           = 0,
  PF_MIME_MESSAGE_FLAG_TOO_DEEP       = 1 << 0,
  PF_MIME_MESSAGE_FLAG_TOO_MANY_PARTS = 1 << 1,
  PF_MIME_MESSAGE_FLAG_MALFORMED      = 1 << 2,
} PfMimeMessageFlags;

typedef struct _PfMimePart PfMimePart;

/**
 * PfMimePart:
 * @id: the part id, IMAP-style (RFC 3501 §6.4.5): "1", "2.1", "3.1.2".
 *   Multipart containers that have no IMAP number are "TEXT" (the body of
 *   the message) or "<n>.TEXT" (the body of the attached message n).
 *   The same input always gives the same ids.
 * @kind: what the part is
 * @content_type: the MIME type in lower case, e.g. "text/plain" or
 *   "multipart/alternative", without parameters
 * @charset: (nullable): the declared charset, or %NULL
 * @filename: (nullable): the file name (RFC 2231 and RFC 2047 decoded),
 *   without directories ("/" and "\" become "_"), or %NULL
 * @content_id: (nullable): the Content-ID without angle brackets
 * @is_inline: %FALSE if Content-Disposition says "attachment"
 * @size: bytes of the decoded content (after base64 or
 *   quoted-printable); for attached messages and opaque parts the size
 *   of their source; 0 for multiparts
 * @text: (nullable): for %PF_MIME_PART_KIND_TEXT the text in UTF-8
 *   (format=flowed joined, line ends "\n"); for %PF_MIME_PART_KIND_HTML
 *   the HTML in UTF-8; else %NULL
 * @headers: (nullable): the header fields of an attached message
 * @parent: (nullable): the enclosing part, %NULL for the root
 * @children: (element-type PfMimePart): the parts inside, never %NULL
 * @opaque: %TRUE for the stand-in of a subtree nested too deeply
 *
 * One part of a parsed message: read-only, owned by its #PfMimeMessage.
 */
struct _PfMimePart
{
  char           *id;
  PfMimePartKind  kind;
  char           *content_type;
  char           *charset;
  char           *filename;
  char           *content_id;
  gboolean        is_inline;
  gsize           size;
  char           *text;
  PfMimeHeaders  *headers;
  PfMimePart     *parent;
  GPtrArray      *children;
  gboolean        opaque;
};

#define PF_TYPE_MIME_MESSAGE (pf_mime_message_get_type ())

G_DECLARE_FINAL_TYPE (PfMimeMessage, pf_mime_message, PF, MIME_MESSAGE, GObject)

PfMimeMessage       *pf_mime_message_parse           (GInputStream        *stream,
                                                      GCancellable        *cancellable,
                                                      GError             **error);
PfMimeMessage       *pf_mime_message_parse_bytes     (GBytes              *bytes,
                                                      GError             **error);
void                 pf_mime_message_parse_async     (GInputStream        *stream,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
PfMimeMessage       *pf_mime_message_parse_finish    (GAsyncResult        *result,
                                                      GError             **error);

const PfMimeHeaders *pf_mime_message_get_headers     (PfMimeMessage       *self);
PfMimeMessageFlags   pf_mime_message_get_flags       (PfMimeMessage       *self);
PfMimePart          *pf_mime_message_get_root        (PfMimeMessage       *self);
GPtrArray           *pf_mime_message_get_parts       (PfMimeMessage       *self);
PfMimePart          *pf_mime_message_get_part        (PfMimeMessage       *self,
                                                      const char          *part_id);
GPtrArray           *pf_mime_message_dup_body_parts  (PfMimeMessage       *self,
                                                      gboolean             prefer_html);
GPtrArray           *pf_mime_message_dup_attachments (PfMimeMessage       *self);
gboolean             pf_mime_message_has_attachments (PfMimeMessage       *self);
char                *pf_mime_message_dup_preview     (PfMimeMessage       *self);
char                *pf_mime_message_dup_search_text (PfMimeMessage       *self);

GBytes              *pf_mime_message_dup_part_content (PfMimeMessage      *self,
                                                       const char         *part_id,
                                                       GError            **error);
gboolean             pf_mime_message_write_part      (PfMimeMessage       *self,
                                                      const char          *part_id,
                                                      GOutputStream       *stream,
                                                      GCancellable        *cancellable,
                                                      GError             **error);
void                 pf_mime_message_write_part_async (PfMimeMessage      *self,
                                                       const char         *part_id,
                                                       GOutputStream      *stream,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
gboolean             pf_mime_message_write_part_finish (PfMimeMessage     *self,
                                                        GAsyncResult      *result,
                                                        GError           **error);

G_END_DECLS
