/* bench-pop3-retr.c: download of a whole POP3 maildrop into files through
 * the POP3 engine, against the raw floor of the same bytes
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run with tests/bench/run-bench-pop3-retr (it starts the test servers
 * with a generated corpus). Both sides use the same server, the same
 * plaintext connection and the same commands: LIST, then RETR of every
 * message, one at a time, each message written to its own file in a fresh
 * temporary directory. Nothing is deleted on the server.
 *
 * raw:    a plain blocking socket; each reply read up to its terminating
 *         "." and the bytes after the status line written to the file
 *         with write(2): what no client can beat.
 * engine: PfPop3Client, each RETR dot-unstuffed into a GFileOutputStream.
 *
 * Prints medians of alternating runs, the ratio engine/raw, and peak RSS.
 */

#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pop3/pf-pop3-client.h"
#include "pf-test-servers.h"

typedef struct
{
  GAsyncResult *result;
  guint         retrieved;
  guint64       bytes;
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

static guint64
directory_bytes (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint64 total = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      GStatBuf st;

      if (g_stat (file, &st) == 0)
        total += st.st_size;
    }
  return total;
}

static void
remove_directory (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      g_unlink (file);
    }
  g_rmdir (path);
}

static char *
make_directory (void)
{
  g_autoptr(GError) error = NULL;
  char *path = g_dir_make_tmp ("bench-pop3-retr-XXXXXX", &error);

  if (path == NULL)
    g_error ("temporary directory: %s", error->message);
  return path;
}

/* The raw floor: a blocking socket, each reply written to a file as read. */

static void
raw_send (GSocket    *socket,
          const char *line)
{
  g_autoptr(GError) error = NULL;

  if (g_socket_send (socket, line, strlen (line), NULL, &error) < 0)
    g_error ("send: %s", error->message);
}

static void
write_all (int         fd,
           const char *data,
           gsize       length)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        g_error ("write: %s", g_strerror (errno));
      data += n;
      length -= n;
    }
}

/* Reads one reply. A single-line reply ends with its first CRLF; a
 * multi-line one with CRLF "." CRLF. With @fd >= 0 the bytes after the
 * status line, up to the terminator, go to @fd; with @text the whole
 * reply is appended to it. Only one command is ever outstanding, so a
 * read never runs past the reply. Returns the bytes received. */
static guint64
raw_read_reply (GSocket  *socket,
                gboolean  multiline,
                int       fd,
                GString  *text)
{
  static char buffer[256 * 1024];
  static const char terminator[] = "\r\n.\r\n";
  char tail[8];
  gsize tail_length = 0;
  gboolean in_status = TRUE;
  guint64 total = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
      const char *data = buffer;
      gsize length;
      const char *end;
      char window[16];
      gsize head;

      if (n <= 0)
        g_error ("receive: %s", error ? error->message : "closed");
      total += n;
      length = n;
      if (text != NULL)
        g_string_append_len (text, buffer, n);

      if (in_status)
        {
          const char *eol = memmem (data, length, "\r\n", 2);

          if (data[0] == '-' && total == (guint64) n)
            g_error ("server refused: %.*s", (int) MIN (length, 200), data);
          if (eol == NULL)
            continue;   /* a status line longer than a read: not from Dovecot */
          if (!multiline)
            return total;
          in_status = FALSE;
          /* Keep the CRLF: an empty message ends right after it. */
          length -= eol - data;
          data = eol;
        }

      /* The terminator may straddle two reads: look at the seam, then the block. */
      head = MIN (length, sizeof terminator - 1);
      memcpy (window, tail, tail_length);
      memcpy (window + tail_length, data, head);
      end = memmem (window, tail_length + head, terminator, sizeof terminator - 1);
      if (end != NULL)
        {
          gsize upto = end - window + 2;   /* through the last CRLF of the message */

          if (fd >= 0 && upto > tail_length)
            write_all (fd, data, upto - tail_length);
          return total;
        }
      end = memmem (data, length, terminator, sizeof terminator - 1);
      if (end != NULL)
        {
          if (fd >= 0)
            write_all (fd, data, end - data + 2);
          return total;
        }
      if (fd >= 0)
        write_all (fd, data, length);

      tail_length = MIN (length, sizeof terminator - 1);
      memcpy (tail, data + length - tail_length, tail_length);
    }
}

static double
run_raw (PfTestServers *servers,
         const char    *service,
         guint         *n_messages,
         guint64       *bytes)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GString) list = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *directory = make_directory ();
  g_autofree char *user = NULL;
  g_autofree char *pass = NULL;
  g_auto(GStrv) lines = NULL;
  GSocket *socket;
  guint count = 0;
  gint64 start;
  double seconds;

  connection = g_socket_client_connect_to_host (client, pf_test_servers_get_host (servers, service),
                                                pf_test_servers_get_port (servers, service),
                                                NULL, &error);
  if (connection == NULL)
    g_error ("connect: %s", error->message);
  socket = g_socket_connection_get_socket (connection);
  g_socket_set_blocking (socket, TRUE);

  raw_read_reply (socket, FALSE, -1, NULL);
  user = g_strdup_printf ("USER %s\r\n", pf_test_servers_get_login (servers, "pop"));
  raw_send (socket, user);
  raw_read_reply (socket, FALSE, -1, NULL);
  pass = g_strdup_printf ("PASS %s\r\n", pf_test_servers_get_password (servers, "pop"));
  raw_send (socket, pass);
  raw_read_reply (socket, FALSE, -1, NULL);

  start = g_get_monotonic_time ();
  raw_send (socket, "LIST\r\n");
  raw_read_reply (socket, TRUE, -1, list);
  lines = g_strsplit (list->str, "\r\n", -1);
  for (guint i = 1; lines[i] != NULL && strcmp (lines[i], ".") != 0; i++)
    {
      guint msgnum = (guint) g_ascii_strtoull (lines[i], NULL, 10);
      g_autofree char *command = g_strdup_printf ("RETR %u\r\n", msgnum);
      g_autofree char *name = g_strdup_printf ("%s/%u.eml", directory, msgnum);
      int fd = open (name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

      if (fd < 0)
        g_error ("open %s: %s", name, g_strerror (errno));
      raw_send (socket, command);
      raw_read_reply (socket, TRUE, fd, NULL);
      if (close (fd) < 0)
        g_error ("close %s: %s", name, g_strerror (errno));
      count++;
    }
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  raw_send (socket, "QUIT\r\n");
  raw_read_reply (socket, FALSE, -1, NULL);
  g_socket_close (socket, NULL);
  *bytes = directory_bytes (directory);
  remove_directory (directory);
  *n_messages = count;
  return seconds;
}

