/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "merkki-core.h"
#include "merkki-test-utils.h"

static GPtrArray *
evaluate (const char    *scheme,
          int            level,
          MerkkiVerdict  verdict,
          const char    *today_iso)
{
  g_autoptr(MerkkiRecord) record = merkki_test_record_new (scheme, "test", level, MERKKI_RECORD_STATUS_ACTIVE);
  g_autoptr(GDate) today = merkki_test_date (today_iso);

  return merkki_recognition_table_evaluate (merkki_recognition_table_get_default (), record, verdict, today);
}

static const MerkkiCountryRecognition *
find_country (GPtrArray  *entries,
              const char *country)
{
  for (guint i = 0; i < entries->len; i++)
    {
      const MerkkiCountryRecognition *entry = g_ptr_array_index (entries, i);

      if (g_str_equal (entry->country, country))
        return entry;
    }
  return NULL;
}

/* DOMAIN.md's mutual recognition table, read from the CLS side: which CLS
 * levels each partner accepts, from when, and as what. */
typedef struct {
  const char *country;
  const char *scheme;
  int         min_level;
  const char *in_force_from;
  int         as_level;
  gboolean    simplified;
} PartnerRow;

static const PartnerRow partners[] = {
  { "FI", "fi-ttm", 3, "2021-10-06", 0, FALSE },
  { "DE", "de-bsi", 2, "2022-10-20", 0, FALSE },
  { "KR", "kr-cic", 3, "2025-01-01", 0, FALSE },
  { "GB", "gb-psti", 1, "2026-01-01", 0, FALSE },
  { "JP", "jp-jcstar", 1, "2026-06-01", 1, TRUE },
};

static void
test_cls_label_everywhere (void)
{
  for (int level = 1; level <= 4; level++)
    {
      g_autoptr(GPtrArray) entries = evaluate ("sg-cls", level, MERKKI_VERDICT_VALID, "2026-11-27");
      const MerkkiCountryRecognition *own;

      /* Singapore first (the issuer), then one per partner in the table's order. */
      g_assert_cmpuint (entries->len, ==, 1 + G_N_ELEMENTS (partners));
      own = g_ptr_array_index (entries, 0);
      g_assert_cmpstr (own->country, ==, "SG");
      g_assert_cmpstr (own->scheme, ==, "sg-cls");
      g_assert_cmpint (own->level, ==, level);
      g_assert_true (own->recognised);
      g_assert_null (own->in_force_from);
      g_assert_nonnull (strstr (own->basis, "Cyber Security Agency of Singapore"));

      for (gsize i = 0; i < G_N_ELEMENTS (partners); i++)
        {
          const MerkkiCountryRecognition *entry = g_ptr_array_index (entries, i + 1);
          g_autoptr(GDate) from = merkki_test_date (partners[i].in_force_from);

          g_assert_cmpstr (entry->country, ==, partners[i].country);
          g_assert_cmpstr (entry->scheme, ==, partners[i].scheme);
          g_assert_cmpint (entry->recognised, ==, level >= partners[i].min_level);
          g_assert_cmpint (entry->level, ==, partners[i].as_level);
          g_assert_cmpint (entry->simplified, ==, partners[i].simplified);
          g_assert_nonnull (entry->in_force_from);
          g_assert_cmpint (g_date_compare (entry->in_force_from, from), ==, 0);
          g_assert_nonnull (entry->source);
          g_assert_cmpstr (entry->source, !=, "");
          g_assert_nonnull (entry->basis);
        }
    }
}

static void
test_finland_rejects_low_levels (void)
{
  for (int level = 1; level <= 2; level++)
    {
      g_autoptr(GPtrArray) entries = evaluate ("sg-cls", level, MERKKI_VERDICT_VALID, "2026-11-27");
      const MerkkiCountryRecognition *fi = find_country (entries, "FI");

      g_assert_nonnull (fi);
      g_assert_false (fi->recognised);
      g_assert_cmpstr (fi->basis, ==, "CLS Level 1 and 2 are not recognised in Finland");
    }

  {
    g_autoptr(GPtrArray) entries = evaluate ("sg-cls", 3, MERKKI_VERDICT_VALID, "2026-11-27");
    const MerkkiCountryRecognition *fi = find_country (entries, "FI");
    const MerkkiCountryRecognition *de = find_country (entries, "DE");

    g_assert_true (fi->recognised);
    g_assert_cmpstr (fi->basis, ==, "Mutual recognition since 6 Oct 2021");
    g_assert_cmpstr (de->basis, ==, "Mutual recognition since 20 Oct 2022");
  }

  {
    g_autoptr(GPtrArray) entries = evaluate ("sg-cls", 1, MERKKI_VERDICT_VALID, "2026-11-27");

    g_assert_cmpstr (find_country (entries, "DE")->basis, ==, "CLS Level 1 is not recognised in Germany");
    g_assert_true (find_country (entries, "GB")->recognised);
  }
}

