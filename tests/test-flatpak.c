/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Checks the Flatpak manifests against what the build really links:
 * every library meson links is in the GNOME runtime (as documented in
 * flatpak/RUNTIME-CONTENTS.md) or built as a module; the sandbox asks
 * for no more than it needs; every downloaded source is pinned. */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "merkki-test-utils.h"

#define MINIMUM_RUNTIME_VERSION 49

typedef struct {
  const char *file;
  const char *app_id;
  gboolean    devel;
} Manifest;

static const Manifest manifests[] = {
  { "io.github.merkki.Merkki.json", "io.github.merkki.Merkki", FALSE },
  { "io.github.merkki.Merkki.Devel.json", "io.github.merkki.Merkki.Devel", TRUE },
};

static char *
source_path (const char *first,
             ...) G_GNUC_NULL_TERMINATED;

static char *
source_path (const char *first,
             ...)
{
  const char *root = g_getenv ("MERKKI_SOURCE_ROOT");
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  const char *part;
  va_list args;

  g_assert_nonnull (root);
  g_ptr_array_add (parts, (gpointer) root);
  va_start (args, first);
  for (part = first; part != NULL; part = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);

  return g_build_filenamev ((char **) parts->pdata);
}

static json_t *
load_json (const char *path)
{
  json_error_t error;
  json_t *root = json_load_file (path, 0, &error);

  if (root == NULL)
    g_error ("%s:%d: %s", path, error.line, error.text);
  return root;
}

static json_t *
load_manifest (const Manifest *manifest)
{
  g_autofree char *path = source_path ("flatpak", manifest->file, NULL);

  return load_json (path);
}

static const char *
string_member (json_t     *object,
               const char *name)
{
  json_t *value = json_object_get (object, name);

  return json_is_string (value) ? json_string_value (value) : NULL;
}

static gboolean
array_has_string (json_t     *array,
                  const char *wanted)
{
  size_t i;
  json_t *value;

  json_array_foreach (array, i, value)
    {
      if (json_is_string (value) && g_str_equal (json_string_value (value), wanted))
        return TRUE;
    }
  return FALSE;
}

static json_t *
find_module (json_t     *root,
             const char *name)
{
  json_t *modules = json_object_get (root, "modules");
  size_t i;
  json_t *module;

  json_array_foreach (modules, i, module)
    {
      const char *module_name = string_member (module, "name");

      if (module_name != NULL && g_str_equal (module_name, name))
        return module;
    }
  return NULL;
}

static void
test_manifest_identity (void)
{
  for (gsize m = 0; m < G_N_ELEMENTS (manifests); m++)
    {
      json_t *root = load_manifest (&manifests[m]);
      json_t *modules = json_object_get (root, "modules");
      json_t *merkki;
      json_t *config_opts;
      const char *runtime_version;
      gint64 version;

      g_test_message ("%s", manifests[m].file);
      g_assert_cmpstr (string_member (root, "id"), ==, manifests[m].app_id);
      g_assert_cmpstr (string_member (root, "runtime"), ==, "org.gnome.Platform");
      g_assert_cmpstr (string_member (root, "sdk"), ==, "org.gnome.Sdk");
      g_assert_cmpstr (string_member (root, "command"), ==, "merkki");

      runtime_version = string_member (root, "runtime-version");
      g_assert_nonnull (runtime_version);
      version = g_ascii_strtoll (runtime_version, NULL, 10);
      g_assert_cmpint (version, >=, MINIMUM_RUNTIME_VERSION);

      /* Merkki itself is the last module, built with meson from this tree,
       * in the profile that gives the manifest's app ID. */
      g_assert_true (json_is_array (modules));
      merkki = json_array_get (modules, json_array_size (modules) - 1);
      g_assert_cmpstr (string_member (merkki, "name"), ==, "merkki");
      g_assert_cmpstr (string_member (merkki, "buildsystem"), ==, "meson");
      config_opts = json_object_get (merkki, "config-opts");
      g_assert_cmpint (array_has_string (config_opts, "-Dprofile=development"), ==, manifests[m].devel);

      json_decref (root);
    }
}

static void
test_manifest_variants_agree (void)
{
  /* The devel manifest differs only in identity and profile: the
   * dependencies it builds are the release's, so they cannot drift. */
  json_t *release = load_manifest (&manifests[0]);
  json_t *devel = load_manifest (&manifests[1]);
  json_t *release_modules = json_object_get (release, "modules");
  json_t *devel_modules = json_object_get (devel, "modules");

  g_assert_cmpuint (json_array_size (release_modules), ==, json_array_size (devel_modules));
  for (size_t i = 0; i + 1 < json_array_size (release_modules); i++)
    {
      g_test_message ("module %s", string_member (json_array_get (release_modules, i), "name"));
      g_assert_true (json_equal (json_array_get (release_modules, i), json_array_get (devel_modules, i)));
    }
  g_assert_true (json_equal (json_object_get (release, "finish-args"), json_object_get (devel, "finish-args")));
  g_assert_true (json_equal (json_object_get (release, "runtime-version"), json_object_get (devel, "runtime-version")));

  json_decref (release);
  json_decref (devel);
}

