/* test-autoconfig-discovery.c: PfAutoconfigDiscovery's sources in order,
 * against an HTTPS server in the test, a resolver that knows the test's
 * names and SRV records, and the real Dovecot and SMTP test servers.
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "account/pf-autoconfig-discovery.h"
#include "pf-test-servers.h"

#define DOMAIN "example.test"
#define ADDRESS "someone@" DOMAIN

/* TestResolver: names and SRV records from tables, nothing from the network */

#define TEST_TYPE_RESOLVER (test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GResolver)

struct _TestResolver
{
  GResolver   parent_instance;

  GHashTable *hosts;      /* name → address text */
  GHashTable *services;   /* rrname → GPtrArray of GVariant (qqqs) */
  GPtrArray  *asked;      /* every name asked for, in order */
  gboolean    hang_records; /* SRV lookups answer only when cancelled */
};

G_DEFINE_FINAL_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
resolver_lookup_name (TestResolver              *self,
                      const char                *name,
                      GResolverNameLookupFlags   flags,
                      GError                   **error)
{
  const char *text = g_hash_table_lookup (self->hosts, name);
  g_autoptr(GInetAddress) address = NULL;

  g_ptr_array_add (self->asked, g_strdup (name));
  if (text != NULL)
    address = g_inet_address_new_from_string (text);
  if (address == NULL ||
      ((flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY) &&
       g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6) ||
      ((flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV4_ONLY) &&
       g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV4))
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                   "Error resolving “%s”: Name or service not known", name);
      return NULL;
    }

  return g_list_append (NULL, g_steal_pointer (&address));
}

static GList *
resolver_lookup_records (TestResolver         *self,
                         const char           *rrname,
                         GResolverRecordType   type,
                         GError              **error)
{
  GPtrArray *records = g_hash_table_lookup (self->services, rrname);
  GList *list = NULL;

  g_ptr_array_add (self->asked, g_strdup (rrname));
  if (type != G_RESOLVER_RECORD_SRV || records == NULL)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                   "No DNS record of the requested type for “%s”", rrname);
      return NULL;
    }

  for (guint i = 0; i < records->len; i++)
    list = g_list_append (list, g_variant_ref (records->pdata[i]));

  return list;
}

static GList *
test_resolver_lookup_by_name (GResolver     *resolver,
                              const char    *name,
                              GCancellable  *cancellable,
                              GError       **error)
{
  return resolver_lookup_name (TEST_RESOLVER (resolver), name, 0, error);
}

static GList *
test_resolver_lookup_by_name_with_flags (GResolver                 *resolver,
                                         const char                *name,
                                         GResolverNameLookupFlags   flags,
                                         GCancellable              *cancellable,
                                         GError                   **error)
{
  return resolver_lookup_name (TEST_RESOLVER (resolver), name, flags, error);
}

static void
test_resolver_lookup_by_name_with_flags_async (GResolver                *resolver,
                                               const char               *name,
                                               GResolverNameLookupFlags  flags,
                                               GCancellable             *cancellable,
                                               GAsyncReadyCallback       callback,
                                               gpointer                  user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *addresses;

  addresses = resolver_lookup_name (TEST_RESOLVER (resolver), name, flags, &error);
  if (addresses == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, addresses, (GDestroyNotify) g_resolver_free_addresses);
}

static void
test_resolver_lookup_by_name_async (GResolver           *resolver,
                                    const char          *name,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  test_resolver_lookup_by_name_with_flags_async (resolver, name, 0, cancellable, callback,
                                                 user_data);
}

static GList *
test_resolver_lookup_finish (GResolver     *resolver,
                             GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static char *
test_resolver_lookup_by_address (GResolver     *resolver,
                                 GInetAddress  *address,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_set_error_literal (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "Not in the table");
  return NULL;
}

static void
test_resolver_lookup_by_address_async (GResolver           *resolver,
                                       GInetAddress        *address,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_task_report_new_error (resolver, callback, user_data, test_resolver_lookup_by_address_async,
                           G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "Not in the table");
}

static char *
test_resolver_lookup_by_address_finish (GResolver     *resolver,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
test_resolver_lookup_records (GResolver            *resolver,
                              const char           *rrname,
                              GResolverRecordType   type,
                              GCancellable         *cancellable,
                              GError              **error)
{
  return resolver_lookup_records (TEST_RESOLVER (resolver), rrname, type, error);
}

static void
free_records (GList *records)
{
  g_list_free_full (records, (GDestroyNotify) g_variant_unref);
}

static void
on_hanging_lookup_cancelled_cb (GCancellable *cancellable,
                                GTask        *task)
{
  g_task_return_error_if_cancelled (task);
}

static void
test_resolver_lookup_records_async (GResolver           *resolver,
                                    const char          *rrname,
                                    GResolverRecordType  type,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *records;

  if (TEST_RESOLVER (resolver)->hang_records)
    {
      g_ptr_array_add (TEST_RESOLVER (resolver)->asked, g_strdup (rrname));
      g_assert_nonnull (cancellable);
      g_cancellable_connect (cancellable, G_CALLBACK (on_hanging_lookup_cancelled_cb),
                             g_steal_pointer (&task), g_object_unref);
      return;
    }

  records = resolver_lookup_records (TEST_RESOLVER (resolver), rrname, type, &error);
  if (records == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, records, (GDestroyNotify) free_records);
}

static void
test_resolver_finalize (GObject *object)
{
  TestResolver *self = TEST_RESOLVER (object);

  g_hash_table_unref (self->hosts);
  g_hash_table_unref (self->services);
  g_ptr_array_unref (self->asked);

  G_OBJECT_CLASS (test_resolver_parent_class)->finalize (object);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  object_class->finalize = test_resolver_finalize;

  resolver_class->lookup_by_name = test_resolver_lookup_by_name;
  resolver_class->lookup_by_name_async = test_resolver_lookup_by_name_async;
  resolver_class->lookup_by_name_finish = test_resolver_lookup_finish;
  resolver_class->lookup_by_name_with_flags = test_resolver_lookup_by_name_with_flags;
  resolver_class->lookup_by_name_with_flags_async = test_resolver_lookup_by_name_with_flags_async;
  resolver_class->lookup_by_name_with_flags_finish = test_resolver_lookup_finish;
  resolver_class->lookup_by_address = test_resolver_lookup_by_address;
  resolver_class->lookup_by_address_async = test_resolver_lookup_by_address_async;
  resolver_class->lookup_by_address_finish = test_resolver_lookup_by_address_finish;
  resolver_class->lookup_records = test_resolver_lookup_records;
  resolver_class->lookup_records_async = test_resolver_lookup_records_async;
  resolver_class->lookup_records_finish = test_resolver_lookup_finish;
  /* lookup_service: GResolver's own, over lookup_records, as for the
   * system resolver. */
}

static void
test_resolver_init (TestResolver *self)
{
  self->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->services = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_ptr_array_unref);
  self->asked = g_ptr_array_new_with_free_func (g_free);
}

static void
test_resolver_add_host (TestResolver *self,
                        const char   *name,
                        const char   *address)
{
  g_hash_table_replace (self->hosts, g_strdup (name), g_strdup (address));
}

static void
test_resolver_add_srv (TestResolver *self,
                       const char   *rrname,
                       guint16       priority,
                       guint16       weight,
                       guint16       port,
                       const char   *target)
{
  GPtrArray *records = g_hash_table_lookup (self->services, rrname);

  if (records == NULL)
    {
      records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
      g_hash_table_insert (self->services, g_strdup (rrname), records);
    }
  g_ptr_array_add (records, g_variant_ref_sink (g_variant_new ("(qqqs)", priority, weight,
                                                               port, target)));
}

/* TestHttps: an HTTPS/1.1 server answering from a table, one request per
 * connection */

typedef struct
{
  guint  status;
  char  *location;
  char  *body;
  guint  delay_ms;
} Response;

typedef struct
{
  GSocketService  *service;
  GTlsCertificate *certificate;
  GHashTable      *responses;   /* "host/path" → Response */
  GPtrArray       *requests;    /* "host/path?query" */
  GHashTable      *clients;     /* set of HttpsClient */
  GCancellable    *cancellable; /* cancelled when the server goes */
  char            *greeting;    /* instead of HTTP: say this, then listen */
  guint16          port;
} TestHttps;

typedef struct
{
  TestHttps        *server;
  GIOStream        *tls;
  GString          *request;
  guint             delay_id;
  char              buffer[4096];
} HttpsClient;

static void
response_free (Response *response)
{
  g_free (response->location);
  g_free (response->body);
  g_free (response);
}

static void
https_client_free (HttpsClient *client)
{
  if (client->server != NULL)
    g_hash_table_remove (client->server->clients, client);
  g_clear_handle_id (&client->delay_id, g_source_remove);
  g_clear_object (&client->tls);
  g_string_free (client->request, TRUE);
  g_free (client);
}

static void
https_write_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  HttpsClient *client = user_data;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL);
  if (client->server != NULL)
    g_io_stream_close (client->tls, NULL, NULL);
  https_client_free (client);
}

