/* pf-test-servers.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-test-support"

#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include <gio/gio.h>

#include "pf-test-servers.h"

/* The real Dovecot and SMTP servers of tests/servers/pf-test-servers, started
 * once per test binary. Everything here blocks: it runs before or between
 * tests, never while a test's main loop is iterating.
 *
 * Environment:
 *   PF_TEST_SERVERS       servers.ini of an instance someone else started (for
 *                         example `pf-test-servers run -- meson test`); used
 *                         instead of starting one, and never stopped here
 *   PF_TEST_SERVERS_KEEP  if set, the temporary directory with configuration
 *                         and logs is left behind after the servers stop
 */

#ifndef PF_TEST_SERVERS_SCRIPT
# error "PF_TEST_SERVERS_SCRIPT must name tests/servers/pf-test-servers"
#endif

struct _PfTestServers
{
  /* Owned */
  GKeyFile           *key_file;
  char               *ini_path;
  char               *dir;        /* the servers' directory */
  GHashTable         *strings;    /* "group\nkey" → value, for borrowed returns */

  PfTestServersFlags  flags;
  gboolean            started_here;
};

static PfTestServers *instance;

static void
stop_at_exit (void)
{
  const char *stop_argv[] = { PF_TEST_SERVERS_SCRIPT, "stop", "--dir", NULL, NULL };
  const char *rm_argv[] = { "rm", "-rf", "--", NULL, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int wait_status = 0;

  if (instance == NULL || !instance->started_here)
    return;

  stop_argv[3] = instance->dir;
  if (!g_spawn_sync (NULL, (char **) stop_argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &wait_status, &error) ||
      !g_spawn_check_wait_status (wait_status, &error))
    {
      /* Too late for g_error: the test results are in. The watcher started
       * with --watch-pid stops the servers once this process is gone. */
      g_printerr ("pf-test-servers stop failed: %s\n%s", error->message, err ? err : "");
      return;
    }

  if (g_getenv ("PF_TEST_SERVERS_KEEP") == NULL)
    {
      rm_argv[3] = instance->dir;
      g_spawn_sync (NULL, (char **) rm_argv, NULL,
                    G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                    NULL, NULL, NULL, NULL, NULL, NULL);
    }
}

static PfTestServers *
load (const char         *ini_path,
      PfTestServersFlags  flags,
      gboolean            started_here,
      const char         *dir)
{
  g_autoptr(GError) error = NULL;
  PfTestServers *self;

  self = g_new0 (PfTestServers, 1);
  self->key_file = g_key_file_new ();
  self->ini_path = g_strdup (ini_path);
  self->strings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->started_here = started_here;

  if (!g_key_file_load_from_file (self->key_file, ini_path, G_KEY_FILE_NONE, &error))
    g_error ("Cannot read the test servers' description %s: %s", ini_path, error->message);

  if (dir != NULL)
    self->dir = g_strdup (dir);
  else if ((self->dir = g_key_file_get_string (self->key_file, "server", "dir", &error)) == NULL)
    g_error ("%s: [server] dir: %s", ini_path, error->message);

  if (g_key_file_get_boolean (self->key_file, "server", "variants", NULL))
    self->flags |= PF_TEST_SERVERS_VARIANTS;

  if ((flags & PF_TEST_SERVERS_VARIANTS) && !(self->flags & PF_TEST_SERVERS_VARIANTS))
    g_error ("The test servers of %s were started without --variants, "
             "but this test needs the notls and plaintext instances", ini_path);

  return self;
}

static PfTestServers *
start (PfTestServersFlags flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *pid = NULL;
  int wait_status = 0;

  dir = g_dir_make_tmp ("pf-test-servers-XXXXXX", &error);
  if (dir == NULL)
    g_error ("Cannot create a directory for the test servers: %s", error->message);

  pid = g_strdup_printf ("%d", (int) getpid ());
  argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) PF_TEST_SERVERS_SCRIPT);
  g_ptr_array_add (argv, (gpointer) "start");
  g_ptr_array_add (argv, (gpointer) "--dir");
  g_ptr_array_add (argv, dir);
  /* Stops the servers even if this binary aborts on a failed assertion. */
  g_ptr_array_add (argv, (gpointer) "--watch-pid");
  g_ptr_array_add (argv, pid);
  if (flags & PF_TEST_SERVERS_VARIANTS)
    g_ptr_array_add (argv, (gpointer) "--variants");
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT,
                     NULL, NULL, &out, &err, &wait_status, &error) ||
      !g_spawn_check_wait_status (wait_status, &error))
    g_error ("Cannot start the test servers (%s): %s\n%s",
             PF_TEST_SERVERS_SCRIPT, error->message, err ? err : "");

  g_strstrip (out);
  if (!g_path_is_absolute (out))
    g_error ("pf-test-servers start printed no path of servers.ini: “%s”\n%s", out, err);

  return load (out, flags, TRUE, dir);
}

/**
 * pf_test_servers_get_full:
 * @flags: the servers the test needs
 *
 * Returns the servers of this test binary, starting them on the first call
 * (in a new temporary directory, stopped at exit). If the environment variable
 * PF_TEST_SERVERS names a servers.ini, that running instance is used instead.
 * A server that cannot be started is a fatal error, not a skipped test.
 *
 * Returns: (transfer none): the servers, valid until the process exits
 */
