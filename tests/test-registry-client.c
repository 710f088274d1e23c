/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "merkki-core.h"
#include "merkki-hostile-server.h"
#include "merkki-registry-server.h"
#include "merkki-test-utils.h"

/* Limits for the tests. Only the tests of timeouts wait for them: those
 * lower them further to stay fast, and one runs with the defaults. They
 * are generous for the rest, so that a loaded machine (or valgrind) does
 * not turn a slow answer into a failure. */
#define TEST_CONNECT_MS 3000
#define TEST_TOTAL_MS   6000

#define CLS_ID "CSA/311227/1234"

typedef struct {
  MerkkiRegistryClient *client;
  MerkkiHostileServer  *server;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->client = merkki_registry_client_new ();
  merkki_registry_client_set_timeouts (fixture->client, TEST_CONNECT_MS, TEST_TOTAL_MS);
  fixture->server = merkki_hostile_server_new ();
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->server, merkki_hostile_server_free);
  g_assert_finalize_object (fixture->client);
}

static void
run_one (MerkkiRegistryClient  *client,
         MerkkiRegistryRequest *request)
{
  g_autoptr(GPtrArray) requests = g_ptr_array_new ();

  g_ptr_array_add (requests, request);
  merkki_registry_client_run (client, requests, NULL);

  /* Whatever happened, the answer says when and how long. */
  g_assert_nonnull (request->fetched_at);
  g_assert_cmpfloat (request->seconds, >=, 0);
  if (request->error != NULL)
    g_test_message ("%s", request->error->message);
}

static MerkkiRegistryRequest *
label_request (Fixture *fixture)
{
  return merkki_registry_request_new_label ("sg-csa", merkki_hostile_server_get_url (fixture->server),
                                            "sg-cls", CLS_ID);
}

static MerkkiRegistryRequest *
search_request (Fixture *fixture)
{
  return merkki_registry_request_new_search ("sg-csa", merkki_hostile_server_get_url (fixture->server),
                                             "sg-cls", "Acme", "Cam 2000");
}

static MerkkiRegistryRequest *
snapshot_request (Fixture    *fixture,
                  const char *etag)
{
  return merkki_registry_request_new_snapshot ("sg-csa", merkki_hostile_server_get_url (fixture->server),
                                               etag);
}

/* An ERROR with @code, nothing that could pass for an answer, and a
 * message that names the registry the user asked. */
static void
assert_error (MerkkiRegistryRequest *request,
              MerkkiError            code)
{
  g_assert_cmpint (request->outcome, ==, MERKKI_OUTCOME_ERROR);
  g_assert_error (request->error, MERKKI_ERROR, (int) code);
  g_assert_null (request->record);
  g_assert_null (request->records);
  g_assert_true (g_utf8_validate (request->error->message, -1, NULL));
  if (code != MERKKI_ERROR_CANCELLED && code != MERKKI_ERROR_CONFIG)
    g_assert_nonnull (strstr (request->error->message, "CSA registry"));
}

/* Runs a label, a search and a snapshot request against the server in
 * @mode; each must end in an ERROR with @code. */
static void
assert_all_kinds_fail (Fixture           *fixture,
                       MerkkiHostileMode  mode,
                       MerkkiError        code)
{
  g_autoptr(MerkkiRegistryRequest) label = label_request (fixture);
  g_autoptr(MerkkiRegistryRequest) search = search_request (fixture);
  g_autoptr(MerkkiRegistryRequest) snapshot = snapshot_request (fixture, NULL);

  merkki_hostile_server_set_mode (fixture->server, mode);

  run_one (fixture->client, label);
  assert_error (label, code);
  run_one (fixture->client, search);
  assert_error (search, code);
  run_one (fixture->client, snapshot);
  assert_error (snapshot, code);
}

/* ---- Valid answers ----------------------------------------------------- */

