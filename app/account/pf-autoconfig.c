/* pf-autoconfig.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-autoconfig"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pf-autoconfig.h"

/*
 * A mail provider's configuration, and the parser of Thunderbird's
 * clientConfig v1.1 format (the ISPDB, autoconfig.<domain>, .well-known),
 * documented at https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat
 * and in draft-ietf-mailmaint-autoconfig.
 *
 * The documents come from the network, so the parser assumes the worst:
 * a size limit before anything is read, caps on servers, domains, nesting
 * and text lengths, and a check of every value it keeps. GMarkup expands no
 * entities besides the five predefined ones and character references, so
 * an "entity expansion" bomb cannot grow the input.
 *
 * This file needs GLib only (PfServerSettings is reached only by
 * pf_autoconfig_server_apply(), in pf-autoconfig-settings.c), so the fuzz
 * target builds it alone.
 */

/* Not one real document comes near these. */
#define MAX_ELEMENT_DEPTH 32
#define MAX_SERVER_ELEMENTS 32
#define MAX_DOMAIN_ELEMENTS 256
#define MAX_VALUE_LENGTH 1024
#define MAX_HOST_LENGTH 253

G_DEFINE_QUARK (pf-autoconfig-error-quark, pf_autoconfig_error)

/**
 * pf_autoconfig_server_new:
 * @protocol: the server's protocol
 *
 * Returns: (transfer full): an empty server: no host, port 0, implicit TLS,
 *   %PF_AUTH_METHOD_AUTO, no username
 */
PfAutoconfigServer *
pf_autoconfig_server_new (PfServerProtocol protocol)
{
  PfAutoconfigServer *server = g_new0 (PfAutoconfigServer, 1);

  server->protocol = protocol;
  server->security = PF_SECURITY_TLS;
  server->auth_method = PF_AUTH_METHOD_AUTO;

  return server;
}

/**
 * pf_autoconfig_server_copy:
 * @server: a #PfAutoconfigServer
 *
 * Returns: (transfer full): a deep copy of @server
 */
PfAutoconfigServer *
pf_autoconfig_server_copy (const PfAutoconfigServer *server)
{
  PfAutoconfigServer *copy;

  g_return_val_if_fail (server != NULL, NULL);

  copy = g_new0 (PfAutoconfigServer, 1);
  *copy = *server;
  copy->host = g_strdup (server->host);
  copy->username = g_strdup (server->username);

  return copy;
}

/**
 * pf_autoconfig_server_free:
 * @server: (nullable): a #PfAutoconfigServer
 *
 * Frees @server and its strings.
 */
void
pf_autoconfig_server_free (PfAutoconfigServer *server)
{
  if (server == NULL)
    return;

  g_free (server->host);
  g_free (server->username);
  g_free (server);
}

/**
 * pf_autoconfig_server_get_username_form:
 * @server: a #PfAutoconfigServer
 *
 * Returns: %PF_USERNAME_FORM_ADDRESS when the username template is exactly
 *   `%EMAILADDRESS%`, %PF_USERNAME_FORM_LOCAL_PART when it is exactly
 *   `%EMAILLOCALPART%`, %PF_USERNAME_FORM_UNKNOWN when there is none, and
 *   %PF_USERNAME_FORM_OTHER for anything else
 */
PfUsernameForm
pf_autoconfig_server_get_username_form (const PfAutoconfigServer *server)
{
  g_return_val_if_fail (server != NULL, PF_USERNAME_FORM_UNKNOWN);

  if (server->username == NULL)
    return PF_USERNAME_FORM_UNKNOWN;
  if (strcmp (server->username, "%EMAILADDRESS%") == 0)
    return PF_USERNAME_FORM_ADDRESS;
  if (strcmp (server->username, "%EMAILLOCALPART%") == 0)
    return PF_USERNAME_FORM_LOCAL_PART;

  return PF_USERNAME_FORM_OTHER;
}

/**
 * pf_autoconfig_split_address:
 * @address: an email address
 * @out_local_part: (out) (optional) (transfer full): the part before the
 *   last @
 * @out_domain: (out) (optional) (transfer full): the part after it, ASCII
 *   letters lower-cased; an internationalised domain stays in Unicode
 *
 * Splits local@domain. White space around @address is ignored; inside it,
 * white space, control characters and invalid UTF-8 are not allowed, and
 * both parts must be non-empty. The domain must not hold a second @. The
 * local part is kept as typed: some servers tell its case apart.
 *
 * Returns: %TRUE if @address is of the form local@domain; the out
 *   arguments are set only then
 */
