/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl-output.c: printing profiles, deliveries and test results as text or JSON */
#define G_LOG_DOMAIN "heraldctl"

#include "config.h"

#include <glib/gi18n.h>

#include "heraldctl.h"

typedef JsonNode *(*ToJsonFunc) (gpointer object);

/* Prints @node as pretty JSON, and frees it. */
void
heraldctl_print_json (JsonNode *node)
{
  g_autoptr(JsonNode) root = node;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

static JsonNode *
array_to_json (GPtrArray  *objects,
               ToJsonFunc  to_json)
{
  g_autoptr(JsonArray) array = json_array_new ();
  JsonNode *root = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < objects->len; i++)
    json_array_add_element (array, to_json (g_ptr_array_index (objects, i)));
  json_node_set_array (root, array);
  return root;
}

JsonNode *
heraldctl_profile_to_json (HeraldProfile *profile)
{
  g_autoptr(GVariant) settings = herald_profile_get_settings (profile);

  return json_gvariant_serialize (settings);
}

JsonNode *
heraldctl_profiles_to_json (GPtrArray *profiles)
{
  return array_to_json (profiles, (ToJsonFunc) heraldctl_profile_to_json);
}

static void
add_string_member (JsonBuilder *builder,
                   const char  *name,
                   const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_time_member (JsonBuilder *builder,
                 const char  *name,
                 GDateTime   *time)
{
  g_autofree char *iso = NULL;

  if (time != NULL)
    iso = g_date_time_format_iso8601 (time);
  add_string_member (builder, name, iso);
}

static void
add_strv_member (JsonBuilder        *builder,
                 const char         *name,
                 const char * const *values)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    json_builder_add_string_value (builder, values[i]);
  json_builder_end_array (builder);
}

JsonNode *
heraldctl_delivery_to_json (HeraldDelivery *delivery)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GPtrArray *recipients = herald_delivery_get_recipients (delivery);
  GPtrArray *log = herald_delivery_get_log (delivery);

  json_builder_begin_object (builder);
  add_string_member (builder, "id", herald_delivery_get_id (delivery));
  add_string_member (builder, "state",
                     herald_delivery_state_to_string (herald_delivery_get_state (delivery)));
  add_string_member (builder, "profile", herald_delivery_get_profile (delivery));
  add_string_member (builder, "subject", herald_delivery_get_subject (delivery));
  add_string_member (builder, "app-name", herald_delivery_get_app_name (delivery));
  add_string_member (builder, "category", herald_delivery_get_category (delivery));
  add_string_member (builder, "urgency",
                     herald_urgency_to_string (herald_delivery_get_urgency (delivery)));
  json_builder_set_member_name (builder, "attempts");
  json_builder_add_int_value (builder, herald_delivery_get_attempts (delivery));
  add_time_member (builder, "next-attempt", herald_delivery_get_next_attempt (delivery));
  add_time_member (builder, "created", herald_delivery_get_created (delivery));
  add_time_member (builder, "updated", herald_delivery_get_updated (delivery));
  add_string_member (builder, "reply", herald_delivery_get_reply (delivery));
  add_string_member (builder, "reason", herald_delivery_get_reason (delivery));
  add_string_member (builder, "message-id", herald_delivery_get_message_id (delivery));
  add_string_member (builder, "summary", herald_delivery_get_summary (delivery));
  json_builder_set_member_name (builder, "recipients");
  json_builder_begin_array (builder);
  for (guint i = 0; i < recipients->len; i++) {
    HeraldRecipient *recipient = g_ptr_array_index (recipients, i);

    json_builder_begin_object (builder);
    add_string_member (builder, "address", herald_recipient_get_address (recipient));
    add_string_member (builder, "kind", herald_recipient_get_kind (recipient));
    add_string_member (builder, "state", herald_recipient_get_state (recipient));
    add_string_member (builder, "reply", herald_recipient_get_reply (recipient));
    add_string_member (builder, "enhanced-code", herald_recipient_get_enhanced_code (recipient));
    add_string_member (builder, "profile", herald_recipient_get_profile (recipient));
    json_builder_end_object (builder);
  }
  json_builder_end_array (builder);
  add_strv_member (builder, "profiles", herald_delivery_get_profiles (delivery));
  json_builder_set_member_name (builder, "log");
  json_builder_begin_array (builder);
  for (guint i = 0; i < log->len; i++)
    json_builder_add_value (builder, heraldctl_attempt_to_json (g_ptr_array_index (log, i), NULL));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

JsonNode *
heraldctl_deliveries_to_json (GPtrArray *deliveries)
{
  return array_to_json (deliveries, (ToJsonFunc) heraldctl_delivery_to_json);
}

