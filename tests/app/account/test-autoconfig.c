/* test-autoconfig.c: the clientConfig parser, usernames, server settings
 * from a configuration, and the built-in provider table
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "account/pf-account-error.h"
#include "account/pf-autoconfig.h"
#include "account/pf-check-status.h"

/* In the style of the ISPDB: comments, documentation, an <enable> block,
 * a <webMail> section and servers in order of preference. */
static const char gmx_document[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  "<clientConfig version=\"1.1\">\n"
  "  <emailProvider id=\"gmx.net\">\n"
  "    <domain>gmx.net</domain>\n"
  "    <domain>GMX.de</domain>\n"
  "    <domain>gmx.at</domain>\n"
  "    <domain>gmx.net</domain>\n"
  "    <!-- gmx.com is another service -->\n"
  "    <displayName>GMX Freemail</displayName>\n"
  "    <displayShortName>GMX</displayShortName>\n"
  "    <incomingServer type=\"imap\">\n"
  "      <hostname>imap.gmx.net</hostname>\n"
  "      <port>993</port>\n"
  "      <socketType>SSL</socketType>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "    </incomingServer>\n"
  "    <incomingServer type=\"imap\">\n"
  "      <hostname>imap.gmx.net</hostname>\n"
  "      <port>143</port>\n"
  "      <socketType>STARTTLS</socketType>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "    </incomingServer>\n"
  "    <incomingServer type=\"pop3\">\n"
  "      <hostname> pop.gmx.net </hostname>\n"
  "      <port>995</port>\n"
  "      <socketType>SSL</socketType>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "      <pop3><leaveMessagesOnServer>true</leaveMessagesOnServer></pop3>\n"
  "    </incomingServer>\n"
  "    <outgoingServer type=\"smtp\">\n"
  "      <hostname>mail.gmx.net</hostname>\n"
  "      <port>465</port>\n"
  "      <socketType>SSL</socketType>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "    </outgoingServer>\n"
  "    <outgoingServer type=\"smtp\">\n"
  "      <hostname>mail.gmx.net</hostname>\n"
  "      <port>587</port>\n"
  "      <socketType>STARTTLS</socketType>\n"
  "      <username>%EMAILADDRESS%</username>\n"
  "      <authentication>password-cleartext</authentication>\n"
  "    </outgoingServer>\n"
  "    <documentation url=\"https://hilfe.gmx.net/pop-imap/imap/imap-serverdaten.html\" />\n"
  "    <enable visiturl=\"https://hilfe.gmx.net/pop-imap/einschalten.html\">\n"
  "      <instruction>Allow access via POP3 &amp; IMAP once.</instruction>\n"
  "    </enable>\n"
  "  </emailProvider>\n"
  "  <webMail><loginPage url=\"https://www.gmx.net/\" /></webMail>\n"
  "</clientConfig>\n"
  "<!-- trailing comment -->\n";

static PfAutoconfig *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  PfAutoconfig *config;

  config = pf_autoconfig_parse (text, -1, PF_AUTOCONFIG_SOURCE_AUTOCONFIG, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);

  return config;
}

static void
assert_parse_fails (const char *text,
                    gssize      length,
                    int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfAutoconfig) config = NULL;

  config = pf_autoconfig_parse (text, length, PF_AUTOCONFIG_SOURCE_AUTOCONFIG, &error);
  g_assert_null (config);
  g_assert_error (error, PF_AUTOCONFIG_ERROR, code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_cmpstr (error->message, !=, "");
}

static void
assert_server (const PfAutoconfigServer *server,
               PfServerProtocol          protocol,
               const char               *host,
               guint16                   port,
               PfSecurity                security,
               PfAuthMethod              auth_method,
               const char               *username)
{
  g_assert_nonnull (server);
  g_assert_cmpint (server->protocol, ==, protocol);
  g_assert_cmpstr (server->host, ==, host);
  g_assert_cmpuint (server->port, ==, port);
  g_assert_cmpint (server->security, ==, security);
  g_assert_cmpint (server->auth_method, ==, auth_method);
  g_assert_cmpstr (server->username, ==, username);
}

static void
test_parse_ispdb_document (void)
{
  g_autoptr(PfAutoconfig) config = parse_ok (gmx_document);
  const char *domains[] = { "gmx.net", "gmx.de", "gmx.at", NULL };

  g_assert_cmpint (config->source, ==, PF_AUTOCONFIG_SOURCE_AUTOCONFIG);
  g_assert_cmpstr (config->provider_id, ==, "gmx.net");
  g_assert_cmpstr (config->display_name, ==, "GMX Freemail");
  /* Lower-cased, the duplicate dropped, in document order. */
  g_assert_cmpstrv (config->domains, domains);

  g_assert_cmpuint (config->incoming->len, ==, 3);
  assert_server (g_ptr_array_index (config->incoming, 0), PF_SERVER_PROTOCOL_IMAP,
                 "imap.gmx.net", 993, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD, "%EMAILADDRESS%");
  assert_server (g_ptr_array_index (config->incoming, 1), PF_SERVER_PROTOCOL_IMAP,
                 "imap.gmx.net", 143, PF_SECURITY_STARTTLS, PF_AUTH_METHOD_PASSWORD,
                 "%EMAILADDRESS%");
  assert_server (g_ptr_array_index (config->incoming, 2), PF_SERVER_PROTOCOL_POP3,
                 "pop.gmx.net", 995, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD, "%EMAILADDRESS%");

  g_assert_cmpuint (config->outgoing->len, ==, 2);
  assert_server (g_ptr_array_index (config->outgoing, 0), PF_SERVER_PROTOCOL_SMTP,
                 "mail.gmx.net", 465, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD, "%EMAILADDRESS%");
  assert_server (g_ptr_array_index (config->outgoing, 1), PF_SERVER_PROTOCOL_SMTP,
                 "mail.gmx.net", 587, PF_SECURITY_STARTTLS, PF_AUTH_METHOD_PASSWORD,
                 "%EMAILADDRESS%");

  g_assert_true (pf_autoconfig_get_incoming (config, PF_SERVER_PROTOCOL_IMAP) ==
                 g_ptr_array_index (config->incoming, 0));
  g_assert_true (pf_autoconfig_get_incoming (config, PF_SERVER_PROTOCOL_POP3) ==
                 g_ptr_array_index (config->incoming, 2));
  g_assert_null (pf_autoconfig_get_incoming (config, PF_SERVER_PROTOCOL_SMTP));
  g_assert_true (pf_autoconfig_get_outgoing (config) == g_ptr_array_index (config->outgoing, 0));
}

/* A document with one IMAP server whose inner elements are @imap_inner,
 * and one plain SMTP server. */
