/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "merkki-format.h"
#include "merkki-preferences-window.h"

struct _MerkkiPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* Template widgets */
  AdwPreferencesGroup  *registries_group;
  AdwActionRow         *offline_row;
  GtkSpinner           *sync_spinner;
  GtkButton            *sync_button;
  GtkSwitch            *sound_switch;
  GtkSwitch            *kiosk_switch;
  GtkSpinButton        *offline_age_spin;

  GSettings            *settings;
  MerkkiChecker        *checker;
  GCancellable         *cancellable;
};

G_DEFINE_FINAL_TYPE (MerkkiPreferencesWindow, merkki_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
show_toast (MerkkiPreferencesWindow *self,
            const char              *message)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
}

/* Registry addresses: checked when applied, then stored in GSettings (the
 * application applies them to the registry configuration). */
static void
on_registry_row_apply_cb (AdwEntryRow             *row,
                          MerkkiPreferencesWindow *self)
{
  const char *key = g_object_get_data (G_OBJECT (row), "settings-key");
  const char *registry_id = g_object_get_data (G_OBJECT (row), "registry-id");
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  g_autoptr(MerkkiRegistryConfig) probe = merkki_registry_config_new_default ();
  g_autoptr(GError) error = NULL;

  /* Validate on a scratch configuration so a bad address changes nothing. */
  if (url[0] != '\0' && !merkki_registry_config_set_url (probe, registry_id, url, &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      show_toast (self, error->message);
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  g_settings_set_string (self->settings, key, url);
}

static void
add_registry_rows (MerkkiPreferencesWindow *self)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  MerkkiRegistryConfig *config;
  GPtrArray *registries;

  if (self->checker == NULL)
    return;

  g_object_get (self->settings, "settings-schema", &schema, NULL);
  config = merkki_checker_get_config (self->checker);
  registries = merkki_registry_config_get_registries (config);

  for (guint i = 0; i < registries->len; i++)
    {
      const MerkkiRegistryInfo *info = g_ptr_array_index (registries, i);
      g_autofree char *key = g_strconcat ("registry-", info->id, NULL);
      g_autofree char *url = NULL;
      GtkWidget *row;

      if (!g_settings_schema_has_key (schema, key))
        continue;

      url = g_settings_get_string (self->settings, key);
      row = adw_entry_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), info->name);
      adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
      adw_entry_row_set_input_hints (ADW_ENTRY_ROW (row), GTK_INPUT_HINT_NO_SPELLCHECK);
      gtk_editable_set_text (GTK_EDITABLE (row), url);
      gtk_widget_set_tooltip_text (row, info->authority);
      g_object_set_data_full (G_OBJECT (row), "settings-key", g_steal_pointer (&key), g_free);
      g_object_set_data_full (G_OBJECT (row), "registry-id", g_strdup (info->id), g_free);
      g_signal_connect (row, "apply", G_CALLBACK (on_registry_row_apply_cb), self);

      /* MERKKI_REGISTRY_* and --registry win over the settings: say so. */
      if (info->base_url != NULL && g_strcmp0 (info->base_url, url) != 0)
        {
          GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-information-symbolic");
          /* Translators: %s is a registry address (URL). */
          g_autofree char *note = g_strdup_printf (_("In use: %s, set by the environment or the command line"),
                                                   info->base_url);

          gtk_widget_set_tooltip_text (icon, note);
          gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, note, -1);
          adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), icon);
        }
      adw_preferences_group_add (self->registries_group, row);
    }
}

/* The offline copy: what the store holds, and "Update now". The summary
 * reads SQLite, so it is written in a worker thread. */
static void
offline_summary_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  MerkkiChecker *checker = task_data;
  g_autoptr(MerkkiRegistryConfig) config = merkki_registry_config_copy (merkki_checker_get_config (checker));
  MerkkiStore *store = merkki_checker_get_store (checker);
  GPtrArray *registries = merkki_registry_config_get_registries (config);
  GString *summary = g_string_new (NULL);

  for (guint i = 0; i < registries->len; i++)
    {
      const MerkkiRegistryInfo *info = g_ptr_array_index (registries, i);
      g_autoptr(GDateTime) fetched_at = NULL;
      g_autoptr(GDateTime) generated_at = NULL;
      g_autofree char *generated = NULL;
      g_autofree char *line = NULL;
      guint n_records = 0;
      gboolean demo = FALSE;

      if (!merkki_store_get_snapshot_info (store, info->id, &generated, NULL,
                                           &fetched_at, &n_records, &demo))
        /* Translators: %s is a registry's name. */
        line = g_strdup_printf (_("%s: none"), info->name);
      else if (demo)
        /* Translators: %s is a registry's name; %u products of demo data. */
        line = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s: demo data, %u product",
                                             "%s: demo data, %u products", n_records),
                                info->name, n_records);
      else
        {
          g_autofree char *date = NULL;

          /* The age of the data is the registry's "generated" time, as on
           * the result page, not when Merkki downloaded it. */
          if (generated != NULL)
            generated_at = g_date_time_new_from_iso8601 (generated, NULL);
          if (generated_at != NULL)
            date = merkki_format_date (generated_at);
          else if (fetched_at != NULL)
            date = merkki_format_date (fetched_at);
          else
            date = g_strdup (generated);

          /* Translators: "CSA registry: 3 Nov 2026, 870 products". */
          line = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s: %s, %u product",
                                               "%s: %s, %u products", n_records),
                                  info->name, date, n_records);
        }

      if (summary->len > 0)
        g_string_append_c (summary, '\n');
      g_string_append (summary, line);
    }

  g_task_return_pointer (task, g_string_free (summary, FALSE), g_free);
}

