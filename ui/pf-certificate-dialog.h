/* pf-certificate-dialog.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

char      *pf_certificate_describe_errors (GTlsCertificateFlags  flags);
char      *pf_certificate_dup_fingerprint (GTlsCertificate      *certificate,
                                           GChecksumType         type);
GtkWidget *pf_certificate_dialog_new      (GtkWindow            *parent,
                                           const char           *host,
                                           guint16               port,
                                           GTlsCertificate      *certificate,
                                           GTlsCertificateFlags  errors);

G_END_DECLS
