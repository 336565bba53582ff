/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-fax-hylafax-jobs.c: following and removing HylaFAX jobs
 *
 * A submitted job is HylaFAX's: it dials, retries and gives up on its own
 * schedule (MAXDIALS, MAXTRIES, LASTTIME). Herald asks for its state with
 * JOB id + JPARM STATE and maps it: DONE is sent, FAILED is failed, every
 * other state (SUSPENDED, PENDING, SLEEPING, BLOCKED, READY, ACTIVE) is
 * still "submitted". Cancel is JKILL on a job still queued, then JDELE.
 */
#define G_LOG_DOMAIN "gw-fax"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-fax-hylafax.h"

static gboolean
check_job_id (const char *remote_id,
              GError    **error)
{
  gsize len = strlen (remote_id);

  if (len == 0 || len > 12 || strspn (remote_id, "0123456789") != len) {
    g_set_error (error, GW_TRANSPORT_ERROR, GW_TRANSPORT_ERROR_PERMANENT,
                 _("“%s” is not a HylaFAX job id"), remote_id);
    return FALSE;
  }
  return TRUE;
}

static gboolean
select_job (GwHylafaxConn *conn,
            const char    *remote_id,
            GError       **error)
{
  g_autofree char *line = g_strconcat ("JOB ", remote_id, NULL);

  return gw_hylafax_conn_command (conn, line, 2, error);
}

GwRecipientStatus
gw_fax_hylafax_poll (GwProfile    *profile,
                     const char   *remote_id,
                     GCancellable *cancellable,
                     char        **reply,
                     GError      **error)
{
  GwHylafaxConn *conn;
  const char *state;
  g_autofree char *status = NULL;
  GwRecipientStatus result;

  if (!check_job_id (remote_id, error))
    return GW_RECIPIENT_PENDING;
  conn = gw_hylafax_conn_open (profile, cancellable, error);
  if (conn == NULL)
    return GW_RECIPIENT_PENDING;
  if (!select_job (conn, remote_id, error) ||
      !gw_hylafax_conn_command (conn, "JPARM STATE", 2, error)) {
    gw_hylafax_conn_free (conn);
    return GW_RECIPIENT_PENDING;
  }
  /* "213 READY" */
  state = gw_hylafax_conn_get_reply (conn) + 4;
  if (g_str_has_prefix (state, "DONE"))
    result = GW_RECIPIENT_SENT;
  else if (g_str_has_prefix (state, "FAILED"))
    result = GW_RECIPIENT_PERMFAIL;
  else
    result = GW_RECIPIENT_SUBMITTED;
  status = g_strdup (state);
  if (gw_hylafax_conn_command (conn, "JPARM STATUS", 2, NULL) &&
      strlen (gw_hylafax_conn_get_reply (conn)) > 4 && *(gw_hylafax_conn_get_reply (conn) + 4) != '\0')
    *reply = g_strdup_printf (_("HylaFAX job %s: %s (%s)"), remote_id, status,
                              gw_hylafax_conn_get_reply (conn) + 4);
  else
    *reply = g_strdup_printf (_("HylaFAX job %s: %s"), remote_id, status);
  gw_hylafax_conn_quit (conn);
  return result;
}

gboolean
gw_fax_hylafax_cancel (GwProfile    *profile,
                       const char   *remote_id,
                       GCancellable *cancellable,
                       GError      **error)
{
  GwHylafaxConn *conn;

  if (!check_job_id (remote_id, error))
    return FALSE;
  conn = gw_hylafax_conn_open (profile, cancellable, error);
  if (conn == NULL)
    return FALSE;
  /* A job already done answers "504 ... already done": Cancel then fails
   * with that reply, and the next status query reports how it ended. */
  if (!select_job (conn, remote_id, error) ||
      !gw_hylafax_conn_command (conn, "JKILL", 2, error)) {
    gw_hylafax_conn_free (conn);
    return FALSE;
  }
  /* Also remove the killed job from doneq. Best effort: faxq may still be
   * moving it there, and then faxqclean removes it in time. */
  {
    g_autofree char *line = g_strconcat ("JDELE ", remote_id, NULL);
    g_autoptr(GError) local_error = NULL;

    if (!gw_hylafax_conn_command (conn, line, 2, &local_error))
      g_debug ("HylaFAX job %s killed but not deleted: %s", remote_id, local_error->message);
  }
  gw_hylafax_conn_quit (conn);
  return TRUE;
}