static void
test_partner_labels_in_singapore (void)
{
  static const struct { const char *scheme; const char *country; int cls_level; } cases[] = {
    { "fi-ttm", "FI", 3 },
    { "de-bsi", "DE", 2 },
    { "kr-cic", "KR", 3 },
    { "gb-psti", "GB", 1 },
    { "jp-jcstar", "JP", 1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) entries = evaluate (cases[i].scheme, 0, MERKKI_VERDICT_VALID, "2026-11-27");
      const MerkkiCountryRecognition *own;
      const MerkkiCountryRecognition *sg;

      g_assert_cmpuint (entries->len, ==, 2);
      own = g_ptr_array_index (entries, 0);
      sg = g_ptr_array_index (entries, 1);
      g_assert_cmpstr (own->country, ==, cases[i].country);
      g_assert_cmpstr (own->scheme, ==, cases[i].scheme);
      g_assert_true (own->recognised);
      g_assert_cmpstr (sg->country, ==, "SG");
      g_assert_cmpstr (sg->scheme, ==, "sg-cls");
      g_assert_cmpint (sg->level, ==, cases[i].cls_level);
      g_assert_true (sg->recognised);
    }

  {
    g_autoptr(GPtrArray) entries = evaluate ("fi-ttm", 0, MERKKI_VERDICT_VALID, "2026-11-27");
    const MerkkiCountryRecognition *sg = g_ptr_array_index (entries, 1);

    g_assert_false (sg->simplified);
    g_assert_cmpstr (sg->basis, ==, "Counts as CLS Level 3 since 6 Oct 2021");
  }
  {
    g_autoptr(GPtrArray) entries = evaluate ("gb-psti", 0, MERKKI_VERDICT_VALID, "2026-11-27");
    const MerkkiCountryRecognition *sg = g_ptr_array_index (entries, 1);

    g_assert_true (sg->simplified);
    g_assert_cmpstr (sg->basis, ==, "Simplified route to CLS Level 1 since 1 Jan 2026");
  }
}

static void
test_invalid_labels_recognised_nowhere (void)
{
  const MerkkiVerdict verdicts[] = {
    MERKKI_VERDICT_EXPIRED, MERKKI_VERDICT_REVOKED, MERKKI_VERDICT_NOT_FOUND,
    MERKKI_VERDICT_MISMATCH, MERKKI_VERDICT_UNVERIFIED,
  };
  const char *schemes[] = { "sg-cls", "fi-ttm", "de-bsi" };

  for (gsize v = 0; v < G_N_ELEMENTS (verdicts); v++)
    for (gsize s = 0; s < G_N_ELEMENTS (schemes); s++)
      {
        g_autoptr(GPtrArray) entries = evaluate (schemes[s], 4, verdicts[v], "2026-11-27");

        g_assert_cmpuint (entries->len, >=, 2);
        for (guint i = 0; i < entries->len; i++)
          {
            const MerkkiCountryRecognition *entry = g_ptr_array_index (entries, i);

            g_assert_false (entry->recognised);
            g_assert_nonnull (entry->basis);
          }
      }
}

static void
test_in_force_from_boundary (void)
{
  /* Japan's simplified route starts on 1 Jun 2026. */
  g_autoptr(GPtrArray) before = evaluate ("sg-cls", 1, MERKKI_VERDICT_VALID, "2026-05-31");
  g_autoptr(GPtrArray) on = evaluate ("sg-cls", 1, MERKKI_VERDICT_VALID, "2026-06-01");
  g_autoptr(GPtrArray) fi_before = evaluate ("fi-ttm", 0, MERKKI_VERDICT_VALID, "2021-10-05");
  g_autoptr(GPtrArray) fi_on = evaluate ("fi-ttm", 0, MERKKI_VERDICT_VALID, "2021-10-06");

  g_assert_false (find_country (before, "JP")->recognised);
  g_assert_cmpstr (find_country (before, "JP")->basis, ==, "Recognition starts on 1 Jun 2026");
  g_assert_true (find_country (on, "JP")->recognised);
  g_assert_cmpstr (find_country (on, "JP")->basis, ==, "Simplified recognition since 1 Jun 2026");
  g_assert_false (find_country (fi_before, "SG")->recognised);
  g_assert_true (find_country (fi_on, "SG")->recognised);
  /* The own label does not wait for any agreement. */
  g_assert_true (find_country (fi_before, "FI")->recognised);
}

