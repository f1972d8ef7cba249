/* pf-bench-probe.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-bench-probe"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pf-bench-probe.h"

/* See pf-bench-probe.h for what is measured and the environment. */

#define LOOP_INTERVAL_MS      5
#define SCROLL_OVERTIME_USEC  (2 * G_USEC_PER_SEC)
#define MAX_SAMPLES           (1 << 20)

static const guint histogram_bounds_ms[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024 };

typedef struct
{
  char   *event;
  gint64  since_exec;  /* µs */
} Mark;

static struct
{
  gboolean        enabled;
  char           *path;
  char           *exit_after;
  gboolean        quitting;

  gint64          init_time;       /* monotonic µs at init */
  gint64          exec_offset;     /* µs from exec to init_time */

  GArray         *marks;           /* Mark */

  gint64          loop_last;
  GArray         *loop_gaps;       /* guint32 µs */
  GArray         *long_blocks;     /* gint64 pairs: ended at (µs since exec), µs */
  GArray         *long_frames;     /* the same, for scroll frames over 32 ms */
  gint64          long_block_usec; /* PF_BENCH_LONG_BLOCK_MS, default 50 */
  guint64         histogram[G_N_ELEMENTS (histogram_bounds_ms) + 1];

  GdkFrameClock  *frame_clock;     /* weak */
  GtkWidget      *frame_widget;    /* weak */
  gint64          last_frame_time;
  gboolean        last_frame_scrolled;
  GArray         *frame_intervals; /* guint32 µs */
  GArray         *scroll_intervals;
  GArray         *scroll_work;     /* guint32 µs from before-paint to after-paint */
  GArray         *long_frame_parts;/* gint64 × 11 for each scroll frame over 32 ms
                                    * or with over 16 ms of work: ended at, interval,
                                    * idle before it, update and layout, paint,
                                    * after paint, the main thread's CPU time in
                                    * it, update, update to compute-size, the frame
                                    * before's wall and CPU time (µs) */
  gint64          frame_begin;     /* monotonic µs of the phases of this frame */
  gint64          frame_cpu_begin; /* the main thread's CPU time µs at its start */
  gint64          frame_update;    /* tick callbacks done */
  gint64          frame_compute;   /* the toplevel's compute-size, if any */
  gint64          frame_layout;
  gint64          frame_paint;
  gint64          frame_end;       /* of the frame before */
  gint64          last_work;       /* the frame before: µs of wall time, CPU time */
  gint64          last_cpu;

  gboolean        scroll_started;
  gboolean        scrolling;
  gint64          scroll_start;
  gint64          scroll_duration;
} probe;

/* Time since exec */

static gint64
read_exec_offset (void)
{
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  struct timespec boot;
  const char *after_comm;
  long ticks = sysconf (_SC_CLK_TCK);
  guint64 start_ticks;

  /* Field 22 of /proc/self/stat is the start time in clock ticks since boot;
   * the command name before it is in parentheses and may hold spaces. */
  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL) ||
      (after_comm = strrchr (stat, ')')) == NULL ||
      clock_gettime (CLOCK_BOOTTIME, &boot) != 0 || ticks <= 0)
    return 0;

  fields = g_strsplit (after_comm + 2, " ", 0);
  /* after_comm + 2 starts at field 3 (state): starttime is index 22 - 3. */
  if (g_strv_length (fields) < 20)
    return 0;
  start_ticks = g_ascii_strtoull (fields[19], NULL, 10);

  return MAX (0, (gint64) boot.tv_sec * G_USEC_PER_SEC + boot.tv_nsec / 1000
                 - (gint64) (start_ticks * G_USEC_PER_SEC / (guint64) ticks));
}

static gint64
since_exec (gint64 monotonic)
{
  return probe.exec_offset + (monotonic - probe.init_time);
}

/* Quitting once a named event happened */

static gboolean
quit_cb (gpointer user_data)
{
  GApplication *app = g_application_get_default ();

  pf_bench_probe_dump ();
  if (app != NULL)
    g_application_quit (app);
  return G_SOURCE_REMOVE;
}

