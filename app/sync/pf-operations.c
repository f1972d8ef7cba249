/* pf-operations.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "imap/pf-imap-types.h"
#include "pf-operations.h"

/**
 * SECTION:pf-operations
 *
 * What the user does to mail: applied to the store at once, queued in the
 * same transaction for replay to the server (pf_imap_sync_run_async()
 * replays the queue before it syncs), kept across restarts, and undoable
 * until replayed.
 *
 * Moving and deleting mark the messages \Deleted locally: the list models
 * hide such messages, undo clears the mark, and the sync after the replay
 * removes them from the source and brings them into the target with the
 * server's new UIDs. Nothing is copied locally that the server might not
 * accept.
 *
 * Stored form: targets is the UID set of the messages in the operation's
 * folder ("4,7:9"); args holds "add=N remove=N" (flags), "target=ID"
 * (move, copy) or the new name (folders); undo holds the old name of a
 * renamed folder.
 */

static char *
uid_set (const guint32 *uids,
         gsize          n_uids)
{
  g_autofree guint32 *sorted = g_memdup2 (uids, n_uids * sizeof (guint32));

  for (gsize i = 1; i < n_uids; i++)
    {
      guint32 value = sorted[i];
      gsize j = i;

      while (j > 0 && sorted[j - 1] > value)
        {
          sorted[j] = sorted[j - 1];
          j--;
        }
      sorted[j] = value;
    }
  return pf_imap_uids_to_sequence_string (sorted, n_uids);
}

/* The message ids of @uids in @folder_id; fails for an unknown UID. */
static GArray *
lookup_ids (PfStore        *store,
            gint64          folder_id,
            const guint32  *uids,
            gsize           n_uids,
            GError        **error)
{
  g_autoptr(GArray) ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n_uids);

  if (n_uids == 0)
    {
      g_set_error_literal (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                           _("No messages were given"));
      return NULL;
    }
  for (gsize i = 0; i < n_uids; i++)
    {
      g_autoptr(PfStoreMessage) message = NULL;

      message = pf_store_lookup_message_by_uid (store, folder_id, uids[i], NULL);
      if (message == NULL)
        {
          g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                       _("There is no message with UID %u in this folder"), uids[i]);
          return NULL;
        }
      g_array_append_val (ids, message->id);
    }
  return g_steal_pointer (&ids);
}

/* Local folders
 *
 * Folders that exist only here (all of a POP3 account's) have no server
 * to replay to: a change is applied completely at once and recorded as
 * done, so the queue shows it without waiting for a sync. */

static gboolean
is_local_folder (PfStore *store,
                 gint64   folder_id)
{
  g_autoptr(PfStoreFolder) folder = pf_store_get_folder (store, folder_id, NULL);

  return folder != NULL && folder->local_only;
}

/* Whether the account keeps all its folders here (a POP3 account). */
static gboolean
is_local_account (PfStore *store)
{
  g_autoptr(PfStoreFolder) inbox =
    pf_store_lookup_folder_by_special_use (store, PF_STORE_SPECIAL_USE_INBOX, NULL);

  return inbox != NULL && inbox->local_only;
}

static gint64
mark_done (PfStore  *store,
           gint64    operation_id,
           GError  **error)
{
  if (operation_id != 0 && !pf_store_mark_operation_done (store, operation_id, error))
    return 0;
  return operation_id;
}

static gint64 flag_operation (PfStore        *store,
                              const char     *kind,
                              gint64          folder_id,
                              const guint32  *uids,
                              gsize           n_uids,
                              PfStoreFlags    add,
                              PfStoreFlags    remove,
                              const char     *args,
                              GError        **error);

/* Moves (or with @target_folder_id 0 deletes) messages of a local folder
 * at once; the operation is recorded first and removed if that fails. */
