/* pf-store-test-util.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib/gstdio.h>

#include "store/pf-store.h"

static inline void
test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR))
            test_remove_tree (child);
          else
            g_unlink (child);
        }
    }
  g_rmdir (path);
}

static inline void
test_batch_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GError **error = user_data;
  gboolean ok = pf_store_apply_batch_finish (PF_STORE (source), result, error);

  g_assert_true (ok || *error != NULL);
  if (ok)
    *error = (GError *) GINT_TO_POINTER (1);
}

/* Applies a batch and waits for it (signals included). */
static inline gboolean
test_apply (PfStore       *store,
            PfStoreBatch  *batch,
            GError       **error)
{
  GError *result = NULL;

  pf_store_apply_batch_async (store, batch, NULL, test_batch_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  if (result == GINT_TO_POINTER (1))
    return TRUE;

  g_propagate_error (error, result);
  return FALSE;
}

static inline PfStoreMessage *
test_message (gint64      folder_id,
              guint32     uid,
              gint64      date,
              const char *subject,
              const char *message_id,
              const char *references)
{
  PfStoreMessage *m = pf_store_message_new ();

  m->folder_id = folder_id;
  m->uid = uid;
  m->date = date;
  m->internal_date = date;
  m->subject = g_strdup (subject);
  m->from_name = g_strdup ("Jürgen Müller");
  m->from_address = g_strdup ("juergen@example.org");
  m->to = g_strdup ("Erika Mustermann <erika@example.org>");
  m->message_id = g_strdup (message_id);
  m->references = g_strdup (references);
  m->size = 1234;
  m->preview = g_strdup ("Hallo Erika, anbei die Unterlagen …");

  return m;
}

static inline gint64
test_create_folder (PfStore    *store,
                    const char *name,
                    gboolean    local_only)
{
  g_autoptr(PfStoreFolder) folder = pf_store_folder_new ();
  g_autoptr(GError) error = NULL;
  gint64 id;

  folder->name = g_strdup (name);
  folder->delimiter = '/';
  folder->local_only = local_only;
  id = pf_store_create_folder (store, folder, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  return id;
}