static char *
imap_document (const char *imap_inner)
{
  return g_strdup_printf ("<clientConfig version=\"1.1\"><emailProvider id=\"example.org\">"
                          "<domain>example.org</domain>"
                          "<incomingServer type=\"imap\">%s</incomingServer>"
                          "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname>"
                          "<port>465</port><socketType>SSL</socketType>"
                          "<username>%%EMAILADDRESS%%</username>"
                          "<authentication>password-cleartext</authentication>"
                          "</outgoingServer></emailProvider></clientConfig>",
                          imap_inner);
}

/* Parses an IMAP server made of @inner; %NULL if it was dropped. */
static PfAutoconfigServer *
parse_imap_server (const char *inner)
{
  g_autofree char *document = imap_document (inner);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfAutoconfig) config = NULL;

  config = pf_autoconfig_parse (document, -1, PF_AUTOCONFIG_SOURCE_AUTOCONFIG, &error);
  if (config == NULL)
    {
      g_assert_error (error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_NO_SERVERS);
      return NULL;
    }

  g_assert_cmpuint (config->incoming->len, ==, 1);
  return pf_autoconfig_server_copy (g_ptr_array_index (config->incoming, 0));
}

static void
test_parse_socket_type (void)
{
  static const struct {
    const char *socket_type;
    gboolean kept;
    PfSecurity security;
  } cases[] = {
    { "SSL", TRUE, PF_SECURITY_TLS },
    { "STARTTLS", TRUE, PF_SECURITY_STARTTLS },
    { "plain", TRUE, PF_SECURITY_NONE },
    { "starttls", TRUE, PF_SECURITY_STARTTLS },
    { " SSL\n", TRUE, PF_SECURITY_TLS },
    { "TLS", FALSE, 0 },
    { "", FALSE, 0 },
    { NULL, FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *inner = NULL;
      g_autoptr(PfAutoconfigServer) server = NULL;

      inner = g_strdup_printf ("<hostname>imap.example.org</hostname><port>993</port>%s%s%s"
                               "<authentication>password-cleartext</authentication>",
                               cases[i].socket_type != NULL ? "<socketType>" : "",
                               cases[i].socket_type != NULL ? cases[i].socket_type : "",
                               cases[i].socket_type != NULL ? "</socketType>" : "");
      server = parse_imap_server (inner);
      g_test_message ("socketType %s", cases[i].socket_type);
      g_assert_true ((server != NULL) == cases[i].kept);
      if (server != NULL)
        g_assert_cmpint (server->security, ==, cases[i].security);
    }
}

#define USABLE_SERVER_AUTH "<hostname>imap.example.org</hostname><port>993</port>" \
                           "<socketType>SSL</socketType>"

static void
test_parse_authentication (void)
{
  static const struct {
    const char *methods;
    gboolean kept;
    PfAuthMethod method;
  } cases[] = {
    { "<authentication>password-cleartext</authentication>", TRUE, PF_AUTH_METHOD_PASSWORD },
    { "<authentication>plain</authentication>", TRUE, PF_AUTH_METHOD_PASSWORD },
    { "<authentication>password-encrypted</authentication>", TRUE, PF_AUTH_METHOD_PASSWORD },
    { "<authentication>secure</authentication>", TRUE, PF_AUTH_METHOD_PASSWORD },
    { "<authentication>OAuth2</authentication>", TRUE, PF_AUTH_METHOD_OAUTH2 },
    /* Google and Yahoo: OAuth2 first, a password also works. */
    { "<authentication>OAuth2</authentication>"
      "<authentication>password-cleartext</authentication>", TRUE, PF_AUTH_METHOD_PASSWORD },
    { "<authentication>NTLM</authentication>"
      "<authentication>password-encrypted</authentication>", TRUE, PF_AUTH_METHOD_PASSWORD },
    { "<authentication>GSSAPI</authentication>"
      "<authentication>OAuth2</authentication>", TRUE, PF_AUTH_METHOD_OAUTH2 },
    /* Nothing said: the best the server offers. */
    { "", TRUE, PF_AUTH_METHOD_AUTO },
    { "<authentication>NTLM</authentication>", FALSE, 0 },
    { "<authentication>GSSAPI</authentication>", FALSE, 0 },
    { "<authentication>client-IP-address</authentication>", FALSE, 0 },
    { "<authentication>TLS-client-cert</authentication>", FALSE, 0 },
    { "<authentication>none</authentication>", FALSE, 0 },
    { "<authentication>oauth2</authentication>", FALSE, 0 },
    { "<authentication></authentication>", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *inner = g_strconcat (USABLE_SERVER_AUTH, cases[i].methods, NULL);
      g_autoptr(PfAutoconfigServer) server = parse_imap_server (inner);

      g_test_message ("authentication %s", cases[i].methods);
      g_assert_true ((server != NULL) == cases[i].kept);
      if (server != NULL)
        g_assert_cmpint (server->auth_method, ==, cases[i].method);
    }
}

/* "none" cannot read mail but can send (a relay that knows its users). */
static void
test_parse_smtp_without_login (void)
{
  g_autoptr(PfAutoconfig) config = NULL;

  config = parse_ok ("<clientConfig><emailProvider id=\"isp.example\">"
                     "<incomingServer type=\"pop3\"><hostname>pop.isp.example</hostname>"
                     "<port>110</port><socketType>STARTTLS</socketType>"
                     "<authentication>none</authentication></incomingServer>"
                     "<incomingServer type=\"pop3\"><hostname>pop.isp.example</hostname>"
                     "<port>995</port><socketType>SSL</socketType>"
                     "<authentication>password-cleartext</authentication></incomingServer>"
                     "<outgoingServer type=\"smtp\"><hostname>relay.isp.example</hostname>"
                     "<port>587</port><socketType>STARTTLS</socketType>"
                     "<authentication>none</authentication></outgoingServer>"
                     "</emailProvider></clientConfig>");

  g_assert_cmpuint (config->incoming->len, ==, 1);
  assert_server (g_ptr_array_index (config->incoming, 0), PF_SERVER_PROTOCOL_POP3,
                 "pop.isp.example", 995, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD, NULL);
  g_assert_cmpuint (config->outgoing->len, ==, 1);
  assert_server (g_ptr_array_index (config->outgoing, 0), PF_SERVER_PROTOCOL_SMTP,
                 "relay.isp.example", 587, PF_SECURITY_STARTTLS, PF_AUTH_METHOD_AUTO, NULL);
  g_assert_cmpstr (config->provider_id, ==, "isp.example");
  g_assert_null (config->display_name);
  g_assert_cmpuint (g_strv_length (config->domains), ==, 0);
}

/* Exchange and EWS servers, unknown elements and a second provider are
 * skipped; an outgoing server of another type too. */
static void
test_parse_skips_unknown (void)
{
  g_autoptr(PfAutoconfig) config = NULL;

  config = parse_ok ("<?xml version=\"1.0\"?>\n"
                     "<!DOCTYPE clientConfig>\n"
                     "<clientConfig version=\"1.1\">"
                     "<oAuth2><issuer>login.example.com</issuer></oAuth2>"
                     "<emailProvider id=\"example.com\">"
                     "<future><hostname>ignored.example.com</hostname></future>"
                     "<incomingServer type=\"exchange\"><hostname>ex.example.com</hostname>"
                     "<port>443</port><socketType>SSL</socketType>"
                     "<authentication>OAuth2</authentication></incomingServer>"
                     "<incomingServer type=\"ews\"><hostname>ews.example.com</hostname>"
                     "<port>443</port><socketType>SSL</socketType></incomingServer>"
                     "<incomingServer><hostname>notype.example.com</hostname>"
                     "<port>993</port><socketType>SSL</socketType></incomingServer>"
                     "<outgoingServer type=\"imap\"><hostname>wrong.example.com</hostname>"
                     "<port>993</port><socketType>SSL</socketType></outgoingServer>"
                     "<incomingServer type=\"imap\">"
                     "<hostname><![CDATA[imap.example.com]]></hostname>"
                     "<extra><port>1</port></extra>"
                     "<port>993</port><port>994</port>"
                     "<socketType>SSL</socketType>"
                     "<username>%EMAILLOCALPART%</username>"
                     "<authentication>password-cleartext</authentication>"
                     "</incomingServer>"
                     "<outgoingServer type=\"smtp\"><hostname>smtp.example.com</hostname>"
                     "<port>587</port><socketType>STARTTLS</socketType>"
                     "<username></username>"
                     "<addThisServer>true</addThisServer></outgoingServer>"
                     "</emailProvider>"
                     "<emailProvider id=\"second.example\">"
                     "<domain>second.example</domain>"
                     "<incomingServer type=\"imap\"><hostname>imap.second.example</hostname>"
                     "<port>993</port><socketType>SSL</socketType></incomingServer>"
                     "</emailProvider>"
                     "</clientConfig>");

  g_assert_cmpstr (config->provider_id, ==, "example.com");
  g_assert_cmpuint (g_strv_length (config->domains), ==, 0);
  g_assert_cmpuint (config->incoming->len, ==, 1);
  /* The first <port> counts; the one inside <extra> does not. */
  assert_server (g_ptr_array_index (config->incoming, 0), PF_SERVER_PROTOCOL_IMAP,
                 "imap.example.com", 993, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD,
                 "%EMAILLOCALPART%");
  g_assert_cmpuint (config->outgoing->len, ==, 1);
  assert_server (g_ptr_array_index (config->outgoing, 0), PF_SERVER_PROTOCOL_SMTP,
                 "smtp.example.com", 587, PF_SECURITY_STARTTLS, PF_AUTH_METHOD_AUTO, NULL);
  g_assert_cmpint (pf_autoconfig_server_get_username_form (g_ptr_array_index (config->outgoing, 0)),
                   ==, PF_USERNAME_FORM_UNKNOWN);
}

static void
test_parse_ports_and_hosts (void)
{
  static const struct {
    const char *host;
    const char *port;
    gboolean kept;
  } cases[] = {
    { "imap.example.org", "993", TRUE },
    { "imap.example.org", "1", TRUE },
    { "imap.example.org", "65535", TRUE },
    { "imap.example.org", " 143 ", TRUE },
    { "imap.example.org", "0", FALSE },
    { "imap.example.org", "65536", FALSE },
    { "imap.example.org", "-993", FALSE },
    { "imap.example.org", "+993", FALSE },
    { "imap.example.org", "0x3e1", FALSE },
    { "imap.example.org", "993abc", FALSE },
    { "imap.example.org", "99999999999999999999999", FALSE },
    { "imap.example.org", "", FALSE },
    { "imap.example.org", NULL, FALSE },
    { "imap.%EMAILDOMAIN%", "993", TRUE },
    { "%EMAILDOMAIN%", "993", TRUE },
    { "192.0.2.1", "993", TRUE },
    { "::1", "993", TRUE },
    { "imap.bücher.example", "993", TRUE },
    { "mail_host.example.org", "993", TRUE },
    { "imap example.org", "993", FALSE },
    { "imap.example.org\tx", "993", FALSE },
    { "imap.exa\x7fmple.org", "993", FALSE },
    { "imap..example.org", "993", FALSE },
    { ".example.org", "993", FALSE },
    { "imap.example.org/x", "993", FALSE },
    { "user@imap.example.org", "993", FALSE },
    { "imap.example.org:993", "993", FALSE },
    { "imap.%EMAILLOCALPART%.org", "993", FALSE },
    { "imap.%EMAILADDRESS%", "993", FALSE },
    { "imap%example.org", "993", FALSE },
    { "", "993", FALSE },
    { NULL, "993", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) inner = g_string_new (NULL);
      g_autoptr(PfAutoconfigServer) server = NULL;

      if (cases[i].host != NULL)
        g_string_append_printf (inner, "<hostname>%s</hostname>", cases[i].host);
      if (cases[i].port != NULL)
        g_string_append_printf (inner, "<port>%s</port>", cases[i].port);
      g_string_append (inner, "<socketType>SSL</socketType>");

      server = parse_imap_server (inner->str);
      g_test_message ("host %s port %s", cases[i].host, cases[i].port);
      g_assert_true ((server != NULL) == cases[i].kept);
      if (server != NULL)
        {
          g_assert_cmpstr (server->host, ==, cases[i].host);
          g_assert_cmpuint (server->port, ==, g_ascii_strtoull (cases[i].port, NULL, 10));
        }
    }
}

/* A username with a line end would end a protocol line: its server goes. */
static void
test_parse_control_characters (void)
{
  static const struct {
    const char *username;
    gboolean kept;
  } cases[] = {
    { "%EMAILADDRESS%", TRUE },
    { "  login  ", TRUE },
    { "ü-login", TRUE },
    { "login&#13;&#10;LOGOUT", FALSE },
    { "log\x7fin", FALSE },
    { "log\xc2\x85in", FALSE },
  };
  g_autoptr(PfAutoconfig) config = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *inner = NULL;
      g_autoptr(PfAutoconfigServer) server = NULL;

      inner = g_strdup_printf (USABLE_SERVER_AUTH "<username>%s</username>", cases[i].username);
      server = parse_imap_server (inner);
      g_test_message ("username %s", cases[i].username);
      g_assert_true ((server != NULL) == cases[i].kept);
    }

  config = parse_ok ("<clientConfig><emailProvider id=\"a&#10;b\">"
                     "<displayName>Evil&#27;[2J</displayName><displayName>Second</displayName>"
                     "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname>"
                     "<port>993</port><socketType>SSL</socketType></incomingServer>"
                     "<outgoingServer type=\"smtp\"><hostname>smtp.example.org</hostname>"
                     "<port>465</port><socketType>SSL</socketType></outgoingServer>"
                     "</emailProvider></clientConfig>");
  g_assert_null (config->provider_id);
  g_assert_cmpstr (config->display_name, ==, "Second");
}

static void
test_parse_hostile (void)
{
  g_autoptr(GString) huge = NULL;
  g_autoptr(GString) many_servers = NULL;
  g_autoptr(GString) many_domains = NULL;
  g_autoptr(GString) deep = NULL;
  g_autofree char *long_host = NULL;
  const char with_nul[] = "<clientConfig>\0<emailProvider/></clientConfig>";

  assert_parse_fails ("", -1, PF_AUTOCONFIG_ERROR_INVALID);
  assert_parse_fails ("   \n", -1, PF_AUTOCONFIG_ERROR_INVALID);
  assert_parse_fails ("not xml at all", -1, PF_AUTOCONFIG_ERROR_INVALID);
  assert_parse_fails ("<clientConfig><emailProvider>", -1, PF_AUTOCONFIG_ERROR_INVALID);
  assert_parse_fails ("<clientConfig></emailProvider>", -1, PF_AUTOCONFIG_ERROR_INVALID);
  assert_parse_fails ("<clientConfig><a b=c/></clientConfig>", -1, PF_AUTOCONFIG_ERROR_INVALID);
  assert_parse_fails ("<clientConfig>&unknown;</clientConfig>", -1, PF_AUTOCONFIG_ERROR_INVALID);
  assert_parse_fails ("<html><body>404</body></html>", -1, PF_AUTOCONFIG_ERROR_INVALID);
  assert_parse_fails ("<Autodiscover><Response/></Autodiscover>", -1,
                      PF_AUTOCONFIG_ERROR_INVALID);
  assert_parse_fails ("<clientConfig>\xff\xfe</clientConfig>", -1, PF_AUTOCONFIG_ERROR_INVALID);
  assert_parse_fails (with_nul, sizeof with_nul - 1, PF_AUTOCONFIG_ERROR_INVALID);
  /* GMarkup quotes the first byte of U+0091 alone in its message; the
   * message must still be UTF-8 (found by fuzz-autoconfig). */
  assert_parse_fails ("<clientConfig><a\xc2\x91" "b></clientConfig>", -1,
                      PF_AUTOCONFIG_ERROR_INVALID);

  /* Well-formed but useless. */
  assert_parse_fails ("<clientConfig/>", -1, PF_AUTOCONFIG_ERROR_NO_SERVERS);
  assert_parse_fails ("<clientConfig><emailProvider id=\"x\"/></clientConfig>", -1,
                      PF_AUTOCONFIG_ERROR_NO_SERVERS);
  /* An incoming server but no outgoing one, and the other way round. */
  assert_parse_fails ("<clientConfig><emailProvider><incomingServer type=\"imap\">"
                      "<hostname>a.example</hostname><port>993</port><socketType>SSL</socketType>"
                      "</incomingServer></emailProvider></clientConfig>", -1,
                      PF_AUTOCONFIG_ERROR_NO_SERVERS);
  assert_parse_fails ("<clientConfig><emailProvider><outgoingServer type=\"smtp\">"
                      "<hostname>a.example</hostname><port>465</port><socketType>SSL</socketType>"
                      "</outgoingServer></emailProvider></clientConfig>", -1,
                      PF_AUTOCONFIG_ERROR_NO_SERVERS);

  /* Over the size limit, even if the rest would be fine. */
  huge = g_string_new ("<clientConfig><emailProvider>");
  while (huge->len <= PF_AUTOCONFIG_MAX_SIZE)
    g_string_append (huge, "<!-- padding padding padding padding padding padding -->\n");
  g_string_append (huge, "</emailProvider></clientConfig>");
  assert_parse_fails (huge->str, -1, PF_AUTOCONFIG_ERROR_INVALID);
  assert_parse_fails (huge->str, huge->len, PF_AUTOCONFIG_ERROR_INVALID);

  many_servers = g_string_new ("<clientConfig><emailProvider>");
  for (guint i = 0; i < 40; i++)
    g_string_append (many_servers, "<incomingServer type=\"imap\"><hostname>a.example</hostname>"
                     "<port>993</port><socketType>SSL</socketType></incomingServer>");
  g_string_append (many_servers, "</emailProvider></clientConfig>");
  assert_parse_fails (many_servers->str, -1, PF_AUTOCONFIG_ERROR_INVALID);

  many_domains = g_string_new ("<clientConfig><emailProvider>");
  for (guint i = 0; i < 300; i++)
    g_string_append_printf (many_domains, "<domain>d%u.example</domain>", i);
  g_string_append (many_domains, "</emailProvider></clientConfig>");
  assert_parse_fails (many_domains->str, -1, PF_AUTOCONFIG_ERROR_INVALID);

  deep = g_string_new ("<clientConfig><emailProvider>");
  for (guint i = 0; i < 100; i++)
    g_string_append (deep, "<a>");
  for (guint i = 0; i < 100; i++)
    g_string_append (deep, "</a>");
  g_string_append (deep, "</emailProvider></clientConfig>");
  assert_parse_fails (deep->str, -1, PF_AUTOCONFIG_ERROR_INVALID);

  /* An overlong value drops its server, which leaves none. */
  long_host = g_strnfill (2000, 'a');
  {
    g_autofree char *inner = g_strdup_printf ("<hostname>%s</hostname><port>993</port>"
                                              "<socketType>SSL</socketType>", long_host);
    g_autoptr(PfAutoconfigServer) server = parse_imap_server (inner);

    g_assert_null (server);
  }
}

static void
test_parse_length (void)
{
  g_autoptr(PfAutoconfig) config = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = strlen (gmx_document);

  /* Only the given bytes are read: cut inside, the document is broken. */
  config = pf_autoconfig_parse (gmx_document, length - 40, PF_AUTOCONFIG_SOURCE_BUILTIN, &error);
  g_assert_error (error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_INVALID);
  g_assert_null (config);
  g_clear_error (&error);

  config = pf_autoconfig_parse (gmx_document, length, PF_AUTOCONFIG_SOURCE_BUILTIN, &error);
  g_assert_no_error (error);
  g_assert_cmpint (config->source, ==, PF_AUTOCONFIG_SOURCE_BUILTIN);
}

static void
test_split_address (void)
{
  static const struct {
    const char *address;
    const char *local_part;
    const char *domain;
  } cases[] = {
    { "max@gmx.de", "max", "gmx.de" },
    { "Max.Muster@GMX.DE", "Max.Muster", "gmx.de" },
    { "  max@web.de\n", "max", "web.de" },
    { "\"a@b\"@example.org", "\"a@b\"", "example.org" },
    { "jörg@bücher.example", "jörg", "bücher.example" },
    { "JÖRG@BÜCHER.example", "JÖRG", "bÜcher.example" },
    { "max", NULL, NULL },
    { "@gmx.de", NULL, NULL },
    { "max@", NULL, NULL },
    { "max @gmx.de", NULL, NULL },
    { "max@gmx .de", NULL, NULL },
    { "max@gmx..de", NULL, NULL },
    { "max@.gmx.de", NULL, NULL },
    { "ma\x01x@gmx.de", NULL, NULL },
    { "max@gmx.de\xff", NULL, NULL },
    { "", NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *local_part = NULL;
      g_autofree char *domain = NULL;
      g_autofree char *escaped = g_strescape (cases[i].address, NULL);
      gboolean ok;

      ok = pf_autoconfig_split_address (cases[i].address, &local_part, &domain);
      g_test_message ("address %s", escaped);
      g_assert_true (ok == (cases[i].local_part != NULL));
      g_assert_cmpstr (local_part, ==, cases[i].local_part);
      g_assert_cmpstr (domain, ==, cases[i].domain);
      g_assert_true (pf_autoconfig_split_address (cases[i].address, NULL, NULL) == ok);
    }
}

static void
test_username (void)
{
  static const struct {
    const char *template;
    PfUsernameForm form;
    const char *expanded;
  } cases[] = {
    { "%EMAILADDRESS%", PF_USERNAME_FORM_ADDRESS, "Max.Muster@gmx.de" },
    { "%EMAILLOCALPART%", PF_USERNAME_FORM_LOCAL_PART, "Max.Muster" },
    { "%EMAILDOMAIN%", PF_USERNAME_FORM_OTHER, "gmx.de" },
    { "%EMAILLOCALPART%+mail@%EMAILDOMAIN%", PF_USERNAME_FORM_OTHER, "Max.Muster+mail@gmx.de" },
    { "fixed-login", PF_USERNAME_FORM_OTHER, "fixed-login" },
    { "%REALNAME% %EMAILLOCALPART", PF_USERNAME_FORM_OTHER, "%REALNAME% %EMAILLOCALPART" },
    { "%emailaddress%", PF_USERNAME_FORM_OTHER, "%emailaddress%" },
    { "100%", PF_USERNAME_FORM_OTHER, "100%" },
    { NULL, PF_USERNAME_FORM_UNKNOWN, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PfAutoconfigServer) server = pf_autoconfig_server_new (PF_SERVER_PROTOCOL_IMAP);
      g_autofree char *expanded = NULL;
      g_autofree char *invalid = NULL;

      server->username = g_strdup (cases[i].template);
      g_assert_cmpint (pf_autoconfig_server_get_username_form (server), ==, cases[i].form);
      expanded = pf_autoconfig_server_expand_username (server, "Max.Muster@GMX.de");
      g_assert_cmpstr (expanded, ==, cases[i].expanded);
      invalid = pf_autoconfig_server_expand_username (server, "no address");
      g_assert_null (invalid);
    }
}

static void
test_apply (void)
{
  g_autoptr(PfAutoconfig) config = NULL;
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfAutoconfigServer) templated = NULL;
  g_autoptr(PfAutoconfigServer) oauth = NULL;
  g_autoptr(PfAutoconfigServer) unknown = NULL;
  g_autoptr(GError) error = NULL;

  config = parse_ok (gmx_document);

  /* Start from settings with values that must all be replaced. */
  settings = pf_server_settings_new (PF_SERVER_PROTOCOL_SMTP);
  pf_server_settings_set_host (settings, "old.example");
  pf_server_settings_set_port (settings, 25);
  pf_server_settings_set_security (settings, PF_SECURITY_NONE);
  pf_server_settings_set_allow_plaintext_password (settings, TRUE);
  pf_server_settings_set_auth_method (settings, PF_AUTH_METHOD_OAUTH2);
  pf_server_settings_set_username (settings, "old");

  pf_autoconfig_server_apply (pf_autoconfig_get_incoming (config, PF_SERVER_PROTOCOL_IMAP),
                              settings, "Max@GMX.de");
  g_assert_cmpint (pf_server_settings_get_protocol (settings), ==, PF_SERVER_PROTOCOL_IMAP);
  g_assert_cmpstr (pf_server_settings_get_host (settings), ==, "imap.gmx.net");
  g_assert_cmpuint (pf_server_settings_get_port (settings), ==, 993);
  g_assert_cmpint (pf_server_settings_get_security (settings), ==, PF_SECURITY_TLS);
  g_assert_cmpint (pf_server_settings_get_auth_method (settings), ==, PF_AUTH_METHOD_AUTO);
  g_assert_cmpstr (pf_server_settings_get_username (settings), ==, "Max@gmx.de");
  g_assert_false (pf_server_settings_get_allow_plaintext_password (settings));
  pf_server_settings_validate (settings, &error);
  g_assert_no_error (error);

  /* A host from a template, no encryption: consent stays off, so the
   * settings are not valid until the user gives it. */
  templated = pf_autoconfig_server_new (PF_SERVER_PROTOCOL_POP3);
  templated->host = g_strdup ("pop.%EMAILDOMAIN%");
  templated->port = 110;
  templated->security = PF_SECURITY_NONE;
  templated->auth_method = PF_AUTH_METHOD_PASSWORD;
  templated->username = g_strdup ("%EMAILLOCALPART%");
  pf_server_settings_set_allow_plaintext_password (settings, TRUE);
  pf_autoconfig_server_apply (templated, settings, "max@Example.ORG");
  g_assert_cmpint (pf_server_settings_get_protocol (settings), ==, PF_SERVER_PROTOCOL_POP3);
  g_assert_cmpstr (pf_server_settings_get_host (settings), ==, "pop.example.org");
  g_assert_cmpuint (pf_server_settings_get_port (settings), ==, 110);
  g_assert_cmpint (pf_server_settings_get_security (settings), ==, PF_SECURITY_NONE);
  g_assert_cmpstr (pf_server_settings_get_username (settings), ==, "max");
  g_assert_false (pf_server_settings_get_allow_plaintext_password (settings));
  g_assert_false (pf_server_settings_validate (settings, &error));
  g_assert_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_PLAINTEXT_NOT_ALLOWED);
  g_clear_error (&error);

  /* OAuth2 stays OAuth2. */
  oauth = pf_autoconfig_server_new (PF_SERVER_PROTOCOL_SMTP);
  oauth->host = g_strdup ("smtp-mail.outlook.com");
  oauth->port = 587;
  oauth->security = PF_SECURITY_STARTTLS;
  oauth->auth_method = PF_AUTH_METHOD_OAUTH2;
  oauth->username = g_strdup ("%EMAILADDRESS%");
  pf_autoconfig_server_apply (oauth, settings, "someone@outlook.com");
  g_assert_cmpint (pf_server_settings_get_protocol (settings), ==, PF_SERVER_PROTOCOL_SMTP);
  g_assert_cmpint (pf_server_settings_get_auth_method (settings), ==, PF_AUTH_METHOD_OAUTH2);
  g_assert_cmpstr (pf_server_settings_get_username (settings), ==, "someone@outlook.com");
  g_assert_cmpuint (pf_server_settings_get_port (settings), ==, 587);

  /* No username template (SRV, guessing): the address; no port: the
   * protocol's own. */
  unknown = pf_autoconfig_server_new (PF_SERVER_PROTOCOL_IMAP);
  unknown->host = g_strdup ("mail.example.org");
  unknown->security = PF_SECURITY_STARTTLS;
  pf_autoconfig_server_apply (unknown, settings, " max@example.org ");
  g_assert_cmpstr (pf_server_settings_get_username (settings), ==, "max@example.org");
  g_assert_cmpuint (pf_server_settings_get_port (settings), ==, 143);
  g_assert_cmpint (pf_server_settings_get_auth_method (settings), ==, PF_AUTH_METHOD_AUTO);
}

