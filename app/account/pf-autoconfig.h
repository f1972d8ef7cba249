/* pf-autoconfig.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-server-settings.h"

G_BEGIN_DECLS

/**
 * PF_AUTOCONFIG_ERROR:
 *
 * Error domain of automatic configuration: a configuration document that
 * cannot be used, or no configuration found at all.
 */
#define PF_AUTOCONFIG_ERROR (pf_autoconfig_error_quark ())

/**
 * PfAutoconfigError:
 * @PF_AUTOCONFIG_ERROR_INVALID: the document is not a well-formed
 *   clientConfig (wrong root element, malformed XML, too large).
 * @PF_AUTOCONFIG_ERROR_NO_SERVERS: the document names no incoming server or
 *   no outgoing server Postfach can use (e.g. only Exchange, or only
 *   authentication methods Postfach does not speak).
 * @PF_AUTOCONFIG_ERROR_NOT_FOUND: no source knew the domain.
 * @PF_AUTOCONFIG_ERROR_INVALID_ADDRESS: the address is not local@domain.
 */
typedef enum
{
  PF_AUTOCONFIG_ERROR_INVALID,
  PF_AUTOCONFIG_ERROR_NO_SERVERS,
  PF_AUTOCONFIG_ERROR_NOT_FOUND,
  PF_AUTOCONFIG_ERROR_INVALID_ADDRESS,
} PfAutoconfigError;

GQuark pf_autoconfig_error_quark (void);

/**
 * PF_AUTOCONFIG_MAX_SIZE:
 *
 * The largest configuration document pf_autoconfig_parse() reads, in bytes
 * (256 KiB; the largest of the ISPDB has 6 KiB). A fetcher may stop reading
 * a download at this size.
 */
#define PF_AUTOCONFIG_MAX_SIZE (256 * 1024)

/**
 * PfAutoconfigSource:
 * @PF_AUTOCONFIG_SOURCE_BUILTIN: Postfach's own provider table (data/providers)
 * @PF_AUTOCONFIG_SOURCE_AUTOCONFIG: a clientConfig document fetched over
 *   HTTPS from the domain (autoconfig.<domain> or .well-known)
 * @PF_AUTOCONFIG_SOURCE_SRV: RFC 6186 SRV records of the domain
 * @PF_AUTOCONFIG_SOURCE_GUESS: common host names that answered a probe
 *
 * Where a configuration came from, in the order they are tried.
 */
typedef enum
{
  PF_AUTOCONFIG_SOURCE_BUILTIN,
  PF_AUTOCONFIG_SOURCE_AUTOCONFIG,
  PF_AUTOCONFIG_SOURCE_SRV,
  PF_AUTOCONFIG_SOURCE_GUESS,
} PfAutoconfigSource;

/**
 * PfUsernameForm:
 * @PF_USERNAME_FORM_ADDRESS: the full email address (%EMAILADDRESS%)
 * @PF_USERNAME_FORM_LOCAL_PART: the part before the @ (%EMAILLOCALPART%)
 * @PF_USERNAME_FORM_OTHER: another template or a fixed name
 * @PF_USERNAME_FORM_UNKNOWN: the source does not say (SRV, guessing): the
 *   connection test tries the full address, then the local part
 */
typedef enum
{
  PF_USERNAME_FORM_ADDRESS,
  PF_USERNAME_FORM_LOCAL_PART,
  PF_USERNAME_FORM_OTHER,
  PF_USERNAME_FORM_UNKNOWN,
} PfUsernameForm;

/**
 * PfAutoconfigServer:
 * @protocol: IMAP, POP3 or SMTP
 * @host: host name, never %NULL in a parsed configuration; it may hold
 *   %EMAILDOMAIN%, which pf_autoconfig_server_apply() replaces
 * @port: port, never 0 in a parsed configuration
 * @security: implicit TLS, STARTTLS or none
 * @auth_method: %PF_AUTH_METHOD_PASSWORD (the provider takes a password,
 *   perhaps besides OAuth2), %PF_AUTH_METHOD_OAUTH2 (the provider offers
 *   only OAuth2), or %PF_AUTH_METHOD_AUTO (the source does not say)
 * @username: the username template, with %EMAILADDRESS%, %EMAILLOCALPART%
 *   and %EMAILDOMAIN% placeholders, or %NULL when unknown
 *
 * One server of a configuration.
 */
typedef struct
{
  PfServerProtocol  protocol;
  char             *host;
  guint16           port;
  PfSecurity        security;
  PfAuthMethod      auth_method;
  char             *username;
} PfAutoconfigServer;

PfAutoconfigServer *pf_autoconfig_server_new               (PfServerProtocol          protocol);
PfAutoconfigServer *pf_autoconfig_server_copy              (const PfAutoconfigServer *server);
void                pf_autoconfig_server_free              (PfAutoconfigServer       *server);
PfUsernameForm      pf_autoconfig_server_get_username_form (const PfAutoconfigServer *server);
char               *pf_autoconfig_server_expand_username   (const PfAutoconfigServer *server,
                                                            const char               *address);
void                pf_autoconfig_server_apply             (const PfAutoconfigServer *server,
                                                            PfServerSettings         *settings,
                                                            const char               *address);
char               *pf_autoconfig_expand_template          (const char               *template,
                                                            const char               *address);
gboolean            pf_autoconfig_is_valid_host            (const char               *host);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfAutoconfigServer, pf_autoconfig_server_free)

/**
 * PfAutoconfig:
 * @source: where it came from
 * @provider_id: the provider's id (e.g. "gmx.net"), or %NULL
 * @display_name: the provider's name (e.g. "GMX Freemail"), or %NULL
 * @domains: (array zero-terminated=1): the mail domains it serves
 * @incoming: (element-type PfAutoconfigServer): IMAP and POP3 servers, the
 *   provider's preference first
 * @outgoing: (element-type PfAutoconfigServer): SMTP servers, preferred first
 *
 * A mail provider's configuration.
 */
typedef struct
{
  PfAutoconfigSource  source;
  char               *provider_id;
  char               *display_name;
  char              **domains;
  GPtrArray          *incoming;
  GPtrArray          *outgoing;
} PfAutoconfig;

PfAutoconfig             *pf_autoconfig_new             (PfAutoconfigSource   source);
PfAutoconfig             *pf_autoconfig_copy            (const PfAutoconfig  *self);
void                      pf_autoconfig_free            (PfAutoconfig        *self);
const PfAutoconfigServer *pf_autoconfig_get_incoming    (const PfAutoconfig  *self,
                                                         PfServerProtocol     protocol);
const PfAutoconfigServer *pf_autoconfig_get_outgoing    (const PfAutoconfig  *self);
PfAutoconfig             *pf_autoconfig_parse           (const char          *text,
                                                         gssize               length,
                                                         PfAutoconfigSource   source,
                                                         GError             **error);
PfAutoconfig             *pf_autoconfig_lookup_builtin  (const char          *domain);
gboolean                  pf_autoconfig_split_address   (const char          *address,
                                                         char               **out_local_part,
                                                         char               **out_domain);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfAutoconfig, pf_autoconfig_free)

G_END_DECLS
