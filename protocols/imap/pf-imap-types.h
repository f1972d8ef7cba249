/* pf-imap-types.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pf-imap-response.h"
#include "pf-imap-value.h"

G_BEGIN_DECLS

/* Sequence sets (RFC 3501 §9 sequence-set, RFC 9051 §9) */

/**
 * PF_IMAP_SEQUENCE_STAR:
 *
 * How `*` (the largest number in use) is kept in a #PfImapSequenceSet.
 * Message numbers and UIDs start at 1, so 0 is free for it.
 */
#define PF_IMAP_SEQUENCE_STAR 0

/**
 * PfImapSequenceSet:
 *
 * A set of message sequence numbers or UIDs as ranges, like `1:5,7,9:*`.
 */
typedef struct _PfImapSequenceSet PfImapSequenceSet;

PfImapSequenceSet  *pf_imap_sequence_set_new            (void);
PfImapSequenceSet  *pf_imap_sequence_set_parse          (const char              *text,
                                                         gssize                   length,
                                                         GError                 **error);
PfImapSequenceSet  *pf_imap_sequence_set_new_from_uids  (const guint32           *uids,
                                                         gsize                    n_uids);
void                pf_imap_sequence_set_free           (PfImapSequenceSet       *self);
void                pf_imap_sequence_set_add_range      (PfImapSequenceSet       *self,
                                                         guint32                  first,
                                                         guint32                  last);
guint               pf_imap_sequence_set_get_n_ranges   (const PfImapSequenceSet *self);
void                pf_imap_sequence_set_get_range      (const PfImapSequenceSet *self,
                                                         guint                    index,
                                                         guint32                 *first,
                                                         guint32                 *last);
gboolean            pf_imap_sequence_set_contains       (const PfImapSequenceSet *self,
                                                         guint32                  number,
                                                         guint32                  star);
guint64             pf_imap_sequence_set_get_count      (const PfImapSequenceSet *self,
                                                         guint32                  star);
GArray             *pf_imap_sequence_set_to_array       (const PfImapSequenceSet *self,
                                                         guint32                  star,
                                                         gsize                    max_items,
                                                         GError                 **error);
char               *pf_imap_sequence_set_to_string      (const PfImapSequenceSet *self);
char              **pf_imap_sequence_set_to_strings     (const PfImapSequenceSet *self,
                                                         gsize                    max_length);
char               *pf_imap_uids_to_sequence_string     (const guint32           *uids,
                                                         gsize                    n_uids);

/* Dates */

GDateTime          *pf_imap_parse_date_time             (const char              *text,
                                                         gssize                   length);

/* Addresses and envelopes (RFC 3501 §7.4.2) */

/**
 * PfImapAddress:
 * @name: (nullable): the display name, RFC 2047 encoded-words decoded,
 *   in UTF-8; for a group its name
 * @adl: (nullable): the source route (at-domain-list), obsolete
 * @mailbox: (nullable): the local part; %NULL for a group
 * @host: (nullable): the domain; %NULL for a group
 * @members: (nullable) (element-type PfImapAddress): the addresses of a
 *   group (RFC 5322 §3.4 group syntax), possibly none; %NULL for a plain
 *   address
 *
 * One address of an envelope, or a group of addresses. The strings are
 * part of the address's own allocation: read them, but do not free or
 * replace them; pf_imap_address_free() frees all.
 */
typedef struct
{
  char      *name;
  char      *adl;
  char      *mailbox;
  char      *host;
  GPtrArray *members;
} PfImapAddress;

void                pf_imap_address_free                (PfImapAddress           *address);
gboolean            pf_imap_address_is_group            (const PfImapAddress     *address);
char               *pf_imap_address_dup_email           (const PfImapAddress     *address);
char               *pf_imap_address_list_to_string      (GPtrArray               *addresses);