static void
test_copy (void)
{
  g_autoptr(PfAutoconfig) config = parse_ok (gmx_document);
  g_autoptr(PfAutoconfig) copy = pf_autoconfig_copy (config);
  g_autoptr(PfAutoconfig) empty = pf_autoconfig_new (PF_AUTOCONFIG_SOURCE_GUESS);
  g_autoptr(PfAutoconfig) empty_copy = NULL;

  g_assert_cmpstr (copy->provider_id, ==, config->provider_id);
  g_assert_true (copy->provider_id != config->provider_id);
  g_assert_cmpstr (copy->display_name, ==, config->display_name);
  g_assert_cmpstrv (copy->domains, config->domains);
  g_assert_cmpuint (copy->incoming->len, ==, config->incoming->len);
  g_assert_cmpuint (copy->outgoing->len, ==, config->outgoing->len);
  for (guint i = 0; i < config->incoming->len; i++)
    {
      const PfAutoconfigServer *a = g_ptr_array_index (config->incoming, i);
      const PfAutoconfigServer *b = g_ptr_array_index (copy->incoming, i);

      g_assert_true (a != b && a->host != b->host);
      assert_server (b, a->protocol, a->host, a->port, a->security, a->auth_method, a->username);
    }

  g_assert_nonnull (empty->domains);
  g_assert_null (empty->domains[0]);
  g_assert_null (pf_autoconfig_get_outgoing (empty));
  empty_copy = pf_autoconfig_copy (empty);
  g_assert_cmpint (empty_copy->source, ==, PF_AUTOCONFIG_SOURCE_GUESS);
  g_assert_null (empty_copy->domains[0]);
}