static gboolean
https_respond (gpointer user_data)
{
  HttpsClient *client = user_data;
  g_auto(GStrv) lines = g_strsplit (client->request->str, "\r\n", -1);
  g_auto(GStrv) request_line = g_strsplit (lines[0], " ", 3);
  g_autofree char *host = NULL;
  g_autofree char *key = NULL;
  g_autofree char *reply = NULL;
  const char *path = request_line[1] != NULL ? request_line[1] : "/";
  const char *query;
  Response *response;

  client->delay_id = 0;
  for (guint i = 1; lines[i] != NULL; i++)
    {
      if (g_ascii_strncasecmp (lines[i], "Host:", 5) == 0)
        {
          char *colon;

          host = g_strstrip (g_strdup (lines[i] + 5));
          colon = strrchr (host, ':');
          if (colon != NULL)
            *colon = '\0';
        }
    }

  query = strchr (path, '?');
  key = g_strdup_printf ("%s%.*s", host, (int) (query != NULL ? query - path : (int) strlen (path)),
                         path);
  g_ptr_array_add (client->server->requests, g_strdup_printf ("%s%s", host, path));
  response = g_hash_table_lookup (client->server->responses, key);

  if (response == NULL)
    reply = g_strdup ("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  else
    reply = g_strdup_printf ("HTTP/1.1 %u Whatever\r\n%s%s%s"
                             "Content-Type: text/xml\r\nContent-Length: %zu\r\n"
                             "Connection: close\r\n\r\n%s",
                             response->status,
                             response->location != NULL ? "Location: " : "",
                             response->location != NULL ? response->location : "",
                             response->location != NULL ? "\r\n" : "",
                             response->body != NULL ? strlen (response->body) : 0,
                             response->body != NULL ? response->body : "");

  g_output_stream_write_all_async (g_io_stream_get_output_stream (client->tls),
                                   reply, strlen (reply), G_PRIORITY_DEFAULT,
                                   client->server->cancellable, https_write_cb, client);
  /* The reply must live until written. */
  g_object_set_data_full (G_OBJECT (client->tls), "reply", g_steal_pointer (&reply), g_free);

  return G_SOURCE_REMOVE;
}

static void
https_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  HttpsClient *client = user_data;
  gssize n;
  const char *end;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL);
  if (n <= 0 || client->server == NULL)
    {
      https_client_free (client);
      return;
    }

  g_string_append_len (client->request, client->buffer, n);
  end = strstr (client->request->str, "\r\n\r\n");
  if (end == NULL)
    {
      g_input_stream_read_async (G_INPUT_STREAM (object), client->buffer, sizeof client->buffer,
                                 G_PRIORITY_DEFAULT, client->server->cancellable, https_read_cb,
                                 client);
      return;
    }

  {
    g_auto(GStrv) lines = g_strsplit (client->request->str, "\r\n", 2);
    g_auto(GStrv) request_line = g_strsplit (lines[0], " ", 3);
    const char *path = request_line[1] != NULL ? request_line[1] : "/";
    g_autofree char *bare = g_strndup (path, strcspn (path, "?"));
    GHashTableIter iter;
    gpointer key, value;
    guint delay = 0;

    /* A delay for a path, whatever the host */
    g_hash_table_iter_init (&iter, client->server->responses);
    while (g_hash_table_iter_next (&iter, &key, &value))
      {
        if (g_str_has_suffix (key, bare) && ((Response *) value)->delay_ms > delay)
          delay = ((Response *) value)->delay_ms;
      }
    if (delay > 0)
      client->delay_id = g_timeout_add (delay, https_respond, client);
    else
      https_respond (client);
  }
}

static void
greeter_read_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  HttpsClient *client = user_data;
  gssize n;

  /* Whatever the client says is not answered; it hangs up in the end. */
  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL);
  if (n <= 0 || client->server == NULL)
    {
      https_client_free (client);
      return;
    }

  g_input_stream_read_async (G_INPUT_STREAM (object), client->buffer, sizeof client->buffer,
                             G_PRIORITY_DEFAULT, client->server->cancellable, greeter_read_cb,
                             client);
}

static void
greeter_write_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  HttpsClient *client = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL) ||
      client->server == NULL)
    {
      https_client_free (client);
      return;
    }

  g_input_stream_read_async (g_io_stream_get_input_stream (client->tls), client->buffer,
                             sizeof client->buffer, G_PRIORITY_DEFAULT,
                             client->server->cancellable, greeter_read_cb, client);
}

static void
https_handshake_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  HttpsClient *client = user_data;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, NULL) ||
      client->server == NULL)
    {
      https_client_free (client);
      return;
    }

  if (client->server->greeting != NULL)
    {
      g_output_stream_write_all_async (g_io_stream_get_output_stream (client->tls),
                                       client->server->greeting,
                                       strlen (client->server->greeting), G_PRIORITY_DEFAULT,
                                       client->server->cancellable, greeter_write_cb, client);
      return;
    }

  g_input_stream_read_async (g_io_stream_get_input_stream (client->tls), client->buffer,
                             sizeof client->buffer, G_PRIORITY_DEFAULT,
                             client->server->cancellable, https_read_cb, client);
}

static gboolean
on_https_incoming_cb (GSocketService     *service,
                      GSocketConnection  *connection,
                      GObject            *source,
                      gpointer            user_data)
{
  TestHttps *server = user_data;
  HttpsClient *client;
  g_autoptr(GError) error = NULL;

  client = g_new0 (HttpsClient, 1);
  client->server = server;
  client->request = g_string_new (NULL);
  client->tls = g_tls_server_connection_new (G_IO_STREAM (connection), server->certificate,
                                             &error);
  g_assert_no_error (error);
  g_hash_table_add (server->clients, client);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (client->tls), G_PRIORITY_DEFAULT,
                                    server->cancellable, https_handshake_cb, client);

  return TRUE;
}

