/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-attempt.h: one attempt at a delivery, from the outgoing log */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HERALD_TYPE_ATTEMPT (herald_attempt_get_type ())
G_DECLARE_FINAL_TYPE (HeraldAttempt, herald_attempt, HERALD, ATTEMPT, GObject)

HeraldAttempt      *herald_attempt_new_from_variant   (GVariant      *attempt,
                                                       GError       **error) G_GNUC_WARN_UNUSED_RESULT;
GDateTime          *herald_attempt_get_started        (HeraldAttempt *self);
guint               herald_attempt_get_duration_ms    (HeraldAttempt *self);
const char         *herald_attempt_get_profile        (HeraldAttempt *self);
const char         *herald_attempt_get_result         (HeraldAttempt *self);
const char         *herald_attempt_get_reply          (HeraldAttempt *self);
const char         *herald_attempt_get_enhanced_code  (HeraldAttempt *self);
const char         *herald_attempt_get_tls            (HeraldAttempt *self);
const char * const *herald_attempt_get_recipients     (HeraldAttempt *self);
GVariant           *herald_attempt_to_variant         (HeraldAttempt *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
