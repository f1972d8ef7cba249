/* pf-server-settings.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-account"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pf-account-error.h"
#include "pf-account-private.h"
#include "pf-server-settings.h"

/*
 * How to reach one server of an account. Plain settings with notify, so a
 * settings form can bind to them; pf_server_settings_create_connection()
 * turns them into a #PfNetConnection, so that sync code never repeats the
 * TLS, pinning and plaintext rules.
 */

struct _PfServerSettings
{
  GObject               parent_instance;

  /* Owned */
  char                 *host;
  char                 *username;
  char                 *ca_file;
  char                 *pinned_sha256;

  GTlsCertificateFlags  pinned_errors;
  PfServerProtocol      protocol;
  PfSecurity            security;
  PfAuthMethod          auth_method;
  guint16               port;
  guint                 allow_plaintext_password : 1;
};

G_DEFINE_FINAL_TYPE (PfServerSettings, pf_server_settings, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (PfServerProtocol, pf_server_protocol,
                    G_DEFINE_ENUM_VALUE (PF_SERVER_PROTOCOL_IMAP, "imap"),
                    G_DEFINE_ENUM_VALUE (PF_SERVER_PROTOCOL_POP3, "pop3"),
                    G_DEFINE_ENUM_VALUE (PF_SERVER_PROTOCOL_SMTP, "smtp"))

G_DEFINE_ENUM_TYPE (PfSecurity, pf_security,
                    G_DEFINE_ENUM_VALUE (PF_SECURITY_TLS, "tls"),
                    G_DEFINE_ENUM_VALUE (PF_SECURITY_STARTTLS, "starttls"),
                    G_DEFINE_ENUM_VALUE (PF_SECURITY_NONE, "none"))

G_DEFINE_ENUM_TYPE (PfAuthMethod, pf_auth_method,
                    G_DEFINE_ENUM_VALUE (PF_AUTH_METHOD_AUTO, "auto"),
                    G_DEFINE_ENUM_VALUE (PF_AUTH_METHOD_PASSWORD, "password"),
                    G_DEFINE_ENUM_VALUE (PF_AUTH_METHOD_OAUTH2, "oauth2"))

enum {
  PROP_0,
  PROP_PROTOCOL,
  PROP_HOST,
  PROP_PORT,
  PROP_SECURITY,
  PROP_ALLOW_PLAINTEXT_PASSWORD,
  PROP_AUTH_METHOD,
  PROP_USERNAME,
  PROP_CA_FILE,
  PROP_PINNED_SHA256,
  PROP_PINNED_ERRORS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * pf_server_protocol_get_name:
 * @protocol: a #PfServerProtocol
 *
 * Returns: "IMAP", "POP3" or "SMTP" (names, not for translation)
 */
const char *
pf_server_protocol_get_name (PfServerProtocol protocol)
{
  switch (protocol)
    {
    case PF_SERVER_PROTOCOL_IMAP:
      return "IMAP";
    case PF_SERVER_PROTOCOL_POP3:
      return "POP3";
    case PF_SERVER_PROTOCOL_SMTP:
      return "SMTP";
    default:
      g_return_val_if_reached ("?");
    }
}

/**
 * pf_security_get_label:
 * @security: a #PfSecurity
 *
 * Returns: how the user reads it: "TLS", "STARTTLS" or (translated)
 *   "unencrypted"
 */
const char *
pf_security_get_label (PfSecurity security)
{
  switch (security)
    {
    case PF_SECURITY_TLS:
      return C_("security", "TLS");
    case PF_SECURITY_STARTTLS:
      return C_("security", "STARTTLS");
    case PF_SECURITY_NONE:
      return C_("security", "unencrypted");
    default:
      g_return_val_if_reached ("?");
    }
}

/**
 * pf_server_protocol_get_default_port:
 * @protocol: a #PfServerProtocol
 * @security: a #PfSecurity
 *
 * The registered ports: IMAP 993 with TLS, else 143; POP3 995 with TLS,
 * else 110; SMTP submission 465 with TLS (RFC 8314), else 587 (RFC 6409).
 *
 * Returns: the usual port for @protocol with @security
 */
guint16
pf_server_protocol_get_default_port (PfServerProtocol protocol,
                                     PfSecurity       security)
{
  gboolean tls = security == PF_SECURITY_TLS;

  switch (protocol)
    {
    case PF_SERVER_PROTOCOL_IMAP:
      return tls ? 993 : 143;
    case PF_SERVER_PROTOCOL_POP3:
      return tls ? 995 : 110;
    case PF_SERVER_PROTOCOL_SMTP:
      return tls ? 465 : 587;
    default:
      g_return_val_if_reached (0);
    }
}

/**
 * pf_server_protocol_to_secret_service:
 * @protocol: a #PfServerProtocol
 *
 * Returns: the #PfSecretService under which the server's password is kept
 */
PfSecretService
pf_server_protocol_to_secret_service (PfServerProtocol protocol)
{
  switch (protocol)
    {
    case PF_SERVER_PROTOCOL_IMAP:
      return PF_SECRET_SERVICE_IMAP;
    case PF_SERVER_PROTOCOL_POP3:
      return PF_SECRET_SERVICE_POP3;
    case PF_SERVER_PROTOCOL_SMTP:
      return PF_SECRET_SERVICE_SMTP;
    default:
      g_return_val_if_reached (PF_SECRET_SERVICE_IMAP);
    }
}

/**
 * pf_security_to_net_security:
 * @security: a #PfSecurity
 *
 * Returns: the matching #PfNetSecurity of the connection layer
 */
PfNetSecurity
pf_security_to_net_security (PfSecurity security)
{
  switch (security)
    {
    case PF_SECURITY_TLS:
      return PF_NET_SECURITY_TLS;
    case PF_SECURITY_STARTTLS:
      return PF_NET_SECURITY_STARTTLS;
    case PF_SECURITY_NONE:
      return PF_NET_SECURITY_NONE;
    default:
      g_return_val_if_reached (PF_NET_SECURITY_TLS);
    }
}

/**
 * pf_normalize_sha256_fingerprint:
 * @text: a SHA-256 fingerprint as hex digits, in either case, optionally
 *   separated by colons or spaces ("AB:CD:…")
 *
 * Returns: (transfer full) (nullable): the fingerprint as 64 lower-case hex
 *   digits, the form pf_net_certificate_dup_sha256() produces, or %NULL if
 *   @text is not a SHA-256 fingerprint
 */
char *
pf_normalize_sha256_fingerprint (const char *text)
{
  g_autoptr(GString) hex = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  hex = g_string_sized_new (64);
  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_ascii_isxdigit (*p))
        g_string_append_c (hex, g_ascii_tolower (*p));
      else if (*p != ':' && *p != ' ')
        return NULL;
    }

  if (hex->len != 64)
    return NULL;

  return g_string_free (g_steal_pointer (&hex), FALSE);
}

