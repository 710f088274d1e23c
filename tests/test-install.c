/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Installs the build into a temporary DESTDIR, as a packager would, and
 * checks what lands there the way a desktop would use it: the desktop
 * file, the AppStream metainfo, the schema, the icons, the man page, the
 * translations, the programs, and that the installed merkki-cli answers
 * from its bundled demo snapshot. */
#include "config.h"

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>

#include "merkki-test-utils.h"

/* Where `meson install --destdir` put the prefix, and the install dirs. */
static char *destdir;
static char *installed_bindir;
static char *installed_datadir;
static char *installed_mandir;
static char *installed_localedir;

typedef struct {
  int   status;
  char *out;
  char *err;
} RunResult;

static void
run_result_clear (RunResult *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}

/* Runs @argv (searched in PATH) and returns whether it could be started. */
static gboolean
run (const char * const *argv,
     const char * const *extra_env,
     RunResult          *result)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ ();
  g_autofree char *command = g_strjoinv (" ", (char **) argv);

  for (guint i = 0; extra_env != NULL && extra_env[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (extra_env[i], "=", 2);

      env = g_environ_setenv (env, pair[0], pair[1], TRUE);
    }

  g_test_message ("running: %s", command);
  memset (result, 0, sizeof *result);
  if (!g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &result->out, &result->err, &result->status, &error))
    {
      g_test_message ("could not run %s: %s", argv[0], error->message);
      return FALSE;
    }

  if (result->err != NULL && result->err[0] != '\0')
    g_test_message ("stderr: %s", result->err);
  return TRUE;
}

static void
assert_exit_ok (const RunResult *result,
                const char      *what)
{
  g_autoptr(GError) error = NULL;

  if (!g_spawn_check_wait_status (result->status, &error))
    g_error ("%s failed (%s):\n%s%s", what, error->message, result->out, result->err);
}

static json_t *
load_build_info (const char *name)
{
  g_autofree char *file = g_strdup_printf ("meson-info/intro-%s.json", name);
  g_autofree char *path = merkki_test_build_path (file);
  json_error_t error;
  json_t *root = json_load_file (path, 0, &error);

  if (root == NULL)
    g_error ("%s:%d: %s", path, error.line, error.text);
  return root;
}

static const char *
build_option (json_t     *options,
              const char *name)
{
  size_t i;
  json_t *option;

  json_array_foreach (options, i, option)
    {
      if (g_str_equal (json_string_value (json_object_get (option, "name")), name))
        {
          json_t *value = json_object_get (option, "value");

          if (json_is_string (value))
            return json_string_value (value);
          if (json_is_boolean (value))
            return json_is_true (value) ? "true" : "false";
        }
    }
  g_error ("build option %s not found", name);
  return NULL;
}

/* An install dir under DESTDIR: meson's dirs are relative to the prefix
 * unless given as absolute paths. */
static char *
installed_dir (const char *prefix,
               const char *dir)
{
  if (g_path_is_absolute (dir))
    return g_build_filename (destdir, dir, NULL);
  return g_build_filename (destdir, prefix, dir, NULL);
}

static void
install_once (void)
{
  g_autofree char *build_root = merkki_test_build_path ("");
  const char *meson = g_getenv ("MERKKI_MESON");
  json_t *options;
  const char *prefix;
  RunResult result;

  g_assert_nonnull (meson);
  destdir = g_build_filename (merkki_test_get_tmpdir (), "destdir", NULL);

  {
    const char *argv[] = { meson, "install", "-C", build_root, "--destdir", destdir,
                           "--no-rebuild", "--quiet", NULL };

    g_assert_true (run (argv, NULL, &result));
    assert_exit_ok (&result, "meson install");
    run_result_clear (&result);
  }

  options = load_build_info ("buildoptions");
  prefix = build_option (options, "prefix");
  installed_bindir = installed_dir (prefix, build_option (options, "bindir"));
  installed_datadir = installed_dir (prefix, build_option (options, "datadir"));
  installed_mandir = installed_dir (prefix, build_option (options, "mandir"));
  installed_localedir = installed_dir (prefix, build_option (options, "localedir"));
  json_decref (options);
}

