/* pf-imap-parser.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-imap"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "pf-imap-error.h"
#include "pf-imap-parser.h"
#include "pf-imap-response-private.h"

/*
 * The parser works on segments: the bytes up to and including the next
 * LF. A response is one segment, or several when it carries literals
 * (RFC 3501 §4.3): every literal marker `{n}` ends a segment, the n bytes
 * of the literal follow, then the line goes on in the next segment. No
 * other token can span a line end (quoted strings and atoms cannot hold
 * CR or LF), so a segment is always parsed in one go, with memchr() to
 * find its end and table-driven loops over its tokens.
 *
 * The common case costs no copy: a segment that is complete in the
 * caller's buffer is parsed right there. Only a segment cut by the end of
 * the data is copied into the parser's line buffer (bounded by the line
 * limit), so that the caller can always drop everything the parser says
 * it consumed.
 *
 * Values go on a stack while their list is open; a closing parenthesis
 * moves the list's items in one memcpy() into the arena of the response
 * being built, where they stay as one contiguous array.
 */

typedef enum
{
  STATE_LINE,     /* reading a segment */
  STATE_LITERAL,  /* copying a literal into the response */
  STATE_STREAM,   /* handing a literal out piecewise */
  STATE_FAILED,
} ParserState;

typedef enum
{
  SEG_ERROR,
  SEG_DONE,       /* the response is complete */
  SEG_LITERAL,    /* a literal follows the segment; the state says how */
  SEG_CODE_END,   /* the closing bracket of a response code */
} SegResult;

struct _PfImapParser
{
  ParserState         state;

  /* Owned: the response being built, NULL between responses */
  PfImapResponse     *response;
  guint               in_values : 1;   /* past tag and keyword */
  guint               is_fetch : 1;

  /* Owned: a segment that did not end in the data fed so far */
  guint8             *line;
  gsize               line_len;
  gsize               line_alloc;

  /* Owned: values of the lists being built, and where each open list
   * starts on that stack */
  PfImapValue        *stack;
  gsize               stack_len;
  gsize               stack_alloc;
  gsize              *frames;
  guint               depth;
  guint               frames_alloc;

  /* The literal being read */
  char               *literal_dest;    /* in the response's arena */
  guint64             literal_remaining;
  PfImapLiteralChunk  chunk;

  /* Accounting of the response being built against the limits */
  gsize               line_bytes;
  gsize               literal_bytes;
  guint               n_values;

  /* Limits */
  guint64             stream_threshold;
  guint               max_depth;
  gsize               max_line;
  gsize               max_literal;
  guint               max_values;

  /* Owned: first blocks of freed responses */
  PfImapResponsePool *pool;
};

#define INITIAL_STACK        256
#define MAX_KEPT_STACK       (64 * 1024)
#define MAX_KEPT_LINE        (256 * 1024)

/* Character classes (RFC 3501 §9), built once. */
enum
{
  C_ATOM   = 1 << 0,  /* ATOM-CHAR, leniently: also list-wildcards and 8-bit */
  C_TAG    = 1 << 1,  /* tag: ASTRING-CHAR except "+" */
  C_DIGIT  = 1 << 2,
  C_QUOTED = 1 << 3,  /* ends the fast scan of a quoted string */
};

static guint8 char_class[256];

static void
init_char_class (void)
{
  guint c;

  for (c = 0; c < 256; c++)
    {
      guint8 k = 0;

      if (c > 0x20 && c != 0x7f && strchr ("(){\"\\[]", (int) c) == NULL)
        k |= C_ATOM;
      if (((k & C_ATOM) != 0 || c == '[' || c == ']') && c != '+' && c != '*' && c != '%')
        k |= C_TAG;
      if (c >= '0' && c <= '9')
        k |= C_DIGIT;
      if (c == '"' || c == '\\' || c == '\0' || c == '\r' || c == '\n')
        k |= C_QUOTED;

      char_class[c] = k;
    }
}

static void
set_protocol_error (GError     **error,
                    const char  *message)
{
  g_set_error_literal (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL, message);
}

static void
set_unexpected_error (GError **error,
                      guint8   c)
{
  g_set_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
               _("The server sent an unexpected character (0x%02x) in a response"), c);
}

/**
 * pf_imap_parser_new:
 *
 * Creates a parser with the default limits and no literal streaming.
 *
 * Returns: (transfer full): a new parser; free it with
 *   pf_imap_parser_free()
 */
PfImapParser *
pf_imap_parser_new (void)
{
  static gsize initialized = 0;
  PfImapParser *self;

  if (g_once_init_enter (&initialized))
    {
      init_char_class ();
      g_once_init_leave (&initialized, 1);
    }

  self = g_new0 (PfImapParser, 1);
  self->state = STATE_LINE;
  self->stream_threshold = G_MAXUINT64;
  self->max_depth = PF_IMAP_PARSER_DEFAULT_MAX_DEPTH;
  self->max_line = PF_IMAP_PARSER_DEFAULT_MAX_LINE;
  self->max_literal = PF_IMAP_PARSER_DEFAULT_MAX_LITERAL;
  self->max_values = PF_IMAP_PARSER_DEFAULT_MAX_VALUES;
  self->pool = _pf_imap_response_pool_new ();

  self->stack_alloc = INITIAL_STACK;
  self->stack = g_new (PfImapValue, self->stack_alloc);
  self->frames_alloc = 16;
  self->frames = g_new (gsize, self->frames_alloc);

  return self;
}

/**
 * pf_imap_parser_free:
 * @self: (transfer full) (nullable): a parser
 *
 * Frees the parser and a response it was building.
 */
