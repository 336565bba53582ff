/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-untrusted-store.c: server certificates Herald refused, kept for the administrator
 *
 * The trust manager (ListUntrustedCertificates, TrustCertificate) reads
 * these; a delivery or a TestProfile that meets a certificate it cannot
 * trust writes one. A record is one certificate of one profile seen on one
 * endpoint (host and port): the same certificate on the profile's SMTP and
 * POP3 servers makes two records, trusted one by one. Records are found by
 * their keys, whatever their group is called, so the files of earlier
 * versions (one group per profile and fingerprint) read as they are.
 */
#define G_LOG_DOMAIN "gw-untrusted-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-untrusted-store.h"

#define FILE_NAME "untrusted-certificates.conf"
/* Not a record: a record's group name holds a space. */
#define FORMAT_GROUP "format"

struct _GwUntrustedStore {
  GObject   parent_instance;
  char     *path;
  GKeyFile *keyfile;
};

G_DEFINE_FINAL_TYPE (GwUntrustedStore, gw_untrusted_store, G_TYPE_OBJECT)

static const char * const string_keys[] = {
  "host", "subject", "issuer", "sha256-fingerprint", "spki-pin", NULL
};
static const char * const time_keys[] = {
  "first-seen", "last-seen", "not-before", "not-after", "trusted-at", NULL
};

static void
gw_untrusted_store_finalize (GObject *object)
{
  GwUntrustedStore *self = GW_UNTRUSTED_STORE (object);

  g_free (self->path);
  g_key_file_unref (self->keyfile);
  G_OBJECT_CLASS (gw_untrusted_store_parent_class)->finalize (object);
}

static void
gw_untrusted_store_class_init (GwUntrustedStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_untrusted_store_finalize;
}

static void
gw_untrusted_store_init (GwUntrustedStore *self)
{
  self->keyfile = g_key_file_new ();
}

GwUntrustedStore *
gw_untrusted_store_new (const char *state_dir)
{
  return gw_untrusted_store_new_for_file (state_dir, FILE_NAME);
}