/* The built-in table */

typedef struct
{
  const char *domains[3];       /* found by each */
  const char *provider_id;
  const char *imap_host;
  guint16     imap_port;
  PfSecurity  imap_security;
  const char *pop3_host;        /* NULL: the provider has no POP3 */
  guint16     pop3_port;
  const char *smtp_host;
  guint16     smtp_port;
  PfSecurity  smtp_security;
  PfAuthMethod auth_method;
  PfUsernameForm username_form;
  PfUsernameForm smtp_username_form;
} ProviderCase;

static const ProviderCase providers[] = {
  { { "gmx.net", "gmx.de", "GMX.AT" }, "gmx.net",
    "imap.gmx.net", 993, PF_SECURITY_TLS, "pop.gmx.net", 995,
    "mail.gmx.net", 465, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD,
    PF_USERNAME_FORM_ADDRESS, PF_USERNAME_FORM_ADDRESS },
  { { "gmx.ch", "gmx.eu", NULL }, "gmx.net",
    "imap.gmx.net", 993, PF_SECURITY_TLS, "pop.gmx.net", 995,
    "mail.gmx.net", 465, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD,
    PF_USERNAME_FORM_ADDRESS, PF_USERNAME_FORM_ADDRESS },
  { { "web.de", "WEB.DE.", NULL }, "web.de",
    "imap.web.de", 993, PF_SECURITY_TLS, "pop3.web.de", 995,
    "smtp.web.de", 465, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD, PF_USERNAME_FORM_LOCAL_PART,
    PF_USERNAME_FORM_LOCAL_PART },
  { { "t-online.de", "magenta.de", NULL }, "t-online.de",
    "secureimap.t-online.de", 993, PF_SECURITY_TLS, "securepop.t-online.de", 995,
    "securesmtp.t-online.de", 465, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD,
    PF_USERNAME_FORM_ADDRESS, PF_USERNAME_FORM_ADDRESS },
  { { "posteo.de", "posteo.net", "posteo.co.uk" }, "posteo.de",
    "posteo.de", 993, PF_SECURITY_TLS, "posteo.de", 995,
    "posteo.de", 465, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD,
    PF_USERNAME_FORM_ADDRESS, PF_USERNAME_FORM_ADDRESS },
  { { "mailbox.org", "MailBox.Org", NULL }, "mailbox.org",
    "imap.mailbox.org", 993, PF_SECURITY_TLS, "pop3.mailbox.org", 995,
    "smtp.mailbox.org", 465, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD,
    PF_USERNAME_FORM_ADDRESS, PF_USERNAME_FORM_ADDRESS },
  { { "ionos.de", "kundenserver.de", NULL }, "ionos.de",
    "imap.ionos.de", 993, PF_SECURITY_TLS, "pop.ionos.de", 995,
    "smtp.ionos.de", 465, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD,
    PF_USERNAME_FORM_ADDRESS, PF_USERNAME_FORM_ADDRESS },
  { { "online.de", "onlinehome.de", NULL }, "1und1.de",
    "imap.1und1.de", 993, PF_SECURITY_TLS, "pop.1und1.de", 995,
    "smtp.1und1.de", 465, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD,
    PF_USERNAME_FORM_ADDRESS, PF_USERNAME_FORM_ADDRESS },
  { { "freenet.de", "Freenet.de", NULL }, "freenet.de",
    "mx.freenet.de", 993, PF_SECURITY_TLS, "mx.freenet.de", 995,
    "mx.freenet.de", 465, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD,
    PF_USERNAME_FORM_ADDRESS, PF_USERNAME_FORM_ADDRESS },
  /* Google lists OAuth2 first and a password besides: a password server. */
  { { "gmail.com", "googlemail.com", NULL }, "googlemail.com",
    "imap.gmail.com", 993, PF_SECURITY_TLS, "pop.gmail.com", 995,
    "smtp.gmail.com", 587, PF_SECURITY_STARTTLS, PF_AUTH_METHOD_PASSWORD,
    PF_USERNAME_FORM_ADDRESS, PF_USERNAME_FORM_ADDRESS },
  { { "outlook.com", "hotmail.com", "live.com" }, "hotmail.com",
    "outlook.office365.com", 993, PF_SECURITY_TLS, "outlook.office365.com", 995,
    "smtp-mail.outlook.com", 587, PF_SECURITY_STARTTLS, PF_AUTH_METHOD_OAUTH2,
    PF_USERNAME_FORM_ADDRESS, PF_USERNAME_FORM_ADDRESS },
  { { "msn.com", "hotmail.de", "outlook.de" }, "hotmail.com",
    "outlook.office365.com", 993, PF_SECURITY_TLS, "outlook.office365.com", 995,
    "smtp-mail.outlook.com", 587, PF_SECURITY_STARTTLS, PF_AUTH_METHOD_OAUTH2,
    PF_USERNAME_FORM_ADDRESS, PF_USERNAME_FORM_ADDRESS },
  /* iCloud: the local part for IMAP, no POP3. */
  { { "icloud.com", "me.com", "mac.com" }, "me.com",
    "imap.mail.me.com", 993, PF_SECURITY_TLS, NULL, 0,
    "smtp.mail.me.com", 587, PF_SECURITY_STARTTLS, PF_AUTH_METHOD_PASSWORD,
    PF_USERNAME_FORM_LOCAL_PART, PF_USERNAME_FORM_ADDRESS },
  { { "yahoo.com", "yahoo.de", "ymail.com" }, "yahoo.com",
    "imap.mail.yahoo.com", 993, PF_SECURITY_TLS, "pop.mail.yahoo.com", 995,
    "smtp.mail.yahoo.com", 587, PF_SECURITY_STARTTLS, PF_AUTH_METHOD_PASSWORD,
    PF_USERNAME_FORM_ADDRESS, PF_USERNAME_FORM_ADDRESS },
};

