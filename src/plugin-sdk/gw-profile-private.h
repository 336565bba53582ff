/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile-private.h: what the daemon implements behind GwProfile
 *
 * Not installed: transports see profiles only through gw-profile.h. The
 * daemon's GwStoredProfile subclasses GwProfile and fills these in.
 */
#pragma once

#include "gw-profile.h"

G_BEGIN_DECLS

struct _GwProfileClass {
  GObjectClass parent_class;

  const char *(*get_name)      (GwProfile   *self);
  const char *(*get_transport) (GwProfile   *self);
  /* (transfer none) the explicit or default value of a key that is not a
   * secret, in its canonical type, or NULL when unset. Checks nothing:
   * gw-profile.c does. */
  GVariant   *(*lookup_value)  (GwProfile   *self,
                                const char  *key);
  gboolean    (*is_set)        (GwProfile   *self,
                                const char  *key);
  /* Whether @key is a key this profile has, and whether it is a secret
   * (@secret may be NULL). */
  gboolean    (*lookup_key)    (GwProfile   *self,
                                const char  *key,
                                gboolean    *secret);
  gboolean    (*has_secret)    (GwProfile   *self,
                                const char  *key);
  char       *(*dup_secret)    (GwProfile   *self,
                                const char  *key,
                                GError     **error);
  gboolean    (*store_secret)  (GwProfile   *self,
                                const char  *key,
                                const char  *value,
                                GError     **error);
  /* (transfer none) for a profile whose server is given by a URL rather
   * than the "host" key (an HTTP API): the value of its transport's URL
   * key flagged GW_SETTING_FLAG_SERVER_HOST, or NULL. */
  const char *(*get_server_url) (GwProfile  *self);

  gpointer padding[7];
};

/* The profile's server URL (see get_server_url above), or NULL. */
const char *gw_profile_get_server_url (GwProfile *self);

G_END_DECLS
