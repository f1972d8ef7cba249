/* pf-account-manager.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-account"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pf-account-manager.h"

/*
 * The accounts, one key file each: <directory>/<id>.ini, by default
 * $XDG_CONFIG_HOME/postfach/accounts/. Files are written atomically
 * (temporary file, fsync, rename) with mode 0600 in a 0700 directory, and
 * hold no password: those are in the #PfPasswordVault.
 *
 * As a #GListModel the manager lists the accounts in creation order
 * (PfAccount:created, then id), so renaming an account never moves it and
 * only adding and removing emit items-changed.
 *
 * Main thread only. Account files are small and few; reading and writing
 * them is done synchronously.
 */

struct _PfAccountManager
{
  GObject          parent_instance;

  /* Owned */
  char            *directory;
  PfPasswordVault *vault;
  GPtrArray       *accounts;  /* of PfAccount, in list order */
  GHashTable      *saved;     /* id → key file text as last loaded or written */
};

static void pf_account_manager_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PfAccountManager, pf_account_manager, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      pf_account_manager_list_model_init))

enum {
  PROP_0,
  PROP_DIRECTORY,
  PROP_VAULT,
  N_PROPS
};

enum {
  ACCOUNT_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* GListModel */

static GType
pf_account_manager_get_item_type (GListModel *model)
{
  return PF_TYPE_ACCOUNT;
}

static guint
pf_account_manager_get_n_items (GListModel *model)
{
  PfAccountManager *self = PF_ACCOUNT_MANAGER (model);

  return self->accounts->len;
}

static gpointer
pf_account_manager_get_item (GListModel *model,
                             guint       position)
{
  PfAccountManager *self = PF_ACCOUNT_MANAGER (model);

  if (position >= self->accounts->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->accounts, position));
}

static void
pf_account_manager_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = pf_account_manager_get_item_type;
  iface->get_n_items = pf_account_manager_get_n_items;
  iface->get_item = pf_account_manager_get_item;
}

/* GObject */

static void
pf_account_manager_constructed (GObject *object)
{
  PfAccountManager *self = (PfAccountManager *) object;

  G_OBJECT_CLASS (pf_account_manager_parent_class)->constructed (object);

  if (self->directory == NULL)
    self->directory = pf_account_manager_dup_default_directory ();
  if (self->vault == NULL)
    self->vault = pf_password_vault_new (NULL);
}

static void
pf_account_manager_dispose (GObject *object)
{
  PfAccountManager *self = (PfAccountManager *) object;

  g_clear_object (&self->vault);
  if (self->accounts != NULL)
    g_ptr_array_set_size (self->accounts, 0);

  G_OBJECT_CLASS (pf_account_manager_parent_class)->dispose (object);
}

static void
pf_account_manager_finalize (GObject *object)
{
  PfAccountManager *self = (PfAccountManager *) object;

  g_clear_pointer (&self->directory, g_free);
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  g_clear_pointer (&self->saved, g_hash_table_unref);

  G_OBJECT_CLASS (pf_account_manager_parent_class)->finalize (object);
}

