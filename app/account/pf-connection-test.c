/* pf-connection-test.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-account"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "imap/pf-imap-connection.h"
#include "imap/pf-imap-error.h"
#include "net/pf-net-error.h"
#include "net/pf-net-sasl.h"
#include "pop3/pf-pop3-client.h"
#include "pop3/pf-pop3-error.h"
#include "smtp/pf-smtp-client.h"
#include "smtp/pf-smtp-error.h"

#include "pf-account-error.h"
#include "pf-connection-test.h"

/*
 * One server of an account, tried before the account is saved: connect as
 * the settings say, read the greeting and capabilities, log in, log out;
 * and say precisely what went wrong, for the wizard and for the "connection
 * doctor" lines of the ::step signal.
 *
 * The same rules as every other connection apply (the PfNetConnection comes
 * from pf_server_settings_create_connection()), and one more for guessing
 * the user name: a second candidate is only tried over a connection whose
 * certificate verified on its own, so that a wrong guess never hands the
 * password to a server that merely claims to be the right one.
 */

struct _PfConnectionTest
{
  GObject               parent_instance;

  /* Owned */
  PfServerSettings     *settings;
  char                 *password;
  char                **candidates;
  GTlsDatabase         *database;

  /* Owned: what the last run found */
  char                 *username;
  char                 *failed_username;
  char                 *server_text;
  char                 *tls_version;
  char                **mechanisms;
  GTlsCertificate      *certificate;

  GTlsCertificateFlags  certificate_errors;
  PfConnectionProblem   problem;
  guint                 timeout;
  guint                 next_step_id;
  guint                 running : 1;
};

G_DEFINE_FINAL_TYPE (PfConnectionTest, pf_connection_test, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (PfConnectionProblem, pf_connection_problem,
                    G_DEFINE_ENUM_VALUE (PF_CONNECTION_PROBLEM_NONE, "none"),
                    G_DEFINE_ENUM_VALUE (PF_CONNECTION_PROBLEM_WRONG_PASSWORD, "wrong-password"),
                    G_DEFINE_ENUM_VALUE (PF_CONNECTION_PROBLEM_UNKNOWN_USER, "unknown-user"),
                    G_DEFINE_ENUM_VALUE (PF_CONNECTION_PROBLEM_HOST_NOT_FOUND, "host-not-found"),
                    G_DEFINE_ENUM_VALUE (PF_CONNECTION_PROBLEM_PORT_CLOSED, "port-closed"),
                    G_DEFINE_ENUM_VALUE (PF_CONNECTION_PROBLEM_TIMEOUT, "timeout"),
                    G_DEFINE_ENUM_VALUE (PF_CONNECTION_PROBLEM_NO_TLS, "no-tls"),
                    G_DEFINE_ENUM_VALUE (PF_CONNECTION_PROBLEM_CERTIFICATE, "certificate"),
                    G_DEFINE_ENUM_VALUE (PF_CONNECTION_PROBLEM_PLAINTEXT, "plaintext"),
                    G_DEFINE_ENUM_VALUE (PF_CONNECTION_PROBLEM_ACCESS_DISABLED, "access-disabled"),
                    G_DEFINE_ENUM_VALUE (PF_CONNECTION_PROBLEM_OAUTH_REQUIRED, "oauth-required"),
                    G_DEFINE_ENUM_VALUE (PF_CONNECTION_PROBLEM_NOT_MAIL_SERVER, "not-mail-server"),
                    G_DEFINE_ENUM_VALUE (PF_CONNECTION_PROBLEM_OTHER, "other"))

enum {
  STEP,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Server texts, lower case, that say why a password login was refused.
 * Microsoft: "5.7.139 Authentication unsuccessful, basic authentication is
 * disabled"; Google: "[ALERT] Application-specific password required",
 * "Your account is not enabled for IMAP use", "Please log in via your web
 * browser", "[SYS/PERM] Your account is not enabled for POP access"; Yahoo:
 * "Please verify your account by going to https://login.yahoo.com". */
static const char *const oauth_texts[] = {
  "basic auth", "basicauth", "5.7.139", "oauth", "modern auth", "legacy auth", NULL
};
static const char *const app_password_texts[] = {
  "application-specific password", "application specific password",
  "app-specific password", "app password", "application password", NULL
};
static const char *const access_texts[] = {
  "access is disabled", "access disabled", "access is not enabled", "not enabled for",
  "is disabled", "web login", "web browser", "verify your account", "enable imap",
  "enable pop", "imap access", "pop access", "pop3 access", "smtp access", NULL
};

/* Hosts of providers that take no passwords from mail programs at all, so
 * that a refused login there is never a matter of the password: Microsoft
 * switched basic authentication off for Outlook.com and Exchange Online,
 * and answers a plain "AUTHENTICATE failed" like for a wrong one. */
static const char *const oauth_only_host_suffixes[] = {
  "outlook.com", "office365.com", "outlook.office.com", "hotmail.com", "live.com", NULL
};

/* Run */

typedef struct
{
  PfServerSettings    *settings;    /* a copy; the candidate as user name */
  PfNetConnection     *net;
  PfImapConnection    *imap;
  PfPop3Client        *pop3;
  PfSmtpClient        *smtp;
  GPtrArray           *alerts;      /* IMAP [ALERT] texts, in order */
  char               **candidates;
  GError              *failure;     /* the outcome to report if nothing works */
  char                *failure_text;
  char                *failure_user;
  PfConnectionProblem  failure_problem;
  gulong               alert_handler;
  guint                candidate;
  guint                connect_step;
  guint                login_step;
  gboolean             verified;
  gboolean             reported;    /* TLS and mechanisms told once */
  gboolean             reconnected; /* for the current candidate */
} Run;

static void
run_close_session (Run *run)
{
  if (run->imap != NULL)
    g_clear_signal_handler (&run->alert_handler, run->imap);
  if (run->net != NULL)
    pf_net_connection_close_async (run->net, NULL, NULL, NULL);
  g_clear_object (&run->imap);
  g_clear_object (&run->pop3);
  g_clear_object (&run->smtp);
  g_clear_object (&run->net);
}

static void
run_free (Run *run)
{
  run_close_session (run);
  g_clear_object (&run->settings);
  g_clear_pointer (&run->alerts, g_ptr_array_unref);
  g_clear_pointer (&run->candidates, g_strfreev);
  g_clear_error (&run->failure);
  g_clear_pointer (&run->failure_text, g_free);
  g_clear_pointer (&run->failure_user, g_free);
  g_free (run);
}

static guint
emit_step (PfConnectionTest *self,
           guint             id,
           PfCheckStatus     status,
           const char       *text)
{
  if (id == 0)
    id = ++self->next_step_id;
  g_debug ("Connection test step %u (%d): %s", id, status, text);
  g_signal_emit (self, signals[STEP], 0, id, status, text);
  return id;
}

static gboolean
text_matches (const char        *text,
              const char *const *patterns)
{
  g_autofree char *lower = NULL;

  if (text == NULL || *text == '\0')
    return FALSE;

  lower = g_utf8_strdown (text, -1);
  for (guint i = 0; patterns[i] != NULL; i++)
    {
      if (strstr (lower, patterns[i]) != NULL)
        return TRUE;
    }
  return FALSE;
}

static gboolean
host_has_suffix (const char        *host,
                 const char *const *suffixes)
{
  g_autofree char *lower = NULL;

  if (host == NULL)
    return FALSE;

  lower = g_ascii_strdown (host, -1);
  for (guint i = 0; suffixes[i] != NULL; i++)
    {
      gsize host_length = strlen (lower);
      gsize length = strlen (suffixes[i]);

      if (host_length == length && g_str_equal (lower, suffixes[i]))
        return TRUE;
      if (host_length > length && lower[host_length - length - 1] == '.' &&
          g_str_equal (lower + host_length - length, suffixes[i]))
        return TRUE;
    }
  return FALSE;
}

static const char *
error_server_text (const GError *error)
{
  const char *text = NULL;

  if (error->domain == PF_IMAP_ERROR)
    text = pf_imap_error_get_server_text (error);
  else if (error->domain == PF_POP3_ERROR)
    text = pf_pop3_error_get_server_text (error);
  else if (error->domain == PF_SMTP_ERROR)
    text = pf_smtp_error_get_server_text (error);

  return text != NULL && *text != '\0' ? text : NULL;
}

/* Why a password login was refused, from what the server said: the refusal
 * itself (@text), and for IMAP any [ALERT] of the exchange. Sets
 * *@out_text to the words that explain it. */
static PfConnectionProblem
classify_refusal (PfConnectionTest  *self,
                  Run               *run,
                  const GError      *error,
                  char             **out_text)
{
  const char *text = error_server_text (error);
  const char *code = NULL;
  PfConnectionProblem problem = PF_CONNECTION_PROBLEM_WRONG_PASSWORD;

  if (error->domain == PF_IMAP_ERROR)
    code = pf_imap_error_get_response_code (error);
  else if (error->domain == PF_POP3_ERROR)
    code = pf_pop3_error_get_response_code (error);

  /* What the server said in so many words comes first: the refusal, then
   * any alert. */
  if (text_matches (text, oauth_texts))
    problem = PF_CONNECTION_PROBLEM_OAUTH_REQUIRED;
  else if (text_matches (text, app_password_texts))
    problem = PF_CONNECTION_PROBLEM_WRONG_PASSWORD;
  else if (text_matches (text, access_texts))
    problem = PF_CONNECTION_PROBLEM_ACCESS_DISABLED;
  else
    {
      for (guint i = 0; run->alerts != NULL && i < run->alerts->len; i++)
        {
          const char *alert = g_ptr_array_index (run->alerts, i);

          if (text_matches (alert, oauth_texts))
            problem = PF_CONNECTION_PROBLEM_OAUTH_REQUIRED;
          else if (text_matches (alert, app_password_texts))
            problem = PF_CONNECTION_PROBLEM_WRONG_PASSWORD;
          else if (text_matches (alert, access_texts))
            problem = PF_CONNECTION_PROBLEM_ACCESS_DISABLED;
          else
            continue;
          *out_text = g_strdup (alert);
          return problem;
        }

      /* RFC 3501 §7.1: an [ALERT] on the refusal is for the user to read,
       * more than "wrong password". RFC 3206 §4: [SYS/PERM] is a permanent
       * refusal on the server's side. RFC 5530 §3: CONTACTADMIN likewise. */
      if (g_strcmp0 (code, "ALERT") == 0 || g_strcmp0 (code, "CONTACTADMIN") == 0 ||
          (code != NULL && error->domain == PF_POP3_ERROR && g_str_has_prefix (code, "SYS/PERM")))
        problem = PF_CONNECTION_PROBLEM_ACCESS_DISABLED;
      else if (g_strcmp0 (code, "UNAVAILABLE") == 0 || g_strcmp0 (code, "EXPIRED") == 0 ||
               g_strcmp0 (code, "PRIVACYREQUIRED") == 0 ||
               g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_SYS_TEMP) ||
               g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_IN_USE) ||
               g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_LOGIN_DELAY))
        problem = PF_CONNECTION_PROBLEM_OTHER;
      else if (g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_AUTHENTICATION_FAILED) &&
               g_strcmp0 (pf_pop3_error_get_command (error), "USER") == 0 && code == NULL)
        problem = PF_CONNECTION_PROBLEM_UNKNOWN_USER;
      else if (host_has_suffix (pf_server_settings_get_host (self->settings),
                                oauth_only_host_suffixes))
        problem = PF_CONNECTION_PROBLEM_OAUTH_REQUIRED;
    }

  *out_text = g_strdup (text);
  return problem;
}

