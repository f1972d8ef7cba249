/* pf-imap-types.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "net/pf-net-utf7.h"
#include "pf-imap-error.h"
#include "pf-imap-types.h"

/*
 * Typed views of the token tree: each decoder takes the values of one
 * response and builds plain structs the session and sync engine use.
 * Decoders are lenient where real servers differ (numbers sent as quoted
 * strings, missing extension data, atoms for strings) and fail with
 * %PF_IMAP_ERROR_PROTOCOL where the data cannot mean anything.
 *
 * Text fields (subjects, display names, descriptions, parameters) come out
 * as valid UTF-8. GMime decodes RFC 2047 encoded-words and RFC 2231
 * parameters, and guesses the charset of raw 8-bit text; plain ASCII and
 * UTF-8 text without encoded-words skips GMime, which keeps decoding a
 * 50,000-message FETCH cheap.
 */

/* GMime wants g_mime_init() before use. Nothing else in protocols/ or the
 * core calls it, so the first decoder that needs GMime does, once. */
static void
ensure_gmime (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      g_mime_init ();
      g_once_init_leave (&initialized, 1);
    }
}

static void
set_malformed (GError     **error,
               const char  *message)
{
  g_set_error_literal (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL, message);
}

/* Reads an nstring (RFC 3501 §9): %FALSE for a list, which cannot be one;
 * %TRUE with %NULL for NIL or a missing trailing item. Bytes from a NUL on
 * are cut off, as no header field or name can hold one. */
static gboolean
get_nstring (const PfImapValue  *value,
             const char        **string,
             gsize              *length)
{
  gsize len = 0;

  *string = NULL;
  *length = 0;

  if (pf_imap_value_is_nil (value))
    return TRUE;

  switch (pf_imap_value_get_kind (value))
    {
    case PF_IMAP_VALUE_ATOM:
    case PF_IMAP_VALUE_NUMBER:
    case PF_IMAP_VALUE_STRING:
      *string = pf_imap_value_get_string (value, &len);
      *length = strnlen (*string, len);
      return TRUE;

    case PF_IMAP_VALUE_NIL:
    case PF_IMAP_VALUE_LIST:
    case PF_IMAP_VALUE_STREAMED:
    default:
      return FALSE;
    }
}

/* UTF-8 validation with a fast path for ASCII, which most header
 * fields and all MIME tokens are. */
static gboolean
is_valid_utf8 (const char *string,
               gsize       length)
{
  gsize i;

  for (i = 0; i < length; i++)
    {
      if ((guchar) string[i] >= 0x80)
        return g_utf8_validate_len (string + i, length - i, NULL);
    }

  return TRUE;
}

static char *
dup_valid (const char *string,
           gsize       length)
{
  if (string == NULL)
    return NULL;

  if (is_valid_utf8 (string, length))
    return g_strndup (string, length);

  return g_utf8_make_valid (string, length);
}

/* %TRUE if a header text needs no work: UTF-8 without encoded-words or
 * line breaks. One pass over ASCII, the common case. */
static gboolean
is_plain_text (const char *string,
               gsize       length)
{
  gboolean ascii = TRUE;
  gsize i;

  for (i = 0; i < length; i++)
    {
      guchar c = string[i];

      if (c == '\n' || c == '\r' || (c == '=' && i + 1 < length && string[i + 1] == '?'))
        return FALSE;
      if (c >= 0x80)
        ascii = FALSE;
    }

  return ascii || g_utf8_validate_len (string, length, NULL);
}

/* @string as valid UTF-8: itself, or a repaired copy left in @copy. */
static const char *
make_valid (const char  *string,
            gsize       *length,
            char       **copy)
{
  if (string == NULL || is_valid_utf8 (string, *length))
    return string;

  *copy = g_utf8_make_valid (string, *length);
  *length = strlen (*copy);
  return *copy;
}

/* A header text: RFC 2047 decoded, unfolded, in UTF-8. */
static char *
decode_text (const char *string,
             gsize       length)
{
  g_autofree char *copy = NULL;
  g_autofree char *decoded = NULL;

  if (string == NULL)
    return NULL;

  if (is_plain_text (string, length))
    return g_strndup (string, length);

  ensure_gmime ();

  copy = g_strndup (string, length);
  if (strchr (copy, '\n') != NULL)
    {
      char *unfolded = g_mime_utils_header_unfold (copy);

      g_free (copy);
      copy = unfolded;
    }

  decoded = g_mime_utils_header_decode_text (NULL, copy);
  if (decoded == NULL)
    return dup_valid (copy, strlen (copy));

  return dup_valid (decoded, strlen (decoded));
}

static gboolean
read_nstring (const PfImapValue  *value,
              char              **out)
{
  const char *string;
  gsize length;

  if (!get_nstring (value, &string, &length))
    return FALSE;

  *out = dup_valid (string, length);
  return TRUE;
}

static gboolean
read_text (const PfImapValue  *value,
           char              **out)
{
  const char *string;
  gsize length;

  if (!get_nstring (value, &string, &length))
    return FALSE;

  *out = decode_text (string, length);
  return TRUE;
}

static gboolean
read_lower (const PfImapValue  *value,
            char              **out)
{
  const char *string;
  gsize length;

  if (!get_nstring (value, &string, &length))
    return FALSE;

  *out = NULL;
  if (string != NULL && is_valid_utf8 (string, length))
    {
      char *lower = g_strndup (string, length);
      gsize i;

      for (i = 0; i < length; i++)
        lower[i] = g_ascii_tolower (lower[i]);
      *out = lower;
    }
  return TRUE;
}

/* Sequence sets */

typedef struct
{
  guint32 first;
  guint32 last;
} Range;

struct _PfImapSequenceSet
{
  GArray *ranges;  /* Range, as given; STAR is 0 */
};

/**
 * pf_imap_sequence_set_new:
 *
 * Returns: (transfer full): an empty set
 */
PfImapSequenceSet *
pf_imap_sequence_set_new (void)
{
  PfImapSequenceSet *self = g_new0 (PfImapSequenceSet, 1);

  self->ranges = g_array_new (FALSE, FALSE, sizeof (Range));
  return self;
}

/**
 * pf_imap_sequence_set_free:
 * @self: (transfer full) (nullable): a set
 */
void
pf_imap_sequence_set_free (PfImapSequenceSet *self)
{
  if (self == NULL)
    return;

  g_array_unref (self->ranges);
  g_free (self);
}

/**
 * pf_imap_sequence_set_add_range:
 * @self: a set
 * @first: a number, or %PF_IMAP_SEQUENCE_STAR
 * @last: a number, or %PF_IMAP_SEQUENCE_STAR; equal to @first for a
 *   single number
 *
 * Appends a range. As in RFC 3501 §9 (seq-range), the order of the two
 * ends does not matter.
 */
void
pf_imap_sequence_set_add_range (PfImapSequenceSet *self,
                                guint32            first,
                                guint32            last)
{
  Range range = { first, last };

  g_return_if_fail (self != NULL);

  g_array_append_val (self->ranges, range);
}

/**
 * pf_imap_sequence_set_get_n_ranges:
 * @self: a set
 *
 * Returns: the number of ranges, as parsed or added
 */
guint
pf_imap_sequence_set_get_n_ranges (const PfImapSequenceSet *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->ranges->len;
}

/**
 * pf_imap_sequence_set_get_range:
 * @self: a set
 * @index: which range
 * @first: (out) (optional): its first number, or %PF_IMAP_SEQUENCE_STAR
 * @last: (out) (optional): its last number, or %PF_IMAP_SEQUENCE_STAR
 */
void
pf_imap_sequence_set_get_range (const PfImapSequenceSet *self,
                                guint                    index,
                                guint32                 *first,
                                guint32                 *last)
{
  const Range *range;

  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->ranges->len);

  range = &g_array_index (self->ranges, Range, index);
  if (first != NULL)
    *first = range->first;
  if (last != NULL)
    *last = range->last;
}

static void
set_bad_sequence_set (GError     **error,
                      const char  *text,
                      gsize        length)
{
  g_autofree char *shown = g_utf8_make_valid (text, MIN (length, 64));

  g_set_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
               _("“%s” is not a valid sequence set"), shown);
}

static gboolean
parse_seq_number (const char **pp,
                  const char  *end,
                  guint32     *number)
{
  const char *p = *pp;
  guint64 n = 0;

  if (p < end && *p == '*')
    {
      *number = PF_IMAP_SEQUENCE_STAR;
      *pp = p + 1;
      return TRUE;
    }

  if (p == end || !g_ascii_isdigit (*p))
    return FALSE;

  while (p < end && g_ascii_isdigit (*p))
    {
      n = n * 10 + (guint) (*p - '0');
      if (n > G_MAXUINT32)
        return FALSE;
      p++;
    }

  if (n == 0)
    return FALSE;

  *number = (guint32) n;
  *pp = p;
  return TRUE;
}

/**
 * pf_imap_sequence_set_parse:
 * @text: a sequence set such as `1:5,7,9:*` (RFC 3501 §9 sequence-set)
 * @length: its length, or -1 if NUL-terminated
 * @error: return location for an error
 *
 * Parses a sequence set as servers send them in COPYUID, MODIFIED,
 * ESEARCH ALL and VANISHED. Numbers must be between 1 and 4294967295; `*`
 * is kept as %PF_IMAP_SEQUENCE_STAR.
 *
 * Returns: (transfer full): the set, or %NULL with
 *   %PF_IMAP_ERROR_PROTOCOL
 */
PfImapSequenceSet *
pf_imap_sequence_set_parse (const char  *text,
                            gssize       length,
                            GError     **error)
{
  g_autoptr(PfImapSequenceSet) self = NULL;
  const char *p;
  const char *end;

  g_return_val_if_fail (text != NULL, NULL);

  if (length < 0)
    length = strlen (text);

  self = pf_imap_sequence_set_new ();
  p = text;
  end = text + length;

  for (;;)
    {
      guint32 first;
      guint32 last;

      if (!parse_seq_number (&p, end, &first))
        goto bad;
      last = first;

      if (p < end && *p == ':')
        {
          p++;
          if (!parse_seq_number (&p, end, &last))
            goto bad;
        }

      pf_imap_sequence_set_add_range (self, first, last);

      if (p == end)
        break;
      if (*p != ',')
        goto bad;
      p++;
    }

  return g_steal_pointer (&self);

bad:
  set_bad_sequence_set (error, text, length);
  return NULL;
}

