/* bench-imap-fetch.c: header sync of a whole folder through the IMAP
 * engine, against the raw floor of the same bytes
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run with tests/bench/run-bench-imap-fetch (it starts the test servers
 * with a generated corpus). Both sides use the same server, the same
 * plaintext connection and the same command:
 *
 *   UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE
 *                  BODY.PEEK[HEADER.FIELDS (REFERENCES IN-REPLY-TO)])
 *
 * raw:    the reply read from a plain blocking socket and thrown away, up to
 *         the tagged OK: what no client can beat.
 * engine: PfImapConnection parsing every response, and every FETCH decoded
 *         into typed values (envelope with RFC 2047 words decoded, body
 *         structure), then dropped, as the sync would hand them on.
 *
 * Prints medians of alternating runs, the ratio engine/raw, and peak RSS.
 */

#define _GNU_SOURCE

#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include "imap/pf-imap-connection.h"
#include "imap/pf-imap-types.h"
#include "pf-test-servers.h"

#define FETCH_ITEMS "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE " \
                    "BODY.PEEK[HEADER.FIELDS (REFERENCES IN-REPLY-TO)])"

typedef struct
{
  GAsyncResult *result;
  guint         fetched;
  guint         decoded;
  guint64       bytes_in_envelopes;
} Bench;

static void
on_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Bench *bench = user_data;

  bench->result = g_object_ref (result);
}

static GAsyncResult *
wait_result (Bench *bench)
{
  while (bench->result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (&bench->result);
}

static long
peak_rss_kib (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

static long
current_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

/* The raw floor: a blocking socket, bytes read and discarded. */

static void
raw_send (GSocket    *socket,
          const char *line)
{
  g_autoptr(GError) error = NULL;

  if (g_socket_send (socket, line, strlen (line), NULL, &error) < 0)
    g_error ("send: %s", error->message);
}

/* Reads until a line starting with @tag (at a line start) arrives. */
static guint64
raw_read_until (GSocket    *socket,
                const char *tag)
{
  static char buffer[256 * 1024];
  g_autofree char *needle = g_strdup_printf ("\r\n%s ", tag);
  gsize needle_length = strlen (needle);
  char tail[64] = "\r\n";
  gsize tail_length = 2;
  guint64 total = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
      char window[sizeof tail + 64];
      gsize head;

      if (n <= 0)
        g_error ("receive: %s", error ? error->message : "closed");
      total += n;

      /* The tag may straddle two reads: look at the seam, then the block. */
      head = MIN ((gsize) n, needle_length);
      memcpy (window, tail, tail_length);
      memcpy (window + tail_length, buffer, head);
      if (memmem (window, tail_length + head, needle, needle_length) != NULL ||
          memmem (buffer, n, needle, needle_length) != NULL)
        return total;

      tail_length = MIN ((gsize) n, needle_length);
      memcpy (tail, buffer + n - tail_length, tail_length);
    }
}

static GSocket *
raw_connect (PfTestServers *servers,
             const char    *service)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  connection = g_socket_client_connect_to_host (client, pf_test_servers_get_host (servers, service),
                                                pf_test_servers_get_port (servers, service),
                                                NULL, &error);
  if (connection == NULL)
    g_error ("connect: %s", error->message);
  socket = g_object_ref (g_socket_connection_get_socket (connection));
  g_object_set_data_full (G_OBJECT (socket), "connection", g_steal_pointer (&connection),
                          g_object_unref);
  g_socket_set_blocking (socket, TRUE);

  /* The greeting: raw_read_until() treats the stream start as a line start. */
  raw_read_until (socket, "*");
  return socket;
}

static double
run_raw (PfTestServers *servers,
         const char    *service,
         guint64       *bytes)
{
  g_autoptr(GSocket) socket = NULL;
  g_autofree char *login = NULL;
  gint64 start;
  double seconds;

  socket = raw_connect (servers, service);
  login = g_strdup_printf ("r1 LOGIN \"%s\" \"%s\"\r\n", pf_test_servers_get_login (servers, "alice"),
                           pf_test_servers_get_password (servers, "alice"));
  raw_send (socket, login);
  raw_read_until (socket, "r1");
  raw_send (socket, "r2 EXAMINE INBOX\r\n");
  raw_read_until (socket, "r2");

  start = g_get_monotonic_time ();
  raw_send (socket, "r3 UID FETCH 1:* " FETCH_ITEMS "\r\n");
  *bytes = raw_read_until (socket, "r3");
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  raw_send (socket, "r4 LOGOUT\r\n");
  g_socket_close (socket, NULL);
  return seconds;
}

/* The engine */

