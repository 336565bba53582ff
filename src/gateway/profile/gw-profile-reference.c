/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-profile-reference.c: the reference of the profile keys
 *
 * Made from the setting specs of the transports loaded, never written by
 * hand: GetProfileKeys gives each key's entry, and `heraldd
 * --print-profile-keys=markdown|docbook` renders them all into
 * docs/profile-keys.md and herald-profile(5) at build time, so a key a
 * transport adds is documented without an edit here.
 */
#define G_LOG_DOMAIN "gw-profile-schema"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "gw-profile-reference.h"
#include "gw-profile-schema.h"
#include "gw-setting-describe.h"
#include "gw-units.h"

static const char * const type_names[] = {
  [GW_SETTING_STRING] = "string",
  [GW_SETTING_ENUM] = "enum",
  [GW_SETTING_BOOLEAN] = "boolean",
  [GW_SETTING_UINT] = "uint",
  [GW_SETTING_HOST] = "host",
  [GW_SETTING_ADDRESS] = "address",
  [GW_SETTING_PATH] = "path",
  [GW_SETTING_URL] = "url",
  [GW_SETTING_PROFILE] = "profile",
  [GW_SETTING_PINS] = "pins",
  [GW_SETTING_STRING_LIST] = "string-list",
};

GVariant *
gw_profile_reference_key (const GwSettingSpec *spec,
                          const char          *transport)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  const char         *key = gw_setting_spec_get_key (spec);
  GwSettingType       type = gw_setting_spec_get_value_type (spec);
  gboolean            secret = gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_SECRET);
  const char * const *values = gw_setting_spec_get_allowed_values (spec);
  const char         *description = gw_setting_spec_get_description (spec);
  g_autoptr(GVariant) def = secret ? NULL : gw_setting_default (key, transport);

  g_variant_builder_add (&builder, "{sv}", "key", g_variant_new_string (key));
  /* A secret is a write-only string: a form shows a password field. */
  g_variant_builder_add (&builder, "{sv}", "type",
                         g_variant_new_string (secret ? "secret" : type_names[type]));
  g_variant_builder_add (&builder, "{sv}", "description",
                         g_variant_new_string (description != NULL ? description : ""));
  g_variant_builder_add (&builder, "{sv}", "secret", g_variant_new_boolean (secret));
  /* Changing it on a profile with stored secrets needs manage-trust too
   * (the credential-redirect guard). */
  g_variant_builder_add (&builder, "{sv}", "redirects-secrets",
                         g_variant_new_boolean (gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_REDIRECTS_SECRETS)));
  if (gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_SECONDS))
    g_variant_builder_add (&builder, "{sv}", "unit", g_variant_new_string ("seconds"));
  else if (gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_BYTES))
    g_variant_builder_add (&builder, "{sv}", "unit", g_variant_new_string ("bytes"));
  if (type == GW_SETTING_UINT) {
    g_variant_builder_add (&builder, "{sv}", "min",
                           g_variant_new_uint64 (gw_setting_spec_get_minimum (spec)));
    g_variant_builder_add (&builder, "{sv}", "max",
                           g_variant_new_uint64 (gw_setting_spec_get_maximum (spec)));
  }
  if (values != NULL) {
    g_variant_builder_add (&builder, "{sv}", "values", g_variant_new_strv (values, -1));
  } else if (g_str_equal (key, "transport")) {
    /* Its choices are the transports loaded now. */
    g_auto(GStrv) loaded = gw_profile_schema_dup_transports ();

    g_variant_builder_add (&builder, "{sv}", "values",
                           g_variant_new_strv ((const char * const *) loaded, -1));
  }
  if (def != NULL) {
    g_autofree char *text = NULL;

    /* A list in the form a profile takes it: "failure,delay". */
    if (g_variant_is_of_type (def, G_VARIANT_TYPE_STRING)) {
      text = g_variant_dup_string (def, NULL);
    } else if (g_variant_is_of_type (def, G_VARIANT_TYPE_STRING_ARRAY)) {
      g_autofree const char **items = g_variant_get_strv (def, NULL);

      text = g_strjoinv (",", (char **) items);
    } else {
      text = g_variant_print (def, FALSE);
    }
    g_variant_builder_add (&builder, "{sv}", "default", g_variant_new_string (text));
  }
  return g_variant_builder_end (&builder);
}

typedef struct {
  GString                 *out;
  GwProfileReferenceFormat format;
} Page;

static char *
escape (Page *page, const char *text)
{
  if (page->format == GW_PROFILE_REFERENCE_DOCBOOK)
    return g_markup_escape_text (text, -1);
  /* Markdown: no character of a description may start markup. */
  {
    GString *out = g_string_new (NULL);

    for (const char *p = text; *p != '\0'; p++) {
      if (strchr ("\\`*_[]<>|#", *p) != NULL)
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
    return g_string_free (out, FALSE);
  }
}

