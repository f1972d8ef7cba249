/* pf-autoconfig-discovery.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-autoconfig"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>

#include "imap/pf-imap-connection.h"
#include "net/pf-net-error.h"
#include "pop3/pf-pop3-client.h"
#include "smtp/pf-smtp-client.h"

#include "pf-autoconfig-discovery.h"

/*
 * Finds the server settings for an email address, from the most to the
 * least reliable source, and stops at the first that names an incoming
 * (IMAP or POP3) and an outgoing (SMTP) server:
 *
 *  1. Postfach's own provider table;
 *  2. a clientConfig document over HTTPS, as Thunderbird asks for it:
 *     https://autoconfig.<domain>/mail/config-v1.1.xml and
 *     https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml, both at
 *     once, the first preferred when both answer. The certificate must
 *     verify and redirects may only lead to HTTPS: the document decides
 *     where the password goes;
 *  3. RFC 6186 SRV records (with RFC 8314's _submissions);
 *  4. connections to the usual host names (imap., pop., smtp., mail.) on
 *     the usual ports, which read the greeting and, for STARTTLS, complete
 *     the upgrade. A server whose certificate does not verify still counts
 *     (the connection test shows the certificate), but one that verifies
 *     is preferred. Nothing is ever sent that could hold a credential.
 *
 * Every step is reported through the "step" signal, the lines of the
 * wizard's "connection doctor".
 */

/* Per HTTPS request, redirects included; the document may be at most
 * PF_AUTOCONFIG_MAX_SIZE bytes. */
#define HTTP_TIMEOUT_SECONDS 10
#define HTTP_MAX_REDIRECTS 5
/* For all SRV lookups together (the system resolver may retry for longer). */
#define SRV_TIMEOUT_SECONDS 10
/* Per probe of a guessed host: connecting, TLS, the greeting and STARTTLS. */
#define PROBE_TIMEOUT_SECONDS 5

struct _PfAutoconfigDiscovery
{
  GObject       parent_instance;

  /* Owned */
  GTlsDatabase *tls_database;

  guint16       guess_ports[3][2];  /* [PfServerProtocol][TLS, STARTTLS]; 0: standard */
  guint16       https_port;         /* 0: 443 */
  guint         next_step_id;
  guint         use_builtin : 1;
};

G_DEFINE_FINAL_TYPE (PfAutoconfigDiscovery, pf_autoconfig_discovery, G_TYPE_OBJECT)

enum {
  STEP,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Steps */

static const char * const status_nicks[] = {
  [PF_CHECK_RUNNING] = "running",
  [PF_CHECK_OK] = "ok",
  [PF_CHECK_FAILED] = "failed",
  [PF_CHECK_SKIPPED] = "skipped",
  [PF_CHECK_INFO] = "info",
};

static guint G_GNUC_PRINTF (2, 3)
step_begin (PfAutoconfigDiscovery *self,
            const char            *format,
            ...)
{
  g_autofree char *text = NULL;
  va_list args;
  guint id = ++self->next_step_id;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_debug ("[%u] %s", id, text);
  g_signal_emit (self, signals[STEP], 0, id, PF_CHECK_RUNNING, text);

  return id;
}

static void G_GNUC_PRINTF (4, 5)
step_report (PfAutoconfigDiscovery *self,
             guint                  id,
             PfCheckStatus          status,
             const char            *format,
             ...)
{
  g_autofree char *text = NULL;
  va_list args;

  if (id == 0)
    id = ++self->next_step_id;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_debug ("[%u] %s: %s", id, status_nicks[status], text);
  g_signal_emit (self, signals[STEP], 0, id, status, text);
}

/* Helpers */

/* Usable: an incoming IMAP or POP3 server and an outgoing SMTP server. */
static gboolean
config_is_usable (const PfAutoconfig *config)
{
  gboolean incoming = FALSE;
  gboolean outgoing = FALSE;

  for (guint i = 0; i < config->incoming->len; i++)
    {
      const PfAutoconfigServer *server = config->incoming->pdata[i];

      if (server->protocol == PF_SERVER_PROTOCOL_IMAP ||
          server->protocol == PF_SERVER_PROTOCOL_POP3)
        incoming = TRUE;
    }
  for (guint i = 0; i < config->outgoing->len; i++)
    {
      const PfAutoconfigServer *server = config->outgoing->pdata[i];

      if (server->protocol == PF_SERVER_PROTOCOL_SMTP)
        outgoing = TRUE;
    }

  return incoming && outgoing;
}

/* Lists the servers of @config as INFO lines, so the user sees what was
 * found before the connection test starts. */
static void
report_servers (PfAutoconfigDiscovery *self,
                const PfAutoconfig    *config,
                const char            *address)
{
  GPtrArray *lists[] = { config->incoming, config->outgoing };

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      for (guint i = 0; i < lists[l]->len; i++)
        {
          const PfAutoconfigServer *server = lists[l]->pdata[i];
          g_autofree char *host = pf_autoconfig_expand_template (server->host, address);

          /* Translators: e.g. “IMAP server: imap.example.org, port 993, TLS” */
          step_report (self, 0, PF_CHECK_INFO, _("%s server: %s, port %u, %s"),
                       pf_server_protocol_get_name (server->protocol), host, server->port,
                       pf_security_get_label (server->security));
        }
    }
}

/* A cancellable cancelled with @parent (if any) or on its own. */
typedef struct
{
  GCancellable *parent;
  GCancellable *cancellable;
  gulong        handler;
} ChainedCancellable;

static void
on_parent_cancelled_cb (GCancellable *parent,
                        GCancellable *child)
{
  g_cancellable_cancel (child);
}

static void
chained_cancellable_init (ChainedCancellable *chain,
                          GCancellable       *parent)
{
  chain->cancellable = g_cancellable_new ();
  if (parent != NULL)
    {
      chain->parent = g_object_ref (parent);
      chain->handler = g_cancellable_connect (parent, G_CALLBACK (on_parent_cancelled_cb),
                                              g_object_ref (chain->cancellable), g_object_unref);
    }
}

static void
chained_cancellable_clear (ChainedCancellable *chain)
{
  if (chain->parent != NULL)
    g_cancellable_disconnect (chain->parent, chain->handler);
  chain->handler = 0;
  g_clear_object (&chain->parent);
  g_clear_object (&chain->cancellable);
}

/* Run */

typedef struct
{
  char *address;
  char *domain;        /* lower case, ASCII (IDNA) */
  gint64 started;
} Run;

static void
run_free (Run *run)
{
  g_free (run->address);
  g_free (run->domain);
  g_free (run);
}

static void stage_autoconfig (GTask *task);
static void stage_srv        (GTask *task);
static void stage_guess      (GTask *task);

