/* pf-draft-push.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-sync"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "pf-draft-push.h"

/*
 * Drafts are saved here first (pf_store_draft_save()) and copied to the
 * server's Drafts folder by a sync, one at a time:
 *
 *  - a new version: APPEND (\Draft \Seen); then every message of the
 *    folder with the draft's Message-ID but the new one is removed. The
 *    new one is the UID of APPENDUID (RFC 4315, UIDPLUS), or without
 *    UIDPLUS the highest UID the Message-ID search finds (UIDs only
 *    grow). Searching rather than trusting the last known UID also
 *    removes a copy a crash left between the APPEND and the local record.
 *  - a draft deleted here: every message with its Message-ID is removed,
 *    then the draft is forgotten.
 *
 * Removing: UID STORE +FLAGS (\Deleted), then UID EXPUNGE of exactly
 * those (UIDPLUS); without UIDPLUS a plain EXPUNGE only if no other
 * message of the folder is marked \Deleted (it would remove those too),
 * otherwise they stay marked until then.
 */

typedef struct
{
  PfStore       *store;
  PfImapSession *session;
  gboolean       uidplus;
  char          *folder;
  guint32        uidvalidity;
  GPtrArray     *drafts;   /* of PfStoreDraft: to upload or to remove */
  guint          index;
  GBytes        *data;     /* the current draft's file */
  guint32        new_uid;
  GArray        *old;      /* UIDs to remove */
  guint          pushed;
} Push;

static void
push_free (Push *push)
{
  g_clear_object (&push->store);
  g_clear_object (&push->session);
  g_clear_pointer (&push->folder, g_free);
  g_clear_pointer (&push->drafts, g_ptr_array_unref);
  g_clear_pointer (&push->data, g_bytes_unref);
  g_clear_pointer (&push->old, g_array_unref);
  g_free (push);
}

static PfStoreDraft *
current (Push *push)
{
  return g_ptr_array_index (push->drafts, push->index);
}

static void
fail (GTask  *task,
      GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void next_draft (GTask *task);

static char *
uid_list (GArray *uids)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < uids->len; i++)
    g_string_append_printf (text, "%s%u", i > 0 ? "," : "", g_array_index (uids, guint32, i));
  return g_string_free (text, FALSE);
}

/* The draft is done on the server: recorded here, on to the next one. */
static void
draft_done (GTask *task)
{
  Push *push = g_task_get_task_data (task);
  PfStoreDraft *draft = current (push);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (draft->state == PF_STORE_DRAFT_DELETED)
    ok = pf_store_draft_forget (push->store, draft->id, &error);
  else
    ok = pf_store_draft_set_synced (push->store, draft->id, draft->updated, push->new_uid,
                                    push->uidvalidity, &error);
  if (!ok)
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  push->pushed++;
  push->index++;
  next_draft (task);
}

static void
expunged_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_imap_session_expunge_finish (PF_IMAP_SESSION (object), result, &error))
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  draft_done (task);
}

static void
others_deleted_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  Push *push = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) deleted = pf_imap_session_search_finish (PF_IMAP_SESSION (object), result,
                                                             &error);

  if (deleted == NULL)
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < deleted->len; i++)
    {
      guint32 uid = g_array_index (deleted, guint32, i);
      gboolean ours = FALSE;

      for (guint k = 0; k < push->old->len && !ours; k++)
        ours = g_array_index (push->old, guint32, k) == uid;
      if (!ours)
        {
          /* Another client's deleted messages: EXPUNGE would take them
           * too. Ours stay marked \Deleted (hidden) until then. */
          g_debug ("Not expunging Drafts: %u other messages are marked \\Deleted",
                   deleted->len - push->old->len);
          draft_done (task);
          return;
        }
    }
  pf_imap_session_expunge_async (push->session, NULL, g_task_get_cancellable (task), expunged_cb,
                                 task);
}

static void
marked_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Push *push = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *uids = NULL;

  if (!pf_imap_session_store_finish (PF_IMAP_SESSION (object), result, NULL, &error))
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  if (push->uidplus)
    {
      uids = uid_list (push->old);
      pf_imap_session_expunge_async (push->session, uids, g_task_get_cancellable (task),
                                     expunged_cb, task);
    }
  else
    pf_imap_session_search_async (push->session, "DELETED", NULL, g_task_get_cancellable (task),
                                  others_deleted_cb, task);
}

