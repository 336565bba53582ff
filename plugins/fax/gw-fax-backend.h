/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-fax-backend.h: the fax plugin's backends (email, hylafax, http) */
#pragma once

#include "gw-fax.h"
#include "gw-transport.h"

G_BEGIN_DECLS

/*
 * One backend: how a fax profile with "fax-backend" = @name checks its
 * keys, describes itself and sends. deliver sends @content to every
 * pending "fax" recipient of @envelope, sets each one's result, and
 * returns a boolean through @task (FALSE with GW_TRANSPORT_ERROR when the
 * server as a whole could not be used); it owns @task.
 */
typedef struct {
  const char *name;
  gboolean  (*validate_profile) (GwTransport  *transport,
                                 GwProfile    *profile,
                                 GError      **error);
  char     *(*describe)         (GwProfile    *profile);
  void      (*deliver)          (GwTransport  *transport,
                                 GwProfile    *profile,
                                 GwEnvelope   *envelope,
                                 GwFaxContent *content,
                                 GTask        *task);
  /* Optional, run in a worker thread: the state of a job the server
   * accepted (SUBMITTED, SENT or PERMFAIL, with the server's words), and
   * removing it. */
  GwRecipientStatus (*poll)     (GwProfile    *profile,
                                 const char   *remote_id,
                                 GCancellable *cancellable,
                                 char        **reply,
                                 GError      **error);
  gboolean  (*cancel)           (GwProfile    *profile,
                                 const char   *remote_id,
                                 GCancellable *cancellable,
                                 GError      **error);
} GwFaxBackend;

extern const GwFaxBackend gw_fax_email_backend;
extern const GwFaxBackend gw_fax_hylafax_backend;
extern const GwFaxBackend gw_fax_http_backend;

/* Helpers shared by the backends (gw-fax-transport.c). */

/* Sets @error to a GW_TRANSPORT_ERROR_PERMANENT naming @key (not a secret)
 * unless it is set. */
gboolean   gw_fax_require_key     (GwProfile   *profile,
                                   const char  *key,
                                   GError     **error);
/* Installs the fax profile keys on @klass (gw-fax-settings.c). */
void       gw_fax_install_settings (GwTransportClass *klass);
/* The number of recipient @index normalised with the profile's country
 * code; on a bad number the recipient fails for good and NULL returns. */
char      *gw_fax_recipient_number (GwProfile  *profile,
                                    GwEnvelope *envelope,
                                    guint       index);
/* Index of the next pending fax recipient at or after @from, or -1. */
int        gw_fax_next_pending    (GwEnvelope  *envelope,
                                   guint        from);

G_END_DECLS
