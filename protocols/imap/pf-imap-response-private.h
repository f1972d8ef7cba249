/* pf-imap-response-private.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <string.h>

#include "pf-imap-response.h"
#include "pf-imap-value-private.h"

G_BEGIN_DECLS

/* A response owns an arena: a chain of blocks that values and strings are
 * carved from with a bump pointer, freed all at once with the response.
 * The first block is allocated together with the response and comes from
 * a small pool of the parser, so that a FETCH response of a few kilobytes
 * costs no malloc at all once the pool is warm (glibc consolidates its
 * free lists on every allocation of this size, which costs more than
 * parsing the response). */

typedef struct _PfImapArenaBlock PfImapArenaBlock;
typedef struct _PfImapResponsePool PfImapResponsePool;

struct _PfImapArenaBlock
{
  PfImapArenaBlock *next;
};

struct _PfImapResponse
{
  gatomicrefcount       ref_count;
  PfImapResponsePool   *pool;      /* owned reference, or NULL */

  PfImapResponseKind    kind;
  PfImapResponseStatus  status;
  gboolean              has_number;
  guint64               number;
  const char           *tag;       /* TAGGED only */
  const char           *keyword;   /* upper case; also OK, NO, … */
  const char           *code;      /* upper case, or NULL */
  const char           *text;      /* never NULL */
  gsize                 text_length;
  PfImapValue           code_args; /* LIST */
  PfImapValue           values;    /* LIST */

  /* The arena */
  guint8               *arena_pos;
  guint8               *arena_end;
  PfImapArenaBlock     *blocks;    /* extra blocks, newest first */
  gsize                 arena_size;      /* all blocks and this struct */
  gsize                 next_block_size;
};

PfImapResponsePool *_pf_imap_response_pool_new   (void);
void                _pf_imap_response_pool_unref (PfImapResponsePool *pool);

PfImapResponse *_pf_imap_response_new         (PfImapResponsePool *pool);
gpointer        _pf_imap_response_alloc_slow  (PfImapResponse *self,
                                               gsize           size);

/* Aligned for values. */
static inline gpointer
_pf_imap_response_alloc (PfImapResponse *self,
                         gsize           size)
{
  guint8 *pos = (guint8 *) (((guintptr) self->arena_pos + 7) & ~(guintptr) 7);

  if (G_LIKELY (pos <= self->arena_end && (gsize) (self->arena_end - pos) >= size))
    {
      self->arena_pos = pos + size;
      return pos;
    }

  return _pf_imap_response_alloc_slow (self, size);
}

/* Unaligned, for string bytes. */
static inline char *
_pf_imap_response_alloc_bytes (PfImapResponse *self,
                               gsize           size)
{
  guint8 *pos = self->arena_pos;

  if (G_LIKELY ((gsize) (self->arena_end - pos) >= size))
    {
      self->arena_pos = pos + size;
      return (char *) pos;
    }

  return _pf_imap_response_alloc_slow (self, size);
}

/* A NUL-terminated copy in the arena. */
static inline const char *
_pf_imap_response_strndup (PfImapResponse *self,
                           const void     *bytes,
                           gsize           length)
{
  char *copy = _pf_imap_response_alloc_bytes (self, length + 1);

  memcpy (copy, bytes, length);
  copy[length] = '\0';
  return copy;
}

G_END_DECLS
