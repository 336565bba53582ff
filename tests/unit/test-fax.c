/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-fax.c: fax numbers, documents and protocol values (gw-fax.c) */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "herald-error.h"
#include "gw-composer.h"
#include "gw-fax.h"
#include "gw-notification.h"
#include "gw-remote-jobs.h"
#include "gw-stored-profile.h"
#include "transport-test-util.h"

static void
test_number_check (void)
{
  const char *good[] = { "+1 724 627 9591", "+1-724-627-9591", "(724) 627-9591", "030/1234.567",
                         "123", "12345678901234567890", NULL };
  const char *bad[] = { "724-FAX-9591", "12", "123456789012345678901", "1+23", "+1 724\r\n627",
                        "+1\t724", "\xe2\x98\x8e 1234", "", "+", NULL };

  for (guint i = 0; good[i] != NULL; i++) {
    g_autoptr(GError) error = NULL;
    g_assert_true (gw_fax_number_check (good[i], &error));
    g_assert_no_error (error);
  }
  for (guint i = 0; bad[i] != NULL; i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false (gw_fax_number_check (bad[i], &error));
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ADDRESS);
    /* Control characters are never echoed back. */
    g_assert_null (strchr (error->message, '\r'));
    g_assert_null (strchr (error->message, '\n'));
  }
}

