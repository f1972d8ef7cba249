/* main.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pf-application.h"
#include "pf-bench-probe.h"
#include "pf-i18n.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(PfApplication) app = NULL;

  pf_i18n_init ();
  /* Nothing unless PF_BENCH_PROBE is set (tests/bench/run-bench-window). */
  pf_bench_probe_init ();

  /* CAN_OVERRIDE_APP_ID lets the demo run beside a real Postfach. */
  app = pf_application_new (APPLICATION_ID,
                            G_APPLICATION_HANDLES_OPEN | G_APPLICATION_CAN_OVERRIDE_APP_ID);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
