/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-smtp-session-send.c: one mail transaction on a GwSmtpSession
 *
 * With PIPELINING, [RSET] MAIL, every RCPT and DATA go out in one write and
 * the replies are read in order (RFC 2920); without it each command waits
 * for its reply, and a refused MAIL or no accepted recipient stops the
 * transaction before DATA. Each recipient gets its own result.
 *
 * When the next envelope is announced, its transaction goes out ahead, in
 * the write that ends this message; its replies wait in the session for
 * its own gw_smtp_session_send_async().
 */
#define G_LOG_DOMAIN "gw-smtp-session"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-smtp-data.h"
#include "gw-smtp-session-private.h"
#include "gw-transport.h"

typedef enum {
  CMD_RSET,
  CMD_MAIL,
  CMD_RCPT,
  CMD_DATA,
} CmdKind;

typedef struct {
  CmdKind  kind;
  guint    recipient; /* CMD_RCPT: index in the envelope */
  char    *line;
} Cmd;

typedef struct _GwSmtpTransaction {
  GwEnvelope  *envelope;
  GwProfile   *profile;       /* the session's, which the task keeps alive */
  GBytes      *message;       /* encoded for DATA as it is written; or */
  GwMessageSource *source;    /* read as it is written */
  GwSmtpDataFacts facts;      /* of the message, learned before MAIL */
  GArray      *cmds;          /* Cmd */
  guint        group;         /* first command of the group in flight */
  guint        next;          /* first command not yet sent */
  GArray      *accepted;      /* guint: recipients the server accepted */
  GwSmtpReply *mail_refused;  /* nullable */
  GwSmtpReply *data_refused;  /* nullable: the reply to DATA when not 354 */
  gboolean     rset_failed;
  gboolean     data_started;  /* the server answered 354 */
  gboolean     empty_sent;    /* an empty message ended an unwanted DATA */
  guint        mail_index;    /* of CMD_MAIL in @cmds */
} SendData;

static void
cmd_clear (gpointer data)
{
  g_free (((Cmd *) data)->line);
}

static void
send_data_free (SendData *data)
{
  g_clear_object (&data->envelope);
  g_clear_pointer (&data->message, g_bytes_unref);
  g_clear_object (&data->source);
  g_array_unref (data->cmds);
  g_array_unref (data->accepted);
  g_clear_pointer (&data->mail_refused, gw_smtp_reply_free);
  g_clear_pointer (&data->data_refused, gw_smtp_reply_free);
  g_free (data);
}

static SendData *
send_data_new (GwSmtpSession *self,
               GwEnvelope    *envelope)
{
  SendData *data = g_new0 (SendData, 1);

  data->envelope = g_object_ref (envelope);
  data->profile = self->profile;
  data->cmds = g_array_new (FALSE, TRUE, sizeof (Cmd));
  g_array_set_clear_func (data->cmds, cmd_clear);
  data->accepted = g_array_new (FALSE, FALSE, sizeof (guint));
  return data;
}

void
gw_smtp_session_drop_ahead (GwSmtpSession *self)
{
  g_clear_pointer (&self->ahead, send_data_free);
}

static void
add_cmd (SendData   *data,
         CmdKind     kind,
         guint       recipient,
         char       *line)
{
  Cmd cmd = { kind, recipient, line };

  g_array_append_val (data->cmds, cmd);
}

static GwRecipientStatus
status_for (const GwSmtpReply *reply)
{
  if (reply->code >= 200 && reply->code < 300)
    return GW_RECIPIENT_SENT;
  return reply->code >= 500 ? GW_RECIPIENT_PERMFAIL : GW_RECIPIENT_TEMPFAIL;
}

/* The reply with the advice of gw-smtp-reply-advice.c when it is a
 * well-known provider reply (SendAsDenied ...). */
static char *
describe_reply (SendData          *data,
                const GwSmtpReply *reply)
{
  const char *auth = gw_profile_get_string (data->profile, "auth");
  gboolean oauth = g_strcmp0 (auth, "xoauth2") == 0 || g_strcmp0 (auth, "oauthbearer") == 0;

  return gw_smtp_reply_describe (reply, gw_profile_get_name (data->profile), oauth);
}

static void
set_result (SendData          *data,
            guint              index,
            const GwSmtpReply *reply)
{
  g_autofree char *text = describe_reply (data, reply);

  gw_envelope_set_result (data->envelope, index, status_for (reply), text, reply->enhanced_code);
}