static void
run_return (GTask        *task,
            PfAutoconfig *config)
{
  PfAutoconfigDiscovery *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  g_debug ("Discovery for %s took %" G_GINT64_FORMAT " ms", run->domain,
           (g_get_monotonic_time () - run->started) / 1000);
  report_servers (self, config, run->address);
  g_task_return_pointer (task, config, (GDestroyNotify) pf_autoconfig_free);
}

static void
run_not_found (GTask *task)
{
  Run *run = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    return;

  g_task_return_new_error (task, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_NOT_FOUND,
                           _("No settings were found for %s: please enter the servers "
                             "your provider names"), run->domain);
}

/* 1. The built-in table */

static void
stage_builtin (GTask *task)
{
  PfAutoconfigDiscovery *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(PfAutoconfig) config = NULL;
  guint step;

  if (!self->use_builtin)
    {
      stage_autoconfig (task);
      return;
    }

  step = step_begin (self, _("Looking up %s in the built-in provider list"), run->domain);
  config = pf_autoconfig_lookup_builtin (run->domain);
  if (config == NULL || !config_is_usable (config))
    {
      step_report (self, step, PF_CHECK_FAILED, _("%s is not in the built-in provider list"),
                   run->domain);
      stage_autoconfig (task);
      return;
    }

  config->source = PF_AUTOCONFIG_SOURCE_BUILTIN;
  step_report (self, step, PF_CHECK_OK, _("Found %s in the built-in provider list"),
               config->display_name != NULL ? config->display_name : run->domain);
  run_return (task, g_steal_pointer (&config));
}

/* 2. Autoconfig over HTTPS */

typedef struct _AutoconfigStage AutoconfigStage;

typedef struct
{
  AutoconfigStage *stage;        /* borrowed: the stage outlives its fetches */
  char            *shown_url;    /* without the query, for the user */
  GUri            *uri;
  SoupMessage     *message;
  GInputStream    *stream;
  GByteArray      *body;
  PfAutoconfig    *config;
  ChainedCancellable cancellable;
  guint            timeout_id;
  guint            step;
  guint            redirects;
  gboolean         done;
} Fetch;

struct _AutoconfigStage
{
  GTask       *task;
  SoupSession *session;
  Fetch        fetches[2];       /* autoconfig.<domain>, then .well-known */
  guint        pending;          /* fetches not done, callbacks included */
  gboolean     decided;
};

static void fetch_start (Fetch *fetch);

static void
autoconfig_stage_free (AutoconfigStage *stage)
{
  for (guint i = 0; i < G_N_ELEMENTS (stage->fetches); i++)
    {
      Fetch *fetch = &stage->fetches[i];

      g_clear_handle_id (&fetch->timeout_id, g_source_remove);
      chained_cancellable_clear (&fetch->cancellable);
      g_free (fetch->shown_url);
      g_clear_pointer (&fetch->uri, g_uri_unref);
      g_clear_object (&fetch->message);
      g_clear_object (&fetch->stream);
      g_clear_pointer (&fetch->body, g_byte_array_unref);
      g_clear_pointer (&fetch->config, pf_autoconfig_free);
    }
  g_clear_object (&stage->session);
  g_clear_object (&stage->task);
  g_free (stage);
}

/* Called when both fetches are done, or when the first one succeeded. */
static void
autoconfig_stage_decide (AutoconfigStage *stage)
{
  PfAutoconfigDiscovery *self = g_task_get_source_object (stage->task);
  Fetch *first = &stage->fetches[0];
  Fetch *second = &stage->fetches[1];
  Fetch *winner = NULL;

  if (first->done && first->config != NULL)
    winner = first;
  else if (first->done && second->done && second->config != NULL)
    winner = second;
  else if (!(first->done && second->done))
    return;

  stage->decided = TRUE;

  if (winner == first && !second->done)
    {
      step_report (self, second->step, PF_CHECK_SKIPPED, _("Not needed: %s answered"),
                   first->shown_url);
      g_cancellable_cancel (second->cancellable.cancellable);
    }

  if (winner != NULL)
    {
      run_return (stage->task, g_steal_pointer (&winner->config));
      return;
    }

  if (g_task_return_error_if_cancelled (stage->task))
    return;

  stage_srv (g_object_ref (stage->task));
}

static void
fetch_done (Fetch *fetch)
{
  AutoconfigStage *stage = fetch->stage;

  g_assert (stage->pending > 0);
  stage->pending--;

  if (!stage->decided)
    autoconfig_stage_decide (stage);

  if (stage->pending == 0)
    autoconfig_stage_free (stage);
}

/* Ends @fetch with a failure; @reason is shown after the URL. */
static void
fetch_fail (Fetch      *fetch,
            const char *reason)
{
  PfAutoconfigDiscovery *self = g_task_get_source_object (fetch->stage->task);

  g_clear_handle_id (&fetch->timeout_id, g_source_remove);
  if (!fetch->done && !fetch->stage->decided)
    {
      /* Translators: the first placeholder is a URL, the second a reason
       * such as “the server’s name could not be found” */
      step_report (self, fetch->step, PF_CHECK_FAILED, _("No settings at %s: %s"),
                   fetch->shown_url, reason);
    }
  fetch->done = TRUE;
  fetch_done (fetch);
}

static void
fetch_fail_with_error (Fetch  *fetch,
                       GError *error)
{
  PfAutoconfigDiscovery *self = g_task_get_source_object (fetch->stage->task);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Decided (the step says why), timed out (likewise) or cancelled by
       * the caller. */
      if (!fetch->done && !fetch->stage->decided)
        step_report (self, fetch->step, PF_CHECK_SKIPPED, _("Cancelled"));
      fetch->done = TRUE;
      fetch_done (fetch);
      return;
    }

  if (g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
    fetch_fail (fetch, _("the server’s name could not be found"));
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    fetch_fail (fetch, _("the server refused the connection"));
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    fetch_fail (fetch, _("the server did not answer in time"));
  else if (error->domain == G_TLS_ERROR && error->code == G_TLS_ERROR_BAD_CERTIFICATE)
    fetch_fail (fetch, _("its certificate is not trusted"));
  else
    fetch_fail (fetch, error->message);
}

static gboolean
on_fetch_timeout_cb (gpointer user_data)
{
  Fetch *fetch = user_data;
  PfAutoconfigDiscovery *self = g_task_get_source_object (fetch->stage->task);

  fetch->timeout_id = 0;
  if (!fetch->done && !fetch->stage->decided)
    {
      step_report (self, fetch->step, PF_CHECK_FAILED, _("No settings at %s: %s"),
                   fetch->shown_url, _("the server did not answer in time"));
    }
  /* The callback of the cancelled operation ends the fetch. */
  fetch->done = TRUE;
  g_cancellable_cancel (fetch->cancellable.cancellable);

  return G_SOURCE_REMOVE;
}

