/* pf-imap-response.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-imap"

#include "config.h"

#include "pf-imap-response-private.h"

#define BLOCK_HEADER     (sizeof (PfImapArenaBlock) + 8)
#define FIRST_BLOCK      (4096 - 16)
#define MAX_BLOCK_SIZE   (64 * 1024)
#define BIG_ALLOCATION   (8 * 1024)
#define POOL_SIZE        16

static const PfImapValue empty_list = { PF_IMAP_VALUE_LIST, 0, 0, { NULL }, 0 };

/* First blocks of freed responses, for the next ones. Responses may be
 * freed in another thread than the parser's, and outlive it: the pool is
 * locked and reference-counted. */
struct _PfImapResponsePool
{
  gatomicrefcount  ref_count;
  GMutex           mutex;
  guint            n_free;
  gpointer         free[POOL_SIZE];
};

/* Parser only. */
PfImapResponsePool *
_pf_imap_response_pool_new (void)
{
  PfImapResponsePool *pool = g_new0 (PfImapResponsePool, 1);

  g_atomic_ref_count_init (&pool->ref_count);
  g_mutex_init (&pool->mutex);

  return pool;
}

/* Parser and responses. */
void
_pf_imap_response_pool_unref (PfImapResponsePool *pool)
{
  guint i;

  if (!g_atomic_ref_count_dec (&pool->ref_count))
    return;

  for (i = 0; i < pool->n_free; i++)
    g_free (pool->free[i]);
  g_mutex_clear (&pool->mutex);
  g_free (pool);
}

/* Parser only: a response with the first block of its arena, from @pool
 * if it has one. */
PfImapResponse *
_pf_imap_response_new (PfImapResponsePool *pool)
{
  PfImapResponse *self = NULL;
  gsize initial_arena = FIRST_BLOCK - sizeof (PfImapResponse);

  if (pool != NULL)
    {
      g_mutex_lock (&pool->mutex);
      if (pool->n_free > 0)
        self = pool->free[--pool->n_free];
      g_mutex_unlock (&pool->mutex);

      g_atomic_ref_count_inc (&pool->ref_count);
    }

  if (self == NULL)
    self = g_malloc (FIRST_BLOCK);

  g_atomic_ref_count_init (&self->ref_count);
  self->pool = pool;
  self->kind = PF_IMAP_RESPONSE_UNTAGGED;
  self->status = PF_IMAP_RESPONSE_STATUS_NONE;
  self->has_number = FALSE;
  self->number = 0;
  self->tag = NULL;
  self->keyword = NULL;
  self->code = NULL;
  self->text = "";
  self->text_length = 0;
  self->code_args = empty_list;
  self->values = empty_list;
  self->arena_pos = (guint8 *) (self + 1);
  self->arena_end = self->arena_pos + initial_arena;
  self->blocks = NULL;
  self->arena_size = FIRST_BLOCK;
  self->next_block_size = 2 * FIRST_BLOCK;

  return self;
}

/* The arena's slow path: a new block, or a block of its own for a large
 * allocation (a literal), so that the rest of the current block is not
 * wasted. */
gpointer
_pf_imap_response_alloc_slow (PfImapResponse *self,
                              gsize           size)
{
  PfImapArenaBlock *block;
  gsize block_size;
  guint8 *data;

  if (size > G_MAXSIZE - BLOCK_HEADER - 8)
    g_error ("IMAP response arena: allocation of %" G_GSIZE_FORMAT " bytes", size);

  if (size >= BIG_ALLOCATION)
    {
      block = g_malloc (BLOCK_HEADER + size);
      block->next = self->blocks;
      self->blocks = block;
      self->arena_size += size;
      return (guint8 *) block + BLOCK_HEADER;
    }

  block_size = MAX (self->next_block_size, size + 8);
  self->next_block_size = MIN (block_size * 2, MAX_BLOCK_SIZE);

  block = g_malloc (BLOCK_HEADER + block_size);
  block->next = self->blocks;
  self->blocks = block;
  self->arena_size += block_size;

  data = (guint8 *) block + BLOCK_HEADER;
  self->arena_pos = data + size;
  self->arena_end = data + block_size;

  return data;
}

/**
 * pf_imap_response_ref:
 * @self: a response
 *
 * Returns: (transfer full): @self, with one more reference. Thread-safe.
 */
