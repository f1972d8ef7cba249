/* pf-cli.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-cli"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <signal.h>
#include <stdlib.h>

#include <stdio.h>
#include <string.h>

#include "account/pf-account-error.h"
#include "account/pf-account-manager.h"
#include "imap/pf-imap-error.h"
#include "mime/pf-mime-message.h"
#include "mime/pf-mime-text.h"
#include "net/pf-net-error.h"
#include "pf-cli-private.h"
#include "pf-i18n.h"
#include "pop3/pf-pop3-error.h"
#include "smtp/pf-smtp-error.h"
#include "store/pf-message-list-model.h"
#include "store/pf-store.h"
#include "sync/pf-imap-sync.h"
#include "sync/pf-operations.h"
#include "sync/pf-pop3-sync.h"

/*
 * postfach-cli: the same core as the window, driven from a terminal or a
 * script. It links no GTK. The exit codes are in pf-cli-private.h.
 */

/* Errors of postfach-cli itself */
#define PF_CLI_ERROR (pf_cli_error_quark ())
static GQuark pf_cli_error_quark (void);
static G_DEFINE_QUARK (pf-cli-error-quark, pf_cli_error)

enum
{
  PF_CLI_ERROR_NO_PASSWORD,
};

typedef struct
{
  const char *name;
  int       (*run)         (int    argc,
                            char **argv);
  const char *description; /* translated when shown */
} PfCliCommand;

static int
cmd_version (int    argc,
             char **argv)
{
  g_print ("postfach-cli %s\n", PACKAGE_VERSION);
  return PF_CLI_EXIT_OK;
}


/* Shared plumbing */

GAsyncResult *
pf_cli_wait (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (slot);
}

void
pf_cli_store_result_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

/* The documented exit status of an error */
static int
exit_status_for (const GError *error)
{
  if (error->domain == PF_NET_ERROR)
    {
      switch ((PfNetError) error->code)
        {
        case PF_NET_ERROR_CERTIFICATE_UNTRUSTED:
          return PF_CLI_EXIT_CERTIFICATE;
        case PF_NET_ERROR_HOST_NOT_FOUND:
        case PF_NET_ERROR_CONNECTION_REFUSED:
        case PF_NET_ERROR_UNREACHABLE:
        case PF_NET_ERROR_TIMEOUT:
        case PF_NET_ERROR_CONNECTION_LOST:
          return PF_CLI_EXIT_UNREACHABLE;
        case PF_NET_ERROR_TLS_FAILED:
        case PF_NET_ERROR_STARTTLS_UNAVAILABLE:
        case PF_NET_ERROR_PLAINTEXT_REFUSED:
        case PF_NET_ERROR_PROTOCOL:
        default:
          return PF_CLI_EXIT_FAILED;
        }
    }
  if (g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_CONNECTION_LOST))
    return PF_CLI_EXIT_UNREACHABLE;
  if (g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_AUTHENTICATION_FAILED) ||
      g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_AUTHENTICATION_FAILED) ||
      g_error_matches (error, PF_SMTP_ERROR, PF_SMTP_ERROR_AUTHENTICATION_FAILED))
    return PF_CLI_EXIT_AUTHENTICATION;
  if (g_error_matches (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_NOT_FOUND) ||
      g_error_matches (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND))
    return PF_CLI_EXIT_NOT_FOUND;
  if (g_error_matches (error, PF_CLI_ERROR, PF_CLI_ERROR_NO_PASSWORD))
    return PF_CLI_EXIT_NO_PASSWORD;
  if (error->domain == PF_ACCOUNT_ERROR || error->domain == G_OPTION_ERROR)
    return PF_CLI_EXIT_USAGE;
  return PF_CLI_EXIT_FAILED;
}

int
pf_cli_fail (GError *error)
{
  int status = exit_status_for (error);

  g_printerr ("postfach-cli: %s\n", error->message);
  g_error_free (error);
  return status;
}

int
pf_cli_usage_error (GOptionContext *context,
                    const char     *message)
{
  g_printerr ("postfach-cli: %s\n", message);
  g_printerr (_("Try “%s --help” for more information."), "postfach-cli");
  g_printerr ("\n");
  return PF_CLI_EXIT_USAGE;
}

/* A command's options; NULL after telling the user what was wrong. */
GOptionContext *
pf_cli_command_options (int                *argc,
                        char             ***argv,
                        const char         *parameters,
                        const char         *summary,
                        const GOptionEntry *entries)
{
  GOptionContext *context = g_option_context_new (parameters);
  g_autoptr(GError) error = NULL;

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      pf_cli_usage_error (context, error->message);
      g_option_context_free (context);
      return NULL;
    }
  return context;
}

PfAccountManager *
pf_cli_open_manager (GError **error)
{
  g_autofree char *directory = pf_account_manager_dup_default_directory ();
  g_autoptr(PfSecretStore) secrets = pf_secret_store_new ();
  g_autoptr(PfPasswordVault) vault = pf_password_vault_new (secrets);
  g_autoptr(PfAccountManager) manager = pf_account_manager_new (directory, vault);
  g_autoptr(GPtrArray) problems = NULL;

  if (!pf_account_manager_load (manager, &problems, error))
    return NULL;
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    {
      GError *problem = g_ptr_array_index (problems, i);

      g_printerr (_("postfach-cli: warning: %s"), problem->message);
      g_printerr ("\n");
    }
  return g_steal_pointer (&manager);
}

/* @id, or the only account when @id is NULL */
PfAccount *
pf_cli_find_account (PfAccountManager  *manager,
                     const char        *id,
                     GError           **error)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (manager));
  PfAccount *account;

  if (id != NULL)
    {
      account = pf_account_manager_lookup (manager, id);
      if (account == NULL)
        {
          g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_NOT_FOUND,
                       _("There is no account “%s”; “postfach-cli account list” shows them"),
                       id);
          return NULL;
        }
      return g_object_ref (account);
    }
  if (n == 1)
    return g_list_model_get_item (G_LIST_MODEL (manager), 0);
  if (n == 0)
    g_set_error_literal (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_NOT_FOUND,
                         _("There is no account yet; add one with “postfach-cli account add”"));
  else
    g_set_error_literal (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_NOT_FOUND,
                         _("There are several accounts; name one with --account"));
  return NULL;
}

PfStore *
pf_cli_open_store (PfAccount  *account,
                   GError    **error)
{
  g_autofree char *directory = pf_account_dup_data_dir (account);

  return pf_store_new_sync (directory, NULL, error);
}

static PfStoreFolder *
find_folder (PfStore     *store,
             const char  *name,
             GError     **error)
{
  PfStoreFolder *folder = pf_store_lookup_folder (store, name, NULL);

  if (folder == NULL && g_ascii_strcasecmp (name, "INBOX") == 0)
    folder = pf_store_lookup_folder_by_special_use (store, PF_STORE_SPECIAL_USE_INBOX, NULL);
  if (folder == NULL)
    g_set_error (error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                 _("There is no folder “%s”; “postfach-cli folders” lists them"), name);
  return folder;
}

static char *
read_password_from_stdin (GError **error)
{
  g_autoptr(GString) line = g_string_new (NULL);
  int c;

  while ((c = getchar ()) != EOF && c != '\n')
    g_string_append_c (line, (char) c);
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  if (line->len == 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           _("The password is read from standard input, which was empty"));
      return NULL;
    }
  return g_string_free (g_steal_pointer (&line), FALSE);
}

static const char *
security_name (PfSecurity security)
{
  switch (security)
    {
    case PF_SECURITY_TLS:
      return "tls";
    case PF_SECURITY_STARTTLS:
      return "starttls";
    case PF_SECURITY_NONE:
    default:
      return "none";
    }
}

static gboolean
parse_security (const char  *text,
                PfSecurity  *security,
                GError     **error)
{
  if (g_strcmp0 (text, "tls") == 0)
    *security = PF_SECURITY_TLS;
  else if (g_strcmp0 (text, "starttls") == 0)
    *security = PF_SECURITY_STARTTLS;
  else if (g_strcmp0 (text, "none") == 0)
    *security = PF_SECURITY_NONE;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Unknown security “%s”: use tls, starttls or none"), text);
      return FALSE;
    }
  return TRUE;
}

