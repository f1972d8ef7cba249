/* fuzz-pop3-reader.c
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-fuzz"

#include "config.h"

#include <stdint.h>
#include <string.h>

#include "net/pf-net-connection.h"
#include "net/pf-net-error.h"
#include "pop3/pf-pop3-client.h"
#include "pop3/pf-pop3-error.h"

/*
 * libFuzzer target for the POP3 reply reader: status lines and the
 * dot-stuffed, "."-terminated blocks of RETR, TOP, LIST and UIDL.
 *
 * A PfNetConnection only connects by itself, so the target listens on a
 * loopback port and plays the server: it accepts the client, sends the
 * greeting and a CAPA refusal, starts the command chosen by the first
 * input byte, and sends the rest of the input as the reply, in pieces
 * whose sizes the second byte seeds, running the main context between
 * them. Then it shuts its side down, so the client sees the end. With
 * bit 2 of the first byte, what follows the status line is sent 16
 * times and then a ".", so that long messages fill the sink in more
 * than one chunk.
 *
 * The outcome is compared with a reference reading of the same bytes: a
 * completed RETR or TOP wrote exactly the unstuffed lines, each with CRLF,
 * and a failure is the one the bytes call for, in PF_POP3_ERROR or
 * PF_NET_ERROR with a valid UTF-8 message.
 */

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

typedef enum
{
  OP_RETR,
  OP_TOP,
  OP_LIST,
  OP_UIDL,
  N_OPS
} Op;

typedef struct
{
  gboolean      done;
  gboolean      ok;
  GError       *error;
  GArray       *entries;
} Outcome;

typedef enum
{
  EXPECT_OK,
  EXPECT_ERR,            /* -ERR: PF_POP3_ERROR, not PROTOCOL */
  EXPECT_PROTOCOL,       /* not a status line */
  EXPECT_LOST,           /* the end came before the status or the "." */
} Expect;

static GSocketListener *listener;
static guint16 listen_port;

static void
setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;

  if (listener != NULL)
    return;

  listener = g_socket_listener_new ();
  address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  if (!g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error))
    g_error ("Cannot listen on the loopback interface: %s", error->message);
  listen_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

/* Reads the bytes as RFC 1939 §3 says: the status line, then for a
 * multi-line reply the lines up to a lone ".", unstuffed. */
static Expect
reference (const guint8 *data,
           gsize         size,
           GString      *block)
{
  const guint8 *end;
  const guint8 *newline;
  g_autofree char *status = NULL;
  gsize length;

  if (size == 0)
    return EXPECT_LOST;
  end = data + size;
  newline = memchr (data, '\n', size);
  if (newline == NULL)
    return EXPECT_LOST;
  length = newline - data;
  if (length > 0 && data[length - 1] == '\r')
    length--;
  status = g_strndup ((const char *) data, length);
  if (g_str_has_prefix (status, "-ERR"))
    return EXPECT_ERR;
  if (!g_str_has_prefix (status, "+OK"))
    return EXPECT_PROTOCOL;

  for (data = newline + 1; data < end; data = newline + 1)
    {
      newline = memchr (data, '\n', end - data);
      if (newline == NULL)
        break;
      length = newline - data;
      if (length > 0 && data[length - 1] == '\r')
        length--;
      if (length == 1 && data[0] == '.')
        return EXPECT_OK;
      if (length > 0 && data[0] == '.')
        {
          data++;
          length--;
        }
      g_string_append_len (block, (const char *) data, length);
      g_string_append (block, "\r\n");
    }
  return EXPECT_LOST;
}

static void
accept_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GSocketConnection **server = user_data;
  g_autoptr(GError) error = NULL;

  *server = g_socket_listener_accept_finish (G_SOCKET_LISTENER (object), result, NULL, &error);
  if (*server == NULL)
    g_error ("Cannot accept: %s", error->message);
}

static void
open_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->ok = pf_pop3_client_open_finish (PF_POP3_CLIENT (object), result, &outcome->error);
  outcome->done = TRUE;
}

static void
command_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  PfPop3Client *client = PF_POP3_CLIENT (object);
  Outcome *outcome = user_data;
  gpointer tag = g_task_get_source_tag (G_TASK (result));

  if (tag == pf_pop3_client_retr_async)
    outcome->ok = pf_pop3_client_retr_finish (client, result, &outcome->error);
  else if (tag == pf_pop3_client_top_async)
    outcome->ok = pf_pop3_client_top_finish (client, result, &outcome->error);
  else if (tag == pf_pop3_client_list_async)
    outcome->entries = pf_pop3_client_list_finish (client, result, &outcome->error);
  else
    outcome->entries = pf_pop3_client_uidl_finish (client, result, &outcome->error);
  if (tag == pf_pop3_client_list_async || tag == pf_pop3_client_uidl_async)
    outcome->ok = outcome->entries != NULL;
  outcome->done = TRUE;
}

static void
check_error (const GError *error)
{
  g_assert (error != NULL);
  g_assert (error->domain == PF_POP3_ERROR || error->domain == PF_NET_ERROR);
  g_assert (g_utf8_validate (error->message, -1, NULL));
  if (error->domain == PF_POP3_ERROR)
    {
      const char *text = pf_pop3_error_get_server_text (error);

      /* The response code is the server's bytes, upper-cased: only the
       * text is meant to be shown. */
      g_assert (text == NULL || g_utf8_validate (text, -1, NULL));
    }
}

