/* pf-check-status.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * PfCheckStatus:
 * @PF_CHECK_RUNNING: a step began (a later emission with the same id ends it)
 * @PF_CHECK_OK: the step succeeded
 * @PF_CHECK_FAILED: the step failed (not necessarily the whole check: a
 *   discovery goes on with its next source)
 * @PF_CHECK_SKIPPED: the step was not needed or not possible
 * @PF_CHECK_INFO: a detail of the check, e.g. the TLS version or the
 *   authentication methods a server offered
 *
 * The state of one line of the "connection doctor": the steps a discovery
 * (#PfAutoconfigDiscovery) and a connection test (#PfConnectionTest) report
 * through their #PfAutoconfigDiscovery::step and #PfConnectionTest::step
 * signals, `(guint id, PfCheckStatus status, const char *text)`, the text
 * translated and fit for the user.
 */
typedef enum
{
  PF_CHECK_RUNNING,
  PF_CHECK_OK,
  PF_CHECK_FAILED,
  PF_CHECK_SKIPPED,
  PF_CHECK_INFO,
} PfCheckStatus;

#define PF_TYPE_CHECK_STATUS (pf_check_status_get_type ())
GType pf_check_status_get_type (void) G_GNUC_CONST;

G_END_DECLS
