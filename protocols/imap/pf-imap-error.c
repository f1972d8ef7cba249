/* pf-imap-error.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-imap"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-imap-error.h"

/* The server's response code and text travel on the error itself, so that
 * the UI can show an ALERT verbatim and the sync engine can react to
 * TRYCREATE or OVERQUOTA without parsing anything back out of the
 * message. */
typedef struct
{
  char *response_code;
  char *server_text;
} PfImapErrorPrivate;

static void
pf_imap_error_private_init (PfImapErrorPrivate *priv)
{
  priv->response_code = NULL;
  priv->server_text = NULL;
}

static void
pf_imap_error_private_copy (const PfImapErrorPrivate *src,
                            PfImapErrorPrivate       *dest)
{
  dest->response_code = g_strdup (src->response_code);
  dest->server_text = g_strdup (src->server_text);
}

static void
pf_imap_error_private_clear (PfImapErrorPrivate *priv)
{
  g_clear_pointer (&priv->response_code, g_free);
  g_clear_pointer (&priv->server_text, g_free);
}

G_DEFINE_EXTENDED_ERROR (PfImapError, pf_imap_error)

/**
 * pf_imap_error_set_server_response:
 * @error: an error in the %PF_IMAP_ERROR domain
 * @response_code: (nullable): the response code name, e.g. "TRYCREATE"
 * @server_text: (nullable): the human-readable text of the response
 *
 * Attaches what the server said to @error. Both strings are copied; the
 * text is made valid UTF-8 first.
 */
void
pf_imap_error_set_server_response (GError     *error,
                                   const char *response_code,
                                   const char *server_text)
{
  PfImapErrorPrivate *priv;

  g_return_if_fail (error != NULL);
  g_return_if_fail (error->domain == PF_IMAP_ERROR);

  priv = pf_imap_error_get_private (error);
  g_return_if_fail (priv != NULL);

  g_free (priv->response_code);
  priv->response_code = g_strdup (response_code);
  g_free (priv->server_text);
  priv->server_text = server_text != NULL ? g_utf8_make_valid (server_text, -1) : NULL;
}

/**
 * pf_imap_error_get_response_code:
 * @error: an error
 *
 * Returns: (transfer none) (nullable): the upper-case name of the response
 *   code (RFC 3501 §7.1, RFC 5530) the server sent with the failure, e.g.
 *   "ALERT", "TRYCREATE", "AUTHENTICATIONFAILED", or %NULL (also for errors
 *   of another domain)
 */
const char *
pf_imap_error_get_response_code (const GError *error)
{
  PfImapErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != PF_IMAP_ERROR)
    return NULL;

  priv = pf_imap_error_get_private (error);
  return priv != NULL ? priv->response_code : NULL;
}

/**
 * pf_imap_error_get_server_text:
 * @error: an error
 *
 * Returns: (transfer none) (nullable): the server's human-readable text, in
 *   valid UTF-8, or %NULL. RFC 3501 §7.1: with an ALERT code this text must
 *   be shown to the user.
 */
const char *
pf_imap_error_get_server_text (const GError *error)
{
  PfImapErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != PF_IMAP_ERROR)
    return NULL;

  priv = pf_imap_error_get_private (error);
  return priv != NULL ? priv->server_text : NULL;
}

/**
 * pf_imap_error_new_from_response:
 * @response: a status response with NO, BAD or BYE
 *
 * Makes the error a command fails with when the server answers NO or BAD
 * (RFC 3501 §7.1.2, §7.1.3), or the error a session ends with on BYE
 * (§7.1.5). A NO with the AUTHENTICATIONFAILED or AUTHORIZATIONFAILED code
 * (RFC 5530 §3) gives %PF_IMAP_ERROR_AUTHENTICATION_FAILED; a session that
 * knows a NO answered LOGIN or AUTHENTICATE makes that code itself. The
 * response code and text are attached (pf_imap_error_get_response_code(),
 * pf_imap_error_get_server_text()).
 *
 * Returns: (transfer full): a new error in the %PF_IMAP_ERROR domain
 */
GError *
pf_imap_error_new_from_response (PfImapResponse *response)
{
  g_autofree char *text = NULL;
  const char *code;
  GError *error;

  g_return_val_if_fail (response != NULL, NULL);

  code = pf_imap_response_get_code (response);
  text = g_utf8_make_valid (pf_imap_response_get_text (response, NULL), -1);

  switch (pf_imap_response_get_status (response))
    {
    case PF_IMAP_RESPONSE_STATUS_NO:
      if (g_strcmp0 (code, "AUTHENTICATIONFAILED") == 0 ||
          g_strcmp0 (code, "AUTHORIZATIONFAILED") == 0)
        {
          /* Translators: %s is the server's own explanation, often English. */
          error = g_error_new (PF_IMAP_ERROR, PF_IMAP_ERROR_AUTHENTICATION_FAILED,
                               _("The server rejected the user name or password: %s"), text);
        }
      else
        {
          /* Translators: %s is the server's own explanation, often English. */
          error = g_error_new (PF_IMAP_ERROR, PF_IMAP_ERROR_NO,
                               _("The server refused the request: %s"), text);
        }
      break;

    case PF_IMAP_RESPONSE_STATUS_BAD:
      /* Translators: %s is the server's own explanation, often English. */
      error = g_error_new (PF_IMAP_ERROR, PF_IMAP_ERROR_BAD,
                           _("The server did not understand the request: %s"), text);
      break;

    case PF_IMAP_RESPONSE_STATUS_BYE:
      /* Translators: %s is the server's own explanation, often English. */
      error = g_error_new (PF_IMAP_ERROR, PF_IMAP_ERROR_BYE,
                           _("The server closed the connection: %s"), text);
      break;

    case PF_IMAP_RESPONSE_STATUS_NONE:
    case PF_IMAP_RESPONSE_STATUS_OK:
    case PF_IMAP_RESPONSE_STATUS_PREAUTH:
    default:
      error = g_error_new (PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                           _("The server sent an unexpected response: %s"), text);
      break;
    }

  pf_imap_error_set_server_response (error, code, text);

  return error;
}
