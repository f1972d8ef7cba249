/* pf-message-header.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-preview-pane"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-message-header.h"

/*
 * The header fields of the shown message: subject, sender, recipients,
 * date. Each address is a button with a menu: copy it, or write to it
 * (win.compose-to, which the window provides). First filled from the
 * message list's summary, then from the parsed header.
 */

struct _PfMessageHeader
{
  GtkWidget   parent_instance;

  /* Owned: the full recipient lists, PfMimeAddress */
  GPtrArray  *to;
  GPtrArray  *cc;

  /* Template children */
  GtkWidget  *box;
  GtkLabel   *subject_label;
  GtkBox     *from_box;
  GtkWidget  *to_title;
  GtkFlowBox *to_box;
  GtkWidget  *cc_title;
  GtkFlowBox *cc_box;
  GtkLabel   *date_label;
};

G_DEFINE_FINAL_TYPE (PfMessageHeader, pf_message_header, GTK_TYPE_WIDGET)

static GPtrArray *
copy_addresses (GPtrArray *addresses)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_mime_address_free);
  guint i;

  for (i = 0; addresses != NULL && i < addresses->len; i++)
    g_ptr_array_add (copy, pf_mime_address_copy (g_ptr_array_index (addresses, i)));
  return copy;
}

static GtkWidget *
address_button_new (const PfMimeAddress *address)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenuItem) item = NULL;
  g_autofree char *display = pf_mime_address_to_display (address);
  gboolean has_name = address->name != NULL && address->name[0] != '\0';
  GtkWidget *button = gtk_menu_button_new ();
  GtkWidget *label = gtk_label_new (has_name ? address->name : address->address);

  item = g_menu_item_new (_("_Copy Address"), NULL);
  g_menu_item_set_action_and_target (item, "header.copy-address", "s", address->address);
  g_menu_append_item (menu, item);
  g_clear_object (&item);
  item = g_menu_item_new (_("_Write To…"), NULL);
  g_menu_item_set_action_and_target (item, "win.compose-to", "s", address->address);
  g_menu_append_item (menu, item);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_menu_button_set_child (GTK_MENU_BUTTON (button), label);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "pf-address");
  gtk_widget_set_tooltip_text (button, display);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  display, -1);
  g_object_set_data_full (G_OBJECT (button), "pf-address", g_strdup (address->address), g_free);

  return button;
}

static void
clear_box (GtkWidget *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (box)) != NULL)
    {
      if (GTK_IS_FLOW_BOX (box))
        gtk_flow_box_remove (GTK_FLOW_BOX (box), child);
      else
        gtk_box_remove (GTK_BOX (box), child);
    }
}

static void
flow_box_add (GtkFlowBox *box,
              GtkWidget  *widget)
{
  gtk_flow_box_append (box, widget);
  /* The button inside takes the focus; the flow box child need not. */
  gtk_widget_set_focusable (gtk_widget_get_parent (widget), FALSE);
}

static void
fill_recipients (PfMessageHeader *self,
                 GtkFlowBox      *box,
                 GtkWidget       *title,
                 GPtrArray       *addresses,
                 const char      *field,
                 gboolean         all)
{
  guint n = addresses->len;
  guint shown = n;
  guint i;

  clear_box (GTK_WIDGET (box));
  gtk_widget_set_visible (GTK_WIDGET (box), n > 0);
  gtk_widget_set_visible (title, n > 0);

  if (!all && n > PF_MESSAGE_HEADER_MAX_RECIPIENTS)
    shown = PF_MESSAGE_HEADER_MAX_RECIPIENTS - 1;

  for (i = 0; i < shown; i++)
    flow_box_add (box, address_button_new (g_ptr_array_index (addresses, i)));

  if (shown < n)
    {
      g_autofree char *label = NULL;
      GtkWidget *more;

      /* Translators: after the first few recipients of a message */
      label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "and %u more", "and %u more",
                                            n - shown), n - shown);
      more = gtk_button_new_with_label (label);
      gtk_widget_add_css_class (more, "flat");
      gtk_widget_add_css_class (more, "pf-address");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (more), "header.show-all-recipients");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (more), "s", field);
      g_object_set_data (G_OBJECT (more), "pf-more", GINT_TO_POINTER (TRUE));
      flow_box_add (box, more);
    }
}

static void
set_from (PfMessageHeader *self,
          const char      *name,
          const char      *address)
{
  clear_box (GTK_WIDGET (self->from_box));

  if (address == NULL || address[0] == '\0')
    {
      GtkWidget *label = gtk_label_new (name);

      gtk_widget_set_margin_start (label, 10);
      gtk_box_append (self->from_box, label);
      return;
    }

  {
    g_autoptr(PfMimeAddress) from = pf_mime_address_new (name, address);
    GtkWidget *button = address_button_new (from);

    gtk_box_append (self->from_box, button);
    if (from->name != NULL && from->name[0] != '\0')
      {
        GtkWidget *label = gtk_label_new (address);

        gtk_label_set_selectable (GTK_LABEL (label), TRUE);
        gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
        gtk_widget_add_css_class (label, "dim-label");
        gtk_box_append (self->from_box, label);
      }
  }
}

