/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-message-source.c: a message read as it is sent, not held in memory
 *
 * A message of tens of MiB (an attachment) is not copied out of the queue
 * whole for each delivery: the envelope holds a source, and the transport
 * reads the message from it in pieces as it writes them (issue 18).
 */
#define G_LOG_DOMAIN "gw-message-source"

#include "config.h"

#include "gw-message-source.h"

typedef struct {
  gsize size;
} GwMessageSourcePrivate;

/**
 * GwMessageSource:
 *
 * The base class of the places a message is read from as it is sent.
 */
G_DEFINE_TYPE_WITH_PRIVATE (GwMessageSource, gw_message_source, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SIZE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
gw_message_source_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GwMessageSourcePrivate *priv = gw_message_source_get_instance_private (GW_MESSAGE_SOURCE (object));

  switch (prop_id) {
  case PROP_SIZE:
    g_value_set_uint64 (value, priv->size);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gw_message_source_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  GwMessageSourcePrivate *priv = gw_message_source_get_instance_private (GW_MESSAGE_SOURCE (object));

  switch (prop_id) {
  case PROP_SIZE:
    priv->size = (gsize) g_value_get_uint64 (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gw_message_source_class_init (GwMessageSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = gw_message_source_get_property;
  object_class->set_property = gw_message_source_set_property;

  /**
   * GwMessageSource:size:
   *
   * The message's length in bytes.
   */
  props[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0,
                                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                          G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
gw_message_source_init (GwMessageSource *self)
{
}

/**
 * gw_message_source_get_size:
 * @self: a message source
 *
 * Returns: the message's length in bytes
 */
gsize
gw_message_source_get_size (GwMessageSource *self)
{
  GwMessageSourcePrivate *priv;

  g_return_val_if_fail (GW_IS_MESSAGE_SOURCE (self), 0);

  priv = gw_message_source_get_instance_private (self);
  return priv->size;
}

/**
 * gw_message_source_open:
 * @self: a message source
 * @error: return location for a #GError
 *
 * Opens a new stream at the message's first byte. Read it asynchronously
 * from the main thread: its reads may wait for the disk.
 *
 * Returns: (transfer full): a stream of the message's bytes, or %NULL
 */
GInputStream *
gw_message_source_open (GwMessageSource  *self,
                        GError          **error)
{
  g_return_val_if_fail (GW_IS_MESSAGE_SOURCE (self), NULL);
  g_return_val_if_fail (GW_MESSAGE_SOURCE_GET_CLASS (self)->open != NULL, NULL);

  return GW_MESSAGE_SOURCE_GET_CLASS (self)->open (self, error);
}
