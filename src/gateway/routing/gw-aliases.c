/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-aliases.c: local recipients of the sendmail door: aliases, a default
 * domain, an admin address
 *
 * Alias files have the aliases(5) format Debian's /etc/aliases uses:
 * "name: value, value", continued on lines that start with white space,
 * "#" comments. They belong to the administrator; a file that cannot be
 * read is logged and skipped, and re-read once it changes.
 */
#define G_LOG_DOMAIN "gw-aliases"

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n-lib.h>

#include "herald-error.h"
#include "gw-aliases.h"

#define MAX_DEPTH        10
#define MAX_FILE_SIZE    (4 * 1024 * 1024)
#define MAX_FILE_ENTRIES 100000

typedef struct {
  char       *path;
  GHashTable *map;        /* name (lower case) → value; NULL until read */
  dev_t       dev;
  ino_t       ino;
  gint64      mtime_ns;
  off_t       size;
  gboolean    warned;     /* a failure to read it was logged */
} AliasFile;

struct _GwAliases {
  GObject     parent_instance;
  GHashTable *config;     /* [aliases] */
  GPtrArray  *files;      /* AliasFile */
  char       *default_domain;
  char       *admin_address;
};

G_DEFINE_FINAL_TYPE (GwAliases, gw_aliases, G_TYPE_OBJECT)

static void
alias_file_free (AliasFile *file)
{
  g_free (file->path);
  g_clear_pointer (&file->map, g_hash_table_unref);
  g_free (file);
}

static void
gw_aliases_finalize (GObject *object)
{
  GwAliases *self = GW_ALIASES (object);

  g_hash_table_unref (self->config);
  g_ptr_array_unref (self->files);
  g_free (self->default_domain);
  g_free (self->admin_address);
  G_OBJECT_CLASS (gw_aliases_parent_class)->finalize (object);
}

static void
gw_aliases_class_init (GwAliasesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gw_aliases_finalize;
}

static void
gw_aliases_init (GwAliases *self)
{
  self->config = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->files = g_ptr_array_new_with_free_func ((GDestroyNotify) alias_file_free);
}

GwAliases *
gw_aliases_new (const GwSendmailConfig *config)
{
  GwAliases *self = g_object_new (GW_TYPE_ALIASES, NULL);

  for (guint i = 0; i + 1 < config->aliases->len; i += 2)
    g_hash_table_replace (self->config, g_strdup (g_ptr_array_index (config->aliases, i)),
                          g_strdup (g_ptr_array_index (config->aliases, i + 1)));
  for (guint i = 0; config->alias_files != NULL && config->alias_files[i] != NULL; i++) {
    AliasFile *file = g_new0 (AliasFile, 1);

    file->path = g_strdup (config->alias_files[i]);
    g_ptr_array_add (self->files, file);
  }
  self->default_domain = g_strdup (config->default_domain);
  self->admin_address = g_strdup (config->admin_address);
  return self;
}

/* Adds the entry "name: value" of @entry (continuations joined) to @map. */
static void
parse_entry (GHashTable *map,
             GString    *entry)
{
  char *colon = strchr (entry->str, ':');
  g_autofree char *raw = NULL;
  g_autofree char *name = NULL;

  if (colon == NULL)
    return;
  raw = g_strndup (entry->str, (gsize) (colon - entry->str));
  name = g_ascii_strdown (g_strstrip (raw), -1);
  if (*name == '\0' || g_hash_table_contains (map, name))
    return;
  g_hash_table_insert (map, g_steal_pointer (&name), g_strstrip (g_strdup (colon + 1)));
}

static GHashTable *
parse_file (const char *text)
{
  GHashTable *map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GString) entry = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL && g_hash_table_size (map) < MAX_FILE_ENTRIES; i++) {
    const char *line = lines[i];

    if (line[0] == '#')
      continue;
    if (line[0] == ' ' || line[0] == '\t') {
      if (entry->len > 0)
        g_string_append_printf (entry, " %s", line);
      continue;
    }
    parse_entry (map, entry);
    g_string_assign (entry, line);
  }
  parse_entry (map, entry);
  return map;
}

