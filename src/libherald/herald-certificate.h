/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-certificate.h: a server certificate Herald refused */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HERALD_TYPE_CERTIFICATE (herald_certificate_get_type ())
G_DECLARE_FINAL_TYPE (HeraldCertificate, herald_certificate, HERALD, CERTIFICATE, GObject)

HeraldCertificate  *herald_certificate_new_from_variant      (GVariant          *certificate,
                                                             GError           **error) G_GNUC_WARN_UNUSED_RESULT;
const char         *herald_certificate_get_host             (HeraldCertificate *self);
guint16             herald_certificate_get_port             (HeraldCertificate *self);
const char         *herald_certificate_get_subject          (HeraldCertificate *self);
const char         *herald_certificate_get_issuer           (HeraldCertificate *self);
GDateTime          *herald_certificate_get_not_before       (HeraldCertificate *self);
GDateTime          *herald_certificate_get_not_after        (HeraldCertificate *self);
const char         *herald_certificate_get_sha256_fingerprint (HeraldCertificate *self);
const char         *herald_certificate_get_spki_pin         (HeraldCertificate *self);
const char * const *herald_certificate_get_errors           (HeraldCertificate *self);
GVariant           *herald_certificate_to_variant           (HeraldCertificate *self) G_GNUC_WARN_UNUSED_RESULT;
const char         *herald_certificate_get_profile          (HeraldCertificate *self);
GDateTime          *herald_certificate_get_first_seen       (HeraldCertificate *self);
GDateTime          *herald_certificate_get_last_seen        (HeraldCertificate *self);
GDateTime          *herald_certificate_get_trusted_at       (HeraldCertificate *self);

G_END_DECLS
