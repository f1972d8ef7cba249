/* test-imap-session.c: PfImapSession against the real test Dovecot, and
 * against a scripted server for what Dovecot offers no way to provoke
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "imap/pf-imap-error.h"
#include "imap/pf-imap-session.h"
#include "pf-fake-server.h"
#include "pf-test-servers.h"

/* Every wait gives up after this long instead of hanging the suite. */
#define WAIT_SECONDS 30

/* The subject of the delivered test messages: "Grüße aus Köln" encoded as
 * RFC 2047 Q words, then the test's token and the message's number. */
#define GERMAN_SUBJECT_WORD "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?="
#define GERMAN_SUBJECT      "Grüße aus Köln"

typedef struct
{
  PfTestServers *servers;
  GTlsDatabase  *trusted;
  GAsyncResult  *result;
  char          *token;     /* unique per test: folder names and subjects */
  GPtrArray     *folders;   /* of char *: deleted at tear-down */
  /* "starttls": connections meant for IMAPS go to the STARTTLS port */
  const char    *mode;
} Fixture;

/* Events of the session signals and callbacks */
typedef struct
{
  GPtrArray *fetches;      /* of PfImapFetch */
  GArray    *vanished;     /* of guint32 */
  GArray    *expunged;     /* of guint32 sequence numbers */
  GArray    *exists;       /* of guint32 counts */
  gboolean   vanished_earlier;
  GByteArray *streamed;    /* pieces from the chunk function */
  guint      n_chunks;
} Events;

static void
events_init (Events *events)
{
  events->fetches = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_imap_fetch_free);
  events->vanished = g_array_new (FALSE, FALSE, sizeof (guint32));
  events->expunged = g_array_new (FALSE, FALSE, sizeof (guint32));
  events->exists = g_array_new (FALSE, FALSE, sizeof (guint32));
  events->streamed = g_byte_array_new ();
  events->vanished_earlier = FALSE;
  events->n_chunks = 0;
}

static void
events_clear (Events *events)
{
  g_clear_pointer (&events->fetches, g_ptr_array_unref);
  g_clear_pointer (&events->vanished, g_array_unref);
  g_clear_pointer (&events->expunged, g_array_unref);
  g_clear_pointer (&events->exists, g_array_unref);
  g_clear_pointer (&events->streamed, g_byte_array_unref);
}

static void
events_reset (Events *events)
{
  events_clear (events);
  events_init (events);
}

static void
on_fetch_func (PfImapSession *session,
               PfImapFetch   *fetch,
               gpointer       user_data)
{
  Events *events = user_data;

  g_ptr_array_add (events->fetches, fetch);
}

static void
add_uids (GArray                  *array,
          const PfImapSequenceSet *uids)
{
  g_autoptr(GArray) expanded = NULL;
  g_autoptr(GError) error = NULL;

  expanded = pf_imap_sequence_set_to_array (uids, 0, 100000, &error);
  g_assert_no_error (error);
  g_array_append_vals (array, expanded->data, expanded->len);
}

static void
on_vanished_func (PfImapSession           *session,
                  const PfImapSequenceSet *uids,
                  gboolean                 earlier,
                  gpointer                 user_data)
{
  Events *events = user_data;

  add_uids (events->vanished, uids);
  events->vanished_earlier = earlier;
}

static void
on_chunk_func (PfImapSession            *session,
               const PfImapLiteralChunk *chunk,
               gpointer                  user_data)
{
  Events *events = user_data;

  g_assert_cmpuint (chunk->offset, ==, events->streamed->len);
  g_byte_array_append (events->streamed, chunk->data, chunk->length);
  events->n_chunks++;
}

static void
on_exists_cb (PfImapSession *session,
              guint          count,
              gpointer       user_data)
{
  Events *events = user_data;
  guint32 value = count;

  g_array_append_val (events->exists, value);
}

static void
on_expunge_cb (PfImapSession *session,
               guint          seq,
               gpointer       user_data)
{
  Events *events = user_data;
  guint32 value = seq;

  g_array_append_val (events->expunged, value);
}

static void
on_vanished_cb (PfImapSession     *session,
                PfImapSequenceSet *uids,
                gboolean           earlier,
                gpointer           user_data)
{
  on_vanished_func (session, uids, earlier, user_data);
}

static void
on_fetch_cb (PfImapSession *session,
             PfImapFetch   *fetch,
             gpointer       user_data)
{
  Events *events = user_data;
  PfImapFetch *copy = g_new0 (PfImapFetch, 1);

  /* Only what the tests look at. */
  copy->seq = fetch->seq;
  copy->fields = fetch->fields;
  copy->uid = fetch->uid;
  copy->modseq = fetch->modseq;
  copy->flags = g_strdupv (fetch->flags);
  g_ptr_array_add (events->fetches, copy);
}

static void
connect_signals (PfImapSession *session,
                 Events        *events)
{
  g_signal_connect (session, "exists", G_CALLBACK (on_exists_cb), events);
  g_signal_connect (session, "expunge", G_CALLBACK (on_expunge_cb), events);
  g_signal_connect (session, "vanished", G_CALLBACK (on_vanished_cb), events);
  g_signal_connect (session, "fetch", G_CALLBACK (on_fetch_cb), events);
}

/* Waiting */

static gboolean
on_wait_timeout_cb (gpointer user_data)
{
  g_error ("Nothing happened for %u seconds", WAIT_SECONDS);
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @condition holds. */
#define WAIT_UNTIL(condition)                                                        \
  G_STMT_START {                                                                     \
    guint wait_timeout_ = g_timeout_add_seconds (WAIT_SECONDS, on_wait_timeout_cb, NULL); \
    while (!(condition))                                                             \
      g_main_context_iteration (NULL, TRUE);                                         \
    g_source_remove (wait_timeout_);                                                 \
  } G_STMT_END

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
  guint timeout = g_timeout_add_seconds (WAIT_SECONDS, on_wait_timeout_cb, NULL);

  while (fixture->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);

  return g_steal_pointer (&fixture->result);
}

/* Fixture */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->servers = pf_test_servers_get ();
  fixture->mode = data;
  fixture->trusted = g_tls_file_database_new (pf_test_servers_get_ca_file (fixture->servers),
                                              &error);
  g_assert_no_error (error);
  /* Other tests, or another run, may use the same mailboxes. */
  fixture->token = g_strdup_printf ("t%08x%04x", g_random_int (),
                                    (guint) (g_get_real_time () & 0xffff));
  fixture->folders = g_ptr_array_new_with_free_func (g_free);
}

static PfImapSession *connect_session (Fixture       *fixture,
                                       const char    *service,
                                       PfNetSecurity  security);
static void logout (Fixture       *fixture,
                    PfImapSession *session);

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_null (fixture->result);

  if (fixture->folders->len > 0)
    {
      g_autoptr(PfImapSession) session = connect_session (fixture, "imaps", PF_NET_SECURITY_TLS);

      for (guint i = 0; i < fixture->folders->len; i++)
        {
          g_autoptr(GAsyncResult) result = NULL;

          pf_imap_session_delete_async (session, fixture->folders->pdata[i], NULL,
                                        on_done_cb, fixture);
          result = wait_result (fixture);
          /* Tests may have deleted or renamed it themselves. */
          pf_imap_session_delete_finish (session, result, NULL);
        }
      logout (fixture, session);
    }

  g_clear_pointer (&fixture->folders, g_ptr_array_unref);
  g_clear_pointer (&fixture->token, g_free);
  g_clear_object (&fixture->trusted);
}

/* A folder of this test, deleted at tear-down. */
static const char *
folder_name (Fixture    *fixture,
             const char *base)
{
  char *name = g_strdup_printf ("%s-%s", base, fixture->token);

  g_ptr_array_add (fixture->folders, name);
  return name;
}

/* Sessions */

static PfImapSession *
connect_session (Fixture       *fixture,
                 const char    *service,
                 PfNetSecurity  security)
{
  g_autoptr(PfNetConnection) net = NULL;
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* Every command runs over both kinds of TLS (see main()). */
  if (g_strcmp0 (fixture->mode, "starttls") == 0 && g_str_equal (service, "imaps"))
    {
      service = "imap";
      security = PF_NET_SECURITY_STARTTLS;
    }

  net = pf_net_connection_new (pf_test_servers_get_host (fixture->servers, service),
                               pf_test_servers_get_port (fixture->servers, service),
                               security);
  pf_net_connection_set_tls_database (net, fixture->trusted);
  pf_net_connection_set_timeout (net, 20);
  connection = pf_imap_connection_new (net);

  pf_imap_connection_open_async (connection, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_connection_open_finish (connection, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  pf_imap_connection_login_async (connection,
                                  pf_test_servers_get_login (fixture->servers, "alice"),
                                  pf_test_servers_get_password (fixture->servers, "alice"),
                                  FALSE, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_connection_login_finish (connection, result, &error));
  g_assert_no_error (error);

  return pf_imap_session_new (connection);
}

static void
logout (Fixture       *fixture,
        PfImapSession *session)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PfImapConnection *connection = pf_imap_session_get_connection (session);

  pf_imap_connection_logout_async (connection, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_connection_logout_finish (connection, result, &error));
  g_assert_no_error (error);
}

/* Synchronous wrappers: each runs one operation to its end. */

static char **
enable_sync (Fixture           *fixture,
             PfImapSession     *session,
             const char *const *extensions)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char **enabled;

  pf_imap_session_enable_async (session, extensions, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  enabled = pf_imap_session_enable_finish (session, result, &error);
  g_assert_no_error (error);
  return enabled;
}

static void
create_sync (Fixture       *fixture,
             PfImapSession *session,
             const char    *mailbox)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  pf_imap_session_create_async (session, mailbox, 0, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_session_create_finish (session, result, &error));
  g_assert_no_error (error);
}

