/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hs-submit.h: hands the message to heraldd, or to the maildrop */
#pragma once

#include <gio/gio.h>

#include "hs-options.h"

G_BEGIN_DECLS

/* The sysexits.h status for a refusal from heraldd (HERALD_ERROR). */
int  hs_exit_status_for_error (const GError *error);

/* Whether @error means heraldd was not reached, or could not take the
 * message for a reason of its own (storage): the maildrop may take it. */
gboolean hs_error_is_unreachable (const GError *error);

/* The bus herald-sendmail talks to: the system bus, or the session bus
 * when HERALD_BUS=session. */
GBusType hs_bus_type (void);

/*
 * Sends the message in @message_fd (a sealed memfd) with SendMessage:
 * the sender, recipients, -t and -F of @options, app-name from -F or the
 * parent process's name (/proc/PPID/comm), a new idempotency key. When
 * heraldd cannot be reached, hands it to herald-maildrop with the same
 * key (HERALD_MAILDROP names another helper, for tests). Returns a
 * sysexits.h status, having printed what went wrong on stderr.
 */
int  hs_submit (HsOptions *options,
                int        message_fd);

G_END_DECLS