static void
fetch_parse (Fetch *fetch)
{
  PfAutoconfigDiscovery *self = g_task_get_source_object (fetch->stage->task);
  g_autoptr(PfAutoconfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;

  config = pf_autoconfig_parse ((const char *) fetch->body->data, fetch->body->len,
                                PF_AUTOCONFIG_SOURCE_AUTOCONFIG, &error);
  if (config == NULL)
    {
      /* Translators: the placeholder is the parser's explanation */
      reason = g_strdup_printf (_("the document cannot be used: %s"), error->message);
      fetch_fail (fetch, reason);
      return;
    }
  if (!config_is_usable (config))
    {
      fetch_fail (fetch,
                  _("the document names no incoming or no outgoing server Postfach can use"));
      return;
    }

  g_clear_handle_id (&fetch->timeout_id, g_source_remove);
  config->source = PF_AUTOCONFIG_SOURCE_AUTOCONFIG;
  fetch->config = g_steal_pointer (&config);
  if (!fetch->stage->decided)
    step_report (self, fetch->step, PF_CHECK_OK, _("Found settings at %s"), fetch->shown_url);
  fetch->done = TRUE;
  fetch_done (fetch);
}

static void
fetch_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetch *fetch = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (bytes == NULL)
    {
      fetch_fail_with_error (fetch, error);
      return;
    }
  if (fetch->done)
    {
      /* Timed out just as the data came. */
      fetch_done (fetch);
      return;
    }

  if (g_bytes_get_size (bytes) == 0)
    {
      g_input_stream_close_async (fetch->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      fetch_parse (fetch);
      return;
    }

  g_byte_array_append (fetch->body, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (fetch->body->len > PF_AUTOCONFIG_MAX_SIZE)
    {
      fetch_fail (fetch, _("the document is too large"));
      return;
    }

  g_input_stream_read_bytes_async (fetch->stream, 16 * 1024, G_PRIORITY_DEFAULT,
                                   fetch->cancellable.cancellable, fetch_read_cb, fetch);
}

/* Follows a redirect to HTTPS only: the document decides which servers
 * get the password. */
static void
fetch_redirect (Fetch *fetch)
{
  PfAutoconfigDiscovery *self = g_task_get_source_object (fetch->stage->task);
  const char *location;
  g_autoptr(GUri) target = NULL;
  g_autofree char *target_text = NULL;
  g_autofree char *reason = NULL;

  location = soup_message_headers_get_one (soup_message_get_response_headers (fetch->message),
                                           "Location");
  if (location != NULL)
    target = g_uri_parse_relative (fetch->uri, location, SOUP_HTTP_URI_FLAGS, NULL);
  if (target == NULL)
    {
      fetch_fail (fetch, _("the server sent an invalid redirect"));
      return;
    }

  target_text = g_uri_to_string_partial (target, G_URI_HIDE_PASSWORD);
  if (g_ascii_strcasecmp (g_uri_get_scheme (target), "https") != 0)
    {
      /* Translators: the placeholder is a URL */
      reason = g_strdup_printf (_("it redirects to %s, which is not encrypted"), target_text);
      fetch_fail (fetch, reason);
      return;
    }
  if (++fetch->redirects > HTTP_MAX_REDIRECTS)
    {
      fetch_fail (fetch, _("too many redirects"));
      return;
    }

  /* Translators: the placeholders are URLs */
  step_report (self, 0, PF_CHECK_INFO, _("%s redirects to %s"), fetch->shown_url, target_text);
  g_clear_pointer (&fetch->uri, g_uri_unref);
  fetch->uri = g_steal_pointer (&target);
  fetch_start (fetch);
}

static void
fetch_send_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Fetch *fetch = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  SoupMessageHeaders *headers;
  guint status;
  goffset length;

  fetch->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (fetch->stream == NULL)
    {
      fetch_fail_with_error (fetch, error);
      return;
    }
  if (fetch->done)
    {
      fetch_done (fetch);
      return;
    }

  status = soup_message_get_status (fetch->message);
  switch (status)
    {
    case SOUP_STATUS_OK:
      break;
    case SOUP_STATUS_MOVED_PERMANENTLY:
    case SOUP_STATUS_FOUND:
    case SOUP_STATUS_SEE_OTHER:
    case SOUP_STATUS_TEMPORARY_REDIRECT:
    case SOUP_STATUS_PERMANENT_REDIRECT:
      g_input_stream_close_async (fetch->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_clear_object (&fetch->stream);
      fetch_redirect (fetch);
      return;
    default:
      /* Translators: e.g. “the server answered 404 Not Found” */
      reason = g_strdup_printf (_("the server answered %u %s"), status,
                                soup_message_get_reason_phrase (fetch->message));
      fetch_fail (fetch, reason);
      return;
    }

  headers = soup_message_get_response_headers (fetch->message);
  length = soup_message_headers_get_content_length (headers);
  if (length > PF_AUTOCONFIG_MAX_SIZE)
    {
      fetch_fail (fetch, _("the document is too large"));
      return;
    }

  fetch->body = g_byte_array_new ();
  g_input_stream_read_bytes_async (fetch->stream, 16 * 1024, G_PRIORITY_DEFAULT,
                                   fetch->cancellable.cancellable, fetch_read_cb, fetch);
}

static void
fetch_start (Fetch *fetch)
{
  g_clear_object (&fetch->message);
  fetch->message = soup_message_new_from_uri (SOUP_METHOD_GET, fetch->uri);
  /* Redirects are followed by fetch_redirect(), to HTTPS only. */
  soup_message_add_flags (fetch->message, SOUP_MESSAGE_NO_REDIRECT);
  soup_session_send_async (fetch->stage->session, fetch->message, G_PRIORITY_DEFAULT,
                           fetch->cancellable.cancellable, fetch_send_cb, fetch);
}

static void
stage_autoconfig (GTask *task)
{
  PfAutoconfigDiscovery *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  AutoconfigStage *stage;
  g_autofree char *escaped = NULL;
  g_autofree char *subdomain = NULL;
  g_autofree char *query = NULL;
  const char *paths[2];
  const char *hosts[2];
  int port;

  if (g_task_return_error_if_cancelled (task))
    return;

  stage = g_new0 (AutoconfigStage, 1);
  stage->task = g_object_ref (task);
  stage->session = soup_session_new_with_options ("timeout", HTTP_TIMEOUT_SECONDS,
                                                  "user-agent", "Postfach/" PACKAGE_VERSION,
                                                  NULL);
  if (self->tls_database != NULL)
    soup_session_set_tls_database (stage->session, self->tls_database);

  port = self->https_port != 0 ? self->https_port : -1;
  escaped = g_uri_escape_string (run->address, NULL, FALSE);
  query = g_strconcat ("emailaddress=", escaped, NULL);
  subdomain = g_strconcat ("autoconfig.", run->domain, NULL);
  hosts[0] = subdomain;
  paths[0] = "/mail/config-v1.1.xml";
  hosts[1] = run->domain;
  paths[1] = "/.well-known/autoconfig/mail/config-v1.1.xml";

  for (guint i = 0; i < G_N_ELEMENTS (stage->fetches); i++)
    {
      Fetch *fetch = &stage->fetches[i];
      g_autoptr(GUri) shown = NULL;

      fetch->stage = stage;
      /* As Thunderbird does, only the provider's own autoconfig host is
       * told the address (it may host per-user settings). */
      fetch->uri = g_uri_build (G_URI_FLAGS_ENCODED_QUERY, "https", NULL, hosts[i], port,
                                paths[i], i == 0 ? query : NULL, NULL);
      shown = g_uri_build (G_URI_FLAGS_NONE, "https", NULL, hosts[i], port, paths[i], NULL, NULL);
      fetch->shown_url = g_uri_to_string (shown);
      chained_cancellable_init (&fetch->cancellable, g_task_get_cancellable (task));
    }

  stage->pending = G_N_ELEMENTS (stage->fetches);
  for (guint i = 0; i < G_N_ELEMENTS (stage->fetches); i++)
    {
      Fetch *fetch = &stage->fetches[i];

      /* Translators: the placeholder is a URL */
      fetch->step = step_begin (self, _("Asking %s for settings"), fetch->shown_url);
      fetch->timeout_id = g_timeout_add_seconds (HTTP_TIMEOUT_SECONDS, on_fetch_timeout_cb, fetch);
      fetch_start (fetch);
    }
}

/* 3. SRV records (RFC 6186, RFC 8314 §5.1) */

typedef struct
{
  const char       *service;
  PfServerProtocol  protocol;
  PfSecurity        security;
} SrvService;

/* In the order of preference: implicit TLS first (RFC 8314 §5.1). */
static const SrvService srv_services[] = {
  { "imaps", PF_SERVER_PROTOCOL_IMAP, PF_SECURITY_TLS },
  { "imap", PF_SERVER_PROTOCOL_IMAP, PF_SECURITY_STARTTLS },
  { "pop3s", PF_SERVER_PROTOCOL_POP3, PF_SECURITY_TLS },
  { "pop3", PF_SERVER_PROTOCOL_POP3, PF_SECURITY_STARTTLS },
  { "submissions", PF_SERVER_PROTOCOL_SMTP, PF_SECURITY_TLS },
  { "submission", PF_SERVER_PROTOCOL_SMTP, PF_SECURITY_STARTTLS },
};

typedef struct
{
  GTask  *task;
  GList  *targets[G_N_ELEMENTS (srv_services)];  /* of GSrvTarget, sorted */
  GError *errors[G_N_ELEMENTS (srv_services)];
  ChainedCancellable cancellable;
  guint   timeout_id;
  guint   step;
  guint   pending;
} SrvStage;

typedef struct
{
  SrvStage *stage;
  guint     index;
} SrvLookup;

static void
srv_stage_free (SrvStage *stage)
{
  for (guint i = 0; i < G_N_ELEMENTS (srv_services); i++)
    {
      g_list_free_full (stage->targets[i], (GDestroyNotify) g_srv_target_free);
      g_clear_error (&stage->errors[i]);
    }
  g_clear_handle_id (&stage->timeout_id, g_source_remove);
  chained_cancellable_clear (&stage->cancellable);
  g_clear_object (&stage->task);
  g_free (stage);
}

static void
srv_stage_finish (SrvStage *stage)
{
  PfAutoconfigDiscovery *self = g_task_get_source_object (stage->task);
  Run *run = g_task_get_task_data (stage->task);
  g_autoptr(PfAutoconfig) config = pf_autoconfig_new (PF_AUTOCONFIG_SOURCE_SRV);
  g_autoptr(GTask) task = g_object_ref (stage->task);
  gboolean any_answer = FALSE;
  gboolean timed_out = FALSE;
  const GError *failure = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      step_report (self, stage->step, PF_CHECK_SKIPPED, _("Cancelled"));
      srv_stage_free (stage);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (srv_services); i++)
    {
      const SrvService *service = &srv_services[i];

      if (stage->errors[i] != NULL)
        {
          /* Not the caller: the stage's own timeout. */
          if (g_error_matches (stage->errors[i], G_IO_ERROR, G_IO_ERROR_CANCELLED))
            timed_out = TRUE;
          else if (!g_error_matches (stage->errors[i], G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
            failure = stage->errors[i];
          continue;
        }

      /* A lookup without error and without targets: the record's target
       * is "." (RFC 6186 §3.4, the service is decidedly not offered);
       * g_srv_target_list_sort() removed it. */
      any_answer = TRUE;
      for (GList *l = stage->targets[i]; l != NULL; l = l->next)
        {
          GSrvTarget *target = l->data;
          g_autofree char *host = g_strdup (g_srv_target_get_hostname (target));
          PfAutoconfigServer *server;

          /* Absolute names may end with a dot; certificates name them
           * without. Anything that is no host name is left out. */
          if (host != NULL && g_str_has_suffix (host, "."))
            host[strlen (host) - 1] = '\0';
          if (host == NULL || !pf_autoconfig_is_valid_host (host) ||
              g_srv_target_get_port (target) == 0)
            continue;

          server = pf_autoconfig_server_new (service->protocol);
          server->host = g_steal_pointer (&host);
          server->port = g_srv_target_get_port (target);
          server->security = service->security;
          server->auth_method = PF_AUTH_METHOD_AUTO;
          server->username = NULL;
          g_ptr_array_add (service->protocol == PF_SERVER_PROTOCOL_SMTP ? config->outgoing
                                                                          : config->incoming,
                           server);
        }
    }

  if (config_is_usable (config))
    {
      step_report (self, stage->step, PF_CHECK_OK, _("Found SRV records for %s"), run->domain);
      srv_stage_free (stage);
      run_return (task, g_steal_pointer (&config));
      return;
    }

  if (config->incoming->len > 0)
    step_report (self, stage->step, PF_CHECK_FAILED,
                 _("The SRV records of %s name no outgoing server"), run->domain);
  else if (config->outgoing->len > 0)
    step_report (self, stage->step, PF_CHECK_FAILED,
                 _("The SRV records of %s name no incoming server"), run->domain);
  else if (!any_answer && timed_out)
    step_report (self, stage->step, PF_CHECK_FAILED,
                 _("The SRV records of %s could not be looked up: %s"),
                 run->domain, _("the name server did not answer in time"));
  else if (!any_answer && failure != NULL)
    /* Translators: the second placeholder is the resolver's error */
    step_report (self, stage->step, PF_CHECK_FAILED,
                 _("The SRV records of %s could not be looked up: %s"),
                 run->domain, failure->message);
  else
    step_report (self, stage->step, PF_CHECK_FAILED, _("%s has no SRV records for email"),
                 run->domain);

  srv_stage_free (stage);
  stage_guess (g_steal_pointer (&task));
}

static void
srv_lookup_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  SrvLookup *lookup = user_data;
  SrvStage *stage = lookup->stage;
  GError *error = NULL;
  GList *targets;

  targets = g_resolver_lookup_service_finish (G_RESOLVER (object), result, &error);
  stage->targets[lookup->index] = targets;
  stage->errors[lookup->index] = error;
  g_free (lookup);

  if (--stage->pending == 0)
    srv_stage_finish (stage);
}

static gboolean
on_srv_timeout_cb (gpointer user_data)
{
  SrvStage *stage = user_data;

  stage->timeout_id = 0;
  g_cancellable_cancel (stage->cancellable.cancellable);

  return G_SOURCE_REMOVE;
}

static void
stage_srv (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  PfAutoconfigDiscovery *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GResolver) resolver = NULL;
  SrvStage *stage;

  if (g_task_return_error_if_cancelled (task))
    return;

  stage = g_new0 (SrvStage, 1);
  stage->task = g_object_ref (task);
  stage->step = step_begin (self, _("Looking up SRV records of %s"), run->domain);
  stage->pending = G_N_ELEMENTS (srv_services);
  chained_cancellable_init (&stage->cancellable, g_task_get_cancellable (task));
  stage->timeout_id = g_timeout_add_seconds (SRV_TIMEOUT_SECONDS, on_srv_timeout_cb, stage);

  resolver = g_resolver_get_default ();
  for (guint i = 0; i < G_N_ELEMENTS (srv_services); i++)
    {
      SrvLookup *lookup = g_new0 (SrvLookup, 1);

      lookup->stage = stage;
      lookup->index = i;
      g_resolver_lookup_service_async (resolver, srv_services[i].service, "tcp", run->domain,
                                       stage->cancellable.cancellable, srv_lookup_cb, lookup);
    }
}

/* 4. Guessing */

typedef enum
{
  PROBE_PENDING,
  PROBE_VERIFIED,    /* answered, certificate trusted */
  PROBE_UNVERIFIED,  /* answered, certificate not trusted */
  PROBE_FAILED,
} ProbeState;

typedef struct _GuessStage GuessStage;

typedef struct
{
  GuessStage       *stage;          /* borrowed: the stage outlives its probes */
  char             *host;
  PfServerProtocol  protocol;
  PfSecurity        security;
  guint16           port;
  guint             host_rank;      /* the host's place in the protocol's list */

  ProbeState        state;
  guint             step;
  guint             timeout_id;
  ChainedCancellable cancellable;
  PfNetConnection  *net;
  GObject          *client;         /* PfImapConnection, PfPop3Client or PfSmtpClient */
  char             *untrusted_reason;
  gboolean          retried_with_pin;
} Probe;

struct _GuessStage
{
  GTask     *task;
  GPtrArray *probes;                /* of Probe */
  guint      step;
  guint      in_flight;
  gboolean   decided;
};

static void probe_start (Probe    *probe,
                         PfNetPin *pin);
static void probe_open_cb (GObject      *object,
                           GAsyncResult *result,
                           gpointer      user_data);
static gboolean on_probe_timeout_cb (gpointer user_data);

static void
probe_free (Probe *probe)
{
  g_clear_handle_id (&probe->timeout_id, g_source_remove);
  chained_cancellable_clear (&probe->cancellable);
  g_clear_object (&probe->client);
  g_clear_object (&probe->net);
  g_free (probe->untrusted_reason);
  g_free (probe->host);
  g_free (probe);
}

static void
guess_stage_free (GuessStage *stage)
{
  g_ptr_array_unref (stage->probes);
  g_clear_object (&stage->task);
  g_free (stage);
}

/* Negative when @a is preferred to @b, both found. */
static int
probe_compare (const Probe *a,
               const Probe *b)
{
  if (a->protocol != b->protocol)
    return (int) a->protocol - (int) b->protocol;   /* IMAP, POP3, SMTP */
  if (a->state != b->state)
    return a->state == PROBE_VERIFIED ? -1 : 1;
  if (a->security != b->security)
    return (int) a->security - (int) b->security;   /* TLS before STARTTLS */
  return (int) a->host_rank - (int) b->host_rank;
}

static int
probe_compare_cb (gconstpointer a,
                  gconstpointer b)
{
  return probe_compare (*(Probe **) a, *(Probe **) b);
}

/* Whether @protocol's answer can no longer change: every probe is done, or
 * one found a verified server and every probe still running could only find
 * a less preferred one. */
static gboolean
protocol_decided (GuessStage       *stage,
                  PfServerProtocol  protocol,
                  gboolean         *out_found)
{
  const Probe *best = NULL;
  gboolean found = FALSE;

  for (guint i = 0; i < stage->probes->len; i++)
    {
      const Probe *probe = stage->probes->pdata[i];

      if (probe->protocol != protocol)
        continue;
      if (probe->state == PROBE_VERIFIED || probe->state == PROBE_UNVERIFIED)
        found = TRUE;
      if (probe->state == PROBE_VERIFIED && (best == NULL || probe_compare (probe, best) < 0))
        best = probe;
    }
  *out_found = found;

  for (guint i = 0; i < stage->probes->len; i++)
    {
      const Probe *probe = stage->probes->pdata[i];
      Probe as_verified;

      if (probe->protocol != protocol || probe->state != PROBE_PENDING)
        continue;
      if (best == NULL)
        return FALSE;

      as_verified = *probe;
      as_verified.state = PROBE_VERIFIED;
      if (probe_compare (&as_verified, best) < 0)
        return FALSE;
    }

  return TRUE;
}

static void
guess_stage_finish (GuessStage *stage)
{
  PfAutoconfigDiscovery *self = g_task_get_source_object (stage->task);
  Run *run = g_task_get_task_data (stage->task);
  g_autoptr(PfAutoconfig) config = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new ();
  gboolean skipped = FALSE;
  gboolean cancelled;

  stage->decided = TRUE;
  cancelled = g_task_get_cancellable (stage->task) != NULL &&
              g_cancellable_is_cancelled (g_task_get_cancellable (stage->task));

  for (guint i = 0; i < stage->probes->len; i++)
    {
      Probe *probe = stage->probes->pdata[i];

      if (probe->state == PROBE_PENDING)
        {
          probe->state = PROBE_FAILED;
          g_clear_handle_id (&probe->timeout_id, g_source_remove);
          step_report (self, probe->step, PF_CHECK_SKIPPED,
                       cancelled ? _("Cancelled") : _("Not needed"));
          skipped = TRUE;
          g_cancellable_cancel (probe->cancellable.cancellable);
        }
      else if (probe->state != PROBE_FAILED)
        {
          g_ptr_array_add (found, probe);
        }
    }

  if (cancelled)
    {
      step_report (self, stage->step, PF_CHECK_SKIPPED, _("Cancelled"));
      g_task_return_error_if_cancelled (stage->task);
      return;
    }

  g_ptr_array_sort (found, probe_compare_cb);
  config = pf_autoconfig_new (PF_AUTOCONFIG_SOURCE_GUESS);
  for (guint i = 0; i < found->len; i++)
    {
      Probe *probe = found->pdata[i];
      PfAutoconfigServer *server = pf_autoconfig_server_new (probe->protocol);

      server->host = g_strdup (probe->host);
      server->port = probe->port;
      server->security = probe->security;
      server->auth_method = PF_AUTH_METHOD_AUTO;
      g_ptr_array_add (probe->protocol == PF_SERVER_PROTOCOL_SMTP ? config->outgoing
                                                                 : config->incoming,
                       server);
    }

  if (!config_is_usable (config))
    {
      if (config->incoming->len > 0)
        step_report (self, stage->step, PF_CHECK_FAILED,
                     _("No outgoing server of %s answered under the usual names"), run->domain);
      else if (config->outgoing->len > 0 || skipped)
        step_report (self, stage->step, PF_CHECK_FAILED,
                     _("No incoming server of %s answered under the usual names"), run->domain);
      else
        step_report (self, stage->step, PF_CHECK_FAILED,
                     _("No mail server of %s answered under the usual names"), run->domain);
      run_not_found (stage->task);
      return;
    }

  step_report (self, stage->step, PF_CHECK_OK, _("Found the mail servers of %s"), run->domain);
  run_return (stage->task, g_steal_pointer (&config));
}

static void
guess_stage_check (GuessStage *stage)
{
  gboolean imap_found, pop3_found, smtp_found;
  gboolean imap_decided, pop3_decided, smtp_decided;
  gboolean cancelled;

  if (stage->decided)
    return;

  cancelled = g_task_get_cancellable (stage->task) != NULL &&
              g_cancellable_is_cancelled (g_task_get_cancellable (stage->task));
  imap_decided = protocol_decided (stage, PF_SERVER_PROTOCOL_IMAP, &imap_found);
  pop3_decided = protocol_decided (stage, PF_SERVER_PROTOCOL_POP3, &pop3_found);
  smtp_decided = protocol_decided (stage, PF_SERVER_PROTOCOL_SMTP, &smtp_found);

  /* IMAP is preferred: POP3 need not be waited for once IMAP is known. An
   * outgoing server nobody found, or no incoming server, ends it as well. */
  if (cancelled ||
      (smtp_decided && imap_decided && (imap_found || pop3_decided)) ||
      (smtp_decided && !smtp_found) ||
      (imap_decided && !imap_found && pop3_decided && !pop3_found))
    guess_stage_finish (stage);
}

static void
probe_end (Probe      *probe,
           ProbeState  state,
           GError     *error)
{
  GuessStage *stage = probe->stage;
  PfAutoconfigDiscovery *self = g_task_get_source_object (stage->task);

  g_clear_handle_id (&probe->timeout_id, g_source_remove);

  if (probe->state == PROBE_PENDING && !stage->decided)
    {
      probe->state = state;
      switch (state)
        {
        case PROBE_VERIFIED:
        case PROBE_UNVERIFIED:
          {
            g_autofree char *found = NULL;

            switch (probe->protocol)
              {
              case PF_SERVER_PROTOCOL_IMAP:
                /* Translators: e.g. “Found an IMAP server at imap.example.org:993 (TLS)” */
                found = g_strdup_printf (_("Found an IMAP server at %s:%u (%s)"), probe->host,
                                         probe->port, pf_security_get_label (probe->security));
                break;
              case PF_SERVER_PROTOCOL_POP3:
                found = g_strdup_printf (_("Found a POP3 server at %s:%u (%s)"), probe->host,
                                         probe->port, pf_security_get_label (probe->security));
                break;
              case PF_SERVER_PROTOCOL_SMTP:
                found = g_strdup_printf (_("Found an SMTP server at %s:%u (%s)"), probe->host,
                                         probe->port, pf_security_get_label (probe->security));
                break;
              default:
                g_assert_not_reached ();
              }

            if (state == PROBE_VERIFIED)
              step_report (self, probe->step, PF_CHECK_OK, "%s", found);
            else
              /* Translators: the first placeholder is “Found an IMAP server at
               * …”, the second why its certificate is not trusted */
              step_report (self, probe->step, PF_CHECK_OK, _("%s. %s"), found,
                           probe->untrusted_reason);
          }
          break;
        case PROBE_FAILED:
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              step_report (self, probe->step, PF_CHECK_SKIPPED, _("Cancelled"));
              break;
            }
          /* Translators: the last placeholder is the reason, e.g. “The server
           * refused the connection” */
          step_report (self, probe->step, PF_CHECK_FAILED, _("%s:%u: %s"),
                       probe->host, probe->port,
                       error != NULL ? error->message : _("no answer"));
          break;
        case PROBE_PENDING:
        default:
          g_assert_not_reached ();
        }
    }

  if (probe->net != NULL && state != PROBE_FAILED)
    pf_net_connection_close_async (probe->net, NULL, NULL, NULL);
  g_clear_object (&probe->client);
  g_clear_object (&probe->net);

  guess_stage_check (stage);
}

