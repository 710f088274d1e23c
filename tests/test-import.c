/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "merkki-core.h"
#include "merkki-test-utils.h"

static MerkkiRegistryData *
import_string (const char  *scheme,
               const char  *csv,
               GError     **error)
{
  return merkki_import_csv (scheme, "sg-csa", csv, strlen (csv), error);
}

static MerkkiRegistryData *
import_file (const char  *scheme,
             const char  *name,
             GError     **error)
{
  g_autofree char *path = merkki_test_data_path (name);
  g_autofree char *contents = NULL;
  g_autoptr(GError) read_error = NULL;
  gsize len;

  g_file_get_contents (path, &contents, &len, &read_error);
  g_assert_no_error (read_error);

  return merkki_import_csv (scheme, "sg-csa", contents, len, error);
}

static char *
date_string (const GDate *date)
{
  return date != NULL ? merkki_date_to_iso (date) : NULL;
}

typedef struct {
  const char         *id;
  int                 level;
  MerkkiRecordStatus  status;
  const char         *brand;
  const char         *model;
  const char         *category;
  const char         *manufacturer;
  const char         *issued;
  const char         *expires;
  const char         *url;
} Expected;

static void
assert_record (const MerkkiRecord *record,
               const char         *scheme,
               const Expected     *expected)
{
  g_autofree char *issued = date_string (record->issued);
  g_autofree char *expires = date_string (record->expires);

  g_test_message ("%s", expected->id);
  g_assert_cmpstr (record->scheme, ==, scheme);
  g_assert_cmpstr (record->id, ==, expected->id);
  g_assert_cmpint (record->level, ==, expected->level);
  g_assert_cmpint (record->status, ==, expected->status);
  g_assert_cmpstr (record->brand, ==, expected->brand);
  g_assert_cmpstr (record->model, ==, expected->model);
  g_assert_cmpstr (record->category, ==, expected->category);
  g_assert_cmpstr (record->manufacturer, ==, expected->manufacturer);
  g_assert_cmpstr (issued, ==, expected->issued);
  g_assert_cmpstr (expires, ==, expected->expires);
  g_assert_cmpstr (record->url, ==, expected->url);
}

static void
test_sample (void)
{
  const Expected expected[] = {
    { "CSA/300929/2001", 3, MERKKI_RECORD_STATUS_ACTIVE, "Test Pohjola", "Gateway X3",
      "Smart home hub", "Pohjola Test Devices", "2026-09-30", "2029-09-30",
      "https://example.com/pohjola/gateway-x3" },
    /* Commas and doubled quotes inside quotes; expires from the ID. */
    { "CSA/310829/2002", 4, MERKKI_RECORD_STATUS_ACTIVE, "Test Revontuli", "Camera Pro 4",
      "IP camera, outdoor", "Revontuli \"Test\" Oy", "2026-08-31", "2029-08-31", NULL },
    /* A line break inside quotes; "Active". */
    { "CSA/310729/2003", 1, MERKKI_RECORD_STATUS_ACTIVE, "Test Sininen", "Plug Mini",
      "Smart plug\n(two-pin)", "Sininen Test Pte Ltd", "2026-07-31", "2029-07-31", NULL },
    /* " csa/300629/2005 " in the file. */
    { "CSA/300629/2005", 3, MERKKI_RECORD_STATUS_REVOKED, "Test Lukko", "Door Lock L3",
      "Smart lock", "Lukko Test Security", "2026-06-30", "2029-06-30", NULL },
    { "CSA/310529/2006", 2, MERKKI_RECORD_STATUS_SUSPENDED, "Test Tauko", "Baby Monitor B2",
      NULL, NULL, NULL, "2029-05-31", NULL },
    /* Every field quoted, empty ones too. */
    { "CSA/301129/2009", 2, MERKKI_RECORD_STATUS_ACTIVE, "Test Ääni", "Kaiutin Ö1",
      "Smart speaker", NULL, NULL, "2029-11-30", NULL },
  };
  g_autoptr(MerkkiRegistryData) data = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) generated = NULL;

  data = import_file ("sg-cls", "csa-sample.csv", &error);
  g_assert_no_error (error);

  g_assert_cmpstr (data->registry, ==, "sg-csa");
  g_assert_false (data->demo);
  generated = g_date_time_new_from_iso8601 (data->generated, NULL);
  g_assert_nonnull (generated);

  g_assert_cmpuint (data->records->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    assert_record (g_ptr_array_index (data->records, i), "sg-cls", &expected[i]);
}

