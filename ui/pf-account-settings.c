/* pf-account-settings.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The settings of one account: identity and signature, the password (in
 * the keyring), POP3's policy and the way to IMAP, both servers as they are
 * in use (copyable, the "where do I find my IMAP settings" view) and
 * editable, the certificate exceptions the user made, and removing the
 * account. Changes are made to a copy and applied when the window closes
 * (or by pf_account_settings_apply()); invalid settings keep it open with
 * the reason. */

#define G_LOG_DOMAIN "pf-account-settings"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-account-settings.h"

typedef struct
{
  PfServerSettings *server;      /* of self->edited */
  AdwEntryRow      *host;
  GtkSpinButton    *port;
  AdwComboRow      *security;
  AdwComboRow      *auth;
  AdwEntryRow      *user;
} ServerRows;

struct _PfAccountSettings
{
  AdwPreferencesWindow  parent_instance;

  /* Owned */
  PfAccountService     *service;
  PfPasswordVault      *vault;
  PfAccount            *edited;     /* a copy; applied on close */
  ServerRows            rows[2];    /* incoming, outgoing */
  GtkWidget            *exception_rows[2];
  AdwPreferencesGroup  *exceptions_group;
  gboolean              loading;

  /* Template children */
  AdwEntryRow          *display_name_row;
  AdwEntryRow          *real_name_row;
  AdwEntryRow          *address_row;
  AdwEntryRow          *reply_to_row;
  GtkTextView          *signature_view;
  AdwPreferencesGroup  *pop3_group;
  AdwComboRow          *keep_row;
  AdwActionRow         *keep_days_row;
  GtkSpinButton        *keep_days_spin;
  AdwActionRow         *delete_with_local_row;
  GtkSwitch            *delete_with_local_switch;
  AdwPreferencesPage   *servers_page;
  GtkLabel             *summary_label;
};

G_DEFINE_FINAL_TYPE (PfAccountSettings, pf_account_settings, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  SIGNAL_ACCOUNT_CHANGED,
  SIGNAL_REMOVE_ACCOUNT,
  SIGNAL_SWITCH_TO_IMAP,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Summary: the settings in use, as text to copy */

static void
append_server (GString          *text,
               const char       *title,
               PfServerSettings *server)
{
  g_string_append_printf (text, "%s (%s)\n", title,
                          pf_server_protocol_get_name (pf_server_settings_get_protocol (server)));
  g_string_append_printf (text, "  %s: %s\n", _("Server"), pf_server_settings_get_host (server));
  g_string_append_printf (text, "  %s: %u\n", _("Port"), pf_server_settings_get_port (server));
  g_string_append_printf (text, "  %s: %s\n", _("Encryption"),
                          pf_security_get_label (pf_server_settings_get_security (server)));
  g_string_append_printf (text, "  %s: %s\n", _("User name"),
                          pf_server_settings_get_username (server) != NULL ?
                          pf_server_settings_get_username (server) : "");
}

/**
 * pf_account_settings_dup_summary:
 * @self: a #PfAccountSettings
 *
 * Returns: (transfer full): the servers in use (as saved), as the
 *   "Settings in Use" group shows them
 */
char *
pf_account_settings_dup_summary (PfAccountSettings *self)
{
  PfAccount *account = pf_account_service_get_account (self->service);
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (PF_IS_ACCOUNT_SETTINGS (self), NULL);

  append_server (text, _("Incoming server"), pf_account_get_incoming (account));
  g_string_append_c (text, '\n');
  append_server (text, _("Outgoing server"), pf_account_get_outgoing (account));
  g_strchomp (text->str);
  text->len = strlen (text->str);
  return g_string_free (text, FALSE);
}

static void
update_summary (PfAccountSettings *self)
{
  g_autofree char *summary = pf_account_settings_dup_summary (self);

  gtk_label_set_text (self->summary_label, summary);
}

/* Form → copy */

static char *
entry_text (AdwEntryRow *row)
{
  char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  if (*text == '\0')
    g_clear_pointer (&text, g_free);
  return text;
}

static void
read_form (PfAccountSettings *self)
{
  g_autofree char *display_name = entry_text (self->display_name_row);
  g_autofree char *real_name = entry_text (self->real_name_row);
  g_autofree char *address = entry_text (self->address_row);
  g_autofree char *reply_to = entry_text (self->reply_to_row);
  g_autofree char *signature = NULL;
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->signature_view);
  GtkTextIter start, end;

  if (self->loading)
    return;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  signature = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  pf_account_set_display_name (self->edited, display_name);
  pf_account_set_real_name (self->edited, real_name);
  pf_account_set_address (self->edited, address);
  pf_account_set_reply_to (self->edited, reply_to);
  pf_account_set_signature (self->edited, *signature != '\0' ? signature : NULL);

  for (guint i = 0; i < G_N_ELEMENTS (self->rows); i++)
    {
      ServerRows *rows = &self->rows[i];
      g_autofree char *host = entry_text (rows->host);
      g_autofree char *user = entry_text (rows->user);

      pf_server_settings_set_host (rows->server, host);
      pf_server_settings_set_port (rows->server, gtk_spin_button_get_value_as_int (rows->port));
      pf_server_settings_set_security (rows->server, adw_combo_row_get_selected (rows->security));
      pf_server_settings_set_auth_method (rows->server, adw_combo_row_get_selected (rows->auth));
      pf_server_settings_set_username (rows->server, user);
    }

  if (pf_account_get_kind (self->edited) == PF_ACCOUNT_KIND_POP3)
    {
      guint keep = adw_combo_row_get_selected (self->keep_row);

      if (keep == 0)
        pf_account_set_pop3_policy (self->edited, PF_POP3_POLICY_DELETE);
      else if (keep == 1)
        pf_account_set_pop3_policy (self->edited,
                                    gtk_switch_get_active (self->delete_with_local_switch) ?
                                    PF_POP3_POLICY_DELETE_WITH_LOCAL : PF_POP3_POLICY_KEEP);
      else
        {
          pf_account_set_pop3_policy (self->edited, PF_POP3_POLICY_KEEP_DAYS);
          pf_account_set_pop3_keep_days (self->edited,
                                         gtk_spin_button_get_value_as_int (self->keep_days_spin));
        }
      gtk_widget_set_visible (GTK_WIDGET (self->keep_days_row), keep == 2);
      gtk_widget_set_sensitive (GTK_WIDGET (self->delete_with_local_row), keep == 1);
    }
}