static TestHttps *
test_https_new_full (const char *cert_file,
                     const char *key_file,
                     const char *host,
                     guint16     port)
{
  TestHttps *server = g_new0 (TestHttps, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string (host);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  server->certificate = g_tls_certificate_new_from_files (cert_file, key_file, &error);
  g_assert_no_error (error);
  server->responses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) response_free);
  server->requests = g_ptr_array_new_with_free_func (g_free);
  server->clients = g_hash_table_new (NULL, NULL);
  server->cancellable = g_cancellable_new ();
  server->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                 &effective, &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (server->service, "incoming", G_CALLBACK (on_https_incoming_cb), server);
  g_socket_service_start (server->service);

  return server;
}

static TestHttps *
test_https_new (const char *cert_file,
                const char *key_file)
{
  return test_https_new_full (cert_file, key_file, "127.0.0.1", 0);
}

static void
test_https_free (TestHttps *server)
{
  GHashTableIter iter;
  HttpsClient *client;

  /* Clients waiting to answer go now; those in the middle of an operation
   * when it comes back cancelled. */
  g_hash_table_iter_init (&iter, server->clients);
  while (g_hash_table_iter_next (&iter, (gpointer *) &client, NULL))
    {
      g_hash_table_iter_remove (&iter);
      client->server = NULL;
      if (client->delay_id != 0)
        https_client_free (client);
    }
  g_cancellable_cancel (server->cancellable);
  g_object_unref (server->cancellable);
  g_hash_table_unref (server->clients);
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_object_unref (server->service);
  g_object_unref (server->certificate);
  g_hash_table_unref (server->responses);
  g_ptr_array_unref (server->requests);
  g_free (server->greeting);
  g_free (server);
}

static void
test_https_add (TestHttps  *server,
                const char *host_and_path,
                guint       status,
                const char *location,
                const char *body,
                guint       delay_ms)
{
  Response *response = g_new0 (Response, 1);

  response->status = status;
  response->location = g_strdup (location);
  response->body = g_strdup (body);
  response->delay_ms = delay_ms;
  g_hash_table_replace (server->responses, g_strdup (host_and_path), response);
}

/* Certificates for the HTTPS server, made once per binary with openssl(1):
 * one signed by the test servers' CA for the example.test names, and a
 * self-signed one for the same names. */

typedef struct
{
  char *dir;
  char *cert_file;
  char *key_file;
  char *self_signed_cert_file;
  char *self_signed_key_file;
} Certificates;

static Certificates certificates;

static void
run_openssl (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status;

  g_spawn_sync (certificates.dir, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("openssl failed: %s", err);
}

static void
make_certificates (PfTestServers *servers)
{
  GKeyFile *ini = pf_test_servers_get_key_file (servers);
  g_autofree char *ca_file = g_key_file_get_string (ini, "tls", "ca-file", NULL);
  g_autofree char *ca_key = g_key_file_get_string (ini, "tls", "ca-key", NULL);
  g_autoptr(GError) error = NULL;
  static const char extensions[] =
    "basicConstraints=critical,CA:FALSE\n"
    "keyUsage=critical,digitalSignature\n"
    "extendedKeyUsage=serverAuth\n"
    "subjectAltName=DNS:autoconfig." DOMAIN ",DNS:" DOMAIN ",DNS:other." DOMAIN
    ",DNS:mail." DOMAIN "\n";
  g_autofree char *serial = g_strdup_printf ("0x%08x%08x", g_random_int (), g_random_int ());
  const char * const request[] = {
    "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-subj", "/CN=" DOMAIN, "-keyout", "server.key", "-out", "server.csr", NULL
  };
  const char * const sign[] = {
    "openssl", "x509", "-req", "-in", "server.csr", "-CA", ca_file, "-CAkey", ca_key,
    "-set_serial", serial, "-days", "2", "-extfile", "server.ext", "-out", "server.pem", NULL
  };
  const char * const self_signed[] = {
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-days", "2", "-subj", "/CN=" DOMAIN,
    "-addext", "subjectAltName=DNS:autoconfig." DOMAIN ",DNS:" DOMAIN,
    "-keyout", "self.key", "-out", "self.pem", NULL
  };

  g_assert_nonnull (ca_file);
  g_assert_nonnull (ca_key);
  certificates.dir = g_dir_make_tmp ("pf-test-autoconfig-XXXXXX", &error);
  g_assert_no_error (error);
  {
    g_autofree char *ext = g_build_filename (certificates.dir, "server.ext", NULL);

    g_file_set_contents (ext, extensions, -1, &error);
    g_assert_no_error (error);
  }
  run_openssl (request);
  run_openssl (sign);
  run_openssl (self_signed);
  certificates.cert_file = g_build_filename (certificates.dir, "server.pem", NULL);
  certificates.key_file = g_build_filename (certificates.dir, "server.key", NULL);
  certificates.self_signed_cert_file = g_build_filename (certificates.dir, "self.pem", NULL);
  certificates.self_signed_key_file = g_build_filename (certificates.dir, "self.key", NULL);
}

static void
remove_certificates (void)
{
  const char *names[] = { "server.pem", "server.key", "server.csr", "server.ext", "self.pem",
                          "self.key" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (certificates.dir, names[i], NULL);

      g_unlink (path);
    }
  g_rmdir (certificates.dir);
  g_free (certificates.dir);
  g_free (certificates.cert_file);
  g_free (certificates.key_file);
  g_free (certificates.self_signed_cert_file);
  g_free (certificates.self_signed_key_file);
}

/* Fixture */

typedef struct
{
  guint          id;
  PfCheckStatus  status;
  char          *text;
} Step;

typedef struct
{
  PfTestServers         *servers;
  TestResolver          *resolver;
  GResolver             *system_resolver;
  TestHttps             *https;
  PfAutoconfigDiscovery *discovery;
  GTlsDatabase          *database;
  GArray                *steps;   /* of Step */
  PfAutoconfig          *result;
  GError                *error;
  GCancellable          *cancellable;
  gint64                 cancelled_at;
  gint64                 ended_at;
  gint64                 duration;
  gboolean               done;
} Fixture;

static void
step_clear (Step *step)
{
  g_free (step->text);
}

static void
on_step_cb (PfAutoconfigDiscovery *discovery,
            guint                  id,
            PfCheckStatus          status,
            const char            *text,
            Fixture               *fixture)
{
  Step step = { id, status, g_strdup (text) };

  g_test_message ("step %u %s: %s", id,
                  g_enum_get_value (g_type_class_peek (PF_TYPE_CHECK_STATUS), status)->value_nick,
                  text);
  g_array_append_val (fixture->steps, step);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->servers = pf_test_servers_get_full (PF_TEST_SERVERS_VARIANTS);
  fixture->system_resolver = g_resolver_get_default ();
  fixture->resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  g_resolver_set_default (G_RESOLVER (fixture->resolver));

  fixture->database = g_tls_file_database_new (pf_test_servers_get_ca_file (fixture->servers),
                                               &error);
  g_assert_no_error (error);

  fixture->discovery = pf_autoconfig_discovery_new ();
  pf_autoconfig_discovery_set_tls_database (fixture->discovery, fixture->database);
  g_signal_connect (fixture->discovery, "step", G_CALLBACK (on_step_cb), fixture);

  fixture->steps = g_array_new (FALSE, TRUE, sizeof (Step));
  g_array_set_clear_func (fixture->steps, (GDestroyNotify) step_clear);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* Let cancelled probes and requests come back before the servers go. */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);

  g_resolver_set_default (fixture->system_resolver);
  g_clear_object (&fixture->system_resolver);
  g_clear_object (&fixture->resolver);
  g_clear_pointer (&fixture->https, test_https_free);
  g_clear_object (&fixture->discovery);
  g_clear_object (&fixture->database);
  g_clear_pointer (&fixture->steps, g_array_unref);
  g_clear_pointer (&fixture->result, pf_autoconfig_free);
  g_clear_error (&fixture->error);
  g_clear_object (&fixture->cancellable);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  Fixture *fixture = user_data;

  fixture->result = pf_autoconfig_discovery_run_finish (PF_AUTOCONFIG_DISCOVERY (object), result,
                                                        &fixture->error);
  fixture->done = TRUE;
  fixture->ended_at = g_get_monotonic_time ();
}