static void
quit_soon (void)
{
  if (probe.quitting)
    return;
  probe.quitting = TRUE;
  g_idle_add_full (G_PRIORITY_LOW, quit_cb, NULL, NULL);
}

static gboolean
timeout_cb (gpointer user_data)
{
  pf_bench_probe_mark ("timeout");
  quit_soon ();
  return G_SOURCE_REMOVE;
}

/* Frames */

static void
record (GArray *array,
        gint64  usec)
{
  guint32 value = (guint32) CLAMP (usec, 0, G_MAXUINT32);

  if (array->len < MAX_SAMPLES)
    g_array_append_val (array, value);
}

static GtkWidget *
find_by_type_or_name (GtkWidget  *widget,
                      const char *type_name,
                      const char *name)
{
  if (g_str_equal (G_OBJECT_TYPE_NAME (widget), type_name) ||
      g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_by_type_or_name (child, type_name, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_list_view (GtkWidget *widget)
{
  if (GTK_IS_LIST_VIEW (widget))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_list_view (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The message list's GtkListView, if it is on screen with rows. */
static GtkWidget *
message_list_with_rows (void)
{
  GtkWidget *list;
  GtkWidget *view;
  GtkSelectionModel *model;

  if (probe.frame_widget == NULL)
    return NULL;
  list = find_by_type_or_name (GTK_WIDGET (gtk_widget_get_root (probe.frame_widget)),
                               "PfMessageList", "message-list");
  if (list == NULL || (view = find_list_view (list)) == NULL || !gtk_widget_get_mapped (view))
    return NULL;
  model = gtk_list_view_get_model (GTK_LIST_VIEW (view));
  if (model == NULL || g_list_model_get_n_items (G_LIST_MODEL (model)) == 0 ||
      gtk_widget_get_first_child (view) == NULL)
    return NULL;
  return view;
}

/* µs of CPU the calling thread used so far */
static gint64
thread_cpu_time (void)
{
  struct timespec now;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now) != 0)
    return 0;
  return (gint64) now.tv_sec * G_USEC_PER_SEC + now.tv_nsec / 1000;
}

/* The phases of a frame: these run after GDK's own handlers of the same
 * signal, so layout and paint are done when they are called. */
static void
on_before_paint_cb (GdkFrameClock *clock,
                    gpointer       user_data)
{
  probe.frame_begin = g_get_monotonic_time ();
  probe.frame_cpu_begin = thread_cpu_time ();
  probe.frame_update = probe.frame_compute = probe.frame_layout = probe.frame_paint = 0;
}

static void
on_update_cb (GdkFrameClock *clock,
              gpointer       user_data)
{
  probe.frame_update = g_get_monotonic_time ();
}

static void
on_compute_size_cb (GdkToplevel     *toplevel,
                    GdkToplevelSize *size,
                    gpointer         user_data)
{
  probe.frame_compute = g_get_monotonic_time ();
}

static void
on_layout_cb (GdkFrameClock *clock,
              gpointer       user_data)
{
  probe.frame_layout = g_get_monotonic_time ();
}

static void
on_paint_cb (GdkFrameClock *clock,
             gpointer       user_data)
{
  probe.frame_paint = g_get_monotonic_time ();
}

static void
on_after_paint_cb (GdkFrameClock *clock,
                   gpointer       user_data)
{
  gint64 frame_time = gdk_frame_clock_get_frame_time (clock);
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = probe.frame_begin ? thread_cpu_time () - probe.frame_cpu_begin : 0;
  gint64 begin = probe.frame_begin ? probe.frame_begin : now;
  gint64 layout = probe.frame_layout ? probe.frame_layout : begin;
  gint64 paint = probe.frame_paint ? probe.frame_paint : layout;

  if (probe.last_frame_time == 0)
    pf_bench_probe_mark ("first-frame");
  else
    {
      record (probe.frame_intervals, frame_time - probe.last_frame_time);
      if (probe.scrolling)
        {
          /* An interval counts from the first scroll frame on: the one
           * before it, the first with rows, belongs to the start-up and
           * is measured with it. */
          gint64 interval = probe.last_frame_scrolled ? frame_time - probe.last_frame_time : 0;

          if (probe.last_frame_scrolled)
            record (probe.scroll_intervals, interval);
          record (probe.scroll_work, now - begin);
          if (interval > 32 * 1000)
            {
              gint64 pair[2] = { since_exec (frame_time), interval };

              g_array_append_vals (probe.long_frames, pair, 2);
            }
          /* Frames that missed their time or took long themselves */
          if (interval > 32 * 1000 || now - begin > 16 * 1000)
            {
              gint64 update = probe.frame_update ? probe.frame_update : begin;
              gint64 compute = probe.frame_compute ? probe.frame_compute : update;
              gint64 parts[11] = { since_exec (now), interval,
                                   probe.frame_end ? begin - probe.frame_end : 0,
                                   layout - begin, paint - layout, now - paint,
                                   cpu,
                                   update - begin, compute - update,
                                   probe.last_work, probe.last_cpu };

              g_array_append_vals (probe.long_frame_parts, parts, 11);
            }
        }
    }
  probe.last_frame_time = frame_time;
  probe.last_frame_scrolled = probe.scrolling;
  probe.last_work = now - begin;
  probe.last_cpu = cpu;
  probe.frame_end = now;
  probe.frame_begin = 0;

  if (!pf_bench_probe_has_mark ("first-frame-with-rows"))
    {
      GtkWidget *view = message_list_with_rows ();

      if (view != NULL)
        {
          GtkWidget *scrolled = gtk_widget_get_ancestor (view, GTK_TYPE_SCROLLED_WINDOW);

          pf_bench_probe_mark ("first-frame-with-rows");
          if (scrolled != NULL)
            pf_bench_probe_scroll (GTK_SCROLLED_WINDOW (scrolled));
        }
    }
}

static void
on_active_cb (GtkWindow  *window,
              GParamSpec *pspec,
              gpointer    user_data)
{
  pf_bench_probe_mark (gtk_window_is_active (window) ? "window-active" : "window-inactive");
}

static void
watch_clock (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  if (clock == NULL || probe.frame_clock != NULL)
    return;

  probe.frame_clock = clock;
  g_object_add_weak_pointer (G_OBJECT (clock), (gpointer *) &probe.frame_clock);
  /* Focus changes restyle the whole window (the backdrop state) */
  if (GTK_IS_WINDOW (gtk_widget_get_root (widget)))
    g_signal_connect (gtk_widget_get_root (widget), "notify::is-active",
                      G_CALLBACK (on_active_cb), NULL);
  g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint_cb), NULL);
  g_signal_connect_after (clock, "update", G_CALLBACK (on_update_cb), NULL);
  if (GTK_IS_NATIVE (gtk_widget_get_root (widget)) &&
      GDK_IS_TOPLEVEL (gtk_native_get_surface (GTK_NATIVE (gtk_widget_get_root (widget)))))
    g_signal_connect (gtk_native_get_surface (GTK_NATIVE (gtk_widget_get_root (widget))),
                      "compute-size", G_CALLBACK (on_compute_size_cb), NULL);
  g_signal_connect (clock, "layout", G_CALLBACK (on_layout_cb), NULL);
  g_signal_connect (clock, "paint", G_CALLBACK (on_paint_cb), NULL);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint_cb), NULL);
}

