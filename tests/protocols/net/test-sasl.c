/* test-sasl.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-test-sasl"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "net/pf-net-error.h"
#include "net/pf-net-sasl.h"

/* The SASL client mechanisms against the examples their specifications
 * print (RFC 4616, RFC 2195, RFC 2202, RFC 7628, Google's XOAUTH2
 * description), and against what a hostile or broken server may send. */

/* --- Helpers -------------------------------------------------------------- */

static GBytes *
bytes_from_base64 (const char *base64)
{
  gsize length = 0;
  guchar *data = g_base64_decode (base64, &length);

  return g_bytes_new_take (data, length);
}

static GBytes *
bytes_from_string (const char *string)
{
  return g_bytes_new (string, strlen (string));
}

static void
assert_bytes (GBytes     *bytes,
              const char *expected,
              gsize       expected_length)
{
  gsize length = 0;
  const guint8 *data;

  g_assert_nonnull (bytes);
  data = g_bytes_get_data (bytes, &length);
  g_assert_cmpmem (data, length, expected, expected_length);
}

/* For responses without NUL */
static void
assert_string (GBytes     *bytes,
               const char *expected)
{
  assert_bytes (bytes, expected, strlen (expected));
}

static void
assert_base64 (GBytes     *bytes,
               const char *expected)
{
  g_autofree char *encoded = NULL;

  g_assert_nonnull (bytes);
  encoded = g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_assert_cmpstr (encoded, ==, expected);
}

static PfNetSasl *
new_sasl (PfNetSaslMechanism  mechanism,
          const char         *user,
          const char         *secret)
{
  g_autoptr(GError) error = NULL;
  PfNetSasl *sasl = pf_net_sasl_new (mechanism, user, secret, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sasl);

  return sasl;
}

static void
assert_new_fails (PfNetSaslMechanism  mechanism,
                  const char         *user,
                  const char         *secret)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfNetSasl) sasl = pf_net_sasl_new (mechanism, user, secret, &error);

  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_PROTOCOL);
  g_assert_null (sasl);
  g_assert_nonnull (strstr (error->message, pf_net_sasl_mechanism_to_string (mechanism)));
}

/* Steps with @challenge (a string; NULL for none) and expects success. */
static GBytes *
step (PfNetSasl  *sasl,
      const char *challenge)
{
  g_autoptr(GBytes) bytes = challenge != NULL ? bytes_from_string (challenge) : NULL;
  g_autoptr(GError) error = NULL;
  GBytes *response = pf_net_sasl_step (sasl, bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);

  return response;
}

static void
assert_step_fails (PfNetSasl *sasl,
                   GBytes    *challenge)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) response = pf_net_sasl_step (sasl, challenge, &error);

  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_PROTOCOL);
  g_assert_null (response);
  g_assert_false (pf_net_sasl_is_complete (sasl));
}

/* --- Mechanism names and choice ------------------------------------------- */

