/* herald-private.h: helpers shared inside libherald, not exported */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Binds the "herald" gettext domain once; every class_init calls it. */
void herald_i18n_init (void);

G_END_DECLS
