/* pf-account.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-account-error.h"
#include "pf-server-settings.h"

G_BEGIN_DECLS

/**
 * PfAccountKind:
 * @PF_ACCOUNT_KIND_IMAP: mail stays on an IMAP server, Postfach keeps a copy
 * @PF_ACCOUNT_KIND_POP3: mail is downloaded from a POP3 server; the local
 *   copy may be the only one
 */
typedef enum
{
  PF_ACCOUNT_KIND_IMAP,
  PF_ACCOUNT_KIND_POP3,
} PfAccountKind;

/**
 * PfPop3Policy:
 * @PF_POP3_POLICY_DELETE: delete a message on the server once it is safely
 *   stored here
 * @PF_POP3_POLICY_KEEP: leave every message on the server
 * @PF_POP3_POLICY_KEEP_DAYS: leave messages on the server for
 *   #PfAccount:pop3-keep-days days after download, then delete them there
 * @PF_POP3_POLICY_DELETE_WITH_LOCAL: leave messages on the server until they
 *   are deleted here
 *
 * What a POP3 download does with the server's copy.
 */
typedef enum
{
  PF_POP3_POLICY_DELETE,
  PF_POP3_POLICY_KEEP,
  PF_POP3_POLICY_KEEP_DAYS,
  PF_POP3_POLICY_DELETE_WITH_LOCAL,
} PfPop3Policy;

/**
 * PF_ACCOUNT_KEY_FILE_VERSION:
 *
 * The format version pf_account_to_key_file() writes. Files with a higher
 * version are refused with %PF_ACCOUNT_ERROR_UNSUPPORTED_VERSION.
 */
#define PF_ACCOUNT_KEY_FILE_VERSION 1

#define PF_TYPE_ACCOUNT_KIND (pf_account_kind_get_type ())
#define PF_TYPE_POP3_POLICY (pf_pop3_policy_get_type ())

GType pf_account_kind_get_type (void) G_GNUC_CONST;
GType pf_pop3_policy_get_type  (void) G_GNUC_CONST;

#define PF_TYPE_ACCOUNT (pf_account_get_type ())

G_DECLARE_FINAL_TYPE (PfAccount, pf_account, PF, ACCOUNT, GObject)

PfAccount        *pf_account_new                (PfAccountKind   kind);
PfAccount        *pf_account_copy               (PfAccount      *self);
void              pf_account_assign             (PfAccount      *self,
                                                 PfAccount      *other);
gboolean          pf_account_equal              (PfAccount      *self,
                                                 PfAccount      *other);

const char       *pf_account_get_id             (PfAccount      *self);
char             *pf_account_dup_data_dir       (PfAccount      *self);
gboolean          pf_account_delete_data        (PfAccount      *self,
                                                 GCancellable   *cancellable,
                                                 GError        **error);
gint64            pf_account_get_created        (PfAccount      *self);

PfAccountKind     pf_account_get_kind           (PfAccount      *self);
void              pf_account_set_kind           (PfAccount      *self,
                                                 PfAccountKind   kind);
const char       *pf_account_get_display_name   (PfAccount      *self);
void              pf_account_set_display_name   (PfAccount      *self,
                                                 const char     *display_name);
const char       *pf_account_get_address       (PfAccount      *self);
void              pf_account_set_address       (PfAccount      *self,
                                                 const char     *address);
const char       *pf_account_get_real_name      (PfAccount      *self);
void              pf_account_set_real_name      (PfAccount      *self,
                                                 const char     *real_name);
const char       *pf_account_get_reply_to       (PfAccount      *self);
void              pf_account_set_reply_to       (PfAccount      *self,
                                                 const char     *reply_to);
const char       *pf_account_get_signature      (PfAccount      *self);
void              pf_account_set_signature      (PfAccount      *self,
                                                 const char     *signature);

PfServerSettings *pf_account_get_incoming       (PfAccount      *self);
PfServerSettings *pf_account_get_outgoing       (PfAccount      *self);

PfPop3Policy      pf_account_get_pop3_policy    (PfAccount      *self);
void              pf_account_set_pop3_policy    (PfAccount      *self,
                                                 PfPop3Policy    policy);
guint             pf_account_get_pop3_keep_days (PfAccount      *self);
void              pf_account_set_pop3_keep_days (PfAccount      *self,
                                                 guint           days);

gboolean          pf_account_validate           (PfAccount      *self,
                                                 GError        **error);
gboolean          pf_account_is_valid_id        (const char     *id);

GKeyFile         *pf_account_to_key_file        (PfAccount      *self);
PfAccount        *pf_account_new_from_key_file  (GKeyFile       *key_file,
                                                 GError        **error);

G_END_DECLS
