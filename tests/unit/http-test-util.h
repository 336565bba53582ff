/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* http-test-util.h: a real HTTP client for tests whose server runs on the
 * same main context */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sends @method @url and returns the status; @body and @content_type
 * (either may be NULL) receive the response. */
guint herald_test_http_get (const char  *method,
                            const char  *url,
                            GBytes     **body,
                            char       **content_type);

/* The same, trusting the CA certificates in @ca_file (or the system's). */
guint herald_test_http_get_full (const char  *method,
                                 const char  *url,
                                 const char  *ca_file,
                                 GBytes     **body,
                                 char       **content_type);

G_END_DECLS
