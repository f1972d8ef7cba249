/* pf-password-vault.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-account"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>
#include <string.h>

#include "pf-password-vault.h"

/*
 * Where Postfach keeps passwords: the Secret Service through
 * #PfSecretStore and, only when there is none (no session bus, nothing
 * providing org.freedesktop.secrets), a table in this process's memory
 * for as long as Postfach runs. Never a file: a system without a keyring
 * gets asked for the password again after a restart, which is the honest
 * outcome. Memory that held a password is wiped before it is freed.
 *
 * Main thread only.
 */

struct _PfPasswordVault
{
  GObject        parent_instance;

  /* Owned */
  PfSecretStore *store;
  GHashTable    *session;      /* key (see make_key) → password, wiped on removal */
  GError        *unavailable;  /* why the last Secret Service attempt failed, or NULL */
};

G_DEFINE_FINAL_TYPE (PfPasswordVault, pf_password_vault, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SESSION_ONLY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  char     *key;
  char     *account_id;
  char     *password;       /* store only; wiped */
  gboolean  session_only;   /* the outcome */
} VaultOp;

static void
wipe_password (char *password)
{
  if (password == NULL)
    return;

  explicit_bzero (password, strlen (password));
  g_free (password);
}

static void
vault_op_free (VaultOp *op)
{
  g_clear_pointer (&op->key, g_free);
  g_clear_pointer (&op->account_id, g_free);
  g_clear_pointer (&op->password, wipe_password);
  g_free (op);
}

/* The attributes joined with a unit separator, which none of them holds
 * in practice; the account id comes first so clear_account finds its own. */
static char *
make_key (const char      *account_id,
          PfSecretService  service,
          const char      *host,
          const char      *user)
{
  return g_strjoin ("\x1f", account_id, pf_secret_service_to_string (service), host, user, NULL);
}

static void
set_unavailable (PfPasswordVault *self,
                 const GError    *error)
{
  gboolean was_session_only = self->unavailable != NULL;

  g_clear_error (&self->unavailable);
  if (error != NULL)
    self->unavailable = g_error_new_literal (PF_SECRET_STORE_ERROR,
                                             PF_SECRET_STORE_ERROR_UNAVAILABLE,
                                             _("No password storage (Secret Service) is "
                                               "available; the password is kept only until "
                                               "Postfach quits."));

  if (was_session_only != (self->unavailable != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION_ONLY]);
}

static void
pf_password_vault_dispose (GObject *object)
{
  PfPasswordVault *self = (PfPasswordVault *) object;

  g_clear_object (&self->store);

  G_OBJECT_CLASS (pf_password_vault_parent_class)->dispose (object);
}

static void
pf_password_vault_finalize (GObject *object)
{
  PfPasswordVault *self = (PfPasswordVault *) object;

  /* The table's value destructor wipes every password. */
  g_clear_pointer (&self->session, g_hash_table_unref);
  g_clear_error (&self->unavailable);

  G_OBJECT_CLASS (pf_password_vault_parent_class)->finalize (object);
}

