/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* herald.h: the Herald client library; include only this header */
#pragma once

#include "herald-attempt.h"
#include "herald-certificate.h"
#include "herald-client.h"
#include "herald-client-tokens.h"
#include "herald-client-trust.h"
#include "herald-delivery.h"
#include "herald-delivery-filter.h"
#include "herald-enum-types.h"
#include "herald-enums.h"
#include "herald-error.h"
#include "herald-notification.h"
#include "herald-profile.h"
#include "herald-quota.h"
#include "herald-recipient.h"
#include "herald-route.h"
#include "herald-test-result.h"
#include "herald-token.h"