static void
pf_account_manager_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  PfAccountManager *self = PF_ACCOUNT_MANAGER (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_value_set_string (value, self->directory);
      break;

    case PROP_VAULT:
      g_value_set_object (value, self->vault);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_account_manager_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  PfAccountManager *self = PF_ACCOUNT_MANAGER (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      self->directory = g_value_dup_string (value);
      break;

    case PROP_VAULT:
      self->vault = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_account_manager_class_init (PfAccountManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = pf_account_manager_constructed;
  object_class->dispose = pf_account_manager_dispose;
  object_class->finalize = pf_account_manager_finalize;
  object_class->get_property = pf_account_manager_get_property;
  object_class->set_property = pf_account_manager_set_property;

  /**
   * PfAccountManager:directory:
   *
   * The directory of the account files.
   */
  properties[PROP_DIRECTORY] =
    g_param_spec_string ("directory", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * PfAccountManager:vault:
   *
   * Where the accounts' passwords are kept.
   */
  properties[PROP_VAULT] =
    g_param_spec_object ("vault", NULL, NULL, PF_TYPE_PASSWORD_VAULT,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PfAccountManager::account-changed:
   * @self: the manager
   * @account: the account, as listed by the manager
   *
   * Emitted after pf_account_manager_update() saved settings that differ
   * from the ones saved before. Not emitted for adding or removing (see
   * #GListModel::items-changed) nor for edits not yet saved.
   */
  signals[ACCOUNT_CHANGED] =
    g_signal_new ("account-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL,
                  g_cclosure_marshal_VOID__OBJECT,
                  G_TYPE_NONE, 1, PF_TYPE_ACCOUNT);
}

static void
pf_account_manager_init (PfAccountManager *self)
{
  self->accounts = g_ptr_array_new_with_free_func (g_object_unref);
  self->saved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * pf_account_manager_dup_default_directory:
 *
 * Returns: (transfer full) (type filename): $XDG_CONFIG_HOME/postfach/accounts
 */
char *
pf_account_manager_dup_default_directory (void)
{
  return g_build_filename (g_get_user_config_dir (), "postfach", "accounts", NULL);
}

/**
 * pf_account_manager_new:
 * @directory: (nullable) (type filename): where the account files are, or
 *   %NULL for pf_account_manager_dup_default_directory()
 * @vault: (nullable): the password vault, or %NULL for a new one
 *
 * Creates an empty manager; pf_account_manager_load() reads the accounts.
 *
 * Returns: (transfer full): a new #PfAccountManager
 */
PfAccountManager *
pf_account_manager_new (const char      *directory,
                        PfPasswordVault *vault)
{
  g_return_val_if_fail (vault == NULL || PF_IS_PASSWORD_VAULT (vault), NULL);

  return g_object_new (PF_TYPE_ACCOUNT_MANAGER,
                       "directory", directory,
                       "vault", vault,
                       NULL);
}

/**
 * pf_account_manager_get_directory:
 *
 * Returns: (type filename): the directory of the account files
 */
const char *
pf_account_manager_get_directory (PfAccountManager *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_MANAGER (self), NULL);

  return self->directory;
}

/**
 * pf_account_manager_get_vault:
 *
 * Returns: (transfer none): the vault holding the accounts' passwords
 */
PfPasswordVault *
pf_account_manager_get_vault (PfAccountManager *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_MANAGER (self), NULL);

  return self->vault;
}

static char *
account_path (PfAccountManager *self,
              const char       *id)
{
  g_autofree char *name = g_strconcat (id, ".ini", NULL);

  return g_build_filename (self->directory, name, NULL);
}

static char *
serialize (PfAccount *account)
{
  g_autoptr(GKeyFile) key_file = pf_account_to_key_file (account);

  return g_key_file_to_data (key_file, NULL, NULL);
}

static int
compare_accounts (PfAccount *a,
                  PfAccount *b)
{
  gint64 created_a = pf_account_get_created (a);
  gint64 created_b = pf_account_get_created (b);

  if (created_a != created_b)
    return created_a < created_b ? -1 : 1;

  return strcmp (pf_account_get_id (a), pf_account_get_id (b));
}

static int
compare_accounts_indirect (gconstpointer a,
                           gconstpointer b)
{
  return compare_accounts (*(PfAccount **) a, *(PfAccount **) b);
}

static gboolean
find_account (PfAccountManager *self,
              const char       *id,
              guint            *position)
{
  for (guint i = 0; i < self->accounts->len; i++)
    {
      if (g_str_equal (pf_account_get_id (g_ptr_array_index (self->accounts, i)), id))
        {
          if (position != NULL)
            *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

/* Reads one account file; errors carry the file name. */
static PfAccount *
load_file (const char  *path,
           const char  *id,
           GError     **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(PfAccount) account = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *display = g_filename_display_name (path);

  if (!pf_account_is_valid_id (id))
    {
      g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_FILE,
                   /* Translators: %s is a file name */
                   _("The account file “%s” has a name that is not an account id."),
                   display);
      return NULL;
    }

  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_FILE,
                   /* Translators: the first %s is a file name, the second the reason */
                   _("Cannot read the account file “%s”: %s"),
                   display, local_error->message);
      return NULL;
    }

  account = pf_account_new_from_key_file (key_file, &local_error);
  if (account == NULL)
    {
      g_set_error (error, PF_ACCOUNT_ERROR, local_error->code,
                   /* Translators: the first %s is a file name, the second the reason */
                   _("Cannot read the account file “%s”: %s"),
                   display, local_error->message);
      return NULL;
    }

  if (!g_str_equal (pf_account_get_id (account), id))
    {
      g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_FILE,
                   /* Translators: %s is a file name */
                   _("The account file “%s” belongs to another account id."),
                   display);
      return NULL;
    }

  return g_steal_pointer (&account);
}

/**
 * pf_account_manager_load:
 * @self: a #PfAccountManager
 * @out_problems: (out) (optional) (transfer full) (element-type GError):
 *   the account files that could not be read, one translated
 *   %PF_ACCOUNT_ERROR (_INVALID_FILE or _UNSUPPORTED_VERSION) each, naming
 *   the file; an empty array if there were none
 * @error: return location for a #GError
 *
 * Reads all account files of the directory, replacing the accounts listed
 * so far (one items-changed for the whole list). A file that cannot be read
 * is skipped and reported in @out_problems, the others load all the same.
 * A missing directory means no accounts. Called once at startup.
 *
 * Returns: %FALSE only if the directory exists but cannot be listed
 */
gboolean
pf_account_manager_load (PfAccountManager  *self,
                         GPtrArray        **out_problems,
                         GError           **error)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GPtrArray) accounts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) saved = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  guint old_n;

  g_return_val_if_fail (PF_IS_ACCOUNT_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  saved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  dir = g_dir_open (self->directory, 0, &local_error);
  if (dir == NULL && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_autofree char *display = g_filename_display_name (self->directory);

      g_set_error (error, local_error->domain, local_error->code,
                   /* Translators: the first %s is a directory, the second the reason */
                   _("Cannot read the accounts in “%s”: %s"),
                   display, local_error->message);
      return FALSE;
    }

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *id = NULL;
      g_autoptr(PfAccount) account = NULL;
      GError *problem = NULL;

      /* Temporary files of an interrupted save end in .ini.XXXXXX. */
      if (!g_str_has_suffix (name, ".ini") || name[0] == '.')
        continue;

      path = g_build_filename (self->directory, name, NULL);
      id = g_strndup (name, strlen (name) - strlen (".ini"));
      account = load_file (path, id, &problem);
      if (account == NULL)
        {
          g_ptr_array_add (problems, problem);
          continue;
        }

      g_hash_table_replace (saved, g_strdup (id), serialize (account));
      g_ptr_array_add (accounts, g_steal_pointer (&account));
    }

  g_ptr_array_sort (accounts, compare_accounts_indirect);

  old_n = self->accounts->len;
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  self->accounts = g_steal_pointer (&accounts);
  g_clear_pointer (&self->saved, g_hash_table_unref);
  self->saved = g_steal_pointer (&saved);

  if (old_n > 0 || self->accounts->len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, self->accounts->len);

  if (out_problems != NULL)
    *out_problems = g_steal_pointer (&problems);

  return TRUE;
}