static void
test_sample_matches_fixture (void)
{
  g_autoptr(MerkkiRegistryData) imported = NULL;
  g_autoptr(MerkkiRegistryData) fixture = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = merkki_test_data_path ("csa.json");

  imported = import_file ("sg-cls", "csa-sample.csv", &error);
  g_assert_no_error (error);
  fixture = merkki_registry_data_load (path, &error);
  g_assert_no_error (error);

  /* The sample describes products of the registry fixture: same level,
   * status, brand, model and expiry. */
  for (guint i = 0; i < imported->records->len; i++)
    {
      MerkkiRecord *record = g_ptr_array_index (imported->records, i);
      MerkkiRecord *known = NULL;

      for (guint j = 0; j < fixture->records->len && known == NULL; j++)
        {
          MerkkiRecord *candidate = g_ptr_array_index (fixture->records, j);

          if (g_str_equal (candidate->id, record->id))
            known = candidate;
        }

      g_assert_nonnull (known);
      g_assert_cmpint (record->level, ==, known->level);
      g_assert_cmpint (record->status, ==, known->status);
      g_assert_cmpstr (record->brand, ==, known->brand);
      g_assert_cmpstr (record->model, ==, known->model);
      g_assert_cmpint (g_date_compare (record->expires, known->expires), ==, 0);
    }
}

/* Every bad line of csa-bad.csv, with what its message must say. */
static const struct {
  guint       line;
  const char *says;
} bad_lines[] = {
  { 3, "expires “2027-02-30” is not a date" },
  { 4, "id “CSA/2010” is not a CLS registration ID" },
  { 5, "id “CSA/310230/2011” is not a CLS registration ID" },
  { 6, "expires “2029-09-29” disagrees with the expiry date in the ID (2029-09-30)" },
  { 7, "level “5” is not a number from 1 to 4" },
  { 8, "status “expired” is not one of active, suspended, revoked" },
  { 9, "brand is empty" },
  { 10, "id “CSA/300929/2001” is already on line 2" },
  { 11, "5 fields, but the header has 7 columns" },
  { 12, "quote" },
  { 13, "issued “2029-10-01” is after expires “2029-09-30”" },
};

static void
test_bad_rows (void)
{
  g_autoptr(MerkkiRegistryData) data = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;

  data = import_file ("sg-cls", "csa-bad.csv", &error);
  g_assert_null (data);
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT);

  lines = g_strsplit (error->message, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "11 rows are wrong; nothing was imported:");
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + G_N_ELEMENTS (bad_lines));

  for (guint i = 0; i < G_N_ELEMENTS (bad_lines); i++)
    {
      g_autofree char *prefix = g_strdup_printf ("line %u: ", bad_lines[i].line);

      g_test_message ("%s", lines[i + 1]);
      g_assert_true (g_str_has_prefix (lines[i + 1], prefix));
      g_assert_nonnull (strstr (lines[i + 1], bad_lines[i].says));
    }

  /* The good lines (2 and 14) are not reported. */
  g_assert_null (strstr (error->message, "line 2:"));
  g_assert_null (strstr (error->message, "line 14:"));
}

static void
test_several_problems_in_a_row (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRegistryData) data = NULL;

  data = import_string ("sg-cls",
                        "id,brand,model,level,status\n"
                        "CSA/300929/1,,Hub,9,gone\n", &error);
  g_assert_null (data);
  g_assert_cmpstr (error->message, ==,
                   "1 row is wrong; nothing was imported:\n"
                   "line 2: brand is empty\n"
                   "line 2: status “gone” is not one of active, suspended, revoked\n"
                   "line 2: level “9” is not a number from 1 to 4");
}

