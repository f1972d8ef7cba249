/* test-message-loader.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pf-test-fetcher.h"

static const char plain_message[] =
  "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.org>\r\n"
  "To: Erika <erika@example.org>\r\n"
  "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
  "Date: Tue, 14 Nov 2023 10:00:00 +0100\r\n"
  "Message-ID: <plain@example.org>\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "Content-Transfer-Encoding: 8bit\r\n"
  "\r\n"
  "Hallo Erika,\r\n"
  "bis morgen.\r\n";

/* A multipart without a boundary. */
static const char broken_message[] =
  "From: someone@example.org\r\n"
  "Subject: broken\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: multipart/mixed\r\n"
  "\r\n"
  "--nothing\r\n"
  "Content-Type: text/plain\r\n"
  "\r\n"
  "text\r\n";

typedef struct
{
  char            *dir;
  PfStore         *store;
  gint64           folder;
  PfMessageLoader *loader;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("pf-loader-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store = pf_store_new_sync (fixture->dir, NULL, &error);
  g_assert_no_error (error);
  fixture->folder = test_create_folder (fixture->store, "INBOX", FALSE);
  fixture->loader = pf_message_loader_new ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->loader);
  g_clear_object (&fixture->store);
  test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

typedef struct
{
  gboolean       done;
  PfMimeMessage *message;
  GError        *error;
} LoadResult;

static void
load_result_clear (LoadResult *result)
{
  g_clear_object (&result->message);
  g_clear_error (&result->error);
  result->done = FALSE;
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  LoadResult *out = user_data;

  g_assert_false (out->done);
  out->message = pf_message_loader_load_finish (PF_MESSAGE_LOADER (object), result, &out->error);
  g_assert_true ((out->message == NULL) != (out->error == NULL));
  out->done = TRUE;
}

static void
wait_for (LoadResult *result)
{
  while (!result->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
load (Fixture      *fixture,
      gint64        id,
      GCancellable *cancellable,
      LoadResult   *result)
{
  load_result_clear (result);
  pf_message_loader_load_async (fixture->loader, fixture->store, id, cancellable, load_cb, result);
  wait_for (result);
}

static char *
dup_body_text (PfMimeMessage *message)
{
  g_autoptr(GPtrArray) parts = pf_mime_message_dup_body_parts (message, FALSE);
  PfMimePart *part;

  g_assert_cmpuint (parts->len, ==, 1);
  part = g_ptr_array_index (parts, 0);
  g_assert_cmpint (part->kind, ==, PF_MIME_PART_KIND_TEXT);
  return g_strdup (part->text);
}

static void
test_cached (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PfTestFetcher) fetcher = pf_test_fetcher_new (plain_message);
  LoadResult result = { 0 };
  g_autofree char *text = NULL;
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "Grüße", plain_message);

  pf_message_loader_set_fetcher (fixture->loader, fixture->store,
                                 PF_MESSAGE_FETCHER (fetcher));
  load (fixture, id, NULL, &result);
  g_assert_no_error (result.error);
  g_assert_cmpstr (pf_mime_message_get_headers (result.message)->subject, ==, "Grüße");
  text = dup_body_text (result.message);
  g_assert_cmpstr (text, ==, "Hallo Erika,\nbis morgen.\n");
  g_assert_cmpint (pf_mime_message_get_flags (result.message), ==, PF_MIME_MESSAGE_FLAG_NONE);
  g_assert_cmpuint (fetcher->calls, ==, 0);
  load_result_clear (&result);
}

static void
test_fetch (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(PfTestFetcher) fetcher = pf_test_fetcher_new (plain_message);
  g_autoptr(PfStoreMessage) stored = NULL;
  g_autoptr(GError) error = NULL;
  LoadResult result = { 0 };
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "Grüße", NULL);

  fetcher->record_body = TRUE;
  pf_message_loader_set_fetcher (fixture->loader, fixture->store,
                                 PF_MESSAGE_FETCHER (fetcher));
  load (fixture, id, NULL, &result);
  g_assert_no_error (result.error);
  g_assert_cmpuint (fetcher->calls, ==, 1);
  g_assert_cmpstr (pf_mime_message_get_headers (result.message)->subject, ==, "Grüße");

  stored = pf_store_get_message (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored->body_path);

  /* A new loader (nothing in memory) reads the stored file. */
  g_clear_object (&fixture->loader);
  fixture->loader = pf_message_loader_new ();
  pf_message_loader_set_fetcher (fixture->loader, fixture->store,
                                 PF_MESSAGE_FETCHER (fetcher));
  load (fixture, id, NULL, &result);
  g_assert_no_error (result.error);
  g_assert_cmpuint (fetcher->calls, ==, 1);
  load_result_clear (&result);
}