static gint64
local_transfer (PfStore        *store,
                const char     *kind,
                gint64          folder_id,
                const guint32  *uids,
                gsize           n_uids,
                gint64          target_folder_id,
                GError        **error)
{
  g_autoptr(GArray) ids = lookup_ids (store, folder_id, uids, n_uids, error);
  g_autofree char *args = NULL;
  gint64 operation_id;

  if (ids == NULL)
    return 0;
  if (target_folder_id != 0 && !is_local_folder (store, target_folder_id))
    {
      g_set_error_literal (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                           _("Messages of a local folder can only go to another local folder"));
      return 0;
    }
  if (target_folder_id != 0)
    args = g_strdup_printf ("target=%" G_GINT64_FORMAT, target_folder_id);
  operation_id = flag_operation (store, kind, folder_id, uids, n_uids, PF_STORE_FLAG_NONE,
                                 PF_STORE_FLAG_NONE, args, error);
  if (operation_id == 0)
    return 0;
  if (!pf_store_move_local (store, (const gint64 *) (gpointer) ids->data, ids->len,
                            target_folder_id, error))
    {
      pf_store_remove_operation (store, operation_id, NULL);
      return 0;
    }
  return mark_done (store, operation_id, error);
}

static gint64
flag_operation (PfStore        *store,
                const char     *kind,
                gint64          folder_id,
                const guint32  *uids,
                gsize           n_uids,
                PfStoreFlags    add,
                PfStoreFlags    remove,
                const char     *args,
                GError        **error)
{
  g_autoptr(GArray) ids = lookup_ids (store, folder_id, uids, n_uids, error);
  g_autofree char *targets = NULL;

  if (ids == NULL)
    return 0;
  targets = uid_set (uids, n_uids);
  return pf_store_enqueue_flag_operation (store, kind, folder_id, (const gint64 *) (gpointer) ids->data,
                                          ids->len, add, remove, targets, args, error);
}

/**
 * pf_operations_parse_flag_args:
 * @args: (nullable): the args of a %PF_OPERATION_FLAGS operation
 * @add: (out): the flags to set
 * @remove: (out): the flags to clear
 *
 * Returns: whether @args were understood
 */
gboolean
pf_operations_parse_flag_args (const char   *args,
                               PfStoreFlags *add,
                               PfStoreFlags *remove)
{
  guint a = 0;
  guint r = 0;

  if (args == NULL || sscanf (args, "add=%u remove=%u", &a, &r) != 2)
    return FALSE;
  *add = a & PF_STORE_FLAGS_ALL;
  *remove = r & PF_STORE_FLAGS_ALL;
  return TRUE;
}

/**
 * pf_operations_set_flags:
 * @store: the account's store
 * @folder_id: the folder of the messages
 * @uids: (array length=n_uids): the messages' UIDs
 * @n_uids: how many
 * @add: flags to set (mark read: %PF_STORE_FLAG_SEEN, flag: …)
 * @remove: flags to clear
 * @error: return location for an error
 *
 * Returns: the queued operation's id, 0 on error
 */
gint64
pf_operations_set_flags (PfStore        *store,
                         gint64          folder_id,
                         const guint32  *uids,
                         gsize           n_uids,
                         PfStoreFlags    add,
                         PfStoreFlags    remove,
                         GError        **error)
{
  g_autofree char *args = NULL;
  gint64 operation_id;

  g_return_val_if_fail (PF_IS_STORE (store), 0);

  args = g_strdup_printf ("add=%u remove=%u", (guint) add, (guint) remove);
  operation_id = flag_operation (store, PF_OPERATION_FLAGS, folder_id, uids, n_uids, add, remove,
                                 args, error);
  return is_local_folder (store, folder_id) ? mark_done (store, operation_id, error)
                                            : operation_id;
}

static gboolean
check_target (PfStore  *store,
              gint64    folder_id,
              gint64    target_folder_id,
              GError  **error)
{
  g_autoptr(PfStoreFolder) target = pf_store_get_folder (store, target_folder_id, NULL);

  if (target == NULL)
    {
      g_set_error_literal (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                           _("The target folder does not exist"));
      return FALSE;
    }
  if (target_folder_id == folder_id)
    {
      g_set_error_literal (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                           _("The messages are in that folder already"));
      return FALSE;
    }
  return TRUE;
}

/* Move or copy: the source messages are marked with @mark locally (a
 * move hides them as \Deleted); the target gets them from the server. */
