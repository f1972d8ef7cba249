/* pf-folder-tree-private.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-folder-tree.h"

G_BEGIN_DECLS

gboolean _pf_folder_tree_drop (PfFolderTree *self,
                               PfFolderItem *target,
                               GPtrArray    *summaries,
                               gboolean      copy);

G_END_DECLS
