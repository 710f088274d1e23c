/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <jansson.h>

#include "merkki-core.h"
#include "merkki-error.h"
#include "merkki-recognition.h"

/* Country names and the basis texts follow a language switched at run time
 * (see merkki-explanation.c), so they ask gettext directly rather than
 * through g_dgettext(), which decides once per process. */
#undef _
#define _(String) dgettext (GETTEXT_PACKAGE, String)

/* Who counts whose label as what comes only from recognition.json (DOMAIN.md's
 * table, with source and date for every row); this file knows no country
 * pairs. It only knows how to phrase the answer. */

#define RECOGNITION_VERSION 1
#define MAX_LEVEL 4

typedef struct {
  char   *scheme;
  char   *country;
  char   *authority;
  GArray *levels;     /* int */
} SchemeEntry;

typedef struct {
  char     *id;
  char     *partner_country;
  char     *partner_scheme;
  char     *partner_label;
  /* How the home scheme (Singapore's CLS) counts the partner's label. */
  char     *home_scheme;
  int       home_level;
  gboolean  home_simplified;
  /* Which home levels the partner accepts, and as what. */
  int       partner_min_level;
  int       partner_max_level;
  int       partner_as_level;
  gboolean  partner_simplified;
  GDate    *in_force_from;
  char     *source;
} RuleEntry;

struct _MerkkiRecognitionTable
{
  GObject    parent_instance;
  GPtrArray *schemes;  /* SchemeEntry */
  GPtrArray *rules;    /* RuleEntry, in the file's order */
};

G_DEFINE_FINAL_TYPE (MerkkiRecognitionTable, merkki_recognition_table, G_TYPE_OBJECT)

static void
scheme_entry_free (SchemeEntry *entry)
{
  g_free (entry->scheme);
  g_free (entry->country);
  g_free (entry->authority);
  g_clear_pointer (&entry->levels, g_array_unref);
  g_free (entry);
}

static void
rule_entry_free (RuleEntry *rule)
{
  g_free (rule->id);
  g_free (rule->partner_country);
  g_free (rule->partner_scheme);
  g_free (rule->partner_label);
  g_free (rule->home_scheme);
  g_clear_pointer (&rule->in_force_from, g_date_free);
  g_free (rule->source);
  g_free (rule);
}

void
merkki_country_recognition_free (MerkkiCountryRecognition *self)
{
  if (self == NULL)
    return;

  g_free (self->country);
  g_free (self->scheme);
  g_free (self->basis);
  g_free (self->source);
  g_clear_pointer (&self->in_force_from, g_date_free);
  g_free (self);
}

static void
merkki_recognition_table_finalize (GObject *object)
{
  MerkkiRecognitionTable *self = MERKKI_RECOGNITION_TABLE (object);

  g_clear_pointer (&self->schemes, g_ptr_array_unref);
  g_clear_pointer (&self->rules, g_ptr_array_unref);

  G_OBJECT_CLASS (merkki_recognition_table_parent_class)->finalize (object);
}

static void
merkki_recognition_table_class_init (MerkkiRecognitionTableClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = merkki_recognition_table_finalize;
}

static void
merkki_recognition_table_init (MerkkiRecognitionTable *self)
{
  self->schemes = g_ptr_array_new_with_free_func ((GDestroyNotify) scheme_entry_free);
  self->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) rule_entry_free);
}

/* ---- Reading the table, every field type-checked ------------------------ */

static gboolean G_GNUC_PRINTF (3, 4)
invalid (GError    **error,
         const char *where,
         const char *format,
         ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
               /* Translators: the first %s is a place in recognition.json such as
                * "rules[2].in_force_from", the second what is wrong with it. */
               _("The recognition rules are invalid: %s %s"), where, what);
  return FALSE;
}

