/* pf-bench-probe.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * Measurements for tests/bench/run-bench-window. Every function returns at
 * once unless PF_BENCH_PROBE names a file at pf_bench_probe_init() time.
 * Main thread only.
 *
 * Hooks the application calls:
 *   main(), before g_application_run ():   pf_bench_probe_init ()
 *   GApplication::shutdown:                pf_bench_probe_dump ()
 *   the message list first paints rows:    pf_bench_probe_mark ("first-frame-with-rows")
 *   the preview shows a message:           pf_bench_probe_mark ("message-shown")
 *   after "first-frame-with-rows":         pf_bench_probe_scroll (the list's GtkScrolledWindow)
 *   the main window, once shown:           pf_bench_probe_watch_frames (GTK_WIDGET (window))
 *
 * The probe does the last three on its own when nobody does: it watches the
 * frames of the first realized toplevel window (and marks "first-frame" on its
 * first paint), marks "first-frame-with-rows" after the first paint in which
 * the GtkListView of the widget of type PfMessageList (or named
 * "message-list") has rows, and then scrolls that list when PF_BENCH_SCROLL
 * is set. The first Inbox must be selected at startup for rows to appear.
 *
 * Environment:
 *   PF_BENCH_PROBE=FILE.json    enables the probe; pf_bench_probe_dump() writes FILE
 *   PF_BENCH_EXIT_AFTER=EVENT   once EVENT is marked: dump, then quit the default
 *                               GApplication from an idle
 *   PF_BENCH_TIMEOUT=SECONDS    mark "timeout", dump and quit after SECONDS
 *   PF_BENCH_SCROLL=1           pf_bench_probe_scroll() scrolls from top to bottom,
 *                               one step per frame, over PF_BENCH_SCROLL_SECONDS
 *                               (default 10), marking "scroll-start" and "scroll-done";
 *   PF_BENCH_SCROLL_DELAY_MS=MS   it starts MS after the first frame with rows
 *                               (default 0)
 *
 * The file (JSON; times in milliseconds since the process was executed, from
 * /proc/self/stat): "marks" (event, ms; in order), "loop" (how late a 5 ms
 * high-priority timeout ran: the main loop's blocked time, max, percentiles,
 * histogram), "frames" (intervals between frame clock paints, idle gaps
 * included) and "scroll_frames" (the same while scrolling only: the jank
 * measure), "peak_rss_kb" (VmHWM) and "rss_kb" (VmRSS).
 */

void     pf_bench_probe_init         (void);
gboolean pf_bench_probe_enabled      (void);
void     pf_bench_probe_mark         (const char        *event);
gboolean pf_bench_probe_has_mark     (const char        *event);
void     pf_bench_probe_watch_frames (GtkWidget         *widget);
void     pf_bench_probe_scroll       (GtkScrolledWindow *scrolled);
void     pf_bench_probe_dump         (void);

G_END_DECLS
