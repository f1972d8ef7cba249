/* test-smtp-client.c: PfSmtpClient against the real test submission
 * server, and against a scripted server for what it would never do
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "imap/pf-imap-connection.h"
#include "imap/pf-imap-types.h"
#include "net/pf-net-error.h"
#include "smtp/pf-smtp-client.h"
#include "smtp/pf-smtp-error.h"
#include "pf-fake-server.h"
#include "pf-test-servers.h"

#define PASSWORD "s3cret-Passw0rd"

typedef struct
{
  PfTestServers *servers;
  GTlsDatabase  *trusted;
  GAsyncResult  *result;
} Fixture;

static void
on_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_assert_null (fixture->result);
  fixture->result = g_object_ref (result);
}

static GAsyncResult *
wait_result (Fixture *fixture)
{
  while (fixture->result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (&fixture->result);
}

static const char *
address (Fixture    *fixture,
         const char *user)
{
  return pf_test_servers_get_address (fixture->servers, user);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->servers = pf_test_servers_get ();
  fixture->trusted = g_tls_file_database_new (pf_test_servers_get_ca_file (fixture->servers),
                                              &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_null (fixture->result);
  g_clear_object (&fixture->trusted);
}

static PfSmtpClient *
make (Fixture       *fixture,
      const char    *service,
      PfNetSecurity  security)
{
  g_autoptr(PfNetConnection) net = NULL;

  net = pf_net_connection_new (pf_test_servers_get_host (fixture->servers, service),
                               pf_test_servers_get_port (fixture->servers, service),
                               security);
  pf_net_connection_set_tls_database (net, fixture->trusted);
  pf_net_connection_set_timeout (net, 20);

  return pf_smtp_client_new (net);
}

static gboolean
open_sync (Fixture       *fixture,
           PfSmtpClient  *client,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pf_smtp_client_open_async (client, NULL, on_done_cb, fixture);
  result = wait_result (fixture);

  return pf_smtp_client_open_finish (client, result, error);
}

static gboolean
login_sync (Fixture       *fixture,
            PfSmtpClient  *client,
            const char    *user,
            const char    *password,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pf_smtp_client_login_async (client, user, password, FALSE, NULL, on_done_cb, fixture);
  result = wait_result (fixture);

  return pf_smtp_client_login_finish (client, result, error);
}

static gboolean
send_sync (Fixture             *fixture,
           PfSmtpClient        *client,
           const char          *from,
           const char * const  *recipients,
           GBytes              *message,
           gint64               size_hint,
           GPtrArray          **refused,
           GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GInputStream) stream = NULL;

  stream = g_memory_input_stream_new_from_bytes (message);
  pf_smtp_client_send_async (client, from, recipients, stream, size_hint, NULL,
                             on_done_cb, fixture);
  result = wait_result (fixture);

  return pf_smtp_client_send_finish (client, result, refused, error);
}

static void
quit_sync (Fixture      *fixture,
           PfSmtpClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  pf_smtp_client_quit_async (client, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_smtp_client_quit_finish (client, result, &error));
  g_assert_no_error (error);
}

static void
close_sync (Fixture      *fixture,
            PfSmtpClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;

  pf_net_connection_close_async (pf_smtp_client_get_connection (client), NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  pf_net_connection_close_finish (pf_smtp_client_get_connection (client), result, NULL);
}

static PfSmtpClient *
open_logged_in (Fixture       *fixture,
                const char    *service,
                PfNetSecurity  security)
{
  g_autoptr(PfSmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  client = make (fixture, service, security);
  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  g_assert_true (pf_net_connection_is_encrypted (pf_smtp_client_get_connection (client)));
  g_assert_true (login_sync (fixture, client,
                             pf_test_servers_get_login (fixture->servers, "alice"),
                             pf_test_servers_get_password (fixture->servers, "alice"), &error));
  g_assert_no_error (error);

  return g_steal_pointer (&client);
}

/* A multipart/mixed message with an attachment and a body line that
 * starts with a dot, which dot-stuffing must bring through intact. */
