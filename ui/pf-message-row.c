/* pf-message-row.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-message-row"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pf-message-row.h"

/*
 * One row of the message list: sender, date, subject, a line of preview,
 * the unread dot, a star to click, attachment and answered icons and, in
 * the conversations view, how many messages the conversation has.
 *
 * A GtkListView of GTK 4.8 keeps 200 rows and, when the list is scrolled
 * far, binds all of them again in one frame. So the row is one widget
 * that draws its texts and icons itself instead of a dozen labels, images
 * and boxes: binding sets a few strings and asks for a redraw, never for
 * a new size (the height comes from the font alone). The list view maps
 * only the rows inside its view, so only those lay their text out, and
 * only those read their message when bound and follow its changes; the
 * others read it when mapped, or for their accessible label once the list
 * has come to rest (see mark_stale()).
 *
 * Fonts and colours come from the style: the row's font for sender and
 * subject (bold while unread), a smaller one for the date and preview,
 * the theme's foreground, accent and warning colours, dimmed where
 * libadwaita's dim-label would be.
 */

#define MARGIN_Y        4
#define MARGIN_X        2
#define SPACING         6
#define LINE_SPACING    2
#define DOT_SIZE        8
#define ICON_SIZE       16
#define STAR_PADDING    2
#define DIM_ALPHA       0.55
/* Caption text as libadwaita sizes it: 9 pt beside 11 pt body text */
#define CAPTION_SCALE   (9.0 / 11.0)
/* Longer texts are cut before they are laid out: the row shows one line */
#define MAX_TEXT_BYTES  400

typedef enum {
  TEXT_SENDER,
  TEXT_DATE,
  TEXT_COUNT,
  TEXT_SUBJECT,
  TEXT_PREVIEW,
  N_TEXTS
} Text;

struct _PfMessageRow
{
  GtkWidget         parent_instance;

  /* Owned */
  PfMessageSummary *summary;
  char             *texts[N_TEXTS];
  PangoLayout      *layouts[N_TEXTS];
  gulong            notify_handler;

  /* What is drawn where, from the last snapshot (row coordinates) */
  graphene_rect_t   star_rect;
  graphene_rect_t   attachment_rect;
  graphene_rect_t   answered_rect;

  guint             dirty : N_TEXTS;  /* layouts whose text changed */
  guint             stale : 1;        /* texts not read from the summary yet */
  guint             conversations : 1;
  guint             unread : 1;
  guint             flagged : 1;
  guint             attachment : 1;
  guint             answered : 1;
  guint             star_hover : 1;
  guint             star_pressed : 1;
};

G_DEFINE_FINAL_TYPE (PfMessageRow, pf_message_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SUMMARY,
  PROP_CONVERSATIONS,
  N_PROPS
};

