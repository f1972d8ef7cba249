/* pf-account-service.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-account-service"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "imap/pf-imap-error.h"
#include "net/pf-net-connection.h"
#include "net/pf-net-error.h"
#include "pop3/pf-pop3-error.h"
#include "smtp/pf-smtp-error.h"

#include "pf-account-service.h"
#include "pf-imap-sync.h"
#include "pf-pop3-sync.h"

/**
 * PfAccountService:
 *
 * One account's connection for the window: it finds the password, keeps
 * an IMAP account current (a sync run, then IDLE or polling, see
 * pf_imap_sync_watch_async()) or downloads a POP3 account's mail every few
 * minutes, fetches bodies on demand, replays the changes the user queued
 * when woken (pf_account_service_sync_now()), and says where it stands in
 * #PfAccountService:state and #PfAccountService:error.
 *
 * A rejected password or an untrusted certificate stops it until the user
 * acted (%PF_ACCOUNT_SERVICE_NEEDS_USER); an unreachable server or a lost
 * network is retried on its own (%PF_ACCOUNT_SERVICE_OFFLINE), at once
 * when the network comes back.
 */

#define DEFAULT_POLL_SECONDS      (5 * 60)
#define FIRST_RETRY_SECONDS       30
#define MAX_RETRY_SECONDS         (15 * 60)

struct _PfAccountService
{
  GObject                parent_instance;

  /* Owned */
  PfAccount             *account;
  PfStore               *store;
  PfPasswordVault       *vault;         /* nullable */
  char                  *password;      /* wiped when freed */
  GError                *error;
  GCancellable          *cancellable;   /* this start's work; cancelled by stop */
  PfImapSync            *imap;
  PfPop3Sync            *pop3;
  GNetworkMonitor       *monitor;

  PfAccountServiceState  state;
  double                 progress;
  guint                  poll_seconds;
  guint                  retry_seconds;
  guint                  timeout_id;    /* POP3: the next run; both: the next retry */
  gulong                 network_handler;
  gboolean               pop3_running;
  gboolean               bodies_prepared;  /* the second connection was opened ahead */
  gboolean               pop3_again;
};

static void pf_account_service_fetcher_init (PfMessageFetcherInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PfAccountService, pf_account_service, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PF_TYPE_MESSAGE_FETCHER,
                                                      pf_account_service_fetcher_init))

G_DEFINE_ENUM_TYPE (PfAccountServiceState, pf_account_service_state,
  G_DEFINE_ENUM_VALUE (PF_ACCOUNT_SERVICE_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (PF_ACCOUNT_SERVICE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (PF_ACCOUNT_SERVICE_SYNCING, "syncing"),
  G_DEFINE_ENUM_VALUE (PF_ACCOUNT_SERVICE_IDLE, "idle"),
  G_DEFINE_ENUM_VALUE (PF_ACCOUNT_SERVICE_OFFLINE, "offline"),
  G_DEFINE_ENUM_VALUE (PF_ACCOUNT_SERVICE_NEEDS_USER, "needs-user"))

G_DEFINE_QUARK (pf-account-service-error-quark, pf_account_service_error)

enum {
  PROP_0,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

enum {
  SIGNAL_SYNCED,
  SIGNAL_OPERATION_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void begin (PfAccountService *self);

/**
 * pf_account_problem_from_error:
 * @error: (nullable): an error of a connection of an account
 *
 * Returns: what the user can do about @error
 */
PfAccountProblem
pf_account_problem_from_error (const GError *error)
{
  if (error == NULL)
    return PF_ACCOUNT_PROBLEM_NONE;

  if (g_error_matches (error, PF_ACCOUNT_SERVICE_ERROR, PF_ACCOUNT_SERVICE_ERROR_NO_PASSWORD) ||
      g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_AUTHENTICATION_FAILED) ||
      g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_AUTHENTICATION_FAILED) ||
      g_error_matches (error, PF_SMTP_ERROR, PF_SMTP_ERROR_AUTHENTICATION_FAILED))
    return PF_ACCOUNT_PROBLEM_PASSWORD;

  if (error->domain == PF_NET_ERROR)
    {
      switch ((PfNetError) error->code)
        {
        case PF_NET_ERROR_CERTIFICATE_UNTRUSTED:
          return PF_ACCOUNT_PROBLEM_CERTIFICATE;
        case PF_NET_ERROR_STARTTLS_UNAVAILABLE:
        case PF_NET_ERROR_PLAINTEXT_REFUSED:
          return PF_ACCOUNT_PROBLEM_SECURITY;
        case PF_NET_ERROR_HOST_NOT_FOUND:
        case PF_NET_ERROR_CONNECTION_REFUSED:
        case PF_NET_ERROR_UNREACHABLE:
        case PF_NET_ERROR_TIMEOUT:
        case PF_NET_ERROR_CONNECTION_LOST:
          return PF_ACCOUNT_PROBLEM_UNREACHABLE;
        case PF_NET_ERROR_TLS_FAILED:
        case PF_NET_ERROR_PROTOCOL:
        default:
          return PF_ACCOUNT_PROBLEM_OTHER;
        }
    }

  if (g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_CONNECTION_LOST) ||
      g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_TIMEOUT) ||
      g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_BYE) ||
      g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_CONNECTION_LOST) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
      g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND) ||
      g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_TEMPORARY_FAILURE))
    return PF_ACCOUNT_PROBLEM_UNREACHABLE;

  return PF_ACCOUNT_PROBLEM_OTHER;
}