static void
add_certificate_member (JsonBuilder       *builder,
                        HeraldCertificate *certificate)
{
  json_builder_set_member_name (builder, "certificate");
  if (certificate == NULL) {
    json_builder_add_null_value (builder);
    return;
  }
  json_builder_begin_object (builder);
  add_string_member (builder, "host", herald_certificate_get_host (certificate));
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, herald_certificate_get_port (certificate));
  add_string_member (builder, "subject", herald_certificate_get_subject (certificate));
  add_string_member (builder, "issuer", herald_certificate_get_issuer (certificate));
  add_time_member (builder, "not-before", herald_certificate_get_not_before (certificate));
  add_time_member (builder, "not-after", herald_certificate_get_not_after (certificate));
  add_string_member (builder, "sha256-fingerprint",
                     herald_certificate_get_sha256_fingerprint (certificate));
  add_string_member (builder, "spki-pin", herald_certificate_get_spki_pin (certificate));
  add_strv_member (builder, "errors", herald_certificate_get_errors (certificate));
  json_builder_end_object (builder);
}

JsonNode *
heraldctl_test_result_to_json (HeraldTestResult *result,
                               const char       *profile)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string_member (builder, "profile", profile);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, herald_test_result_get_ok (result));
  add_string_member (builder, "error", herald_test_result_get_error_message (result));
  add_string_member (builder, "reply", herald_test_result_get_reply (result));
  add_string_member (builder, "enhanced-code", herald_test_result_get_enhanced_code (result));
  add_string_member (builder, "tls", herald_test_result_get_tls (result));
  add_strv_member (builder, "transcript", herald_test_result_get_transcript (result));
  add_certificate_member (builder, herald_test_result_get_certificate (result));
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* Local time for people, or "-" when unset. */
char *
heraldctl_format_time (GDateTime *time)
{
  g_autoptr(GDateTime) local = NULL;

  if (time == NULL)
    return g_strdup ("-");
  local = g_date_time_to_local (time);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

/* Text from the gateway may hold anything a sender put there: never let
 * control characters (terminal escapes, line breaks) reach the terminal. */
char *
heraldctl_sanitize (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (g_unichar_iscntrl (c))
      g_string_append_unichar (out, 0xFFFD);
    else
      g_string_append_unichar (out, c);
  }
  return g_string_free (out, FALSE);
}

/* Pads @text with spaces to @width characters (not bytes). */
static void
print_cell (const char *text,
            guint       width,
            gboolean    last)
{
  glong length = g_utf8_strlen (text, -1);

  g_print ("%s", text);
  if (last) {
    g_print ("\n");
    return;
  }
  for (glong i = length; i < (glong) width + 2; i++)
    g_print (" ");
}

/* Prints rows of @n_columns cells (a flat array of strings) as a table. */
void
heraldctl_print_table (GPtrArray *cells,
             guint      n_columns)
{
  g_autofree guint *widths = g_new0 (guint, n_columns);

  for (guint i = 0; i < cells->len; i++) {
    char *clean = heraldctl_sanitize (g_ptr_array_index (cells, i));

    g_free (g_ptr_array_index (cells, i));
    cells->pdata[i] = clean;
  }

  for (guint i = 0; i < cells->len; i++) {
    guint length = g_utf8_strlen (g_ptr_array_index (cells, i), -1);
    widths[i % n_columns] = MAX (widths[i % n_columns], length);
  }
  for (guint i = 0; i < cells->len; i++)
    print_cell (g_ptr_array_index (cells, i), widths[i % n_columns],
                i % n_columns == n_columns - 1);
}

static char *
profile_target (HeraldProfile *profile)
{
  const char *host = herald_profile_get_string (profile, "host");
  const char *maildir = herald_profile_get_string (profile, "maildir-path");
  const char *fax_backend = herald_profile_get_string (profile, "fax-backend");

  if (host != NULL && *host != '\0') {
    guint64 port = herald_profile_get_uint64 (profile, "port");
    if (port > 0)
      return g_strdup_printf ("%s:%" G_GUINT64_FORMAT, host, port);
    return g_strdup (host);
  }
  if (maildir != NULL && *maildir != '\0')
    return g_strdup (maildir);
  if (fax_backend != NULL && *fax_backend != '\0')
    return g_strdup (fax_backend);
  return g_strdup ("-");
}