enum {
  TOGGLE_FLAG,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The line heights for the font they were measured with: the same for
 * every row, worked out again when the font changes. */
static struct {
  PangoFontDescription *font;
  int                   body_height;
  int                   caption_height;
} metrics;

/* Translations looked up once: gettext for each of hundreds of rows
 * bound in one frame showed in profiles. */
static struct {
  gsize       initialized;
  const char *time_format;
  const char *weekday_format;
  const char *date_format;
  const char *label_format;
  const char *unread;
  const char *starred;
  const char *attachments;
  const char *answered;
  const char *no_subject;
  const char *unknown_sender;
} words;

static void
ensure_words (void)
{
  if (!g_once_init_enter (&words.initialized))
    return;
  /* Translators: the time of a message from today in the message list,
   * see the g_date_time_format() documentation (%l:%M %p for 12 hours) */
  words.time_format = C_("message list time", "%H:%M");
  /* Translators: the date of a message of the last six days: the weekday */
  words.weekday_format = C_("message list weekday", "%A");
  /* Translators: the date of an older message: the locale's date format */
  words.date_format = C_("message list date", "%x");
  /* Translators: what a screen reader says for a message row: sender,
   * subject and date, then the states below */
  words.label_format = _("%s, %s, %s");
  words.unread = _("unread");
  words.starred = _("starred");
  words.attachments = _("with attachments");
  words.answered = _("answered");
  words.no_subject = _("(no subject)");
  words.unknown_sender = _("(unknown sender)");
  g_once_init_leave (&words.initialized, 1);
}

/* The number of the day @unix_time falls on in @zone, counted from the
 * epoch's. */
static gint64
local_day (GTimeZone *zone,
           gint64     unix_time)
{
  int interval = g_time_zone_find_interval (zone, G_TIME_TYPE_UNIVERSAL, unix_time);
  gint64 local = unix_time + (interval >= 0 ? g_time_zone_get_offset (zone, interval) : 0);

  return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

/**
 * pf_message_row_format_date:
 * @unix_time: a date, in seconds since the epoch
 * @now: (nullable): the present, in local time (%NULL: now)
 *
 * The date as the list shows it: today the time, within the last week
 * the weekday, else the date, each as the user's language writes it.
 *
 * Returns: (transfer full): the text
 */
char *
pf_message_row_format_date (gint64     unix_time,
                            GDateTime *now)
{
  /* Rows are bound by the hundred while scrolling: the time zone and
   * "today" are worked out once a minute, not for each of them (GLib
   * 2.74 reads the zone file again for every "local" date when TZ is
   * not set), and a day before today is formatted once: its text is
   * the same for every message of that day. */
  static GTimeZone *cached_zone;
  static GDateTime *cached_today;
  static gint64 cached_today_day;
  static GHashTable *cached_days;  /* local day number → text */
  static gint64 cached_at;
  gint64 monotonic = g_get_monotonic_time ();
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GDateTime) today = NULL;
  g_autoptr(GDateTime) week_ago = NULL;
  gint64 day = 0;
  char *text;

  ensure_words ();
  if (cached_zone == NULL || monotonic - cached_at > 60 * G_USEC_PER_SEC)
    {
      g_autoptr(GDateTime) local_now = NULL;

      g_clear_pointer (&cached_zone, g_time_zone_unref);
      g_clear_pointer (&cached_today, g_date_time_unref);
      g_clear_pointer (&cached_days, g_hash_table_unref);
      cached_zone = g_time_zone_new_local ();
      local_now = g_date_time_new_now (cached_zone);
      cached_today = g_date_time_new (cached_zone, g_date_time_get_year (local_now),
                                      g_date_time_get_month (local_now),
                                      g_date_time_get_day_of_month (local_now), 0, 0, 0);
      cached_today_day = local_day (cached_zone, g_date_time_to_unix (cached_today));
      cached_days = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
      cached_at = monotonic;
    }

  if (unix_time <= 0)
    return g_strdup ("");

  if (now == NULL)
    {
      day = local_day (cached_zone, unix_time);
      if (day < cached_today_day && (text = g_hash_table_lookup (cached_days, &day)) != NULL)
        return g_strdup (text);
    }

  utc = g_date_time_new_from_unix_utc (unix_time);
  date = utc != NULL ? g_date_time_to_timezone (utc, cached_zone) : NULL;
  if (date == NULL)
    return g_strdup ("");

  if (now != NULL)
    today = g_date_time_new (cached_zone, g_date_time_get_year (now), g_date_time_get_month (now),
                             g_date_time_get_day_of_month (now), 0, 0, 0);
  else
    today = g_date_time_ref (cached_today);
  week_ago = g_date_time_add_days (today, -6);

  if (g_date_time_compare (date, today) >= 0 &&
      g_date_time_difference (date, today) < G_TIME_SPAN_DAY)
    return g_date_time_format (date, words.time_format);
  if (g_date_time_compare (date, week_ago) >= 0 && g_date_time_compare (date, today) < 0)
    text = g_date_time_format (date, words.weekday_format);
  else
    text = g_date_time_format (date, words.date_format);

  if (now == NULL && day < cached_today_day && text != NULL)
    {
      if (g_hash_table_size (cached_days) >= 4096)
        g_hash_table_remove_all (cached_days);
      g_hash_table_insert (cached_days, g_memdup2 (&day, sizeof day), g_strdup (text));
    }
  return text;
}

static const char *
sender_of (PfMessageSummary *summary)
{
  const char *from = pf_message_summary_get_from (summary);

  if (from == NULL || *from == '\0')
    from = pf_message_summary_get_from_address (summary);
  return from != NULL && *from != '\0' ? from : words.unknown_sender;
}

/* A copy of @text short enough to lay out on one line, cut at a
 * character boundary. */
static char *
dup_line (const char *text)
{
  gsize length = strlen (text);

  if (length > MAX_TEXT_BYTES)
    {
      const char *end = g_utf8_find_prev_char (text, text + MAX_TEXT_BYTES);

      length = end != NULL ? (gsize) (end - text) : 0;
    }
  return g_strndup (text, length);
}

static void
set_text (PfMessageRow *self,
          Text          which,
          const char   *text)
{
  if (g_strcmp0 (self->texts[which], text) == 0)
    return;
  g_free (self->texts[which]);
  self->texts[which] = dup_line (text);
  self->dirty |= 1u << which;
}

static void
update_accessible (PfMessageRow *self)
{
  guint count = pf_message_summary_get_thread_count (self->summary);
  g_autoptr(GString) accessible = g_string_new (NULL);

  g_string_printf (accessible, words.label_format, self->texts[TEXT_SENDER],
                   self->texts[TEXT_SUBJECT], self->texts[TEXT_DATE]);
  if (self->unread)
    g_string_append_printf (accessible, ", %s", words.unread);
  if (self->flagged)
    g_string_append_printf (accessible, ", %s", words.starred);
  if (self->attachment)
    g_string_append_printf (accessible, ", %s", words.attachments);
  if (self->answered)
    g_string_append_printf (accessible, ", %s", words.answered);
  if (self->conversations && count > 1)
    {
      g_autofree char *size = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message",
                                                            "%u messages", count), count);