/**
 * pf_account_settings_apply:
 * @self: a #PfAccountSettings
 * @error: where the reason goes when the settings are not valid
 *
 * Applies the changes to the account (and emits
 * #PfAccountSettings::account-changed) when there are any.
 *
 * Returns: %FALSE if the settings are not valid; nothing was changed
 */
gboolean
pf_account_settings_apply (PfAccountSettings  *self,
                           GError            **error)
{
  PfAccount *account;

  g_return_val_if_fail (PF_IS_ACCOUNT_SETTINGS (self), FALSE);

  account = pf_account_service_get_account (self->service);
  read_form (self);
  if (pf_account_equal (account, self->edited))
    return TRUE;
  if (!pf_account_validate (self->edited, error))
    return FALSE;
  pf_account_assign (account, self->edited);
  update_summary (self);
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_CHANGED], 0, account);
  return TRUE;
}

static gboolean
pf_account_settings_close_request (GtkWindow *window)
{
  PfAccountSettings *self = PF_ACCOUNT_SETTINGS (window);
  g_autoptr(GError) error = NULL;

  if (!pf_account_settings_apply (self, &error))
    {
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        adw_toast_new (error->message));
      return TRUE;
    }
  return GTK_WINDOW_CLASS (pf_account_settings_parent_class)->close_request (window);
}

/* Server groups, built for both servers alike */

static void
on_security_changed_cb (AdwComboRow *row,
                        GParamSpec  *pspec,
                        ServerRows  *rows)
{
  PfServerProtocol protocol = pf_server_settings_get_protocol (rows->server);
  PfSecurity old = pf_server_settings_get_security (rows->server);
  PfSecurity security = adw_combo_row_get_selected (row);
  guint port = gtk_spin_button_get_value_as_int (rows->port);

  /* A standard port follows the encryption; another one stays. */
  if (port == pf_server_protocol_get_default_port (protocol, old))
    gtk_spin_button_set_value (rows->port, pf_server_protocol_get_default_port (protocol, security));
  pf_server_settings_set_security (rows->server, security);
}