PfImapResponse *
pf_imap_response_ref (PfImapResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * pf_imap_response_unref:
 * @self: (transfer full): a response
 *
 * Drops a reference; the last one frees the response with all its values
 * and strings. Thread-safe.
 */
void
pf_imap_response_unref (PfImapResponse *self)
{
  PfImapResponsePool *pool;
  PfImapArenaBlock *block;

  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  block = self->blocks;
  while (block != NULL)
    {
      PfImapArenaBlock *next = block->next;

      g_free (block);
      block = next;
    }

  pool = self->pool;
  if (pool != NULL)
    {
      g_mutex_lock (&pool->mutex);
      if (pool->n_free < POOL_SIZE)
        {
          pool->free[pool->n_free++] = self;
          self = NULL;
        }
      g_mutex_unlock (&pool->mutex);
      _pf_imap_response_pool_unref (pool);
    }

  g_free (self);
}

/**
 * pf_imap_response_get_kind:
 * @self: a response
 *
 * Returns: whether @self is tagged, untagged or a continuation request
 */
PfImapResponseKind
pf_imap_response_get_kind (PfImapResponse *self)
{
  g_return_val_if_fail (self != NULL, PF_IMAP_RESPONSE_UNTAGGED);

  return self->kind;
}

/**
 * pf_imap_response_get_tag:
 * @self: a response
 *
 * Returns: (transfer none) (nullable): the tag of a tagged response
 *   (RFC 3501 §2.2.1), or %NULL
 */
const char *
pf_imap_response_get_tag (PfImapResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->tag;
}

/**
 * pf_imap_response_get_status:
 * @self: a response
 *
 * Returns: OK, NO, BAD, PREAUTH or BYE for a status response
 *   (RFC 3501 §7.1), %PF_IMAP_RESPONSE_STATUS_NONE for data and
 *   continuations
 */
PfImapResponseStatus
pf_imap_response_get_status (PfImapResponse *self)
{
  g_return_val_if_fail (self != NULL, PF_IMAP_RESPONSE_STATUS_NONE);

  return self->status;
}

/**
 * pf_imap_response_get_code:
 * @self: a response
 *
 * Gets the response code in brackets at the start of the text of a status
 * response or continuation (RFC 3501 §7.1): ALERT, CAPABILITY, UIDNEXT,
 * TRYCREATE, HIGHESTMODSEQ (RFC 7162 §3.1.2.1), COPYUID (RFC 4315 §3),
 * AUTHENTICATIONFAILED (RFC 5530 §3) and any other. Its arguments are in
 * pf_imap_response_get_code_args().
 *
 * Returns: (transfer none) (nullable): the code's name in upper case, or
 *   %NULL
 */
const char *
pf_imap_response_get_code (PfImapResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->code;
}

/**
 * pf_imap_response_has_code:
 * @self: a response
 * @code: a response code name, e.g. "ALERT"
 *
 * Returns: %TRUE if @self carries the response code @code (compared
 *   ASCII-case-insensitively)
 */
gboolean
pf_imap_response_has_code (PfImapResponse *self,
                           const char     *code)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (code != NULL, FALSE);

  return self->code != NULL && g_ascii_strcasecmp (self->code, code) == 0;
}

/**
 * pf_imap_response_get_code_args:
 * @self: a response
 *
 * Gets the arguments of the response code as a list: one number for
 * `[UIDNEXT 4392]`, a list of flags for `[PERMANENTFLAGS (\Seen \*)]`, a
 * number and two atoms for `[COPYUID 38505 304,319:320 3956:3958]`. The
 * arguments of a code that do not parse as values (RFC 3501 §9 allows any
 * text) are one string with that text.
 *
 * Returns: (transfer none): a list, empty when there is no code or it has
 *   no arguments
 */
const PfImapValue *
pf_imap_response_get_code_args (PfImapResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->code_args;
}

/**
 * pf_imap_response_get_text:
 * @self: a response
 * @length: (out) (optional): its length in bytes
 *
 * Gets the human-readable text of a status response (RFC 3501 §7.1), after
 * the response code, or the text or base64 of a continuation request
 * (§7.5). The bytes are as the server sent them and need not be UTF-8.
 *
 * Returns: (transfer none): the text; empty for data responses
 */
const char *
pf_imap_response_get_text (PfImapResponse *self,
                           gsize          *length)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (length != NULL)
    *length = self->text_length;
  return self->text;
}

/**
 * pf_imap_response_has_number:
 * @self: a response
 *
 * Returns: %TRUE if untagged data starts with a number, as in
 *   `* 23 EXISTS` or `* 5 FETCH (…)` (RFC 3501 §7.3, §7.4)
 */
gboolean
pf_imap_response_has_number (PfImapResponse *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->has_number;
}

/**
 * pf_imap_response_get_number:
 * @self: a response
 *
 * Returns: the leading number of untagged data (the message count of
 *   EXISTS, the sequence number of FETCH and EXPUNGE), or 0
 */
guint64
pf_imap_response_get_number (PfImapResponse *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->number;
}

/**
 * pf_imap_response_get_keyword:
 * @self: a response
 *
 * Gets what the response is: for untagged data the keyword (CAPABILITY,
 * LIST, FETCH, EXISTS, ESEARCH, VANISHED, …), for status responses the
 * status (OK, NO, BAD, PREAUTH, BYE).
 *
 * Returns: (transfer none) (nullable): the keyword in upper case; %NULL for
 *   continuations
 */
const char *
pf_imap_response_get_keyword (PfImapResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->keyword;
}

/**
 * pf_imap_response_is_keyword:
 * @self: a response
 * @keyword: e.g. "FETCH"
 *
 * Returns: %TRUE if the keyword of @self is @keyword, compared
 *   ASCII-case-insensitively
 */
gboolean
pf_imap_response_is_keyword (PfImapResponse *self,
                             const char     *keyword)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (keyword != NULL, FALSE);

  return self->keyword != NULL && g_ascii_strcasecmp (self->keyword, keyword) == 0;
}