/* The problem an error of a run stands for. @logging_in: the error came
 * from the login, not from connecting. */
static PfConnectionProblem
classify (PfConnectionTest  *self,
          Run               *run,
          const GError      *error,
          gboolean           logging_in,
          char             **out_text)
{
  *out_text = NULL;

  if (error->domain == PF_NET_ERROR)
    {
      switch ((PfNetError) error->code)
        {
        case PF_NET_ERROR_HOST_NOT_FOUND:
          return PF_CONNECTION_PROBLEM_HOST_NOT_FOUND;
        case PF_NET_ERROR_CONNECTION_REFUSED:
          return PF_CONNECTION_PROBLEM_PORT_CLOSED;
        case PF_NET_ERROR_TIMEOUT:
          return PF_CONNECTION_PROBLEM_TIMEOUT;
        case PF_NET_ERROR_TLS_FAILED:
        case PF_NET_ERROR_STARTTLS_UNAVAILABLE:
          return PF_CONNECTION_PROBLEM_NO_TLS;
        case PF_NET_ERROR_CERTIFICATE_UNTRUSTED:
          return PF_CONNECTION_PROBLEM_CERTIFICATE;
        case PF_NET_ERROR_PLAINTEXT_REFUSED:
          return PF_CONNECTION_PROBLEM_PLAINTEXT;
        case PF_NET_ERROR_UNREACHABLE:
        case PF_NET_ERROR_CONNECTION_LOST:
        case PF_NET_ERROR_PROTOCOL:
        default:
          return PF_CONNECTION_PROBLEM_OTHER;
        }
    }

  if (g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_TIMEOUT))
    return PF_CONNECTION_PROBLEM_TIMEOUT;

  /* Something that does not speak the protocol: another protocol's port,
   * a web server, a proxy's error page. */
  if (!logging_in &&
      (g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL) ||
       g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_PROTOCOL) ||
       g_error_matches (error, PF_SMTP_ERROR, PF_SMTP_ERROR_PROTOCOL)))
    return PF_CONNECTION_PROBLEM_NOT_MAIL_SERVER;

  if (logging_in &&
      (g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_AUTHENTICATION_FAILED) ||
       g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_AUTHENTICATION_FAILED) ||
       g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_SYS_PERM) ||
       g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_SYS_TEMP) ||
       g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_IN_USE) ||
       g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_LOGIN_DELAY) ||
       g_error_matches (error, PF_SMTP_ERROR, PF_SMTP_ERROR_AUTHENTICATION_FAILED)))
    return classify_refusal (self, run, error, out_text);

  /* RFC 3463: X.1.1 "bad destination mailbox address"; in answer to AUTH a
   * server says it knows no such user. */
  if (logging_in && error->domain == PF_SMTP_ERROR &&
      pf_smtp_error_get_reply_code (error) >= 500 &&
      g_strcmp0 (pf_smtp_error_get_enhanced_code (error), "5.1.1") == 0)
    {
      *out_text = g_strdup (error_server_text (error));
      return PF_CONNECTION_PROBLEM_UNKNOWN_USER;
    }

  if (logging_in && error->domain == PF_SMTP_ERROR &&
      text_matches (error_server_text (error), oauth_texts))
    {
      *out_text = g_strdup (error_server_text (error));
      return PF_CONNECTION_PROBLEM_OAUTH_REQUIRED;
    }

  *out_text = g_strdup (error_server_text (error));
  return PF_CONNECTION_PROBLEM_OTHER;
}