/* The engine */

static double
run_engine (PfTestServers *servers,
            const char    *service,
            Bench         *bench)
{
  g_autoptr(PfNetConnection) net = NULL;
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *directory = make_directory ();
  gint64 start;
  double seconds;

  net = pf_net_connection_new (pf_test_servers_get_host (servers, service),
                               pf_test_servers_get_port (servers, service), PF_NET_SECURITY_NONE);
  pf_net_connection_set_allow_plaintext_secrets (net, TRUE);
  client = pf_pop3_client_new (net);

  pf_pop3_client_open_async (client, NULL, on_done_cb, bench);
  result = wait_result (bench);
  if (!pf_pop3_client_open_finish (client, result, &error))
    g_error ("open: %s", error->message);
  g_clear_object (&result);

  pf_pop3_client_login_async (client, pf_test_servers_get_login (servers, "pop"),
                              pf_test_servers_get_password (servers, "pop"), FALSE, NULL,
                              on_done_cb, bench);
  result = wait_result (bench);
  if (!pf_pop3_client_login_finish (client, result, &error))
    g_error ("login: %s", error->message);
  g_clear_object (&result);

  start = g_get_monotonic_time ();
  pf_pop3_client_list_async (client, NULL, on_done_cb, bench);
  result = wait_result (bench);
  entries = pf_pop3_client_list_finish (client, result, &error);
  if (entries == NULL)
    g_error ("list: %s", error->message);
  g_clear_object (&result);

  bench->retrieved = 0;
  for (guint i = 0; i < entries->len; i++)
    {
      const PfPop3ListEntry *entry = &g_array_index (entries, PfPop3ListEntry, i);
      g_autofree char *name = g_strdup_printf ("%s/%u.eml", directory, entry->msgnum);
      g_autoptr(GFile) file = g_file_new_for_path (name);
      g_autoptr(GFileOutputStream) sink = NULL;

      sink = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE, NULL, &error);
      if (sink == NULL)
        g_error ("create %s: %s", name, error->message);
      pf_pop3_client_retr_async (client, entry->msgnum, G_OUTPUT_STREAM (sink), NULL,
                                 on_done_cb, bench);
      result = wait_result (bench);
      if (!pf_pop3_client_retr_finish (client, result, &error))
        g_error ("RETR %u: %s", entry->msgnum, error->message);
      g_clear_object (&result);
      if (!g_output_stream_close (G_OUTPUT_STREAM (sink), NULL, &error))
        g_error ("close %s: %s", name, error->message);
      bench->retrieved++;
    }
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  pf_pop3_client_quit_async (client, NULL, on_done_cb, bench);
  result = wait_result (bench);
  pf_pop3_client_quit_finish (client, result, NULL);

  bench->bytes = directory_bytes (directory);
  remove_directory (directory);
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
  const char *service = "pop3-plaintext";
  PfTestServers *servers;
  Bench bench = { 0 };
  guint runs = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 5;
  guint n_raw = 0;
  guint64 raw_bytes = 0;
  long rss_before;
  double r, e;

  servers = pf_test_servers_get_full (PF_TEST_SERVERS_VARIANTS);

  /* Warm Dovecot's index and the page cache once. */
  run_raw (servers, service, &n_raw, &raw_bytes);
  rss_before = current_rss_kib ();

  for (guint i = 0; i < runs; i++)
    {
      double seconds;

      seconds = run_raw (servers, service, &n_raw, &raw_bytes);
      g_array_append_val (raw, seconds);
      seconds = run_engine (servers, service, &bench);
      g_array_append_val (engine, seconds);
      g_print ("run %u: raw %.3f s, engine %.3f s\n", i + 1,
               g_array_index (raw, double, raw->len - 1), seconds);
    }

  r = median (raw);
  e = median (engine);
  if (n_raw != bench.retrieved)
    g_error ("raw retrieved %u messages, the engine %u", n_raw, bench.retrieved);
  g_print ("\nmessages retrieved: %u (each to its own file)\n", bench.retrieved);
  g_print ("bytes on disk:      %.1f MB raw, %.1f MB engine (dot-unstuffed)\n",
           raw_bytes / 1e6, bench.bytes / 1e6);
  g_print ("raw floor:          %.3f s median of %u  (%.0f messages/s)\n", r, runs, n_raw / r);
  g_print ("engine:             %.3f s median of %u  (%.0f messages/s)\n", e, runs,
           bench.retrieved / e);
  g_print ("ratio engine/raw:   %.2f\n", e / r);
  g_print ("RSS before/after:   %ld KiB / %ld KiB, peak %ld KiB\n",
           rss_before, current_rss_kib (), peak_rss_kib ());

  return 0;
}