/* Replaces *@field with a copy of @value; returns whether it changed. */
static gboolean
set_string (char       **field,
            const char  *value)
{
  if (value != NULL && *value == '\0')
    value = NULL;

  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);

  return TRUE;
}

static void
pf_server_settings_finalize (GObject *object)
{
  PfServerSettings *self = (PfServerSettings *) object;

  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->ca_file, g_free);
  g_clear_pointer (&self->pinned_sha256, g_free);

  G_OBJECT_CLASS (pf_server_settings_parent_class)->finalize (object);
}

static void
pf_server_settings_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  PfServerSettings *self = PF_SERVER_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_PROTOCOL:
      g_value_set_enum (value, self->protocol);
      break;

    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;

    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;

    case PROP_SECURITY:
      g_value_set_enum (value, self->security);
      break;

    case PROP_ALLOW_PLAINTEXT_PASSWORD:
      g_value_set_boolean (value, self->allow_plaintext_password);
      break;

    case PROP_AUTH_METHOD:
      g_value_set_enum (value, self->auth_method);
      break;

    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;

    case PROP_CA_FILE:
      g_value_set_string (value, self->ca_file);
      break;

    case PROP_PINNED_SHA256:
      g_value_set_string (value, self->pinned_sha256);
      break;

    case PROP_PINNED_ERRORS:
      g_value_set_flags (value, self->pinned_errors);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_server_settings_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  PfServerSettings *self = PF_SERVER_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_PROTOCOL:
      pf_server_settings_set_protocol (self, g_value_get_enum (value));
      break;

    case PROP_HOST:
      pf_server_settings_set_host (self, g_value_get_string (value));
      break;

    case PROP_PORT:
      pf_server_settings_set_port (self, g_value_get_uint (value));
      break;

    case PROP_SECURITY:
      pf_server_settings_set_security (self, g_value_get_enum (value));
      break;

    case PROP_ALLOW_PLAINTEXT_PASSWORD:
      pf_server_settings_set_allow_plaintext_password (self, g_value_get_boolean (value));
      break;

    case PROP_AUTH_METHOD:
      pf_server_settings_set_auth_method (self, g_value_get_enum (value));
      break;

    case PROP_USERNAME:
      pf_server_settings_set_username (self, g_value_get_string (value));
      break;

    case PROP_CA_FILE:
      pf_server_settings_set_ca_file (self, g_value_get_string (value));
      break;

    case PROP_PINNED_SHA256:
      pf_server_settings_set_pinned_certificate (self, g_value_get_string (value),
                                                 self->pinned_errors);
      break;

    case PROP_PINNED_ERRORS:
      if (self->pinned_errors != g_value_get_flags (value))
        {
          self->pinned_errors = g_value_get_flags (value);
          g_object_notify_by_pspec (object, properties[PROP_PINNED_ERRORS]);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_server_settings_class_init (PfServerSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_server_settings_finalize;
  object_class->get_property = pf_server_settings_get_property;
  object_class->set_property = pf_server_settings_set_property;

  /**
   * PfServerSettings:protocol:
   *
   * What the server speaks. Changing it moves a default port along.
   */
  properties[PROP_PROTOCOL] =
    g_param_spec_enum ("protocol", NULL, NULL,
                       PF_TYPE_SERVER_PROTOCOL, PF_SERVER_PROTOCOL_IMAP,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfServerSettings:host:
   *
   * The host name (or address literal). Surrounding white space is dropped.
   */
  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfServerSettings:port:
   *
   * The TCP port; 0 is invalid. New settings start with the default port.
   */
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 993,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfServerSettings:security:
   *
   * How the connection is encrypted. When the port is the default for the
   * old value, it follows to the default of the new one.
   */
  properties[PROP_SECURITY] =
    g_param_spec_enum ("security", NULL, NULL,
                       PF_TYPE_SECURITY, PF_SECURITY_TLS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfServerSettings:allow-plaintext-password:
   *
   * The user's explicit consent to send the password over a connection
   * without encryption. Only matters with %PF_SECURITY_NONE, and that is
   * not valid without it.
   */
  properties[PROP_ALLOW_PLAINTEXT_PASSWORD] =
    g_param_spec_boolean ("allow-plaintext-password", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_AUTH_METHOD] =
    g_param_spec_enum ("auth-method", NULL, NULL,
                       PF_TYPE_AUTH_METHOD, PF_AUTH_METHOD_AUTO,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfServerSettings:username:
   *
   * The login name: often the full address, sometimes a mailbox name such
   * as "musterdomainde-0001".
   */
  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfServerSettings:ca-file:
   *
   * An absolute path to a PEM file of certificate authorities to trust for
   * this server instead of the system's, or %NULL.
   */
  properties[PROP_CA_FILE] =
    g_param_spec_string ("ca-file", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfServerSettings:pinned-sha256:
   *
   * The SHA-256 fingerprint of a certificate the user accepted despite
   * #PfServerSettings:pinned-errors, lower-case hex, or %NULL.
   */
  properties[PROP_PINNED_SHA256] =
    g_param_spec_string ("pinned-sha256", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfServerSettings:pinned-errors:
   *
   * The verification errors the user accepted for the pinned certificate.
   */
  properties[PROP_PINNED_ERRORS] =
    g_param_spec_flags ("pinned-errors", NULL, NULL,
                        G_TYPE_TLS_CERTIFICATE_FLAGS, 0,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pf_server_settings_init (PfServerSettings *self)
{
  self->protocol = PF_SERVER_PROTOCOL_IMAP;
  self->security = PF_SECURITY_TLS;
  self->auth_method = PF_AUTH_METHOD_AUTO;
  self->port = 993;
}

/**
 * pf_server_settings_new:
 * @protocol: what the server speaks
 *
 * Returns: (transfer full): settings for @protocol with TLS, automatic
 *   authentication and the default port; host and username still empty
 */
PfServerSettings *
pf_server_settings_new (PfServerProtocol protocol)
{
  return g_object_new (PF_TYPE_SERVER_SETTINGS,
                       "protocol", protocol,
                       "port", (guint) pf_server_protocol_get_default_port (protocol,
                                                                            PF_SECURITY_TLS),
                       NULL);
}

/**
 * pf_server_settings_copy:
 * @self: a #PfServerSettings
 *
 * Returns: (transfer full): a new #PfServerSettings with the same values,
 *   e.g. for a settings form that applies only on "Save"
 */
PfServerSettings *
pf_server_settings_copy (PfServerSettings *self)
{
  PfServerSettings *copy;

  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (self), NULL);

  copy = pf_server_settings_new (self->protocol);
  pf_server_settings_assign (copy, self);

  return copy;
}

/**
 * pf_server_settings_assign:
 * @self: a #PfServerSettings
 * @other: the settings to take over
 *
 * Sets every value of @self to that of @other, notifying exactly the
 * properties that change.
 */
void
pf_server_settings_assign (PfServerSettings *self,
                           PfServerSettings *other)
{
  g_return_if_fail (PF_IS_SERVER_SETTINGS (self));
  g_return_if_fail (PF_IS_SERVER_SETTINGS (other));

  if (self == other)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  pf_server_settings_set_protocol (self, other->protocol);
  pf_server_settings_set_security (self, other->security);
  /* After protocol and security, which may move a default port. */
  pf_server_settings_set_port (self, other->port);
  pf_server_settings_set_host (self, other->host);
  pf_server_settings_set_allow_plaintext_password (self, other->allow_plaintext_password);
  pf_server_settings_set_auth_method (self, other->auth_method);
  pf_server_settings_set_username (self, other->username);
  pf_server_settings_set_ca_file (self, other->ca_file);
  pf_server_settings_set_pinned_certificate (self, other->pinned_sha256, other->pinned_errors);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * pf_server_settings_equal:
 * @self: a #PfServerSettings
 * @other: another #PfServerSettings
 *
 * Returns: whether all values are the same
 */
gboolean
pf_server_settings_equal (PfServerSettings *self,
                          PfServerSettings *other)
{
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (self), FALSE);
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (other), FALSE);

  return self->protocol == other->protocol &&
         self->security == other->security &&
         self->port == other->port &&
         self->allow_plaintext_password == other->allow_plaintext_password &&
         self->auth_method == other->auth_method &&
         self->pinned_errors == other->pinned_errors &&
         g_strcmp0 (self->host, other->host) == 0 &&
         g_strcmp0 (self->username, other->username) == 0 &&
         g_strcmp0 (self->ca_file, other->ca_file) == 0 &&
         g_strcmp0 (self->pinned_sha256, other->pinned_sha256) == 0;
}

PfServerProtocol
pf_server_settings_get_protocol (PfServerSettings *self)
{
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (self), PF_SERVER_PROTOCOL_IMAP);

  return self->protocol;
}

/**
 * pf_server_settings_set_protocol:
 * @self: a #PfServerSettings
 * @protocol: what the server speaks
 *
 * If the port is the default of the old protocol, it becomes the default of
 * the new one (993 → 995 when an IMAP account becomes a POP3 account).
 */
void
pf_server_settings_set_protocol (PfServerSettings *self,
                                 PfServerProtocol  protocol)
{
  gboolean default_port;

  g_return_if_fail (PF_IS_SERVER_SETTINGS (self));
  g_return_if_fail (protocol <= PF_SERVER_PROTOCOL_SMTP);

  if (self->protocol == protocol)
    return;

  default_port = self->port == pf_server_protocol_get_default_port (self->protocol,
                                                                    self->security);
  self->protocol = protocol;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROTOCOL]);

  if (default_port)
    pf_server_settings_set_port (self, pf_server_protocol_get_default_port (protocol,
                                                                            self->security));
}

/**
 * pf_server_settings_get_host:
 *
 * Returns: (nullable): the host name, %NULL if not set
 */
const char *
pf_server_settings_get_host (PfServerSettings *self)
{
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (self), NULL);

  return self->host;
}

void
pf_server_settings_set_host (PfServerSettings *self,
                             const char       *host)
{
  g_autofree char *stripped = NULL;

  g_return_if_fail (PF_IS_SERVER_SETTINGS (self));

  if (host != NULL)
    stripped = g_strstrip (g_strdup (host));

  if (set_string (&self->host, stripped))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOST]);
}

