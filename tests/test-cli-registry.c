/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <jansson.h>
#include <libsoup/soup.h>

#include "merkki-core.h"
#include "merkki-test-utils.h"

/* `merkki-cli serve` and `merkki-cli import` end to end: the built
 * program, its exact output, its exit status, a real HTTP client. */

typedef struct {
  int    status;
  char  *out;
  char  *err;
} Run;

static void
run_free (Run *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static GPtrArray *
cli_argv (const char *first,
          va_list     args)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  const char *arg;

  g_ptr_array_add (argv, merkki_test_build_path ("src/cli/merkki-cli"));
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  g_ptr_array_add (argv, NULL);

  return argv;
}

/* Runs merkki-cli to its end. */
static Run *
run_cli (const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Run *run = g_new0 (Run, 1);
  va_list args;

  va_start (args, first);
  argv = cli_argv (first, args);
  va_end (args);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);

  return run;
}

typedef struct {
  GSubprocess *process;
  char        *url;
} Server;

static void
server_free (Server *server)
{
  g_clear_object (&server->process);
  g_free (server->url);
  g_free (server);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Server, server_free)

/* Starts `merkki-cli serve` and reads its "listening on" line. */
static Server *
start_server (const char *first,
              ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRegex) listening = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *line = NULL;
  Server *server = g_new0 (Server, 1);
  va_list args;

  va_start (args, first);
  argv = cli_argv (first, args);
  va_end (args);

  server->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                       G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);

  listening = g_regex_new ("^listening on (http://127\\.0\\.0\\.1:([0-9]+))$", 0, 0, NULL);
  g_assert_true (g_regex_match (listening, line, 0, &match));
  server->url = g_match_info_fetch (match, 1);

  return server;
}

static int
stop_server (Server *server,
             int     signal_number)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (server->process, signal_number);
  g_subprocess_wait (server->process, NULL, &error);
  g_assert_no_error (error);

  /* A clean exit, not death by the signal. */
  g_assert_true (g_subprocess_get_if_exited (server->process));
  return g_subprocess_get_exit_status (server->process);
}

static json_t *
http_get (const char *base,
          const char *path,
          guint       expected_status)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strconcat (base, path, NULL);
  json_t *json;

  message = soup_message_new ("GET", url);
  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, expected_status);

  json = json_loadb (g_bytes_get_data (body, NULL), g_bytes_get_size (body), 0, NULL);
  g_assert_nonnull (json);
  return json;
}

static void
assert_one_line_error (const Run  *run,
                       const char *command)
{
  g_autofree char *prefix = g_strdup_printf ("merkki-cli %s: ", command);

  g_assert_cmpint (run->status, ==, 2);
  g_assert_cmpstr (run->out, ==, "");
  g_assert_true (g_str_has_prefix (run->err, prefix));
  /* One line, ending the output. */
  g_assert_true (strchr (run->err, '\n') == run->err + strlen (run->err) - 1);
}

static void
test_serve (void)
{
  g_autofree char *csa = merkki_test_data_path ("csa.json");
  g_autofree char *traficom = merkki_test_data_path ("traficom.json");
  g_autoptr(Server) server = start_server ("serve", "--port", "0", csa, traficom, NULL);
  json_t *record = http_get (server->url, "/v1/labels/sg-cls/CSA%2F300929%2F2001", 200);
  json_t *partner = http_get (server->url, "/v1/labels/fi-ttm?brand=test+pohjola&model=GATEWAY+X3", 200);
  json_t *missing = http_get (server->url, "/v1/labels/sg-cls/CSA%2F311229%2F9999", 404);
  json_t *snapshot = http_get (server->url, "/v1/snapshot", 200);

  g_assert_cmpstr (json_string_value (json_object_get (record, "id")), ==, "CSA/300929/2001");
  g_assert_cmpuint (json_array_size (json_object_get (partner, "records")), ==, 1);
  g_assert_cmpstr (json_string_value (json_object_get (missing, "error")), ==, "not-found");
  g_assert_cmpstr (json_string_value (json_object_get (snapshot, "registry")), ==, "sg-csa");
  g_assert_cmpuint (json_array_size (json_object_get (snapshot, "records")), ==, 9 + 7);

  json_decref (record);
  json_decref (partner);
  json_decref (missing);
  json_decref (snapshot);

  g_assert_cmpint (stop_server (server, SIGTERM), ==, 0);
}

static void
test_serve_sigint_and_delay (void)
{
  g_autoptr(MerkkiRegistryData) demo = merkki_registry_data_get_demo ("fi-traficom");
  g_autofree char *path = g_build_filename (merkki_test_get_tmpdir (), "demo.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(Server) server = NULL;
  g_autoptr(GError) error = NULL;
  json_t *json = merkki_registry_data_to_json (demo);
  json_t *snapshot;
  gint64 started;

  text = json_dumps (json, 0);
  json_decref (json);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);

  server = start_server ("serve", "--bind", "127.0.0.1", "--port", "0", "--delay-ms", "400",
                         path, NULL);
  started = g_get_monotonic_time ();
  snapshot = http_get (server->url, "/v1/snapshot", 200);
  /* A lower bound only: the answer was held back at least that long. */
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 400 * G_TIME_SPAN_MILLISECOND);
  g_assert_true (json_is_true (json_object_get (snapshot, "demo")));
  json_decref (snapshot);

  g_assert_cmpint (stop_server (server, SIGINT), ==, 0);
}

