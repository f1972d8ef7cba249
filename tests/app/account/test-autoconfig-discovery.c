/* test-autoconfig-discovery.c: PfAutoconfigDiscovery's sources in order,
 * against an HTTPS server in the test, a resolver that knows the test's
 * names and SRV records, and the real Dovecot and SMTP test servers.
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "account/pf-autoconfig-discovery.h"
#include "pf-test-https.h"
#include "pf-test-resolver.h"
#include "pf-test-servers.h"

#define DOMAIN "example.test"
#define ADDRESS "someone@" DOMAIN

/* Fixture */

typedef struct
{
  guint          id;
  PfCheckStatus  status;
  char          *text;
} Step;

typedef struct
{
  PfTestServers         *servers;
  PfTestHttps           *https;
  PfAutoconfigDiscovery *discovery;
  GTlsDatabase          *database;
  GArray                *steps;   /* of Step */
  PfAutoconfig          *result;
  GError                *error;
  GCancellable          *cancellable;
  gint64                 cancelled_at;
  gint64                 ended_at;
  gint64                 duration;
  gboolean               done;
} Fixture;

static void
step_clear (Step *step)
{
  g_free (step->text);
}

static void
on_step_cb (PfAutoconfigDiscovery *discovery,
            guint                  id,
            PfCheckStatus          status,
            const char            *text,
            Fixture               *fixture)
{
  Step step = { id, status, g_strdup (text) };

  g_test_message ("step %u %s: %s", id,
                  g_enum_get_value (g_type_class_peek (PF_TYPE_CHECK_STATUS), status)->value_nick,
                  text);
  g_array_append_val (fixture->steps, step);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->servers = pf_test_servers_get_full (PF_TEST_SERVERS_VARIANTS);
  pf_test_resolver_install ();

  fixture->database = g_tls_file_database_new (pf_test_servers_get_ca_file (fixture->servers),
                                               &error);
  g_assert_no_error (error);

  fixture->discovery = pf_autoconfig_discovery_new ();
  pf_autoconfig_discovery_set_tls_database (fixture->discovery, fixture->database);
  g_signal_connect (fixture->discovery, "step", G_CALLBACK (on_step_cb), fixture);

  fixture->steps = g_array_new (FALSE, TRUE, sizeof (Step));
  g_array_set_clear_func (fixture->steps, (GDestroyNotify) step_clear);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* Let cancelled probes and requests come back before the servers go. */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);

  pf_test_resolver_uninstall ();
  g_clear_pointer (&fixture->https, pf_test_https_free);
  g_clear_object (&fixture->discovery);
  g_clear_object (&fixture->database);
  g_clear_pointer (&fixture->steps, g_array_unref);
  g_clear_pointer (&fixture->result, pf_autoconfig_free);
  g_clear_error (&fixture->error);
  g_clear_object (&fixture->cancellable);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  Fixture *fixture = user_data;

  fixture->result = pf_autoconfig_discovery_run_finish (PF_AUTOCONFIG_DISCOVERY (object), result,
                                                        &fixture->error);
  fixture->done = TRUE;
  fixture->ended_at = g_get_monotonic_time ();
}

static void
run (Fixture      *fixture,
     const char   *address,
     GCancellable *cancellable)
{
  gint64 start = g_get_monotonic_time ();

  fixture->done = FALSE;
  pf_autoconfig_discovery_run_async (fixture->discovery, address, cancellable, run_cb, fixture);
  while (!fixture->done)
    g_main_context_iteration (NULL, TRUE);
  fixture->duration = (g_get_monotonic_time () - start) / 1000;
  g_test_message ("took %" G_GINT64_FORMAT " ms", fixture->duration);
}

/* The last status a step reached, or -1 if there was no such step. */
static int
find_step (Fixture    *fixture,
           const char *text_part,
           guint      *out_id)
{
  int status = -1;
  guint id = 0;

  for (guint i = 0; i < fixture->steps->len; i++)
    {
      const Step *step = &g_array_index (fixture->steps, Step, i);

      if (strstr (step->text, text_part) != NULL)
        {
          id = step->id;
          break;
        }
    }
  if (id == 0)
    return -1;

  for (guint i = 0; i < fixture->steps->len; i++)
    {
      const Step *step = &g_array_index (fixture->steps, Step, i);

      if (step->id == id)
        status = step->status;
    }
  if (out_id != NULL)
    *out_id = id;

  return status;
}

/* Every step that began must have ended. */
static void
assert_steps_ended (Fixture *fixture)
{
  for (guint i = 0; i < fixture->steps->len; i++)
    {
      const Step *step = &g_array_index (fixture->steps, Step, i);
      gboolean ended = FALSE;

      if (step->status != PF_CHECK_RUNNING)
        continue;
      for (guint j = i + 1; j < fixture->steps->len; j++)
        {
          const Step *later = &g_array_index (fixture->steps, Step, j);

          if (later->id == step->id && later->status != PF_CHECK_RUNNING)
            ended = TRUE;
        }
      if (!ended)
        g_error ("Step %u “%s” never ended", step->id, step->text);
    }
}