static gboolean
configure_server (PfServerSettings  *server,
                  const char        *host,
                  int                port,
                  const char        *security_text,
                  const char        *user,
                  const char        *ca_file,
                  const char        *fingerprint,
                  GError           **error)
{
  PfSecurity security = PF_SECURITY_TLS;

  if (security_text != NULL && !parse_security (security_text, &security, error))
    return FALSE;
  pf_server_settings_set_host (server, host);
  pf_server_settings_set_security (server, security);
  /* "none" on the command line is the explicit consent. */
  pf_server_settings_set_allow_plaintext_password (server, security == PF_SECURITY_NONE);
  pf_server_settings_set_port (server, port > 0 ? (guint16) port :
                               pf_server_protocol_get_default_port (pf_server_settings_get_protocol (server),
                                                                    security));
  pf_server_settings_set_username (server, user);
  if (ca_file != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (ca_file);
      g_autofree char *path = g_file_get_path (file);

      pf_server_settings_set_ca_file (server, path);
    }
  if (fingerprint != NULL)
    {
      g_autofree char *normalized = pf_normalize_sha256_fingerprint (fingerprint);

      if (normalized == NULL)
        {
          g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_FINGERPRINT,
                       _("“%s” is not a SHA-256 fingerprint"), fingerprint);
          return FALSE;
        }
      pf_server_settings_set_pinned_certificate (server, normalized,
                                                 G_TLS_CERTIFICATE_VALIDATE_ALL);
    }
  return TRUE;
}

static gboolean
store_password (PfAccountManager  *manager,
                PfAccount         *account,
                PfServerSettings  *server,
                const char        *password,
                GError           **error)
{
  PfPasswordVault *vault = pf_account_manager_get_vault (manager);
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;
  gboolean session_only = FALSE;

  pf_password_vault_store_for_server_async (vault, account, server, password, NULL,
                                            pf_cli_store_result_cb, &slot);
  result = pf_cli_wait (&slot);
  if (!pf_password_vault_store_finish (vault, result, &session_only, error))
    return FALSE;
  if (session_only)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("No password storage (Secret Service) is available, so the "
                             "password cannot be kept for later runs"));
      return FALSE;
    }
  return TRUE;
}

char *
pf_cli_lookup_password (PfAccountManager  *manager,
                        PfAccount         *account,
                        PfServerSettings  *server,
                        GError           **error)
{
  PfPasswordVault *vault = pf_account_manager_get_vault (manager);
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;
  g_autoptr(GError) local_error = NULL;
  char *password;

  pf_password_vault_lookup_for_server_async (vault, account, server, NULL,
                                             pf_cli_store_result_cb, &slot);
  result = pf_cli_wait (&slot);
  password = pf_password_vault_lookup_finish (vault, result, NULL, &local_error);
  if (password == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, PF_CLI_ERROR, PF_CLI_ERROR_NO_PASSWORD,
                     _("No password is stored for %s on %s"),
                     pf_server_settings_get_username (server),
                     pf_server_settings_get_host (server));
    }
  return password;
}

/* account add|list|remove */

static int
cmd_account_add (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfAccountManager) manager = NULL;
  g_autoptr(PfAccount) account = NULL;
  g_autofree char *password = NULL;
  g_autofree char *name = NULL;
  g_autofree char *email = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *host = NULL;
  g_autofree char *security = NULL;
  g_autofree char *user = NULL;
  g_autofree char *smtp_host = NULL;
  g_autofree char *smtp_security = NULL;
  g_autofree char *smtp_user = NULL;
  g_autofree char *pop3_policy = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *fingerprint = NULL;
  int port = 0;
  int smtp_port = 0;
  gboolean no_password = FALSE;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("The account’s name"), N_("NAME") },
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, N_("The email address"), N_("ADDRESS") },
    { "kind", 0, 0, G_OPTION_ARG_STRING, &kind, N_("imap or pop3"), N_("KIND") },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, N_("The incoming server"), N_("HOST") },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, N_("Its port (default: by security)"), N_("PORT") },
    { "security", 0, 0, G_OPTION_ARG_STRING, &security, N_("tls, starttls or none"), N_("SECURITY") },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, N_("The user name (default: the address)"), N_("USER") },
    { "smtp-host", 0, 0, G_OPTION_ARG_STRING, &smtp_host, N_("The outgoing SMTP server (default: the incoming host)"), N_("HOST") },
    { "smtp-port", 0, 0, G_OPTION_ARG_INT, &smtp_port, N_("Its port"), N_("PORT") },
    { "smtp-security", 0, 0, G_OPTION_ARG_STRING, &smtp_security, N_("tls, starttls or none"), N_("SECURITY") },
    { "smtp-user", 0, 0, G_OPTION_ARG_STRING, &smtp_user, N_("The SMTP user name"), N_("USER") },
    { "pop3-policy", 0, 0, G_OPTION_ARG_STRING, &pop3_policy,
      N_("delete, keep, keep-days:N or mirror-local-deletes"), N_("POLICY") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      N_("Trust the certificate authority in this PEM file"), N_("FILE") },
    { "trust-fingerprint", 0, 0, G_OPTION_ARG_STRING, &fingerprint,
      N_("Trust the server certificate with this SHA-256 fingerprint"), N_("SHA256") },
    { "no-password", 0, 0, G_OPTION_ARG_NONE, &no_password,
      N_("Store no password; each command that needs one reads it with --password-stdin"),
      NULL },
    { NULL }
  };

  context = pf_cli_command_options (&argc, &argv, NULL,
                                    _("Adds an account; the password is read from "
                                      "standard input. Prints the new account’s id."), entries);
  if (context == NULL)
    return PF_CLI_EXIT_USAGE;
  if (argc > 1)
    return pf_cli_usage_error (context, _("Unexpected argument"));
  if (name == NULL || email == NULL || kind == NULL || host == NULL)
    return pf_cli_usage_error (context, _("--name, --email, --kind and --host are required"));

  if (g_strcmp0 (kind, "imap") == 0)
    account = pf_account_new (PF_ACCOUNT_KIND_IMAP);
  else if (g_strcmp0 (kind, "pop3") == 0)
    account = pf_account_new (PF_ACCOUNT_KIND_POP3);
  else
    return pf_cli_usage_error (context, _("--kind must be imap or pop3"));

  pf_account_set_display_name (account, name);
  pf_account_set_address (account, email);
  if (!configure_server (pf_account_get_incoming (account), host, port, security,
                         user != NULL ? user : email, ca_file, fingerprint, &error))
    return pf_cli_fail (g_steal_pointer (&error));
  /* Without --smtp-host: the incoming server's host, as many providers
   * have it, with the same security. */
  if (!configure_server (pf_account_get_outgoing (account),
                         smtp_host != NULL ? smtp_host : host, smtp_port,
                         smtp_security != NULL ? smtp_security : security,
                         smtp_user != NULL ? smtp_user : (user != NULL ? user : email),
                         ca_file, fingerprint, &error))
    return pf_cli_fail (g_steal_pointer (&error));

  if (pop3_policy != NULL)
    {
      if (g_strcmp0 (pop3_policy, "delete") == 0)
        pf_account_set_pop3_policy (account, PF_POP3_POLICY_DELETE);
      else if (g_strcmp0 (pop3_policy, "keep") == 0)
        pf_account_set_pop3_policy (account, PF_POP3_POLICY_KEEP);
      else if (g_strcmp0 (pop3_policy, "mirror-local-deletes") == 0)
        pf_account_set_pop3_policy (account, PF_POP3_POLICY_DELETE_WITH_LOCAL);
      else if (g_str_has_prefix (pop3_policy, "keep-days:"))
        {
          guint64 days = 0;

          if (!g_ascii_string_to_unsigned (pop3_policy + 10, 10, 1, 36500, &days, NULL))
            return pf_cli_usage_error (context, _("keep-days needs a number of days"));
          pf_account_set_pop3_policy (account, PF_POP3_POLICY_KEEP_DAYS);
          pf_account_set_pop3_keep_days (account, (guint) days);
        }
      else
        return pf_cli_usage_error (context, _("Unknown --pop3-policy"));
    }

  if (!pf_account_validate (account, &error))
    return pf_cli_fail (g_steal_pointer (&error));

  if (!no_password)
    {
      password = read_password_from_stdin (&error);
      if (password == NULL)
        return pf_cli_fail (g_steal_pointer (&error));
    }

  manager = pf_cli_open_manager (&error);
  if (manager == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  if (password != NULL &&
      (!store_password (manager, account, pf_account_get_incoming (account), password, &error) ||
       !store_password (manager, account, pf_account_get_outgoing (account), password, &error)))
    {
      explicit_bzero (password, strlen (password));
      return pf_cli_fail (g_steal_pointer (&error));
    }
  if (password != NULL)
    explicit_bzero (password, strlen (password));
  if (!pf_account_manager_add (manager, account, &error))
    return pf_cli_fail (g_steal_pointer (&error));

  g_print ("%s\n", pf_account_get_id (account));
  return PF_CLI_EXIT_OK;
}

