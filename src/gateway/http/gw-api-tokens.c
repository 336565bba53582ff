/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-api-tokens.c: bearer tokens of the HTTP API, stored as their SHA-256
 *
 * STATE_DIR/api-tokens.conf holds one group per token (the name) with its
 * id, digest, scope, rate and times. The token string itself is never
 * stored or logged: AddToken returns it once. Verification hashes what
 * the client sent and compares it with every stored digest without
 * stopping at a match, so the time taken says nothing about the tokens.
 */
#define G_LOG_DOMAIN "gw-api-tokens"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "herald-error.h"
#include "gw-api-tokens.h"
#include "gw-profile-schema.h"
#include "gw-token-bucket.h"

#define FILE_NAME        "api-tokens.conf"
#define MAX_FILE_SIZE    (4 * 1024 * 1024)
#define MAX_TAG_LENGTH   998
#define RANDOM_BYTES     32
#define ENCODED_LENGTH   43                                /* base64url of 32 bytes */
#define TOKEN_LENGTH     (sizeof GW_API_TOKEN_PREFIX - 1 + ENCODED_LENGTH)
/* Last-use times reach the disk at most this often. */
#define LAST_USED_SAVE_US (60 * G_USEC_PER_SEC)

struct _GwApiTokens {
  GObject     parent_instance;
  char       *directory;
  char       *path;
  GPtrArray  *tokens;      /* GwApiToken, sorted by name */
  GHashTable *buckets;     /* token id → GwTokenBucket */
  gboolean    dirty;       /* last-use times not written yet */
  gint64      saved_at;    /* monotonic µs of the last write */
};

G_DEFINE_FINAL_TYPE (GwApiTokens, gw_api_tokens, G_TYPE_OBJECT)

static gboolean save (GwApiTokens *self, gboolean durable, GError **error);

static void
gw_api_tokens_finalize (GObject *object)
{
  GwApiTokens *self = GW_API_TOKENS (object);

  if (self->dirty) {
    g_autoptr(GError) error = NULL;
    if (!save (self, FALSE, &error))
      g_warning ("Cannot write the last use of API tokens: %s", error->message);
  }
  g_free (self->directory);
  g_free (self->path);
  g_ptr_array_unref (self->tokens);
  g_hash_table_unref (self->buckets);
  G_OBJECT_CLASS (gw_api_tokens_parent_class)->finalize (object);
}

static void
gw_api_tokens_class_init (GwApiTokensClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_api_tokens_finalize;
}

static void
gw_api_tokens_init (GwApiTokens *self)
{
  self->tokens = g_ptr_array_new_with_free_func ((GDestroyNotify) gw_api_token_unref);
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) gw_token_bucket_free);
}

static GwApiToken *
token_new (void)
{
  return g_atomic_rc_box_new0 (GwApiToken);
}

static void
digest_of (const char *token_string,
           guint8      digest[32])
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize length = 32;

  g_checksum_update (sum, (const guchar *) token_string, (gssize) strlen (token_string));
  g_checksum_get_digest (sum, digest, &length);
}

static gboolean
digests_equal (const guint8 *a,
               const guint8 *b)
{
  volatile guint8 difference = 0;

  for (guint i = 0; i < 32; i++)
    difference |= a[i] ^ b[i];
  return difference == 0;
}

static gint
compare_by_name (gconstpointer a,
                 gconstpointer b)
{
  const GwApiToken *x = *(GwApiToken * const *) a;
  const GwApiToken *y = *(GwApiToken * const *) b;

  return strcmp (x->name, y->name);
}

/* ---- the file ---- */

static gboolean
set_storage_error (GError    **error,
                   const char *path,
                   const char *reason)
{
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE,
               _("Cannot use the API token store %s: %s"), path, reason);
  return FALSE;
}

