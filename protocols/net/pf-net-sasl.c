/* pf-net-sasl.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-net"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pf-net-error.h"
#include "pf-net-sasl.h"

/*
 * The client side of the SASL mechanisms a mail client needs (RFC 4422),
 * independent of the protocol that carries them: IMAP AUTHENTICATE
 * (RFC 3501 §6.2.2), POP3 AUTH (RFC 5034) and SMTP AUTH (RFC 4954) each
 * base64 the bytes and frame them in their own way; that is the caller's
 * part. Here: which bytes to answer to which challenge, when the exchange
 * is over, and what the server meant when it sent an error as a challenge.
 *
 * The password or token is kept only as long as a response still needs it,
 * and wiped from memory when it is dropped; responses that carry it are
 * wiped when their last reference goes. Nothing here logs either.
 */

/* RFC 7628 §3.2.2 names a handful of status values, and Google sends an
 * HTTP status code; anything longer is not a status. */
#define STATUS_MAX_LENGTH 256
#define JSON_MAX_DEPTH    16

typedef enum
{
  STATE_START,           /* nothing sent yet */
  STATE_LOGIN_PASSWORD,  /* LOGIN: user name sent, password next */
  STATE_COMPLETE,        /* the last response is out */
  STATE_REJECTED,        /* the server sent an OAuth error challenge */
  STATE_FAILED,          /* a step failed; the exchange is dead */
} State;

struct _PfNetSasl
{
  GObject             parent_instance;

  /* Owned */
  char               *user;
  char               *secret;          /* wiped when dropped */
  char               *authzid;
  char               *host;
  char               *server_status;   /* from an OAuth error challenge */
  GBytes             *server_error;    /* the whole JSON of that challenge */

  gsize               secret_length;
  PfNetSaslMechanism  mechanism;
  State               state;
  guint16             port;
};

G_DEFINE_FINAL_TYPE (PfNetSasl, pf_net_sasl, G_TYPE_OBJECT)

static const struct
{
  PfNetSaslMechanism  mechanism;
  const char         *name;
} mechanism_names[] = {
  { PF_NET_SASL_MECHANISM_PLAIN, "PLAIN" },
  { PF_NET_SASL_MECHANISM_LOGIN, "LOGIN" },
  { PF_NET_SASL_MECHANISM_CRAM_MD5, "CRAM-MD5" },
  { PF_NET_SASL_MECHANISM_XOAUTH2, "XOAUTH2" },
  { PF_NET_SASL_MECHANISM_OAUTHBEARER, "OAUTHBEARER" },
};

/* --- Memory that held a secret -------------------------------------------- */

static void
wipe (void   *data,
      gsize   length)
{
  if (data != NULL && length > 0)
    explicit_bzero (data, length);
}

typedef struct
{
  gsize  length;
  guint8 data[];
} SecretBuffer;

static void
secret_buffer_free (gpointer user_data)
{
  SecretBuffer *buffer = user_data;

  wipe (buffer->data, buffer->length);
  g_free (buffer);
}

typedef struct
{
  const char *data;
  gsize       length;
} Piece;

#define PIECE(s)     { (s), strlen (s) }
#define PIECE_NUL    { "", 1 }

/* Joins @pieces into bytes that are wiped when freed. The length is known
 * before anything is copied, so no reallocation leaves a copy behind. */
static GBytes *
secret_bytes_new (const Piece *pieces,
                  guint        n_pieces)
{
  SecretBuffer *buffer;
  gsize length = 0;
  gsize offset = 0;

  for (guint i = 0; i < n_pieces; i++)
    length += pieces[i].length;

  buffer = g_malloc (sizeof (SecretBuffer) + length);
  buffer->length = length;
  for (guint i = 0; i < n_pieces; i++)
    {
      memcpy (buffer->data + offset, pieces[i].data, pieces[i].length);
      offset += pieces[i].length;
    }

  return g_bytes_new_with_free_func (buffer->data, length, secret_buffer_free, buffer);
}

static void
forget_secret (PfNetSasl *self)
{
  wipe (self->secret, self->secret_length);
  g_clear_pointer (&self->secret, g_free);
  self->secret_length = 0;
}

/* --- GObject -------------------------------------------------------------- */

static void
pf_net_sasl_finalize (GObject *object)
{
  PfNetSasl *self = PF_NET_SASL (object);

  forget_secret (self);
  g_clear_pointer (&self->user, g_free);
  g_clear_pointer (&self->authzid, g_free);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->server_status, g_free);
  g_clear_pointer (&self->server_error, g_bytes_unref);

  G_OBJECT_CLASS (pf_net_sasl_parent_class)->finalize (object);
}

static void
pf_net_sasl_class_init (PfNetSaslClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_net_sasl_finalize;
}

static void
pf_net_sasl_init (PfNetSasl *self)
{
  self->state = STATE_START;
}

/* --- Mechanisms ----------------------------------------------------------- */

/**
 * pf_net_sasl_mechanism_to_string:
 * @mechanism: a mechanism
 *
 * Returns: (transfer none) (nullable): the IANA name of @mechanism, as
 *   servers list it ("PLAIN", "CRAM-MD5", …), or %NULL for
 *   %PF_NET_SASL_MECHANISM_NONE
 */