static gboolean
get_string (json_t      *object,
            const char  *key,
            const char  *where,
            gboolean     required,
            char       **out,
            GError     **error)
{
  json_t *value = json_object_get (object, key);
  g_autofree char *place = g_strdup_printf ("%s.%s", where, key);
  const char *str;

  *out = NULL;
  if (value == NULL && !required)
    return TRUE;
  if (!json_is_string (value))
    return invalid (error, place, "%s", _("must be a string"));

  str = json_string_value (value);
  if (!g_utf8_validate (str, json_string_length (value), NULL) || strlen (str) != json_string_length (value))
    return invalid (error, place, "%s", _("is not valid text"));
  if (required && *str == '\0')
    return invalid (error, place, "%s", _("must not be empty"));

  *out = g_strdup (str);
  return TRUE;
}

static gboolean
get_int (json_t     *object,
         const char *key,
         const char *where,
         int         min,
         int         max,
         int        *out,
         GError    **error)
{
  json_t *value = json_object_get (object, key);
  g_autofree char *place = g_strdup_printf ("%s.%s", where, key);

  if (!json_is_integer (value))
    return invalid (error, place, "%s", _("must be a whole number"));
  if (json_integer_value (value) < min || json_integer_value (value) > max)
    return invalid (error, place, _("must be between %d and %d"), min, max);

  *out = (int) json_integer_value (value);
  return TRUE;
}

static gboolean
get_bool (json_t     *object,
          const char *key,
          const char *where,
          gboolean   *out,
          GError    **error)
{
  json_t *value = json_object_get (object, key);
  g_autofree char *place = g_strdup_printf ("%s.%s", where, key);

  if (!json_is_boolean (value))
    return invalid (error, place, "%s", _("must be true or false"));

  *out = json_is_true (value);
  return TRUE;
}

static gboolean
get_object (json_t      *object,
            const char  *key,
            const char  *where,
            json_t     **out,
            GError     **error)
{
  json_t *value = json_object_get (object, key);
  g_autofree char *place = g_strdup_printf ("%s.%s", where, key);

  if (!json_is_object (value))
    return invalid (error, place, "%s", _("must be an object"));

  *out = value;
  return TRUE;
}

static gboolean
is_country_code (const char *code)
{
  return strlen (code) == 2 && g_ascii_isupper (code[0]) && g_ascii_isupper (code[1]);
}

static const SchemeEntry *
find_scheme (MerkkiRecognitionTable *self,
             const char             *scheme)
{
  for (guint i = 0; i < self->schemes->len; i++)
    {
      const SchemeEntry *entry = g_ptr_array_index (self->schemes, i);

      if (g_strcmp0 (entry->scheme, scheme) == 0)
        return entry;
    }
  return NULL;
}

static gboolean
read_scheme (MerkkiRecognitionTable *self,
             json_t                 *object,
             const char             *where,
             GError                **error)
{
  SchemeEntry *entry;
  json_t *levels;
  g_autofree char *levels_place = g_strdup_printf ("%s.levels", where);

  if (!json_is_object (object))
    return invalid (error, where, "%s", _("must be an object"));

  entry = g_new0 (SchemeEntry, 1);
  entry->levels = g_array_new (FALSE, FALSE, sizeof (int));
  g_ptr_array_add (self->schemes, entry);

  if (!get_string (object, "scheme", where, TRUE, &entry->scheme, error) ||
      !get_string (object, "country", where, TRUE, &entry->country, error) ||
      !get_string (object, "authority", where, TRUE, &entry->authority, error))
    return FALSE;
  if (!is_country_code (entry->country))
    return invalid (error, where, "%s", _("has a country that is not an ISO 3166 two-letter code"));
  if (find_scheme (self, entry->scheme) != entry)
    return invalid (error, where, _("repeats the scheme “%s”"), entry->scheme);

  levels = json_object_get (object, "levels");
  if (!json_is_array (levels))
    return invalid (error, levels_place, "%s", _("must be a list"));
  for (gsize i = 0; i < json_array_size (levels); i++)
    {
      json_t *level = json_array_get (levels, i);
      int value;

      if (!json_is_integer (level) || json_integer_value (level) < 1 || json_integer_value (level) > MAX_LEVEL)
        return invalid (error, levels_place, _("must hold whole numbers from 1 to %d"), MAX_LEVEL);
      value = (int) json_integer_value (level);
      g_array_append_val (entry->levels, value);
    }

  return TRUE;
}