static GPtrArray *
list_sync (Fixture         *fixture,
           PfImapSession   *session,
           const char      *pattern,
           PfImapListFlags  flags)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *items;

  pf_imap_session_list_async (session, "", pattern, flags, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  items = pf_imap_session_list_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (items);
  return items;
}

static PfImapListItem *
find_item (GPtrArray  *items,
           const char *name)
{
  for (guint i = 0; i < items->len; i++)
    {
      PfImapListItem *item = items->pdata[i];

      if (g_strcmp0 (item->entry->name, name) == 0)
        return item;
    }
  return NULL;
}

static PfImapMailboxStatus *
status_sync (Fixture       *fixture,
             PfImapSession *session,
             const char    *mailbox)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PfImapMailboxStatus *status;

  pf_imap_session_status_async (session, mailbox,
                                PF_IMAP_STATUS_MESSAGES | PF_IMAP_STATUS_UIDNEXT |
                                PF_IMAP_STATUS_UIDVALIDITY | PF_IMAP_STATUS_UNSEEN |
                                PF_IMAP_STATUS_HIGHESTMODSEQ,
                                NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  status = pf_imap_session_status_finish (session, result, &error);
  g_assert_no_error (error);
  return status;
}

static PfImapSelectResult *
select_full (Fixture             *fixture,
             PfImapSession       *session,
             const char          *mailbox,
             PfImapSelectFlags    flags,
             const PfImapQresync *qresync,
             Events              *events,
             GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pf_imap_session_select_async (session, mailbox, flags, qresync,
                                events != NULL ? on_fetch_func : NULL,
                                events != NULL ? on_vanished_func : NULL,
                                events, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  return pf_imap_session_select_finish (session, result, error);
}

static PfImapSelectResult *
select_sync (Fixture       *fixture,
             PfImapSession *session,
             const char    *mailbox)
{
  g_autoptr(GError) error = NULL;
  PfImapSelectResult *select;

  select = select_full (fixture, session, mailbox, PF_IMAP_SELECT_NONE, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (select);
  return select;
}

static void
fetch_sync (Fixture           *fixture,
            PfImapSession     *session,
            const char        *uids,
            PfImapFetchFields  fields,
            const char        *extra,
            guint64            changed_since,
            Events            *events)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  pf_imap_session_fetch_async (session, uids, fields, extra, changed_since,
                               on_fetch_func, on_vanished_func, on_chunk_func, events,
                               NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_session_fetch_finish (session, result, &error));
  g_assert_no_error (error);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static GBytes *
fetch_body_sync (Fixture       *fixture,
                 PfImapSession *session,
                 guint32        uid,
                 const char    *section,
                 guint64        offset,
                 guint64        length)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  pf_imap_session_fetch_body_async (session, uid, section, offset, length, NULL,
                                    on_done_cb, fixture);
  result = wait_result (fixture);
  bytes = pf_imap_session_fetch_body_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return bytes;
}

static GArray *
search_sync (Fixture           *fixture,
             PfImapSession     *session,
             const char        *criteria,
             const char *const *strings)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GArray *uids;

  pf_imap_session_search_async (session, criteria, strings, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  uids = pf_imap_session_search_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (uids);
  return uids;
}

static GArray *
store_sync (Fixture           *fixture,
            PfImapSession     *session,
            const char        *uids,
            PfImapStoreMode    mode,
            const char *const *flags,
            guint64            unchanged_since)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GArray *modified = NULL;

  pf_imap_session_store_async (session, uids, mode, flags, unchanged_since, NULL,
                               on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_session_store_finish (session, result, &modified, &error));
  g_assert_no_error (error);
  g_assert_nonnull (modified);
  return modified;
}

static PfImapCopyUid *
move_sync (Fixture       *fixture,
           PfImapSession *session,
           const char    *uids,
           const char    *destination)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PfImapCopyUid *copy_uid = NULL;

  pf_imap_session_move_async (session, uids, destination, PF_IMAP_MOVE_NONE, NULL,
                              on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_session_move_finish (session, result, &copy_uid, &error));
  g_assert_no_error (error);
  return copy_uid;
}

static guint32
append_sync (Fixture           *fixture,
             PfImapSession     *session,
             const char        *mailbox,
             const char *const *flags,
             GDateTime         *date,
             const char        *message)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (message, strlen (message));
  guint32 uidvalidity = 0;
  guint32 uid = 0;

  pf_imap_session_append_async (session, mailbox, flags, date, bytes, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_session_append_finish (session, result, &uidvalidity, &uid, &error));
  g_assert_no_error (error);
  /* Dovecot has UIDPLUS. */
  g_assert_cmpuint (uidvalidity, !=, 0);
  g_assert_cmpuint (uid, !=, 0);
  return uid;
}

typedef void (*BooleanAsync) (PfImapSession       *session,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
typedef gboolean (*BooleanFinish) (PfImapSession  *session,
                                   GAsyncResult   *result,
                                   GError        **error);

static void
boolean_sync (Fixture       *fixture,
              PfImapSession *session,
              BooleanAsync   start,
              BooleanFinish  finish)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  start (session, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (finish (session, result, &error));
  g_assert_no_error (error);
}

static void
unselect_sync (Fixture       *fixture,
               PfImapSession *session)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  pf_imap_session_unselect_async (session, FALSE, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_session_unselect_finish (session, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pf_imap_session_get_state (session), ==, PF_IMAP_STATE_AUTHENTICATED);
}

static void
expunge_sync (Fixture       *fixture,
              PfImapSession *session,
              const char    *uids)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  pf_imap_session_expunge_async (session, uids, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_session_expunge_finish (session, result, &error));
  g_assert_no_error (error);
}

/* Test messages */

static char *
make_message (Fixture *fixture,
              guint    index)
{
  /* The second message is a multipart with an attachment. */
  if (index == 1)
    return g_strdup_printf ("From: Bob Example <bob@example.test>\r\n"
                            "To: alice@example.test\r\n"
                            "Subject: " GERMAN_SUBJECT_WORD " %s %u\r\n"
                            "Date: Mon, 05 Jan 2026 10:00:0%u +0100\r\n"
                            "Message-ID: <%s-%u@example.test>\r\n"
                            "MIME-Version: 1.0\r\n"
                            "Content-Type: multipart/mixed; boundary=\"grenze\"\r\n"
                            "\r\n"
                            "--grenze\r\n"
                            "Content-Type: text/plain; charset=utf-8\r\n"
                            "Content-Transfer-Encoding: 8bit\r\n"
                            "\r\n"
                            "Anbei die Rechnung.\r\n"
                            "--grenze\r\n"
                            "Content-Type: application/pdf; name=\"Rechnung.pdf\"\r\n"
                            "Content-Disposition: attachment; filename=\"Rechnung.pdf\"\r\n"
                            "Content-Transfer-Encoding: base64\r\n"
                            "\r\n"
                            "JVBERi0xLjQKJcOkw7zDtsOfCg==\r\n"
                            "--grenze--\r\n",
                            fixture->token, index, index, fixture->token, index);

  return g_strdup_printf ("From: Bob Example <bob@example.test>\r\n"
                          "To: alice@example.test\r\n"
                          "Subject: " GERMAN_SUBJECT_WORD " %s %u\r\n"
                          "Date: Mon, 05 Jan 2026 10:00:0%u +0100\r\n"
                          "Message-ID: <%s-%u@example.test>\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\n"
                          "Content-Transfer-Encoding: 8bit\r\n"
                          "\r\n"
                          "Hallo Alice,\r\n"
                          "dies ist Nachricht %u.\r\n",
                          fixture->token, index, index, fixture->token, index, index);
}

/* Delivers @n messages to alice's INBOX over LMTP and moves them into
 * @folder (created here), so that the test sees exactly these. Returns the
 * messages' texts. */
static GPtrArray *
deliver_into (Fixture       *fixture,
              PfImapSession *session,
              const char    *folder,
              guint          n)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PfImapSelectResult) select = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autoptr(PfImapCopyUid) copy_uid = NULL;
  g_autofree char *set = NULL;
  g_autoptr(GError) error = NULL;
  const char *strings[] = { fixture->token, NULL };

  for (guint i = 0; i < n; i++)
    {
      char *text = make_message (fixture, i);
      g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

      g_ptr_array_add (messages, text);
      g_assert_true (pf_test_servers_deliver (fixture->servers, "alice", bytes, &error));
      g_assert_no_error (error);
    }

  create_sync (fixture, session, folder);
  select = select_sync (fixture, session, "INBOX");
  uids = search_sync (fixture, session, "SUBJECT ?", strings);
  g_assert_cmpuint (uids->len, ==, n);
  set = pf_imap_uids_to_sequence_string ((const guint32 *) uids->data, uids->len);
  copy_uid = move_sync (fixture, session, set, folder);
  g_assert_nonnull (copy_uid);
  g_assert_cmpuint (copy_uid->source_uids->len, ==, n);
  unselect_sync (fixture, session);

  return g_steal_pointer (&messages);
}

static gboolean
has_flag (char       **flags,
          const char  *flag)
{
  for (guint i = 0; flags != NULL && flags[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (flags[i], flag) == 0)
        return TRUE;
    }
  return FALSE;
}

static PfImapFetch *
find_fetch (GPtrArray *fetches,
            guint32    uid)
{
  for (guint i = 0; i < fetches->len; i++)
    {
      PfImapFetch *fetch = fetches->pdata[i];

      if (fetch->uid == uid)
        return fetch;
    }
  return NULL;
}

/* Tests */