static void
write_all (GSocketConnection *server,
           const void        *data,
           gsize              size)
{
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (server)),
                                  data, size, NULL, NULL, &error))
    g_error ("Cannot write to the client: %s", error->message);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char hello[] = "+OK POP3 ready\r\n-ERR no CAPA\r\n";
  g_autoptr(PfNetConnection) connection = NULL;
  g_autoptr(PfPop3Client) client = NULL;
  g_autoptr(GSocketConnection) server = NULL;
  g_autoptr(GOutputStream) sink = NULL;
  g_autoptr(GString) block = g_string_new (NULL);
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  const guint8 *newline;
  Outcome opened = { 0 };
  Outcome outcome = { 0 };
  Expect expect;
  Op op;
  guint32 seed;
  gsize offset;

  if (size < 2)
    return 0;

  setup ();
  op = data[0] % N_OPS;
  seed = data[1];

  /* Bit 2: what follows the status line comes 16 times, then a ".", so
   * that a RETR fills more than one chunk of the sink. */
  newline = memchr (data + 2, '\n', size - 2);
  if ((data[0] & 4) != 0 && newline != NULL)
    {
      gsize head = newline + 1 - data;
      guint i;

      g_byte_array_append (reply, data + 2, head - 2);
      for (i = 0; i < 16; i++)
        g_byte_array_append (reply, data + head, size - head);
      g_byte_array_append (reply, (const guint8 *) ".\r\n", 3);
    }
  else
    g_byte_array_append (reply, data + 2, size - 2);
  data = reply->data;
  size = reply->len;

  connection = pf_net_connection_new ("127.0.0.1", listen_port, PF_NET_SECURITY_NONE);
  client = pf_pop3_client_new (connection);
  g_socket_listener_accept_async (listener, NULL, accept_cb, &server);
  pf_pop3_client_open_async (client, NULL, open_cb, &opened);
  while (server == NULL)
    g_main_context_iteration (NULL, TRUE);

  write_all (server, hello, strlen (hello));
  while (!opened.done)
    g_main_context_iteration (NULL, TRUE);
  if (!opened.ok)
    g_error ("Cannot open: %s", opened.error->message);

  sink = g_memory_output_stream_new_resizable ();
  switch (op)
    {
    case OP_RETR:
      pf_pop3_client_retr_async (client, 1, sink, NULL, command_cb, &outcome);
      break;
    case OP_TOP:
      pf_pop3_client_top_async (client, 1, 10, sink, NULL, command_cb, &outcome);
      break;
    case OP_LIST:
      pf_pop3_client_list_async (client, NULL, command_cb, &outcome);
      break;
    case OP_UIDL:
    case N_OPS:
    default:
      pf_pop3_client_uidl_async (client, NULL, command_cb, &outcome);
      break;
    }

  for (offset = 0; offset < size && !outcome.done;)
    {
      gsize piece;

      seed = seed * 1103515245 + 12345;
      piece = 1 + (seed >> 16) % (seed & 0x100 ? 7 : 997);
      piece = MIN (piece, size - offset);
      write_all (server, data + offset, piece);
      offset += piece;
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  g_socket_shutdown (g_socket_connection_get_socket (server), FALSE, TRUE, NULL);
  while (!outcome.done)
    g_main_context_iteration (NULL, TRUE);

  expect = reference (data, size, block);
  switch (expect)
    {
    case EXPECT_OK:
      if (op == OP_RETR || op == OP_TOP)
        {
          g_assert_no_error (outcome.error);
          g_assert (outcome.ok);
          g_assert (g_output_stream_close (sink, NULL, NULL));
          g_assert (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (sink)) ==
                    block->len);
          g_assert (block->len == 0 ||
                    memcmp (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (sink)),
                            block->str, block->len) == 0);
        }
      else if (outcome.ok)
        {
          guint i;

          g_assert_no_error (outcome.error);
          for (i = 0; i < outcome.entries->len; i++)
            {
              if (op == OP_LIST)
                g_assert (g_array_index (outcome.entries, PfPop3ListEntry, i).msgnum > 0);
              else
                {
                  const PfPop3UidlEntry *entry = &g_array_index (outcome.entries, PfPop3UidlEntry, i);

                  g_assert (entry->msgnum > 0);
                  g_assert (entry->uid[0] != '\0' && strlen (entry->uid) <= 70);
                }
            }
        }
      else
        {
          check_error (outcome.error);
          g_assert (g_error_matches (outcome.error, PF_POP3_ERROR, PF_POP3_ERROR_PROTOCOL));
        }
      break;

    case EXPECT_ERR:
      g_assert (!outcome.ok);
      check_error (outcome.error);
      g_assert (outcome.error->domain == PF_POP3_ERROR);
      g_assert (outcome.error->code != PF_POP3_ERROR_PROTOCOL &&
                outcome.error->code != PF_POP3_ERROR_CONNECTION_LOST);
      break;

    case EXPECT_PROTOCOL:
      g_assert (!outcome.ok);
      check_error (outcome.error);
      g_assert (g_error_matches (outcome.error, PF_POP3_ERROR, PF_POP3_ERROR_PROTOCOL));
      break;

    case EXPECT_LOST:
    default:
      g_assert (!outcome.ok);
      check_error (outcome.error);
      g_assert (g_error_matches (outcome.error, PF_POP3_ERROR, PF_POP3_ERROR_CONNECTION_LOST) ||
                g_error_matches (outcome.error, PF_NET_ERROR, PF_NET_ERROR_CONNECTION_LOST));
      break;
    }

  g_clear_error (&outcome.error);
  g_clear_pointer (&outcome.entries, g_array_unref);
  g_clear_object (&client);
  g_clear_object (&connection);
  g_io_stream_close (G_IO_STREAM (server), NULL, NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return 0;
}