static int
compare_uint32 (const void *a,
                const void *b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static int
compare_range (const void *a,
               const void *b)
{
  const Range *x = a;
  const Range *y = b;

  return x->first < y->first ? -1 : x->first > y->first;
}

/**
 * pf_imap_sequence_set_new_from_uids:
 * @uids: (array length=n_uids): UIDs or sequence numbers, in any order
 * @n_uids: how many
 *
 * Compacts numbers into ranges: 1 2 3 5 7 8 becomes `1:3,5,7:8`. Duplicates
 * and zeros are dropped.
 *
 * Returns: (transfer full): the set, sorted
 */
PfImapSequenceSet *
pf_imap_sequence_set_new_from_uids (const guint32 *uids,
                                    gsize          n_uids)
{
  PfImapSequenceSet *self;
  g_autofree guint32 *sorted = NULL;
  gboolean is_sorted = TRUE;
  const guint32 *in;
  gsize i;
  Range range = { 0, 0 };

  g_return_val_if_fail (uids != NULL || n_uids == 0, NULL);

  self = pf_imap_sequence_set_new ();

  for (i = 1; i < n_uids && is_sorted; i++)
    is_sorted = uids[i - 1] <= uids[i];

  in = uids;
  if (!is_sorted)
    {
      sorted = g_memdup2 (uids, n_uids * sizeof (guint32));
      qsort (sorted, n_uids, sizeof (guint32), compare_uint32);
      in = sorted;
    }

  for (i = 0; i < n_uids; i++)
    {
      guint32 uid = in[i];

      if (uid == 0)
        continue;

      if (range.first != 0 && (uid == range.last || uid == range.last + 1))
        {
          range.last = uid;
          continue;
        }

      if (range.first != 0)
        g_array_append_val (self->ranges, range);
      range.first = range.last = uid;
    }

  if (range.first != 0)
    g_array_append_val (self->ranges, range);

  return self;
}

/* Sorted, merged ranges with first <= last and `*` resolved; ranges with
 * `*` are dropped when @star is 0 (no largest number known). */
static GArray *
normalize (const PfImapSequenceSet *self,
           guint32                  star)
{
  GArray *ranges;
  guint i;
  guint j;

  ranges = g_array_sized_new (FALSE, FALSE, sizeof (Range), self->ranges->len);

  for (i = 0; i < self->ranges->len; i++)
    {
      Range range = g_array_index (self->ranges, Range, i);

      if (range.first == PF_IMAP_SEQUENCE_STAR)
        range.first = star;
      if (range.last == PF_IMAP_SEQUENCE_STAR)
        range.last = star;
      if (range.first == 0 || range.last == 0)
        continue;
      if (range.first > range.last)
        {
          guint32 tmp = range.first;

          range.first = range.last;
          range.last = tmp;
        }
      g_array_append_val (ranges, range);
    }

  if (ranges->len < 2)
    return ranges;

  qsort (ranges->data, ranges->len, sizeof (Range), compare_range);

  for (i = 1, j = 0; i < ranges->len; i++)
    {
      Range *current = &g_array_index (ranges, Range, j);
      const Range *next = &g_array_index (ranges, Range, i);

      if ((guint64) next->first <= (guint64) current->last + 1)
        current->last = MAX (current->last, next->last);
      else
        g_array_index (ranges, Range, ++j) = *next;
    }
  g_array_set_size (ranges, j + 1);

  return ranges;
}

/**
 * pf_imap_sequence_set_contains:
 * @self: a set
 * @number: a message number or UID
 * @star: what `*` stands for: the largest number in use, or 0 if none
 *
 * Returns: %TRUE if @number is in the set
 */
gboolean
pf_imap_sequence_set_contains (const PfImapSequenceSet *self,
                               guint32                  number,
                               guint32                  star)
{
  guint i;

  g_return_val_if_fail (self != NULL, FALSE);

  for (i = 0; i < self->ranges->len; i++)
    {
      const Range *range = &g_array_index (self->ranges, Range, i);
      guint32 first = range->first == PF_IMAP_SEQUENCE_STAR ? star : range->first;
      guint32 last = range->last == PF_IMAP_SEQUENCE_STAR ? star : range->last;

      if (first == 0 || last == 0)
        continue;
      if (number >= MIN (first, last) && number <= MAX (first, last))
        return TRUE;
    }

  return FALSE;
}

/**
 * pf_imap_sequence_set_get_count:
 * @self: a set
 * @star: what `*` stands for, or 0 if nothing
 *
 * Returns: how many different numbers the set holds
 */
guint64
pf_imap_sequence_set_get_count (const PfImapSequenceSet *self,
                                guint32                  star)
{
  g_autoptr(GArray) ranges = NULL;
  guint64 count = 0;
  guint i;

  g_return_val_if_fail (self != NULL, 0);

  ranges = normalize (self, star);
  for (i = 0; i < ranges->len; i++)
    {
      const Range *range = &g_array_index (ranges, Range, i);

      count += (guint64) range->last - range->first + 1;
    }

  return count;
}

/**
 * pf_imap_sequence_set_to_array:
 * @self: a set
 * @star: what `*` stands for, or 0 if nothing (ranges with `*` are then
 *   left out)
 * @max_items: the most numbers to expand to
 * @error: return location for an error
 *
 * Expands the set, so that a hostile `1:4294967295` cannot take 16 GiB.
 *
 * Returns: (transfer full) (element-type guint32): the numbers, sorted
 *   and without duplicates, or %NULL with %PF_IMAP_ERROR_PROTOCOL if there
 *   are more than @max_items
 */
GArray *
pf_imap_sequence_set_to_array (const PfImapSequenceSet  *self,
                               guint32                   star,
                               gsize                     max_items,
                               GError                  **error)
{
  g_autoptr(GArray) ranges = NULL;
  GArray *numbers;
  guint64 count = 0;
  guint i;

  g_return_val_if_fail (self != NULL, NULL);

  ranges = normalize (self, star);
  for (i = 0; i < ranges->len; i++)
    {
      const Range *range = &g_array_index (ranges, Range, i);

      count += (guint64) range->last - range->first + 1;
    }

  if (count > max_items)
    {
      g_set_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                   _("The server sent a set of more than %lu messages"),
                   (gulong) max_items);
      return NULL;
    }

  numbers = g_array_sized_new (FALSE, FALSE, sizeof (guint32), (guint) count);
  for (i = 0; i < ranges->len; i++)
    {
      const Range *range = &g_array_index (ranges, Range, i);
      guint64 n;

      for (n = range->first; n <= range->last; n++)
        {
          guint32 number = (guint32) n;

          g_array_append_val (numbers, number);
        }
    }

  return numbers;
}

static void
append_range (GString     *string,
              const Range *range)
{
  if (range->first == PF_IMAP_SEQUENCE_STAR)
    g_string_append_c (string, '*');
  else
    g_string_append_printf (string, "%u", range->first);

  if (range->last == range->first)
    return;

  g_string_append_c (string, ':');
  if (range->last == PF_IMAP_SEQUENCE_STAR)
    g_string_append_c (string, '*');
  else
    g_string_append_printf (string, "%u", range->last);
}

/**
 * pf_imap_sequence_set_to_string:
 * @self: a set
 *
 * Formats the set for a command (RFC 3501 §9 sequence-set), in the order
 * of its ranges.
 *
 * Returns: (transfer full): e.g. "1:5,7,9:*"; empty for an empty set,
 *   which is not valid in a command
 */
char *
pf_imap_sequence_set_to_string (const PfImapSequenceSet *self)
{
  GString *string;
  guint i;

  g_return_val_if_fail (self != NULL, NULL);

  string = g_string_new (NULL);
  for (i = 0; i < self->ranges->len; i++)
    {
      if (i > 0)
        g_string_append_c (string, ',');
      append_range (string, &g_array_index (self->ranges, Range, i));
    }

  return g_string_free (string, FALSE);
}

/**
 * pf_imap_sequence_set_to_strings:
 * @self: a set
 * @max_length: the longest string wanted; at least 21, what one range
 *   can take
 *
 * Formats the set as several sets of at most @max_length bytes, for
 * servers that limit the length of a command line (RFC 7162 §4 suggests
 * 8192 octets).
 *
 * Returns: (transfer full) (array zero-terminated=1): the pieces; empty
 *   for an empty set
 */
char **
pf_imap_sequence_set_to_strings (const PfImapSequenceSet *self,
                                 gsize                    max_length)
{
  g_autoptr(GPtrArray) pieces = NULL;
  g_autoptr(GString) piece = NULL;
  g_autoptr(GString) one = NULL;
  guint i;

  g_return_val_if_fail (self != NULL, NULL);

  max_length = MAX (max_length, 21);
  pieces = g_ptr_array_new_with_free_func (g_free);
  piece = g_string_new (NULL);
  one = g_string_new (NULL);

  for (i = 0; i < self->ranges->len; i++)
    {
      g_string_truncate (one, 0);
      append_range (one, &g_array_index (self->ranges, Range, i));

      if (piece->len > 0 && piece->len + 1 + one->len > max_length)
        {
          g_ptr_array_add (pieces, g_strndup (piece->str, piece->len));
          g_string_truncate (piece, 0);
        }

      if (piece->len > 0)
        g_string_append_c (piece, ',');
      g_string_append_len (piece, one->str, one->len);
    }

  if (piece->len > 0)
    g_ptr_array_add (pieces, g_strndup (piece->str, piece->len));

  g_ptr_array_add (pieces, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&pieces), FALSE);
}

/**
 * pf_imap_uids_to_sequence_string:
 * @uids: (array length=n_uids): UIDs in any order
 * @n_uids: how many
 *
 * Returns: (transfer full): the compacted set, as
 *   pf_imap_sequence_set_new_from_uids() and
 *   pf_imap_sequence_set_to_string() make it
 */
char *
pf_imap_uids_to_sequence_string (const guint32 *uids,
                                 gsize          n_uids)
{
  g_autoptr(PfImapSequenceSet) set = NULL;

  set = pf_imap_sequence_set_new_from_uids (uids, n_uids);
  return pf_imap_sequence_set_to_string (set);
}

static PfImapSequenceSet *
read_sequence_set (const PfImapValue  *value,
                   GError            **error)
{
  const char *string;
  gsize length;

  if (!pf_imap_value_is_number (value) &&
      pf_imap_value_get_kind (value) != PF_IMAP_VALUE_ATOM)
    {
      set_bad_sequence_set (error, "", 0);
      return NULL;
    }

  string = pf_imap_value_get_string (value, &length);
  return pf_imap_sequence_set_parse (string, length, error);
}

/* Dates */

static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";

static gboolean
read_digits (const char **pp,
             const char  *end,
             guint        count,
             int         *number)
{
  const char *p = *pp;
  int n = 0;
  guint i;

  for (i = 0; i < count; i++)
    {
      if (p == end || !g_ascii_isdigit (*p))
        return FALSE;
      n = n * 10 + (*p - '0');
      p++;
    }

  *number = n;
  *pp = p;
  return TRUE;
}

static gboolean
read_month (const char **pp,
            const char  *end,
            int         *month)
{
  int i;

  if (end - *pp < 3)
    return FALSE;

  for (i = 0; i < 12; i++)
    {
      if (g_ascii_strncasecmp (*pp, months + 3 * i, 3) == 0)
        {
          *month = i + 1;
          *pp += 3;
          return TRUE;
        }
    }

  return FALSE;
}

/* "+0200" / "-0700": the offset in seconds east of UTC. */
static gboolean
read_zone (const char **pp,
           const char  *end,
           int         *offset)
{
  int sign;
  int hours;
  int minutes;

  if (*pp == end || (**pp != '+' && **pp != '-'))
    return FALSE;
  sign = **pp == '-' ? -1 : 1;
  (*pp)++;

  if (!read_digits (pp, end, 2, &hours) ||
      !read_digits (pp, end, 2, &minutes) ||
      minutes > 59)
    return FALSE;

  *offset = sign * (hours * 3600 + minutes * 60);
  return TRUE;
}

/* A moment in UTC from a date and time with a zone offset, without going
 * through GTimeZone, which is slow to create for every message. */
static GDateTime *
make_date_time (int year,
                int month,
                int day,
                int hour,
                int minute,
                int second,
                int offset)
{
  gint64 days;
  int y;
  int era;
  int yoe;
  int doy;
  int doe;

  if (year < 1 || year > 9999 || !g_date_valid_dmy (day, month, year) ||
      hour > 23 || minute > 59 || second > 60)
    return NULL;
  if (second == 60)
    second = 59;

  /* Days since 1970-01-01 of a proleptic Gregorian date. */
  y = month <= 2 ? year - 1 : year;
  era = y / 400;
  yoe = y - era * 400;
  doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  days = (gint64) era * 146097 + doe - 719468;

  return g_date_time_new_from_unix_utc (days * 86400 + hour * 3600 + minute * 60 + second - offset);
}

/**
 * pf_imap_parse_date_time:
 * @text: an INTERNALDATE value, e.g. "17-Jul-1996 02:44:25 -0700"
 *   (RFC 3501 §9 date-time, without the quotes)
 * @length: its length, or -1 if NUL-terminated
 *
 * Returns: (transfer full) (nullable): the moment, in UTC, or %NULL if
 *   @text is not one
 */
