/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-redirect-guard.h: the credential-redirect guard's decision */
#pragma once

#include "gw-profile.h"

G_BEGIN_DECLS

/*
 * Whether changing @profile by @settings (a{sv}, as UpdateProfile takes
 * it) could send one of its stored secrets somewhere else: the profile
 * holds a secret, and @settings names a key that some declaration marks
 * GW_SETTING_FLAG_REDIRECTS_SECRETS. The key set is derived from the
 * specs of the daemon and of every loaded transport; nothing lists keys
 * by hand, so a key a transport declares with the flag is guarded as soon
 * as the transport is loaded.
 */
gboolean gw_redirect_guard_applies (GwProfile *profile,
                                    GVariant  *settings);

G_END_DECLS
