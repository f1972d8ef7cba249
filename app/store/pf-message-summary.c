/* pf-message-summary.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-store"

#include "config.h"

#include "pf-message-summary-private.h"

/*
 * One row of the message list: a small immutable-looking object whose
 * flags (and, after a summary update, other fields) change in place with
 * property notifications, so list rows update without items-changed.
 */

G_DEFINE_FINAL_TYPE (PfMessageSummary, pf_message_summary, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_FOLDER_ID,
  PROP_UID,
  PROP_SUBJECT,
  PROP_FROM,
  PROP_FROM_ADDRESS,
  PROP_TO,
  PROP_DATE,
  PROP_FLAGS,
  PROP_IS_UNREAD,
  PROP_IS_FLAGGED,
  PROP_HAS_ATTACHMENT,
  PROP_PREVIEW,
  PROP_THREAD_ID,
  PROP_THREAD_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
pf_message_summary_finalize (GObject *object)
{
  PfMessageSummary *self = PF_MESSAGE_SUMMARY (object);

  g_free (self->subject);
  g_free (self->from);
  g_free (self->from_address);
  g_free (self->to);
  g_free (self->preview);

  G_OBJECT_CLASS (pf_message_summary_parent_class)->finalize (object);
}

static void
pf_message_summary_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  PfMessageSummary *self = PF_MESSAGE_SUMMARY (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_FOLDER_ID:
      g_value_set_int64 (value, self->folder_id);
      break;
    case PROP_UID:
      g_value_set_uint (value, self->uid);
      break;
    case PROP_SUBJECT:
      g_value_set_string (value, self->subject);
      break;
    case PROP_FROM:
      g_value_set_string (value, self->from);
      break;
    case PROP_FROM_ADDRESS:
      g_value_set_string (value, self->from_address);
      break;
    case PROP_TO:
      g_value_set_string (value, self->to);
      break;
    case PROP_DATE:
      g_value_set_int64 (value, self->date);
      break;
    case PROP_FLAGS:
      g_value_set_uint (value, self->flags);
      break;
    case PROP_IS_UNREAD:
      g_value_set_boolean (value, pf_message_summary_get_is_unread (self));
      break;
    case PROP_IS_FLAGGED:
      g_value_set_boolean (value, pf_message_summary_get_is_flagged (self));
      break;
    case PROP_HAS_ATTACHMENT:
      g_value_set_boolean (value, self->has_attachment);
      break;
    case PROP_PREVIEW:
      g_value_set_string (value, self->preview);
      break;
    case PROP_THREAD_ID:
      g_value_set_int64 (value, self->thread_id);
      break;
    case PROP_THREAD_COUNT:
      g_value_set_uint (value, self->thread_count);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_message_summary_class_init (PfMessageSummaryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = pf_message_summary_finalize;
  object_class->get_property = pf_message_summary_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_FOLDER_ID] = g_param_spec_int64 ("folder-id", NULL, NULL, 0, G_MAXINT64, 0,
                                                   flags);
  properties[PROP_UID] = g_param_spec_uint ("uid", NULL, NULL, 0, G_MAXUINT32, 0, flags);
  properties[PROP_SUBJECT] = g_param_spec_string ("subject", NULL, NULL, NULL, flags);
  /**
   * PfMessageSummary:from:
   *
   * The sender's display name, or the address when there is no name.
   */
  properties[PROP_FROM] = g_param_spec_string ("from", NULL, NULL, NULL, flags);
  properties[PROP_FROM_ADDRESS] = g_param_spec_string ("from-address", NULL, NULL, NULL, flags);
  properties[PROP_TO] = g_param_spec_string ("to", NULL, NULL, NULL, flags);
  /**
   * PfMessageSummary:date:
   *
   * The date the list sorts by, in seconds since the Unix epoch (UTC).
   */
  properties[PROP_DATE] = g_param_spec_int64 ("date", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                                              flags);
  /**
   * PfMessageSummary:flags:
   *
   * The #PfStoreFlags bits.
   */
  properties[PROP_FLAGS] = g_param_spec_uint ("flags", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_IS_UNREAD] = g_param_spec_boolean ("is-unread", NULL, NULL, FALSE, flags);
  properties[PROP_IS_FLAGGED] = g_param_spec_boolean ("is-flagged", NULL, NULL, FALSE, flags);
  properties[PROP_HAS_ATTACHMENT] = g_param_spec_boolean ("has-attachment", NULL, NULL, FALSE,
                                                          flags);
  properties[PROP_PREVIEW] = g_param_spec_string ("preview", NULL, NULL, NULL, flags);
  properties[PROP_THREAD_ID] = g_param_spec_int64 ("thread-id", NULL, NULL, 0, G_MAXINT64, 0,
                                                   flags);
  /**
   * PfMessageSummary:thread-count:
   *
   * In a conversations list (pf_message_list_model_new_for_folder_threads()),
   * the number of messages of the conversation in the folder, of which
   * this is the newest; 1 elsewhere.
   */
  properties[PROP_THREAD_COUNT] = g_param_spec_uint ("thread-count", NULL, NULL, 0, G_MAXUINT, 1,
                                                     flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pf_message_summary_init (PfMessageSummary *self)
{
  self->thread_count = 1;
}

static gboolean
set_string (PfMessageSummary *self,
            char            **field,
            const char       *value,
            guint             prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

static const char *
from_display (const PfStoreMessage *message)
{
  if (message->from_name != NULL && *message->from_name != '\0')
    return message->from_name;

  return message->from_address;
}

/**
 * pf_message_summary_update:
 * @self: a #PfMessageSummary
 * @message: the message's current row
 *
 * Takes the fields of @message, notifying each property that changed.
 */
void
pf_message_summary_update (PfMessageSummary     *self,
                           const PfStoreMessage *message)
{
  GObject *object = G_OBJECT (self);

  g_return_if_fail (PF_IS_MESSAGE_SUMMARY (self));
  g_return_if_fail (message != NULL);

  g_object_freeze_notify (object);

  if (self->id != message->id)
    {
      self->id = message->id;
      g_object_notify_by_pspec (object, properties[PROP_ID]);
    }
  if (self->folder_id != message->folder_id)
    {
      self->folder_id = message->folder_id;
      g_object_notify_by_pspec (object, properties[PROP_FOLDER_ID]);
    }
  if (self->uid != message->uid)
    {
      self->uid = message->uid;
      g_object_notify_by_pspec (object, properties[PROP_UID]);
    }
  if (self->thread_id != message->thread_id)
    {
      self->thread_id = message->thread_id;
      g_object_notify_by_pspec (object, properties[PROP_THREAD_ID]);
    }
  {
    gint64 date = message->date != 0 ? message->date : message->internal_date;

    if (self->date != date)
      {
        self->date = date;
        g_object_notify_by_pspec (object, properties[PROP_DATE]);
      }
  }
  if (self->flags != message->flags)
    {
      PfStoreFlags old = self->flags;

      self->flags = message->flags;
      g_object_notify_by_pspec (object, properties[PROP_FLAGS]);
      if ((old ^ self->flags) & PF_STORE_FLAG_SEEN)
        g_object_notify_by_pspec (object, properties[PROP_IS_UNREAD]);
      if ((old ^ self->flags) & PF_STORE_FLAG_FLAGGED)
        g_object_notify_by_pspec (object, properties[PROP_IS_FLAGGED]);
    }
  if (self->has_attachment != !!message->has_attachment)
    {
      self->has_attachment = !!message->has_attachment;
      g_object_notify_by_pspec (object, properties[PROP_HAS_ATTACHMENT]);
    }

  set_string (self, &self->subject, message->subject, PROP_SUBJECT);
  set_string (self, &self->from, from_display (message), PROP_FROM);
  set_string (self, &self->from_address, message->from_address, PROP_FROM_ADDRESS);
  set_string (self, &self->to, message->to, PROP_TO);
  set_string (self, &self->preview, message->preview, PROP_PREVIEW);

  g_object_thaw_notify (object);
}

/**
 * pf_message_summary_new_from_message:
 * @message: a message row
 *
 * Returns: (transfer full): a summary of @message
 */
PfMessageSummary *
pf_message_summary_new_from_message (const PfStoreMessage *message)
{
  PfMessageSummary *self;

  g_return_val_if_fail (message != NULL, NULL);

  self = g_object_new (PF_TYPE_MESSAGE_SUMMARY, NULL);
  self->id = message->id;
  self->folder_id = message->folder_id;
  self->uid = message->uid;
  self->thread_id = message->thread_id;
  self->date = message->date != 0 ? message->date : message->internal_date;
  self->flags = message->flags;
  self->has_attachment = !!message->has_attachment;
  self->subject = g_strdup (message->subject);
  self->from = g_strdup (from_display (message));
  self->from_address = g_strdup (message->from_address);
  self->to = g_strdup (message->to);
  self->preview = g_strdup (message->preview);

  return self;
}

/**
 * pf_message_summary_get_id:
 * @self: a #PfMessageSummary
 *
 * Returns: the message's id in its store
 */
gint64
pf_message_summary_get_id (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), 0);
  return self->id;
}

/**
 * pf_message_summary_get_folder_id:
 * @self: a #PfMessageSummary
 *
 * Returns: the folder's id
 */
gint64
pf_message_summary_get_folder_id (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), 0);
  return self->folder_id;
}

