/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-api-tokens.c: bearer tokens of the HTTP API (gw-api-tokens.c) */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "herald-error.h"
#include "herald-test-util.h"
#include "gw-api-tokens.h"

typedef struct {
  char        *dir;
  GwApiTokens *tokens;
} Fixture;

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = herald_test_make_tmpdir ("herald-tokens-XXXXXX");
  f->tokens = gw_api_tokens_new (f->dir, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  g_clear_object (&f->tokens);
  herald_test_rm_rf (f->dir);
  g_free (f->dir);
}

static GVariant *
scope_new (const char * const *profiles,
           const char * const *tags,
           const char * const *allowed_tags,
           gint                rate)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  if (profiles != NULL)
    g_variant_dict_insert (&dict, "profiles", "^as", profiles);
  if (tags != NULL)
    g_variant_dict_insert (&dict, "tags", "^as", tags);
  if (allowed_tags != NULL)
    g_variant_dict_insert (&dict, "allowed-tags", "^as", allowed_tags);
  if (rate >= 0)
    g_variant_dict_insert (&dict, "rate", "u", (guint32) rate);
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

static char *
add (Fixture    *f,
     const char *name,
     GVariant   *scope)
{
  g_autoptr(GVariant) owned = scope != NULL ? scope : scope_new (NULL, NULL, NULL, 0);
  g_autoptr(GError) error = NULL;
  char *token = gw_api_tokens_add (f->tokens, name, owned, &error);

  g_assert_no_error (error);
  g_assert_nonnull (token);
  return token;
}

static GwApiTokenVerdict
verify (GwApiTokens *tokens,
        const char  *bearer,
        gint64       now,
        char       **name)
{
  g_autoptr(GwApiToken) token = NULL;
  GwApiTokenVerdict verdict = gw_api_tokens_verify (tokens, bearer, now, &token, NULL);

  if (name != NULL)
    *name = token != NULL ? g_strdup (token->name) : NULL;
  return verdict;
}

static void
test_add_and_verify (Fixture      *f,
                     gconstpointer data)
{
  g_autofree char *token = add (f, "ci", NULL);
  g_autofree char *other = add (f, "monitoring", NULL);
  g_autofree char *name = NULL;
  g_autofree char *path = g_build_filename (f->dir, "api-tokens.conf", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
  g_autofree char *bad = g_strdup (token);

  /* hrld_ + base64url of 32 bytes */
  g_assert_true (g_str_has_prefix (token, "hrld_"));
  g_assert_cmpuint (strlen (token), ==, 48);
  for (const char *p = token + 5; *p != '\0'; p++)
    g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
  g_assert_cmpstr (token, !=, other);

  g_assert_cmpint (verify (f->tokens, token, 0, &name), ==, GW_API_TOKEN_VALID);
  g_assert_cmpstr (name, ==, "ci");
  g_clear_pointer (&name, g_free);
  g_assert_cmpint (verify (f->tokens, other, 0, &name), ==, GW_API_TOKEN_VALID);
  g_assert_cmpstr (name, ==, "monitoring");

  /* Only the digest is stored, in a file only the owner may read. */
  herald_test_assert_mode (path, 0600);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, token + 5));
  g_assert_nonnull (strstr (contents, digest));

  /* One character off, another prefix, another length, nothing. */
  bad[20] = bad[20] == 'A' ? 'B' : 'A';
  g_assert_cmpint (verify (f->tokens, bad, 0, NULL), ==, GW_API_TOKEN_INVALID);
  bad[20] = token[20];
  bad[0] = 'x';
  g_assert_cmpint (verify (f->tokens, bad, 0, NULL), ==, GW_API_TOKEN_INVALID);
  g_assert_cmpint (verify (f->tokens, "hrld_", 0, NULL), ==, GW_API_TOKEN_INVALID);
  g_assert_cmpint (verify (f->tokens, "", 0, NULL), ==, GW_API_TOKEN_INVALID);
  g_assert_cmpint (verify (f->tokens, NULL, 0, NULL), ==, GW_API_TOKEN_INVALID);
  g_assert_cmpint (verify (f->tokens, digest, 0, NULL), ==, GW_API_TOKEN_INVALID);
}

