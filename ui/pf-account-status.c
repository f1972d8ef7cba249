/* pf-account-status.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-account-status"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-account-status.h"
#include "pf-certificate-dialog.h"

/**
 * PfAccountStatus:
 *
 * Where the accounts' connections stand, above the mail: one banner per
 * account with a problem, saying what is wrong and offering the next step
 * ("Password rejected — Update Password…", "Certificate not trusted —
 * Show Certificate…", "Server unreachable — Retry"), and the password and
 * certificate dialogs behind those buttons. #PfAccountStatus:syncing tells
 * the window to show its spinner.
 */

typedef struct
{
  PfAccountStatus  *self;          /* unowned */
  PfAccountService *service;
  GtkWidget        *revealer;
  GtkWidget        *icon;
  GtkWidget        *label;
  GtkWidget        *button;
  GtkWidget        *button_label;
  gulong            handlers[2];
} Banner;

struct _PfAccountStatus
{
  GtkWidget   parent_instance;

  /* Owned */
  GListModel *services;
  GPtrArray  *banners;    /* Banner */
  gboolean    syncing;

  /* Template children */
  GtkBox     *box;
};

G_DEFINE_FINAL_TYPE (PfAccountStatus, pf_account_status, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SERVICES,
  PROP_SYNCING,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

enum {
  SIGNAL_ACCOUNT_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
banner_free (Banner *banner)
{
  for (guint i = 0; i < G_N_ELEMENTS (banner->handlers); i++)
    g_clear_signal_handler (&banner->handlers[i], banner->service);
  g_clear_object (&banner->service);
  g_free (banner);
}

static const char *
account_name (PfAccountService *service)
{
  return pf_account_get_display_name (pf_account_service_get_account (service));
}

/**
 * pf_account_problem_describe:
 * @service: a service with a problem
 * @out_button: (out) (optional): the label of the next step's button
 *
 * Returns: (transfer full) (nullable): the banner's text, or %NULL when
 *   the service is fine
 */
char *
pf_account_problem_describe (PfAccountService  *service,
                             const char       **out_button)
{
  const GError *error = pf_account_service_get_error (service);
  PfAccountServiceState state = pf_account_service_get_state (service);
  const char *name = account_name (service);
  const char *button = _("_Retry");
  char *text = NULL;

  if (state == PF_ACCOUNT_SERVICE_OFFLINE && error == NULL)
    /* Translators: a banner; %s is the account's name */
    text = g_strdup_printf (_("%s is offline."), name);
  else if (error != NULL && (state == PF_ACCOUNT_SERVICE_OFFLINE ||
                             state == PF_ACCOUNT_SERVICE_NEEDS_USER))
    {
      switch (pf_account_problem_from_error (error))
        {
        case PF_ACCOUNT_PROBLEM_PASSWORD:
          if (g_error_matches (error, PF_ACCOUNT_SERVICE_ERROR,
                               PF_ACCOUNT_SERVICE_ERROR_NO_PASSWORD))
            {
              /* Translators: a banner; %s is the account's name */
              text = g_strdup_printf (_("%s: no password is stored."), name);
              button = _("_Enter Password…");
            }
          else
            {
              /* Translators: a banner; %s is the account's name */
              text = g_strdup_printf (_("%s: the server rejected the password."), name);
              button = _("_Update Password…");
            }
          break;

        case PF_ACCOUNT_PROBLEM_CERTIFICATE:
          /* Translators: a banner; %s is the account's name */
          text = g_strdup_printf (_("%s: the server’s certificate is not trusted."), name);
          button = _("_Show Certificate…");
          break;

        case PF_ACCOUNT_PROBLEM_UNREACHABLE:
          /* Translators: a banner; %s is the account's name (the details
           * are in its tooltip) */
          text = g_strdup_printf (_("%s: the server cannot be reached. Trying again in a "
                                    "while."), name);
          break;

        case PF_ACCOUNT_PROBLEM_NONE:
        case PF_ACCOUNT_PROBLEM_SECURITY:
        case PF_ACCOUNT_PROBLEM_OTHER:
        default:
          /* Translators: a banner; the first %s is the account's name, the
           * second what went wrong */
          text = g_strdup_printf (_("%s: %s"), name, error->message);
          break;
        }
    }

  if (out_button != NULL)
    *out_button = button;
  return text;
}

/**
 * pf_account_status_dup_banner_text:
 * @self: a #PfAccountStatus
 * @service: one of its services
 *
 * Returns: (transfer full) (nullable): the text of @service's banner, or
 *   %NULL when it shows none
 */
char *
pf_account_status_dup_banner_text (PfAccountStatus  *self,
                                   PfAccountService *service)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_STATUS (self), NULL);

  for (guint i = 0; i < self->banners->len; i++)
    {
      Banner *banner = self->banners->pdata[i];

      if (banner->service == service &&
          gtk_revealer_get_reveal_child (GTK_REVEALER (banner->revealer)))
        return g_strdup (gtk_label_get_text (GTK_LABEL (banner->label)));
    }
  return NULL;
}