static int
cmd_account_list (int    argc,
                  char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfAccountManager) manager = pf_cli_open_manager (&error);
  guint n;

  if (manager == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  n = g_list_model_get_n_items (G_LIST_MODEL (manager));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PfAccount) account = g_list_model_get_item (G_LIST_MODEL (manager), i);
      PfServerSettings *incoming = pf_account_get_incoming (account);

      g_print ("%s\t%s\t%s\t%s\t%s:%u\t%s\n", pf_account_get_id (account),
               pf_account_get_kind (account) == PF_ACCOUNT_KIND_IMAP ? "imap" : "pop3",
               pf_account_get_address (account), pf_account_get_display_name (account),
               pf_server_settings_get_host (incoming), pf_server_settings_get_port (incoming),
               security_name (pf_server_settings_get_security (incoming)));
    }
  return PF_CLI_EXIT_OK;
}

static int
cmd_account_remove (int    argc,
                    char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfAccountManager) manager = NULL;
  g_autoptr(PfAccount) account = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  if (argc != 2)
    {
      g_printerr ("%s\n", _("Usage: postfach-cli account remove ID"));
      return PF_CLI_EXIT_USAGE;
    }
  manager = pf_cli_open_manager (&error);
  if (manager == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  account = pf_cli_find_account (manager, argv[1], &error);
  if (account == NULL)
    return pf_cli_fail (g_steal_pointer (&error));

  pf_account_manager_remove_async (manager, argv[1], NULL, pf_cli_store_result_cb, &slot);
  result = pf_cli_wait (&slot);
  if (!pf_account_manager_remove_finish (manager, result, &error))
    return pf_cli_fail (g_steal_pointer (&error));

  /* The account's mail goes with it. */
  if (!pf_account_delete_data (account, NULL, &error))
    return pf_cli_fail (g_steal_pointer (&error));
  return PF_CLI_EXIT_OK;
}

static int
cmd_account (int    argc,
             char **argv)
{
  if (argc >= 2 && strcmp (argv[1], "add") == 0)
    return cmd_account_add (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "list") == 0)
    return cmd_account_list (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "remove") == 0)
    return cmd_account_remove (argc - 1, argv + 1);
  g_printerr ("%s\n", _("Usage: postfach-cli account add|list|remove …"));
  return PF_CLI_EXIT_USAGE;
}

/* sync */

static void
on_progress_cb (PfImapSync *sync,
                const char *folder,
                guint       done,
                guint       total,
                gpointer    user_data)
{
  /* Translators: sync progress: folder, messages done, messages in all */
  g_printerr (_("%s: %u/%u"), folder, done, total);
  g_printerr ("\n");
}

static void
on_operation_failed_cb (PfImapSync *sync,
                        const char *kind,
                        const char *message,
                        gpointer    user_data)
{
  /* Translators: a queued change the server refused; its kind and why */
  g_printerr (_("postfach-cli: the server refused “%s”, which was taken back: %s"), kind,
              message);
  g_printerr ("\n");
}

static void
print_stats (PfAccount             *account,
             const PfImapSyncStats *stats,
             double                 seconds)
{
  /* Translators: the one-line summary of "postfach-cli sync" */
  g_print (_("%s: %u folders, %u synchronized, %u new, %u changed, %u removed, "
             "%u bodies, %.2f s"),
           pf_account_get_id (account), stats->folders_listed, stats->folders_synced,
           stats->new_messages, stats->changed_flags, stats->expunged, stats->bodies, seconds);
  g_print ("\n");
  fflush (stdout);
}

typedef struct
{
  PfAccount    *account;
  gint64        start;
} WatchPrint;

static void
on_synced_cb (PfImapSync      *sync,
              PfImapSyncStats *stats,
              gpointer         user_data)
{
  WatchPrint *print = user_data;
  gint64 now = g_get_monotonic_time ();

  print_stats (print->account, stats, (now - print->start) / (double) G_USEC_PER_SEC);
  print->start = now;
}

static void
on_sync_failed_cb (PfImapSync   *sync,
                   const GError *error,
                   guint         retry_seconds,
                   gpointer      user_data)
{
  g_printerr ("postfach-cli: %s\n", error->message);
  if (retry_seconds > 0)
    {
      g_printerr (_("postfach-cli: trying again in %u s"), retry_seconds);
      g_printerr ("\n");
    }
}

static gboolean
on_quit_signal_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_CONTINUE;
}

/* --bodies: days of mail whose bodies are kept offline; see
 * pf_imap_sync_set_offline_days() */
static int sync_offline_days = 14;
/* --no-index: leave the search index of new summaries to the first search */
static gboolean sync_no_index = FALSE;

static void
on_pop3_progress_cb (PfPop3Sync *sync,
                     guint       done,
                     guint       total,
                     gpointer    user_data)
{
  if (total == 0)
    return;
  /* Translators: POP3 download progress: messages done, messages in all */
  g_printerr (_("Downloading: %u/%u"), done, total);
  g_printerr ("\n");
}