/* Reads @file again when it changed since last time (or never was). */
static void
refresh (AliasFile *file)
{
  struct stat st;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  if (stat (file->path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > MAX_FILE_SIZE) {
    if (!file->warned)
      g_warning ("Cannot use the alias file %s: it is missing, not a regular file or larger than %d bytes",
                 file->path, MAX_FILE_SIZE);
    file->warned = TRUE;
    g_clear_pointer (&file->map, g_hash_table_unref);
    return;
  }
  if (file->map != NULL && file->dev == st.st_dev && file->ino == st.st_ino &&
      file->size == st.st_size &&
      file->mtime_ns == (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st.st_mtim.tv_nsec)
    return;
  if (!g_file_get_contents (file->path, &text, &len, &error)) {
    if (!file->warned)
      g_warning ("Cannot read the alias file %s: %s", file->path, error->message);
    file->warned = TRUE;
    g_clear_pointer (&file->map, g_hash_table_unref);
    return;
  }
  g_clear_pointer (&file->map, g_hash_table_unref);
  /* a NUL ends the text: nothing after it is read */
  file->map = parse_file (text);
  file->dev = st.st_dev;
  file->ino = st.st_ino;
  file->size = st.st_size;
  file->mtime_ns = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st.st_mtim.tv_nsec;
  file->warned = FALSE;
  g_debug ("Read %u aliases from %s", g_hash_table_size (file->map), file->path);
}

static const char *
lookup (GwAliases  *self,
        const char *name)
{
  const char *value = g_hash_table_lookup (self->config, name);

  for (guint i = 0; value == NULL && i < self->files->len; i++) {
    AliasFile *file = g_ptr_array_index (self->files, i);

    if (file->map != NULL)
      value = g_hash_table_lookup (file->map, name);
  }
  return value;
}

/* The addr-spec of "Name <addr>" or of a bare "addr", trimmed. */
static char *
bare_address (const char *text)
{
  const char *open = strrchr (text, '<');
  const char *close = open != NULL ? strchr (open, '>') : NULL;

  if (close != NULL)
    return g_strstrip (g_strndup (open + 1, (gsize) (close - open - 1)));
  return g_strstrip (g_strdup (text));
}

/* The local part of @address when its domain is this host, else NULL. */
static char *
local_part_here (const char *address)
{
  const char *at = strrchr (address, '@');
  const char *domain = at != NULL ? at + 1 : NULL;

  if (domain == NULL || at == address)
    return NULL;
  if (g_ascii_strcasecmp (domain, "localhost") != 0 &&
      g_ascii_strcasecmp (domain, "localhost.localdomain") != 0 &&
      g_ascii_strcasecmp (domain, g_get_host_name ()) != 0)
    return NULL;
  return g_strndup (address, (gsize) (at - address));
}

static void
add_unique (GPtrArray  *list,
            const char *text)
{
  for (guint i = 0; i < list->len; i++) {
    if (g_ascii_strcasecmp (g_ptr_array_index (list, i), text) == 0)
      return;
  }
  g_ptr_array_add (list, g_strdup (text));
}

static gboolean
resolve_unaliased (GwAliases  *self,
                   const char *name,
                   GPtrArray  *addresses,
                   GError    **error)
{
  g_autofree char *address = NULL;

  if (self->default_domain != NULL)
    address = g_strdup_printf ("%s@%s", name, self->default_domain);
  else if (self->admin_address != NULL)
    address = g_strdup (self->admin_address);
  if (address == NULL) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ADDRESS,
                 _("“%s” is a local name without an alias: add one to [aliases] or an alias file, "
                   "or set default-domain or admin-address in [sendmail] of heraldd.conf"), name);
    return FALSE;
  }
  add_unique (addresses, address);
  return TRUE;
}

