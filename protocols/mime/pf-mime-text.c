/* pf-mime-text.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-mime"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <gmime/gmime.h>

#include "pf-mime-private.h"
#include "pf-mime-text.h"

/* More replacement characters than one in this many input bytes means the
 * declared charset is wrong, not that a few bytes are damaged. */
#define BAD_CHARSET_RATIO 16

#define REPLACEMENT_CHARACTER "\xef\xbf\xbd"

/* Converts with iconv, replacing each invalid sequence with U+FFFD.
 * Returns NULL when there is no converter or when so much is invalid
 * that the charset is evidently not the right one. */
static GString *
convert_lenient (const char *data,
                 gsize       length,
                 const char *iconv_name)
{
  g_autoptr(GString) out = NULL;
  GIConv cd;
  char *inbuf = (char *) data;
  gsize inleft = length;
  gsize n_bad = 0;
  char buffer[4096];

  cd = g_iconv_open ("UTF-8", iconv_name);
  if (cd == (GIConv) -1)
    return NULL;

  out = g_string_sized_new (length + length / 4 + 16);
  while (inleft > 0)
    {
      char *outbuf = buffer;
      gsize outleft = sizeof buffer;
      gsize ret = g_iconv (cd, &inbuf, &inleft, &outbuf, &outleft);
      int saved_errno = errno;

      g_string_append_len (out, buffer, outbuf - buffer);
      if (ret != (gsize) -1)
        break;
      if (saved_errno == E2BIG)
        continue;

      /* EILSEQ or EINVAL (a sequence cut off at the end): replace one byte
       * and start over in the initial shift state. */
      g_string_append (out, REPLACEMENT_CHARACTER);
      inbuf++;
      inleft--;
      n_bad++;
      g_iconv (cd, NULL, NULL, NULL, NULL);
      if (n_bad > 4 && n_bad > length / BAD_CHARSET_RATIO)
        {
          g_iconv_close (cd);
          return NULL;
        }
    }

  /* Flush a pending shift sequence (stateful charsets like ISO-2022-JP). */
  {
    char *outbuf = buffer;
    gsize outleft = sizeof buffer;

    g_iconv (cd, NULL, NULL, &outbuf, &outleft);
    g_string_append_len (out, buffer, outbuf - buffer);
  }
  g_iconv_close (cd);

  return g_steal_pointer (&out);
}

static gboolean
is_ascii_charset (const char *name)
{
  return g_ascii_strcasecmp (name, "us-ascii") == 0 ||
         g_ascii_strcasecmp (name, "ascii") == 0 ||
         g_ascii_strcasecmp (name, "ANSI_X3.4-1968") == 0;
}

/* Every byte is a character in ISO-8859-1: this cannot fail. */
static GString *
latin1_to_utf8 (const char *data,
                gsize       length)
{
  GString *out = g_string_sized_new (length * 2 + 1);
  gsize i;

  for (i = 0; i < length; i++)
    g_string_append_unichar (out, (guchar) data[i]);

  return out;
}

/* Takes @text; NUL and invalid bytes become U+FFFD. */
static char *
make_valid_string (GString *text)
{
  char *valid;

  if (g_utf8_validate_len (text->str, text->len, NULL))
    return g_string_free (text, FALSE);

  valid = g_utf8_make_valid (text->str, text->len);
  g_string_free (text, TRUE);
  return valid;
}

/**
 * pf_mime_convert_to_utf8:
 * @data: (array length=length): text in @charset
 * @length: length of @data in bytes, or -1 if it is NUL-terminated
 * @charset: (nullable): the declared charset (a MIME charset name such as
 *   "iso-8859-15" or "Shift_JIS"), or %NULL if none was declared
 *
 * Converts text of a mail part to UTF-8 and never fails: the declared
 * charset is tried first (GMime maps MIME names to iconv names); when
 * there is none, it is unknown or much of the data does not fit it, valid
 * UTF-8 is taken as such, then windows-1252, then ISO-8859-1. ISO-8859-1 and
 * US-ASCII declarations are read as windows-1252, as browsers do. Single
 * damaged sequences become U+FFFD, as do NUL bytes.
 *
 * Any thread.
 *
 * Returns: (transfer full): valid UTF-8
 */
