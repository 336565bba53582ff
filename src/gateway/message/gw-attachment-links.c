/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-attachment-links.c: attachments kept in the spool and served as links
 *
 * Each attachment lives in SPOOL/<sha256 of its token>/ as "data" and
 * "info" (a key file: name, content type, expiry). The directory is named
 * after the hash, not the token, so the spool (or a backup of it) does not
 * hold working links; the token itself is 32 bytes from GnuTLS's random
 * generator, base64url, and appears only in the message. Downloads are
 * streamed from the file a piece at a time, never read whole into memory.
 *
 * The info also names the owner (the uid of the caller that sent the
 * attachment), so the spool knows what each caller holds for the
 * per-caller quota; a batch (gw_attachment_links_new_batch()) stores for
 * one caller and can take back what it stored.
 */
#define G_LOG_DOMAIN "gw-attachment-links"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>

#include "herald-error.h"
#include "gw-attachment-links.h"
#include "gw-config.h"

#define TOKEN_BYTES     32
#define TOKEN_LENGTH    43     /* base64url of 32 bytes, no padding */
#define PATH_PREFIX     "/a"
#define SWEEP_SECONDS   3600
#define CHUNK_SIZE      (64 * 1024)
#define STORE_PIECE     (256 * 1024)
/* GET and HEAD carry no body. */
#define MAX_REQUEST_BODY 1024

#define NO_OWNER        G_MAXUINT

struct _GwAttachmentLinks {
  GObject       parent_instance;
  char         *spool_dir;
  GwHttpServer *server;
  guint         days;
  guint         sweep_id;
  GHashTable   *usage;        /* uid → bytes (guint64 *) of unexpired entries */
  /* A batch stores into @spool for @owner_uid and lists its @entries. */
  GwAttachmentLinks *spool;
  guint         owner_uid;
  GPtrArray    *entries;      /* entry directories */
};

G_DEFINE_FINAL_TYPE (GwAttachmentLinks, gw_attachment_links, G_TYPE_OBJECT)

static void
gw_attachment_links_dispose (GObject *object)
{
  GwAttachmentLinks *self = GW_ATTACHMENT_LINKS (object);

  g_clear_handle_id (&self->sweep_id, g_source_remove);
  if (self->server != NULL && self->spool == NULL)
    gw_http_server_remove_handler (self->server, PATH_PREFIX);
  g_clear_object (&self->server);
  g_clear_object (&self->spool);
  G_OBJECT_CLASS (gw_attachment_links_parent_class)->dispose (object);
}

static void
gw_attachment_links_finalize (GObject *object)
{
  GwAttachmentLinks *self = GW_ATTACHMENT_LINKS (object);

  g_free (self->spool_dir);
  g_hash_table_unref (self->usage);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
  G_OBJECT_CLASS (gw_attachment_links_parent_class)->finalize (object);
}

static void
gw_attachment_links_class_init (GwAttachmentLinksClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = gw_attachment_links_dispose;
  G_OBJECT_CLASS (klass)->finalize = gw_attachment_links_finalize;
}

static void
gw_attachment_links_init (GwAttachmentLinks *self)
{
  self->usage = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->owner_uid = NO_OWNER;
}

static void
add_usage (GwAttachmentLinks *self,
           guint              owner,
           guint64            size,
           gboolean           adding)
{
  guint64 *bytes;

  if (owner == NO_OWNER)
    return;
  bytes = g_hash_table_lookup (self->usage, GUINT_TO_POINTER (owner));
  if (bytes == NULL) {
    if (!adding)
      return;
    bytes = g_new0 (guint64, 1);
    g_hash_table_insert (self->usage, GUINT_TO_POINTER (owner), bytes);
  }
  if (adding)
    *bytes += size;
  else
    *bytes -= MIN (*bytes, size);
  if (*bytes == 0)
    g_hash_table_remove (self->usage, GUINT_TO_POINTER (owner));
}

/* The owner an entry's info names (NO_OWNER for entries stored before
 * owners were recorded), and its size. */
static guint
info_owner (GKeyFile *info,
            guint64  *size)
{
  g_autoptr(GError) error = NULL;
  guint64 owner = g_key_file_get_uint64 (info, "attachment", "owner", &error);

  *size = g_key_file_get_uint64 (info, "attachment", "size", NULL);
  if (error != NULL || owner >= NO_OWNER)
    return NO_OWNER;
  return (guint) owner;
}

static gboolean
token_is_well_formed (const char *token,
                      gsize       length)
{
  if (length != TOKEN_LENGTH)
    return FALSE;
  for (gsize i = 0; i < length; i++) {
    if (!g_ascii_isalnum (token[i]) && token[i] != '-' && token[i] != '_')
      return FALSE;
  }
  return TRUE;
}

