/* pf-net-error.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-net"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-net-error.h"

/* The peer certificate travels on the error itself, so that the UI can
 * show subject, issuer and fingerprints and store an exception pinned to
 * exactly this certificate, without parsing anything back out of text. */
typedef struct
{
  GTlsCertificate      *certificate;
  GTlsCertificateFlags  flags;
} PfNetErrorPrivate;

static void
pf_net_error_private_init (PfNetErrorPrivate *priv)
{
  priv->certificate = NULL;
  priv->flags = 0;
}

static void
pf_net_error_private_copy (const PfNetErrorPrivate *src,
                           PfNetErrorPrivate       *dest)
{
  dest->certificate = src->certificate ? g_object_ref (src->certificate) : NULL;
  dest->flags = src->flags;
}

static void
pf_net_error_private_clear (PfNetErrorPrivate *priv)
{
  g_clear_object (&priv->certificate);
}

G_DEFINE_EXTENDED_ERROR (PfNetError, pf_net_error)

/**
 * pf_net_error_set_certificate:
 * @error: an error in the %PF_NET_ERROR domain
 * @certificate: (nullable): the peer certificate
 * @flags: what is wrong with it
 *
 * Attaches the peer certificate to @error. The error keeps a reference.
 */
void
pf_net_error_set_certificate (GError               *error,
                              GTlsCertificate      *certificate,
                              GTlsCertificateFlags  flags)
{
  PfNetErrorPrivate *priv;

  g_return_if_fail (error != NULL);
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));

  priv = pf_net_error_get_private (error);
  g_return_if_fail (priv != NULL);

  g_set_object (&priv->certificate, certificate);
  priv->flags = flags;
}

/**
 * pf_net_error_get_certificate:
 * @error: an error
 *
 * Returns: (transfer none) (nullable): the certificate attached with
 *   pf_net_error_set_certificate(), or %NULL (also for errors of another
 *   domain).
 */
GTlsCertificate *
pf_net_error_get_certificate (const GError *error)
{
  PfNetErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != PF_NET_ERROR)
    return NULL;
  priv = pf_net_error_get_private (error);
  return priv != NULL ? priv->certificate : NULL;
}

/**
 * pf_net_error_get_certificate_flags:
 * @error: an error
 *
 * Returns: the #GTlsCertificateFlags attached with the certificate, or 0.
 */
GTlsCertificateFlags
pf_net_error_get_certificate_flags (const GError *error)
{
  PfNetErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, 0);

  if (error->domain != PF_NET_ERROR)
    return 0;
  priv = pf_net_error_get_private (error);
  return priv != NULL ? priv->flags : 0;
}

/**
 * pf_net_error_from_io:
 * @error: (transfer full): an error from GIO: socket, resolver or TLS
 *
 * Translates a GIO error into the %PF_NET_ERROR code a caller acts on,
 * keeping GIO's text for details. Cancellation stays
 * %G_IO_ERROR_CANCELLED, and %PF_NET_ERROR errors pass through.
 *
 * Returns: (transfer full): the translated error
 */
GError *
pf_net_error_from_io (GError *error)
{
  PfNetError code;
  const char *what;
  GError *translated;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == PF_NET_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;

  if (error->domain == G_RESOLVER_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      code = PF_NET_ERROR_HOST_NOT_FOUND;
      what = _("The server’s name could not be found");
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      code = PF_NET_ERROR_TIMEOUT;
      what = _("The server did not answer in time");
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      code = PF_NET_ERROR_CONNECTION_REFUSED;
      what = _("The server refused the connection");
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    {
      code = PF_NET_ERROR_UNREACHABLE;
      what = _("The server cannot be reached; check the network connection");
    }
  else if (error->domain == G_TLS_ERROR)
    {
      code = PF_NET_ERROR_TLS_FAILED;
      what = _("The secure connection to the server failed");
    }
  else
    {
      code = PF_NET_ERROR_CONNECTION_LOST;
      what = _("The connection to the server was lost");
    }

  translated = g_error_new (PF_NET_ERROR, code, "%s (%s)", what, error->message);
  g_error_free (error);

  return translated;
}