static gboolean
is_credential_problem (PfConnectionProblem problem)
{
  return problem == PF_CONNECTION_PROBLEM_WRONG_PASSWORD ||
         problem == PF_CONNECTION_PROBLEM_UNKNOWN_USER;
}

static gboolean
is_connection_lost (const GError *error)
{
  return g_error_matches (error, PF_NET_ERROR, PF_NET_ERROR_CONNECTION_LOST) ||
         g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_CONNECTION_LOST) ||
         g_error_matches (error, PF_IMAP_ERROR, PF_IMAP_ERROR_BYE) ||
         g_error_matches (error, PF_POP3_ERROR, PF_POP3_ERROR_CONNECTION_LOST) ||
         g_error_matches (error, PF_SMTP_ERROR, PF_SMTP_ERROR_CONNECTION_LOST);
}

/* Ending */

/* Ends the run with @problem; takes @task and @error (%NULL: logged in). */
static void
run_return (GTask               *task,
            PfConnectionProblem  problem,
            const char          *server_text,
            GError              *error)
{
  g_autoptr(GTask) owned = task;
  PfConnectionTest *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);

  self->problem = problem;
  g_free (self->failed_username);
  self->failed_username = NULL;
  if (problem != PF_CONNECTION_PROBLEM_NONE)
    self->failed_username = g_strdup (run->failure_user != NULL ? run->failure_user
                                                                : run->candidates[run->candidate]);
  g_clear_pointer (&self->server_text, g_free);
  self->server_text = g_strdup (server_text);
  self->running = FALSE;
  run_close_session (run);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
logged_out_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (PF_IS_IMAP_CONNECTION (object))
    pf_imap_connection_logout_finish (PF_IMAP_CONNECTION (object), result, &error);
  else if (PF_IS_POP3_CLIENT (object))
    pf_pop3_client_quit_finish (PF_POP3_CLIENT (object), result, &error);
  else
    pf_smtp_client_quit_finish (PF_SMTP_CLIENT (object), result, &error);

  /* The login worked; a server that hangs up without a goodbye changes
   * nothing about that. */
  if (error != NULL)
    g_debug ("Logging out after the connection test: %s", error->message);

  if (run->failure != NULL)
    run_return (g_steal_pointer (&task), run->failure_problem, run->failure_text,
                g_steal_pointer (&run->failure));
  else
    run_return (g_steal_pointer (&task), PF_CONNECTION_PROBLEM_NONE, NULL, NULL);
}

/* Logs out politely, then reports the run's outcome. */
static void
log_out (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (run->imap != NULL)
    pf_imap_connection_logout_async (run->imap, cancellable, logged_out_cb, task);
  else if (run->pop3 != NULL)
    pf_pop3_client_quit_async (run->pop3, cancellable, logged_out_cb, task);
  else
    pf_smtp_client_quit_async (run->smtp, cancellable, logged_out_cb, task);
}

/* Keeps @problem as the outcome, unless one already kept says more: a
 * wrong password (the server knows the user) over an unknown user, and
 * else the first candidate's. */
static void
keep_failure (Run                 *run,
              PfConnectionProblem  problem,
              const char          *server_text,
              const char          *user,
              GError              *error)
{
  if (run->failure != NULL &&
      !(run->failure_problem == PF_CONNECTION_PROBLEM_UNKNOWN_USER &&
        problem == PF_CONNECTION_PROBLEM_WRONG_PASSWORD))
    {
      g_error_free (error);
      return;
    }

  g_clear_error (&run->failure);
  run->failure = error;
  run->failure_problem = problem;
  g_free (run->failure_text);
  run->failure_text = g_strdup (server_text);
  g_free (run->failure_user);
  run->failure_user = g_strdup (user);
}

/* Logging in */

static void connect_session (GTask *task);
static void log_in (GTask *task);

static void
logged_in_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfConnectionTest *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *server_text = NULL;
  g_autofree char *text = NULL;
  const char *user = run->candidates[run->candidate];
  const char *next;
  PfConnectionProblem problem;
  gboolean ok;

  if (PF_IS_IMAP_CONNECTION (object))
    ok = pf_imap_connection_login_finish (PF_IMAP_CONNECTION (object), result, &error);
  else if (PF_IS_POP3_CLIENT (object))
    ok = pf_pop3_client_login_finish (PF_POP3_CLIENT (object), result, &error);
  else
    ok = pf_smtp_client_login_finish (PF_SMTP_CLIENT (object), result, &error);

  if (ok)
    {
      /* Translators: %s is a user name, often an email address */
      text = g_strdup_printf (_("Logged in as %s"), user);
      emit_step (self, run->login_step, PF_CHECK_OK, text);
      g_free (self->username);
      self->username = g_strdup (user);
      /* Success replaces any failure of an earlier candidate. */
      g_clear_error (&run->failure);
      log_out (g_steal_pointer (&task));
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      emit_step (self, run->login_step, PF_CHECK_FAILED, error->message);
      run_return (g_steal_pointer (&task), PF_CONNECTION_PROBLEM_OTHER, NULL,
                  g_steal_pointer (&error));
      return;
    }

  /* A server that hung up after the previous candidate's failure: once
   * more on a new connection. */
  if (run->candidate > 0 && !run->reconnected && is_connection_lost (error))
    {
      emit_step (self, run->login_step, PF_CHECK_SKIPPED,
                 _("The server closed the connection; connecting again"));
      run->reconnected = TRUE;
      run_close_session (run);
      connect_session (g_steal_pointer (&task));
      return;
    }

  problem = classify (self, run, error, TRUE, &server_text);
  if (server_text != NULL)
    /* Translators: %s is the server's own explanation, often English */
    text = g_strdup_printf (_("The server refused the login: “%s”"), server_text);
  emit_step (self, run->login_step, PF_CHECK_FAILED, text != NULL ? text : error->message);

  keep_failure (run, problem, server_text, user, g_steal_pointer (&error));
  if (!is_credential_problem (problem) || run->candidates[run->candidate + 1] == NULL)
    {
      log_out (g_steal_pointer (&task));
      return;
    }

  next = run->candidates[run->candidate + 1];
  if (!run->verified)
    {
      g_autofree char *skipped = NULL;

      /* Translators: %s is a user name that was not tried */
      skipped = g_strdup_printf (_("Not trying the user name %s: the server’s identity is not "
                                   "verified, and a wrong guess must not give your password "
                                   "away"), next);
      emit_step (self, 0, PF_CHECK_SKIPPED, skipped);
      log_out (g_steal_pointer (&task));
      return;
    }

  run->candidate++;
  run->reconnected = FALSE;
  if (run->imap != NULL && pf_imap_connection_get_state (run->imap) == PF_IMAP_STATE_LOGOUT)
    {
      run->reconnected = TRUE;
      run_close_session (run);
      connect_session (g_steal_pointer (&task));
      return;
    }
  log_in (g_steal_pointer (&task));
}