/* Consumes @task. */
static void
send_fail (GTask             *task,
           const GwSmtpReply *reply,
           const char        *format,
           ...) G_GNUC_PRINTF (3, 4);

static void
send_fail (GTask             *task,
           const GwSmtpReply *reply,
           const char        *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_task_return_new_error (task, GW_TRANSPORT_ERROR,
                           reply != NULL && reply->code >= 500 ? GW_TRANSPORT_ERROR_PERMANENT
                                                               : GW_TRANSPORT_ERROR_TEMPORARY,
                           "%s", message);
  g_object_unref (task);
}

static void
send_done (GTask *task)
{
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void conclude (GTask *task);
static SendData *prepare_ahead (GwSmtpSession *self);

static void
final_reply_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GwSmtpSession *self = GW_SMTP_SESSION (source);
  GTask *task = G_TASK (user_data);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) replies = NULL;
  const GwSmtpReply *reply;
  g_autofree char *text = NULL;

  replies = gw_smtp_session_exchange_finish (self, result, &local_error);
  if (replies == NULL) {
    /* The session is broken: a transaction sent with this message is
     * never read. */
    gw_smtp_session_drop_ahead (self);
    g_task_return_error (task, g_steal_pointer (&local_error));
    g_object_unref (task);
    return;
  }
  reply = replies->pdata[0];
  if (data->empty_sent) {
    /* Whatever the server says to an empty message, nobody receives it:
     * every recipient already has its result. */
    conclude (task);
    return;
  }
  for (guint i = 0; i < data->accepted->len; i++)
    set_result (data, g_array_index (data->accepted, guint, i), reply);
  if (status_for (reply) == GW_RECIPIENT_SENT) {
    send_done (task);
    return;
  }
  text = describe_reply (data, reply);
  send_fail (task, reply, _("%s refused the message: %s"), self->host, text);
}

/* Whatever went wrong before, the outcome is now known. Consumes @task. */
static void
conclude (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  const GwSmtpReply *last = self->last_reply;

  if (data->rset_failed || (last != NULL && last->code == 421)) {
    g_autofree char *text = last != NULL ? gw_smtp_reply_to_string (last) : g_strdup ("");
    self->broken = TRUE;
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                             _("%s ended the transaction: %s"), self->host, text);
    g_object_unref (task);
    return;
  }

  /* The server took DATA although nothing can be delivered (possible when
   * pipelining): an empty message ends it, as RFC 2920 asks. */
  if (data->data_started && (data->accepted->len == 0 || data->mail_refused != NULL)) {
    const char * const dot[] = { ".", NULL };

    data->data_started = FALSE;
    data->empty_sent = TRUE;
    gw_smtp_session_exchange_async (self, dot, NULL, 1, "the reply to an empty message",
                                    g_task_get_cancellable (task), final_reply_cb, task);
    return;
  }

  if (data->mail_refused != NULL) {
    g_autofree char *text = describe_reply (data, data->mail_refused);
    /* Recipients not reached by an RCPT share the sender's fate. */
    for (guint i = 0; i < data->cmds->len; i++) {
      Cmd *cmd = &g_array_index (data->cmds, Cmd, i);
      if (cmd->kind == CMD_RCPT)
        set_result (data, cmd->recipient, data->mail_refused);
    }
    send_fail (task, data->mail_refused, _("%s refused the sender <%s>: %s"), self->host,
               gw_envelope_get_sender (data->envelope), text);
    return;
  }
  if (data->accepted->len == 0) {
    /* Every recipient has its own refusal; the next transaction starts
     * with RSET. */
    send_done (task);
    return;
  }
  if (data->data_refused != NULL) {
    g_autofree char *text = describe_reply (data, data->data_refused);
    for (guint i = 0; i < data->accepted->len; i++)
      set_result (data, g_array_index (data->accepted, guint, i), data->data_refused);
    send_fail (task, data->data_refused, _("%s refused the message: %s"), self->host, text);
    return;
  }
  g_assert (data->data_started);
  if (data->message != NULL) {
    SendData *next = prepare_ahead (self);
    g_autofree const char **lines = NULL;

    if (next == NULL) {
      gw_smtp_session_exchange_async (self, NULL, data->message, 1, "the reply to the end of the message",
                                      g_task_get_cancellable (task), final_reply_cb, task);
      return;
    }
    lines = g_new0 (const char *, next->cmds->len + 1);
    for (guint i = 0; i < next->cmds->len; i++)
      lines[i] = g_array_index (next->cmds, Cmd, i).line;
    next->next = next->cmds->len;
    self->need_rset = TRUE;
    self->ahead = next;
    /* Only this message's reply is awaited: its outcome must not depend
     * on the next transaction's replies, read when that one is sent. */
    gw_smtp_session_exchange_async (self, lines, data->message, 1, "the reply to the end of the message",
                                    g_task_get_cancellable (task), final_reply_cb, task);
  } else {
    g_autoptr(GError) local_error = NULL;
    g_autoptr(GInputStream) body = gw_message_source_open (data->source, &local_error);

    if (body == NULL) {
      self->broken = TRUE;  /* the server waits for a message that will not come */
      send_fail (task, NULL, _("Cannot read the message to send: %s"), local_error->message);
      return;
    }
    gw_smtp_session_exchange_stream_async (self, body, data->facts.payload_size,
                                           "the reply to the end of the message",
                                           g_task_get_cancellable (task), final_reply_cb, task);
  }
}