void
heraldctl_print_profiles (GPtrArray *profiles)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (cells, g_strdup (_("NAME")));
  g_ptr_array_add (cells, g_strdup (_("TRANSPORT")));
  g_ptr_array_add (cells, g_strdup (_("DEFAULT")));
  g_ptr_array_add (cells, g_strdup (_("TARGET")));
  g_ptr_array_add (cells, g_strdup (_("STATE")));
  g_ptr_array_add (cells, g_strdup (_("LAST TEST")));
  for (guint i = 0; i < profiles->len; i++) {
    HeraldProfile *profile = g_ptr_array_index (profiles, i);
    const char *transport = herald_profile_get_transport (profile);
    const char *state = herald_profile_get_string (profile, "state");
    gboolean ok = FALSE;

    g_ptr_array_add (cells, g_strdup (herald_profile_get_name (profile)));
    g_ptr_array_add (cells, g_strdup (transport != NULL ? transport : "-"));
    g_ptr_array_add (cells, g_strdup (herald_profile_get_is_default (profile) ? _("yes") : ""));
    g_ptr_array_add (cells, profile_target (profile));
    /* The state a person must act on; anything else is simply ready. */
    g_ptr_array_add (cells, g_strdup (g_strcmp0 (state, "sign-in-required") == 0 ? _("sign-in required")
                                                                                 : _("ready")));
    if (herald_profile_get_last_test (profile, NULL, &ok, NULL))
      g_ptr_array_add (cells, g_strdup (ok ? _("passed") : _("failed")));
    else
      g_ptr_array_add (cells, g_strdup ("-"));
  }
  heraldctl_print_table (cells, 6);
}

/* "KEY-set" booleans stand for secrets: show only whether one is set. */
static gboolean
is_secret_flag (HeraldProfile *profile,
                const char    *key)
{
  GVariant *value = herald_profile_get_setting (profile, key);

  return g_str_has_suffix (key, "-set") && value != NULL &&
         g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN);
}

void
heraldctl_print_profile (HeraldProfile *profile)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) keys = herald_profile_get_keys (profile);
  const char * const first[] = { "name", "transport", "default", NULL };

  for (guint i = 0; first[i] != NULL; i++) {
    char *value = herald_profile_format_setting (profile, first[i]);
    g_ptr_array_add (cells, g_strconcat (first[i], ":", NULL));
    g_ptr_array_add (cells, value != NULL ? value : g_strdup ("-"));
  }
  for (guint i = 0; keys[i] != NULL; i++) {
    const char *key = keys[i];

    if (g_strv_contains (first, key))
      continue;
    if (is_secret_flag (profile, key)) {
      g_autofree char *secret = g_strndup (key, strlen (key) - strlen ("-set"));
      g_ptr_array_add (cells, g_strconcat (secret, ":", NULL));
      g_ptr_array_add (cells, g_strdup (herald_profile_get_boolean (profile, key) ?
                                        _("(set)") : _("(not set)")));
      continue;
    }
    g_ptr_array_add (cells, g_strconcat (key, ":", NULL));
    g_ptr_array_add (cells, herald_profile_format_setting (profile, key));
  }
  heraldctl_print_table (cells, 2);
}

static void
add_row (GPtrArray  *cells,
         const char *label,
         const char *value)
{
  g_ptr_array_add (cells, g_strconcat (label, ":", NULL));
  g_ptr_array_add (cells, g_strdup (value != NULL && *value != '\0' ? value : "-"));
}

