/* pf-pop3-client.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "net/pf-net-connection.h"
#include "pf-pop3-error.h"

G_BEGIN_DECLS

/* One line of a LIST reply (RFC 1939 §5). */
typedef struct
{
  guint   msgnum;
  guint64 size;
} PfPop3ListEntry;

/* One line of a UIDL reply (RFC 1939 §7); uid is owned by the array. */
typedef struct
{
  guint  msgnum;
  char  *uid;
} PfPop3UidlEntry;

/* Proof that the store layer has a message durably: see
 * pf_pop3_client_confirm_stored(). Opaque. */
typedef struct _PfPop3StoredToken PfPop3StoredToken;

void     pf_pop3_stored_token_free (PfPop3StoredToken *token);
guint    pf_pop3_stored_token_get_msgnum (const PfPop3StoredToken *token);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfPop3StoredToken, pf_pop3_stored_token_free)

#define PF_TYPE_POP3_CLIENT (pf_pop3_client_get_type ())

G_DECLARE_FINAL_TYPE (PfPop3Client, pf_pop3_client, PF, POP3_CLIENT, GObject)

PfPop3Client    *pf_pop3_client_new               (PfNetConnection     *connection);
PfNetConnection *pf_pop3_client_get_connection    (PfPop3Client        *self);
gboolean         pf_pop3_client_has_capability    (PfPop3Client        *self,
                                                   const char          *name);
char           **pf_pop3_client_dup_sasl_mechanisms (PfPop3Client      *self);

void             pf_pop3_client_open_async        (PfPop3Client        *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         pf_pop3_client_open_finish       (PfPop3Client        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

void             pf_pop3_client_login_async       (PfPop3Client        *self,
                                                   const char          *user,
                                                   const char          *secret,
                                                   gboolean             secret_is_oauth_token,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         pf_pop3_client_login_finish      (PfPop3Client        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

void             pf_pop3_client_stat_async        (PfPop3Client        *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         pf_pop3_client_stat_finish       (PfPop3Client        *self,
                                                   GAsyncResult        *result,
                                                   guint               *n_messages,
                                                   guint64             *size,
                                                   GError             **error);

void             pf_pop3_client_list_async        (PfPop3Client        *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GArray          *pf_pop3_client_list_finish       (PfPop3Client        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

void             pf_pop3_client_uidl_async        (PfPop3Client        *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GArray          *pf_pop3_client_uidl_finish       (PfPop3Client        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

void             pf_pop3_client_retr_async        (PfPop3Client        *self,
                                                   guint                msgnum,
                                                   GOutputStream       *sink,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         pf_pop3_client_retr_finish       (PfPop3Client        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

void             pf_pop3_client_top_async         (PfPop3Client        *self,
                                                   guint                msgnum,
                                                   guint                n_lines,
                                                   GOutputStream       *sink,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         pf_pop3_client_top_finish        (PfPop3Client        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

PfPop3StoredToken *pf_pop3_client_confirm_stored  (PfPop3Client        *self,
                                                   guint                msgnum,
                                                   GError             **error);
PfPop3StoredToken *pf_pop3_client_confirm_stored_earlier (PfPop3Client  *self,
                                                   guint                msgnum,
                                                   const char          *uid,
                                                   GError             **error);

void             pf_pop3_client_dele_async        (PfPop3Client        *self,
                                                   const PfPop3StoredToken *token,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         pf_pop3_client_dele_finish       (PfPop3Client        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

void             pf_pop3_client_noop_async        (PfPop3Client        *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         pf_pop3_client_noop_finish       (PfPop3Client        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

void             pf_pop3_client_rset_async        (PfPop3Client        *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         pf_pop3_client_rset_finish       (PfPop3Client        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

void             pf_pop3_client_quit_async        (PfPop3Client        *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         pf_pop3_client_quit_finish       (PfPop3Client        *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

G_END_DECLS
