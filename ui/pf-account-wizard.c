/* pf-account-wizard.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The account wizard: name, address and password; the server settings
 * found for the address (built-in provider list, the provider's autoconfig
 * document, SRV records, or common host names that answer); the choice of
 * IMAP or POP3 with what each means; manual settings, always reachable;
 * a test of both servers with precise messages and the steps behind them
 * (the "connection doctor"); and, when both servers accepted the login, the
 * account saved with its password in the keyring.
 *
 * Pages, in the stack: identity → discovery → choice → test, with manual
 * reachable from identity, choice and test. The window's actions
 * (wizard.next, wizard.back, wizard.manual, wizard.retry,
 * wizard.show-certificate) are its public interface beside the functions
 * below, for keyboard users and tests alike. */

#define G_LOG_DOMAIN "pf-account-wizard"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-account-wizard.h"
#include "pf-certificate-dialog.h"

/* One line of the doctor */

#define PF_TYPE_WIZARD_STEP (pf_wizard_step_get_type ())
G_DECLARE_FINAL_TYPE (PfWizardStep, pf_wizard_step, PF, WIZARD_STEP, GObject)

struct _PfWizardStep
{
  GObject        parent_instance;
  PfCheckStatus  status;
  guint          group;   /* 0: discovery, 1: incoming server, 2: outgoing server */
  char          *text;
};

G_DEFINE_FINAL_TYPE (PfWizardStep, pf_wizard_step, G_TYPE_OBJECT)

static void
pf_wizard_step_finalize (GObject *object)
{
  g_free (PF_WIZARD_STEP (object)->text);
  G_OBJECT_CLASS (pf_wizard_step_parent_class)->finalize (object);
}

static void
pf_wizard_step_class_init (PfWizardStepClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pf_wizard_step_finalize;
  g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
pf_wizard_step_init (PfWizardStep *self)
{
}

static void
pf_wizard_step_update (PfWizardStep  *self,
                       PfCheckStatus  status,
                       const char    *text)
{
  self->status = status;
  g_free (self->text);
  self->text = g_strdup (text);
  g_signal_emit_by_name (self, "changed");
}

static const char *
status_icon_name (PfCheckStatus status)
{
  switch (status)
    {
    case PF_CHECK_OK:
      return "emblem-ok-symbolic";
    case PF_CHECK_FAILED:
      return "dialog-error-symbolic";
    case PF_CHECK_SKIPPED:
      return "action-unavailable-symbolic";
    case PF_CHECK_INFO:
      return "dialog-information-symbolic";
    case PF_CHECK_RUNNING:
    default:
      return NULL;
    }
}

static const char *
status_word (PfCheckStatus status)
{
  switch (status)
    {
    case PF_CHECK_OK:
      return _("Succeeded");
    case PF_CHECK_FAILED:
      return _("Failed");
    case PF_CHECK_SKIPPED:
      return _("Skipped");
    case PF_CHECK_INFO:
      /* Translators: the status of a line of the connection details that
       * only informs (e.g. "TLS 1.3, certificate for …"), read by screen readers */
      return C_("check status", "Note");
    case PF_CHECK_RUNNING:
    default:
      /* Translators: the status of a step still going on, read by screen readers */
      return C_("check status", "Running");
    }
}

static void
step_row_sync (GtkWidget    *row,
               PfWizardStep *step)
{
  GtkWidget *box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));
  GtkWidget *spinner = gtk_widget_get_first_child (box);
  GtkWidget *image = gtk_widget_get_next_sibling (spinner);
  GtkWidget *label = gtk_widget_get_next_sibling (image);
  const char *icon = status_icon_name (step->status);
  g_autofree char *accessible = g_strdup_printf ("%s: %s", status_word (step->status),
                                                 step->text != NULL ? step->text : "");

  gtk_widget_set_visible (spinner, icon == NULL);
  gtk_spinner_set_spinning (GTK_SPINNER (spinner), icon == NULL);
  gtk_widget_set_visible (image, icon != NULL);
  if (icon != NULL)
    gtk_image_set_from_icon_name (GTK_IMAGE (image), icon);
  gtk_widget_remove_css_class (image, "success");
  gtk_widget_remove_css_class (image, "error");
  gtk_widget_remove_css_class (image, "dim-label");
  gtk_widget_add_css_class (image, step->status == PF_CHECK_OK ? "success" :
                                   step->status == PF_CHECK_FAILED ? "error" : "dim-label");
  gtk_label_set_text (GTK_LABEL (label), step->text);
  gtk_widget_set_opacity (label, step->status == PF_CHECK_INFO ? 0.75 : 1.0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
}

static GtkWidget *
create_step_row (gpointer item,
                 gpointer user_data)
{
  PfWizardStep *step = item;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_box_append (GTK_BOX (box), gtk_spinner_new ());
  gtk_box_append (GTK_BOX (box), gtk_image_new ());
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  g_object_set_data_full (G_OBJECT (row), "pf-step", g_object_ref (step), g_object_unref);
  step_row_sync (row, step);
  g_signal_connect_object (step, "changed", G_CALLBACK (step_row_sync), row,
                           G_CONNECT_SWAPPED);
  return row;
}

/* The wizard */

static void update_step_header (GtkListBoxRow *row,
                                GtkListBoxRow *before,
                                gpointer       user_data);

struct _PfAccountWizard
{
  AdwWindow              parent_instance;

  /* Owned */
  PfAccountManager      *manager;
  PfAutoconfigDiscovery *discovery;
  PfAutoconfig          *config;
  PfAccount             *account;
  PfAccount             *replacing;        /* a POP3 account to switch to IMAP */
  char                  *password;
  char                  *ca_file;
  GCancellable          *cancellable;
  PfConnectionTest      *incoming_test;
  PfConnectionTest      *outgoing_test;
  GListStore            *discovery_model;  /* PfWizardStep: the discovery */
  GListStore            *test_models[2];   /* … the tests of both servers */
  GListModel            *doctor_model;     /* all three, one after the other */
  GHashTable            *steps;            /* "d:3" → PfWizardStep */
  char                  *problem_text;
  GTlsCertificate       *certificate;      /* the one a test did not trust */
  GTlsCertificateFlags   certificate_errors;
  PfServerSettings      *certificate_server;
  char                  *previous_page;    /* where Back leads from manual/test */
  guint                  tests_running;
  gboolean               username_unknown[2];  /* incoming, outgoing */
  gboolean               finishing;
  PfServerProtocol       form_protocol;     /* the manual page's last choices */
  PfSecurity             form_security[2];