const char *
pf_net_sasl_mechanism_to_string (PfNetSaslMechanism mechanism)
{
  for (guint i = 0; i < G_N_ELEMENTS (mechanism_names); i++)
    if (mechanism_names[i].mechanism == mechanism)
      return mechanism_names[i].name;

  return NULL;
}

/**
 * pf_net_sasl_mechanism_from_string:
 * @name: a mechanism name as a server lists it, e.g. from "AUTH=PLAIN"
 *
 * Names are compared without regard to case, as IMAP compares capability
 * names (RFC 3501 §9).
 *
 * Returns: the mechanism, or %PF_NET_SASL_MECHANISM_NONE if it is not one
 *   of those implemented here
 */
PfNetSaslMechanism
pf_net_sasl_mechanism_from_string (const char *name)
{
  g_return_val_if_fail (name != NULL, PF_NET_SASL_MECHANISM_NONE);

  for (guint i = 0; i < G_N_ELEMENTS (mechanism_names); i++)
    if (g_ascii_strcasecmp (mechanism_names[i].name, name) == 0)
      return mechanism_names[i].mechanism;

  return PF_NET_SASL_MECHANISM_NONE;
}

/**
 * pf_net_sasl_mechanism_is_cleartext:
 * @mechanism: a mechanism
 *
 * Whether @mechanism hands the secret itself to anyone who can read the
 * connection: a password (PLAIN, LOGIN) or a bearer token, which is as good
 * as a password until it expires (RFC 6750 §5.3, RFC 7628 §5). Such a
 * mechanism needs TLS.
 *
 * Returns: %TRUE for PLAIN, LOGIN, XOAUTH2 and OAUTHBEARER
 */
gboolean
pf_net_sasl_mechanism_is_cleartext (PfNetSaslMechanism mechanism)
{
  switch (mechanism)
    {
    case PF_NET_SASL_MECHANISM_PLAIN:
    case PF_NET_SASL_MECHANISM_LOGIN:
    case PF_NET_SASL_MECHANISM_XOAUTH2:
    case PF_NET_SASL_MECHANISM_OAUTHBEARER:
      return TRUE;

    case PF_NET_SASL_MECHANISM_CRAM_MD5:
    case PF_NET_SASL_MECHANISM_NONE:
    default:
      return FALSE;
    }
}

static gboolean
offers (const char * const *server_mechanisms,
        PfNetSaslMechanism  mechanism)
{
  const char *name = pf_net_sasl_mechanism_to_string (mechanism);

  for (guint i = 0; server_mechanisms[i] != NULL; i++)
    if (g_ascii_strcasecmp (server_mechanisms[i], name) == 0)
      return TRUE;

  return FALSE;
}

/**
 * pf_net_sasl_choose:
 * @server_mechanisms: (nullable) (array zero-terminated=1): the mechanism
 *   names the server offers (IMAP "AUTH=" capabilities, POP3 "SASL", SMTP
 *   "AUTH"), in any case; learnt after TLS is up (RFC 3501 §6.2.1,
 *   RFC 3207 §4.2)
 * @have_oauth_token: whether the secret is an OAuth 2.0 access token
 *   rather than a password
 * @plaintext_ok: whether the secret may be sent in clear: %TRUE when the
 *   connection is encrypted, or when the user allowed passwords over an
 *   unencrypted connection
 *
 * Picks the mechanism to authenticate with. With a token: OAUTHBEARER
 * (the standard), then XOAUTH2. With a password: PLAIN, LOGIN, CRAM-MD5 in
 * that order, because over TLS PLAIN is as safe as any and works with every
 * password store, while CRAM-MD5 needs the server to keep the password in
 * clear: its HMAC is keyed with the password itself. A cleartext mechanism
 * (see pf_net_sasl_mechanism_is_cleartext()) is never picked unless
 * @plaintext_ok; a password mechanism is never picked for a token, nor the
 * other way round.
 *
 * Returns: the mechanism, or %PF_NET_SASL_MECHANISM_NONE if the server
 *   offers none that may be used
 */
PfNetSaslMechanism
pf_net_sasl_choose (const char * const *server_mechanisms,
                    gboolean            have_oauth_token,
                    gboolean            plaintext_ok)
{
  static const PfNetSaslMechanism for_token[] = {
    PF_NET_SASL_MECHANISM_OAUTHBEARER,
    PF_NET_SASL_MECHANISM_XOAUTH2,
  };
  static const PfNetSaslMechanism for_password[] = {
    PF_NET_SASL_MECHANISM_PLAIN,
    PF_NET_SASL_MECHANISM_LOGIN,
    PF_NET_SASL_MECHANISM_CRAM_MD5,
  };
  const PfNetSaslMechanism *candidates;
  guint n_candidates;

  if (server_mechanisms == NULL)
    return PF_NET_SASL_MECHANISM_NONE;

  if (have_oauth_token)
    {
      candidates = for_token;
      n_candidates = G_N_ELEMENTS (for_token);
    }
  else
    {
      candidates = for_password;
      n_candidates = G_N_ELEMENTS (for_password);
    }

  for (guint i = 0; i < n_candidates; i++)
    {
      if (!plaintext_ok && pf_net_sasl_mechanism_is_cleartext (candidates[i]))
        continue;
      if (offers (server_mechanisms, candidates[i]))
        return candidates[i];
    }

  return PF_NET_SASL_MECHANISM_NONE;
}

