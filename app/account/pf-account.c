/* pf-account.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-account"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pf-account.h"
#include "pf-account-private.h"

/*
 * One mail account: who the user is in it, where the mail comes from and
 * where it goes. Everything here is plain settings; passwords are in the
 * #PfPasswordVault and mail in the store.
 *
 * The key file (see pf_account_to_key_file()):
 *
 *   [Account]
 *   Version=1                  format version, for migrations
 *   Id=3f9c0a1b2c3d4e5f        also the file name: <Id>.ini
 *   Created=1767225600000000   microseconds since 1970 (UTC); list order
 *   Kind=imap                  imap | pop3
 *   DisplayName=Work
 *   Address=jorg@example.org
 *
 *   [Identity]                 each key optional
 *   RealName=Jörg Müller
 *   ReplyTo=team@example.org
 *   Signature=Jörg\nExample GmbH
 *
 *   [Incoming] and [Outgoing]
 *   Host=imap.example.org
 *   Port=993
 *   Security=tls               tls | starttls | none
 *   AllowPlaintextPassword=false
 *   AuthMethod=auto            auto | password | oauth2
 *   Username=jorg@example.org
 *   CaFile=/etc/ssl/private-ca.pem                       optional
 *   PinnedSha256=<64 lower-case hex digits>              optional
 *   PinnedErrors=unknown-ca;bad-identity;                optional, flag nicks
 *                                                        of GTlsCertificateFlags
 *   [POP3]
 *   Policy=keep-days           delete | keep | keep-days | delete-with-local
 *   KeepDays=14
 *
 * Never a password.
 */

#define GROUP_ACCOUNT  "Account"
#define GROUP_IDENTITY "Identity"
#define GROUP_INCOMING "Incoming"
#define GROUP_OUTGOING "Outgoing"
#define GROUP_POP3     "POP3"

#define MAX_KEEP_DAYS 3650
#define DEFAULT_KEEP_DAYS 14

struct _PfAccount
{
  GObject           parent_instance;

  /* Owned */
  char             *id;
  char             *display_name;
  char             *address;
  char             *real_name;
  char             *reply_to;
  char             *signature;
  PfServerSettings *incoming;
  PfServerSettings *outgoing;

  gint64            created;
  PfAccountKind     kind;
  PfPop3Policy      pop3_policy;
  guint             pop3_keep_days;
};

G_DEFINE_FINAL_TYPE (PfAccount, pf_account, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (PfAccountKind, pf_account_kind,
                    G_DEFINE_ENUM_VALUE (PF_ACCOUNT_KIND_IMAP, "imap"),
                    G_DEFINE_ENUM_VALUE (PF_ACCOUNT_KIND_POP3, "pop3"))

G_DEFINE_ENUM_TYPE (PfPop3Policy, pf_pop3_policy,
                    G_DEFINE_ENUM_VALUE (PF_POP3_POLICY_DELETE, "delete"),
                    G_DEFINE_ENUM_VALUE (PF_POP3_POLICY_KEEP, "keep"),
                    G_DEFINE_ENUM_VALUE (PF_POP3_POLICY_KEEP_DAYS, "keep-days"),
                    G_DEFINE_ENUM_VALUE (PF_POP3_POLICY_DELETE_WITH_LOCAL, "delete-with-local"))

enum {
  PROP_0,
  PROP_ID,
  PROP_CREATED,
  PROP_KIND,
  PROP_DISPLAY_NAME,
  PROP_ADDRESS,
  PROP_REAL_NAME,
  PROP_REPLY_TO,
  PROP_SIGNATURE,
  PROP_INCOMING,
  PROP_OUTGOING,
  PROP_POP3_POLICY,
  PROP_POP3_KEEP_DAYS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static PfServerProtocol
incoming_protocol (PfAccountKind kind)
{
  return kind == PF_ACCOUNT_KIND_POP3 ? PF_SERVER_PROTOCOL_POP3 : PF_SERVER_PROTOCOL_IMAP;
}

/* 64 random bits as 16 lower-case hex digits: short, safe as a file name and
 * as a directory name under $XDG_DATA_HOME/postfach/, and stable because it
 * is stored, never derived from settings the user may change. */
static char *
generate_id (void)
{
  return g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
}

/**
 * pf_account_is_valid_id:
 * @id: (nullable): a candidate account id
 *
 * Returns: whether @id is 1–64 characters of a–z, 0–9, "-" and "_", so that
 *   it is safe as a file and directory name
 */
gboolean
pf_account_is_valid_id (const char *id)
{
  gsize len = 0;

  if (id == NULL)
    return FALSE;

  for (const char *p = id; *p != '\0'; p++, len++)
    {
      if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '-' || *p == '_'))
        return FALSE;
    }

  return len >= 1 && len <= 64;
}

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

