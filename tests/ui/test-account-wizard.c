/* test-account-wizard.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pf-ui-test-util.h"
#include "pf-test-https.h"
#include "pf-test-resolver.h"
#include "pf-test-servers.h"

#include "pf-i18n.h"
#include "account/pf-account-manager.h"
#include "account/pf-password-vault.h"
#include "account/pf-secret-store.h"
#include "store/pf-message-list-model.h"
#include "sync/pf-account-service.h"
#include "pf-account-settings.h"
#include "pf-account-wizard.h"
#include "pf-migration-window.h"

/*
 * The account wizard in a real window (Xvfb), driven through its actions
 * and functions, against the real test servers (Dovecot, the SMTP
 * submission server) and the real keyring of a private D-Bus session:
 * settings from the built-in provider list, from a provider's
 * autoconfig document (an HTTPS server in the test), from SRV records, by
 * guessing, typed by hand; IMAP and POP3 accounts saved with their
 * passwords; and each error
 * of the connection test for real: wrong password, closed port, a server
 * without TLS, an untrusted certificate trusted through its dialog.
 */

typedef struct
{
  PfTestServers    *servers;
  char             *dir;
  PfAccountManager *manager;
  PfAccountWizard  *wizard;
  PfAccount        *added;
  gboolean          closed;
} Fixture;

static void
on_added_cb (PfAccountWizard *wizard,
             PfAccount       *account,
             Fixture         *fixture)
{
  g_set_object (&fixture->added, account);
}

static gboolean
on_close_request_cb (GtkWindow *window,
                     Fixture   *fixture)
{
  fixture->closed = TRUE;
  return FALSE;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(PfSecretStore) secrets = pf_secret_store_new ();
  g_autoptr(PfPasswordVault) vault = pf_password_vault_new (secrets);
  g_autoptr(GError) error = NULL;

  fixture->servers = pf_test_servers_get_full (PF_TEST_SERVERS_VARIANTS);
  fixture->dir = g_dir_make_tmp ("pf-wizard-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->manager = pf_account_manager_new (fixture->dir, vault);
  g_assert_true (pf_account_manager_load (fixture->manager, NULL, &error));
  g_assert_no_error (error);
  fixture->wizard = g_object_ref_sink (pf_account_wizard_new (NULL, fixture->manager));
  g_signal_connect (fixture->wizard, "account-added", G_CALLBACK (on_added_cb), fixture);
  g_signal_connect (fixture->wizard, "close-request", G_CALLBACK (on_close_request_cb), fixture);
  gtk_window_present (GTK_WINDOW (fixture->wizard));
  ui_settle ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (!fixture->closed)
    gtk_window_destroy (GTK_WINDOW (fixture->wizard));
  g_clear_object (&fixture->wizard);
  g_clear_object (&fixture->added);
  g_clear_object (&fixture->manager);
  pf_test_resolver_uninstall ();
  g_free (fixture->dir);
}

/* wizard-choice-de.png etc. in the test artifacts (German run) */
static void
screenshot (GtkWidget  *widget,
            const char *name)
{
  const char *lang = g_getenv ("LANGUAGE");
  g_autofree char *file = NULL;

  /* In German only: each picture costs a frame and a pause */
  if (g_strcmp0 (lang, "de") != 0)
    return;
  file = g_strdup_printf ("%s-%s", name, lang);
  ui_save_screenshot (widget, file);
}

/* Runs the main loop until the wizard shows @page (or 20 s passed). */
static void
wait_page (Fixture    *fixture,
           const char *page)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end &&
         !g_str_equal (pf_account_wizard_get_page (fixture->wizard), page))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (pf_account_wizard_get_page (fixture->wizard), ==, page);
}

/* Runs the connection test until it ends: the wizard closes (the
 * account was added) or shows a problem. */
static void
wait_test_end (Fixture *fixture)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end && !fixture->closed &&
         pf_account_wizard_get_problem_text (fixture->wizard) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (fixture->closed || pf_account_wizard_get_problem_text (fixture->wizard) != NULL);
}

static void
activate (Fixture    *fixture,
          const char *action)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->wizard), action, NULL));
}

static PfServerSettings *
server_settings (Fixture    *fixture,
                 const char *service,
                 const char *user,
                 gboolean    with_ca)
{
  PfServerProtocol protocol = g_str_has_prefix (service, "imap") ? PF_SERVER_PROTOCOL_IMAP :
                              g_str_has_prefix (service, "pop3") ? PF_SERVER_PROTOCOL_POP3 :
                              PF_SERVER_PROTOCOL_SMTP;
  const char *security = pf_test_servers_get_security (fixture->servers, service);
  PfServerSettings *settings = pf_server_settings_new (protocol);

  pf_server_settings_set_host (settings, pf_test_servers_get_host (fixture->servers, service));
  pf_server_settings_set_port (settings, pf_test_servers_get_port (fixture->servers, service));
  pf_server_settings_set_security (settings, g_str_equal (security, "tls") ? PF_SECURITY_TLS :
                                             g_str_equal (security, "starttls") ?
                                             PF_SECURITY_STARTTLS : PF_SECURITY_NONE);
  pf_server_settings_set_username (settings, pf_test_servers_get_login (fixture->servers, user));
  if (with_ca)
    pf_server_settings_set_ca_file (settings, pf_test_servers_get_ca_file (fixture->servers));
  return settings;
}

/* The first page, then the manual one with these servers, then the
 * summary. */
static void
enter_manually (Fixture          *fixture,
                const char       *user,
                const char       *password,
                PfServerSettings *incoming,
                PfServerSettings *outgoing)
{
  pf_account_wizard_set_identity (fixture->wizard, "Test User",
                                  pf_test_servers_get_address (fixture->servers, user),
                                  password != NULL ? password :
                                  pf_test_servers_get_password (fixture->servers, user));
  activate (fixture, "wizard.manual");
  wait_page (fixture, "manual");
  pf_account_wizard_set_server (fixture->wizard, incoming);
  pf_account_wizard_set_server (fixture->wizard, outgoing);
  screenshot (GTK_WIDGET (fixture->wizard), "wizard-manual");
  activate (fixture, "wizard.next");
  wait_page (fixture, "choice");
}

static char *
lookup_password (Fixture          *fixture,
                 PfAccount        *account,
                 PfServerSettings *server)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *password;

  pf_password_vault_lookup_for_server_async (pf_account_manager_get_vault (fixture->manager),
                                             account, server, NULL, ui_store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  password = pf_password_vault_lookup_finish (pf_account_manager_get_vault (fixture->manager),
                                              result, NULL, &error);
  g_assert_no_error (error);
  return password;
}

