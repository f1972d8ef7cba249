/* pf-application.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-application"

#include "config.h"

#include <glib/gi18n.h>

#include "account/pf-account-manager.h"
#include "account/pf-secret-store.h"
#include "net/pf-net-reader.h"
#include "store/pf-folder-tree-model.h"
#include "store/pf-message-list-model.h"
#include "sync/pf-account-service.h"

#include "pf-application.h"
#include "pf-account-settings.h"
#include "pf-account-wizard.h"
#include "pf-migration-window.h"
#include "pf-bench-probe.h"
#include "pf-window.h"

struct _PfApplication
{
  AdwApplication     parent_instance;

  /* Owned */
  GSettings         *settings;
  PfAccountManager  *accounts;
  PfFolderTreeModel *folders;
  GListStore        *services;      /* PfAccountService, one per open account */
  GCancellable      *cancellable;
  guint              start_services_id;

  /* The servers are contacted once the window has drawn its first rows
   * (or after a few seconds without a window), not while it builds them. */
  gboolean           services_may_start;
};

G_DEFINE_FINAL_TYPE (PfApplication, pf_application, ADW_TYPE_APPLICATION)

/**
 * pf_application_new:
 * @application_id: the application id
 * @flags: #GApplicationFlags
 *
 * Returns: (transfer full): the application; one instance per session
 *   (GApplication's single-instance rule: a second start activates the
 *   first).
 */
PfApplication *
pf_application_new (const char        *application_id,
                    GApplicationFlags  flags)
{
  g_return_val_if_fail (application_id != NULL, NULL);

  return g_object_new (PF_TYPE_APPLICATION,
                       "application-id", application_id,
                       "flags", flags,
                       "resource-base-path", RESOURCE_BASE_PATH,
                       NULL);
}

/**
 * pf_application_get_settings:
 *
 * Returns: (transfer none): the application's UI preferences
 */
GSettings *
pf_application_get_settings (PfApplication *self)
{
  g_return_val_if_fail (PF_IS_APPLICATION (self), NULL);

  return self->settings;
}

/**
 * pf_application_get_folders:
 * @self: a #PfApplication
 *
 * Returns: (transfer none): the folder tree of every account, filled as
 *   their stores open
 */
PfFolderTreeModel *
pf_application_get_folders (PfApplication *self)
{
  g_return_val_if_fail (PF_IS_APPLICATION (self), NULL);

  return self->folders;
}

/**
 * pf_application_get_services:
 * @self: a #PfApplication
 *
 * Returns: (transfer none): the #PfAccountService of every account whose
 *   mail is open
 */
GListModel *
pf_application_get_services (PfApplication *self)
{
  g_return_val_if_fail (PF_IS_APPLICATION (self), NULL);

  return G_LIST_MODEL (self->services);
}

/**
 * pf_application_lookup_service:
 * @self: a #PfApplication
 * @account_id: an account's id
 *
 * Returns: (transfer none) (nullable): the account's service
 */
PfAccountService *
pf_application_lookup_service (PfApplication *self,
                               const char    *account_id)
{
  g_return_val_if_fail (PF_IS_APPLICATION (self), NULL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->services)); i++)
    {
      g_autoptr(PfAccountService) service = g_list_model_get_item (G_LIST_MODEL (self->services), i);

      if (g_str_equal (pf_account_get_id (pf_account_service_get_account (service)), account_id))
        return service;
    }
  return NULL;
}

/**
 * pf_application_save_account:
 * @self: a #PfApplication
 * @account: an account whose settings changed
 *
 * Writes @account's settings file; problems go to the log.
 */
void
pf_application_save_account (PfApplication *self,
                             PfAccount     *account)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PF_IS_APPLICATION (self));

  if (!pf_account_manager_update (self->accounts, account, &error))
    g_warning ("Cannot save the account %s: %s", pf_account_get_id (account), error->message);
}

/* New mail in an Inbox while no window of ours has the focus: a
 * notification with the newest message's sender and subject. */