guint16
pf_server_settings_get_port (PfServerSettings *self)
{
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (self), 0);

  return self->port;
}

/**
 * pf_server_settings_set_port:
 * @self: a #PfServerSettings
 * @port: the TCP port, 1–65535
 *
 * Values above 65535 become 0, which pf_server_settings_validate() rejects.
 */
void
pf_server_settings_set_port (PfServerSettings *self,
                             guint             port)
{
  g_return_if_fail (PF_IS_SERVER_SETTINGS (self));

  if (port > G_MAXUINT16)
    port = 0;

  if (self->port == port)
    return;

  self->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

PfSecurity
pf_server_settings_get_security (PfServerSettings *self)
{
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (self), PF_SECURITY_TLS);

  return self->security;
}

/**
 * pf_server_settings_set_security:
 * @self: a #PfServerSettings
 * @security: how the connection is encrypted
 *
 * If the port is the default for the old @security, it becomes the default
 * for the new one (993 → 143 when IMAP switches to STARTTLS).
 */
void
pf_server_settings_set_security (PfServerSettings *self,
                                 PfSecurity        security)
{
  gboolean default_port;

  g_return_if_fail (PF_IS_SERVER_SETTINGS (self));
  g_return_if_fail (security <= PF_SECURITY_NONE);

  if (self->security == security)
    return;

  default_port = self->port == pf_server_protocol_get_default_port (self->protocol,
                                                                    self->security);
  self->security = security;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECURITY]);

  if (default_port)
    pf_server_settings_set_port (self, pf_server_protocol_get_default_port (self->protocol,
                                                                            security));
}

