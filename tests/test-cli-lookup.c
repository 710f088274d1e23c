/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "merkki-core.h"
#include "merkki-test-registry.h"
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

/* Runs merkki-cli with the arguments after @input_len (up to a NULL),
 * @input (may be NULL) on its standard input and the fixture's registry
 * addresses; returns its exit status and keeps its output in the fixture. */
static int
run_cli_with_input (Fixture    *fixture,
                    const char *input,
                    gsize       input_len,
                    ...)
{
  g_autoptr(GBytes) bytes = input != NULL ? g_bytes_new (input, input_len) : NULL;
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_auto(GStrv) argv_strv = NULL;
  g_autofree char *csa = fixture->csa_url != NULL ? g_strconcat ("MERKKI_REGISTRY_SG_CSA=", fixture->csa_url, NULL)
                                                  : g_strdup ("MERKKI_REGISTRY_SG_CSA");
  g_autofree char *traficom = fixture->traficom_url != NULL
                              ? g_strconcat ("MERKKI_REGISTRY_FI_TRAFICOM=", fixture->traficom_url, NULL)
                              : g_strdup ("MERKKI_REGISTRY_FI_TRAFICOM");
  const char * const env[] = { csa, traficom, NULL };
  va_list args;
  int status;

  va_start (args, input_len);
  for (const char *arg = va_arg (args, const char *); arg != NULL; arg = va_arg (args, const char *))
    g_strv_builder_add (argv, arg);
  va_end (args);
  argv_strv = g_strv_builder_end (argv);

  g_clear_pointer (&fixture->out, g_free);
  g_clear_pointer (&fixture->err, g_free);
  status = merkki_test_run_cli (fixture->data_home, env, bytes, (const char * const *) argv_strv,
                                &fixture->out, &fixture->err);
  g_test_message ("stdout: %s\nstderr: %s", fixture->out, fixture->err);
  return status;
}

/* The same with nothing on standard input. */
#define run_cli(fixture, ...) run_cli_with_input ((fixture), NULL, 0, __VA_ARGS__)

/* The usage or input error of DESIGN.md: status 2, nothing on standard
 * output and one line on standard error, starting with the program. */