/**
 * pf_message_summary_get_uid:
 * @self: a #PfMessageSummary
 *
 * Returns: the message's UID
 */
guint32
pf_message_summary_get_uid (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), 0);
  return self->uid;
}

/**
 * pf_message_summary_get_subject:
 * @self: a #PfMessageSummary
 *
 * Returns: (nullable): the subject
 */
const char *
pf_message_summary_get_subject (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), NULL);
  return self->subject;
}

/**
 * pf_message_summary_get_from:
 * @self: a #PfMessageSummary
 *
 * Returns: (nullable): the sender's name, or address if it has no name
 */
const char *
pf_message_summary_get_from (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), NULL);
  return self->from;
}

/**
 * pf_message_summary_get_from_address:
 * @self: a #PfMessageSummary
 *
 * Returns: (nullable): the sender's address
 */
const char *
pf_message_summary_get_from_address (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), NULL);
  return self->from_address;
}

/**
 * pf_message_summary_get_to:
 * @self: a #PfMessageSummary
 *
 * Returns: (nullable): the recipients as one display string
 */
const char *
pf_message_summary_get_to (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), NULL);
  return self->to;
}

/**
 * pf_message_summary_get_date:
 * @self: a #PfMessageSummary
 *
 * Returns: the date the list sorts by, in seconds since the epoch
 */