static GBytes *
build_message (Fixture    *fixture,
               const char *subject)
{
  GMimeMessage *message;
  GMimeMultipart *mixed;
  GMimeTextPart *text;
  GMimePart *attachment;
  GMimeDataWrapper *content;
  GMimeStream *data;
  GMimeStream *out;
  GByteArray *array;
  GBytes *bytes;
  g_autofree guint8 *binary = NULL;
  /* Large enough to be streamed in several pieces. */
  gsize binary_size = 150000;

  /* GMime 3.2 has no autoptr cleanups: references are dropped by hand. */
  message = g_mime_message_new (TRUE);
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, "Alice",
                              address (fixture, "alice"));
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, "Bob",
                              address (fixture, "bob"));
  g_mime_message_set_subject (message, subject, NULL);
  g_mime_message_set_message_id (message, "smtp-test@example.test");

  mixed = g_mime_multipart_new_with_subtype ("mixed");
  text = g_mime_text_part_new_with_subtype ("plain");
  g_mime_text_part_set_text (text,
                             "Hello Bob,\n"
                             ".this line starts with a dot\n"
                             "..and this one with two\n"
                             ".\n"
                             "the line above was a lone dot.\n");
  g_mime_multipart_add (mixed, GMIME_OBJECT (text));
  g_object_unref (text);

  binary = g_malloc (binary_size);
  for (gsize i = 0; i < binary_size; i++)
    binary[i] = (guint8) (i * 7);
  data = g_mime_stream_mem_new_with_buffer ((const char *) binary, binary_size);
  content = g_mime_data_wrapper_new_with_stream (data, GMIME_CONTENT_ENCODING_DEFAULT);
  g_object_unref (data);
  attachment = g_mime_part_new_with_type ("application", "octet-stream");
  g_mime_part_set_content (attachment, content);
  g_object_unref (content);
  g_mime_part_set_filename (attachment, "data.bin");
  g_mime_part_set_content_encoding (attachment, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_multipart_add (mixed, GMIME_OBJECT (attachment));
  g_object_unref (attachment);
  g_mime_message_set_mime_part (message, GMIME_OBJECT (mixed));
  g_object_unref (mixed);

  out = g_mime_stream_mem_new ();
  g_assert_cmpint (g_mime_object_write_to_stream (GMIME_OBJECT (message), NULL, out), >, 0);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  bytes = g_bytes_new (array->data, array->len);
  g_object_unref (out);
  g_object_unref (message);

  return bytes;
}

static char *
normalize (const char *text,
           gsize       length)
{
  GString *out = g_string_sized_new (length);

  for (gsize i = 0; i < length; i++)
    {
      if (text[i] == '\r' && i + 1 < length && text[i + 1] == '\n')
        continue;
      g_string_append_c (out, text[i]);
    }

  return g_string_free (out, FALSE);
}

/* Waits for the message with @subject in bob's Maildir and returns it. */
static char *
wait_delivered (Fixture    *fixture,
                const char *subject)
{
  const char *maildir = pf_test_servers_get_maildir (fixture->servers, "bob");
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      const char *subdirs[] = { "new", "cur" };

      for (guint s = 0; s < G_N_ELEMENTS (subdirs); s++)
        {
          g_autofree char *path = g_build_filename (maildir, subdirs[s], NULL);
          g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
          const char *name;

          while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *file = g_build_filename (path, name, NULL);
              g_autofree char *contents = NULL;
              gsize length;

              if (g_file_get_contents (file, &contents, &length, NULL) &&
                  strstr (contents, subject) != NULL)
                return g_steal_pointer (&contents);
            }
        }
      g_usleep (100 * 1000);
    }

  g_assert_not_reached ();
}

/* IMAP: the message with @subject in bob's INBOX, as the server serves it. */
typedef struct
{
  GAsyncResult *result;
  const char   *subject;
  GBytes       *body;
} ImapFetch;