static void
on_realize_cb (GtkWidget *widget,
               gpointer   user_data)
{
  watch_clock (widget);
}

/* The main loop */

static void
watch_first_toplevel (void)
{
  GList *toplevels;

  if (probe.frame_widget != NULL || !gtk_is_initialized ())
    return;

  toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l != NULL; l = l->next)
    {
      if (gtk_widget_get_realized (l->data))
        {
          pf_bench_probe_watch_frames (l->data);
          break;
        }
    }
  g_list_free (toplevels);
}

static gboolean
loop_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();
  gint64 gap = now - probe.loop_last - LOOP_INTERVAL_MS * 1000;
  guint bucket = 0;

  gap = MAX (gap, 0);
  record (probe.loop_gaps, gap);
  /* When the long ones ended, to find them among the marks */
  if (gap > probe.long_block_usec)
    {
      gint64 pair[2] = { since_exec (now), gap };

      g_array_append_vals (probe.long_blocks, pair, 2);
    }
  while (bucket < G_N_ELEMENTS (histogram_bounds_ms) &&
         gap >= (gint64) histogram_bounds_ms[bucket] * 1000)
    bucket++;
  probe.histogram[bucket]++;
  probe.loop_last = now;

  watch_first_toplevel ();
  return G_SOURCE_CONTINUE;
}