static gint64
transfer (PfStore        *store,
          const char     *kind,
          gint64          folder_id,
          const guint32  *uids,
          gsize           n_uids,
          gint64          target_folder_id,
          PfStoreFlags    mark,
          GError        **error)
{
  g_autofree char *args = NULL;

  if (!check_target (store, folder_id, target_folder_id, error))
    return 0;
  args = g_strdup_printf ("target=%" G_GINT64_FORMAT, target_folder_id);
  return flag_operation (store, kind, folder_id, uids, n_uids, mark, PF_STORE_FLAG_NONE,
                         args, error);
}

/**
 * pf_operations_move:
 * @store: the account's store
 * @folder_id: the folder of the messages
 * @uids: (array length=n_uids): the messages' UIDs
 * @n_uids: how many
 * @target_folder_id: where they go
 * @error: return location for an error
 *
 * Returns: the queued operation's id, 0 on error
 */
gint64
pf_operations_move (PfStore        *store,
                    gint64          folder_id,
                    const guint32  *uids,
                    gsize           n_uids,
                    gint64          target_folder_id,
                    GError        **error)
{
  g_return_val_if_fail (PF_IS_STORE (store), 0);

  if (is_local_folder (store, folder_id))
    {
      if (!check_target (store, folder_id, target_folder_id, error))
        return 0;
      return local_transfer (store, PF_OPERATION_MOVE, folder_id, uids, n_uids,
                             target_folder_id, error);
    }
  return transfer (store, PF_OPERATION_MOVE, folder_id, uids, n_uids, target_folder_id,
                   PF_STORE_FLAG_DELETED, error);
}

/**
 * pf_operations_copy:
 * @store: the account's store
 * @folder_id: the folder of the messages
 * @uids: (array length=n_uids): the messages' UIDs
 * @n_uids: how many
 * @target_folder_id: where the copies go
 * @error: return location for an error
 *
 * The copies appear with the sync after the replay.
 *
 * Returns: the queued operation's id, 0 on error
 */
gint64
pf_operations_copy (PfStore        *store,
                    gint64          folder_id,
                    const guint32  *uids,
                    gsize           n_uids,
                    gint64          target_folder_id,
                    GError        **error)
{
  g_return_val_if_fail (PF_IS_STORE (store), 0);

  if (is_local_folder (store, folder_id))
    {
      g_set_error_literal (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                           _("Copying messages of a local folder is not possible yet"));
      return 0;
    }
  return transfer (store, PF_OPERATION_COPY, folder_id, uids, n_uids, target_folder_id,
                   PF_STORE_FLAG_NONE, error);
}

/**
 * pf_operations_delete:
 * @store: the account's store
 * @folder_id: the folder of the messages
 * @uids: (array length=n_uids): the messages' UIDs
 * @n_uids: how many
 * @error: return location for an error
 *
 * Moves the messages to the Trash; inside the Trash (or without one) they
 * are deleted for good.
 *
 * Returns: the queued operation's id, 0 on error
 */
gint64
pf_operations_delete (PfStore        *store,
                      gint64          folder_id,
                      const guint32  *uids,
                      gsize           n_uids,
                      GError        **error)
{
  g_autoptr(PfStoreFolder) trash = NULL;

  g_return_val_if_fail (PF_IS_STORE (store), 0);

  trash = pf_store_lookup_folder_by_special_use (store, PF_STORE_SPECIAL_USE_TRASH, NULL);
  if (trash != NULL && trash->id != folder_id)
    return pf_operations_move (store, folder_id, uids, n_uids, trash->id, error);

  if (is_local_folder (store, folder_id))
    return local_transfer (store, PF_OPERATION_DELETE, folder_id, uids, n_uids, 0, error);

  return flag_operation (store, PF_OPERATION_DELETE, folder_id, uids, n_uids,
                         PF_STORE_FLAG_DELETED, PF_STORE_FLAG_NONE, NULL, error);
}

/**
 * pf_operations_empty_folder:
 * @store: the account's store
 * @folder_id: the folder to empty (typically Trash or Junk)
 * @error: return location for an error
 *
 * Deletes every message of the folder for good.
 *
 * Returns: the queued operation's id, 0 on error
 */
