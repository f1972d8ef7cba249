/* pf-test-https.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-test-support"

#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf-test-https.h"

#define DOMAIN "example.test"

typedef struct
{
  guint  status;
  char  *location;
  char  *body;
  guint  delay_ms;
} Response;

struct _PfTestHttps
{
  GSocketService  *service;
  GTlsCertificate *certificate;
  GHashTable      *responses;   /* "host/path" → Response */
  GPtrArray       *requests;    /* "host/path?query" */
  GHashTable      *clients;     /* set of HttpsClient */
  GCancellable    *cancellable; /* cancelled when the server goes */
  char            *greeting;    /* instead of HTTP: say this, then listen */
  guint16          port;
};

typedef struct
{
  PfTestHttps      *server;
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

/* Whether the client goes on after an operation: not when it failed or
 * the server went, and then it is freed. */
static gboolean
https_client_goes_on (HttpsClient *client,
                      gboolean     succeeded)
{
  if (succeeded && client->server != NULL)
    return TRUE;
  https_client_free (client);
  return FALSE;
}

static void
https_client_read (HttpsClient         *client,
                   GAsyncReadyCallback  callback)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (client->tls), client->buffer,
                             sizeof client->buffer, G_PRIORITY_DEFAULT,
                             client->server->cancellable, callback, client);
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
  if (!https_client_goes_on (client, n > 0))
    return;

  g_string_append_len (client->request, client->buffer, n);
  end = strstr (client->request->str, "\r\n\r\n");
  if (end == NULL)
    {
      https_client_read (client, https_read_cb);
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
  if (https_client_goes_on (client, n > 0))
    https_client_read (client, greeter_read_cb);
}

static void
greeter_write_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  HttpsClient *client = user_data;

  if (https_client_goes_on (client, g_output_stream_write_all_finish (G_OUTPUT_STREAM (object),
                                                                     result, NULL, NULL)))
    https_client_read (client, greeter_read_cb);
}

static void
https_handshake_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  HttpsClient *client = user_data;

  if (!https_client_goes_on (client, g_tls_connection_handshake_finish (G_TLS_CONNECTION (object),
                                                                       result, NULL)))
    return;

  if (client->server->greeting != NULL)
    {
      g_output_stream_write_all_async (g_io_stream_get_output_stream (client->tls),
                                       client->server->greeting,
                                       strlen (client->server->greeting), G_PRIORITY_DEFAULT,
                                       client->server->cancellable, greeter_write_cb, client);
      return;
    }

  https_client_read (client, https_read_cb);
}

static gboolean
on_https_incoming_cb (GSocketService     *service,
                      GSocketConnection  *connection,
                      GObject            *source,
                      gpointer            user_data)
{
  PfTestHttps *server = user_data;
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

/**
 * pf_test_https_new:
 * @cert_file: the server's certificate (PEM)
 * @key_file: its key
 * @address: the address to listen on, e.g. "127.0.0.1"
 * @port: the port, 0 for any free one
 *
 * Returns: (transfer full): a server listening on @address
 */
PfTestHttps *
pf_test_https_new (const char *cert_file,
                   const char *key_file,
                   const char *address,
                   guint16     port)
{
  PfTestHttps *server = g_new0 (PfTestHttps, 1);
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new (inet, port);
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
  g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), socket_address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                 &effective, &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (server->service, "incoming", G_CALLBACK (on_https_incoming_cb), server);
  g_socket_service_start (server->service);

  return server;
}

/**
 * pf_test_https_free:
 * @server: a #PfTestHttps
 *
 * Stops the server; connections still open are closed.
 */
void
pf_test_https_free (PfTestHttps *server)
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

/**
 * pf_test_https_add:
 * @server: a #PfTestHttps
 * @host_and_path: what is asked, as "autoconfig.example.test/mail/config-v1.1.xml"
 *   (the host from the Host header, the path without its query)
 * @status: the HTTP status of the answer
 * @location: (nullable): a Location header
 * @body: (nullable): the answer's body (text/xml)
 * @delay_ms: how long the server waits before it answers any request
 *   for this path
 *
 * Anything else asked is answered "404 Not Found".
 */
void
pf_test_https_add (PfTestHttps *server,
                   const char  *host_and_path,
                   guint        status,
                   const char  *location,
                   const char  *body,
                   guint        delay_ms)
{
  Response *response = g_new0 (Response, 1);

  response->status = status;
  response->location = g_strdup (location);
  response->body = g_strdup (body);
  response->delay_ms = delay_ms;
  g_hash_table_replace (server->responses, g_strdup (host_and_path), response);
}

/**
 * pf_test_https_get_port:
 * @server: a #PfTestHttps
 *
 * Returns: the port it listens on
 */
guint16
pf_test_https_get_port (PfTestHttps *server)
{
  return server->port;
}

/**
 * pf_test_https_set_greeting:
 * @server: a #PfTestHttps
 * @greeting: (nullable): what to say after the TLS handshake, instead of
 *   answering HTTP; the server then reads and never answers
 */
void
pf_test_https_set_greeting (PfTestHttps *server,
                            const char  *greeting)
{
  g_free (server->greeting);
  server->greeting = g_strdup (greeting);
}

/**
 * pf_test_https_get_requests:
 * @server: a #PfTestHttps
 *
 * Returns: (transfer none) (element-type utf8): each request so far, as
 *   "host/path?query"
 */
GPtrArray *
pf_test_https_get_requests (PfTestHttps *server)
{
  return server->requests;
}

/* Certificates */

static PfTestCertificates certificates;

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
  certificates.dir = g_dir_make_tmp ("pf-test-https-XXXXXX", &error);
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

/**
 * pf_test_certificates_get:
 * @servers: the test servers, whose CA signs
 *
 * Returns: (transfer none): the certificates, made on the first call
 */
const PfTestCertificates *
pf_test_certificates_get (PfTestServers *servers)
{
  if (certificates.dir == NULL)
    {
      make_certificates (servers);
      atexit (remove_certificates);
    }
  return &certificates;
}