static void
test_fetch_error (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PfTestFetcher) fetcher = pf_test_fetcher_new (NULL);
  LoadResult result = { 0 };
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "x", NULL);

  fetcher->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Too slow");
  pf_message_loader_set_fetcher (fixture->loader, fixture->store,
                                 PF_MESSAGE_FETCHER (fetcher));
  load (fixture, id, NULL, &result);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpstr (result.error->message, ==, "Too slow");

  /* Errors are not remembered: the next attempt asks again. */
  g_clear_error (&fetcher->error);
  fetcher->data = g_bytes_new_static (plain_message, strlen (plain_message));
  load (fixture, id, NULL, &result);
  g_assert_no_error (result.error);
  g_assert_cmpuint (fetcher->calls, ==, 2);
  load_result_clear (&result);
}

static void
test_no_fetcher (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(PfTestFetcher) fetcher = pf_test_fetcher_new (plain_message);
  LoadResult result = { 0 };
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "x", NULL);

  load (fixture, id, NULL, &result);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_assert_cmpstr (result.error->message, !=, "");

  /* Set, then removed again. */
  pf_message_loader_set_fetcher (fixture->loader, fixture->store,
                                 PF_MESSAGE_FETCHER (fetcher));
  pf_message_loader_set_fetcher (fixture->loader, fixture->store, NULL);
  load (fixture, id, NULL, &result);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_assert_cmpuint (fetcher->calls, ==, 0);

  /* No such message. */
  load (fixture, id + 100, NULL, &result);
  g_assert_error (result.error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND);
  load_result_clear (&result);
}

static void
test_missing_file (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(PfTestFetcher) fetcher = pf_test_fetcher_new (plain_message);
  g_autoptr(PfStoreMessage) stored = NULL;
  g_autoptr(GError) error = NULL;
  LoadResult result = { 0 };
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "x", plain_message);

  stored = pf_store_get_message (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_unlink (stored->body_path), ==, 0);

  load (fixture, id, NULL, &result);
  g_assert_error (result.error, PF_STORE_ERROR, PF_STORE_ERROR_IO);

  /* With a fetcher, the file is downloaded again. */
  pf_message_loader_set_fetcher (fixture->loader, fixture->store,
                                 PF_MESSAGE_FETCHER (fetcher));
  load (fixture, id, NULL, &result);
  g_assert_no_error (result.error);
  g_assert_cmpuint (fetcher->calls, ==, 1);
  load_result_clear (&result);
}

static gboolean
cancel_later_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PfTestFetcher) fetcher = pf_test_fetcher_new (plain_message);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  LoadResult result = { 0 };
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "x", NULL);

  fetcher->hold = TRUE;
  pf_message_loader_set_fetcher (fixture->loader, fixture->store,
                                 PF_MESSAGE_FETCHER (fetcher));
  g_timeout_add (20, cancel_later_cb, cancellable);
  load (fixture, id, cancellable, &result);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (fetcher->calls, ==, 1);

  /* Nobody waits any more: the fetch itself is cancelled. */
  while (!fetcher->saw_cancel)
    g_main_context_iteration (NULL, TRUE);

  /* A new request starts a new load. */
  fetcher->hold = FALSE;
  load (fixture, id, NULL, &result);
  g_assert_no_error (result.error);
  g_assert_cmpuint (fetcher->calls, ==, 2);
  load_result_clear (&result);
}

static void
test_cancel_one_waiter (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(PfTestFetcher) fetcher = pf_test_fetcher_new (plain_message);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  LoadResult first = { 0 }, second = { 0 };
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "x", NULL);

  pf_message_loader_set_fetcher (fixture->loader, fixture->store,
                                 PF_MESSAGE_FETCHER (fetcher));
  pf_message_loader_load_async (fixture->loader, fixture->store, id, cancellable, load_cb, &first);
  pf_message_loader_load_async (fixture->loader, fixture->store, id, NULL, load_cb, &second);
  g_cancellable_cancel (cancellable);
  wait_for (&first);
  wait_for (&second);

  g_assert_error (first.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_no_error (second.error);
  g_assert_nonnull (second.message);
  g_assert_cmpuint (fetcher->calls, ==, 1);
  load_result_clear (&first);
  load_result_clear (&second);
}

static void
test_coalesce (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(PfTestFetcher) fetcher = pf_test_fetcher_new (plain_message);
  LoadResult first = { 0 }, second = { 0 };
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "x", NULL);

  pf_message_loader_set_fetcher (fixture->loader, fixture->store,
                                 PF_MESSAGE_FETCHER (fetcher));
  pf_message_loader_load_async (fixture->loader, fixture->store, id, NULL, load_cb, &first);
  pf_message_loader_load_async (fixture->loader, fixture->store, id, NULL, load_cb, &second);
  wait_for (&first);
  wait_for (&second);

  g_assert_no_error (first.error);
  g_assert_no_error (second.error);
  g_assert_true (first.message == second.message);
  g_assert_cmpuint (fetcher->calls, ==, 1);
  load_result_clear (&first);
  load_result_clear (&second);
}