static int
sync_pop3_account (PfAccount  *account,
                   const char *password,
                   gboolean    quiet)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfStore) store = NULL;
  g_autoptr(PfPop3Sync) sync = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  PfServerSettings *incoming = pf_account_get_incoming (account);
  PfPop3SyncStats stats = { 0 };
  GAsyncResult *slot = NULL;
  gint64 start = g_get_monotonic_time ();
  gboolean ok;

  store = pf_cli_open_store (account, &error);
  if (store == NULL)
    return pf_cli_fail (g_steal_pointer (&error));

  sync = pf_pop3_sync_new (store, incoming);
  pf_pop3_sync_set_secret (sync, password,
                           pf_server_settings_get_auth_method (incoming) == PF_AUTH_METHOD_OAUTH2);
  pf_pop3_sync_set_policy (sync, pf_account_get_pop3_policy (account),
                           pf_account_get_pop3_keep_days (account));
  g_signal_connect (sync, "progress", G_CALLBACK (on_pop3_progress_cb), NULL);
  pf_pop3_sync_run_async (sync, NULL, pf_cli_store_result_cb, &slot);
  result = pf_cli_wait (&slot);
  ok = pf_pop3_sync_run_finish (sync, result, &stats, &error);
  pf_store_close (store);
  if (!ok)
    return pf_cli_fail (g_steal_pointer (&error));

  if (!quiet)
    {
      /* Translators: the one-line summary of "postfach-cli sync" for a POP3
       * account: id, messages on the server, downloaded, deleted there */
      g_print (_("%s: %u on the server, %u new, %u deleted on the server, %.2f s"),
               pf_account_get_id (account), stats.on_server, stats.new_messages,
               stats.deleted_on_server,
               (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
      g_print ("\n");
      fflush (stdout);
    }
  return PF_CLI_EXIT_OK;
}

static int
sync_account (PfAccountManager *manager,
              PfAccount        *account,
              const char       *password_override,
              gboolean          quiet,
              guint            watch_poll_seconds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfStore) store = NULL;
  g_autoptr(PfImapSync) sync = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *password = NULL;
  PfServerSettings *incoming = pf_account_get_incoming (account);
  PfImapSyncStats stats = { 0 };
  GAsyncResult *slot = NULL;
  gint64 start = g_get_monotonic_time ();

  if (pf_account_get_kind (account) == PF_ACCOUNT_KIND_POP3 && watch_poll_seconds > 0)
    {
      g_printerr (_("postfach-cli: %s: --watch is for IMAP accounts"),
                  pf_account_get_id (account));
      g_printerr ("\n");
      return PF_CLI_EXIT_USAGE;
    }

  password = password_override != NULL ? g_strdup (password_override) :
             pf_cli_lookup_password (manager, account, incoming, &error);
  if (password == NULL)
    return pf_cli_fail (g_steal_pointer (&error));

  if (pf_account_get_kind (account) == PF_ACCOUNT_KIND_POP3)
    {
      int status = sync_pop3_account (account, password, quiet);

      explicit_bzero (password, strlen (password));
      return status;
    }

  store = pf_cli_open_store (account, &error);
  if (store == NULL)
    return pf_cli_fail (g_steal_pointer (&error));

  sync = pf_imap_sync_new (store, incoming);
  pf_imap_sync_set_secret (sync, password,
                           pf_server_settings_get_auth_method (incoming) == PF_AUTH_METHOD_OAUTH2);
  pf_imap_sync_set_offline_days (sync, sync_offline_days);
  pf_imap_sync_set_index_search (sync, !sync_no_index);
  explicit_bzero (password, strlen (password));
  g_signal_connect (sync, "progress", G_CALLBACK (on_progress_cb), NULL);
  g_signal_connect (sync, "operation-failed", G_CALLBACK (on_operation_failed_cb), NULL);

  if (watch_poll_seconds > 0)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      WatchPrint print = { account, start };
      guint sigint = g_unix_signal_add (SIGINT, on_quit_signal_cb, cancellable);
      guint sigterm = g_unix_signal_add (SIGTERM, on_quit_signal_cb, cancellable);

      pf_imap_sync_set_poll_interval (sync, watch_poll_seconds);
      g_signal_connect (sync, "synced", G_CALLBACK (on_synced_cb), &print);
      g_signal_connect (sync, "sync-failed", G_CALLBACK (on_sync_failed_cb), NULL);
      pf_imap_sync_watch_async (sync, cancellable, pf_cli_store_result_cb, &slot);
      result = pf_cli_wait (&slot);
      g_source_remove (sigint);
      g_source_remove (sigterm);
      if (!pf_imap_sync_watch_finish (sync, result, &error) &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return pf_cli_fail (g_steal_pointer (&error));
      g_clear_error (&error);
      g_clear_object (&result);
    }
  else
    {
      pf_imap_sync_run_async (sync, NULL, pf_cli_store_result_cb, &slot);
      result = pf_cli_wait (&slot);
      if (!pf_imap_sync_run_finish (sync, result, &stats, &error))
        return pf_cli_fail (g_steal_pointer (&error));
      g_clear_object (&result);
    }

  pf_imap_sync_disconnect_async (sync, NULL, pf_cli_store_result_cb, &slot);
  result = pf_cli_wait (&slot);
  pf_imap_sync_disconnect_finish (sync, result, NULL);
  pf_store_close (store);

  if (quiet || watch_poll_seconds > 0)
    return PF_CLI_EXIT_OK;
  print_stats (account, &stats, (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  return PF_CLI_EXIT_OK;
}

static int
cmd_sync (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfAccountManager) manager = NULL;
  g_autofree char *password = NULL;
  gboolean password_stdin = FALSE;
  gboolean watch = FALSE;
  g_autofree char *bodies = NULL;
  int poll_interval = 120;
  int status = PF_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
      N_("Read the password from standard input instead of the keyring"), NULL },
    { "watch", 0, 0, G_OPTION_ARG_NONE, &watch,
      N_("Stay and keep the local copy current (IDLE, or polling) until interrupted"), NULL },
    { "poll-interval", 0, 0, G_OPTION_ARG_INT, &poll_interval,
      N_("With --watch and a server without IDLE: seconds between checks"), N_("SECONDS") },
    { "bodies", 0, 0, G_OPTION_ARG_STRING, &bodies,
      N_("Keep whole messages for reading offline: of the last DAYS days (default 14), "
         "all, or none"), N_("DAYS") },
    { "no-index", 0, 0, G_OPTION_ARG_NONE, &sync_no_index,
      N_("Store new messages without adding them to the search index; the next search "
         "adds them"), NULL },
    { NULL }
  };

  context = pf_cli_command_options (&argc, &argv, _("[ACCOUNT-ID]"),
                                    _("Brings the local copy up to date with the "
                                      "server; all accounts without an id."), entries);
  if (context == NULL)
    return PF_CLI_EXIT_USAGE;
  if (argc > 2)
    return pf_cli_usage_error (context, _("Unexpected argument"));
  if (poll_interval < 1)
    return pf_cli_usage_error (context, _("--poll-interval needs at least 1 second"));
  if (watch && argc != 2)
    return pf_cli_usage_error (context, _("--watch needs an account id"));
  if (bodies != NULL)
    {
      guint64 days;

      if (g_strcmp0 (bodies, "all") == 0)
        sync_offline_days = 0;
      else if (g_strcmp0 (bodies, "none") == 0)
        sync_offline_days = -1;
      else if (g_ascii_string_to_unsigned (bodies, 10, 1, 36500, &days, NULL))
        sync_offline_days = (int) days;
      else
        return pf_cli_usage_error (context, _("--bodies takes a number of days, all or none"));
    }

  manager = pf_cli_open_manager (&error);
  if (manager == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  if (password_stdin)
    {
      password = read_password_from_stdin (&error);
      if (password == NULL)
        return pf_cli_fail (g_steal_pointer (&error));
    }

  if (argc == 2)
    {
      g_autoptr(PfAccount) account = pf_cli_find_account (manager, argv[1], &error);

      if (account == NULL)
        return pf_cli_fail (g_steal_pointer (&error));
      return sync_account (manager, account, password, FALSE, watch ? poll_interval : 0);
    }

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (manager)); i++)
    {
      g_autoptr(PfAccount) account = g_list_model_get_item (G_LIST_MODEL (manager), i);
      int account_status = sync_account (manager, account, password, FALSE, 0);

      if (status == PF_CLI_EXIT_OK)
        status = account_status;
    }
  return status;
}

/* folders, ls, show, search */

static const char *
special_use_name (PfStoreSpecialUse use)
{
  switch (use)
    {
    case PF_STORE_SPECIAL_USE_INBOX: return "inbox";
    case PF_STORE_SPECIAL_USE_SENT: return "sent";
    case PF_STORE_SPECIAL_USE_DRAFTS: return "drafts";
    case PF_STORE_SPECIAL_USE_TRASH: return "trash";
    case PF_STORE_SPECIAL_USE_JUNK: return "junk";
    case PF_STORE_SPECIAL_USE_ARCHIVE: return "archive";
    case PF_STORE_SPECIAL_USE_ALL: return "all";
    case PF_STORE_SPECIAL_USE_FLAGGED: return "flagged";
    case PF_STORE_SPECIAL_USE_NONE:
    default: return "-";
    }
}

/* Opens the store of --account (or the only account). */
static PfStore *
open_account_store (const char  *account_id,
                    GError     **error)
{
  g_autoptr(PfAccountManager) manager = pf_cli_open_manager (error);
  g_autoptr(PfAccount) account = NULL;

  if (manager == NULL)
    return NULL;
  account = pf_cli_find_account (manager, account_id, error);
  if (account == NULL)
    return NULL;
  return pf_cli_open_store (account, error);
}