static void
notify_new_mail (PfApplication    *self,
                 PfAccountService *service,
                 guint             new_messages)
{
  PfStore *store = pf_account_service_get_store (service);
  PfAccount *account = pf_account_service_get_account (service);
  g_autoptr(PfStoreFolder) inbox = NULL;
  g_autoptr(PfMessageListModel) list = NULL;
  g_autoptr(PfMessageSummary) newest = NULL;
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *id = NULL;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  guint unread = 0;

  if (new_messages == 0 || !g_settings_get_boolean (self->settings, "notify-new-mail") ||
      (window != NULL && gtk_window_is_active (window)))
    return;

  inbox = pf_store_lookup_folder_by_special_use (store, PF_STORE_SPECIAL_USE_INBOX, NULL);
  if (inbox == NULL)
    return;
  list = pf_message_list_model_new_for_folder (store, inbox->id);
  for (guint i = 0; i < MIN (new_messages, g_list_model_get_n_items (G_LIST_MODEL (list))); i++)
    {
      g_autoptr(PfMessageSummary) summary = g_list_model_get_item (G_LIST_MODEL (list), i);

      if (!pf_message_summary_get_is_unread (summary))
        continue;
      unread++;
      if (newest == NULL)
        newest = g_object_ref (summary);
    }
  if (newest == NULL)
    return;

  if (unread == 1)
    {
      const char *from = pf_message_summary_get_from (newest);
      const char *subject = pf_message_summary_get_subject (newest);

      notification = g_notification_new (from != NULL && *from != '\0' ? from :
                                         _("New message"));
      g_notification_set_body (notification, subject != NULL && *subject != '\0' ? subject :
                               _("(No subject)"));
    }
  else
    {
      g_autofree char *title = NULL;

      /* Translators: a notification's title; %u is at least 2, %s an account's name */
      title = g_strdup_printf (ngettext ("%u new message in %s",
                                            "%u new messages in %s", unread),
                               unread, pf_account_get_display_name (account));
      notification = g_notification_new (title);
      g_notification_set_body (notification, pf_message_summary_get_subject (newest));
    }
  g_notification_set_default_action_and_target (notification, "app.show-message", "(sx)",
                                                pf_account_get_id (account),
                                                pf_message_summary_get_id (newest));
  id = g_strconcat ("new-mail-", pf_account_get_id (account), NULL);
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

static void
on_service_synced_cb (PfAccountService *service,
                      guint             new_messages,
                      PfApplication    *self)
{
  notify_new_mail (self, service, new_messages);
  /* tests/bench/run-bench-window: the main loop during a first sync */
  pf_bench_probe_mark ("synced");
}

/* Accounts: each one's store is opened off the main thread and its
 * folders join the tree. */

typedef struct
{
  PfApplication *self;
  char          *account_id;
  char          *display_name;
} StoreOpening;

static void
store_opened_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  StoreOpening *opening = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfStore) store = pf_store_new_finish (result, &error);

  if (store == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot open the mail of %s: %s", opening->account_id, error->message);
    }
  else if (opening->self->folders != NULL &&
           pf_account_manager_lookup (opening->self->accounts, opening->account_id) != NULL)
    {
      PfApplication *self = opening->self;
      PfAccount *account = pf_account_manager_lookup (self->accounts, opening->account_id);
      g_autoptr(PfAccountService) service = NULL;

      pf_bench_probe_mark ("store-opened");
      pf_folder_tree_model_add_account (self->folders, opening->account_id,
                                        opening->display_name, store);
      service = pf_account_service_new (account, store,
                                        pf_account_manager_get_vault (self->accounts));
      g_signal_connect_object (service, "synced", G_CALLBACK (on_service_synced_cb), self, 0);
      g_list_store_append (self->services, service);
      if (self->services_may_start && g_getenv ("POSTFACH_OFFLINE") == NULL)
        pf_account_service_start (service);
    }

  g_object_unref (opening->self);
  g_free (opening->account_id);
  g_free (opening->display_name);
  g_free (opening);
}