static gboolean expand_name (GwAliases *self, const char *name, GPtrArray *path,
                             GPtrArray *addresses, GError **error);

/* One item of an alias's value. Returns FALSE with @error set, or TRUE;
 * @delivered tells whether it named anything deliverable. */
static gboolean
expand_item (GwAliases  *self,
             const char *alias,
             const char *raw,
             GPtrArray  *path,
             GPtrArray  *addresses,
             gboolean   *delivered,
             GError    **error)
{
  g_autofree char *item = g_strstrip (g_strdup (raw));
  g_autofree char *address = NULL;
  g_autofree char *local = NULL;
  gsize len = strlen (item);

  if (len >= 2 && item[0] == '"' && item[len - 1] == '"') {
    memmove (item, item + 1, len - 2);
    item[len - 2] = '\0';
  }
  if (*item == '\0')
    return TRUE;
  if (item[0] == '|' || item[0] == '/' || g_ascii_strncasecmp (item, ":include:", 9) == 0) {
    g_warning ("Alias %s: “%s” skipped: Herald runs no command and writes no file for a recipient",
               alias, item);
    return TRUE;
  }
  *delivered = TRUE;
  /* "\name": that name itself, never aliased again */
  if (item[0] == '\\')
    return resolve_unaliased (self, item + 1, addresses, error);
  address = bare_address (item);
  local = strchr (address, '@') != NULL ? local_part_here (address) : g_strdup (address);
  if (local == NULL) {
    add_unique (addresses, address);
    return TRUE;
  }
  return expand_name (self, local, path, addresses, error);
}

static gboolean
expand_name (GwAliases  *self,
             const char *name,
             GPtrArray  *path,
             GPtrArray  *addresses,
             GError    **error)
{
  g_autofree char *folded = g_ascii_strdown (name, -1);
  g_auto(GStrv) items = NULL;
  const char *value;
  gboolean delivered = FALSE;

  value = lookup (self, folded);
  /* a name met again on its own path stands for itself (root: root, ...) */
  for (guint i = 0; value != NULL && i < path->len; i++) {
    if (g_str_equal (g_ptr_array_index (path, i), folded))
      value = NULL;
  }
  if (value == NULL)
    return resolve_unaliased (self, name, addresses, error);
  if (path->len >= MAX_DEPTH) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ADDRESS,
                 _("The alias “%s” nests more than %d aliases deep"), name, MAX_DEPTH);
    return FALSE;
  }
  g_ptr_array_add (path, g_strdup (folded));
  items = g_strsplit (value, ",", -1);
  for (guint i = 0; items[i] != NULL; i++) {
    if (!expand_item (self, folded, items[i], path, addresses, &delivered, error))
      return FALSE;
  }
  g_ptr_array_remove_index (path, path->len - 1);
  if (!delivered) {
    g_set_error (error, HERALD_ERROR, HERALD_ERROR_INVALID_ADDRESS,
                 _("The alias “%s” names nothing Herald can deliver to (commands, files and "
                   ":include: are not supported)"), name);
    return FALSE;
  }
  return TRUE;
}

gboolean
gw_aliases_expand (GwAliases          *self,
                   const char * const *recipients,
                   GPtrArray          *addresses,
                   GPtrArray          *local_names,
                   GError            **error)
{
  g_autoptr(GPtrArray) path = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < self->files->len; i++)
    refresh (g_ptr_array_index (self->files, i));
  for (guint i = 0; recipients != NULL && recipients[i] != NULL; i++) {
    g_autofree char *address = bare_address (recipients[i]);
    g_autofree char *local = NULL;
    g_autofree char *folded = NULL;

    if (*address == '\0')
      continue;
    local = strchr (address, '@') != NULL ? local_part_here (address) : g_strdup (address);
    if (local == NULL) {
      add_unique (addresses, address);
      continue;
    }
    folded = g_ascii_strdown (local, -1);
    add_unique (local_names, folded);
    if (!expand_name (self, local, path, addresses, error))
      return FALSE;
  }
  return TRUE;
}