static AdwComboRow *
combo_row (const char         *title,
           const char * const *items)
{
  AdwComboRow *row = ADW_COMBO_ROW (adw_combo_row_new ());
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);

  for (guint i = 0; items[i] != NULL; i++)
    gtk_string_list_append (model, _(items[i]));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (row, G_LIST_MODEL (model));
  return row;
}

static void
build_server_group (PfAccountSettings *self,
                    guint              index,
                    PfServerSettings  *server)
{
  static const char * const securities[] = { "TLS", "STARTTLS", N_("None"), NULL };
  static const char * const auths[] = { N_("Automatic"), N_("Password"), N_("OAuth2 token"), NULL };
  ServerRows *rows = &self->rows[index];
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwActionRow *port_row = ADW_ACTION_ROW (adw_action_row_new ());
  g_autofree char *title = NULL;
  g_autofree char *name = NULL;
  const char *prefix;

  /* Translators: %s is IMAP, POP3 or SMTP */
  title = g_strdup_printf (index == 0 ? _("Incoming Server (%s)") : _("Outgoing Server (%s)"),
                           pf_server_protocol_get_name (pf_server_settings_get_protocol (server)));
  adw_preferences_group_set_title (group, title);
  rows->server = server;
  prefix = index == 0 ? "incoming" : "outgoing";

  rows->host = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (rows->host), _("Server"));
  gtk_editable_set_text (GTK_EDITABLE (rows->host), pf_server_settings_get_host (server));
  adw_preferences_group_add (group, GTK_WIDGET (rows->host));

  rows->security = combo_row (_("Encryption"), securities);
  adw_combo_row_set_selected (rows->security, pf_server_settings_get_security (server));
  adw_preferences_group_add (group, GTK_WIDGET (rows->security));

  rows->port = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (1, 65535, 1));
  gtk_spin_button_set_value (rows->port, pf_server_settings_get_port (server));
  gtk_widget_set_valign (GTK_WIDGET (rows->port), GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (rows->port), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Port"), -1);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (port_row), _("Port"));
  adw_action_row_add_suffix (port_row, GTK_WIDGET (rows->port));
  adw_action_row_set_activatable_widget (port_row, GTK_WIDGET (rows->port));
  adw_preferences_group_add (group, GTK_WIDGET (port_row));

  rows->auth = combo_row (_("Authentication"), auths);
  adw_combo_row_set_selected (rows->auth, pf_server_settings_get_auth_method (server));
  adw_preferences_group_add (group, GTK_WIDGET (rows->auth));

  rows->user = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (rows->user), _("User Name"));
  gtk_editable_set_text (GTK_EDITABLE (rows->user),
                         pf_server_settings_get_username (server) != NULL ?
                         pf_server_settings_get_username (server) : "");
  adw_preferences_group_add (group, GTK_WIDGET (rows->user));

  /* Named for tests and the inspector: "incoming-host", "outgoing-port" … */
  name = g_strconcat (prefix, "-host", NULL);
  gtk_widget_set_name (GTK_WIDGET (rows->host), name);
  g_free (name);
  name = g_strconcat (prefix, "-port", NULL);
  gtk_widget_set_name (GTK_WIDGET (rows->port), name);
  g_free (name);
  name = g_strconcat (prefix, "-user", NULL);
  gtk_widget_set_name (GTK_WIDGET (rows->user), name);

  g_signal_connect (rows->security, "notify::selected", G_CALLBACK (on_security_changed_cb), rows);
  adw_preferences_page_add (self->servers_page, group);
}

/* Certificate exceptions */

static void build_exceptions (PfAccountSettings *self);

/**
 * pf_account_settings_remove_exception:
 * @self: a #PfAccountSettings
 * @protocol: %PF_SERVER_PROTOCOL_SMTP for the outgoing server, else the
 *   incoming one
 *
 * Removes that server's certificate exception (applied with the rest).
 */
void
pf_account_settings_remove_exception (PfAccountSettings *self,
                                      PfServerProtocol   protocol)
{
  g_return_if_fail (PF_IS_ACCOUNT_SETTINGS (self));

  pf_server_settings_set_pinned_certificate (self->rows[protocol == PF_SERVER_PROTOCOL_SMTP].server,
                                             NULL, 0);
  build_exceptions (self);
}

