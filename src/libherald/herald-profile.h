/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-profile.h: a named delivery target and its settings */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HERALD_TYPE_PROFILE (herald_profile_get_type ())
G_DECLARE_FINAL_TYPE (HeraldProfile, herald_profile, HERALD, PROFILE, GObject)

HeraldProfile *herald_profile_new                  (const char     *name) G_GNUC_WARN_UNUSED_RESULT;
HeraldProfile *herald_profile_new_from_variant     (GVariant       *settings,
                                                    GError        **error) G_GNUC_WARN_UNUSED_RESULT;
const char    *herald_profile_get_name             (HeraldProfile  *self);
const char    *herald_profile_get_transport        (HeraldProfile  *self);
gboolean       herald_profile_get_is_default       (HeraldProfile  *self);
gboolean       herald_profile_get_password_set     (HeraldProfile  *self);
gboolean       herald_profile_get_secret_set       (HeraldProfile  *self,
                                                    const char     *key);
gboolean       herald_profile_get_uses_default     (HeraldProfile  *self,
                                                    const char     *key);
char         **herald_profile_get_keys             (HeraldProfile  *self) G_GNUC_WARN_UNUSED_RESULT;
gboolean       herald_profile_has_setting          (HeraldProfile  *self,
                                                    const char     *key);
GVariant      *herald_profile_get_setting          (HeraldProfile  *self,
                                                    const char     *key);
const char    *herald_profile_get_string           (HeraldProfile  *self,
                                                    const char     *key);
gboolean       herald_profile_get_boolean          (HeraldProfile  *self,
                                                    const char     *key);
guint64        herald_profile_get_uint64           (HeraldProfile  *self,
                                                    const char     *key);
char         **herald_profile_get_strv             (HeraldProfile  *self,
                                                    const char     *key) G_GNUC_WARN_UNUSED_RESULT;
char          *herald_profile_format_setting       (HeraldProfile  *self,
                                                    const char     *key) G_GNUC_WARN_UNUSED_RESULT;
void           herald_profile_set_setting          (HeraldProfile  *self,
                                                    const char     *key,
                                                    const char     *value);
void           herald_profile_set_setting_variant  (HeraldProfile  *self,
                                                    const char     *key,
                                                    GVariant       *value);
void           herald_profile_reset_setting        (HeraldProfile  *self,
                                                    const char     *key);
GVariant      *herald_profile_get_settings         (HeraldProfile  *self) G_GNUC_WARN_UNUSED_RESULT;
gboolean       herald_profile_get_last_test        (HeraldProfile  *self,
                                                    gint64         *time_us,
                                                    gboolean       *ok,
                                                    const char    **summary);
GVariant      *herald_profile_get_changes          (HeraldProfile  *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
