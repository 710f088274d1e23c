/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "merkki-core.h"
#include "merkki-test-utils.h"

static char *test_tmpdir;

void
merkki_test_rm_rf (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = NULL;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (children != NULL)
    {
      GFileInfo *info;

      while ((info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

          merkki_test_rm_rf (child);
          g_object_unref (info);
        }
    }

  g_remove (path);
}

static void
remove_tmpdir (void)
{
  if (test_tmpdir != NULL && g_getenv ("MERKKI_TEST_KEEP_TMPDIR") == NULL)
    merkki_test_rm_rf (test_tmpdir);
  g_clear_pointer (&test_tmpdir, g_free);
}

static void
set_dir (const char *variable,
         const char *name)
{
  g_autofree char *path = g_build_filename (test_tmpdir, name, NULL);

  g_mkdir_with_parents (path, 0700);
  g_setenv (variable, path, TRUE);
}

void
merkki_test_init (int    *argc,
                  char ***argv)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) environment = NULL;

  setlocale (LC_ALL, "");
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  test_tmpdir = g_dir_make_tmp ("merkki-test-XXXXXX", &error);
  g_assert_no_error (error);
  atexit (remove_tmpdir);

  set_dir ("XDG_DATA_HOME", "data");
  set_dir ("XDG_CONFIG_HOME", "config");
  set_dir ("XDG_CACHE_HOME", "cache");
  set_dir ("HOME", "home");
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  /* A developer's own registry settings must not leak into the tests. */
  environment = g_listenv ();
  for (guint i = 0; environment[i] != NULL; i++)
    {
      if (g_str_has_prefix (environment[i], "MERKKI_REGISTRY_"))
        g_unsetenv (environment[i]);
    }

  merkki_core_init ();
}

const char *
merkki_test_get_tmpdir (void)
{
  return test_tmpdir;
}

char *
merkki_test_data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", name, NULL);
}

char *
merkki_test_build_path (const char *relative)
{
  const char *root = g_getenv ("MERKKI_BUILD_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, relative, NULL);
}

GDate *
merkki_test_date (const char *iso)
{
  GDate *date = merkki_date_parse_iso (iso);

  g_assert_nonnull (date);
  return date;
}

MerkkiRecord *
merkki_test_record_new (const char         *scheme,
                        const char         *id,
                        int                 level,
                        MerkkiRecordStatus  status)
{
  MerkkiRecord *record = merkki_record_new ();

  record->scheme = g_strdup (scheme);
  record->id = g_strdup (id);
  record->level = level;
  record->status = status;
  record->brand = g_strdup ("Demo");
  record->model = g_strdup ("Model");
  return record;
}

char *
merkki_test_run_program (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
  return out;
}

const MerkkiRegistryAnswer *
merkki_test_get_answer (MerkkiCheckResult *result,
                        const char        *registry_id)
{
  GPtrArray *answers = merkki_check_result_get_answers (result);

  for (guint i = 0; i < answers->len; i++)
    {
      const MerkkiRegistryAnswer *answer = g_ptr_array_index (answers, i);

      if (g_str_equal (answer->registry_id, registry_id))
        return answer;
    }

  g_error ("The check has no answer of %s", registry_id);
  return NULL;
}

/* An empty GBytes may have no data pointer at all. */
static char *
bytes_to_string (GBytes *bytes)
{
  gsize size = bytes != NULL ? g_bytes_get_size (bytes) : 0;

  return g_strndup (size > 0 ? g_bytes_get_data (bytes, NULL) : "", size);
}

int
merkki_test_run_cli (const char         *data_home,
                     const char * const *env,
                     GBytes             *input,
                     const char * const *args,
                     char              **out,
                     char              **err)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *input_path = g_build_filename (data_home, "stdin", NULL);
  g_autoptr(GBytes) out_bytes = NULL;
  g_autoptr(GBytes) err_bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, merkki_test_build_path ("src/cli/merkki-cli"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  /* Standard input is a file, empty without @input, so that nothing the
   * test runner has open leaks in, and a program that stops reading early
   * is no error of the test's. */
  g_assert_cmpint (g_mkdir_with_parents (data_home, 0700), ==, 0);
  g_assert_true (g_file_set_contents (input_path,
                                      input != NULL ? g_bytes_get_data (input, NULL) : "",
                                      input != NULL ? (gssize) g_bytes_get_size (input) : 0, NULL));
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_stdin_file_path (launcher, input_path);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      const char *equals = strchr (env[i], '=');

      if (equals != NULL)
        {
          g_autofree char *name = g_strndup (env[i], equals - env[i]);

          g_subprocess_launcher_setenv (launcher, name, equals + 1, TRUE);
        }
      else
        g_subprocess_launcher_unsetenv (launcher, env[i]);
    }

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, NULL, NULL, &out_bytes, &err_bytes, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));

  if (out != NULL)
    *out = bytes_to_string (out_bytes);
  if (err != NULL)
    *err = bytes_to_string (err_bytes);
  return g_subprocess_get_exit_status (process);
}

char *
merkki_test_pdf_text (const char *pdf)
{
  const char *argv[] = { "pdftotext", "-enc", "UTF-8", pdf, "-", NULL };
  g_autofree char *text = merkki_test_run_program (argv);
  GString *words = g_string_new (NULL);

  /* Lines wrap wherever the layout broke them; compare words, not lines. */
  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p) || *p == '\f')
        {
          if (words->len > 0 && words->str[words->len - 1] != ' ')
            g_string_append_c (words, ' ');
        }
      else
        g_string_append_c (words, *p);
    }
  return g_string_free (words, FALSE);
}
