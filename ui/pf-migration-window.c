/* pf-migration-window.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* "Switch to IMAP": the downloaded mail of a POP3 account copied into the
 * IMAP account of the same mailbox (PfPop3Migration), with progress, a
 * Stop, a Resume that goes on where the last run ended, the counts per
 * folder, and — only when every folder's copies were verified on the
 * server — the offer to remove the POP3 account. */

#define G_LOG_DOMAIN "pf-migration-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-migration-window.h"

struct _PfMigrationWindow
{
  AdwWindow              parent_instance;

  /* Owned */
  PfStore               *source;
  PfAccount             *pop3;
  PfAccount             *imap;
  PfPasswordVault       *vault;
  PfPop3Migration       *migration;
  GCancellable          *cancellable;
  GHashTable            *progress;     /* folder → guint64 (done << 32 | total) */
  PfPop3MigrationReport *report;
  char                  *status;
  guint                  local_total;
  gboolean               running;

  /* Template children */
  GtkLabel              *title_label;
  GtkLabel              *description_label;
  GtkProgressBar        *progress_bar;
  GtkLabel              *status_label;
  GtkListBox            *folders_list;
  GtkWidget             *cancel_button;
  GtkWidget             *resume_button;
  GtkWidget             *remove_button;
};

G_DEFINE_FINAL_TYPE (PfMigrationWindow, pf_migration_window, ADW_TYPE_WINDOW)

enum {
  SIGNAL_REMOVE_POP3,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_status (PfMigrationWindow *self,
            const char        *text)
{
  g_free (self->status);
  self->status = g_strdup (text);
  gtk_label_set_text (self->status_label, text);
}

static void
update_buttons (PfMigrationWindow *self)
{
  gboolean verified = self->report != NULL && self->report->verified;

  gtk_widget_set_visible (self->cancel_button, self->running);
  gtk_widget_set_visible (self->resume_button, !self->running && !verified);
  gtk_widget_set_visible (self->remove_button, !self->running && verified);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "migration.cancel", self->running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "migration.start", !self->running && !verified);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "migration.remove-pop3",
                                 !self->running && verified);
}

/* Progress over all folders: the local counts are known up front. */
static void
on_progress_cb (PfPop3Migration   *migration,
                const char        *folder,
                guint              done,
                guint              total,
                PfMigrationWindow *self)
{
  GHashTableIter iter;
  gpointer value;
  guint64 sum_done = 0;
  guint64 sum_total = 0;
  g_autofree char *text = NULL;

  g_hash_table_insert (self->progress, g_strdup (folder),
                       g_memdup2 (&(guint64) { ((guint64) done << 32) | total }, sizeof (guint64)));
  g_hash_table_iter_init (&iter, self->progress);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      guint64 packed = *(guint64 *) value;

      sum_done += packed >> 32;
      sum_total += packed & 0xffffffff;
    }
  sum_total = MAX (sum_total, self->local_total);
  gtk_progress_bar_set_fraction (self->progress_bar,
                                 sum_total > 0 ? MIN (1.0, (double) sum_done / sum_total) : 0);
  /* Translators: "Inbox: 120 of 150 messages" */
  text = g_strdup_printf (ngettext ("%s: %u of %u message", "%s: %u of %u messages", total),
                          folder, done, total);
  gtk_progress_bar_set_text (self->progress_bar, text);
}

static void
on_step_cb (PfPop3Migration   *migration,
            const char        *text,
            PfMigrationWindow *self)
{
  set_status (self, text);
}