static void
on_fetch_cb (PfImapConnection *connection,
             PfImapResponse   *response,
             gpointer          user_data)
{
  Bench *bench = user_data;
  g_autoptr(GError) error = NULL;
  PfImapFetch *fetch;

  bench->fetched++;
  fetch = pf_imap_fetch_new_from_response (response, &error);
  if (fetch == NULL)
    g_error ("FETCH %u did not decode: %s", bench->fetched, error->message);
  if (fetch->envelope != NULL && fetch->body_structure != NULL)
    bench->decoded++;
  pf_imap_fetch_free (fetch);
}

static double
run_engine (PfTestServers *servers,
            const char    *service,
            Bench         *bench)
{
  g_autoptr(PfNetConnection) net = NULL;
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(PfImapCommand) examine = NULL;
  g_autoptr(PfImapCommand) fetch = NULL;
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *const collect[] = { "FETCH", NULL };
  gint64 start;
  double seconds;

  net = pf_net_connection_new (pf_test_servers_get_host (servers, service),
                               pf_test_servers_get_port (servers, service), PF_NET_SECURITY_NONE);
  pf_net_connection_set_allow_plaintext_secrets (net, TRUE);
  connection = pf_imap_connection_new (net);

  pf_imap_connection_open_async (connection, NULL, on_done_cb, bench);
  result = wait_result (bench);
  if (!pf_imap_connection_open_finish (connection, result, &error))
    g_error ("open: %s", error->message);
  g_clear_object (&result);

  pf_imap_connection_login_async (connection, pf_test_servers_get_login (servers, "alice"),
                                  pf_test_servers_get_password (servers, "alice"), FALSE,
                                  NULL, on_done_cb, bench);
  result = wait_result (bench);
  if (!pf_imap_connection_login_finish (connection, result, &error))
    g_error ("login: %s", error->message);
  g_clear_object (&result);

  examine = pf_imap_command_new ("EXAMINE INBOX", PF_IMAP_COMMAND_BARRIER);
  pf_imap_connection_run_async (connection, examine, NULL, NULL, NULL, NULL, NULL, NULL,
                                on_done_cb, bench);
  result = wait_result (bench);
  response = pf_imap_connection_run_finish (connection, result, &error);
  if (response == NULL)
    g_error ("examine: %s", error->message);
  g_clear_object (&result);
  g_clear_pointer (&response, pf_imap_response_unref);

  bench->fetched = bench->decoded = 0;
  fetch = pf_imap_command_new ("UID FETCH", PF_IMAP_COMMAND_NONE);
  pf_imap_command_add_raw (fetch, "1:* " FETCH_ITEMS);

  start = g_get_monotonic_time ();
  pf_imap_connection_run_async (connection, fetch, collect, on_fetch_cb, NULL, NULL, bench,
                                NULL, on_done_cb, bench);
  result = wait_result (bench);
  response = pf_imap_connection_run_finish (connection, result, &error);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  if (response == NULL)
    g_error ("fetch: %s", error->message);
  g_clear_object (&result);

  pf_imap_connection_logout_async (connection, NULL, on_done_cb, bench);
  result = wait_result (bench);
  pf_imap_connection_logout_finish (connection, result, NULL);

  return seconds;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, values->len / 2);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GArray) raw = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) engine = g_array_new (FALSE, FALSE, sizeof (double));
  const char *service = "imap-plaintext";
  PfTestServers *servers;
  Bench bench = { 0 };
  guint runs = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 5;
  guint64 bytes = 0;
  long rss_before;
  double r, e;

  servers = pf_test_servers_get_full (PF_TEST_SERVERS_VARIANTS);

  /* Warm Dovecot's index and caches once; the first pass builds them. */
  run_raw (servers, service, &bytes);
  rss_before = current_rss_kib ();

  for (guint i = 0; i < runs; i++)
    {
      double seconds;

      seconds = run_raw (servers, service, &bytes);
      g_array_append_val (raw, seconds);
      seconds = run_engine (servers, service, &bench);
      g_array_append_val (engine, seconds);
      g_print ("run %u: raw %.3f s, engine %.3f s\n", i + 1,
               g_array_index (raw, double, raw->len - 1), seconds);
    }

  r = median (raw);
  e = median (engine);
  g_print ("\nmessages fetched:  %u (decoded with envelope and body structure: %u)\n",
           bench.fetched, bench.decoded);
  g_print ("reply size:        %.1f MB\n", bytes / 1e6);
  g_print ("raw floor:         %.3f s median of %u  (%.0f MB/s)\n", r, runs, bytes / 1e6 / r);
  g_print ("engine:            %.3f s median of %u  (%.0f messages/s)\n", e, runs, bench.fetched / e);
  g_print ("ratio engine/raw:  %.2f\n", e / r);
  g_print ("RSS before/after:  %ld KiB / %ld KiB, peak %ld KiB\n",
           rss_before, current_rss_kib (), peak_rss_kib ());

  return 0;
}