static void
on_offline_summary_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  MerkkiPreferencesWindow *self = MERKKI_PREFERENCES_WINDOW (source);
  g_autofree char *summary = g_task_propagate_pointer (G_TASK (result), NULL);

  if (summary != NULL)
    adw_action_row_set_subtitle (self->offline_row, summary);
}

static void
update_offline_row (MerkkiPreferencesWindow *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->checker == NULL)
    {
      adw_action_row_set_subtitle (self->offline_row, _("Not available"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->sync_button), FALSE);
      return;
    }

  task = g_task_new (self, self->cancellable, on_offline_summary_cb, NULL);
  g_task_set_source_tag (task, update_offline_row);
  g_task_set_task_data (task, g_object_ref (self->checker), g_object_unref);
  g_task_run_in_thread (task, offline_summary_thread);
}

static void
sync_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  MerkkiChecker *checker = task_data;
  g_autoptr(GString) report = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  if (!merkki_checker_sync (checker, report, cancellable, &error))
    {
      if (error == NULL)
        g_set_error_literal (&error, MERKKI_ERROR, MERKKI_ERROR_NETWORK,
                             report->len > 0 ? report->str : _("A registry could not be reached"));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
on_sync_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  MerkkiPreferencesWindow *self = MERKKI_PREFERENCES_WINDOW (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_spinner_stop (self->sync_spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->sync_spinner), FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preferences.sync", TRUE);
  update_offline_row (self);

  show_toast (self, error != NULL ? error->message : _("Offline copy updated"));
}

static void
sync_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  MerkkiPreferencesWindow *self = MERKKI_PREFERENCES_WINDOW (widget);
  g_autoptr(GTask) task = NULL;

  if (self->checker == NULL)
    return;

  gtk_widget_action_set_enabled (widget, "preferences.sync", FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->sync_spinner), TRUE);
  gtk_spinner_start (self->sync_spinner);

  task = g_task_new (self, self->cancellable, on_sync_done_cb, NULL);
  g_task_set_source_tag (task, sync_action);
  g_task_set_task_data (task, g_object_ref (self->checker), g_object_unref);
  g_task_run_in_thread (task, sync_thread);
}

static void
merkki_preferences_window_dispose (GObject *object)
{
  MerkkiPreferencesWindow *self = MERKKI_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), MERKKI_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (merkki_preferences_window_parent_class)->dispose (object);
}

static void
merkki_preferences_window_finalize (GObject *object)
{
  MerkkiPreferencesWindow *self = MERKKI_PREFERENCES_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_object (&self->checker);

  G_OBJECT_CLASS (merkki_preferences_window_parent_class)->finalize (object);
}

static void
merkki_preferences_window_class_init (MerkkiPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = merkki_preferences_window_dispose;
  object_class->finalize = merkki_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/merkki/Merkki/ui/merkki-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MerkkiPreferencesWindow, registries_group);
  gtk_widget_class_bind_template_child (widget_class, MerkkiPreferencesWindow, offline_row);
  gtk_widget_class_bind_template_child (widget_class, MerkkiPreferencesWindow, sync_spinner);
  gtk_widget_class_bind_template_child (widget_class, MerkkiPreferencesWindow, sync_button);
  gtk_widget_class_bind_template_child (widget_class, MerkkiPreferencesWindow, sound_switch);
  gtk_widget_class_bind_template_child (widget_class, MerkkiPreferencesWindow, kiosk_switch);
  gtk_widget_class_bind_template_child (widget_class, MerkkiPreferencesWindow, offline_age_spin);

  gtk_widget_class_install_action (widget_class, "preferences.sync", NULL, sync_action);
}

static void
merkki_preferences_window_init (MerkkiPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
}

MerkkiPreferencesWindow *
merkki_preferences_window_new (MerkkiApplication *application,
                               GtkWindow         *parent)
{
  MerkkiPreferencesWindow *self;
  MerkkiChecker *checker;

  g_return_val_if_fail (MERKKI_IS_APPLICATION (application), NULL);

  self = g_object_new (MERKKI_TYPE_PREFERENCES_WINDOW,
                       "application", application,
                       "transient-for", parent,
                       "modal", TRUE,
                       NULL);

  self->settings = g_object_ref (merkki_application_get_settings (application));
  checker = merkki_application_get_checker (application);
  if (checker != NULL)
    self->checker = g_object_ref (checker);

  g_settings_bind (self->settings, "sound-on-result", self->sound_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "kiosk-mode", self->kiosk_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "max-offline-age-days", self->offline_age_spin, "value", G_SETTINGS_BIND_DEFAULT);
  add_registry_rows (self);
  update_offline_row (self);

  return self;
}