/**
 * PfImapEnvelope:
 * @date: (nullable): the Date: header as sent
 * @date_time: (nullable): @date parsed, in UTC, or %NULL if it does not
 *   parse
 * @subject: (nullable): the subject, encoded-words decoded, in UTF-8
 * @from: (nullable) (element-type PfImapAddress): From:, %NULL for NIL
 * @sender: (nullable) (element-type PfImapAddress): Sender: (servers fill
 *   in From: when it is missing)
 * @reply_to: (nullable) (element-type PfImapAddress): Reply-To:
 * @to: (nullable) (element-type PfImapAddress): To:
 * @cc: (nullable) (element-type PfImapAddress): Cc:
 * @bcc: (nullable) (element-type PfImapAddress): Bcc:
 * @in_reply_to: (nullable): the In-Reply-To: header as sent
 * @message_id: (nullable): the Message-ID: header as sent
 *
 * The ENVELOPE of a message (RFC 3501 §7.4.2).
 */
typedef struct
{
  char      *date;
  GDateTime *date_time;
  char      *subject;
  GPtrArray *from;
  GPtrArray *sender;
  GPtrArray *reply_to;
  GPtrArray *to;
  GPtrArray *cc;
  GPtrArray *bcc;
  char      *in_reply_to;
  char      *message_id;
} PfImapEnvelope;

PfImapEnvelope     *pf_imap_envelope_new_from_value     (const PfImapValue       *value,
                                                         GError                 **error);
void                pf_imap_envelope_free               (PfImapEnvelope          *envelope);

/* Body structure (RFC 3501 §7.4.2 BODYSTRUCTURE) */

/**
 * PfImapParam:
 * @name: the parameter name in lower case, without RFC 2231 `*` suffixes
 * @value: the value, RFC 2231 and (leniently) RFC 2047 decoded, in UTF-8
 *
 * A MIME parameter such as `charset` or `filename`. Name and value are
 * part of the parameter's own allocation, freed with g_free() on it.
 */
typedef struct
{
  char *name;
  char *value;
} PfImapParam;

typedef struct _PfImapBodyStructure PfImapBodyStructure;

/**
 * PfImapBodyStructure:
 * @type: the media type in lower case: "text", "multipart", …
 * @subtype: the subtype in lower case: "plain", "alternative", …
 * @params: (nullable) (element-type PfImapParam): Content-Type parameters
 * @id: (nullable): Content-ID
 * @description: (nullable): Content-Description, decoded
 * @encoding: (nullable): Content-Transfer-Encoding in lower case
 * @size: the size of the encoded body in bytes
 * @lines: the size in lines of text and message/rfc822 bodies
 * @md5: (nullable): Content-MD5 (extension data)
 * @disposition: (nullable): "inline", "attachment", … in lower case
 * @disposition_params: (nullable) (element-type PfImapParam): its
 *   parameters, such as the filename
 * @language: (nullable) (array zero-terminated=1): Content-Language tags
 * @location: (nullable): Content-Location
 * @children: (nullable) (element-type PfImapBodyStructure): the parts of
 *   a multipart
 * @envelope: (nullable): the envelope of a message/rfc822 part
 * @body: (nullable): the body structure of a message/rfc822 part
 * @section: (nullable): the part specifier for `BODY[section]`
 *   (RFC 3501 §6.4.5), like "1.2"; %NULL for a multipart message itself
 *
 * The MIME structure of a message, one node per part. Extension data may
 * be missing; its fields are %NULL then.
 */
struct _PfImapBodyStructure
{
  char                *type;
  char                *subtype;
  GPtrArray           *params;
  char                *id;
  char                *description;
  char                *encoding;
  guint64              size;
  guint64              lines;
  char                *md5;
  char                *disposition;
  GPtrArray           *disposition_params;
  char               **language;
  char                *location;
  GPtrArray           *children;
  PfImapEnvelope      *envelope;
  PfImapBodyStructure *body;
  char                *section;
};