char *
pf_mime_convert_to_utf8 (const char *data,
                         gssize      length,
                         const char *charset)
{
  const char *iconv_name = NULL;
  GString *result = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length < 0)
    length = strlen (data);
  if (length == 0)
    return g_strdup ("");

  _pf_mime_init ();

  if (charset != NULL && *charset != '\0' && !is_ascii_charset (charset))
    {
      iconv_name = g_mime_charset_iconv_name (charset);
      if (iconv_name != NULL &&
          (g_ascii_strcasecmp (iconv_name, "iso-8859-1") == 0 ||
           g_ascii_strcasecmp (iconv_name, "latin1") == 0))
        iconv_name = "WINDOWS-1252";

      if (iconv_name != NULL)
        result = convert_lenient (data, length, iconv_name);
    }

  if (result == NULL && g_utf8_validate_len (data, length, NULL))
    result = g_string_new_len (data, length);
  if (result == NULL)
    result = convert_lenient (data, length, "WINDOWS-1252");
  if (result == NULL)
    result = latin1_to_utf8 (data, length);

  return make_valid_string (result);
}

/**
 * pf_mime_decode_flowed:
 * @text: UTF-8 text of a "text/plain; format=flowed" part
 * @delsp: whether the part has the DelSp=yes parameter
 *
 * Undoes the soft line breaks of format=flowed (RFC 3676 §4): a line that
 * ends in a space continues on the next line of the same quote depth;
 * space-stuffing is removed; with @delsp the space before a soft break is
 * deleted too (§4.5). The signature separator "-- " stays a line of its
 * own. Quoted lines are written back with ">" per level and one space.
 *
 * Returns: (transfer full): the text with hard line breaks only
 */
char *
pf_mime_decode_flowed (const char *text,
                       gboolean    delsp)
{
  GString *out;
  const char *line = text;
  gboolean in_paragraph = FALSE;
  guint paragraph_depth = 0;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_sized_new (strlen (text) + 1);

  while (*line != '\0')
    {
      const char *end = strchr (line, '\n');
      const char *next = end != NULL ? end + 1 : line + strlen (line);
      const char *content = line;
      gsize content_length;
      guint depth = 0;
      gboolean flowed;

      if (end == NULL)
        end = next;
      if (end > line && end[-1] == '\r')
        end--;

      /* §4.5: the quote depth is the number of leading ">". */
      while (content < end && *content == '>')
        {
          content++;
          depth++;
        }
      /* §4.4: a leading space was stuffed by the sender. */
      if (content < end && *content == ' ')
        content++;
      content_length = end - content;

      flowed = content_length > 0 && content[content_length - 1] == ' ' &&
               !(content_length == 3 && memcmp (content, "-- ", 3) == 0);

      /* A flowed line followed by one of another depth ends there (§4.5). */
      if (in_paragraph && depth != paragraph_depth)
        {
          g_string_append_c (out, '\n');
          in_paragraph = FALSE;
        }

      if (!in_paragraph && depth > 0)
        {
          guint i;

          for (i = 0; i < depth; i++)
            g_string_append_c (out, '>');
          g_string_append_c (out, ' ');
        }

      if (flowed && delsp)
        content_length--;
      g_string_append_len (out, content, content_length);

      if (flowed)
        {
          in_paragraph = TRUE;
          paragraph_depth = depth;
        }
      else
        {
          in_paragraph = FALSE;
          if (*next != '\0' || next[-1] == '\n')
            g_string_append_c (out, '\n');
        }

      line = next;
    }

  return g_string_free (out, FALSE);
}

/* HTML to text */

typedef struct
{
  GString  *out;
  guint     pending_newlines;
  gboolean  pending_space;
  guint     in_pre;
} HtmlState;

