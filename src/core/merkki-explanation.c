/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "merkki-explanation.h"
#include "merkki-recognition.h"

/* g_dgettext() decides once per process whether to translate at all, from
 * the locale at its first call; explanations switch language at run time
 * (merkki_explanation_for_verdict_in()), so they ask gettext directly. */
#undef _
#define _(String) dgettext (GETTEXT_PACKAGE, String)

/* pgettext() the same way: @msgctxt_id is "CONTEXT\004MSGID", and @msgid,
 * the same MSGID, is what comes back when there is no translation. */
static const char *pgettext_direct (const char *msgctxt_id,
                                    const char *msgid) G_GNUC_FORMAT (2);

static const char *
pgettext_direct (const char *msgctxt_id,
                 const char *msgid)
{
  const char *translation = dgettext (GETTEXT_PACKAGE, msgctxt_id);

  return translation == msgctxt_id ? msgid : translation;
}

/* Adds @sentence after the sentences already in @text. */
static void
append_sentence (GString    *text,
                 const char *sentence)
{
  g_autofree char *joined = NULL;

  if (text->len == 0)
    {
      g_string_append (text, sentence);
      return;
    }

  /* Translators: joins two sentences of an explanation, e.g. "This label
   * has expired, …" and "Level 3: the product …". Languages that put no
   * space between sentences (Chinese) write "%s%s". */
  joined = g_strdup_printf (pgettext_direct ("explanation\004%s %s", NC_("explanation", "%s %s")),
                            text->str, sentence);
  g_string_assign (text, joined);
}

/* Every text here restates DOMAIN.md's facts for a shopper; where the
 * authority publishes consumer wording, it follows that wording. */

static const char * const cls_levels[] = {
  /* Translators: Singapore CLS Level 1, in CSA's consumer wording. */
  N_("Level 1: the product meets basic security requirements, such as unique default passwords and providing software updates."),
  /* Translators: Singapore CLS Level 2, in CSA's consumer wording. */
  N_("Level 2: the product meets all mandatory security requirements of international standards, and everything in Level 1."),
  /* Translators: Singapore CLS Level 3, in CSA's consumer wording. "Security-by-Design"
   * is a name of a practice; binaries are the product's compiled software. */
  N_("Level 3: the product was developed using Security-by-Design principles, its software binaries were assessed by approved third-party test labs, and it meets everything in Level 2."),
  /* Translators: Singapore CLS Level 4, in CSA's consumer wording. */
  N_("Level 4: approved third-party test labs carried out structured penetration tests on the product, and it meets everything in Level 3."),
};

static const char * const cls_md_levels[] = {
  /* Translators: Singapore's label for medical devices, CLS(MD) Level 1. */
  N_("Level 1: the medical device meets the baseline security requirements."),
  /* Translators: Singapore's label for medical devices, CLS(MD) Level 2. */
  N_("Level 2: the medical device meets enhanced security requirements."),
  /* Translators: Singapore's label for medical devices, CLS(MD) Level 3. Binary analysis:
   * examining the device's compiled software. */
  N_("Level 3: the medical device meets enhanced security requirements, and third-party testers analysed its software binaries and carried out penetration tests."),
  /* Translators: Singapore's label for medical devices, CLS(MD) Level 4. */
  N_("Level 4: the medical device meets enhanced security requirements, and its software binaries were analysed and its security evaluated."),
};

static const char fi_ttm_text[] =
  /* Translators: Finland's Cybersecurity Label (Tietoturvamerkki) explained to a
   * shopper; Traficom is Finland's Transport and Communications Agency. */
  N_("An official and independent party has examined the product’s information security features on the buyer’s behalf, and the label is reviewed every year. Traficom no longer issues new labels; labels already granted stay on its list.");

static const char de_bsi_text[] =
  /* Translators: Germany's BSI IT Security Label explained to a shopper; BSI is
   * Germany's Federal Office for Information Security. */
  N_("The manufacturer declares that the product meets the security requirements of Germany’s BSI (a manufacturer’s declaration). The label usually runs for two years; the BSI’s page for the label shows its term.");

const char *
merkki_explanation_for_level (const char *scheme,
                              int         level)
{
  g_return_val_if_fail (scheme != NULL, NULL);

  if (g_str_equal (scheme, MERKKI_SCHEME_SG_CLS))
    return level >= 1 && level <= (int) G_N_ELEMENTS (cls_levels) ? _(cls_levels[level - 1]) : NULL;
  if (g_str_equal (scheme, MERKKI_SCHEME_SG_CLS_MD))
    return level >= 1 && level <= (int) G_N_ELEMENTS (cls_md_levels) ? _(cls_md_levels[level - 1]) : NULL;
  if (g_str_equal (scheme, MERKKI_SCHEME_FI_TTM))
    return _(fi_ttm_text);
  if (g_str_equal (scheme, MERKKI_SCHEME_DE_BSI))
    return _(de_bsi_text);
  return NULL;
}

