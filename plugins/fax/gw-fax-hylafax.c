/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-fax-hylafax.c: HylaFAX client protocol (hfaxd), submitting faxes
 *
 * One conversation per delivery (gw-fax-hylafax-conn.c), in a worker
 * thread: TYPE I, then for each number the documents are uploaded, a job
 * is made (JNEW), parameterised (JPARM) and submitted (JSUBM). The
 * server's job id is kept as the recipient's remote id; the job is then
 * HylaFAX's to send, so the recipient is "submitted" and followed with
 * JOB/JPARM STATE until it is done, failed or cancelled.
 */
#define G_LOG_DOMAIN "gw-fax"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-fax-backend.h"
#include "gw-fax-hylafax.h"

/* LASTTIME is "DDHHMM" from now: how long HylaFAX may keep trying. */
static char *
last_time (GwProfile *profile)
{
  guint64 seconds = gw_profile_get_uint (profile, "expire-after");
  guint64 days = MIN (seconds / 86400, 99);

  return g_strdup_printf ("%02u%02u%02u", (guint) days, (guint) (seconds % 86400 / 3600),
                          (guint) (seconds % 3600 / 60));
}

/* Submits one job for @number; returns the job id. */
static char *
submit_job (GwHylafaxConn *conn,
            GwProfile     *profile,
            GwFaxContent  *content,
            const char    *number,
            const char    *to_user,
            GError       **error)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *lasttime = last_time (profile);
  g_autofree char *maxdials = g_strdup_printf ("JPARM MAXDIALS %u", (guint) gw_profile_get_uint (profile, "fax-max-dials"));
  g_autofree char *maxtries = g_strdup_printf ("JPARM MAXTRIES %u", (guint) gw_profile_get_uint (profile, "fax-max-tries"));
  g_autofree char *lastline = g_strconcat ("JPARM LASTTIME ", lasttime, NULL);
  const char *notify = gw_profile_get_string (profile, "fax-notify-address");
  const char *user = gw_profile_get_string (profile, "fax-username");
  const char *jobid;

  if (content->cover_text != NULL) {
    g_autoptr(GBytes) text = g_bytes_new (content->cover_text, strlen (content->cover_text));
    char *name = gw_hylafax_conn_upload (conn, text, error);
    if (name == NULL)
      return NULL;
    g_ptr_array_add (files, name);
  }
  for (guint i = 0; i < content->documents->len; i++) {
    GwFaxDocument *document = g_ptr_array_index (content->documents, i);
    char *name = gw_hylafax_conn_upload (conn, document->data, error);
    if (name == NULL)
      return NULL;
    g_ptr_array_add (files, name);
  }
  if (files->len == 0) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("The fax has neither text nor documents"));
    return NULL;
  }
  if (!gw_hylafax_conn_command (conn, "JNEW", 2, error))
    return NULL;
  /* "200 New job created: jobid: 12 groupid: 12." */
  jobid = strstr (gw_hylafax_conn_get_reply (conn), "jobid: ");
  if (jobid == NULL) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_TEMPORARY,
                 _("HylaFAX server: no job id in “%s”"), gw_hylafax_conn_get_reply (conn));
    return NULL;
  }
  jobid += strlen ("jobid: ");
  {
    g_autofree char *id = g_strndup (jobid, strspn (jobid, "0123456789"));

    if (*id == '\0' ||
        !gw_hylafax_conn_command_quoted (conn, "JPARM FROMUSER", _("HylaFAX user name"), user != NULL ? user : "herald", 2, error) ||
        !gw_hylafax_conn_command_quoted (conn, "JPARM DIALSTRING", _("fax number"), number, 2, error) ||
        !gw_hylafax_conn_command_quoted (conn, "JPARM TOUSER", _("fax number"), to_user, 2, error) ||
        !gw_hylafax_conn_command (conn, maxdials, 2, error) ||
        !gw_hylafax_conn_command (conn, maxtries, 2, error) ||
        !gw_hylafax_conn_command (conn, lastline, 2, error))
      return NULL;
    if (notify != NULL) {
      if (!gw_hylafax_conn_command_quoted (conn, "JPARM NOTIFYADDR", _("notification address"), notify, 2, error) ||
          !gw_hylafax_conn_command (conn, "JPARM NOTIFY \"done+requeue\"", 2, error))
        return NULL;
    } else if (!gw_hylafax_conn_command (conn, "JPARM NOTIFY \"none\"", 2, error)) {
      return NULL;
    }
    for (guint i = 0; i < files->len; i++) {
      if (!gw_hylafax_conn_command_quoted (conn, "JPARM DOCUMENT", _("document name"), g_ptr_array_index (files, i), 2, error))
        return NULL;
    }
    if (!gw_hylafax_conn_command (conn, "JSUBM", 2, error))
      return NULL;
    return g_steal_pointer (&id);
  }
}

