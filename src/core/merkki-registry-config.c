/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <gio/gio.h>
#include <jansson.h>

#include "merkki-core.h"
#include "merkki-error.h"
#include "merkki-registry-config.h"

/* registries.json is data, so xgettext never sees its "name" and
 * "authority" strings. The names of the registries Merkki knows and of
 * their authorities are therefore listed here, keyed by ID, where they can
 * be extracted and translated; a registry added to the file later keeps
 * the names the file gives it until it is listed here. */
static const struct {
  const char *id;
  const char *name;
  const char *authority;
} known_registry_names[] = {
  /* Translators: the name of Singapore's registry of labelled products,
   * kept by the Cyber Security Agency (CSA). */
  { "sg-csa", N_("CSA registry"),
    /* Translators: the authority's name; use the name CSA itself uses in
     * your language where it has one (it publishes Chinese, Malay and
     * Tamil names). */
    N_("Cyber Security Agency of Singapore") },
  /* Translators: the name of Finland's registry of products with the
   * Cybersecurity Label, kept by Traficom. */
  { "fi-traficom", N_("Traficom registry"),
    /* Translators: the Finnish Transport and Communications Agency's own
     * short name; keep it unless your language has an official one. */
    N_("Traficom") },
};

/* Longer URLs are not base URLs anyone types; they are refused rather than
 * carried around in every request. */
#define MAX_URL_LENGTH 2048

struct _MerkkiRegistryConfig
{
  GObject    parent_instance;

  GPtrArray *registries;  /* MerkkiRegistryInfo*, owned */

  /* Held while a base URL changes and while a copy is taken, so that a
   * check running in a worker thread can take a consistent copy while the
   * preferences change an address in the main thread. */
  GMutex     mutex;
};

G_DEFINE_FINAL_TYPE (MerkkiRegistryConfig, merkki_registry_config, G_TYPE_OBJECT)

static void
registry_info_free (MerkkiRegistryInfo *info)
{
  g_free (info->id);
  g_free (info->name);
  g_free (info->authority);
  g_strfreev (info->schemes);
  g_free (info->base_url);
  g_free (info);
}

