/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-token.h: a bearer token of the gateway's HTTP API */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * HERALD_TOKEN_DEFAULT_RATE:
 *
 * Requests a minute a new token allows unless herald_token_set_rate()
 * says otherwise.
 */
#define HERALD_TOKEN_DEFAULT_RATE 600

#define HERALD_TYPE_TOKEN (herald_token_get_type ())
G_DECLARE_FINAL_TYPE (HeraldToken, herald_token, HERALD, TOKEN, GObject)

HeraldToken        *herald_token_new              (const char         *name);
HeraldToken        *herald_token_new_from_variant (GVariant           *token,
                                                   GError            **error);
const char         *herald_token_get_name         (HeraldToken        *self);
const char * const *herald_token_get_profiles     (HeraldToken        *self);
/* clang-format 14 misplaces "* const *" in aligned declarations: */
/* clang-format off */
void                herald_token_set_profiles     (HeraldToken        *self,
                                                   const char * const *profiles);
const char * const *herald_token_get_tags         (HeraldToken        *self);
void                herald_token_set_tags         (HeraldToken        *self,
                                                   const char * const *tags);
const char * const *herald_token_get_allowed_tags (HeraldToken        *self);
void                herald_token_set_allowed_tags (HeraldToken        *self,
                                                   const char * const *patterns);
/* clang-format on */
guint               herald_token_get_rate         (HeraldToken        *self);
void                herald_token_set_rate         (HeraldToken        *self,
                                                   guint               per_minute);
GDateTime          *herald_token_get_created      (HeraldToken        *self);
GDateTime          *herald_token_get_last_used    (HeraldToken        *self);
GVariant           *herald_token_to_variant       (HeraldToken        *self);

G_END_DECLS