PfImapBodyStructure       *pf_imap_body_structure_new_from_value      (const PfImapValue         *value,
                                                                       GError                   **error);
void                       pf_imap_body_structure_free                (PfImapBodyStructure       *body);
gboolean                   pf_imap_body_structure_is_multipart        (const PfImapBodyStructure *body);
const char                *pf_imap_body_structure_get_param           (const PfImapBodyStructure *body,
                                                                       const char                *name);
const char                *pf_imap_body_structure_get_disposition_param (const PfImapBodyStructure *body,
                                                                         const char                *name);
const char                *pf_imap_body_structure_get_filename        (const PfImapBodyStructure *body);
const PfImapBodyStructure *pf_imap_body_structure_find_section        (const PfImapBodyStructure *body,
                                                                       const char                *section);

/* FETCH (RFC 3501 §7.4.2) */

/**
 * PfImapFetchFields:
 * @PF_IMAP_FETCH_UID: the UID item was sent
 * @PF_IMAP_FETCH_FLAGS: FLAGS
 * @PF_IMAP_FETCH_INTERNALDATE: INTERNALDATE
 * @PF_IMAP_FETCH_RFC822_SIZE: RFC822.SIZE
 * @PF_IMAP_FETCH_MODSEQ: MODSEQ (RFC 7162 §3.1.4.1)
 * @PF_IMAP_FETCH_ENVELOPE: ENVELOPE
 * @PF_IMAP_FETCH_BODYSTRUCTURE: BODYSTRUCTURE or BODY
 *
 * Which items a FETCH response carried.
 */
typedef enum
{
  PF_IMAP_FETCH_UID           = 1 << 0,
  PF_IMAP_FETCH_FLAGS         = 1 << 1,
  PF_IMAP_FETCH_INTERNALDATE  = 1 << 2,
  PF_IMAP_FETCH_RFC822_SIZE   = 1 << 3,
  PF_IMAP_FETCH_MODSEQ        = 1 << 4,
  PF_IMAP_FETCH_ENVELOPE      = 1 << 5,
  PF_IMAP_FETCH_BODYSTRUCTURE = 1 << 6,
} PfImapFetchFields;

/**
 * PfImapFetchBody:
 * @section: the section in upper case with single spaces: "" for
 *   `BODY[]` and RFC822, "HEADER" for RFC822.HEADER, "TEXT" for
 *   RFC822.TEXT, "1.2", "HEADER.FIELDS (REFERENCES IN-REPLY-TO)"
 * @binary: %TRUE for a BINARY[] item (RFC 3516)
 * @has_origin: %TRUE if a partial fetch's origin `<n>` was sent
 * @origin: the origin, else 0
 * @data: (nullable): the bytes; %NULL for NIL and for streamed literals.
 *   They share the memory of the response.
 * @streamed: %TRUE if the literal was handed out piecewise while parsing
 * @size: the size of @data, or of the streamed literal
 *
 * A `BODY[section]<origin>` item of a FETCH response.
 */
typedef struct
{
  char     *section;
  gboolean  binary;
  gboolean  has_origin;
  guint64   origin;
  GBytes   *data;
  gboolean  streamed;
  guint64   size;
} PfImapFetchBody;

/**
 * PfImapFetch:
 * @seq: the message sequence number
 * @fields: which of the following items were sent
 * @uid: UID
 * @flags: (nullable) (array zero-terminated=1): FLAGS
 * @internal_date: (nullable): INTERNALDATE
 * @rfc822_size: RFC822.SIZE
 * @modseq: MODSEQ (RFC 7162 §3.1.4.1)
 * @envelope: (nullable): ENVELOPE
 * @body_structure: (nullable): BODYSTRUCTURE (or BODY)
 * @bodies: (nullable) (element-type PfImapFetchBody): BODY[…], BINARY[…]
 *   and RFC822[.HEADER|.TEXT] items
 *
 * The data of one FETCH response, decoded. Items it does not know
 * (X-GM-LABELS, …) are left in the response's values.
 */
