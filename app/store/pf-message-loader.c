/* pf-message-loader.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "pf-message-loader.h"

/*
 * From a message id to a parsed message, for the reader: the file of a
 * cached body is opened and parsed in a worker thread; a body that is not
 * here yet is fetched by the store's PfMessageFetcher first. Requests for
 * a message already being loaded join that load; the last few parsed
 * messages stay in memory. Each caller's GCancellable ends its own wait at
 * once; the load itself is cancelled when nobody waits for it any more.
 *
 * All of it runs on the main context of the thread that made the loader,
 * except the parsing.
 */

G_DEFINE_INTERFACE (PfMessageFetcher, pf_message_fetcher, G_TYPE_OBJECT)

static void
pf_message_fetcher_default_init (PfMessageFetcherInterface *iface)
{
}

/**
 * pf_message_fetcher_fetch_body_async:
 * @self: a #PfMessageFetcher
 * @store: the store that holds the message
 * @message_id: the message
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the caller's main context when done
 * @user_data: data for @callback
 *
 * Brings the whole message into @store (see #PfMessageFetcherInterface).
 */
void
pf_message_fetcher_fetch_body_async (PfMessageFetcher    *self,
                                     PfStore             *store,
                                     gint64               message_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (PF_IS_MESSAGE_FETCHER (self));
  g_return_if_fail (PF_IS_STORE (store));

  PF_MESSAGE_FETCHER_GET_IFACE (self)->fetch_body_async (self, store, message_id, cancellable,
                                                         callback, user_data);
}

/**
 * pf_message_fetcher_fetch_body_finish:
 * @self: a #PfMessageFetcher
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the absolute path of the message file, or
 *   %NULL with @error set
 */
char *
pf_message_fetcher_fetch_body_finish (PfMessageFetcher  *self,
                                      GAsyncResult      *result,
                                      GError           **error)
{
  g_return_val_if_fail (PF_IS_MESSAGE_FETCHER (self), NULL);

  return PF_MESSAGE_FETCHER_GET_IFACE (self)->fetch_body_finish (self, result, error);
}

typedef struct
{
  PfStore          *store;    /* weak: the entry goes when the store does */
  PfMessageFetcher *fetcher;  /* owned, nullable */
} StoreInfo;

typedef struct
{
  PfStore       *store;       /* weak, see StoreInfo */
  gint64         id;
  PfMimeMessage *message;     /* owned */
} CacheEntry;

typedef struct _Load Load;

typedef struct
{
  GTask   *task;              /* owned */
  GSource *cancel_source;     /* owned, nullable */
  Load    *load;              /* borrowed: the load lists its waiters */
} Waiter;

struct _Load
{
  PfMessageLoader *loader;       /* borrowed; NULL once the loader is gone or
                                  * nobody waits any more */
  PfStore         *store;        /* owned */
  gint64           id;
  GCancellable    *cancellable;  /* owned; cancelled when abandoned */
  GPtrArray       *waiters;      /* owned Waiter* */
  gboolean         had_path;     /* the index named a file */
  gboolean         fetched;      /* the fetcher was asked */
};

struct _PfMessageLoader
{
  GObject    parent_instance;

  GPtrArray *stores;    /* owned StoreInfo* */
  GQueue     cache;     /* owned CacheEntry*, most recently used first */
  GPtrArray *pending;   /* Load*, each with a reference */
};

G_DEFINE_FINAL_TYPE (PfMessageLoader, pf_message_loader, G_TYPE_OBJECT)

static void
cache_entry_free (CacheEntry *entry)
{
  g_clear_object (&entry->message);
  g_free (entry);
}

static void
store_info_free (StoreInfo *info)
{
  g_clear_object (&info->fetcher);
  g_free (info);
}

/* Waiters */

static void
waiter_free (Waiter *waiter)
{
  if (waiter->cancel_source != NULL)
    {
      g_source_destroy (waiter->cancel_source);
      g_source_unref (waiter->cancel_source);
    }
  g_clear_object (&waiter->task);
  g_free (waiter);
}

/* Loads */

static void
load_clear (Load *load)
{
  g_clear_object (&load->store);
  g_clear_object (&load->cancellable);
  g_clear_pointer (&load->waiters, g_ptr_array_unref);
}

static Load *
load_ref (Load *load)
{
  return g_rc_box_acquire (load);
}

