/* test-message-list-model.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pf-store-test-util.h"
#include "store/pf-message-list-model.h"

/* A shadow of the model kept only through items-changed. */
typedef struct
{
  GListModel *model;
  GPtrArray  *shadow;   /* of PfMessageSummary, owned */
} Shadow;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Shadow     *shadow)
{
  g_assert_cmpuint (position + removed, <=, shadow->shadow->len);
  g_ptr_array_remove_range (shadow->shadow, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (shadow->shadow, position + i, g_list_model_get_item (model, position + i));
  g_assert_cmpuint (shadow->shadow->len, ==, g_list_model_get_n_items (model));
}

/* The shadow starts from @initial's items (a second model of the same
 * folder, so that @model itself loads nothing beyond what it shows) and
 * follows @model's items-changed. */
static void
shadow_init_from (Shadow     *shadow,
                  GListModel *model,
                  GListModel *initial)
{
  shadow->model = model;
  shadow->shadow = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (initial); i++)
    g_ptr_array_add (shadow->shadow, g_list_model_get_item (initial, i));
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), shadow);
}

static void
shadow_init (Shadow     *shadow,
             GListModel *model)
{
  shadow_init_from (shadow, model, model);
}

/* Compares the shadow with a fresh query of the folder. */
static void
shadow_check (Shadow  *shadow,
              PfStore *store,
              gint64   folder_id)
{
  g_autoptr(PfMessageListModel) fresh = pf_message_list_model_new_for_folder (store, folder_id);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (fresh));

  g_autoptr(PfStoreFolder) folder = pf_store_get_folder (store, folder_id, NULL);

  /* What is marked \Deleted here is not listed, as the folder's count
   * does not count it. */
  g_assert_nonnull (folder);
  g_assert_cmpuint (folder->total_count, ==, n);
  g_assert_cmpuint (shadow->shadow->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PfMessageSummary) item = g_list_model_get_item (G_LIST_MODEL (fresh), i);
      PfMessageSummary *mine = shadow->shadow->pdata[i];

      g_assert_cmpuint (pf_message_summary_get_flags (item) & PF_STORE_FLAG_DELETED, ==, 0);
      g_assert_cmpint (pf_message_summary_get_id (mine), ==, pf_message_summary_get_id (item));
      g_assert_cmpuint (pf_message_summary_get_flags (mine), ==,
                        pf_message_summary_get_flags (item));
    }
}

