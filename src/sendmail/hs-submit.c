/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hs-submit.c: hands the message to heraldd, or to the maildrop
 *
 * Nothing is lost: either heraldd answers with a delivery id (committed),
 * or herald-maildrop reports the file committed, or the exit status is
 * EX_TEMPFAIL (or the refusal's own) with the reason on stderr. The
 * idempotency key is the same for both tries, so a reply lost after
 * heraldd's commit cannot make the maildrop deliver the message twice.
 */
#define G_LOG_DOMAIN "herald-sendmail"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <sysexits.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "herald.h"
#include "hs-maildrop-file.h"
#include "hs-submit.h"

int
hs_exit_status_for_error (const GError *error)
{
  if (error->domain != HERALD_ERROR)
    return EX_TEMPFAIL;
  switch ((HeraldError) error->code) {
  case HERALD_ERROR_INVALID_MESSAGE:
  case HERALD_ERROR_INVALID_ARGUMENT:
  case HERALD_ERROR_TOO_LARGE:
    return EX_DATAERR;
  case HERALD_ERROR_INVALID_ADDRESS:
    return EX_NOUSER;
  case HERALD_ERROR_NO_RECIPIENTS:
    return EX_USAGE;
  case HERALD_ERROR_NOT_AUTHORIZED:
    return EX_NOPERM;
  case HERALD_ERROR_NO_SUCH_PROFILE:
  case HERALD_ERROR_TRANSPORT_UNAVAILABLE:
  case HERALD_ERROR_INVALID_SETTING:
    return EX_CONFIG;
  case HERALD_ERROR_NOT_SUPPORTED:
    return EX_UNAVAILABLE;
  case HERALD_ERROR_FAILED:
  case HERALD_ERROR_PROFILE_EXISTS:
  case HERALD_ERROR_NO_SUCH_DELIVERY:
  case HERALD_ERROR_INVALID_STATE:
  case HERALD_ERROR_SECRET_STORE:
  case HERALD_ERROR_STORAGE:
  case HERALD_ERROR_QUOTA_EXCEEDED:  /* the caller may try again later */
  case HERALD_ERROR_NO_SUCH_TOKEN:    /* not asked by sendmail */
  case HERALD_ERROR_TOKEN_EXISTS:
  case HERALD_ERROR_SIGN_IN_FAILED:  /* not asked by sendmail */
  case HERALD_ERROR_LAST:
  default:
    return EX_TEMPFAIL;
  }
}

gboolean
hs_error_is_unreachable (const GError *error)
{
  /* Any refusal heraldd made on purpose is final; the rest (no bus, no
   * owner and no activation, a timeout, a lost connection, a full disk)
   * is for the maildrop. */
  if (error->domain != HERALD_ERROR)
    return TRUE;
  return error->code == HERALD_ERROR_STORAGE || error->code == HERALD_ERROR_FAILED;
}

GBusType
hs_bus_type (void)
{
  return g_strcmp0 (g_getenv ("HERALD_BUS"), "session") == 0 ? G_BUS_TYPE_SESSION
                                                             : G_BUS_TYPE_SYSTEM;
}

/* The calling program's name: sendmail's caller is our parent. */
static char *
parent_name (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/comm", (int) getppid ());
  g_autofree char *comm = NULL;

  if (!g_file_get_contents (path, &comm, NULL, NULL))
    return NULL;
  g_strstrip (comm);
  /* a name is printable; anything else is not worth passing on */
  for (char *p = comm; *p != '\0'; p++) {
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = '_';
  }
  return *comm != '\0' ? g_steal_pointer (&comm) : NULL;
}

static GVariant *
message_options (HsOptions  *options,
                 const char *app_name,
                 const char *key)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&dict, "extract-recipients", "b", options->extract_recipients);
  if (options->full_name != NULL)
    g_variant_dict_insert (&dict, "full-name", "s", options->full_name);
  if (app_name != NULL)
    g_variant_dict_insert (&dict, "app-name", "s", app_name);
  g_variant_dict_insert (&dict, "idempotency-key", "s", key);
  return g_variant_dict_end (&dict);
}

