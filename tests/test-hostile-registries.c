/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "merkki-core.h"
#include "merkki-hostile-server.h"
#include "merkki-test-registry.h"
#include "merkki-test-utils.h"

/* Hostile registries, end to end: one registry is a hostile server on
 * 127.0.0.1 (tests/merkki-hostile-server.h), the other the fixture
 * registry, and the label checked is a valid one of the fixtures
 * (CSA/300929/2001, "Test Pohjola Gateway X3"). Each case of the table is
 * run with the hostile server as the issuer (the CSA registry, asked by
 * reference) and as the partner (Traficom's, asked by brand and model),
 * through merkki_checker_check() and through the built merkki-cli lookup
 * --json. Whatever the server sends, the verdict is the right one or
 * "unverified", never "valid" for another product, and the check ends
 * within the client's time limit. */

#define PAYLOAD        "CSA/300929/2001"
#define PAYLOAD_BRAND  "Test Pohjola"
#define PAYLOAD_MODEL  "Gateway X3"

/* The checker's tests use short limits to stay quick; merkki-cli runs with
 * its defaults (DESIGN.md: 3 s to connect, 8 s in all). A check asks the
 * hostile registry in one round and the fixture in another; the margin is
 * for the fixture's round, the store and, for merkki-cli, starting the
 * process, on a loaded machine. */
#define CHECKER_CONNECT_MS 1000
#define CHECKER_TOTAL_MS   3000
#define CLI_TOTAL_MS       8000
#define MARGIN_MS          3000

typedef struct {
  const char        *name;
  MerkkiHostileMode  mode;
  /* What the hostile registry's answer comes to, asked as the issuer (a
   * label by reference) and as the partner (a search by brand and
   * model). FOUND only where the mode leaves that kind of answer valid. */
  MerkkiOutcome      as_issuer;
  MerkkiOutcome      as_partner;
} HostileCase;

#define FOUND     MERKKI_OUTCOME_FOUND
#define NOT_FOUND MERKKI_OUTCOME_NOT_FOUND
#define ERROR     MERKKI_OUTCOME_ERROR

static const HostileCase cases[] = {
  /* Answers about something else than what was asked. */
  { "other-id", MERKKI_HOSTILE_OTHER_ID, ERROR, ERROR },          /* search: another scheme */
  { "other-scheme", MERKKI_HOSTILE_OTHER_SCHEME, ERROR, FOUND },  /* a search stays valid */
  { "other-brand", MERKKI_HOSTILE_OTHER_PRODUCT, FOUND, ERROR },  /* a label stays valid */
  /* JSON that two readers could read two ways, or not at all. */
  { "duplicate-id", MERKKI_HOSTILE_DUPLICATE_KEYS, ERROR, ERROR },
  { "duplicate-status-active-first", MERKKI_HOSTILE_DUPLICATE_STATUS, ERROR, ERROR },
  { "duplicate-status-revoked-first", MERKKI_HOSTILE_DUPLICATE_STATUS_REVOKED_FIRST, ERROR, ERROR },
  { "level-1e308", MERKKI_HOSTILE_LEVEL_FLOAT_MAX, ERROR, ERROR },
  { "level-2-pow-63", MERKKI_HOSTILE_LEVEL_2_POW_63, ERROR, ERROR },
  { "level-int64-min", MERKKI_HOSTILE_LEVEL_INT64_MIN, ERROR, ERROR },
  { "level-10-pow-400", MERKKI_HOSTILE_HUGE_NUMBER, ERROR, ERROR },
  { "deep-nesting", MERKKI_HOSTILE_DEEP_NESTING, ERROR, ERROR },
  { "many-records", MERKKI_HOSTILE_MANY_RECORDS, FOUND, ERROR },  /* 10 000 in a search */
  { "wrong-types", MERKKI_HOSTILE_WRONG_TYPES, ERROR, ERROR },
  { "bad-utf8", MERKKI_HOSTILE_BAD_UTF8, ERROR, ERROR },
  { "truncated-json", MERKKI_HOSTILE_TRUNCATED_JSON, ERROR, ERROR },
  { "malformed-json", MERKKI_HOSTILE_MALFORMED_JSON, ERROR, ERROR },
  /* Broken HTTP. */
  { "length-longer-than-body", MERKKI_HOSTILE_LYING_LENGTH_LONG, ERROR, ERROR },
  { "length-shorter-than-body", MERKKI_HOSTILE_LYING_LENGTH_SHORT, ERROR, ERROR },
  { "length-5-gb", MERKKI_HOSTILE_LYING_LENGTH_HUGE, ERROR, ERROR },
  { "body-50-mb", MERKKI_HOSTILE_HUGE_BODY, ERROR, ERROR },
  { "gzip-not-asked", MERKKI_HOSTILE_GZIP, ERROR, ERROR },
  { "gzip-bomb", MERKKI_HOSTILE_GZIP_BOMB, ERROR, ERROR },
  { "reset-mid-body", MERKKI_HOSTILE_RESET_MID_BODY, ERROR, ERROR },
  { "not-http", MERKKI_HOSTILE_NOT_HTTP, ERROR, ERROR },
  { "bad-status-line", MERKKI_HOSTILE_BAD_STATUS_LINE, ERROR, ERROR },
  { "redirect-other-host", MERKKI_HOSTILE_REDIRECT_OTHER_HOST, ERROR, ERROR },
  { "redirect-loop", MERKKI_HOSTILE_REDIRECT_LOOP, ERROR, ERROR },
  { "404-not-json", MERKKI_HOSTILE_NOT_FOUND_PLAIN, ERROR, ERROR },
  { "500", MERKKI_HOSTILE_SERVER_ERROR, ERROR, ERROR },
  /* The interface's own "no such label", for contrast. */
  { "404-not-found", MERKKI_HOSTILE_NOT_FOUND_JSON, NOT_FOUND, NOT_FOUND },
  /* Time. */
  { "never-answers", MERKKI_HOSTILE_NEVER_ANSWER, ERROR, ERROR },
  { "slow-drip", MERKKI_HOSTILE_SLOW_DRIP, ERROR, ERROR },
};

