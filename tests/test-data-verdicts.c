/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "merkki-core.h"
#include "merkki-test-utils.h"

/* The bundled demo snapshot and the registry fixtures of tests/data must
 * give the verdicts their READMEs promise. The verdict is computed as the
 * offline app computes it: the issuer's data has the record (found) or
 * not (not found); a scheme with no data has no answer at all. */

typedef struct {
  const char    *payload;
  MerkkiVerdict  verdict;
} Case;

/* data/demo/README.md, on the day it was written. */
static const Case demo_cases[] = {
  { "CSA/311228/1001", MERKKI_VERDICT_VALID },
  { "CSA/300927/1005", MERKKI_VERDICT_VALID },
  { "CSA/300628/1002", MERKKI_VERDICT_VALID },
  { "CSA/150325/1003", MERKKI_VERDICT_EXPIRED },
  { "CSA/310727/1004", MERKKI_VERDICT_REVOKED },
  { "CSA/311028/1007", MERKKI_VERDICT_REVOKED },
  { "CSA/300428/1006", MERKKI_VERDICT_MISMATCH },
  { "CSA/311228/9999", MERKKI_VERDICT_NOT_FOUND },
  { "https://tietoturvamerkki.fi/en/products/demo-aurora-hub-2", MERKKI_VERDICT_VALID },
  { "https://tietoturvamerkki.fi/en/products/demo-loyly-sensor", MERKKI_VERDICT_VALID },
  { "https://tietoturvamerkki.fi/en/products/demo-vahti-doorbell-4", MERKKI_VERDICT_VALID },
  { "https://tietoturvamerkki.fi/en/products/demo-kide-frost-sensor", MERKKI_VERDICT_EXPIRED },
  { "https://tietoturvamerkki.fi/en/products/demo-pakkanen-thermostat", MERKKI_VERDICT_REVOKED },
  { "https://tietoturvamerkki.fi/en/products/demo-ei-ole", MERKKI_VERDICT_NOT_FOUND },
  { "https://tietoturvamerkki.fi.example.com/en/products/demo-aurora-hub-2", MERKKI_VERDICT_SUSPICIOUS },
  { "hello", MERKKI_VERDICT_NOT_A_LABEL },
  { "https://www.bsi.bund.de/SharedDocs/IT-Sicherheitskennzeichen/EN/2025/sik-05165.html",
    MERKKI_VERDICT_UNVERIFIED },
};

static const MerkkiRecord *
find_record (MerkkiRegistryData *data,
             const char         *scheme,
             const char         *id)
{
  for (guint i = 0; data != NULL && i < data->records->len; i++)
    {
      const MerkkiRecord *record = g_ptr_array_index (data->records, i);

      if (g_str_equal (record->scheme, scheme) && g_str_equal (record->id, id))
        return record;
    }

  return NULL;
}

typedef MerkkiRegistryData *(*LoadData) (const char *registry_id);

/* Asserts every case's verdict on @today; returns which verdicts were
 * shown in @shown. */
static void
assert_verdicts (const Case *cases,
                 gsize       n_cases,
                 LoadData    load,
                 const char *today_iso,
                 gboolean   *shown)
{
  g_autoptr(MerkkiRegistryConfig) config = merkki_registry_config_new_default ();
  g_autoptr(GDate) today = merkki_date_parse_iso (today_iso);

  for (gsize i = 0; i < n_cases; i++)
    {
      g_autoptr(MerkkiLabelRef) ref = merkki_label_ref_parse ((const guint8 *) cases[i].payload, -1);
      g_autoptr(MerkkiRegistryData) data = NULL;
      MerkkiOutcome outcome = MERKKI_OUTCOME_SKIPPED;
      const MerkkiRecord *record = NULL;
      MerkkiVerdict verdict;

      if (merkki_label_ref_get_kind (ref) == MERKKI_LABEL_KIND_REFERENCE)
        {
          const char *scheme = merkki_label_ref_get_scheme (ref);
          const MerkkiRegistryInfo *issuer = merkki_registry_config_for_scheme (config, scheme);

          data = issuer != NULL ? load (issuer->id) : NULL;
          if (data != NULL)
            {
              record = find_record (data, scheme, merkki_label_ref_get_id (ref));
              outcome = record != NULL ? MERKKI_OUTCOME_FOUND : MERKKI_OUTCOME_NOT_FOUND;
            }
        }

      verdict = merkki_verdict_compute (ref, outcome, record, today);
      g_test_message ("%s: %s", cases[i].payload, merkki_verdict_to_string (verdict));
      g_assert_cmpstr (merkki_verdict_to_string (verdict), ==,
                       merkki_verdict_to_string (cases[i].verdict));
      shown[verdict] = TRUE;
    }
}

static void
test_demo_every_verdict (void)
{
  gboolean shown[MERKKI_VERDICT_UNVERIFIED + 1] = { FALSE, };

  assert_verdicts (demo_cases, G_N_ELEMENTS (demo_cases), merkki_registry_data_get_demo,
                   "2026-11-27", shown);

  for (guint v = 0; v < G_N_ELEMENTS (shown); v++)
    {
      g_test_message ("%s", merkki_verdict_to_string (v));
      g_assert_true (shown[v]);
    }
}