static void
test_number_normalize (void)
{
  const struct { const char *number, *cc, *expected; } cases[] = {
    { "724-627-9591", "1", "17246279591" },
    { "+1 724 627 9591", "1", "17246279591" },
    { "1 724 627 9591", "1", "17246279591" },
    { "+1 724 627 9591", "49", "17246279591" },
    { "030 1234567", "49", "49301234567" },
    { "0049 30 1234567", "1", "49301234567" },
    { "724-627-9591", NULL, "7246279591" },
    { "724-627-9591", "+1", "17246279591" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *digits = gw_fax_number_normalize (cases[i].number, cases[i].cc, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (digits, ==, cases[i].expected);
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (gw_fax_number_normalize ("call me", "1", &error));
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ADDRESS);
  }
}

static void
test_document_type (void)
{
  g_autoptr(GBytes) pdf = g_bytes_new_static ("%PDF-1.4\n%%EOF\n", 15);
  g_autoptr(GBytes) png = g_bytes_new_static ("\x89PNG\r\n\x1a\n\0\0\0\0", 12);
  const struct { const char *type, *expected; } types[] = {
    { "application/pdf", "application/pdf" },
    { "Application/PDF; name=x.pdf", "application/pdf" },
    { "application/postscript", "application/postscript" },
    { "image/tiff", "image/tiff" },
    { "image/x-tiff", "image/tiff" },
    { "text/plain", "text/plain" },
    { "image/png", NULL },
    { "application/msword", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *type = gw_fax_document_type ("doc", types[i].type, pdf, &error);

    g_assert_cmpstr (type, ==, types[i].expected);
    if (types[i].expected == NULL)
      g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  }
  {
    g_autofree char *type = gw_fax_document_type ("doc.pdf", NULL, pdf, NULL);
    g_assert_cmpstr (type, ==, "application/pdf");
  }
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *type = gw_fax_document_type ("picture.png", NULL, png, &error);
    g_assert_null (type);
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_line_value (void)
{
  const char *bad[] = { "a\r\nJKILL", "a\nb", "a\rb", "quote\"d", "tab\there", "del\x7f", NULL };
  g_autofree char *long_value = g_strnfill (300, 'x');

  g_assert_true (gw_fax_check_line_value ("value", "+17246279591", 256, NULL));
  g_assert_true (gw_fax_check_line_value ("value", "Jürgen Müller", 256, NULL));
  for (guint i = 0; bad[i] != NULL; i++) {
    g_autoptr(GError) error = NULL;
    g_assert_false (gw_fax_check_line_value ("value", bad[i], 256, &error));
    g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  }
  g_assert_false (gw_fax_check_line_value ("value", long_value, 256, NULL));
}

/* Composed for a fax profile, read back: cover text and pages survive. */
static void
test_content_round_trip (void)
{
  GwTransport *fax = gw_plugin_loader_lookup (herald_test_load_transports (), "fax");
  g_autoptr(GwProfile) profile = gw_stored_profile_new ("fax-office", NULL);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) settings = NULL;
  g_autoptr(GVariant) request = NULL;
  g_autoptr(GwNotification) n = NULL;
  g_autoptr(GwEnvelope) envelope = NULL;
  g_autoptr(GwFaxContent) content = NULL;
  g_autoptr(GError) error = NULL;
  GwAttachment *attachment;
  GwFaxDocument *document;
  const char *numbers[] = { "+1 724 627 9591", NULL };

  g_variant_dict_insert (&dict, "transport", "s", "fax");
  g_variant_dict_insert (&dict, "fax-backend", "s", "hylafax");
  g_variant_dict_insert (&dict, "from-address", "s", "fax@herald.test");
  settings = g_variant_ref_sink (g_variant_dict_end (&dict));
  g_assert_true (gw_stored_profile_apply (profile, settings, &error));
  g_assert_no_error (error);

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "fax", "^as", numbers);
  g_variant_dict_insert (&dict, "subject", "s", "Invoice");
  g_variant_dict_insert (&dict, "body", "s", "Please sign.\n");
  request = g_variant_ref_sink (g_variant_dict_end (&dict));
  n = gw_notification_new_from_variant (request, NULL, &error);
  g_assert_no_error (error);
  attachment = g_new0 (GwAttachment, 1);
  attachment->name = g_strdup ("invoice.pdf");
  attachment->data = g_bytes_new_static ("%PDF-1.4\n%%EOF\n", 15);
  g_ptr_array_add (n->attachments, attachment);

  envelope = gw_composer_compose (profile, n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gw_envelope_get_n_recipients (envelope), ==, 1);
  g_assert_cmpstr (gw_envelope_get_recipient (envelope, 0)->kind, ==, "fax");
  g_assert_cmpstr (gw_envelope_get_recipient (envelope, 0)->address, ==, "+1 724 627 9591");

  content = gw_fax_content_new_from_envelope (envelope, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (content->subject, ==, "Invoice");
  g_assert_cmpstr (content->cover_text, ==, "Please sign.");
  g_assert_cmpuint (content->documents->len, ==, 1);
  document = g_ptr_array_index (content->documents, 0);
  g_assert_cmpstr (document->name, ==, "invoice.pdf");
  g_assert_cmpstr (document->content_type, ==, "application/pdf");
  g_assert_cmpmem (g_bytes_get_data (document->data, NULL), g_bytes_get_size (document->data),
                   "%PDF-1.4\n%%EOF\n", 15);

  /* The fax transport takes the PDF at Send and refuses a picture. */
  g_assert_true (gw_transport_check_content (fax, profile, envelope, &error));
  g_assert_no_error (error);
  attachment = g_new0 (GwAttachment, 1);
  attachment->name = g_strdup ("photo.png");
  attachment->content_type = g_strdup ("image/png");
  attachment->data = g_bytes_new_static ("\x89PNG\r\n\x1a\n", 8);
  g_ptr_array_add (n->attachments, attachment);
  g_clear_object (&envelope);
  envelope = gw_composer_compose (profile, n, &error);
  g_assert_no_error (error);
  g_assert_false (gw_transport_check_content (fax, profile, envelope, &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "photo.png"));
}

/* Fax numbers are the fax transport's recipients: checked at Send. */
static void
test_recipient_kind (void)
{
  GwTransport *fax = gw_plugin_loader_lookup (herald_test_load_transports (), "fax");
  g_autoptr(GVariant) request = NULL;
  g_autoptr(GwNotification) n = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (gw_transport_get_recipient_kind (fax), ==, "fax");
  g_assert_true (GW_IS_REMOTE_JOBS (fax));
  g_assert_true (gw_transport_check_recipient (fax, "+1 (724) 627-9591", &error));
  g_assert_false (gw_transport_check_recipient (fax, "call me", &error));
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ADDRESS);
  g_clear_error (&error);

  request = g_variant_ref_sink (g_variant_new_parsed ("{'fax': <['+1 724 627 9591', 'x\r\nJKILL']>}"));
  n = gw_notification_new_from_variant (request, NULL, &error);
  g_assert_null (n);
  g_assert_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  herald_test_load_transports ();
  g_mime_init ();
  g_test_add_func ("/fax/number/check", test_number_check);
  g_test_add_func ("/fax/number/normalize", test_number_normalize);
  g_test_add_func ("/fax/document-type", test_document_type);
  g_test_add_func ("/fax/line-value", test_line_value);
  g_test_add_func ("/fax/content-round-trip", test_content_round_trip);
  g_test_add_func ("/fax/recipient-kind", test_recipient_kind);
  return g_test_run ();
}