gboolean
pf_server_settings_get_allow_plaintext_password (PfServerSettings *self)
{
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (self), FALSE);

  return self->allow_plaintext_password;
}

void
pf_server_settings_set_allow_plaintext_password (PfServerSettings *self,
                                                 gboolean          allow)
{
  g_return_if_fail (PF_IS_SERVER_SETTINGS (self));

  allow = !!allow;
  if (self->allow_plaintext_password == (guint) allow)
    return;

  self->allow_plaintext_password = allow;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_PLAINTEXT_PASSWORD]);
}

PfAuthMethod
pf_server_settings_get_auth_method (PfServerSettings *self)
{
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (self), PF_AUTH_METHOD_AUTO);

  return self->auth_method;
}

void
pf_server_settings_set_auth_method (PfServerSettings *self,
                                    PfAuthMethod      method)
{
  g_return_if_fail (PF_IS_SERVER_SETTINGS (self));
  g_return_if_fail (method <= PF_AUTH_METHOD_OAUTH2);

  if (self->auth_method == method)
    return;

  self->auth_method = method;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTH_METHOD]);
}

/**
 * pf_server_settings_get_username:
 *
 * Returns: (nullable): the login name, %NULL if not set
 */
const char *
pf_server_settings_get_username (PfServerSettings *self)
{
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (self), NULL);

  return self->username;
}