GDateTime *
pf_imap_parse_date_time (const char *text,
                         gssize      length)
{
  const char *p;
  const char *end;
  int day;
  int month;
  int year;
  int hour;
  int minute;
  int second;
  int offset;

  g_return_val_if_fail (text != NULL, NULL);

  if (length < 0)
    length = strlen (text);
  p = text;
  end = text + length;

  /* date-day-fixed = (SP DIGIT) / 2DIGIT; servers also send one digit. */
  if (p < end && *p == ' ')
    p++;
  if (!read_digits (&p, end, 1, &day))
    return NULL;
  if (p < end && g_ascii_isdigit (*p))
    day = day * 10 + (*p++ - '0');

  if (p == end || *p++ != '-' ||
      !read_month (&p, end, &month) ||
      p == end || *p++ != '-' ||
      !read_digits (&p, end, 4, &year) ||
      p == end || *p++ != ' ' ||
      !read_digits (&p, end, 2, &hour) ||
      p == end || *p++ != ':' ||
      !read_digits (&p, end, 2, &minute) ||
      p == end || *p++ != ':' ||
      !read_digits (&p, end, 2, &second) ||
      p == end || *p++ != ' ' ||
      !read_zone (&p, end, &offset) ||
      p != end)
    return NULL;

  return make_date_time (year, month, day, hour, minute, second, offset);
}

/* The Date: header in its common form, RFC 5322 §3.3
 * `[day-name ","] day month year hour ":" minute [":" second] zone
 * [comment]`; anything else goes to GMime, which knows the obsolete
 * forms. */
static GDateTime *
parse_header_date (const char *text)
{
  const char *p = text;
  const char *end = text + strlen (text);
  GDateTime *date_time;
  GDateTime *utc;
  int day;
  int month;
  int year;
  int hour;
  int minute;
  int second = 0;
  int offset;

  while (p < end && *p == ' ')
    p++;
  if (end - p >= 4 && g_ascii_isalpha (p[0]) && p[3] == ',')
    {
      p += 4;
      while (p < end && *p == ' ')
        p++;
    }

  if (read_digits (&p, end, 1, &day))
    {
      if (p < end && g_ascii_isdigit (*p))
        day = day * 10 + (*p++ - '0');

      if (p < end && *p++ == ' ' &&
          read_month (&p, end, &month) &&
          p < end && *p++ == ' ' &&
          read_digits (&p, end, 4, &year) &&
          p < end && *p++ == ' ' &&
          read_digits (&p, end, 2, &hour) &&
          p < end && *p++ == ':' &&
          read_digits (&p, end, 2, &minute) &&
          (p == end || *p != ':' || (p++, read_digits (&p, end, 2, &second))) &&
          p < end && *p++ == ' ' &&
          read_zone (&p, end, &offset) &&
          (p == end || *p == ' '))
        {
          date_time = make_date_time (year, month, day, hour, minute, second, offset);
          if (date_time != NULL)
            return date_time;
        }
    }

  ensure_gmime ();
  date_time = g_mime_utils_header_decode_date (text);
  if (date_time == NULL)
    return NULL;

  utc = g_date_time_to_utc (date_time);
  g_date_time_unref (date_time);
  return utc;
}

/* Addresses and envelopes */

/**
 * pf_imap_address_free:
 * @address: (transfer full) (nullable): an address
 */
void
pf_imap_address_free (PfImapAddress *address)
{
  if (address == NULL)
    return;

  /* The strings are part of the same allocation. */
  g_clear_pointer (&address->members, g_ptr_array_unref);
  g_free (address);
}

/**
 * pf_imap_address_is_group:
 * @address: an address
 *
 * Returns: %TRUE if @address is a group (RFC 5322 §3.4), whose addresses
 *   are its members
 */
gboolean
pf_imap_address_is_group (const PfImapAddress *address)
{
  g_return_val_if_fail (address != NULL, FALSE);

  return address->members != NULL;
}

/**
 * pf_imap_address_dup_email:
 * @address: an address that is not a group
 *
 * Returns: (transfer full) (nullable): "mailbox@host", just the mailbox
 *   if the host is missing, or %NULL for a group
 */
char *
pf_imap_address_dup_email (const PfImapAddress *address)
{
  g_return_val_if_fail (address != NULL, NULL);

  if (address->members != NULL || address->mailbox == NULL)
    return NULL;

  if (address->host == NULL)
    return g_strdup (address->mailbox);

  return g_strconcat (address->mailbox, "@", address->host, NULL);
}

static void
append_address (GString             *string,
                const PfImapAddress *address)
{
  guint i;

  if (address->members != NULL)
    {
      g_string_append_printf (string, "%s:", address->name != NULL ? address->name : "");
      for (i = 0; i < address->members->len; i++)
        {
          g_string_append (string, i > 0 ? ", " : " ");
          append_address (string, g_ptr_array_index (address->members, i));
        }
      g_string_append_c (string, ';');
      return;
    }

  if (address->name != NULL && address->name[0] != '\0')
    g_string_append_printf (string, "%s <%s@%s>", address->name,
                            address->mailbox != NULL ? address->mailbox : "",
                            address->host != NULL ? address->host : "");
  else
    g_string_append_printf (string, "%s@%s",
                            address->mailbox != NULL ? address->mailbox : "",
                            address->host != NULL ? address->host : "");
}

/**
 * pf_imap_address_list_to_string:
 * @addresses: (nullable) (element-type PfImapAddress): addresses
 *
 * Formats addresses for display and search indexes, not for headers:
 * names are not quoted. `Jörg <j@example.org>, Team: a@example.org;`.
 *
 * Returns: (transfer full): the text; empty for %NULL
 */
char *
pf_imap_address_list_to_string (GPtrArray *addresses)
{
  GString *string = g_string_new (NULL);
  guint i;

  for (i = 0; addresses != NULL && i < addresses->len; i++)
    {
      if (i > 0)
        g_string_append (string, ", ");
      append_address (string, g_ptr_array_index (addresses, i));
    }

  return g_string_free (string, FALSE);
}

/* Copies @string (@length bytes, valid UTF-8), or nothing if %NULL, to
 * @dest and points @field at the copy; returns the bytes used. */
static gsize
pack_string (char        *dest,
             const char  *string,
             gsize        length,
             char       **field)
{
  if (string == NULL)
    {
      *field = NULL;
      return 0;
    }

  memcpy (dest, string, length);
  dest[length] = '\0';
  *field = dest;

  return length + 1;
}

static gsize
packed_size (const char *string,
             gsize       length)
{
  return string != NULL ? length + 1 : 0;
}

/* The last display name decoded for an envelope: servers fill Sender and
 * Reply-To with From (RFC 3501 §7.4.2), so the same encoded-words come
 * three times, and GMime is the most expensive part of an envelope. */
typedef struct
{
  const char *raw;
  gsize       raw_len;
  char       *decoded;
} NameCache;

static const char *
decode_name (NameCache  *cache,
             const char *name,
             gsize       name_len)
{
  if (cache->raw == NULL || cache->raw_len != name_len ||
      memcmp (cache->raw, name, name_len) != 0)
    {
      g_free (cache->decoded);
      cache->decoded = decode_text (name, name_len);
      cache->raw = name;
      cache->raw_len = name_len;
    }

  return cache->decoded;
}

/* An address with its four strings in one allocation: a FETCH of many
 * messages makes many. */
static PfImapAddress *
address_new (NameCache  *cache,
             const char *name,
             gsize       name_len,
             const char *adl,
             gsize       adl_len,
             const char *mailbox,
             gsize       mailbox_len,
             const char *host,
             gsize       host_len)
{
  g_autofree char *adl_copy = NULL;
  g_autofree char *mailbox_copy = NULL;
  g_autofree char *host_copy = NULL;
  PfImapAddress *address;
  gsize size;
  char *p;

  if (name != NULL && !is_plain_text (name, name_len))
    {
      name = decode_name (cache, name, name_len);
      name_len = strlen (name);
    }
  adl = make_valid (adl, &adl_len, &adl_copy);
  mailbox = make_valid (mailbox, &mailbox_len, &mailbox_copy);
  host = make_valid (host, &host_len, &host_copy);

  size = sizeof (PfImapAddress) +
         packed_size (name, name_len) +
         packed_size (adl, adl_len) +
         packed_size (mailbox, mailbox_len) +
         packed_size (host, host_len);

  address = g_malloc (size);
  address->members = NULL;
  p = (char *) (address + 1);
  p += pack_string (p, name, name_len, &address->name);
  p += pack_string (p, adl, adl_len, &address->adl);
  p += pack_string (p, mailbox, mailbox_len, &address->mailbox);
  pack_string (p, host, host_len, &address->host);

  return address;
}

/* RFC 3501 §7.4.2: an address is (name adl mailbox host); a NIL host
 * marks group syntax: with a mailbox, the start of a group named by the
 * mailbox; without, its end. */
static gboolean
read_addresses (const PfImapValue  *value,
                NameCache          *cache,
                GPtrArray         **out)
{
  g_autoptr(GPtrArray) addresses = NULL;
  PfImapAddress *group = NULL;
  guint n;
  guint i;

  *out = NULL;
  if (pf_imap_value_is_nil (value))
    return TRUE;
  if (!pf_imap_value_is_list (value))
    return FALSE;

  n = pf_imap_value_get_n_items (value);
  addresses = g_ptr_array_new_full (n, (GDestroyNotify) pf_imap_address_free);

  for (i = 0; i < n; i++)
    {
      const PfImapValue *item = pf_imap_value_get_item (value, i);
      g_autoptr(PfImapAddress) address = NULL;
      const char *name;
      const char *adl;
      const char *mailbox;
      const char *host;
      gsize name_len;
      gsize adl_len;
      gsize mailbox_len;
      gsize host_len;

      if (pf_imap_value_get_n_items (item) < 4 ||
          !get_nstring (pf_imap_value_get_item (item, 0), &name, &name_len) ||
          !get_nstring (pf_imap_value_get_item (item, 1), &adl, &adl_len) ||
          !get_nstring (pf_imap_value_get_item (item, 2), &mailbox, &mailbox_len) ||
          !get_nstring (pf_imap_value_get_item (item, 3), &host, &host_len))
        return FALSE;

      if (host == NULL)
        {
          if (mailbox == NULL)
            {
              group = NULL;
              continue;
            }

          /* The start of a group. Groups do not nest (RFC 5322 §3.4). */
          address = address_new (cache, mailbox, mailbox_len, NULL, 0, NULL, 0, NULL, 0);
          address->members = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_imap_address_free);
          group = address;
          g_ptr_array_add (addresses, g_steal_pointer (&address));
          continue;
        }

      address = address_new (cache, name, name_len, adl, adl_len, mailbox, mailbox_len, host, host_len);

      if (group != NULL)
        g_ptr_array_add (group->members, g_steal_pointer (&address));
      else
        g_ptr_array_add (addresses, g_steal_pointer (&address));
    }

  *out = g_steal_pointer (&addresses);
  return TRUE;
}

/**
 * pf_imap_envelope_free:
 * @envelope: (transfer full) (nullable): an envelope
 */
void
pf_imap_envelope_free (PfImapEnvelope *envelope)
{
  if (envelope == NULL)
    return;

  g_free (envelope->date);
  g_clear_pointer (&envelope->date_time, g_date_time_unref);
  g_free (envelope->subject);
  g_clear_pointer (&envelope->from, g_ptr_array_unref);
  g_clear_pointer (&envelope->sender, g_ptr_array_unref);
  g_clear_pointer (&envelope->reply_to, g_ptr_array_unref);
  g_clear_pointer (&envelope->to, g_ptr_array_unref);
  g_clear_pointer (&envelope->cc, g_ptr_array_unref);
  g_clear_pointer (&envelope->bcc, g_ptr_array_unref);
  g_free (envelope->in_reply_to);
  g_free (envelope->message_id);
  g_free (envelope);
}