static void
merkki_registry_config_finalize (GObject *object)
{
  MerkkiRegistryConfig *self = MERKKI_REGISTRY_CONFIG (object);

  g_clear_pointer (&self->registries, g_ptr_array_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (merkki_registry_config_parent_class)->finalize (object);
}

static void
merkki_registry_config_class_init (MerkkiRegistryConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = merkki_registry_config_finalize;
}

static void
merkki_registry_config_init (MerkkiRegistryConfig *self)
{
  self->registries = g_ptr_array_new_with_free_func ((GDestroyNotify) registry_info_free);
  g_mutex_init (&self->mutex);
}

static int
known_registry_index (const char *registry_id)
{
  for (guint i = 0; i < G_N_ELEMENTS (known_registry_names); i++)
    {
      if (g_str_equal (known_registry_names[i].id, registry_id))
        return (int) i;
    }

  return -1;
}

const char *
merkki_registry_display_name (const char *registry_id)
{
  int i;

  g_return_val_if_fail (registry_id != NULL, NULL);

  i = known_registry_index (registry_id);
  return i < 0 ? NULL : _(known_registry_names[i].name);
}

/* The authority's name in the user's language, or NULL for a registry
 * Merkki does not know. */
static const char *
registry_authority_name (const char *registry_id)
{
  int i = known_registry_index (registry_id);

  return i < 0 ? NULL : _(known_registry_names[i].authority);
}

char *
merkki_registry_config_env_name (const char *registry_id)
{
  g_autofree char *upper = NULL;

  g_return_val_if_fail (registry_id != NULL, NULL);

  upper = g_ascii_strup (registry_id, -1);
  g_strdelimit (upper, "-", '_');
  return g_strconcat ("MERKKI_REGISTRY_", upper, NULL);
}

/* Registry IDs become parts of environment variable names and of the
 * command line, so they are kept to lower-case ASCII letters, digits and
 * dashes. */
static gboolean
is_valid_registry_id (const char *id)
{
  if (id[0] == '\0' || strlen (id) > 64)
    return FALSE;

  for (const char *p = id; *p != '\0'; p++)
    {
      if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
        return FALSE;
    }

  return TRUE;
}

/* A DNS name or an IP address literal, nothing percent-encoded or exotic:
 * the host checks of the client (loopback, same host on redirect) compare
 * host strings, so there must be one way to write each host. */
static gboolean
is_plain_host (const char *host)
{
  if (strchr (host, ':') != NULL)
    return g_hostname_is_ip_address (host);

  for (const char *p = host; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_')
        return FALSE;
    }

  return TRUE;
}

char *
merkki_registry_normalize_base_url (const char  *url,
                                    GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GUri) normalized = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *path = NULL;
  const char *scheme;
  const char *host;
  gsize len;

  g_return_val_if_fail (url != NULL, NULL);

  len = strlen (url);
  if (len > MAX_URL_LENGTH)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG,
                   /* Translators: %u is a number of characters. */
                   _("The registry address is too long (more than %u characters)."),
                   (guint) MAX_URL_LENGTH);
      return NULL;
    }

  for (gsize i = 0; i < len; i++)
    {
      /* Spaces and control characters have no place in a URL, and a
       * newline could smuggle a header into a request. */
      if ((guchar) url[i] <= 0x20 || url[i] == 0x7f)
        {
          g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG,
                               _("The registry address contains spaces or control characters."));
          return NULL;
        }
    }

  if (!g_utf8_validate (url, len, NULL))
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG,
                           _("The registry address is not valid text."));
      return NULL;
    }

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_HAS_PASSWORD, &parse_error);
  if (uri == NULL)
    {
      g_autofree char *escaped = g_strescape (url, NULL);

      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG,
                   /* Translators: %s is what the user gave as a registry address. */
                   _("“%s” is not a registry address; give one such as http://127.0.0.1:8080 or https://registry.example."),
                   escaped);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG,
                   /* Translators: %s is a URL scheme such as "ftp". */
                   _("A registry address must start with https:// or http://, not %s:."),
                   scheme);
      return NULL;
    }

  host = g_uri_get_host (uri);
  if (host == NULL || host[0] == '\0')
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG,
                           _("The registry address has no host name."));
      return NULL;
    }

  if (!is_plain_host (host))
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG,
                           _("The host name in the registry address contains characters a host name cannot have."));
      return NULL;
    }

  if (g_uri_get_userinfo (uri) != NULL)
    {
      /* "https://registry.example@evil.example/" is an old trick to make a
       * URL look like it goes somewhere it does not. */
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG,
                           _("The registry address must not contain a user name or password."));
      return NULL;
    }

  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG,
                           _("The registry address must not contain “?” or “#”: give only the base address the /v1/ paths are added to."));
      return NULL;
    }

  /* The /v1/... paths are appended to the base URL, so "http://h/" and
   * "http://h" must mean the same thing. */
  path = g_strdup (g_uri_get_path (uri));
  while (path[0] != '\0' && path[strlen (path) - 1] == '/')
    path[strlen (path) - 1] = '\0';

  {
    g_autofree char *lower_scheme = g_ascii_strdown (scheme, -1);
    g_autofree char *lower_host = g_ascii_strdown (host, -1);

    normalized = g_uri_build (G_URI_FLAGS_ENCODED, lower_scheme, NULL, lower_host,
                              g_uri_get_port (uri), path, NULL, NULL);
  }

  return g_uri_to_string (normalized);
}

static gboolean
parse_registry (json_t              *object,
                guint                index,
                MerkkiRegistryInfo **out,
                GError             **error)
{
  MerkkiRegistryInfo *info;
  json_t *id, *name, *authority, *schemes, *base_url;
  size_t i;
  json_t *scheme;

  if (!json_is_object (object))
    goto bad;

  id = json_object_get (object, "id");
  name = json_object_get (object, "name");
  authority = json_object_get (object, "authority");
  schemes = json_object_get (object, "schemes");
  base_url = json_object_get (object, "base_url");

  if (!json_is_string (id) || !is_valid_registry_id (json_string_value (id)) ||
      !json_is_string (name) || json_string_length (name) == 0 ||
      !json_is_string (authority) || json_string_length (authority) == 0 ||
      !json_is_array (schemes) || json_array_size (schemes) == 0 ||
      (base_url != NULL && !json_is_null (base_url) && !json_is_string (base_url)))
    goto bad;

  json_array_foreach (schemes, i, scheme)
    {
      if (!json_is_string (scheme) || json_string_length (scheme) == 0)
        goto bad;
    }

  info = g_new0 (MerkkiRegistryInfo, 1);
  info->id = g_strdup (json_string_value (id));
  info->name = g_strdup (merkki_registry_display_name (info->id));
  if (info->name == NULL)
    info->name = g_strdup (json_string_value (name));
  info->authority = g_strdup (registry_authority_name (info->id));
  if (info->authority == NULL)
    info->authority = g_strdup (json_string_value (authority));
  info->schemes = g_new0 (char *, json_array_size (schemes) + 1);
  json_array_foreach (schemes, i, scheme)
    info->schemes[i] = g_strdup (json_string_value (scheme));

  if (json_is_string (base_url) && json_string_length (base_url) > 0)
    {
      info->base_url = merkki_registry_normalize_base_url (json_string_value (base_url), error);
      if (info->base_url == NULL)
        {
          registry_info_free (info);
          g_prefix_error (error, _("Registry %u in the registry list: "), index + 1);
          return FALSE;
        }
    }

  *out = info;
  return TRUE;

bad:
  g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
               /* Translators: %u is the position of an entry in a list. */
               _("Registry %u in the registry list is malformed: it needs an “id”, a “name”, an “authority” and a list of “schemes”."),
               index + 1);
  return FALSE;
}

