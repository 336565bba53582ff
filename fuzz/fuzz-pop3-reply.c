/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-pop3-reply.c: libFuzzer target for the POP3 replies that
 * gw_pop_login_async() reads (POP-before-SMTP)
 *
 * Input: one byte whose low bit picks pop-security (0 none: greeting, USER,
 * PASS, QUIT; 1 stls: greeting, STLS and a TLS handshake with what
 * follows), then all a server sends, served by a loopback peer
 * (loopback-peer.c). Beyond sanitizers: the login ends, and no error message
 * shows the password or a line break.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "loopback-peer.h"
#include "gw-pop-login.h"
#include "gw-profile.h"
#include "gw-secret-store.h"
#include "gw-stored-profile.h"
#include "transport-test-util.h"

#define PASSWORD "fuzz-secret-7q"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static GwProfile *profiles[2];

static GwProfile *
make_profile (GwSecretStore *secrets,
              const char    *name,
              const char    *security,
              guint16        port)
{
  GwProfile *profile = gw_stored_profile_new (name, secrets);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) settings = NULL;

  g_variant_dict_insert (&dict, "transport", "s", "smtp");
  g_variant_dict_insert (&dict, "host", "s", "127.0.0.1");
  g_variant_dict_insert (&dict, "pop-before-smtp", "s", "true");
  g_variant_dict_insert (&dict, "pop-host", "s", "127.0.0.1");
  g_variant_dict_insert (&dict, "pop-port", "s", port_text);
  g_variant_dict_insert (&dict, "pop-security", "s", security);
  g_variant_dict_insert (&dict, "pop-username", "s", "fuzz");
  g_variant_dict_insert (&dict, "conversation-timeout", "s", "5");
  settings = g_variant_ref_sink (g_variant_dict_end (&dict));
  if (!gw_stored_profile_apply (profile, settings, NULL) ||
      !gw_secret_store_set (secrets, name, "pop-password", PASSWORD, NULL))
    abort ();
  return profile;
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* the transports declare the keys the profile below sets */
  GwPluginLoader *transports G_GNUC_UNUSED = herald_test_load_transports ();
  g_autofree char *state_dir = g_dir_make_tmp ("herald-fuzz-pop-XXXXXX", NULL);
  g_autoptr(GwSecretStore) secrets = NULL;
  guint16 port = fuzz_peer_start ();

  secrets = gw_secret_store_new (state_dir, NULL);
  if (secrets == NULL)
    abort ();
  profiles[0] = make_profile (secrets, "pop-none", "none", port);
  profiles[1] = make_profile (secrets, "pop-stls", "stls", port);
  return 0;
}

static void
login_cb (GObject      *source,
          GAsyncResult *res,
          gpointer      user_data)
{
  GError **out = user_data;
  GError *error = NULL;

  if (gw_pop_login_finish (res, &error))
    *out = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "ok");
  else
    *out = error;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) result = NULL;

  if (size < 1 || size > 16384)
    return 0;
  fuzz_peer_set_reply (data + 1, size - 1);
  gw_pop_login_async (profiles[data[0] & 1], NULL, login_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (strstr (result->message, PASSWORD) != NULL || strpbrk (result->message, "\r\n") != NULL)
    abort ();
  return 0;
}