static GtkWidget *
folder_row (const PfPop3MigrationFolder *folder)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (folder->verified == folder->local_count &&
                                                  folder->failed == 0 ?
                                                  "emblem-ok-symbolic" : "dialog-warning-symbolic");
  g_autofree char *title = NULL;
  g_autofree char *counts = NULL;
  g_autofree char *subtitle = NULL;

  /* Translators: a local folder and the server folder it went to */
  title = g_strdup_printf (_("%s → %s"), folder->local_name, folder->server_name);
  counts = g_strdup_printf (/* Translators: counts of one folder after copying; the first
                               * number is the folder's messages */
                            ngettext ("%u message: %u copied, %u already on the server, "
                                      "%u failed; %u found on the server",
                                      "%u messages: %u copied, %u already on the server, "
                                      "%u failed; %u found on the server", folder->local_count),
                            folder->local_count, folder->copied, folder->already_there,
                            folder->failed, folder->verified);
  subtitle = folder->error != NULL ? g_strdup_printf ("%s\n%s", counts, folder->error)
                                   : g_strdup (counts);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_add_css_class (icon, folder->verified == folder->local_count && folder->failed == 0 ?
                                  "success" : "warning");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  return row;
}

static void
show_report (PfMigrationWindow *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->folders_list))) != NULL)
    gtk_list_box_remove (self->folders_list, child);
  for (guint i = 0; self->report != NULL && i < self->report->folders->len; i++)
    gtk_list_box_append (self->folders_list, folder_row (self->report->folders->pdata[i]));
  gtk_widget_set_visible (GTK_WIDGET (self->folders_list),
                          self->report != NULL && self->report->folders->len > 0);
}

static void
migrated_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(PfMigrationWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  PfPop3MigrationReport *report;
  const PfPop3MigrationReport *partial;

  report = pf_pop3_migration_run_finish (PF_POP3_MIGRATION (object), result, &error);
  self->running = FALSE;
  g_clear_pointer (&self->report, pf_pop3_migration_report_free);
  partial = pf_pop3_migration_get_report (PF_POP3_MIGRATION (object));
  self->report = report != NULL ? report :
                 partial != NULL ? pf_pop3_migration_report_copy (partial) : NULL;

  if (error != NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        text = g_strdup (_("Stopped. Nothing is lost: “Resume” goes on where it stopped, "
                           "without copying anything twice."));
      else
        {
          g_autofree char *reason = g_str_has_suffix (error->message, ".") ?
                                    g_strdup (error->message) :
                                    g_strconcat (error->message, ".", NULL);

          /* Translators: %s is the reason, a sentence ending with a full stop */
          text = g_strdup_printf (_("Copying stopped: %s Nothing is lost: “Resume” goes on "
                                    "where it stopped, without copying anything twice."), reason);
        }
      set_status (self, text);
    }
  else if (self->report->verified)
    {
      g_autofree char *text = NULL;

      gtk_progress_bar_set_fraction (self->progress_bar, 1.0);
      gtk_progress_bar_set_text (self->progress_bar, NULL);
      gtk_label_set_text (self->title_label, _("Your Mail Is on the Server"));
      /* Translators: %u is a number of messages, %s an account's name */
      text = g_strdup_printf (ngettext ("The message is on the server (%u of 1). You can now "
                                        "remove the POP3 account “%s”.",
                                        "All %u messages are on the server. You can now remove "
                                        "the POP3 account “%s”.", self->report->local_count),
                              self->report->local_count, pf_account_get_display_name (self->pop3));
      set_status (self, text);
    }
  else
    set_status (self, _("Not every message could be found on the server after copying (see "
                        "below). The POP3 account stays; “Resume” tries again."));
  show_report (self);
  update_buttons (self);
}

static void
password_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(PfMigrationWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;

  password = pf_password_vault_lookup_finish (PF_PASSWORD_VAULT (object), result, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      self->running = FALSE;
      set_status (self, _("Stopped. Nothing is lost: “Resume” goes on where it stopped, "
                          "without copying anything twice."));
      update_buttons (self);
      return;
    }
  if (password == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The password of the IMAP account is missing: %s"),
                                               error != NULL ? error->message : _("not in the keyring"));

      self->running = FALSE;
      set_status (self, text);
      update_buttons (self);
      return;
    }

  g_clear_object (&self->migration);
  self->migration = pf_pop3_migration_new (self->source, pf_account_get_incoming (self->imap),
                                           password);
  explicit_bzero (password, strlen (password));
  g_signal_connect_object (self->migration, "progress", G_CALLBACK (on_progress_cb), self, 0);
  g_signal_connect_object (self->migration, "step", G_CALLBACK (on_step_cb), self, 0);
  pf_pop3_migration_run_async (self->migration, self->cancellable, migrated_cb,
                               g_object_ref (self));
}