static void
imap_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  ImapFetch *state = user_data;

  state->result = g_object_ref (result);
}

static GAsyncResult *
imap_wait (ImapFetch *state)
{
  while (state->result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (&state->result);
}

static void
imap_body_cb (PfImapConnection *connection,
              PfImapResponse   *response,
              gpointer          user_data)
{
  ImapFetch *state = user_data;
  g_autoptr(PfImapFetch) fetch = NULL;
  g_autoptr(GError) error = NULL;
  const PfImapFetchBody *body;

  fetch = pf_imap_fetch_new_from_response (response, &error);
  g_assert_no_error (error);
  body = pf_imap_fetch_get_body (fetch, "");
  g_assert_nonnull (body);
  g_assert_nonnull (body->data);
  if (g_strstr_len (g_bytes_get_data (body->data, NULL), g_bytes_get_size (body->data),
                    state->subject) != NULL)
    {
      g_assert_null (state->body);
      state->body = g_bytes_ref (body->data);
    }
}

static char *
fetch_over_imap (Fixture    *fixture,
                 const char *subject)
{
  g_autoptr(PfNetConnection) net = NULL;
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(PfImapCommand) examine = NULL;
  g_autoptr(PfImapCommand) fetch = NULL;
  g_autoptr(PfImapResponse) examined = NULL;
  g_autoptr(PfImapResponse) fetched = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GAsyncResult) r4 = NULL;
  g_autoptr(GAsyncResult) r5 = NULL;
  g_autoptr(GError) error = NULL;
  const char *const collect[] = { "FETCH", NULL };
  ImapFetch state = { NULL, subject, NULL };
  char *text;

  database = g_tls_file_database_new (pf_test_servers_get_ca_file (fixture->servers), &error);
  g_assert_no_error (error);
  net = pf_net_connection_new (pf_test_servers_get_host (fixture->servers, "imaps"),
                               pf_test_servers_get_port (fixture->servers, "imaps"),
                               PF_NET_SECURITY_TLS);
  pf_net_connection_set_tls_database (net, database);
  connection = pf_imap_connection_new (net);

  pf_imap_connection_open_async (connection, NULL, imap_done_cb, &state);
  r1 = imap_wait (&state);
  g_assert_true (pf_imap_connection_open_finish (connection, r1, &error));
  pf_imap_connection_login_async (connection, pf_test_servers_get_login (fixture->servers, "bob"),
                                  pf_test_servers_get_password (fixture->servers, "bob"), FALSE,
                                  NULL, imap_done_cb, &state);
  r2 = imap_wait (&state);
  g_assert_true (pf_imap_connection_login_finish (connection, r2, &error));

  examine = pf_imap_command_new ("EXAMINE INBOX", PF_IMAP_COMMAND_BARRIER);
  pf_imap_connection_run_async (connection, examine, NULL, NULL, NULL, NULL, NULL, NULL,
                                imap_done_cb, &state);
  r3 = imap_wait (&state);
  examined = pf_imap_connection_run_finish (connection, r3, &error);
  g_assert_no_error (error);

  /* The subject is unique: the message that carries it is ours. */
  fetch = pf_imap_command_new ("UID FETCH", PF_IMAP_COMMAND_NONE);
  pf_imap_command_add_raw (fetch, "1:* (UID BODY.PEEK[])");
  pf_imap_connection_run_async (connection, fetch, collect, imap_body_cb, NULL, NULL, &state,
                                NULL, imap_done_cb, &state);
  r4 = imap_wait (&state);
  fetched = pf_imap_connection_run_finish (connection, r4, &error);
  g_assert_no_error (error);
  g_assert_nonnull (state.body);

  pf_imap_connection_logout_async (connection, NULL, imap_done_cb, &state);
  r5 = imap_wait (&state);
  pf_imap_connection_logout_finish (connection, r5, NULL);

  text = g_strndup (g_bytes_get_data (state.body, NULL), g_bytes_get_size (state.body));
  g_bytes_unref (state.body);
  return text;
}

