/* test-account.c: account settings, key files and the account list
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <string.h>
#include <sys/stat.h>

#include "account/pf-account.h"
#include "account/pf-account-manager.h"

#include "test-dirs.h"

/* A bus address that cannot be reached: nothing here may touch the real
 * keyring of whoever runs the tests. */
#define NO_BUS "unix:path=/nonexistent/postfach-test-bus"

#define PINNED_UPPER "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:" \
                     "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
#define PINNED_LOWER "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

#define SIGNATURE "-- \nJörg Müller\n  Bücherstraße 5\n\tLine with a tab\n\nLast line "

#define SECRET "Sup3r-Geheim!ß"

/* A self-signed certificate (no key needed) for the CA-file database. */
static const char test_ca_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBjTCCATOgAwIBAgIUMIkR+pWlsg3n8bEnISqFcFW/0K4wCgYIKoZIzj0EAwIw\n"
  "GzEZMBcGA1UEAwwQUG9zdGZhY2ggVGVzdCBDQTAgFw0yNjExMjkyMTMzMzVaGA8y\n"
  "MTI2MTEwNTIxMzMzNVowGzEZMBcGA1UEAwwQUG9zdGZhY2ggVGVzdCBDQTBZMBMG\n"
  "ByqGSM49AgEGCCqGSM49AwEHA0IABBfePo+QwewsVteumvWLranJD+V9sJaHCha/\n"
  "owhZp+cIVQYey1x/yqeK6zb+XVDkEe8+OeIr3t76OAuJ41JVcaejUzBRMB0GA1Ud\n"
  "DgQWBBStJ0ZL7DCVLSxtaOWUDykbFkaf6jAfBgNVHSMEGDAWgBStJ0ZL7DCVLSxt\n"
  "aOWUDykbFkaf6jAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCICWU\n"
  "qoGNlu3lUjy/kJnBP9FqFmnT9L7IpQKCDqbRCKbHAiEA0XKNd5nHy0BsBL1YBpkH\n"
  "QpdgZp0aCcivTbvVJKBsBUs=\n"
  "-----END CERTIFICATE-----\n";

/* An IMAP account that validates. */
static PfAccount *
make_imap_account (const char *name)
{
  PfAccount *account = pf_account_new (PF_ACCOUNT_KIND_IMAP);
  PfServerSettings *incoming = pf_account_get_incoming (account);
  PfServerSettings *outgoing = pf_account_get_outgoing (account);

  pf_account_set_display_name (account, name);
  pf_account_set_address (account, "alice@example.org");
  pf_server_settings_set_host (incoming, "imap.example.org");
  pf_server_settings_set_username (incoming, "alice@example.org");
  pf_server_settings_set_host (outgoing, "smtp.example.org");
  pf_server_settings_set_username (outgoing, "alice@example.org");

  return account;
}

/* A POP3 account with every field set, most away from their defaults. */
static PfAccount *
make_full_account (void)
{
  PfAccount *account = pf_account_new (PF_ACCOUNT_KIND_POP3);
  PfServerSettings *incoming = pf_account_get_incoming (account);
  PfServerSettings *outgoing = pf_account_get_outgoing (account);

  pf_account_set_display_name (account, "Büro – Jörg 📬");
  pf_account_set_address (account, "jörg@bücher.example");
  pf_account_set_real_name (account, "Jörg Müller-Lüdenscheidt");
  pf_account_set_reply_to (account, "team@bücher.example");
  pf_account_set_signature (account, SIGNATURE);
  pf_account_set_pop3_policy (account, PF_POP3_POLICY_KEEP_DAYS);
  pf_account_set_pop3_keep_days (account, 30);

  pf_server_settings_set_host (incoming, "pop.bücher.example");
  pf_server_settings_set_security (incoming, PF_SECURITY_NONE);
  pf_server_settings_set_port (incoming, 1110);
  pf_server_settings_set_allow_plaintext_password (incoming, TRUE);
  pf_server_settings_set_auth_method (incoming, PF_AUTH_METHOD_PASSWORD);
  pf_server_settings_set_username (incoming, "musterdomainde-0001");
  pf_server_settings_set_ca_file (incoming, "/etc/postfach/Zertifikate/ca-ü.pem");
  pf_server_settings_set_pinned_certificate (incoming, PINNED_UPPER,
                                             G_TLS_CERTIFICATE_UNKNOWN_CA |
                                             G_TLS_CERTIFICATE_BAD_IDENTITY);

  pf_server_settings_set_host (outgoing, "smtp.bücher.example");
  pf_server_settings_set_security (outgoing, PF_SECURITY_STARTTLS);
  pf_server_settings_set_auth_method (outgoing, PF_AUTH_METHOD_OAUTH2);
  pf_server_settings_set_username (outgoing, "jörg@bücher.example");

  return account;
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (slot);
}

static void
on_done_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

/* Server settings */