gboolean
pf_autoconfig_split_address (const char  *address,
                             char       **out_local_part,
                             char       **out_domain)
{
  g_autofree char *copy = NULL;
  const char *at;
  const char *domain;

  g_return_val_if_fail (address != NULL, FALSE);

  if (!g_utf8_validate (address, -1, NULL))
    return FALSE;

  copy = g_strstrip (g_strdup (address));
  for (const char *p = copy; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
        return FALSE;
    }

  at = strrchr (copy, '@');
  if (at == NULL || at == copy || at[1] == '\0')
    return FALSE;

  domain = at + 1;
  if (*domain == '.' || strstr (domain, "..") != NULL)
    return FALSE;

  if (out_local_part != NULL)
    *out_local_part = g_strndup (copy, at - copy);
  if (out_domain != NULL)
    *out_domain = g_ascii_strdown (domain, -1);

  return TRUE;
}

/* Replaces each of the three placeholders in @template; anything else,
 * including an unknown %WORD%, is copied as it is. */
static char *
expand_template (const char *template,
                 const char *address,
                 const char *local_part,
                 const char *domain)
{
  static const struct {
    const char *placeholder;
    gsize length;
  } placeholders[] = {
    { "%EMAILADDRESS%", sizeof "%EMAILADDRESS%" - 1 },
    { "%EMAILLOCALPART%", sizeof "%EMAILLOCALPART%" - 1 },
    { "%EMAILDOMAIN%", sizeof "%EMAILDOMAIN%" - 1 },
  };
  const char *values[G_N_ELEMENTS (placeholders)] = { address, local_part, domain };
  GString *result = g_string_new (NULL);
  const char *p = template;

  while (*p != '\0')
    {
      gboolean replaced = FALSE;

      if (*p == '%')
        {
          for (guint i = 0; i < G_N_ELEMENTS (placeholders); i++)
            {
              if (strncmp (p, placeholders[i].placeholder, placeholders[i].length) == 0)
                {
                  g_string_append (result, values[i]);
                  p += placeholders[i].length;
                  replaced = TRUE;
                  break;
                }
            }
        }

      if (!replaced)
        g_string_append_c (result, *p++);
    }

  return g_string_free (result, FALSE);
}

/**
 * pf_autoconfig_expand_template:
 * @template: a username or host name template
 * @address: the email address, local@domain
 *
 * Replaces `%EMAILADDRESS%` with @address, `%EMAILLOCALPART%` with its local
 * part and `%EMAILDOMAIN%` with its domain (as pf_autoconfig_split_address()
 * gives them). Other text, unknown placeholders included, stays as it is.
 *
 * Returns: (transfer full) (nullable): the expanded text, or %NULL if
 *   @address is not local@domain
 */
char *
pf_autoconfig_expand_template (const char *template,
                               const char *address)
{
  g_autofree char *local_part = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *full = NULL;

  g_return_val_if_fail (template != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  if (!pf_autoconfig_split_address (address, &local_part, &domain))
    return NULL;

  full = g_strconcat (local_part, "@", domain, NULL);
  return expand_template (template, full, local_part, domain);
}

/**
 * pf_autoconfig_server_expand_username:
 * @server: a #PfAutoconfigServer
 * @address: the user's email address
 *
 * Expands the username template with @address, see
 * pf_autoconfig_expand_template(). `%EMAILADDRESS%` becomes the address
 * with its domain lower-cased.
 *
 * Returns: (transfer full) (nullable): the username, or %NULL when the
 *   server has no username template (%PF_USERNAME_FORM_UNKNOWN) or
 *   @address is not local@domain
 */
char *
pf_autoconfig_server_expand_username (const PfAutoconfigServer *server,
                                      const char               *address)
{
  g_return_val_if_fail (server != NULL, NULL);
  g_return_val_if_fail (address != NULL, NULL);

  if (server->username == NULL)
    return NULL;

  return pf_autoconfig_expand_template (server->username, address);
}

/**
 * pf_autoconfig_new:
 * @source: where the configuration comes from
 *
 * Returns: (transfer full): an empty configuration, no domains, no servers
 */
PfAutoconfig *
pf_autoconfig_new (PfAutoconfigSource source)
{
  PfAutoconfig *self = g_new0 (PfAutoconfig, 1);

  self->source = source;
  self->domains = g_new0 (char *, 1);
  self->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_autoconfig_server_free);
  self->outgoing = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_autoconfig_server_free);

  return self;
}