      g_string_append_printf (accessible, ", %s", size);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible->str, -1);
}

/* Reads what the row shows from its message. Changes only what is drawn:
 * the row's size never depends on it. */
static void
update (PfMessageRow *self)
{
  PfMessageSummary *summary = self->summary;
  const char *subject = pf_message_summary_get_subject (summary);
  const char *preview = pf_message_summary_get_preview (summary);
  guint count = pf_message_summary_get_thread_count (summary);
  g_autofree char *date = pf_message_row_format_date (pf_message_summary_get_date (summary), NULL);
  char count_text[16];
  gboolean unread = pf_message_summary_get_is_unread (summary);

  ensure_words ();
  self->stale = FALSE;
  if (self->unread != unread)
    {
      /* The weight is part of the layouts' attributes */
      self->unread = unread;
      self->dirty |= (1u << TEXT_SENDER) | (1u << TEXT_SUBJECT);
    }
  self->flagged = pf_message_summary_get_is_flagged (summary);
  self->attachment = pf_message_summary_get_has_attachment (summary);
  self->answered = (pf_message_summary_get_flags (summary) & PF_STORE_FLAG_ANSWERED) != 0;

  g_snprintf (count_text, sizeof count_text, "%u", count);
  set_text (self, TEXT_SENDER, sender_of (summary));
  set_text (self, TEXT_DATE, date);
  set_text (self, TEXT_COUNT, self->conversations && count > 1 ? count_text : "");
  set_text (self, TEXT_SUBJECT, subject != NULL && *subject != '\0' ? subject : words.no_subject);
  set_text (self, TEXT_PREVIEW, preview != NULL ? preview : "");

  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_summary_notify_cb (PfMessageRow *self,
                      GParamSpec   *pspec,
                      GObject      *summary)
{
  update (self);
}

/* Rows off screen: read once the list has been at rest for a moment, so
 * that their accessible labels are right without costing anything while
 * the list scrolls by (a far scroll binds all 200 rows GTK keeps). */
#define SETTLE_MS 150

static struct {
  GHashTable *rows;         /* PfMessageRow (unowned; removed at dispose) */
  guint       source_id;
  gint64      last_change;  /* monotonic µs */
} settling;

static gboolean
settle_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();
  gint64 deadline = now + 4 * 1000;
  GHashTableIter iter;
  gpointer row;

  if (now - settling.last_change < SETTLE_MS * 1000)
    return G_SOURCE_CONTINUE;

  /* A few milliseconds at a time: a frame may be due */
  g_hash_table_iter_init (&iter, settling.rows);
  while (g_hash_table_iter_next (&iter, &row, NULL))
    {
      PfMessageRow *self = row;

      g_hash_table_iter_remove (&iter);
      if (self->stale && self->summary != NULL)
        update (self);
      if (g_get_monotonic_time () > deadline)
        return G_SOURCE_CONTINUE;
    }

  settling.source_id = 0;
  return G_SOURCE_REMOVE;
}

/* The row's texts no longer match its message: they are read when the
 * row is mapped, or once the list is at rest. */
static void
mark_stale (PfMessageRow *self)
{
  self->stale = TRUE;
  if (settling.rows == NULL)
    settling.rows = g_hash_table_new (NULL, NULL);
  g_hash_table_add (settling.rows, self);
  settling.last_change = g_get_monotonic_time ();
  if (settling.source_id == 0)
    {
      settling.source_id = g_timeout_add_full (G_PRIORITY_LOW, SETTLE_MS / 3, settle_cb,
                                               NULL, NULL);
      g_source_set_static_name (g_main_context_find_source_by_id (NULL, settling.source_id),
                                "[postfach] message rows settle");
    }
}