typedef struct
{
  guint32            seq;
  PfImapFetchFields  fields;
  guint32            uid;
  char             **flags;
  GDateTime         *internal_date;
  guint64            rfc822_size;
  guint64            modseq;
  PfImapEnvelope    *envelope;
  PfImapBodyStructure *body_structure;
  GPtrArray         *bodies;
} PfImapFetch;

PfImapFetch           *pf_imap_fetch_new_from_response      (PfImapResponse  *response,
                                                             GError         **error);
void                   pf_imap_fetch_free                   (PfImapFetch     *fetch);
const PfImapFetchBody *pf_imap_fetch_get_body               (const PfImapFetch *fetch,
                                                             const char      *section);
gboolean               pf_imap_fetch_has_flag               (const PfImapFetch *fetch,
                                                             const char      *flag);

/* STATUS (RFC 3501 §7.2.4) */

/**
 * PfImapStatusFields:
 * @PF_IMAP_STATUS_MESSAGES: MESSAGES
 * @PF_IMAP_STATUS_RECENT: RECENT
 * @PF_IMAP_STATUS_UIDNEXT: UIDNEXT
 * @PF_IMAP_STATUS_UIDVALIDITY: UIDVALIDITY
 * @PF_IMAP_STATUS_UNSEEN: UNSEEN
 * @PF_IMAP_STATUS_HIGHESTMODSEQ: HIGHESTMODSEQ (RFC 7162 §3.1.6)
 * @PF_IMAP_STATUS_SIZE: SIZE (RFC 8438)
 * @PF_IMAP_STATUS_DELETED: DELETED (RFC 9051 §6.3.11)
 *
 * Which items a STATUS response carried.
 */
typedef enum
{
  PF_IMAP_STATUS_MESSAGES      = 1 << 0,
  PF_IMAP_STATUS_RECENT        = 1 << 1,
  PF_IMAP_STATUS_UIDNEXT       = 1 << 2,
  PF_IMAP_STATUS_UIDVALIDITY   = 1 << 3,
  PF_IMAP_STATUS_UNSEEN        = 1 << 4,
  PF_IMAP_STATUS_HIGHESTMODSEQ = 1 << 5,
  PF_IMAP_STATUS_SIZE          = 1 << 6,
  PF_IMAP_STATUS_DELETED       = 1 << 7,
} PfImapStatusFields;

/**
 * PfImapMailboxStatus:
 * @mailbox: the mailbox name in UTF-8
 * @raw_mailbox: the name as sent, for use in commands
 * @fields: which of the following items were sent
 * @messages: MESSAGES
 * @recent: RECENT
 * @uidnext: UIDNEXT
 * @uidvalidity: UIDVALIDITY
 * @unseen: UNSEEN
 * @highestmodseq: HIGHESTMODSEQ
 * @size: SIZE
 * @deleted: DELETED
 *
 * A STATUS response.
 */
typedef struct
{
  char               *mailbox;
  char               *raw_mailbox;
  PfImapStatusFields  fields;
  guint32             messages;
  guint32             recent;
  guint32             uidnext;
  guint32             uidvalidity;
  guint32             unseen;
  guint64             highestmodseq;
  guint64             size;
  guint32             deleted;
} PfImapMailboxStatus;

PfImapMailboxStatus *pf_imap_mailbox_status_new_from_response (PfImapResponse       *response,
                                                               gboolean              utf8,
                                                               GError              **error);
void                 pf_imap_mailbox_status_free              (PfImapMailboxStatus  *status);

/* LIST and LSUB (RFC 3501 §7.2.2, RFC 5258, RFC 6154) */