static void
update_syncing (PfAccountStatus *self)
{
  gboolean syncing = FALSE;

  for (guint i = 0; i < self->banners->len; i++)
    {
      Banner *banner = self->banners->pdata[i];
      PfAccountServiceState state = pf_account_service_get_state (banner->service);

      syncing |= state == PF_ACCOUNT_SERVICE_SYNCING || state == PF_ACCOUNT_SERVICE_CONNECTING;
    }
  if (syncing != self->syncing)
    {
      self->syncing = syncing;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNCING]);
    }
}

static void
banner_update (Banner *banner)
{
  const char *button = NULL;
  g_autofree char *text = pf_account_problem_describe (banner->service, &button);
  const GError *error = pf_account_service_get_error (banner->service);
  PfAccountProblem problem = pf_account_problem_from_error (error);

  if (text != NULL)
    {
      gtk_label_set_text (GTK_LABEL (banner->label), text);
      gtk_widget_set_tooltip_text (banner->label, error != NULL ? error->message : NULL);
      /* The button's name comes from this label alone (GTK 4.8 would read
       * a button label set with gtk_button_set_label() twice). */
      gtk_label_set_text_with_mnemonic (GTK_LABEL (banner->button_label), button);
      gtk_image_set_from_icon_name (GTK_IMAGE (banner->icon),
                                    problem == PF_ACCOUNT_PROBLEM_PASSWORD ?
                                    "dialog-password-symbolic" :
                                    problem == PF_ACCOUNT_PROBLEM_CERTIFICATE ?
                                    "security-low-symbolic" :
                                    problem == PF_ACCOUNT_PROBLEM_UNREACHABLE || error == NULL ?
                                    "network-offline-symbolic" : "dialog-warning-symbolic");
      gtk_accessible_update_property (GTK_ACCESSIBLE (banner->revealer),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
    }
  /* Hidden at once (not only closed): screen readers and keyboard focus
   * leave it with the problem. */
  gtk_widget_set_visible (banner->revealer, text != NULL);
  gtk_revealer_set_reveal_child (GTK_REVEALER (banner->revealer), text != NULL);
  update_syncing (banner->self);
}

static void
on_service_changed_cb (PfAccountService *service,
                       GParamSpec       *pspec,
                       Banner           *banner)
{
  banner_update (banner);
}

/* The password dialog */

typedef struct
{
  PfAccountService *service;
  GtkWidget        *entry;
  GtkWidget        *remember;
  gboolean          answered;
} PasswordPrompt;

static void
password_prompt_free (gpointer  data,
                      GClosure *closure)
{
  PasswordPrompt *prompt = data;

  g_clear_object (&prompt->service);
  g_free (prompt);
}

static void
on_password_response_cb (AdwMessageDialog *dialog,
                         const char       *response,
                         PasswordPrompt   *prompt)
{
  const char *password = gtk_editable_get_text (GTK_EDITABLE (prompt->entry));

  if (prompt->answered)
    return;
  prompt->answered = TRUE;
  if (g_str_equal (response, "connect") && *password != '\0')
    pf_account_service_set_password (prompt->service, password,
                                     gtk_check_button_get_active (GTK_CHECK_BUTTON (prompt->remember)));
  /* The entry's text is not kept. */
  gtk_editable_set_text (GTK_EDITABLE (prompt->entry), "");
}

static void
on_peek_cb (GtkEntry             *entry,
            GtkEntryIconPosition  position,
            gpointer              user_data)
{
  gboolean visible = !gtk_entry_get_visibility (entry);

  gtk_entry_set_visibility (entry, visible);
  gtk_entry_set_icon_from_icon_name (entry, GTK_ENTRY_ICON_SECONDARY,
                                     visible ? "view-conceal-symbolic" : "view-reveal-symbolic");
  gtk_entry_set_icon_tooltip_text (entry, GTK_ENTRY_ICON_SECONDARY,
                                   visible ? _("Hide the password") : _("Show the password"));
}

static gboolean
focus_entry_cb (gpointer user_data)
{
  gtk_widget_grab_focus (user_data);
  return G_SOURCE_REMOVE;
}

static GtkWidget *
password_dialog (PfAccountStatus  *self,
                 PfAccountService *service)
{
  PfServerSettings *incoming = pf_account_get_incoming (pf_account_service_get_account (service));
  PasswordPrompt *prompt = g_new0 (PasswordPrompt, 1);
  GtkWidget *dialog;
  GtkWidget *box;

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   _("Password"), NULL);
  /* Translators: the first %s is a user name, the second a server */
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("Enter the password of %s on %s."),
                                  pf_server_settings_get_username (incoming),
                                  pf_server_settings_get_host (incoming));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "connect", _("C_onnect"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "connect",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "connect");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  gtk_window_set_title (GTK_WINDOW (dialog), _("Password"));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  prompt->service = g_object_ref (service);
  /* A GtkEntry, not a GtkPasswordEntry: in GTK 4.8 the latter leaves a
   * handler behind that fires on a destroyed entry when its dialog goes. */
  prompt->entry = gtk_entry_new ();
  gtk_entry_set_visibility (GTK_ENTRY (prompt->entry), FALSE);
  gtk_entry_set_input_purpose (GTK_ENTRY (prompt->entry), GTK_INPUT_PURPOSE_PASSWORD);
  gtk_entry_set_icon_from_icon_name (GTK_ENTRY (prompt->entry), GTK_ENTRY_ICON_SECONDARY,
                                     "view-reveal-symbolic");
  gtk_entry_set_icon_tooltip_text (GTK_ENTRY (prompt->entry), GTK_ENTRY_ICON_SECONDARY,
                                   _("Show the password"));
  g_signal_connect (prompt->entry, "icon-press", G_CALLBACK (on_peek_cb), NULL);
  /* Enter answers the dialog with its default response, Connect. */
  gtk_entry_set_activates_default (GTK_ENTRY (prompt->entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (prompt->entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Password"), -1);
  gtk_widget_set_name (prompt->entry, "password-entry");
  prompt->remember = gtk_check_button_new_with_mnemonic (_("_Remember the password"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (prompt->remember), TRUE);
  gtk_box_append (GTK_BOX (box), prompt->entry);
  gtk_box_append (GTK_BOX (box), prompt->remember);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);

  g_signal_connect_data (dialog, "response", G_CALLBACK (on_password_response_cb), prompt,
                         password_prompt_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  /* After the dialog's own choice of focus (its default button). */
  g_idle_add_full (G_PRIORITY_DEFAULT, focus_entry_cb, g_object_ref (prompt->entry),
                   g_object_unref);
  return dialog;
}

/* The certificate dialog */

typedef struct
{
  PfAccountStatus      *self;
  PfAccountService     *service;
  GTlsCertificate      *certificate;
  GTlsCertificateFlags  flags;
} TrustPrompt;

static void
trust_prompt_free (gpointer  data,
                   GClosure *closure)
{
  TrustPrompt *prompt = data;

  g_clear_object (&prompt->self);
  g_clear_object (&prompt->service);
  g_clear_object (&prompt->certificate);
  g_free (prompt);
}

static void
on_certificate_response_cb (AdwMessageDialog *dialog,
                            const char       *response,
                            TrustPrompt      *prompt)
{
  if (!g_str_equal (response, "trust"))
    return;
  pf_account_service_trust_certificate (prompt->service, prompt->certificate, prompt->flags);
  g_signal_emit (prompt->self, signals[SIGNAL_ACCOUNT_CHANGED], 0,
                 pf_account_service_get_account (prompt->service));
}

static GtkWidget *
certificate_dialog (PfAccountStatus  *self,
                    PfAccountService *service)
{
  PfServerSettings *incoming = pf_account_get_incoming (pf_account_service_get_account (service));
  const GError *error = pf_account_service_get_error (service);
  TrustPrompt *prompt;
  GTlsCertificate *certificate;
  GTlsCertificateFlags flags = 0;
  GtkWidget *dialog;

  certificate = error != NULL ? pf_account_problem_get_certificate (error, &flags) : NULL;
  if (certificate == NULL)
    return NULL;

  prompt = g_new0 (TrustPrompt, 1);
  prompt->self = g_object_ref (self);
  prompt->service = g_object_ref (service);
  prompt->certificate = g_object_ref (certificate);
  prompt->flags = flags;

  dialog = pf_certificate_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                      pf_server_settings_get_host (incoming),
                                      pf_server_settings_get_port (incoming),
                                      certificate, flags);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_certificate_response_cb), prompt,
                         trust_prompt_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

/**
 * pf_account_status_present_dialog:
 * @self: a #PfAccountStatus
 * @service: one of its services
 *
 * The next step of @service's banner: the password dialog, the
 * certificate dialog, or (returning %NULL) a new attempt.
 *
 * Returns: (transfer none) (nullable): the dialog shown
 */
GtkWidget *
pf_account_status_present_dialog (PfAccountStatus  *self,
                                  PfAccountService *service)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_STATUS (self), NULL);
  g_return_val_if_fail (PF_IS_ACCOUNT_SERVICE (service), NULL);

  switch (pf_account_problem_from_error (pf_account_service_get_error (service)))
    {
    case PF_ACCOUNT_PROBLEM_PASSWORD:
      return password_dialog (self, service);

    case PF_ACCOUNT_PROBLEM_CERTIFICATE:
      return certificate_dialog (self, service);

    case PF_ACCOUNT_PROBLEM_NONE:
    case PF_ACCOUNT_PROBLEM_UNREACHABLE:
    case PF_ACCOUNT_PROBLEM_SECURITY:
    case PF_ACCOUNT_PROBLEM_OTHER:
    default:
      pf_account_service_sync_now (service);
      return NULL;
    }
}