static void
check_select_fetch (Fixture       *fixture,
                    const char    *service,
                    PfNetSecurity  security)
{
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(PfImapSelectResult) select = NULL;
  g_autoptr(GBytes) whole = NULL;
  g_autoptr(GBytes) part = NULL;
  g_autoptr(GBytes) partial = NULL;
  const char *folder = folder_name (fixture, "Fetch");
  PfImapConnection *connection;
  Events events;

  events_init (&events);
  session = connect_session (fixture, service, security);
  connection = pf_imap_session_get_connection (session);
  g_assert_true (pf_net_connection_is_encrypted (pf_imap_connection_get_net (connection)));
  messages = deliver_into (fixture, session, folder, 3);

  select = select_sync (fixture, session, folder);
  g_assert_cmpint (pf_imap_session_get_state (session), ==, PF_IMAP_STATE_SELECTED);
  g_assert_cmpstr (pf_imap_session_get_selected (session), ==, folder);
  g_assert_cmpstr (select->mailbox, ==, folder);
  g_assert_cmpuint (select->exists, ==, 3);
  g_assert_cmpuint (select->uidvalidity, !=, 0);
  g_assert_cmpuint (select->uidnext, ==, 4);
  g_assert_cmpuint (select->first_unseen, ==, 1);
  g_assert_false (select->read_only);
  g_assert_false (select->nomodseq);
  g_assert_cmpuint (select->highestmodseq, >, 0);
  g_assert_true (has_flag (select->flags, "\\Seen"));
  g_assert_true (has_flag (select->flags, "\\Deleted"));
  g_assert_true (has_flag (select->permanent_flags, "\\Seen"));
  g_assert_true (has_flag (select->permanent_flags, "\\*"));
  g_assert_false (select->qresync);
  g_assert_cmpuint (pf_imap_session_get_exists (session), ==, 3);
  g_assert_cmpuint (pf_imap_session_get_uidvalidity (session), ==, select->uidvalidity);

  fetch_sync (fixture, session, "1:*", PF_IMAP_SESSION_FETCH_HEADERS,
              "BODY.PEEK[HEADER.FIELDS (SUBJECT)]", 0, &events);
  g_assert_cmpuint (events.fetches->len, ==, 3);

  for (guint i = 0; i < 3; i++)
    {
      PfImapFetch *fetch = find_fetch (events.fetches, i + 1);
      g_autofree char *subject = g_strdup_printf (GERMAN_SUBJECT " %s %u", fixture->token, i);
      g_autofree char *header = g_strdup_printf ("Subject: " GERMAN_SUBJECT_WORD " %s %u\r\n\r\n",
                                                 fixture->token, i);
      g_autofree char *message_id = g_strdup_printf ("<%s-%u@example.test>", fixture->token, i);
      g_autofree char *from = NULL;
      const PfImapFetchBody *body;
      const PfImapAddress *address;

      g_assert_nonnull (fetch);
      g_assert_true (fetch->fields & PF_IMAP_FETCH_MODSEQ);
      g_assert_cmpuint (fetch->modseq, >, 0);
      g_assert_false (has_flag (fetch->flags, "\\Seen"));
      g_assert_cmpuint (fetch->rfc822_size, >=, strlen (messages->pdata[i]));
      g_assert_nonnull (fetch->internal_date);

      /* ENVELOPE, with the RFC 2047 subject decoded. */
      g_assert_nonnull (fetch->envelope);
      g_assert_cmpstr (fetch->envelope->subject, ==, subject);
      g_assert_cmpstr (fetch->envelope->message_id, ==, message_id);
      g_assert_nonnull (fetch->envelope->from);
      address = fetch->envelope->from->pdata[0];
      g_assert_cmpstr (address->name, ==, "Bob Example");
      from = pf_imap_address_dup_email (address);
      g_assert_cmpstr (from, ==, "bob@example.test");

      /* BODYSTRUCTURE */
      g_assert_nonnull (fetch->body_structure);
      if (i == 1)
        {
          const PfImapBodyStructure *attachment;

          g_assert_cmpstr (fetch->body_structure->type, ==, "multipart");
          g_assert_cmpstr (fetch->body_structure->subtype, ==, "mixed");
          g_assert_cmpuint (fetch->body_structure->children->len, ==, 2);
          attachment = pf_imap_body_structure_find_section (fetch->body_structure, "2");
          g_assert_nonnull (attachment);
          g_assert_cmpstr (attachment->type, ==, "application");
          g_assert_cmpstr (attachment->subtype, ==, "pdf");
          g_assert_cmpstr (pf_imap_body_structure_get_filename (attachment), ==, "Rechnung.pdf");
        }
      else
        {
          g_assert_cmpstr (fetch->body_structure->type, ==, "text");
          g_assert_cmpstr (fetch->body_structure->subtype, ==, "plain");
          g_assert_cmpstr (pf_imap_body_structure_get_param (fetch->body_structure, "charset"),
                           ==, "utf-8");
        }

      /* BODY.PEEK[HEADER.FIELDS (SUBJECT)]: the header as delivered. */
      body = pf_imap_fetch_get_body (fetch, "HEADER.FIELDS (SUBJECT)");
      g_assert_nonnull (body);
      g_assert_nonnull (body->data);
      g_assert_cmpmem (g_bytes_get_data (body->data, NULL), g_bytes_get_size (body->data),
                       header, strlen (header));
    }

  /* BODY.PEEK[]: what was delivered, behind the headers the server adds. */
  for (guint i = 0; i < 3; i++)
    {
      const char *sent = messages->pdata[i];
      gsize sent_length = strlen (sent);
      gsize length;
      const char *data;

      whole = fetch_body_sync (fixture, session, i + 1, "", 0, 0);
      data = g_bytes_get_data (whole, &length);
      g_assert_cmpuint (length, >=, sent_length);
      g_assert_cmpmem (data + length - sent_length, sent_length, sent, sent_length);
      g_clear_pointer (&whole, g_bytes_unref);
    }

  /* The same three pipelined: the server may answer a later command's
   * FETCH before an earlier command's OK; each must get its own message. */
  {
    GAsyncResult *results[3] = { NULL, NULL, NULL };

    for (guint i = 0; i < 3; i++)
      pf_imap_session_fetch_body_async (session, 3 - i, "", 0, 0, NULL, store_result_cb,
                                        &results[i]);
    while (results[0] == NULL || results[1] == NULL || results[2] == NULL)
      g_main_context_iteration (NULL, TRUE);
    for (guint i = 0; i < 3; i++)
      {
        const char *sent = messages->pdata[2 - i];
        gsize sent_length = strlen (sent);
        g_autoptr(GError) error = NULL;
        gsize length;
        const char *data;

        whole = pf_imap_session_fetch_body_finish (session, results[i], &error);
        g_assert_no_error (error);
        data = g_bytes_get_data (whole, &length);
        g_assert_cmpuint (length, >=, sent_length);
        g_assert_cmpmem (data + length - sent_length, sent_length, sent, sent_length);
        g_clear_pointer (&whole, g_bytes_unref);
        g_clear_object (&results[i]);
      }
  }

  /* A part, and a partial fetch of it. */
  part = fetch_body_sync (fixture, session, 2, "1", 0, 0);
  g_assert_cmpmem (g_bytes_get_data (part, NULL), g_bytes_get_size (part),
                   "Anbei die Rechnung.", strlen ("Anbei die Rechnung."));
  partial = fetch_body_sync (fixture, session, 2, "1", 6, 3);
  g_assert_cmpmem (g_bytes_get_data (partial, NULL), g_bytes_get_size (partial), "die", 3);

  /* Peeking left the messages unread. */
  events_reset (&events);
  fetch_sync (fixture, session, "1:*", PF_IMAP_FETCH_FLAGS, NULL, 0, &events);
  g_assert_cmpuint (events.fetches->len, ==, 3);
  for (guint i = 0; i < events.fetches->len; i++)
    g_assert_false (has_flag (((PfImapFetch *) events.fetches->pdata[i])->flags, "\\Seen"));

  unselect_sync (fixture, session);
  logout (fixture, session);
  events_clear (&events);
}

static void
test_starttls_select_fetch (Fixture       *fixture,
                            gconstpointer  data)
{
  check_select_fetch (fixture, "imap", PF_NET_SECURITY_STARTTLS);
}

static void
test_tls_select_fetch (Fixture       *fixture,
                       gconstpointer  data)
{
  check_select_fetch (fixture, "imaps", PF_NET_SECURITY_TLS);
}

static void
test_id_enable_namespace (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(GHashTable) server = NULL;
  g_autoptr(GHashTable) client = NULL;
  g_autoptr(PfImapNamespaces) namespaces = NULL;
  g_auto(GStrv) enabled = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *const extensions[] = { "CONDSTORE", "QRESYNC", "UTF8=ACCEPT", NULL };
  PfImapNamespace *personal;

  session = connect_session (fixture, "imaps", PF_NET_SECURITY_TLS);

  /* ID with the defaults, then with fields of the caller. */
  pf_imap_session_id_async (session, NULL, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  server = pf_imap_session_id_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (server, "name"), ==, "Dovecot");
  g_clear_object (&result);
  g_clear_pointer (&server, g_hash_table_unref);

  client = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (client, (gpointer) "name", (gpointer) "Postfach \"Test\"");
  g_hash_table_insert (client, (gpointer) "os", (gpointer) "Debian");
  pf_imap_session_id_async (session, client, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  server = pf_imap_session_id_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (server, "name"), ==, "Dovecot");
  g_clear_object (&result);

  /* Dovecot 2.3 has no UTF8=ACCEPT: it is not even asked for. */
  g_assert_false (pf_imap_session_is_enabled (session, "QRESYNC"));
  enabled = enable_sync (fixture, session, extensions);
  g_assert_true (g_strv_contains ((const char *const *) enabled, "CONDSTORE"));
  g_assert_true (g_strv_contains ((const char *const *) enabled, "QRESYNC"));
  g_assert_false (g_strv_contains ((const char *const *) enabled, "UTF8=ACCEPT"));
  g_assert_true (pf_imap_session_is_enabled (session, "qresync"));
  g_assert_true (pf_imap_session_is_enabled (session, "CONDSTORE"));
  g_assert_false (pf_imap_session_is_enabled (session, "UTF8=ACCEPT"));

  pf_imap_session_namespace_async (session, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  namespaces = pf_imap_session_namespace_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (namespaces);
  g_assert_cmpuint (namespaces->personal->len, ==, 1);
  personal = namespaces->personal->pdata[0];
  g_assert_cmpstr (personal->prefix, ==, "");
  g_assert_cmpint (personal->delimiter, ==, '.');
  g_assert_cmpuint (namespaces->other->len, ==, 0);
  g_assert_cmpuint (namespaces->shared->len, ==, 0);
  g_clear_object (&result);

  /* ENABLE is only for the authenticated state (RFC 5161 §3.1). */
  g_clear_pointer (&enabled, g_strfreev);
  {
    g_autoptr(PfImapSelectResult) select = select_sync (fixture, session, "INBOX");

    pf_imap_session_enable_async (session, extensions, NULL, on_done_cb, fixture);
    result = wait_result (fixture);
    g_assert_null (pf_imap_session_enable_finish (session, result, &error));
    g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_STATE);
  }

  logout (fixture, session);
}

