/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-hylafax-reply.c: libFuzzer target for hfaxd's replies as the HylaFAX
 * backend reads them (plugins/fax/gw-fax-hylafax.c, -jobs.c)
 *
 * Input: one byte whose low bit picks the exchange (0: log in,
 * gw_hylafax_conn_open(); 1: log in and follow a job, gw_fax_hylafax_poll()),
 * then all the server sends, served by a loopback peer (loopback-peer.c).
 * Beyond sanitizers: a reply kept for people has no control characters, and
 * no error shows the password.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loopback-peer.h"
#include "gw-fax-hylafax.h"
#include "gw-secret-store.h"
#include "gw-stored-profile.h"
#include "transport-test-util.h"

#define PASSWORD "fuzz-secret-7q"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static GwProfile *profile;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* the transports declare the keys the profile below sets */
  GwPluginLoader *transports G_GNUC_UNUSED = herald_test_load_transports ();
  g_autofree char *state_dir = g_dir_make_tmp ("herald-fuzz-hylafax-XXXXXX", NULL);
  g_autoptr(GwSecretStore) secrets = gw_secret_store_new (state_dir, NULL);
  g_autofree char *port = g_strdup_printf ("%u", fuzz_peer_start ());
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) settings = NULL;

  if (secrets == NULL)
    abort ();
  profile = gw_stored_profile_new ("fax", secrets);
  g_variant_dict_insert (&dict, "transport", "s", "fax");
  g_variant_dict_insert (&dict, "fax-backend", "s", "hylafax");
  g_variant_dict_insert (&dict, "fax-host", "s", "127.0.0.1");
  g_variant_dict_insert (&dict, "fax-port", "s", port);
  g_variant_dict_insert (&dict, "fax-username", "s", "fuzz");
  g_variant_dict_insert (&dict, "conversation-timeout", "s", "5");
  settings = g_variant_ref_sink (g_variant_dict_end (&dict));
  if (!gw_stored_profile_apply (profile, settings, NULL) ||
      !gw_secret_store_set (secrets, "fax", "fax-password", PASSWORD, NULL))
    abort ();
  return 0;
}

static void
check_text (const char *text)
{
  if (text == NULL)
    return;
  if (strstr (text, PASSWORD) != NULL)
    abort ();
  for (const char *p = text; *p != '\0'; p++) {
    if ((guchar) *p < 0x20 && *p != '\t')
      abort ();
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;

  if (size < 1 || size > 16384)
    return 0;
  /* hfaxd's replies are shown as it sent them: a server that writes the
   * password itself is not Herald showing it. */
  if (memmem (data, size, PASSWORD, strlen (PASSWORD)) != NULL)
    return 0;
  fuzz_peer_set_reply (data + 1, size - 1);
  if ((data[0] & 1) == 0) {
    GwHylafaxConn *conn = gw_hylafax_conn_open (profile, NULL, &error);

    if (conn != NULL) {
      check_text (gw_hylafax_conn_get_reply (conn));
      gw_hylafax_conn_free (conn);
    }
  } else {
    g_autofree char *reply = NULL;

    gw_fax_hylafax_poll (profile, "17", NULL, &reply, &error);
    check_text (reply);
  }
  if (error != NULL && strstr (error->message, PASSWORD) != NULL)
    abort ();
  return 0;
}