void
pf_imap_parser_free (PfImapParser *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->response, pf_imap_response_unref);
  g_clear_pointer (&self->pool, _pf_imap_response_pool_unref);
  g_free (self->line);
  g_free (self->stack);
  g_free (self->frames);
  g_free (self);
}

/**
 * pf_imap_parser_reset:
 * @self: a parser
 *
 * Drops a partly parsed response and anything buffered, also after an
 * error, so that the parser can be used for a new connection. The limits
 * and the streaming threshold stay.
 */
void
pf_imap_parser_reset (PfImapParser *self)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->response, pf_imap_response_unref);
  self->state = STATE_LINE;
  self->in_values = FALSE;
  self->is_fetch = FALSE;
  self->line_len = 0;
  self->stack_len = 0;
  self->depth = 0;
  self->literal_dest = NULL;
  self->literal_remaining = 0;
  memset (&self->chunk, 0, sizeof self->chunk);
  self->line_bytes = 0;
  self->literal_bytes = 0;
  self->n_values = 0;
}

/**
 * pf_imap_parser_set_literal_stream_threshold:
 * @self: a parser
 * @bytes: the largest literal kept in memory; %G_MAXUINT64 to keep all
 *   (the default)
 *
 * Makes the parser hand out larger literals piecewise instead of keeping
 * them, so that the body of a 50 MB message goes to disk and not into
 * memory. This applies to the value of a FETCH item (RFC 3501 §7.4.2), such
 * as `BODY[] {52428800}`; other literals are kept within the memory limit
 * (pf_imap_parser_set_max_literal()).
 *
 * Each piece is a %PF_IMAP_PARSE_LITERAL_DATA return of
 * pf_imap_parser_feed(), described by pf_imap_parser_get_literal_chunk().
 * The literal appears in the finished response as a value of kind
 * %PF_IMAP_VALUE_STREAMED with its size.
 */
void
pf_imap_parser_set_literal_stream_threshold (PfImapParser *self,
                                             guint64       bytes)
{
  g_return_if_fail (self != NULL);

  self->stream_threshold = bytes;
}

/**
 * pf_imap_parser_get_literal_stream_threshold:
 * @self: a parser
 *
 * Returns: the largest FETCH literal that is kept in memory
 */
guint64
pf_imap_parser_get_literal_stream_threshold (PfImapParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->stream_threshold;
}

/**
 * pf_imap_parser_set_max_depth:
 * @self: a parser
 * @max_depth: the deepest nesting of parenthesised lists accepted, at
 *   least 1
 *
 * Deeper nesting fails with %PF_IMAP_ERROR_PROTOCOL. The default is
 * %PF_IMAP_PARSER_DEFAULT_MAX_DEPTH.
 */
void
pf_imap_parser_set_max_depth (PfImapParser *self,
                              guint         max_depth)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_depth > 0);

  self->max_depth = max_depth;
}

/**
 * pf_imap_parser_get_max_depth:
 * @self: a parser
 *
 * Returns: the deepest nesting of lists accepted
 */
guint
pf_imap_parser_get_max_depth (PfImapParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->max_depth;
}

/**
 * pf_imap_parser_set_max_line:
 * @self: a parser
 * @max_line: the most bytes of one response outside its literals, line
 *   ends included, at least 16
 *
 * This also bounds every atom and quoted string, and the memory the parser
 * buffers for a line that has not ended yet. More fails with
 * %PF_IMAP_ERROR_PROTOCOL. The default is %PF_IMAP_PARSER_DEFAULT_MAX_LINE.
 */
void
pf_imap_parser_set_max_line (PfImapParser *self,
                             gsize         max_line)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_line >= 16);

  self->max_line = MIN (max_line, (gsize) G_MAXUINT32 - 1);
}

/**
 * pf_imap_parser_get_max_line:
 * @self: a parser
 *
 * Returns: the most bytes of one response outside its literals
 */
gsize
pf_imap_parser_get_max_line (PfImapParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->max_line;
}

/**
 * pf_imap_parser_set_max_literal:
 * @self: a parser
 * @max_literal: the most literal bytes of one response kept in memory
 *
 * A literal that is not streamed and would take the literals of its
 * response beyond this fails with %PF_IMAP_ERROR_PROTOCOL before anything
 * is allocated for it. The default is
 * %PF_IMAP_PARSER_DEFAULT_MAX_LITERAL; at most 4 GiB - 2.
 */
void
pf_imap_parser_set_max_literal (PfImapParser *self,
                                gsize         max_literal)
{
  g_return_if_fail (self != NULL);

  self->max_literal = MIN (max_literal, (gsize) G_MAXUINT32 - 1);
}

/**
 * pf_imap_parser_get_max_literal:
 * @self: a parser
 *
 * Returns: the most literal bytes of one response kept in memory
 */
gsize
pf_imap_parser_get_max_literal (PfImapParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->max_literal;
}

/**
 * pf_imap_parser_set_max_values:
 * @self: a parser
 * @max_values: the most values (atoms, numbers, strings, NILs, lists) in
 *   one response, at least 1
 *
 * More fails with %PF_IMAP_ERROR_PROTOCOL. The default is
 * %PF_IMAP_PARSER_DEFAULT_MAX_VALUES.
 */
void
pf_imap_parser_set_max_values (PfImapParser *self,
                               guint         max_values)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_values > 0);

  self->max_values = max_values;
}

/**
 * pf_imap_parser_get_max_values:
 * @self: a parser
 *
 * Returns: the most values in one response
 */
guint
pf_imap_parser_get_max_values (PfImapParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->max_values;
}