static void
html_flush_pending (HtmlState *state)
{
  if (state->out->len == 0)
    {
      state->pending_newlines = 0;
      state->pending_space = FALSE;
      return;
    }

  if (state->pending_newlines > 0)
    {
      guint n = MIN (state->pending_newlines, 2);
      guint have = 0;

      while (state->out->len > 0 && state->out->str[state->out->len - 1] == ' ')
        g_string_truncate (state->out, state->out->len - 1);
      for (gsize i = state->out->len; i > 0 && state->out->str[i - 1] == '\n' && have < 2; i--)
        have++;
      while (have < n)
        {
          g_string_append_c (state->out, '\n');
          have++;
        }
    }
  else if (state->pending_space && state->out->str[state->out->len - 1] != '\n' &&
           state->out->str[state->out->len - 1] != ' ')
    g_string_append_c (state->out, ' ');

  state->pending_newlines = 0;
  state->pending_space = FALSE;
}

static void
html_add_newlines (HtmlState *state,
                   guint      n)
{
  state->pending_newlines = MAX (state->pending_newlines, n);
}

typedef struct
{
  const char *name;
  gunichar    ch;
} HtmlEntity;

/* Sorted by strcmp() for bsearch(). */
static const HtmlEntity html_entities[] = {
  { "AElig", 0xC6 }, { "Aacute", 0xC1 }, { "Acirc", 0xC2 }, { "Agrave", 0xC0 },
  { "Aring", 0xC5 }, { "Atilde", 0xC3 }, { "Auml", 0xC4 }, { "Ccedil", 0xC7 },
  { "Eacute", 0xC9 }, { "Ecirc", 0xCA }, { "Egrave", 0xC8 }, { "Euml", 0xCB },
  { "Iacute", 0xCD }, { "Icirc", 0xCE }, { "Igrave", 0xCC }, { "Iuml", 0xCF },
  { "Ntilde", 0xD1 }, { "Oacute", 0xD3 }, { "Ocirc", 0xD4 }, { "Ograve", 0xD2 },
  { "Oslash", 0xD8 }, { "Otilde", 0xD5 }, { "Ouml", 0xD6 }, { "Uacute", 0xDA },
  { "Ucirc", 0xDB }, { "Ugrave", 0xD9 }, { "Uuml", 0xDC }, { "Yacute", 0xDD },
  { "aacute", 0xE1 }, { "acirc", 0xE2 }, { "aelig", 0xE6 }, { "agrave", 0xE0 },
  { "amp", '&' }, { "apos", '\'' }, { "aring", 0xE5 }, { "atilde", 0xE3 },
  { "auml", 0xE4 }, { "bdquo", 0x201E }, { "brvbar", 0xA6 }, { "bull", 0x2022 },
  { "ccedil", 0xE7 }, { "cent", 0xA2 }, { "copy", 0xA9 }, { "curren", 0xA4 },
  { "dagger", 0x2020 }, { "deg", 0xB0 }, { "divide", 0xF7 }, { "eacute", 0xE9 },
  { "ecirc", 0xEA }, { "egrave", 0xE8 }, { "emsp", 0x2003 }, { "ensp", 0x2002 },
  { "eth", 0xF0 }, { "euml", 0xEB }, { "euro", 0x20AC }, { "frac12", 0xBD },
  { "frac14", 0xBC }, { "frac34", 0xBE }, { "gt", '>' }, { "hellip", 0x2026 },
  { "iacute", 0xED }, { "icirc", 0xEE }, { "iexcl", 0xA1 }, { "igrave", 0xEC },
  { "iquest", 0xBF }, { "iuml", 0xEF }, { "laquo", 0xAB }, { "ldquo", 0x201C },
  { "lsaquo", 0x2039 }, { "lsquo", 0x2018 }, { "lt", '<' }, { "mdash", 0x2014 },
  { "middot", 0xB7 }, { "nbsp", 0xA0 }, { "ndash", 0x2013 }, { "not", 0xAC },
  { "ntilde", 0xF1 }, { "oacute", 0xF3 }, { "ocirc", 0xF4 }, { "ograve", 0xF2 },
  { "ordf", 0xAA }, { "ordm", 0xBA }, { "oslash", 0xF8 }, { "otilde", 0xF5 },
  { "ouml", 0xF6 }, { "para", 0xB6 }, { "plusmn", 0xB1 }, { "pound", 0xA3 },
  { "quot", '"' }, { "raquo", 0xBB }, { "rdquo", 0x201D }, { "reg", 0xAE },
  { "rsaquo", 0x203A }, { "rsquo", 0x2019 }, { "sbquo", 0x201A }, { "sect", 0xA7 },
  { "shy", 0xAD }, { "sup1", 0xB9 }, { "sup2", 0xB2 }, { "sup3", 0xB3 },
  { "szlig", 0xDF }, { "thinsp", 0x2009 }, { "thorn", 0xFE }, { "times", 0xD7 },
  { "trade", 0x2122 }, { "uacute", 0xFA }, { "ucirc", 0xFB }, { "ugrave", 0xF9 },
  { "uml", 0xA8 }, { "uuml", 0xFC }, { "yacute", 0xFD }, { "yen", 0xA5 },
  { "yuml", 0xFF }, { "zwj", 0x200D }, { "zwnj", 0x200C },
};