/**
 * PfImapMailboxAttributes:
 * @PF_IMAP_MAILBOX_NOSELECT: \Noselect: not a mailbox, only a level of
 *   the hierarchy
 * @PF_IMAP_MAILBOX_NOINFERIORS: \Noinferiors: cannot have children
 * @PF_IMAP_MAILBOX_MARKED: \Marked
 * @PF_IMAP_MAILBOX_UNMARKED: \Unmarked
 * @PF_IMAP_MAILBOX_HAS_CHILDREN: \HasChildren (RFC 3348, RFC 5258)
 * @PF_IMAP_MAILBOX_HAS_NO_CHILDREN: \HasNoChildren
 * @PF_IMAP_MAILBOX_NONEXISTENT: \NonExistent (RFC 5258); implies
 *   \Noselect, which is set as well
 * @PF_IMAP_MAILBOX_SUBSCRIBED: \Subscribed (RFC 5258)
 * @PF_IMAP_MAILBOX_REMOTE: \Remote (RFC 5258)
 * @PF_IMAP_MAILBOX_ALL: \All (RFC 6154), or XLIST's \AllMail
 * @PF_IMAP_MAILBOX_ARCHIVE: \Archive (RFC 6154)
 * @PF_IMAP_MAILBOX_DRAFTS: \Drafts (RFC 6154)
 * @PF_IMAP_MAILBOX_FLAGGED: \Flagged (RFC 6154), or XLIST's \Starred
 * @PF_IMAP_MAILBOX_JUNK: \Junk (RFC 6154), or XLIST's \Spam
 * @PF_IMAP_MAILBOX_SENT: \Sent (RFC 6154)
 * @PF_IMAP_MAILBOX_TRASH: \Trash (RFC 6154)
 * @PF_IMAP_MAILBOX_IMPORTANT: \Important (RFC 8457)
 * @PF_IMAP_MAILBOX_INBOX: XLIST's \Inbox
 *
 * Mailbox attributes of a LIST response, case-insensitive on the wire.
 */
typedef enum
{
  PF_IMAP_MAILBOX_NOSELECT        = 1 << 0,
  PF_IMAP_MAILBOX_NOINFERIORS     = 1 << 1,
  PF_IMAP_MAILBOX_MARKED          = 1 << 2,
  PF_IMAP_MAILBOX_UNMARKED        = 1 << 3,
  PF_IMAP_MAILBOX_HAS_CHILDREN    = 1 << 4,
  PF_IMAP_MAILBOX_HAS_NO_CHILDREN = 1 << 5,
  PF_IMAP_MAILBOX_NONEXISTENT     = 1 << 6,
  PF_IMAP_MAILBOX_SUBSCRIBED      = 1 << 7,
  PF_IMAP_MAILBOX_REMOTE          = 1 << 8,
  PF_IMAP_MAILBOX_ALL             = 1 << 9,
  PF_IMAP_MAILBOX_ARCHIVE         = 1 << 10,
  PF_IMAP_MAILBOX_DRAFTS          = 1 << 11,
  PF_IMAP_MAILBOX_FLAGGED         = 1 << 12,
  PF_IMAP_MAILBOX_JUNK            = 1 << 13,
  PF_IMAP_MAILBOX_SENT            = 1 << 14,
  PF_IMAP_MAILBOX_TRASH           = 1 << 15,
  PF_IMAP_MAILBOX_IMPORTANT       = 1 << 16,
  PF_IMAP_MAILBOX_INBOX           = 1 << 17,
} PfImapMailboxAttributes;

/**
 * PfImapListEntry:
 * @name: the mailbox name in UTF-8; "INBOX" in upper case whatever case
 *   the server used (RFC 3501 §5.1)
 * @raw_name: the name as sent, for use in commands
 * @delimiter: the hierarchy delimiter, or 0 for NIL (a flat namespace)
 * @attributes: the attributes this type knows
 * @attribute_names: (array zero-terminated=1): all attributes as sent
 * @is_inbox: %TRUE for INBOX
 *
 * A LIST, LSUB or XLIST response.
 */
