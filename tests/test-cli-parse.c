/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <jansson.h>

#include "merkki-core.h"
#include "merkki-test-utils.h"

/* Runs the built merkki-cli as a script would: no shell, exact bytes in. */
typedef struct {
  int    status;
  char  *out;
  gsize  out_len;
  char  *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
run_cli (Run          *run,
         GBytes       *stdin_bytes,
         const char   *first,
         ...)
{
  g_autofree char *cli = merkki_test_build_path ("src/cli/merkki-cli");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *input_path = NULL;
  va_list args;

  g_ptr_array_add (argv, cli);
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  /* Standard input comes from a file, as in "merkki-cli parse - < FILE":
   * the program may stop reading early (input over its limit) and still
   * has its say on stderr. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  input_path = g_build_filename (merkki_test_get_tmpdir (), "stdin", NULL);
  g_assert_true (g_file_set_contents (input_path,
                                      stdin_bytes != NULL ? g_bytes_get_data (stdin_bytes, NULL) : "",
                                      stdin_bytes != NULL ? (gssize) g_bytes_get_size (stdin_bytes) : 0,
                                      &error));
  g_subprocess_launcher_set_stdin_file_path (launcher, input_path);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);

  run->status = g_subprocess_get_exit_status (process);
  run->out_len = out != NULL ? g_bytes_get_size (out) : 0;
  run->out = g_strndup (run->out_len > 0 ? g_bytes_get_data (out, NULL) : "", run->out_len);
  run->err = g_strndup (err != NULL && g_bytes_get_size (err) > 0 ? g_bytes_get_data (err, NULL) : "",
                        err != NULL ? g_bytes_get_size (err) : 0);
}

static json_t *
parse_json_line (const Run *run)
{
  json_error_t error;
  json_t *object;

  /* Exactly one line of JSON. */
  g_assert_true (g_str_has_suffix (run->out, "\n"));
  g_assert_true (strchr (run->out, '\n') == run->out + strlen (run->out) - 1);
  object = json_loads (run->out, 0, &error);
  if (object == NULL)
    g_error ("not JSON (%s): %s", error.text, run->out);
  g_assert_true (json_is_object (object));
  return object;
}

static void
assert_usage_error (const Run *run)
{
  g_assert_cmpint (run->status, ==, 2);
  g_assert_cmpstr (run->out, ==, "");
  /* One line, naming the command. */
  g_assert_true (g_str_has_prefix (run->err, "merkki-cli parse: "));
  g_assert_true (g_str_has_suffix (run->err, "\n"));
  g_assert_true (strchr (run->err, '\n') == run->err + strlen (run->err) - 1);
}

static void
test_reference_json (void)
{
  g_auto(Run) run = { 0 };
  json_t *object;
  json_t *reference;

  run_cli (&run, NULL, "parse", "--json", "csa / 311228 / 1001", NULL);
  g_assert_cmpint (run.status, ==, 0);
  object = parse_json_line (&run);

  g_assert_cmpstr (json_string_value (json_object_get (object, "input")), ==, "csa / 311228 / 1001");
  g_assert_cmpstr (json_string_value (json_object_get (object, "input_hex")), ==,
                   "637361202f20333131323238202f2031303031");
  g_assert_cmpstr (json_string_value (json_object_get (object, "kind")), ==, "reference");
  g_assert_true (json_is_null (json_object_get (object, "reason")));
  reference = json_object_get (object, "reference");
  g_assert_true (json_is_object (reference));
  g_assert_cmpstr (json_string_value (json_object_get (reference, "scheme")), ==, "sg-cls");
  g_assert_cmpstr (json_string_value (json_object_get (reference, "id")), ==, "CSA/311228/1001");
  g_assert_cmpstr (json_string_value (json_object_get (reference, "expires_from_id")), ==, "2028-12-31");
  json_decref (object);
}

static void
test_link_references (void)
{
  static const struct { const char *payload; const char *scheme; const char *id; } cases[] = {
    { "https://tietoturvamerkki.fi/fi/tuotteet/demo-aurora-hub-2", "fi-ttm", "demo-aurora-hub-2" },
    { "https://www.bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", "de-bsi", "sik-05165" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = { 0 };
      json_t *object;
      json_t *reference;

      run_cli (&run, NULL, "parse", "--json", cases[i].payload, NULL);
      g_assert_cmpint (run.status, ==, 0);
      object = parse_json_line (&run);
      reference = json_object_get (object, "reference");
      g_assert_cmpstr (json_string_value (json_object_get (reference, "scheme")), ==, cases[i].scheme);
      g_assert_cmpstr (json_string_value (json_object_get (reference, "id")), ==, cases[i].id);
      g_assert_true (json_is_null (json_object_get (reference, "expires_from_id")));
      json_decref (object);
    }
}

static void
test_negative_json (void)
{
  static const struct { const char *payload; const char *kind; const char *imitates; } cases[] = {
    { "https://tietoturvamerkki.fi@evil.example/en/products/x", "suspicious", "fi-ttm" },
    { "https://bsi.bund.de.evil.example/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", "suspicious", "de-bsi" },
    { "CSA/310228/1001", "not-a-label", NULL },
    { "https://example.com/", "not-a-label", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = { 0 };
      json_t *object;

      run_cli (&run, NULL, "parse", "--json", cases[i].payload, NULL);
      g_assert_cmpint (run.status, ==, 1);
      g_assert_cmpstr (run.err, ==, "");
      object = parse_json_line (&run);
      g_assert_cmpstr (json_string_value (json_object_get (object, "kind")), ==, cases[i].kind);
      g_assert_true (json_is_null (json_object_get (object, "reference")));
      g_assert_true (json_is_string (json_object_get (object, "reason")));
      g_assert_cmpstr (json_string_value (json_object_get (object, "imitates")), ==, cases[i].imitates);
      json_decref (object);
    }
}

static void
test_stdin_bytes (void)
{
  static const guint8 payload[] = { 'C', 'S', 'A', '/', '3', '1', '1', '2', '2', '8', '/', '7', '\0', 0xff, '\n' };
  g_autoptr(GBytes) bytes = g_bytes_new_static (payload, sizeof payload);
  g_auto(Run) run = { 0 };
  json_t *object;

  run_cli (&run, bytes, "parse", "--json", "-", NULL);
  g_assert_cmpint (run.status, ==, 0);
  object = parse_json_line (&run);
  g_assert_cmpstr (json_string_value (json_object_get (object, "input")), ==, "CSA/311228/7\\x00\\xff\\n");
  g_assert_cmpstr (json_string_value (json_object_get (object, "input_hex")), ==, "4353412f3331313232382f3700ff0a");
  g_assert_cmpstr (json_string_value (json_object_get (json_object_get (object, "reference"), "id")), ==,
                   "CSA/311228/7");
  json_decref (object);
}

static void
test_large_stdin (void)
{
  g_autofree char *big = g_strnfill (100 * 1024, 0x01);
  g_autofree char *huge = g_strnfill (2 * 1024 * 1024, 'a');
  g_autoptr(GBytes) big_bytes = g_bytes_new (big, 100 * 1024);
  g_autoptr(GBytes) huge_bytes = g_bytes_new (huge, 2 * 1024 * 1024);
  g_auto(Run) run = { 0 };
  g_auto(Run) too_large = { 0 };
  json_t *object;

  run_cli (&run, big_bytes, "parse", "--json", "-", NULL);
  g_assert_cmpint (run.status, ==, 1);
  object = parse_json_line (&run);
  g_assert_cmpstr (json_string_value (json_object_get (object, "kind")), ==, "not-a-label");
  g_assert_cmpuint (strlen (json_string_value (json_object_get (object, "input_hex"))), ==, 2 * 100 * 1024);
  json_decref (object);

  run_cli (&too_large, huge_bytes, "parse", "-", NULL);
  assert_usage_error (&too_large);
}

static void
test_human_output (void)
{
  g_auto(Run) run = { 0 };
  g_auto(Run) suspicious = { 0 };

  run_cli (&run, NULL, "parse", "CSA/311228/1001", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "CSA/311228/1001"));
  g_assert_nonnull (strstr (run.out, "(sg-cls)"));
  g_assert_nonnull (strstr (run.out, "label reference"));

  run_cli (&suspicious, NULL, "parse", "http://tietoturvamerkki.fi/en/products/x", NULL);
  g_assert_cmpint (suspicious.status, ==, 1);
  g_assert_nonnull (strstr (suspicious.out, "suspicious"));
  g_assert_nonnull (strstr (suspicious.out, "https"));
}

static void
test_usage_errors (void)
{
  g_auto(Run) none = { 0 };
  g_auto(Run) two = { 0 };
  g_auto(Run) unknown = { 0 };
  g_auto(Run) help = { 0 };
  g_auto(Run) dash = { 0 };

  run_cli (&none, NULL, "parse", NULL);
  assert_usage_error (&none);
  run_cli (&two, NULL, "parse", "CSA/311228/1001", "CSA/311228/1002", NULL);
  assert_usage_error (&two);
  run_cli (&unknown, NULL, "parse", "--no-such-option", "CSA/311228/1001", NULL);
  assert_usage_error (&unknown);

  run_cli (&help, NULL, "parse", "--help", NULL);
  g_assert_cmpint (help.status, ==, 0);
  g_assert_nonnull (strstr (help.out, "PAYLOAD"));
  g_assert_nonnull (strstr (help.out, "--json"));

  /* A payload that starts with a dash, after "--". */
  run_cli (&dash, NULL, "parse", "--json", "--", "-CSA/311228/1001", NULL);
  g_assert_cmpint (dash.status, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/cli-parse/reference-json", test_reference_json);
  g_test_add_func ("/cli-parse/link-references", test_link_references);
  g_test_add_func ("/cli-parse/negative-json", test_negative_json);
  g_test_add_func ("/cli-parse/stdin-bytes", test_stdin_bytes);
  g_test_add_func ("/cli-parse/large-stdin", test_large_stdin);
  g_test_add_func ("/cli-parse/human-output", test_human_output);
  g_test_add_func ("/cli-parse/usage-errors", test_usage_errors);

  return g_test_run ();
}
