/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-request.c: a complete message and its envelope as a door
 * hands it in (D-Bus SendMessage, the maildrop), before it is read */
#define G_LOG_DOMAIN "gw-message"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-message-request.h"
#include "gw-notification.h"

#define MAX_LINE 998

GwMessageRequest *
gw_message_request_new (GBytes *message)
{
  GwMessageRequest *self = g_new0 (GwMessageRequest, 1);

  self->message = g_bytes_ref (message);
  self->recipients = g_new0 (char *, 1);
  return self;
}

void
gw_message_request_free (GwMessageRequest *self)
{
  if (self == NULL)
    return;
  g_bytes_unref (self->message);
  g_free (self->sender);
  g_strfreev (self->recipients);
  g_free (self->full_name);
  g_free (self->app_name);
  g_free (self->idempotency_key);
  g_free (self);
}

/* A single line: no CR, LF or other control, UTF-8, at most 998 bytes. */
static gboolean
check_line (const char *what,
            const char *value,
            HeraldError code,
            GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  if (strlen (value) > MAX_LINE) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("“%s” is longer than %d bytes"), what, MAX_LINE);
    return FALSE;
  }
  if (!gw_check_header_text (what, value, &local_error)) {
    g_set_error_literal (error, HERALD_ERROR, code, local_error->message);
    return FALSE;
  }
  return TRUE;
}

static gboolean
take_string (const char *key,
             GVariant   *value,
             char      **out,
             GError    **error)
{
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                 _("“%s” must be of D-Bus type s, not %s"), key, g_variant_get_type_string (value));
    return FALSE;
  }
  if (!check_line (key, g_variant_get_string (value, NULL), HERALD_ERROR_INVALID_ARGUMENT, error))
    return FALSE;
  g_free (*out);
  *out = *g_variant_get_string (value, NULL) != '\0' ? g_variant_dup_string (value, NULL) : NULL;
  return TRUE;
}

gboolean
gw_message_request_set_options (GwMessageRequest *self,
                                GVariant         *options,
                                GError          **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value)) {
    G_GNUC_UNUSED g_autoptr(GVariant) owned = value;
    gboolean ok;

    if (g_str_equal (key, "extract-recipients")) {
      ok = g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN);
      if (ok)
        self->extract_recipients = g_variant_get_boolean (value);
      else
        g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                     _("“%s” must be of D-Bus type b, not %s"), key, g_variant_get_type_string (value));
    } else if (g_str_equal (key, "full-name")) {
      ok = take_string (key, value, &self->full_name, error);
    } else if (g_str_equal (key, "app-name")) {
      ok = take_string (key, value, &self->app_name, error);
    } else if (g_str_equal (key, "idempotency-key")) {
      ok = take_string (key, value, &self->idempotency_key, error);
    } else {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT,
                   _("Unknown SendMessage option “%s”: use extract-recipients, full-name, "
                     "app-name or idempotency-key"), key);
      ok = FALSE;
    }
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

gboolean
gw_message_request_set_envelope (GwMessageRequest   *self,
                                 const char         *sender,
                                 const char * const *recipients,
                                 GError            **error)
{
  guint n = recipients != NULL ? g_strv_length ((GStrv) recipients) : 0;

  if (sender != NULL && !check_line ("sender", sender, HERALD_ERROR_INVALID_ADDRESS, error))
    return FALSE;
  if (n > GW_MESSAGE_REQUEST_MAX_RECIPIENTS) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
                 _("A message may name at most %d recipients"), GW_MESSAGE_REQUEST_MAX_RECIPIENTS);
    return FALSE;
  }
  for (guint i = 0; i < n; i++) {
    if (!check_line ("recipients", recipients[i], HERALD_ERROR_INVALID_ADDRESS, error))
      return FALSE;
  }
  g_free (self->sender);
  self->sender = sender != NULL && *sender != '\0' ? g_strdup (sender) : NULL;
  g_strfreev (self->recipients);
  self->recipients = recipients != NULL ? g_strdupv ((GStrv) recipients) : g_new0 (char *, 1);
  return TRUE;
}
