/* test-pop3-migration.c: copying a POP3 account's local mail into the real
 * Dovecot's IMAP mailbox of bob, also after a cancelled run and after a
 * connection cut by a proxy halfway.
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "imap/pf-imap-session.h"
#include "pf-test-servers.h"
#include "store/pf-store.h"
#include "sync/pf-imap-sync.h"
#include "sync/pf-pop3-migration.h"
#include "sync/pf-pop3-sync.h"

#define USER          "bob"
#define N_INBOX       150
#define N_INVOICES    60
#define N_SHOPPING    40
#define N_SENT        50
#define N_MESSAGES    (N_INBOX + N_INVOICES + N_SHOPPING + N_SENT)
#define N_PRESENT     5        /* Inbox messages bob's INBOX has before */
#define SHOPPING      "Käufe & Verkäufe"

/* One generated message and where it should end up */
typedef struct
{
  guint        serial;
  const char  *mailbox;    /* on the server */
  PfStoreFlags flags;
  gint64       internal_date;
  gboolean     present;    /* on the server before the migration */
} Expected;

typedef struct
{
  PfTestServers    *servers;
  char             *dir;
  PfStore          *store;
  PfServerSettings *settings;
  gint64            folder_ids[4];
  Expected          expected[N_MESSAGES];
  GBytes           *data[N_MESSAGES];
} Fixture;

/* Helpers */

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static PfServerSettings *
imap_settings (PfTestServers *servers,
               const char    *host,
               guint16        port)
{
  PfServerSettings *settings = pf_server_settings_new (PF_SERVER_PROTOCOL_IMAP);

  pf_server_settings_set_host (settings, host);
  pf_server_settings_set_port (settings, port);
  pf_server_settings_set_security (settings, PF_SECURITY_TLS);
  pf_server_settings_set_username (settings, pf_test_servers_get_login (servers, USER));
  pf_server_settings_set_ca_file (settings, pf_test_servers_get_ca_file (servers));
  return settings;
}

static PfImapSession *
open_session (Fixture *fixture)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PfImapSession *session;

  pf_imap_sync_open_session_async (fixture->settings,
                                   pf_test_servers_get_password (fixture->servers, USER), FALSE,
                                   NULL, store_result_cb, &result);
  session = pf_imap_sync_open_session_finish (wait_for (&result), &error);
  g_assert_no_error (error);
  return session;
}

static GPtrArray *
list_mailboxes (PfImapSession *session)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *listed;

  pf_imap_session_list_async (session, "", "*", PF_IMAP_LIST_NONE, NULL, store_result_cb,
                              &result);
  listed = pf_imap_session_list_finish (session, wait_for (&result), &error);
  g_assert_no_error (error);
  return listed;
}

static guint32
select_mailbox (PfImapSession *session,
                const char    *mailbox)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfImapSelectResult) selected = NULL;

  pf_imap_session_select_async (session, mailbox, PF_IMAP_SELECT_NONE, NULL, NULL, NULL, NULL,
                                NULL, store_result_cb, &result);
  selected = pf_imap_session_select_finish (session, wait_for (&result), &error);
  g_assert_no_error (error);
  return selected->exists;
}

static void
append (PfImapSession *session,
        const char    *mailbox,
        GBytes        *data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  pf_imap_session_append_async (session, mailbox, NULL, NULL, data, NULL, store_result_cb,
                                &result);
  g_assert_true (pf_imap_session_append_finish (session, wait_for (&result), NULL, NULL,
                                                &error));
  g_assert_no_error (error);
}

static gboolean
is_kept (const PfImapListEntry *entry)
{
  return entry->is_inbox ||
         (entry->attributes & (PF_IMAP_MAILBOX_SENT | PF_IMAP_MAILBOX_DRAFTS |
                               PF_IMAP_MAILBOX_TRASH | PF_IMAP_MAILBOX_JUNK |
                               PF_IMAP_MAILBOX_ARCHIVE));
}

static int
longest_first (gconstpointer a,
               gconstpointer b)
{
  const PfImapListItem *x = *(PfImapListItem **) a;
  const PfImapListItem *y = *(PfImapListItem **) b;

  return (int) strlen (y->entry->name) - (int) strlen (x->entry->name);
}