/**
 * pf_imap_parser_get_literal_chunk:
 * @self: a parser
 *
 * Describes the piece of a streamed literal after
 * pf_imap_parser_feed() returned %PF_IMAP_PARSE_LITERAL_DATA.
 *
 * Returns: (transfer none): the piece; valid until the next call of
 *   pf_imap_parser_feed(), and its data as long as the fed buffer
 */
const PfImapLiteralChunk *
pf_imap_parser_get_literal_chunk (PfImapParser *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->chunk;
}

/**
 * pf_imap_parser_is_idle:
 * @self: a parser
 *
 * Returns: %TRUE if the parser is between responses and holds no bytes.
 *   After the tagged OK to STARTTLS it must be (RFC 3501 §6.2.1): anything
 *   buffered was sent before the TLS handshake and may be injected.
 */
gboolean
pf_imap_parser_is_idle (PfImapParser *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->state == STATE_LINE && self->response == NULL && self->line_len == 0;
}

/* Values */

/* Sets the bytes of a string, atom or number value whose flags are set:
 * in the value itself if short, else copied into the arena. */
static inline void
set_string (PfImapParser *self,
            PfImapValue  *value,
            const void   *bytes,
            gsize         length)
{
  value->length = (guint32) length;

  if (length <= PF_IMAP_VALUE_INLINE_MAX)
    {
      const guint8 *from = bytes;
      gsize i;

      /* A loop: memcpy() of a variable length is a call. */
      memset (value->v.inline_string, 0, sizeof value->v.inline_string);
      for (i = 0; i < length; i++)
        value->v.inline_string[i] = (char) from[i];
      value->flags |= PF_IMAP_VALUE_FLAG_INLINE;
    }
  else
    value->v.string = _pf_imap_response_strndup (self->response, bytes, length);
}

G_NO_INLINE static void
grow_stack (PfImapParser *self)
{
  self->stack_alloc *= 2;
  self->stack = g_renew (PfImapValue, self->stack, self->stack_alloc);
}

static inline PfImapValue *
push_value (PfImapParser  *self,
            GError       **error)
{
  if (G_UNLIKELY (self->n_values >= self->max_values))
    {
      g_set_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                   _("The server sent a response with more than %u values"),
                   self->max_values);
      return NULL;
    }
  self->n_values++;

  if (G_UNLIKELY (self->stack_len == self->stack_alloc))
    grow_stack (self);

  return &self->stack[self->stack_len++];
}

/* Moves the values from @first to the top of the stack into the arena. */
static const PfImapValue *
move_to_arena (PfImapParser *self,
               gsize         first)
{
  gsize n = self->stack_len - first;
  PfImapValue *items;

  if (n == 0)
    return NULL;

  items = _pf_imap_response_alloc (self->response, n * sizeof (PfImapValue));
  memcpy (items, self->stack + first, n * sizeof (PfImapValue));
  self->stack_len = first;

  return items;
}

static gboolean
open_list (PfImapParser  *self,
           GError       **error)
{
  if (G_UNLIKELY (self->depth >= self->max_depth))
    {
      g_set_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                   _("The server sent a response nested deeper than %u levels"),
                   self->max_depth);
      return FALSE;
    }

  if (G_UNLIKELY (self->depth == self->frames_alloc))
    {
      self->frames_alloc *= 2;
      self->frames = g_renew (gsize, self->frames, self->frames_alloc);
    }

  self->frames[self->depth++] = self->stack_len;
  return TRUE;
}

static gboolean
close_list (PfImapParser  *self,
            GError       **error)
{
  const PfImapValue *items;
  PfImapValue *value;
  gsize first;
  gsize n;

  if (G_UNLIKELY (self->depth == 0))
    {
      set_protocol_error (error, _("The server sent a closing parenthesis without an opening one"));
      return FALSE;
    }

  first = self->frames[--self->depth];
  n = self->stack_len - first;
  items = move_to_arena (self, first);

  value = push_value (self, error);
  if (value == NULL)
    return FALSE;

  value->kind = PF_IMAP_VALUE_LIST;
  value->flags = 0;
  value->length = (guint32) n;
  value->v.items = items;
  value->number = 0;

  return TRUE;
}

/* An atom (RFC 3501 §9 atom, or astring's 1*ASTRING-CHAR), a flag with
 * its backslash, a number, NIL, or a FETCH item name with its section:
 * `BODY[HEADER.FIELDS (DATE FROM)]<0>` is one atom here, brackets,
 * spaces and parentheses included (RFC 3501 §7.4.2 msg-att-static). In a
 * response code, "]" ends the atom and brackets are not special. */