static gboolean
read_rule (MerkkiRecognitionTable *self,
           json_t                 *object,
           const char             *where,
           GError                **error)
{
  RuleEntry *rule;
  json_t *home;
  json_t *partner;
  g_autofree char *home_place = g_strdup_printf ("%s.singapore_counts_partner_as", where);
  g_autofree char *partner_place = g_strdup_printf ("%s.partner_counts_cls", where);
  g_autofree char *date = NULL;
  const SchemeEntry *partner_scheme;

  if (!json_is_object (object))
    return invalid (error, where, "%s", _("must be an object"));

  rule = g_new0 (RuleEntry, 1);
  g_ptr_array_add (self->rules, rule);

  if (!get_string (object, "id", where, TRUE, &rule->id, error) ||
      !get_string (object, "partner_country", where, TRUE, &rule->partner_country, error) ||
      !get_string (object, "partner_scheme", where, TRUE, &rule->partner_scheme, error) ||
      !get_string (object, "partner_label", where, TRUE, &rule->partner_label, error) ||
      !get_string (object, "source", where, TRUE, &rule->source, error) ||
      !get_string (object, "in_force_from", where, TRUE, &date, error) ||
      !get_object (object, "singapore_counts_partner_as", where, &home, error) ||
      !get_object (object, "partner_counts_cls", where, &partner, error) ||
      !get_string (home, "scheme", home_place, TRUE, &rule->home_scheme, error) ||
      !get_int (home, "level", home_place, 0, MAX_LEVEL, &rule->home_level, error) ||
      !get_bool (home, "simplified", home_place, &rule->home_simplified, error) ||
      !get_int (partner, "min_level", partner_place, 1, MAX_LEVEL, &rule->partner_min_level, error) ||
      !get_int (partner, "max_level", partner_place, 1, MAX_LEVEL, &rule->partner_max_level, error) ||
      !get_int (partner, "as_level", partner_place, 0, MAX_LEVEL, &rule->partner_as_level, error) ||
      !get_bool (partner, "simplified", partner_place, &rule->partner_simplified, error))
    return FALSE;

  if (json_object_get (object, "note") != NULL && !json_is_string (json_object_get (object, "note")))
    return invalid (error, where, "%s", _("has a note that is not a string"));

  rule->in_force_from = merkki_date_parse_iso (date);
  if (rule->in_force_from == NULL)
    return invalid (error, where, "%s", _("has an in_force_from that is not a date (YYYY-MM-DD)"));
  if (!is_country_code (rule->partner_country))
    return invalid (error, where, "%s", _("has a partner country that is not an ISO 3166 two-letter code"));
  if (rule->partner_min_level > rule->partner_max_level)
    return invalid (error, partner_place, "%s", _("has a min_level above its max_level"));

  partner_scheme = find_scheme (self, rule->partner_scheme);
  if (partner_scheme == NULL)
    return invalid (error, where, _("names the partner scheme “%s”, which is not in the list of schemes"),
                    rule->partner_scheme);
  if (g_strcmp0 (partner_scheme->country, rule->partner_country) != 0)
    return invalid (error, where, "%s", _("gives a partner country other than its scheme’s"));
  if (find_scheme (self, rule->home_scheme) == NULL)
    return invalid (error, home_place, _("names the scheme “%s”, which is not in the list of schemes"),
                    rule->home_scheme);
  if (g_strcmp0 (rule->home_scheme, rule->partner_scheme) == 0)
    return invalid (error, where, "%s", _("makes a scheme its own partner"));

  for (guint i = 0; i + 1 < self->rules->len; i++)
    {
      const RuleEntry *other = g_ptr_array_index (self->rules, i);

      if (g_strcmp0 (other->id, rule->id) == 0)
        return invalid (error, where, _("repeats the rule id “%s”"), rule->id);
    }

  return TRUE;
}