/* The added account is saved (a second manager reads it from disk) and
 * its password is in the keyring for both servers. */
static PfAccount *
assert_saved (Fixture    *fixture,
              const char *user)
{
  g_autoptr(PfAccountManager) again = pf_account_manager_new (fixture->dir, NULL);
  g_autoptr(GError) error = NULL;
  PfAccount *saved;
  g_autofree char *in_password = NULL;
  g_autofree char *out_password = NULL;

  g_assert_nonnull (fixture->added);
  g_assert_true (fixture->closed);
  g_assert_true (pf_account_manager_load (again, NULL, &error));
  saved = pf_account_manager_lookup (again, pf_account_get_id (fixture->added));
  g_assert_nonnull (saved);
  g_assert_cmpstr (pf_account_get_address (saved), ==,
                   pf_test_servers_get_address (fixture->servers, user));
  in_password = lookup_password (fixture, saved, pf_account_get_incoming (saved));
  out_password = lookup_password (fixture, saved, pf_account_get_outgoing (saved));
  g_assert_cmpstr (in_password, ==, pf_test_servers_get_password (fixture->servers, user));
  g_assert_cmpstr (out_password, ==, pf_test_servers_get_password (fixture->servers, user));
  return g_object_ref (saved);
}

static void
on_synced_cb (PfAccountService *service,
              guint             new_messages,
              gboolean         *synced)
{
  *synced = TRUE;
}

/* The saved account's first sync (as the application starts it): the
 * message delivered before is in its Inbox. */
static void
assert_syncs (Fixture    *fixture,
              PfAccount  *account,
              const char *subject)
{
  g_autofree char *dir = g_build_filename (fixture->dir, "mail", pf_account_get_id (account), NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfStore) store = pf_store_new_sync (dir, NULL, &error);
  g_autoptr(PfAccountService) service = NULL;
  g_autoptr(PfStoreFolder) inbox = NULL;
  g_autoptr(PfMessageListModel) list = NULL;
  gboolean synced = FALSE;
  gboolean found = FALSE;

  g_assert_no_error (error);
  service = pf_account_service_new (account, store, pf_account_manager_get_vault (fixture->manager));
  g_signal_connect (service, "synced", G_CALLBACK (on_synced_cb), &synced);
  pf_account_service_start (service);
  ui_wait (&synced, 30000);
  g_assert_true (synced);
  inbox = pf_store_lookup_folder_by_special_use (store, PF_STORE_SPECIAL_USE_INBOX, NULL);
  g_assert_nonnull (inbox);
  list = pf_message_list_model_new_for_folder (store, inbox->id);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    {
      g_autoptr(PfMessageSummary) summary = g_list_model_get_item (G_LIST_MODEL (list), i);

      found |= g_strcmp0 (pf_message_summary_get_subject (summary), subject) == 0;
    }
  g_assert_true (found);
  pf_account_service_stop (service);
}

static void
deliver (Fixture    *fixture,
         const char *user,
         const char *subject)
{
  g_autofree char *text = g_strdup_printf ("From: Jürgen <juergen@example.test>\r\n"
                                           "To: %s\r\n"
                                           "Subject: %s\r\n"
                                           "Date: Mon, 30 Nov 2026 10:00:00 +0100\r\n"
                                           "Message-ID: <%s.%" G_GINT64_FORMAT "@example.test>\r\n"
                                           "\r\nHallo\r\n",
                                           pf_test_servers_get_address (fixture->servers, user),
                                           subject, user, g_get_real_time ());
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;

  g_assert_true (pf_test_servers_deliver (fixture->servers, user, bytes, &error));
  g_assert_no_error (error);
}

/* "Switch to IMAP…": the wizard for a POP3 account offers IMAP only and
 * says what happens to the downloaded mail. */
static void
test_replacing (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(PfAccount) pop3 = pf_account_new (PF_ACCOUNT_KIND_POP3);
  GtkWidget *pop3_row;
  PfAccount *account;

  pf_test_resolver_install_failing ();
  pf_account_set_display_name (pop3, "Zu Hause");
  pf_account_set_address (pop3, "erika@gmx.de");
  pf_account_wizard_set_replacing (fixture->wizard, pop3);
  pf_account_wizard_set_identity (fixture->wizard, "Erika Mustermann", "erika@gmx.de", "geheim");
  activate (fixture, "wizard.next");
  wait_page (fixture, "choice");
  account = pf_account_wizard_get_account (fixture->wizard);
  g_assert_cmpint (pf_account_get_kind (account), ==, PF_ACCOUNT_KIND_IMAP);
  pop3_row = ui_find_by_name (GTK_WIDGET (fixture->wizard), "pop3_row");
  g_assert_false (gtk_widget_get_sensitive (pop3_row));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (pop3_row)), "Zu Hause"));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (fixture->wizard)), ==, _("Switch to IMAP"));
  screenshot (GTK_WIDGET (fixture->wizard), "wizard-switch-to-imap");
}

/* Settings from the built-in provider list: no network needed, both
 * protocols offered with IMAP recommended; choosing POP3 switches servers. */
static void
test_builtin (Fixture       *fixture,
              gconstpointer  data)
{
  PfAutoconfig *config;
  PfAccount *account;

  pf_test_resolver_install_failing ();
  pf_account_wizard_set_identity (fixture->wizard, "Erika Mustermann", "erika@gmx.de", "geheim");
  screenshot (GTK_WIDGET (fixture->wizard), "wizard-identity");
  activate (fixture, "wizard.next");
  wait_page (fixture, "choice");
  config = pf_account_wizard_get_autoconfig (fixture->wizard);
  g_assert_nonnull (config);
  g_assert_cmpint (config->source, ==, PF_AUTOCONFIG_SOURCE_BUILTIN);
  g_assert_cmpuint (pf_test_resolver_get_lookups (), ==, 0);

  account = pf_account_wizard_get_account (fixture->wizard);
  g_assert_cmpint (pf_account_get_kind (account), ==, PF_ACCOUNT_KIND_IMAP);
  screenshot (GTK_WIDGET (fixture->wizard), "wizard-choice");
  g_assert_cmpstr (pf_server_settings_get_host (pf_account_get_incoming (account)), ==,
                   "imap.gmx.net");
  g_assert_cmpuint (pf_server_settings_get_port (pf_account_get_incoming (account)), ==, 993);
  g_assert_cmpstr (pf_server_settings_get_username (pf_account_get_incoming (account)), ==,
                   "erika@gmx.de");

  pf_account_wizard_set_kind (fixture->wizard, PF_ACCOUNT_KIND_POP3);
  g_assert_cmpint (pf_account_get_kind (account), ==, PF_ACCOUNT_KIND_POP3);
  g_assert_cmpstr (pf_server_settings_get_host (pf_account_get_incoming (account)), ==,
                   "pop.gmx.net");
  g_assert_cmpuint (pf_server_settings_get_port (pf_account_get_incoming (account)), ==, 995);
  screenshot (GTK_WIDGET (fixture->wizard), "wizard-choice-pop3");

  /* Back to the first page, then Cancel closes */
  activate (fixture, "wizard.back");
  wait_page (fixture, "identity");
  activate (fixture, "wizard.back");
  ui_settle ();
  g_assert_true (fixture->closed);
  g_assert_null (fixture->added);
}

