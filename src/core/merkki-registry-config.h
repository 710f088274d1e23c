/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* One registry from data/registries.json, with its effective base URL. */
typedef struct {
  char  *id;        /* "sg-csa", "fi-traficom" */
  char  *name;      /* translated, "CSA registry" */
  char  *authority; /* "Cyber Security Agency of Singapore", in the user's language */
  char **schemes;   /* NULL-terminated: the schemes it issues, e.g. { "sg-cls", "sg-cls-md" } */
  char  *base_url;  /* NULL when not configured: only the snapshot can answer */
} MerkkiRegistryInfo;

#define MERKKI_TYPE_REGISTRY_CONFIG (merkki_registry_config_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiRegistryConfig, merkki_registry_config, MERKKI, REGISTRY_CONFIG, GObject)

/* The bundled registries.json, then MERKKI_REGISTRY_<ID> from the
 * environment. */
MerkkiRegistryConfig     *merkki_registry_config_new_default  (void);
/* The bundled registries.json alone, without the environment. */
MerkkiRegistryConfig     *merkki_registry_config_new_bundled  (void);
MerkkiRegistryConfig     *merkki_registry_config_new_from_data (const char           *json,
                                                                gsize                 len,
                                                                GError              **error);
/* Overrides a base URL (GSettings, --registry ID=URL). An unknown ID or a
 * URL that is not http(s) is MERKKI_ERROR_CONFIG. An empty @url removes it. */
gboolean                  merkki_registry_config_set_url       (MerkkiRegistryConfig *self,
                                                                const char           *id,
                                                                const char           *url,
                                                                GError              **error);
/* A copy of the registries and their addresses as they are now. The
 * checker takes one at the start of each check and sync, in its worker
 * thread: merkki_registry_config_set_url() on @self (from the main thread,
 * say when the preferences change) never changes or frees what the copy
 * holds, and a copy is never half old, half new. */
MerkkiRegistryConfig     *merkki_registry_config_copy          (MerkkiRegistryConfig *self);
/* Parses "ID=URL" as given on the command line. */
gboolean                  merkki_registry_config_apply_arg     (MerkkiRegistryConfig *self,
                                                                const char           *id_equals_url,
                                                                GError              **error);
/* Registries in the file's order; owned by @self. */
GPtrArray                *merkki_registry_config_get_registries (MerkkiRegistryConfig *self);
const MerkkiRegistryInfo *merkki_registry_config_lookup        (MerkkiRegistryConfig *self,
                                                                const char           *id);
/* The registry that issues @scheme, or NULL. */
const MerkkiRegistryInfo *merkki_registry_config_for_scheme    (MerkkiRegistryConfig *self,
                                                                const char           *scheme);

/* Applies MERKKI_REGISTRY_<ID> for every registry, in the file's order,
 * and stops at the first malformed value with MERKKI_ERROR_CONFIG naming
 * the variable (the registries before it keep their new URLs).
 * merkki_registry_config_new_default() calls it and only warns, so a
 * mistyped variable does not stop the app. */
gboolean                  merkki_registry_config_apply_environment (MerkkiRegistryConfig *self,
                                                                    GError              **error);
/* "MERKKI_REGISTRY_SG_CSA" for "sg-csa". */
char                     *merkki_registry_config_env_name      (const char           *registry_id);
/* The translated name of a registry Merkki knows ("CSA registry"), or
 * NULL for an ID it does not know. */
const char               *merkki_registry_display_name         (const char           *registry_id);
/* Checks a registry base URL (http or https, a host, no user name or
 * password, no query or fragment) and returns it normalised: scheme in
 * lower case, no trailing slash. MERKKI_ERROR_CONFIG otherwise. */
char                     *merkki_registry_normalize_base_url   (const char           *url,
                                                                GError              **error);

G_END_DECLS