static GPtrArray *
copy_servers (GPtrArray *servers)
{
  GPtrArray *copy = g_ptr_array_new_full (servers->len,
                                          (GDestroyNotify) pf_autoconfig_server_free);

  for (guint i = 0; i < servers->len; i++)
    g_ptr_array_add (copy, pf_autoconfig_server_copy (g_ptr_array_index (servers, i)));

  return copy;
}

/**
 * pf_autoconfig_copy:
 * @self: a #PfAutoconfig
 *
 * Returns: (transfer full): a deep copy of @self
 */
PfAutoconfig *
pf_autoconfig_copy (const PfAutoconfig *self)
{
  PfAutoconfig *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (PfAutoconfig, 1);
  copy->source = self->source;
  copy->provider_id = g_strdup (self->provider_id);
  copy->display_name = g_strdup (self->display_name);
  copy->domains = self->domains != NULL ? g_strdupv (self->domains) : g_new0 (char *, 1);
  copy->incoming = copy_servers (self->incoming);
  copy->outgoing = copy_servers (self->outgoing);

  return copy;
}

/**
 * pf_autoconfig_free:
 * @self: (nullable): a #PfAutoconfig
 *
 * Frees @self, its strings and its servers.
 */
void
pf_autoconfig_free (PfAutoconfig *self)
{
  if (self == NULL)
    return;

  g_free (self->provider_id);
  g_free (self->display_name);
  g_strfreev (self->domains);
  g_clear_pointer (&self->incoming, g_ptr_array_unref);
  g_clear_pointer (&self->outgoing, g_ptr_array_unref);
  g_free (self);
}

/**
 * pf_autoconfig_get_incoming:
 * @self: a #PfAutoconfig
 * @protocol: %PF_SERVER_PROTOCOL_IMAP or %PF_SERVER_PROTOCOL_POP3
 *
 * Returns: (transfer none) (nullable): the provider's preferred incoming
 *   server of @protocol, or %NULL if it names none
 */
const PfAutoconfigServer *
pf_autoconfig_get_incoming (const PfAutoconfig *self,
                            PfServerProtocol    protocol)
{
  g_return_val_if_fail (self != NULL, NULL);

  for (guint i = 0; i < self->incoming->len; i++)
    {
      const PfAutoconfigServer *server = g_ptr_array_index (self->incoming, i);

      if (server->protocol == protocol)
        return server;
    }

  return NULL;
}

/**
 * pf_autoconfig_get_outgoing:
 * @self: a #PfAutoconfig
 *
 * Returns: (transfer none) (nullable): the provider's preferred SMTP
 *   server, or %NULL if it names none
 */
const PfAutoconfigServer *
pf_autoconfig_get_outgoing (const PfAutoconfig *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->outgoing->len == 0)
    return NULL;

  return g_ptr_array_index (self->outgoing, 0);
}

/**
 * pf_autoconfig_is_valid_host:
 * @host: a host name from a configuration document
 *
 * Whether @host can be a host name once `%EMAILDOMAIN%` is replaced: an IP
 * address, or labels of letters, digits, hyphens and underscores (or
 * Unicode letters of an internationalised name) separated by single dots,
 * at most 253 characters in ASCII form. `%EMAILDOMAIN%` is the only
 * placeholder allowed.
 *
 * Returns: %TRUE if @host is acceptable
 */
gboolean
pf_autoconfig_is_valid_host (const char *host)
{
  g_autofree char *expanded = NULL;
  g_autofree char *ascii = NULL;

  g_return_val_if_fail (host != NULL, FALSE);

  if (*host == '\0' || !g_utf8_validate (host, -1, NULL))
    return FALSE;

  /* A stand-in that is a valid domain itself; the other placeholders
   * leave a '%', which no host name has. */
  expanded = expand_template (host, "%", "%", "example.org");
  if (strchr (expanded, '%') != NULL)
    return FALSE;

  if (g_hostname_is_ip_address (expanded))
    return TRUE;

  for (const char *p = expanded; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p) ||
          ((guchar) *p < 0x80 && !g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_'))
        return FALSE;
    }

  ascii = g_hostname_to_ascii (expanded);
  if (ascii == NULL || *ascii == '\0' || *ascii == '.' || strstr (ascii, "..") != NULL ||
      strlen (ascii) > MAX_HOST_LENGTH)
    return FALSE;

  for (const char *p = ascii; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_')
        return FALSE;
    }

  return TRUE;
}