static void
on_banner_button_clicked_cb (GtkButton *button,
                             Banner    *banner)
{
  pf_account_status_present_dialog (banner->self, banner->service);
}

static Banner *
banner_new (PfAccountStatus  *self,
            PfAccountService *service)
{
  Banner *banner = g_new0 (Banner, 1);
  GtkWidget *box;

  banner->self = self;
  banner->service = g_object_ref (service);
  banner->revealer = gtk_revealer_new ();
  gtk_accessible_update_property (GTK_ACCESSIBLE (banner->revealer),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_add_css_class (box, "pf-banner");
  banner->icon = gtk_image_new ();
  banner->label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (banner->label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (banner->label), 0);
  gtk_widget_set_hexpand (banner->label, TRUE);
  banner->button = gtk_button_new ();
  banner->button_label = gtk_label_new (NULL);
  gtk_label_set_mnemonic_widget (GTK_LABEL (banner->button_label), banner->button);
  gtk_button_set_child (GTK_BUTTON (banner->button), banner->button_label);
  gtk_widget_set_valign (banner->button, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), banner->icon);
  gtk_box_append (GTK_BOX (box), banner->label);
  gtk_box_append (GTK_BOX (box), banner->button);
  gtk_revealer_set_child (GTK_REVEALER (banner->revealer), box);
  gtk_box_append (self->box, banner->revealer);

  g_signal_connect (banner->button, "clicked", G_CALLBACK (on_banner_button_clicked_cb), banner);
  banner->handlers[0] = g_signal_connect (service, "notify::state",
                                          G_CALLBACK (on_service_changed_cb), banner);
  banner->handlers[1] = g_signal_connect (service, "notify::error",
                                          G_CALLBACK (on_service_changed_cb), banner);
  banner_update (banner);
  return banner;
}