static int
cmd_folders (int    argc,
             char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfStore) store = NULL;
  g_autoptr(GPtrArray) folders = NULL;

  if (argc > 2)
    {
      g_printerr ("%s\n", _("Usage: postfach-cli folders [ACCOUNT-ID]"));
      return PF_CLI_EXIT_USAGE;
    }
  store = open_account_store (argc == 2 ? argv[1] : NULL, &error);
  if (store == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  folders = pf_store_list_folders (store, &error);
  if (folders == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  for (guint i = 0; i < folders->len; i++)
    {
      PfStoreFolder *folder = g_ptr_array_index (folders, i);

      g_print ("%s\t%s\t%u\t%u\n", folder->name, special_use_name (folder->special_use),
               folder->unread_count, folder->total_count);
    }
  return PF_CLI_EXIT_OK;
}

static char *
flags_text (PfStoreFlags flags)
{
  GString *text = g_string_new (NULL);

  if (flags & PF_STORE_FLAG_SEEN)
    g_string_append_c (text, 'S');
  if (flags & PF_STORE_FLAG_ANSWERED)
    g_string_append_c (text, 'A');
  if (flags & PF_STORE_FLAG_FLAGGED)
    g_string_append_c (text, 'F');
  if (flags & PF_STORE_FLAG_DELETED)
    g_string_append_c (text, 'D');
  if (flags & PF_STORE_FLAG_DRAFT)
    g_string_append_c (text, 'T');
  if (text->len == 0)
    g_string_append_c (text, '-');
  return g_string_free (text, FALSE);
}

/* One pf_cli_field of a tab-separated line: tabs and line breaks become spaces. */
char *
pf_cli_field (const char *text)
{
  char *copy = g_strdup (text != NULL ? text : "");

  for (char *p = copy; *p != '\0'; p++)
    if (*p == '\t' || *p == '\n' || *p == '\r')
      *p = ' ';
  return copy;
}

static void
print_summary (PfMessageSummary *summary)
{
  g_autoptr(GDateTime) date = NULL;
  g_autofree char *iso = NULL;
  g_autofree char *flags = flags_text (pf_message_summary_get_flags (summary));
  g_autofree char *from = NULL;
  g_autofree char *subject = pf_cli_field (pf_message_summary_get_subject (summary));
  const char *name = pf_message_summary_get_from (summary);

  from = pf_cli_field (name != NULL && name[0] != '\0' ? name :
                       pf_message_summary_get_from_address (summary));
  date = g_date_time_new_from_unix_utc (pf_message_summary_get_date (summary));
  iso = date != NULL ? g_date_time_format_iso8601 (date) : g_strdup ("-");
  g_print ("%u\t%s\t%s\t%s\t%s\n", pf_message_summary_get_uid (summary), flags, iso, from,
           subject);
}

static int
cmd_ls (int    argc,
        char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfStore) store = NULL;
  g_autoptr(PfStoreFolder) folder = NULL;
  g_autoptr(PfMessageListModel) model = NULL;
  g_autofree char *account_id = NULL;
  int limit = 0;
  guint n;
  const GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &account_id, N_("The account"), N_("ID") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("Show at most N messages"), N_("N") },
    { NULL }
  };

  context = pf_cli_command_options (&argc, &argv, _("FOLDER"),
                                    _("Lists the messages of a folder, newest first: "
                                      "UID, flags, date, sender, subject."), entries);
  if (context == NULL)
    return PF_CLI_EXIT_USAGE;
  if (argc != 2)
    return pf_cli_usage_error (context, _("Name one folder"));

  store = open_account_store (account_id, &error);
  if (store == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  folder = find_folder (store, argv[1], &error);
  if (folder == NULL)
    return pf_cli_fail (g_steal_pointer (&error));

  model = pf_message_list_model_new_for_folder (store, folder->id);
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  if (limit > 0)
    n = MIN (n, (guint) limit);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PfMessageSummary) summary = g_list_model_get_item (G_LIST_MODEL (model), i);

      print_summary (summary);
    }
  return PF_CLI_EXIT_OK;
}

static int
cmd_search (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfStore) store = NULL;
  g_autoptr(PfMessageListModel) model = NULL;
  g_autofree char *account_id = NULL;
  g_autofree char *folder_name = NULL;
  g_autofree char *query = NULL;
  gint64 folder_id = 0;
  guint pending;
  int limit = 0;
  guint n;
  const GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &account_id, N_("The account"), N_("ID") },
    { "folder", 0, 0, G_OPTION_ARG_STRING, &folder_name, N_("Search only this folder"), N_("FOLDER") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("Show at most N messages"), N_("N") },
    { NULL }
  };

  context = pf_cli_command_options (&argc, &argv, _("QUERY…"),
                                    _("Finds messages by subject, addresses and text; "
                                      "accents and case do not matter."), entries);
  if (context == NULL)
    return PF_CLI_EXIT_USAGE;
  if (argc < 2)
    return pf_cli_usage_error (context, _("Give something to search for"));

  store = open_account_store (account_id, &error);
  if (store == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  if (folder_name != NULL)
    {
      g_autoptr(PfStoreFolder) folder = find_folder (store, folder_name, &error);

      if (folder == NULL)
        return pf_cli_fail (g_steal_pointer (&error));
      folder_id = folder->id;
    }

  /* A sync that was cut off may have left messages out of the full-text
   * index; a search from here sees all of them. */
  pending = pf_store_count_unindexed (store);
  if (pending > 2000)
    {
      g_printerr (_("Adding %u messages to the search index…"), pending);
      g_printerr ("\n");
    }
  while (pf_store_count_unindexed (store) > 0)
    {
      if (!pf_store_index_pending_sync (store, 5000, &error))
        return pf_cli_fail (g_steal_pointer (&error));
    }

  query = g_strjoinv (" ", argv + 1);
  model = pf_message_list_model_new_for_search (store, folder_id, query, &error);
  if (model == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  if (limit > 0)
    n = MIN (n, (guint) limit);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PfMessageSummary) summary = g_list_model_get_item (G_LIST_MODEL (model), i);

      print_summary (summary);
    }
  return PF_CLI_EXIT_OK;
}

/* flag, move, delete, undo, queue */

void
pf_cli_context_clear (PfCliContext *context)
{
  g_clear_pointer (&context->account_id, g_free);
  if (context->store != NULL)
    pf_store_close (context->store);
  g_clear_object (&context->store);
  g_clear_object (&context->account);
  g_clear_object (&context->manager);
}

gboolean
pf_cli_context_open (PfCliContext  *context,
                     GError       **error)
{
  context->manager = pf_cli_open_manager (error);
  if (context->manager == NULL)
    return FALSE;
  context->account = pf_cli_find_account (context->manager, context->account_id, error);
  if (context->account == NULL)
    return FALSE;
  context->store = pf_cli_open_store (context->account, error);
  return context->store != NULL;
}

static gboolean
parse_uids (char     **args,
            int        n_args,
            GArray   **uids,
            GError   **error)
{
  *uids = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (int i = 0; i < n_args; i++)
    {
      guint64 value;

      if (!g_ascii_string_to_unsigned (args[i], 10, 1, G_MAXUINT32, &value, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("“%s” is not a UID"), args[i]);
          g_clear_pointer (uids, g_array_unref);
          return FALSE;
        }
      g_array_append_vals (*uids, &(guint32) { (guint32) value }, 1);
    }
  return TRUE;
}

/* The change is stored; now it goes to the server, unless --offline. */
static int
push_change (PfCliContext *context)
{
  int status;

  if (context->offline || pf_account_get_kind (context->account) != PF_ACCOUNT_KIND_IMAP)
    return PF_CLI_EXIT_OK;

  /* One store per process: the sync opens its own. */
  pf_store_close (context->store);
  g_clear_object (&context->store);
  status = sync_account (context->manager, context->account, NULL, TRUE, 0);
  if (status != PF_CLI_EXIT_OK)
    {
      g_printerr ("%s\n", _("postfach-cli: the change is kept and goes to the server with "
                            "the next sync"));
    }
  return status;
}

static int
send_change (PfCliContext *context,
             gint64        operation_id)
{
  g_print ("%" G_GINT64_FORMAT "\n", operation_id);
  return push_change (context);
}

