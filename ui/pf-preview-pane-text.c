/* pf-preview-pane-text.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-preview-pane"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-preview-pane-text.h"

/*
 * One text part of a message, read-only. The '>' prefixes of quoted lines
 * become indentation with a coloured bar per level (drawn below the
 * text); long quotes are folded behind a "Show quoted text" line; web and
 * mailto addresses are links; the signature is dimmed. The buffer text
 * is set once, then tags mark the ranges; the text never changes after.
 */

#define INDENT     14
#define BAR_WIDTH  3

typedef struct
{
  int   start;   /* character offsets in the buffer */
  int   end;
  char *uri;
} Link;

typedef struct
{
  int         link_start;   /* the "Show quoted text" line */
  int         link_end;     /* after its newline */
  int         block_start;  /* the quote it folds */
  int         block_end;    /* after its last newline */
  guint       n_lines;
  gboolean    expanded;
  GtkTextTag *tag;          /* invisible while folded; owned by the tag table */
} Fold;

struct _PfPreviewPaneText
{
  GtkTextView  parent_instance;

  GArray      *ranges;   /* PfQuoteRange */
  GArray      *links;    /* Link, in buffer order */
  GArray      *folds;    /* Fold, in buffer order */
  GtkTextTag  *link_tag;
  GtkTextTag  *fold_link_tag;
  GtkTextTag  *hidden_tag;
  guint        size_check_id;
  gboolean     over_link;
};

G_DEFINE_FINAL_TYPE (PfPreviewPaneText, pf_preview_pane_text, GTK_TYPE_TEXT_VIEW)