static gboolean
set_stripped_string (char       **field,
                     const char  *value)
{
  g_autofree char *stripped = NULL;

  if (value != NULL)
    stripped = g_strstrip (g_strdup (value));

  return set_string (field, stripped);
}

static void
pf_account_constructed (GObject *object)
{
  PfAccount *self = (PfAccount *) object;

  G_OBJECT_CLASS (pf_account_parent_class)->constructed (object);

  if (self->id == NULL)
    self->id = generate_id ();
  if (self->created == 0)
    self->created = g_get_real_time ();
}

static void
pf_account_dispose (GObject *object)
{
  PfAccount *self = (PfAccount *) object;

  g_clear_object (&self->incoming);
  g_clear_object (&self->outgoing);

  G_OBJECT_CLASS (pf_account_parent_class)->dispose (object);
}

static void
pf_account_finalize (GObject *object)
{
  PfAccount *self = (PfAccount *) object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->real_name, g_free);
  g_clear_pointer (&self->reply_to, g_free);
  g_clear_pointer (&self->signature, g_free);

  G_OBJECT_CLASS (pf_account_parent_class)->finalize (object);
}

static void
pf_account_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  PfAccount *self = PF_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_CREATED:
      g_value_set_int64 (value, self->created);
      break;

    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;

    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;

    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;

    case PROP_REAL_NAME:
      g_value_set_string (value, self->real_name);
      break;

    case PROP_REPLY_TO:
      g_value_set_string (value, self->reply_to);
      break;

    case PROP_SIGNATURE:
      g_value_set_string (value, self->signature);
      break;

    case PROP_INCOMING:
      g_value_set_object (value, self->incoming);
      break;

    case PROP_OUTGOING:
      g_value_set_object (value, self->outgoing);
      break;

    case PROP_POP3_POLICY:
      g_value_set_enum (value, self->pop3_policy);
      break;

    case PROP_POP3_KEEP_DAYS:
      g_value_set_uint (value, self->pop3_keep_days);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_account_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  PfAccount *self = PF_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_assert (self->id == NULL);
      self->id = g_value_dup_string (value);
      break;

    case PROP_CREATED:
      self->created = g_value_get_int64 (value);
      break;

    case PROP_KIND:
      pf_account_set_kind (self, g_value_get_enum (value));
      break;

    case PROP_DISPLAY_NAME:
      pf_account_set_display_name (self, g_value_get_string (value));
      break;

    case PROP_ADDRESS:
      pf_account_set_address (self, g_value_get_string (value));
      break;

    case PROP_REAL_NAME:
      pf_account_set_real_name (self, g_value_get_string (value));
      break;

    case PROP_REPLY_TO:
      pf_account_set_reply_to (self, g_value_get_string (value));
      break;

    case PROP_SIGNATURE:
      pf_account_set_signature (self, g_value_get_string (value));
      break;

    case PROP_POP3_POLICY:
      pf_account_set_pop3_policy (self, g_value_get_enum (value));
      break;

    case PROP_POP3_KEEP_DAYS:
      pf_account_set_pop3_keep_days (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_account_class_init (PfAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = pf_account_constructed;
  object_class->dispose = pf_account_dispose;
  object_class->finalize = pf_account_finalize;
  object_class->get_property = pf_account_get_property;
  object_class->set_property = pf_account_set_property;

  /**
   * PfAccount:id:
   *
   * A stable id, generated when the account is created and safe as a file
   * name. Names the key file and the mail directory.
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * PfAccount:created:
   *
   * When the account was created, in microseconds since 1970 (UTC).
   */
  properties[PROP_CREATED] =
    g_param_spec_int64 ("created", NULL, NULL, 0, G_MAXINT64, 0,
                        (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /**
   * PfAccount:kind:
   *
   * IMAP or POP3. Changing it changes the protocol of #PfAccount:incoming.
   */
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       PF_TYPE_ACCOUNT_KIND, PF_ACCOUNT_KIND_IMAP,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfAccount:display-name:
   *
   * The name the user gave the account ("Work", "Private").
   */
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfAccount:address:
   *
   * The email address mail is sent from.
   */
  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfAccount:real-name:
   *
   * The name in the From header, or %NULL.
   */
  properties[PROP_REAL_NAME] =
    g_param_spec_string ("real-name", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfAccount:reply-to:
   *
   * An address for the Reply-To header, or %NULL.
   */
  properties[PROP_REPLY_TO] =
    g_param_spec_string ("reply-to", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfAccount:signature:
   *
   * The signature text (may span lines), or %NULL.
   */
  properties[PROP_SIGNATURE] =
    g_param_spec_string ("signature", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfAccount:incoming:
   *
   * The IMAP or POP3 server. Always set; edit it in place.
   */
  properties[PROP_INCOMING] =
    g_param_spec_object ("incoming", NULL, NULL, PF_TYPE_SERVER_SETTINGS,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * PfAccount:outgoing:
   *
   * The SMTP submission server. Always set; edit it in place.
   */
  properties[PROP_OUTGOING] =
    g_param_spec_object ("outgoing", NULL, NULL, PF_TYPE_SERVER_SETTINGS,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * PfAccount:pop3-policy:
   *
   * What a POP3 download does with the server's copy. Ignored for IMAP.
   */
  properties[PROP_POP3_POLICY] =
    g_param_spec_enum ("pop3-policy", NULL, NULL,
                       PF_TYPE_POP3_POLICY, PF_POP3_POLICY_KEEP_DAYS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * PfAccount:pop3-keep-days:
   *
   * N of %PF_POP3_POLICY_KEEP_DAYS: 1–3650.
   */
  properties[PROP_POP3_KEEP_DAYS] =
    g_param_spec_uint ("pop3-keep-days", NULL, NULL, 0, G_MAXUINT, DEFAULT_KEEP_DAYS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pf_account_init (PfAccount *self)
{
  self->kind = PF_ACCOUNT_KIND_IMAP;
  self->incoming = pf_server_settings_new (PF_SERVER_PROTOCOL_IMAP);
  self->outgoing = pf_server_settings_new (PF_SERVER_PROTOCOL_SMTP);
  self->pop3_policy = PF_POP3_POLICY_KEEP_DAYS;
  self->pop3_keep_days = DEFAULT_KEEP_DAYS;
}

/**
 * pf_account_new:
 * @kind: IMAP or POP3
 *
 * Creates an account with a new id, created now. Everything else is still
 * empty or at its default: TLS on the default ports; POP3 keeps mail on
 * the server for 14 days.
 *
 * Returns: (transfer full): a new #PfAccount
 */
PfAccount *
pf_account_new (PfAccountKind kind)
{
  return g_object_new (PF_TYPE_ACCOUNT, "kind", kind, NULL);
}

/**
 * pf_account_copy:
 * @self: a #PfAccount
 *
 * A deep copy with the same id and creation time, e.g. for a settings form
 * that is applied with pf_account_manager_update() only on "Save".
 *
 * Returns: (transfer full): a new #PfAccount
 */
PfAccount *
pf_account_copy (PfAccount *self)
{
  PfAccount *copy;

  g_return_val_if_fail (PF_IS_ACCOUNT (self), NULL);

  copy = g_object_new (PF_TYPE_ACCOUNT,
                       "id", self->id,
                       "created", self->created,
                       NULL);
  pf_account_assign (copy, self);

  return copy;
}

/**
 * pf_account_assign:
 * @self: a #PfAccount
 * @other: the account whose settings to take over
 *
 * Sets every setting of @self, servers included, to that of @other,
 * notifying exactly what changes. Id and creation time stay.
 */
void
pf_account_assign (PfAccount *self,
                   PfAccount *other)
{
  g_return_if_fail (PF_IS_ACCOUNT (self));
  g_return_if_fail (PF_IS_ACCOUNT (other));

  if (self == other)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  pf_account_set_kind (self, other->kind);
  pf_account_set_display_name (self, other->display_name);
  pf_account_set_address (self, other->address);
  pf_account_set_real_name (self, other->real_name);
  pf_account_set_reply_to (self, other->reply_to);
  pf_account_set_signature (self, other->signature);
  pf_server_settings_assign (self->incoming, other->incoming);
  pf_server_settings_assign (self->outgoing, other->outgoing);
  pf_account_set_pop3_policy (self, other->pop3_policy);
  pf_account_set_pop3_keep_days (self, other->pop3_keep_days);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * pf_account_equal:
 * @self: a #PfAccount
 * @other: another #PfAccount
 *
 * Returns: whether all settings, servers included, are the same. Id and
 *   creation time are not compared.
 */
gboolean
pf_account_equal (PfAccount *self,
                  PfAccount *other)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), FALSE);
  g_return_val_if_fail (PF_IS_ACCOUNT (other), FALSE);

  return self->kind == other->kind &&
         self->pop3_policy == other->pop3_policy &&
         self->pop3_keep_days == other->pop3_keep_days &&
         g_strcmp0 (self->display_name, other->display_name) == 0 &&
         g_strcmp0 (self->address, other->address) == 0 &&
         g_strcmp0 (self->real_name, other->real_name) == 0 &&
         g_strcmp0 (self->reply_to, other->reply_to) == 0 &&
         g_strcmp0 (self->signature, other->signature) == 0 &&
         pf_server_settings_equal (self->incoming, other->incoming) &&
         pf_server_settings_equal (self->outgoing, other->outgoing);
}

/**
 * pf_account_get_id:
 *
 * Returns: the account's stable id
 */
const char *
pf_account_get_id (PfAccount *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), NULL);

  return self->id;
}

/**
 * pf_account_dup_data_dir:
 * @self: a #PfAccount
 *
 * Returns: (transfer full): where the account's mail and index live:
 *   `$XDG_DATA_HOME/postfach/<id>`
 */
char *
pf_account_dup_data_dir (PfAccount *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), NULL);

  return g_build_filename (g_get_user_data_dir (), "postfach", self->id, NULL);
}

/**
 * pf_account_get_created:
 *
 * Returns: when the account was created, in microseconds since 1970 (UTC)
 */
gint64
pf_account_get_created (PfAccount *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), 0);

  return self->created;
}

PfAccountKind
pf_account_get_kind (PfAccount *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), PF_ACCOUNT_KIND_IMAP);

  return self->kind;
}

/**
 * pf_account_set_kind:
 * @self: a #PfAccount
 * @kind: IMAP or POP3
 *
 * Also switches the protocol of the incoming server (and its port, if that
 * was the default).
 */
void
pf_account_set_kind (PfAccount     *self,
                     PfAccountKind  kind)
{
  g_return_if_fail (PF_IS_ACCOUNT (self));
  g_return_if_fail (kind <= PF_ACCOUNT_KIND_POP3);

  pf_server_settings_set_protocol (self->incoming, incoming_protocol (kind));

  if (self->kind == kind)
    return;

  self->kind = kind;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

/**
 * pf_account_get_display_name:
 *
 * Returns: (nullable): the account's name, %NULL if not set
 */
const char *
pf_account_get_display_name (PfAccount *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), NULL);

  return self->display_name;
}