MerkkiRegistryConfig *
merkki_registry_config_new_from_data (const char  *json,
                                      gsize        len,
                                      GError     **error)
{
  g_autoptr(MerkkiRegistryConfig) self = NULL;
  json_t *root;
  json_t *version, *registries, *entry;
  json_error_t json_error;
  size_t index;
  gboolean ok = TRUE;

  g_return_val_if_fail (json != NULL || len == 0, NULL);

  root = json_loadb (json, len, JSON_REJECT_DUPLICATES, &json_error);
  if (root == NULL)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                   /* Translators: %s says what is wrong, in English (from the JSON parser). */
                   _("The registry list is not valid JSON: %s."), json_error.text);
      return NULL;
    }

  version = json_object_get (root, "version");
  registries = json_object_get (root, "registries");
  if (!json_is_object (root) || !json_is_integer (version) || !json_is_array (registries))
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                           _("The registry list is malformed: it needs a “version” and a list of “registries”."));
      json_decref (root);
      return NULL;
    }

  if (json_integer_value (version) != 1)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                   /* Translators: %lld is a file format version number. */
                   _("The registry list has version %lld; this version of Merkki reads version 1."),
                   (long long) json_integer_value (version));
      json_decref (root);
      return NULL;
    }

  self = g_object_new (MERKKI_TYPE_REGISTRY_CONFIG, NULL);

  json_array_foreach (registries, index, entry)
    {
      MerkkiRegistryInfo *info = NULL;

      if (!parse_registry (entry, index, &info, error))
        {
          ok = FALSE;
          break;
        }

      if (merkki_registry_config_lookup (self, info->id) != NULL)
        {
          g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                       /* Translators: %s is a registry ID such as "sg-csa". */
                       _("The registry list names registry “%s” twice."), info->id);
          registry_info_free (info);
          ok = FALSE;
          break;
        }

      g_ptr_array_add (self->registries, info);
    }

  json_decref (root);

  if (!ok)
    return NULL;

  return g_steal_pointer (&self);
}

gboolean
merkki_registry_config_apply_environment (MerkkiRegistryConfig  *self,
                                          GError               **error)
{
  g_return_val_if_fail (MERKKI_IS_REGISTRY_CONFIG (self), FALSE);

  for (guint i = 0; i < self->registries->len; i++)
    {
      MerkkiRegistryInfo *info = g_ptr_array_index (self->registries, i);
      g_autofree char *variable = merkki_registry_config_env_name (info->id);
      const char *value = g_getenv (variable);

      if (value == NULL)
        continue;

      if (!merkki_registry_config_set_url (self, info->id, value, error))
        {
          /* Translators: %s is the name of an environment variable. */
          g_prefix_error (error, _("In %s: "), variable);
          return FALSE;
        }
    }

  return TRUE;
}

MerkkiRegistryConfig *
merkki_registry_config_new_bundled (void)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  MerkkiRegistryConfig *self;
  gsize len;
  const char *data;

  merkki_core_init ();

  /* The file is part of the library and checked by the tests, so failing
   * to read it is a broken build, not bad input. */
  bytes = g_resources_lookup_data (MERKKI_CORE_RESOURCE_PATH "registries.json",
                                   G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (bytes == NULL)
    g_error ("The bundled registries.json is missing: %s", error->message);

  data = g_bytes_get_data (bytes, &len);
  self = merkki_registry_config_new_from_data (data, len, &error);
  if (self == NULL)
    g_error ("The bundled registries.json is broken: %s", error->message);

  return self;
}

MerkkiRegistryConfig *
merkki_registry_config_new_default (void)
{
  g_autoptr(MerkkiRegistryConfig) self = merkki_registry_config_new_bundled ();
  g_autoptr(GError) error = NULL;

  /* A mistyped variable must not stop the app; it is reported and the
   * registries it did not name keep their addresses. Callers that want
   * to stop on it call merkki_registry_config_apply_environment(). */
  if (!merkki_registry_config_apply_environment (self, &error))
    g_warning ("%s", error->message);

  return g_steal_pointer (&self);
}