static void
test_mechanism_names (void)
{
  static const struct
  {
    PfNetSaslMechanism mechanism;
    const char *name;
  } names[] = {
    { PF_NET_SASL_MECHANISM_PLAIN, "PLAIN" },
    { PF_NET_SASL_MECHANISM_LOGIN, "LOGIN" },
    { PF_NET_SASL_MECHANISM_CRAM_MD5, "CRAM-MD5" },
    { PF_NET_SASL_MECHANISM_XOAUTH2, "XOAUTH2" },
    { PF_NET_SASL_MECHANISM_OAUTHBEARER, "OAUTHBEARER" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *lower = g_ascii_strdown (names[i].name, -1);

      g_assert_cmpstr (pf_net_sasl_mechanism_to_string (names[i].mechanism), ==, names[i].name);
      g_assert_cmpint (pf_net_sasl_mechanism_from_string (names[i].name), ==,
                       names[i].mechanism);
      /* Compared without regard to case, like IMAP capabilities */
      g_assert_cmpint (pf_net_sasl_mechanism_from_string (lower), ==, names[i].mechanism);
    }

  g_assert_null (pf_net_sasl_mechanism_to_string (PF_NET_SASL_MECHANISM_NONE));
  g_assert_cmpint (pf_net_sasl_mechanism_from_string ("SCRAM-SHA-256"), ==,
                   PF_NET_SASL_MECHANISM_NONE);
  g_assert_cmpint (pf_net_sasl_mechanism_from_string (""), ==, PF_NET_SASL_MECHANISM_NONE);
  g_assert_cmpint (pf_net_sasl_mechanism_from_string ("PLAIN "), ==,
                   PF_NET_SASL_MECHANISM_NONE);

  g_assert_true (pf_net_sasl_mechanism_is_cleartext (PF_NET_SASL_MECHANISM_PLAIN));
  g_assert_true (pf_net_sasl_mechanism_is_cleartext (PF_NET_SASL_MECHANISM_LOGIN));
  g_assert_true (pf_net_sasl_mechanism_is_cleartext (PF_NET_SASL_MECHANISM_XOAUTH2));
  g_assert_true (pf_net_sasl_mechanism_is_cleartext (PF_NET_SASL_MECHANISM_OAUTHBEARER));
  g_assert_false (pf_net_sasl_mechanism_is_cleartext (PF_NET_SASL_MECHANISM_CRAM_MD5));
}

static PfNetSaslMechanism
choose (const char *offered,
        gboolean    have_oauth_token,
        gboolean    plaintext_ok)
{
  g_auto(GStrv) mechanisms = g_strsplit (offered, " ", -1);

  return pf_net_sasl_choose ((const char * const *) mechanisms, have_oauth_token,
                             plaintext_ok);
}

static void
test_choose_password (void)
{
  /* PLAIN > LOGIN > CRAM-MD5, whatever order the server lists them in */
  g_assert_cmpint (choose ("CRAM-MD5 LOGIN PLAIN", FALSE, TRUE), ==,
                   PF_NET_SASL_MECHANISM_PLAIN);
  g_assert_cmpint (choose ("CRAM-MD5 LOGIN", FALSE, TRUE), ==, PF_NET_SASL_MECHANISM_LOGIN);
  g_assert_cmpint (choose ("CRAM-MD5 SCRAM-SHA-1", FALSE, TRUE), ==,
                   PF_NET_SASL_MECHANISM_CRAM_MD5);
  g_assert_cmpint (choose ("plain login", FALSE, TRUE), ==, PF_NET_SASL_MECHANISM_PLAIN);

  /* A password never goes to a token mechanism. */
  g_assert_cmpint (choose ("XOAUTH2 OAUTHBEARER", FALSE, TRUE), ==,
                   PF_NET_SASL_MECHANISM_NONE);
  g_assert_cmpint (choose ("GSSAPI SCRAM-SHA-256", FALSE, TRUE), ==,
                   PF_NET_SASL_MECHANISM_NONE);
  g_assert_cmpint (choose ("", FALSE, TRUE), ==, PF_NET_SASL_MECHANISM_NONE);
  g_assert_cmpint (pf_net_sasl_choose (NULL, FALSE, TRUE), ==, PF_NET_SASL_MECHANISM_NONE);
}

static void
test_choose_token (void)
{
  /* The standard mechanism first */
  g_assert_cmpint (choose ("PLAIN XOAUTH2 OAUTHBEARER", TRUE, TRUE), ==,
                   PF_NET_SASL_MECHANISM_OAUTHBEARER);
  g_assert_cmpint (choose ("PLAIN LOGIN XOAUTH2", TRUE, TRUE), ==,
                   PF_NET_SASL_MECHANISM_XOAUTH2);
  /* A token is not a password. */
  g_assert_cmpint (choose ("PLAIN LOGIN CRAM-MD5", TRUE, TRUE), ==,
                   PF_NET_SASL_MECHANISM_NONE);
}

static void
test_choose_plaintext_refused (void)
{
  /* Without TLS only what keeps the secret off the wire */
  g_assert_cmpint (choose ("PLAIN LOGIN CRAM-MD5", FALSE, FALSE), ==,
                   PF_NET_SASL_MECHANISM_CRAM_MD5);
  g_assert_cmpint (choose ("PLAIN LOGIN", FALSE, FALSE), ==, PF_NET_SASL_MECHANISM_NONE);
  /* RFC 7628 §5: a bearer token needs TLS as much as a password does. */
  g_assert_cmpint (choose ("XOAUTH2 OAUTHBEARER", TRUE, FALSE), ==,
                   PF_NET_SASL_MECHANISM_NONE);
}

/* --- PLAIN (RFC 4616) ----------------------------------------------------- */

static void
test_plain_rfc4616 (void)
{
  g_autoptr(PfNetSasl) tim = new_sasl (PF_NET_SASL_MECHANISM_PLAIN, "tim", "tanstaaftanstaaf");
  g_autoptr(PfNetSasl) kurt = new_sasl (PF_NET_SASL_MECHANISM_PLAIN, "Kurt", "xipj3plmq");
  g_autoptr(GBytes) tim_response = NULL;
  g_autoptr(GBytes) kurt_response = NULL;

  g_assert_cmpstr (pf_net_sasl_get_name (tim), ==, "PLAIN");
  g_assert_cmpint (pf_net_sasl_get_mechanism (tim), ==, PF_NET_SASL_MECHANISM_PLAIN);
  g_assert_true (pf_net_sasl_has_initial_response (tim));
  g_assert_false (pf_net_sasl_is_complete (tim));

  /* RFC 4616 §4, first example: no authzid */
  tim_response = step (tim, NULL);
  assert_bytes (tim_response, "\0tim\0tanstaaftanstaaf", 21);
  assert_base64 (tim_response, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
  g_assert_true (pf_net_sasl_is_complete (tim));
  g_assert_null (pf_net_sasl_get_server_status (tim));

  /* RFC 4616 §4, second example: Kurt acting as Ursel */
  pf_net_sasl_set_authzid (kurt, "Ursel");
  kurt_response = step (kurt, NULL);
  assert_bytes (kurt_response, "Ursel\0Kurt\0xipj3plmq", 20);
}

static void
test_plain_empty_challenge (void)
{
  g_autoptr(PfNetSasl) sasl = new_sasl (PF_NET_SASL_MECHANISM_PLAIN, "tim", "tanstaaftanstaaf");
  g_autoptr(GBytes) response = NULL;

  /* RFC 4422 §5: without SASL-IR the server first sends an empty
   * challenge ("+ " in IMAP, "334 " in SMTP). */
  response = step (sasl, "");
  assert_bytes (response, "\0tim\0tanstaaftanstaaf", 21);
}

static void
test_plain_empty_authzid (void)
{
  g_autoptr(PfNetSasl) empty = new_sasl (PF_NET_SASL_MECHANISM_PLAIN, "tim", "tanstaaftanstaaf");
  g_autoptr(PfNetSasl) reset = new_sasl (PF_NET_SASL_MECHANISM_PLAIN, "tim", "tanstaaftanstaaf");
  g_autoptr(GBytes) empty_response = NULL;
  g_autoptr(GBytes) reset_response = NULL;

  pf_net_sasl_set_authzid (empty, "");
  empty_response = step (empty, NULL);
  assert_bytes (empty_response, "\0tim\0tanstaaftanstaaf", 21);

  pf_net_sasl_set_authzid (reset, "Ursel");
  pf_net_sasl_set_authzid (reset, NULL);
  reset_response = step (reset, NULL);
  assert_bytes (reset_response, "\0tim\0tanstaaftanstaaf", 21);
}

static void
test_plain_utf8 (void)
{
  const char *user = "jürgen@bücher.example";
  const char *password = "Pässwörd€ 😀 \t\"\\";
  g_autoptr(PfNetSasl) sasl = new_sasl (PF_NET_SASL_MECHANISM_PLAIN, user, password);
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GByteArray) expected = g_byte_array_new ();

  pf_net_sasl_set_authzid (sasl, "Ärger");
  response = step (sasl, NULL);

  /* RFC 4616 §2: the strings go as UTF-8, untouched. */
  g_byte_array_append (expected, (const guint8 *) "Ärger", strlen ("Ärger") + 1);
  g_byte_array_append (expected, (const guint8 *) user, strlen (user) + 1);
  g_byte_array_append (expected, (const guint8 *) password, strlen (password));
  assert_bytes (response, (const char *) expected->data, expected->len);
}

static void
test_plain_invalid_credentials (void)
{
  g_autoptr(PfNetSasl) sasl = NULL;

  assert_new_fails (PF_NET_SASL_MECHANISM_PLAIN, "", "secret");
  assert_new_fails (PF_NET_SASL_MECHANISM_PLAIN, NULL, "secret");
  assert_new_fails (PF_NET_SASL_MECHANISM_PLAIN, "tim", "");
  /* Latin-1, not UTF-8 */
  assert_new_fails (PF_NET_SASL_MECHANISM_PLAIN, "j\xfcrgen", "secret");
  assert_new_fails (PF_NET_SASL_MECHANISM_PLAIN, "tim", "p\xe4sswort");
  /* An encoded surrogate and an overlong NUL are not UTF-8 either. */
  assert_new_fails (PF_NET_SASL_MECHANISM_PLAIN, "tim", "\xed\xa0\x80");
  assert_new_fails (PF_NET_SASL_MECHANISM_PLAIN, "tim\xc0\x80", "secret");

  /* An authzid that is not UTF-8 fails at the first step. */
  sasl = new_sasl (PF_NET_SASL_MECHANISM_PLAIN, "tim", "tanstaaftanstaaf");
  pf_net_sasl_set_authzid (sasl, "\xff");
  assert_step_fails (sasl, NULL);
}

static void
test_plain_extra_challenge (void)
{
  g_autoptr(PfNetSasl) sasl = new_sasl (PF_NET_SASL_MECHANISM_PLAIN, "tim", "tanstaaftanstaaf");
  g_autoptr(PfNetSasl) early = new_sasl (PF_NET_SASL_MECHANISM_PLAIN, "tim", "tanstaaftanstaaf");
  g_autoptr(GBytes) response = step (sasl, NULL);
  g_autoptr(GBytes) challenge = bytes_from_string ("more?");
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) extra = NULL;

  /* PLAIN has one response; a second challenge is a violation, even an
   * empty one, and even one that looks like an OAuth error. */
  g_assert_true (pf_net_sasl_is_complete (sasl));
  extra = pf_net_sasl_step (sasl, empty, &error);
  g_assert_error (error, PF_NET_ERROR, PF_NET_ERROR_PROTOCOL);
  g_assert_null (extra);
  g_assert_null (pf_net_sasl_get_server_status (sasl));
  g_assert_false (pf_net_sasl_is_complete (sasl));

  /* A first challenge with content: the server is not speaking PLAIN. */
  assert_step_fails (early, challenge);
}

