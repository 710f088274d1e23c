/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <jansson.h>

#include "merkki-test-registry.h"
#include "merkki-test-media.h"
#include "merkki-test-utils.h"

/* Runs `merkki-cli scan` as a script would, on files drawn from exact
 * bytes, with both registries served on 127.0.0.1 by the test. */

static MerkkiRegistryServer *csa_server;
static MerkkiRegistryServer *traficom_server;

static const char label_payload[] = "CSA/311227/0001";
static const char utf8_payload[] = "https://tietoturvamerkki.fi/sv/produkter/1234?märke=Å";

typedef struct {
  int    status;
  char  *out;
  char  *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs `merkki-cli` with @args after the command name (@command NULL is
 * "scan"), with a store of its own in @data_home (NULL: a fresh one). */
static void
run_command (Run                *run,
             const char         *command,
             const char         *data_home,
             const char * const *args)
{
  static int counter;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *fresh_home = NULL;

  if (data_home == NULL)
    {
      fresh_home = g_strdup_printf ("%s/data-%d", merkki_test_get_tmpdir (), ++counter);
      data_home = fresh_home;
    }

  g_ptr_array_add (argv, merkki_test_build_path ("src/cli/merkki-cli"));
  g_ptr_array_add (argv, g_strdup (command != NULL ? command : "scan"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_cwd (launcher, merkki_test_get_tmpdir ());
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "MERKKI_REGISTRY_SG_CSA",
                                merkki_registry_server_get_url (csa_server), TRUE);
  g_subprocess_launcher_setenv (launcher, "MERKKI_REGISTRY_FI_TRAFICOM",
                                merkki_registry_server_get_url (traficom_server), TRUE);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  run->status = g_subprocess_get_exit_status (process);
  g_test_message ("stdout: %s\nstderr: %s", run->out, run->err);
}

static void
run_cli (Run                *run,
         const char * const *args)
{
  run_command (run, NULL, NULL, args);
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (merkki_test_get_tmpdir (), name, NULL);
}

/* One line on stderr, naming the file. */
static void
assert_one_error_line (const Run  *run,
                       const char *file)
{
  g_assert_true (g_str_has_prefix (run->err, "merkki-cli scan: "));
  g_assert_nonnull (strchr (run->err, '\n'));
  g_assert_cmpint (strchr (run->err, '\n') - run->err, ==, (int) strlen (run->err) - 1);
  g_assert_nonnull (strstr (run->err, file));
}

/* Checks one JSON line of `scan --no-lookup --json`. */
static void
assert_hit (const char *line,
            const char *file,
            const char *payload)
{
  g_autofree char *payload_hex = merkki_test_hex ((const guint8 *) payload, strlen (payload));
  json_error_t json_error;
  json_t *object = json_loads (line, 0, &json_error);

  g_assert_nonnull (object);
  g_assert_true (json_is_object (object));
  g_assert_cmpstr (json_string_value (json_object_get (object, "file")), ==, file);
  g_assert_cmpstr (json_string_value (json_object_get (object, "payload")), ==, payload);
  g_assert_cmpstr (json_string_value (json_object_get (object, "payload_hex")), ==, payload_hex);
  g_assert_true (json_is_integer (json_object_get (object, "ms")));
  g_assert_cmpint (json_integer_value (json_object_get (object, "ms")), >=, 0);
  json_decref (object);
}

/* Each image type, with a plain and a UTF-8 payload. */
static void
test_image (gconstpointer data)
{
  const char *extension = data;
  const char *payloads[] = { label_payload, utf8_payload };

  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_autofree char *name = g_strdup_printf ("code-%u.%s", i, extension);
      g_autofree char *path = tmp_path (name);
      g_autoptr(GError) error = NULL;
      g_auto(Run) run = { 0 };
      g_auto(GStrv) lines = NULL;

      merkki_test_write_qr_image (path, (const guint8 *) payloads[i], strlen (payloads[i]), 6, &error);
      g_assert_no_error (error);

      run_cli (&run, (const char *[]) { "--no-lookup", "--json", path, NULL });
      g_assert_cmpstr (run.err, ==, "");
      g_assert_cmpint (run.status, ==, 0);
      lines = g_strsplit (run.out, "\n", -1);
      g_assert_cmpuint (g_strv_length (lines), ==, 2);
      g_assert_cmpstr (lines[1], ==, "");
      assert_hit (lines[0], path, payloads[i]);
    }
}

/* Each video container: the code is reported once, however many frames
 * show it. */
static void
test_video (gconstpointer data)
{
  const char *extension = data;
  g_autofree char *name = g_strdup_printf ("code.%s", extension);
  g_autofree char *path = tmp_path (name);
  g_autoptr(GError) error = NULL;
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;

  merkki_test_write_qr_video (path, (const guint8 *) utf8_payload, strlen (utf8_payload),
                              320, 240, 15, 10, 30, 0, &error);
  g_assert_no_error (error);

  run_cli (&run, (const char *[]) { "--no-lookup", "--json", path, NULL });
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.status, ==, 0);
  lines = g_strsplit (run.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  assert_hit (lines[0], path, utf8_payload);
}

/* Without --json: "FILE: TEXT", one line per code. */
static void
test_text_output (void)
{
  g_autofree char *path = tmp_path ("text-output.png");
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Run) run = { 0 };

  merkki_test_write_qr_image (path, (const guint8 *) label_payload, strlen (label_payload), 4, &error);
  g_assert_no_error (error);

  run_cli (&run, (const char *[]) { "--no-lookup", path, NULL });
  g_assert_cmpint (run.status, ==, 0);
  expected = g_strdup_printf ("%s: %s\n", path, label_payload);
  g_assert_cmpstr (run.out, ==, expected);
}

