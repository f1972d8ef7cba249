/* pf-window-private.h: what the window's files share
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "store/pf-message-loader.h"
#include "sync/pf-account-service.h"

#include "pf-account-status.h"
#include "pf-folder-tree.h"
#include "pf-message-list.h"
#include "pf-preview-pane.h"
#include "pf-window.h"

G_BEGIN_DECLS

struct _PfWindow
{
  AdwApplicationWindow  parent_instance;

  /* Owned */
  GSettings            *settings;
  PfMessageLoader      *loader;

  /* Template children */
  AdwToastOverlay      *toast_overlay;
  PfAccountStatus      *account_status;
  GtkStack             *sync_stack;
  GtkSpinner           *sync_spinner;
  GtkPaned             *outer_paned;
  GtkPaned             *inner_paned;
  GtkWidget            *folder_pane;
  GtkWidget            *message_pane;
  GtkWidget            *preview_pane_box;
  AdwHeaderBar         *folder_header;
  AdwHeaderBar         *list_header;
  AdwHeaderBar         *preview_header;
  GtkWidget            *list_back_button;
  GtkWidget            *preview_back_button;
  AdwWindowTitle       *list_title;
  GtkButton            *read_button;
  GtkButton            *flag_button;
  GtkMenuButton        *move_button;
  PfFolderTree         *folder_tree;
  PfMessageList        *message_list;
  PfPreviewPane        *preview_pane;

  /* State */
  gboolean              narrow;
  GtkWidget            *narrow_pane;    /* the one shown when narrow */
  gboolean              has_folder;
  gboolean              started;        /* an Inbox was selected at start */
  char                 *pending_inbox;  /* a new account whose Inbox to show */
  guint                 mark_read_id;   /* the delay before a shown message is read */
  guint                 preload_id;     /* the delay before the web view may start */
  guint                 first_frame_id; /* "first-frame", once that frame is drawn */
  gboolean              preload_due;    /* … it has passed */
  gint64                last_paint;     /* monotonic µs of the window's last frame */
  GdkFrameClock        *frame_clock;    /* weak: its after-paint tells last_paint */
  gulong                after_paint_handler;
  PfMessageSummary     *selected;       /* weak: the selection last acted on */
  guint                 n_selected;
  guint                 bench_index;    /* PF_BENCH_SELECT: the message selected last */
  gboolean              bench_waiting;
  gboolean              bench_html;
  guint                 bench_preload_waited;
};

void _pf_window_actions_init          (PfWindow     *self);
void _pf_window_actions_bind_settings (PfWindow     *self);
void _pf_window_update_actions        (PfWindow     *self);
void _pf_window_move_dropped          (PfWindow     *self,
                                       PfFolderItem *target,
                                       gboolean      copy);

G_END_DECLS