static void
test_step_after_failure (void)
{
  g_autoptr(PfNetSasl) sasl = new_sasl (PF_NET_SASL_MECHANISM_CRAM_MD5, "tim", "secret");
  g_autoptr(GBytes) response = NULL;

  assert_step_fails (sasl, NULL);

  /* A failed exchange is over; stepping again is a programming error. */
  g_test_expect_message ("pf-net", G_LOG_LEVEL_CRITICAL, "*STATE_FAILED*");
  response = pf_net_sasl_step (sasl, NULL, NULL);
  g_test_assert_expected_messages ();
  g_assert_null (response);
}

/* --- LOGIN (draft-murchison-sasl-login) ----------------------------------- */

static void
test_login_steps (void)
{
  g_autoptr(PfNetSasl) sasl = new_sasl (PF_NET_SASL_MECHANISM_LOGIN, "tim", "tanstaaftanstaaf");
  g_autoptr(GBytes) user = NULL;
  g_autoptr(GBytes) password = NULL;
  g_autoptr(GBytes) third = bytes_from_string ("Password:");

  g_assert_cmpstr (pf_net_sasl_get_name (sasl), ==, "LOGIN");
  g_assert_false (pf_net_sasl_has_initial_response (sasl));

  user = step (sasl, "Username:");
  assert_bytes (user, "tim", 3);
  g_assert_false (pf_net_sasl_is_complete (sasl));

  password = step (sasl, "Password:");
  assert_bytes (password, "tanstaaftanstaaf", 16);
  g_assert_true (pf_net_sasl_is_complete (sasl));

  /* A third challenge: there is nothing left to say. */
  assert_step_fails (sasl, third);
}