  /* Template children */
  GtkButton             *back_button;
  GtkButton             *next_button;
  GtkStack              *stack;
  AdwEntryRow           *name_row;
  AdwEntryRow           *address_row;
  AdwEntryRow           *password_row;
  GtkLabel              *identity_error;
  GtkSpinner            *discovery_spinner;
  GtkLabel              *discovery_title;
  GtkListBox            *discovery_steps;
  AdwPreferencesGroup   *choice_group;
  AdwActionRow          *imap_row;
  AdwActionRow          *pop3_row;
  GtkCheckButton        *imap_check;
  GtkCheckButton        *pop3_check;
  GtkWidget             *recommended_label;
  AdwPreferencesGroup   *pop3_group;
  AdwComboRow           *keep_row;
  AdwActionRow          *keep_days_row;
  GtkSpinButton         *keep_days_spin;
  AdwActionRow          *delete_with_local_row;
  GtkSwitch             *delete_with_local_switch;
  AdwActionRow          *incoming_summary_row;
  AdwActionRow          *outgoing_summary_row;
  GtkLabel              *manual_note;
  AdwComboRow           *in_protocol_row;
  AdwEntryRow           *in_host_row;
  AdwComboRow           *in_security_row;
  GtkSpinButton         *in_port_spin;
  AdwComboRow           *in_auth_row;
  AdwEntryRow           *in_user_row;
  AdwEntryRow           *out_host_row;
  AdwComboRow           *out_security_row;
  GtkSpinButton         *out_port_spin;
  AdwComboRow           *out_auth_row;
  AdwEntryRow           *out_user_row;
  GtkWidget             *plaintext_group;
  GtkSwitch             *plaintext_switch;
  AdwActionRow          *incoming_test_row;
  GtkStack              *incoming_test_state;
  AdwActionRow          *outgoing_test_row;
  GtkStack              *outgoing_test_state;
  GtkLabel              *problem_label;
  GtkWidget             *retry_password_box;
  AdwPasswordEntryRow   *retry_password_row;
  GtkWidget             *problem_buttons;
  GtkWidget             *certificate_button;
  GtkExpander           *doctor_expander;
  GtkListBox            *doctor_steps;
};

G_DEFINE_FINAL_TYPE (PfAccountWizard, pf_account_wizard, ADW_TYPE_WINDOW)

enum {
  SIGNAL_ACCOUNT_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void show_page (PfAccountWizard *self,
                       const char      *name);

/* Doctor */

static void
on_step_cb (GObject         *source,
            guint            id,
            PfCheckStatus    status,
            const char      *text,
            PfAccountWizard *self)
{
  g_autofree char *key = g_strdup_printf ("%p:%u", (gpointer) source, id);
  PfWizardStep *step = g_hash_table_lookup (self->steps, key);

  if (step != NULL)
    {
      pf_wizard_step_update (step, status, text);
      return;
    }
  step = g_object_new (PF_TYPE_WIZARD_STEP, NULL);
  step->status = status;
  step->text = g_strdup (text);
  g_hash_table_insert (self->steps, g_steal_pointer (&key), step);
  if (PF_IS_AUTOCONFIG_DISCOVERY (source))
    g_list_store_append (self->discovery_model, step);
  else
    {
      step->group = source == G_OBJECT (self->outgoing_test) ? 2 : 1;
      g_list_store_append (self->test_models[step->group - 1], step);
    }
}

/* The doctor's sections: finding the settings, each server's test. */
static void
update_step_header (GtkListBoxRow *row,
                    GtkListBoxRow *before,
                    gpointer       user_data)
{
  PfAccountWizard *self = user_data;
  PfWizardStep *step = g_object_get_data (G_OBJECT (row), "pf-step");
  PfWizardStep *previous = before != NULL ? g_object_get_data (G_OBJECT (before), "pf-step") : NULL;
  g_autofree char *title = NULL;
  GtkWidget *label;

  if (step == NULL || (previous != NULL && previous->group == step->group))
    {
      gtk_list_box_row_set_header (row, NULL);
      return;
    }
  if (step->group == 0)
    title = g_strdup (_("Finding the Settings"));
  else if (step->group == 1)
    /* Translators: %s is IMAP or POP3 */
    title = g_strdup_printf (_("Incoming Server (%s)"),
                             self->account != NULL &&
                             pf_account_get_kind (self->account) == PF_ACCOUNT_KIND_POP3 ?
                             "POP3" : "IMAP");
  else
    title = g_strdup (_("Outgoing Server (SMTP)"));
  label = gtk_label_new (title);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 6);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_add_css_class (label, "heading");
  gtk_list_box_row_set_header (row, label);
}

/* Settings ↔ form */

static char *
describe_server (PfServerSettings *server)
{
  const char *user = pf_server_settings_get_username (server);

  if (user != NULL && *user != '\0')
    /* Translators: a server as the wizard shows it: "imap.gmx.net, port 993, TLS,
     * user alice@gmx.de" */
    return g_strdup_printf (_("%s, port %u, %s, user %s"), pf_server_settings_get_host (server),
                            pf_server_settings_get_port (server),
                            pf_security_get_label (pf_server_settings_get_security (server)), user);
  return g_strdup_printf (_("%s, port %u, %s"), pf_server_settings_get_host (server),
                          pf_server_settings_get_port (server),
                          pf_security_get_label (pf_server_settings_get_security (server)));
}

static const char *
address_domain (const char *address)
{
  const char *at = address != NULL ? strrchr (address, '@') : NULL;

  return at != NULL ? at + 1 : "";
}

static void
form_from_account (PfAccountWizard *self)
{
  PfServerSettings *in = pf_account_get_incoming (self->account);
  PfServerSettings *out = pf_account_get_outgoing (self->account);

  adw_combo_row_set_selected (self->in_protocol_row,
                              pf_account_get_kind (self->account) == PF_ACCOUNT_KIND_POP3 ? 1 : 0);
  gtk_editable_set_text (GTK_EDITABLE (self->in_host_row),
                         pf_server_settings_get_host (in) != NULL ? pf_server_settings_get_host (in) : "");
  adw_combo_row_set_selected (self->in_security_row, pf_server_settings_get_security (in));
  gtk_spin_button_set_value (self->in_port_spin, pf_server_settings_get_port (in));
  adw_combo_row_set_selected (self->in_auth_row, pf_server_settings_get_auth_method (in));
  gtk_editable_set_text (GTK_EDITABLE (self->in_user_row),
                         pf_server_settings_get_username (in) != NULL ?
                         pf_server_settings_get_username (in) : "");
  gtk_editable_set_text (GTK_EDITABLE (self->out_host_row),
                         pf_server_settings_get_host (out) != NULL ? pf_server_settings_get_host (out) : "");
  adw_combo_row_set_selected (self->out_security_row, pf_server_settings_get_security (out));
  gtk_spin_button_set_value (self->out_port_spin, pf_server_settings_get_port (out));
  adw_combo_row_set_selected (self->out_auth_row, pf_server_settings_get_auth_method (out));
  gtk_editable_set_text (GTK_EDITABLE (self->out_user_row),
                         pf_server_settings_get_username (out) != NULL ?
                         pf_server_settings_get_username (out) : "");
  gtk_switch_set_active (self->plaintext_switch,
                         pf_server_settings_get_allow_plaintext_password (in) ||
                         pf_server_settings_get_allow_plaintext_password (out));
}

