/* pf-message-row.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-message-row"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-message-row.h"

/*
 * One row of the message list: sender, date, subject, a line of preview,
 * the unread dot, a star to click, attachment and answered icons and, in
 * the conversations view, how many messages the conversation has.
 *
 * The list view keeps a screenful of these and rebinds them while
 * scrolling, so binding only sets texts and visibility; the summary's
 * flags change in place and are followed with one notify handler.
 */

struct _PfMessageRow
{
  GtkWidget         parent_instance;

  /* Owned */
  PfMessageSummary *summary;
  gulong            notify_handler;
  gboolean          conversations;

  /* Template children */
  GtkImage         *unread_dot;
  GtkLabel         *sender_label;
  GtkImage         *attachment_icon;
  GtkImage         *answered_icon;
  GtkLabel         *count_label;
  GtkLabel         *date_label;
  GtkLabel         *subject_label;
  GtkButton        *star_button;
  GtkLabel         *preview_label;
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
  /* Rows are bound by the hundred while scrolling: "today" is worked out
   * once a minute, not for each of them. */
  static GDateTime *cached_today;
  static gint64 cached_at;
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GDateTime) today = NULL;
  g_autoptr(GDateTime) week_ago = NULL;

  date = g_date_time_new_from_unix_local (unix_time);
  if (date == NULL || unix_time <= 0)
    return g_strdup ("");

  if (now != NULL)
    today = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                   g_date_time_get_day_of_month (now), 0, 0, 0);
  else
    {
      gint64 monotonic = g_get_monotonic_time ();

      if (cached_today == NULL || monotonic - cached_at > 60 * G_USEC_PER_SEC)
        {
          g_autoptr(GDateTime) local_now = g_date_time_new_now_local ();

          g_clear_pointer (&cached_today, g_date_time_unref);
          cached_today = g_date_time_new_local (g_date_time_get_year (local_now),
                                                g_date_time_get_month (local_now),
                                                g_date_time_get_day_of_month (local_now),
                                                0, 0, 0);
          cached_at = monotonic;
        }
      today = g_date_time_ref (cached_today);
    }
  week_ago = g_date_time_add_days (today, -6);

  if (g_date_time_compare (date, today) >= 0 &&
      g_date_time_difference (date, today) < G_TIME_SPAN_DAY)
    /* Translators: the time of a message from today in the message list,
     * see the g_date_time_format() documentation (%l:%M %p for 12 hours) */
    return g_date_time_format (date, C_("message list time", "%H:%M"));
  if (g_date_time_compare (date, week_ago) >= 0 && g_date_time_compare (date, today) < 0)
    /* Translators: the date of a message of the last six days: the weekday */
    return g_date_time_format (date, C_("message list weekday", "%A"));
  /* Translators: the date of an older message: the locale's date format */
  return g_date_time_format (date, C_("message list date", "%x"));
}

static const char *
sender_of (PfMessageSummary *summary)
{
  const char *from = pf_message_summary_get_from (summary);

  if (from == NULL || *from == '\0')
    from = pf_message_summary_get_from_address (summary);
  return from != NULL && *from != '\0' ? from : _("(unknown sender)");
}