/**
 * pf_account_set_display_name:
 * @self: a #PfAccount
 * @display_name: (nullable): the account's name; surrounding white space
 *   is dropped
 */
void
pf_account_set_display_name (PfAccount  *self,
                             const char *display_name)
{
  g_return_if_fail (PF_IS_ACCOUNT (self));

  if (set_stripped_string (&self->display_name, display_name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
}

/**
 * pf_account_get_address:
 *
 * Returns: (nullable): the email address, %NULL if not set
 */
const char *
pf_account_get_address (PfAccount *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), NULL);

  return self->address;
}

/**
 * pf_account_set_address:
 * @self: a #PfAccount
 * @address: (nullable): the email address; surrounding white space is dropped
 */
void
pf_account_set_address (PfAccount  *self,
                        const char *address)
{
  g_return_if_fail (PF_IS_ACCOUNT (self));

  if (set_stripped_string (&self->address, address))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADDRESS]);
}

/**
 * pf_account_get_real_name:
 *
 * Returns: (nullable): the sender name, or %NULL
 */
const char *
pf_account_get_real_name (PfAccount *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), NULL);

  return self->real_name;
}

void
pf_account_set_real_name (PfAccount  *self,
                          const char *real_name)
{
  g_return_if_fail (PF_IS_ACCOUNT (self));

  if (set_stripped_string (&self->real_name, real_name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REAL_NAME]);
}

