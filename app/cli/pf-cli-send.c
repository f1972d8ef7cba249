/* pf-cli-send.c: postfach-cli send and outbox
 *
 * Copyright 2026 The Postfach authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "mime/pf-mime-headers.h"
#include "mime/pf-mime-outgoing.h"
#include "pf-cli-private.h"
#include "sync/pf-outbox-sender.h"

/* The account, its store and a sender for its outbox */
typedef struct
{
  PfCliContext    base;
  PfOutboxSender *sender;
} OutboxContext;

static void
outbox_context_clear (OutboxContext *context)
{
  g_clear_object (&context->sender);
  pf_cli_context_clear (&context->base);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OutboxContext, outbox_context_clear)

static gboolean
outbox_context_open (OutboxContext  *context,
                     GError        **error)
{
  if (!pf_cli_context_open (&context->base, error))
    return FALSE;
  context->sender = pf_outbox_sender_new (context->base.store, context->base.account);
  return TRUE;
}

static const char *
state_name (PfStoreOutboxState state)
{
  switch (state)
    {
    case PF_STORE_OUTBOX_QUEUED: return "queued";
    case PF_STORE_OUTBOX_SENDING: return "sending";
    case PF_STORE_OUTBOX_SENT: return "sent";
    case PF_STORE_OUTBOX_FAILED: return "failed";
    default: return "-";
    }
}

static void
on_item_state_changed_cb (PfOutboxSender *sender,
                          gint64          item_id,
                          guint           state,
                          const GError   *error,
                          gpointer        user_data)
{
  if (error == NULL)
    return;
  if (state == PF_STORE_OUTBOX_QUEUED)
    /* Translators: an outbox entry's id, then why sending it failed for now */
    g_printerr (_("postfach-cli: message %lld is kept to be sent again later: %s"),
                (long long) item_id, error->message);
  else
    /* Translators: an outbox entry's id, then why it failed */
    g_printerr (_("postfach-cli: message %lld: %s"), (long long) item_id, error->message);
  g_printerr ("\n");
}

/* Sends what is due; prints the run's summary. */
static int
send_outbox (OutboxContext *context)
{
  PfServerSettings *outgoing = pf_account_get_outgoing (context->base.account);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  PfOutboxSenderStats stats = { 0 };
  GAsyncResult *slot = NULL;
  gboolean ok;

  password = pf_cli_lookup_password (context->base.manager, context->base.account, outgoing, &error);
  if (password == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  pf_outbox_sender_set_secret (context->sender, PF_SECRET_SERVICE_SMTP, password);
  explicit_bzero (password, strlen (password));
  g_clear_pointer (&password, g_free);

  if (pf_account_get_kind (context->base.account) == PF_ACCOUNT_KIND_IMAP)
    {
      password = pf_cli_lookup_password (context->base.manager, context->base.account,
                                         pf_account_get_incoming (context->base.account), &error);
      if (password == NULL)
        return pf_cli_fail (g_steal_pointer (&error));
      pf_outbox_sender_set_secret (context->sender, PF_SECRET_SERVICE_IMAP, password);
      explicit_bzero (password, strlen (password));
    }

  g_signal_connect (context->sender, "item-state-changed",
                    G_CALLBACK (on_item_state_changed_cb), NULL);
  pf_outbox_sender_send_all_async (context->sender, NULL, pf_cli_store_result_cb, &slot);
  result = pf_cli_wait (&slot);
  ok = pf_outbox_sender_send_all_finish (context->sender, result, &stats, &error);

  /* Translators: the one-line summary of "postfach-cli send" */
  g_print (_("%s: %u sent, %u stored in Sent, %u filed in Sent by the server, "
             "%u to be sent later, %u failed"),
           pf_account_get_id (context->base.account), stats.sent, stats.copied,
           stats.found_in_sent, stats.deferred + stats.waiting,
           stats.failed + stats.copy_failed);
  g_print ("\n");
  if (!ok)
    return pf_cli_fail (g_steal_pointer (&error));
  return PF_CLI_EXIT_OK;
}

static GBytes *
read_input (const char  *path,
            GError     **error)
{
  g_autoptr(GByteArray) data = NULL;
  g_autoptr(GFile) file = NULL;
  char buffer[65536];
  size_t n;

  if (g_strcmp0 (path, "-") != 0)
    {
      file = g_file_new_for_commandline_arg (path);
      return g_file_load_bytes (file, NULL, NULL, error);
    }
  data = g_byte_array_new ();
  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
    g_byte_array_append (data, (const guint8 *) buffer, n);
  if (ferror (stdin))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _("Standard input cannot be read"));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

/* Adds the addresses of each value ("a@example.org", "Name <b@…>, c@…"). */
static gboolean
add_addresses (PfMimeBuilder  *builder,
               char          **values,
               void          (*add) (PfMimeBuilder *, const char *, const char *),
               GError        **error)
{
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) addresses = pf_mime_address_list_parse (values[i]);

      if (addresses->len == 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("“%s” is not an email address"), values[i]);
          return FALSE;
        }
      for (guint j = 0; j < addresses->len; j++)
        {
          const PfMimeAddress *address = g_ptr_array_index (addresses, j);

          add (builder, address->name, address->address);
        }
    }
  return TRUE;
}

