/* pf-imap-parser.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pf-imap-response.h"

G_BEGIN_DECLS

/* Nesting deeper than this is not IMAP but an attack: BODYSTRUCTURE of a
 * message/rfc822 inside a multipart inside … needs two levels per MIME
 * level, and mail with 30 MIME levels does not exist. */
#define PF_IMAP_PARSER_DEFAULT_MAX_DEPTH    64
/* The bytes of one response outside its literals. SEARCH sends all
 * matches on one line: 16 MiB are two million UIDs. */
#define PF_IMAP_PARSER_DEFAULT_MAX_LINE     (16 * 1024 * 1024)
/* The literal bytes of one response that are kept in memory. Larger
 * bodies are to be streamed (pf_imap_parser_set_literal_stream_threshold()). */
#define PF_IMAP_PARSER_DEFAULT_MAX_LITERAL  (64 * 1024 * 1024)
/* Values (atoms, strings, lists, …) in one response. */
#define PF_IMAP_PARSER_DEFAULT_MAX_VALUES   (4 * 1024 * 1024)

/**
 * PfImapParser:
 *
 * An incremental, push-style parser of the server side of an IMAP
 * connection (RFC 3501 §7, §9). It never blocks and never reads: the
 * caller feeds it whatever bytes it has, and it returns responses as they
 * complete.
 */
typedef struct _PfImapParser PfImapParser;

/**
 * PfImapParseStatus:
 * @PF_IMAP_PARSE_ERROR: the input is malformed or exceeds a limit; the
 *   error is %PF_IMAP_ERROR_PROTOCOL. The parser cannot continue: drop the
 *   connection. Being 0, it reads as %FALSE.
 * @PF_IMAP_PARSE_NEED_MORE: all input was used and the response is not
 *   complete yet; feed more when it arrives.
 * @PF_IMAP_PARSE_RESPONSE: a response is complete.
 * @PF_IMAP_PARSE_LITERAL_DATA: a piece of a large FETCH literal is ready
 *   (pf_imap_parser_get_literal_chunk()).
 *
 * What pf_imap_parser_feed() did.
 */
typedef enum
{
  PF_IMAP_PARSE_ERROR,
  PF_IMAP_PARSE_NEED_MORE,
  PF_IMAP_PARSE_RESPONSE,
  PF_IMAP_PARSE_LITERAL_DATA,
} PfImapParseStatus;

/**
 * PfImapLiteralChunk:
 * @data: the bytes of this piece. They point into the buffer given to
 *   pf_imap_parser_feed() and are valid as long as it is.
 * @length: the number of bytes in @data, never 0
 * @offset: where @data starts in the literal
 * @size: the size of the whole literal
 * @number: the message sequence number of the FETCH response
 *   (RFC 3501 §7.4.2)
 * @uid: the UID of the message if the server sent the UID item before this
 *   one in the same response, else 0
 * @item: the FETCH item name as the server sent it, with section and
 *   origin: "BODY[]", "BODY[1.2]<0>", "BINARY[2]", "RFC822"
 * @binary: %TRUE for a literal8 (RFC 3516 §4.2), which may contain NUL
 * @first: %TRUE for the first piece of the literal
 * @last: %TRUE for the last piece of the literal
 *
 * A piece of a literal that is handed out while parsing instead of being
 * kept in the response.
 */
typedef struct
{
  const guint8 *data;
  gsize         length;
  guint64       offset;
  guint64       size;
  guint64       number;
  guint32       uid;
  const char   *item;
  gboolean      binary;
  gboolean      first;
  gboolean      last;
} PfImapLiteralChunk;

PfImapParser             *pf_imap_parser_new                         (void);
void                      pf_imap_parser_free                        (PfImapParser    *self);
void                      pf_imap_parser_reset                       (PfImapParser    *self);

void                      pf_imap_parser_set_literal_stream_threshold (PfImapParser   *self,
                                                                      guint64         bytes);
guint64                   pf_imap_parser_get_literal_stream_threshold (PfImapParser   *self);
void                      pf_imap_parser_set_max_depth               (PfImapParser    *self,
                                                                      guint            max_depth);
guint                     pf_imap_parser_get_max_depth               (PfImapParser    *self);
void                      pf_imap_parser_set_max_line                (PfImapParser    *self,
                                                                      gsize            max_line);
gsize                     pf_imap_parser_get_max_line                (PfImapParser    *self);
void                      pf_imap_parser_set_max_literal             (PfImapParser    *self,
                                                                      gsize            max_literal);
gsize                     pf_imap_parser_get_max_literal             (PfImapParser    *self);
void                      pf_imap_parser_set_max_values              (PfImapParser    *self,
                                                                      guint            max_values);
guint                     pf_imap_parser_get_max_values              (PfImapParser    *self);

PfImapParseStatus         pf_imap_parser_feed                        (PfImapParser    *self,
                                                                      const guint8    *data,
                                                                      gsize            length,
                                                                      gsize           *consumed,
                                                                      PfImapResponse **response,
                                                                      GError         **error);
const PfImapLiteralChunk *pf_imap_parser_get_literal_chunk           (PfImapParser    *self);
gboolean                  pf_imap_parser_is_idle                     (PfImapParser    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapParser, pf_imap_parser_free)

G_END_DECLS