/**
 * pf_account_get_reply_to:
 *
 * Returns: (nullable): the reply-to address, or %NULL
 */
const char *
pf_account_get_reply_to (PfAccount *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), NULL);

  return self->reply_to;
}

void
pf_account_set_reply_to (PfAccount  *self,
                         const char *reply_to)
{
  g_return_if_fail (PF_IS_ACCOUNT (self));

  if (set_stripped_string (&self->reply_to, reply_to))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REPLY_TO]);
}

/**
 * pf_account_get_signature:
 *
 * Returns: (nullable): the signature text, or %NULL
 */
const char *
pf_account_get_signature (PfAccount *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), NULL);

  return self->signature;
}

/**
 * pf_account_set_signature:
 * @self: a #PfAccount
 * @signature: (nullable): the signature, kept exactly as given (line
 *   breaks and indentation included)
 */
void
pf_account_set_signature (PfAccount  *self,
                          const char *signature)
{
  g_return_if_fail (PF_IS_ACCOUNT (self));

  if (set_string (&self->signature, signature))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNATURE]);
}

/**
 * pf_account_get_incoming:
 *
 * Returns: (transfer none): the incoming (IMAP or POP3) server
 */
PfServerSettings *
pf_account_get_incoming (PfAccount *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), NULL);

  return self->incoming;
}

/**
 * pf_account_get_outgoing:
 *
 * Returns: (transfer none): the outgoing SMTP server
 */
PfServerSettings *
pf_account_get_outgoing (PfAccount *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), NULL);

  return self->outgoing;
}

PfPop3Policy
pf_account_get_pop3_policy (PfAccount *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), PF_POP3_POLICY_KEEP);

  return self->pop3_policy;
}

void
pf_account_set_pop3_policy (PfAccount    *self,
                            PfPop3Policy  policy)
{
  g_return_if_fail (PF_IS_ACCOUNT (self));
  g_return_if_fail (policy <= PF_POP3_POLICY_DELETE_WITH_LOCAL);

  if (self->pop3_policy == policy)
    return;

  self->pop3_policy = policy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POP3_POLICY]);
}