static gboolean
parse_atom (PfImapParser   *self,
            const guint8  **pp,
            const guint8   *end,
            gboolean        code_mode,
            GError        **error)
{
  const guint8 *start = *pp;
  const guint8 *p = start;
  PfImapValue *value;
  gsize len;

  if (*p == '\\')
    p++;

  for (;;)
    {
      while (p < end && (char_class[*p] & C_ATOM) != 0)
        p++;

      if (p == end)
        break;

      if (*p == '[' && !code_mode)
        {
          const guint8 *close = memchr (p + 1, ']', end - (p + 1));
          const guint8 *q;

          if (close == NULL)
            {
              /* Not a section: a "[" in a mailbox name. */
              p++;
              continue;
            }

          for (q = p + 1; q < close; q++)
            {
              if (*q < 0x20 || *q == 0x7f)
                {
                  set_unexpected_error (error, *q);
                  return FALSE;
                }
            }

          /* The origin of a partial fetch: `<` number `>`. */
          p = close + 1;
          if (p < end && *p == '<')
            {
              const guint8 *digit = p + 1;

              while (digit < end && (char_class[*digit] & C_DIGIT) != 0)
                digit++;
              if (digit > p + 1 && digit < end && *digit == '>')
                p = digit + 1;
            }
          continue;
        }

      if (*p == '[' || (*p == ']' && !code_mode))
        {
          p++;
          continue;
        }

      break;
    }

  len = p - start;
  if (len == 0 || (len == 1 && *start == '\\'))
    {
      set_unexpected_error (error, *start);
      return FALSE;
    }

  value = push_value (self, error);
  if (value == NULL)
    return FALSE;

  value->flags = 0;
  value->length = (guint32) len;
  value->number = 0;

  if ((char_class[*start] & C_DIGIT) != 0 && len <= 20)
    {
      const guint8 *q;
      guint64 n = 0;

      for (q = start; q < p; q++)
        {
          guint d = (guint) *q - '0';

          if (d > 9 || n > (G_MAXUINT64 - d) / 10)
            break;
          n = n * 10 + d;
        }

      if (q == p)
        {
          value->kind = PF_IMAP_VALUE_NUMBER;
          value->number = n;
          set_string (self, value, start, len);
          *pp = p;
          return TRUE;
        }
    }

  if (len == 3 &&
      (start[0] | 0x20) == 'n' && (start[1] | 0x20) == 'i' && (start[2] | 0x20) == 'l')
    {
      value->kind = PF_IMAP_VALUE_NIL;
      value->length = 0;
      value->v.string = NULL;
      *pp = p;
      return TRUE;
    }

  value->kind = PF_IMAP_VALUE_ATOM;
  set_string (self, value, start, len);
  *pp = p;
  return TRUE;
}

/* The first byte in [p, end) that ends the plain run of a quoted string:
 * DQUOTE, backslash, CR or NUL (a segment holds no LF). Quoted strings
 * are most of the bytes of an ENVELOPE, so 16 at a time where we can. */
static inline const guint8 *
scan_quoted (const guint8 *p,
             const guint8 *end)
{
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8 ('"');
  const __m128i backslash = _mm_set1_epi8 ('\\');
  const __m128i cr = _mm_set1_epi8 ('\r');
  const __m128i nul = _mm_setzero_si128 ();

  while (end - p >= 16)
    {
      __m128i chunk = _mm_loadu_si128 ((const __m128i *) p);
      __m128i hits = _mm_or_si128 (_mm_or_si128 (_mm_cmpeq_epi8 (chunk, quote),
                                                 _mm_cmpeq_epi8 (chunk, backslash)),
                                   _mm_or_si128 (_mm_cmpeq_epi8 (chunk, cr),
                                                 _mm_cmpeq_epi8 (chunk, nul)));
      int mask = _mm_movemask_epi8 (hits);

      if (mask != 0)
        return p + __builtin_ctz ((unsigned int) mask);
      p += 16;
    }
#endif

  while (p < end && (char_class[*p] & C_QUOTED) == 0)
    p++;

  return p;
}

/* A quoted string (RFC 3501 §4.3): `\"` and `\\` are the escapes; any
 * other escaped character stands for itself. CR, LF and NUL cannot be in
 * one. */
static gboolean
parse_quoted (PfImapParser   *self,
              const guint8  **pp,
              const guint8   *end,
              GError        **error)
{
  const guint8 *start = *pp + 1;
  const guint8 *p = start;
  PfImapValue *value;
  char *copy;
  gsize len;

  p = scan_quoted (p, end);

  if (G_LIKELY (p < end && *p == '"'))
    {
      len = p - start;
      value = push_value (self, error);
      if (value == NULL)
        return FALSE;

      value->kind = PF_IMAP_VALUE_STRING;
      value->flags = 0;
      value->number = 0;
      set_string (self, value, start, len);
      *pp = p + 1;
      return TRUE;
    }

  /* Escapes, or an error: measure first, then copy. */
  len = p - start;
  for (;;)
    {
      if (p == end)
        {
          set_protocol_error (error, _("The server sent a quoted string that does not end"));
          return FALSE;
        }

      if (*p == '"')
        break;

      if (*p == '\\')
        {
          p++;
          if (p == end)
            {
              set_protocol_error (error, _("The server sent a quoted string that does not end"));
              return FALSE;
            }
        }

      if (*p == '\0' || *p == '\r' || *p == '\n')
        {
          set_unexpected_error (error, *p);
          return FALSE;
        }

      len++;
      p++;
    }

  value = push_value (self, error);
  if (value == NULL)
    return FALSE;

  copy = _pf_imap_response_alloc_bytes (self->response, len + 1);
  value->kind = PF_IMAP_VALUE_STRING;
  value->flags = 0;
  value->length = (guint32) len;
  value->v.string = copy;
  value->number = 0;

  for (p = start; *p != '"'; p++)
    {
      if (*p == '\\')
        p++;
      *copy++ = (char) *p;
    }
  *copy = '\0';

  *pp = p + 1;
  return TRUE;
}

/* The UID item before the literal in the same FETCH list, for the context
 * of a streamed literal. */
static guint32
find_uid (PfImapParser *self)
{
  gsize i;

  for (i = self->frames[0]; i + 1 < self->stack_len; i += 2)
    {
      const PfImapValue *name = &self->stack[i];
      const PfImapValue *value = &self->stack[i + 1];

      if (name->kind == PF_IMAP_VALUE_ATOM && name->length == 3 &&
          g_ascii_strcasecmp (_pf_imap_value_string (name), "UID") == 0 &&
          value->kind == PF_IMAP_VALUE_NUMBER && value->number <= G_MAXUINT32)
        return (guint32) value->number;
    }

  return 0;
}