static void
test_label_found (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(MerkkiRegistryRequest) request = label_request (fixture);
  g_autoptr(GDateTime) before = g_date_time_new_now_utc ();
  g_autofree char *sent = NULL;

  run_one (fixture->client, request);
  sent = merkki_hostile_server_dup_last_request (fixture->server);
  g_test_message ("sent: %s", sent);

  g_assert_cmpint (request->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_no_error (request->error);
  g_assert_nonnull (request->record);
  g_assert_cmpstr (request->record->scheme, ==, "sg-cls");
  g_assert_cmpstr (request->record->id, ==, CLS_ID);
  g_assert_cmpint (request->record->level, ==, 3);
  g_assert_cmpint (g_date_time_compare (request->fetched_at, before), >=, 0);

  /* libsoup shows the path decoded, so the encoding of the ID's slashes
   * is not visible here. */
  g_assert_true (g_str_has_prefix (sent, "GET /v1/labels/sg-cls/CSA/311227/1234\n"));
}

static void
test_request_privacy (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(MerkkiRegistryRequest) request = search_request (fixture);
  g_autofree char *sent = NULL;
  g_auto(GStrv) lines = NULL;

  run_one (fixture->client, request);
  g_assert_cmpint (request->outcome, ==, MERKKI_OUTCOME_FOUND);

  sent = merkki_hostile_server_dup_last_request (fixture->server);
  g_test_message ("request:\n%s", sent);
  lines = g_strsplit (sent, "\n", -1);

  /* The question and nothing else: brand and model, a User-Agent that
   * names the program only, no compression, no cookies, no referrer. */
  g_assert_cmpstr (lines[0], ==, "GET /v1/labels/sg-cls?brand=Acme&model=Cam%202000");
  for (guint i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autofree char *name = g_strndup (lines[i], strcspn (lines[i], ":"));
      static const char * const allowed[] = { "Host", "User-Agent", "Accept", NULL };

      g_assert_true (g_strv_contains (allowed, name));
      if (g_str_equal (name, "User-Agent"))
        g_assert_cmpstr (lines[i], ==, "User-Agent: Merkki/" PACKAGE_VERSION);
    }
}

static void
test_label_localhost (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("http://localhost:%u/",
                                          merkki_hostile_server_get_port (fixture->server));
  g_autoptr(MerkkiRegistryRequest) request =
    merkki_registry_request_new_label ("sg-csa", url, "sg-cls", CLS_ID);

  /* Plain http to "localhost" is loopback too. */
  run_one (fixture->client, request);
  g_assert_cmpint (request->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpstr (request->record->id, ==, CLS_ID);
}

static void
test_search_found (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(MerkkiRegistryRequest) request = search_request (fixture);

  run_one (fixture->client, request);

  g_assert_cmpint (request->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_nonnull (request->records);
  g_assert_cmpuint (request->records->len, ==, 2);
  for (guint i = 0; i < request->records->len; i++)
    {
      MerkkiRecord *record = g_ptr_array_index (request->records, i);

      g_assert_cmpstr (record->scheme, ==, "sg-cls");
      g_assert_cmpstr (record->brand, ==, "Acme");
      g_assert_cmpstr (record->model, ==, "Cam 2000");
    }
}

static void
test_search_empty (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(MerkkiRegistryRequest) request =
    merkki_registry_request_new_search ("sg-csa", merkki_hostile_server_get_url (fixture->server),
                                        "sg-cls", "Acme", "unknown");

  run_one (fixture->client, request);
  g_assert_cmpint (request->outcome, ==, MERKKI_OUTCOME_NOT_FOUND);
  g_assert_no_error (request->error);
  g_assert_null (request->records);
}

static void
test_snapshot (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(MerkkiRegistryRequest) first = snapshot_request (fixture, NULL);
  g_autoptr(MerkkiRegistryRequest) again = NULL;

  run_one (fixture->client, first);
  g_assert_cmpint (first->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_false (first->not_modified);
  g_assert_nonnull (first->records);
  g_assert_cmpuint (first->records->len, ==, 2);
  g_assert_cmpstr (first->snapshot_generated, ==, "2026-11-01T00:00:00Z");
  g_assert_cmpstr (first->new_etag, ==, "\"hostile-1\"");

  /* With the ETag we have, the registry says nothing changed. */
  again = snapshot_request (fixture, first->new_etag);
  run_one (fixture->client, again);
  g_assert_cmpint (again->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_true (again->not_modified);
  g_assert_null (again->records);
  g_assert_cmpstr (again->new_etag, ==, "\"hostile-1\"");
}

static void
test_snapshot_unrequested_304 (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(MerkkiRegistryRequest) request = snapshot_request (fixture, "\"hostile-1\"");

  /* A request's ETag with a newline would be a header injection: it is
   * not sent, so a 304 cannot come back. */
  g_free (request->etag);
  request->etag = g_strdup ("\"x\"\r\nX-Evil: 1");
  run_one (fixture->client, request);
  g_assert_cmpint (request->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_false (request->not_modified);
  g_assert_nonnull (request->records);
}

/* ---- Not found --------------------------------------------------------- */

static void
test_not_found_json (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(MerkkiRegistryRequest) label = label_request (fixture);
  g_autoptr(MerkkiRegistryRequest) search = search_request (fixture);
  g_autoptr(MerkkiRegistryRequest) unknown =
    merkki_registry_request_new_label ("sg-csa", merkki_hostile_server_get_url (fixture->server),
                                       "sg-cls", "unknown");

  run_one (fixture->client, unknown);
  g_assert_cmpint (unknown->outcome, ==, MERKKI_OUTCOME_NOT_FOUND);
  g_assert_no_error (unknown->error);
  g_assert_null (unknown->record);

  merkki_hostile_server_set_mode (fixture->server, MERKKI_HOSTILE_NOT_FOUND_JSON);
  run_one (fixture->client, label);
  g_assert_cmpint (label->outcome, ==, MERKKI_OUTCOME_NOT_FOUND);
  g_assert_null (label->record);
  run_one (fixture->client, search);
  g_assert_cmpint (search->outcome, ==, MERKKI_OUTCOME_NOT_FOUND);
  g_assert_null (search->records);
}

/* ---- Broken and hostile answers ---------------------------------------- */

/* Answers that every kind of request (label, search, snapshot) must take
 * for an error of @code, whose message says @said (if not NULL). */
typedef struct {
  const char        *name;
  MerkkiHostileMode  mode;
  MerkkiError        code;
  const char        *said;
} Failing;

static const Failing failing[] = {
  /* A web server's 404 page is not the registry saying "no such label":
   * it usually means a wrong address, and must not read as a counterfeit. */
  { "not-found-plain", MERKKI_HOSTILE_NOT_FOUND_PLAIN, MERKKI_ERROR_HTTP, "404" },
  { "server-error", MERKKI_HOSTILE_SERVER_ERROR, MERKKI_ERROR_HTTP, "500" },
  { "truncated-json", MERKKI_HOSTILE_TRUNCATED_JSON, MERKKI_ERROR_INVALID_DATA },
  { "malformed-json", MERKKI_HOSTILE_MALFORMED_JSON, MERKKI_ERROR_INVALID_DATA },
  { "wrong-types", MERKKI_HOSTILE_WRONG_TYPES, MERKKI_ERROR_INVALID_DATA },
  { "duplicate-keys", MERKKI_HOSTILE_DUPLICATE_KEYS, MERKKI_ERROR_INVALID_DATA },
  { "duplicate-status", MERKKI_HOSTILE_DUPLICATE_STATUS, MERKKI_ERROR_INVALID_DATA },
  { "duplicate-status-revoked-first", MERKKI_HOSTILE_DUPLICATE_STATUS_REVOKED_FIRST, MERKKI_ERROR_INVALID_DATA },
  { "deep-nesting", MERKKI_HOSTILE_DEEP_NESTING, MERKKI_ERROR_INVALID_DATA },
  { "bad-utf8", MERKKI_HOSTILE_BAD_UTF8, MERKKI_ERROR_INVALID_DATA },
  { "huge-number", MERKKI_HOSTILE_HUGE_NUMBER, MERKKI_ERROR_INVALID_DATA },
  { "level-1e308", MERKKI_HOSTILE_LEVEL_FLOAT_MAX, MERKKI_ERROR_INVALID_DATA },
  { "level-2-pow-63", MERKKI_HOSTILE_LEVEL_2_POW_63, MERKKI_ERROR_INVALID_DATA },
  { "level-negative", MERKKI_HOSTILE_LEVEL_INT64_MIN, MERKKI_ERROR_INVALID_DATA },
  { "length-short", MERKKI_HOSTILE_LYING_LENGTH_SHORT, MERKKI_ERROR_INVALID_DATA },
  { "gzip", MERKKI_HOSTILE_GZIP, MERKKI_ERROR_INVALID_DATA },
  { "gzip-bomb", MERKKI_HOSTILE_GZIP_BOMB, MERKKI_ERROR_INVALID_DATA },
  { "not-http", MERKKI_HOSTILE_NOT_HTTP, MERKKI_ERROR_INVALID_DATA },
  { "bad-status-line", MERKKI_HOSTILE_BAD_STATUS_LINE, MERKKI_ERROR_INVALID_DATA },
  /* 5 GB announced: refused from the header, before the body. */
  { "length-huge", MERKKI_HOSTILE_LYING_LENGTH_HUGE, MERKKI_ERROR_TOO_LARGE },
  /* More announced than sent, then the connection ends. */
  { "length-long", MERKKI_HOSTILE_LYING_LENGTH_LONG, MERKKI_ERROR_NETWORK },
  { "reset-mid-body", MERKKI_HOSTILE_RESET_MID_BODY, MERKKI_ERROR_NETWORK },
};

static void
test_all_kinds_fail (Fixture       *fixture,
                     gconstpointer  data)
{
  const Failing *row = data;
  g_autoptr(MerkkiRegistryRequest) label = label_request (fixture);

  assert_all_kinds_fail (fixture, row->mode, row->code);
  if (row->said != NULL)
    {
      run_one (fixture->client, label);
      g_assert_nonnull (strstr (label->error->message, row->said));
    }
}

static void
test_connection_refused (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *url = merkki_hostile_closed_port_url ();
  g_autoptr(MerkkiRegistryRequest) request =
    merkki_registry_request_new_label ("sg-csa", url, "sg-cls", CLS_ID);

  run_one (fixture->client, request);
  assert_error (request, MERKKI_ERROR_NETWORK);
}

static void
test_malformed_message (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(MerkkiRegistryRequest) request = label_request (fixture);

  merkki_hostile_server_set_mode (fixture->server, MERKKI_HOSTILE_MALFORMED_JSON);
  run_one (fixture->client, request);
  assert_error (request, MERKKI_ERROR_INVALID_DATA);
  g_assert_true (g_str_has_prefix (request->error->message, "The CSA registry sent a malformed answer"));
}

static void
test_huge_body (Fixture       *fixture,
                gconstpointer  data)
{
  /* 50 MB with no Content-Length: the cap is enforced while reading. The
   * snapshot cap is lowered so the 50 MB also exceed it. */
  merkki_registry_client_set_body_caps (fixture->client, 1024 * 1024, 4 * 1024 * 1024);
  assert_all_kinds_fail (fixture, MERKKI_HOSTILE_HUGE_BODY, MERKKI_ERROR_TOO_LARGE);
}

static void
test_slow_drip (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(MerkkiRegistryRequest) request = label_request (fixture);

  /* A byte every 500 ms never completes within the total time limit,
   * though the connection is never idle for long. */
  merkki_registry_client_set_timeouts (fixture->client, 1000, 1500);
  merkki_hostile_server_set_mode (fixture->server, MERKKI_HOSTILE_SLOW_DRIP);
  run_one (fixture->client, request);
  assert_error (request, MERKKI_ERROR_TIMEOUT);
}

static void
test_never_answers (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(MerkkiRegistryClient) client = merkki_registry_client_new ();
  g_autoptr(MerkkiRegistryRequest) request = label_request (fixture);
  gint64 start;
  double seconds;

  /* The one test with the default limits (8 s in total): the issue asks
   * for an answer within 9 s whatever the registry does. */
  merkki_hostile_server_set_mode (fixture->server, MERKKI_HOSTILE_NEVER_ANSWER);
  start = g_get_monotonic_time ();
  run_one (client, request);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  g_test_message ("a registry that never answers: gave up after %.2f s (limit 8 s)", seconds);
  assert_error (request, MERKKI_ERROR_TIMEOUT);
  g_assert_cmpfloat (seconds, <, 9.0);
}

static void
test_redirect_other_host (Fixture       *fixture,
                          gconstpointer  data)
{
  static const MerkkiHostileMode modes[] = {
    MERKKI_HOSTILE_REDIRECT_OTHER_HOST,
    MERKKI_HOSTILE_REDIRECT_LOCALHOST,
    MERKKI_HOSTILE_REDIRECT_OTHER_PORT,
  };

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      guint before = merkki_hostile_server_get_n_requests (fixture->server);

      g_test_message ("mode %d", modes[i]);
      assert_all_kinds_fail (fixture, modes[i], MERKKI_ERROR_REFUSED);
      /* Refused, not tried: one request per kind reached the server. */
      g_assert_cmpuint (merkki_hostile_server_get_n_requests (fixture->server) - before, ==, 3);
    }
}

static void
test_redirect_same_host (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(MerkkiRegistryRequest) label = label_request (fixture);
  g_autoptr(MerkkiRegistryRequest) search = search_request (fixture);

  merkki_hostile_server_set_mode (fixture->server, MERKKI_HOSTILE_REDIRECT_SAME_HOST);

  run_one (fixture->client, label);
  g_assert_cmpint (label->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpstr (label->record->id, ==, CLS_ID);

  run_one (fixture->client, search);
  g_assert_cmpint (search->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpuint (search->records->len, ==, 2);

  g_assert_cmpuint (merkki_hostile_server_get_n_requests (fixture->server), ==, 4);
}

static void
test_redirect_loop (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(MerkkiRegistryRequest) request = label_request (fixture);

  merkki_hostile_server_set_mode (fixture->server, MERKKI_HOSTILE_REDIRECT_LOOP);
  run_one (fixture->client, request);
  assert_error (request, MERKKI_ERROR_HTTP);
  /* The first request and three redirects. */
  g_assert_cmpuint (merkki_hostile_server_get_n_requests (fixture->server), ==, 4);
}

static void
test_answer_about_another_label (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(MerkkiRegistryRequest) other_id = label_request (fixture);
  g_autoptr(MerkkiRegistryRequest) other_scheme = label_request (fixture);
  g_autoptr(MerkkiRegistryRequest) other_registry = snapshot_request (fixture, NULL);
  g_autoptr(MerkkiRegistryRequest) foreign_record = snapshot_request (fixture, NULL);

  merkki_hostile_server_set_mode (fixture->server, MERKKI_HOSTILE_OTHER_ID);
  run_one (fixture->client, other_id);
  assert_error (other_id, MERKKI_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (other_id->error->message, "another label"));

  merkki_hostile_server_set_mode (fixture->server, MERKKI_HOSTILE_OTHER_SCHEME);
  run_one (fixture->client, other_scheme);
  assert_error (other_scheme, MERKKI_ERROR_INVALID_DATA);

  run_one (fixture->client, other_registry);
  assert_error (other_registry, MERKKI_ERROR_INVALID_DATA);

  /* The CSA's copy of its data with a Finnish label in it. */
  merkki_hostile_server_set_mode (fixture->server, MERKKI_HOSTILE_OTHER_ID);
  run_one (fixture->client, foreign_record);
  assert_error (foreign_record, MERKKI_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (foreign_record->error->message, "fi-ttm"));
}

static void
test_search_another_product (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(MerkkiRegistryRequest) other_product = search_request (fixture);
  g_autoptr(MerkkiRegistryRequest) other_scheme = search_request (fixture);

  /* One of the two records is about another product: the whole answer is
   * refused, never passed on with a wrong product in it. */
  merkki_hostile_server_set_mode (fixture->server, MERKKI_HOSTILE_OTHER_PRODUCT);
  run_one (fixture->client, other_product);
  assert_error (other_product, MERKKI_ERROR_INVALID_DATA);

  merkki_hostile_server_set_mode (fixture->server, MERKKI_HOSTILE_OTHER_ID);
  run_one (fixture->client, other_scheme);
  assert_error (other_scheme, MERKKI_ERROR_INVALID_DATA);
}

static void
test_search_many_records (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(MerkkiRegistryRequest) request = search_request (fixture);

  /* The body cap is raised so the record count is what stops it, and the
   * time limit too: a sanitizer build takes seconds to write and read
   * 10 000 records. */
  merkki_registry_client_set_body_caps (fixture->client, 16 * 1024 * 1024, 16 * 1024 * 1024);
  merkki_registry_client_set_timeouts (fixture->client, TEST_CONNECT_MS, 60000);
  merkki_hostile_server_set_mode (fixture->server, MERKKI_HOSTILE_MANY_RECORDS);
  run_one (fixture->client, request);
  assert_error (request, MERKKI_ERROR_TOO_LARGE);
}

/* ---- Policy ------------------------------------------------------------ */

static void
test_plain_http_refused (Fixture       *fixture,
                         gconstpointer  data)
{
  static const char * const urls[] = {
    "http://192.0.2.1/",            /* TEST-NET-1: nothing may be sent there */
    "http://registry.example",
    "http://[2001:db8::1]:8080",
    "http://127.0.0.1.nip.io/",     /* a name that may resolve to loopback is still a name */
    "http://localhost.example/",
  };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(MerkkiRegistryRequest) request =
        merkki_registry_request_new_label ("sg-csa", urls[i], "sg-cls", CLS_ID);

      g_test_message ("URL: %s", urls[i]);
      run_one (fixture->client, request);
      assert_error (request, MERKKI_ERROR_REFUSED);
      /* Refused before connecting: no time spent waiting for a network. */
      g_assert_nonnull (strstr (request->error->message, "https://"));
    }
}

static void
test_bad_base_url (Fixture       *fixture,
                   gconstpointer  data)
{
  static const char * const urls[] = {
    "",
    "ftp://127.0.0.1/",
    "http://127.0.0.1:1/?q=1",
    "http://user:pw@127.0.0.1:1/",
    "file:///etc/passwd",
  };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(MerkkiRegistryRequest) request =
        merkki_registry_request_new_label ("sg-csa", urls[i], "sg-cls", CLS_ID);

      g_test_message ("URL: %s", urls[i]);
      run_one (fixture->client, request);
      assert_error (request, MERKKI_ERROR_CONFIG);
    }

  {
    g_autoptr(MerkkiRegistryRequest) request =
      merkki_registry_request_new_label ("sg-csa", NULL, "sg-cls", CLS_ID);

    run_one (fixture->client, request);
    assert_error (request, MERKKI_ERROR_CONFIG);
  }
}

/* ---- https ------------------------------------------------------------- */

static MerkkiHostileServer *
start_tls_server (void)
{
  g_autofree char *cert = merkki_test_data_path ("tls/test-server.pem");
  g_autofree char *key = merkki_test_data_path ("tls/test-server.key");

  return merkki_hostile_server_new_tls (cert, key);
}

static void
test_tls_untrusted (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(MerkkiHostileServer) server = start_tls_server ();
  g_autoptr(MerkkiRegistryRequest) request =
    merkki_registry_request_new_label ("sg-csa", merkki_hostile_server_get_url (server), "sg-cls", CLS_ID);

  /* Not a test of time limits: a sanitizer build takes seconds to load
   * the system's CAs and to shake hands. */
  merkki_registry_client_set_timeouts (fixture->client, 60000, 120000);
  /* The test CA is not trusted by default: no answer is read. */
  g_assert_true (g_str_has_prefix (merkki_hostile_server_get_url (server), "https://"));
  run_one (fixture->client, request);
  assert_error (request, MERKKI_ERROR_NETWORK);
  g_assert_nonnull (strstr (request->error->message, "secure connection"));
  g_assert_cmpuint (merkki_hostile_server_get_n_requests (server), ==, 0);
}

static void
test_tls_trusted (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(MerkkiHostileServer) server = start_tls_server ();
  g_autofree char *ca = merkki_test_data_path ("tls/test-ca.pem");
  g_autofree char *localhost = g_strdup_printf ("https://localhost:%u",
                                                merkki_hostile_server_get_port (server));
  g_autoptr(MerkkiRegistryRequest) by_address =
    merkki_registry_request_new_label ("sg-csa", merkki_hostile_server_get_url (server), "sg-cls", CLS_ID);
  g_autoptr(MerkkiRegistryRequest) by_name =
    merkki_registry_request_new_label ("sg-csa", localhost, "sg-cls", CLS_ID);
  g_autoptr(MerkkiRegistryRequest) broken =
    merkki_registry_request_new_label ("sg-csa", merkki_hostile_server_get_url (server), "sg-cls", CLS_ID);
  g_autoptr(MerkkiRegistryRequest) downgrade =
    merkki_registry_request_new_label ("sg-csa", merkki_hostile_server_get_url (server), "sg-cls", CLS_ID);

  /* Not a test of time limits: a sanitizer build takes seconds to load
   * the system's CAs and to shake hands. */
  merkki_registry_client_set_timeouts (fixture->client, 60000, 120000);
  merkki_registry_client_set_ca_file (fixture->client, ca);

  run_one (fixture->client, by_address);
  g_assert_cmpint (by_address->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpstr (by_address->record->id, ==, CLS_ID);

  run_one (fixture->client, by_name);
  g_assert_cmpint (by_name->outcome, ==, MERKKI_OUTCOME_FOUND);

  /* Hostile answers are as hostile inside TLS. */
  merkki_hostile_server_set_mode (server, MERKKI_HOSTILE_RESET_MID_BODY);
  run_one (fixture->client, broken);
  assert_error (broken, MERKKI_ERROR_NETWORK);

  /* https must not be redirected down to http, even on the same host and port. */
  merkki_hostile_server_set_mode (server, MERKKI_HOSTILE_REDIRECT_OTHER_SCHEME);
  run_one (fixture->client, downgrade);
  assert_error (downgrade, MERKKI_ERROR_REFUSED);
}

/* ---- Against the real registry server ---------------------------------- */

static MerkkiRegistryServer *
start_registry_server (const char *data_file)
{
  g_autoptr(MerkkiRegistryServer) server = merkki_registry_server_new ();
  g_autofree char *path = merkki_test_data_path (data_file);
  g_autoptr(GError) error = NULL;

  merkki_registry_server_load_file (server, path, &error);
  g_assert_no_error (error);
  merkki_registry_server_start_thread (server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&server);
}

static void
test_registry_server (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(MerkkiRegistryServer) csa_server = start_registry_server ("csa.json");
  g_autoptr(MerkkiRegistryServer) traficom_server = start_registry_server ("traficom.json");
  const char *csa = merkki_registry_server_get_url (csa_server);
  const char *traficom = merkki_registry_server_get_url (traficom_server);
  g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_registry_request_free);
  MerkkiRegistryRequest *label, *unknown, *partner, *non_ascii, *snapshot;

  label = merkki_registry_request_new_label ("sg-csa", csa, "sg-cls", "CSA/310829/2002");
  unknown = merkki_registry_request_new_label ("sg-csa", csa, "sg-cls", "CSA/311229/9999");
  /* Traficom spells this product "TEST REVONTULI" / "camera pro 4". */
  partner = merkki_registry_request_new_search ("fi-traficom", traficom, "fi-ttm",
                                                "Test Revontuli", "Camera Pro 4");
  non_ascii = merkki_registry_request_new_search ("sg-csa", csa, "sg-cls", "TEST ÄÄNI", "kaiutin ö1");
  snapshot = merkki_registry_request_new_snapshot ("sg-csa", csa, NULL);
  g_ptr_array_add (requests, label);
  g_ptr_array_add (requests, unknown);
  g_ptr_array_add (requests, partner);
  g_ptr_array_add (requests, non_ascii);
  g_ptr_array_add (requests, snapshot);

  merkki_registry_client_run (fixture->client, requests, NULL);

  g_assert_cmpint (label->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpstr (label->record->brand, ==, "Test Revontuli");
  g_assert_cmpint (label->record->level, ==, 4);

  g_assert_cmpint (unknown->outcome, ==, MERKKI_OUTCOME_NOT_FOUND);
  g_assert_no_error (unknown->error);

  g_assert_cmpint (partner->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpuint (partner->records->len, ==, 1);
  g_assert_cmpstr (((MerkkiRecord *) g_ptr_array_index (partner->records, 0))->id, ==,
                   "test-revontuli-camera-pro-4");

  g_assert_cmpint (non_ascii->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpstr (((MerkkiRecord *) g_ptr_array_index (non_ascii->records, 0))->id, ==,
                   "CSA/301129/2009");

  g_assert_cmpint (snapshot->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpuint (snapshot->records->len, ==, 9);
  g_assert_nonnull (snapshot->new_etag);

  /* Asked again with its ETag, the server says nothing changed. */
  {
    g_autoptr(MerkkiRegistryRequest) again =
      merkki_registry_request_new_snapshot ("sg-csa", csa, snapshot->new_etag);

    run_one (fixture->client, again);
    g_assert_cmpint (again->outcome, ==, MERKKI_OUTCOME_FOUND);
    g_assert_true (again->not_modified);
  }
}

/* ---- Concurrency and cancellation -------------------------------------- */

static void
test_concurrent (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(MerkkiHostileServer) second = merkki_hostile_server_new ();
  g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_registry_request_free);
  MerkkiRegistryRequest *csa, *traficom;
  gint64 start;

  merkki_hostile_server_set_delay (fixture->server, 300);
  merkki_hostile_server_set_delay (second, 300);

  csa = label_request (fixture);
  traficom = merkki_registry_request_new_search ("fi-traficom", merkki_hostile_server_get_url (second),
                                                 "fi-ttm", "Acme", "Cam 2000");
  g_ptr_array_add (requests, csa);
  g_ptr_array_add (requests, traficom);

  start = g_get_monotonic_time ();
  merkki_registry_client_run (fixture->client, requests, NULL);
  g_test_message ("two registries, each answering after 300 ms: both answered in %.0f ms "
                  "(one after the other would take 600 ms or more)",
                  (g_get_monotonic_time () - start) / 1000.0);

  g_assert_cmpint (csa->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpstr (csa->record->id, ==, CLS_ID);
  g_assert_cmpint (traficom->outcome, ==, MERKKI_OUTCOME_FOUND);
  g_assert_cmpuint (traficom->records->len, ==, 2);
  g_test_message ("each took %.0f ms and %.0f ms", csa->seconds * 1000, traficom->seconds * 1000);
}

static void
test_one_bad_registry_spoils_nothing (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(MerkkiHostileServer) bad = merkki_hostile_server_new ();
  g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_registry_request_free);
  MerkkiRegistryRequest *good_request, *bad_request;

  merkki_hostile_server_set_mode (bad, MERKKI_HOSTILE_RESET_MID_BODY);
  good_request = label_request (fixture);
  bad_request = merkki_registry_request_new_label ("sg-csa", merkki_hostile_server_get_url (bad),
                                                   "sg-cls", CLS_ID);
  g_ptr_array_add (requests, bad_request);
  g_ptr_array_add (requests, good_request);

  merkki_registry_client_run (fixture->client, requests, NULL);
  assert_error (bad_request, MERKKI_ERROR_NETWORK);
  g_assert_cmpint (good_request->outcome, ==, MERKKI_OUTCOME_FOUND);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (200 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_registry_request_free);
  GThread *thread;
  gint64 start;

  merkki_hostile_server_set_mode (fixture->server, MERKKI_HOSTILE_NEVER_ANSWER);
  g_ptr_array_add (requests, label_request (fixture));
  g_ptr_array_add (requests, search_request (fixture));

  start = g_get_monotonic_time ();
  thread = g_thread_new ("cancel", cancel_later, cancellable);
  merkki_registry_client_run (fixture->client, requests, cancellable);
  g_test_message ("cancelled after 200 ms; run() returned after %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_thread_join (thread);

  /* Cancelled, not timed out (the limit is 6 s). */
  for (guint i = 0; i < requests->len; i++)
    assert_error (g_ptr_array_index (requests, i), MERKKI_ERROR_CANCELLED);
}

static void
test_cancelled_before (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) requests = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_registry_request_free);

  g_ptr_array_add (requests, label_request (fixture));
  g_cancellable_cancel (cancellable);
  merkki_registry_client_run (fixture->client, requests, cancellable);
  assert_error (g_ptr_array_index (requests, 0), MERKKI_ERROR_CANCELLED);
}

typedef struct {
  MerkkiRegistryClient *client;
  const char           *url;
  guint                 n_found;
} ThreadData;

static gpointer
run_in_thread (gpointer user_data)
{
  ThreadData *data = user_data;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(MerkkiRegistryRequest) request =
        merkki_registry_request_new_label ("sg-csa", data->url, "sg-cls", CLS_ID);
      g_autoptr(GPtrArray) requests = g_ptr_array_new ();

      g_ptr_array_add (requests, request);
      merkki_registry_client_run (data->client, requests, NULL);
      if (request->outcome == MERKKI_OUTCOME_FOUND && g_str_equal (request->record->id, CLS_ID))
        data->n_found++;
    }

  return NULL;
}

static void
test_threads (Fixture       *fixture,
              gconstpointer  data)
{
  ThreadData thread_data[4];
  GThread *threads[4];

  /* One client, several threads at once: nothing is shared between runs. */
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      thread_data[i] = (ThreadData) { fixture->client, merkki_hostile_server_get_url (fixture->server), 0 };
      threads[i] = g_thread_new ("client", run_in_thread, &thread_data[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (thread_data[i].n_found, ==, 5);
    }
}

int
main (int   argc,
      char *argv[])
{
  merkki_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/registry-client/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("label-found", test_label_found);
  ADD ("privacy", test_request_privacy);
  ADD ("localhost", test_label_localhost);
  ADD ("search-found", test_search_found);
  ADD ("search-empty", test_search_empty);
  ADD ("snapshot", test_snapshot);
  ADD ("snapshot-etag-injection", test_snapshot_unrequested_304);
  ADD ("not-found-json", test_not_found_json);
  ADD ("connection-refused", test_connection_refused);
  ADD ("malformed-message", test_malformed_message);
  ADD ("huge-body", test_huge_body);
  ADD ("slow-drip", test_slow_drip);
  ADD ("never-answers", test_never_answers);
  ADD ("redirect-other-host", test_redirect_other_host);
  ADD ("redirect-same-host", test_redirect_same_host);
  ADD ("redirect-loop", test_redirect_loop);
  ADD ("another-label", test_answer_about_another_label);
  ADD ("search-another-product", test_search_another_product);
  ADD ("search-many-records", test_search_many_records);
  ADD ("plain-http-refused", test_plain_http_refused);
  ADD ("bad-base-url", test_bad_base_url);
  ADD ("tls-untrusted", test_tls_untrusted);
  ADD ("tls-trusted", test_tls_trusted);
  ADD ("registry-server", test_registry_server);
  ADD ("concurrent", test_concurrent);
  ADD ("one-bad-registry", test_one_bad_registry_spoils_nothing);
  ADD ("cancel", test_cancel);
  ADD ("cancelled-before", test_cancelled_before);
  ADD ("threads", test_threads);

#undef ADD

  for (guint i = 0; i < G_N_ELEMENTS (failing); i++)
    {
      g_autofree char *path = g_strdup_printf ("/registry-client/fails/%s", failing[i].name);

      g_test_add (path, Fixture, &failing[i], fixture_setup, test_all_kinds_fail, fixture_teardown);
    }

  return g_test_run ();
}