/**
 * pf_cli_send:
 * @argc: the number of arguments, the command's name included
 * @argv: the command's name and its arguments
 *
 * postfach-cli send: queues a message (from a file, or built from the
 * options) and sends what is waiting.
 *
 * Returns: the exit status
 */
int
pf_cli_send (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(OutboxContext) context = { 0 };
  g_auto(GStrv) to = NULL;
  g_auto(GStrv) cc = NULL;
  g_auto(GStrv) bcc = NULL;
  g_auto(GStrv) attach = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body_file = NULL;
  g_autoptr(PfMimeBuilder) builder = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;
  gboolean queue_only = FALSE;
  gboolean compose;
  gint64 id;
  const GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &context.base.account_id, N_("The account"), N_("ID") },
    { "to", 0, 0, G_OPTION_ARG_STRING_ARRAY, &to, N_("A recipient (repeat for more)"),
      N_("ADDRESS") },
    { "cc", 0, 0, G_OPTION_ARG_STRING_ARRAY, &cc, N_("A recipient of a copy"), N_("ADDRESS") },
    { "bcc", 0, 0, G_OPTION_ARG_STRING_ARRAY, &bcc,
      N_("A recipient of a blind copy, not shown to the others"), N_("ADDRESS") },
    { "subject", 0, 0, G_OPTION_ARG_STRING, &subject, N_("The subject"), N_("TEXT") },
    { "attach", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &attach, N_("Attach a file (repeat for more)"),
      N_("FILE") },
    { "body-file", 0, 0, G_OPTION_ARG_FILENAME, &body_file,
      N_("The text of the message (default: standard input)"), N_("FILE") },
    { "queue-only", 0, 0, G_OPTION_ARG_NONE, &queue_only,
      N_("Only put the message into the outbox; a later “postfach-cli send” sends it"), NULL },
    { NULL }
  };

  options = pf_cli_command_options (&argc, &argv, _("[FILE]"),
                                    _("Sends a message: an RFC 5322 file (“-” for standard "
                                      "input), or one made from --to, --cc, --bcc, --subject, "
                                      "--attach and the text. The recipients of a file are "
                                      "those of its To, Cc and Bcc; Bcc is removed from what "
                                      "is sent. The message goes into the outbox first; then "
                                      "everything waiting there is sent and stored in the Sent "
                                      "folder. Without a message, only sends what is waiting. "
                                      "Prints the outbox id of the message."), entries);
  if (options == NULL)
    return PF_CLI_EXIT_USAGE;
  compose = to != NULL || cc != NULL || bcc != NULL || subject != NULL || attach != NULL ||
            body_file != NULL;
  if (argc > 2 || (argc == 2 && compose))
    return pf_cli_usage_error (options, _("Give either a message file or --to, --subject "
                                          "and the text, not both"));
  if (compose && to == NULL && cc == NULL && bcc == NULL)
    return pf_cli_usage_error (options, _("Name at least one recipient with --to, --cc or --bcc"));
  if (compose && subject == NULL)
    return pf_cli_usage_error (options, _("A message needs --subject"));
  if (queue_only && argc == 1 && !compose)
    return pf_cli_usage_error (options, _("--queue-only needs a message"));

  /* Reading the message comes before anything else can fail. */
  if (argc == 2)
    {
      message = read_input (argv[1], &error);
      if (message == NULL)
        return pf_cli_fail (g_steal_pointer (&error));
    }
  else if (compose)
    {
      g_autoptr(GBytes) text = read_input (body_file != NULL ? body_file : "-", &error);
      g_autofree char *body = NULL;
      gsize length;

      if (text == NULL)
        return pf_cli_fail (g_steal_pointer (&error));
      body = g_strndup (g_bytes_get_data (text, &length), g_bytes_get_size (text));
      if (!g_utf8_validate (body, -1, NULL) || strlen (body) != length)
        return pf_cli_usage_error (options, _("The text of the message is not UTF-8"));
      if (!outbox_context_open (&context, &error))
        return pf_cli_fail (g_steal_pointer (&error));
      builder = pf_outbox_sender_new_builder (context.sender);
      if (!add_addresses (builder, to, pf_mime_builder_add_to, &error) ||
          !add_addresses (builder, cc, pf_mime_builder_add_cc, &error) ||
          !add_addresses (builder, bcc, pf_mime_builder_add_bcc, &error))
        return pf_cli_usage_error (options, error->message);
      pf_mime_builder_set_subject (builder, subject);
      pf_mime_builder_set_text (builder, body);
      for (guint i = 0; attach != NULL && attach[i] != NULL; i++)
        {
          g_autoptr(GFile) file = g_file_new_for_commandline_arg (attach[i]);

          if (g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL) != G_FILE_TYPE_REGULAR)
            {
              g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("There is no file “%s” to attach"), attach[i]);
              return pf_cli_fail (g_steal_pointer (&error));
            }
          pf_mime_builder_add_attachment_file (builder, file, NULL, NULL);
        }
    }

  if (context.sender == NULL && !outbox_context_open (&context, &error))
    return pf_cli_fail (g_steal_pointer (&error));

  if (message != NULL || builder != NULL)
    {
      if (builder != NULL)
        pf_outbox_sender_queue_builder_async (context.sender, builder, NULL,
                                              pf_cli_store_result_cb, &slot);
      else
        pf_outbox_sender_queue_message_async (context.sender, message, NULL,
                                              pf_cli_store_result_cb, &slot);
      result = pf_cli_wait (&slot);
      id = pf_outbox_sender_queue_finish (context.sender, result, &error);
      if (id == 0)
        return pf_cli_fail (g_steal_pointer (&error));
      g_print ("%" G_GINT64_FORMAT "\n", id);
      fflush (stdout);
    }
  if (queue_only)
    return PF_CLI_EXIT_OK;
  return send_outbox (&context);
}