/**
 * pf_imap_response_get_values:
 * @self: a response
 *
 * Gets the values of untagged data after the keyword, as one list: for
 * `* 5 FETCH (UID 9 FLAGS ())` a list holding the FETCH attribute list, for
 * `* SEARCH 2 3` a list of two numbers.
 *
 * Returns: (transfer none): a list, empty for status responses and
 *   continuations
 */
const PfImapValue *
pf_imap_response_get_values (PfImapResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->values;
}

/**
 * pf_imap_response_get_n_values:
 * @self: a response
 *
 * Returns: the number of values after the keyword
 */
guint
pf_imap_response_get_n_values (PfImapResponse *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->values.length;
}

/**
 * pf_imap_response_get_value:
 * @self: a response
 * @index: the position, from 0
 *
 * Returns: (transfer none) (nullable): the value at @index after the
 *   keyword, or %NULL
 */
const PfImapValue *
pf_imap_response_get_value (PfImapResponse *self,
                            guint           index)
{
  g_return_val_if_fail (self != NULL, NULL);

  return pf_imap_value_get_item (&self->values, index);
}

/**
 * pf_imap_response_ref_bytes:
 * @self: a response
 * @value: a string value of @self
 *
 * Wraps the bytes of a string value, such as a `BODY[HEADER]` literal,
 * without copying: the #GBytes keeps a reference on @self.
 *
 * Returns: (transfer full) (nullable): the bytes, or %NULL if @value is not
 *   a string, atom or number
 */
GBytes *
pf_imap_response_ref_bytes (PfImapResponse    *self,
                            const PfImapValue *value)
{
  const char *string;
  gsize length;

  g_return_val_if_fail (self != NULL, NULL);

  string = pf_imap_value_get_string (value, &length);
  if (string == NULL)
    return NULL;

  return g_bytes_new_with_free_func (string, length,
                                     (GDestroyNotify) pf_imap_response_unref,
                                     pf_imap_response_ref (self));
}

/**
 * pf_imap_response_get_memory_size:
 * @self: a response
 *
 * Returns: the bytes of memory held by @self, for statistics and tests
 */
gsize
pf_imap_response_get_memory_size (PfImapResponse *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->arena_size;
}

static const char *
status_name (PfImapResponseStatus status)
{
  switch (status)
    {
    case PF_IMAP_RESPONSE_STATUS_OK:
      return "OK";
    case PF_IMAP_RESPONSE_STATUS_NO:
      return "NO";
    case PF_IMAP_RESPONSE_STATUS_BAD:
      return "BAD";
    case PF_IMAP_RESPONSE_STATUS_PREAUTH:
      return "PREAUTH";
    case PF_IMAP_RESPONSE_STATUS_BYE:
      return "BYE";
    case PF_IMAP_RESPONSE_STATUS_NONE:
    default:
      return NULL;
    }
}

/**
 * pf_imap_response_to_string:
 * @self: a response
 *
 * Writes @self in a readable, deterministic form for logs and tests:
 * `* 5 FETCH ((UID 9))`, `a1 NO [TRYCREATE] "text"`. Values are written as
 * pf_imap_value_append_to_string() does; this is not the wire form.
 *
 * Returns: (transfer full): the text
 */
char *
pf_imap_response_to_string (PfImapResponse *self)
{
  GString *string;

  g_return_val_if_fail (self != NULL, NULL);

  string = g_string_new (NULL);

  switch (self->kind)
    {
    case PF_IMAP_RESPONSE_TAGGED:
      g_string_append (string, self->tag);
      break;
    case PF_IMAP_RESPONSE_UNTAGGED:
      g_string_append_c (string, '*');
      break;
    case PF_IMAP_RESPONSE_CONTINUATION:
    default:
      g_string_append_c (string, '+');
      break;
    }

  if (self->has_number)
    g_string_append_printf (string, " %" G_GUINT64_FORMAT, self->number);

  if (self->status != PF_IMAP_RESPONSE_STATUS_NONE)
    g_string_append_printf (string, " %s", status_name (self->status));
  else if (self->keyword != NULL)
    g_string_append_printf (string, " %s", self->keyword);

  if (self->code != NULL)
    {
      g_string_append_printf (string, " [%s", self->code);
      if (self->code_args.length > 0)
        {
          g_string_append_c (string, ' ');
          pf_imap_value_append_to_string (&self->code_args, string);
        }
      g_string_append_c (string, ']');
    }

  if (self->values.length > 0)
    {
      g_string_append_c (string, ' ');
      pf_imap_value_append_to_string (&self->values, string);
    }

  if (self->status != PF_IMAP_RESPONSE_STATUS_NONE ||
      self->kind == PF_IMAP_RESPONSE_CONTINUATION)
    {
      PfImapValue text = { PF_IMAP_VALUE_STRING, 0, (guint32) self->text_length,
                           { self->text }, 0 };

      g_string_append_c (string, ' ');
      pf_imap_value_append_to_string (&text, string);
    }

  return g_string_free (string, FALSE);
}
