/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "merkki-core.h"
#include "merkki-test-utils.h"

/* Two history entries as merkki_store_list_history() returns them: a found
 * label, and a hostile not-a-label payload. */
static const char history_json[] =
  "[{\"history_id\": 2, \"checked_at\": \"2026-11-27T21:30:00Z\", \"session\": null,"
  "  \"input\": \"=HYPERLINK(\\\"http://x\\\")\", \"input_hex\": \"3d\", \"reference\": null,"
  "  \"verdict\": \"not-a-label\", \"registries\": [], \"demo\": false},"
  " {\"history_id\": 1, \"checked_at\": \"2026-11-27T21:00:00Z\", \"session\": \"shop\","
  "  \"input\": \"CSA/300929/2001\", \"input_hex\": \"43\","
  "  \"reference\": {\"scheme\": \"sg-cls\", \"id\": \"CSA/300929/2001\"}, \"verdict\": \"valid\","
  "  \"registries\": [{\"registry\": \"sg-csa\", \"role\": \"issuer\", \"outcome\": \"found\","
  "    \"source\": \"online\", \"record\": {\"level\": 3, \"status\": \"active\", \"expires\": \"2029-09-30\","
  "    \"product\": {\"brand\": \"Test \\\"Pohjola\\\"\", \"model\": \"Gateway, X3\"}}},"
  "   {\"registry\": \"fi-traficom\", \"role\": \"partner\", \"outcome\": \"error\", \"source\": \"online\","
  "    \"record\": null}],"
  "  \"demo\": true, \"note\": \"Shelf 3\", \"evidence\": \"evidence/ab.jpg\"}]";

static json_t *
load_history (void)
{
  json_error_t error;
  json_t *history = json_loads (history_json, 0, &error);

  g_assert_nonnull (history);
  return history;
}

static void
test_csv (void)
{
  json_t *history = load_history ();
  g_autofree char *csv = NULL;
  g_auto(GStrv) lines = NULL;
  gsize length = 0;

  csv = merkki_history_export (history, MERKKI_EXPORT_CSV, &length);
  g_assert_cmpuint (length, ==, strlen (csv));

  lines = g_strsplit (csv, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);  /* header, two rows, the empty tail */
  g_assert_cmpstr (lines[0], ==,
                   "\"history_id\",\"checked_at\",\"session\",\"input\",\"input_hex\",\"scheme\",\"reference\","
                   "\"verdict\",\"brand\",\"model\",\"level\",\"status\",\"expires\",\"sources\",\"demo\","
                   "\"note\",\"evidence\"");
  /* A payload a spreadsheet would run as a formula is defused, quotes doubled. */
  g_assert_cmpstr (lines[1], ==,
                   "\"2\",\"2026-11-27T21:30:00Z\",\"\",\"'=HYPERLINK(\"\"http://x\"\")\",\"3d\",\"\",\"\","
                   "\"not-a-label\",\"\",\"\",\"\",\"\",\"\",\"\",\"false\",\"\",\"\"");
  /* Commas and quotes inside fields stay inside their field; the issuer's
   * record gives the product. */
  g_assert_cmpstr (lines[2], ==,
                   "\"1\",\"2026-11-27T21:00:00Z\",\"shop\",\"CSA/300929/2001\",\"43\",\"sg-cls\",\"CSA/300929/2001\","
                   "\"valid\",\"Test \"\"Pohjola\"\"\",\"Gateway, X3\",\"3\",\"active\",\"2029-09-30\","
                   "\"sg-csa found online; fi-traficom error online\",\"true\",\"Shelf 3\","
                   "\"evidence/ab.jpg\"");
  g_assert_cmpstr (lines[3], ==, "");

  json_decref (history);
}

static void
test_json (void)
{
  json_t *history = load_history ();
  g_autofree char *text = merkki_history_export (history, MERKKI_EXPORT_JSON, NULL);
  json_error_t error;
  json_t *parsed = json_loads (text, 0, &error);

  /* The export reads back as the same history. */
  g_assert_nonnull (parsed);
  g_assert_true (json_equal (parsed, history));

  json_decref (parsed);
  json_decref (history);
}

static void
test_format_names (void)
{
  MerkkiExportFormat format;

  g_assert_true (merkki_export_format_from_string ("csv", &format));
  g_assert_cmpint (format, ==, MERKKI_EXPORT_CSV);
  g_assert_true (merkki_export_format_from_string ("json", &format));
  g_assert_cmpint (format, ==, MERKKI_EXPORT_JSON);
  g_assert_false (merkki_export_format_from_string ("pdf", &format));
  g_assert_false (merkki_export_format_from_string (NULL, &format));
}

int
main (int   argc,
      char *argv[])
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/history-export/csv", test_csv);
  g_test_add_func ("/history-export/json", test_json);
  g_test_add_func ("/history-export/format-names", test_format_names);

  return g_test_run ();
}