/**
 * pf_account_problem_get_certificate:
 * @error: an error of %PF_ACCOUNT_PROBLEM_CERTIFICATE
 * @out_flags: (out) (optional): what is wrong with it
 *
 * Returns: (transfer none) (nullable): the certificate the server showed
 */
GTlsCertificate *
pf_account_problem_get_certificate (const GError         *error,
                                    GTlsCertificateFlags *out_flags)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (out_flags != NULL)
    *out_flags = pf_net_error_get_certificate_flags (error);
  return pf_net_error_get_certificate (error);
}

/**
 * pf_account_certificate_dup_sha256:
 * @certificate: a certificate
 *
 * Returns: (transfer full): its SHA-256 fingerprint, as 64 lower-case hex
 *   digits
 */
char *
pf_account_certificate_dup_sha256 (GTlsCertificate *certificate)
{
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  return pf_net_certificate_dup_sha256 (certificate);
}

/**
 * pf_account_service_new:
 * @account: the account
 * @store: its open store
 * @vault: (nullable): where its password is kept; without one, only
 *   pf_account_service_set_password() gives it one
 *
 * Returns: (transfer full): a stopped service; pf_account_service_start()
 *   connects it
 */
PfAccountService *
pf_account_service_new (PfAccount       *account,
                        PfStore         *store,
                        PfPasswordVault *vault)
{
  PfAccountService *self;

  g_return_val_if_fail (PF_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (PF_IS_STORE (store), NULL);
  g_return_val_if_fail (vault == NULL || PF_IS_PASSWORD_VAULT (vault), NULL);

  self = g_object_new (PF_TYPE_ACCOUNT_SERVICE, NULL);
  self->account = g_object_ref (account);
  self->store = g_object_ref (store);
  g_set_object (&self->vault, vault);
  return self;
}

PfAccount *
pf_account_service_get_account (PfAccountService *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_SERVICE (self), NULL);

  return self->account;
}

PfStore *
pf_account_service_get_store (PfAccountService *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_SERVICE (self), NULL);

  return self->store;
}

PfAccountServiceState
pf_account_service_get_state (PfAccountService *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_SERVICE (self), PF_ACCOUNT_SERVICE_STOPPED);

  return self->state;
}

/**
 * pf_account_service_get_error:
 * @self: a #PfAccountService
 *
 * Returns: (nullable): why the service is offline or waits for the user;
 *   classify it with pf_account_problem_from_error()
 */
const GError *
pf_account_service_get_error (PfAccountService *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_SERVICE (self), NULL);

  return self->error;
}

