/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-metrics.c: a small metrics registry and its Prometheus text format
 *
 * A family keeps its samples in a table keyed by the label values joined
 * with a byte no label value may hold unescaped in the key (0x1f, the
 * unit separator, itself escaped); samples are written sorted by that
 * key, so the output is stable between scrapes.
 */
#define G_LOG_DOMAIN "gw-metrics"

#include "config.h"

#include <math.h>
#include <string.h>

#include "gw-metrics.h"

typedef struct {
  GStrv    label_values;
  double   value;          /* counter, gauge; histogram: sum */
  guint64  count;          /* histogram */
  guint64 *bucket_counts;  /* histogram: one per bound, not cumulative */
} Sample;

struct _GwMetricFamily {
  GwMetrics   *registry;   /* not a reference: the registry owns this */
  char        *name;
  char        *help;
  GwMetricType type;
  GStrv        label_names;
  guint        n_labels;
  double      *buckets;
  guint        n_buckets;
  GHashTable  *samples;    /* key → Sample */
};

typedef struct {
  GwMetricsCollectFunc func;
  gpointer             user_data;
  GDestroyNotify       destroy;
} Collector;

struct _GwMetrics {
  GObject    parent_instance;
  GMutex     lock;
  GPtrArray *families;
  GArray    *collectors;
};

G_DEFINE_FINAL_TYPE (GwMetrics, gw_metrics, G_TYPE_OBJECT)

static void
sample_free (Sample *sample)
{
  g_strfreev (sample->label_values);
  g_free (sample->bucket_counts);
  g_free (sample);
}

static void
family_free (GwMetricFamily *family)
{
  g_free (family->name);
  g_free (family->help);
  g_strfreev (family->label_names);
  g_free (family->buckets);
  g_hash_table_unref (family->samples);
  g_free (family);
}

static void
gw_metrics_finalize (GObject *object)
{
  GwMetrics *self = GW_METRICS (object);

  for (guint i = 0; i < self->collectors->len; i++) {
    Collector *collector = &g_array_index (self->collectors, Collector, i);
    if (collector->destroy != NULL)
      collector->destroy (collector->user_data);
  }
  g_array_unref (self->collectors);
  g_ptr_array_unref (self->families);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gw_metrics_parent_class)->finalize (object);
}

static void
gw_metrics_class_init (GwMetricsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_metrics_finalize;
}

static void
gw_metrics_init (GwMetrics *self)
{
  g_mutex_init (&self->lock);
  self->families = g_ptr_array_new_with_free_func ((GDestroyNotify) family_free);
  self->collectors = g_array_new (FALSE, TRUE, sizeof (Collector));
}

GwMetrics *
gw_metrics_new (void)
{
  return g_object_new (GW_TYPE_METRICS, NULL);
}

static gboolean
name_is_valid (const char *name,
               gboolean    colon)
{
  if (name == NULL || *name == '\0' || g_ascii_isdigit (*name))
    return FALSE;
  for (const char *p = name; *p != '\0'; p++) {
    if (!g_ascii_isalnum (*p) && *p != '_' && !(colon && *p == ':'))
      return FALSE;
  }
  return TRUE;
}

GwMetricFamily *
gw_metrics_add_family (GwMetrics          *self,
                       const char         *name,
                       const char         *help,
                       GwMetricType        type,
                       const char * const *label_names,
                       const double       *buckets,
                       guint               n_buckets)
{
  GwMetricFamily *family;

  g_return_val_if_fail (GW_IS_METRICS (self), NULL);
  g_return_val_if_fail (name_is_valid (name, TRUE), NULL);
  g_return_val_if_fail (type != GW_METRIC_COUNTER || g_str_has_suffix (name, "_total"), NULL);
  g_return_val_if_fail (type == GW_METRIC_HISTOGRAM || n_buckets == 0, NULL);

  family = g_new0 (GwMetricFamily, 1);
  family->registry = self;
  family->name = g_strdup (name);
  family->help = g_strdup (help);
  family->type = type;
  family->label_names = label_names != NULL ? g_strdupv ((char **) label_names) : g_new0 (char *, 1);
  family->n_labels = g_strv_length (family->label_names);
  for (guint i = 0; i < family->n_labels; i++)
    g_return_val_if_fail (name_is_valid (family->label_names[i], FALSE) &&
                            !g_str_equal (family->label_names[i], "le"),
                          NULL);
  family->buckets = n_buckets > 0 ? g_memdup2 (buckets, n_buckets * sizeof (double)) : NULL;
  family->n_buckets = n_buckets;
  family->samples = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) sample_free);
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->families, family);
  g_mutex_unlock (&self->lock);
  return family;
}

