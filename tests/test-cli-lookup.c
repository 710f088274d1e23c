/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "merkki-core.h"
#include "merkki-registry-server.h"
#include "merkki-test-utils.h"

/* The built merkki-cli, run as a script would run it, against two
 * registry servers on 127.0.0.1, each test with a store of its own. */

static MerkkiRegistryServer *csa_server;
static MerkkiRegistryServer *traficom_server;

typedef struct {
  char *data_home;
  char *csa_url;       /* MERKKI_REGISTRY_SG_CSA, or NULL */
  char *traficom_url;  /* MERKKI_REGISTRY_FI_TRAFICOM, or NULL */
  char *out;
  char *err;
} Fixture;

static MerkkiRegistryServer *
start_server (const char *data_file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = merkki_test_data_path (data_file);
  MerkkiRegistryServer *server = merkki_registry_server_new ();

  merkki_registry_server_load_file (server, path, &error);
  g_assert_no_error (error);
  merkki_registry_server_start_thread (server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  return server;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  static int counter;

  fixture->data_home = g_strdup_printf ("%s/cli-%d", merkki_test_get_tmpdir (), ++counter);
  g_assert_cmpint (g_mkdir_with_parents (fixture->data_home, 0700), ==, 0);
  fixture->csa_url = g_strdup (merkki_registry_server_get_url (csa_server));
  fixture->traficom_url = g_strdup (merkki_registry_server_get_url (traficom_server));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  merkki_test_rm_rf (fixture->data_home);
  g_free (fixture->data_home);
  g_free (fixture->csa_url);
  g_free (fixture->traficom_url);
  g_free (fixture->out);
  g_free (fixture->err);
}

/* Runs merkki-cli with @args (NULL-terminated); returns its exit status
 * and keeps its output in the fixture. */
static int
run_cli (Fixture    *fixture,
         const char *first_arg,
         ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  va_list args;

  g_ptr_array_add (argv, merkki_test_build_path ("src/cli/merkki-cli"));
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", fixture->data_home, TRUE);
  if (fixture->csa_url != NULL)
    g_subprocess_launcher_setenv (launcher, "MERKKI_REGISTRY_SG_CSA", fixture->csa_url, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "MERKKI_REGISTRY_SG_CSA");
  if (fixture->traficom_url != NULL)
    g_subprocess_launcher_setenv (launcher, "MERKKI_REGISTRY_FI_TRAFICOM", fixture->traficom_url, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "MERKKI_REGISTRY_FI_TRAFICOM");

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  g_clear_pointer (&fixture->out, g_free);
  g_clear_pointer (&fixture->err, g_free);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &fixture->out, &fixture->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));

  g_test_message ("stdout: %s\nstderr: %s", fixture->out, fixture->err);
  return g_subprocess_get_exit_status (process);
}

static json_t *
parse_output (Fixture *fixture)
{
  json_error_t json_error;
  json_t *json = json_loads (fixture->out, 0, &json_error);

  g_assert_nonnull (json);
  /* One object, on one line. */
  g_assert_nonnull (strchr (fixture->out, '\n'));
  g_assert_cmpuint (strchr (fixture->out, '\n') - fixture->out + 1, ==, strlen (fixture->out));
  return json;
}

static const char *
field (json_t     *object,
       const char *path)
{
  g_auto(GStrv) keys = g_strsplit (path, ".", -1);

  for (guint i = 0; keys[i] != NULL; i++)
    {
      if (g_ascii_isdigit (keys[i][0]))
        object = json_array_get (object, (size_t) g_ascii_strtoull (keys[i], NULL, 10));
      else
        object = json_object_get (object, keys[i]);
    }
  return json_string_value (object);
}