typedef struct
{
  char                     *name;
  char                     *raw_name;
  char                      delimiter;
  PfImapMailboxAttributes   attributes;
  char                    **attribute_names;
  gboolean                  is_inbox;
} PfImapListEntry;

PfImapListEntry    *pf_imap_list_entry_new_from_response (PfImapResponse   *response,
                                                          gboolean          utf8,
                                                          GError          **error);
void                pf_imap_list_entry_free              (PfImapListEntry  *entry);
char               *pf_imap_decode_mailbox_name          (const PfImapValue *value,
                                                          gboolean           utf8,
                                                          GError           **error);

/* SEARCH (RFC 3501 §7.2.5) and ESEARCH (RFC 4731, RFC 9051 §7.3.4) */

/**
 * PfImapSearchFields:
 * @PF_IMAP_SEARCH_MIN: MIN was sent
 * @PF_IMAP_SEARCH_MAX: MAX was sent
 * @PF_IMAP_SEARCH_COUNT: COUNT was sent
 * @PF_IMAP_SEARCH_ALL: ALL was sent (always set for SEARCH)
 * @PF_IMAP_SEARCH_MODSEQ: MODSEQ was sent (RFC 7162 §3.1.5)
 *
 * Which results a SEARCH or ESEARCH response carried.
 */
typedef enum
{
  PF_IMAP_SEARCH_MIN    = 1 << 0,
  PF_IMAP_SEARCH_MAX    = 1 << 1,
  PF_IMAP_SEARCH_COUNT  = 1 << 2,
  PF_IMAP_SEARCH_ALL    = 1 << 3,
  PF_IMAP_SEARCH_MODSEQ = 1 << 4,
} PfImapSearchFields;

/**
 * PfImapSearchResult:
 * @tag: (nullable): the tag of the command an ESEARCH answers
 * @uid: %TRUE if the numbers are UIDs (ESEARCH's UID indicator)
 * @fields: which results were sent
 * @min: MIN
 * @max: MAX
 * @count: COUNT
 * @matches: the matching numbers (SEARCH, or ESEARCH ALL); never %NULL,
 *   possibly empty
 * @modseq: the highest mod-sequence of the matches
 *
 * A SEARCH or ESEARCH response.
 */
typedef struct
{
  char               *tag;
  gboolean            uid;
  PfImapSearchFields  fields;
  guint32             min;
  guint32             max;
  guint32             count;
  PfImapSequenceSet  *matches;
  guint64             modseq;
} PfImapSearchResult;

PfImapSearchResult *pf_imap_search_result_new_from_response (PfImapResponse     *response,
                                                             GError            **error);
void                pf_imap_search_result_free              (PfImapSearchResult *result);

/* VANISHED (RFC 7162 §3.2.10) */

/**
 * PfImapVanished:
 * @earlier: %TRUE for VANISHED (EARLIER): an answer to a FETCH or SELECT,
 *   not news, and the UIDs may include ones the client never saw
 * @uids: the UIDs that are gone
 *
 * A VANISHED response.
 */
typedef struct
{
  gboolean           earlier;
  PfImapSequenceSet *uids;
} PfImapVanished;

PfImapVanished     *pf_imap_vanished_new_from_response  (PfImapResponse  *response,
                                                         GError         **error);
void                pf_imap_vanished_free               (PfImapVanished  *vanished);

/* CAPABILITY (RFC 3501 §7.2.1) */