/* Follows the summary's changes while mapped */
static void
watch_summary (PfMessageRow *self,
               gboolean      watch)
{
  if (!watch || self->summary == NULL)
    {
      if (self->notify_handler != 0)
        g_clear_signal_handler (&self->notify_handler, self->summary);
      return;
    }
  if (self->notify_handler == 0)
    /* Disconnected when the row lets go of it: no closure watching */
    self->notify_handler = g_signal_connect_swapped (self->summary, "notify",
                                                     G_CALLBACK (on_summary_notify_cb), self);
}

/* The summary or how it is shown changed: read it now if seen, else later */
static void
refresh (PfMessageRow *self)
{
  if (self->summary == NULL)
    return;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    update (self);
  else
    mark_stale (self);
}

/* The texts are read from the summary (when it was bound off screen) */
static void
ensure_fresh (PfMessageRow *self)
{
  if (self->stale && self->summary != NULL)
    update (self);
}

static void
toggle_star (PfMessageRow *self)
{
  gboolean handled = FALSE;

  if (self->summary != NULL)
    g_signal_emit (self, signals[TOGGLE_FLAG], 0, self->summary, &handled);
}

static void
toggle_star_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  toggle_star (PF_MESSAGE_ROW (widget));
}

/* Sizes */

static PangoLayout *
new_layout (PfMessageRow *self,
            Text          which)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);

  pango_layout_set_single_paragraph_mode (layout, TRUE);
  pango_layout_set_ellipsize (layout, which == TEXT_DATE || which == TEXT_COUNT
                                      ? PANGO_ELLIPSIZE_NONE : PANGO_ELLIPSIZE_END);
  return layout;
}

static PangoAttrList *
attributes_for (PfMessageRow *self,
                Text          which)
{
  PangoAttrList *attributes = pango_attr_list_new ();

  if ((which == TEXT_SENDER || which == TEXT_SUBJECT) && self->unread)
    pango_attr_list_insert (attributes, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  if (which == TEXT_DATE || which == TEXT_COUNT || which == TEXT_PREVIEW)
    pango_attr_list_insert (attributes, pango_attr_scale_new (CAPTION_SCALE));
  if (which == TEXT_DATE || which == TEXT_COUNT)
    pango_attr_list_insert (attributes, pango_attr_font_features_new ("tnum"));
  return attributes;
}

/* The layout of a text, its text and attributes up to date. */
static PangoLayout *
get_layout (PfMessageRow *self,
            Text          which)
{
  if (self->layouts[which] == NULL)
    {
      self->layouts[which] = new_layout (self, which);
      self->dirty |= 1u << which;
    }
  if (self->dirty & (1u << which))
    {
      g_autoptr(PangoAttrList) attributes = attributes_for (self, which);

      pango_layout_set_text (self->layouts[which], self->texts[which] != NULL
                                                   ? self->texts[which] : "", -1);
      pango_layout_set_attributes (self->layouts[which], attributes);
      self->dirty &= ~(1u << which);
    }
  return self->layouts[which];
}

static void
ensure_metrics (PfMessageRow *self)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  const PangoFontDescription *font = pango_context_get_font_description (context);
  g_autoptr(PangoLayout) layout = NULL;
  g_autoptr(PangoAttrList) bold = NULL;
  g_autoptr(PangoAttrList) caption = NULL;
  int height;

  if (metrics.font != NULL && font != NULL && pango_font_description_equal (metrics.font, font))
    return;

  g_clear_pointer (&metrics.font, pango_font_description_free);
  metrics.font = font != NULL ? pango_font_description_copy (font)
                              : pango_font_description_new ();

  layout = pango_layout_new (context);
  /* Tall and deep letters of the scripts the user may get mail in */
  pango_layout_set_text (layout, "Ágjÿ", -1);
  pango_layout_get_pixel_size (layout, NULL, &metrics.body_height);
  bold = pango_attr_list_new ();
  pango_attr_list_insert (bold, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_layout_set_attributes (layout, bold);
  pango_layout_get_pixel_size (layout, NULL, &height);
  metrics.body_height = MAX (metrics.body_height, height);
  caption = pango_attr_list_new ();
  pango_attr_list_insert (caption, pango_attr_scale_new (CAPTION_SCALE));
  pango_layout_set_attributes (layout, caption);
  pango_layout_get_pixel_size (layout, NULL, &metrics.caption_height);
}

static int
subject_line_height (void)
{
  return MAX (metrics.body_height, ICON_SIZE + 2 * STAR_PADDING);
}

static void
pf_message_row_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* Room for a few letters of each text beside the date and star */
      *minimum = 200;
      *natural = 360;
      return;
    }

  ensure_metrics (PF_MESSAGE_ROW (widget));
  *minimum = *natural = 2 * MARGIN_Y + metrics.body_height + subject_line_height ()
                        + metrics.caption_height + 2 * LINE_SPACING;
}