static void
test_persist_and_remove (Fixture      *f,
                         gconstpointer data)
{
  const char * const profiles[] = { "relay", "fax", NULL };
  const char * const tags[] = { "team=db", NULL };
  const char * const allowed[] = { "env=*", NULL };
  g_autofree char   *token = add (f, "ci", scope_new (profiles, tags, allowed, 30));
  g_autoptr(GwApiTokens) reopened = NULL;
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **names = NULL;
  GwApiToken             *record;
  gint64                  last_used;

  g_assert_cmpint (verify (f->tokens, token, 0, NULL), ==, GW_API_TOKEN_VALID);
  /* Last use reaches the disk at the latest when the store goes. */
  g_clear_object (&f->tokens);
  reopened = gw_api_tokens_new (f->dir, &error);
  g_assert_no_error (error);
  record = gw_api_tokens_lookup (reopened, "ci");
  g_assert_nonnull (record);
  g_assert_cmpstrv (record->profiles, profiles);
  g_assert_cmpstrv (record->tags, tags);
  g_assert_cmpstrv (record->allowed_tags, allowed);
  g_assert_cmpuint (record->rate, ==, 30);
  g_assert_cmpint (record->created, >, 0);
  g_assert_cmpint (record->last_used, >=, record->created);
  g_assert_cmpint (verify (reopened, token, 0, NULL), ==, GW_API_TOKEN_VALID);

  list = g_variant_ref_sink (gw_api_tokens_list (reopened));
  g_assert_cmpuint (g_variant_n_children (list), ==, 1);
  {
    g_autoptr(GVariant) entry = g_variant_get_child_value (list, 0);
    g_autofree char *printed = g_variant_print (entry, TRUE);

    g_assert_true (g_variant_lookup (entry, "last-used", "x", &last_used));
    g_assert_cmpint (last_used, >, 0);
    g_assert_true (g_variant_lookup (entry, "profiles", "^a&s", &names));
    g_assert_cmpstr (names[1], ==, "fax");
    g_assert_null (strstr (printed, "sha256"));
  }

  /* Removed: refused at once, and after a restart. */
  g_assert_true (gw_api_tokens_remove (reopened, "ci", &error));
  g_assert_no_error (error);
  g_assert_cmpint (verify (reopened, token, 0, NULL), ==, GW_API_TOKEN_INVALID);
  g_clear_object (&reopened);
  reopened = gw_api_tokens_new (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (verify (reopened, token, 0, NULL), ==, GW_API_TOKEN_INVALID);
  g_assert_false (gw_api_tokens_remove (reopened, "ci", &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_TOKEN);
}

static void
assert_add_fails (Fixture    *f,
                  const char *name,
                  GVariant   *scope,
                  int         code)
{
  g_autoptr(GVariant) owned = scope;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = gw_api_tokens_add (f->tokens, name, owned, &error);

  g_assert_null (token);
  g_assert_error (error, HERALD_ERROR, code);
}

static void
test_bad_input (Fixture      *f,
                gconstpointer data)
{
  g_autofree char   *token = add (f, "ci", NULL);
  const char * const bad_profile[] = { "../x", NULL };
  const char * const line_break[] = { "a\nb", NULL };
  const char * const empty[] = { "", NULL };
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GPtrArray) many = g_ptr_array_new_with_free_func (g_free);

  assert_add_fails (f, "ci", scope_new (NULL, NULL, NULL, -1), HERALD_ERROR_TOKEN_EXISTS);
  assert_add_fails (f, "", scope_new (NULL, NULL, NULL, -1), HERALD_ERROR_INVALID_ARGUMENT);
  assert_add_fails (f, "a b", scope_new (NULL, NULL, NULL, -1), HERALD_ERROR_INVALID_ARGUMENT);
  assert_add_fails (f, "x[y]", scope_new (NULL, NULL, NULL, -1), HERALD_ERROR_INVALID_ARGUMENT);
  assert_add_fails (f, "x", scope_new (bad_profile, NULL, NULL, -1), HERALD_ERROR_INVALID_ARGUMENT);
  assert_add_fails (f, "x", scope_new (NULL, line_break, NULL, -1), HERALD_ERROR_INVALID_ARGUMENT);
  assert_add_fails (f, "x", scope_new (NULL, NULL, empty, -1), HERALD_ERROR_INVALID_ARGUMENT);
  assert_add_fails (f, "x", scope_new (NULL, NULL, NULL, 100001), HERALD_ERROR_INVALID_ARGUMENT);
  for (guint i = 0; i < 101; i++)
    g_ptr_array_add (many, g_strdup_printf ("t%u", i));
  g_ptr_array_add (many, NULL);
  assert_add_fails (f, "x", scope_new (NULL, (const char * const *) many->pdata, NULL, -1),
                    HERALD_ERROR_INVALID_ARGUMENT);
  g_variant_dict_insert (&dict, "rate", "s", "10");
  assert_add_fails (f, "x", g_variant_ref_sink (g_variant_dict_end (&dict)),
                    HERALD_ERROR_INVALID_ARGUMENT);
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "colour", "s", "red");
  assert_add_fails (f, "x", g_variant_ref_sink (g_variant_dict_end (&dict)),
                    HERALD_ERROR_INVALID_ARGUMENT);
  /* Nothing of the refused ones was stored. */
  g_assert_null (gw_api_tokens_lookup (f->tokens, "x"));
  g_assert_nonnull (gw_api_tokens_lookup (f->tokens, "ci"));
}