static void
test_builtin_providers (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    {
      const ProviderCase *c = &providers[i];

      for (guint j = 0; j < G_N_ELEMENTS (c->domains) && c->domains[j] != NULL; j++)
        {
          g_autoptr(PfAutoconfig) config = pf_autoconfig_lookup_builtin (c->domains[j]);
          const PfAutoconfigServer *imap;
          const PfAutoconfigServer *pop3;
          const PfAutoconfigServer *smtp;

          g_test_message ("domain %s", c->domains[j]);
          g_assert_nonnull (config);
          g_assert_cmpint (config->source, ==, PF_AUTOCONFIG_SOURCE_BUILTIN);
          g_assert_cmpstr (config->provider_id, ==, c->provider_id);
          g_assert_nonnull (config->display_name);

          imap = pf_autoconfig_get_incoming (config, PF_SERVER_PROTOCOL_IMAP);
          g_assert_nonnull (imap);
          g_assert_cmpstr (imap->host, ==, c->imap_host);
          g_assert_cmpuint (imap->port, ==, c->imap_port);
          g_assert_cmpint (imap->security, ==, c->imap_security);
          g_assert_cmpint (imap->auth_method, ==, c->auth_method);
          g_assert_cmpint (pf_autoconfig_server_get_username_form (imap), ==, c->username_form);
          /* IMAP is preferred wherever both are offered. */
          g_assert_true (g_ptr_array_index (config->incoming, 0) == imap);

          pop3 = pf_autoconfig_get_incoming (config, PF_SERVER_PROTOCOL_POP3);
          if (c->pop3_host == NULL)
            g_assert_null (pop3);
          else
            {
              g_assert_nonnull (pop3);
              g_assert_cmpstr (pop3->host, ==, c->pop3_host);
              g_assert_cmpuint (pop3->port, ==, c->pop3_port);
              g_assert_cmpint (pop3->security, ==, PF_SECURITY_TLS);
              g_assert_cmpint (pop3->auth_method, ==, c->auth_method);
            }

          smtp = pf_autoconfig_get_outgoing (config);
          g_assert_nonnull (smtp);
          g_assert_cmpstr (smtp->host, ==, c->smtp_host);
          g_assert_cmpuint (smtp->port, ==, c->smtp_port);
          g_assert_cmpint (smtp->security, ==, c->smtp_security);
          g_assert_cmpint (smtp->auth_method, ==, c->auth_method);
          g_assert_cmpint (pf_autoconfig_server_get_username_form (smtp), ==,
                           c->smtp_username_form);
        }
    }
}