/* Drawing */

static gboolean
lookup_color (GtkStyleContext *context,
              const char      *name,
              GdkRGBA         *color)
{
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  return gtk_style_context_lookup_color (context, name, color);
G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
append_icon (GtkSnapshot           *snapshot,
             GtkWidget             *widget,
             const char            *icon_name,
             const graphene_rect_t *rect,
             const GdkRGBA         *color)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (widget));
  g_autoptr(GtkIconPaintable) icon = NULL;
  GdkRGBA colors[4] = { *color, *color, *color, *color };

  icon = gtk_icon_theme_lookup_icon (theme, icon_name, NULL, ICON_SIZE,
                                     gtk_widget_get_scale_factor (widget),
                                     gtk_widget_get_direction (widget), 0);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &rect->origin);
  gtk_symbolic_paintable_snapshot_symbolic (GTK_SYMBOLIC_PAINTABLE (icon), snapshot,
                                            rect->size.width, rect->size.height,
                                            colors, G_N_ELEMENTS (colors));
  gtk_snapshot_restore (snapshot);
}

/* Lays @which out at most @width wide at (@x, @y); returns its width. */
static int
append_text (PfMessageRow  *self,
             GtkSnapshot   *snapshot,
             Text           which,
             int            x,
             int            y,
             int            width,
             const GdkRGBA *color)
{
  PangoLayout *layout = get_layout (self, which);
  int text_width;

  if (which != TEXT_DATE && which != TEXT_COUNT)
    pango_layout_set_width (layout, MAX (width, 0) * PANGO_SCALE);
  pango_layout_get_pixel_size (layout, &text_width, NULL);
  if (gtk_widget_get_direction (GTK_WIDGET (self)) == GTK_TEXT_DIR_RTL)
    x = gtk_widget_get_width (GTK_WIDGET (self)) - x - text_width;
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
  return text_width;
}

static int
text_width (PfMessageRow *self,
            Text          which)
{
  int width;

  if (self->texts[which] == NULL || *self->texts[which] == '\0')
    return 0;
  pango_layout_get_pixel_size (get_layout (self, which), &width, NULL);
  return width;
}

/* @rect mirrored for right-to-left text. */
static void
place (PfMessageRow    *self,
       graphene_rect_t *rect,
       float            x,
       float            y,
       float            width,
       float            height)
{
  if (gtk_widget_get_direction (GTK_WIDGET (self)) == GTK_TEXT_DIR_RTL)
    x = gtk_widget_get_width (GTK_WIDGET (self)) - x - width;
  graphene_rect_init (rect, x, y, width, height);
}