static void
test_recent (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PfTestFetcher) fetcher = pf_test_fetcher_new (plain_message);
  g_autoptr(PfStoreMessage) stored = NULL;
  g_autoptr(PfMimeMessage) first = NULL;
  g_autoptr(GError) error = NULL;
  gint64 ids[PF_MESSAGE_LOADER_CACHE_SIZE + 1];
  LoadResult result = { 0 };
  gint64 cached_id;
  guint i;

  /* A cached file, loaded once, is not read again: remove it. */
  cached_id = pf_test_add_message (fixture->store, fixture->folder, 100, "x", plain_message);
  load (fixture, cached_id, NULL, &result);
  g_assert_no_error (result.error);
  first = g_steal_pointer (&result.message);
  stored = pf_store_get_message (fixture->store, cached_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_unlink (stored->body_path), ==, 0);
  load (fixture, cached_id, NULL, &result);
  g_assert_no_error (result.error);
  g_assert_true (result.message == first);
  g_clear_object (&first);
  {
    g_autoptr(PfMimeMessage) peeked = pf_message_loader_lookup (fixture->loader, fixture->store,
                                                                cached_id);
    g_assert_true (peeked == result.message);
  }

  /* Fetched bodies that the store does not keep: each fetch counts. */
  pf_message_loader_set_fetcher (fixture->loader, fixture->store,
                                 PF_MESSAGE_FETCHER (fetcher));
  for (i = 0; i < G_N_ELEMENTS (ids); i++)
    ids[i] = pf_test_add_message (fixture->store, fixture->folder, i + 1, "x", NULL);

  load (fixture, ids[0], NULL, &result);
  load (fixture, ids[0], NULL, &result);
  g_assert_no_error (result.error);
  g_assert_cmpuint (fetcher->calls, ==, 1);

  /* Going through more messages than are kept pushes the first one out. */
  for (i = 1; i < G_N_ELEMENTS (ids); i++)
    load (fixture, ids[i], NULL, &result);
  g_assert_cmpuint (fetcher->calls, ==, G_N_ELEMENTS (ids));
  load (fixture, ids[G_N_ELEMENTS (ids) - 1], NULL, &result);
  g_assert_cmpuint (fetcher->calls, ==, G_N_ELEMENTS (ids));
  load (fixture, ids[0], NULL, &result);
  g_assert_no_error (result.error);
  g_assert_cmpuint (fetcher->calls, ==, G_N_ELEMENTS (ids) + 1);
  load_result_clear (&result);
}

static void
test_malformed (Fixture       *fixture,
                gconstpointer  data)
{
  LoadResult result = { 0 };
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "x", broken_message);
  gint64 empty = pf_test_add_message (fixture->store, fixture->folder, 2, "y", "");

  load (fixture, id, NULL, &result);
  g_assert_no_error (result.error);
  g_assert_true (pf_mime_message_get_flags (result.message) & PF_MIME_MESSAGE_FLAG_MALFORMED);
  g_assert_cmpstr (pf_mime_message_get_headers (result.message)->subject, ==, "broken");

  /* An empty file is no message at all. */
  load (fixture, empty, NULL, &result);
  g_assert_error (result.error, PF_MIME_ERROR, PF_MIME_ERROR_INVALID_MESSAGE);
  load_result_clear (&result);
}

static void
test_store_gone (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(PfTestFetcher) fetcher = pf_test_fetcher_new (plain_message);
  LoadResult result = { 0 };
  gint64 id = pf_test_add_message (fixture->store, fixture->folder, 1, "x", plain_message);

  pf_message_loader_set_fetcher (fixture->loader, fixture->store,
                                 PF_MESSAGE_FETCHER (fetcher));
  load (fixture, id, NULL, &result);
  g_assert_no_error (result.error);
  load_result_clear (&result);

  /* The loader keeps no store alive and forgets a store that is gone;
   * the fetcher is released with it. */
  g_object_add_weak_pointer (G_OBJECT (fixture->store), (gpointer *) &fixture->store);
  g_object_unref (fixture->store);
  g_assert_null (fixture->store);
  g_assert_cmpuint (G_OBJECT (fetcher)->ref_count, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/store/loader/cached", test_cached);
  ADD ("/store/loader/fetch", test_fetch);
  ADD ("/store/loader/fetch-error", test_fetch_error);
  ADD ("/store/loader/no-fetcher", test_no_fetcher);
  ADD ("/store/loader/missing-file", test_missing_file);
  ADD ("/store/loader/cancel", test_cancel);
  ADD ("/store/loader/cancel-one-waiter", test_cancel_one_waiter);
  ADD ("/store/loader/coalesce", test_coalesce);
  ADD ("/store/loader/recent", test_recent);
  ADD ("/store/loader/malformed", test_malformed);
  ADD ("/store/loader/store-gone", test_store_gone);

#undef ADD

  return g_test_run ();
}
