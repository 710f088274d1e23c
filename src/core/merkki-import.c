/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "merkki-error.h"
#include "merkki-import.h"
#include "merkki-label-ref.h"
#include "merkki-record.h"

/* The columns a CSV product list may have, as named in its header. */
typedef enum {
  COLUMN_ID,
  COLUMN_BRAND,
  COLUMN_MODEL,
  COLUMN_CATEGORY,
  COLUMN_LEVEL,
  COLUMN_STATUS,
  COLUMN_ISSUED,
  COLUMN_EXPIRES,
  COLUMN_URL,
  COLUMN_MANUFACTURER,
  N_COLUMNS
} Column;

static const char * const column_names[N_COLUMNS] = {
  "id", "brand", "model", "category", "level", "status", "issued", "expires", "url",
  "manufacturer",
};

static const char * const known_schemes[] = {
  MERKKI_SCHEME_SG_CLS, MERKKI_SCHEME_SG_CLS_MD, MERKKI_SCHEME_FI_TTM, MERKKI_SCHEME_DE_BSI,
};

static gboolean
scheme_has_levels (const char *scheme)
{
  return g_str_equal (scheme, MERKKI_SCHEME_SG_CLS) || g_str_equal (scheme, MERKKI_SCHEME_SG_CLS_MD);
}

/* ---- RFC 4180 reading ---------------------------------------------------- */

typedef struct {
  const char *p;
  const char *end;
  guint       line;      /* the physical line @p is on, from 1 */
} CsvReader;

typedef struct {
  guint      line;       /* the line the row starts on */
  GPtrArray *fields;     /* char*, owned */
  gboolean   quoted;     /* any field was quoted */
  char      *problem;    /* a syntax problem in the row, or NULL */
  gboolean   fatal;      /* the problem stops the reading (an unclosed quote) */
} CsvRow;

static void
csv_row_clear (CsvRow *row)
{
  g_clear_pointer (&row->fields, g_ptr_array_unref);
  g_clear_pointer (&row->problem, g_free);
}

static void
csv_row_set_problem (CsvRow     *row,
                     const char *problem)
{
  if (row->problem == NULL)
    row->problem = g_strdup (problem);
}

static gboolean
at_line_end (const CsvReader *reader)
{
  return reader->p < reader->end && (*reader->p == '\n' || *reader->p == '\r');
}

/* Reads one row (which may span several lines inside quotes); FALSE at
 * the end of the text. Line ends are CRLF, LF or a lone CR. */
static gboolean
csv_read_row (CsvReader *reader,
              CsvRow    *row)
{
  g_autoptr(GString) field = NULL;

  if (reader->p >= reader->end)
    return FALSE;

  memset (row, 0, sizeof *row);
  row->line = reader->line;
  row->fields = g_ptr_array_new_with_free_func (g_free);

  for (;;)
    {
      const char *start = reader->p;

      field = g_string_new (NULL);

      /* Blanks before an opening quote are not part of the field. */
      while (start < reader->end && (*start == ' ' || *start == '\t'))
        start++;
      if (start < reader->end && *start == '"')
        reader->p = start;

      if (reader->p < reader->end && *reader->p == '"')
        {
          guint open_line = reader->line;

          row->quoted = TRUE;
          reader->p++;

          for (;;)
            {
              char c;

              if (reader->p >= reader->end)
                {
                  g_autofree char *problem =
                    /* Translators: %u is a line number */
                    g_strdup_printf (_("a quoted field that starts on line %u is never closed"),
                                     open_line);

                  csv_row_set_problem (row, problem);
                  row->fatal = TRUE;
                  g_ptr_array_add (row->fields, g_string_free (g_steal_pointer (&field), FALSE));
                  return TRUE;
                }

              c = *reader->p++;
              if (c == '"')
                {
                  if (reader->p < reader->end && *reader->p == '"')
                    {
                      g_string_append_c (field, '"');
                      reader->p++;
                      continue;
                    }
                  break;
                }

              if (c == '\n' || (c == '\r' && (reader->p >= reader->end || *reader->p != '\n')))
                reader->line++;
              g_string_append_c (field, c);
            }

          /* Only blanks may follow a closing quote. */
          while (reader->p < reader->end && *reader->p != ',' && !at_line_end (reader))
            {
              if (*reader->p != ' ' && *reader->p != '\t')
                csv_row_set_problem (row, _("there is text after a closing quote; "
                                            "quote the whole field and double the quotes inside it"));
              g_string_append_c (field, *reader->p++);
            }
        }
      else
        {
          while (reader->p < reader->end && *reader->p != ',' && !at_line_end (reader))
            {
              if (*reader->p == '"')
                csv_row_set_problem (row, _("a field that is not quoted has a quote in it; "
                                            "quote the whole field and double the quotes inside it"));
              g_string_append_c (field, *reader->p++);
            }
        }

      g_ptr_array_add (row->fields, g_string_free (g_steal_pointer (&field), FALSE));

      if (reader->p >= reader->end)
        return TRUE;

      if (*reader->p == ',')
        {
          reader->p++;
          continue;
        }

      /* The end of the row. */
      if (*reader->p == '\r' && reader->p + 1 < reader->end && reader->p[1] == '\n')
        reader->p++;
      reader->p++;
      reader->line++;
      return TRUE;
    }
}

