/* pf-imap-connection.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "net/pf-net-connection.h"
#include "pf-imap-command.h"
#include "pf-imap-parser.h"
#include "pf-imap-response.h"

G_BEGIN_DECLS

/**
 * PfImapState:
 * @PF_IMAP_STATE_DISCONNECTED: not open yet, or closed
 * @PF_IMAP_STATE_NOT_AUTHENTICATED: greeted, not logged in (RFC 3501 §3.1)
 * @PF_IMAP_STATE_AUTHENTICATED: logged in, no mailbox selected (§3.2)
 * @PF_IMAP_STATE_SELECTED: a mailbox is selected (§3.3)
 * @PF_IMAP_STATE_LOGOUT: the server said BYE or the connection broke (§3.4)
 */
typedef enum
{
  PF_IMAP_STATE_DISCONNECTED,
  PF_IMAP_STATE_NOT_AUTHENTICATED,
  PF_IMAP_STATE_AUTHENTICATED,
  PF_IMAP_STATE_SELECTED,
  PF_IMAP_STATE_LOGOUT,
} PfImapState;

#define PF_TYPE_IMAP_CONNECTION (pf_imap_connection_get_type ())

G_DECLARE_FINAL_TYPE (PfImapConnection, pf_imap_connection, PF, IMAP_CONNECTION, GObject)

/**
 * PfImapUntaggedFunc:
 * @connection: the connection
 * @response: an untagged response the command collects
 * @user_data: the data given with the command
 *
 * Receives untagged responses while a command is in flight, one at a
 * time, as they are parsed: a FETCH over a whole folder never gathers in
 * memory.
 */
typedef void (*PfImapUntaggedFunc) (PfImapConnection *connection,
                                    PfImapResponse   *response,
                                    gpointer          user_data);

/**
 * PfImapLiteralFunc:
 * @connection: the connection
 * @chunk: a piece of a large literal (see
 *   pf_imap_parser_set_literal_stream_threshold())
 * @user_data: the data given with the command
 *
 * Receives a large literal piece by piece; the bytes are only valid
 * during the call.
 */
typedef void (*PfImapLiteralFunc) (PfImapConnection         *connection,
                                   const PfImapLiteralChunk *chunk,
                                   gpointer                  user_data);

/**
 * PfImapContinuationFunc:
 * @connection: the connection
 * @response: the continuation request ("+ …")
 * @user_data: the data given with the command
 * @error: return location for an error, which fails the command
 *
 * Answers a continuation request during AUTHENTICATE, or accepts one
 * ("+ idling") with nothing to send: the caller sends the next line later
 * with pf_imap_connection_send_continuation_line(), and until then the
 * command timeout does not apply.
 *
 * Returns: (transfer full) (nullable): the line to send, without CRLF
 */
typedef GBytes *(*PfImapContinuationFunc) (PfImapConnection  *connection,
                                           PfImapResponse    *response,
                                           gpointer           user_data,
                                           GError           **error);

PfImapConnection  *pf_imap_connection_new              (PfNetConnection     *net);
PfNetConnection   *pf_imap_connection_get_net          (PfImapConnection    *self);
PfImapState        pf_imap_connection_get_state        (PfImapConnection    *self);
void               pf_imap_connection_set_state        (PfImapConnection    *self,
                                                        PfImapState          state);
gboolean           pf_imap_connection_has_capability   (PfImapConnection    *self,
                                                        const char          *capability);
const char *const *pf_imap_connection_get_capabilities (PfImapConnection    *self);
void               pf_imap_connection_set_command_timeout (PfImapConnection *self,
                                                           guint             seconds);
void               pf_imap_connection_set_literal_stream_threshold (PfImapConnection *self,
                                                                    guint64           bytes);
gboolean           pf_imap_connection_send_continuation_line (PfImapConnection *self,
                                                              GBytes           *line);

void               pf_imap_connection_open_async       (PfImapConnection    *self,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean           pf_imap_connection_open_finish      (PfImapConnection    *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

void               pf_imap_connection_run_async        (PfImapConnection    *self,
                                                        PfImapCommand       *command,
                                                        const char *const   *collect,
                                                        PfImapUntaggedFunc   untagged_func,
                                                        PfImapLiteralFunc    literal_func,
                                                        PfImapContinuationFunc continuation_func,
                                                        gpointer             func_data,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
PfImapResponse    *pf_imap_connection_run_finish       (PfImapConnection    *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

void               pf_imap_connection_login_async      (PfImapConnection    *self,
                                                        const char          *user,
                                                        const char          *secret,
                                                        gboolean             secret_is_token,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean           pf_imap_connection_login_finish     (PfImapConnection    *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

void               pf_imap_connection_compress_async   (PfImapConnection    *self,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean           pf_imap_connection_compress_finish  (PfImapConnection    *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

void               pf_imap_connection_logout_async     (PfImapConnection    *self,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean           pf_imap_connection_logout_finish    (PfImapConnection    *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

G_END_DECLS
