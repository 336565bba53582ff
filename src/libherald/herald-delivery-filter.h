/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-delivery-filter.h: which deliveries to list */
#pragma once

#include <glib-object.h>

#include "herald-enums.h"

G_BEGIN_DECLS

#define HERALD_TYPE_DELIVERY_FILTER (herald_delivery_filter_get_type ())
G_DECLARE_FINAL_TYPE (HeraldDeliveryFilter, herald_delivery_filter, HERALD, DELIVERY_FILTER, GObject)

HeraldDeliveryFilter *herald_delivery_filter_new          (void) G_GNUC_WARN_UNUSED_RESULT;
void                  herald_delivery_filter_set_state    (HeraldDeliveryFilter *self,
                                                           HeraldDeliveryState   state);
void                  herald_delivery_filter_set_profile  (HeraldDeliveryFilter *self,
                                                           const char           *profile);
void                  herald_delivery_filter_set_app_name (HeraldDeliveryFilter *self,
                                                           const char           *app_name);
void                  herald_delivery_filter_set_since    (HeraldDeliveryFilter *self,
                                                           GDateTime            *since);
void                  herald_delivery_filter_set_until    (HeraldDeliveryFilter *self,
                                                           GDateTime            *until);
void                  herald_delivery_filter_set_limit    (HeraldDeliveryFilter *self,
                                                           guint                 limit);
void                  herald_delivery_filter_set_include_log (HeraldDeliveryFilter *self,
                                                              gboolean              include_log);
GVariant             *herald_delivery_filter_to_variant   (HeraldDeliveryFilter *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
