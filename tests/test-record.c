/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "merkki-core.h"
#include "merkki-test-utils.h"

static MerkkiRecord *
parse (const char  *text,
       GError     **error)
{
  json_error_t json_error;
  json_t *root = json_loads (text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &json_error);
  MerkkiRecord *record;

  g_assert_nonnull (root);
  record = merkki_record_from_json (root, error);
  json_decref (root);
  return record;
}

#define GOOD_RECORD \
  "{\"scheme\":\"sg-cls\",\"id\":\"CSA/311228/1001\",\"level\":3,\"status\":\"active\"," \
  "\"product\":{\"brand\":\"Acme\",\"model\":\"Hub\",\"category\":\"Hub\"}," \
  "\"manufacturer\":\"Acme Ltd\",\"issued\":\"2025-12-31\",\"expires\":\"2028-12-31\",\"url\":null}"

static void
test_record_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRecord) record = parse (GOOD_RECORD, &error);
  g_autoptr(MerkkiRecord) again = NULL;
  g_autofree char *expires = NULL;
  json_t *json;

  g_assert_no_error (error);
  g_assert_cmpstr (record->scheme, ==, "sg-cls");
  g_assert_cmpstr (record->id, ==, "CSA/311228/1001");
  g_assert_cmpint (record->level, ==, 3);
  g_assert_cmpint (record->status, ==, MERKKI_RECORD_STATUS_ACTIVE);
  g_assert_cmpstr (record->brand, ==, "Acme");
  g_assert_cmpstr (record->model, ==, "Hub");
  g_assert_null (record->url);
  expires = merkki_date_to_iso (record->expires);
  g_assert_cmpstr (expires, ==, "2028-12-31");

  json = merkki_record_to_json (record);
  again = merkki_record_from_json (json, &error);
  json_decref (json);
  g_assert_no_error (error);
  g_assert_cmpstr (again->id, ==, record->id);
  g_assert_cmpint (g_date_compare (again->expires, record->expires), ==, 0);
  g_assert_cmpstr (again->manufacturer, ==, "Acme Ltd");
}

static void
test_record_rejects (void)
{
  /* Each of these is what a broken or hostile registry might send. */
  static const char * const bad[] = {
    "[]",
    "{}",
    "{\"scheme\":1,\"id\":\"x\",\"status\":\"active\",\"product\":{\"brand\":\"a\",\"model\":\"b\"}}",
    "{\"scheme\":\"fi-ttm\",\"id\":[],\"status\":\"active\",\"product\":{\"brand\":\"a\",\"model\":\"b\"}}",
    "{\"scheme\":\"fi-ttm\",\"id\":\"x\",\"status\":\"valid\",\"product\":{\"brand\":\"a\",\"model\":\"b\"}}",
    "{\"scheme\":\"fi-ttm\",\"id\":\"x\",\"status\":\"active\",\"product\":\"a b\"}",
    "{\"scheme\":\"fi-ttm\",\"id\":\"x\",\"status\":\"active\",\"product\":{\"brand\":\"a\"}}",
    "{\"scheme\":\"fi-ttm\",\"id\":\"x\",\"status\":\"active\",\"product\":{\"brand\":\"\",\"model\":\"b\"}}",
    "{\"scheme\":\"fi-ttm\",\"id\":\"x\",\"level\":\"3\",\"status\":\"active\",\"product\":{\"brand\":\"a\",\"model\":\"b\"}}",
    "{\"scheme\":\"fi-ttm\",\"id\":\"x\",\"level\":5,\"status\":\"active\",\"product\":{\"brand\":\"a\",\"model\":\"b\"}}",
    "{\"scheme\":\"fi-ttm\",\"id\":\"x\",\"level\":-1,\"status\":\"active\",\"product\":{\"brand\":\"a\",\"model\":\"b\"}}",
    "{\"scheme\":\"fi-ttm\",\"id\":\"x\",\"level\":3.5,\"status\":\"active\",\"product\":{\"brand\":\"a\",\"model\":\"b\"}}",
    "{\"scheme\":\"sg-cls\",\"id\":\"CSA/311228/1\",\"status\":\"active\",\"product\":{\"brand\":\"a\",\"model\":\"b\"}}",
    "{\"scheme\":\"fi-ttm\",\"id\":\"x\",\"status\":\"active\",\"product\":{\"brand\":\"a\",\"model\":\"b\"},\"expires\":\"2027-02-30\"}",
    "{\"scheme\":\"fi-ttm\",\"id\":\"x\",\"status\":\"active\",\"product\":{\"brand\":\"a\",\"model\":\"b\"},\"expires\":\"2027-2-3\"}",
    "{\"scheme\":\"fi-ttm\",\"id\":\"x\",\"status\":\"active\",\"product\":{\"brand\":\"a\",\"model\":\"b\"},\"expires\":20270203}",
    "{\"scheme\":\"fi-ttm\",\"id\":\"x\",\"status\":\"active\",\"product\":{\"brand\":\"a\",\"model\":\"b\"},"
      "\"issued\":\"2028-01-01\",\"expires\":\"2027-01-01\"}",
    "{\"scheme\":\"fi-ttm\",\"id\":\"a\\u0000b\",\"status\":\"active\",\"product\":{\"brand\":\"a\",\"model\":\"b\"}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MerkkiRecord) record = parse (bad[i], &error);

      g_test_message ("bad record %u: %s", i, bad[i]);
      g_assert_null (record);
      g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
}

static void
test_record_long_field (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRecord) record = NULL;
  g_autofree char *brand = g_strnfill (5000, 'x');
  json_t *root = json_pack ("{s:s, s:s, s:s, s:{s:s, s:s}}",
                            "scheme", "fi-ttm", "id", "x", "status", "active",
                            "product", "brand", brand, "model", "m");

  record = merkki_record_from_json (root, &error);
  json_decref (root);
  g_assert_null (record);
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA);
}

