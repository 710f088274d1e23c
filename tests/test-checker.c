/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "merkki-core.h"
#include "merkki-hostile-server.h"
#include "merkki-test-registry.h"
#include "merkki-test-utils.h"

/* The whole check against two real registry servers (CSA's and Traficom's
 * fixtures, each in its own thread on 127.0.0.1), a real SQLite store, and
 * the real registry client. */

static MerkkiRegistryServer *csa_server;
static MerkkiRegistryServer *traficom_server;

typedef struct {
  char                 *store_path;
  MerkkiStore          *store;
  MerkkiRegistryConfig *config;
  MerkkiRegistryClient *client;
  MerkkiChecker        *checker;
  guint                 csa_requests;
  guint                 traficom_requests;
} Fixture;

static void
set_url (Fixture    *fixture,
         const char *registry_id,
         const char *url)
{
  g_autoptr(GError) error = NULL;

  merkki_registry_config_set_url (fixture->config, registry_id, url, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  static int counter;
  g_autoptr(GError) error = NULL;

  fixture->store_path = g_strdup_printf ("%s/checker-%d/merkki.db", merkki_test_get_tmpdir (), ++counter);
  fixture->store = merkki_store_open (fixture->store_path, &error);
  g_assert_no_error (error);

  fixture->config = merkki_registry_config_new_default ();
  set_url (fixture, "sg-csa", merkki_registry_server_get_url (csa_server));
  set_url (fixture, "fi-traficom", merkki_registry_server_get_url (traficom_server));

  fixture->client = merkki_registry_client_new ();
  fixture->checker = merkki_checker_new (fixture->config, fixture->client, fixture->store, NULL);

  fixture->csa_requests = merkki_registry_server_get_n_requests (csa_server);
  fixture->traficom_requests = merkki_registry_server_get_n_requests (traficom_server);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *dir = g_path_get_dirname (fixture->store_path);

  g_assert_finalize_object (g_steal_pointer (&fixture->checker));
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->config);
  g_assert_finalize_object (g_steal_pointer (&fixture->store));
  merkki_test_rm_rf (dir);
  g_free (fixture->store_path);
}

/* Requests each server answered since the last call. */
static void
take_request_counts (Fixture *fixture,
                     guint   *csa,
                     guint   *traficom)
{
  guint csa_now = merkki_registry_server_get_n_requests (csa_server);
  guint traficom_now = merkki_registry_server_get_n_requests (traficom_server);

  *csa = csa_now - fixture->csa_requests;
  *traficom = traficom_now - fixture->traficom_requests;
  fixture->csa_requests = csa_now;
  fixture->traficom_requests = traficom_now;
}

