/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-recipient-kinds.c: the recipient kinds of the loaded transports */
#define G_LOG_DOMAIN "gw-recipient-kinds"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-recipient-kinds.h"

/* Keys of Send and of routing rules that a kind must not shadow. */
static const char * const reserved[] = {
  "to", "cc", "bcc", "subject", "body", "html", "from", "reply-to", "headers",
  "attachments", "category", "urgency", "app-name", "tags", "profile", "idempotency-key",
  NULL
};

static GMutex kinds_lock;
static GHashTable *kinds;        /* kind → GwTransport */
static GHashTable *by_transport; /* transport name → kind */

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

gboolean
gw_recipient_kinds_add (GwTransport *transport,
                        GError     **error)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&kinds_lock);
  const char *kind = gw_transport_get_recipient_kind (transport);
  GwTransport *existing;

  if (kind == NULL)
    return TRUE;
  if (kinds == NULL) {
    kinds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
    by_transport = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  }
  existing = g_hash_table_lookup (kinds, kind);
  if (existing != NULL && G_OBJECT_TYPE (existing) == G_OBJECT_TYPE (transport))
    return TRUE;
  if (g_strv_contains (reserved, kind) || existing != NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_FAILED,
                 _("Transport “%s” declares the recipient kind “%s”, which is taken"),
                 gw_transport_get_name (transport), kind);
    return FALSE;
  }
  g_hash_table_insert (kinds, g_strdup (kind), g_object_ref (transport));
  g_hash_table_insert (by_transport, g_strdup (gw_transport_get_name (transport)), g_strdup (kind));
  return TRUE;
}

GwTransport *
gw_recipient_kinds_lookup (const char *kind)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&kinds_lock);

  return kinds != NULL && kind != NULL ? g_hash_table_lookup (kinds, kind) : NULL;
}

const char *
gw_recipient_kinds_of_transport (const char *transport)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&kinds_lock);

  return by_transport != NULL && transport != NULL ? g_hash_table_lookup (by_transport, transport) : NULL;
}

GStrv
gw_recipient_kinds_dup_all (void)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&kinds_lock);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  if (kinds != NULL) {
    g_hash_table_iter_init (&iter, kinds);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_ptr_array_add (names, key);
  }
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    g_strv_builder_add (builder, names->pdata[i]);
  return g_strv_builder_end (builder);
}

gboolean
gw_recipient_kinds_check (const char         *kind,
                          const char * const *addresses,
                          GError            **error)
{
  GwTransport *transport = gw_recipient_kinds_lookup (kind);

  g_return_val_if_fail (transport != NULL, FALSE);
  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++) {
    if (!gw_transport_check_recipient (transport, addresses[i], error))
      return FALSE;
  }
  return TRUE;
}
