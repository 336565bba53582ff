/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-test-result.h: how a test of a profile went */
#pragma once

#include <glib-object.h>

#include "herald-certificate.h"

G_BEGIN_DECLS

#define HERALD_TYPE_TEST_RESULT (herald_test_result_get_type ())
G_DECLARE_FINAL_TYPE (HeraldTestResult, herald_test_result, HERALD, TEST_RESULT, GObject)

HeraldTestResult   *herald_test_result_new_from_variant   (GVariant          *result,
                                                          GError           **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean            herald_test_result_get_ok             (HeraldTestResult  *self);
const char         *herald_test_result_get_reply          (HeraldTestResult  *self);
const char         *herald_test_result_get_enhanced_code  (HeraldTestResult  *self);
const char         *herald_test_result_get_tls            (HeraldTestResult  *self);
const char * const *herald_test_result_get_transcript     (HeraldTestResult  *self);
const char         *herald_test_result_get_error_message  (HeraldTestResult  *self);
HeraldCertificate  *herald_test_result_get_certificate    (HeraldTestResult  *self);
GVariant           *herald_test_result_to_variant         (HeraldTestResult  *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
