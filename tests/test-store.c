/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "merkki-core.h"
#include "merkki-test-utils.h"

typedef struct {
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  static int counter;

  fixture->path = g_strdup_printf ("%s/store-%d/merkki.db", merkki_test_get_tmpdir (), ++counter);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *dir = g_path_get_dirname (fixture->path);

  merkki_test_rm_rf (dir);
  g_free (fixture->path);
}

static MerkkiStore *
open_store (const char *path)
{
  g_autoptr(GError) error = NULL;
  MerkkiStore *store = merkki_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static MerkkiRecord *
make_record (const char *scheme,
             const char *id,
             const char *brand,
             const char *model)
{
  MerkkiRecord *record = merkki_record_new ();

  record->scheme = g_strdup (scheme);
  record->id = g_strdup (id);
  record->level = g_str_equal (scheme, "sg-cls") ? 2 : 0;
  record->status = MERKKI_RECORD_STATUS_ACTIVE;
  record->brand = g_strdup (brand);
  record->model = g_strdup (model);
  record->expires = merkki_date_parse_iso ("2029-01-31");
  return record;
}

static void
test_store_demo_installed (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = open_store (fixture->path);
  const char *registries[] = { "sg-csa", "fi-traficom" };

  g_assert_cmpstr (merkki_store_get_path (store), ==, fixture->path);

  for (guint i = 0; i < G_N_ELEMENTS (registries); i++)
    {
      g_autoptr(MerkkiRegistryData) demo = merkki_registry_data_get_demo (registries[i]);
      g_autoptr(MerkkiRecord) found = NULL;
      g_autoptr(GDateTime) fetched_at = NULL;
      g_autofree char *generated = NULL;
      g_autofree char *etag = NULL;
      const MerkkiRecord *first;
      MerkkiSource source = MERKKI_SOURCE_ONLINE;
      gboolean demo_flag = FALSE;
      guint n_records = 0;

      g_assert_nonnull (demo);
      g_assert_cmpuint (demo->records->len, >, 0);
      g_assert_true (merkki_store_get_snapshot_info (store, registries[i], &generated, &etag,
                                                     NULL, &n_records, &demo_flag));
      g_assert_true (demo_flag);
      g_assert_null (etag);
      g_assert_cmpstr (generated, ==, demo->generated);
      g_assert_cmpuint (n_records, ==, demo->records->len);

      first = g_ptr_array_index (demo->records, 0);
      found = merkki_store_find_record (store, first->scheme, first->id, -1,
                                        &source, &fetched_at, &demo_flag);
      g_assert_nonnull (found);
      g_assert_cmpstr (found->id, ==, first->id);
      g_assert_cmpstr (found->brand, ==, first->brand);
      g_assert_cmpint (source, ==, MERKKI_SOURCE_SNAPSHOT);
      g_assert_true (demo_flag);
      g_assert_nonnull (fetched_at);
    }

  g_assert_false (merkki_store_get_snapshot_info (store, "no-such-registry", NULL, NULL, NULL, NULL, NULL));
}

static void
test_store_records (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = open_store (fixture->path);
  g_autoptr(MerkkiRecord) fresh = make_record ("sg-cls", "CSA/310129/77", "Acme", "Hub One");
  g_autoptr(MerkkiRecord) old = make_record ("fi-ttm", "acme-hub-one", "ACME", "hub one");
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) long_ago = g_date_time_add_seconds (now, -1000);
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRecord) found = NULL;
  g_autoptr(GDateTime) fetched_at = NULL;
  g_autoptr(GPtrArray) by_product = NULL;
  MerkkiSource source = MERKKI_SOURCE_ONLINE;
  gboolean demo = TRUE;

  g_assert_true (merkki_store_put_record (store, "sg-csa", fresh, now, &error));
  g_assert_no_error (error);
  g_assert_true (merkki_store_put_record (store, "fi-traficom", old, long_ago, &error));
  g_assert_no_error (error);

  found = merkki_store_find_record (store, "sg-cls", "CSA/310129/77", 300, &source, &fetched_at, &demo);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->model, ==, "Hub One");
  g_assert_cmpint (source, ==, MERKKI_SOURCE_CACHE);
  g_assert_false (demo);
  g_assert_cmpint (g_date_time_to_unix (fetched_at), ==, g_date_time_to_unix (now));
  g_clear_pointer (&found, merkki_record_free);
  g_clear_pointer (&fetched_at, g_date_time_unref);

  /* Too old for a fresh answer, but still there as a fallback. */
  found = merkki_store_find_record (store, "fi-ttm", "acme-hub-one", 300, &source, &fetched_at, &demo);
  g_assert_null (found);
  found = merkki_store_find_record (store, "fi-ttm", "acme-hub-one", -1, &source, &fetched_at, &demo);
  g_assert_nonnull (found);
  g_assert_cmpint (source, ==, MERKKI_SOURCE_CACHE);
  g_assert_cmpint (g_date_time_to_unix (fetched_at), ==, g_date_time_to_unix (long_ago));
  g_clear_pointer (&found, merkki_record_free);
  g_clear_pointer (&fetched_at, g_date_time_unref);

  g_assert_null (merkki_store_find_record (store, "sg-cls", "CSA/010101/1", -1, NULL, NULL, NULL));

  /* Brand and model match whatever their case, within one registry. */
  by_product = merkki_store_find_by_product (store, "fi-traficom", "acme", "HUB ONE",
                                             &source, &fetched_at, &demo);
  g_assert_cmpuint (by_product->len, ==, 1);
  g_assert_cmpstr (((MerkkiRecord *) g_ptr_array_index (by_product, 0))->id, ==, "acme-hub-one");
  g_assert_cmpint (source, ==, MERKKI_SOURCE_CACHE);
  g_clear_pointer (&by_product, g_ptr_array_unref);
  g_clear_pointer (&fetched_at, g_date_time_unref);

  by_product = merkki_store_find_by_product (store, "sg-csa", "Acme", "Hub Two", NULL, NULL, NULL);
  g_assert_cmpuint (by_product->len, ==, 0);
  g_clear_pointer (&by_product, g_ptr_array_unref);

  /* The cache outlives the process. */
  g_clear_object (&store);
  store = open_store (fixture->path);
  found = merkki_store_find_record (store, "sg-cls", "CSA/310129/77", -1, &source, NULL, NULL);
  g_assert_nonnull (found);
  g_assert_cmpint (source, ==, MERKKI_SOURCE_CACHE);
}