/* The parts that follow the flags and the conversation's size. */
static void
update_state (PfMessageRow *self)
{
  PfMessageSummary *summary = self->summary;
  PfStoreFlags flags = pf_message_summary_get_flags (summary);
  gboolean unread = pf_message_summary_get_is_unread (summary);
  gboolean flagged = pf_message_summary_get_is_flagged (summary);
  guint count = pf_message_summary_get_thread_count (summary);
  g_autofree char *count_text = NULL;
  g_autoptr(GString) accessible = g_string_new (NULL);

  gtk_widget_set_opacity (GTK_WIDGET (self->unread_dot), unread ? 1.0 : 0.0);
  if (unread)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->sender_label), "heading");
      gtk_widget_add_css_class (GTK_WIDGET (self->subject_label), "heading");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->sender_label), "heading");
      gtk_widget_remove_css_class (GTK_WIDGET (self->subject_label), "heading");
    }

  gtk_button_set_icon_name (self->star_button, flagged ? "starred-symbolic"
                                                       : "non-starred-symbolic");
  if (flagged)
    gtk_widget_add_css_class (GTK_WIDGET (self->star_button), "pf-starred");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->star_button), "pf-starred");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->star_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  flagged ? _("Remove Star") : _("Star"), -1);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->star_button),
                               GTK_ACCESSIBLE_STATE_PRESSED, flagged ? GTK_ACCESSIBLE_TRISTATE_TRUE
                                                                     : GTK_ACCESSIBLE_TRISTATE_FALSE,
                               -1);

  gtk_widget_set_visible (GTK_WIDGET (self->attachment_icon),
                          pf_message_summary_get_has_attachment (summary));
  gtk_widget_set_visible (GTK_WIDGET (self->answered_icon), (flags & PF_STORE_FLAG_ANSWERED) != 0);

  count_text = g_strdup_printf ("%u", count);
  gtk_label_set_label (self->count_label, count_text);
  gtk_widget_set_visible (GTK_WIDGET (self->count_label), self->conversations && count > 1);

  /* Translators: what a screen reader says for a message row: sender,
   * subject and date, then the states below */
  g_string_printf (accessible, _("%s, %s, %s"), gtk_label_get_label (self->sender_label),
                   gtk_label_get_label (self->subject_label),
                   gtk_label_get_label (self->date_label));
  if (unread)
    g_string_append_printf (accessible, ", %s", _("unread"));
  if (flagged)
    g_string_append_printf (accessible, ", %s", _("starred"));
  if (pf_message_summary_get_has_attachment (summary))
    g_string_append_printf (accessible, ", %s", _("with attachments"));
  if ((flags & PF_STORE_FLAG_ANSWERED) != 0)
    g_string_append_printf (accessible, ", %s", _("answered"));
  if (self->conversations && count > 1)
    {
      g_autofree char *size = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message",
                                                            "%u messages", count), count);

      g_string_append_printf (accessible, ", %s", size);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible->str, -1);
}

static void
update_texts (PfMessageRow *self)
{
  PfMessageSummary *summary = self->summary;
  const char *subject = pf_message_summary_get_subject (summary);
  const char *preview = pf_message_summary_get_preview (summary);
  g_autofree char *date = pf_message_row_format_date (pf_message_summary_get_date (summary), NULL);

  gtk_label_set_label (self->sender_label, sender_of (summary));
  gtk_label_set_label (self->subject_label, subject != NULL && *subject != '\0'
                                            ? subject : _("(no subject)"));
  gtk_label_set_label (self->date_label, date);
  gtk_label_set_label (self->preview_label, preview != NULL ? preview : "");
  gtk_widget_set_visible (GTK_WIDGET (self->preview_label), preview != NULL && *preview != '\0');
}

static void
on_summary_notify_cb (PfMessageRow *self,
                      GParamSpec   *pspec,
                      GObject      *summary)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "flags") || g_str_equal (name, "is-unread") ||
      g_str_equal (name, "is-flagged") || g_str_equal (name, "thread-count") ||
      g_str_equal (name, "has-attachment"))
    update_state (self);
  else
    {
      update_texts (self);
      update_state (self);
    }
}

static void
on_star_clicked_cb (PfMessageRow *self)
{
  gboolean handled = FALSE;

  if (self->summary != NULL)
    g_signal_emit (self, signals[TOGGLE_FLAG], 0, self->summary, &handled);
}

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

  if (self->summary != NULL)
    g_clear_signal_handler (&self->notify_handler, self->summary);
  g_set_object (&self->summary, summary);
  if (summary != NULL)
    {
      self->notify_handler = g_signal_connect_object (summary, "notify",
                                                      G_CALLBACK (on_summary_notify_cb), self,
                                                      G_CONNECT_SWAPPED);
      update_texts (self);
      update_state (self);
    }
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
  if (self->conversations == conversations)
    return;
  self->conversations = conversations;
  if (self->summary != NULL)
    update_state (self);
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
 * pf_message_row_new:
 *
 * Returns: (transfer full): a new row
 */
PfMessageRow *
pf_message_row_new (void)
{
  return g_object_new (PF_TYPE_MESSAGE_ROW, NULL);
}

/* Tooltips are asked for when shown: setting one with
 * gtk_widget_set_tooltip_text() makes GTK 4.8 query the pointer (a round
 * trip to the X server), too slow for the 200 rows a list creates. */
