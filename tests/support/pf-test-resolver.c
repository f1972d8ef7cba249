/* pf-test-resolver.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-test-support"

#include "config.h"

#include "pf-test-resolver.h"

#define PF_TYPE_TEST_RESOLVER (pf_test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (PfTestResolver, pf_test_resolver, PF, TEST_RESOLVER, GResolver)

struct _PfTestResolver
{
  GResolver   parent_instance;
  GHashTable *hosts;        /* lower-case name → GPtrArray of GInetAddress */
  GHashTable *services;     /* lower-case rrname → GPtrArray of GVariant (qqqs) */
  GPtrArray  *asked;        /* every name and rrname asked for, in order */
  gboolean    failing;      /* every lookup is a test failure's evidence */
  gboolean    hang_records; /* record lookups answer only when cancelled */
};

G_DEFINE_FINAL_TYPE (PfTestResolver, pf_test_resolver, G_TYPE_RESOLVER)

static GResolver *original;
static PfTestResolver *installed;

static GList *
lookup_name (PfTestResolver           *self,
             const char               *hostname,
             GResolverNameLookupFlags  flags,
             GError                  **error)
{
  g_autofree char *key = g_ascii_strdown (hostname, -1);
  GPtrArray *addresses;
  GList *list = NULL;

  g_ptr_array_add (self->asked, g_strdup (hostname));
  addresses = self->failing ? NULL : g_hash_table_lookup (self->hosts, key);
  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    {
      GInetAddress *address = addresses->pdata[i];
      GSocketFamily family = g_inet_address_get_family (address);

      if ((flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV4_ONLY) && family != G_SOCKET_FAMILY_IPV4)
        continue;
      if ((flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY) && family != G_SOCKET_FAMILY_IPV6)
        continue;
      list = g_list_append (list, g_object_ref (address));
    }
  if (list == NULL)
    g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                 "Error resolving “%s”: Name or service not known", hostname);
  return list;
}

static GList *
lookup_records (PfTestResolver       *self,
                const char           *rrname,
                GResolverRecordType   record_type,
                GError              **error)
{
  g_autofree char *key = g_ascii_strdown (rrname, -1);
  GPtrArray *records = NULL;
  GList *list = NULL;

  g_ptr_array_add (self->asked, g_strdup (rrname));
  if (!self->failing && record_type == G_RESOLVER_RECORD_SRV)
    records = g_hash_table_lookup (self->services, key);
  for (guint i = 0; records != NULL && i < records->len; i++)
    list = g_list_append (list, g_variant_ref (records->pdata[i]));
  if (list == NULL)
    g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                 "No DNS record of the requested type for “%s”", rrname);
  return list;
}

static void
free_records (gpointer list)
{
  g_list_free_full (list, (GDestroyNotify) g_variant_unref);
}

/* Answers come through a GTask, as a real resolver's do. */
static void
return_list (GResolver           *resolver,
             gpointer             tag,
             GList               *list,
             GError              *error,
             GDestroyNotify       free_list,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, list, free_list);
}

static GList *
finish_list (GResolver     *resolver,
             GAsyncResult  *result,
             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
pf_test_resolver_lookup_by_name (GResolver     *resolver,
                                 const char    *hostname,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  return lookup_name (PF_TEST_RESOLVER (resolver), hostname, 0, error);
}

static GList *
pf_test_resolver_lookup_by_name_with_flags (GResolver                 *resolver,
                                            const char                *hostname,
                                            GResolverNameLookupFlags   flags,
                                            GCancellable              *cancellable,
                                            GError                   **error)
{
  return lookup_name (PF_TEST_RESOLVER (resolver), hostname, flags, error);
}

static void
pf_test_resolver_lookup_by_name_with_flags_async (GResolver                *resolver,
                                                  const char               *hostname,
                                                  GResolverNameLookupFlags  flags,
                                                  GCancellable             *cancellable,
                                                  GAsyncReadyCallback       callback,
                                                  gpointer                  user_data)
{
  GError *error = NULL;
  GList *list = lookup_name (PF_TEST_RESOLVER (resolver), hostname, flags, &error);

  return_list (resolver, pf_test_resolver_lookup_by_name_with_flags_async, list, error,
               (GDestroyNotify) g_resolver_free_addresses, cancellable, callback, user_data);
}

static void
pf_test_resolver_lookup_by_name_async (GResolver           *resolver,
                                       const char          *hostname,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  pf_test_resolver_lookup_by_name_with_flags_async (resolver, hostname, 0, cancellable,
                                                    callback, user_data);
}

static char *
pf_test_resolver_lookup_by_address (GResolver     *resolver,
                                    GInetAddress  *address,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  g_ptr_array_add (PF_TEST_RESOLVER (resolver)->asked, g_inet_address_to_string (address));
  g_set_error_literal (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "No reverse lookups");
  return NULL;
}

static void
pf_test_resolver_lookup_by_address_async (GResolver           *resolver,
                                          GInetAddress        *address,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, pf_test_resolver_lookup_by_address_async);
  pf_test_resolver_lookup_by_address (resolver, address, cancellable, &error);
  g_task_return_error (task, error);
}