static void
load_unref (Load *load)
{
  g_rc_box_release_full (load, (GDestroyNotify) load_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Load, load_unref)

/* Takes the load out of the loader's list; its waiters stay. */
static void
load_detach (Load *load)
{
  PfMessageLoader *self = load->loader;

  if (self == NULL)
    return;

  load->loader = NULL;
  if (g_ptr_array_remove_fast (self->pending, load))
    load_unref (load);
}

static gboolean
on_waiter_cancelled_cb (GCancellable *cancellable,
                        gpointer      user_data)
{
  Waiter *waiter = user_data;
  g_autoptr(Load) load = load_ref (waiter->load);

  g_task_return_error_if_cancelled (waiter->task);
  /* Frees the waiter and, with it, this source. */
  g_ptr_array_remove_fast (load->waiters, waiter);

  if (load->waiters->len == 0)
    {
      load_detach (load);
      g_cancellable_cancel (load->cancellable);
    }

  return G_SOURCE_REMOVE;
}

static void
load_add_waiter (Load  *load,
                 GTask *task)
{
  Waiter *waiter = g_new0 (Waiter, 1);
  GCancellable *cancellable = g_task_get_cancellable (task);

  waiter->task = g_object_ref (task);
  waiter->load = load;
  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (on_waiter_cancelled_cb),
                             waiter, NULL);
      g_source_attach (waiter->cancel_source, g_task_get_context (task));
    }
  g_ptr_array_add (load->waiters, waiter);
}

static void
cache_insert (PfMessageLoader *self,
              PfStore         *store,
              gint64           id,
              PfMimeMessage   *message)
{
  CacheEntry *entry;
  GList *l;

  for (l = self->cache.head; l != NULL; l = l->next)
    {
      entry = l->data;
      if (entry->store == store && entry->id == id)
        {
          g_set_object (&entry->message, message);
          g_queue_unlink (&self->cache, l);
          g_queue_push_head_link (&self->cache, l);
          return;
        }
    }

  entry = g_new0 (CacheEntry, 1);
  entry->store = store;
  entry->id = id;
  entry->message = g_object_ref (message);
  g_queue_push_head (&self->cache, entry);

  while (self->cache.length > PF_MESSAGE_LOADER_CACHE_SIZE)
    cache_entry_free (g_queue_pop_tail (&self->cache));
}

static void
load_complete (Load          *load,
               PfMimeMessage *message)
{
  g_autoptr(GPtrArray) waiters = NULL;
  guint i;

  if (load->loader != NULL)
    cache_insert (load->loader, load->store, load->id, message);
  load_detach (load);

  /* A callback may start the next load: hand out a list nobody else sees. */
  waiters = g_steal_pointer (&load->waiters);
  load->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
  for (i = 0; i < waiters->len; i++)
    {
      Waiter *waiter = g_ptr_array_index (waiters, i);

      g_task_return_pointer (waiter->task, g_object_ref (message), g_object_unref);
    }
}

static void
load_fail (Load   *load,
           GError *error)
{
  g_autoptr(GPtrArray) waiters = NULL;
  guint i;

  load_detach (load);

  waiters = g_steal_pointer (&load->waiters);
  load->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
  for (i = 0; i < waiters->len; i++)
    {
      Waiter *waiter = g_ptr_array_index (waiters, i);

      g_task_return_error (waiter->task, g_error_copy (error));
    }
  g_error_free (error);
}

/* Parsing, in a worker thread */

static void
parse_worker (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  const char *path = task_data;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GInputStream) buffered = NULL;
  PfMimeMessage *message;
  GError *error = NULL;

  stream = g_file_read (file, cancellable, &error);
  if (stream == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  buffered = g_buffered_input_stream_new_sized (G_INPUT_STREAM (stream), 64 * 1024);
  message = pf_mime_message_parse (buffered, cancellable, &error);
  if (message == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, message, g_object_unref);
}

static void load_fetch (Load *load);

static void
parsed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  g_autoptr(PfMimeMessage) message = NULL;
  GError *error = NULL;

  message = g_task_propagate_pointer (G_TASK (result), &error);
  if (message != NULL)
    load_complete (load, message);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) && !load->fetched)
    {
      /* The index names a file that is gone: fetch it again if we can. */
      g_clear_error (&error);
      load_fetch (load);
    }
  else
    load_fail (load, error);
}

static void
load_parse (Load       *load,
            const char *path)
{
  g_autoptr(GTask) task = NULL;

  task = g_task_new (NULL, load->cancellable, parsed_cb, load_ref (load));
  g_task_set_source_tag (task, load_parse);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, parse_worker);
}

/* Fetching */

static void
fetched_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Load) load = user_data;
  g_autofree char *path = NULL;
  GError *error = NULL;

  path = pf_message_fetcher_fetch_body_finish (PF_MESSAGE_FETCHER (object), result, &error);
  if (path == NULL)
    load_fail (load, error);
  else if (g_cancellable_set_error_if_cancelled (load->cancellable, &error))
    load_fail (load, error);
  else
    load_parse (load, path);
}

