/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <gio/gio.h>

#include "merkki-core.h"
#include "merkki-error.h"
#include "merkki-label-ref.h"
#include "merkki-record.h"
#include "merkki-registry-data.h"

/* Nesting deeper than a data document needs is refused by jansson's own
 * limit (2048); documents are also capped by the caller's body cap. */

void
merkki_registry_data_free (MerkkiRegistryData *self)
{
  if (self == NULL)
    return;

  g_free (self->registry);
  g_free (self->generated);
  g_clear_pointer (&self->records, g_ptr_array_unref);
  g_free (self);
}

static gboolean
is_timestamp (const char *str)
{
  g_autoptr(GDateTime) when = NULL;

  when = g_date_time_new_from_iso8601 (str, NULL);
  return when != NULL;
}

MerkkiRegistryData *
merkki_registry_data_from_json (json_t  *root,
                                GError **error)
{
  g_autoptr(MerkkiRegistryData) data = g_new0 (MerkkiRegistryData, 1);
  json_t *registry, *generated, *demo, *records;
  size_t index;
  json_t *value;

  if (!json_is_object (root))
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                           _("The registry data is not a JSON object"));
      return NULL;
    }

  registry = json_object_get (root, "registry");
  generated = json_object_get (root, "generated");
  demo = json_object_get (root, "demo");
  records = json_object_get (root, "records");

  if (!json_is_string (registry) || json_string_length (registry) == 0 ||
      json_string_length (registry) > 64 ||
      !g_utf8_validate (json_string_value (registry), -1, NULL))
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                           _("The registry data does not say which registry it is from"));
      return NULL;
    }

  if (!json_is_string (generated) || !is_timestamp (json_string_value (generated)))
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                           _("The registry data has no valid “generated” time"));
      return NULL;
    }

  if (demo != NULL && !json_is_boolean (demo))
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                           _("The registry data’s “demo” is not true or false"));
      return NULL;
    }

  if (!json_is_array (records))
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                           _("The registry data has no list of records"));
      return NULL;
    }

  data->registry = g_strdup (json_string_value (registry));
  data->generated = g_strdup (json_string_value (generated));
  data->demo = demo != NULL && json_is_true (demo);
  data->records = g_ptr_array_new_full (json_array_size (records),
                                        (GDestroyNotify) merkki_record_free);

  json_array_foreach (records, index, value)
    {
      g_autoptr(GError) record_error = NULL;
      MerkkiRecord *record = merkki_record_from_json (value, &record_error);

      if (record == NULL)
        {
          g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                       /* Translators: %u is a record's position, from 1; %s says what is wrong */
                       _("Record %u of the registry data is invalid: %s"),
                       (guint) index + 1, record_error->message);
          return NULL;
        }

      g_ptr_array_add (data->records, record);
    }

  return g_steal_pointer (&data);
}

MerkkiRegistryData *
merkki_registry_data_parse (const char  *text,
                            gsize        len,
                            GError     **error)
{
  json_error_t json_error;
  json_t *root;
  MerkkiRegistryData *data;

  root = json_loadb (text, len, JSON_REJECT_DUPLICATES, &json_error);
  if (root == NULL)
    {
      /* jansson quotes the bytes near the fault: they may be anything. */
      g_autofree char *shown = merkki_escape_bytes ((const guint8 *) json_error.text, strlen (json_error.text));

      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_DATA,
                   /* Translators: %d is a line number, %s jansson's description */
                   _("The registry data is not valid JSON (line %d: %s)"),
                   json_error.line, shown);
      return NULL;
    }

  data = merkki_registry_data_from_json (root, error);
  json_decref (root);

  return data;
}

MerkkiRegistryData *
merkki_registry_data_load (const char  *path,
                           GError     **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  MerkkiRegistryData *data;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                   "%s", local_error->message);
      return NULL;
    }

  data = merkki_registry_data_parse (contents, len, &local_error);
  if (data == NULL)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                   "%s: %s", display, local_error->message);
      return NULL;
    }

  return data;
}

json_t *
merkki_registry_data_to_json (MerkkiRegistryData *self)
{
  json_t *records;

  g_return_val_if_fail (self != NULL, NULL);

  records = json_array ();
  for (guint i = 0; i < self->records->len; i++)
    json_array_append_new (records, merkki_record_to_json (g_ptr_array_index (self->records, i)));

  return json_pack ("{s:s, s:s, s:b, s:o}",
                    "registry", self->registry,
                    "generated", self->generated,
                    "demo", self->demo,
                    "records", records);
}

MerkkiRegistryData *
merkki_registry_data_get_demo (const char *registry_id)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  MerkkiRegistryData *data;
  gsize len;
  const char *text;

  g_return_val_if_fail (registry_id != NULL, NULL);

  merkki_core_init ();

  /* Only plain ids name a resource; anything else is not ours. */
  for (const char *p = registry_id; *p; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-')
        return NULL;
    }

  path = g_strconcat (MERKKI_CORE_RESOURCE_PATH, "demo/", registry_id, ".json", NULL);
  bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes == NULL)
    return NULL;

  text = g_bytes_get_data (bytes, &len);
  data = merkki_registry_data_parse (text, len, &error);

  /* The bundled data is ours and tested; failing here is a build bug. */
  g_assert_no_error (error);
  g_assert (data->demo);

  return data;
}