/* An IMAP account typed by hand: tested, saved, password in the keyring. */
static void
test_manual_imap (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PfServerSettings) in = server_settings (fixture, "imaps", "alice", TRUE);
  g_autoptr(PfServerSettings) out = server_settings (fixture, "submission", "alice", TRUE);
  g_autoptr(PfAccount) saved = NULL;
  g_autofree char *report = NULL;

  deliver (fixture, "alice", "Willkommen bei IMAP");
  enter_manually (fixture, "alice", NULL, in, out);
  activate (fixture, "wizard.next");
  wait_page (fixture, "test");
  report = pf_account_wizard_dup_report (fixture->wizard);
  wait_test_end (fixture);
  g_assert_null (pf_account_wizard_get_problem_text (fixture->wizard));
  saved = assert_saved (fixture, "alice");
  g_assert_cmpint (pf_account_get_kind (saved), ==, PF_ACCOUNT_KIND_IMAP);
  g_assert_cmpuint (pf_server_settings_get_port (pf_account_get_incoming (saved)), ==,
                    pf_test_servers_get_port (fixture->servers, "imaps"));
  assert_syncs (fixture, saved, "Willkommen bei IMAP");
}

/* A POP3 account with "leave on the server for 7 days". */
static void
test_manual_pop3 (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PfServerSettings) in = server_settings (fixture, "pop3", "pop", TRUE);
  g_autoptr(PfServerSettings) out = server_settings (fixture, "submissions", "pop", TRUE);
  g_autoptr(PfAccount) saved = NULL;
  AdwComboRow *keep;
  GtkSpinButton *days;

  deliver (fixture, "pop", "Willkommen bei POP3");
  enter_manually (fixture, "pop", NULL, in, out);
  keep = ADW_COMBO_ROW (ui_find_by_name (GTK_WIDGET (fixture->wizard), "keep_row"));
  days = GTK_SPIN_BUTTON (ui_find_by_name (GTK_WIDGET (fixture->wizard), "keep_days_spin"));
  g_assert_true (gtk_widget_is_visible (GTK_WIDGET (keep)));
  adw_combo_row_set_selected (keep, 2);
  gtk_spin_button_set_value (days, 7);
  activate (fixture, "wizard.next");
  wait_test_end (fixture);
  g_assert_null (pf_account_wizard_get_problem_text (fixture->wizard));
  saved = assert_saved (fixture, "pop");
  g_assert_cmpint (pf_account_get_kind (saved), ==, PF_ACCOUNT_KIND_POP3);
  g_assert_cmpint (pf_account_get_pop3_policy (saved), ==, PF_POP3_POLICY_KEEP_DAYS);
  g_assert_cmpuint (pf_account_get_pop3_keep_days (saved), ==, 7);
  assert_syncs (fixture, saved, "Willkommen bei POP3");
}

/* A wrong password: the test page says so, nothing is saved. */
static void
test_wrong_password (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(PfServerSettings) in = server_settings (fixture, "imaps", "bob", TRUE);
  g_autoptr(PfServerSettings) out = server_settings (fixture, "submissions", "bob", TRUE);
  PfConnectionTest *test;
  GtkWidget *password;

  enter_manually (fixture, "bob", "falsch", in, out);
  activate (fixture, "wizard.next");
  wait_test_end (fixture);
  g_assert_false (fixture->closed);
  test = pf_account_wizard_get_connection_test (fixture->wizard, PF_SERVER_PROTOCOL_IMAP);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_WRONG_PASSWORD);
  test = pf_account_wizard_get_connection_test (fixture->wizard, PF_SERVER_PROTOCOL_SMTP);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_WRONG_PASSWORD);
  g_assert_nonnull (strstr (pf_account_wizard_get_problem_text (fixture->wizard),
                            pf_test_servers_get_host (fixture->servers, "imaps")));
  screenshot (GTK_WIDGET (fixture->wizard), "wizard-wrong-password");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->manager)), ==, 0);

  /* The right password typed on the test page, Enter: saved */
  password = ui_find_by_name (GTK_WIDGET (fixture->wizard), "retry_password_row");
  g_assert_true (gtk_widget_is_visible (password));
  gtk_editable_set_text (GTK_EDITABLE (password), pf_test_servers_get_password (fixture->servers, "bob"));
  activate (fixture, "wizard.next");
  wait_test_end (fixture);
  g_object_unref (assert_saved (fixture, "bob"));
}

/* Nothing listens on the port: "port closed", with the port in the text. */
static void
test_closed_port (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PfServerSettings) in = server_settings (fixture, "imaps", "bob", TRUE);
  g_autoptr(PfServerSettings) out = server_settings (fixture, "submissions", "bob", TRUE);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *port_text = NULL;
  guint16 port;
  PfConnectionTest *test;

  /* A port that was free a moment ago and is closed now */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, TRUE, &error));
  address = g_socket_get_local_address (socket, &error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
  g_socket_close (socket, NULL);
  pf_server_settings_set_host (in, "127.0.0.1");
  pf_server_settings_set_port (in, port);

  enter_manually (fixture, "bob", NULL, in, out);
  activate (fixture, "wizard.next");
  wait_test_end (fixture);
  test = pf_account_wizard_get_connection_test (fixture->wizard, PF_SERVER_PROTOCOL_IMAP);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_PORT_CLOSED);
  port_text = g_strdup_printf ("%u", port);
  g_assert_nonnull (strstr (pf_account_wizard_get_problem_text (fixture->wizard), port_text));
  g_assert_false (fixture->closed);
}

