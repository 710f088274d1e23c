/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "merkki-core.h"
#include "merkki-test-qr.h"
#include "merkki-test-utils.h"

/* Inspection sessions, evidence photos and notes in a real store file. */

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  static guint n;

  fixture->dir = g_strdup_printf ("%s/session-%u", merkki_test_get_tmpdir (), n++);
  fixture->path = g_build_filename (fixture->dir, "merkki.db", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  merkki_test_rm_rf (fixture->dir);
  g_free (fixture->dir);
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

static MerkkiCheckResult *
make_result (const char *payload)
{
  g_autoptr(MerkkiLabelRef) ref = merkki_label_ref_parse ((const guint8 *) payload, -1);
  MerkkiCheckResult *result = merkki_check_result_new (ref);

  merkki_check_result_set_verdict (result, MERKKI_VERDICT_NOT_FOUND);
  return result;
}

static void
test_sessions (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = open_store (fixture->path);
  g_autoptr(MerkkiSession) session = NULL;
  g_autoptr(MerkkiSession) resumed = NULL;
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiCheckResult) result = make_result ("CSA/311228/5");

  g_assert_null (merkki_store_get_session (store, "Itis", &error));
  g_assert_no_error (error);

  g_assert_true (merkki_store_create_session (store, "Itis", "Itäkeskus", "Aino", &error));
  g_assert_no_error (error);
  g_assert_true (merkki_store_create_session (store, "Other", NULL, NULL, &error));
  g_assert_cmpint (merkki_store_add_history (store, result, "Itis", &error), >, 0);
  g_assert_cmpint (merkki_store_add_history (store, result, "Itis", &error), >, 0);
  g_assert_cmpint (merkki_store_add_history (store, result, NULL, &error), >, 0);

  session = merkki_store_get_session (store, "Itis", &error);
  g_assert_no_error (error);
  g_assert_nonnull (session);
  g_assert_cmpstr (session->place, ==, "Itäkeskus");
  g_assert_cmpstr (session->inspector, ==, "Aino");
  g_assert_nonnull (session->started_at);
  g_assert_null (session->ended_at);
  g_assert_cmpuint (session->n_checks, ==, 2);

  g_assert_true (merkki_store_end_session (store, "Itis", &error));
  /* Resuming keeps the start and the place; a new inspector replaces the old. */
  g_assert_true (merkki_store_create_session (store, "Itis", NULL, "Eero", &error));
  resumed = merkki_store_get_session (store, "Itis", &error);
  g_assert_cmpstr (resumed->place, ==, "Itäkeskus");
  g_assert_cmpstr (resumed->inspector, ==, "Eero");
  g_assert_true (g_date_time_equal (resumed->started_at, session->started_at));
  g_assert_null (resumed->ended_at);

  sessions = merkki_store_list_sessions (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 2);

  g_assert_false (merkki_store_create_session (store, "", NULL, NULL, &error));
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT);
}