static int
cmd_flag (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(PfCliContext) context = { 0 };
  g_autoptr(PfStoreFolder) folder = NULL;
  g_autoptr(GArray) uids = NULL;
  gboolean seen = FALSE, unseen = FALSE, flagged = FALSE, unflagged = FALSE;
  gboolean answered = FALSE;
  PfStoreFlags add = 0;
  PfStoreFlags remove = 0;
  gint64 operation_id;
  const GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &context.account_id, N_("The account"), N_("ID") },
    { "seen", 0, 0, G_OPTION_ARG_NONE, &seen, N_("Mark as read"), NULL },
    { "unseen", 0, 0, G_OPTION_ARG_NONE, &unseen, N_("Mark as unread"), NULL },
    { "flagged", 0, 0, G_OPTION_ARG_NONE, &flagged, N_("Flag"), NULL },
    { "unflagged", 0, 0, G_OPTION_ARG_NONE, &unflagged, N_("Remove the flag"), NULL },
    { "answered", 0, 0, G_OPTION_ARG_NONE, &answered, N_("Mark as answered"), NULL },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &context.offline,
      N_("Only change the local copy; the server follows with the next sync"), NULL },
    { NULL }
  };

  options = pf_cli_command_options (&argc, &argv, _("FOLDER UID…"),
                                    _("Marks messages read, unread, flagged or "
                                      "unflagged. Prints the change’s id."), entries);
  if (options == NULL)
    return PF_CLI_EXIT_USAGE;
  if (argc < 3)
    return pf_cli_usage_error (options, _("Name a folder and at least one UID"));
  if ((seen && unseen) || (flagged && unflagged))
    return pf_cli_usage_error (options, _("Contradicting options"));
  add = (seen ? PF_STORE_FLAG_SEEN : 0) | (flagged ? PF_STORE_FLAG_FLAGGED : 0) |
        (answered ? PF_STORE_FLAG_ANSWERED : 0);
  remove = (unseen ? PF_STORE_FLAG_SEEN : 0) | (unflagged ? PF_STORE_FLAG_FLAGGED : 0);
  if (add == 0 && remove == 0)
    return pf_cli_usage_error (options, _("Say what to change: --seen, --unseen, --flagged, "
                               "--unflagged or --answered"));
  if (!parse_uids (argv + 2, argc - 2, &uids, &error))
    return pf_cli_usage_error (options, error->message);

  if (!pf_cli_context_open (&context, &error))
    return pf_cli_fail (g_steal_pointer (&error));
  folder = find_folder (context.store, argv[1], &error);
  if (folder == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  operation_id = pf_operations_set_flags (context.store, folder->id,
                                          (const guint32 *) (gpointer) uids->data, uids->len,
                                          add, remove, &error);
  if (operation_id == 0)
    return pf_cli_fail (g_steal_pointer (&error));
  return send_change (&context, operation_id);
}

static int
cmd_move (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(PfCliContext) context = { 0 };
  g_autoptr(PfStoreFolder) folder = NULL;
  g_autoptr(PfStoreFolder) target = NULL;
  g_autoptr(GArray) uids = NULL;
  g_autofree char *target_name = NULL;
  gboolean copy = FALSE;
  gint64 operation_id;
  const GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &context.account_id, N_("The account"), N_("ID") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &target_name, N_("The target folder"), N_("FOLDER") },
    { "copy", 0, 0, G_OPTION_ARG_NONE, &copy, N_("Copy instead of moving"), NULL },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &context.offline,
      N_("Only change the local copy; the server follows with the next sync"), NULL },
    { NULL }
  };

  options = pf_cli_command_options (&argc, &argv, _("FOLDER UID…"),
                                    _("Moves (or copies) messages to another folder. "
                                      "Prints the change’s id."), entries);
  if (options == NULL)
    return PF_CLI_EXIT_USAGE;
  if (argc < 3 || target_name == NULL)
    return pf_cli_usage_error (options, _("Name a folder, at least one UID and --to"));
  if (!parse_uids (argv + 2, argc - 2, &uids, &error))
    return pf_cli_usage_error (options, error->message);

  if (!pf_cli_context_open (&context, &error))
    return pf_cli_fail (g_steal_pointer (&error));
  folder = find_folder (context.store, argv[1], &error);
  if (folder == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  target = find_folder (context.store, target_name, &error);
  if (target == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  if (copy)
    operation_id = pf_operations_copy (context.store, folder->id,
                                       (const guint32 *) (gpointer) uids->data, uids->len,
                                       target->id, &error);
  else
    operation_id = pf_operations_move (context.store, folder->id,
                                       (const guint32 *) (gpointer) uids->data, uids->len,
                                       target->id, &error);
  if (operation_id == 0)
    return pf_cli_fail (g_steal_pointer (&error));
  return send_change (&context, operation_id);
}

static int
cmd_delete (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(PfCliContext) context = { 0 };
  g_autoptr(PfStoreFolder) folder = NULL;
  g_autoptr(GArray) uids = NULL;
  gint64 operation_id;
  const GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &context.account_id, N_("The account"), N_("ID") },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &context.offline,
      N_("Only change the local copy; the server follows with the next sync"), NULL },
    { NULL }
  };

  options = pf_cli_command_options (&argc, &argv, _("FOLDER UID…"),
                                    _("Moves messages to the Trash; in the Trash, "
                                      "deletes them for good. Prints the change’s id."), entries);
  if (options == NULL)
    return PF_CLI_EXIT_USAGE;
  if (argc < 3)
    return pf_cli_usage_error (options, _("Name a folder and at least one UID"));
  if (!parse_uids (argv + 2, argc - 2, &uids, &error))
    return pf_cli_usage_error (options, error->message);

  if (!pf_cli_context_open (&context, &error))
    return pf_cli_fail (g_steal_pointer (&error));
  folder = find_folder (context.store, argv[1], &error);
  if (folder == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  operation_id = pf_operations_delete (context.store, folder->id,
                                       (const guint32 *) (gpointer) uids->data, uids->len,
                                       &error);
  if (operation_id == 0)
    return pf_cli_fail (g_steal_pointer (&error));
  return send_change (&context, operation_id);
}

static int
cmd_undo (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(PfCliContext) context = { 0 };
  gint64 operation_id;
  const GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &context.account_id, N_("The account"), N_("ID") },
    { NULL }
  };

  options = pf_cli_command_options (&argc, &argv, _("CHANGE-ID"),
                                    _("Takes back a change that has not reached the "
                                      "server yet (see “postfach-cli queue”)."), entries);
  if (options == NULL)
    return PF_CLI_EXIT_USAGE;
  if (argc != 2 || !g_ascii_string_to_signed (argv[1], 10, 1, G_MAXINT64, &operation_id, NULL))
    return pf_cli_usage_error (options, _("Name one change by its id"));

  if (!pf_cli_context_open (&context, &error))
    return pf_cli_fail (g_steal_pointer (&error));
  if (!pf_operations_undo (context.store, operation_id, &error))
    return pf_cli_fail (g_steal_pointer (&error));
  return PF_CLI_EXIT_OK;
}

static int
cmd_queue (int    argc,
           char **argv)
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(PfCliContext) context = { 0 };
  g_autoptr(GPtrArray) pending = NULL;
  const GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &context.account_id, N_("The account"), N_("ID") },
    { NULL }
  };

  options = pf_cli_command_options (&argc, &argv, NULL,
                                    _("Lists the changes waiting for the server: id, "
                                      "kind, folder, messages."), entries);
  if (options == NULL)
    return PF_CLI_EXIT_USAGE;

  if (!pf_cli_context_open (&context, &error))
    return pf_cli_fail (g_steal_pointer (&error));
  pending = pf_store_list_pending_operations (context.store, &error);
  if (pending == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  for (guint i = 0; i < pending->len; i++)
    {
      PfStoreOperation *operation = g_ptr_array_index (pending, i);
      g_autoptr(PfStoreFolder) folder = pf_store_get_folder (context.store, operation->folder_id,
                                                             NULL);

      g_print ("%" G_GINT64_FORMAT "\t%s\t%s\t%s\n", operation->id, operation->kind,
               folder != NULL ? folder->name : "-",
               operation->targets != NULL ? operation->targets : "-");
    }
  return PF_CLI_EXIT_OK;
}

/* show */

static void
print_addresses (const char *label,
                 GPtrArray  *addresses)
{
  g_autofree char *text = NULL;

  if (addresses == NULL || addresses->len == 0)
    return;
  text = pf_mime_address_list_to_display (addresses);
  g_print ("%s: %s\n", label, text);
}