static void
assert_server (const PfAutoconfigServer *server,
               PfServerProtocol          protocol,
               const char               *host,
               guint16                   port,
               PfSecurity                security)
{
  g_assert_nonnull (server);
  g_assert_cmpint (server->protocol, ==, protocol);
  g_assert_cmpstr (server->host, ==, host);
  g_assert_cmpuint (server->port, ==, port);
  g_assert_cmpint (server->security, ==, security);
}

static char *
make_document (const char *imap_host,
               const char *smtp_host)
{
  return g_strdup_printf (
    "<?xml version=\"1.0\"?>\n"
    "<clientConfig version=\"1.1\">\n"
    "  <emailProvider id=\"" DOMAIN "\">\n"
    "    <domain>" DOMAIN "</domain>\n"
    "    <displayName>Example</displayName>\n"
    "    <incomingServer type=\"imap\">\n"
    "      <hostname>%s</hostname><port>993</port><socketType>SSL</socketType>\n"
    "      <authentication>password-cleartext</authentication>\n"
    "      <username>%%EMAILADDRESS%%</username>\n"
    "    </incomingServer>\n"
    "    <outgoingServer type=\"smtp\">\n"
    "      <hostname>%s</hostname><port>465</port><socketType>SSL</socketType>\n"
    "      <authentication>password-cleartext</authentication>\n"
    "      <username>%%EMAILADDRESS%%</username>\n"
    "    </outgoingServer>\n"
    "  </emailProvider>\n"
    "</clientConfig>\n", imap_host, smtp_host);
}

static void
add_test_srv (Fixture *fixture)
{
  PfTestServers *servers = fixture->servers;

  pf_test_resolver_add_srv_full ("_imaps._tcp." DOMAIN, "imap." DOMAIN,
                                 pf_test_servers_get_port (servers, "imaps"), 10, 0);
  pf_test_resolver_add_srv_full ("_submission._tcp." DOMAIN, "smtp." DOMAIN,
                                 pf_test_servers_get_port (servers, "submission"), 0, 0);
}

static void
start_https (Fixture    *fixture,
             gboolean    trusted)
{
  const PfTestCertificates *certificates = pf_test_certificates_get (fixture->servers);

  fixture->https = pf_test_https_new (trusted ? certificates->cert_file
                                              : certificates->self_signed_cert_file,
                                      trusted ? certificates->key_file
                                              : certificates->self_signed_key_file,
                                      "127.0.0.1", 0);
  pf_autoconfig_discovery_set_https_port (fixture->discovery,
                                          pf_test_https_get_port (fixture->https));
}

/* Tests */

static void
test_invalid_address (Fixture       *fixture,
                      gconstpointer  data)
{
  const char *invalid[] = { "someone", "someone@", "@" DOMAIN, "" };

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_clear_error (&fixture->error);
      run (fixture, invalid[i], NULL);
      g_assert_error (fixture->error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_INVALID_ADDRESS);
      g_assert_null (fixture->result);
    }
  g_assert_cmpuint (fixture->steps->len, ==, 0);
  g_assert_cmpuint (pf_test_resolver_get_lookups (), ==, 0);
}

static void
test_builtin (Fixture       *fixture,
              gconstpointer  data)
{
  const Step *step;

  run (fixture, "someone@gmx.de", NULL);

  g_assert_no_error (fixture->error);
  g_assert_nonnull (fixture->result);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_BUILTIN);
  g_assert_cmpuint (fixture->result->incoming->len, >, 0);
  g_assert_cmpuint (fixture->result->outgoing->len, >, 0);
  /* Nothing was asked of the network. */
  g_assert_cmpuint (pf_test_resolver_get_lookups (), ==, 0);

  step = &g_array_index (fixture->steps, Step, 0);
  g_assert_cmpuint (step->id, ==, 1);
  g_assert_cmpint (step->status, ==, PF_CHECK_RUNNING);
  g_assert_cmpstr (step->text, ==, "Looking up gmx.de in the built-in provider list");
  step = &g_array_index (fixture->steps, Step, 1);
  g_assert_cmpuint (step->id, ==, 1);
  g_assert_cmpint (step->status, ==, PF_CHECK_OK);
  /* Then one INFO line per server. */
  for (guint i = 2; i < fixture->steps->len; i++)
    g_assert_cmpint (g_array_index (fixture->steps, Step, i).status, ==, PF_CHECK_INFO);
  g_assert_cmpuint (fixture->steps->len, ==,
                    2 + fixture->result->incoming->len + fixture->result->outgoing->len);
  assert_steps_ended (fixture);
}

static void
test_builtin_disabled (Fixture       *fixture,
                       gconstpointer  data)
{
  pf_autoconfig_discovery_set_use_builtin (fixture->discovery, FALSE);
  run (fixture, "someone@gmx.de", NULL);

  /* Nothing in the resolver's table: every other source fails. */
  g_assert_error (fixture->error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_NOT_FOUND);
  g_assert_cmpint (find_step (fixture, "built-in", NULL), ==, -1);
  g_assert_true (pf_test_resolver_was_asked ("autoconfig.gmx.de"));
}

