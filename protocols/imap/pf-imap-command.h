/* pf-imap-command.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * PfImapCommandFlags:
 * @PF_IMAP_COMMAND_NONE: an ordinary command that may be pipelined
 * @PF_IMAP_COMMAND_BARRIER: nothing is sent after it until it completes,
 *   and it is sent only when no other command is in flight (STARTTLS,
 *   LOGIN, AUTHENTICATE, SELECT, EXAMINE, CLOSE, UNSELECT, IDLE, COMPRESS,
 *   LOGOUT: commands that change the connection's state)
 * @PF_IMAP_COMMAND_SECRET: it carries a credential; traces leave it out
 */
typedef enum
{
  PF_IMAP_COMMAND_NONE    = 0,
  PF_IMAP_COMMAND_BARRIER = 1 << 0,
  PF_IMAP_COMMAND_SECRET  = 1 << 1,
} PfImapCommandFlags;

typedef struct _PfImapCommand PfImapCommand;

PfImapCommand     *pf_imap_command_new            (const char         *name,
                                                   PfImapCommandFlags  flags);
PfImapCommand     *pf_imap_command_ref            (PfImapCommand      *self);
void               pf_imap_command_unref          (PfImapCommand      *self);

const char        *pf_imap_command_get_name       (PfImapCommand      *self);
PfImapCommandFlags pf_imap_command_get_flags      (PfImapCommand      *self);

void               pf_imap_command_add_atom       (PfImapCommand      *self,
                                                   const char         *atom);
void               pf_imap_command_add_number     (PfImapCommand      *self,
                                                   guint64             number);
void               pf_imap_command_add_string     (PfImapCommand      *self,
                                                   const char         *utf8);
void               pf_imap_command_add_literal    (PfImapCommand      *self,
                                                   GBytes             *bytes);
gboolean           pf_imap_command_add_mailbox    (PfImapCommand      *self,
                                                   const char         *utf8,
                                                   gboolean            utf8_accepted,
                                                   GError            **error);
void               pf_imap_command_add_raw        (PfImapCommand      *self,
                                                   const char         *text);

GPtrArray         *pf_imap_command_serialize      (PfImapCommand      *self,
                                                   const char         *tag,
                                                   gboolean            literal_plus);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapCommand, pf_imap_command_unref)

G_END_DECLS