GwUntrustedStore *
gw_untrusted_store_new_for_file (const char *state_dir,
                                 const char *file_name)
{
  GwUntrustedStore *self = g_object_new (GW_TYPE_UNTRUSTED_STORE, NULL);
  g_autoptr(GError) error = NULL;

  self->path = g_build_filename (state_dir, file_name, NULL);
  if (!g_key_file_load_from_file (self->keyfile, self->path, G_KEY_FILE_NONE, &error) &&
      !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_warning ("Ignoring unreadable %s: %s", self->path, error->message);
  return self;
}

static gboolean
group_is (GwUntrustedStore *self,
          const char       *group,
          const char       *profile,
          const char       *fingerprint,
          const char       *host,
          guint16           port)
{
  g_autofree char *p = g_key_file_get_string (self->keyfile, group, "profile", NULL);
  g_autofree char *f = g_key_file_get_string (self->keyfile, group, "sha256-fingerprint", NULL);
  g_autofree char *h = NULL;

  if (g_strcmp0 (p, profile) != 0 || g_strcmp0 (f, fingerprint) != 0)
    return FALSE;
  if (host == NULL)
    return TRUE;
  h = g_key_file_get_string (self->keyfile, group, "host", NULL);
  return g_ascii_strcasecmp (h != NULL ? h : "", host) == 0 &&
         g_key_file_get_integer (self->keyfile, group, "port", NULL) == port;
}

/* The group of the record of @profile's @fingerprint seen on @host:@port,
 * or NULL. */
static char *
find_group (GwUntrustedStore *self,
            const char       *profile,
            const char       *fingerprint,
            const char       *host,
            guint16           port)
{
  g_auto(GStrv) groups = g_key_file_get_groups (self->keyfile, NULL);

  for (guint i = 0; groups[i] != NULL; i++) {
    if (group_is (self, groups[i], profile, fingerprint, host, port))
      return g_strdup (groups[i]);
  }
  return NULL;
}

static char *
new_group (const char *profile,
           const char *fingerprint,
           const char *host,
           guint16     port)
{
  return g_strdup_printf ("%s %s %s:%u", profile, fingerprint, host, port);
}

static gboolean
save (GwUntrustedStore *self,
      GError          **error)
{
  gsize length;
  g_autofree char *data = g_key_file_to_data (self->keyfile, &length, NULL);

  return g_file_set_contents_full (self->path, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT,
                                   0600, error);
}

gboolean
gw_untrusted_store_record (GwUntrustedStore *self,
                           const char       *profile,
                           GVariant         *certificate,
                           GError          **error)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (certificate);
  g_autofree char *group = NULL;
  g_autofree const char **errors = NULL;
  const char *fingerprint = NULL;
  const char *host = "";
  const char *refused_by = NULL;
  gint64 now = g_get_real_time ();
  gint64 time_value;
  guint16 port = 0;

  if (!g_variant_dict_lookup (&dict, "sha256-fingerprint", "&s", &fingerprint)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("A refused certificate without a fingerprint cannot be recorded"));
    return FALSE;
  }
  /* The profile whose trust settings refused it: for a transport that
   * sends through another profile, that one, which is where trust must go. */
  if (g_variant_dict_lookup (&dict, "profile", "&s", &refused_by) && *refused_by != '\0')
    profile = refused_by;
  g_variant_dict_lookup (&dict, "host", "&s", &host);
  g_variant_dict_lookup (&dict, "port", "q", &port);
  group = find_group (self, profile, fingerprint, host, port);
  if (group == NULL)
    group = new_group (profile, fingerprint, host, port);
  if (!g_key_file_has_key (self->keyfile, group, "first-seen", NULL))
    g_key_file_set_int64 (self->keyfile, group, "first-seen", now);
  g_key_file_set_int64 (self->keyfile, group, "last-seen", now);
  g_key_file_set_string (self->keyfile, group, "profile", profile);
  for (guint i = 0; string_keys[i] != NULL; i++) {
    const char *value;
    if (g_variant_dict_lookup (&dict, string_keys[i], "&s", &value))
      g_key_file_set_string (self->keyfile, group, string_keys[i], value);
  }
  if (g_variant_dict_lookup (&dict, "not-before", "x", &time_value))
    g_key_file_set_int64 (self->keyfile, group, "not-before", time_value);
  if (g_variant_dict_lookup (&dict, "not-after", "x", &time_value))
    g_key_file_set_int64 (self->keyfile, group, "not-after", time_value);
  g_key_file_set_integer (self->keyfile, group, "port", port);
  if (g_variant_dict_lookup (&dict, "errors", "^a&s", &errors))
    g_key_file_set_string_list (self->keyfile, group, "errors", errors, g_strv_length ((char **) errors));

  if (!save (self, error))
    return FALSE;
  g_info ("Recorded untrusted certificate %s of profile %s", fingerprint, profile);
  return TRUE;
}

static GVariant *
group_to_variant (GwUntrustedStore *self,
                  const char       *group)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_auto(GStrv) errors = g_key_file_get_string_list (self->keyfile, group, "errors", NULL, NULL);
  g_autofree char *profile = g_key_file_get_string (self->keyfile, group, "profile", NULL);

  if (profile == NULL)
    return NULL;
  g_variant_dict_insert (&dict, "profile", "s", profile);
  for (guint j = 0; string_keys[j] != NULL; j++) {
    g_autofree char *value = g_key_file_get_string (self->keyfile, group, string_keys[j], NULL);
    if (value != NULL)
      g_variant_dict_insert (&dict, string_keys[j], "s", value);
  }
  for (guint j = 0; time_keys[j] != NULL; j++) {
    if (g_key_file_has_key (self->keyfile, group, time_keys[j], NULL))
      g_variant_dict_insert (&dict, time_keys[j], "x",
                             g_key_file_get_int64 (self->keyfile, group, time_keys[j], NULL));
  }
  g_variant_dict_insert (&dict, "port", "q", (guint16) g_key_file_get_integer (self->keyfile, group, "port", NULL));
  if (errors != NULL)
    g_variant_dict_insert (&dict, "errors", "^as", errors);
  return g_variant_dict_end (&dict);
}