static StoreInfo *
find_store_info (PfMessageLoader *self,
                 PfStore         *store)
{
  guint i;

  for (i = 0; i < self->stores->len; i++)
    {
      StoreInfo *info = g_ptr_array_index (self->stores, i);

      if (info->store == store)
        return info;
    }
  return NULL;
}

static void
load_fetch (Load *load)
{
  StoreInfo *info = NULL;

  if (load->loader != NULL)
    info = find_store_info (load->loader, load->store);

  if (info == NULL || info->fetcher == NULL)
    {
      if (load->had_path)
        load_fail (load, g_error_new_literal (PF_STORE_ERROR, PF_STORE_ERROR_IO,
                                              _("The message’s file is missing, and there is no "
                                                "connection to the server to download it again.")));
      else
        load_fail (load, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                              _("This message has not been downloaded yet, and "
                                                "there is no connection to the server.")));
      return;
    }

  load->fetched = TRUE;
  pf_message_fetcher_fetch_body_async (info->fetcher, load->store, load->id, load->cancellable,
                                       fetched_cb, load_ref (load));
}

static void
load_start (Load *load)
{
  g_autoptr(PfStoreMessage) message = NULL;
  GError *error = NULL;

  message = pf_store_get_message (load->store, load->id, &error);
  if (message == NULL)
    {
      load_fail (load, error);
      return;
    }

  if (message->body_path != NULL)
    {
      load->had_path = TRUE;
      load_parse (load, message->body_path);
    }
  else
    load_fetch (load);
}

/* Stores */

static void
drop_store (PfMessageLoader *self,
            PfStore         *store)
{
  GList *l = self->cache.head;
  StoreInfo *info;

  while (l != NULL)
    {
      GList *next = l->next;
      CacheEntry *entry = l->data;

      if (entry->store == store)
        {
          cache_entry_free (entry);
          g_queue_delete_link (&self->cache, l);
        }
      l = next;
    }

  info = find_store_info (self, store);
  if (info != NULL)
    g_ptr_array_remove_fast (self->stores, info);
}

static void
on_store_finalized_cb (gpointer  user_data,
                       GObject  *where_the_object_was)
{
  drop_store (PF_MESSAGE_LOADER (user_data), (PfStore *) where_the_object_was);
}

static StoreInfo *
ensure_store_info (PfMessageLoader *self,
                   PfStore         *store)
{
  StoreInfo *info = find_store_info (self, store);

  if (info == NULL)
    {
      info = g_new0 (StoreInfo, 1);
      info->store = store;
      g_object_weak_ref (G_OBJECT (store), on_store_finalized_cb, self);
      g_ptr_array_add (self->stores, info);
    }
  return info;
}

/* The object */

static void
pf_message_loader_dispose (GObject *object)
{
  PfMessageLoader *self = PF_MESSAGE_LOADER (object);

  /* The loads finish on their own, as cancelled; their waiters hold a
   * reference on the loader, so nobody waits for them here. */
  while (self->pending->len > 0)
    {
      Load *load = g_ptr_array_index (self->pending, 0);

      g_cancellable_cancel (load->cancellable);
      load_detach (load);
    }

  while (self->stores->len > 0)
    {
      StoreInfo *info = g_ptr_array_index (self->stores, 0);

      g_object_weak_unref (G_OBJECT (info->store), on_store_finalized_cb, self);
      g_ptr_array_remove_index_fast (self->stores, 0);
    }

  g_queue_clear_full (&self->cache, (GDestroyNotify) cache_entry_free);

  G_OBJECT_CLASS (pf_message_loader_parent_class)->dispose (object);
}

static void
pf_message_loader_finalize (GObject *object)
{
  PfMessageLoader *self = PF_MESSAGE_LOADER (object);

  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->stores, g_ptr_array_unref);

  G_OBJECT_CLASS (pf_message_loader_parent_class)->finalize (object);
}

static void
pf_message_loader_class_init (PfMessageLoaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_message_loader_dispose;
  object_class->finalize = pf_message_loader_finalize;
}

static void
pf_message_loader_init (PfMessageLoader *self)
{
  self->stores = g_ptr_array_new_with_free_func ((GDestroyNotify) store_info_free);
  self->pending = g_ptr_array_new ();
  g_queue_init (&self->cache);
}

/**
 * pf_message_loader_new:
 *
 * Creates a loader. One is enough for all accounts; use it on the thread
 * that created it.
 *
 * Returns: (transfer full): a new #PfMessageLoader
 */
PfMessageLoader *
pf_message_loader_new (void)
{
  return g_object_new (PF_TYPE_MESSAGE_LOADER, NULL);
}