/* Unusable input: an empty file, text named as an image, text named as a
 * video, a missing file, a video without a code. Each is exit status 2
 * with one line on stderr naming the file, and nothing on stdout. */
static void
test_bad_input (gconstpointer data)
{
  const char *which = data;
  g_autofree char *path = tmp_path (which);
  g_autoptr(GError) error = NULL;
  g_auto(Run) run = { 0 };

  if (g_str_equal (which, "empty.png"))
    g_assert_true (g_file_set_contents (path, "", 0, NULL));
  else if (g_str_equal (which, "text.png") || g_str_equal (which, "text.webm"))
    g_assert_true (g_file_set_contents (path, "Not an image and not a video.\n", -1, NULL));
  else if (g_str_equal (which, "no-code.webm"))
    {
      merkki_test_write_qr_video (path, NULL, 0, 320, 240, 15, 15, 0, 0, &error);
      g_assert_no_error (error);
    }
  else
    g_assert_true (g_str_has_prefix (which, "missing"));

  run_cli (&run, (const char *[]) { "--no-lookup", "--json", path, NULL });
  g_assert_cmpint (run.status, ==, 2);
  g_assert_cmpstr (run.out, ==, "");
  assert_one_error_line (&run, path);
}

/* A bad file among good ones: the good ones are still scanned and printed,
 * the status says something went wrong. */