static void
test_store_snapshot_by_product (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = open_store (fixture->path);
  g_autoptr(MerkkiRegistryData) demo = merkki_registry_data_get_demo ("sg-csa");
  const MerkkiRecord *first = g_ptr_array_index (demo->records, 0);
  g_autofree char *brand = g_utf8_strup (first->brand, -1);
  g_autofree char *model = g_utf8_strdown (first->model, -1);
  g_autoptr(GPtrArray) found = NULL;
  MerkkiSource source = MERKKI_SOURCE_ONLINE;
  gboolean is_demo = FALSE;

  found = merkki_store_find_by_product (store, "sg-csa", brand, model, &source, NULL, &is_demo);
  g_assert_cmpuint (found->len, >=, 1);
  g_assert_cmpstr (((MerkkiRecord *) g_ptr_array_index (found, 0))->brand, ==, first->brand);
  g_assert_cmpint (source, ==, MERKKI_SOURCE_SNAPSHOT);
  g_assert_true (is_demo);
}

static gpointer
open_thread (gpointer data)
{
  g_autoptr(GError) error = NULL;
  MerkkiStore *store = merkki_store_open (data, &error);

  g_assert_no_error (error);
  return store;
}

/* Several programs (the app, merkki-cli) opening a new store at the same
 * moment: each gets a working store, and the demo is installed once. */
static void
test_store_concurrent_first_open (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(MerkkiRegistryData) demo = merkki_registry_data_get_demo ("sg-csa");
  GThread *threads[6];
  guint n_records = 0;

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("open", open_thread, fixture->path);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_autoptr(MerkkiStore) store = g_thread_join (threads[i]);

      g_assert_nonnull (store);
      g_assert_true (merkki_store_get_snapshot_info (store, "sg-csa", NULL, NULL, NULL, &n_records, NULL));
      g_assert_cmpuint (n_records, ==, demo->records->len);
    }
}

