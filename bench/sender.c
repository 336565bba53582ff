/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sender.c: one D-Bus client process of the Herald benchmark, in C.
 *
 * The twin of bench/sender.py, with the same arguments, the same Send, the
 * same protocol with bench/run ("ready", then "go" on stdin, one JSON
 * object at the end) and the same measures. bench/run uses it by default
 * because the benchmark's clients share the host with heraldd: the four
 * Python clients took about a quarter of two cores at 4,000 Sends/s, CPU
 * that the figures then lacked (bench/README.md, stop 28). `--python-clients`
 * runs sender.py instead, for comparison.
 *
 * Open loop, call i is issued at t0 + i/rate by a thread of its own that
 * sleeps until each time (clock_nanosleep), so the client is not late by
 * a main-loop tick; a call's latency is still measured from its scheduled
 * start (no coordinated omission). Times are CLOCK_MONOTONIC, comparable
 * with bench/run's time.monotonic(). Every loop is bounded: by the count,
 * the duration and --timeout.
 */
#define G_LOG_DOMAIN "herald-bench-sender"

#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUS_NAME    "org.herald.Gateway1"
#define OBJECT_PATH "/org/herald/Gateway1"
#define INTERFACE   "org.herald.Gateway1"

typedef struct {
  GDBusConnection *connection;
  GVariant        *params;
  GMainLoop       *loop;
  gboolean         open_loop;
  guint            total;
  guint            window;
  double          *scheduled; /* open loop: seconds */
  double          *issued_at;
  double          *latency_sched;
  double          *latency_issue;
  gint             issued; /* atomic: the issuing thread writes it */
  gint             done;   /* atomic: the issuing thread reads it */
  guint            ok;
  guint            errors;
  char            *first_error;
  gboolean         timed_out;
  gint             max_outstanding;
  double           t_start;
  double           t_end;
} Sender;

static double
now_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* SIZE bytes of ASCII text in lines of at most 64 bytes, as sender.py's
 * body_text() makes them. */
static char *
body_text (gsize size)
{
  const char *line = "Herald benchmark notification body, one kibibyte of plain text.";
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; out->len < size; i++) {
    g_autofree char *text = g_strdup_printf ("%03u %s", i, line);
    gsize            room = size - out->len - 1;
    gsize            keep = MIN (MIN (strlen (text), 63), MIN ((gsize) 63, room));

    g_string_append_len (out, text, (gssize) keep);
    g_string_append_c (out, '\n');
  }
  g_string_truncate (out, size);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static GVariant *
notification (const char *profile,
              gsize       body_bytes,
              const char *tag)
{
  g_autofree char *body = body_text (body_bytes);
  g_autofree char *subject = g_strdup_printf ("Herald benchmark %s", tag);
  const char      *to[] = { "rcpt@sink.herald.test", NULL };
  GVariantBuilder  builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&builder, "{sv}", "to", g_variant_new_strv (to, -1));
  g_variant_builder_add (&builder, "{sv}", "subject", g_variant_new_string (subject));
  g_variant_builder_add (&builder, "{sv}", "body", g_variant_new_string (body));
  g_variant_builder_add (&builder, "{sv}", "profile", g_variant_new_string (profile));
  g_variant_builder_add (&builder, "{sv}", "app-name", g_variant_new_string ("herald-bench"));
  g_variant_builder_add (&builder, "{sv}", "category", g_variant_new_string ("bench"));
  return g_variant_ref_sink (g_variant_new ("(a{sv})", &builder));
}

static void issue_more (Sender *self);

typedef struct {
  Sender *sender;
  guint   index;
} Call;

static void
finished_cb (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  Call   *call = user_data;
  Sender *self = call->sender;
  double  now = now_seconds ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);
  guint done = (guint) g_atomic_int_add (&self->done, 1);

  if (reply != NULL) {
    self->ok++;
  } else {
    self->errors++;
    if (self->first_error == NULL)
      self->first_error = g_strdup (error->message);
  }
  if (self->open_loop) {
    self->latency_sched[done] = now - self->scheduled[call->index];
    self->latency_issue[done] = now - self->issued_at[call->index];
  }
  g_free (call);
  if (!self->open_loop)
    issue_more (self);
  if (done + 1 >= self->total) {
    self->t_end = now;
    g_main_loop_quit (self->loop);
  }
}

static void
issue (Sender *self,
       guint   index)
{
  Call *call = g_new (Call, 1);
  gint  outstanding;

  call->sender = self;
  call->index = index;
  if (self->open_loop)
    self->issued_at[index] = now_seconds ();
  g_dbus_connection_call (self->connection, BUS_NAME, OBJECT_PATH, INTERFACE, "Send", self->params,
                          G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 120000, NULL,
                          finished_cb, call);
  outstanding = g_atomic_int_add (&self->issued, 1) + 1 - g_atomic_int_get (&self->done);
  if (outstanding > self->max_outstanding)
    self->max_outstanding = outstanding;
}

/* Closed loop, on the main thread: keep WINDOW calls outstanding. */
static void
issue_more (Sender *self)
{
  while ((guint) self->issued < self->total && (guint) (self->issued - self->done) < self->window)
    issue (self, (guint) self->issued);
}

/* Open loop: sleeps until each call's time and issues it (several at once
 * when late). GDBus sends from any thread; the replies come to the main
 * context, whose loop the main thread runs. */