static void
on_remove_exception_cb (GtkButton         *button,
                        PfAccountSettings *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "pf-index"));

  pf_account_settings_remove_exception (self, index == 1 ? PF_SERVER_PROTOCOL_SMTP :
                                              PF_SERVER_PROTOCOL_IMAP);
}

static void
build_exceptions (PfAccountSettings *self)
{
  gboolean any = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (self->exception_rows); i++)
    {
      PfServerSettings *server = self->rows[i].server;
      const char *sha256 = pf_server_settings_get_pinned_sha256 (server);
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *button;

      if (self->exception_rows[i] != NULL)
        adw_preferences_group_remove (self->exceptions_group, self->exception_rows[i]);
      self->exception_rows[i] = NULL;
      if (sha256 == NULL)
        continue;
      any = TRUE;
      title = g_strdup_printf ("%s:%u", pf_server_settings_get_host (server),
                               pf_server_settings_get_port (server));
      /* Translators: %s is a certificate's SHA-256 fingerprint */
      subtitle = g_strdup_printf (_("SHA-256 %s"), sha256);
      self->exception_rows[i] = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->exception_rows[i]), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->exception_rows[i]), subtitle);
      button = gtk_button_new_with_mnemonic (_("_Remove"));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      {
        /* Translators: %s is host:port */
        g_autofree char *label = g_strdup_printf (_("Remove the exception for %s"), title);

        gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        label, -1);
      }
      g_object_set_data (G_OBJECT (button), "pf-index", GUINT_TO_POINTER (i));
      g_signal_connect (button, "clicked", G_CALLBACK (on_remove_exception_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (self->exception_rows[i]), button);
      adw_preferences_group_add (self->exceptions_group, self->exception_rows[i]);
    }
  adw_preferences_group_set_description (self->exceptions_group,
                                         any ? _("Certificates you trusted although this "
                                                 "computer could not verify them")
                                             : _("None: every server’s certificate is "
                                                 "verified."));
}

/* Password */

typedef struct
{
  PfAccountSettings *self;
  guint              pending;
  GError            *error;
} PasswordChange;

static void
password_stored_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  PasswordChange *change = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_password_vault_store_finish (PF_PASSWORD_VAULT (object), result, NULL, &error) &&
      change->error == NULL)
    change->error = g_steal_pointer (&error);
  if (--change->pending > 0)
    return;
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (change->self),
                                    adw_toast_new (change->error == NULL ?
                                                   _("Password changed") :
                                                   change->error->message));
  g_clear_error (&change->error);
  g_object_unref (change->self);
  g_free (change);
}

/**
 * pf_account_settings_change_password:
 * @self: a #PfAccountSettings
 * @password: the new password
 *
 * Stores @password in the keyring for both servers and gives it to the
 * account's connections.
 */
void
pf_account_settings_change_password (PfAccountSettings *self,
                                     const char        *password)
{
  PfAccount *account;
  PasswordChange *change;

  g_return_if_fail (PF_IS_ACCOUNT_SETTINGS (self));
  g_return_if_fail (password != NULL);

  account = pf_account_service_get_account (self->service);
  change = g_new0 (PasswordChange, 1);
  change->self = g_object_ref (self);
  change->pending = 2;
  pf_password_vault_store_for_server_async (self->vault, account, pf_account_get_incoming (account),
                                            password, NULL, password_stored_cb, change);
  pf_password_vault_store_for_server_async (self->vault, account, pf_account_get_outgoing (account),
                                            password, NULL, password_stored_cb, change);
  pf_account_service_set_password (self->service, password, TRUE);
}

static void
on_password_response_cb (AdwMessageDialog  *dialog,
                         const char        *response,
                         PfAccountSettings *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));

  if (g_str_equal (response, "change") && *gtk_editable_get_text (entry) != '\0')
    pf_account_settings_change_password (self, gtk_editable_get_text (entry));
}

static void
change_password_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  PfAccountSettings *self = PF_ACCOUNT_SETTINGS (widget);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Change Password"), NULL);
  GtkWidget *entry = gtk_password_entry_new ();

  /* Translators: %s is an email address */
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("Enter the new password of %s. Change it at your provider "
                                    "first; this only changes what Postfach uses."),
                                  pf_account_get_address (pf_account_service_get_account (self->service)));
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("New password"), -1);
  g_object_set (entry, "activates-default", TRUE, NULL);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "change", _("C_hange"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "change",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "change");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_password_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