static void
log_in (GTask *task)
{
  PfConnectionTest *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autofree char *text = NULL;
  const char *user = run->candidates[run->candidate];
  gboolean token = pf_server_settings_get_auth_method (self->settings) == PF_AUTH_METHOD_OAUTH2;

  /* Translators: %s is a user name, often an email address */
  text = g_strdup_printf (_("Logging in as %s…"), user);
  run->login_step = emit_step (self, 0, PF_CHECK_RUNNING, text);

  if (run->imap != NULL)
    pf_imap_connection_login_async (run->imap, user, self->password, token, cancellable,
                                    logged_in_cb, task);
  else if (run->pop3 != NULL)
    pf_pop3_client_login_async (run->pop3, user, self->password, token, cancellable,
                                logged_in_cb, task);
  else
    pf_smtp_client_login_async (run->smtp, user, self->password, token, cancellable,
                                logged_in_cb, task);
}

/* Connecting */

static char **
dup_mechanisms (Run *run)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (run->imap != NULL)
    {
      const char *const *capabilities = pf_imap_connection_get_capabilities (run->imap);

      for (guint i = 0; capabilities != NULL && capabilities[i] != NULL; i++)
        {
          if (g_ascii_strncasecmp (capabilities[i], "AUTH=", 5) == 0)
            g_strv_builder_add (builder, capabilities[i] + 5);
        }
    }
  else if (run->pop3 != NULL)
    {
      g_auto(GStrv) mechanisms = pf_pop3_client_dup_sasl_mechanisms (run->pop3);

      for (guint i = 0; mechanisms != NULL && mechanisms[i] != NULL; i++)
        {
          if (*mechanisms[i] != '\0')
            g_strv_builder_add (builder, mechanisms[i]);
        }
    }
  else
    {
      const char *auth = pf_smtp_client_get_extension (run->smtp, "AUTH");
      g_auto(GStrv) mechanisms = g_strsplit (auth != NULL ? auth : "", " ", -1);

      for (guint i = 0; mechanisms[i] != NULL; i++)
        {
          if (*mechanisms[i] != '\0')
            g_strv_builder_add (builder, mechanisms[i]);
        }
    }

  return g_strv_builder_end (builder);
}

static char *
describe_tls_version (GTlsProtocolVersion version)
{
  switch (version)
    {
    case G_TLS_PROTOCOL_VERSION_SSL_3_0:
      return g_strdup ("SSL 3.0");
    case G_TLS_PROTOCOL_VERSION_TLS_1_0:
      return g_strdup ("TLS 1.0");
    case G_TLS_PROTOCOL_VERSION_TLS_1_1:
      return g_strdup ("TLS 1.1");
    case G_TLS_PROTOCOL_VERSION_TLS_1_2:
      return g_strdup ("TLS 1.2");
    case G_TLS_PROTOCOL_VERSION_TLS_1_3:
      return g_strdup ("TLS 1.3");
    case G_TLS_PROTOCOL_VERSION_DTLS_1_0:
      return g_strdup ("DTLS 1.0");
    case G_TLS_PROTOCOL_VERSION_DTLS_1_2:
      return g_strdup ("DTLS 1.2");
    case G_TLS_PROTOCOL_VERSION_UNKNOWN:
    default:
      return g_strdup ("TLS");
    }
}

/* The value of attribute @key (such as "CN") of an RFC 4514 distinguished
 * name, as GnuTLS writes them: "CN=imap.example.org,O=Example". */
static char *
dn_get (const char *dn,
        const char *key)
{
  gsize key_length = strlen (key);
  const char *p = dn;

  while (p != NULL && *p != '\0')
    {
      if (g_ascii_strncasecmp (p, key, key_length) == 0 && p[key_length] == '=')
        {
          GString *value = g_string_new (NULL);

          for (p += key_length + 1; *p != '\0' && *p != ','; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              g_string_append_c (value, *p);
            }
          return g_string_free (value, value->len == 0);
        }

      /* To the next unescaped comma. */
      for (; *p != '\0' && *p != ','; p++)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
        }
      if (*p == ',')
        p++;
      while (*p == ' ')
        p++;
    }
  return NULL;
}

static void
report_tls (PfConnectionTest *self,
            Run              *run)
{
  GTlsConnection *tls = pf_net_connection_get_tls_connection (run->net);
  GTlsCertificate *certificate;
  g_autoptr(GDateTime) until = NULL;
  g_autofree char *subject_dn = NULL;
  g_autofree char *issuer_dn = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *issuer = NULL;
  g_autofree char *date = NULL;
  g_autofree char *text = NULL;

  if (tls == NULL)
    {
      emit_step (self, 0, PF_CHECK_INFO, _("The connection is not encrypted"));
      return;
    }

  g_free (self->tls_version);
  self->tls_version = describe_tls_version (g_tls_connection_get_protocol_version (tls));

  certificate = g_tls_connection_get_peer_certificate (tls);
  if (certificate != NULL)
    {
      subject_dn = g_tls_certificate_get_subject_name (certificate);
      issuer_dn = g_tls_certificate_get_issuer_name (certificate);
      until = g_tls_certificate_get_not_valid_after (certificate);
    }
  subject = subject_dn != NULL ? dn_get (subject_dn, "CN") : NULL;
  if (subject == NULL)
    subject = g_strdup (pf_server_settings_get_host (self->settings));
  issuer = issuer_dn != NULL ? dn_get (issuer_dn, "O") : NULL;
  if (issuer == NULL && issuer_dn != NULL)
    issuer = dn_get (issuer_dn, "CN");
  if (issuer == NULL)
    issuer = g_strdup (issuer_dn != NULL ? issuer_dn : "?");
  if (until != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (until);

      /* Translators: the date a certificate expires, see g_date_time_format() */
      date = g_date_time_format (local, _("%Y-%m-%d"));
    }

  if (run->verified)
    /* Translators: e.g. "TLS 1.3, certificate for imap.example.org issued by
     * Let's Encrypt, valid until 2027-02-01" */
    text = g_strdup_printf (_("%s, certificate for %s issued by %s, valid until %s"),
                            self->tls_version, subject, issuer, date != NULL ? date : "?");
  else
    /* Translators: e.g. "TLS 1.3, certificate for imap.example.org issued by
     * Example CA, valid until 2027-02-01, not verified: trusted as an
     * exception" */
    text = g_strdup_printf (_("%s, certificate for %s issued by %s, valid until %s, not "
                              "verified: trusted as an exception"),
                            self->tls_version, subject, issuer, date != NULL ? date : "?");
  emit_step (self, 0, PF_CHECK_INFO, text);
}

static void
report_mechanisms (PfConnectionTest *self,
                   Run              *run)
{
  g_autofree char *list = NULL;
  g_autofree char *text = NULL;

  g_strfreev (self->mechanisms);
  self->mechanisms = dup_mechanisms (run);

  if (self->mechanisms[0] != NULL)
    {
      list = g_strjoinv (" ", self->mechanisms);
      /* Translators: %s is a list of SASL mechanisms such as "PLAIN LOGIN XOAUTH2" */
      text = g_strdup_printf (_("Server offers: %s"), list);
      emit_step (self, 0, PF_CHECK_INFO, text);
    }
  else if (run->imap != NULL && pf_imap_connection_has_capability (run->imap, "LOGINDISABLED"))
    emit_step (self, 0, PF_CHECK_INFO,
               _("The server offers no way to log in here (LOGINDISABLED)"));
  else if (run->imap != NULL)
    emit_step (self, 0, PF_CHECK_INFO,
               _("The server names no login methods (SASL); the LOGIN command is used"));
  else if (run->pop3 != NULL)
    emit_step (self, 0, PF_CHECK_INFO,
               _("The server names no login methods (SASL); USER and PASS are used"));
  else
    emit_step (self, 0, PF_CHECK_INFO, _("The server does not offer to log in (no AUTH)"));
}