static void
test_rate (Fixture      *f,
           gconstpointer data)
{
  g_autofree char *slow = add (f, "slow", scope_new (NULL, NULL, NULL, 60));
  g_autofree char *fast = add (f, "fast", scope_new (NULL, NULL, NULL, 120));
  g_autofree char *free_token = add (f, "free", scope_new (NULL, NULL, NULL, 0));
  g_autoptr(GwApiToken) token = NULL;
  gint64 now = 1000 * G_USEC_PER_SEC;
  gint64 retry_after = 0;

  /* 60 a minute: one now, the next a second later. */
  g_assert_cmpint (verify (f->tokens, slow, now, NULL), ==, GW_API_TOKEN_VALID);
  g_assert_cmpint (gw_api_tokens_verify (f->tokens, slow, now, &token, &retry_after), ==,
                   GW_API_TOKEN_RATE_LIMITED);
  g_assert_nonnull (token);
  g_assert_cmpstr (token->name, ==, "slow");
  g_assert_cmpint (retry_after, >, 0);
  g_assert_cmpint (retry_after, <=, G_USEC_PER_SEC + 1);
  g_assert_cmpint (verify (f->tokens, slow, now + G_USEC_PER_SEC, NULL), ==, GW_API_TOKEN_VALID);

  /* 120 a minute: a burst of two. */
  g_assert_cmpint (verify (f->tokens, fast, now, NULL), ==, GW_API_TOKEN_VALID);
  g_assert_cmpint (verify (f->tokens, fast, now, NULL), ==, GW_API_TOKEN_VALID);
  g_assert_cmpint (verify (f->tokens, fast, now, NULL), ==, GW_API_TOKEN_RATE_LIMITED);

  /* 0: no limit; a bad token takes nothing from anyone. */
  for (guint i = 0; i < 1000; i++) {
    g_assert_cmpint (verify (f->tokens, free_token, now, NULL), ==, GW_API_TOKEN_VALID);
    g_assert_cmpint (verify (f->tokens, "hrld_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", now, NULL),
                     ==, GW_API_TOKEN_INVALID);
  }

  /* A token removed and added again under its name starts afresh. */
  g_assert_true (gw_api_tokens_remove (f->tokens, "slow", NULL));
  g_clear_pointer (&slow, g_free);
  slow = add (f, "slow", scope_new (NULL, NULL, NULL, 60));
  g_assert_cmpint (verify (f->tokens, slow, now, NULL), ==, GW_API_TOKEN_VALID);
}

