/* test-pop3-corpus.c: every message of a generated mailbox over POP3,
 * checked byte for byte against the Maildir files
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs inside `pf-test-servers run --corpus 5000` (see meson.build), so
 * pop's INBOX holds the corpus and PF_TEST_SERVERS names the instance.
 * RETR and TOP go out pipelined (Dovecot offers PIPELINING), a window of
 * them at a time, as the POP3 fetch does.
 */

#include "config.h"

#include <string.h>

#include "pop3/pf-pop3-client.h"
#include "pf-test-servers.h"

/* Commands in flight at once */
#define WINDOW 64

typedef struct
{
  PfTestServers *servers;
  GTlsDatabase  *trusted;
  GAsyncResult  *result;

  /* SHA-256 of each file (LF made CRLF, as POP3 sends it) → count, and
   * of each header block (up to and with the empty line) → count */
  GHashTable    *messages;
  GHashTable    *headers;
  guint          n_files;
  guint64        total_size;

  /* the pipelined run */
  PfPop3Client  *client;
  GArray        *list;
  guint          next;
  guint          in_flight;
  guint          done;
  gboolean       top;
  GError        *error;
} Fixture;

typedef struct
{
  Fixture       *fixture;
  GOutputStream *sink;
  guint          index;
} Request;

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

static void
count_digest (GHashTable   *table,
              const guchar *data,
              gsize         length)
{
  char *digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, length);
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (table, digest));

  g_hash_table_insert (table, digest, GUINT_TO_POINTER (count + 1));
}

/* Takes one occurrence of @data out of @table; FALSE if there is none. */
static gboolean
take_digest (GHashTable *table,
             GBytes     *data)
{
  g_autofree char *digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data);
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (table, digest));

  if (count == 0)
    return FALSE;
  if (count == 1)
    g_hash_table_remove (table, digest);
  else
    g_hash_table_insert (table, g_steal_pointer (&digest), GUINT_TO_POINTER (count - 1));
  return TRUE;
}

static void
read_maildir (Fixture *fixture)
{
  const char *maildir = pf_test_servers_get_maildir (fixture->servers, "pop");
  const char *subdirs[] = { "cur", "new" };

  fixture->messages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fixture->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (maildir, subdirs[i], NULL);
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      if (dir == NULL)
        continue;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *file = g_build_filename (path, name, NULL);
          g_autofree char *contents = NULL;
          g_autoptr(GString) crlf = NULL;
          const char *end;
          gsize length;

          g_assert_true (g_file_get_contents (file, &contents, &length, NULL));
          crlf = g_string_sized_new (length + length / 16);
          for (gsize j = 0; j < length; j++)
            {
              if (contents[j] == '\n' && (j == 0 || contents[j - 1] != '\r'))
                g_string_append_c (crlf, '\r');
              g_string_append_c (crlf, contents[j]);
            }
          count_digest (fixture->messages, (const guchar *) crlf->str, crlf->len);
          end = strstr (crlf->str, "\r\n\r\n");
          g_assert_nonnull (end);
          count_digest (fixture->headers, (const guchar *) crlf->str,
                        end - crlf->str + 4);
          fixture->n_files++;
          fixture->total_size += crlf->len;
        }
    }
}