/* Public API */

/**
 * pf_bench_probe_init:
 *
 * Reads the environment and, with PF_BENCH_PROBE set, starts measuring the
 * default main context. Call once, early in main().
 */
void
pf_bench_probe_init (void)
{
  const char *path = g_getenv ("PF_BENCH_PROBE");
  const char *timeout = g_getenv ("PF_BENCH_TIMEOUT");
  const char *scroll_seconds = g_getenv ("PF_BENCH_SCROLL_SECONDS");
  GSource *source;

  if (probe.enabled || path == NULL || *path == '\0')
    return;

  probe.enabled = TRUE;
  probe.path = g_strdup (path);
  probe.exit_after = g_strdup (g_getenv ("PF_BENCH_EXIT_AFTER"));
  probe.init_time = g_get_monotonic_time ();
  probe.exec_offset = read_exec_offset ();
  probe.marks = g_array_new (FALSE, FALSE, sizeof (Mark));
  probe.loop_gaps = g_array_new (FALSE, FALSE, sizeof (guint32));
  probe.long_blocks = g_array_new (FALSE, FALSE, sizeof (gint64));
  probe.long_frames = g_array_new (FALSE, FALSE, sizeof (gint64));
  probe.long_block_usec = (g_getenv ("PF_BENCH_LONG_BLOCK_MS") != NULL
                           ? g_ascii_strtoll (g_getenv ("PF_BENCH_LONG_BLOCK_MS"), NULL, 10) : 50)
                          * 1000;
  probe.frame_intervals = g_array_new (FALSE, FALSE, sizeof (guint32));
  probe.scroll_intervals = g_array_new (FALSE, FALSE, sizeof (guint32));
  probe.scroll_work = g_array_new (FALSE, FALSE, sizeof (guint32));
  probe.long_frame_parts = g_array_new (FALSE, FALSE, sizeof (gint64));
  probe.scroll_duration = (scroll_seconds ? g_ascii_strtod (scroll_seconds, NULL) : 10.0)
                          * G_USEC_PER_SEC;
  if (probe.scroll_duration <= 0)
    probe.scroll_duration = 10 * G_USEC_PER_SEC;

  /* High priority: the probe measures how long one dispatch holds the loop,
   * not how long it waits behind other work of higher priority. */
  probe.loop_last = probe.init_time;
  source = g_timeout_source_new (LOOP_INTERVAL_MS);
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_callback (source, loop_cb, NULL, NULL);
  g_source_set_static_name (source, "[pf-bench-probe] loop");
  g_source_attach (source, NULL);
  g_source_unref (source);

  if (timeout != NULL)
    g_timeout_add ((guint) (g_ascii_strtod (timeout, NULL) * 1000), timeout_cb, NULL);

  pf_bench_probe_mark ("probe-init");
  atexit (pf_bench_probe_dump);
}

/**
 * pf_bench_probe_enabled:
 *
 * Returns: whether PF_BENCH_PROBE was set at pf_bench_probe_init()
 */
gboolean
pf_bench_probe_enabled (void)
{
  return probe.enabled;
}

/**
 * pf_bench_probe_mark:
 * @event: a name such as "first-frame-with-rows"
 *
 * Records @event with the time since exec. The same event may be marked
 * more than once; if it is the PF_BENCH_EXIT_AFTER event, the application
 * dumps and quits from an idle.
 */