static void
run (Fixture      *fixture,
     const char   *address,
     GCancellable *cancellable)
{
  gint64 start = g_get_monotonic_time ();

  fixture->done = FALSE;
  pf_autoconfig_discovery_run_async (fixture->discovery, address, cancellable, run_cb, fixture);
  while (!fixture->done)
    g_main_context_iteration (NULL, TRUE);
  fixture->duration = (g_get_monotonic_time () - start) / 1000;
  g_test_message ("took %" G_GINT64_FORMAT " ms", fixture->duration);
}

/* The last status a step reached, or -1 if there was no such step. */
static int
find_step (Fixture    *fixture,
           const char *text_part,
           guint      *out_id)
{
  int status = -1;
  guint id = 0;

  for (guint i = 0; i < fixture->steps->len; i++)
    {
      const Step *step = &g_array_index (fixture->steps, Step, i);

      if (strstr (step->text, text_part) != NULL)
        {
          id = step->id;
          break;
        }
    }
  if (id == 0)
    return -1;

  for (guint i = 0; i < fixture->steps->len; i++)
    {
      const Step *step = &g_array_index (fixture->steps, Step, i);

      if (step->id == id)
        status = step->status;
    }
  if (out_id != NULL)
    *out_id = id;

  return status;
}

/* Every step that began must have ended. */
static void
assert_steps_ended (Fixture *fixture)
{
  for (guint i = 0; i < fixture->steps->len; i++)
    {
      const Step *step = &g_array_index (fixture->steps, Step, i);
      gboolean ended = FALSE;

      if (step->status != PF_CHECK_RUNNING)
        continue;
      for (guint j = i + 1; j < fixture->steps->len; j++)
        {
          const Step *later = &g_array_index (fixture->steps, Step, j);

          if (later->id == step->id && later->status != PF_CHECK_RUNNING)
            ended = TRUE;
        }
      if (!ended)
        g_error ("Step %u “%s” never ended", step->id, step->text);
    }
}

static void
assert_server (const PfAutoconfigServer *server,
               PfServerProtocol          protocol,
               const char               *host,
               guint16                   port,
               PfSecurity                security)
{
  g_assert_nonnull (server);
  g_assert_cmpint (server->protocol, ==, protocol);
  g_assert_cmpstr (server->host, ==, host);
  g_assert_cmpuint (server->port, ==, port);
  g_assert_cmpint (server->security, ==, security);
}

static char *
make_document (const char *imap_host,
               const char *smtp_host)
{
  return g_strdup_printf (
    "<?xml version=\"1.0\"?>\n"
    "<clientConfig version=\"1.1\">\n"
    "  <emailProvider id=\"" DOMAIN "\">\n"
    "    <domain>" DOMAIN "</domain>\n"
    "    <displayName>Example</displayName>\n"
    "    <incomingServer type=\"imap\">\n"
    "      <hostname>%s</hostname><port>993</port><socketType>SSL</socketType>\n"
    "      <authentication>password-cleartext</authentication>\n"
    "      <username>%%EMAILADDRESS%%</username>\n"
    "    </incomingServer>\n"
    "    <outgoingServer type=\"smtp\">\n"
    "      <hostname>%s</hostname><port>465</port><socketType>SSL</socketType>\n"
    "      <authentication>password-cleartext</authentication>\n"
    "      <username>%%EMAILADDRESS%%</username>\n"
    "    </outgoingServer>\n"
    "  </emailProvider>\n"
    "</clientConfig>\n", imap_host, smtp_host);
}

static void
add_test_srv (Fixture *fixture)
{
  PfTestServers *servers = fixture->servers;

  test_resolver_add_srv (fixture->resolver, "_imaps._tcp." DOMAIN, 10, 0,
                         pf_test_servers_get_port (servers, "imaps"), "imap." DOMAIN);
  test_resolver_add_srv (fixture->resolver, "_submission._tcp." DOMAIN, 0, 0,
                         pf_test_servers_get_port (servers, "submission"), "smtp." DOMAIN);
}

static void
start_https (Fixture    *fixture,
             gboolean    trusted)
{
  fixture->https = test_https_new (trusted ? certificates.cert_file
                                           : certificates.self_signed_cert_file,
                                   trusted ? certificates.key_file
                                           : certificates.self_signed_key_file);
  pf_autoconfig_discovery_set_https_port (fixture->discovery, fixture->https->port);
}

/* Tests */

static void
test_invalid_address (Fixture       *fixture,
                      gconstpointer  data)
{
  const char *invalid[] = { "someone", "someone@", "@" DOMAIN, "" };

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_clear_error (&fixture->error);
      run (fixture, invalid[i], NULL);
      g_assert_error (fixture->error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_INVALID_ADDRESS);
      g_assert_null (fixture->result);
    }
  g_assert_cmpuint (fixture->steps->len, ==, 0);
  g_assert_cmpuint (fixture->resolver->asked->len, ==, 0);
}

static void
test_builtin (Fixture       *fixture,
              gconstpointer  data)
{
  const Step *step;

  run (fixture, "someone@gmx.de", NULL);

  g_assert_no_error (fixture->error);
  g_assert_nonnull (fixture->result);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_BUILTIN);
  g_assert_cmpuint (fixture->result->incoming->len, >, 0);
  g_assert_cmpuint (fixture->result->outgoing->len, >, 0);
  /* Nothing was asked of the network. */
  g_assert_cmpuint (fixture->resolver->asked->len, ==, 0);

  step = &g_array_index (fixture->steps, Step, 0);
  g_assert_cmpuint (step->id, ==, 1);
  g_assert_cmpint (step->status, ==, PF_CHECK_RUNNING);
  g_assert_cmpstr (step->text, ==, "Looking up gmx.de in the built-in provider list");
  step = &g_array_index (fixture->steps, Step, 1);
  g_assert_cmpuint (step->id, ==, 1);
  g_assert_cmpint (step->status, ==, PF_CHECK_OK);
  /* Then one INFO line per server. */
  for (guint i = 2; i < fixture->steps->len; i++)
    g_assert_cmpint (g_array_index (fixture->steps, Step, i).status, ==, PF_CHECK_INFO);
  g_assert_cmpuint (fixture->steps->len, ==,
                    2 + fixture->result->incoming->len + fixture->result->outgoing->len);
  assert_steps_ended (fixture);
}

static void
test_builtin_disabled (Fixture       *fixture,
                       gconstpointer  data)
{
  pf_autoconfig_discovery_set_use_builtin (fixture->discovery, FALSE);
  run (fixture, "someone@gmx.de", NULL);

  /* Nothing in the resolver's table: every other source fails. */
  g_assert_error (fixture->error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_NOT_FOUND);
  g_assert_cmpint (find_step (fixture, "built-in", NULL), ==, -1);
  g_assert_true (g_ptr_array_find_with_equal_func (fixture->resolver->asked,
                                                   "autoconfig.gmx.de", g_str_equal, NULL));
}

