/* test-outbox-sender.c: the outbox's policy and states, without a server
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "../store/pf-store-test-util.h"
#include "net/pf-net-error.h"
#include "smtp/pf-smtp-error.h"
#include "sync/pf-outbox-sender.h"

#define MESSAGE "From: Alice <alice@example.test>\n"        \
                "To: bob@example.test\n"                    \
                "Bcc: carol@example.test\n"                 \
                "Subject: Test\n"                           \
                "Message-ID: <outbox-test@example.test>\n"  \
                "\n"                                        \
                "Hallo\n"

typedef struct
{
  char           *dir;
  PfStore        *store;
  PfAccount      *account;
  PfOutboxSender *sender;
  GAsyncResult   *result;
} Fixture;

static guint16
closed_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
setup (Fixture       *fixture,
       gconstpointer  data)
{
  PfAccountKind kind = GPOINTER_TO_INT (data);
  PfServerSettings *outgoing;
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("pf-outbox-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store = pf_store_new_sync (fixture->dir, NULL, &error);
  g_assert_no_error (error);

  fixture->account = pf_account_new (kind);
  pf_account_set_display_name (fixture->account, "Test");
  pf_account_set_address (fixture->account, "alice@example.test");
  pf_account_set_real_name (fixture->account, "Alice");
  outgoing = pf_account_get_outgoing (fixture->account);
  pf_server_settings_set_host (outgoing, "127.0.0.1");
  pf_server_settings_set_port (outgoing, closed_port ());
  pf_server_settings_set_security (outgoing, PF_SECURITY_TLS);
  pf_server_settings_set_username (outgoing, "alice@example.test");

  fixture->sender = pf_outbox_sender_new (fixture->store, fixture->account);
  pf_outbox_sender_set_secret (fixture->sender, PF_SECRET_SERVICE_SMTP, "secret");
}

static void
teardown (Fixture       *fixture,
          gconstpointer  data)
{
  g_clear_object (&fixture->sender);
  pf_store_close (fixture->store);
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->account);
  test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static void
result_cb (GObject      *object,
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

static gint64
queue (Fixture    *fixture,
       const char *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  pf_outbox_sender_queue_message_async (fixture->sender, bytes, NULL, result_cb, fixture);
  result = wait_result (fixture);
  id = pf_outbox_sender_queue_finish (fixture->sender, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static gboolean
send_all (Fixture             *fixture,
          PfOutboxSenderStats *stats,
          GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pf_outbox_sender_send_all_async (fixture->sender, NULL, result_cb, fixture);
  result = wait_result (fixture);
  return pf_outbox_sender_send_all_finish (fixture->sender, result, stats, error);
}

static PfStoreOutboxItem *
get_item (Fixture *fixture,
          gint64   id)
{
  g_autoptr(GError) error = NULL;
  PfStoreOutboxItem *item = pf_store_outbox_get (fixture->store, id, &error);

  g_assert_no_error (error);
  return item;
}

static void
test_retry_delay (void)
{
  g_assert_cmpuint (pf_outbox_retry_delay (0), ==, 60);
  g_assert_cmpuint (pf_outbox_retry_delay (1), ==, 60);
  g_assert_cmpuint (pf_outbox_retry_delay (2), ==, 120);
  g_assert_cmpuint (pf_outbox_retry_delay (3), ==, 240);
  g_assert_cmpuint (pf_outbox_retry_delay (6), ==, 1920);
  g_assert_cmpuint (pf_outbox_retry_delay (7), ==, 3600);
  g_assert_cmpuint (pf_outbox_retry_delay (1000), ==, 3600);
}

static GError *
smtp_error (PfSmtpError  code,
            guint        reply,
            const char  *text)
{
  GError *error = g_error_new_literal (PF_SMTP_ERROR, code, "The mail server refused it");

  if (reply != 0)
    pf_smtp_error_set_reply (error, reply, NULL, text);
  return error;
}

static void
test_permanent (void)
{
  struct
  {
    GError   *error;
    gboolean  permanent;
  } cases[] = {
    { smtp_error (PF_SMTP_ERROR_RECIPIENT_REFUSED, 550, "User unknown"), TRUE },
    /* Every recipient refused for now */
    { smtp_error (PF_SMTP_ERROR_RECIPIENT_REFUSED, 450, "Greylisted"), FALSE },
    { smtp_error (PF_SMTP_ERROR_MESSAGE_TOO_LARGE, 552, "Too big"), TRUE },
    { smtp_error (PF_SMTP_ERROR_MESSAGE_TOO_LARGE, 0, NULL), TRUE },
    { smtp_error (PF_SMTP_ERROR_AUTHENTICATION_FAILED, 535, "No"), TRUE },
    { smtp_error (PF_SMTP_ERROR_TEMPORARY, 421, "Busy"), FALSE },
    { smtp_error (PF_SMTP_ERROR_PERMANENT, 554, "Rejected"), TRUE },
    { smtp_error (PF_SMTP_ERROR_CONNECTION_LOST, 0, NULL), FALSE },
    { g_error_new_literal (PF_NET_ERROR, PF_NET_ERROR_CONNECTION_REFUSED, "x"), FALSE },
    { g_error_new_literal (PF_NET_ERROR, PF_NET_ERROR_TIMEOUT, "x"), FALSE },
    { g_error_new_literal (PF_NET_ERROR, PF_NET_ERROR_HOST_NOT_FOUND, "x"), FALSE },
    { g_error_new_literal (PF_NET_ERROR, PF_NET_ERROR_CERTIFICATE_UNTRUSTED, "x"), TRUE },
    { g_error_new_literal (PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE, "x"), TRUE },
    { g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "x"), TRUE },
    { g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "x"), FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %u: %s", i, cases[i].error->message);
      g_assert_cmpint (pf_outbox_error_is_permanent (cases[i].error), ==, cases[i].permanent);
      g_error_free (cases[i].error);
    }
}