enum
{
  ACTIVATE_LINK,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Bar colours per level: blue, green, orange, purple, red, brown from the
 * GNOME palette; readable on light and dark backgrounds. */
static const GdkRGBA bar_colors[PF_PREVIEW_PANE_TEXT_MAX_LEVEL] = {
  { 0.208f, 0.518f, 0.894f, 1.f },
  { 0.200f, 0.820f, 0.478f, 1.f },
  { 1.000f, 0.471f, 0.000f, 1.f },
  { 0.569f, 0.255f, 0.675f, 1.f },
  { 0.878f, 0.106f, 0.141f, 1.f },
  { 0.596f, 0.416f, 0.267f, 1.f },
};

static void
link_clear (Link *link)
{
  g_free (link->uri);
}

/* Building */

/* Quote depth of a line: "> > text" and ">> text" are both 2. Sets
 * @content to the text after the prefix. */
static guint
quote_depth (const char  *line,
             const char **content)
{
  const char *p = line;
  guint depth = 0;

  while (*p == '>')
    {
      depth++;
      p++;
      if (*p == ' ' && p[1] == '>')
        p++;
    }
  if (depth > 0 && *p == ' ')
    p++;

  *content = p;
  return depth;
}

static GRegex *
uri_regex (void)
{
  static GRegex *regex;

  if (g_once_init_enter (&regex))
    {
      GRegex *r = g_regex_new ("\\b(?:https?://|mailto:)[^\\s<>\"]+",
                               G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);

      g_assert (r != NULL);
      g_once_init_leave (&regex, r);
    }
  return regex;
}

/* Trailing punctuation belongs to the sentence, and a closing bracket to
 * the URL only if it opened one. */
static gsize
trim_uri (const char *uri,
          gsize       length)
{
  while (length > 0)
    {
      char c = uri[length - 1];

      if (strchr (".,;:!?'*", c) != NULL)
        length--;
      else if (c == ')' || c == ']')
        {
          char open = c == ')' ? '(' : '[';
          int balance = 0;
          gsize i;

          for (i = 0; i < length; i++)
            if (uri[i] == open)
              balance++;
            else if (uri[i] == c)
              balance--;
          if (balance >= 0)
            break;
          length--;
        }
      else
        break;
    }
  return length;
}

static void
find_links (PfPreviewPaneText *self,
            const char        *content,
            int                offset)
{
  g_autoptr(GMatchInfo) match = NULL;

  if (strchr (content, ':') == NULL)
    return;

  g_regex_match (uri_regex (), content, 0, &match);
  while (g_match_info_matches (match))
    {
      int start_pos, end_pos;
      gsize length;

      g_match_info_fetch_pos (match, 0, &start_pos, &end_pos);
      length = trim_uri (content + start_pos, end_pos - start_pos);
      if (length > strlen ("mailto:"))
        {
          Link link;

          link.start = offset + g_utf8_pointer_to_offset (content, content + start_pos);
          link.end = link.start + g_utf8_strlen (content + start_pos, length);
          link.uri = g_strndup (content + start_pos, length);
          g_array_append_val (self->links, link);
        }
      g_match_info_next (match, NULL);
    }
}

static void
apply_offsets (GtkTextBuffer *buffer,
               GtkTextTag    *tag,
               int            start,
               int            end)
{
  GtkTextIter a, b;

  gtk_text_buffer_get_iter_at_offset (buffer, &a, start);
  gtk_text_buffer_get_iter_at_offset (buffer, &b, end);
  gtk_text_buffer_apply_tag (buffer, tag, &a, &b);
}

static void
apply_lines (GtkTextBuffer *buffer,
             GtkTextTag    *tag,
             int            first_line,
             int            last_line)
{
  GtkTextIter a, b;

  gtk_text_buffer_get_iter_at_line (buffer, &a, first_line);
  if (!gtk_text_buffer_get_iter_at_line (buffer, &b, last_line + 1))
    gtk_text_buffer_get_end_iter (buffer, &b);
  gtk_text_buffer_apply_tag (buffer, tag, &a, &b);
}

static void
set_text (PfPreviewPaneText *self,
          const char        *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self));
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) out = NULL;
  g_autoptr(GArray) depths = NULL;  /* guint8 per buffer line */
  g_autoptr(GArray) signature = NULL;  /* int pairs: start, end */
  guint n_lines, i, j;
  int offset = 0;
  int sig_start = -1;
  guint level;

  lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  n_lines = g_strv_length (lines);
  if (n_lines > 0 && lines[n_lines - 1][0] == '\0')
    n_lines--;

  out = g_string_sized_new (text != NULL ? strlen (text) + 64 : 64);
  depths = g_array_sized_new (FALSE, FALSE, sizeof (guint8), n_lines + 8);
  signature = g_array_new (FALSE, FALSE, sizeof (int));

  for (i = 0; i < n_lines; i++)
    {
      const char *content, *other;
      guint depth = quote_depth (lines[i], &content);
      guint8 shown = MIN (depth, PF_PREVIEW_PANE_TEXT_MAX_LEVEL);

      /* At the start of a long quote, the line that unfolds it. */
      if (depth > 0 && (i == 0 || quote_depth (lines[i - 1], &other) == 0))
        {
          guint n = 0;

          for (j = i; j < n_lines && quote_depth (lines[j], &other) > 0; j++)
            n++;

          if (n > PF_PREVIEW_PANE_TEXT_FOLD_LINES)
            {
              g_autofree char *label = NULL;
              Fold fold = { 0 };
              guint8 zero = 0;

              /* Translators: a link that shows a folded quote of the message */
              label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Show quoted text (%u line)",
                                                    "Show quoted text (%u lines)", n), n);
              fold.link_start = offset;
              fold.n_lines = n;
              g_string_append (out, label);
              g_string_append_c (out, '\n');
              offset += g_utf8_strlen (label, -1) + 1;
              fold.link_end = offset;
              fold.block_start = offset;
              g_array_append_val (self->folds, fold);
              g_array_append_val (depths, zero);
            }
        }

      if (depth == 0 && strcmp (content, "-- ") == 0 && sig_start < 0)
        sig_start = offset;
      else if (depth > 0 && sig_start >= 0)
        {
          g_array_append_val (signature, sig_start);
          g_array_append_val (signature, offset);
          sig_start = -1;
        }

      find_links (self, content, offset);
      g_string_append (out, content);
      offset += g_utf8_strlen (content, -1);
      if (i + 1 < n_lines)
        {
          g_string_append_c (out, '\n');
          offset++;
        }
      g_array_append_val (depths, shown);

      /* At the end of a folded quote */
      if (depth > 0 && self->folds->len > 0 &&
          (i + 1 == n_lines || quote_depth (lines[i + 1], &other) == 0))
        {
          Fold *fold = &g_array_index (self->folds, Fold, self->folds->len - 1);

          if (fold->block_end == 0)
            fold->block_end = offset;
        }
    }
  if (sig_start >= 0)
    {
      g_array_append_val (signature, sig_start);
      g_array_append_val (signature, offset);
    }

  gtk_text_buffer_set_text (buffer, out->str, out->len);

  /* Indentation: runs of lines at the same level */
  for (i = 0; i < depths->len; i = j)
    {
      guint8 d = g_array_index (depths, guint8, i);

      for (j = i + 1; j < depths->len && g_array_index (depths, guint8, j) == d; j++)
        ;
      if (d > 0)
        {
          g_autofree char *name = g_strdup_printf ("quote-%u", d);

          apply_lines (buffer, gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer),
                                                          name), i, j - 1);
        }
    }

  /* Bars: runs of lines at a level or deeper */
  for (level = 1; level <= PF_PREVIEW_PANE_TEXT_MAX_LEVEL; level++)
    for (i = 0; i < depths->len; i = j)
      {
        for (; i < depths->len && g_array_index (depths, guint8, i) < level; i++)
          ;
        for (j = i; j < depths->len && g_array_index (depths, guint8, j) >= level; j++)
          ;
        if (j > i)
          {
            PfQuoteRange range = { level, i, j - 1 };

            g_array_append_val (self->ranges, range);
          }
      }

  for (i = 0; i < self->links->len; i++)
    {
      Link *link = &g_array_index (self->links, Link, i);

      apply_offsets (buffer, self->link_tag, link->start, link->end);
    }

  for (i = 0; i < self->folds->len; i++)
    {
      Fold *fold = &g_array_index (self->folds, Fold, i);

      apply_offsets (buffer, self->fold_link_tag, fold->link_start, fold->link_end - 1);
      fold->tag = gtk_text_buffer_create_tag (buffer, NULL, "invisible", TRUE, NULL);
      apply_offsets (buffer, fold->tag, fold->block_start, fold->block_end);
    }

  for (i = 0; i + 1 < signature->len; i += 2)
    apply_offsets (buffer,
                   gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), "signature"),
                   g_array_index (signature, int, i), g_array_index (signature, int, i + 1));
}

