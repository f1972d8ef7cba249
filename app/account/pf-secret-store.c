/* pf-secret-store.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-account"

#include "config.h"

#include <libsecret/secret.h>

#include "pf-secret-store.h"

/*
 * Passwords live only in the Secret Service (GNOME Keyring, KWallet, …),
 * never in Postfach's own files. One item per account and server, so that
 * an account whose IMAP and SMTP logins differ keeps both.
 */

struct _PfSecretStore
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (PfSecretStore, pf_secret_store, G_TYPE_OBJECT)

static const SecretSchema *
pf_secret_store_get_schema (void)
{
  static const SecretSchema schema = {
    "org.postfach.Password", SECRET_SCHEMA_NONE,
    {
      { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "service", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

/**
 * pf_secret_service_to_string:
 * @service: a #PfSecretService
 *
 * Returns: the attribute value stored for @service ("imap", "pop3", "smtp").
 */
const char *
pf_secret_service_to_string (PfSecretService service)
{
  switch (service)
    {
    case PF_SECRET_SERVICE_IMAP:
      return "imap";
    case PF_SECRET_SERVICE_POP3:
      return "pop3";
    case PF_SECRET_SERVICE_SMTP:
      return "smtp";
    default:
      g_return_val_if_reached (NULL);
    }
}

static GHashTable *
make_attributes (const char      *account_id,
                 PfSecretService  service,
                 const char      *host,
                 const char      *user)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);

  /* The strings are borrowed: the table lives only during the call. */
  g_hash_table_insert (attributes, (gpointer) "account", (gpointer) account_id);
  g_hash_table_insert (attributes, (gpointer) "service",
                       (gpointer) pf_secret_service_to_string (service));
  g_hash_table_insert (attributes, (gpointer) "host", (gpointer) host);
  g_hash_table_insert (attributes, (gpointer) "user", (gpointer) user);

  return attributes;
}

static void
pf_secret_store_class_init (PfSecretStoreClass *klass)
{
}

static void
pf_secret_store_init (PfSecretStore *self)
{
}

/**
 * pf_secret_store_new:
 *
 * Returns: (transfer full): a new #PfSecretStore
 */
PfSecretStore *
pf_secret_store_new (void)
{
  return g_object_new (PF_TYPE_SECRET_STORE, NULL);
}

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * pf_secret_store_store_async:
 * @self: a #PfSecretStore
 * @account_id: the account's id
 * @service: which server of the account
 * @host: the server's host name
 * @user: the login name
 * @label: a label the user sees in a keyring manager such as Seahorse
 * @password: the password; not kept by @self
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context when done
 * @user_data: data for @callback
 *
 * Stores @password in the default keyring, replacing an earlier password
 * for the same account, service, host and user.
 */
void
pf_secret_store_store_async (PfSecretStore       *self,
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
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;

  g_return_if_fail (PF_IS_SECRET_STORE (self));
  g_return_if_fail (account_id != NULL && host != NULL && user != NULL);
  g_return_if_fail (label != NULL && password != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_secret_store_store_async);

  attributes = make_attributes (account_id, service, host, user);
  secret_password_storev (pf_secret_store_get_schema (), attributes,
                          SECRET_COLLECTION_DEFAULT, label, password,
                          cancellable, store_cb, g_steal_pointer (&task));
}

/**
 * pf_secret_store_store_finish:
 *
 * Returns: %TRUE when the password is stored. Errors come from libsecret
 *   and D-Bus, e.g. %G_DBUS_ERROR_SERVICE_UNKNOWN when no Secret Service
 *   runs.
 */
gboolean
pf_secret_store_store_finish (PfSecretStore  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (PF_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *password;

  password = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, password, (GDestroyNotify) secret_password_free);
}

/**
 * pf_secret_store_lookup_async:
 * @self: a #PfSecretStore
 * @account_id: the account's id
 * @service: which server of the account
 * @host: the server's host name
 * @user: the login name
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Looks up the password stored for exactly this account, service, host and
 * user. Unlocking the keyring may prompt the user.
 */
void
pf_secret_store_lookup_async (PfSecretStore       *self,
                              const char          *account_id,
                              PfSecretService      service,
                              const char          *host,
                              const char          *user,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;

  g_return_if_fail (PF_IS_SECRET_STORE (self));
  g_return_if_fail (account_id != NULL && host != NULL && user != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_secret_store_lookup_async);

  attributes = make_attributes (account_id, service, host, user);
  secret_password_lookupv (pf_secret_store_get_schema (), attributes,
                           cancellable, lookup_cb, g_steal_pointer (&task));
}

/**
 * pf_secret_store_lookup_finish:
 *
 * Returns: (transfer full) (nullable): the password, to be freed with
 *   secret_password_free() (it wipes the memory), or %NULL with @error
 *   unset when no password is stored.
 */
char *
pf_secret_store_lookup_finish (PfSecretStore  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (PF_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  gboolean removed;

  removed = secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, removed);
}

static void
clear_matching (PfSecretStore       *self,
                GHashTable          *attributes,
                gpointer             source_tag,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  secret_password_clearv (pf_secret_store_get_schema (), attributes,
                          cancellable, clear_cb, g_steal_pointer (&task));
}

/**
 * pf_secret_store_clear_async:
 * @self: a #PfSecretStore
 * @account_id: the account's id
 * @service: which server of the account
 * @host: the server's host name
 * @user: the login name
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Deletes the password stored for this account, service, host and user.
 */
void
pf_secret_store_clear_async (PfSecretStore       *self,
                             const char          *account_id,
                             PfSecretService      service,
                             const char          *host,
                             const char          *user,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;

  g_return_if_fail (PF_IS_SECRET_STORE (self));
  g_return_if_fail (account_id != NULL && host != NULL && user != NULL);

  attributes = make_attributes (account_id, service, host, user);
  clear_matching (self, attributes, pf_secret_store_clear_async,
                  cancellable, callback, user_data);
}

/**
 * pf_secret_store_clear_finish:
 *
 * Returns: %TRUE if a password was deleted, %FALSE with @error unset if
 *   there was none.
 */
gboolean
pf_secret_store_clear_finish (PfSecretStore  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (PF_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pf_secret_store_clear_account_async:
 * @self: a #PfSecretStore
 * @account_id: the account's id
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Deletes every password of an account, for when the account is removed.
 */
void
pf_secret_store_clear_account_async (PfSecretStore       *self,
                                     const char          *account_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;

  g_return_if_fail (PF_IS_SECRET_STORE (self));
  g_return_if_fail (account_id != NULL);

  attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (attributes, (gpointer) "account", (gpointer) account_id);
  clear_matching (self, attributes, pf_secret_store_clear_account_async,
                  cancellable, callback, user_data);
}

/**
 * pf_secret_store_clear_account_finish:
 *
 * Returns: %TRUE if any password was deleted.
 */
gboolean
pf_secret_store_clear_account_finish (PfSecretStore  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return pf_secret_store_clear_finish (self, result, error);
}