/**
 * pf_migration_window_start:
 * @self: a #PfMigrationWindow
 *
 * Starts copying, or goes on after a stop or a failure.
 */
void
pf_migration_window_start (PfMigrationWindow *self)
{
  g_return_if_fail (PF_IS_MIGRATION_WINDOW (self));

  if (self->running)
    return;
  self->running = TRUE;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_hash_table_remove_all (self->progress);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  set_status (self, _("Connecting…"));
  update_buttons (self);
  pf_password_vault_lookup_for_server_async (self->vault, self->imap,
                                             pf_account_get_incoming (self->imap),
                                             self->cancellable, password_cb, g_object_ref (self));
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  pf_migration_window_start (PF_MIGRATION_WINDOW (widget));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PfMigrationWindow *self = PF_MIGRATION_WINDOW (widget);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

static gboolean
destroy_cb (gpointer user_data)
{
  gtk_window_destroy (GTK_WINDOW (user_data));
  return G_SOURCE_REMOVE;
}

static void
on_remove_response_cb (AdwMessageDialog  *dialog,
                       const char        *response,
                       PfMigrationWindow *self)
{
  if (g_str_equal (response, "cancel"))
    return;
  g_signal_emit (self, signals[SIGNAL_REMOVE_POP3], 0, g_str_equal (response, "keep"));
  /* Not now: the dialog this answers is still being torn down, and a
   * transient window must not outlive its parent. */
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, destroy_cb, g_object_ref (self), g_object_unref);
}

