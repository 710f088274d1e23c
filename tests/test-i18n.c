/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <jansson.h>

#include "merkki-core.h"
#include "merkki-test-po.h"
#include "merkki-test-utils.h"

/* Every language Merkki ships besides English. The expected texts come
 * from po/LANG.po in the source tree and the program reads the .mo files
 * meson built from them (MERKKI_LOCALEDIR=BUILDDIR/po), so a translation
 * that is missing, not compiled or not found at run time fails here. */
static const char * const languages[] = { "fi", "sv", "zh_CN", "ms", "ta" };

/* ---- The explanations, switched at run time ------------------------------- */

typedef struct {
  const char *scheme;
  int         level;
} SchemeLevel;

static const SchemeLevel scheme_levels[] = {
  { "sg-cls", 1 }, { "sg-cls", 2 }, { "sg-cls", 3 }, { "sg-cls", 4 },
  { "sg-cls-md", 1 }, { "sg-cls-md", 2 }, { "sg-cls-md", 3 }, { "sg-cls-md", 4 },
  { "fi-ttm", 0 }, { "de-bsi", 0 },
};

static void
test_explanation_in_language (gconstpointer data)
{
  const char *language = data;
  g_autoptr(GHashTable) po = merkki_test_po_read (language);
  g_autoptr(MerkkiRecord) cls3 = merkki_test_record_new ("sg-cls", "CSA/311228/1001", 3, MERKKI_RECORD_STATUS_ACTIVE);

  /* Each verdict alone: the whole sentence from the .po file. */
  for (int v = MERKKI_VERDICT_VALID; v <= MERKKI_VERDICT_UNVERIFIED; v++)
    {
      g_autofree char *english = merkki_explanation_for_verdict (v, NULL);
      g_autofree char *translated = merkki_explanation_for_verdict_in (language, v, NULL);

      g_assert_cmpstr (translated, ==, merkki_test_po_lookup (po, english));
      g_assert_cmpstr (translated, !=, english);
    }

  /* What each level means, for each scheme, after the verdict. */
  for (gsize i = 0; i < G_N_ELEMENTS (scheme_levels); i++)
    {
      g_autoptr(MerkkiRecord) record = merkki_test_record_new (scheme_levels[i].scheme, "test", scheme_levels[i].level,
                                                               MERKKI_RECORD_STATUS_ACTIVE);
      g_autofree char *english_verdict = merkki_explanation_for_verdict (MERKKI_VERDICT_EXPIRED, NULL);
      const char *english_level = merkki_explanation_for_level (scheme_levels[i].scheme, scheme_levels[i].level);
      g_autofree char *expected = NULL;
      g_autofree char *translated = NULL;

      g_assert_nonnull (english_level);
      expected = merkki_test_po_join_sentences (po, merkki_test_po_lookup (po, english_verdict),
                                                merkki_test_po_lookup (po, english_level));
      translated = merkki_explanation_for_verdict_in (language, MERKKI_VERDICT_EXPIRED, record);
      g_test_message ("%s %s %d: %s", language, scheme_levels[i].scheme, scheme_levels[i].level, translated);
      g_assert_cmpstr (translated, ==, expected);
      g_assert_null (strstr (translated, english_level));
    }

  /* A valid label names the countries that recognise it, in the language. */
  {
    g_autofree char *english_verdict = merkki_explanation_for_verdict (MERKKI_VERDICT_VALID, NULL);
    g_autofree char *translated = merkki_explanation_for_verdict_in (language, MERKKI_VERDICT_VALID, cls3);
    g_autofree char *head = merkki_test_po_join_sentences (po, merkki_test_po_lookup (po, english_verdict),
                                                           merkki_test_po_lookup (po, merkki_explanation_for_level ("sg-cls", 3)));
    g_auto(GStrv) recognised = g_strsplit (merkki_test_po_lookup (po, "Recognised in: %s."), "%s", 2);

    g_assert_true (g_str_has_prefix (translated, head));
    g_assert_nonnull (strstr (translated, recognised[0]));
    /* CLS Level 3 is recognised in Finland since 2021 (DOMAIN.md). */
    g_assert_nonnull (strstr (translated, merkki_test_po_lookup (po, "Finland")));
    g_assert_nonnull (strstr (translated, merkki_test_po_lookup (po, "Singapore")));
    g_assert_null (strstr (translated, "Recognised in"));
  }

  /* The switch lasts for the call only. */
  {
    g_autofree char *after = merkki_explanation_for_verdict (MERKKI_VERDICT_VALID, NULL);

    g_assert_cmpstr (after, ==, "The issuer’s registry confirms this label: it is valid.");
  }
}

/* ---- The command line ----------------------------------------------------- */

static char *
run_cli_in (const char *language,
            const char *first,
            ...)
{
  g_autofree char *cli = merkki_test_build_path ("src/cli/merkki-cli");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  va_list args;

  g_ptr_array_add (argv, cli);
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  /* As a user of that language with no locale of it installed: LANGUAGE
   * alone picks the messages. MERKKI_LOCALEDIR comes from the test's
   * environment (meson sets it to the build's po directory). */
  g_subprocess_launcher_setenv (launcher, "LANGUAGE", language, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));

  return out;
}

/* The date written as @catalogue's language writes dates. */
static char *
po_format_date (GHashTable *catalogue,
                int         year,
                int         month,
                int         day)
{
  g_autoptr(GDateTime) date_time = g_date_time_new_utc (year, month, day, 0, 0, 0);
  char *text = g_date_time_format (date_time,
                                   catalogue != NULL ? merkki_test_po_lookup (catalogue, "%-d %b %Y") : "%-d %b %Y");

  g_assert_nonnull (text);
  return text;
}