static void
pf_message_row_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  PfMessageRow *self = PF_MESSAGE_ROW (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  int width = gtk_widget_get_width (widget);
  int x = MARGIN_X + DOT_SIZE + SPACING;
  int right = width - MARGIN_X;
  int y = MARGIN_Y;
  int subject_height;
  GdkRGBA color, dim, accent, warning;

  if (self->summary == NULL)
    return;
  ensure_metrics (self);
  subject_height = subject_line_height ();
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (style, &color);
G_GNUC_END_IGNORE_DEPRECATIONS
  dim = color;
  dim.alpha *= DIM_ALPHA;
  if (!lookup_color (style, "accent_color", &accent))
    accent = color;
  if (!lookup_color (style, "warning_color", &warning))
    gdk_rgba_parse (&warning, "#e5a50a");

  /* The unread dot, beside the sender */
  if (self->unread)
    {
      graphene_rect_t dot;
      GskRoundedRect round;

      place (self, &dot, MARGIN_X, y + (metrics.body_height - DOT_SIZE) / 2, DOT_SIZE, DOT_SIZE);
      gsk_rounded_rect_init_from_rect (&round, &dot, DOT_SIZE / 2.0f);
      gtk_snapshot_push_rounded_clip (snapshot, &round);
      gtk_snapshot_append_color (snapshot, &accent, &dot);
      gtk_snapshot_pop (snapshot);
    }

  /* Sender … attachment, answered, conversation size, date */
  {
    int date_width = text_width (self, TEXT_DATE);
    int count_width = text_width (self, TEXT_COUNT);
    int end = right - date_width;
    int icon_y = y + (metrics.body_height - ICON_SIZE) / 2;

    append_text (self, snapshot, TEXT_DATE, end, y + (metrics.body_height
                                                      - metrics.caption_height) / 2,
                 date_width, &dim);
    if (count_width > 0)
      {
        int badge_width = count_width + 12;
        int badge_height = metrics.caption_height;
        graphene_rect_t badge;
        GskRoundedRect round;
        GdkRGBA shade = color;

        end -= SPACING + badge_width;
        place (self, &badge, end, y + (metrics.body_height - badge_height) / 2,
               badge_width, badge_height);
        shade.alpha *= 0.1;
        gsk_rounded_rect_init_from_rect (&round, &badge, badge_height / 2.0f);
        gtk_snapshot_push_rounded_clip (snapshot, &round);
        gtk_snapshot_append_color (snapshot, &shade, &badge);
        gtk_snapshot_pop (snapshot);
        append_text (self, snapshot, TEXT_COUNT, end + 6, y + (metrics.body_height
                                                               - badge_height) / 2,
                     count_width, &color);
      }
    graphene_rect_init (&self->answered_rect, 0, 0, 0, 0);
    graphene_rect_init (&self->attachment_rect, 0, 0, 0, 0);
    if (self->answered)
      {
        end -= SPACING + ICON_SIZE;
        place (self, &self->answered_rect, end, icon_y, ICON_SIZE, ICON_SIZE);
        append_icon (snapshot, widget, "mail-replied-symbolic", &self->answered_rect, &dim);
      }
    if (self->attachment)
      {
        end -= SPACING + ICON_SIZE;
        place (self, &self->attachment_rect, end, icon_y, ICON_SIZE, ICON_SIZE);
        append_icon (snapshot, widget, "mail-attachment-symbolic", &self->attachment_rect, &dim);
      }
    append_text (self, snapshot, TEXT_SENDER, x, y, end - SPACING - x, &color);
  }
  y += metrics.body_height + LINE_SPACING;

  /* Subject … star */
  {
    int star_size = ICON_SIZE + 2 * STAR_PADDING;
    graphene_rect_t icon;

    place (self, &self->star_rect, right - star_size, y + (subject_height - star_size) / 2,
           star_size, star_size);
    if (self->star_hover)
      {
        GskRoundedRect round;
        GdkRGBA shade = color;

        shade.alpha *= self->star_pressed ? 0.2 : 0.1;
        gsk_rounded_rect_init_from_rect (&round, &self->star_rect, star_size / 2.0f);
        gtk_snapshot_push_rounded_clip (snapshot, &round);
        gtk_snapshot_append_color (snapshot, &shade, &self->star_rect);
        gtk_snapshot_pop (snapshot);
      }
    graphene_rect_inset_r (&self->star_rect, STAR_PADDING, STAR_PADDING, &icon);
    append_icon (snapshot, widget, self->flagged ? "starred-symbolic" : "non-starred-symbolic",
                 &icon, self->flagged ? &warning : &dim);
    append_text (self, snapshot, TEXT_SUBJECT, x, y + (subject_height - metrics.body_height) / 2,
                 right - star_size - SPACING - x, &color);
  }
  y += subject_height + LINE_SPACING;

  /* Preview */
  if (self->texts[TEXT_PREVIEW] != NULL && *self->texts[TEXT_PREVIEW] != '\0')
    append_text (self, snapshot, TEXT_PREVIEW, x, y, right - x, &dim);
}

static void
pf_message_row_map (GtkWidget *widget)
{
  PfMessageRow *self = PF_MESSAGE_ROW (widget);

  GTK_WIDGET_CLASS (pf_message_row_parent_class)->map (widget);
  watch_summary (self, TRUE);
  ensure_fresh (self);
}

static void
pf_message_row_unmap (GtkWidget *widget)
{
  PfMessageRow *self = PF_MESSAGE_ROW (widget);

  /* Changes made while off screen are read when mapped again, or once
   * the list is at rest */
  if (self->notify_handler != 0)
    mark_stale (self);
  watch_summary (self, FALSE);
  GTK_WIDGET_CLASS (pf_message_row_parent_class)->unmap (widget);
}

static void
pf_message_row_direction_changed (GtkWidget        *widget,
                                  GtkTextDirection  previous_direction)
{
  gtk_widget_queue_draw (widget);
}

/* Pointer: the star is a button drawn by the row */

static gboolean
on_star (PfMessageRow *self,
         double        x,
         double        y)
{
  return graphene_rect_contains_point (&self->star_rect, &GRAPHENE_POINT_INIT (x, y));
}

