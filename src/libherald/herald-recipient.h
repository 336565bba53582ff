/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-recipient.h: one recipient of a delivery and its own result */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HERALD_TYPE_RECIPIENT (herald_recipient_get_type ())
G_DECLARE_FINAL_TYPE (HeraldRecipient, herald_recipient, HERALD, RECIPIENT, GObject)

HeraldRecipient *herald_recipient_new_from_variant  (GVariant        *recipient,
                                                    GError         **error) G_GNUC_WARN_UNUSED_RESULT;
const char      *herald_recipient_get_address       (HeraldRecipient *self);
const char      *herald_recipient_get_kind          (HeraldRecipient *self);
const char      *herald_recipient_get_state         (HeraldRecipient *self);
const char      *herald_recipient_get_reply         (HeraldRecipient *self);
const char      *herald_recipient_get_enhanced_code (HeraldRecipient *self);
const char      *herald_recipient_get_profile       (HeraldRecipient *self);

G_END_DECLS