static void
probe_open_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Probe *probe = user_data;
  GuessStage *stage = probe->stage;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  switch (probe->protocol)
    {
    case PF_SERVER_PROTOCOL_IMAP:
      ok = pf_imap_connection_open_finish (PF_IMAP_CONNECTION (object), result, &error);
      break;
    case PF_SERVER_PROTOCOL_POP3:
      ok = pf_pop3_client_open_finish (PF_POP3_CLIENT (object), result, &error);
      break;
    case PF_SERVER_PROTOCOL_SMTP:
      ok = pf_smtp_client_open_finish (PF_SMTP_CLIENT (object), result, &error);
      break;
    default:
      g_assert_not_reached ();
    }

  stage->in_flight--;

  if (ok)
    {
      probe_end (probe, probe->retried_with_pin ? PROBE_UNVERIFIED : PROBE_VERIFIED, NULL);
    }
  else if (g_error_matches (error, PF_NET_ERROR, PF_NET_ERROR_CERTIFICATE_UNTRUSTED) &&
           !probe->retried_with_pin && probe->state == PROBE_PENDING && !stage->decided)
    {
      g_autoptr(PfNetPin) pin = NULL;

      /* A server with a certificate the system does not trust is still the
       * server: connect again, accepting exactly this certificate for this
       * probe, to see its greeting (and STARTTLS). */
      probe->untrusted_reason = g_strdup (error->message);
      probe->retried_with_pin = TRUE;
      pin = pf_net_pin_new_for_certificate (probe->host, probe->port,
                                            pf_net_error_get_certificate (error),
                                            pf_net_error_get_certificate_flags (error));
      g_clear_object (&probe->client);
      g_clear_object (&probe->net);
      /* A connection of its own, with a time of its own. */
      g_clear_handle_id (&probe->timeout_id, g_source_remove);
      probe->timeout_id = g_timeout_add_seconds (PROBE_TIMEOUT_SECONDS, on_probe_timeout_cb, probe);
      probe_start (probe, pin);
    }
  else
    {
      probe_end (probe, PROBE_FAILED, error);
    }

  if (stage->decided && stage->in_flight == 0)
    guess_stage_free (stage);
}

