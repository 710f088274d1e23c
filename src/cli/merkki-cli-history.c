/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "merkki-core.h"
#include "merkki-cli.h"

static const char *
get_string (json_t     *object,
            const char *key)
{
  const char *value = json_string_value (json_object_get (object, key));

  return value != NULL ? value : "";
}

/* The issuer's record of a history entry, or NULL. */
static json_t *
get_record (json_t *entry)
{
  json_t *registries = json_object_get (entry, "registries");
  json_t *first = json_array_get (registries, 0);

  if (first == NULL || g_strcmp0 (json_string_value (json_object_get (first, "role")), "issuer") != 0)
    return NULL;
  return json_is_object (json_object_get (first, "record")) ? json_object_get (first, "record") : NULL;
}

static char *
format_checked_at (json_t *entry)
{
  g_autoptr(GDateTime) checked_at = g_date_time_new_from_iso8601 (get_string (entry, "checked_at"), NULL);
  g_autoptr(GDateTime) local = NULL;

  if (checked_at == NULL)
    return g_strdup ("?");
  local = g_date_time_to_local (checked_at);
  /* Translators: date and time of a check in the history list; a
   * g_date_time_format() pattern, in your language's order. */
  return g_date_time_format (local, _("%-d %b %Y %H:%M"));
}

static void
print_human (json_t *entries)
{
  size_t i;
  json_t *entry;

  if (json_array_size (entries) == 0)
    {
      printf ("%s\n", _("No checks yet."));
      return;
    }

  json_array_foreach (entries, i, entry)
    {
      g_autofree char *when = format_checked_at (entry);
      json_t *reference = json_object_get (entry, "reference");
      json_t *record = get_record (entry);
      json_t *product = record != NULL ? json_object_get (record, "product") : NULL;
      const char *session = json_string_value (json_object_get (entry, "session"));
      GString *line = g_string_new (NULL);

      g_string_append_printf (line, "%s  %s  %s", when, get_string (entry, "verdict_title"),
                              json_is_object (reference)
                              ? get_string (reference, "id")
                              : get_string (entry, "input"));
      if (product != NULL)
        g_string_append_printf (line, "  %s %s", get_string (product, "brand"), get_string (product, "model"));
      if (session != NULL)
        g_string_append_printf (line, "  [%s]", session);
      if (json_is_true (json_object_get (entry, "demo")))
        g_string_append_printf (line, "  (%s)", _("demo data"));

      printf ("%s\n", line->str);
      g_string_free (line, TRUE);
    }
}

/* RFC 4180 quoting. A field a spreadsheet would run as a formula (the
 * input is whatever a QR code said) gets a leading apostrophe. */
static void
append_csv_field (GString    *out,
                  const char *value,
                  gboolean    last)
{
  if (value == NULL)
    value = "";

  g_string_append_c (out, '"');
  if (strchr ("=+-@\t\r", value[0]) != NULL && value[0] != '\0')
    g_string_append_c (out, '\'');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  g_string_append (out, last ? "\r\n" : ",");
}

static void
print_csv (json_t *entries)
{
  static const char * const header[] = {
    "history_id", "checked_at", "session", "input", "input_hex", "scheme", "reference",
    "verdict", "brand", "model", "level", "status", "expires", "sources", "demo",
  };
  g_autoptr(GString) out = g_string_new (NULL);
  size_t i;
  json_t *entry;

  for (guint h = 0; h < G_N_ELEMENTS (header); h++)
    append_csv_field (out, header[h], h + 1 == G_N_ELEMENTS (header));

  json_array_foreach (entries, i, entry)
    {
      json_t *reference = json_object_get (entry, "reference");
      json_t *record = get_record (entry);
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

      append_csv_field (out, id, FALSE);
      append_csv_field (out, get_string (entry, "checked_at"), FALSE);
      append_csv_field (out, json_string_value (json_object_get (entry, "session")), FALSE);
      append_csv_field (out, get_string (entry, "input"), FALSE);
      append_csv_field (out, get_string (entry, "input_hex"), FALSE);
      append_csv_field (out, json_is_object (reference) ? get_string (reference, "scheme") : NULL, FALSE);
      append_csv_field (out, json_is_object (reference) ? get_string (reference, "id") : NULL, FALSE);
      append_csv_field (out, get_string (entry, "verdict"), FALSE);
      append_csv_field (out, product != NULL ? get_string (product, "brand") : NULL, FALSE);
      append_csv_field (out, product != NULL ? get_string (product, "model") : NULL, FALSE);
      append_csv_field (out, level, FALSE);
      append_csv_field (out, record != NULL ? get_string (record, "status") : NULL, FALSE);
      append_csv_field (out, record != NULL ? json_string_value (json_object_get (record, "expires")) : NULL, FALSE);
      append_csv_field (out, sources->str, FALSE);
      append_csv_field (out, json_is_true (json_object_get (entry, "demo")) ? "true" : "false", TRUE);
    }

  fwrite (out->str, 1, out->len, stdout);
}

int
merkki_cli_history (int    argc,
                    char **argv)
{
  g_autofree char *session = NULL;
  g_autofree char *search = NULL;
  g_autofree char *export = NULL;
  int limit = 0;
  GOptionEntry entries[] = {
    { "session", 0, 0, G_OPTION_ARG_STRING, &session, N_("Only the checks of session NAME"), N_("NAME") },
    { "search", 0, 0, G_OPTION_ARG_STRING, &search,
      N_("Only checks whose input, reference, brand or model contains TEXT"), N_("TEXT") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("Only the newest N checks"), N_("N") },
    { "export", 0, 0, G_OPTION_ARG_STRING, &export, N_("Print the history as csv or json"), N_("FORMAT") },
    { NULL }
  };
  g_autoptr(MerkkiStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *store_path = NULL;
  json_t *list;

  if (!merkki_cli_parse_options ("history", "",
                                 _("Show past checks, newest first, or export them to standard "
                                   "output: csv (one row per check, with a header) or json (an "
                                   "array of lookup --json objects with history_id and session)."),
                                 entries, &argc, &argv))
    return MERKKI_CLI_EXIT_USAGE;

  if (argc != 1)
    return merkki_cli_usage_error ("history", "%s", _("This command takes no arguments"));

  if (export != NULL && g_str_equal (export, "pdf"))
    return merkki_cli_usage_error ("history", "%s",
                                   _("Export to pdf is not supported yet; use csv or json"));
  if (export != NULL && !g_str_equal (export, "csv") && !g_str_equal (export, "json"))
    return merkki_cli_usage_error ("history", _("Unknown export format “%s”; use csv or json"), export);

  store_path = merkki_store_get_default_path ();
  store = merkki_store_open (store_path, &error);
  if (store == NULL)
    return merkki_cli_usage_error ("history", "%s", error->message);

  list = merkki_store_list_history (store, session, search, limit, &error);
  if (list == NULL)
    return merkki_cli_usage_error ("history", "%s", error->message);

  if (export == NULL)
    print_human (list);
  else if (g_str_equal (export, "csv"))
    print_csv (list);
  else
    {
      g_autofree char *text = json_dumps (list, JSON_INDENT (2));

      printf ("%s\n", text);
    }

  json_decref (list);
  fflush (stdout);
  return 0;
}
