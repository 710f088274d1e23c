/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "merkki-core.h"
#include "merkki-report.h"
#include "merkki-test-media.h"
#include "merkki-test-utils.h"

/* The report from history entries as merkki_store_list_history() returns
 * them: the PDF rendered with poppler (pdftoppm, pdftotext) and read back,
 * the CSV parsed, the JSON parsed. */

typedef struct {
  const char *reference;
  const char *verdict;
  const char *brand;     /* NULL: no registry knew the product */
  const char *model;
  int         level;
  const char *note;
  gboolean    photo;
} Check;

static const Check checks[] = {
  { "CSA/311228/1001", "valid", "Acme", "Cam 2", 3, NULL, TRUE },
  { "CSA/311228/1002", "not-found", NULL, NULL, 0, "Box looks reprinted; kept as sample 4", TRUE },
  { "CSA/010120/1003", "expired", "Acme", "Plug", 1, NULL, TRUE },
  { "CSA/311228/1004", "revoked", "Northwind", "Hub", 2, NULL, FALSE },
  { "https://tietoturvamerkki.fi.example.com/x", "suspicious", NULL, NULL, 0, NULL, TRUE },
  { "CSA/311228/1006", "valid", "தமிழ் நிறுவனம்", "கேமரா ஒன்று", 4, "பெட்டியில் சரி", TRUE },
  { "CSA/311228/1007", "valid", "小米", "智能摄像机 2", 2, NULL, TRUE },
  { "CSA/311228/1008", "mismatch", "Acme", "Cam 3", 3, NULL, TRUE },
  { "CSA/311228/1009", "unverified", NULL, NULL, 0, NULL, TRUE },
  { "https://shop.example.com/item/9", "not-a-label", NULL, NULL, 0, NULL, TRUE },
};

static json_t *
make_entry (const Check *check,
            int          history_id,
            const char  *evidence)
{
  json_t *entry = json_object ();
  json_t *registries = json_array ();
  json_t *issuer = json_object ();
  gboolean is_label = g_str_has_prefix (check->reference, "CSA/");
  g_autofree char *checked_at = g_strdup_printf ("2026-11-27T09:%02d:00Z", history_id);
  g_autofree char *input_hex = merkki_test_hex ((const guint8 *) check->reference, strlen (check->reference));

  json_object_set_new (entry, "input", json_string (check->reference));
  json_object_set_new (entry, "input_hex", json_string (input_hex));
  if (is_label)
    json_object_set_new (entry, "reference",
                         json_pack ("{s:s, s:s, s:n}", "scheme", "sg-cls", "id", check->reference,
                                    "expires_from_id"));
  else
    json_object_set_new (entry, "reference", json_null ());
  json_object_set_new (entry, "verdict", json_string (check->verdict));

  json_object_set_new (issuer, "registry", json_string ("sg-csa"));
  json_object_set_new (issuer, "name", json_string ("CSA registry"));
  json_object_set_new (issuer, "role", json_string ("issuer"));
  json_object_set_new (issuer, "outcome", json_string (check->brand != NULL ? "found" : "not-found"));
  json_object_set_new (issuer, "source", json_string ("online"));
  json_object_set_new (issuer, "fetched_at", json_string (checked_at));
  if (check->brand != NULL)
    json_object_set_new (issuer, "record",
                         json_pack ("{s:s, s:s, s:i, s:s, s:{s:s, s:s}, s:s}",
                                    "scheme", "sg-cls", "id", check->reference, "level", check->level,
                                    "status", "active", "product", "brand", check->brand,
                                    "model", check->model, "expires", "2028-12-31"));
  else
    json_object_set_new (issuer, "record", json_null ());
  json_object_set_new (issuer, "error", json_null ());
  json_object_set_new (issuer, "demo", json_false ());
  if (g_str_equal (check->reference, "CSA/311228/1007"))
    {
      /* Checked offline from a copy older than the limit. */
      json_object_set_new (issuer, "source", json_string ("snapshot"));
      json_object_set_new (issuer, "offline_copy_age_days", json_integer (45));
      json_object_set_new (issuer, "stale_offline_copy", json_true ());
      json_object_set_new (entry, "offline_copy_age_days", json_integer (45));
      json_object_set_new (entry, "stale_offline_copy", json_true ());
    }
  if (is_label)
    json_array_append_new (registries, issuer);
  else
    json_decref (issuer);

  json_object_set_new (entry, "registries", registries);
  json_object_set_new (entry, "recognition", json_array ());
  json_object_set_new (entry, "explanation", json_string ("The explanation of this verdict."));
  json_object_set_new (entry, "checked_at", json_string (checked_at));
  json_object_set_new (entry, "demo", json_false ());
  json_object_set_new (entry, "history_id", json_integer (history_id));
  json_object_set_new (entry, "session", json_string ("Kauppakeskus Itis 27.11."));
  if (evidence != NULL)
    json_object_set_new (entry, "evidence", json_string (evidence));
  if (check->note != NULL)
    json_object_set_new (entry, "note", json_string (check->note));
  return entry;
}

