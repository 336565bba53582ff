/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-fax-email.c: email-to-fax through an SMTP profile
 *
 * Fax providers take a mail addressed to the number at their domain
 * ({number}@fax.example.net, or user@{number}.fax): the text becomes the
 * cover page and every attachment is faxed. The mail goes through the SMTP
 * profile named by "fax-via", with that profile's own server, security and
 * credentials, over the gateway's SMTP engine (GwSmtpSession).
 */
#define G_LOG_DOMAIN "gw-fax"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-fax-backend.h"
#include "gw-fax-gmime.h"
#include "gw-smtp-session.h"
#include "gw-template.h"

typedef struct {
  GwProfile     *profile;
  GwProfile     *via;
  GwEnvelope    *envelope;
  GwFaxContent  *content;      /* owned by the task */
  GwSmtpSession *session;
  GwEnvelope    *current;      /* the mail for recipient @index */
  int            index;
} EmailJob;

static void
email_job_free (EmailJob *job)
{
  g_clear_object (&job->profile);
  g_clear_object (&job->via);
  g_clear_object (&job->envelope);
  g_clear_object (&job->session);
  g_clear_object (&job->current);
  g_free (job);
}

static gboolean
email_validate_profile (GwTransport *transport,
                        GwProfile   *profile,
                        GError     **error)
{
  const char *via_name = gw_profile_get_string (profile, "fax-via");
  GwProfile *via;

  if (!gw_fax_require_key (profile, "fax-via", error) ||
      !gw_fax_require_key (profile, "fax-address-template", error))
    return FALSE;
  /* At daemon start the profiles load before any transport can look. */
  via = gw_transport_lookup_profile (transport, via_name);
  if (via != NULL && !g_str_has_prefix (gw_profile_get_transport (via), "smtp")) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("“fax-via” must name an smtp or smtps profile; “%s” is a %s profile"),
                 via_name, gw_profile_get_transport (via));
    return FALSE;
  }
  return TRUE;
}

static char *
email_describe (GwProfile *profile)
{
  return g_strdup_printf ("fax email %s via %s",
                          gw_profile_get_string (profile, "fax-address-template"),
                          gw_profile_get_string (profile, "fax-via"));
}

static GBytes *
build_mail (EmailJob   *job,
            const char *address,
            const char *number,
            GError    **error)
{
  g_autoptr(GMimeMessage) message = g_mime_message_new (TRUE);
  g_autoptr(GMimeMultipart) mixed = g_mime_multipart_new_with_subtype ("mixed");
  g_autoptr(GMimeTextPart) cover = g_mime_text_part_new_with_subtype ("plain");
  g_autoptr(GMimeFormatOptions) options = g_mime_format_options_new ();
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  const char *subject_template = gw_profile_get_string (job->profile, "fax-subject");
  g_autofree char *pin = gw_profile_dup_secret (job->profile, "fax-pin", NULL);
  const GwTemplateValue values[] = {
    { "subject", job->content->subject }, { "number", number }, { "pin", pin }, { NULL, NULL }
  };
  g_autofree char *subject = NULL;
  GByteArray *buffer;

  /* One pass over the administrator's template: the caller's subject is
   * inserted as it is, so a "{pin}" in it stays text. */
  subject = gw_template_expand (subject_template != NULL ? subject_template : "{subject}",
                                values, error);
  if (subject == NULL)
    return NULL;

  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, NULL,
                              gw_envelope_get_sender (job->envelope));
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, NULL, address);
  g_mime_message_set_subject (message, subject, "utf-8");
  g_mime_message_set_date (message, now);
  g_mime_message_set_message_id (message, gw_envelope_get_message_id (job->envelope));
  g_mime_text_part_set_text (cover, job->content->cover_text != NULL ? job->content->cover_text : "");
  g_mime_part_set_content_encoding (GMIME_PART (cover),
    g_mime_part_get_best_content_encoding (GMIME_PART (cover), GMIME_ENCODING_CONSTRAINT_7BIT));
  g_mime_multipart_add (mixed, GMIME_OBJECT (cover));
  for (guint i = 0; i < job->content->documents->len; i++) {
    GwFaxDocument *document = g_ptr_array_index (job->content->documents, i);
    g_autoptr(GMimePart) part = g_mime_part_new ();
    g_autoptr(GMimeContentType) type = g_mime_content_type_parse (NULL, document->content_type);
    gsize size;
    const char *data = g_bytes_get_data (document->data, &size);
    g_autoptr(GMimeStream) content_stream = g_mime_stream_mem_new_with_buffer (data, size);
    g_autoptr(GMimeDataWrapper) wrapper =
      g_mime_data_wrapper_new_with_stream (content_stream, GMIME_CONTENT_ENCODING_DEFAULT);

    g_mime_object_set_content_type (GMIME_OBJECT (part), type);
    g_mime_part_set_content (part, wrapper);
    if (document->name != NULL)
      g_mime_part_set_filename (part, document->name);
    g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
    g_mime_multipart_add (mixed, GMIME_OBJECT (part));
  }
  g_mime_message_set_mime_part (message, GMIME_OBJECT (mixed));
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  g_mime_object_write_to_stream (GMIME_OBJECT (message), options, stream);
  buffer = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return g_bytes_new (buffer->data, buffer->len);
}