/* Whether the server leaves a way to log in with a password; %FALSE when
 * it only names OAuth 2.0 mechanisms and no password login besides. */
static gboolean
password_login_possible (Run                *run,
                         const char *const  *mechanisms)
{
  if (pf_net_sasl_choose (mechanisms, FALSE, TRUE) != PF_NET_SASL_MECHANISM_NONE)
    return TRUE;
  if (run->imap != NULL)
    return !pf_imap_connection_has_capability (run->imap, "LOGINDISABLED");
  if (run->pop3 != NULL)
    return TRUE;
  return FALSE;
}

static gboolean
offers_oauth (const char *const *mechanisms)
{
  return pf_net_sasl_choose (mechanisms, TRUE, TRUE) != PF_NET_SASL_MECHANISM_NONE;
}

static void
on_alert_cb (PfImapConnection *connection,
             const char       *text,
             gpointer          user_data)
{
  GTask *task = user_data;
  PfConnectionTest *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autofree char *line = NULL;

  g_ptr_array_add (run->alerts, g_strdup (text));
  /* Translators: %s is an alert of the server, often English */
  line = g_strdup_printf (_("The server says: “%s”"), text);
  emit_step (self, 0, PF_CHECK_INFO, line);
}

static void
opened_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PfConnectionTest *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *server_text = NULL;
  g_autofree char *text = NULL;
  GTlsConnection *tls;
  PfConnectionProblem problem;
  gboolean ok;

  if (PF_IS_IMAP_CONNECTION (object))
    ok = pf_imap_connection_open_finish (PF_IMAP_CONNECTION (object), result, &error);
  else if (PF_IS_POP3_CLIENT (object))
    ok = pf_pop3_client_open_finish (PF_POP3_CLIENT (object), result, &error);
  else
    ok = pf_smtp_client_open_finish (PF_SMTP_CLIENT (object), result, &error);

  if (!ok)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          emit_step (self, run->connect_step, PF_CHECK_FAILED, error->message);
          run_return (g_steal_pointer (&task), PF_CONNECTION_PROBLEM_OTHER, NULL,
                      g_steal_pointer (&error));
          return;
        }

      problem = classify (self, run, error, FALSE, &server_text);
      emit_step (self, run->connect_step, PF_CHECK_FAILED, error->message);
      if (problem == PF_CONNECTION_PROBLEM_CERTIFICATE)
        {
          g_set_object (&self->certificate, pf_net_error_get_certificate (error));
          self->certificate_errors = pf_net_error_get_certificate_flags (error);
        }

      /* An earlier candidate's refusal says more than a reconnection that
       * failed. */
      if (run->failure != NULL)
        {
          run_return (g_steal_pointer (&task), run->failure_problem, run->failure_text,
                      g_steal_pointer (&run->failure));
          return;
        }
      run_return (g_steal_pointer (&task), problem, server_text, g_steal_pointer (&error));
      return;
    }

  address = pf_net_connection_dup_remote_address (run->net);
  if (G_IS_INET_SOCKET_ADDRESS (address))
    {
      GInetAddress *inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
      g_autofree char *ip = g_inet_address_to_string (inet);

      /* Translators: %s is an IP address */
      text = g_strdup_printf (_("Connected to %s"), ip);
    }
  else
    text = g_strdup (_("Connected"));
  emit_step (self, run->connect_step, PF_CHECK_OK, text);

  /* Verified on its own merits: no pin, no exception. */
  tls = pf_net_connection_get_tls_connection (run->net);
  run->verified = tls != NULL && g_tls_connection_get_peer_certificate_errors (tls) == 0;

  if (!run->reported)
    {
      run->reported = TRUE;
      report_tls (self, run);
      report_mechanisms (self, run);
    }

  if (tls == NULL && !pf_server_settings_get_allow_plaintext_password (self->settings))
    {
      emit_step (self, 0, PF_CHECK_FAILED,
                 _("Not logging in: the connection is not encrypted, and sending the password "
                   "unencrypted is not allowed"));
      g_set_error (&error, PF_NET_ERROR, PF_NET_ERROR_PLAINTEXT_REFUSED,
                   _("The password was not sent because the connection to %s is not encrypted"),
                   pf_server_settings_get_host (self->settings));
      keep_failure (run, PF_CONNECTION_PROBLEM_PLAINTEXT, NULL, NULL, g_steal_pointer (&error));
      log_out (g_steal_pointer (&task));
      return;
    }

  if (tls == NULL && run->imap != NULL &&
      pf_imap_connection_has_capability (run->imap, "LOGINDISABLED"))
    {
      /* RFC 3501 §6.2.3: no login before encryption, which this port does
       * not offer. */
      emit_step (self, 0, PF_CHECK_FAILED,
                 _("Not logging in: the server does not allow logging in without encryption"));
      g_set_error (&error, PF_NET_ERROR, PF_NET_ERROR_STARTTLS_UNAVAILABLE,
                   _("The server %s does not allow logging in without encryption"),
                   pf_server_settings_get_host (self->settings));
      keep_failure (run, PF_CONNECTION_PROBLEM_NO_TLS, NULL, NULL, g_steal_pointer (&error));
      log_out (g_steal_pointer (&task));
      return;
    }

  if (pf_server_settings_get_auth_method (self->settings) != PF_AUTH_METHOD_OAUTH2 &&
      !password_login_possible (run, (const char *const *) self->mechanisms) &&
      offers_oauth ((const char *const *) self->mechanisms))
    {
      emit_step (self, 0, PF_CHECK_FAILED,
                 _("Not logging in: the server accepts no password, only OAuth2"));
      g_set_error (&error, PF_NET_ERROR, PF_NET_ERROR_PROTOCOL,
                   _("The server %s accepts no password, only a sign-in with OAuth2"),
                   pf_server_settings_get_host (self->settings));
      keep_failure (run, PF_CONNECTION_PROBLEM_OAUTH_REQUIRED, NULL, NULL,
                    g_steal_pointer (&error));
      log_out (g_steal_pointer (&task));
      return;
    }

  log_in (g_steal_pointer (&task));
}

static PfNetConnection *
create_connection (PfConnectionTest  *self,
                   Run               *run,
                   GError           **error)
{
  g_autoptr(PfServerSettings) settings = NULL;
  g_autoptr(PfNetConnection) net = NULL;
  gboolean consent = pf_server_settings_get_allow_plaintext_password (run->settings);

  /* Connecting without encryption is fine; only the password must then
   * stay home without the user's consent. The settings would refuse to
   * make such a connection at all, so it is made as if consent were
   * given, and the connection then told otherwise. */
  settings = pf_server_settings_copy (run->settings);
  pf_server_settings_set_username (settings, run->candidates[run->candidate]);
  if (pf_server_settings_get_security (settings) == PF_SECURITY_NONE)
    pf_server_settings_set_allow_plaintext_password (settings, TRUE);

  net = pf_server_settings_create_connection (settings, error);
  if (net == NULL)
    return NULL;

  pf_net_connection_set_allow_plaintext_secrets (net,
                                                 pf_server_settings_get_security (settings) ==
                                                 PF_SECURITY_NONE && consent);
  pf_net_connection_set_timeout (net, self->timeout);
  if (self->database != NULL && pf_server_settings_get_ca_file (settings) == NULL)
    pf_net_connection_set_tls_database (net, self->database);

  return g_steal_pointer (&net);
}

