/* pf-test-fetcher.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* A PfMessageFetcher for tests: "downloads" the bytes it was given into
 * the store's Maildir, fails with a set error, or holds the request until
 * it is cancelled. Include it in one file of a test program. */

#include "store/pf-message-loader.h"

#include "pf-store-test-util.h"

#define PF_TYPE_TEST_FETCHER (pf_test_fetcher_get_type ())

G_DECLARE_FINAL_TYPE (PfTestFetcher, pf_test_fetcher, PF, TEST_FETCHER, GObject)

struct _PfTestFetcher
{
  GObject       parent_instance;

  GBytes       *data;          /* the message to deliver */
  GError       *error;         /* fail with a copy of this, if set */
  gboolean      hold;          /* finish only when cancelled */
  gboolean      record_body;   /* record the file with pf_store_set_body() */
  guint         calls;
  gboolean      saw_cancel;    /* a held request was cancelled */
};

static void pf_test_fetcher_iface_init (PfMessageFetcherInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PfTestFetcher, pf_test_fetcher, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PF_TYPE_MESSAGE_FETCHER,
                                                      pf_test_fetcher_iface_init))

static gboolean
pf_test_fetcher_cancelled_cb (GCancellable *cancellable,
                              gpointer      user_data)
{
  GTask *task = user_data;
  PfTestFetcher *self = g_task_get_source_object (task);

  self->saw_cancel = TRUE;
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

static void
pf_test_fetcher_fetch_body_async (PfMessageFetcher    *fetcher,
                                  PfStore             *store,
                                  gint64               message_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  PfTestFetcher *self = PF_TEST_FETCHER (fetcher);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(PfStoreMessage) message = NULL;
  g_autofree char *path = NULL;
  GError *error = NULL;

  self->calls++;

  if (self->hold)
    {
      g_autoptr(GSource) source = NULL;

      g_assert_nonnull (cancellable);
      source = g_cancellable_source_new (cancellable);
      g_source_set_callback (source, G_SOURCE_FUNC (pf_test_fetcher_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (source, NULL);
      return;
    }

  if (self->error != NULL)
    {
      g_task_return_error (task, g_error_copy (self->error));
      return;
    }

  message = pf_store_get_message (store, message_id, &error);
  g_assert_no_error (error);
  path = pf_store_write_message_file (store, message->folder_id, self->data, NULL, &error);
  g_assert_no_error (error);
  if (self->record_body)
    {
      g_assert_true (pf_store_set_body (store, message_id, path, NULL, &error));
      g_assert_no_error (error);
    }
  g_task_return_pointer (task, g_steal_pointer (&path), g_free);
}

static char *
pf_test_fetcher_fetch_body_finish (PfMessageFetcher  *fetcher,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
pf_test_fetcher_iface_init (PfMessageFetcherInterface *iface)
{
  iface->fetch_body_async = pf_test_fetcher_fetch_body_async;
  iface->fetch_body_finish = pf_test_fetcher_fetch_body_finish;
}

static void
pf_test_fetcher_finalize (GObject *object)
{
  PfTestFetcher *self = PF_TEST_FETCHER (object);

  g_clear_pointer (&self->data, g_bytes_unref);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (pf_test_fetcher_parent_class)->finalize (object);
}

static void
pf_test_fetcher_class_init (PfTestFetcherClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pf_test_fetcher_finalize;
}

static void
pf_test_fetcher_init (PfTestFetcher *self)
{
}

static inline PfTestFetcher *
pf_test_fetcher_new (const char *message)
{
  PfTestFetcher *self = g_object_new (PF_TYPE_TEST_FETCHER, NULL);

  if (message != NULL)
    self->data = g_bytes_new (message, strlen (message));
  return self;
}

/* Adds a message to @folder_id of @store, with its file if @body is set,
 * and returns its id. */
static inline gint64
pf_test_add_message (PfStore    *store,
                     gint64      folder_id,
                     guint32     uid,
                     const char *subject,
                     const char *body)
{
  g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();
  g_autoptr(PfStoreMessage) stored = NULL;
  g_autoptr(GError) error = NULL;
  PfStoreMessage *m = pf_store_message_new ();
  g_autofree char *message_id = g_strdup_printf ("m%u@example.org", uid);

  m->folder_id = folder_id;
  m->uid = uid;
  m->date = 1700000000 + uid;
  m->internal_date = m->date;
  m->subject = g_strdup (subject);
  m->from_name = g_strdup ("Jürgen Müller");
  m->from_address = g_strdup ("juergen@example.org");
  m->to = g_strdup ("Erika Mustermann <erika@example.org>");
  m->message_id = g_strdup (message_id);
  m->size = body != NULL ? strlen (body) : 1000;
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      m->body_path = pf_store_write_message_file (store, folder_id, bytes, NULL, &error);
      g_assert_no_error (error);
    }
  pf_store_batch_take_message (batch, m);

  g_assert_true (test_apply (store, batch, &error));
  g_assert_no_error (error);
  stored = pf_store_lookup_message_by_uid (store, folder_id, uid, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored);

  return stored->id;
}