static void
check_send (Fixture       *fixture,
            const char    *service,
            PfNetSecurity  security)
{
  g_autoptr(PfSmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *delivered = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *got = NULL;
  g_autofree char *imap = NULL;
  g_autofree char *imap_lines = NULL;
  const char *recipients[2] = { NULL, NULL };
  const char *imap_start;
  const char *start;
  gsize length;

  subject = g_strdup_printf ("smtp %s %08x", service, g_random_int ());
  message = build_message (fixture, subject);
  recipients[0] = address (fixture, "bob");

  client = open_logged_in (fixture, service, security);
  g_assert_true (pf_smtp_client_has_extension (client, "auth"));
  g_assert_false (pf_smtp_client_has_extension (client, "STARTTLS"));
  g_assert_true (send_sync (fixture, client, address (fixture, "alice"),
                            recipients, message, g_bytes_get_size (message), &refused, &error));
  g_assert_no_error (error);
  g_assert_nonnull (refused);
  g_assert_cmpuint (refused->len, ==, 0);
  quit_sync (fixture, client);

  /* Byte for byte from our first header on; the servers add trace
   * headers above it and store LF line ends. */
  delivered = wait_delivered (fixture, subject);
  sent = normalize (g_bytes_get_data (message, &length), g_bytes_get_size (message));
  got = normalize (delivered, strlen (delivered));
  start = strstr (got, "From: Alice");
  g_assert_true (g_str_has_prefix (sent, "From: Alice"));
  g_assert_nonnull (start);
  g_assert_cmpstr (start, ==, sent);
  g_assert_nonnull (strstr (start, "\n.this line starts with a dot\n..and this one"));

  /* And over IMAP, as a client finds it: the same bytes after the trace
   * headers the servers added (IMAP serves CRLF; compared as lines). */
  imap = fetch_over_imap (fixture, subject);
  imap_lines = normalize (imap, strlen (imap));
  imap_start = strstr (imap_lines, "From: Alice");
  g_assert_nonnull (imap_start);
  g_assert_cmpuint (strlen (imap_start), ==, strlen (sent));
  g_assert_true (g_str_equal (imap_start, sent));
}

static void
test_send_starttls (Fixture       *fixture,
                    gconstpointer  data)
{
  check_send (fixture, "submission", PF_NET_SECURITY_STARTTLS);
}

static void
test_send_tls (Fixture       *fixture,
               gconstpointer  data)
{
  check_send (fixture, "submissions", PF_NET_SECURITY_TLS);
}

static void
test_recipient_refused (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(PfSmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  g_autoptr(GBytes) message = NULL;
  const char *nobody[] = { "nobody@example.test", NULL };
  const char *mixed[] = { "nobody@example.test", NULL, NULL };
  const GError *one;

  message = build_message (fixture, "refused");
  client = open_logged_in (fixture, "submission", PF_NET_SECURITY_STARTTLS);

  g_assert_false (send_sync (fixture, client, address (fixture, "alice"),
                             nobody, message, -1, NULL, &error));
  g_assert_error (error, PF_SMTP_ERROR, PF_SMTP_ERROR_RECIPIENT_REFUSED);
  g_assert_cmpuint (pf_smtp_error_get_reply_code (error), ==, 550);
  g_assert_nonnull (pf_smtp_error_get_server_text (error));
  g_assert_nonnull (strstr (error->message, "nobody@example.test"));
  g_clear_error (&error);

  /* The session survives (RSET): one good, one bad recipient. */
  mixed[1] = address (fixture, "bob");
  g_assert_true (send_sync (fixture, client, address (fixture, "alice"),
                            mixed, message, -1, &refused, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (refused->len, ==, 1);
  one = g_ptr_array_index (refused, 0);
  g_assert_error (one, PF_SMTP_ERROR, PF_SMTP_ERROR_RECIPIENT_REFUSED);
  g_assert_cmpuint (pf_smtp_error_get_reply_code (one), ==, 550);

  quit_sync (fixture, client);
}

static void
test_too_large (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(PfSmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autofree char *limit_text = NULL;
  const char *recipients[2] = { NULL, NULL };
  guint64 limit;

  limit_text = g_key_file_get_string (pf_test_servers_get_key_file (fixture->servers),
                                      "smtp", "size-limit", &error);
  g_assert_no_error (error);
  limit = g_ascii_strtoull (limit_text, NULL, 10);

  client = open_logged_in (fixture, "submission", PF_NET_SECURITY_STARTTLS);
  g_assert_cmpuint (pf_smtp_client_get_size_limit (client), ==, limit);

  recipients[0] = address (fixture, "bob");
  message = g_bytes_new_static ("Subject: big\n\nbig\n", 18);
  g_assert_false (send_sync (fixture, client, address (fixture, "alice"),
                             recipients, message, (gint64) limit + 1, NULL, &error));
  g_assert_error (error, PF_SMTP_ERROR, PF_SMTP_ERROR_MESSAGE_TOO_LARGE);

  quit_sync (fixture, client);
}

static void
test_auth_required (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(PfSmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = NULL;
  const char *recipients[2] = { NULL, NULL };

  client = make (fixture, "submission", PF_NET_SECURITY_STARTTLS);
  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);

  recipients[0] = address (fixture, "bob");
  message = build_message (fixture, "no auth");
  g_assert_false (send_sync (fixture, client, address (fixture, "alice"),
                             recipients, message, -1, NULL, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == PF_SMTP_ERROR);
  g_assert_cmpuint (pf_smtp_error_get_reply_code (error), >=, 500);
  g_assert_nonnull (pf_smtp_error_get_server_text (error));

  quit_sync (fixture, client);
}

static void
test_wrong_password (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PfSmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;

  client = make (fixture, "submissions", PF_NET_SECURITY_TLS);
  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  g_assert_false (login_sync (fixture, client,
                              pf_test_servers_get_login (fixture->servers, "alice"),
                              "not-the-password", &error));
  g_assert_error (error, PF_SMTP_ERROR, PF_SMTP_ERROR_AUTHENTICATION_FAILED);
  g_assert_cmpuint (pf_smtp_error_get_reply_code (error), ==, 535);

  quit_sync (fixture, client);
}

/* Fake servers */

static void
check_fake (Fixture    *fixture,
            const char *script,
            GQuark      domain,
            int         code)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfNetConnection) net = NULL;
  g_autoptr(PfSmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *text = NULL;

  server = pf_fake_server_new_from_script (script, &error);
  g_assert_no_error (error);

  net = pf_net_connection_new (pf_fake_server_get_host (server), pf_fake_server_get_port (server),
                               PF_NET_SECURITY_STARTTLS);
  pf_net_connection_set_timeout (net, 10);
  client = pf_smtp_client_new (net);

  g_assert_false (open_sync (fixture, client, &error));
  g_assert_error (error, domain, code);
  g_clear_error (&error);

  /* Even if the caller goes on to log in, nothing is sent. */
  pf_smtp_client_login_async (client, "alice", PASSWORD, FALSE, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_false (pf_smtp_client_login_finish (client, result, NULL));

  close_sync (fixture, client);
  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));
  received = pf_fake_server_dup_received (server);
  text = g_strndup (g_bytes_get_size (received) > 0 ? g_bytes_get_data (received, NULL) : "",
                    g_bytes_get_size (received));
  g_assert_null (strstr (text, PASSWORD));
  g_assert_null (strstr (text, "AUTH"));
}

static void
test_starttls_missing (Fixture       *fixture,
                       gconstpointer  data)
{
  check_fake (fixture,
              "S: 220 fake.example.test ESMTP\n"
              "C: ^EHLO .+$\n"
              "S: 250-fake.example.test\n"
              "S: 250 AUTH PLAIN LOGIN\n"
              "WAIT-CLOSE\n",
              PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE);
}

static void
test_starttls_refused (Fixture       *fixture,
                       gconstpointer  data)
{
  check_fake (fixture,
              "S: 220 fake.example.test ESMTP\n"
              "C: ^EHLO .+$\n"
              "S: 250-fake.example.test\n"
              "S: 250 STARTTLS\n"
              "C: ^STARTTLS$\n"
              "S: 454 4.7.0 TLS not available\n"
              "WAIT-CLOSE\n",
              PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE);
}

static void
test_starttls_injection (Fixture       *fixture,
                         gconstpointer  data)
{
  /* The 220 and a forged EHLO reply arrive in one packet. */
  check_fake (fixture,
              "S: 220 fake.example.test ESMTP\n"
              "C: ^EHLO .+$\n"
              "S: 250-fake.example.test\n"
              "S: 250 STARTTLS\n"
              "C: ^STARTTLS$\n"
              "SEND 220 go ahead\\r\\n250-fake\\r\\n250 AUTH PLAIN\\r\\n\n"
              "WAIT-CLOSE\n",
              PF_NET_ERROR, PF_NET_ERROR_PROTOCOL);
}

static void
test_inconsistent_reply (Fixture       *fixture,
                         gconstpointer  data)
{
  check_fake (fixture,
              "S: 220 fake.example.test ESMTP\n"
              "C: ^EHLO .+$\n"
              "S: 250-fake.example.test\n"
              "S: 251 STARTTLS\n"
              "WAIT-CLOSE\n",
              PF_SMTP_ERROR, PF_SMTP_ERROR_PROTOCOL);
}

static PfSmtpClient *
make_fake (PfFakeServer *server)
{
  g_autoptr(PfNetConnection) net = NULL;

  net = pf_net_connection_new (pf_fake_server_get_host (server), pf_fake_server_get_port (server),
                               PF_NET_SECURITY_NONE);
  pf_net_connection_set_timeout (net, 10);
  pf_net_connection_set_allow_plaintext_secrets (net, TRUE);

  return pf_smtp_client_new (net);
}

static void
test_pipelining_wire (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfSmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autofree char *password = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *script = NULL;
  const char *recipients[] = { "nobody@example.test", "bob@example.test", NULL };
  const char *text = "Subject: dots\r\n\r\n.leading\nbare-lf\r\n.\nlast-no-newline";
  const GError *one;

  password = g_base64_encode ((const guchar *) PASSWORD, strlen (PASSWORD));
  escaped = g_regex_escape_string (password, -1);
  /* MAIL and both RCPTs arrive before any reply; the body is stuffed and
   * ends with CRLF "." CRLF although the message lacks a last line end. */
  script = g_strdup_printf ("S: 220 fake.example.test ESMTP\n"
                            "C: ^EHLO \\[127\\.0\\.0\\.1\\]$\n"
                            "S: 250-fake.example.test\n"
                            "S: 250-PIPELINING\n"
                            "S: 250-SIZE 100000\n"
                            "S: 250-8BITMIME\n"
                            "S: 250 AUTH LOGIN\n"
                            "C: ^AUTH LOGIN$\n"
                            "S: 334 VXNlcm5hbWU6\n"
                            "C: ^YWxpY2U=$\n"
                            "S: 334 UGFzc3dvcmQ6\n"
                            "C: ^%s$\n"
                            "S: 235 2.7.0 ok\n"
                            "C: ^MAIL FROM:<alice@example\\.test> SIZE=%lu BODY=8BITMIME$\n"
                            "C: ^RCPT TO:<nobody@example\\.test>$\n"
                            "C: ^RCPT TO:<bob@example\\.test>$\n"
                            "S: 250 2.1.0 ok\n"
                            "S: 550 5.1.1 no such user\n"
                            "S: 250 2.1.5 ok\n"
                            "C: ^DATA$\n"
                            "S: 354 go ahead\n"
                            "C: ^Subject: dots$\n"
                            "C: ^$\n"
                            "C: ^\\.\\.leading$\n"
                            "C: ^bare-lf$\n"
                            "C: ^\\.\\.$\n"
                            "C: ^last-no-newline$\n"
                            "C: ^\\.$\n"
                            "S: 250 2.0.0 queued\n"
                            "C: ^QUIT$\n"
                            "S: 221 2.0.0 bye\n"
                            "WAIT-CLOSE\n",
                            escaped, (gulong) strlen (text));
  server = pf_fake_server_new_from_script (script, &error);
  g_assert_no_error (error);
  client = make_fake (server);

  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pf_smtp_client_get_size_limit (client), ==, 100000);
  g_assert_true (login_sync (fixture, client, "alice", PASSWORD, &error));
  g_assert_no_error (error);

  message = g_bytes_new_static (text, strlen (text));
  g_assert_true (send_sync (fixture, client, "alice@example.test", recipients, message,
                            strlen (text), &refused, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (refused->len, ==, 1);
  one = g_ptr_array_index (refused, 0);
  g_assert_error (one, PF_SMTP_ERROR, PF_SMTP_ERROR_RECIPIENT_REFUSED);
  g_assert_cmpuint (pf_smtp_error_get_reply_code (one), ==, 550);
  g_assert_cmpstr (pf_smtp_error_get_enhanced_code (one), ==, "5.1.1");
  g_assert_cmpstr (pf_smtp_error_get_server_text (one), ==, "no such user");
  g_assert_nonnull (strstr (one->message, "nobody@example.test"));

  quit_sync (fixture, client);
  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));
}

static void
test_helo_temporary (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfSmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = NULL;
  const char *recipients[] = { "bob@example.test", NULL };

  /* An old server: no EHLO, so no extensions; one command at a time, and
   * a 4xx to MAIL ends the transaction with RSET. */
  server = pf_fake_server_new_from_script ("S: 220 old.example.test\n"
                                           "C: ^EHLO .+$\n"
                                           "S: 502 command not implemented\n"
                                           "C: ^HELO \\[127\\.0\\.0\\.1\\]$\n"
                                           "S: 250 old.example.test\n"
                                           "C: ^MAIL FROM:<alice@example\\.test>$\n"
                                           "S: 451 4.3.0 try again later\n"
                                           "C: ^RSET$\n"
                                           "S: 250 ok\n"
                                           "C: ^QUIT$\n"
                                           "S: 221 bye\n"
                                           "WAIT-CLOSE\n", &error);
  g_assert_no_error (error);
  client = make_fake (server);

  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  g_assert_false (pf_smtp_client_has_extension (client, "PIPELINING"));

  message = g_bytes_new_static ("Subject: x\n\nx\n", 14);
  g_assert_false (send_sync (fixture, client, "alice@example.test", recipients, message, 14,
                             NULL, &error));
  g_assert_error (error, PF_SMTP_ERROR, PF_SMTP_ERROR_TEMPORARY);
  g_assert_cmpuint (pf_smtp_error_get_reply_code (error), ==, 451);
  g_assert_cmpstr (pf_smtp_error_get_enhanced_code (error), ==, "4.3.0");

  quit_sync (fixture, client);
  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));
}

static void
test_smtputf8 (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfSmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  g_autoptr(GBytes) message = NULL;
  const char *recipients[] = { "jörg@example.test", NULL };

  /* RFC 6531 §3.4: an internationalized address needs SMTPUTF8 on MAIL. */
  server = pf_fake_server_new_from_script ("S: 220 fake.example.test ESMTP\n"
                                           "C: ^EHLO .+$\n"
                                           "S: 250-fake.example.test\n"
                                           "S: 250 SMTPUTF8\n"
                                           "C: ^MAIL FROM:<alice@example\\.test> SMTPUTF8$\n"
                                           "S: 250 ok\n"
                                           "C: ^RCPT TO:<j\\xc3\\xb6rg@example\\.test>$\n"
                                           "S: 250 ok\n"
                                           "C: ^DATA$\n"
                                           "S: 354 go ahead\n"
                                           "C: ^Subject: x$\n"
                                           "C: ^$\n"
                                           "C: ^x$\n"
                                           "C: ^\\.$\n"
                                           "S: 250 queued\n"
                                           "C: ^QUIT$\n"
                                           "S: 221 bye\n"
                                           "WAIT-CLOSE\n", &error);
  g_assert_no_error (error);
  client = make_fake (server);

  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  message = g_bytes_new_static ("Subject: x\n\nx\n", 14);
  g_assert_true (send_sync (fixture, client, "alice@example.test", recipients, message, -1,
                            &refused, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (refused->len, ==, 0);

  quit_sync (fixture, client);
  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));
}

static void
test_smtputf8_missing (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfSmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GBytes) received = NULL;
  const char *recipients[] = { "jörg@example.test", NULL };

  server = pf_fake_server_new_from_script ("S: 220 fake.example.test ESMTP\n"
                                           "C: ^EHLO .+$\n"
                                           "S: 250 fake.example.test\n"
                                           "WAIT-CLOSE\n", &error);
  g_assert_no_error (error);
  client = make_fake (server);

  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  message = g_bytes_new_static ("Subject: x\n\nx\n", 14);
  g_assert_false (send_sync (fixture, client, "alice@example.test", recipients, message, -1,
                             NULL, &error));
  g_assert_error (error, PF_SMTP_ERROR, PF_SMTP_ERROR_PERMANENT);

  close_sync (fixture, client);
  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));
  received = pf_fake_server_dup_received (server);
  g_assert_null (g_strstr_len (g_bytes_get_data (received, NULL), g_bytes_get_size (received),
                               "MAIL"));
}