static gboolean
start_literal (PfImapParser  *self,
               guint64        size,
               gboolean       literal8,
               GError       **error)
{
  PfImapValue *value;
  const PfImapValue *item = NULL;
  guint8 flags;

  flags = PF_IMAP_VALUE_FLAG_LITERAL | (literal8 ? PF_IMAP_VALUE_FLAG_LITERAL8 : 0);

  /* A FETCH item's value: `* 12 FETCH (UID 7 BODY[] {n}`. */
  if (self->is_fetch && self->depth == 1 &&
      (self->stack_len - self->frames[0]) % 2 == 1 &&
      self->stack[self->stack_len - 1].kind == PF_IMAP_VALUE_ATOM)
    item = &self->stack[self->stack_len - 1];

  if (item != NULL && size > self->stream_threshold)
    {
      self->chunk.data = NULL;
      self->chunk.length = 0;
      self->chunk.offset = 0;
      self->chunk.size = size;
      self->chunk.number = self->response->number;
      self->chunk.uid = find_uid (self);
      self->chunk.item = _pf_imap_response_strndup (self->response, _pf_imap_value_string (item),
                                                    item->length);
      self->chunk.binary = literal8;
      self->chunk.first = TRUE;
      self->chunk.last = FALSE;

      value = push_value (self, error);
      if (value == NULL)
        return FALSE;

      value->kind = PF_IMAP_VALUE_STREAMED;
      value->flags = flags;
      value->length = 0;
      value->v.string = NULL;
      value->number = size;

      self->literal_remaining = size;
      self->state = STATE_STREAM;
      return TRUE;
    }

  if (size > self->max_literal - self->literal_bytes)
    {
      g_set_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                   _("The server sent a literal of %lu bytes, more than the limit of %lu bytes"),
                   (gulong) size, (gulong) self->max_literal);
      return FALSE;
    }
  self->literal_bytes += (gsize) size;

  value = push_value (self, error);
  if (value == NULL)
    return FALSE;

  self->literal_dest = _pf_imap_response_alloc_bytes (self->response, (gsize) size + 1);
  self->literal_dest[size] = '\0';

  value->kind = PF_IMAP_VALUE_STRING;
  value->flags = flags;
  value->length = (guint32) size;
  value->v.string = self->literal_dest;
  value->number = 0;

  self->literal_remaining = size;
  self->state = STATE_LITERAL;
  return TRUE;
}

/* `{n}`, `{n+}` (RFC 7888) or, after the "~", `{n}` of a literal8
 * (RFC 3516): only CRLF may follow, which is where the segment ends. */
static SegResult
parse_literal_marker (PfImapParser  *self,
                      const guint8  *p,
                      const guint8  *end,
                      gboolean       literal8,
                      gboolean       code_mode,
                      GError       **error)
{
  const guint8 *q = p + 1;
  guint64 size = 0;

  if (q == end || (char_class[*q] & C_DIGIT) == 0)
    goto malformed;

  while (q < end && (char_class[*q] & C_DIGIT) != 0)
    {
      guint d = *q - '0';

      if (size > (G_MAXUINT64 - d) / 10)
        goto malformed;
      size = size * 10 + d;
      q++;
    }

  if (q < end && *q == '+' && !literal8)
    q++;

  if (q == end || *q != '}' || q + 1 != end)
    goto malformed;

  if (code_mode)
    return SEG_ERROR;

  return start_literal (self, size, literal8, error) ? SEG_LITERAL : SEG_ERROR;

malformed:
  set_protocol_error (error, _("The server sent a malformed literal"));
  return SEG_ERROR;
}

/* What may follow a token. */
static inline gboolean
is_delimiter (const guint8 *p,
              const guint8 *end,
              gboolean      code_mode)
{
  return p == end || *p == ' ' || *p == ')' || *p == '(' || (code_mode && *p == ']');
}

/* The two most common atoms of a FETCH response, NIL and numbers, without
 * the general atom scan. */
static inline gboolean
parse_nil_or_number (PfImapParser   *self,
                     const guint8  **pp,
                     const guint8   *end,
                     gboolean        code_mode,
                     GError        **error,
                     gboolean       *done)
{
  const guint8 *start = *pp;
  const guint8 *p = start;
  PfImapValue *value;

  *done = FALSE;

  if ((char_class[*p] & C_DIGIT) != 0)
    {
      guint64 n = 0;

      /* Up to 19 digits cannot overflow a guint64. */
      while (p < end && (char_class[*p] & C_DIGIT) != 0 && p - start < 19)
        n = n * 10 + (*p++ - '0');

      if (!is_delimiter (p, end, code_mode))
        return TRUE;

      value = push_value (self, error);
      if (value == NULL)
        return FALSE;

      value->kind = PF_IMAP_VALUE_NUMBER;
      value->flags = 0;
      value->number = n;
      set_string (self, value, start, p - start);
    }
  else
    {
      if (end - p < 3 || (p[1] | 0x20) != 'i' || (p[2] | 0x20) != 'l' ||
          !is_delimiter (p + 3, end, code_mode))
        return TRUE;
      p += 3;

      value = push_value (self, error);
      if (value == NULL)
        return FALSE;

      value->kind = PF_IMAP_VALUE_NIL;
      value->flags = 0;
      value->length = 0;
      value->v.string = NULL;
      value->number = 0;
    }

  *done = TRUE;
  *pp = p;
  return TRUE;
}

/* Values up to the end of the segment, or in a response code up to its
 * "]". Tokens are separated by spaces; lists may touch each other and
 * atoms (`)(` in THREAD, RFC 5256 §4). In a response code @error is NULL:
 * a failure there is no error, the code's text is taken as it is. */