static void
test_finish_args (void)
{
  static const char * const required[] = {
    "--device=dri", "--share=network", "--share=ipc", "--socket=wayland", "--socket=fallback-x11",
  };
  /* The camera comes through the portal; files through the file chooser portal. */
  static const char * const forbidden_prefixes[] = {
    "--device=all", "--filesystem=host", "--filesystem=home", "--filesystem=/", "--socket=x11",
  };

  for (gsize m = 0; m < G_N_ELEMENTS (manifests); m++)
    {
      json_t *root = load_manifest (&manifests[m]);
      json_t *finish_args = json_object_get (root, "finish-args");
      size_t i;
      json_t *value;

      g_assert_true (json_is_array (finish_args));
      for (gsize r = 0; r < G_N_ELEMENTS (required); r++)
        {
          if (!array_has_string (finish_args, required[r]))
            g_error ("%s: finish-args lacks %s", manifests[m].file, required[r]);
        }

      json_array_foreach (finish_args, i, value)
        {
          const char *arg = json_string_value (value);

          g_assert_nonnull (arg);
          for (gsize f = 0; f < G_N_ELEMENTS (forbidden_prefixes); f++)
            {
              if (g_str_has_prefix (arg, forbidden_prefixes[f]))
                g_error ("%s: finish-args has %s, which the sandbox must not grant", manifests[m].file, arg);
            }
        }

      json_decref (root);
    }
}

static gboolean
is_sha256 (const char *value)
{
  if (value == NULL || strlen (value) != 64)
    return FALSE;
  for (const char *p = value; *p != '\0'; p++)
    {
      if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
        return FALSE;
    }
  return TRUE;
}

static void
test_sources_pinned (void)
{
  for (gsize m = 0; m < G_N_ELEMENTS (manifests); m++)
    {
      json_t *root = load_manifest (&manifests[m]);
      json_t *modules = json_object_get (root, "modules");
      size_t i;
      json_t *module;

      json_array_foreach (modules, i, module)
        {
          const char *module_name = string_member (module, "name");
          json_t *sources = json_object_get (module, "sources");
          size_t j;
          json_t *source;

          g_assert_true (json_is_array (sources));
          json_array_foreach (sources, j, source)
            {
              const char *type = string_member (source, "type");

              g_test_message ("%s: module %s, source %s", manifests[m].file, module_name, type);
              g_assert_nonnull (type);
              if (g_str_equal (type, "archive") || g_str_equal (type, "file"))
                {
                  const char *url = string_member (source, "url");

                  g_assert_nonnull (url);
                  g_assert_true (g_str_has_prefix (url, "https://"));
                  if (!is_sha256 (string_member (source, "sha256")))
                    g_error ("%s: %s of module %s has no sha256", manifests[m].file, url, module_name);
                }
              else if (g_str_equal (type, "git"))
                {
                  g_assert_nonnull (string_member (source, "commit"));
                }
              else if (g_str_equal (type, "dir"))
                {
                  /* Only Merkki itself is built from the local tree. */
                  g_assert_cmpstr (module_name, ==, "merkki");
                }
              else if (!g_str_equal (type, "shell") && !g_str_equal (type, "patch"))
                {
                  g_error ("%s: module %s has a source of type %s that this test does not know how to check",
                           manifests[m].file, module_name, type);
                }
            }
        }

      json_decref (root);
    }
}

/* Reads the "| `pkg` | runtime |", "| `pkg` | module NAME |" and
 * "| `pkg` | tests only |" rows of flatpak/RUNTIME-CONTENTS.md into
 * pkg-config name → provider. */
static GHashTable *
load_runtime_contents (void)
{
  g_autofree char *path = source_path ("flatpak", "RUNTIME-CONTENTS.md", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GHashTable *providers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cells = NULL;
      g_autofree char *name = NULL;
      g_autofree char *provider = NULL;

      if (!g_str_has_prefix (lines[i], "| `"))
        continue;

      cells = g_strsplit (lines[i], "|", -1);
      g_assert_cmpuint (g_strv_length (cells), >=, 4);
      name = g_strstrip (g_strdup (cells[1]));
      provider = g_strstrip (g_strdup (cells[2]));
      g_assert_true (g_str_has_prefix (name, "`") && g_str_has_suffix (name, "`"));
      if (!g_str_equal (provider, "runtime") && !g_str_equal (provider, "tests only") &&
          !g_str_has_prefix (provider, "module "))
        g_error ("RUNTIME-CONTENTS.md: %s is provided by “%s”, not “runtime”, “module NAME” or “tests only”",
                 name, provider);

      g_hash_table_insert (providers,
                           g_strndup (name + 1, strlen (name) - 2),
                           g_steal_pointer (&provider));
    }

  g_assert_cmpuint (g_hash_table_size (providers), >, 0);
  return providers;
}