static gboolean
save (GwApiTokens *self,
      gboolean     durable,
      GError     **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  gsize length;

  for (guint i = 0; i < self->tokens->len; i++) {
    GwApiToken *token = g_ptr_array_index (self->tokens, i);
    g_autoptr(GString) digest = g_string_new (NULL);

    for (guint j = 0; j < 32; j++)
      g_string_append_printf (digest, "%02x", token->digest[j]);
    g_key_file_set_string (keyfile, token->name, "id", token->id);
    g_key_file_set_string (keyfile, token->name, "sha256", digest->str);
    g_key_file_set_string_list (keyfile, token->name, "profiles",
                                (const char * const *) token->profiles, g_strv_length (token->profiles));
    g_key_file_set_string_list (keyfile, token->name, "tags",
                                (const char * const *) token->tags, g_strv_length (token->tags));
    g_key_file_set_string_list (keyfile, token->name, "allowed-tags",
                                (const char * const *) token->allowed_tags,
                                g_strv_length (token->allowed_tags));
    g_key_file_set_uint64 (keyfile, token->name, "rate", token->rate);
    g_key_file_set_int64 (keyfile, token->name, "created", token->created);
    g_key_file_set_int64 (keyfile, token->name, "last-used", token->last_used);
  }
  data = g_key_file_to_data (keyfile, &length, NULL);
  /* The mode is given to open(), so it is 0600 whatever the umask. */
  if (!g_file_set_contents_full (self->path, data, (gssize) length,
                                 G_FILE_SET_CONTENTS_CONSISTENT |
                                 (durable ? G_FILE_SET_CONTENTS_DURABLE : 0),
                                 0600, &local_error))
    return set_storage_error (error, self->path, local_error->message);
  if (durable) {
    int fd = open (self->directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int synced = fd >= 0 ? fsync (fd) : -1;
    int saved_errno = errno;

    if (fd >= 0)
      close (fd);
    if (synced != 0)
      return set_storage_error (error, self->directory, g_strerror (saved_errno));
  }
  self->dirty = FALSE;
  self->saved_at = g_get_monotonic_time ();
  return TRUE;
}

static gboolean
is_hex (const char *text,
        gsize       length)
{
  if (text == NULL || strlen (text) != length)
    return FALSE;
  for (gsize i = 0; i < length; i++) {
    if (!g_ascii_isxdigit (text[i]) || g_ascii_isupper (text[i]))
      return FALSE;
  }
  return TRUE;
}

static GStrv
get_list (GKeyFile   *keyfile,
          const char *group,
          const char *key)
{
  GStrv list = g_key_file_get_string_list (keyfile, group, key, NULL, NULL);

  return list != NULL ? list : g_new0 (char *, 1);
}

/* One group of the file, or NULL (logged) when it is not a whole token. */
static GwApiToken *
token_from_group (GKeyFile   *keyfile,
                  const char *group)
{
  g_autoptr(GwApiToken) token = token_new ();
  g_autofree char *digest = g_key_file_get_string (keyfile, group, "sha256", NULL);
  guint64 rate = g_key_file_get_uint64 (keyfile, group, "rate", NULL);

  token->name = g_strdup (group);
  token->id = g_key_file_get_string (keyfile, group, "id", NULL);
  token->profiles = get_list (keyfile, group, "profiles");
  token->tags = get_list (keyfile, group, "tags");
  token->allowed_tags = get_list (keyfile, group, "allowed-tags");
  token->created = g_key_file_get_int64 (keyfile, group, "created", NULL);
  token->last_used = g_key_file_get_int64 (keyfile, group, "last-used", NULL);
  if (!gw_profile_name_is_valid (group) || !is_hex (token->id, 16) || !is_hex (digest, 64) ||
      rate > GW_API_TOKEN_MAX_RATE) {
    g_warning ("API token “%s” in the token store is damaged; it is not used", group);
    return NULL;
  }
  token->rate = (guint) rate;
  for (guint i = 0; i < 32; i++)
    token->digest[i] = (guint8) ((g_ascii_xdigit_value (digest[2 * i]) << 4) |
                                 g_ascii_xdigit_value (digest[2 * i + 1]));
  return g_steal_pointer (&token);
}

/* Reads the file through a descriptor opened without following links, so
 * the file whose owner and mode were checked is the file read. */
static gboolean
load (GwApiTokens *self,
      GError     **error)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  g_auto(GStrv) groups = NULL;
  struct stat st;
  gsize done = 0;
  int fd = open (self->path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);

  if (fd < 0 && errno == ENOENT)
    return TRUE;
  if (fd < 0)
    return set_storage_error (error, self->path, g_strerror (errno));
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid () ||
      (st.st_mode & 0077) != 0 || st.st_size > MAX_FILE_SIZE) {
    close (fd);
    return set_storage_error (error, self->path,
                              _("it must be a regular file of the daemon's user with mode 0600"));
  }
  data = g_malloc ((gsize) st.st_size + 1);
  while (done < (gsize) st.st_size) {
    ssize_t n = read (fd, data + done, (gsize) st.st_size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += (gsize) n;
  }
  close (fd);
  data[done] = '\0';
  if (!g_key_file_load_from_data (keyfile, data, done, G_KEY_FILE_NONE, &local_error))
    return set_storage_error (error, self->path, local_error->message);
  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++) {
    GwApiToken *token = token_from_group (keyfile, groups[i]);
    if (token != NULL)
      g_ptr_array_add (self->tokens, token);
  }
  g_ptr_array_sort (self->tokens, compare_by_name);
  return TRUE;
}

