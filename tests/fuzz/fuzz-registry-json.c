/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: the registry record reader and the snapshot (registry data)
 * reader, on any text a registry could send. */
#include "config.h"

#include "merkki-error.h"
#include "merkki-record.h"
#include "merkki-registry-data.h"
#include "merkki-fuzz.h"

/* What was read can be written and read back to the same thing. */
static void
check_record_round_trip (const MerkkiRecord *record)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRecord) again = NULL;
  json_t *json = merkki_record_to_json (record);

  again = merkki_record_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->scheme, ==, record->scheme);
  g_assert_cmpstr (again->id, ==, record->id);
  g_assert_cmpstr (again->brand, ==, record->brand);
  g_assert_cmpstr (again->model, ==, record->model);
  g_assert_cmpint (again->level, ==, record->level);
  g_assert_cmpint (again->status, ==, record->status);
  json_decref (json);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRegistryData) registry_data = NULL;
  json_t *root;

  /* The snapshot reader, from text. */
  registry_data = merkki_registry_data_parse ((const char *) data, size, &error);
  if (registry_data == NULL)
    {
      g_assert (error != NULL);
      g_assert (error->domain == MERKKI_ERROR);
      g_assert (g_utf8_validate (error->message, -1, NULL));
    }
  else
    {
      g_autoptr(MerkkiRegistryData) again = NULL;
      g_autoptr(GError) again_error = NULL;
      json_t *json;

      g_assert_no_error (error);
      for (guint i = 0; i < registry_data->records->len; i++)
        check_record_round_trip (g_ptr_array_index (registry_data->records, i));

      json = merkki_registry_data_to_json (registry_data);
      again = merkki_registry_data_from_json (json, &again_error);
      g_assert_no_error (again_error);
      g_assert_cmpuint (again->records->len, ==, registry_data->records->len);
      g_assert_cmpstr (again->registry, ==, registry_data->registry);
      json_decref (json);
    }
  g_clear_error (&error);

  /* The record reader, on the same text as one record (and as each
   * element when it is a list). */
  root = json_loadb ((const char *) data, size, JSON_REJECT_DUPLICATES, NULL);
  if (root != NULL)
    {
      json_t *value;
      size_t index;
      g_autoptr(MerkkiRecord) record = merkki_record_from_json (root, &error);

      if (record != NULL)
        check_record_round_trip (record);
      else
        g_assert (error != NULL && error->domain == MERKKI_ERROR);
      g_clear_error (&error);

      if (json_is_array (root))
        json_array_foreach (root, index, value)
          {
            g_autoptr(MerkkiRecord) element = merkki_record_from_json (value, &error);

            if (element != NULL)
              check_record_round_trip (element);
            g_clear_error (&error);
          }
      json_decref (root);
    }

  return 0;
}