static void
test_login_challenge_wording (void)
{
  g_autoptr(PfNetSasl) sasl = new_sasl (PF_NET_SASL_MECHANISM_LOGIN, "jürgen", "Pässwörd€");
  g_autoptr(GBytes) first = bytes_from_base64 ("VXNlciBOYW1lAA==");   /* "User Name\0" */
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) user = NULL;
  g_autoptr(GBytes) password = NULL;

  /* The draft's wording, Dovecot's, or none: the answer goes by position. */
  user = pf_net_sasl_step (sasl, first, &error);
  g_assert_no_error (error);
  assert_string (user, "jürgen");

  password = step (sasl, NULL);
  assert_string (password, "Pässwörd€");
}

static void
test_login_authzid_refused (void)
{
  g_autoptr(PfNetSasl) sasl = new_sasl (PF_NET_SASL_MECHANISM_LOGIN, "tim", "tanstaaftanstaaf");

  /* LOGIN cannot say "as Ursel"; logging in as tim instead would be wrong. */
  pf_net_sasl_set_authzid (sasl, "Ursel");
  assert_step_fails (sasl, NULL);

  assert_new_fails (PF_NET_SASL_MECHANISM_LOGIN, "", "secret");
  assert_new_fails (PF_NET_SASL_MECHANISM_LOGIN, "tim", "");
}

/* --- CRAM-MD5 (RFC 2195) -------------------------------------------------- */

