/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-router.c: the routing rules: matching, fallbacks, fan-out, added
 * recipients, and every error a routes document can have */
#define G_LOG_DOMAIN "test-router"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "herald-error.h"
#include "gw-router.h"
#include "herald-test-util.h"
#include "transport-test-util.h"

/* The profiles the tests pretend to have, and their transports; a NULL
 * transport stands for one that is not installed. */
static const struct { const char *name; const char *transport; } profiles[] = {
  { "local", "maildir" },
  { "md2", "maildir" },
  { "corp-relay", "smtp" },
  { "backup-relay", "smtps" },
  { "fax-office", "fax" },
  { "unavailable", NULL },
};

static const char *
probe (const char *name,
       gpointer    user_data,
       GError    **error)
{
  const char *missing = user_data;

  for (guint i = 0; i < G_N_ELEMENTS (profiles); i++) {
    if (g_strcmp0 (name, missing) == 0 || !g_str_equal (name, profiles[i].name))
      continue;
    if (profiles[i].transport == NULL) {
      g_set_error (error, HERALD_ERROR, HERALD_ERROR_TRANSPORT_UNAVAILABLE,
                   "Profile “%s” uses transport “pigeon”, which is not installed", name);
      return NULL;
    }
    return profiles[i].transport;
  }
  g_set_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_PROFILE, "No profile is named “%s”", name);
  return NULL;
}

typedef struct {
  char     *tmpdir;
  char     *path;
  GwRouter *router;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->tmpdir = herald_test_make_tmpdir ("herald-router-XXXXXX");
  /* the configuration directory does not exist yet */
  f->path = g_build_filename (f->tmpdir, "config", "routes.json", NULL);
  f->router = gw_router_new (f->path, probe, NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->router);
  herald_test_rm_rf (f->tmpdir);
  g_free (f->path);
  g_free (f->tmpdir);
}

static void
set_routes (Fixture *f, const char *json)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gw_router_set_json (f->router, json, &error));
  g_assert_no_error (error);
}

/* A notification from "to|cc|bcc|fax|category|urgency|app|tags|profile",
 * lists separated by commas, empty fields unset. */
static GwNotification *
notification (const char *spec)
{
  g_auto(GStrv) fields = g_strsplit (spec, "|", -1);
  GwNotification *n = gw_notification_new ();
  GStrv *lists[] = { &n->to, &n->cc, &n->bcc };

  g_assert_cmpuint (g_strv_length (fields), ==, 9);
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++) {
    if (*fields[i] != '\0')
      *lists[i] = g_strsplit (fields[i], ",", -1);
  }
  /* the fax transport's recipient kind */
  if (*fields[3] != '\0')
    g_hash_table_insert (n->others, g_strdup ("fax"), g_strsplit (fields[3], ",", -1));
  if (*fields[4] != '\0')
    n->category = g_strdup (fields[4]);
  if (*fields[5] != '\0')
    n->urgency = (guint8) g_ascii_strtoull (fields[5], NULL, 10);
  if (*fields[6] != '\0')
    n->app_name = g_strdup (fields[6]);
  if (*fields[7] != '\0')
    n->tags = g_strsplit (fields[7], ",", -1);
  if (*fields[8] != '\0')
    n->profile = g_strdup (fields[8]);
  return n;
}

static void
append_list (GString *out, GStrv list)
{
  for (guint i = 0; list != NULL && list[i] != NULL; i++) {
    if (out->str[out->len - 1] != '=')
      g_string_append_c (out, ',');
    g_string_append (out, list[i]);
  }
}

/* "PROFILE@RULE=RECIPIENTS|..." with skipped profiles as "(-SKIPPED)". */
static char *
describe (GPtrArray *routes)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < routes->len; i++) {
    GwRoute *route = g_ptr_array_index (routes, i);

    if (i > 0)
      g_string_append_c (out, '|');
    g_string_append_printf (out, "%s@%s", route->profile, route->rule);
    for (guint j = 0; route->skipped[j] != NULL; j++)
      g_string_append_printf (out, "(-%s)", route->skipped[j]);
    g_string_append_c (out, '=');
    append_list (out, route->to);
    append_list (out, route->cc);
    append_list (out, route->bcc);
    append_list (out, route->others);
  }
  return g_string_free (out, FALSE);
}