static void
test_https_subdomain (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *document = make_document ("imap.other." DOMAIN, "smtp.other." DOMAIN);
  g_autofree char *url = NULL;
  const PfAutoconfigServer *server;
  guint found_id;

  start_https (fixture, TRUE);
  pf_test_resolver_add_host ("autoconfig." DOMAIN, "127.0.0.1");
  pf_test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 200, NULL,
                  document, 0);

  run (fixture, ADDRESS, NULL);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_AUTOCONFIG);
  g_assert_cmpuint (fixture->result->incoming->len, ==, 1);
  server = fixture->result->incoming->pdata[0];
  assert_server (server, PF_SERVER_PROTOCOL_IMAP, "imap.other." DOMAIN, 993, PF_SECURITY_TLS);
  g_assert_cmpstr (server->username, ==, "%EMAILADDRESS%");
  assert_server (fixture->result->outgoing->pdata[0], PF_SERVER_PROTOCOL_SMTP,
                 "smtp.other." DOMAIN, 465, PF_SECURITY_TLS);

  /* The provider's host is told the address. */
  g_assert_cmpuint (pf_test_https_get_requests (fixture->https)->len, ==, 1);
  g_assert_cmpstr (pf_test_https_get_requests (fixture->https)->pdata[0], ==,
                   "autoconfig." DOMAIN "/mail/config-v1.1.xml?emailaddress=someone%40" DOMAIN);

  url = g_strdup_printf ("https://autoconfig." DOMAIN ":%u/mail/config-v1.1.xml",
                         pf_test_https_get_port (fixture->https));
  g_assert_cmpint (find_step (fixture, url, &found_id), ==, PF_CHECK_OK);
  g_assert_cmpuint (found_id, ==, 2);
  g_assert_cmpint (find_step (fixture, "/.well-known/", NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "SRV", NULL), ==, -1);
  g_assert_cmpint (find_step (fixture, "built-in", NULL), ==, PF_CHECK_FAILED);
  assert_steps_ended (fixture);
}

static void
test_https_well_known (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *document = make_document ("imap.other." DOMAIN, "smtp.other." DOMAIN);
  g_autofree char *url = NULL;
  gboolean with_404 = GPOINTER_TO_INT (data);

  start_https (fixture, TRUE);
  /* Without the autoconfig host, or with one that knows nothing. */
  if (with_404)
    pf_test_resolver_add_host ("autoconfig." DOMAIN, "127.0.0.1");
  pf_test_resolver_add_host (DOMAIN, "127.0.0.1");
  pf_test_https_add (fixture->https, DOMAIN "/.well-known/autoconfig/mail/config-v1.1.xml", 200,
                  NULL, document, 0);

  run (fixture, ADDRESS, NULL);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_AUTOCONFIG);
  assert_server (fixture->result->incoming->pdata[0], PF_SERVER_PROTOCOL_IMAP,
                 "imap.other." DOMAIN, 993, PF_SECURITY_TLS);

  url = g_strdup_printf ("https://" DOMAIN ":%u/.well-known/autoconfig/mail/config-v1.1.xml",
                         pf_test_https_get_port (fixture->https));
  g_assert_cmpint (find_step (fixture, url, NULL), ==, PF_CHECK_OK);
  g_assert_cmpint (find_step (fixture, "https://autoconfig.", NULL), ==, PF_CHECK_FAILED);
  if (with_404)
    {
      g_assert_cmpint (find_step (fixture, "404", NULL), ==, PF_CHECK_FAILED);
      g_assert_cmpuint (pf_test_https_get_requests (fixture->https)->len, ==, 2);
    }
  else
    {
      g_assert_cmpint (find_step (fixture, "could not be found", NULL), ==, PF_CHECK_FAILED);
      /* The well-known URL is not told the address. */
      g_assert_cmpuint (pf_test_https_get_requests (fixture->https)->len, ==, 1);
      g_assert_cmpstr (pf_test_https_get_requests (fixture->https)->pdata[0], ==,
                       DOMAIN "/.well-known/autoconfig/mail/config-v1.1.xml");
    }
  assert_steps_ended (fixture);
}

static void
test_https_both (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *subdomain = make_document ("imap.sub." DOMAIN, "smtp.sub." DOMAIN);
  g_autofree char *well_known = make_document ("imap.wk." DOMAIN, "smtp.wk." DOMAIN);

  start_https (fixture, TRUE);
  pf_test_resolver_add_host ("autoconfig." DOMAIN, "127.0.0.1");
  pf_test_resolver_add_host (DOMAIN, "127.0.0.1");
  /* The subdomain answers later, and still wins. */
  pf_test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 200, NULL,
                  subdomain, 500);
  pf_test_https_add (fixture->https, DOMAIN "/.well-known/autoconfig/mail/config-v1.1.xml", 200,
                  NULL, well_known, 0);

  run (fixture, ADDRESS, NULL);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_AUTOCONFIG);
  assert_server (fixture->result->incoming->pdata[0], PF_SERVER_PROTOCOL_IMAP,
                 "imap.sub." DOMAIN, 993, PF_SECURITY_TLS);
  g_assert_cmpint (find_step (fixture, "https://autoconfig.", NULL), ==, PF_CHECK_OK);
  /* Both were asked at once: one after the other, the first answer would
   * have been the last request. */
  g_assert_cmpuint (pf_test_https_get_requests (fixture->https)->len, ==, 2);
  g_assert_cmpint (find_step (fixture, "/.well-known/", NULL), ==, PF_CHECK_OK);
  assert_steps_ended (fixture);
}

