/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-notification.h: a notification to send */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "herald-enums.h"

G_BEGIN_DECLS

#define HERALD_TYPE_NOTIFICATION (herald_notification_get_type ())
G_DECLARE_FINAL_TYPE (HeraldNotification, herald_notification, HERALD, NOTIFICATION, GObject)

HeraldNotification *herald_notification_new                  (void) G_GNUC_WARN_UNUSED_RESULT;

void                herald_notification_add_to               (HeraldNotification  *self,
                                                              const char          *address);
void                herald_notification_set_to               (HeraldNotification  *self,
                                                              const char * const  *addresses);
const char * const *herald_notification_get_to               (HeraldNotification  *self);
void                herald_notification_add_cc               (HeraldNotification  *self,
                                                              const char          *address);
void                herald_notification_set_cc               (HeraldNotification  *self,
                                                              const char * const  *addresses);
const char * const *herald_notification_get_cc               (HeraldNotification  *self);
void                herald_notification_add_bcc              (HeraldNotification  *self,
                                                              const char          *address);
void                herald_notification_set_bcc              (HeraldNotification  *self,
                                                              const char * const  *addresses);
const char * const *herald_notification_get_bcc              (HeraldNotification  *self);
void                herald_notification_add_fax              (HeraldNotification  *self,
                                                              const char          *number);
void                herald_notification_set_fax              (HeraldNotification  *self,
                                                              const char * const  *numbers);
const char * const *herald_notification_get_fax              (HeraldNotification  *self);
void                herald_notification_add_tag              (HeraldNotification  *self,
                                                              const char          *tag);
void                herald_notification_set_tags             (HeraldNotification  *self,
                                                              const char * const  *tags);
const char * const *herald_notification_get_tags             (HeraldNotification  *self);

void                herald_notification_set_subject          (HeraldNotification  *self,
                                                              const char          *subject);
const char         *herald_notification_get_subject          (HeraldNotification  *self);
void                herald_notification_set_body             (HeraldNotification  *self,
                                                              const char          *body);
const char         *herald_notification_get_body             (HeraldNotification  *self);
void                herald_notification_set_html             (HeraldNotification  *self,
                                                              const char          *html);
const char         *herald_notification_get_html             (HeraldNotification  *self);
void                herald_notification_set_from             (HeraldNotification  *self,
                                                              const char          *from);
const char         *herald_notification_get_from             (HeraldNotification  *self);
void                herald_notification_set_reply_to         (HeraldNotification  *self,
                                                              const char          *reply_to);
const char         *herald_notification_get_reply_to         (HeraldNotification  *self);
void                herald_notification_set_header           (HeraldNotification  *self,
                                                              const char          *name,
                                                              const char          *value);
const char         *herald_notification_get_header           (HeraldNotification  *self,
                                                              const char          *name);
void                herald_notification_set_category         (HeraldNotification  *self,
                                                              const char          *category);
const char         *herald_notification_get_category         (HeraldNotification  *self);
void                herald_notification_set_urgency          (HeraldNotification  *self,
                                                              HeraldUrgency        urgency);
HeraldUrgency       herald_notification_get_urgency          (HeraldNotification  *self);
void                herald_notification_set_app_name         (HeraldNotification  *self,
                                                              const char          *app_name);
const char         *herald_notification_get_app_name         (HeraldNotification  *self);
void                herald_notification_set_profile          (HeraldNotification  *self,
                                                              const char          *profile);
const char         *herald_notification_get_profile          (HeraldNotification  *self);
void                herald_notification_set_idempotency_key  (HeraldNotification  *self,
                                                              const char          *idempotency_key);
const char         *herald_notification_get_idempotency_key  (HeraldNotification  *self);

gboolean            herald_notification_add_attachment_fd    (HeraldNotification  *self,
                                                              const char          *name,
                                                              const char          *content_type,
                                                              int                  fd,
                                                              GError             **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean            herald_notification_add_attachment_path  (HeraldNotification  *self,
                                                              const char          *path,
                                                              const char          *name,
                                                              const char          *content_type,
                                                              GError             **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean            herald_notification_add_attachment_file  (HeraldNotification  *self,
                                                              GFile               *file,
                                                              const char          *name,
                                                              const char          *content_type,
                                                              GCancellable        *cancellable,
                                                              GError             **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean            herald_notification_add_attachment_bytes (HeraldNotification  *self,
                                                              GBytes              *bytes,
                                                              const char          *name,
                                                              const char          *content_type,
                                                              GError             **error) G_GNUC_WARN_UNUSED_RESULT;
guint               herald_notification_get_n_attachments    (HeraldNotification  *self);
GVariant           *herald_notification_to_variant           (HeraldNotification  *self,
                                                              GUnixFDList        **fd_list,
                                                              GError             **error) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