void
heraldctl_print_delivery (HeraldDelivery *delivery)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *attempts = g_strdup_printf ("%u", herald_delivery_get_attempts (delivery));
  g_autofree char *created = heraldctl_format_time (herald_delivery_get_created (delivery));
  g_autofree char *updated = heraldctl_format_time (herald_delivery_get_updated (delivery));
  g_autofree char *next = heraldctl_format_time (herald_delivery_get_next_attempt (delivery));
  g_autofree char *profiles = g_strjoinv (", ", (char **) herald_delivery_get_profiles (delivery));
  GPtrArray *recipients = herald_delivery_get_recipients (delivery);
  GPtrArray *log = herald_delivery_get_log (delivery);

  add_row (cells, _("ID"), herald_delivery_get_id (delivery));
  add_row (cells, _("State"),
           herald_delivery_state_to_string (herald_delivery_get_state (delivery)));
  if (herald_delivery_get_summary (delivery) != NULL)
    add_row (cells, _("Summary"), herald_delivery_get_summary (delivery));
  add_row (cells, _("Profile"), profiles);
  add_row (cells, _("Subject"), herald_delivery_get_subject (delivery));
  add_row (cells, _("Application"), herald_delivery_get_app_name (delivery));
  add_row (cells, _("Category"), herald_delivery_get_category (delivery));
  add_row (cells, _("Urgency"), herald_urgency_to_string (herald_delivery_get_urgency (delivery)));
  add_row (cells, _("Attempts"), attempts);
  add_row (cells, _("Next attempt"), next);
  add_row (cells, _("Created"), created);
  add_row (cells, _("Updated"), updated);
  add_row (cells, _("Message-ID"), herald_delivery_get_message_id (delivery));
  add_row (cells, _("Reply"), herald_delivery_get_reply (delivery));
  add_row (cells, _("Reason"), herald_delivery_get_reason (delivery));
  for (guint i = 0; i < recipients->len; i++) {
    HeraldRecipient *recipient = g_ptr_array_index (recipients, i);
    const char *kind = herald_recipient_get_kind (recipient);
    const char *reply = herald_recipient_get_reply (recipient);
    const char *state = herald_recipient_get_state (recipient);
    g_autofree char *line = NULL;

    line = g_strdup_printf ("%s %s (%s)%s%s", kind != NULL ? kind : "to",
                            herald_recipient_get_address (recipient),
                            state != NULL ? state : "-",
                            reply != NULL && *reply != '\0' ? ": " : "",
                            reply != NULL ? reply : "");
    if (i == 0) {
      add_row (cells, _("Recipients"), line);
    } else {
      g_ptr_array_add (cells, g_strdup (""));
      g_ptr_array_add (cells, g_steal_pointer (&line));
    }
  }
  for (guint i = 0; i < log->len; i++) {
    HeraldAttempt *attempt = g_ptr_array_index (log, i);
    g_autofree char *time = heraldctl_format_time (herald_attempt_get_started (attempt));
    const char *reply = herald_attempt_get_reply (attempt);
    const char *tls = herald_attempt_get_tls (attempt);
    const char *profile = herald_attempt_get_profile (attempt);
    g_autofree char *line = g_strdup_printf ("%s %s %s (%u ms%s%s)%s%s", time,
                                             profile != NULL ? profile : "-",
                                             herald_attempt_get_result (attempt),
                                             herald_attempt_get_duration_ms (attempt),
                                             tls != NULL ? ", " : "", tls != NULL ? tls : "",
                                             reply != NULL ? ": " : "", reply != NULL ? reply : "");

    g_strdelimit (line, "\r\n", ' ');
    g_ptr_array_add (cells, i == 0 ? g_strconcat (_("Log"), ":", NULL) : g_strdup (""));
    g_ptr_array_add (cells, g_steal_pointer (&line));
  }
  heraldctl_print_table (cells, 2);
}

void
heraldctl_print_deliveries (GPtrArray *deliveries)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (cells, g_strdup (_("ID")));
  g_ptr_array_add (cells, g_strdup (_("STATE")));
  g_ptr_array_add (cells, g_strdup (_("PROFILE")));
  g_ptr_array_add (cells, g_strdup (_("UPDATED")));
  g_ptr_array_add (cells, g_strdup (_("SUBJECT")));
  for (guint i = 0; i < deliveries->len; i++) {
    HeraldDelivery *delivery = g_ptr_array_index (deliveries, i);
    const char *profile = herald_delivery_get_profile (delivery);
    const char *subject = herald_delivery_get_subject (delivery);

    g_ptr_array_add (cells, g_strdup (herald_delivery_get_id (delivery)));
    g_ptr_array_add (cells, g_strdup (herald_delivery_state_to_string (
                                        herald_delivery_get_state (delivery))));
    g_ptr_array_add (cells, g_strdup (profile != NULL ? profile : "-"));
    g_ptr_array_add (cells, heraldctl_format_time (herald_delivery_get_updated (delivery)));
    g_ptr_array_add (cells, g_strdup (subject != NULL ? subject : ""));
  }
  heraldctl_print_table (cells, 5);
}

/* Local time with its zone, for a certificate's validity. */
static char *
format_zoned_time (GDateTime *time)
{
  g_autoptr(GDateTime) local = NULL;

  if (time == NULL)
    return g_strdup ("-");
  local = g_date_time_to_local (time);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S %Z");
}

/* A row per line of @text (a server reply may span several lines). */
static void
add_lines_row (GPtrArray  *cells,
               const char *label,
               const char *text)
{
  g_auto(GStrv) lines = NULL;

  if (text == NULL || *text == '\0') {
    add_row (cells, label, NULL);
    return;
  }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_strchomp (lines[i]);
    if (i == 0) {
      add_row (cells, label, lines[i]);
    } else {
      g_ptr_array_add (cells, g_strdup (""));
      g_ptr_array_add (cells, g_strdup (lines[i]));
    }
  }
}

