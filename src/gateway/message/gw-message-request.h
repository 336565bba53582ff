/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-request.h: a complete message and its envelope as a door
 * hands it in (D-Bus SendMessage, the maildrop), before it is read */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The most recipients SendMessage takes as arguments. */
#define GW_MESSAGE_REQUEST_MAX_RECIPIENTS 1000

typedef struct {
  GBytes   *message;             /* as handed in */
  char     *sender;              /* sendmail -f / -r, or NULL */
  GStrv     recipients;          /* never NULL; may be empty with extract_recipients */
  gboolean  extract_recipients;  /* sendmail -t */
  char     *full_name;           /* sendmail -F, or NULL */
  char     *app_name;            /* -F or the calling program's name, or NULL */
  char     *idempotency_key;     /* or NULL */
} GwMessageRequest;

GwMessageRequest *gw_message_request_new         (GBytes            *message);
void              gw_message_request_free        (GwMessageRequest  *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GwMessageRequest, gw_message_request_free)

/* Takes the options of SendMessage (a{sv}): extract-recipients (b),
 * full-name, app-name, idempotency-key (s). Unknown keys, wrong types and
 * text with line breaks or control characters are
 * HERALD_ERROR_INVALID_ARGUMENT naming the key. */
gboolean          gw_message_request_set_options (GwMessageRequest  *self,
                                                  GVariant          *options,
                                                  GError           **error);

/* Takes @sender ("" for none) and @recipients, each a single line of at
 * most 998 bytes without control characters (HERALD_ERROR_INVALID_ADDRESS),
 * at most GW_MESSAGE_REQUEST_MAX_RECIPIENTS (HERALD_ERROR_TOO_LARGE). */
gboolean          gw_message_request_set_envelope (GwMessageRequest  *self,
                                                   const char        *sender,
                                                   const char * const *recipients,
                                                   GError           **error);

G_END_DECLS
