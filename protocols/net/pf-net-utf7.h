/* pf-net-utf7.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *pf_net_utf7_encode (const char  *utf8,
                          GError     **error);
char *pf_net_utf7_decode (const char  *utf7,
                          GError     **error);

G_END_DECLS