GVariant *
gw_untrusted_store_list (GwUntrustedStore *self)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  g_auto(GStrv) groups = g_key_file_get_groups (self->keyfile, NULL);

  for (guint i = 0; groups[i] != NULL; i++) {
    GVariant *record = group_to_variant (self, groups[i]);
    if (record != NULL)
      g_variant_builder_add_value (&builder, record);
  }
  return g_variant_builder_end (&builder);
}

GPtrArray *
gw_untrusted_store_lookup (GwUntrustedStore *self,
                           const char       *profile,
                           const char       *fingerprint)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  g_auto(GStrv) groups = g_key_file_get_groups (self->keyfile, NULL);

  for (guint i = 0; groups[i] != NULL; i++) {
    GVariant *record;

    if (!group_is (self, groups[i], profile, fingerprint, NULL, 0))
      continue;
    record = group_to_variant (self, groups[i]);
    if (record != NULL)
      g_ptr_array_add (records, g_variant_ref_sink (record));
  }
  return g_steal_pointer (&records);
}

/* The keys that identify @record; fails on one without a profile or a
 * fingerprint. */
static gboolean
record_keys (GVariant    *record,
             const char **profile,
             const char **fingerprint,
             const char **host,
             guint16     *port,
             GError     **error)
{
  *host = "";
  *port = 0;
  if (!g_variant_lookup (record, "profile", "&s", profile) ||
      !g_variant_lookup (record, "sha256-fingerprint", "&s", fingerprint)) {
    g_set_error_literal (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                         "A certificate record needs a profile and a fingerprint");
    return FALSE;
  }
  g_variant_lookup (record, "host", "&s", host);
  g_variant_lookup (record, "port", "q", port);
  return TRUE;
}

gboolean
gw_untrusted_store_put (GwUntrustedStore *self,
                        GVariant         *record,
                        GError          **error)
{
  g_autofree char *group = NULL;
  g_autofree const char **errors = NULL;
  const char *profile = NULL, *fingerprint = NULL, *host = NULL;
  guint16 port;

  if (!record_keys (record, &profile, &fingerprint, &host, &port, error))
    return FALSE;
  group = find_group (self, profile, fingerprint, host, port);
  if (group != NULL)
    g_key_file_remove_group (self->keyfile, group, NULL);
  else
    group = new_group (profile, fingerprint, host, port);
  g_key_file_set_string (self->keyfile, group, "profile", profile);
  for (guint i = 0; string_keys[i] != NULL; i++) {
    const char *value;
    if (g_variant_lookup (record, string_keys[i], "&s", &value))
      g_key_file_set_string (self->keyfile, group, string_keys[i], value);
  }
  for (guint i = 0; time_keys[i] != NULL; i++) {
    gint64 value;
    if (g_variant_lookup (record, time_keys[i], "x", &value))
      g_key_file_set_int64 (self->keyfile, group, time_keys[i], value);
  }
  g_key_file_set_integer (self->keyfile, group, "port", port);
  if (g_variant_lookup (record, "errors", "^a&s", &errors))
    g_key_file_set_string_list (self->keyfile, group, "errors", errors, g_strv_length ((char **) errors));
  return save (self, error);
}

gboolean
gw_untrusted_store_remove (GwUntrustedStore *self,
                           GVariant         *record,
                           GError          **error)
{
  g_autofree char *group = NULL;
  const char *profile = NULL, *fingerprint = NULL, *host = NULL;
  guint16 port;

  if (!record_keys (record, &profile, &fingerprint, &host, &port, error))
    return FALSE;
  group = find_group (self, profile, fingerprint, host, port);
  if (group == NULL || !g_key_file_remove_group (self->keyfile, group, NULL))
    return TRUE;
  return save (self, error);
}

guint
gw_untrusted_store_get_format (GwUntrustedStore *self)
{
  return (guint) g_key_file_get_integer (self->keyfile, FORMAT_GROUP, "version", NULL);
}

gboolean
gw_untrusted_store_set_format (GwUntrustedStore *self,
                               guint             version,
                               GError          **error)
{
  g_key_file_set_integer (self->keyfile, FORMAT_GROUP, "version", (gint) version);
  return save (self, error);
}