static void
test_default_ports (void)
{
  g_assert_cmpuint (pf_server_protocol_get_default_port (PF_SERVER_PROTOCOL_IMAP,
                                                         PF_SECURITY_TLS), ==, 993);
  g_assert_cmpuint (pf_server_protocol_get_default_port (PF_SERVER_PROTOCOL_IMAP,
                                                         PF_SECURITY_STARTTLS), ==, 143);
  g_assert_cmpuint (pf_server_protocol_get_default_port (PF_SERVER_PROTOCOL_IMAP,
                                                         PF_SECURITY_NONE), ==, 143);
  g_assert_cmpuint (pf_server_protocol_get_default_port (PF_SERVER_PROTOCOL_POP3,
                                                         PF_SECURITY_TLS), ==, 995);
  g_assert_cmpuint (pf_server_protocol_get_default_port (PF_SERVER_PROTOCOL_POP3,
                                                         PF_SECURITY_STARTTLS), ==, 110);
  g_assert_cmpuint (pf_server_protocol_get_default_port (PF_SERVER_PROTOCOL_SMTP,
                                                         PF_SECURITY_TLS), ==, 465);
  g_assert_cmpuint (pf_server_protocol_get_default_port (PF_SERVER_PROTOCOL_SMTP,
                                                         PF_SECURITY_STARTTLS), ==, 587);
  g_assert_cmpuint (pf_server_protocol_get_default_port (PF_SERVER_PROTOCOL_SMTP,
                                                         PF_SECURITY_NONE), ==, 587);
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
test_port_follows_defaults (void)
{
  g_autoptr(PfAccount) account = pf_account_new (PF_ACCOUNT_KIND_IMAP);
  PfServerSettings *incoming = pf_account_get_incoming (account);
  guint notifies = 0;

  g_assert_cmpuint (pf_server_settings_get_port (incoming), ==, 993);
  g_assert_cmpuint (pf_server_settings_get_port (pf_account_get_outgoing (account)), ==, 465);

  g_signal_connect (incoming, "notify::port", G_CALLBACK (count_notify_cb), &notifies);

  pf_server_settings_set_security (incoming, PF_SECURITY_STARTTLS);
  g_assert_cmpuint (pf_server_settings_get_port (incoming), ==, 143);
  g_assert_cmpuint (notifies, ==, 1);

  pf_account_set_kind (account, PF_ACCOUNT_KIND_POP3);
  g_assert_cmpint (pf_server_settings_get_protocol (incoming), ==, PF_SERVER_PROTOCOL_POP3);
  g_assert_cmpuint (pf_server_settings_get_port (incoming), ==, 110);
  g_assert_cmpuint (notifies, ==, 2);

  /* A port the user chose stays. */
  pf_server_settings_set_port (incoming, 2110);
  pf_server_settings_set_security (incoming, PF_SECURITY_TLS);
  g_assert_cmpuint (pf_server_settings_get_port (incoming), ==, 2110);

  /* No notify without a change. */
  pf_server_settings_set_port (incoming, 2110);
  g_assert_cmpuint (notifies, ==, 3);
}

static void
test_fingerprint (void)
{
  g_autofree char *upper = pf_normalize_sha256_fingerprint (PINNED_UPPER);
  g_autofree char *lower = pf_normalize_sha256_fingerprint (PINNED_LOWER);
  g_autofree char *short_one = pf_normalize_sha256_fingerprint ("ab:cd");
  g_autofree char *not_hex = pf_normalize_sha256_fingerprint (
    "zz" PINNED_LOWER);
  g_autoptr(PfServerSettings) server = pf_server_settings_new (PF_SERVER_PROTOCOL_IMAP);

  g_assert_cmpstr (upper, ==, PINNED_LOWER);
  g_assert_cmpstr (lower, ==, PINNED_LOWER);
  g_assert_null (short_one);
  g_assert_null (not_hex);

  pf_server_settings_set_pinned_certificate (server, PINNED_UPPER, G_TLS_CERTIFICATE_EXPIRED);
  g_assert_cmpstr (pf_server_settings_get_pinned_sha256 (server), ==, PINNED_LOWER);
  g_assert_cmpuint (pf_server_settings_get_pinned_errors (server), ==, G_TLS_CERTIFICATE_EXPIRED);

  pf_server_settings_set_pinned_certificate (server, NULL, G_TLS_CERTIFICATE_EXPIRED);
  g_assert_null (pf_server_settings_get_pinned_sha256 (server));
  g_assert_cmpuint (pf_server_settings_get_pinned_errors (server), ==, 0);
}

/* Validation */

typedef void (*Breaker) (PfAccount *account);

static void
break_display_name (PfAccount *a)
{
  pf_account_set_display_name (a, "   ");
}

static void
break_address (PfAccount *a)
{
  pf_account_set_address (a, "alice at example.org");
}

static void
break_address_domain (PfAccount *a)
{
  pf_account_set_address (a, "alice@exa mple.org");
}

static void
break_address_missing (PfAccount *a)
{
  pf_account_set_address (a, NULL);
}

static void
break_reply_to (PfAccount *a)
{
  pf_account_set_reply_to (a, "@example.org");
}

static void
break_host (PfAccount *a)
{
  pf_server_settings_set_host (pf_account_get_incoming (a), "");
}

static void
break_host_syntax (PfAccount *a)
{
  pf_server_settings_set_host (pf_account_get_outgoing (a), "smtp example.org");
}

static void
break_port (PfAccount *a)
{
  pf_server_settings_set_port (pf_account_get_outgoing (a), 70000);
}

static void
break_port_zero (PfAccount *a)
{
  pf_server_settings_set_port (pf_account_get_incoming (a), 0);
}

static void
break_username (PfAccount *a)
{
  pf_server_settings_set_username (pf_account_get_incoming (a), NULL);
}

static void
break_plaintext (PfAccount *a)
{
  pf_server_settings_set_security (pf_account_get_outgoing (a), PF_SECURITY_NONE);
}

static void
break_fingerprint (PfAccount *a)
{
  pf_server_settings_set_pinned_certificate (pf_account_get_incoming (a), "AB:CD:EF", 0);
}

static void
break_ca_file (PfAccount *a)
{
  pf_server_settings_set_ca_file (pf_account_get_incoming (a), "certs/ca.pem");
}

static void
break_keep_days (PfAccount *a)
{
  pf_account_set_kind (a, PF_ACCOUNT_KIND_POP3);
  pf_account_set_pop3_policy (a, PF_POP3_POLICY_KEEP_DAYS);
  pf_account_set_pop3_keep_days (a, 0);
}

static void
test_validate (void)
{
  static const struct
  {
    Breaker        breaker;
    PfAccountError code;
  } cases[] = {
    { break_display_name, PF_ACCOUNT_ERROR_MISSING_DISPLAY_NAME },
    { break_address, PF_ACCOUNT_ERROR_INVALID_ADDRESS },
    { break_address_domain, PF_ACCOUNT_ERROR_INVALID_ADDRESS },
    { break_address_missing, PF_ACCOUNT_ERROR_INVALID_ADDRESS },
    { break_reply_to, PF_ACCOUNT_ERROR_INVALID_ADDRESS },
    { break_host, PF_ACCOUNT_ERROR_MISSING_HOST },
    { break_host_syntax, PF_ACCOUNT_ERROR_INVALID_HOST },
    { break_port, PF_ACCOUNT_ERROR_BAD_PORT },
    { break_port_zero, PF_ACCOUNT_ERROR_BAD_PORT },
    { break_username, PF_ACCOUNT_ERROR_MISSING_USERNAME },
    { break_plaintext, PF_ACCOUNT_ERROR_PLAINTEXT_NOT_ALLOWED },
    { break_fingerprint, PF_ACCOUNT_ERROR_INVALID_FINGERPRINT },
    { break_ca_file, PF_ACCOUNT_ERROR_INVALID_CA_FILE },
    { break_keep_days, PF_ACCOUNT_ERROR_BAD_KEEP_DAYS },
  };
  g_autoptr(PfAccount) good = make_imap_account ("Work");
  g_autoptr(PfAccount) full = make_full_account ();
  g_autoptr(GError) error = NULL;

  g_assert_true (pf_account_validate (good, &error));
  g_assert_no_error (error);
  g_assert_true (pf_account_validate (full, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PfAccount) account = make_imap_account ("Work");

      cases[i].breaker (account);
      g_assert_false (pf_account_validate (account, &error));
      g_assert_error (error, PF_ACCOUNT_ERROR, (int) cases[i].code);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_cmpuint (strlen (error->message), >, 10);
      g_clear_error (&error);
    }
}

/* Key files */

static void
assert_full_account (PfAccount *copy)
{
  PfServerSettings *incoming = pf_account_get_incoming (copy);
  PfServerSettings *outgoing = pf_account_get_outgoing (copy);

  g_assert_cmpint (pf_account_get_kind (copy), ==, PF_ACCOUNT_KIND_POP3);
  g_assert_cmpstr (pf_account_get_display_name (copy), ==, "Büro – Jörg 📬");
  g_assert_cmpstr (pf_account_get_address (copy), ==, "jörg@bücher.example");
  g_assert_cmpstr (pf_account_get_real_name (copy), ==, "Jörg Müller-Lüdenscheidt");
  g_assert_cmpstr (pf_account_get_reply_to (copy), ==, "team@bücher.example");
  g_assert_cmpstr (pf_account_get_signature (copy), ==, SIGNATURE);
  g_assert_cmpint (pf_account_get_pop3_policy (copy), ==, PF_POP3_POLICY_KEEP_DAYS);
  g_assert_cmpuint (pf_account_get_pop3_keep_days (copy), ==, 30);

  g_assert_cmpint (pf_server_settings_get_protocol (incoming), ==, PF_SERVER_PROTOCOL_POP3);
  g_assert_cmpstr (pf_server_settings_get_host (incoming), ==, "pop.bücher.example");
  g_assert_cmpuint (pf_server_settings_get_port (incoming), ==, 1110);
  g_assert_cmpint (pf_server_settings_get_security (incoming), ==, PF_SECURITY_NONE);
  g_assert_true (pf_server_settings_get_allow_plaintext_password (incoming));
  g_assert_cmpint (pf_server_settings_get_auth_method (incoming), ==, PF_AUTH_METHOD_PASSWORD);
  g_assert_cmpstr (pf_server_settings_get_username (incoming), ==, "musterdomainde-0001");
  g_assert_cmpstr (pf_server_settings_get_ca_file (incoming), ==,
                   "/etc/postfach/Zertifikate/ca-ü.pem");
  g_assert_cmpstr (pf_server_settings_get_pinned_sha256 (incoming), ==, PINNED_LOWER);
  g_assert_cmpuint (pf_server_settings_get_pinned_errors (incoming), ==,
                    G_TLS_CERTIFICATE_UNKNOWN_CA | G_TLS_CERTIFICATE_BAD_IDENTITY);

  g_assert_cmpint (pf_server_settings_get_protocol (outgoing), ==, PF_SERVER_PROTOCOL_SMTP);
  g_assert_cmpstr (pf_server_settings_get_host (outgoing), ==, "smtp.bücher.example");
  g_assert_cmpuint (pf_server_settings_get_port (outgoing), ==, 587);
  g_assert_cmpint (pf_server_settings_get_security (outgoing), ==, PF_SECURITY_STARTTLS);
  g_assert_false (pf_server_settings_get_allow_plaintext_password (outgoing));
  g_assert_cmpint (pf_server_settings_get_auth_method (outgoing), ==, PF_AUTH_METHOD_OAUTH2);
  g_assert_cmpstr (pf_server_settings_get_username (outgoing), ==, "jörg@bücher.example");
  g_assert_null (pf_server_settings_get_ca_file (outgoing));
  g_assert_null (pf_server_settings_get_pinned_sha256 (outgoing));
}

static void
test_key_file_round_trip (void)
{
  g_autoptr(PfAccount) account = make_full_account ();
  g_autoptr(PfAccount) copy = NULL;
  g_autoptr(PfAccount) imap = make_imap_account ("Plain");
  g_autoptr(PfAccount) imap_copy = NULL;
  g_autoptr(GKeyFile) written = NULL;
  g_autoptr(GKeyFile) reread = g_key_file_new ();
  g_autoptr(GKeyFile) imap_file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *again = NULL;

  written = pf_account_to_key_file (account);
  data = g_key_file_to_data (written, NULL, NULL);
  g_test_message ("%s", data);

  g_assert_true (g_key_file_load_from_data (reread, data, -1, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_key_file_get_integer (reread, "Account", "Version", NULL), ==,
                   PF_ACCOUNT_KEY_FILE_VERSION);

  copy = pf_account_new_from_key_file (reread, &error);
  g_assert_no_error (error);
  g_assert_nonnull (copy);

  g_assert_cmpstr (pf_account_get_id (copy), ==, pf_account_get_id (account));
  g_assert_cmpint (pf_account_get_created (copy), ==, pf_account_get_created (account));
  g_assert_true (pf_account_equal (copy, account));
  assert_full_account (copy);

  /* Writing again gives the same bytes. */
  {
    g_autoptr(GKeyFile) second = pf_account_to_key_file (copy);

    again = g_key_file_to_data (second, NULL, NULL);
    g_assert_cmpstr (again, ==, data);
  }

  /* Unset optional values stay unset. */
  imap_file = pf_account_to_key_file (imap);
  imap_copy = pf_account_new_from_key_file (imap_file, &error);
  g_assert_no_error (error);
  g_assert_true (pf_account_equal (imap_copy, imap));
  g_assert_null (pf_account_get_real_name (imap_copy));
  g_assert_null (pf_account_get_signature (imap_copy));
  g_assert_null (pf_server_settings_get_pinned_sha256 (pf_account_get_incoming (imap_copy)));
  g_assert_cmpuint (pf_server_settings_get_port (pf_account_get_incoming (imap_copy)), ==, 993);
}

static void
test_key_file_copy_assign (void)
{
  g_autoptr(PfAccount) account = make_full_account ();
  g_autoptr(PfAccount) copy = pf_account_copy (account);
  g_autoptr(PfAccount) other = make_imap_account ("Other");
  guint notifies = 0;

  g_assert_cmpstr (pf_account_get_id (copy), ==, pf_account_get_id (account));
  g_assert_true (pf_account_equal (copy, account));
  g_assert_true (pf_account_get_incoming (copy) != pf_account_get_incoming (account));

  g_signal_connect (copy, "notify", G_CALLBACK (count_notify_cb), &notifies);
  pf_account_assign (copy, account);
  g_assert_cmpuint (notifies, ==, 0);

  pf_account_assign (copy, other);
  g_assert_true (pf_account_equal (copy, other));
  g_assert_cmpstr (pf_account_get_id (copy), ==, pf_account_get_id (account));
  g_assert_cmpuint (notifies, >, 0);
}

static void
test_key_file_rejects (void)
{
  static const struct
  {
    const char     *data;
    PfAccountError  code;
  } cases[] = {
    { "[Account]\nId=abc\nKind=imap\n", PF_ACCOUNT_ERROR_INVALID_FILE },
    { "[Account]\nVersion=2\nId=abc\nKind=imap\n", PF_ACCOUNT_ERROR_UNSUPPORTED_VERSION },
    { "[Account]\nVersion=1\nId=../evil\nKind=imap\n[Incoming]\n[Outgoing]\n",
      PF_ACCOUNT_ERROR_INVALID_FILE },
    { "[Account]\nVersion=1\nId=abc\n[Incoming]\n[Outgoing]\n", PF_ACCOUNT_ERROR_INVALID_FILE },
    { "[Account]\nVersion=1\nId=abc\nKind=exchange\n[Incoming]\n[Outgoing]\n",
      PF_ACCOUNT_ERROR_INVALID_FILE },
    { "[Account]\nVersion=1\nId=abc\nKind=imap\n[Outgoing]\n", PF_ACCOUNT_ERROR_INVALID_FILE },
    { "[Account]\nVersion=1\nId=abc\nKind=imap\n[Incoming]\nPort=99999\n[Outgoing]\n",
      PF_ACCOUNT_ERROR_INVALID_FILE },
    { "[Account]\nVersion=1\nId=abc\nKind=imap\n[Incoming]\nSecurity=ssl\n[Outgoing]\n",
      PF_ACCOUNT_ERROR_INVALID_FILE },
    { "[Account]\nVersion=1\nId=abc\nKind=imap\n[Incoming]\nPinnedSha256=abc\n[Outgoing]\n",
      PF_ACCOUNT_ERROR_INVALID_FILE },
    { "[Account]\nVersion=1\nId=abc\nKind=imap\n[Incoming]\nPinnedSha256=" PINNED_LOWER
      "\nPinnedErrors=unknown-ca;bogus;\n[Outgoing]\n", PF_ACCOUNT_ERROR_INVALID_FILE },
    { "[Account]\nVersion=1\nId=abc\nKind=pop3\n[Incoming]\n[Outgoing]\n[POP3]\nKeepDays=-1\n",
      PF_ACCOUNT_ERROR_INVALID_FILE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GKeyFile) key_file = g_key_file_new ();
      g_autoptr(PfAccount) account = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_true (g_key_file_load_from_data (key_file, cases[i].data, -1,
                                                G_KEY_FILE_NONE, NULL));
      account = pf_account_new_from_key_file (key_file, &error);
      g_assert_null (account);
      g_assert_error (error, PF_ACCOUNT_ERROR, (int) cases[i].code);
    }
}

/* Connections */

static void
test_connection (void)
{
  g_autoptr(PfAccount) account = make_imap_account ("Work");
  PfServerSettings *incoming = pf_account_get_incoming (account);
  g_autoptr(PfNetConnection) tls = NULL;
  g_autoptr(PfNetConnection) plain = NULL;
  g_autoptr(PfNetConnection) with_ca = NULL;
  g_autoptr(PfNetConnection) missing_ca = NULL;
  g_autoptr(PfNetConnection) invalid = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ca_path = NULL;

  tls = pf_server_settings_create_connection (incoming, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pf_net_connection_get_host (tls), ==, "imap.example.org");
  g_assert_cmpuint (pf_net_connection_get_port (tls), ==, 993);
  g_assert_cmpint (pf_net_connection_get_security (tls), ==, PF_NET_SECURITY_TLS);
  /* Not connected, so not encrypted: no password may go out yet. */
  g_assert_false (pf_net_connection_check_secret_allowed (tls, NULL));

  pf_server_settings_set_security (incoming, PF_SECURITY_NONE);
  invalid = pf_server_settings_create_connection (incoming, &error);
  g_assert_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_PLAINTEXT_NOT_ALLOWED);
  g_assert_null (invalid);
  g_clear_error (&error);

  pf_server_settings_set_allow_plaintext_password (incoming, TRUE);
  plain = pf_server_settings_create_connection (incoming, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pf_net_connection_get_port (plain), ==, 143);
  g_assert_cmpint (pf_net_connection_get_security (plain), ==, PF_NET_SECURITY_NONE);
  g_assert_true (pf_net_connection_check_secret_allowed (plain, NULL));

  /* A CA file and a pin. */
  pf_server_settings_set_security (incoming, PF_SECURITY_STARTTLS);
  pf_server_settings_set_pinned_certificate (incoming, PINNED_LOWER,
                                             G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_config_dir (), 0700), ==, 0);
  ca_path = g_build_filename (g_get_user_config_dir (), "test-ca.pem", NULL);
  g_assert_true (g_file_set_contents (ca_path, test_ca_pem, -1, NULL));
  pf_server_settings_set_ca_file (incoming, ca_path);
  with_ca = pf_server_settings_create_connection (incoming, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pf_net_connection_get_security (with_ca), ==, PF_NET_SECURITY_STARTTLS);
  /* Consent only counts without encryption. */
  g_assert_false (pf_net_connection_check_secret_allowed (with_ca, NULL));

  g_assert_cmpint (g_unlink (ca_path), ==, 0);
  missing_ca = pf_server_settings_create_connection (incoming, &error);
  g_assert_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_INVALID_CA_FILE);
  g_assert_null (missing_ca);
}