/* --- Validation ----------------------------------------------------------- */

/* Valid UTF-8; without C0 controls and DEL unless @controls_ok. The SASL
 * framings here use NUL (PLAIN) and ^A (XOAUTH2, OAUTHBEARER) as
 * separators, so a control character in a name could forge a field. */
static gboolean
is_text (const char *string,
         gboolean    controls_ok)
{
  if (!g_utf8_validate (string, -1, NULL))
    return FALSE;

  if (!controls_ok)
    {
      for (const char *p = string; *p != '\0'; p++)
        if ((guchar) *p < 0x20 || *p == 0x7f)
          return FALSE;
    }

  return TRUE;
}

/* RFC 6750 §2.1: a bearer token is a b64token; anything visible ASCII is
 * let through, spaces and controls (^A is the separator) are not. */
static gboolean
is_visible_ascii (const char *string)
{
  if (*string == '\0')
    return FALSE;

  for (const char *p = string; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
      return FALSE;

  return TRUE;
}

static gboolean
is_oauth (PfNetSaslMechanism mechanism)
{
  return mechanism == PF_NET_SASL_MECHANISM_XOAUTH2 ||
         mechanism == PF_NET_SASL_MECHANISM_OAUTHBEARER;
}

static gboolean
user_is_valid (PfNetSaslMechanism  mechanism,
               const char         *user)
{
  switch (mechanism)
    {
    case PF_NET_SASL_MECHANISM_PLAIN:
    case PF_NET_SASL_MECHANISM_LOGIN:
    case PF_NET_SASL_MECHANISM_CRAM_MD5:
      /* RFC 4616 §2: authcid = 1*SAFE, any UTF-8 but NUL. */
      return *user != '\0' && is_text (user, TRUE);

    case PF_NET_SASL_MECHANISM_XOAUTH2:
      return *user != '\0' && is_text (user, FALSE);

    case PF_NET_SASL_MECHANISM_OAUTHBEARER:
      /* The token names the user; the authzid is optional (RFC 7628 §3.1). */
      return is_text (user, FALSE);

    case PF_NET_SASL_MECHANISM_NONE:
    default:
      return FALSE;
    }
}

static gboolean
secret_is_valid (PfNetSaslMechanism  mechanism,
                 const char         *secret)
{
  if (is_oauth (mechanism))
    return is_visible_ascii (secret);

  /* RFC 4616 §2: passwd = 1*SAFE */
  return *secret != '\0' && is_text (secret, TRUE);
}

static void
set_error (GError     **error,
           const char  *format,
           PfNetSasl   *self)
{
  g_set_error (error, PF_NET_ERROR, PF_NET_ERROR_PROTOCOL, format,
               pf_net_sasl_mechanism_to_string (self->mechanism));
}

static void
set_malformed (PfNetSasl  *self,
               GError    **error)
{
  /* Translators: %s is an authentication method such as PLAIN or CRAM-MD5 */
  set_error (error, _("The server sent a malformed %s authentication challenge"), self);
}

static void
set_unexpected (PfNetSasl  *self,
                GError    **error)
{
  /* Translators: %s is an authentication method such as PLAIN or CRAM-MD5 */
  set_error (error, _("The server sent an unexpected %s authentication challenge"), self);
}

/* --- Construction --------------------------------------------------------- */

/**
 * pf_net_sasl_new:
 * @mechanism: the mechanism, usually from pf_net_sasl_choose()
 * @user: (nullable): the user name (the authentication identity; for
 *   OAUTHBEARER the authorization identity, which may be empty)
 * @secret: the password, or for XOAUTH2 and OAUTHBEARER the OAuth 2.0
 *   access token. It is copied, and the copy is wiped from memory as soon
 *   as the last response that needs it is built, or when the object goes.
 * @error: return location for an error
 *
 * Starts the client side of one authentication exchange. The user name and
 * secret must be valid UTF-8 (RFC 4616 §2); they are sent as given, without
 * SASLprep (RFC 4013), which is the server's to apply. A token must be
 * visible ASCII (RFC 6750 §2.1), and for XOAUTH2 and OAUTHBEARER the user
 * name must not contain control characters, which would forge fields.
 *
 * Returns: (transfer full): a new exchange, or %NULL with
 *   %PF_NET_ERROR_PROTOCOL if the user name or secret cannot be sent with
 *   @mechanism (empty, not UTF-8, or with forbidden characters)
 */
PfNetSasl *
pf_net_sasl_new (PfNetSaslMechanism   mechanism,
                 const char          *user,
                 const char          *secret,
                 GError             **error)
{
  PfNetSasl *self;

  g_return_val_if_fail (pf_net_sasl_mechanism_to_string (mechanism) != NULL, NULL);
  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (user == NULL)
    user = "";

  self = g_object_new (PF_TYPE_NET_SASL, NULL);
  self->mechanism = mechanism;

  if (!user_is_valid (mechanism, user))
    {
      /* Translators: %s is an authentication method such as PLAIN or CRAM-MD5 */
      set_error (error, _("The user name cannot be sent with the %s authentication method"),
                 self);
      g_object_unref (self);
      return NULL;
    }

  if (!secret_is_valid (mechanism, secret))
    {
      if (is_oauth (mechanism))
        /* Translators: %s is an authentication method such as XOAUTH2 */
        set_error (error, _("The access token cannot be sent with the %s authentication method"),
                   self);
      else
        /* Translators: %s is an authentication method such as PLAIN or CRAM-MD5 */
        set_error (error, _("The password cannot be sent with the %s authentication method"),
                   self);
      g_object_unref (self);
      return NULL;
    }

  self->user = g_strdup (user);
  self->secret_length = strlen (secret);
  self->secret = g_memdup2 (secret, self->secret_length + 1);

  return self;
}

/**
 * pf_net_sasl_set_authzid:
 * @self: a #PfNetSasl
 * @authzid: (nullable): the identity to act as, if not the user's own;
 *   %NULL or empty for none
 *
 * Sets the authorization identity: PLAIN's first field (RFC 4616 §2) or
 * OAUTHBEARER's GS2 "a=" (RFC 7628 §3.1, default: the user name). The
 * other mechanisms cannot carry one, and their first step fails if it is
 * set. Call before the first step.
 */
void
pf_net_sasl_set_authzid (PfNetSasl  *self,
                         const char *authzid)
{
  g_return_if_fail (PF_IS_NET_SASL (self));
  g_return_if_fail (self->state == STATE_START);

  g_free (self->authzid);
  self->authzid = (authzid != NULL && *authzid != '\0') ? g_strdup (authzid) : NULL;
}

/**
 * pf_net_sasl_set_host:
 * @self: a #PfNetSasl
 * @host: (nullable): the host name the client connected to
 *
 * Sets OAUTHBEARER's "host" key (RFC 7628 §3.1); other mechanisms ignore
 * it. Call before the first step.
 */
void
pf_net_sasl_set_host (PfNetSasl  *self,
                      const char *host)
{
  g_return_if_fail (PF_IS_NET_SASL (self));
  g_return_if_fail (self->state == STATE_START);

  g_free (self->host);
  self->host = g_strdup (host);
}

/**
 * pf_net_sasl_set_port:
 * @self: a #PfNetSasl
 * @port: the port the client connected to, or 0 to leave it out
 *
 * Sets OAUTHBEARER's "port" key (RFC 7628 §3.1); other mechanisms ignore
 * it. Call before the first step.
 */
void
pf_net_sasl_set_port (PfNetSasl *self,
                      guint16    port)
{
  g_return_if_fail (PF_IS_NET_SASL (self));
  g_return_if_fail (self->state == STATE_START);

  self->port = port;
}

/**
 * pf_net_sasl_get_mechanism:
 * @self: a #PfNetSasl
 *
 * Returns: the mechanism @self was made for
 */
PfNetSaslMechanism
pf_net_sasl_get_mechanism (PfNetSasl *self)
{
  g_return_val_if_fail (PF_IS_NET_SASL (self), PF_NET_SASL_MECHANISM_NONE);

  return self->mechanism;
}

/**
 * pf_net_sasl_get_name:
 * @self: a #PfNetSasl
 *
 * Returns: (transfer none): the mechanism's name for the AUTHENTICATE or
 *   AUTH command, e.g. "PLAIN"
 */
const char *
pf_net_sasl_get_name (PfNetSasl *self)
{
  g_return_val_if_fail (PF_IS_NET_SASL (self), NULL);

  return pf_net_sasl_mechanism_to_string (self->mechanism);
}

/**
 * pf_net_sasl_has_initial_response:
 * @self: a #PfNetSasl
 *
 * Whether the client speaks first (RFC 4422 §5). If so, and the protocol
 * allows it (IMAP SASL-IR, RFC 4959; POP3 AUTH, RFC 5034 §4; SMTP AUTH,
 * RFC 4954 §4), the response of pf_net_sasl_step() with a %NULL challenge
 * may go with the command itself, saving a round trip. Otherwise the
 * server's first challenge comes first; for PLAIN, XOAUTH2 and OAUTHBEARER
 * it is empty.
 *
 * Returns: %TRUE for PLAIN, XOAUTH2 and OAUTHBEARER; %FALSE for LOGIN
 *   (draft-murchison-sasl-login: the server asks for the user name)
 *   and CRAM-MD5 (RFC 2195 §2: the server's challenge comes first)
 */
gboolean
pf_net_sasl_has_initial_response (PfNetSasl *self)
{
  g_return_val_if_fail (PF_IS_NET_SASL (self), FALSE);

  switch (self->mechanism)
    {
    case PF_NET_SASL_MECHANISM_PLAIN:
    case PF_NET_SASL_MECHANISM_XOAUTH2:
    case PF_NET_SASL_MECHANISM_OAUTHBEARER:
      return TRUE;

    case PF_NET_SASL_MECHANISM_LOGIN:
    case PF_NET_SASL_MECHANISM_CRAM_MD5:
    case PF_NET_SASL_MECHANISM_NONE:
    default:
      return FALSE;
    }
}

/* --- Responses ------------------------------------------------------------ */

/* RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd */
static GBytes *
plain_response (PfNetSasl  *self,
                GError    **error)
{
  const char *authzid = self->authzid != NULL ? self->authzid : "";
  const Piece pieces[] = {
    PIECE (authzid), PIECE_NUL, PIECE (self->user), PIECE_NUL,
    { self->secret, self->secret_length },
  };

  if (!is_text (authzid, TRUE))
    {
      /* Translators: %s is an authentication method such as PLAIN */
      set_error (error,
                 _("The authorization identity cannot be sent with the %s authentication method"),
                 self);
      return NULL;
    }

  return secret_bytes_new (pieces, G_N_ELEMENTS (pieces));
}

/* RFC 2195 §2: the user name, a space, and the HMAC-MD5 (RFC 2104) of the
 * challenge keyed with the password, as 32 lowercase hex digits. */
static GBytes *
cram_md5_response (PfNetSasl     *self,
                   const guint8  *challenge,
                   gsize          length,
                   GError       **error)
{
  g_autofree char *digest = NULL;

  /* The challenge is a msg-id (RFC 2195 §2): never empty, never NUL. */
  if (length == 0 || memchr (challenge, '\0', length) != NULL)
    {
      set_malformed (self, error);
      return NULL;
    }

  digest = g_compute_hmac_for_data (G_CHECKSUM_MD5,
                                    (const guchar *) self->secret, self->secret_length,
                                    challenge, length);

  {
    const Piece pieces[] = { PIECE (self->user), PIECE (" "), PIECE (digest) };

    return secret_bytes_new (pieces, G_N_ELEMENTS (pieces));
  }
}

/* Google's and Microsoft's format:
 * "user=" user ^A "auth=Bearer " token ^A ^A */
static GBytes *
xoauth2_response (PfNetSasl *self)
{
  const Piece pieces[] = {
    PIECE ("user="), PIECE (self->user),
    PIECE ("\001auth=Bearer "), { self->secret, self->secret_length },
    PIECE ("\001\001"),
  };

  return secret_bytes_new (pieces, G_N_ELEMENTS (pieces));
}

/* RFC 5801 §4: in a saslname "," and "=" are written "=2C" and "=3D". */
static void
append_saslname (GString    *string,
                 const char *name)
{
  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == ',')
        g_string_append (string, "=2C");
      else if (*p == '=')
        g_string_append (string, "=3D");
      else
        g_string_append_c (string, *p);
    }
}