/* STARTTLS configured, the server offers none: refused, not downgraded. */
static void
test_no_tls (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(PfServerSettings) in = server_settings (fixture, "imap-notls", "bob", TRUE);
  g_autoptr(PfServerSettings) out = server_settings (fixture, "submissions", "bob", TRUE);
  PfConnectionTest *test;

  pf_server_settings_set_security (in, PF_SECURITY_STARTTLS);
  enter_manually (fixture, "bob", NULL, in, out);
  activate (fixture, "wizard.next");
  wait_test_end (fixture);
  test = pf_account_wizard_get_connection_test (fixture->wizard, PF_SERVER_PROTOCOL_IMAP);
  g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_NO_TLS);
  test = pf_account_wizard_get_connection_test (fixture->wizard, PF_SERVER_PROTOCOL_SMTP);
  screenshot (GTK_WIDGET (fixture->wizard), "wizard-no-tls");
  g_assert_cmpint (pf_connection_test_get_problem (test), ==, PF_CONNECTION_PROBLEM_NONE);
  g_assert_false (fixture->closed);
}

/* Each untrusted certificate of the test: its dialog, "Trust", the test
 * again, until the wizard closes. The IMAP server comes first; the SMTP
 * server (another port) shows the same certificate and asks in turn. */
static void
trust_until_done (Fixture *fixture)
{
  for (guint round = 0; round < 3; round++)
    {
      AdwMessageDialog *dialog;
      PfConnectionTest *in;
      PfConnectionTest *out;

      wait_test_end (fixture);
      if (fixture->closed)
        return;
      in = pf_account_wizard_get_connection_test (fixture->wizard, PF_SERVER_PROTOCOL_IMAP);
      out = pf_account_wizard_get_connection_test (fixture->wizard, PF_SERVER_PROTOCOL_SMTP);
      g_assert_true (pf_connection_test_get_problem (in) == PF_CONNECTION_PROBLEM_CERTIFICATE ||
                     pf_connection_test_get_problem (out) == PF_CONNECTION_PROBLEM_CERTIFICATE);
      if (round == 0)
        g_assert_cmpint (pf_connection_test_get_problem (in), ==, PF_CONNECTION_PROBLEM_CERTIFICATE);
      activate (fixture, "wizard.show-certificate");
      ui_settle ();
      dialog = ui_find_dialog ();
      g_assert_nonnull (dialog);
      if (round == 0)
        {
          screenshot (GTK_WIDGET (dialog), "wizard-certificate");
          /* It fits on a screen (wrapping labels once made it 3500 px tall) */
          g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (dialog)), <, 800);
        }
      adw_message_dialog_response (dialog, "trust");
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
  wait_test_end (fixture);
  g_assert_true (fixture->closed);
}

/* A certificate from an unknown authority: the dialog shows it, "Trust"
 * pins it and the test passes; the account keeps the exception. */
static void
test_certificate (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(PfServerSettings) in = server_settings (fixture, "imaps", "alice", FALSE);
  g_autoptr(PfServerSettings) out = server_settings (fixture, "submissions", "alice", FALSE);
  g_autoptr(PfAccount) saved = NULL;
  GKeyFile *ini = pf_test_servers_get_key_file (fixture->servers);
  g_autofree char *sha256 = g_key_file_get_string (ini, "tls", "server-cert-sha256", NULL);
  g_autofree char *expected = pf_normalize_sha256_fingerprint (sha256);

  enter_manually (fixture, "alice", NULL, in, out);
  activate (fixture, "wizard.next");
  trust_until_done (fixture);
  g_assert_null (pf_account_wizard_get_problem_text (fixture->wizard));
  saved = assert_saved (fixture, "alice");
  g_assert_cmpstr (pf_server_settings_get_pinned_sha256 (pf_account_get_incoming (saved)), ==,
                   expected);
  g_assert_cmpstr (pf_server_settings_get_pinned_sha256 (pf_account_get_outgoing (saved)), ==,
                   expected);
}

/* SRV records (a test resolver in place of DNS) lead to the test servers;
 * the user name form is unknown, so the test tries the full address first
 * (and, the certificate being only an exception, nothing else). */
static void
test_srv (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(PfAutoconfigDiscovery) discovery = pf_autoconfig_discovery_new ();
  g_autoptr(PfAccount) saved = NULL;
  const char *host = pf_test_servers_get_host (fixture->servers, "imaps");
  PfAutoconfig *config;

  pf_test_resolver_install ();
  pf_test_resolver_add_host ("mail.example.test", host);
  pf_test_resolver_add_srv ("_imaps._tcp.example.test", "mail.example.test",
                            pf_test_servers_get_port (fixture->servers, "imaps"));
  pf_test_resolver_add_srv ("_submission._tcp.example.test", "mail.example.test",
                            pf_test_servers_get_port (fixture->servers, "submission"));
  pf_autoconfig_discovery_set_https_port (discovery, 1);
  pf_account_wizard_set_discovery (fixture->wizard, discovery);
  pf_account_wizard_set_identity (fixture->wizard, "Alice",
                                  pf_test_servers_get_address (fixture->servers, "alice"),
                                  pf_test_servers_get_password (fixture->servers, "alice"));
  activate (fixture, "wizard.next");
  wait_page (fixture, "choice");
  config = pf_account_wizard_get_autoconfig (fixture->wizard);
  g_assert_cmpint (config->source, ==, PF_AUTOCONFIG_SOURCE_SRV);
  g_assert_null (pf_autoconfig_get_incoming (config, PF_SERVER_PROTOCOL_POP3));
  activate (fixture, "wizard.next");
  /* The test servers' certificate names 127.0.0.2, not mail.example.test */
  trust_until_done (fixture);
  saved = assert_saved (fixture, "alice");
  g_assert_cmpstr (pf_server_settings_get_host (pf_account_get_incoming (saved)), ==,
                   "mail.example.test");
  g_assert_cmpstr (pf_server_settings_get_username (pf_account_get_incoming (saved)), ==,
                   pf_test_servers_get_login (fixture->servers, "alice"));
}

/* Switch to IMAP: the window that copies a POP3 account's mail */

static void
on_remove_pop3_cb (PfMigrationWindow *window,
                   gboolean           keep,
                   int               *removed)
{
  *removed = keep;
}

