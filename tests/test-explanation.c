/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libintl.h>
#include <string.h>

#include <glib/gstdio.h>

#include "merkki-core.h"
#include "merkki-test-utils.h"

#define FI_VALID "Myöntäjän rekisteri vahvistaa merkin: se on voimassa."
#define EN_VALID "The issuer’s registry confirms this label: it is valid."

static void
test_levels (void)
{
  const char *schemes[] = { "sg-cls", "sg-cls-md" };

  for (gsize s = 0; s < G_N_ELEMENTS (schemes); s++)
    {
      g_assert_null (merkki_explanation_for_level (schemes[s], 0));
      g_assert_null (merkki_explanation_for_level (schemes[s], 5));
      for (int level = 1; level <= 4; level++)
        {
          const char *text = merkki_explanation_for_level (schemes[s], level);
          g_autofree char *prefix = g_strdup_printf ("Level %d:", level);

          g_assert_nonnull (text);
          g_assert_true (g_str_has_prefix (text, prefix));
          for (int other = 1; other < level; other++)
            g_assert_cmpstr (merkki_explanation_for_level (schemes[s], other), !=, text);
        }
    }

  /* CSA's current wording: Security-by-Design belongs to Level 3, not 2. */
  g_assert_nonnull (strstr (merkki_explanation_for_level ("sg-cls", 3), "Security-by-Design"));
  g_assert_null (strstr (merkki_explanation_for_level ("sg-cls", 2), "Security-by-Design"));
  g_assert_nonnull (strstr (merkki_explanation_for_level ("sg-cls", 1), "unique default passwords"));
  g_assert_nonnull (strstr (merkki_explanation_for_level ("sg-cls", 4), "penetration tests"));

  /* Levelless schemes ignore the level. */
  g_assert_cmpstr (merkki_explanation_for_level ("fi-ttm", 0), ==, merkki_explanation_for_level ("fi-ttm", 3));
  g_assert_nonnull (strstr (merkki_explanation_for_level ("fi-ttm", 0), "independent party"));
  g_assert_nonnull (strstr (merkki_explanation_for_level ("fi-ttm", 0), "every year"));
  g_assert_nonnull (strstr (merkki_explanation_for_level ("fi-ttm", 0), "no longer issues new labels"));
  g_assert_nonnull (strstr (merkki_explanation_for_level ("de-bsi", 0), "manufacturer’s declaration"));
  g_assert_null (merkki_explanation_for_level ("us-ctm", 1));
}

static void
test_verdicts (void)
{
  g_autoptr(MerkkiRecord) cls3 = merkki_test_record_new ("sg-cls", "test", 3, MERKKI_RECORD_STATUS_ACTIVE);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);

  for (int v = MERKKI_VERDICT_VALID; v <= MERKKI_VERDICT_UNVERIFIED; v++)
    {
      char *text = merkki_explanation_for_verdict (v, NULL);

      g_assert_nonnull (text);
      g_assert_cmpuint (strlen (text), >, 20);
      for (guint i = 0; i < seen->len; i++)
        g_assert_cmpstr (g_ptr_array_index (seen, i), !=, text);
      g_ptr_array_add (seen, text);
    }

  {
    g_autofree char *valid = merkki_explanation_for_verdict (MERKKI_VERDICT_VALID, cls3);
    g_autofree char *expired = merkki_explanation_for_verdict (MERKKI_VERDICT_EXPIRED, cls3);

    g_assert_true (g_str_has_prefix (valid, EN_VALID));
    g_assert_nonnull (strstr (valid, merkki_explanation_for_level ("sg-cls", 3)));
    /* Level 3 is recognised in Finland (since 2021) and Germany (since 2022). */
    g_assert_nonnull (strstr (valid, "Recognised in: Singapore, Finland, Germany"));
    g_assert_null (strstr (expired, "Recognised in"));
  }
}