/* A redirect to HTTPS is followed, with the certificate checked for the
 * new host. */
static void
test_https_redirect (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *document = make_document ("imap.other." DOMAIN, "smtp.other." DOMAIN);
  g_autofree char *location = NULL;
  g_autofree char *moved = NULL;

  start_https (fixture, TRUE);
  pf_test_resolver_add_host ("autoconfig." DOMAIN, "127.0.0.1");
  pf_test_resolver_add_host ("other." DOMAIN, "127.0.0.1");
  location = g_strdup_printf ("https://other." DOMAIN ":%u/moved.xml",
                              pf_test_https_get_port (fixture->https));
  pf_test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 302, location,
                  NULL, 0);
  pf_test_https_add (fixture->https, "other." DOMAIN "/moved.xml", 200, NULL, document, 0);

  run (fixture, ADDRESS, NULL);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_AUTOCONFIG);
  assert_server (fixture->result->incoming->pdata[0], PF_SERVER_PROTOCOL_IMAP,
                 "imap.other." DOMAIN, 993, PF_SECURITY_TLS);
  g_assert_cmpuint (pf_test_https_get_requests (fixture->https)->len, ==, 2);
  g_assert_cmpstr (pf_test_https_get_requests (fixture->https)->pdata[1], ==,
                   "other." DOMAIN "/moved.xml");
  moved = g_strdup_printf ("redirects to %s", location);
  g_assert_cmpint (find_step (fixture, moved, NULL), ==, PF_CHECK_INFO);
  g_assert_cmpint (find_step (fixture, "https://autoconfig.", NULL), ==, PF_CHECK_OK);
  assert_steps_ended (fixture);
}

/* A source that fails moves on to the next: here the SRV records. */
static void
test_https_falls_through (Fixture       *fixture,
                          gconstpointer  data)
{
  const char *what = data;
  const char *reason;

  start_https (fixture, !g_str_equal (what, "untrusted"));
  pf_test_resolver_add_host ("autoconfig." DOMAIN, "127.0.0.1");
  pf_test_resolver_add_host (DOMAIN, "127.0.0.1");
  add_test_srv (fixture);

  if (g_str_equal (what, "invalid"))
    {
      pf_test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 200, NULL,
                      "<html><body>Welcome to nginx!</body></html>", 0);
      reason = "cannot be used";
    }
  else if (g_str_equal (what, "truncated"))
    {
      pf_test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 200, NULL,
                      "<?xml version=\"1.0\"?><clientConfig><emailProvider>", 0);
      reason = "cannot be used";
    }
  else if (g_str_equal (what, "too-large"))
    {
      g_autoptr(GString) huge = g_string_new ("<?xml version=\"1.0\"?><clientConfig>");

      while (huge->len < 300 * 1024)
        g_string_append (huge, "<!-- padding padding padding padding padding padding -->\n");
      g_string_append (huge, "</clientConfig>");
      pf_test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 200, NULL,
                      huge->str, 0);
      reason = "too large";
    }
  else if (g_str_equal (what, "redirect-to-http"))
    {
      pf_test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 301,
                      "http://" DOMAIN "/config.xml", NULL, 0);
      reason = "not encrypted";
    }
  else if (g_str_equal (what, "untrusted"))
    {
      g_autofree char *document = make_document ("imap.evil." DOMAIN, "smtp.evil." DOMAIN);

      pf_test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 200, NULL,
                      document, 0);
      pf_test_https_add (fixture->https, DOMAIN "/.well-known/autoconfig/mail/config-v1.1.xml", 200,
                      NULL, document, 0);
      reason = "certificate is not trusted";
    }
  else
    g_assert_not_reached ();

  run (fixture, ADDRESS, NULL);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_SRV);
  g_assert_cmpint (find_step (fixture, reason, NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "https://autoconfig.", NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "/.well-known/", NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "Looking up SRV records of " DOMAIN, NULL), ==,
                   PF_CHECK_OK);
  if (g_str_equal (what, "untrusted"))
    g_assert_cmpuint (pf_test_https_get_requests (fixture->https)->len, ==, 0);
  assert_steps_ended (fixture);
}