MerkkiRecognitionTable *
merkki_recognition_table_new_from_data (const char *json,
                                        gsize       len,
                                        GError    **error)
{
  g_autoptr(MerkkiRecognitionTable) self = NULL;
  json_error_t json_error;
  json_t *root;
  json_t *schemes;
  json_t *rules;
  gboolean ok = TRUE;

  g_return_val_if_fail (json != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = json_loadb (json != NULL ? json : "", len, JSON_REJECT_DUPLICATES, &json_error);
  if (root == NULL)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                   /* Translators: %d is a line number, %s the parser's own message (English). */
                   _("The recognition rules are not valid JSON (line %d: %s)"),
                   json_error.line, json_error.text);
      return NULL;
    }

  self = g_object_new (MERKKI_TYPE_RECOGNITION_TABLE, NULL);

  if (!json_is_object (root))
    ok = invalid (error, "(top)", "%s", _("must be an object"));
  else if (!json_is_integer (json_object_get (root, "version")) ||
           json_integer_value (json_object_get (root, "version")) != RECOGNITION_VERSION)
    ok = invalid (error, "version", _("must be %d"), RECOGNITION_VERSION);
  else if (!json_is_array (schemes = json_object_get (root, "schemes")))
    ok = invalid (error, "schemes", "%s", _("must be a list"));
  else if (!json_is_array (rules = json_object_get (root, "rules")))
    ok = invalid (error, "rules", "%s", _("must be a list"));
  else
    {
      for (gsize i = 0; ok && i < json_array_size (schemes); i++)
        {
          g_autofree char *where = g_strdup_printf ("schemes[%" G_GSIZE_FORMAT "]", i);

          ok = read_scheme (self, json_array_get (schemes, i), where, error);
        }
      for (gsize i = 0; ok && i < json_array_size (rules); i++)
        {
          g_autofree char *where = g_strdup_printf ("rules[%" G_GSIZE_FORMAT "]", i);

          ok = read_rule (self, json_array_get (rules, i), where, error);
        }
    }

  json_decref (root);
  return ok ? g_steal_pointer (&self) : NULL;
}

MerkkiRecognitionTable *
merkki_recognition_table_get_default (void)
{
  static MerkkiRecognitionTable *table;

  if (g_once_init_enter (&table))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = NULL;
      MerkkiRecognitionTable *loaded = NULL;

      merkki_core_init ();
      bytes = g_resources_lookup_data (MERKKI_CORE_RESOURCE_PATH "recognition.json",
                                       G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
      if (bytes != NULL)
        loaded = merkki_recognition_table_new_from_data (g_bytes_get_data (bytes, NULL),
                                                         g_bytes_get_size (bytes), &error);
      if (loaded == NULL)
        {
          /* The file is built into the library and tested; reaching this
           * is a broken build. An empty table recognises nothing, which
           * is the safe side. */
          g_critical ("Bundled recognition.json: %s", error->message);
          loaded = g_object_new (MERKKI_TYPE_RECOGNITION_TABLE, NULL);
        }
      g_once_init_leave (&table, loaded);
    }

  return table;
}

/* ---- Phrasing ------------------------------------------------------------ */

static char *
levels_not_recognised (int         min_level,
                       const char *country_name)
{
  if (min_level <= 2)
    /* Translators: %s is a country name. */
    return g_strdup_printf (_("CLS Level 1 is not recognised in %s"), country_name);
  if (min_level == 3)
    /* Translators: %s is a country name. */
    return g_strdup_printf (_("CLS Level 1 and 2 are not recognised in %s"), country_name);
  /* Translators: %d is the highest CLS level not recognised, %s a country name. */
  return g_strdup_printf (_("CLS Levels 1 to %d are not recognised in %s"), min_level - 1, country_name);
}