/* Links and folds */

static int
find_link (PfPreviewPaneText *self,
           int                offset)
{
  guint lo = 0, hi = self->links->len;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      Link *link = &g_array_index (self->links, Link, mid);

      if (offset < link->start)
        hi = mid;
      else if (offset >= link->end)
        lo = mid + 1;
      else
        return mid;
    }
  return -1;
}

static void
expand_fold (PfPreviewPaneText *self,
             Fold              *fold)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self));

  fold->expanded = TRUE;
  g_object_set (fold->tag, "invisible", FALSE, NULL);
  apply_offsets (buffer, self->hidden_tag, fold->link_start, fold->link_end);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * pf_preview_pane_text_activate_at_offset:
 * @self: a #PfPreviewPaneText
 * @offset: a character offset in the buffer
 *
 * What a click at @offset does: unfolds a quote or emits
 * #PfPreviewPaneText::activate-link.
 *
 * Returns: whether there was something to activate
 */
gboolean
pf_preview_pane_text_activate_at_offset (PfPreviewPaneText *self,
                                         int                offset)
{
  int index;
  guint i;

  g_return_val_if_fail (PF_IS_PREVIEW_PANE_TEXT (self), FALSE);

  for (i = 0; i < self->folds->len; i++)
    {
      Fold *fold = &g_array_index (self->folds, Fold, i);

      if (!fold->expanded && offset >= fold->link_start && offset < fold->link_end - 1)
        {
          expand_fold (self, fold);
          return TRUE;
        }
    }

  index = find_link (self, offset);
  if (index < 0)
    return FALSE;

  g_signal_emit (self, signals[ACTIVATE_LINK], 0, g_array_index (self->links, Link, index).uri);
  return TRUE;
}

static gboolean
offset_at_point (PfPreviewPaneText *self,
                 double             x,
                 double             y,
                 int               *offset)
{
  GtkTextView *view = GTK_TEXT_VIEW (self);
  GtkTextIter iter;
  int bx, by;

  gtk_text_view_window_to_buffer_coords (view, GTK_TEXT_WINDOW_WIDGET, (int) x, (int) y, &bx, &by);
  if (!gtk_text_view_get_iter_at_location (view, &iter, bx, by))
    return FALSE;
  if (!gtk_text_iter_has_tag (&iter, self->link_tag) &&
      !gtk_text_iter_has_tag (&iter, self->fold_link_tag))
    return FALSE;

  *offset = gtk_text_iter_get_offset (&iter);
  return TRUE;
}

static void
on_click_released_cb (GtkGestureClick   *gesture,
                      int                n_press,
                      double             x,
                      double             y,
                      PfPreviewPaneText *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self));
  int offset;

  /* The end of a drag that selected text is no click. */
  if (n_press != 1 || gtk_text_buffer_get_has_selection (buffer))
    return;
  if (offset_at_point (self, x, y, &offset))
    pf_preview_pane_text_activate_at_offset (self, offset);
}

