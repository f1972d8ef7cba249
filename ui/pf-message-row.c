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
  g_autoptr(GDateTime) local_now = NULL;
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GDateTime) today = NULL;
  g_autoptr(GDateTime) week_ago = NULL;

  if (now == NULL)
    now = local_now = g_date_time_new_now_local ();
  date = g_date_time_new_from_unix_local (unix_time);
  if (date == NULL || unix_time <= 0)
    return g_strdup ("");

  today = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                 g_date_time_get_day_of_month (now), 0, 0, 0);
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
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->star_button),
                               flagged ? _("Remove Star") : _("Star"));
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

static void
pf_message_row_dispose (GObject *object)
{
  PfMessageRow *self = PF_MESSAGE_ROW (object);
  GtkWidget *child;

  if (self->summary != NULL)
    g_clear_signal_handler (&self->notify_handler, self->summary);
  g_clear_object (&self->summary);
  gtk_widget_dispose_template (GTK_WIDGET (self), PF_TYPE_MESSAGE_ROW);
  /* The box around the template children has no id of its own */
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

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/pf-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, PfMessageRow, unread_dot);
  gtk_widget_class_bind_template_child (widget_class, PfMessageRow, sender_label);
  gtk_widget_class_bind_template_child (widget_class, PfMessageRow, attachment_icon);
  gtk_widget_class_bind_template_child (widget_class, PfMessageRow, answered_icon);
  gtk_widget_class_bind_template_child (widget_class, PfMessageRow, count_label);
  gtk_widget_class_bind_template_child (widget_class, PfMessageRow, date_label);
  gtk_widget_class_bind_template_child (widget_class, PfMessageRow, subject_label);
  gtk_widget_class_bind_template_child (widget_class, PfMessageRow, star_button);
  gtk_widget_class_bind_template_child (widget_class, PfMessageRow, preview_label);
  gtk_widget_class_bind_template_callback (widget_class, on_star_clicked_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_message_row_init (PfMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