static void
test_evidence (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = open_store (fixture->path);
  g_autoptr(MerkkiCheckResult) result = make_result ("CSA/311228/6");
  g_autoptr(GBytes) photo = g_bytes_new_static ("not really a jpeg", 17);
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *relative = NULL;
  g_autofree char *again = NULL;
  g_autofree char *full = NULL;
  g_autofree char *contents = NULL;
  json_t *list;
  json_t *entry;
  gint64 id;

  relative = merkki_store_save_evidence (store, photo, "jpg", &sha256, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (relative, "evidence/"));
  g_assert_true (g_str_has_suffix (relative, ".jpg"));
  /* Beside the store, with the photo's bytes. */
  full = g_build_filename (fixture->dir, relative, NULL);
  g_assert_true (g_file_get_contents (full, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "not really a jpeg");
  again = merkki_store_save_evidence (store, photo, "jpg", NULL, &error);
  g_assert_cmpstr (again, ==, relative);

  g_assert_cmpint (merkki_store_find_evidence (store, "Itis", sha256), ==, 0);
  id = merkki_store_add_history_with_evidence (store, result, "Itis", relative, "Shelf 3", &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpint (merkki_store_find_evidence (store, "Itis", sha256), ==, id);
  /* Another session has not seen it. */
  g_assert_cmpint (merkki_store_find_evidence (store, "Other", sha256), ==, 0);
  g_assert_cmpint (merkki_store_find_evidence (store, NULL, sha256), ==, 0);

  list = merkki_store_list_history (store, "Itis", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_size (list), ==, 1);
  entry = json_array_get (list, 0);
  g_assert_cmpstr (json_string_value (json_object_get (entry, "evidence")), ==, relative);
  g_assert_cmpstr (json_string_value (json_object_get (entry, "note")), ==, "Shelf 3");
  json_decref (list);

  /* Notes change and clear. */
  g_assert_true (merkki_store_set_note (store, id, "Shelf 4, kept", &error));
  list = merkki_store_list_history (store, "Itis", NULL, 0, &error);
  g_assert_cmpstr (json_string_value (json_object_get (json_array_get (list, 0), "note")), ==, "Shelf 4, kept");
  json_decref (list);
  g_assert_true (merkki_store_set_note (store, id, "", &error));
  list = merkki_store_list_history (store, "Itis", NULL, 0, &error);
  g_assert_null (json_object_get (json_array_get (list, 0), "note"));
  json_decref (list);
  g_assert_false (merkki_store_set_note (store, id + 100, "x", &error));
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A check linked later (the app saves the frame after the check). */
  id = merkki_store_add_history (store, result, NULL, &error);
  g_assert_true (merkki_store_add_evidence (store, id, relative, &error));
  g_assert_no_error (error);
  g_assert_cmpint (merkki_store_find_evidence (store, NULL, sha256), ==, id);
}

/* A camera frame kept as the evidence of a session's check: a PNG file
 * beside the store that shows the very code the frame held, linked to the
 * check; the same frame twice is one file. */
static void
test_evidence_frame (Fixture       *fixture,
                     gconstpointer  data)
{
  static const char payload[] = "CSA/300929/2001";
  /* Rows with padding, as a camera's are. */
  MerkkiTestScene scene = { .module_px = 5, .padding = 7, .width = 320, .height = 240, .offset_x = 20 };
  g_autoptr(MerkkiTestFrame) frame = merkki_test_qr_render_bytes ((const guint8 *) payload, strlen (payload), &scene);
  g_autoptr(MerkkiStore) store = open_store (fixture->path);
  g_autoptr(MerkkiCheckResult) result = make_result (payload);
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  g_autoptr(GBytes) gray = g_bytes_new (frame->pixels, (gsize) frame->stride * frame->height);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) codes = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *relative = NULL;
  g_autofree char *again = NULL;
  g_autofree char *full = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  MerkkiDecodedCode *code;
  json_t *list;
  gint64 id;

  g_assert_cmpint (frame->stride, >, frame->width);
  relative = merkki_store_save_evidence_frame (store, gray, frame->width, frame->height, frame->stride,
                                               &sha256, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (relative, "evidence/"));
  g_assert_true (g_str_has_suffix (relative, ".png"));
  g_assert_nonnull (strstr (relative, sha256));

  /* A PNG of the frame's size that reads as the same code. */
  full = g_build_filename (fixture->dir, relative, NULL);
  g_assert_true (g_file_get_contents (full, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 8);
  g_assert_cmpmem (contents, 8, "\x89PNG\r\n\x1a\n", 8);
  pixbuf = merkki_decoder_load_image (full, 4096, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, frame->width);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, frame->height);
  codes = merkki_decoder_decode_file (decoder, full, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (codes->len, ==, 1);
  code = g_ptr_array_index (codes, 0);
  g_assert_cmpmem (g_bytes_get_data (code->payload, NULL), g_bytes_get_size (code->payload),
                   payload, strlen (payload));

  again = merkki_store_save_evidence_frame (store, gray, frame->width, frame->height, frame->stride, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, relative);

  id = merkki_store_add_history_with_evidence (store, result, "Itis", relative, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (merkki_store_find_evidence (store, "Itis", sha256), ==, id);
  list = merkki_store_list_history (store, "Itis", NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_string_value (json_object_get (json_array_get (list, 0), "evidence")), ==, relative);
  json_decref (list);
}

/* A frame whose pixels do not fill its size is an error, and nothing is
 * written. */
static void
test_evidence_bad_frame (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = open_store (fixture->path);
  g_autoptr(GBytes) short_frame = g_bytes_new_take (g_malloc0 (100 * 99), 100 * 99);
  g_autofree char *dir = g_build_filename (fixture->dir, "evidence", NULL);
  const struct { int width, height, stride; } sizes[] = {
    { 100, 100, 100 },   /* one row short */
    { 0, 10, 10 },
    { 10, -1, 10 },
    { 100, 10, 50 },     /* rows narrower than the frame */
    { 20000, 1, 20000 }, /* wider than any camera */
  };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *relative = NULL;

      relative = merkki_store_save_evidence_frame (store, short_frame, sizes[i].width, sizes[i].height,
                                                   sizes[i].stride, NULL, &error);
      g_assert_null (relative);
      g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT);
    }
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

/* A photo of several codes: which of its codes a session holds, by payload. */
static void
test_evidence_checks (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(MerkkiStore) store = open_store (fixture->path);
  g_autoptr(MerkkiCheckResult) first = make_result ("CSA/311228/6");
  g_autoptr(MerkkiCheckResult) second = make_result ("\xff not UTF-8");
  g_autoptr(MerkkiCheckResult) third = make_result ("CSA/311228/7");
  g_autoptr(GBytes) photo = g_bytes_new_static ("two codes", 9);
  g_autoptr(GBytes) first_payload = g_bytes_new_static ("CSA/311228/6", 12);
  g_autoptr(GBytes) second_payload = g_bytes_new_static ("\xff not UTF-8", strlen ("\xff not UTF-8"));
  g_autoptr(GBytes) third_payload = g_bytes_new_static ("CSA/311228/7", 12);
  g_autoptr(GHashTable) checks = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *relative = NULL;
  gint64 first_id, second_id;

  relative = merkki_store_save_evidence (store, photo, "png", &sha256, &error);
  g_assert_no_error (error);
  checks = merkki_store_find_evidence_checks (store, "Itis", sha256, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (checks), ==, 0);
  g_clear_pointer (&checks, g_hash_table_unref);

  first_id = merkki_store_add_history_with_evidence (store, first, "Itis", relative, NULL, &error);
  second_id = merkki_store_add_history_with_evidence (store, second, "Itis", relative, NULL, &error);
  g_assert_no_error (error);
  /* The same photo in another session, and a check of the session without it. */
  g_assert_cmpint (merkki_store_add_history_with_evidence (store, first, "Other", relative, NULL, &error), >, 0);
  g_assert_cmpint (merkki_store_add_history (store, third, "Itis", &error), >, 0);

  checks = merkki_store_find_evidence_checks (store, "Itis", sha256, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (checks), ==, 2);
  g_assert_nonnull (g_hash_table_lookup (checks, first_payload));
  g_assert_nonnull (g_hash_table_lookup (checks, second_payload));
  g_assert_cmpint (*(gint64 *) g_hash_table_lookup (checks, first_payload), ==, first_id);
  g_assert_cmpint (*(gint64 *) g_hash_table_lookup (checks, second_payload), ==, second_id);
  g_assert_null (g_hash_table_lookup (checks, third_payload));
  g_clear_pointer (&checks, g_hash_table_unref);

  checks = merkki_store_find_evidence_checks (store, NULL, sha256, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (checks), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  merkki_test_init (&argc, &argv);

  g_test_add ("/session/sessions", Fixture, NULL, fixture_set_up, test_sessions, fixture_tear_down);
  g_test_add ("/session/evidence", Fixture, NULL, fixture_set_up, test_evidence, fixture_tear_down);
  g_test_add ("/session/evidence-frame", Fixture, NULL, fixture_set_up, test_evidence_frame, fixture_tear_down);
  g_test_add ("/session/evidence-bad-frame", Fixture, NULL, fixture_set_up, test_evidence_bad_frame,
              fixture_tear_down);
  g_test_add ("/session/evidence-checks", Fixture, NULL, fixture_set_up, test_evidence_checks, fixture_tear_down);

  return g_test_run ();
}