static int
compare_entity (const void *key,
                const void *member)
{
  const char *name = key;
  const char *entity = *(const char * const *) member;

  return strcmp (name, entity);
}

/* Decodes the character reference at @p (which points at '&'). Returns
 * the number of bytes it spans, or 0 if it is none, and sets @ch. */
static gsize
html_decode_entity (const char *p,
                    const char *end,
                    gunichar   *ch)
{
  const char *q = p + 1;
  char name[12];
  gsize n = 0;

  if (q < end && *q == '#')
    {
      guint64 value = 0;
      gboolean hex = FALSE;
      const char *digits;

      q++;
      if (q < end && (*q == 'x' || *q == 'X'))
        {
          hex = TRUE;
          q++;
        }
      digits = q;
      while (q < end && (hex ? g_ascii_isxdigit (*q) : g_ascii_isdigit (*q)) && q - digits < 8)
        {
          value = value * (hex ? 16 : 10) + (hex ? g_ascii_xdigit_value (*q) : *q - '0');
          q++;
        }
      if (q == digits)
        return 0;
      if (q < end && *q == ';')
        q++;
      *ch = (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
            ? 0xFFFD : (gunichar) value;
      return q - p;
    }

  while (q < end && g_ascii_isalnum (*q) && n < sizeof name - 1)
    name[n++] = *q++;
  name[n] = '\0';
  if (n == 0)
    return 0;

  {
    const void *found = bsearch (name, html_entities, G_N_ELEMENTS (html_entities),
                                 sizeof html_entities[0], compare_entity);

    if (found == NULL)
      return 0;
    *ch = ((const HtmlEntity *) found)->ch;
  }
  if (q < end && *q == ';')
    q++;
  return q - p;
}

/* Elements whose content is not text for a reader. */
static gboolean
is_skipped_element (const char *name)
{
  return strcmp (name, "script") == 0 || strcmp (name, "style") == 0 ||
         strcmp (name, "head") == 0 || strcmp (name, "title") == 0 ||
         strcmp (name, "template") == 0;
}

/* Number of line breaks an element stands for: 2 for a paragraph, 1 for
 * a line, 0 for inline elements. */
static guint
block_newlines (const char *name)
{
  static const char * const paragraphs[] = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol",
    "dl", "hr", "address", "figure", NULL,
  };
  static const char * const lines[] = {
    "div", "tr", "li", "dt", "dd", "section", "article", "header", "footer", "nav",
    "aside", "main", "form", "fieldset", "caption", "center", "body", "html", "tbody",
    "thead", "tfoot", "option", "legend", "details", "summary", "figcaption", NULL,
  };

  if (g_strv_contains (paragraphs, name))
    return 2;
  if (g_strv_contains (lines, name))
    return 1;
  return 0;
}

