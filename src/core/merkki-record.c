/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "merkki-error.h"
#include "merkki-label-ref.h"
#include "merkki-record.h"

/* No field of a record is legitimately longer than this; a longer one is
 * a broken or hostile registry. */
#define MAX_FIELD_BYTES 1024

G_DEFINE_BOXED_TYPE (MerkkiRecord, merkki_record, merkki_record_copy, merkki_record_free)

static const char * const status_names[] = {
  [MERKKI_RECORD_STATUS_ACTIVE] = "active",
  [MERKKI_RECORD_STATUS_SUSPENDED] = "suspended",
  [MERKKI_RECORD_STATUS_REVOKED] = "revoked",
};

MerkkiRecord *
merkki_record_new (void)
{
  return g_new0 (MerkkiRecord, 1);
}

static GDate *
date_copy (const GDate *date)
{
  return date != NULL ? g_date_copy (date) : NULL;
}

MerkkiRecord *
merkki_record_copy (const MerkkiRecord *self)
{
  MerkkiRecord *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = merkki_record_new ();
  copy->scheme = g_strdup (self->scheme);
  copy->id = g_strdup (self->id);
  copy->level = self->level;
  copy->status = self->status;
  copy->brand = g_strdup (self->brand);
  copy->model = g_strdup (self->model);
  copy->category = g_strdup (self->category);
  copy->manufacturer = g_strdup (self->manufacturer);
  copy->issued = date_copy (self->issued);
  copy->expires = date_copy (self->expires);
  copy->url = g_strdup (self->url);

  return copy;
}

void
merkki_record_free (MerkkiRecord *self)
{
  if (self == NULL)
    return;

  g_free (self->scheme);
  g_free (self->id);
  g_free (self->brand);
  g_free (self->model);
  g_free (self->category);
  g_free (self->manufacturer);
  g_clear_pointer (&self->issued, g_date_free);
  g_clear_pointer (&self->expires, g_date_free);
  g_free (self->url);
  g_free (self);
}

const char *
merkki_record_status_to_string (MerkkiRecordStatus status)
{
  g_return_val_if_fail (status <= MERKKI_RECORD_STATUS_REVOKED, NULL);

  return status_names[status];
}

gboolean
merkki_record_status_from_string (const char         *str,
                                  MerkkiRecordStatus *out)
{
  if (str == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    {
      if (strcmp (str, status_names[i]) == 0)
        {
          if (out != NULL)
            *out = (MerkkiRecordStatus) i;
          return TRUE;
        }
    }

  return FALSE;
}

GDate *
merkki_date_parse_iso (const char *str)
{
  guint year, month, day;
  char tail;

  if (str == NULL || strlen (str) != 10)
    return NULL;

  for (guint i = 0; i < 10; i++)
    {
      gboolean dash = (i == 4 || i == 7);

      if (dash ? str[i] != '-' : !g_ascii_isdigit (str[i]))
        return NULL;
    }

  if (sscanf (str, "%4u-%2u-%2u%c", &year, &month, &day, &tail) != 3)
    return NULL;

  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      !g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year))
    return NULL;

  return g_date_new_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year);
}

char *
merkki_date_to_iso (const GDate *date)
{
  g_return_val_if_fail (date != NULL && g_date_valid (date), NULL);

  return g_strdup_printf ("%04u-%02u-%02u",
                          g_date_get_year (date),
                          g_date_get_month (date),
                          g_date_get_day (date));
}

/* Reads an optional or required string member, checking its type, length
 * and encoding. Returns FALSE with @error set on anything wrong. */
static gboolean
read_string (json_t      *object,
             const char  *key,
             const char  *path,
             gboolean     required,
             char       **out,
             GError     **error)
{
  json_t *value = json_object_get (object, key);
  const char *str;
  size_t len;

  *out = NULL;

  if (value == NULL || json_is_null (value))
    {
      if (!required)
        return TRUE;

      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                   /* Translators: %s is a field name such as "product.brand" */
                   _("The record has no “%s”"), path);
      return FALSE;
    }

  if (!json_is_string (value))
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                   /* Translators: %s is a field name such as "expires" */
                   _("The record’s “%s” is not text"), path);
      return FALSE;
    }

  str = json_string_value (value);
  len = json_string_length (value);

  /* jansson allows NUL inside strings; a registry field never has one. */
  if (len > MAX_FIELD_BYTES || strlen (str) != len || !g_utf8_validate (str, len, NULL))
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                   _("The record’s “%s” is too long or not valid text"), path);
      return FALSE;
    }

  if (required && len == 0)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                   _("The record’s “%s” is empty"), path);
      return FALSE;
    }

  *out = g_strdup (str);
  return TRUE;
}