/* RFC 7628 §3.1:
 *   client-resp = (gs2-header kvsep *kvpair kvsep) / kvsep
 *   gs2-header  = "n," ["a=" saslname] ","    (no channel binding)
 *   kvpair      = key "=" value kvsep,  kvsep = %x01
 * with the keys "host", "port" and "auth" ("Bearer " token, RFC 6750). */
static GBytes *
oauthbearer_response (PfNetSasl  *self,
                      GError    **error)
{
  const char *authzid = self->authzid != NULL ? self->authzid : self->user;
  g_autoptr(GString) header = g_string_new ("n,");
  g_autofree char *port = NULL;

  if (!is_text (authzid, FALSE))
    {
      /* Translators: %s is an authentication method such as OAUTHBEARER */
      set_error (error,
                 _("The authorization identity cannot be sent with the %s authentication method"),
                 self);
      return NULL;
    }
  if (self->host != NULL && !is_visible_ascii (self->host))
    {
      /* Translators: %s is an authentication method such as OAUTHBEARER */
      set_error (error, _("The server name cannot be sent with the %s authentication method"),
                 self);
      return NULL;
    }

  if (*authzid != '\0')
    {
      g_string_append (header, "a=");
      append_saslname (header, authzid);
    }
  g_string_append_c (header, ',');

  if (self->host != NULL)
    g_string_append_printf (header, "\001host=%s", self->host);
  if (self->port != 0)
    port = g_strdup_printf ("\001port=%u", (guint) self->port);

  {
    const Piece pieces[] = {
      { header->str, header->len },
      PIECE (port != NULL ? port : ""),
      PIECE ("\001auth=Bearer "), { self->secret, self->secret_length },
      PIECE ("\001\001"),
    };

    return secret_bytes_new (pieces, G_N_ELEMENTS (pieces));
  }
}