guint
pf_account_get_pop3_keep_days (PfAccount *self)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), 0);

  return self->pop3_keep_days;
}

/**
 * pf_account_set_pop3_keep_days:
 * @self: a #PfAccount
 * @days: N of "keep for N days", 1–3650 (pf_account_validate() checks)
 */
void
pf_account_set_pop3_keep_days (PfAccount *self,
                               guint      days)
{
  g_return_if_fail (PF_IS_ACCOUNT (self));

  if (self->pop3_keep_days == days)
    return;

  self->pop3_keep_days = days;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POP3_KEEP_DAYS]);
}

/* An addr-spec as users type it (RFC 5322 §3.4.1, without quoted local
 * parts or domain literals): local@domain, no white space, a host name as
 * domain. Internationalized addresses (RFC 6531) are fine. */
static gboolean
is_valid_address (const char *address)
{
  const char *at;

  if (!g_utf8_validate (address, -1, NULL))
    return FALSE;

  at = strrchr (address, '@');
  if (at == NULL || at == address || at[1] == '\0')
    return FALSE;

  for (const char *p = address; p < at; p++)
    {
      if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p) || strchr ("<>()[]\\,;:\"@", *p) != NULL)
        return FALSE;
    }

  if (address[0] == '.' || at[-1] == '.' || g_strstr_len (address, at - address, "..") != NULL)
    return FALSE;

  return _pf_account_is_valid_host (at + 1) && !g_hostname_is_ip_address (at + 1);
}

/**
 * pf_account_validate:
 * @self: a #PfAccount
 * @error: return location for a #GError
 *
 * Checks everything the user entered, servers included, and reports the
 * first problem in the %PF_ACCOUNT_ERROR domain with a translated message:
 * %PF_ACCOUNT_ERROR_MISSING_DISPLAY_NAME, _INVALID_ADDRESS (address or
 * reply-to), _BAD_KEEP_DAYS, or any error of pf_server_settings_validate().
 *
 * Returns: %TRUE if the account can be saved and used
 */
gboolean
pf_account_validate (PfAccount  *self,
                     GError    **error)
{
  g_return_val_if_fail (PF_IS_ACCOUNT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->display_name == NULL)
    {
      g_set_error_literal (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_MISSING_DISPLAY_NAME,
                           _("Enter a name for the account."));
      return FALSE;
    }

  if (self->address == NULL)
    {
      g_set_error_literal (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_ADDRESS,
                           _("Enter the email address of the account."));
      return FALSE;
    }

  if (!is_valid_address (self->address))
    {
      g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_ADDRESS,
                   /* Translators: %s is what the user entered as email address */
                   _("“%s” is not a valid email address."), self->address);
      return FALSE;
    }

  if (self->reply_to != NULL && !is_valid_address (self->reply_to))
    {
      g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_ADDRESS,
                   /* Translators: %s is what the user entered as reply-to address */
                   _("The reply-to address “%s” is not a valid email address."),
                   self->reply_to);
      return FALSE;
    }

  if (self->kind == PF_ACCOUNT_KIND_POP3 && self->pop3_policy == PF_POP3_POLICY_KEEP_DAYS &&
      (self->pop3_keep_days < 1 || self->pop3_keep_days > MAX_KEEP_DAYS))
    {
      g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_BAD_KEEP_DAYS,
                   /* Translators: %d is the largest number of days (3650) */
                   _("Messages can be kept on the server for 1 to %d days."),
                   MAX_KEEP_DAYS);
      return FALSE;
    }

  g_assert (pf_server_settings_get_protocol (self->incoming) == incoming_protocol (self->kind));

  return pf_server_settings_validate (self->incoming, error) &&
         pf_server_settings_validate (self->outgoing, error);
}

/* Key file */

static void
set_optional (GKeyFile   *key_file,
              const char *group,
              const char *key,
              const char *value)
{
  if (value != NULL)
    g_key_file_set_string (key_file, group, key, value);
}

static void
set_enum (GKeyFile   *key_file,
          const char *group,
          const char *key,
          GType       type,
          int         value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value (klass, value);

  g_assert (enum_value != NULL);
  g_key_file_set_string (key_file, group, key, enum_value->value_nick);
}