static void
test_mixed_files (void)
{
  g_autofree char *good = tmp_path ("mixed-good.jpg");
  g_autofree char *bad = tmp_path ("mixed-bad.png");
  g_autoptr(GError) error = NULL;
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;

  merkki_test_write_qr_image (good, (const guint8 *) label_payload, strlen (label_payload), 6, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (bad, "", 0, NULL));

  run_cli (&run, (const char *[]) { "--no-lookup", "--json", bad, good, NULL });
  g_assert_cmpint (run.status, ==, 2);
  assert_one_error_line (&run, bad);
  lines = g_strsplit (run.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  assert_hit (lines[0], good, label_payload);
}

static json_t *
parse_line (const char *line)
{
  json_error_t json_error;
  json_t *object = json_loads (line, 0, &json_error);

  g_assert_nonnull (object);
  return object;
}

static char *
write_code_image (const char *name,
                  const char *payload)
{
  g_autoptr(GError) error = NULL;
  char *path = tmp_path (name);

  merkki_test_write_qr_image (path, (const guint8 *) payload, strlen (payload), 5, &error);
  g_assert_no_error (error);
  return path;
}

/* Without --no-lookup each code is checked against the registries: lookup's
 * JSON plus the file, one line per code, and the exit status of the worst
 * verdict (the CSA fixture has CSA/300929/2001 and not CSA/311229/9999). */
static void
test_lookup (void)
{
  g_autofree char *valid = write_code_image ("lookup-valid.png", "CSA/300929/2001");
  g_autofree char *unknown = write_code_image ("lookup-unknown.webp", "CSA/311229/9999");
  g_auto(Run) one = { 0 };
  g_auto(Run) both = { 0 };
  g_auto(GStrv) lines = NULL;
  json_t *object;

  run_cli (&one, (const char *[]) { "--json", valid, NULL });
  g_assert_cmpstr (one.err, ==, "");
  g_assert_cmpint (one.status, ==, 0);
  object = parse_line (one.out);
  g_assert_cmpstr (json_string_value (json_object_get (object, "file")), ==, valid);
  g_assert_cmpstr (json_string_value (json_object_get (object, "input")), ==, "CSA/300929/2001");
  g_assert_cmpstr (json_string_value (json_object_get (object, "verdict")), ==, "valid");
  g_assert_cmpstr (json_string_value (json_object_get (json_object_get (object, "reference"), "id")),
                   ==, "CSA/300929/2001");
  json_decref (object);

  run_cli (&both, (const char *[]) { "--json", valid, unknown, NULL });
  g_assert_cmpint (both.status, ==, 1);
  lines = g_strsplit (both.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  object = parse_line (lines[1]);
  g_assert_cmpstr (json_string_value (json_object_get (object, "file")), ==, unknown);
  g_assert_cmpstr (json_string_value (json_object_get (object, "verdict")), ==, "not-found");
  json_decref (object);
}

/* Checks made by scan go into the history, in the session named. */
static void
test_lookup_session (void)
{
  g_autofree char *valid = write_code_image ("session-valid.jpg", "CSA/300929/2001");
  g_autofree char *data_home = tmp_path ("session-data");
  g_auto(Run) scan = { 0 };
  g_auto(Run) history = { 0 };
  json_error_t json_error;
  json_t *entries;
  json_t *entry;

  run_command (&scan, "scan", data_home, (const char *[]) { "--session", "shop-42", valid, NULL });
  g_assert_cmpint (scan.status, ==, 0);
  g_assert_true (g_str_has_prefix (scan.out, valid));

  run_command (&history, "history", data_home, (const char *[]) { "--export", "json", NULL });
  g_assert_cmpint (history.status, ==, 0);
  entries = json_loads (history.out, 0, &json_error);
  g_assert_true (json_is_array (entries));
  g_assert_cmpuint (json_array_size (entries), ==, 1);
  entry = json_array_get (entries, 0);
  g_assert_cmpstr (json_string_value (json_object_get (entry, "session")), ==, "shop-42");
  g_assert_cmpstr (json_string_value (json_object_get (entry, "input")), ==, "CSA/300929/2001");
  json_decref (entries);
}

static void
test_usage (void)
{
  g_auto(Run) no_file = { 0 };
  g_auto(Run) bad_option = { 0 };

  run_cli (&no_file, (const char *[]) { "--no-lookup", NULL });
  g_assert_cmpint (no_file.status, ==, 2);
  g_assert_true (g_str_has_prefix (no_file.err, "merkki-cli scan: "));

  run_cli (&bad_option, (const char *[]) { "--no-such-option", "x.png", NULL });
  g_assert_cmpint (bad_option.status, ==, 2);
  g_assert_true (g_str_has_prefix (bad_option.err, "merkki-cli scan: "));
}

int
main (int    argc,
      char **argv)
{
  merkki_test_init (&argc, &argv);

  g_test_add_data_func ("/cli-scan/image/png", "png", test_image);
  g_test_add_data_func ("/cli-scan/image/jpeg", "jpg", test_image);
  g_test_add_data_func ("/cli-scan/image/webp", "webp", test_image);
  g_test_add_data_func ("/cli-scan/video/webm", "webm", test_video);
  g_test_add_data_func ("/cli-scan/video/mkv", "mkv", test_video);
  g_test_add_data_func ("/cli-scan/video/ogg", "ogg", test_video);
  g_test_add_func ("/cli-scan/text-output", test_text_output);
  g_test_add_data_func ("/cli-scan/bad-input/empty", "empty.png", test_bad_input);
  g_test_add_data_func ("/cli-scan/bad-input/not-an-image", "text.png", test_bad_input);
  g_test_add_data_func ("/cli-scan/bad-input/not-a-video", "text.webm", test_bad_input);
  g_test_add_data_func ("/cli-scan/bad-input/missing-image", "missing.png", test_bad_input);
  g_test_add_data_func ("/cli-scan/bad-input/missing-video", "missing.webm", test_bad_input);
  g_test_add_data_func ("/cli-scan/bad-input/video-without-code", "no-code.webm", test_bad_input);
  g_test_add_func ("/cli-scan/mixed-files", test_mixed_files);
  g_test_add_func ("/cli-scan/usage", test_usage);
  g_test_add_func ("/cli-scan/lookup", test_lookup);
  g_test_add_func ("/cli-scan/lookup-session", test_lookup_session);

  return merkki_test_run_with_registries (&csa_server, &traficom_server);
}
