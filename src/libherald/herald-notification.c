/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-notification.c: a notification to send */
#define G_LOG_DOMAIN "herald-notification"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "herald-enum-types.h"
#include "herald-notification-private.h"
#include "herald-private.h"

/**
 * HeraldNotification:
 *
 * A notification to hand to the gateway with herald_client_send():
 * recipients, subject, body, attachments and the hints routing rules match
 * on (category, urgency, application name, tags).
 *
 * Everything but the attachments is a GObject property, so a notification
 * can be built from its properties in one go — in Python
 * `Herald.Notification(subject="Disk full", to=["ops@example.org"])`, in
 * GJS `new Herald.Notification({subject: 'Disk full', to: ['ops@example.org']})`
 * — and bound to widgets; each property notifies when it changes.
 *
 * Attachments are held as open file descriptors from the moment they are
 * added (from a path, a #GFile, a descriptor or #GBytes) and passed to the
 * gateway as descriptors, never as paths, so the gateway reads exactly the
 * file the caller could read.
 *
 * Only what is set is sent; the gateway fills in the rest from the
 * profile (the sender address, for example).
 *
 * Since: 0.1
 */

G_DEFINE_FINAL_TYPE (HeraldNotification, herald_notification, G_TYPE_OBJECT)

static GParamSpec *properties[HERALD_NOTIFICATION_N_PROPS];

