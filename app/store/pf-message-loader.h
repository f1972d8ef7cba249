/* pf-message-loader.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

/* The parsed message and the text helpers are what a reader gets from
 * the loader; the widgets reach them through this header. */
#include "mime/pf-mime-error.h"
#include "mime/pf-mime-message.h"
#include "mime/pf-mime-text.h"

#include "pf-store.h"

G_BEGIN_DECLS

/* Parsed messages kept for going back and forth between messages. */
#define PF_MESSAGE_LOADER_CACHE_SIZE 8

#define PF_TYPE_MESSAGE_FETCHER (pf_message_fetcher_get_type ())

G_DECLARE_INTERFACE (PfMessageFetcher, pf_message_fetcher, PF, MESSAGE_FETCHER, GObject)

/**
 * PfMessageFetcherInterface:
 * @fetch_body_async: downloads the whole message @message_id of @store,
 *   stores it in the store's Maildir and records it with
 *   pf_store_set_body() (or a batch); called on the store's main context
 * @fetch_body_finish: returns the absolute path of the message file
 *
 * Whatever can bring the body of a message into a store: the sync of
 * the account the store belongs to.
 */
struct _PfMessageFetcherInterface
{
  GTypeInterface parent_iface;

  void   (*fetch_body_async)  (PfMessageFetcher     *self,
                               PfStore              *store,
                               gint64                message_id,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data);
  char * (*fetch_body_finish) (PfMessageFetcher     *self,
                               GAsyncResult         *result,
                               GError              **error);
};

void  pf_message_fetcher_fetch_body_async  (PfMessageFetcher     *self,
                                            PfStore              *store,
                                            gint64                message_id,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
char *pf_message_fetcher_fetch_body_finish (PfMessageFetcher     *self,
                                            GAsyncResult         *result,
                                            GError              **error);

#define PF_TYPE_MESSAGE_LOADER (pf_message_loader_get_type ())

G_DECLARE_FINAL_TYPE (PfMessageLoader, pf_message_loader, PF, MESSAGE_LOADER, GObject)

PfMessageLoader *pf_message_loader_new         (void);
void             pf_message_loader_set_fetcher (PfMessageLoader      *self,
                                                PfStore              *store,
                                                PfMessageFetcher     *fetcher);
PfMimeMessage   *pf_message_loader_lookup      (PfMessageLoader      *self,
                                                PfStore              *store,
                                                gint64                message_id);
void             pf_message_loader_load_async  (PfMessageLoader      *self,
                                                PfStore              *store,
                                                gint64                message_id,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
PfMimeMessage   *pf_message_loader_load_finish (PfMessageLoader      *self,
                                                GAsyncResult         *result,
                                                GError              **error);

G_END_DECLS
