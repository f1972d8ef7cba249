/* pf-pop3-error.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-pop3"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "pf-pop3-error.h"

/* The response code and the server's text travel on the error itself, so
 * that nobody parses them back out of the message. */
typedef struct
{
  char *response_code;
  char *server_text;
  char *command;
} PfPop3ErrorPrivate;

static void
pf_pop3_error_private_init (PfPop3ErrorPrivate *priv)
{
  priv->response_code = NULL;
  priv->server_text = NULL;
  priv->command = NULL;
}

static void
pf_pop3_error_private_copy (const PfPop3ErrorPrivate *src,
                            PfPop3ErrorPrivate       *dest)
{
  dest->response_code = g_strdup (src->response_code);
  dest->server_text = g_strdup (src->server_text);
  dest->command = g_strdup (src->command);
}

static void
pf_pop3_error_private_clear (PfPop3ErrorPrivate *priv)
{
  g_clear_pointer (&priv->response_code, g_free);
  g_clear_pointer (&priv->server_text, g_free);
  g_clear_pointer (&priv->command, g_free);
}

G_DEFINE_EXTENDED_ERROR (PfPop3Error, pf_pop3_error)

/**
 * pf_pop3_error_new_from_response:
 * @line: a status line starting with "-ERR", without its line end
 * @authenticating: whether the line answered PASS, APOP or AUTH
 *
 * Maps the extended response codes of RFC 2449 §8 and RFC 3206 §4
 * ("-ERR [IN-USE] ...") to error codes. A -ERR without a known code while
 * authenticating is %PF_POP3_ERROR_AUTHENTICATION_FAILED, otherwise
 * %PF_POP3_ERROR_ERR. The code and the text are attached
 * (pf_pop3_error_get_response_code(), pf_pop3_error_get_server_text()).
 *
 * Returns: (transfer full): a new error in the %PF_POP3_ERROR domain
 */
GError *
pf_pop3_error_new_from_response (const char *line,
                                 gboolean    authenticating)
{
  g_autofree char *code = NULL;
  g_autofree char *text = NULL;
  const char *rest;
  PfPop3ErrorPrivate *priv;
  PfPop3Error error_code;
  GError *error;

  g_return_val_if_fail (line != NULL, NULL);

  rest = g_str_has_prefix (line, "-ERR") ? line + 4 : line;
  while (*rest == ' ')
    rest++;

  /* RFC 2449 §8: resp-code = "[" resp-level *("/" resp-level) "]" */
  if (*rest == '[')
    {
      const char *end = strchr (rest, ']');

      if (end != NULL)
        {
          code = g_ascii_strup (rest + 1, end - rest - 1);
          rest = end + 1;
          while (*rest == ' ')
            rest++;
        }
    }
  text = g_utf8_make_valid (rest, -1);

  if (g_strcmp0 (code, "IN-USE") == 0)
    error_code = PF_POP3_ERROR_IN_USE;
  else if (g_strcmp0 (code, "LOGIN-DELAY") == 0)
    error_code = PF_POP3_ERROR_LOGIN_DELAY;
  else if (code != NULL && g_str_has_prefix (code, "SYS/TEMP"))
    error_code = PF_POP3_ERROR_SYS_TEMP;
  else if (code != NULL && g_str_has_prefix (code, "SYS/PERM"))
    error_code = PF_POP3_ERROR_SYS_PERM;
  else if (g_strcmp0 (code, "AUTH") == 0 || authenticating)
    error_code = PF_POP3_ERROR_AUTHENTICATION_FAILED;
  else
    error_code = PF_POP3_ERROR_ERR;

  switch (error_code)
    {
    case PF_POP3_ERROR_IN_USE:
      error = g_error_new (PF_POP3_ERROR, error_code,
                           _("The mailbox is in use by another session: %s"), text);
      break;
    case PF_POP3_ERROR_LOGIN_DELAY:
      error = g_error_new (PF_POP3_ERROR, error_code,
                           _("Logging in again is not allowed yet: %s"), text);
      break;
    case PF_POP3_ERROR_SYS_TEMP:
      error = g_error_new (PF_POP3_ERROR, error_code,
                           _("The server has a temporary problem: %s"), text);
      break;
    case PF_POP3_ERROR_SYS_PERM:
      error = g_error_new (PF_POP3_ERROR, error_code,
                           _("The server has a permanent problem: %s"), text);
      break;
    case PF_POP3_ERROR_AUTHENTICATION_FAILED:
      error = g_error_new (PF_POP3_ERROR, error_code,
                           _("The server rejected the user name or password: %s"), text);
      break;
    case PF_POP3_ERROR_ERR:
    case PF_POP3_ERROR_PROTOCOL:
    case PF_POP3_ERROR_CONNECTION_LOST:
    case PF_POP3_ERROR_UNSUPPORTED:
    default:
      error = g_error_new (PF_POP3_ERROR, PF_POP3_ERROR_ERR,
                           _("The server refused the command: %s"), text);
      break;
    }

  priv = pf_pop3_error_get_private (error);
  /* The code comes from the server: keep it printable like the text. */
  if (code != NULL && !g_utf8_validate (code, -1, NULL))
    {
      char *valid = g_utf8_make_valid (code, -1);

      g_free (code);
      code = valid;
    }
  priv->response_code = g_steal_pointer (&code);
  priv->server_text = g_steal_pointer (&text);
  return error;
}

/**
 * pf_pop3_error_get_response_code:
 * @error: an error
 *
 * Returns: (transfer none) (nullable): the upper-case response code
 *   (RFC 2449 §8), e.g. "IN-USE" or "SYS/TEMP", or %NULL
 */
const char *
pf_pop3_error_get_response_code (const GError *error)
{
  PfPop3ErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != PF_POP3_ERROR)
    return NULL;
  priv = pf_pop3_error_get_private (error);
  return priv != NULL ? priv->response_code : NULL;
}

/**
 * pf_pop3_error_get_server_text:
 * @error: an error
 *
 * Returns: (transfer none) (nullable): the server's text after "-ERR" and
 *   the response code, in valid UTF-8, or %NULL
 */
const char *
pf_pop3_error_get_server_text (const GError *error)
{
  PfPop3ErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != PF_POP3_ERROR)
    return NULL;
  priv = pf_pop3_error_get_private (error);
  return priv != NULL ? priv->server_text : NULL;
}

/**
 * pf_pop3_error_set_command:
 * @error: an error in the %PF_POP3_ERROR domain
 * @command: (nullable): the command the server refused, e.g. "USER"
 *
 * Notes which command a -ERR answered where that matters to the caller:
 * a -ERR to USER during login means the server does not know the user
 * (RFC 1939 §7), one to PASS that the password is wrong.
 */
void
pf_pop3_error_set_command (GError     *error,
                           const char *command)
{
  PfPop3ErrorPrivate *priv;

  g_return_if_fail (error != NULL);
  g_return_if_fail (error->domain == PF_POP3_ERROR);

  priv = pf_pop3_error_get_private (error);
  g_return_if_fail (priv != NULL);

  g_free (priv->command);
  priv->command = g_strdup (command);
}

/**
 * pf_pop3_error_get_command:
 * @error: an error
 *
 * Returns: (transfer none) (nullable): the command set with
 *   pf_pop3_error_set_command(), or %NULL
 */
const char *
pf_pop3_error_get_command (const GError *error)
{
  PfPop3ErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != PF_POP3_ERROR)
    return NULL;
  priv = pf_pop3_error_get_private (error);
  return priv != NULL ? priv->command : NULL;
}