static void
test_https_subdomain (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *document = make_document ("imap.other." DOMAIN, "smtp.other." DOMAIN);
  g_autofree char *url = NULL;
  const PfAutoconfigServer *server;
  guint found_id;

  start_https (fixture, TRUE);
  test_resolver_add_host (fixture->resolver, "autoconfig." DOMAIN, "127.0.0.1");
  test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 200, NULL,
                  document, 0);

  run (fixture, ADDRESS, NULL);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_AUTOCONFIG);
  g_assert_cmpuint (fixture->result->incoming->len, ==, 1);
  server = fixture->result->incoming->pdata[0];
  assert_server (server, PF_SERVER_PROTOCOL_IMAP, "imap.other." DOMAIN, 993, PF_SECURITY_TLS);
  g_assert_cmpstr (server->username, ==, "%EMAILADDRESS%");
  assert_server (fixture->result->outgoing->pdata[0], PF_SERVER_PROTOCOL_SMTP,
                 "smtp.other." DOMAIN, 465, PF_SECURITY_TLS);

  /* The provider's host is told the address. */
  g_assert_cmpuint (fixture->https->requests->len, ==, 1);
  g_assert_cmpstr (fixture->https->requests->pdata[0], ==,
                   "autoconfig." DOMAIN "/mail/config-v1.1.xml?emailaddress=someone%40" DOMAIN);

  url = g_strdup_printf ("https://autoconfig." DOMAIN ":%u/mail/config-v1.1.xml",
                         fixture->https->port);
  g_assert_cmpint (find_step (fixture, url, &found_id), ==, PF_CHECK_OK);
  g_assert_cmpuint (found_id, ==, 2);
  g_assert_cmpint (find_step (fixture, "/.well-known/", NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "SRV", NULL), ==, -1);
  g_assert_cmpint (find_step (fixture, "built-in", NULL), ==, PF_CHECK_FAILED);
  assert_steps_ended (fixture);
}

static void
test_https_well_known (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *document = make_document ("imap.other." DOMAIN, "smtp.other." DOMAIN);
  g_autofree char *url = NULL;
  gboolean with_404 = GPOINTER_TO_INT (data);

  start_https (fixture, TRUE);
  /* Without the autoconfig host, or with one that knows nothing. */
  if (with_404)
    test_resolver_add_host (fixture->resolver, "autoconfig." DOMAIN, "127.0.0.1");
  test_resolver_add_host (fixture->resolver, DOMAIN, "127.0.0.1");
  test_https_add (fixture->https, DOMAIN "/.well-known/autoconfig/mail/config-v1.1.xml", 200,
                  NULL, document, 0);

  run (fixture, ADDRESS, NULL);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_AUTOCONFIG);
  assert_server (fixture->result->incoming->pdata[0], PF_SERVER_PROTOCOL_IMAP,
                 "imap.other." DOMAIN, 993, PF_SECURITY_TLS);

  url = g_strdup_printf ("https://" DOMAIN ":%u/.well-known/autoconfig/mail/config-v1.1.xml",
                         fixture->https->port);
  g_assert_cmpint (find_step (fixture, url, NULL), ==, PF_CHECK_OK);
  g_assert_cmpint (find_step (fixture, "https://autoconfig.", NULL), ==, PF_CHECK_FAILED);
  if (with_404)
    {
      g_assert_cmpint (find_step (fixture, "404", NULL), ==, PF_CHECK_FAILED);
      g_assert_cmpuint (fixture->https->requests->len, ==, 2);
    }
  else
    {
      g_assert_cmpint (find_step (fixture, "could not be found", NULL), ==, PF_CHECK_FAILED);
      /* The well-known URL is not told the address. */
      g_assert_cmpuint (fixture->https->requests->len, ==, 1);
      g_assert_cmpstr (fixture->https->requests->pdata[0], ==,
                       DOMAIN "/.well-known/autoconfig/mail/config-v1.1.xml");
    }
  assert_steps_ended (fixture);
}

static void
test_https_both (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *subdomain = make_document ("imap.sub." DOMAIN, "smtp.sub." DOMAIN);
  g_autofree char *well_known = make_document ("imap.wk." DOMAIN, "smtp.wk." DOMAIN);

  start_https (fixture, TRUE);
  test_resolver_add_host (fixture->resolver, "autoconfig." DOMAIN, "127.0.0.1");
  test_resolver_add_host (fixture->resolver, DOMAIN, "127.0.0.1");
  /* The subdomain answers later, and still wins. */
  test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 200, NULL,
                  subdomain, 500);
  test_https_add (fixture->https, DOMAIN "/.well-known/autoconfig/mail/config-v1.1.xml", 200,
                  NULL, well_known, 0);

  run (fixture, ADDRESS, NULL);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_AUTOCONFIG);
  assert_server (fixture->result->incoming->pdata[0], PF_SERVER_PROTOCOL_IMAP,
                 "imap.sub." DOMAIN, 993, PF_SECURITY_TLS);
  g_assert_cmpint (find_step (fixture, "https://autoconfig.", NULL), ==, PF_CHECK_OK);
  /* Both were asked at once: one after the other, the first answer would
   * have been the last request. */
  g_assert_cmpuint (fixture->https->requests->len, ==, 2);
  g_assert_cmpint (find_step (fixture, "/.well-known/", NULL), ==, PF_CHECK_OK);
  assert_steps_ended (fixture);
}

/* A redirect to HTTPS is followed, with the certificate checked for the
 * new host. */
static void
test_https_redirect (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *document = make_document ("imap.other." DOMAIN, "smtp.other." DOMAIN);
  g_autofree char *location = NULL;
  g_autofree char *moved = NULL;

  start_https (fixture, TRUE);
  test_resolver_add_host (fixture->resolver, "autoconfig." DOMAIN, "127.0.0.1");
  test_resolver_add_host (fixture->resolver, "other." DOMAIN, "127.0.0.1");
  location = g_strdup_printf ("https://other." DOMAIN ":%u/moved.xml", fixture->https->port);
  test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 302, location,
                  NULL, 0);
  test_https_add (fixture->https, "other." DOMAIN "/moved.xml", 200, NULL, document, 0);

  run (fixture, ADDRESS, NULL);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_AUTOCONFIG);
  assert_server (fixture->result->incoming->pdata[0], PF_SERVER_PROTOCOL_IMAP,
                 "imap.other." DOMAIN, 993, PF_SECURITY_TLS);
  g_assert_cmpuint (fixture->https->requests->len, ==, 2);
  g_assert_cmpstr (fixture->https->requests->pdata[1], ==, "other." DOMAIN "/moved.xml");
  moved = g_strdup_printf ("redirects to %s", location);
  g_assert_cmpint (find_step (fixture, moved, NULL), ==, PF_CHECK_INFO);
  g_assert_cmpint (find_step (fixture, "https://autoconfig.", NULL), ==, PF_CHECK_OK);
  assert_steps_ended (fixture);
}

