/* pf-certificate-dialog.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The dialog of a certificate Postfach does not trust: who it was issued
 * to and by, how long it is valid, its fingerprints and what is wrong with
 * it. "Trust This Certificate" (response "trust") is the only way to an
 * exception, which the caller then pins to this certificate's SHA-256
 * fingerprint. Used by the account status banner and the account wizard. */

#define G_LOG_DOMAIN "pf-certificate-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-certificate-dialog.h"

/**
 * pf_certificate_describe_errors:
 * @flags: what is wrong with a certificate
 *
 * Returns: (transfer full): the problems, one sentence each, translated
 */
char *
pf_certificate_describe_errors (GTlsCertificateFlags flags)
{
  static const struct {
    GTlsCertificateFlags flag;
    const char *text;
  } problems[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, N_("It is not signed by an authority this computer trusts.") },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, N_("It was issued for another server name.") },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, N_("It is not valid yet.") },
    { G_TLS_CERTIFICATE_EXPIRED, N_("It has expired.") },
    { G_TLS_CERTIFICATE_REVOKED, N_("It has been revoked.") },
    { G_TLS_CERTIFICATE_INSECURE, N_("It uses an insecure algorithm.") },
  };
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (problems); i++)
    {
      if ((flags & problems[i].flag) == 0)
        continue;
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, _(problems[i].text));
    }
  if (text->len == 0)
    g_string_append (text, _("It could not be verified."));
  return g_string_free (text, FALSE);
}

/**
 * pf_certificate_dup_fingerprint:
 * @certificate: a certificate
 * @type: %G_CHECKSUM_SHA256 or %G_CHECKSUM_SHA1
 *
 * Returns: (transfer full): the digest of its DER form as upper-case hex
 *   pairs separated by colons, as providers publish them
 */
char *
pf_certificate_dup_fingerprint (GTlsCertificate *certificate,
                                GChecksumType    type)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (type);
  GString *text = g_string_new (NULL);
  const char *hex;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der != NULL)
    g_checksum_update (checksum, der->data, der->len);
  hex = g_checksum_get_string (checksum);
  for (gsize i = 0; hex[i] != '\0' && hex[i + 1] != '\0'; i += 2)
    {
      if (i > 0)
        g_string_append_c (text, ':');
      g_string_append_c (text, g_ascii_toupper (hex[i]));
      g_string_append_c (text, g_ascii_toupper (hex[i + 1]));
    }
  return g_string_free (text, FALSE);
}

static char *
format_date (GDateTime *date)
{
  return date != NULL ? g_date_time_format (date, "%x %X") : g_strdup (_("unknown"));
}

/* Long fingerprints wrap after 16 bytes so that they line up. */
static char *
wrap_fingerprint (const char *text)
{
  GString *wrapped = g_string_new (NULL);
  guint pairs = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ':' && ++pairs % 16 == 0)
        g_string_append_c (wrapped, '\n');
      else
        g_string_append_c (wrapped, *p);
    }
  return g_string_free (wrapped, FALSE);
}

static void
grid_add (GtkGrid    *grid,
          int         row,
          const char *title,
          const char *value,
          gboolean    monospace)
{
  GtkWidget *name = gtk_label_new (title);
  GtkWidget *text = gtk_label_new (value);

  gtk_label_set_xalign (GTK_LABEL (name), 1);
  gtk_label_set_yalign (GTK_LABEL (name), 0);
  gtk_widget_add_css_class (name, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_label_set_selectable (GTK_LABEL (text), TRUE);
  /* A wrapping label may be measured as narrow as one character, and the
   * dialog then takes the height of that: texts wrap from 28 characters
   * on, fingerprints come wrapped already. */
  gtk_label_set_wrap (GTK_LABEL (text), !monospace);
  gtk_label_set_wrap_mode (GTK_LABEL (text), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_width_chars (GTK_LABEL (text), monospace ? -1 : 28);
  gtk_label_set_max_width_chars (GTK_LABEL (text), 48);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (text),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, name, NULL, -1);
  if (monospace)
    gtk_widget_add_css_class (text, "monospace");
  gtk_grid_attach (grid, name, 0, row, 1, 1);
  gtk_grid_attach (grid, text, 1, row, 1, 1);
}

/**
 * pf_certificate_dialog_new:
 * @parent: (nullable): the window it belongs to
 * @host: the server's host name
 * @port: its port, or 0
 * @certificate: the certificate the server showed
 * @errors: what is wrong with it
 *
 * Returns: (transfer floating): an #AdwMessageDialog with the responses
 *   "cancel" (the default) and "trust"
 */
GtkWidget *
pf_certificate_dialog_new (GtkWindow            *parent,
                           const char           *host,
                           guint16               port,
                           GTlsCertificate      *certificate,
                           GTlsCertificateFlags  errors)
{
  g_autofree char *problems = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *issuer = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *sha1 = NULL;
  g_autofree char *sha1_text = NULL;
  g_autofree char *sha256_text = NULL;
  g_autofree char *from = NULL;
  g_autofree char *until = NULL;
  g_autofree char *server = NULL;
  g_autoptr(GDateTime) not_before = NULL;
  g_autoptr(GDateTime) not_after = NULL;
  GtkWidget *dialog;
  GtkWidget *grid;

  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  problems = pf_certificate_describe_errors (errors);
  subject = g_tls_certificate_get_subject_name (certificate);
  issuer = g_tls_certificate_get_issuer_name (certificate);
  not_before = g_tls_certificate_get_not_valid_before (certificate);
  not_after = g_tls_certificate_get_not_valid_after (certificate);
  from = format_date (not_before);
  until = format_date (not_after);
  sha256 = pf_certificate_dup_fingerprint (certificate, G_CHECKSUM_SHA256);
  sha256_text = wrap_fingerprint (sha256);
  sha1 = pf_certificate_dup_fingerprint (certificate, G_CHECKSUM_SHA1);
  sha1_text = wrap_fingerprint (sha1);
  server = port != 0 ? g_strdup_printf ("%s:%u", host, port) : g_strdup (host);

  dialog = adw_message_dialog_new (parent, _("Untrusted Certificate"), NULL);
  /* Translators: %s is a server's host name */
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("The identity of %s cannot be verified. Someone may be "
                                    "pretending to be this server. Trust the certificate only "
                                    "if you know it is the server’s own, for example by "
                                    "comparing the fingerprint with the one your provider "
                                    "publishes."),
                                  host);
  gtk_window_set_title (GTK_WINDOW (dialog), _("Untrusted Certificate"));
  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  grid_add (GTK_GRID (grid), 0, _("Problem"), problems, FALSE);
  grid_add (GTK_GRID (grid), 1, _("Server"), server, FALSE);
  grid_add (GTK_GRID (grid), 2, _("Issued to"), subject != NULL ? subject : _("unknown"), FALSE);
  grid_add (GTK_GRID (grid), 3, _("Issued by"), issuer != NULL ? issuer : _("unknown"), FALSE);
  grid_add (GTK_GRID (grid), 4, _("Valid from"), from, FALSE);
  grid_add (GTK_GRID (grid), 5, _("Valid until"), until, FALSE);
  grid_add (GTK_GRID (grid), 6, _("SHA-256 fingerprint"), sha256_text, TRUE);
  grid_add (GTK_GRID (grid), 7, _("SHA-1 fingerprint"), sha1_text, TRUE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), grid);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "trust", _("_Trust This Certificate"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "trust",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  return dialog;
}