/* Entries newest first, as the store lists them, with photos in @base. */
static json_t *
make_entries (const char *base,
              guint       repeat)
{
  json_t *entries = json_array ();
  int history_id = 0;
  g_autofree char *dir = g_build_filename (base, "evidence", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint r = 0; r < repeat; r++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (checks); i++)
        {
          g_autofree char *relative = NULL;

          history_id++;
          if (checks[i].photo)
            {
              g_autoptr(GError) error = NULL;
              g_autofree char *path = NULL;

              relative = g_strdup_printf ("evidence/%d.png", history_id);
              path = g_build_filename (base, relative, NULL);
              g_assert_true (merkki_test_write_qr_image (path, (const guint8 *) checks[i].reference,
                                                         strlen (checks[i].reference), 4, &error));
              g_assert_no_error (error);
            }
          json_array_insert_new (entries, 0, make_entry (&checks[i], history_id, relative));
        }
    }
  return entries;
}

static char *
write_report (json_t                 *entries,
              const MerkkiReportInfo *info,
              MerkkiReportFormat      format,
              const char             *name)
{
  g_autofree char *path = g_build_filename (merkki_test_get_tmpdir (), name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GError) error = NULL;

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (merkki_report_write (entries, info, format, G_OUTPUT_STREAM (out), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

/* Renders every page with pdftoppm; returns the number of pages. */
static guint
render_pages (const char *pdf,
              const char *prefix)
{
  const char *argv[] = { "pdftoppm", "-png", "-r", "40", pdf, prefix, NULL };
  g_autofree char *dir = g_path_get_dirname (prefix);
  g_autofree char *base = g_path_get_basename (prefix);
  g_autoptr(GDir) listing = NULL;
  const char *name;
  guint n = 0;

  g_free (merkki_test_run_program (argv));
  listing = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (listing);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      if (g_str_has_prefix (name, base) && g_str_has_suffix (name, ".png"))
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          g_autofree char *png = NULL;
          gsize len = 0;

          /* A PNG of A4 portrait at 40 dpi: the IHDR's width and height. */
          g_assert_true (g_file_get_contents (path, &png, &len, NULL));
          g_assert_cmpuint (len, >, 24);
          g_assert_cmpmem (png, 8, "\x89PNG\r\n\x1a\n", 8);
          g_assert_cmpuint (GUINT32_FROM_BE (*(guint32 *) (gpointer) (png + 16)), ==, 331);
          g_assert_cmpuint (GUINT32_FROM_BE (*(guint32 *) (gpointer) (png + 20)), ==, 468);
          n++;
        }
    }
  return n;
}

static void
keep_for_inspection (const char *pdf)
{
  const char *dir = g_getenv ("MERKKI_TEST_KEEP_DIR");

  if (dir != NULL)
    {
      g_autofree char *base = g_path_get_basename (pdf);
      g_autofree char *dest = g_build_filename (dir, base, NULL);
      g_autofree char *contents = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (pdf, &contents, &len, NULL));
      g_assert_true (g_file_set_contents (dest, contents, len, NULL));
    }
}

static void
test_report_pdf (void)
{
  const char *tmp = merkki_test_get_tmpdir ();
  g_autoptr(GDateTime) started = g_date_time_new_utc (2026, 11, 27, 8, 55, 0);
  json_t *entries = make_entries (tmp, 3);
  MerkkiReportInfo info = {
    .session = "Kauppakeskus Itis 27.11.",
    .place = "Itäkeskus, Helsinki",
    .inspector = "Aino Virtanen",
    .started_at = started,
    .evidence_base = tmp,
  };
  g_autofree char *pdf = write_report (entries, &info, MERKKI_REPORT_FORMAT_PDF, "session.pdf");
  g_autofree char *prefix = g_build_filename (tmp, "page", NULL);
  g_autofree char *text = NULL;
  g_autofree char *page_of = NULL;
  g_autofree char *checks_line = NULL;
  g_autofree char *action_line = NULL;
  guint n_action = 0;
  guint n_pages;
  guint n_found = 0;

  keep_for_inspection (pdf);
  n_pages = render_pages (pdf, prefix);
  /* A title page, the findings and thirty rows cannot fit on two pages. */
  g_assert_cmpuint (n_pages, >=, 3);

  text = merkki_test_pdf_text (pdf);
  g_assert_nonnull (strstr (text, "Kauppakeskus Itis 27.11."));
  g_assert_nonnull (strstr (text, "Itäkeskus, Helsinki"));
  g_assert_nonnull (strstr (text, "Aino Virtanen"));
  /* Every page is numbered out of the number of pages there are. */
  page_of = g_strdup_printf ("Page %u of %u", n_pages, n_pages);
  g_assert_nonnull (strstr (text, page_of));
  /* Tamil and Han text is shaped and extractable, not boxes. */
  g_assert_nonnull (strstr (text, "தமிழ்"));
  g_assert_nonnull (strstr (text, "智能摄像机"));
  /* The counts: every check, and those that need action. */
  checks_line = g_strdup_printf ("Checks %zu", json_array_size (entries));
  g_assert_nonnull (strstr (text, checks_line));
  for (guint i = 0; i < G_N_ELEMENTS (checks); i++)
    {
      MerkkiVerdict verdict;

      g_assert_true (merkki_verdict_from_string (checks[i].verdict, &verdict));
      n_action += merkki_verdict_needs_action (verdict) ? 3 : 0;
    }
  action_line = g_strdup_printf ("Need action %u", n_action);
  g_assert_nonnull (strstr (text, action_line));
  g_assert_nonnull (strstr (text, "Findings that need action"));
  /* Every reference appears: once per row, and again for findings. */
  for (guint i = 0; i < G_N_ELEMENTS (checks); i++)
    {
      const char *p = text;
      guint n = 0;

      if (!g_str_has_prefix (checks[i].reference, "CSA/"))
        continue;
      while ((p = strstr (p, checks[i].reference)) != NULL)
        {
          n++;
          p++;
        }
      g_assert_cmpuint (n, >=, 3);
      n_found++;
    }
  g_assert_cmpuint (n_found, ==, 8);
  /* Notes are printed, and the findings come before the list of all checks. */
  g_assert_nonnull (strstr (text, "Box looks reprinted"));
  g_assert_nonnull (strstr (text, "பெட்டியில் சரி"));
  /* A verdict from an old offline copy says so. */
  g_assert_nonnull (strstr (text, "From an offline copy 45 days old: check again online"));
  g_assert_nonnull (strstr (text, "Old offline copy: check again online"));
  g_assert_true (strstr (text, "Findings that need action") < strstr (text, "All checks"));
  g_assert_true (strstr (text, "Possible counterfeit") < strstr (text, "All checks"));

  json_decref (entries);
}