static MerkkiCountryRecognition *
own_entry (const SchemeEntry  *scheme,
           const MerkkiRecord *record,
           MerkkiVerdict       verdict)
{
  MerkkiCountryRecognition *entry = g_new0 (MerkkiCountryRecognition, 1);

  entry->country = g_strdup (scheme->country);
  entry->scheme = g_strdup (scheme->scheme);
  entry->level = record->level;
  entry->recognised = verdict == MERKKI_VERDICT_VALID;
  if (entry->recognised)
    /* Translators: %s is an authority, e.g. "Cyber Security Agency of Singapore". */
    entry->basis = g_strdup_printf (_("Issued by %s"), scheme->authority);
  else
    /* Translators: %s is an authority, e.g. "Cyber Security Agency of Singapore". */
    entry->basis = g_strdup_printf (_("Issued by %s, but the label is not valid now"), scheme->authority);
  return entry;
}

static char *
not_valid_basis (void)
{
  return g_strdup (_("Not recognised: only a valid label is recognised"));
}

/* The partner's view of a label of the home scheme (a CLS label in Finland). */
static MerkkiCountryRecognition *
partner_entry (const RuleEntry    *rule,
               const MerkkiRecord *record,
               MerkkiVerdict       verdict,
               const GDate        *today)
{
  MerkkiCountryRecognition *entry = g_new0 (MerkkiCountryRecognition, 1);
  const char *country_name = merkki_country_get_name (rule->partner_country);
  g_autofree char *since = merkki_format_gdate (rule->in_force_from);
  gboolean level_ok = record->level >= rule->partner_min_level && record->level <= rule->partner_max_level;
  gboolean in_force = g_date_compare (today, rule->in_force_from) >= 0;

  entry->country = g_strdup (rule->partner_country);
  entry->scheme = g_strdup (rule->partner_scheme);
  entry->level = rule->partner_as_level;
  entry->simplified = rule->partner_simplified;
  entry->source = g_strdup (rule->source);
  entry->in_force_from = g_date_copy (rule->in_force_from);
  entry->recognised = verdict == MERKKI_VERDICT_VALID && level_ok && in_force;

  if (verdict != MERKKI_VERDICT_VALID)
    entry->basis = not_valid_basis ();
  else if (record->level < 1)
    entry->basis = g_strdup (_("Not recognised: the label’s CLS level is not known"));
  else if (!level_ok && record->level < rule->partner_min_level)
    entry->basis = levels_not_recognised (rule->partner_min_level, country_name);
  else if (!level_ok)
    /* Translators: %d is a CLS level, %s a country name. */
    entry->basis = g_strdup_printf (_("CLS Level %d is not recognised in %s"), record->level, country_name);
  else if (!in_force)
    /* Translators: %s is a date such as "1 Jun 2026". */
    entry->basis = g_strdup_printf (_("Recognition starts on %s"), since);
  else if (rule->partner_simplified)
    /* Translators: %s is a date such as "1 Jun 2026". */
    entry->basis = g_strdup_printf (_("Simplified recognition since %s"), since);
  else
    /* Translators: %s is a date such as "6 Oct 2021". */
    entry->basis = g_strdup_printf (_("Mutual recognition since %s"), since);

  return entry;
}

/* The home scheme's view of a partner's label (a Finnish label in Singapore). */
static MerkkiCountryRecognition *
home_entry (const RuleEntry   *rule,
            const SchemeEntry *home,
            MerkkiVerdict      verdict,
            const GDate       *today)
{
  MerkkiCountryRecognition *entry = g_new0 (MerkkiCountryRecognition, 1);
  g_autofree char *since = merkki_format_gdate (rule->in_force_from);
  gboolean in_force = g_date_compare (today, rule->in_force_from) >= 0;

  entry->country = g_strdup (home->country);
  entry->scheme = g_strdup (rule->home_scheme);
  entry->level = rule->home_level;
  entry->simplified = rule->home_simplified;
  entry->source = g_strdup (rule->source);
  entry->in_force_from = g_date_copy (rule->in_force_from);
  entry->recognised = verdict == MERKKI_VERDICT_VALID && in_force;

  if (verdict != MERKKI_VERDICT_VALID)
    entry->basis = not_valid_basis ();
  else if (!in_force)
    /* Translators: %s is a date such as "1 Jun 2026". */
    entry->basis = g_strdup_printf (_("Recognition starts on %s"), since);
  else if (rule->home_simplified)
    /* Translators: %d is a CLS level, %s a date such as "1 Jan 2026". */
    entry->basis = g_strdup_printf (_("Simplified route to CLS Level %d since %s"), rule->home_level, since);
  else
    /* Translators: %d is a CLS level, %s a date such as "6 Oct 2021". */
    entry->basis = g_strdup_printf (_("Counts as CLS Level %d since %s"), rule->home_level, since);

  return entry;
}