static int
cmd_show (int    argc,
          char **argv)
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(PfCliContext) context = { 0 };
  g_autoptr(PfStoreFolder) folder = NULL;
  g_autoptr(PfStoreMessage) message = NULL;
  g_autoptr(PfMimeMessage) parsed = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GPtrArray) body = NULL;
  g_autoptr(GPtrArray) attachments = NULL;
  g_autofree char *path = NULL;
  const PfMimeHeaders *headers;
  guint64 uid;
  const GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &context.account_id, N_("The account"), N_("ID") },
    { NULL }
  };

  options = pf_cli_command_options (&argc, &argv, _("FOLDER UID"),
                                    _("Shows a message: its headers, its text and "
                                      "a list of its attachments. Downloads it first "
                                      "if needed."), entries);
  if (options == NULL)
    return PF_CLI_EXIT_USAGE;
  if (argc != 3 || !g_ascii_string_to_unsigned (argv[2], 10, 1, G_MAXUINT32, &uid, NULL))
    return pf_cli_usage_error (options, _("Name a folder and one UID"));

  if (!pf_cli_context_open (&context, &error))
    return pf_cli_fail (g_steal_pointer (&error));
  folder = find_folder (context.store, argv[1], &error);
  if (folder == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  message = pf_store_lookup_message_by_uid (context.store, folder->id, (guint32) uid, NULL);
  if (message == NULL)
    {
      g_set_error (&error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                   _("There is no message with UID %u in this folder"), (guint) uid);
      return pf_cli_fail (g_steal_pointer (&error));
    }

  if (message->body_path != NULL && g_file_test (message->body_path, G_FILE_TEST_IS_REGULAR))
    path = g_strdup (message->body_path);
  else if (pf_account_get_kind (context.account) == PF_ACCOUNT_KIND_IMAP)
    {
      PfServerSettings *incoming = pf_account_get_incoming (context.account);
      g_autofree char *password = pf_cli_lookup_password (context.manager, context.account,
                                                          incoming, &error);
      g_autoptr(PfImapSync) sync = NULL;
      g_autoptr(GAsyncResult) result = NULL;
      GAsyncResult *slot = NULL;

      if (password == NULL)
        return pf_cli_fail (g_steal_pointer (&error));
      sync = pf_imap_sync_new (context.store, incoming);
      pf_imap_sync_set_secret (sync, password,
                               pf_server_settings_get_auth_method (incoming) == PF_AUTH_METHOD_OAUTH2);
      explicit_bzero (password, strlen (password));
      pf_imap_sync_fetch_body_async (sync, message->id, NULL, pf_cli_store_result_cb, &slot);
      result = pf_cli_wait (&slot);
      path = pf_imap_sync_fetch_body_finish (sync, result, &error);
      if (path == NULL)
        return pf_cli_fail (g_steal_pointer (&error));
      g_clear_object (&result);
      pf_imap_sync_disconnect_async (sync, NULL, pf_cli_store_result_cb, &slot);
      result = pf_cli_wait (&slot);
    }
  else
    {
      g_set_error_literal (&error, PF_STORE_ERROR, PF_STORE_ERROR_NOT_FOUND,
                           _("The message’s file is missing"));
      return pf_cli_fail (g_steal_pointer (&error));
    }

  file = g_file_new_for_path (path);
  stream = g_file_read (file, NULL, &error);
  if (stream == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  parsed = pf_mime_message_parse (G_INPUT_STREAM (stream), NULL, &error);
  if (parsed == NULL)
    return pf_cli_fail (g_steal_pointer (&error));

  headers = pf_mime_message_get_headers (parsed);
  print_addresses (_("From"), headers->from);
  print_addresses (_("To"), headers->to);
  print_addresses (_("Cc"), headers->cc);
  if (headers->date != NULL)
    {
      g_autofree char *date = g_date_time_format (headers->date, "%c");

      g_print ("%s: %s\n", _("Date"), date);
    }
  g_print ("%s: %s\n\n", _("Subject"), headers->subject != NULL ? headers->subject : "");

  body = pf_mime_message_dup_body_parts (parsed, FALSE);
  for (guint i = 0; i < body->len; i++)
    {
      PfMimePart *part = g_ptr_array_index (body, i);

      if (i > 0)
        g_print ("\n");
      if (part->kind == PF_MIME_PART_KIND_TEXT && part->text != NULL)
        g_print ("%s\n", part->text);
      else if (part->kind == PF_MIME_PART_KIND_HTML && part->text != NULL)
        {
          g_autofree char *text = pf_mime_html_to_text (part->text, -1);

          g_print ("%s\n", text);
        }
    }

  attachments = pf_mime_message_dup_attachments (parsed);
  for (guint i = 0; i < attachments->len; i++)
    {
      PfMimePart *part = g_ptr_array_index (attachments, i);
      g_autofree char *size = g_format_size (part->size);

      /* Translators: one attachment of "postfach-cli show": name, type, size */
      g_print (_("[Attachment %s: %s, %s, %s]"), part->id,
               part->filename != NULL ? part->filename : _("unnamed"), part->content_type, size);
      g_print ("\n");
    }
  return PF_CLI_EXIT_OK;
}

/* folder create|rename|delete|empty */

static int
cmd_folder (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(PfCliContext) context = { 0 };
  g_autoptr(PfStoreFolder) folder = NULL;
  const char *action;
  gint64 operation_id = 0;
  const GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &context.account_id, N_("The account"), N_("ID") },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &context.offline,
      N_("Only change the local copy; the server follows with the next sync"), NULL },
    { NULL }
  };

  options = pf_cli_command_options (&argc, &argv, _("create NAME | rename NAME NEW-NAME | delete NAME | empty NAME"),
                                    _("Creates, renames, deletes or empties a folder. "
                                      "Prints the change’s id."), entries);
  if (options == NULL)
    return PF_CLI_EXIT_USAGE;
  if (argc < 3)
    return pf_cli_usage_error (options, _("Say what to do with which folder"));
  action = argv[1];
  if ((strcmp (action, "rename") == 0) != (argc == 4) || argc > 4)
    return pf_cli_usage_error (options, _("Wrong number of arguments"));

  if (!pf_cli_context_open (&context, &error))
    return pf_cli_fail (g_steal_pointer (&error));

  if (strcmp (action, "create") == 0)
    operation_id = pf_operations_create_folder (context.store, argv[2], &error);
  else
    {
      folder = find_folder (context.store, argv[2], &error);
      if (folder == NULL)
        return pf_cli_fail (g_steal_pointer (&error));
      if (strcmp (action, "rename") == 0)
        operation_id = pf_operations_rename_folder (context.store, folder->id, argv[3], &error);
      else if (strcmp (action, "delete") == 0)
        operation_id = pf_operations_delete_folder (context.store, folder->id, &error);
      else if (strcmp (action, "empty") == 0)
        operation_id = pf_operations_empty_folder (context.store, folder->id, &error);
      else
        return pf_cli_usage_error (options, _("Unknown action; use create, rename, delete or empty"));
    }
  if (strcmp (action, "create") == 0 && operation_id == 0 && error == NULL)
    return pf_cli_usage_error (options, _("Unknown action; use create, rename, delete or empty"));
  if (operation_id == 0)
    return pf_cli_fail (g_steal_pointer (&error));
  return send_change (&context, operation_id);
}

/* draft */

/* The message with its Message-ID header set to @message_id: any that it
 * has (with its continuation lines) is dropped, and one put first. */
static GBytes *
with_message_id (GBytes     *message,
                 const char *message_id)
{
  gsize length;
  const char *data = g_bytes_get_data (message, &length);
  g_autoptr(GString) out = g_string_sized_new (length + 128);
  gboolean skipping = FALSE;
  gsize i = 0;

  g_string_append_printf (out, "Message-ID: <%s>\r\n", message_id);
  while (i < length)
    {
      const char *end = memchr (data + i, '\n', length - i);
      gsize line_length = end != NULL ? (gsize) (end - (data + i)) + 1 : length - i;
      gboolean blank = line_length <= 2 && (data[i] == '\r' || data[i] == '\n');

      if (blank)
        {
          /* The header ends: the rest as it is. */
          g_string_append_len (out, data + i, length - i);
          break;
        }
      if (data[i] == ' ' || data[i] == '\t')
        {
          if (!skipping)
            g_string_append_len (out, data + i, line_length);
        }
      else
        {
          skipping = line_length >= 11 && g_ascii_strncasecmp (data + i, "Message-ID:", 11) == 0;
          if (!skipping)
            g_string_append_len (out, data + i, line_length);
        }
      i += line_length;
    }

  return g_bytes_new (out->str, out->len);
}

