/* pf-check-status.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-account"

#include "config.h"

#include "pf-check-status.h"

G_DEFINE_ENUM_TYPE (PfCheckStatus, pf_check_status,
                    G_DEFINE_ENUM_VALUE (PF_CHECK_RUNNING, "running"),
                    G_DEFINE_ENUM_VALUE (PF_CHECK_OK, "ok"),
                    G_DEFINE_ENUM_VALUE (PF_CHECK_FAILED, "failed"),
                    G_DEFINE_ENUM_VALUE (PF_CHECK_SKIPPED, "skipped"),
                    G_DEFINE_ENUM_VALUE (PF_CHECK_INFO, "info"))