static void
test_describe (void)
{
  g_autoptr(GError) with_reply = smtp_error (PF_SMTP_ERROR_PERMANENT, 554, "5.7.1 Spam");
  g_autoptr(GError) quoted = smtp_error (PF_SMTP_ERROR_PERMANENT, 550, "refused it");
  g_autoptr(GError) plain = g_error_new_literal (PF_NET_ERROR, PF_NET_ERROR_TIMEOUT, "Too slow");
  g_autofree char *a = pf_outbox_describe_error (with_reply);
  g_autofree char *b = pf_outbox_describe_error (quoted);
  g_autofree char *c = pf_outbox_describe_error (plain);

  g_assert_cmpstr (a, ==, "The mail server refused it: 554 5.7.1 Spam");
  /* The message quotes the server's text already */
  g_assert_cmpstr (b, ==, "The mail server refused it");
  g_assert_cmpstr (c, ==, "Too slow");
}

static void
test_queue (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(PfStoreOutboxItem) item = NULL;
  g_autofree char *contents = NULL;
  const char *const recipients[] = { "bob@example.test", "carol@example.test", NULL };
  gint64 id = queue (fixture, MESSAGE);

  item = get_item (fixture, id);
  g_assert_cmpint (item->state, ==, PF_STORE_OUTBOX_QUEUED);
  g_assert_cmpuint (item->attempts, ==, 0);
  g_assert_cmpstr (item->envelope_from, ==, "alice@example.test");
  g_assert_cmpstrv (item->recipients, recipients);
  g_assert_true (g_file_get_contents (item->path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "carol"));
  g_assert_nonnull (strstr (contents, "Message-ID: <outbox-test@example.test>\r\n"));
}

/* A temporary failure: queued again, attempts counted, the wait doubling;
 * not tried before it is due; retry makes it due at once. */