static void
test_connection_lost (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfSmtpClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = NULL;
  const char *recipients[] = { "bob@example.test", NULL };

  server = pf_fake_server_new_from_script ("S: 220 fake.example.test ESMTP\n"
                                           "C: ^EHLO .+$\n"
                                           "S: 250 fake.example.test\n"
                                           "C: ^MAIL FROM:<alice@example\\.test>$\n"
                                           "CLOSE\n", &error);
  g_assert_no_error (error);
  client = make_fake (server);

  g_assert_true (open_sync (fixture, client, &error));
  g_assert_no_error (error);
  message = g_bytes_new_static ("Subject: x\n\nx\n", 14);
  g_assert_false (send_sync (fixture, client, "alice@example.test", recipients, message, -1,
                             NULL, &error));
  g_assert_error (error, PF_SMTP_ERROR, PF_SMTP_ERROR_CONNECTION_LOST);

  pf_fake_server_wait_finished (server);
  g_assert_null (pf_fake_server_get_failure (server));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/smtp/client/send/starttls", test_send_starttls);
  ADD ("/smtp/client/send/tls", test_send_tls);
  ADD ("/smtp/client/recipient-refused", test_recipient_refused);
  ADD ("/smtp/client/too-large", test_too_large);
  ADD ("/smtp/client/auth-required", test_auth_required);
  ADD ("/smtp/client/wrong-password", test_wrong_password);
  ADD ("/smtp/client/fake/starttls-missing", test_starttls_missing);
  ADD ("/smtp/client/fake/starttls-refused", test_starttls_refused);
  ADD ("/smtp/client/fake/starttls-injection", test_starttls_injection);
  ADD ("/smtp/client/fake/inconsistent-reply", test_inconsistent_reply);
  ADD ("/smtp/client/fake/pipelining-wire", test_pipelining_wire);
  ADD ("/smtp/client/fake/helo-temporary", test_helo_temporary);
  ADD ("/smtp/client/fake/smtputf8", test_smtputf8);
  ADD ("/smtp/client/fake/smtputf8-missing", test_smtputf8_missing);
  ADD ("/smtp/client/fake/connection-lost", test_connection_lost);

#undef ADD

  status = g_test_run ();
  g_mime_shutdown ();

  return status;
}