static void
rebuild (PfAccountStatus *self)
{
  GtkWidget *child;

  g_ptr_array_set_size (self->banners, 0);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->box))) != NULL)
    gtk_box_remove (self->box, child);

  for (guint i = 0; self->services != NULL && i < g_list_model_get_n_items (self->services); i++)
    {
      g_autoptr(PfAccountService) service = g_list_model_get_item (self->services, i);

      g_ptr_array_add (self->banners, banner_new (self, service));
    }
  update_syncing (self);
}

static void
on_services_changed_cb (GListModel      *model,
                        guint            position,
                        guint            removed,
                        guint            added,
                        PfAccountStatus *self)
{
  rebuild (self);
}

/**
 * pf_account_status_set_services:
 * @self: a #PfAccountStatus
 * @services: (nullable): a list of #PfAccountService
 */
void
pf_account_status_set_services (PfAccountStatus *self,
                                GListModel      *services)
{
  g_return_if_fail (PF_IS_ACCOUNT_STATUS (self));

  if (self->services == services)
    return;
  if (self->services != NULL)
    g_signal_handlers_disconnect_by_func (self->services, on_services_changed_cb, self);
  g_set_object (&self->services, services);
  if (services != NULL)
    g_signal_connect (services, "items-changed", G_CALLBACK (on_services_changed_cb), self);
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICES]);
}