static void
versions_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  static const char *const deleted[] = { "\\Deleted", NULL };
  GTask *task = user_data;
  Push *push = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) found = pf_imap_session_search_finish (PF_IMAP_SESSION (object), result,
                                                           &error);
  g_autofree char *uids = NULL;

  if (found == NULL)
    {
      fail (task, g_steal_pointer (&error));
      return;
    }

  /* Without APPENDUID the new version is the highest UID. */
  if (current (push)->state != PF_STORE_DRAFT_DELETED && push->new_uid == 0)
    {
      for (guint i = 0; i < found->len; i++)
        push->new_uid = MAX (push->new_uid, g_array_index (found, guint32, i));
    }

  g_clear_pointer (&push->old, g_array_unref);
  push->old = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint i = 0; i < found->len; i++)
    {
      guint32 uid = g_array_index (found, guint32, i);

      if (uid != push->new_uid || current (push)->state == PF_STORE_DRAFT_DELETED)
        g_array_append_val (push->old, uid);
    }
  if (push->old->len == 0)
    {
      draft_done (task);
      return;
    }

  uids = uid_list (push->old);
  pf_imap_session_store_async (push->session, uids, PF_IMAP_STORE_ADD, deleted, 0,
                               g_task_get_cancellable (task), marked_cb, task);
}

static void
find_versions (GTask *task)
{
  Push *push = g_task_get_task_data (task);
  g_autofree char *id = g_strdup_printf ("<%s>", current (push)->message_id);
  const char *strings[] = { id, NULL };

  pf_imap_session_search_async (push->session, "HEADER Message-ID ?", strings,
                                g_task_get_cancellable (task), versions_cb, task);
}

static void
appended_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Push *push = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  guint32 uidvalidity = 0;
  guint32 uid = 0;

  g_clear_pointer (&push->data, g_bytes_unref);
  if (!pf_imap_session_append_finish (PF_IMAP_SESSION (object), result, &uidvalidity, &uid,
                                      &error))
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  if (uidvalidity != 0 && uidvalidity == push->uidvalidity)
    push->new_uid = uid;
  find_versions (task);
}

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  static const char *const flags[] = { "\\Draft", "\\Seen", NULL };
  GTask *task = user_data;
  Push *push = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (G_FILE (object), result, &contents, &length, NULL, &error))
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  push->data = g_bytes_new_take (contents, length);
  pf_imap_session_append_async (push->session, push->folder, flags, NULL, push->data,
                                g_task_get_cancellable (task), appended_cb, task);
}

static void
next_draft (GTask *task)
{
  Push *push = g_task_get_task_data (task);
  PfStoreDraft *draft;
  g_autoptr(GFile) file = NULL;

  if (push->index >= push->drafts->len)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  draft = current (push);
  push->new_uid = 0;
  if (draft->state == PF_STORE_DRAFT_DELETED || draft->path == NULL)
    {
      find_versions (task);
      return;
    }
  file = g_file_new_for_path (draft->path);
  g_file_load_contents_async (file, g_task_get_cancellable (task), loaded_cb, task);
}

static void
selected_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  Push *push = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfImapSelectResult) selected = NULL;

  selected = pf_imap_session_select_finish (PF_IMAP_SESSION (object), result, &error);
  if (selected == NULL)
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  push->uidvalidity = selected->uidvalidity;
  next_draft (task);
}

/*
 * Uploads the drafts saved since the last push and removes those deleted
 * here, in the Drafts folder the store knows (SPECIAL-USE or its name);
 * without one yet (before the first folder sync) nothing happens. Leaves
 * the Drafts folder selected.
 */
void
_pf_draft_push_async (PfStore             *store,
                      PfImapSession       *session,
                      gboolean             uidplus,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(PfStoreFolder) folder = NULL;
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Push *push = g_new0 (Push, 1);

  g_task_set_source_tag (task, _pf_draft_push_async);
  g_task_set_task_data (task, push, (GDestroyNotify) push_free);
  push->store = g_object_ref (store);
  push->session = g_object_ref (session);
  push->uidplus = uidplus;
  push->drafts = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_store_draft_free);

  all = pf_store_draft_list (store, TRUE, &error);
  if (all == NULL)
    {
      fail (task, g_steal_pointer (&error));
      return;
    }
  /* The oldest first, so the server's order is the saving order. */
  for (guint i = all->len; i > 0; i--)
    {
      PfStoreDraft *draft = all->pdata[i - 1];

      if (draft->state != PF_STORE_DRAFT_SYNCED)
        g_ptr_array_add (push->drafts, g_steal_pointer (&all->pdata[i - 1]));
    }
  folder = pf_store_lookup_folder_by_special_use (store, PF_STORE_SPECIAL_USE_DRAFTS, NULL);
  if (push->drafts->len == 0 || folder == NULL || folder->local_only)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  push->folder = g_strdup (folder->name);
  pf_imap_session_select_async (session, push->folder, PF_IMAP_SELECT_NONE, NULL, NULL, NULL,
                                NULL, cancellable, selected_cb, task);
}

gboolean
_pf_draft_push_finish (GAsyncResult  *result,
                       guint         *n_pushed,
                       GError       **error)
{
  Push *push = g_task_get_task_data (G_TASK (result));

  if (n_pushed != NULL)
    *n_pushed = push->pushed;
  return g_task_propagate_boolean (G_TASK (result), error);
}