static void
test_cram_md5_rfc2195 (void)
{
  g_autoptr(PfNetSasl) sasl = new_sasl (PF_NET_SASL_MECHANISM_CRAM_MD5, "tim",
                                        "tanstaaftanstaaf");
  g_autoptr(GBytes) challenge =
    bytes_from_base64 ("PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) response = NULL;

  g_assert_cmpstr (pf_net_sasl_get_name (sasl), ==, "CRAM-MD5");
  g_assert_false (pf_net_sasl_has_initial_response (sasl));

  /* RFC 2195 §2, the example exchange */
  assert_bytes (challenge, "<1896.697170952@postoffice.reston.mci.net>", 42);
  response = pf_net_sasl_step (sasl, challenge, &error);
  g_assert_no_error (error);
  assert_bytes (response, "tim b913a602c7eda7a495b4e6e7334d3890", 36);
  assert_base64 (response, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
  g_assert_true (pf_net_sasl_is_complete (sasl));
}

static void
test_cram_md5_hmac (void)
{
  g_autoptr(PfNetSasl) jefe = new_sasl (PF_NET_SASL_MECHANISM_CRAM_MD5, "jefe", "Jefe");
  g_autoptr(PfNetSasl) long_key = NULL;
  g_autoptr(GString) password = g_string_new (NULL);
  g_autoptr(GBytes) jefe_response = NULL;
  g_autoptr(GBytes) long_response = NULL;

  /* RFC 2202 §2, test case 2 */
  jefe_response = step (jefe, "what do ya want for nothing?");
  assert_bytes (jefe_response, "jefe 750c783e6ab0b503eaa86e310a5db738", 37);

  /* RFC 2195 §2: a secret longer than 64 bytes is hashed first (RFC 2104
   * §2). 100 bytes of UTF-8; the digest is from an independent HMAC. */
  for (guint i = 0; i < 10; i++)
    g_string_append (password, "passwört-");
  g_assert_cmpuint (password->len, ==, 100);
  long_key = new_sasl (PF_NET_SASL_MECHANISM_CRAM_MD5, "jürgen", password->str);
  long_response = step (long_key, "<12345.678@mail.example.org>");
  assert_string (long_response, "jürgen 24a6c8f4a10e0dd42ebd6e280c16dbca");
}

static void
test_cram_md5_malformed (void)
{
  g_autoptr(PfNetSasl) none = new_sasl (PF_NET_SASL_MECHANISM_CRAM_MD5, "tim", "secret");
  g_autoptr(PfNetSasl) empty = new_sasl (PF_NET_SASL_MECHANISM_CRAM_MD5, "tim", "secret");
  g_autoptr(PfNetSasl) nul = new_sasl (PF_NET_SASL_MECHANISM_CRAM_MD5, "tim", "secret");
  g_autoptr(PfNetSasl) extra = new_sasl (PF_NET_SASL_MECHANISM_CRAM_MD5, "tim", "secret");
  g_autoptr(PfNetSasl) authzid = new_sasl (PF_NET_SASL_MECHANISM_CRAM_MD5, "tim", "secret");
  g_autoptr(GBytes) empty_challenge = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) nul_challenge = g_bytes_new ("<1.2@x>\0<3.4@y>", 15);
  g_autoptr(GBytes) challenge = bytes_from_string ("<1.2@x>");
  g_autoptr(GBytes) response = NULL;

  /* No challenge, an empty one, or one with NUL in it */
  assert_step_fails (none, NULL);
  assert_step_fails (empty, empty_challenge);
  assert_step_fails (nul, nul_challenge);

  /* One response only */
  response = step (extra, "<1.2@x>");
  assert_step_fails (extra, challenge);

  pf_net_sasl_set_authzid (authzid, "Ursel");
  assert_step_fails (authzid, challenge);

  assert_new_fails (PF_NET_SASL_MECHANISM_CRAM_MD5, "", "secret");
  assert_new_fails (PF_NET_SASL_MECHANISM_CRAM_MD5, "tim", "");
}

/* --- XOAUTH2 (Google's description) --------------------------------------- */

/* developers.google.com/gmail/imap/xoauth2-protocol */
#define GOOGLE_TOKEN "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
#define GOOGLE_INITIAL_RESPONSE \
  "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52" \
  "YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
#define GOOGLE_ERROR \
  "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNjb3BlIjoiaHR0cHM6Ly9t" \
  "YWlsLmdvb2dsZS5jb20vIn0K"

static void
test_xoauth2_google (void)
{
  g_autoptr(PfNetSasl) sasl = new_sasl (PF_NET_SASL_MECHANISM_XOAUTH2, "someuser@example.com",
                                        GOOGLE_TOKEN);
  g_autoptr(GBytes) response = NULL;

  g_assert_cmpstr (pf_net_sasl_get_name (sasl), ==, "XOAUTH2");
  g_assert_true (pf_net_sasl_has_initial_response (sasl));

  /* Host and port are OAUTHBEARER's; XOAUTH2 ignores them. */
  pf_net_sasl_set_host (sasl, "imap.gmail.com");
  pf_net_sasl_set_port (sasl, 993);
  response = step (sasl, NULL);
  assert_string (response, "user=someuser@example.com\001auth=Bearer " GOOGLE_TOKEN "\001\001");
  assert_base64 (response, GOOGLE_INITIAL_RESPONSE);
  g_assert_true (pf_net_sasl_is_complete (sasl));
}

static void
test_xoauth2_error (void)
{
  g_autoptr(PfNetSasl) sasl = new_sasl (PF_NET_SASL_MECHANISM_XOAUTH2, "someuser@example.com",
                                        GOOGLE_TOKEN);
  g_autoptr(GBytes) initial = step (sasl, NULL);
  g_autoptr(GBytes) error_challenge = bytes_from_base64 (GOOGLE_ERROR);
  g_autoptr(GBytes) again = bytes_from_base64 (GOOGLE_ERROR);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) response = NULL;

  /* Google's example error, which ends in a newline */
  response = pf_net_sasl_step (sasl, error_challenge, &error);
  g_assert_no_error (error);
  /* Google asks for an empty response; the server then says NO. */
  assert_bytes (response, "", 0);
  g_assert_cmpstr (pf_net_sasl_get_server_status (sasl), ==, "401");
  g_assert_true (g_bytes_equal (pf_net_sasl_get_server_error (sasl), error_challenge));
  g_assert_true (pf_net_sasl_is_complete (sasl));

  /* Only one error challenge */
  assert_step_fails (sasl, again);
}

