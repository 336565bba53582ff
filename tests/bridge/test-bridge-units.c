/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-bridge-units.c: the desktop bridge's markup conversion, Notify
 * parsing and coalescing, without a bus */
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "hb-coalescer.h"
#include "hb-event.h"
#include "hb-markup.h"

static void
assert_markup (const char *body,
               const char *text,
               const char *html)
{
  g_autofree char *got_text = NULL;
  g_autofree char *got_html = NULL;

  hb_markup_convert (body, &got_text, &got_html);
  g_assert_cmpstr (got_text, ==, text);
  g_assert_cmpstr (got_html, ==, html);
}

static void
test_markup (void)
{
  assert_markup ("plain", "plain", "plain");
  assert_markup ("<b>Disk</b> &lt;sda&gt; &amp; <i>more</i>",
                 "Disk <sda> & more", "<b>Disk</b> &lt;sda&gt; &amp; <i>more</i>");
  /* what is not markup stays text */
  assert_markup ("a < b && c > d", "a < b && c > d", "a &lt; b &amp;&amp; c &gt; d");
  assert_markup ("x &bogus; y", "x &bogus; y", "x &amp;bogus; y");
  /* links: only safe targets are kept */
  assert_markup ("<a href=\"https://example.org/?a=1&amp;b=2\">site</a>", "site",
                 "<a href=\"https://example.org/?a=1&amp;amp;b=2\">site</a>");
  assert_markup ("<a href=\"javascript:alert(1)\">x</a>", "x", "<a href=\"\">x</a>");
  /* unknown tags and attributes vanish, images leave their alt text */
  assert_markup ("<script>1</script><img src=\"x.png\" alt=\"chart\"/>", "<script>1</script>chart",
                 "&lt;script&gt;1&lt;/script&gt;chart");
  assert_markup ("line 1\nline 2<br/>3", "line 1\nline 2\n3", "line 1<br>\nline 2<br>3");
  assert_markup ("&#65;&#x42;&#0;", "AB&#0;", "AB&amp;#0;");
}

static GVariant *
notify_parameters (const char *app,
                   guint32     replaces,
                   const char *summary,
                   GVariant   *urgency,
                   const char *category)
{
  GVariantBuilder hints;
  const char *actions[] = { NULL };

  g_variant_builder_init (&hints, G_VARIANT_TYPE_VARDICT);
  if (urgency != NULL)
    g_variant_builder_add (&hints, "{sv}", "urgency", urgency);
  if (category != NULL)
    g_variant_builder_add (&hints, "{sv}", "category", g_variant_new_string (category));
  g_variant_builder_add (&hints, "{sv}", "desktop-entry", g_variant_new_string ("org.example.App"));
  return g_variant_ref_sink (g_variant_new ("(susss^asa{sv}i)", app, replaces, "", summary,
                                            "<b>body</b>", actions, &hints, -1));
}