static void
heading (Page *page, const char *title, const char *id)
{
  g_autofree char *text = escape (page, title);

  if (page->format == GW_PROFILE_REFERENCE_MARKDOWN)
    g_string_append_printf (page->out, "## %s\n\n", text);
  else
    g_string_append_printf (page->out, "  <refsect1 id=\"%s\">\n    <title>%s</title>\n", id, text);
}

static void
end_section (Page *page)
{
  if (page->format == GW_PROFILE_REFERENCE_DOCBOOK)
    g_string_append (page->out, "  </refsect1>\n\n");
}

static void
paragraph (Page *page, const char *text)
{
  g_autofree char *escaped = escape (page, text);

  if (page->format == GW_PROFILE_REFERENCE_MARKDOWN)
    g_string_append_printf (page->out, "%s\n\n", escaped);
  else
    g_string_append_printf (page->out, "    <para>%s</para>\n", escaped);
}

static void
begin_list (Page *page)
{
  if (page->format == GW_PROFILE_REFERENCE_DOCBOOK)
    g_string_append (page->out, "    <variablelist>\n");
}

static void
end_list (Page *page)
{
  if (page->format == GW_PROFILE_REFERENCE_DOCBOOK)
    g_string_append (page->out, "    </variablelist>\n");
}

/* One entry: a term and its lines. */
static void
entry (Page *page, const char *term, const char * const *lines)
{
  g_autofree char *escaped_term = escape (page, term);

  if (page->format == GW_PROFILE_REFERENCE_MARKDOWN) {
    g_string_append_printf (page->out, "### `%s`\n\n", term);
    for (guint i = 0; lines[i] != NULL; i++) {
      g_autofree char *line = escape (page, lines[i]);
      g_string_append_printf (page->out, i == 0 ? "%s\n\n" : "- %s\n", line);
    }
    g_string_append (page->out, "\n");
    return;
  }
  g_string_append_printf (page->out, "      <varlistentry>\n"
                                     "        <term><varname>%s</varname></term>\n"
                                     "        <listitem>\n",
                          escaped_term);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_autofree char *line = escape (page, lines[i]);
    g_string_append_printf (page->out, "          <para>%s</para>\n", line);
  }
  g_string_append (page->out, "        </listitem>\n      </varlistentry>\n");
}