GwApiTokens *
gw_api_tokens_new (const char *state_dir,
                   GError    **error)
{
  g_autoptr(GwApiTokens) self = g_object_new (GW_TYPE_API_TOKENS, NULL);

  self->directory = g_strdup (state_dir);
  self->path = g_build_filename (state_dir, FILE_NAME, NULL);
  if (!load (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* ---- AddToken, RemoveToken, ListTokens ---- */

static gboolean
take_list (const char *key,
           GVariant   *value,
           gboolean    profile_names,
           GStrv      *out,
           GError    **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) seen = g_ptr_array_new ();
  GVariantIter iter;
  const char *item;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY) ||
      g_variant_n_children (value) > GW_API_TOKEN_MAX_SCOPE) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("Token scope “%s” must be a list of at most %d strings"), key,
                 GW_API_TOKEN_MAX_SCOPE);
    return FALSE;
  }
  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "&s", &item)) {
    if (profile_names && !gw_profile_name_is_valid (item)) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a valid profile name"), item);
      return FALSE;
    }
    if (*item == '\0' || strlen (item) > MAX_TAG_LENGTH) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("An entry of token scope “%s” is empty or longer than %d bytes"), key,
                   MAX_TAG_LENGTH);
      return FALSE;
    }
    if (!gw_check_header_text (key, item, error))
      return FALSE;
    /* The same entry twice means nothing more. */
    if (!g_ptr_array_find_with_equal_func (seen, item, g_str_equal, NULL)) {
      g_ptr_array_add (seen, (gpointer) item);
      g_strv_builder_add (builder, item);
    }
  }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
parse_scope (GwApiToken *token,
             GVariant   *scope,
             GError    **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  token->rate = GW_API_TOKEN_DEFAULT_RATE;
  g_variant_iter_init (&iter, scope);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value)) {
    G_GNUC_UNUSED g_autoptr(GVariant) owned = value;
    GStrv *list = NULL;

    if (g_str_equal (key, "rate")) {
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32) ||
          g_variant_get_uint32 (value) > GW_API_TOKEN_MAX_RATE) {
        g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                     _("Token rate must be a number of requests a minute from 0 (no limit) to %d"),
                     GW_API_TOKEN_MAX_RATE);
        return FALSE;
      }
      token->rate = g_variant_get_uint32 (value);
      continue;
    }
    if (g_str_equal (key, "profiles"))
      list = &token->profiles;
    else if (g_str_equal (key, "tags"))
      list = &token->tags;
    else if (g_str_equal (key, "allowed-tags"))
      list = &token->allowed_tags;
    if (list == NULL) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("Unknown token scope “%s”: use profiles, tags, allowed-tags or rate"), key);
      return FALSE;
    }
    g_strfreev (*list);
    *list = NULL;
    if (!take_list (key, value, list == &token->profiles, list, error))
      return FALSE;
  }
  if (token->profiles == NULL)
    token->profiles = g_new0 (char *, 1);
  if (token->tags == NULL)
    token->tags = g_new0 (char *, 1);
  if (token->allowed_tags == NULL)
    token->allowed_tags = g_new0 (char *, 1);
  return TRUE;
}