static char *
format_time (gint64 usec)
{
  g_autoptr(GDateTime) time = NULL;

  if (usec <= 0)
    return g_strdup ("-");
  time = g_date_time_new_from_unix_local (usec / G_USEC_PER_SEC);
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%S%:z");
}

static void
print_item (const PfStoreOutboxItem *item)
{
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (item->path);
  g_autoptr(PfMimeHeaders) headers = NULL;
  g_autofree char *next = NULL;
  g_autofree char *error = pf_cli_field (item->last_error != NULL ? item->last_error : "-");
  g_autofree char *subject = NULL;
  g_autofree char *recipients = g_strjoinv (", ", item->recipients);

  data = g_file_load_bytes (file, NULL, NULL, NULL);
  if (data != NULL)
    {
      headers = pf_mime_outgoing_parse_headers (data);
      subject = pf_cli_field (headers->subject);
    }
  else
    subject = g_strdup ("-");
  next = format_time (item->state == PF_STORE_OUTBOX_QUEUED ? item->next_attempt : 0);
  g_print ("%" G_GINT64_FORMAT "\t%s\t%u\t%s\t%s\t%s\t%s\n", item->id, state_name (item->state),
           item->attempts, next, error, subject, recipients);
}

static int
outbox_list (OutboxContext *context)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;

  items = pf_store_outbox_list (context->base.store, &error);
  if (items == NULL)
    return pf_cli_fail (g_steal_pointer (&error));
  for (guint i = 0; i < items->len; i++)
    print_item (g_ptr_array_index (items, i));
  return PF_CLI_EXIT_OK;
}

/**
 * pf_cli_outbox:
 * @argc: the number of arguments, the command's name included
 * @argv: the command's name and its arguments
 *
 * postfach-cli outbox: lists the outbox; retry and remove act on one entry.
 *
 * Returns: the exit status
 */
int
pf_cli_outbox (int    argc,
               char **argv)
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(OutboxContext) context = { 0 };
  gboolean queue_only = FALSE;
  gint64 id = 0;
  const GOptionEntry entries[] = {
    { "account", 0, 0, G_OPTION_ARG_STRING, &context.base.account_id, N_("The account"), N_("ID") },
    { "queue-only", 0, 0, G_OPTION_ARG_NONE, &queue_only,
      N_("With retry: only make the message due; a later “postfach-cli send” sends it"), NULL },
    { NULL }
  };

  options = pf_cli_command_options (&argc, &argv, _("[retry ID | remove ID]"),
                                    _("Lists the messages waiting to be sent: id, state "
                                      "(queued, sending, sent, failed), attempts, next attempt, "
                                      "last error, subject, recipients. “retry ID” sends a "
                                      "message again at once, also one that failed for good; "
                                      "“remove ID” gives it up."), entries);
  if (options == NULL)
    return PF_CLI_EXIT_USAGE;
  if (argc != 1 && argc != 3)
    return pf_cli_usage_error (options, _("Wrong number of arguments"));
  if (argc == 3)
    {
      if (strcmp (argv[1], "retry") != 0 && strcmp (argv[1], "remove") != 0)
        return pf_cli_usage_error (options, _("Unknown action; use retry or remove"));
      if (!g_ascii_string_to_signed (argv[2], 10, 1, G_MAXINT64, &id, NULL))
        return pf_cli_usage_error (options, _("Name one message by its outbox id"));
    }

  if (!outbox_context_open (&context, &error))
    return pf_cli_fail (g_steal_pointer (&error));
  if (argc == 1)
    return outbox_list (&context);
  if (strcmp (argv[1], "remove") == 0)
    {
      if (!pf_outbox_sender_remove (context.sender, id, &error))
        return pf_cli_fail (g_steal_pointer (&error));
      return PF_CLI_EXIT_OK;
    }
  if (!pf_outbox_sender_retry (context.sender, id, &error))
    return pf_cli_fail (g_steal_pointer (&error));
  if (queue_only)
    return PF_CLI_EXIT_OK;
  return send_outbox (&context);
}