static gboolean
csv_row_is_blank (const CsvRow *row)
{
  return !row->quoted && row->problem == NULL && row->fields->len == 1 &&
         *(const char *) g_ptr_array_index (row->fields, 0) == '\0';
}

/* ---- Rows to records ----------------------------------------------------- */

typedef struct {
  const char  *scheme;
  int          columns[N_COLUMNS];   /* index in the row, or -1 */
  guint        n_header_fields;
  GHashTable  *lines_by_id;          /* id -> first line (GUINT_TO_POINTER) */
  GString     *problems;             /* "line N: …" lines */
  guint        n_bad_rows;
} Import;

static void
add_problem (Import     *import,
             guint       line,
             const char *format,
             ...) G_GNUC_PRINTF (3, 4);

static void
add_problem (Import     *import,
             guint       line,
             const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (import->problems->len > 0)
    g_string_append_c (import->problems, '\n');
  /* Translators: %u is a line number of the CSV file, %s what is wrong on it */
  g_string_append_printf (import->problems, _("line %u: %s"), line, message);
}

/* The cell of @column, trimmed; "" when the column is absent. */
static const char *
cell (const Import *import,
      const CsvRow *row,
      Column        column)
{
  int index = import->columns[column];

  if (index < 0)
    return "";
  return g_ptr_array_index (row->fields, index);
}

static json_t *
json_string_or_null (const char *value)
{
  return *value != '\0' ? json_string (value) : json_null ();
}

static gboolean
check_date (Import     *import,
            guint       line,
            const char *name,
            const char *value)
{
  g_autoptr(GDate) date = NULL;

  if (*value == '\0')
    return TRUE;

  date = merkki_date_parse_iso (value);
  if (date == NULL)
    {
      add_problem (import, line,
                   /* Translators: the first %s is a column name (issued, expires), the second its value */
                   _("%s “%s” is not a date (write dates as YYYY-MM-DD)"), name, value);
      return FALSE;
    }

  return TRUE;
}

/* The ID as a label shows it, without blanks and in upper case. */
static char *
compact_id (const char *id)
{
  GString *compact = g_string_new (NULL);

  for (const char *p = id; *p != '\0'; p++)
    {
      if (!g_ascii_isspace (*p))
        g_string_append_c (compact, g_ascii_toupper (*p));
    }

  return g_string_free (compact, FALSE);
}

/* Checks a CLS registration ID with the label parser, so the importer
 * accepts exactly what a scanned label is matched against. Returns the
 * canonical ID and the expiry date it carries, or NULL after reporting
 * the problem. */
static char *
check_cls_id (Import     *import,
              guint       line,
              const char *id,
              GDate     **expires_from_id)
{
  g_autoptr(MerkkiLabelRef) ref = merkki_label_ref_parse ((const guint8 *) id, -1);
  g_autofree char *compact = compact_id (id);

  /* The parser also finds an ID inside other text; a cell must hold the
   * ID alone (case and blanks tolerated, as on a label). */
  if (merkki_label_ref_get_kind (ref) == MERKKI_LABEL_KIND_REFERENCE &&
      g_strcmp0 (merkki_label_ref_get_scheme (ref), MERKKI_SCHEME_SG_CLS) == 0 &&
      g_strcmp0 (merkki_label_ref_get_id (ref), compact) == 0 &&
      merkki_label_ref_get_expires_from_id (ref) != NULL)
    {
      *expires_from_id = g_date_copy (merkki_label_ref_get_expires_from_id (ref));
      return g_strdup (merkki_label_ref_get_id (ref));
    }

  add_problem (import, line,
               /* Translators: %s is the id cell of a CSV row */
               _("id “%s” is not a CLS registration ID (CSA/DDMMYY/number, "
                 "where DDMMYY is a real date)"), id);
  return NULL;
}