static gpointer
schedule_thread (gpointer user_data)
{
  Sender *self = user_data;

  for (guint i = 0; i < self->total; i++) {
    double          at = self->scheduled[i];
    struct timespec ts = { (time_t) at, (long) ((at - (double) (time_t) at) * 1e9) };

    while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
      ;
    if (g_atomic_int_get (&self->timed_out))
      break;
    issue (self, i);
  }
  return NULL;
}

static gboolean
give_up_cb (gpointer user_data)
{
  Sender *self = user_data;

  g_atomic_int_set (&self->timed_out, TRUE);
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static void
print_array (const char *name,
             double     *values,
             guint       n)
{
  printf (", \"%s\": [", name);
  for (guint i = 0; i < n; i++)
    printf ("%s%.9f", i ? ", " : "", values[i]);
  printf ("]");
}

static void
print_result (Sender     *self,
              const char *tag)
{
  g_autofree char *tag_json = g_strescape (tag, NULL);
  g_autofree char *error_json = self->first_error ? g_strescape (self->first_error, NULL) : NULL;

  printf ("{\"tag\": \"%s\", \"count\": %u, \"ok\": %u, \"errors\": %u, ", tag_json, self->total, self->ok,
          self->errors);
  if (error_json != NULL)
    printf ("\"first_error\": \"%s\", ", error_json);
  else
    printf ("\"first_error\": null, ");
  printf ("\"timed_out\": %s, \"t_start\": %.9f, \"t_end\": %.9f, \"max_outstanding\": %d",
          self->timed_out ? "true" : "false", self->t_start, self->t_end, self->max_outstanding);
  if (self->open_loop) {
    g_autofree double *lateness = g_new0 (double, MAX (self->issued, 1));

    for (gint i = 0; i < self->issued; i++)
      lateness[i] = self->issued_at[i] - self->scheduled[i];
    print_array ("latency_sched", self->latency_sched, (guint) self->done);
    print_array ("latency_issue", self->latency_issue, (guint) self->done);
    print_array ("issue_lateness", lateness, (guint) self->issued);
  }
  printf ("}\n");
  fflush (stdout);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *profile = NULL;
  g_autofree char *tag = g_strdup ("0");
  gint             body_bytes = 1024, count = 0, window = 50;
  double           rate = 0, duration = 0, timeout = 600;
  GOptionEntry     entries[] = {
        { "profile", 0, 0, G_OPTION_ARG_STRING, &profile, "profile to send through", "NAME" },
        { "body-bytes", 0, 0, G_OPTION_ARG_INT, &body_bytes, "body size", "N" },
        { "count", 0, 0, G_OPTION_ARG_INT, &count, "closed loop: calls to make", "N" },
        { "window", 0, 0, G_OPTION_ARG_INT, &window, "closed loop: calls outstanding", "N" },
        { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate, "open loop: calls per second", "R" },
        { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &duration, "open loop: seconds", "S" },
        { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout, "give up after SECONDS", "S" },
        { "tag", 0, 0, G_OPTION_ARG_STRING, &tag, "this client's tag", "TAG" },
        G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- one client of bench/run");
  g_autoptr(GError) error = NULL;
  g_autoptr(GThread) scheduler = NULL;
  Sender self = { 0 };
  char   line[16] = "";

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || profile == NULL || body_bytes < 1 ||
      count < 0 || window < 1 || rate < 0 || duration < 0 || timeout <= 0) {
    fprintf (stderr, "sender: %s\n", error ? error->message : "bad arguments (--profile is needed)");
    return 2;
  }
  self.connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (self.connection == NULL) {
    fprintf (stderr, "sender: %s\n", error->message);
    return 1;
  }
  self.params = notification (profile, (gsize) body_bytes, tag);
  self.loop = g_main_loop_new (NULL, FALSE);
  self.open_loop = rate > 0;
  self.window = (guint) window;
  self.total = self.open_loop ? (guint) (rate * duration + 0.5) : (guint) count;
  if (self.open_loop) {
    self.scheduled = g_new0 (double, MAX (self.total, 1));
    self.issued_at = g_new0 (double, MAX (self.total, 1));
    self.latency_sched = g_new0 (double, MAX (self.total, 1));
    self.latency_issue = g_new0 (double, MAX (self.total, 1));
  }

  printf ("ready\n");
  fflush (stdout);
  if (fgets (line, sizeof line, stdin) == NULL || strcmp (g_strstrip (line), "go") != 0)
    return 1;
  self.t_start = now_seconds ();
  g_timeout_add ((guint) (timeout * 1000), give_up_cb, &self);
  if (self.total == 0) {
    self.t_end = self.t_start;
  } else if (self.open_loop) {
    for (guint i = 0; i < self.total; i++)
      self.scheduled[i] = self.t_start + i / rate;
    scheduler = g_thread_new ("schedule", schedule_thread, &self);
    g_main_loop_run (self.loop);
  } else {
    issue_more (&self);
    g_main_loop_run (self.loop);
  }
  if (self.t_end == 0)
    self.t_end = now_seconds ();
  if (scheduler != NULL) {
    g_atomic_int_set (&self.timed_out, self.timed_out || (guint) self.done < self.total);
    g_thread_join (g_steal_pointer (&scheduler));
  }
  print_result (&self, tag);
  return 0;
}
