/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "merkki-core.h"
#include "merkki-test-utils.h"

static void
test_default_registries (void)
{
  g_autoptr(MerkkiRegistryConfig) config = merkki_registry_config_new_default ();
  GPtrArray *registries = merkki_registry_config_get_registries (config);
  const MerkkiRegistryInfo *csa, *traficom;

  g_assert_cmpuint (registries->len, >=, 2);

  csa = g_ptr_array_index (registries, 0);
  g_assert_cmpstr (csa->id, ==, "sg-csa");
  g_assert_cmpstr (csa->name, ==, "CSA registry");
  g_assert_cmpstr (csa->authority, ==, "Cyber Security Agency of Singapore");
  g_assert_true (g_strv_contains ((const char * const *) csa->schemes, "sg-cls"));
  g_assert_true (g_strv_contains ((const char * const *) csa->schemes, "sg-cls-md"));
  /* No network address is configured by default: the snapshot answers. */
  g_assert_null (csa->base_url);

  traficom = merkki_registry_config_lookup (config, "fi-traficom");
  g_assert_nonnull (traficom);
  g_assert_cmpstr (traficom->name, ==, "Traficom registry");
  g_assert_null (traficom->base_url);

  g_assert_true (merkki_registry_config_for_scheme (config, "sg-cls") == csa);
  g_assert_true (merkki_registry_config_for_scheme (config, "sg-cls-md") == csa);
  g_assert_true (merkki_registry_config_for_scheme (config, "fi-ttm") == traficom);
  g_assert_null (merkki_registry_config_for_scheme (config, "xx-none"));
  g_assert_null (merkki_registry_config_lookup (config, "xx-none"));
}

static void
test_env_name (void)
{
  g_autofree char *csa = merkki_registry_config_env_name ("sg-csa");
  g_autofree char *traficom = merkki_registry_config_env_name ("fi-traficom");

  g_assert_cmpstr (csa, ==, "MERKKI_REGISTRY_SG_CSA");
  g_assert_cmpstr (traficom, ==, "MERKKI_REGISTRY_FI_TRAFICOM");
}

static void
test_env_override (void)
{
  g_autoptr(MerkkiRegistryConfig) config = NULL;

  g_setenv ("MERKKI_REGISTRY_SG_CSA", "http://127.0.0.1:8080/", TRUE);
  g_setenv ("MERKKI_REGISTRY_FI_TRAFICOM", "HTTPS://Registry.Example/mirror//", TRUE);
  config = merkki_registry_config_new_default ();
  g_unsetenv ("MERKKI_REGISTRY_SG_CSA");
  g_unsetenv ("MERKKI_REGISTRY_FI_TRAFICOM");

  g_assert_cmpstr (merkki_registry_config_lookup (config, "sg-csa")->base_url, ==,
                   "http://127.0.0.1:8080");
  g_assert_cmpstr (merkki_registry_config_lookup (config, "fi-traficom")->base_url, ==,
                   "https://registry.example/mirror");
}

static void
test_env_bad_value (void)
{
  g_autoptr(MerkkiRegistryConfig) config = merkki_registry_config_new_default ();
  g_autoptr(GError) error = NULL;

  g_setenv ("MERKKI_REGISTRY_FI_TRAFICOM", "ftp://127.0.0.1/", TRUE);
  g_assert_false (merkki_registry_config_apply_environment (config, &error));
  g_unsetenv ("MERKKI_REGISTRY_FI_TRAFICOM");

  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG);
  /* The user learns which variable is wrong. */
  g_assert_nonnull (strstr (error->message, "MERKKI_REGISTRY_FI_TRAFICOM"));
  g_assert_null (merkki_registry_config_lookup (config, "fi-traficom")->base_url);
}

static void
test_apply_arg (void)
{
  g_autoptr(MerkkiRegistryConfig) config = merkki_registry_config_new_default ();
  g_autoptr(GError) error = NULL;

  g_assert_true (merkki_registry_config_apply_arg (config, "fi-traficom=http://[::1]:8081", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (merkki_registry_config_lookup (config, "fi-traficom")->base_url, ==,
                   "http://[::1]:8081");

  /* The URL may itself contain "=" in its path: only the first one splits. */
  g_assert_true (merkki_registry_config_apply_arg (config, "sg-csa=https://mirror.example/a=b/", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (merkki_registry_config_lookup (config, "sg-csa")->base_url, ==,
                   "https://mirror.example/a=b");

  /* An empty URL removes the address again. */
  g_assert_true (merkki_registry_config_apply_arg (config, "sg-csa=", &error));
  g_assert_no_error (error);
  g_assert_null (merkki_registry_config_lookup (config, "sg-csa")->base_url);

  g_assert_false (merkki_registry_config_apply_arg (config, "http://127.0.0.1:8080", &error));
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "ID=URL"));
  g_clear_error (&error);

  g_assert_false (merkki_registry_config_apply_arg (config, "=http://127.0.0.1:8080", &error));
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG);
  g_clear_error (&error);

  g_assert_false (merkki_registry_config_apply_arg (config, "xx-nowhere=http://127.0.0.1:8080", &error));
  g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG);
  /* The message lists the registries that do exist. */
  g_assert_nonnull (strstr (error->message, "sg-csa"));
  g_assert_nonnull (strstr (error->message, "fi-traficom"));
}

