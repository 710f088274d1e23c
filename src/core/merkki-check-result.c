/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "merkki-check-result.h"

struct _MerkkiCheckResult
{
  GObject         parent_instance;

  MerkkiLabelRef *ref;
  MerkkiVerdict   verdict;
  GPtrArray      *answers;      /* MerkkiRegistryAnswer* */
  GPtrArray      *recognition;  /* MerkkiCountryRecognition* */
  char           *explanation;
  GDateTime      *checked_at;
};

G_DEFINE_FINAL_TYPE (MerkkiCheckResult, merkki_check_result, G_TYPE_OBJECT)

MerkkiRegistryAnswer *
merkki_registry_answer_new (const char *registry_id)
{
  MerkkiRegistryAnswer *self = g_new0 (MerkkiRegistryAnswer, 1);

  g_return_val_if_fail (registry_id != NULL, NULL);

  self->registry_id = g_strdup (registry_id);
  self->outcome = MERKKI_OUTCOME_SKIPPED;
  self->source = MERKKI_SOURCE_ONLINE;
  self->offline_age_days = -1;
  return self;
}

void
merkki_registry_answer_free (MerkkiRegistryAnswer *self)
{
  if (self == NULL)
    return;

  g_free (self->registry_id);
  g_free (self->registry_name);
  g_clear_pointer (&self->fetched_at, g_date_time_unref);
  g_clear_pointer (&self->record, merkki_record_free);
  g_free (self->error);
  g_free (self);
}

char *
merkki_format_date (GDateTime *date_time)
{
  g_autoptr(GDateTime) local = NULL;

  g_return_val_if_fail (date_time != NULL, NULL);

  local = g_date_time_to_local (date_time);
  /* Translators: how a date is written for people, as in "offline copy
   * from 3 Nov 2026" or "Expires 31 Dec 2027": a g_date_time_format()
   * pattern (%-d day, %-m month number, %b abbreviated month name, %Y
   * year) in your language's order, e.g. "%-d.%-m.%Y" (31.12.2027) or
   * "%Y年%-m月%-d日" (2027年12月31日). Month names come from the system's
   * locale, which may be another language than these messages, so prefer
   * month numbers. */
  return g_date_time_format (local, _("%-d %b %Y"));
}

char *
merkki_format_gdate (const GDate *date)
{
  g_autoptr(GDateTime) noon = NULL;

  g_return_val_if_fail (date != NULL && g_date_valid (date), NULL);

  /* Noon local time: no time zone moves it to another day. */
  noon = g_date_time_new_local (g_date_get_year (date), g_date_get_month (date), g_date_get_day (date), 12, 0, 0);
  return merkki_format_date (noon);
}

/* "just now", "5 min ago", "3 h ago", or the date. */
static char *
describe_age (GDateTime *when,
              GDateTime *now)
{
  GTimeSpan age = g_date_time_difference (now, when) / G_TIME_SPAN_SECOND;

  if (age < 60)
    /* Translators: how old a registry's answer is. */
    return g_strdup (_("just now"));
  if (age < 3600)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d min ago", "%d min ago", (gulong) (age / 60)),
                            (int) (age / 60));
  if (age < 86400)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d hour ago", "%d hours ago", (gulong) (age / 3600)),
                            (int) (age / 3600));
  return merkki_format_date (when);
}

