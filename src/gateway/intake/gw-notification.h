/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-notification.h: a Send() request, checked and unpacked */
#pragma once

#include <gio/gio.h>

#include "gw-message-source.h"

G_BEGIN_DECLS

typedef struct {
  char  *name;
  char  *content_type;   /* NULL: detect */
  GBytes *data;          /* or, when NULL: */
  GwMessageSource *file; /* the bytes in a file with no name (gw-message-file.c) */
} GwAttachment;

/* An attachment of this size or more, passed as a descriptor, is copied
 * into a file in the spool directory rather than read into memory. */
#define GW_ATTACHMENT_FILE_MIN (192 * 1024)

gsize         gw_attachment_get_size (const GwAttachment *attachment);
/* A stream of the attachment's bytes from the start. */
GInputStream *gw_attachment_open     (const GwAttachment *attachment,
                                      GError            **error);

typedef struct {
  GStrv      to;
  GStrv      cc;
  GStrv      bcc;
  GHashTable *others;       /* recipient kind of a transport ("sms") → GStrv */
  char      *subject;
  char      *body;
  char      *html;
  char      *from;
  char      *reply_to;
  GPtrArray *headers;       /* alternating name, value */
  GPtrArray *attachments;   /* GwAttachment */
  guint64    attachments_size;
  char      *category;
  guint8     urgency;       /* 0 low, 1 normal, 2 critical */
  char      *app_name;
  GStrv      tags;
  char      *profile;
  char      *idempotency_key;
  /* The local names (lower case) a complete message was addressed to
   * before aliases replaced them ("root"), for the rule key
   * "local-recipient"; NULL for Send. */
  GStrv      local_recipients;
} GwNotification;

/* Hard ceiling on attachment bytes of one notification, whatever the
 * profile allows: the composed message is kept in the queue's database. */
#define GW_NOTIFICATION_MAX_ATTACHMENTS_SIZE (G_GUINT64_CONSTANT (64) * 1024 * 1024)
#define GW_NOTIFICATION_MAX_ATTACHMENTS      100

/*
 * Checks every key's type and value (unknown keys, control characters,
 * urgency range) and reads the attachments from @fd_list, which must be
 * regular files. Errors are HERALD_ERROR codes naming the key.
 */
GwNotification *gw_notification_new_from_variant (GVariant    *dict,
                                                  GUnixFDList *fd_list,
                                                  GError     **error);
/* The same, with the attachments read off the main thread. */
void            gw_notification_new_from_variant_async  (GVariant           *dict,
                                                         GUnixFDList        *fd_list,
                                                         const char         *spool_dir,
                                                         GAsyncReadyCallback callback,
                                                         gpointer            user_data);
GwNotification *gw_notification_new_from_variant_finish (GAsyncResult       *result,
                                                         GError            **error);
/*
 * Adds an attachment read by a door other than D-Bus (the HTTP API), with
 * the checks Send makes: a plain file name, a type/subtype content type
 * or NULL/"" to detect it, at most 100 attachments and the gateway's
 * ceiling on their total size (HERALD_ERROR_TOO_LARGE).
 */
/* Reads Send's "attachments" (a(ssh): name, content type, the index of a
 * descriptor in @fd_list) into @self (gw-notification-attachments.c); a
 * large one is copied into a file with no name in @spool_dir (NULL: read
 * into memory). */
gboolean        gw_notification_take_attachments (GwNotification *self,
                                                  GVariant       *value,
                                                  GUnixFDList    *fd_list,
                                                  const char     *spool_dir,
                                                  GError        **error);
gboolean        gw_notification_add_attachment   (GwNotification *self,
                                                  const char     *name,
                                                  const char     *content_type,
                                                  GBytes         *data,
                                                  GError        **error);
/* Recipients of every kind: to, cc, bcc and the transports' own. */
guint           gw_notification_count_recipients (GwNotification *self);
/* (transfer full) “to”, “cc”, “bcc” or “sms”: the keys that name
 * recipients, for an error message. */
char           *gw_notification_dup_recipient_keys (void);
/* (transfer none) the recipients of @kind, or NULL */
GStrv           gw_notification_get_others       (GwNotification *self,
                                                  const char     *kind);
/* An empty notification (urgency normal), for messages the daemon makes. */
GwNotification *gw_notification_new              (void);
void            gw_notification_free             (GwNotification *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwNotification, gw_notification_free)

/* Refuses CR, LF, NUL and other C0 controls except TAB. */
gboolean        gw_check_header_text             (const char *what,
                                                  const char *value,
                                                  GError    **error);

G_END_DECLS