static void
remove_pop3_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  PfMigrationWindow *self = PF_MIGRATION_WINDOW (widget);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Remove POP3 Account?"), NULL);

  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  /* Translators: %s is an account's name */
                                  _("Every message of “%s” is now on the IMAP server. The "
                                    "downloaded copy can stay in Postfach’s data folder, or be "
                                    "deleted with the account."),
                                  pf_account_get_display_name (self->pop3));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "keep", _("_Keep Local Copy"),
                                    "delete", _("_Delete Local Copy"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
count_local_messages (PfMigrationWindow *self)
{
  g_autoptr(GPtrArray) folders = pf_store_list_folders (self->source, NULL);

  self->local_total = 0;
  for (guint i = 0; folders != NULL && i < folders->len; i++)
    {
      PfStoreFolder *folder = folders->pdata[i];

      self->local_total += folder->total_count;
    }
}

/**
 * pf_migration_window_new:
 * @parent: (nullable): the main window
 * @source: the POP3 account's store
 * @pop3: the POP3 account
 * @imap: the IMAP account of the same mailbox, saved with its password
 * @vault: where that password is
 *
 * Returns: (transfer full): the window; pf_migration_window_start() begins
 */
PfMigrationWindow *
pf_migration_window_new (GtkWindow       *parent,
                         PfStore         *source,
                         PfAccount       *pop3,
                         PfAccount       *imap,
                         PfPasswordVault *vault)
{
  PfMigrationWindow *self;
  g_autofree char *description = NULL;

  g_return_val_if_fail (PF_IS_STORE (source), NULL);
  g_return_val_if_fail (PF_IS_ACCOUNT (pop3), NULL);
  g_return_val_if_fail (PF_IS_ACCOUNT (imap), NULL);
  g_return_val_if_fail (PF_IS_PASSWORD_VAULT (vault), NULL);

  self = g_object_new (PF_TYPE_MIGRATION_WINDOW, "transient-for", parent, NULL);
  self->source = g_object_ref (source);
  self->pop3 = g_object_ref (pop3);
  self->imap = g_object_ref (imap);
  self->vault = g_object_ref (vault);
  /* Translators: the first %s is the POP3 account, the second the IMAP account */
  description = g_strdup_printf (_("Postfach copies every folder of “%s” into “%s” on the server, "
                                   "with read, answered and flagged state and the dates. Nothing "
                                   "is deleted: the downloaded mail stays on this computer until "
                                   "you remove the POP3 account."),
                                 pf_account_get_display_name (pop3),
                                 pf_account_get_display_name (imap));
  gtk_label_set_text (self->description_label, description);
  count_local_messages (self);
  update_buttons (self);
  return self;
}

/**
 * pf_migration_window_is_running:
 * @self: a #PfMigrationWindow
 *
 * Returns: whether mail is being copied
 */
gboolean
pf_migration_window_is_running (PfMigrationWindow *self)
{
  g_return_val_if_fail (PF_IS_MIGRATION_WINDOW (self), FALSE);

  return self->running;
}

/**
 * pf_migration_window_get_report:
 * @self: a #PfMigrationWindow
 *
 * Returns: (nullable): the last run's report
 */
const PfPop3MigrationReport *
pf_migration_window_get_report (PfMigrationWindow *self)
{
  g_return_val_if_fail (PF_IS_MIGRATION_WINDOW (self), NULL);

  return self->report;
}

/**
 * pf_migration_window_get_status:
 * @self: a #PfMigrationWindow
 *
 * Returns: (nullable): the status line
 */
const char *
pf_migration_window_get_status (PfMigrationWindow *self)
{
  g_return_val_if_fail (PF_IS_MIGRATION_WINDOW (self), NULL);

  return self->status;
}

static gboolean
pf_migration_window_close_request (GtkWindow *window)
{
  PfMigrationWindow *self = PF_MIGRATION_WINDOW (window);

  /* Closing stops the copying; a later "Switch to IMAP…" resumes it. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  return GTK_WINDOW_CLASS (pf_migration_window_parent_class)->close_request (window);
}

static void
pf_migration_window_dispose (GObject *object)
{
  PfMigrationWindow *self = PF_MIGRATION_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), PF_TYPE_MIGRATION_WINDOW);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->migration);
  g_clear_object (&self->source);
  g_clear_object (&self->pop3);
  g_clear_object (&self->imap);
  g_clear_object (&self->vault);
  g_clear_pointer (&self->progress, g_hash_table_unref);
  g_clear_pointer (&self->report, pf_pop3_migration_report_free);
  g_clear_pointer (&self->status, g_free);

  G_OBJECT_CLASS (pf_migration_window_parent_class)->dispose (object);
}

static void
pf_migration_window_class_init (PfMigrationWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = pf_migration_window_dispose;
  window_class->close_request = pf_migration_window_close_request;

  /**
   * PfMigrationWindow::remove-pop3-account:
   * @self: the window
   * @keep_local_mail: whether the downloaded copy stays
   *
   * The copies were verified and the user chose to remove the POP3 account.
   */
  signals[SIGNAL_REMOVE_POP3] =
    g_signal_new ("remove-pop3-account", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/pf-migration-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PfMigrationWindow, title_label);
  gtk_widget_class_bind_template_child (widget_class, PfMigrationWindow, description_label);
  gtk_widget_class_bind_template_child (widget_class, PfMigrationWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, PfMigrationWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, PfMigrationWindow, folders_list);
  gtk_widget_class_bind_template_child (widget_class, PfMigrationWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, PfMigrationWindow, resume_button);
  gtk_widget_class_bind_template_child (widget_class, PfMigrationWindow, remove_button);

  gtk_widget_class_install_action (widget_class, "migration.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "migration.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "migration.remove-pop3", NULL,
                                   remove_pop3_action);
}

static void
pf_migration_window_init (PfMigrationWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->progress = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}