static void
test_srv (Fixture       *fixture,
          gconstpointer  data)
{
  PfTestServers *servers = fixture->servers;
  guint16 imaps = pf_test_servers_get_port (servers, "imaps");
  guint16 imap = pf_test_servers_get_port (servers, "imap");
  guint16 submissions = pf_test_servers_get_port (servers, "submissions");
  guint16 submission = pf_test_servers_get_port (servers, "submission");
  GPtrArray *incoming, *outgoing;

  /* Priority decides, whatever the order of the records. */
  pf_test_resolver_add_srv_full ("_imaps._tcp." DOMAIN, "backup." DOMAIN, imaps, 20, 0);
  pf_test_resolver_add_srv_full ("_imaps._tcp." DOMAIN, "imap." DOMAIN ".", imaps, 10, 0);
  pf_test_resolver_add_srv_full ("_imap._tcp." DOMAIN, "imap." DOMAIN, imap, 10, 0);
  /* RFC 6186 §3.4: "." is no service at all. */
  pf_test_resolver_add_srv_full ("_pop3s._tcp." DOMAIN, ".", 0, 0, 0);
  pf_test_resolver_add_srv_full ("_pop3._tcp." DOMAIN, ".", 0, 0, 0);
  pf_test_resolver_add_srv_full ("_submissions._tcp." DOMAIN, "smtp." DOMAIN, submissions, 0,
                                 1);
  pf_test_resolver_add_srv_full ("_submission._tcp." DOMAIN, "smtp." DOMAIN, submission, 0, 1);

  run (fixture, ADDRESS, NULL);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_SRV);
  incoming = fixture->result->incoming;
  outgoing = fixture->result->outgoing;
  g_assert_cmpuint (incoming->len, ==, 3);
  assert_server (incoming->pdata[0], PF_SERVER_PROTOCOL_IMAP, "imap." DOMAIN, imaps,
                 PF_SECURITY_TLS);
  assert_server (incoming->pdata[1], PF_SERVER_PROTOCOL_IMAP, "backup." DOMAIN, imaps,
                 PF_SECURITY_TLS);
  assert_server (incoming->pdata[2], PF_SERVER_PROTOCOL_IMAP, "imap." DOMAIN, imap,
                 PF_SECURITY_STARTTLS);
  g_assert_cmpuint (outgoing->len, ==, 2);
  assert_server (outgoing->pdata[0], PF_SERVER_PROTOCOL_SMTP, "smtp." DOMAIN, submissions,
                 PF_SECURITY_TLS);
  assert_server (outgoing->pdata[1], PF_SERVER_PROTOCOL_SMTP, "smtp." DOMAIN, submission,
                 PF_SECURITY_STARTTLS);
  for (guint i = 0; i < incoming->len; i++)
    g_assert_null (((PfAutoconfigServer *) incoming->pdata[i])->username);

  /* All six services were asked. */
  for (const char *const *name = (const char *const[]) { "_imaps._tcp.", "_imap._tcp.",
                                                         "_pop3s._tcp.", "_pop3._tcp.",
                                                         "_submissions._tcp.",
                                                         "_submission._tcp.", NULL };
       *name != NULL; name++)
    {
      g_autofree char *rrname = g_strconcat (*name, DOMAIN, NULL);

      g_assert_true (pf_test_resolver_was_asked (rrname));
    }

  g_assert_cmpint (find_step (fixture, "Looking up SRV records of " DOMAIN, NULL), ==,
                   PF_CHECK_OK);
  assert_steps_ended (fixture);
}

static void
test_srv_incomplete (Fixture       *fixture,
                     gconstpointer  data)
{
  /* Only an incoming server: not usable, the next source is tried. */
  pf_test_resolver_add_srv_full ("_imaps._tcp." DOMAIN, "imap." DOMAIN, 993, 0, 0);
  run (fixture, ADDRESS, NULL);

  g_assert_error (fixture->error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_NOT_FOUND);
  g_assert_cmpint (find_step (fixture, "name no outgoing server", NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "Trying the usual server names", NULL), ==,
                   PF_CHECK_FAILED);
  assert_steps_ended (fixture);
}

static void
set_guess_ports (Fixture *fixture)
{
  PfTestServers *servers = fixture->servers;
  PfAutoconfigDiscovery *discovery = fixture->discovery;

  pf_autoconfig_discovery_set_guess_port (discovery, PF_SERVER_PROTOCOL_IMAP, PF_SECURITY_TLS,
                                          pf_test_servers_get_port (servers, "imaps"));
  pf_autoconfig_discovery_set_guess_port (discovery, PF_SERVER_PROTOCOL_IMAP,
                                          PF_SECURITY_STARTTLS,
                                          pf_test_servers_get_port (servers, "imap"));
  pf_autoconfig_discovery_set_guess_port (discovery, PF_SERVER_PROTOCOL_POP3, PF_SECURITY_TLS,
                                          pf_test_servers_get_port (servers, "pop3s"));
  pf_autoconfig_discovery_set_guess_port (discovery, PF_SERVER_PROTOCOL_POP3,
                                          PF_SECURITY_STARTTLS,
                                          pf_test_servers_get_port (servers, "pop3"));
  pf_autoconfig_discovery_set_guess_port (discovery, PF_SERVER_PROTOCOL_SMTP, PF_SECURITY_TLS,
                                          pf_test_servers_get_port (servers, "submissions"));
  pf_autoconfig_discovery_set_guess_port (discovery, PF_SERVER_PROTOCOL_SMTP,
                                          PF_SECURITY_STARTTLS,
                                          pf_test_servers_get_port (servers, "submission"));
}

