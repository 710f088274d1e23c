/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs a fuzz target's entry point on every file in the directories given
 * as arguments (its seed corpus and the inputs of crashes found and fixed),
 * with whatever compiler and sanitizers the build uses. TAP output: one
 * test per file. A broken invariant aborts inside the target. */
#include "config.h"

#include <glib.h>
#include <locale.h>

#include "merkki-fuzz.h"

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  setlocale (LC_ALL, "");

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GDir) dir = g_dir_open (argv[i], 0, &error);
      const char *name;

      if (dir == NULL)
        {
          /* A target with no crash inputs yet has no crash directory. */
          if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            continue;
          g_printerr ("%s\n", error->message);
          return 1;
        }

      while ((name = g_dir_read_name (dir)) != NULL)
        if (name[0] != '.')
          g_ptr_array_add (files, g_build_filename (argv[i], name, NULL));
    }

  g_ptr_array_sort (files, compare_paths);

  if (files->len == 0)
    {
      /* A target without inputs tests nothing: that is a failure. */
      g_print ("1..0 # no inputs\nBail out! no corpus files in the directories given\n");
      return 1;
    }

  g_print ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (!g_file_get_contents (path, &contents, &len, &error))
        {
          g_print ("not ok %u %s # %s\n", i + 1, path, error->message);
          continue;
        }

      LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
      g_print ("ok %u %s\n", i + 1, path);
    }

  return 0;
}