/**
 * pf_account_manager_lookup:
 * @self: a #PfAccountManager
 * @id: an account id
 *
 * Returns: (transfer none) (nullable): the account with @id, or %NULL
 */
PfAccount *
pf_account_manager_lookup (PfAccountManager *self,
                           const char       *id)
{
  guint position;

  g_return_val_if_fail (PF_IS_ACCOUNT_MANAGER (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  if (!find_account (self, id, &position))
    return NULL;

  return g_ptr_array_index (self->accounts, position);
}

/* Writes @data as the file of @account: atomically, 0600, in a 0700
 * directory. */
static gboolean
write_file (PfAccountManager  *self,
            PfAccount         *account,
            const char        *data,
            GError           **error)
{
  g_autofree char *path = account_path (self, pf_account_get_id (account));
  g_autoptr(GError) local_error = NULL;

  if (g_mkdir_with_parents (self->directory, 0700) != 0)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (self->directory);

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   /* Translators: the first %s is a directory, the second the reason */
                   _("Cannot create the accounts folder “%s”: %s"),
                   display, g_strerror (saved_errno));
      return FALSE;
    }

  if (!g_file_set_contents_full (path, data, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   /* Translators: the first %s is the account's name, the second the
                    * reason */
                   _("Cannot save the account “%s”: %s"),
                   pf_account_get_display_name (account), local_error->message);
      return FALSE;
    }

  return TRUE;
}

/**
 * pf_account_manager_add:
 * @self: a #PfAccountManager
 * @account: a new account, e.g. from pf_account_new()
 * @error: return location for a #GError
 *
 * Validates @account, writes its file and lists it (items-changed at its
 * position). The manager keeps a reference to @account itself.
 *
 * Returns: %TRUE on success; errors are those of pf_account_validate(),
 *   %PF_ACCOUNT_ERROR_EXISTS, or a #GFileError from writing
 */