static SegResult
parse_values (PfImapParser   *self,
              const guint8  **pp,
              const guint8   *end,
              gboolean        code_mode,
              GError        **error)
{
  const guint8 *p = *pp;

  for (;;)
    {
      guint8 c;

      while (p < end && *p == ' ')
        p++;

      if (p == end)
        {
          if (code_mode)
            return SEG_ERROR;

          if (self->depth > 0)
            {
              set_protocol_error (error, _("The server sent a response with an unclosed parenthesis"));
              return SEG_ERROR;
            }

          *pp = p;
          return SEG_DONE;
        }

      c = *p;
      switch (c)
        {
        case '(':
          if (!open_list (self, error))
            return SEG_ERROR;
          p++;
          continue;

        case ')':
          if (!close_list (self, error))
            return SEG_ERROR;
          p++;
          break;

        case '"':
          if (!parse_quoted (self, &p, end, error))
            return SEG_ERROR;
          break;

        case '{':
          return parse_literal_marker (self, p, end, FALSE, code_mode, error);

        case '~':
          if (p + 1 < end && p[1] == '{')
            return parse_literal_marker (self, p + 1, end, TRUE, code_mode, error);
          if (!parse_atom (self, &p, end, code_mode, error))
            return SEG_ERROR;
          break;

        case ']':
          if (code_mode && self->depth == 0)
            {
              *pp = p + 1;
              return SEG_CODE_END;
            }
          if (!parse_atom (self, &p, end, code_mode, error))
            return SEG_ERROR;
          break;

        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
        case 'N': case 'n':
          {
            gboolean done;

            if (!parse_nil_or_number (self, &p, end, code_mode, error, &done))
              return SEG_ERROR;
            if (!done && !parse_atom (self, &p, end, code_mode, error))
              return SEG_ERROR;
          }
          break;

        default:
          if (!parse_atom (self, &p, end, code_mode, error))
            return SEG_ERROR;
          break;
        }

      if (p < end)
        {
          c = *p;
          if (c != ' ' && c != ')' && c != '(' && !(code_mode && c == ']'))
            {
              set_unexpected_error (error, c);
              return SEG_ERROR;
            }
        }
    }
}

static const char *
copy_upper (PfImapResponse *response,
            const guint8   *start,
            gsize           len)
{
  char *copy = (char *) _pf_imap_response_strndup (response, start, len);
  gsize i;

  for (i = 0; i < len; i++)
    copy[i] = g_ascii_toupper (copy[i]);

  return copy;
}

static PfImapResponseStatus
lookup_status (const char *keyword)
{
  if (strcmp (keyword, "OK") == 0)
    return PF_IMAP_RESPONSE_STATUS_OK;
  if (strcmp (keyword, "NO") == 0)
    return PF_IMAP_RESPONSE_STATUS_NO;
  if (strcmp (keyword, "BAD") == 0)
    return PF_IMAP_RESPONSE_STATUS_BAD;
  if (strcmp (keyword, "PREAUTH") == 0)
    return PF_IMAP_RESPONSE_STATUS_PREAUTH;
  if (strcmp (keyword, "BYE") == 0)
    return PF_IMAP_RESPONSE_STATUS_BYE;

  return PF_IMAP_RESPONSE_STATUS_NONE;
}

/* resp-text (RFC 3501 §9, RFC 9051 §9): ["[" resp-text-code "]" SP] text.
 * The space after the code and the text may be missing (RFC 9051
 * Appendix E item 23). The arguments of a code are parsed as values where
 * they can be; otherwise (RFC 3501 allows any text but "]") they are kept
 * as one string. */
static SegResult
parse_resp_text (PfImapParser  *self,
                 const guint8  *p,
                 const guint8  *end,
                 GError       **error)
{
  PfImapResponse *response = self->response;

  if (memchr (p, '\0', end - p) != NULL)
    {
      set_unexpected_error (error, 0);
      return SEG_ERROR;
    }

  if (p < end && *p == '[')
    {
      const guint8 *name = p + 1;
      const guint8 *q = name;

      while (q < end && (char_class[*q] & C_ATOM) != 0)
        q++;

      if (q > name && q < end && (*q == ']' || *q == ' '))
        {
          const guint8 *after = NULL;

          if (*q == ']')
            after = q + 1;
          else
            {
              const guint8 *args = q + 1;
              const guint8 *a = args;
              guint n_values = self->n_values;

              if (parse_values (self, &a, end, TRUE, NULL) == SEG_CODE_END)
                {
                  gsize n = self->stack_len;

                  response->code_args.length = (guint32) n;
                  response->code_args.v.items = move_to_arena (self, 0);
                  after = a;
                }
              else
                {
                  const guint8 *close = memchr (args, ']', end - args);

                  self->stack_len = 0;
                  self->depth = 0;
                  self->n_values = n_values;

                  if (close != NULL)
                    {
                      PfImapValue *value = push_value (self, error);

                      if (value == NULL)
                        return SEG_ERROR;

                      value->kind = PF_IMAP_VALUE_STRING;
                      value->flags = 0;
                      value->number = 0;
                      set_string (self, value, args, close - args);

                      response->code_args.length = 1;
                      response->code_args.v.items = move_to_arena (self, 0);
                      after = close + 1;
                    }
                }
            }

          if (after != NULL)
            {
              response->code = copy_upper (response, name, q - name);
              p = after;
              if (p < end && *p == ' ')
                p++;
            }
        }
    }

  if (p < end)
    {
      response->text_length = end - p;
      response->text = _pf_imap_response_strndup (response, p, end - p);
    }

  return SEG_DONE;
}