static MerkkiRecord *
row_to_record (Import       *import,
               const CsvRow *row)
{
  g_autofree char *id = NULL;
  g_autofree char *expires = NULL;
  g_autoptr(GDate) expires_from_id = NULL;
  g_autoptr(GError) error = NULL;
  MerkkiRecordStatus status;
  const char *level_text;
  const char *status_text;
  guint64 level = 0;
  gboolean ok = TRUE;
  gboolean issued_ok, expires_ok;
  json_t *object;
  MerkkiRecord *record;

  if (row->problem != NULL)
    {
      add_problem (import, row->line, "%s", row->problem);
      return NULL;
    }

  if (row->fields->len != import->n_header_fields)
    {
      add_problem (import, row->line,
                   /* Translators: %u are counts of fields, the second always more than 1 */
                   g_dngettext (GETTEXT_PACKAGE,
                                "%u field, but the header has %u columns",
                                "%u fields, but the header has %u columns",
                                row->fields->len),
                   row->fields->len, import->n_header_fields);
      return NULL;
    }

  /* Only now that the row has every column may its cells be read. */
  level_text = cell (import, row, COLUMN_LEVEL);
  status_text = cell (import, row, COLUMN_STATUS);

  for (Column column = COLUMN_ID; column <= COLUMN_MODEL; column++)
    {
      if (*cell (import, row, column) == '\0')
        {
          /* Translators: %s is a column name (id, brand, model) */
          add_problem (import, row->line, _("%s is empty"), column_names[column]);
          ok = FALSE;
        }
    }

  expires = g_strdup (cell (import, row, COLUMN_EXPIRES));
  if (*cell (import, row, COLUMN_ID) != '\0')
    {
      if (g_str_equal (import->scheme, MERKKI_SCHEME_SG_CLS))
        {
          id = check_cls_id (import, row->line, cell (import, row, COLUMN_ID), &expires_from_id);
          ok = ok && id != NULL;
        }
      else
        {
          id = g_strdup (cell (import, row, COLUMN_ID));
        }
    }

  if (*status_text == '\0')
    {
      add_problem (import, row->line, _("status is empty"));
      ok = FALSE;
    }
  else
    {
      g_autofree char *lower = g_ascii_strdown (status_text, -1);

      if (!merkki_record_status_from_string (lower, &status))
        {
          add_problem (import, row->line,
                       /* Translators: %s is the status cell; keep the three words untranslated */
                       _("status “%s” is not one of active, suspended, revoked"), status_text);
          ok = FALSE;
        }
    }

  if (scheme_has_levels (import->scheme))
    {
      if (!g_ascii_string_to_unsigned (level_text, 10, 1, 4, &level, NULL))
        {
          add_problem (import, row->line,
                       /* Translators: %s is the level cell */
                       _("level “%s” is not a number from 1 to 4"), level_text);
          ok = FALSE;
        }
    }
  else if (*level_text != '\0' && !g_str_equal (level_text, "0"))
    {
      add_problem (import, row->line,
                   /* Translators: the first %s is the level cell, the second a scheme name */
                   _("level “%s”: %s labels have no levels; leave the column empty"),
                   level_text, import->scheme);
      ok = FALSE;
    }

  issued_ok = check_date (import, row->line, "issued", cell (import, row, COLUMN_ISSUED));
  expires_ok = check_date (import, row->line, "expires", expires);
  ok = issued_ok && expires_ok && ok;

  /* The ID carries the expiry date; the list must agree with it. */
  if (expires_ok && expires_from_id != NULL)
    {
      g_autofree char *from_id = merkki_date_to_iso (expires_from_id);

      if (*expires == '\0')
        {
          g_free (expires);
          expires = g_steal_pointer (&from_id);
        }
      else if (!g_str_equal (expires, from_id))
        {
          add_problem (import, row->line,
                       /* Translators: the first %s is a date from the CSV, the second the one in the ID */
                       _("expires “%s” disagrees with the expiry date in the ID (%s)"),
                       expires, from_id);
          ok = FALSE;
        }
    }

  /* ISO dates compare as text. */
  if (issued_ok && expires_ok && *expires != '\0' && *cell (import, row, COLUMN_ISSUED) != '\0' &&
      strcmp (cell (import, row, COLUMN_ISSUED), expires) > 0)
    {
      add_problem (import, row->line,
                   /* Translators: both %s are dates */
                   _("issued “%s” is after expires “%s”"), cell (import, row, COLUMN_ISSUED), expires);
      ok = FALSE;
    }

  if (id != NULL)
    {
      gpointer first_line;

      if (g_hash_table_lookup_extended (import->lines_by_id, id, NULL, &first_line))
        {
          add_problem (import, row->line,
                       /* Translators: %s is an id, %u the line where it appeared first */
                       _("id “%s” is already on line %u"), id, GPOINTER_TO_UINT (first_line));
          ok = FALSE;
        }
      else
        {
          g_hash_table_insert (import->lines_by_id, g_strdup (id), GUINT_TO_POINTER (row->line));
        }
    }

  if (!ok)
    return NULL;

  /* The same strict rules as a record from a registry. */
  object = json_pack ("{s:s, s:s, s:I, s:s, s:{s:s, s:s, s:o}, s:o, s:o, s:o, s:o}",
                      "scheme", import->scheme,
                      "id", id,
                      "level", (json_int_t) level,
                      "status", merkki_record_status_to_string (status),
                      "product",
                        "brand", cell (import, row, COLUMN_BRAND),
                        "model", cell (import, row, COLUMN_MODEL),
                        "category", json_string_or_null (cell (import, row, COLUMN_CATEGORY)),
                      "manufacturer", json_string_or_null (cell (import, row, COLUMN_MANUFACTURER)),
                      "issued", json_string_or_null (cell (import, row, COLUMN_ISSUED)),
                      "expires", json_string_or_null (expires),
                      "url", json_string_or_null (cell (import, row, COLUMN_URL)));
  if (object == NULL)
    {
      /* jansson refuses text that is not UTF-8; the whole input was
       * checked before, so this is a field it cannot hold (a NUL). */
      add_problem (import, row->line, _("a field holds characters a record cannot have"));
      return NULL;
    }

  record = merkki_record_from_json (object, &error);
  json_decref (object);
  if (record == NULL)
    add_problem (import, row->line, "%s", error->message);

  return record;
}