static char *
entry_dir (GwAttachmentLinks *self,
           const char        *token,
           gsize              length)
{
  g_autofree char *hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) token, length);

  return g_build_filename (self->spool_dir, hash, NULL);
}

static void
remove_entry (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL) {
    g_autofree char *path = g_build_filename (dir, name, NULL);
    g_unlink (path);
  }
  if (g_rmdir (dir) != 0 && errno != ENOENT)
    g_warning ("Cannot remove expired attachment %s: %s", dir, g_strerror (errno));
}

/* The entry's info, or NULL when it is missing or damaged. */
static GKeyFile *
load_info (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "info", NULL);
  g_autoptr(GKeyFile) info = g_key_file_new ();

  if (!g_key_file_load_from_file (info, path, G_KEY_FILE_NONE, NULL) ||
      !g_key_file_has_key (info, "attachment", "expires", NULL) ||
      !g_key_file_has_key (info, "attachment", "name", NULL))
    return NULL;
  return g_steal_pointer (&info);
}

guint
gw_attachment_links_sweep (GwAttachmentLinks *self,
                           gint64             now)
{
  g_autoptr(GDir) handle = g_dir_open (self->spool_dir, 0, NULL);
  const char *name;
  guint removed = 0;

  /* Counted again from the entries that stay. */
  g_hash_table_remove_all (self->usage);

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL) {
    g_autofree char *dir = NULL;
    g_autoptr(GKeyFile) info = NULL;

    /* Only our own entries: 64 hex digits. */
    if (strlen (name) != 64 || strspn (name, "0123456789abcdef") != 64)
      continue;
    dir = g_build_filename (self->spool_dir, name, NULL);
    info = load_info (dir);
    /* An entry without info is a store interrupted by a crash. */
    if (info != NULL && g_key_file_get_int64 (info, "attachment", "expires", NULL) > now) {
      guint64 size;
      guint owner = info_owner (info, &size);

      add_usage (self, owner, size, TRUE);
      continue;
    }
    remove_entry (dir);
    removed++;
  }
  if (removed > 0)
    g_info ("Removed %u expired attachment(s) from %s", removed, self->spool_dir);
  return removed;
}

static gboolean
sweep_cb (gpointer user_data)
{
  GwAttachmentLinks *self = user_data;

  gw_attachment_links_sweep (self, g_get_real_time () / G_USEC_PER_SEC);
  return G_SOURCE_CONTINUE;
}

/* The next piece of the file after the last one went out: the response
 * holds one piece at a time, whatever the file's size. */
static void
append_next_chunk (SoupServerMessage *msg,
                   GInputStream      *input)
{
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes (input, CHUNK_SIZE, NULL, &error);

  if (chunk == NULL)
    g_warning ("Cannot read an attachment for its link: %s", error->message);
  if (chunk == NULL || g_bytes_get_size (chunk) == 0) {
    /* Short of the Content-Length after an error: the client sees it cut. */
    soup_message_body_complete (body);
    return;
  }
  soup_message_body_append_bytes (body, chunk);
}

static void
wrote_chunk_cb (SoupServerMessage *msg,
                gpointer           user_data)
{
  append_next_chunk (msg, G_INPUT_STREAM (user_data));
}