/**
 * pf_imap_envelope_new_from_value:
 * @value: the value of an ENVELOPE item, or the envelope of a
 *   message/rfc822 body structure
 * @error: return location for an error
 *
 * Decodes an envelope (RFC 3501 §7.4.2): date, subject, the six address
 * lists with group syntax, In-Reply-To and Message-ID. Encoded-words
 * (RFC 2047) in the subject and in display names are decoded to UTF-8.
 *
 * Returns: (transfer full): the envelope, or %NULL with
 *   %PF_IMAP_ERROR_PROTOCOL
 */
PfImapEnvelope *
pf_imap_envelope_new_from_value (const PfImapValue  *value,
                                 GError            **error)
{
  g_autoptr(PfImapEnvelope) envelope = NULL;
  NameCache cache = { NULL, 0, NULL };
  gboolean valid;

  if (pf_imap_value_get_n_items (value) < 10)
    goto malformed;

  envelope = g_new0 (PfImapEnvelope, 1);

  valid = (read_nstring (pf_imap_value_get_item (value, 0), &envelope->date) &&
           read_text (pf_imap_value_get_item (value, 1), &envelope->subject) &&
           read_addresses (pf_imap_value_get_item (value, 2), &cache, &envelope->from) &&
           read_addresses (pf_imap_value_get_item (value, 3), &cache, &envelope->sender) &&
           read_addresses (pf_imap_value_get_item (value, 4), &cache, &envelope->reply_to) &&
           read_addresses (pf_imap_value_get_item (value, 5), &cache, &envelope->to) &&
           read_addresses (pf_imap_value_get_item (value, 6), &cache, &envelope->cc) &&
           read_addresses (pf_imap_value_get_item (value, 7), &cache, &envelope->bcc) &&
           read_nstring (pf_imap_value_get_item (value, 8), &envelope->in_reply_to) &&
           read_nstring (pf_imap_value_get_item (value, 9), &envelope->message_id));
  g_free (cache.decoded);
  if (!valid)
    goto malformed;

  if (envelope->date != NULL)
    envelope->date_time = parse_header_date (envelope->date);

  return g_steal_pointer (&envelope);

malformed:
  set_malformed (error, _("The server sent a malformed message envelope"));
  return NULL;
}

/* Body structures */

/* A parameter with its name and value in one allocation. */
static void
add_param (GPtrArray  *params,
           const char *name,
           gsize       name_len,
           const char *value,
           gsize       value_len)
{
  g_autofree char *decoded = NULL;
  g_autofree char *name_copy = NULL;
  PfImapParam *param;
  gsize size;
  char *p;
  gsize i;

  if (!is_plain_text (value, value_len))
    {
      decoded = decode_text (value, value_len);
      value = decoded;
      value_len = strlen (decoded);
    }
  name = make_valid (name, &name_len, &name_copy);

  size = sizeof (PfImapParam) + packed_size (name, name_len) + packed_size (value, value_len);
  param = g_malloc (size);
  p = (char *) (param + 1);
  p += pack_string (p, name, name_len, &param->name);
  pack_string (p, value, value_len, &param->value);

  for (i = 0; param->name[i] != '\0'; i++)
    param->name[i] = g_ascii_tolower (param->name[i]);

  g_ptr_array_add (params, param);
}

/* RFC 2045 §5.1 token: printable ASCII but tspecials. */
static gboolean
is_token (const char *string,
          gsize       length)
{
  gsize i;

  if (length == 0)
    return FALSE;

  for (i = 0; i < length; i++)
    {
      switch (string[i])
        {
        case '(': case ')': case '<': case '>': case '@': case ',': case ';':
        case ':': case '\\': case '"': case '/': case '[': case ']': case '?':
        case '=':
          return FALSE;
        default:
          if ((guchar) string[i] <= 0x20 || (guchar) string[i] >= 0x7f)
            return FALSE;
          break;
        }
    }

  return TRUE;
}

/* body-fld-param (RFC 3501 §9): NIL or a list of name/value pairs. RFC 2231
 * continuations and charsets (`filename*0*=utf-8''…`) and encoded-words
 * that broken mailers put in parameters are decoded by GMime, from the
 * pairs written back as a header. */
static gboolean
read_params (const PfImapValue  *value,
             GPtrArray         **out)
{
  g_autoptr(GPtrArray) params = NULL;
  g_autoptr(GString) header = NULL;
  gboolean need_gmime = FALSE;
  gboolean can_gmime = TRUE;
  guint n;
  guint i;

  *out = NULL;
  if (pf_imap_value_is_nil (value))
    return TRUE;
  if (!pf_imap_value_is_list (value))
    return FALSE;

  n = pf_imap_value_get_n_items (value);
  params = g_ptr_array_new_full (n / 2, g_free);

  for (i = 0; i + 1 < n; i += 2)
    {
      const char *name;
      const char *string;
      gsize name_len;
      gsize string_len;
      gsize j;

      if (!get_nstring (pf_imap_value_get_item (value, i), &name, &name_len) ||
          !get_nstring (pf_imap_value_get_item (value, i + 1), &string, &string_len))
        return FALSE;
      if (name == NULL)
        continue;
      if (string == NULL)
        string = "";

      if (memchr (name, '*', name_len) != NULL)
        need_gmime = TRUE;
      if (!is_token (name, name_len))
        can_gmime = FALSE;
      for (j = 0; j < string_len; j++)
        {
          if (string[j] == '=' && j + 1 < string_len && string[j + 1] == '?')
            need_gmime = TRUE;
          else if (string[j] == '\r' || string[j] == '\n')
            can_gmime = FALSE;
        }
    }

  if (need_gmime && can_gmime)
    {
      GMimeParamList *list;
      int n_params;
      int k;

      header = g_string_new (NULL);
      for (i = 0; i + 1 < n; i += 2)
        {
          const char *name;
          const char *string;
          gsize name_len;
          gsize string_len;
          gsize j;

          get_nstring (pf_imap_value_get_item (value, i), &name, &name_len);
          get_nstring (pf_imap_value_get_item (value, i + 1), &string, &string_len);
          if (name == NULL)
            continue;

          g_string_append (header, "; ");
          g_string_append_len (header, name, name_len);
          g_string_append (header, "=\"");
          for (j = 0; string != NULL && j < string_len; j++)
            {
              if (string[j] == '"' || string[j] == '\\')
                g_string_append_c (header, '\\');
              g_string_append_c (header, string[j]);
            }
          g_string_append_c (header, '"');
        }

      ensure_gmime ();
      list = g_mime_param_list_parse (NULL, header->str);
      n_params = list != NULL ? g_mime_param_list_length (list) : 0;
      for (k = 0; k < n_params; k++)
        {
          GMimeParam *param = g_mime_param_list_get_parameter_at (list, k);
          const char *name = g_mime_param_get_name (param);
          const char *string = g_mime_param_get_value (param);

          if (name == NULL)
            continue;
          if (string == NULL)
            string = "";
          add_param (params, name, strlen (name), string, strlen (string));
        }
      g_clear_object (&list);

      if (params->len > 0)
        {
          *out = g_steal_pointer (&params);
          return TRUE;
        }
    }

  for (i = 0; i + 1 < n; i += 2)
    {
      const char *name;
      const char *string;
      gsize name_len;
      gsize string_len;

      get_nstring (pf_imap_value_get_item (value, i), &name, &name_len);
      get_nstring (pf_imap_value_get_item (value, i + 1), &string, &string_len);
      if (name == NULL)
        continue;
      add_param (params, name, name_len, string != NULL ? string : "", string_len);
    }

  *out = g_steal_pointer (&params);
  return TRUE;
}

static const char *
find_param (GPtrArray  *params,
            const char *name)
{
  guint i;

  for (i = 0; params != NULL && i < params->len; i++)
    {
      PfImapParam *param = g_ptr_array_index (params, i);

      if (g_ascii_strcasecmp (param->name, name) == 0)
        return param->value;
    }

  return NULL;
}

/**
 * pf_imap_body_structure_free:
 * @body: (transfer full) (nullable): a body structure
 *
 * Frees @body with all its parts.
 */
void
pf_imap_body_structure_free (PfImapBodyStructure *body)
{
  if (body == NULL)
    return;

  g_free (body->type);
  g_free (body->subtype);
  g_clear_pointer (&body->params, g_ptr_array_unref);
  g_free (body->id);
  g_free (body->description);
  g_free (body->encoding);
  g_free (body->md5);
  g_free (body->disposition);
  g_clear_pointer (&body->disposition_params, g_ptr_array_unref);
  g_strfreev (body->language);
  g_free (body->location);
  g_clear_pointer (&body->children, g_ptr_array_unref);
  g_clear_pointer (&body->envelope, pf_imap_envelope_free);
  g_clear_pointer (&body->body, pf_imap_body_structure_free);
  g_free (body->section);
  g_free (body);
}

/* Extension data (RFC 3501 §9 body-ext-1part, body-ext-mpart) from
 * @index on: disposition, language, location; each may be missing. */
static gboolean
read_extension (PfImapBodyStructure *body,
                const PfImapValue   *value,
                guint                index)
{
  const PfImapValue *disposition = pf_imap_value_get_item (value, index);
  const PfImapValue *language = pf_imap_value_get_item (value, index + 1);

  if (pf_imap_value_is_list (disposition))
    {
      if (!read_lower (pf_imap_value_get_item (disposition, 0), &body->disposition) ||
          !read_params (pf_imap_value_get_item (disposition, 1), &body->disposition_params))
        return FALSE;
    }
  else if (!read_lower (disposition, &body->disposition))
    return FALSE;

  if (pf_imap_value_is_list (language))
    body->language = pf_imap_value_dup_strv (language);
  else if (!pf_imap_value_is_nil (language))
    {
      const char *string;
      gsize length;

      if (!get_nstring (language, &string, &length))
        return FALSE;
      body->language = g_new0 (char *, 2);
      body->language[0] = dup_valid (string, length);
    }

  /* Location is the last item we know; further extensions are ignored. */
  return read_nstring (pf_imap_value_get_item (value, index + 2), &body->location);
}

static char *
child_section (const char *parent,
               guint       index)
{
  char digits[16];
  char *section;
  gsize parent_len = parent != NULL ? strlen (parent) : 0;
  gsize n = 0;
  gsize i;

  do
    {
      digits[n++] = (char) ('0' + index % 10);
      index /= 10;
    }
  while (index > 0);

  section = g_malloc (parent_len + 1 + n + 1);
  i = 0;
  if (parent != NULL)
    {
      /* Not memcpy() with a NULL source, even of 0 bytes. */
      memcpy (section, parent, parent_len);
      i = parent_len;
      section[i++] = '.';
    }
  while (n > 0)
    section[i++] = digits[--n];
  section[i] = '\0';

  return section;
}

static PfImapBodyStructure *read_body (const PfImapValue *value,
                                       const char        *section);

static PfImapBodyStructure *
read_multipart (const PfImapValue *value,
                const char        *section)
{
  g_autoptr(PfImapBodyStructure) body = NULL;
  guint n = pf_imap_value_get_n_items (value);
  guint i;

  body = g_new0 (PfImapBodyStructure, 1);
  body->type = g_strdup ("multipart");
  body->section = g_strdup (section);
  body->children = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_imap_body_structure_free);

  for (i = 0; i < n && pf_imap_value_is_list (pf_imap_value_get_item (value, i)); i++)
    {
      g_autofree char *part = child_section (section, i + 1);
      PfImapBodyStructure *child;

      child = read_body (pf_imap_value_get_item (value, i), part);
      if (child == NULL)
        return NULL;
      g_ptr_array_add (body->children, child);
    }

  /* media-subtype; tolerate it missing. */
  if (!read_lower (pf_imap_value_get_item (value, i), &body->subtype))
    return NULL;
  if (body->subtype == NULL)
    body->subtype = g_strdup ("mixed");

  if (!read_params (pf_imap_value_get_item (value, i + 1), &body->params) ||
      !read_extension (body, value, i + 2))
    return NULL;

  return g_steal_pointer (&body);
}