static char *
random_string (guint8  *bytes,
               gsize    n_bytes,
               gsize    length,
               GError **error)
{
  char *text;

  if (gnutls_rnd (GNUTLS_RND_KEY, bytes, n_bytes) != 0) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED, _("No random numbers for a token"));
    return NULL;
  }
  text = g_base64_encode (bytes, n_bytes);
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  text[length] = '\0';
  return text;
}

char *
gw_api_tokens_add (GwApiTokens *self,
                   const char  *name,
                   GVariant    *scope,
                   GError     **error)
{
  g_autoptr(GwApiToken) token = token_new ();
  g_autofree char *encoded = NULL;
  g_autofree char *secret = NULL;
  guint8 random[RANDOM_BYTES];
  guint8 id_bytes[8];

  g_return_val_if_fail (GW_IS_API_TOKENS (self), NULL);
  g_return_val_if_fail (g_variant_is_of_type (scope, G_VARIANT_TYPE_VARDICT), NULL);

  if (!gw_profile_name_is_valid (name)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("“%s” is not a valid token name: use 1 to 64 letters, digits, “.”, “_” or “-”, "
                   "starting with a letter or digit"),
                 name);
    return NULL;
  }
  if (gw_api_tokens_lookup (self, name) != NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOKEN_EXISTS,
                 _("A token named “%s” exists already; remove it first"), name);
    return NULL;
  }
  token->name = g_strdup (name);
  if (!parse_scope (token, scope, error))
    return NULL;
  encoded = random_string (random, sizeof random, ENCODED_LENGTH, error);
  memset (random, 0, sizeof random);
  if (encoded == NULL)
    return NULL;
  if (gnutls_rnd (GNUTLS_RND_NONCE, id_bytes, sizeof id_bytes) != 0) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED, _("No random numbers for a token"));
    return NULL;
  }
  token->id = g_strdup_printf ("%02x%02x%02x%02x%02x%02x%02x%02x", id_bytes[0], id_bytes[1],
                               id_bytes[2], id_bytes[3], id_bytes[4], id_bytes[5], id_bytes[6],
                               id_bytes[7]);
  secret = g_strconcat (GW_API_TOKEN_PREFIX, encoded, NULL);
  memset (encoded, 0, strlen (encoded));
  digest_of (secret, token->digest);
  token->created = g_get_real_time ();

  g_ptr_array_add (self->tokens, g_steal_pointer (&token));
  g_ptr_array_sort (self->tokens, compare_by_name);
  if (!save (self, TRUE, error)) {
    guint index;

    for (index = 0; index < self->tokens->len; index++) {
      if (g_str_equal (((GwApiToken *) g_ptr_array_index (self->tokens, index))->name, name))
        break;
    }
    g_ptr_array_remove_index (self->tokens, index);
    memset (secret, 0, strlen (secret));
    return NULL;
  }
  g_info ("API token %s added", name);
  return g_steal_pointer (&secret);
}