static gboolean
is_elf (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  /* Only the first bytes matter, but installed files are small enough. */
  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  return length > 4 && memcmp (contents, "\177ELF", 4) == 0;
}

/* A library documented as "tests only" must not be needed by any program
 * or library that `meson install` ships: reads the NEEDED entries of every
 * installed ELF file with readelf. */
static void
assert_not_shipped (json_t *dependency)
{
  const char *name = string_member (dependency, "name");
  g_autofree char *installed_path = merkki_test_build_path ("meson-info/intro-installed.json");
  json_t *installed = load_json (installed_path);
  json_t *link_args = json_object_get (dependency, "link_args");
  const char *build_file;
  json_t *install_path;
  guint elf_files = 0;

  json_object_foreach (installed, build_file, install_path)
    {
      g_autofree char *out = NULL;
      g_autoptr(GError) error = NULL;
      int status = 0;
      size_t i;
      json_t *arg;
      const char *argv[] = { "readelf", "--dynamic", build_file, NULL };

      if (!is_elf (build_file))
        continue;
      elf_files++;

      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, &out, NULL, &status, &error);
      g_assert_no_error (error);
      g_spawn_check_wait_status (status, &error);
      g_assert_no_error (error);

      json_array_foreach (link_args, i, arg)
        {
          const char *library = json_string_value (arg);
          g_autofree char *base = NULL;
          g_autofree char *needed = NULL;

          if (library == NULL || !g_str_has_suffix (library, ".so"))
            continue;
          base = g_path_get_basename (library);
          needed = g_strdup_printf ("Shared library: [%s", base);
          if (strstr (out, needed) != NULL)
            g_error ("%s is documented as used by the tests only, but the installed %s needs %s",
                     name, build_file, base);
        }
    }

  g_assert_cmpuint (elf_files, >, 0);
  json_decref (installed);
}

static void
test_linked_libraries_available (void)
{
  g_autoptr(GHashTable) providers = load_runtime_contents ();
  g_autofree char *deps_path = merkki_test_build_path ("meson-info/intro-dependencies.json");
  json_t *dependencies = load_json (deps_path);
  size_t i;
  json_t *dependency;

  g_assert_true (json_is_array (dependencies));
  g_assert_cmpuint (json_array_size (dependencies), >, 0);

  json_array_foreach (dependencies, i, dependency)
    {
      const char *name = string_member (dependency, "name");
      const char *provider;

      g_assert_nonnull (name);
      provider = g_hash_table_lookup (providers, name);
      if (provider == NULL)
        g_error ("meson links %s, but flatpak/RUNTIME-CONTENTS.md does not say whether the GNOME "
                 "runtime has it or which manifest module builds it", name);

      g_test_message ("%s: %s", name, provider);
      if (g_str_equal (provider, "tests only"))
        assert_not_shipped (dependency);
      else if (g_str_has_prefix (provider, "module "))
        {
          const char *module_name = provider + strlen ("module ");

          for (gsize m = 0; m < G_N_ELEMENTS (manifests); m++)
            {
              json_t *root = load_manifest (&manifests[m]);

              if (find_module (root, module_name) == NULL)
                g_error ("%s needs module %s for %s, and has none", manifests[m].file, module_name, name);
              json_decref (root);
            }
        }
    }

  json_decref (dependencies);
}

static void
test_modules_documented (void)
{
  /* The other way round: every module the manifests build is one the
   * runtime lacks, so a module shadowing a runtime library gets noticed. */
  g_autoptr(GHashTable) providers = load_runtime_contents ();

  for (gsize m = 0; m < G_N_ELEMENTS (manifests); m++)
    {
      json_t *root = load_manifest (&manifests[m]);
      json_t *modules = json_object_get (root, "modules");
      size_t i;
      json_t *module;

      json_array_foreach (modules, i, module)
        {
          const char *module_name = string_member (module, "name");
          g_autofree char *provider = g_strconcat ("module ", module_name, NULL);
          GHashTableIter iter;
          gpointer value;
          gboolean documented = FALSE;

          if (g_str_equal (module_name, "merkki"))
            continue;

          g_hash_table_iter_init (&iter, providers);
          while (g_hash_table_iter_next (&iter, NULL, &value))
            documented |= g_str_equal (value, provider);

          if (!documented)
            g_error ("%s builds module %s, which RUNTIME-CONTENTS.md does not list as missing from the runtime",
                     manifests[m].file, module_name);
        }

      json_decref (root);
    }
}

int
main (int    argc,
      char **argv)
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/flatpak/manifest-identity", test_manifest_identity);
  g_test_add_func ("/flatpak/variants-agree", test_manifest_variants_agree);
  g_test_add_func ("/flatpak/finish-args", test_finish_args);
  g_test_add_func ("/flatpak/sources-pinned", test_sources_pinned);
  g_test_add_func ("/flatpak/linked-libraries-available", test_linked_libraries_available);
  g_test_add_func ("/flatpak/modules-documented", test_modules_documented);

  return g_test_run ();
}
