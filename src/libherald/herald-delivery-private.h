/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-delivery-private.h: what herald-delivery*.c share */
#pragma once

#include "herald-delivery.h"

G_BEGIN_DECLS

struct _HeraldDelivery {
  GObject              parent_instance;

  GVariant            *dict;
  char                *id;
  HeraldDeliveryState  state;
  char                *profile;
  char                *subject;
  char                *app_name;
  char                *category;
  HeraldUrgency        urgency;
  guint                attempts;
  GDateTime           *next_attempt;
  GDateTime           *created;
  GDateTime           *updated;
  char                *reply;
  char                *reason;
  char                *message_id;
  GPtrArray           *recipients;
  GStrv                profiles;
  GPtrArray           *log;
  char                *summary;
};

G_END_DECLS