static char *
data_file (const char *first,
           ...) G_GNUC_NULL_TERMINATED;

static char *
data_file (const char *first,
           ...)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  g_ptr_array_add (parts, installed_datadir);
  va_start (args, first);
  for (const char *part = first; part != NULL; part = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);

  return g_build_filenamev ((char **) parts->pdata);
}

static void
assert_file (const char *path)
{
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    g_error ("not installed: %s", path);
}

static void
test_desktop_file (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *icon = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *desktop_name = g_strconcat (APP_ID, ".desktop", NULL);
  RunResult result;

  path = data_file ("applications", desktop_name, NULL);
  assert_file (path);

  {
    const char *argv[] = { "desktop-file-validate", path, NULL };

    g_assert_true (run (argv, NULL, &result));
    assert_exit_ok (&result, "desktop-file-validate");
    /* It prints hints on stdout even when it passes: we allow none. */
    g_assert_cmpstr (result.out, ==, "");
    run_result_clear (&result);
  }

  g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  icon = g_key_file_get_string (keyfile, "Desktop Entry", "Icon", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (icon, ==, APP_ID);
  exec = g_key_file_get_string (keyfile, "Desktop Entry", "Exec", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (exec, ==, "merkki");
}

static void
test_metainfo (void)
{
  g_autofree char *metainfo_name = g_strconcat (APP_ID, ".metainfo.xml", NULL);
  g_autofree char *path = data_file ("metainfo", metainfo_name, NULL);
  g_autofree char *contents = NULL;
  g_autofree char *id_element = g_strdup_printf ("<id>%s</id>", APP_ID);
  g_autofree char *launchable = g_strdup_printf ("<launchable type=\"desktop-id\">%s.desktop</launchable>", APP_ID);
  g_autoptr(GError) error = NULL;
  RunResult result;

  assert_file (path);

  {
    /* appstreamcli fails on warnings and errors; infos and pedantic notes pass. */
    const char *argv[] = { "appstreamcli", "validate", "--no-net", path, NULL };

    g_assert_true (run (argv, NULL, &result));
    assert_exit_ok (&result, "appstreamcli validate");
    run_result_clear (&result);
  }

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (contents, id_element));
  g_assert_nonnull (strstr (contents, launchable));
  g_assert_nonnull (strstr (contents, "<content_rating type=\"oars-1.1\""));
  g_assert_nonnull (strstr (contents, "<release version=\"" PACKAGE_VERSION "\""));
  g_assert_nonnull (strstr (contents, "<display_length compare=\"ge\">360</display_length>"));
  g_assert_nonnull (strstr (contents, "<binary>merkki-cli</binary>"));

  /* Every screenshot the metainfo shows is a PNG in this tree, at the path
   * its raw URL names once the tree is published. */
  {
    static const char url_prefix[] = "<image>https://github.com/merkki/merkki/raw/main/";
    guint screenshots = 0;

    for (const char *p = strstr (contents, url_prefix); p != NULL; p = strstr (p + 1, url_prefix))
      {
        const char *start = p + strlen (url_prefix);
        const char *end = strstr (start, "</image>");
        g_autofree char *relative = NULL;
        g_autofree char *png = NULL;
        g_autofree char *bytes = NULL;
        gsize length = 0;

        g_assert_nonnull (end);
        relative = g_strndup (start, end - start);
        png = g_build_filename (g_getenv ("MERKKI_SOURCE_ROOT"), relative, NULL);
        if (!g_file_get_contents (png, &bytes, &length, NULL))
          g_error ("the metainfo shows %s, which is not in the tree", relative);
        g_assert_true (length > 8 && memcmp (bytes, "\211PNG", 4) == 0);
        screenshots++;
      }
    g_assert_cmpuint (screenshots, >=, 4);
  }
}

static gboolean
build_has_gui (void)
{
  json_t *options = load_build_info ("buildoptions");
  gboolean gui = g_str_equal (build_option (options, "gui"), "true");

  json_decref (options);
  return gui;
}

static void
test_schema (void)
{
  g_autofree char *schema_name = g_strconcat (BASE_APP_ID, ".gschema.xml", NULL);
  g_autofree char *schemas_dir = data_file ("glib-2.0", "schemas", NULL);
  g_autofree char *path = g_build_filename (schemas_dir, schema_name, NULL);
  RunResult result;

  if (!build_has_gui ())
    {
      g_test_skip ("built with -Dgui=false: the schema belongs to the app");
      return;
    }

  assert_file (path);
  {
    const char *argv[] = { "glib-compile-schemas", "--strict", "--dry-run", schemas_dir, NULL };

    g_assert_true (run (argv, NULL, &result));
    assert_exit_ok (&result, "glib-compile-schemas --strict");
    run_result_clear (&result);
  }
}

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  int size = GPOINTER_TO_INT (user_data);

  gdk_pixbuf_loader_set_size (loader, size, size);
}