static void
assert_usage_error (Fixture *fixture,
                    int      status)
{
  g_assert_cmpint (status, ==, 2);
  g_assert_cmpstr (fixture->out, ==, "");
  g_assert_true (g_str_has_prefix (fixture->err, "merkki-cli"));
  g_assert_cmpuint (strlen (fixture->err), >, strlen ("merkki-cli: \n"));
  g_assert_true (strchr (fixture->err, '\n') == fixture->err + strlen (fixture->err) - 1);
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

/* A string that is one of @allowed (NULL-terminated). */
static void
assert_one_of (json_t      *value,
               const char  *first,
               ...)
{
  const char *text = json_string_value (value);
  gboolean found = FALSE;
  va_list args;

  g_assert_nonnull (text);
  va_start (args, first);
  for (const char *allowed = first; allowed != NULL && !found; allowed = va_arg (args, const char *))
    found = g_str_equal (text, allowed);
  va_end (args);
  if (!found)
    g_error ("unexpected value “%s”", text);
}

static void
assert_string_or_null (json_t *value)
{
  g_assert_true (json_is_string (value) || json_is_null (value));
}

static void
assert_date_time (json_t *value)
{
  g_autoptr(GDateTime) time = NULL;

  g_assert_true (json_is_string (value));
  time = g_date_time_new_from_iso8601 (json_string_value (value), NULL);
  g_assert_nonnull (time);
}

/* Every field DESIGN.md promises in lookup --json, with its type. */
static void
assert_lookup_json_types (json_t *json)
{
  json_t *reference = json_object_get (json, "reference");
  json_t *registries = json_object_get (json, "registries");
  json_t *recognition = json_object_get (json, "recognition");
  json_t *value;
  size_t i;

  g_assert_true (json_is_object (json));
  g_assert_true (json_is_string (json_object_get (json, "input")));
  g_assert_true (json_is_string (json_object_get (json, "explanation")));
  g_assert_true (json_is_boolean (json_object_get (json, "demo")));
  assert_date_time (json_object_get (json, "checked_at"));
  assert_one_of (json_object_get (json, "verdict"), "valid", "expired", "revoked", "not-found",
                 "mismatch", "suspicious", "not-a-label", "unverified", NULL);

  g_assert_true (json_is_object (reference) || json_is_null (reference));
  if (json_is_object (reference))
    {
      g_assert_true (json_is_string (json_object_get (reference, "scheme")));
      g_assert_true (json_is_string (json_object_get (reference, "id")));
      g_assert_nonnull (json_object_get (reference, "expires_from_id"));
      assert_string_or_null (json_object_get (reference, "expires_from_id"));
    }

  g_assert_true (json_is_array (registries));
  json_array_foreach (registries, i, value)
    {
      json_t *outcome = json_object_get (value, "outcome");
      json_t *record = json_object_get (value, "record");

      g_assert_true (json_is_string (json_object_get (value, "registry")));
      assert_one_of (outcome, "found", "not-found", "error", "skipped", NULL);
      if (g_str_equal (json_string_value (outcome), "skipped"))
        {
          g_assert_true (json_is_null (json_object_get (value, "source")));
          g_assert_true (json_is_null (json_object_get (value, "fetched_at")));
        }
      else
        {
          assert_one_of (json_object_get (value, "source"), "online", "cache", "snapshot", NULL);
        }
      if (json_is_string (json_object_get (value, "fetched_at")))
        assert_date_time (json_object_get (value, "fetched_at"));
      else
        g_assert_true (json_is_null (json_object_get (value, "fetched_at")));
      g_assert_true (json_is_object (record) || json_is_null (record));
      g_assert_true (json_is_object (record) == g_str_equal (json_string_value (outcome), "found"));
      if (json_is_object (record))
        {
          g_assert_true (json_is_string (json_object_get (record, "scheme")));
          g_assert_true (json_is_string (json_object_get (record, "id")));
          g_assert_true (json_is_integer (json_object_get (record, "level")));
          assert_one_of (json_object_get (record, "status"), "active", "suspended", "revoked", NULL);
          g_assert_true (json_is_object (json_object_get (record, "product")));
        }
      assert_string_or_null (json_object_get (value, "error"));
      g_assert_true (json_is_string (json_object_get (value, "error"))
                     == g_str_equal (json_string_value (outcome), "error"));
    }

  g_assert_true (json_is_array (recognition));
  json_array_foreach (recognition, i, value)
    {
      json_t *level = json_object_get (value, "level");

      g_assert_true (json_is_string (json_object_get (value, "country")));
      g_assert_true (json_is_string (json_object_get (value, "scheme")));
      g_assert_true (json_is_integer (level) || json_is_null (level));
      g_assert_true (json_is_boolean (json_object_get (value, "recognised")));
      g_assert_true (json_is_string (json_object_get (value, "basis")));
    }
}

/* Every verdict, reached through the built program against the two
 * registries, with its exit status and the fields of its JSON. */
static void
test_cli_lookup_every_verdict (Fixture       *fixture,
                               gconstpointer  data)
{
  static const struct {
    const char *payload;
    const char *verdict;
    int         status;
  } cases[] = {
    { "CSA/300929/2001", "valid", 0 },
    { "https://tietoturvamerkki.fi/en/products/test-loyly-sauna-sensor-s", "valid", 0 },
    { "CSA/150325/2004", "expired", 1 },
    { "https://tietoturvamerkki.fi/en/products/test-vanhentunut-hub", "expired", 1 },
    { "CSA/300629/2005", "revoked", 1 },
    { "CSA/310529/2006", "revoked", 1 },   /* suspended */
    { "https://tietoturvamerkki.fi/sv/produkter/test-kielletty-cam", "revoked", 1 },
    { "CSA/311229/9999", "not-found", 1 },
    { "https://tietoturvamerkki.fi/fi/tuotteet/test-ei-ole-olemassa", "not-found", 1 },
    { "CSA/300929/2007", "mismatch", 1 },
    { "https://tietoturvamerkki.fi.evil.example/en/products/test-loyly-sauna-sensor-s", "suspicious", 1 },
    { "http://user@www.bsi.bund.de@evil.example/sik-05165.html", "suspicious", 1 },
    { "hello", "not-a-label", 1 },
    { "CSA/310229/2001", "not-a-label", 1 },   /* 31 Feb is no expiry date */
    /* No BSI registry is set up and no copy has its labels. */
    { "https://www.bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html", "unverified", 3 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      json_t *json;
      int status;

      g_test_message ("payload: %s", cases[i].payload);
      status = run_cli (fixture, "lookup", "--json", cases[i].payload, NULL);
      json = parse_output (fixture);
      g_assert_cmpstr (field (json, "verdict"), ==, cases[i].verdict);
      g_assert_cmpint (status, ==, cases[i].status);
      g_assert_cmpstr (field (json, "input"), ==, cases[i].payload);
      assert_lookup_json_types (json);
      json_decref (json);

      /* The human form: the same status, the verdict's words first. */
      g_assert_cmpint (run_cli (fixture, "lookup", cases[i].payload, NULL), ==, cases[i].status);
      g_assert_cmpstr (fixture->err, ==, "");
      g_assert_cmpuint (strlen (fixture->out), >, 0);
    }
}

/* "-" reads the payload's bytes from standard input. */
static void
test_cli_lookup_stdin (Fixture       *fixture,
                       gconstpointer  data)
{
  static const char bytes[] = "\xff\xfe CSA/300929/2001";
  json_t *json;

  g_assert_cmpint (run_cli_with_input (fixture, "CSA/300629/2005", strlen ("CSA/300629/2005"),
                                       "lookup", "--json", "-", NULL), ==, 1);
  json = parse_output (fixture);
  g_assert_cmpstr (field (json, "reference.id"), ==, "CSA/300629/2005");
  g_assert_cmpstr (field (json, "verdict"), ==, "revoked");
  json_decref (json);

  /* Raw bytes, not UTF-8: the reference inside is still found. */
  g_assert_cmpint (run_cli_with_input (fixture, bytes, sizeof bytes - 1,
                                       "lookup", "--json", "-", NULL), ==, 0);
  json = parse_output (fixture);
  g_assert_cmpstr (field (json, "reference.id"), ==, "CSA/300929/2001");
  g_assert_cmpstr (field (json, "input_hex"), ==, "fffe204353412f3330303932392f32303031");
  json_decref (json);

  /* More than a payload can be: an input error. */
  {
    g_autofree char *large = g_strnfill (200 * 1024, 'A');

    assert_usage_error (fixture, run_cli_with_input (fixture, large, strlen (large), "lookup", "-", NULL));
  }
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
  assert_usage_error (fixture, run_cli (fixture, "lookup", NULL));
  assert_usage_error (fixture, run_cli (fixture, "lookup", "CSA/300929/2001", "CSA/300629/2005", NULL));
  assert_usage_error (fixture, run_cli (fixture, "lookup", "--registry", "no-such-registry=http://127.0.0.1:1",
                                        "CSA/300929/2001", NULL));
  assert_usage_error (fixture, run_cli (fixture, "lookup", "--registry", "sg-csa", "CSA/300929/2001", NULL));
  assert_usage_error (fixture, run_cli (fixture, "lookup", "--bogus", "CSA/300929/2001", NULL));
  assert_usage_error (fixture, run_cli (fixture, "sync", "extra", NULL));
}

/* --help of the program and of every command: status 0, the usage line
 * naming the command before its options; a bad option is a usage error. */
static void
test_cli_help (Fixture       *fixture,
               gconstpointer  data)
{
  static const char * const commands[] = { "parse", "lookup", "scan", "serve", "import", "sync", "history" };

  g_assert_cmpint (run_cli (fixture, "--help", NULL), ==, 0);
  g_assert_cmpstr (fixture->err, ==, "");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *listed = g_strdup_printf ("\n  %s ", commands[i]);

      g_assert_nonnull (strstr (fixture->out, listed));
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *usage = g_strdup_printf ("\n  merkki-cli %s [OPTION…]", commands[i]);
      g_autofree char *prefix = g_strdup_printf ("merkki-cli %s: ", commands[i]);

      g_test_message ("command: %s", commands[i]);
      g_assert_cmpint (run_cli (fixture, commands[i], "--help", NULL), ==, 0);
      g_assert_cmpstr (fixture->err, ==, "");
      g_assert_nonnull (strstr (fixture->out, usage));

      assert_usage_error (fixture, run_cli (fixture, commands[i], "--no-such-option", NULL));
      g_assert_true (g_str_has_prefix (fixture->err, prefix));
    }

  assert_usage_error (fixture, run_cli (fixture, NULL));
  assert_usage_error (fixture, run_cli (fixture, "no-such-command", NULL));
}

/* A registry address from the environment that cannot be used stops the
 * command with one line naming the variable; it is not silently replaced
 * by the offline copy. */
static void
test_cli_bad_environment (Fixture       *fixture,
                          gconstpointer  data)
{
  g_free (fixture->csa_url);
  fixture->csa_url = g_strdup ("ftp://127.0.0.1/registry");

  assert_usage_error (fixture, run_cli (fixture, "lookup", "CSA/300929/2001", NULL));
  g_assert_nonnull (strstr (fixture->err, "MERKKI_REGISTRY_SG_CSA"));
  assert_usage_error (fixture, run_cli (fixture, "sync", NULL));
  g_assert_nonnull (strstr (fixture->err, "MERKKI_REGISTRY_SG_CSA"));
  assert_usage_error (fixture, run_cli (fixture, "scan", "/nonexistent.png", NULL));
  g_assert_nonnull (strstr (fixture->err, "MERKKI_REGISTRY_SG_CSA"));

  /* --registry does not make a bad variable right: both are read. */
  g_free (fixture->traficom_url);
  fixture->traficom_url = g_strdup ("http://user:secret@127.0.0.1:1");
  g_free (fixture->csa_url);
  fixture->csa_url = NULL;
  assert_usage_error (fixture, run_cli (fixture, "lookup", "--registry", "fi-traficom=http://127.0.0.1:1",
                                        "CSA/300929/2001", NULL));
  g_assert_nonnull (strstr (fixture->err, "MERKKI_REGISTRY_FI_TRAFICOM"));
  /* The password is not repeated on the screen. */
  g_assert_null (strstr (fixture->err, "secret"));
}

static void
test_cli_sync_and_history (Fixture       *fixture,
                           gconstpointer  data)
{
  json_t *json;

  g_assert_cmpint (run_cli (fixture, "sync", NULL), ==, 0);
  g_assert_nonnull (strstr (fixture->out, "CSA registry: updated, 9 records"));
  g_assert_nonnull (strstr (fixture->out, "Traficom registry: updated, 7 records"));
  /* Again: the registries answer 304 to the ETag of the copy. */
  g_assert_cmpint (run_cli (fixture, "sync", NULL), ==, 0);
  g_assert_nonnull (strstr (fixture->out, "CSA registry: not modified (9 records)"));
  g_assert_nonnull (strstr (fixture->out, "Traficom registry: not modified (7 records)"));

  /* Synced, so offline now knows the fixtures' labels, not the demo's.
   * The copy's age is the time the registry generated it (csa.json says
   * 20 Nov 2026), not the time it was fetched: that is what a user reading
   * "offline copy from …" needs to know. */
  g_assert_cmpint (run_cli (fixture, "lookup", "--json", "--offline", "CSA/310729/2003", NULL), ==, 0);
  json = parse_output (fixture);
  g_assert_cmpstr (field (json, "registries.0.source"), ==, "snapshot");
  g_assert_cmpstr (field (json, "registries.0.fetched_at"), ==, "2026-11-20T00:00:00Z");
  g_assert_true (json_is_false (json_object_get (json, "demo")));
  json_decref (json);
  g_assert_cmpint (run_cli (fixture, "lookup", "--offline", "CSA/300929/2001", NULL), ==, 0);
  g_assert_nonnull (strstr (fixture->out, "CSA registry: offline copy from 20 Nov 2026\n"));
  g_assert_nonnull (strstr (fixture->out, "Traficom registry: offline copy from 20 Nov 2026\n"));
  g_assert_cmpint (run_cli (fixture, "lookup", "CSA/311229/9999", NULL), ==, 1);
  g_assert_cmpint (run_cli (fixture, "lookup", "=cmd|' /C calc'!A0", NULL), ==, 1);

  /* Four checks, newest first. */
  g_assert_cmpint (run_cli (fixture, "history", "--export", "json", NULL), ==, 0);
  json = json_loads (fixture->out, 0, NULL);
  g_assert_true (json_is_array (json));
  g_assert_cmpuint (json_array_size (json), ==, 4);
  g_assert_cmpstr (field (json, "0.verdict"), ==, "not-a-label");
  g_assert_cmpstr (field (json, "1.reference.id"), ==, "CSA/311229/9999");
  g_assert_cmpstr (field (json, "2.reference.id"), ==, "CSA/300929/2001");
  g_assert_cmpstr (field (json, "3.reference.id"), ==, "CSA/310729/2003");
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
 * each gets its answer and every check is in the history. Several rounds,
 * each on a new store: the processes racing to set up the file failed
 * now and then ("database is locked"), about one round in twenty on a
 * busy machine. */
static void
test_cli_concurrent_processes (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *cli = merkki_test_build_path ("src/cli/merkki-cli");
  g_autofree char *home = g_steal_pointer (&fixture->data_home);

  for (guint round = 0; round < 10; round++)
    {
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                          G_SUBPROCESS_FLAGS_STDERR_PIPE);
      GSubprocess *processes[6];
      json_t *json;

      g_free (fixture->data_home);
      fixture->data_home = g_strdup_printf ("%s/round-%u", home, round);
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
          g_autofree char *err = NULL;

          g_subprocess_communicate_utf8 (processes[i], NULL, NULL, NULL, &err, &error);
          g_assert_no_error (error);
          g_assert_true (g_subprocess_get_if_exited (processes[i]));
          /* What went wrong, if anything: a failure here is seldom and
           * under load, and its message is all there is to go on. */
          if (g_subprocess_get_exit_status (processes[i]) != (i % 2 ? 0 : 1))
            g_test_message ("round %u, process %u exited %d: %s", round, i,
                            g_subprocess_get_exit_status (processes[i]), err);
          g_assert_cmpint (g_subprocess_get_exit_status (processes[i]), ==, i % 2 ? 0 : 1);
          g_object_unref (processes[i]);
        }

      g_assert_cmpint (run_cli (fixture, "history", "--export", "json", NULL), ==, 0);
      json = json_loads (fixture->out, 0, NULL);
      g_assert_cmpuint (json_array_size (json), ==, G_N_ELEMENTS (processes));
      json_decref (json);
    }

  /* The fixture removes its own directory, with the rounds' in it. */
  g_free (fixture->data_home);
  fixture->data_home = g_steal_pointer (&home);
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
  merkki_test_init (&argc, &argv);

#define ADD(name, func) \
  g_test_add ("/cli/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("lookup-valid", test_cli_lookup_valid);
  ADD ("lookup-every-verdict", test_cli_lookup_every_verdict);
  ADD ("lookup-stdin", test_cli_lookup_stdin);
  ADD ("lookup-negative", test_cli_lookup_negative);
  ADD ("lookup-demo", test_cli_lookup_demo);
  ADD ("lookup-options", test_cli_lookup_options);
  ADD ("bad-environment", test_cli_bad_environment);
  ADD ("help", test_cli_help);
  ADD ("sync-and-history", test_cli_sync_and_history);
  ADD ("concurrent-processes", test_cli_concurrent_processes);
  ADD ("damaged-store", test_cli_damaged_store);
#undef ADD

  return merkki_test_run_with_registries (&csa_server, &traficom_server);
}