static void
connect_session (GTask *task)
{
  PfConnectionTest *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *host = pf_server_settings_get_host (run->settings);
  guint port = pf_server_settings_get_port (run->settings);

  switch (pf_server_settings_get_security (run->settings))
    {
    case PF_SECURITY_TLS:
      /* Translators: the first %s is a host name, %u its port */
      text = g_strdup_printf (_("Connecting to %s:%u (TLS)…"), host, port);
      break;
    case PF_SECURITY_STARTTLS:
      /* Translators: the first %s is a host name, %u its port */
      text = g_strdup_printf (_("Connecting to %s:%u (STARTTLS)…"), host, port);
      break;
    case PF_SECURITY_NONE:
    default:
      /* Translators: the first %s is a host name, %u its port */
      text = g_strdup_printf (_("Connecting to %s:%u (no encryption)…"), host, port);
      break;
    }
  run->connect_step = emit_step (self, 0, PF_CHECK_RUNNING, text);

  run->net = create_connection (self, run, &error);
  if (run->net == NULL)
    {
      emit_step (self, run->connect_step, PF_CHECK_FAILED, error->message);
      run_return (task, PF_CONNECTION_PROBLEM_OTHER, NULL, g_steal_pointer (&error));
      return;
    }

  switch (pf_server_settings_get_protocol (run->settings))
    {
    case PF_SERVER_PROTOCOL_IMAP:
      run->imap = pf_imap_connection_new (run->net);
      pf_imap_connection_set_command_timeout (run->imap, self->timeout);
      run->alert_handler = g_signal_connect (run->imap, "alert", G_CALLBACK (on_alert_cb), task);
      pf_imap_connection_open_async (run->imap, cancellable, opened_cb, task);
      break;

    case PF_SERVER_PROTOCOL_POP3:
      run->pop3 = pf_pop3_client_new (run->net);
      pf_pop3_client_open_async (run->pop3, cancellable, opened_cb, task);
      break;

    case PF_SERVER_PROTOCOL_SMTP:
    default:
      run->smtp = pf_smtp_client_new (run->net);
      pf_smtp_client_open_async (run->smtp, cancellable, opened_cb, task);
      break;
    }
}

/* GObject */

static void
pf_connection_test_finalize (GObject *object)
{
  PfConnectionTest *self = (PfConnectionTest *) object;

  g_clear_object (&self->settings);
  if (self->password != NULL)
    explicit_bzero (self->password, strlen (self->password));
  g_clear_pointer (&self->password, g_free);
  g_clear_pointer (&self->candidates, g_strfreev);
  g_clear_object (&self->database);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->failed_username, g_free);
  g_clear_pointer (&self->server_text, g_free);
  g_clear_pointer (&self->tls_version, g_free);
  g_clear_pointer (&self->mechanisms, g_strfreev);
  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (pf_connection_test_parent_class)->finalize (object);
}

static void
pf_connection_test_class_init (PfConnectionTestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_connection_test_finalize;

  /**
   * PfConnectionTest::step:
   * @self: the #PfConnectionTest
   * @id: the step's number; a later emission with the same number ends a
   *   %PF_CHECK_RUNNING step
   * @status: a #PfCheckStatus
   * @text: the step, translated and fit for the user; never a password
   *
   * One line of the connection doctor.
   */
  signals[STEP] =
    g_signal_new ("step", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_UINT, PF_TYPE_CHECK_STATUS, G_TYPE_STRING);
}

static void
pf_connection_test_init (PfConnectionTest *self)
{
  self->timeout = PF_SERVER_SETTINGS_TIMEOUT_SECONDS;
}

/**
 * pf_connection_test_new:
 * @settings: the server to test; kept, not copied, and not changed
 * @password: the password (or, with %PF_AUTH_METHOD_OAUTH2, the access
 *   token); wiped from memory with the test
 *
 * Returns: (transfer full): a new connection test; the user name is the
 *   settings' unless pf_connection_test_set_username_candidates() is called
 */
PfConnectionTest *
pf_connection_test_new (PfServerSettings *settings,
                        const char       *password)
{
  PfConnectionTest *self;

  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (settings), NULL);
  g_return_val_if_fail (password != NULL, NULL);

  self = g_object_new (PF_TYPE_CONNECTION_TEST, NULL);
  self->settings = g_object_ref (settings);
  self->password = g_strdup (password);

  return self;
}

/**
 * pf_connection_test_set_username_candidates:
 * @self: a #PfConnectionTest
 * @usernames: (nullable) (array zero-terminated=1): user names to try in
 *   order, such as { full address, local part }; %NULL for the settings'
 *
 * The first candidate is always tried. The next one only after the server
 * refused the previous one's login (a wrong password or an unknown user),
 * and only over an encrypted connection whose certificate verified without
 * an exception: a guess must never send the password to a server whose
 * identity is in doubt. pf_connection_test_get_username() tells which
 * worked.
 */
void
pf_connection_test_set_username_candidates (PfConnectionTest  *self,
                                            const char *const *usernames)
{
  g_autoptr(GPtrArray) unique = NULL;

  g_return_if_fail (PF_IS_CONNECTION_TEST (self));
  g_return_if_fail (!self->running);

  g_clear_pointer (&self->candidates, g_strfreev);
  if (usernames == NULL)
    return;

  unique = g_ptr_array_new ();
  for (guint i = 0; usernames[i] != NULL; i++)
    {
      if (*usernames[i] != '\0' &&
          !g_ptr_array_find_with_equal_func (unique, usernames[i], g_str_equal, NULL))
        g_ptr_array_add (unique, g_strdup (usernames[i]));
    }
  g_ptr_array_add (unique, NULL);
  self->candidates = (char **) g_ptr_array_free (g_steal_pointer (&unique), FALSE);
}

/**
 * pf_connection_test_set_tls_database:
 * @self: a #PfConnectionTest
 * @database: (nullable): the certificate authorities to trust when the
 *   settings name no CA file; %NULL for the system's
 */
void
pf_connection_test_set_tls_database (PfConnectionTest *self,
                                     GTlsDatabase     *database)
{
  g_return_if_fail (PF_IS_CONNECTION_TEST (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  g_set_object (&self->database, database);
}

/**
 * pf_connection_test_set_timeout:
 * @self: a #PfConnectionTest
 * @seconds: how long connecting, and each answer of the server, may take;
 *   not 0. %PF_SERVER_SETTINGS_TIMEOUT_SECONDS by default.
 */
void
pf_connection_test_set_timeout (PfConnectionTest *self,
                                guint             seconds)
{
  g_return_if_fail (PF_IS_CONNECTION_TEST (self));
  g_return_if_fail (seconds > 0);

  self->timeout = seconds;
}

/**
 * pf_connection_test_run_async:
 * @self: a #PfConnectionTest, not running
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the test is over
 * @user_data: data for @callback
 *
 * Connects as the settings say (TLS, STARTTLS or none; the CA file and
 * the pinned certificate), reads the greeting and the capabilities, logs
 * in with the password and logs out, reporting each step through
 * #PfConnectionTest::step. Over a connection without encryption the
 * password is only sent with the settings' consent. Main thread.
 */
void
pf_connection_test_run_async (PfConnectionTest    *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;
  Run *run;
  const char *username;

  g_return_if_fail (PF_IS_CONNECTION_TEST (self));
  g_return_if_fail (!self->running);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_connection_test_run_async);

  self->running = TRUE;
  self->problem = PF_CONNECTION_PROBLEM_NONE;
  self->certificate_errors = 0;
  g_clear_object (&self->certificate);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->server_text, g_free);
  g_clear_pointer (&self->tls_version, g_free);
  g_clear_pointer (&self->mechanisms, g_strfreev);

  run = g_new0 (Run, 1);
  run->settings = pf_server_settings_copy (self->settings);
  run->alerts = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);

  if (self->candidates != NULL && self->candidates[0] != NULL)
    run->candidates = g_strdupv (self->candidates);
  else
    {
      const char *only[] = { NULL, NULL };

      username = pf_server_settings_get_username (self->settings);
      only[0] = username != NULL ? username : "";
      run->candidates = g_strdupv ((char **) only);
    }

  connect_session (task);
}