static void
test_quoting (void)
{
  struct {
    const char *csv;
    const char *brand;
    const char *model;
  } cases[] = {
    /* LF, CRLF, lone CR, no final line end. */
    { "id,brand,model,status\nx1,A,B,active\n", "A", "B" },
    { "id,brand,model,status\r\nx1,A,B,active\r\n", "A", "B" },
    { "id,brand,model,status\rx1,A,B,active\r", "A", "B" },
    { "id,brand,model,status\nx1,A,B,active", "A", "B" },
    /* Quoted: commas, doubled quotes, line breaks of each kind, a quote alone. */
    { "id,brand,model,status\nx1,\"A, Inc.\",\"B \"\"2\"\"\",active\n", "A, Inc.", "B \"2\"" },
    { "id,brand,model,status\nx1,\"A\r\nB\",\"\"\"\",active\n", "A\r\nB", "\"" },
    { "id,brand,model,status\nx1,\"A\nB\",\"C\rD\",\"active\"", "A\nB", "C\rD" },
    /* Blanks around values and around a quoted field are dropped. */
    { "id , Brand ,MODEL,status\n x1 ,  A  , \"B\" ,active\n", "A", "B" },
    /* BOM, blank lines before the header and between rows. */
    { "\xEF\xBB\xBF\n\nid,brand,model,status\n\n\nx1,A,B,active\n\n", "A", "B" },
    /* Non-ASCII text is kept as it is. */
    { "id,brand,model,status\nx1,Löyly,Sauna “Pro”,active\n", "Löyly", "Sauna “Pro”" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MerkkiRegistryData) data = NULL;
      MerkkiRecord *record;

      g_test_message ("case %" G_GSIZE_FORMAT, i);
      data = merkki_import_csv ("fi-ttm", "fi-traficom", cases[i].csv, strlen (cases[i].csv), &error);
      g_assert_no_error (error);
      g_assert_cmpuint (data->records->len, ==, 1);
      record = g_ptr_array_index (data->records, 0);
      g_assert_cmpstr (record->id, ==, "x1");
      g_assert_cmpstr (record->brand, ==, cases[i].brand);
      g_assert_cmpstr (record->model, ==, cases[i].model);
      g_assert_cmpint (record->level, ==, 0);
      g_assert_null (record->expires);
    }
}

/* Files and rows that are refused, with what the error must say. */
static void
test_errors (void)
{
  static const char with_nul[] = "id,brand,model,status\n\nx1,A\0B,M,active\n";
  struct {
    const char *scheme;
    const char *csv;
    gssize      len;
    const char *message;      /* in the error's message */
    gboolean    whole;        /* ...and all of it */
    const char *not_said;     /* not in the message */
  } cases[] = {
    { "sg-cls", "", -1, "The CSV file is empty" },
    { "sg-cls", "\xEF\xBB\xBF", -1, "The CSV file is empty" },
    { "sg-cls", "\n\r\n\n", -1, "The CSV file is empty" },
    { "sg-cls", "id,brand,model,level,status\n", -1, "The CSV file has a header but no products" },
    { "sg-cls", "id,brand,model,status\nCSA/300929/1,A,B,active\n", -1,
      "The header row has no column level" },
    { "fi-ttm", "brand,model,expires\n", -1, "The header row has no column id, status" },
    { "fi-ttm", "id,brand,model,status,expiry\n", -1, "unknown column “expiry”" },
    { "fi-ttm", "id,brand,model,status,ID\n", -1, "the column “id” twice" },
    { "fi-ttm", "id,\"brand\"x,model,status\n", -1, "The header row (line 1) is not valid CSV" },
    { "fi-ttm", "id,brand,model,status\nx1,L\xF6yly,M,active\n", -1,
      "Line 2 is not UTF-8 text" },
    { "fi-ttm", with_nul, sizeof with_nul - 1, "Line 3 is not UTF-8 text" },
    { "xx-nope", "id,brand,model,status\nx1,A,M,active\n", -1, "Unknown label scheme “xx-nope”" },
    /* CSV syntax, reported by line. */
    { "fi-ttm", "id,brand,model,status\nx1,\"A\"B,M,active\nx2,A,M,active\n", -1,
      "1 row is wrong; nothing was imported:\nline 2: there is text after a closing quote" },
    { "fi-ttm", "id,brand,model,status\nx1,A\"B,M,active\n", -1,
      "line 2: a field that is not quoted has a quote in it" },
    { "fi-ttm", "id,brand,model,status\nx1,A,M,active\nx2,\"A,M,active\nx3,A,M,active\n", -1,
      "line 3: a quoted field that starts on line 3 is never closed" },
    { "fi-ttm", "id,brand,model,status\nx1,A,M,active,\n", -1,
      "line 2: 5 fields, but the header has 4 columns" },
    { "fi-ttm", "id,brand,model,status\nx1\n", -1,
      "line 2: 1 field, but the header has 4 columns" },
    /* Rows that span lines push the following rows' line numbers down. */
    { "fi-ttm",
      "id,brand,model,status\n"
      "x1,\"A\n\nB\",M,active\n"
      "x2,A,M,maybe\r\n"
      "x3,\"A\r\nB\",M,active\r\n"
      "x4,A,M,nope\n", -1,
      "2 rows are wrong; nothing was imported:\n"
      "line 5: status “maybe” is not one of active, suspended, revoked\n"
      "line 8: status “nope” is not one of active, suspended, revoked", TRUE },
    /* fi-ttm labels have no levels: empty or 0 only. */
    { "fi-ttm",
      "id,brand,model,level,status\n"
      "x1,A,M,,active\n"
      "x2,A,N,0,active\n"
      "x3,A,O,3,active\n", -1,
      "1 row is wrong; nothing was imported:\n"
      "line 4: level “3”: fi-ttm labels have no levels; leave the column empty", TRUE },
    /* CLS levels are 1 to 4, whole numbers. */
    { "sg-cls",
      "id,brand,model,level,status\n"
      "CSA/300929/1,A,M,0,active\n"
      "CSA/300929/2,A,M,2.0,active\n"
      "CSA/300929/3,A,M,,active\n"
      "CSA/300929/4,A,M,-1,active\n"
      "CSA/300929/5,A,M,4,active\n", -1,
      "4 rows are wrong", FALSE, "line 6" },
    /* An ID inside other text is not an ID cell. */
    { "sg-cls",
      "id,brand,model,level,status\n"
      "See CSA/300929/1,A,M,1,active\n"
      "CSA/300929/2/3,A,M,1,active\n"
      "https://example.com/?id=CSA/300929/4,A,M,1,active\n"
      "CSA/290229/5,A,M,1,active\n", -1,
      "4 rows are wrong" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MerkkiRegistryData) data = NULL;
      gsize len = cases[i].len >= 0 ? (gsize) cases[i].len : strlen (cases[i].csv);

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, cases[i].message);
      data = merkki_import_csv (cases[i].scheme, "sg-csa", cases[i].csv, len, &error);
      g_assert_null (data);
      g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT);
      g_assert_nonnull (strstr (error->message, cases[i].message));
      if (cases[i].whole)
        g_assert_cmpstr (error->message, ==, cases[i].message);
      if (cases[i].not_said != NULL)
        g_assert_null (strstr (error->message, cases[i].not_said));
    }
}