/* The parser */

typedef enum
{
  FIELD_NONE,
  FIELD_DOMAIN,
  FIELD_DISPLAY_NAME,
  FIELD_HOSTNAME,
  FIELD_PORT,
  FIELD_SOCKET_TYPE,
  FIELD_USERNAME,
  FIELD_AUTHENTICATION,
} Field;

/* The authentication methods a server lists, as bits. */
enum
{
  AUTH_PASSWORD = 1 << 0,
  AUTH_OAUTH2 = 1 << 1,
  AUTH_NONE = 1 << 2,
  AUTH_UNSUPPORTED = 1 << 3,
};

typedef struct
{
  PfAutoconfig       *config;
  GPtrArray          *domains;

  /* The server being read, NULL outside one or inside one of a type
   * Postfach does not speak */
  PfAutoconfigServer *server;
  char               *port;
  char               *socket_type;
  guint               auth_flags;
  gboolean            incoming;
  gboolean            bad_value;

  GString            *text;
  Field               field;
  guint               field_depth;
  gboolean            field_too_long;

  guint               depth;
  guint               provider_depth;   /* 0: not inside <emailProvider> */
  guint               server_depth;     /* 0: not inside a server element */
  guint               n_server_elements;
  guint               n_domain_elements;
  gboolean            seen_root;
  gboolean            seen_provider;
} ParseState;

static void
parse_state_clear_server (ParseState *state)
{
  g_clear_pointer (&state->server, pf_autoconfig_server_free);
  g_clear_pointer (&state->port, g_free);
  g_clear_pointer (&state->socket_type, g_free);
  state->auth_flags = 0;
  state->bad_value = FALSE;
}

static const char *
find_attribute (const char **names,
                const char **values,
                const char  *name)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (strcmp (names[i], name) == 0)
        return values[i];
    }

  return NULL;
}

/* Control characters have no place in a name, and a CR LF in a username
 * would end a protocol line. */
static gboolean
has_control_characters (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_iscntrl (g_utf8_get_char (p)))
        return TRUE;
    }

  return FALSE;
}

static void
begin_field (ParseState *state,
             Field       field)
{
  state->field = field;
  state->field_depth = state->depth;
  state->field_too_long = FALSE;
  g_string_truncate (state->text, 0);
}

static void
on_start_element (GMarkupParseContext  *context,
                  const char           *name,
                  const char          **attribute_names,
                  const char          **attribute_values,
                  gpointer              user_data,
                  GError              **error)
{
  ParseState *state = user_data;

  state->depth++;
  if (state->depth > MAX_ELEMENT_DEPTH)
    {
      g_set_error (error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_INVALID,
                   _("The configuration document is nested too deeply."));
      return;
    }

  /* Any element inside a value is not part of it. */
  if (state->field != FIELD_NONE)
    return;

  if (state->depth == 1)
    {
      state->seen_root = TRUE;
      if (strcmp (name, "clientConfig") != 0)
        g_set_error (error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_INVALID,
                     _("The document is not a mail client configuration "
                       "(its root element is “%s”)."),
                     name);
      return;
    }

  if (state->depth == 2)
    {
      /* Only the first provider counts; the format has one per document. */
      if (strcmp (name, "emailProvider") == 0 && !state->seen_provider)
        {
          const char *id = find_attribute (attribute_names, attribute_values, "id");

          state->seen_provider = TRUE;
          state->provider_depth = state->depth;
          if (id != NULL && strlen (id) <= MAX_VALUE_LENGTH && !has_control_characters (id))
            state->config->provider_id = g_strstrip (g_strdup (id));
          if (state->config->provider_id != NULL && *state->config->provider_id == '\0')
            g_clear_pointer (&state->config->provider_id, g_free);
        }
      return;
    }

  if (state->provider_depth == 0)
    return;

  if (state->depth == state->provider_depth + 1)
    {
      gboolean incoming = strcmp (name, "incomingServer") == 0;
      gboolean outgoing = strcmp (name, "outgoingServer") == 0;

      if (incoming || outgoing)
        {
          const char *type = find_attribute (attribute_names, attribute_values, "type");

          if (++state->n_server_elements > MAX_SERVER_ELEMENTS)
            {
              g_set_error (error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_INVALID,
                           _("The configuration document names too many servers."));
              return;
            }

          state->server_depth = state->depth;
          state->incoming = incoming;
          parse_state_clear_server (state);

          /* Other types (exchange, ews, jmap…) are skipped whole. */
          if (type == NULL)
            return;
          if (incoming && strcmp (type, "imap") == 0)
            state->server = pf_autoconfig_server_new (PF_SERVER_PROTOCOL_IMAP);
          else if (incoming && strcmp (type, "pop3") == 0)
            state->server = pf_autoconfig_server_new (PF_SERVER_PROTOCOL_POP3);
          else if (outgoing && strcmp (type, "smtp") == 0)
            state->server = pf_autoconfig_server_new (PF_SERVER_PROTOCOL_SMTP);
        }
      else if (strcmp (name, "domain") == 0)
        {
          if (++state->n_domain_elements > MAX_DOMAIN_ELEMENTS)
            {
              g_set_error (error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_INVALID,
                           _("The configuration document names too many domains."));
              return;
            }
          begin_field (state, FIELD_DOMAIN);
        }
      else if (strcmp (name, "displayName") == 0)
        begin_field (state, FIELD_DISPLAY_NAME);
      return;
    }

  if (state->server != NULL && state->depth == state->server_depth + 1)
    {
      if (strcmp (name, "hostname") == 0)
        begin_field (state, FIELD_HOSTNAME);
      else if (strcmp (name, "port") == 0)
        begin_field (state, FIELD_PORT);
      else if (strcmp (name, "socketType") == 0)
        begin_field (state, FIELD_SOCKET_TYPE);
      else if (strcmp (name, "username") == 0)
        begin_field (state, FIELD_USERNAME);
      else if (strcmp (name, "authentication") == 0)
        begin_field (state, FIELD_AUTHENTICATION);
    }
}