static void
account_from_form (PfAccountWizard *self)
{
  PfServerSettings *in = pf_account_get_incoming (self->account);
  PfServerSettings *out = pf_account_get_outgoing (self->account);
  gboolean plaintext = gtk_switch_get_active (self->plaintext_switch);
  g_autofree char *in_host = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->in_host_row))));
  g_autofree char *out_host = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->out_host_row))));
  g_autofree char *in_user = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->in_user_row))));
  g_autofree char *out_user = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->out_user_row))));
  const char *old_in_user = pf_server_settings_get_username (in);
  const char *old_out_user = pf_server_settings_get_username (out);

  /* A user name typed (or changed) by hand is no guess any more. */
  if (g_strcmp0 (old_in_user, in_user) != 0)
    self->username_unknown[0] = FALSE;
  if (g_strcmp0 (old_out_user, out_user) != 0)
    self->username_unknown[1] = FALSE;

  pf_account_set_kind (self->account, adw_combo_row_get_selected (self->in_protocol_row) == 1 ?
                                      PF_ACCOUNT_KIND_POP3 : PF_ACCOUNT_KIND_IMAP);
  pf_server_settings_set_host (in, in_host);
  pf_server_settings_set_security (in, adw_combo_row_get_selected (self->in_security_row));
  pf_server_settings_set_port (in, gtk_spin_button_get_value_as_int (self->in_port_spin));
  pf_server_settings_set_auth_method (in, adw_combo_row_get_selected (self->in_auth_row));
  pf_server_settings_set_username (in, in_user);
  pf_server_settings_set_allow_plaintext_password (in, plaintext &&
                                                   pf_server_settings_get_security (in) == PF_SECURITY_NONE);
  pf_server_settings_set_host (out, out_host);
  pf_server_settings_set_security (out, adw_combo_row_get_selected (self->out_security_row));
  pf_server_settings_set_port (out, gtk_spin_button_get_value_as_int (self->out_port_spin));
  pf_server_settings_set_auth_method (out, adw_combo_row_get_selected (self->out_auth_row));
  pf_server_settings_set_username (out, out_user);
  pf_server_settings_set_allow_plaintext_password (out, plaintext &&
                                                   pf_server_settings_get_security (out) == PF_SECURITY_NONE);
}

/* A port the user did not choose follows the protocol and the encryption. */
static void
update_default_port (GtkSpinButton    *spin,
                     PfServerProtocol  old_protocol,
                     PfSecurity        old_security,
                     PfServerProtocol  protocol,
                     PfSecurity        security)
{
  guint port = gtk_spin_button_get_value_as_int (spin);

  if (port == 0 || port == pf_server_protocol_get_default_port (old_protocol, old_security))
    gtk_spin_button_set_value (spin, pf_server_protocol_get_default_port (protocol, security));
}

static void
on_manual_changed_cb (PfAccountWizard *self)
{
  PfServerProtocol protocol = adw_combo_row_get_selected (self->in_protocol_row) == 1 ?
                              PF_SERVER_PROTOCOL_POP3 : PF_SERVER_PROTOCOL_IMAP;
  PfSecurity security = adw_combo_row_get_selected (self->in_security_row);
  PfSecurity security_out = adw_combo_row_get_selected (self->out_security_row);

  update_default_port (self->in_port_spin, self->form_protocol, self->form_security[0],
                       protocol, security);
  update_default_port (self->out_port_spin, PF_SERVER_PROTOCOL_SMTP, self->form_security[1],
                       PF_SERVER_PROTOCOL_SMTP, security_out);
  self->form_protocol = protocol;
  self->form_security[0] = security;
  self->form_security[1] = security_out;
  gtk_widget_set_visible (self->plaintext_group,
                          security == PF_SECURITY_NONE || security_out == PF_SECURITY_NONE);
}

/* The settings to start from when nothing was found: the most common
 * host names, implicit TLS, the address as user name. */
static void
guess_settings (PfAccountWizard *self)
{
  const char *address = pf_account_get_address (self->account);
  const char *domain = address_domain (address);
  PfServerSettings *in = pf_account_get_incoming (self->account);
  PfServerSettings *out = pf_account_get_outgoing (self->account);
  g_autofree char *in_host = g_strconcat ("imap.", domain, NULL);
  g_autofree char *out_host = g_strconcat ("smtp.", domain, NULL);

  pf_account_set_kind (self->account, PF_ACCOUNT_KIND_IMAP);
  pf_server_settings_set_host (in, in_host);
  pf_server_settings_set_security (in, PF_SECURITY_TLS);
  pf_server_settings_set_port (in, pf_server_protocol_get_default_port (PF_SERVER_PROTOCOL_IMAP,
                                                                        PF_SECURITY_TLS));
  pf_server_settings_set_username (in, address);
  pf_server_settings_set_host (out, out_host);
  pf_server_settings_set_security (out, PF_SECURITY_TLS);
  pf_server_settings_set_port (out, pf_server_protocol_get_default_port (PF_SERVER_PROTOCOL_SMTP,
                                                                         PF_SECURITY_TLS));
  pf_server_settings_set_username (out, address);
  self->username_unknown[0] = self->username_unknown[1] = FALSE;
}

static void
apply_ca_file (PfAccountWizard *self)
{
  if (self->ca_file == NULL)
    return;
  pf_server_settings_set_ca_file (pf_account_get_incoming (self->account), self->ca_file);
  pf_server_settings_set_ca_file (pf_account_get_outgoing (self->account), self->ca_file);
}

/* The chosen kind's servers of the configuration found. */
static void
account_from_config (PfAccountWizard *self)
{
  const char *address = pf_account_get_address (self->account);
  PfAccountKind kind = gtk_check_button_get_active (self->pop3_check) ?
                       PF_ACCOUNT_KIND_POP3 : PF_ACCOUNT_KIND_IMAP;
  const PfAutoconfigServer *in;
  const PfAutoconfigServer *out;

  if (self->config == NULL)
    return;
  in = pf_autoconfig_get_incoming (self->config, kind == PF_ACCOUNT_KIND_POP3 ?
                                                 PF_SERVER_PROTOCOL_POP3 : PF_SERVER_PROTOCOL_IMAP);
  out = pf_autoconfig_get_outgoing (self->config);
  pf_account_set_kind (self->account, kind);
  if (in != NULL)
    {
      pf_autoconfig_server_apply (in, pf_account_get_incoming (self->account), address);
      self->username_unknown[0] = pf_autoconfig_server_get_username_form (in) == PF_USERNAME_FORM_UNKNOWN;
    }
  if (out != NULL)
    {
      pf_autoconfig_server_apply (out, pf_account_get_outgoing (self->account), address);
      self->username_unknown[1] = pf_autoconfig_server_get_username_form (out) == PF_USERNAME_FORM_UNKNOWN;
    }
  apply_ca_file (self);
}

static void
pop3_policy_from_form (PfAccountWizard *self)
{
  switch (adw_combo_row_get_selected (self->keep_row))
    {
    case 0:
      pf_account_set_pop3_policy (self->account, PF_POP3_POLICY_DELETE);
      break;
    case 1:
      pf_account_set_pop3_policy (self->account,
                                  gtk_switch_get_active (self->delete_with_local_switch) ?
                                  PF_POP3_POLICY_DELETE_WITH_LOCAL : PF_POP3_POLICY_KEEP);
      break;
    case 2:
    default:
      pf_account_set_pop3_policy (self->account, PF_POP3_POLICY_KEEP_DAYS);
      pf_account_set_pop3_keep_days (self->account,
                                     gtk_spin_button_get_value_as_int (self->keep_days_spin));
      break;
    }
}