static PfImapBodyStructure *
read_body (const PfImapValue *value,
           const char        *section)
{
  g_autoptr(PfImapBodyStructure) body = NULL;
  guint next;

  if (pf_imap_value_get_n_items (value) == 0)
    return NULL;

  if (pf_imap_value_is_list (pf_imap_value_get_item (value, 0)))
    return read_multipart (value, section);

  body = g_new0 (PfImapBodyStructure, 1);
  body->section = g_strdup (section);

  /* body-type-basic / -msg / -text: type subtype params id description
   * encoding size [envelope body] [lines] */
  if (!read_lower (pf_imap_value_get_item (value, 0), &body->type) ||
      !read_lower (pf_imap_value_get_item (value, 1), &body->subtype) ||
      !read_params (pf_imap_value_get_item (value, 2), &body->params) ||
      !read_nstring (pf_imap_value_get_item (value, 3), &body->id) ||
      !read_text (pf_imap_value_get_item (value, 4), &body->description) ||
      !read_lower (pf_imap_value_get_item (value, 5), &body->encoding))
    return NULL;

  if (body->type == NULL)
    body->type = g_strdup ("application");
  if (body->subtype == NULL)
    body->subtype = g_strdup ("octet-stream");

  if (!pf_imap_value_to_number (pf_imap_value_get_item (value, 6), &body->size) &&
      !pf_imap_value_is_nil (pf_imap_value_get_item (value, 6)))
    return NULL;

  next = 7;
  if (strcmp (body->type, "message") == 0 &&
      (strcmp (body->subtype, "rfc822") == 0 || strcmp (body->subtype, "global") == 0) &&
      pf_imap_value_is_list (pf_imap_value_get_item (value, 7)) &&
      pf_imap_value_is_list (pf_imap_value_get_item (value, 8)))
    {
      const PfImapValue *inner = pf_imap_value_get_item (value, 8);
      g_autofree char *inner_section = NULL;

      body->envelope = pf_imap_envelope_new_from_value (pf_imap_value_get_item (value, 7), NULL);
      if (body->envelope == NULL)
        return NULL;

      /* RFC 3501 §6.4.5: the parts of an encapsulated multipart are
       * numbered below the message part; a single-part body is part 1. */
      if (pf_imap_value_is_list (pf_imap_value_get_item (inner, 0)))
        inner_section = g_strdup (section);
      else
        inner_section = child_section (section, 1);

      body->body = read_body (inner, inner_section);
      if (body->body == NULL)
        return NULL;

      pf_imap_value_to_number (pf_imap_value_get_item (value, 9), &body->lines);
      next = 10;
    }
  else if (strcmp (body->type, "text") == 0)
    {
      pf_imap_value_to_number (pf_imap_value_get_item (value, 7), &body->lines);
      next = 8;
    }

  /* body-ext-1part: md5, then disposition, language, location. */
  if (!read_nstring (pf_imap_value_get_item (value, next), &body->md5) ||
      !read_extension (body, value, next + 1))
    return NULL;

  return g_steal_pointer (&body);
}

/**
 * pf_imap_body_structure_new_from_value:
 * @value: the value of a BODYSTRUCTURE or BODY item
 * @error: return location for an error
 *
 * Decodes the MIME structure of a message (RFC 3501 §7.4.2 BODYSTRUCTURE,
 * §9 body): parts with type, parameters, encoding and size, multipart
 * children, the envelope and body of message/rfc822 parts, and the
 * extension data (disposition, language, location) where the server sent
 * it. Each part gets its section number for `BODY[section]`.
 *
 * Returns: (transfer full): the structure, or %NULL with
 *   %PF_IMAP_ERROR_PROTOCOL
 */
PfImapBodyStructure *
pf_imap_body_structure_new_from_value (const PfImapValue  *value,
                                       GError            **error)
{
  PfImapBodyStructure *body;
  gboolean multipart;

  multipart = pf_imap_value_is_list (pf_imap_value_get_item (value, 0));
  body = read_body (value, multipart ? NULL : "1");
  if (body == NULL)
    set_malformed (error, _("The server sent a malformed message structure"));

  return body;
}

/**
 * pf_imap_body_structure_is_multipart:
 * @body: a body structure
 *
 * Returns: %TRUE if @body is a multipart with children
 */
gboolean
pf_imap_body_structure_is_multipart (const PfImapBodyStructure *body)
{
  g_return_val_if_fail (body != NULL, FALSE);

  return body->children != NULL;
}

/**
 * pf_imap_body_structure_get_param:
 * @body: a body structure
 * @name: a Content-Type parameter name, e.g. "charset"
 *
 * Returns: (transfer none) (nullable): its value, or %NULL
 */
const char *
pf_imap_body_structure_get_param (const PfImapBodyStructure *body,
                                  const char                *name)
{
  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return find_param (body->params, name);
}

/**
 * pf_imap_body_structure_get_disposition_param:
 * @body: a body structure
 * @name: a Content-Disposition parameter name, e.g. "filename"
 *
 * Returns: (transfer none) (nullable): its value, or %NULL
 */
const char *
pf_imap_body_structure_get_disposition_param (const PfImapBodyStructure *body,
                                              const char                *name)
{
  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return find_param (body->disposition_params, name);
}

/**
 * pf_imap_body_structure_get_filename:
 * @body: a body structure
 *
 * Returns: (transfer none) (nullable): the attachment's file name: the
 *   disposition's filename, else the Content-Type's name (RFC 2183 §2.3,
 *   and what old mailers use), decoded
 */
const char *
pf_imap_body_structure_get_filename (const PfImapBodyStructure *body)
{
  const char *filename;

  g_return_val_if_fail (body != NULL, NULL);

  filename = find_param (body->disposition_params, "filename");
  if (filename == NULL)
    filename = find_param (body->params, "name");

  return filename;
}

/**
 * pf_imap_body_structure_find_section:
 * @body: a body structure
 * @section: a part specifier, e.g. "2.1"
 *
 * Returns: (transfer none) (nullable): the part with that section number,
 *   or %NULL
 */
const PfImapBodyStructure *
pf_imap_body_structure_find_section (const PfImapBodyStructure *body,
                                     const char                *section)
{
  guint i;

  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (section != NULL, NULL);

  if (g_strcmp0 (body->section, section) == 0 && body->children == NULL)
    return body;

  for (i = 0; body->children != NULL && i < body->children->len; i++)
    {
      const PfImapBodyStructure *found;

      found = pf_imap_body_structure_find_section (g_ptr_array_index (body->children, i), section);
      if (found != NULL)
        return found;
    }

  if (body->body != NULL)
    return pf_imap_body_structure_find_section (body->body, section);

  if (g_strcmp0 (body->section, section) == 0)
    return body;

  return NULL;
}

/* FETCH */

static void
pf_imap_fetch_body_free (PfImapFetchBody *body)
{
  g_free (body->section);
  g_clear_pointer (&body->data, g_bytes_unref);
  g_free (body);
}

/**
 * pf_imap_fetch_free:
 * @fetch: (transfer full) (nullable): decoded FETCH data
 */
void
pf_imap_fetch_free (PfImapFetch *fetch)
{
  if (fetch == NULL)
    return;

  g_strfreev (fetch->flags);
  g_clear_pointer (&fetch->internal_date, g_date_time_unref);
  g_clear_pointer (&fetch->envelope, pf_imap_envelope_free);
  g_clear_pointer (&fetch->body_structure, pf_imap_body_structure_free);
  g_clear_pointer (&fetch->bodies, g_ptr_array_unref);
  g_free (fetch);
}

/* Upper case, runs of white space as one space, none inside parentheses'
 * edges: "header.fields ( From  To)" becomes "HEADER.FIELDS (FROM TO)". */
static char *
normalize_section (const char *section,
                   gsize       length)
{
  GString *string = g_string_sized_new (length);
  gboolean space = FALSE;
  gsize i;

  for (i = 0; i < length; i++)
    {
      char c = section[i];

      if (c == ' ' || c == '\t')
        {
          space = TRUE;
          continue;
        }

      if (space && string->len > 0 && c != ')' && string->str[string->len - 1] != '(')
        g_string_append_c (string, ' ');
      space = FALSE;
      g_string_append_c (string, g_ascii_toupper (c));
    }

  return g_string_free (string, FALSE);
}

/* BODY[section]<origin>, BINARY[section]<origin> (RFC 3516), RFC822,
 * RFC822.HEADER, RFC822.TEXT. */
static gboolean
read_fetch_body (PfImapFetch       *fetch,
                 PfImapResponse    *response,
                 const PfImapValue *name,
                 const PfImapValue *value)
{
  g_autofree char *section = NULL;
  PfImapFetchBody *body;
  gboolean binary = FALSE;
  gboolean has_origin = FALSE;
  guint64 origin = 0;
  const char *string;
  gsize length;

  string = pf_imap_value_get_string (name, &length);
  if (strlen (string) != length)
    return FALSE;

  if (pf_imap_value_equal_atom (name, "RFC822"))
    section = g_strdup ("");
  else if (pf_imap_value_equal_atom (name, "RFC822.HEADER"))
    section = g_strdup ("HEADER");
  else if (pf_imap_value_equal_atom (name, "RFC822.TEXT"))
    section = g_strdup ("TEXT");
  else
    {
      const char *open = memchr (string, '[', length);
      const char *close = NULL;
      const char *p;

      binary = pf_imap_value_has_prefix (name, "BINARY[");
      if (open == NULL)
        return FALSE;

      for (p = string + length; p > open; p--)
        {
          if (p[-1] == ']')
            {
              close = p - 1;
              break;
            }
        }
      if (close == NULL)
        return FALSE;

      section = normalize_section (open + 1, close - (open + 1));

      p = close + 1;
      if (p < string + length && *p == '<')
        {
          p++;
          if (p == string + length || !g_ascii_isdigit (*p))
            return FALSE;
          while (p < string + length && g_ascii_isdigit (*p))
            {
              if (origin > G_MAXUINT64 / 10 - 1)
                return FALSE;
              origin = origin * 10 + (guint) (*p++ - '0');
            }
          if (p == string + length || *p != '>')
            return FALSE;
          has_origin = TRUE;
        }
    }

  body = g_new0 (PfImapFetchBody, 1);
  body->section = g_steal_pointer (&section);
  body->binary = binary;
  body->has_origin = has_origin;
  body->origin = origin;

  switch (pf_imap_value_get_kind (value))
    {
    case PF_IMAP_VALUE_STREAMED:
      body->streamed = TRUE;
      body->size = pf_imap_value_get_streamed_size (value);
      break;

    case PF_IMAP_VALUE_STRING:
    case PF_IMAP_VALUE_ATOM:
    case PF_IMAP_VALUE_NUMBER:
      body->data = pf_imap_response_ref_bytes (response, value);
      body->size = g_bytes_get_size (body->data);
      break;

    case PF_IMAP_VALUE_NIL:
      break;

    case PF_IMAP_VALUE_LIST:
    default:
      pf_imap_fetch_body_free (body);
      return FALSE;
    }

  if (fetch->bodies == NULL)
    fetch->bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_imap_fetch_body_free);
  g_ptr_array_add (fetch->bodies, body);

  return TRUE;
}

static gboolean
read_uint32 (const PfImapValue *value,
             guint32           *out)
{
  guint64 number;

  if (!pf_imap_value_is_number (value))
    return FALSE;

  number = pf_imap_value_get_number (value);
  if (number > G_MAXUINT32)
    return FALSE;

  *out = (guint32) number;
  return TRUE;
}

/**
 * pf_imap_fetch_new_from_response:
 * @response: an untagged FETCH response (`* 12 FETCH (…)`)
 * @error: return location for an error
 *
 * Decodes the message data of a FETCH response (RFC 3501 §7.4.2): UID,
 * FLAGS, INTERNALDATE, RFC822.SIZE, MODSEQ (RFC 7162 §3.1.4.1), ENVELOPE,
 * BODYSTRUCTURE and the `BODY[section]<origin>` and `BINARY[section]`
 * items. Body data is not copied: it shares the memory of @response.
 *
 * Returns: (transfer full): the data, or %NULL with
 *   %PF_IMAP_ERROR_PROTOCOL
 */