static MerkkiCheckResult *
check (Fixture          *fixture,
       const char       *payload,
       MerkkiCheckFlags  flags)
{
  g_autoptr(GBytes) bytes = g_bytes_new (payload, strlen (payload));
  g_autoptr(GError) error = NULL;
  MerkkiCheckResult *result;

  result = merkki_checker_check (fixture->checker, bytes, flags, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static const MerkkiCountryRecognition *
get_country (MerkkiCheckResult *result,
             const char        *country)
{
  GPtrArray *recognition = merkki_check_result_get_recognition (result);

  for (guint i = 0; i < recognition->len; i++)
    {
      const MerkkiCountryRecognition *entry = g_ptr_array_index (recognition, i);

      if (g_strcmp0 (entry->country, country) == 0)
        return entry;
    }

  return NULL;
}

static void
test_checker_found_in_both (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(MerkkiCheckResult) result = check (fixture, "CSA/300929/2001", MERKKI_CHECK_FLAGS_NONE);
  g_autoptr(MerkkiCheckResult) again = NULL;
  const MerkkiRegistryAnswer *csa, *traficom;
  const MerkkiCountryRecognition *sg, *fi;
  json_t *json;
  json_t *registries;
  guint csa_requests, traficom_requests;

  merkki_test_assert_verdict (result, MERKKI_VERDICT_VALID);
  g_assert_false (merkki_check_result_is_demo (result));

  /* The issuer comes first. */
  csa = g_ptr_array_index (merkki_check_result_get_answers (result), 0);
  g_assert_cmpstr (csa->registry_id, ==, "sg-csa");
  g_assert_true (csa->is_issuer);
  g_assert_cmpint (csa->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpint (csa->source, ==, MERKKI_SOURCE_ONLINE);
  g_assert_cmpstr (csa->record->brand, ==, "Test Pohjola");
  g_assert_nonnull (csa->fetched_at);
  g_assert_null (csa->error);

  traficom = merkki_test_get_answer (result, "fi-traficom");
  g_assert_false (traficom->is_issuer);
  g_assert_cmpint (traficom->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpint (traficom->source, ==, MERKKI_SOURCE_ONLINE);
  g_assert_cmpstr (traficom->record->id, ==, "test-pohjola-gateway-x3");

  sg = get_country (result, "SG");
  g_assert_nonnull (sg);
  g_assert_true (sg->recognised);
  g_assert_cmpint (sg->level, ==, 3);
  fi = get_country (result, "FI");
  g_assert_nonnull (fi);
  g_assert_true (fi->recognised);
  g_assert_nonnull (merkki_check_result_get_explanation (result));

  take_request_counts (fixture, &csa_requests, &traficom_requests);
  g_assert_cmpuint (csa_requests, ==, 1);
  g_assert_cmpuint (traficom_requests, ==, 1);

  /* DESIGN.md's --json contract. */
  json = merkki_check_result_to_json (result);
  g_assert_cmpstr (json_string_value (json_object_get (json, "input")), ==, "CSA/300929/2001");
  g_assert_cmpstr (json_string_value (json_object_get (json, "input_hex")), ==,
                   "4353412f3330303932392f32303031");
  g_assert_cmpstr (json_string_value (json_object_get (json, "verdict")), ==, "valid");
  g_assert_cmpstr (json_string_value (json_object_get (json_object_get (json, "reference"), "scheme")),
                   ==, "sg-cls");
  g_assert_cmpstr (json_string_value (json_object_get (json_object_get (json, "reference"), "id")),
                   ==, "CSA/300929/2001");
  g_assert_cmpstr (json_string_value (json_object_get (json_object_get (json, "reference"), "expires_from_id")),
                   ==, "2029-09-30");
  registries = json_object_get (json, "registries");
  g_assert_cmpuint (json_array_size (registries), ==, 2);
  g_assert_cmpstr (json_string_value (json_object_get (json_array_get (registries, 0), "role")), ==, "issuer");
  g_assert_cmpstr (json_string_value (json_object_get (json_array_get (registries, 0), "outcome")), ==, "found");
  g_assert_cmpstr (json_string_value (json_object_get (json_array_get (registries, 0), "source")), ==, "online");
  g_assert_true (json_is_null (json_object_get (json_array_get (registries, 0), "error")));
  g_assert_true (json_is_object (json_object_get (json_array_get (registries, 1), "record")));
  g_assert_cmpstr (json_string_value (json_object_get (json_array_get (registries, 1), "role")), ==, "partner");
  g_assert_cmpuint (json_array_size (json_object_get (json, "recognition")), >=, 2);
  g_assert_true (json_is_string (json_object_get (json, "explanation")));
  g_assert_true (json_is_string (json_object_get (json, "checked_at")));
  g_assert_true (json_is_false (json_object_get (json, "demo")));
  json_decref (json);

  /* Asked again within the cache's age: answered from the cache, no
   * registry is asked. */
  again = check (fixture, "CSA/300929/2001", MERKKI_CHECK_FLAGS_NONE);
  merkki_test_assert_verdict (again, MERKKI_VERDICT_VALID);
  g_assert_cmpint (merkki_test_get_answer (again, "sg-csa")->source, ==, MERKKI_SOURCE_CACHE);
  g_assert_cmpint (merkki_test_get_answer (again, "fi-traficom")->source, ==, MERKKI_SOURCE_CACHE);
  take_request_counts (fixture, &csa_requests, &traficom_requests);
  g_assert_cmpuint (csa_requests + traficom_requests, ==, 0);
  g_clear_object (&again);

  /* NO_CACHE asks both again, online. */
  again = check (fixture, "CSA/300929/2001", MERKKI_CHECK_FLAGS_NO_CACHE);
  g_assert_cmpint (merkki_test_get_answer (again, "sg-csa")->source, ==, MERKKI_SOURCE_ONLINE);
  g_assert_cmpint (merkki_test_get_answer (again, "fi-traficom")->source, ==, MERKKI_SOURCE_ONLINE);
  take_request_counts (fixture, &csa_requests, &traficom_requests);
  g_assert_cmpuint (csa_requests, ==, 1);
  g_assert_cmpuint (traficom_requests, ==, 1);
}

static void
test_checker_partner_ignores_case (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(MerkkiCheckResult) result = check (fixture, "CSA/310829/2002", MERKKI_CHECK_FLAGS_NONE);
  const MerkkiRegistryAnswer *traficom = merkki_test_get_answer (result, "fi-traficom");

  merkki_test_assert_verdict (result, MERKKI_VERDICT_VALID);
  g_assert_cmpint (traficom->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpstr (traficom->record->id, ==, "test-revontuli-camera-pro-4");
}

static void
test_checker_found_in_one (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(MerkkiCheckResult) result = check (fixture, "CSA/310729/2003", MERKKI_CHECK_FLAGS_NONE);
  g_autoptr(MerkkiCheckResult) again = NULL;
  const MerkkiRegistryAnswer *traficom = merkki_test_get_answer (result, "fi-traficom");
  const MerkkiCountryRecognition *fi = get_country (result, "FI");
  guint csa_requests, traficom_requests;

  merkki_test_assert_verdict (result, MERKKI_VERDICT_VALID);
  g_assert_cmpint (merkki_test_get_answer (result, "sg-csa")->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpint (traficom->outcome, ==, MERKKI_OUTCOME_NOT_FOUND);
  g_assert_cmpint (traficom->source, ==, MERKKI_SOURCE_ONLINE);
  g_assert_null (traficom->record);
  /* CLS Level 1 is not recognised in Finland. */
  g_assert_nonnull (fi);
  g_assert_false (fi->recognised);
  g_assert_true (get_country (result, "SG")->recognised);

  /* Again at once: both answers, the partner's "no label" included, come
   * from the cache and nobody is asked. */
  take_request_counts (fixture, &csa_requests, &traficom_requests);
  again = check (fixture, "CSA/310729/2003", MERKKI_CHECK_FLAGS_NONE);
  merkki_test_assert_verdict (again, MERKKI_VERDICT_VALID);
  g_assert_cmpint (merkki_test_get_answer (again, "sg-csa")->source, ==, MERKKI_SOURCE_CACHE);
  g_assert_cmpint (merkki_test_get_answer (again, "fi-traficom")->outcome, ==, MERKKI_OUTCOME_NOT_FOUND);
  g_assert_cmpint (merkki_test_get_answer (again, "fi-traficom")->source, ==, MERKKI_SOURCE_CACHE);
  take_request_counts (fixture, &csa_requests, &traficom_requests);
  g_assert_cmpuint (csa_requests + traficom_requests, ==, 0);
}

/* A Finnish label: Traficom is the issuer, CSA the partner. */
static void
test_checker_finnish_label (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(MerkkiCheckResult) both = check (fixture, "https://tietoturvamerkki.fi/en/products/test-pohjola-gateway-x3",
                                             MERKKI_CHECK_FLAGS_NONE);
  g_autoptr(MerkkiCheckResult) one = check (fixture, "https://tietoturvamerkki.fi/fi/tuotteet/test-loyly-sauna-sensor-s",
                                            MERKKI_CHECK_FLAGS_NONE);
  const MerkkiRegistryAnswer *issuer;

  merkki_test_assert_verdict (both, MERKKI_VERDICT_VALID);
  issuer = g_ptr_array_index (merkki_check_result_get_answers (both), 0);
  g_assert_cmpstr (issuer->registry_id, ==, "fi-traficom");
  g_assert_true (issuer->is_issuer);
  g_assert_cmpint (issuer->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpint (merkki_test_get_answer (both, "sg-csa")->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpstr (merkki_test_get_answer (both, "sg-csa")->record->id, ==, "CSA/300929/2001");

  merkki_test_assert_verdict (one, MERKKI_VERDICT_VALID);
  g_assert_cmpint (merkki_test_get_answer (one, "fi-traficom")->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpint (merkki_test_get_answer (one, "sg-csa")->outcome, ==, MERKKI_OUTCOME_NOT_FOUND);
}

static void
test_checker_not_found (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(MerkkiCheckResult) result = check (fixture, "CSA/311229/9999", MERKKI_CHECK_FLAGS_NONE);
  const MerkkiRegistryAnswer *csa = merkki_test_get_answer (result, "sg-csa");
  guint csa_requests, traficom_requests;

  merkki_test_assert_verdict (result, MERKKI_VERDICT_NOT_FOUND);
  g_assert_cmpint (csa->outcome, ==, MERKKI_OUTCOME_NOT_FOUND);
  g_assert_cmpint (csa->source, ==, MERKKI_SOURCE_ONLINE);
  g_assert_null (merkki_check_result_get_record (result));
  /* No product, so nothing to ask the partner about. */
  g_assert_cmpint (merkki_test_get_answer (result, "fi-traficom")->outcome, ==, MERKKI_OUTCOME_SKIPPED);
  take_request_counts (fixture, &csa_requests, &traficom_requests);
  g_assert_cmpuint (csa_requests, ==, 1);
  g_assert_cmpuint (traficom_requests, ==, 0);
}

static void
test_checker_negative_verdicts (Fixture       *fixture,
                                gconstpointer  data)
{
  static const struct {
    const char    *payload;
    MerkkiVerdict  verdict;
  } cases[] = {
    { "CSA/150325/2004", MERKKI_VERDICT_EXPIRED },
    { "CSA/300629/2005", MERKKI_VERDICT_REVOKED },
    { "CSA/310529/2006", MERKKI_VERDICT_REVOKED },   /* suspended */
    { "CSA/300929/2007", MERKKI_VERDICT_MISMATCH },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MerkkiCheckResult) result = check (fixture, cases[i].payload, MERKKI_CHECK_FLAGS_NONE);
      GPtrArray *recognition = merkki_check_result_get_recognition (result);

      g_test_message ("%s", cases[i].payload);
      merkki_test_assert_verdict (result, cases[i].verdict);
      g_assert_cmpint (merkki_test_get_answer (result, "sg-csa")->outcome, ==, MERKKI_OUTCOME_FOUND);
      /* Recognised nowhere. */
      for (guint j = 0; j < recognition->len; j++)
        g_assert_false (((MerkkiCountryRecognition *) g_ptr_array_index (recognition, j))->recognised);
    }
}

static void
test_checker_not_a_label (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(MerkkiCheckResult) result = check (fixture, "https://example.com/menu", MERKKI_CHECK_FLAGS_NONE);
  g_autoptr(MerkkiCheckResult) lookalike = NULL;
  guint csa_requests, traficom_requests;
  json_t *json;

  merkki_test_assert_verdict (result, MERKKI_VERDICT_NOT_A_LABEL);
  g_assert_cmpuint (merkki_check_result_get_answers (result)->len, ==, 0);
  json = merkki_check_result_to_json (result);
  g_assert_true (json_is_null (json_object_get (json, "reference")));
  g_assert_cmpstr (json_string_value (json_object_get (json, "input")), ==, "https://example.com/menu");
  json_decref (json);

  lookalike = check (fixture, "https://tietoturvamerkki.fi.evil.example/fi/tuotteet/test-pohjola-gateway-x3",
                     MERKKI_CHECK_FLAGS_NONE);
  merkki_test_assert_verdict (lookalike, MERKKI_VERDICT_SUSPICIOUS);
  g_assert_cmpuint (merkki_check_result_get_answers (lookalike)->len, ==, 0);

  /* Nobody was asked about either. */
  take_request_counts (fixture, &csa_requests, &traficom_requests);
  g_assert_cmpuint (csa_requests + traficom_requests, ==, 0);
}

static void
assert_demo_from_snapshot (MerkkiCheckResult *result)
{
  const MerkkiRegistryAnswer *csa = merkki_test_get_answer (result, "sg-csa");
  json_t *json;

  merkki_test_assert_verdict (result, MERKKI_VERDICT_VALID);
  g_assert_cmpint (csa->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpint (csa->source, ==, MERKKI_SOURCE_SNAPSHOT);
  g_assert_true (csa->demo);
  g_assert_true (merkki_check_result_is_demo (result));
  json = merkki_check_result_to_json (result);
  g_assert_true (json_is_true (json_object_get (json, "demo")));
  g_assert_cmpstr (json_string_value (json_object_get (json_array_get (json_object_get (json, "registries"), 0),
                                                       "source")), ==, "snapshot");
  json_decref (json);
}

static void
test_checker_offline_demo (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(MerkkiRegistryData) demo = merkki_registry_data_get_demo ("sg-csa");
  g_autoptr(MerkkiCheckResult) result = NULL;
  g_autoptr(MerkkiCheckResult) unknown = NULL;
  guint csa_requests, traficom_requests;

  /* The bundled demo's first record is a valid Level 3 label. */
  result = check (fixture, ((MerkkiRecord *) g_ptr_array_index (demo->records, 0))->id,
                  MERKKI_CHECK_FLAGS_OFFLINE);
  assert_demo_from_snapshot (result);

  /* Offline, a label nobody has a copy of cannot be verified, and is not
   * called a counterfeit either. */
  unknown = check (fixture, "CSA/300929/2001", MERKKI_CHECK_FLAGS_OFFLINE);
  merkki_test_assert_verdict (unknown, MERKKI_VERDICT_UNVERIFIED);
  g_assert_cmpint (merkki_test_get_answer (unknown, "sg-csa")->outcome, !=, MERKKI_OUTCOME_NOT_FOUND);

  take_request_counts (fixture, &csa_requests, &traficom_requests);
  g_assert_cmpuint (csa_requests + traficom_requests, ==, 0);
}

static void
test_checker_no_address (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(MerkkiRegistryData) demo = merkki_registry_data_get_demo ("sg-csa");
  g_autoptr(MerkkiCheckResult) result = NULL;
  guint csa_requests, traficom_requests;

  /* A registry with no address is answered from the snapshot. */
  set_url (fixture, "sg-csa", "");
  set_url (fixture, "fi-traficom", "");
  result = check (fixture, ((MerkkiRecord *) g_ptr_array_index (demo->records, 0))->id,
                  MERKKI_CHECK_FLAGS_NONE);
  assert_demo_from_snapshot (result);
  take_request_counts (fixture, &csa_requests, &traficom_requests);
  g_assert_cmpuint (csa_requests + traficom_requests, ==, 0);
}

/* A URL on 127.0.0.1 where nothing listens. */
static char *
refused_url (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);
  return g_strdup_printf ("http://127.0.0.1:%u", port);
}

static void
test_checker_fallback_to_cache (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(MerkkiCheckResult) first = check (fixture, "CSA/300929/2001", MERKKI_CHECK_FLAGS_NONE);
  g_autoptr(MerkkiCheckResult) result = NULL;
  g_autoptr(MerkkiCheckResult) uncached = NULL;
  g_autofree char *refused = refused_url ();
  const MerkkiRegistryAnswer *csa;
  json_t *json;
  json_t *entry;

  set_url (fixture, "sg-csa", refused);
  result = check (fixture, "CSA/300929/2001", MERKKI_CHECK_FLAGS_NO_CACHE);
  csa = merkki_test_get_answer (result, "sg-csa");

  /* The cached record answers, with its original time, and the failure
   * is shown too. */
  merkki_test_assert_verdict (result, MERKKI_VERDICT_VALID);
  g_assert_cmpint (csa->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpint (csa->source, ==, MERKKI_SOURCE_CACHE);
  g_assert_nonnull (csa->error);
  g_assert_cmpint (g_date_time_to_unix (csa->fetched_at), ==,
                   g_date_time_to_unix (merkki_test_get_answer (first, "sg-csa")->fetched_at));
  json = merkki_check_result_to_json (result);
  entry = json_array_get (json_object_get (json, "registries"), 0);
  g_assert_cmpstr (json_string_value (json_object_get (entry, "source")), ==, "cache");
  g_assert_true (json_is_string (json_object_get (entry, "error")));
  json_decref (json);

  /* Nothing cached and nothing in the snapshot: unverified, never valid. */
  uncached = check (fixture, "CSA/310729/2003", MERKKI_CHECK_FLAGS_NONE);
  merkki_test_assert_verdict (uncached, MERKKI_VERDICT_UNVERIFIED);
  g_assert_cmpint (merkki_test_get_answer (uncached, "sg-csa")->outcome, ==, MERKKI_OUTCOME_ERROR);
  g_assert_nonnull (merkki_test_get_answer (uncached, "sg-csa")->error);
}

static void
test_checker_fallback_to_snapshot (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(MerkkiRegistryData) demo = merkki_registry_data_get_demo ("sg-csa");
  g_autofree char *refused = refused_url ();
  g_autoptr(MerkkiCheckResult) result = NULL;
  const MerkkiRegistryAnswer *csa;

  set_url (fixture, "sg-csa", refused);
  result = check (fixture, ((MerkkiRecord *) g_ptr_array_index (demo->records, 0))->id,
                  MERKKI_CHECK_FLAGS_NONE);
  assert_demo_from_snapshot (result);
  csa = merkki_test_get_answer (result, "sg-csa");
  g_assert_nonnull (csa->error);
}

/* The registry withdraws a label that was cached: once it has said "no
 * such label", the old answer is not used offline either. */
static void
test_checker_withdrawn_label (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(MerkkiHostileServer) registry = merkki_hostile_server_new ();
  g_autoptr(MerkkiCheckResult) before = NULL;
  g_autoptr(MerkkiCheckResult) withdrawn = NULL;
  g_autoptr(MerkkiCheckResult) offline = NULL;

  set_url (fixture, "sg-csa", merkki_hostile_server_get_url (registry));
  before = check (fixture, "CSA/300929/2001", MERKKI_CHECK_FLAGS_NONE);
  merkki_test_assert_verdict (before, MERKKI_VERDICT_VALID);
  g_assert_cmpint (merkki_test_get_answer (before, "sg-csa")->source, ==, MERKKI_SOURCE_ONLINE);

  merkki_hostile_server_set_path_mode (registry, "/v1/labels/sg-cls/CSA/300929/2001",
                                       MERKKI_HOSTILE_NOT_FOUND_JSON);
  withdrawn = check (fixture, "CSA/300929/2001", MERKKI_CHECK_FLAGS_NO_CACHE);
  merkki_test_assert_verdict (withdrawn, MERKKI_VERDICT_NOT_FOUND);

  offline = check (fixture, "CSA/300929/2001", MERKKI_CHECK_FLAGS_OFFLINE);
  merkki_test_assert_verdict (offline, MERKKI_VERDICT_UNVERIFIED);
}

/* A registry that accepts the connection and never answers: the check
 * still ends, with that registry as an error, within the client's total
 * limit (8 s) and not much more. */
static void
test_checker_never_answers (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(MerkkiHostileServer) hostile = merkki_hostile_server_new ();
  g_autoptr(MerkkiCheckResult) result = NULL;
  gint64 start;
  double seconds;

  merkki_hostile_server_set_mode (hostile, MERKKI_HOSTILE_NEVER_ANSWER);
  set_url (fixture, "sg-csa", merkki_hostile_server_get_url (hostile));

  start = g_get_monotonic_time ();
  result = check (fixture, "CSA/300929/2001", MERKKI_CHECK_FLAGS_NONE);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  g_test_message ("returned after %.1f s", seconds);
  g_assert_cmpfloat (seconds, <, 9.0);
  merkki_test_assert_verdict (result, MERKKI_VERDICT_UNVERIFIED);
  g_assert_cmpint (merkki_test_get_answer (result, "sg-csa")->outcome, ==, MERKKI_OUTCOME_ERROR);
  g_assert_nonnull (merkki_test_get_answer (result, "sg-csa")->error);
}

static void
test_checker_sync (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GString) report = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiCheckResult) result = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *refused = refused_url ();
  gboolean demo = TRUE;
  guint n_records = 0;

  g_assert_true (merkki_checker_sync (fixture->checker, report, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("%s", report->str);
  g_assert_nonnull (strstr (report->str, "CSA registry: updated, 9 records"));
  g_assert_nonnull (strstr (report->str, "Traficom registry: updated, 7 records"));
  g_assert_true (merkki_store_get_snapshot_info (fixture->store, "sg-csa", NULL, &etag, NULL,
                                                 &n_records, &demo));
  g_assert_false (demo);
  g_assert_cmpuint (n_records, ==, 9);
  g_assert_nonnull (etag);

  /* Offline, the synced copy answers: not demo. */
  result = check (fixture, "CSA/310729/2003", MERKKI_CHECK_FLAGS_OFFLINE);
  merkki_test_assert_verdict (result, MERKKI_VERDICT_VALID);
  g_assert_cmpint (merkki_test_get_answer (result, "sg-csa")->source, ==, MERKKI_SOURCE_SNAPSHOT);
  g_assert_false (merkki_check_result_is_demo (result));

  /* Again: the stored ETag says nothing changed. */
  g_string_truncate (report, 0);
  g_assert_true (merkki_checker_sync (fixture->checker, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (report->str, "CSA registry: not modified (9 records)"));

  /* One registry failing fails the sync but keeps its copy; one with no
   * address is skipped. */
  set_url (fixture, "sg-csa", refused);
  set_url (fixture, "fi-traficom", "");
  g_string_truncate (report, 0);
  g_assert_false (merkki_checker_sync (fixture->checker, report, NULL, &error));
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_NETWORK);
  g_assert_nonnull (strstr (report->str, "CSA registry: failed: "));
  g_assert_nonnull (strstr (report->str, "Traficom registry: skipped"));
  g_assert_true (merkki_store_get_snapshot_info (fixture->store, "sg-csa", NULL, NULL, NULL,
                                                 &n_records, &demo));
  g_assert_cmpuint (n_records, ==, 9);
}

typedef struct {
  guint pending;
  guint n_results;
} AsyncState;

static void
on_check_done_cb (GObject      *source,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  AsyncState *state = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiCheckResult) result = merkki_checker_check_finish (MERKKI_CHECKER (source), res, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  state->n_results++;
  state->pending--;
}

/* The worker threads drop their task (and its checker) just after the
 * callbacks have been queued; let them, before the fixture checks for leaks. */
static void
wait_for_workers (Fixture *fixture)
{
  for (guint i = 0; i < 5000 && g_atomic_int_get (&G_OBJECT (fixture->checker)->ref_count) > 1; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Many checks at once, from worker threads: every one lands in the
 * history, in its session. */
static void
test_checker_history_loses_nothing (Fixture       *fixture,
                                    gconstpointer  data)
{
  static const char * const payloads[] = {
    "CSA/300929/2001", "CSA/310729/2003", "CSA/311229/9999", "CSA/150325/2004",
    "not a label", "CSA/300929/2007",
  };
  const guint n_checks = 24;
  AsyncState state = { 0, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiCheckResult) unrecorded = NULL;
  json_t *history;

  merkki_checker_set_session (fixture->checker, "inspection-7");
  for (guint i = 0; i < n_checks; i++)
    {
      const char *payload = payloads[i % G_N_ELEMENTS (payloads)];
      g_autoptr(GBytes) bytes = g_bytes_new (payload, strlen (payload));

      state.pending++;
      merkki_checker_check_async (fixture->checker, bytes, MERKKI_CHECK_FLAGS_NONE, NULL,
                                  on_check_done_cb, &state);
    }
  while (state.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (state.n_results, ==, n_checks);
  wait_for_workers (fixture);

  history = merkki_store_list_history (fixture->store, "inspection-7", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_size (history), ==, n_checks);
  json_decref (history);

  /* NO_HISTORY checks are not recorded. */
  unrecorded = check (fixture, "CSA/300929/2001", MERKKI_CHECK_FLAGS_NO_HISTORY);
  merkki_test_assert_verdict (unrecorded, MERKKI_VERDICT_VALID);
  history = merkki_store_list_history (fixture->store, NULL, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_size (history), ==, n_checks);
  json_decref (history);
}

static void
test_checker_cancelled (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static ("CSA/300929/2001", 15);
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiCheckResult) result = NULL;

  g_cancellable_cancel (cancellable);
  result = merkki_checker_check (fixture->checker, bytes, MERKKI_CHECK_FLAGS_NONE, cancellable, &error);
  g_assert_null (result);
  g_assert_nonnull (error);
}

static void
on_check_result_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  MerkkiCheckResult **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = merkki_checker_check_finish (MERKKI_CHECKER (source), result, &error);
  g_assert_no_error (error);
}

/* The preferences change a registry's address in the main thread while a
 * check runs in a worker: the check keeps to the addresses it started
 * with (it neither reads a freed string nor mixes old and new), and the
 * next check uses the new ones. */
static void
test_checker_address_changed_during_check (Fixture       *fixture,
                                           gconstpointer  data)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("CSA/300929/2001", 15);
  g_autoptr(MerkkiCheckResult) result = NULL;
  g_autoptr(MerkkiCheckResult) after = NULL;
  g_autoptr(GError) error = NULL;
  guint before = merkki_registry_server_get_n_requests (csa_server);

  /* The issuer's answer is held back, so that the partner (asked by brand
   * and model once the issuer has named the product) is planned after the
   * addresses have changed. */
  merkki_registry_server_set_delay (csa_server, 500);
  merkki_checker_check_async (fixture->checker, bytes, MERKKI_CHECK_FLAGS_NONE, NULL,
                              on_check_result_cb, &result);
  while (merkki_registry_server_get_n_requests (csa_server) == before)
    g_usleep (1000);
  for (guint i = 0; i < 100; i++)
    {
      merkki_registry_config_set_url (fixture->config, "fi-traficom", i % 2 ? "http://127.0.0.1:1" : "", &error);
      g_assert_no_error (error);
    }
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  merkki_registry_server_set_delay (csa_server, 0);
  wait_for_workers (fixture);

  g_assert_cmpint (merkki_check_result_get_verdict (result), ==, MERKKI_VERDICT_VALID);
  g_assert_cmpint (merkki_test_get_answer (result, "fi-traficom")->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpint (merkki_test_get_answer (result, "fi-traficom")->source, ==, MERKKI_SOURCE_ONLINE);

  /* The new address (none) holds for the next check: Traficom's answer
   * now comes from the cache, not from asking. */
  after = merkki_checker_check (fixture->checker, bytes, MERKKI_CHECK_FLAGS_NO_CACHE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (merkki_test_get_answer (after, "fi-traficom")->source, !=, MERKKI_SOURCE_ONLINE);
}

int
main (int    argc,
      char **argv)
{
  merkki_test_init (&argc, &argv);

#define ADD(name, func) \
  g_test_add ("/checker/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("found-in-both", test_checker_found_in_both);
  ADD ("partner-ignores-case", test_checker_partner_ignores_case);
  ADD ("found-in-one", test_checker_found_in_one);
  ADD ("finnish-label", test_checker_finnish_label);
  ADD ("not-found", test_checker_not_found);
  ADD ("negative-verdicts", test_checker_negative_verdicts);
  ADD ("not-a-label", test_checker_not_a_label);
  ADD ("offline-demo", test_checker_offline_demo);
  ADD ("no-address", test_checker_no_address);
  ADD ("fallback-to-cache", test_checker_fallback_to_cache);
  ADD ("fallback-to-snapshot", test_checker_fallback_to_snapshot);
  ADD ("withdrawn-label", test_checker_withdrawn_label);
  ADD ("never-answers", test_checker_never_answers);
  ADD ("sync", test_checker_sync);
  ADD ("history-loses-nothing", test_checker_history_loses_nothing);
  ADD ("cancelled", test_checker_cancelled);
  ADD ("address-changed-during-check", test_checker_address_changed_during_check);
#undef ADD

  return merkki_test_run_with_registries (&csa_server, &traficom_server);
}