static void
set_date (PfMessageHeader *self,
          GDateTime       *date)
{
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *text = NULL;

  if (date != NULL)
    {
      local = g_date_time_to_local (date);
      /* Translators: the full date and time of a message, in
       * g_date_time_format() notation, e.g. "Tuesday, 14 November 2023, 10:00" */
      text = g_date_time_format (local, _("%A, %-d %B %Y, %H:%M"));
    }
  gtk_label_set_text (self->date_label, text != NULL ? text : "");
}

static void
set_subject (PfMessageHeader *self,
             const char      *subject)
{
  if (subject == NULL || subject[0] == '\0')
    gtk_label_set_text (self->subject_label, _("(No Subject)"));
  else
    gtk_label_set_text (self->subject_label, subject);
}

/**
 * pf_message_header_set_summary:
 * @self: a #PfMessageHeader
 * @summary: (nullable): the message's row of the message list
 *
 * Shows what the message list knows, until the parsed header is there.
 */
void
pf_message_header_set_summary (PfMessageHeader  *self,
                               PfMessageSummary *summary)
{
  g_autoptr(GDateTime) date = NULL;

  g_return_if_fail (PF_IS_MESSAGE_HEADER (self));
  g_return_if_fail (summary == NULL || PF_IS_MESSAGE_SUMMARY (summary));

  g_clear_pointer (&self->to, g_ptr_array_unref);
  g_clear_pointer (&self->cc, g_ptr_array_unref);

  if (summary == NULL)
    {
      self->to = copy_addresses (NULL);
      self->cc = copy_addresses (NULL);
      set_subject (self, NULL);
      set_from (self, NULL, NULL);
      set_date (self, NULL);
    }
  else
    {
      const char *to = pf_message_summary_get_to (summary);

      self->to = to != NULL ? pf_mime_address_list_parse (to) : copy_addresses (NULL);
      self->cc = copy_addresses (NULL);
      set_subject (self, pf_message_summary_get_subject (summary));
      set_from (self, pf_message_summary_get_from (summary),
                pf_message_summary_get_from_address (summary));
      if (pf_message_summary_get_date (summary) > 0)
        date = g_date_time_new_from_unix_utc (pf_message_summary_get_date (summary));
      set_date (self, date);
    }

  fill_recipients (self, self->to_box, self->to_title, self->to, "to", FALSE);
  fill_recipients (self, self->cc_box, self->cc_title, self->cc, "cc", FALSE);
}

/**
 * pf_message_header_set_headers:
 * @self: a #PfMessageHeader
 * @headers: the decoded header of the parsed message
 *
 * Shows the message's own header fields.
 */
void
pf_message_header_set_headers (PfMessageHeader     *self,
                               const PfMimeHeaders *headers)
{
  const PfMimeAddress *from = NULL;

  g_return_if_fail (PF_IS_MESSAGE_HEADER (self));
  g_return_if_fail (headers != NULL);

  g_clear_pointer (&self->to, g_ptr_array_unref);
  g_clear_pointer (&self->cc, g_ptr_array_unref);
  self->to = copy_addresses (headers->to);
  self->cc = copy_addresses (headers->cc);

  if (headers->from != NULL && headers->from->len > 0)
    from = g_ptr_array_index (headers->from, 0);

  set_subject (self, headers->subject);
  set_from (self, from != NULL ? from->name : NULL, from != NULL ? from->address : NULL);
  set_date (self, headers->date);
  fill_recipients (self, self->to_box, self->to_title, self->to, "to", FALSE);
  fill_recipients (self, self->cc_box, self->cc_title, self->cc, "cc", FALSE);
}

static void
append_widget_text (GString   *out,
                    GtkWidget *widget)
{
  const char *address = g_object_get_data (G_OBJECT (widget), "pf-address");
  const char *label = NULL;

  if (GTK_IS_MENU_BUTTON (widget))
    label = gtk_label_get_text (GTK_LABEL (gtk_menu_button_get_child (GTK_MENU_BUTTON (widget))));
  else if (GTK_IS_BUTTON (widget))
    label = gtk_button_get_label (GTK_BUTTON (widget));
  else if (GTK_IS_LABEL (widget))
    label = gtk_label_get_text (GTK_LABEL (widget));
  if (label == NULL)
    return;

  if (out->len > 0)
    g_string_append (out, ", ");
  if (address != NULL && g_strcmp0 (label, address) != 0)
    g_string_append_printf (out, "%s <%s>", label, address);
  else
    g_string_append (out, label);
}