static void
test_report_empty (void)
{
  json_t *entries = json_array ();
  g_autofree char *pdf = write_report (entries, NULL, MERKKI_REPORT_FORMAT_PDF, "empty.pdf");
  g_autofree char *text = merkki_test_pdf_text (pdf);

  g_assert_nonnull (strstr (text, "All checks in the history"));
  g_assert_nonnull (strstr (text, "Checks 0"));
  g_assert_nonnull (strstr (text, "Page 2 of 2"));
  json_decref (entries);
}

static void
test_report_csv (void)
{
  const char *tmp = merkki_test_get_tmpdir ();
  json_t *entries = make_entries (tmp, 1);
  g_autofree char *path = write_report (entries, NULL, MERKKI_REPORT_FORMAT_CSV, "session.csv");
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_has_suffix (contents, "\r\n"));
  contents[strlen (contents) - 2] = '\0';
  lines = g_strsplit (contents, "\r\n", -1);
  /* A header and one row per check, each with the same 17 fields. */
  g_assert_cmpuint (g_strv_length (lines), ==, G_N_ELEMENTS (checks) + 1);
  g_assert_true (g_str_has_prefix (lines[0], "\"history_id\",\"checked_at\",\"session\""));
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], "\",\"", -1);

      g_assert_cmpuint (g_strv_length (fields), ==, 17);
      /* Newest first, as the history lists them. */
      g_assert_cmpstr (fields[7], ==, checks[G_N_ELEMENTS (checks) - i].verdict);
    }
  g_assert_nonnull (strstr (contents, "\"Box looks reprinted; kept as sample 4\""));
  g_assert_nonnull (strstr (contents, "\"evidence/1.png\""));
  json_decref (entries);
}

static void
test_report_json (void)
{
  const char *tmp = merkki_test_get_tmpdir ();
  json_t *entries = make_entries (tmp, 1);
  g_autofree char *path = write_report (entries, NULL, MERKKI_REPORT_FORMAT_JSON, "session.json");
  json_error_t json_error;
  json_t *read = json_load_file (path, 0, &json_error);

  g_assert_nonnull (read);
  g_assert_true (json_equal (read, entries));
  json_decref (read);
  json_decref (entries);
}

static void
test_report_format_names (void)
{
  MerkkiReportFormat format;

  g_assert_true (merkki_report_format_from_string ("pdf", &format));
  g_assert_cmpint (format, ==, MERKKI_REPORT_FORMAT_PDF);
  g_assert_true (merkki_report_format_from_string ("csv", &format));
  g_assert_cmpint (format, ==, MERKKI_REPORT_FORMAT_CSV);
  g_assert_false (merkki_report_format_from_string ("PDF", &format));
  g_assert_false (merkki_report_format_from_string ("xlsx", &format));
  g_assert_false (merkki_report_format_from_string (NULL, &format));
}

int
main (int    argc,
      char **argv)
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/report/pdf", test_report_pdf);
  g_test_add_func ("/report/pdf-empty", test_report_empty);
  g_test_add_func ("/report/csv", test_report_csv);
  g_test_add_func ("/report/json", test_report_json);
  g_test_add_func ("/report/format-names", test_report_format_names);

  return g_test_run ();
}
