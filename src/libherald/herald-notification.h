/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-notification.h: a notification to send */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "herald-enums.h"

G_BEGIN_DECLS

#define HERALD_TYPE_NOTIFICATION (herald_notification_get_type ())
G_DECLARE_FINAL_TYPE (HeraldNotification, herald_notification, HERALD, NOTIFICATION, GObject)

HeraldNotification *herald_notification_new                 (void);
void                herald_notification_add_to              (HeraldNotification  *self,
                                                             const char          *address);
void                herald_notification_add_cc              (HeraldNotification  *self,
                                                             const char          *address);
void                herald_notification_add_bcc             (HeraldNotification  *self,
                                                             const char          *address);
void                herald_notification_add_fax             (HeraldNotification  *self,
                                                             const char          *number);
void                herald_notification_set_subject         (HeraldNotification  *self,
                                                             const char          *subject);
void                herald_notification_set_body            (HeraldNotification  *self,
                                                             const char          *body);
void                herald_notification_set_html            (HeraldNotification  *self,
                                                             const char          *html);
void                herald_notification_set_from            (HeraldNotification  *self,
                                                             const char          *from);
void                herald_notification_set_reply_to        (HeraldNotification  *self,
                                                             const char          *reply_to);
void                herald_notification_set_header          (HeraldNotification  *self,
                                                             const char          *name,
                                                             const char          *value);
void                herald_notification_set_category        (HeraldNotification  *self,
                                                             const char          *category);
void                herald_notification_set_urgency         (HeraldNotification  *self,
                                                             HeraldUrgency        urgency);
void                herald_notification_set_app_name        (HeraldNotification  *self,
                                                             const char          *app_name);
void                herald_notification_add_tag             (HeraldNotification  *self,
                                                             const char          *tag);
void                herald_notification_set_profile         (HeraldNotification  *self,
                                                             const char          *profile);
void                herald_notification_set_idempotency_key (HeraldNotification  *self,
                                                             const char          *key);
gboolean            herald_notification_add_attachment_fd   (HeraldNotification  *self,
                                                             const char          *name,
                                                             const char          *content_type,
                                                             int                  fd,
                                                             GError             **error);
gboolean            herald_notification_add_attachment_path (HeraldNotification  *self,
                                                             const char          *path,
                                                             const char          *name,
                                                             const char          *content_type,
                                                             GError             **error);
guint               herald_notification_get_n_attachments   (HeraldNotification  *self);
GVariant           *herald_notification_to_variant          (HeraldNotification  *self,
                                                             GUnixFDList        **fd_list,
                                                             GError             **error);

G_END_DECLS
