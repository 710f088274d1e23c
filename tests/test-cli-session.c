/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "merkki-core.h"
#include "merkki-hostile-server.h"
#include "merkki-test-registry.h"
#include "merkki-test-media.h"
#include "merkki-test-utils.h"

/* An inspection session of 50 photos through the built merkki-cli, against
 * two registry servers on 127.0.0.1: killed with SIGKILL halfway, resumed,
 * then exported as JSON, CSV and PDF, each read back. */

#define N_PHOTOS 50
#define SESSION "Kauppakeskus Itis 27.11."

static MerkkiRegistryServer *csa_server;
static MerkkiRegistryServer *traficom_server;

/* What each photo shows, and what the check must say of it (the facts of
 * tests/data/csa.json: 2004 expired in 2025, 2005 revoked). */
typedef struct {
  const char *payload;
  gboolean    numbered;  /* the photo's number (100 + index) is appended */
  const char *verdict;
} Kind;

static const Kind kinds[] = {
  { "CSA/300929/2001", FALSE, "valid" },
  { "https://www.csa.gov.sg/cls?id=CSA/310829/2002", FALSE, "valid" },
  { "CSA/310729/2003", FALSE, "valid" },
  { "CSA/150325/2004", FALSE, "expired" },
  { "CSA/300629/2005", FALSE, "revoked" },
  { "CSA/311229/9", TRUE, "not-found" },
  { "https://tietoturvamerkki.fi.example.com/en/product/", TRUE, "suspicious" },
};

static char *
photo_payload (guint i)
{
  const Kind *kind = &kinds[i % G_N_ELEMENTS (kinds)];

  if (kind->numbered)
    return g_strdup_printf ("%s%u", kind->payload, 100 + i);
  return g_strdup (kind->payload);
}

static const char *
photo_verdict (guint i)
{
  return kinds[i % G_N_ELEMENTS (kinds)].verdict;
}

static GSubprocessLauncher *
make_launcher (const char       *data_home,
               GSubprocessFlags  flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  g_subprocess_launcher_setenv (launcher, "MERKKI_REGISTRY_SG_CSA",
                                merkki_registry_server_get_url (csa_server), TRUE);
  g_subprocess_launcher_setenv (launcher, "MERKKI_REGISTRY_FI_TRAFICOM",
                                merkki_registry_server_get_url (traficom_server), TRUE);
  return launcher;
}

/* The batch that blocks on the FIFO must not outlive a test that fails
 * before it kills it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Kills @process with SIGKILL, as a power cut would stop it. */
static void
kill_process (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (process, SIGKILL);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (process));
  g_assert_cmpint (g_subprocess_get_term_sig (process), ==, SIGKILL);
}

static GPtrArray *
cli_argv (const char * const *args,
          GPtrArray          *files)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, merkki_test_build_path ("src/cli/merkki-cli"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  for (guint i = 0; files != NULL && i < files->len; i++)
    g_ptr_array_add (argv, g_strdup (g_ptr_array_index (files, i)));
  g_ptr_array_add (argv, NULL);
  return argv;
}

/* Runs merkki-cli to the end; its stdout goes to @out_path (binary safe)
 * or is returned. */
static int
run_cli (const char         *data_home,
         const char * const *args,
         GPtrArray          *files,
         const char         *out_path,
         char              **out)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = cli_argv (args, files);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) stdout_bytes = NULL;
  g_autoptr(GBytes) stderr_bytes = NULL;

  launcher = make_launcher (data_home, (out_path != NULL ? 0 : G_SUBPROCESS_FLAGS_STDOUT_PIPE)
                                       | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (out_path != NULL)
    g_subprocess_launcher_set_stdout_file_path (launcher, out_path);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, NULL, NULL, &stdout_bytes, &stderr_bytes, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_test_message ("stderr: %.*s", (int) g_bytes_get_size (stderr_bytes),
                  (const char *) g_bytes_get_data (stderr_bytes, NULL));
  /* Not a terminal: no progress line. */
  if (g_bytes_get_size (stderr_bytes) > 0)
    g_assert_null (memchr (g_bytes_get_data (stderr_bytes, NULL), '\r', g_bytes_get_size (stderr_bytes)));
  if (out != NULL)
    *out = g_strndup (g_bytes_get_data (stdout_bytes, NULL), g_bytes_get_size (stdout_bytes));
  return g_subprocess_get_exit_status (process);
}