static const char table_rules[] =
  "{\"version\": 1, \"rules\": ["
  " {\"name\": \"by-app\", \"match\": {\"app-name\": \"backup\"}, \"profiles\": [\"backup-relay\"]},"
  " {\"name\": \"critical\", \"match\": {\"category\": \"device.*\", \"min-urgency\": \"critical\"},"
  "  \"profiles\": [\"corp-relay\", \"backup-relay\"], \"add-to\": [\"ops@example.org\"]},"
  " {\"name\": \"tagged-any\", \"match\": {\"tags-any\": [\"db\", \"web\"]}, \"profiles\": [\"md2\"]},"
  " {\"name\": \"tagged-all\", \"match\": {\"tags-all\": [\"prod\", \"storage\"]},"
  "  \"profiles\": [\"corp-relay\", \"md2\"], \"fan-out\": true},"
  " {\"name\": \"domain\", \"match\": {\"recipient-domain\": \"Example.NET\"},"
  "  \"profiles\": [\"unavailable\", \"md2\"]},"
  " {\"match\": {\"category\": \"audit\"}, \"add-to\": [\"Audit <audit@example.org>\"], \"stop\": false},"
  " {\"name\": \"audit-archive\", \"match\": {\"category\": \"audit\"}, \"profiles\": [\"md2\"], \"stop\": false},"
  " {\"name\": \"audit-copy\", \"match\": {\"category\": \"audit\"}, \"profiles\": [\"corp-relay\", \"md2\"]},"
  " {\"name\": \"faxes\", \"match\": {\"category\": \"fax.*\"}, \"profiles\": [\"fax-office\", \"md2\"],"
  "  \"fan-out\": true, \"add-fax\": [\"+1 555 0100\"]},"
  " {\"name\": \"urgent\", \"match\": {\"min-urgency\": 2}, \"profiles\": [\"corp-relay\"]},"
  " {\"match\": {\"min-urgency\": \"low\", \"category\": \"catch.all\"}, \"profiles\": [\"md2\"]}"
  "]}";

static void
test_table (Fixture *f, gconstpointer data)
{
  /* notification: to|cc|bcc|fax|category|urgency|app|tags|profile */
  static const struct { const char *n; const char *expected; } cases[] = {
    /* app name, exact */
    { "a@example.com||||||backup||", "backup-relay@by-app=a@example.com" },
    { "a@example.com||||||Backup||", "local@default=a@example.com" },
    /* the first matching rule decides */
    { "a@example.com||||device.disk|2|backup||", "backup-relay@by-app=a@example.com" },
    /* category glob and minimum urgency; added recipient */
    { "a@example.com||||device.disk|2|||", "corp-relay@critical=a@example.com,ops@example.org" },
    { "a@example.com||||device.disk|1|||", "local@default=a@example.com" },
    { "a@example.com||||devices|2|||", "corp-relay@urgent=a@example.com" },
    /* an added recipient already there is not added twice */
    { "Ops <OPS@example.org>||||device.disk|2|||", "corp-relay@critical=Ops <OPS@example.org>" },
    { "a@example.com|c@example.com|b@example.com||device.x|2|||",
      "corp-relay@critical=a@example.com,ops@example.org,c@example.com,b@example.com" },
    /* tags: any and all */
    { "a@example.com|||||||web,x|", "md2@tagged-any=a@example.com" },
    { "a@example.com|||||||storage,prod|", "corp-relay@tagged-all=a@example.com|md2@tagged-all=a@example.com" },
    { "a@example.com|||||||prod|", "local@default=a@example.com" },
    /* recipient domain, any recipient, case-insensitive; fallback past an
     * unusable profile */
    { "x@example.com|B <b@example.NET>|||||||", "md2@domain(-unavailable)=x@example.com,B <b@example.NET>" },
    { "b@sub.example.net||||||||", "local@default=b@sub.example.net" },
    /* rules that do not stop: additions and routes accumulate */
    { "a@example.com||||audit||||",
      "md2@audit-archive=a@example.com,Audit <audit@example.org>|"
      "corp-relay@audit-copy=a@example.com,Audit <audit@example.org>" },
    /* fan-out to fax and mail: each job gets the recipients it serves */
    { "a@example.com|||+49 30 1234|fax.report||||",
      "fax-office@faxes=+49 30 1234,+1 555 0100|md2@faxes=a@example.com" },
    { "|||+49 30 1234|fax.report||||", "fax-office@faxes=+49 30 1234,+1 555 0100" },
    /* an explicit profile bypasses the rules, additions included */
    { "a@example.com||||device.disk|2|||md2", "md2@explicit=a@example.com" },
    /* unnamed rules are reported by number */
    { "a@example.com||||catch.all|0|||", "md2@rule 11=a@example.com" },
    /* no category matches only a glob that matches the empty string */
    { "a@example.com||||||||", "local@default=a@example.com" },
  };

  set_routes (f, table_rules);
  g_assert_cmpuint (gw_router_get_n_rules (f->router), ==, 11);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GwNotification) n = notification (cases[i].n);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) routes = NULL;
    g_autofree char *got = NULL;

    g_test_message ("case %u: %s", i, cases[i].n);
    routes = gw_router_route (f->router, n, "local", &error);
    g_assert_no_error (error);
    got = describe (routes);
    g_assert_cmpstr (got, ==, cases[i].expected);
  }
}

