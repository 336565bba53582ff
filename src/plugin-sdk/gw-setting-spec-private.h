/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gw-setting-spec-private.h: the fields of a GwSettingSpec, for the SDK's own files */
#pragma once

#include "gw-setting-spec.h"

G_BEGIN_DECLS

struct _GwSettingSpec {
  gatomicrefcount     ref_count;
  char               *key;
  GwSettingType       type;
  GwSettingFlags      flags;
  GStrv               allowed_values;
  guint64             minimum;
  guint64             maximum;
  char               *default_value;
  char               *description;
  char               *translation_domain;
  GwSettingCheckFunc  check;
};

G_END_DECLS