static int
cmd_draft_save (PfCliContext *context,
                gint64        draft_id,
                const char   *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(PfMimeHeaders) headers = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *message_id = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &error))
    return pf_cli_fail (g_steal_pointer (&error));
  message = g_bytes_new_take (g_steal_pointer (&contents), length);
  headers = pf_mime_headers_parse (g_bytes_get_data (message, NULL), length);

  if (draft_id != 0)
    {
      g_autoptr(PfStoreDraft) draft = pf_store_draft_get (context->store, draft_id, &error);

      if (draft == NULL)
        return pf_cli_fail (g_steal_pointer (&error));
      message_id = g_strdup (draft->message_id);
    }
  else if (headers != NULL && headers->message_id != NULL)
    message_id = g_strdup (headers->message_id);
  else
    {
      const char *address = pf_account_get_address (context->account);
      const char *domain = address != NULL ? strchr (address, '@') : NULL;
      g_autofree char *uuid = g_uuid_string_random ();

      message_id = g_strdup_printf ("%s@%s", uuid, domain != NULL ? domain + 1 : "localhost");
    }

  /* Every version of a draft carries its Message-ID: that is how the
   * server's copies are found. */
  stored = with_message_id (message, message_id);
  draft_id = pf_store_draft_save (context->store, draft_id, stored, message_id,
                                  headers != NULL ? headers->subject : NULL, &error);
  if (draft_id == 0)
    return pf_cli_fail (g_steal_pointer (&error));
  g_print ("%" G_GINT64_FORMAT "\n", draft_id);
  return push_change (context);
}

static int
cmd_draft (int    argc,
           char **argv)
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(PfCliContext) context = { 0 };
  gint64 draft_id = 0;
  const char *action;
  const GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &context.account_id, N_("The account"), N_("ID") },
    { "draft", 0, 0, G_OPTION_ARG_INT64, &draft_id,
      N_("With save: the draft this is a new version of"), N_("DRAFT-ID") },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &context.offline,
      N_("Only change the local copy; the server follows with the next sync"), NULL },
    { NULL }
  };

  options = pf_cli_command_options (&argc, &argv, _("save FILE | list | delete DRAFT-ID"),
                                    _("Keeps drafts here first and in the server’s Drafts folder: "
                                      "save prints the draft’s id."), entries);
  if (options == NULL)
    return PF_CLI_EXIT_USAGE;
  if (argc < 2)
    return pf_cli_usage_error (options, _("Use save, list or delete"));
  action = argv[1];
  if (!pf_cli_context_open (&context, &error))
    return pf_cli_fail (g_steal_pointer (&error));

  if (strcmp (action, "save") == 0 && argc == 3)
    return cmd_draft_save (&context, draft_id, argv[2]);

  if (strcmp (action, "list") == 0 && argc == 2)
    {
      g_autoptr(GPtrArray) drafts = pf_store_draft_list (context.store, FALSE, &error);

      if (drafts == NULL)
        return pf_cli_fail (g_steal_pointer (&error));
      for (guint i = 0; i < drafts->len; i++)
        {
          PfStoreDraft *draft = drafts->pdata[i];
          g_autoptr(GDateTime) updated = g_date_time_new_from_unix_local (draft->updated /
                                                                          G_USEC_PER_SEC);
          g_autofree char *date = g_date_time_format_iso8601 (updated);

          /* Translators: a draft's state in "postfach-cli draft list" */
          g_print ("%" G_GINT64_FORMAT "\t%s\t%s\t%s\n", draft->id,
                   draft->state == PF_STORE_DRAFT_SYNCED ? _("on the server") : _("here only"),
                   date, draft->subject != NULL ? draft->subject : "");
        }
      return PF_CLI_EXIT_OK;
    }

  if (strcmp (action, "delete") == 0 && argc == 3)
    {
      guint64 id;

      if (!g_ascii_string_to_unsigned (argv[2], 10, 1, G_MAXINT64, &id, NULL))
        return pf_cli_usage_error (options, _("Name a draft by its id"));
      if (!pf_store_draft_delete (context.store, (gint64) id, &error))
        return pf_cli_fail (g_steal_pointer (&error));
      return push_change (&context);
    }

  return pf_cli_usage_error (options, _("Use save FILE, list or delete DRAFT-ID"));
}

static const PfCliCommand commands[] = {
  { "account", cmd_account, N_("Add, list or remove accounts: account add|list|remove") },
  { "sync", cmd_sync, N_("Bring the local copy up to date: sync [ACCOUNT-ID]") },
  { "folders", cmd_folders, N_("List the folders: folders [ACCOUNT-ID]") },
  { "ls", cmd_ls, N_("List messages: ls [--account ID] FOLDER [--limit N]") },
  { "show", cmd_show, N_("Show a message: show [--account ID] FOLDER UID") },
  { "search", cmd_search, N_("Search messages: search [--account ID] QUERY") },
  { "flag", cmd_flag, N_("Mark messages: flag FOLDER UID… --seen|--unseen|--flagged|--unflagged") },
  { "move", cmd_move, N_("Move messages: move FOLDER UID… --to FOLDER") },
  { "delete", cmd_delete, N_("Delete messages (to the Trash): delete FOLDER UID…") },
  { "folder", cmd_folder, N_("Change folders: folder create|rename|delete|empty …") },
  { "draft", cmd_draft, N_("Keep drafts: draft save [--draft ID] FILE | list | delete ID") },
  { "queue", cmd_queue, N_("List changes waiting for the server") },
  { "undo", cmd_undo, N_("Take back a waiting change: undo CHANGE-ID") },
  { "send", pf_cli_send, N_("Send mail: send [--account ID] FILE | --to ADDRESS --subject TEXT") },
  { "outbox", pf_cli_outbox, N_("List mail waiting to be sent: outbox [retry|remove ID]") },
  { "version", cmd_version, N_("Show the version and exit") },
};

static char *
describe_commands (void)
{
  GString *text = g_string_new (_("Commands:"));

  g_string_append_c (text, '\n');
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "  %-12s %s\n", commands[i].name,
                            _(commands[i].description));
  g_string_append_c (text, '\n');
  g_string_append (text, _("Exit status:\n"
                           "  0  success\n"
                           "  1  the command failed; the reason is on standard error\n"
                           "  2  the command line was wrong\n"
                           "  3  no such account, folder or message\n"
                           "  4  the server rejected the user name or password\n"
                           "  5  the server’s certificate is not trusted\n"
                           "  6  the server cannot be reached\n"
                           "  7  no password is stored for the account"));
  g_string_append_c (text, '\n');

  return g_string_free (text, FALSE);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  gboolean show_version = FALSE;
  const GOptionEntry entries[] = {
    { "version", 'V', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &show_version,
      N_("Show the version and exit"), NULL },
    { NULL }
  };

  pf_i18n_init ();
  g_set_prgname ("postfach-cli");

  /* Translators: the placeholder in the usage line of postfach-cli --help */
  context = g_option_context_new (_("COMMAND [ARGUMENT…]"));
  g_option_context_set_summary (context, _("Read, sync and send mail of your Postfach accounts."));
  description = describe_commands ();
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  /* Options after the command belong to the command. */
  g_option_context_set_strict_posix (context, TRUE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("postfach-cli: %s\n", error->message);
      g_printerr (_("Try “%s --help” for more information."), "postfach-cli");
      g_printerr ("\n");
      return PF_CLI_EXIT_USAGE;
    }

  if (show_version)
    return cmd_version (argc, argv);

  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return PF_CLI_EXIT_USAGE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_strcmp0 (argv[1], commands[i].name) == 0)
        return commands[i].run (argc - 1, argv + 1);
    }

  g_printerr (_("postfach-cli: unknown command “%s”"), argv[1]);
  g_printerr ("\n");
  g_printerr (_("Try “%s --help” for more information."), "postfach-cli");
  g_printerr ("\n");
  return PF_CLI_EXIT_USAGE;
}