GListModel *
pf_account_status_get_services (PfAccountStatus *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_STATUS (self), NULL);

  return self->services;
}

gboolean
pf_account_status_get_syncing (PfAccountStatus *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT_STATUS (self), FALSE);

  return self->syncing;
}

static void
pf_account_status_dispose (GObject *object)
{
  PfAccountStatus *self = PF_ACCOUNT_STATUS (object);

  if (self->services != NULL)
    g_signal_handlers_disconnect_by_func (self->services, on_services_changed_cb, self);
  g_clear_object (&self->services);
  g_clear_pointer (&self->banners, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), PF_TYPE_ACCOUNT_STATUS);

  G_OBJECT_CLASS (pf_account_status_parent_class)->dispose (object);
}

static void
pf_account_status_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  PfAccountStatus *self = PF_ACCOUNT_STATUS (object);

  switch (prop_id)
    {
    case PROP_SERVICES:
      g_value_set_object (value, self->services);
      break;

    case PROP_SYNCING:
      g_value_set_boolean (value, self->syncing);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_account_status_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  PfAccountStatus *self = PF_ACCOUNT_STATUS (object);

  switch (prop_id)
    {
    case PROP_SERVICES:
      pf_account_status_set_services (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_account_status_class_init (PfAccountStatusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pf_account_status_dispose;
  object_class->get_property = pf_account_status_get_property;
  object_class->set_property = pf_account_status_set_property;

  properties [PROP_SERVICES] =
    g_param_spec_object ("services", NULL, NULL, G_TYPE_LIST_MODEL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties [PROP_SYNCING] =
    g_param_spec_boolean ("syncing", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PfAccountStatus::account-changed:
   * @self: the #PfAccountStatus
   * @account: an account whose settings the user changed (a trusted
   *   certificate); save it
   */
  signals[SIGNAL_ACCOUNT_CHANGED] =
    g_signal_new ("account-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, PF_TYPE_ACCOUNT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/pf-account-status.ui");
  gtk_widget_class_bind_template_child_full (widget_class, "banners", FALSE,
                                             G_STRUCT_OFFSET (PfAccountStatus, box));
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
pf_account_status_init (PfAccountStatus *self)
{
  self->banners = g_ptr_array_new_with_free_func ((GDestroyNotify) banner_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}