static PfAccount *
mailbox_account (Fixture       *fixture,
                 PfAccountKind  kind)
{
  PfAccount *account = pf_account_new (kind);
  g_autoptr(PfServerSettings) in = server_settings (fixture, kind == PF_ACCOUNT_KIND_POP3 ?
                                                    "pop3s" : "imaps", "pop", TRUE);
  g_autoptr(PfServerSettings) out = server_settings (fixture, "submissions", "pop", TRUE);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  pf_account_set_display_name (account, kind == PF_ACCOUNT_KIND_POP3 ? "Heruntergeladen" : "Server");
  pf_account_set_address (account, pf_test_servers_get_address (fixture->servers, "pop"));
  pf_server_settings_assign (pf_account_get_incoming (account), in);
  pf_server_settings_assign (pf_account_get_outgoing (account), out);
  pf_account_set_pop3_policy (account, PF_POP3_POLICY_DELETE);
  pf_password_vault_store_for_server_async (pf_account_manager_get_vault (fixture->manager), account,
                                            pf_account_get_incoming (account),
                                            pf_test_servers_get_password (fixture->servers, "pop"),
                                            NULL, ui_store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (pf_password_vault_store_finish (pf_account_manager_get_vault (fixture->manager),
                                                 result, NULL, &error));
  g_assert_true (pf_account_manager_add (fixture->manager, account, &error));
  g_assert_no_error (error);
  return account;
}

static void
wait_migration (PfMigrationWindow *window)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end && pf_migration_window_is_running (window))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (pf_migration_window_is_running (window));
}

/* Three messages downloaded by POP3 (and deleted on the server) go back
 * to the server's INBOX; stopped at once, resumed: each exactly once,
 * verified, and only then the POP3 account may go. */
static void
test_migration_window (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(PfAccount) pop3 = mailbox_account (fixture, PF_ACCOUNT_KIND_POP3);
  g_autoptr(PfAccount) imap = NULL;
  g_autofree char *dir = g_build_filename (fixture->dir, "pop3-mail", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfStore) store = NULL;
  g_autoptr(PfAccountService) service = NULL;
  g_autoptr(PfMigrationWindow) window = NULL;
  const PfPop3MigrationReport *report;
  AdwMessageDialog *dialog;
  gboolean synced = FALSE;
  int removed = -1;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *subject = g_strdup_printf ("Umzug %u", i);

      deliver (fixture, "pop", subject);
    }
  store = pf_store_new_sync (dir, NULL, &error);
  g_assert_no_error (error);
  service = pf_account_service_new (pop3, store, pf_account_manager_get_vault (fixture->manager));
  g_signal_connect (service, "synced", G_CALLBACK (on_synced_cb), &synced);
  pf_account_service_start (service);
  ui_wait (&synced, 30000);
  g_assert_true (synced);
  pf_account_service_stop (service);
  imap = mailbox_account (fixture, PF_ACCOUNT_KIND_IMAP);

  window = g_object_ref_sink (pf_migration_window_new (NULL, store, pop3, imap,
                                                       pf_account_manager_get_vault (fixture->manager)));
  g_signal_connect (window, "remove-pop3-account", G_CALLBACK (on_remove_pop3_cb), &removed);
  gtk_window_present (GTK_WINDOW (window));
  pf_migration_window_start (window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "migration.cancel", NULL));
  wait_migration (window);
  g_assert_true (pf_migration_window_get_report (window) == NULL ||
                 !pf_migration_window_get_report (window)->verified);
  g_assert_false (gtk_widget_is_visible (ui_find_by_name (GTK_WIDGET (window), "remove_button")));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "migration.start", NULL));
  wait_migration (window);
  report = pf_migration_window_get_report (window);
  g_assert_nonnull (report);
  g_assert_true (report->verified);
  /* (the POP3 test before left a message on the server, kept 7 days) */
  g_assert_cmpuint (report->local_count, >=, 3);
  g_assert_cmpuint (report->copied, >=, 3);
  g_assert_cmpuint (report->copied + report->already_there, ==, report->local_count);
  g_assert_cmpuint (report->failed, ==, 0);
  screenshot (GTK_WIDGET (window), "migration-done");

  g_assert_true (gtk_widget_is_visible (ui_find_by_name (GTK_WIDGET (window), "remove_button")));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "migration.remove-pop3", NULL));
  ui_settle ();
  dialog = ui_find_dialog ();
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "keep");
  gtk_window_destroy (GTK_WINDOW (dialog));
  ui_settle ();
  g_assert_cmpint (removed, ==, TRUE);
}

/* A discovery for the test network: the test CA trusted for the HTTPS
 * sources, the usual ports of guessed servers replaced by those of the
 * test servers. */
static PfAutoconfigDiscovery *
test_discovery_new (Fixture *fixture)
{
  static const struct
  {
    PfServerProtocol  protocol;
    PfSecurity        security;
    const char       *service;
  } guesses[] = {
    { PF_SERVER_PROTOCOL_IMAP, PF_SECURITY_TLS, "imaps" },
    { PF_SERVER_PROTOCOL_IMAP, PF_SECURITY_STARTTLS, "imap" },
    { PF_SERVER_PROTOCOL_POP3, PF_SECURITY_TLS, "pop3s" },
    { PF_SERVER_PROTOCOL_POP3, PF_SECURITY_STARTTLS, "pop3" },
    { PF_SERVER_PROTOCOL_SMTP, PF_SECURITY_TLS, "submissions" },
    { PF_SERVER_PROTOCOL_SMTP, PF_SECURITY_STARTTLS, "submission" },
  };
  PfAutoconfigDiscovery *discovery = pf_autoconfig_discovery_new ();
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;

  database = g_tls_file_database_new (pf_test_servers_get_ca_file (fixture->servers), &error);
  g_assert_no_error (error);
  pf_autoconfig_discovery_set_tls_database (discovery, database);
  for (guint i = 0; i < G_N_ELEMENTS (guesses); i++)
    pf_autoconfig_discovery_set_guess_port (discovery, guesses[i].protocol, guesses[i].security,
                                            pf_test_servers_get_port (fixture->servers,
                                                                      guesses[i].service));
  return discovery;
}

/* The identity page with @user's address and password, then the
 * discovery until the choice page. */
static PfAutoconfig *
discover (Fixture    *fixture,
          const char *user)
{
  pf_account_wizard_set_identity (fixture->wizard, "Test User",
                                  pf_test_servers_get_address (fixture->servers, user),
                                  pf_test_servers_get_password (fixture->servers, user));
  activate (fixture, "wizard.next");
  wait_page (fixture, "choice");
  g_assert_nonnull (pf_account_wizard_get_autoconfig (fixture->wizard));
  return pf_account_wizard_get_autoconfig (fixture->wizard);
}