/* The admin guide's rule "category": "backup" takes the category
 * "backup.done": a pattern matches a category and every category below it
 * in the dotted hierarchy, never a longer name at the same level. */
static void
test_category_hierarchy (Fixture *f, gconstpointer data)
{
  static const struct { const char *n; const char *expected; } cases[] = {
    { "a@example.com||||backup||||", "md2@backup=a@example.com" },
    { "a@example.com||||backup.done||||", "md2@backup=a@example.com" },
    { "a@example.com||||backup.done.full||||", "md2@backup=a@example.com" },
    { "a@example.com||||backups||||", "local@default=a@example.com" },
    { "a@example.com||||nightly.backup||||", "local@default=a@example.com" },
    { "a@example.com||||Backup.done||||", "local@default=a@example.com" },
    { "a@example.com||||net1.up||||", "corp-relay@glob=a@example.com" },
    { "a@example.com||||net1.up.eth0||||", "corp-relay@glob=a@example.com" },
    { "a@example.com||||net12.up||||", "local@default=a@example.com" },
    { "a@example.com||||net1||||", "local@default=a@example.com" },
  };

  set_routes (f, "{\"version\": 1, \"rules\": ["
                 " {\"name\": \"backup\", \"match\": {\"category\": \"backup\"}, \"profiles\": [\"md2\"]},"
                 " {\"name\": \"glob\", \"match\": {\"category\": \"net?.*\"},"
                 "  \"profiles\": [\"corp-relay\"]}]}");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GwNotification) n = notification (cases[i].n);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) routes = NULL;
    g_autofree char *got = NULL;

    g_test_message ("case %u: %s", i, cases[i].n);
    routes = gw_router_route (f->router, n, "local", &error);
    g_assert_no_error (error);
    got = describe (routes);
    g_assert_cmpstr (got, ==, cases[i].expected);
  }
}

/* An internationalised recipient-domain matches the address however the
 * domain is written (addresses are normalised to the ASCII form). */
static void
test_idn_domain (Fixture *f, gconstpointer data)
{
  static const char * const matching[] = {
    "a@bücher.example||||||||", "a@BÜCHER.example||||||||", "a@xn--bcher-kva.example||||||||",
  };

  set_routes (f, "{\"version\": 1, \"rules\": [{\"name\": \"idn\", "
                 "\"match\": {\"recipient-domain\": \"Bücher.example\"}, \"profiles\": [\"md2\"]}]}");
  for (guint i = 0; i < G_N_ELEMENTS (matching); i++) {
    g_autoptr(GwNotification) n = notification (matching[i]);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) routes = gw_router_route (f->router, n, "local", &error);
    g_autofree char *got = NULL;

    g_assert_no_error (error);
    got = describe (routes);
    g_test_message ("%s → %s", matching[i], got);
    g_assert_true (g_str_has_prefix (got, "md2@idn="));
  }
}