/* The manager */

typedef struct
{
  guint position;
  guint removed;
  guint added;
} Change;

static void
on_items_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     gpointer    user_data)
{
  GArray *changes = user_data;
  Change change = { position, removed, added };

  g_array_append_val (changes, change);
}

static void
assert_change (GArray *changes,
               guint   index,
               guint   position,
               guint   removed,
               guint   added)
{
  Change *change;

  g_assert_cmpuint (index, <, changes->len);
  change = &g_array_index (changes, Change, index);
  g_assert_cmpuint (change->position, ==, position);
  g_assert_cmpuint (change->removed, ==, removed);
  g_assert_cmpuint (change->added, ==, added);
}

static PfAccount *
add_account (PfAccountManager *manager,
             const char       *name)
{
  g_autoptr(PfAccount) account = make_imap_account (name);
  g_autoptr(GError) error = NULL;

  g_assert_true (pf_account_manager_add (manager, account, &error));
  g_assert_no_error (error);

  return account;   /* borrowed: the manager holds it */
}

static void
remove_account (PfAccountManager *manager,
                const char       *id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  pf_account_manager_remove_async (manager, id, NULL, on_done_cb, &slot);
  result = wait_for (&slot);
  g_assert_true (pf_account_manager_remove_finish (manager, result, &error));
  g_assert_no_error (error);
}