char *
merkki_registry_answer_describe (const MerkkiRegistryAnswer *self,
                                 GDateTime                  *now)
{
  g_autoptr(GDateTime) current = now != NULL ? g_date_time_ref (now) : g_date_time_new_now_utc ();
  const char *name = self->registry_name != NULL ? self->registry_name : self->registry_id;
  g_autofree char *age = NULL;
  g_autofree char *date = NULL;
  g_autofree char *line = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->outcome == MERKKI_OUTCOME_FOUND && self->source == MERKKI_SOURCE_SNAPSHOT)
    {
      date = self->fetched_at != NULL ? merkki_format_date (self->fetched_at) : g_strdup ("?");
      /* Translators: %s are a registry's name and a date. */
      line = g_strdup_printf (_("%s: offline copy from %s"), name, date);
    }
  else if (self->outcome == MERKKI_OUTCOME_FOUND && self->source == MERKKI_SOURCE_CACHE)
    {
      age = self->fetched_at != NULL ? describe_age (self->fetched_at, current) : g_strdup ("?");
      /* Translators: %s are a registry's name and an age ("5 min ago"). */
      line = g_strdup_printf (_("%s, %s (saved answer)"), name, age);
    }
  else if (self->outcome == MERKKI_OUTCOME_FOUND || self->outcome == MERKKI_OUTCOME_NOT_FOUND)
    {
      age = self->fetched_at != NULL ? describe_age (self->fetched_at, current) : g_strdup (_("just now"));
      if (self->outcome == MERKKI_OUTCOME_FOUND)
        /* Translators: %s are a registry's name and an age ("just now"). */
        line = g_strdup_printf (_("%s, %s"), name, age);
      else if (self->is_issuer)
        /* Translators: %s are a registry's name and an age ("just now"). */
        line = g_strdup_printf (_("%s, %s: no such label"), name, age);
      else
        /* Translators: %s are a registry's name and an age ("just now"). */
        line = g_strdup_printf (_("%s, %s: no label for this product"), name, age);
    }
  else if (self->outcome == MERKKI_OUTCOME_SKIPPED)
    {
      /* Translators: %s is a registry's name. */
      line = g_strdup_printf (_("%s: not asked"), name);
    }
  else
    {
      line = g_strdup_printf (_("%s: no answer"), name);
    }

  if (self->error != NULL)
    {
      g_autofree char *with_error = NULL;

      /* Translators: %s are a registry's name and why it failed; a line
       * of its own after the line saying what answered instead. */
      g_autofree char *failure = g_strdup_printf (_("%s unreachable: %s"), name, self->error);

      if (self->outcome == MERKKI_OUTCOME_ERROR)
        return g_steal_pointer (&failure);
      with_error = g_strconcat (failure, "\n", line, NULL);
      return g_steal_pointer (&with_error);
    }

  return g_steal_pointer (&line);
}

static void
merkki_check_result_finalize (GObject *object)
{
  MerkkiCheckResult *self = MERKKI_CHECK_RESULT (object);

  g_clear_pointer (&self->ref, merkki_label_ref_unref);
  g_clear_pointer (&self->answers, g_ptr_array_unref);
  g_clear_pointer (&self->recognition, g_ptr_array_unref);
  g_clear_pointer (&self->explanation, g_free);
  g_clear_pointer (&self->checked_at, g_date_time_unref);

  G_OBJECT_CLASS (merkki_check_result_parent_class)->finalize (object);
}

static void
merkki_check_result_class_init (MerkkiCheckResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = merkki_check_result_finalize;
}

static void
merkki_check_result_init (MerkkiCheckResult *self)
{
  self->verdict = MERKKI_VERDICT_UNVERIFIED;
  self->answers = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_registry_answer_free);
  self->recognition = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_country_recognition_free);
  self->checked_at = g_date_time_new_now_utc ();
}

MerkkiCheckResult *
merkki_check_result_new (MerkkiLabelRef *ref)
{
  MerkkiCheckResult *self;

  g_return_val_if_fail (ref != NULL, NULL);

  self = g_object_new (MERKKI_TYPE_CHECK_RESULT, NULL);
  self->ref = merkki_label_ref_ref (ref);
  return self;
}

MerkkiLabelRef *
merkki_check_result_get_reference (MerkkiCheckResult *self)
{
  g_return_val_if_fail (MERKKI_IS_CHECK_RESULT (self), NULL);
  return self->ref;
}

MerkkiVerdict
merkki_check_result_get_verdict (MerkkiCheckResult *self)
{
  g_return_val_if_fail (MERKKI_IS_CHECK_RESULT (self), MERKKI_VERDICT_UNVERIFIED);
  return self->verdict;
}

void
merkki_check_result_set_verdict (MerkkiCheckResult *self,
                                 MerkkiVerdict      verdict)
{
  g_return_if_fail (MERKKI_IS_CHECK_RESULT (self));
  self->verdict = verdict;
}

const MerkkiRecord *
merkki_check_result_get_record (MerkkiCheckResult *self)
{
  g_return_val_if_fail (MERKKI_IS_CHECK_RESULT (self), NULL);

  for (guint i = 0; i < self->answers->len; i++)
    {
      const MerkkiRegistryAnswer *answer = g_ptr_array_index (self->answers, i);

      if (answer->is_issuer && answer->outcome == MERKKI_OUTCOME_FOUND)
        return answer->record;
    }

  return NULL;
}

GPtrArray *
merkki_check_result_get_answers (MerkkiCheckResult *self)
{
  g_return_val_if_fail (MERKKI_IS_CHECK_RESULT (self), NULL);
  return self->answers;
}