static void
on_notify_flags (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

/* @prefill messages are stored before the model opens: more than its
 * first page, so the changes also meet rows that are not loaded yet. */
static void
check_random (guint prefill)
{
  /* keeps the shadow's first items current; see shadow_init_from() */
  g_autoptr(PfMessageListModel) initial = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pf-store-XXXXXX", NULL);
  g_autoptr(PfStore) store = pf_store_new_sync (dir, NULL, &error);
  g_autoptr(PfMessageListModel) model = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (1234);
  g_autoptr(GArray) uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  Shadow shadow;
  gint64 inbox, other;
  guint32 next_uid = 1;
  guint notifies = 0;

  g_assert_no_error (error);
  inbox = test_create_folder (store, "INBOX", FALSE);
  other = test_create_folder (store, "Other", FALSE);

  if (prefill > 0)
    {
      g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();

      for (guint i = 0; i < prefill; i++)
        {
          pf_store_batch_take_message (batch, test_message (inbox, next_uid,
                                                            1000 + g_rand_int_range (rand, 0, 40),
                                                            "Vorher", NULL, NULL));
          g_array_append_val (uids, next_uid);
          next_uid++;
        }
      g_assert_true (test_apply (store, batch, &error));
      g_assert_no_error (error);
    }

  model = pf_message_list_model_new_for_folder (store, inbox);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, prefill);
  if (prefill == 0)
    shadow_init (&shadow, G_LIST_MODEL (model));
  else
    {
      /* Only the first page is loaded; the first change must bring the
       * rest without breaking the shadow. */
      g_autoptr(PfMessageSummary) first = g_list_model_get_item (G_LIST_MODEL (model), 0);

      g_assert_nonnull (first);
      initial = pf_message_list_model_new_for_folder (store, inbox);
      shadow_init_from (&shadow, G_LIST_MODEL (model), G_LIST_MODEL (initial));
    }

  for (guint step = 0; step < 40; step++)
    {
      g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();
      guint n_insert = g_rand_int_range (rand, 0, 30);
      guint n_expunge = uids->len > 0 ? g_rand_int_range (rand, 0, MIN (uids->len, 15) + 1) : 0;
      guint n_flags = uids->len > 0 ? g_rand_int_range (rand, 0, 5) : 0;

      for (guint i = 0; i < n_insert; i++)
        {
          /* Few distinct dates: many ties, ordered by id. */
          gint64 date = 1000 + g_rand_int_range (rand, 0, 40);

          pf_store_batch_take_message (batch, test_message (inbox, next_uid, date, "Zufall",
                                                            NULL, NULL));
          g_array_append_val (uids, next_uid);
          next_uid++;
        }
      /* Noise in another folder must not show up. */
      pf_store_batch_take_message (batch, test_message (other, step + 1, 1020, "Anderswo", NULL,
                                                        NULL));

      for (guint i = 0; i < n_flags; i++)
        {
          guint32 uid = g_array_index (uids, guint32, g_rand_int_range (rand, 0, uids->len));

          /* \Deleted among them: such messages leave the list. */
          pf_store_batch_set_flags (batch, inbox, uid, g_rand_int_range (rand, 0, 16), NULL, 0);
        }

      for (guint i = 0; i < n_expunge; i++)
        {
          guint k = g_rand_int_range (rand, 0, uids->len);
          guint32 uid = g_array_index (uids, guint32, k);

          pf_store_batch_expunge_uids (batch, inbox, &uid, 1);
          g_array_remove_index_fast (uids, k);
        }

      if (step == 20)
        pf_store_batch_expunge_range (batch, inbox, next_uid - 10, 0);

      /* Materialize an item so that flag changes must reach it. */
      if (g_list_model_get_n_items (G_LIST_MODEL (model)) > 0)
        {
          g_autoptr(PfMessageSummary) first = g_list_model_get_item (G_LIST_MODEL (model), 0);

          g_signal_connect (first, "notify::flags", G_CALLBACK (on_notify_flags), &notifies);
          pf_store_batch_set_flags (batch, inbox, pf_message_summary_get_uid (first),
                                    (pf_message_summary_get_flags (first) ^ PF_STORE_FLAG_FLAGGED),
                                    NULL, 0);
          g_assert_true (test_apply (store, batch, &error));
          g_signal_handlers_disconnect_by_data (first, &notifies);
        }
      else
        g_assert_true (test_apply (store, batch, &error));

      if (step == 20)
        {
          /* Drop the cached range removal from our uid list. */
          for (guint i = uids->len; i > 0; i--)
            if (g_array_index (uids, guint32, i - 1) >= next_uid - 10)
              g_array_remove_index_fast (uids, i - 1);
        }

      shadow_check (&shadow, store, inbox);
    }

  g_assert_cmpuint (notifies, >, 0);

  /* Deleting the folder empties the model. */
  g_assert_true (pf_store_delete_folder (store, inbox, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_assert_cmpuint (shadow.shadow->len, ==, 0);

  g_signal_handlers_disconnect_by_data (model, &shadow);
  g_ptr_array_unref (shadow.shadow);
  g_clear_object (&model);
  g_clear_object (&store);
  test_remove_tree (dir);
}

static void
test_unified_and_search (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir1 = g_dir_make_tmp ("pf-store-XXXXXX", NULL);
  g_autofree char *dir2 = g_dir_make_tmp ("pf-store-XXXXXX", NULL);
  g_autoptr(PfStore) a = pf_store_new_sync (dir1, NULL, &error);
  g_autoptr(PfStore) b = pf_store_new_sync (dir2, NULL, &error);
  g_autoptr(PfMessageListModel) unified = pf_message_list_model_new ();
  g_autoptr(PfMessageListModel) search = NULL;
  g_autoptr(PfStoreBatch) batch_a = pf_store_batch_new ();
  g_autoptr(PfStoreBatch) batch_b = pf_store_batch_new ();
  gint64 inbox_a = test_create_folder (a, "INBOX", FALSE);
  gint64 inbox_b = test_create_folder (b, "INBOX", FALSE);
  gint64 last_date = G_MAXINT64;

  pf_store_batch_take_message (batch_a, test_message (inbox_a, 1, 100, "Grüße von A", NULL, NULL));
  pf_store_batch_take_message (batch_a, test_message (inbox_a, 2, 300, "A zwei", NULL, NULL));
  pf_store_batch_take_message (batch_b, test_message (inbox_b, 1, 200, "Grüße von B", NULL, NULL));
  g_assert_true (test_apply (a, batch_a, &error));
  g_assert_true (test_apply (b, batch_b, &error));

  g_assert_true (pf_message_list_model_add_source (unified, a, inbox_a, NULL, &error));
  g_assert_true (pf_message_list_model_add_source (unified, b, inbox_b, NULL, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (unified)), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(PfMessageSummary) item = g_list_model_get_item (G_LIST_MODEL (unified), i);

      g_assert_cmpint (pf_message_summary_get_date (item), <, last_date);
      last_date = pf_message_summary_get_date (item);
    }
  g_assert_true (pf_message_list_model_get_store (unified, 1) == b);

  search = pf_message_list_model_new_for_search (a, 0, "grusse", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (search)), ==, 1);

  /* New matching mail appears in the search, others do not. */
  g_clear_pointer (&batch_a, pf_store_batch_unref);
  batch_a = pf_store_batch_new ();
  pf_store_batch_take_message (batch_a, test_message (inbox_a, 3, 400, "Noch mehr Grüße", NULL,
                                                      NULL));
  pf_store_batch_take_message (batch_a, test_message (inbox_a, 4, 500, "Nichts", NULL, NULL));
  g_assert_true (test_apply (a, batch_a, &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (search)), ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (unified)), ==, 5);

  pf_message_list_model_remove_source (unified, b, inbox_b);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (unified)), ==, 4);

  g_clear_object (&unified);
  g_clear_object (&search);
  g_clear_object (&a);
  g_clear_object (&b);
  test_remove_tree (dir1);
  test_remove_tree (dir2);
}