static void
key_entry (Page *page, const GwSettingSpec *spec, const char *transport)
{
  g_autoptr(GVariant) key = g_variant_ref_sink (gw_profile_reference_key (spec, transport));
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *values = gw_setting_describe_values (key);
  g_autofree char *def = gw_setting_describe_default (key);
  const char      *description = gw_setting_spec_get_description (spec);

  g_ptr_array_add (lines, g_strconcat (description != NULL ? description : "", ".", NULL));
  /* TRANSLATORS: what values a key takes */
  g_ptr_array_add (lines, g_strdup_printf (_("Value: %s."), values));
  if (def != NULL)
    /* TRANSLATORS: a key's default value */
    g_ptr_array_add (lines, g_strdup_printf (_("Default: %s."), def));
  if (gw_setting_spec_has_flag (spec, GW_SETTING_FLAG_REDIRECTS_SECRETS))
    g_ptr_array_add (lines, g_strdup (_("Changing it on a profile that holds secrets needs the "
                                         "org.herald.gateway.manage-trust authorisation too (the "
                                         "credential-redirect guard).")));
  g_ptr_array_add (lines, NULL);
  entry (page, gw_setting_spec_get_key (spec), (const char * const *) lines->pdata);
}

/* The keys of a profile of @transport that are its own (@own) or every
 * profile's (!@own). */
static void
key_entries (Page *page, const char *transport, gboolean own)
{
  g_autoptr(GPtrArray) specs = gw_profile_schema_list_for (transport);
  g_autoptr(GPtrArray) common = gw_profile_schema_list_for (NULL);

  begin_list (page);
  for (guint i = 0; i < specs->len; i++) {
    gboolean is_common = g_ptr_array_find (common, specs->pdata[i], NULL);

    if (is_common != own)
      key_entry (page, specs->pdata[i], transport);
  }
  end_list (page);
}

static void
value_rules (Page *page)
{
  const char *rules[][2] = {
    { N_("Sizes"), NULL },
    { N_("Durations"), NULL },
    { N_("Booleans"), N_("true, false, yes, no, on, off, 1 or 0.") },
    { N_("Lists"), N_("items separated by commas, semicolons or spaces.") },
    { N_("Secrets"), N_("write-only: kept encrypted apart from the profile, set with “heraldctl "
                          "profile set-password NAME --key KEY” or the D-Bus method SetSecret, and "
                          "never shown (a profile shows KEY-set instead).") },
    { N_("Resetting"), N_("an empty value (“heraldctl profile set NAME KEY=”) gives a key its "
                            "default again.") },
  };
  g_autofree char *sizes = g_strconcat (gw_units_size_forms (), ".", NULL);
  g_autofree char *durations = g_strconcat (gw_units_duration_forms (), ".", NULL);

  rules[0][1] = sizes;
  rules[1][1] = durations;
  begin_list (page);
  for (guint i = 0; i < G_N_ELEMENTS (rules); i++) {
    const char      *lines[] = { i < 2 ? rules[i][1] : _(rules[i][1]), NULL };
    g_autofree char *term = escape (page, _(rules[i][0]));

    if (page->format == GW_PROFILE_REFERENCE_MARKDOWN) {
      g_autofree char *line = escape (page, lines[0]);
      g_string_append_printf (page->out, "- **%s**: %s\n", term, line);
      continue;
    }
    g_string_append_printf (page->out, "      <varlistentry>\n        <term>%s</term>\n"
                                       "        <listitem><para>",
                            term);
    {
      g_autofree char *line = escape (page, lines[0]);
      g_string_append_printf (page->out, "%s</para></listitem>\n      </varlistentry>\n", line);
    }
  }
  end_list (page);
  if (page->format == GW_PROFILE_REFERENCE_MARKDOWN)
    g_string_append (page->out, "\n");
}