static void
test_store_refused (void)
{
  g_autofree char *dir = herald_test_make_tmpdir ("herald-tokens-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "api-tokens.conf", NULL);
  g_autofree char *target = g_build_filename (dir, "elsewhere", NULL);
  g_autoptr(GwApiTokens) tokens = NULL;
  g_autoptr(GError) error = NULL;

  /* Writable by others: anyone could add a token. */
  g_assert_true (g_file_set_contents (path, "", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0666), ==, 0);
  tokens = gw_api_tokens_new (dir, &error);
  g_assert_null (tokens);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE);
  g_clear_error (&error);

  /* A symbolic link is not followed. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_true (g_file_set_contents (target, "", -1, NULL));
  g_assert_cmpint (g_chmod (target, 0600), ==, 0);
  g_assert_cmpint (symlink (target, path), ==, 0);
  tokens = gw_api_tokens_new (dir, &error);
  g_assert_null (tokens);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE);
  g_clear_error (&error);

  /* Not a key file at all. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_true (g_file_set_contents (path, "\x01\x02 not a key file", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  tokens = gw_api_tokens_new (dir, &error);
  g_assert_null (tokens);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_STORAGE);
  g_clear_error (&error);

  /* A damaged entry is left out, the others work. */
  g_assert_true (g_file_set_contents (path, "[bad]\nid=zz\nsha256=00\n", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  g_test_expect_message ("gw-api-tokens", G_LOG_LEVEL_WARNING, "*“bad”*damaged*");
  tokens = gw_api_tokens_new (dir, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_null (gw_api_tokens_lookup (tokens, "bad"));
  herald_test_rm_rf (dir);
}

static GwNotification *
notification_with (const char         *profile,
                   const char * const *tags)
{
  GwNotification *n = gw_notification_new ();

  n->profile = g_strdup (profile);
  n->tags = tags != NULL ? g_strdupv ((char **) tags) : NULL;
  return n;
}

static void
assert_scope_refused (Fixture            *f,
                      const char         *token_name,
                      const char         *profile,
                      const char * const *tags)
{
  g_autoptr(GwNotification) n = notification_with (profile, tags);
  g_autoptr(GError) error = NULL;

  g_assert_false (gw_api_token_apply_scope (gw_api_tokens_lookup (f->tokens, token_name), n, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NOT_AUTHORIZED);
  /* Left as it was. */
  g_assert_cmpstr (n->profile, ==, profile);
  if (tags == NULL)
    g_assert_null (n->tags);
  else
    g_assert_cmpstrv (n->tags, tags);
}

static void
test_scope (Fixture      *f,
            gconstpointer data)
{
  const char * const profiles[] = { "relay", "fax", NULL };
  const char * const carried[] = { "team=db", NULL };
  const char * const allowed[] = { "env=*", "urgent", NULL };
  const char * const env[] = { "env=prod", NULL };
  const char * const other[] = { "env=prod", "team=web", NULL };
  g_autofree char   *a = add (f, "bound", scope_new (profiles, carried, allowed, -1));
  g_autofree char   *b = add (f, "routed", scope_new (NULL, NULL, NULL, -1));
  g_autoptr(GwNotification) n = NULL;
  g_autoptr(GError) error = NULL;

  /* Bound to profiles: none named takes the first, another one is refused. */
  n = notification_with (NULL, env);
  g_assert_true (gw_api_token_apply_scope (gw_api_tokens_lookup (f->tokens, "bound"), n, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (n->profile, ==, "relay");
  g_assert_cmpstrv (n->tags, ((const char * const[]){ "env=prod", "team=db", NULL }));
  g_clear_pointer (&n, gw_notification_free);

  n = notification_with ("fax", NULL);
  g_assert_true (gw_api_token_apply_scope (gw_api_tokens_lookup (f->tokens, "bound"), n, &error));
  g_assert_cmpstr (n->profile, ==, "fax");
  g_assert_cmpstrv (n->tags, carried);
  g_clear_pointer (&n, gw_notification_free);

  /* Without allowed-tags the caller may set no tag at all. */
  n = notification_with (NULL, ((const char * const[]){ "urgent", NULL }));
  g_assert_false (gw_api_token_apply_scope (gw_api_tokens_lookup (f->tokens, "routed"), n, NULL));
  g_clear_pointer (&n, gw_notification_free);

  assert_scope_refused (f, "bound", "local", NULL);
  assert_scope_refused (f, "bound", NULL, other);
  assert_scope_refused (f, "bound", "relay", ((const char * const[]){ "team=db", NULL }));
  /* Routed by the rules: no profile, no tag of the caller's. */
  assert_scope_refused (f, "routed", "relay", NULL);
  assert_scope_refused (f, "routed", NULL, env);
  n = notification_with (NULL, NULL);
  g_assert_true (gw_api_token_apply_scope (gw_api_tokens_lookup (f->tokens, "routed"), n, &error));
  g_assert_null (n->profile);
  g_assert_null (n->tags);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/api-tokens/add-and-verify", test_add_and_verify);
  ADD ("/api-tokens/persist-and-remove", test_persist_and_remove);
  ADD ("/api-tokens/bad-input", test_bad_input);
  ADD ("/api-tokens/rate", test_rate);
  ADD ("/api-tokens/scope", test_scope);
#undef ADD
  g_test_add_func ("/api-tokens/store-refused", test_store_refused);
  return g_test_run ();
}
