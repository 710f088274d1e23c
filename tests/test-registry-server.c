/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <jansson.h>
#include <libsoup/soup.h>

#include "merkki-core.h"
#include "merkki-registry-server.h"
#include "merkki-test-utils.h"

/* The registry server runs in its own thread on 127.0.0.1 with a random
 * port; the tests talk to it with a real HTTP client (SoupSession), as
 * the app's registry client and other registries' users would. */

typedef struct {
  MerkkiRegistryServer *server;
  SoupSession          *session;
} Fixture;

typedef struct {
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
  json_t             *json;
} Answer;

static void
answer_free (Answer *answer)
{
  g_clear_pointer (&answer->headers, soup_message_headers_unref);
  g_clear_pointer (&answer->body, g_bytes_unref);
  g_clear_pointer (&answer->json, json_decref);
  g_free (answer);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Answer, answer_free)

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csa = merkki_test_data_path ("csa.json");
  g_autofree char *traficom = merkki_test_data_path ("traficom.json");

  fixture->server = merkki_registry_server_new ();
  merkki_registry_server_load_file (fixture->server, csa, &error);
  g_assert_no_error (error);
  merkki_registry_server_load_file (fixture->server, traficom, &error);
  g_assert_no_error (error);

  merkki_registry_server_start_thread (fixture->server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (merkki_registry_server_get_url (fixture->server),
                                   "http://127.0.0.1:"));

  fixture->session = soup_session_new_with_options ("max-conns-per-host", 8,
                                                    "timeout", 30,
                                                    NULL);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_clear_object (&fixture->session);
  g_assert_finalize_object (g_steal_pointer (&fixture->server));
}

static SoupMessage *
new_message (Fixture    *fixture,
             const char *method,
             const char *path)
{
  g_autofree char *url = g_strconcat (merkki_registry_server_get_url (fixture->server),
                                      path, NULL);
  SoupMessage *message = soup_message_new (method, url);

  g_assert_nonnull (message);
  return message;
}

static Answer *
send_message (Fixture     *fixture,
              SoupMessage *message)
{
  g_autoptr(GError) error = NULL;
  Answer *answer = g_new0 (Answer, 1);
  const char *content_type;

  answer->body = soup_session_send_and_read (fixture->session, message, NULL, &error);
  g_assert_no_error (error);
  answer->status = soup_message_get_status (message);
  answer->headers = soup_message_headers_ref (soup_message_get_response_headers (message));

  if (g_bytes_get_size (answer->body) > 0)
    {
      json_error_t json_error;
      gsize len;
      const char *text = g_bytes_get_data (answer->body, &len);

      content_type = soup_message_headers_get_one (answer->headers, "Content-Type");
      g_assert_cmpstr (content_type, ==, "application/json; charset=utf-8");

      answer->json = json_loadb (text, len, 0, &json_error);
      if (answer->json == NULL)
        g_error ("Not JSON (%s): %.*s", json_error.text, (int) len, text);
    }

  return answer;
}

static Answer *
get (Fixture    *fixture,
     const char *path)
{
  g_autoptr(SoupMessage) message = new_message (fixture, "GET", path);

  return send_message (fixture, message);
}

static const char *
json_get_string (json_t     *object,
                 const char *key)
{
  json_t *value = json_object_get (object, key);

  g_assert_true (json_is_string (value));
  return json_string_value (value);
}

static void
assert_error_answer (Answer     *answer,
                     guint       status,
                     const char *error)
{
  g_assert_cmpuint (answer->status, ==, status);
  g_assert_nonnull (answer->json);
  g_assert_cmpstr (json_get_string (answer->json, "error"), ==, error);
}

static void
assert_paths_error (Fixture           *fixture,
                    const char *const *paths,
                    gsize              n_paths,
                    guint              status,
                    const char        *error)
{
  for (gsize i = 0; i < n_paths; i++)
    {
      g_autoptr(Answer) answer = get (fixture, paths[i]);

      g_test_message ("%s", paths[i]);
      assert_error_answer (answer, status, error);
    }
}

static void
test_lookup_found (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(Answer) answer = get (fixture, "/v1/labels/sg-cls/CSA%2F300929%2F2001");
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRecord) record = NULL;

  g_assert_cmpuint (answer->status, ==, 200);
  record = merkki_record_from_json (answer->json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (record->scheme, ==, "sg-cls");
  g_assert_cmpstr (record->id, ==, "CSA/300929/2001");
  g_assert_cmpint (record->level, ==, 3);
  g_assert_cmpint (record->status, ==, MERKKI_RECORD_STATUS_ACTIVE);
  g_assert_cmpstr (record->brand, ==, "Test Pohjola");
  g_assert_cmpstr (record->model, ==, "Gateway X3");
  g_assert_cmpstr (record->url, ==, "https://example.com/pohjola/gateway-x3");
}