/* The second choices the documents give, where they matter. */
static void
test_builtin_alternatives (void)
{
  g_autoptr(PfAutoconfig) gmx = pf_autoconfig_lookup_builtin ("gmx.de");
  g_autoptr(PfAutoconfig) gmail = pf_autoconfig_lookup_builtin ("gmail.com");
  g_autoptr(PfAutoconfig) outlook = pf_autoconfig_lookup_builtin ("hotmail.com");

  g_assert_cmpuint (gmx->incoming->len, ==, 4);
  assert_server (g_ptr_array_index (gmx->incoming, 1), PF_SERVER_PROTOCOL_IMAP,
                 "imap.gmx.net", 143, PF_SECURITY_STARTTLS, PF_AUTH_METHOD_PASSWORD,
                 "%EMAILADDRESS%");
  assert_server (g_ptr_array_index (gmx->incoming, 3), PF_SERVER_PROTOCOL_POP3,
                 "pop.gmx.net", 110, PF_SECURITY_STARTTLS, PF_AUTH_METHOD_PASSWORD,
                 "%EMAILADDRESS%");
  g_assert_cmpuint (gmx->outgoing->len, ==, 2);
  assert_server (g_ptr_array_index (gmx->outgoing, 1), PF_SERVER_PROTOCOL_SMTP,
                 "mail.gmx.net", 587, PF_SECURITY_STARTTLS, PF_AUTH_METHOD_PASSWORD,
                 "%EMAILADDRESS%");

  g_assert_cmpuint (gmail->outgoing->len, ==, 2);
  assert_server (g_ptr_array_index (gmail->outgoing, 1), PF_SERVER_PROTOCOL_SMTP,
                 "smtp.gmail.com", 465, PF_SECURITY_TLS, PF_AUTH_METHOD_PASSWORD,
                 "%EMAILADDRESS%");

  g_assert_cmpuint (outlook->outgoing->len, ==, 2);
  assert_server (g_ptr_array_index (outlook->outgoing, 1), PF_SERVER_PROTOCOL_SMTP,
                 "smtp.office365.com", 587, PF_SECURITY_STARTTLS, PF_AUTH_METHOD_OAUTH2,
                 "%EMAILADDRESS%");
}