/* A source that fails moves on to the next: here the SRV records. */
static void
test_https_falls_through (Fixture       *fixture,
                          gconstpointer  data)
{
  const char *what = data;
  const char *reason;

  start_https (fixture, !g_str_equal (what, "untrusted"));
  test_resolver_add_host (fixture->resolver, "autoconfig." DOMAIN, "127.0.0.1");
  test_resolver_add_host (fixture->resolver, DOMAIN, "127.0.0.1");
  add_test_srv (fixture);

  if (g_str_equal (what, "invalid"))
    {
      test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 200, NULL,
                      "<html><body>Welcome to nginx!</body></html>", 0);
      reason = "cannot be used";
    }
  else if (g_str_equal (what, "truncated"))
    {
      test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 200, NULL,
                      "<?xml version=\"1.0\"?><clientConfig><emailProvider>", 0);
      reason = "cannot be used";
    }
  else if (g_str_equal (what, "too-large"))
    {
      g_autoptr(GString) huge = g_string_new ("<?xml version=\"1.0\"?><clientConfig>");

      while (huge->len < 300 * 1024)
        g_string_append (huge, "<!-- padding padding padding padding padding padding -->\n");
      g_string_append (huge, "</clientConfig>");
      test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 200, NULL,
                      huge->str, 0);
      reason = "too large";
    }
  else if (g_str_equal (what, "redirect-to-http"))
    {
      test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 301,
                      "http://" DOMAIN "/config.xml", NULL, 0);
      reason = "not encrypted";
    }
  else if (g_str_equal (what, "untrusted"))
    {
      g_autofree char *document = make_document ("imap.evil." DOMAIN, "smtp.evil." DOMAIN);

      test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 200, NULL,
                      document, 0);
      test_https_add (fixture->https, DOMAIN "/.well-known/autoconfig/mail/config-v1.1.xml", 200,
                      NULL, document, 0);
      reason = "certificate is not trusted";
    }
  else
    g_assert_not_reached ();

  run (fixture, ADDRESS, NULL);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_SRV);
  g_assert_cmpint (find_step (fixture, reason, NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "https://autoconfig.", NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "/.well-known/", NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "Looking up SRV records of " DOMAIN, NULL), ==,
                   PF_CHECK_OK);
  if (g_str_equal (what, "untrusted"))
    g_assert_cmpuint (fixture->https->requests->len, ==, 0);
  assert_steps_ended (fixture);
}

static void
test_srv (Fixture       *fixture,
          gconstpointer  data)
{
  PfTestServers *servers = fixture->servers;
  guint16 imaps = pf_test_servers_get_port (servers, "imaps");
  guint16 imap = pf_test_servers_get_port (servers, "imap");
  guint16 submissions = pf_test_servers_get_port (servers, "submissions");
  guint16 submission = pf_test_servers_get_port (servers, "submission");
  GPtrArray *incoming, *outgoing;

  /* Priority decides, whatever the order of the records. */
  test_resolver_add_srv (fixture->resolver, "_imaps._tcp." DOMAIN, 20, 0, imaps,
                         "backup." DOMAIN);
  test_resolver_add_srv (fixture->resolver, "_imaps._tcp." DOMAIN, 10, 0, imaps,
                         "imap." DOMAIN ".");
  test_resolver_add_srv (fixture->resolver, "_imap._tcp." DOMAIN, 10, 0, imap, "imap." DOMAIN);
  /* RFC 6186 §3.4: "." is no service at all. */
  test_resolver_add_srv (fixture->resolver, "_pop3s._tcp." DOMAIN, 0, 0, 0, ".");
  test_resolver_add_srv (fixture->resolver, "_pop3._tcp." DOMAIN, 0, 0, 0, ".");
  test_resolver_add_srv (fixture->resolver, "_submissions._tcp." DOMAIN, 0, 1, submissions,
                         "smtp." DOMAIN);
  test_resolver_add_srv (fixture->resolver, "_submission._tcp." DOMAIN, 0, 1, submission,
                         "smtp." DOMAIN);

  run (fixture, ADDRESS, NULL);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_SRV);
  incoming = fixture->result->incoming;
  outgoing = fixture->result->outgoing;
  g_assert_cmpuint (incoming->len, ==, 3);
  assert_server (incoming->pdata[0], PF_SERVER_PROTOCOL_IMAP, "imap." DOMAIN, imaps,
                 PF_SECURITY_TLS);
  assert_server (incoming->pdata[1], PF_SERVER_PROTOCOL_IMAP, "backup." DOMAIN, imaps,
                 PF_SECURITY_TLS);
  assert_server (incoming->pdata[2], PF_SERVER_PROTOCOL_IMAP, "imap." DOMAIN, imap,
                 PF_SECURITY_STARTTLS);
  g_assert_cmpuint (outgoing->len, ==, 2);
  assert_server (outgoing->pdata[0], PF_SERVER_PROTOCOL_SMTP, "smtp." DOMAIN, submissions,
                 PF_SECURITY_TLS);
  assert_server (outgoing->pdata[1], PF_SERVER_PROTOCOL_SMTP, "smtp." DOMAIN, submission,
                 PF_SECURITY_STARTTLS);
  for (guint i = 0; i < incoming->len; i++)
    g_assert_null (((PfAutoconfigServer *) incoming->pdata[i])->username);

  /* All six services were asked. */
  for (const char *const *name = (const char *const[]) { "_imaps._tcp.", "_imap._tcp.",
                                                         "_pop3s._tcp.", "_pop3._tcp.",
                                                         "_submissions._tcp.",
                                                         "_submission._tcp.", NULL };
       *name != NULL; name++)
    {
      g_autofree char *rrname = g_strconcat (*name, DOMAIN, NULL);

      g_assert_true (g_ptr_array_find_with_equal_func (fixture->resolver->asked, rrname,
                                                       g_str_equal, NULL));
    }

  g_assert_cmpint (find_step (fixture, "Looking up SRV records of " DOMAIN, NULL), ==,
                   PF_CHECK_OK);
  assert_steps_ended (fixture);
}

static void
test_srv_incomplete (Fixture       *fixture,
                     gconstpointer  data)
{
  /* Only an incoming server: not usable, the next source is tried. */
  test_resolver_add_srv (fixture->resolver, "_imaps._tcp." DOMAIN, 0, 0, 993, "imap." DOMAIN);
  run (fixture, ADDRESS, NULL);

  g_assert_error (fixture->error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_NOT_FOUND);
  g_assert_cmpint (find_step (fixture, "name no outgoing server", NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "Trying the usual server names", NULL), ==,
                   PF_CHECK_FAILED);
  assert_steps_ended (fixture);
}

static void
set_guess_ports (Fixture *fixture)
{
  PfTestServers *servers = fixture->servers;
  PfAutoconfigDiscovery *discovery = fixture->discovery;

  pf_autoconfig_discovery_set_guess_port (discovery, PF_SERVER_PROTOCOL_IMAP, PF_SECURITY_TLS,
                                          pf_test_servers_get_port (servers, "imaps"));
  pf_autoconfig_discovery_set_guess_port (discovery, PF_SERVER_PROTOCOL_IMAP,
                                          PF_SECURITY_STARTTLS,
                                          pf_test_servers_get_port (servers, "imap"));
  pf_autoconfig_discovery_set_guess_port (discovery, PF_SERVER_PROTOCOL_POP3, PF_SECURITY_TLS,
                                          pf_test_servers_get_port (servers, "pop3s"));
  pf_autoconfig_discovery_set_guess_port (discovery, PF_SERVER_PROTOCOL_POP3,
                                          PF_SECURITY_STARTTLS,
                                          pf_test_servers_get_port (servers, "pop3"));
  pf_autoconfig_discovery_set_guess_port (discovery, PF_SERVER_PROTOCOL_SMTP, PF_SECURITY_TLS,
                                          pf_test_servers_get_port (servers, "submissions"));
  pf_autoconfig_discovery_set_guess_port (discovery, PF_SERVER_PROTOCOL_SMTP,
                                          PF_SECURITY_STARTTLS,
                                          pf_test_servers_get_port (servers, "submission"));
}