static void
test_unknown_scheme_and_no_record (void)
{
  g_autoptr(GPtrArray) unknown = evaluate ("us-ctm", 1, MERKKI_VERDICT_VALID, "2026-11-27");
  g_autoptr(GPtrArray) md = evaluate ("sg-cls-md", 2, MERKKI_VERDICT_VALID, "2026-11-27");
  g_autoptr(GDate) today = merkki_test_date ("2026-11-27");
  g_autoptr(GPtrArray) none = merkki_recognition_table_evaluate (merkki_recognition_table_get_default (),
                                                                 NULL, MERKKI_VERDICT_NOT_FOUND, today);

  g_assert_cmpuint (unknown->len, ==, 0);
  g_assert_cmpuint (none->len, ==, 0);
  /* CLS(MD) has no partner yet: Singapore only. */
  g_assert_cmpuint (md->len, ==, 1);
  g_assert_cmpstr (((MerkkiCountryRecognition *) g_ptr_array_index (md, 0))->country, ==, "SG");
}

/* The table is data: a different file gives different answers. */
static void
test_other_table (void)
{
  static const char json[] =
    "{\"version\":1,\"schemes\":["
    "{\"scheme\":\"sg-cls\",\"country\":\"SG\",\"authority\":\"CSA\",\"levels\":[1,2,3,4]},"
    "{\"scheme\":\"fi-ttm\",\"country\":\"FI\",\"authority\":\"Traficom\",\"levels\":[]}],"
    "\"rules\":[{\"id\":\"x\",\"partner_country\":\"FI\",\"partner_scheme\":\"fi-ttm\",\"partner_label\":\"L\","
    "\"singapore_counts_partner_as\":{\"scheme\":\"sg-cls\",\"level\":4,\"simplified\":false},"
    "\"partner_counts_cls\":{\"min_level\":1,\"max_level\":2,\"as_level\":0,\"simplified\":false},"
    "\"in_force_from\":\"2030-01-01\",\"source\":\"test\"}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRecognitionTable) table = merkki_recognition_table_new_from_data (json, strlen (json), &error);
  g_autoptr(MerkkiRecord) cls3 = merkki_test_record_new ("sg-cls", "test", 3, MERKKI_RECORD_STATUS_ACTIVE);
  g_autoptr(MerkkiRecord) cls2 = merkki_test_record_new ("sg-cls", "test", 2, MERKKI_RECORD_STATUS_ACTIVE);
  g_autoptr(MerkkiRecord) fi = merkki_test_record_new ("fi-ttm", "test", 0, MERKKI_RECORD_STATUS_ACTIVE);
  g_autoptr(GDate) today = merkki_test_date ("2030-06-01");
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  g_autoptr(GPtrArray) c = NULL;

  g_assert_no_error (error);
  a = merkki_recognition_table_evaluate (table, cls3, MERKKI_VERDICT_VALID, today);
  b = merkki_recognition_table_evaluate (table, cls2, MERKKI_VERDICT_VALID, today);
  c = merkki_recognition_table_evaluate (table, fi, MERKKI_VERDICT_VALID, today);
  g_assert_false (find_country (a, "FI")->recognised);
  g_assert_cmpstr (find_country (a, "FI")->basis, ==, "CLS Level 3 is not recognised in Finland");
  g_assert_true (find_country (b, "FI")->recognised);
  g_assert_cmpint (find_country (c, "SG")->level, ==, 4);
  g_assert_finalize_object (g_steal_pointer (&table));
}