static void email_send_next (GTask *task);

static void
close_cb (GObject      *source,
          GAsyncResult *res,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!gw_smtp_session_close_finish (GW_SMTP_SESSION (source), res, &error))
    g_debug ("Closing the email-to-fax session: %s", error->message);
  g_object_unref (source);
}

static void
email_finish (GTask  *task,
              GError *error)
{
  EmailJob *job = g_object_get_data (G_OBJECT (task), "fax-email");

  if (job->session != NULL)
    gw_smtp_session_close_async (g_steal_pointer (&job->session), NULL, close_cb, NULL);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
send_cb (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  GTask *task = user_data;
  EmailJob *job = g_object_get_data (G_OBJECT (task), "fax-email");
  g_autoptr(GError) error = NULL;
  gboolean sent = gw_smtp_session_send_finish (job->session, res, &error);
  GwRecipient *r = gw_envelope_get_recipient (job->current, 0);

  gw_envelope_set_tls (job->envelope, gw_smtp_session_get_tls_description (job->session));
  if (!sent && r->status == GW_RECIPIENT_PENDING)
    gw_envelope_set_result (job->current, 0,
                            g_error_matches (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT)
                            ? GW_RECIPIENT_PERMFAIL : GW_RECIPIENT_TEMPFAIL,
                            error->message, NULL);
  /* The fax recipient takes the result of its mail. */
  gw_envelope_set_result (job->envelope, (guint) job->index, r->status, r->reply, r->enhanced_code);
  if (!sent && !gw_smtp_session_is_usable (job->session)) {
    email_finish (task, g_steal_pointer (&error));
    return;
  }
  job->index++;
  email_send_next (task);
}

static void
email_send_next (GTask *task)
{
  EmailJob *job = g_object_get_data (G_OBJECT (task), "fax-email");
  g_autofree char *number = NULL;
  g_autofree char *address = NULL;
  g_autoptr(GBytes) mail = NULL;
  g_autoptr(GError) error = NULL;

  for (;;) {
    job->index = gw_fax_next_pending (job->envelope, (guint) job->index);
    if (job->index < 0) {
      email_finish (task, NULL);
      return;
    }
    number = gw_fax_recipient_number (job->profile, job->envelope, (guint) job->index);
    if (number != NULL)
      break;
    job->index++;
  }
  {
    const GwTemplateValue values[] = { { "number", number }, { NULL, NULL } };
    address = gw_template_expand (gw_profile_get_string (job->profile, "fax-address-template"),
                                  values, &error);
  }
  if (address != NULL)
    mail = build_mail (job, address, number, &error);
  if (mail == NULL) {
    /* The profile's checks refuse such a template; one stored before them
     * fails here, permanently: a retry cannot mend it. */
    email_finish (task, g_error_new (GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                                     "%s", error->message));
    return;
  }
  g_clear_object (&job->current);
  job->current = gw_envelope_new (gw_envelope_get_job_id (job->envelope),
                                  gw_envelope_get_sender (job->envelope),
                                  gw_envelope_get_message_id (job->envelope), mail);
  gw_envelope_add_recipient (job->current, address, "to");
  gw_smtp_session_send_async (job->session, job->current, g_task_get_cancellable (task),
                              send_cb, task);
}

static void
open_cb (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  GTask *task = user_data;
  EmailJob *job = g_object_get_data (G_OBJECT (task), "fax-email");
  g_autoptr(GError) error = NULL;

  if (!gw_smtp_session_open_finish (job->session, res, &error)) {
    g_autoptr(GVariant) certificate = gw_smtp_session_dup_tls_failure (job->session);

    if (certificate != NULL)
      gw_envelope_set_certificate_failure (job->envelope, certificate);
    email_finish (task, g_steal_pointer (&error));
    return;
  }
  email_send_next (task);
}

static void
email_deliver (GwTransport  *transport,
               GwProfile    *profile,
               GwEnvelope   *envelope,
               GwFaxContent *content,
               GTask        *task)
{
  const char *via_name = gw_profile_get_string (profile, "fax-via");
  GwProfile *via = gw_transport_lookup_profile (transport, via_name);
  EmailJob *job;

  if (via == NULL || !g_str_has_prefix (gw_profile_get_transport (via), "smtp")) {
    g_task_return_new_error (task, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                             _("“fax-via” names “%s”, which is not an smtp or smtps profile"),
                             via_name != NULL ? via_name : "");
    g_object_unref (task);
    return;
  }
  job = g_new0 (EmailJob, 1);
  job->profile = g_object_ref (profile);
  job->via = g_object_ref (via);
  job->envelope = g_object_ref (envelope);
  job->content = content;
  job->session = gw_smtp_session_new (via, g_str_equal (gw_profile_get_transport (via), "smtps") ||
                                           g_strcmp0 (gw_profile_get_string (via, "security"), "tls") == 0);
  g_object_set_data_full (G_OBJECT (task), "fax-email", job, (GDestroyNotify) email_job_free);
  gw_smtp_session_open_async (job->session, g_task_get_cancellable (task), open_cb, task);
}

const GwFaxBackend gw_fax_email_backend = {
  .name = "email",
  .validate_profile = email_validate_profile,
  .describe = email_describe,
  .deliver = email_deliver,
};