static void
test_temporary_failure (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  PfOutboxSenderStats stats = { 0 };
  gint64 id = queue (fixture, MESSAGE);
  gint64 before = g_get_real_time ();

  g_assert_false (send_all (fixture, &stats, &error));
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);
  g_assert_cmpuint (stats.deferred, ==, 1);
  g_assert_cmpuint (stats.sent + stats.failed, ==, 0);
  {
    g_autoptr(PfStoreOutboxItem) item = get_item (fixture, id);

    g_assert_cmpint (item->state, ==, PF_STORE_OUTBOX_QUEUED);
    g_assert_cmpuint (item->attempts, ==, 1);
    g_assert_nonnull (item->last_error);
    g_assert_cmpint (item->next_attempt, >=, before + 60 * G_USEC_PER_SEC);
    g_assert_cmpint (item->next_attempt, <=, g_get_real_time () + 60 * G_USEC_PER_SEC);
  }

  /* Not due: left alone */
  g_assert_true (send_all (fixture, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.waiting, ==, 1);
  g_assert_cmpuint (stats.deferred, ==, 0);

  /* A crash while sending: SENDING counts as queued and due */
  g_assert_true (pf_store_outbox_update (fixture->store, id, PF_STORE_OUTBOX_SENDING, 1, NULL,
                                         g_get_real_time () + (gint64) 3600 * G_USEC_PER_SEC,
                                         &error));
  before = g_get_real_time ();
  g_assert_false (send_all (fixture, &stats, &error));
  g_clear_error (&error);
  g_assert_cmpuint (stats.deferred, ==, 1);
  {
    g_autoptr(PfStoreOutboxItem) item = get_item (fixture, id);

    g_assert_cmpint (item->state, ==, PF_STORE_OUTBOX_QUEUED);
    g_assert_cmpuint (item->attempts, ==, 2);
    g_assert_cmpint (item->next_attempt, >=, before + 120 * G_USEC_PER_SEC);
  }

  g_assert_true (pf_outbox_sender_retry (fixture->sender, id, &error));
  g_assert_no_error (error);
  {
    g_autoptr(PfStoreOutboxItem) item = get_item (fixture, id);

    g_assert_cmpint (item->state, ==, PF_STORE_OUTBOX_QUEUED);
    g_assert_cmpuint (item->attempts, ==, 0);
    g_assert_null (item->last_error);
    g_assert_cmpint (item->next_attempt, ==, 0);
  }
}