/* The message, read back from the memfd. */
static GBytes *
read_message (int      fd,
              GError **error)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  char buffer[65536];
  off_t offset = 0;

  for (;;) {
    ssize_t n = pread (fd, buffer, sizeof buffer, offset);

    if (n < 0) {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s", g_strerror (saved_errno));
      return NULL;
    }
    if (n == 0)
      break;
    g_byte_array_append (data, (const guint8 *) buffer, (guint) n);
    offset += n;
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

static int
to_maildrop (HsOptions  *options,
             int         message_fd,
             const char *app_name,
             const char *key)
{
  const char *helper = g_getenv ("HERALD_MAILDROP");
  HsMaildropEnvelope envelope = {
    options->sender != NULL && *options->sender != '\0' ? options->sender : NULL,
    (char **) options->recipients->pdata, options->recipients->len,
    options->extract_recipients, options->full_name, (char *) app_name, (char *) key,
  };
  const char *problem = NULL;
  size_t header_len = 0;
  g_autofree char *header = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GByteArray) input = g_byte_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) stdin_bytes = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (helper == NULL || *helper == '\0')
    helper = HERALD_MAILDROP_HELPER;
  header = hs_maildrop_envelope_format (&envelope, &header_len, &problem);
  if (header == NULL) {
    fprintf (stderr, "herald-sendmail: %s\n", _(problem));
    return EX_DATAERR;
  }
  message = read_message (message_fd, &error);
  if (message == NULL) {
    fprintf (stderr, _("herald-sendmail: cannot read the message back: %s\n"), error->message);
    return EX_TEMPFAIL;
  }
  g_byte_array_append (input, (const guint8 *) header, (guint) header_len);
  g_byte_array_append (input, g_bytes_get_data (message, NULL), (guint) g_bytes_get_size (message));
  stdin_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&input));
  /* the helper's own messages go to our stderr */
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error, helper, NULL);
  if (process == NULL || !g_subprocess_communicate (process, stdin_bytes, NULL, NULL, NULL, &error)) {
    fprintf (stderr, _("herald-sendmail: cannot run %s: %s\n"), helper, error->message);
    status = EX_TEMPFAIL;
  } else if (!g_subprocess_get_if_exited (process)) {
    fprintf (stderr, _("herald-sendmail: %s did not finish\n"), helper);
    status = EX_TEMPFAIL;
  } else {
    status = g_subprocess_get_exit_status (process);
  }
  if (status == EX_OK) {
    if (options->verbose)
      fprintf (stderr, _("herald-sendmail: heraldd is not running; the message waits in the maildrop\n"));
    return EX_OK;
  }
  fprintf (stderr, _("herald-sendmail: the message was not sent: heraldd cannot be reached and the "
                     "maildrop did not take it\n"));
  return status == EX_DATAERR ? EX_DATAERR : EX_TEMPFAIL;
}

int
hs_submit (HsOptions *options,
           int        message_fd)
{
  g_autofree char *key = g_uuid_string_random ();
  g_autofree char *comm = options->full_name == NULL ? parent_name () : NULL;
  const char *app_name = options->full_name != NULL ? options->full_name : comm;
  g_autoptr(HeraldClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  g_ptr_array_add (options->recipients, NULL);
  client = herald_client_new_sync (hs_bus_type (), NULL, &error);
  if (client != NULL)
    id = herald_client_send_message_sync (client, message_fd, options->sender,
                                          (const char * const *) options->recipients->pdata,
                                          message_options (options, app_name, key), NULL, &error);
  g_ptr_array_remove_index (options->recipients, options->recipients->len - 1);
  if (id != NULL) {
    if (options->verbose)
      fprintf (stderr, _("herald-sendmail: queued as delivery %s\n"), id);
    return EX_OK;
  }
  if (!hs_error_is_unreachable (error)) {
    fprintf (stderr, "herald-sendmail: %s\n", error->message);
    return hs_exit_status_for_error (error);
  }
  if (options->verbose)
    fprintf (stderr, _("herald-sendmail: heraldd cannot be reached (%s); trying the maildrop\n"),
             error->message);
  return to_maildrop (options, message_fd, app_name, key);
}