static sqlite3 *
open_db (const char *data_home)
{
  g_autofree char *path = g_build_filename (data_home, "merkki", "merkki.db", NULL);
  sqlite3 *db = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static gint64
query_int (sqlite3    *db,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static gint64
count_session (const char *data_home)
{
  sqlite3 *db = open_db (data_home);
  gint64 n;

  if (db == NULL)
    return 0;
  /* The table exists once the first process has set the store up. */
  if (query_int (db, "SELECT count(*) FROM sqlite_master WHERE name = 'history'") == 0)
    n = 0;
  else
    n = query_int (db, "SELECT count(*) FROM history WHERE session = '" SESSION "'");
  sqlite3_close (db);
  return n;
}

static void
test_session_batch (void)
{
  const char *tmp = merkki_test_get_tmpdir ();
  g_autofree char *data_home = g_build_filename (tmp, "inspector", NULL);
  g_autofree char *photos = g_build_filename (tmp, "photos", NULL);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  const char *scan_args[] = { "scan", "--json", "--session", SESSION, "--place", "Itäkeskus, Helsinki",
                              "--inspector", "Aino Virtanen", NULL };
  const guint fifo_at = 25;
  g_autofree char *fifo_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *pdf_path = g_build_filename (tmp, "report.pdf", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *expected = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_skipped = 0, n_checked = 0, n_action = 0;
  gint64 deadline;
  sqlite3 *db;
  json_t *history;
  json_error_t json_error;

  g_assert_cmpint (g_mkdir_with_parents (photos, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (data_home, 0700), ==, 0);

  /* 50 photos; the 26th is at first a FIFO, on which the batch blocks
   * once it has recorded the 25 before it: a deterministic place to kill it. */
  for (guint i = 0; i < N_PHOTOS; i++)
    {
      g_autofree char *payload = photo_payload (i);
      g_autofree char *name = g_strdup_printf ("IMG_%04u.png", i + 1);
      g_autofree char *path = g_build_filename (photos, name, NULL);
      MerkkiVerdict verdict;

      if (i == fifo_at)
        {
          g_assert_cmpint (mkfifo (path, 0600), ==, 0);
          fifo_path = g_strdup (path);
        }
      else
        {
          /* Repeats of one label are other photos: another size. */
          g_assert_true (merkki_test_write_qr_image (path, (const guint8 *) payload, strlen (payload),
                                                     3 + (int) (i / G_N_ELEMENTS (kinds)), &error));
          g_assert_no_error (error);
        }
      g_ptr_array_add (files, g_steal_pointer (&path));
      g_hash_table_insert (expected, (gpointer) photo_verdict (i),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (expected, photo_verdict (i))) + 1));
      g_assert_true (merkki_verdict_from_string (photo_verdict (i), &verdict));
      n_action += merkki_verdict_needs_action (verdict) ? 1 : 0;
    }

  /* The first run, killed while it waits for the 26th photo. */
  argv = cli_argv (scan_args, files);
  launcher = make_launcher (data_home, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (count_session (data_home) < fifo_at)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
  kill_process (process);

  /* Nothing committed is lost, the file is sound, every photo is there. */
  db = open_db (data_home);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM history WHERE session = '" SESSION "'"), ==, fifo_at);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM evidence"), ==, fifo_at);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
                   ==, 1);
  sqlite3_close (db);

  /* The 26th photo arrives; the same command resumes the session. */
  {
    g_autofree char *payload = photo_payload (fifo_at);

    g_assert_cmpint (g_unlink (fifo_path), ==, 0);
    g_assert_true (merkki_test_write_qr_image (fifo_path, (const guint8 *) payload, strlen (payload),
                                               3 + (int) (fifo_at / G_N_ELEMENTS (kinds)), &error));
  }
  g_assert_cmpint (run_cli (data_home, scan_args, files, NULL, &out), ==, 1);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      json_t *line = json_loads (lines[i], 0, &json_error);

      g_assert_nonnull (line);
      if (json_object_get (line, "skipped") != NULL)
        n_skipped++;
      else
        {
          const char *file = json_string_value (json_object_get (line, "file"));
          guint index = (guint) g_ascii_strtoull (strrchr (file, '_') + 1, NULL, 10) - 1;

          g_assert_cmpstr (json_string_value (json_object_get (line, "verdict")), ==, photo_verdict (index));
          g_assert_cmpstr (json_string_value (json_object_get (line, "session")), ==, SESSION);
          g_assert_nonnull (json_string_value (json_object_get (line, "evidence")));
          n_checked++;
        }
      json_decref (line);
    }
  g_assert_cmpuint (n_skipped, ==, fifo_at);
  g_assert_cmpuint (n_checked, ==, N_PHOTOS - fifo_at);

  /* No photo twice, none missing, the file sound. */
  db = open_db (data_home);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM history WHERE session = '" SESSION "'"), ==, N_PHOTOS);
  g_assert_cmpint (query_int (db, "SELECT count(DISTINCT sha256) FROM evidence"), ==, N_PHOTOS);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"),
                   ==, 1);
  sqlite3_close (db);

  /* JSON: 50 entries, the counts by verdict, each photo beside the store. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (data_home, (const char *[]) { "history", "--session", SESSION, "--export", "json", NULL },
                            NULL, NULL, &out), ==, 0);
  history = json_loads (out, 0, &json_error);
  g_assert_nonnull (history);
  g_assert_cmpuint (json_array_size (history), ==, N_PHOTOS);
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      guint n = 0;
      size_t i;
      json_t *entry;

      json_array_foreach (history, i, entry)
        {
          if (g_strcmp0 (json_string_value (json_object_get (entry, "verdict")), kinds[k].verdict) == 0)
            n++;
        }
      g_assert_cmpuint (n, ==, GPOINTER_TO_UINT (g_hash_table_lookup (expected, kinds[k].verdict)));
    }
  {
    size_t i;
    json_t *entry;

    json_array_foreach (history, i, entry)
      {
        g_autofree char *photo = g_build_filename (data_home, "merkki",
                                                   json_string_value (json_object_get (entry, "evidence")), NULL);

        g_assert_true (g_file_test (photo, G_FILE_TEST_IS_REGULAR));
      }
  }

  /* CSV: a header and 50 rows. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&lines, g_strfreev);
  g_assert_cmpint (run_cli (data_home, (const char *[]) { "history", "--session", SESSION, "--export", "csv", NULL },
                            NULL, NULL, &out), ==, 0);
  lines = g_strsplit (out, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, N_PHOTOS + 2);
  g_assert_cmpstr (lines[N_PHOTOS + 1], ==, "");
  for (guint i = 1; i <= N_PHOTOS; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], "\",\"", -1);

      g_assert_cmpuint (g_strv_length (fields), ==, 17);
      g_assert_cmpstr (fields[2], ==, SESSION);
      g_assert_true (g_str_has_prefix (fields[16], "evidence/"));
    }

  /* PDF: the session, the place, the counts and every reference. */
  g_assert_cmpint (run_cli (data_home, (const char *[]) { "history", "--session", SESSION, "--export", "pdf", NULL },
                            NULL, pdf_path, NULL), ==, 0);
  {
    const char *info_argv[] = { "pdfinfo", pdf_path, NULL };
    g_autofree char *text = merkki_test_pdf_text (pdf_path);
    g_autofree char *info = merkki_test_run_program (info_argv);
    g_autofree char *checks = g_strdup_printf ("Checks %u", N_PHOTOS);
    g_autofree char *action = g_strdup_printf ("Need action %u", n_action);
    g_autofree char *page_of = NULL;
    guint n_pages;

    n_pages = (guint) g_ascii_strtoull (strstr (info, "Pages:") + 6, NULL, 10);
    g_assert_cmpuint (n_pages, >=, 4);
    page_of = g_strdup_printf ("Page %u of %u", n_pages, n_pages);

    g_assert_nonnull (strstr (text, SESSION));
    g_assert_nonnull (strstr (text, "Itäkeskus, Helsinki"));
    g_assert_nonnull (strstr (text, "Aino Virtanen"));
    g_assert_nonnull (strstr (text, checks));
    g_assert_nonnull (strstr (text, action));
    g_assert_nonnull (strstr (text, "Evidence photos 50"));
    g_assert_nonnull (strstr (text, page_of));
    for (guint i = 0; i < N_PHOTOS; i++)
      {
        g_autofree char *payload = photo_payload (i);
        const char *id = strstr (payload, "CSA/");

        if (id != NULL)
          g_assert_nonnull (strstr (text, id));
      }
  }

  json_decref (history);
  g_hash_table_unref (expected);
}

