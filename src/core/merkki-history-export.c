/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "merkki-history-export.h"

gboolean
merkki_export_format_from_string (const char         *str,
                                  MerkkiExportFormat *out)
{
  g_return_val_if_fail (out != NULL, FALSE);

  if (g_strcmp0 (str, "csv") == 0)
    *out = MERKKI_EXPORT_CSV;
  else if (g_strcmp0 (str, "json") == 0)
    *out = MERKKI_EXPORT_JSON;
  else
    return FALSE;

  return TRUE;
}

static void
append_cell (GString    *csv,
             const char *value,
             gboolean    last)
{
  if (value == NULL)
    value = "";

  g_string_append_c (csv, '"');
  if (value[0] != '\0' && strchr ("=+-@\t\r", value[0]) != NULL)
    g_string_append_c (csv, '\'');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (csv, '"');
      g_string_append_c (csv, *p);
    }
  g_string_append_c (csv, '"');
  g_string_append (csv, last ? "\r\n" : ",");
}

static const char *
string_at (json_t     *object,
           const char *key)
{
  return json_string_value (json_object_get (object, key));
}

/* The issuer's record, or the first record any registry returned. */
static json_t *
first_record (json_t *entry)
{
  json_t *registries = json_object_get (entry, "registries");
  size_t i;
  json_t *answer;

  json_array_foreach (registries, i, answer)
    {
      json_t *record = json_object_get (answer, "record");

      if (json_is_object (record))
        return record;
    }

  return NULL;
}

static char *
export_csv (json_t *history)
{
  GString *csv = g_string_new (NULL);
  size_t i;
  json_t *entry;

  append_cell (csv, "checked_at", FALSE);
  append_cell (csv, "input", FALSE);
  append_cell (csv, "scheme", FALSE);
  append_cell (csv, "id", FALSE);
  append_cell (csv, "verdict", FALSE);
  append_cell (csv, "brand", FALSE);
  append_cell (csv, "model", FALSE);
  append_cell (csv, "category", FALSE);
  append_cell (csv, "level", FALSE);
  append_cell (csv, "demo", TRUE);

  json_array_foreach (history, i, entry)
    {
      json_t *reference = json_object_get (entry, "reference");
      json_t *record = first_record (entry);
      json_t *product = record != NULL ? json_object_get (record, "product") : NULL;
      json_t *level = record != NULL ? json_object_get (record, "level") : NULL;
      g_autofree char *level_text = NULL;

      if (json_is_integer (level))
        level_text = g_strdup_printf ("%" JSON_INTEGER_FORMAT, json_integer_value (level));

      append_cell (csv, string_at (entry, "checked_at"), FALSE);
      append_cell (csv, string_at (entry, "input"), FALSE);
      append_cell (csv, string_at (reference, "scheme"), FALSE);
      append_cell (csv, string_at (reference, "id"), FALSE);
      append_cell (csv, string_at (entry, "verdict"), FALSE);
      append_cell (csv, string_at (product, "brand"), FALSE);
      append_cell (csv, string_at (product, "model"), FALSE);
      append_cell (csv, string_at (product, "category"), FALSE);
      append_cell (csv, level_text, FALSE);
      append_cell (csv, json_is_true (json_object_get (entry, "demo")) ? "true" : "false", TRUE);
    }

  return g_string_free (csv, FALSE);
}

char *
merkki_history_export (json_t             *history,
                       MerkkiExportFormat  format,
                       gsize              *length)
{
  char *text = NULL;

  g_return_val_if_fail (json_is_array (history), NULL);

  switch (format)
    {
    case MERKKI_EXPORT_CSV:
      text = export_csv (history);
      break;

    case MERKKI_EXPORT_JSON:
    default:
      {
        char *dumped = json_dumps (history, JSON_INDENT (2));

        text = g_strconcat (dumped, "\n", NULL);
        free (dumped);
      }
      break;
    }

  if (length != NULL)
    *length = strlen (text);

  return text;
}