static void
server_to_key_file (PfServerSettings *server,
                    GKeyFile         *key_file,
                    const char       *group)
{
  GTlsCertificateFlags errors = pf_server_settings_get_pinned_errors (server);

  set_optional (key_file, group, "Host", pf_server_settings_get_host (server));
  g_key_file_set_integer (key_file, group, "Port", pf_server_settings_get_port (server));
  set_enum (key_file, group, "Security", PF_TYPE_SECURITY,
            pf_server_settings_get_security (server));
  g_key_file_set_boolean (key_file, group, "AllowPlaintextPassword",
                          pf_server_settings_get_allow_plaintext_password (server));
  set_enum (key_file, group, "AuthMethod", PF_TYPE_AUTH_METHOD,
            pf_server_settings_get_auth_method (server));
  set_optional (key_file, group, "Username", pf_server_settings_get_username (server));
  set_optional (key_file, group, "CaFile", pf_server_settings_get_ca_file (server));

  if (pf_server_settings_get_pinned_sha256 (server) != NULL)
    {
      g_autoptr(GFlagsClass) klass = g_type_class_ref (G_TYPE_TLS_CERTIFICATE_FLAGS);
      g_autoptr(GPtrArray) nicks = g_ptr_array_new ();

      g_key_file_set_string (key_file, group, "PinnedSha256",
                             pf_server_settings_get_pinned_sha256 (server));

      for (guint i = 0; i < klass->n_values; i++)
        {
          GFlagsValue *value = &klass->values[i];

          /* Single bits only: G_TLS_CERTIFICATE_VALIDATE_ALL is their union. */
          if (value->value != 0 && (value->value & (value->value - 1)) == 0 &&
              (errors & value->value) != 0)
            g_ptr_array_add (nicks, (gpointer) value->value_nick);
        }
      g_key_file_set_string_list (key_file, group, "PinnedErrors",
                                  (const char * const *) nicks->pdata, nicks->len);
    }
}

/**
 * pf_account_to_key_file:
 * @self: a #PfAccount
 *
 * Writes the account in the key-file format described at the top of
 * pf-account.c, with the version %PF_ACCOUNT_KEY_FILE_VERSION. Holds no
 * password.
 *
 * Returns: (transfer full): a new #GKeyFile
 */
GKeyFile *
pf_account_to_key_file (PfAccount *self)
{
  g_autoptr(GKeyFile) key_file = NULL;

  g_return_val_if_fail (PF_IS_ACCOUNT (self), NULL);

  key_file = g_key_file_new ();

  g_key_file_set_integer (key_file, GROUP_ACCOUNT, "Version", PF_ACCOUNT_KEY_FILE_VERSION);
  g_key_file_set_string (key_file, GROUP_ACCOUNT, "Id", self->id);
  g_key_file_set_int64 (key_file, GROUP_ACCOUNT, "Created", self->created);
  set_enum (key_file, GROUP_ACCOUNT, "Kind", PF_TYPE_ACCOUNT_KIND, self->kind);
  set_optional (key_file, GROUP_ACCOUNT, "DisplayName", self->display_name);
  set_optional (key_file, GROUP_ACCOUNT, "Address", self->address);

  set_optional (key_file, GROUP_IDENTITY, "RealName", self->real_name);
  set_optional (key_file, GROUP_IDENTITY, "ReplyTo", self->reply_to);
  set_optional (key_file, GROUP_IDENTITY, "Signature", self->signature);

  server_to_key_file (self->incoming, key_file, GROUP_INCOMING);
  server_to_key_file (self->outgoing, key_file, GROUP_OUTGOING);

  set_enum (key_file, GROUP_POP3, "Policy", PF_TYPE_POP3_POLICY, self->pop3_policy);
  g_key_file_set_integer (key_file, GROUP_POP3, "KeepDays", self->pop3_keep_days);

  return g_steal_pointer (&key_file);
}

static void
set_invalid_value (GError     **error,
                   const char  *group,
                   const char  *key,
                   const char  *value)
{
  g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_FILE,
               /* Translators: "%s=%s" is a key and its value, the last %s a group name */
               _("“%s=%s” in group [%s] is not a valid setting."),
               key, value, group);
}