/* tests/data/README.md: true from the day it was written through the day
 * the first valid label there expires (31 Jul 2029). */
static const Case fixture_cases[] = {
  { "CSA/300929/2001", MERKKI_VERDICT_VALID },
  { "CSA/310829/2002", MERKKI_VERDICT_VALID },
  { "CSA/310729/2003", MERKKI_VERDICT_VALID },
  { "CSA/150325/2004", MERKKI_VERDICT_EXPIRED },
  { "CSA/300629/2005", MERKKI_VERDICT_REVOKED },
  { "CSA/310529/2006", MERKKI_VERDICT_REVOKED },
  { "CSA/300929/2007", MERKKI_VERDICT_MISMATCH },
  { "CSA/311029/2008", MERKKI_VERDICT_VALID },
  { "CSA/301129/2009", MERKKI_VERDICT_VALID },
  { "CSA/311229/9999", MERKKI_VERDICT_NOT_FOUND },
  { "https://tietoturvamerkki.fi/en/products/test-pohjola-gateway-x3", MERKKI_VERDICT_VALID },
  { "https://tietoturvamerkki.fi/en/products/test-revontuli-camera-pro-4", MERKKI_VERDICT_VALID },
  { "https://tietoturvamerkki.fi/en/products/test-kaksi-hub-h2", MERKKI_VERDICT_VALID },
  { "https://tietoturvamerkki.fi/en/products/test-loyly-sauna-sensor-s", MERKKI_VERDICT_VALID },
  { "https://tietoturvamerkki.fi/en/products/test-vanhentunut-hub", MERKKI_VERDICT_EXPIRED },
  { "https://tietoturvamerkki.fi/en/products/test-kielletty-cam", MERKKI_VERDICT_REVOKED },
  { "https://tietoturvamerkki.fi/en/products/test-tuuletus-fan", MERKKI_VERDICT_VALID },
  { "https://tietoturvamerkki.fi/en/products/test-ei-ole-olemassa", MERKKI_VERDICT_NOT_FOUND },
};

static MerkkiRegistryData *
load_fixture (const char *registry_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  MerkkiRegistryData *data;

  if (g_str_equal (registry_id, "sg-csa"))
    path = merkki_test_data_path ("csa.json");
  else if (g_str_equal (registry_id, "fi-traficom"))
    path = merkki_test_data_path ("traficom.json");
  else
    return NULL;

  data = merkki_registry_data_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (data->registry, ==, registry_id);
  return data;
}

static void
test_fixtures (void)
{
  const char *days[] = { "2026-11-27", "2029-07-31" };

  for (gsize i = 0; i < G_N_ELEMENTS (days); i++)
    {
      gboolean shown[MERKKI_VERDICT_UNVERIFIED + 1] = { FALSE, };

      g_test_message ("on %s", days[i]);
      assert_verdicts (fixture_cases, G_N_ELEMENTS (fixture_cases), load_fixture, days[i], shown);
    }
}

static void
test_demo_only (void)
{
  const char *registries[] = { "sg-csa", "fi-traficom" };

  /* Demo data is labelled as such, and only fictional brands are in it. */
  for (gsize i = 0; i < G_N_ELEMENTS (registries); i++)
    {
      g_autoptr(MerkkiRegistryData) demo = merkki_registry_data_get_demo (registries[i]);

      g_assert_nonnull (demo);
      g_assert_true (demo->demo);
      g_assert_cmpstr (demo->registry, ==, registries[i]);
      for (guint j = 0; j < demo->records->len; j++)
        {
          const MerkkiRecord *record = g_ptr_array_index (demo->records, j);

          g_assert_true (g_str_has_prefix (record->brand, "Demo "));
        }
    }
}

static void
test_partners (void)
{
  g_autoptr(MerkkiRegistryData) csa = merkki_registry_data_get_demo ("sg-csa");
  g_autoptr(MerkkiRegistryData) traficom = merkki_registry_data_get_demo ("fi-traficom");
  const struct {
    const char *cls_id;
    const char *ttm_id;
  } pairs[] = {
    { "CSA/311228/1001", "demo-aurora-hub-2" },
    { "CSA/300927/1005", "demo-vahti-doorbell-4" },
  };

  /* The products with both labels have the same brand and model in both
   * registries, which is how the checker finds the partner's record. */
  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      const MerkkiRecord *cls = find_record (csa, "sg-cls", pairs[i].cls_id);
      const MerkkiRecord *ttm = find_record (traficom, "fi-ttm", pairs[i].ttm_id);

      g_assert_nonnull (cls);
      g_assert_nonnull (ttm);
      g_assert_cmpstr (cls->brand, ==, ttm->brand);
      g_assert_cmpstr (cls->model, ==, ttm->model);
      g_assert_cmpint (cls->level, >=, 3);
    }
}

int
main (int    argc,
      char **argv)
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/data-verdicts/demo/every-verdict", test_demo_every_verdict);
  g_test_add_func ("/data-verdicts/demo/demo-only", test_demo_only);
  g_test_add_func ("/data-verdicts/demo/partners", test_partners);
  g_test_add_func ("/data-verdicts/fixtures", test_fixtures);

  return g_test_run ();
}