static void
process_reply (SendData          *data,
               const Cmd         *cmd,
               const GwSmtpReply *reply)
{
  gboolean ok = reply->code >= 200 && reply->code < 300;

  switch (cmd->kind) {
  case CMD_RSET:
    data->rset_failed = !ok;
    break;
  case CMD_MAIL:
    if (!ok)
      data->mail_refused = gw_smtp_reply_copy (reply);
    break;
  case CMD_RCPT:
    if (data->mail_refused != NULL)
      set_result (data, cmd->recipient, data->mail_refused);
    else if (ok)
      g_array_append_val (data->accepted, cmd->recipient);
    else
      set_result (data, cmd->recipient, reply);
    break;
  case CMD_DATA:
    if (reply->code == 354)
      data->data_started = TRUE;
    else
      data->data_refused = gw_smtp_reply_copy (reply);
    break;
  default:
    g_assert_not_reached ();
  }
}

static void send_next (GTask *task);

/* The replies to the group of commands in flight. Consumes @task. */
static void
take_replies (GTask     *task,
              GPtrArray *replies)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);

  /* After a 421 there are fewer replies than commands: the rest stay
   * unanswered (and their recipients pending). */
  for (guint i = 0; i < replies->len; i++)
    process_reply (data, &g_array_index (data->cmds, Cmd, data->group + i), replies->pdata[i]);

  if (data->next < data->cmds->len && !self->broken && !data->rset_failed &&
      data->mail_refused == NULL) {
    const Cmd *upcoming = &g_array_index (data->cmds, Cmd, data->next);
    /* Without pipelining, DATA is only sent when someone will receive. */
    if (upcoming->kind != CMD_DATA || data->accepted->len > 0) {
      send_next (task);
      return;
    }
  }
  conclude (task);
}

static void
replies_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GwSmtpSession *self = GW_SMTP_SESSION (source);
  GTask *task = G_TASK (user_data);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) replies = NULL;

  replies = gw_smtp_session_exchange_finish (self, result, &local_error);
  if (replies == NULL) {
    g_task_return_error (task, g_steal_pointer (&local_error));
    g_object_unref (task);
    return;
  }
  take_replies (task, replies);
}

/* Sends the next command, or all of them when pipelining. */
static void
send_next (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  gboolean pipelining = g_hash_table_contains (self->caps, "PIPELINING");
  guint start = data->next;
  guint end = pipelining ? data->cmds->len : start + 1;
  g_autofree const char **lines = g_new0 (const char *, end - start + 1);

  for (guint i = start; i < end; i++) {
    const Cmd *cmd = &g_array_index (data->cmds, Cmd, i);

    lines[i - start] = cmd->line;
    if (cmd->kind == CMD_MAIL)
      self->need_rset = TRUE;
  }
  data->group = start;
  data->next = end;
  gw_smtp_session_exchange_async (self, lines, NULL, end - start, NULL,
                                  g_task_get_cancellable (task), replies_cb, task);
}