static void
test_added_recipients (Fixture *f, gconstpointer data)
{
  g_autoptr(GwNotification) n = notification ("a@example.com||||audit||||");
  g_autoptr(GPtrArray) routes = NULL;
  g_autoptr(GError) error = NULL;
  GwRoute *route;

  set_routes (f, table_rules);
  routes = gw_router_route (f->router, n, "local", &error);
  g_assert_no_error (error);
  route = g_ptr_array_index (routes, 0);
  g_assert_cmpuint (g_strv_length (route->added), ==, 1);
  g_assert_cmpstr (route->added[0], ==, "Audit <audit@example.org>");
  g_assert_cmpstr (route->transport, ==, "maildir");
  /* the notification itself is left alone */
  g_assert_cmpuint (g_strv_length (n->to), ==, 1);
}

/* A complete message (sendmail door) remembers the local names it was
 * addressed to before aliasing: "local-recipient" matches them. */
static void
test_local_recipient (Fixture *f, gconstpointer data)
{
  static const struct { const char *names; const char *expected; } cases[] = {
    { "root", "corp-relay@root-mail=admin@example.org" },
    { "www-data,root", "corp-relay@root-mail=admin@example.org" },
    { "www-data", "md2@web=admin@example.org" },
    { "", "local@default=admin@example.org" },
    { NULL, "local@default=admin@example.org" },
  };

  set_routes (f, "{\"rules\": ["
                 " {\"name\": \"root-mail\", \"match\": {\"local-recipient\": \"Root\"}, \"profiles\": [\"corp-relay\"]},"
                 " {\"name\": \"web\", \"match\": {\"local-recipient\": \"www-data\", \"category\": \"sendmail\"},"
                 "  \"profiles\": [\"md2\"]}]}");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GwNotification) n = notification ("admin@example.org||||sendmail||||");
    g_autoptr(GPtrArray) routes = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *got = NULL;

    g_test_message ("case %u", i);
    if (cases[i].names != NULL)
      n->local_recipients = g_strsplit (cases[i].names, ",", -1);
    routes = gw_router_route (f->router, n, "local", &error);
    g_assert_no_error (error);
    got = describe (routes);
    g_assert_cmpstr (got, ==, cases[i].expected);
  }
}

static void
test_route_errors (Fixture *f, gconstpointer data)
{
  static const struct {
    const char *n;
    HeraldError code;
    const char *message;
  } cases[] = {
    { "|||+1 555 0199|||||", HERALD_ERROR_NOT_SUPPORTED, "Recipients of kind “fax” need a fax profile; “local” is a maildir profile" },
    { "a@example.com||||||||ghost", HERALD_ERROR_NO_SUCH_PROFILE, "No profile is named “ghost”" },
    { "a@example.com||||||||unavailable", HERALD_ERROR_TRANSPORT_UNAVAILABLE, "transport “pigeon”" },
    { "a@example.com||||fan||||", HERALD_ERROR_TRANSPORT_UNAVAILABLE, "rule 1 (“fan”)" },
    { "a@example.com||||chain||||", HERALD_ERROR_TRANSPORT_UNAVAILABLE, "rule 2 (“chain”)" },
  };

  set_routes (f, "{\"rules\": ["
              " {\"name\": \"fan\", \"match\": {\"category\": \"fan\"}, \"profiles\": [\"md2\", \"unavailable\"], \"fan-out\": true},"
              " {\"name\": \"chain\", \"match\": {\"category\": \"chain\"}, \"profiles\": [\"unavailable\"]}]}");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GwNotification) n = notification (cases[i].n);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) routes = gw_router_route (f->router, n, "local", &error);

    g_test_message ("case %u: %s", i, cases[i].n);
    g_assert_null (routes);
    g_assert_error (error, HERALD_ERROR, (int) cases[i].code);
    g_assert_nonnull (strstr (error->message, cases[i].message));
  }

  /* a default profile that is gone */
  {
    g_autoptr(GwNotification) n = notification ("a@example.com||||||||");
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) routes = gw_router_route (f->router, n, "vanished", &error);

    g_assert_null (routes);
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_NO_SUCH_PROFILE);
    g_assert_cmpstr (error->message, ==, "The default profile “vanished” does not exist");
  }
}