/* bob's mailbox as Dovecot makes it: the special folders, all empty. */
static void
empty_mailbox (Fixture *fixture)
{
  static const char *const deleted[] = { "\\Deleted", NULL };
  g_autoptr(PfImapSession) session = open_session (fixture);
  g_autoptr(GPtrArray) listed = list_mailboxes (session);

  g_ptr_array_sort (listed, longest_first);
  for (guint i = 0; i < listed->len; i++)
    {
      PfImapListItem *item = listed->pdata[i];
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      if (!is_kept (item->entry))
        {
          pf_imap_session_delete_async (session, item->entry->name, NULL, store_result_cb,
                                        &result);
          g_assert_true (pf_imap_session_delete_finish (session, wait_for (&result), &error));
          g_assert_no_error (error);
          continue;
        }
      if (select_mailbox (session, item->entry->name) == 0)
        continue;
      pf_imap_session_store_async (session, "1:*", PF_IMAP_STORE_ADD, deleted, 0, NULL,
                                   store_result_cb, &result);
      g_assert_true (pf_imap_session_store_finish (session, wait_for (&result), NULL, &error));
      g_assert_no_error (error);
      g_clear_object (&result);
      pf_imap_session_expunge_async (session, NULL, NULL, store_result_cb, &result);
      g_assert_true (pf_imap_session_expunge_finish (session, wait_for (&result), &error));
      g_assert_no_error (error);
    }
}

/* The local account */

static GBytes *
make_message (guint    serial,
              gboolean with_id,
              gboolean crlf,
              gint64   date)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (date);
  g_autofree char *date_text = g_date_time_format (when, "%a, %d %b %Y %H:%M:%S +0000");
  g_autoptr(GString) text = g_string_new (NULL);

  g_string_append_printf (text, "Return-Path: <sender%u@example.test>\n", serial % 7);
  g_string_append_printf (text, "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= "
                          "<sender%u@example.test>\n", serial % 7);
  g_string_append (text, "To: Bob <bob@example.test>\n");
  /* Every ninth without Message-ID, and then often with a subject
   * others have too: the size and the date tell them apart. */
  g_string_append_printf (text, "Subject: %s %u\n\tfolded\n",
                          serial % 3 == 0 ? "Rechnung" : "Nachricht", with_id ? serial : 0);
  g_string_append_printf (text, "Date: %s\n", date_text);
  if (with_id)
    g_string_append_printf (text, "Message-ID:\n <migration-%u@example.test>\n", serial);
  g_string_append_printf (text, "X-Serial: %u\n", serial);
  g_string_append (text, "MIME-Version: 1.0\n");
  if (serial % 4 == 0)
    {
      g_string_append (text, "Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
                       "--b1\nContent-Type: text/plain; charset=utf-8\n"
                       "Content-Transfer-Encoding: 8bit\n\nGrüße, siehe Anhang.\n\n"
                       "--b1\nContent-Type: application/pdf; name=\"rechnung.pdf\"\n"
                       "Content-Transfer-Encoding: base64\n\n");
      for (guint i = 0; i < 20 + serial % 50; i++)
        g_string_append (text, "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJl\n");
      g_string_append (text, "--b1--\n");
    }
  else
    {
      g_string_append (text, "Content-Type: text/plain; charset=utf-8\n"
                       "Content-Transfer-Encoding: 8bit\n\n");
      for (guint i = 0; i < 1 + serial % 30; i++)
        g_string_append_printf (text, "Zeile %u der Nachricht %u: Ärger über Öl.\n", i,
                                serial);
    }

  if (crlf)
    {
      g_autofree char *converted = NULL;
      g_auto(GStrv) lines = g_strsplit (text->str, "\n", -1);

      converted = g_strjoinv ("\r\n", lines);
      return g_bytes_new (converted, strlen (converted));
    }
  return g_bytes_new (text->str, text->len);
}

static gint64
create_folder (PfStore           *store,
               const char        *name,
               const char        *display_name,
               gint64             parent_id,
               gunichar           delimiter,
               PfStoreSpecialUse  special_use)
{
  g_autoptr(PfStoreFolder) folder = pf_store_folder_new ();
  g_autoptr(GError) error = NULL;
  gint64 id;

  folder->name = g_strdup (name);
  folder->display_name = g_strdup (display_name);
  folder->parent_id = parent_id;
  folder->delimiter = delimiter;
  folder->special_use = special_use;
  folder->local_only = TRUE;
  folder->subscribed = TRUE;
  id = pf_store_create_folder (store, folder, &error);
  g_assert_no_error (error);
  return id;
}

