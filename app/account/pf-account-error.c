/* pf-account-error.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-account"

#include "config.h"

#include "pf-account-error.h"

G_DEFINE_QUARK (pf-account-error-quark, pf_account_error)
