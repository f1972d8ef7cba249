/* test-imap-corpus.c: a 5,000-message folder of the generated corpus,
 * fetched through the engine as a stream, checked against the files
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs inside `pf-test-servers run --corpus 5000` (see meson.build), so
 * alice's INBOX holds the corpus and PF_TEST_SERVERS names the instance.
 */

#include "config.h"

#include <fcntl.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "imap/pf-imap-connection.h"
#include "imap/pf-imap-types.h"
#include "pf-test-servers.h"

typedef struct
{
  char    *subject;
  char    *from;
  guint64  size;
} Seen;

typedef struct
{
  GHashTable   *by_message_id;   /* Message-ID → Seen */
  GAsyncResult *result;
  guint         fetched;
  long          rss_start;
  long          rss_max;
} Fixture;

static void
seen_free (Seen *seen)
{
  g_free (seen->subject);
  g_free (seen->from);
  g_free (seen);
}

static long
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return strtol (line + 6, NULL, 10);
}

static void
on_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fixture *fixture = user_data;

  fixture->result = g_object_ref (result);
}

static GAsyncResult *
wait_result (Fixture *fixture)
{
  while (fixture->result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (&fixture->result);
}

static void
on_fetch_cb (PfImapConnection *connection,
             PfImapResponse   *response,
             gpointer          user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(PfImapFetch) fetch = NULL;
  g_autoptr(GError) error = NULL;
  Seen *seen;

  fetch = pf_imap_fetch_new_from_response (response, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fetch->envelope);
  g_assert_nonnull (fetch->envelope->message_id);
  g_assert_true (g_str_has_prefix (fetch->envelope->message_id, "<"));
  g_assert_true (g_str_has_suffix (fetch->envelope->message_id, ">"));

  seen = g_new0 (Seen, 1);
  seen->subject = g_strdup (fetch->envelope->subject);
  if (fetch->envelope->from != NULL && fetch->envelope->from->len > 0)
    seen->from = pf_imap_address_dup_email (fetch->envelope->from->pdata[0]);
  seen->size = fetch->rfc822_size;
  /* The envelope has "<id>", GMime gives "id". */
  g_hash_table_replace (fixture->by_message_id,
                        g_strndup (fetch->envelope->message_id + 1,
                                   strlen (fetch->envelope->message_id) - 2),
                        seen);

  fixture->fetched++;
  if (fixture->fetched % 500 == 0)
    fixture->rss_max = MAX (fixture->rss_max, rss_kib ());
}

static void
fetch_all (Fixture       *fixture,
           PfTestServers *servers,
           const char    *service,
           PfNetSecurity  security)
{
  g_autoptr(PfNetConnection) net = NULL;
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(PfImapCommand) examine = NULL;
  g_autoptr(PfImapCommand) fetch = NULL;
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(PfImapResponse) done = NULL;
  g_autoptr(GAsyncResult) opened = NULL;
  g_autoptr(GAsyncResult) logged_in = NULL;
  g_autoptr(GAsyncResult) examined = NULL;
  g_autoptr(GAsyncResult) fetched = NULL;
  g_autoptr(GAsyncResult) logged_out = NULL;
  g_autoptr(GError) error = NULL;
  const char *const collect[] = { "FETCH", NULL };

  database = g_tls_file_database_new (pf_test_servers_get_ca_file (servers), &error);
  g_assert_no_error (error);
  net = pf_net_connection_new (pf_test_servers_get_host (servers, service),
                               pf_test_servers_get_port (servers, service), security);
  pf_net_connection_set_tls_database (net, database);
  connection = pf_imap_connection_new (net);

  pf_imap_connection_open_async (connection, NULL, on_done_cb, fixture);
  opened = wait_result (fixture);
  g_assert_true (pf_imap_connection_open_finish (connection, opened, &error));
  g_assert_no_error (error);

  pf_imap_connection_login_async (connection, pf_test_servers_get_login (servers, "alice"),
                                  pf_test_servers_get_password (servers, "alice"), FALSE,
                                  NULL, on_done_cb, fixture);
  logged_in = wait_result (fixture);
  g_assert_true (pf_imap_connection_login_finish (connection, logged_in, &error));

  examine = pf_imap_command_new ("EXAMINE INBOX", PF_IMAP_COMMAND_BARRIER);
  pf_imap_connection_run_async (connection, examine, NULL, NULL, NULL, NULL, NULL, NULL,
                                on_done_cb, fixture);
  examined = wait_result (fixture);
  response = pf_imap_connection_run_finish (connection, examined, &error);
  g_assert_no_error (error);

  fixture->rss_start = rss_kib ();
  fetch = pf_imap_command_new ("UID FETCH", PF_IMAP_COMMAND_NONE);
  pf_imap_command_add_raw (fetch, "1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)");
  pf_imap_connection_run_async (connection, fetch, collect, on_fetch_cb, NULL, NULL, fixture,
                                NULL, on_done_cb, fixture);
  fetched = wait_result (fixture);
  done = pf_imap_connection_run_finish (connection, fetched, &error);
  g_assert_no_error (error);

  pf_imap_connection_logout_async (connection, NULL, on_done_cb, fixture);
  logged_out = wait_result (fixture);
  g_assert_true (pf_imap_connection_logout_finish (connection, logged_out, NULL));
}

/* The corpus files in the Maildir, with the sizes Dovecot will report. */
static GPtrArray *
list_corpus (PfTestServers *servers)
{
  g_autofree char *cur = g_build_filename (pf_test_servers_get_maildir (servers, "alice"), "cur", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  dir = g_dir_open (cur, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (files, g_build_filename (cur, name, NULL));

  return files;
}

static void
check_against_file (Fixture    *fixture,
                    const char *path)
{
  /* GMime 3.2 declares no autoptr cleanups. */
  GMimeStream *stream;
  GMimeParser *parser;
  GMimeMessage *message;
  g_autoptr(GError) error = NULL;
  InternetAddressList *from;
  const char *w;
  Seen *seen;

  stream = g_mime_stream_fs_open (path, O_RDONLY, 0, &error);
  g_assert_no_error (error);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  g_assert_nonnull (message);

  seen = g_hash_table_lookup (fixture->by_message_id, g_mime_message_get_message_id (message));
  g_assert_nonnull (seen);

  g_assert_cmpstr (seen->subject, ==, g_mime_message_get_subject (message));
  from = g_mime_message_get_from (message);
  g_assert_cmpint (internet_address_list_length (from), >, 0);
  g_assert_cmpstr (seen->from, ==,
                   internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (internet_address_list_get_address (from, 0))));

  /* RFC822.SIZE is the size with CRLF line ends, the file name's W=. */
  w = strstr (path, ",W=");
  g_assert_nonnull (w);
  g_assert_cmpuint (seen->size, ==, g_ascii_strtoull (w + 3, NULL, 10));

  g_object_unref (message);
  g_object_unref (parser);
  g_object_unref (stream);
}

static void
check_service (PfTestServers *servers,
               const char    *service,
               PfNetSecurity  security)
{
  g_autoptr(GPtrArray) files = list_corpus (servers);
  g_autoptr(GRand) rand = g_rand_new_with_seed (2026);
  Fixture fixture = { 0 };

  fixture.by_message_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                 (GDestroyNotify) seen_free);
  fetch_all (&fixture, servers, service, security);

  g_assert_cmpuint (files->len, ==, 5000);
  g_assert_cmpuint (fixture.fetched, ==, files->len);
  g_assert_cmpuint (g_hash_table_size (fixture.by_message_id), ==, files->len);

  /* Memory stays flat while 5,000 responses stream by (the table of
   * results kept by this test itself aside: about 1 MB). */
  g_test_message ("RSS %ld KiB before the FETCH, at most %ld KiB during it",
                  fixture.rss_start, fixture.rss_max);
  g_assert_cmpint (fixture.rss_max - fixture.rss_start, <, 16 * 1024);

  for (guint i = 0; i < 100; i++)
    check_against_file (&fixture, files->pdata[g_rand_int_range (rand, 0, files->len)]);

  g_hash_table_unref (fixture.by_message_id);
}

static void
test_tls (void)
{
  check_service (pf_test_servers_get (), "imaps", PF_NET_SECURITY_TLS);
}

static void
test_starttls (void)
{
  check_service (pf_test_servers_get (), "imap", PF_NET_SECURITY_STARTTLS);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/imap/corpus/5000/tls", test_tls);
  g_test_add_func ("/imap/corpus/5000/starttls", test_starttls);

  return g_test_run ();
}