void
pf_bench_probe_mark (const char *event)
{
  Mark mark;

  if (!probe.enabled)
    return;
  g_return_if_fail (event != NULL);

  mark.event = g_strdup (event);
  mark.since_exec = since_exec (g_get_monotonic_time ());
  g_array_append_val (probe.marks, mark);
  g_debug ("%s at %.1f ms", event, mark.since_exec / 1000.0);

  if (g_strcmp0 (event, probe.exit_after) == 0)
    quit_soon ();
}

/**
 * pf_bench_probe_has_mark:
 * @event: an event name
 *
 * Returns: whether @event was marked
 */
gboolean
pf_bench_probe_has_mark (const char *event)
{
  if (!probe.enabled)
    return FALSE;

  for (guint i = 0; i < probe.marks->len; i++)
    if (g_str_equal (g_array_index (probe.marks, Mark, i).event, event))
      return TRUE;
  return FALSE;
}

/**
 * pf_bench_probe_watch_frames:
 * @widget: a widget of the window to watch, realized or not
 *
 * Records the interval between the paints of @widget's frame clock. Only
 * the first call counts.
 */
void
pf_bench_probe_watch_frames (GtkWidget *widget)
{
  if (!probe.enabled || probe.frame_widget != NULL)
    return;
  g_return_if_fail (GTK_IS_WIDGET (widget));

  probe.frame_widget = widget;
  g_object_add_weak_pointer (G_OBJECT (widget), (gpointer *) &probe.frame_widget);
  if (gtk_widget_get_realized (widget))
    watch_clock (widget);
  else
    g_signal_connect (widget, "realize", G_CALLBACK (on_realize_cb), NULL);
}

static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (widget));
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double lower = gtk_adjustment_get_lower (adjustment);
  double bottom = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);
  double progress;

  if (probe.scroll_start == 0)
    {
      probe.scroll_start = now;
      probe.scrolling = TRUE;
      pf_bench_probe_mark ("scroll-start");
    }

  /* A list view's upper bound is an estimate that changes while it
   * scrolls: aim at the current bottom every frame, and give it a little
   * longer to settle there. */
  progress = MIN (1.0, (double) (now - probe.scroll_start) / probe.scroll_duration);
  gtk_adjustment_set_value (adjustment, lower + progress * MAX (0.0, bottom - lower));

  if (progress < 1.0 ||
      (gtk_adjustment_get_value (adjustment) < bottom - 0.5 &&
       now - probe.scroll_start < probe.scroll_duration + SCROLL_OVERTIME_USEC))
    return G_SOURCE_CONTINUE;

  probe.scrolling = FALSE;
  pf_bench_probe_mark ("scroll-done");
  return G_SOURCE_REMOVE;
}

static void
scroll_start (GtkScrolledWindow *scrolled)
{
  pf_bench_probe_watch_frames (GTK_WIDGET (scrolled));
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (scrolled), 0);
  gtk_widget_add_tick_callback (GTK_WIDGET (scrolled), scroll_tick_cb, NULL, NULL);
}

static gboolean
scroll_delay_cb (gpointer user_data)
{
  GWeakRef *ref = user_data;
  g_autoptr(GtkScrolledWindow) scrolled = g_weak_ref_get (ref);

  if (scrolled != NULL)
    scroll_start (scrolled);
  return G_SOURCE_REMOVE;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/**
 * pf_bench_probe_scroll:
 * @scrolled: the message list's scrolled window
 *
 * With PF_BENCH_SCROLL set, scrolls @scrolled from the top to the bottom over
 * PF_BENCH_SCROLL_SECONDS, one step per frame, and watches its frames if
 * nothing else is watched; PF_BENCH_SCROLL_DELAY_MS after the call (default
 * 0). Only the first call counts.
 */
void
pf_bench_probe_scroll (GtkScrolledWindow *scrolled)
{
  const char *scroll = g_getenv ("PF_BENCH_SCROLL");
  const char *delay = g_getenv ("PF_BENCH_SCROLL_DELAY_MS");
  guint delay_ms = delay != NULL ? (guint) g_ascii_strtoull (delay, NULL, 10) : 0;
  GWeakRef *ref;

  if (!probe.enabled || probe.scroll_started || scroll == NULL || g_str_equal (scroll, "0"))
    return;
  g_return_if_fail (GTK_IS_SCROLLED_WINDOW (scrolled));

  probe.scroll_started = TRUE;
  if (delay_ms == 0)
    {
      scroll_start (scrolled);
      return;
    }
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, scrolled);
  g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, scroll_delay_cb, ref, weak_ref_free);
}