static void
test_xoauth2_invalid_credentials (void)
{
  assert_new_fails (PF_NET_SASL_MECHANISM_XOAUTH2, "", GOOGLE_TOKEN);
  assert_new_fails (PF_NET_SASL_MECHANISM_XOAUTH2, NULL, GOOGLE_TOKEN);
  /* ^A would end the user field and forge an "auth" one. */
  assert_new_fails (PF_NET_SASL_MECHANISM_XOAUTH2, "someuser\001auth=Bearer x", GOOGLE_TOKEN);
  assert_new_fails (PF_NET_SASL_MECHANISM_XOAUTH2, "someuser\n", GOOGLE_TOKEN);
  /* RFC 6750 §2.1: a token is visible ASCII */
  assert_new_fails (PF_NET_SASL_MECHANISM_XOAUTH2, "someuser@example.com", "");
  assert_new_fails (PF_NET_SASL_MECHANISM_XOAUTH2, "someuser@example.com", "ya29 x");
  assert_new_fails (PF_NET_SASL_MECHANISM_XOAUTH2, "someuser@example.com", "ya29\001");
  assert_new_fails (PF_NET_SASL_MECHANISM_XOAUTH2, "someuser@example.com", "tökén");
}

/* --- OAUTHBEARER (RFC 7628) ----------------------------------------------- */

/* RFC 7628 §4.1 */
#define RFC7628_TOKEN "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="
#define RFC7628_INITIAL_RESPONSE \
  "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1" \
  "dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB"
/* RFC 7628 §4.3 */
#define RFC7628_ERROR \
  "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3Vy" \
  "YXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0="

static PfNetSasl *
new_oauthbearer (const char *user)
{
  PfNetSasl *sasl = new_sasl (PF_NET_SASL_MECHANISM_OAUTHBEARER, user, RFC7628_TOKEN);

  pf_net_sasl_set_host (sasl, "server.example.com");
  pf_net_sasl_set_port (sasl, 143);

  return sasl;
}

static void
test_oauthbearer_rfc7628 (void)
{
  g_autoptr(PfNetSasl) sasl = new_oauthbearer ("user@example.com");
  g_autoptr(GBytes) response = NULL;
  const char *expected = "n,a=user@example.com,\001host=server.example.com\001port=143"
                         "\001auth=Bearer " RFC7628_TOKEN "\001\001";

  g_assert_cmpstr (pf_net_sasl_get_name (sasl), ==, "OAUTHBEARER");
  g_assert_true (pf_net_sasl_has_initial_response (sasl));

  response = step (sasl, NULL);
  assert_string (response, expected);
  assert_base64 (response, RFC7628_INITIAL_RESPONSE);
  g_assert_true (pf_net_sasl_is_complete (sasl));
}

static void
test_oauthbearer_error (void)
{
  g_autoptr(PfNetSasl) sasl = new_oauthbearer ("user@example.com");
  g_autoptr(GBytes) initial = step (sasl, NULL);
  g_autoptr(GBytes) error_challenge = bytes_from_base64 (RFC7628_ERROR);
  g_autoptr(GBytes) again = bytes_from_base64 (RFC7628_ERROR);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) response = NULL;

  /* RFC 7628 §4.3: the client answers "AQ==", a single ^A. */
  response = pf_net_sasl_step (sasl, error_challenge, &error);
  g_assert_no_error (error);
  assert_bytes (response, "\001", 1);
  assert_base64 (response, "AQ==");
  g_assert_cmpstr (pf_net_sasl_get_server_status (sasl), ==, "invalid_token");
  g_assert_true (g_bytes_equal (pf_net_sasl_get_server_error (sasl), error_challenge));
  g_assert_true (pf_net_sasl_is_complete (sasl));

  assert_step_fails (sasl, again);
}

static void
test_oauthbearer_gs2_header (void)
{
  g_autoptr(PfNetSasl) escaped = new_sasl (PF_NET_SASL_MECHANISM_OAUTHBEARER, "a,b=c", "tok");
  g_autoptr(PfNetSasl) anonymous = new_sasl (PF_NET_SASL_MECHANISM_OAUTHBEARER, NULL, "tok");
  g_autoptr(PfNetSasl) authzid = new_sasl (PF_NET_SASL_MECHANISM_OAUTHBEARER, "user", "tok");
  g_autoptr(PfNetSasl) utf8 = new_sasl (PF_NET_SASL_MECHANISM_OAUTHBEARER,
                                        "jürgen@bücher.example", "tok");
  g_autoptr(GBytes) escaped_response = NULL;
  g_autoptr(GBytes) anonymous_response = NULL;
  g_autoptr(GBytes) authzid_response = NULL;
  g_autoptr(GBytes) utf8_response = NULL;
  const char *utf8_expected = "n,a=jürgen@bücher.example,\001auth=Bearer tok\001\001";

  /* RFC 5801 §4: "," and "=" in a saslname are escaped */
  escaped_response = step (escaped, NULL);
  assert_string (escaped_response, "n,a=a=2Cb=3Dc,\001auth=Bearer tok\001\001");

  /* No user: no authzid; no host and port: no keys */
  anonymous_response = step (anonymous, NULL);
  assert_string (anonymous_response, "n,,\001auth=Bearer tok\001\001");

  pf_net_sasl_set_authzid (authzid, "shared@example.com");
  pf_net_sasl_set_port (authzid, 993);
  authzid_response = step (authzid, NULL);
  assert_string (authzid_response,
                 "n,a=shared@example.com,\001port=993\001auth=Bearer tok\001\001");

  utf8_response = step (utf8, NULL);
  assert_string (utf8_response, utf8_expected);
}