static void
test_cli_lookup_valid (Fixture       *fixture,
                       gconstpointer  data)
{
  json_t *json;

  g_assert_cmpint (run_cli (fixture, "lookup", "--json", "CSA/300929/2001", NULL), ==, 0);
  json = parse_output (fixture);
  g_assert_cmpstr (field (json, "input"), ==, "CSA/300929/2001");
  g_assert_cmpstr (field (json, "verdict"), ==, "valid");
  g_assert_cmpstr (field (json, "reference.scheme"), ==, "sg-cls");
  g_assert_cmpstr (field (json, "reference.id"), ==, "CSA/300929/2001");
  g_assert_cmpstr (field (json, "registries.0.registry"), ==, "sg-csa");
  g_assert_cmpstr (field (json, "registries.0.outcome"), ==, "found");
  g_assert_cmpstr (field (json, "registries.0.source"), ==, "online");
  g_assert_nonnull (field (json, "registries.0.fetched_at"));
  g_assert_cmpstr (field (json, "registries.1.registry"), ==, "fi-traficom");
  g_assert_cmpstr (field (json, "registries.1.outcome"), ==, "found");
  g_assert_cmpstr (field (json, "registries.1.record.id"), ==, "test-pohjola-gateway-x3");
  g_assert_cmpuint (json_array_size (json_object_get (json, "recognition")), >=, 2);
  g_assert_nonnull (field (json, "recognition.0.country"));
  g_assert_nonnull (field (json, "recognition.0.basis"));
  g_assert_nonnull (field (json, "explanation"));
  g_assert_true (json_is_false (json_object_get (json, "demo")));
  json_decref (json);

  /* The human form names the product and where the answer came from. */
  g_assert_cmpint (run_cli (fixture, "lookup", "CSA/300929/2001", NULL), ==, 0);
  g_assert_nonnull (strstr (fixture->out, "Test Pohjola Gateway X3"));
  g_assert_nonnull (strstr (fixture->out, "CSA registry"));
  g_assert_null (strstr (fixture->out, "Demo data"));
}

static void
test_cli_lookup_negative (Fixture       *fixture,
                          gconstpointer  data)
{
  json_t *json;

  g_assert_cmpint (run_cli (fixture, "lookup", "--json", "CSA/311229/9999", NULL), ==, 1);
  json = parse_output (fixture);
  g_assert_cmpstr (field (json, "verdict"), ==, "not-found");
  g_assert_cmpstr (field (json, "registries.0.outcome"), ==, "not-found");
  json_decref (json);

  g_assert_cmpint (run_cli (fixture, "lookup", "--json", "CSA/300629/2005", NULL), ==, 1);
  json = parse_output (fixture);
  g_assert_cmpstr (field (json, "verdict"), ==, "revoked");
  json_decref (json);

  g_assert_cmpint (run_cli (fixture, "lookup", "--json", "WIFI:S:shop;T:WPA;P:secret;;", NULL), ==, 1);
  json = parse_output (fixture);
  g_assert_cmpstr (field (json, "verdict"), ==, "not-a-label");
  g_assert_true (json_is_null (json_object_get (json, "reference")));
  json_decref (json);
}

static void
test_cli_lookup_demo (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(MerkkiRegistryData) demo = merkki_registry_data_get_demo ("sg-csa");
  const char *demo_id = ((MerkkiRecord *) g_ptr_array_index (demo->records, 0))->id;
  json_t *json;

  /* No configuration at all: the bundled demo snapshot answers, and says so. */
  g_clear_pointer (&fixture->csa_url, g_free);
  g_clear_pointer (&fixture->traficom_url, g_free);

  g_assert_cmpint (run_cli (fixture, "lookup", "--json", demo_id, NULL), ==, 0);
  json = parse_output (fixture);
  g_assert_cmpstr (field (json, "verdict"), ==, "valid");
  g_assert_cmpstr (field (json, "registries.0.source"), ==, "snapshot");
  g_assert_true (json_is_true (json_object_get (json, "demo")));
  g_assert_true (json_is_true (json_object_get (json_array_get (json_object_get (json, "registries"), 0), "demo")));
  json_decref (json);

  g_assert_cmpint (run_cli (fixture, "lookup", demo_id, NULL), ==, 0);
  g_assert_nonnull (strstr (fixture->out, "Demo data: not a real registry"));
  g_assert_nonnull (strstr (fixture->out, "offline copy from"));

  /* A label nobody has a copy of cannot be verified. */
  g_assert_cmpint (run_cli (fixture, "lookup", "--json", "CSA/300929/2001", NULL), ==, 3);
  json = parse_output (fixture);
  g_assert_cmpstr (field (json, "verdict"), ==, "unverified");
  json_decref (json);
}