static void
on_text (GMarkupParseContext  *context,
         const char           *text,
         gsize                 text_len,
         gpointer              user_data,
         GError              **error)
{
  ParseState *state = user_data;

  /* Only the value's own text, not that of elements inside it. */
  if (state->field == FIELD_NONE || state->depth != state->field_depth)
    return;

  if (state->field_too_long || state->text->len + text_len > MAX_VALUE_LENGTH)
    {
      /* Its end tag drops it. */
      g_string_truncate (state->text, 0);
      state->field_too_long = TRUE;
      return;
    }

  g_string_append_len (state->text, text, text_len);
}

/* Sets *@field to @value unless an earlier element set it already: the
 * first one counts. */
static void
take_first (char       **field,
            const char  *value)
{
  if (*field == NULL)
    *field = g_strdup (value);
}

static guint
parse_authentication (const char *value)
{
  /* Thunderbird's names; "plain" and "secure" are their old spellings. */
  if (strcmp (value, "password-cleartext") == 0 || strcmp (value, "plain") == 0 ||
      strcmp (value, "password-encrypted") == 0 || strcmp (value, "secure") == 0)
    return AUTH_PASSWORD;
  if (strcmp (value, "OAuth2") == 0)
    return AUTH_OAUTH2;
  if (strcmp (value, "none") == 0)
    return AUTH_NONE;

  /* NTLM, GSSAPI, client-IP-address, TLS-client-cert, smtp-after-pop… */
  return AUTH_UNSUPPORTED;
}

static void
end_field (ParseState *state)
{
  gboolean too_long = state->field_too_long;
  g_autofree char *value = NULL;

  value = g_strstrip (g_strdup (state->text->str));
  g_string_truncate (state->text, 0);

  switch (state->field)
    {
    case FIELD_DOMAIN:
      {
        g_autofree char *domain = g_ascii_strdown (value, -1);

        if (!too_long && strchr (domain, '%') == NULL && pf_autoconfig_is_valid_host (domain) &&
            !g_ptr_array_find_with_equal_func (state->domains, domain, g_str_equal, NULL))
          g_ptr_array_add (state->domains, g_steal_pointer (&domain));
      }
      break;

    case FIELD_DISPLAY_NAME:
      if (!too_long && *value != '\0' && !has_control_characters (value))
        take_first (&state->config->display_name, value);
      break;

    case FIELD_HOSTNAME:
      if (too_long || !pf_autoconfig_is_valid_host (value))
        state->bad_value = TRUE;
      else
        take_first (&state->server->host, value);
      break;

    case FIELD_PORT:
      if (too_long)
        state->bad_value = TRUE;
      else
        take_first (&state->port, value);
      break;

    case FIELD_SOCKET_TYPE:
      if (too_long)
        state->bad_value = TRUE;
      else
        take_first (&state->socket_type, value);
      break;

    case FIELD_USERNAME:
      /* An empty username leaves the form unknown. */
      if (too_long || has_control_characters (value))
        state->bad_value = TRUE;
      else if (*value != '\0')
        take_first (&state->server->username, value);
      break;

    case FIELD_AUTHENTICATION:
      state->auth_flags |= too_long ? AUTH_UNSUPPORTED : parse_authentication (value);
      break;

    case FIELD_NONE:
    default:
      g_assert_not_reached ();
    }

  state->field = FIELD_NONE;
}

