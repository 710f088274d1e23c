/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "merkki-format.h"

#define MAX_LEVEL 4

char *
merkki_format_date (GDateTime *when)
{
  g_return_val_if_fail (when != NULL, NULL);

  /* Translators: a date as in "3 Nov 2026"; see g_date_time_format(). */
  return g_date_time_format (when, _("%-d %b %Y"));
}

char *
merkki_format_age (GDateTime *when,
                   GDateTime *now)
{
  g_autofree char *date = NULL;
  GTimeSpan age;

  g_return_val_if_fail (when != NULL, NULL);
  g_return_val_if_fail (now != NULL, NULL);

  age = g_date_time_difference (now, when);
  /* A clock a little ahead of ours still means "just now". */
  if (age < G_TIME_SPAN_MINUTE)
    return g_strdup (_("just now"));
  if (age < G_TIME_SPAN_HOUR)
    {
      int minutes = (int) (age / G_TIME_SPAN_MINUTE);

      /* Translators: how long ago a registry answered. */
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d min ago", "%d min ago", minutes), minutes);
    }
  if (age < G_TIME_SPAN_DAY)
    {
      int hours = (int) (age / G_TIME_SPAN_HOUR);

      /* Translators: how long ago a registry answered. */
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d h ago", "%d h ago", hours), hours);
    }

  date = merkki_format_date (when);
  /* Translators: %s is a date, "3 Nov 2026". */
  return g_strdup_printf (_("on %s"), date);
}

char *
merkki_format_provenance (const MerkkiRegistryAnswer *answer,
                          GDateTime                  *now)
{
  const char *name;

  g_return_val_if_fail (answer != NULL, NULL);

  name = answer->registry_name != NULL ? answer->registry_name : answer->registry_id;

  switch (answer->outcome)
    {
    case MERKKI_OUTCOME_ERROR:
      /* Translators: %s is a registry's name, "Traficom registry". */
      return g_strdup_printf (_("%s unreachable"), name);

    case MERKKI_OUTCOME_SKIPPED:
      /* Translators: %s is a registry's name; it was not asked. */
      return g_strdup_printf (_("%s not asked"), name);

    case MERKKI_OUTCOME_FOUND:
    case MERKKI_OUTCOME_NOT_FOUND:
    default:
      break;
    }

  if (answer->demo)
    /* Translators: %s is a registry's name; the answer came from the demo
     * data bundled with the app, not from a real registry. */
    return g_strdup_printf (_("%s, demo data"), name);

  if (answer->fetched_at == NULL)
    return g_strdup (name);

  if (answer->source == MERKKI_SOURCE_SNAPSHOT)
    {
      g_autofree char *date = merkki_format_date (answer->fetched_at);

      /* Translators: "CSA registry, offline copy from 3 Nov 2026". */
      return g_strdup_printf (_("%s, offline copy from %s"), name, date);
    }
  else
    {
      g_autofree char *age = merkki_format_age (answer->fetched_at, now);

      /* Translators: "CSA registry, just now" or "CSA registry, 5 min ago". */
      return g_strdup_printf (_("%s, %s"), name, age);
    }
}

char *
merkki_format_answer_detail (const MerkkiRegistryAnswer *answer)
{
  g_return_val_if_fail (answer != NULL, NULL);

  switch (answer->outcome)
    {
    case MERKKI_OUTCOME_FOUND:
      if (answer->is_issuer)
        return g_strdup (_("Label found"));
      return g_strdup (_("Product listed"));

    case MERKKI_OUTCOME_NOT_FOUND:
      if (answer->is_issuer)
        return g_strdup (_("No such label"));
      return g_strdup (_("Product not listed"));

    case MERKKI_OUTCOME_ERROR:
      if (answer->error != NULL)
        return g_strdup (answer->error);
      return g_strdup (_("The registry did not answer"));

    case MERKKI_OUTCOME_SKIPPED:
    default:
      return g_strdup (_("Not needed for this check"));
    }
}

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