/* Fills the local folders: Inbox, Rechnungen/2025 (below Rechnungen),
 * SHOPPING and Sent, with flags, without Message-ID now and then, with
 * LF or CRLF line ends. */
static void
fill_store (Fixture *fixture)
{
  static const struct
  {
    const char *mailbox;
    guint       count;
  } parts[] = {
    { "INBOX", N_INBOX },
    { "Rechnungen.2025", N_INVOICES },
    { SHOPPING, N_SHOPPING },
    { "Sent", N_SENT },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(PfStoreBatch) batch = pf_store_batch_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PfStoreFolder) sent = NULL;
  gint64 folder_ids[G_N_ELEMENTS (parts)];
  gint64 invoices_parent;
  guint serial = 0;

  folder_ids[0] = pf_pop3_sync_ensure_folders (fixture->store, &error);
  g_assert_no_error (error);
  invoices_parent = create_folder (fixture->store, "Rechnungen", "Rechnungen", 0, '/',
                                   PF_STORE_SPECIAL_USE_NONE);
  folder_ids[1] = create_folder (fixture->store, "Rechnungen/2025", "2025", invoices_parent, '/',
                                 PF_STORE_SPECIAL_USE_NONE);
  folder_ids[2] = create_folder (fixture->store, SHOPPING, SHOPPING, 0, 0,
                                 PF_STORE_SPECIAL_USE_NONE);
  sent = pf_store_lookup_folder_by_special_use (fixture->store, PF_STORE_SPECIAL_USE_SENT, NULL);
  folder_ids[3] = sent->id;

  for (guint p = 0; p < G_N_ELEMENTS (parts); p++)
    {
      g_autofree char *maildir = pf_store_dup_maildir (fixture->store, folder_ids[p], &error);

      g_assert_no_error (error);
      for (guint i = 0; i < parts[p].count; i++, serial++)
        {
          Expected *expected = &fixture->expected[serial];
          PfStoreMessage *message = pf_store_message_new ();
          gint64 date = 1700000000 + (gint64) serial * 3571;

          expected->serial = serial;
          expected->mailbox = parts[p].mailbox;
          expected->internal_date = date + 600;
          if (serial % 2 == 0)
            expected->flags |= PF_STORE_FLAG_SEEN;
          if (serial % 5 == 0)
            expected->flags |= PF_STORE_FLAG_FLAGGED;
          if (serial % 7 == 0)
            expected->flags |= PF_STORE_FLAG_ANSWERED;
          expected->present = p == 0 && i < N_PRESENT;
          fixture->data[serial] = make_message (serial, serial % 9 != 4, serial % 3 != 0, date);

          message->folder_id = folder_ids[p];
          message->uid = pf_store_allocate_local_uid (fixture->store, folder_ids[p], &error);
          g_assert_no_error (error);
          message->flags = expected->flags;
          message->internal_date = expected->internal_date;
          message->pop3_downloaded = p == 0 ? expected->internal_date : 0;
          message->date = date;
          message->size = g_bytes_get_size (fixture->data[serial]);
          message->subject = g_strdup_printf ("Nachricht %u", serial);
          if (serial % 9 != 4)
            message->message_id = g_strdup_printf ("<migration-%u@example.test>", serial);
          message->body_path = pf_store_write_cache_file (maildir, fixture->data[serial], &error);
          g_assert_no_error (error);
          pf_store_batch_take_message (batch, message);
        }
    }

  /* One more in the Inbox, marked \Deleted: not copied. */
  {
    g_autofree char *maildir = pf_store_dup_maildir (fixture->store, folder_ids[0], &error);
    g_autoptr(GBytes) data = make_message (9999, TRUE, TRUE, 1700000000);
    PfStoreMessage *message = pf_store_message_new ();

    message->folder_id = folder_ids[0];
    message->uid = pf_store_allocate_local_uid (fixture->store, folder_ids[0], &error);
    message->flags = PF_STORE_FLAG_DELETED;
    message->message_id = g_strdup ("<migration-9999@example.test>");
    message->body_path = pf_store_write_cache_file (maildir, data, &error);
    g_assert_no_error (error);
    pf_store_batch_take_message (batch, message);
  }

  memcpy (fixture->folder_ids, folder_ids, sizeof folder_ids);
  pf_store_apply_batch_async (fixture->store, batch, NULL, store_result_cb, &result);
  g_assert_true (pf_store_apply_batch_finish (fixture->store, wait_for (&result), &error));
  g_assert_no_error (error);
}