static void
test_guess (Fixture       *fixture,
            gconstpointer  data)
{
  PfTestServers *servers = fixture->servers;
  const char *host = pf_test_servers_get_host (servers, "imaps");
  guint16 imaps = pf_test_servers_get_port (servers, "imaps");
  guint16 imap = pf_test_servers_get_port (servers, "imap");
  guint16 submissions = pf_test_servers_get_port (servers, "submissions");
  guint16 submission = pf_test_servers_get_port (servers, "submission");
  g_autofree char *trying = NULL;
  GPtrArray *incoming, *outgoing;
  guint n_imap = 0;

  set_guess_ports (fixture);
  test_resolver_add_host (fixture->resolver, "imap." DOMAIN, host);
  test_resolver_add_host (fixture->resolver, "smtp." DOMAIN, host);
  test_resolver_add_host (fixture->resolver, "pop3." DOMAIN, host);
  /* mail.example.test and pop.example.test do not exist. */

  run (fixture, ADDRESS, NULL);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_GUESS);
  incoming = fixture->result->incoming;
  outgoing = fixture->result->outgoing;

  /* IMAP first, implicit TLS first; then POP3 if it was in time. */
  assert_server (incoming->pdata[0], PF_SERVER_PROTOCOL_IMAP, "imap." DOMAIN, imaps,
                 PF_SECURITY_TLS);
  assert_server (incoming->pdata[1], PF_SERVER_PROTOCOL_IMAP, "imap." DOMAIN, imap,
                 PF_SECURITY_STARTTLS);
  for (guint i = 0; i < incoming->len; i++)
    {
      const PfAutoconfigServer *server = incoming->pdata[i];

      if (server->protocol == PF_SERVER_PROTOCOL_IMAP)
        n_imap++;
      else
        g_assert_cmpstr (server->host, ==, "pop3." DOMAIN);
      g_assert_null (server->username);
    }
  g_assert_cmpuint (n_imap, ==, 2);
  g_assert_cmpuint (outgoing->len, ==, 2);
  assert_server (outgoing->pdata[0], PF_SERVER_PROTOCOL_SMTP, "smtp." DOMAIN, submissions,
                 PF_SECURITY_TLS);
  assert_server (outgoing->pdata[1], PF_SERVER_PROTOCOL_SMTP, "smtp." DOMAIN, submission,
                 PF_SECURITY_STARTTLS);

  trying = g_strdup_printf ("Trying imap." DOMAIN ":%u (IMAP, TLS)", imaps);
  /* The test servers' certificate names 127.0.0.2, not imap.example.test:
   * found all the same, and said so. */
  g_assert_cmpint (find_step (fixture, trying, NULL), ==, PF_CHECK_OK);
  g_assert_cmpint (find_step (fixture, "Found an IMAP server at imap." DOMAIN, NULL), ==,
                   PF_CHECK_OK);
  g_assert_nonnull (strstr (g_array_index (fixture->steps, Step, 0).text, "built-in"));
  {
    guint id;

    g_assert_cmpint (find_step (fixture, "Found an IMAP server at imap." DOMAIN, &id), ==,
                     PF_CHECK_OK);
    for (guint i = 0; i < fixture->steps->len; i++)
      {
        const Step *step = &g_array_index (fixture->steps, Step, i);

        if (step->id == id && step->status == PF_CHECK_OK)
          g_assert_nonnull (strstr (step->text, "not trusted"));
      }
  }
  g_assert_cmpint (find_step (fixture, "Trying mail." DOMAIN, NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "Trying the usual server names of " DOMAIN, NULL), ==,
                   PF_CHECK_OK);
  assert_steps_ended (fixture);
}

/* Plain text only is not proposed: for STARTTLS the probes meet the
 * Dovecot that does not offer it, and nothing listens for implicit TLS. */
static void
test_guess_no_starttls (Fixture       *fixture,
                        gconstpointer  data)
{
  PfTestServers *servers = fixture->servers;
  const char *host = pf_test_servers_get_host (servers, "imap-notls");
  guint16 imap_notls = pf_test_servers_get_port (servers, "imap-notls");
  guint16 pop3_notls = pf_test_servers_get_port (servers, "pop3-notls");
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string (host);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *imap_step = NULL;
  g_autofree char *pop3_step = NULL;
  guint16 closed;

  /* A port nobody listens on. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  closed = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  set_guess_ports (fixture);
  pf_autoconfig_discovery_set_guess_port (fixture->discovery, PF_SERVER_PROTOCOL_IMAP,
                                          PF_SECURITY_TLS, closed);
  pf_autoconfig_discovery_set_guess_port (fixture->discovery, PF_SERVER_PROTOCOL_POP3,
                                          PF_SECURITY_TLS, closed);
  pf_autoconfig_discovery_set_guess_port (fixture->discovery, PF_SERVER_PROTOCOL_IMAP,
                                          PF_SECURITY_STARTTLS, imap_notls);
  pf_autoconfig_discovery_set_guess_port (fixture->discovery, PF_SERVER_PROTOCOL_POP3,
                                          PF_SECURITY_STARTTLS, pop3_notls);
  test_resolver_add_host (fixture->resolver, "imap." DOMAIN, host);
  test_resolver_add_host (fixture->resolver, "pop." DOMAIN, host);
  test_resolver_add_host (fixture->resolver, "smtp." DOMAIN, host);

  run (fixture, ADDRESS, NULL);

  g_assert_error (fixture->error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_NOT_FOUND);
  imap_step = g_strdup_printf ("Trying imap." DOMAIN ":%u (IMAP, STARTTLS)", imap_notls);
  pop3_step = g_strdup_printf ("Trying pop." DOMAIN ":%u (POP3, STARTTLS)", pop3_notls);
  g_assert_cmpint (find_step (fixture, imap_step, NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, pop3_step, NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "No incoming server of " DOMAIN, NULL), ==,
                   PF_CHECK_FAILED);
  assert_steps_ended (fixture);
}

/* A server whose certificate verifies comes first, even under a less
 * usual name. Dovecot's certificate cannot name mail.example.test: two
 * IMAP greeters stand in, on the same port of two addresses. */
static void
test_guess_prefers_verified (Fixture       *fixture,
                             gconstpointer  data)
{
  PfTestServers *servers = fixture->servers;
  const char *smtp_host = pf_test_servers_get_host (servers, "submission");
  const char *greeting = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Ready\r\n";
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  TestHttps *untrusted;
  GPtrArray *incoming;
  guint16 closed;

  fixture->https = test_https_new (certificates.cert_file, certificates.key_file);
  fixture->https->greeting = g_strdup (greeting);
  untrusted = test_https_new_full (certificates.self_signed_cert_file,
                                   certificates.self_signed_key_file, "127.0.0.3",
                                   fixture->https->port);
  untrusted->greeting = g_strdup (greeting);

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  closed = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  set_guess_ports (fixture);
  pf_autoconfig_discovery_set_guess_port (fixture->discovery, PF_SERVER_PROTOCOL_IMAP,
                                          PF_SECURITY_TLS, fixture->https->port);
  pf_autoconfig_discovery_set_guess_port (fixture->discovery, PF_SERVER_PROTOCOL_IMAP,
                                          PF_SECURITY_STARTTLS, closed);
  test_resolver_add_host (fixture->resolver, "imap." DOMAIN, "127.0.0.3");
  test_resolver_add_host (fixture->resolver, "mail." DOMAIN, "127.0.0.1");
  test_resolver_add_host (fixture->resolver, "smtp." DOMAIN, smtp_host);

  run (fixture, ADDRESS, NULL);
  test_https_free (untrusted);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_GUESS);
  incoming = fixture->result->incoming;
  g_assert_cmpuint (incoming->len, ==, 2);
  assert_server (incoming->pdata[0], PF_SERVER_PROTOCOL_IMAP, "mail." DOMAIN,
                 fixture->https->port, PF_SECURITY_TLS);
  assert_server (incoming->pdata[1], PF_SERVER_PROTOCOL_IMAP, "imap." DOMAIN,
                 fixture->https->port, PF_SECURITY_TLS);
  g_assert_cmpuint (fixture->result->outgoing->len, ==, 2);
  assert_steps_ended (fixture);

  /* The verified one says nothing of trust. */
  {
    g_autofree char *found = g_strdup_printf ("Found an IMAP server at mail." DOMAIN ":%u (TLS)",
                                              fixture->https->port);
    guint id;

    g_assert_cmpint (find_step (fixture, found, &id), ==, PF_CHECK_OK);
    for (guint i = 0; i < fixture->steps->len; i++)
      {
        const Step *step = &g_array_index (fixture->steps, Step, i);

        if (step->id == id && step->status == PF_CHECK_OK)
          g_assert_cmpstr (step->text, ==, found);
      }
  }
}