static void
test_guess (Fixture       *fixture,
            gconstpointer  data)
{
  PfTestServers *servers = fixture->servers;
  const char *host = pf_test_servers_get_host (servers, "imaps");
  guint16 imaps = pf_test_servers_get_port (servers, "imaps");
  guint16 imap = pf_test_servers_get_port (servers, "imap");
  guint16 submissions = pf_test_servers_get_port (servers, "submissions");
  guint16 submission = pf_test_servers_get_port (servers, "submission");
  g_autofree char *trying = NULL;
  GPtrArray *incoming, *outgoing;
  guint n_imap = 0;

  set_guess_ports (fixture);
  pf_test_resolver_add_host ("imap." DOMAIN, host);
  pf_test_resolver_add_host ("smtp." DOMAIN, host);
  pf_test_resolver_add_host ("pop3." DOMAIN, host);
  /* mail.example.test and pop.example.test do not exist. */

  run (fixture, ADDRESS, NULL);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_GUESS);
  incoming = fixture->result->incoming;
  outgoing = fixture->result->outgoing;

  /* IMAP first, implicit TLS first; then POP3 if it was in time. */
  assert_server (incoming->pdata[0], PF_SERVER_PROTOCOL_IMAP, "imap." DOMAIN, imaps,
                 PF_SECURITY_TLS);
  assert_server (incoming->pdata[1], PF_SERVER_PROTOCOL_IMAP, "imap." DOMAIN, imap,
                 PF_SECURITY_STARTTLS);
  for (guint i = 0; i < incoming->len; i++)
    {
      const PfAutoconfigServer *server = incoming->pdata[i];

      if (server->protocol == PF_SERVER_PROTOCOL_IMAP)
        n_imap++;
      else
        g_assert_cmpstr (server->host, ==, "pop3." DOMAIN);
      g_assert_null (server->username);
    }
  g_assert_cmpuint (n_imap, ==, 2);
  g_assert_cmpuint (outgoing->len, ==, 2);
  assert_server (outgoing->pdata[0], PF_SERVER_PROTOCOL_SMTP, "smtp." DOMAIN, submissions,
                 PF_SECURITY_TLS);
  assert_server (outgoing->pdata[1], PF_SERVER_PROTOCOL_SMTP, "smtp." DOMAIN, submission,
                 PF_SECURITY_STARTTLS);

  trying = g_strdup_printf ("Trying imap." DOMAIN ":%u (IMAP, TLS)", imaps);
  /* The test servers' certificate names 127.0.0.2, not imap.example.test:
   * found all the same, and said so. */
  g_assert_cmpint (find_step (fixture, trying, NULL), ==, PF_CHECK_OK);
  g_assert_cmpint (find_step (fixture, "Found an IMAP server at imap." DOMAIN, NULL), ==,
                   PF_CHECK_OK);
  g_assert_nonnull (strstr (g_array_index (fixture->steps, Step, 0).text, "built-in"));
  {
    guint id;

    g_assert_cmpint (find_step (fixture, "Found an IMAP server at imap." DOMAIN, &id), ==,
                     PF_CHECK_OK);
    for (guint i = 0; i < fixture->steps->len; i++)
      {
        const Step *step = &g_array_index (fixture->steps, Step, i);

        if (step->id == id && step->status == PF_CHECK_OK)
          g_assert_nonnull (strstr (step->text, "not trusted"));
      }
  }
  g_assert_cmpint (find_step (fixture, "Trying mail." DOMAIN, NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "Trying the usual server names of " DOMAIN, NULL), ==,
                   PF_CHECK_OK);
  assert_steps_ended (fixture);
}

/* Plain text only is not proposed: for STARTTLS the probes meet the
 * Dovecot that does not offer it, and nothing listens for implicit TLS. */