/* The report */

static int
compare_guint32 (gconstpointer a,
                 gconstpointer b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return (x > y) - (x < y);
}

/* A list of (ended at, how long) pairs in µs as
 * "name": [{"ended_ms": …, "ms": …}, …] */
static void
append_pairs (GString    *json,
              const char *name,
              GArray     *pairs)
{
  g_string_append_printf (json, "  \"%s\": [", name);
  for (guint i = 0; i + 1 < pairs->len; i += 2)
    g_string_append_printf (json, "%s{\"ended_ms\": %.1f, \"ms\": %.1f}", i ? ", " : "",
                            g_array_index (pairs, gint64, i) / 1000.0,
                            g_array_index (pairs, gint64, i + 1) / 1000.0);
  g_string_append (json, "],\n");
}

static void
append_ms (GString    *json,
           const char *key,
           double      usec)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (json, "\"%s\": %s", key,
                          g_ascii_formatd (buffer, sizeof buffer, "%.3f", usec / 1000.0));
}

/* count, max, p50, p95, p99 and how many exceed @over_ms */
static void
append_stats (GString    *json,
              GArray     *samples,
              guint       over_ms)
{
  g_autoptr(GArray) sorted = g_array_copy (samples);
  guint n = sorted->len;
  guint over = 0;

  g_array_sort (sorted, compare_guint32);
  for (guint i = 0; i < n; i++)
    if (g_array_index (sorted, guint32, i) > over_ms * 1000)
      over++;

#define AT(q) (n ? g_array_index (sorted, guint32, MIN (n - 1, (guint) ((q) * n))) : 0)
  g_string_append_printf (json, "\"count\": %u, ", n);
  append_ms (json, "max_ms", n ? g_array_index (sorted, guint32, n - 1) : 0);
  g_string_append (json, ", ");
  append_ms (json, "p50_ms", AT (0.50));
  g_string_append (json, ", ");
  append_ms (json, "p95_ms", AT (0.95));
  g_string_append (json, ", ");
  append_ms (json, "p99_ms", AT (0.99));
  g_string_append_printf (json, ", \"over_%u_ms\": %u", over_ms, over);
#undef AT
}

static guint64
status_kb (const char *status,
           const char *field)
{
  const char *line = status ? strstr (status, field) : NULL;

  return line ? g_ascii_strtoull (line + strlen (field), NULL, 10) : 0;
}

static void
append_escaped (GString    *json,
                const char *text)
{
  g_string_append_c (json, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (json, "\\%c", *p);
      else if ((guchar) *p < 0x20)
        g_string_append_printf (json, "\\u%04x", (guchar) *p);
      else
        g_string_append_c (json, *p);
    }
  g_string_append_c (json, '"');
}

/**
 * pf_bench_probe_dump:
 *
 * Writes everything measured so far to the PF_BENCH_PROBE file, replacing
 * it. Also runs at exit.
 */