static void
test_malformed_tables (void)
{
  static const char *bad[] = {
    "",
    "not json",
    "[]",
    "{\"version\":2,\"schemes\":[],\"rules\":[]}",
    "{\"version\":\"1\",\"schemes\":[],\"rules\":[]}",
    "{\"version\":1,\"schemes\":{},\"rules\":[]}",
    "{\"version\":1,\"schemes\":[],\"rules\":{}}",
    "{\"version\":1,\"schemes\":[42],\"rules\":[]}",
    "{\"version\":1,\"schemes\":[{\"scheme\":\"a\",\"country\":\"Finland\",\"authority\":\"x\",\"levels\":[]}],\"rules\":[]}",
    "{\"version\":1,\"schemes\":[{\"scheme\":\"a\",\"country\":\"FI\",\"authority\":\"x\",\"levels\":[5]}],\"rules\":[]}",
    "{\"version\":1,\"schemes\":[{\"scheme\":\"a\",\"country\":\"FI\",\"authority\":\"x\",\"levels\":\"1-4\"}],\"rules\":[]}",
    "{\"version\":1,\"schemes\":[{\"scheme\":\"\",\"country\":\"FI\",\"authority\":\"x\",\"levels\":[]}],\"rules\":[]}",
    "{\"version\":1,\"version\":1,\"schemes\":[],\"rules\":[]}",
  };
  /* A valid rule, then the same rule with one field broken. */
  static const char schemes[] =
    "{\"version\":1,\"schemes\":["
    "{\"scheme\":\"sg-cls\",\"country\":\"SG\",\"authority\":\"CSA\",\"levels\":[1,2,3,4]},"
    "{\"scheme\":\"fi-ttm\",\"country\":\"FI\",\"authority\":\"Traficom\",\"levels\":[]}],\"rules\":[";
  static const char *bad_rules[] = {
    "{\"id\":\"x\",\"partner_country\":\"FI\",\"partner_scheme\":\"fi-ttm\",\"partner_label\":\"L\",\"singapore_counts_partner_as\":{\"scheme\":\"sg-cls\",\"level\":3,\"simplified\":false},\"partner_counts_cls\":{\"min_level\":3,\"max_level\":4,\"as_level\":0,\"simplified\":false},\"in_force_from\":\"2021-02-30\",\"source\":\"s\"}",
    "{\"id\":\"x\",\"partner_country\":\"FI\",\"partner_scheme\":\"fi-ttm\",\"partner_label\":\"L\",\"singapore_counts_partner_as\":{\"scheme\":\"sg-cls\",\"level\":\"3\",\"simplified\":false},\"partner_counts_cls\":{\"min_level\":3,\"max_level\":4,\"as_level\":0,\"simplified\":false},\"in_force_from\":\"2021-10-06\",\"source\":\"s\"}",
    "{\"id\":\"x\",\"partner_country\":\"FI\",\"partner_scheme\":\"fi-ttm\",\"partner_label\":\"L\",\"singapore_counts_partner_as\":{\"scheme\":\"sg-cls\",\"level\":3,\"simplified\":false},\"partner_counts_cls\":{\"min_level\":4,\"max_level\":3,\"as_level\":0,\"simplified\":false},\"in_force_from\":\"2021-10-06\",\"source\":\"s\"}",
    "{\"id\":\"x\",\"partner_country\":\"FI\",\"partner_scheme\":\"xx-yy\",\"partner_label\":\"L\",\"singapore_counts_partner_as\":{\"scheme\":\"sg-cls\",\"level\":3,\"simplified\":false},\"partner_counts_cls\":{\"min_level\":3,\"max_level\":4,\"as_level\":0,\"simplified\":false},\"in_force_from\":\"2021-10-06\",\"source\":\"s\"}",
    "{\"id\":\"x\",\"partner_country\":\"FI\",\"partner_scheme\":\"fi-ttm\",\"partner_label\":\"L\",\"singapore_counts_partner_as\":{\"scheme\":\"sg-cls\",\"level\":3,\"simplified\":false},\"partner_counts_cls\":{\"min_level\":3,\"max_level\":4,\"as_level\":0,\"simplified\":false},\"in_force_from\":\"2021-10-06\"}",
    "{\"id\":\"x\",\"partner_country\":\"FI\",\"partner_scheme\":\"fi-ttm\",\"partner_label\":\"L\",\"singapore_counts_partner_as\":{\"scheme\":\"sg-cls\",\"level\":3,\"simplified\":\"no\"},\"partner_counts_cls\":{\"min_level\":3,\"max_level\":4,\"as_level\":0,\"simplified\":false},\"in_force_from\":\"2021-10-06\",\"source\":\"s\"}",
    "{\"id\":\"x\",\"partner_country\":\"FI\",\"partner_scheme\":\"fi-ttm\",\"partner_label\":\"L\",\"singapore_counts_partner_as\":null,\"partner_counts_cls\":{\"min_level\":3,\"max_level\":4,\"as_level\":0,\"simplified\":false},\"in_force_from\":\"2021-10-06\",\"source\":\"s\"}",
    "{\"id\":\"x\",\"partner_country\":\"DE\",\"partner_scheme\":\"fi-ttm\",\"partner_label\":\"L\",\"singapore_counts_partner_as\":{\"scheme\":\"sg-cls\",\"level\":3,\"simplified\":false},\"partner_counts_cls\":{\"min_level\":3,\"max_level\":4,\"as_level\":0,\"simplified\":false},\"in_force_from\":\"2021-10-06\",\"source\":\"s\"}",
    "{\"id\":\"x\",\"partner_country\":\"FI\",\"partner_scheme\":\"fi-ttm\",\"partner_label\":\"L\",\"singapore_counts_partner_as\":{\"scheme\":\"sg-cls\",\"level\":3,\"simplified\":false},\"partner_counts_cls\":{\"min_level\":0,\"max_level\":4,\"as_level\":0,\"simplified\":false},\"in_force_from\":\"2021-10-06\",\"source\":\"s\"}",
    "17",
  };
  static const char good_rule[] =
    "{\"id\":\"x\",\"partner_country\":\"FI\",\"partner_scheme\":\"fi-ttm\",\"partner_label\":\"L\",\"singapore_counts_partner_as\":{\"scheme\":\"sg-cls\",\"level\":3,\"simplified\":false},\"partner_counts_cls\":{\"min_level\":3,\"max_level\":4,\"as_level\":0,\"simplified\":false},\"in_force_from\":\"2021-10-06\",\"source\":\"s\"}";

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MerkkiRecognitionTable) table = merkki_recognition_table_new_from_data (bad[i], strlen (bad[i]), &error);

      g_test_message ("bad table %" G_GSIZE_FORMAT ": %s", i, error ? error->message : "(accepted)");
      g_assert_null (table);
      g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA);
    }

  {
    g_autofree char *json = g_strconcat (schemes, good_rule, "]}", NULL);
    g_autofree char *twice = g_strconcat (schemes, good_rule, ",", good_rule, "]}", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(MerkkiRecognitionTable) table = merkki_recognition_table_new_from_data (json, strlen (json), &error);
    g_autoptr(MerkkiRecognitionTable) repeated = NULL;

    g_assert_no_error (error);
    g_assert_nonnull (table);
    repeated = merkki_recognition_table_new_from_data (twice, strlen (twice), &error);
    g_assert_null (repeated);
    g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA);
  }

  for (gsize i = 0; i < G_N_ELEMENTS (bad_rules); i++)
    {
      g_autofree char *json = g_strconcat (schemes, bad_rules[i], "]}", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(MerkkiRecognitionTable) table = merkki_recognition_table_new_from_data (json, strlen (json), &error);

      g_test_message ("bad rule %" G_GSIZE_FORMAT ": %s", i, error ? error->message : "(accepted)");
      g_assert_null (table);
      g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA);
      /* The message says where. */
      g_assert_nonnull (strstr (error->message, "rules[0]"));
    }
}

