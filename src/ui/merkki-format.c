/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "merkki-format.h"

#define MAX_LEVEL 4

char *
merkki_format_stars (int level)
{
  GString *stars = g_string_new (NULL);

  if (level <= 0)
    return g_string_free (stars, FALSE);

  level = MIN (level, MAX_LEVEL);
  for (int i = 0; i < MAX_LEVEL; i++)
    g_string_append (stars, i < level ? "★" : "☆");

  return g_string_free (stars, FALSE);
}

char *
merkki_format_stars_label (int level)
{
  /* Translators: the accessible name of the level's stars. */
  return g_strdup_printf (_("Level %d of %d"), CLAMP (level, 0, MAX_LEVEL), MAX_LEVEL);
}

char *
merkki_format_level_name (const char *scheme,
                          int         level)
{
  g_return_val_if_fail (scheme != NULL, NULL);

  if (level <= 0)
    return g_strdup (merkki_scheme_get_name (scheme));

  if (g_str_equal (scheme, MERKKI_SCHEME_SG_CLS))
    /* Translators: Singapore's Cybersecurity Labelling Scheme level. */
    return g_strdup_printf (_("CLS Level %d"), level);
  if (g_str_equal (scheme, MERKKI_SCHEME_SG_CLS_MD))
    /* Translators: the medical-device variant of Singapore's scheme. */
    return g_strdup_printf (_("CLS(MD) Level %d"), level);

  /* Translators: a label's level in a scheme without its own short name. */
  return g_strdup_printf (_("Level %d"), level);
}

char *
merkki_format_recognition (const MerkkiCountryRecognition *recognition)
{
  g_return_val_if_fail (recognition != NULL, NULL);

  if (!recognition->recognised)
    return g_strdup (_("Not recognised"));

  if (recognition->simplified)
    {
      if (recognition->level > 0)
        /* Translators: e.g. the UK and Japan: an easier way to a level, not full recognition. */
        return g_strdup_printf (_("Simplified route to Level %d"), recognition->level);
      return g_strdup (_("Simplified route"));
    }

  if (recognition->level > 0)
    /* Translators: the level the country counts the label as. */
    return g_strdup_printf (_("Recognised as Level %d"), recognition->level);

  return g_strdup (_("Recognised"));
}

const char *
merkki_format_verdict_icon (MerkkiVerdict verdict)
{
  switch (verdict)
    {
    case MERKKI_VERDICT_VALID:
      return "emblem-ok-symbolic";
    case MERKKI_VERDICT_EXPIRED:
      return "alarm-symbolic";
    case MERKKI_VERDICT_REVOKED:
      return "action-unavailable-symbolic";
    case MERKKI_VERDICT_NOT_FOUND:
    case MERKKI_VERDICT_MISMATCH:
      return "dialog-error-symbolic";
    case MERKKI_VERDICT_SUSPICIOUS:
      return "dialog-warning-symbolic";
    case MERKKI_VERDICT_NOT_A_LABEL:
      return "text-x-generic-symbolic";
    case MERKKI_VERDICT_UNVERIFIED:
    default:
      return "network-error-symbolic";
    }
}

const char *
merkki_format_verdict_style (MerkkiVerdict verdict)
{
  switch (verdict)
    {
    case MERKKI_VERDICT_VALID:
      return "success";
    case MERKKI_VERDICT_EXPIRED:
    case MERKKI_VERDICT_REVOKED:
    case MERKKI_VERDICT_NOT_FOUND:
    case MERKKI_VERDICT_MISMATCH:
    case MERKKI_VERDICT_SUSPICIOUS:
      return "error";
    case MERKKI_VERDICT_NOT_A_LABEL:
    case MERKKI_VERDICT_UNVERIFIED:
    default:
      return "warning";
    }
}
