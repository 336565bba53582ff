/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile-status.c: what the gateway remembers of each profile's last test
 *
 * One group per profile in STATE_DIR/profile-status.conf: when the last
 * TestProfile ran, whether it passed, a one-line summary (the server's
 * reply or the error) and whether a certificate was refused. It lets an
 * administrator's page show "last test failed" after a reload. It never
 * holds a transcript or a secret; the file is written whole, atomically,
 * with mode 0600 like every file of the state directory.
 */
#define G_LOG_DOMAIN "gw-profile-status"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-profile-status.h"

#define FILE_NAME "profile-status.conf"
#define KEY_TIME "last-test-time"
#define KEY_OK "last-test-ok"
#define KEY_SUMMARY "last-test-summary"
#define KEY_TLS_FAILURE "last-test-tls-failure"

struct _GwProfileStatus {
  GObject   parent_instance;
  char     *path;
  GKeyFile *keyfile;
};

G_DEFINE_FINAL_TYPE (GwProfileStatus, gw_profile_status, G_TYPE_OBJECT)

static void
gw_profile_status_finalize (GObject *object)
{
  GwProfileStatus *self = GW_PROFILE_STATUS (object);

  g_free (self->path);
  g_key_file_unref (self->keyfile);
  G_OBJECT_CLASS (gw_profile_status_parent_class)->finalize (object);
}

static void
gw_profile_status_class_init (GwProfileStatusClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_profile_status_finalize;
}

static void
gw_profile_status_init (GwProfileStatus *self)
{
  self->keyfile = g_key_file_new ();
}

GwProfileStatus *
gw_profile_status_new (const char *state_dir)
{
  GwProfileStatus *self = g_object_new (GW_TYPE_PROFILE_STATUS, NULL);
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (state_dir != NULL, NULL);

  self->path = g_build_filename (state_dir, FILE_NAME, NULL);
  if (!g_key_file_load_from_file (self->keyfile, self->path, G_KEY_FILE_NONE, &error) &&
      !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_warning ("Ignoring unreadable %s: %s", self->path, error->message);
  return self;
}

static gboolean
save (GwProfileStatus *self,
      GError         **error)
{
  gsize length;
  g_autofree char *data = g_key_file_to_data (self->keyfile, &length, NULL);
  g_autoptr(GError) local_error = NULL;

  if (!g_file_set_contents_full (self->path, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, &local_error)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE, _("Cannot write %s: %s"),
                 self->path, local_error->message);
    return FALSE;
  }
  return TRUE;
}

/* One line of valid UTF-8, at most GW_PROFILE_STATUS_MAX_SUMMARY bytes:
 * a server's multi-line reply reads as one line in a list. */
static char *
one_line (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *line = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    const char *next = g_utf8_next_char (p);

    if (g_unichar_iscntrl (c))
      c = ' ';
    if (line->len + (gsize) (next - p) > GW_PROFILE_STATUS_MAX_SUMMARY)
      break;
    g_string_append_unichar (line, c);
  }
  return g_strstrip (g_string_free (line, FALSE));
}

gboolean
gw_profile_status_record_test (GwProfileStatus *self,
                               const char      *profile,
                               gint64           when,
                               gboolean         ok,
                               const char      *summary,
                               gboolean         tls_failure,
                               GError         **error)
{
  g_autofree char *line = one_line (summary);

  g_return_val_if_fail (GW_IS_PROFILE_STATUS (self), FALSE);
  g_return_val_if_fail (profile != NULL && *profile != '\0', FALSE);

  g_key_file_remove_group (self->keyfile, profile, NULL);
  g_key_file_set_int64 (self->keyfile, profile, KEY_TIME, when);
  g_key_file_set_boolean (self->keyfile, profile, KEY_OK, ok);
  g_key_file_set_string (self->keyfile, profile, KEY_SUMMARY, line);
  if (tls_failure)
    g_key_file_set_boolean (self->keyfile, profile, KEY_TLS_FAILURE, TRUE);
  return save (self, error);
}

gboolean
gw_profile_status_record_result (GwProfileStatus *self,
                                 const char      *profile,
                                 GVariant        *result,
                                 const GError    *test_error,
                                 GError         **error)
{
  const char *reply = NULL;
  const char *failure = NULL;
  gboolean ok = FALSE;
  g_autoptr(GVariant) certificate = NULL;

  g_return_val_if_fail (result != NULL || test_error != NULL, FALSE);

  if (result == NULL)
    return gw_profile_status_record_test (self, profile, g_get_real_time (), FALSE,
                                          test_error->message, FALSE, error);
  g_variant_lookup (result, "ok", "b", &ok);
  g_variant_lookup (result, "reply", "&s", &reply);
  g_variant_lookup (result, "error", "&s", &failure);
  certificate = g_variant_lookup_value (result, "certificate", G_VARIANT_TYPE_VARDICT);
  /* A failure is best told by its error; a pass by the server's reply. */
  return gw_profile_status_record_test (self, profile, g_get_real_time (), ok,
                                        !ok && failure != NULL && *failure != '\0' ? failure : reply,
                                        !ok && certificate != NULL, error);
}

GVariant *
gw_profile_status_get_last_test (GwProfileStatus *self,
                                 const char      *profile)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autofree char *summary = NULL;
  g_autoptr(GError) error = NULL;
  gint64 when;

  g_return_val_if_fail (GW_IS_PROFILE_STATUS (self), NULL);

  when = g_key_file_get_int64 (self->keyfile, profile, KEY_TIME, &error);
  if (error != NULL)
    return NULL;
  summary = g_key_file_get_string (self->keyfile, profile, KEY_SUMMARY, NULL);
  g_variant_dict_insert (&dict, "time", "x", when);
  g_variant_dict_insert (&dict, "ok", "b", g_key_file_get_boolean (self->keyfile, profile, KEY_OK, NULL));
  g_variant_dict_insert (&dict, "summary", "s", summary != NULL ? summary : "");
  if (g_key_file_get_boolean (self->keyfile, profile, KEY_TLS_FAILURE, NULL))
    g_variant_dict_insert (&dict, "tls-failure", "b", TRUE);
  return g_variant_dict_end (&dict);
}

gboolean
gw_profile_status_forget (GwProfileStatus *self,
                          const char      *profile,
                          GError         **error)
{
  g_return_val_if_fail (GW_IS_PROFILE_STATUS (self), FALSE);

  if (!g_key_file_remove_group (self->keyfile, profile, NULL))
    return TRUE;
  return save (self, error);
}

gboolean
gw_profile_status_prune (GwProfileStatus    *self,
                         GwProfileExistsFunc exists,
                         gpointer            user_data,
                         GError            **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (self->keyfile, NULL);
  gboolean changed = FALSE;

  g_return_val_if_fail (GW_IS_PROFILE_STATUS (self), FALSE);

  for (guint i = 0; groups[i] != NULL; i++) {
    if (exists (groups[i], user_data))
      continue;
    g_key_file_remove_group (self->keyfile, groups[i], NULL);
    changed = TRUE;
  }
  return !changed || save (self, error);
}