/* Parses a port: decimal digits only, 1–65535. */
static guint16
parse_port (const char *text)
{
  guint64 port = 0;

  if (text == NULL ||
      !g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT16, &port, NULL))
    return 0;

  /* g_ascii_string_to_unsigned() takes a leading '+'. */
  if (!g_ascii_isdigit (*text))
    return 0;

  return (guint16) port;
}

/* Completes the server being read: kept if Postfach can use it. */
static void
end_server (ParseState *state)
{
  PfAutoconfigServer *server = state->server;
  guint16 port;

  if (server == NULL || state->bad_value || server->host == NULL)
    return;

  port = parse_port (state->port);
  if (port == 0)
    return;
  server->port = port;

  if (state->socket_type == NULL)
    return;
  if (g_ascii_strcasecmp (state->socket_type, "SSL") == 0)
    server->security = PF_SECURITY_TLS;
  else if (g_ascii_strcasecmp (state->socket_type, "STARTTLS") == 0)
    server->security = PF_SECURITY_STARTTLS;
  else if (g_ascii_strcasecmp (state->socket_type, "plain") == 0)
    server->security = PF_SECURITY_NONE;
  else
    return;

  /* A password wherever the provider takes one (also when it prefers
   * OAuth2, as Google and Yahoo do: app passwords work); OAuth2 only when
   * it is the one way in. No <authentication> says nothing: the best
   * password mechanism the server offers. "none" is fine for sending (a
   * relay that knows its users by their address) but no way to read mail. */
  if (state->auth_flags & AUTH_PASSWORD)
    server->auth_method = PF_AUTH_METHOD_PASSWORD;
  else if (state->auth_flags & AUTH_OAUTH2)
    server->auth_method = PF_AUTH_METHOD_OAUTH2;
  else if (state->auth_flags == 0 || (!state->incoming && (state->auth_flags & AUTH_NONE)))
    server->auth_method = PF_AUTH_METHOD_AUTO;
  else
    return;

  g_ptr_array_add (state->incoming ? state->config->incoming : state->config->outgoing,
                   g_steal_pointer (&state->server));
}

static void
on_end_element (GMarkupParseContext  *context,
                const char           *name,
                gpointer              user_data,
                GError              **error)
{
  ParseState *state = user_data;

  /* GMarkup checks that tags pair up: the end tag at a value's depth is
   * its own. */
  if (state->field != FIELD_NONE && state->depth == state->field_depth)
    end_field (state);
  else if (state->server_depth != 0 && state->depth == state->server_depth)
    {
      end_server (state);
      parse_state_clear_server (state);
      state->server_depth = 0;
    }
  else if (state->provider_depth != 0 && state->depth == state->provider_depth)
    state->provider_depth = 0;

  state->depth--;
}

static const GMarkupParser parser = {
  .start_element = on_start_element,
  .end_element = on_end_element,
  .text = on_text,
};

