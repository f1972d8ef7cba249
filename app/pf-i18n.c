/* pf-i18n.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-i18n"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "pf-i18n.h"

/**
 * pf_i18n_init:
 *
 * Sets the locale from the environment and binds the message catalogue.
 * Call first thing in main(), before any string is translated.
 *
 * `POSTFACH_LOCALEDIR` overrides the installed catalogue directory, so that
 * an uninstalled build (tests, `meson devenv`) finds the catalogues it just
 * compiled.
 */
void
pf_i18n_init (void)
{
  const char *localedir = g_getenv ("POSTFACH_LOCALEDIR");

  if (localedir == NULL || *localedir == '\0')
    localedir = LOCALEDIR;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