/**
 * pf_account_service_get_progress:
 * @self: a #PfAccountService
 *
 * Returns: the share of the current folder done, 0–1, or -1 when unknown
 *   or nothing runs
 */
double
pf_account_service_get_progress (PfAccountService *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_SERVICE (self), -1);

  return self->progress;
}

/**
 * pf_account_service_set_poll_interval:
 * @self: a #PfAccountService
 * @seconds: seconds between two POP3 downloads, and between two checks of
 *   an IMAP server without IDLE
 */
void
pf_account_service_set_poll_interval (PfAccountService *self,
                                      guint             seconds)
{
  g_return_if_fail (PF_IS_ACCOUNT_SERVICE (self));

  self->poll_seconds = MAX (seconds, 1);
  if (self->imap != NULL)
    pf_imap_sync_set_poll_interval (self->imap, self->poll_seconds);
}

static void
set_state (PfAccountService      *self,
           PfAccountServiceState  state,
           GError                *error)   /* transfer full, nullable */
{
  gboolean error_changed = self->error != NULL || error != NULL;

  g_clear_error (&self->error);
  self->error = error;
  if (state != PF_ACCOUNT_SERVICE_SYNCING)
    self->progress = -1;

  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (error_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

static void
clear_password (PfAccountService *self)
{
  if (self->password != NULL)
    explicit_bzero (self->password, strlen (self->password));
  g_clear_pointer (&self->password, g_free);
}

/* An error of a run: the user's turn, or another try later. */
static void
failed (PfAccountService *self,
        GError           *error)   /* transfer full */
{
  PfAccountProblem problem = pf_account_problem_from_error (error);

  if (problem == PF_ACCOUNT_PROBLEM_PASSWORD || problem == PF_ACCOUNT_PROBLEM_CERTIFICATE ||
      problem == PF_ACCOUNT_PROBLEM_SECURITY)
    {
      /* Trying again only locks the account or repeats the question. */
      g_cancellable_cancel (self->cancellable);
      g_clear_handle_id (&self->timeout_id, g_source_remove);
      set_state (self, PF_ACCOUNT_SERVICE_NEEDS_USER, error);
      return;
    }
  set_state (self, problem == PF_ACCOUNT_PROBLEM_UNREACHABLE ? PF_ACCOUNT_SERVICE_OFFLINE :
                   PF_ACCOUNT_SERVICE_NEEDS_USER, error);
}

/* IMAP: one watch for as long as the service runs. */

static void
on_imap_progress_cb (PfImapSync *sync,
                     const char *folder,
                     guint       done,
                     guint       total,
                     gpointer    user_data)
{
  PfAccountService *self = user_data;

  if (self->state != PF_ACCOUNT_SERVICE_SYNCING)
    set_state (self, PF_ACCOUNT_SERVICE_SYNCING, NULL);
  self->progress = total > 0 ? MIN (1.0, (double) done / total) : -1;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

static void
bodies_prepared_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Only ahead of time: a fetch connects by itself when this failed. */
  if (!pf_imap_sync_prepare_bodies_finish (PF_IMAP_SYNC (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Could not open the connection for message bodies: %s", error->message);
}

static void
on_imap_synced_cb (PfImapSync            *sync,
                   const PfImapSyncStats *stats,
                   gpointer               user_data)
{
  PfAccountService *self = user_data;

  set_state (self, PF_ACCOUNT_SERVICE_IDLE, NULL);
  g_signal_emit (self, signals[SIGNAL_SYNCED], 0, stats->new_messages);

  /* The first message the user opens is most likely in the Inbox and
   * not downloaded yet: its connection is opened now, once. */
  if (!self->bodies_prepared)
    {
      g_autoptr(PfStoreFolder) inbox =
        pf_store_lookup_folder_by_special_use (self->store, PF_STORE_SPECIAL_USE_INBOX, NULL);

      self->bodies_prepared = TRUE;
      if (inbox != NULL)
        pf_imap_sync_prepare_bodies_async (sync, inbox->id, self->cancellable,
                                           bodies_prepared_cb, NULL);
    }
}

static void
on_imap_sync_failed_cb (PfImapSync   *sync,
                        const GError *error,
                        guint         retry_seconds,
                        gpointer      user_data)
{
  PfAccountService *self = user_data;

  failed (self, g_error_copy (error));
}

static void
on_imap_operation_failed_cb (PfImapSync *sync,
                             const char *kind,
                             const char *message,
                             gpointer    user_data)
{
  PfAccountService *self = user_data;

  g_signal_emit (self, signals[SIGNAL_OPERATION_FAILED], 0, message);
}

static void
watch_ended_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PfAccountService) self = user_data;
  g_autoptr(GError) error = NULL;

  if (pf_imap_sync_watch_finish (PF_IMAP_SYNC (object), result, &error) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* Only a rejected password ends a watch; ::sync-failed told already. */
  if (self->state != PF_ACCOUNT_SERVICE_NEEDS_USER)
    failed (self, g_steal_pointer (&error));
}

static void
begin_imap (PfAccountService *self)
{
  PfServerSettings *incoming = pf_account_get_incoming (self->account);

  if (self->imap == NULL)
    {
      self->imap = pf_imap_sync_new (self->store, incoming);
      pf_imap_sync_set_poll_interval (self->imap, self->poll_seconds);
      g_signal_connect_object (self->imap, "progress", G_CALLBACK (on_imap_progress_cb), self, 0);
      g_signal_connect_object (self->imap, "synced", G_CALLBACK (on_imap_synced_cb), self, 0);
      g_signal_connect_object (self->imap, "sync-failed", G_CALLBACK (on_imap_sync_failed_cb),
                               self, 0);
      g_signal_connect_object (self->imap, "operation-failed",
                               G_CALLBACK (on_imap_operation_failed_cb), self, 0);
    }
  pf_imap_sync_set_secret (self->imap, self->password,
                           pf_server_settings_get_auth_method (incoming) == PF_AUTH_METHOD_OAUTH2);
  set_state (self, PF_ACCOUNT_SERVICE_SYNCING, NULL);
  pf_imap_sync_watch_async (self->imap, self->cancellable, watch_ended_cb, g_object_ref (self));
}

/* POP3: a download now and every poll interval. */

static void pop3_run (PfAccountService *self);

static gboolean
pop3_poll_cb (gpointer user_data)
{
  PfAccountService *self = user_data;

  self->timeout_id = 0;
  pop3_run (self);
  return G_SOURCE_REMOVE;
}

static void
on_pop3_progress_cb (PfPop3Sync *sync,
                     guint       done,
                     guint       total,
                     gpointer    user_data)
{
  PfAccountService *self = user_data;

  self->progress = total > 0 ? MIN (1.0, (double) done / total) : -1;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

static void
pop3_ran_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(PfAccountService) self = user_data;
  g_autoptr(GError) error = NULL;
  PfPop3SyncStats stats = { 0 };

  self->pop3_running = FALSE;
  if (!pf_pop3_sync_run_finish (PF_POP3_SYNC (object), result, &stats, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      failed (self, g_steal_pointer (&error));
      if (self->state == PF_ACCOUNT_SERVICE_OFFLINE)
        {
          self->retry_seconds = self->retry_seconds == 0 ? FIRST_RETRY_SECONDS :
                                MIN (self->retry_seconds * 2, MAX_RETRY_SECONDS);
          self->timeout_id = g_timeout_add_seconds (self->retry_seconds, pop3_poll_cb, self);
        }
      return;
    }

  self->retry_seconds = 0;
  set_state (self, PF_ACCOUNT_SERVICE_IDLE, NULL);
  g_signal_emit (self, signals[SIGNAL_SYNCED], 0, stats.new_messages);
  if (self->pop3_again)
    {
      pop3_run (self);
      return;
    }
  self->timeout_id = g_timeout_add_seconds (self->poll_seconds, pop3_poll_cb, self);
}

static void
pop3_run (PfAccountService *self)
{
  if (self->pop3_running)
    {
      self->pop3_again = TRUE;
      return;
    }
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  self->pop3_running = TRUE;
  self->pop3_again = FALSE;
  set_state (self, PF_ACCOUNT_SERVICE_SYNCING, NULL);
  pf_pop3_sync_run_async (self->pop3, self->cancellable, pop3_ran_cb, g_object_ref (self));
}

static void
begin_pop3 (PfAccountService *self)
{
  PfServerSettings *incoming = pf_account_get_incoming (self->account);

  if (self->pop3 == NULL)
    {
      self->pop3 = pf_pop3_sync_new (self->store, incoming);
      g_signal_connect_object (self->pop3, "progress", G_CALLBACK (on_pop3_progress_cb), self, 0);
    }
  pf_pop3_sync_set_secret (self->pop3, self->password,
                           pf_server_settings_get_auth_method (incoming) == PF_AUTH_METHOD_OAUTH2);
  pf_pop3_sync_set_policy (self->pop3, pf_account_get_pop3_policy (self->account),
                           pf_account_get_pop3_keep_days (self->account));
  pop3_run (self);
}

static void
begin (PfAccountService *self)
{
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (pf_account_get_kind (self->account) == PF_ACCOUNT_KIND_POP3)
    begin_pop3 (self);
  else
    begin_imap (self);
}

static void
password_looked_up_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(PfAccountService) self = user_data;
  g_autoptr(GError) error = NULL;
  char *password = NULL;

  /* Without a vault (object is NULL): no password. */
  if (object != NULL)
    password = pf_password_vault_lookup_finish (PF_PASSWORD_VAULT (object), result, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      self->state != PF_ACCOUNT_SERVICE_CONNECTING)
    {
      if (password != NULL)
        explicit_bzero (password, strlen (password));
      g_free (password);
      return;
    }
  if (password == NULL)
    {
      if (error == NULL)
        {
          PfServerSettings *incoming = pf_account_get_incoming (self->account);

          error = g_error_new (PF_ACCOUNT_SERVICE_ERROR, PF_ACCOUNT_SERVICE_ERROR_NO_PASSWORD,
                               _("No password is stored for %s on %s"),
                               pf_server_settings_get_username (incoming),
                               pf_server_settings_get_host (incoming));
        }
      set_state (self, PF_ACCOUNT_SERVICE_NEEDS_USER, g_steal_pointer (&error));
      return;
    }
  clear_password (self);
  self->password = password;
  begin (self);
}

static void
on_network_changed_cb (GNetworkMonitor *monitor,
                       gboolean         available,
                       gpointer         user_data)
{
  PfAccountService *self = user_data;

  if (available && self->state == PF_ACCOUNT_SERVICE_OFFLINE)
    pf_account_service_sync_now (self);
}

/**
 * pf_account_service_start:
 * @self: a #PfAccountService
 *
 * Looks the password up (unless pf_account_service_set_password() gave
 * one) and connects. Does nothing when already started.
 */
void
pf_account_service_start (PfAccountService *self)
{
  g_return_if_fail (PF_IS_ACCOUNT_SERVICE (self));

  if (self->state != PF_ACCOUNT_SERVICE_STOPPED && self->state != PF_ACCOUNT_SERVICE_NEEDS_USER)
    return;

  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->retry_seconds = 0;
  if (self->network_handler == 0)
    {
      self->monitor = g_object_ref (g_network_monitor_get_default ());
      self->network_handler = g_signal_connect (self->monitor, "network-changed",
                                                G_CALLBACK (on_network_changed_cb), self);
    }

  if (self->password != NULL)
    {
      begin (self);
      return;
    }
  set_state (self, PF_ACCOUNT_SERVICE_CONNECTING, NULL);
  if (self->vault == NULL)
    {
      password_looked_up_cb (NULL, NULL, g_object_ref (self));
      return;
    }
  pf_password_vault_lookup_for_server_async (self->vault, self->account,
                                             pf_account_get_incoming (self->account),
                                             self->cancellable, password_looked_up_cb,
                                             g_object_ref (self));
}

/**
 * pf_account_service_stop:
 * @self: a #PfAccountService
 *
 * Ends the watch or the downloads and drops the connections. Queued
 * changes stay queued.
 */
void
pf_account_service_stop (PfAccountService *self)
{
  g_return_if_fail (PF_IS_ACCOUNT_SERVICE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  self->pop3_running = FALSE;
  /* A new sync object for the next start: the settings may have changed
   * (a trusted certificate, another host). */
  g_clear_object (&self->imap);
  self->bodies_prepared = FALSE;
  g_clear_object (&self->pop3);
  set_state (self, PF_ACCOUNT_SERVICE_STOPPED, NULL);
}

/**
 * pf_account_service_sync_now:
 * @self: a #PfAccountService
 *
 * Syncs at once: replays queued changes, fetches news. Starts a stopped
 * service, and tries again after an error.
 */
void
pf_account_service_sync_now (PfAccountService *self)
{
  g_return_if_fail (PF_IS_ACCOUNT_SERVICE (self));

  switch (self->state)
    {
    case PF_ACCOUNT_SERVICE_STOPPED:
    case PF_ACCOUNT_SERVICE_NEEDS_USER:
      pf_account_service_stop (self);
      pf_account_service_start (self);
      break;

    case PF_ACCOUNT_SERVICE_CONNECTING:
      break;

    case PF_ACCOUNT_SERVICE_OFFLINE:
    case PF_ACCOUNT_SERVICE_SYNCING:
    case PF_ACCOUNT_SERVICE_IDLE:
    default:
      if (self->pop3 != NULL)
        pop3_run (self);
      else if (self->imap == NULL || !pf_imap_sync_wake (self->imap))
        begin (self);
      break;
    }
}

static void
password_stored_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!pf_password_vault_store_finish (PF_PASSWORD_VAULT (object), result, NULL, &error))
    g_warning ("Cannot keep the password: %s", error->message);
}

/**
 * pf_account_service_set_password:
 * @self: a #PfAccountService
 * @password: the password the user gave
 * @remember: whether to keep it in the keyring
 *
 * Uses @password from now on and connects again.
 */
void
pf_account_service_set_password (PfAccountService *self,
                                 const char       *password,
                                 gboolean          remember)
{
  g_return_if_fail (PF_IS_ACCOUNT_SERVICE (self));
  g_return_if_fail (password != NULL);

  clear_password (self);
  self->password = g_strdup (password);
  if (remember && self->vault != NULL)
    pf_password_vault_store_for_server_async (self->vault, self->account,
                                              pf_account_get_incoming (self->account),
                                              password, NULL, password_stored_cb, NULL);
  pf_account_service_stop (self);
  pf_account_service_start (self);
}

/**
 * pf_account_service_trust_certificate:
 * @self: a #PfAccountService
 * @certificate: the certificate the user decided to trust
 * @errors: the problems accepted with it
 *
 * Pins @certificate in the account's incoming server settings (the caller
 * saves the account) and connects again.
 */
void
pf_account_service_trust_certificate (PfAccountService     *self,
                                      GTlsCertificate      *certificate,
                                      GTlsCertificateFlags  errors)
{
  g_autofree char *sha256 = NULL;

  g_return_if_fail (PF_IS_ACCOUNT_SERVICE (self));
  g_return_if_fail (G_IS_TLS_CERTIFICATE (certificate));

  sha256 = pf_net_certificate_dup_sha256 (certificate);
  pf_server_settings_set_pinned_certificate (pf_account_get_incoming (self->account), sha256,
                                             errors);
  pf_account_service_stop (self);
  pf_account_service_start (self);
}

/* Bodies on demand */

static void
body_fetched_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *path = pf_imap_sync_fetch_body_finish (PF_IMAP_SYNC (object), result, &error);

  if (path == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, path, g_free);
}

/**
 * pf_account_service_fetch_body_async:
 * @self: a #PfAccountService
 * @message_id: a message of the service's store
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the path of the message's file
 * @user_data: data for @callback
 *
 * The message's file: the cached one, or (IMAP) fetched now over a
 * connection of its own, beside a sync run.
 */
void
pf_account_service_fetch_body_async (PfAccountService    *self,
                                     gint64               message_id,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PfStoreMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PF_IS_ACCOUNT_SERVICE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_account_service_fetch_body_async);

  message = pf_store_get_message (self->store, message_id, &error);
  if (message == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (message->body_path != NULL && g_file_test (message->body_path, G_FILE_TEST_IS_REGULAR))
    {
      g_task_return_pointer (task, g_strdup (message->body_path), g_free);
      return;
    }
  if (self->imap == NULL)
    {
      g_task_return_new_error (task, PF_ACCOUNT_SERVICE_ERROR,
                               PF_ACCOUNT_SERVICE_ERROR_NOT_CONNECTED,
                               pf_account_get_kind (self->account) == PF_ACCOUNT_KIND_POP3 ?
                               _("The message’s file is missing") :
                               _("This message has not been downloaded yet, and the account is "
                                 "not connected"));
      return;
    }
  pf_imap_sync_fetch_body_async (self->imap, message_id, cancellable, body_fetched_cb,
                                 g_steal_pointer (&task));
}

/**
 * pf_account_service_fetch_body_finish:
 * @self: a #PfAccountService
 * @result: the result
 * @error: return location for an error
 *
 * Returns: (transfer full): the path of the message's file, or %NULL
 */
char *
pf_account_service_fetch_body_finish (PfAccountService  *self,
                                      GAsyncResult      *result,
                                      GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* PfMessageFetcher: the preview's bodies come through the service. */

static void
fetcher_fetch_body_async (PfMessageFetcher    *fetcher,
                          PfStore             *store,
                          gint64               message_id,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  pf_account_service_fetch_body_async (PF_ACCOUNT_SERVICE (fetcher), message_id, cancellable,
                                       callback, user_data);
}

static char *
fetcher_fetch_body_finish (PfMessageFetcher  *fetcher,
                           GAsyncResult      *result,
                           GError           **error)
{
  return pf_account_service_fetch_body_finish (PF_ACCOUNT_SERVICE (fetcher), result, error);
}

static void
pf_account_service_fetcher_init (PfMessageFetcherInterface *iface)
{
  iface->fetch_body_async = fetcher_fetch_body_async;
  iface->fetch_body_finish = fetcher_fetch_body_finish;
}

static void
pf_account_service_dispose (GObject *object)
{
  PfAccountService *self = PF_ACCOUNT_SERVICE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_signal_handler (&self->network_handler, self->monitor);
  g_clear_object (&self->monitor);
  g_clear_object (&self->imap);
  g_clear_object (&self->pop3);

  G_OBJECT_CLASS (pf_account_service_parent_class)->dispose (object);
}

static void
pf_account_service_finalize (GObject *object)
{
  PfAccountService *self = PF_ACCOUNT_SERVICE (object);

  clear_password (self);
  g_clear_error (&self->error);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->vault);
  g_clear_object (&self->store);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (pf_account_service_parent_class)->finalize (object);
}

static void
pf_account_service_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  PfAccountService *self = PF_ACCOUNT_SERVICE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;

    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_account_service_class_init (PfAccountServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_account_service_dispose;
  object_class->finalize = pf_account_service_finalize;
  object_class->get_property = pf_account_service_get_property;

  properties [PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       PF_TYPE_ACCOUNT_SERVICE_STATE, PF_ACCOUNT_SERVICE_STOPPED,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties [PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, -1, 1, -1,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties [PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PfAccountService::synced:
   * @self: the #PfAccountService
   * @new_messages: messages that arrived in this run
   *
   * A run ended well.
   */
  signals[SIGNAL_SYNCED] =
    g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * PfAccountService::operation-failed:
   * @self: the #PfAccountService
   * @message: why the server refused a change the user made, translated
   *
   * The change was undone locally.
   */
  signals[SIGNAL_OPERATION_FAILED] =
    g_signal_new ("operation-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
pf_account_service_init (PfAccountService *self)
{
  self->progress = -1;
  self->poll_seconds = DEFAULT_POLL_SECONDS;
}