static char *
mail_command (GwSmtpSession *self,
              SendData      *data,
              gboolean       utf8)
{
  GwEnvelope *envelope = data->envelope;
  GString *line = g_string_new (NULL);
  const char *sender = gw_envelope_get_sender (envelope);
  const char *job_id = gw_envelope_get_job_id (envelope);
  gboolean has_8bit = data->facts.header_8bit || data->facts.body_8bit;

  g_string_append_printf (line, "MAIL FROM:<%s>", sender != NULL ? sender : "");
  if (g_hash_table_contains (self->caps, "SIZE"))
    g_string_append_printf (line, " SIZE=%" G_GSIZE_FORMAT, data->facts.payload_size - 3);
  if (g_hash_table_contains (self->caps, "8BITMIME") && has_8bit)
    g_string_append (line, " BODY=8BITMIME");
  if (utf8)
    g_string_append (line, " SMTPUTF8");
  if (gw_profile_get_boolean (self->profile, "dsn") && g_hash_table_contains (self->caps, "DSN")) {
    const char *ret = gw_profile_get_string (self->profile, "dsn-ret");
    g_autofree char *ret_up = g_ascii_strup (ret != NULL ? ret : "hdrs", -1);

    g_string_append_printf (line, " RET=%s", ret_up);
    if (job_id != NULL && *job_id != '\0') {
      g_autofree char *envid = gw_smtp_data_xtext (job_id);
      g_string_append_printf (line, " ENVID=%s", envid);
    }
  }
  return g_string_free (line, FALSE);
}

static char *
rcpt_command (GwSmtpSession *self,
              const char    *address)
{
  g_auto(GStrv) notify = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *upper = NULL;

  if (!gw_profile_get_boolean (self->profile, "dsn") || !g_hash_table_contains (self->caps, "DSN"))
    return g_strdup_printf ("RCPT TO:<%s>", address);
  notify = gw_profile_dup_strv (self->profile, "dsn-notify");
  if (notify[0] == NULL)
    return g_strdup_printf ("RCPT TO:<%s>", address);
  joined = g_strjoinv (",", notify);
  upper = g_ascii_strup (joined, -1);
  return g_strdup_printf ("RCPT TO:<%s> NOTIFY=%s", address, upper);
}

/* Whether every recipient of @envelope has an ASCII address. */
static gboolean
envelope_is_ascii (GwEnvelope *envelope)
{
  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    if (!gw_smtp_data_is_ascii (gw_envelope_get_recipient (envelope, i)->address))
      return FALSE;
  }
  return TRUE;
}

/* Fails every pending recipient of @envelope for good and completes
 * @task: the server cannot take the message. */
static void send_refuse_all (GTask *task, GwEnvelope *envelope, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
send_refuse_all (GTask      *task,
                 GwEnvelope *envelope,
                 const char *format,
                 ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  gw_envelope_set_pending_result (envelope, GW_RECIPIENT_PERMFAIL, reason, NULL);
  send_done (task);
}

/* [RSET], MAIL (its line is set by finish_commands()) and an RCPT for each
 * pending recipient SMTP can carry; the others get their result. Returns
 * the number of RCPT; *@need_utf8 is set when an address needs SMTPUTF8. */
static guint
add_commands (GwSmtpSession *self,
              SendData      *data,
              gboolean      *need_utf8)
{
  GwEnvelope *envelope = data->envelope;
  gboolean has_utf8_cap = g_hash_table_contains (self->caps, "SMTPUTF8");
  guint n_rcpt = 0;

  if (self->need_rset)
    add_cmd (data, CMD_RSET, 0, g_strdup ("RSET"));
  data->mail_index = data->cmds->len;
  add_cmd (data, CMD_MAIL, 0, NULL); /* the line is known once recipients are */
  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    GwRecipient *rcpt = gw_envelope_get_recipient (envelope, i);

    if (rcpt->status != GW_RECIPIENT_PENDING)
      continue;
    if (!gw_smtp_data_address_is_safe (rcpt->address)) {
      gw_envelope_set_result (envelope, i, GW_RECIPIENT_PERMFAIL,
                              _("The address is not valid in SMTP"), NULL);
      continue;
    }
    if (!gw_smtp_data_is_ascii (rcpt->address)) {
      if (!has_utf8_cap) {
        g_autofree char *reason =
          g_strdup_printf (_("The address is not ASCII and %s does not offer SMTPUTF8"), self->host);
        gw_envelope_set_result (envelope, i, GW_RECIPIENT_PERMFAIL, reason, NULL);
        continue;
      }
      *need_utf8 = TRUE;
    }
    add_cmd (data, CMD_RCPT, i, rcpt_command (self, rcpt->address));
    n_rcpt++;
  }
  return n_rcpt;
}