void
merkki_check_result_add_answer (MerkkiCheckResult    *self,
                                MerkkiRegistryAnswer *answer)
{
  g_return_if_fail (MERKKI_IS_CHECK_RESULT (self));
  g_return_if_fail (answer != NULL);

  /* The issuer's answer comes first, whatever order the answers arrive in. */
  if (answer->is_issuer)
    g_ptr_array_insert (self->answers, 0, answer);
  else
    g_ptr_array_add (self->answers, answer);
}

GPtrArray *
merkki_check_result_get_recognition (MerkkiCheckResult *self)
{
  g_return_val_if_fail (MERKKI_IS_CHECK_RESULT (self), NULL);
  return self->recognition;
}

void
merkki_check_result_set_recognition (MerkkiCheckResult *self,
                                     GPtrArray         *recognition)
{
  g_return_if_fail (MERKKI_IS_CHECK_RESULT (self));

  g_clear_pointer (&self->recognition, g_ptr_array_unref);
  if (recognition != NULL)
    self->recognition = g_ptr_array_ref (recognition);
  else
    self->recognition = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_country_recognition_free);
}

const char *
merkki_check_result_get_explanation (MerkkiCheckResult *self)
{
  g_return_val_if_fail (MERKKI_IS_CHECK_RESULT (self), NULL);
  return self->explanation;
}

void
merkki_check_result_set_explanation (MerkkiCheckResult *self,
                                     const char        *explanation)
{
  g_return_if_fail (MERKKI_IS_CHECK_RESULT (self));
  g_free (self->explanation);
  self->explanation = g_strdup (explanation);
}

GDateTime *
merkki_check_result_get_checked_at (MerkkiCheckResult *self)
{
  g_return_val_if_fail (MERKKI_IS_CHECK_RESULT (self), NULL);
  return self->checked_at;
}

gboolean
merkki_check_result_is_demo (MerkkiCheckResult *self)
{
  g_return_val_if_fail (MERKKI_IS_CHECK_RESULT (self), FALSE);

  for (guint i = 0; i < self->answers->len; i++)
    {
      const MerkkiRegistryAnswer *answer = g_ptr_array_index (self->answers, i);

      if (answer->demo && answer->record != NULL)
        return TRUE;
    }

  return FALSE;
}

gboolean
merkki_check_result_is_stale_offline_copy (MerkkiCheckResult *self,
                                           int               *age_days)
{
  const MerkkiRegistryAnswer *issuer;

  g_return_val_if_fail (MERKKI_IS_CHECK_RESULT (self), FALSE);

  if (self->answers->len == 0)
    return FALSE;
  issuer = g_ptr_array_index (self->answers, 0);
  if (!issuer->is_issuer || !issuer->stale)
    return FALSE;
  if (age_days != NULL)
    *age_days = issuer->offline_age_days;
  return TRUE;
}

char *
merkki_check_result_describe_staleness (MerkkiCheckResult *self)
{
  int days = 0;

  if (!merkki_check_result_is_stale_offline_copy (self, &days))
    return NULL;
  /* Translators: said with a verdict reached from an old offline copy of
   * the registry; %d is its age in days. */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "From an offline copy %d day old: check again online",
                                       "From an offline copy %d days old: check again online",
                                       (gulong) days),
                          days);
}

static json_t *
json_string_or_null (const char *str)
{
  return str != NULL ? json_string (str) : json_null ();
}

static json_t *
json_date_or_null (const GDate *date)
{
  g_autofree char *iso = NULL;

  if (date == NULL || !g_date_valid (date))
    return json_null ();

  iso = merkki_date_to_iso (date);
  return json_string_or_null (iso);
}

static json_t *
json_date_time_or_null (GDateTime *date_time)
{
  g_autofree char *iso = NULL;

  if (date_time == NULL)
    return json_null ();

  iso = g_date_time_format_iso8601 (date_time);
  return json_string_or_null (iso);
}