static void
test_large_paging (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pf-store-XXXXXX", NULL);
  g_autoptr(PfStore) store = pf_store_new_sync (dir, NULL, &error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);
  gint64 inbox = test_create_folder (store, "INBOX", FALSE);
  const guint total = 100000;
  gint64 start, elapsed;

  for (guint b = 0; b < total / 2000; b++)
    {
      g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();

      for (guint i = 0; i < 2000; i++)
        pf_store_batch_take_message (batch, test_message (inbox, b * 2000 + i + 1,
                                                          g_rand_int_range (rand, 0, 1000000000),
                                                          "Seite", NULL, NULL));
      g_assert_true (test_apply (store, batch, &error));
    }

  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(PfMessageListModel) model = NULL;
      gint64 prev = G_MAXINT64;

      start = g_get_monotonic_time ();
      model = pf_message_list_model_new_for_folder (store, inbox);
      for (guint i = 0; i < 100; i++)
        {
          g_autoptr(PfMessageSummary) item = g_list_model_get_item (G_LIST_MODEL (model), i);

          g_assert_cmpint (pf_message_summary_get_date (item), <=, prev);
          prev = pf_message_summary_get_date (item);
        }
      elapsed = g_get_monotonic_time () - start;
      g_printerr ("# model of %u rows: first 100 items in %.2f ms\n", total, elapsed / 1000.0);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, total);

      start = g_get_monotonic_time ();
      for (guint i = 50000; i < 50100; i++)
        g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), i));
      elapsed = g_get_monotonic_time () - start;
      g_printerr ("# a page in the middle: %.2f ms\n", elapsed / 1000.0);
    }

  g_clear_object (&store);
  test_remove_tree (dir);
}

/* Conversations */

static void
wait_loaded (PfMessageListModel *model)
{
  while (pf_message_list_model_get_loading (model))
    g_main_context_iteration (NULL, TRUE);
}

/* Recounts the conversations of a folder from its plain message list:
 * thread id → (newest message id, count), and the thread ids newest
 * first. */
static void
check_threads (PfMessageListModel *threads,
               PfStore            *store,
               gint64              folder_id)
{
  g_autoptr(PfMessageListModel) plain = pf_message_list_model_new_for_folder (store, folder_id);
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) newest = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (plain));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PfMessageSummary) item = g_list_model_get_item (G_LIST_MODEL (plain), i);
      gint64 thread = pf_message_summary_get_thread_id (item);
      gpointer count;

      g_assert_cmpint (thread, >, 0);
      count = g_hash_table_lookup (counts, &thread);
      if (count == NULL)
        {
          gint64 id = pf_message_summary_get_id (item);

          g_array_append_val (order, thread);
          g_array_append_val (newest, id);
        }
      g_hash_table_insert (counts, g_memdup2 (&thread, sizeof thread),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (count) + 1));
    }

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (threads)), ==, order->len);
  for (guint i = 0; i < order->len; i++)
    {
      g_autoptr(PfMessageSummary) item = g_list_model_get_item (G_LIST_MODEL (threads), i);
      gint64 thread = g_array_index (order, gint64, i);

      g_assert_cmpint (pf_message_summary_get_id (item), ==, g_array_index (newest, gint64, i));
      g_assert_cmpint (pf_message_summary_get_thread_id (item), ==, thread);
      g_assert_cmpuint (pf_message_summary_get_thread_count (item), ==,
                        GPOINTER_TO_UINT (g_hash_table_lookup (counts, &thread)));
    }
}