/* ---- The header ---------------------------------------------------------- */

static gboolean
read_header (Import  *import,
             CsvRow  *row,
             GError **error)
{
  g_autoptr(GString) missing = g_string_new (NULL);

  if (row->problem != NULL)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                   /* Translators: %u is a line number, %s what is wrong */
                   _("The header row (line %u) is not valid CSV: %s"), row->line, row->problem);
      return FALSE;
    }

  for (guint i = 0; i < N_COLUMNS; i++)
    import->columns[i] = -1;
  import->n_header_fields = row->fields->len;

  for (guint i = 0; i < row->fields->len; i++)
    {
      g_autofree char *name = g_ascii_strdown (g_strstrip (g_ptr_array_index (row->fields, i)), -1);
      Column column;

      for (column = 0; column < N_COLUMNS; column++)
        {
          if (g_str_equal (name, column_names[column]))
            break;
        }

      if (column == N_COLUMNS)
        {
          g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                       /* Translators: %s is a column name from the file; keep the list untranslated */
                       _("The header names an unknown column “%s”; the columns are id, brand, model, "
                         "category, level, status, issued, expires, url and manufacturer"),
                       name);
          return FALSE;
        }
      if (import->columns[column] >= 0)
        {
          g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                       /* Translators: %s is a column name */
                       _("The header names the column “%s” twice"), name);
          return FALSE;
        }
      import->columns[column] = i;
    }

  for (Column column = 0; column < N_COLUMNS; column++)
    {
      gboolean required = column == COLUMN_ID || column == COLUMN_BRAND ||
                          column == COLUMN_MODEL || column == COLUMN_STATUS ||
                          (column == COLUMN_LEVEL && scheme_has_levels (import->scheme));

      if (required && import->columns[column] < 0)
        {
          if (missing->len > 0)
            g_string_append (missing, ", ");
          g_string_append (missing, column_names[column]);
        }
    }

  if (missing->len > 0)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                   /* Translators: %s is a list of column names */
                   _("The header row has no column %s; the first row must name the columns"),
                   missing->str);
      return FALSE;
    }

  return TRUE;
}