static gboolean
hylafax_validate_profile (GwTransport *transport,
                          GwProfile   *profile,
                          GError     **error)
{
  return gw_fax_require_key (profile, "fax-host", error);
}

static char *
hylafax_describe (GwProfile *profile)
{
  return g_strdup_printf ("fax hylafax %s:%" G_GUINT64_FORMAT,
                          gw_profile_get_string (profile, "fax-host"),
                          gw_profile_get_uint (profile, "fax-port"));
}

typedef struct {
  GwProfile    *profile;
  GwEnvelope   *envelope;
  GwFaxContent *content;
} HylafaxJob;

static void
hylafax_job_free (HylafaxJob *job)
{
  g_clear_object (&job->profile);
  g_clear_object (&job->envelope);
  g_free (job);
}

/* HylaFAX wants the number as the dial rules expect it: "+" and the
 * international digits when they are known. */
static char *
dial_string (GwProfile  *profile,
             GwEnvelope *envelope,
             guint       index)
{
  g_autofree char *digits = gw_fax_recipient_number (profile, envelope, index);
  const char *address = gw_envelope_get_recipient (envelope, index)->address;

  if (digits == NULL)
    return NULL;
  if (address[0] == '+' || gw_profile_get_string (profile, "fax-default-country-code") != NULL)
    return g_strconcat ("+", digits, NULL);
  return g_steal_pointer (&digits);
}

/* hfaxd numbers jobs under a lock file and answers a JNEW that meets the
 * lock of another client with "503 Unable to open sequence number file":
 * submissions from this process go one at a time. */
static GMutex submit_lock;

static void
hylafax_deliver_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  HylafaxJob *job = g_object_get_data (G_OBJECT (task), "fax-hylafax");
  g_autoptr(GError) error = NULL;
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&submit_lock);
  GwHylafaxConn *conn = gw_hylafax_conn_open (job->profile, cancellable, &error);

  if (conn == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (!gw_hylafax_conn_command (conn, "TYPE I", 2, &error)) {
    gw_hylafax_conn_free (conn);
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  for (int i = gw_fax_next_pending (job->envelope, 0); i >= 0;
       i = gw_fax_next_pending (job->envelope, (guint) i + 1)) {
    g_autofree char *number = dial_string (job->profile, job->envelope, (guint) i);
    g_autofree char *id = NULL;
    g_autofree char *reply = NULL;

    if (number == NULL)
      continue;
    id = submit_job (conn, job->profile, job->content, number,
                     gw_envelope_get_recipient (job->envelope, (guint) i)->address, &error);
    if (id == NULL) {
      gboolean permanent = g_error_matches (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT);

      if (!permanent) {
        /* The conversation is in an unknown state: stop here. */
        gw_hylafax_conn_free (conn);
        g_task_return_error (task, g_steal_pointer (&error));
        return;
      }
      gw_envelope_set_result (job->envelope, (guint) i, GW_RECIPIENT_PERMFAIL, error->message, NULL);
      g_clear_error (&error);
      continue;
    }
    reply = g_strdup_printf (_("HylaFAX job %s submitted (%s)"), id, gw_hylafax_conn_get_reply (conn));
    gw_envelope_set_remote_id (job->envelope, (guint) i, id);
    gw_envelope_set_result (job->envelope, (guint) i, GW_RECIPIENT_SUBMITTED, reply, NULL);
  }
  gw_hylafax_conn_quit (conn);
  g_task_return_boolean (task, TRUE);
}

static void
hylafax_deliver (GwTransport  *transport,
                 GwProfile    *profile,
                 GwEnvelope   *envelope,
                 GwFaxContent *content,
                 GTask        *task)
{
  HylafaxJob *job = g_new0 (HylafaxJob, 1);

  job->profile = g_object_ref (profile);
  job->envelope = g_object_ref (envelope);
  job->content = content;
  g_object_set_data_full (G_OBJECT (task), "fax-hylafax", job, (GDestroyNotify) hylafax_job_free);
  g_task_run_in_thread (task, hylafax_deliver_thread);
  g_object_unref (task);
}

const GwFaxBackend gw_fax_hylafax_backend = {
  .name = "hylafax",
  .validate_profile = hylafax_validate_profile,
  .describe = hylafax_describe,
  .deliver = hylafax_deliver,
  .poll = gw_fax_hylafax_poll,
  .cancel = gw_fax_hylafax_cancel,
};