static void
test_guess_no_starttls (Fixture       *fixture,
                        gconstpointer  data)
{
  PfTestServers *servers = fixture->servers;
  const char *host = pf_test_servers_get_host (servers, "imap-notls");
  guint16 imap_notls = pf_test_servers_get_port (servers, "imap-notls");
  guint16 pop3_notls = pf_test_servers_get_port (servers, "pop3-notls");
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string (host);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *imap_step = NULL;
  g_autofree char *pop3_step = NULL;
  guint16 closed;

  /* A port nobody listens on. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  closed = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  set_guess_ports (fixture);
  pf_autoconfig_discovery_set_guess_port (fixture->discovery, PF_SERVER_PROTOCOL_IMAP,
                                          PF_SECURITY_TLS, closed);
  pf_autoconfig_discovery_set_guess_port (fixture->discovery, PF_SERVER_PROTOCOL_POP3,
                                          PF_SECURITY_TLS, closed);
  pf_autoconfig_discovery_set_guess_port (fixture->discovery, PF_SERVER_PROTOCOL_IMAP,
                                          PF_SECURITY_STARTTLS, imap_notls);
  pf_autoconfig_discovery_set_guess_port (fixture->discovery, PF_SERVER_PROTOCOL_POP3,
                                          PF_SECURITY_STARTTLS, pop3_notls);
  pf_test_resolver_add_host ("imap." DOMAIN, host);
  pf_test_resolver_add_host ("pop." DOMAIN, host);
  pf_test_resolver_add_host ("smtp." DOMAIN, host);

  run (fixture, ADDRESS, NULL);

  g_assert_error (fixture->error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_NOT_FOUND);
  imap_step = g_strdup_printf ("Trying imap." DOMAIN ":%u (IMAP, STARTTLS)", imap_notls);
  pop3_step = g_strdup_printf ("Trying pop." DOMAIN ":%u (POP3, STARTTLS)", pop3_notls);
  g_assert_cmpint (find_step (fixture, imap_step, NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, pop3_step, NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "No incoming server of " DOMAIN, NULL), ==,
                   PF_CHECK_FAILED);
  assert_steps_ended (fixture);
}

/* A server whose certificate verifies comes first, even under a less
 * usual name. Dovecot's certificate cannot name mail.example.test: two
 * IMAP greeters stand in, on the same port of two addresses. */
static void
test_guess_prefers_verified (Fixture       *fixture,
                             gconstpointer  data)
{
  PfTestServers *servers = fixture->servers;
  const char *smtp_host = pf_test_servers_get_host (servers, "submission");
  const char *greeting = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Ready\r\n";
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  const PfTestCertificates *certificates = pf_test_certificates_get (servers);
  PfTestHttps *untrusted;
  GPtrArray *incoming;
  guint16 closed;

  fixture->https = pf_test_https_new (certificates->cert_file, certificates->key_file,
                                      "127.0.0.1", 0);
  pf_test_https_set_greeting (fixture->https, greeting);
  untrusted = pf_test_https_new (certificates->self_signed_cert_file,
                                 certificates->self_signed_key_file, "127.0.0.3",
                                 pf_test_https_get_port (fixture->https));
  pf_test_https_set_greeting (untrusted, greeting);

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  closed = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  set_guess_ports (fixture);
  pf_autoconfig_discovery_set_guess_port (fixture->discovery, PF_SERVER_PROTOCOL_IMAP,
                                          PF_SECURITY_TLS, pf_test_https_get_port (fixture->https));
  pf_autoconfig_discovery_set_guess_port (fixture->discovery, PF_SERVER_PROTOCOL_IMAP,
                                          PF_SECURITY_STARTTLS, closed);
  pf_test_resolver_add_host ("imap." DOMAIN, "127.0.0.3");
  pf_test_resolver_add_host ("mail." DOMAIN, "127.0.0.1");
  pf_test_resolver_add_host ("smtp." DOMAIN, smtp_host);

  run (fixture, ADDRESS, NULL);
  pf_test_https_free (untrusted);

  g_assert_no_error (fixture->error);
  g_assert_cmpint (fixture->result->source, ==, PF_AUTOCONFIG_SOURCE_GUESS);
  incoming = fixture->result->incoming;
  g_assert_cmpuint (incoming->len, ==, 2);
  assert_server (incoming->pdata[0], PF_SERVER_PROTOCOL_IMAP, "mail." DOMAIN,
                 pf_test_https_get_port (fixture->https), PF_SECURITY_TLS);
  assert_server (incoming->pdata[1], PF_SERVER_PROTOCOL_IMAP, "imap." DOMAIN,
                 pf_test_https_get_port (fixture->https), PF_SECURITY_TLS);
  g_assert_cmpuint (fixture->result->outgoing->len, ==, 2);
  assert_steps_ended (fixture);

  /* The verified one says nothing of trust. */
  {
    g_autofree char *found = g_strdup_printf ("Found an IMAP server at mail." DOMAIN ":%u (TLS)",
                                              pf_test_https_get_port (fixture->https));
    guint id;

    g_assert_cmpint (find_step (fixture, found, &id), ==, PF_CHECK_OK);
    for (guint i = 0; i < fixture->steps->len; i++)
      {
        const Step *step = &g_array_index (fixture->steps, Step, i);

        if (step->id == id && step->status == PF_CHECK_OK)
          g_assert_cmpstr (step->text, ==, found);
      }
  }
}

static void
test_not_found (Fixture       *fixture,
                gconstpointer  data)
{
  int status;

  run (fixture, ADDRESS, NULL);

  g_assert_error (fixture->error, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (fixture->error->message, DOMAIN));
  g_assert_null (fixture->result);

  g_assert_cmpint (find_step (fixture, "built-in", NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "https://autoconfig." DOMAIN "/mail/config-v1.1.xml",
                              NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture,
                              "https://" DOMAIN "/.well-known/autoconfig/mail/config-v1.1.xml",
                              NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "SRV", NULL), ==, PF_CHECK_FAILED);
  g_assert_cmpint (find_step (fixture, "Trying imap." DOMAIN ":993 (IMAP, TLS)", NULL), ==,
                   PF_CHECK_FAILED);
  /* Without an incoming server the SMTP probes may end before they
   * fail. */
  status = find_step (fixture, "Trying smtp." DOMAIN ":587 (SMTP, STARTTLS)", NULL);
  g_assert_true (status == PF_CHECK_FAILED || status == PF_CHECK_SKIPPED);
  g_assert_cmpint (find_step (fixture, "server of " DOMAIN " answered under the usual names",
                              NULL), ==, PF_CHECK_FAILED);
  assert_steps_ended (fixture);
}

static gboolean
cancel_cb (gpointer user_data)
{
  Fixture *fixture = user_data;

  fixture->cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (fixture->cancellable);

  return G_SOURCE_REMOVE;
}

/* How long the run went on after the cancellation. */
static gint64
time_after_cancel (Fixture *fixture)
{
  g_assert_cmpint (fixture->cancelled_at, >, 0);
  return (fixture->ended_at - fixture->cancelled_at) / 1000;
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *document = make_document ("imap.other." DOMAIN, "smtp.other." DOMAIN);

  /* Both HTTPS hosts answer only after 5 s. */
  start_https (fixture, TRUE);
  pf_test_resolver_add_host ("autoconfig." DOMAIN, "127.0.0.1");
  pf_test_resolver_add_host (DOMAIN, "127.0.0.1");
  pf_test_https_add (fixture->https, "autoconfig." DOMAIN "/mail/config-v1.1.xml", 200, NULL,
                  document, 5000);
  pf_test_https_add (fixture->https, DOMAIN "/.well-known/autoconfig/mail/config-v1.1.xml", 200,
                  NULL, document, 5000);
  fixture->cancellable = g_cancellable_new ();
  g_timeout_add (200, cancel_cb, fixture);

  run (fixture, ADDRESS, fixture->cancellable);

  g_assert_error (fixture->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (fixture->result);
  g_assert_cmpint (time_after_cancel (fixture), <, 500);
  g_assert_cmpint (find_step (fixture, "https://autoconfig.", NULL), ==, PF_CHECK_SKIPPED);
  /* Nothing after the cancelled step. */
  g_assert_cmpint (find_step (fixture, "SRV", NULL), ==, -1);
  assert_steps_ended (fixture);
}

static void
test_cancel_srv (Fixture       *fixture,
                 gconstpointer  data)
{
  /* The name server does not answer. */
  pf_test_resolver_set_hang_records (TRUE);
  fixture->cancellable = g_cancellable_new ();
  g_timeout_add (200, cancel_cb, fixture);

  run (fixture, ADDRESS, fixture->cancellable);

  g_assert_error (fixture->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (time_after_cancel (fixture), <, 500);
  g_assert_cmpint (find_step (fixture, "Looking up SRV records of " DOMAIN, NULL), ==,
                   PF_CHECK_SKIPPED);
  g_assert_cmpint (find_step (fixture, "Trying", NULL), ==, -1);
  assert_steps_ended (fixture);
}

static void
test_cancel_guess (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  /* A listener that never accepts: connections hang in the backlog, no
   * greeting ever comes. */
  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  for (PfServerProtocol protocol = PF_SERVER_PROTOCOL_IMAP; protocol <= PF_SERVER_PROTOCOL_SMTP;
       protocol++)
    {
      pf_autoconfig_discovery_set_guess_port (fixture->discovery, protocol, PF_SECURITY_TLS, port);
      pf_autoconfig_discovery_set_guess_port (fixture->discovery, protocol, PF_SECURITY_STARTTLS,
                                              port);
    }
  pf_test_resolver_add_host ("imap." DOMAIN, "127.0.0.1");
  pf_test_resolver_add_host ("smtp." DOMAIN, "127.0.0.1");
  fixture->cancellable = g_cancellable_new ();
  g_timeout_add (300, cancel_cb, fixture);

  run (fixture, ADDRESS, fixture->cancellable);

  g_assert_error (fixture->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (time_after_cancel (fixture), <, 500);
  g_assert_cmpint (find_step (fixture, "Trying imap." DOMAIN, NULL), ==, PF_CHECK_SKIPPED);
  assert_steps_ended (fixture);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_type_class_ref (PF_TYPE_CHECK_STATUS);


#define ADD(path, func, data) \
  g_test_add ("/autoconfig-discovery/" path, Fixture, data, fixture_set_up, func, \
              fixture_tear_down)

  ADD ("invalid-address", test_invalid_address, NULL);
  ADD ("builtin", test_builtin, NULL);
  ADD ("builtin-disabled", test_builtin_disabled, NULL);
  ADD ("https/subdomain", test_https_subdomain, NULL);
  ADD ("https/well-known", test_https_well_known, GINT_TO_POINTER (FALSE));
  ADD ("https/404-then-well-known", test_https_well_known, GINT_TO_POINTER (TRUE));
  ADD ("https/both", test_https_both, NULL);
  ADD ("https/redirect", test_https_redirect, NULL);
  ADD ("https/invalid-document", test_https_falls_through, "invalid");
  ADD ("https/truncated-document", test_https_falls_through, "truncated");
  ADD ("https/too-large", test_https_falls_through, "too-large");
  ADD ("https/redirect-to-http", test_https_falls_through, "redirect-to-http");
  ADD ("https/untrusted", test_https_falls_through, "untrusted");
  ADD ("srv", test_srv, NULL);
  ADD ("srv/incomplete", test_srv_incomplete, NULL);
  ADD ("guess", test_guess, NULL);
  ADD ("guess/no-starttls", test_guess_no_starttls, NULL);
  ADD ("guess/prefers-verified", test_guess_prefers_verified, NULL);
  ADD ("not-found", test_not_found, NULL);
  ADD ("cancel/https", test_cancel, NULL);
  ADD ("cancel/srv", test_cancel_srv, NULL);
  ADD ("cancel/guess", test_cancel_guess, NULL);

  return g_test_run ();
}
