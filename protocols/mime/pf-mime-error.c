/* pf-mime-error.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-mime"

#include "config.h"

#include "pf-mime-error.h"

G_DEFINE_QUARK (pf-mime-error-quark, pf_mime_error)