static void
test_oauthbearer_invalid (void)
{
  g_autoptr(PfNetSasl) host = new_sasl (PF_NET_SASL_MECHANISM_OAUTHBEARER, "user", "tok");
  g_autoptr(PfNetSasl) authzid = new_sasl (PF_NET_SASL_MECHANISM_OAUTHBEARER, "user", "tok");
  g_autoptr(PfNetSasl) challenge_first = new_sasl (PF_NET_SASL_MECHANISM_OAUTHBEARER, "user",
                                                   "tok");
  g_autoptr(GBytes) challenge = bytes_from_string ("{\"status\":\"invalid_token\"}");

  pf_net_sasl_set_host (host, "server.example.com\001auth=Bearer forged");
  assert_step_fails (host, NULL);

  pf_net_sasl_set_authzid (authzid, "a\001b");
  assert_step_fails (authzid, NULL);

  /* An error before the token was even sent */
  assert_step_fails (challenge_first, challenge);

  assert_new_fails (PF_NET_SASL_MECHANISM_OAUTHBEARER, "user\001", "tok");
  assert_new_fails (PF_NET_SASL_MECHANISM_OAUTHBEARER, "user", "tok en");
  assert_new_fails (PF_NET_SASL_MECHANISM_OAUTHBEARER, "\xff", "tok");
}

/* --- OAuth error challenges ----------------------------------------------- */

static const struct
{
  const char *json;
  const char *status;
} good_errors[] = {
  { "{\"status\":\"invalid_token\"}", "invalid_token" },
  { " \r\n\t{ \"status\" : \"insufficient_scope\" } \n", "insufficient_scope" },
  /* escapes, including a \u one */
  { "{\"status\":\"\\u0069nvalid\\/token\\\\\"}", "invalid/token\\" },
  /* a status as a number; other members of any type skipped */
  { "{\"schemes\":[\"bearer\",{\"x\":[1,2.5e3,-0.1]},true,false,null],"
    "\"s\\u00e9\":\"caf\\u00e9 \\ud83d\\ude00\",\"status\":401}", "401" },
  /* "status" inside a nested object is not the status */
  { "{\"error\":{\"status\":\"nested\"},\"status\":\"outer\"}", "outer" },
};

static const char * const bad_errors[] = {
  "",
  "invalid_token",
  "[\"status\",\"invalid_token\"]",
  "{}",
  "{\"scope\":\"x\"}",
  "{\"status\":\"\"}",
  "{\"status\":null}",
  "{\"status\":[\"invalid_token\"]}",
  "{\"status\":\"invalid_token\"",
  "{\"status\":\"invalid_token\"} trailing",
  "{\"status\":\"invalid_token\",}",
  "{\"status\" \"invalid_token\"}",
  "{'status':'invalid_token'}",
  "{\"status\":\"invalid_token\",\"status\":\"other\"}",
  /* controls, in the status or raw in a string */
  "{\"status\":\"invalid\\u0001token\"}",
  "{\"status\":\"invalid\\ntoken\"}",
  "{\"status\":\"invalid\ttoken\"}",
  /* not ASCII */
  "{\"status\":\"ung\\u00fcltig\"}",
  /* lone surrogates, bad escapes */
  "{\"status\":\"x\",\"s\":\"\\ud83d\"}",
  "{\"status\":\"x\",\"s\":\"\\ude00\"}",
  "{\"status\":\"x\",\"s\":\"\\x41\"}",
  "{\"status\":\"x\",\"s\":\"\\u00\"}",
  "{\"status\":\"x\",\"s\":\"\\u0000\"}",
  /* bad literals and numbers */
  "{\"status\":\"x\",\"s\":tru}",
  "{\"status\":\"x\",\"s\":-}",
  "{\"status\":\"x\",\"s\":+1}",
  /* not UTF-8 */
  "{\"status\":\"x\",\"s\":\"\xff\"}",
};

static void
assert_oauth_error_fails (PfNetSaslMechanism  mechanism,
                          GBytes             *challenge)
{
  g_autoptr(PfNetSasl) sasl = new_sasl (mechanism, "user", "tok");
  g_autoptr(GBytes) initial = step (sasl, NULL);

  assert_step_fails (sasl, challenge);
  g_assert_null (pf_net_sasl_get_server_status (sasl));
  g_assert_null (pf_net_sasl_get_server_error (sasl));
}