static char *
bytes_to_hex (GBytes *bytes)
{
  gsize len = 0;
  const guint8 *data = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;
  GString *hex = g_string_sized_new (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", data[i]);

  return g_string_free (hex, FALSE);
}

static json_t *
reference_to_json (MerkkiLabelRef *ref)
{
  json_t *object;

  if (merkki_label_ref_get_kind (ref) != MERKKI_LABEL_KIND_REFERENCE)
    return json_null ();

  object = json_object ();
  json_object_set_new (object, "scheme", json_string_or_null (merkki_label_ref_get_scheme (ref)));
  json_object_set_new (object, "id", json_string_or_null (merkki_label_ref_get_id (ref)));
  json_object_set_new (object, "expires_from_id",
                       json_date_or_null (merkki_label_ref_get_expires_from_id (ref)));
  return object;
}

static json_t *
answer_to_json (const MerkkiRegistryAnswer *answer)
{
  json_t *object = json_object ();

  json_object_set_new (object, "registry", json_string (answer->registry_id));
  json_object_set_new (object, "name", json_string_or_null (answer->registry_name));
  json_object_set_new (object, "role", json_string (answer->is_issuer ? "issuer" : "partner"));
  json_object_set_new (object, "outcome", json_string (merkki_outcome_to_string (answer->outcome)));
  /* A registry that was not asked has no source. */
  json_object_set_new (object, "source",
                       answer->outcome == MERKKI_OUTCOME_SKIPPED
                       ? json_null ()
                       : json_string (merkki_source_to_string (answer->source)));
  json_object_set_new (object, "fetched_at", json_date_time_or_null (answer->fetched_at));
  json_object_set_new (object, "record",
                       answer->record != NULL ? merkki_record_to_json (answer->record) : json_null ());
  json_object_set_new (object, "error", json_string_or_null (answer->error));
  json_object_set_new (object, "demo", json_boolean (answer->demo && answer->record != NULL));
  json_object_set_new (object, "offline_copy_age_days",
                       answer->offline_age_days >= 0 ? json_integer (answer->offline_age_days) : json_null ());
  json_object_set_new (object, "stale_offline_copy", json_boolean (answer->stale));
  return object;
}

static json_t *
recognition_to_json (const MerkkiCountryRecognition *recognition)
{
  json_t *object = json_object ();

  json_object_set_new (object, "country", json_string_or_null (recognition->country));
  json_object_set_new (object, "country_name",
                       json_string_or_null (recognition->country != NULL
                                            ? merkki_country_get_name (recognition->country)
                                            : NULL));
  json_object_set_new (object, "scheme", json_string_or_null (recognition->scheme));
  json_object_set_new (object, "level",
                       recognition->level > 0 ? json_integer (recognition->level) : json_null ());
  json_object_set_new (object, "recognised", json_boolean (recognition->recognised));
  json_object_set_new (object, "simplified", json_boolean (recognition->simplified));
  json_object_set_new (object, "basis", json_string_or_null (recognition->basis));
  json_object_set_new (object, "source", json_string_or_null (recognition->source));
  json_object_set_new (object, "in_force_from", json_date_or_null (recognition->in_force_from));
  return object;
}

json_t *
merkki_check_result_to_json (MerkkiCheckResult *self)
{
  g_autofree char *input_hex = NULL;
  json_t *root;
  json_t *registries;
  json_t *recognition;
  gboolean stale;
  int age_days = 0;

  g_return_val_if_fail (MERKKI_IS_CHECK_RESULT (self), NULL);

  input_hex = bytes_to_hex (merkki_label_ref_get_payload (self->ref));

  registries = json_array ();
  for (guint i = 0; i < self->answers->len; i++)
    json_array_append_new (registries, answer_to_json (g_ptr_array_index (self->answers, i)));

  recognition = json_array ();
  for (guint i = 0; i < self->recognition->len; i++)
    json_array_append_new (recognition, recognition_to_json (g_ptr_array_index (self->recognition, i)));

  root = json_object ();
  json_object_set_new (root, "input", json_string_or_null (merkki_label_ref_get_display_text (self->ref)));
  json_object_set_new (root, "input_hex", json_string (input_hex));
  json_object_set_new (root, "reference", reference_to_json (self->ref));
  json_object_set_new (root, "verdict", json_string (merkki_verdict_to_string (self->verdict)));
  json_object_set_new (root, "verdict_title", json_string_or_null (merkki_verdict_get_title (self->verdict)));
  json_object_set_new (root, "registries", registries);
  json_object_set_new (root, "recognition", recognition);
  json_object_set_new (root, "explanation", json_string_or_null (self->explanation));
  json_object_set_new (root, "checked_at", json_date_time_or_null (self->checked_at));
  json_object_set_new (root, "demo", json_boolean (merkki_check_result_is_demo (self)));
  stale = merkki_check_result_is_stale_offline_copy (self, &age_days);
  json_object_set_new (root, "stale_offline_copy", json_boolean (stale));
  json_object_set_new (root, "offline_copy_age_days", stale ? json_integer (age_days) : json_null ());
  return root;
}