static void
test_bad_urls (void)
{
  static const char * const bad_urls[] = {
    "127.0.0.1:8080",
    "ftp://127.0.0.1/",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "http://",
    "http:///v1",
    "http:registry.example",
    "https://user:secret@registry.example/",
    "https://registry.example@evil.example/",
    "http://@registry.example/",
    "http://127.0.0.1:8080/?debug=1",
    "http://127.0.0.1:8080/?",
    "http://127.0.0.1:8080/#top",
    "http://127.0.0.1:99999/",
    "http://registry example/",
    "http://registry.example/\r\nX-Evil: 1",
    "http://reg%2Fistry.example/",
    "http://[::1/",
    "not a url",
  };
  g_autoptr(MerkkiRegistryConfig) config = merkki_registry_config_new_default ();

  for (guint i = 0; i < G_N_ELEMENTS (bad_urls); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("URL: %s", bad_urls[i]);
      g_assert_false (merkki_registry_config_set_url (config, "sg-csa", bad_urls[i], &error));
      g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG);
      g_assert_cmpstr (error->message, !=, "");
      g_assert_null (merkki_registry_config_lookup (config, "sg-csa")->base_url);
    }

  /* Not UTF-8 at all. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (merkki_registry_config_set_url (config, "sg-csa", "http://\xff\xfe/", &error));
    g_assert_error (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG);
  }
}

static void
test_data_rejected (void)
{
  static const char * const bad_documents[] = {
    "",
    "[]",
    "{\"version\": 1}",
    "{\"version\": \"1\", \"registries\": []}",
    "{\"version\": 2, \"registries\": []}",
    "{\"version\": 1, \"registries\": [1]}",
    "{\"version\": 1, \"registries\": [{\"id\": \"a\", \"name\": \"A\", \"authority\": \"A\"}]}",
    "{\"version\": 1, \"registries\": [{\"id\": \"a\", \"name\": \"A\", \"authority\": \"A\", \"schemes\": []}]}",
    "{\"version\": 1, \"registries\": [{\"id\": \"a\", \"name\": \"A\", \"authority\": \"A\", \"schemes\": [1]}]}",
    "{\"version\": 1, \"registries\": [{\"id\": \"A B\", \"name\": \"A\", \"authority\": \"A\", \"schemes\": [\"x\"]}]}",
    "{\"version\": 1, \"registries\": [{\"id\": \"a\", \"name\": \"A\", \"authority\": \"A\", \"schemes\": [\"x\"], \"base_url\": 8080}]}",
    "{\"version\": 1, \"registries\": [{\"id\": \"a\", \"name\": \"A\", \"authority\": \"A\", \"schemes\": [\"x\"], \"base_url\": \"ftp://h/\"}]}",
    "{\"version\": 1, \"registries\": [{\"id\": \"a\", \"name\": \"A\", \"authority\": \"A\", \"schemes\": [\"x\"]},"
    "                                 {\"id\": \"a\", \"name\": \"B\", \"authority\": \"B\", \"schemes\": [\"y\"]}]}",
    "{\"version\": 1, \"version\": 1, \"registries\": []}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_documents); i++)
    {
      g_autoptr(MerkkiRegistryConfig) config = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("document: %s", bad_documents[i]);
      config = merkki_registry_config_new_from_data (bad_documents[i], strlen (bad_documents[i]), &error);
      g_assert_null (config);
      g_assert_nonnull (error);
      g_assert_true (error->domain == MERKKI_ERROR);
    }
}

static void
test_data_partner (void)
{
  static const char document[] =
    "{\"version\": 1, \"registries\": ["
    "  {\"id\": \"sg-csa\", \"name\": \"Untranslated\", \"authority\": \"CSA\", \"schemes\": [\"sg-cls\"]},"
    "  {\"id\": \"de-bsi\", \"name\": \"BSI registry\", \"authority\": \"BSI\", \"schemes\": [\"de-bsi\"],"
    "   \"base_url\": \"https://bsi.example/\"}]}";
  g_autoptr(MerkkiRegistryConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  const MerkkiRegistryInfo *bsi;

  config = merkki_registry_config_new_from_data (document, strlen (document), &error);
  g_assert_no_error (error);

  /* Known registries get their translatable name, whatever the file says. */
  g_assert_cmpstr (merkki_registry_config_lookup (config, "sg-csa")->name, ==, "CSA registry");

  bsi = merkki_registry_config_for_scheme (config, "de-bsi");
  g_assert_nonnull (bsi);
  g_assert_cmpstr (bsi->name, ==, "BSI registry");
  g_assert_cmpstr (bsi->base_url, ==, "https://bsi.example");
}

int
main (int   argc,
      char *argv[])
{
  merkki_test_init (&argc, &argv);

  g_test_add_func ("/registry-config/default", test_default_registries);
  g_test_add_func ("/registry-config/env-name", test_env_name);
  g_test_add_func ("/registry-config/env-override", test_env_override);
  g_test_add_func ("/registry-config/env-bad-value", test_env_bad_value);
  g_test_add_func ("/registry-config/apply-arg", test_apply_arg);
  g_test_add_func ("/registry-config/bad-urls", test_bad_urls);
  g_test_add_func ("/registry-config/data-rejected", test_data_rejected);
  g_test_add_func ("/registry-config/data-partner", test_data_partner);

  return g_test_run ();
}