static char *
pf_test_resolver_lookup_by_address_finish (GResolver     *resolver,
                                           GAsyncResult  *result,
                                           GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
pf_test_resolver_lookup_records (GResolver            *resolver,
                                 const char           *rrname,
                                 GResolverRecordType   record_type,
                                 GCancellable         *cancellable,
                                 GError              **error)
{
  return lookup_records (PF_TEST_RESOLVER (resolver), rrname, record_type, error);
}

static void
on_hanging_lookup_cancelled_cb (GCancellable *cancellable,
                                GTask        *task)
{
  g_task_return_error_if_cancelled (task);
}

static void
pf_test_resolver_lookup_records_async (GResolver           *resolver,
                                       const char          *rrname,
                                       GResolverRecordType  record_type,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  PfTestResolver *self = PF_TEST_RESOLVER (resolver);
  GError *error = NULL;
  GList *list;

  if (self->hang_records)
    {
      GTask *task = g_task_new (resolver, cancellable, callback, user_data);

      /* A name server that does not answer: only a cancellation ends the
       * lookup (the task is the handler's, until the cancellable goes). */
      g_ptr_array_add (self->asked, g_strdup (rrname));
      g_assert_nonnull (cancellable);
      g_task_set_source_tag (task, pf_test_resolver_lookup_records_async);
      g_cancellable_connect (cancellable, G_CALLBACK (on_hanging_lookup_cancelled_cb), task,
                             g_object_unref);
      return;
    }

  list = lookup_records (self, rrname, record_type, &error);
  return_list (resolver, pf_test_resolver_lookup_records_async, list, error, free_records,
               cancellable, callback, user_data);
}

static void
pf_test_resolver_finalize (GObject *object)
{
  PfTestResolver *self = PF_TEST_RESOLVER (object);

  g_hash_table_unref (self->hosts);
  g_hash_table_unref (self->services);
  g_ptr_array_unref (self->asked);
  G_OBJECT_CLASS (pf_test_resolver_parent_class)->finalize (object);
}

static void
pf_test_resolver_class_init (PfTestResolverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  object_class->finalize = pf_test_resolver_finalize;
  resolver_class->lookup_by_name = pf_test_resolver_lookup_by_name;
  resolver_class->lookup_by_name_async = pf_test_resolver_lookup_by_name_async;
  resolver_class->lookup_by_name_finish = finish_list;
  resolver_class->lookup_by_name_with_flags = pf_test_resolver_lookup_by_name_with_flags;
  resolver_class->lookup_by_name_with_flags_async =
    pf_test_resolver_lookup_by_name_with_flags_async;
  resolver_class->lookup_by_name_with_flags_finish = finish_list;
  resolver_class->lookup_by_address = pf_test_resolver_lookup_by_address;
  resolver_class->lookup_by_address_async = pf_test_resolver_lookup_by_address_async;
  resolver_class->lookup_by_address_finish = pf_test_resolver_lookup_by_address_finish;
  resolver_class->lookup_records = pf_test_resolver_lookup_records;
  resolver_class->lookup_records_async = pf_test_resolver_lookup_records_async;
  resolver_class->lookup_records_finish = finish_list;
  /* lookup_service: GResolver's own, over lookup_records. */
}

static void
pf_test_resolver_init (PfTestResolver *self)
{
  self->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_ptr_array_unref);
  self->services = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_ptr_array_unref);
  self->asked = g_ptr_array_new_with_free_func (g_free);
}