static void
test_serve_errors (void)
{
  g_autofree char *csa = merkki_test_data_path ("csa.json");
  g_autofree char *bad = merkki_test_data_path ("csa-bad.csv");
  g_autofree char *missing = g_build_filename (merkki_test_get_tmpdir (), "missing.json", NULL);
  g_autoptr(Server) first = start_server ("serve", "--port", "0", csa, NULL);
  const char *port = strrchr (first->url, ':') + 1;
  g_autoptr(Run) no_files = run_cli ("serve", "--port", "0", NULL);
  g_autoptr(Run) not_json = run_cli ("serve", "--port", "0", csa, bad, NULL);
  g_autoptr(Run) no_file = run_cli ("serve", "--port", "0", missing, NULL);
  g_autoptr(Run) bad_port = run_cli ("serve", "--port", "65536", csa, NULL);
  g_autoptr(Run) bad_bind = run_cli ("serve", "--bind", "localhost.invalid", "--port", "0", csa, NULL);
  g_autoptr(Run) bad_delay = run_cli ("serve", "--delay-ms", "-1", "--port", "0", csa, NULL);
  g_autoptr(Run) bad_option = run_cli ("serve", "--no-such-option", csa, NULL);
  g_autoptr(Run) in_use = run_cli ("serve", "--port", port, csa, NULL);

  assert_one_line_error (no_files, "serve");
  assert_one_line_error (not_json, "serve");
  g_assert_nonnull (strstr (not_json->err, "csa-bad.csv"));
  assert_one_line_error (no_file, "serve");
  g_assert_nonnull (strstr (no_file->err, "missing.json"));
  assert_one_line_error (bad_port, "serve");
  assert_one_line_error (bad_bind, "serve");
  assert_one_line_error (bad_delay, "serve");
  assert_one_line_error (bad_option, "serve");
  assert_one_line_error (in_use, "serve");

  g_assert_cmpint (stop_server (first, SIGTERM), ==, 0);
}

static MerkkiRegistryData *
load_data (const char *text)
{
  g_autoptr(GError) error = NULL;
  MerkkiRegistryData *data = merkki_registry_data_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return data;
}

static void
test_import (void)
{
  g_autofree char *sample = merkki_test_data_path ("csa-sample.csv");
  g_autofree char *out = g_build_filename (merkki_test_get_tmpdir (), "imported.json", NULL);
  g_autofree char *written = NULL;
  g_autoptr(Run) to_stdout = run_cli ("import", "--scheme", "sg-cls", "--csv", sample, NULL);
  g_autoptr(Run) to_file = run_cli ("import", "--scheme", "sg-cls", "--csv", sample, "-o", out, NULL);
  g_autoptr(MerkkiRegistryData) from_stdout = NULL;
  g_autoptr(MerkkiRegistryData) from_file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Server) server = NULL;
  json_t *record;

  g_assert_cmpint (to_stdout->status, ==, 0);
  g_assert_cmpstr (to_stdout->err, ==, "");
  from_stdout = load_data (to_stdout->out);
  g_assert_cmpstr (from_stdout->registry, ==, "sg-csa");
  g_assert_cmpuint (from_stdout->records->len, ==, 6);

  g_assert_cmpint (to_file->status, ==, 0);
  g_assert_cmpstr (to_file->out, ==, "");
  g_file_get_contents (out, &written, NULL, &error);
  g_assert_no_error (error);
  from_file = load_data (written);
  g_assert_cmpuint (from_file->records->len, ==, 6);

  /* What import writes, serve serves. */
  server = start_server ("serve", "--port", "0", out, NULL);
  record = http_get (server->url, "/v1/labels/sg-cls/CSA%2F300629%2F2005", 200);
  g_assert_cmpstr (json_string_value (json_object_get (record, "status")), ==, "revoked");
  json_decref (record);

  /* And merkki-cli lookup checks against it: the whole way from a CSV
   * product list to a verdict. */
  {
    g_autofree char *registry = g_strdup_printf ("sg-csa=%s", server->url);
    g_autoptr(Run) revoked = run_cli ("lookup", "--json", "--registry", registry, "CSA/300629/2005", NULL);
    g_autoptr(Run) valid = run_cli ("lookup", "--json", "--registry", registry, "CSA/310729/2003", NULL);
    g_autoptr(Run) missing = run_cli ("lookup", "--json", "--registry", registry, "CSA/300929/2007", NULL);

    g_assert_cmpint (revoked->status, ==, 1);
    g_assert_nonnull (strstr (revoked->out, "\"verdict\":\"revoked\""));
    g_assert_cmpint (valid->status, ==, 0);
    g_assert_nonnull (strstr (valid->out, "\"verdict\":\"valid\""));
    g_assert_nonnull (strstr (valid->out, "\"source\":\"online\""));
    /* 2007 is in csa.json but not in the CSV sample. */
    g_assert_cmpint (missing->status, ==, 1);
    g_assert_nonnull (strstr (missing->out, "\"verdict\":\"not-found\""));
  }

  g_assert_cmpint (stop_server (server, SIGTERM), ==, 0);
}

