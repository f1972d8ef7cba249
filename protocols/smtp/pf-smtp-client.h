/* pf-smtp-client.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "net/pf-net-connection.h"

G_BEGIN_DECLS

#define PF_TYPE_SMTP_CLIENT (pf_smtp_client_get_type ())

G_DECLARE_FINAL_TYPE (PfSmtpClient, pf_smtp_client, PF, SMTP_CLIENT, GObject)

PfSmtpClient    *pf_smtp_client_new             (PfNetConnection      *connection);
PfNetConnection *pf_smtp_client_get_connection  (PfSmtpClient         *self);
void             pf_smtp_client_set_client_name (PfSmtpClient         *self,
                                                 const char           *name);
gboolean         pf_smtp_client_has_extension   (PfSmtpClient         *self,
                                                 const char           *keyword);
const char      *pf_smtp_client_get_extension   (PfSmtpClient         *self,
                                                 const char           *keyword);
guint64          pf_smtp_client_get_size_limit  (PfSmtpClient         *self);

void             pf_smtp_client_open_async      (PfSmtpClient         *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean         pf_smtp_client_open_finish     (PfSmtpClient         *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

void             pf_smtp_client_login_async     (PfSmtpClient         *self,
                                                 const char           *user,
                                                 const char           *secret,
                                                 gboolean              secret_is_oauth_token,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean         pf_smtp_client_login_finish    (PfSmtpClient         *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

void             pf_smtp_client_send_async      (PfSmtpClient         *self,
                                                 const char           *from,
                                                 const char * const   *recipients,
                                                 GInputStream         *message,
                                                 gint64                size_hint,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean         pf_smtp_client_send_finish     (PfSmtpClient         *self,
                                                 GAsyncResult         *result,
                                                 GPtrArray           **refused,
                                                 GError              **error);

void             pf_smtp_client_quit_async      (PfSmtpClient         *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean         pf_smtp_client_quit_finish     (PfSmtpClient         *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

G_END_DECLS