/* The table's entry for @name, made if there is none. */
static GPtrArray *
table_entry (GHashTable     *table,
             const char     *name,
             GDestroyNotify  free_func)
{
  g_autofree char *key = g_ascii_strdown (name, -1);
  GPtrArray *entry = g_hash_table_lookup (table, key);

  if (entry == NULL)
    {
      entry = g_ptr_array_new_with_free_func (free_func);
      g_hash_table_insert (table, g_steal_pointer (&key), entry);
    }
  return entry;
}

/**
 * pf_test_resolver_install:
 *
 * Replaces the default resolver with an empty table (until
 * pf_test_resolver_uninstall()).
 */
void
pf_test_resolver_install (void)
{
  pf_test_resolver_uninstall ();
  original = g_resolver_get_default ();
  installed = g_object_new (PF_TYPE_TEST_RESOLVER, NULL);
  g_resolver_set_default (G_RESOLVER (installed));
}

/**
 * pf_test_resolver_install_failing:
 *
 * Like pf_test_resolver_install(), but nothing is ever found, and
 * pf_test_resolver_get_lookups() tells whether anything asked.
 */
void
pf_test_resolver_install_failing (void)
{
  pf_test_resolver_install ();
  installed->failing = TRUE;
}

/**
 * pf_test_resolver_uninstall:
 *
 * Puts the original resolver back (nothing if none was installed).
 */
void
pf_test_resolver_uninstall (void)
{
  if (installed == NULL)
    return;
  g_resolver_set_default (original);
  g_clear_object (&original);
  g_clear_object (&installed);
}

/**
 * pf_test_resolver_add_host:
 * @name: a host name
 * @address: an IPv4 or IPv6 address it resolves to (several calls add more)
 */
void
pf_test_resolver_add_host (const char *name,
                           const char *address)
{
  GInetAddress *inet = g_inet_address_new_from_string (address);

  g_return_if_fail (installed != NULL);
  g_return_if_fail (inet != NULL);

  g_ptr_array_add (table_entry (installed->hosts, name, g_object_unref), inet);
}

/**
 * pf_test_resolver_add_srv:
 * @rrname: the record's name, e.g. "_imaps._tcp.example.test"
 * @target: the target host ("." for "no such service", RFC 2782)
 * @port: its port
 *
 * Adds an SRV record of priority 0 and weight 0.
 */
void
pf_test_resolver_add_srv (const char *rrname,
                          const char *target,
                          guint16     port)
{
  pf_test_resolver_add_srv_full (rrname, target, port, 0, 0);
}

/**
 * pf_test_resolver_add_srv_full:
 * @rrname: the record's name, e.g. "_imaps._tcp.example.test"
 * @target: the target host ("." for "no such service", RFC 2782)
 * @port: its port
 * @priority: the record's priority (lower first)
 * @weight: its weight among records of the same priority
 *
 * Adds an SRV record; records are answered in the order added.
 */
void
pf_test_resolver_add_srv_full (const char *rrname,
                               const char *target,
                               guint16     port,
                               guint16     priority,
                               guint16     weight)
{
  GVariant *record;

  g_return_if_fail (installed != NULL);

  record = g_variant_ref_sink (g_variant_new ("(qqqs)", priority, weight, port, target));
  g_ptr_array_add (table_entry (installed->services, rrname,
                                (GDestroyNotify) g_variant_unref), record);
}

/**
 * pf_test_resolver_set_hang_records:
 * @hang: whether record (SRV) lookups hang
 *
 * With @hang, asynchronous record lookups never answer, as with a name
 * server that does not: they end only when cancelled (a cancellable is
 * required).
 */
void
pf_test_resolver_set_hang_records (gboolean hang)
{
  g_return_if_fail (installed != NULL);

  installed->hang_records = hang;
}

/**
 * pf_test_resolver_get_lookups:
 *
 * Returns: how many lookups the installed resolver answered
 */
guint
pf_test_resolver_get_lookups (void)
{
  return installed != NULL ? installed->asked->len : 0;
}

/**
 * pf_test_resolver_was_asked:
 * @name: a host name or a record's name, as asked
 *
 * Returns: whether the installed resolver was asked for @name
 */
gboolean
pf_test_resolver_was_asked (const char *name)
{
  g_return_val_if_fail (installed != NULL, FALSE);

  return g_ptr_array_find_with_equal_func (installed->asked, name, g_str_equal, NULL);
}