static MerkkiRegistryInfo *
find_registry (MerkkiRegistryConfig *self,
               const char           *id)
{
  for (guint i = 0; i < self->registries->len; i++)
    {
      MerkkiRegistryInfo *info = g_ptr_array_index (self->registries, i);

      if (g_str_equal (info->id, id))
        return info;
    }

  return NULL;
}

static char *
list_registry_ids (MerkkiRegistryConfig *self)
{
  g_autoptr(GString) ids = g_string_new (NULL);

  for (guint i = 0; i < self->registries->len; i++)
    {
      MerkkiRegistryInfo *info = g_ptr_array_index (self->registries, i);

      if (ids->len > 0)
        g_string_append (ids, ", ");
      g_string_append (ids, info->id);
    }

  return g_string_free (g_steal_pointer (&ids), FALSE);
}

gboolean
merkki_registry_config_set_url (MerkkiRegistryConfig  *self,
                                const char            *id,
                                const char            *url,
                                GError               **error)
{
  MerkkiRegistryInfo *info;
  char *normalized = NULL;

  g_return_val_if_fail (MERKKI_IS_REGISTRY_CONFIG (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  info = find_registry (self, id);
  if (info == NULL)
    {
      g_autofree char *known = list_registry_ids (self);
      g_autofree char *escaped = g_strescape (id, NULL);

      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG,
                   /* Translators: the first %s is what the user typed, the
                    * second a list of registry IDs such as "sg-csa, fi-traficom". */
                   _("There is no registry called “%s”; the registries are: %s."),
                   escaped, known);
      return FALSE;
    }

  if (url != NULL && url[0] != '\0')
    {
      normalized = merkki_registry_normalize_base_url (url, error);
      if (normalized == NULL)
        return FALSE;
    }

  g_mutex_lock (&self->mutex);
  g_free (info->base_url);
  info->base_url = normalized;
  g_mutex_unlock (&self->mutex);
  return TRUE;
}

MerkkiRegistryConfig *
merkki_registry_config_copy (MerkkiRegistryConfig *self)
{
  MerkkiRegistryConfig *copy;

  g_return_val_if_fail (MERKKI_IS_REGISTRY_CONFIG (self), NULL);

  copy = g_object_new (MERKKI_TYPE_REGISTRY_CONFIG, NULL);

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->registries->len; i++)
    {
      const MerkkiRegistryInfo *info = g_ptr_array_index (self->registries, i);
      MerkkiRegistryInfo *info_copy = g_new0 (MerkkiRegistryInfo, 1);

      info_copy->id = g_strdup (info->id);
      info_copy->name = g_strdup (info->name);
      info_copy->authority = g_strdup (info->authority);
      info_copy->schemes = g_strdupv (info->schemes);
      info_copy->base_url = g_strdup (info->base_url);
      g_ptr_array_add (copy->registries, info_copy);
    }
  g_mutex_unlock (&self->mutex);

  return copy;
}

gboolean
merkki_registry_config_apply_arg (MerkkiRegistryConfig  *self,
                                  const char            *id_equals_url,
                                  GError               **error)
{
  g_autofree char *id = NULL;
  const char *equals;

  g_return_val_if_fail (MERKKI_IS_REGISTRY_CONFIG (self), FALSE);
  g_return_val_if_fail (id_equals_url != NULL, FALSE);

  equals = strchr (id_equals_url, '=');
  if (equals == NULL || equals == id_equals_url)
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_CONFIG,
                           /* Translators: do not translate "ID=URL" and the example. */
                           _("A registry is given as ID=URL, for example sg-csa=http://127.0.0.1:8080."));
      return FALSE;
    }

  id = g_strndup (id_equals_url, equals - id_equals_url);
  return merkki_registry_config_set_url (self, id, equals + 1, error);
}

GPtrArray *
merkki_registry_config_get_registries (MerkkiRegistryConfig *self)
{
  g_return_val_if_fail (MERKKI_IS_REGISTRY_CONFIG (self), NULL);

  return self->registries;
}

const MerkkiRegistryInfo *
merkki_registry_config_lookup (MerkkiRegistryConfig *self,
                               const char           *id)
{
  g_return_val_if_fail (MERKKI_IS_REGISTRY_CONFIG (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return find_registry (self, id);
}

const MerkkiRegistryInfo *
merkki_registry_config_for_scheme (MerkkiRegistryConfig *self,
                                   const char           *scheme)
{
  g_return_val_if_fail (MERKKI_IS_REGISTRY_CONFIG (self), NULL);
  g_return_val_if_fail (scheme != NULL, NULL);

  for (guint i = 0; i < self->registries->len; i++)
    {
      MerkkiRegistryInfo *info = g_ptr_array_index (self->registries, i);

      if (g_strv_contains ((const char * const *) info->schemes, scheme))
        return info;
    }

  return NULL;
}