/* The bundled file itself, read as a file from the source tree too. */
static void
test_bundled_file (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("MERKKI_SOURCE_ROOT"), "data", "recognition.json", NULL);
  g_autofree char *contents = NULL;
  gsize len;
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRecognitionTable) table = NULL;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  table = merkki_recognition_table_new_from_data (contents, len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (table);
  g_assert_true (merkki_recognition_table_get_default () == merkki_recognition_table_get_default ());
}

static void
test_names (void)
{
  g_assert_cmpstr (merkki_country_get_name ("SG"), ==, "Singapore");
  g_assert_cmpstr (merkki_country_get_name ("FI"), ==, "Finland");
  g_assert_cmpstr (merkki_country_get_name ("DE"), ==, "Germany");
  g_assert_cmpstr (merkki_country_get_name ("ZZ"), ==, "ZZ");
  g_assert_cmpstr (merkki_scheme_get_name ("sg-cls"), ==, "Cybersecurity Labelling Scheme (CLS)");
  g_assert_nonnull (merkki_scheme_get_name ("fi-ttm"));
  g_assert_nonnull (merkki_scheme_get_name ("de-bsi"));
  g_assert_null (merkki_scheme_get_name ("no-such"));
}

int
main (int   argc,
      char *argv[])
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/recognition/cls-label-everywhere", test_cls_label_everywhere);
  g_test_add_func ("/recognition/finland-rejects-low-levels", test_finland_rejects_low_levels);
  g_test_add_func ("/recognition/partner-labels-in-singapore", test_partner_labels_in_singapore);
  g_test_add_func ("/recognition/invalid-labels-recognised-nowhere", test_invalid_labels_recognised_nowhere);
  g_test_add_func ("/recognition/in-force-from-boundary", test_in_force_from_boundary);
  g_test_add_func ("/recognition/unknown-scheme-and-no-record", test_unknown_scheme_and_no_record);
  g_test_add_func ("/recognition/other-table", test_other_table);
  g_test_add_func ("/recognition/malformed-tables", test_malformed_tables);
  g_test_add_func ("/recognition/bundled-file", test_bundled_file);
  g_test_add_func ("/recognition/names", test_names);

  return g_test_run ();
}