/* Finds the closing tag of @name from @p on, case-insensitively. */
static const char *
find_closing_tag (const char *p,
                  const char *end,
                  const char *name)
{
  gsize name_length = strlen (name);

  while (p < end)
    {
      p = memchr (p, '<', end - p);
      if (p == NULL)
        return NULL;
      if ((gsize) (end - p) >= name_length + 2 && p[1] == '/' &&
          g_ascii_strncasecmp (p + 2, name, name_length) == 0 &&
          ((gsize) (end - p) == name_length + 2 || !g_ascii_isalnum (p[name_length + 2])))
        return p;
      p++;
    }
  return NULL;
}

/* The '>' that ends the tag starting at @p; quoted attribute values may
 * contain '>'. */
static const char *
find_tag_end (const char *p,
              const char *end)
{
  char quote = 0;

  for (; p < end; p++)
    {
      if (quote != 0)
        {
          if (*p == quote)
            quote = 0;
        }
      else if (*p == '"' || *p == '\'')
        {
          /* Only a quote after '=' opens a value; a stray one does not
           * swallow the rest of the document. */
          const char *q = p - 1;

          while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
            q--;
          if (*q == '=')
            quote = *p;
        }
      else if (*p == '>')
        return p;
    }
  return NULL;
}

/**
 * pf_mime_html_to_text:
 * @html: (array length=length): HTML in UTF-8 (invalid bytes are replaced)
 * @length: length of @html in bytes, or -1 if it is NUL-terminated
 *
 * Renders HTML as plain text for previews and search, in one pass and
 * linear time: tags are dropped, the content of &lt;script&gt;,
 * &lt;style&gt;, &lt;head&gt; and &lt;title&gt; is skipped, character
 * references are decoded, block elements become line breaks (paragraphs
 * a blank line, list items "• "), whitespace outside &lt;pre&gt; collapses
 * to single spaces and at most one blank line.
 *
 * This is not a renderer for display: nothing is fetched or executed.
 * Any thread.
 *
 * Returns: (transfer full): valid UTF-8 text
 */
char *
pf_mime_html_to_text (const char *html,
                      gssize      length)
{
  g_autofree char *valid = NULL;
  HtmlState state = { 0 };
  const char *p;
  const char *end;

  g_return_val_if_fail (html != NULL || length == 0, NULL);

  if (length < 0)
    length = strlen (html);
  if (!g_utf8_validate_len (html, length, NULL))
    {
      valid = g_utf8_make_valid (html, length);
      html = valid;
      length = strlen (valid);
    }

  state.out = g_string_sized_new (length / 2 + 1);
  p = html;
  end = html + length;

  while (p < end)
    {
      if (*p == '<')
        {
          const char *q = p + 1;
          const char *tag_end;
          gboolean closing = FALSE;
          char name[16];
          gsize n = 0;

          if (end - p >= 4 && memcmp (p, "<!--", 4) == 0)
            {
              const char *close = g_strstr_len (p + 4, end - p - 4, "-->");

              p = close != NULL ? close + 3 : end;
              continue;
            }
          if (q < end && (*q == '!' || *q == '?'))
            {
              tag_end = memchr (q, '>', end - q);
              p = tag_end != NULL ? tag_end + 1 : end;
              continue;
            }
          if (q < end && *q == '/')
            {
              closing = TRUE;
              q++;
            }
          if (q >= end || !g_ascii_isalpha (*q))
            {
              /* A lone '<' is text. */
              html_flush_pending (&state);
              g_string_append_c (state.out, '<');
              p++;
              continue;
            }
          while (q < end && g_ascii_isalnum (*q))
            {
              if (n < sizeof name - 1)
                name[n++] = g_ascii_tolower (*q);
              q++;
            }
          name[n] = '\0';

          tag_end = find_tag_end (q, end);
          if (tag_end == NULL)
            break;
          p = tag_end + 1;

          if (!closing && is_skipped_element (name) && tag_end[-1] != '/')
            {
              const char *close = find_closing_tag (p, end, name);

              if (close != NULL)
                {
                  const char *close_end = memchr (close, '>', end - close);

                  p = close_end != NULL ? close_end + 1 : end;
                }
              else if (strcmp (name, "head") != 0 && strcmp (name, "title") != 0)
                p = end;
              continue;
            }

          if (strcmp (name, "br") == 0)
            {
              html_flush_pending (&state);
              g_string_append_c (state.out, '\n');
            }
          else if (strcmp (name, "li") == 0 && !closing)
            {
              html_add_newlines (&state, 1);
              html_flush_pending (&state);
              g_string_append (state.out, "• ");
            }
          else if (strcmp (name, "td") == 0 || strcmp (name, "th") == 0)
            state.pending_space = TRUE;
          else
            {
              guint newlines = block_newlines (name);

              if (newlines > 0)
                html_add_newlines (&state, newlines);
              if (strcmp (name, "pre") == 0)
                {
                  if (!closing)
                    state.in_pre++;
                  else if (state.in_pre > 0)
                    state.in_pre--;
                }
            }
          continue;
        }

      if (*p == '&')
        {
          gunichar ch = 0;
          gsize span = html_decode_entity (p, end, &ch);

          html_flush_pending (&state);
          if (span == 0)
            {
              g_string_append_c (state.out, '&');
              p++;
            }
          else
            {
              g_string_append_unichar (state.out, ch == 0xA0 ? ' ' : ch);
              p += span;
            }
          continue;
        }

      if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
        {
          if (state.in_pre > 0)
            {
              html_flush_pending (&state);
              if (*p != '\r')
                g_string_append_c (state.out, *p);
            }
          else
            state.pending_space = TRUE;
          p++;
          continue;
        }

      {
        const char *run = p;

        while (p < end && *p != '<' && *p != '&' && *p != ' ' && *p != '\t' &&
               *p != '\n' && *p != '\r' && *p != '\f')
          p++;
        html_flush_pending (&state);
        g_string_append_len (state.out, run, p - run);
      }
    }

  /* Trailing whitespace says nothing. */
  while (state.out->len > 0 && g_ascii_isspace (state.out->str[state.out->len - 1]))
    g_string_truncate (state.out, state.out->len - 1);

  return make_valid_string (state.out);
}