static void
update_choice (PfAccountWizard *self)
{
  gboolean pop3 = gtk_check_button_get_active (self->pop3_check);
  guint keep = adw_combo_row_get_selected (self->keep_row);
  g_autofree char *in_text = NULL;
  g_autofree char *out_text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->pop3_group), pop3);
  gtk_widget_set_visible (GTK_WIDGET (self->keep_days_row), keep == 2);
  gtk_widget_set_sensitive (GTK_WIDGET (self->delete_with_local_row), keep == 1);
  if (self->account == NULL)
    return;
  if (self->config != NULL)
    account_from_config (self);
  in_text = describe_server (pf_account_get_incoming (self->account));
  out_text = describe_server (pf_account_get_outgoing (self->account));
  adw_action_row_set_subtitle (self->incoming_summary_row, in_text);
  adw_action_row_set_subtitle (self->outgoing_summary_row, out_text);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->incoming_summary_row),
                                 pop3 ? _("Incoming (POP3)") : _("Incoming (IMAP)"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->outgoing_summary_row),
                                 _("Outgoing (SMTP)"));
}

static void
prepare_choice (PfAccountWizard *self)
{
  const char *domain = address_domain (pf_account_get_address (self->account));
  gboolean manual = self->config == NULL;
  gboolean pop3_kind = pf_account_get_kind (self->account) == PF_ACCOUNT_KIND_POP3;
  gboolean imap = manual ? !pop3_kind :
                  pf_autoconfig_get_incoming (self->config, PF_SERVER_PROTOCOL_IMAP) != NULL;
  gboolean pop3 = manual ? pop3_kind :
                  pf_autoconfig_get_incoming (self->config, PF_SERVER_PROTOCOL_POP3) != NULL;
  const char *provider = !manual && self->config->display_name != NULL ?
                         self->config->display_name : domain;
  g_autofree char *origin = NULL;

  /* Each row says again what it means, unless the provider lacks it. */
  adw_action_row_set_subtitle (self->imap_row,
                               _("Your mail stays on the server. Folders, read and answered "
                                 "messages and sent mail are the same on every device: phone, "
                                 "webmail and this computer."));
  adw_action_row_set_subtitle (self->pop3_row,
                               _("Mail is downloaded to this computer and, unless you choose "
                                 "otherwise, removed from the server. The server keeps no read or "
                                 "answered state, and your other devices don’t see what you did "
                                 "here."));
  if (manual)
    {
      adw_preferences_group_set_description (self->choice_group,
                                             _("Settings entered by hand. To use the other "
                                               "protocol, change the incoming server."));
      gtk_widget_set_sensitive (GTK_WIDGET (self->imap_row), imap);
      gtk_widget_set_sensitive (GTK_WIDGET (self->pop3_row), pop3);
      gtk_widget_set_visible (self->recommended_label, FALSE);
      gtk_check_button_set_active (pop3 ? self->pop3_check : self->imap_check, TRUE);
      update_choice (self);
      return;
    }

  switch (self->config->source)
    {
    case PF_AUTOCONFIG_SOURCE_BUILTIN:
      /* Translators: %s is a provider, e.g. "GMX Freemail" */
      origin = g_strdup_printf (_("Settings for %s from Postfach’s list of providers."), provider);
      break;
    case PF_AUTOCONFIG_SOURCE_AUTOCONFIG:
      /* Translators: %s is a provider or a domain */
      origin = g_strdup_printf (_("Settings published by %s."), provider);
      break;
    case PF_AUTOCONFIG_SOURCE_SRV:
      /* Translators: %s is a domain */
      origin = g_strdup_printf (_("Settings from the DNS records of %s."), domain);
      break;
    case PF_AUTOCONFIG_SOURCE_GUESS:
    default:
      /* Translators: %s is a domain */
      origin = g_strdup_printf (_("Servers of %s that answered. Check them under “Servers” if "
                                  "your provider names others."), domain);
      break;
    }
  adw_preferences_group_set_description (self->choice_group, origin);

  if (self->replacing != NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: %s is the name of a POP3 account */
      text = g_strdup_printf (_("This IMAP account replaces “%s”; its downloaded mail is copied "
                                "to the server next."), pf_account_get_display_name (self->replacing));
      adw_action_row_set_subtitle (self->pop3_row, text);
      pop3 = FALSE;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->imap_row), imap);
  gtk_widget_set_sensitive (GTK_WIDGET (self->pop3_row), pop3);
  gtk_widget_set_visible (self->recommended_label, imap && pop3);
  if (!imap)
    {
      g_autofree char *text = g_strdup_printf (_("%s does not offer IMAP."), provider);
      adw_action_row_set_subtitle (self->imap_row, text);
      gtk_check_button_set_active (self->pop3_check, TRUE);
    }
  else if (!pop3)
    {
      if (self->replacing == NULL)
        {
          g_autofree char *text = g_strdup_printf (_("%s does not offer POP3."), provider);

          adw_action_row_set_subtitle (self->pop3_row, text);
        }
      gtk_check_button_set_active (self->imap_check, TRUE);
    }
  update_choice (self);
}

/* Discovery */

static void
discovery_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(PfAccountWizard) self = user_data;
  g_autoptr(GError) error = NULL;
  PfAutoconfig *config;

  config = pf_autoconfig_discovery_run_finish (PF_AUTOCONFIG_DISCOVERY (object), result, &error);
  gtk_spinner_set_spinning (self->discovery_spinner, FALSE);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (!g_str_equal (pf_account_wizard_get_page (self), "discovery"))
    {
      g_clear_pointer (&config, pf_autoconfig_free);
      return;
    }
  g_clear_pointer (&self->config, pf_autoconfig_free);
  self->config = config;
  if (config == NULL)
    {
      g_autofree char *note = NULL;
      g_autofree char *reason = g_str_has_suffix (error->message, ".") ?
                                g_strdup (error->message) :
                                g_strconcat (error->message, ".", NULL);

      guess_settings (self);
      apply_ca_file (self);
      form_from_account (self);
      /* Translators: %s is the reason, a sentence ending with a full stop, e.g.
       * "No settings were found for example.org: please enter the servers your
       * provider names." */
      note = g_strdup_printf (_("%s The most common server names are filled in."), reason);
      gtk_label_set_text (self->manual_note, note);
      gtk_widget_set_visible (GTK_WIDGET (self->manual_note), TRUE);
      g_free (self->previous_page);
      self->previous_page = g_strdup ("identity");
      show_page (self, "manual");
      return;
    }
  prepare_choice (self);
  show_page (self, "choice");
}

static void
start_discovery (PfAccountWizard *self)
{
  const char *address = pf_account_get_address (self->account);
  g_autofree char *title = NULL;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_list_store_remove_all (self->discovery_model);
  g_list_store_remove_all (self->test_models[0]);
  g_list_store_remove_all (self->test_models[1]);
  g_hash_table_remove_all (self->steps);

  if (self->discovery == NULL)
    pf_account_wizard_set_discovery (self, NULL);
  /* Translators: %s is a domain, e.g. "gmx.de" */
  title = g_strdup_printf (_("Looking for the settings of %s"), address_domain (address));
  gtk_label_set_text (self->discovery_title, title);
  gtk_spinner_set_spinning (self->discovery_spinner, TRUE);
  show_page (self, "discovery");
  pf_autoconfig_discovery_run_async (self->discovery, address, self->cancellable,
                                     discovery_done_cb, g_object_ref (self));
}