static GBytes *
step_first (PfNetSasl     *self,
            const guint8  *challenge,
            gsize          length,
            GError       **error)
{
  GBytes *response = NULL;

  /* Mechanisms without an authorization identity must not drop one
   * silently: the user would be someone else than asked for. */
  if (self->authzid != NULL &&
      self->mechanism != PF_NET_SASL_MECHANISM_PLAIN &&
      self->mechanism != PF_NET_SASL_MECHANISM_OAUTHBEARER)
    {
      /* Translators: %s is an authentication method such as LOGIN */
      set_error (error,
                 _("The authorization identity cannot be sent with the %s authentication method"),
                 self);
      return NULL;
    }

  switch (self->mechanism)
    {
    case PF_NET_SASL_MECHANISM_PLAIN:
    case PF_NET_SASL_MECHANISM_XOAUTH2:
    case PF_NET_SASL_MECHANISM_OAUTHBEARER:
      /* RFC 4422 §5: without an initial response, the server's first
       * challenge for a client-first mechanism is empty. */
      if (length != 0)
        {
          set_malformed (self, error);
          return NULL;
        }
      if (self->mechanism == PF_NET_SASL_MECHANISM_PLAIN)
        response = plain_response (self, error);
      else if (self->mechanism == PF_NET_SASL_MECHANISM_XOAUTH2)
        response = xoauth2_response (self);
      else
        response = oauthbearer_response (self, error);
      self->state = STATE_COMPLETE;
      break;

    case PF_NET_SASL_MECHANISM_LOGIN:
      /* draft-murchison-sasl-login: the challenges should read
       * "User Name" and "Password", but servers word them as they like
       * ("Username:"); like every client, answer by position. */
      {
        const Piece pieces[] = { PIECE (self->user) };

        response = secret_bytes_new (pieces, G_N_ELEMENTS (pieces));
        self->state = STATE_LOGIN_PASSWORD;
      }
      break;

    case PF_NET_SASL_MECHANISM_CRAM_MD5:
      response = cram_md5_response (self, challenge, length, error);
      self->state = STATE_COMPLETE;
      break;

    case PF_NET_SASL_MECHANISM_NONE:
    default:
      g_assert_not_reached ();
    }

  return response;
}

