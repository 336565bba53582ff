/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-envelope.c: a complete message on its way to one routed
 * profile (what the composer is for a notification) */
#define G_LOG_DOMAIN "gw-message"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-address.h"
#include "gw-message-envelope.h"
#include "gw-recipient-kinds.h"

static gboolean
check_size (GwProfile  *profile,
            GwMessage  *message,
            GError    **error)
{
  guint64 limit = gw_profile_get_uint (profile, "max-attachment-size");
  g_autofree char *total = NULL;
  g_autofree char *limit_text = NULL;

  if (limit == 0 || message->attachments_size <= limit)
    return TRUE;
  total = g_strdup_printf ("%" G_GUINT64_FORMAT, message->attachments_size);
  limit_text = g_strdup_printf ("%" G_GUINT64_FORMAT, limit);
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE,
               _("The message's %u attachments total %s bytes, more than the %s bytes profile “%s” allows"),
               message->n_attachments, total, limit_text, gw_profile_get_name (profile));
  return FALSE;
}

static char *
envelope_sender (GwProfile  *profile,
                 const char *sender,
                 const char *default_sender,
                 GError    **error)
{
  const char *from = gw_profile_get_string (profile, "from-address");
  char *addr = NULL;

  if (sender != NULL && gw_profile_get_boolean (profile, "allow-from-override")) {
    if (!gw_address_parse ("sender", sender, gw_profile_get_boolean (profile, "strict-addresses"),
                           NULL, &addr, error))
      return NULL;
    return addr;
  }
  if (sender != NULL)
    g_info ("Envelope sender %s not used: profile %s does not allow it (allow-from-override)",
            sender, gw_profile_get_name (profile));
  if (from != NULL && gw_address_parse ("from-address", from, FALSE, NULL, &addr, NULL))
    return addr;
  return g_strdup (default_sender);
}

/* Adds each address of @list once (case-insensitive) as @kind. */
static gboolean
add_recipients (GwEnvelope *envelope,
                GPtrArray  *seen,
                GStrv       list,
                const char *kind,
                gboolean    strict,
                GError    **error)
{
  for (guint i = 0; list != NULL && list[i] != NULL; i++) {
    g_autofree char *addr = NULL;
    gboolean duplicate = FALSE;

    if (!gw_address_parse (kind, list[i], strict, NULL, &addr, error))
      return FALSE;
    for (guint j = 0; j < seen->len && !duplicate; j++)
      duplicate = g_ascii_strcasecmp (g_ptr_array_index (seen, j), addr) == 0;
    if (duplicate)
      continue;
    gw_envelope_add_recipient (envelope, addr, kind);
    g_ptr_array_add (seen, g_steal_pointer (&addr));
  }
  return TRUE;
}

GwEnvelope *
gw_message_envelope_new (GwProfile  *profile,
                         GwMessage  *message,
                         GwRoute    *route,
                         const char *sender,
                         const char *default_sender,
                         GError    **error)
{
  gboolean strict = gw_profile_get_boolean (profile, "strict-addresses");
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autofree char *from = NULL;

  /* The message is final: a transport with recipients of its own kind
   * (numbers to dial, say) has nothing to make of it. */
  if ((route->others != NULL && route->others[0] != NULL) ||
      gw_recipient_kinds_of_transport (route->transport) != NULL) {
    const char *kind = gw_recipient_kinds_of_transport (route->transport);

    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NOT_SUPPORTED,
                 _("Profile “%s” delivers to “%s” recipients; a complete message goes by mail only"),
                 gw_profile_get_name (profile), kind != NULL ? kind : route->transport);
    return NULL;
  }
  if (!check_size (profile, message, error))
    return NULL;
  from = envelope_sender (profile, sender, default_sender, error);
  if (from == NULL)
    return NULL;
  envelope = gw_envelope_new (NULL, from, message->message_id, message->message);
  if (!add_recipients (envelope, seen, route->to, "to", strict, error) ||
      !add_recipients (envelope, seen, route->cc, "cc", strict, error) ||
      !add_recipients (envelope, seen, route->bcc, "bcc", strict, error))
    return NULL;
  if (gw_envelope_get_n_recipients (envelope) == 0) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_RECIPIENTS,
                 _("The message has no recipient for profile “%s”"), gw_profile_get_name (profile));
    return NULL;
  }
  return g_steal_pointer (&envelope);
}