/* Connection test */

static void finish (PfAccountWizard *self);

static void
show_problem (PfAccountWizard *self)
{
  GString *text = g_string_new (NULL);
  PfConnectionTest *tests[] = { self->incoming_test, self->outgoing_test };
  gboolean password_refused = FALSE;

  g_clear_object (&self->certificate);
  g_clear_object (&self->certificate_server);
  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    {
      PfConnectionProblem problem;
      g_autofree char *description = NULL;

      if (tests[i] == NULL)
        continue;
      problem = pf_connection_test_get_problem (tests[i]);
      if (problem == PF_CONNECTION_PROBLEM_NONE)
        continue;
      password_refused |= problem == PF_CONNECTION_PROBLEM_WRONG_PASSWORD;
      description = pf_connection_test_describe_problem (tests[i]);
      if (text->len > 0)
        g_string_append (text, "\n\n");
      /* Translators: "Incoming server: <what went wrong>" */
      g_string_append_printf (text, _("%s: %s"),
                              i == 0 ? _("Incoming server") : _("Outgoing server"), description);
      if (problem == PF_CONNECTION_PROBLEM_CERTIFICATE && self->certificate == NULL)
        {
          GTlsCertificate *certificate =
            pf_connection_test_get_certificate (tests[i], &self->certificate_errors);

          if (certificate != NULL)
            {
              self->certificate = g_object_ref (certificate);
              self->certificate_server = g_object_ref (pf_connection_test_get_settings (tests[i]));
            }
        }
    }
  g_free (self->problem_text);
  self->problem_text = g_string_free (text, FALSE);
  gtk_label_set_text (self->problem_label, self->problem_text);
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), TRUE);
  gtk_widget_set_visible (self->problem_buttons, TRUE);
  gtk_widget_set_visible (self->certificate_button, self->certificate != NULL);
  /* The default button tries again (with a password typed here) */
  gtk_button_set_label (self->next_button, _("_Try Again"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.next", TRUE);
  /* A refused password can be typed again right here */
  gtk_widget_set_visible (self->retry_password_box, password_refused);
  if (password_refused)
    gtk_editable_set_text (GTK_EDITABLE (self->retry_password_row), "");
  gtk_expander_set_expanded (self->doctor_expander, TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.show-certificate",
                                 self->certificate != NULL);
  if (self->certificate != NULL)
    gtk_widget_grab_focus (self->certificate_button);
  else if (password_refused)
    gtk_widget_grab_focus (GTK_WIDGET (self->retry_password_row));
}

static void
test_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PfAccountWizard) self = user_data;
  PfConnectionTest *test = PF_CONNECTION_TEST (object);
  g_autoptr(GError) error = NULL;
  gboolean ok = pf_connection_test_run_finish (test, result, &error);
  GtkStack *state;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (test != self->incoming_test && test != self->outgoing_test)
    return;
  state = test == self->incoming_test ? self->incoming_test_state : self->outgoing_test_state;
  gtk_stack_set_visible_child_name (state, ok ? "ok" : "failed");
  if (ok && pf_connection_test_get_username (test) != NULL)
    pf_server_settings_set_username (pf_connection_test_get_settings (test),
                                     pf_connection_test_get_username (test));

  if (--self->tests_running > 0)
    return;
  if (pf_connection_test_get_problem (self->incoming_test) == PF_CONNECTION_PROBLEM_NONE &&
      pf_connection_test_get_problem (self->outgoing_test) == PF_CONNECTION_PROBLEM_NONE)
    finish (self);
  else
    show_problem (self);
}

static void
start_test (PfAccountWizard   *self,
            PfConnectionTest **slot,
            PfServerSettings  *server,
            gboolean           username_unknown)
{
  PfConnectionTest *test = pf_connection_test_new (server, self->password);

  /* Its steps are sorted by the slot it is in, from the first one on. */
  *slot = test;

  if (username_unknown)
    {
      const char *address = pf_account_get_address (self->account);
      g_autofree char *local = g_strndup (address, strrchr (address, '@') - address);
      const char *candidates[] = { address, local, NULL };

      pf_connection_test_set_username_candidates (test, candidates);
    }
  g_signal_connect_object (test, "step", G_CALLBACK (on_step_cb), self, 0);
  self->tests_running++;
  pf_connection_test_run_async (test, self->cancellable, test_done_cb, g_object_ref (self));
}

static gboolean
is_test_step (gpointer key,
              gpointer value,
              gpointer user_data)
{
  return PF_WIZARD_STEP (value)->group != 0;
}

static void
start_tests (PfAccountWizard *self)
{
  PfServerSettings *in = pf_account_get_incoming (self->account);
  PfServerSettings *out = pf_account_get_outgoing (self->account);
  g_autofree char *in_title = NULL;
  g_autofree char *in_text = describe_server (in);
  g_autofree char *out_text = describe_server (out);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_object (&self->incoming_test);
  g_clear_object (&self->outgoing_test);
  self->tests_running = 0;

  /* Translators: %s is IMAP or POP3 */
  in_title = g_strdup_printf (_("Incoming Server (%s)"),
                              pf_server_protocol_get_name (pf_server_settings_get_protocol (in)));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->incoming_test_row), in_title);
  adw_action_row_set_subtitle (self->incoming_test_row, in_text);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->outgoing_test_row),
                                 _("Outgoing Server (SMTP)"));
  adw_action_row_set_subtitle (self->outgoing_test_row, out_text);
  gtk_stack_set_visible_child_name (self->incoming_test_state, "running");
  gtk_stack_set_visible_child_name (self->outgoing_test_state, "running");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), FALSE);
  gtk_widget_set_visible (self->problem_buttons, FALSE);
  g_clear_pointer (&self->problem_text, g_free);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.show-certificate", FALSE);
  show_page (self, "test");

  g_list_store_remove_all (self->test_models[0]);
  g_list_store_remove_all (self->test_models[1]);
  /* (a new test may have an old one's address, which the keys contain) */
  g_hash_table_foreach_remove (self->steps, is_test_step, NULL);
  start_test (self, &self->incoming_test, in, self->username_unknown[0]);
  start_test (self, &self->outgoing_test, out, self->username_unknown[1]);
}

/* Finish: passwords into the keyring, then the account file. */

typedef struct
{
  PfAccountWizard *self;
  guint            pending;
  GError          *error;
} Saving;

static void
saved (Saving *saving)
{
  PfAccountWizard *self = saving->self;
  g_autoptr(GError) error = NULL;

  if (saving->error == NULL)
    pf_account_manager_add (self->manager, self->account, &error);
  else
    error = g_steal_pointer (&saving->error);
  self->finishing = FALSE;
  if (error != NULL)
    {
      g_free (self->problem_text);
      self->problem_text = g_strdup_printf (_("The account could not be saved: %s"),
                                            error->message);
      gtk_label_set_text (self->problem_label, self->problem_text);
      gtk_widget_set_visible (GTK_WIDGET (self->problem_label), TRUE);
      gtk_widget_set_visible (self->problem_buttons, TRUE);
    }
  else
    {
      g_signal_emit (self, signals[SIGNAL_ACCOUNT_ADDED], 0, self->account);
      gtk_window_close (GTK_WINDOW (self));
    }
  g_object_unref (saving->self);
  g_free (saving);
}