static void
test_lookup_other_file (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(Answer) answer = get (fixture, "/v1/labels/fi-ttm/test-loyly-sauna-sensor-s");

  /* Records of the second file are served too. */
  g_assert_cmpuint (answer->status, ==, 200);
  g_assert_cmpstr (json_get_string (answer->json, "id"), ==, "test-loyly-sauna-sensor-s");
  g_assert_cmpstr (json_get_string (json_object_get (answer->json, "product"), "brand"),
                   ==, "Test Löyly");
}

static void
test_lookup_id_encodings (Fixture       *fixture,
                          gconstpointer  user_data)
{
  const char *paths[] = {
    "/v1/labels/sg-cls/CSA%2F310829%2F2002",
    "/v1/labels/sg-cls/CSA%2f310829%2f2002",
    "/v1/labels/sg-cls/CSA/310829/2002",
    "/v1/labels/sg%2Dcls/%43SA%2F310829/2002",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(Answer) answer = get (fixture, paths[i]);

      g_test_message ("%s", paths[i]);
      g_assert_cmpuint (answer->status, ==, 200);
      g_assert_cmpstr (json_get_string (answer->json, "id"), ==, "CSA/310829/2002");
    }
}

static void
test_lookup_not_found (Fixture       *fixture,
                       gconstpointer  user_data)
{
  const char *paths[] = {
    "/v1/labels/sg-cls/CSA%2F311229%2F9999",
    "/v1/labels/sg-cls/CSA%2F311229%2F9999%2F",
    "/v1/labels/fi-ttm/test-ei-ole-olemassa",
    /* The right id under another scheme is not the same label. */
    "/v1/labels/fi-ttm/CSA%2F300929%2F2001",
    "/v1/labels/de-bsi/sik-00001",
    "/v1/labels/nonsense/CSA%2F300929%2F2001",
    /* Case matters in ids. */
    "/v1/labels/sg-cls/csa%2F300929%2F2001",
    "/v1/labels/sg-cls/%E2%80%AE",
  };

  assert_paths_error (fixture, paths, G_N_ELEMENTS (paths), 404, "not-found");
}

static void
test_lookup_bad_encoding (Fixture       *fixture,
                          gconstpointer  user_data)
{
  /* A NUL or invalid UTF-8 cannot be an id: the request is malformed. */
  const char *paths[] = {
    "/v1/labels/sg-cls/%FF%FE",
    "/v1/labels/sg%FF/x",
  };
  g_autoptr(Answer) nul = get (fixture, "/v1/labels/sg-cls/CSA%00");

  assert_paths_error (fixture, paths, G_N_ELEMENTS (paths), 400, "bad-request");

  /* libsoup refuses a %00 itself, before the registry sees it. */
  g_assert_cmpuint (nul->status, ==, 400);
}