static void
test_dates (void)
{
  static const struct { const char *text; gboolean valid; } cases[] = {
    { "2028-02-29", TRUE },
    { "2027-02-29", FALSE },
    { "2027-12-31", TRUE },
    { "2027-13-01", FALSE },
    { "2027-00-10", FALSE },
    { "2027-01-00", FALSE },
    { "27-01-01", FALSE },
    { "2027-01-01T00:00", FALSE },
    { "2027/01/01", FALSE },
    { "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GDate *date = merkki_date_parse_iso (cases[i].text);

      g_assert_cmpint (date != NULL, ==, cases[i].valid);
      if (date != NULL)
        {
          g_autofree char *back = merkki_date_to_iso (date);

          g_assert_cmpstr (back, ==, cases[i].text);
          g_date_free (date);
        }
    }
}

static void
test_registry_data_demo (void)
{
  static const char * const ids[] = { "sg-csa", "fi-traficom" };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(MerkkiRegistryData) data = merkki_registry_data_get_demo (ids[i]);

      g_assert_nonnull (data);
      g_assert_cmpstr (data->registry, ==, ids[i]);
      g_assert_true (data->demo);
      g_assert_cmpuint (data->records->len, >, 0);
    }

  g_assert_null (merkki_registry_data_get_demo ("../registries"));
  g_assert_null (merkki_registry_data_get_demo ("nowhere"));
}

static void
test_registry_data_rejects (void)
{
  static const char * const bad[] = {
    "",
    "[1]",
    "{\"registry\":\"x\",\"generated\":\"2026-11-01T00:00:00Z\"}",
    "{\"registry\":\"x\",\"generated\":\"yesterday\",\"records\":[]}",
    "{\"registry\":\"x\",\"generated\":\"2026-11-01T00:00:00Z\",\"records\":{}}",
    "{\"registry\":\"x\",\"generated\":\"2026-11-01T00:00:00Z\",\"records\":[],\"demo\":\"yes\"}",
    "{\"registry\":\"x\",\"registry\":\"y\",\"generated\":\"2026-11-01T00:00:00Z\",\"records\":[]}",
    "{\"registry\":\"x\",\"generated\":\"2026-11-01T00:00:00Z\",\"records\":[{\"id\":\"only\"}]}",
    "{\"registry\":\"x\",\"generated\":\"2026-11-01T00:00:00Z\",\"records\":[]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MerkkiRegistryData) data = merkki_registry_data_parse (bad[i], strlen (bad[i]), &error);

      g_test_message ("bad data %u: %s", i, bad[i]);
      g_assert_null (data);
      g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA);
    }
}

static void
test_registry_data_round_trip (void)
{
  g_autoptr(MerkkiRegistryData) demo = merkki_registry_data_get_demo ("sg-csa");
  g_autoptr(MerkkiRegistryData) again = NULL;
  g_autoptr(GError) error = NULL;
  json_t *json = merkki_registry_data_to_json (demo);
  g_autofree char *text = json_dumps (json, 0);

  json_decref (json);
  again = merkki_registry_data_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->records->len, ==, demo->records->len);
  g_assert_cmpstr (again->generated, ==, demo->generated);
  g_assert_true (again->demo);
}

int
main (int    argc,
      char **argv)
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/record/round-trip", test_record_round_trip);
  g_test_add_func ("/record/rejects", test_record_rejects);
  g_test_add_func ("/record/long-field", test_record_long_field);
  g_test_add_func ("/record/dates", test_dates);
  g_test_add_func ("/registry-data/demo", test_registry_data_demo);
  g_test_add_func ("/registry-data/rejects", test_registry_data_rejects);
  g_test_add_func ("/registry-data/round-trip", test_registry_data_round_trip);

  return g_test_run ();
}
