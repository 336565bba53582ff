/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-maildrop-read.c: one file of the maildrop, checked and read
 *
 * A file is taken only when it is what herald-maildrop makes: a regular
 * file (never a link), one name, the complete mode, within the size
 * bounds, with a well-formed envelope. Its owner's uid is the sender.
 */
#define G_LOG_DOMAIN "gw-maildrop"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "gw-maildrop-private.h"
#include "hs-maildrop-file.h"

/* A file left partial this long was abandoned by its writer. */
#define STALE_SECONDS 3600

static GBytes *
read_all (int     fd,
          gsize   size,
          char  **problem)
{
  g_autofree char *data = g_malloc (size + 1);
  gsize done = 0;

  while (done < size) {
    ssize_t n = read (fd, data + done, size - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      *problem = g_strdup_printf (_("cannot read it: %s"), n < 0 ? g_strerror (errno) : _("it is shorter than its size"));
      return NULL;
    }
    done += (gsize) n;
  }
  return g_bytes_new_take (g_steal_pointer (&data), done);
}

static GwMessageRequest *
parse (GBytes  *bytes,
       char   **problem)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  HsMaildropEnvelope envelope;
  const char *wrong;
  size_t header_len = 0;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GwMessageRequest) request = NULL;
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) options_variant = NULL;
  g_autoptr(GPtrArray) recipients = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  gboolean ok;

  wrong = hs_maildrop_envelope_parse (data, len, &envelope, &header_len);
  if (wrong != NULL) {
    *problem = g_strdup (_(wrong));
    return NULL;
  }
  message = g_bytes_new_from_bytes (bytes, header_len, len - header_len);
  request = gw_message_request_new (message);
  for (size_t i = 0; i < envelope.n_recipients; i++)
    g_ptr_array_add (recipients, envelope.recipients[i]);
  g_ptr_array_add (recipients, NULL);
  g_variant_dict_insert (&options, "extract-recipients", "b", envelope.extract_recipients != 0);
  g_variant_dict_insert (&options, "idempotency-key", "s", envelope.idempotency_key);
  if (envelope.full_name != NULL)
    g_variant_dict_insert (&options, "full-name", "s", envelope.full_name);
  if (envelope.app_name != NULL)
    g_variant_dict_insert (&options, "app-name", "s", envelope.app_name);
  options_variant = g_variant_ref_sink (g_variant_dict_end (&options));
  /* the same checks as SendMessage's arguments */
  ok = gw_message_request_set_envelope (request, envelope.sender,
                                        (const char * const *) recipients->pdata, &error) &&
       gw_message_request_set_options (request, options_variant, &error);
  hs_maildrop_envelope_clear (&envelope);
  if (!ok) {
    *problem = g_strdup (error->message);
    return NULL;
  }
  return g_steal_pointer (&request);
}

GwDropState
gw_maildrop_read_file (int                dirfd,
                       const char        *name,
                       GwMessageRequest **request,
                       guint             *uid,
                       char             **problem)
{
  struct stat st;
  g_autoptr(GBytes) bytes = NULL;
  int fd;

  *request = NULL;
  *problem = NULL;
  fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT)
      return GW_DROP_SKIP;
    /* ELOOP: a symbolic link; EACCES: not readable by us (partial) */
    if (errno == EACCES && fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG (st.st_mode) && (st.st_mode & 07777) == HS_MAILDROP_MODE_PARTIAL)
      return time (NULL) - st.st_mtime > STALE_SECONDS ? GW_DROP_STALE : GW_DROP_PARTIAL;
    *problem = g_strdup_printf (_("cannot open it: %s"), g_strerror (errno));
    return GW_DROP_BAD;
  }
  if (fstat (fd, &st) != 0) {
    *problem = g_strdup_printf (_("cannot read its status: %s"), g_strerror (errno));
    close (fd);
    return GW_DROP_BAD;
  }
  if (!S_ISREG (st.st_mode)) {
    close (fd);
    if (S_ISDIR (st.st_mode))
      return GW_DROP_SKIP;
    *problem = g_strdup (_("it is not a regular file"));
    return GW_DROP_BAD;
  }
  *uid = (guint) st.st_uid;
  if ((st.st_mode & 07777) == HS_MAILDROP_MODE_PARTIAL) {
    close (fd);
    return time (NULL) - st.st_mtime > STALE_SECONDS ? GW_DROP_STALE : GW_DROP_PARTIAL;
  }
  if ((st.st_mode & 07777) != HS_MAILDROP_MODE_COMPLETE || st.st_nlink != 1) {
    close (fd);
    *problem = g_strdup_printf (_("it has mode %04o and %u links, not mode %04o and one link"),
                                (guint) (st.st_mode & 07777), (guint) st.st_nlink,
                                (guint) HS_MAILDROP_MODE_COMPLETE);
    return GW_DROP_BAD;
  }
  if ((guint64) st.st_size > HS_MAILDROP_MAX_HEADER + HS_MAILDROP_MAX_MESSAGE) {
    close (fd);
    *problem = g_strdup (_("it is larger than a maildrop file can be"));
    return GW_DROP_BAD;
  }
  bytes = read_all (fd, (gsize) st.st_size, problem);
  close (fd);
  if (bytes == NULL)
    return GW_DROP_BAD;
  *request = parse (bytes, problem);
  return *request != NULL ? GW_DROP_READY : GW_DROP_BAD;
}