gint64
pf_message_summary_get_date (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), 0);
  return self->date;
}

/**
 * pf_message_summary_get_flags:
 * @self: a #PfMessageSummary
 *
 * Returns: the message's flags
 */
PfStoreFlags
pf_message_summary_get_flags (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), 0);
  return self->flags;
}

/**
 * pf_message_summary_get_is_unread:
 * @self: a #PfMessageSummary
 *
 * Returns: whether the message lacks \Seen
 */
gboolean
pf_message_summary_get_is_unread (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), FALSE);
  return (self->flags & PF_STORE_FLAG_SEEN) == 0;
}

/**
 * pf_message_summary_get_is_flagged:
 * @self: a #PfMessageSummary
 *
 * Returns: whether the message has \Flagged
 */
gboolean
pf_message_summary_get_is_flagged (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), FALSE);
  return (self->flags & PF_STORE_FLAG_FLAGGED) != 0;
}

/**
 * pf_message_summary_get_has_attachment:
 * @self: a #PfMessageSummary
 *
 * Returns: whether the message has attachments
 */
gboolean
pf_message_summary_get_has_attachment (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), FALSE);
  return self->has_attachment;
}

/**
 * pf_message_summary_get_preview:
 * @self: a #PfMessageSummary
 *
 * Returns: (nullable): the preview text
 */
const char *
pf_message_summary_get_preview (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), NULL);
  return self->preview;
}

/**
 * pf_message_summary_get_thread_id:
 * @self: a #PfMessageSummary
 *
 * Returns: the conversation's id
 */
gint64
pf_message_summary_get_thread_id (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), 0);
  return self->thread_id;
}

/**
 * pf_message_summary_get_store:
 * @self: a #PfMessageSummary
 *
 * Returns: (transfer none) (type PfStore) (nullable): the store the
 *   message is in, when the summary came from a #PfMessageListModel
 */
gpointer
pf_message_summary_get_store (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), NULL);
  return self->store;
}

/**
 * pf_message_summary_get_thread_count:
 * @self: a #PfMessageSummary
 *
 * Returns: in a conversations list, how many messages of the folder
 *   belong to the conversation this message stands for; 1 elsewhere
 */
guint
pf_message_summary_get_thread_count (PfMessageSummary *self)
{
  g_return_val_if_fail (PF_IS_MESSAGE_SUMMARY (self), 1);
  return self->thread_count;
}

void
_pf_message_summary_set_thread_count (PfMessageSummary *self,
                                      guint             count)
{
  if (self->thread_count == count)
    return;
  self->thread_count = count;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THREAD_COUNT]);
}