/* Holds the file with a RESERVED lock, as another process in the middle of
 * creating the store does (merkki_store_open's BEGIN IMMEDIATE), and lets
 * go after a while. Switching a file to WAL answers SQLITE_BUSY at once
 * while this lock is held, without SQLite's busy handler (a reader's
 * SHARED lock, by contrast, makes it wait in the handler). */
typedef struct
{
  sqlite3 *db;
  guint    hold_ms;
} HeldLock;

static gpointer
release_lock_thread (gpointer data)
{
  HeldLock *lock = data;

  g_usleep (lock->hold_ms * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (sqlite3_exec (lock->db, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (lock->db);
  return NULL;
}

/* Holds the write lock on @path (BEGIN IMMEDIATE) from a connection of its
 * own, as another process would, until the returned thread releases it
 * after @lock->hold_ms. */
static GThread *
hold_write_lock (const char *path,
                 HeldLock   *lock)
{
  g_assert_cmpint (sqlite3_open_v2 (path, &lock->db,
                                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                    NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (lock->db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  return g_thread_new ("release-lock", release_lock_thread, lock);
}

/* Caches @record (as found online from sg-csa) and reads it back. */
static void
assert_record_cached (MerkkiStore        *store,
                      const MerkkiRecord *record)
{
  g_autoptr(MerkkiRecord) found = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (merkki_store_put_record (store, "sg-csa", record, NULL, &error));
  g_assert_no_error (error);
  found = merkki_store_find_record (store, record->scheme, record->id, -1, NULL, NULL, NULL);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->model, ==, record->model);
}

/* A new store file that another process has locked while it is being
 * opened: the store waits for the lock, as the busy timeout promises,
 * instead of failing, and then works in WAL mode. */
static void
test_store_open_waits_for_wal (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = NULL;
  g_autoptr(MerkkiRecord) record = make_record ("sg-cls", "CSA/310129/42", "Acme", "Lock");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (fixture->path);
  HeldLock lock = { NULL, 500 };
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  GThread *thread;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  thread = hold_write_lock (fixture->path, &lock);
  g_assert_true (g_file_test (fixture->path, G_FILE_TEST_EXISTS));
  store = merkki_store_open (fixture->path, &error);
  g_thread_join (thread);
  g_assert_no_error (error);
  g_assert_nonnull (store);

  /* The file itself is now in WAL mode, for every later opener. */
  g_assert_cmpint (sqlite3_open_v2 (fixture->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  assert_record_cached (store, record);
}

/* Another process holds the store for writing longer than a cache write
 * waits (8 s here, 2 s the wait): the lookup cache gives up instead of
 * holding a check up (the store's other writes wait 30 s), and works again
 * once the store is free. */
static void
test_store_cache_write_gives_up (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = NULL;
  g_autoptr(MerkkiRecord) record = make_record ("sg-cls", "CSA/310129/43", "Acme", "Busy");
  g_autoptr(GError) error = NULL;
  HeldLock lock = { NULL, 8000 };
  GThread *thread;

  store = merkki_store_open (fixture->path, &error);
  g_assert_no_error (error);
  thread = hold_write_lock (fixture->path, &lock);

  g_assert_false (merkki_store_put_record (store, "sg-csa", record, NULL, &error));
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_STORE);
  g_clear_error (&error);
  g_assert_false (merkki_store_put_product_miss (store, "fi-traficom", "Acme", "Busy", NULL, &error));
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_STORE);
  g_clear_error (&error);
  g_thread_join (thread);

  assert_record_cached (store, record);
  g_assert_true (merkki_store_put_product_miss (store, "fi-traficom", "Acme", "Busy", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (merkki_store_find_product_miss (store, "fi-traficom", "Acme", "Busy", -1, NULL));
}

static GPtrArray *
make_records (const char *prefix,
              guint       n)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_record_free);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%s-%u", prefix, i);

      g_ptr_array_add (records, make_record ("fi-ttm", id, prefix, "Model"));
    }
  return records;
}

typedef struct {
  MerkkiStore   *store;
  const char    *demo_generated;
  gint           stop;
  gint           n_reads;
  gboolean       torn;
} Reader;

static gpointer
reader_thread (gpointer data)
{
  Reader *reader = data;
  MerkkiStore *store = reader->store;

  while (!g_atomic_int_get (&reader->stop))
    {
      g_autofree char *generated = NULL;
      guint n_records = 0;

      g_assert_true (merkki_store_get_snapshot_info (store, "fi-traficom", &generated, NULL,
                                                     NULL, &n_records, NULL));
      /* Either the old snapshot or the new one, whole. */
      if (!((g_strcmp0 (generated, "A") == 0 && n_records == 50)
            || (g_strcmp0 (generated, "B") == 0 && n_records == 120)
            || g_strcmp0 (generated, reader->demo_generated) == 0))
        reader->torn = TRUE;
      g_atomic_int_inc (&reader->n_reads);
    }

  return NULL;
}

static void
test_store_replace_snapshot (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = open_store (fixture->path);
  g_autoptr(GPtrArray) a = make_records ("A", 50);
  g_autoptr(GPtrArray) b = make_records ("B", 120);
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRegistryData) demo = merkki_registry_data_get_demo ("fi-traficom");
  const MerkkiRecord *demo_first = g_ptr_array_index (demo->records, 0);
  g_autoptr(MerkkiRecord) found = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *generated = NULL;
  g_autoptr(MerkkiStore) reader_store = open_store (fixture->path);
  Reader reader = { reader_store, demo->generated, 0, 0, FALSE };
  GThread *thread;
  gboolean is_demo = TRUE;
  guint n_records = 0;

  /* A second connection reads while this one replaces the snapshot. */
  thread = g_thread_new ("reader", reader_thread, &reader);
  /* Keep writing until the reader has had a good look (bounded). */
  for (guint i = 0; i < 2000 && (i < 40 || g_atomic_int_get (&reader.n_reads) < 20 || i % 2 == 1); i++)
    {
      gboolean ok = (i % 2 == 0)
        ? merkki_store_replace_snapshot (store, "fi-traficom", "A", "\"etag-a\"", a, FALSE, &error)
        : merkki_store_replace_snapshot (store, "fi-traficom", "B", "\"etag-b\"", b, FALSE, &error);

      g_assert_no_error (error);
      g_assert_true (ok);
    }
  g_atomic_int_set (&reader.stop, 1);
  g_thread_join (thread);
  g_assert_false (reader.torn);
  g_assert_cmpint (reader.n_reads, >, 0);

  g_assert_true (merkki_store_get_snapshot_info (store, "fi-traficom", &generated, &etag,
                                                 NULL, &n_records, &is_demo));
  g_assert_cmpstr (generated, ==, "B");
  g_assert_cmpstr (etag, ==, "\"etag-b\"");
  g_assert_cmpuint (n_records, ==, 120);
  g_assert_false (is_demo);

  /* The demo records are gone with the demo snapshot, and a new record
   * is found with the snapshot as its source. */
  g_assert_null (merkki_store_find_record (store, demo_first->scheme, demo_first->id, -1,
                                           NULL, NULL, NULL));
  found = merkki_store_find_record (store, "fi-ttm", "B-119", -1, NULL, NULL, &is_demo);
  g_assert_nonnull (found);
  g_assert_false (is_demo);
  g_clear_pointer (&found, merkki_record_free);
  g_assert_null (merkki_store_find_record (store, "fi-ttm", "A-0", -1, NULL, NULL, NULL));

  /* A replaced snapshot is not replaced by the demo again on the next open. */
  g_clear_object (&store);
  store = open_store (fixture->path);
  g_assert_true (merkki_store_get_snapshot_info (store, "fi-traficom", NULL, NULL,
                                                 NULL, &n_records, &is_demo));
  g_assert_false (is_demo);
  g_assert_cmpuint (n_records, ==, 120);
}

static MerkkiCheckResult *
make_result (const char    *payload,
             MerkkiVerdict  verdict,
             const char    *brand,
             const char    *model)
{
  g_autoptr(MerkkiLabelRef) ref = merkki_label_ref_parse ((const guint8 *) payload, -1);
  MerkkiCheckResult *result = merkki_check_result_new (ref);

  if (brand != NULL)
    {
      MerkkiRegistryAnswer *answer = merkki_registry_answer_new ("sg-csa");

      answer->is_issuer = TRUE;
      answer->outcome = MERKKI_OUTCOME_FOUND;
      answer->source = MERKKI_SOURCE_ONLINE;
      answer->fetched_at = g_date_time_new_now_utc ();
      answer->record = make_record ("sg-cls", merkki_label_ref_get_id (ref), brand, model);
      merkki_check_result_add_answer (result, answer);
    }
  merkki_check_result_set_verdict (result, verdict);
  return result;
}

static void
test_store_history (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = open_store (fixture->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiCheckResult) first = make_result ("CSA/310129/11", MERKKI_VERDICT_VALID, "Acme", "Hub");
  g_autoptr(MerkkiCheckResult) second = make_result ("CSA/310129/12", MERKKI_VERDICT_NOT_FOUND, NULL, NULL);
  g_autoptr(MerkkiCheckResult) third = make_result ("hello \x01 world", MERKKI_VERDICT_NOT_A_LABEL, NULL, NULL);
  json_t *list;
  json_t *entry;
  gint64 id1, id2, id3;

  id1 = merkki_store_add_history (store, first, "shop-a", &error);
  g_assert_no_error (error);
  id2 = merkki_store_add_history (store, second, NULL, &error);
  g_assert_no_error (error);
  id3 = merkki_store_add_history (store, third, "shop-a", &error);
  g_assert_no_error (error);
  g_assert_cmpint (id1, >, 0);
  g_assert_cmpint (id2, >, id1);
  g_assert_cmpint (id3, >, id2);

  /* Newest first, each the result's own JSON plus its id and session. */
  list = merkki_store_list_history (store, NULL, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_size (list), ==, 3);
  entry = json_array_get (list, 0);
  g_assert_cmpint (json_integer_value (json_object_get (entry, "history_id")), ==, id3);
  g_assert_cmpstr (json_string_value (json_object_get (entry, "verdict")), ==, "not-a-label");
  g_assert_cmpstr (json_string_value (json_object_get (entry, "session")), ==, "shop-a");
  g_assert_true (json_is_null (json_object_get (entry, "reference")));
  entry = json_array_get (list, 1);
  g_assert_true (json_is_null (json_object_get (entry, "session")));
  g_assert_cmpstr (json_string_value (json_object_get (json_object_get (entry, "reference"), "id")),
                   ==, "CSA/310129/12");
  entry = json_array_get (list, 2);
  g_assert_cmpstr (json_string_value (json_object_get (entry, "verdict")), ==, "valid");
  g_assert_nonnull (json_object_get (entry, "registries"));
  json_decref (list);

  list = merkki_store_list_history (store, "shop-a", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_size (list), ==, 2);
  json_decref (list);

  /* Search: brand, case-insensitive; and reference. */
  list = merkki_store_list_history (store, NULL, "ACME", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_size (list), ==, 1);
  g_assert_cmpint (json_integer_value (json_object_get (json_array_get (list, 0), "history_id")), ==, id1);
  json_decref (list);

  list = merkki_store_list_history (store, NULL, "csa/310129/12", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_size (list), ==, 1);
  json_decref (list);

  list = merkki_store_list_history (store, NULL, NULL, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_size (list), ==, 2);
  json_decref (list);
}

static void
test_store_product_misses (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = open_store (fixture->path);
  g_autoptr(MerkkiRecord) record = make_record ("fi-ttm", "acme-plug", "Acme", "Plug");
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) long_ago = g_date_time_add_seconds (now, -1000);
  g_autoptr(GDateTime) fetched_at = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (merkki_store_find_product_miss (store, "fi-traficom", "Acme", "Plug", 300, NULL));
  g_assert_true (merkki_store_put_product_miss (store, "fi-traficom", "Acme", "Plug", now, &error));
  g_assert_no_error (error);
  g_assert_true (merkki_store_find_product_miss (store, "fi-traficom", "ACME", "plug", 300, &fetched_at));
  g_assert_cmpint (g_date_time_to_unix (fetched_at), ==, g_date_time_to_unix (now));
  g_assert_false (merkki_store_find_product_miss (store, "sg-csa", "Acme", "Plug", 300, NULL));

  /* Too old to count. */
  g_assert_true (merkki_store_put_product_miss (store, "fi-traficom", "Acme", "Plug", long_ago, &error));
  g_assert_false (merkki_store_find_product_miss (store, "fi-traficom", "Acme", "Plug", 300, NULL));
  g_assert_true (merkki_store_put_product_miss (store, "fi-traficom", "Acme", "Plug", now, &error));

  /* A record of the product makes the miss obsolete. */
  g_assert_true (merkki_store_put_record (store, "fi-traficom", record, now, &error));
  g_assert_no_error (error);
  g_assert_false (merkki_store_find_product_miss (store, "fi-traficom", "Acme", "Plug", -1, NULL));
}

/* A store written by the first schema is migrated in place, keeping its
 * history. */
static void
test_store_migrates (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = open_store (fixture->path);
  g_autoptr(MerkkiCheckResult) result = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;
  json_t *list;

  result = make_result ("CSA/310129/11", MERKKI_VERDICT_NOT_FOUND, NULL, NULL);
  g_assert_cmpint (merkki_store_add_history (store, result, NULL, &error), >, 0);
  g_clear_object (&store);

  /* Back to version 1, as an older Merkki left it. */
  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE product_misses; DROP TABLE evidence; DROP TABLE sessions; "
                                 "ALTER TABLE history DROP COLUMN note; PRAGMA user_version = 1;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = open_store (fixture->path);
  g_assert_true (merkki_store_put_product_miss (store, "fi-traficom", "Acme", "Plug", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (merkki_store_find_product_miss (store, "fi-traficom", "Acme", "Plug", 300, NULL));
  list = merkki_store_list_history (store, NULL, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_size (list), ==, 1);
  json_decref (list);

  /* A store from a newer Merkki is refused, untouched. */
  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99;", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  store = merkki_store_open (fixture->path, &error);
  g_assert_null (store);
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_STORE);
  g_assert_nonnull (strstr (error->message, "newer"));
}

/* A process killed right after its checks were committed loses none of
 * them, and leaves a file that opens cleanly. */
static void
test_store_history_survives_kill (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = NULL;
  g_autoptr(GError) error = NULL;
  json_t *list;

  if (g_test_subprocess ())
    {
      const char *path = g_getenv ("MERKKI_TEST_STORE_PATH");
      MerkkiStore *child_store = open_store (path);

      for (guint i = 0; i < 25; i++)
        {
          g_autofree char *payload = g_strdup_printf ("CSA/310129/%u", 100 + i);
          g_autoptr(MerkkiCheckResult) result = make_result (payload, MERKKI_VERDICT_NOT_FOUND, NULL, NULL);

          g_assert_cmpint (merkki_store_add_history (child_store, result, "kill", NULL), >, 0);
        }
      /* No close, no checkpoint: as if killed. */
      _exit (0);
    }

  g_setenv ("MERKKI_TEST_STORE_PATH", fixture->path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();

  store = open_store (fixture->path);
  list = merkki_store_list_history (store, "kill", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_size (list), ==, 25);
  json_decref (list);
}

static void
assert_refused_untouched (const char *path)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiStore) store = NULL;
  gsize before_len, after_len;

  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));
  store = merkki_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_STORE);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
}

