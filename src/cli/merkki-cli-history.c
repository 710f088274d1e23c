/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "merkki-core.h"
#include "merkki-cli.h"
#include "merkki-report.h"

static const char *
get_string (json_t     *object,
            const char *key)
{
  const char *value = json_string_value (json_object_get (object, key));

  return value != NULL ? value : "";
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
      json_t *record = merkki_history_entry_get_record (entry);
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

/* The same export as the app writes: one writer for both. PDF is binary,
 * so it is made in memory and written whole. */
static gboolean
print_export (MerkkiStore        *store,
              json_t             *entries,
              const char         *session,
              MerkkiReportFormat  format,
              GError            **error)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autofree char *base = g_path_get_dirname (merkki_store_get_path (store));
  g_autoptr(MerkkiSession) details = session != NULL ? merkki_store_get_session (store, session, NULL) : NULL;
  MerkkiReportInfo info = { .session = session, .evidence_base = base };

  if (details != NULL)
    {
      info.place = details->place;
      info.inspector = details->inspector;
      info.started_at = details->started_at;
      info.ended_at = details->ended_at;
    }

  if (!merkki_report_write (entries, &info, format, out, NULL, error)
      || !g_output_stream_close (out, NULL, error))
    return FALSE;

  fwrite (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)), 1,
          g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)), stdout);
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   /* Translators: %s is the system's reason. */
                   _("Could not write the export: %s"), g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static json_t *
json_date_time (GDateTime *time)
{
  g_autofree char *text = time != NULL ? g_date_time_format_iso8601 (time) : NULL;

  return text != NULL ? json_string (text) : json_null ();
}

/* Every inspection session, the most recently started first: a line each
 * (name, then where, who, when and how many checks), or a JSON array. */
static int
print_sessions (MerkkiStore *store,
                gboolean     json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sessions = merkki_store_list_sessions (store, &error);

  if (sessions == NULL)
    return merkki_cli_usage_error ("history", "%s", error->message);

  if (json)
    {
      json_t *array = json_array ();
      g_autofree char *text = NULL;

      for (guint i = 0; i < sessions->len; i++)
        {
          MerkkiSession *session = g_ptr_array_index (sessions, i);

          json_array_append_new (array, json_pack ("{s:s, s:s?, s:s?, s:o, s:o, s:I}",
                                                   "name", session->name,
                                                   "place", session->place,
                                                   "inspector", session->inspector,
                                                   "started_at", json_date_time (session->started_at),
                                                   "ended_at", json_date_time (session->ended_at),
                                                   "n_checks", (json_int_t) session->n_checks));
        }
      text = json_dumps (array, JSON_INDENT (2));
      json_decref (array);
      printf ("%s\n", text);
    }
  else if (sessions->len == 0)
    printf ("%s\n", _("No inspection sessions yet."));
  else
    {
      for (guint i = 0; i < sessions->len; i++)
        {
          MerkkiSession *session = g_ptr_array_index (sessions, i);
          g_autofree char *details = merkki_session_describe (session);

          printf ("%s  %s\n", session->name, details);
        }
    }

  fflush (stdout);
  return 0;
}

int
merkki_cli_history (int    argc,
                    char **argv)
{
  g_autofree char *session = NULL;
  g_autofree char *search = NULL;
  g_autofree char *export = NULL;
  int limit = 0;
  gboolean sessions = FALSE;
  GOptionEntry entries[] = {
    { "sessions", 0, 0, G_OPTION_ARG_NONE, &sessions,
      N_("List the inspection sessions with their number of checks"), NULL },
    { "session", 0, 0, G_OPTION_ARG_STRING, &session, N_("Only the checks of session NAME"), N_("NAME") },
    { "search", 0, 0, G_OPTION_ARG_STRING, &search,
      N_("Only checks whose input, reference, brand or model contains TEXT"), N_("TEXT") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("Only the newest N checks"), N_("N") },
    { "export", 0, 0, G_OPTION_ARG_STRING, &export, N_("Print the history as csv, json or pdf"), N_("FORMAT") },
    { NULL }
  };
  g_autoptr(MerkkiStore) store = NULL;
  g_autoptr(GError) error = NULL;
  MerkkiReportFormat format = MERKKI_REPORT_FORMAT_JSON;
  json_t *list;

  if (!merkki_cli_parse_options ("history", "",
                                 _("Show past checks, newest first, or export them to standard "
                                   "output: csv (one row per check, with a header), json (an "
                                   "array of lookup --json objects with history_id and session) "
                                   "or pdf (an inspection report with the evidence photos)."),
                                 entries, &argc, &argv))
    return MERKKI_CLI_EXIT_USAGE;

  if (argc != 1)
    return merkki_cli_usage_error ("history", "%s", _("This command takes no arguments"));

  if (export != NULL && !merkki_report_format_from_string (export, &format))
    return merkki_cli_usage_error ("history", _("Unknown export format “%s”; use csv, json or pdf"), export);
  if (export != NULL && format == MERKKI_REPORT_FORMAT_PDF && isatty (STDOUT_FILENO))
    return merkki_cli_usage_error ("history", "%s",
                                   _("A PDF is not for the terminal; redirect it to a file: > report.pdf"));

  if (sessions && (session != NULL || search != NULL || limit != 0))
    return merkki_cli_usage_error ("history", "%s",
                                   _("--sessions lists every session; it cannot go with --session, "
                                     "--search or --limit"));
  if (sessions && export != NULL && format != MERKKI_REPORT_FORMAT_JSON)
    return merkki_cli_usage_error ("history", "%s", _("Sessions are listed as text or as json"));

  store = merkki_cli_open_store ("history");
  if (store == NULL)
    return MERKKI_CLI_EXIT_USAGE;

  if (sessions)
    return print_sessions (store, export != NULL);

  list = merkki_store_list_history (store, session, search, limit, &error);
  if (list == NULL)
    return merkki_cli_usage_error ("history", "%s", error->message);

  if (export == NULL)
    print_human (list);
  else if (!print_export (store, list, session, format, &error))
    {
      json_decref (list);
      return merkki_cli_usage_error ("history", "%s", error->message);
    }

  json_decref (list);
  fflush (stdout);
  return 0;
}