gint64
pf_operations_empty_folder (PfStore  *store,
                            gint64    folder_id,
                            GError  **error)
{
  g_autoptr(GArray) map = NULL;
  g_autoptr(GArray) ids = NULL;

  g_return_val_if_fail (PF_IS_STORE (store), 0);

  map = pf_store_get_uid_map (store, folder_id, error);
  if (map == NULL)
    return 0;
  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), map->len);
  for (guint i = 0; i < map->len; i++)
    {
      g_autoptr(PfStoreMessage) message = NULL;

      message = pf_store_lookup_message_by_uid (store, folder_id,
                                                g_array_index (map, PfStoreUidEntry, i).uid,
                                                NULL);
      if (message != NULL)
        g_array_append_val (ids, message->id);
    }
  if (is_local_folder (store, folder_id))
    {
      gint64 operation_id;

      if (ids->len == 0)
        {
          g_set_error_literal (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                               _("The folder is empty"));
          return 0;
        }
      operation_id = pf_store_enqueue_flag_operation (store, PF_OPERATION_EMPTY_FOLDER,
                                                      folder_id,
                                                      (const gint64 *) (gpointer) ids->data,
                                                      ids->len, PF_STORE_FLAG_NONE,
                                                      PF_STORE_FLAG_NONE, "1:*", NULL, error);
      if (operation_id == 0)
        return 0;
      if (!pf_store_move_local (store, (const gint64 *) (gpointer) ids->data, ids->len, 0,
                                error))
        {
          pf_store_remove_operation (store, operation_id, NULL);
          return 0;
        }
      return mark_done (store, operation_id, error);
    }
  return pf_store_enqueue_flag_operation (store, PF_OPERATION_EMPTY_FOLDER, folder_id,
                                          (const gint64 *) (gpointer) ids->data, ids->len,
                                          PF_STORE_FLAG_DELETED, PF_STORE_FLAG_NONE,
                                          "1:*", NULL, error);
}

static char *
leaf_of (const char *name,
         gunichar    delimiter)
{
  const char *last = delimiter != 0 ? g_utf8_strrchr (name, -1, delimiter) : NULL;

  return g_strdup (last != NULL ? g_utf8_next_char (last) : name);
}

/**
 * pf_operations_create_folder:
 * @store: the account's store
 * @name: the new folder's full name
 * @error: return location for an error
 *
 * Returns: the queued operation's id, 0 on error
 */
gint64
pf_operations_create_folder (PfStore     *store,
                             const char  *name,
                             GError     **error)
{
  g_autoptr(PfStoreFolder) existing = NULL;
  g_autoptr(PfStoreFolder) folder = pf_store_folder_new ();
  gint64 folder_id;
  gint64 operation_id;

  g_return_val_if_fail (PF_IS_STORE (store), 0);
  g_return_val_if_fail (name != NULL, 0);

  existing = pf_store_lookup_folder (store, name, NULL);
  if (existing != NULL)
    {
      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_EXISTS,
                   _("A folder “%s” exists already"), name);
      return 0;
    }

  folder->name = g_strdup (name);
  folder->display_name = leaf_of (name, 0);
  folder->subscribed = TRUE;
  folder->local_only = is_local_account (store);
  folder_id = pf_store_create_folder (store, folder, error);
  if (folder_id <= 0)
    return 0;
  operation_id = pf_store_enqueue_operation (store, PF_OPERATION_CREATE_FOLDER, folder_id,
                                             NULL, name, NULL, error);
  if (operation_id == 0)
    pf_store_delete_folder (store, folder_id, NULL);
  return folder->local_only ? mark_done (store, operation_id, error) : operation_id;
}

/**
 * pf_operations_rename_folder:
 * @store: the account's store
 * @folder_id: the folder
 * @new_name: its new full name
 * @error: return location for an error
 *
 * Returns: the queued operation's id, 0 on error
 */
