/* pf-secret-store.c
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

#include "pf-secret-store.h"

/*
 * Passwords live only in the Secret Service (GNOME Keyring, KWallet, …),
 * never in Postfach's own files. One item per account and server, so that
 * an account whose IMAP and SMTP logins differ keeps both.
 *
 * When there is no Secret Service to reach, every operation fails with
 * %PF_SECRET_STORE_ERROR_UNAVAILABLE; #PfPasswordVault then keeps the
 * password in memory for the session.
 */

struct _PfSecretStore
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (PfSecretStore, pf_secret_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (pf-secret-store-error-quark, pf_secret_store_error)

typedef enum
{
  OPERATION_STORE,
  OPERATION_LOOKUP,
  OPERATION_CLEAR,
} OperationKind;

/* What an operation needs once the session bus is there. */
typedef struct
{
  GHashTable    *attributes;  /* owned keys and values */
  char          *label;
  char          *password;    /* wiped when freed */
  OperationKind  kind;
} Operation;

static void
operation_free (Operation *op)
{
  g_clear_pointer (&op->attributes, g_hash_table_unref);
  g_clear_pointer (&op->label, g_free);
  if (op->password != NULL)
    {
      explicit_bzero (op->password, strlen (op->password));
      g_clear_pointer (&op->password, g_free);
    }
  g_free (op);
}

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
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  /* Values are copied: the table lives until the bus is there. */
  g_hash_table_insert (attributes, (gpointer) "account", g_strdup (account_id));
  g_hash_table_insert (attributes, (gpointer) "service",
                       g_strdup (pf_secret_service_to_string (service)));
  g_hash_table_insert (attributes, (gpointer) "host", g_strdup (host));
  g_hash_table_insert (attributes, (gpointer) "user", g_strdup (user));

  return attributes;
}

/* Whether @error says that no Secret Service is there to talk to: nothing
 * owns org.freedesktop.secrets and the bus cannot start anything for it. */
static gboolean
is_service_missing (const GError *error)
{
  if (error->domain != G_DBUS_ERROR)
    return FALSE;

  switch (error->code)
    {
    case G_DBUS_ERROR_SERVICE_UNKNOWN:
    case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
    case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
    case G_DBUS_ERROR_SPAWN_FORK_FAILED:
    case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
    case G_DBUS_ERROR_SPAWN_CHILD_SIGNALED:
    case G_DBUS_ERROR_SPAWN_FAILED:
    case G_DBUS_ERROR_SPAWN_SETUP_FAILED:
    case G_DBUS_ERROR_SPAWN_CONFIG_INVALID:
    case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
    case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
    case G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID:
    case G_DBUS_ERROR_SPAWN_FILE_INVALID:
    case G_DBUS_ERROR_SPAWN_NO_MEMORY:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Returns the error for a missing Secret Service and logs the technical
 * cause, which means little to a user. */
static GError *
unavailable_error (const GError *cause)
{
  g_debug ("No Secret Service: %s", cause->message);

  return g_error_new_literal (PF_SECRET_STORE_ERROR, PF_SECRET_STORE_ERROR_UNAVAILABLE,
                              _("No password storage (Secret Service) is available."));
}

/* Fails @task with @error, as %PF_SECRET_STORE_ERROR_UNAVAILABLE when it
 * says the Secret Service is missing. */
static void
return_secret_error (GTask  *task,
                     GError *error)
{
  if (is_service_missing (error))
    {
      g_task_return_error (task, unavailable_error (error));
      g_error_free (error);
    }
  else
    g_task_return_error (task, error);
}

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    return_secret_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
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
    return_secret_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, password, (GDestroyNotify) secret_password_free);
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
    return_secret_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, removed);
}

/* The session bus is checked first: without one libsecret fails with
 * whatever GIO's connect says (an unspecific G_IO_ERROR), which cannot be
 * told apart from other failures afterwards. */
static void
bus_get_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);
  Operation *op = g_task_get_task_data (task);

  bus = g_bus_get_finish (result, &error);
  if (bus == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_error (task, unavailable_error (error));
      return;
    }

  switch (op->kind)
    {
    case OPERATION_STORE:
      secret_password_storev (pf_secret_store_get_schema (), op->attributes,
                              SECRET_COLLECTION_DEFAULT, op->label, op->password,
                              cancellable, store_cb, g_steal_pointer (&task));
      break;

    case OPERATION_LOOKUP:
      secret_password_lookupv (pf_secret_store_get_schema (), op->attributes,
                               cancellable, lookup_cb, g_steal_pointer (&task));
      break;

    case OPERATION_CLEAR:
      secret_password_clearv (pf_secret_store_get_schema (), op->attributes,
                              cancellable, clear_cb, g_steal_pointer (&task));
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Takes @attributes. */
static void
start_operation (PfSecretStore       *self,
                 OperationKind        kind,
                 GHashTable          *attributes,
                 const char          *label,
                 const char          *password,
                 gpointer             source_tag,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Operation *op;

  op = g_new0 (Operation, 1);
  op->kind = kind;
  op->attributes = attributes;
  op->label = g_strdup (label);
  op->password = g_strdup (password);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) operation_free);

  g_bus_get (G_BUS_TYPE_SESSION, cancellable, bus_get_cb, g_steal_pointer (&task));
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
  g_return_if_fail (PF_IS_SECRET_STORE (self));
  g_return_if_fail (account_id != NULL && host != NULL && user != NULL);
  g_return_if_fail (label != NULL && password != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  start_operation (self, OPERATION_STORE, make_attributes (account_id, service, host, user),
                   label, password, pf_secret_store_store_async,
                   cancellable, callback, user_data);
}

/**
 * pf_secret_store_store_finish:
 *
 * Returns: %TRUE when the password is stored. Without a Secret Service
 *   the error is %PF_SECRET_STORE_ERROR_UNAVAILABLE; other errors come
 *   from libsecret and D-Bus.
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
  g_return_if_fail (PF_IS_SECRET_STORE (self));
  g_return_if_fail (account_id != NULL && host != NULL && user != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  start_operation (self, OPERATION_LOOKUP, make_attributes (account_id, service, host, user),
                   NULL, NULL, pf_secret_store_lookup_async,
                   cancellable, callback, user_data);
}

/**
 * pf_secret_store_lookup_finish:
 *
 * Returns: (transfer full) (nullable): the password, to be freed with
 *   secret_password_free() (it wipes the memory), or %NULL with @error
 *   unset when no password is stored. Without a Secret Service the error
 *   is %PF_SECRET_STORE_ERROR_UNAVAILABLE.
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
  g_return_if_fail (PF_IS_SECRET_STORE (self));
  g_return_if_fail (account_id != NULL && host != NULL && user != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  start_operation (self, OPERATION_CLEAR, make_attributes (account_id, service, host, user),
                   NULL, NULL, pf_secret_store_clear_async,
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
  GHashTable *attributes;

  g_return_if_fail (PF_IS_SECRET_STORE (self));
  g_return_if_fail (account_id != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_hash_table_insert (attributes, (gpointer) "account", g_strdup (account_id));
  start_operation (self, OPERATION_CLEAR, attributes,
                   NULL, NULL, pf_secret_store_clear_account_async,
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
