/* fuzz-autoconfig.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-fuzz"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "account/pf-autoconfig.h"

/*
 * libFuzzer target for the clientConfig parser: the input is a document
 * as an autoconfig server (or anyone on the way) could send it.
 *
 * A document either parses into a configuration that keeps every promise
 * of pf_autoconfig_parse() (servers with valid hosts and ports on the
 * right list, at least one of each direction, unique lower-case domains),
 * or fails with a PF_AUTOCONFIG_ERROR of a documented code. A copy must
 * equal the original, and when the input holds no NUL byte, parsing it as
 * a NUL-terminated string must give the same result.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

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
describe_server (GString                  *log,
                 const PfAutoconfigServer *server)
{
  g_string_append_printf (log, "%d %s %u %d %d %s\n", server->protocol, server->host,
                          server->port, server->security, server->auth_method,
                          server->username != NULL ? server->username : "(null)");
}

static void
check_server (const PfAutoconfigServer *server,
              gboolean                  incoming)
{
  g_autofree char *username = NULL;
  PfUsernameForm form;

  g_assert_nonnull (server);
  if (incoming)
    g_assert_true (server->protocol == PF_SERVER_PROTOCOL_IMAP ||
                   server->protocol == PF_SERVER_PROTOCOL_POP3);
  else
    g_assert_true (server->protocol == PF_SERVER_PROTOCOL_SMTP);

  g_assert_nonnull (server->host);
  g_assert_true (pf_autoconfig_is_valid_host (server->host));
  g_assert_cmpuint (server->port, !=, 0);
  g_assert_true (server->security == PF_SECURITY_TLS ||
                 server->security == PF_SECURITY_STARTTLS ||
                 server->security == PF_SECURITY_NONE);
  g_assert_true (server->auth_method == PF_AUTH_METHOD_AUTO ||
                 server->auth_method == PF_AUTH_METHOD_PASSWORD ||
                 server->auth_method == PF_AUTH_METHOD_OAUTH2);

  form = pf_autoconfig_server_get_username_form (server);
  username = pf_autoconfig_server_expand_username (server, "Fuzz.User@Example.ORG");
  if (server->username == NULL)
    {
      g_assert_cmpint (form, ==, PF_USERNAME_FORM_UNKNOWN);
      g_assert_null (username);
    }
  else
    {
      g_assert_cmpstr (server->username, !=, "");
      g_assert_true (g_utf8_validate (server->username, -1, NULL));
      g_assert_false (has_control_characters (server->username));
      g_assert_true (g_utf8_validate (username, -1, NULL));
      if (form == PF_USERNAME_FORM_ADDRESS)
        g_assert_cmpstr (username, ==, "Fuzz.User@example.org");
      else if (form == PF_USERNAME_FORM_LOCAL_PART)
        g_assert_cmpstr (username, ==, "Fuzz.User");
      else
        g_assert_cmpint (form, ==, PF_USERNAME_FORM_OTHER);
    }
}

static GString *
run (const char *text,
     gssize      length)
{
  g_autoptr(PfAutoconfig) config = NULL;
  g_autoptr(PfAutoconfig) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) domains = g_hash_table_new (g_str_hash, g_str_equal);
  GString *log = g_string_new (NULL);

  config = pf_autoconfig_parse (text, length, PF_AUTOCONFIG_SOURCE_AUTOCONFIG, &error);
  if (config == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == PF_AUTOCONFIG_ERROR);
      g_assert_true (error->code == PF_AUTOCONFIG_ERROR_INVALID ||
                     error->code == PF_AUTOCONFIG_ERROR_NO_SERVERS);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_string_append_printf (log, "error %d: %s\n", error->code, error->message);
      return log;
    }

  g_assert_no_error (error);
  g_assert_cmpint (config->source, ==, PF_AUTOCONFIG_SOURCE_AUTOCONFIG);
  g_assert_cmpuint (config->incoming->len, >, 0);
  g_assert_cmpuint (config->outgoing->len, >, 0);
  g_assert_cmpuint (config->incoming->len + config->outgoing->len, <=, 32);
  g_assert_true (pf_autoconfig_get_outgoing (config) == g_ptr_array_index (config->outgoing, 0));

  g_string_append_printf (log, "%s|%s\n",
                          config->provider_id != NULL ? config->provider_id : "(null)",
                          config->display_name != NULL ? config->display_name : "(null)");
  g_assert_true (config->provider_id == NULL ||
                 (g_utf8_validate (config->provider_id, -1, NULL) &&
                  *config->provider_id != '\0' &&
                  !has_control_characters (config->provider_id)));
  g_assert_true (config->display_name == NULL ||
                 (g_utf8_validate (config->display_name, -1, NULL) &&
                  !has_control_characters (config->display_name)));

  g_assert_nonnull (config->domains);
  g_assert_cmpuint (g_strv_length (config->domains), <=, 256);
  for (guint i = 0; config->domains[i] != NULL; i++)
    {
      const char *domain = config->domains[i];
      g_autofree char *lower = g_ascii_strdown (domain, -1);

      g_assert_cmpstr (domain, ==, lower);
      g_assert_true (pf_autoconfig_is_valid_host (domain));
      g_assert_null (strchr (domain, '%'));
      g_assert_false (g_hash_table_contains (domains, domain));
      g_hash_table_add (domains, (gpointer) domain);
      g_string_append_printf (log, "domain %s\n", domain);
    }

  for (guint i = 0; i < config->incoming->len; i++)
    {
      check_server (g_ptr_array_index (config->incoming, i), TRUE);
      describe_server (log, g_ptr_array_index (config->incoming, i));
    }
  for (guint i = 0; i < config->outgoing->len; i++)
    {
      check_server (g_ptr_array_index (config->outgoing, i), FALSE);
      describe_server (log, g_ptr_array_index (config->outgoing, i));
    }

  /* The copy describes the same configuration. */
  copy = pf_autoconfig_copy (config);
  g_assert_cmpstrv (copy->domains, config->domains);
  g_assert_cmpuint (copy->incoming->len, ==, config->incoming->len);
  g_assert_cmpuint (copy->outgoing->len, ==, config->outgoing->len);
  for (guint i = 0; i < config->incoming->len; i++)
    {
      g_autoptr(GString) a = g_string_new (NULL);
      g_autoptr(GString) b = g_string_new (NULL);

      describe_server (a, g_ptr_array_index (config->incoming, i));
      describe_server (b, g_ptr_array_index (copy->incoming, i));
      g_assert_cmpstr (a->str, ==, b->str);
    }

  return log;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GString *counted;

  counted = run ((const char *) data, size);

  if (memchr (data, '\0', size) == NULL)
    {
      g_autofree char *terminated = g_strndup ((const char *) data, size);
      GString *whole = run (terminated, -1);

      g_assert_cmpstr (counted->str, ==, whole->str);
      g_string_free (whole, TRUE);

      /* The same bytes as an address, for the splitter. */
      if (pf_autoconfig_split_address (terminated, NULL, NULL))
        {
          g_autofree char *local_part = NULL;
          g_autofree char *domain = NULL;

          g_assert_true (pf_autoconfig_split_address (terminated, &local_part, &domain));
          g_assert_cmpstr (local_part, !=, "");
          g_assert_cmpstr (domain, !=, "");
          g_assert_true (g_utf8_validate (domain, -1, NULL));
        }
    }

  g_string_free (counted, TRUE);
  return 0;
}