static void
test_cli_lookup_options (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *arg = g_strdup_printf ("sg-csa=%s", merkki_registry_server_get_url (csa_server));
  guint before;
  json_t *json;

  /* --registry instead of the environment. */
  g_clear_pointer (&fixture->csa_url, g_free);
  g_clear_pointer (&fixture->traficom_url, g_free);
  g_assert_cmpint (run_cli (fixture, "lookup", "--json", "--registry", arg, "CSA/310729/2003", NULL), ==, 0);
  json = parse_output (fixture);
  g_assert_cmpstr (field (json, "registries.0.source"), ==, "online");
  /* Traficom has no address here, and no copy knows the product. */
  g_assert_cmpstr (field (json, "registries.1.outcome"), ==, "skipped");
  json_decref (json);

  /* --offline asks nobody. */
  before = merkki_registry_server_get_n_requests (csa_server);
  g_assert_cmpint (run_cli (fixture, "lookup", "--json", "--offline", "--registry", arg,
                            "CSA/311229/9999", NULL), ==, 3);
  g_assert_cmpuint (merkki_registry_server_get_n_requests (csa_server), ==, before);

  /* Usage errors: status 2 and one line on stderr. */
  g_assert_cmpint (run_cli (fixture, "lookup", NULL), ==, 2);
  g_assert_cmpstr (fixture->out, ==, "");
  g_assert_cmpuint (strlen (fixture->err), >, 0);
  g_assert_true (strchr (fixture->err, '\n') == fixture->err + strlen (fixture->err) - 1);
  g_assert_cmpint (run_cli (fixture, "lookup", "--registry", "no-such-registry=http://127.0.0.1:1",
                            "CSA/300929/2001", NULL), ==, 2);
  g_assert_cmpint (run_cli (fixture, "lookup", "--bogus", "CSA/300929/2001", NULL), ==, 2);
}