static void
serve_entry (SoupServerMessage *msg,
             const char        *dir,
             GKeyFile          *info)
{
  g_autofree char *data_path = g_build_filename (dir, "data", NULL);
  g_autofree char *name = g_key_file_get_string (info, "attachment", "name", NULL);
  g_autofree char *content_type = g_key_file_get_string (info, "attachment", "content-type", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (data_path);
  g_autoptr(GFileInputStream) input = g_file_read (file, NULL, NULL);
  g_autoptr(GFileInfo) file_info = NULL;
  g_autoptr(GHashTable) params = g_hash_table_new (g_str_hash, g_str_equal);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (input != NULL)
    file_info = g_file_input_stream_query_info (input, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, NULL);
  if (file_info == NULL) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  /* A download, never a page of ours: the content is the sender's. */
  g_hash_table_insert (params, (gpointer) "filename", name);
  soup_message_headers_set_content_disposition (headers, "attachment", params);
  soup_message_headers_set_content_type (headers, content_type != NULL ? content_type
                                         : "application/octet-stream", NULL);
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Content-Security-Policy", "default-src 'none'; sandbox");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "Cache-Control", "private, no-store");
  soup_message_headers_set_content_length (headers, g_file_info_get_size (file_info));
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  if (g_strcmp0 (soup_server_message_get_method (msg), "HEAD") == 0)
    return;
  /* Streamed from the file: each piece is dropped once written. */
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  g_signal_connect_data (msg, "wrote-chunk", G_CALLBACK (wrote_chunk_cb), g_object_ref (input),
                         (GClosureNotify) (void (*) (void)) g_object_unref, 0);
  append_next_chunk (msg, G_INPUT_STREAM (input));
}

/* GET|HEAD /a/<token>/<name>: 200, 404 for an unknown link, 410 for an
 * expired one (removed on the spot). */
static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  GwAttachmentLinks *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  const char *token, *slash;
  g_autofree char *dir = NULL;
  g_autofree char *requested = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GKeyFile) info = NULL;

  if (g_strcmp0 (method, "GET") != 0 && g_strcmp0 (method, "HEAD") != 0) {
    soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET, HEAD");
    return;
  }
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  if (!g_str_has_prefix (path, PATH_PREFIX "/"))
    return;
  token = path + strlen (PATH_PREFIX "/");
  slash = strchr (token, '/');
  if (slash == NULL || !token_is_well_formed (token, (gsize) (slash - token)))
    return;
  /* The path arrives percent-encoded; "%2F" cannot be part of a name. */
  requested = g_uri_unescape_string (slash + 1, "/");
  dir = entry_dir (self, token, (gsize) (slash - token));
  info = load_info (dir);
  if (info == NULL || requested == NULL)
    return;
  name = g_key_file_get_string (info, "attachment", "name", NULL);
  if (g_strcmp0 (name, requested) != 0)
    return;
  if (g_key_file_get_int64 (info, "attachment", "expires", NULL) <= g_get_real_time () / G_USEC_PER_SEC) {
    guint64 size;
    guint owner = info_owner (info, &size);

    remove_entry (dir);
    add_usage (self, owner, size, FALSE);
    soup_server_message_set_status (msg, SOUP_STATUS_GONE, NULL);
    return;
  }
  serve_entry (msg, dir, info);
}

GwAttachmentLinks *
gw_attachment_links_new (const char   *spool_dir,
                         GwHttpServer *server,
                         guint         days,
                         GError      **error)
{
  g_autoptr(GwAttachmentLinks) self = g_object_new (GW_TYPE_ATTACHMENT_LINKS, NULL);

  self->spool_dir = g_strdup (spool_dir);
  self->days = days;
  if (!gw_config_ensure_directory (spool_dir, error))
    return NULL;
  gw_attachment_links_sweep (self, g_get_real_time () / G_USEC_PER_SEC);
  if (!gw_http_server_add_route (server, PATH_PREFIX, &(GwHttpRouteLimits) { .max_body_size = MAX_REQUEST_BODY },
                                 handle_request, self, NULL)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                 _("The HTTP path %s is already taken"), PATH_PREFIX);
    return NULL;
  }
  self->server = g_object_ref (server);
  self->sweep_id = g_timeout_add_seconds (SWEEP_SECONDS, sweep_cb, self);
  return g_steal_pointer (&self);
}

gint64
gw_attachment_links_get_default_expiry (GwAttachmentLinks *self)
{
  return g_get_real_time () / G_USEC_PER_SEC + (gint64) self->days * 24 * 3600;
}

static gboolean
write_file (const char *path,
            const void *data,
            gsize       size,
            GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_file_set_contents_full (path, data, (gssize) size, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, &local_error)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("Cannot keep an attachment for its link: %s"), local_error->message);
    return FALSE;
  }
  return TRUE;
}

/* @data into a new file at @path, piece by piece: a large attachment is
 * not held in memory (its entry is complete only once "info" is written
 * after it). */
static gboolean
write_stream (const char   *path,
              GInputStream *data,
              gsize         size,
              GError      **error)
{
  g_autofree guint8 *piece = g_malloc (MIN (size, STORE_PIECE) + 1);
  g_autoptr(GError) local_error = NULL;
  gsize done = 0;
  int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  int saved_errno = fd < 0 ? errno : 0;

  while (saved_errno == 0 && local_error == NULL && done < size) {
    gsize got = 0;

    if (!g_input_stream_read_all (data, piece, MIN (size - done, STORE_PIECE), &got, NULL, &local_error))
      break;
    if (got == 0)
      local_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, _("it is shorter than recorded"));
    else if (write (fd, piece, got) != (ssize_t) got)
      saved_errno = errno != 0 ? errno : ENOSPC;
    done += got;
  }
  if (saved_errno == 0 && local_error == NULL && fsync (fd) != 0)
    saved_errno = errno;
  if (fd >= 0)
    close (fd);
  if (saved_errno == 0 && local_error == NULL)
    return TRUE;
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE, _("Cannot keep an attachment for its link: %s"),
               local_error != NULL ? local_error->message : g_strerror (saved_errno));
  return FALSE;
}