static void
test_cls_ids (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRegistryData) data = NULL;
  MerkkiRecord *record;

  /* Case and blanks are tolerated in an ID, as on a label, and the
   * canonical form is stored (an ID inside other text is refused: see
   * test_errors()). */
  data = import_string ("sg-cls",
                        "id,brand,model,level,status\n"
                        "csa / 290228 / 0042,A,M,1,active\n", &error);
  g_assert_no_error (error);
  record = g_ptr_array_index (data->records, 0);
  g_assert_cmpstr (record->id, ==, "CSA/290228/0042");
  g_assert_cmpint (g_date_get_year (record->expires), ==, 2028);
  g_assert_cmpint (g_date_get_month (record->expires), ==, 2);
  g_assert_cmpint (g_date_get_day (record->expires), ==, 29);
}

static void
test_record_rules (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRegistryData) data = NULL;
  g_autofree char *long_brand = g_strnfill (2000, 'a');
  g_autofree char *csv = g_strdup_printf ("id,brand,model,status\nx1,%s,M,active\n", long_brand);

  /* The record's own rules (length of a field) reach the importer too. */
  data = import_string ("fi-ttm", csv, &error);
  g_assert_null (data);
  g_assert_nonnull (strstr (error->message, "line 2: "));
}

static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRegistryData) data = NULL;
  g_autoptr(MerkkiRegistryData) again = NULL;
  g_autofree char *text = NULL;
  json_t *json;

  /* What the importer makes, the registry data parser accepts. */
  data = import_file ("sg-cls", "csa-sample.csv", &error);
  g_assert_no_error (error);
  json = merkki_registry_data_to_json (data);
  text = json_dumps (json, 0);
  json_decref (json);

  again = merkki_registry_data_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->records->len, ==, data->records->len);
  g_assert_cmpstr (again->registry, ==, "sg-csa");
}

int
main (int    argc,
      char **argv)
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/import/sample", test_sample);
  g_test_add_func ("/import/sample-matches-fixture", test_sample_matches_fixture);
  g_test_add_func ("/import/bad-rows", test_bad_rows);
  g_test_add_func ("/import/several-problems-in-a-row", test_several_problems_in_a_row);
  g_test_add_func ("/import/quoting", test_quoting);
  g_test_add_func ("/import/errors", test_errors);
  g_test_add_func ("/import/cls-ids", test_cls_ids);
  g_test_add_func ("/import/record-rules", test_record_rules);
  g_test_add_func ("/import/round-trip", test_round_trip);

  return g_test_run ();
}