void
pf_server_settings_set_username (PfServerSettings *self,
                                 const char       *username)
{
  g_return_if_fail (PF_IS_SERVER_SETTINGS (self));

  if (set_string (&self->username, username))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USERNAME]);
}

/**
 * pf_server_settings_get_ca_file:
 *
 * Returns: (nullable) (type filename): the CA file to trust, or %NULL for
 *   the system's trust store
 */
const char *
pf_server_settings_get_ca_file (PfServerSettings *self)
{
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (self), NULL);

  return self->ca_file;
}

/**
 * pf_server_settings_set_ca_file:
 * @self: a #PfServerSettings
 * @path: (nullable) (type filename): an absolute path to a PEM file, or
 *   %NULL (or "") for the system's trust store
 */
void
pf_server_settings_set_ca_file (PfServerSettings *self,
                                const char       *path)
{
  g_return_if_fail (PF_IS_SERVER_SETTINGS (self));

  if (set_string (&self->ca_file, path))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CA_FILE]);
}

/**
 * pf_server_settings_get_pinned_sha256:
 *
 * Returns: (nullable): the pinned certificate's fingerprint, or %NULL
 */
const char *
pf_server_settings_get_pinned_sha256 (PfServerSettings *self)
{
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (self), NULL);

  return self->pinned_sha256;
}

GTlsCertificateFlags
pf_server_settings_get_pinned_errors (PfServerSettings *self)
{
  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (self), 0);

  return self->pinned_errors;
}