GPtrArray *
merkki_recognition_table_evaluate (MerkkiRecognitionTable *self,
                                   const MerkkiRecord     *record,
                                   MerkkiVerdict           verdict,
                                   const GDate            *today)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_country_recognition_free);
  const SchemeEntry *scheme;

  g_return_val_if_fail (MERKKI_IS_RECOGNITION_TABLE (self), entries);
  g_return_val_if_fail (today != NULL && g_date_valid (today), entries);

  /* Without a record there is no level to recognise, and no label. */
  if (record == NULL || record->scheme == NULL)
    return entries;
  scheme = find_scheme (self, record->scheme);
  if (scheme == NULL)
    return entries;

  g_ptr_array_add (entries, own_entry (scheme, record, verdict));

  for (guint i = 0; i < self->rules->len; i++)
    {
      const RuleEntry *rule = g_ptr_array_index (self->rules, i);

      if (g_str_equal (rule->home_scheme, record->scheme))
        g_ptr_array_add (entries, partner_entry (rule, record, verdict, today));
      else if (g_str_equal (rule->partner_scheme, record->scheme))
        g_ptr_array_add (entries, home_entry (rule, find_scheme (self, rule->home_scheme), verdict, today));
    }

  return entries;
}

/* ---- Names --------------------------------------------------------------- */

static const struct { const char *code; const char *name; } country_names[] = {
  { "SG", N_("Singapore") },
  { "FI", N_("Finland") },
  { "DE", N_("Germany") },
  { "KR", N_("South Korea") },
  { "GB", N_("United Kingdom") },
  { "JP", N_("Japan") },
};

const char *
merkki_country_get_name (const char *country)
{
  g_return_val_if_fail (country != NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (country_names); i++)
    {
      if (g_str_equal (country_names[i].code, country))
        return _(country_names[i].name);
    }
  /* A country added to the data before its name is translated: its code
   * is still better than nothing. */
  return country;
}

static const struct { const char *scheme; const char *name; } scheme_names[] = {
  /* Translators: Singapore's label scheme. */
  { MERKKI_SCHEME_SG_CLS, N_("Cybersecurity Labelling Scheme (CLS)") },
  /* Translators: Singapore's label scheme for medical devices. */
  { MERKKI_SCHEME_SG_CLS_MD, N_("Cybersecurity Labelling Scheme for Medical Devices (CLS(MD))") },
  /* Translators: Finland's label; "Tietoturvamerkki" is its Finnish name, keep it. */
  { MERKKI_SCHEME_FI_TTM, N_("Finnish Cybersecurity Label (Tietoturvamerkki)") },
  /* Translators: Germany's label, "IT-Sicherheitskennzeichen" in German. */
  { MERKKI_SCHEME_DE_BSI, N_("BSI IT Security Label") },
  /* Translators: Korea's certification by KISA. */
  { "kr-cic", N_("KISA IoT Cybersecurity Certification (CIC)") },
  /* Translators: the UK's Product Security and Telecommunications Infrastructure regime. */
  { "gb-psti", N_("UK PSTI compliance") },
  /* Translators: Japan's label scheme run by IPA. */
  { "jp-jcstar", N_("JC-STAR") },
};

const char *
merkki_scheme_get_name (const char *scheme)
{
  g_return_val_if_fail (scheme != NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (scheme_names); i++)
    {
      if (g_str_equal (scheme_names[i].scheme, scheme))
        return _(scheme_names[i].name);
    }
  return NULL;
}