static void
test_event (void)
{
  g_autoptr(GVariant) params = notify_parameters ("", 7, "sum", g_variant_new_byte (2), "device.error");
  g_autoptr(GVariant) as_int = notify_parameters ("app", 0, "sum", g_variant_new_int32 (9), NULL);
  g_autoptr(GVariant) wrong = g_variant_ref_sink (g_variant_new ("(s)", "x"));
  g_autoptr(HbEvent) event = NULL;
  g_autoptr(HbEvent) event2 = NULL;
  g_autoptr(GError) error = NULL;
  guint32 replaces = 0;

  event = hb_event_new_from_notify (params, &replaces, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (replaces, ==, 7);
  /* no app name: the desktop entry names the application */
  g_assert_cmpstr (event->app_name, ==, "org.example.App");
  g_assert_cmpstr (event->category, ==, "device.error");
  g_assert_cmpuint (event->urgency, ==, 2);
  g_assert_cmpstr (event->body_text, ==, "body");

  event2 = hb_event_new_from_notify (as_int, &replaces, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (event2->urgency, ==, 2);   /* clamped */
  g_assert_null (event2->category);

  g_assert_null (hb_event_new_from_notify (wrong, &replaces, &error));
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
}

typedef struct {
  guint  calls;
  guint  last_count;
  char  *last_summary;
} Flushed;

static void
flushed_cb (const HbEvent *event,
            guint          count,
            gint64         first,
            gint64         last,
            gpointer       user_data)
{
  Flushed *flushed = user_data;

  flushed->calls++;
  flushed->last_count = count;
  g_free (flushed->last_summary);
  flushed->last_summary = g_strdup (event->summary);
  g_assert_cmpint (first, <=, last);
}

static HbEvent *
make_event (const char *summary)
{
  g_autoptr(GVariant) params = notify_parameters ("app", 0, summary, g_variant_new_byte (1), NULL);
  guint32 replaces;

  return hb_event_new_from_notify (params, &replaces, NULL);
}

static void
test_coalescer (void)
{
  g_autoptr(HbConfig) config = hb_config_new_default ();
  g_autoptr(HbCoalescer) coalescer = NULL;
  Flushed flushed = { 0 };
  guint32 first, id;

  config->coalesce_window_ms = 3600 * 1000;
  config->coalesce_max_delay_ms = 3600 * 1000;
  coalescer = hb_coalescer_new (config, flushed_cb, &flushed);

  /* a burst of the same notification is one flush with its count */
  first = hb_coalescer_add (coalescer, make_event ("same"), 0, FALSE);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (hb_coalescer_add (coalescer, make_event ("same"), 0, FALSE), !=, first);
  hb_coalescer_add (coalescer, make_event ("other"), 0, FALSE);
  g_assert_cmpuint (hb_coalescer_get_n_pending (coalescer), ==, 2);
  g_assert_cmpuint (flushed.calls, ==, 0);
  g_assert_cmpuint (hb_coalescer_flush_all (coalescer), ==, 2);
  g_assert_cmpuint (flushed.calls, ==, 2);

  /* an update of a pending notification changes it; of a sent one, nothing */
  flushed.calls = 0;
  id = hb_coalescer_add (coalescer, make_event ("v1"), 0, FALSE);
  g_assert_cmpuint (hb_coalescer_add (coalescer, make_event ("v2"), id, FALSE), ==, id);
  hb_coalescer_flush_all (coalescer);
  g_assert_cmpuint (flushed.calls, ==, 1);
  g_assert_cmpuint (flushed.last_count, ==, 1);
  g_assert_cmpstr (flushed.last_summary, ==, "v2");
  g_assert_cmpuint (hb_coalescer_add (coalescer, make_event ("v3"), id, FALSE), ==, id);
  g_assert_cmpuint (hb_coalescer_get_n_pending (coalescer), ==, 0);

  /* an unknown replaces_id is a new notification; monitor mode adopts it */
  g_assert_cmpuint (hb_coalescer_add (coalescer, make_event ("new"), 999999, FALSE), !=, 999999);
  g_assert_cmpuint (hb_coalescer_add (coalescer, make_event ("mon"), 4242, TRUE), ==, 4242);
  hb_coalescer_flush_all (coalescer);
  g_assert_cmpuint (hb_coalescer_add (coalescer, make_event ("mon 2"), 4242, TRUE), ==, 4242);
  g_assert_cmpuint (hb_coalescer_get_n_pending (coalescer), ==, 0);
  g_free (flushed.last_summary);
}

static void
test_no_window (void)
{
  g_autoptr(HbConfig) config = hb_config_new_default ();
  g_autoptr(HbCoalescer) coalescer = NULL;
  Flushed flushed = { 0 };

  config->coalesce_window_ms = 0;
  coalescer = hb_coalescer_new (config, flushed_cb, &flushed);
  hb_coalescer_add (coalescer, make_event ("now"), 0, FALSE);
  hb_coalescer_add (coalescer, make_event ("now"), 0, FALSE);
  g_assert_cmpuint (flushed.calls, ==, 2);
  g_assert_cmpuint (hb_coalescer_get_n_pending (coalescer), ==, 0);
  g_free (flushed.last_summary);
}

static void
test_config (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HbConfig) config = NULL;
  int fd = g_file_open_tmp ("bridge-XXXXXX.conf", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, "[bridge]\nmode=forward;monitor\ncoalesce-window=0.5\n"
                                      "tags=a;b\ngateway-bus=system\n", -1, NULL));
  config = hb_config_load (path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->mode, ==, HB_MODE_FORWARD | HB_MODE_MONITOR);
  g_assert_cmpuint (config->coalesce_window_ms, ==, 500);
  g_assert_cmpuint (config->gateway_bus, ==, G_BUS_TYPE_SYSTEM);
  g_assert_cmpstr (config->tags[1], ==, "b");
  g_clear_pointer (&config, hb_config_free);

  g_assert_true (g_file_set_contents (path, "[bridge]\ncoalesce-windw=3\n", -1, NULL));
  g_assert_null (hb_config_load (path, FALSE, &error));
  g_assert_nonnull (strstr (error->message, "coalesce-windw"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "[bridge]\nreplace-window=-1\n", -1, NULL));
  g_assert_null (hb_config_load (path, FALSE, &error));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "[bridge]\nmode=everything\n", -1, NULL));
  g_assert_null (hb_config_load (path, FALSE, &error));
  g_clear_error (&error);
  g_unlink (path);

  /* a missing optional file gives the defaults */
  config = hb_config_load (path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->mode, ==, HB_MODE_FORWARD);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bridge/markup", test_markup);
  g_test_add_func ("/bridge/event", test_event);
  g_test_add_func ("/bridge/coalescer", test_coalescer);
  g_test_add_func ("/bridge/coalescer-no-window", test_no_window);
  g_test_add_func ("/bridge/config", test_config);
  return g_test_run ();
}