PfTestServers *
pf_test_servers_get_full (PfTestServersFlags flags)
{
  const char *ini_path;

  if (instance != NULL)
    {
      if ((flags & PF_TEST_SERVERS_VARIANTS) && !(instance->flags & PF_TEST_SERVERS_VARIANTS))
        g_error ("pf_test_servers_get_full (PF_TEST_SERVERS_VARIANTS) after the servers "
                 "were started without variants: ask for the variants first");
      return instance;
    }

  ini_path = g_getenv ("PF_TEST_SERVERS");
  if (ini_path != NULL && *ini_path != '\0')
    {
      instance = load (ini_path, flags, FALSE, NULL);
    }
  else
    {
      instance = start (flags);
      atexit (stop_at_exit);
    }

  if (g_test_initialized ())
    g_test_message ("test servers: %s", instance->ini_path);
  return instance;
}

/**
 * pf_test_servers_get:
 *
 * Like pf_test_servers_get_full() with %PF_TEST_SERVERS_DEFAULT.
 *
 * Returns: (transfer none): the servers
 */
PfTestServers *
pf_test_servers_get (void)
{
  return pf_test_servers_get_full (PF_TEST_SERVERS_DEFAULT);
}

static const char *
lookup (PfTestServers *self,
        const char    *group,
        const char    *key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  const char *value;
  char *loaded;

  g_assert (self != NULL);

  id = g_strconcat (group, "\n", key, NULL);
  value = g_hash_table_lookup (self->strings, id);
  if (value != NULL)
    return value;

  loaded = g_key_file_get_string (self->key_file, group, key, &error);
  if (loaded == NULL)
    g_error ("%s: [%s] %s: %s", self->ini_path, group, key, error->message);
  g_hash_table_insert (self->strings, g_steal_pointer (&id), loaded);

  return loaded;
}

static const char *
lookup_user (PfTestServers *self,
             const char    *user,
             const char    *key)
{
  g_autofree char *group = g_strconcat ("user:", user, NULL);

  return lookup (self, group, key);
}

/**
 * pf_test_servers_get_host:
 * @service: "imap", "imaps", "pop3", "pop3s", "submission", "submissions",
 *   or with variants "imap-notls", "pop3-notls", "imap-plaintext", "pop3-plaintext"
 *
 * Returns: (transfer none): the address the service listens on (an IP address
 *   that the test CA's server certificate names)
 */
const char *
pf_test_servers_get_host (PfTestServers *self,
                          const char    *service)
{
  return lookup (self, service, "host");
}

guint16
pf_test_servers_get_port (PfTestServers *self,
                          const char    *service)
{
  guint64 port = 0;

  if (!g_ascii_string_to_unsigned (lookup (self, service, "port"), 10, 1, G_MAXUINT16,
                                   &port, NULL))
    g_error ("%s: [%s] port is not a port number", self->ini_path, service);

  return (guint16) port;
}

/**
 * pf_test_servers_get_security:
 *
 * Returns: (transfer none): "starttls", "tls" (implicit) or "none"
 */
const char *
pf_test_servers_get_security (PfTestServers *self,
                              const char    *service)
{
  return lookup (self, service, "security");
}

/* The CA that signed the servers' certificate. */
const char *
pf_test_servers_get_ca_file (PfTestServers *self)
{
  return lookup (self, "tls", "ca-file");
}

/* A CA unrelated to the servers' certificate: verification against it fails. */
const char *
pf_test_servers_get_untrusted_ca_file (PfTestServers *self)
{
  return lookup (self, "tls", "untrusted-ca-file");
}

/**
 * pf_test_servers_get_login:
 * @user: "alice", "bob" or "pop" (pop's mailbox is its own copy, for tests
 *   that delete)
 *
 * Returns: (transfer none): the login name for IMAP, POP3 and SMTP AUTH
 */
const char *
pf_test_servers_get_login (PfTestServers *self,
                           const char    *user)
{
  return lookup_user (self, user, "login");
}

const char *
pf_test_servers_get_password (PfTestServers *self,
                              const char    *user)
{
  return lookup_user (self, user, "password");
}

const char *
pf_test_servers_get_address (PfTestServers *self,
                             const char    *user)
{
  return lookup_user (self, user, "address");
}

/* The user's INBOX Maildir on the server side (read it, don't write it). */
const char *
pf_test_servers_get_maildir (PfTestServers *self,
                             const char    *user)
{
  return lookup_user (self, user, "maildir");
}

const char *
pf_test_servers_get_dir (PfTestServers *self)
{
  g_assert (self != NULL);

  return self->dir;
}

/**
 * pf_test_servers_get_key_file:
 *
 * Returns: (transfer none): all of servers.ini
 */
GKeyFile *
pf_test_servers_get_key_file (PfTestServers *self)
{
  g_assert (self != NULL);

  return self->key_file;
}

/**
 * pf_test_servers_deliver:
 * @user: "alice", "bob" or "pop"
 * @message: a complete RFC 5322 message
 *
 * Delivers @message into @user's INBOX through Dovecot's LMTP socket (no SMTP
 * involved), and returns once it is stored. Blocks: call it outside of the
 * code under test's asynchronous operations.
 *
 * Returns: %TRUE on success
 */
gboolean
pf_test_servers_deliver (PfTestServers  *self,
                         const char     *user,
                         GBytes         *message,
                         GError        **error)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) err = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (user != NULL, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              error,
                              PF_TEST_SERVERS_SCRIPT, "deliver",
                              "--dir", self->dir,
                              "--to", pf_test_servers_get_address (self, user),
                              "-", NULL);
  if (process == NULL)
    return FALSE;

  if (!g_subprocess_communicate (process, message, NULL, NULL, &err, error))
    return FALSE;

  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Delivery to %s failed: %.*s", user,
                   (int) g_bytes_get_size (err), (const char *) g_bytes_get_data (err, NULL));
      return FALSE;
    }

  return TRUE;
}