/* Reads an optional string; a missing key or group leaves *@value NULL. */
static gboolean
get_optional (GKeyFile    *key_file,
              const char  *group,
              const char  *key,
              char       **value,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  *value = g_key_file_get_string (key_file, group, key, &local_error);
  if (local_error != NULL &&
      !g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND) &&
      !g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
    {
      g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_FILE,
                   "%s", local_error->message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
get_enum (GKeyFile    *key_file,
          const char  *group,
          const char  *key,
          GType        type,
          int          fallback,
          int         *value,
          GError     **error)
{
  g_autoptr(GEnumClass) klass = NULL;
  g_autofree char *nick = NULL;
  GEnumValue *enum_value;

  if (!get_optional (key_file, group, key, &nick, error))
    return FALSE;

  if (nick == NULL)
    {
      *value = fallback;
      return TRUE;
    }

  klass = g_type_class_ref (type);
  enum_value = g_enum_get_value_by_nick (klass, nick);
  if (enum_value == NULL)
    {
      set_invalid_value (error, group, key, nick);
      return FALSE;
    }

  *value = enum_value->value;

  return TRUE;
}

/* Reads an optional unsigned number up to @max. */
static gboolean
get_uint (GKeyFile    *key_file,
          const char  *group,
          const char  *key,
          guint64      max,
          guint64     *value,
          GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!get_optional (key_file, group, key, &text, error))
    return FALSE;

  if (text == NULL)
    return TRUE;

  if (!g_ascii_string_to_unsigned (text, 10, 0, max, value, &local_error))
    {
      set_invalid_value (error, group, key, text);
      return FALSE;
    }

  return TRUE;
}

static gboolean
get_boolean (GKeyFile    *key_file,
             const char  *group,
             const char  *key,
             gboolean    *value,
             GError     **error)
{
  g_autofree char *text = NULL;

  if (!get_optional (key_file, group, key, &text, error))
    return FALSE;

  if (text == NULL)
    *value = FALSE;
  else if (g_str_equal (text, "true"))
    *value = TRUE;
  else if (g_str_equal (text, "false"))
    *value = FALSE;
  else
    {
      set_invalid_value (error, group, key, text);
      return FALSE;
    }

  return TRUE;
}

static gboolean
server_from_key_file (PfServerSettings  *server,
                      GKeyFile          *key_file,
                      const char        *group,
                      GError           **error)
{
  g_autofree char *host = NULL;
  g_autofree char *username = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *sha256 = NULL;
  g_auto(GStrv) error_nicks = NULL;
  guint64 port;
  int security;
  int auth_method;
  gboolean allow_plaintext;
  GTlsCertificateFlags pinned_errors = 0;

  port = pf_server_protocol_get_default_port (pf_server_settings_get_protocol (server),
                                              PF_SECURITY_TLS);

  if (!g_key_file_has_group (key_file, group))
    {
      g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_FILE,
                   /* Translators: %s is a group name of the account file */
                   _("The group [%s] is missing."), group);
      return FALSE;
    }

  if (!get_optional (key_file, group, "Host", &host, error) ||
      !get_uint (key_file, group, "Port", G_MAXUINT16, &port, error) ||
      !get_enum (key_file, group, "Security", PF_TYPE_SECURITY, PF_SECURITY_TLS,
                 &security, error) ||
      !get_boolean (key_file, group, "AllowPlaintextPassword", &allow_plaintext, error) ||
      !get_enum (key_file, group, "AuthMethod", PF_TYPE_AUTH_METHOD, PF_AUTH_METHOD_AUTO,
                 &auth_method, error) ||
      !get_optional (key_file, group, "Username", &username, error) ||
      !get_optional (key_file, group, "CaFile", &ca_file, error) ||
      !get_optional (key_file, group, "PinnedSha256", &sha256, error))
    return FALSE;

  if (sha256 != NULL)
    {
      g_autofree char *normalized = pf_normalize_sha256_fingerprint (sha256);

      if (normalized == NULL)
        {
          set_invalid_value (error, group, "PinnedSha256", sha256);
          return FALSE;
        }

      error_nicks = g_key_file_get_string_list (key_file, group, "PinnedErrors", NULL, NULL);
      if (error_nicks != NULL)
        {
          g_autoptr(GFlagsClass) klass = g_type_class_ref (G_TYPE_TLS_CERTIFICATE_FLAGS);

          for (guint i = 0; error_nicks[i] != NULL; i++)
            {
              GFlagsValue *value = g_flags_get_value_by_nick (klass, error_nicks[i]);

              if (value == NULL)
                {
                  set_invalid_value (error, group, "PinnedErrors", error_nicks[i]);
                  return FALSE;
                }
              pinned_errors |= value->value;
            }
        }
    }

  pf_server_settings_set_security (server, security);
  pf_server_settings_set_port (server, port);
  pf_server_settings_set_host (server, host);
  pf_server_settings_set_allow_plaintext_password (server, allow_plaintext);
  pf_server_settings_set_auth_method (server, auth_method);
  pf_server_settings_set_username (server, username);
  pf_server_settings_set_ca_file (server, ca_file);
  pf_server_settings_set_pinned_certificate (server, sha256, pinned_errors);

  return TRUE;
}

/**
 * pf_account_new_from_key_file:
 * @key_file: a key file as written by pf_account_to_key_file()
 * @error: return location for a #GError
 *
 * Reads an account. Unknown groups and keys are ignored. The account is not
 * validated (see pf_account_validate()): a hand-edited file with, say, an
 * empty host still loads, so the user can correct it.
 *
 * Returns: (transfer full) (nullable): the account, or %NULL with
 *   %PF_ACCOUNT_ERROR_UNSUPPORTED_VERSION for a newer format or
 *   %PF_ACCOUNT_ERROR_INVALID_FILE for a missing version, id or kind, an
 *   invalid id, or a value of the wrong form
 */