PfImapFetch *
pf_imap_fetch_new_from_response (PfImapResponse  *response,
                                 GError         **error)
{
  g_autoptr(PfImapFetch) fetch = NULL;
  g_autoptr(GError) local_error = NULL;
  const PfImapValue *items;
  guint n;
  guint i;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (pf_imap_response_is_keyword (response, "FETCH"), NULL);

  items = pf_imap_response_get_value (response, 0);
  if (!pf_imap_response_has_number (response) ||
      pf_imap_response_get_number (response) == 0 ||
      pf_imap_response_get_number (response) > G_MAXUINT32 ||
      !pf_imap_value_is_list (items))
    goto malformed;

  fetch = g_new0 (PfImapFetch, 1);
  fetch->seq = (guint32) pf_imap_response_get_number (response);
  n = pf_imap_value_get_n_items (items);

  for (i = 0; i + 1 < n; i += 2)
    {
      const PfImapValue *name = pf_imap_value_get_item (items, i);
      const PfImapValue *value = pf_imap_value_get_item (items, i + 1);

      if (pf_imap_value_get_kind (name) != PF_IMAP_VALUE_ATOM)
        goto malformed;

      if (pf_imap_value_equal_atom (name, "UID"))
        {
          if (!read_uint32 (value, &fetch->uid))
            goto malformed;
          fetch->fields |= PF_IMAP_FETCH_UID;
        }
      else if (pf_imap_value_equal_atom (name, "FLAGS"))
        {
          if (!pf_imap_value_is_list (value))
            goto malformed;
          g_strfreev (fetch->flags);
          fetch->flags = pf_imap_value_dup_strv (value);
          fetch->fields |= PF_IMAP_FETCH_FLAGS;
        }
      else if (pf_imap_value_equal_atom (name, "INTERNALDATE"))
        {
          const char *string;
          gsize length;

          if (!get_nstring (value, &string, &length))
            goto malformed;
          g_clear_pointer (&fetch->internal_date, g_date_time_unref);
          if (string != NULL)
            fetch->internal_date = pf_imap_parse_date_time (string, length);
          if (fetch->internal_date != NULL)
            fetch->fields |= PF_IMAP_FETCH_INTERNALDATE;
        }
      else if (pf_imap_value_equal_atom (name, "RFC822.SIZE"))
        {
          if (!pf_imap_value_to_number (value, &fetch->rfc822_size))
            goto malformed;
          fetch->fields |= PF_IMAP_FETCH_RFC822_SIZE;
        }
      else if (pf_imap_value_equal_atom (name, "MODSEQ"))
        {
          /* "MODSEQ" SP "(" permsg-modsequence ")" */
          const PfImapValue *modseq = pf_imap_value_is_list (value)
                                      ? pf_imap_value_get_item (value, 0) : value;

          if (!pf_imap_value_is_number (modseq))
            goto malformed;
          fetch->modseq = pf_imap_value_get_number (modseq);
          fetch->fields |= PF_IMAP_FETCH_MODSEQ;
        }
      else if (pf_imap_value_equal_atom (name, "ENVELOPE"))
        {
          g_clear_pointer (&fetch->envelope, pf_imap_envelope_free);
          fetch->envelope = pf_imap_envelope_new_from_value (value, &local_error);
          if (fetch->envelope == NULL)
            goto failed;
          fetch->fields |= PF_IMAP_FETCH_ENVELOPE;
        }
      else if (pf_imap_value_equal_atom (name, "BODYSTRUCTURE") ||
               pf_imap_value_equal_atom (name, "BODY"))
        {
          g_clear_pointer (&fetch->body_structure, pf_imap_body_structure_free);
          fetch->body_structure = pf_imap_body_structure_new_from_value (value, &local_error);
          if (fetch->body_structure == NULL)
            goto failed;
          fetch->fields |= PF_IMAP_FETCH_BODYSTRUCTURE;
        }
      else if (pf_imap_value_has_prefix (name, "BODY[") ||
               pf_imap_value_has_prefix (name, "BINARY[") ||
               pf_imap_value_equal_atom (name, "RFC822") ||
               pf_imap_value_equal_atom (name, "RFC822.HEADER") ||
               pf_imap_value_equal_atom (name, "RFC822.TEXT"))
        {
          if (!read_fetch_body (fetch, response, name, value))
            goto malformed;
        }
    }

  return g_steal_pointer (&fetch);

malformed:
  set_malformed (error, _("The server sent a malformed FETCH response"));
  return NULL;

failed:
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/**
 * pf_imap_fetch_get_body:
 * @fetch: decoded FETCH data
 * @section: the section as requested, e.g. "" for `BODY[]`, "1.2", or
 *   "HEADER.FIELDS (REFERENCES IN-REPLY-TO)"; case and spacing do not
 *   matter
 *
 * Returns: (transfer none) (nullable): the `BODY[section]` or
 *   `BINARY[section]` item, or %NULL
 */
const PfImapFetchBody *
pf_imap_fetch_get_body (const PfImapFetch *fetch,
                        const char        *section)
{
  g_autofree char *wanted = NULL;
  guint i;

  g_return_val_if_fail (fetch != NULL, NULL);
  g_return_val_if_fail (section != NULL, NULL);

  if (fetch->bodies == NULL)
    return NULL;

  wanted = normalize_section (section, strlen (section));
  for (i = 0; i < fetch->bodies->len; i++)
    {
      const PfImapFetchBody *body = g_ptr_array_index (fetch->bodies, i);

      if (strcmp (body->section, wanted) == 0)
        return body;
    }

  return NULL;
}

/**
 * pf_imap_fetch_has_flag:
 * @fetch: decoded FETCH data
 * @flag: a flag such as "\\Seen" or "$Forwarded"
 *
 * Returns: %TRUE if FLAGS holds @flag, compared ASCII-case-insensitively
 *   (RFC 3501 §2.3.2: flags are case-insensitive)
 */
gboolean
pf_imap_fetch_has_flag (const PfImapFetch *fetch,
                        const char        *flag)
{
  guint i;

  g_return_val_if_fail (fetch != NULL, FALSE);
  g_return_val_if_fail (flag != NULL, FALSE);

  for (i = 0; fetch->flags != NULL && fetch->flags[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (fetch->flags[i], flag) == 0)
        return TRUE;
    }

  return FALSE;
}

/* Mailbox names */

/**
 * pf_imap_decode_mailbox_name:
 * @value: a mailbox value (RFC 3501 §9 mailbox: an astring)
 * @utf8: %TRUE if UTF8=ACCEPT is enabled (RFC 6855 §3): names are UTF-8;
 *   else they are modified UTF-7 (RFC 3501 §5.1.3)
 * @error: return location for an error
 *
 * Decodes a mailbox name to UTF-8. INBOX is case-insensitive (RFC 3501
 * §5.1) and always comes back as "INBOX"; an atom NIL is the name "NIL".
 *
 * Returns: (transfer full): the name, or %NULL with
 *   %PF_IMAP_ERROR_PROTOCOL
 */
char *
pf_imap_decode_mailbox_name (const PfImapValue  *value,
                             gboolean            utf8,
                             GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *raw;
  gsize length;
  char *name;
  gsize i;
  gboolean plain = TRUE;

  if (value != NULL && pf_imap_value_get_kind (value) == PF_IMAP_VALUE_NIL)
    {
      raw = "NIL";
      length = 3;
    }
  else
    raw = pf_imap_value_get_string (value, &length);

  if (raw == NULL || strlen (raw) != length)
    {
      set_malformed (error, _("The server sent a malformed folder name"));
      return NULL;
    }

  if (g_ascii_strcasecmp (raw, "INBOX") == 0)
    return g_strdup ("INBOX");

  for (i = 0; i < length && plain; i++)
    plain = raw[i] >= 0x20 && raw[i] < 0x7f && raw[i] != '&';

  if (plain)
    return g_strndup (raw, length);

  if (utf8)
    {
      if (!g_utf8_validate_len (raw, length, NULL))
        {
          set_malformed (error, _("The server sent a folder name that is not valid UTF-8"));
          return NULL;
        }
      return g_strndup (raw, length);
    }

  name = pf_net_utf7_decode (raw, &local_error);
  if (name == NULL)
    {
      g_autofree char *message = g_utf8_make_valid (local_error->message, -1);

      g_set_error_literal (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL, message);
      return NULL;
    }

  return name;
}

static gboolean
read_delimiter (const PfImapValue *value,
                char              *delimiter)
{
  const char *string;
  gsize length;

  *delimiter = '\0';
  if (pf_imap_value_is_nil (value))
    return TRUE;

  string = pf_imap_value_get_string (value, &length);
  if (string == NULL || length != 1 || (guchar) string[0] >= 0x80)
    return FALSE;

  *delimiter = string[0];
  return TRUE;
}

/* STATUS */

/**
 * pf_imap_mailbox_status_free:
 * @status: (transfer full) (nullable): a decoded STATUS response
 */
void
pf_imap_mailbox_status_free (PfImapMailboxStatus *status)
{
  if (status == NULL)
    return;

  g_free (status->mailbox);
  g_free (status->raw_mailbox);
  g_free (status);
}

/**
 * pf_imap_mailbox_status_new_from_response:
 * @response: an untagged STATUS response
 * @utf8: %TRUE if UTF8=ACCEPT is enabled (see
 *   pf_imap_decode_mailbox_name())
 * @error: return location for an error
 *
 * Decodes `* STATUS name (MESSAGES 231 UIDNEXT 44292)` (RFC 3501 §7.2.4),
 * with HIGHESTMODSEQ (RFC 7162 §3.1.6), SIZE (RFC 8438) and DELETED
 * (RFC 9051). Unknown items are skipped.
 *
 * Returns: (transfer full): the status, or %NULL with
 *   %PF_IMAP_ERROR_PROTOCOL
 */
PfImapMailboxStatus *
pf_imap_mailbox_status_new_from_response (PfImapResponse  *response,
                                          gboolean         utf8,
                                          GError         **error)
{
  g_autoptr(PfImapMailboxStatus) status = NULL;
  const PfImapValue *mailbox;
  const PfImapValue *items;
  guint n;
  guint i;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (pf_imap_response_is_keyword (response, "STATUS"), NULL);

  mailbox = pf_imap_response_get_value (response, 0);
  items = pf_imap_response_get_value (response, 1);
  if (mailbox == NULL || !pf_imap_value_is_list (items))
    goto malformed;

  status = g_new0 (PfImapMailboxStatus, 1);
  status->mailbox = pf_imap_decode_mailbox_name (mailbox, utf8, error);
  if (status->mailbox == NULL)
    return NULL;
  status->raw_mailbox = pf_imap_value_is_nil (mailbox)
                        ? g_strdup ("NIL") : pf_imap_value_dup_string (mailbox, NULL);

  n = pf_imap_value_get_n_items (items);
  for (i = 0; i + 1 < n; i += 2)
    {
      const PfImapValue *name = pf_imap_value_get_item (items, i);
      const PfImapValue *value = pf_imap_value_get_item (items, i + 1);
      guint64 number;

      if (pf_imap_value_get_kind (name) != PF_IMAP_VALUE_ATOM)
        goto malformed;
      if (!pf_imap_value_is_number (value))
        continue;   /* APPENDLIMIT NIL and the like */
      number = pf_imap_value_get_number (value);

      if (pf_imap_value_equal_atom (name, "HIGHESTMODSEQ"))
        {
          status->highestmodseq = number;
          status->fields |= PF_IMAP_STATUS_HIGHESTMODSEQ;
          continue;
        }
      if (pf_imap_value_equal_atom (name, "SIZE"))
        {
          status->size = number;
          status->fields |= PF_IMAP_STATUS_SIZE;
          continue;
        }

      if (number > G_MAXUINT32)
        goto malformed;

      if (pf_imap_value_equal_atom (name, "MESSAGES"))
        {
          status->messages = (guint32) number;
          status->fields |= PF_IMAP_STATUS_MESSAGES;
        }
      else if (pf_imap_value_equal_atom (name, "RECENT"))
        {
          status->recent = (guint32) number;
          status->fields |= PF_IMAP_STATUS_RECENT;
        }
      else if (pf_imap_value_equal_atom (name, "UIDNEXT"))
        {
          status->uidnext = (guint32) number;
          status->fields |= PF_IMAP_STATUS_UIDNEXT;
        }
      else if (pf_imap_value_equal_atom (name, "UIDVALIDITY"))
        {
          status->uidvalidity = (guint32) number;
          status->fields |= PF_IMAP_STATUS_UIDVALIDITY;
        }
      else if (pf_imap_value_equal_atom (name, "UNSEEN"))
        {
          status->unseen = (guint32) number;
          status->fields |= PF_IMAP_STATUS_UNSEEN;
        }
      else if (pf_imap_value_equal_atom (name, "DELETED"))
        {
          status->deleted = (guint32) number;
          status->fields |= PF_IMAP_STATUS_DELETED;
        }
    }

  return g_steal_pointer (&status);

malformed:
  set_malformed (error, _("The server sent a malformed STATUS response"));
  return NULL;
}

/* LIST */

static const struct
{
  const char              *name;
  PfImapMailboxAttributes  attribute;
} mailbox_attributes[] = {
  { "\\Noselect", PF_IMAP_MAILBOX_NOSELECT },
  { "\\NonExistent", PF_IMAP_MAILBOX_NONEXISTENT | PF_IMAP_MAILBOX_NOSELECT },
  { "\\Noinferiors", PF_IMAP_MAILBOX_NOINFERIORS },
  { "\\Marked", PF_IMAP_MAILBOX_MARKED },
  { "\\Unmarked", PF_IMAP_MAILBOX_UNMARKED },
  { "\\HasChildren", PF_IMAP_MAILBOX_HAS_CHILDREN },
  { "\\HasNoChildren", PF_IMAP_MAILBOX_HAS_NO_CHILDREN },
  { "\\Subscribed", PF_IMAP_MAILBOX_SUBSCRIBED },
  { "\\Remote", PF_IMAP_MAILBOX_REMOTE },
  { "\\All", PF_IMAP_MAILBOX_ALL },
  { "\\AllMail", PF_IMAP_MAILBOX_ALL },
  { "\\Archive", PF_IMAP_MAILBOX_ARCHIVE },
  { "\\Drafts", PF_IMAP_MAILBOX_DRAFTS },
  { "\\Flagged", PF_IMAP_MAILBOX_FLAGGED },
  { "\\Starred", PF_IMAP_MAILBOX_FLAGGED },
  { "\\Junk", PF_IMAP_MAILBOX_JUNK },
  { "\\Spam", PF_IMAP_MAILBOX_JUNK },
  { "\\Sent", PF_IMAP_MAILBOX_SENT },
  { "\\Trash", PF_IMAP_MAILBOX_TRASH },
  { "\\Important", PF_IMAP_MAILBOX_IMPORTANT },
  { "\\Inbox", PF_IMAP_MAILBOX_INBOX },
};

/**
 * pf_imap_list_entry_free:
 * @entry: (transfer full) (nullable): a decoded LIST response
 */
void
pf_imap_list_entry_free (PfImapListEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->name);
  g_free (entry->raw_name);
  g_strfreev (entry->attribute_names);
  g_free (entry);
}