/**
 * PfImapCapabilityFlags:
 * @PF_IMAP_CAPABILITY_IMAP4REV1: IMAP4rev1 (RFC 3501)
 * @PF_IMAP_CAPABILITY_IMAP4REV2: IMAP4rev2 (RFC 9051)
 * @PF_IMAP_CAPABILITY_STARTTLS: STARTTLS
 * @PF_IMAP_CAPABILITY_LOGINDISABLED: LOGINDISABLED
 * @PF_IMAP_CAPABILITY_IDLE: IDLE (RFC 2177)
 * @PF_IMAP_CAPABILITY_LITERAL_PLUS: LITERAL+ (RFC 7888)
 * @PF_IMAP_CAPABILITY_LITERAL_MINUS: LITERAL- (RFC 7888)
 * @PF_IMAP_CAPABILITY_UIDPLUS: UIDPLUS (RFC 4315)
 * @PF_IMAP_CAPABILITY_CONDSTORE: CONDSTORE (RFC 7162)
 * @PF_IMAP_CAPABILITY_QRESYNC: QRESYNC (RFC 7162)
 * @PF_IMAP_CAPABILITY_ENABLE: ENABLE (RFC 5161)
 * @PF_IMAP_CAPABILITY_ESEARCH: ESEARCH (RFC 4731)
 * @PF_IMAP_CAPABILITY_SPECIAL_USE: SPECIAL-USE (RFC 6154)
 * @PF_IMAP_CAPABILITY_MOVE: MOVE (RFC 6851)
 * @PF_IMAP_CAPABILITY_NAMESPACE: NAMESPACE (RFC 2342)
 * @PF_IMAP_CAPABILITY_ID: ID (RFC 2971)
 * @PF_IMAP_CAPABILITY_UTF8_ACCEPT: UTF8=ACCEPT (RFC 6855)
 * @PF_IMAP_CAPABILITY_COMPRESS_DEFLATE: COMPRESS=DEFLATE (RFC 4978)
 * @PF_IMAP_CAPABILITY_SASL_IR: SASL-IR (RFC 4959)
 * @PF_IMAP_CAPABILITY_LIST_EXTENDED: LIST-EXTENDED (RFC 5258)
 * @PF_IMAP_CAPABILITY_LIST_STATUS: LIST-STATUS (RFC 5819)
 * @PF_IMAP_CAPABILITY_BINARY: BINARY (RFC 3516)
 * @PF_IMAP_CAPABILITY_UNSELECT: UNSELECT (RFC 3691)
 * @PF_IMAP_CAPABILITY_CHILDREN: CHILDREN (RFC 3348)
 * @PF_IMAP_CAPABILITY_XLIST: XLIST (Gmail, obsolete)
 * @PF_IMAP_CAPABILITY_GMAIL: X-GM-EXT-1 (Gmail)
 * @PF_IMAP_CAPABILITY_QUOTA: QUOTA (RFC 9208)
 * @PF_IMAP_CAPABILITY_APPENDLIMIT: APPENDLIMIT (RFC 7889)
 * @PF_IMAP_CAPABILITY_OBJECTID: OBJECTID (RFC 8474)
 *
 * Capabilities this client acts on.
 */
