/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "merkki-format.h"
#include "merkki-test-utils.h"

static void
test_stars (void)
{
  struct {
    int         level;
    const char *stars;
    const char *label;
  } cases[] = {
    { 0, "", "Level 0 of 4" },
    { 1, "★☆☆☆", "Level 1 of 4" },
    { 3, "★★★☆", "Level 3 of 4" },
    { 4, "★★★★", "Level 4 of 4" },
    { 9, "★★★★", "Level 4 of 4" },   /* never more stars than levels */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *stars = merkki_format_stars (cases[i].level);
      g_autofree char *label = merkki_format_stars_label (cases[i].level);

      g_assert_cmpstr (stars, ==, cases[i].stars);
      g_assert_cmpstr (label, ==, cases[i].label);
    }
}

static void
test_recognition (void)
{
  MerkkiCountryRecognition recognition = { 0 };
  g_autofree char *level = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *simplified = NULL;
  g_autofree char *refused = NULL;
  g_autofree char *cls = merkki_format_level_name (MERKKI_SCHEME_SG_CLS, 3);

  g_assert_cmpstr (cls, ==, "CLS Level 3");

  recognition.recognised = TRUE;
  recognition.level = 3;
  level = merkki_format_recognition (&recognition);
  g_assert_cmpstr (level, ==, "Recognised as Level 3");

  recognition.level = 0;
  plain = merkki_format_recognition (&recognition);
  g_assert_cmpstr (plain, ==, "Recognised");

  recognition.simplified = TRUE;
  recognition.level = 1;
  simplified = merkki_format_recognition (&recognition);
  g_assert_cmpstr (simplified, ==, "Simplified route to Level 1");

  recognition.recognised = FALSE;
  refused = merkki_format_recognition (&recognition);
  g_assert_cmpstr (refused, ==, "Not recognised");
}

static void
test_verdict_presentation (void)
{
  /* Every verdict has its own icon, so colour is never the only signal
   * between a good and a bad result. */
  g_assert_cmpstr (merkki_format_verdict_icon (MERKKI_VERDICT_VALID), !=,
                   merkki_format_verdict_icon (MERKKI_VERDICT_NOT_FOUND));
  g_assert_cmpstr (merkki_format_verdict_icon (MERKKI_VERDICT_VALID), !=,
                   merkki_format_verdict_icon (MERKKI_VERDICT_EXPIRED));
  g_assert_cmpstr (merkki_format_verdict_icon (MERKKI_VERDICT_SUSPICIOUS), !=,
                   merkki_format_verdict_icon (MERKKI_VERDICT_VALID));
  g_assert_cmpstr (merkki_format_verdict_style (MERKKI_VERDICT_VALID), ==, "success");
  g_assert_cmpstr (merkki_format_verdict_style (MERKKI_VERDICT_NOT_FOUND), ==, "error");
  g_assert_cmpstr (merkki_format_verdict_style (MERKKI_VERDICT_UNVERIFIED), ==, "warning");
}

int
main (int   argc,
      char *argv[])
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/format/stars", test_stars);
  g_test_add_func ("/format/recognition", test_recognition);
  g_test_add_func ("/format/verdict-presentation", test_verdict_presentation);

  return g_test_run ();
}