#define RULE(...) "{\"version\": 1, \"rules\": [" __VA_ARGS__ "]}"

static void
test_validation (Fixture *f, gconstpointer data)
{
  static const struct {
    const char *json;
    HeraldError code;
    const char *message;
  } cases[] = {
    { "not json", HERALD_ERROR_INVALID_ARGUMENT, "The routes document is not valid JSON: " },
    { "", HERALD_ERROR_INVALID_ARGUMENT, "The routes document" },
    { "[]", HERALD_ERROR_INVALID_ARGUMENT, "The routes document must be a JSON object" },
    { "{\"version\": 2}", HERALD_ERROR_INVALID_ARGUMENT, "“version” must be 1" },
    { "{\"version\": \"1\"}", HERALD_ERROR_INVALID_ARGUMENT, "“version” must be 1" },
    { "{\"version\": 1, \"routes\": []}", HERALD_ERROR_INVALID_ARGUMENT, "Unknown field “routes” in the routes document" },
    { "{\"rules\": {}}", HERALD_ERROR_INVALID_ARGUMENT, "“rules” must be an array" },
    { RULE ("1"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: a rule must be an object" },
    { RULE ("{\"name\": \"a\", \"profiles\": [\"md2\"]}, {\"name\": \"critical\", \"match\": {\"min-urgency\": \"urgent\"}, \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 2 (“critical”): “min-urgency” must be low, normal, critical or 0–2" },
    { RULE ("{\"match\": {\"min-urgency\": 3}, \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “min-urgency” must be low, normal, critical or 0–2" },
    { RULE ("{\"match\": {\"min-urgency\": 1.5}, \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “min-urgency” must be" },
    { RULE ("{\"match\": {\"min-urgency\": -1}, \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “min-urgency” must be" },
    { RULE ("{\"name\": \"x\", \"colour\": \"red\", \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1 (“x”): unknown field “colour”" },
    { RULE ("{\"name\": \"x\", \"match\": {\"subject\": \"disk\"}, \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1 (“x”): unknown match field “subject”" },
    { RULE ("{\"match\": {\"local-recipient\": \"root@example.org\"}, \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “local-recipient” must be a local name such as root" },
    { RULE ("{\"match\": {\"local-recipient\": \"\"}, \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “local-recipient” must be a non-empty string" },
    { RULE ("{\"match\": [], \"profiles\": [\"md2\"]}"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “match” must be an object" },
    { RULE ("{\"match\": {\"category\": \"\"}, \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “category” must be a non-empty string" },
    { RULE ("{\"match\": {\"category\": 5}, \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “category” must be a string" },
    { RULE ("{\"match\": {\"app-name\": \"a\\u0007b\"}, \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “app-name” must be a non-empty string without control characters" },
    { RULE ("{\"match\": {\"tags-any\": []}, \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “tags-any” must be a non-empty array of strings" },
    { RULE ("{\"match\": {\"tags-all\": [\"a\", 1]}, \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “tags-all” must be a string" },
    { RULE ("{\"match\": {\"tags-all\": [\"a\", \"a\"]}, \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “tags-all” lists “a” twice" },
    { RULE ("{\"match\": {\"recipient-domain\": \"ops@example.org\"}, \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “recipient-domain” must be a domain such as example.org" },
    { RULE ("{\"profiles\": \"md2\"}"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “profiles” must be a non-empty array of strings" },
    { RULE ("{\"profiles\": []}"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “profiles” must be a non-empty array of strings" },
    { RULE ("{\"profiles\": [\"md2\", \"md2\"]}"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “profiles” lists “md2” twice" },
    { RULE ("{\"profiles\": [\"md2\"]}, {\"name\": \"x\", \"profiles\": [\"md2\", \"ghost\"]}"),
      HERALD_ERROR_NO_SUCH_PROFILE, "rule 2 (“x”): “profiles” names “ghost”, which is not a profile" },
    { RULE ("{\"profiles\": [\"md2\"], \"fan-out\": \"yes\"}"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “fan-out” must be true or false" },
    { RULE ("{\"profiles\": [\"md2\"], \"stop\": 1}"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “stop” must be true or false" },
    { RULE ("{\"add-to\": [\"not an address\"]}"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “add-to” holds “not an address”, which is not a mail address" },
    { RULE ("{\"add-to\": [\"a@example.org\\r\\nRCPT TO:<evil@example.org>\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “add-to” must be a non-empty string without control characters" },
    { RULE ("{\"add-fax\": [\"call me\"]}"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “add-fax” holds “call me”" },
    { RULE ("{\"add-fax\": [\"+--\"]}"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “add-fax” holds “+--”" },
    { RULE ("{\"name\": \"empty\", \"match\": {\"category\": \"x\"}}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1 (“empty”): a rule needs “profiles”, “add-to” or “add-fax”" },
    { RULE ("{\"add-to\": [\"a@example.org\"], \"fan-out\": true}"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “fan-out” needs “profiles”" },
    { RULE ("{\"name\": \"\", \"profiles\": [\"md2\"]}"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “name” must be a non-empty string" },
    { RULE ("{\"name\": [\"a\"], \"profiles\": [\"md2\"]}"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “name” must be a string" },
    { RULE ("{\"name\": \"default\", \"profiles\": [\"md2\"]}"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “name” cannot be “default”" },
    { RULE ("{\"name\": \"explicit\", \"profiles\": [\"md2\"]}"), HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “name” cannot be “explicit”" },
    { RULE ("{\"name\": \"0123456789012345678901234567890123456789012345678901234567890123456789\", \"profiles\": [\"md2\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 1: “name” must be at most 64 characters" },
    { RULE ("{\"name\": \"a\", \"profiles\": [\"md2\"]}, {\"profiles\": [\"md2\"]}, {\"name\": \"a\", \"profiles\": [\"local\"]}"),
      HERALD_ERROR_INVALID_ARGUMENT, "rule 3 (“a”): “name” is already the name of rule 1 (“a”)" },
  };
  g_autofree char *before = NULL;
  g_autofree char *file_before = NULL;

  set_routes (f, RULE ("{\"name\": \"keep\", \"profiles\": [\"md2\"]}"));
  before = gw_router_dup_json (f->router);
  g_assert_true (g_file_get_contents (f->path, &file_before, NULL, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *after = NULL;
    g_autofree char *file_after = NULL;

    g_test_message ("case %u: %s", i, cases[i].json);
    g_assert_false (gw_router_set_json (f->router, cases[i].json, &error));
    g_assert_error (error, HERALD_ERROR, (int) cases[i].code);
    g_test_message ("→ %s", error->message);
    g_assert_true (g_str_has_prefix (error->message, cases[i].message));
    /* the old rules stay, in memory and on disk */
    g_assert_cmpuint (gw_router_get_n_rules (f->router), ==, 1);
    after = gw_router_dup_json (f->router);
    g_assert_cmpstr (after, ==, before);
    g_assert_true (g_file_get_contents (f->path, &file_after, NULL, NULL));
    g_assert_cmpstr (file_after, ==, file_before);
  }
}

static void
test_storage (Fixture *f, gconstpointer data)
{
  g_autoptr(GwRouter) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *json = NULL;
  g_autofree char *reloaded = NULL;
  g_autofree char *label = NULL;

  /* no file: no rules */
  g_assert_true (gw_router_load (f->router, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gw_router_get_n_rules (f->router), ==, 0);
  empty = gw_router_dup_json (f->router);
  g_assert_nonnull (strstr (empty, "\"version\" : 1"));
  g_assert_nonnull (strstr (empty, "\"rules\" : ["));

  set_routes (f, table_rules);
  herald_test_assert_mode (f->path, 0600);
  json = gw_router_dup_json (f->router);
  again = gw_router_new (f->path, probe, NULL);
  g_assert_true (gw_router_load (again, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gw_router_get_n_rules (again), ==, 11);
  reloaded = gw_router_dup_json (again);
  g_assert_cmpstr (reloaded, ==, json);

  /* GetRoutes output is accepted by SetRoutes as it is */
  set_routes (f, json);
  g_assert_true (gw_router_uses_profile (f->router, "backup-relay", &label));
  g_assert_cmpstr (label, ==, "rule 1 (“by-app”)");
  g_assert_false (gw_router_uses_profile (f->router, "local", NULL));

  /* a document over the size limit is refused before it is parsed */
  {
    g_autoptr(GString) huge = g_string_new ("{\"version\": 1, \"rules\": []}");

    while (huge->len <= GW_ROUTER_MAX_DOCUMENT_SIZE)
      g_string_append_c (huge, ' ');
    g_assert_false (gw_router_set_json (f->router, huge->str, &error));
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_TOO_LARGE);
    g_clear_error (&error);
    g_assert_cmpuint (gw_router_get_n_rules (f->router), ==, 11);
  }

  /* an empty document clears the rules */
  set_routes (f, "{\"version\": 1, \"rules\": []}");
  g_assert_cmpuint (gw_router_get_n_rules (f->router), ==, 0);
}

static void
test_load_problems (Fixture *f, gconstpointer data)
{
  g_autoptr(GwRouter) missing_profile = NULL;
  g_autoptr(GwRouter) broken = NULL;
  g_autoptr(GError) error = NULL;

  set_routes (f, RULE ("{\"name\": \"r\", \"profiles\": [\"md2\", \"corp-relay\"]}"));

  /* a profile removed behind the daemon's back is only warned about */
  missing_profile = gw_router_new (f->path, probe, (gpointer) "corp-relay");
  g_test_expect_message ("gw-router", G_LOG_LEVEL_WARNING, "*rule 1 (“r”)*“corp-relay”*");
  g_assert_true (gw_router_load (missing_profile, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpuint (gw_router_get_n_rules (missing_profile), ==, 1);

  /* a malformed file is an error naming the file, rule and field */
  g_assert_true (g_file_set_contents (f->path, RULE ("{\"name\": \"r\", \"stop\": \"no\", \"profiles\": [\"md2\"]}"),
                                      -1, NULL));
  broken = gw_router_new (f->path, probe, NULL);
  g_assert_false (gw_router_load (broken, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, f->path));
  g_assert_nonnull (strstr (error->message, "rule 1 (“r”): “stop” must be true or false"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  herald_test_load_transports ();
  g_test_add ("/router/table", Fixture, NULL, fixture_setup, test_table, fixture_teardown);
  g_test_add ("/router/added-recipients", Fixture, NULL, fixture_setup, test_added_recipients,
              fixture_teardown);
  g_test_add ("/router/route-errors", Fixture, NULL, fixture_setup, test_route_errors,
              fixture_teardown);
  g_test_add ("/router/local-recipient", Fixture, NULL, fixture_setup, test_local_recipient,
              fixture_teardown);
  g_test_add ("/router/idn-domain", Fixture, NULL, fixture_setup, test_idn_domain, fixture_teardown);
  g_test_add ("/router/category-hierarchy", Fixture, NULL, fixture_setup, test_category_hierarchy,
              fixture_teardown);
  g_test_add ("/router/validation", Fixture, NULL, fixture_setup, test_validation, fixture_teardown);
  g_test_add ("/router/storage", Fixture, NULL, fixture_setup, test_storage, fixture_teardown);
  g_test_add ("/router/load-problems", Fixture, NULL, fixture_setup, test_load_problems,
              fixture_teardown);
  return g_test_run ();
}