static void
finish_commands (GwSmtpSession *self,
                 SendData      *data,
                 gboolean       need_utf8)
{
  g_array_index (data->cmds, Cmd, data->mail_index).line = mail_command (self, data, need_utf8);
  add_cmd (data, CMD_DATA, 0, g_strdup ("DATA"));
}

/* Whether the server's SIZE limit refuses the message. */
static gboolean
exceeds_size_limit (GwSmtpSession *self,
                    SendData      *data,
                    guint64       *limit)
{
  *limit = 0;
  if (g_hash_table_contains (self->caps, "SIZE"))
    *limit = g_ascii_strtoull (g_hash_table_lookup (self->caps, "SIZE"), NULL, 10);
  return *limit > 0 && data->facts.payload_size - 3 > *limit;
}

/* Once the message's facts are known: the commands of the transaction,
 * then the first group of them. Consumes @task. */
static void
begin_transaction (GTask *task)
{
  GwSmtpSession *self = g_task_get_source_object (task);
  SendData *data = g_task_get_task_data (task);
  GwEnvelope *envelope = data->envelope;
  const char *sender = gw_envelope_get_sender (envelope);
  gboolean has_utf8_cap = g_hash_table_contains (self->caps, "SMTPUTF8");
  gboolean need_utf8;
  guint64 limit = 0;

  if (sender == NULL)
    sender = "";
  need_utf8 = !gw_smtp_data_is_ascii (sender);
  if (exceeds_size_limit (self, data, &limit)) {
    g_autofree char *size_text = g_strdup_printf ("%" G_GSIZE_FORMAT, data->facts.payload_size - 3);
    g_autofree char *limit_text = g_strdup_printf ("%" G_GUINT64_FORMAT, limit);

    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("The message is %s bytes, more than the %s bytes %s accepts (SIZE)"),
                             size_text, limit_text, self->host);
    g_object_unref (task);
    return;
  }
  if (add_commands (self, data, &need_utf8) == 0) {
    send_done (task);
    return;
  }
  /* A complete message (sendmail door) may carry UTF-8 header fields or an
   * 8-bit body as it came: declared when the server offers the extension,
   * never sent to one that does not. (A UTF-8 header that a UTF-8 address
   * explains is the address's case, handled per recipient above.) */
  if (data->facts.header_8bit) {
    if (has_utf8_cap) {
      need_utf8 = TRUE;
    } else if (!need_utf8 && gw_smtp_data_is_ascii (sender) && envelope_is_ascii (envelope)) {
      send_refuse_all (task, envelope, _("The message's header holds UTF-8 and %s does not offer SMTPUTF8"),
                       self->host);
      return;
    }
  }
  if (!g_hash_table_contains (self->caps, "8BITMIME") && data->facts.body_8bit) {
    send_refuse_all (task, envelope, _("The message has 8-bit content and %s does not offer 8BITMIME"),
                     self->host);
    return;
  }
  finish_commands (self, data, need_utf8);
  send_next (task);
}

/* The announced envelope's transaction, to go out with the end of the
 * message being sent; NULL when it cannot. Only the plain case goes ahead
 * (PIPELINING, the message in memory, ASCII addresses SMTP can carry, no
 * 8-bit content, within SIZE): nothing in it is refused before the server
 * answers, so preparing it changes nothing in the envelope. */
static SendData *
prepare_ahead (GwSmtpSession *self)
{
  g_autoptr(GwEnvelope) envelope = g_steal_pointer (&self->next_envelope);
  const char *sender;
  GBytes *message;
  SendData *data;
  gboolean need_utf8 = FALSE;
  guint64 limit;

  if (envelope == NULL || !g_hash_table_contains (self->caps, "PIPELINING") || self->transcript != NULL)
    return NULL;
  message = gw_envelope_get_message (envelope);
  sender = gw_envelope_get_sender (envelope);
  if (message == NULL || gw_envelope_get_n_recipients (envelope) == 0 ||
      (sender != NULL && *sender != '\0' &&
       (!gw_smtp_data_address_is_safe (sender) || !gw_smtp_data_is_ascii (sender))))
    return NULL;
  for (guint i = 0; i < gw_envelope_get_n_recipients (envelope); i++) {
    GwRecipient *rcpt = gw_envelope_get_recipient (envelope, i);

    if (rcpt->status != GW_RECIPIENT_PENDING || !gw_smtp_data_address_is_safe (rcpt->address) ||
        !gw_smtp_data_is_ascii (rcpt->address))
      return NULL;
  }
  data = send_data_new (self, envelope);
  data->message = g_bytes_ref (message);
  gw_smtp_data_facts_of_bytes (&data->facts, message);
  if (data->facts.header_8bit || data->facts.body_8bit || exceeds_size_limit (self, data, &limit)) {
    send_data_free (data);
    return NULL;
  }
  add_commands (self, data, &need_utf8);
  finish_commands (self, data, need_utf8);
  return data;
}