/* @n_threads conversations of up to 5 messages each, in random order and
 * dates; returns how many messages. */
static guint
fill_threads (PfStore *store,
              gint64   folder_id,
              guint    n_threads,
              guint32  first_uid,
              GRand   *rand)
{
  g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();
  g_autoptr(GError) error = NULL;
  guint32 uid = first_uid;

  for (guint t = 0; t < n_threads; t++)
    {
      guint replies = g_rand_int_range (rand, 0, 5);
      g_autofree char *root = g_strdup_printf ("<t%u-%u@example.org>", first_uid, t);
      g_autofree char *subject = g_strdup_printf ("Thema %u-%u", first_uid, t);

      pf_store_batch_take_message (batch, test_message (folder_id, uid++,
                                                        g_rand_int_range (rand, 1000, 1000000),
                                                        subject, root, NULL));
      for (guint r = 0; r < replies; r++)
        {
          g_autofree char *id = g_strdup_printf ("<t%u-%u-%u@example.org>", first_uid, t, r);
          g_autofree char *re = g_strdup_printf ("Re: %s", subject);

          pf_store_batch_take_message (batch, test_message (folder_id, uid++,
                                                            g_rand_int_range (rand, 1000, 1000000),
                                                            re, id, root));
        }
    }
  g_assert_true (test_apply (store, batch, &error));
  g_assert_no_error (error);

  return uid - first_uid;
}

static void
test_threads (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pf-store-XXXXXX", NULL);
  g_autoptr(PfStore) store = pf_store_new_sync (dir, NULL, &error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(PfMessageListModel) model = NULL;
  gint64 inbox = test_create_folder (store, "INBOX", FALSE);
  gint64 other = test_create_folder (store, "Other", FALSE);
  Shadow shadow;
  guint n;

  n = fill_threads (store, inbox, 300, 1, rand);
  fill_threads (store, other, 20, 1, rand);

  model = pf_message_list_model_new_for_folder_threads (store, inbox);
  g_assert_true (pf_message_list_model_get_threads (model));
  /* The first page at once, the rest from the worker */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), <, 300);
  shadow_init (&shadow, G_LIST_MODEL (model));
  wait_loaded (model);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 300);
  check_threads (model, store, inbox);
  g_assert_cmpuint (shadow.shadow->len, ==, 300);

  {
    gint64 folder = 0;
    PfStore *folder_store = NULL;

    g_assert_true (pf_message_list_model_get_folder (model, &folder_store, &folder));
    g_assert_true (folder_store == store);
    g_assert_cmpint (folder, ==, inbox);
  }

  /* A reply to an old conversation brings it to the top with one more */
  {
    g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();
    g_autoptr(PfMessageSummary) last = g_list_model_get_item (G_LIST_MODEL (model), 299);
    g_autoptr(PfMessageSummary) first = NULL;
    guint count = pf_message_summary_get_thread_count (last);
    gint64 thread = pf_message_summary_get_thread_id (last);

    pf_store_batch_take_message (batch, test_message (inbox, n + 1, 2000000, "Re: late",
                                                      "<late@example.org>",
                                                      "<t1-0@example.org>"));
    g_assert_true (test_apply (store, batch, &error));
    wait_loaded (model);
    check_threads (model, store, inbox);
    first = g_list_model_get_item (G_LIST_MODEL (model), 0);
    g_assert_cmpint (pf_message_summary_get_date (first), ==, 2000000);
    if (thread == pf_message_summary_get_thread_id (first))
      g_assert_cmpuint (pf_message_summary_get_thread_count (first), ==, count + 1);
  }

  /* Removing messages: the shadow follows items-changed exactly */
  {
    g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();
    guint32 uids[40];

    for (guint i = 0; i < G_N_ELEMENTS (uids); i++)
      uids[i] = 1 + i * 7;
    pf_store_batch_expunge_uids (batch, inbox, uids, G_N_ELEMENTS (uids));
    g_assert_true (test_apply (store, batch, &error));
    wait_loaded (model);
    check_threads (model, store, inbox);
  }
  for (guint i = 0; i < shadow.shadow->len; i++)
    {
      g_autoptr(PfMessageSummary) item = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_cmpint (pf_message_summary_get_id (shadow.shadow->pdata[i]), ==,
                       pf_message_summary_get_id (item));
    }

  g_signal_handlers_disconnect_by_func (model, on_items_changed, &shadow);
  g_ptr_array_unref (shadow.shadow);
  g_clear_object (&model);
  g_clear_object (&store);
  test_remove_tree (dir);
}

