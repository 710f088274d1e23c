/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "merkki-application.h"
#include "merkki-preferences-window.h"
#include "merkki-ui-resources.h"
#include "merkki-window.h"

#define RESOURCE_BASE "/io/github/merkki/Merkki"

struct _MerkkiApplication
{
  AdwApplication        parent_instance;

  GSettings            *settings;
  MerkkiRegistryConfig *config;
  MerkkiChecker        *checker;
  GError               *store_error;
  char                 *camera_pipeline;
  char                **registry_args;
};

G_DEFINE_FINAL_TYPE (MerkkiApplication, merkki_application, ADW_TYPE_APPLICATION)

GSettings *
merkki_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaSource) build_source = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, BASE_APP_ID, TRUE);

  if (schema == NULL)
    {
      g_autoptr(GError) error = NULL;

      /* Not installed: the schema compiled in the build directory. */
      build_source = g_settings_schema_source_new_from_directory (MERKKI_BUILD_SCHEMA_DIR,
                                                                  source, FALSE, &error);
      if (build_source == NULL)
        g_error ("The settings schema %s is not installed: %s", BASE_APP_ID, error->message);
      schema = g_settings_schema_source_lookup (build_source, BASE_APP_ID, FALSE);
      if (schema == NULL)
        g_error ("The settings schema %s is not installed", BASE_APP_ID);
    }

  return g_settings_new_full (schema, NULL, NULL);
}

/* The URL of a registry in GSettings, when the schema has a key for it. */
static char *
settings_key_for_registry (GSettings  *settings,
                           const char *registry_id)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autofree char *key = g_strconcat ("registry-", registry_id, NULL);

  g_object_get (settings, "settings-schema", &schema, NULL);
  if (!g_settings_schema_has_key (schema, key))
    return NULL;

  return g_steal_pointer (&key);
}

static gboolean
registry_set_by_environment (const char *registry_id)
{
  g_autofree char *variable = g_ascii_strup (registry_id, -1);
  g_autofree char *name = NULL;

  g_strdelimit (variable, "-", '_');
  name = g_strconcat ("MERKKI_REGISTRY_", variable, NULL);

  return g_getenv (name) != NULL;
}

/* Registry addresses, lowest precedence first: the bundled file, GSettings,
 * the environment (already in the default config), --registry. */
static void
apply_registry_settings (MerkkiApplication *self)
{
  GPtrArray *registries = merkki_registry_config_get_registries (self->config);

  for (guint i = 0; i < registries->len; i++)
    {
      const MerkkiRegistryInfo *info = g_ptr_array_index (registries, i);
      g_autofree char *key = settings_key_for_registry (self->settings, info->id);
      g_autofree char *url = NULL;
      g_autoptr(GError) error = NULL;

      if (key == NULL || registry_set_by_environment (info->id))
        continue;

      url = g_settings_get_string (self->settings, key);
      if (url[0] == '\0')
        continue;
      if (!merkki_registry_config_set_url (self->config, info->id, url, &error))
        g_warning ("Ignoring the %s address in the settings: %s", info->id, error->message);
    }

  for (guint i = 0; self->registry_args != NULL && self->registry_args[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!merkki_registry_config_apply_arg (self->config, self->registry_args[i], &error))
        g_warning ("Ignoring --registry %s: %s", self->registry_args[i], error->message);
    }
}

static void
on_settings_changed_cb (MerkkiApplication *self,
                        const char        *key,
                        GSettings         *settings)
{
  if (g_str_equal (key, "max-offline-age-days") && self->checker != NULL)
    merkki_checker_set_max_offline_age (self->checker, g_settings_get_uint (settings, key));
  else if (g_str_has_prefix (key, "registry-"))
    {
      const char *registry_id = key + strlen ("registry-");
      g_autofree char *url = g_settings_get_string (settings, key);
      g_autoptr(GError) error = NULL;

      if (registry_set_by_environment (registry_id))
        return;
      if (!merkki_registry_config_set_url (self->config, registry_id, url, &error))
        g_warning ("Ignoring the %s address in the settings: %s", registry_id, error->message);
    }
}

static void
merkki_application_startup (GApplication *app)
{
  MerkkiApplication *self = MERKKI_APPLICATION (app);
  g_autoptr(MerkkiRegistryClient) client = NULL;
  g_autoptr(MerkkiStore) store = NULL;
  g_autofree char *store_path = NULL;

  const char *quit_accels[] = { "<Control>q", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };
  const char *help_accels[] = { "F1", "<Control>question", NULL };

  G_APPLICATION_CLASS (merkki_application_parent_class)->startup (app);

  /* After chaining up: GtkApplication sets Ctrl+? alone when it loads the
   * help overlay. */
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay", help_accels);

  self->settings = merkki_settings_new ();
  self->config = merkki_registry_config_new_default ();
  apply_registry_settings (self);
  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (on_settings_changed_cb), self, G_CONNECT_SWAPPED);

  /* Opening SQLite is the one blocking step at start-up; it is quick, and
   * nothing can be checked or shown in the history before it is done. */
  store_path = merkki_store_get_default_path ();
  store = merkki_store_open (store_path, &self->store_error);
  if (store != NULL)
    {
      client = merkki_registry_client_new ();
      self->checker = merkki_checker_new (self->config, client, store,
                                          merkki_recognition_table_get_default ());
      merkki_checker_set_max_offline_age (self->checker,
                                          g_settings_get_uint (self->settings, "max-offline-age-days"));
    }
  else
    {
      g_warning ("%s", self->store_error->message);
    }
}