static void
facts_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = G_TASK (user_data);
  SendData *data = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;

  if (!gw_smtp_data_facts_read_finish (result, &data->facts, &local_error)) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, gw_transport_error_for_message_read (local_error),
                             _("Cannot read the message to send: %s"), local_error->message);
    g_object_unref (task);
    return;
  }
  begin_transaction (task);
}

void
gw_smtp_session_send_async (GwSmtpSession       *self,
                            GwEnvelope          *envelope,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;
  SendData *data;
  const char *sender;
  GBytes *message;

  g_return_if_fail (GW_IS_SMTP_SESSION (self));
  g_return_if_fail (GW_IS_ENVELOPE (envelope));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gw_smtp_session_send_async);
  if (self->next_envelope == envelope)
    g_clear_object (&self->next_envelope);
  if (gw_smtp_session_has_sent_ahead (self, envelope)) {
    g_autoptr(GPtrArray) replies = NULL;

    /* Its commands went out with the message before: read their replies.
     * They mostly came with the reply to that message, and are taken at
     * once: this message then goes out now, not an iteration later. */
    data = g_steal_pointer (&self->ahead);
    g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);
    replies = gw_smtp_session_take_received_replies (self, data->cmds->len);
    if (replies != NULL) {
      take_replies (task, replies);
      return;
    }
    gw_smtp_session_exchange_async (self, NULL, NULL, data->cmds->len,
                                    "the replies to the commands sent with the message before",
                                    cancellable, replies_cb, task);
    return;
  }
  if (self->ahead != NULL) {
    /* Another transaction is open on the server (maybe in DATA). */
    gw_smtp_session_drop_ahead (self);
    self->broken = TRUE;
  }
  data = send_data_new (self, envelope);
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);

  if (!gw_smtp_session_is_usable (self) || self->busy) {
    send_fail (task, NULL, _("The connection to %s:%u is not usable"), self->host, self->port);
    return;
  }

  sender = gw_envelope_get_sender (envelope);
  if (sender == NULL)
    sender = "";
  if (*sender != '\0' && !gw_smtp_data_address_is_safe (sender)) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("The sender address is not valid in SMTP"));
    g_object_unref (task);
    return;
  }
  if (!gw_smtp_data_is_ascii (sender) && !g_hash_table_contains (self->caps, "SMTPUTF8")) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("The sender address <%s> is not ASCII and %s does not offer SMTPUTF8"),
                             sender, self->host);
    g_object_unref (task);
    return;
  }

  message = gw_envelope_get_message (envelope);
  if (message != NULL) {
    data->message = g_bytes_ref (message);
    gw_smtp_data_facts_of_bytes (&data->facts, message);
    begin_transaction (task);
    return;
  }
  /* A message read from its source: a first pass for its size and 8-bit
   * content (SIZE=, BODY=8BITMIME, SMTPUTF8), then DATA reads it again. */
  data->source = g_object_ref (gw_envelope_get_message_source (envelope));
  gw_smtp_data_facts_read_async (data->source, cancellable, facts_read_cb, task);
}

void
gw_smtp_session_announce_next (GwSmtpSession *self,
                               GwEnvelope    *envelope)
{
  g_return_if_fail (GW_IS_SMTP_SESSION (self));
  g_return_if_fail (envelope == NULL || GW_IS_ENVELOPE (envelope));

  g_set_object (&self->next_envelope, envelope);
}

gboolean
gw_smtp_session_has_sent_ahead (GwSmtpSession *self,
                                GwEnvelope    *envelope)
{
  g_return_val_if_fail (GW_IS_SMTP_SESSION (self), FALSE);

  return self->ahead != NULL && self->ahead->envelope == envelope;
}

gboolean
gw_smtp_session_send_finish (GwSmtpSession *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