/* The local mail is as it was: every file, every flag. */
static void
check_local (Fixture *fixture)
{
  guint n = 0;

  for (gsize f = 0; f < G_N_ELEMENTS (fixture->folder_ids); f++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) map = pf_store_get_uid_map (fixture->store, fixture->folder_ids[f],
                                                    &error);

      g_assert_no_error (error);
      for (guint i = 0; i < map->len; i++)
        {
          const PfStoreUidEntry *entry = &g_array_index (map, PfStoreUidEntry, i);
          g_autoptr(PfStoreMessage) message = NULL;
          g_autofree char *contents = NULL;
          gsize length = 0;
          const char *serial_field;
          guint serial;

          message = pf_store_lookup_message_by_uid (fixture->store, fixture->folder_ids[f],
                                                    entry->uid, &error);
          g_assert_no_error (error);
          g_assert_true (g_file_get_contents (message->body_path, &contents, &length, &error));
          g_assert_no_error (error);
          if (entry->flags & PF_STORE_FLAG_DELETED)
            continue;
          serial_field = strstr (contents, "X-Serial: ");
          g_assert_nonnull (serial_field);
          serial = (guint) g_ascii_strtoull (serial_field + 10, NULL, 10);
          g_assert_cmpuint (serial, <, N_MESSAGES);
          g_assert_cmpmem (contents, length, g_bytes_get_data (fixture->data[serial], NULL),
                           g_bytes_get_size (fixture->data[serial]));
          g_assert_cmpuint (entry->flags, ==, fixture->expected[serial].flags);
          n++;
        }
    }
  g_assert_cmpuint (n, ==, N_MESSAGES);
}

/* What bob has, by X-Serial */

typedef struct
{
  GHashTable *found;     /* serial → Found */
  const char *mailbox;
  guint       n_unknown;
  guint       n_duplicates;
} Survey;

typedef struct
{
  const char  *mailbox;
  PfStoreFlags flags;
  gint64       internal_date;
} Found;

static void
survey_fetch_cb (PfImapSession *session,
                 PfImapFetch   *fetch,
                 gpointer       user_data)
{
  g_autoptr(PfImapFetch) owned = fetch;
  Survey *survey = user_data;
  const PfImapFetchBody *body = g_ptr_array_index (fetch->bodies, 0);
  g_autofree char *text = g_strndup (g_bytes_get_data (body->data, NULL),
                                     g_bytes_get_size (body->data));
  const char *value = strchr (text, ':');
  guint serial;
  Found *found;

  if (value == NULL)
    {
      survey->n_unknown++;
      return;
    }
  serial = (guint) g_ascii_strtoull (value + 1, NULL, 10);
  if (g_hash_table_contains (survey->found, GUINT_TO_POINTER (serial)))
    {
      g_test_message ("twice: message %u in %s (UID %u)", serial, survey->mailbox, fetch->uid);
      survey->n_duplicates++;
      return;
    }
  found = g_new0 (Found, 1);
  found->mailbox = survey->mailbox;
  found->internal_date = g_date_time_to_unix (fetch->internal_date);
  for (guint i = 0; fetch->flags[i] != NULL; i++)
    {
      if (g_strcmp0 (fetch->flags[i], "\\Seen") == 0)
        found->flags |= PF_STORE_FLAG_SEEN;
      else if (g_strcmp0 (fetch->flags[i], "\\Flagged") == 0)
        found->flags |= PF_STORE_FLAG_FLAGGED;
      else if (g_strcmp0 (fetch->flags[i], "\\Answered") == 0)
        found->flags |= PF_STORE_FLAG_ANSWERED;
      else if (g_strcmp0 (fetch->flags[i], "\\Deleted") == 0)
        found->flags |= PF_STORE_FLAG_DELETED;
    }
  g_hash_table_insert (survey->found, GUINT_TO_POINTER (serial), found);
}