static gboolean
on_probe_timeout_cb (gpointer user_data)
{
  Probe *probe = user_data;
  g_autoptr(GError) error = NULL;

  probe->timeout_id = 0;
  error = g_error_new_literal (PF_NET_ERROR, PF_NET_ERROR_TIMEOUT,
                               _("The server did not answer in time"));
  g_cancellable_cancel (probe->cancellable.cancellable);
  probe_end (probe, PROBE_FAILED, error);

  return G_SOURCE_REMOVE;
}

/* Connects, reads the greeting and upgrades with STARTTLS; @pin (if any)
 * accepts the one certificate the first attempt was refused. */
static void
probe_start (Probe    *probe,
             PfNetPin *pin)
{
  PfAutoconfigDiscovery *self = g_task_get_source_object (probe->stage->task);
  GCancellable *cancellable = probe->cancellable.cancellable;

  probe->net = pf_net_connection_new (probe->host, probe->port,
                                      pf_security_to_net_security (probe->security));
  pf_net_connection_set_timeout (probe->net, PROBE_TIMEOUT_SECONDS);
  if (self->tls_database != NULL)
    pf_net_connection_set_tls_database (probe->net, self->tls_database);
  pf_net_connection_set_pin (probe->net, pin);

  probe->stage->in_flight++;
  switch (probe->protocol)
    {
    case PF_SERVER_PROTOCOL_IMAP:
      probe->client = G_OBJECT (pf_imap_connection_new (probe->net));
      pf_imap_connection_open_async (PF_IMAP_CONNECTION (probe->client), cancellable,
                                     probe_open_cb, probe);
      break;
    case PF_SERVER_PROTOCOL_POP3:
      probe->client = G_OBJECT (pf_pop3_client_new (probe->net));
      pf_pop3_client_open_async (PF_POP3_CLIENT (probe->client), cancellable,
                                 probe_open_cb, probe);
      break;
    case PF_SERVER_PROTOCOL_SMTP:
      probe->client = G_OBJECT (pf_smtp_client_new (probe->net));
      pf_smtp_client_open_async (PF_SMTP_CLIENT (probe->client), cancellable,
                                 probe_open_cb, probe);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
add_probe (GuessStage       *stage,
           PfServerProtocol  protocol,
           const char       *prefix,
           guint             host_rank,
           PfSecurity        security)
{
  PfAutoconfigDiscovery *self = g_task_get_source_object (stage->task);
  Run *run = g_task_get_task_data (stage->task);
  Probe *probe = g_new0 (Probe, 1);
  guint16 port = self->guess_ports[protocol][security == PF_SECURITY_TLS ? 0 : 1];

  probe->stage = stage;
  probe->protocol = protocol;
  probe->security = security;
  probe->host = g_strconcat (prefix, ".", run->domain, NULL);
  probe->host_rank = host_rank;
  probe->port = port != 0 ? port : pf_server_protocol_get_default_port (protocol, security);
  g_ptr_array_add (stage->probes, probe);
}

static void
stage_guess (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  PfAutoconfigDiscovery *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  static const struct
  {
    PfServerProtocol  protocol;
    const char       *prefixes[3];
  } hosts[] = {
    { PF_SERVER_PROTOCOL_IMAP, { "imap", "mail", NULL } },
    { PF_SERVER_PROTOCOL_POP3, { "pop", "pop3", "mail" } },
    { PF_SERVER_PROTOCOL_SMTP, { "smtp", "mail", NULL } },
  };
  GuessStage *stage;

  if (g_task_return_error_if_cancelled (task))
    return;

  stage = g_new0 (GuessStage, 1);
  stage->task = g_object_ref (task);
  stage->probes = g_ptr_array_new_with_free_func ((GDestroyNotify) probe_free);

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      for (guint h = 0; h < G_N_ELEMENTS (hosts[i].prefixes) && hosts[i].prefixes[h] != NULL; h++)
        {
          add_probe (stage, hosts[i].protocol, hosts[i].prefixes[h], h, PF_SECURITY_TLS);
          add_probe (stage, hosts[i].protocol, hosts[i].prefixes[h], h, PF_SECURITY_STARTTLS);
        }
    }

  stage->step = step_begin (self, _("Trying the usual server names of %s"), run->domain);
  for (guint i = 0; i < stage->probes->len; i++)
    {
      Probe *probe = stage->probes->pdata[i];

      /* Translators: e.g. “Trying imap.example.org:993 (IMAP, TLS)…” */
      probe->step = step_begin (self, _("Trying %s:%u (%s, %s)…"), probe->host, probe->port,
                                pf_server_protocol_get_name (probe->protocol), pf_security_get_label (probe->security));
      chained_cancellable_init (&probe->cancellable, g_task_get_cancellable (task));
      probe->timeout_id = g_timeout_add_seconds (PROBE_TIMEOUT_SECONDS, on_probe_timeout_cb, probe);
      probe_start (probe, NULL);
    }
}

/* GObject */

static void
pf_autoconfig_discovery_finalize (GObject *object)
{
  PfAutoconfigDiscovery *self = PF_AUTOCONFIG_DISCOVERY (object);

  g_clear_object (&self->tls_database);

  G_OBJECT_CLASS (pf_autoconfig_discovery_parent_class)->finalize (object);
}

static void
pf_autoconfig_discovery_class_init (PfAutoconfigDiscoveryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_autoconfig_discovery_finalize;

  /**
   * PfAutoconfigDiscovery::step:
   * @self: the discovery
   * @id: the step's number, unique within the discovery; a step's later
   *   emissions repeat it
   * @status: %PF_CHECK_RUNNING when the step begins, then its outcome;
   *   %PF_CHECK_INFO lines (the servers found, a redirect) have an id of
   *   their own and no other emission
   * @text: what happens, translated, with host names and URLs
   *
   * One line of the "connection doctor".
   */
  signals[STEP] =
    g_signal_new ("step", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT, PF_TYPE_CHECK_STATUS, G_TYPE_STRING);
}

static void
pf_autoconfig_discovery_init (PfAutoconfigDiscovery *self)
{
  self->use_builtin = TRUE;
}

/**
 * pf_autoconfig_discovery_new:
 *
 * Returns: (transfer full): a discovery with the system's trust database,
 *   the standard ports and the built-in provider table
 */
PfAutoconfigDiscovery *
pf_autoconfig_discovery_new (void)
{
  return g_object_new (PF_TYPE_AUTOCONFIG_DISCOVERY, NULL);
}

/**
 * pf_autoconfig_discovery_set_tls_database:
 * @self: a #PfAutoconfigDiscovery
 * @database: (nullable): the trust anchors for HTTPS and the probes; %NULL
 *   for the system's
 */
void
pf_autoconfig_discovery_set_tls_database (PfAutoconfigDiscovery *self,
                                          GTlsDatabase          *database)
{
  g_return_if_fail (PF_IS_AUTOCONFIG_DISCOVERY (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  g_set_object (&self->tls_database, database);
}

/**
 * pf_autoconfig_discovery_set_https_port:
 * @self: a #PfAutoconfigDiscovery
 * @port: the port of both autoconfig URLs; 0 for 443
 *
 * For tests: the documents are then asked for at https://host:port/….
 */
void
pf_autoconfig_discovery_set_https_port (PfAutoconfigDiscovery *self,
                                        guint16                port)
{
  g_return_if_fail (PF_IS_AUTOCONFIG_DISCOVERY (self));

  self->https_port = port;
}

/**
 * pf_autoconfig_discovery_set_guess_port:
 * @self: a #PfAutoconfigDiscovery
 * @protocol: IMAP, POP3 or SMTP
 * @security: %PF_SECURITY_TLS or %PF_SECURITY_STARTTLS
 * @port: the port to probe instead of the standard one; 0 for the standard
 *
 * For tests: the probes of guessed hosts use @port for @protocol with
 * @security.
 */
void
pf_autoconfig_discovery_set_guess_port (PfAutoconfigDiscovery *self,
                                        PfServerProtocol       protocol,
                                        PfSecurity             security,
                                        guint16                port)
{
  g_return_if_fail (PF_IS_AUTOCONFIG_DISCOVERY (self));
  g_return_if_fail (protocol <= PF_SERVER_PROTOCOL_SMTP);
  g_return_if_fail (security == PF_SECURITY_TLS || security == PF_SECURITY_STARTTLS);

  self->guess_ports[protocol][security == PF_SECURITY_TLS ? 0 : 1] = port;
}

/**
 * pf_autoconfig_discovery_set_use_builtin:
 * @self: a #PfAutoconfigDiscovery
 * @use_builtin: whether to look in the built-in provider table first (the
 *   default)
 */
void
pf_autoconfig_discovery_set_use_builtin (PfAutoconfigDiscovery *self,
                                         gboolean               use_builtin)
{
  g_return_if_fail (PF_IS_AUTOCONFIG_DISCOVERY (self));

  self->use_builtin = !!use_builtin;
}

/**
 * pf_autoconfig_discovery_run_async:
 * @self: a #PfAutoconfigDiscovery
 * @address: the email address, local@domain
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the configuration, or when nothing was found
 * @user_data: data for @callback
 *
 * Asks the built-in table, the domain's autoconfig documents over HTTPS,
 * its SRV records and finally the usual host names, and stops at the first
 * that names an incoming and an outgoing server. Emits
 * #PfAutoconfigDiscovery::step for every step. Main thread; cancelling
 * ends the run promptly with %G_IO_ERROR_CANCELLED.
 */
void
pf_autoconfig_discovery_run_async (PfAutoconfigDiscovery *self,
                                   const char            *address,
                                   GCancellable          *cancellable,
                                   GAsyncReadyCallback    callback,
                                   gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *local_part = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *ascii_domain = NULL;
  Run *run;

  g_return_if_fail (PF_IS_AUTOCONFIG_DISCOVERY (self));
  g_return_if_fail (address != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_autoconfig_discovery_run_async);

  /* Host names and URLs need the ASCII (IDNA) form of the domain; a
   * domain that is no host name must not become part of a URL. */
  if (pf_autoconfig_split_address (address, &local_part, &domain) &&
      pf_autoconfig_is_valid_host (domain) && strchr (domain, '%') == NULL &&
      !g_hostname_is_ip_address (domain))
    ascii_domain = g_hostname_to_ascii (domain);
  if (ascii_domain == NULL)
    {
      g_task_return_new_error (task, PF_AUTOCONFIG_ERROR, PF_AUTOCONFIG_ERROR_INVALID_ADDRESS,
                               _("“%s” is not an email address"), address);
      return;
    }

  run = g_new0 (Run, 1);
  run->address = g_strconcat (local_part, "@", domain, NULL);
  run->domain = g_ascii_strdown (ascii_domain, -1);
  /* "example.org." is example.org */
  if (g_str_has_suffix (run->domain, "."))
    run->domain[strlen (run->domain) - 1] = '\0';
  run->started = g_get_monotonic_time ();
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);

  stage_builtin (task);
}

/**
 * pf_autoconfig_discovery_run_finish:
 * @self: a #PfAutoconfigDiscovery
 * @result: the result given to the callback
 * @error: return location for %PF_AUTOCONFIG_ERROR_NOT_FOUND,
 *   %PF_AUTOCONFIG_ERROR_INVALID_ADDRESS or %G_IO_ERROR_CANCELLED
 *
 * Returns: (transfer full) (nullable): the configuration, its source set;
 *   incoming servers IMAP before POP3 and implicit TLS before STARTTLS
 */
PfAutoconfig *
pf_autoconfig_discovery_run_finish (PfAutoconfigDiscovery  *self,
                                    GAsyncResult           *result,
                                    GError                **error)
{
  g_return_val_if_fail (PF_IS_AUTOCONFIG_DISCOVERY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