/* --- OAuth error challenges ----------------------------------------------- */

/* RFC 7628 §3.2.2: when the token is refused, the server sends a JSON
 * object (RFC 8259) as a challenge, with at least "status". This reads
 * just enough JSON for that, strictly, without a JSON library. */

typedef struct
{
  const char *p;
  const char *end;
} JsonReader;

static gboolean json_skip_value (JsonReader *reader,
                                 guint       depth);

static void
json_skip_space (JsonReader *reader)
{
  while (reader->p < reader->end &&
         (*reader->p == ' ' || *reader->p == '\t' || *reader->p == '\n' || *reader->p == '\r'))
    reader->p++;
}

static gboolean
json_read_hex4 (JsonReader *reader,
                gunichar   *value)
{
  *value = 0;
  if (reader->end - reader->p < 4)
    return FALSE;

  for (guint i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (reader->p[i]);

      if (digit < 0)
        return FALSE;
      *value = (*value << 4) | (gunichar) digit;
    }
  reader->p += 4;

  return TRUE;
}

/* Reads a string (RFC 8259 §7); appends its value to @value unless NULL. */
static gboolean
json_read_string (JsonReader *reader,
                  GString    *value)
{
  if (reader->p >= reader->end || *reader->p != '"')
    return FALSE;
  reader->p++;

  while (reader->p < reader->end)
    {
      guchar c = *reader->p++;
      gunichar unit;
      gunichar low;

      if (c == '"')
        return TRUE;
      if (c < 0x20)
        return FALSE;
      if (c != '\\')
        {
          if (value != NULL)
            g_string_append_c (value, (char) c);
          continue;
        }

      if (reader->p >= reader->end)
        return FALSE;
      c = *reader->p++;
      switch (c)
        {
        case '"':
        case '\\':
        case '/':
          break;
        case 'b':
          c = '\b';
          break;
        case 'f':
          c = '\f';
          break;
        case 'n':
          c = '\n';
          break;
        case 'r':
          c = '\r';
          break;
        case 't':
          c = '\t';
          break;
        case 'u':
          if (!json_read_hex4 (reader, &unit))
            return FALSE;
          if (unit >= 0xd800 && unit < 0xdc00)
            {
              if (reader->end - reader->p < 2 || reader->p[0] != '\\' || reader->p[1] != 'u')
                return FALSE;
              reader->p += 2;
              if (!json_read_hex4 (reader, &low) || low < 0xdc00 || low >= 0xe000)
                return FALSE;
              unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
            }
          else if ((unit >= 0xdc00 && unit < 0xe000) || unit == 0)
            {
              return FALSE;
            }
          if (value != NULL)
            g_string_append_unichar (value, unit);
          continue;
        default:
          return FALSE;
        }

      if (value != NULL)
        g_string_append_c (value, (char) c);
    }

  return FALSE;
}

static gboolean
json_read_number (JsonReader *reader,
                  GString    *value)
{
  const char *start = reader->p;

  if (reader->p < reader->end && *reader->p == '-')
    reader->p++;
  if (reader->p >= reader->end || !g_ascii_isdigit (*reader->p))
    return FALSE;
  while (reader->p < reader->end &&
         (g_ascii_isdigit (*reader->p) || strchr (".eE+-", *reader->p) != NULL))
    reader->p++;

  if (value != NULL)
    g_string_append_len (value, start, reader->p - start);

  return TRUE;
}