static void
pf_password_vault_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  PfPasswordVault *self = PF_PASSWORD_VAULT (object);

  switch (prop_id)
    {
    case PROP_SESSION_ONLY:
      g_value_set_boolean (value, pf_password_vault_is_session_only (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_password_vault_class_init (PfPasswordVaultClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_password_vault_dispose;
  object_class->finalize = pf_password_vault_finalize;
  object_class->get_property = pf_password_vault_get_property;

  /**
   * PfPasswordVault:session-only:
   *
   * %TRUE while the last attempt to reach the Secret Service failed with
   * %PF_SECRET_STORE_ERROR_UNAVAILABLE: passwords stored now are kept in
   * memory until Postfach quits. For a banner in the UI; each call reports
   * its own outcome as well.
   */
  properties[PROP_SESSION_ONLY] =
    g_param_spec_boolean ("session-only", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pf_password_vault_init (PfPasswordVault *self)
{
  self->session = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) wipe_password);
}

/**
 * pf_password_vault_new:
 * @store: (nullable): the Secret Service access to use, or %NULL for a new
 *   #PfSecretStore
 *
 * Returns: (transfer full): a new #PfPasswordVault
 */
PfPasswordVault *
pf_password_vault_new (PfSecretStore *store)
{
  PfPasswordVault *self;

  g_return_val_if_fail (store == NULL || PF_IS_SECRET_STORE (store), NULL);

  self = g_object_new (PF_TYPE_PASSWORD_VAULT, NULL);
  self->store = store != NULL ? g_object_ref (store) : pf_secret_store_new ();

  return self;
}

/**
 * pf_password_vault_is_session_only:
 * @self: a #PfPasswordVault
 *
 * Returns: the value of #PfPasswordVault:session-only
 */
gboolean
pf_password_vault_is_session_only (PfPasswordVault *self)
{
  g_return_val_if_fail (PF_IS_PASSWORD_VAULT (self), FALSE);

  return self->unavailable != NULL;
}

/**
 * pf_password_vault_dup_unavailable_error:
 * @self: a #PfPasswordVault
 *
 * The report for the user while #PfPasswordVault:session-only is set:
 * %PF_SECRET_STORE_ERROR_UNAVAILABLE with a translated message saying that
 * no Secret Service is available and passwords are kept only until
 * Postfach quits.
 *
 * Returns: (transfer full) (nullable): a new #GError, or %NULL while the
 *   Secret Service works (or has not been tried yet)
 */
GError *
pf_password_vault_dup_unavailable_error (PfPasswordVault *self)
{
  g_return_val_if_fail (PF_IS_PASSWORD_VAULT (self), NULL);

  return self->unavailable != NULL ? g_error_copy (self->unavailable) : NULL;
}

static GTask *
vault_task_new (PfPasswordVault     *self,
                VaultOp             *op,
                gpointer             source_tag,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  GTask *task;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) vault_op_free);

  return task;
}

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  PfPasswordVault *self = g_task_get_source_object (task);
  VaultOp *op = g_task_get_task_data (task);

  if (pf_secret_store_store_finish (PF_SECRET_STORE (object), result, &error))
    {
      /* The keyring has it now; an older copy in memory is stale. */
      g_hash_table_remove (self->session, op->key);
      set_unavailable (self, NULL);
      g_task_return_boolean (task, TRUE);
    }
  else if (g_error_matches (error, PF_SECRET_STORE_ERROR, PF_SECRET_STORE_ERROR_UNAVAILABLE))
    {
      g_hash_table_replace (self->session, g_strdup (op->key), g_steal_pointer (&op->password));
      op->session_only = TRUE;
      set_unavailable (self, error);
      g_task_return_boolean (task, TRUE);
    }
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * pf_password_vault_store_async:
 * @self: a #PfPasswordVault
 * @account_id: the account's id
 * @service: which server of the account
 * @host: the server's host name
 * @user: the login name
 * @label: a label the user sees in a keyring manager such as Seahorse
 * @password: the password; copied, and the copy wiped when done with
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context when done
 * @user_data: data for @callback
 *
 * Stores @password in the Secret Service, replacing an earlier one for the
 * same account, service, host and user. If there is no Secret Service, the
 * password is kept in memory until @self is finalized instead, and
 * pf_password_vault_store_finish() says so.
 */
void
pf_password_vault_store_async (PfPasswordVault     *self,
                               const char          *account_id,
                               PfSecretService      service,
                               const char          *host,
                               const char          *user,
                               const char          *label,
                               const char          *password,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  VaultOp *op;
  GTask *task;

  g_return_if_fail (PF_IS_PASSWORD_VAULT (self));
  g_return_if_fail (account_id != NULL && host != NULL && user != NULL);
  g_return_if_fail (label != NULL && password != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  op = g_new0 (VaultOp, 1);
  op->key = make_key (account_id, service, host, user);
  op->password = g_strdup (password);

  task = vault_task_new (self, op, pf_password_vault_store_async,
                         cancellable, callback, user_data);
  pf_secret_store_store_async (self->store, account_id, service, host, user, label, password,
                               cancellable, store_cb, task);
}

/**
 * pf_password_vault_store_finish:
 * @self: a #PfPasswordVault
 * @result: the result passed to the callback
 * @out_session_only: (out) (optional): set to %TRUE if the password was
 *   kept in memory only, because no Secret Service is available; then
 *   pf_password_vault_dup_unavailable_error() has the message for the user
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the password is stored, in the Secret Service or for
 *   this session. Errors are those of the Secret Service other than
 *   %PF_SECRET_STORE_ERROR_UNAVAILABLE (e.g. the user dismissed the unlock
 *   prompt), or %G_IO_ERROR_CANCELLED.
 */
gboolean
pf_password_vault_store_finish (PfPasswordVault  *self,
                                GAsyncResult     *result,
                                gboolean         *out_session_only,
                                GError          **error)
{
  VaultOp *op;

  g_return_val_if_fail (PF_IS_PASSWORD_VAULT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  op = g_task_get_task_data (G_TASK (result));
  if (out_session_only != NULL)
    *out_session_only = op->session_only;

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  PfPasswordVault *self = g_task_get_source_object (task);
  VaultOp *op = g_task_get_task_data (task);
  char *password;

  password = pf_secret_store_lookup_finish (PF_SECRET_STORE (object), result, &error);
  if (error == NULL)
    {
      set_unavailable (self, NULL);
      g_task_return_pointer (task, password, (GDestroyNotify) secret_password_free);
    }
  else if (g_error_matches (error, PF_SECRET_STORE_ERROR, PF_SECRET_STORE_ERROR_UNAVAILABLE))
    {
      /* Nothing is known: the caller asks the user, and stores that. */
      op->session_only = TRUE;
      set_unavailable (self, error);
      g_task_return_pointer (task, NULL, NULL);
    }
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * pf_password_vault_lookup_async:
 * @self: a #PfPasswordVault
 * @account_id: the account's id
 * @service: which server of the account
 * @host: the server's host name
 * @user: the login name
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Looks up the password for exactly this account, service, host and user:
 * first among the passwords kept for this session, then in the Secret
 * Service. Unlocking the keyring may prompt the user.
 */
void
pf_password_vault_lookup_async (PfPasswordVault     *self,
                                const char          *account_id,
                                PfSecretService      service,
                                const char          *host,
                                const char          *user,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  VaultOp *op;
  const char *kept;

  g_return_if_fail (PF_IS_PASSWORD_VAULT (self));
  g_return_if_fail (account_id != NULL && host != NULL && user != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  op = g_new0 (VaultOp, 1);
  op->key = make_key (account_id, service, host, user);
  task = vault_task_new (self, op, pf_password_vault_lookup_async,
                         cancellable, callback, user_data);

  kept = g_hash_table_lookup (self->session, op->key);
  if (kept != NULL)
    {
      op->session_only = TRUE;
      g_task_return_pointer (task, g_strdup (kept), (GDestroyNotify) secret_password_free);
      return;
    }

  pf_secret_store_lookup_async (self->store, account_id, service, host, user,
                                cancellable, lookup_cb, g_steal_pointer (&task));
}

/**
 * pf_password_vault_lookup_finish:
 * @self: a #PfPasswordVault
 * @result: the result passed to the callback
 * @out_session_only: (out) (optional): set to %TRUE if the answer comes
 *   from memory, or if no Secret Service is available (then the result is
 *   %NULL and a password the user enters now can only be kept in memory)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the password, to be freed with
 *   secret_password_free() (it wipes the memory), or %NULL with @error
 *   unset when none is known
 */
char *
pf_password_vault_lookup_finish (PfPasswordVault  *self,
                                 GAsyncResult     *result,
                                 gboolean         *out_session_only,
                                 GError          **error)
{
  VaultOp *op;

  g_return_val_if_fail (PF_IS_PASSWORD_VAULT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  op = g_task_get_task_data (G_TASK (result));
  if (out_session_only != NULL)
    *out_session_only = op->session_only;

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * pf_password_vault_store_for_server_async:
 * @self: a #PfPasswordVault
 * @account: the account
 * @server: the account's incoming or outgoing server; host and username
 *   must be set
 * @password: the password; copied
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done; finish with pf_password_vault_store_finish()
 * @user_data: data for @callback
 *
 * pf_password_vault_store_async() with the attributes and a translated
 * label taken from @account and @server.
 */
void
pf_password_vault_store_for_server_async (PfPasswordVault     *self,
                                          PfAccount           *account,
                                          PfServerSettings    *server,
                                          const char          *password,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_autofree char *label = NULL;
  const char *host;
  const char *user;

  g_return_if_fail (PF_IS_ACCOUNT (account));
  g_return_if_fail (PF_IS_SERVER_SETTINGS (server));

  host = pf_server_settings_get_host (server);
  user = pf_server_settings_get_username (server);
  g_return_if_fail (host != NULL && user != NULL);

  /* Translators: shown in keyring managers such as Seahorse; the first %s
   * is a login name, the second a server's host name */
  label = g_strdup_printf (_("Postfach password for %s on %s"), user, host);
  pf_password_vault_store_async (self, pf_account_get_id (account),
                                 pf_server_protocol_to_secret_service (
                                   pf_server_settings_get_protocol (server)),
                                 host, user, label, password,
                                 cancellable, callback, user_data);
}

/**
 * pf_password_vault_lookup_for_server_async:
 * @self: a #PfPasswordVault
 * @account: the account
 * @server: the account's incoming or outgoing server; host and username
 *   must be set
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done; finish with pf_password_vault_lookup_finish()
 * @user_data: data for @callback
 *
 * pf_password_vault_lookup_async() with the attributes taken from @account
 * and @server.
 */
void
pf_password_vault_lookup_for_server_async (PfPasswordVault     *self,
                                           PfAccount           *account,
                                           PfServerSettings    *server,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  const char *host;
  const char *user;

  g_return_if_fail (PF_IS_ACCOUNT (account));
  g_return_if_fail (PF_IS_SERVER_SETTINGS (server));

  host = pf_server_settings_get_host (server);
  user = pf_server_settings_get_username (server);
  g_return_if_fail (host != NULL && user != NULL);

  pf_password_vault_lookup_async (self, pf_account_get_id (account),
                                  pf_server_protocol_to_secret_service (
                                    pf_server_settings_get_protocol (server)),
                                  host, user, cancellable, callback, user_data);
}

/* Clearing: whatever was in memory is gone at once; the Secret Service's
 * answer decides the result, and its absence is not an error. */
static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  PfPasswordVault *self = g_task_get_source_object (task);
  VaultOp *op = g_task_get_task_data (task);
  gboolean removed;

  /* clear_finish and clear_account_finish are the same. */
  removed = pf_secret_store_clear_finish (PF_SECRET_STORE (object), result, &error);
  if (error == NULL)
    {
      set_unavailable (self, NULL);
      g_task_return_boolean (task, removed || op->session_only);
    }
  else if (g_error_matches (error, PF_SECRET_STORE_ERROR, PF_SECRET_STORE_ERROR_UNAVAILABLE))
    {
      set_unavailable (self, error);
      g_task_return_boolean (task, op->session_only);
    }
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * pf_password_vault_clear_async:
 * @self: a #PfPasswordVault
 * @account_id: the account's id
 * @service: which server of the account
 * @host: the server's host name
 * @user: the login name
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Deletes the password for this account, service, host and user from
 * memory (wiped at once) and from the Secret Service.
 */
void
pf_password_vault_clear_async (PfPasswordVault     *self,
                               const char          *account_id,
                               PfSecretService      service,
                               const char          *host,
                               const char          *user,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  VaultOp *op;
  GTask *task;

  g_return_if_fail (PF_IS_PASSWORD_VAULT (self));
  g_return_if_fail (account_id != NULL && host != NULL && user != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  op = g_new0 (VaultOp, 1);
  op->key = make_key (account_id, service, host, user);
  op->session_only = g_hash_table_remove (self->session, op->key);

  task = vault_task_new (self, op, pf_password_vault_clear_async,
                         cancellable, callback, user_data);
  pf_secret_store_clear_async (self->store, account_id, service, host, user,
                               cancellable, clear_cb, task);
}

/**
 * pf_password_vault_clear_finish:
 * @self: a #PfPasswordVault
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE if a password was deleted, %FALSE with @error unset if
 *   there was none. A missing Secret Service is not an error.
 */
gboolean
pf_password_vault_clear_finish (PfPasswordVault  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (PF_IS_PASSWORD_VAULT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
key_has_account (gpointer key,
                 gpointer value,
                 gpointer user_data)
{
  const char *prefix = user_data;

  return g_str_has_prefix (key, prefix);
}

/**
 * pf_password_vault_clear_account_async:
 * @self: a #PfPasswordVault
 * @account_id: the account's id
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done; finish with
 *   pf_password_vault_clear_account_finish()
 * @user_data: data for @callback
 *
 * Deletes every password of an account, in memory (wiped at once) and in
 * the Secret Service, for when the account is removed.
 */
void
pf_password_vault_clear_account_async (PfPasswordVault     *self,
                                       const char          *account_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autofree char *prefix = NULL;
  VaultOp *op;
  GTask *task;

  g_return_if_fail (PF_IS_PASSWORD_VAULT (self));
  g_return_if_fail (account_id != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  prefix = g_strconcat (account_id, "\x1f", NULL);
  op = g_new0 (VaultOp, 1);
  op->account_id = g_strdup (account_id);
  op->session_only = g_hash_table_foreach_remove (self->session, key_has_account, prefix) > 0;

  task = vault_task_new (self, op, pf_password_vault_clear_account_async,
                         cancellable, callback, user_data);
  pf_secret_store_clear_account_async (self->store, account_id,
                                       cancellable, clear_cb, task);
}

/**
 * pf_password_vault_clear_account_finish:
 * @self: a #PfPasswordVault
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE if any password was deleted. A missing Secret Service is
 *   not an error.
 */
gboolean
pf_password_vault_clear_account_finish (PfPasswordVault  *self,
                                        GAsyncResult     *result,
                                        GError          **error)
{
  g_return_val_if_fail (PF_IS_PASSWORD_VAULT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