static gboolean
on_query_tooltip_cb (PfMessageRow *self,
                     int           x,
                     int           y,
                     gboolean      keyboard,
                     GtkTooltip   *tooltip,
                     GtkWidget    *widget)
{
  const char *text = NULL;

  if (widget == GTK_WIDGET (self->attachment_icon))
    text = _("Has attachments");
  else if (widget == GTK_WIDGET (self->answered_icon))
    text = _("Answered");
  else if (widget == GTK_WIDGET (self->star_button))
    text = self->summary != NULL && pf_message_summary_get_is_flagged (self->summary) ?
           _("Remove Star") : _("Star");
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
pf_message_row_dispose (GObject *object)
{
  PfMessageRow *self = PF_MESSAGE_ROW (object);
  GtkWidget *child;

  if (self->summary != NULL)
    g_clear_signal_handler (&self->notify_handler, self->summary);
  g_clear_object (&self->summary);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

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
   * The star was clicked.
   *
   * Returns: %TRUE when handled
   */
  signals[TOGGLE_FLAG] =
    g_signal_new ("toggle-flag", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 1, PF_TYPE_MESSAGE_SUMMARY);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static GtkWidget *
new_label (gboolean    expand,
           const char *class1,
           const char *class2)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  if (expand)
    {
      gtk_widget_set_hexpand (label, TRUE);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
    }
  if (class1 != NULL)
    gtk_widget_add_css_class (label, class1);
  if (class2 != NULL)
    gtk_widget_add_css_class (label, class2);
  return label;
}

static GtkWidget *
new_icon (PfMessageRow *self,
          const char   *icon_name)
{
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);

  gtk_widget_add_css_class (icon, "dim-label");
  gtk_widget_set_has_tooltip (icon, TRUE);
  g_signal_connect_swapped (icon, "query-tooltip", G_CALLBACK (on_query_tooltip_cb), self);
  return icon;
}

/* Built in code, not from a template: a list creates up to 200 rows at
 * once, and GtkBuilder would parse the same XML for each of them. */
static void
pf_message_row_init (PfMessageRow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *middle = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *dot = g_object_new (GTK_TYPE_IMAGE,
                                 "icon-name", "media-record-symbolic",
                                 "pixel-size", 8,
                                 "valign", GTK_ALIGN_START,
                                 "margin-top", 6,
                                 "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                 NULL);
  GtkWidget *star = gtk_button_new_from_icon_name ("non-starred-symbolic");

  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_widget_set_margin_start (box, 2);
  gtk_widget_set_margin_end (box, 2);
  gtk_widget_add_css_class (dot, "pf-unread-dot");
  gtk_widget_set_hexpand (column, TRUE);

  self->unread_dot = GTK_IMAGE (dot);
  self->sender_label = GTK_LABEL (new_label (TRUE, NULL, NULL));
  self->attachment_icon = GTK_IMAGE (new_icon (self, "mail-attachment-symbolic"));
  self->answered_icon = GTK_IMAGE (new_icon (self, "mail-replied-symbolic"));
  self->count_label = GTK_LABEL (new_label (FALSE, "pf-thread-count", "numeric"));
  gtk_widget_add_css_class (GTK_WIDGET (self->count_label), "caption");
  gtk_widget_set_valign (GTK_WIDGET (self->count_label), GTK_ALIGN_CENTER);
  self->date_label = GTK_LABEL (new_label (FALSE, "dim-label", "numeric"));
  gtk_widget_add_css_class (GTK_WIDGET (self->date_label), "caption");
  self->subject_label = GTK_LABEL (new_label (TRUE, NULL, NULL));
  self->preview_label = GTK_LABEL (new_label (TRUE, "dim-label", "caption"));
  gtk_widget_set_hexpand (GTK_WIDGET (self->preview_label), FALSE);

  self->star_button = GTK_BUTTON (star);
  gtk_widget_set_valign (star, GTK_ALIGN_CENTER);
  gtk_widget_set_focus_on_click (star, FALSE);
  gtk_widget_add_css_class (star, "flat");
  gtk_widget_add_css_class (star, "circular");
  gtk_widget_add_css_class (star, "pf-star");
  gtk_widget_set_has_tooltip (star, TRUE);
  g_signal_connect_swapped (star, "query-tooltip", G_CALLBACK (on_query_tooltip_cb), self);
  g_signal_connect_swapped (star, "clicked", G_CALLBACK (on_star_clicked_cb), self);

  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->sender_label));
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->attachment_icon));
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->answered_icon));
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->count_label));
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->date_label));
  gtk_box_append (GTK_BOX (middle), GTK_WIDGET (self->subject_label));
  gtk_box_append (GTK_BOX (middle), star);
  gtk_box_append (GTK_BOX (column), top);
  gtk_box_append (GTK_BOX (column), middle);
  gtk_box_append (GTK_BOX (column), GTK_WIDGET (self->preview_label));
  gtk_box_append (GTK_BOX (box), dot);
  gtk_box_append (GTK_BOX (box), column);
  gtk_widget_set_parent (box, GTK_WIDGET (self));
}