static PfPop3Client *
session (Fixture       *fixture,
         const char    *service,
         PfNetSecurity  security)
{
  g_autoptr(PfNetConnection) net = NULL;
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  net = pf_net_connection_new (pf_test_servers_get_host (fixture->servers, service),
                               pf_test_servers_get_port (fixture->servers, service),
                               security);
  pf_net_connection_set_tls_database (net, fixture->trusted);
  pf_net_connection_set_timeout (net, 60);
  client = pf_pop3_client_new (net);

  pf_pop3_client_open_async (client, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_pop3_client_open_finish (client, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_true (pf_net_connection_is_encrypted (net));
  g_assert_true (pf_pop3_client_has_capability (client, "PIPELINING"));

  pf_pop3_client_login_async (client, pf_test_servers_get_login (fixture->servers, "pop"),
                              pf_test_servers_get_password (fixture->servers, "pop"), FALSE,
                              NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_pop3_client_login_finish (client, result, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&client);
}

static void
quit (Fixture      *fixture,
      PfPop3Client *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  pf_pop3_client_quit_async (client, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_pop3_client_quit_finish (client, result, &error));
  g_assert_no_error (error);
}

static void send_more (Fixture *fixture);

static void
on_message_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Request *request = user_data;
  Fixture *fixture = request->fixture;
  PfPop3ListEntry *entry = &g_array_index (fixture->list, PfPop3ListEntry, request->index);
  g_autoptr(GBytes) data = NULL;
  gboolean ok;

  fixture->in_flight--;
  if (fixture->top)
    ok = pf_pop3_client_top_finish (fixture->client, result, &fixture->error);
  else
    ok = pf_pop3_client_retr_finish (fixture->client, result, &fixture->error);
  if (ok)
    {
      g_assert_true (g_output_stream_close (request->sink, NULL, NULL));
      data = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (request->sink));

      /* Replies come back in the order the commands went out. */
      g_assert_cmpuint (request->index, ==, fixture->done);
      if (fixture->top)
        g_assert_true (take_digest (fixture->headers, data));
      else
        {
          g_assert_cmpuint (g_bytes_get_size (data), ==, entry->size);
          g_assert_true (take_digest (fixture->messages, data));
        }
      fixture->done++;
    }

  g_object_unref (request->sink);
  g_free (request);
  if (fixture->error == NULL)
    send_more (fixture);
}

static void
send_more (Fixture *fixture)
{
  while (fixture->in_flight < WINDOW && fixture->next < fixture->list->len)
    {
      PfPop3ListEntry *entry = &g_array_index (fixture->list, PfPop3ListEntry, fixture->next);
      Request *request = g_new0 (Request, 1);

      request->fixture = fixture;
      request->sink = g_memory_output_stream_new_resizable ();
      request->index = fixture->next++;
      fixture->in_flight++;
      if (fixture->top)
        pf_pop3_client_top_async (fixture->client, entry->msgnum, 0, request->sink, NULL,
                                  on_message_cb, request);
      else
        pf_pop3_client_retr_async (fixture->client, entry->msgnum, request->sink, NULL,
                                   on_message_cb, request);
    }
}

static void
run_pipelined (Fixture  *fixture,
               gboolean  top)
{
  fixture->top = top;
  fixture->next = 0;
  fixture->done = 0;
  send_more (fixture);
  while (fixture->in_flight > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (fixture->error);
  g_assert_cmpuint (fixture->done, ==, fixture->list->len);
}

static void
test_retrieve_all (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) uidl = NULL;
  g_autoptr(GHashTable) uids = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = 0;
  guint64 size = 0;
  guint64 sum = 0;
  gint64 start;

  fixture->client = session (fixture, "pop3s", PF_NET_SECURITY_TLS);

  pf_pop3_client_stat_async (fixture->client, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_pop3_client_stat_finish (fixture->client, result, &n, &size, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (n, ==, fixture->n_files);
  g_assert_cmpuint (n, >=, 1000);
  g_assert_cmpuint (size, ==, fixture->total_size);

  pf_pop3_client_list_async (fixture->client, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  fixture->list = pf_pop3_client_list_finish (fixture->client, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (fixture->list->len, ==, n);

  pf_pop3_client_uidl_async (fixture->client, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  uidl = pf_pop3_client_uidl_finish (fixture->client, result, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (uidl->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      PfPop3UidlEntry *entry = &g_array_index (uidl, PfPop3UidlEntry, i);

      g_assert_cmpuint (entry->msgnum, ==, g_array_index (fixture->list, PfPop3ListEntry,
                                                          i).msgnum);
      /* RFC 1939 §7: unique within the maildrop */
      g_assert_true (g_hash_table_add (uids, entry->uid));
      sum += g_array_index (fixture->list, PfPop3ListEntry, i).size;
    }
  g_assert_cmpuint (sum, ==, size);

  start = g_get_monotonic_time ();
  run_pipelined (fixture, FALSE);
  g_test_message ("RETR of %u messages (%.1f MB), pipelined: %.2f s", n, size / 1e6,
                  (g_get_monotonic_time () - start) / 1e6);
  /* Every file came back exactly once. */
  g_assert_cmpuint (g_hash_table_size (fixture->messages), ==, 0);

  quit (fixture, fixture->client);
  g_clear_object (&fixture->client);
}

static void
test_top_all (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  fixture->client = session (fixture, "pop3", PF_NET_SECURITY_STARTTLS);
  pf_pop3_client_list_async (fixture->client, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  fixture->list = pf_pop3_client_list_finish (fixture->client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->list->len, ==, fixture->n_files);

  run_pipelined (fixture, TRUE);
  g_assert_cmpuint (g_hash_table_size (fixture->headers), ==, 0);

  quit (fixture, fixture->client);
  g_clear_object (&fixture->client);
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
  read_maildir (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_null (fixture->result);
  g_clear_object (&fixture->trusted);
  g_clear_pointer (&fixture->messages, g_hash_table_unref);
  g_clear_pointer (&fixture->headers, g_hash_table_unref);
  g_clear_pointer (&fixture->list, g_array_unref);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/pop3/corpus/retrieve-all", Fixture, NULL,
              fixture_set_up, test_retrieve_all, fixture_tear_down);
  g_test_add ("/pop3/corpus/top-all", Fixture, NULL,
              fixture_set_up, test_top_all, fixture_tear_down);

  return g_test_run ();
}