static const char *
verdict_sentence (MerkkiVerdict verdict)
{
  switch (verdict)
    {
    case MERKKI_VERDICT_VALID:
      return _("The issuer’s registry confirms this label: it is valid.");
    case MERKKI_VERDICT_EXPIRED:
      return _("This label has expired, so it no longer vouches for the product’s security.");
    case MERKKI_VERDICT_REVOKED:
      return _("The authority has withdrawn or suspended this label. Do not rely on it.");
    case MERKKI_VERDICT_NOT_FOUND:
      return _("The issuer’s registry has no such label. The label may be counterfeit.");
    case MERKKI_VERDICT_MISMATCH:
      return _("The label and the registry’s record do not agree, for example on the expiry date. The label may have been altered or copied.");
    case MERKKI_VERDICT_SUSPICIOUS:
      return _("The code imitates a label authority’s link but goes somewhere else. Do not open it.");
    case MERKKI_VERDICT_NOT_A_LABEL:
      return _("The code is not a cybersecurity label.");
    case MERKKI_VERDICT_UNVERIFIED:
      return _("No registry could be reached and no saved copy has this label, so it could not be checked. Try again when you are online.");
    default:
      g_return_val_if_reached ("");
    }
}

char *
merkki_explanation_for_verdict (MerkkiVerdict       verdict,
                                const MerkkiRecord *record)
{
  GString *text = g_string_new (verdict_sentence (verdict));
  const char *level_text = NULL;

  if (record != NULL && record->scheme != NULL &&
      verdict != MERKKI_VERDICT_SUSPICIOUS && verdict != MERKKI_VERDICT_NOT_A_LABEL)
    level_text = merkki_explanation_for_level (record->scheme, record->level);

  if (level_text != NULL)
    append_sentence (text, level_text);

  if (verdict == MERKKI_VERDICT_VALID && record != NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autoptr(GDate) today = g_date_new_dmy (g_date_time_get_day_of_month (now),
                                               g_date_time_get_month (now),
                                               g_date_time_get_year (now));
      g_autoptr(GPtrArray) countries = merkki_recognition_table_evaluate (merkki_recognition_table_get_default (),
                                                                          record, verdict, today);
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = 0; i < countries->len; i++)
        {
          const MerkkiCountryRecognition *entry = g_ptr_array_index (countries, i);

          if (!entry->recognised)
            continue;
          if (names->len > 0)
            /* Translators: separates country names in a list. */
            g_string_append (names, _(", "));
          /* merkki_country_get_name() asks gettext directly as well. */
          g_string_append (names, merkki_country_get_name (entry->country));
        }

      if (names->len > 0)
        {
          /* Translators: %s is a list of countries, e.g. "Singapore, Finland, Germany". */
          g_autofree char *recognised = g_strdup_printf (_("Recognised in: %s."), names->str);

          append_sentence (text, recognised);
        }
    }

  return g_string_free (text, FALSE);
}

/* gettext picks the language from the LANGUAGE environment variable before
 * the locale, and LANGUAGE works even when no locale for that language is
 * installed (a Finnish .mo is enough; fi_FI.UTF-8 need not exist), which is
 * why the switch goes through it rather than through newlocale()/uselocale().
 * gettext caches translations by locale name, not by LANGUAGE, so the
 * change has to be announced: GNU gettext's manual ("Changing the language
 * at runtime") does it by incrementing _nl_msg_cat_cntr; elsewhere, setting
 * LC_MESSAGES to another locale and back does it. glibc ignores LANGUAGE in
 * the plain "C" locale, so for the duration of the switch "C" becomes
 * "C.UTF-8".
 *
 * The environment and the locale are process-wide: the mutex keeps two
 * switches apart, but another thread translating at the same moment may see
 * the other language for that moment. Call it from the thread that shows
 * the text (the UI's main thread). */
G_LOCK_DEFINE_STATIC (language_switch);

#ifdef __GLIBC__
extern int _nl_msg_cat_cntr;
#endif

static void
announce_language_change (const char *messages_locale)
{
#ifdef __GLIBC__
  ++_nl_msg_cat_cntr;
  setlocale (LC_MESSAGES, messages_locale);
#else
  setlocale (LC_MESSAGES, g_str_equal (messages_locale, "POSIX") ? "C" : "POSIX");
  setlocale (LC_MESSAGES, messages_locale);
#endif
}

char *
merkki_explanation_for_verdict_in (const char         *language,
                                   MerkkiVerdict       verdict,
                                   const MerkkiRecord *record)
{
  g_autofree char *saved_language = NULL;
  g_autofree char *saved_messages = NULL;
  const char *messages;
  const char *switched_messages;
  char *text;

  if (language == NULL || *language == '\0')
    return merkki_explanation_for_verdict (verdict, record);

  G_LOCK (language_switch);

  saved_language = g_strdup (g_getenv ("LANGUAGE"));
  messages = setlocale (LC_MESSAGES, NULL);
  saved_messages = g_strdup (messages != NULL ? messages : "C");
  switched_messages = saved_messages;
  if (g_str_equal (saved_messages, "C") || g_str_equal (saved_messages, "POSIX"))
    switched_messages = "C.UTF-8";

  g_setenv ("LANGUAGE", language, TRUE);
  announce_language_change (switched_messages);
  if (setlocale (LC_MESSAGES, NULL) == NULL || !g_str_equal (setlocale (LC_MESSAGES, NULL), switched_messages))
    announce_language_change (saved_messages);

  text = merkki_explanation_for_verdict (verdict, record);

  if (saved_language != NULL)
    g_setenv ("LANGUAGE", saved_language, TRUE);
  else
    g_unsetenv ("LANGUAGE");
  announce_language_change (saved_messages);

  G_UNLOCK (language_switch);

  return text;
}