static void
set_star_hover (PfMessageRow *self,
                gboolean      hover,
                gboolean      pressed)
{
  hover = !!hover;
  pressed = hover && pressed;
  if (self->star_hover == (guint) hover && self->star_pressed == (guint) pressed)
    return;
  self->star_hover = hover;
  self->star_pressed = pressed;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_motion_cb (GtkEventControllerMotion *controller,
              double                    x,
              double                    y,
              PfMessageRow             *self)
{
  set_star_hover (self, on_star (self, x, y), self->star_pressed);
}

static void
on_leave_cb (GtkEventControllerMotion *controller,
             PfMessageRow             *self)
{
  set_star_hover (self, FALSE, FALSE);
}

static void
on_pressed_cb (GtkGestureClick *gesture,
               int              n_press,
               double           x,
               double           y,
               PfMessageRow    *self)
{
  if (!on_star (self, x, y))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  /* The click is the star's, not the list's: it does not select */
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  set_star_hover (self, TRUE, TRUE);
}

static void
on_released_cb (GtkGestureClick *gesture,
                int              n_press,
                double           x,
                double           y,
                PfMessageRow    *self)
{
  gboolean inside = on_star (self, x, y);

  set_star_hover (self, inside, FALSE);
  if (inside)
    toggle_star (self);
}

/* Tooltips are asked for when shown: setting one with
 * gtk_widget_set_tooltip_text() makes GTK 4.8 query the pointer (a round
 * trip to the X server), too slow for the 200 rows a list creates. */
static gboolean
on_query_tooltip_cb (PfMessageRow *self,
                     int           x,
                     int           y,
                     gboolean      keyboard,
                     GtkTooltip   *tooltip)
{
  const graphene_point_t point = GRAPHENE_POINT_INIT (x, y);
  const graphene_rect_t *area = NULL;
  const char *text = NULL;

  if (keyboard || self->summary == NULL)
    return FALSE;
  if (graphene_rect_contains_point (&self->star_rect, &point))
    {
      area = &self->star_rect;
      text = self->flagged ? _("Remove Star") : _("Star");
    }
  else if (self->attachment && graphene_rect_contains_point (&self->attachment_rect, &point))
    {
      area = &self->attachment_rect;
      text = _("Has attachments");
    }
  else if (self->answered && graphene_rect_contains_point (&self->answered_rect, &point))
    {
      area = &self->answered_rect;
      text = _("Answered");
    }
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { area->origin.x, area->origin.y,
                                                       area->size.width, area->size.height });
  return TRUE;
}

/* API */

/**
 * pf_message_row_set_summary:
 * @self: a #PfMessageRow
 * @summary: (nullable): the message to show
 */
void
pf_message_row_set_summary (PfMessageRow     *self,
                            PfMessageSummary *summary)
{
  g_return_if_fail (PF_IS_MESSAGE_ROW (self));
  g_return_if_fail (summary == NULL || PF_IS_MESSAGE_SUMMARY (summary));

  if (self->summary == summary)
    return;

  watch_summary (self, FALSE);
  g_set_object (&self->summary, summary);
  if (summary == NULL)
    gtk_widget_queue_draw (GTK_WIDGET (self));
  watch_summary (self, gtk_widget_get_mapped (GTK_WIDGET (self)));
  refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUMMARY]);
}

/**
 * pf_message_row_get_summary:
 * @self: a #PfMessageRow
 *
 * Returns: (transfer none) (nullable): the message shown
 */
PfMessageSummary *
pf_message_row_get_summary (PfMessageRow *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_ROW (self), NULL);
  return self->summary;
}

/**
 * pf_message_row_set_conversations:
 * @self: a #PfMessageRow
 * @conversations: whether the row stands for a conversation (shows its
 *   size)
 */
void
pf_message_row_set_conversations (PfMessageRow *self,
                                  gboolean      conversations)
{
  g_return_if_fail (PF_IS_MESSAGE_ROW (self));

  conversations = !!conversations;
  if (self->conversations == (guint) conversations)
    return;
  self->conversations = conversations;
  refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATIONS]);
}

/**
 * pf_message_row_get_conversations:
 * @self: a #PfMessageRow
 *
 * Returns: whether the row shows a conversation's size
 */
gboolean
pf_message_row_get_conversations (PfMessageRow *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_ROW (self), FALSE);
  return self->conversations;
}

/**
 * pf_message_row_get_text:
 * @self: a #PfMessageRow
 * @part: which of its texts
 *
 * Returns: (nullable): the text the row shows as @part ("" when it shows
 *   nothing there), %NULL before it has a message
 */