static gboolean
json_read_literal (JsonReader *reader,
                   const char *literal)
{
  gsize length = strlen (literal);

  if ((gsize) (reader->end - reader->p) < length || memcmp (reader->p, literal, length) != 0)
    return FALSE;
  reader->p += length;

  return TRUE;
}

/* Reads an object; with @status, the top-level one, keeps the value of its
 * "status" member (a string, or Google's number as text). */
static gboolean
json_read_object (JsonReader  *reader,
                  guint        depth,
                  GString    **status)
{
  if (depth > JSON_MAX_DEPTH || reader->p >= reader->end || *reader->p != '{')
    return FALSE;
  reader->p++;

  json_skip_space (reader);
  if (reader->p < reader->end && *reader->p == '}')
    {
      reader->p++;
      return TRUE;
    }

  for (;;)
    {
      g_autoptr(GString) key = g_string_new (NULL);

      json_skip_space (reader);
      if (!json_read_string (reader, key))
        return FALSE;
      json_skip_space (reader);
      if (reader->p >= reader->end || *reader->p != ':')
        return FALSE;
      reader->p++;
      json_skip_space (reader);

      if (status != NULL && strcmp (key->str, "status") == 0 && reader->p < reader->end)
        {
          g_autoptr(GString) value = g_string_new (NULL);

          if (*status != NULL)
            return FALSE;   /* twice: which one would the server mean? */
          if (*reader->p == '"')
            {
              if (!json_read_string (reader, value))
                return FALSE;
            }
          else if (!json_read_number (reader, value))
            {
              return FALSE;
            }
          *status = g_steal_pointer (&value);
        }
      else if (!json_skip_value (reader, depth))
        {
          return FALSE;
        }

      json_skip_space (reader);
      if (reader->p >= reader->end)
        return FALSE;
      if (*reader->p == '}')
        {
          reader->p++;
          return TRUE;
        }
      if (*reader->p != ',')
        return FALSE;
      reader->p++;
    }
}

static gboolean
json_read_array (JsonReader *reader,
                 guint       depth)
{
  if (depth > JSON_MAX_DEPTH)
    return FALSE;
  reader->p++;   /* '[' */

  json_skip_space (reader);
  if (reader->p < reader->end && *reader->p == ']')
    {
      reader->p++;
      return TRUE;
    }

  for (;;)
    {
      if (!json_skip_value (reader, depth))
        return FALSE;
      json_skip_space (reader);
      if (reader->p >= reader->end)
        return FALSE;
      if (*reader->p == ']')
        {
          reader->p++;
          return TRUE;
        }
      if (*reader->p != ',')
        return FALSE;
      reader->p++;
    }
}

static gboolean
json_skip_value (JsonReader *reader,
                 guint       depth)
{
  json_skip_space (reader);
  if (reader->p >= reader->end)
    return FALSE;

  switch (*reader->p)
    {
    case '"':
      return json_read_string (reader, NULL);
    case '{':
      return json_read_object (reader, depth + 1, NULL);
    case '[':
      return json_read_array (reader, depth + 1);
    case 't':
      return json_read_literal (reader, "true");
    case 'f':
      return json_read_literal (reader, "false");
    case 'n':
      return json_read_literal (reader, "null");
    default:
      return json_read_number (reader, NULL);
    }
}

/* Returns the "status" of an error challenge, or %NULL if it is not a
 * JSON object with a short, printable status. */
static char *
parse_error_challenge (const guint8 *data,
                       gsize         length)
{
  JsonReader reader = { (const char *) data, (const char *) data + length };
  g_autoptr(GString) status = NULL;

  /* RFC 8259 §8.1: UTF-8; this also refuses NUL. */
  if (length == 0 || !g_utf8_validate_len ((const char *) data, length, NULL))
    return NULL;

  json_skip_space (&reader);
  if (!json_read_object (&reader, 0, &status))
    return NULL;
  json_skip_space (&reader);
  if (reader.p != reader.end || status == NULL)
    return NULL;

  if (status->len == 0 || status->len > STATUS_MAX_LENGTH)
    return NULL;
  for (gsize i = 0; i < status->len; i++)
    if ((guchar) status->str[i] < 0x20 || (guchar) status->str[i] >= 0x7f)
      return NULL;

  return g_string_free (g_steal_pointer (&status), FALSE);
}

/* A challenge after the last response. For XOAUTH2 and OAUTHBEARER that is
 * how the server refuses a token; the client must still answer, and the
 * server then fails the command (RFC 7628 §3.2.3). */