static void
test_cli_sync_and_history (Fixture       *fixture,
                           gconstpointer  data)
{
  json_t *json;

  g_assert_cmpint (run_cli (fixture, "sync", NULL), ==, 0);
  g_assert_nonnull (strstr (fixture->out, "CSA registry: updated, 9 records"));
  g_assert_nonnull (strstr (fixture->out, "Traficom registry: updated, 7 records"));

  /* Synced, so offline now knows the fixtures' labels, not the demo's. */
  g_assert_cmpint (run_cli (fixture, "lookup", "--json", "--offline", "CSA/310729/2003", NULL), ==, 0);
  json = parse_output (fixture);
  g_assert_cmpstr (field (json, "registries.0.source"), ==, "snapshot");
  g_assert_true (json_is_false (json_object_get (json, "demo")));
  json_decref (json);
  g_assert_cmpint (run_cli (fixture, "lookup", "CSA/311229/9999", NULL), ==, 1);
  g_assert_cmpint (run_cli (fixture, "lookup", "=cmd|' /C calc'!A0", NULL), ==, 1);

  /* Three checks, newest first. */
  g_assert_cmpint (run_cli (fixture, "history", "--export", "json", NULL), ==, 0);
  json = json_loads (fixture->out, 0, NULL);
  g_assert_true (json_is_array (json));
  g_assert_cmpuint (json_array_size (json), ==, 3);
  g_assert_cmpstr (field (json, "0.verdict"), ==, "not-a-label");
  g_assert_cmpstr (field (json, "1.reference.id"), ==, "CSA/311229/9999");
  g_assert_cmpstr (field (json, "2.reference.id"), ==, "CSA/310729/2003");
  json_decref (json);

  g_assert_cmpint (run_cli (fixture, "history", "--export", "csv", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (fixture->out, "\"history_id\",\"checked_at\",\"session\",\"input\""));
  g_assert_nonnull (strstr (fixture->out, "\"CSA/311229/9999\""));
  /* A formula from a QR code is defused for spreadsheets. */
  g_assert_nonnull (strstr (fixture->out, "\"'=cmd|' /C calc'!A0\""));

  g_assert_cmpint (run_cli (fixture, "history", NULL), ==, 0);
  g_assert_nonnull (strstr (fixture->out, "CSA/310729/2003"));
  g_assert_true (strstr (fixture->out, "CSA/311229/9999") < strstr (fixture->out, "CSA/310729/2003"));

  g_assert_cmpint (run_cli (fixture, "history", "--export", "xlsx", NULL), ==, 2);
  g_assert_nonnull (strstr (fixture->err, "Unknown export format"));

  /* A registry that fails makes sync fail, with status 3. */
  g_free (fixture->csa_url);
  fixture->csa_url = g_strdup ("http://127.0.0.1:1");
  g_assert_cmpint (run_cli (fixture, "sync", NULL), ==, 3);
  g_assert_nonnull (strstr (fixture->out, "CSA registry: failed"));
}

/* Several merkki-cli processes checking at once against one new store:
 * each gets its answer and every check is in the history. */
static void
test_cli_concurrent_processes (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autofree char *cli = merkki_test_build_path ("src/cli/merkki-cli");
  GSubprocess *processes[6];
  json_t *json;

  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", fixture->data_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "MERKKI_REGISTRY_SG_CSA", fixture->csa_url, TRUE);
  g_subprocess_launcher_setenv (launcher, "MERKKI_REGISTRY_FI_TRAFICOM", fixture->traficom_url, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (processes); i++)
    {
      g_autoptr(GError) error = NULL;

      processes[i] = g_subprocess_launcher_spawn (launcher, &error, cli, "lookup", "--json",
                                                  i % 2 ? "CSA/310729/2003" : "CSA/311229/9999", NULL);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (processes); i++)
    {
      g_autoptr(GError) error = NULL;

      g_subprocess_wait (processes[i], NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (processes[i]));
      g_assert_cmpint (g_subprocess_get_exit_status (processes[i]), ==, i % 2 ? 0 : 1);
      g_object_unref (processes[i]);
    }

  g_assert_cmpint (run_cli (fixture, "history", "--export", "json", NULL), ==, 0);
  json = json_loads (fixture->out, 0, NULL);
  g_assert_cmpuint (json_array_size (json), ==, G_N_ELEMENTS (processes));
  json_decref (json);
}

/* A store that is not Merkki's: a clear error naming it, and it is kept. */
static void
test_cli_damaged_store (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (fixture->data_home, "merkki", NULL);
  g_autofree char *path = g_build_filename (dir, "merkki.db", NULL);
  g_autofree char *after = NULL;
  const char *garbage = "not a database, but someone's notes\n";

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, garbage, -1, NULL));

  g_assert_cmpint (run_cli (fixture, "lookup", "CSA/300929/2001", NULL), ==, 2);
  g_assert_nonnull (strstr (fixture->err, path));
  g_assert_cmpint (run_cli (fixture, "history", NULL), ==, 2);
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, garbage);
}

int
main (int    argc,
      char **argv)
{
  int status;

  merkki_test_init (&argc, &argv);

  csa_server = start_server ("csa.json");
  traficom_server = start_server ("traficom.json");

#define ADD(name, func) \
  g_test_add ("/cli/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("lookup-valid", test_cli_lookup_valid);
  ADD ("lookup-negative", test_cli_lookup_negative);
  ADD ("lookup-demo", test_cli_lookup_demo);
  ADD ("lookup-options", test_cli_lookup_options);
  ADD ("sync-and-history", test_cli_sync_and_history);
  ADD ("concurrent-processes", test_cli_concurrent_processes);
  ADD ("damaged-store", test_cli_damaged_store);
#undef ADD

  status = g_test_run ();

  g_clear_object (&csa_server);
  g_clear_object (&traficom_server);
  return status;
}