/**
 * pf_server_settings_set_pinned_certificate:
 * @self: a #PfServerSettings
 * @sha256: (nullable): the fingerprint as from pf_net_certificate_dup_sha256()
 *   (case and colons do not matter), or %NULL to drop the exception
 * @accepted_errors: the verification errors the user accepted for it
 *
 * Records a certificate exception for this server: the connection accepts
 * exactly this certificate with at most these errors, at this host and port.
 * A fingerprint that is not one is kept as given, so that
 * pf_server_settings_validate() can report it.
 */
void
pf_server_settings_set_pinned_certificate (PfServerSettings     *self,
                                           const char           *sha256,
                                           GTlsCertificateFlags  accepted_errors)
{
  g_autofree char *normalized = NULL;

  g_return_if_fail (PF_IS_SERVER_SETTINGS (self));

  if (sha256 == NULL || *sha256 == '\0')
    {
      sha256 = NULL;
      accepted_errors = 0;
    }
  else
    {
      normalized = pf_normalize_sha256_fingerprint (sha256);
      if (normalized != NULL)
        sha256 = normalized;
    }

  g_object_freeze_notify (G_OBJECT (self));
  if (set_string (&self->pinned_sha256, sha256))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PINNED_SHA256]);
  if (self->pinned_errors != accepted_errors)
    {
      self->pinned_errors = accepted_errors;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PINNED_ERRORS]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* Host names as the resolver takes them: no white space or control
 * characters, no empty labels; internationalized names are fine. */
gboolean
_pf_account_is_valid_host (const char *host)
{
  g_autofree char *ascii = NULL;

  if (g_hostname_is_ip_address (host))
    return TRUE;

  for (const char *p = host; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p) || *p == '/' || *p == '@' ||
          *p == ':' || *p == '[' || *p == ']')
        return FALSE;
    }

  if (!g_utf8_validate (host, -1, NULL))
    return FALSE;

  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL || *ascii == '\0' || *ascii == '.' || strstr (ascii, "..") != NULL)
    return FALSE;

  return TRUE;
}

/* Sets @error from whole translated sentences, one for each role a server
 * plays in an account, so that no sentence is glued from pieces. */
static void
set_server_error (GError           **error,
                  PfServerSettings  *self,
                  PfAccountError     code,
                  const char        *incoming_format,
                  const char        *outgoing_format,
                  ...)
{
  va_list args;

  if (error == NULL)
    return;

  va_start (args, outgoing_format);
  *error = g_error_new_valist (PF_ACCOUNT_ERROR, code,
                               self->protocol == PF_SERVER_PROTOCOL_SMTP ? outgoing_format
                                                                         : incoming_format,
                               args);
  va_end (args);
}

/**
 * pf_server_settings_validate:
 * @self: a #PfServerSettings
 * @error: return location for a #GError
 *
 * Checks what the user entered. Errors (%PF_ACCOUNT_ERROR) name the server
 * and the field: %PF_ACCOUNT_ERROR_MISSING_HOST, _INVALID_HOST, _BAD_PORT,
 * _MISSING_USERNAME, _PLAINTEXT_NOT_ALLOWED, _INVALID_FINGERPRINT,
 * _INVALID_CA_FILE. Does not touch the network or the CA file.
 *
 * Returns: %TRUE if the settings are usable
 */