static void
start_services (PfApplication *self)
{
  g_clear_handle_id (&self->start_services_id, g_source_remove);
  if (self->services_may_start)
    return;
  self->services_may_start = TRUE;
  pf_bench_probe_mark ("services-started");
  if (g_getenv ("POSTFACH_OFFLINE") != NULL)
    return;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->services)); i++)
    {
      g_autoptr(PfAccountService) service =
        g_list_model_get_item (G_LIST_MODEL (self->services), i);

      if (pf_account_service_get_state (service) == PF_ACCOUNT_SERVICE_STOPPED)
        pf_account_service_start (service);
    }
}

static gboolean
start_services_cb (gpointer user_data)
{
  PfApplication *self = user_data;

  self->start_services_id = 0;
  start_services (self);
  return G_SOURCE_REMOVE;
}

static void
open_account (PfApplication *self,
              PfAccount     *account)
{
  StoreOpening *opening = g_new0 (StoreOpening, 1);
  g_autofree char *directory = pf_account_dup_data_dir (account);

  opening->self = g_object_ref (self);
  opening->account_id = g_strdup (pf_account_get_id (account));
  opening->display_name = g_strdup (pf_account_get_display_name (account));
  pf_store_new_async (directory, G_PRIORITY_DEFAULT, self->cancellable, store_opened_cb, opening);
}

static void
load_accounts (PfApplication *self)
{
  g_autofree char *directory = pf_account_manager_dup_default_directory ();
  g_autoptr(PfSecretStore) secrets = pf_secret_store_new ();
  g_autoptr(PfPasswordVault) vault = pf_password_vault_new (secrets);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *accounts;

  self->accounts = pf_account_manager_new (directory, vault);
  self->folders = pf_folder_tree_model_new ();
  self->services = g_list_store_new (PF_TYPE_ACCOUNT_SERVICE);
  self->cancellable = g_cancellable_new ();
  self->start_services_id = g_timeout_add_seconds (3, start_services_cb, self);
  if (!pf_account_manager_load (self->accounts, &problems, &error))
    g_warning ("Cannot read the accounts: %s", error->message);
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    g_warning ("%s", ((GError *) problems->pdata[i])->message);

  accounts = G_LIST_MODEL (self->accounts);
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(PfAccount) account = g_list_model_get_item (accounts, i);

      open_account (self, account);
    }
}


/* An account the wizard saved: its store opens, its first sync starts
 * and the window shows its Inbox as soon as there is one. */
static void
on_account_added_cb (PfApplication *self,
                     PfAccount     *account)
{
  PfWindow *window = _pf_application_get_window (self);

  open_account (self, account);
  start_services (self);
  pf_window_show_account_inbox (window, pf_account_get_id (account));
  gtk_window_present (GTK_WINDOW (window));
}

/**
 * _pf_application_create_wizard:
 * @self: a #PfApplication
 *
 * Returns: (transfer none): a new account wizard over the main window
 */
GtkWindow *
_pf_application_create_wizard (PfApplication *self)
{
  GtkWindow *parent = GTK_WINDOW (_pf_application_get_window (self));
  PfAccountWizard *wizard = pf_account_wizard_new (parent, self->accounts);

  g_signal_connect_object (wizard, "account-added", G_CALLBACK (on_account_added_cb), self,
                           G_CONNECT_SWAPPED);
  return GTK_WINDOW (wizard);
}

/* Removing an account: its connections stop, it leaves the window, its
 * settings file and passwords go, and its mail too unless the user keeps
 * it (POP3: the only copy). */

static void
delete_data_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  GError *error = NULL;

  if (!pf_account_delete_data (task_data, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
data_deleted_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("Cannot delete the mail of a removed account: %s", error->message);
}

typedef struct
{
  PfApplication *self;
  PfAccount     *account;
  gboolean       keep_mail;
} Removal;

static void
account_removed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Removal *removal = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_account_manager_remove_finish (PF_ACCOUNT_MANAGER (object), result, &error))
    g_warning ("Cannot remove the account %s: %s", pf_account_get_id (removal->account),
               error->message);
  else if (!removal->keep_mail)
    {
      g_autoptr(GTask) task = g_task_new (NULL, NULL, data_deleted_cb, NULL);

      g_task_set_source_tag (task, account_removed_cb);
      g_task_set_task_data (task, g_object_ref (removal->account), g_object_unref);
      g_task_run_in_thread (task, delete_data_worker);
    }
  g_object_unref (removal->self);
  g_object_unref (removal->account);
  g_free (removal);
}