static void
assert_server (PfServerSettings *server,
               const char       *host,
               guint16           port,
               PfSecurity        security)
{
  g_assert_cmpstr (pf_server_settings_get_host (server), ==, host);
  g_assert_cmpuint (pf_server_settings_get_port (server), ==, port);
  g_assert_cmpint (pf_server_settings_get_security (server), ==, security);
}

/* The provider publishes its settings (autoconfig.example.test, an HTTPS
 * server with a certificate from the test CA): IMAP and POP3 offered,
 * IMAP recommended and chosen; POP3 chosen instead, tested and saved.
 * The servers are named as the provider names them; the test servers'
 * certificate does not name them, so it is trusted through its dialog. */
static void
test_https_autoconfig (Fixture       *fixture,
                       gconstpointer  data)
{
  PfTestServers *servers = fixture->servers;
  const PfTestCertificates *certificates = pf_test_certificates_get (servers);
  g_autoptr(PfAutoconfigDiscovery) discovery = test_discovery_new (fixture);
  g_autoptr(PfTestHttps) https = NULL;
  g_autoptr(PfAccount) saved = NULL;
  g_autofree char *document = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *request = NULL;
  GtkWidget *window = GTK_WIDGET (fixture->wizard);
  guint16 pop3s = pf_test_servers_get_port (servers, "pop3s");
  guint16 submission = pf_test_servers_get_port (servers, "submission");
  PfAutoconfig *config;
  PfAccount *account;

  https = pf_test_https_new (certificates->cert_file, certificates->key_file, "127.0.0.1", 0);
  document = g_strdup_printf (
    "<?xml version=\"1.0\"?>\n"
    "<clientConfig version=\"1.1\">\n"
    "  <emailProvider id=\"example.test\">\n"
    "    <domain>example.test</domain>\n"
    "    <displayName>Example Mail</displayName>\n"
    "    <incomingServer type=\"imap\">\n"
    "      <hostname>imap.example.test</hostname><port>%u</port>\n"
    "      <socketType>SSL</socketType><authentication>password-cleartext</authentication>\n"
    "      <username>%%EMAILADDRESS%%</username>\n"
    "    </incomingServer>\n"
    "    <incomingServer type=\"pop3\">\n"
    "      <hostname>pop.example.test</hostname><port>%u</port>\n"
    "      <socketType>SSL</socketType><authentication>password-cleartext</authentication>\n"
    "      <username>%%EMAILADDRESS%%</username>\n"
    "    </incomingServer>\n"
    "    <outgoingServer type=\"smtp\">\n"
    "      <hostname>smtp.example.test</hostname><port>%u</port>\n"
    "      <socketType>STARTTLS</socketType><authentication>password-cleartext</authentication>\n"
    "      <username>%%EMAILADDRESS%%</username>\n"
    "    </outgoingServer>\n"
    "  </emailProvider>\n"
    "</clientConfig>\n",
    pf_test_servers_get_port (servers, "imaps"), pop3s, submission);
  pf_test_https_add (https, "autoconfig.example.test/mail/config-v1.1.xml", 200, NULL, document,
                     0);
  pf_autoconfig_discovery_set_https_port (discovery, pf_test_https_get_port (https));
  pf_test_resolver_install ();
  pf_test_resolver_add_host ("autoconfig.example.test", "127.0.0.1");
  pf_test_resolver_add_host ("imap.example.test", pf_test_servers_get_host (servers, "imaps"));
  pf_test_resolver_add_host ("pop.example.test", pf_test_servers_get_host (servers, "pop3s"));
  pf_test_resolver_add_host ("smtp.example.test", pf_test_servers_get_host (servers, "submission"));
  pf_account_wizard_set_discovery (fixture->wizard, discovery);

  config = discover (fixture, "pop");
  g_assert_cmpint (config->source, ==, PF_AUTOCONFIG_SOURCE_AUTOCONFIG);
  /* The provider's host is told the address. */
  escaped = g_uri_escape_string (pf_test_servers_get_address (servers, "pop"), NULL, FALSE);
  request = g_strconcat ("autoconfig.example.test/mail/config-v1.1.xml?emailaddress=", escaped,
                         NULL);
  g_assert_cmpuint (pf_test_https_get_requests (https)->len, ==, 1);
  g_assert_cmpstr (pf_test_https_get_requests (https)->pdata[0], ==, request);
  g_assert_nonnull (pf_autoconfig_get_incoming (config, PF_SERVER_PROTOCOL_IMAP));
  g_assert_nonnull (pf_autoconfig_get_incoming (config, PF_SERVER_PROTOCOL_POP3));
  g_assert_nonnull (strstr (adw_preferences_group_get_description (
                              ADW_PREFERENCES_GROUP (ui_find_by_name (window, "choice_group"))),
                            "Example Mail"));
  g_assert_true (gtk_widget_get_sensitive (ui_find_by_name (window, "imap_row")));
  g_assert_true (gtk_widget_get_sensitive (ui_find_by_name (window, "pop3_row")));
  g_assert_true (gtk_widget_get_visible (ui_find_by_name (window, "recommended_label")));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (ui_find_by_name (window,
                                                                                 "imap_check"))));
  account = pf_account_wizard_get_account (fixture->wizard);
  g_assert_cmpint (pf_account_get_kind (account), ==, PF_ACCOUNT_KIND_IMAP);
  assert_server (pf_account_get_incoming (account), "imap.example.test",
                 pf_test_servers_get_port (servers, "imaps"), PF_SECURITY_TLS);

  pf_account_wizard_set_kind (fixture->wizard, PF_ACCOUNT_KIND_POP3);
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (ui_find_by_name (window,
                                                                                 "pop3_check"))));
  activate (fixture, "wizard.next");
  trust_until_done (fixture);
  saved = assert_saved (fixture, "pop");
  g_assert_cmpint (pf_account_get_kind (saved), ==, PF_ACCOUNT_KIND_POP3);
  assert_server (pf_account_get_incoming (saved), "pop.example.test", pop3s, PF_SECURITY_TLS);
  assert_server (pf_account_get_outgoing (saved), "smtp.example.test", submission,
                 PF_SECURITY_STARTTLS);
  g_assert_cmpstr (pf_server_settings_get_username (pf_account_get_incoming (saved)), ==,
                   pf_test_servers_get_login (servers, "pop"));
}