static void
test_store_refuses_garbage (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *dir = g_path_get_dirname (fixture->path);
  GString *garbage = g_string_new ("This is a text file, not a database.\n");

  for (guint i = 0; i < 5000; i++)
    g_string_append_c (garbage, (char) g_random_int_range (0, 256));
  g_mkdir_with_parents (dir, 0700);
  g_assert_true (g_file_set_contents (fixture->path, garbage->str, garbage->len, NULL));
  g_string_free (garbage, TRUE);

  assert_refused_untouched (fixture->path);
}

static void
test_store_refuses_foreign (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *dir = g_path_get_dirname (fixture->path);
  sqlite3 *db = NULL;

  g_mkdir_with_parents (dir, 0700);
  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE contacts (name TEXT); "
                                     "INSERT INTO contacts VALUES ('Ada');",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  assert_refused_untouched (fixture->path);
}

static void
test_store_refuses_damaged (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = open_store (fixture->path);
  g_autofree char *contents = NULL;
  gsize len;

  /* Closing the last connection checkpoints the WAL into the file. */
  g_clear_object (&store);
  g_assert_true (g_file_get_contents (fixture->path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 3 * 4096);
  /* Scribble over everything after the first page (the header stays). */
  memset (contents + 4096, 0xa5, len - 4096);
  g_assert_true (g_file_set_contents (fixture->path, contents, len, NULL));

  assert_refused_untouched (fixture->path);
}

/* Every session with its own number of checks, the most recently started
 * first, and the words a list of sessions shows for each. */
static void
test_store_list_sessions (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = open_store (fixture->path);
  g_autoptr(MerkkiCheckResult) result = make_result ("CSA/310129/11", MERKKI_VERDICT_VALID, "Acme", "Hub");
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *older_words = NULL;
  g_autofree char *newer_words = NULL;
  g_autofree char *date = NULL;
  g_autofree char *expected = NULL;
  MerkkiSession *newer, *older;

  sessions = merkki_store_list_sessions (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 0);
  g_clear_pointer (&sessions, g_ptr_array_unref);

  g_assert_true (merkki_store_create_session (store, "Itis", "Itäkeskus", "Aino Virtanen", &error));
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (merkki_store_add_history (store, result, "Itis", &error), >, 0);
  g_assert_true (merkki_store_end_session (store, "Itis", &error));
  /* ISO 8601 start times: a later one sorts after. */
  g_usleep (2000);
  g_assert_true (merkki_store_create_session (store, "Sello", NULL, NULL, &error));
  g_assert_cmpint (merkki_store_add_history (store, result, "Sello", &error), >, 0);
  /* Checks outside any session belong to none. */
  g_assert_cmpint (merkki_store_add_history (store, result, NULL, &error), >, 0);
  g_assert_no_error (error);

  /* Read back from the file by another connection. */
  g_clear_object (&store);
  store = open_store (fixture->path);
  sessions = merkki_store_list_sessions (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 2);
  newer = g_ptr_array_index (sessions, 0);
  older = g_ptr_array_index (sessions, 1);
  g_assert_cmpstr (newer->name, ==, "Sello");
  g_assert_cmpuint (newer->n_checks, ==, 1);
  g_assert_null (newer->place);
  g_assert_null (newer->ended_at);
  g_assert_cmpstr (older->name, ==, "Itis");
  g_assert_cmpuint (older->n_checks, ==, 3);
  g_assert_cmpstr (older->inspector, ==, "Aino Virtanen");
  g_assert_nonnull (older->ended_at);
  g_assert_cmpint (g_date_time_compare (older->started_at, newer->started_at), <, 0);

  date = merkki_format_date (older->started_at);
  expected = g_strdup_printf ("Itäkeskus · Aino Virtanen · %s · 3 checks", date);
  older_words = merkki_session_describe (older);
  g_assert_cmpstr (older_words, ==, expected);
  newer_words = merkki_session_describe (newer);
  g_assert_true (g_str_has_suffix (newer_words, " · 1 check"));
  g_assert_false (g_str_has_prefix (newer_words, " · "));
}

int
main (int    argc,
      char **argv)
{
  merkki_test_init (&argc, &argv);

#define ADD(name, func) \
  g_test_add ("/store/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("demo-installed", test_store_demo_installed);
  ADD ("records", test_store_records);
  ADD ("snapshot-by-product", test_store_snapshot_by_product);
  ADD ("concurrent-first-open", test_store_concurrent_first_open);
  ADD ("open-waits-for-wal", test_store_open_waits_for_wal);
  ADD ("cache-write-gives-up", test_store_cache_write_gives_up);
  ADD ("replace-snapshot", test_store_replace_snapshot);
  ADD ("product-misses", test_store_product_misses);
  ADD ("migrates", test_store_migrates);
  ADD ("history", test_store_history);
  ADD ("history-survives-kill", test_store_history_survives_kill);
  ADD ("list-sessions", test_store_list_sessions);
  ADD ("refuses-garbage", test_store_refuses_garbage);
  ADD ("refuses-foreign", test_store_refuses_foreign);
  ADD ("refuses-damaged", test_store_refuses_damaged);
#undef ADD

  return g_test_run ();
}