typedef struct {
  const HostileCase *hostile_case;
  gboolean           as_issuer;
} Param;

static MerkkiRegistryServer *csa_server;
static MerkkiRegistryServer *traficom_server;

typedef struct {
  MerkkiHostileServer *hostile;
  const char          *csa_url;
  const char          *traficom_url;
  char                *dir;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  const Param *param = data;
  static int counter;

  fixture->hostile = merkki_hostile_server_new ();
  merkki_hostile_server_set_mode (fixture->hostile, param->hostile_case->mode);
  fixture->csa_url = param->as_issuer ? merkki_hostile_server_get_url (fixture->hostile)
                                      : merkki_registry_server_get_url (csa_server);
  fixture->traficom_url = param->as_issuer ? merkki_registry_server_get_url (traficom_server)
                                           : merkki_hostile_server_get_url (fixture->hostile);
  fixture->dir = g_strdup_printf ("%s/hostile-%d", merkki_test_get_tmpdir (), ++counter);
  g_assert_cmpint (g_mkdir_with_parents (fixture->dir, 0700), ==, 0);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* Closes what a hostile mode holds open. */
  g_clear_pointer (&fixture->hostile, merkki_hostile_server_free);
  merkki_test_rm_rf (fixture->dir);
  g_free (fixture->dir);
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

/* ---- Through the checker ---------------------------------------------- */

static MerkkiChecker *
new_checker (Fixture *fixture)
{
  g_autofree char *path = g_build_filename (fixture->dir, "merkki.db", NULL);
  g_autoptr(MerkkiStore) store = NULL;
  g_autoptr(MerkkiRegistryConfig) config = merkki_registry_config_new_default ();
  g_autoptr(MerkkiRegistryClient) client = merkki_registry_client_new ();
  g_autoptr(GError) error = NULL;

  store = merkki_store_open (path, &error);
  g_assert_no_error (error);
  merkki_registry_config_set_url (config, "sg-csa", fixture->csa_url, &error);
  g_assert_no_error (error);
  merkki_registry_config_set_url (config, "fi-traficom", fixture->traficom_url, &error);
  g_assert_no_error (error);
  merkki_registry_client_set_timeouts (client, CHECKER_CONNECT_MS, CHECKER_TOTAL_MS);

  return merkki_checker_new (config, client, store, NULL);
}

static MerkkiCheckResult *
check (MerkkiChecker *checker,
       const char    *payload)
{
  g_autoptr(GBytes) bytes = g_bytes_new (payload, strlen (payload));
  g_autoptr(GError) error = NULL;
  MerkkiCheckResult *result;
  gint64 start = g_get_monotonic_time ();
  double seconds;

  result = merkki_checker_check (checker, bytes, MERKKI_CHECK_FLAGS_NO_CACHE, NULL, &error);
  seconds = seconds_since (start);
  g_assert_no_error (error);
  g_assert_nonnull (result);

  g_test_message ("%s: %s after %.2f s", payload,
                  merkki_verdict_to_string (merkki_check_result_get_verdict (result)), seconds);
  g_assert_cmpfloat (seconds * 1000, <, CHECKER_TOTAL_MS + MARGIN_MS);
  return result;
}

static void
assert_outcome (const MerkkiRegistryAnswer *answer,
                MerkkiOutcome               expected)
{
  if (answer->error != NULL)
    g_test_message ("%s: %s", answer->registry_id, answer->error);
  g_assert_cmpstr (merkki_outcome_to_string (answer->outcome), ==, merkki_outcome_to_string (expected));
  /* A record exactly when found, and a reason exactly on error. */
  g_assert_true ((answer->record != NULL) == (expected == FOUND));
  g_assert_true ((answer->error != NULL) == (expected == ERROR));
}

/* The verdict an issuer's answer comes to, for the fixtures' valid label. */
static MerkkiVerdict
verdict_for (MerkkiOutcome issuer)
{
  return issuer == FOUND ? MERKKI_VERDICT_VALID
         : issuer == NOT_FOUND ? MERKKI_VERDICT_NOT_FOUND
         : MERKKI_VERDICT_UNVERIFIED;
}

static void
test_checker_hostile (Fixture       *fixture,
                      gconstpointer  data)
{
  const Param *param = data;
  const HostileCase *c = param->hostile_case;
  g_autoptr(MerkkiChecker) checker = new_checker (fixture);
  g_autoptr(MerkkiCheckResult) result = check (checker, PAYLOAD);
  const MerkkiRegistryAnswer *csa = merkki_test_get_answer (result, "sg-csa");
  const MerkkiRegistryAnswer *traficom = merkki_test_get_answer (result, "fi-traficom");
  const MerkkiRecord *record = merkki_check_result_get_record (result);

  if (param->as_issuer)
    {
      assert_outcome (csa, c->as_issuer);
      merkki_test_assert_verdict (result, verdict_for (c->as_issuer));
    }
  else
    {
      /* The issuer (the fixture) decides; the partner's fault is shown. */
      assert_outcome (csa, FOUND);
      merkki_test_assert_verdict (result, MERKKI_VERDICT_VALID);
      assert_outcome (traficom, c->as_partner);
      g_assert_cmpint (traficom->source, ==, MERKKI_SOURCE_ONLINE);
    }

  /* Whatever was found is about the label and the product asked about. */
  if (merkki_check_result_get_verdict (result) == MERKKI_VERDICT_VALID)
    {
      g_assert_nonnull (record);
      g_assert_cmpstr (record->scheme, ==, "sg-cls");
      g_assert_cmpstr (record->id, ==, PAYLOAD);
    }
  else
    g_assert_null (record);
  if (traficom->record != NULL)
    {
      g_assert_cmpstr (traficom->record->scheme, ==, "fi-ttm");
      g_assert_cmpstr (traficom->record->brand, ==, csa->record->brand);
      g_assert_cmpstr (traficom->record->model, ==, csa->record->model);
    }

  /* An issuer that fails does not hide what the offline copy knows: a
   * label of the bundled demo data is answered from it, the failure
   * shown. */
  if (param->as_issuer && c->as_issuer == ERROR)
    {
      g_autoptr(MerkkiRegistryData) demo = merkki_registry_data_get_demo ("sg-csa");
      g_autoptr(MerkkiCheckResult) known = check (checker, ((MerkkiRecord *) g_ptr_array_index (demo->records, 0))->id);

      csa = merkki_test_get_answer (known, "sg-csa");
      g_assert_cmpint (csa->outcome, ==, FOUND);
      g_assert_cmpint (csa->source, ==, MERKKI_SOURCE_SNAPSHOT);
      g_assert_nonnull (csa->error);
      g_assert_true (csa->demo);
      merkki_test_assert_verdict (known, MERKKI_VERDICT_VALID);
    }
}

/* ---- Through merkki-cli lookup --json --------------------------------- */

static json_t *
json_path (json_t     *json,
           const char *path)
{
  g_auto(GStrv) keys = g_strsplit (path, ".", -1);

  for (guint i = 0; keys[i] != NULL && json != NULL; i++)
    {
      if (g_ascii_isdigit (keys[i][0]))
        json = json_array_get (json, (size_t) g_ascii_strtoull (keys[i], NULL, 10));
      else
        json = json_object_get (json, keys[i]);
    }
  return json;
}

static const char *
field (json_t     *json,
       const char *path)
{
  return json_string_value (json_path (json, path));
}

/* The exit statuses of DESIGN.md. */
static int
status_for (MerkkiVerdict verdict)
{
  return verdict == MERKKI_VERDICT_VALID ? 0 : verdict == MERKKI_VERDICT_UNVERIFIED ? 3 : 1;
}

/* registries.N of the JSON: the issuer first, then the partner. */
static void
assert_json_answer (json_t        *json,
                    guint          index,
                    const char    *registry_id,
                    MerkkiOutcome  expected)
{
  g_autofree char *prefix = g_strdup_printf ("registries.%u.", index);
  g_autofree char *registry = g_strconcat (prefix, "registry", NULL);
  g_autofree char *outcome = g_strconcat (prefix, "outcome", NULL);
  g_autofree char *record = g_strconcat (prefix, "record", NULL);
  g_autofree char *error = g_strconcat (prefix, "error", NULL);

  g_assert_cmpstr (field (json, registry), ==, registry_id);
  g_assert_cmpstr (field (json, outcome), ==, merkki_outcome_to_string (expected));
  g_assert_true (json_is_object (json_path (json, record)) == (expected == FOUND));
  g_assert_true (json_is_string (json_path (json, error)) == (expected == ERROR));
}

static void
test_cli_hostile (Fixture       *fixture,
                  gconstpointer  data)
{
  const Param *param = data;
  const HostileCase *c = param->hostile_case;
  g_autofree char *csa = g_strconcat ("MERKKI_REGISTRY_SG_CSA=", fixture->csa_url, NULL);
  g_autofree char *traficom = g_strconcat ("MERKKI_REGISTRY_FI_TRAFICOM=", fixture->traficom_url, NULL);
  const char * const env[] = { csa, traficom, NULL };
  const char * const args[] = { "lookup", "--json", PAYLOAD, NULL };
  MerkkiVerdict verdict = param->as_issuer ? verdict_for (c->as_issuer) : MERKKI_VERDICT_VALID;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  json_error_t json_error;
  json_t *json;
  gint64 start = g_get_monotonic_time ();
  double seconds;
  int status;

  status = merkki_test_run_cli (fixture->dir, env, NULL, args, &out, &err);
  seconds = seconds_since (start);
  g_test_message ("exit %d after %.2f s\nstdout: %s\nstderr: %s", status, seconds, out, err);
  g_assert_cmpfloat (seconds * 1000, <, CLI_TOTAL_MS + MARGIN_MS);

  json = json_loads (out, 0, &json_error);
  g_assert_nonnull (json);
  g_assert_cmpstr (field (json, "verdict"), ==, merkki_verdict_to_string (verdict));
  g_assert_cmpint (status, ==, status_for (verdict));
  assert_json_answer (json, 0, "sg-csa", param->as_issuer ? c->as_issuer : FOUND);
  if (!param->as_issuer)
    assert_json_answer (json, 1, "fi-traficom", c->as_partner);

  /* Whatever was found is about the label and the product asked about. */
  if (json_is_object (json_path (json, "registries.0.record")))
    {
      g_assert_cmpstr (field (json, "registries.0.record.scheme"), ==, "sg-cls");
      g_assert_cmpstr (field (json, "registries.0.record.id"), ==, PAYLOAD);
    }
  if (!param->as_issuer && json_is_object (json_path (json, "registries.1.record")))
    {
      g_assert_cmpstr (field (json, "registries.1.record.scheme"), ==, "fi-ttm");
      g_assert_cmpstr (field (json, "registries.1.record.product.brand"), ==, PAYLOAD_BRAND);
      g_assert_cmpstr (field (json, "registries.1.record.product.model"), ==, PAYLOAD_MODEL);
    }
  json_decref (json);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func (g_free);
  merkki_test_init (&argc, &argv);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      for (guint role = 0; role < 2; role++)
        {
          Param *param = g_new0 (Param, 1);
          const char *role_name = role == 0 ? "issuer" : "partner";
          g_autofree char *checker_path = g_strdup_printf ("/hostile/checker/%s/%s", role_name, cases[i].name);
          g_autofree char *cli_path = g_strdup_printf ("/hostile/cli/%s/%s", role_name, cases[i].name);

          param->hostile_case = &cases[i];
          param->as_issuer = role == 0;
          g_ptr_array_add (params, param);
          g_test_add (checker_path, Fixture, param, fixture_set_up, test_checker_hostile, fixture_tear_down);
          g_test_add (cli_path, Fixture, param, fixture_set_up, test_cli_hostile, fixture_tear_down);
        }
    }

  return merkki_test_run_with_registries (&csa_server, &traficom_server);
}