/* FAILED waits for the user; without a password nothing is tried. */
static void
test_failed_waits (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  PfOutboxSenderStats stats = { 0 };
  gint64 id = queue (fixture, MESSAGE);

  g_assert_true (pf_store_outbox_update (fixture->store, id, PF_STORE_OUTBOX_FAILED, 1,
                                         "refused", 0, &error));
  g_assert_true (send_all (fixture, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.sent + stats.deferred + stats.failed + stats.waiting, ==, 0);
  {
    g_autoptr(PfStoreOutboxItem) item = get_item (fixture, id);

    g_assert_cmpint (item->state, ==, PF_STORE_OUTBOX_FAILED);
    g_assert_cmpuint (item->attempts, ==, 1);
  }

  g_assert_true (pf_outbox_sender_retry (fixture->sender, id, &error));
  pf_outbox_sender_set_secret (fixture->sender, PF_SECRET_SERVICE_SMTP, NULL);
  g_assert_false (send_all (fixture, &stats, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  {
    g_autoptr(PfStoreOutboxItem) item = get_item (fixture, id);

    g_assert_cmpint (item->state, ==, PF_STORE_OUTBOX_QUEUED);
    g_assert_cmpuint (item->attempts, ==, 0);
  }

  g_assert_true (pf_outbox_sender_remove (fixture->sender, id, NULL));
  g_assert_null (pf_store_outbox_get (fixture->store, id, NULL));
}

/* Another process at work on the outbox: nothing may touch it. */
static void
test_locked (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "outbox.lock", NULL);
  g_autoptr(GError) error = NULL;
  gint64 id = queue (fixture, MESSAGE);
  int fd = g_open (path, O_RDWR | O_CREAT, 0600);

  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);
  g_assert_false (send_all (fixture, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_false (pf_outbox_sender_retry (fixture->sender, id, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_false (pf_outbox_sender_remove (fixture->sender, id, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);
  close (fd);

  {
    g_autoptr(PfStoreOutboxItem) item = get_item (fixture, id);

    g_assert_cmpint (item->state, ==, PF_STORE_OUTBOX_QUEUED);
    g_assert_cmpuint (item->attempts, ==, 0);
  }
  g_assert_true (pf_outbox_sender_remove (fixture->sender, id, &error));
  g_assert_no_error (error);
}

static guint
count_in_folder (Fixture    *fixture,
                 gint64      folder_id,
                 const char *message_id)
{
  g_autoptr(GPtrArray) found = pf_store_lookup_messages_by_message_id (fixture->store,
                                                                     message_id, NULL);
  guint n = 0;

  for (guint i = 0; i < found->len; i++)
    if (((PfStoreMessage *) g_ptr_array_index (found, i))->folder_id == folder_id)
      n++;
  return n;
}

/* POP3: a SENT entry is copied into the local Sent folder, created on
 * demand, and never twice: after a crash between the copy and the
 * removal, the next run finds the copy. */
static void
test_pop3_local_sent (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfStoreFolder) sent = NULL;
  PfOutboxSenderStats stats = { 0 };
  gint64 id = queue (fixture, MESSAGE);
  gint64 again;

  g_assert_null (pf_store_lookup_folder (fixture->store, "Sent", NULL));
  g_assert_true (pf_store_outbox_update (fixture->store, id, PF_STORE_OUTBOX_SENT, 1, NULL, 0,
                                         &error));
  g_assert_true (send_all (fixture, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.copied, ==, 1);
  g_assert_cmpuint (stats.sent, ==, 0);
  g_assert_null (pf_store_outbox_get (fixture->store, id, NULL));

  sent = pf_store_lookup_folder (fixture->store, "Sent", &error);
  g_assert_no_error (error);
  g_assert_cmpint (sent->special_use, ==, PF_STORE_SPECIAL_USE_SENT);
  g_assert_true (sent->local_only);
  g_assert_cmpuint (count_in_folder (fixture, sent->id, "outbox-test@example.test"), ==, 1);
  {
    g_autoptr(PfStoreMessage) message = pf_store_lookup_message_by_uid (fixture->store,
                                                                      sent->id, 1, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (message->subject, ==, "Test");
    g_assert_cmpint (message->flags & PF_STORE_FLAG_SEEN, !=, 0);
    g_assert_true (g_file_test (message->body_path, G_FILE_TEST_IS_REGULAR));
  }

  /* The same message SENT again, as if the entry had survived a crash */
  again = queue (fixture, MESSAGE);
  g_assert_true (pf_store_outbox_update (fixture->store, again, PF_STORE_OUTBOX_SENT, 1, NULL,
                                         0, &error));
  g_assert_true (send_all (fixture, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.copied, ==, 0);
  g_assert_cmpuint (stats.found_in_sent, ==, 1);
  g_assert_cmpuint (count_in_folder (fixture, sent->id, "outbox-test@example.test"), ==, 1);
  g_assert_null (pf_store_outbox_get (fixture->store, again, NULL));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/outbox/retry-delay", test_retry_delay);
  g_test_add_func ("/outbox/permanent", test_permanent);
  g_test_add_func ("/outbox/describe", test_describe);
  g_test_add ("/outbox/queue", Fixture, GINT_TO_POINTER (PF_ACCOUNT_KIND_IMAP), setup,
              test_queue, teardown);
  g_test_add ("/outbox/temporary-failure", Fixture, GINT_TO_POINTER (PF_ACCOUNT_KIND_IMAP),
              setup, test_temporary_failure, teardown);
  g_test_add ("/outbox/failed-waits", Fixture, GINT_TO_POINTER (PF_ACCOUNT_KIND_IMAP), setup,
              test_failed_waits, teardown);
  g_test_add ("/outbox/locked", Fixture, GINT_TO_POINTER (PF_ACCOUNT_KIND_IMAP), setup,
              test_locked, teardown);
  g_test_add ("/outbox/pop3-local-sent", Fixture, GINT_TO_POINTER (PF_ACCOUNT_KIND_POP3),
              setup, test_pop3_local_sent, teardown);

  return g_test_run ();
}
