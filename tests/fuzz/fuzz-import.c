/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target: the CSV importer. The first byte picks the scheme, the rest
 * is the CSV file. */
#include "config.h"

#include "merkki-error.h"
#include "merkki-import.h"
#include "merkki-record.h"
#include "merkki-fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const struct {
    const char *scheme;
    const char *registry;
  } targets[] = {
    { "sg-cls", "sg-csa" },
    { "fi-ttm", "fi-traficom" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRegistryData) imported = NULL;
  guint which;

  if (size < 1)
    return 0;

  which = data[0] % G_N_ELEMENTS (targets);
  imported = merkki_import_csv (targets[which].scheme, targets[which].registry,
                                (const char *) data + 1, size - 1, &error);
  if (imported == NULL)
    {
      g_assert (error != NULL && error->domain == MERKKI_ERROR);
      g_assert (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }

  g_assert_no_error (error);
  g_assert_cmpstr (imported->registry, ==, targets[which].registry);

  /* What the importer accepts is valid registry data: it reads back. */
  {
    g_autoptr(MerkkiRegistryData) again = NULL;
    g_autoptr(GError) again_error = NULL;
    json_t *json = merkki_registry_data_to_json (imported);

    again = merkki_registry_data_from_json (json, &again_error);
    g_assert_no_error (again_error);
    g_assert_cmpuint (again->records->len, ==, imported->records->len);
    for (guint i = 0; i < imported->records->len; i++)
      {
        MerkkiRecord *record = g_ptr_array_index (imported->records, i);

        g_assert_cmpstr (record->scheme, ==, targets[which].scheme);
      }
    json_decref (json);
  }

  return 0;
}