char *
gw_attachment_links_store (GwAttachmentLinks *self,
                           const char        *name,
                           const char        *content_type,
                           GBytes            *data,
                           gint64             expires_at,
                           GError           **error)
{
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (data);

  return gw_attachment_links_store_stream (self, name, content_type, stream, g_bytes_get_size (data),
                                           expires_at, error);
}

char *
gw_attachment_links_store_stream (GwAttachmentLinks *self,
                                  const char        *name,
                                  const char        *content_type,
                                  GInputStream      *data,
                                  gsize              size,
                                  gint64             expires_at,
                                  GError           **error)
{
  GwAttachmentLinks *spool = self->spool != NULL ? self->spool : self;
  guint8 random[TOKEN_BYTES];
  g_autofree char *token = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *data_path = NULL;
  g_autofree char *info_path = NULL;
  g_autofree char *info_text = NULL;
  g_autofree char *escaped = NULL;
  g_autoptr(GKeyFile) info = g_key_file_new ();

  if (gnutls_rnd (GNUTLS_RND_KEY, random, sizeof random) != 0) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                 _("No random numbers for an attachment link"));
    return NULL;
  }
  /* base64url without padding: safe in a URL path as it is */
  token = g_base64_encode (random, sizeof random);
  g_strdelimit (token, "+", '-');
  g_strdelimit (token, "/", '_');
  token[TOKEN_LENGTH] = '\0';
  memset (random, 0, sizeof random);

  dir = entry_dir (spool, token, TOKEN_LENGTH);
  if (g_mkdir (dir, 0700) != 0) {
    int saved_errno = errno;
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
                 _("Cannot keep an attachment for its link: %s"), g_strerror (saved_errno));
    return NULL;
  }
  data_path = g_build_filename (dir, "data", NULL);
  info_path = g_build_filename (dir, "info", NULL);
  g_key_file_set_string (info, "attachment", "name", name);
  if (content_type != NULL)
    g_key_file_set_string (info, "attachment", "content-type", content_type);
  g_key_file_set_int64 (info, "attachment", "expires", expires_at);
  g_key_file_set_uint64 (info, "attachment", "size", size);
  if (self->owner_uid != NO_OWNER)
    g_key_file_set_uint64 (info, "attachment", "owner", self->owner_uid);
  info_text = g_key_file_to_data (info, NULL, NULL);
  /* data first: an entry with info is complete */
  if (!write_stream (data_path, data, size, error) ||
      !write_file (info_path, info_text, strlen (info_text), error)) {
    remove_entry (dir);
    return NULL;
  }
  add_usage (spool, self->owner_uid, size, TRUE);
  if (self->entries != NULL)
    g_ptr_array_add (self->entries, g_strdup (dir));
  escaped = g_uri_escape_string (name, NULL, FALSE);
  return g_strdup_printf ("%s%s/%s/%s", gw_http_server_get_public_base_url (spool->server),
                          PATH_PREFIX, token, escaped);
}

GwAttachmentLinks *
gw_attachment_links_new_batch (GwAttachmentLinks *self,
                               guint              owner_uid)
{
  GwAttachmentLinks *batch = g_object_new (GW_TYPE_ATTACHMENT_LINKS, NULL);

  g_return_val_if_fail (self->spool == NULL, NULL);
  batch->spool = g_object_ref (self);
  batch->spool_dir = g_strdup (self->spool_dir);
  batch->server = g_object_ref (self->server);
  batch->days = self->days;
  batch->owner_uid = owner_uid;
  batch->entries = g_ptr_array_new_with_free_func (g_free);
  return batch;
}

void
gw_attachment_links_discard (GwAttachmentLinks *batch)
{
  g_return_if_fail (batch->spool != NULL);

  for (guint i = 0; i < batch->entries->len; i++) {
    const char *dir = g_ptr_array_index (batch->entries, i);
    g_autoptr(GKeyFile) info = load_info (dir);
    guint64 size = 0;
    guint owner = info != NULL ? info_owner (info, &size) : NO_OWNER;

    remove_entry (dir);
    add_usage (batch->spool, owner, size, FALSE);
  }
  g_ptr_array_set_size (batch->entries, 0);
}

guint64
gw_attachment_links_get_usage (GwAttachmentLinks *self,
                               guint              uid)
{
  GwAttachmentLinks *spool = self->spool != NULL ? self->spool : self;
  guint64 *bytes = g_hash_table_lookup (spool->usage, GUINT_TO_POINTER (uid));

  return bytes != NULL ? *bytes : 0;
}