static gboolean
parse_keyword (PfImapParser   *self,
               const guint8  **pp,
               const guint8   *end,
               GError        **error)
{
  const guint8 *start = *pp;
  const guint8 *p = start;

  while (p < end && (char_class[*p] & C_ATOM) != 0)
    p++;

  if (p == start)
    {
      set_protocol_error (error, _("The server sent a response without a keyword"));
      return FALSE;
    }

  self->response->keyword = copy_upper (self->response, start, p - start);
  *pp = p;
  return TRUE;
}

/* The first segment of a response: its start (RFC 3501 §9 response,
 * continue-req, response-tagged, response-data), then its text or its
 * first values. */
static SegResult
parse_start (PfImapParser  *self,
             const guint8  *p,
             const guint8  *end,
             GError       **error)
{
  PfImapResponse *response;
  PfImapResponseStatus status;

  if (p == end)
    {
      set_protocol_error (error, _("The server sent an empty line"));
      return SEG_ERROR;
    }

  response = self->response = _pf_imap_response_new (self->pool);

  if (*p == '+')
    {
      response->kind = PF_IMAP_RESPONSE_CONTINUATION;
      p++;
      if (p < end && *p == ' ')
        p++;
      return parse_resp_text (self, p, end, error);
    }

  if (*p == '*')
    {
      response->kind = PF_IMAP_RESPONSE_UNTAGGED;
      p++;
      if (p == end || *p != ' ')
        {
          set_protocol_error (error, _("The server sent a malformed untagged response"));
          return SEG_ERROR;
        }
      while (p < end && *p == ' ')
        p++;

      if (p < end && (char_class[*p] & C_DIGIT) != 0)
        {
          guint64 n = 0;

          while (p < end && (char_class[*p] & C_DIGIT) != 0)
            {
              guint d = *p - '0';

              if (n > (G_MAXUINT64 - d) / 10)
                {
                  set_protocol_error (error, _("The server sent a malformed untagged response"));
                  return SEG_ERROR;
                }
              n = n * 10 + d;
              p++;
            }

          if (p == end || *p != ' ')
            {
              set_protocol_error (error, _("The server sent a malformed untagged response"));
              return SEG_ERROR;
            }
          while (p < end && *p == ' ')
            p++;

          response->has_number = TRUE;
          response->number = n;
        }

      if (!parse_keyword (self, &p, end, error))
        return SEG_ERROR;

      status = lookup_status (response->keyword);
      if (status == PF_IMAP_RESPONSE_STATUS_NONE)
        {
          self->is_fetch = strcmp (response->keyword, "FETCH") == 0;
          self->in_values = TRUE;
          return parse_values (self, &p, end, FALSE, error);
        }

      if (response->has_number)
        {
          set_protocol_error (error, _("The server sent a malformed untagged response"));
          return SEG_ERROR;
        }
    }
  else
    {
      const guint8 *tag = p;

      while (p < end && (char_class[*p] & C_TAG) != 0)
        p++;

      if (p == tag || p == end || *p != ' ')
        {
          set_protocol_error (error, _("The server sent a line that is not an IMAP response"));
          return SEG_ERROR;
        }

      response->kind = PF_IMAP_RESPONSE_TAGGED;
      response->tag = _pf_imap_response_strndup (response, tag, p - tag);
      while (p < end && *p == ' ')
        p++;

      if (!parse_keyword (self, &p, end, error))
        return SEG_ERROR;

      status = lookup_status (response->keyword);
      if (status != PF_IMAP_RESPONSE_STATUS_OK &&
          status != PF_IMAP_RESPONSE_STATUS_NO &&
          status != PF_IMAP_RESPONSE_STATUS_BAD)
        {
          g_autofree char *shown = g_utf8_make_valid (response->keyword, -1);

          g_set_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                       _("The server sent a tagged response with the unknown status “%s”"),
                       shown);
          return SEG_ERROR;
        }
    }

  response->status = status;
  if (p < end && *p == ' ')
    p++;

  return parse_resp_text (self, p, end, error);
}

static PfImapResponse *
finish_response (PfImapParser *self)
{
  PfImapResponse *response = self->response;
  gsize n = self->stack_len;

  g_assert (self->depth == 0);

  response->values.length = (guint32) n;
  response->values.v.items = move_to_arena (self, 0);

  if (self->stack_alloc > MAX_KEPT_STACK)
    {
      self->stack_alloc = INITIAL_STACK;
      self->stack = g_renew (PfImapValue, self->stack, self->stack_alloc);
    }

  self->response = NULL;
  self->in_values = FALSE;
  self->is_fetch = FALSE;
  self->line_bytes = 0;
  self->literal_bytes = 0;
  self->n_values = 0;

  return response;
}

static gboolean
count_line_bytes (PfImapParser  *self,
                  gsize          length,
                  GError       **error)
{
  if (length > self->max_line - self->line_bytes)
    {
      g_set_error (error, PF_IMAP_ERROR, PF_IMAP_ERROR_PROTOCOL,
                   _("The server sent a response line longer than %lu bytes"),
                   (gulong) self->max_line);
      return FALSE;
    }

  self->line_bytes += length;
  return TRUE;
}

static gboolean
append_line (PfImapParser  *self,
             const guint8  *data,
             gsize          length,
             GError       **error)
{
  if (!count_line_bytes (self, length, error))
    return FALSE;

  if (self->line_len + length > self->line_alloc)
    {
      self->line_alloc = MAX (MAX (self->line_alloc * 2, self->line_len + length), 256);
      self->line = g_realloc (self->line, self->line_alloc);
    }

  memcpy (self->line + self->line_len, data, length);
  self->line_len += length;
  return TRUE;
}