/**
 * _pf_application_remove_account:
 * @self: a #PfApplication
 * @account_id: an account
 * @keep_mail: whether its mail stays on this computer
 */
void
_pf_application_remove_account (PfApplication *self,
                                const char    *account_id,
                                gboolean       keep_mail)
{
  PfAccount *account = pf_account_manager_lookup (self->accounts, account_id);
  Removal *removal;

  if (account == NULL)
    return;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->services)); i++)
    {
      g_autoptr(PfAccountService) service = g_list_model_get_item (G_LIST_MODEL (self->services), i);

      if (pf_account_service_get_account (service) != account &&
          !g_str_equal (pf_account_get_id (pf_account_service_get_account (service)), account_id))
        continue;
      pf_account_service_stop (service);
      g_list_store_remove (self->services, i);
      break;
    }
  pf_folder_tree_model_remove_account (self->folders, account_id);

  removal = g_new0 (Removal, 1);
  removal->self = g_object_ref (self);
  removal->account = g_object_ref (account);
  removal->keep_mail = keep_mail;
  pf_account_manager_remove_async (self->accounts, account_id, NULL, account_removed_cb, removal);
}

static void
on_settings_account_changed_cb (PfApplication *self,
                                PfAccount     *account)
{
  PfAccountService *service = pf_application_lookup_service (self, pf_account_get_id (account));

  pf_application_save_account (self, account);
  pf_folder_tree_model_rename_account (self->folders, pf_account_get_id (account),
                                       pf_account_get_display_name (account));
  /* New servers, ports or exceptions take effect with a new connection. */
  if (service != NULL && pf_account_service_get_state (service) != PF_ACCOUNT_SERVICE_STOPPED)
    {
      pf_account_service_stop (service);
      pf_account_service_start (service);
    }
}

static void
on_settings_remove_account_cb (PfAccountSettings *settings,
                               gboolean           keep_mail,
                               PfApplication     *self)
{
  PfAccount *account = pf_account_settings_get_edited (settings);

  _pf_application_remove_account (self, pf_account_get_id (account), keep_mail);
}

/* Switch to IMAP: the IMAP account of the same address (made by the
 * wizard, or found from an earlier, interrupted switch), then the copying
 * of the POP3 account's mail, then the offer to remove it. */

static void
on_migration_remove_pop3_cb (PfMigrationWindow *window,
                             gboolean           keep_mail,
                             gpointer           user_data)
{
  PfApplication *self = g_object_get_data (G_OBJECT (window), "pf-application");
  const char *pop3_id = user_data;

  _pf_application_remove_account (self, pop3_id, keep_mail);
}

static void
free_id (gpointer  data,
         GClosure *closure)
{
  g_free (data);
}

static void
start_migration (PfApplication *self,
                 PfAccount     *pop3,
                 PfAccount     *imap)
{
  PfAccountService *service = pf_application_lookup_service (self, pf_account_get_id (pop3));
  PfMigrationWindow *window;

  if (service == NULL)
    return;
  window = pf_migration_window_new (GTK_WINDOW (_pf_application_get_window (self)),
                                    pf_account_service_get_store (service), pop3, imap,
                                    pf_account_manager_get_vault (self->accounts));
  g_object_set_data (G_OBJECT (window), "pf-application", self);
  g_signal_connect_data (window, "remove-pop3-account", G_CALLBACK (on_migration_remove_pop3_cb),
                         g_strdup (pf_account_get_id (pop3)), free_id, 0);
  gtk_window_present (GTK_WINDOW (window));
  pf_migration_window_start (window);
}

typedef struct
{
  PfApplication *self;
  PfAccount     *pop3;
} Switch;

