/* pf-net-reader.h
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The longest line a reader holds unless told otherwise. IMAP lines carry
 * whole FETCH responses minus their literals; 1 MiB is far above what any
 * server sends for one message, and bounds what a hostile one can make us
 * keep. */
#define PF_NET_READER_DEFAULT_MAX_LINE (1024 * 1024)

#define PF_TYPE_NET_READER (pf_net_reader_get_type ())

G_DECLARE_FINAL_TYPE (PfNetReader, pf_net_reader, PF, NET_READER, GObject)

PfNetReader   *pf_net_reader_new              (GInputStream         *stream);
GInputStream  *pf_net_reader_get_stream       (PfNetReader          *self);
void           pf_net_reader_set_max_line     (PfNetReader          *self,
                                               gsize                 max_line);
gsize          pf_net_reader_get_max_line     (PfNetReader          *self);

const guint8  *pf_net_reader_peek             (PfNetReader          *self,
                                               gsize                *available);
gsize          pf_net_reader_get_available    (PfNetReader          *self);
void           pf_net_reader_consume          (PfNetReader          *self,
                                               gsize                 count);
gboolean       pf_net_reader_peek_line        (PfNetReader          *self,
                                               const char          **line,
                                               gsize                *length,
                                               gsize                *consumed,
                                               GError              **error);

void           pf_net_reader_fill_async       (PfNetReader          *self,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean       pf_net_reader_fill_finish      (PfNetReader          *self,
                                               GAsyncResult         *result,
                                               GError              **error);

void           pf_net_reader_read_line_async  (PfNetReader          *self,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
char          *pf_net_reader_read_line_finish (PfNetReader          *self,
                                               GAsyncResult         *result,
                                               gsize                *length,
                                               GError              **error);

void           pf_net_reader_read_bytes_async (PfNetReader          *self,
                                               gsize                 count,
                                               GOutputStream        *sink,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
GBytes        *pf_net_reader_read_bytes_finish (PfNetReader         *self,
                                                GAsyncResult        *result,
                                                GError             **error);

/* The main-loop priority of all network I/O (reads, writes, TLS
 * handshakes, closes) and of the completion of the calls that wrap it */
void pf_net_set_io_priority (int priority);
int  pf_net_get_io_priority (void);

G_END_DECLS