static void
test_large_threads (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pf-store-XXXXXX", NULL);
  g_autoptr(PfStore) store = pf_store_new_sync (dir, NULL, &error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  gint64 inbox = test_create_folder (store, "INBOX", FALSE);
  guint total = 0;

  while (total < 100000)
    total += fill_threads (store, inbox, 2000, total + 1, rand);

  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(PfMessageListModel) model = NULL;
      gint64 start, elapsed;

      start = g_get_monotonic_time ();
      model = pf_message_list_model_new_for_folder_threads (store, inbox);
      for (guint i = 0; i < 50; i++)
        g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), i));
      elapsed = g_get_monotonic_time () - start;
      g_printerr ("# conversations of %u messages: first 50 rows in %.2f ms\n", total,
                  elapsed / 1000.0);
      g_assert_cmpint (elapsed, <, 50 * 1000);

      start = g_get_monotonic_time ();
      wait_loaded (model);
      elapsed = g_get_monotonic_time () - start;
      g_printerr ("# all %u conversations in %.2f ms more (worker)\n",
                  g_list_model_get_n_items (G_LIST_MODEL (model)), elapsed / 1000.0);
      if (round == 0)
        check_threads (model, store, inbox);
    }

  g_clear_object (&store);
  test_remove_tree (dir);
}

static void
test_random (void)
{
  check_random (0);
}

static void
test_random_after_first_page (void)
{
  check_random (700);
}

/* A large folder opens with its first page; a worker reads the rest. The
 * rows come complete and in order whether they are asked for before the
 * worker is done (read on the spot; the worker's rows then go unused) or
 * after. */
static void
test_tail (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pf-store-XXXXXX", NULL);
  g_autoptr(PfStore) store = pf_store_new_sync (dir, NULL, &error);
  g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();
  const guint total = 700;
  gint64 inbox;

  g_assert_no_error (error);
  inbox = test_create_folder (store, "INBOX", FALSE);
  for (guint uid = 1; uid <= total; uid++)
    pf_store_batch_take_message (batch, test_message (inbox, uid, 1000 + uid % 50, "Post",
                                                      NULL, NULL));
  g_assert_true (test_apply (store, batch, &error));

  for (guint early = 0; early < 2; early++)
    {
      g_autoptr(PfMessageListModel) model = pf_message_list_model_new_for_folder (store, inbox);
      g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
      /* Room for all: the set points into it */
      g_autoptr(GArray) ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), total);
      guint items_changed = 0;
      gint64 previous = G_MAXINT64;

      g_signal_connect_swapped (model, "items-changed", G_CALLBACK (g_atomic_int_inc),
                                &items_changed);
      g_assert_true (pf_message_list_model_get_loading (model));
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, total);
      if (early)
        {
          /* The last row, before the worker is done */
          g_autoptr(PfMessageSummary) last = g_list_model_get_item (G_LIST_MODEL (model),
                                                                    total - 1);

          g_assert_nonnull (last);
          g_assert_false (pf_message_list_model_get_loading (model));
        }
      while (pf_message_list_model_get_loading (model))
        g_main_context_iteration (NULL, TRUE);
      /* Let a worker that is not wanted any more finish too */
      for (guint i = 0; i < 20; i++)
        g_main_context_iteration (NULL, FALSE);

      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, total);
      g_assert_cmpuint (items_changed, ==, 0);
      for (guint i = 0; i < total; i++)
        {
          g_autoptr(PfMessageSummary) item = g_list_model_get_item (G_LIST_MODEL (model), i);
          gint64 id = pf_message_summary_get_id (item);

          g_assert_cmpint (pf_message_summary_get_date (item), <=, previous);
          previous = pf_message_summary_get_date (item);
          g_assert_false (g_hash_table_contains (seen, &id));
          g_array_append_val (ids, id);
          g_hash_table_add (seen, &g_array_index (ids, gint64, ids->len - 1));
        }
      g_assert_null (g_list_model_get_item (G_LIST_MODEL (model), total));
    }
  test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/model/random", test_random);
  g_test_add_func ("/store/model/random-after-first-page", test_random_after_first_page);
  g_test_add_func ("/store/model/tail", test_tail);
  g_test_add_func ("/store/model/unified-and-search", test_unified_and_search);
  g_test_add_func ("/store/model/threads", test_threads);
  if (g_test_slow ())
    {
      g_test_add_func ("/store/large/model-paging", test_large_paging);
      g_test_add_func ("/store/large/model-threads", test_large_threads);
    }

  return g_test_run ();
}