static gint64
count_history (sqlite3    *db,
               const char *session,
               const char *input_hex)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM history WHERE session = ?1 "
                                           "AND (?2 IS NULL OR input_hex = ?2)", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, session, -1, SQLITE_STATIC);
  if (input_hex != NULL)
    sqlite3_bind_text (stmt, 2, input_hex, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* Runs `scan --json --session` on @photo again: @n_skipped of its codes
 * are skipped and @n_checked checked, and the session then holds @n_total
 * checks. */
static void
resume_photo (const char *data_home,
              const char *session,
              const char *photo,
              guint       n_skipped,
              guint       n_checked,
              gint64      n_total)
{
  const char *args[] = { "scan", "--json", "--session", session, photo, NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  guint skipped = 0, checked = 0;
  sqlite3 *db;

  run_cli (data_home, args, NULL, NULL, &out);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      json_t *line = json_loads (lines[i], 0, NULL);

      g_assert_nonnull (line);
      g_assert_cmpstr (json_string_value (json_object_get (line, "file")), ==, photo);
      if (json_object_get (line, "skipped") != NULL)
        skipped++;
      else
        checked++;
      json_decref (line);
    }
  g_assert_cmpuint (skipped, ==, n_skipped);
  g_assert_cmpuint (checked, ==, n_checked);

  db = open_db (data_home);
  g_assert_cmpint (count_history (db, session, NULL), ==, n_total);
  sqlite3_close (db);
}

/* One photo of three codes, the batch killed with SIGKILL after the first
 * code was recorded and while the second is being looked up: the same
 * command resumes with the two codes not yet recorded, and every code is
 * in the session exactly once. */
static void
test_multi_code_photo_resume (void)
{
  const char *tmp = merkki_test_get_tmpdir ();
  const char *session = "Hylly 3";
  const char *payloads[] = { "CSA/311229/7101", "CSA/311229/7102", "CSA/311229/7103", NULL };
  g_autofree char *data_home = g_build_filename (tmp, "shelf", NULL);
  g_autofree char *photo = g_build_filename (tmp, "shelf.png", NULL);
  g_autofree char *hanging = NULL;
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  g_autoptr(GPtrArray) codes = NULL;
  g_autoptr(GPtrArray) hex = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  MerkkiHostileServer *csa_hostile;
  const char *second, *second_number;
  const char *args[] = { "scan", "--json", "--session", session, photo, NULL };
  g_autoptr(GPtrArray) argv = cli_argv (args, NULL);
  gint64 deadline;
  sqlite3 *db;

  g_assert_cmpint (g_mkdir_with_parents (data_home, 0700), ==, 0);
  g_assert_true (merkki_test_write_qr_images (photo, payloads, 4, &error));
  g_assert_no_error (error);

  /* The order in which merkki-cli meets the codes is the decoder's. */
  codes = merkki_decoder_decode_file (decoder, photo, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (codes->len, ==, 3);
  for (guint i = 0; i < codes->len; i++)
    {
      GBytes *payload = ((MerkkiDecodedCode *) g_ptr_array_index (codes, i))->payload;

      g_ptr_array_add (hex, merkki_test_hex (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload)));
    }

  /* The CSA registry never answers for the second code: the batch waits
   * there (up to its 8 s timeout) with the first code recorded. */
  csa_hostile = merkki_hostile_server_new ();
  second = ((MerkkiDecodedCode *) g_ptr_array_index (codes, 1))->text;
  second_number = strrchr (second, '/') + 1;
  hanging = g_strdup_printf ("/v1/labels/sg-cls/%s", second);
  merkki_hostile_server_set_path_mode (csa_hostile, hanging, MERKKI_HOSTILE_NEVER_ANSWER);

  launcher = make_launcher (data_home, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "MERKKI_REGISTRY_SG_CSA", merkki_hostile_server_get_url (csa_hostile), TRUE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autofree char *last = NULL;
      gint64 n = 0;

      db = open_db (data_home);
      if (db != NULL && query_int (db, "SELECT count(*) FROM sqlite_master WHERE name = 'history'") > 0)
        n = count_history (db, session, NULL);
      g_clear_pointer (&db, sqlite3_close);
      last = merkki_hostile_server_dup_last_request (csa_hostile);
      /* The first code recorded, and the question about the second asked. */
      if (n == 1 && last != NULL && strstr (last, second_number) != NULL)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
  kill_process (process);
  merkki_hostile_server_free (csa_hostile);

  db = open_db (data_home);
  g_assert_cmpint (count_history (db, session, NULL), ==, 1);
  g_assert_cmpint (count_history (db, session, g_ptr_array_index (hex, 0)), ==, 1);
  sqlite3_close (db);

  /* The same command again: the first code is skipped, the other two checked. */
  resume_photo (data_home, session, photo, 1, 2, 3);

  db = open_db (data_home);
  for (guint i = 0; i < hex->len; i++)
    g_assert_cmpint (count_history (db, session, g_ptr_array_index (hex, i)), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(DISTINCT e.sha256) FROM evidence e JOIN history h "
                                  "ON h.id = e.history_id WHERE h.session = 'Hylly 3'"), ==, 1);
  sqlite3_close (db);

  /* Once more: the photo is done, nothing is checked twice. */
  resume_photo (data_home, session, photo, 3, 0, 3);

  /* The session is listed with its three checks. */
  {
    g_autofree char *out = NULL;
    json_t *sessions;
    json_t *entry;

    g_assert_cmpint (run_cli (data_home, (const char *[]) { "history", "--sessions", "--export", "json", NULL },
                              NULL, NULL, &out), ==, 0);
    sessions = json_loads (out, 0, NULL);
    g_assert_nonnull (sessions);
    g_assert_cmpuint (json_array_size (sessions), ==, 1);
    entry = json_array_get (sessions, 0);
    g_assert_cmpstr (json_string_value (json_object_get (entry, "name")), ==, session);
    g_assert_cmpint (json_integer_value (json_object_get (entry, "n_checks")), ==, 3);
    g_assert_nonnull (json_string_value (json_object_get (entry, "started_at")));
    g_assert_true (json_is_null (json_object_get (entry, "ended_at")));
    json_decref (sessions);

    g_clear_pointer (&out, g_free);
    g_assert_cmpint (run_cli (data_home, (const char *[]) { "history", "--sessions", NULL }, NULL, NULL, &out), ==, 0);
    g_assert_true (g_str_has_prefix (out, "Hylly 3  "));
    g_assert_nonnull (strstr (out, " · 3 checks\n"));
    g_assert_cmpint (run_cli (data_home, (const char *[]) { "history", "--sessions", "--export", "csv", NULL },
                              NULL, NULL, NULL), ==, 2);
    g_assert_cmpint (run_cli (data_home, (const char *[]) { "history", "--sessions", "--session", session, NULL },
                              NULL, NULL, NULL), ==, 2);
  }
}

/* Field work: an answer from an offline copy older than the limit is
 * marked, and the verdict says how old it is. */
static void
test_stale_offline_copy (void)
{
  g_autofree char *data_home = g_build_filename (merkki_test_get_tmpdir (), "field", NULL);
  g_autofree char *csa_path = merkki_test_data_path ("csa.json");
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GDateTime) generated = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  json_error_t json_error;
  json_t *data = json_load_file (csa_path, 0, &json_error);
  json_t *result;
  int days;

  g_assert_nonnull (data);
  generated = g_date_time_new_from_iso8601 (json_string_value (json_object_get (data, "generated")), NULL);
  g_assert_nonnull (generated);
  days = (int) (g_date_time_difference (now, generated) / G_TIME_SPAN_DAY);
  g_assert_cmpint (days, >=, 2);
  json_decref (data);

  g_assert_cmpint (g_mkdir_with_parents (data_home, 0700), ==, 0);
  g_assert_cmpint (run_cli (data_home, (const char *[]) { "sync", NULL }, NULL, NULL, NULL), ==, 0);

  /* Within the limit: valid, nothing to say. */
  g_assert_cmpint (run_cli (data_home, (const char *[]) { "lookup", "--offline", "--json", "CSA/300929/2001", NULL },
                            NULL, NULL, &out), ==, 0);
  result = json_loads (out, 0, &json_error);
  g_assert_nonnull (result);
  g_assert_cmpstr (json_string_value (json_object_get (result, "verdict")), ==, "valid");
  g_assert_false (json_is_true (json_object_get (result, "stale_offline_copy")));
  json_decref (result);

  /* Older than the limit: still valid by the copy, but flagged with its age. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (data_home, (const char *[]) { "lookup", "--offline", "--json", "--max-offline-age", "1",
                                                          "CSA/300929/2001", NULL },
                            NULL, NULL, &out), ==, 0);
  result = json_loads (out, 0, &json_error);
  g_assert_nonnull (result);
  g_assert_true (json_is_true (json_object_get (result, "stale_offline_copy")));
  g_assert_cmpint (json_integer_value (json_object_get (result, "offline_copy_age_days")), ==, days);
  g_assert_true (json_is_true (json_object_get (json_array_get (json_object_get (result, "registries"), 0),
                                                "stale_offline_copy")));
  json_decref (result);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (data_home, (const char *[]) { "lookup", "--offline", "--max-offline-age", "1",
                                                          "CSA/300929/2001", NULL },
                            NULL, NULL, &out), ==, 0);
  expected = g_strdup_printf ("From an offline copy %d days old: check again online", days);
  g_assert_nonnull (strstr (out, expected));

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (data_home, (const char *[]) { "lookup", "--max-offline-age", "-1", "x", NULL },
                            NULL, NULL, &out), ==, 2);
}

int
main (int    argc,
      char **argv)
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/cli-session/batch-kill-resume-export", test_session_batch);
  g_test_add_func ("/cli-session/multi-code-photo-kill-resume", test_multi_code_photo_resume);
  g_test_add_func ("/cli-session/stale-offline-copy", test_stale_offline_copy);

  return merkki_test_run_with_registries (&csa_server, &traficom_server);
}