static char *
sample_key (GwMetricFamily     *family,
            const char * const *label_values)
{
  g_autoptr(GString) key = g_string_new (NULL);

  for (guint i = 0; i < family->n_labels; i++) {
    const char *value = label_values != NULL && label_values[i] != NULL ? label_values[i] : "";

    if (i > 0)
      g_string_append_c (key, '\x1f');
    for (const char *p = value; *p != '\0'; p++) {
      if (*p == '\x1f' || *p == '\\')
        g_string_append_c (key, '\\');
      g_string_append_c (key, *p);
    }
  }
  return g_string_free (g_steal_pointer (&key), FALSE);
}

/* The sample for @label_values, made when missing; the lock is held. */
static Sample *
lookup_sample (GwMetricFamily     *family,
               const char * const *label_values)
{
  g_autofree char *key = sample_key (family, label_values);
  Sample *sample = g_hash_table_lookup (family->samples, key);

  if (sample != NULL)
    return sample;
  sample = g_new0 (Sample, 1);
  sample->label_values = g_new0 (char *, family->n_labels + 1);
  for (guint i = 0; i < family->n_labels; i++)
    sample->label_values[i] = g_strdup (label_values != NULL && label_values[i] != NULL
                                          ? label_values[i]
                                          : "");
  if (family->type == GW_METRIC_HISTOGRAM)
    sample->bucket_counts = g_new0 (guint64, family->n_buckets);
  g_hash_table_insert (family->samples, g_steal_pointer (&key), sample);
  return sample;
}

void
gw_metric_family_add (GwMetricFamily     *family,
                      const char * const *label_values,
                      double              amount)
{
  g_return_if_fail (family != NULL && family->type != GW_METRIC_HISTOGRAM);
  /* a counter only goes up */
  g_return_if_fail (family->type != GW_METRIC_COUNTER || amount >= 0);

  g_mutex_lock (&family->registry->lock);
  lookup_sample (family, label_values)->value += amount;
  g_mutex_unlock (&family->registry->lock);
}

void
gw_metric_family_set (GwMetricFamily     *family,
                      const char * const *label_values,
                      double              value)
{
  g_return_if_fail (family != NULL && family->type == GW_METRIC_GAUGE);

  g_mutex_lock (&family->registry->lock);
  lookup_sample (family, label_values)->value = value;
  g_mutex_unlock (&family->registry->lock);
}

void
gw_metric_family_observe (GwMetricFamily     *family,
                          const char * const *label_values,
                          double              value)
{
  Sample *sample;

  g_return_if_fail (family != NULL && family->type == GW_METRIC_HISTOGRAM);

  g_mutex_lock (&family->registry->lock);
  sample = lookup_sample (family, label_values);
  sample->value += value;
  sample->count++;
  for (guint i = 0; i < family->n_buckets; i++) {
    if (value <= family->buckets[i]) {
      sample->bucket_counts[i]++;
      break;
    }
  }
  g_mutex_unlock (&family->registry->lock);
}

void
gw_metric_family_clear (GwMetricFamily *family)
{
  g_return_if_fail (family != NULL);

  g_mutex_lock (&family->registry->lock);
  g_hash_table_remove_all (family->samples);
  g_mutex_unlock (&family->registry->lock);
}

double
gw_metric_family_get (GwMetricFamily     *family,
                      const char * const *label_values)
{
  g_autofree char *key = NULL;
  Sample *sample;
  double value = 0;

  g_return_val_if_fail (family != NULL, 0);

  key = sample_key (family, label_values);
  g_mutex_lock (&family->registry->lock);
  sample = g_hash_table_lookup (family->samples, key);
  if (sample != NULL)
    value = family->type == GW_METRIC_HISTOGRAM ? (double) sample->count : sample->value;
  g_mutex_unlock (&family->registry->lock);
  return value;
}

void
gw_metrics_add_collector (GwMetrics           *self,
                          GwMetricsCollectFunc func,
                          gpointer             user_data,
                          GDestroyNotify       destroy)
{
  Collector collector = { func, user_data, destroy };

  g_return_if_fail (GW_IS_METRICS (self));
  g_array_append_val (self->collectors, collector);
}

void
gw_metrics_remove_collector (GwMetrics *self,
                             gpointer   user_data)
{
  g_return_if_fail (GW_IS_METRICS (self));

  for (guint i = self->collectors->len; i > 0; i--) {
    Collector collector = g_array_index (self->collectors, Collector, i - 1);

    if (collector.user_data != user_data)
      continue;
    g_array_remove_index (self->collectors, i - 1);
    if (collector.destroy != NULL)
      collector.destroy (collector.user_data);
  }
}

/* ---- the text format ---- */