/**
 * pf_mime_make_preview:
 * @text: UTF-8 text
 * @max_chars: the most characters to keep
 *
 * A one-line excerpt for message lists: quoted lines ("> …") are left out
 * unless there is nothing else, the text ends at a signature separator
 * ("-- "), every run of whitespace becomes one space,
 * and the text is cut at a character boundary after @max_chars
 * characters.
 *
 * Returns: (transfer full): the preview, possibly empty
 */
char *
pf_mime_make_preview (const char *text,
                      guint       max_chars)
{
  GString *out;
  gboolean skip_quotes;
  int pass;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_string_new (NULL);
  for (pass = 0; pass < 2 && out->len == 0; pass++)
    {
      const char *p = text;
      guint n_chars = 0;
      gboolean space = FALSE;
      gboolean line_start = TRUE;

      skip_quotes = pass == 0;
      while (*p != '\0' && n_chars < max_chars)
        {
          gunichar ch;

          /* The signature separator (RFC 3676 §4.3): the rest is not
           * what the message says. */
          if (line_start && strncmp (p, "-- ", 3) == 0 &&
              (p[3] == '\n' || p[3] == '\0' || (p[3] == '\r' && p[4] == '\n')))
            break;

          if (line_start && skip_quotes && *p == '>')
            {
              const char *nl = strchr (p, '\n');

              p = nl != NULL ? nl + 1 : p + strlen (p);
              space = TRUE;
              continue;
            }

          ch = g_utf8_get_char_validated (p, -1);
          if (ch == (gunichar) -1 || ch == (gunichar) -2)
            {
              p++;
              continue;
            }
          line_start = ch == '\n';
          if (g_unichar_isspace (ch) || ch == 0xA0)
            space = TRUE;
          else
            {
              if (space && out->len > 0)
                {
                  if (n_chars + 2 > max_chars)
                    break;
                  g_string_append_c (out, ' ');
                  n_chars++;
                }
              space = FALSE;
              g_string_append_unichar (out, ch);
              n_chars++;
            }
          p = g_utf8_next_char (p);
        }
    }

  return g_string_free (out, FALSE);
}