typedef enum
{
  PF_IMAP_CAPABILITY_IMAP4REV1        = 1 << 0,
  PF_IMAP_CAPABILITY_IMAP4REV2        = 1 << 1,
  PF_IMAP_CAPABILITY_STARTTLS         = 1 << 2,
  PF_IMAP_CAPABILITY_LOGINDISABLED    = 1 << 3,
  PF_IMAP_CAPABILITY_IDLE             = 1 << 4,
  PF_IMAP_CAPABILITY_LITERAL_PLUS     = 1 << 5,
  PF_IMAP_CAPABILITY_LITERAL_MINUS    = 1 << 6,
  PF_IMAP_CAPABILITY_UIDPLUS          = 1 << 7,
  PF_IMAP_CAPABILITY_CONDSTORE        = 1 << 8,
  PF_IMAP_CAPABILITY_QRESYNC          = 1 << 9,
  PF_IMAP_CAPABILITY_ENABLE           = 1 << 10,
  PF_IMAP_CAPABILITY_ESEARCH          = 1 << 11,
  PF_IMAP_CAPABILITY_SPECIAL_USE      = 1 << 12,
  PF_IMAP_CAPABILITY_MOVE             = 1 << 13,
  PF_IMAP_CAPABILITY_NAMESPACE        = 1 << 14,
  PF_IMAP_CAPABILITY_ID               = 1 << 15,
  PF_IMAP_CAPABILITY_UTF8_ACCEPT      = 1 << 16,
  PF_IMAP_CAPABILITY_COMPRESS_DEFLATE = 1 << 17,
  PF_IMAP_CAPABILITY_SASL_IR          = 1 << 18,
  PF_IMAP_CAPABILITY_LIST_EXTENDED    = 1 << 19,
  PF_IMAP_CAPABILITY_LIST_STATUS      = 1 << 20,
  PF_IMAP_CAPABILITY_BINARY           = 1 << 21,
  PF_IMAP_CAPABILITY_UNSELECT         = 1 << 22,
  PF_IMAP_CAPABILITY_CHILDREN         = 1 << 23,
  PF_IMAP_CAPABILITY_XLIST            = 1 << 24,
  PF_IMAP_CAPABILITY_GMAIL            = 1 << 25,
  PF_IMAP_CAPABILITY_QUOTA            = 1 << 26,
  PF_IMAP_CAPABILITY_APPENDLIMIT      = 1 << 27,
  PF_IMAP_CAPABILITY_OBJECTID         = 1 << 28,
} PfImapCapabilityFlags;

/**
 * PfImapCapabilities:
 * @flags: the capabilities this client knows
 * @names: (array zero-terminated=1): all capabilities in upper case
 * @auth_mechanisms: (array zero-terminated=1): the SASL mechanisms of the
 *   AUTH= capabilities, in upper case
 *
 * The capabilities of a server, from a CAPABILITY response or response
 * code.
 */
typedef struct
{
  PfImapCapabilityFlags   flags;
  char                  **names;
  char                  **auth_mechanisms;
} PfImapCapabilities;

PfImapCapabilities *pf_imap_capabilities_new_from_response (PfImapResponse           *response,
                                                            GError                  **error);
void                pf_imap_capabilities_free              (PfImapCapabilities       *capabilities);
gboolean            pf_imap_capabilities_has               (const PfImapCapabilities *capabilities,
                                                            const char               *name);

/* NAMESPACE (RFC 2342) */

/**
 * PfImapNamespace:
 * @prefix: the prefix in UTF-8, e.g. "" or "INBOX."
 * @raw_prefix: the prefix as sent
 * @delimiter: the hierarchy delimiter, or 0 for NIL
 *
 * One namespace of a NAMESPACE response.
 */
typedef struct
{
  char *prefix;
  char *raw_prefix;
  char  delimiter;
} PfImapNamespace;

/**
 * PfImapNamespaces:
 * @personal: (element-type PfImapNamespace): the user's own
 * @other: (element-type PfImapNamespace): other users'
 * @shared: (element-type PfImapNamespace): shared mailboxes
 *
 * A NAMESPACE response; each array may be empty.
 */
typedef struct
{
  GPtrArray *personal;
  GPtrArray *other;
  GPtrArray *shared;
} PfImapNamespaces;

PfImapNamespaces   *pf_imap_namespaces_new_from_response (PfImapResponse    *response,
                                                          gboolean           utf8,
                                                          GError           **error);
void                pf_imap_namespaces_free              (PfImapNamespaces  *namespaces);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapSequenceSet, pf_imap_sequence_set_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapAddress, pf_imap_address_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapEnvelope, pf_imap_envelope_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapBodyStructure, pf_imap_body_structure_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapFetch, pf_imap_fetch_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapMailboxStatus, pf_imap_mailbox_status_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapListEntry, pf_imap_list_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapSearchResult, pf_imap_search_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapVanished, pf_imap_vanished_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapCapabilities, pf_imap_capabilities_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfImapNamespaces, pf_imap_namespaces_free)

G_END_DECLS