static void
test_manager_items_changed (void)
{
  g_autoptr(PfAccountManager) manager = pf_account_manager_new (NULL, NULL);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(PfAccount) duplicate = NULL;
  g_autoptr(PfAccount) invalid = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_dir = NULL;
  g_autofree char *id_b = NULL;
  GAsyncResult *slot = NULL;
  PfAccount *a;
  PfAccount *b;
  PfAccount *c;

  expected_dir = g_build_filename (g_get_user_config_dir (), "postfach", "accounts", NULL);
  g_assert_cmpstr (pf_account_manager_get_directory (manager), ==, expected_dir);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (manager)) == PF_TYPE_ACCOUNT);

  g_signal_connect (manager, "items-changed", G_CALLBACK (on_items_changed_cb), changes);

  a = add_account (manager, "Zeta");
  b = add_account (manager, "Alpha");
  c = add_account (manager, "Mitte");
  id_b = g_strdup (pf_account_get_id (b));

  /* Creation order, not name order. */
  g_assert_cmpuint (changes->len, ==, 3);
  assert_change (changes, 0, 0, 0, 1);
  assert_change (changes, 1, 1, 0, 1);
  assert_change (changes, 2, 2, 0, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (manager)), ==, 3);
  {
    g_autoptr(PfAccount) first = g_list_model_get_item (G_LIST_MODEL (manager), 0);
    g_autoptr(PfAccount) third = g_list_model_get_item (G_LIST_MODEL (manager), 2);

    g_assert_true (first == a);
    g_assert_true (third == c);
    g_assert_null (g_list_model_get_item (G_LIST_MODEL (manager), 3));
  }
  g_assert_true (pf_account_manager_lookup (manager, id_b) == b);

  /* Adding the same account twice or an invalid one changes nothing. */
  duplicate = pf_account_copy (a);
  g_assert_false (pf_account_manager_add (manager, duplicate, &error));
  g_assert_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_EXISTS);
  g_clear_error (&error);
  invalid = pf_account_new (PF_ACCOUNT_KIND_IMAP);
  g_assert_false (pf_account_manager_add (manager, invalid, &error));
  g_assert_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_MISSING_DISPLAY_NAME);
  g_clear_error (&error);
  g_assert_cmpuint (changes->len, ==, 3);

  /* Removing the middle one: exactly that position. */
  remove_account (manager, id_b);
  g_assert_cmpuint (changes->len, ==, 4);
  assert_change (changes, 3, 1, 1, 0);
  g_assert_null (pf_account_manager_lookup (manager, id_b));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (manager)), ==, 2);

  /* The file is gone too. */
  {
    g_autofree char *name = g_strconcat (id_b, ".ini", NULL);
    g_autofree char *path = g_build_filename (expected_dir, name, NULL);

    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }

  /* Removing what is not there. */
  pf_account_manager_remove_async (manager, id_b, NULL, on_done_cb, &slot);
  result = wait_for (&slot);
  g_assert_false (pf_account_manager_remove_finish (manager, result, &error));
  g_assert_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_NOT_FOUND);
  g_assert_cmpuint (changes->len, ==, 4);

  remove_account (manager, pf_account_get_id (c));
  assert_change (changes, 4, 1, 1, 0);
  remove_account (manager, pf_account_get_id (a));
  assert_change (changes, 5, 0, 1, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (manager)), ==, 0);
}