static void
on_motion_cb (GtkEventControllerMotion *controller,
              double                    x,
              double                    y,
              PfPreviewPaneText        *self)
{
  int offset;
  gboolean over_link = offset_at_point (self, x, y, &offset);

  if (over_link != self->over_link)
    {
      self->over_link = over_link;
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self), over_link ? "pointer" : "text");
    }
}

static gboolean
on_key_pressed_cb (GtkEventControllerKey *controller,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   PfPreviewPaneText     *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self));
  GtkTextIter iter;

  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return GDK_EVENT_PROPAGATE;

  gtk_text_buffer_get_iter_at_mark (buffer, &iter, gtk_text_buffer_get_insert (buffer));
  return pf_preview_pane_text_activate_at_offset (self, gtk_text_iter_get_offset (&iter));
}

/* Drawing */

static void
pf_preview_pane_text_snapshot_layer (GtkTextView      *view,
                                     GtkTextViewLayer  layer,
                                     GtkSnapshot      *snapshot)
{
  PfPreviewPaneText *self = PF_PREVIEW_PANE_TEXT (view);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  guint i;

  if (layer != GTK_TEXT_VIEW_LAYER_BELOW_TEXT)
    return;

  for (i = 0; i < self->ranges->len; i++)
    {
      const PfQuoteRange *range = &g_array_index (self->ranges, PfQuoteRange, i);
      GtkTextIter first, last;
      int y0, h0, y1, h1;

      gtk_text_buffer_get_iter_at_line (buffer, &first, range->first_line);
      gtk_text_buffer_get_iter_at_line (buffer, &last, range->last_line);
      gtk_text_view_get_line_yrange (view, &first, &y0, &h0);
      gtk_text_view_get_line_yrange (view, &last, &y1, &h1);
      if (y1 + h1 <= y0)
        continue;   /* folded */

      gtk_snapshot_append_color (snapshot, &bar_colors[range->level - 1],
                                 &GRAPHENE_RECT_INIT ((range->level - 1) * INDENT + 2, y0,
                                                      BAR_WIDTH, y1 + h1 - y0));
    }
}

/* Sizing */

/* GtkTextView lays its text out in idle callbacks and, outside a scrolled
 * window, does not ask for a new size when it is done: check once the
 * layout work is over. */
static gboolean
check_size_cb (gpointer user_data)
{
  PfPreviewPaneText *self = user_data;
  GtkWidget *widget = GTK_WIDGET (self);
  int natural = 0;

  self->size_check_id = 0;
  gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, gtk_widget_get_width (widget),
                      NULL, &natural, NULL, NULL);
  if (natural != gtk_widget_get_height (widget))
    gtk_widget_queue_resize (widget);

  return G_SOURCE_REMOVE;
}

static void
pf_preview_pane_text_size_allocate (GtkWidget *widget,
                                    int        width,
                                    int        height,
                                    int        baseline)
{
  PfPreviewPaneText *self = PF_PREVIEW_PANE_TEXT (widget);

  GTK_WIDGET_CLASS (pf_preview_pane_text_parent_class)->size_allocate (widget, width, height,
                                                                       baseline);
  if (self->size_check_id == 0)
    self->size_check_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 30, check_size_cb, self, NULL);
}

/* The object */

static void
pf_preview_pane_text_dispose (GObject *object)
{
  PfPreviewPaneText *self = PF_PREVIEW_PANE_TEXT (object);

  g_clear_handle_id (&self->size_check_id, g_source_remove);

  G_OBJECT_CLASS (pf_preview_pane_text_parent_class)->dispose (object);
}

static void
pf_preview_pane_text_finalize (GObject *object)
{
  PfPreviewPaneText *self = PF_PREVIEW_PANE_TEXT (object);

  g_clear_pointer (&self->ranges, g_array_unref);
  g_clear_pointer (&self->links, g_array_unref);
  g_clear_pointer (&self->folds, g_array_unref);

  G_OBJECT_CLASS (pf_preview_pane_text_parent_class)->finalize (object);
}