static void
merkki_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (merkki_window_new (MERKKI_APPLICATION (app)));

  gtk_window_present (window);
}

static int
merkki_application_handle_local_options (GApplication *app,
                                         GVariantDict *options)
{
  MerkkiApplication *self = MERKKI_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("merkki %s\n", PACKAGE_VERSION);
      return 0;
    }

  g_variant_dict_lookup (options, "camera-pipeline", "s", &self->camera_pipeline);
  g_variant_dict_lookup (options, "registry", "^as", &self->registry_args);

  return -1;
}

static void
merkki_application_finalize (GObject *object)
{
  MerkkiApplication *self = MERKKI_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->checker);
  g_clear_object (&self->config);
  g_clear_error (&self->store_error);
  g_clear_pointer (&self->camera_pipeline, g_free);
  g_clear_pointer (&self->registry_args, g_strfreev);

  G_OBJECT_CLASS (merkki_application_parent_class)->finalize (object);
}

static void
merkki_application_class_init (MerkkiApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = merkki_application_finalize;
  app_class->startup = merkki_application_startup;
  app_class->activate = merkki_application_activate;
  app_class->handle_local_options = merkki_application_handle_local_options;
}

static void
merkki_application_about_action (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  MerkkiApplication *self = user_data;
  static const char *developers[] = { "The Merkki contributors", NULL };
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  adw_show_about_window (window,
                         "application-name", _("Merkki"),
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "developer-name", _("The Merkki contributors"),
                         "developers", developers,
                         /* Translators: put your names here, one a line. */
                         "translator-credits", _("translator-credits"),
                         "comments", _("Check the cybersecurity label of a smart device: "
                                       "Singapore's Cybersecurity Labelling Scheme and "
                                       "Finland's Cybersecurity Label. Merkki is not made "
                                       "or endorsed by CSA or Traficom."),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "copyright", "© 2026 The Merkki contributors",
                         NULL);
}

static void
merkki_application_preferences_action (GSimpleAction *action,
                                       GVariant      *parameter,
                                       gpointer       user_data)
{
  MerkkiApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  MerkkiPreferencesWindow *preferences = merkki_preferences_window_new (self, window);

  gtk_window_present (GTK_WINDOW (preferences));
}

static void
merkki_application_quit_action (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "quit", merkki_application_quit_action },
  { "about", merkki_application_about_action },
  { "preferences", merkki_application_preferences_action },
};

static const GOptionEntry app_options[] = {
  { "camera-pipeline", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Read frames from a GStreamer pipeline instead of a camera"), N_("DESCRIPTION") },
  { "registry", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    N_("Use the registry at URL for ID (sg-csa, fi-traficom)"), N_("ID=URL") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { NULL }
};

static void
merkki_application_init (MerkkiApplication *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  g_application_add_main_option_entries (G_APPLICATION (self), app_options);
}

void
merkki_trace (const char *event)
{
  static int enabled = -1;

  if (enabled < 0)
    enabled = g_getenv ("MERKKI_TRACE") != NULL;
  if (enabled)
    {
      g_print ("merkki-trace: %s %" G_GINT64_FORMAT "\n", event, g_get_monotonic_time ());
      fflush (stdout);
    }
}

MerkkiApplication *
merkki_application_new (void)
{
  merkki_core_init ();
  merkki_ui_register_resource ();

  return g_object_new (MERKKI_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", RESOURCE_BASE,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

GSettings *
merkki_application_get_settings (MerkkiApplication *self)
{
  g_return_val_if_fail (MERKKI_IS_APPLICATION (self), NULL);
  return self->settings;
}

MerkkiChecker *
merkki_application_get_checker (MerkkiApplication *self)
{
  g_return_val_if_fail (MERKKI_IS_APPLICATION (self), NULL);
  return self->checker;
}

const GError *
merkki_application_get_store_error (MerkkiApplication *self)
{
  g_return_val_if_fail (MERKKI_IS_APPLICATION (self), NULL);
  return self->store_error;
}

const char *
merkki_application_get_camera_pipeline (MerkkiApplication *self)
{
  g_return_val_if_fail (MERKKI_IS_APPLICATION (self), NULL);
  return self->camera_pipeline;
}
