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
get_string (json_t     *object,
            const char *key)
{
  const char *value = json_string_value (json_object_get (object, key));

  return value != NULL ? value : "";
}

json_t *
merkki_history_entry_get_record (json_t *entry)
{
  json_t *registries = json_object_get (entry, "registries");
  json_t *first = json_array_get (registries, 0);
  json_t *record;

  if (first == NULL || g_strcmp0 (json_string_value (json_object_get (first, "role")), "issuer") != 0)
    return NULL;
  record = json_object_get (first, "record");

  return json_is_object (record) ? record : NULL;
}

static char *
export_csv (json_t *history)
{
  static const char * const header[] = {
    "history_id", "checked_at", "session", "input", "input_hex", "scheme", "reference",
    "verdict", "brand", "model", "level", "status", "expires", "sources", "demo",
    "note", "evidence",
  };
  GString *out = g_string_new (NULL);
  size_t i;
  json_t *entry;

  for (guint h = 0; h < G_N_ELEMENTS (header); h++)
    append_cell (out, header[h], h + 1 == G_N_ELEMENTS (header));

  json_array_foreach (history, i, entry)
    {
      json_t *reference = json_object_get (entry, "reference");
      json_t *record = merkki_history_entry_get_record (entry);
      json_t *product = record != NULL ? json_object_get (record, "product") : NULL;
      json_t *registries = json_object_get (entry, "registries");
      g_autofree char *id = g_strdup_printf ("%" JSON_INTEGER_FORMAT,
                                             json_integer_value (json_object_get (entry, "history_id")));
      g_autofree char *level = NULL;
      g_autoptr(GString) sources = g_string_new (NULL);
      size_t j;
      json_t *answer;

      if (record != NULL && json_integer_value (json_object_get (record, "level")) > 0)
        level = g_strdup_printf ("%" JSON_INTEGER_FORMAT, json_integer_value (json_object_get (record, "level")));

      /* "sg-csa found online; fi-traficom not-found online" */
      json_array_foreach (registries, j, answer)
        {
          if (sources->len > 0)
            g_string_append (sources, "; ");
          g_string_append_printf (sources, "%s %s %s", get_string (answer, "registry"),
                                  get_string (answer, "outcome"), get_string (answer, "source"));
        }

      append_cell (out, id, FALSE);
      append_cell (out, get_string (entry, "checked_at"), FALSE);
      append_cell (out, json_string_value (json_object_get (entry, "session")), FALSE);
      append_cell (out, get_string (entry, "input"), FALSE);
      append_cell (out, get_string (entry, "input_hex"), FALSE);
      append_cell (out, json_is_object (reference) ? get_string (reference, "scheme") : NULL, FALSE);
      append_cell (out, json_is_object (reference) ? get_string (reference, "id") : NULL, FALSE);
      append_cell (out, get_string (entry, "verdict"), FALSE);
      append_cell (out, product != NULL ? get_string (product, "brand") : NULL, FALSE);
      append_cell (out, product != NULL ? get_string (product, "model") : NULL, FALSE);
      append_cell (out, level, FALSE);
      append_cell (out, record != NULL ? get_string (record, "status") : NULL, FALSE);
      append_cell (out, record != NULL ? json_string_value (json_object_get (record, "expires")) : NULL, FALSE);
      append_cell (out, sources->str, FALSE);
      append_cell (out, json_is_true (json_object_get (entry, "demo")) ? "true" : "false", FALSE);
      append_cell (out, json_string_value (json_object_get (entry, "note")), FALSE);
      append_cell (out, json_string_value (json_object_get (entry, "evidence")), TRUE);
    }

  return g_string_free (out, FALSE);
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