/* Renders the icon with the SVG loader by name: the test's isolated XDG
 * dirs have no MIME database to sniff the type with. */
static void
assert_icon_renders (const char *path)
{
  static const int sizes[] = { 128, 64, 16 };
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  assert_file (path);
  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type ("svg", &error);
      GdkPixbuf *pixbuf;

      g_assert_no_error (error);
      g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), GINT_TO_POINTER (sizes[i]));
      gdk_pixbuf_loader_write (loader, (const guchar *) contents, length, &error);
      g_assert_no_error (error);
      gdk_pixbuf_loader_close (loader, &error);
      g_assert_no_error (error);

      pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
      g_assert_nonnull (pixbuf);
      g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, sizes[i]);
      g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, sizes[i]);
    }
}

static void
test_icons (void)
{
  g_autofree char *app_icon_name = g_strconcat (APP_ID, ".svg", NULL);
  g_autofree char *symbolic_name = g_strconcat (APP_ID, "-symbolic.svg", NULL);
  g_autofree char *app_icon = data_file ("icons", "hicolor", "scalable", "apps", app_icon_name, NULL);
  g_autofree char *symbolic = data_file ("icons", "hicolor", "symbolic", "apps", symbolic_name, NULL);

  assert_icon_renders (app_icon);
  assert_icon_renders (symbolic);
}

static void
test_man_page (void)
{
  g_autofree char *path = g_build_filename (installed_mandir, "man1", "merkki-cli.1", NULL);
  static const char * const env[] = { "MANWIDTH=80", "MAN_DISABLE_SECCOMP=1", NULL };
  static const char * const sections[] = {
    "SYNOPSIS", "COMMANDS", "OPTIONS", "VERDICTS", "EXIT STATUS", "ENVIRONMENT", "EXAMPLES",
  };
  static const char * const commands[] = {
    "merkki-cli parse", "merkki-cli lookup", "merkki-cli scan", "merkki-cli serve",
    "merkki-cli import", "merkki-cli sync", "merkki-cli history",
  };
  RunResult result;

  assert_file (path);
  {
    const char *argv[] = { "man", "--warnings", "-l", path, NULL };

    if (!run (argv, env, &result))
      {
        g_test_skip ("man is not installed");
        return;
      }
  }
  assert_exit_ok (&result, "man -l");
  /* groff's warnings would show up here. */
  g_assert_cmpstr (result.err, ==, "");
  for (gsize i = 0; i < G_N_ELEMENTS (sections); i++)
    g_assert_nonnull (strstr (result.out, sections[i]));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_assert_nonnull (strstr (result.out, commands[i]));
  run_result_clear (&result);
}