static void
append_number (GString *out,
               double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value)) {
    g_string_append (out, "NaN");
  } else if (isinf (value)) {
    g_string_append (out, value > 0 ? "+Inf" : "-Inf");
  } else if (value == floor (value) && fabs (value) < 9007199254740992.0) {
    g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) value);
  } else {
    /* the shortest of 15 to 17 digits that reads back the same */
    for (int digits = 15; digits <= 17; digits++) {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
    g_string_append (out, buffer);
  }
}

/* HELP text: backslash and line feed escaped. */
static void
append_help (GString    *out,
             const char *text)
{
  for (const char *p = text; *p != '\0'; p++) {
    if (*p == '\\')
      g_string_append (out, "\\\\");
    else if (*p == '\n')
      g_string_append (out, "\\n");
    else
      g_string_append_c (out, *p);
  }
}

/* A label value: backslash, double quote and line feed escaped. */
static void
append_label_value (GString    *out,
                    const char *text)
{
  for (const char *p = text; *p != '\0'; p++) {
    if (*p == '\\')
      g_string_append (out, "\\\\");
    else if (*p == '"')
      g_string_append (out, "\\\"");
    else if (*p == '\n')
      g_string_append (out, "\\n");
    else
      g_string_append_c (out, *p);
  }
}

static void
append_labels (GString        *out,
               GwMetricFamily *family,
               Sample         *sample,
               const char     *le)
{
  gboolean any = FALSE;

  for (guint i = 0; i < family->n_labels; i++) {
    g_string_append (out, any ? "," : "{");
    any = TRUE;
    g_string_append_printf (out, "%s=\"", family->label_names[i]);
    append_label_value (out, sample->label_values[i]);
    g_string_append_c (out, '"');
  }
  if (le != NULL) {
    g_string_append_printf (out, "%sle=\"%s\"", any ? "," : "{", le);
    any = TRUE;
  }
  if (any)
    g_string_append_c (out, '}');
}

static void
append_line (GString        *out,
             GwMetricFamily *family,
             const char     *suffix,
             Sample         *sample,
             const char     *le,
             double          value)
{
  g_string_append (out, family->name);
  g_string_append (out, suffix);
  append_labels (out, family, sample, le);
  g_string_append_c (out, ' ');
  append_number (out, value);
  g_string_append_c (out, '\n');
}

static void
append_histogram (GString        *out,
                  GwMetricFamily *family,
                  Sample         *sample)
{
  guint64 cumulative = 0;

  for (guint i = 0; i < family->n_buckets; i++) {
    g_autoptr(GString) le = g_string_new (NULL);

    cumulative += sample->bucket_counts[i];
    append_number (le, family->buckets[i]);
    append_line (out, family, "_bucket", sample, le->str, (double) cumulative);
  }
  append_line (out, family, "_bucket", sample, "+Inf", (double) sample->count);
  append_line (out, family, "_sum", sample, NULL, sample->value);
  append_line (out, family, "_count", sample, NULL, (double) sample->count);
}

static gint
compare_keys (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
append_family (GString        *out,
               GwMetricFamily *family)
{
  static const char * const types[] = { "counter", "gauge", "histogram" };
  g_autofree gpointer *keys = NULL;
  guint n_keys = 0;

  g_string_append_printf (out, "# HELP %s ", family->name);
  append_help (out, family->help);
  g_string_append_printf (out, "\n# TYPE %s %s\n", family->name, types[family->type]);
  /* A family without labels always has its one sample, at 0 at first. */
  if (family->n_labels == 0 && g_hash_table_size (family->samples) == 0)
    lookup_sample (family, NULL);
  keys = g_hash_table_get_keys_as_array (family->samples, &n_keys);
  g_qsort_with_data (keys, (gint) n_keys, sizeof (gpointer), compare_keys, NULL);
  for (guint i = 0; i < n_keys; i++) {
    Sample *sample = g_hash_table_lookup (family->samples, keys[i]);

    if (family->type == GW_METRIC_HISTOGRAM)
      append_histogram (out, family, sample);
    else
      append_line (out, family, "", sample, NULL, sample->value);
  }
}

char *
gw_metrics_render (GwMetrics *self)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GArray) collectors = NULL;

  g_return_val_if_fail (GW_IS_METRICS (self), NULL);

  /* Collectors set values through the families, which take the lock. */
  collectors = g_array_copy (self->collectors);
  for (guint i = 0; i < collectors->len; i++) {
    Collector *collector = &g_array_index (collectors, Collector, i);
    collector->func (self, collector->user_data);
  }
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->families->len; i++)
    append_family (out, g_ptr_array_index (self->families, i));
  g_mutex_unlock (&self->lock);
  return g_string_free (g_steal_pointer (&out), FALSE);
}