/**
 * pf_autoconfig_parse:
 * @text: a clientConfig document (Thunderbird autoconfig format, v1.1)
 * @length: the length of @text in bytes, or -1 if it ends with a NUL
 * @source: where it came from, kept in the result
 * @error: return location for a #PF_AUTOCONFIG_ERROR
 *
 * Reads the first `<emailProvider>`: its id, `<domain>`s (lower-cased,
 * duplicates and invalid ones dropped), `<displayName>`, and each
 * `<incomingServer>` of type imap or pop3 and `<outgoingServer>` of type
 * smtp, in the order of the document, which is the provider's preference.
 * Anything else (other server types such as exchange, `<documentation>`,
 * `<webMail>`, `<oAuth2>`, unknown elements) is skipped.
 *
 * A server is kept only when it has a valid hostname (see
 * pf_autoconfig_is_valid_host(); a `%EMAILDOMAIN%` in it is kept and
 * replaced by pf_autoconfig_server_apply()), a port of 1–65535 and a
 * socketType of SSL (%PF_SECURITY_TLS), STARTTLS (%PF_SECURITY_STARTTLS)
 * or plain (%PF_SECURITY_NONE), and no control characters in its
 * username. Of its `<authentication>`s, any password
 * method (password-cleartext, plain, password-encrypted, secure) gives
 * %PF_AUTH_METHOD_PASSWORD, also when OAuth2 is listed before it; OAuth2
 * alone gives %PF_AUTH_METHOD_OAUTH2; none listed gives
 * %PF_AUTH_METHOD_AUTO, and so does "none" for an SMTP server. A server
 * listing only methods Postfach cannot use (NTLM, GSSAPI,
 * client-IP-address, TLS-client-cert, "none" for an incoming server) is
 * dropped. The username template is kept as written.
 *
 * Hostile input is refused: over %PF_AUTOCONFIG_MAX_SIZE bytes, invalid
 * UTF-8, malformed XML, a root other than `<clientConfig>`, more than 32
 * server elements or 256 domains, nesting deeper than 32 levels. Values
 * over 1024 bytes are dropped (and with them their server), as are a
 * provider id or display name with control characters.
 *
 * Returns: (transfer full): the configuration, with at least one incoming
 *   and one outgoing server, or %NULL with @error set:
 *   %PF_AUTOCONFIG_ERROR_INVALID for a document that cannot be read,
 *   %PF_AUTOCONFIG_ERROR_NO_SERVERS when it names no usable incoming or
 *   no usable outgoing server
 */
PfAutoconfig *
pf_autoconfig_parse (const char          *text,
                     gssize               length,
                     PfAutoconfigSource   source,
                     GError             **error)
{
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(PfAutoconfig) config = NULL;
  g_autoptr(GPtrArray) domains = NULL;
  g_autoptr(GError) local_error = NULL;
  ParseState state = { 0 };
  gsize size;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  size = length < 0 ? strnlen (text, PF_AUTOCONFIG_MAX_SIZE + 1) : (gsize) length;
  if (size > PF_AUTOCONFIG_MAX_SIZE)
    {
      g_set_error (error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_INVALID,
                   _("The configuration document is too large."));
      return NULL;
    }

  if (!g_utf8_validate_len (text, size, NULL))
    {
      g_set_error (error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_INVALID,
                   _("The configuration document is not valid UTF-8 text."));
      return NULL;
    }

  config = pf_autoconfig_new (source);
  domains = g_ptr_array_new_with_free_func (g_free);
  state.config = config;
  state.domains = domains;
  state.text = g_string_new (NULL);

  context = g_markup_parse_context_new (&parser, G_MARKUP_TREAT_CDATA_AS_TEXT, &state, NULL);
  if (!g_markup_parse_context_parse (context, text, size, &local_error) ||
      !g_markup_parse_context_end_parse (context, &local_error))
    {
      parse_state_clear_server (&state);
      g_string_free (state.text, TRUE);

      if (local_error->domain == PF_AUTOCONFIG_ERROR)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        {
          /* GMarkup may quote half a character of the input. */
          g_autofree char *reason = g_utf8_make_valid (local_error->message, -1);

          g_set_error (error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_INVALID,
                       /* Translators: the placeholder is the XML parser's error */
                       _("The configuration document is not well-formed: %s"),
                       reason);
        }
      return NULL;
    }

  g_assert (state.server == NULL);
  g_string_free (state.text, TRUE);

  if (!state.seen_root)
    {
      g_set_error (error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_INVALID,
                   _("The configuration document is empty."));
      return NULL;
    }

  if (config->incoming->len == 0 || config->outgoing->len == 0)
    {
      g_set_error (error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_NO_SERVERS,
                   config->incoming->len == 0
                   ? _("The configuration names no incoming mail server that Postfach can use.")
                   : _("The configuration names no outgoing mail server that Postfach can use."));
      return NULL;
    }

  g_ptr_array_add (domains, NULL);
  g_strfreev (config->domains);
  config->domains = (char **) g_ptr_array_steal (domains, NULL);

  return g_steal_pointer (&config);
}
