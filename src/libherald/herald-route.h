/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-route.h: one job a notification would be routed to */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HERALD_TYPE_ROUTE (herald_route_get_type ())
G_DECLARE_FINAL_TYPE (HeraldRoute, herald_route, HERALD, ROUTE, GObject)

HeraldRoute        *herald_route_new_from_variant (GVariant    *route,
                                                   GError     **error) G_GNUC_WARN_UNUSED_RESULT;
const char         *herald_route_get_profile      (HeraldRoute *self);
const char         *herald_route_get_transport    (HeraldRoute *self);
const char         *herald_route_get_rule         (HeraldRoute *self);
const char * const *herald_route_get_recipients   (HeraldRoute *self);
const char * const *herald_route_get_added        (HeraldRoute *self);
const char * const *herald_route_get_skipped      (HeraldRoute *self);
GVariant           *herald_route_to_variant       (HeraldRoute *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
