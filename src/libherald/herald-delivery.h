/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-delivery.h: the state and history of one notification */
#pragma once

#include <glib-object.h>

#include "herald-enums.h"

G_BEGIN_DECLS

#define HERALD_TYPE_DELIVERY (herald_delivery_get_type ())
G_DECLARE_FINAL_TYPE (HeraldDelivery, herald_delivery, HERALD, DELIVERY, GObject)

HeraldDelivery      *herald_delivery_new_from_variant (GVariant        *delivery,
                                                       GError         **error) G_GNUC_WARN_UNUSED_RESULT;
const char          *herald_delivery_get_id           (HeraldDelivery  *self);
HeraldDeliveryState  herald_delivery_get_state        (HeraldDelivery  *self);
gboolean             herald_delivery_is_final         (HeraldDelivery  *self);
const char          *herald_delivery_get_profile      (HeraldDelivery  *self);
const char          *herald_delivery_get_subject      (HeraldDelivery  *self);
const char          *herald_delivery_get_app_name     (HeraldDelivery  *self);
const char          *herald_delivery_get_category     (HeraldDelivery  *self);
HeraldUrgency        herald_delivery_get_urgency      (HeraldDelivery  *self);
guint                herald_delivery_get_attempts     (HeraldDelivery  *self);
GDateTime           *herald_delivery_get_next_attempt (HeraldDelivery  *self);
GDateTime           *herald_delivery_get_created      (HeraldDelivery  *self);
GDateTime           *herald_delivery_get_updated      (HeraldDelivery  *self);
const char          *herald_delivery_get_reply        (HeraldDelivery  *self);
const char          *herald_delivery_get_reason       (HeraldDelivery  *self);
const char          *herald_delivery_get_message_id   (HeraldDelivery  *self);
const char          *herald_delivery_get_summary      (HeraldDelivery  *self);
GPtrArray           *herald_delivery_get_recipients   (HeraldDelivery  *self);
const char * const  *herald_delivery_get_profiles     (HeraldDelivery  *self);
GPtrArray           *herald_delivery_get_log          (HeraldDelivery  *self);
GVariant            *herald_delivery_to_variant       (HeraldDelivery  *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