static void
add_indented_row (GPtrArray  *cells,
                  const char *label,
                  const char *value)
{
  add_row (cells, label, value);
  g_free (cells->pdata[cells->len - 2]);
  cells->pdata[cells->len - 2] = g_strconcat ("  ", label, ":", NULL);
}

static void
print_certificate (HeraldCertificate *certificate,
                   const char        *profile)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *not_before = format_zoned_time (herald_certificate_get_not_before (certificate));
  g_autofree char *not_after = format_zoned_time (herald_certificate_get_not_after (certificate));
  g_autofree char *errors = g_strjoinv (", ",
                                        (char **) herald_certificate_get_errors (certificate));
  g_autofree char *server = NULL;
  g_autofree char *clean_profile = NULL;
  g_autofree char *pin_entry = NULL;
  const char *host = herald_certificate_get_host (certificate);
  const char *pin = herald_certificate_get_spki_pin (certificate);

  /* The profile whose trust refused it: for email-to-fax, its fax-via. */
  if (herald_certificate_get_profile (certificate) != NULL)
    profile = herald_certificate_get_profile (certificate);
  clean_profile = heraldctl_sanitize (profile);
  if (host != NULL && herald_certificate_get_port (certificate) != 0)
    server = g_strdup_printf (strchr (host, ':') != NULL ? "[%s]:%u" : "%s:%u",
                              host, herald_certificate_get_port (certificate));
  else
    server = g_strdup (host);
  /* A pin holds for the server it was seen on only: PIN@HOST:PORT. */
  if (pin != NULL) {
    g_autofree char *clean_server = server != NULL ? heraldctl_sanitize (server) : NULL;
    g_autofree char *clean_pin = heraldctl_sanitize (pin);
    g_autofree char *entry = clean_server != NULL && herald_certificate_get_port (certificate) != 0
                             ? g_strdup_printf ("%s@%s", clean_pin, clean_server)
                             : g_strdup (clean_pin);

    pin_entry = g_ascii_strdown (entry, -1);
  }

  g_print ("\n%s\n", _("The server's certificate was refused:"));
  add_indented_row (cells, _("Server"), server);
  add_indented_row (cells, _("Subject"), herald_certificate_get_subject (certificate));
  add_indented_row (cells, _("Issuer"), herald_certificate_get_issuer (certificate));
  add_indented_row (cells, _("Valid from"), not_before);
  add_indented_row (cells, _("Valid until"), not_after);
  add_indented_row (cells, _("SHA-256 fingerprint"),
           herald_certificate_get_sha256_fingerprint (certificate));
  add_indented_row (cells, _("SPKI pin"), pin);
  add_indented_row (cells, _("Problems"), errors);
  heraldctl_print_table (cells, 2);

  if (pin == NULL)
    return;
  g_print ("\n");
  /* TRANSLATORS: followed by a command line on the next line */
  g_print ("%s\n", _("To trust this certificate after checking its fingerprint with the\n"
                     "server's operator, an administrator can pin its key:"));
  g_print ("  heraldctl profile set %s pinned-keys=%s\n", clean_profile, pin_entry);
  g_print ("%s\n", _("This replaces the profile's other pinned keys; from then on that\n"
                     "server is accepted only with a pinned key. The pin holds for that\n"
                     "server alone. “heraldctl trust add PROFILE FINGERPRINT” keeps the others."));
}

void
heraldctl_print_test_result (HeraldTestResult *result,
                             const char       *profile)
{
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  const char * const *transcript = herald_test_result_get_transcript (result);
  HeraldCertificate *certificate = herald_test_result_get_certificate (result);
  gboolean ok = herald_test_result_get_ok (result);

  add_row (cells, _("Profile"), profile);
  /* TRANSLATORS: the outcome of "heraldctl profile test" */
  add_row (cells, _("Result"), ok ? _("ok") : _("failed"));
  if (!ok)
    add_lines_row (cells, _("Error"), herald_test_result_get_error_message (result));
  add_lines_row (cells, _("Reply"), herald_test_result_get_reply (result));
  add_row (cells, _("Enhanced code"), herald_test_result_get_enhanced_code (result));
  add_row (cells, _("TLS"), herald_test_result_get_tls (result));
  if (transcript[0] == NULL)
    add_row (cells, _("Transcript"), NULL);
  heraldctl_print_table (cells, 2);

  if (transcript[0] != NULL)
    g_print ("%s:\n", _("Transcript"));
  for (guint i = 0; transcript[i] != NULL; i++) {
    g_autofree char *line = g_strdup (transcript[i]);
    g_autofree char *clean = heraldctl_sanitize (g_strchomp (line));

    g_print ("  %s\n", clean);
  }
  if (certificate != NULL)
    print_certificate (certificate, profile);
}