/* Removing, switching, copying */

static gboolean
destroy_cb (gpointer user_data)
{
  gtk_window_destroy (GTK_WINDOW (user_data));
  return G_SOURCE_REMOVE;
}

static void
on_remove_response_cb (AdwMessageDialog  *dialog,
                       const char        *response,
                       PfAccountSettings *self)
{
  if (g_str_equal (response, "cancel"))
    return;
  g_signal_emit (self, signals[SIGNAL_REMOVE_ACCOUNT], 0, g_str_equal (response, "keep"));
  /* Not now: the dialog this answers is still being torn down, and a
   * transient window must not outlive its parent. */
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, destroy_cb, g_object_ref (self), g_object_unref);
}

static void
remove_account_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  PfAccountSettings *self = PF_ACCOUNT_SETTINGS (widget);
  PfAccount *account = pf_account_service_get_account (self->service);
  gboolean pop3 = pf_account_get_kind (account) == PF_ACCOUNT_KIND_POP3;
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Remove Account?"), NULL);

  if (pop3)
    adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                    /* Translators: %s is an account's name */
                                    _("The mail of “%s” was downloaded to this computer and may "
                                      "exist nowhere else. Keep it in Postfach’s data folder, or "
                                      "delete it with the account?"),
                                    pf_account_get_display_name (account));
  else
    adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                    /* Translators: %s is an account's name */
                                    _("“%s” will be removed from Postfach with its copy of the "
                                      "mail on this computer. The mail on the server stays."),
                                    pf_account_get_display_name (account));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"));
  if (pop3)
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "keep", _("_Keep Mail"));
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "delete", _("_Delete Mail"));
    }
  else
    adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "delete", _("_Remove"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
switch_to_imap_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  PfAccountSettings *self = PF_ACCOUNT_SETTINGS (widget);

  g_signal_emit (self, signals[SIGNAL_SWITCH_TO_IMAP], 0);
}

static void
copy_summary_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  PfAccountSettings *self = PF_ACCOUNT_SETTINGS (widget);
  g_autofree char *summary = pf_account_settings_dup_summary (self);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), summary);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new (_("Copied to the clipboard")));
}

/* Public */

static void
load (PfAccountSettings *self)
{
  PfAccount *account = pf_account_service_get_account (self->service);
  const char *signature = pf_account_get_signature (account);
  g_autofree char *title = NULL;

  self->loading = TRUE;
  self->edited = pf_account_copy (account);
  /* Translators: %s is an account's name */
  title = g_strdup_printf (_("%s — Account Settings"), pf_account_get_display_name (account));
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_editable_set_text (GTK_EDITABLE (self->display_name_row),
                         pf_account_get_display_name (account) ?: "");
  gtk_editable_set_text (GTK_EDITABLE (self->real_name_row), pf_account_get_real_name (account) ?: "");
  gtk_editable_set_text (GTK_EDITABLE (self->address_row), pf_account_get_address (account) ?: "");
  gtk_editable_set_text (GTK_EDITABLE (self->reply_to_row), pf_account_get_reply_to (account) ?: "");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->signature_view),
                            signature != NULL ? signature : "", -1);

  gtk_widget_set_visible (GTK_WIDGET (self->pop3_group),
                          pf_account_get_kind (account) == PF_ACCOUNT_KIND_POP3);
  switch (pf_account_get_pop3_policy (account))
    {
    case PF_POP3_POLICY_DELETE:
      adw_combo_row_set_selected (self->keep_row, 0);
      break;
    case PF_POP3_POLICY_KEEP:
    case PF_POP3_POLICY_DELETE_WITH_LOCAL:
      adw_combo_row_set_selected (self->keep_row, 1);
      break;
    case PF_POP3_POLICY_KEEP_DAYS:
    default:
      adw_combo_row_set_selected (self->keep_row, 2);
      break;
    }
  gtk_switch_set_active (self->delete_with_local_switch,
                         pf_account_get_pop3_policy (account) == PF_POP3_POLICY_DELETE_WITH_LOCAL);
  gtk_spin_button_set_value (self->keep_days_spin, MAX (1, pf_account_get_pop3_keep_days (account)));

  build_server_group (self, 0, pf_account_get_incoming (self->edited));
  build_server_group (self, 1, pf_account_get_outgoing (self->edited));
  self->exceptions_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->exceptions_group, _("Certificate Exceptions"));
  adw_preferences_page_add (self->servers_page, self->exceptions_group);
  build_exceptions (self);
  update_summary (self);
  self->loading = FALSE;
  read_form (self);
}