/**
 * pf_connection_test_run_finish:
 * @self: a #PfConnectionTest
 * @result: the result
 * @error: return location for the error that ended the test; its kind is
 *   pf_connection_test_get_problem()
 *
 * Returns: %TRUE if the server accepted the login
 */
gboolean
pf_connection_test_run_finish (PfConnectionTest  *self,
                               GAsyncResult      *result,
                               GError           **error)
{
  g_return_val_if_fail (PF_IS_CONNECTION_TEST (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * pf_connection_test_get_settings:
 *
 * Returns: (transfer none): the settings under test
 */
PfServerSettings *
pf_connection_test_get_settings (PfConnectionTest *self)
{
  g_return_val_if_fail (PF_IS_CONNECTION_TEST (self), NULL);

  return self->settings;
}

/**
 * pf_connection_test_get_problem:
 *
 * Returns: what the last run found; %PF_CONNECTION_PROBLEM_NONE after a
 *   login that worked (and before any run)
 */
PfConnectionProblem
pf_connection_test_get_problem (PfConnectionTest *self)
{
  g_return_val_if_fail (PF_IS_CONNECTION_TEST (self), PF_CONNECTION_PROBLEM_OTHER);

  return self->problem;
}

/**
 * pf_connection_test_get_username:
 *
 * Returns: (nullable): the user name the server accepted, or %NULL if the
 *   login did not work
 */
const char *
pf_connection_test_get_username (PfConnectionTest *self)
{
  g_return_val_if_fail (PF_IS_CONNECTION_TEST (self), NULL);

  return self->username;
}

/**
 * pf_connection_test_get_server_text:
 *
 * Returns: (nullable): the server's own words about the problem (the text
 *   of a refusal or an [ALERT]), valid UTF-8, or %NULL
 */
const char *
pf_connection_test_get_server_text (PfConnectionTest *self)
{
  g_return_val_if_fail (PF_IS_CONNECTION_TEST (self), NULL);

  return self->server_text;
}

/**
 * pf_connection_test_get_tls_version:
 *
 * Returns: (nullable): the TLS version of the connection, such as
 *   "TLS 1.3", or %NULL if it was not encrypted (or not reached)
 */
const char *
pf_connection_test_get_tls_version (PfConnectionTest *self)
{
  g_return_val_if_fail (PF_IS_CONNECTION_TEST (self), NULL);

  return self->tls_version;
}

/**
 * pf_connection_test_get_mechanisms:
 *
 * Returns: (nullable) (array zero-terminated=1): the SASL mechanisms the
 *   server offered (after STARTTLS), or %NULL if it was not reached
 */
const char *const *
pf_connection_test_get_mechanisms (PfConnectionTest *self)
{
  g_return_val_if_fail (PF_IS_CONNECTION_TEST (self), NULL);

  return (const char *const *) self->mechanisms;
}

/**
 * pf_connection_test_get_certificate:
 * @self: a #PfConnectionTest
 * @out_errors: (out) (optional): what verification found wrong with it
 *
 * For the certificate dialog after %PF_CONNECTION_PROBLEM_CERTIFICATE: the
 * certificate the server showed. Trusting it is
 * pf_server_settings_set_pinned_certificate() with its fingerprint
 * (pf_net_certificate_dup_sha256()) and these errors.
 *
 * Returns: (transfer none) (nullable): the untrusted certificate
 */
GTlsCertificate *
pf_connection_test_get_certificate (PfConnectionTest     *self,
                                    GTlsCertificateFlags *out_errors)
{
  g_return_val_if_fail (PF_IS_CONNECTION_TEST (self), NULL);

  if (out_errors != NULL)
    *out_errors = self->certificate_errors;
  return self->certificate;
}

/* Describing */

static const char *
provider_name (const char *host)
{
  static const char *const microsoft[] = {
    "outlook.com", "office365.com", "outlook.office.com", "hotmail.com", "live.com", NULL
  };
  static const char *const google[] = { "gmail.com", "googlemail.com", "google.com", NULL };
  static const char *const yahoo[] = { "yahoo.com", "yahoo.co.uk", "yahoo.de", NULL };

  if (host_has_suffix (host, microsoft))
    return "Outlook.com";
  if (host_has_suffix (host, google))
    return "Gmail";
  if (host_has_suffix (host, yahoo))
    return "Yahoo Mail";
  return NULL;
}

/**
 * pf_connection_problem_describe:
 * @problem: what a connection test found
 * @settings: the server tested (host, port, security, user name)
 * @server_text: (nullable): the server's own words, from
 *   pf_connection_test_get_server_text()
 *
 * Returns: (transfer full): a translated sentence or two for the user: what
 *   is wrong, with the server named, and what to do next
 */
char *
pf_connection_problem_describe (PfConnectionProblem  problem,
                                PfServerSettings    *settings,
                                const char          *server_text)
{
  PfServerProtocol protocol;
  const char *host;
  const char *user;
  const char *provider;
  guint port;

  g_return_val_if_fail (PF_IS_SERVER_SETTINGS (settings), NULL);

  host = pf_server_settings_get_host (settings);
  if (host == NULL)
    host = "?";
  user = pf_server_settings_get_username (settings);
  port = pf_server_settings_get_port (settings);
  protocol = pf_server_settings_get_protocol (settings);
  provider = provider_name (host);
  if (server_text != NULL && *server_text == '\0')
    server_text = NULL;

  switch (problem)
    {
    case PF_CONNECTION_PROBLEM_NONE:
      if (user != NULL)
        /* Translators: the first %s is a host name, the second a user name */
        return g_strdup_printf (_("The server %s accepted the login of %s."), host, user);
      /* Translators: %s is a host name */
      return g_strdup_printf (_("The server %s accepted the login."), host);

    case PF_CONNECTION_PROBLEM_WRONG_PASSWORD:
      if (text_matches (server_text, app_password_texts))
        {
          if (provider != NULL)
            /* Translators: %s is the name of a provider, such as "Gmail" */
            return g_strdup_printf (_("%s requires an app password for mail programs. Create "
                                      "one in the security settings of your account on its "
                                      "website, and enter it instead of your usual password."),
                                    provider);
          /* Translators: %s is a host name */
          return g_strdup_printf (_("The provider of %s requires an app password for mail "
                                    "programs. Create one in the security settings of your "
                                    "account on its website, and enter it instead of your "
                                    "usual password."), host);
        }
      if (user != NULL)
        /* Translators: the first %s is a host name, the second a user name */
        return g_strdup_printf (_("The server %s refused the password for %s. Check the "
                                  "password; some providers need an app password."), host, user);
      /* Translators: %s is a host name */
      return g_strdup_printf (_("The server %s refused the user name or the password. Check "
                                "both; some providers need an app password."), host);

    case PF_CONNECTION_PROBLEM_UNKNOWN_USER:
      if (user != NULL)
        /* Translators: the first %s is a host name, the second a user name */
        return g_strdup_printf (_("The server %s does not know the user name “%s”. Check the "
                                  "user name; often it is the full email address."), host, user);
      /* Translators: %s is a host name */
      return g_strdup_printf (_("The server %s does not know the user name. Check it; often "
                                "it is the full email address."), host);

    case PF_CONNECTION_PROBLEM_HOST_NOT_FOUND:
      /* Translators: %s is a host name */
      return g_strdup_printf (_("The server name %s could not be found. Check its spelling, "
                                "and that this computer is online."), host);

    case PF_CONNECTION_PROBLEM_PORT_CLOSED:
      /* Translators: %u is a port number, %s a host name */
      return g_strdup_printf (_("Nothing answers on port %u of %s. Check the port and the "
                                "security setting."), port, host);

    case PF_CONNECTION_PROBLEM_TIMEOUT:
      /* Translators: %s is a host name, %u a port number */
      return g_strdup_printf (_("%s did not answer on port %u in time. Check the port and the "
                                "security setting; a firewall may block the connection."),
                              host, port);

    case PF_CONNECTION_PROBLEM_NO_TLS:
      switch (pf_server_settings_get_security (settings))
        {
        case PF_SECURITY_STARTTLS:
          /* Translators: %s is a host name, %u a port number */
          return g_strdup_printf (_("%s does not offer encryption (STARTTLS) on port %u. "
                                    "Postfach will not send your password unencrypted. Try the "
                                    "security setting TLS with port %u."),
                                  host, port,
                                  (guint) pf_server_protocol_get_default_port (protocol,
                                                                               PF_SECURITY_TLS));
        case PF_SECURITY_TLS:
          /* Translators: %s is a host name, %u a port number */
          return g_strdup_printf (_("No secure connection to %s could be made on port %u. Check "
                                    "the port and the security setting: the port may expect "
                                    "STARTTLS."), host, port);
        case PF_SECURITY_NONE:
        default:
          /* Translators: %s is a host name, %u a port number */
          return g_strdup_printf (_("%s does not accept a password without encryption, and "
                                    "offers no encryption on port %u. Choose TLS or STARTTLS "
                                    "with the matching port."), host, port);
        }

    case PF_CONNECTION_PROBLEM_CERTIFICATE:
      /* Translators: %s is a host name */
      return g_strdup_printf (_("The identity of %s could not be verified: its certificate is "
                                "not trusted. Look at the certificate before you trust it; if "
                                "you did not expect this, someone may be listening in."), host);

    case PF_CONNECTION_PROBLEM_PLAINTEXT:
      /* Translators: %s is a host name */
      return g_strdup_printf (_("The connection to %s is not encrypted, so Postfach did not "
                                "send the password. Choose TLS or STARTTLS, or explicitly allow "
                                "sending the password unencrypted."), host);

    case PF_CONNECTION_PROBLEM_ACCESS_DISABLED:
      if (server_text != NULL)
        {
          switch (protocol)
            {
            case PF_SERVER_PROTOCOL_IMAP:
              /* Translators: %s is the server's own text, often English */
              return g_strdup_printf (_("The provider says: “%s”. Enable IMAP access in your "
                                        "account’s settings on the provider’s website, or "
                                        "follow its instructions, then try again."), server_text);
            case PF_SERVER_PROTOCOL_POP3:
              /* Translators: %s is the server's own text, often English */
              return g_strdup_printf (_("The provider says: “%s”. Enable POP access in your "
                                        "account’s settings on the provider’s website, or "
                                        "follow its instructions, then try again."), server_text);
            case PF_SERVER_PROTOCOL_SMTP:
            default:
              /* Translators: %s is the server's own text, often English */
              return g_strdup_printf (_("The provider says: “%s”. Allow sending from mail "
                                        "programs (SMTP) in your account’s settings on the "
                                        "provider’s website, or follow its instructions, then "
                                        "try again."), server_text);
            }
        }
      switch (protocol)
        {
        case PF_SERVER_PROTOCOL_IMAP:
          /* Translators: %s is a host name */
          return g_strdup_printf (_("%s refuses IMAP access to this account. Enable IMAP access "
                                    "in your account’s settings on the provider’s website, then "
                                    "try again."), host);
        case PF_SERVER_PROTOCOL_POP3:
          /* Translators: %s is a host name */
          return g_strdup_printf (_("%s refuses POP access to this account. Enable POP access "
                                    "in your account’s settings on the provider’s website, then "
                                    "try again."), host);
        case PF_SERVER_PROTOCOL_SMTP:
        default:
          /* Translators: %s is a host name */
          return g_strdup_printf (_("%s refuses sending from mail programs for this account. "
                                    "Allow it in your account’s settings on the provider’s "
                                    "website, then try again."), host);
        }

    case PF_CONNECTION_PROBLEM_OAUTH_REQUIRED:
      if (provider != NULL)
        /* Translators: %s is the name of a provider, such as "Outlook.com" */
        return g_strdup_printf (_("%s no longer accepts passwords from mail programs; it "
                                  "requires signing in through the browser (OAuth2), which "
                                  "this version of Postfach cannot do yet."), provider);
      /* Translators: %s is a host name */
      return g_strdup_printf (_("%s no longer accepts passwords from mail programs; it "
                                "requires signing in through the browser (OAuth2), which this "
                                "version of Postfach cannot do yet."), host);

    case PF_CONNECTION_PROBLEM_NOT_MAIL_SERVER:
      switch (protocol)
        {
        case PF_SERVER_PROTOCOL_IMAP:
          /* Translators: %u is a port number, %s a host name */
          return g_strdup_printf (_("Something answers on port %u of %s, but not an IMAP "
                                    "server. Check the server name and the port."), port, host);
        case PF_SERVER_PROTOCOL_POP3:
          /* Translators: %u is a port number, %s a host name */
          return g_strdup_printf (_("Something answers on port %u of %s, but not a POP3 "
                                    "server. Check the server name and the port."), port, host);
        case PF_SERVER_PROTOCOL_SMTP:
        default:
          /* Translators: %u is a port number, %s a host name */
          return g_strdup_printf (_("Something answers on port %u of %s, but not an SMTP "
                                    "server. Check the server name and the port."), port, host);
        }

    case PF_CONNECTION_PROBLEM_OTHER:
    default:
      if (server_text != NULL)
        /* Translators: the first %s is a host name, the second the server's
         * own text, often English */
        return g_strdup_printf (_("The server %s answered: “%s”."), host, server_text);
      /* Translators: %s is a host name */
      return g_strdup_printf (_("The test of %s failed; the steps above say where."), host);
    }
}

/**
 * pf_connection_test_describe_problem:
 * @self: a #PfConnectionTest after a run
 *
 * pf_connection_problem_describe() for the last run, with the user name
 * that was tried (the settings may have none when candidates were given).
 *
 * Returns: (transfer full): a translated sentence for the user
 */
char *
pf_connection_test_describe_problem (PfConnectionTest *self)
{
  g_autoptr(PfServerSettings) settings = NULL;
  const char *user;

  g_return_val_if_fail (PF_IS_CONNECTION_TEST (self), NULL);

  settings = pf_server_settings_copy (self->settings);
  user = self->username != NULL ? self->username : self->failed_username;
  if (user != NULL)
    pf_server_settings_set_username (settings, user);

  return pf_connection_problem_describe (self->problem, settings, self->server_text);
}