static void
test_import_registry (void)
{
  g_autofree char *csv = g_build_filename (merkki_test_get_tmpdir (), "ttm.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(Run) fi = NULL;
  g_autoptr(Run) named = NULL;
  g_autoptr(Run) unknown = NULL;
  g_autoptr(MerkkiRegistryData) fi_data = NULL;
  g_autoptr(MerkkiRegistryData) named_data = NULL;

  g_file_set_contents (csv, "id,brand,model,status,expires\nfi-1,Test Löyly,Sensor,active,2030-01-31\n",
                       -1, &error);
  g_assert_no_error (error);

  /* The registry follows from the scheme (registries.json) unless named. */
  fi = run_cli ("import", "--scheme", "fi-ttm", "--csv", csv, NULL);
  g_assert_cmpint (fi->status, ==, 0);
  fi_data = load_data (fi->out);
  g_assert_cmpstr (fi_data->registry, ==, "fi-traficom");

  named = run_cli ("import", "--scheme", "fi-ttm", "--registry", "sg-csa", "--csv", csv, NULL);
  g_assert_cmpint (named->status, ==, 0);
  named_data = load_data (named->out);
  g_assert_cmpstr (named_data->registry, ==, "sg-csa");

  unknown = run_cli ("import", "--scheme", "fi-ttm", "--registry", "nowhere", "--csv", csv, NULL);
  assert_one_line_error (unknown, "import");
}

static void
test_import_bad_rows (void)
{
  g_autofree char *bad = merkki_test_data_path ("csa-bad.csv");
  g_autofree char *out = g_build_filename (merkki_test_get_tmpdir (), "not-written.json", NULL);
  g_autoptr(Run) run = run_cli ("import", "--scheme", "sg-cls", "--csv", bad, "-o", out, NULL);
  g_auto(GStrv) lines = g_strsplit (run->err, "\n", -1);

  g_assert_cmpint (run->status, ==, 2);
  g_assert_cmpstr (run->out, ==, "");
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));

  /* The summary, one line per bad row (lines 3 to 13), and the end. */
  g_assert_true (g_str_has_prefix (lines[0], "merkki-cli import: "));
  g_assert_true (g_str_has_suffix (lines[0], "csa-bad.csv: 11 rows are wrong; nothing was imported:"));
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 11 + 1);
  for (guint i = 0; i < 11; i++)
    {
      g_autofree char *prefix = g_strdup_printf ("line %u: ", i + 3);

      g_assert_true (g_str_has_prefix (lines[i + 1], prefix));
    }
  g_assert_cmpstr (lines[12], ==, "");
}

static void
test_import_errors (void)
{
  g_autofree char *sample = merkki_test_data_path ("csa-sample.csv");
  g_autofree char *missing = g_build_filename (merkki_test_get_tmpdir (), "missing.csv", NULL);
  g_autofree char *no_dir = g_build_filename (merkki_test_get_tmpdir (), "no", "such", "out.json", NULL);
  g_autoptr(Run) no_scheme = run_cli ("import", "--csv", sample, NULL);
  g_autoptr(Run) no_csv = run_cli ("import", "--scheme", "sg-cls", NULL);
  g_autoptr(Run) bad_scheme = run_cli ("import", "--scheme", "xx-nope", "--csv", sample, NULL);
  g_autoptr(Run) no_file = run_cli ("import", "--scheme", "sg-cls", "--csv", missing, NULL);
  g_autoptr(Run) extra = run_cli ("import", "--scheme", "sg-cls", "--csv", sample, "extra", NULL);
  g_autoptr(Run) unwritable = run_cli ("import", "--scheme", "sg-cls", "--csv", sample, "-o", no_dir, NULL);

  assert_one_line_error (no_scheme, "import");
  assert_one_line_error (no_csv, "import");
  assert_one_line_error (bad_scheme, "import");
  assert_one_line_error (no_file, "import");
  g_assert_nonnull (strstr (no_file->err, "missing.csv"));
  assert_one_line_error (extra, "import");
  assert_one_line_error (unwritable, "import");
}

int
main (int    argc,
      char **argv)
{
  /* No GSettings schemas here for the desktop's proxy settings; loopback
   * needs no proxy. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/cli/serve/answers", test_serve);
  g_test_add_func ("/cli/serve/sigint-and-delay", test_serve_sigint_and_delay);
  g_test_add_func ("/cli/serve/errors", test_serve_errors);
  g_test_add_func ("/cli/import/sample", test_import);
  g_test_add_func ("/cli/import/registry", test_import_registry);
  g_test_add_func ("/cli/import/bad-rows", test_import_bad_rows);
  g_test_add_func ("/cli/import/errors", test_import_errors);

  return g_test_run ();
}