static void
test_translations (void)
{
  g_autofree char *linguas_path = g_build_filename (g_getenv ("MERKKI_SOURCE_ROOT"), "po", "LINGUAS", NULL);
  g_autofree char *linguas = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  guint languages = 0;
  g_autofree char *desktop_name = g_strconcat (APP_ID, ".desktop", NULL);
  g_autofree char *desktop_path = data_file ("applications", desktop_name, NULL);
  g_autofree char *metainfo_name = g_strconcat (APP_ID, ".metainfo.xml", NULL);
  g_autofree char *metainfo_path = data_file ("metainfo", metainfo_name, NULL);
  g_autofree char *metainfo = NULL;
  g_autoptr(GKeyFile) desktop = g_key_file_new ();

  g_file_get_contents (linguas_path, &linguas, NULL, &error);
  g_assert_no_error (error);
  g_key_file_load_from_file (desktop, desktop_path, G_KEY_FILE_KEEP_TRANSLATIONS, &error);
  g_assert_no_error (error);
  g_file_get_contents (metainfo_path, &metainfo, NULL, &error);
  g_assert_no_error (error);

  lines = g_strsplit_set (linguas, "\n \t", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *mo = NULL;
      g_autofree char *comment_key = NULL;
      g_autofree char *lang_attribute = NULL;

      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      mo = g_build_filename (installed_localedir, lines[i], "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
      assert_file (mo);

      /* The desktop file and the metainfo were merged with the translation:
       * a software centre shows the app in the user's language. */
      comment_key = g_strdup_printf ("Comment[%s]", lines[i]);
      if (!g_key_file_has_key (desktop, "Desktop Entry", comment_key, NULL))
        g_error ("the installed desktop file has no %s", comment_key);
      lang_attribute = g_strdup_printf ("xml:lang=\"%s\"", lines[i]);
      if (strstr (metainfo, lang_attribute) == NULL)
        g_error ("the installed metainfo has no %s translation", lines[i]);
      languages++;
    }

  if (languages == 0)
    g_test_skip ("po/LINGUAS lists no language yet (the translations, issue 5)");
}

static void
test_programs (void)
{
  g_autofree char *cli = g_build_filename (installed_bindir, "merkki-cli", NULL);
  g_autofree char *app = g_build_filename (installed_bindir, "merkki", NULL);

  g_assert_true (g_file_test (cli, G_FILE_TEST_IS_EXECUTABLE));
  if (!build_has_gui ())
    {
      g_test_skip ("built with -Dgui=false: no app to install");
      return;
    }
  g_assert_true (g_file_test (app, G_FILE_TEST_IS_EXECUTABLE));
}

static void
test_cli_lookup_demo (void)
{
  g_autofree char *cli = g_build_filename (installed_bindir, "merkki-cli", NULL);
  g_autofree char *lower = NULL;
  g_autofree char *schemas_dir = data_file ("glib-2.0", "schemas", NULL);
  g_autofree char *compiled_dir = g_build_filename (merkki_test_get_tmpdir (), "compiled-schemas", NULL);
  g_autofree char *schema_env = g_strconcat ("GSETTINGS_SCHEMA_DIR=", compiled_dir, NULL);
  const char *env[] = { schema_env, NULL };
  const char *argv[] = { cli, "lookup", "CSA/311228/1001", NULL };
  RunResult result;

  /* Use the installed schemas, compiled as the post-install step would,
   * like merkki-cli on a user's system. */
  if (g_file_test (schemas_dir, G_FILE_TEST_IS_DIR))
    {
      const char *compile[] = { "glib-compile-schemas", "--strict", "--targetdir", compiled_dir, schemas_dir, NULL };

      g_assert_cmpint (g_mkdir_with_parents (compiled_dir, 0700), ==, 0);
      g_assert_true (run (compile, NULL, &result));
      assert_exit_ok (&result, "glib-compile-schemas");
      run_result_clear (&result);
    }
  else
    {
      env[0] = NULL;
    }

  /* No registry is configured in the test environment (no MERKKI_REGISTRY_*,
   * memory GSettings), so the answer can only come from the snapshot that
   * merkki-cli carries inside itself: nothing is fetched. */
  g_assert_true (run (argv, env, &result));
  assert_exit_ok (&result, "installed merkki-cli lookup CSA/311228/1001");
  lower = g_utf8_strdown (result.out, -1);
  if (strstr (lower, "demo") == NULL)
    g_error ("the answer from the bundled snapshot does not say it is demo data:\n%s", result.out);
  run_result_clear (&result);
}

/* The development profile configured (not built) from the same tree: what
 * it would install must sit beside this build's files. Only programs and
 * the files they share by design may be at the same paths. */
static void
test_devel_variant_beside_release (void)
{
  const char *meson = g_getenv ("MERKKI_MESON");
  g_autofree char *devel_build = g_build_filename (merkki_test_get_tmpdir (), "devel-build", NULL);
  g_autofree char *devel_info = g_build_filename (devel_build, "meson-info", "intro-installed.json", NULL);
  g_autofree char *release_info = merkki_test_build_path ("meson-info/intro-installed.json");
  json_t *options = load_build_info ("buildoptions");
  g_autofree char *prefix_option = g_strconcat ("--prefix=", build_option (options, "prefix"), NULL);
  g_autofree char *gui_option = g_strconcat ("-Dgui=", build_option (options, "gui"), NULL);
  g_autoptr(GHashTable) release_paths = g_hash_table_new (g_str_hash, g_str_equal);
  json_t *release;
  json_t *devel;
  json_error_t json_error;
  const char *key;
  json_t *value;
  guint devel_named = 0;
  RunResult result;

  if (g_str_equal (APP_ID, BASE_APP_ID ".Devel"))
    {
      g_test_skip ("this build is the development profile already");
      json_decref (options);
      return;
    }

  {
    const char *argv[] = { meson, "setup", devel_build, g_getenv ("MERKKI_SOURCE_ROOT"),
                           "-Dprofile=development", prefix_option, gui_option, NULL };

    g_assert_true (run (argv, NULL, &result));
    assert_exit_ok (&result, "meson setup -Dprofile=development");
    run_result_clear (&result);
  }
  json_decref (options);

  release = json_load_file (release_info, 0, &json_error);
  g_assert_nonnull (release);
  devel = json_load_file (devel_info, 0, &json_error);
  g_assert_nonnull (devel);

  json_object_foreach (release, key, value)
    g_hash_table_add (release_paths, (gpointer) json_string_value (value));

  json_object_foreach (devel, key, value)
    {
      const char *path = json_string_value (value);
      g_autofree char *name = g_path_get_basename (path);
      gboolean shared_by_design;

      g_assert_nonnull (path);
      if (g_str_has_prefix (name, BASE_APP_ID ".Devel"))
        devel_named++;

      /* Programs, the man page, the schema (one schema ID, the same file)
       * and the translations are the same files in both variants. */
      shared_by_design = strstr (path, "/bin/") != NULL ||
                         strstr (path, "/man/") != NULL ||
                         strstr (path, "/glib-2.0/schemas/") != NULL ||
                         strstr (path, "/locale/") != NULL;
      if (!shared_by_design && g_hash_table_contains (release_paths, path))
        g_error ("the development profile would overwrite the release's %s", path);
    }

  /* Desktop file, metainfo, app icon and symbolic icon. */
  g_assert_cmpuint (devel_named, >=, 4);

  json_decref (release);
  json_decref (devel);
}

int
main (int    argc,
      char **argv)
{
  merkki_test_init (&argc, &argv);
  install_once ();

  g_test_add_func ("/install/desktop-file", test_desktop_file);
  g_test_add_func ("/install/metainfo", test_metainfo);
  g_test_add_func ("/install/schema", test_schema);
  g_test_add_func ("/install/icons", test_icons);
  g_test_add_func ("/install/man-page", test_man_page);
  g_test_add_func ("/install/translations", test_translations);
  g_test_add_func ("/install/programs", test_programs);
  g_test_add_func ("/install/cli-lookup-demo", test_cli_lookup_demo);
  g_test_add_func ("/install/devel-variant-beside-release", test_devel_variant_beside_release);

  return g_test_run ();
}