/**
 * pf_imap_list_entry_new_from_response:
 * @response: an untagged LIST, LSUB or XLIST response
 * @utf8: %TRUE if UTF8=ACCEPT is enabled (see
 *   pf_imap_decode_mailbox_name())
 * @error: return location for an error
 *
 * Decodes `* LIST (\HasNoChildren \Sent) "/" "Sent"` (RFC 3501 §7.2.2)
 * with the attributes of RFC 5258 and SPECIAL-USE (RFC 6154). The
 * delimiter may be NIL. LIST-EXTENDED data after the name is ignored.
 *
 * Returns: (transfer full): the entry, or %NULL with
 *   %PF_IMAP_ERROR_PROTOCOL
 */
PfImapListEntry *
pf_imap_list_entry_new_from_response (PfImapResponse  *response,
                                      gboolean         utf8,
                                      GError         **error)
{
  g_autoptr(PfImapListEntry) entry = NULL;
  const PfImapValue *attributes;
  const PfImapValue *delimiter;
  const PfImapValue *mailbox;
  guint n;
  guint i;
  guint j;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (pf_imap_response_is_keyword (response, "LIST") ||
                        pf_imap_response_is_keyword (response, "LSUB") ||
                        pf_imap_response_is_keyword (response, "XLIST"), NULL);

  attributes = pf_imap_response_get_value (response, 0);
  delimiter = pf_imap_response_get_value (response, 1);
  mailbox = pf_imap_response_get_value (response, 2);
  if (!pf_imap_value_is_list (attributes) || delimiter == NULL || mailbox == NULL)
    goto malformed;

  entry = g_new0 (PfImapListEntry, 1);
  if (!read_delimiter (delimiter, &entry->delimiter))
    goto malformed;

  entry->name = pf_imap_decode_mailbox_name (mailbox, utf8, error);
  if (entry->name == NULL)
    return NULL;
  entry->raw_name = pf_imap_value_is_nil (mailbox)
                    ? g_strdup ("NIL") : pf_imap_value_dup_string (mailbox, NULL);
  entry->is_inbox = strcmp (entry->name, "INBOX") == 0;

  entry->attribute_names = pf_imap_value_dup_strv (attributes);
  n = g_strv_length (entry->attribute_names);
  for (i = 0; i < n; i++)
    {
      for (j = 0; j < G_N_ELEMENTS (mailbox_attributes); j++)
        {
          if (g_ascii_strcasecmp (entry->attribute_names[i], mailbox_attributes[j].name) == 0)
            {
              entry->attributes |= mailbox_attributes[j].attribute;
              break;
            }
        }
    }

  return g_steal_pointer (&entry);

malformed:
  set_malformed (error, _("The server sent a malformed LIST response"));
  return NULL;
}

/* SEARCH, ESEARCH */

/**
 * pf_imap_search_result_free:
 * @result: (transfer full) (nullable): a decoded SEARCH or ESEARCH
 */
void
pf_imap_search_result_free (PfImapSearchResult *result)
{
  if (result == NULL)
    return;

  g_free (result->tag);
  pf_imap_sequence_set_free (result->matches);
  g_free (result);
}

static PfImapSearchResult *
read_search (PfImapResponse  *response,
             GError         **error)
{
  g_autoptr(PfImapSearchResult) result = NULL;
  g_autoptr(GArray) numbers = NULL;
  guint n = pf_imap_response_get_n_values (response);
  guint i;

  result = g_new0 (PfImapSearchResult, 1);
  result->fields = PF_IMAP_SEARCH_ALL;
  numbers = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n);

  for (i = 0; i < n; i++)
    {
      const PfImapValue *value = pf_imap_response_get_value (response, i);
      guint32 number;

      /* RFC 7162 §3.1.5: a final (MODSEQ n). */
      if (i == n - 1 && pf_imap_value_is_list (value))
        {
          if (!pf_imap_value_equal_atom (pf_imap_value_get_item (value, 0), "MODSEQ") ||
              !pf_imap_value_is_number (pf_imap_value_get_item (value, 1)))
            goto malformed;
          result->modseq = pf_imap_value_get_number (pf_imap_value_get_item (value, 1));
          result->fields |= PF_IMAP_SEARCH_MODSEQ;
          break;
        }

      if (!read_uint32 (value, &number) || number == 0)
        goto malformed;
      g_array_append_val (numbers, number);
    }

  result->matches = pf_imap_sequence_set_new_from_uids ((const guint32 *) numbers->data,
                                                        numbers->len);
  result->count = numbers->len;
  return g_steal_pointer (&result);

malformed:
  set_malformed (error, _("The server sent a malformed SEARCH response"));
  return NULL;
}

/* RFC 4731 §3.1, RFC 9051 §7.3.4: [search-correlator] [SP "UID"]
 * *(SP search-return-data). */
static PfImapSearchResult *
read_esearch (PfImapResponse  *response,
              GError         **error)
{
  g_autoptr(PfImapSearchResult) result = NULL;
  guint n = pf_imap_response_get_n_values (response);
  guint i = 0;

  result = g_new0 (PfImapSearchResult, 1);

  if (i < n && pf_imap_value_is_list (pf_imap_response_get_value (response, i)))
    {
      const PfImapValue *correlator = pf_imap_response_get_value (response, i);
      const char *tag;
      gsize length;

      if (!pf_imap_value_equal_atom (pf_imap_value_get_item (correlator, 0), "TAG") ||
          !get_nstring (pf_imap_value_get_item (correlator, 1), &tag, &length) ||
          tag == NULL)
        goto malformed;
      result->tag = dup_valid (tag, length);
      i++;
    }

  if (i < n && pf_imap_value_equal_atom (pf_imap_response_get_value (response, i), "UID"))
    {
      result->uid = TRUE;
      i++;
    }

  for (; i + 1 < n; i += 2)
    {
      const PfImapValue *name = pf_imap_response_get_value (response, i);
      const PfImapValue *value = pf_imap_response_get_value (response, i + 1);

      if (pf_imap_value_equal_atom (name, "MIN"))
        {
          if (!read_uint32 (value, &result->min))
            goto malformed;
          result->fields |= PF_IMAP_SEARCH_MIN;
        }
      else if (pf_imap_value_equal_atom (name, "MAX"))
        {
          if (!read_uint32 (value, &result->max))
            goto malformed;
          result->fields |= PF_IMAP_SEARCH_MAX;
        }
      else if (pf_imap_value_equal_atom (name, "COUNT"))
        {
          if (!read_uint32 (value, &result->count))
            goto malformed;
          result->fields |= PF_IMAP_SEARCH_COUNT;
        }
      else if (pf_imap_value_equal_atom (name, "ALL"))
        {
          pf_imap_sequence_set_free (result->matches);
          result->matches = read_sequence_set (value, error);
          if (result->matches == NULL)
            return NULL;
          result->fields |= PF_IMAP_SEARCH_ALL;
        }
      else if (pf_imap_value_equal_atom (name, "MODSEQ"))
        {
          if (!pf_imap_value_is_number (value))
            goto malformed;
          result->modseq = pf_imap_value_get_number (value);
          result->fields |= PF_IMAP_SEARCH_MODSEQ;
        }
      else if (pf_imap_value_get_kind (name) != PF_IMAP_VALUE_ATOM)
        goto malformed;
    }

  if (i < n)
    goto malformed;

  if (result->matches == NULL)
    result->matches = pf_imap_sequence_set_new ();

  return g_steal_pointer (&result);

malformed:
  set_malformed (error, _("The server sent a malformed SEARCH response"));
  return NULL;
}

/**
 * pf_imap_search_result_new_from_response:
 * @response: an untagged SEARCH or ESEARCH response
 * @error: return location for an error
 *
 * Decodes `* SEARCH 2 3 6 (MODSEQ 917162500)` (RFC 3501 §7.2.5,
 * RFC 7162 §3.1.5) or `* ESEARCH (TAG "a1") UID COUNT 3 ALL 4:5,9`
 * (RFC 4731 §3.1). The matches are kept as a compact set; expand them with
 * pf_imap_sequence_set_to_array().
 *
 * Returns: (transfer full): the result, or %NULL with
 *   %PF_IMAP_ERROR_PROTOCOL
 */
PfImapSearchResult *
pf_imap_search_result_new_from_response (PfImapResponse  *response,
                                         GError         **error)
{
  g_return_val_if_fail (response != NULL, NULL);

  if (pf_imap_response_is_keyword (response, "SEARCH"))
    return read_search (response, error);

  g_return_val_if_fail (pf_imap_response_is_keyword (response, "ESEARCH"), NULL);
  return read_esearch (response, error);
}