static void
password_stored_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Saving *saving = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_password_vault_store_finish (PF_PASSWORD_VAULT (object), result, NULL, &error) &&
      saving->error == NULL)
    saving->error = g_steal_pointer (&error);
  if (--saving->pending == 0)
    saved (saving);
}

static void
finish (PfAccountWizard *self)
{
  PfPasswordVault *vault = pf_account_manager_get_vault (self->manager);
  Saving *saving;

  if (self->finishing)
    return;
  self->finishing = TRUE;
  if (pf_account_get_kind (self->account) == PF_ACCOUNT_KIND_POP3)
    pop3_policy_from_form (self);

  saving = g_new0 (Saving, 1);
  saving->self = g_object_ref (self);
  saving->pending = 2;
  pf_password_vault_store_for_server_async (vault, self->account,
                                            pf_account_get_incoming (self->account),
                                            self->password, NULL, password_stored_cb, saving);
  pf_password_vault_store_for_server_async (vault, self->account,
                                            pf_account_get_outgoing (self->account),
                                            self->password, NULL, password_stored_cb, saving);
}

/* Pages and actions */

static void
show_page (PfAccountWizard *self,
           const char      *name)
{
  gboolean first = g_str_equal (name, "identity") || g_str_equal (name, "discovery");

  gtk_stack_set_visible_child_name (self->stack, name);
  gtk_button_set_label (self->back_button, first ? _("_Cancel") : _("_Back"));
  gtk_button_set_label (self->next_button, _("_Next"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.next",
                                 !g_str_equal (name, "discovery") && !g_str_equal (name, "test"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.manual",
                                 !g_str_equal (name, "discovery"));
  if (g_str_equal (name, "identity"))
    gtk_widget_grab_focus (GTK_WIDGET (self->address_row));
  else if (g_str_equal (name, "manual"))
    gtk_widget_grab_focus (GTK_WIDGET (self->in_host_row));
  else if (g_str_equal (name, "choice"))
    gtk_widget_grab_focus (GTK_WIDGET (self->next_button));
}

/* Reads and checks the first page; on success the account exists. */
static gboolean
read_identity (PfAccountWizard *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  g_autofree char *address = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->address_row))));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  g_autofree char *local = NULL;
  g_autofree char *domain = NULL;
  const char *message = NULL;

  if (!pf_autoconfig_split_address (address, &local, &domain))
    message = _("Enter your email address, e.g. name@example.org.");
  else if (*password == '\0')
    message = _("Enter the password of your mail account.");
  gtk_label_set_text (self->identity_error, message);
  gtk_widget_set_visible (GTK_WIDGET (self->identity_error), message != NULL);
  if (message != NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (*password == '\0' && local != NULL ?
                                         self->password_row : self->address_row));
      return FALSE;
    }

  if (self->account == NULL || g_strcmp0 (pf_account_get_address (self->account), address) != 0)
    {
      g_clear_object (&self->account);
      g_clear_pointer (&self->config, pf_autoconfig_free);
      self->account = pf_account_new (PF_ACCOUNT_KIND_IMAP);
      pf_account_set_address (self->account, address);
    }
  pf_account_set_real_name (self->account, *name != '\0' ? name : NULL);
  pf_account_set_display_name (self->account, address);
  g_free (self->password);
  self->password = g_strdup (password);
  return TRUE;
}

static void
next_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PfAccountWizard *self = PF_ACCOUNT_WIZARD (widget);
  const char *page = pf_account_wizard_get_page (self);

  if (g_str_equal (page, "identity"))
    {
      if (!read_identity (self))
        return;
      if (self->config != NULL)
        {
          prepare_choice (self);
          show_page (self, "choice");
        }
      else
        start_discovery (self);
    }
  else if (g_str_equal (page, "choice"))
    {
      if (self->config != NULL)
        account_from_config (self);
      /* A switch to IMAP needs an IMAP server. */
      if (self->replacing != NULL && pf_account_get_kind (self->account) != PF_ACCOUNT_KIND_IMAP)
        return;
      start_tests (self);
    }
  else if (g_str_equal (page, "test"))
    gtk_widget_activate_action (widget, "wizard.retry", NULL);
  else if (g_str_equal (page, "manual"))
    {
      g_autoptr(GError) error = NULL;

      account_from_form (self);
      if (!pf_account_validate (self->account, &error))
        {
          gtk_label_set_text (self->manual_note, error->message);
          gtk_widget_set_visible (GTK_WIDGET (self->manual_note), TRUE);
          return;
        }
      gtk_widget_set_visible (GTK_WIDGET (self->manual_note), FALSE);
      /* Typed settings replace what was found. */
      g_clear_pointer (&self->config, pf_autoconfig_free);
      prepare_choice (self);
      show_page (self, "choice");
    }
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PfAccountWizard *self = PF_ACCOUNT_WIZARD (widget);
  const char *page = pf_account_wizard_get_page (self);

  g_cancellable_cancel (self->cancellable);
  if (g_str_equal (page, "identity"))
    gtk_window_close (GTK_WINDOW (self));
  else if (g_str_equal (page, "discovery"))
    {
      /* Cancelled: the user types the servers. */
      guess_settings (self);
      apply_ca_file (self);
      form_from_account (self);
      gtk_widget_set_visible (GTK_WIDGET (self->manual_note), FALSE);
      g_free (self->previous_page);
      self->previous_page = g_strdup ("identity");
      show_page (self, "manual");
    }
  else if (g_str_equal (page, "choice"))
    show_page (self, "identity");
  else if (g_str_equal (page, "manual"))
    show_page (self, self->previous_page != NULL ? self->previous_page : "identity");
  else if (g_str_equal (page, "test"))
    show_page (self, "choice");
}

static void
manual_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PfAccountWizard *self = PF_ACCOUNT_WIZARD (widget);
  const char *page = pf_account_wizard_get_page (self);

  g_cancellable_cancel (self->cancellable);
  if (g_str_equal (page, "identity"))
    {
      if (!read_identity (self))
        return;
      if (self->config != NULL)
        account_from_config (self);
      else
        {
          guess_settings (self);
          apply_ca_file (self);
        }
    }
  else if (g_str_equal (page, "choice"))
    account_from_config (self);
  form_from_account (self);
  gtk_widget_set_visible (GTK_WIDGET (self->manual_note), FALSE);
  if (!g_str_equal (page, "test"))
    {
      g_free (self->previous_page);
      self->previous_page = g_strdup (page);
    }
  show_page (self, "manual");
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  PfAccountWizard *self = PF_ACCOUNT_WIZARD (widget);
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->retry_password_row));

  if (gtk_widget_get_visible (self->retry_password_box) && *password != '\0')
    {
      g_free (self->password);
      self->password = g_strdup (password);
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), password);
      gtk_editable_set_text (GTK_EDITABLE (self->retry_password_row), "");
    }
  gtk_widget_set_visible (self->retry_password_box, FALSE);
  if (self->account != NULL)
    start_tests (self);
}