static void
test_oauth_error_json (void)
{
  for (guint m = 0; m < 2; m++)
    {
      PfNetSaslMechanism mechanism = m == 0 ? PF_NET_SASL_MECHANISM_XOAUTH2
                                            : PF_NET_SASL_MECHANISM_OAUTHBEARER;

      for (guint i = 0; i < G_N_ELEMENTS (good_errors); i++)
        {
          g_autoptr(PfNetSasl) sasl = new_sasl (mechanism, "user", "tok");
          g_autoptr(GBytes) initial = step (sasl, NULL);
          g_autoptr(GBytes) response = NULL;

          g_test_message ("%s: %s", pf_net_sasl_mechanism_to_string (mechanism),
                          good_errors[i].json);
          response = step (sasl, good_errors[i].json);
          g_assert_cmpstr (pf_net_sasl_get_server_status (sasl), ==, good_errors[i].status);
        }

      for (guint i = 0; i < G_N_ELEMENTS (bad_errors); i++)
        {
          g_autoptr(GBytes) challenge = bytes_from_string (bad_errors[i]);
          g_autofree char *escaped = g_strescape (bad_errors[i], NULL);

          g_test_message ("%s: %s", pf_net_sasl_mechanism_to_string (mechanism), escaped);
          assert_oauth_error_fails (mechanism, challenge);
        }
    }
}

static void
test_oauth_error_limits (void)
{
  g_autoptr(GString) deep = g_string_new ("{\"status\":\"x\",\"s\":");
  g_autoptr(GString) long_status = g_string_new ("{\"status\":\"");
  g_autoptr(GBytes) deep_challenge = NULL;
  g_autoptr(GBytes) long_challenge = NULL;
  g_autoptr(GBytes) nul_challenge = g_bytes_new ("{\"status\":\"x\"}\0", 15);

  /* Valid JSON, but nested far deeper than an error object ever is: a
   * recursive reader without a limit could be made to exhaust its stack. */
  for (guint i = 0; i < 100; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  deep_challenge = bytes_from_string (deep->str);
  assert_oauth_error_fails (PF_NET_SASL_MECHANISM_OAUTHBEARER, deep_challenge);

  /* A status is a word, not a page */
  for (guint i = 0; i < 1000; i++)
    g_string_append_c (long_status, 'x');
  g_string_append (long_status, "\"}");
  long_challenge = bytes_from_string (long_status->str);
  assert_oauth_error_fails (PF_NET_SASL_MECHANISM_XOAUTH2, long_challenge);

  /* NUL after the object */
  assert_oauth_error_fails (PF_NET_SASL_MECHANISM_OAUTHBEARER, nul_challenge);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net/sasl/mechanism/names", test_mechanism_names);
  g_test_add_func ("/net/sasl/choose/password", test_choose_password);
  g_test_add_func ("/net/sasl/choose/token", test_choose_token);
  g_test_add_func ("/net/sasl/choose/plaintext-refused", test_choose_plaintext_refused);
  g_test_add_func ("/net/sasl/plain/rfc4616", test_plain_rfc4616);
  g_test_add_func ("/net/sasl/plain/empty-challenge", test_plain_empty_challenge);
  g_test_add_func ("/net/sasl/plain/empty-authzid", test_plain_empty_authzid);
  g_test_add_func ("/net/sasl/plain/utf8", test_plain_utf8);
  g_test_add_func ("/net/sasl/plain/invalid-credentials", test_plain_invalid_credentials);
  g_test_add_func ("/net/sasl/plain/extra-challenge", test_plain_extra_challenge);
  g_test_add_func ("/net/sasl/step-after-failure", test_step_after_failure);
  g_test_add_func ("/net/sasl/login/steps", test_login_steps);
  g_test_add_func ("/net/sasl/login/challenge-wording", test_login_challenge_wording);
  g_test_add_func ("/net/sasl/login/authzid-refused", test_login_authzid_refused);
  g_test_add_func ("/net/sasl/cram-md5/rfc2195", test_cram_md5_rfc2195);
  g_test_add_func ("/net/sasl/cram-md5/hmac", test_cram_md5_hmac);
  g_test_add_func ("/net/sasl/cram-md5/malformed", test_cram_md5_malformed);
  g_test_add_func ("/net/sasl/xoauth2/google", test_xoauth2_google);
  g_test_add_func ("/net/sasl/xoauth2/error", test_xoauth2_error);
  g_test_add_func ("/net/sasl/xoauth2/invalid-credentials", test_xoauth2_invalid_credentials);
  g_test_add_func ("/net/sasl/oauthbearer/rfc7628", test_oauthbearer_rfc7628);
  g_test_add_func ("/net/sasl/oauthbearer/error", test_oauthbearer_error);
  g_test_add_func ("/net/sasl/oauthbearer/gs2-header", test_oauthbearer_gs2_header);
  g_test_add_func ("/net/sasl/oauthbearer/invalid", test_oauthbearer_invalid);
  g_test_add_func ("/net/sasl/oauth/error-json", test_oauth_error_json);
  g_test_add_func ("/net/sasl/oauth/error-limits", test_oauth_error_limits);

  return g_test_run ();
}