static SegResult
parse_segment (PfImapParser  *self,
               const guint8  *segment,
               gsize          length,
               GError       **error)
{
  const guint8 *p = segment;
  const guint8 *end = segment + length - 1;

  /* CRLF, or tolerantly a bare LF. */
  if (end > segment && end[-1] == '\r')
    end--;

  if (!self->in_values)
    return parse_start (self, p, end, error);

  return parse_values (self, &p, end, FALSE, error);
}

/**
 * pf_imap_parser_feed:
 * @self: a parser
 * @data: (array length=length): received bytes
 * @length: how many
 * @consumed: (out): how many bytes of @data the parser used; the caller
 *   drops them and feeds the rest (and what arrives later) next time
 * @response: (out) (transfer full) (optional) (nullable): the complete
 *   response on %PF_IMAP_PARSE_RESPONSE
 * @error: return location for a %PF_IMAP_ERROR_PROTOCOL error
 *
 * Parses as much of @data as it can, without blocking. Any split of the
 * input gives the same responses: bytes of an unfinished line are copied
 * into the parser, so on %PF_IMAP_PARSE_NEED_MORE @consumed is always
 * @length. CRLF and bare LF both end lines.
 *
 * On %PF_IMAP_PARSE_RESPONSE @consumed ends with the response; more
 * responses may follow in the rest of @data. On
 * %PF_IMAP_PARSE_LITERAL_DATA @consumed ends with the piece described by
 * pf_imap_parser_get_literal_chunk(), whose bytes are in @data: use them
 * before dropping @data.
 *
 * On %PF_IMAP_PARSE_ERROR, malformed input or a limit was hit; the parser
 * cannot go on until pf_imap_parser_reset().
 *
 * Returns: what happened
 */
PfImapParseStatus
pf_imap_parser_feed (PfImapParser    *self,
                     const guint8    *data,
                     gsize            length,
                     gsize           *consumed,
                     PfImapResponse **response,
                     GError         **error)
{
  gsize pos = 0;

  g_return_val_if_fail (self != NULL, PF_IMAP_PARSE_ERROR);
  g_return_val_if_fail (data != NULL || length == 0, PF_IMAP_PARSE_ERROR);
  g_return_val_if_fail (consumed != NULL, PF_IMAP_PARSE_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, PF_IMAP_PARSE_ERROR);

  *consumed = 0;
  if (response != NULL)
    *response = NULL;

  for (;;)
    {
      switch (self->state)
        {
        case STATE_LITERAL:
          {
            gsize n = (gsize) MIN (self->literal_remaining, (guint64) (length - pos));

            if (n > 0)
              {
                memcpy (self->literal_dest, data + pos, n);
                self->literal_dest += n;
                self->literal_remaining -= n;
                pos += n;
              }

            if (self->literal_remaining > 0)
              {
                *consumed = pos;
                return PF_IMAP_PARSE_NEED_MORE;
              }

            self->literal_dest = NULL;
            self->state = STATE_LINE;
          }
          break;

        case STATE_STREAM:
          {
            gsize n = (gsize) MIN (self->literal_remaining, (guint64) (length - pos));

            if (n == 0)
              {
                *consumed = pos;
                return PF_IMAP_PARSE_NEED_MORE;
              }

            self->chunk.data = data + pos;
            self->chunk.length = n;
            self->chunk.offset = self->chunk.size - self->literal_remaining;
            self->chunk.first = self->chunk.offset == 0;
            self->literal_remaining -= n;
            self->chunk.last = self->literal_remaining == 0;
            pos += n;

            if (self->literal_remaining == 0)
              self->state = STATE_LINE;

            *consumed = pos;
            return PF_IMAP_PARSE_LITERAL_DATA;
          }

        case STATE_LINE:
          {
            const guint8 *start = data + pos;
            const guint8 *newline;
            const guint8 *segment;
            gsize segment_len;
            SegResult result;

            if (pos == length)
              {
                *consumed = pos;
                return PF_IMAP_PARSE_NEED_MORE;
              }

            newline = memchr (start, '\n', length - pos);
            if (newline == NULL)
              {
                if (!append_line (self, start, length - pos, error))
                  goto failed;

                *consumed = length;
                return PF_IMAP_PARSE_NEED_MORE;
              }

            segment_len = newline + 1 - start;
            pos += segment_len;

            if (self->line_len > 0)
              {
                if (!append_line (self, start, segment_len, error))
                  goto failed;
                segment = self->line;
                segment_len = self->line_len;
              }
            else
              {
                if (!count_line_bytes (self, segment_len, error))
                  goto failed;
                segment = start;
              }

            result = parse_segment (self, segment, segment_len, error);

            self->line_len = 0;
            if (self->line_alloc > MAX_KEPT_LINE)
              {
                g_clear_pointer (&self->line, g_free);
                self->line_alloc = 0;
              }

            switch (result)
              {
              case SEG_DONE:
                {
                  PfImapResponse *done = finish_response (self);

                  *consumed = pos;
                  if (response != NULL)
                    *response = done;
                  else
                    pf_imap_response_unref (done);
                  return PF_IMAP_PARSE_RESPONSE;
                }

              case SEG_LITERAL:
                break;

              case SEG_ERROR:
              case SEG_CODE_END:
              default:
                goto failed;
              }
          }
          break;

        case STATE_FAILED:
        default:
          set_protocol_error (error, _("The server’s responses cannot be read after an earlier error"));
          return PF_IMAP_PARSE_ERROR;
        }
    }

failed:
  self->state = STATE_FAILED;
  *consumed = pos;
  return PF_IMAP_PARSE_ERROR;
}