static void
write_text (const char *directory,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (directory, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
test_manager_load (void)
{
  g_autoptr(PfAccountManager) writer = pf_account_manager_new (NULL, NULL);
  g_autoptr(PfAccountManager) reader = pf_account_manager_new (NULL, NULL);
  g_autoptr(PfAccount) full = make_full_account ();
  g_autoptr(PfAccount) first = NULL;
  g_autoptr(PfAccount) template = make_imap_account ("Zuletzt benannt");
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  const char *directory = pf_account_manager_get_directory (writer);
  PfAccount *second;
  gboolean saw_version = FALSE;

  /* No directory yet: no accounts, no problem. */
  g_assert_true (pf_account_manager_load (reader, &problems, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  g_clear_pointer (&problems, g_ptr_array_unref);

  /* Created earlier, listed first, whatever the names. */
  first = g_object_new (PF_TYPE_ACCOUNT, "created", (gint64) 1000, "kind", PF_ACCOUNT_KIND_IMAP,
                        NULL);
  pf_account_assign (first, template);
  g_assert_true (pf_account_manager_add (writer, full, &error));
  g_assert_no_error (error);
  g_assert_true (pf_account_manager_add (writer, first, &error));
  g_assert_no_error (error);
  second = add_account (writer, "Ärger");

  write_text (directory, "garbage.ini", "this is [not a key file\n\x01\x02");
  write_text (directory, "future.ini", "[Account]\nVersion=7\nId=future\nKind=imap\n");
  write_text (directory, "mismatch.ini", "[Account]\nVersion=1\nId=other\nKind=imap\n"
                                         "[Incoming]\n[Outgoing]\n");
  write_text (directory, "Not An Id.ini", "[Account]\nVersion=1\n");
  write_text (directory, "notes.txt", "not an account file");
  write_text (directory, "abc.ini.Q3XZ1A", "an interrupted save");

  g_signal_connect (reader, "items-changed", G_CALLBACK (on_items_changed_cb), changes);
  g_assert_true (pf_account_manager_load (reader, &problems, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reader)), ==, 3);
  g_assert_cmpuint (changes->len, ==, 1);
  assert_change (changes, 0, 0, 0, 3);

  {
    g_autoptr(PfAccount) item0 = g_list_model_get_item (G_LIST_MODEL (reader), 0);
    g_autoptr(PfAccount) item1 = g_list_model_get_item (G_LIST_MODEL (reader), 1);
    g_autoptr(PfAccount) item2 = g_list_model_get_item (G_LIST_MODEL (reader), 2);

    g_assert_cmpstr (pf_account_get_id (item0), ==, pf_account_get_id (first));
    g_assert_cmpstr (pf_account_get_id (item1), ==, pf_account_get_id (full));
    g_assert_cmpstr (pf_account_get_id (item2), ==, pf_account_get_id (second));
    g_assert_true (pf_account_equal (item1, full));
    assert_full_account (item1);
    g_assert_cmpstr (pf_account_get_display_name (item2), ==, "Ärger");
  }

  g_assert_cmpuint (problems->len, ==, 4);
  for (guint i = 0; i < problems->len; i++)
    {
      GError *problem = g_ptr_array_index (problems, i);

      g_test_message ("problem: %s", problem->message);
      g_assert_true (problem->domain == PF_ACCOUNT_ERROR);
      if (problem->code == PF_ACCOUNT_ERROR_UNSUPPORTED_VERSION)
        {
          g_assert_nonnull (strstr (problem->message, "future.ini"));
          saw_version = TRUE;
        }
      else
        g_assert_cmpint (problem->code, ==, PF_ACCOUNT_ERROR_INVALID_FILE);
    }
  g_assert_true (saw_version);

  /* Loading again replaces the whole list in one change. */
  g_clear_pointer (&problems, g_ptr_array_unref);
  g_assert_true (pf_account_manager_load (reader, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 2);
  assert_change (changes, 1, 0, 3, 3);
}

static void
test_manager_permissions (void)
{
  g_autoptr(PfAccountManager) manager = pf_account_manager_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  const char *directory = pf_account_manager_get_directory (manager);
  PfAccount *account;
  GStatBuf st;

  account = add_account (manager, "Work");
  name = g_strconcat (pf_account_get_id (account), ".ini", NULL);
  path = g_build_filename (directory, name, NULL);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
  g_assert_cmpint (g_stat (directory, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0700);

  /* Rewritten files keep it, even if someone loosened it. */
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  pf_account_set_display_name (account, "Work (renamed)");
  g_assert_true (pf_account_manager_update (manager, account, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
}

static void
on_account_changed_cb (PfAccountManager *manager,
                       PfAccount        *account,
                       gpointer          user_data)
{
  GPtrArray *changed = user_data;

  g_ptr_array_add (changed, account);
}

static void
test_manager_update (void)
{
  g_autoptr(PfAccountManager) manager = pf_account_manager_new (NULL, NULL);
  g_autoptr(PfAccountManager) reader = pf_account_manager_new (NULL, NULL);
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(PfAccount) edited = NULL;
  g_autoptr(PfAccount) stranger = make_imap_account ("Stranger");
  g_autoptr(GError) error = NULL;
  PfAccount *account;
  PfAccount *loaded;

  account = add_account (manager, "Work");
  add_account (manager, "Home");
  g_signal_connect (manager, "account-changed", G_CALLBACK (on_account_changed_cb), changed);
  g_signal_connect (manager, "items-changed", G_CALLBACK (on_items_changed_cb), changes);

  /* Nothing changed: no signal. */
  g_assert_true (pf_account_manager_update (manager, account, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changed->len, ==, 0);

  /* Edited in place. */
  pf_server_settings_set_port (pf_account_get_incoming (account), 10993);
  g_assert_true (pf_account_manager_update (manager, account, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changed->len, ==, 1);
  g_assert_true (g_ptr_array_index (changed, 0) == account);

  /* Edited as a copy: taken over into the listed object. */
  edited = pf_account_copy (account);
  pf_account_set_signature (edited, "Grüße\nJörg");
  pf_account_set_display_name (edited, "AAA first by name, still second in the list");
  g_assert_cmpstr (pf_account_get_signature (account), ==, NULL);
  g_assert_true (pf_account_manager_update (manager, edited, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changed->len, ==, 2);
  g_assert_true (g_ptr_array_index (changed, 1) == account);
  g_assert_cmpstr (pf_account_get_signature (account), ==, "Grüße\nJörg");

  /* An invalid edit is refused and not taken over. */
  pf_server_settings_set_host (pf_account_get_outgoing (edited), NULL);
  g_assert_false (pf_account_manager_update (manager, edited, &error));
  g_assert_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_MISSING_HOST);
  g_clear_error (&error);
  g_assert_cmpstr (pf_server_settings_get_host (pf_account_get_outgoing (account)), ==,
                   "smtp.example.org");
  g_assert_cmpuint (changed->len, ==, 2);

  /* An account the manager does not list. */
  g_assert_false (pf_account_manager_update (manager, stranger, &error));
  g_assert_error (error, PF_ACCOUNT_ERROR, PF_ACCOUNT_ERROR_NOT_FOUND);

  /* Renaming never moves an item. */
  g_assert_cmpuint (changes->len, ==, 0);

  /* And all of it is on disk. */
  g_assert_true (pf_account_manager_load (reader, NULL, NULL));
  loaded = pf_account_manager_lookup (reader, pf_account_get_id (account));
  g_assert_nonnull (loaded);
  g_assert_true (pf_account_equal (loaded, account));
  g_assert_cmpuint (pf_server_settings_get_port (pf_account_get_incoming (loaded)), ==, 10993);
}

/* Whether @needle occurs in any file below @path. */
static gboolean
tree_contains (const char *path,
               const char *needle)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    return FALSE;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!g_file_get_contents (path, &contents, &length, NULL))
        return FALSE;

      for (gsize i = 0; i + strlen (needle) <= length; i++)
        {
          if (memcmp (contents + i, needle, strlen (needle)) == 0)
            return TRUE;
        }

      return FALSE;
    }

  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (tree_contains (child, needle))
        return TRUE;
    }

  return FALSE;
}

static void
test_manager_no_password_on_disk (void)
{
  g_autoptr(PfAccountManager) manager = pf_account_manager_new (NULL, NULL);
  PfPasswordVault *vault = pf_account_manager_get_vault (manager);
  g_autoptr(GAsyncResult) stored = NULL;
  g_autoptr(GAsyncResult) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  GAsyncResult *slot = NULL;
  gboolean session_only = FALSE;
  PfAccount *account;

  account = add_account (manager, "Work");
  pf_password_vault_store_for_server_async (vault, account, pf_account_get_incoming (account),
                                            SECRET, NULL, on_done_cb, &slot);
  stored = wait_for (&slot);
  g_assert_true (pf_password_vault_store_finish (vault, stored, &session_only, &error));
  g_assert_no_error (error);
  /* No bus in this test: kept for the session only. */
  g_assert_true (session_only);

  pf_password_vault_lookup_for_server_async (vault, account, pf_account_get_incoming (account),
                                             NULL, on_done_cb, &slot);
  found = wait_for (&slot);
  password = pf_password_vault_lookup_finish (vault, found, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, SECRET);
  g_clear_pointer (&password, secret_password_free);

  /* Save once more with a change, then look everywhere. */
  pf_account_set_real_name (account, "Alice");
  g_assert_true (pf_account_manager_update (manager, account, &error));
  g_assert_no_error (error);

  g_assert_true (tree_contains (g_get_user_config_dir (), "imap.example.org"));
  g_assert_false (tree_contains (g_get_user_config_dir (), SECRET));
  g_assert_false (tree_contains (g_get_user_data_dir (), SECRET));
  g_assert_false (tree_contains (g_get_user_cache_dir (), SECRET));
  g_assert_false (tree_contains (g_get_home_dir (), SECRET));

  /* Removing the account drops its in-memory password as well. */
  {
    g_autoptr(PfAccount) gone = g_object_ref (account);
    g_autoptr(GAsyncResult) again = NULL;

    remove_account (manager, pf_account_get_id (gone));

    pf_password_vault_lookup_for_server_async (vault, gone, pf_account_get_incoming (gone),
                                               NULL, on_done_cb, &slot);
    again = wait_for (&slot);
    password = pf_password_vault_lookup_finish (vault, again, NULL, &error);
    g_assert_no_error (error);
    g_assert_null (password);
  }
}

int
main (int    argc,
      char **argv)
{
  int ret;
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", NO_BUS, TRUE);
  test_dirs_init ();
  g_test_init (&argc, &argv, NULL);

  test_dirs_add_func ("/account/server/default-ports", test_default_ports);
  test_dirs_add_func ("/account/server/port-follows-defaults", test_port_follows_defaults);
  test_dirs_add_func ("/account/server/fingerprint", test_fingerprint);
  test_dirs_add_func ("/account/validate", test_validate);
  test_dirs_add_func ("/account/key-file/round-trip", test_key_file_round_trip);
  test_dirs_add_func ("/account/key-file/copy-assign", test_key_file_copy_assign);
  test_dirs_add_func ("/account/key-file/rejects", test_key_file_rejects);
  test_dirs_add_func ("/account/connection", test_connection);
  test_dirs_add_func ("/account/manager/items-changed", test_manager_items_changed);
  test_dirs_add_func ("/account/manager/load", test_manager_load);
  test_dirs_add_func ("/account/manager/permissions", test_manager_permissions);
  test_dirs_add_func ("/account/manager/update", test_manager_update);
  test_dirs_add_func ("/account/manager/no-password-on-disk", test_manager_no_password_on_disk);

  ret = g_test_run ();
  test_dirs_cleanup ();

  return ret;
}