gint64
pf_operations_rename_folder (PfStore     *store,
                             gint64       folder_id,
                             const char  *new_name,
                             GError     **error)
{
  g_autoptr(PfStoreFolder) folder = NULL;
  g_autofree char *display = NULL;
  gint64 operation_id;

  g_return_val_if_fail (PF_IS_STORE (store), 0);
  g_return_val_if_fail (new_name != NULL, 0);

  folder = pf_store_get_folder (store, folder_id, error);
  if (folder == NULL)
    return 0;
  display = leaf_of (new_name, folder->delimiter);
  operation_id = pf_store_enqueue_operation (store, PF_OPERATION_RENAME_FOLDER, folder_id,
                                             folder->name, new_name, folder->name, error);
  if (operation_id == 0)
    return 0;
  if (!pf_store_rename_folder (store, folder_id, new_name, display, folder->parent_id, error))
    {
      pf_store_remove_operation (store, operation_id, NULL);
      return 0;
    }
  return folder->local_only ? mark_done (store, operation_id, error) : operation_id;
}

/**
 * pf_operations_delete_folder:
 * @store: the account's store
 * @folder_id: the folder
 * @error: return location for an error
 *
 * The folder and its cached mail go at once; this cannot be undone.
 *
 * Returns: the queued operation's id, 0 on error
 */
gint64
pf_operations_delete_folder (PfStore  *store,
                             gint64    folder_id,
                             GError  **error)
{
  g_autoptr(PfStoreFolder) folder = NULL;
  gint64 operation_id;

  g_return_val_if_fail (PF_IS_STORE (store), 0);

  folder = pf_store_get_folder (store, folder_id, error);
  if (folder == NULL)
    return 0;
  if (folder->special_use == PF_STORE_SPECIAL_USE_INBOX)
    {
      g_set_error_literal (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                           _("The Inbox cannot be deleted"));
      return 0;
    }
  operation_id = pf_store_enqueue_operation (store, PF_OPERATION_DELETE_FOLDER, 0,
                                             folder->name, NULL, NULL, error);
  if (operation_id == 0)
    return 0;
  if (!pf_store_delete_folder (store, folder_id, error))
    {
      pf_store_remove_operation (store, operation_id, NULL);
      return 0;
    }
  return folder->local_only ? mark_done (store, operation_id, error) : operation_id;
}

/**
 * pf_operations_undo:
 * @store: the account's store
 * @operation_id: a pending operation
 * @error: return location for an error
 *
 * Takes back an operation that was not replayed yet: its local effect is
 * reverted and it will never reach the server.
 *
 * Returns: whether it was undone
 */
gboolean
pf_operations_undo (PfStore  *store,
                    gint64    operation_id,
                    GError  **error)
{
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(PfStoreOperation) operation = NULL;
  const PfStoreOperation *found = NULL;

  g_return_val_if_fail (PF_IS_STORE (store), FALSE);

  pending = pf_store_list_pending_operations (store, error);
  if (pending == NULL)
    return FALSE;
  for (guint i = 0; i < pending->len; i++)
    {
      const PfStoreOperation *candidate = g_ptr_array_index (pending, i);

      if (candidate->id == operation_id)
        found = candidate;
    }
  if (found == NULL)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, operation_id);

      g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                   _("There is no pending change %s; it may have reached the server "
                     "already"), id);
      return FALSE;
    }
  if (g_strcmp0 (found->kind, PF_OPERATION_DELETE_FOLDER) == 0)
    {
      g_set_error_literal (error, PF_STORE_ERROR, PF_STORE_ERROR_INVALID,
                           _("Deleting a folder cannot be undone"));
      return FALSE;
    }

  operation = pf_store_undo_operation (store, operation_id, error);
  if (operation == NULL)
    return FALSE;

  if (g_strcmp0 (operation->kind, PF_OPERATION_CREATE_FOLDER) == 0)
    return pf_store_delete_folder (store, operation->folder_id, error);
  if (g_strcmp0 (operation->kind, PF_OPERATION_RENAME_FOLDER) == 0 && operation->undo != NULL)
    {
      g_autoptr(PfStoreFolder) folder = pf_store_get_folder (store, operation->folder_id, error);
      g_autofree char *display = NULL;

      if (folder == NULL)
        return FALSE;
      display = leaf_of (operation->undo, folder->delimiter);
      return pf_store_rename_folder (store, operation->folder_id, operation->undo, display,
                                     folder->parent_id, error);
    }
  return TRUE;
}