/**
 * pf_message_loader_set_fetcher:
 * @self: a #PfMessageLoader
 * @store: a store
 * @fetcher: (nullable): what downloads the bodies of @store's messages,
 *   or %NULL when there is nothing that can (offline, account removed)
 *
 * Sets how bodies that are not stored yet are fetched. The loader keeps
 * a reference on @fetcher, none on @store.
 */
void
pf_message_loader_set_fetcher (PfMessageLoader  *self,
                               PfStore          *store,
                               PfMessageFetcher *fetcher)
{
  StoreInfo *info;

  g_return_if_fail (PF_IS_MESSAGE_LOADER (self));
  g_return_if_fail (PF_IS_STORE (store));
  g_return_if_fail (fetcher == NULL || PF_IS_MESSAGE_FETCHER (fetcher));

  info = ensure_store_info (self, store);
  g_set_object (&info->fetcher, fetcher);
}

/**
 * pf_message_loader_lookup:
 * @self: a #PfMessageLoader
 * @store: a store
 * @message_id: a message of @store
 *
 * Returns the message if it is among the recently loaded ones, without
 * any I/O.
 *
 * Returns: (transfer full) (nullable): the parsed message, or %NULL
 */
PfMimeMessage *
pf_message_loader_lookup (PfMessageLoader *self,
                          PfStore         *store,
                          gint64           message_id)
{
  GList *l;

  g_return_val_if_fail (PF_IS_MESSAGE_LOADER (self), NULL);
  g_return_val_if_fail (PF_IS_STORE (store), NULL);

  for (l = self->cache.head; l != NULL; l = l->next)
    {
      CacheEntry *entry = l->data;

      if (entry->store == store && entry->id == message_id)
        {
          g_queue_unlink (&self->cache, l);
          g_queue_push_head_link (&self->cache, l);
          return g_object_ref (entry->message);
        }
    }
  return NULL;
}

/**
 * pf_message_loader_load_async:
 * @self: a #PfMessageLoader
 * @store: the store that holds the message
 * @message_id: the message
 * @cancellable: (nullable): a #GCancellable: cancelling it ends this
 *   request at once with %G_IO_ERROR_CANCELLED
 * @callback: called on the caller's main context
 * @user_data: data for @callback
 *
 * Loads and parses a message: from the recently loaded ones, from its
 * file in the store (read and parsed in a worker thread), or through the
 * fetcher set for @store when the body is not stored yet. Requests for a
 * message that is being loaded share that load.
 */
void
pf_message_loader_load_async (PfMessageLoader     *self,
                              PfStore             *store,
                              gint64               message_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfMimeMessage) cached = NULL;
  Load *load = NULL;
  guint i;

  g_return_if_fail (PF_IS_MESSAGE_LOADER (self));
  g_return_if_fail (PF_IS_STORE (store));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_message_loader_load_async);

  cached = pf_message_loader_lookup (self, store, message_id);
  if (cached != NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&cached), g_object_unref);
      return;
    }

  ensure_store_info (self, store);

  for (i = 0; i < self->pending->len && load == NULL; i++)
    {
      Load *pending = g_ptr_array_index (self->pending, i);

      if (pending->store == store && pending->id == message_id)
        load = pending;
    }

  if (load != NULL)
    {
      load_add_waiter (load, task);
      return;
    }

  load = g_rc_box_new0 (Load);
  load->loader = self;
  load->store = g_object_ref (store);
  load->id = message_id;
  load->cancellable = g_cancellable_new ();
  load->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
  g_ptr_array_add (self->pending, load);
  load_add_waiter (load, task);

  /* It may fail at once, and leave the list. */
  load_ref (load);
  load_start (load);
  load_unref (load);
}

/**
 * pf_message_loader_load_finish:
 * @self: a #PfMessageLoader
 * @result: the result passed to the callback
 * @error: return location for an error
 *
 * The message's parsed form. A damaged message still parses (see
 * %PF_MIME_MESSAGE_FLAG_MALFORMED). Errors: %G_IO_ERROR_CANCELLED;
 * %G_IO_ERROR_NOT_CONNECTED when the body is not stored and there is no
 * fetcher; %PF_STORE_ERROR_NOT_FOUND when there is no such message;
 * %PF_STORE_ERROR_IO when its file is gone and there is no fetcher;
 * %PF_MIME_ERROR_INVALID_MESSAGE for a file that holds no message;
 * whatever the fetcher or reading the file fails with. The messages are
 * translated.
 *
 * Returns: (transfer full): the message, or %NULL with @error set
 */
PfMimeMessage *
pf_message_loader_load_finish (PfMessageLoader  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (PF_IS_MESSAGE_LOADER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
