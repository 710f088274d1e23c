/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "merkki-core.h"
#include "merkki-cli.h"

/* The same cap as a snapshot from a registry. */
#define MAX_CSV_BYTES (64 * 1024 * 1024)

static gboolean
read_csv (const char  *path,
          GBytes     **out,
          GError     **error)
{
  g_autoptr(GByteArray) contents = g_byte_array_new ();
  gboolean from_stdin = g_str_equal (path, "-");
  FILE *file = from_stdin ? stdin : g_fopen (path, "rb");
  guint8 buffer[64 * 1024];
  gboolean failed;
  size_t n;

  if (file == NULL)
    {
      int saved_errno = errno;

      g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                           g_strerror (saved_errno));
      return FALSE;
    }

  while ((n = fread (buffer, 1, sizeof buffer, file)) > 0 && contents->len <= MAX_CSV_BYTES)
    g_byte_array_append (contents, buffer, n);

  failed = ferror (file);
  if (!from_stdin)
    fclose (file);

  if (failed)
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_IO, _("The file could not be read"));
      return FALSE;
    }
  if (contents->len > MAX_CSV_BYTES)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_TOO_LARGE,
                   _("The file is larger than %d MiB"), MAX_CSV_BYTES / (1024 * 1024));
      return FALSE;
    }

  *out = g_byte_array_free_to_bytes (g_steal_pointer (&contents));
  return TRUE;
}

int
merkki_cli_import (int    argc,
                   char **argv)
{
  g_autofree char *scheme = NULL;
  g_autofree char *csv_path = NULL;
  g_autofree char *output = NULL;
  g_autofree char *registry = NULL;
  g_auto(GStrv) remaining = NULL;
  g_autoptr(MerkkiRegistryConfig) config = NULL;
  g_autoptr(MerkkiRegistryData) data = NULL;
  g_autoptr(GBytes) csv = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *display = NULL;
  const char *registry_id;
  json_t *root;
  GOptionEntry entries[] = {
    { "scheme", 0, 0, G_OPTION_ARG_STRING, &scheme,
      N_("The label scheme of the list: sg-cls, sg-cls-md, fi-ttm or de-bsi"), N_("S") },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv_path,
      N_("The CSV product list (- for standard input)"), N_("FILE") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write the registry data here instead of to standard output"), N_("OUT.json") },
    { "registry", 0, 0, G_OPTION_ARG_STRING, &registry,
      N_("The registry the data is from (default: the one that issues the scheme)"), N_("ID") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &remaining, NULL, NULL },
    { NULL }
  };

  if (!merkki_cli_parse_options ("import", "",
                                 _("Convert a CSV copy of an authority’s product list into "
                                   "registry data for “merkki-cli serve”. The header row names "
                                   "the columns id, brand, model, category, level, status, issued, "
                                   "expires, url (any order)."),
                                 entries, &argc, &argv))
    return MERKKI_CLI_EXIT_USAGE;

  if (remaining != NULL && remaining[0] != NULL)
    return merkki_cli_usage_error ("import", _("Unexpected argument “%s”"), remaining[0]);
  if (scheme == NULL)
    return merkki_cli_usage_error ("import", "%s", _("No scheme given; use --scheme sg-cls or --scheme fi-ttm"));
  if (csv_path == NULL)
    return merkki_cli_usage_error ("import", "%s", _("No CSV file given; use --csv FILE"));

  config = merkki_registry_config_new_bundled ();
  if (registry != NULL)
    {
      if (merkki_registry_config_lookup (config, registry) == NULL)
        return merkki_cli_usage_error ("import", _("Unknown registry “%s”"), registry);
      registry_id = registry;
    }
  else
    {
      const MerkkiRegistryInfo *info = merkki_registry_config_for_scheme (config, scheme);

      if (info == NULL)
        return merkki_cli_usage_error ("import",
                                       _("No registry is known to issue “%s” labels; name it with --registry ID"),
                                       scheme);
      registry_id = info->id;
    }

  display = g_str_equal (csv_path, "-") ? g_strdup (_("standard input"))
                                         : g_filename_display_name (csv_path);

  if (!read_csv (csv_path, &csv, &error))
    return merkki_cli_usage_error ("import", "%s: %s", display, error->message);

  data = merkki_import_csv (scheme, registry_id,
                            g_bytes_get_data (csv, NULL), g_bytes_get_size (csv), &error);
  if (data == NULL)
    {
      /* The first line sums it up; a line follows for every bad row. */
      fprintf (stderr, "merkki-cli import: %s: %s\n", display, error->message);
      return MERKKI_CLI_EXIT_USAGE;
    }

  root = merkki_registry_data_to_json (data);
  text = json_dumps (root, JSON_INDENT (2));
  json_decref (root);

  if (output == NULL)
    {
      printf ("%s\n", text);
      fflush (stdout);
      return 0;
    }

  {
    g_autofree char *contents = g_strconcat (text, "\n", NULL);

    /* Atomically: a server reading the file never sees half of it. */
    if (!g_file_set_contents (output, contents, -1, &error))
      return merkki_cli_usage_error ("import", "%s", error->message);
  }

  return 0;
}