static GBytes *
step_after_complete (PfNetSasl     *self,
                     const guint8  *challenge,
                     gsize          length,
                     GError       **error)
{
  char *status;

  if (!is_oauth (self->mechanism))
    {
      set_unexpected (self, error);
      return NULL;
    }

  status = parse_error_challenge (challenge, length);
  if (status == NULL)
    {
      set_malformed (self, error);
      return NULL;
    }

  g_debug ("The server refused the %s token: status “%s”",
           pf_net_sasl_mechanism_to_string (self->mechanism), status);
  self->server_status = status;
  self->server_error = g_bytes_new (challenge, length);
  self->state = STATE_REJECTED;

  /* RFC 7628 §3.2.3: OAUTHBEARER answers with a single ^A. Google's
   * XOAUTH2 description asks for an empty response instead. */
  if (self->mechanism == PF_NET_SASL_MECHANISM_OAUTHBEARER)
    return g_bytes_new_static ("\001", 1);
  else
    return g_bytes_new_static ("", 0);
}

/**
 * pf_net_sasl_step:
 * @self: a #PfNetSasl
 * @challenge: (nullable): the server's challenge, base64-decoded; %NULL
 *   or empty for none (the initial response, or an empty challenge)
 * @error: return location for an error
 *
 * Computes the response to the server's next challenge. The first call
 * gives the initial response (with %NULL, see
 * pf_net_sasl_has_initial_response()) or the answer to the first
 * challenge; after pf_net_sasl_is_complete() the server should only reply
 * with success or failure.
 *
 * Except: when XOAUTH2 or OAUTHBEARER refuse the token, the server sends a
 * JSON error as a challenge (RFC 7628 §3.2.2). The response then is the
 * dummy the server waits for (^A, RFC 7628 §3.2.3; empty for XOAUTH2), and
 * pf_net_sasl_get_server_status() tells why, e.g. "invalid_token" (get a
 * new token and try again) or Google's "401". The server's final reply is
 * a failure all the same.
 *
 * On error the caller cancels the exchange ("*" in IMAP, POP3 and SMTP,
 * RFC 4422 §3.5) and must not step again.
 *
 * Returns: (transfer full): the response, raw; the caller base64-encodes
 *   it. It may hold the password, and is wiped when freed. %NULL with
 *   %PF_NET_ERROR_PROTOCOL on a malformed challenge (CRAM-MD5 without
 *   one, or with NUL; a non-empty first challenge for PLAIN, XOAUTH2 or
 *   OAUTHBEARER; an OAuth error that is not a JSON object with a
 *   "status"), on a challenge after the last response, or if the
 *   authorization identity or host cannot be sent.
 */
GBytes *
pf_net_sasl_step (PfNetSasl  *self,
                  GBytes     *challenge,
                  GError    **error)
{
  GBytes *response = NULL;
  const guint8 *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (PF_IS_NET_SASL (self), NULL);
  g_return_val_if_fail (self->state != STATE_FAILED, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (challenge != NULL)
    data = g_bytes_get_data (challenge, &length);

  switch (self->state)
    {
    case STATE_START:
      response = step_first (self, data, length, error);
      break;

    case STATE_LOGIN_PASSWORD:
      {
        const Piece pieces[] = { { self->secret, self->secret_length } };

        response = secret_bytes_new (pieces, G_N_ELEMENTS (pieces));
        self->state = STATE_COMPLETE;
      }
      break;

    case STATE_COMPLETE:
      response = step_after_complete (self, data, length, error);
      break;

    case STATE_REJECTED:
      set_unexpected (self, error);
      break;

    case STATE_FAILED:
    default:
      g_assert_not_reached ();
    }

  if (response == NULL)
    self->state = STATE_FAILED;

  /* Nothing after the last response needs the secret. */
  if (self->state != STATE_START && self->state != STATE_LOGIN_PASSWORD)
    forget_secret (self);

  return response;
}

/**
 * pf_net_sasl_is_complete:
 * @self: a #PfNetSasl
 *
 * Returns: %TRUE once the client has sent its last response, including the
 *   answer to an OAuth error challenge: the server's next reply must be
 *   its verdict. A server that claims success before this has skipped a
 *   step; that is a protocol violation.
 */
gboolean
pf_net_sasl_is_complete (PfNetSasl *self)
{
  g_return_val_if_fail (PF_IS_NET_SASL (self), FALSE);

  return self->state == STATE_COMPLETE || self->state == STATE_REJECTED;
}

/**
 * pf_net_sasl_get_server_status:
 * @self: a #PfNetSasl
 *
 * Returns: (transfer none) (nullable): the "status" of the server's OAuth
 *   error challenge (RFC 7628 §3.2.2: "invalid_token",
 *   "insufficient_scope", …; Google: an HTTP status such as "401"), printable
 *   ASCII; %NULL if the server sent none
 */
const char *
pf_net_sasl_get_server_status (PfNetSasl *self)
{
  g_return_val_if_fail (PF_IS_NET_SASL (self), NULL);

  return self->server_status;
}

/**
 * pf_net_sasl_get_server_error:
 * @self: a #PfNetSasl
 *
 * Returns: (transfer none) (nullable): the whole decoded OAuth error
 *   challenge, a JSON object that may also name the "scope" and an
 *   "openid-configuration" URL (RFC 7628 §3.2.2); %NULL if there was none
 */
GBytes *
pf_net_sasl_get_server_error (PfNetSasl *self)
{
  g_return_val_if_fail (PF_IS_NET_SASL (self), NULL);

  return self->server_error;
}