gboolean
gw_api_tokens_remove (GwApiTokens *self,
                      const char  *name,
                      GError     **error)
{
  g_return_val_if_fail (GW_IS_API_TOKENS (self), FALSE);

  for (guint i = 0; i < self->tokens->len; i++) {
    g_autoptr(GwApiToken) token = NULL;

    if (!g_str_equal (((GwApiToken *) g_ptr_array_index (self->tokens, i))->name, name))
      continue;
    token = g_ptr_array_steal_index (self->tokens, i);
    if (!save (self, TRUE, error)) {
      g_ptr_array_insert (self->tokens, (gint) i, g_steal_pointer (&token));
      return FALSE;
    }
    g_hash_table_remove (self->buckets, token->id);
    g_info ("API token %s removed", name);
    return TRUE;
  }
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_TOKEN, _("No token is named “%s”"), name);
  return FALSE;
}

GVariant *
gw_api_tokens_list (GwApiTokens *self)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));

  g_return_val_if_fail (GW_IS_API_TOKENS (self), NULL);

  for (guint i = 0; i < self->tokens->len; i++)
    g_variant_builder_add_value (&builder, gw_api_token_to_variant (g_ptr_array_index (self->tokens, i)));
  return g_variant_builder_end (&builder);
}

GwApiToken *
gw_api_tokens_lookup (GwApiTokens *self,
                      const char  *name)
{
  g_return_val_if_fail (GW_IS_API_TOKENS (self), NULL);

  for (guint i = 0; i < self->tokens->len; i++) {
    GwApiToken *token = g_ptr_array_index (self->tokens, i);
    if (g_str_equal (token->name, name))
      return token;
  }
  return NULL;
}

/* ---- verification ---- */

static gboolean
take_request (GwApiTokens *self,
              GwApiToken  *token,
              gint64       now,
              gint64      *retry_after_us)
{
  GwTokenBucket *bucket;

  if (token->rate == 0)
    return TRUE;
  bucket = g_hash_table_lookup (self->buckets, token->id);
  if (bucket == NULL) {
    bucket = gw_token_bucket_new (token->rate, now);
    g_hash_table_insert (self->buckets, g_strdup (token->id), bucket);
  }
  if (gw_token_bucket_take (bucket, 1, now) == 1)
    return TRUE;
  if (retry_after_us != NULL)
    *retry_after_us = gw_token_bucket_get_wait (bucket, now);
  return FALSE;
}

static void
note_use (GwApiTokens *self,
          GwApiToken  *token)
{
  g_autoptr(GError) error = NULL;

  token->last_used = g_get_real_time ();
  self->dirty = TRUE;
  if (g_get_monotonic_time () - self->saved_at < LAST_USED_SAVE_US)
    return;
  if (!save (self, FALSE, &error))
    g_warning ("Cannot write the last use of API tokens: %s", error->message);
}

GwApiTokenVerdict
gw_api_tokens_verify (GwApiTokens *self,
                      const char  *bearer,
                      gint64       now,
                      GwApiToken **token,
                      gint64      *retry_after_us)
{
  GwApiToken *match = NULL;
  guint8 digest[32];

  g_return_val_if_fail (GW_IS_API_TOKENS (self), GW_API_TOKEN_INVALID);
  g_return_val_if_fail (token != NULL && *token == NULL, GW_API_TOKEN_INVALID);

  /* The form of a token is no secret: anything else is refused at once. */
  if (bearer == NULL || strlen (bearer) != TOKEN_LENGTH ||
      !g_str_has_prefix (bearer, GW_API_TOKEN_PREFIX))
    return GW_API_TOKEN_INVALID;
  digest_of (bearer, digest);
  for (guint i = 0; i < self->tokens->len; i++) {
    GwApiToken *candidate = g_ptr_array_index (self->tokens, i);
    if (digests_equal (digest, candidate->digest))
      match = candidate;
  }
  if (match == NULL)
    return GW_API_TOKEN_INVALID;
  *token = gw_api_token_ref (match);
  if (!take_request (self, match, now, retry_after_us))
    return GW_API_TOKEN_RATE_LIMITED;
  note_use (self, match);
  return GW_API_TOKEN_VALID;
}