void
herald_notification_notify (HeraldNotification *self,
                            guint               prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/* The list behind a string-array property. */
GPtrArray *
herald_notification_list_for (HeraldNotification *self,
                              guint              prop_id)
{
  switch (prop_id) {
  case HERALD_NOTIFICATION_PROP_TO:
    return self->to;
  case HERALD_NOTIFICATION_PROP_CC:
    return self->cc;
  case HERALD_NOTIFICATION_PROP_BCC:
    return self->bcc;
  case HERALD_NOTIFICATION_PROP_FAX:
    return self->fax;
  case HERALD_NOTIFICATION_PROP_TAGS:
    return self->tags;
  default:
    return NULL;
  }
}

/* A string-array property's value: never NULL (an empty GPtrArray may have
 * no pdata at all). */
const char * const *
herald_notification_get_list (HeraldNotification *self,
                              guint               prop_id)
{
  static const char * const empty[] = { NULL };
  GPtrArray *list = herald_notification_list_for (self, prop_id);

  return list->len > 0 ? (const char * const *) list->pdata : empty;
}

/* The field behind a string property. */
char **
herald_notification_field_for (HeraldNotification *self,
                               guint              prop_id)
{
  switch (prop_id) {
  case HERALD_NOTIFICATION_PROP_SUBJECT:
    return &self->subject;
  case HERALD_NOTIFICATION_PROP_BODY:
    return &self->body;
  case HERALD_NOTIFICATION_PROP_HTML:
    return &self->html;
  case HERALD_NOTIFICATION_PROP_FROM:
    return &self->from;
  case HERALD_NOTIFICATION_PROP_REPLY_TO:
    return &self->reply_to;
  case HERALD_NOTIFICATION_PROP_CATEGORY:
    return &self->category;
  case HERALD_NOTIFICATION_PROP_APP_NAME:
    return &self->app_name;
  case HERALD_NOTIFICATION_PROP_PROFILE:
    return &self->profile;
  case HERALD_NOTIFICATION_PROP_IDEMPOTENCY_KEY:
    return &self->idempotency_key;
  default:
    return NULL;
  }
}

void
herald_notification_set_string_property (HeraldNotification *self,
                                         guint              prop_id,
                                         const char         *value)
{
  char **field = herald_notification_field_for (self, prop_id);

  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

void
herald_notification_set_list_property (HeraldNotification *self,
                                       guint              prop_id,
                                       const char * const *values)
{
  GPtrArray *list = herald_notification_list_for (self, prop_id);

  if (list->len == 0 && (values == NULL || values[0] == NULL))
    return;
  if (values != NULL && list->len > 0 && g_strv_equal ((const char * const *) list->pdata, values))
    return;
  g_ptr_array_set_size (list, 0);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    g_ptr_array_add (list, g_strdup (values[i]));
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

void
herald_notification_add_to_list_property (HeraldNotification *self,
                                          guint              prop_id,
                                          const char         *value)
{
  g_ptr_array_add (herald_notification_list_for (self, prop_id), g_strdup (value));
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static int
compare_names (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The headers as `a{ss}`, sorted by name. */
GVariant *
herald_notification_headers_variant (HeraldNotification *self)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));
  GHashTable *headers = self->headers;
  guint n = 0;
  g_autofree const char **names = (const char **) g_hash_table_get_keys_as_array (headers, &n);

  g_qsort_with_data (names, n, sizeof (char *), compare_names, NULL);
  for (guint i = 0; i < n; i++)
    g_variant_builder_add (&builder, "{ss}", names[i], g_hash_table_lookup (headers, names[i]));
  return g_variant_builder_end (&builder);
}

void
herald_notification_replace_headers (HeraldNotification *self,
             GVariant           *headers)
{
  GVariantIter iter;
  const char *name;
  const char *value;

  g_hash_table_remove_all (self->headers);
  if (headers != NULL) {
    g_variant_iter_init (&iter, headers);
    while (g_variant_iter_next (&iter, "{&s&s}", &name, &value))
      g_hash_table_replace (self->headers, g_strdup (name), g_strdup (value));
  }
  g_object_notify_by_pspec (G_OBJECT (self), properties[HERALD_NOTIFICATION_PROP_HEADERS]);
}

static void
herald_notification_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  HeraldNotification *self = HERALD_NOTIFICATION (object);

  switch (prop_id) {
  case HERALD_NOTIFICATION_PROP_TO:
  case HERALD_NOTIFICATION_PROP_CC:
  case HERALD_NOTIFICATION_PROP_BCC:
  case HERALD_NOTIFICATION_PROP_FAX:
  case HERALD_NOTIFICATION_PROP_TAGS:
    g_value_set_boxed (value, herald_notification_get_list (self, prop_id));
    break;
  case HERALD_NOTIFICATION_PROP_SUBJECT:
  case HERALD_NOTIFICATION_PROP_BODY:
  case HERALD_NOTIFICATION_PROP_HTML:
  case HERALD_NOTIFICATION_PROP_FROM:
  case HERALD_NOTIFICATION_PROP_REPLY_TO:
  case HERALD_NOTIFICATION_PROP_CATEGORY:
  case HERALD_NOTIFICATION_PROP_APP_NAME:
  case HERALD_NOTIFICATION_PROP_PROFILE:
  case HERALD_NOTIFICATION_PROP_IDEMPOTENCY_KEY:
    g_value_set_string (value, *herald_notification_field_for (self, prop_id));
    break;
  case HERALD_NOTIFICATION_PROP_URGENCY:
    g_value_set_enum (value, self->urgency);
    break;
  case HERALD_NOTIFICATION_PROP_HEADERS:
    g_value_take_variant (value, g_variant_ref_sink (herald_notification_headers_variant (self)));
    break;
  case HERALD_NOTIFICATION_PROP_N_ATTACHMENTS:
    g_value_set_uint (value, self->attachments->len);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
herald_notification_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  HeraldNotification *self = HERALD_NOTIFICATION (object);

  switch (prop_id) {
  case HERALD_NOTIFICATION_PROP_TO:
  case HERALD_NOTIFICATION_PROP_CC:
  case HERALD_NOTIFICATION_PROP_BCC:
  case HERALD_NOTIFICATION_PROP_FAX:
  case HERALD_NOTIFICATION_PROP_TAGS:
    herald_notification_set_list_property (self, prop_id, g_value_get_boxed (value));
    break;
  case HERALD_NOTIFICATION_PROP_SUBJECT:
  case HERALD_NOTIFICATION_PROP_BODY:
  case HERALD_NOTIFICATION_PROP_HTML:
  case HERALD_NOTIFICATION_PROP_FROM:
  case HERALD_NOTIFICATION_PROP_REPLY_TO:
  case HERALD_NOTIFICATION_PROP_CATEGORY:
  case HERALD_NOTIFICATION_PROP_APP_NAME:
  case HERALD_NOTIFICATION_PROP_PROFILE:
  case HERALD_NOTIFICATION_PROP_IDEMPOTENCY_KEY:
    herald_notification_set_string_property (self, prop_id, g_value_get_string (value));
    break;
  case HERALD_NOTIFICATION_PROP_URGENCY:
    herald_notification_set_urgency (self, g_value_get_enum (value));
    break;
  case HERALD_NOTIFICATION_PROP_HEADERS:
    herald_notification_replace_headers (self, g_value_get_variant (value));
    break;
  case HERALD_NOTIFICATION_PROP_N_ATTACHMENTS:
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
herald_notification_finalize (GObject *object)
{
  HeraldNotification *self = HERALD_NOTIFICATION (object);

  g_ptr_array_unref (self->to);
  g_ptr_array_unref (self->cc);
  g_ptr_array_unref (self->bcc);
  g_ptr_array_unref (self->fax);
  g_ptr_array_unref (self->tags);
  g_hash_table_unref (self->headers);
  g_array_unref (self->attachments);
  for (guint prop_id = HERALD_NOTIFICATION_PROP_SUBJECT; prop_id <= HERALD_NOTIFICATION_PROP_IDEMPOTENCY_KEY; prop_id++)
    g_free (*herald_notification_field_for (self, prop_id));

  G_OBJECT_CLASS (herald_notification_parent_class)->finalize (object);
}

static GParamSpec *
list_property (const char *name)
{
  return g_param_spec_boxed (name, NULL, NULL, G_TYPE_STRV,
                             G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
herald_notification_class_init (HeraldNotificationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = herald_notification_get_property;
  object_class->set_property = herald_notification_set_property;
  object_class->finalize = herald_notification_finalize;
  herald_i18n_init ();

  /**
   * HeraldNotification:to: (getter get_to) (setter set_to)
   *
   * The `To` recipients: e-mail addresses, each optionally with a display
   * name (`Ops <ops@example.com>`).
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_TO] = list_property ("to");
  /**
   * HeraldNotification:cc: (getter get_cc) (setter set_cc)
   *
   * The `Cc` recipients.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_CC] = list_property ("cc");
  /**
   * HeraldNotification:bcc: (getter get_bcc) (setter set_bcc)
   *
   * The blind-copy recipients, who appear in no header.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_BCC] = list_property ("bcc");
  /**
   * HeraldNotification:fax: (getter get_fax) (setter set_fax)
   *
   * The fax numbers, for profiles with the `fax` transport.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_FAX] = list_property ("fax");
  /**
   * HeraldNotification:tags: (getter get_tags) (setter set_tags)
   *
   * Free-form tags, which routing rules may match.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_TAGS] = list_property ("tags");
  /**
   * HeraldNotification:subject: (getter get_subject) (setter set_subject)
   *
   * The subject.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_SUBJECT] = string_property ("subject");
  /**
   * HeraldNotification:body: (getter get_body) (setter set_body)
   *
   * The plain-text body.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_BODY] = string_property ("body");
  /**
   * HeraldNotification:html: (getter get_html) (setter set_html)
   *
   * An HTML alternative to the plain-text body.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_HTML] = string_property ("html");
  /**
   * HeraldNotification:from: (getter get_from) (setter set_from)
   *
   * A sender address instead of the profile's, where the profile allows it.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_FROM] = string_property ("from");
  /**
   * HeraldNotification:reply-to: (getter get_reply_to) (setter set_reply_to)
   *
   * The `Reply-To` address.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_REPLY_TO] = string_property ("reply-to");
  /**
   * HeraldNotification:category: (getter get_category) (setter set_category)
   *
   * The category, such as `device.error`, which routing rules may match.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_CATEGORY] = string_property ("category");
  /**
   * HeraldNotification:app-name: (getter get_app_name) (setter set_app_name)
   *
   * The name of the sending application.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_APP_NAME] = string_property ("app-name");
  /**
   * HeraldNotification:profile: (getter get_profile) (setter set_profile)
   *
   * A profile to send through, bypassing the routing rules.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_PROFILE] = string_property ("profile");
  /**
   * HeraldNotification:idempotency-key: (getter get_idempotency_key) (setter set_idempotency_key)
   *
   * A key that makes sending idempotent.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_IDEMPOTENCY_KEY] = string_property ("idempotency-key");
  /**
   * HeraldNotification:urgency: (getter get_urgency) (setter set_urgency)
   *
   * The urgency, which routing rules may match. It is sent only once set;
   * the gateway assumes %HERALD_URGENCY_NORMAL otherwise.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_URGENCY] =
    g_param_spec_enum ("urgency", NULL, NULL, HERALD_TYPE_URGENCY, HERALD_URGENCY_NORMAL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldNotification:headers:
   *
   * Extra message headers, an `a{ss}` #GVariant of names and values
   * (herald_notification_set_header() sets one).
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_HEADERS] =
    g_param_spec_variant ("headers", NULL, NULL, G_VARIANT_TYPE ("a{ss}"), NULL,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * HeraldNotification:n-attachments: (getter get_n_attachments)
   *
   * How many attachments were added.
   *
   * Since: 0.1
   */
  properties[HERALD_NOTIFICATION_PROP_N_ATTACHMENTS] =
    g_param_spec_uint ("n-attachments", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, HERALD_NOTIFICATION_N_PROPS, properties);
}

static void
herald_notification_init (HeraldNotification *self)
{
  self->to = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  self->cc = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  self->bcc = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  self->fax = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  self->tags = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  self->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->attachments = g_array_new (FALSE, FALSE, sizeof (HeraldAttachment));
  g_array_set_clear_func (self->attachments, herald_notification_attachment_clear);
  self->urgency = HERALD_URGENCY_NORMAL;
}

/**
 * herald_notification_new:
 *
 * Creates an empty notification. g_object_new() with properties builds
 * one with its fields set.
 *
 * Returns: (transfer full): a new #HeraldNotification
 *
 * Since: 0.1
 */
HeraldNotification *
herald_notification_new (void)
{
  return g_object_new (HERALD_TYPE_NOTIFICATION, NULL);
}