/* No provider list, document or SRV record knows the domain: the usual
 * server names that answer are proposed (only IMAP here), and the account
 * is tested and saved. */
static void
test_guess (Fixture       *fixture,
            gconstpointer  data)
{
  PfTestServers *servers = fixture->servers;
  g_autoptr(PfAutoconfigDiscovery) discovery = test_discovery_new (fixture);
  g_autoptr(PfAccount) saved = NULL;
  GtkWidget *window = GTK_WIDGET (fixture->wizard);
  guint16 imaps = pf_test_servers_get_port (servers, "imaps");
  PfAutoconfig *config;

  pf_test_resolver_install ();
  pf_test_resolver_add_host ("imap.example.test", pf_test_servers_get_host (servers, "imaps"));
  pf_test_resolver_add_host ("smtp.example.test", pf_test_servers_get_host (servers, "submission"));
  pf_account_wizard_set_discovery (fixture->wizard, discovery);

  config = discover (fixture, "alice");
  g_assert_cmpint (config->source, ==, PF_AUTOCONFIG_SOURCE_GUESS);
  g_assert_true (pf_test_resolver_was_asked ("autoconfig.example.test"));
  g_assert_true (pf_test_resolver_was_asked ("_imaps._tcp.example.test"));
  g_assert_null (pf_autoconfig_get_incoming (config, PF_SERVER_PROTOCOL_POP3));
  g_assert_false (gtk_widget_get_sensitive (ui_find_by_name (window, "pop3_row")));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (ui_find_by_name (window,
                                                                                 "imap_check"))));
  assert_server (pf_account_get_incoming (pf_account_wizard_get_account (fixture->wizard)),
                 "imap.example.test", imaps, PF_SECURITY_TLS);

  activate (fixture, "wizard.next");
  trust_until_done (fixture);
  saved = assert_saved (fixture, "alice");
  g_assert_cmpint (pf_account_get_kind (saved), ==, PF_ACCOUNT_KIND_IMAP);
  assert_server (pf_account_get_incoming (saved), "imap.example.test", imaps, PF_SECURITY_TLS);
  g_assert_cmpstr (pf_server_settings_get_host (pf_account_get_outgoing (saved)), ==,
                   "smtp.example.test");
}

/* Account settings */

typedef struct
{
  PfTestServers     *servers;
  char              *dir;
  PfStore           *store;
  PfPasswordVault   *vault;
  PfAccount         *account;
  PfAccountService  *service;
  PfAccountSettings *settings;
  guint              changed;
  int                removed;   /* -1: not asked; else keep_local_mail */
} SettingsFixture;

static void
on_settings_changed_cb (PfAccountSettings *settings,
                        PfAccount         *account,
                        SettingsFixture   *fixture)
{
  g_assert_true (account == fixture->account);
  fixture->changed++;
}

static void
on_settings_remove_cb (PfAccountSettings *settings,
                       gboolean           keep,
                       SettingsFixture   *fixture)
{
  fixture->removed = keep;
}

static void
settings_set_up (SettingsFixture *fixture,
                 gconstpointer    data)
{
  g_autoptr(PfSecretStore) secrets = pf_secret_store_new ();
  g_autoptr(GError) error = NULL;
  PfServerSettings *in;
  PfServerSettings *out;
  gboolean pop3 = GPOINTER_TO_INT (data);

  fixture->servers = pf_test_servers_get_full (PF_TEST_SERVERS_VARIANTS);
  fixture->dir = g_dir_make_tmp ("pf-settings-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store = pf_store_new_sync (fixture->dir, NULL, &error);
  g_assert_no_error (error);
  fixture->vault = pf_password_vault_new (secrets);
  fixture->account = pf_account_new (pop3 ? PF_ACCOUNT_KIND_POP3 : PF_ACCOUNT_KIND_IMAP);
  pf_account_set_display_name (fixture->account, "Alice");
  pf_account_set_address (fixture->account, pf_test_servers_get_address (fixture->servers, "alice"));
  in = pf_account_get_incoming (fixture->account);
  out = pf_account_get_outgoing (fixture->account);
  pf_server_settings_set_host (in, pf_test_servers_get_host (fixture->servers, "imaps"));
  pf_server_settings_set_port (in, pf_test_servers_get_port (fixture->servers, pop3 ? "pop3s" : "imaps"));
  pf_server_settings_set_security (in, PF_SECURITY_TLS);
  pf_server_settings_set_username (in, pf_test_servers_get_login (fixture->servers, "alice"));
  pf_server_settings_set_pinned_certificate (in, "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
                                                 "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89",
                                             G_TLS_CERTIFICATE_UNKNOWN_CA);
  pf_server_settings_set_host (out, pf_test_servers_get_host (fixture->servers, "submission"));
  pf_server_settings_set_port (out, pf_test_servers_get_port (fixture->servers, "submission"));
  pf_server_settings_set_security (out, PF_SECURITY_STARTTLS);
  pf_server_settings_set_username (out, pf_test_servers_get_login (fixture->servers, "alice"));
  g_assert_true (pf_account_validate (fixture->account, &error));
  fixture->service = pf_account_service_new (fixture->account, fixture->store, fixture->vault);
  fixture->settings = g_object_ref_sink (pf_account_settings_new (NULL, fixture->service,
                                                                  fixture->vault));
  fixture->removed = -1;
  g_signal_connect (fixture->settings, "account-changed", G_CALLBACK (on_settings_changed_cb),
                    fixture);
  g_signal_connect (fixture->settings, "remove-account", G_CALLBACK (on_settings_remove_cb),
                    fixture);
  gtk_window_present (GTK_WINDOW (fixture->settings));
  ui_settle ();
}

static void
settings_tear_down (SettingsFixture *fixture,
                    gconstpointer    data)
{
  if (gtk_widget_get_visible (GTK_WIDGET (fixture->settings)))
    gtk_window_destroy (GTK_WINDOW (fixture->settings));
  g_clear_object (&fixture->settings);
  g_clear_object (&fixture->service);
  g_clear_object (&fixture->account);
  g_clear_object (&fixture->vault);
  g_clear_object (&fixture->store);
  test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static void
clipboard_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  *(char **) user_data = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
}

/* The servers in use, exactly, and copyable. */
static void
test_settings_summary (SettingsFixture *fixture,
                       gconstpointer    data)
{
  g_autofree char *summary = pf_account_settings_dup_summary (fixture->settings);
  g_autofree char *port = g_strdup_printf (": %u\n", pf_test_servers_get_port (fixture->servers, "imaps"));
  g_autofree char *copied = NULL;
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fixture->settings));

  screenshot (GTK_WIDGET (fixture->settings), "account-settings");
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (fixture->settings), "servers");
  screenshot (GTK_WIDGET (fixture->settings), "account-settings-servers");
  g_assert_nonnull (strstr (summary, pf_test_servers_get_host (fixture->servers, "imaps")));
  g_assert_nonnull (strstr (summary, port));
  g_assert_nonnull (strstr (summary, "STARTTLS"));
  g_assert_nonnull (strstr (summary, pf_test_servers_get_login (fixture->servers, "alice")));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->settings),
                                             "settings.copy-summary", NULL));
  gdk_clipboard_read_text_async (clipboard, NULL, clipboard_read_cb, &copied);
  while (copied == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (copied, ==, summary);
}