void
pf_bench_probe_dump (void)
{
  g_autoptr(GString) json = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;

  if (!probe.enabled)
    return;

  g_file_get_contents ("/proc/self/status", &status, NULL, NULL);
  json = g_string_new ("{\n");
  g_string_append_printf (json, "  \"pid\": %d,\n", (int) getpid ());
  g_string_append (json, "  ");
  append_ms (json, "init_ms", probe.exec_offset);
  g_string_append (json, ",\n  ");
  append_ms (json, "dump_ms", since_exec (g_get_monotonic_time ()));

  g_string_append (json, ",\n  \"marks\": [");
  for (guint i = 0; i < probe.marks->len; i++)
    {
      Mark *mark = &g_array_index (probe.marks, Mark, i);

      g_string_append (json, i ? ",\n    {\"event\": " : "\n    {\"event\": ");
      append_escaped (json, mark->event);
      g_string_append (json, ", ");
      append_ms (json, "ms", mark->since_exec);
      g_string_append (json, "}");
    }
  g_string_append (json, "\n  ],\n");

  append_pairs (json, "long_blocks", probe.long_blocks);
  append_pairs (json, "long_frames", probe.long_frames);
  g_string_append (json, "  \"slow_frames\": [");
  for (guint i = 0; i + 10 < probe.long_frame_parts->len; i += 11)
    g_string_append_printf (json, "%s{\"ended_ms\": %.1f, \"interval_ms\": %.1f, "
                            "\"idle_before_ms\": %.1f, \"layout_ms\": %.1f, "
                            "\"paint_ms\": %.1f, \"after_paint_ms\": %.1f, "
                            "\"cpu_ms\": %.1f, \"update_ms\": %.1f, "
                            "\"to_compute_size_ms\": %.1f, \"before_work_ms\": %.1f, "
                            "\"before_cpu_ms\": %.1f}", i ? ", " : "",
                            g_array_index (probe.long_frame_parts, gint64, i) / 1000.0,
                            g_array_index (probe.long_frame_parts, gint64, i + 1) / 1000.0,
                            g_array_index (probe.long_frame_parts, gint64, i + 2) / 1000.0,
                            g_array_index (probe.long_frame_parts, gint64, i + 3) / 1000.0,
                            g_array_index (probe.long_frame_parts, gint64, i + 4) / 1000.0,
                            g_array_index (probe.long_frame_parts, gint64, i + 5) / 1000.0,
                            g_array_index (probe.long_frame_parts, gint64, i + 6) / 1000.0,
                            g_array_index (probe.long_frame_parts, gint64, i + 7) / 1000.0,
                            g_array_index (probe.long_frame_parts, gint64, i + 8) / 1000.0,
                            g_array_index (probe.long_frame_parts, gint64, i + 9) / 1000.0,
                            g_array_index (probe.long_frame_parts, gint64, i + 10) / 1000.0);
  g_string_append (json, "],\n");
  g_string_append_printf (json, "  \"loop\": {\"interval_ms\": %d, ", LOOP_INTERVAL_MS);
  append_stats (json, probe.loop_gaps, 16);
  g_string_append (json, ", \"histogram\": [");
  for (guint i = 0; i < G_N_ELEMENTS (probe.histogram); i++)
    {
      if (i < G_N_ELEMENTS (histogram_bounds_ms))
        g_string_append_printf (json, "%s{\"below_ms\": %u, \"count\": %" G_GUINT64_FORMAT "}",
                                i ? ", " : "", histogram_bounds_ms[i], probe.histogram[i]);
      else
        g_string_append_printf (json, ", {\"below_ms\": null, \"count\": %" G_GUINT64_FORMAT "}",
                                probe.histogram[i]);
    }
  g_string_append (json, "]},\n  \"frames\": {");
  append_stats (json, probe.frame_intervals, 32);
  g_string_append (json, "},\n  \"scroll_frames\": {");
  append_stats (json, probe.scroll_intervals, 32);
  g_string_append (json, "},\n  \"scroll_work\": {");
  append_stats (json, probe.scroll_work, 16);
  g_string_append_printf (json, "},\n  \"peak_rss_kb\": %" G_GUINT64_FORMAT ",\n"
                          "  \"rss_kb\": %" G_GUINT64_FORMAT "\n}\n",
                          status_kb (status, "VmHWM:"), status_kb (status, "VmRSS:"));

  if (!g_file_set_contents (probe.path, json->str, json->len, &error))
    g_warning ("Cannot write %s: %s", probe.path, error->message);
}
