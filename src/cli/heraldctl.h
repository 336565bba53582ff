/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heraldctl.h: what the heraldctl-*.c files share */
#pragma once

#include <json-glib/json-glib.h>

#include "herald.h"

G_BEGIN_DECLS

/* Exit codes; documented in --help and heraldctl(1). */
typedef enum {
  HERALDCTL_EXIT_OK = 0,              /* success */
  HERALDCTL_EXIT_FAILURE = 1,         /* the gateway or the system reported an error */
  HERALDCTL_EXIT_USAGE = 2,           /* bad command line */
  HERALDCTL_EXIT_DELIVERY_FAILED = 3, /* --wait, delivery wait: the delivery failed or was
                                       * cancelled; profile test: the test failed */
  HERALDCTL_EXIT_UNREACHABLE = 4,     /* no bus, or the gateway is not running */
  HERALDCTL_EXIT_PARTIAL = 5,         /* --wait, delivery wait: sent to some recipients,
                                       * the others refused for good or expired */
  HERALDCTL_EXIT_TIMEOUT = 6,         /* --wait --timeout: not final when the time ran out */
} HeraldCtlExit;

typedef struct {
  gboolean      json;
  gboolean      system_bus;
  HeraldClient *client;
} HeraldCtl;

/* A command such as "send", or an action of one such as "profile list" */
typedef struct {
  const char  *name;
  int        (*func) (HeraldCtl *ctl, int argc, char **argv);
} HeraldCtlCommand;

/* heraldctl.c */
gboolean        heraldctl_parse_command      (HeraldCtl            *ctl,
                                              const char           *command,
                                              const char           *parameter_string,
                                              const char           *summary,
                                              const GOptionEntry   *entries,
                                              int                  *argc,
                                              char               ***argv);
int             heraldctl_usage_error        (const char           *format,
                                              ...) G_GNUC_PRINTF (1, 2);
int             heraldctl_run_action         (HeraldCtl              *ctl,
                                              const char             *command,
                                              const char             *usage,
                                              const HeraldCtlCommand *actions,
                                              int                     argc,
                                              char                  **argv);
int             heraldctl_fail               (HeraldCtl            *ctl,
                                              const GError         *error);
HeraldClient   *heraldctl_connect            (HeraldCtl            *ctl,
                                              int                  *exit_status);
gboolean        heraldctl_parse_duration     (const char           *option,
                                              const char           *text,
                                              guint                *seconds);

/* heraldctl-output.c */
char           *heraldctl_sanitize           (const char           *text);
void            heraldctl_print_json         (JsonNode             *node);  /* frees @node */
JsonNode       *heraldctl_profile_to_json    (HeraldProfile        *profile);
JsonNode       *heraldctl_profiles_to_json   (GPtrArray            *profiles);
JsonNode       *heraldctl_delivery_to_json   (HeraldDelivery       *delivery);
JsonNode       *heraldctl_deliveries_to_json (GPtrArray            *deliveries);
char           *heraldctl_format_time        (GDateTime            *time);
void            heraldctl_print_profile      (HeraldProfile        *profile);
void            heraldctl_print_profiles     (GPtrArray            *profiles);
void            heraldctl_print_delivery     (HeraldDelivery       *delivery);
void            heraldctl_print_deliveries   (GPtrArray            *deliveries);
JsonNode       *heraldctl_test_result_to_json (HeraldTestResult   *result,
                                               const char         *profile);
void            heraldctl_print_test_result  (HeraldTestResult     *result,
                                              const char           *profile);

void            heraldctl_print_table        (GPtrArray            *cells,
                                              guint                 n_columns);

/* heraldctl-sign-in.c */
int             heraldctl_profile_sign_in    (HeraldCtl            *ctl,
                                              int                   argc,
                                              char                **argv);

/* heraldctl-log.c */
GDateTime      *heraldctl_parse_time         (const char           *text);
JsonNode       *heraldctl_attempt_to_json    (HeraldAttempt        *attempt,
                                              const char           *delivery_id);

/* heraldctl-route.c */
JsonNode       *heraldctl_routes_to_json     (GPtrArray            *routes);
void            heraldctl_print_routes       (GPtrArray            *routes);

/* heraldctl-keys.c */
int             heraldctl_profile_keys       (HeraldCtl            *ctl,
                                              int                   argc,
                                              char                **argv);
int             heraldctl_profile_show       (HeraldCtl            *ctl,
                                              int                   argc,
                                              char                **argv);

/* heraldctl-password.c */
char           *heraldctl_read_secret        (const char           *prompt,
                                              GError              **error);
void            heraldctl_free_secret        (char                 *secret);

/* heraldctl-wait.c */
int             heraldctl_follow_delivery    (HeraldCtl            *ctl,
                                              const char           *id,
                                              guint                 timeout);

/* commands */
int             heraldctl_profile            (HeraldCtl            *ctl,
                                              int                   argc,
                                              char                **argv);
int             heraldctl_send               (HeraldCtl            *ctl,
                                              int                   argc,
                                              char                **argv);
int             heraldctl_delivery           (HeraldCtl            *ctl,
                                              int                   argc,
                                              char                **argv);
int             heraldctl_route              (HeraldCtl            *ctl,
                                              int                   argc,
                                              char                **argv);
int             heraldctl_log                (HeraldCtl            *ctl,
                                              int                   argc,
                                              char                **argv);

int             heraldctl_quota              (HeraldCtl            *ctl,
                                              int                   argc,
                                              char                **argv);
int             heraldctl_trust              (HeraldCtl            *ctl,
                                              int                   argc,
                                              char                **argv);
int             heraldctl_token              (HeraldCtl            *ctl,
                                              int                   argc,
                                              char                **argv);

G_END_DECLS