static void
switch_free (gpointer  data,
             GClosure *closure)
{
  Switch *sw = data;

  g_object_unref (sw->self);
  g_object_unref (sw->pop3);
  g_free (sw);
}

static void
on_switch_account_added_cb (PfAccountWizard *wizard,
                            PfAccount       *imap,
                            Switch          *sw)
{
  start_migration (sw->self, sw->pop3, imap);
}

static void
switch_password_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Switch *sw = user_data;
  g_autofree char *password = pf_password_vault_lookup_finish (PF_PASSWORD_VAULT (object), result,
                                                               NULL, NULL);
  GtkWindow *wizard = _pf_application_create_wizard (sw->self);

  pf_account_wizard_set_replacing (PF_ACCOUNT_WIZARD (wizard), sw->pop3);
  pf_account_wizard_set_identity (PF_ACCOUNT_WIZARD (wizard), pf_account_get_real_name (sw->pop3),
                                  pf_account_get_address (sw->pop3), password);
  if (password != NULL)
    explicit_bzero (password, strlen (password));
  g_signal_connect_data (wizard, "account-added", G_CALLBACK (on_switch_account_added_cb), sw,
                         switch_free, 0);
  gtk_window_present (wizard);
}

/**
 * _pf_application_switch_to_imap:
 * @self: a #PfApplication
 * @pop3_id: a POP3 account
 */
void
_pf_application_switch_to_imap (PfApplication *self,
                                const char    *pop3_id)
{
  PfAccount *pop3 = pf_account_manager_lookup (self->accounts, pop3_id);
  GListModel *accounts = G_LIST_MODEL (self->accounts);
  Switch *sw;

  if (pop3 == NULL || pf_account_get_kind (pop3) != PF_ACCOUNT_KIND_POP3)
    return;
  /* An earlier switch made the IMAP account already: go on copying. */
  for (guint i = 0; i < g_list_model_get_n_items (accounts); i++)
    {
      g_autoptr(PfAccount) other = g_list_model_get_item (accounts, i);

      if (pf_account_get_kind (other) == PF_ACCOUNT_KIND_IMAP &&
          g_ascii_strcasecmp (pf_account_get_address (other), pf_account_get_address (pop3)) == 0)
        {
          start_migration (self, pop3, other);
          return;
        }
    }
  sw = g_new0 (Switch, 1);
  sw->self = g_object_ref (self);
  sw->pop3 = g_object_ref (pop3);
  pf_password_vault_lookup_for_server_async (pf_account_manager_get_vault (self->accounts), pop3,
                                             pf_account_get_incoming (pop3), NULL,
                                             switch_password_cb, sw);
}

static void
on_settings_switch_to_imap_cb (PfAccountSettings *settings,
                               PfApplication     *self)
{
  g_autofree char *id = g_strdup (pf_account_get_id (pf_account_settings_get_edited (settings)));

  gtk_window_destroy (GTK_WINDOW (settings));
  _pf_application_switch_to_imap (self, id);
}

/**
 * _pf_application_show_account_settings:
 * @self: a #PfApplication
 * @account_id: an account
 *
 * Returns: (transfer none) (nullable): the account's settings window
 */