static void
pf_preview_pane_text_class_init (PfPreviewPaneTextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkTextViewClass *text_view_class = GTK_TEXT_VIEW_CLASS (klass);

  object_class->dispose = pf_preview_pane_text_dispose;
  object_class->finalize = pf_preview_pane_text_finalize;

  widget_class->size_allocate = pf_preview_pane_text_size_allocate;

  text_view_class->snapshot_layer = pf_preview_pane_text_snapshot_layer;

  /**
   * PfPreviewPaneText::activate-link:
   * @self: the text
   * @uri: the link's address as written in the text
   *
   * A link of the text was clicked.
   */
  signals[ACTIVATE_LINK] =
    g_signal_new ("activate-link",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_css_name (widget_class, "textview");
}

static void
pf_preview_pane_text_init (PfPreviewPaneText *self)
{
  GtkTextView *view = GTK_TEXT_VIEW (self);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkEventController *controller;
  guint level;

  self->ranges = g_array_new (FALSE, FALSE, sizeof (PfQuoteRange));
  self->links = g_array_new (FALSE, FALSE, sizeof (Link));
  g_array_set_clear_func (self->links, (GDestroyNotify) link_clear);
  self->folds = g_array_new (FALSE, FALSE, sizeof (Fold));

  gtk_text_view_set_editable (view, FALSE);
  gtk_text_view_set_cursor_visible (view, FALSE);
  gtk_text_view_set_wrap_mode (view, GTK_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (GTK_WIDGET (self), "pf-message-text");

  self->link_tag = gtk_text_buffer_create_tag (buffer, "link",
                                               "underline", PANGO_UNDERLINE_SINGLE,
                                               "foreground", "#3584e4",
                                               NULL);
  self->fold_link_tag = gtk_text_buffer_create_tag (buffer, "fold-link",
                                                    "underline", PANGO_UNDERLINE_SINGLE,
                                                    "foreground", "#3584e4",
                                                    "pixels-above-lines", 4,
                                                    "pixels-below-lines", 4,
                                                    NULL);
  self->hidden_tag = gtk_text_buffer_create_tag (buffer, "hidden", "invisible", TRUE, NULL);
  gtk_text_buffer_create_tag (buffer, "signature",
                              "foreground-rgba", &(GdkRGBA) { 0.5f, 0.5f, 0.5f, 1.f },
                              NULL);
  for (level = 1; level <= PF_PREVIEW_PANE_TEXT_MAX_LEVEL; level++)
    {
      g_autofree char *name = g_strdup_printf ("quote-%u", level);

      gtk_text_buffer_create_tag (buffer, name, "left-margin", level * INDENT, NULL);
    }

  controller = GTK_EVENT_CONTROLLER (gtk_gesture_click_new ());
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (controller), GDK_BUTTON_PRIMARY);
  g_signal_connect (controller, "released", G_CALLBACK (on_click_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

/**
 * pf_preview_pane_text_new:
 * @text: (nullable): the text, UTF-8 with "\n" line ends
 *
 * Returns: (transfer floating): a new #PfPreviewPaneText showing @text
 */
GtkWidget *
pf_preview_pane_text_new (const char *text)
{
  PfPreviewPaneText *self = g_object_new (PF_TYPE_PREVIEW_PANE_TEXT, NULL);

  set_text (self, text);
  return GTK_WIDGET (self);
}

const PfQuoteRange *
pf_preview_pane_text_get_quote_ranges (PfPreviewPaneText *self,
                                       guint             *n_ranges)
{
  g_return_val_if_fail (PF_IS_PREVIEW_PANE_TEXT (self), NULL);

  *n_ranges = self->ranges->len;
  return (const PfQuoteRange *) (gpointer) self->ranges->data;
}

guint
pf_preview_pane_text_get_n_links (PfPreviewPaneText *self)
{
  g_return_val_if_fail (PF_IS_PREVIEW_PANE_TEXT (self), 0);

  return self->links->len;
}

const char *
pf_preview_pane_text_get_link (PfPreviewPaneText *self,
                               guint              index,
                               int               *start,
                               int               *end)
{
  Link *link;

  g_return_val_if_fail (PF_IS_PREVIEW_PANE_TEXT (self), NULL);
  g_return_val_if_fail (index < self->links->len, NULL);

  link = &g_array_index (self->links, Link, index);
  *start = link->start;
  *end = link->end;
  return link->uri;
}

guint
pf_preview_pane_text_get_n_folds (PfPreviewPaneText *self)
{
  g_return_val_if_fail (PF_IS_PREVIEW_PANE_TEXT (self), 0);

  return self->folds->len;
}

/* Returns whether the fold is expanded. */
gboolean
pf_preview_pane_text_get_fold (PfPreviewPaneText *self,
                               guint              index,
                               int               *link_offset,
                               guint             *n_lines)
{
  Fold *fold;

  g_return_val_if_fail (PF_IS_PREVIEW_PANE_TEXT (self), FALSE);
  g_return_val_if_fail (index < self->folds->len, FALSE);

  fold = &g_array_index (self->folds, Fold, index);
  *link_offset = fold->link_start;
  *n_lines = fold->n_lines;
  return fold->expanded;
}
