/* gw-untrusted-store.c: server certificates Herald refused, kept for the administrator
 *
 * The trust manager (ListUntrustedCertificates, TrustCertificate) reads
 * these; a delivery or a TestProfile that meets a certificate it cannot
 * trust writes one.
 */
#define G_LOG_DOMAIN "gw-untrusted-store"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-untrusted-store.h"

#define FILE_NAME "untrusted-certificates.conf"

struct _GwUntrustedStore {
  GObject   parent_instance;
  char     *path;
  GKeyFile *keyfile;
};

G_DEFINE_FINAL_TYPE (GwUntrustedStore, gw_untrusted_store, G_TYPE_OBJECT)

static const char * const string_keys[] = {
  "host", "subject", "issuer", "sha256-fingerprint", "spki-pin", NULL
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
  GwUntrustedStore *self = g_object_new (GW_TYPE_UNTRUSTED_STORE, NULL);
  g_autoptr(GError) error = NULL;

  self->path = g_build_filename (state_dir, FILE_NAME, NULL);
  if (!g_key_file_load_from_file (self->keyfile, self->path, G_KEY_FILE_NONE, &error) &&
      !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_warning ("Ignoring unreadable %s: %s", self->path, error->message);
  return self;
}

gboolean
gw_untrusted_store_record (GwUntrustedStore *self,
                           const char       *profile,
                           GVariant         *certificate,
                           GError          **error)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (certificate);
  g_autofree char *group = NULL;
  g_autofree char *data = NULL;
  g_autofree const char **errors = NULL;
  const char *fingerprint = NULL;
  gint64 now = g_get_real_time ();
  gint64 time_value;
  guint16 port;
  gsize length;

  if (!g_variant_dict_lookup (&dict, "sha256-fingerprint", "&s", &fingerprint)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("A refused certificate without a fingerprint cannot be recorded"));
    return FALSE;
  }
  group = g_strdup_printf ("%s %s", profile, fingerprint);
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
  if (g_variant_dict_lookup (&dict, "port", "q", &port))
    g_key_file_set_integer (self->keyfile, group, "port", port);
  if (g_variant_dict_lookup (&dict, "errors", "^a&s", &errors))
    g_key_file_set_string_list (self->keyfile, group, "errors", errors, g_strv_length ((char **) errors));

  data = g_key_file_to_data (self->keyfile, &length, NULL);
  if (!g_file_set_contents_full (self->path, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, error))
    return FALSE;
  g_info ("Recorded untrusted certificate %s of profile %s", fingerprint, profile);
  return TRUE;
}

GVariant *
gw_untrusted_store_list (GwUntrustedStore *self)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  g_auto(GStrv) groups = g_key_file_get_groups (self->keyfile, NULL);

  for (guint i = 0; groups[i] != NULL; i++) {
    g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
    g_auto(GStrv) errors = g_key_file_get_string_list (self->keyfile, groups[i], "errors", NULL, NULL);
    g_autofree char *profile = g_key_file_get_string (self->keyfile, groups[i], "profile", NULL);

    if (profile == NULL)
      continue;
    g_variant_dict_insert (&dict, "profile", "s", profile);
    for (guint j = 0; string_keys[j] != NULL; j++) {
      g_autofree char *value = g_key_file_get_string (self->keyfile, groups[i], string_keys[j], NULL);
      if (value != NULL)
        g_variant_dict_insert (&dict, string_keys[j], "s", value);
    }
    g_variant_dict_insert (&dict, "first-seen", "x", g_key_file_get_int64 (self->keyfile, groups[i], "first-seen", NULL));
    g_variant_dict_insert (&dict, "last-seen", "x", g_key_file_get_int64 (self->keyfile, groups[i], "last-seen", NULL));
    g_variant_dict_insert (&dict, "not-before", "x", g_key_file_get_int64 (self->keyfile, groups[i], "not-before", NULL));
    g_variant_dict_insert (&dict, "not-after", "x", g_key_file_get_int64 (self->keyfile, groups[i], "not-after", NULL));
    g_variant_dict_insert (&dict, "port", "q", (guint16) g_key_file_get_integer (self->keyfile, groups[i], "port", NULL));
    if (errors != NULL)
      g_variant_dict_insert (&dict, "errors", "^as", errors);
    g_variant_builder_add_value (&builder, g_variant_dict_end (&dict));
  }
  return g_variant_builder_end (&builder);
}