PfAccount *
pf_account_new_from_key_file (GKeyFile  *key_file,
                              GError   **error)
{
  g_autoptr(PfAccount) account = NULL;
  g_autofree char *id = NULL;
  g_autofree char *kind_nick = NULL;
  g_autofree char *display_name = NULL;
  g_autofree char *address = NULL;
  g_autofree char *real_name = NULL;
  g_autofree char *reply_to = NULL;
  g_autofree char *signature = NULL;
  guint64 version = 0;
  guint64 created = 0;
  guint64 keep_days = DEFAULT_KEEP_DAYS;
  int kind;
  int policy;

  g_return_val_if_fail (key_file != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!get_uint (key_file, GROUP_ACCOUNT, "Version", G_MAXUINT32, &version, error))
    return NULL;

  if (version == 0)
    {
      g_set_error_literal (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_FILE,
                           _("It is not a Postfach account file (no format version)."));
      return NULL;
    }

  if (version > PF_ACCOUNT_KEY_FILE_VERSION)
    {
      g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_UNSUPPORTED_VERSION,
                   /* Translators: %u is a format version number */
                   _("It was written by a newer version of Postfach (format %u)."),
                   (guint) version);
      return NULL;
    }

  /* Version 1 is the first format: nothing to migrate yet. */

  if (!get_optional (key_file, GROUP_ACCOUNT, "Id", &id, error) ||
      !get_uint (key_file, GROUP_ACCOUNT, "Created", G_MAXINT64, &created, error) ||
      !get_optional (key_file, GROUP_ACCOUNT, "Kind", &kind_nick, error) ||
      !get_enum (key_file, GROUP_ACCOUNT, "Kind", PF_TYPE_ACCOUNT_KIND, PF_ACCOUNT_KIND_IMAP,
                 &kind, error) ||
      !get_optional (key_file, GROUP_ACCOUNT, "DisplayName", &display_name, error) ||
      !get_optional (key_file, GROUP_ACCOUNT, "Address", &address, error) ||
      !get_optional (key_file, GROUP_IDENTITY, "RealName", &real_name, error) ||
      !get_optional (key_file, GROUP_IDENTITY, "ReplyTo", &reply_to, error) ||
      !get_optional (key_file, GROUP_IDENTITY, "Signature", &signature, error) ||
      !get_enum (key_file, GROUP_POP3, "Policy", PF_TYPE_POP3_POLICY, PF_POP3_POLICY_KEEP_DAYS,
                 &policy, error) ||
      !get_uint (key_file, GROUP_POP3, "KeepDays", MAX_KEEP_DAYS, &keep_days, error))
    return NULL;

  if (id == NULL || !pf_account_is_valid_id (id))
    {
      set_invalid_value (error, GROUP_ACCOUNT, "Id", id != NULL ? id : "");
      return NULL;
    }

  if (kind_nick == NULL)
    {
      g_set_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_FILE,
                   /* Translators: the first %s is a key, the second a group name */
                   _("The key “%s” in group [%s] is missing."), "Kind", GROUP_ACCOUNT);
      return NULL;
    }

  account = g_object_new (PF_TYPE_ACCOUNT,
                          "id", id,
                          "created", (gint64) created,
                          "kind", kind,
                          "display-name", display_name,
                          "address", address,
                          "real-name", real_name,
                          "reply-to", reply_to,
                          "signature", signature,
                          "pop3-policy", policy,
                          "pop3-keep-days", (guint) keep_days,
                          NULL);

  if (!server_from_key_file (account->incoming, key_file, GROUP_INCOMING, error) ||
      !server_from_key_file (account->outgoing, key_file, GROUP_OUTGOING, error))
    return NULL;

  return g_steal_pointer (&account);
}

static gboolean
delete_tree (GFile         *directory,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;
  GFile *child;

  children = g_file_enumerate_children (directory, G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, cancellable, error);
  if (children == NULL)
    return FALSE;
  while (g_file_enumerator_iterate (children, &info, &child, cancellable, error) && info != NULL)
    {
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        {
          if (!delete_tree (child, cancellable, error))
            return FALSE;
        }
      else if (!g_file_delete (child, cancellable, error))
        return FALSE;
    }
  return g_file_delete (directory, cancellable, error);
}

/**
 * pf_account_delete_data:
 * @self: a #PfAccount
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Deletes the account's mail and index on this computer (its data
 * directory), e.g. after the account was removed. Blocking: call it from
 * a worker thread in an application.
 *
 * Returns: %TRUE when nothing of it is left
 */
gboolean
pf_account_delete_data (PfAccount     *self,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) directory = NULL;

  g_return_val_if_fail (PF_IS_ACCOUNT (self), FALSE);

  path = pf_account_dup_data_dir (self);
  directory = g_file_new_for_path (path);
  if (!g_file_query_exists (directory, cancellable))
    return TRUE;
  return delete_tree (directory, cancellable, error);
}