/* Every message once, in its mailbox, with its flags and date. */
static void
check_server (Fixture *fixture)
{
  static const char *const mailboxes[] = { "INBOX", "Rechnungen.2025", SHOPPING, "Sent" };
  g_autoptr(PfImapSession) session = open_session (fixture);
  g_autoptr(GHashTable) found = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr(GPtrArray) listed = list_mailboxes (session);
  Survey survey = { found, NULL, 0, 0 };
  gboolean subscribed_shopping = FALSE;

  for (guint i = 0; i < listed->len; i++)
    {
      PfImapListItem *item = listed->pdata[i];

      if (g_strcmp0 (item->entry->name, SHOPPING) == 0)
        {
          subscribed_shopping = TRUE;
          /* Modified UTF-7 on the wire (RFC 3501 §5.1.3). */
          g_assert_cmpstr (item->entry->raw_name, ==, "K&AOQ-ufe &- Verk&AOQ-ufe");
        }
    }
  g_assert_true (subscribed_shopping);

  for (gsize m = 0; m < G_N_ELEMENTS (mailboxes); m++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      guint32 exists = select_mailbox (session, mailboxes[m]);
      guint expected_count = 0;

      for (guint i = 0; i < N_MESSAGES; i++)
        expected_count += g_strcmp0 (fixture->expected[i].mailbox, mailboxes[m]) == 0;
      survey.mailbox = mailboxes[m];
      pf_imap_session_fetch_async (session, "1:*",
                                   PF_IMAP_FETCH_UID | PF_IMAP_FETCH_FLAGS |
                                   PF_IMAP_FETCH_INTERNALDATE,
                                   "BODY.PEEK[HEADER.FIELDS (X-SERIAL)]", 0, survey_fetch_cb,
                                   NULL, NULL, &survey, NULL, store_result_cb, &result);
      g_assert_true (pf_imap_session_fetch_finish (session, wait_for (&result), &error));
      g_assert_no_error (error);
      g_assert_cmpuint (survey.n_duplicates, ==, 0);
      g_assert_cmpuint (exists, ==, expected_count);
    }
  g_assert_cmpuint (survey.n_unknown, ==, 0);
  g_assert_cmpuint (survey.n_duplicates, ==, 0);
  g_assert_cmpuint (g_hash_table_size (found), ==, N_MESSAGES);

  for (guint i = 0; i < N_MESSAGES; i++)
    {
      const Expected *expected = &fixture->expected[i];
      const Found *copy = g_hash_table_lookup (found, GUINT_TO_POINTER (i));

      g_assert_nonnull (copy);
      g_assert_cmpstr (copy->mailbox, ==, expected->mailbox);
      g_assert_cmpuint (copy->flags, ==, expected->flags);
      /* Those there before keep the time Dovecot received them. */
      if (!expected->present)
        g_assert_cmpint (copy->internal_date, ==, expected->internal_date);
    }
}

/* A relay to Dovecot that cuts the connection after some bytes from
 * the client (0: never). */

typedef struct
{
  int       listen_fd;
  guint16   port;
  guint16   upstream_port;
  gsize     limit;
  gint      stop;
  GThread  *thread;
} Proxy;

static void
relay (Proxy *proxy,
       int    client)
{
  struct sockaddr_in address = { 0 };
  int server = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  gsize sent = 0;
  char buffer[16384];

  address.sin_family = AF_INET;
  address.sin_port = htons (proxy->upstream_port);
  address.sin_addr.s_addr = htonl (0x7f000002);   /* 127.0.0.2 */
  if (connect (server, (struct sockaddr *) &address, sizeof address) != 0)
    {
      close (server);
      return;
    }

  for (;;)
    {
      struct pollfd fds[2] = { { client, POLLIN, 0 }, { server, POLLIN, 0 } };
      ssize_t n;

      if (poll (fds, 2, 200) < 0 && errno != EINTR)
        break;
      if (g_atomic_int_get (&proxy->stop))
        break;
      if (fds[0].revents)
        {
          n = read (client, buffer, sizeof buffer);
          if (n <= 0)
            break;
          if (proxy->limit > 0 && sent + n > proxy->limit)
            break;   /* cut: the rest never arrives */
          sent += n;
          if (write (server, buffer, n) != n)
            break;
        }
      if (fds[1].revents)
        {
          n = read (server, buffer, sizeof buffer);
          if (n <= 0 || write (client, buffer, n) != n)
            break;
        }
    }
  close (server);
}

static gpointer
proxy_thread (gpointer data)
{
  Proxy *proxy = data;

  while (!g_atomic_int_get (&proxy->stop))
    {
      int client = accept (proxy->listen_fd, NULL, NULL);

      if (client < 0)
        break;
      relay (proxy, client);
      shutdown (client, SHUT_RDWR);
      close (client);
    }
  return NULL;
}