gboolean
pf_server_settings_validate (PfServerSettings  *self,
                             GError           **error)
{
  g_autofree char *fingerprint = NULL;

  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->host == NULL)
    {
      set_server_error (error, self, PF_ACCOUNT_ERROR_MISSING_HOST,
                        _("Enter the host name of the incoming server, such as "
                          "“imap.example.org”."),
                        _("Enter the host name of the outgoing server, such as "
                          "“smtp.example.org”."));
      return FALSE;
    }

  if (!_pf_account_is_valid_host (self->host))
    {
      set_server_error (error, self, PF_ACCOUNT_ERROR_INVALID_HOST,
                        /* Translators: %s is the host name the user entered */
                        _("“%s” is not a valid host name for the incoming server."),
                        /* Translators: %s is the host name the user entered */
                        _("“%s” is not a valid host name for the outgoing server."),
                        self->host);
      return FALSE;
    }

  if (self->port == 0)
    {
      set_server_error (error, self, PF_ACCOUNT_ERROR_BAD_PORT,
                        _("The port of the incoming server must be between 1 and 65535."),
                        _("The port of the outgoing server must be between 1 and 65535."));
      return FALSE;
    }

  if (self->username == NULL)
    {
      set_server_error (error, self, PF_ACCOUNT_ERROR_MISSING_USERNAME,
                        _("Enter the user name for the incoming server (often the full "
                          "email address)."),
                        _("Enter the user name for the outgoing server (often the full "
                          "email address)."));
      return FALSE;
    }

  if (self->security == PF_SECURITY_NONE && !self->allow_plaintext_password)
    {
      set_server_error (error, self, PF_ACCOUNT_ERROR_PLAINTEXT_NOT_ALLOWED,
                        _("The incoming server is set to use no encryption. Choose TLS "
                          "or STARTTLS, or explicitly allow sending the password "
                          "unencrypted."),
                        _("The outgoing server is set to use no encryption. Choose TLS "
                          "or STARTTLS, or explicitly allow sending the password "
                          "unencrypted."));
      return FALSE;
    }

  if (self->pinned_sha256 != NULL)
    {
      fingerprint = pf_normalize_sha256_fingerprint (self->pinned_sha256);
      if (fingerprint == NULL)
        {
          set_server_error (error, self, PF_ACCOUNT_ERROR_INVALID_FINGERPRINT,
                            _("The accepted certificate of the incoming server has an "
                              "invalid fingerprint: a SHA-256 fingerprint has 64 "
                              "hexadecimal digits."),
                            _("The accepted certificate of the outgoing server has an "
                              "invalid fingerprint: a SHA-256 fingerprint has 64 "
                              "hexadecimal digits."));
          return FALSE;
        }
    }

  if (self->ca_file != NULL && !g_path_is_absolute (self->ca_file))
    {
      g_autofree char *display = g_filename_display_name (self->ca_file);

      set_server_error (error, self, PF_ACCOUNT_ERROR_INVALID_CA_FILE,
                        /* Translators: %s is a file name */
                        _("The certificate authority file “%s” of the incoming server "
                          "must be given as an absolute path."),
                        /* Translators: %s is a file name */
                        _("The certificate authority file “%s” of the outgoing server "
                          "must be given as an absolute path."),
                        display);
      return FALSE;
    }

  return TRUE;
}

/**
 * pf_server_settings_create_connection:
 * @self: a #PfServerSettings
 * @error: return location for a #GError
 *
 * Makes an unconnected #PfNetConnection as these settings say: host, port
 * and security; the CA file as TLS database if set; the pinned certificate
 * exception if any; unencrypted passwords only with the user's consent and
 * only with %PF_SECURITY_NONE; a timeout of
 * %PF_SERVER_SETTINGS_TIMEOUT_SECONDS. Reads the CA file (small, local).
 *
 * Returns: (transfer full) (nullable): the connection, or %NULL with
 *   @error set by pf_server_settings_validate() or, if the CA file cannot
 *   be loaded, %PF_ACCOUNT_ERROR_INVALID_CA_FILE
 */
PfNetConnection *
pf_server_settings_create_connection (PfServerSettings  *self,
                                      GError           **error)
{
  g_autoptr(PfNetConnection) connection = NULL;

  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!pf_server_settings_validate (self, error))
    return NULL;

  connection = pf_net_connection_new (self->host, self->port,
                                      pf_security_to_net_security (self->security));
  pf_net_connection_set_timeout (connection, PF_SERVER_SETTINGS_TIMEOUT_SECONDS);

  if (self->ca_file != NULL)
    {
      g_autoptr(GTlsDatabase) database = NULL;
      g_autoptr(GError) local_error = NULL;

      database = g_tls_file_database_new (self->ca_file, &local_error);
      if (database == NULL)
        {
          g_autofree char *display = g_filename_display_name (self->ca_file);

          g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_CA_FILE,
                       /* Translators: the first %s is a file name, the second the
                        * reason */
                       _("Cannot load the certificate authority file “%s”: %s"),
                       display, local_error->message);
          return NULL;
        }
      pf_net_connection_set_tls_database (connection, database);
    }

  if (self->pinned_sha256 != NULL)
    {
      g_autoptr(PfNetPin) pin = NULL;

      pin = pf_net_pin_new (self->host, self->port, self->pinned_sha256, self->pinned_errors);
      pf_net_connection_set_pin (connection, pin);
    }

  pf_net_connection_set_allow_plaintext_secrets (connection,
                                                 self->security == PF_SECURITY_NONE &&
                                                 self->allow_plaintext_password);

  return g_steal_pointer (&connection);
}