/**
 * pf_account_settings_new:
 * @parent: (nullable): the main window
 * @service: the account's service
 * @vault: where its password is kept
 *
 * Returns: (transfer full): the account's settings window
 */
PfAccountSettings *
pf_account_settings_new (GtkWindow        *parent,
                         PfAccountService *service,
                         PfPasswordVault  *vault)
{
  PfAccountSettings *self;

  g_return_val_if_fail (PF_IS_ACCOUNT_SERVICE (service), NULL);
  g_return_val_if_fail (PF_IS_PASSWORD_VAULT (vault), NULL);

  self = g_object_new (PF_TYPE_ACCOUNT_SETTINGS, "transient-for", parent, NULL);
  self->service = g_object_ref (service);
  self->vault = g_object_ref (vault);
  load (self);
  return self;
}

/**
 * pf_account_settings_get_edited:
 * @self: a #PfAccountSettings
 *
 * Returns: (transfer none): the account as the form has it now
 */
PfAccount *
pf_account_settings_get_edited (PfAccountSettings *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_SETTINGS (self), NULL);

  read_form (self);
  return self->edited;
}

/* GObject */

static void
pf_account_settings_dispose (GObject *object)
{
  PfAccountSettings *self = PF_ACCOUNT_SETTINGS (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PF_TYPE_ACCOUNT_SETTINGS);
  g_clear_object (&self->service);
  g_clear_object (&self->vault);
  g_clear_object (&self->edited);

  G_OBJECT_CLASS (pf_account_settings_parent_class)->dispose (object);
}

static void
pf_account_settings_class_init (PfAccountSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = pf_account_settings_dispose;
  window_class->close_request = pf_account_settings_close_request;

  /**
   * PfAccountSettings::account-changed:
   * @self: the window
   * @account: the account, changed: save it
   */
  signals[SIGNAL_ACCOUNT_CHANGED] =
    g_signal_new ("account-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, PF_TYPE_ACCOUNT);
  /**
   * PfAccountSettings::remove-account:
   * @self: the window
   * @keep_local_mail: whether the user keeps the downloaded mail
   *
   * The user confirmed removing the account.
   */
  signals[SIGNAL_REMOVE_ACCOUNT] =
    g_signal_new ("remove-account", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  /**
   * PfAccountSettings::switch-to-imap:
   * @self: the window
   *
   * The user asked to turn the POP3 account into an IMAP account.
   */
  signals[SIGNAL_SWITCH_TO_IMAP] =
    g_signal_new ("switch-to-imap", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/pf-account-settings.ui");
  gtk_widget_class_bind_template_child (widget_class, PfAccountSettings, display_name_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountSettings, real_name_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountSettings, address_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountSettings, reply_to_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountSettings, signature_view);
  gtk_widget_class_bind_template_child (widget_class, PfAccountSettings, pop3_group);
  gtk_widget_class_bind_template_child (widget_class, PfAccountSettings, keep_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountSettings, keep_days_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountSettings, keep_days_spin);
  gtk_widget_class_bind_template_child (widget_class, PfAccountSettings, delete_with_local_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountSettings, delete_with_local_switch);
  gtk_widget_class_bind_template_child (widget_class, PfAccountSettings, servers_page);
  gtk_widget_class_bind_template_child (widget_class, PfAccountSettings, summary_label);

  gtk_widget_class_install_action (widget_class, "settings.change-password", NULL,
                                   change_password_action);
  gtk_widget_class_install_action (widget_class, "settings.remove-account", NULL,
                                   remove_account_action);
  gtk_widget_class_install_action (widget_class, "settings.switch-to-imap", NULL,
                                   switch_to_imap_action);
  gtk_widget_class_install_action (widget_class, "settings.copy-summary", NULL,
                                   copy_summary_action);
}

static void
pf_account_settings_init (PfAccountSettings *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_swapped (self->keep_row, "notify::selected", G_CALLBACK (read_form), self);
}