/* A real .mo built from a .po at test time, bound like an installed one. */
static char *
build_finnish_catalog (void)
{
  static const char po[] =
    "msgid \"\"\n"
    "msgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
    "msgid \"" EN_VALID "\"\n"
    "msgstr \"" FI_VALID "\"\n\n"
    "msgid \"Finland\"\n"
    "msgstr \"Suomi\"\n";
  g_autofree char *localedir = g_build_filename (merkki_test_get_tmpdir (), "locale", NULL);
  g_autofree char *dir = g_build_filename (localedir, "fi", "LC_MESSAGES", NULL);
  g_autofree char *po_path = g_build_filename (merkki_test_get_tmpdir (), "fi.po", NULL);
  g_autofree char *mo_path = g_build_filename (dir, GETTEXT_PACKAGE ".mo", NULL);
  g_autofree char *msgfmt = g_find_program_in_path ("msgfmt");
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (msgfmt == NULL)
    return NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (po_path, po, -1, &error));
  {
    const char *argv[] = { msgfmt, "-o", mo_path, po_path, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                                 &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, &error));
  }

  return g_steal_pointer (&localedir);
}

static void
test_in_language (void)
{
  g_autofree char *localedir = build_finnish_catalog ();
  g_autoptr(MerkkiRecord) fi = merkki_test_record_new ("fi-ttm", "test", 0, MERKKI_RECORD_STATUS_ACTIVE);
  g_autofree char *saved_language = g_strdup (g_getenv ("LANGUAGE"));
  g_autofree char *finnish = NULL;
  g_autofree char *english = NULL;
  g_autofree char *default_text = NULL;

  if (localedir == NULL)
    {
      g_test_skip ("msgfmt (gettext) is not installed");
      return;
    }
  bindtextdomain (GETTEXT_PACKAGE, localedir);

  finnish = merkki_explanation_for_verdict_in ("fi", MERKKI_VERDICT_VALID, fi);
  english = merkki_explanation_for_verdict_in ("en", MERKKI_VERDICT_VALID, fi);
  default_text = merkki_explanation_for_verdict (MERKKI_VERDICT_VALID, fi);

  g_test_message ("fi: %s", finnish);
  g_assert_true (g_str_has_prefix (finnish, FI_VALID));
  g_assert_nonnull (strstr (finnish, "Suomi"));
  /* Untranslated sentences fall back to English, never to nothing. */
  g_assert_nonnull (strstr (finnish, "independent party"));
  g_assert_true (g_str_has_prefix (english, EN_VALID));
  /* The switch does not outlive the call. */
  g_assert_true (g_str_has_prefix (default_text, EN_VALID));
  g_assert_cmpstr (g_getenv ("LANGUAGE"), ==, saved_language);

  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
}

typedef struct {
  const char *language;
  const char *expected_prefix;
  gboolean    ok;
} SwitchJob;

static gpointer
switch_thread (gpointer data)
{
  SwitchJob *job = data;
  g_autoptr(MerkkiRecord) fi = merkki_test_record_new ("fi-ttm", "test", 0, MERKKI_RECORD_STATUS_ACTIVE);

  job->ok = TRUE;
  for (int i = 0; i < 50; i++)
    {
      g_autofree char *text = merkki_explanation_for_verdict_in (job->language, MERKKI_VERDICT_VALID, fi);

      job->ok = job->ok && g_str_has_prefix (text, job->expected_prefix);
    }
  return NULL;
}

/* Switches from several threads do not mix languages. */
static void
test_in_language_threads (void)
{
  g_autofree char *localedir = build_finnish_catalog ();
  SwitchJob jobs[4] = {
    { "fi", FI_VALID, FALSE }, { "en", EN_VALID, FALSE },
    { "fi", FI_VALID, FALSE }, { "en", EN_VALID, FALSE },
  };
  GThread *threads[G_N_ELEMENTS (jobs)];

  if (localedir == NULL)
    {
      g_test_skip ("msgfmt (gettext) is not installed");
      return;
    }
  bindtextdomain (GETTEXT_PACKAGE, localedir);

  for (gsize i = 0; i < G_N_ELEMENTS (jobs); i++)
    threads[i] = g_thread_new ("switch", switch_thread, &jobs[i]);
  for (gsize i = 0; i < G_N_ELEMENTS (jobs); i++)
    {
      g_thread_join (threads[i]);
      g_assert_true (jobs[i].ok);
    }

  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
}

int
main (int   argc,
      char *argv[])
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/explanation/levels", test_levels);
  g_test_add_func ("/explanation/verdicts", test_verdicts);
  g_test_add_func ("/explanation/in-language", test_in_language);
  g_test_add_func ("/explanation/in-language-threads", test_in_language_threads);

  return g_test_run ();
}
