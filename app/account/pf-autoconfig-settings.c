/* pf-autoconfig-settings.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-autoconfig"

#include "config.h"

#include "pf-autoconfig.h"

/*
 * From a configuration to an account's server settings. Apart from the
 * parser in pf-autoconfig.c, which needs GLib only.
 */

/**
 * pf_autoconfig_server_apply:
 * @server: a #PfAutoconfigServer
 * @settings: the server settings to fill
 * @address: the user's email address
 *
 * Fills @settings from @server for the account of @address: protocol,
 * host (with `%EMAILDOMAIN%` replaced by the address's domain), port,
 * security and username (the template expanded; without one, the full
 * address, the first name the connection test tries).
 *
 * The authentication method: %PF_AUTH_METHOD_OAUTH2 stays OAuth2 (the
 * provider takes nothing else, so the account needs a token); a password
 * server (%PF_AUTH_METHOD_PASSWORD or %PF_AUTH_METHOD_AUTO) becomes
 * %PF_AUTH_METHOD_AUTO, the best password mechanism the server offers:
 * that is PLAIN over TLS for every password-cleartext server, and also
 * works for password-encrypted ones, whereas the setting's
 * %PF_AUTH_METHOD_PASSWORD (plain mechanisms only) is the user's way round
 * a broken server, nothing a provider asks for.
 *
 * Consent to send a password unencrypted is always cleared, also for a
 * server with %PF_SECURITY_NONE: only the user can give it. The CA file
 * and a pinned certificate are left as they are.
 */
void
pf_autoconfig_server_apply (const PfAutoconfigServer *server,
                            PfServerSettings         *settings,
                            const char               *address)
{
  g_autofree char *host = NULL;
  g_autofree char *username = NULL;

  g_return_if_fail (server != NULL);
  g_return_if_fail (server->host != NULL);
  g_return_if_fail (PF_IS_SERVER_SETTINGS (settings));
  g_return_if_fail (address != NULL && pf_autoconfig_split_address (address, NULL, NULL));

  host = pf_autoconfig_expand_template (server->host, address);
  username = pf_autoconfig_server_expand_username (server, address);
  if (username == NULL)
    username = g_strstrip (g_strdup (address));

  pf_server_settings_set_protocol (settings, server->protocol);
  pf_server_settings_set_security (settings, server->security);
  pf_server_settings_set_host (settings, host);
  if (server->port != 0)
    pf_server_settings_set_port (settings, server->port);
  else
    pf_server_settings_set_port (settings,
                                 pf_server_protocol_get_default_port (server->protocol,
                                                                      server->security));
  pf_server_settings_set_auth_method (settings,
                                      server->auth_method == PF_AUTH_METHOD_OAUTH2
                                      ? PF_AUTH_METHOD_OAUTH2 : PF_AUTH_METHOD_AUTO);
  pf_server_settings_set_username (settings, username);
  pf_server_settings_set_allow_plaintext_password (settings, FALSE);
}
