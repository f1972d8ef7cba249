/* pf-store-fold.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-store"

#include "config.h"

#include <string.h>

#include "pf-store-private.h"

/*
 * The full-text index holds a folded copy of the text, and queries are
 * folded the same way, so that "grusse" finds "Grüße", "strasse" finds
 * "Straße" and "muller" finds "Müller": case folding first (which maps ß
 * to ss), then compatibility decomposition (NFKD) and dropping the
 * combining marks the decomposition split off.
 */

/**
 * pf_store_fold_text:
 * @text: (nullable): UTF-8 text
 *
 * Folds @text for the full-text index: case-folded, compatibility
 * decomposed, without diacritics. Invalid UTF-8 is replaced first.
 *
 * Returns: (transfer full) (nullable): the folded text, %NULL if @text is
 *   %NULL
 */
/* Appends the folded form of one non-ASCII character (@len bytes at @p):
 * the same as folding it inside a whole string, since case folding and
 * compatibility decomposition work character by character, and the
 * canonical reordering of combining marks does not matter once they are
 * dropped. */
static void
fold_char (GString    *out,
           const char *p,
           gssize      len)
{
  g_autofree char *folded = g_utf8_casefold (p, len);
  g_autofree char *decomposed = g_utf8_normalize (folded, -1, G_NORMALIZE_ALL);
  const char *q;

  if (decomposed == NULL)
    {
      g_string_append (out, folded);
      return;
    }

  for (q = decomposed; *q != '\0'; q = g_utf8_next_char (q))
    {
      gunichar c = g_utf8_get_char (q);

      switch ((int) g_unichar_type (c))
        {
        case G_UNICODE_NON_SPACING_MARK:
        case G_UNICODE_SPACING_MARK:
        case G_UNICODE_ENCLOSING_MARK:
          break;
        default:
          g_string_append_unichar (out, c);
          break;
        }
    }
}

char *
pf_store_fold_text (const char *text)
{
  g_autofree char *valid = NULL;
  const char *p;
  GString *out;
  gsize len;

  if (text == NULL)
    return NULL;

  for (p = text; *p != '\0' && (guchar) *p < 0x80; p++)
    ;

  /* The common case needs no Unicode tables. */
  if (*p == '\0')
    return g_ascii_strdown (text, p - text);

  if (!g_utf8_validate (p, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);

  /* ASCII is lowered in place; only the other characters (a few in most
   * German or French text) go through the tables. */
  len = strlen (text);
  out = g_string_sized_new (len + len / 8);
  for (p = text; *p != '\0'; )
    {
      if ((guchar) *p < 0x80)
        {
          const char *run = p;
          gsize start = out->len;

          while (*p != '\0' && (guchar) *p < 0x80)
            p++;
          g_string_append_len (out, run, p - run);
          for (gsize i = start; i < out->len; i++)
            out->str[i] = g_ascii_tolower (out->str[i]);
        }
      else
        {
          const char *next = g_utf8_next_char (p);

          fold_char (out, p, next - p);
          p = next;
        }
    }

  return g_string_free (out, FALSE);
}

char *
_pf_store_fold_addresses (const PfStoreMessage *message)
{
  GString *text = g_string_new (NULL);
  const char *parts[] = {
    message->from_name, message->from_address, message->to, message->cc,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      if (parts[i] == NULL || *parts[i] == '\0')
        continue;
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, parts[i]);
    }

  if (text->len == 0)
    {
      g_string_free (text, TRUE);
      return NULL;
    }

  {
    g_autofree char *joined = g_string_free (text, FALSE);
    return pf_store_fold_text (joined);
  }
}

/*
 * Turns what a user typed into an FTS5 query: each word, folded, becomes
 * a quoted string (so that FTS5 operators and punctuation in it are plain
 * text), a trailing `*` makes it a prefix query, and the words are ANDed.
 * Returns NULL if nothing searchable is left.
 */
char *
_pf_store_build_fts_query (const char *query)
{
  g_auto(GStrv) words = NULL;
  GString *out;

  if (query == NULL)
    return NULL;

  words = g_strsplit_set (query, " \t\r\n", -1);
  out = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree char *folded = NULL;
      gboolean prefix = FALSE;
      gsize len = strlen (words[i]);
      gboolean searchable = FALSE;

      while (len > 0 && words[i][len - 1] == '*')
        {
          prefix = TRUE;
          words[i][--len] = '\0';
        }
      if (len == 0)
        continue;

      folded = pf_store_fold_text (words[i]);
      for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
        {
          if (g_unichar_isalnum (g_utf8_get_char (p)))
            {
              searchable = TRUE;
              break;
            }
        }
      if (!searchable)
        continue;

      if (out->len > 0)
        g_string_append (out, " AND ");
      g_string_append_c (out, '"');
      for (const char *p = folded; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append (out, "\"\"");
          else
            g_string_append_c (out, *p);
        }
      g_string_append_c (out, '"');
      if (prefix)
        g_string_append (out, " *");
    }

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }

  return g_string_free (out, FALSE);
}

static gboolean
skip_reply_prefix (const char **subject)
{
  static const char *prefixes[] = {
    "re", "aw", "fwd", "fw", "wg", "sv", "vs", "antw", "tr", "ref", "rif", "odp", "vb",
  };
  const char *p = *subject;

  while (*p == ' ' || *p == '\t')
    p++;

  for (gsize i = 0; i < G_N_ELEMENTS (prefixes); i++)
    {
      gsize len = strlen (prefixes[i]);
      const char *q;

      if (g_ascii_strncasecmp (p, prefixes[i], len) != 0)
        continue;

      q = p + len;
      /* "Re[2]:" and "Re(2):" as some programs count replies */
      if (*q == '[' || *q == '(')
        {
          char close = *q == '[' ? ']' : ')';

          q++;
          while (g_ascii_isdigit (*q))
            q++;
          if (*q != close)
            continue;
          q++;
        }
      while (*q == ' ')
        q++;
      if (*q == ':' || g_str_has_prefix (q, "\xef\xbc\x9a")) /* ':' or fullwidth colon */
        {
          *subject = q + (*q == ':' ? 1 : 3);
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * pf_store_normalize_subject:
 * @subject: (nullable): a subject
 * @is_reply: (out) (optional): set to whether @subject had a reply or
 *   forward prefix ("Re:", "AW:", "Fwd:", "WG:", …)
 *
 * Computes the key under which messages without usable references are
 * grouped into conversations: the subject without reply and forward
 * prefixes and without leading "[list]" tags, folded.
 *
 * Returns: (transfer full): the key, possibly empty
 */
char *
pf_store_normalize_subject (const char *subject,
                            gboolean   *is_reply)
{
  g_autofree char *stripped = NULL;
  gboolean reply = FALSE;
  const char *p = subject != NULL ? subject : "";
  gboolean progress = TRUE;

  while (progress)
    {
      progress = FALSE;

      while (*p == ' ' || *p == '\t')
        p++;

      /* a mailing list tag: "[list-name] Re: …" */
      if (*p == '[')
        {
          const char *end = strchr (p, ']');

          if (end != NULL && end[1] != '\0')
            {
              p = end + 1;
              progress = TRUE;
              continue;
            }
        }

      if (skip_reply_prefix (&p))
        {
          reply = TRUE;
          progress = TRUE;
        }
    }

  stripped = g_strstrip (g_strdup (p));

  if (is_reply != NULL)
    *is_reply = reply;

  return pf_store_fold_text (stripped);
}
