/* pf-cli.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#include "pf-i18n.h"

/*
 * postfach-cli: the same core as the window, driven from a terminal or a
 * script. It links no GTK.
 *
 * Exit codes (also printed by --help, and part of the interface):
 *   0  success
 *   1  the command ran and failed; the reason is on standard error
 *   2  the command line was wrong (unknown command or option)
 */
enum
{
  PF_CLI_EXIT_OK = 0,
  PF_CLI_EXIT_FAILED = 1,
  PF_CLI_EXIT_USAGE = 2,
};

typedef struct
{
  const char *name;
  int       (*run)         (int    argc,
                            char **argv);
  const char *description; /* translated when shown */
} PfCliCommand;

static int
cmd_version (int    argc,
             char **argv)
{
  g_print ("postfach-cli %s\n", PACKAGE_VERSION);
  return PF_CLI_EXIT_OK;
}

static const PfCliCommand commands[] = {
  { "version", cmd_version, N_("Show the version and exit") },
};

static char *
describe_commands (void)
{
  GString *text = g_string_new (_("Commands:"));

  g_string_append_c (text, '\n');
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (text, "  %-12s %s\n", commands[i].name,
                            _(commands[i].description));
  g_string_append_c (text, '\n');
  g_string_append (text, _("Exit status:\n"
                           "  0  success\n"
                           "  1  the command failed; the reason is on standard error\n"
                           "  2  the command line was wrong"));
  g_string_append_c (text, '\n');

  return g_string_free (text, FALSE);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  gboolean show_version = FALSE;
  const GOptionEntry entries[] = {
    { "version", 'V', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, &show_version,
      N_("Show the version and exit"), NULL },
    { NULL }
  };

  pf_i18n_init ();
  g_set_prgname ("postfach-cli");

  /* Translators: the placeholder in the usage line of postfach-cli --help */
  context = g_option_context_new (_("COMMAND [ARGUMENT…]"));
  g_option_context_set_summary (context, _("Read, sync and send mail of your Postfach accounts."));
  description = describe_commands ();
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  /* Options after the command belong to the command. */
  g_option_context_set_strict_posix (context, TRUE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("postfach-cli: %s\n", error->message);
      g_printerr (_("Try “%s --help” for more information."), "postfach-cli");
      g_printerr ("\n");
      return PF_CLI_EXIT_USAGE;
    }

  if (show_version)
    return cmd_version (argc, argv);

  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return PF_CLI_EXIT_USAGE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (g_strcmp0 (argv[1], commands[i].name) == 0)
        return commands[i].run (argc - 1, argv + 1);
    }

  g_printerr (_("postfach-cli: unknown command “%s”"), argv[1]);
  g_printerr ("\n");
  g_printerr (_("Try “%s --help” for more information."), "postfach-cli");
  g_printerr ("\n");
  return PF_CLI_EXIT_USAGE;
}