/* ---- The import ---------------------------------------------------------- */

static guint
count_lines (const char *text,
             const char *end)
{
  guint line = 1;

  for (const char *p = text; p < end; p++)
    {
      if (*p == '\n' || (*p == '\r' && (p + 1 >= end || p[1] != '\n')))
        line++;
    }

  return line;
}

MerkkiRegistryData *
merkki_import_csv (const char  *scheme,
                   const char  *registry_id,
                   const char  *csv,
                   gsize        len,
                   GError     **error)
{
  g_autoptr(MerkkiRegistryData) data = NULL;
  g_autoptr(GHashTable) lines_by_id = NULL;
  g_autoptr(GString) problems = NULL;
  g_autoptr(GDateTime) now = NULL;
  Import import = { 0, };
  CsvReader reader;
  CsvRow row;
  const char *invalid;
  gboolean known_scheme = FALSE;
  gboolean have_header = FALSE;

  g_return_val_if_fail (scheme != NULL, NULL);
  g_return_val_if_fail (registry_id != NULL, NULL);
  g_return_val_if_fail (csv != NULL || len == 0, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (known_schemes); i++)
    known_scheme = known_scheme || g_str_equal (scheme, known_schemes[i]);
  if (!known_scheme)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                   /* Translators: %s is a scheme name given by the user */
                   _("Unknown label scheme “%s”; the schemes are sg-cls, sg-cls-md, fi-ttm and de-bsi"),
                   scheme);
      return NULL;
    }

  /* A spreadsheet's UTF-8 byte order mark is not part of the header. */
  if (len >= 3 && memcmp (csv, "\xEF\xBB\xBF", 3) == 0)
    {
      csv += 3;
      len -= 3;
    }

  if (!g_utf8_validate_len (csv, len, &invalid))
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                   /* Translators: %u is a line number */
                   _("Line %u is not UTF-8 text; save the file as CSV UTF-8"),
                   count_lines (csv, invalid));
      return NULL;
    }

  lines_by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  problems = g_string_new (NULL);
  import.scheme = scheme;
  import.lines_by_id = lines_by_id;
  import.problems = problems;

  now = g_date_time_new_now_utc ();
  data = g_new0 (MerkkiRegistryData, 1);
  data->registry = g_strdup (registry_id);
  data->generated = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  data->records = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_record_free);

  reader.p = csv;
  reader.end = csv + len;
  reader.line = 1;

  while (csv_read_row (&reader, &row))
    {
      gboolean fatal = row.fatal;

      if (!csv_row_is_blank (&row))
        {
          /* Blanks around a value are never part of it. */
          for (guint i = 0; i < row.fields->len; i++)
            g_strstrip (g_ptr_array_index (row.fields, i));

          if (!have_header)
            {
              gboolean header_ok = read_header (&import, &row, error);

              csv_row_clear (&row);
              if (!header_ok)
                return NULL;
              have_header = TRUE;
              continue;
            }
          else
            {
              guint before = problems->len;
              MerkkiRecord *record = row_to_record (&import, &row);

              if (record != NULL)
                g_ptr_array_add (data->records, record);
              if (problems->len != before)
                import.n_bad_rows++;
            }
        }

      csv_row_clear (&row);
      if (fatal)
        break;
    }

  if (!have_header)
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                           _("The CSV file is empty; it needs a header row naming the columns "
                             "and one row per product"));
      return NULL;
    }

  if (import.n_bad_rows > 0)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                   /* Translators: the summary line before a list of "line N: …" lines */
                   g_dngettext (GETTEXT_PACKAGE,
                                "%u row is wrong; nothing was imported:\n%s",
                                "%u rows are wrong; nothing was imported:\n%s",
                                import.n_bad_rows),
                   import.n_bad_rows, problems->str);
      return NULL;
    }

  if (data->records->len == 0)
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                           _("The CSV file has a header but no products"));
      return NULL;
    }

  return g_steal_pointer (&data);
}