GtkWindow *
_pf_application_show_account_settings (PfApplication *self,
                                       const char    *account_id)
{
  PfAccountService *service = pf_application_lookup_service (self, account_id);
  PfAccountSettings *settings;

  if (service == NULL)
    return NULL;
  settings = pf_account_settings_new (GTK_WINDOW (_pf_application_get_window (self)), service,
                                      pf_account_manager_get_vault (self->accounts));
  g_signal_connect_object (settings, "account-changed",
                           G_CALLBACK (on_settings_account_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "remove-account",
                           G_CALLBACK (on_settings_remove_account_cb), self, 0);
  g_signal_connect_object (settings, "switch-to-imap",
                           G_CALLBACK (on_settings_switch_to_imap_cb), self, 0);
  gtk_window_present (GTK_WINDOW (settings));
  return GTK_WINDOW (settings);
}

/**
 * _pf_application_get_window:
 * @self: a #PfApplication
 *
 * Returns: (transfer none): the main window, made if there is none
 */
PfWindow *
_pf_application_get_window (PfApplication *self)
{
  GtkWindow *window = NULL;

  /* The most recently focused main window (not a wizard or dialog) */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (PF_IS_WINDOW (l->data))
      {
        window = l->data;
        break;
      }
  if (window == NULL)
    {
      window = GTK_WINDOW (pf_window_new (GTK_APPLICATION (self), self->settings));
      pf_window_set_folders (PF_WINDOW (window), self->folders);
      pf_window_set_services (PF_WINDOW (window), G_LIST_MODEL (self->services));
      g_signal_connect_object (window, "account-changed",
                               G_CALLBACK (pf_application_save_account), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (window, "first-frame", G_CALLBACK (start_services), self,
                               G_CONNECT_SWAPPED);
    }

  return PF_WINDOW (window);
}

static void
pf_application_activate (GApplication *app)
{
  PfApplication *self = PF_APPLICATION (app);

  gtk_window_present (GTK_WINDOW (_pf_application_get_window (self)));
  pf_bench_probe_mark ("window-presented");
}

static void
pf_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  PfApplication *self = PF_APPLICATION (app);

  /* mailto: links arrive here, registered by the .desktop file. Until mail
   * can be composed they bring the window to the front. */
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);

      g_debug ("Asked to open %s", uri);
    }

  gtk_window_present (GTK_WINDOW (_pf_application_get_window (self)));
}

/* GIO loads its proxy resolver and TLS modules (libproxy, GnuTLS) when
 * the first connection is made: a few milliseconds of dlopen() each, on the
 * main thread, while the window draws its first frames. Loaded here in a
 * worker while the window is built, they are ready by then. */
static void
warm_network_worker (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  g_proxy_resolver_get_default ();
  g_tls_backend_get_default ();
  g_task_return_boolean (task, TRUE);
}

static void
warm_network (PfApplication *self)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);

  g_task_set_source_tag (task, warm_network);
  g_task_run_in_thread (task, warm_network_worker);
}

static void
pf_application_startup (GApplication *app)
{
  PfApplication *self = PF_APPLICATION (app);

  pf_bench_probe_mark ("startup");
  G_APPLICATION_CLASS (pf_application_parent_class)->startup (app);
  pf_bench_probe_mark ("gtk-started");

  g_set_application_name (_("Postfach"));
  gtk_window_set_default_icon_name (APPLICATION_ID);
  /* Mail coming in while the window scrolls or animates waits for the
   * gaps between frames: network I/O below GDK's redraw priority */
  pf_net_set_io_priority (G_PRIORITY_DEFAULT_IDLE);

  /* One schema for release and development builds alike. */
  self->settings = g_settings_new ("org.postfach.Postfach");
  _pf_application_actions_init (self);
  load_accounts (self);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->accounts)) > 0)
    warm_network (self);
  pf_bench_probe_mark ("accounts-loaded");
}

static void
pf_application_shutdown (GApplication *app)
{
  PfApplication *self = PF_APPLICATION (app);

  pf_bench_probe_dump ();
  g_clear_handle_id (&self->start_services_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  for (guint i = 0; self->services != NULL &&
                    i < g_list_model_get_n_items (G_LIST_MODEL (self->services)); i++)
    {
      g_autoptr(PfAccountService) service = g_list_model_get_item (G_LIST_MODEL (self->services), i);

      pf_account_service_stop (service);
    }
  g_clear_object (&self->folders);

  G_APPLICATION_CLASS (pf_application_parent_class)->shutdown (app);
}

static void
pf_application_dispose (GObject *object)
{
  PfApplication *self = PF_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->folders);
  g_clear_object (&self->services);
  g_clear_object (&self->accounts);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (pf_application_parent_class)->dispose (object);
}

static void
pf_application_class_init (PfApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = pf_application_dispose;

  app_class->startup = pf_application_startup;
  app_class->shutdown = pf_application_shutdown;
  app_class->activate = pf_application_activate;
  app_class->open = pf_application_open;
}

static void
pf_application_init (PfApplication *self)
{
}