static void
test_builtin_unknown (void)
{
  const char *unknown[] = {
    "example.org", "", ".", "gmx", "net", "gmx.com", "mail.gmx.net", "xgmx.net",
    "gmx.net.evil.example", "gmail.com..", "%EMAILDOMAIN%",
  };

  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      g_autoptr(PfAutoconfig) config = pf_autoconfig_lookup_builtin (unknown[i]);

      g_test_message ("domain %s", unknown[i]);
      g_assert_null (config);
    }
}

/* Every file of the table parses, with IMAP and SMTP, its own domains,
 * and no domain in two files. */
static void
test_builtin_every_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) names = NULL;
  guint n_files = 0;

  names = g_resources_enumerate_children ("/org/postfach/Postfach/providers/",
                                          G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  g_assert_no_error (error);

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_strconcat ("/org/postfach/Postfach/providers/", names[i], NULL);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(PfAutoconfig) config = NULL;
      g_autofree char *id_file = NULL;

      g_test_message ("file %s", names[i]);
      g_assert_true (g_str_has_suffix (names[i], ".xml"));
      bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
      g_assert_no_error (error);
      config = pf_autoconfig_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                    PF_AUTOCONFIG_SOURCE_BUILTIN, &error);
      g_assert_no_error (error);

      /* Named after its id. */
      id_file = g_strconcat (config->provider_id, ".xml", NULL);
      g_assert_cmpstr (names[i], ==, id_file);
      g_assert_nonnull (config->display_name);
      g_assert_nonnull (pf_autoconfig_get_incoming (config, PF_SERVER_PROTOCOL_IMAP));
      g_assert_nonnull (pf_autoconfig_get_outgoing (config));
      g_assert_cmpuint (g_strv_length (config->domains), >, 0);

      for (guint j = 0; j < config->incoming->len; j++)
        {
          const PfAutoconfigServer *server = g_ptr_array_index (config->incoming, j);

          /* Safe by default: nothing unencrypted in the table. */
          g_assert_cmpint (server->security, !=, PF_SECURITY_NONE);
          g_assert_cmpint (pf_autoconfig_server_get_username_form (server), !=,
                           PF_USERNAME_FORM_UNKNOWN);
        }
      for (guint j = 0; j < config->outgoing->len; j++)
        {
          const PfAutoconfigServer *server = g_ptr_array_index (config->outgoing, j);

          g_assert_cmpint (server->security, !=, PF_SECURITY_NONE);
        }

      for (guint j = 0; config->domains[j] != NULL; j++)
        {
          g_autoptr(PfAutoconfig) found = pf_autoconfig_lookup_builtin (config->domains[j]);

          g_assert_false (g_hash_table_contains (seen, config->domains[j]));
          g_hash_table_insert (seen, g_strdup (config->domains[j]), g_strdup (names[i]));
          g_assert_nonnull (found);
          g_assert_cmpstr (found->provider_id, ==, config->provider_id);
        }
      n_files++;
    }

  g_assert_cmpuint (n_files, >=, 12);
}