static gboolean
read_date (json_t      *object,
           const char  *key,
           GDate      **out,
           GError     **error)
{
  g_autofree char *str = NULL;

  *out = NULL;

  if (!read_string (object, key, key, FALSE, &str, error))
    return FALSE;

  if (str == NULL)
    return TRUE;

  *out = merkki_date_parse_iso (str);
  if (*out == NULL)
    {
      /* Shown in a terminal too: no control characters from a registry. */
      g_autofree char *shown = merkki_escape_bytes ((const guint8 *) str, strlen (str));

      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                   /* Translators: the first %s is a field name, the second its value */
                   _("The record’s “%s” (“%s”) is not a date"), key, shown);
      return FALSE;
    }

  return TRUE;
}

MerkkiRecord *
merkki_record_from_json (json_t  *object,
                         GError **error)
{
  g_autoptr(MerkkiRecord) record = merkki_record_new ();
  g_autofree char *status = NULL;
  json_t *product;
  json_t *level;

  if (!json_is_object (object))
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                           _("The record is not a JSON object"));
      return NULL;
    }

  if (!read_string (object, "scheme", "scheme", TRUE, &record->scheme, error) ||
      !read_string (object, "id", "id", TRUE, &record->id, error) ||
      !read_string (object, "status", "status", TRUE, &status, error))
    return NULL;

  if (!merkki_record_status_from_string (status, &record->status))
    {
      g_autofree char *shown = merkki_escape_bytes ((const guint8 *) status, strlen (status));

      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                   _("The record’s status “%s” is not one of active, suspended or revoked"),
                   shown);
      return NULL;
    }

  level = json_object_get (object, "level");
  if (level == NULL || json_is_null (level))
    {
      record->level = 0;
    }
  else if (!json_is_integer (level) ||
           json_integer_value (level) < 0 ||
           json_integer_value (level) > 4)
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                           _("The record’s level is not a whole number from 0 to 4"));
      return NULL;
    }
  else
    {
      record->level = (int) json_integer_value (level);
    }

  /* CSA's schemes always have a level; a CLS record without one cannot be
   * explained or recognised, so it is broken, not levelless. */
  if ((g_str_equal (record->scheme, "sg-cls") || g_str_equal (record->scheme, "sg-cls-md")) &&
      record->level == 0)
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                           _("The CLS record has no level from 1 to 4"));
      return NULL;
    }

  product = json_object_get (object, "product");
  if (!json_is_object (product))
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                           _("The record has no product (brand and model)"));
      return NULL;
    }

  if (!read_string (product, "brand", "product.brand", TRUE, &record->brand, error) ||
      !read_string (product, "model", "product.model", TRUE, &record->model, error) ||
      !read_string (product, "category", "product.category", FALSE, &record->category, error) ||
      !read_string (object, "manufacturer", "manufacturer", FALSE, &record->manufacturer, error) ||
      !read_string (object, "url", "url", FALSE, &record->url, error) ||
      !read_date (object, "issued", &record->issued, error) ||
      !read_date (object, "expires", &record->expires, error))
    return NULL;

  if (record->issued != NULL && record->expires != NULL &&
      g_date_compare (record->issued, record->expires) > 0)
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                           _("The record expires before it was issued"));
      return NULL;
    }

  return g_steal_pointer (&record);
}

static json_t *
string_or_null (const char *str)
{
  return str != NULL ? json_string (str) : json_null ();
}

static json_t *
date_or_null (const GDate *date)
{
  g_autofree char *iso = NULL;

  if (date == NULL)
    return json_null ();

  iso = merkki_date_to_iso (date);
  return json_string (iso);
}

json_t *
merkki_record_to_json (const MerkkiRecord *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return json_pack ("{s:o, s:o, s:i, s:s, s:{s:o, s:o, s:o}, s:o, s:o, s:o, s:o}",
                    "scheme", string_or_null (self->scheme),
                    "id", string_or_null (self->id),
                    "level", self->level,
                    "status", merkki_record_status_to_string (self->status),
                    "product",
                      "brand", string_or_null (self->brand),
                      "model", string_or_null (self->model),
                      "category", string_or_null (self->category),
                    "manufacturer", string_or_null (self->manufacturer),
                    "issued", date_or_null (self->issued),
                    "expires", date_or_null (self->expires),
                    "url", string_or_null (self->url));
}