/**
 * pf_message_header_dup_field_text:
 * @self: a #PfMessageHeader
 * @field: "subject", "from", "to", "cc" or "date"
 *
 * What a field shows, as text: addresses as "Name <address>" joined with
 * ", ", then the button for the rest of a long list. For tests.
 *
 * Returns: (transfer full): the text, "" for a field that is hidden
 */
char *
pf_message_header_dup_field_text (PfMessageHeader *self,
                                  const char      *field)
{
  g_autoptr(GString) out = g_string_new (NULL);
  GtkWidget *container = NULL;
  GtkWidget *child;

  g_return_val_if_fail (PF_IS_MESSAGE_HEADER (self), NULL);

  if (g_str_equal (field, "subject"))
    return g_strdup (gtk_label_get_text (self->subject_label));
  if (g_str_equal (field, "date"))
    return g_strdup (gtk_label_get_text (self->date_label));
  if (g_str_equal (field, "to"))
    container = GTK_WIDGET (self->to_box);
  else if (g_str_equal (field, "cc"))
    container = GTK_WIDGET (self->cc_box);
  else if (g_str_equal (field, "from"))
    container = GTK_WIDGET (self->from_box);
  g_return_val_if_fail (container != NULL, NULL);

  if (!gtk_widget_get_visible (container))
    return g_strdup ("");

  if (GTK_IS_FLOW_BOX (container))
    for (child = gtk_widget_get_first_child (container); child != NULL;
         child = gtk_widget_get_next_sibling (child))
      append_widget_text (out, gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child)));
  else
    {
      child = gtk_widget_get_first_child (container);
      if (child != NULL && gtk_widget_get_next_sibling (child) != NULL)
        {
          /* Name button and address label */
          GtkWidget *name = gtk_menu_button_get_child (GTK_MENU_BUTTON (child));
          GtkWidget *address = gtk_widget_get_next_sibling (child);

          g_string_append_printf (out, "%s <%s>", gtk_label_get_text (GTK_LABEL (name)),
                                  gtk_label_get_text (GTK_LABEL (address)));
        }
      else if (child != NULL)
        append_widget_text (out, child);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Actions */

static void
copy_address_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          g_variant_get_string (parameter, NULL));
}

static void
show_all_recipients_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  PfMessageHeader *self = PF_MESSAGE_HEADER (widget);
  const char *field = g_variant_get_string (parameter, NULL);

  if (g_str_equal (field, "to"))
    fill_recipients (self, self->to_box, self->to_title, self->to, "to", TRUE);
  else if (g_str_equal (field, "cc"))
    fill_recipients (self, self->cc_box, self->cc_title, self->cc, "cc", TRUE);
}

/* The object */

static void
pf_message_header_dispose (GObject *object)
{
  PfMessageHeader *self = PF_MESSAGE_HEADER (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PF_TYPE_MESSAGE_HEADER);
  g_clear_pointer (&self->to, g_ptr_array_unref);
  g_clear_pointer (&self->cc, g_ptr_array_unref);

  G_OBJECT_CLASS (pf_message_header_parent_class)->dispose (object);
}

static void
pf_message_header_class_init (PfMessageHeaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pf_message_header_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/ui/pf-message-header.ui");
  gtk_widget_class_bind_template_child (widget_class, PfMessageHeader, box);
  gtk_widget_class_bind_template_child (widget_class, PfMessageHeader, subject_label);
  gtk_widget_class_bind_template_child (widget_class, PfMessageHeader, from_box);
  gtk_widget_class_bind_template_child (widget_class, PfMessageHeader, to_title);
  gtk_widget_class_bind_template_child (widget_class, PfMessageHeader, to_box);
  gtk_widget_class_bind_template_child (widget_class, PfMessageHeader, cc_title);
  gtk_widget_class_bind_template_child (widget_class, PfMessageHeader, cc_box);
  gtk_widget_class_bind_template_child (widget_class, PfMessageHeader, date_label);

  gtk_widget_class_install_action (widget_class, "header.copy-address", "s",
                                   copy_address_action);
  gtk_widget_class_install_action (widget_class, "header.show-all-recipients", "s",
                                   show_all_recipients_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_message_header_init (PfMessageHeader *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->to = copy_addresses (NULL);
  self->cc = copy_addresses (NULL);
  fill_recipients (self, self->to_box, self->to_title, self->to, "to", FALSE);
  fill_recipients (self, self->cc_box, self->cc_title, self->cc, "cc", FALSE);
}

GtkWidget *
pf_message_header_new (void)
{
  return g_object_new (PF_TYPE_MESSAGE_HEADER, NULL);
}
