/* pf-smtp-error.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-smtp"

#include "config.h"

#include "pf-smtp-error.h"

/* The server's reply travels on the error itself, so that the UI can show
 * the server's words and the outbox can tell "retry" from "give up"
 * without parsing anything back out of the message. */
typedef struct
{
  guint  reply_code;
  char  *enhanced_code;
  char  *server_text;
  char  *recipient;
} PfSmtpErrorPrivate;

static void
pf_smtp_error_private_init (PfSmtpErrorPrivate *priv)
{
  priv->reply_code = 0;
  priv->enhanced_code = NULL;
  priv->server_text = NULL;
  priv->recipient = NULL;
}

static void
pf_smtp_error_private_copy (const PfSmtpErrorPrivate *src,
                            PfSmtpErrorPrivate       *dest)
{
  dest->reply_code = src->reply_code;
  dest->enhanced_code = g_strdup (src->enhanced_code);
  dest->server_text = g_strdup (src->server_text);
  dest->recipient = g_strdup (src->recipient);
}

static void
pf_smtp_error_private_clear (PfSmtpErrorPrivate *priv)
{
  g_clear_pointer (&priv->enhanced_code, g_free);
  g_clear_pointer (&priv->server_text, g_free);
  g_clear_pointer (&priv->recipient, g_free);
}

G_DEFINE_EXTENDED_ERROR (PfSmtpError, pf_smtp_error)

/**
 * pf_smtp_error_set_reply:
 * @error: an error in the %PF_SMTP_ERROR domain
 * @reply_code: the three-digit reply code (RFC 5321 §4.2), or 0
 * @enhanced_code: (nullable): the enhanced status code (RFC 3463), e.g. "5.1.1"
 * @server_text: (nullable): the text of the reply
 *
 * Attaches what the server said to @error. The strings are copied; the
 * text is made valid UTF-8 first.
 */
void
pf_smtp_error_set_reply (GError     *error,
                         guint       reply_code,
                         const char *enhanced_code,
                         const char *server_text)
{
  PfSmtpErrorPrivate *priv;

  g_return_if_fail (error != NULL);
  g_return_if_fail (error->domain == PF_SMTP_ERROR);

  priv = pf_smtp_error_get_private (error);
  g_return_if_fail (priv != NULL);

  priv->reply_code = reply_code;
  g_free (priv->enhanced_code);
  priv->enhanced_code = g_strdup (enhanced_code);
  g_free (priv->server_text);
  priv->server_text = server_text != NULL ? g_utf8_make_valid (server_text, -1) : NULL;
}

/**
 * pf_smtp_error_get_reply_code:
 * @error: an error
 *
 * Returns: the server's reply code, or 0 (also for errors of another domain)
 */
guint
pf_smtp_error_get_reply_code (const GError *error)
{
  PfSmtpErrorPrivate *priv;

  if (error == NULL || error->domain != PF_SMTP_ERROR)
    return 0;
  priv = pf_smtp_error_get_private (error);

  return priv != NULL ? priv->reply_code : 0;
}

/**
 * pf_smtp_error_get_enhanced_code:
 * @error: an error
 *
 * Returns: (transfer none) (nullable): the enhanced status code (RFC 2034,
 *   RFC 3463) the server sent, e.g. "5.7.8", or %NULL
 */
const char *
pf_smtp_error_get_enhanced_code (const GError *error)
{
  PfSmtpErrorPrivate *priv;

  if (error == NULL || error->domain != PF_SMTP_ERROR)
    return NULL;
  priv = pf_smtp_error_get_private (error);

  return priv != NULL ? priv->enhanced_code : NULL;
}

/**
 * pf_smtp_error_get_server_text:
 * @error: an error
 *
 * Returns: (transfer none) (nullable): the text of the server's reply, its
 *   lines joined with "\n", or %NULL
 */
const char *
pf_smtp_error_get_server_text (const GError *error)
{
  PfSmtpErrorPrivate *priv;

  if (error == NULL || error->domain != PF_SMTP_ERROR)
    return NULL;
  priv = pf_smtp_error_get_private (error);

  return priv != NULL ? priv->server_text : NULL;
}

/**
 * pf_smtp_error_set_recipient:
 * @error: an error in the %PF_SMTP_ERROR domain
 * @recipient: (nullable): the envelope recipient the error is about
 *
 * Names the recipient a refusal of RCPT TO is about (see
 * pf_smtp_client_send_finish()).
 */
void
pf_smtp_error_set_recipient (GError     *error,
                             const char *recipient)
{
  PfSmtpErrorPrivate *priv;

  g_return_if_fail (error != NULL);
  g_return_if_fail (error->domain == PF_SMTP_ERROR);

  priv = pf_smtp_error_get_private (error);
  g_return_if_fail (priv != NULL);

  g_free (priv->recipient);
  priv->recipient = g_strdup (recipient);
}

/**
 * pf_smtp_error_get_recipient:
 * @error: an error
 *
 * Returns: (transfer none) (nullable): the envelope recipient a refused
 *   RCPT TO named, or %NULL
 */
const char *
pf_smtp_error_get_recipient (const GError *error)
{
  PfSmtpErrorPrivate *priv;

  if (error == NULL || error->domain != PF_SMTP_ERROR)
    return NULL;
  priv = pf_smtp_error_get_private (error);

  return priv != NULL ? priv->recipient : NULL;
}