static void
begin_page (Page *page, const char *transports)
{
  if (page->format == GW_PROFILE_REFERENCE_MARKDOWN) {
    g_string_append_printf (page->out,
                            "# Profile keys\n\n"
                            "<!-- Generated by `heraldd --print-profile-keys=markdown` from the "
                            "setting specs of the transports it loaded (%s). Do not edit: run "
                            "`ninja -C build update-profile-keys`; the test profile-keys-doc fails "
                            "while this page is stale. -->\n\n",
                            transports);
    return;
  }
  g_string_append (page->out,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<!DOCTYPE refentry PUBLIC \"-//OASIS//DTD DocBook XML V4.5//EN\"\n"
                   "  \"http://www.oasis-open.org/docbook/xml/4.5/docbookx.dtd\">\n");
  g_string_append_printf (page->out,
                          "<!-- Generated by heraldd (option print-profile-keys=docbook) from the setting "
                          "specs of the transports it loaded (%s); do not edit. -->\n"
                          "<refentry id=\"herald-profile\">\n"
                          "  <refentryinfo>\n    <title>herald-profile</title>\n"
                          "    <productname>Herald</productname>\n"
                          "    <author><contrib>Developer</contrib>"
                          "<othername>The Herald developers</othername></author>\n"
                          "  </refentryinfo>\n"
                          "  <refmeta>\n    <refentrytitle>herald-profile</refentrytitle>\n"
                          "    <manvolnum>5</manvolnum>\n"
                          "    <refmiscinfo class=\"manual\">File Formats Manual</refmiscinfo>\n"
                          "    <refmiscinfo class=\"source\">Herald</refmiscinfo>\n  </refmeta>\n"
                          "  <refnamediv>\n    <refname>herald-profile</refname>\n"
                          "    <refpurpose>the keys of a Herald delivery profile</refpurpose>\n"
                          "  </refnamediv>\n\n",
                          transports);
}

static void
end_page (Page *page)
{
  if (page->format == GW_PROFILE_REFERENCE_MARKDOWN)
    return;
  g_string_append (page->out,
                   "  <refsect1 id=\"see-also\">\n    <title>See also</title>\n    <para>\n"
                   "      <citerefentry><refentrytitle>heraldctl</refentrytitle><manvolnum>1</manvolnum></citerefentry>,\n"
                   "      <citerefentry><refentrytitle>heraldd</refentrytitle><manvolnum>8</manvolnum></citerefentry>\n"
                   "    </para>\n  </refsect1>\n</refentry>\n");
}

char *
gw_profile_reference_render (GwProfileReferenceFormat format)
{
  Page page = { g_string_new (NULL), format };
  g_auto(GStrv) transports = gw_profile_schema_dup_transports ();
  g_autofree char *listed = g_strjoinv (", ", transports);

  begin_page (&page, listed);
  heading (&page, _("Description"), "description");
  paragraph (&page, _("A profile is one named delivery target of the Herald notification gateway. "
                       "Its keys are set with “heraldctl profile add NAME KEY=VALUE…” and "
                       "“heraldctl profile set”, or over D-Bus with AddProfile and UpdateProfile "
                       "(org.herald.Gateway1). A profile has the keys every profile has and those "
                       "its transport declares; “heraldctl profile keys [TRANSPORT]” prints this "
                       "reference from the running gateway, with the transports it loaded, and "
                       "“heraldctl profile show NAME” a profile's values in their units."));
  paragraph (&page, _("A profile added without transport takes the default transport, smtp; "
                       "heraldctl names it when it does, and GetProfile lists such keys under "
                       "“defaults”."));
  end_section (&page);
  heading (&page, _("Values"), "values");
  value_rules (&page);
  end_section (&page);
  heading (&page, _("Keys of every profile"), "common-keys");
  key_entries (&page, NULL, FALSE);
  end_section (&page);
  for (guint i = 0; transports[i] != NULL; i++) {
    /* TRANSLATORS: %s is a transport such as "smtp" */
    g_autofree char *title = g_strdup_printf (_("Transport %s"), transports[i]);
    g_autofree char *intro = g_strdup_printf (_("The keys of a profile with transport=%s, besides "
                                                 "those of every profile."),
                                              transports[i]);
    g_autofree char *id = g_strconcat ("transport-", transports[i], NULL);

    heading (&page, title, id);
    paragraph (&page, intro);
    key_entries (&page, transports[i], TRUE);
    end_section (&page);
  }
  end_page (&page);
  return g_string_free (page.out, FALSE);
}