/* Edits go to a copy; applied, the account changes once; invalid ones
 * are refused with the reason and change nothing. */
static void
test_settings_edit (SettingsFixture *fixture,
                    gconstpointer    data)
{
  GtkWidget *window = GTK_WIDGET (fixture->settings);
  GtkEditable *name = GTK_EDITABLE (ui_find_by_name (window, "display_name_row"));
  GtkEditable *host = GTK_EDITABLE (ui_find_by_name (window, "incoming-host"));
  GtkSpinButton *port = GTK_SPIN_BUTTON (ui_find_by_name (window, "outgoing-port"));
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (name);
  g_assert_nonnull (host);
  g_assert_nonnull (port);
  gtk_editable_set_text (name, "Arbeit");
  g_assert_cmpstr (pf_account_get_display_name (fixture->account), ==, "Alice");
  g_assert_true (pf_account_settings_apply (fixture->settings, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (pf_account_get_display_name (fixture->account), ==, "Arbeit");
  g_assert_cmpuint (fixture->changed, ==, 1);
  /* Nothing more changed: no second signal */
  g_assert_true (pf_account_settings_apply (fixture->settings, &error));
  g_assert_cmpuint (fixture->changed, ==, 1);

  gtk_spin_button_set_value (port, 2525);
  gtk_editable_set_text (host, "mail example org");
  g_assert_false (pf_account_settings_apply (fixture->settings, &error));
  g_assert_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_HOST);
  g_assert_cmpuint (pf_server_settings_get_port (pf_account_get_outgoing (fixture->account)), ==,
                    pf_test_servers_get_port (fixture->servers, "submission"));
  g_assert_cmpuint (fixture->changed, ==, 1);
  /* Closing is refused too while it is invalid */
  gtk_window_close (GTK_WINDOW (fixture->settings));
  ui_settle ();
  g_assert_true (gtk_widget_get_visible (window));

  g_clear_error (&error);
  gtk_editable_set_text (host, "mail.example.org");
  g_assert_true (pf_account_settings_apply (fixture->settings, &error));
  g_assert_cmpstr (pf_server_settings_get_host (pf_account_get_incoming (fixture->account)), ==,
                   "mail.example.org");
  g_assert_cmpuint (pf_server_settings_get_port (pf_account_get_outgoing (fixture->account)), ==,
                    2525);

  /* The certificate exception goes */
  g_assert_nonnull (pf_server_settings_get_pinned_sha256 (pf_account_get_incoming (fixture->account)));
  pf_account_settings_remove_exception (fixture->settings, PF_SERVER_PROTOCOL_IMAP);
  g_assert_true (pf_account_settings_apply (fixture->settings, &error));
  g_assert_null (pf_server_settings_get_pinned_sha256 (pf_account_get_incoming (fixture->account)));
  g_assert_cmpuint (fixture->changed, ==, 3);
}

/* A new password lands in the keyring for both servers. */
static void
test_settings_password (SettingsFixture *fixture,
                        gconstpointer    data)
{
  PfServerSettings *servers[] = { pf_account_get_incoming (fixture->account),
                                  pf_account_get_outgoing (fixture->account) };

  pf_account_settings_change_password (fixture->settings, "neues Geheimnis");
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *password = NULL;

      /* The store finishes before a lookup that starts after it */
      ui_wait (NULL, 300);
      pf_password_vault_lookup_for_server_async (fixture->vault, fixture->account, servers[i],
                                                 NULL, ui_store_result_cb, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      password = pf_password_vault_lookup_finish (fixture->vault, result, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (password, ==, "neues Geheimnis");
    }
}

/* Removing a POP3 account asks whether to keep its mail. */
static void
test_settings_remove_pop3 (SettingsFixture *fixture,
                           gconstpointer    data)
{
  AdwMessageDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->settings),
                                             "settings.remove-account", NULL));
  ui_settle ();
  dialog = ui_find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_true (adw_message_dialog_has_response (dialog, "keep"));
  g_assert_true (adw_message_dialog_has_response (dialog, "delete"));
  adw_message_dialog_response (dialog, "keep");
  gtk_window_destroy (GTK_WINDOW (dialog));
  ui_settle ();
  g_assert_cmpint (fixture->removed, ==, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  pf_i18n_init ();
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* The application's icons, as GtkApplication adds them */
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    RESOURCE_BASE_PATH "/icons");

#define ADD(path, func) \
  g_test_add ("/account-wizard/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("builtin", test_builtin);
  ADD ("replacing", test_replacing);
  ADD ("manual-imap", test_manual_imap);
  ADD ("manual-pop3", test_manual_pop3);
  ADD ("wrong-password", test_wrong_password);
  ADD ("closed-port", test_closed_port);
  ADD ("no-tls", test_no_tls);
  ADD ("certificate", test_certificate);
  ADD ("srv", test_srv);
  ADD ("switch-to-imap", test_migration_window);
  ADD ("https-autoconfig", test_https_autoconfig);
  ADD ("guess", test_guess);
#undef ADD
#define ADD(path, func, pop3) \
  g_test_add ("/account-settings/" path, SettingsFixture, GINT_TO_POINTER (pop3), \
              settings_set_up, func, settings_tear_down)
  ADD ("summary", test_settings_summary, FALSE);
  ADD ("edit", test_settings_edit, FALSE);
  ADD ("password", test_settings_password, FALSE);
  ADD ("remove-pop3", test_settings_remove_pop3, TRUE);
#undef ADD

  return g_test_run ();
}