gboolean
pf_account_manager_add (PfAccountManager  *self,
                        PfAccount         *account,
                        GError           **error)
{
  g_autofree char *data = NULL;
  guint position;

  g_return_val_if_fail (PF_IS_ACCOUNT_MANAGER (self), FALSE);
  g_return_val_if_fail (PF_IS_ACCOUNT (account), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!pf_account_validate (account, error))
    return FALSE;

  if (find_account (self, pf_account_get_id (account), NULL))
    {
      g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_EXISTS,
                   /* Translators: %s is the account's name */
                   _("The account “%s” has already been added."),
                   pf_account_get_display_name (account));
      return FALSE;
    }

  data = serialize (account);
  if (!write_file (self, account, data, error))
    return FALSE;

  for (position = 0; position < self->accounts->len; position++)
    {
      if (compare_accounts (account, g_ptr_array_index (self->accounts, position)) < 0)
        break;
    }

  g_ptr_array_insert (self->accounts, position, g_object_ref (account));
  g_hash_table_replace (self->saved, g_strdup (pf_account_get_id (account)),
                        g_steal_pointer (&data));
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);

  return TRUE;
}

/**
 * pf_account_manager_update:
 * @self: a #PfAccountManager
 * @account: the listed account after editing it in place, or an edited
 *   copy of it (pf_account_copy()) whose settings are then taken over
 * @error: return location for a #GError
 *
 * Validates and saves the account's settings. If they differ from what was
 * saved before, the file is rewritten and #PfAccountManager::account-changed
 * is emitted with the listed account.
 *
 * When writing fails, a copy's settings are not taken over; an account
 * edited in place keeps its unsaved edits.
 *
 * Returns: %TRUE on success; errors are those of pf_account_validate(),
 *   %PF_ACCOUNT_ERROR_NOT_FOUND, or a #GFileError from writing
 */
gboolean
pf_account_manager_update (PfAccountManager  *self,
                           PfAccount         *account,
                           GError           **error)
{
  g_autofree char *data = NULL;
  PfAccount *listed;
  const char *id;

  g_return_val_if_fail (PF_IS_ACCOUNT_MANAGER (self), FALSE);
  g_return_val_if_fail (PF_IS_ACCOUNT (account), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  id = pf_account_get_id (account);
  listed = pf_account_manager_lookup (self, id);
  if (listed == NULL)
    {
      g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_NOT_FOUND,
                   /* Translators: %s is the account's name */
                   _("The account “%s” no longer exists."),
                   pf_account_get_display_name (account));
      return FALSE;
    }

  if (!pf_account_validate (account, error))
    return FALSE;

  if (account != listed)
    {
      g_autoptr(PfAccount) merged = pf_account_copy (listed);

      /* Id and creation time are the listed account's. */
      pf_account_assign (merged, account);
      data = serialize (merged);
    }
  else
    data = serialize (account);

  if (g_strcmp0 (g_hash_table_lookup (self->saved, id), data) == 0)
    return TRUE;

  if (!write_file (self, listed, data, error))
    return FALSE;

  pf_account_assign (listed, account);
  g_hash_table_replace (self->saved, g_strdup (id), g_steal_pointer (&data));
  g_signal_emit (self, signals[ACCOUNT_CHANGED], 0, listed);

  return TRUE;
}

static void
clear_account_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  pf_password_vault_clear_account_finish (PF_PASSWORD_VAULT (object), result, &error);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * pf_account_manager_remove_async:
 * @self: a #PfAccountManager
 * @id: the id of the account to remove
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Deletes the account's file and takes it off the list at once
 * (items-changed), then deletes its passwords from the #PfPasswordVault.
 * The account's mail is the caller's business.
 */
void
pf_account_manager_remove_async (PfAccountManager    *self,
                                 const char          *id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  g_autoptr(PfAccount) account = NULL;
  guint position;

  g_return_if_fail (PF_IS_ACCOUNT_MANAGER (self));
  g_return_if_fail (id != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_account_manager_remove_async);

  if (!find_account (self, id, &position))
    {
      g_task_return_new_error (task, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_NOT_FOUND,
                               "%s", _("The account no longer exists."));
      return;
    }

  account = g_object_ref (g_ptr_array_index (self->accounts, position));
  path = account_path (self, id);
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                               /* Translators: the first %s is the account's name, the
                                * second the reason */
                               _("Cannot remove the account “%s”: %s"),
                               pf_account_get_display_name (account),
                               g_strerror (saved_errno));
      return;
    }

  g_ptr_array_remove_index (self->accounts, position);
  g_hash_table_remove (self->saved, id);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);

  pf_password_vault_clear_account_async (self->vault, pf_account_get_id (account), cancellable,
                                         clear_account_cb, g_steal_pointer (&task));
}

/**
 * pf_account_manager_remove_finish:
 * @self: a #PfAccountManager
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the account and its passwords are gone. With
 *   %PF_ACCOUNT_ERROR_NOT_FOUND or a #GFileError nothing was removed; with
 *   an error of the Secret Service the account is removed but passwords
 *   may remain in the keyring.
 */
gboolean
pf_account_manager_remove_finish (PfAccountManager  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_MANAGER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