static void
on_certificate_response_cb (AdwMessageDialog *dialog,
                            const char       *response,
                            PfAccountWizard  *self)
{
  g_autofree char *sha256 = NULL;
  PfServerSettings *settings[2];
  const char *host;
  guint16 port;

  if (!g_str_equal (response, "trust") || self->certificate == NULL)
    return;

  /* The exception is pinned to this certificate and belongs to the server
   * that showed it; the other server gets it too when it is the same host
   * and port (one certificate for IMAP and SMTP is common, but a pin is
   * only ever valid for the host and port it was made for). */
  sha256 = pf_certificate_dup_fingerprint (self->certificate, G_CHECKSUM_SHA256);
  host = pf_server_settings_get_host (self->certificate_server);
  port = pf_server_settings_get_port (self->certificate_server);
  settings[0] = pf_account_get_incoming (self->account);
  settings[1] = pf_account_get_outgoing (self->account);
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      if (g_strcmp0 (pf_server_settings_get_host (settings[i]), host) != 0 ||
          pf_server_settings_get_port (settings[i]) != port)
        continue;
      pf_server_settings_set_pinned_certificate (settings[i], sha256, self->certificate_errors);
    }
  start_tests (self);
}

static void
show_certificate_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  PfAccountWizard *self = PF_ACCOUNT_WIZARD (widget);
  GtkWidget *dialog;

  if (self->certificate == NULL)
    return;
  dialog = pf_certificate_dialog_new (GTK_WINDOW (self),
                                      pf_server_settings_get_host (self->certificate_server),
                                      pf_server_settings_get_port (self->certificate_server),
                                      self->certificate, self->certificate_errors);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_certificate_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Public */

/**
 * pf_account_wizard_new:
 * @parent: (nullable): the main window
 * @manager: where the account is saved
 *
 * Returns: (transfer full): a new wizard; present it
 */
PfAccountWizard *
pf_account_wizard_new (GtkWindow        *parent,
                       PfAccountManager *manager)
{
  PfAccountWizard *self;

  g_return_val_if_fail (PF_IS_ACCOUNT_MANAGER (manager), NULL);

  self = g_object_new (PF_TYPE_ACCOUNT_WIZARD, "transient-for", parent, NULL);
  self->manager = g_object_ref (manager);
  return self;
}

/**
 * pf_account_wizard_set_discovery:
 * @self: a #PfAccountWizard
 * @discovery: (nullable): the discovery to use (e.g. one set up for a test
 *   network), or %NULL for a new default one
 */
void
pf_account_wizard_set_discovery (PfAccountWizard       *self,
                                 PfAutoconfigDiscovery *discovery)
{
  g_autoptr(PfAutoconfigDiscovery) fresh = NULL;

  g_return_if_fail (PF_IS_ACCOUNT_WIZARD (self));
  g_return_if_fail (discovery == NULL || PF_IS_AUTOCONFIG_DISCOVERY (discovery));

  if (discovery == NULL)
    discovery = fresh = pf_autoconfig_discovery_new ();
  if (self->discovery != NULL)
    g_signal_handlers_disconnect_by_data (self->discovery, self);
  g_set_object (&self->discovery, discovery);
  g_signal_connect_object (discovery, "step", G_CALLBACK (on_step_cb), self, 0);
}

/**
 * pf_account_wizard_set_ca_file:
 * @self: a #PfAccountWizard
 * @path: (nullable): a PEM file of certificate authorities the new
 *   account's servers trust besides the system's (a private mail server's)
 */
void
pf_account_wizard_set_ca_file (PfAccountWizard *self,
                               const char      *path)
{
  g_return_if_fail (PF_IS_ACCOUNT_WIZARD (self));

  g_free (self->ca_file);
  self->ca_file = g_strdup (path);
}

/**
 * pf_account_wizard_set_identity:
 * @self: a #PfAccountWizard
 * @name: (nullable): the user's name
 * @address: (nullable): the email address
 * @password: (nullable): the password
 *
 * Fills in the first page.
 */
void
pf_account_wizard_set_identity (PfAccountWizard *self,
                                const char      *name,
                                const char      *address,
                                const char      *password)
{
  g_return_if_fail (PF_IS_ACCOUNT_WIZARD (self));

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name != NULL ? name : "");
  gtk_editable_set_text (GTK_EDITABLE (self->address_row), address != NULL ? address : "");
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), password != NULL ? password : "");
}

/**
 * pf_account_wizard_set_server:
 * @self: a #PfAccountWizard
 * @server: settings of the incoming (IMAP, POP3) or the outgoing (SMTP)
 *   server
 *
 * Fills in the manual page's fields of that server, e.g. from an account
 * that is being replaced. The first page must be filled in.
 */
void
pf_account_wizard_set_server (PfAccountWizard  *self,
                              PfServerSettings *server)
{
  PfServerProtocol protocol;

  g_return_if_fail (PF_IS_ACCOUNT_WIZARD (self));
  g_return_if_fail (PF_IS_SERVER_SETTINGS (server));

  if (self->account == NULL && !read_identity (self))
    return;
  protocol = pf_server_settings_get_protocol (server);
  if (protocol == PF_SERVER_PROTOCOL_SMTP)
    {
      pf_server_settings_assign (pf_account_get_outgoing (self->account), server);
      self->username_unknown[1] = FALSE;
    }
  else
    {
      pf_account_set_kind (self->account, protocol == PF_SERVER_PROTOCOL_POP3 ?
                                          PF_ACCOUNT_KIND_POP3 : PF_ACCOUNT_KIND_IMAP);
      pf_server_settings_assign (pf_account_get_incoming (self->account), server);
      self->username_unknown[0] = FALSE;
    }
  form_from_account (self);
}

/**
 * pf_account_wizard_set_replacing:
 * @self: a #PfAccountWizard
 * @pop3: a POP3 account the new IMAP account replaces ("Switch to IMAP")
 *
 * The wizard then offers IMAP only and explains the switch.
 */
void
pf_account_wizard_set_replacing (PfAccountWizard *self,
                                 PfAccount       *pop3)
{
  g_return_if_fail (PF_IS_ACCOUNT_WIZARD (self));
  g_return_if_fail (PF_IS_ACCOUNT (pop3));

  g_set_object (&self->replacing, pop3);
  gtk_window_set_title (GTK_WINDOW (self), _("Switch to IMAP"));
  gtk_check_button_set_active (self->imap_check, TRUE);
}

/**
 * pf_account_wizard_set_kind:
 * @self: a #PfAccountWizard
 * @kind: IMAP or POP3, as on the choice page
 */
void
pf_account_wizard_set_kind (PfAccountWizard *self,
                            PfAccountKind    kind)
{
  g_return_if_fail (PF_IS_ACCOUNT_WIZARD (self));

  gtk_check_button_set_active (kind == PF_ACCOUNT_KIND_POP3 ? self->pop3_check : self->imap_check,
                               TRUE);
}