static gpointer
lookup_thread (gpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (providers); i++)
    {
      g_autoptr(PfAutoconfig) config = pf_autoconfig_lookup_builtin (providers[i].domains[0]);

      g_assert_nonnull (config);
      g_assert_cmpstr (config->provider_id, ==, providers[i].provider_id);
    }

  return NULL;
}

/* Run in a subprocess, so that the index is built while the threads race. */
static void
test_builtin_threads (void)
{
  if (g_test_subprocess ())
    {
      GThread *threads[4];

      for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
        threads[i] = g_thread_new ("lookup", lookup_thread, NULL);
      for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
        g_thread_join (threads[i]);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_check_status_type (void)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (PF_TYPE_CHECK_STATUS);
  static const struct {
    PfCheckStatus status;
    const char *nick;
  } values[] = {
    { PF_CHECK_RUNNING, "running" },
    { PF_CHECK_OK, "ok" },
    { PF_CHECK_FAILED, "failed" },
    { PF_CHECK_SKIPPED, "skipped" },
    { PF_CHECK_INFO, "info" },
  };

  g_assert_true (G_TYPE_IS_ENUM (PF_TYPE_CHECK_STATUS));
  g_assert_cmpstr (g_type_name (PF_TYPE_CHECK_STATUS), ==, "PfCheckStatus");
  g_assert_cmpuint (klass->n_values, ==, G_N_ELEMENTS (values));
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      GEnumValue *value = g_enum_get_value (klass, values[i].status);

      g_assert_nonnull (value);
      g_assert_cmpstr (value->value_nick, ==, values[i].nick);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/autoconfig/parse/ispdb-document", test_parse_ispdb_document);
  g_test_add_func ("/autoconfig/parse/socket-type", test_parse_socket_type);
  g_test_add_func ("/autoconfig/parse/authentication", test_parse_authentication);
  g_test_add_func ("/autoconfig/parse/smtp-without-login", test_parse_smtp_without_login);
  g_test_add_func ("/autoconfig/parse/skips-unknown", test_parse_skips_unknown);
  g_test_add_func ("/autoconfig/parse/ports-and-hosts", test_parse_ports_and_hosts);
  g_test_add_func ("/autoconfig/parse/control-characters", test_parse_control_characters);
  g_test_add_func ("/autoconfig/parse/hostile", test_parse_hostile);
  g_test_add_func ("/autoconfig/parse/length", test_parse_length);
  g_test_add_func ("/autoconfig/address/split", test_split_address);
  g_test_add_func ("/autoconfig/username", test_username);
  g_test_add_func ("/autoconfig/apply", test_apply);
  g_test_add_func ("/autoconfig/copy", test_copy);
  g_test_add_func ("/autoconfig/builtin/threads", test_builtin_threads);
  g_test_add_func ("/autoconfig/builtin/providers", test_builtin_providers);
  g_test_add_func ("/autoconfig/builtin/alternatives", test_builtin_alternatives);
  g_test_add_func ("/autoconfig/builtin/unknown", test_builtin_unknown);
  g_test_add_func ("/autoconfig/builtin/every-file", test_builtin_every_file);
  g_test_add_func ("/autoconfig/check-status-type", test_check_status_type);

  return g_test_run ();
}
