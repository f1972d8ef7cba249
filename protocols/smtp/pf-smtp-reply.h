/* pf-smtp-reply.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; servers exceed it
 * in practice, so the parser is lenient up to this length. */
#define PF_SMTP_REPLY_MAX_LINE 4096

/* More lines than this in one reply are an attack, not an EHLO list. */
#define PF_SMTP_REPLY_MAX_LINES 1000

/**
 * PfSmtpReply:
 * @code: the three-digit reply code, e.g. 250
 * @enhanced_code: (nullable): the enhanced status code of the first line
 *   (RFC 2034, RFC 3463), e.g. "2.1.0", or %NULL
 * @lines: (array zero-terminated=1): the text of each line, without the
 *   code and without the enhanced status code
 *
 * One complete (possibly multi-line) reply.
 */
typedef struct
{
  guint   code;
  char   *enhanced_code;
  char  **lines;
} PfSmtpReply;

void         pf_smtp_reply_free            (PfSmtpReply       *reply);
char        *pf_smtp_reply_dup_text        (const PfSmtpReply *reply);
gboolean     pf_smtp_reply_is_success      (const PfSmtpReply *reply);
GError      *pf_smtp_reply_to_error        (const PfSmtpReply *reply,
                                            const char        *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfSmtpReply, pf_smtp_reply_free)

typedef struct _PfSmtpReplyParser PfSmtpReplyParser;

PfSmtpReplyParser *pf_smtp_reply_parser_new   (void);
void               pf_smtp_reply_parser_free  (PfSmtpReplyParser *self);
void               pf_smtp_reply_parser_reset (PfSmtpReplyParser *self);
gboolean           pf_smtp_reply_parser_is_idle (PfSmtpReplyParser *self);
PfSmtpReply       *pf_smtp_reply_parser_feed  (PfSmtpReplyParser *self,
                                               const char        *line,
                                               gsize              length,
                                               GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfSmtpReplyParser, pf_smtp_reply_parser_free)

G_END_DECLS