static void
test_not_found (Fixture       *fixture,
                gconstpointer  data)
{
  int status;

  run (fixture, ADDRESS, NULL);

  g_assert_error (fixture->error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (fixture->error->message, DOMAIN));
  g_assert_null (fixture->result);

  g_assert_cmpint (find_step (fixture, "built-in", NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "https://autoconfig." DOMAIN "/mail/config-v1.1.xml",
                              NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture,
                              "https://" DOMAIN "/.well-known/autoconfig/mail/config-v1.1.xml",
                              NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "SRV", NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "Trying imap." DOMAIN ":993 (IMAP, TLS)", NULL), ==,
                   PF_CHECK_FAILED);
  /* Without an incoming server the SMTP probes may end before they
   * fail. */
  status = find_step (fixture, "Trying smtp." DOMAIN ":587 (SMTP, STARTTLS)", NULL);
  g_assert_true (status == PF_CHECK_FAILED || status == PF_CHECK_SKIPPED);
  g_assert_cmpint (find_step (fixture, "server of " DOMAIN " answered under the usual names",
                              NULL), ==, PF_CHECK_FAILED);
  assert_steps_ended (fixture);
}

static gboolean
cancel_cb (gpointer user_data)
{
  Fixture *fixture = user_data;

  fixture->cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (fixture->cancellable);

  return G_SOURCE_REMOVE;
}

/* How long the run went on after the cancellation. */
static gint64
time_after_cancel (Fixture *fixture)
{
  g_assert_cmpint (fixture->cancelled_at, >, 0);
  return (fixture->ended_at - fixture->cancelled_at) / 1000;
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *document = make_document ("imap.other." DOMAIN, "smtp.other." DOMAIN);

  /* Both HTTPS hosts answer only after 5 s. */
  start_https (fixture, TRUE);
  test_resolver_add_host (fixture->resolver, "autoconfig." DOMAIN, "127.0.0.1");
  test_resolver_add_host (fixture->resolver, DOMAIN, "127.0.0.1");
  test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 200, NULL,
                  document, 5000);
  test_https_add (fixture->https, DOMAIN "/.well-known/autoconfig/mail/config-v1.1.xml", 200,
                  NULL, document, 5000);
  fixture->cancellable = g_cancellable_new ();
  g_timeout_add (200, cancel_cb, fixture);

  run (fixture, ADDRESS, fixture->cancellable);

  g_assert_error (fixture->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (fixture->result);
  g_assert_cmpint (time_after_cancel (fixture), <, 500);
  g_assert_cmpint (find_step (fixture, "https://autoconfig.", NULL), ==, PF_CHECK_SKIPPED);
  /* Nothing after the cancelled step. */
  g_assert_cmpint (find_step (fixture, "SRV", NULL), ==, -1);
  assert_steps_ended (fixture);
}

static void
test_cancel_srv (Fixture       *fixture,
                 gconstpointer  data)
{
  /* The name server does not answer. */
  fixture->resolver->hang_records = TRUE;
  fixture->cancellable = g_cancellable_new ();
  g_timeout_add (200, cancel_cb, fixture);

  run (fixture, ADDRESS, fixture->cancellable);

  g_assert_error (fixture->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (time_after_cancel (fixture), <, 500);
  g_assert_cmpint (find_step (fixture, "Looking up SRV records of " DOMAIN, NULL), ==,
                   PF_CHECK_SKIPPED);
  g_assert_cmpint (find_step (fixture, "Trying", NULL), ==, -1);
  assert_steps_ended (fixture);
}

static void
test_cancel_guess (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  /* A listener that never accepts: connections hang in the backlog, no
   * greeting ever comes. */
  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  for (PfServerProtocol protocol = PF_SERVER_PROTOCOL_IMAP; protocol <= PF_SERVER_PROTOCOL_SMTP;
       protocol++)
    {
      pf_autoconfig_discovery_set_guess_port (fixture->discovery, protocol, PF_SECURITY_TLS, port);
      pf_autoconfig_discovery_set_guess_port (fixture->discovery, protocol, PF_SECURITY_STARTTLS,
                                              port);
    }
  test_resolver_add_host (fixture->resolver, "imap." DOMAIN, "127.0.0.1");
  test_resolver_add_host (fixture->resolver, "smtp." DOMAIN, "127.0.0.1");
  fixture->cancellable = g_cancellable_new ();
  g_timeout_add (300, cancel_cb, fixture);

  run (fixture, ADDRESS, fixture->cancellable);

  g_assert_error (fixture->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (time_after_cancel (fixture), <, 500);
  g_assert_cmpint (find_step (fixture, "Trying imap." DOMAIN, NULL), ==, PF_CHECK_SKIPPED);
  assert_steps_ended (fixture);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_type_class_ref (PF_TYPE_CHECK_STATUS);

  make_certificates (pf_test_servers_get_full (PF_TEST_SERVERS_VARIANTS));

#define ADD(path, func, data) \
  g_test_add ("/autoconfig-discovery/" path, Fixture, data, fixture_set_up, func, \
              fixture_tear_down)

  ADD ("invalid-address", test_invalid_address, NULL);
  ADD ("builtin", test_builtin, NULL);
  ADD ("builtin-disabled", test_builtin_disabled, NULL);
  ADD ("https/subdomain", test_https_subdomain, NULL);
  ADD ("https/well-known", test_https_well_known, GINT_TO_POINTER (FALSE));
  ADD ("https/404-then-well-known", test_https_well_known, GINT_TO_POINTER (TRUE));
  ADD ("https/both", test_https_both, NULL);
  ADD ("https/redirect", test_https_redirect, NULL);
  ADD ("https/invalid-document", test_https_falls_through, "invalid");
  ADD ("https/truncated-document", test_https_falls_through, "truncated");
  ADD ("https/too-large", test_https_falls_through, "too-large");
  ADD ("https/redirect-to-http", test_https_falls_through, "redirect-to-http");
  ADD ("https/untrusted", test_https_falls_through, "untrusted");
  ADD ("srv", test_srv, NULL);
  ADD ("srv/incomplete", test_srv_incomplete, NULL);
  ADD ("guess", test_guess, NULL);
  ADD ("guess/no-starttls", test_guess_no_starttls, NULL);
  ADD ("guess/prefers-verified", test_guess_prefers_verified, NULL);
  ADD ("not-found", test_not_found, NULL);
  ADD ("cancel/https", test_cancel, NULL);
  ADD ("cancel/srv", test_cancel_srv, NULL);
  ADD ("cancel/guess", test_cancel_guess, NULL);

  status = g_test_run ();
  remove_certificates ();

  return status;
}
