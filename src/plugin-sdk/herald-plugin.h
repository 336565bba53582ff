/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald-plugin.h: the Herald plugin SDK (libherald-plugin-1)
 *
 * Include this one header in a transport module; link with pkg-config
 * herald-plugin-1.
 */
#pragma once

#include <herald-error.h>

#include "gw-envelope.h"
#include "gw-http-client-guard.h"
#include "gw-json-text.h"
#include "gw-log.h"
#include "gw-message-source.h"
#include "gw-oauth2.h"
#include "gw-pop-login.h"
#include "gw-profile.h"
#include "gw-remote-jobs.h"
#include "gw-sasl-client.h"
#include "gw-secret.h"
#include "gw-setting-spec.h"
#include "gw-smtp-reply.h"
#include "gw-smtp-session.h"
#include "gw-tls-client.h"
#include "gw-tls-policy.h"
#include "gw-transcript.h"
#include "gw-transport.h"
#include "gw-units.h"