/**
 * pf_account_wizard_get_page:
 * @self: a #PfAccountWizard
 *
 * Returns: the page shown: "identity", "discovery", "choice", "manual" or
 *   "test"
 */
const char *
pf_account_wizard_get_page (PfAccountWizard *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_WIZARD (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

/**
 * pf_account_wizard_get_account:
 * @self: a #PfAccountWizard
 *
 * Returns: (transfer none) (nullable): the account as configured so far
 */
PfAccount *
pf_account_wizard_get_account (PfAccountWizard *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_WIZARD (self), NULL);

  return self->account;
}

/**
 * pf_account_wizard_get_autoconfig:
 * @self: a #PfAccountWizard
 *
 * Returns: (transfer none) (nullable): the configuration found
 */
PfAutoconfig *
pf_account_wizard_get_autoconfig (PfAccountWizard *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_WIZARD (self), NULL);

  return self->config;
}

/**
 * pf_account_wizard_get_connection_test:
 * @self: a #PfAccountWizard
 * @protocol: %PF_SERVER_PROTOCOL_SMTP for the outgoing server, else the
 *   incoming one
 *
 * Returns: (transfer none) (nullable): the last test of that server
 */
PfConnectionTest *
pf_account_wizard_get_connection_test (PfAccountWizard  *self,
                                       PfServerProtocol  protocol)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_WIZARD (self), NULL);

  return protocol == PF_SERVER_PROTOCOL_SMTP ? self->outgoing_test : self->incoming_test;
}

/**
 * pf_account_wizard_get_problem_text:
 * @self: a #PfAccountWizard
 *
 * Returns: (nullable): what the test page says went wrong
 */
const char *
pf_account_wizard_get_problem_text (PfAccountWizard *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_WIZARD (self), NULL);

  return self->problem_text;
}

/**
 * pf_account_wizard_dup_report:
 * @self: a #PfAccountWizard
 *
 * Returns: (transfer full): the connection doctor's lines, one per step,
 *   each "status: text"
 */
char *
pf_account_wizard_dup_report (PfAccountWizard *self)
{
  GString *report = g_string_new (NULL);

  g_return_val_if_fail (PF_IS_ACCOUNT_WIZARD (self), NULL);

  for (guint i = 0; i < g_list_model_get_n_items (self->doctor_model); i++)
    {
      g_autoptr(PfWizardStep) step = g_list_model_get_item (self->doctor_model, i);

      g_string_append_printf (report, "%s: %s\n", status_word (step->status), step->text);
    }
  return g_string_free (report, FALSE);
}

/* GObject */

static void
pf_account_wizard_dispose (GObject *object)
{
  PfAccountWizard *self = PF_ACCOUNT_WIZARD (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), PF_TYPE_ACCOUNT_WIZARD);
  g_clear_object (&self->manager);
  g_clear_object (&self->discovery);
  g_clear_pointer (&self->config, pf_autoconfig_free);
  g_clear_object (&self->account);
  g_clear_object (&self->replacing);
  g_clear_object (&self->incoming_test);
  g_clear_object (&self->outgoing_test);
  g_clear_object (&self->discovery_model);
  g_clear_object (&self->test_models[0]);
  g_clear_object (&self->test_models[1]);
  g_clear_object (&self->doctor_model);
  g_clear_pointer (&self->steps, g_hash_table_unref);
  g_clear_object (&self->certificate);
  g_clear_object (&self->certificate_server);

  G_OBJECT_CLASS (pf_account_wizard_parent_class)->dispose (object);
}

static void
pf_account_wizard_finalize (GObject *object)
{
  PfAccountWizard *self = PF_ACCOUNT_WIZARD (object);

  if (self->password != NULL)
    explicit_bzero (self->password, strlen (self->password));
  g_free (self->password);
  g_free (self->ca_file);
  g_free (self->problem_text);
  g_free (self->previous_page);

  G_OBJECT_CLASS (pf_account_wizard_parent_class)->finalize (object);
}

static void
pf_account_wizard_class_init (PfAccountWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pf_account_wizard_dispose;
  object_class->finalize = pf_account_wizard_finalize;

  /**
   * PfAccountWizard::account-added:
   * @self: the wizard
   * @account: the account, saved, its password in the keyring
   *
   * The wizard closes after this.
   */
  signals[SIGNAL_ACCOUNT_ADDED] =
    g_signal_new ("account-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, PF_TYPE_ACCOUNT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/pf-account-wizard.ui");
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, back_button);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, next_button);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, stack);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, name_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, address_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, password_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, identity_error);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, discovery_spinner);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, discovery_title);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, discovery_steps);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, choice_group);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, imap_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, pop3_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, imap_check);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, pop3_check);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, recommended_label);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, pop3_group);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, keep_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, keep_days_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, keep_days_spin);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, delete_with_local_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, delete_with_local_switch);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, incoming_summary_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, outgoing_summary_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, manual_note);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, in_protocol_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, in_host_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, in_security_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, in_port_spin);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, in_auth_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, in_user_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, out_host_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, out_security_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, out_port_spin);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, out_auth_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, out_user_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, plaintext_group);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, plaintext_switch);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, incoming_test_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, incoming_test_state);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, outgoing_test_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, outgoing_test_state);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, problem_label);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, retry_password_box);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, retry_password_row);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, problem_buttons);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, certificate_button);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, doctor_expander);
  gtk_widget_class_bind_template_child (widget_class, PfAccountWizard, doctor_steps);

  gtk_widget_class_install_action (widget_class, "wizard.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "wizard.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "wizard.manual", NULL, manual_action);
  gtk_widget_class_install_action (widget_class, "wizard.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "wizard.show-certificate", NULL,
                                   show_certificate_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pf_account_wizard_init (PfAccountWizard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->discovery_model = g_list_store_new (PF_TYPE_WIZARD_STEP);
  self->test_models[0] = g_list_store_new (PF_TYPE_WIZARD_STEP);
  self->test_models[1] = g_list_store_new (PF_TYPE_WIZARD_STEP);
  {
    GListStore *parts = g_list_store_new (G_TYPE_LIST_MODEL);

    g_list_store_append (parts, self->discovery_model);
    g_list_store_append (parts, self->test_models[0]);
    g_list_store_append (parts, self->test_models[1]);
    self->doctor_model = G_LIST_MODEL (gtk_flatten_list_model_new (G_LIST_MODEL (parts)));
  }
  self->steps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  gtk_list_box_bind_model (self->discovery_steps, G_LIST_MODEL (self->discovery_model),
                           create_step_row, NULL, NULL);
  gtk_list_box_set_header_func (self->doctor_steps, update_step_header, self, NULL);
  gtk_list_box_bind_model (self->doctor_steps, self->doctor_model,
                           create_step_row, NULL, NULL);

  g_signal_connect_object (self->pop3_check, "notify::active", G_CALLBACK (update_choice), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->keep_row, "notify::selected", G_CALLBACK (update_choice), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->in_protocol_row, "notify::selected",
                           G_CALLBACK (on_manual_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->in_security_row, "notify::selected",
                           G_CALLBACK (on_manual_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->out_security_row, "notify::selected",
                           G_CALLBACK (on_manual_changed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.show-certificate", FALSE);
  update_choice (self);
  show_page (self, "identity");
}
