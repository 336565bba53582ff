/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-notification-private.h: what the herald-notification*.c files share */
#pragma once

#include "herald-notification.h"

G_BEGIN_DECLS

typedef struct {
  char *name;
  char *content_type;
  int   fd;
} HeraldAttachment;

struct _HeraldNotification {
  GObject        parent_instance;

  GPtrArray     *to;          /* each NULL-terminated, so its pdata is a strv */
  GPtrArray     *cc;
  GPtrArray     *bcc;
  GPtrArray     *fax;
  GPtrArray     *tags;
  GHashTable    *headers;
  GArray        *attachments; /* HeraldAttachment */
  char          *subject;
  char          *body;
  char          *html;
  char          *from;
  char          *reply_to;
  char          *category;
  char          *app_name;
  char          *profile;
  char          *idempotency_key;
  gboolean       has_urgency;
  HeraldUrgency  urgency;
};

/* The properties; the herald-notification*.c files notify them. */
enum {
  HERALD_NOTIFICATION_PROP_0,
  HERALD_NOTIFICATION_PROP_TO,
  HERALD_NOTIFICATION_PROP_CC,
  HERALD_NOTIFICATION_PROP_BCC,
  HERALD_NOTIFICATION_PROP_FAX,
  HERALD_NOTIFICATION_PROP_TAGS,
  HERALD_NOTIFICATION_PROP_SUBJECT,
  HERALD_NOTIFICATION_PROP_BODY,
  HERALD_NOTIFICATION_PROP_HTML,
  HERALD_NOTIFICATION_PROP_FROM,
  HERALD_NOTIFICATION_PROP_REPLY_TO,
  HERALD_NOTIFICATION_PROP_CATEGORY,
  HERALD_NOTIFICATION_PROP_APP_NAME,
  HERALD_NOTIFICATION_PROP_PROFILE,
  HERALD_NOTIFICATION_PROP_IDEMPOTENCY_KEY,
  HERALD_NOTIFICATION_PROP_URGENCY,
  HERALD_NOTIFICATION_PROP_HEADERS,
  HERALD_NOTIFICATION_PROP_N_ATTACHMENTS,
  HERALD_NOTIFICATION_N_PROPS
};

/* herald-notification.c: each setter notifies only when the value changes */
void        herald_notification_notify                (HeraldNotification  *self,
                                                       guint                prop_id);
GPtrArray  *herald_notification_list_for              (HeraldNotification  *self,
                                                       guint                prop_id);
const char * const *herald_notification_get_list (HeraldNotification *self,
                                                 guint               prop_id);
char      **herald_notification_field_for             (HeraldNotification  *self,
                                                       guint                prop_id);
void        herald_notification_set_string_property   (HeraldNotification  *self,
                                                       guint                prop_id,
                                                       const char          *value);
void        herald_notification_set_list_property     (HeraldNotification  *self,
                                                       guint                prop_id,
                                                       const char *const   *values);
void        herald_notification_add_to_list_property  (HeraldNotification  *self,
                                                       guint                prop_id,
                                                       const char          *value);
void        herald_notification_replace_headers       (HeraldNotification  *self,
                                                       GVariant            *headers);
GVariant   *herald_notification_headers_variant       (HeraldNotification  *self);

/* herald-notification-attachments.c */
void      herald_notification_attachment_clear     (gpointer             attachment);
/* Adds @fd (stolen) as an attachment and notifies "n-attachments". */
void      herald_notification_append_attachment    (HeraldNotification  *self,
                                                    const char          *name,
                                                    const char          *content_type,
                                                    int                  fd);
GVariant *herald_notification_attachments_variant  (HeraldNotification  *self,
                                                    GUnixFDList         *fds,
                                                    GError             **error);

G_END_DECLS
