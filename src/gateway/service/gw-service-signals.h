/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-service-signals.h: delivery changes folded into DeliveriesChanged */
#pragma once

#include <gio/gio.h>

#include "gw-queue.h"

G_BEGIN_DECLS

/* A change is signalled at once when the last signals are older than the
 * window, else at the window's end, each delivery once with its latest
 * state, in batches of at most GW_CHANGE_FOLDER_MAX_BATCH changes. */
#define GW_CHANGE_FOLDER_WINDOW_MS 25
#define GW_CHANGE_FOLDER_MAX_BATCH 512

/* One delivery's change, as DeliveriesChanged carries it. */
typedef struct {
  const char *delivery_id;
  const char *state;
  GwDeliveryDetails *details;   /* NULL for none */
} GwChange;

/* Signals @n_changes changes (1 to GW_CHANGE_FOLDER_MAX_BATCH), in this
 * order, as one message. Called from the thread that adds a change (quiet
 * bus) or in the folder's main context (the end of a window). */
typedef void (*GwChangeBatchFunc) (const GwChange *changes,
                                   guint           n_changes,
                                   gpointer        user_data);

typedef struct _GwChangeFolder GwChangeFolder;

/* @window_ms: GW_CHANGE_FOLDER_WINDOW_MS (tests pass others); the end of a
 * window runs in @context. */
GwChangeFolder *gw_change_folder_new  (GMainContext     *context,
                                       guint             window_ms,
                                       GwChangeBatchFunc emit,
                                       gpointer          emit_data);
/* A GwQueueChangeFunc, with the folder as @user_data; any thread. */
void            gw_change_folder_add  (const char       *delivery_id,
                                       const char       *state,
                                       GwDeliveryDetails *details,
                                       gpointer          user_data);
/* Emits what waits, then frees. */
void            gw_change_folder_free (GwChangeFolder   *self);

G_END_DECLS