static void
test_cli_date (gconstpointer data)
{
  const char *language = data;
  g_autoptr(GHashTable) po = g_str_equal (language, "en") ? NULL : merkki_test_po_read (language);
  g_autofree char *out = run_cli_in (language, "parse", "CSA/311228/1001", NULL);
  g_autofree char *date = po_format_date (po, 2028, 12, 31);
  g_autofree char *line = g_strdup_printf ("%s %s\n", po != NULL ? merkki_test_po_lookup (po, "Expires:") : "Expires:",
                                           date);

  g_test_message ("%s", out);
  /* The expiry date read from the ID, as the language writes dates. */
  g_assert_nonnull (strstr (out, line));
  if (po != NULL)
    g_assert_null (strstr (out, "Dec"));
  /* The issue's own examples. */
  if (g_str_equal (language, "fi"))
    g_assert_nonnull (strstr (out, "31.12.2028"));
  else if (g_str_equal (language, "zh_CN"))
    g_assert_nonnull (strstr (out, "2028年12月31日"));
  else if (g_str_equal (language, "en"))
    g_assert_nonnull (strstr (out, "31 Dec 2028"));
}

/* merkki-cli lookup of the bundled demo label (a valid CLS Level 3 label
 * whose product also holds the Finnish label), as a script in that
 * language would run it: the explanation in JSON and the human output. */
static void
test_cli_lookup (gconstpointer data)
{
  const char *language = data;
  g_autoptr(GHashTable) po = merkki_test_po_read (language);
  g_autofree char *out = run_cli_in (language, "lookup", "--json", "CSA/311228/1001", NULL);
  g_autofree char *human = run_cli_in (language, "lookup", "CSA/311228/1001", NULL);
  g_autofree char *valid = merkki_explanation_for_verdict (MERKKI_VERDICT_VALID, NULL);
  g_autofree char *head = merkki_test_po_join_sentences (po, merkki_test_po_lookup (po, valid),
                                                         merkki_test_po_lookup (po, merkki_explanation_for_level ("sg-cls", 3)));
  g_auto(GStrv) recognised_in = g_strsplit (merkki_test_po_lookup (po, "Recognised in: %s."), "%s", 2);
  g_autofree char *date = po_format_date (po, 2028, 12, 31);
  g_autofree char *expires = g_strdup_printf (merkki_test_po_lookup (po, "  Expires: %s\n"), date);
  json_error_t json_error;
  json_t *result = json_loads (out, 0, &json_error);
  const char *explanation;
  json_t *recognition;
  json_t *entry;
  size_t i;
  guint countries = 0;

  if (result == NULL)
    g_error ("lookup --json printed no JSON (%s): %s", json_error.text, out);
  g_assert_cmpstr (json_string_value (json_object_get (result, "verdict")), ==, "valid");
  g_assert_cmpstr (json_string_value (json_object_get (result, "verdict_title")), ==, merkki_test_po_lookup (po, "Valid label"));

  explanation = json_string_value (json_object_get (result, "explanation"));
  g_assert_nonnull (explanation);
  g_test_message ("%s: %s", language, explanation);
  g_assert_true (g_str_has_prefix (explanation, head));
  g_assert_nonnull (strstr (explanation, recognised_in[0]));

  /* Every country that recognises the label, named in the language. */
  recognition = json_object_get (result, "recognition");
  g_assert_true (json_is_array (recognition));
  json_array_foreach (recognition, i, entry)
    {
      const char *code = json_string_value (json_object_get (entry, "country"));

      if (!json_is_true (json_object_get (entry, "recognised")))
        continue;
      g_assert_nonnull (strstr (explanation, merkki_test_po_lookup (po, merkki_country_get_name (code))));
      countries++;
    }
  /* Singapore issued it; Finland recognises CLS Level 3 (DOMAIN.md). */
  g_assert_cmpuint (countries, >=, 2);
  g_assert_null (strstr (explanation, "Recognised in"));
  json_decref (result);

  /* The human output writes the expiry as the language writes dates. */
  g_assert_nonnull (strstr (human, expires));
  g_assert_nonnull (strstr (human, merkki_test_po_lookup (po, "Valid label")));
}

int
main (int    argc,
      char **argv)
{
  merkki_test_init (&argc, &argv);

  if (g_getenv ("MERKKI_LOCALEDIR") == NULL || g_getenv ("MERKKI_SOURCE_ROOT") == NULL)
    g_error ("Run this test through meson: it needs MERKKI_LOCALEDIR and MERKKI_SOURCE_ROOT");

  for (gsize i = 0; i < G_N_ELEMENTS (languages); i++)
    {
      g_autofree char *mo = g_build_filename (g_getenv ("MERKKI_LOCALEDIR"), languages[i], "LC_MESSAGES",
                                              GETTEXT_PACKAGE ".mo", NULL);
      g_autofree char *explanation = g_strdup_printf ("/i18n/explanation/%s", languages[i]);
      g_autofree char *date = g_strdup_printf ("/i18n/cli/date/%s", languages[i]);
      g_autofree char *lookup = g_strdup_printf ("/i18n/cli/lookup/%s", languages[i]);

      if (!g_file_test (mo, G_FILE_TEST_IS_REGULAR))
        g_error ("%s was not built", mo);
      g_test_add_data_func (explanation, languages[i], test_explanation_in_language);
      g_test_add_data_func (date, languages[i], test_cli_date);
      g_test_add_data_func (lookup, languages[i], test_cli_lookup);
    }
  g_test_add_data_func ("/i18n/cli/date/en", "en", test_cli_date);

  return g_test_run ();
}