/* VANISHED */

/**
 * pf_imap_vanished_free:
 * @vanished: (transfer full) (nullable): a decoded VANISHED response
 */
void
pf_imap_vanished_free (PfImapVanished *vanished)
{
  if (vanished == NULL)
    return;

  pf_imap_sequence_set_free (vanished->uids);
  g_free (vanished);
}

/**
 * pf_imap_vanished_new_from_response:
 * @response: an untagged VANISHED response
 * @error: return location for an error
 *
 * Decodes `* VANISHED (EARLIER) 300:310,405` (RFC 7162 §3.2.10).
 *
 * Returns: (transfer full): the UIDs, or %NULL with
 *   %PF_IMAP_ERROR_PROTOCOL
 */
PfImapVanished *
pf_imap_vanished_new_from_response (PfImapResponse  *response,
                                    GError         **error)
{
  g_autoptr(PfImapVanished) vanished = NULL;
  const PfImapValue *first;
  guint n;
  guint i = 0;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (pf_imap_response_is_keyword (response, "VANISHED"), NULL);

  vanished = g_new0 (PfImapVanished, 1);
  n = pf_imap_response_get_n_values (response);
  first = pf_imap_response_get_value (response, 0);

  if (pf_imap_value_is_list (first))
    {
      if (pf_imap_value_get_n_items (first) != 1 ||
          !pf_imap_value_equal_atom (pf_imap_value_get_item (first, 0), "EARLIER"))
        goto malformed;
      vanished->earlier = TRUE;
      i++;
    }

  if (i + 1 != n)
    goto malformed;

  vanished->uids = read_sequence_set (pf_imap_response_get_value (response, i), error);
  if (vanished->uids == NULL)
    return NULL;

  return g_steal_pointer (&vanished);

malformed:
  set_malformed (error, _("The server sent a malformed VANISHED response"));
  return NULL;
}

/* CAPABILITY */

static const struct
{
  const char            *name;
  PfImapCapabilityFlags  flag;
} capability_names[] = {
  { "IMAP4REV1", PF_IMAP_CAPABILITY_IMAP4REV1 },
  { "IMAP4REV2", PF_IMAP_CAPABILITY_IMAP4REV2 },
  { "STARTTLS", PF_IMAP_CAPABILITY_STARTTLS },
  { "LOGINDISABLED", PF_IMAP_CAPABILITY_LOGINDISABLED },
  { "IDLE", PF_IMAP_CAPABILITY_IDLE },
  { "LITERAL+", PF_IMAP_CAPABILITY_LITERAL_PLUS },
  { "LITERAL-", PF_IMAP_CAPABILITY_LITERAL_MINUS },
  { "UIDPLUS", PF_IMAP_CAPABILITY_UIDPLUS },
  { "CONDSTORE", PF_IMAP_CAPABILITY_CONDSTORE },
  { "QRESYNC", PF_IMAP_CAPABILITY_QRESYNC },
  { "ENABLE", PF_IMAP_CAPABILITY_ENABLE },
  { "ESEARCH", PF_IMAP_CAPABILITY_ESEARCH },
  { "SPECIAL-USE", PF_IMAP_CAPABILITY_SPECIAL_USE },
  { "MOVE", PF_IMAP_CAPABILITY_MOVE },
  { "NAMESPACE", PF_IMAP_CAPABILITY_NAMESPACE },
  { "ID", PF_IMAP_CAPABILITY_ID },
  { "UTF8=ACCEPT", PF_IMAP_CAPABILITY_UTF8_ACCEPT },
  { "COMPRESS=DEFLATE", PF_IMAP_CAPABILITY_COMPRESS_DEFLATE },
  { "SASL-IR", PF_IMAP_CAPABILITY_SASL_IR },
  { "LIST-EXTENDED", PF_IMAP_CAPABILITY_LIST_EXTENDED },
  { "LIST-STATUS", PF_IMAP_CAPABILITY_LIST_STATUS },
  { "BINARY", PF_IMAP_CAPABILITY_BINARY },
  { "UNSELECT", PF_IMAP_CAPABILITY_UNSELECT },
  { "CHILDREN", PF_IMAP_CAPABILITY_CHILDREN },
  { "XLIST", PF_IMAP_CAPABILITY_XLIST },
  { "X-GM-EXT-1", PF_IMAP_CAPABILITY_GMAIL },
  { "QUOTA", PF_IMAP_CAPABILITY_QUOTA },
  { "OBJECTID", PF_IMAP_CAPABILITY_OBJECTID },
};

/**
 * pf_imap_capabilities_free:
 * @capabilities: (transfer full) (nullable): decoded capabilities
 */
void
pf_imap_capabilities_free (PfImapCapabilities *capabilities)
{
  if (capabilities == NULL)
    return;

  g_strfreev (capabilities->names);
  g_strfreev (capabilities->auth_mechanisms);
  g_free (capabilities);
}

/**
 * pf_imap_capabilities_new_from_response:
 * @response: an untagged CAPABILITY response, or a status response with a
 *   CAPABILITY response code (RFC 3501 §7.1)
 * @error: return location for an error
 *
 * Decodes the capability list (RFC 3501 §7.2.1). Names are upper-cased;
 * `AUTH=` capabilities give the SASL mechanisms. APPENDLIMIT may carry a
 * value (RFC 7889), which is kept in the name.
 *
 * Returns: (transfer full): the capabilities, or %NULL with
 *   %PF_IMAP_ERROR_PROTOCOL
 */
PfImapCapabilities *
pf_imap_capabilities_new_from_response (PfImapResponse  *response,
                                        GError         **error)
{
  g_autoptr(PfImapCapabilities) capabilities = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GPtrArray) mechanisms = NULL;
  const PfImapValue *list;
  guint n;
  guint i;
  guint j;

  g_return_val_if_fail (response != NULL, NULL);

  if (pf_imap_response_is_keyword (response, "CAPABILITY"))
    list = pf_imap_response_get_values (response);
  else
    {
      g_return_val_if_fail (pf_imap_response_has_code (response, "CAPABILITY"), NULL);
      list = pf_imap_response_get_code_args (response);
    }

  names = g_ptr_array_new_with_free_func (g_free);
  mechanisms = g_ptr_array_new_with_free_func (g_free);
  capabilities = g_new0 (PfImapCapabilities, 1);
  n = pf_imap_value_get_n_items (list);

  for (i = 0; i < n; i++)
    {
      const PfImapValue *value = pf_imap_value_get_item (list, i);
      const char *string;
      gsize length;
      char *name;

      if (pf_imap_value_get_kind (value) != PF_IMAP_VALUE_ATOM &&
          pf_imap_value_get_kind (value) != PF_IMAP_VALUE_NUMBER)
        {
          set_malformed (error, _("The server sent a malformed capability list"));
          return NULL;
        }

      string = pf_imap_value_get_string (value, &length);
      name = g_ascii_strup (string, length);

      for (j = 0; j < G_N_ELEMENTS (capability_names); j++)
        {
          if (strcmp (name, capability_names[j].name) == 0)
            {
              capabilities->flags |= capability_names[j].flag;
              break;
            }
        }
      if (g_str_has_prefix (name, "APPENDLIMIT"))
        capabilities->flags |= PF_IMAP_CAPABILITY_APPENDLIMIT;
      if (g_str_has_prefix (name, "AUTH=") && name[5] != '\0')
        g_ptr_array_add (mechanisms, g_strdup (name + 5));

      g_ptr_array_add (names, name);
    }

  g_ptr_array_add (names, NULL);
  g_ptr_array_add (mechanisms, NULL);
  capabilities->names = (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
  capabilities->auth_mechanisms = (char **) g_ptr_array_free (g_steal_pointer (&mechanisms), FALSE);

  return g_steal_pointer (&capabilities);
}

/**
 * pf_imap_capabilities_has:
 * @capabilities: decoded capabilities
 * @name: a capability, e.g. "IDLE" or "AUTH=PLAIN"
 *
 * Returns: %TRUE if the server announced @name (case-insensitive)
 */
gboolean
pf_imap_capabilities_has (const PfImapCapabilities *capabilities,
                          const char               *name)
{
  guint i;

  g_return_val_if_fail (capabilities != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  for (i = 0; capabilities->names[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (capabilities->names[i], name) == 0)
        return TRUE;
    }

  return FALSE;
}

/* NAMESPACE */

static void
pf_imap_namespace_free (PfImapNamespace *namespace)
{
  g_free (namespace->prefix);
  g_free (namespace->raw_prefix);
  g_free (namespace);
}

/**
 * pf_imap_namespaces_free:
 * @namespaces: (transfer full) (nullable): a decoded NAMESPACE response
 */
void
pf_imap_namespaces_free (PfImapNamespaces *namespaces)
{
  if (namespaces == NULL)
    return;

  g_clear_pointer (&namespaces->personal, g_ptr_array_unref);
  g_clear_pointer (&namespaces->other, g_ptr_array_unref);
  g_clear_pointer (&namespaces->shared, g_ptr_array_unref);
  g_free (namespaces);
}

static gboolean
read_namespace_list (const PfImapValue  *value,
                     gboolean            utf8,
                     GPtrArray         **out)
{
  guint n;
  guint i;

  *out = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_imap_namespace_free);
  if (pf_imap_value_is_nil (value))
    return TRUE;
  if (!pf_imap_value_is_list (value))
    return FALSE;

  n = pf_imap_value_get_n_items (value);
  for (i = 0; i < n; i++)
    {
      const PfImapValue *item = pf_imap_value_get_item (value, i);
      const PfImapValue *prefix = pf_imap_value_get_item (item, 0);
      PfImapNamespace *namespace;
      char delimiter;
      char *decoded;

      if (pf_imap_value_get_n_items (item) < 2 ||
          pf_imap_value_get_kind (prefix) != PF_IMAP_VALUE_STRING ||
          !read_delimiter (pf_imap_value_get_item (item, 1), &delimiter))
        return FALSE;

      decoded = pf_imap_decode_mailbox_name (prefix, utf8, NULL);
      if (decoded == NULL)
        return FALSE;

      namespace = g_new0 (PfImapNamespace, 1);
      namespace->prefix = decoded;
      namespace->raw_prefix = pf_imap_value_dup_string (prefix, NULL);
      namespace->delimiter = delimiter;
      g_ptr_array_add (*out, namespace);
    }

  return TRUE;
}

/**
 * pf_imap_namespaces_new_from_response:
 * @response: an untagged NAMESPACE response
 * @utf8: %TRUE if UTF8=ACCEPT is enabled (see
 *   pf_imap_decode_mailbox_name())
 * @error: return location for an error
 *
 * Decodes `* NAMESPACE (("" "/")) NIL (("Shared/" "/"))` (RFC 2342 §5):
 * personal, other users' and shared namespaces. Extensions are ignored.
 *
 * Returns: (transfer full): the namespaces, or %NULL with
 *   %PF_IMAP_ERROR_PROTOCOL
 */
PfImapNamespaces *
pf_imap_namespaces_new_from_response (PfImapResponse  *response,
                                      gboolean         utf8,
                                      GError         **error)
{
  g_autoptr(PfImapNamespaces) namespaces = NULL;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (pf_imap_response_is_keyword (response, "NAMESPACE"), NULL);

  namespaces = g_new0 (PfImapNamespaces, 1);
  if (pf_imap_response_get_n_values (response) != 3 ||
      !read_namespace_list (pf_imap_response_get_value (response, 0), utf8, &namespaces->personal) ||
      !read_namespace_list (pf_imap_response_get_value (response, 1), utf8, &namespaces->other) ||
      !read_namespace_list (pf_imap_response_get_value (response, 2), utf8, &namespaces->shared))
    {
      set_malformed (error, _("The server sent a malformed NAMESPACE response"));
      return NULL;
    }

  return g_steal_pointer (&namespaces);
}