static Proxy *
proxy_start (guint16 upstream_port,
             gsize   limit)
{
  Proxy *proxy = g_new0 (Proxy, 1);
  struct sockaddr_in address = { 0 };
  socklen_t length = sizeof address;

  proxy->upstream_port = upstream_port;
  proxy->limit = limit;
  proxy->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (bind (proxy->listen_fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  g_assert_cmpint (listen (proxy->listen_fd, 4), ==, 0);
  g_assert_cmpint (getsockname (proxy->listen_fd, (struct sockaddr *) &address, &length), ==, 0);
  proxy->port = ntohs (address.sin_port);
  proxy->thread = g_thread_new ("proxy", proxy_thread, proxy);
  return proxy;
}

static void
proxy_stop (Proxy *proxy)
{
  g_atomic_int_set (&proxy->stop, 1);
  shutdown (proxy->listen_fd, SHUT_RDWR);
  g_thread_join (proxy->thread);
  close (proxy->listen_fd);
  g_free (proxy);
}

/* Fixture */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfImapSession) session = NULL;

  fixture->servers = pf_test_servers_get ();
  fixture->dir = g_dir_make_tmp ("pf-pop3-migration-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store = pf_store_new_sync (fixture->dir, NULL, &error);
  g_assert_no_error (error);
  fixture->settings = imap_settings (fixture->servers,
                                     pf_test_servers_get_host (fixture->servers, "imaps"),
                                     pf_test_servers_get_port (fixture->servers, "imaps"));
  fill_store (fixture);

  /* The POP3 account left some on the server: bob's INBOX has them. */
  empty_mailbox (fixture);
  session = open_session (fixture);
  for (guint i = 0; i < N_MESSAGES; i++)
    {
      if (fixture->expected[i].present)
        append (session, "INBOX", fixture->data[i]);
    }
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  for (guint i = 0; i < N_MESSAGES; i++)
    g_clear_pointer (&fixture->data[i], g_bytes_unref);
  g_clear_object (&fixture->settings);
  g_clear_object (&fixture->store);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
}

/* Running a migration */

typedef struct
{
  GCancellable *cancellable;
  guint         n_progress;
  guint         cancel_after;
  guint         last_done;
  char         *last_folder;
  gboolean      monotonic;
  guint         n_steps;
} Watch;

static void
on_progress_cb (PfPop3Migration *migration,
                const char      *folder,
                guint            done,
                guint            total,
                gpointer         user_data)
{
  Watch *watch = user_data;

  g_assert_cmpuint (done, <=, total);
  if (g_strcmp0 (folder, watch->last_folder) == 0 && done < watch->last_done)
    watch->monotonic = FALSE;
  g_free (watch->last_folder);
  watch->last_folder = g_strdup (folder);
  watch->last_done = done;
  watch->n_progress++;
  if (watch->cancel_after > 0 && watch->n_progress == watch->cancel_after)
    g_cancellable_cancel (watch->cancellable);
}

static void
on_step_cb (PfPop3Migration *migration,
            const char      *text,
            gpointer         user_data)
{
  Watch *watch = user_data;

  g_assert_true (g_utf8_validate (text, -1, NULL));
  watch->n_steps++;
}

static PfPop3MigrationReport *
migrate (Fixture           *fixture,
         PfServerSettings  *settings,
         guint              cancel_after,
         GError           **error)
{
  g_autoptr(PfPop3Migration) migration = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Watch watch = { cancellable, 0, cancel_after, 0, NULL, TRUE, 0 };
  PfPop3MigrationReport *report;
  gint64 start = g_get_monotonic_time ();

  migration = pf_pop3_migration_new (fixture->store, settings,
                                     pf_test_servers_get_password (fixture->servers, USER));
  g_signal_connect (migration, "progress", G_CALLBACK (on_progress_cb), &watch);
  g_signal_connect (migration, "step", G_CALLBACK (on_step_cb), &watch);
  pf_pop3_migration_run_async (migration, cancellable, store_result_cb, &result);
  report = pf_pop3_migration_run_finish (migration, wait_for (&result), error);
  g_test_message ("migration: %.2f s, %u progress events",
                  (g_get_monotonic_time () - start) / 1e6, watch.n_progress);
  g_assert_true (watch.monotonic);
  g_assert_cmpuint (watch.n_steps, >, 0);
  g_assert_nonnull (pf_pop3_migration_get_report (migration));
  g_free (watch.last_folder);
  return report;
}

static const PfPop3MigrationFolder *
report_folder (const PfPop3MigrationReport *report,
               const char                  *local_name)
{
  for (guint i = 0; i < report->folders->len; i++)
    {
      const PfPop3MigrationFolder *folder = report->folders->pdata[i];

      if (g_strcmp0 (folder->local_name, local_name) == 0)
        return folder;
    }
  g_assert_not_reached ();
}

static void
check_complete (const PfPop3MigrationReport *report)
{
  g_assert_true (report->verified);
  g_assert_cmpuint (report->local_count, ==, N_MESSAGES);
  g_assert_cmpuint (report->failed, ==, 0);
  for (guint i = 0; i < report->folders->len; i++)
    {
      const PfPop3MigrationFolder *folder = report->folders->pdata[i];

      g_assert_cmpuint (folder->verified, ==, folder->local_count);
      g_assert_cmpuint (folder->copied + folder->already_there, ==, folder->local_count);
      g_assert_cmpuint (folder->server_count, ==, folder->local_count);
    }
}

/* Tests */

static void
test_key (void)
{
  const char *crlf = "Subject: a\r\n b\r\nMessage-Id: <x@y>\r\nDate: 1\r\n\r\nbody\r\n";
  const char *lf = "Subject: a\n b\nMessage-Id:\n <x@y>\nDate: 1\n\nbody\n";
  const char *fields = "Message-ID: <x@y>\r\n\r\n";
  const char *no_id = "From: a@b\r\nSubject: Hallo\r\n\tWelt\r\nDate: Mon, 1 Jan 2024\r\n\r\n";
  const char *no_id_lf = "Date: Mon, 1 Jan 2024\nSubject: Hallo Welt\nX: y\nFrom:  a@b\n\n";
  const char *body_id = "Subject: a\r\n\r\nMessage-ID: <body@y>\r\n";
  g_autofree char *key1 = pf_pop3_migration_message_key (crlf, strlen (crlf), 10);
  g_autofree char *key2 = pf_pop3_migration_message_key (lf, strlen (lf), 20);
  g_autofree char *key3 = pf_pop3_migration_message_key (fields, strlen (fields), 30);
  g_autofree char *key4 = pf_pop3_migration_message_key (no_id, strlen (no_id), 100);
  g_autofree char *key5 = pf_pop3_migration_message_key (no_id_lf, strlen (no_id_lf), 100);
  g_autofree char *key6 = pf_pop3_migration_message_key (no_id, strlen (no_id), 101);
  g_autofree char *key7 = pf_pop3_migration_message_key (body_id, strlen (body_id), 5);

  g_assert_cmpstr (key1, ==, "<x@y>");
  g_assert_cmpstr (key2, ==, "<x@y>");
  g_assert_cmpstr (key3, ==, "<x@y>");
  g_assert_true (key4[0] == '~');
  g_assert_cmpstr (key4, ==, key5);   /* order, folding and spaces do not matter */
  g_assert_cmpstr (key4, !=, key6);   /* the size does */
  g_assert_true (key7[0] == '~');     /* a Message-ID in the body is none */
}

static void
test_full (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(PfPop3MigrationReport) report = NULL;
  g_autoptr(PfPop3MigrationReport) again = NULL;
  g_autoptr(GError) error = NULL;
  const PfPop3MigrationFolder *inbox;
  const PfPop3MigrationFolder *invoices;
  const PfPop3MigrationFolder *shopping;
  const PfPop3MigrationFolder *sent;

  report = migrate (fixture, fixture->settings, 0, &error);
  g_assert_no_error (error);
  check_complete (report);
  g_assert_cmpuint (report->copied, ==, N_MESSAGES - N_PRESENT);
  g_assert_cmpuint (report->already_there, ==, N_PRESENT);

  inbox = report_folder (report, "INBOX");
  g_assert_cmpstr (inbox->server_name, ==, "INBOX");
  g_assert_cmpuint (inbox->local_count, ==, N_INBOX);   /* not the \Deleted one */
  g_assert_cmpuint (inbox->already_there, ==, N_PRESENT);
  /* Appended without flags, those there before got theirs. */
  g_assert_cmpuint (inbox->flags_added, ==, 3);
  invoices = report_folder (report, "Rechnungen/2025");
  g_assert_cmpstr (invoices->server_name, ==, "Rechnungen.2025");
  g_assert_true (invoices->created);
  g_assert_cmpuint (invoices->copied, ==, N_INVOICES);
  g_assert_cmpstr (report_folder (report, "Rechnungen")->server_name, ==, "Rechnungen");
  shopping = report_folder (report, SHOPPING);
  g_assert_cmpstr (shopping->server_name, ==, SHOPPING);
  g_assert_cmpuint (shopping->copied, ==, N_SHOPPING);
  sent = report_folder (report, "Sent");
  g_assert_cmpstr (sent->server_name, ==, "Sent");   /* Dovecot's \Sent */
  g_assert_false (sent->created);
  g_assert_cmpuint (sent->copied, ==, N_SENT);
  g_assert_cmpstr (report_folder (report, "Trash")->server_name, ==, "Trash");
  check_server (fixture);

  /* Once more: nothing to do, nothing twice. */
  again = migrate (fixture, fixture->settings, 0, &error);
  g_assert_no_error (error);
  check_complete (again);
  g_assert_cmpuint (again->copied, ==, 0);
  g_assert_cmpuint (again->already_there, ==, N_MESSAGES);
  check_server (fixture);
  check_local (fixture);
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(PfPop3MigrationReport) report = NULL;
  g_autoptr(GError) error = NULL;

  /* Halfway through the Inbox. */
  report = migrate (fixture, fixture->settings, N_INBOX / 2, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (report);
  g_clear_error (&error);

  report = migrate (fixture, fixture->settings, 0, &error);
  g_assert_no_error (error);
  check_complete (report);
  g_assert_cmpuint (report->copied, <, N_MESSAGES - N_PRESENT);
  g_assert_cmpuint (report->already_there, >, N_PRESENT);
  check_server (fixture);
}

static void
test_connection_lost (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(PfPop3MigrationReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfServerSettings) through_proxy = NULL;
  guint16 port = pf_test_servers_get_port (fixture->servers, "imaps");
  Proxy *proxy = proxy_start (port, 200 * 1024);

  through_proxy = imap_settings (fixture->servers, "127.0.0.1", proxy->port);
  report = migrate (fixture, through_proxy, 0, &error);
  g_assert_nonnull (error);
  g_assert_null (report);
  g_test_message ("cut: %s", error->message);
  g_clear_error (&error);
  proxy_stop (proxy);

  report = migrate (fixture, fixture->settings, 0, &error);
  g_assert_no_error (error);
  check_server (fixture);
  check_complete (report);
  g_assert_cmpuint (report->already_there, >, N_PRESENT);
  check_local (fixture);
}

/* A file gone from the disk: the others are copied, the report is not
 * verified, and says why. */
static void
test_missing_file (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(PfPop3MigrationReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) map = NULL;
  g_autoptr(PfStoreMessage) message = NULL;
  const PfPop3MigrationFolder *invoices;

  map = pf_store_get_uid_map (fixture->store, fixture->folder_ids[1], &error);
  g_assert_no_error (error);
  message = pf_store_lookup_message_by_uid (fixture->store, fixture->folder_ids[1],
                                            g_array_index (map, PfStoreUidEntry, 7).uid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_unlink (message->body_path), ==, 0);

  report = migrate (fixture, fixture->settings, 0, &error);
  g_assert_no_error (error);
  g_assert_false (report->verified);
  g_assert_cmpuint (report->failed, ==, 1);
  g_assert_cmpuint (report->copied, ==, N_MESSAGES - N_PRESENT - 1);
  invoices = report_folder (report, "Rechnungen/2025");
  g_assert_cmpuint (invoices->failed, ==, 1);
  g_assert_cmpuint (invoices->copied, ==, N_INVOICES - 1);
  g_assert_cmpuint (invoices->verified, ==, N_INVOICES - 1);
  g_assert_cmpuint (invoices->server_count, ==, N_INVOICES - 1);
  g_assert_nonnull (invoices->error);
  g_assert_cmpuint (report_folder (report, "Sent")->verified, ==, N_SENT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync/pop3-migration/key", test_key);
  g_test_add ("/sync/pop3-migration/full", Fixture, NULL, fixture_set_up, test_full,
              fixture_tear_down);
  g_test_add ("/sync/pop3-migration/cancelled", Fixture, NULL, fixture_set_up, test_cancelled,
              fixture_tear_down);
  g_test_add ("/sync/pop3-migration/connection-lost", Fixture, NULL, fixture_set_up,
              test_connection_lost, fixture_tear_down);
  g_test_add ("/sync/pop3-migration/missing-file", Fixture, NULL, fixture_set_up,
              test_missing_file, fixture_tear_down);

  return g_test_run ();
}
