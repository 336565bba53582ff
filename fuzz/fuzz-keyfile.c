/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-keyfile.c: libFuzzer target for the files an administrator (or a
 * damaged disk) hands heraldd: a profile's keyfile and heraldd.conf
 *
 * Input: one byte whose low bit picks the file (0: a profile keyfile,
 * gw_stored_profile_new_from_keyfile(); 1: heraldd.conf, gw_config_new()), then
 * its text. Beyond sanitizers: a profile that loads is written back by
 * gw_stored_profile_to_keyfile() to a keyfile that loads again.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "gw-config.h"
#include "gw-stored-profile.h"
#include "transport-test-util.h"
#include "gw-profile.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *state_dir;
static char *config_dir;
static char *config_path;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* the transports declare the keys a profile file may hold */
  GwPluginLoader *transports G_GNUC_UNUSED = herald_test_load_transports ();
  g_autofree char *dir = g_dir_make_tmp ("herald-fuzz-keyfile-XXXXXX", NULL);

  state_dir = g_build_filename (dir, "state", NULL);
  config_dir = g_build_filename (dir, "config", NULL);
  config_path = g_build_filename (config_dir, "heraldd.conf", NULL);
  if (g_mkdir_with_parents (config_dir, 0700) != 0)
    abort ();
  return 0;
}

static void
fuzz_profile (const char *text,
              gsize       length)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GKeyFile) written = NULL;
  g_autoptr(GKeyFile) reread = g_key_file_new ();
  g_autoptr(GwProfile) profile = NULL;
  g_autoptr(GwProfile) again = NULL;
  g_autofree char *data = NULL;
  gsize data_length;

  if (!g_key_file_load_from_data (keyfile, text, length, G_KEY_FILE_NONE, NULL))
    return;
  profile = gw_stored_profile_new_from_keyfile ("fuzz", keyfile, NULL, NULL);
  if (profile == NULL)
    return;
  written = gw_stored_profile_to_keyfile (profile);
  data = g_key_file_to_data (written, &data_length, NULL);
  if (!g_key_file_load_from_data (reread, data, data_length, G_KEY_FILE_NONE, NULL))
    abort ();
  again = gw_stored_profile_new_from_keyfile ("fuzz", reread, NULL, NULL);
  if (again == NULL)
    abort ();
}

static void
fuzz_config (const char *text,
             gsize       length)
{
  g_autoptr(GwConfig) config = NULL;

  if (!g_file_set_contents (config_path, text, (gssize) length, NULL))
    abort ();
  config = gw_config_new (FALSE, state_dir, config_dir, NULL);
  if (config != NULL && gw_config_get_http_enabled (config) && gw_config_get_http_port (config) > 65535)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  if (size < 1 || size > 65536)
    return 0;
  if ((data[0] & 1) == 0)
    fuzz_profile ((const char *) data + 1, size - 1);
  else
    fuzz_config ((const char *) data + 1, size - 1);
  return 0;
}