static void
test_list (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) plain = NULL;
  g_autoptr(GPtrArray) subscribed = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *folder = folder_name (fixture, "Abo");
  const struct
  {
    const char              *name;
    PfImapMailboxAttributes  special_use;
  } expected[] = {
    { "INBOX", 0 },
    { "Sent", PF_IMAP_MAILBOX_SENT },
    { "Drafts", PF_IMAP_MAILBOX_DRAFTS },
    { "Trash", PF_IMAP_MAILBOX_TRASH },
    { "Junk", PF_IMAP_MAILBOX_JUNK },
    { "Archive", PF_IMAP_MAILBOX_ARCHIVE },
  };
  const PfImapMailboxAttributes special_uses = PF_IMAP_MAILBOX_SENT | PF_IMAP_MAILBOX_DRAFTS |
                                               PF_IMAP_MAILBOX_TRASH | PF_IMAP_MAILBOX_JUNK |
                                               PF_IMAP_MAILBOX_ARCHIVE | PF_IMAP_MAILBOX_ALL |
                                               PF_IMAP_MAILBOX_FLAGGED;

  session = connect_session (fixture, "imap", PF_NET_SECURITY_STARTTLS);

  items = list_sync (fixture, session, "*", PF_IMAP_LIST_STATUS);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      PfImapListItem *item = find_item (items, expected[i].name);

      g_assert_nonnull (item);
      g_assert_cmpint (item->entry->delimiter, ==, '.');
      g_assert_cmpint (item->entry->attributes & special_uses, ==, expected[i].special_use);
      g_assert_true (item->entry->attributes & PF_IMAP_MAILBOX_HAS_NO_CHILDREN);
      g_assert_cmpint (item->entry->is_inbox, ==, i == 0);

      /* LIST-STATUS: the status came with the list. */
      g_assert_nonnull (item->status);
      g_assert_cmpstr (item->status->mailbox, ==, expected[i].name);
      g_assert_true (item->status->fields & PF_IMAP_STATUS_MESSAGES);
      g_assert_true (item->status->fields & PF_IMAP_STATUS_UIDNEXT);
      g_assert_true (item->status->fields & PF_IMAP_STATUS_UNSEEN);
      g_assert_true (item->status->fields & PF_IMAP_STATUS_HIGHESTMODSEQ);
      g_assert_cmpuint (item->status->uidvalidity, !=, 0);
    }

  /* Without the flag, no status. */
  plain = list_sync (fixture, session, "%", PF_IMAP_LIST_NONE);
  g_assert_nonnull (find_item (plain, "Sent"));
  g_assert_null (find_item (plain, "Sent")->status);
  g_assert_true (find_item (plain, "Sent")->entry->attributes & PF_IMAP_MAILBOX_SENT);

  /* SUBSCRIBE and UNSUBSCRIBE, seen through LSUB. */
  create_sync (fixture, session, folder);
  pf_imap_session_subscribe_async (session, folder, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_session_subscribe_finish (session, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  pf_imap_session_lsub_async (session, "", "*", NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  subscribed = pf_imap_session_lsub_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (find_item (subscribed, folder));
  g_assert_nonnull (find_item (subscribed, "Sent"));
  g_assert_null (find_item (subscribed, folder)->status);
  g_clear_object (&result);
  g_clear_pointer (&subscribed, g_ptr_array_unref);

  pf_imap_session_unsubscribe_async (session, folder, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_session_unsubscribe_finish (session, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  pf_imap_session_lsub_async (session, "", "*", NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  subscribed = pf_imap_session_lsub_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_null (find_item (subscribed, folder));

  logout (fixture, session);
}

static void
test_folders_umlaut (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfImapMailboxStatus) status = NULL;
  const char *name = "Entwürfe 2026";
  const char *renamed = "Entwürfe 2026 – älter";
  PfImapListItem *item;

  session = connect_session (fixture, "imaps", PF_NET_SECURITY_TLS);

  /* Left over from an aborted run? */
  for (guint i = 0; i < 2; i++)
    {
      pf_imap_session_delete_async (session, i == 0 ? name : renamed, NULL, on_done_cb, fixture);
      result = wait_result (fixture);
      pf_imap_session_delete_finish (session, result, NULL);
      g_clear_object (&result);
    }
  g_ptr_array_add (fixture->folders, g_strdup (name));
  g_ptr_array_add (fixture->folders, g_strdup (renamed));

  /* Dovecot 2.3 has no CREATE-SPECIAL-USE: the attribute is dropped. */
  pf_imap_session_create_async (session, name, PF_IMAP_MAILBOX_DRAFTS, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_session_create_finish (session, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  /* Creating it twice: NO with the server's text and [ALREADYEXISTS]. */
  pf_imap_session_create_async (session, name, 0, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_false (pf_imap_session_create_finish (session, result, &error));
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_NO);
  g_assert_cmpstr (pf_imap_error_get_response_code (error), ==, "ALREADYEXISTS");
  g_assert_nonnull (strstr (error->message, name));
  g_clear_error (&error);
  g_clear_object (&result);

  items = list_sync (fixture, session, "Entw*", PF_IMAP_LIST_NONE);
  item = find_item (items, name);
  g_assert_nonnull (item);
  /* Modified UTF-7 on the wire (RFC 3501 §5.1.3). */
  g_assert_cmpstr (item->entry->raw_name, ==, "Entw&APw-rfe 2026");
  g_clear_pointer (&items, g_ptr_array_unref);

  status = status_sync (fixture, session, name);
  g_assert_cmpstr (status->mailbox, ==, name);
  g_assert_cmpuint (status->messages, ==, 0);

  pf_imap_session_rename_async (session, name, renamed, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_session_rename_finish (session, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  items = list_sync (fixture, session, "Entw*", PF_IMAP_LIST_NONE);
  g_assert_null (find_item (items, name));
  g_assert_nonnull (find_item (items, renamed));
  g_clear_pointer (&items, g_ptr_array_unref);

  pf_imap_session_delete_async (session, renamed, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_session_delete_finish (session, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  items = list_sync (fixture, session, "Entw*", PF_IMAP_LIST_NONE);
  g_assert_null (find_item (items, renamed));

  logout (fixture, session);
}

static void
test_status (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(PfImapMailboxStatus) before = NULL;
  g_autoptr(PfImapMailboxStatus) status = NULL;
  const char *folder = folder_name (fixture, "Status");

  session = connect_session (fixture, "imaps", PF_NET_SECURITY_TLS);
  create_sync (fixture, session, folder);
  before = status_sync (fixture, session, folder);
  g_assert_cmpuint (before->messages, ==, 0);
  g_assert_cmpuint (before->uidnext, ==, 1);
  g_assert_cmpuint (before->uidvalidity, !=, 0);
  g_assert_true (before->fields & PF_IMAP_STATUS_HIGHESTMODSEQ);

  /* deliver_into() creates the folder itself: use another. */
  messages = deliver_into (fixture, session, folder_name (fixture, "Status2"), 4);
  status = status_sync (fixture, session, g_ptr_array_index (fixture->folders, 1));
  g_assert_cmpuint (status->messages, ==, 4);
  g_assert_cmpuint (status->unseen, ==, 4);
  g_assert_cmpuint (status->uidnext, ==, 5);
  g_assert_cmpuint (status->uidvalidity, !=, 0);
  g_assert_cmpuint (status->highestmodseq, >, 0);
  g_assert_cmpuint (status->fields & (PF_IMAP_STATUS_MESSAGES | PF_IMAP_STATUS_UNSEEN |
                                      PF_IMAP_STATUS_UIDNEXT | PF_IMAP_STATUS_UIDVALIDITY),
                    ==, PF_IMAP_STATUS_MESSAGES | PF_IMAP_STATUS_UNSEEN |
                        PF_IMAP_STATUS_UIDNEXT | PF_IMAP_STATUS_UIDVALIDITY);

  logout (fixture, session);
}

static void
test_search_store (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(PfImapSelectResult) select = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autoptr(GArray) modified = NULL;
  const char *folder = folder_name (fixture, "Suche");
  const char *const seen[] = { "\\Seen", NULL };
  const char *const flagged[] = { "\\Flagged", "$Wichtig", NULL };
  const char *const none[] = { NULL };
  const char *const bad[] = { "\\Seen)", NULL };
  PfImapFetch *fetch;
  guint64 old_modseq;
  Events events;
  Events changes;

  events_init (&events);
  events_init (&changes);
  session = connect_session (fixture, "imaps", PF_NET_SECURITY_TLS);
  connect_signals (session, &changes);
  messages = deliver_into (fixture, session, folder, 3);
  select = select_sync (fixture, session, folder);

  /* By subject: an ASCII token, an 8-bit word (CHARSET UTF-8, literal). */
  {
    g_autofree char *second = g_strdup_printf ("%s 1", fixture->token);
    const char *by_token[] = { second, NULL };
    const char *by_umlaut[] = { "Köln", NULL };
    const char *by_both[] = { "Grüße", fixture->token, NULL };
    const char *nothing[] = { "Düsseldorf", NULL };

    uids = search_sync (fixture, session, "SUBJECT ?", by_token);
    g_assert_cmpuint (uids->len, ==, 1);
    g_assert_cmpuint (g_array_index (uids, guint32, 0), ==, 2);
    g_clear_pointer (&uids, g_array_unref);

    uids = search_sync (fixture, session, "SUBJECT ?", by_umlaut);
    g_assert_cmpuint (uids->len, ==, 3);
    for (guint i = 0; i < 3; i++)
      g_assert_cmpuint (g_array_index (uids, guint32, i), ==, i + 1);
    g_clear_pointer (&uids, g_array_unref);

    uids = search_sync (fixture, session, "SUBJECT ? SUBJECT ? NOT DELETED", by_both);
    g_assert_cmpuint (uids->len, ==, 3);
    g_clear_pointer (&uids, g_array_unref);

    uids = search_sync (fixture, session, "SUBJECT ?", nothing);
    g_assert_cmpuint (uids->len, ==, 0);
    g_clear_pointer (&uids, g_array_unref);
  }

  uids = search_sync (fixture, session, "UNSEEN", NULL);
  g_assert_cmpuint (uids->len, ==, 3);
  g_clear_pointer (&uids, g_array_unref);

  /* STORE +FLAGS \Seen, then FETCH FLAGS. */
  modified = store_sync (fixture, session, "2", PF_IMAP_STORE_ADD, seen, 0);
  g_assert_cmpuint (modified->len, ==, 0);
  g_clear_pointer (&modified, g_array_unref);
  /* CONDSTORE: the new MODSEQ came as unsolicited FETCH. */
  g_assert_cmpuint (changes.fetches->len, >=, 1);
  g_assert_cmpuint (((PfImapFetch *) changes.fetches->pdata[0])->uid, ==, 2);

  fetch_sync (fixture, session, "1:*", PF_IMAP_SESSION_FETCH_FLAGS, NULL, 0, &events);
  g_assert_cmpuint (events.fetches->len, ==, 3);
  g_assert_false (has_flag (find_fetch (events.fetches, 1)->flags, "\\Seen"));
  g_assert_true (has_flag (find_fetch (events.fetches, 2)->flags, "\\Seen"));
  g_assert_false (has_flag (find_fetch (events.fetches, 3)->flags, "\\Seen"));
  old_modseq = find_fetch (events.fetches, 1)->modseq;

  uids = search_sync (fixture, session, "UNSEEN", NULL);
  g_assert_cmpuint (uids->len, ==, 2);
  g_assert_cmpuint (g_array_index (uids, guint32, 0), ==, 1);
  g_assert_cmpuint (g_array_index (uids, guint32, 1), ==, 3);
  g_clear_pointer (&uids, g_array_unref);

  /* A keyword, and FLAGS replacing everything. */
  modified = store_sync (fixture, session, "1,3", PF_IMAP_STORE_ADD, flagged, 0);
  g_clear_pointer (&modified, g_array_unref);
  modified = store_sync (fixture, session, "3", PF_IMAP_STORE_REPLACE, none, 0);
  g_clear_pointer (&modified, g_array_unref);
  modified = store_sync (fixture, session, "2", PF_IMAP_STORE_REMOVE, seen, 0);
  g_clear_pointer (&modified, g_array_unref);

  events_reset (&events);
  fetch_sync (fixture, session, "1:3", PF_IMAP_SESSION_FETCH_FLAGS, NULL, 0, &events);
  fetch = find_fetch (events.fetches, 1);
  g_assert_true (has_flag (fetch->flags, "\\Flagged"));
  g_assert_true (has_flag (fetch->flags, "$Wichtig"));
  g_assert_false (has_flag (find_fetch (events.fetches, 2)->flags, "\\Seen"));
  g_assert_false (has_flag (find_fetch (events.fetches, 3)->flags, "\\Flagged"));

  /* UNCHANGEDSINCE the MODSEQ of message 1: message 2 changed later and
   * is left alone. */
  modified = store_sync (fixture, session, "1:2", PF_IMAP_STORE_ADD, seen,
                         find_fetch (events.fetches, 1)->modseq);
  g_assert_cmpuint (modified->len, ==, 1);
  g_assert_cmpuint (g_array_index (modified, guint32, 0), ==, 2);
  g_assert_cmpuint (old_modseq, <, find_fetch (events.fetches, 1)->modseq);
  g_clear_pointer (&modified, g_array_unref);

  /* A flag that would break the command is refused before sending. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;

    pf_imap_session_store_async (session, "1", PF_IMAP_STORE_ADD, bad, 0, NULL,
                                 on_done_cb, fixture);
    result = wait_result (fixture);
    g_assert_false (pf_imap_session_store_finish (session, result, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_object (&result);
    g_clear_error (&error);

    pf_imap_session_search_async (session, "SUBJECT ? ?", seen, NULL, on_done_cb, fixture);
    result = wait_result (fixture);
    g_assert_null (pf_imap_session_search_finish (session, result, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }

  unselect_sync (fixture, session);
  logout (fixture, session);
  events_clear (&events);
  events_clear (&changes);
}

static void
test_copy_move (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(PfImapSelectResult) select = NULL;
  g_autoptr(PfImapCopyUid) copied = NULL;
  g_autoptr(PfImapCopyUid) moved = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GArray) left = NULL;
  g_autoptr(GError) error = NULL;
  const char *source = folder_name (fixture, "Quelle");
  const char *target = folder_name (fixture, "Ziel");
  Events events;
  Events changes;

  events_init (&events);
  events_init (&changes);
  session = connect_session (fixture, "imaps", PF_NET_SECURITY_TLS);
  messages = deliver_into (fixture, session, source, 3);
  create_sync (fixture, session, target);
  select = select_sync (fixture, session, source);
  connect_signals (session, &changes);

  /* COPY with COPYUID (RFC 4315). */
  pf_imap_session_copy_async (session, "1,3", target, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_session_copy_finish (session, result, &copied, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_nonnull (copied);
  g_assert_cmpuint (copied->uidvalidity, !=, 0);
  g_assert_cmpuint (copied->source_uids->len, ==, 2);
  g_assert_cmpuint (pf_imap_copy_uid_lookup (copied, 1), ==, 1);
  g_assert_cmpuint (pf_imap_copy_uid_lookup (copied, 3), ==, 2);
  g_assert_cmpuint (pf_imap_copy_uid_lookup (copied, 2), ==, 0);

  /* COPY to a folder that does not exist: NO [TRYCREATE]. */
  pf_imap_session_copy_async (session, "1", "Gibt es nicht", NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_false (pf_imap_session_copy_finish (session, result, NULL, &error));
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_NO);
  g_assert_cmpstr (pf_imap_error_get_response_code (error), ==, "TRYCREATE");
  g_clear_error (&error);
  g_clear_object (&result);

  /* MOVE with COPYUID; the source loses the message. */
  moved = move_sync (fixture, session, "2", target);
  g_assert_nonnull (moved);
  g_assert_cmpuint (moved->uidvalidity, ==, copied->uidvalidity);
  g_assert_cmpuint (pf_imap_copy_uid_lookup (moved, 2), ==, 3);
  g_assert_cmpuint (changes.expunged->len + changes.vanished->len, ==, 1);
  g_assert_cmpuint (pf_imap_session_get_exists (session), ==, 2);

  left = search_sync (fixture, session, "ALL", NULL);
  g_assert_cmpuint (left->len, ==, 2);
  g_assert_cmpuint (g_array_index (left, guint32, 0), ==, 1);
  g_assert_cmpuint (g_array_index (left, guint32, 1), ==, 3);

  /* The moved message in the target, under its new UID. */
  unselect_sync (fixture, session);
  g_clear_pointer (&select, pf_imap_select_result_free);
  select = select_sync (fixture, session, target);
  g_assert_cmpuint (select->exists, ==, 3);
  g_assert_cmpuint (select->uidvalidity, ==, moved->uidvalidity);
  fetch_sync (fixture, session, "3", PF_IMAP_FETCH_ENVELOPE, NULL, 0, &events);
  g_assert_cmpuint (events.fetches->len, ==, 1);
  {
    g_autofree char *subject = g_strdup_printf (GERMAN_SUBJECT " %s 1", fixture->token);

    g_assert_cmpstr (((PfImapFetch *) events.fetches->pdata[0])->envelope->subject, ==, subject);
  }

  unselect_sync (fixture, session);
  logout (fixture, session);
  events_clear (&events);
  events_clear (&changes);
}

static void
test_append (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(PfImapSelectResult) select = NULL;
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GTimeZone) zone = NULL;
  g_autofree char *message = NULL;
  const char *folder = folder_name (fixture, "Gesendet");
  const char *const flags[] = { "\\Seen", "\\Flagged", "$Entwurf", NULL };
  PfImapFetch *fetch;
  guint32 uid;
  Events events;

  events_init (&events);
  session = connect_session (fixture, "imaps", PF_NET_SECURITY_TLS);
  create_sync (fixture, session, folder);

  message = g_strdup_printf ("From: alice@example.test\r\n"
                             "To: bob@example.test\r\n"
                             "Subject: =?UTF-8?Q?Gesendet_=C3=BCber_IMAP?= %s\r\n"
                             "Message-ID: <append-%s@example.test>\r\n"
                             "\r\n"
                             "Gruß\r\n", fixture->token, fixture->token);
  zone = g_time_zone_new_identifier ("+05:30");
  date = g_date_time_new (zone, 2026, 1, 5, 9, 3, 7);

  /* In the authenticated state, APPENDUID (RFC 4315). */
  uid = append_sync (fixture, session, folder, flags, date, message);
  g_assert_cmpuint (uid, ==, 1);

  select = select_sync (fixture, session, folder);
  g_assert_cmpuint (select->exists, ==, 1);

  /* In the selected state, to the selected folder: EXISTS follows. */
  g_assert_cmpuint (append_sync (fixture, session, folder, NULL, NULL, message), ==, 2);
  g_assert_cmpuint (pf_imap_session_get_exists (session), ==, 2);

  fetch_sync (fixture, session, "1", PF_IMAP_FETCH_FLAGS | PF_IMAP_FETCH_INTERNALDATE |
              PF_IMAP_FETCH_ENVELOPE, NULL, 0, &events);
  g_assert_cmpuint (events.fetches->len, ==, 1);
  fetch = events.fetches->pdata[0];
  g_assert_cmpuint (fetch->uid, ==, uid);
  g_assert_true (has_flag (fetch->flags, "\\Seen"));
  g_assert_true (has_flag (fetch->flags, "\\Flagged"));
  g_assert_true (has_flag (fetch->flags, "$Entwurf"));
  g_assert_nonnull (fetch->internal_date);
  g_assert_cmpint (g_date_time_to_unix (fetch->internal_date), ==, g_date_time_to_unix (date));
  {
    g_autofree char *subject = g_strdup_printf ("Gesendet über IMAP %s", fixture->token);

    g_assert_cmpstr (fetch->envelope->subject, ==, subject);
  }

  body = fetch_body_sync (fixture, session, uid, "", 0, 0);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                   message, strlen (message));

  unselect_sync (fixture, session);
  logout (fixture, session);
  events_clear (&events);
}

static void
test_stream (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(PfImapSelectResult) select = NULL;
  g_autoptr(GString) message = NULL;
  g_autoptr(GBytes) body = NULL;
  const char *folder = folder_name (fixture, "Gross");
  const PfImapFetchBody *item;
  Events events;

  events_init (&events);
  session = connect_session (fixture, "imaps", PF_NET_SECURITY_TLS);
  create_sync (fixture, session, folder);

  message = g_string_new ("From: alice@example.test\r\nSubject: Gross\r\n\r\n");
  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (message, "Zeile %05u: Lorem ipsum dolor sit amet.\r\n", i);
  append_sync (fixture, session, folder, NULL, NULL, message->str);
  select = select_sync (fixture, session, folder);

  /* Above the threshold the body streams through the chunk function. */
  pf_imap_session_set_literal_stream_threshold (session, 16 * 1024);
  fetch_sync (fixture, session, "1", PF_IMAP_FETCH_RFC822_SIZE, "BODY.PEEK[]", 0, &events);
  g_assert_cmpuint (events.fetches->len, ==, 1);
  item = pf_imap_fetch_get_body (events.fetches->pdata[0], "");
  g_assert_nonnull (item);
  g_assert_true (item->streamed);
  g_assert_null (item->data);
  g_assert_cmpuint (item->size, ==, message->len);
  g_assert_cmpuint (events.n_chunks, >, 1);
  g_assert_cmpmem (events.streamed->data, events.streamed->len, message->str, message->len);

  /* fetch_body gathers the pieces. */
  body = fetch_body_sync (fixture, session, 1, "", 0, 0);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                   message->str, message->len);

  /* The message is gone: no data, no error from the server. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;

    pf_imap_session_fetch_body_async (session, 99, "", 0, 0, NULL, on_done_cb, fixture);
    result = wait_result (fixture);
    g_assert_null (pf_imap_session_fetch_body_finish (session, result, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  }

  unselect_sync (fixture, session);
  logout (fixture, session);
  events_clear (&events);
}

static void
on_idle_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static gboolean
on_flag_timeout_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_idle (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(PfImapSession) other = NULL;
  g_autoptr(PfImapSelectResult) select = NULL;
  g_autoptr(GAsyncResult) idle_result = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  const char *folder = folder_name (fixture, "Idle");
  gboolean waited;
  Events changes;

  events_init (&changes);
  session = connect_session (fixture, "imaps", PF_NET_SECURITY_TLS);
  other = connect_session (fixture, "imap", PF_NET_SECURITY_STARTTLS);
  create_sync (fixture, session, folder);
  select = select_sync (fixture, session, folder);
  g_assert_cmpuint (select->exists, ==, 0);
  connect_signals (session, &changes);

  pf_imap_session_idle_async (session, NULL, on_idle_done_cb, &idle_result);
  WAIT_UNTIL (pf_imap_session_is_idling (session));

  /* A second connection appends: EXISTS arrives during the IDLE. */
  message = g_strdup_printf ("From: bob@example.test\r\nSubject: Neu %s\r\n\r\nHallo\r\n",
                             fixture->token);
  append_sync (fixture, other, folder, NULL, NULL, message);
  WAIT_UNTIL (changes.exists->len > 0);
  g_assert_true (pf_imap_session_is_idling (session));
  g_assert_cmpuint (g_array_index (changes.exists, guint32, 0), ==, 1);
  g_assert_cmpuint (pf_imap_session_get_exists (session), ==, 1);

  pf_imap_session_idle_done (session);
  g_assert_false (pf_imap_session_is_idling (session));
  WAIT_UNTIL (idle_result != NULL);
  g_assert_true (pf_imap_session_idle_finish (session, idle_result, &error));
  g_assert_no_error (error);
  g_clear_object (&idle_result);
  g_assert_cmpint (pf_imap_session_get_state (session), ==, PF_IMAP_STATE_SELECTED);

  /* A command started during IDLE ends it first. */
  pf_imap_session_idle_async (session, NULL, on_idle_done_cb, &idle_result);
  WAIT_UNTIL (pf_imap_session_is_idling (session));
  boolean_sync (fixture, session, pf_imap_session_noop_async, pf_imap_session_noop_finish);
  g_assert_nonnull (idle_result);
  g_assert_true (pf_imap_session_idle_finish (session, idle_result, &error));
  g_assert_no_error (error);
  g_clear_object (&idle_result);

  /* Cancelling ends it as well, even before the server accepted it. */
  cancellable = g_cancellable_new ();
  pf_imap_session_idle_async (session, cancellable, on_idle_done_cb, &idle_result);
  g_cancellable_cancel (cancellable);
  WAIT_UNTIL (idle_result != NULL);
  g_assert_false (pf_imap_session_idle_finish (session, idle_result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&idle_result);
  g_assert_false (pf_imap_session_is_idling (session));

  /* The connection is fine afterwards. */
  boolean_sync (fixture, session, pf_imap_session_noop_async, pf_imap_session_noop_finish);

  /* A quiet IDLE outlasts the command timeout. */
  pf_imap_session_set_command_timeout (session, 1);
  pf_imap_session_idle_async (session, NULL, on_idle_done_cb, &idle_result);
  WAIT_UNTIL (pf_imap_session_is_idling (session));
  waited = FALSE;
  g_timeout_add_seconds (3, on_flag_timeout_cb, &waited);
  WAIT_UNTIL (waited);
  g_assert_true (pf_imap_session_is_idling (session));
  pf_imap_session_idle_done (session);
  WAIT_UNTIL (idle_result != NULL);
  g_assert_true (pf_imap_session_idle_finish (session, idle_result, &error));
  g_assert_no_error (error);
  g_clear_object (&idle_result);
  pf_imap_session_set_command_timeout (session, 60);
  boolean_sync (fixture, session, pf_imap_session_noop_async, pf_imap_session_noop_finish);

  unselect_sync (fixture, session);
  logout (fixture, other);
  logout (fixture, session);
  events_clear (&changes);
}

static void
test_qresync (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(PfImapSession) other = NULL;
  g_autoptr(PfImapSelectResult) first = NULL;
  g_autoptr(PfImapSelectResult) second = NULL;
  g_autoptr(PfImapSelectResult) third = NULL;
  g_autoptr(PfImapSelectResult) other_select = NULL;
  g_autoptr(GArray) modified = NULL;
  g_auto(GStrv) enabled = NULL;
  g_autofree char *known = NULL;
  const char *folder = folder_name (fixture, "Qresync");
  const char *const extensions[] = { "QRESYNC", NULL };
  const char *const flagged[] = { "\\Flagged", NULL };
  const char *const deleted[] = { "\\Deleted", NULL };
  guint32 uids[3];
  PfImapQresync qresync = { 0, };
  PfImapFetch *fetch;
  Events events;

  events_init (&events);
  session = connect_session (fixture, "imaps", PF_NET_SECURITY_TLS);
  other = connect_session (fixture, "imaps", PF_NET_SECURITY_TLS);
  enabled = enable_sync (fixture, session, extensions);
  g_assert_true (pf_imap_session_is_enabled (session, "QRESYNC"));

  create_sync (fixture, session, folder);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *message = g_strdup_printf ("From: bob@example.test\r\n"
                                                  "Subject: Q %s %u\r\n\r\nText\r\n",
                                                  fixture->token, i);

      uids[i] = append_sync (fixture, session, folder, NULL, NULL, message);
    }

  /* The client's cache: UIDVALIDITY and HIGHESTMODSEQ now. */
  first = select_sync (fixture, session, folder);
  g_assert_cmpuint (first->highestmodseq, >, 0);
  unselect_sync (fixture, session);

  /* Meanwhile another client flags one message and expunges another. */
  other_select = select_sync (fixture, other, folder);
  g_clear_pointer (&modified, g_array_unref);
  modified = store_sync (fixture, other, "2", PF_IMAP_STORE_ADD, flagged, 0);
  g_clear_pointer (&modified, g_array_unref);
  modified = store_sync (fixture, other, "3", PF_IMAP_STORE_ADD, deleted, 0);
  expunge_sync (fixture, other, "3");
  unselect_sync (fixture, other);

  /* Quick resync: exactly the expunged UID and the changed message. */
  known = g_strdup_printf ("%u:%u", uids[0], uids[2]);
  qresync.uidvalidity = first->uidvalidity;
  qresync.modseq = first->highestmodseq;
  qresync.known_uids = known;
  second = select_full (fixture, session, folder, PF_IMAP_SELECT_NONE, &qresync, &events, NULL);
  g_assert_nonnull (second);
  g_assert_true (second->qresync);
  g_assert_cmpuint (second->exists, ==, 2);
  g_assert_cmpuint (second->highestmodseq, >, first->highestmodseq);
  g_assert_cmpuint (events.vanished->len, ==, 1);
  g_assert_cmpuint (g_array_index (events.vanished, guint32, 0), ==, uids[2]);
  g_assert_true (events.vanished_earlier);
  g_assert_cmpuint (events.fetches->len, ==, 1);
  fetch = events.fetches->pdata[0];
  g_assert_cmpuint (fetch->uid, ==, uids[1]);
  g_assert_true (has_flag (fetch->flags, "\\Flagged"));
  g_assert_cmpuint (fetch->modseq, >, first->highestmodseq);

  /* The same with FETCH CHANGEDSINCE and the VANISHED modifier. */
  events_reset (&events);
  fetch_sync (fixture, session, "1:*", PF_IMAP_SESSION_FETCH_FLAGS, NULL,
              first->highestmodseq, &events);
  g_assert_cmpuint (events.fetches->len, ==, 1);
  g_assert_cmpuint (((PfImapFetch *) events.fetches->pdata[0])->uid, ==, uids[1]);
  g_assert_cmpuint (events.vanished->len, ==, 1);
  g_assert_cmpuint (g_array_index (events.vanished, guint32, 0), ==, uids[2]);

  /* Nothing changed since the last HIGHESTMODSEQ: nothing reported. */
  events_reset (&events);
  qresync.modseq = second->highestmodseq;
  third = select_full (fixture, session, folder, PF_IMAP_SELECT_READ_ONLY, &qresync, &events, NULL);
  g_assert_nonnull (third);
  g_assert_true (third->read_only);
  g_assert_true (pf_imap_session_is_read_only (session));
  g_assert_cmpuint (events.fetches->len, ==, 0);
  g_assert_cmpuint (events.vanished->len, ==, 0);

  unselect_sync (fixture, session);
  logout (fixture, other);
  logout (fixture, session);
  events_clear (&events);
}

static void
test_close_expunge (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(PfImapSelectResult) select = NULL;
  g_autoptr(GArray) modified = NULL;
  g_autoptr(GArray) left = NULL;
  const char *folder = folder_name (fixture, "Leeren");
  const char *const deleted[] = { "\\Deleted", NULL };
  Events changes;

  events_init (&changes);
  session = connect_session (fixture, "imaps", PF_NET_SECURITY_TLS);
  connect_signals (session, &changes);
  create_sync (fixture, session, folder);
  for (guint i = 0; i < 5; i++)
    append_sync (fixture, session, folder, NULL, NULL, "Subject: x\r\n\r\ny\r\n");

  select = select_sync (fixture, session, folder);
  g_assert_cmpuint (select->exists, ==, 5);
  boolean_sync (fixture, session, pf_imap_session_noop_async, pf_imap_session_noop_finish);
  boolean_sync (fixture, session, pf_imap_session_check_async, pf_imap_session_check_finish);

  /* UID EXPUNGE removes only the UIDs given, though more are \Deleted. */
  modified = store_sync (fixture, session, "1:3", PF_IMAP_STORE_ADD, deleted, 0);
  expunge_sync (fixture, session, "2");
  g_assert_cmpuint (changes.expunged->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes.expunged, guint32, 0), ==, 2);
  g_assert_cmpuint (pf_imap_session_get_exists (session), ==, 4);

  /* EXPUNGE removes the rest: sequence numbers 1 and 2 (UIDs 1 and 3). */
  expunge_sync (fixture, session, NULL);
  g_assert_cmpuint (changes.expunged->len, ==, 3);
  g_assert_cmpuint (pf_imap_session_get_exists (session), ==, 2);
  left = search_sync (fixture, session, "ALL", NULL);
  g_assert_cmpuint (left->len, ==, 2);
  g_assert_cmpuint (g_array_index (left, guint32, 0), ==, 4);
  g_assert_cmpuint (g_array_index (left, guint32, 1), ==, 5);

  /* CLOSE expunges silently. */
  g_clear_pointer (&modified, g_array_unref);
  modified = store_sync (fixture, session, "4", PF_IMAP_STORE_ADD, deleted, 0);
  boolean_sync (fixture, session, pf_imap_session_close_async, pf_imap_session_close_finish);
  g_assert_cmpint (pf_imap_session_get_state (session), ==, PF_IMAP_STATE_AUTHENTICATED);
  g_assert_null (pf_imap_session_get_selected (session));
  g_assert_cmpuint (changes.expunged->len, ==, 3);

  /* UNSELECT does not. */
  g_clear_pointer (&select, pf_imap_select_result_free);
  select = select_sync (fixture, session, folder);
  g_assert_cmpuint (select->exists, ==, 1);
  g_clear_pointer (&modified, g_array_unref);
  modified = store_sync (fixture, session, "5", PF_IMAP_STORE_ADD, deleted, 0);
  unselect_sync (fixture, session);
  g_clear_pointer (&select, pf_imap_select_result_free);
  select = select_sync (fixture, session, folder);
  g_assert_cmpuint (select->exists, ==, 1);

  unselect_sync (fixture, session);
  logout (fixture, session);
  events_clear (&changes);
}

static const char *
noop_tag (Fixture          *fixture,
          PfImapConnection *connection,
          char            **tag)
{
  g_autoptr(PfImapCommand) command = pf_imap_command_new ("NOOP", PF_IMAP_COMMAND_NONE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PfImapResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  pf_imap_connection_run_async (connection, command, NULL, NULL, NULL, NULL, NULL, NULL,
                                on_done_cb, fixture);
  result = wait_result (fixture);
  response = pf_imap_connection_run_finish (connection, result, &error);
  g_assert_no_error (error);
  *tag = g_strdup (pf_imap_response_get_tag (response));
  return *tag;
}

static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(PfImapSelectResult) select = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  Events events;

  events_init (&events);
  session = connect_session (fixture, "imaps", PF_NET_SECURITY_TLS);

  /* A failed SELECT leaves no mailbox selected, even after a good one. */
  select = select_sync (fixture, session, "INBOX");
  g_assert_cmpint (pf_imap_session_get_state (session), ==, PF_IMAP_STATE_SELECTED);
  g_assert_null (select_full (fixture, session, "Gibt es nicht", PF_IMAP_SELECT_NONE, NULL,
                              NULL, &error));
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_NO);
  g_assert_nonnull (pf_imap_error_get_server_text (error));
  g_assert_nonnull (strstr (error->message, pf_imap_error_get_server_text (error)));
  g_assert_nonnull (strstr (error->message, "Gibt es nicht"));
  g_assert_cmpint (pf_imap_session_get_state (session), ==, PF_IMAP_STATE_AUTHENTICATED);
  g_assert_null (pf_imap_session_get_selected (session));
  g_assert_cmpuint (pf_imap_session_get_exists (session), ==, 0);
  g_clear_error (&error);

  /* FETCH without a selected mailbox: refused, and nothing is sent, so
   * the NOOPs around it have consecutive tags. */
  noop_tag (fixture, pf_imap_session_get_connection (session), &before);
  pf_imap_session_fetch_async (session, "1:*", PF_IMAP_FETCH_FLAGS, NULL, 0, on_fetch_func,
                               NULL, NULL, &events, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_false (pf_imap_session_fetch_finish (session, result, &error));
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_STATE);
  g_clear_error (&error);
  g_clear_object (&result);
  noop_tag (fixture, pf_imap_session_get_connection (session), &after);
  g_assert_cmpuint (g_ascii_strtoull (before + 1, NULL, 10) + 1, ==,
                    g_ascii_strtoull (after + 1, NULL, 10));
  g_assert_cmpuint (events.fetches->len, ==, 0);

  /* The others that need a selected mailbox. */
  pf_imap_session_search_async (session, "ALL", NULL, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_null (pf_imap_session_search_finish (session, result, &error));
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_STATE);
  g_clear_error (&error);
  g_clear_object (&result);

  pf_imap_session_store_async (session, "1", PF_IMAP_STORE_ADD, NULL, 0, NULL,
                               on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_false (pf_imap_session_store_finish (session, result, NULL, &error));
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_STATE);
  g_clear_error (&error);
  g_clear_object (&result);

  pf_imap_session_close_async (session, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_false (pf_imap_session_close_finish (session, result, &error));
  g_assert_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_STATE);
  g_clear_error (&error);
  g_clear_object (&result);

  /* A UID set that is not one. */
  g_clear_pointer (&select, pf_imap_select_result_free);
  select = select_sync (fixture, session, "INBOX");
  pf_imap_session_fetch_async (session, "1 (BODY[])", PF_IMAP_FETCH_FLAGS, NULL, 0, NULL,
                               NULL, NULL, NULL, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_false (pf_imap_session_fetch_finish (session, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_clear_object (&result);

  unselect_sync (fixture, session);
  logout (fixture, session);
  events_clear (&events);
}

/* The scripted server: a server without MOVE, UNSELECT or the like. */

static PfImapSession *
connect_fake (Fixture      *fixture,
              PfFakeServer *server)
{
  g_autoptr(PfNetConnection) net = NULL;
  g_autoptr(PfImapConnection) connection = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  net = pf_net_connection_new (pf_fake_server_get_host (server), pf_fake_server_get_port (server),
                               PF_NET_SECURITY_NONE);
  pf_net_connection_set_timeout (net, 10);
  connection = pf_imap_connection_new (net);
  pf_imap_connection_open_async (connection, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_connection_open_finish (connection, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pf_imap_connection_get_state (connection), ==, PF_IMAP_STATE_AUTHENTICATED);

  return pf_imap_session_new (connection);
}

static void
check_fake_finished (PfFakeServer *server)
{
  pf_fake_server_wait_finished (server);
  g_assert_cmpstr (pf_fake_server_get_failure (server), ==, NULL);
}

static void
test_fake_move_fallback (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(PfImapSelectResult) select = NULL;
  g_autoptr(PfImapCopyUid) copy_uid = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Events changes;

  events_init (&changes);
  server = pf_fake_server_new_from_script (
    "S: * PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS] ready\n"
    "C: ^P1 SELECT INBOX$\n"
    "S: * 3 EXISTS\n"
    "S: * OK [UIDVALIDITY 7] ok\n"
    "S: P1 OK [READ-WRITE] done\n"
    "C: ^P2 UID COPY 5:6 Trash$\n"
    "S: P2 OK [COPYUID 9 5:6 20,22] copied\n"
    "C: ^P3 UID STORE 5:6 \\+FLAGS\\.SILENT \\(\\\\Deleted\\)$\n"
    "S: P3 OK stored\n"
    "C: ^P4 UID EXPUNGE 5:6$\n"
    "S: * 2 EXPUNGE\n"
    "S: * 2 EXPUNGE\n"
    "S: P4 OK expunged\n"
    "C: ^P5 LOGOUT$\n"
    "S: * BYE bye\n"
    "S: P5 OK done\n"
    "WAIT-CLOSE\n", &error);
  g_assert_no_error (error);
  session = connect_fake (fixture, server);
  connect_signals (session, &changes);

  select = select_full (fixture, session, "INBOX", PF_IMAP_SELECT_NONE, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (select->exists, ==, 3);
  g_assert_cmpuint (select->uidvalidity, ==, 7);
  g_assert_cmpuint (select->highestmodseq, ==, 0);

  copy_uid = move_sync (fixture, session, "5:6", "Trash");
  g_assert_nonnull (copy_uid);
  g_assert_cmpuint (copy_uid->uidvalidity, ==, 9);
  g_assert_cmpuint (pf_imap_copy_uid_lookup (copy_uid, 5), ==, 20);
  g_assert_cmpuint (pf_imap_copy_uid_lookup (copy_uid, 6), ==, 22);
  g_assert_cmpuint (changes.expunged->len, ==, 2);
  g_assert_cmpuint (pf_imap_session_get_exists (session), ==, 1);

  /* No UNSELECT and CLOSE not allowed: refused, nothing sent. */
  pf_imap_session_unselect_async (session, FALSE, NULL, on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_false (pf_imap_session_unselect_finish (session, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_cmpint (pf_imap_session_get_state (session), ==, PF_IMAP_STATE_SELECTED);

  logout (fixture, session);
  check_fake_finished (server);
  events_clear (&changes);
}

static void
test_fake_move_refused (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(PfImapSelectResult) select = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* Neither MOVE nor UIDPLUS: only with the caller's consent, with a plain
   * EXPUNGE; and without, nothing is copied at all. */
  server = pf_fake_server_new_from_script (
    "S: * PREAUTH [CAPABILITY IMAP4rev1 UNSELECT] ready\n"
    "C: ^P1 EXAMINE INBOX$\n"
    "S: * 2 EXISTS\n"
    "S: P1 OK [READ-ONLY] done\n"
    "C: ^P2 UID COPY 1 Trash$\n"
    "S: P2 OK copied\n"
    "C: ^P3 UID STORE 1 \\+FLAGS\\.SILENT \\(\\\\Deleted\\)$\n"
    "S: P3 OK stored\n"
    "C: ^P4 EXPUNGE$\n"
    "S: * 1 EXPUNGE\n"
    "S: P4 OK expunged\n"
    "C: ^P5 UNSELECT$\n"
    "S: P5 OK done\n"
    "C: ^P6 LOGOUT$\n"
    "S: * BYE bye\n"
    "S: P6 OK done\n"
    "WAIT-CLOSE\n", &error);
  g_assert_no_error (error);
  session = connect_fake (fixture, server);

  select = select_full (fixture, session, "INBOX", PF_IMAP_SELECT_READ_ONLY, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (select->read_only);
  g_assert_cmpuint (select->uidvalidity, ==, 0);

  pf_imap_session_move_async (session, "1", "Trash", PF_IMAP_MOVE_NONE, NULL,
                              on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_false (pf_imap_session_move_finish (session, result, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_clear_object (&result);

  pf_imap_session_move_async (session, "1", "Trash", PF_IMAP_MOVE_ALLOW_EXPUNGE_ALL, NULL,
                              on_done_cb, fixture);
  result = wait_result (fixture);
  g_assert_true (pf_imap_session_move_finish (session, result, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  unselect_sync (fixture, session);
  logout (fixture, session);
  check_fake_finished (server);
}

static void
test_fake_idle (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(PfFakeServer) server = NULL;
  g_autoptr(PfImapSession) session = NULL;
  g_autoptr(PfImapSelectResult) select = NULL;
  g_autoptr(GAsyncResult) idle_result = NULL;
  g_autoptr(GError) error = NULL;
  Events changes;

  /* Changes during IDLE in every form, and DONE only after "+". */
  events_init (&changes);
  server = pf_fake_server_new_from_script (
    "S: * PREAUTH [CAPABILITY IMAP4rev1 IDLE ENABLE QRESYNC CONDSTORE] ready\n"
    "C: ^P1 ENABLE QRESYNC$\n"
    "S: * ENABLED QRESYNC\n"
    "S: P1 OK enabled\n"
    "C: ^P2 SELECT INBOX \\(QRESYNC \\(5 10 1:9\\)\\)$\n"
    "S: * 9 EXISTS\n"
    "S: * OK [UIDVALIDITY 5] ok\n"
    "S: * OK [HIGHESTMODSEQ 20] ok\n"
    "S: * VANISHED (EARLIER) 3:4\n"
    "S: * 2 FETCH (UID 2 FLAGS (\\\\Seen) MODSEQ (15))\n"
    "S: P2 OK [READ-WRITE] done\n"
    "C: ^P3 IDLE$\n"
    "SLEEP 200\n"
    "S: + idling\n"
    "S: * 10 EXISTS\n"
    "S: * VANISHED 7\n"
    "S: * 1 FETCH (UID 1 FLAGS (\\\\Flagged) MODSEQ (25))\n"
    "S: * OK [HIGHESTMODSEQ 25] still here\n"
    "C: ^DONE$\n"
    "S: P3 OK idle done\n"
    "C: ^P4 LOGOUT$\n"
    "S: * BYE bye\n"
    "S: P4 OK done\n"
    "WAIT-CLOSE\n", &error);
  g_assert_no_error (error);
  session = connect_fake (fixture, server);
  connect_signals (session, &changes);

  {
    const char *const extensions[] = { "QRESYNC", NULL };
    g_auto(GStrv) enabled = enable_sync (fixture, session, extensions);
    PfImapQresync qresync = { 5, 10, "1:9" };
    Events events;

    g_assert_cmpuint (g_strv_length (enabled), ==, 1);
    events_init (&events);
    select = select_full (fixture, session, "INBOX", PF_IMAP_SELECT_NONE, &qresync, &events,
                          &error);
    g_assert_no_error (error);
    g_assert_true (select->qresync);
    g_assert_cmpuint (select->highestmodseq, ==, 20);
    g_assert_cmpuint (events.vanished->len, ==, 2);
    g_assert_cmpuint (events.fetches->len, ==, 1);
    g_assert_cmpuint (((PfImapFetch *) events.fetches->pdata[0])->modseq, ==, 15);
    /* An answer to the SELECT, not news. */
    g_assert_cmpuint (changes.vanished->len, ==, 0);
    events_clear (&events);
  }

  /* DONE asked for before the server accepted: sent after the "+". */
  pf_imap_session_idle_async (session, NULL, on_idle_done_cb, &idle_result);
  pf_imap_session_idle_done (session);
  WAIT_UNTIL (idle_result != NULL);
  g_assert_true (pf_imap_session_idle_finish (session, idle_result, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (changes.exists->len, ==, 1);
  g_assert_cmpuint (changes.vanished->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes.vanished, guint32, 0), ==, 7);
  g_assert_cmpuint (changes.fetches->len, ==, 1);
  g_assert_cmpuint (((PfImapFetch *) changes.fetches->pdata[0])->uid, ==, 1);
  g_assert_cmpuint (pf_imap_session_get_exists (session), ==, 9);
  g_assert_cmpuint (pf_imap_session_get_highest_modseq (session), ==, 25);

  logout (fixture, session);
  check_fake_finished (server);
  events_clear (&changes);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  /* The commands against the real Dovecot, over implicit TLS and again
   * over STARTTLS. */
#define ADD_BOTH(name, func) \
  g_test_add ("/imap/session/tls/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down); \
  g_test_add ("/imap/session/starttls/" name, Fixture, "starttls", fixture_set_up, func, fixture_tear_down)

  ADD ("/imap/session/starttls/select-fetch", test_starttls_select_fetch);
  ADD ("/imap/session/tls/select-fetch", test_tls_select_fetch);
  ADD_BOTH ("id-enable-namespace", test_id_enable_namespace);
  ADD_BOTH ("list", test_list);
  ADD_BOTH ("folders-umlaut", test_folders_umlaut);
  ADD_BOTH ("status", test_status);
  ADD_BOTH ("search-store", test_search_store);
  ADD_BOTH ("copy-move", test_copy_move);
  ADD_BOTH ("append", test_append);
  ADD_BOTH ("stream", test_stream);
  ADD_BOTH ("idle", test_idle);
  ADD_BOTH ("qresync", test_qresync);
  ADD_BOTH ("close-expunge", test_close_expunge);
  ADD_BOTH ("errors", test_errors);
  ADD ("/imap/session/fake/move-fallback", test_fake_move_fallback);
  ADD ("/imap/session/fake/move-refused", test_fake_move_refused);
  ADD ("/imap/session/fake/idle", test_fake_idle);

#undef ADD_BOTH
#undef ADD

  return g_test_run ();
}