/* Returns the ids of a search's answer, sorted and joined by spaces. */
static char *
search_ids (Fixture    *fixture,
            const char *path)
{
  g_autoptr(Answer) answer = get (fixture, path);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  json_t *records;
  json_t *record;
  size_t index;

  g_test_message ("%s", path);
  g_assert_cmpuint (answer->status, ==, 200);
  records = json_object_get (answer->json, "records");
  g_assert_true (json_is_array (records));

  json_array_foreach (records, index, record)
    g_ptr_array_add (ids, (gpointer) json_get_string (record, "id"));
  g_ptr_array_sort (ids, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (ids, NULL);

  return g_strjoinv (" ", (char **) ids->pdata);
}

static void
test_search (Fixture       *fixture,
             gconstpointer  user_data)
{
  struct {
    const char *path;
    const char *ids;
  } cases[] = {
    { "/v1/labels/sg-cls?brand=Test%20Pohjola&model=Gateway%20X3", "CSA/300929/2001" },
    /* Case-insensitive, + as a space, surrounding space ignored. */
    { "/v1/labels/sg-cls?brand=TEST+POHJOLA&model=gateway+x3", "CSA/300929/2001" },
    { "/v1/labels/sg-cls?model=%20gateway%20x3%20&brand=test%20pohjola", "CSA/300929/2001" },
    /* Runs of blanks (a no-break space too) count as one. */
    { "/v1/labels/sg-cls?brand=test%20%20%09pohjola&model=gateway%C2%A0x3", "CSA/300929/2001" },
    /* The partner registry spells it TEST REVONTULI / camera pro 4. */
    { "/v1/labels/fi-ttm?brand=Test%20Revontuli&model=Camera%20Pro%204", "test-revontuli-camera-pro-4" },
    /* Non-ASCII: upper case, and a decomposed Ä (A + U+0308). */
    { "/v1/labels/sg-cls?brand=TEST%20%C3%84%C3%84NI&model=KAIUTIN%20%C3%961", "CSA/301129/2009" },
    { "/v1/labels/sg-cls?brand=test%20a%CC%88a%CC%88ni&model=kaiutin%20o%CC%881", "CSA/301129/2009" },
    { "/v1/labels/fi-ttm?brand=TEST%20L%C3%96YLY&model=sauna%20sensor%20s", "test-loyly-sauna-sensor-s" },
    /* Brand alone finds every model of the brand. */
    { "/v1/labels/fi-ttm?brand=test%20kaksi", "test-kaksi-hub-h2" },
    /* Whole values only, and only in the scheme asked for. */
    { "/v1/labels/sg-cls?brand=Test&model=Gateway%20X3", "" },
    { "/v1/labels/sg-cls?brand=Test%20Pohjola&model=Gateway", "" },
    { "/v1/labels/sg-cls?brand=Test%20L%C3%B6yly&model=Sauna%20Sensor%20S", "" },
    { "/v1/labels/de-bsi?brand=Test%20Pohjola&model=Gateway%20X3", "" },
    { "/v1/labels/sg-cls/?brand=Test%20Kaksi&model=Hub%20H2", "CSA/311029/2008" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *ids = search_ids (fixture, cases[i].path);

      g_assert_cmpstr (ids, ==, cases[i].ids);
    }
}

static void
test_search_records_complete (Fixture       *fixture,
                              gconstpointer  user_data)
{
  g_autoptr(Answer) answer = get (fixture, "/v1/labels/fi-ttm?brand=test+tuuletus&model=fan+f1");
  g_autoptr(MerkkiRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  json_t *records = json_object_get (answer->json, "records");

  g_assert_cmpuint (answer->status, ==, 200);
  g_assert_cmpuint (json_array_size (records), ==, 1);
  record = merkki_record_from_json (json_array_get (records, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (record->id, ==, "test-tuuletus-fan");
  g_assert_null (record->expires);
  g_assert_nonnull (record->issued);
}

static void
test_search_without_query (Fixture       *fixture,
                           gconstpointer  user_data)
{
  const char *paths[] = {
    "/v1/labels/sg-cls",
    "/v1/labels/sg-cls?",
    "/v1/labels/sg-cls?make=Test",
    "/v1/labels/sg-cls?brand=%FF",
  };

  assert_paths_error (fixture, paths, G_N_ELEMENTS (paths), 400, "bad-request");
}

static void
test_snapshot (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autoptr(Answer) answer = get (fixture, "/v1/snapshot");
  g_autoptr(MerkkiRegistryData) data = NULL;
  g_autoptr(MerkkiRegistryData) csa = NULL;
  g_autoptr(MerkkiRegistryData) traficom = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *csa_path = merkki_test_data_path ("csa.json");
  g_autofree char *traficom_path = merkki_test_data_path ("traficom.json");
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  const char *etag;
  gsize len;
  const char *text;

  g_assert_cmpuint (answer->status, ==, 200);
  etag = soup_message_headers_get_one (answer->headers, "ETag");
  g_assert_nonnull (etag);
  /* A strong validator: quoted, not W/. */
  g_assert_true (etag[0] == '"' && g_str_has_suffix (etag, "\"") && strlen (etag) > 2);

  text = g_bytes_get_data (answer->body, &len);
  data = merkki_registry_data_parse (text, len, &error);
  g_assert_no_error (error);

  csa = merkki_registry_data_load (csa_path, &error);
  g_assert_no_error (error);
  traficom = merkki_registry_data_load (traficom_path, &error);
  g_assert_no_error (error);

  /* Merged: the registry of the first file, every record of both. */
  g_assert_cmpstr (data->registry, ==, "sg-csa");
  g_assert_cmpstr (data->generated, ==, csa->generated);
  g_assert_false (data->demo);
  g_assert_cmpuint (data->records->len, ==, csa->records->len + traficom->records->len);
  for (guint i = 0; i < data->records->len; i++)
    {
      MerkkiRecord *record = g_ptr_array_index (data->records, i);

      g_hash_table_add (ids, record->id);
    }
  g_assert_true (g_hash_table_contains (ids, "CSA/150325/2004"));
  g_assert_true (g_hash_table_contains (ids, "test-kielletty-cam"));
  g_assert_cmpuint (g_hash_table_size (ids), ==, data->records->len);
}

static Answer *
get_snapshot_if_none_match (Fixture    *fixture,
                            const char *if_none_match)
{
  g_autoptr(SoupMessage) message = new_message (fixture, "GET", "/v1/snapshot");

  soup_message_headers_replace (soup_message_get_request_headers (message),
                                "If-None-Match", if_none_match);
  return send_message (fixture, message);
}

static void
test_snapshot_etag (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(Answer) first = get (fixture, "/v1/snapshot");
  g_autoptr(Answer) again = get (fixture, "/v1/snapshot");
  g_autoptr(Answer) not_modified = NULL;
  g_autoptr(Answer) listed = NULL;
  g_autoptr(Answer) weak = NULL;
  g_autoptr(Answer) star = NULL;
  g_autoptr(Answer) other = NULL;
  g_autoptr(Answer) changed = NULL;
  g_autoptr(Answer) stale = NULL;
  g_autoptr(MerkkiRegistryData) demo = merkki_registry_data_get_demo ("sg-csa");
  g_autofree char *etag = g_strdup (soup_message_headers_get_one (first->headers, "ETag"));
  g_autofree char *list = g_strdup_printf ("\"0000\", %s", etag);
  g_autofree char *weak_etag = g_strdup_printf ("W/%s", etag);
  const char *new_etag;

  /* The same content has the same tag. */
  g_assert_cmpstr (soup_message_headers_get_one (again->headers, "ETag"), ==, etag);
  g_assert_true (g_bytes_equal (first->body, again->body));

  not_modified = get_snapshot_if_none_match (fixture, etag);
  g_assert_cmpuint (not_modified->status, ==, 304);
  g_assert_cmpuint (g_bytes_get_size (not_modified->body), ==, 0);
  g_assert_cmpstr (soup_message_headers_get_one (not_modified->headers, "ETag"), ==, etag);

  listed = get_snapshot_if_none_match (fixture, list);
  g_assert_cmpuint (listed->status, ==, 304);
  weak = get_snapshot_if_none_match (fixture, weak_etag);
  g_assert_cmpuint (weak->status, ==, 304);
  star = get_snapshot_if_none_match (fixture, "*");
  g_assert_cmpuint (star->status, ==, 304);

  other = get_snapshot_if_none_match (fixture, "\"0000\"");
  g_assert_cmpuint (other->status, ==, 200);
  g_assert_true (g_bytes_equal (first->body, other->body));

  /* New data: a new tag, and the old one no longer matches. */
  merkki_registry_server_add_data (fixture->server, demo);
  changed = get (fixture, "/v1/snapshot");
  new_etag = soup_message_headers_get_one (changed->headers, "ETag");
  g_assert_cmpuint (changed->status, ==, 200);
  g_assert_cmpstr (new_etag, !=, etag);
  g_assert_true (json_is_true (json_object_get (changed->json, "demo")));

  stale = get_snapshot_if_none_match (fixture, etag);
  g_assert_cmpuint (stale->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (stale->headers, "ETag"), ==, new_etag);
}

static void
test_replace (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(MerkkiRegistryData) update = g_new0 (MerkkiRegistryData, 1);
  g_autoptr(Answer) record = NULL;
  g_autoptr(Answer) snapshot = NULL;
  g_autofree char *old_brand = NULL;
  g_autofree char *new_brand = NULL;
  MerkkiRecord *revoked = merkki_record_new ();

  /* A later file with the same label replaces the record, everywhere. */
  update->registry = g_strdup ("sg-csa");
  update->generated = g_strdup ("2026-11-28T00:00:00Z");
  update->records = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_record_free);
  revoked->scheme = g_strdup ("sg-cls");
  revoked->id = g_strdup ("CSA/310729/2003");
  revoked->level = 1;
  revoked->status = MERKKI_RECORD_STATUS_REVOKED;
  revoked->brand = g_strdup ("Test Sininen Uusi");
  revoked->model = g_strdup ("Plug Mini");
  g_ptr_array_add (update->records, revoked);
  merkki_registry_server_add_data (fixture->server, update);

  record = get (fixture, "/v1/labels/sg-cls/CSA%2F310729%2F2003");
  g_assert_cmpstr (json_get_string (record->json, "status"), ==, "revoked");

  old_brand = search_ids (fixture, "/v1/labels/sg-cls?brand=Test+Sininen&model=Plug+Mini");
  g_assert_cmpstr (old_brand, ==, "");
  new_brand = search_ids (fixture, "/v1/labels/sg-cls?brand=test+sininen+uusi&model=plug+mini");
  g_assert_cmpstr (new_brand, ==, "CSA/310729/2003");

  snapshot = get (fixture, "/v1/snapshot");
  g_assert_cmpuint (json_array_size (json_object_get (snapshot->json, "records")), ==, 9 + 7);
}

static void
test_unknown_paths (Fixture       *fixture,
                    gconstpointer  user_data)
{
  const char *paths[] = {
    "/",
    "/v1",
    "/v1/",
    "/v1/labels",
    "/v1/labels/",
    "/v1/snapshot/extra",
    "/v2/labels/sg-cls/CSA%2F300929%2F2001",
    "/V1/SNAPSHOT",
    "/v1/labels//CSA%2F300929%2F2001",
  };

  assert_paths_error (fixture, paths, G_N_ELEMENTS (paths), 404, "not-found");
}

static void
test_methods (Fixture       *fixture,
              gconstpointer  user_data)
{
  const char *methods[] = { "POST", "PUT", "DELETE", "PATCH" };
  g_autoptr(SoupMessage) head = new_message (fixture, "HEAD", "/v1/snapshot");
  g_autoptr(Answer) head_answer = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autoptr(SoupMessage) message = new_message (fixture, methods[i],
                                                    "/v1/labels/sg-cls/CSA%2F300929%2F2001");
      g_autoptr(Answer) answer = send_message (fixture, message);

      g_test_message ("%s", methods[i]);
      assert_error_answer (answer, 405, "method-not-allowed");
      g_assert_cmpstr (soup_message_headers_get_one (answer->headers, "Allow"), ==, "GET, HEAD");
    }

  /* HEAD answers like GET, without the body. */
  head_answer = send_message (fixture, head);
  g_assert_cmpuint (head_answer->status, ==, 200);
  g_assert_nonnull (soup_message_headers_get_one (head_answer->headers, "ETag"));
  g_assert_cmpuint (g_bytes_get_size (head_answer->body), ==, 0);
}

static void
test_n_requests (Fixture       *fixture,
                 gconstpointer  user_data)
{
  guint before = merkki_registry_server_get_n_requests (fixture->server);
  g_autoptr(Answer) found = get (fixture, "/v1/labels/sg-cls/CSA%2F300929%2F2001");
  g_autoptr(Answer) missing = get (fixture, "/nowhere");

  g_assert_cmpuint (merkki_registry_server_get_n_requests (fixture->server), ==, before + 2);
}

typedef struct {
  guint       pending;
  guint       statuses[3];
  gint64      finished_at[3];
} Concurrent;

typedef struct {
  Concurrent *state;
  guint       index;
} ConcurrentRequest;

static void
concurrent_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ConcurrentRequest *request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  request->state->statuses[request->index] = soup_message_get_status (message);
  request->state->finished_at[request->index] = g_get_monotonic_time ();
  request->state->pending--;
  g_free (request);
}

static void
test_delay (Fixture       *fixture,
            gconstpointer  user_data)
{
  const guint delay_ms = 1500;
  Concurrent state = { 0, };
  guint before = merkki_registry_server_get_n_requests (fixture->server);
  gint64 started = g_get_monotonic_time ();
  const char *paths[] = {
    "/v1/labels/sg-cls/CSA%2F300929%2F2001",
    "/v1/labels/sg-cls/CSA%2F311229%2F9999",
    "/v1/snapshot",
  };

  merkki_registry_server_set_delay (fixture->server, delay_ms);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(SoupMessage) message = new_message (fixture, "GET", paths[i]);
      ConcurrentRequest *request = g_new0 (ConcurrentRequest, 1);

      request->state = &state;
      request->index = i;
      state.pending++;
      soup_session_send_and_read_async (fixture->session, message, G_PRIORITY_DEFAULT,
                                        NULL, concurrent_done_cb, request);
    }

  /* While the first answer is held back, the server still takes the
   * other requests: a delay must not block the server. */
  while (merkki_registry_server_get_n_requests (fixture->server) < before + 3)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (G_TIME_SPAN_MILLISECOND);
    }
  g_assert_cmpuint (state.pending, ==, 3);

  while (state.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (state.statuses[0], ==, 200);
  g_assert_cmpuint (state.statuses[1], ==, 404);
  g_assert_cmpuint (state.statuses[2], ==, 200);
  /* No answer comes before its delay (a lower bound only). */
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_assert_cmpint (state.finished_at[i] - started, >=, delay_ms * G_TIME_SPAN_MILLISECOND);
}

static void
test_delay_stopped (void)
{
  g_autoptr(MerkkiRegistryServer) server = merkki_registry_server_new ();
  g_autoptr(MerkkiRegistryData) demo = merkki_registry_data_get_demo ("sg-csa");
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *url = NULL;

  merkki_registry_server_add_data (server, demo);
  merkki_registry_server_set_delay (server, 60 * 1000);
  merkki_registry_server_start_thread (server, NULL, 0, &error);
  g_assert_no_error (error);

  url = g_strconcat (merkki_registry_server_get_url (server), "/v1/snapshot", NULL);
  message = soup_message_new ("GET", url);
  soup_session_send_async (session, message, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  while (merkki_registry_server_get_n_requests (server) == 0)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (G_TIME_SPAN_MILLISECOND);
    }

  /* Stopping a server with an answer held back neither hangs nor leaks. */
  g_assert_finalize_object (g_steal_pointer (&server));
}

static void
test_listen_errors (void)
{
  g_autoptr(MerkkiRegistryServer) first = merkki_registry_server_new ();
  g_autoptr(MerkkiRegistryServer) second = merkki_registry_server_new ();
  g_autoptr(MerkkiRegistryServer) bad = merkki_registry_server_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;

  g_assert_false (merkki_registry_server_start_thread (bad, "localhost.example", 0, &error));
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_false (merkki_registry_server_listen (bad, "127.0.0.1", 70000, &error));
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* The main-context variant, then a second server on its port. */
  g_assert_true (merkki_registry_server_listen (first, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  uri = g_uri_parse (merkki_registry_server_get_url (first), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_uri_get_port (uri), >, 0);

  g_assert_false (merkki_registry_server_start_thread (second, "127.0.0.1",
                                                       g_uri_get_port (uri), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);

  g_assert_finalize_object (g_steal_pointer (&second));
  g_assert_finalize_object (g_steal_pointer (&first));
}

static void
test_load_file_errors (void)
{
  g_autoptr(MerkkiRegistryServer) server = merkki_registry_server_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (merkki_test_get_tmpdir (), "missing.json", NULL);
  g_autofree char *broken = g_build_filename (merkki_test_get_tmpdir (), "broken.json", NULL);

  g_assert_false (merkki_registry_server_load_file (server, missing, &error));
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  g_file_set_contents (broken, "{\"registry\":\"sg-csa\",\"records\":[", -1, &error);
  g_assert_no_error (error);
  g_assert_false (merkki_registry_server_load_file (server, broken, &error));
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT);
}

int
main (int    argc,
      char **argv)
{
  /* The session must not look for the desktop's proxy settings (there are
   * no GSettings schemas in the hermetic environment), and loopback never
   * goes through a proxy anyway. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  merkki_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/registry-server/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("lookup/found", test_lookup_found);
  ADD ("lookup/other-file", test_lookup_other_file);
  ADD ("lookup/id-encodings", test_lookup_id_encodings);
  ADD ("lookup/not-found", test_lookup_not_found);
  ADD ("lookup/bad-encoding", test_lookup_bad_encoding);
  ADD ("search/match", test_search);
  ADD ("search/records-complete", test_search_records_complete);
  ADD ("search/without-query", test_search_without_query);
  ADD ("snapshot/content", test_snapshot);
  ADD ("snapshot/etag", test_snapshot_etag);
  ADD ("replace", test_replace);
  ADD ("unknown-paths", test_unknown_paths);
  ADD ("methods", test_methods);
  ADD ("n-requests", test_n_requests);
  ADD ("delay", test_delay);
#undef ADD

  g_test_add_func ("/registry-server/delay-stopped", test_delay_stopped);
  g_test_add_func ("/registry-server/listen-errors", test_listen_errors);
  g_test_add_func ("/registry-server/load-file-errors", test_load_file_errors);

  return g_test_run ();
}