const char *
pf_message_row_get_text (PfMessageRow     *self,
                         PfMessageRowPart  part)
{
  static const Text texts[] = {
    [PF_MESSAGE_ROW_SENDER] = TEXT_SENDER,
    [PF_MESSAGE_ROW_DATE] = TEXT_DATE,
    [PF_MESSAGE_ROW_COUNT] = TEXT_COUNT,
    [PF_MESSAGE_ROW_SUBJECT] = TEXT_SUBJECT,
    [PF_MESSAGE_ROW_PREVIEW] = TEXT_PREVIEW,
  };

  g_return_val_if_fail (PF_IS_MESSAGE_ROW (self), NULL);
  g_return_val_if_fail ((guint) part < G_N_ELEMENTS (texts), NULL);
  ensure_fresh (self);
  return self->summary != NULL ? self->texts[texts[part]] : NULL;
}

/**
 * pf_message_row_get_emblems:
 * @self: a #PfMessageRow
 *
 * Returns: what the row marks the message with: bold text and the
 *   unread dot, the filled star, the attachment and answered icons
 */
PfMessageRowEmblems
pf_message_row_get_emblems (PfMessageRow *self)
{
  PfMessageRowEmblems emblems = 0;

  g_return_val_if_fail (PF_IS_MESSAGE_ROW (self), 0);
  if (self->summary == NULL)
    return 0;
  ensure_fresh (self);
  if (self->unread)
    emblems |= PF_MESSAGE_ROW_UNREAD;
  if (self->flagged)
    emblems |= PF_MESSAGE_ROW_STARRED;
  if (self->attachment)
    emblems |= PF_MESSAGE_ROW_ATTACHMENT;
  if (self->answered)
    emblems |= PF_MESSAGE_ROW_ANSWERED;
  return emblems;
}

/**
 * pf_message_row_new:
 *
 * Returns: (transfer full): a new row
 */
PfMessageRow *
pf_message_row_new (void)
{
  return g_object_new (PF_TYPE_MESSAGE_ROW, NULL);
}

static void
pf_message_row_dispose (GObject *object)
{
  PfMessageRow *self = PF_MESSAGE_ROW (object);

  watch_summary (self, FALSE);
  if (settling.rows != NULL)
    g_hash_table_remove (settling.rows, self);
  g_clear_object (&self->summary);
  for (guint i = 0; i < N_TEXTS; i++)
    {
      g_clear_object (&self->layouts[i]);
      g_clear_pointer (&self->texts[i], g_free);
    }

  G_OBJECT_CLASS (pf_message_row_parent_class)->dispose (object);
}

static void
pf_message_row_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  PfMessageRow *self = PF_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_SUMMARY:
      g_value_set_object (value, self->summary);
      break;
    case PROP_CONVERSATIONS:
      g_value_set_boolean (value, self->conversations);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_message_row_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  PfMessageRow *self = PF_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_SUMMARY:
      pf_message_row_set_summary (self, g_value_get_object (value));
      break;
    case PROP_CONVERSATIONS:
      pf_message_row_set_conversations (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_message_row_class_init (PfMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pf_message_row_dispose;
  object_class->get_property = pf_message_row_get_property;
  object_class->set_property = pf_message_row_set_property;

  widget_class->measure = pf_message_row_measure;
  widget_class->snapshot = pf_message_row_snapshot;
  widget_class->map = pf_message_row_map;
  widget_class->unmap = pf_message_row_unmap;
  widget_class->direction_changed = pf_message_row_direction_changed;

  properties[PROP_SUMMARY] =
    g_param_spec_object ("summary", NULL, NULL, PF_TYPE_MESSAGE_SUMMARY,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONVERSATIONS] =
    g_param_spec_boolean ("conversations", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PfMessageRow::toggle-flag:
   * @self: the row
   * @summary: its message
   *
   * The star was clicked (or `row.toggle-star` activated).
   *
   * Returns: %TRUE when handled
   */
  signals[TOGGLE_FLAG] =
    g_signal_new ("toggle-flag", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, PF_TYPE_MESSAGE_SUMMARY);

  /**
   * PfMessageRow|row.toggle-star:
   *
   * What a click on the star does.
   */
  gtk_widget_class_install_action (widget_class, "row.toggle-star", NULL, toggle_star_action);

  gtk_widget_class_set_css_name (widget_class, "pf-message-row");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_message_row_init (PfMessageRow *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  g_signal_connect (motion, "motion", G_CALLBACK (on_motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed_cb), self);
  g_signal_connect (click, "released", G_CALLBACK (on_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip_cb), NULL);
}
